"""Forecast.Solar (HEATER_PV_KWP > 0): the URL and the reader of its answer. Imported for a
fetch (every 3 h) and forgotten after it."""

from controller.heater import http
from controller.heater.core import SlotTable
from controller.heater import feed
from controller.heater.feed import TransientObject, clear, number, parse_date, parse_time
from controller.localtime import DAY_MIN, offset_at

FORECAST = "https://api.forecast.solar"


def forecast_url(s, base=FORECAST):
    return "%s/estimate/%.4f/%.4f/%d/%d/%.2f" % (base, s.heater_lat, s.heater_lon, int(s.heater_pv_dec),
                                               int(s.heater_pv_az), s.heater_pv_kwp)


def read(answer, days, periods, s):
    """``{"result": {"watt_hours_period": {"YYYY-MM-DD HH:MM:SS": Wh}, ..., "watt_hours_day":
    {"YYYY-MM-DD": Wh}}, "message": {...}}`` into the SlotTables ``days`` (Wh per local day,
    keyed by its first minute) and ``periods`` (Wh per period, UTC); the times are the site's
    local time (TIME_ZONE_RULE, TIME_UTC_OFFSET_MIN). None or the reason."""
    n_days = 0
    if isinstance(answer, TransientObject):
        for key in answer:
            if key != "result":
                continue
            result = answer[key]
            if not isinstance(result, TransientObject):
                continue
            for section in result:
                if section == "watt_hours_period":
                    prev = None
                    table = result[section]
                    if isinstance(table, TransientObject):
                        for stamp in table:
                            wh = table[stamp]
                            t = parse_time(stamp)
                            if t is not None and number(wh):
                                t -= offset_at(s, t)
                                periods.add(prev if prev is not None and prev < t else t - 60, t, int(wh))
                                prev = t
                elif section == "watt_hours_day":
                    table = result[section]
                    if isinstance(table, TransientObject):
                        for stamp in table:
                            wh = table[stamp]
                            day = parse_date(stamp)
                            if day is not None and number(wh):
                                days.add(day * DAY_MIN, (day + 1) * DAY_MIN, int(wh))
                                n_days += 1
    return None if n_days else "no watt_hours_day in the answer"


def fetch(heater, utc):
    """The PV forecast into ``heater.pv_days`` and ``heater.pv_periods`` (None after a failure);
    None or the reason it failed."""
    s = heater.ctx.settings
    tables = heater.pv_tables
    if tables is None:
        tables = heater.pv_tables = (SlotTable(8), SlotTable(100))  # made at the first fetch
    clear(tables[0])
    clear(tables[1])

    err = http.get(heater, forecast_url(s, heater.bases.get("forecast", FORECAST)),
                   lambda resp: feed.read(resp, read, tables[0], tables[1], s,
                                                   limit_s=2 * heater.timeout_s))
    heater._report("forecast", err)
    heater.pv_days, heater.pv_periods = (None, None) if err else tables
    return err
