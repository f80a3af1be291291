"""The commercial-style strategies (on/off, proportional) behind CONTROL_STRATEGY."""

import pytest

from controller import algorithm as A
from controller import decision as D
from controller.settings import load


def make(strategy, **overrides):
    env = {"CONTROL_STRATEGY": strategy}
    env.update({k.upper(): str(v) for k, v in overrides.items()})
    s = load(env.get)
    assert s.errors == []
    return A.create(s)


def modes(a, diffs, cold=30.0, dt=2.0):
    out = []
    for i, diff in enumerate(diffs):
        d = a.update(cold + diff, cold, i * dt)
        out.append((d.mode, d.duty_pct))
    return out


def test_factory_picks_the_class_the_setting_names():
    assert type(make("seed")) is A.PumpAlgorithm
    assert type(make("onoff")) is A.OnOff
    assert type(make("proportional")) is A.Proportional
    with pytest.raises(ValueError):
        s = load({}.get)
        s.control_strategy = "bangbang"
        A.create(s)


def test_onoff_starts_at_the_on_difference_and_stops_below_the_off_difference():
    a = make("onoff")
    got = modes(a, [5.9, 6.0, 5.0, 4.0, 3.9, 5.9, 6.5])
    assert got == [(D.IDLE, 0), (D.RUNNING, 100), (D.RUNNING, 100), (D.RUNNING, 100),
                   (D.IDLE, 0), (D.IDLE, 0), (D.RUNNING, 100)]
    assert a.decision.max_diff_k == 6.0 and a.decision.min_diff_k == 4.0


def test_onoff_thresholds_are_settings_and_the_reason_names_the_stop_point():
    a = make("onoff", diff_on_k=9.0, diff_off_k=2.5)
    assert modes(a, [8.9, 9.0, 2.5, 2.4]) == [(D.IDLE, 0), (D.RUNNING, 100), (D.RUNNING, 100), (D.IDLE, 0)]
    d = a.update(39.0, 30.0, 10)
    d = a.update(35.0, 30.0, 12)
    assert d.reason == "running: dT 5.0 K >= 2.5 K; full speed"


def test_proportional_duty_is_linear_from_the_minimum_to_full_speed_at_nominal():
    a = make("proportional")
    assert modes(a, [5.0])[0] == (D.IDLE, 0)
    a.update(36.0, 30.0, 2)  # start at 6 K
    assert a.running
    expected = {4.0: 30, 5.5: 30 + round(70 * 1.5 / 6), 7.0: 65, 9.9: 99, 10.0: 100, 15.0: 100}
    for i, (diff, duty) in enumerate(sorted(expected.items())):
        d = a.update(30.0 + diff, 30.0, 4 + 2 * i)
        assert (d.mode, d.duty_pct) == (D.RUNNING, duty), diff
    assert a.update(33.9, 30.0, 100).mode == D.IDLE


def test_proportional_minimum_speed_is_a_setting():
    a = make("proportional", prop_min_duty_pct=50, prop_nominal_k=12)
    a.update(40.0, 30.0, 0)
    assert a.update(34.0, 30.0, 2).duty_pct == 50
    assert a.update(38.0, 30.0, 4).duty_pct == 75


@pytest.mark.parametrize("strategy", ["onoff", "proportional", "burst"])
def test_strategies_keep_the_seed_safety_rules(strategy):
    a = make(strategy)
    assert a.update(105.0, 100.0, 0).mode == D.OVERHEAT  # collector above OVERHEAT_C: forced on
    assert a.update(None, 40.0, 2, "collector sensor open circuit").mode == D.FAULT
    a = make(strategy)
    a.update(30.0, 72.0, 0)  # tank above COOL_OFF_ARM_C arms; collector 42 K colder runs it
    assert (a.decision.mode, a.decision.duty_pct) == (D.COOL_OFF, 100)


def test_rules_reject_an_off_difference_at_or_above_the_on_difference():
    s = load({"CONTROL_STRATEGY": "onoff", "DIFF_OFF_K": "7.0", "DIFF_ON_K": "6.0"}.get)
    assert any("DIFF_OFF_K must be below DIFF_ON_K" in e for e in s.errors)
    assert (s.diff_off_k, s.diff_on_k) == (4.0, 6.0)
    s = load({"CONTROL_STRATEGY": "bangbang"}.get)
    assert s.control_strategy == "burst" and any("CONTROL_STRATEGY" in e for e in s.errors)  # the default


# ---- burst ----------------------------------------------------------------------------------
def burst(**overrides):
    return make("burst", **overrides)


def test_factory_makes_the_burst_control():
    assert type(burst()) is A.Burst


def test_burst_starts_at_the_full_threshold_before_it_has_watched_the_collector():
    a = burst()  # BURST_ON_K 20
    assert a.update(49.99, 30.0, 0).mode == A.IDLE  # 19.99 K: below
    d = a.update(50.0, 30.0, 2)  # exactly 20.00 K: the threshold is reached
    assert (d.mode, d.duty_pct) == (A.RUNNING, 100)
    assert d.max_diff_k == 20.0 and d.min_diff_k == 6.0  # stops below min(6, 20 / 2)


def test_burst_threshold_follows_the_collectors_warming_over_the_watch_window():
    a = burst()  # early 7 K, gain 4, window 120 s
    assert a.update(35.0, 30.0, 0).mode == A.IDLE  # window opens at 5 K
    assert a.update(37.0, 30.0, 60).mode == A.IDLE  # mid-window: threshold still 20 K
    # window closes at 120 s having risen 1.5 K: threshold 7 + 4 x 1.5 = 13 K
    d = a.update(36.5, 30.0, 120)
    assert d.mode == A.IDLE and d.max_diff_k == 13.0
    assert a.update(42.99, 30.0, 122).mode == A.IDLE
    d = a.update(43.0, 30.0, 124)
    assert (d.mode, d.duty_pct) == (A.RUNNING, 100)
    assert d.min_diff_k == 6.0  # min(6, 13 / 2)


def test_burst_empties_a_barely_warming_collector_early_and_stops_at_half_its_start():
    a = burst()
    a.update(36.0, 30.0, 0)
    d = a.update(37.2, 30.0, 120)  # rose 1.2 K: 7 + 4.8 = 11.8 K > 7.2 K
    assert d.mode == A.IDLE and d.max_diff_k == 11.8
    d = a.update(37.3, 30.0, 240)  # rose 0.1 K: 7.4 K, and 7.3 K is below it
    assert d.mode == A.IDLE and d.max_diff_k == 7.4
    d = a.update(37.4, 30.0, 242)
    assert (d.mode, d.duty_pct) == (A.RUNNING, 100)
    assert d.min_diff_k == 3.7  # half of 7.4 K
    assert a.update(33.7, 30.0, 244).mode == A.RUNNING  # 3.70 K: not below
    d = a.update(33.69, 30.0, 246)
    assert (d.mode, d.duty_pct) == (A.IDLE, 0)
    assert d.max_diff_k == 20.0  # back to the full threshold until a window has been watched


def test_burst_never_starts_below_its_early_threshold_even_when_the_collector_cools():
    a = burst()
    a.update(37.0, 30.0, 0)
    d = a.update(36.9, 30.0, 120)  # fell: the threshold is the early one
    assert d.max_diff_k == 7.0 and d.mode == A.IDLE
    assert a.update(37.0, 30.0, 122).mode == A.RUNNING


def test_burst_runs_at_full_speed_only_never_a_pwm_duty():
    a = burst()
    a.update(60.0, 30.0, 0)
    duties = {a.update(30.0 + diff, 30.0, 2 + 2 * i).duty_pct for i, diff in enumerate([25, 18, 12, 9, 7, 6.5, 6.0])}
    assert duties == {100}
    assert a.update(35.99, 30.0, 100).duty_pct == 0


def test_burst_compares_whole_millikelvin_not_floats():
    # 0.1 + 0.2 is 0.30000000000000004 as a float: the threshold decision must not see that
    from controller import milli

    assert milli(0.1 + 0.2) == 300 and milli(19.9999999) == 20000 and milli(-0.0004) == 0
    assert 32.3 - 30.0 < 2.3  # as floats, 2.299999999999997
    a = burst(burst_on_k="2.3", burst_early_k="1.5", burst_off_k="0.5")
    assert a.update(32.3, 30.0, 0).mode == A.RUNNING  # 2300 mK reaches the 2300 mK threshold


def test_burst_fault_stops_and_forgets_the_window():
    a = burst()
    a.update(35.0, 30.0, 0)
    a.update(60.0, 30.0, 2)
    assert a.running
    d = a.update(None, 30.0, 4, "collector sensor open circuit")
    assert (d.mode, d.duty_pct) == (A.FAULT, 0) and not a.running
    assert a.window_s is None and a.start_mk == 20000


def test_burst_settings_must_keep_their_order():
    s = load({"CONTROL_STRATEGY": "burst", "BURST_OFF_K": "8.0", "BURST_EARLY_K": "7.0"}.get)
    assert any("BURST_OFF_K must be below BURST_EARLY_K" in e for e in s.errors)
    s = load({"CONTROL_STRATEGY": "burst", "BURST_EARLY_K": "25.0"}.get)
    assert any("BURST_EARLY_K must be below BURST_ON_K" in e for e in s.errors)


def test_hwc_replay_runs_the_burst_control_on_the_bundled_trace(tmp_path, capsys):
    import csv
    import io
    import pathlib

    from controller.protect import Protection
    from hwc.cli import main

    settings = tmp_path / "s.toml"
    settings.write_text('CONTROL_STRATEGY = "burst"\n')
    trace = pathlib.Path(__file__).resolve().parents[1] / "examples" / "trace.csv"
    assert main(["replay", str(trace), "--settings", str(settings)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    modes = {row["mode"] for row in rows}
    assert {"idle", "running"} <= modes and {row["duty_pct"] for row in rows} <= {"0", "100"}  # never a PWM duty
    # cycle by cycle what the algorithm and protection decide on the same readings
    recorded = list(csv.DictReader(open(trace)))
    s = load({"CONTROL_STRATEGY": "burst"}.get)
    algo = A.create(s)
    protection = Protection(s, algo)
    i = 0
    for row in rows[:400]:
        t = float(row["t_s"])
        while i + 1 < len(recorded) and float(recorded[i + 1]["t_s"]) <= t:
            i += 1
        d = protection.apply(algo.update(float(recorded[i]["hot_c"]), float(recorded[i]["cold_c"]), int(t)))
        assert (str(d.duty_pct), d.mode) == (row["duty_pct"], row["mode"]), t
