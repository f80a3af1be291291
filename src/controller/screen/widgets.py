"""Building blocks of the pages: text and bars that touch displayio only on a change.

``gfx`` is the graphics namespace from ``controller.hardware.gfx()`` (or its PC twin): Group,
Bitmap, Palette, TileGrid, Label (adafruit_display_text.bitmap_label), Rect
(adafruit_display_shapes), fill_region (bitmaptools) and font (terminalio.FONT, 6x12 px).
"""

from controller.screen.fmt import BG, FG, WHITE

W = 480
H = 320
CHAR_W = 6  # terminalio glyph cell, px at scale 1
CHAR_H = 12


class Text:
    """One line of text whose top edge is at ``y``; ``align`` puts ``x`` at its left (0.0),
    middle (0.5) or right (1.0) end.

    ``set`` changes the label only when the text or colour differs, so an unchanged value
    costs neither an allocation nor a redraw; ``sets`` counts the real changes.
    """

    def __init__(self, gfx, group, x, y, scale=2, color=WHITE, text="", align=0.0):
        self.label = gfx.Label(gfx.font, text=text, color=color, scale=scale,
                               anchor_point=(align, 0.0), anchored_position=(x, y))
        self.text = text
        self.color = color
        self.sets = 0
        room = W - x if align == 0.0 else (x if align == 1.0 else 2 * min(x, W - x))
        self.cols = room // (CHAR_W * scale)  # longer text is cut (ending in "..")
        group.append(self.label)

    def set(self, text, color=None):
        if len(text) > self.cols:
            text = text[:self.cols - 2] + ".."
        if text != self.text:
            self.label.text = text
            self.text = text
            self.sets += 1
        if color is not None and color != self.color:
            self.label.color = color
            self.color = color
            self.sets += 1


class Bar:
    """A 0..100 % bar: a 100x1 bitmap (1 px per percent) repeated in rows and scaled, so a
    change writes only the pixels between the old and the new length."""

    def __init__(self, gfx, group, x, y, px_per_pct, height_px, color, back):
        self.gfx = gfx
        self.bitmap = gfx.Bitmap(100, 1, 2)
        palette = gfx.Palette(2)
        palette[0] = back
        palette[1] = color
        self.palette = palette
        rows = max(1, height_px // px_per_pct)
        grid = gfx.TileGrid(self.bitmap, pixel_shader=palette, width=1, height=rows,
                            tile_width=100, tile_height=1)
        holder = gfx.Group(scale=px_per_pct, x=x, y=y)
        holder.append(grid)
        group.append(holder)
        self.value = 0

    def set(self, value_pct, color=None):
        value = int(value_pct + 0.5)
        value = 0 if value < 0 else (100 if value > 100 else value)
        if color is not None and self.palette[1] != color:
            self.palette[1] = color
        old = self.value
        if value > old:
            self.gfx.fill_region(self.bitmap, old, 0, value, 1, 1)
        elif value < old:
            self.gfx.fill_region(self.bitmap, value, 0, old, 1, 0)
        self.value = value


class Header:
    """The strip at the top of a page: its title and the system status in words, on the
    status colour (a fault shows on every page)."""

    def __init__(self, gfx, group, title, height=30):
        self.level = None
        self.rect = gfx.Rect(0, 0, W, height, fill=BG[1])
        group.append(self.rect)
        self.title = Text(gfx, group, 6, (height - 24) // 2, 2, FG[1], title)
        self.words = Text(gfx, group, W - 6, (height - 24) // 2, 2, FG[1], "", 1.0)

    def set(self, level, words):
        if level != self.level:
            self.level = level
            self.rect.fill = BG[level]
        self.title.set(self.title.text, FG[level])
        self.words.set(words, FG[level])
