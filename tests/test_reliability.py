"""hwc reliability: every fault scenario on the simulated plant through the device's control
pipeline, and a 14-day run with random sensor glitches (issue 6's proof)."""

import pytest

from hwc import reliability as R


@pytest.mark.parametrize("scenario", R.SCENARIOS, ids=[sc[0] for sc in R.SCENARIOS])
def test_each_fault_is_shown_recovers_and_opens_no_relief_valve(scenario):
    r = R.run_scenario(*scenario)
    assert r["shown"], r
    assert r["relief"] == 0
    assert r["recovered"] in (True, None)
    assert r["max_tank_c"] < 95.0
    if scenario[3] is not None:  # the pump moves no water: locked out, steam stopped, not pumped
        assert r["modes_h"].get("lockout", 0) > 1.0 and r["final_mode"] in ("lockout", "emergency")
    if scenario[2] and scenario[2][0][0] in ("hot", "cold"):
        assert r["modes_h"].get("fault", 0) >= 1.9


def test_fourteen_days_of_glitches_end_without_relief_lockout_or_false_no_flow():
    r = R.run_long(14)
    assert r["glitches"] > 80 and r["sensor_faults"] > 20  # the glitches reached the firmware
    assert r["relief"] == 0 and r["lockout_minutes"] == 0 and r["no_flow_verdicts"] == 0
    assert r["heat_kwh"] > 40.0 and r["ok"]


def test_the_table_marks_a_failed_scenario():
    row = {"scenario": "x", "shown": False, "recovered": True, "relief": 1, "max_tank_c": 96.0,
           "max_collector_c": 100.0, "modes_h": {"fault": 1.0}, "ok": False}
    long_run = dict(row, scenario="y", sensor_faults=0, no_flow_verdicts=0, lockout_minutes=0, ok=True)
    text = R.table_markdown({"scenarios": [row], "long": long_run, "wall_s": 1.0})
    assert "| x | **NO** | yes | 1 |" in text and "FAILED: x" in text
