"""What the pages change on the screen, lean on the heap: text as TileGrids of the built-in
font's glyphs, rectangles as ``vectorio`` shapes, one shared palette per colour. (What makes
them is in ``layout``, which is forgotten once the screen is made.)

``gfx`` is the graphics namespace from ``controller.hardware.Gfx`` (or its PC twin in
``hwc.fbdisplay``): Group, Bitmap, Palette, TileGrid, Rectangle (vectorio), fill_region
(bitmaptools), font (terminalio.FONT: 6x12 px glyphs, ASCII at tile ``ord(c) - 32``) and
palettes (an empty dict: the shared palettes, one per colour, made here).

A line of text is one TileGrid over the font's bitmap, one tile (one byte) per character,
inside a Group that scales it: about 100 bytes plus a byte per column on the board, where an
``adafruit_display_text`` label costs a bitmap of its pixels plus some twenty Python attributes
and reallocates on every change. Nothing here keeps a copy of the text: ``put`` compares the
tiles on show and writes only the characters that changed, so an unchanged value neither
allocates nor redraws, and a changed digit redraws one glyph.
"""

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda x: x  # noqa: E731

W = const(480)
# The rows every page writes its 2x text into: 12 rows of 39 columns, 24 px apart from y = 32
# (under the 30 px header), from x = 6.
ROWS = const(12)
COLS = const(39)
RIGHT = const(1)  # put(): the text's right end at the line's


def palette(gfx, color):
    """The shared two-entry palette that draws ``color`` (index 1) on a transparent ground."""
    p = gfx.palettes.get(color)
    if p is None:
        p = gfx.Palette(2)
        p.make_transparent(0)
        p[1] = color
        gfx.palettes[color] = p
    return p


def rect(gfx, group, x, y, width, height, color):
    """A filled rectangle (vectorio: no bitmap behind it) appended to ``group``."""
    r = gfx.Rectangle(pixel_shader=palette(gfx, color), x=x, y=y, width=width, height=height, color_index=1)
    group.append(r)
    return r


def paint(gfx, shape, color):
    """Give a rectangle or a line of text another colour (a redraw only if it differs)."""
    p = palette(gfx, color)
    if shape.pixel_shader is not p:
        shape.pixel_shader = p


def put(gfx, grid, value, color=None, align=0):
    """Show ``value`` on the line ``grid`` (left-aligned, or RIGHT), in ``color`` if given.
    Text longer than the line is cut and ends in '...'; a character the font lacks is '?'."""
    cols = grid.width
    n = len(value)
    if n > cols:
        value = value[:cols - 3] + "..."
        n = cols
    pad = cols - n if align else 0
    for i in range(cols):
        k = i - pad
        tile = ord(value[k]) - 32 if 0 <= k < n else 0
        if not 0 <= tile < 95:
            tile = 31
        if grid[i] != tile:
            grid[i] = tile
    if color is not None:
        paint(gfx, grid, color)


def bar(gfx, group, x, y, width, height, back):
    """A 0..100 % bar of ``width`` px: a track in ``back`` and, over it, the rectangle whose
    width ``fill`` sets (vectorio redraws only the span between its old and its new end).
    Returns that rectangle."""
    rect(gfx, group, x, y, width, height, back)
    return rect(gfx, group, x, y, 1, height, back)


def fill(gfx, shape, width, value_pct, color, back):
    """Fill the bar ``shape`` (made by ``bar`` ``width`` px wide) to ``value_pct`` in ``color``."""
    px = width * int(value_pct + 0.5) // 100
    px = 1 if px < 1 else (width if px > width else px)
    if shape.width != px:
        shape.width = px
    paint(gfx, shape, color if value_pct >= 0.5 else back)
