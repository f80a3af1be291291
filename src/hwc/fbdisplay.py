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


def gfx():
    """The graphics namespace (see controller.screen.widgets) from Blinka's displayio."""
    import bitmaptools
    import terminalio
    from adafruit_display_shapes.rect import Rect
    from adafruit_display_text.bitmap_label import Label

    return types.SimpleNamespace(Group=displayio.Group, Bitmap=displayio.Bitmap, Palette=displayio.Palette,
                                 TileGrid=displayio.TileGrid, Label=Label, Rect=Rect,
                                 fill_region=bitmaptools.fill_region, font=terminalio.FONT)


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
