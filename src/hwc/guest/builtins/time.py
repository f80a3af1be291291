"""Guest stand-in for CircuitPython's ``time`` (hwc memory): CircuitPython's API on the virtual
clock of ``_hwc_clock`` (``sleep`` moves it on at once). The built-in stays ``utime``."""

from collections import namedtuple

import _hwc_clock
import utime as _utime


def monotonic():
    return _hwc_clock.elapsed_ms() / 1000


def monotonic_ns():
    return _hwc_clock.elapsed_ms() * 1000000


def sleep(seconds):
    _hwc_clock.advance(int(seconds * 1000))


def time():
    return _hwc_clock.EPOCH_S + _hwc_clock.elapsed_ms() // 1000


struct_time = namedtuple("struct_time", ("tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec",
                                         "tm_wday", "tm_yday", "tm_isdst"))


def localtime(secs=None):
    t = _utime.localtime(time() if secs is None else secs)
    return struct_time(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], -1)


def mktime(t):
    return _utime.mktime(tuple(t[:8]))
