"""Self-recovery wiring: the persistent counters fed from the controller's state and saved to
nvm, and the watchdog's feeder (controller.health) started when the board has one. What a
crash or a safe mode does before the board restarts is in controller.restart.

The hardware comes in through the controller's ``hw`` (see app.py), all optional:

- ``counter_store``: where the counters block lives (``read()``/``write(data)``; a slice of
  ``microcontroller.nvm`` on the board), or None: counters in RAM only
- ``reset_cause``: why this run started ("power_on", "watchdog", "reload", ...)
- ``watchdog``: something with ``feed()`` (``microcontroller.watchdog`` in RESET mode), or None

Flash wear: the block is written when it changed and a save is due (first at
5 minutes of uptime, then every COUNTERS_SAVE_S), on a clean stop, before a deliberate
restart, and when the watchdog is about to reset a board that ran normally. A board stuck in a
crash or safe-mode loop writes at most ``restart.STREAK_MAX`` times, then waits longer between
tries.
"""

import asyncio

from controller import once
from controller.counters import Counters, clean_name, total
from controller.decision import ERROR_MODES, NO_FLOW




def attach(ctx):
    """Counters restored and this run counted (``ctx.counters``); returns the supervised tasks
    ([(name, task_fn)]) that keep the counters and feed the watchdog."""
    hw = ctx.hw
    keeper = Keeper(ctx, getattr(hw, "counter_store", None))
    ctx.keeper = keeper
    ctx.counters = keeper.counters
    keeper.restore(getattr(hw, "reset_cause", None) or "unknown")
    tasks = [("counters", keeper.task)]
    dog = getattr(hw, "watchdog", None)
    if dog is not None:
        from controller.health import Watch

        ctx.watch = Watch(ctx, dog)
        tasks.append(("watchdog", ctx.watch.task))
    return tasks


def new_counters(settings):
    def offset_min(epoch_s):  # called only with a wall clock: controller.localtime loaded then
        from controller.localtime import epoch_offset_min

        return epoch_offset_min(settings, epoch_s)

    return Counters(settings.pump_flow_lpm, settings.fluid_j_per_lk, offset_min)


class Keeper:
    """Feeds ``counters`` from the controller's state every 2 s and saves them when due."""

    def __init__(self, ctx, store):
        once("restore", "keeper", self, ctx, store)  # its attributes: controller.restore

    def restore(self, cause):
        """Read the saved block (a corrupt one is reported and replaced) and count this run
        (controller.restore: it runs once)."""
        once("restore", "restore", self, cause)

    def update(self, now_s=None):
        """Take the counts since the last call from the controller's state."""
        ctx = self.ctx
        c = self.counters
        if now_s is None:
            now_s = ctx.clock.now_s()
        on_ms = ctx.cycler.total_on_ms
        span = on_ms - self._on_ms
        self._on_ms = on_ms
        if span > 0 and ctx.pcf is not None:
            diff = None  # the loop's temperature rise, K, from the first pair that reads
            for hot, cold in self.pairs:
                if hot.value_c is not None and cold.value_c is not None:
                    diff = hot.value_c - cold.value_c
                    break
            c.add_pump(span, diff)
        starts = ctx.pump_starts
        c.count_starts(starts - self._starts)
        self._starts = starts
        sensors = self.sensors
        faults = self._sensor_faults
        for i in range(len(sensors)):
            n = sensors[i].faults
            if n > faults[i]:
                kind = "probe_" if getattr(sensors[i], "rom_hex", None) is not None else "ntc_"
                c.count_fault(clean_name(kind + sensors[i].name), n - faults[i])
            faults[i] = n
        errors = ctx.i2c_errors
        burst = errors > self._i2c
        if burst and not self._i2c_burst:
            c.count_fault("i2c")
        self._i2c_burst = burst
        self._i2c = errors
        restarts = total(ctx.task_restarts)
        if restarts > self._restarts:
            c.count_fault("task_crash", restarts - self._restarts)
        self._restarts = restarts  # also after clearFaults zeroed them
        mode = ctx.decision.mode
        if mode != self._mode and (mode in ERROR_MODES or mode == NO_FLOW):
            c.count_fault("mode_" + mode)
        self._mode = mode
        if ctx.stale_reported and not self._stale:
            c.count_fault("stale_decision")
        self._stale = ctx.stale_reported
        wall = ctx.wall
        if c.roll_day(now_s, wall.epoch_s() if wall is not None else None):
            ctx.log.info("counters: a new day")
        if now_s >= self.next_save_s:
            self.next_save_s = now_s + ctx.settings.counters_save_s
            if not self.healthy_saved:
                self.healthy_saved = True
                c.crash_streak = 0
                c.safe_streak = 0
            self.save()

    def save(self, force=False):
        """Write the block if it changed; True if written."""
        if self.store is None:
            return False
        data = self.counters.encode()
        if data == self.saved and not force:
            return False
        try:
            self.store.write(data)
        except (OSError, RuntimeError, ValueError) as exc:
            self.ctx.log.error("counters: nvm write failed (%s)" % exc)
            return False
        self.saved = data
        self.saves += 1
        return True

    def before_reset(self, cause=""):
        """The watchdog is about to reset the board: save if this run was a normal one (so a
        fast reset loop writes nothing), with ``cause`` to count at the next boot."""
        if not self.healthy_saved:
            return False
        self.update()
        self.counters.pending = cause
        return self.save()

    async def task(self, ctx):
        while True:
            self.update()
            await asyncio.sleep(2)

