"""The heater's cost benchmark (hwc cost) on a tiny case: the bundled sunny June day, every
set-up. Its figures must be consistent: energy balances close, the element uses only PV that
would have been exported (or grid power the meter sees), never runs with the tank top at its
setpoint, and the decision core it runs is the device's own."""

import pytest

from controller.heater import core as device_core
from hwc import cli, costbench
from hwc.sim import household
from hwc.sim.household import HouseholdConfig
from hwc.sim.weather import Weather

DAY = Weather.default()


@pytest.fixture(scope="module")
def days():
    hh = HouseholdConfig(pv_kwp=8.0)
    return {sc: costbench.run_day(sc, DAY, "test", 172, 6, hh=hh, step_s=60.0, warmup_days=0)
            for sc in costbench.SCENARIOS}


def test_every_set_up_balances_its_energy(days):
    for sc, r in days.items():
        assert r["balance_error"] < 1e-6, sc
        assert r["drawn_kwh"] > 5.0, sc  # the household's draws happened
        heat_in = r["solar_heat_kwh"] + r["gas_heat_kwh"] + r["element_kwh"]
        assert heat_in > r["stored_change_kwh"], sc


def test_gas_only_has_no_sun_no_pump_no_element_and_solar_saves_gas(days):
    gas, solar = days["gas"], days["solar"]
    assert gas["solar_heat_kwh"] == 0 and gas["pump_kwh"] == 0 and gas["element_kwh"] == 0
    assert gas["gas_cost_p"] > 0 and gas["co2_kg"] > 0
    assert solar["solar_heat_kwh"] > 3.0 and solar["gas_kwh"] < gas["gas_kwh"]
    assert solar["cost_p"] < gas["cost_p"] and solar["co2_kg"] < gas["co2_kg"]
    assert days["solar"]["element_kwh"] == 0


def test_pv_diversion_uses_only_exported_pv_and_never_heats_at_the_setpoint(days):
    pv = days["solar+pv"]
    assert pv["element_kwh"] > 0, "8 kWp on a sunny day should divert"
    assert pv["element_pv_kwh"] <= pv["surplus_kwh"] + 1e-9
    assert pv["element_pv_kwh"] + pv["element_grid_kwh"] == pytest.approx(pv["element_kwh"])
    assert pv["export_kwh"] == pytest.approx(pv["surplus_kwh"] - pv["element_pv_kwh"]
                                             - (pv["pump_kwh"] - pv["pump_grid_kwh"]), abs=1e-6)
    assert pv["element_pv_kwh"] > 0  # some export diverted (little: the solar pump runs, which blocks it)
    for sc in ("solar+pv", "solar+pv+cheapest", "solar+pv+breakeven"):
        assert days[sc]["element_on_at_or_above_setpoint"] == 0, sc
        assert days[sc]["element_max_top_c"] is None or days[sc]["element_max_top_c"] < 60.0


def test_tariff_rules_buy_in_the_night_and_cost_what_their_slots_cost(days):
    cheap = days["solar+pv+cheapest"]
    assert cheap["element_grid_kwh"] > days["solar+pv"]["element_grid_kwh"]
    # 4 half-hours of 3 kW at most from the cheapest rule, the rest from PV
    assert cheap["element_grid_kwh"] <= 4 * 0.5 * 3.0 + days["solar+pv"]["element_grid_kwh"] + 0.1
    assert cheap["elec_cost_p"] <= cheap["element_grid_kwh"] * cheap["max_price_p"] + 1.0
    for r in days.values():
        total = r["gas_cost_p"] + r["elec_cost_p"] + r["pv_cost_p"] - r["stored_credit_p"]
        assert r["cost_p"] == pytest.approx(total)


def test_the_benchmark_drives_the_device_decision_core(monkeypatch):
    calls = []
    real = device_core.HeaterCore.decide

    def spy(self, now_s):
        calls.append((now_s, self.top_c, self.grid_w))
        return real(self, now_s)

    monkeypatch.setattr(device_core.HeaterCore, "decide", spy)
    costbench.run_day("solar+pv", DAY, "test", 172, 6, step_s=600.0)
    assert len(calls) == 288 and calls[0][0] == 0 and calls[-1][0] == 2 * 86400 - 600  # a warm-up day, then the day
    assert all(top is not None and grid is not None for _, top, grid in calls)


def test_profiles_are_plausible():
    hh = HouseholdConfig()
    load_kwh = sum(household.load_w(hh, t * 60.0) for t in range(1440)) / 60 / 1000
    assert load_kwh == pytest.approx(hh.load_kwh_day, rel=0.02)
    prices = household.day_prices(DAY, "x", 172, 6)
    assert len(prices) == 48 and max(prices[32:38]) == max(prices)  # the 16-19 h peak
    assert min(prices[:14]) < min(prices[20:30])  # nights are cheaper than days
    assert any(min(household.day_prices(DAY, "x", d, 1)) < 0 for d in range(1, 60))  # some windy nights
    assert household.pv_w(hh, DAY, 0.0) == 0.0 and household.pv_w(hh, DAY, 12 * 3600.0) > 3000


def test_cli_cost_rejects_bad_arguments(capsys):
    assert cli.main(["cost", "--scenarios", "nuclear"]) == 2
    assert "unknown set-up nuclear" in capsys.readouterr().err
    assert cli.main(["cost", "--set", "HEATER_SLOTS=99"]) == 2


def test_a_year_is_each_day_times_its_weight_and_the_table_prints_it():
    days = [("test", 172, 6, DAY, 30)]
    out = costbench.run_cost(days, scenarios=("gas", "solar"), step_s=300.0)
    one = costbench.run_day("solar", DAY, "test", 172, 6, step_s=300.0)
    solar = out["results"]["test"]["solar"]
    assert solar["days"] == 30 and solar["cost_p"] == pytest.approx(30 * one["cost_p"])
    assert solar["cost_vs_gas"] == pytest.approx(solar["cost_p"] / out["results"]["test"]["gas"]["cost_p"])
    text = costbench.table_text(out)
    assert "test (1 representative days scaled to 30 days)" in text
    assert "%.0f u" % (solar["cost_p"] / 100) in text and "exported PV earns 5.0" in text
