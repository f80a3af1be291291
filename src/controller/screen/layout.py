"""Where everything on the screen sits: the rows of 2x text, the banner, the 3x line, and the
display objects of the pages that have their own. ``Screen`` runs ``screen`` when it is made,
at boot (the main page's objects are made then and kept); the trend's and the heater's page
code run ``trend`` and ``heater`` when their page comes up (the objects are dropped when it
is left). Each time through ``controller.once``: the display objects stay, and the code that
placed them takes no RAM after.
"""

from controller import const
from controller.screen import BG, palette, put

_WHITE = const(0xFFFFFF)
_GREY = const(0x8C8C8C)
_DARK = const(0x303030)
_HOT = const(0xFF5A28)
_COLD = const(0x3C8CFF)
_AMBIENT = const(0x50D050)
_DUTY = const(0xFFD200)


class Page:
    """A page's own display objects (``group``, shown under the rows, and the parts its code
    changes) and what its code keeps between updates. No methods: a function defined here would
    keep this module's globals, and so all of its code, alive as long as a page lives."""


def blank(gfx):
    """A Page with an empty group, and the group."""
    page = Page()
    page.group = gfx.Group()
    return page, page.group


def rect(gfx, group, x, y, width, height, color):
    """A filled rectangle (vectorio: no bitmap behind it) appended to ``group``."""
    r = gfx.Rectangle(pixel_shader=palette(gfx, color), x=x, y=y, width=width, height=height, color_index=1)
    group.append(r)
    return r


def layer(gfx, group, scale):
    """A Group that shows what is put in it ``scale`` times larger (one per scale and page)."""
    group.append(gfx.Group(scale=scale))
    return group[-1]


def text(gfx, layer, x, y, n, align=0):
    """A blank line of ``n`` characters in ``layer`` (whose scale it takes), its top left corner
    at (x, y) screen px; with ``align`` true, x is its right end. Returns the TileGrid."""
    scale = layer.scale
    if align:
        x -= n * 6 * scale
    item = gfx.TileGrid(gfx.font.bitmap, pixel_shader=palette(gfx, _WHITE), width=n, height=1, tile_width=6,
                        tile_height=12, x=x // scale, y=y // scale)
    layer.append(item)
    return item


def outline(gfx, group, x, y, width, height, color):
    """A 2 px outline around black: two rectangles, one inside the other; returns the inner."""
    rect(gfx, group, x, y, width, height, color)
    return rect(gfx, group, x + 2, y + 2, width - 4, height - 4, 0)


def screen(s, display, gfx, touch):
    """Make the screen ``s``'s display objects and set its state to its start (see
    ``controller.screen.Screen``)."""
    s.display = display
    s.gfx = gfx
    s.touch = touch
    s.names = s.name = s.code = s.last_ms = None
    s.index = s.idle_ms = 0
    s.pressed = s.dimmed = False
    root = gfx.Group()
    s.blank = gfx.Group()
    root.append(s.blank)  # [0]: the page's own group
    s.banner = rect(gfx, root, 0, 0, 480, 30, BG[1])
    s.big = text(gfx, layer(gfx, root, 3), 8, 9, 26)  # the main headline, the heater's state
    # The 2x layer is the rows (a Group is indexed as a list, so no list of them is kept): [0] the
    # header row, on the banner; [1:] the page's 12 rows of 39, 24 px apart from y = 32.
    s.rows = p = layer(gfx, root, 2)
    for y in [4] + [32 + 24 * i for i in range(12)]:
        text(gfx, p, 6, y, 39)
    put(gfx, s.rows[0], "STARTING", _GREY)
    s.root = root
    main(s, gfx)
    display.auto_refresh = False
    display.root_group = root


def main(s, gfx):
    """The main page's: the loop with the collector (5x) and the tank's top and bottom (4x), the
    pump, the duty bar on row 8 (the page also takes the screen's banner, 3x line and header
    row). They are the screen ``s``'s own attributes (``group`` and the parts its code changes):
    ``pages["main"]`` is the screen, so that no Page stays alive for it."""
    s.group = group = gfx.Group()
    # The loop: collector left, tank right, flow pipe on top, return with the pump below.
    outline(gfx, group, 0, 104, 172, 112, _HOT)
    outline(gfx, group, 288, 104, 192, 112, _COLD)
    rect(gfx, group, 290, 162, 188, 1, _DARK)
    rect(gfx, group, 172, 114, 116, 6, _HOT)
    rect(gfx, group, 172, 198, 116, 6, _COLD)
    s.pump = outline(gfx, group, 216, 188, 28, 28, _WHITE)
    rect(gfx, group, 62, 226, 300, 20, _DARK)  # the duty bar's track: 3 px per percent
    s.bar = rect(gfx, group, 62, 226, 1, 20, _DARK)  # and the bar over it
    p = layer(gfx, group, 4)
    s.collector = text(gfx, layer(gfx, group, 5), 164, 145, 5, 1)
    s.top = text(gfx, p, 472, 112, 4, 1)  # the tank's top
    s.tank = text(gfx, p, 472, 168, 4, 1)  # and bottom
    s.pages = {"main": s}


def trend(gfx):
    """The trend page's: the chart, 144 columns x 48 rows shown at 3x from (44, 44) px, its
    gridlines at 44, 116 and 187 px (on rows 0, 3 and 6, where the scale is written) and the
    time marks at every quarter; the duty strip of 8 rows at 3x 6 px under it; the legend's
    colour marks on row 10. (The page's code draws into the bitmaps, taking their sizes from
    them.)"""
    page, group = blank(gfx)
    for y in (44, 44 + 48 * 3 // 2, 44 + 48 * 3 - 1):
        rect(gfx, group, 44, y, 144 * 3, 1, _DARK)
    for i in range(1, 4):
        rect(gfx, group, 44 + i * 144 * 3 // 4, 44, 1, 48 * 3, _DARK)
    page.chart = gfx.Bitmap(144, 48, 4)
    page.bar = gfx.Bitmap(144, 8, 2)
    for bitmap, c, y in ((page.chart, (_HOT, _COLD, _AMBIENT), 44), (page.bar, (_DUTY,), 44 + 48 * 3 + 6)):
        p = gfx.Palette(len(c) + 1)
        p.make_transparent(0)
        for i, color in enumerate(c):
            p[i + 1] = color
        b = gfx.Group(scale=3, x=44, y=y)
        b.append(gfx.TileGrid(bitmap, pixel_shader=p))
        group.append(b)
    for i, color in ((0, _HOT), (10, _COLD), (20, _AMBIENT), (29, _DUTY)):  # the legend's columns
        rect(gfx, group, 8 + 12 * i, 276, 8, 16, color)
    page.hours = 0  # SCREEN_TREND_HOURS drawn for (the time marks follow it)
    page.drawn = None  # the trend's version last drawn
    return page


def heater(gfx):
    """The heater page's two gauges (the price in today's band, the grid), a track and a bar
    over it each, 348 px wide, between the ends of row 5 and of row 7."""
    page, group = blank(gfx)
    for y in (158, 206):
        rect(gfx, group, 66, y, 348, 12, _DARK)
    page.price = rect(gfx, group, 66, 158, 1, 12, _DARK)
    page.grid = rect(gfx, group, 66, 206, 1, 12, _DARK)
    return page
