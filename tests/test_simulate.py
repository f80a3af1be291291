"""hwc simulate: the real firmware (hwc.rig) driving the simulated plant (hwc.sim)."""

import json

import pytest

from hwc import cli
from hwc.sim.plant import PlantConfig
from hwc.sim.sensors import FaultScript
from hwc.simulate import SUMMARY_KEYS, Simulation, format_summary

HOUR = 3600.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def default_day(tmp_path_factory):
    """`hwc simulate --json --plot FILE`: the embedded default, one day."""
    tmp = tmp_path_factory.mktemp("sim")
    plot = tmp / "day.png"
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(["simulate", "--json", "--plot", str(plot)])
    return rc, out.getvalue(), err.getvalue(), plot


def test_default_day_runs(default_day):
    rc, out, err, plot = default_day
    assert rc == 0, err
    summary = json.loads(out)  # one JSON object, nothing else on stdout
    assert out.count("\n") == 1
    for key in SUMMARY_KEYS:
        assert key in summary, key
    assert summary["days"] == pytest.approx(1.0)
    assert summary["heat_to_tank_kwh"] > 1.0
    assert summary["pump_hours"] > 2.0
    assert summary["pump_starts"] >= 1
    assert summary["pump_starts_plant"] >= summary["pump_starts"]
    assert summary["pump_energy_kwh"] > 0
    assert summary["max_tank_c"] > summary["tank_top_initial_c"]  # the tank got warmer
    assert summary["max_collector_c"] > 40
    assert summary["mode_share"].get("running", 0) > 0.1
    assert sum(summary["mode_share"].values()) == pytest.approx(1.0, abs=1e-3)
    assert summary["energy_balance_error"] < 1e-6
    assert summary["speed"] > 100
    assert "heat delivered" in format_summary(summary)
    data = plot.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 20_000


def _run(start_h, hours, faults=None):
    sim = Simulation({"CONTROL_STRATEGY": "seed"}, weather=None, plant_config=PlantConfig(start_time_s=start_h * HOUR),
                     faults=faults, probes=0)
    sim.start()
    try:
        sim.run_for(hours * HOUR)
    finally:
        sim.stop()
    return sim


def test_firmware_decides_what_the_algorithm_decides():
    from controller.algorithm import PumpAlgorithm

    sim = _run(6.5, 2.0)  # morning: idle -> (purge) -> running, on/off cycling
    cycles = sim.cycles
    assert len(cycles) > 2 * HOUR / sim.rig.settings.control_period_s - 5
    modes = {c[5] for c in cycles}
    assert {"idle", "running"} <= modes
    algo = PumpAlgorithm(sim.rig.settings)
    for now_s, hot, cold, fault, duty, mode, max_diff, _reason, _t in cycles:
        d = algo.update(hot, cold, now_s, fault)
        assert (d.duty_pct, d.mode, d.max_diff_k) == (duty, mode, max_diff), now_s
    assert sim.plant.totals["heat_to_tank_j"] > 0


def test_hot_sensor_open_at_midday_faults_then_recovers():
    start, end = 3600.0, 4200.0  # 12:00 .. 12:10 of the plant clock (started at 11:00)
    sim = _run(11.0, 1.75, faults=FaultScript([(start, end, "hot", "open")]))
    cycles = sim.cycles
    before = [c for c in cycles if start - 600 <= c[8] < start]
    during = [c for c in cycles if start + 10 <= c[8] < end]
    after = [c for c in cycles if c[8] >= end + 600]
    assert before and during and after
    assert all(c[5] == "running" and c[4] > 0 for c in before)
    assert all(c[5] == "fault" and c[4] == 0 for c in during)
    assert all("collector" in c[7] for c in during)
    assert all(c[5] == "running" and c[4] > 0 for c in after)
    # the pump output is off throughout the fault (after the firmware has seen it)
    assert sim.rig.on_fraction(start + 10, end) == 0.0
    assert sim.rig.on_fraction(end + 600, end + 1200) > 0.2
    assert sim.rig.logged("collector sensor fault")
    assert sim.rig.logged("collector sensor reads again")


def test_bad_weather_file(tmp_path, capsys):
    bad = tmp_path / "weather.csv"
    bad.write_text("timestamp,poa_w_m2\n2024-06-21T00:00:00,nope\n")
    assert cli.main(["simulate", "--weather", str(bad), "--no-plot"]) == 2
    err = capsys.readouterr().err
    assert "weather" in err and str(bad) in err
    assert cli.main(["simulate", "--weather", str(tmp_path / "missing.csv"), "--no-plot"]) == 2
    assert "not found" in capsys.readouterr().err


def test_bad_settings_file(tmp_path, capsys):
    assert cli.main(["simulate", "--settings", str(tmp_path / "nope.toml"), "--no-plot"]) == 2
    assert "settings file" in capsys.readouterr().err
    bad = tmp_path / "settings.toml"
    bad.write_text('CONTROL_PERIOD_S = "fast"\n')
    assert cli.main(["simulate", "--settings", str(bad), "--no-plot"]) == 2
    assert "CONTROL_PERIOD_S" in capsys.readouterr().err


def test_probe_faults_reach_the_firmware():
    # a CRC error on the ambient probe, a missing tank_inlet probe: both only while scripted
    sim = Simulation(probes=2, faults=[(100, 200, "ambient", "crc"),
                                       (100, 200, "tank_inlet", "missing")])
    sim.start()
    try:
        sim.run_for(150)
        ambient, inlet = sim.ctl.probes[:2]
        assert (ambient.name, inlet.name) == ("ambient", "tank_inlet")
        assert "crc" in ambient.fault.lower() and inlet.fault == "missing"
        sim.run_for(100)
        assert ambient.fault is None and inlet.fault is None
        assert ambient.value_c == pytest.approx(sim.plant.ambient_c, abs=0.1)
    finally:
        sim.stop()


def test_fault_option(capsys):
    from hwc.simulate import SimulationError, parse_faults

    assert parse_faults(["hot:open:12:12.5"]) == [(43200.0, 45000.0, "hot", "open")]
    for bad in ("hot:open:12", "hot:melted:1:2", "hot:open:2:1", "hot:open:x:2"):
        with pytest.raises(SimulationError):
            parse_faults([bad])
    assert cli.main(["simulate", "--fault", "nosuch:open:1:2", "--no-plot"]) == 2
    assert "nosuch" in capsys.readouterr().err


def test_plain_run_names_its_firmware_warnings_and_keeps_the_checkout_clean(tmp_path, monkeypatch, capsys):
    """`./run` is `hwc simulate`: its plot goes to out/ (git ignores /out/), and every firmware
    warning or error the summary counts is printed by name."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["simulate", "--days", "0.02"]) == 0
    out, err = capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "simulation.png").read_bytes().startswith(PNG_MAGIC)
    assert "plot: out/simulation.png" in out
    listed = [line for line in err.splitlines() if line.startswith("firmware: ")]
    assert listed and all(" WARN " in line or " ERROR " in line for line in listed)
    assert "(%d firmware warning" % len(listed) in out and "listed above as 'firmware: ...'" in out
