"""The screen as the controller sees it: boot messages while starting, then the pages, with
touch to move between them and a backlight that dims when nobody looks.

The display refreshes only when this module says so (``auto_refresh`` off), after a whole
update, so nothing is seen half-drawn; only the areas of labels that changed are redrawn.
"""

from controller.screen import fmt
from controller.screen.page_boot import BootPage
from controller.screen.pager import Pager

PAGES = ("main", "trend", "details", "boot")  # and "heater" last when HEATER_ENABLED = 1


class Screen:
    """:param display: a displayio display (``root_group``, ``refresh()``, ``brightness``,
        ``auto_refresh``): board.DISPLAY, or a frame buffer on a PC
    :param gfx: the graphics namespace (see ``controller.screen.widgets``)
    :param touch: None, or an object whose ``touch_point`` is ``(x, y, z)`` or None
    """

    def __init__(self, display, gfx, touch=None):
        self.display = display
        self.gfx = gfx
        self.touch = touch
        self.pages = None
        self.pager = None
        self.updates = 0
        self.touch_errors = 0
        self._first = "main"  # page shown by the first update
        self.names = PAGES
        display.auto_refresh = False
        self.boot = BootPage(gfx)
        self.boot.booting()
        self.page = self.boot
        display.root_group = self.boot.group

    def show(self, lines, errors=()):
        """Boot messages (and the last words before a restart): shown and drawn at once."""
        self.boot.set_lines(lines, errors)
        self._show(self.boot)
        self.display.refresh()

    def build(self, settings, now_ms):
        """Make every page once (the first update does this)."""
        from controller.screen.page_details import DetailsPage
        from controller.screen.page_main import MainPage
        from controller.screen.page_trend import TrendPage

        pages = (MainPage(self.gfx), TrendPage(self.gfx, settings), DetailsPage(self.gfx), self.boot)
        if settings.heater_enabled:
            from controller.screen.page_heater import HeaterPage

            pages += (HeaterPage(self.gfx),)
            self.names = PAGES + ("heater",)
        self.pages = pages
        self.pager = Pager(len(self.pages), 480, settings, now_ms)
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
        if self.pages is None:
            self.build(ctx.settings, now_ms)
        level, headline = fmt.status(ctx)
        self.pager.tick(now_ms, level == fmt.FAULT)
        page = self.pages[self.pager.index]
        page.update(ctx, level, headline)
        self._show(page)
        self._backlight()
        self.display.refresh()
        self.updates += 1

    def _backlight(self):
        if self.display.brightness != self.pager.brightness:
            self.display.brightness = self.pager.brightness

    def _show(self, page):
        if page is not self.page:
            self.page = page
            self.display.root_group = page.group
