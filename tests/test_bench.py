"""The fast benchmark path (hwc.sim.direct), the physical bound (hwc.sim.bound) and `hwc bench`."""

import json
import random

import pytest

from hwc import bench, cli
from hwc.sim import bound, direct
from hwc.sim.direct import DirectRun, GreedyRun
from hwc.sim.household import day_draws, mains_temperature_c
from hwc.sim.plant import DrawEvent, Plant, PlantConfig
from hwc.sim.weather import Weather
from hwc.simulate import Simulation

HOUR = 3600.0
FIRMWARE_CONTROLS = ("seed", "onoff", "proportional", "burst")


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


@pytest.mark.parametrize("strategy", ["seed", "burst"])
def test_direct_run_delivers_what_the_firmware_in_the_loop_delivers(strategy):
    env = {"CONTROL_STRATEGY": strategy}
    fw_sim = _firmware_run(9.0, 5.0, env)
    fw = fw_sim.plant.totals
    direct_run = _direct_run(9.0, 5.0, env)
    d = direct_run.plant.totals
    assert fw["heat_to_tank_j"] > 3.6e6  # a real sunny morning: over 1 kWh
    assert d["heat_to_tank_j"] == pytest.approx(fw["heat_to_tank_j"], rel=0.02)
    assert d["pump_on_s"] == pytest.approx(fw["pump_on_s"], rel=0.08)
    assert direct_run.pump_switches == d["pump_starts"]  # every on-edge at the plant
    assert direct_run.errors() == []


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


def test_greedy_rule_pumps_only_when_it_brings_hotter_water_in():
    night = GreedyRun(plant_config=PlantConfig(start_time_s=1 * HOUR, collector_initial_c=10.0))
    assert night.gain_k() < 0
    night.run(600)
    assert night.plant.totals["pump_on_s"] == 0
    day = GreedyRun(plant_config=PlantConfig(start_time_s=9 * HOUR))
    day.run(5 * HOUR)
    assert day.plant.totals["heat_to_tank_j"] > 3.6e6 and day.pump_switches >= 1


# ---- the bound ------------------------------------------------------------------------------
def _bound_case(seed):
    """A random plant start and weather, and a random pump schedule over it: the bound must hold."""
    rng = random.Random(seed)
    theta = rng.uniform(8.0, 25.0)
    cfg = PlantConfig(tank_initial_c=tuple(sorted((rng.uniform(theta, 70.0) for _ in range(10)), reverse=True)),
                      collector_initial_c=rng.uniform(-5.0, 60.0), pipe_initial_c=rng.uniform(-5.0, 50.0),
                      cold_inlet_c=theta + rng.uniform(0.0, 5.0), tank_room_c=max(theta, 20.0),
                      start_time_s=rng.uniform(0, 86400.0),
                      draws=(DrawEvent(rng.uniform(0, 24), rng.uniform(10, 80), 8.0),))
    weather = Weather.clear_sky(36.0, -80.0, day_of_year=rng.randint(1, 365), ambient_min_c=rng.uniform(-10, 20),
                                ambient_max_c=rng.uniform(21, 38))
    plant = Plant(cfg, weather)
    head = bound.head_start_j(plant, theta)
    t0 = cfg.start_time_s
    duration = 6 * HOUR
    while plant.t_s < duration:
        plant.step(min(rng.choice((1.0, 7.0, 60.0, 600.0)), duration - plant.t_s), rng.random() < 0.6)
    return plant.totals["heat_to_tank_j"], bound.collectable_j(cfg, weather, theta, t0, t0 + duration) + head


def test_no_pump_schedule_beats_the_bound():
    for seed in range(12):
        heat, limit = _bound_case(seed)
        assert heat <= limit, seed


def test_the_bound_is_the_collector_at_theta_plus_warm_air_on_the_pipes():
    cfg = PlantConfig()
    sun = Weather.constant(800.0, 20.0)
    col = cfg.collector
    hour = bound.collectable_j(cfg, sun, 20.0, 0.0, HOUR)
    assert hour == pytest.approx(col.area_m2 * col.eta0 * 800.0 * HOUR)  # at ambient: no loss, no gain
    warm_night = Weather.constant(0.0, 30.0)
    gain = bound.collectable_j(cfg, warm_night, 20.0, 0.0, HOUR)
    expect = (col.area_m2 * (col.a1_w_m2k * 10 + col.a2_w_m2k2 * 100) + 2 * cfg.pipe_length_m * cfg.pipe_ua_w_per_mk * 10)
    assert gain == pytest.approx(expect * HOUR)
    assert bound.collectable_j(cfg, Weather.constant(0.0, 5.0), 20.0, 0.0, HOUR) == 0.0
    # theta: the colder of the refill water and the room; outdoors the coldest air
    assert bound.theta_c(cfg, 12.0) == 12.0 and bound.theta_c(cfg, 25.0) == 20.0
    out = PlantConfig(tank_room_c=None)
    assert bound.theta_c(out, 25.0, Weather.constant(0.0, 3.0), 0.0, HOUR) == pytest.approx(3.0)


@pytest.fixture(scope="module")
def summer_bench():
    """Every control, the greedy rule included, at the three locations through their summer week
    and holiday week (the hottest tanks of the year), with the tank carried over."""
    return bench.run_bench(bench.STRATEGIES, bench.LOCATIONS, months=[7], workers=2)


def test_no_control_beats_the_bound_on_any_bench_week(summer_bench):
    assert summer_bench["bound_violations"] == []
    rows = [row for rows in summer_bench["by_segment"].values() for row in rows]
    assert len(rows) == 3 * 3  # warm-up, July, July holiday at each location
    for row in rows:
        for s, r in row["results"].items():
            assert 0 < r["heat_kwh"] < r["bound_kwh"], (row["label"], s)


def test_summer_holiday_exercises_the_hot_tank_rules(summer_bench):
    miami = {row["label"]: row["results"] for row in summer_bench["by_segment"]["miami"]}
    holiday = miami["Jul holiday"]
    for s in FIRMWARE_CONTROLS:
        r = holiday[s]
        assert r["drawn_kwh"] == 0  # the house is empty
        assert r["hot_h"] > 24 and r["max_top_c"] > 65  # the tank hot all week
        assert r["stag_h"] > 1  # the collector stagnated at the tank maximum
        assert r["relief"] == 0  # protections kept the relief valve shut
    assert miami["Jul"]["onoff"]["drawn_kwh"] > 20  # a normal week draws


def test_bench_reports_switchings_starts_and_pump_energy(summer_bench):
    tot = summer_bench["totals"]
    assert tot["onoff"]["switchings"] == tot["onoff"]["starts"]  # full speed: one switching per start
    assert tot["seed"]["switchings"] > 20 * tot["seed"]["starts"]  # the 5 s PWM
    assert tot["burst"]["switchings"] == tot["burst"]["starts"] < tot["seed"]["switchings"]
    for r in tot.values():
        assert r["pump_kwh"] > 0 and r["heat_vs_bound"] < 1


def test_targets_are_judged_per_location_and_season(summer_bench):
    checks = bench.targets(summer_bench, "burst")
    assert {(loc, season) for loc, season, _ in checks} == {(loc, "Jun-Aug") for loc in bench.LOCATIONS}
    for _loc, _season, c in checks:
        assert [text for text, _, _ in c] == ["heat >= on/off", "pump <= 60 % of on/off", "switchings <= seed",
                                            "no relief opening"]


# ---- plans and the household ------------------------------------------------------------------
def test_plan_runs_a_week_per_month_in_order_after_a_warm_up():
    plan = bench.Plan("sand_point", months=[1, 2, 7])
    labels = [seg.label for seg in plan.segments]
    assert labels == ["warm-up", "Jan", "Feb", "Jul", "Jul holiday"]
    days = [seg.days for seg in plan.segments]
    assert days == [2, 7, 7, 7, 7] and plan.days == 30 == plan.weather.days
    starts = [seg.start_day for seg in plan.segments]
    assert starts == [0, 2, 9, 16, 23]  # one after another: the tank carries over
    assert plan.segments[4].doy == plan.segments[3].doy + 7  # the holiday follows the July week
    assert len(plan.config.draw_days) == 30 and plan.config.draw_days[25] == ()
    jan, jul = plan.segments[1], plan.segments[3]
    assert jan.cold_inlet_c < jul.cold_inlet_c < 15  # Alaskan mains water
    assert not plan.segments[0].counted and all(seg.counted for seg in plan.segments[1:])


def test_household_draws_vary_by_day_and_weekday_and_stop_on_holiday():
    week = [day_draws("x", d, (d - 1) % 7) for d in range(1, 8)]
    litres = [sum(e.litres for e in day) for day in week]
    assert 120 < min(litres[:5]) and max(litres[:5]) < 200  # weekdays
    assert min(litres[5:]) > max(litres[:5]) - 30  # weekends: a bath
    assert week[0] != week[1] and day_draws("x", 1, 0) == week[0]  # varied, but repeatable
    assert day_draws("x", 1, 0, holiday=True) == ()


def test_mains_water_follows_the_seasons_half_a_year_apart_in_the_south():
    north = [mains_temperature_c(d, 15.0, 20.0, 40.0) for d in (15, 105, 196, 288)]
    assert north[0] < north[1] < north[2] and north[3] < north[2]
    south = [mains_temperature_c(d, 15.0, 20.0, -35.0) for d in (15, 196)]
    assert south[0] > south[1]
    assert mains_temperature_c(200, -20.0, 5.0) == 1.0  # never below 1 C


# ---- the command ------------------------------------------------------------------------------
def _bench_json(capsys, *args):
    rc = cli.main(["bench", "--json", "--workers", "1", *args])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_bench_json_has_every_table_and_the_timing(capsys):
    b = _bench_json(capsys, "--months", "4", "--locations", "miami", "--strategies", "onoff,burst")
    assert b["strategies"] == ["onoff", "burst"] and b["locations"] == ["miami"]
    assert set(b["by_season"]["miami"]) == {"Mar-May"}
    row = b["by_segment"]["miami"][1]
    assert row["label"] == "Apr" and row["results"]["burst"]["heat_vs_onoff"] > 0
    t = b["timing"]
    for key in ("wall_s", "cpu_s", "runs_s", "weather_s", "load_avg"):
        assert key in t
    assert t["wall_s"] >= t["runs_s"] > 0


def test_bench_settings_reach_the_controllers(capsys):
    a = _bench_json(capsys, "--months", "4", "--locations", "miami", "--strategies", "burst")
    b = _bench_json(capsys, "--months", "4", "--locations", "miami", "--strategies", "burst",
                    "--set", "BURST_ON_K=10.0")
    assert b["totals"]["burst"]["switchings"] > a["totals"]["burst"]["switchings"]


def test_bench_readme_tables_are_rewritten_between_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n%s\nold table\n%s\n\nafter\n" % (bench.README_BEGIN, bench.README_END))
    rc = cli.main(["bench", "--months", "1", "--locations", "miami", "--strategies", "seed,onoff,burst",
                   "--workers", "1", "--readme", str(readme)])
    assert rc == 0
    text = readme.read_text()
    assert "old table" not in text and text.endswith("\n\nafter\n")
    assert "| burst |" in text and "| bound |" in text and "Targets for `burst`" in text
    assert "s wall end to end" in text and "s CPU" in text
    readme.write_text("no markers\n")
    assert cli.main(["bench", "--months", "1", "--strategies", "onoff", "--locations", "miami", "--workers", "1",
                     "--readme", str(readme)]) == 1


def test_bench_takes_a_weather_csv_as_a_location(tmp_path, capsys):
    w = Weather.from_tmy("miami", day_of_year=91, days=10)
    path = tmp_path / "mysite.csv"
    w.to_csv(str(path))
    b = _bench_json(capsys, "--locations", str(path), "--strategies", "onoff")
    rows = b["by_segment"]["mysite"]
    assert [row["label"] for row in rows if row["counted"]] == ["Apr"]  # the month it has
    assert rows[-1]["results"]["onoff"]["days"] == 7
    assert b["plans"]["mysite"]["days"] <= 10  # a warm-up only from days the file has


def test_bench_tables_of_one_control_run_the_baseline_too(tmp_path, capsys):
    w = Weather.from_tmy("miami", day_of_year=91, days=10)
    path = tmp_path / "mysite.csv"
    w.to_csv(str(path))
    assert cli.main(["bench", "--locations", str(path), "--strategies", "burst", "--workers", "1"]) == 0
    out = capsys.readouterr()
    assert "onoff runs too" in out.err
    assert "| onoff |" in out.out and "| burst |" in out.out and "burst heat / pump vs on/off" in out.out


@pytest.mark.parametrize("args", [["--months", "13"], ["--strategies", "bangbang"], ["--set", "MIN_DIFF_K"],
                                  ["--set", "NO_SUCH_KEY=1"], ["--set", "MIN_DIFF_K=-3"],
                                  ["--locations", "atlantis"], ["--workers", "0"]])
def test_bench_rejects_bad_options(args, capsys):
    assert cli.main(["bench", *args]) == 2
    assert "hwc bench:" in capsys.readouterr().err


def test_tune_runs_the_burst_control_with_each_grid_point_beside_the_references():
    out = bench.tune(["miami"], [4], grid=({}, {"BURST_ON_K": "14.0"}), workers=1)
    assert [env for env, _ in out] == [{}, {"BURST_ON_K": "14.0"}]
    (_, a), (_, b) = out
    for res in (a, b):
        assert set(res["totals"]) == {"seed", "onoff", "burst"}
        assert res["totals"]["onoff"]["heat_kwh"] == pytest.approx(a["totals"]["onoff"]["heat_kwh"])
        assert bench.targets(res)  # judged per season
    assert b["totals"]["burst"]["switchings"] > a["totals"]["burst"]["switchings"]  # a lower threshold


def test_tune_grid_is_the_one_the_readme_describes():
    import pathlib

    text = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    for env in bench.TUNE_GRID:
        for key, value in env.items():
            assert "`%s = \"%s\"`" % (key, value) in text or "%s=%s" % (key, value) in text


def _simulate_json(capsys, *args):
    rc = cli.main(["simulate", "--json", "--no-plot", *args])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_simulate_strategy_option_reaches_the_firmware_and_the_greedy_rule_runs_alone(capsys, tmp_path):
    from hwc.simulate import SUMMARY_KEYS

    onoff = _simulate_json(capsys, "--strategy", "onoff", "--days", "0.6", "--probes", "0")
    assert onoff["pump_starts"] == onoff["pump_starts_plant"]  # on/off: one PWM start per firmware start
    burst_ = _simulate_json(capsys, "--strategy", "burst", "--days", "0.6", "--probes", "0")
    assert burst_["pump_starts"] == burst_["pump_starts_plant"] and burst_["heat_to_tank_kwh"] > 1.0
    greedy = _simulate_json(capsys, "--strategy", "greedy", "--days", "0.6")
    assert set(SUMMARY_KEYS) <= set(greedy)
    assert greedy["energy_balance_error"] < 1e-6
    plot = tmp_path / "greedy.png"
    assert cli.main(["simulate", "--strategy", "greedy", "--days", "0.2", "--plot", str(plot)]) == 0
    assert plot.read_bytes().startswith(b"\x89PNG")
    capsys.readouterr()
    assert cli.main(["simulate", "--strategy", "greedy", "--fault", "hot:open:1:2", "--no-plot"]) == 2
    assert "greedy reads the plant" in capsys.readouterr().err
