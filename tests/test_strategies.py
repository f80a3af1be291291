"""The commercial-style strategies (on/off, proportional) behind CONTROL_STRATEGY."""

import pytest

from controller import algorithm as A
from controller import decision as D
from controller import strategies
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
    assert type(make("onoff")) is strategies.OnOff
    assert type(make("proportional")) is strategies.Proportional
    with pytest.raises(ValueError):
        strategies.create("bangbang", load({}.get))


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


@pytest.mark.parametrize("strategy", ["onoff", "proportional"])
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
    assert s.control_strategy == "seed" and any("CONTROL_STRATEGY" in e for e in s.errors)
