"""An asyncio event loop on a virtual clock, so the real firmware tasks run a day in seconds.

Time only moves when every task is waiting: the loop then jumps straight to the next timer
instead of sleeping. ``advance(seconds)`` moves time forward without yielding, which is
how tests and the simulator model a call that blocks the loop (a slow network call on the
device). Real sockets still work: they are polled without waiting.

``ticks_ms()`` is the device's wrapping millisecond counter derived from the virtual time
(wrapping like ``adafruit_ticks``), started near the wrap point by default so that every
run crosses it.
"""

import asyncio
import selectors

TICKS_PERIOD = 1 << 29
TICKS_MASK = TICKS_PERIOD - 1
DEFAULT_TICKS_START = TICKS_PERIOD - 30_000  # wraps 30 s into the run


class _JumpingSelector(selectors.DefaultSelector):
    """Polls real file descriptors without blocking, then advances the loop's clock."""

    def __init__(self):
        super().__init__()
        self.loop = None

    def select(self, timeout=None):
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("virtual loop: every task waits on something other than time; deadlock")
        self.loop.advance(timeout)
        return ready


class VirtualLoop(asyncio.SelectorEventLoop):
    """:param ticks_start_ms: value of ``ticks_ms()`` at virtual time 0"""

    def __init__(self, ticks_start_ms=DEFAULT_TICKS_START):
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        self._virtual_s = 0.0
        self._ticks_start_ms = ticks_start_ms
        self.advance_hooks = []  # callables(old_s, new_s), e.g. a plant model stepping along

    def time(self):
        return self._virtual_s

    def advance(self, seconds):
        """Move virtual time forward by ``seconds`` (a blocking call, or an idle wait)."""
        if seconds <= 0:
            return
        old = self._virtual_s
        self._virtual_s = old + seconds
        for hook in self.advance_hooks:
            hook(old, self._virtual_s)

    def ticks_ms(self):
        """The device's wrapping millisecond ticks at the current virtual time."""
        return (self._ticks_start_ms + int(self._virtual_s * 1000)) & TICKS_MASK

    def monotonic(self):
        """Seconds, for libraries that read ``time.monotonic`` (e.g. adafruit_ds18x20)."""
        return self._virtual_s


def run(coro_fn, ticks_start_ms=DEFAULT_TICKS_START):
    """Run ``coro_fn(loop)`` on a fresh VirtualLoop and return its result."""
    loop = VirtualLoop(ticks_start_ms)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro_fn(loop))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
