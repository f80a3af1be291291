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

IDLE = "idle"
RUNNING = "running"
PURGE = "purge"
COOL_OFF = "cool_off"
OVERHEAT = "overheat"
FAULT = "fault"

# Plant protection's modes (controller/protect.py, issue 6).
TANK_CUTOFF = "tank_cutoff"
EMERGENCY = "emergency"
LOCKOUT = "lockout"
NO_FLOW = "no_flow"
COLLECTOR_COOLING = "collector_cooling"
RECOOL = "recool"
FROST = "frost"
TANK_MAX = "tank_max"
TUBE_KICK = "tube_kick"

MODES = (IDLE, RUNNING, PURGE, COOL_OFF, OVERHEAT, FAULT, TANK_CUTOFF, EMERGENCY, LOCKOUT, NO_FLOW,
         COLLECTOR_COOLING, RECOOL, FROST, TANK_MAX, TUBE_KICK)

# CONTROL_STRATEGY values: the seed's adaptive controller, and the two that commercial
# controllers ship (controller/strategies.py), kept for users with a fixed-speed pump and for
# the benchmark.
SEED = "seed"
STRATEGIES = (SEED, "onoff", "proportional", "burst")


def create(settings):
    """The pump algorithm that settings.control_strategy names."""
    name = getattr(settings, "control_strategy", SEED)
    if name == SEED:
        return PumpAlgorithm(settings)
    from controller import strategies  # loaded only when chosen

    return strategies.create(name, settings)


class Decision:
    """What the algorithm decided in one cycle. The reason text is built only when read."""

    def __init__(self):
        self.duty_pct = 0
        self.mode = IDLE
        self.max_diff_k = 0.0
        self.diff_k = None
        self.hot_c = None
        self.cold_c = None
        self.cool_off_armed = False
        self.purge_left_s = 0.0
        self.raw_duty_pct = 0.0
        self.fault_text = ""
        self.time_s = 0.0
        # Set by plant protection for its reason texts.
        self.limit_c = None  # the threshold acting, C
        self.release_c = None  # where the rule lets go, C
        self.left_s = 0  # time left of a timed rule, s
        self.tank_c = None  # the tank temperature the cut-off saw, C
        self.lockout_text = ""

    @property
    def reason(self):
        """A short human-readable account of the decision."""
        mode = self.mode
        if mode == FAULT:
            if self.duty_pct:
                return "FAULT: %s; panel probe %.1f C: pump on to cool the collector" % (
                    self.fault_text or "sensor fault", self.limit_c)
            return "FAULT: " + (self.fault_text or "sensor fault") + "; pump stopped"
        if mode in _PROTECT_REASONS:
            return _protect_reason(self)
        if mode == OVERHEAT:
            return "overheat: collector %.1f C; pump forced on" % self.hot_c
        if mode == COOL_OFF:
            return "cool-off: tank %.1f C, collector %.1f C" % (self.cold_c, self.hot_c)
        if mode == PURGE:
            return "purge: dT %.1f K < %.1f K; %d s left" % (self.diff_k, self.min_diff_k, self.purge_left_s + 0.5)
        if mode == "manual":
            return "manual: pump at %d %%" % self.duty_pct
        if mode == "off":
            return "off: pump switched off by hand"
        if mode == RUNNING:
            if self.raw_duty_pct >= 100.0:
                if self.diff_k < self.max_diff_k:  # on/off control: full speed down to the stop point
                    return "running: dT %.1f K >= %.1f K; full speed" % (self.diff_k, self.min_diff_k)
                return "running: dT %.1f K >= %.1f K; full speed" % (self.diff_k, self.max_diff_k)
            return "running: dT %.1f K in %.1f..%.1f K; %d %%" % (
                self.diff_k, self.min_diff_k, self.max_diff_k, self.duty_pct)
        if self.diff_k is None:
            return "idle"
        if self.limit_c is not None:
            return "idle: collector %.1f C below the %.1f C start minimum" % (self.hot_c, self.limit_c)
        text = "idle: dT %.1f K <= %.1f K" % (self.diff_k, self.max_diff_k)
        if self.cool_off_armed:
            text += "; cool-off armed"
        return text


_PROTECT_REASONS = (TANK_CUTOFF, EMERGENCY, LOCKOUT, NO_FLOW, COLLECTOR_COOLING, RECOOL, FROST, TANK_MAX,
                    TUBE_KICK)


def _protect_reason(d):
    mode = d.mode
    if mode == TANK_CUTOFF:
        return "TANK CUT-OFF: tank %.1f C >= %.1f C; pump stopped until %.1f C" % (d.tank_c, d.limit_c, d.release_c)
    if mode == EMERGENCY:
        return "EMERGENCY: collector %.1f C > %.1f C (steam); pump stopped until %.1f C" % (
            d.hot_c, d.limit_c, d.release_c)
    if mode == LOCKOUT:
        return "LOCKOUT: %s; pump stopped" % d.lockout_text
    if mode == NO_FLOW:
        return "no flow after the start: pump stopped, next try in %d s" % (d.left_s + 0.5)
    if mode == COLLECTOR_COOLING:
        return "collector cooling: collector %.1f C > %.1f C with the tank at max; pump on" % (d.hot_c, d.limit_c)
    if mode == RECOOL:
        return "recooling: tank %.1f C above its %.1f C max, collector %.1f C; pump on" % (
            d.cold_c, d.limit_c, d.hot_c)
    if mode == FROST:
        return "frost: collector %.1f C < %.1f C; circulating tank water" % (d.hot_c, d.limit_c)
    if mode == TANK_MAX:
        return "tank max: tank %.1f C >= %.1f C; solar paused until %.1f C" % (d.cold_c, d.limit_c, d.release_c)
    return "tube kick: pump on %d s so the collector sensor sees the tubes" % (d.left_s + 0.5)


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
