"""The TFT, as the controller sees it: boot messages while starting, then the pages, with
touch to move between them and a backlight that dims when nobody looks. One resident module:
the words and colours of a status, the lines of text, the trend history, the ``Screen``.

Every page writes its text into one set of rows of 2x characters: the header row at the top,
on the banner in the status colour (the page's title and the system status in words, so a
fault shows on every page; the clock on the main page, whose banner is taller), and twelve
rows under it. One line of 3x characters serves the main page's headline and the heater's
state. What a page has besides (the main page's loop and large figures, the trend chart, the
heater's gauges) is a group of its own, shown under the rows while the page is up.

A line of text is one TileGrid over the built-in font's glyphs (``gfx.font``: 6x12 px, ASCII at
tile ``ord(c) - 32``), one tile (one byte) per character: about 100 bytes plus a byte per
column on the board. Nothing keeps a copy of the text: ``put`` compares the tiles on show and
writes only the characters that changed, so an unchanged value neither allocates nor redraws.
Rectangles are ``vectorio`` shapes; every colour is one shared two-entry palette. The display
refreshes only when this module says so (``auto_refresh`` off), after a whole update.

The code of a page (``controller.screen.<page>``: main, trend, details, system, heater) is
imported when the page comes up and forgotten when it is left (``controller.forget``); the
boot page is here. The code that places the display objects (``layout``) runs through
``controller.once``: at boot for the shared ones and the main page's (kept), and for the
trend's and the heater's when their page comes up (dropped when it is left). ``gfx`` is the
graphics namespace from ``controller.hardware.Gfx`` (or its PC twin in ``hwc.fbdisplay``):
Group, Bitmap, Palette, TileGrid, Rectangle (vectorio), fill_region (bitmaptools), font
(terminalio.FONT) and palettes (an empty list: the shared palettes, one per colour, made
here).
"""

from array import array

from adafruit_ticks import ticks_diff

from controller import const

# The rows every page writes its 2x text into: 12 rows of 39 columns, 24 px apart from y = 32
# (under the 30 px header), from x = 6. (Each page module has its own private copy of the
# constants it needs: a private const() is folded by the compiler, where a name imported from
# here is a global here and one in the page's module.)
_ROWS = const(12)
_COLS = const(39)

# A status has a level, a colour for that level and always words: a fault is never shown by
# colour alone. Levels: 0 OK, 1 IDLE, 2 WARN, 3 FAULT.
WARN = const(2)
_FAULT = const(3)
# Level -> background, text on that background, text colour on black.
BG = (0x00703A, 0x24476B, 0xF0A000, 0xC8102E)
FG = (0xFFFFFF, 0xFFFFFF, 0x000000, 0xFFFFFF)
INK = (0x40E080, 0xA0C4FF, 0xFFB020, 0xFF4040)
# Colours: WHITE 0xFFFFFF, GREY 0x8C8C8C, DARK 0x303030 (bars' tracks, gridlines), HOT 0xFF5A28
# (collector), COLD 0x3C8CFF (tank), AMBIENT 0x50D050, DUTY 0xFFD200.
_WHITE = const(0xFFFFFF)
_DARK = const(0x303030)

# Decision mode -> its level and headline, a line each as "mode level HEADLINE": one string, where
# a dict of seventeen entries would keep seventeen more objects. Lines, because a line break is a
# string the board's core has ('|' would be one more string interned). Unknown modes show
# upper-cased as a warning.
MODES = ("\nrunning 0COLLECTING\npurge 0PURGING PIPES\nidle 1RESTING\ncool_off 2COOL-OFF\noverheat 2OVERHEAT"
         "\nmanual 2MANUAL\noff 2PUMP OFF BY HAND\nfrost 2FROST GUARD\ntank_max 2TANK AT MAX"
         "\ncollector_cooling 2COOLING COLLECTOR\nrecool 2RECOOLING TANK\ntube_kick 0TUBE KICK\nno_flow 3NO FLOW"
         "\ntank_cutoff 3TANK CUT-OFF\nemergency 3EMERGENCY STOP\nlockout 3LOCKOUT\nfault 3FAULT\n")
PAGES = ("main", "trend", "details", "system", "boot")  # and "heater" last when HEATER_ENABLED = 1


# --- words --------------------------------------------------------------------------------------


def temp(value, width=5):
    """``value`` (C) as ' 63.2' (right-aligned to ``width``) or dashes when there is none."""
    text = "--.-" if value is None else "%.1f" % value
    return " " * (width - len(text)) + text


def kwh(value):
    """'3.2' (kWh, or hours), or '--' when there is none."""
    return "--" if value is None else "%.1f" % value


def lookup(table, key):
    """What follows 'key ' at the start of a line of ``table`` (as MODES), up to the line's end;
    None if not there."""
    i = table.find("\n" + key + " ")
    if i < 0:
        return None
    i += len(key) + 2
    return table[i:table.find("\n", i)]


def status(ctx):
    """(level, headline) of the whole system: the decision's mode, raised by a lockout."""
    if ctx.protection.lockout:
        return _FAULT, "LOCKOUT"
    mode = ctx.decision.mode
    text = lookup(MODES, mode)
    if text is None:
        return WARN, mode.upper().replace("_", " ")
    return ord(text[0]) - 48, text[1:]


def wrap(text, width, n):
    """``text`` cut into ``n`` lines of ``width`` characters, at spaces where possible; the last
    line ends in '...' if the text did not fit. Always ``n`` items."""
    out = []
    while text and len(out) < n:
        if len(text) <= width:
            out.append(text)
            text = ""
            break
        i = text.rfind(" ", 0, width + 1)
        if i <= width // 2:
            i = width
        out.append(text[:i].rstrip())
        text = text[i:].lstrip()
    if text:
        out[-1] = out[-1][:width - 3] + "..."
    while len(out) < n:
        out.append("")
    return out


def boot_lines(lines, errors=()):
    """The boot page: its title, then the newest boot messages as rows, errors marked '! ' and
    red, long ones wrapped with an indent; the last 12 rows."""
    out = []
    for line in lines:
        bad = line in errors
        text = ("! " if bad else "") + line
        color = INK[_FAULT] if bad else _WHITE
        while len(text) > _COLS:
            i = text.rfind(" ", 8, _COLS + 1)
            if i < 0:
                i = _COLS
            out.append((text[:i], color))
            text = "   " + text[i:].lstrip()
        out.append((text, color))
    return ["BOOT LOG"] + out[-_ROWS:]


# --- display objects ----------------------------------------------------------------------------


def palette(gfx, color):
    """The shared two-entry palette that draws ``color`` (index 1) on a transparent ground.
    ``gfx.palettes`` lists them as [colour, palette, colour, palette, ...]: a list of about 30
    items, where a dict of 15 colours keeps twice the room."""
    table = gfx.palettes
    if color in table:
        return table[table.index(color) + 1]
    p = gfx.Palette(2)
    p.make_transparent(0)
    p[1] = color
    table.append(color)
    table.append(p)
    return p


def paint(gfx, item, color):
    """Give a rectangle or a line of text another colour (a redraw only if it differs)."""
    p = palette(gfx, color)
    if item.pixel_shader is not p:
        item.pixel_shader = p


def put(gfx, item, text, color=None, align=0):
    """Show ``text`` on the line ``item`` (left-aligned, or with ``align`` true its right end at
    the line's), in ``color`` if given. Text longer than the line is cut and ends in '...'; a
    character the font lacks is '?'."""
    width = item.width
    n = len(text)
    if n > width:
        text = text[:width - 3] + "..."
        n = width
    lo = width - n if align else 0  # the column the text starts at
    for i in range(width):
        k = i - lo
        t = ord(text[k]) - 32 if 0 <= k < n else 0
        if not 0 <= t < 95:
            t = 31
        if item[i] != t:
            item[i] = t
    if color is not None:
        paint(gfx, item, color)


def fill(gfx, item, width, value, color):
    """Fill the bar ``item`` (a rectangle over a DARK track ``width`` px wide) to ``value`` % in
    ``color``: only its width changes (vectorio redraws the span between its old and new end)."""
    x = width * int(value + 0.5) // 100
    x = 1 if x < 1 else (width if x > width else x)
    if item.width != x:
        item.width = x
    paint(gfx, item, color if value >= 0.5 else _DARK)


# --- the trend history --------------------------------------------------------------------------

_NONE = const(-32768)  # no reading in this period (temperatures)


class Trend:
    """A fixed-size history for the trend page: one point per ``period_s`` (mean of what was
    fed during it) of collector, tank and ambient temperature and pump duty, for ``points``
    periods. Allocated once: three ``array('h')`` of tenths of a degree and a ``bytearray`` of
    duty percent, 7 bytes a point (144 points = 24 h at 10 min, the chart's 144 columns: 1 KB).
    A period with no reading of a series stores -32768 for it, and 255 for the duty; periods
    skipped entirely (the feeder stalled) become gaps. ``head`` is the index the next point goes
    to, ``count`` the points stored (up to ``points``); ``version`` is bumped for every stored
    point (the page redraws on a change). The trend page's code reads it (``trend.index``)."""

    def __init__(self, points=144, period_s=600):
        self.points = points
        self.period_s = period_s
        self.collector = array("h", [_NONE] * points)
        self.tank = array("h", self.collector)
        self.ambient = array("h", self.collector)
        self.duty = bytearray(b"\xff" * points)
        self.head = self.count = self.version = 0
        self.slot = None  # period number being accumulated
        self.sums = [0] * 8  # per series: the sum, then the number of readings

    def add(self, now_s, hot, cold, ambient, duty_pct):
        """Feed one reading (any rate) of the collector (``hot``), the tank (``cold``) and ambient
        (``ambient``) in C and the duty in %; None for a temperature that has none.

        :param now_s: monotonic seconds (int)
        """
        slot = now_s // self.period_s
        s = self.sums
        if self.slot is None:
            self.slot = slot
        elif slot != self.slot:
            # Store the mean of the period that ended (none where nothing came), then a gap for
            # each period skipped.
            for _ in range(max(1, min(slot - self.slot, self.points + 1))):
                k = self.head
                i = 0
                for a in (self.collector, self.tank, self.ambient):
                    if s[i + 4]:
                        n = s[i] // s[i + 4]
                        a[k] = -32767 if n < -32767 else (32767 if n > 32767 else n)
                    else:
                        a[k] = _NONE
                    i += 1
                self.duty[k] = (s[3] + s[7] // 2) // s[7] if s[7] else 255
                for i in range(8):
                    s[i] = 0
                self.head = (k + 1) % self.points
                if self.count < self.points:
                    self.count += 1
                self.version += 1
            self.slot = slot
        i = 0
        for value in (hot, cold, ambient):
            if value is not None:
                s[i] += int(value * 10 + (0.5 if value >= 0 else -0.5))
                s[i + 4] += 1
            i += 1
        s[3] += duty_pct
        s[7] += 1


# --- the screen ---------------------------------------------------------------------------------


class Screen:
    """:param display: a displayio display (``root_group``, ``refresh()``, ``brightness``,
        ``auto_refresh``): board.DISPLAY, or a frame buffer on a PC
    :param gfx: the graphics namespace (see above)
    :param touch: None, or an object whose ``touch_point`` is ``(x, y, z)`` or None

    ``layout.screen`` makes the display objects: ``root`` (the page's group at [0], the
    ``banner``, the 3x line ``big``, the ``rows``), ``blank`` (the text pages' empty group),
    the main page's (``group`` and its parts: ``layout.main``) and ``pages`` (name -> an
    object with the page's ``group`` and its parts: the screen itself for the main page, a
    ``layout.Page`` for the page on show if it has display objects of its own); and sets the
    state below to its start.

    Which page shows and how bright: a touch is acted on when it starts (one press, one action).
    When the backlight is dimmed a touch only wakes it. Otherwise a touch on the left third
    goes back a page, elsewhere forward. After SCREEN_HOME_AFTER_S without a touch the main
    page (index 0) comes back; after SCREEN_DIM_AFTER_S the backlight dims. A fault keeps it
    bright.

    State: ``names`` the pages' names (known at the first update, which has the settings),
    ``index`` the page on show in it, ``name`` the page whose code is loaded (None: none yet, or
    its code did not compile) and ``code`` that code (a module), ``pressed``, ``dimmed``,
    ``last_ms`` and ``idle_ms`` (since the last touch, summed update by update: no tick wrap
    trouble).
    """

    def __init__(self, display, gfx, touch=None):
        from controller import once

        # at boot, while the heap is still in one piece; the layout code is not needed again
        once("screen.layout", "screen", self, display, gfx, touch)

    def show(self, lines, errors=()):
        """Boot messages (and the last words before a restart): shown and drawn at once."""
        self._show(self.blank)
        self.write(boot_lines(lines, errors))
        self.display.refresh()

    def select(self, name):
        """Show the page called ``name`` at the next update (the heater's is last, when it is
        enabled)."""
        self.index = (PAGES + ("heater",)).index(name)

    def poll_touch(self):
        """Read the touch panel once; True if that changed the page or woke the backlight
        (update soon)."""
        if self.touch is None or self.names is None:
            return False
        try:
            p = self.touch.touch_point  # (x, y, z) or None
        except (OSError, RuntimeError, ValueError):
            return False
        if p is None:
            self.pressed = False
            return False
        if self.pressed:
            return False
        self.pressed = True
        self.idle_ms = 0
        if self.dimmed:  # only wakes it
            self.dimmed = False
            return True
        self.index = (self.index + (-1 if p[0] < 160 else 1)) % len(self.names)  # the left third: back
        return True

    def update(self, ctx, now_ms):
        """Bring the page on show up to date with ``ctx`` and draw what changed. The page's
        code (``update(screen, ctx, level, text)``, the status's level and headline) changes
        what it has besides the rows and returns the rows' lines (see ``write``)."""
        s = ctx.settings
        if self.names is None:
            self.names = PAGES + ("heater",) if s.heater_enabled else PAGES
            self.last_ms = now_ms
        level, text = status(ctx)  # the headline
        # The idle timers.
        step = ticks_diff(now_ms, self.last_ms)
        self.last_ms = now_ms
        if step > 0 and self.idle_ms < 1 << 29:
            self.idle_ms += step
        if level == _FAULT:
            self.dimmed = False
        elif s.screen_dim_after_s and self.idle_ms >= s.screen_dim_after_s * 1000:
            self.dimmed = True
        if s.screen_home_after_s and self.idle_ms >= s.screen_home_after_s * 1000:
            self.index = 0
        name = self.names[self.index]
        if name != self.name:  # a page switch: the new page's code in place of the old one's
            import sys

            from controller import forget

            self.code = None
            if self.name != "main":  # the main page's display objects stay; another's are dropped
                self.pages.pop(self.name, None)
            forget([k for k in sys.modules if not k.startswith("controller.screen.")])
            self.name = name
            if name != "boot":
                try:
                    self.code = __import__("controller.screen." + name, None, None, ("update",))
                except MemoryError:  # no room to compile the page's code now: tried again next update
                    self.name = None
        # The trend's and the heater's pages make their display objects when they come up.
        page = None if self.code is None else self.pages.get(name)
        self._show(self.blank if page is None else page.group)
        lines = None
        if self.code is not None:
            try:
                lines = self.code.update(self, ctx, level, text)
            except MemoryError:  # no room now (to compile the layout code of the page's display objects,
                self.name = self.code = None  # say): the page is tried again from the start next update
                self._show(self.blank)
        if lines is None:  # the boot page, or in place of a page whose code did not compile or run
            lines = boot_lines(ctx.boot_messages, ctx.boot_errors)
            if name != "boot":
                lines[0] = "NO MEMORY FOR PAGE"
        gfx = self.gfx
        paint(gfx, self.banner, BG[level])
        self.write(lines)
        if lines[0] is not None:  # the page's title; the main page writes the clock there instead
            put(gfx, self.rows[0], lines[0] + " " * (_COLS - len(text) - len(lines[0])) + text, FG[level])
        b = s.screen_dim_brightness if self.dimmed else s.screen_brightness
        if self.display.brightness != b:
            self.display.brightness = b
        self.display.refresh()

    def write(self, lines):
        """Write the rows from ``lines`` (the title, then [(text, colour)], None for a blank
        row); the rest blank."""
        gfx = self.gfx
        for i in range(1, _ROWS + 1):
            line = lines[i] if i < len(lines) else None
            if line is None:
                put(gfx, self.rows[i], "")
            else:
                put(gfx, self.rows[i], line[0], line[1])

    def _show(self, group):
        """Put ``group`` under the rows (a change clears the 3x line and the banner's height)."""
        if self.root[0] is not group:
            self.root[0] = group
            self.banner.height = 30
            put(self.gfx, self.big, "")
