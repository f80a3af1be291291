"""The fast benchmark path (hwc.sim.direct) and `hwc bench`."""

import json

import pytest

from hwc import bench, cli
from hwc.sim import direct
from hwc.sim.direct import DirectRun, GreedyRun
from hwc.sim.plant import PlantConfig
from hwc.simulate import Simulation

HOUR = 3600.0


def _firmware_run(start_h, hours, env=None):
    sim = Simulation(env, plant_config=PlantConfig(start_time_s=start_h * HOUR), probes=0, record_cycles=False)
    sim.start()
    try:
        sim.run_for(hours * HOUR)
    finally:
        sim.stop()
    return sim


def _direct_run(start_h, hours, env=None):
    run = DirectRun(env, plant_config=PlantConfig(start_time_s=start_h * HOUR))
    run.run(hours * HOUR)
    return run


@pytest.mark.parametrize("strategy", ["seed", "proportional"])
def test_direct_run_delivers_what_the_firmware_in_the_loop_delivers(strategy):
    env = {"CONTROL_STRATEGY": strategy}
    fw = _firmware_run(9.0, 5.0, env).plant.totals
    direct = _direct_run(9.0, 5.0, env)
    d = direct.plant.totals
    assert fw["heat_to_tank_j"] > 3.6e6  # a real sunny morning: over 1 kWh
    assert d["heat_to_tank_j"] == pytest.approx(fw["heat_to_tank_j"], rel=0.03)
    assert d["pump_on_s"] == pytest.approx(fw["pump_on_s"], rel=0.08)
    assert direct.errors() == []


def test_direct_run_uses_the_device_controller_and_its_strategy():
    run = _direct_run(11.0, 1.0, {"CONTROL_STRATEGY": "onoff"})
    assert type(run.ctl.algorithm).__name__ == "OnOff"
    # every CONTROL_PERIOD_S, but once per calm stride
    active_s = HOUR - run.calm_s
    assert run.ctl.control_cycles == pytest.approx(active_s / 2 + run.calm_s / direct.CALM_DAY_S, abs=3)
    assert run.ctl.readings == pytest.approx(HOUR / 2, abs=3)  # a stride gets its readings
    assert run.ctl.pump_starts >= 1 and run.pump_switches >= 1


def test_calm_nights_slow_the_cadence_without_a_stale_decision():
    run = _direct_run(0.0, 4.0)  # midnight to 4 am: no sun, nothing to do
    assert run.calm_s > 3 * HOUR
    assert run.ctl.control_cycles < 4 * HOUR / 10  # 30 s strides instead of 2 s
    assert run.errors() == []  # never a stale decision
    assert run.plant.totals["pump_on_s"] == 0


def test_direct_run_rejects_bad_settings():
    with pytest.raises(ValueError, match="MIN_DIFF_K"):
        DirectRun({"MIN_DIFF_K": "lots"})


def test_oracle_pumps_only_when_it_brings_hotter_water_in_and_bounds_the_controllers():
    night = GreedyRun(plant_config=PlantConfig(start_time_s=1 * HOUR, collector_initial_c=10.0))
    assert night.gain_k() < 0
    night.run(600)
    assert night.plant.totals["pump_on_s"] == 0
    oracle = GreedyRun(plant_config=PlantConfig(start_time_s=9 * HOUR))
    oracle.run(5 * HOUR)
    heat = oracle.plant.totals["heat_to_tank_j"]
    for strategy in ("seed", "onoff", "proportional"):
        assert _direct_run(9.0, 5.0, {"CONTROL_STRATEGY": strategy}).plant.totals["heat_to_tank_j"] < heat


def _bench_json(capsys, *args):
    rc = cli.main(["bench", "--json", *args])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_bench_prints_every_strategy_with_ratios_to_baseline_and_bound(capsys):
    b = _bench_json(capsys, "--months", "7", "--locations", "greensboro")
    res = b["results"]
    assert list(res) == ["seed", "onoff", "proportional", "oracle"]
    for s, r in res.items():
        assert r["days"] == 1 and r["heat_kwh"] > 1.0 and r["speed"] > 1000
        if s != "onoff":
            assert r["heat_vs_onoff"] == pytest.approx(r["heat_kwh"] / res["onoff"]["heat_kwh"])
            assert r["pump_vs_onoff"] == pytest.approx(r["pump_kwh"] / res["onoff"]["pump_kwh"])
        if s != "oracle":
            assert r["heat_vs_oracle"] < 1.0
    assert b["days"][0]["location"] == "greensboro" and b["days"][0]["month"] == 7
    checks = bench.verdict(b)
    assert [text for text, _, _ in checks][0].startswith("heat >= 97 %")
    assert all(isinstance(ok, bool) for _, ok, _ in checks)


def test_bench_settings_reach_the_controllers(capsys):
    a = _bench_json(capsys, "--months", "7", "--locations", "greensboro", "--strategies", "seed")
    b = _bench_json(capsys, "--months", "7", "--locations", "greensboro", "--strategies", "seed",
                    "--set", "MIN_DIFF_K=7.0")
    assert b["results"]["seed"]["pump_kwh"] < a["results"]["seed"]["pump_kwh"]


def test_bench_readme_table_is_rewritten_between_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n%s\nold table\n%s\n\nafter\n" % (bench.README_BEGIN, bench.README_END))
    rc = cli.main(["bench", "--months", "1", "--locations", "sand_point", "--readme", str(readme)])
    assert rc == 0
    text = readme.read_text()
    assert "old table" not in text and text.endswith("\n\nafter\n")
    assert "| seed |" in text and "| oracle |" in text and "Targets for the default" in text
    readme.write_text("no markers\n")
    assert cli.main(["bench", "--months", "1", "--strategies", "onoff", "--locations", "sand_point",
                     "--readme", str(readme)]) == 1


@pytest.mark.parametrize("args", [["--months", "13"], ["--strategies", "bangbang"], ["--set", "MIN_DIFF_K"],
                                  ["--set", "NO_SUCH_KEY=1"], ["--set", "MIN_DIFF_K=-3"],
                                  ["--locations", "atlantis"]])
def test_bench_rejects_bad_options(args, capsys):
    assert cli.main(["bench", *args]) == 2
    assert "hwc bench:" in capsys.readouterr().err


def _simulate_json(capsys, *args):
    rc = cli.main(["simulate", "--json", "--no-plot", *args])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_simulate_strategy_option_reaches_the_firmware_and_the_oracle_runs_alone(capsys, tmp_path):
    from hwc.simulate import SUMMARY_KEYS

    onoff = _simulate_json(capsys, "--strategy", "onoff", "--days", "0.6", "--probes", "0")
    assert onoff["pump_starts"] == onoff["pump_starts_plant"]  # on/off: one PWM start per firmware start
    oracle = _simulate_json(capsys, "--strategy", "oracle", "--days", "0.6")
    assert set(SUMMARY_KEYS) <= set(oracle)
    assert oracle["heat_to_tank_kwh"] > onoff["heat_to_tank_kwh"]
    assert oracle["energy_balance_error"] < 1e-6
    plot = tmp_path / "oracle.png"
    assert cli.main(["simulate", "--strategy", "oracle", "--days", "0.2", "--plot", str(plot)]) == 0
    assert plot.read_bytes().startswith(b"\x89PNG")
    capsys.readouterr()
    assert cli.main(["simulate", "--strategy", "oracle", "--fault", "hot:open:1:2", "--no-plot"]) == 2
    assert "oracle reads the plant" in capsys.readouterr().err


def test_bench_runs_without_frost_circulation_and_reports_its_cost(capsys):
    b = _bench_json(capsys, "--months", "1", "--locations", "sand_point", "--strategies", "seed,onoff")
    f = b["frost"]
    # a January night at Sand Point: circulation costs tank heat and pump starts
    assert f["heat_kwh"] > 0.1 and f["starts"] > 10 and f["share"] > 0  # (more than that day collects)
    assert "Frost protection (on by default on the board" in bench.table_markdown(b)
    b = _bench_json(capsys, "--months", "1", "--locations", "sand_point", "--strategies", "seed",
                    "--set", "FROST_ON=1")
    assert "frost" not in b  # asked for explicitly: no second run
