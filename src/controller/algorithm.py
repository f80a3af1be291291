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

Every comparison and rounding runs on integers (controller.milli): readings and settings in mK,
max_diff in micro-kelvin (it adapts by a factor per cycle: MAX_DIFF_GROW and MAX_DIFF_SHRINK
count to four decimal places), the duty as an exact fraction of the band, time in whole
seconds. The floats in the decision (``max_diff_k``, ``diff_k``, ``raw_duty_pct``) are for
reading only, so the board's 30-bit floats decide exactly as a PC's doubles do
(tests/test_float30.py).
"""

from controller import milli
from controller.decision import COOL_OFF, FAULT, IDLE, OVERHEAT, PURGE, RUNNING, Decision

# CONTROL_STRATEGY values: the seed's adaptive controller, and the strategies that commercial
# controllers ship (below), kept for users with a fixed-speed pump and for the benchmark.
STRATEGIES = ("seed", "onoff", "proportional", "burst")


def create(settings):
    """The pump algorithm that settings.control_strategy names."""
    name = getattr(settings, "control_strategy", "seed")
    if name not in STRATEGIES:
        raise ValueError("unknown control strategy %r" % name)
    return (PumpAlgorithm, OnOff, Proportional, Burst)[STRATEGIES.index(name)](settings)


def scale(x, n):
    """``x * n / 10000`` (``n``: a factor in ten-thousandths) rounded half up, in small ints for
    0 <= x < 10**9."""
    return x // 10000 * n + (x % 10000 * n + 5000) // 10000


class PumpAlgorithm:
    """The seed's adaptive differential controller; see the module docstring.

    :param settings: a ``controller.settings.Settings`` (or anything with the same attributes)

    State: ``running``, ``max_diff_uk`` (max_diff, micro-kelvin), ``purge_until_s``,
    ``cool_off_armed``, ``cool_off_running``.
    """

    def __init__(self, settings):
        self.s = settings
        self.decision = Decision()
        self.reset()

    def stop_mk(self):
        """The difference below which the pump stops, mK (shown in the reason text)."""
        return milli(self.s.min_diff_k)

    def reset(self):
        """Back to the power-on state: pump stopped, max_diff at its start value, nothing armed."""
        self.running = False
        self.max_diff_uk = milli(self.s.max_diff_start_k) * 1000
        self.purge_until_s = None
        self.cool_off_armed = False
        self.cool_off_running = False

    def stop(self):
        """End a run now (a protection took the pump): max_diff back to its start value."""
        self.running = False
        self.purge_until_s = None
        self.max_diff_uk = milli(self.s.max_diff_start_k) * 1000

    def _differential(self, diff_mk, now_s):
        """The seed's rules on the difference (mK); returns (mode, duty_pct, raw_duty_pct)."""
        s = self.s
        diff_uk = diff_mk * 1000
        if not self.running:
            if diff_uk > self.max_diff_uk:
                self.running = True
            else:
                return IDLE, 0, 0.0
        min_mk = milli(s.min_diff_k)
        if diff_mk < min_mk:
            purge_s = round(s.purge_s)
            if purge_s <= 0:
                self.stop()
                return IDLE, 0, 0.0
            if self.purge_until_s is None:
                self.purge_until_s = now_s + purge_s
            if now_s >= self.purge_until_s:
                self.stop()
                return IDLE, 0, 0.0
            return PURGE, 100, 100.0
        self.purge_until_s = None  # the difference rose again: purge cancelled
        if diff_uk >= self.max_diff_uk:
            # grown by MAX_DIFF_GROW, at most MAX_DIFF_CEILING_K
            self.max_diff_uk = min(scale(self.max_diff_uk, round(s.max_diff_grow * 10000)),
                                   milli(s.max_diff_ceiling_k) * 1000)
            return RUNNING, 100, 100.0
        # The duty: how far into the band min..max_diff the difference is, in millionths
        # (1000000 = 100 %), exactly; ``rest`` > 0 when there is more after the sixth place.
        # Digit by digit (floor(a * 1000000 / span), six places), so that no step leaves
        # MicroPython's small ints (no long int): 0 <= a < span < 10**8.
        rest = diff_uk - min_mk * 1000
        span = self.max_diff_uk - min_mk * 1000
        raw = 0
        for _ in range(6):
            rest *= 10
            raw = raw * 10 + rest // span
            rest %= span
        if raw < milli(s.duty_shrink_below_pct) * 10:
            # shrunk by MAX_DIFF_SHRINK, at least MIN_DIFF_K + MAX_DIFF_FLOOR_MARGIN_K
            self.max_diff_uk = max(scale(self.max_diff_uk, round(s.max_diff_shrink * 10000)),
                                   (min_mk + milli(s.max_diff_floor_margin_k)) * 1000)
        limit = milli(s.duty_round_up_pct) * 10
        if raw > limit or (raw == limit and rest):
            return RUNNING, 100, raw / 10000
        if raw < milli(s.duty_round_down_pct) * 10:
            return RUNNING, 0, raw / 10000
        return RUNNING, (raw + 5000) // 10000, raw / 10000  # to the nearest whole %, a half up

    def update(self, hot_c, cold_c, now_s, fault_text=""):
        """One control cycle.

        :param hot_c: collector top temperature, C, or None when the sensor is faulted
        :param cold_c: tank bottom temperature, C, or None when the sensor is faulted
        :param now_s: monotonic time, whole s (only differences are used)
        :param fault_text: why a reading is None, for the reason text
        :returns: the (reused) Decision object
        """
        s = self.s
        d = self.decision
        d.time_s = now_s
        d.hot_c = hot_c
        d.cold_c = cold_c
        d.min_diff_k = self.stop_mk() / 1000
        if hot_c is None or cold_c is None:
            self.reset()
            d.mode = FAULT
            d.duty_pct = 0
            d.raw_duty_pct = 0.0
            d.diff_k = None
            d.fault_text = fault_text or ("collector sensor fault" if hot_c is None else "tank sensor fault")
            d.max_diff_k = self.max_diff_uk / 1000000
            d.cool_off_armed = False
            d.purge_left_s = 0
            return d
        d.fault_text = ""
        hot = milli(hot_c)
        cold = milli(cold_c)
        diff = hot - cold
        d.diff_k = diff / 1000
        mode, duty, raw = self._differential(diff, now_s)

        # Cool-off: armed by a hot tank, a run lasts until the tank is cool enough.
        if cold > milli(s.cool_off_arm_c):
            self.cool_off_armed = True
        if self.cool_off_armed and cold < milli(s.cool_off_disarm_c):
            self.cool_off_armed = False
            self.cool_off_running = False
        if self.cool_off_armed:
            if -diff > milli(s.cool_off_diff_k):
                self.cool_off_running = True
            elif diff >= 0:
                self.cool_off_running = False
        else:
            self.cool_off_running = False
        if self.cool_off_running:
            mode, duty = COOL_OFF, 100

        if hot > milli(s.overheat_c):
            mode, duty = OVERHEAT, 100

        d.mode = mode
        d.duty_pct = duty
        d.raw_duty_pct = raw
        d.max_diff_k = self.max_diff_uk / 1000000
        d.cool_off_armed = self.cool_off_armed
        d.purge_left_s = (self.purge_until_s - now_s) if self.purge_until_s is not None else 0
        return d


# --- the strategies commercial differential controllers ship --------------------------------------
# The pump control that commercial differential controllers ship, as alternatives to the
# seed's adaptive algorithm (CONTROL_STRATEGY). Both keep the seed's overheat, cool-off and
# fault rules (PumpAlgorithm.update); only the differential rule differs.
#
# - ``onoff``: a classic thermostat: start when hot - cold >= DIFF_ON_K (6 K), stop below
#   DIFF_OFF_K (4 K), always at full speed. For fixed-speed pumps.
# - ``proportional``: speed control as RESOL/Sorel-style controllers do it: start at
#   DIFF_ON_K, stop below DIFF_OFF_K, in between the duty rises linearly from
#   PROP_MIN_DUTY_PCT (30 %) at DIFF_OFF_K to 100 % at the nominal PROP_NOMINAL_K (10 K).
# - ``burst``: full-speed bursts that each deliver a collector's worth of hot water. The start
#   threshold follows the sun: every BURST_WATCH_S while idle it becomes BURST_EARLY_K plus
#   BURST_WAIT_GAIN times what hot - cold rose over that window, at most BURST_ON_K (a collector
#   warming fast in strong sun is worth letting run hotter; one barely warming in weak sun is
#   emptied early, before its losses grow); a burst stops below BURST_OFF_K. No PWM: a few
#   switchings an hour instead of one every PWM period. Differences are compared in whole
#   milli-kelvin (integers), never as floats.


class OnOff(PumpAlgorithm):
    """Start at DIFF_ON_K, stop below DIFF_OFF_K, full speed in between."""

    def stop_mk(self):
        return milli(self.s.diff_off_k)

    def _differential(self, diff_mk, now_s):
        s = self.s
        on_mk = milli(s.diff_on_k)
        self.max_diff_uk = on_mk * 1000  # the start threshold, reported as max_diff
        if not self.running:
            if diff_mk < on_mk:
                return IDLE, 0, 0.0
            self.running = True
        if diff_mk < milli(s.diff_off_k):
            self.running = False
            return IDLE, 0, 0.0
        return RUNNING, 100, 100.0


class Proportional(OnOff):
    """Like OnOff, but the speed follows the difference between DIFF_OFF_K and PROP_NOMINAL_K."""

    def _differential(self, diff_mk, now_s):
        mode, duty, raw = OnOff._differential(self, diff_mk, now_s)
        if mode != RUNNING:
            return mode, duty, raw
        s = self.s
        nominal_mk = milli(s.prop_nominal_k)
        self.max_diff_uk = nominal_mk * 1000
        if diff_mk >= nominal_mk:
            return RUNNING, 100, 100.0
        # In hundredths of a % (exact to the floor): lo + (100 % - lo) * (diff - off) / (nominal - off)
        off_mk = milli(s.diff_off_k)
        lo = round(s.prop_min_duty_pct * 100)
        raw = lo + (10000 - lo) * (diff_mk - off_mk) // (nominal_mk - off_mk)
        return RUNNING, (raw + 50) // 100, raw / 100  # to the nearest whole %, a half up


class Burst(PumpAlgorithm):
    """Full speed while a burst lasts, no PWM; see the module docstring. Differences in mK;
    the settings are read every cycle, so a remote change applies at once."""

    def stop_mk(self):
        """A burst empties the collector down to half the difference it started at, at most
        down to BURST_OFF_K."""
        return min(self.start_mk // 2, milli(self.s.burst_off_k))

    def reset(self):
        PumpAlgorithm.reset(self)
        self.window_s = None  # start of the window in which the collector's warming is watched
        self.window_mk = 0  # the difference then
        self.start_mk = milli(self.s.burst_on_k)  # the start threshold now
        self.max_diff_uk = self.start_mk * 1000

    def _differential(self, diff_mk, now_s):
        s = self.s
        d = diff_mk
        on_mk = milli(s.burst_on_k)
        if self.running:
            if d < self.stop_mk():
                self.running = False
                self.window_s = None
                self.start_mk = on_mk
            else:
                self.max_diff_uk = self.start_mk * 1000
                return RUNNING, 100, 100.0
        elif self.window_s is None or now_s - self.window_s >= round(s.burst_watch_s):
            if self.window_s is not None:
                # The faster the collector warms, the longer a wait pays: the threshold rises
                # with the warming of the last window, from BURST_EARLY_K up to BURST_ON_K
                # (BURST_WAIT_GAIN in hundredths: K of threshold per K of warming).
                rise = d - self.window_mk
                start = milli(s.burst_early_k) + (round(s.burst_wait_gain * 100) * rise // 100 if rise > 0 else 0)
                self.start_mk = start if start < on_mk else on_mk
            self.window_s = now_s
            self.window_mk = d
        elif self.start_mk > on_mk:  # BURST_ON_K lowered while waiting
            self.start_mk = on_mk
        self.max_diff_uk = self.start_mk * 1000  # the start threshold now, reported as max_diff
        if self.running or d < self.start_mk:
            return IDLE, 0, 0.0
        self.running = True
        return RUNNING, 100, 100.0
