"""The household around the hot-water plant, for the heater's cost benchmark (``hwc cost``):
rooftop PV, the electric load, an Agile-like half-hourly price and a grid carbon-intensity
series, the immersion element and a gas boiler's coil in the tank.

Everything here is synthetic but shaped like the real thing, and deterministic (seeded by the
location and the day of year), so a benchmark is repeatable:

* **PV** (``pv_w``): ``pv_kwp`` kW peak (default 6: the 3 kW element starts on more than 3.2 kW
  of export, which 4 kWp hardly ever gives) facing like the collector, so it sees the same plane
  irradiance G the collector sees: P = kWp x G / 1000 W/m2 x 0.85 (inverter, wiring, soiling)
  x (1 - 0.004/K x (cell - 25 C)), cell = ambient + 25 K x G / 800 W/m2.
* **Electric load** (``load_w``): ``load_kwh_day`` (default 8 kWh, a typical UK home's 2900
  kWh a year) spread over the day by an hourly shape: 0.25 kW overnight, a 07-09 h breakfast
  bump, 0.4 kW through the day, the 17-21 h evening peak (cooking, lights, TV) at 1.3 kW.
* **Price** (``day_prices``), p/kWh inc. VAT per half-hour, like Octopus Agile: about 10 p at
  03-05 h, 20 p at 08 h, 14-15 p at midday less up to 6 p on a sunny day (solar on the grid),
  30-34 p in the 16-19 h peak, easing to 14 p by midnight; +3 p in Nov-Feb, -2 p in May-Aug;
  +-1 p noise. A day's "wind" (random, 0..1) lowers the overnight prices by up to 14 p, so
  about one night in seven goes negative (down to about -4 p), as Agile does on windy nights.
* **Carbon intensity** (``day_carbon``), gCO2/kWh: 150 overnight, 230 at breakfast, 260 in
  the evening peak, minus up to 90 g at a sunny midday and 100 g on a windy night; +30 g in
  winter, -30 g in summer; never below 30 g.
* **Gas**: a boiler coil in the upper tank heats it back to the setpoint in two timer windows
  (``gas_windows``, 05:30-07:00 and 17:00-19:00, before the draws), ``gas_coil_w`` (10 kW)
  into the water while on; gas used = heat / boiler efficiency (HEATER_BOILER_EFF), priced at
  HEATER_GAS_P_KWH, at ``gas_kg_co2_kwh`` (0.183 kg/kWh, the UK's factor for natural gas).
* **Element** (``Tank.inject``): HEATER_POWER_W into the tank layer where it sits
  (``element_node``, about a third down from the top), mixed upwards, so it heats the water
  above it as a real immersion element does.
"""

import math
import random
from dataclasses import dataclass

DAY_S = 86400.0
SLOT_S = 1800.0

# Hourly anchors (value at hh:00), interpolated linearly.
LOAD_SHAPE_KW = (0.25, 0.22, 0.2, 0.2, 0.2, 0.22, 0.35, 0.8, 0.9, 0.6, 0.45, 0.4,
                 0.5, 0.45, 0.4, 0.45, 0.7, 1.1, 1.3, 1.2, 1.0, 0.8, 0.55, 0.35)
PRICE_SHAPE_P = (13, 12, 11, 10, 10, 11, 14, 19, 22, 20, 17, 15, 14, 14, 15, 17, 30, 34, 33, 27, 21, 18, 16, 14)
CARBON_SHAPE_G = (170, 160, 150, 150, 150, 160, 190, 220, 230, 210, 190, 170,
                  160, 160, 170, 190, 240, 260, 250, 230, 210, 200, 190, 180)
PV_DERATE = 0.85
PV_TEMP_COEFF_PER_K = 0.004


@dataclass
class HouseholdConfig:
    pv_kwp: float = 6.0  # rooftop PV, kW peak (0 = none); a 3 kW element needs > 3.2 kW of export
    load_kwh_day: float = 8.0  # the house's own electricity use
    gas_kg_co2_kwh: float = 0.183  # natural gas burnt, kg CO2 per kWh
    gas_coil_w: float = 10000.0  # boiler coil into the tank while it heats
    gas_windows: tuple = ((5.5, 7.0), (17.0, 19.0))  # boiler timer, hours of day
    element_node: int = 3  # tank layer (0 = top) holding the element
    gas_node: int = 4  # tank layer holding the boiler coil's lower end


def _interp(shape, t_s):
    h = (t_s % DAY_S) / 3600.0
    i = int(h)
    f = h - i
    return shape[i] + f * (shape[(i + 1) % 24] - shape[i])


def pv_w(cfg, weather, t_s):
    """PV output, W, from the plane irradiance and ambient the collector sees."""
    g, ta = weather.at(t_s)
    if g <= 0.0 or cfg.pv_kwp <= 0.0:
        return 0.0
    cell = ta + 25.0 * g / 800.0
    return max(0.0, cfg.pv_kwp * g * PV_DERATE * (1.0 - PV_TEMP_COEFF_PER_K * (cell - 25.0)))


def load_w(cfg, t_s):
    """The household's electric load (without the element), W."""
    mean_kw = sum(LOAD_SHAPE_KW) / 24.0
    return 1000.0 * _interp(LOAD_SHAPE_KW, t_s) * cfg.load_kwh_day / (24.0 * mean_kw)


def _season(month):
    return 1 if month in (11, 12, 1, 2) else (-1 if month in (5, 6, 7, 8) else 0)


def day_wind(location, doy):
    """A day's wind, 0..1 (deterministic per location and day)."""
    return random.Random("wind/%s/%d" % (location, doy)).random()


def day_prices(weather, location, doy, month):
    """48 half-hourly prices of the day, p/kWh (index 0 = 00:00-00:30)."""
    rng = random.Random("price/%s/%d" % (location, doy))
    wind = day_wind(location, doy)
    out = []
    for k in range(48):
        t = k * SLOT_S + SLOT_S / 2
        h = t / 3600.0
        p = _interp(PRICE_SHAPE_P, t) + 3.0 * max(0, _season(month)) - 2.0 * max(0, -_season(month))
        p -= 6.0 * min(1.0, weather.at(t)[0] / 800.0)
        if h < 6.0:
            p -= 14.0 * wind ** 2 * math.sin(math.pi * h / 6.0)
        out.append(round(p + rng.uniform(-1.0, 1.0), 2))
    return out


def day_carbon(weather, location, doy, month):
    """48 half-hourly carbon intensities, gCO2/kWh."""
    rng = random.Random("carbon/%s/%d" % (location, doy))
    wind = day_wind(location, doy)
    out = []
    for k in range(48):
        t = k * SLOT_S + SLOT_S / 2
        h = t / 3600.0
        g = _interp(CARBON_SHAPE_G, t) + 30.0 * _season(month)
        g -= 90.0 * min(1.0, weather.at(t)[0] / 800.0)
        if h < 6.0:
            g -= 100.0 * wind * math.sin(math.pi * h / 6.0)
        out.append(max(30.0, round(g + rng.uniform(-8.0, 8.0))))
    return out


def in_windows(windows, t_s):
    h = (t_s % DAY_S) / 3600.0
    return any(a <= h < b for a, b in windows)


class Tank:
    """Heat put into the plant's tank from outside the solar loop (element, gas coil), with its
    own bookkeeping: the plant's energy balance plus ``injected_j`` closes."""

    def __init__(self, plant):
        self.plant = plant
        self.injected_j = 0.0

    def inject(self, joules, node):
        """Put ``joules`` into tank layer ``node`` (0 = top); warmer water rises (mixed)."""
        if joules <= 0.0:
            return
        self.plant.inject(joules, node)
        self.injected_j += joules

    def balance_error(self):
        """Relative error of absorbed + injected - (stored change + losses + drawn + relief)."""
        t = self.plant.totals
        out = [t["stored_change_j"], t["collector_loss_j"], t["pipe_loss_j"], t["tank_loss_j"],
               t["drawn_j"], t["relief_j"]]
        into = t["absorbed_j"] + self.injected_j
        return abs(into - sum(out)) / max(abs(into), sum(abs(v) for v in out), 1.0)


class NoSun:
    """A weather's ambient with no irradiance: the same household without a collector."""

    def __init__(self, weather):
        self.weather = weather
        self.days = weather.days
        self.period_s = weather.period_s

    def at(self, t_s):
        return 0.0, self.weather.at(t_s)[1]

    def table(self):
        """The weather's table for the plant's kernel with the irradiance rows zeroed."""
        rows, period = self.weather.table()
        rows = rows.copy()
        rows[1] = 0.0
        rows[3] = 0.0
        return rows, period


# ---- hot-water use and the cold water it is replaced with (hwc bench's week runs) ----------
# A household of three's day of hot water, in litres of tank water: (start hour, litres,
# minutes). Weekdays: two showers before work, a basin at lunch, cooking and the dishes, an
# evening shower (160 L). Weekends: later showers, more cooking, a bath (213 L).
WEEKDAY_DRAWS = ((6.75, 45.0, 8.0), (7.33, 35.0, 6.0), (7.67, 6.0, 2.0), (12.5, 4.0, 2.0),
                 (18.25, 10.0, 5.0), (19.5, 20.0, 8.0), (21.25, 40.0, 7.0))
WEEKEND_DRAWS = ((8.5, 45.0, 8.0), (9.0, 35.0, 6.0), (9.5, 8.0, 3.0), (13.0, 10.0, 5.0),
                 (17.5, 90.0, 10.0), (19.5, 20.0, 8.0), (21.5, 5.0, 2.0))
DRAW_JITTER_MIN = 20.0  # each draw moves up to this much earlier or later, day by day
DRAW_VOLUME_JITTER = 0.2  # and takes up to this share more or less


def day_draws(location, day_of_year, weekday, holiday=False):
    """The draw events (``hwc.sim.plant.DrawEvent``) of one day: the weekday or weekend profile
    with each draw's time and volume varied, deterministically per location and day; none on a
    holiday (the house is empty).

    :param weekday: 0 = Monday .. 6 = Sunday
    """
    from hwc.sim.plant import DrawEvent

    if holiday:
        return ()
    rng = random.Random("draws/%s/%d" % (location, day_of_year))
    profile = WEEKEND_DRAWS if weekday >= 5 else WEEKDAY_DRAWS
    out = []
    for start_h, litres, minutes in profile:
        start_h += rng.uniform(-DRAW_JITTER_MIN, DRAW_JITTER_MIN) / 60.0
        litres *= 1.0 + rng.uniform(-DRAW_VOLUME_JITTER, DRAW_VOLUME_JITTER)
        out.append(DrawEvent(start_h % 24.0, round(litres, 1), minutes))
    return tuple(out)


def mains_temperature_c(day_of_year, annual_mean_c, monthly_range_k, latitude=0.0):
    """Cold-water (mains) temperature on a day of the year, C: the correlation of Burch and
    Christensen (NREL, 2007) used by EnergyPlus and BEopt, from the outdoor air's annual mean
    and the spread of its monthly means; half a year later in the southern hemisphere. Never
    below 1 C."""
    mean_f = annual_mean_c * 9.0 / 5.0 + 32.0
    range_f = monthly_range_k * 9.0 / 5.0
    ratio = 0.4 + 0.01 * (mean_f - 44.0)
    lag = 35.0 - 1.0 * (mean_f - 44.0)
    if latitude < 0:
        day_of_year += 182.5
    t_f = mean_f + 6.0 + ratio * range_f / 2.0 * math.sin(math.radians(0.986 * (day_of_year - 15.0 - lag) - 90.0))
    return max(1.0, (t_f - 32.0) * 5.0 / 9.0)


def air_climate(weather):
    """(annual mean, spread of the monthly means) of a year's outdoor air, C and K; from the
    months the weather covers."""
    from hwc.sim.weather import month_of_day

    first_doy = int(weather.meta.get("first_day_of_year", 1))
    sums = {}
    for t, _p, _g, a in weather.samples():
        m = month_of_day((first_doy - 1 + int(t // DAY_S)) % 365 + 1)
        s = sums.setdefault(m, [0.0, 0])
        s[0] += a
        s[1] += 1
    means = [s / n for s, n in sums.values()]
    return sum(means) / len(means), max(means) - min(means)
