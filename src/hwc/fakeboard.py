"""Fakes of the board's self-recovery hardware for the PC rig: the hardware watchdog on the
virtual clock and the nvm slice the counters live in.

    dog = FakeWatchDog(rig_loop, timeout_s=12)
    nvm = FakeNvm()                      # survives a simulated reboot: pass it to the next rig
    rig = Rig(hw_extra={"watchdog": dog, "counter_store": nvm.counter_store(), "reset_cause": "power_on"})
    ...
    dog.fired_at                         # virtual time the board would have reset, or None
"""

from controller.nvm import SliceStore

NVM_BYTES = 8192  # the PyPortal Titano's microcontroller.nvm
_OVERRIDES_BYTES = 1024
_COUNTERS_BYTES = 1024


class BoardReset(SystemExit):
    """The fake watchdog reset the board: ends the rig's run (passes every ``except Exception``,
    and asyncio lets SystemExit out of ``run_until_complete``)."""


class FakeWatchDog:
    """``microcontroller.watchdog`` in RESET mode, on a ``hwc.vloop.VirtualLoop``.

    It starts when made. ``fired_at`` is set to the virtual time at which ``timeout_s`` passed
    without a ``feed()``: the moment the real board resets. Time is checked whenever the loop's
    clock moves, so a call that blocks (``loop.advance`` inside it) is caught in the middle.
    After it fired, feeds no longer count (the board is gone). ``raise_on_reset``: raise
    ``BoardReset`` out of whatever was running when it fired (the blocked call included), so the
    run ends there as the board's does; the loop is then dead and the rig is rebooted."""

    def __init__(self, loop, timeout_s=12, raise_on_reset=False):
        self.loop = loop
        self.raise_on_reset = raise_on_reset
        self.timeout = timeout_s
        self.mode = "RESET"
        self.feeds = 0
        self.last_feed_s = loop.time()
        self.fired_at = None
        self.late_feeds = 0  # feeds after it fired
        loop.advance_hooks.append(self._advanced)

    def feed(self):
        if self.fired_at is not None:
            self.late_feeds += 1
            return
        self._check(self.loop.time())
        if self.fired_at is None:
            self.feeds += 1
            self.last_feed_s = self.loop.time()

    def deinit(self):
        self.mode = None
        if self._advanced in self.loop.advance_hooks:
            self.loop.advance_hooks.remove(self._advanced)

    def _check(self, now_s):
        if self.fired_at is None and self.mode == "RESET" and now_s - self.last_feed_s > self.timeout:
            self.fired_at = self.last_feed_s + self.timeout
            if self.raise_on_reset:
                raise BoardReset("watchdog reset at %.1f s" % self.fired_at)

    def _advanced(self, old_s, new_s):
        self._check(new_s)


class FakeNvm:
    """``microcontroller.nvm`` (erased flash: 0xFF) with the project's two slices; ``writes``
    counts slice writes (each one a flash erase/write on the board)."""

    def __init__(self, size=NVM_BYTES):
        self.buf = bytearray(b"\xff" * size)
        self.writes = 0

    def counter_store(self):
        return _CountingStore(self, len(self.buf) - _OVERRIDES_BYTES - _COUNTERS_BYTES, _COUNTERS_BYTES)

    def override_store(self):
        return _CountingStore(self, len(self.buf) - _OVERRIDES_BYTES, _OVERRIDES_BYTES)


class _CountingStore(SliceStore):
    def __init__(self, nvm, start, size):
        super().__init__(nvm.buf, start, size)
        self.nvm = nvm

    def write(self, data):
        super().write(data)
        self.nvm.writes += 1
