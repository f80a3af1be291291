"""Plant protection (issue 6): what commercial controllers (RESOL, Sorel, Steca) protect.

A plain object, like the algorithm: each control cycle it takes the algorithm's Decision and
the readings, and overrides the decision where the plant needs it. No I/O. Every rule has a
setting (spec_protect.py). The first rule that applies wins:

1. tank cut-off: tank bottom (or TANK_TOP_PROBE) at TANK_CUTOFF_C: pump off. Nothing overrides
   it, not even collector protection: the relief valve is next.
2. emergency: collector above COLLECTOR_EMERGENCY_C: pump off (pumping steam harms the pump and
   the pipes) until the collector is below COLLECTOR_EMERGENCY_OFF_C.
3. sensor fault (the algorithm's FAULT): pump off; but while the collector NTC is faulted and
   the PANEL_PROBE reads above OVERHEAT_C (COLLECTOR_COOLING_C with the tank at its maximum) and
   the tank is known to be below the cut-off, the pump runs to cool the collector, as the
   overheat and collector-cooling rules would.
4. lockout (no flow after NOFLOW_MAX_STARTS starts, or sensors swapped): pump off until
   clearFaults or LOCKOUT_H. A no-flow retry pause (NO_FLOW) also keeps it off.
5. the seed's overheat (collector above OVERHEAT_C: 100 %), but with the tank at its maximum
   only above COLLECTOR_COOLING_C (collector cooling; off: the tank maximum wins).
6. the seed's cool-off, then recooling (tank bottom above TANK_MAX_C, collector
   RECOOL_DIFF_K colder: 100 % until the tank is back under its maximum).
7. frost: collector below FROST_START_C, tank above FROST_MIN_TANK_C: 100 % until FROST_STOP_C.
8. tank maximum: no solar heating with the tank bottom at TANK_MAX_C (TANK_MAX_HYST_K).
9. minimum collector temperature: no differential start below COLLECTOR_MIN_C.
10. evacuated-tube kick: TUBE_KICK_RUN_S at 100 % every TUBE_KICK_EVERY_MIN while idle, in the
    local window TUBE_KICK_FROM_H..TUBE_KICK_TO_H (only with a known wall clock).

Plausibility runs beside them (``check``): while the differential rule runs the pump, a
collector that keeps heating as if no water moved stops the pump for NOFLOW_RETRY_S, and
NOFLOW_MAX_STARTS such failures in a row lock it out.
A start after which the tank reading warmed while the collector did not cool, twice in a row,
means the two NTCs are swapped: lockout. Stuck and flickering sensors are handled where they
are read (sensors.NtcSensor).

When a rule takes the pump from the algorithm, the algorithm's differential state is reset, so
that it starts afresh when the rule ends.

Like the algorithm, every comparison runs on integers (controller.milli): temperatures in mC,
times in whole seconds; the floats in the decision are for its reason text only.
"""

from controller import milli
from controller.decision import (COLLECTOR_COOLING, COOL_OFF, EMERGENCY, FAULT, FROST, IDLE, LOCKOUT,
                                  NO_FLOW, OVERHEAT, PURGE, RECOOL, RUNNING, TANK_CUTOFF, TANK_MAX, TUBE_KICK)

class Protection:
    """The protections' state; ``apply`` once per control cycle after the algorithm.

    :param settings: the validated settings
    :param algorithm: the pump algorithm, whose differential state a blocking rule resets

    Read by the screen, telemetry and the heater: ``active`` (names of the rules acting now),
    ``lockout`` (words, "" when none), ``warnings`` (words), ``failed_starts``.
    """

    def __init__(self, settings, algorithm):
        self.s = settings
        self.algorithm = algorithm
        self.active = []
        self.warnings = []
        self.clear_faults()  # lockout, lockout_s, failed_starts, swap_starts, retry_until_s, check_s
        self.cutoff = False
        self.emergency = False
        self.tank_max = False
        self.cooling = False
        self.backup = False
        self.recool = False
        self.frost = False
        self.kick_until_s = None
        self.kick_last_s = None
        self.first_window = False  # that window is the first of a run (the swap check looks there)
        self.was_mode = IDLE

    def clear_faults(self):
        """End a lockout and forget failed starts (the clearFaults RPC)."""
        self.lockout = ""
        self.lockout_s = None
        self.failed_starts = 0
        self.swap_starts = 0
        self.retry_until_s = None
        self.check_s = None  # start of the flow-check window running now

    def _lock(self, d, text=None, now_s=None):
        """Hold the pump in the lockout; with ``text`` (why), lock it out now."""
        if text:
            self.lockout = text
            self.lockout_s = now_s
            self.retry_until_s = None
            self.check_s = None
        self._hold(d, LOCKOUT, 0)
        d.lockout_text = self.lockout

    def _hold(self, d, mode, duty, limit_c=None, release_c=None):
        """The rule takes the pump: mode and duty, and the algorithm starts afresh afterwards."""
        if self.algorithm.running:
            self.algorithm.stop()
        d.mode = mode
        d.duty_pct = duty
        d.limit_c = limit_c
        d.release_c = release_c
        self.active.append(mode)

    def apply(self, d, panel_c=None, tank_top_c=None, local_min=None, flow_c=None):
        """Protect one cycle's decision ``d`` (changed in place and returned).

        :param d: the algorithm's Decision (its hot_c, cold_c, time_s are this cycle's)
        :param panel_c: PANEL_PROBE reading, C, or None
        :param tank_top_c: TANK_TOP_PROBE reading, C, or None
        :param local_min: local minutes since midnight, or None while the wall clock is unknown
        :param flow_c: FLOW_PROBE reading (tank inlet), C, or None
        """
        s = self.s
        hot_c = d.hot_c
        cold_c = d.cold_c
        now_s = d.time_s
        del self.active[:]
        del self.warnings[:]
        d.limit_c = None
        d.release_c = None
        d.left_s = 0
        d.lockout_text = self.lockout
        if self.lockout:
            lockout_s = round(s.lockout_h * 3600)
            if lockout_s > 0 and now_s - self.lockout_s >= lockout_s:
                self.clear_faults()
                self.warnings.append("lockout ended after LOCKOUT_H: trying again")

        hot = milli(hot_c)
        cold = milli(cold_c)
        hyst = milli(s.tank_max_hyst_k)
        tank = milli(tank_top_c)
        if tank is not None and (cold is None or tank > cold):
            tank_c = tank_top_c
        else:
            tank_c = cold_c
            tank = cold
        if tank is not None:
            cutoff = milli(s.tank_cutoff_c)
            if tank >= cutoff:
                self.cutoff = True
            elif tank < cutoff - hyst:
                self.cutoff = False
        if hot_c is None:
            hot_c = panel_c  # the collector: its NTC, else the PANEL_PROBE
        if hot_c is not None:
            collector = milli(hot_c)
            if s.emergency_on and collector > milli(s.collector_emergency_c):
                self.emergency = True
            elif self.emergency and (not s.emergency_on or collector < milli(s.collector_emergency_off_c)):
                self.emergency = False
        if cold is not None:
            tank_max = milli(s.tank_max_c)
            if cold >= tank_max:
                self.tank_max = s.tank_max_on
            elif cold < tank_max - hyst:
                self.tank_max = False

        if self.cutoff:
            self._hold(d, TANK_CUTOFF, 0, s.tank_cutoff_c, s.tank_cutoff_c - s.tank_max_hyst_k)
            d.tank_c = tank_c
        elif self.emergency:
            self._hold(d, EMERGENCY, 0, s.collector_emergency_c, s.collector_emergency_off_c)
            d.hot_c = hot_c
        elif d.mode == FAULT:  # off, except the backup overheat run on the panel probe
            # The seed's overheat on the probe; with the tank at its maximum, collector cooling's limit.
            limit_c = s.overheat_c
            if self.tank_max:
                limit_c = s.collector_cooling_c if s.collector_cooling_on else None
            if d.hot_c is None and panel_c is not None and tank_c is not None and limit_c is not None:
                limit = milli(limit_c)
                if collector > limit:  # the panel probe's reading (the collector NTC is faulted)
                    self.backup = True
                elif collector <= limit - milli(s.collector_cooling_hyst_k):
                    self.backup = False
            else:
                self.backup = False
            if self.backup:
                d.duty_pct = 100
                d.limit_c = panel_c
                self.active.append("backup_cooling")
        elif self.lockout:
            self._lock(d)
        elif self.retry_until_s is not None and now_s < self.retry_until_s:
            self._hold(d, NO_FLOW, 0)
            d.left_s = self.retry_until_s - now_s
        else:
            self.retry_until_s = None
            self.rules(d, hot, cold, now_s, local_min, tank_max, hyst)
        self.backup = self.backup and d.mode == FAULT
        self.check(d, hot, cold, flow_c, now_s)
        self.was_mode = d.mode
        return d

    def refuse_manual(self, d):
        """True, with the decision held at TANK_MAX, when a manual run would heat a tank at its
        maximum (the collector warmer than the tank bottom): a manual mode never does that."""
        if self.tank_max and d.hot_c is not None and d.cold_c is not None and d.hot_c > d.cold_c:
            s = self.s
            self._hold(d, TANK_MAX, 0, s.tank_max_c, s.tank_max_c - s.tank_max_hyst_k)
            return True
        return False

    def rules(self, d, hot, cold, now_s, local_min, tank_max, hyst):
        """Rules 5 to 10 on the collector ``hot`` and tank ``cold`` readings, mC (``tank_max``,
        ``hyst``: TANK_MAX_C and TANK_MAX_HYST_K in mC, as ``apply`` has them this cycle)."""
        s = self.s
        mode = d.mode
        # 5. overheat and collector cooling
        if self.tank_max and s.collector_cooling_on:
            cooling = milli(s.collector_cooling_c)
            if hot > cooling:
                self.cooling = True
            elif hot <= cooling - milli(s.collector_cooling_hyst_k):
                self.cooling = False
        else:
            self.cooling = False
        if self.cooling:
            self._hold(d, COLLECTOR_COOLING, 100, s.collector_cooling_c, s.collector_cooling_c - s.collector_cooling_hyst_k)
            return
        if mode == OVERHEAT:
            if self.tank_max:
                self._hold(d, TANK_MAX, 0, s.tank_max_c, s.tank_max_c - s.tank_max_hyst_k)
            return
        # 6. cool-off (the seed's), then recooling
        if mode == COOL_OFF:
            return
        recool_on = s.recool_on and s.tank_max_on
        if recool_on and cold > tank_max:
            if cold - hot > milli(s.recool_diff_k):
                self.recool = True
            elif hot >= cold:
                self.recool = False
        if not recool_on or cold <= tank_max - hyst:
            self.recool = False
        if self.recool:
            self._hold(d, RECOOL, 100, s.tank_max_c, s.tank_max_c - s.tank_max_hyst_k)
            return
        # 7. frost
        if s.frost_on:
            if hot < milli(s.frost_start_c) and cold > milli(s.frost_min_tank_c):
                self.frost = True
            elif self.frost and (hot >= milli(s.frost_stop_c) or cold <= milli(s.frost_min_tank_c)):
                self.frost = False
        else:
            self.frost = False
        if self.frost:
            self._hold(d, FROST, 100, s.frost_start_c, s.frost_stop_c)
            return
        # 8. tank maximum
        if self.tank_max and mode in (RUNNING, PURGE):
            self._hold(d, TANK_MAX, 0, s.tank_max_c, s.tank_max_c - s.tank_max_hyst_k)
            return
        # 9. minimum collector temperature before a start
        if (s.collector_min_on and mode == RUNNING and self.was_mode not in (RUNNING, PURGE)
                and hot < milli(s.collector_min_c)):
            self.algorithm.stop()
            d.mode = IDLE
            d.duty_pct = 0
            d.limit_c = s.collector_min_c
            return
        # 10. evacuated-tube kick
        if not s.tube_kick_on:
            return
        if self.kick_until_s is not None:
            if now_s < self.kick_until_s and d.mode == IDLE:
                self._hold(d, TUBE_KICK, 100)
                d.left_s = self.kick_until_s - now_s
                return
            self.kick_until_s = None
        if d.mode != IDLE:
            self.kick_last_s = now_s  # the pump ran (or wants to): the sensor sees the collector
            return
        if local_min is None:
            self.warnings.append("tube kick waits for the wall clock")
            return
        if not s.tube_kick_from_h * 60 <= local_min < s.tube_kick_to_h * 60:
            return
        if self.kick_last_s is None or now_s - self.kick_last_s >= round(s.tube_kick_every_min * 60):
            self.kick_last_s = now_s
            self._hold(d, TUBE_KICK, 100)
            d.left_s = round(s.tube_kick_run_s)
            self.kick_until_s = now_s + d.left_s

    def check(self, d, hot, cold, flow_c, now_s):
        """No-flow and swapped-sensor plausibility while the differential rule runs the pump
        (``hot``, ``cold``: this cycle's readings, mC; ``flow_c``: the FLOW_PROBE's, C, None
        without a probe).

        Flow shows as the collector cooling by NOFLOW_DROP_K below its start value, or the
        FLOW_PROBE (where the collector's water enters the tank) warming by NOFLOW_RISE_K. No flow
        shows as the difference still growing by NOFLOW_WARM_K over a NOFLOW_WINDOW_S run at a
        mean duty of at least 50 %: a collector whose water stands keeps heating. Anything else
        is no verdict, and a new window starts while the run goes on."""
        s = self.s
        if not (s.noflow_on or s.swap_check_on):
            return
        if d.mode not in (RUNNING, PURGE):
            self.check_s = None  # the run ended: no verdict
            return
        flow = milli(flow_c)
        if self.check_s is None:
            if self.was_mode not in (RUNNING, PURGE):
                self.first_window = True
            elif not self.first_window and not s.noflow_on:
                return
            self.restart(d, hot, cold, flow, now_s)
            return
        self.duty_sum += d.duty_pct - 50
        if hot < self.hot_min:
            self.hot_min = hot
        if cold > self.cold_max:
            self.cold_max = cold
        if flow is not None:
            if self.flow0 is None:
                self.flow0 = self.flow_max = flow
            elif flow > self.flow_max:
                self.flow_max = flow
        drop = self.hot0 - self.hot_min
        rise = self.cold_max - self.cold0
        flowing = drop >= milli(s.noflow_drop_k) or (self.flow0 is not None
                                                     and self.flow_max - self.flow0 >= milli(s.noflow_rise_k))
        if flowing and rise < 4000:  # a swap sign: the tank reading warmed 4 K or more
            self.check_s = None
            self.first_window = False
            self.failed_starts = 0
            self.swap_starts = 0
            return
        if now_s - self.check_s < round(s.noflow_window_s):
            return
        self.check_s = None
        first = self.first_window
        self.first_window = False
        if first and s.swap_check_on and rise >= 4000 and rise > 2 * drop:
            self.swap_starts += 1
            if self.swap_starts >= 2:  # starts in a row that look like swapped sensors: lockout
                self._lock(d, "collector and tank sensors look swapped: after %d starts the tank reading "
                           "warmed %.1f K while the collector cooled %.1f K" % (self.swap_starts, rise / 1000,
                                                                              drop / 1000), now_s)
            return
        if first:
            self.swap_starts = 0
        # no verdict unless the difference grew by NOFLOW_WARM_K at a mean duty of 50 % or more
        if (not s.noflow_on or flowing or (hot - cold) - (self.hot0 - self.cold0) < milli(s.noflow_warm_k)
                or self.duty_sum < 0):
            self.restart(d, hot, cold, flow, now_s)  # no verdict: watch the next window of this run
            return
        self.failed_starts += 1
        if self.failed_starts >= s.noflow_max_starts:
            self._lock(d, "no flow after %d starts: the collector kept heating with the pump on; check the "
                       "pump, valves and air in the loop" % self.failed_starts, now_s)
            return
        self._hold(d, NO_FLOW, 0)
        d.left_s = round(s.noflow_retry_s)
        self.retry_until_s = now_s + d.left_s

    def restart(self, d, hot, cold, flow, now_s):
        """A new flow-check window starts now."""
        self.check_s = now_s
        self.hot0 = self.hot_min = hot
        self.cold0 = self.cold_max = cold
        self.flow0 = self.flow_max = flow
        self.duty_sum = d.duty_pct - 50  # the window's duties summed, each less 50 %: >= 0 is a mean of 50 % or more

