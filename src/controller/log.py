"""A tiny logger: prints "[uptime] LEVEL message" to the serial console and keeps the
last few messages for the screen and telemetry."""

import io
import sys

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
    """:param clock: something with ``now_s()``; :param keep: how many messages to remember
    :param out: a callable taking one line (``print`` by default)"""

    def __init__(self, clock=None, keep=8, out=None):
        self.clock = clock
        self.keep = keep
        self.out = out or print
        self.recent = []  # (uptime_s, level, message), newest last
        self.counts = {INFO: 0, WARN: 0, ERROR: 0}

    def _emit(self, level, message):
        uptime_s = self.clock.now_s() if self.clock is not None else 0
        self.counts[level] += 1
        if len(self.recent) >= self.keep:
            self.recent.pop(0)
        self.recent.append((uptime_s, level, message))
        self.out("[%7d] %-5s %s" % (uptime_s, level, message))

    def info(self, message):
        self._emit(INFO, message)

    def warn(self, message):
        self._emit(WARN, message)

    def error(self, message):
        self._emit(ERROR, message)

    def exception(self, message, exc):
        self._emit(ERROR, "%s: %s: %s" % (message, type(exc).__name__, exc))
        self.out(format_exception(exc))
