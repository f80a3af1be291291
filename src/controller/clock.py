"""Time for the controller: wrapping millisecond ticks and a monotonic whole-second count.

CircuitPython floats keep about 22 bits of mantissa, so a float of seconds since boot loses
sub-second resolution within days and whole seconds within months. Durations under a
minute are therefore measured with ``ticks_diff`` on millisecond ticks, and long-lived
timestamps are whole seconds (an int, exact for decades).
"""

from adafruit_ticks import ticks_add, ticks_diff, ticks_ms  # noqa: F401 - re-exported


class Clock:
    """Monotonic time from a wrapping millisecond tick source.

    :param ticks_ms_fn: returns milliseconds, wrapping like ``adafruit_ticks.ticks_ms``
        (the device's supervisor ticks; a virtual clock in the simulator and tests)

    ``now_s()`` must be called at least once a day (every task does it far more often):
    ``ticks_diff`` is only unambiguous over half the tick period (about 3 days).
    """

    def __init__(self, ticks_ms_fn=None):
        self.ticks_ms = ticks_ms_fn or ticks_ms
        self._last = self.ticks_ms()
        self._sec = 0
        self._rem_ms = 0

    def now_s(self):
        """Whole seconds since this clock was made (int, monotonic)."""
        now = self.ticks_ms()
        elapsed = self._rem_ms + ticks_diff(now, self._last)
        self._last = now
        if elapsed >= 1000:
            whole = elapsed // 1000
            self._sec += whole
            elapsed -= whole * 1000
        self._rem_ms = elapsed
        return self._sec
