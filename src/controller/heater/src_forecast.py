"""Forecast.Solar: the URL and the handler (HEATER_PV_KWP > 0); imported for a fetch only and
dropped after it."""

from controller.heater import http
from controller.heater.slots import TZ, Forecast
from controller.heater.jsonstream import N, Handler, khash
from controller.heater.slots import DAY_MIN, utc_offset_min
from controller.heater.stamps import parse_date, parse_time

FORECAST = "https://api.forecast.solar"
K_WH_PERIOD = khash(b"watt_hours_period")
K_WH_DAY = khash(b"watt_hours_day")


def forecast_url(s, base=FORECAST):
    return "%s/estimate/%.4f/%.4f/%d/%d/%.2f" % (base, s.heater_lat, s.heater_lon, int(s.heater_pv_dec),
                                               int(s.heater_pv_az), s.heater_pv_kwp)


class SolarForecast(Handler):
    """Forecast.Solar ``{"result": {"watt_hours_period": {"YYYY-MM-DD HH:MM:SS": Wh}, ...,
    "watt_hours_day": {"YYYY-MM-DD": Wh}}}``; times are the site's local time (``tz``)."""

    def __init__(self, forecast, tz):
        self.fc = forecast
        self.tz = tz
        self.section = 0
        self.prev = None
        self.periods = 0
        self.days = 0

    def begin(self, sc, obj):
        if sc.depth == 3:
            self.section = sc.khash
            self.prev = None

    def value(self, sc, kind):
        if sc.depth != 3 or kind != N:
            return
        if self.section == K_WH_PERIOD:
            t = parse_time(sc.kbuf, sc.klen)
            if t is not None:
                t -= utc_offset_min(self.tz, t)
                self.fc.periods.add(self.prev if self.prev is not None and self.prev < t else t - 60, t, sc.scaled(0))
                self.prev = t
                self.periods += 1
        elif self.section == K_WH_DAY:
            day = parse_date(sc.kbuf, sc.klen)
            if day is not None:
                self.fc.days.add(day * DAY_MIN, (day + 1) * DAY_MIN, sc.scaled(0))
                self.days += 1

    def check(self):
        return None if self.days else "no watt_hours_day in the answer"


def fetch(heater, utc):
    """The PV forecast into ``heater.forecast``; None or the reason it failed."""
    s = heater.ctx.settings
    if heater.forecast is None:
        heater.forecast = Forecast()
    heater.forecast.clear()
    err = http.get_json(heater.session, forecast_url(s, heater.bases.get("forecast", FORECAST)),
                        SolarForecast(heater.forecast, TZ), heater._timeout())
    heater._report("forecast", err)
    heater.inp.forecast = None if err else heater.forecast
    return err
