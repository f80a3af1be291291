"""The screen as the controller sees it: boot messages while starting, then the pages, with
touch to move between them and a backlight that dims when nobody looks.

Every page writes its text into one set of rows of 2x characters (a row is a TileGrid of the
font's glyphs: see ``widgets``): the header row at the top, on the banner in the status colour
(the page's title and the system status in words, so a fault shows on every page; the clock
on the main page, whose banner is taller), and twelve rows under it. One line of 3x
characters serves the main page's headline and the heater's state. What a page has besides
(the main page's loop and large figures, the trend chart, the heater's gauges) is a group of
its own, shown under the rows while the page is up. The display refreshes only when this
module says so (``auto_refresh`` off), after a whole update, so nothing is seen half-drawn;
only the characters and shapes that changed are redrawn.
"""

from controller.screen import fmt, pages
from controller.screen.fmt import FG
from controller.screen.pager import Pager
from controller.screen.widgets import COLS, ROWS, W, paint, put

PAGES = ("main", "trend", "details", "system", "boot")  # and "heater" last when HEATER_ENABLED = 1
TITLES = {"details": "DETAILS", "system": "SYSTEM", "boot": "BOOT LOG"}


class Screen:
    """:param display: a displayio display (``root_group``, ``refresh()``, ``brightness``,
        ``auto_refresh``): board.DISPLAY, or a frame buffer on a PC
    :param gfx: the graphics namespace (see ``controller.screen.widgets``)
    :param touch: None, or an object whose ``touch_point`` is ``(x, y, z)`` or None

    ``controller.screen.layout.screen`` makes the display objects: ``root`` (the page's group
    at [0], the ``banner``, the 3x line ``big``, the ``rows``), ``blank`` (the text pages'
    empty group) and ``pages`` (name -> the pages with display objects of their own).
    """

    def __init__(self, display, gfx, touch=None):
        import sys

        from controller import forget

        self.display = display
        self.gfx = gfx
        self.touch = touch
        self.pager = None  # made by the first update, which knows the settings
        self.updates = 0
        self.touch_errors = 0
        self._first = "main"  # page shown by the first update
        self.names = PAGES
        before = set(sys.modules)
        from controller.screen import layout

        layout.screen(self, gfx)  # at boot, while the heap is still in one piece
        forget(before)  # the layout code is not needed again
        self.group = self.blank  # the group on show in root[0]
        display.auto_refresh = False
        display.root_group = self.root

    def show(self, lines, errors=()):
        """Boot messages (and the last words before a restart): shown and drawn at once."""
        self._show(self.blank)
        self._put(pages.boot_lines(lines, errors))
        self.display.refresh()

    def build(self, settings, now_ms):
        """What needs the settings (the first update does this): the heater's page if
        HEATER_ENABLED, the pager."""
        if settings.heater_enabled:
            from controller.screen.page_heater import HeaterPage

            self.pages["heater"] = HeaterPage(self.gfx, self.big)
            self.names = PAGES + ("heater",)
        self.pager = Pager(len(self.names), W, settings, now_ms)
        self.pager.index = self.names.index(self._first)

    def select(self, name):
        """Show the page called ``name`` (one of ``names``) at the next update."""
        if self.pager is None:
            self._first = name
        else:
            self.pager.index = self.names.index(name)

    def poll_touch(self):
        """Read the touch panel once; True if that changed the page (update soon)."""
        if self.touch is None or self.pager is None:
            return False
        try:
            point = self.touch.touch_point
        except (OSError, RuntimeError, ValueError):
            self.touch_errors += 1
            return False
        changed = self.pager.touch(point)
        self._backlight()
        return changed

    def update(self, ctx, now_ms):
        """Bring the page on show up to date with ``ctx`` and draw what changed."""
        if self.pager is None:
            self.build(ctx.settings, now_ms)
        level, headline = fmt.status(ctx)
        self.pager.tick(now_ms, level == fmt.FAULT)
        name = self.names[self.pager.index]
        page = self.pages.get(name)
        if page is None:
            self._show(self.blank)
            self._put(getattr(pages, name)(ctx))
            title = TITLES[name]
        else:
            self._show(page.group)
            self._put(page.update(ctx, level, headline))
            title = page.title
        gfx = self.gfx
        paint(gfx, self.banner, fmt.BG[level])
        if title is not None:  # the main page writes the clock there instead
            put(gfx, self.rows[0], fmt.place(title, COLS - len(headline), headline), FG[level])
        self._backlight()
        self.display.refresh()
        self.updates += 1

    def _put(self, lines):
        """Write the rows from ``lines`` ([(text, colour)], None for a blank row); the rest blank."""
        gfx = self.gfx
        for i in range(ROWS):
            line = lines[i] if i < len(lines) else None
            if line is None:
                put(gfx, self.rows[i + 1], "")
            else:
                put(gfx, self.rows[i + 1], line[0], line[1])

    def _backlight(self):
        if self.display.brightness != self.pager.brightness:
            self.display.brightness = self.pager.brightness

    def _show(self, group):
        """Put ``group`` under the rows (a change clears the 3x line and the banner's height)."""
        if group is not self.group:
            self.group = group
            self.root[0] = group
            self.banner.height = 30
            put(self.gfx, self.big, "")
