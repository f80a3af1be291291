"""Where everything on the screen sits: the rows of 2x text, the banner, the 3x line, and the
shapes, bitmaps and large figures of the main and trend pages. ``Screen`` imports this module
when it is made, at boot, and forgets it after (``controller.forget``): the display objects
stay, and the code that placed them takes no RAM while the firmware runs. (The heater's page,
made only with HEATER_ENABLED = 1, places its two gauges itself.)
"""

from controller.screen.fmt import AMBIENT, BG, COLD, DARK, DUTY, GREY, HOT, IDLE, WHITE
from controller.screen.pages import CHART_COLS, CHART_ROWS, DUTY_ROWS, DUTY_Y0, PX, X0, Y0, MainPage, TrendPage
from controller.screen.widgets import COLS, RIGHT, ROWS, W, bar, palette, put, rect


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
    """Make the screen ``s``'s display objects (see ``manager.Screen``)."""
    root = gfx.Group()
    s.blank = gfx.Group()
    root.append(s.blank)  # [0]: the page's own group
    s.banner = rect(gfx, root, 0, 0, W, 30, BG[IDLE])
    s.big = text(gfx, layer(gfx, root, 3), 8, 9, 26)  # the main headline, the heater's state
    x2 = layer(gfx, root, 2)
    # [0]: the header row, on the banner; [1:]: the page's rows, 24 px apart from y = 32.
    s.rows = [text(gfx, x2, 6, y, COLS) for y in [4] + [32 + 24 * i for i in range(ROWS)]]
    put(gfx, s.rows[0], "STARTING", GREY)
    s.root = root
    s.pages = {"main": main(gfx, s), "trend": trend(gfx)}


def main(gfx, s):
    """The loop with the collector (5x) and the tank's top and bottom (4x), the pump, the duty
    bar on row 8; the page also takes the screen's banner, 3x line and header row."""
    g = gfx.Group()
    # The loop: collector left, tank right, flow pipe on top, return with the pump below.
    box(gfx, g, 0, 104, 172, 112, HOT)
    box(gfx, g, 288, 104, 192, 112, COLD)
    rect(gfx, g, 290, 162, 188, 1, DARK)
    rect(gfx, g, 172, 114, 116, 6, HOT)
    rect(gfx, g, 172, 198, 116, 6, COLD)
    pump = box(gfx, g, 216, 188, 28, 28, WHITE)
    duty_bar = bar(gfx, g, 62, 226, 300, 20, DARK)  # 3 px per percent
    x4 = layer(gfx, g, 4)
    return MainPage(gfx, g, (
        s.banner, s.big, s.rows[0], pump, duty_bar,
        text(gfx, layer(gfx, g, 5), 164, 145, 5, "", RIGHT),  # collector
        text(gfx, x4, 472, 112, 4, "", RIGHT),  # tank top
        text(gfx, x4, 472, 168, 4, "", RIGHT)))  # tank bottom


def trend(gfx):
    """The gridlines (on rows 0, 3 and 6, where the scale is written), the chart and duty
    bitmaps at 3x, the legend's colour marks on row 10."""
    g = gfx.Group()
    for y in (Y0, Y0 + CHART_ROWS * PX // 2, Y0 + CHART_ROWS * PX - 1):
        rect(gfx, g, X0, y, CHART_COLS * PX, 1, DARK)
    for i in range(1, 4):
        rect(gfx, g, X0 + i * CHART_COLS * PX // 4, Y0, 1, CHART_ROWS * PX, DARK)
    chart = gfx.Bitmap(CHART_COLS, CHART_ROWS, 4)
    bars = gfx.Bitmap(CHART_COLS, DUTY_ROWS, 2)
    for bitmap, colors, y in ((chart, (HOT, COLD, AMBIENT), Y0), (bars, (DUTY,), DUTY_Y0)):
        palette = gfx.Palette(len(colors) + 1)
        palette.make_transparent(0)
        for i, color in enumerate(colors):
            palette[i + 1] = color
        holder = gfx.Group(scale=PX, x=X0, y=y)
        holder.append(gfx.TileGrid(bitmap, pixel_shader=palette))
        g.append(holder)
    for col, color in ((0, HOT), (10, COLD), (20, AMBIENT), (29, DUTY)):  # the legend's columns
        rect(gfx, g, 8 + 12 * col, 276, 8, 16, color)
    return TrendPage(gfx, g, chart, bars)
