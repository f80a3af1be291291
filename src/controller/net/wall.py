"""Time for the link: monotonic milliseconds and the wall clock."""

from adafruit_ticks import ticks_diff

_MASK32 = 0xFFFFFFFF
MIN_EPOCH_S = 1700000000  # anything earlier is a clock that was never set


class Wall:
    """Monotonic ms from wrapping ticks, and Unix time once a source has told it.

    :param ticks_ms: the controller's tick source
    ``mono_ms()`` must be called at least once a day (the link calls it every loop).
    """

    def __init__(self, ticks_ms):
        self.ticks_ms = ticks_ms
        self._last = ticks_ms()
        self._mono = 0
        self._offset_ms = None  # epoch ms minus mono ms
        self.source = ""

    def mono_ms(self):
        now = self.ticks_ms()
        self._mono += ticks_diff(now, self._last)
        self._last = now
        return self._mono

    def set_epoch_ms(self, epoch_ms, source):
        """Tell the wall time (Unix ms) now; False (ignored) if it is not plausible."""
        if not isinstance(epoch_ms, (int, float)) or isinstance(epoch_ms, bool) or epoch_ms < MIN_EPOCH_S * 1000:
            return False
        self._offset_ms = int(epoch_ms) - self.mono_ms()
        self.source = source
        return True

    def known(self):
        return self._offset_ms is not None

    def epoch_s(self):
        """Unix seconds now, or None while unknown."""
        if self._offset_ms is None:
            return None
        return (self._offset_ms + self.mono_ms()) // 1000

    def epoch_ms_at(self, t_ms):
        """Unix ms of a stored point's monotonic ms (kept modulo 2**32)."""
        now = self.mono_ms()
        return self._offset_ms + now - ((now - t_ms) & _MASK32)
