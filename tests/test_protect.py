"""Plant protection (controller/protect.py) on the pure objects: the algorithm's decision in, the
protected decision out, every rule with its threshold, hysteresis, setting switch and words."""

from types import SimpleNamespace

import ntc_table
import pytest

from controller import decision as D
from controller.algorithm import create
from controller.app import Controller
from controller.log import Log
from controller.protect import Protection
from controller.sensors import FAULT_STUCK, NtcSensor
from controller.settings import load


class Plant:
    """The algorithm and the protection stepped every 2 s, as control_once does."""

    def __init__(self, **env):
        env.setdefault("CONTROL_STRATEGY", "seed")  # the protections on top of the seed's rules
        self.s = load({k: str(v) for k, v in env.items()}.get)
        assert not self.s.errors, self.s.errors
        self.algo = create(self.s)
        self.prot = Protection(self.s, self.algo)
        self.t = 0.0

    def step(self, hot, cold, panel=None, top=None, local_min=None, fault=""):
        d = self.algo.update(hot, cold, self.t, fault)
        self.prot.apply(d, panel, top, local_min)
        self.t += 2.0
        return d

    def hold(self, seconds, hot, cold, **kw):
        d = None
        for _ in range(int(seconds / 2)):
            d = self.step(hot, cold, **kw)
        return d


def test_emergency_stops_the_pump_above_130_and_releases_below_120():
    p = Plant()
    d = p.step(105.0, 40.0)
    assert (d.mode, d.duty_pct) == (D.OVERHEAT, 100)  # the seed's rule below the emergency limit
    d = p.step(131.0, 40.0)
    assert (d.mode, d.duty_pct) == (D.EMERGENCY, 0)
    assert d.reason == "EMERGENCY: collector 131.0 C > 130.0 C (steam); pump stopped until 120.0 C"
    assert p.step(121.0, 40.0).mode == D.EMERGENCY  # hysteresis
    d = p.step(119.0, 40.0)
    assert (d.mode, d.duty_pct) == (D.OVERHEAT, 100)
    p = Plant(EMERGENCY_ON=0)
    assert p.step(140.0, 40.0).mode == D.OVERHEAT


def test_tank_cutoff_wins_over_everything_and_sees_the_tank_top_probe():
    p = Plant()
    d = p.step(125.0, 95.5)  # collector cooling would want the pump: the cut-off says no
    assert (d.mode, d.duty_pct) == (D.TANK_CUTOFF, 0)
    assert d.reason == "TANK CUT-OFF: tank 95.5 C >= 95.0 C; pump stopped until 93.0 C"
    assert p.step(125.0, 93.5).mode == D.TANK_CUTOFF
    assert p.step(125.0, 92.5).mode == D.COLLECTOR_COOLING
    p = Plant(TANK_TOP_PROBE="tank_top")
    d = p.step(70.0, 50.0, top=96.0)
    assert d.mode == D.TANK_CUTOFF and "tank 96.0 C" in d.reason


def test_tank_max_pauses_solar_and_collector_cooling_protects_the_collector():
    p = Plant()
    assert p.hold(10, 80.0, 60.0).mode == D.RUNNING
    d = p.step(80.0, 65.0)
    assert (d.mode, d.duty_pct) == (D.TANK_MAX, 0)
    assert d.reason == "tank max: tank 65.0 C >= 65.0 C; solar paused until 63.0 C"
    assert p.algo.running is False and p.algo.max_diff_uk == p.s.max_diff_start_k * 1e6  # starts afresh
    d = p.step(105.0, 65.0)  # the seed's overheat, but the tank is at max: not yet
    assert (d.mode, d.duty_pct) == (D.TANK_MAX, 0)
    d = p.step(111.0, 65.0)
    assert (d.mode, d.duty_pct) == (D.COLLECTOR_COOLING, 100)
    assert "collector 111.0 C > 110.0 C" in d.reason
    assert p.step(106.0, 66.0).mode == D.COLLECTOR_COOLING  # 5 K hysteresis
    assert p.step(104.5, 66.0).mode == D.TANK_MAX
    assert p.step(80.0, 63.5).mode == D.TANK_MAX  # 2 K hysteresis
    assert p.hold(4, 80.0, 62.5).mode == D.RUNNING
    # without collector cooling the tank maximum wins until the emergency stop
    p = Plant(COLLECTOR_COOLING_ON=0)
    assert p.step(125.0, 70.0).mode == D.TANK_MAX
    assert p.step(131.0, 70.0).mode == D.EMERGENCY
    # without the tank maximum, the seed heats on
    assert Plant(TANK_MAX_ON=0).hold(10, 85.0, 70.0).mode == D.RUNNING


def test_recooling_brings_an_overheated_tank_back_under_its_maximum_at_night():
    p = Plant()
    d = p.step(60.0, 68.0)  # collector 8 K colder than a tank above its maximum
    assert (d.mode, d.duty_pct) == (D.RECOOL, 100)
    assert d.reason == "recooling: tank 68.0 C above its 65.0 C max, collector 60.0 C; pump on"
    assert p.step(64.0, 66.0).mode == D.RECOOL  # keeps running while the collector is colder
    d = p.step(58.0, 62.5)
    assert d.mode != D.RECOOL and d.duty_pct == 0
    assert Plant(RECOOL_ON=0).step(60.0, 68.0).mode != D.RECOOL
    # the seed's cool-off (armed above 70 C) keeps its own rule
    assert Plant().hold(4, 40.0, 75.0).mode == D.COOL_OFF


def test_frost_protection_circulates_near_freezing_but_never_from_a_cold_tank():
    p = Plant()
    d = p.step(3.5, 30.0)
    assert (d.mode, d.duty_pct) == (D.FROST, 100)
    assert d.reason == "frost: collector 3.5 C < 4.0 C; circulating tank water"
    assert p.step(4.5, 30.0).mode == D.FROST
    assert p.step(5.0, 30.0).mode == D.IDLE
    assert Plant().step(2.0, 4.5).mode == D.IDLE  # the tank would freeze next
    assert Plant(FROST_ON=0).step(2.0, 30.0).mode == D.IDLE


def test_no_start_below_the_minimum_collector_temperature():
    p = Plant()
    d = p.step(9.5, 0.5)  # dT 9 K > 8 K, but a 9.5 C collector has nothing to give
    assert (d.mode, d.duty_pct) == (D.IDLE, 0)
    assert d.reason == "idle: collector 9.5 C below the 10.0 C start minimum"
    assert p.step(18.0, 9.0).mode == D.RUNNING
    assert Plant(COLLECTOR_MIN_ON=0).step(9.5, 0.5).mode == D.RUNNING


def stalled(p, seconds, hot=50.0, cold=30.0, rate_k_s=0.02):
    """A run whose water stands: the collector keeps heating (+6 K in 5 min, a collector in sun with
    no water moving) whatever the pump does."""
    d = None
    for i in range(int(seconds / 2)):
        d = p.step(hot + 2 * i * rate_k_s, cold)
    return d


def test_a_start_without_flow_is_retried_then_locked_out_and_clears():
    p = Plant()
    assert p.step(50.0, 30.0).mode == D.RUNNING
    d = stalled(p, 300)
    assert (d.mode, d.duty_pct) == (D.NO_FLOW, 0)
    assert d.reason.startswith("no flow after the start: pump stopped, next try in")
    assert p.prot.failed_starts == 1
    assert p.hold(800, 50.0, 30.0).mode == D.NO_FLOW
    assert p.hold(120, 50.0, 30.0).mode == D.RUNNING  # the retry
    stalled(p, 300)
    p.hold(900, 50.0, 30.0)
    d = stalled(p, 310)
    assert (d.mode, d.duty_pct) == (D.LOCKOUT, 0)
    assert p.prot.lockout.startswith("no flow after 3 starts")
    assert d.reason == "LOCKOUT: %s; pump stopped" % p.prot.lockout
    assert p.hold(3600, 50.0, 30.0).mode == D.LOCKOUT
    assert p.step(131.0, 30.0).mode == D.EMERGENCY  # the emergency stop still acts
    p.prot.clear_faults()
    assert p.step(50.0, 30.0).mode == D.RUNNING and p.prot.failed_starts == 0


def test_a_lockout_ends_by_itself_after_lockout_h():
    p = Plant(LOCKOUT_H="1.0", NOFLOW_MAX_STARTS=1)
    p.step(50.0, 30.0)
    assert stalled(p, 302).mode == D.LOCKOUT
    assert p.hold(3500, 50.0, 30.0).mode == D.LOCKOUT
    d = p.hold(120, 50.0, 30.0)
    assert d.mode == D.RUNNING and not p.prot.lockout


def test_no_verdict_without_clear_signs_and_flow_shown_by_a_drop_or_the_flow_probe():
    # a collector that settles near its start value (flow at high sun): no verdict, run goes on
    p = Plant()
    p.step(50.0, 30.0)
    assert p.hold(1200, 49.0, 30.0).mode == D.RUNNING and p.prot.failed_starts == 0
    # a dead pump that shows late in a long run is caught in a later window
    assert stalled(p, 302, hot=49.0).mode == D.NO_FLOW
    p = Plant()
    p.step(50.0, 30.0)
    p.hold(60, 49.0, 30.0)
    p.hold(60, 47.5, 30.0)  # 2.5 K drop: flow
    assert p.prot.failed_starts == 0 and p.prot.first_window is False  # flow; later windows keep watching
    for probe_warms, verdict in ((True, D.RUNNING), (False, D.NO_FLOW)):
        p = Plant()
        for i in range(155):  # the collector warms as in a stall (+6 K in 5 min) ...
            d = p.algo.update(50.0 + i * 0.04, 30.0, 2.0 * i)
            p.prot.apply(d, flow_c=30.0 + (i * 0.1 if probe_warms else 0.0))  # ... but water arrives?
        assert d.mode == verdict
    assert Plant(NOFLOW_ON=0, SWAP_CHECK_ON=0).step(50.0, 30.0).mode == D.RUNNING
    p = Plant(NOFLOW_ON=0, SWAP_CHECK_ON=0)
    p.step(50.0, 30.0)
    assert stalled(p, 1000).mode == D.RUNNING


def test_swapped_sensors_lock_out_after_two_starts():
    p = Plant()
    for start in range(2):
        assert p.step(50.0, 30.0).mode == D.RUNNING
        d = p.hold(300, 49.5, 37.0)  # the "tank" reading warms by 7 K, the "collector" hardly cools
        if start == 0:
            assert p.prot.swap_starts == 1 and not p.prot.lockout
            p.hold(80, 30.0, 30.0)  # the run and its purge end; the next start
    assert d.mode == D.LOCKOUT
    assert p.prot.lockout.startswith("collector and tank sensors look swapped")


def test_collector_sensor_fault_runs_the_pump_only_on_a_panel_probe_overheat():
    p = Plant()
    d = p.step(None, 50.0, fault="collector sensor open circuit")
    assert (d.mode, d.duty_pct) == (D.FAULT, 0)
    d = p.step(None, 50.0, panel=104.0, fault="collector sensor open circuit")
    assert (d.mode, d.duty_pct) == (D.FAULT, 100)
    assert d.reason == "FAULT: collector sensor open circuit; panel probe 104.0 C: pump on to cool the collector"
    assert p.step(None, 50.0, panel=97.0, fault="x").duty_pct == 100  # 5 K hysteresis
    assert p.step(None, 50.0, panel=94.0, fault="x").duty_pct == 0
    # an unknown tank: no backup run (it might be at the cut-off)
    assert p.step(None, None, panel=104.0, fault="x").duty_pct == 0
    # a panel probe in steam: the emergency stop
    assert p.step(None, 50.0, panel=131.0, fault="x").mode == D.EMERGENCY


def test_tube_kick_runs_briefly_in_its_window_and_waits_for_the_wall_clock():
    p = Plant(TUBE_KICK_ON=1)
    nine = 9 * 60
    d = p.step(20.0, 20.0, local_min=nine)
    assert (d.mode, d.duty_pct) == (D.TUBE_KICK, 100)
    assert d.reason == "tube kick: pump on 30 s so the collector sensor sees the tubes"
    assert p.hold(26, 20.0, 20.0, local_min=nine).mode == D.TUBE_KICK
    assert p.hold(6, 20.0, 20.0, local_min=nine).mode == D.IDLE
    assert p.hold(29 * 60, 20.0, 20.0, local_min=nine).mode == D.IDLE
    assert p.hold(40, 20.0, 20.0, local_min=nine).mode == D.TUBE_KICK  # 30 min later
    assert Plant(TUBE_KICK_ON=1).step(20.0, 20.0, local_min=20 * 60).mode == D.IDLE  # evening
    p = Plant(TUBE_KICK_ON=1)
    assert p.step(20.0, 20.0).mode == D.IDLE and p.prot.warnings == ["tube kick waits for the wall clock"]
    assert Plant().step(20.0, 20.0, local_min=nine).mode == D.IDLE  # off by default


def test_protections_settings_are_checked_against_each_other():
    s = load({"TANK_MAX_C": "90", "TANK_CUTOFF_C": "85"}.get)
    assert any("TANK_MAX_C must be below TANK_CUTOFF_C" in e for e in s.errors)
    assert (s.tank_max_c, s.tank_cutoff_c) == (65.0, 95.0)
    s = load({"FROST_START_C": "6", "FROST_STOP_C": "5"}.get)
    assert any("FROST_START_C must be below FROST_STOP_C" in e for e in s.errors)


def _controller(**env):
    env.setdefault("CONTROL_STRATEGY", "seed")  # the seed would run at these differences
    s = load({k: str(v) for k, v in env.items()}.get)
    ctl = Controller(SimpleNamespace(screen=None, board_name="test"), s, ticks_ms=lambda: 0, log=Log(out=lambda line: None))
    return ctl


@pytest.mark.parametrize("hot,cold,mode", [(3.0, 30.0, D.FROST), (80.0, 66.0, D.TANK_MAX), (131.0, 40.0, D.EMERGENCY),
                                           (60.0, 96.0, D.TANK_CUTOFF), (60.0, 68.0, D.RECOOL)])
def test_manual_mode_never_overrides_a_protection(hot, cold, mode):
    for manual in (("manual", 60), ("off", 0)):
        ctl = _controller()
        ctl.hot.value_c, ctl.cold.value_c = hot, cold
        ctl.set_manual(manual[0], manual[1])
        d = ctl.control_once()
        assert d.mode == mode
    ctl = _controller()
    ctl.hot.value_c, ctl.cold.value_c = 20.0, 20.0
    ctl.set_manual("manual", 60)
    assert (ctl.control_once().mode, ctl.decision.duty_pct) == ("manual", 60)


def test_controller_feeds_the_panel_and_tank_top_probes_by_name():
    ctl = _controller(PROBE5_ROM="28ff64d1e1a3c0d5", TANK_TOP_PROBE="ambient", PROBE1_ROM="28ff64d1e1a3c0d5")
    ctl.hot.value_c, ctl.cold.value_c = 60.0, 50.0
    ctl.probes[0].value_c = 96.0  # "ambient" standing in as the tank top
    assert ctl.control_once().mode == D.TANK_CUTOFF
    ctl = _controller()
    ctl.hot.value_c, ctl.cold.value_c = None, 50.0
    ctl.probes[4].value_c = 105.0  # panel_outlet
    d = ctl.control_once()
    assert (d.mode, d.duty_pct) == (D.FAULT, 100)


def test_a_flickering_ntc_is_one_fault_until_it_reads_sanely_for_the_clear_time():
    table = ntc_table.default_table()
    sensor = NtcSensor("hot", "collector", 1, table, 0.2, clear_readings=30)
    ok = int(table.to_raw(20.0))
    sensor.feed_raw(ok)
    for i in range(201):  # open circuit every other reading: a collector at the table's edge
        sensor.feed_raw(ok if i % 2 else 255)
        assert sensor.fault == "open circuit" and sensor.value_c is None
    assert sensor.faults == 1
    for _ in range(29):
        assert sensor.feed_raw(ok) is None
    assert sensor.feed_raw(ok) == pytest.approx(20.0, abs=1.0) and sensor.fault is None
    # a reading not taken (I2C error) is no sign of a bad sensor: it clears at once
    sensor.feed_error("I2C error")
    assert sensor.feed_raw(ok) is not None


def test_a_stuck_ntc_is_faulted_and_clears_once_it_moves():
    table = ntc_table.default_table()
    sensor = NtcSensor("cold", "tank", 0, table, 0.2, clear_readings=3, stuck_readings=100)
    raw = int(table.to_raw(45.0))
    for _ in range(100):
        sensor.feed_raw(raw)
    assert sensor.fault is None
    sensor.feed_raw(raw)
    assert sensor.fault == FAULT_STUCK and sensor.value_c is None
    assert sensor.fault_text() == "tank sensor stuck: raw value unchanged for STUCK_H"
    for r in (raw + 1, raw, raw + 1):
        sensor.feed_raw(r)
    assert sensor.fault is None and sensor.value_c is not None
