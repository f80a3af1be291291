"""The adaptive differential-temperature pump algorithm (seed 004), as a plain object.

Readings and time go in, a decision comes out; there is no I/O here. Call ``update`` once
per control cycle (CONTROL_PERIOD_S, 2 s by default)::

    algo = PumpAlgorithm(settings)
    decision = algo.update(hot_c, cold_c, now_s)   # hot_c / cold_c: None when faulted
    decision.duty_pct, decision.mode, decision.reason, decision.max_diff_k

Rules, in order of precedence:

1. fault: the hot or cold reading is missing (open, short, bus error): duty 0 %, the
   differential state is reset. A fault is a defined safe state, never a guess.
2. overheat: collector (hot) above OVERHEAT_C runs the pump at 100 % whatever the difference.
3. cool-off: tank bottom (cold) above COOL_OFF_ARM_C arms it. While armed, a cool-off run
   starts at 100 % when the collector is COOL_OFF_DIFF_K below the tank, and lasts "until
   the tank bottom drops below COOL_OFF_DISARM_C" as the seed says, which also disarms.
   A run also ends as soon as the collector is no longer colder than the tank, because
   circulating would then heat the tank instead (the differential rules take over).
4. differential (seed 004): start when hot - cold > max_diff; stop when hot - cold <
   MIN_DIFF_K. While running: a difference at or above max_diff gives 100 % and max_diff *=
   MAX_DIFF_GROW; in between, duty = (diff - min) / (max_diff - min) * 100, below
   DUTY_SHRINK_BELOW_PCT shrinks max_diff *= MAX_DIFF_SHRINK, above DUTY_ROUND_UP_PCT rounds
   to 100 and below DUTY_ROUND_DOWN_PCT to 0. max_diff returns to MAX_DIFF_START_K when the
   pump stops. Not in the seed, and only to keep the arithmetic sane: max_diff stays within
   [MIN_DIFF_K + MAX_DIFF_FLOOR_MARGIN_K, MAX_DIFF_CEILING_K].
5. line purge (upstream code after the seed): on reaching the stop condition the pump runs
   at 100 % for PURGE_S to flush the hot water in the pipes into the tank; it is cancelled
   (the differential rules resume) if the difference rises to MIN_DIFF_K again.

The differential state keeps updating underneath overheat and cool-off, so it is
consistent when they end.
"""

from controller.decision import COOL_OFF, FAULT, IDLE, OVERHEAT, PURGE, RUNNING, Decision

# CONTROL_STRATEGY values: the seed's adaptive controller, and the two that commercial
# controllers ship (controller/strategies.py), kept for users with a fixed-speed pump and for
# the benchmark.
SEED = "seed"
STRATEGIES = (SEED, "onoff", "proportional")


def create(settings):
    """The pump algorithm that settings.control_strategy names."""
    name = getattr(settings, "control_strategy", SEED)
    if name == SEED:
        return PumpAlgorithm(settings)
    from controller import strategies  # loaded only when chosen

    return strategies.create(name, settings)


class PumpAlgorithm:
    """The seed's adaptive differential controller; see the module docstring.

    :param settings: a ``controller.settings.Settings`` (or anything with the same attributes)
    """

    def __init__(self, settings):
        self.s = settings
        self.decision = Decision()
        self.decision.min_diff_k = self.stop_k()
        self.reset()

    def stop_k(self):
        """The difference below which the pump stops, K (shown in the reason text)."""
        return self.s.min_diff_k

    def reset(self):
        """Back to the power-on state: pump stopped, max_diff at its start value, nothing armed."""
        self.running = False
        self.max_diff_k = self.s.max_diff_start_k
        self.purge_until_s = None
        self.cool_off_armed = False
        self.cool_off_running = False

    def stop(self):
        """End a run now (a protection took the pump): max_diff back to its start value."""
        self._stop()

    def _stop(self):
        self.running = False
        self.purge_until_s = None
        self.max_diff_k = self.s.max_diff_start_k

    def _differential(self, diff, now_s):
        """The seed's rules; returns (mode, duty_pct, raw_duty_pct)."""
        s = self.s
        if not self.running:
            if diff > self.max_diff_k:
                self.running = True
            else:
                return IDLE, 0, 0.0
        if diff < s.min_diff_k:
            if s.purge_s <= 0:
                self._stop()
                return IDLE, 0, 0.0
            if self.purge_until_s is None:
                self.purge_until_s = now_s + s.purge_s
            if now_s >= self.purge_until_s:
                self._stop()
                return IDLE, 0, 0.0
            return PURGE, 100, 100.0
        self.purge_until_s = None  # the difference rose again: purge cancelled
        if diff >= self.max_diff_k:
            self.max_diff_k = min(self.max_diff_k * s.max_diff_grow, s.max_diff_ceiling_k)
            return RUNNING, 100, 100.0
        raw = (diff - s.min_diff_k) / (self.max_diff_k - s.min_diff_k) * 100.0
        if raw < s.duty_shrink_below_pct:
            floor = s.min_diff_k + s.max_diff_floor_margin_k
            self.max_diff_k = max(self.max_diff_k * s.max_diff_shrink, floor)
        if raw > s.duty_round_up_pct:
            return RUNNING, 100, raw
        if raw < s.duty_round_down_pct:
            return RUNNING, 0, raw
        return RUNNING, int(raw + 0.5), raw

    def update(self, hot_c, cold_c, now_s, fault_text=""):
        """One control cycle.

        :param hot_c: collector top temperature, C, or None when the sensor is faulted
        :param cold_c: tank bottom temperature, C, or None when the sensor is faulted
        :param now_s: monotonic time, s (only differences are used)
        :param fault_text: why a reading is None, for the reason text
        :returns: the (reused) Decision object
        """
        s = self.s
        d = self.decision
        d.time_s = now_s
        d.hot_c = hot_c
        d.cold_c = cold_c
        d.min_diff_k = self.stop_k()
        if hot_c is None or cold_c is None:
            self.reset()
            d.mode = FAULT
            d.duty_pct = 0
            d.raw_duty_pct = 0.0
            d.diff_k = None
            d.fault_text = fault_text or ("collector sensor fault" if hot_c is None else "tank sensor fault")
            d.max_diff_k = self.max_diff_k
            d.cool_off_armed = False
            d.purge_left_s = 0.0
            return d
        d.fault_text = ""
        diff = hot_c - cold_c
        d.diff_k = diff
        mode, duty, raw = self._differential(diff, now_s)

        # Cool-off: armed by a hot tank, a run lasts until the tank is cool enough.
        if cold_c > s.cool_off_arm_c:
            self.cool_off_armed = True
        if self.cool_off_armed and cold_c < s.cool_off_disarm_c:
            self.cool_off_armed = False
            self.cool_off_running = False
        if self.cool_off_armed:
            if cold_c - hot_c > s.cool_off_diff_k:
                self.cool_off_running = True
            elif hot_c >= cold_c:
                self.cool_off_running = False
        else:
            self.cool_off_running = False
        if self.cool_off_running:
            mode, duty = COOL_OFF, 100

        if hot_c > s.overheat_c:
            mode, duty = OVERHEAT, 100

        d.mode = mode
        d.duty_pct = duty
        d.raw_duty_pct = raw
        d.max_diff_k = self.max_diff_k
        d.cool_off_armed = self.cool_off_armed
        d.purge_left_s = (self.purge_until_s - now_s) if self.purge_until_s is not None else 0.0
        return d
