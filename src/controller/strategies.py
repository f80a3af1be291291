"""The pump control that commercial differential controllers ship, as alternatives to the
seed's adaptive algorithm (CONTROL_STRATEGY). Both keep the seed's overheat, cool-off and
fault rules (PumpAlgorithm.update); only the differential rule differs.

- ``onoff``: a classic thermostat: start when hot - cold >= DIFF_ON_K (6 K), stop below
  DIFF_OFF_K (4 K), always at full speed. For fixed-speed pumps.
- ``proportional``: speed control as RESOL/Sorel-style controllers do it: start at
  DIFF_ON_K, stop below DIFF_OFF_K, in between the duty rises linearly from
  PROP_MIN_DUTY_PCT (30 %) at DIFF_OFF_K to 100 % at the nominal PROP_NOMINAL_K (10 K).
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


def create(name, settings):
    if name == "onoff":
        return OnOff(settings)
    if name == "proportional":
        return Proportional(settings)
    raise ValueError("unknown control strategy %r" % name)
