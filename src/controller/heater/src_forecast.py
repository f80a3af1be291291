"""Forecast.Solar (HEATER_PV_KWP > 0): the URL and the reader of its answer. Imported for a
fetch (every 3 h) and forgotten after it."""

from controller.heater.core import SlotTable
from controller.heater.task import get
from controller.heater.fetch import scan
from controller.heater.stamps import clear, parse_date, parse_time
from controller.localtime import DAY_MIN, offset_at

FORECAST = "https://api.forecast.solar"


def forecast_url(s, base=FORECAST):
    return "%s/estimate/%.4f/%.4f/%d/%d/%.2f" % (base, s.heater_lat, s.heater_lon, int(s.heater_pv_dec),
                                               int(s.heater_pv_az), s.heater_pv_kwp)


def read(response, days, periods, s, timeout_s=8):
    """``{"result": {"watt_hours_period": {"YYYY-MM-DD HH:MM:SS": Wh}, ..., "watt_hours_day":
    {"YYYY-MM-DD": Wh}}, "message": {...}}`` into the SlotTables ``days`` (Wh per local day,
    keyed by its first minute) and ``periods`` (Wh per period, UTC); the times are the site's
    local time (TIME_ZONE_RULE, TIME_UTC_OFFSET_MIN). None or the reason."""
    v = [0, None]  # days read, the last period's end

    def handle(name, key, x):
        if type(x) is not int or key is None:
            return
        if name == b"watt_hours_period":
            t = parse_time(key)
            if t is not None:
                t -= offset_at(s, t)
                periods.add(v[1] if v[1] is not None and v[1] < t else t - 60, t, x // 1000)
                v[1] = t
        elif name == b"watt_hours_day":
            t = parse_date(key)
            if t is not None:
                days.add(t * DAY_MIN, (t + 1) * DAY_MIN, x // 1000)
                v[0] += 1

    return scan(response, handle, None, timeout_s) or (None if v[0] else "no watt_hours_day in the answer")


def fetch(heater, utc_min):
    """The PV forecast into ``heater.forecast``, (days, periods) (None after a failure);
    None or the reason it failed."""
    s = heater.ctx.settings
    tables = heater.tables[2]
    if tables is None:
        # made at the first fetch; the free API gives today's and tomorrow's daylight hours (at
        # most about 42 periods): later ones beyond 48 (tomorrow evening) would be left out
        tables = heater.tables[2] = (SlotTable(8), SlotTable(48))
    clear(tables[0])
    clear(tables[1])

    error = get(heater, forecast_url(s, heater.bases.get("forecast", FORECAST)),
                   lambda response: read(response, tables[0], tables[1], s, 2 * heater.timeout_s))
    heater.report("forecast", error)
    heater.forecast = None if error else tables
    return error
