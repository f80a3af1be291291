"""hwc replay: a trace through the device's algorithm, one row per control cycle."""

import csv
import io
import pathlib

import pytest

from controller.algorithm import PumpAlgorithm
from controller.settings import load
from hwc.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]


def replay(tmp_path, capsys, text, *extra):
    trace = tmp_path / "trace.csv"
    trace.write_text(text)
    code = main(["replay", str(trace), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_replay_matches_the_algorithm_cycle_by_cycle(tmp_path, capsys):
    text = "t_s,hot_c,cold_c,ambient\n0,20,20,5\n5,30,20,5\n11,26,20,5\n17,22,20,5\n"
    seed = tmp_path / "seed.toml"
    seed.write_text('CONTROL_STRATEGY = "seed"\n')  # compared with the seed's algorithm below
    code, out, err = replay(tmp_path, capsys, text, "--settings", str(seed))
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["t_s"] for r in rows] == [str(t) for t in range(0, 18, 2)]  # every 2 s
    algo = PumpAlgorithm(load(lambda k: None))
    held = {0: (20, 20), 2: (20, 20), 4: (20, 20), 6: (30, 20), 8: (30, 20), 10: (30, 20),
            12: (26, 20), 14: (26, 20), 16: (26, 20)}
    for row in rows:
        t = int(row["t_s"])
        d = algo.update(*held[t], t)
        assert (int(row["duty_pct"]), row["mode"], float(row["max_diff"])) == (
            d.duty_pct, d.mode, pytest.approx(d.max_diff_k, abs=0.001))
    assert [r["mode"] for r in rows][3:6] == ["running"] * 3


def test_replay_uses_settings_file(tmp_path, capsys):
    settings = tmp_path / "settings.toml"
    settings.write_text('MAX_DIFF_START_K = "12.0"\nCONTROL_PERIOD_S = 5\n')
    code, out, _ = replay(tmp_path, capsys, "t_s,hot_c,cold_c\n0,30,20\n10,30,20\n", "--settings", str(settings))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["t_s"] for r in rows] == ["0", "5", "10"]
    assert {r["mode"] for r in rows} == {"idle"}  # 10 K is not above 12 K


def test_replay_empty_value_is_a_fault(tmp_path, capsys):
    code, out, _ = replay(tmp_path, capsys, "t_s,hot_c,cold_c\n0,40,20\n2,,20\n")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["mode"] for r in rows] == ["running", "fault"]
    assert rows[1]["duty_pct"] == "0"


@pytest.mark.parametrize("text,message", [
    ("", "the trace is empty"),
    ("time,hot\n1,2\n", "missing column(s) t_s, hot_c, cold_c"),
    ("t_s,hot_c,cold_c\n", "a header but no rows"),
    ("t_s,hot_c,cold_c\n0,20,20\n2,abc,20\n", "line 3: hot_c = 'abc' is not a number"),
    ("t_s,hot_c,cold_c\n0,20,20\n0,20,20\n", "line 3: t_s 0 is not after"),
    ("t_s,hot_c,cold_c\n0,inf,20\n", "not a finite number"),
])
def test_bad_traces_give_a_clear_message_and_exit_2(tmp_path, capsys, text, message):
    code, out, err = replay(tmp_path, capsys, text)
    assert code == 2 and out == ""
    assert message in err


def test_bad_settings_are_reported_but_replay_runs(tmp_path, capsys):
    settings = tmp_path / "settings.toml"
    settings.write_text('MIN_DIFF_K = "lots"\n')
    code, out, err = replay(tmp_path, capsys, "t_s,hot_c,cold_c\n0,30,20\n", "--settings", str(settings))
    assert code == 0 and "settings: MIN_DIFF_K = 'lots'" in err


def test_missing_files(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "nope.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    code, _, err = replay(tmp_path, capsys, "t_s,hot_c,cold_c\n0,1,1\n", "--settings", str(tmp_path / "x.toml"))
    assert code == 2 and "settings file" in err


def test_bundled_example_trace_replays_through_every_phase(capsys, tmp_path):
    seed = tmp_path / "seed.toml"
    seed.write_text('CONTROL_STRATEGY = "seed"\n')  # the seed's phases, purge included
    assert main(["replay", str(ROOT / "examples" / "trace.csv"), "--settings", str(seed)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    modes = {r["mode"] for r in rows}
    assert {"idle", "running", "purge"} <= modes
    assert len(rows) == 86390 // 2 + 1


def test_replay_runs_the_strategy_and_the_protections_with_probe_columns(tmp_path, capsys):
    # a stalled pump: the collector keeps heating while the pump runs -> no-flow stop
    rows = ["t_s,hot_c,cold_c"] + ["%d,%.2f,30" % (t, 50 + t * 0.01) for t in range(0, 320, 2)]
    code, out, _ = replay(tmp_path, capsys, "\n".join(rows) + "\n")
    assert code == 0 and out.strip().splitlines()[-1].split(",")[2] == "no_flow"
    # the same trace with the tank inlet warming (ThingsBoard's tank_inlet_c key): flow, no stop
    rows = ["t_s,hot_c,cold_c,tank_inlet_c"] + ["%d,%.2f,30,%.1f" % (t, 50 + t * 0.01, 30 + t * 0.05)
                                                for t in range(0, 320, 2)]
    code, out, _ = replay(tmp_path, capsys, "\n".join(rows) + "\n")
    assert code == 0 and {line.split(",")[2] for line in out.strip().splitlines()[1:]} == {"running"}
    # the tank cut-off, and the configured strategy
    code, out, _ = replay(tmp_path, capsys, "t_s,hot_c,cold_c\n0,60,96\n")
    assert out.strip().splitlines()[-1].split(",")[1:3] == ["0", "tank_cutoff"]
    settings = tmp_path / "s.toml"
    settings.write_text('CONTROL_STRATEGY = "onoff"\n')
    code, out, _ = replay(tmp_path, capsys, "t_s,hot_c,cold_c\n0,37,30\n", "--settings", str(settings))
    assert out.strip().splitlines()[-1].split(",")[1:3] == ["100", "running"]  # 7 K >= DIFF_ON_K 6 K
