"""The device's displayio code on a PC: Blinka's displayio rendering into a frame buffer.

:class:`FramebufferDisplay` stands in for ``board.DISPLAY`` (480x320, RGB565): ``root_group``,
``refresh()``, ``brightness``, ``auto_refresh``. ``refresh()`` renders the dirty areas the way
CircuitPython does (Blinka's ``_DisplayCore``/``Group._fill_area``) into a numpy array and
records how many pixels it redrew. :func:`gfx` is the graphics namespace the screen code gets
on the device from ``controller.hardware.gfx()``, made of the same libraries.
"""

import os
import types

os.environ.setdefault("BLINKA_FORCEBOARD", "GENERIC_LINUX_PC")
os.environ.setdefault("BLINKA_FORCECHIP", "GENERIC_X86")

import busdisplay  # noqa: E402,F401 - first: Blinka's displayio._displaycore imports it back
import displayio  # noqa: E402
import numpy as np  # noqa: E402
from displayio._area import Area  # noqa: E402
from displayio._displaycore import _DisplayCore  # noqa: E402

# Blinka refreshes its own displays from a thread; ours is refreshed only when asked.
displayio._stop_background()

WIDTH = 480
HEIGHT = 320


def font_bitmap():
    """terminalio.FONT's glyph sheet as CircuitPython has it (``FONT.bitmap``): the 95 ASCII
    glyphs of the 6x12 Terminus font side by side, glyph ``ord(c) - 32`` at x = 6 * that, one
    bit per pixel. Blinka's terminalio has no such bitmap, so it is drawn here from the same
    BDF font Blinka loads."""
    import terminalio

    font = terminalio.FONT._font
    width, height, _dx, dy = font.get_bounding_box()
    baseline = height + dy  # rows above the baseline
    sheet = displayio.Bitmap(95 * width, height, 2)
    for i in range(95):
        glyph = font.get_glyph(32 + i)
        if glyph is None:
            continue
        top = baseline - glyph.height - glyph.dy
        for y in range(glyph.height):
            for x in range(glyph.width):
                if glyph.bitmap[x, y]:
                    sheet[i * width + glyph.dx + x, top + y] = 1
    return sheet


_GFX = []


def gfx():
    """The graphics namespace (see controller.screen) from Blinka's displayio: the
    classes controller.hardware.Gfx gives on the board."""
    if not _GFX:
        import bitmaptools
        import vectorio

        _GFX.append(types.SimpleNamespace(
            Group=displayio.Group, Bitmap=displayio.Bitmap, Palette=displayio.Palette,
            TileGrid=displayio.TileGrid, Rectangle=vectorio.Rectangle, fill_region=bitmaptools.fill_region,
            font=types.SimpleNamespace(bitmap=font_bitmap()), palettes=[]))
    return _GFX[0]


class FramebufferDisplay:
    """A 480x320 16-bit display whose pixels land in ``self.pixels`` (numpy uint16 RGB565)."""

    def __init__(self, width=WIDTH, height=HEIGHT):
        self._core = _DisplayCore(
            bus=None, width=width, height=height, ram_width=width, ram_height=height, colstart=0, rowstart=0,
            rotation=0, color_depth=16, grayscale=False, pixels_in_byte_share_row=False, bytes_per_cell=1,
            reverse_pixels_in_byte=False, reverse_bytes_in_word=False, column_command=0x2A, row_command=0x2B,
            set_current_column_command=0, set_current_row_command=0, data_as_commands=False,
            always_toggle_chip_select=False, sh1107_addressing=False, address_little_endian=False)
        self.width = width
        self.height = height
        self.pixels = np.zeros((height, width), np.uint16)
        self.auto_refresh = True
        self.brightness = 1.0
        self.refreshes = 0
        self.last_refresh_px = 0  # pixels redrawn by the last refresh()

    @property
    def root_group(self):
        return self._core.current_group

    @root_group.setter
    def root_group(self, group):
        if not self._core.set_root_group(group):
            raise ValueError("Group already used")

    def refresh(self, **_kwargs):
        core = self._core
        core.start_refresh()
        areas = []
        if core.current_group is not None:
            if core.full_refresh:
                core.current_group._prepare_full_refresh()
                areas.append(core.area)
            else:
                core.current_group._get_refresh_areas(areas)
        drawn = 0
        for area in areas:
            clipped = Area()
            if not core.clip_area(area, clipped):
                continue
            size = clipped.size()
            buf = memoryview(bytearray(((size + 1) // 2) * 4)).cast("I")
            mask = memoryview(bytearray((size // 32 + 1) * 4)).cast("I")
            core.fill_area(clipped, mask, buf)
            px = np.frombuffer(buf.tobytes(), np.uint16)[:size].reshape(clipped.height(), clipped.width())
            self.pixels[clipped.y1:clipped.y2, clipped.x1:clipped.x2] = px
            drawn += size
        core.finish_refresh()
        self.refreshes += 1
        self.last_refresh_px = drawn
        return True

    def rgb(self):
        """The screen as an (height, width, 3) uint8 array (RGB565 expanded to 8 bits)."""
        p = self.pixels.astype(np.uint32)
        r = (p >> 11) & 0x1F
        g = (p >> 5) & 0x3F
        b = p & 0x1F
        return np.stack([(r * 255 + 15) // 31, (g * 255 + 31) // 63, (b * 255 + 15) // 31], axis=-1).astype(np.uint8)

    def image(self):
        """A PIL image of the screen."""
        from PIL import Image

        return Image.fromarray(self.rgb(), "RGB")


# --- what the display objects cost on the board -------------------------------------------
# Sizes of CircuitPython's displayio and vectorio objects on the Titano (32-bit ARM), from the
# structs in CircuitPython's shared-module/ (9.x and 10.x), each allocation rounded up to the
# garbage collector's 16-byte block. See docs/screen.md for the derivation.
GC_BLOCK = 16
GROUP_BYTES = 48  # displayio_group_t
LIST_BYTES = 16  # mp_obj_list_t, the group's member list; its items array holds 4, 8, 16 ... pointers
TILEGRID_BYTES = 88  # displayio_tilegrid_t; tiles in a separate array, 1 byte each (4 or fewer: inline)
BITMAP_BYTES = 36  # displayio_bitmap_t; pixels in a separate array of 32-bit words per row
PALETTE_BYTES = 16  # displayio_palette_t; colours in a separate array, 12 bytes each
PALETTE_COLOR_BYTES = 12  # _displayio_color_t
RECTANGLE_BYTES = 24 + 56  # vectorio_rectangle_t and the vectorio_vector_shape_t it draws through


def _gc(size):
    return -(-size // GC_BLOCK) * GC_BLOCK if size else 0


def board_bytes(roots, rom=()):
    """{kind: [count, bytes]} of the display objects under ``roots`` (Blinka Groups), each
    counted once, at their size on the board; objects in ``rom`` (the font's glyph sheet,
    which is in flash) cost nothing."""
    import vectorio

    seen = set(id(x) for x in rom)
    out = {}

    def add(kind, size):
        entry = out.setdefault(kind, [0, 0])
        entry[0] += 1
        entry[1] += size

    def palette(p):
        if id(p) not in seen:
            seen.add(id(p))
            add("Palette", _gc(PALETTE_BYTES) + _gc(PALETTE_COLOR_BYTES * len(p)))

    def walk(item):
        if id(item) in seen:
            return
        seen.add(id(item))
        if isinstance(item, displayio.Group):
            alloc = 4
            while alloc < len(item):
                alloc *= 2
            add("Group", _gc(GROUP_BYTES) + _gc(LIST_BYTES) + _gc(4 * alloc))
            for child in item:
                walk(child)
        elif isinstance(item, displayio.TileGrid):
            tiles = item.width * item.height
            add("TileGrid", _gc(TILEGRID_BYTES) + (_gc(tiles) if tiles > 4 else 0))
            bitmap = item.bitmap
            if id(bitmap) not in seen:
                seen.add(id(bitmap))
                # Blinka's Bitmap keeps the board's layout: bits per value, 32-bit words per row.
                add("Bitmap", _gc(BITMAP_BYTES) + _gc(4 * bitmap._stride * bitmap.height))
            palette(item.pixel_shader)
        elif isinstance(item, vectorio.Rectangle):
            add("Rectangle", _gc(24) + _gc(56))
            palette(item.pixel_shader)
        else:
            raise TypeError("no board size known for %r" % (item,))

    for root in roots:
        walk(root)
    return out


def text_of(grid):
    """The characters a line of text (a TileGrid over the font's glyphs) shows, without the
    padding on either side."""
    return "".join(chr(grid[i] + 32) for i in range(grid.width * grid.height)).strip()


def lines(group, font_bitmap, ox=0, oy=0, scale=1):
    """(grid, text, scale, left, top, right, bottom) of every line of text under ``group``
    that shows something, in screen pixels; (ox, oy) is where ``group``'s origin is on the
    screen and ``scale`` its magnification. Hidden groups are left out."""
    for item in group:
        if getattr(item, "hidden", False):
            continue
        if isinstance(item, displayio.Group):
            yield from lines(item, font_bitmap, ox + item.x * scale, oy + item.y * scale, scale * item.scale)
        elif isinstance(item, displayio.TileGrid) and item.bitmap is font_bitmap:
            words = text_of(item)
            if words:
                x = ox + item.x * scale
                y = oy + item.y * scale
                yield (item, words, scale, x, y, x + item.width * item.tile_width * scale,
                       y + item.height * item.tile_height * scale)
