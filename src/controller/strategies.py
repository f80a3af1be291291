"""The pump control that commercial differential controllers ship, as alternatives to the
seed's adaptive algorithm (CONTROL_STRATEGY). Both keep the seed's overheat, cool-off and
fault rules (PumpAlgorithm.update); only the differential rule differs.

- ``onoff``: a classic thermostat: start when hot - cold >= DIFF_ON_K (6 K), stop below
  DIFF_OFF_K (4 K), always at full speed. For fixed-speed pumps.
- ``proportional``: speed control as RESOL/Sorel-style controllers do it: start at
  DIFF_ON_K, stop below DIFF_OFF_K, in between the duty rises linearly from
  PROP_MIN_DUTY_PCT (30 %) at DIFF_OFF_K to 100 % at the nominal PROP_NOMINAL_K (10 K).
- ``burst``: full-speed bursts that each deliver a collector's worth of hot water. The start
  threshold follows the sun: every BURST_WATCH_S while idle it becomes BURST_EARLY_K plus
  BURST_WAIT_GAIN times what hot - cold rose over that window, at most BURST_ON_K (a collector
  warming fast in strong sun is worth letting run hotter; one barely warming in weak sun is
  emptied early, before its losses grow); a burst stops below BURST_OFF_K. No PWM: a few
  switchings an hour instead of one every PWM period. Differences are compared in whole
  milli-kelvin (integers), never as floats.
"""

from controller import milli
from controller.algorithm import PumpAlgorithm
from controller.decision import IDLE, RUNNING


class OnOff(PumpAlgorithm):
    """Start at DIFF_ON_K, stop below DIFF_OFF_K, full speed in between."""

    def stop_k(self):
        return self.s.diff_off_k

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
        # In hundredths of a % (exact to the floor): low + (100 % - low) * (diff - off) / (nominal - off)
        off_mk = milli(s.diff_off_k)
        low = round(s.prop_min_duty_pct * 100)
        raw = low + (10000 - low) * (diff_mk - off_mk) // (nominal_mk - off_mk)
        return RUNNING, (raw + 50) // 100, raw / 100  # to the nearest whole %, a half up


class Burst(PumpAlgorithm):
    """Full speed while a burst lasts, no PWM; see the module docstring. Differences in mK;
    the settings are read every cycle, so a remote change applies at once."""

    def _stop_mk(self):
        """A burst empties the collector down to half the difference it started at, at most
        down to BURST_OFF_K."""
        half = self.start_mk // 2
        off = milli(self.s.burst_off_k)
        return half if half < off else off

    def stop_k(self):
        return self._stop_mk() / 1000

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
            if d < self._stop_mk():
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


def create(name, settings):
    if name == "onoff":
        return OnOff(settings)
    if name == "proportional":
        return Proportional(settings)
    if name == "burst":
        return Burst(settings)
    raise ValueError("unknown control strategy %r" % name)
