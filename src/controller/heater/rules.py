"""The element's contactor (minimum on/off times, thermostat, hard cut-off), the PV-surplus rule
(seed 000) and the weekly legionella cycle. Plain objects: readings and time in, (on, reason)
out. Times are whole seconds from ``Clock.now_s``; temperatures C; powers W."""

DAY_S = 86400
HYST_K = 5.0  # thermostat and cut-off hysteresis


class Element:
    """The contactor state. Safety (no reading, cut-off, protections, thermostat) switches off at
    once; otherwise a change waits for the minimum on or off time. Off at boot, and the minimum
    off time runs from boot, so a reboot loop cannot chatter the contactor."""

    def __init__(self, now_s):
        self.on = False
        self.changed_s = now_s
        self.satisfied = False  # reached the target; reheat below target - hysteresis
        self.cut = False  # above the cut-off; back below cut-off - hysteresis
        self.switches = 0

    def _set(self, on, now_s):
        if on != self.on:
            self.on = on
            self.changed_s = now_s
            self.switches += 1

    def decide(self, now_s, top_c, target_c, want, why, s, block=""):
        """(on, reason). ``top_c`` tank top (None: no reading, ``why`` says so when want is
        False); ``want``/``why`` the rules' verdict; ``block`` a protection acting now."""
        hyst = HYST_K
        if top_c is None:
            self._set(False, now_s)
            return False, "off: no tank top reading (%s)" % why
        if top_c >= s.heater_cutoff_c or (self.cut and top_c > s.heater_cutoff_c - hyst):
            self.cut = True
            self._set(False, now_s)
            return False, "off: tank top %.1f C at the %.0f C cut-off" % (top_c, s.heater_cutoff_c)
        self.cut = False
        if block:
            self._set(False, now_s)
            return False, "off: %s" % block
        if top_c >= target_c or (self.satisfied and top_c > target_c - hyst):
            self.satisfied = True
            self._set(False, now_s)
            return False, "off: tank top %.1f C reached %.0f C (%s)" % (top_c, target_c, why)
        self.satisfied = False
        held = now_s - self.changed_s
        if want and not self.on:
            if held < s.heater_min_off_s:
                return False, "off: minimum off time, %d s left (%s)" % (s.heater_min_off_s - held, why)
            self._set(True, now_s)
        elif not want and self.on:
            if held < s.heater_min_on_s:
                return True, "on: minimum on time, %d s left (%s)" % (s.heater_min_on_s - held, why)
            self._set(False, now_s)
        return self.on, ("on: " if self.on else "off: ") + why


class Surplus:
    """Seed 000: active once export exceeds the element power plus a margin for ON_WAIT;
    inactive once import exceeds IMPORT_W for OFF_WAIT, or at once without a grid reading.
    ``grid_w`` is positive for import, negative for export."""

    def __init__(self):
        self.active = False
        self.since_s = None  # when the pending change's condition began

    def update(self, now_s, grid_w, element_on, s):
        if grid_w is None:
            self.active = False
            self.since_s = None
            return False, "pv: no grid reading"
        if not self.active:
            surplus = -grid_w + (s.heater_power_w if element_on else 0)
            need = s.heater_power_w + s.heater_margin_w
            if surplus <= need:
                self.since_s = None
                return False, "pv: surplus %d W <= %d W" % (surplus, need)
            if self.since_s is None:
                self.since_s = now_s
            waited = now_s - self.since_s
            if waited < s.heater_on_wait_s:
                return False, "pv: surplus %d W > %d W for %d of %d s" % (surplus, need, waited, s.heater_on_wait_s)
            self.active = True
            self.since_s = None
            return True, "pv: surplus %d W > %d W for %d s" % (surplus, need, waited)
        if grid_w <= s.heater_import_w:
            self.since_s = None
            return True, "pv: grid %d W, import below %d W" % (grid_w, s.heater_import_w)
        if self.since_s is None:
            self.since_s = now_s
        waited = now_s - self.since_s
        if waited < s.heater_off_wait_s:
            return True, "pv: import %d W > %d W for %d of %d s" % (grid_w, s.heater_import_w, waited,
                                                                    s.heater_off_wait_s)
        self.active = False
        self.since_s = None
        return False, "pv: import %d W > %d W for %d s" % (grid_w, s.heater_import_w, waited)


NORMAL = "normal"
PENDING = "pending"  # the last day: solar (collector or PV surplus) may do it, to the higher target
DUE = "due"  # the cheapest slot of the next day does it
OVERDUE = "overdue"  # a day late: heat now


class Legionella:
    """The tank top must reach LEGIONELLA_C once every LEGIONELLA_DAYS. Counted from boot (a
    restart starts a new period: see docs/heater.md)."""

    def __init__(self, now_s):
        self.hot_s = now_s
        self.ever_hot = False

    def update(self, now_s, top_c, s):
        """The stage now: NORMAL, PENDING, DUE or OVERDUE."""
        if top_c is not None and top_c >= s.heater_legionella_c:
            self.hot_s = now_s
            self.ever_hot = True
        if not s.heater_legionella_days:
            return NORMAL
        days = (now_s - self.hot_s) / DAY_S
        period = s.heater_legionella_days
        if days < period - 1:
            return NORMAL
        if days < period:
            return PENDING
        if days < period + 1:
            return DUE
        return OVERDUE

    def age_text(self, now_s, s):
        return "%.1f d since %s" % ((now_s - self.hot_s) / DAY_S,
                                    "%.0f C" % s.heater_legionella_c if self.ever_hot else "boot")
