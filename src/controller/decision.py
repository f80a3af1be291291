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
        """A short human-readable account of the decision."""
        mode = self.mode
        if mode == FAULT:
            if self.duty_pct:
                return "FAULT: %s; panel probe %.1f C: pump on to cool the collector" % (
                    self.fault_text or "sensor fault", self.limit_c)
            return "FAULT: " + (self.fault_text or "sensor fault") + "; pump stopped"
        if mode == TANK_CUTOFF:
            return "TANK CUT-OFF: tank %.1f C >= %.1f C; pump stopped until %.1f C" % (
                self.tank_c, self.limit_c, self.release_c)
        if mode == EMERGENCY:
            return "EMERGENCY: collector %.1f C > %.1f C (steam); pump stopped until %.1f C" % (
                self.hot_c, self.limit_c, self.release_c)
        if mode == LOCKOUT:
            return "LOCKOUT: %s; pump stopped" % self.lockout_text
        if mode == NO_FLOW:
            return "no flow after the start: pump stopped, next try in %d s" % (self.left_s + 0.5)
        if mode == COLLECTOR_COOLING:
            return "collector cooling: collector %.1f C > %.1f C with the tank at max; pump on" % (
                self.hot_c, self.limit_c)
        if mode == RECOOL:
            return "recooling: tank %.1f C above its %.1f C max, collector %.1f C; pump on" % (
                self.cold_c, self.limit_c, self.hot_c)
        if mode == FROST:
            return "frost: collector %.1f C < %.1f C; circulating tank water" % (self.hot_c, self.limit_c)
        if mode == TANK_MAX:
            return "tank max: tank %.1f C >= %.1f C; solar paused until %.1f C" % (
                self.cold_c, self.limit_c, self.release_c)
        if mode == TUBE_KICK:
            return "tube kick: pump on %d s so the collector sensor sees the tubes" % (self.left_s + 0.5)
        if mode == OVERHEAT:
            return "overheat: collector %.1f C; pump forced on" % self.hot_c
        if mode == COOL_OFF:
            return "cool-off: tank %.1f C, collector %.1f C" % (self.cold_c, self.hot_c)
        if mode == PURGE:
            return "purge: dT %.1f K < %.1f K; %d s left" % (self.diff_k, self.min_diff_k, self.purge_left_s + 0.5)
        if mode == MANUAL:
            return "manual: pump at %d %%" % self.duty_pct
        if mode == OFF:
            return "off: pump switched off by hand"
        if mode == RUNNING:
            if self.raw_duty_pct >= 100.0:  # from max_diff up; on/off control: down to the stop point
                return "running: dT %.1f K >= %.1f K; full speed" % (
                    self.diff_k, self.min_diff_k if self.diff_k < self.max_diff_k else self.max_diff_k)
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
