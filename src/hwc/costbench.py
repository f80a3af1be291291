"""What a year of hot water costs, in money and CO2, with and without the immersion heater.

The same household (``hwc.sim.household``: rooftop PV, its electric load, Agile-like prices and
grid carbon intensity, a gas boiler on a timer) and the same plant (``hwc.sim.plant``: collector,
pipes, a 300-litre tank, the default draws) run one representative day per month at each
location (the day whose collector-plane irradiation is nearest the month's mean daily
irradiation: ``hwc.sim.weather.representative_days``; ``hwc bench`` runs the seven such days
of each month in sequence, this runs the nearest one), under five set-ups:

* ``gas``: no collector; the boiler heats all the water (the reference);
* ``solar``: the collector with the seed pump control (``hwc.sim.direct.DirectRun``, the
  device's own code), the boiler topping the tank to the setpoint in its timer windows;
* ``solar+pv``: plus the immersion element diverting exported PV (seed 000);
* ``solar+pv+cheapest``: plus the HEATER_SLOTS cheapest half-hours in the night window;
* ``solar+pv+breakeven``: plus any half-hour at or below gas break-even.

The element is switched by the REAL decision core (``controller.heater.core.HeaterCore`` with
its rules, contactor times, thermostat and solar-first priority) every ``step_s`` of simulated
time, from the simulated grid power (load + pump + element - PV; + import), the day's price
table and the tank temperatures. Costs: gas burnt (heat / HEATER_BOILER_EFF x HEATER_GAS_P_KWH),
grid electricity for the element and the solar pump at each half-hour's price, and PV used by
the element at ``export_p_kwh`` (the export payment it forgoes). CO2: gas at 0.183 kg/kWh, grid
electricity at the half-hour's intensity, PV at 0. Each day is run twice and the second run
counted, so the tank starts it as the day's routine leaves it (not at the plant's 40 C); the change
of stored heat over the counted day is valued as gas would have provided it, so a day does not
flatter a set-up that ends it with a hotter tank. A year = each day x the days of its month.

Usage::

    hwc cost                         # 12 days x 2 locations x 5 set-ups, a table per location
    hwc cost --pv-kwp 6 --set HEATER_SLOTS=6 --json
"""

import json
import sys
import time
from dataclasses import replace

from hwc.sim.household import (DAY_S, SLOT_S, HouseholdConfig, NoSun, Tank, day_carbon, day_prices, in_windows,
                               load_w, pv_w)

LOCATIONS = ("greensboro", "sand_point")
SCENARIOS = ("gas", "solar", "solar+pv", "solar+pv+cheapest", "solar+pv+breakeven")
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
YEAR = 2023  # the calendar the simulated days are dated in (UK summer time for the tariff window)
EXPORT_P_KWH = 5.0  # what exported PV earns (a typical Smart Export Guarantee rate), p/kWh


def heater_env(scenario, env=None):
    """The HEATER_* settings a scenario runs the decision core with (``env`` on top)."""
    out = {"HEATER_ENABLED": "1", "HEATER_METER": "shelly2", "HEATER_TARIFF": "off"}
    if scenario.endswith("cheapest"):
        out["HEATER_TARIFF"] = "cheapest"
    elif scenario.endswith("breakeven"):
        out["HEATER_TARIFF"] = "breakeven"
    out.update(env or {})
    return out


def _utc_min(doy, t_s, year=YEAR):
    """Minutes since 2000 UTC of local time ``t_s`` on day ``doy`` of ``year`` (UK clock)."""
    from controller.localtime import DAY_MIN, days_from_civil, offset_min

    local = (days_from_civil(year, 1, 1) + doy - 1) * DAY_MIN + int(t_s // 60)
    return local - offset_min("uk", 0, local)


def _table(values, doy, cap=100, year=YEAR):
    """The day's half-hourly ``values`` (p/kWh) for today and tomorrow as the device holds them
    after the 16:00 fetch: a SlotTable in millipence."""
    from controller.heater.core import SlotTable
    from controller.heater.stamps import sort

    t = SlotTable(cap)
    for day in (0, 1):
        for k, v in enumerate(values):
            start = _utc_min(doy + day, k * SLOT_S, year)
            t.add(start, start + 30, int(round(v * 1000)))
    sort(t)
    return t


def run_day(scenario, weather, location, doy, month, env=None, hh=None, step_s=30.0, export_p_kwh=EXPORT_P_KWH,
            warmup_days=1):
    """One day of one set-up, after ``warmup_days`` of the same day (so the tank starts the
    counted day as that routine leaves it); a dict of energies (kWh), cost (p), CO2 (kg) and
    checks, for the counted day."""
    from controller import settings as settings_mod
    from controller.heater.core import HeaterCore
    from hwc.sim.direct import DirectRun
    from hwc.sim.plant import Plant, PlantConfig

    hh = hh or HouseholdConfig()
    s = settings_mod.load(heater_env(scenario, env).get)
    if s.errors:
        raise ValueError("bad settings: " + "; ".join(s.errors))
    prices = day_prices(weather, location, doy, month)
    carbon = day_carbon(weather, location, doy, month)
    run = None
    if scenario == "gas":
        plant = Plant(PlantConfig(), NoSun(weather))
    else:
        run = DirectRun(env, weather=weather)
        plant = run.plant
    tank = Tank(plant)
    element = scenario.startswith("solar+pv")
    core = inp = HeaterCore(s, 0) if element else None  # its inputs are its attributes
    if core is not None and s.heater_tariff != "off":  # the device fetches the prices only then
        core.prices = _table(prices, doy)
    eff = s.heater_boiler_eff
    setpoint = s.heater_setpoint_c
    r = dict.fromkeys(("gas_heat_kwh", "element_kwh", "element_pv_kwh", "element_grid_kwh", "pump_kwh",
                       "pump_grid_kwh", "pv_kwh", "surplus_kwh", "export_kwh", "elec_cost_p", "pv_cost_p",
                       "elec_co2_kg"), 0.0)
    r["element_on_at_or_above_setpoint"] = 0
    r["element_max_top_c"] = None
    r["element_switches"] = 0
    warm_s = warmup_days * DAY_S
    end_s = warm_s + DAY_S
    e0 = totals0 = None
    gas_on = False
    elem_on = False
    t = 0.0
    while t < end_s - 1e-9:
        if totals0 is None and t >= warm_s - 1e-9:
            e0, totals0 = plant.stored_energy_j(), plant.totals
        counted = totals0 is not None
        dt = min(step_s, (warm_s if not counted else end_s) - t)
        mid = t + dt / 2
        tod = mid % DAY_S
        top = plant.tank_top_c
        pv = pv_w(hh, weather, mid)
        load = load_w(hh, mid)
        # the element: the device's decision core on the meter's view of the house
        if core is not None:
            pump_w = plant.config.pump_power_w if (run is not None and run.pump_on) else 0.0
            inp.top_c, inp.bottom_c = top, plant.tank_bottom_c
            inp.grid_w = load + pump_w + (s.heater_power_w if elem_on else 0.0) - pv
            inp.utc_min = _utc_min(doy, t % DAY_S)  # every day is the same date
            inp.pump_running = run.ctl.decision.duty_pct > 0
            d = core.decide(int(t))
            if d.on != elem_on and counted:
                r["element_switches"] += 1
            elem_on = d.on
            if elem_on and counted:
                if top >= setpoint:
                    r["element_on_at_or_above_setpoint"] += 1
                r["element_max_top_c"] = max(top, r["element_max_top_c"] or top)
        # the boiler: its own thermostat on the tank top, in its timer windows
        if in_windows(hh.gas_windows, t):
            gas_on = top < setpoint if gas_on else top < setpoint - 5.0
        else:
            gas_on = False
        pump_before = plant.totals["pump_energy_j"]
        if run is not None:
            run.run(dt)
        else:
            plant.step(dt, False)
        pump_j = plant.totals["pump_energy_j"] - pump_before
        elem_j = s.heater_power_w * dt if elem_on else 0.0
        gas_j = hh.gas_coil_w * dt if gas_on else 0.0
        tank.inject(elem_j, hh.element_node)
        tank.inject(gas_j, hh.gas_node)
        t += dt
        if not counted:
            continue
        # who supplies what: PV first to the house, then the pump, then the element
        surplus_j = max(0.0, pv - load) * dt
        pump_pv = min(pump_j, surplus_j)
        elem_pv = min(elem_j, surplus_j - pump_pv)
        price = prices[int(tod // SLOT_S)]
        grams = carbon[int(tod // SLOT_S)]
        grid_j = (pump_j - pump_pv) + (elem_j - elem_pv)
        kwh = 1 / 3.6e6
        r["gas_heat_kwh"] += gas_j * kwh
        r["element_kwh"] += elem_j * kwh
        r["element_pv_kwh"] += elem_pv * kwh
        r["element_grid_kwh"] += (elem_j - elem_pv) * kwh
        r["pump_kwh"] += pump_j * kwh
        r["pump_grid_kwh"] += (pump_j - pump_pv) * kwh
        r["pv_kwh"] += pv * dt * kwh
        r["surplus_kwh"] += surplus_j * kwh
        r["export_kwh"] += (surplus_j - pump_pv - elem_pv) * kwh
        r["elec_cost_p"] += grid_j * kwh * price
        r["pv_cost_p"] += (pump_pv + elem_pv) * kwh * export_p_kwh
        r["elec_co2_kg"] += grid_j * kwh * grams / 1000.0
    totals = plant.totals
    r["stored_change_kwh"] = (plant.stored_energy_j() - e0) / 3.6e6
    r["solar_heat_kwh"] = (totals["heat_to_tank_j"] - totals0["heat_to_tank_j"]) / 3.6e6
    r["drawn_kwh"] = (totals["drawn_j"] - totals0["drawn_j"]) / 3.6e6
    r["relief_openings"] = totals["relief_openings"] - totals0["relief_openings"]
    r["balance_error"] = tank.balance_error()
    # what the counted day leaves in the tank beyond what it found (or took from it) is valued
    # as gas would have provided it: a credit (or a charge) on the day's cost and CO2
    r["gas_kwh"] = r["gas_heat_kwh"] / eff
    r["gas_cost_p"] = r["gas_kwh"] * s.heater_gas_p_kwh
    r["gas_co2_kg"] = r["gas_kwh"] * hh.gas_kg_co2_kwh
    stored_gas_kwh = r["stored_change_kwh"] / eff
    r["stored_credit_p"] = stored_gas_kwh * s.heater_gas_p_kwh
    r["stored_credit_kg"] = stored_gas_kwh * hh.gas_kg_co2_kwh
    r["cost_p"] = r["gas_cost_p"] + r["elec_cost_p"] + r["pv_cost_p"] - r["stored_credit_p"]
    r["co2_kg"] = r["gas_co2_kg"] + r["elec_co2_kg"] - r["stored_credit_kg"]
    r["min_price_p"], r["max_price_p"] = min(prices), max(prices)
    return r


def representative(locations, months):
    """[(location, day of year, month, weather, weight in days)] one per month, the day nearest the month's mean irradiation."""
    from hwc.sim.weather import Weather, representative_days

    out = []
    for loc in locations:
        days = representative_days(loc)
        for m in months:
            doy = days[m - 1]
            out.append((loc, doy, m, Weather.from_tmy(loc, day_of_year=doy), MONTH_DAYS[m - 1]))
    return out


SUMMED = ("gas_kwh", "gas_heat_kwh", "element_kwh", "element_pv_kwh", "element_grid_kwh", "pump_kwh",
          "pv_kwh", "surplus_kwh", "export_kwh", "solar_heat_kwh", "drawn_kwh", "cost_p", "co2_kg",
          "gas_cost_p", "elec_cost_p", "pv_cost_p", "stored_credit_p", "stored_change_kwh", "relief_openings",
          "element_on_at_or_above_setpoint", "element_switches")


def run_cost(days, scenarios=SCENARIOS, env=None, hh=None, step_s=30.0, export_p_kwh=EXPORT_P_KWH,
             progress=None):
    """Every set-up on every day; {"results": {location: {scenario: yearly totals}}, "days": [...]}."""
    results = {}
    per_day = []
    n = len(days) * len(scenarios)
    done = 0
    t0 = time.perf_counter()
    for loc, doy, month, weather, weight in days:
        row = {"location": loc, "month": month, "doy": doy}
        for sc in scenarios:
            r = run_day(sc, weather, loc, doy, month, env, hh, step_s, export_p_kwh)
            tot = results.setdefault(loc, {}).setdefault(sc, dict.fromkeys(SUMMED, 0.0))
            for key in SUMMED:
                tot[key] += r[key] * weight
            tot["days"] = tot.get("days", 0) + weight
            tot["max_balance_error"] = max(tot.get("max_balance_error", 0.0), r["balance_error"])
            row[sc] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
            done += 1
            if progress is not None:
                progress(done, n)
        per_day.append(row)
    for loc_res in results.values():
        gas = loc_res.get("gas")
        for tot in loc_res.values():
            if gas is not None and gas["cost_p"]:
                tot["cost_vs_gas"] = tot["cost_p"] / gas["cost_p"]
                tot["co2_vs_gas"] = tot["co2_kg"] / gas["co2_kg"]
    return {"results": results, "days": per_day, "wall_s": time.perf_counter() - t0,
            "export_p_kwh": export_p_kwh}


def table_text(out, settings=None):
    lines = []
    for loc, res in out["results"].items():
        days = next(iter(res.values()))["days"]
        lines.append("%s (%d representative days scaled to %d days):" % (loc, len(out["days"]) // max(
            1, len(out["results"])), days))
        lines.append("  %-20s %9s %8s %8s %8s %9s %9s %8s %8s" % (
            "set-up", "cost", "CO2", "gas", "element", "from PV", "from grid", "vs gas", "CO2 vs"))
        for sc, t in res.items():
            vs = ["%7.0f %%" % (100 * t[k]) if k in t else "%9s" % "--" for k in ("cost_vs_gas", "co2_vs_gas")]
            lines.append("  %-20s %7.0f u %5.0f kg %4.0f kWh %4.0f kWh %5.0f kWh %5.0f kWh %s %s" % (
                sc, t["cost_p"] / 100, t["co2_kg"], t["gas_kwh"], t["element_kwh"], t["element_pv_kwh"],
                t["element_grid_kwh"], vs[0], vs[1]))
    lines.append("cost in currency units a year (prices in 1/100 units per kWh); exported PV earns %.1f/100 a kWh;"
                 " %.0f s" % (out["export_p_kwh"], out["wall_s"]))
    return "\n".join(lines)


def add_arguments(parser):
    parser.add_argument("--locations", default=",".join(LOCATIONS), help="comma-separated TMY locations")
    parser.add_argument("--months", default="1-12", help="months to run, e.g. 1-12 or 1,4,7 (default 1-12)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="from %s" % ", ".join(SCENARIOS))
    parser.add_argument("--pv-kwp", type=float, default=HouseholdConfig.pv_kwp, help="rooftop PV, kWp (default 6)")
    parser.add_argument("--load-kwh-day", type=float, default=HouseholdConfig.load_kwh_day,
                        help="household electricity use, kWh a day (default 8)")
    parser.add_argument("--export-p", type=float, default=EXPORT_P_KWH,
                        help="what exported PV earns, p/kWh (default %.1f)" % EXPORT_P_KWH)
    parser.add_argument("--step-s", type=float, default=30.0, help="heater decision step, s (default 30)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting (HEATER_GAS_P_KWH, HEATER_SLOTS, ...) as in settings.toml (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def run(args):
    from hwc.bench import day_options

    err = sys.stderr
    try:
        months, env, locations = day_options(args)
        scenarios = [x.strip() for x in args.scenarios.split(",") if x.strip()]
        bad = [s for s in scenarios if s not in SCENARIOS]
        if bad or not scenarios:
            raise ValueError("unknown set-up %s (use %s)" % (", ".join(bad), ", ".join(SCENARIOS)))
        if args.pv_kwp < 0 or args.load_kwh_day < 0 or args.step_s <= 0:
            raise ValueError("--pv-kwp and --load-kwh-day must not be negative, --step-s must be positive")
    except ValueError as exc:
        print("hwc cost: %s" % exc, file=err)
        return 2
    hh = replace(HouseholdConfig(), pv_kwp=args.pv_kwp, load_kwh_day=args.load_kwh_day)

    def progress(done, total):
        err.write("\r%d/%d runs" % (done, total))
        if done == total:
            err.write("\n")
        err.flush()

    out = run_cost(representative(locations, months), scenarios, env, hh, args.step_s, args.export_p, progress)
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        print(table_text(out))
    return 0
