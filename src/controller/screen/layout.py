"""Where everything on the screen sits: the rows of 2x text, the banner, the 3x line, and the
shapes and large figures of the main page. ``Screen`` imports this module when it is made, at
boot, and forgets it after (``controller.forget``): the display objects stay, and the code that
placed them takes no RAM while the firmware runs. (The other pages with display objects of
their own, the trend and the heater's, make them when they come up and drop them when they are
left.)
"""

from controller.screen import BG, COLD, COLS, DARK, GREY, HOT, IDLE, RIGHT, ROWS, WHITE, Page, palette, put, rect


def layer(gfx, group, scale):
    """A Group that shows what is put in it ``scale`` times larger (one per scale and page)."""
    g = gfx.Group(scale=scale)
    group.append(g)
    return g


def text(gfx, layer, x, y, n, value="", align=0):
    """A line of ``n`` characters in ``layer`` (whose scale it takes), its top left corner at
    (x, y) screen px; with ``align`` RIGHT, x is its right end. Returns the TileGrid."""
    scale = layer.scale
    if align:
        x -= n * 6 * scale
    item = gfx.TileGrid(gfx.font.bitmap, pixel_shader=palette(gfx, WHITE), width=n, height=1, tile_width=6,
                        tile_height=12, x=x // scale, y=y // scale)
    layer.append(item)
    put(gfx, item, value, None, align)
    return item


def box(gfx, group, x, y, width, height, color):
    """A 2 px outline around black: two rectangles, one inside the other; returns the inner."""
    rect(gfx, group, x, y, width, height, color)
    return rect(gfx, group, x + 2, y + 2, width - 4, height - 4, 0)


def screen(s, gfx):
    """Make the screen ``s``'s display objects (see ``controller.screen.Screen``)."""
    root = gfx.Group()
    s.blank = gfx.Group()
    root.append(s.blank)  # [0]: the page's own group
    s.banner = rect(gfx, root, 0, 0, 480, 30, BG[IDLE])
    s.big = text(gfx, layer(gfx, root, 3), 8, 9, 26)  # the main headline, the heater's state
    x2 = layer(gfx, root, 2)
    # [0]: the header row, on the banner; [1:]: the page's rows, 24 px apart from y = 32.
    s.rows = [text(gfx, x2, 6, y, COLS) for y in [4] + [32 + 24 * i for i in range(ROWS)]]
    put(gfx, s.rows[0], "STARTING", GREY)
    s.root = root
    s.pages = {"main": main(gfx)}


def main(gfx):
    """The loop with the collector (5x) and the tank's top and bottom (4x), the pump, the duty
    bar on row 8; the page also takes the screen's banner, 3x line and header row."""
    page = Page(gfx.Group())
    group = page.group
    # The loop: collector left, tank right, flow pipe on top, return with the pump below.
    box(gfx, group, 0, 104, 172, 112, HOT)
    box(gfx, group, 288, 104, 192, 112, COLD)
    rect(gfx, group, 290, 162, 188, 1, DARK)
    rect(gfx, group, 172, 114, 116, 6, HOT)
    rect(gfx, group, 172, 198, 116, 6, COLD)
    page.pump = box(gfx, group, 216, 188, 28, 28, WHITE)
    rect(gfx, group, 62, 226, 300, 20, DARK)  # the duty bar's track: 3 px per percent
    page.bar = rect(gfx, group, 62, 226, 1, 20, DARK)  # and the bar over it
    p = layer(gfx, group, 4)
    page.collector = text(gfx, layer(gfx, group, 5), 164, 145, 5, "", RIGHT)
    page.top = text(gfx, p, 472, 112, 4, "", RIGHT)  # the tank's top
    page.tank = text(gfx, p, 472, 168, 4, "", RIGHT)  # and bottom
    return page
