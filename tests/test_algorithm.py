"""Every rule of the pump algorithm (seed 004 plus the upstream line purge), at its boundaries."""

import pytest

from controller import algorithm as A
from controller import decision as D
from controller.settings import load


def settings(**overrides):
    env = {k.upper(): str(v) for k, v in overrides.items()}
    s = load(env.get)
    assert s.errors == []
    return s


def algo(**overrides):
    return A.PumpAlgorithm(settings(**overrides))


def run(a, pairs, t0=0.0, dt=2.0):
    out = []
    t = t0
    for hot, cold in pairs:
        d = a.update(hot, cold, t)
        out.append((d.mode, d.duty_pct, d.max_diff_k))
        t += dt
    return out


# --- start and stop thresholds ---------------------------------------------------------

def test_does_not_start_at_exactly_max_diff():
    a = algo()
    d = a.update(28.0, 20.0, 0)  # diff == 8.0: "start when diff > max_diff"
    assert (d.mode, d.duty_pct) == (D.IDLE, 0)
    assert not a.running


def test_starts_just_above_max_diff():
    a = algo()
    d = a.update(28.01, 20.0, 0)
    assert d.mode == D.RUNNING and a.running
    assert d.duty_pct == 100  # diff >= max_diff gives 100 %


def test_stops_below_min_diff_without_purge():
    a = algo(purge_s=0)
    a.update(30.0, 20.0, 0)
    d = a.update(24.0, 20.0, 2)  # diff == 4.0 is not below min_diff: keeps running
    assert d.mode == D.RUNNING
    d = a.update(23.99, 20.0, 4)
    assert (d.mode, d.duty_pct) == (D.IDLE, 0)
    assert not a.running


def test_max_diff_returns_to_start_when_pump_stops():
    a = algo(purge_s=0)
    for i in range(20):
        a.update(40.0, 20.0, i * 2)
    assert a.max_diff_uk / 1e6 > 8.0
    d = a.update(21.0, 20.0, 50)
    assert d.mode == D.IDLE
    assert d.max_diff_k == pytest.approx(8.0)


# --- proportional band and adaptation ---------------------------------------------------

def test_full_speed_grows_max_diff_by_one_percent_per_cycle():
    a = algo()
    a.update(40.0, 20.0, 0)
    assert a.max_diff_uk / 1e6 == pytest.approx(8.0 * 1.01)
    a.update(40.0, 20.0, 2)
    assert a.max_diff_uk / 1e6 == pytest.approx(8.0 * 1.01 ** 2)


def test_proportional_duty_formula():
    a = algo()
    a.update(30.0, 20.0, 0)  # start; max_diff becomes 8.08
    max_diff = a.max_diff_uk / 1e6
    d = a.update(27.0, 20.0, 2)  # diff 7 in the band
    expected = (7.0 - 4.0) / (max_diff - 4.0) * 100
    assert 30 < expected < 90
    assert d.duty_pct == int(expected + 0.5)
    assert d.raw_duty_pct == pytest.approx(expected)
    assert a.max_diff_uk / 1e6 == pytest.approx(max_diff)  # 30..90 %: max_diff unchanged


def test_low_duty_shrinks_max_diff_and_rounds_to_zero_below_ten():
    a = algo()
    a.update(30.0, 20.0, 0)
    max_diff = a.max_diff_uk / 1e6
    d = a.update(24.2, 20.0, 2)  # raw = 0.2 / 4.08 = 4.9 %
    assert d.raw_duty_pct < 10
    assert d.duty_pct == 0 and d.mode == D.RUNNING  # still running, just not pumping
    assert a.max_diff_uk / 1e6 == pytest.approx(max_diff * 0.98)


def test_duty_between_ten_and_thirty_runs_and_shrinks():
    a = algo()
    a.update(30.0, 20.0, 0)
    max_diff = a.max_diff_uk / 1e6
    d = a.update(24.8, 20.0, 2)  # raw = 0.8 / 4.08 = 19.6 %
    assert 10 < d.raw_duty_pct < 30
    assert d.duty_pct == int(d.raw_duty_pct + 0.5)
    assert a.max_diff_uk / 1e6 == pytest.approx(max_diff * 0.98)


def test_duty_above_ninety_rounds_to_full_without_growth():
    a = algo()
    a.update(30.0, 20.0, 0)
    max_diff = a.max_diff_uk / 1e6
    d = a.update(27.9, 20.0, 2)  # raw = 3.9 / 4.08 = 95.6 %
    assert d.raw_duty_pct > 90
    assert d.duty_pct == 100
    assert a.max_diff_uk / 1e6 == pytest.approx(max_diff)  # growth only when diff >= max_diff


def test_round_thresholds_are_exclusive():
    # raw exactly 90 % stays 90; exactly 10 % stays 10; exactly 30 % does not shrink.
    a = algo(purge_s=0)
    a.update(30.0, 20.0, 0)
    a.max_diff_uk = 14000000  # band 4..14 K: diff - 4 = duty / 10
    d = a.update(29.0, 20.0, 2)  # 9 K -> 50 %
    assert d.duty_pct == 50
    d = a.update(20.0 + 4.0 + 9.0, 20.0, 4)  # 13 K -> 90 %
    assert d.duty_pct == 90
    d = a.update(25.0, 20.0, 6)  # 5 K -> 10 %
    assert d.duty_pct == 10
    a.max_diff_uk = 14000000
    d = a.update(27.0, 20.0, 8)  # 7 K -> 30 %: not below 30, no shrink
    assert d.duty_pct == 30 and a.max_diff_uk / 1e6 == pytest.approx(14.0)


def test_max_diff_adapts_over_many_cycles_to_hold_the_difference():
    # A steady 12 K difference at full speed: max_diff grows 1 %/cycle until it passes
    # 12 K, after which the duty is proportional and max_diff stops growing.
    a = algo()
    t = 0
    grown = []
    for _ in range(200):
        d = a.update(32.0, 20.0, t)
        grown.append(a.max_diff_uk / 1e6)
        t += 2
    assert grown[0] == pytest.approx(8.08)
    first_above = next(i for i, m in enumerate(grown) if m > 12.0)
    assert first_above == pytest.approx(41, abs=1)  # 8 * 1.01^n > 12 -> n = 41
    assert a.max_diff_uk / 1e6 == pytest.approx(grown[first_above])  # stable afterwards
    assert d.duty_pct == 100  # (12 - 4) / (12.x - 4) > 90 % rounds up


def test_max_diff_shrinks_to_its_floor_on_a_weak_difference():
    a = algo(purge_s=0)
    a.update(30.0, 20.0, 0)
    for i in range(400):
        a.update(24.5, 20.0, 2 + 2 * i)  # 0.5 K above min_diff: very low duty
    # shrinks by 0.98 until the duty is no longer below 30 %: (0.5) / (m - 4) >= 0.3
    assert a.max_diff_uk / 1e6 >= 4.5  # floor MIN_DIFF_K + 0.5
    assert a.max_diff_uk / 1e6 == pytest.approx(4.0 + 0.5 / 0.3, rel=0.03)


def test_settings_change_every_number():
    a = algo(max_diff_start_k=10, min_diff_k=2, max_diff_grow=1.05, purge_s=0)
    assert a.update(30.0, 20.0, 0).mode == D.IDLE  # 10 K is not > 10 K
    d = a.update(30.5, 20.0, 2)
    assert d.mode == D.RUNNING and a.max_diff_uk / 1e6 == pytest.approx(10 * 1.05)
    assert a.update(21.9, 20.0, 4).mode == D.IDLE  # below 2 K


# --- line purge -------------------------------------------------------------------------

def test_purge_runs_full_speed_for_its_time_then_stops():
    a = algo(purge_s=60)
    a.update(30.0, 20.0, 0)
    modes = run(a, [(22.0, 20.0)] * 32, t0=2.0)
    # t = 2 .. 62: purge for 60 s from t=2 -> stops at t >= 62
    assert [m for m, _, _ in modes[:30]] == [D.PURGE] * 30
    assert all(duty == 100 for _, duty, _ in modes[:30])
    assert modes[30][0] == D.IDLE and modes[30][1] == 0
    assert modes[30][2] == pytest.approx(8.0)


def test_purge_cancelled_when_difference_rises_again():
    a = algo(purge_s=60)
    a.update(30.0, 20.0, 0)
    assert a.update(23.0, 20.0, 2).mode == D.PURGE
    d = a.update(25.0, 20.0, 4)  # back above min_diff
    assert d.mode == D.RUNNING and d.duty_pct < 100
    assert a.purge_until_s is None
    # a later stop condition starts a fresh, full-length purge
    assert a.update(23.0, 20.0, 100).mode == D.PURGE
    assert a.update(23.0, 20.0, 158).mode == D.PURGE
    assert a.update(23.0, 20.0, 160).mode == D.IDLE


def test_purge_zero_disables_it():
    a = algo(purge_s=0)
    a.update(30.0, 20.0, 0)
    assert a.update(23.0, 20.0, 2).mode == D.IDLE


# --- cool-off ---------------------------------------------------------------------------

def test_cool_off_arms_above_seventy_only():
    a = algo()
    a.update(30.0, 70.0, 0)
    assert not a.cool_off_armed  # 70.0 is not > 70
    a.update(30.0, 70.1, 2)
    assert a.cool_off_armed


def test_cool_off_runs_when_collector_thirty_below_and_until_tank_below_sixty():
    a = algo()
    d = a.update(45.0, 75.0, 0)  # armed; 30 K below is not > 30
    assert d.mode == D.IDLE and d.cool_off_armed
    d = a.update(44.9, 75.0, 2)
    assert (d.mode, d.duty_pct) == (D.COOL_OFF, 100)
    # circulation warms the collector: keeps running (the seed's "until below 60 C")
    d = a.update(66.0, 70.0, 4)
    assert d.mode == D.COOL_OFF
    d = a.update(58.0, 60.0, 6)  # 60.0 is not below 60
    assert d.mode == D.COOL_OFF
    d = a.update(58.0, 59.9, 8)
    assert (d.mode, d.duty_pct) == (D.IDLE, 0)
    assert not d.cool_off_armed


def test_cool_off_run_ends_when_collector_no_longer_colder():
    a = algo()
    a.update(40.0, 75.0, 0)
    assert a.update(40.0, 75.0, 2).mode == D.COOL_OFF
    d = a.update(75.0, 75.0, 4)  # morning sun: circulating would now heat the tank
    assert d.mode != D.COOL_OFF
    assert d.cool_off_armed  # still armed: the tank is still hot


def test_cool_off_not_run_when_disarmed():
    a = algo()
    d = a.update(10.0, 65.0, 0)  # 55 K colder, but the tank never passed 70 C
    assert d.mode == D.IDLE


# --- overheat ---------------------------------------------------------------------------

def test_overheat_runs_pump_whatever_the_difference():
    a = algo()
    d = a.update(100.0, 99.0, 0)
    assert d.mode == D.IDLE  # 100.0 is not > 100
    d = a.update(100.1, 99.5, 2)  # diff 0.6 K: would never run otherwise
    assert (d.mode, d.duty_pct) == (D.OVERHEAT, 100)
    assert "overheat" in d.reason and "100.1" in d.reason
    d = a.update(99.0, 98.5, 4)
    assert d.mode == D.IDLE


# --- faults -----------------------------------------------------------------------------

@pytest.mark.parametrize("hot,cold,words", [(None, 20.0, "collector"), (40.0, None, "tank")])
def test_fault_stops_pump_and_says_which(hot, cold, words):
    a = algo()
    a.update(40.0, 20.0, 0)
    assert a.running
    d = a.update(hot, cold, 2)
    assert (d.mode, d.duty_pct) == (D.FAULT, 0)
    assert d.reason.startswith("FAULT:") and words in d.reason
    assert not a.running and a.max_diff_uk / 1e6 == pytest.approx(8.0)


def test_fault_text_is_passed_through():
    a = algo()
    d = a.update(None, 20.0, 0, "collector sensor open circuit")
    assert d.reason == "FAULT: collector sensor open circuit; pump stopped"


def test_fault_overrides_overheat():
    a = algo()
    d = a.update(None, 110.0, 0)
    assert d.mode == D.FAULT and d.duty_pct == 0


def test_reason_texts_are_readable():
    a = algo()
    assert a.update(25.0, 20.0, 0).reason == "idle: dT 5.0 K <= 8.0 K"
    assert "full speed" in a.update(30.0, 20.0, 2).reason
    r = a.update(27.0, 20.0, 4).reason
    assert r.startswith("running: dT 7.0 K in 4.0..")
