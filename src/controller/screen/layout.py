"""Where everything on the screen sits: the rows of 2x text, the banner, the 3x line, and the
shapes, bitmaps and large figures of the main and trend pages. ``Screen`` imports this module
when it is made, at boot, and forgets it after (``controller.forget``): the display objects
stay, and the code that placed them takes no RAM while the firmware runs. (The heater's page,
made only with HEATER_ENABLED = 1, places its two gauges itself when first shown.)
"""

from controller.screen import AMBIENT, BG, COLD, COLS, DARK, DUTY, GREY, HOT, IDLE, RIGHT, ROWS, WHITE, Page, palette, put, rect


def layer(gfx, group, scale):
    """A Group that shows what is put in it ``scale`` times larger (one per scale and page)."""
    g = gfx.Group(scale=scale)
    group.append(g)
    return g


def text(gfx, layer, x, y, cols, value="", align=0):
    """A line of ``cols`` characters in ``layer`` (whose scale it takes), its top left corner
    at (x, y) screen px; with ``align`` RIGHT, x is its right end. Returns the TileGrid."""
    scale = layer.scale
    if align:
        x -= cols * 6 * scale
    grid = gfx.TileGrid(gfx.font.bitmap, pixel_shader=palette(gfx, WHITE), width=cols, height=1, tile_width=6,
                        tile_height=12, x=x // scale, y=y // scale)
    layer.append(grid)
    put(gfx, grid, value, None, align)
    return grid


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
    s.pages = {"main": main(gfx), "trend": trend(gfx)}


def main(gfx):
    """The loop with the collector (5x) and the tank's top and bottom (4x), the pump, the duty
    bar on row 8; the page also takes the screen's banner, 3x line and header row."""
    page = Page(gfx.Group())
    g = page.group
    # The loop: collector left, tank right, flow pipe on top, return with the pump below.
    box(gfx, g, 0, 104, 172, 112, HOT)
    box(gfx, g, 288, 104, 192, 112, COLD)
    rect(gfx, g, 290, 162, 188, 1, DARK)
    rect(gfx, g, 172, 114, 116, 6, HOT)
    rect(gfx, g, 172, 198, 116, 6, COLD)
    page.pump = box(gfx, g, 216, 188, 28, 28, WHITE)
    rect(gfx, g, 62, 226, 300, 20, DARK)  # the duty bar's track: 3 px per percent
    page.bar = rect(gfx, g, 62, 226, 1, 20, DARK)  # and the bar over it
    x4 = layer(gfx, g, 4)
    page.collector = text(gfx, layer(gfx, g, 5), 164, 145, 5, "", RIGHT)
    page.top = text(gfx, x4, 472, 112, 4, "", RIGHT)  # the tank's top
    page.tank = text(gfx, x4, 472, 168, 4, "", RIGHT)  # and bottom
    return page


def trend(gfx):
    """The chart, 144 columns x 48 rows shown at 3x from (44, 44) px, its gridlines at 44, 116
    and 187 px (on rows 0, 3 and 6, where the scale is written) and the time marks at every
    quarter; the duty strip of 8 rows at 3x 6 px under it; the legend's colour marks on row 10.
    (``controller.screen.trend`` draws into the bitmaps, taking their sizes from them.)"""
    page = Page(gfx.Group())
    g = page.group
    for y in (44, 44 + 48 * 3 // 2, 44 + 48 * 3 - 1):
        rect(gfx, g, 44, y, 144 * 3, 1, DARK)
    for i in range(1, 4):
        rect(gfx, g, 44 + i * 144 * 3 // 4, 44, 1, 48 * 3, DARK)
    page.chart = gfx.Bitmap(144, 48, 4)
    page.bar = gfx.Bitmap(144, 8, 2)
    for bitmap, c, y in ((page.chart, (HOT, COLD, AMBIENT), 44), (page.bar, (DUTY,), 44 + 48 * 3 + 6)):
        p = gfx.Palette(len(c) + 1)
        p.make_transparent(0)
        for i, color in enumerate(c):
            p[i + 1] = color
        b = gfx.Group(scale=3, x=44, y=y)
        b.append(gfx.TileGrid(bitmap, pixel_shader=p))
        g.append(b)
    for i, color in ((0, HOT), (10, COLD), (20, AMBIENT), (29, DUTY)):  # the legend's columns
        rect(gfx, g, 8 + 12 * i, 276, 8, 16, color)
    page.hours = 0  # SCREEN_TREND_HOURS drawn for (the time marks follow it)
    page.drawn = None  # the trend's version last drawn
    return page
