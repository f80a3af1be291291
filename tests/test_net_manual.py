"""Manual pump mode (the setMode RPC, Home Assistant's switch) against every plant protection:
what README and docs/dashboard.md promise, rule by rule. A manual mode overrides the
differential rules, the line purge, the minimum collector temperature and the tube kick; never
a safety rule: it never runs the pump against a cut-off, an emergency stop, a sensor fault, a
lockout or a no-flow pause, never heats a tank at its maximum, and "off" never stops a run
that protects the plant (overheat, collector cooling, cool-off, recooling, frost). And over
the real broker: issue 15's morning with TANK_MAX_C = 30."""

from types import SimpleNamespace

import pytest

from controller.app import Controller
from controller.log import Log
from controller.settings import load
from netfw import NetFirmware, wait_for


def make(env=None):
    hw = SimpleNamespace(i2c=None, onewire_pin=None, screen=None, board_name="test")
    ms = [0]
    ctl = Controller(hw, load(dict(env or {}).get), ticks_ms=lambda: ms[0], log=Log(out=[].append))
    ctl.ms = ms
    return ctl


def run(ctl, hot, cold, cycles=3, manual=None):
    """Set the readings, the manual mode (mode, duty) and run control cycles; the decision."""
    if manual is not None:
        ctl.set_manual(manual[0], manual[1], 3600)
    for _ in range(cycles):
        ctl.hot.value_c, ctl.cold.value_c = hot, cold
        ctl.ms[0] += 2000
        d = ctl.control_once()
    return d


# (rule, settings, hot, cold, what the manual mode may do): "never runs" the pump, "never
# stops" it, or "overrides" (the manual mode wins).
CASES = [
    ("tank cut-off", {}, 60.0, 96.0, "never runs"),
    ("collector emergency", {}, 135.0, 50.0, "never runs"),
    ("sensor fault", {}, None, 50.0, "never runs"),
    ("tank maximum, collector warmer", {"TANK_MAX_C": "30.0"}, 45.0, 31.0, "never runs"),
    ("tank maximum, collector warmer (running)", {}, 80.0, 66.0, "never runs"),
    ("overheat", {}, 105.0, 50.0, "never stops"),
    ("collector cooling", {}, 112.0, 66.0, "never stops"),
    ("cool-off", {}, 20.0, 75.0, "never stops"),
    ("frost", {}, 2.0, 40.0, "never stops"),
    ("differential idle", {}, 30.0, 29.0, "overrides"),
    ("differential running", {}, 50.0, 30.0, "overrides"),
    ("minimum collector temperature", {}, 8.0, 5.0, "overrides"),
]


@pytest.mark.parametrize("rule,env,hot,cold,promise", CASES, ids=[c[0] for c in CASES])
def test_manual_mode_against_each_protection(rule, env, hot, cold, promise):
    auto = run(make(env), hot, cold)
    on = run(make(env), hot, cold, manual=("manual", 100))
    off = run(make(env), hot, cold, manual=("off", 0))
    if promise == "never runs":
        assert auto.duty_pct == 0 and on.duty_pct == 0 and on.mode not in ("manual", "off"), (rule, on.mode)
    elif promise == "never stops":
        assert auto.duty_pct == 100 and off.duty_pct == 100 and off.mode == auto.mode, (rule, off.mode)
        assert on.duty_pct == 100
    else:
        assert on.mode == "manual" and on.duty_pct == 100 and off.mode == "off" and off.duty_pct == 0, rule


def test_manual_mode_against_lockout_no_flow_and_recooling():
    ctl = make()
    ctl.protection.lockout, ctl.protection.lockout_s = "no flow after 3 starts", 0.0
    d = run(ctl, 50.0, 30.0, manual=("manual", 100))
    assert (d.mode, d.duty_pct) == ("lockout", 0)
    ctl = make()
    ctl.protection.retry_until_s = 10 ** 6
    d = run(ctl, 50.0, 30.0, manual=("manual", 100))
    assert (d.mode, d.duty_pct) == ("no_flow", 0)
    # Recooling: a tank above its maximum at night, the collector colder: off does not stop it.
    ctl = make()
    run(ctl, 80.0, 66.0)  # the tank reaches its maximum
    d = run(ctl, 40.0, 66.0, manual=("off", 0))
    assert (d.mode, d.duty_pct) == ("recool", 100)


def test_manual_may_cool_a_tank_at_its_maximum_through_a_colder_collector():
    ctl = make({"TANK_MAX_C": "30.0", "RECOOL_ON": "0"})
    d = run(ctl, 25.0, 31.0, manual=("manual", 60))
    assert (d.mode, d.duty_pct) == ("manual", 60)  # the collector is colder: this cools the tank
    d = run(ctl, 35.0, 31.0)
    assert (d.mode, d.duty_pct) == ("tank_max", 0)  # warmer again: refused, and said
    assert "tank" in d.reason


def test_issue_15_morning_with_tank_max_30_over_the_broker(broker, tmp_path):
    """setMode manual 100 with TANK_MAX_C = 30: the pump stays off while the collector is
    warmer than a tank above 30 C, and the telemetry says tank_max."""
    from netfw import FakeThingsBoard

    tb = FakeThingsBoard(broker.port)
    fw = NetFirmware(broker.port, env={"TANK_MAX_C": "30.0", "PURGE_S": "0"}).start()
    try:
        wait_for(lambda: fw.link.state == "online", what="online")
        wait_for(lambda: fw.ctl.decision.mode == "tank_max", what="tank at its maximum (40 C over 30 C)")
        assert tb.rpc("setMode", {"mode": "manual", "duty_pct": 100, "timeout_s": 600})["mode"] == "manual"
        cycles = fw.ctl.control_cycles
        wait_for(lambda: fw.ctl.control_cycles >= cycles + 5, what="five control cycles")
        assert fw.ctl.decision.mode == "tank_max" and fw.ctl.decision.duty_pct == 0
        assert fw.pcf.output_level() == 0
        wait_for(lambda: [p for p in tb.points() if p["values"]["mode"] == "tank_max" and p["ts"] > 0],
                 what="tank_max in the telemetry")
        assert not [p for p in tb.points() if p["values"]["pump_on"] == 1 and p["values"]["mode"] == "manual"]
    finally:
        fw.stop()
        tb.close()
