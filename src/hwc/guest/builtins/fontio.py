"""Guest stand-in for CircuitPython's ``fontio`` (hwc memory): ``Glyph`` as the C namedtuple-like
object the board allocates per ``get_glyph`` call (garbage once used)."""

from collections import namedtuple

Glyph = namedtuple("Glyph", ("bitmap", "tile_index", "width", "height", "dx", "dy", "shift_x", "shift_y"))


class BuiltinFont:
    """A fixed-width font in flash (terminalio.FONT: 6 x 12 px cells). Its bitmap is in flash on
    the board: the stand-in's tiny Bitmap stands for none of it."""

    def __init__(self, width, height):
        import displayio

        self._w = width
        self._h = height
        self.bitmap = displayio.Bitmap(1, 1, 2)

    def get_bounding_box(self):
        return (self._w, self._h)

    def get_glyph(self, codepoint):
        if codepoint < 32 or codepoint > 0x2FF:
            return None
        return Glyph(self.bitmap, codepoint - 32, self._w, self._h, 0, -2, self._w, 0)

    def load_glyphs(self, codepoints):
        pass
