"""A tiny logger: prints "[uptime] LEVEL message" to the serial console and keeps the newest
warning or error for the screen; and the clock it stamps them with (``Clock``).
"""

import io
import sys

from adafruit_ticks import ticks_diff, ticks_ms

INFO = "INFO"
WARN = "WARN"
ERROR = "ERROR"


def format_exception(exc):
    """The traceback of ``exc`` as text, on CircuitPython, CPython and MicroPython."""
    try:
        import traceback  # CircuitPython 9+ and CPython 3.10+ both take the exception alone

        return "".join(traceback.format_exception(exc))
    except ImportError:
        out = io.StringIO()
        sys.print_exception(exc, out)  # MicroPython
        return out.getvalue()


class Log:
    """:param clock: something with ``now_s()``; :param keep: how many messages back a warning
    or an error still counts as recent (``recent``)
    :param out: a callable taking one line (``print`` by default)

    Only the newest warning or error is kept (``problem``), with the number of messages so far:
    the one reader of the past (the screen's system page) shows that, and only while it is among
    the last ``keep`` messages. A ring of the last 8 messages kept 0.6 KB (tuples and texts)."""

    def __init__(self, clock=None, keep=8, out=None):
        self.clock = clock
        self.keep = keep
        self.out = out or print
        self.messages = 0  # messages so far
        self.problem = None  # (number, uptime_s, level, message) of the newest warning or error

    @property
    def recent(self):
        """[(uptime_s, level, message)] of the newest warning or error if it is among the last
        ``keep`` messages, else []."""
        p = self.problem
        if p is None or self.messages - p[0] >= self.keep:
            return []
        return [p[1:]]

    def write(self, level, message):
        """One line at ``level`` (INFO, WARN, ERROR)."""
        uptime_s = self.clock.now_s() if self.clock is not None else 0
        self.messages += 1
        if level != INFO:
            self.problem = (self.messages, uptime_s, level, message)
        self.out("[%7d] %-5s %s" % (uptime_s, level, message))

    def info(self, message):
        self.write(INFO, message)

    def warn(self, message):
        self.write(WARN, message)

    def error(self, message):
        self.write(ERROR, message)

    def exception(self, message, exc):
        self.write(ERROR, "%s: %s: %s" % (message, type(exc).__name__, exc))
        self.out(format_exception(exc))


# --- time for the controller -----------------------------------------------------------------
# Time for the controller: wrapping millisecond ticks and a monotonic whole-second count.
#
# CircuitPython floats keep about 22 bits of mantissa, so a float of seconds since boot loses
# sub-second resolution within days and whole seconds within months. Durations under a
# minute are therefore measured with ``ticks_diff`` on millisecond ticks, and long-lived
# timestamps are whole seconds (an int, exact for decades).


class Clock:
    """Monotonic time from a wrapping millisecond tick source.

    :param fn: returns milliseconds, wrapping like ``adafruit_ticks.ticks_ms``
        (the device's supervisor ticks; a virtual clock in the simulator and tests)

    ``now_s()`` must be called at least once a day (every task does it far more often):
    ``ticks_diff`` is only unambiguous over half the tick period (about 3 days).
    """

    def __init__(self, fn=None):
        self.ticks_ms = fn or ticks_ms
        self.last_ms = self.ticks_ms()
        self.uptime_s = 0
        self.carry_ms = 0  # the milliseconds not yet a whole second

    def now_s(self):
        """Whole seconds since this clock was made (int, monotonic)."""
        now = self.ticks_ms()
        ms = self.carry_ms + ticks_diff(now, self.last_ms)
        self.last_ms = now
        if ms >= 1000:
            self.uptime_s += ms // 1000
            ms %= 1000
        self.carry_ms = ms
        return self.uptime_s
