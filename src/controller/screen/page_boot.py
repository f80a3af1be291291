"""The boot page: what was found at start (PCF8591, DS18B20 ROMs), settings errors and network
progress, as the controller reports them; errors in red with a '!' in front. Kept afterwards
as a page, so the ROM lines stay readable."""

from controller.screen.fmt import FAULT, GREY, IDLE, INK, WHITE
from controller.screen.widgets import Header, Text

ROWS = 11
COLS = 39


class BootPage:
    name = "boot"

    def __init__(self, gfx):
        g = gfx.Group()
        self.group = g
        self.header = Header(gfx, g, "STARTING")
        self.rows = [Text(gfx, g, 4, 36 + i * 26, 2) for i in range(ROWS)]
        self.seen = -1  # len(ctx.boot_messages) shown by update()

    def set_lines(self, lines, errors=()):
        """The boot messages (newest last); those in ``errors`` are shown as errors."""
        rows = []
        for line in lines:
            bad = line in errors
            text = ("! " if bad else "") + line
            while len(text) > COLS:
                cut = text.rfind(" ", 8, COLS + 1)
                if cut < 0:
                    cut = COLS
                rows.append((bad, text[:cut]))
                text = "   " + text[cut:].lstrip()
            rows.append((bad, text))
        rows = rows[-ROWS:]
        for i, row in enumerate(self.rows):
            if i < len(rows):
                row.set(rows[i][1], INK[FAULT] if rows[i][0] else WHITE)
            else:
                row.set("")

    def update(self, ctx, level, headline):
        messages = ctx.boot_messages
        if len(messages) != self.seen:
            self.seen = len(messages)
            self.set_lines(messages[-ROWS:], ctx.boot_errors)
        self.header.title.set("BOOT LOG")
        self.header.set(level, headline)

    def booting(self):
        self.header.title.set("STARTING", GREY)
        self.header.set(IDLE, "")
