"""The decision: what the pump does this control cycle and why, in one place.

The pump algorithm (controller.algorithm, with its strategies) makes a ``Decision``, plant
protection (controller.protect) and the manual mode (controller.app) override it. Every mode name
and every reason text lives here; the screen, telemetry, the counters and the heater import the
mode names from here instead of spelling them.
"""

# The seed's modes (controller.algorithm).
IDLE = "idle"
RUNNING = "running"
PURGE = "purge"
COOL_OFF = "cool_off"
OVERHEAT = "overheat"
FAULT = "fault"

# Plant protection's modes (controller.protect, issue 6).
TANK_CUTOFF = "tank_cutoff"
EMERGENCY = "emergency"
LOCKOUT = "lockout"
NO_FLOW = "no_flow"
COLLECTOR_COOLING = "collector_cooling"
RECOOL = "recool"
FROST = "frost"
TANK_MAX = "tank_max"
TUBE_KICK = "tube_kick"

# The manual pump modes (Controller.set_manual): AUTO leaves the decision alone, MANUAL and OFF
# become the decision's mode.
AUTO = "auto"
MANUAL = "manual"
OFF = "off"

MODES = (IDLE, RUNNING, PURGE, COOL_OFF, OVERHEAT, FAULT, TANK_CUTOFF, EMERGENCY, LOCKOUT, NO_FLOW,
         COLLECTOR_COOLING, RECOOL, FROST, TANK_MAX, TUBE_KICK)
# Modes in which a fault or a safety limit holds the pump (logged as errors, counted as faults).
ERROR_MODES = (FAULT, LOCKOUT, EMERGENCY, TANK_CUTOFF)
# Modes in which the tank is, or is being made, hot enough (the seed's overheat and cool-off, the
# tank and collector limits): the immersion heater adds no heat then (controller.heater.task).
SHED_MODES = (OVERHEAT, COOL_OFF, TANK_MAX, TANK_CUTOFF, EMERGENCY, COLLECTOR_COOLING, RECOOL)


class Decision:
    """What the algorithm decided in one cycle. The reason text is built only when read."""

    def __init__(self):
        self.duty_pct = 0
        self.mode = IDLE
        self.max_diff_k = 0.0
        self.min_diff_k = 0.0
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
        """A short human-readable account of the decision (each text is _TEXTS's entry named in
        the comment beside it)."""
        mode = self.mode
        if mode == FAULT:
            if self.duty_pct:
                return w(0) % (self.fault_text or "sensor fault", self.limit_c)  # FAULT: ... pump on
            return w(1) % (self.fault_text or "sensor fault")  # FAULT: ...; pump stopped
        if mode == TANK_CUTOFF:
            return w(2) % (self.tank_c, self.limit_c, self.release_c)  # TANK CUT-OFF
        if mode == EMERGENCY:
            return w(3) % (self.hot_c, self.limit_c, self.release_c)  # EMERGENCY
        if mode == LOCKOUT:
            return w(4) % self.lockout_text  # LOCKOUT
        if mode == NO_FLOW:
            return w(5) % (self.left_s + 0.5)  # no flow
        if mode == COLLECTOR_COOLING:
            return w(6) % (self.hot_c, self.limit_c)  # collector cooling
        if mode == RECOOL:
            return w(7) % (self.cold_c, self.limit_c, self.hot_c)  # recooling
        if mode == FROST:
            return w(8) % (self.hot_c, self.limit_c)  # frost
        if mode == TANK_MAX:
            return w(9) % (self.cold_c, self.limit_c, self.release_c)  # tank max
        if mode == TUBE_KICK:
            return w(10) % (self.left_s + 0.5)  # tube kick
        if mode == OVERHEAT:
            return w(11) % self.hot_c  # overheat
        if mode == COOL_OFF:
            return w(12) % (self.cold_c, self.hot_c)  # cool-off
        if mode == PURGE:
            return w(13) % (self.diff_k, self.min_diff_k, self.purge_left_s + 0.5)  # purge
        if mode == MANUAL:
            return w(14) % self.duty_pct  # manual
        if mode == OFF:
            return w(15)  # off
        if mode == RUNNING:
            if self.raw_duty_pct >= 100.0:  # from max_diff up; on/off control: down to the stop point
                return w(16) % (  # running: full speed
                    self.diff_k, self.min_diff_k if self.diff_k < self.max_diff_k else self.max_diff_k)
            return w(17) % (self.diff_k, self.min_diff_k, self.max_diff_k, self.duty_pct)  # running: %
        if self.diff_k is None:
            return "idle"
        if self.limit_c is not None:
            return w(18) % (self.hot_c, self.limit_c)  # idle: below the start minimum
        text = w(19) % (self.diff_k, self.max_diff_k)  # idle: dT
        if self.cool_off_armed:
            text += w(20)  # ; cool-off armed
        return text


# The reason texts, numbered from 0, each ended by "|": one string on the heap, where 22 string
# constants kept 22 objects (a 16-byte head each and their text in 16-byte blocks).
_TEXTS = ("FAULT: %s; panel probe %.1f C: pump on to cool the collector|"  # 0
          "FAULT: %s; pump stopped|"  # 1
          "TANK CUT-OFF: tank %.1f C >= %.1f C; pump stopped until %.1f C|"  # 2
          "EMERGENCY: collector %.1f C > %.1f C (steam); pump stopped until %.1f C|"  # 3
          "LOCKOUT: %s; pump stopped|"  # 4
          "no flow after the start: pump stopped, next try in %d s|"  # 5
          "collector cooling: collector %.1f C > %.1f C with the tank at max; pump on|"  # 6
          "recooling: tank %.1f C above its %.1f C max, collector %.1f C; pump on|"  # 7
          "frost: collector %.1f C < %.1f C; circulating tank water|"  # 8
          "tank max: tank %.1f C >= %.1f C; solar paused until %.1f C|"  # 9
          "tube kick: pump on %d s so the collector sensor sees the tubes|"  # 10
          "overheat: collector %.1f C; pump forced on|"  # 11
          "cool-off: tank %.1f C, collector %.1f C|"  # 12
          "purge: dT %.1f K < %.1f K; %d s left|"  # 13
          "manual: pump at %d %%|"  # 14
          "off: pump switched off by hand|"  # 15
          "running: dT %.1f K >= %.1f K; full speed|"  # 16
          "running: dT %.1f K in %.1f..%.1f K; %d %%|"  # 17
          "idle: collector %.1f C below the %.1f C start minimum|"  # 18
          "idle: dT %.1f K <= %.1f K|"  # 19
          "; cool-off armed|")  # 20


def w(k, t=_TEXTS):
    """Text ``k`` of ``t``, a string of texts each ended by "|" (these reasons by default; the
    heater's texts too: each module keeps its texts as one string on the heap), as a new string
    made where it is used: a literal of 10 characters or fewer would be an interned string for
    good (``hwc memory``'s string pool)."""
    i = 0
    while k:
        i = t.find("|", i) + 1
        k -= 1
    return t[i:t.find("|", i)]


