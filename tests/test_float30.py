"""The decisions on the Titano's 30-bit floats (tests/float30.py) are the decisions on a PC's
doubles: the algorithm, the strategies and the protections decide on integers (controller.milli),
so the board's float rounding cannot move a duty, a mode or a threshold."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from controller.algorithm import create
from controller.protect import Protection
from controller.settings import load
from float30 import F30, f30, install, settings30
from test_micropython_device import PROTECT_SWEEP, SWEEP

TESTS = Path(__file__).resolve().parent


def test_f30_is_a_single_with_the_two_lowest_bits_dropped():
    import struct

    for x in (0.1, 1.01, 26.1, -4.3, 1e-3, 123456.789):
        bits = struct.unpack("<I", struct.pack("<f", f30(x)))[0]
        assert bits & 3 == 0
        assert abs(f30(x) - x) <= abs(x) * 2.0 ** -21  # 22 significant bits, truncated
    assert f30(0.1) < 0.1 and f30(-0.1) > -0.1  # truncation toward zero
    assert f30(1.5) == 1.5 and f30(100.0) == 100.0  # short binary fractions are exact
    a = F30(26.1) - F30(20.0)
    assert isinstance(a, F30) and float(a) != 26.1 - 20.0
    assert isinstance(3 * a, F30) and isinstance(a / 7, F30) and isinstance(-a, F30)
    assert round(F30(2.5)) == 2 and int(F30(2.7)) == 2


def _old_proportional_duty(s, diff):
    """The proportional strategy's duty as a float formula (before this suite's fix)."""
    low = s.prop_min_duty_pct
    raw = low + (100.0 - low) * (diff - s.diff_off_k) / (s.prop_nominal_k - s.diff_off_k)
    return int(raw + 0.5)


def test_the_instrument_sees_the_float_rounding_the_board_would_do():
    """The float formula the proportional strategy used lands on the other side of .5 on
    30-bit floats at several steps of the sweep: the instrument shows what the board would do."""
    s = load({}.get)
    s30 = settings30(load({}.get))
    moved = 0
    for hot, cold in SWEEP:
        if hot is None or not 4.0 <= hot - cold < 10.0:
            continue
        if _old_proportional_duty(s, hot - cold) != _old_proportional_duty(s30, F30(hot) - F30(cold)):
            moved += 1
    assert moved >= 4


def _sweep(strategy):
    a = create(load({"CONTROL_STRATEGY": strategy}.get))
    out = []
    for i, (hot, cold) in enumerate(SWEEP):
        d = a.update(hot, cold, 2 * i)
        out.append((d.duty_pct, d.mode, a.max_diff_uk, d.reason))
    return out


def _protect_sweep():
    s = load({"CONTROL_STRATEGY": "seed"}.get)  # the sweep was made to walk the seed through every rule
    a = create(s)
    p = Protection(s, a)
    out = []
    for i, (hot, cold, panel) in enumerate(PROTECT_SWEEP):
        d = a.update(hot, cold, 2 * i, "" if hot is not None else "collector sensor open circuit")
        p.apply(d, panel)
        out.append((d.duty_pct, d.mode, d.reason, p.failed_starts, tuple(p.active)))
    return out


@pytest.mark.parametrize("strategy", ["seed", "onoff", "proportional", "burst"])
def test_the_algorithm_decides_the_same_on_30_bit_floats(strategy, monkeypatch):
    doubles = _sweep(strategy)
    install(monkeypatch)
    floats30 = _sweep(strategy)
    assert len(doubles) == len(SWEEP) > 300
    assert floats30 == doubles  # duty, mode, max_diff (micro-kelvin) and the reason text, every step
    assert len({d[0] for d in doubles}) > (5 if strategy == "proportional" else 1)


def test_the_protections_decide_the_same_on_30_bit_floats(monkeypatch):
    doubles = _protect_sweep()
    install(monkeypatch)
    floats30 = _protect_sweep()
    assert floats30 == doubles
    assert {d[1] for d in doubles} >= {"no_flow", "emergency", "tank_cutoff", "tank_max", "collector_cooling",
                                       "recool", "frost", "fault", "overheat"}


def test_the_algorithm_tests_pass_on_30_bit_floats():
    """Issue 12's proof: the algorithm's, the strategies' and the protections' own test files,
    run with every setting and reading in 30-bit floats (float30 as a pytest plugin)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    files = ["test_algorithm.py", "test_strategies.py", "test_protect.py"]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "float30", "-p", "no:cacheprovider"]
                         + [str(TESTS / f) for f in files], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


NTC_ENVS = [{}, {"NTC_TABLE_RAW": "250.5,230.25,200,150.75,90,40.5", "NTC_TABLE_START_C": "-10.5",
                 "NTC_TABLE_STEP_C": "12.5", "NTC_SMOOTHING": "0.35"},
            {"NTC_BETA_R25_OHM": "10000", "NTC_BETA_K": "3950", "NTC_SERIES_OHM": "4700", "NTC_SMOOTHING": "0.07"}]


@pytest.mark.parametrize("env", NTC_ENVS, ids=["default", "own table", "beta"])
def test_the_ntc_readings_are_the_same_on_30_bit_floats(env):
    """Table lookup and smoothing in whole mC: every raw value, up and down, smoothed."""
    from controller.sensors import NtcSensor
    from controller.settings import ntc_table

    runs = []
    for as30 in (False, True):
        s = load(env.get)
        if as30:
            settings30(s)
        table, error = ntc_table(s)
        assert error is None
        sensor = NtcSensor("hot", "collector", 1, table, s.ntc_smoothing)
        out = []
        for raw in list(range(256)) + list(range(255, -1, -3)) + [120, 121, 120, 121] * 20:
            sensor.feed_raw(raw)
            out.append((sensor.value_mc, sensor.fault))
        runs.append((list(table.sixteenths), out))
    assert runs[1] == runs[0]
    assert len({v for v, _ in runs[0][1] if v is not None}) > 100
