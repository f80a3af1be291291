"""Tests of the host-side plant simulator: hwc.sim.plant, hwc.sim.weather, hwc.sim.sensors."""

import sys
import time

import pytest

import ntc_table
from hwc.sim import (EVACUATED_TUBE, FLAT_PLATE, FaultScript, Plant, PlantConfig, Sensors,
                     Weather, WeatherError, representative_days)

DAY_S = 86400.0


def differential_controller(on_k=6.0, off_k=3.0):
    """Pump on when collector outlet - tank bottom > on_k, off below off_k."""
    state = {"on": False}

    def decide(plant):
        d = plant.panel_outlet_c - plant.tank_bottom_c
        if d > on_k:
            state["on"] = True
        elif d < off_k:
            state["on"] = False
        return state["on"]

    return decide


def run_day(plant, step_s=0.5, decide_every_s=2.0, controller=None):
    controller = controller or differential_controller()
    per = max(1, int(round(decide_every_s / step_s)))
    on = False
    for i in range(int(DAY_S / step_s)):
        if i % per == 0:
            on = controller(plant)
        plant.step(step_s, on)


# ---- plant ----------------------------------------------------------------------------------

def test_sunny_day_energy_balance_and_heating():
    plant = Plant(PlantConfig(), Weather.default())
    e0 = plant.stored_energy_j()
    mean0 = plant.tank_mean_c
    t0 = time.perf_counter()
    run_day(plant, step_s=0.5)
    wall = time.perf_counter() - t0
    tot = plant.totals
    assert plant.t_s == pytest.approx(DAY_S)
    assert plant.energy_balance_error() < 0.01
    assert plant.energy_balance_error() < 1e-9  # conservative by construction
    balance = (tot["stored_change_j"] + tot["collector_loss_j"] + tot["pipe_loss_j"]
               + tot["tank_loss_j"] + tot["drawn_j"] + tot["relief_j"])
    assert balance == pytest.approx(tot["absorbed_j"], rel=0.01)
    assert tot["stored_change_j"] == pytest.approx(plant.stored_energy_j() - e0)
    assert tot["heat_to_tank_j"] > 0
    assert 0.3 < tot["heat_to_tank_j"] / tot["absorbed_j"] < 0.95
    assert tot["drawn_litres"] == pytest.approx(180.0)
    assert tot["pump_starts"] >= 1
    assert tot["pump_energy_j"] == pytest.approx(20.0 * tot["pump_on_s"])
    assert plant.tank_top_c > 40.0 + 5.0
    assert plant.tank_mean_c > mean0
    assert tot["relief_openings"] == 0
    assert wall < 10.0, "a simulated day took %.1f s" % wall


def test_energy_balance_with_large_caller_steps():
    # dt = 5 s is sub-stepped internally; results agree with 1 s steps.
    results = []
    for step in (1.0, 5.0):
        plant = Plant(PlantConfig(), Weather.default())
        run_day(plant, step_s=step, decide_every_s=step)
        assert plant.energy_balance_error() < 1e-9
        results.append(plant.totals["heat_to_tank_j"])
    assert results[1] == pytest.approx(results[0], rel=0.03)


@pytest.mark.parametrize("collector", [FLAT_PLATE, EVACUATED_TUBE])
def test_stagnation_temperature(collector):
    g, ta = 1000.0, 30.0
    plant = Plant(PlantConfig(collector=collector, draws=()), Weather.constant(g, ta))
    dtk = collector.stagnation_c(g, ta) - ta
    # the analytic eta = 0 point
    assert collector.eta0 * g == pytest.approx(collector.a1_w_m2k * dtk
                                               + collector.a2_w_m2k2 * dtk * dtk)
    for _ in range(6 * 3600):
        plant.step(1.0, False)
    assert abs(plant.collector_c - (ta + dtk)) < 2.0
    assert abs(plant.panel_outlet_c - (ta + dtk)) < 2.0
    assert plant.totals["pump_starts"] == 0
    assert plant.energy_balance_error() < 1e-9


def test_collector_time_constant():
    # Part way there after 10 minutes: the capacity slows it down.
    plant = Plant(PlantConfig(draws=()), Weather.constant(1000.0, 30.0))
    for _ in range(600):
        plant.step(1.0, False)
    stag = FLAT_PLATE.stagnation_c(1000.0, 30.0)
    assert 50.0 < plant.collector_c < stag - 10.0


def test_pipe_transport_delay():
    cfg = PlantConfig(collector_initial_c=80.0, pipe_initial_c=20.0, tank_initial_c=20.0,
                      draws=())
    plant = Plant(cfg, Weather.constant(0.0, 20.0))
    volume_l = cfg.pipe_length_m * cfg.pipe_volume_l_per_m
    delay = volume_l / (cfg.pump_flow_l_min / 60.0)  # 1.3 L at 3 L/min: 26 s
    crossed = None
    while plant.t_s < 3 * delay:
        plant.step(0.5, True)
        if crossed is None and plant.tank_inlet_c > 50.0:  # half-way of the 20 -> 80 step
            crossed = plant.t_s
    assert plant.tank_inlet_c > 60.0
    assert crossed is not None
    assert crossed == pytest.approx(delay, rel=0.2)
    # ... and with the wall's heat capacity included, matches the plant's own estimate.
    assert crossed == pytest.approx(plant.pipe_delay_s, rel=0.1)
    # Before arrival the tank end of the pipe has not moved.
    plant2 = Plant(cfg, Weather.constant(0.0, 20.0))
    for _ in range(int(0.5 * delay / 0.5)):
        plant2.step(0.5, True)
    assert plant2.tank_inlet_c < 21.0


def test_static_pipes_lose_heat():
    cfg = PlantConfig(pipe_initial_c=60.0, collector_initial_c=60.0, tank_initial_c=60.0,
                      draws=())
    plant = Plant(cfg, Weather.constant(0.0, 0.0))
    for _ in range(600):
        plant.step(2.0, False)
    pipe = plant.return_pipe_c + plant.flow_pipe_c
    assert max(pipe) - min(pipe) < 1e-9  # static: every segment cools alike
    assert plant.tank_inlet_c < 60.0 - 5.0
    assert plant.totals["pipe_loss_j"] > 0
    assert plant.energy_balance_error() < 1e-9


def test_relief_valve_opens():
    plant = Plant(PlantConfig(tank_initial_c=94.0, draws=()), Weather.constant(1000.0, 30.0))
    for _ in range(4 * 3600):
        plant.step(1.0, True)
        if plant.totals["relief_openings"]:
            break
    tot = plant.totals
    assert tot["relief_openings"] == 1
    assert tot["max_tank_c"] >= 95.0
    for _ in range(1800):
        plant.step(1.0, True)
    tot = plant.totals
    assert tot["relief_openings"] >= 1
    assert tot["relief_litres"] > 0
    assert tot["relief_j"] > 0
    assert not plant.relief_open
    assert plant.tank_top_c <= 95.0
    assert plant.energy_balance_error() < 1e-9


def test_night_circulation_cools_tank():
    cfg = PlantConfig(tank_initial_c=70.0, collector_initial_c=5.0, pipe_initial_c=5.0,
                      draws=())
    plant = Plant(cfg, Weather.constant(0.0, 5.0))
    mean0 = plant.tank_mean_c
    for _ in range(4 * 3600):
        plant.step(1.0, True)
    assert plant.tank_mean_c < mean0 - 3.0
    tot = plant.totals
    assert tot["absorbed_j"] == 0.0
    assert tot["collector_loss_j"] > 0
    assert plant.energy_balance_error() < 1e-9


def test_collector_freezes_on_frosty_night():
    plant = Plant(PlantConfig(draws=(), collector_initial_c=10.0),
                  Weather.constant(0.0, -10.0))
    for _ in range(3 * 3600):
        plant.step(2.0, False)
    assert plant.panel_outlet_c < 0.0
    assert plant.totals["min_collector_c"] < 0.0
    assert plant.totals["min_pipe_c"] < 0.0
    assert plant.tank_top_c > 35.0  # indoors


def test_draw_off_takes_hot_from_top_and_counts():
    cfg = PlantConfig(tank_initial_c=60.0, cold_inlet_c=10.0)
    plant = Plant(cfg, Weather.constant(0.0, 20.0))
    while plant.t_s < 8 * 3600:
        plant.step(1.0, False)
    tot = plant.totals
    assert tot["drawn_litres"] == pytest.approx(100.0)
    # 100 L from the top, which has cooled from 60 C by ~1.6 K of standby loss by 07:00,
    # above a 10 C inlet
    assert 100 * 4186 * (57.0 - 10.0) < tot["drawn_j"] < 100 * 4186 * (60.0 - 10.0)
    assert plant.tank_bottom_c < 30.0
    assert plant.tank_top_c > 55.0
    nodes = plant.tank_nodes_c
    assert all(nodes[i] >= nodes[i + 1] for i in range(len(nodes) - 1))
    assert plant.energy_balance_error() < 1e-9


def test_pump_counters():
    plant = Plant(PlantConfig(draws=()), Weather.constant(0.0, 20.0))
    for k in range(10):  # 5 s on / 5 s off PWM
        plant.step(5.0, True)
        plant.step(5.0, False)
    tot = plant.totals
    assert tot["pump_starts"] == 10
    assert tot["pump_on_s"] == pytest.approx(50.0)
    assert tot["pump_energy_j"] == pytest.approx(1000.0)


def test_inverted_initial_tank_is_mixed():
    plant = Plant(PlantConfig(tank_initial_c=tuple([20.0] * 5 + [60.0] * 5), draws=()),
                  Weather.constant(0.0, 20.0))
    assert plant.tank_nodes_c == pytest.approx([40.0] * 10)


# ---- weather --------------------------------------------------------------------------------

def test_tmy_sunny_june_noon_plausible():
    w = Weather.from_tmy("greensboro", month=6)
    noon = w.solar_noon_s(0)
    assert 11.5 * 3600 < noon < 13.0 * 3600
    assert 600.0 <= w.poa(noon) <= 1100.0
    assert w.poa(2 * 3600) == 0.0
    assert 10.0 < w.ambient(noon) < 40.0
    assert w.latitude == pytest.approx(36.1)
    assert w.meta["tilt"] == pytest.approx(36.1)
    # wraps around: the day repeats
    assert w.at(noon + DAY_S) == pytest.approx(w.at(noon))


def test_tmy_cold_location_and_multiday():
    w = Weather.from_tmy("sand_point", month=1, days=3)
    assert w.days == 3
    assert w.daily_poa_kwh_m2() < 3.0
    assert min(w.ambient(t * 3600.0) for t in range(72)) < 5.0


def test_representative_days():
    days = representative_days("greensboro")
    assert len(days) == 12
    assert days == sorted(days)
    assert representative_days("greensboro", method="15th")[5] == 166


def test_clear_sky():
    w = Weather.clear_sky(36.1, -79.95, day_of_year=172, ambient_min_c=15, ambient_max_c=28)
    noon = w.solar_noon_s()
    assert abs(noon - 12 * 3600) < 15 * 60  # mean solar time
    assert 850.0 < w.poa(noon) < 1100.0
    assert w.ambient(15 * 3600) == pytest.approx(28.0)
    assert w.ambient(3 * 3600) == pytest.approx(15.0)


def test_default_day_needs_no_pvlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "pvlib", None)  # any import of pvlib now fails
    w = Weather.default()
    assert w.days == 1
    assert 6.0 < w.daily_poa_kwh_m2() < 8.0
    assert w.poa(w.solar_noon_s()) > 800.0
    plant = Plant(PlantConfig(), w)
    plant.step(1.0, False)


def test_csv_poa_and_ghi(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("timestamp,poa_w_m2,ambient_c\n"
                 "2024-06-21T00:00:00,0,15\n"
                 "2024-06-21T12:00:00,900,25\n"
                 "2024-06-21T18:00:00,100,22\n")
    w = Weather.from_csv(str(p))
    assert w.poa(6 * 3600) == pytest.approx(450.0)
    assert w.ambient(12 * 3600) == pytest.approx(25.0)
    assert w.meta["first_day_of_year"] == 173
    q = tmp_path / "g.csv"
    q.write_text("# latitude: 36.1\n# longitude: -79.95\n"
                 "timestamp,ghi_w_m2,ambient_c\n"
                 + "".join("2024-06-21T%02d:00:00-05:00,%d,20\n"
                           % (h, max(0, 950 * (1 - ((h - 12.3) / 7.0) ** 2))) for h in range(24)))
    g = Weather.from_csv(str(q))
    assert g.meta["utc_offset_h"] == -5.0
    assert 700 < g.poa(g.solar_noon_s()) < 1100


@pytest.mark.parametrize("text, where", [
    ("timestamp,poa_w_m2,ambient_c\n2024-06-21T00:00:00,0,15\n2024-06-21T01:00:00,abc,15\n",
     "line 3: column 'poa_w_m2'"),
    ("timestamp,poa_w_m2,ambient_c\n2024-06-21T00:00:00,0,15\nyesterday,0,15\n",
     "line 3: column 'timestamp'"),
    ("# c\ntimestamp,poa_w_m2,ambient_c\n2024-06-21T01:00:00,0,15\n2024-06-21T00:00:00,0,15\n",
     "line 4: column 'timestamp'"),
    ("timestamp,poa_w_m2,ambient_c\n2024-06-21T00:00:00,0,\n", "line 2: column 'ambient_c'"),
    ("timestamp,poa_w_m2\n2024-06-21T00:00:00,0\n", "'ambient_c'"),
    ("timestamp,ambient_c\n2024-06-21T00:00:00,0\n", "'poa_w_m2' or a 'ghi_w_m2'"),
    ("timestamp,ghi_w_m2,ambient_c\n2024-06-21T00:00:00,0,10\n", "latitude and longitude"),
])
def test_csv_errors_say_where(tmp_path, text, where):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(WeatherError) as e:
        Weather.from_csv(str(p))
    assert where in str(e.value)
    assert "bad.csv" in str(e.value)


def test_csv_round_trip(tmp_path):
    w = Weather.default()
    p = tmp_path / "copy.csv"
    w.to_csv(str(p))
    w2 = Weather.from_csv(str(p))
    for t in range(0, 86400, 1800):
        assert w2.at(t) == pytest.approx(w.at(t), abs=0.06)


# ---- sensors --------------------------------------------------------------------------------

def test_ntc_round_trip_at_50c():
    plant = Plant(PlantConfig(tank_initial_c=50.0, collector_initial_c=50.0, draws=()),
                  Weather.constant(0.0, 50.0))
    table = ntc_table.default_table()
    s = Sensors(plant, table=table, noise_raw=0.0)
    for name in ("hot", "cold"):
        raw = s.ntc_raw(name)
        assert table.classify(raw) == ntc_table.RAW_OK
        assert abs(table.to_c(raw) - 50.0) <= 0.5
        assert abs(table.to_c(s.ntc_raw_exact(name)) - 50.0) < 1e-9


def test_ntc_noise_is_seeded_and_small():
    plant = Plant(PlantConfig(tank_initial_c=50.0, collector_initial_c=50.0, draws=()),
                  Weather.constant(0.0, 50.0))
    a = [Sensors(plant, seed=7).ntc_raw("hot") for _ in range(3)]
    s1, s2 = Sensors(plant, seed=7), Sensors(plant, seed=7)
    r1 = [s1.ntc_raw("hot") for _ in range(200)]
    r2 = [s2.ntc_raw("hot") for _ in range(200)]
    assert r1 == r2
    assert a[0] == a[1] == a[2]
    exact = s1.ntc_raw_exact("hot")
    assert all(abs(r - exact) <= 3 for r in r1)
    assert len(set(r1)) > 1


def test_ntc_faults():
    plant = Plant(PlantConfig(draws=()), Weather.constant(800.0, 20.0))
    faults = FaultScript([(10, 20, "hot", "open"), (30, 40, "cold", "short"),
                          (50, 1000, "hot", "stuck")])
    s = Sensors(plant, faults=faults, noise_raw=0.0)
    assert s.ntc_raw("hot", 15) == 255
    assert s.ntc_raw("cold", 35) == 0
    assert 0 < s.ntc_raw("cold", 45) < 255
    assert s.ntc_raw("hot", 20) != 255  # end is exclusive
    while plant.t_s < 50:
        plant.step(1.0, False)
    held = s.ntc_raw("hot")
    while plant.t_s < 900:
        plant.step(5.0, False)
    assert s.ntc_raw("hot") == held
    assert s.ntc_raw("hot", 1000) < held  # the collector kept heating


def test_ds18_readings_and_faults():
    plant = Plant(PlantConfig(tank_initial_c=47.3, draws=()), Weather.constant(0.0, 12.34))
    faults = [(0, 10, "tank_top", "missing"), (10, 20, "tank_top", "crc"),
              (20, 30, "tank_top", "power_on_85"), (30, 40, "tank_top", "stuck")]
    s = Sensors(plant, faults=faults)
    assert s.ds18_state("tank_top", 5) == (None, "missing")
    temp, kind = s.ds18_state("tank_top", 15)
    assert kind == "crc" and temp == pytest.approx(47.3, abs=1 / 32)
    assert s.ds18_state("tank_top", 25) == (85.0, "power_on_85")
    temp, kind = s.ds18_state("tank_top", 50)
    assert kind is None
    assert temp * 16 == int(temp * 16)  # 1/16 C steps
    assert temp == pytest.approx(47.3, abs=1 / 32)
    amb, _ = s.ds18_state("ambient", 50)
    assert amb == 12.3125  # 12.34 C -> 197.44 sixteenths -> 197


def test_fault_script_rejects_bad_entries():
    plant = Plant(PlantConfig(draws=()), Weather.constant(0.0, 20.0))
    with pytest.raises(ValueError):
        FaultScript([(0, 10, "hot", "melted")])
    with pytest.raises(ValueError):
        Sensors(plant, faults=[(0, 10, "hot", "crc")])  # not an NTC fault
    with pytest.raises(ValueError):
        Sensors(plant, faults=[(0, 10, "nosuch", "open")])
