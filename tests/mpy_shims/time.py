# Test-harness-only shim: put on the MicroPython guest's path by tests/mpy_harness.py,
# never deployed to the device.
#
# MicroPython's built-in ``time`` lacks CircuitPython's ``monotonic``/``monotonic_ns``
# (used by adafruit_ds18x20 and our own code), and a built-in module's attributes
# cannot be set from Python.  MicroPython >= 1.21 lets a ``time.py`` on sys.path
# shadow the built-in ``time`` while the built-in stays importable as ``utime``.
#
# Only CircuitPython's ``time`` API is exported (monotonic, monotonic_ns, sleep,
# time, localtime, mktime, struct_time), so device code that leans on
# MicroPython-only names (ticks_ms, sleep_ms, time_ns, gmtime ...) fails in the
# guest just as it would on the board.
from collections import namedtuple

import utime as _utime

_ticks_ms = _utime.ticks_ms
_ticks_diff = _utime.ticks_diff

# ticks_ms wraps (2**30 ms here); accumulate differences so monotonic never wraps.
_last = _ticks_ms()
_elapsed_ms = 0


def _now_ms():
    global _last, _elapsed_ms
    now = _ticks_ms()
    _elapsed_ms += _ticks_diff(now, _last)
    _last = now
    return _elapsed_ms


def monotonic():
    return _now_ms() / 1000


def monotonic_ns():
    return _now_ms() * 1000000


def sleep(seconds):
    _utime.sleep(seconds)


def time():
    return int(_utime.time())


struct_time = namedtuple(
    "struct_time",
    (
        "tm_year",
        "tm_mon",
        "tm_mday",
        "tm_hour",
        "tm_min",
        "tm_sec",
        "tm_wday",
        "tm_yday",
        "tm_isdst",
    ),
)


def localtime(secs=None):
    t = _utime.localtime() if secs is None else _utime.localtime(secs)
    return struct_time(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], -1)


def mktime(t):
    return _utime.mktime(tuple(t[:8]))
