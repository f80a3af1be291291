"""Handlers for ``jsonstream.Scanner``: each API's answer, field by field, into fixed tables.

Each handler has ``check()``: None when the answer held what was asked for, else the reason.
"""

from controller.heater.jsonstream import N, S, T, Z, khash
from controller.heater.slots import DAY_MIN, parse_date, parse_time, utc_offset_min

K_RESULTS = khash(b"results")
K_PRICE = khash(b"value_inc_vat")
K_FROM = khash(b"valid_from")
K_TO = khash(b"valid_to")
K_NEXT = khash(b"next")
K_CFROM = khash(b"from")
K_CTO = khash(b"to")
K_FORECAST = khash(b"forecast")
K_WH_PERIOD = khash(b"watt_hours_period")
K_WH_DAY = khash(b"watt_hours_day")
K_EMETERS = khash(b"emeters")
K_POWER = khash(b"power")
K_IS_VALID = khash(b"is_valid")
K_TOTAL = khash(b"total_act_power")
K_ACT = khash(b"act_power")


class _Base:
    def begin(self, sc, obj):
        pass

    def end(self, sc, obj):
        pass


class Octopus(_Base):
    """Agile unit rates: ``{"count", "next", "results": [{"value_inc_vat", "valid_from",
    "valid_to", ...}]}``, newest first, into a SlotTable of millipence per kWh. ``next`` (the
    following page's URL) is kept in ``next_url`` (None when null)."""

    def __init__(self, table):
        self.table = table
        self.next_url = None
        self.results = False
        self.rows = 0
        self.bad = 0

    def begin(self, sc, obj):
        if sc.depth == 2 and sc.khash == K_RESULTS and not obj:
            self.results = True
        elif sc.depth == 3:
            self.price = None
            self.t0 = None
            self.t1 = None

    def value(self, sc, kind):
        if sc.depth == 1 and sc.khash == K_NEXT:
            self.next_url = None
            if kind == S and not sc.sover:
                self.next_url = bytes(sc.sbuf[:sc.slen]).decode()
        elif sc.depth == 3:
            k = sc.khash
            if k == K_PRICE and kind == N:
                self.price = sc.scaled(3)
            elif k == K_FROM and kind == S:
                self.t0 = parse_time(sc.sbuf, sc.slen)
            elif k == K_TO and kind == S:
                self.t1 = parse_time(sc.sbuf, sc.slen)

    def end(self, sc, obj):
        if sc.depth == 3 and self.results:
            self.rows += 1
            if self.price is None or self.t0 is None:
                self.bad += 1
                return
            if not self.table.add(self.t0, self.t1 if self.t1 is not None else self.t0 + 30, self.price):
                self.bad += 1

    def check(self):
        if not self.results:
            return "no results list in the answer"
        if self.rows == 0:
            return "empty price list (not published yet?)"
        if self.bad == self.rows:
            return "no usable price in %d rows" % self.rows
        return None


class Carbon(_Base):
    """carbonintensity.org.uk forecasts (national ``{"data": [...]}`` or regional
    ``{"data": {"data": [...]}}``): each ``{"from", "to", "intensity": {"forecast"}}`` into a
    SlotTable of gCO2/kWh."""

    def __init__(self, table):
        self.table = table
        self.depth = -1  # depth of the object holding "from"
        self.rows = 0
        self.bad = 0
        self.t0 = self.t1 = self.g = None

    def value(self, sc, kind):
        k = sc.khash
        if kind == S and (k == K_CFROM or k == K_CTO):
            t = parse_time(sc.sbuf, sc.slen)
            if k == K_CFROM:
                self.t0 = t
                self.depth = sc.depth
            else:
                self.t1 = t
        elif k == K_FORECAST and kind == N and sc.depth == self.depth + 1:
            self.g = sc.scaled(0)

    def end(self, sc, obj):
        if obj and sc.depth == self.depth:
            self.rows += 1
            if self.t0 is None or self.t1 is None or self.g is None or not self.table.add(self.t0, self.t1, self.g):
                self.bad += 1
            self.t0 = self.t1 = self.g = None

    def check(self):
        if self.rows == 0:
            return "no intensity forecast in the answer"
        if self.bad == self.rows:
            return "no usable intensity in %d rows" % self.rows
        return None


class SolarForecast(_Base):
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


class Grid(_Base):
    """Grid power in W (+ import) from a meter's answer: ``meter`` one of "iotawatt"
    (``[[unix_s, W]]``), "shelly1" (``/status`` ``emeters[channel].power``), "shelly2"
    (``EM.GetStatus`` ``total_act_power``), "shellypro" (``EM1.GetStatus`` ``act_power``)."""

    def __init__(self, meter, channel=0):
        self.meter = meter
        self.channel = channel
        self.w = None
        self.why = "no power value in the answer"
        self.index = -1
        self.in_emeters = False
        self.invalid = False

    def begin(self, sc, obj):
        if sc.depth == 2 and sc.khash == K_EMETERS:
            self.in_emeters = True
        elif sc.depth == 3 and self.in_emeters:
            self.index += 1

    def end(self, sc, obj):
        if sc.depth == 2:
            self.in_emeters = False

    def value(self, sc, kind):
        m = self.meter
        if m == "iotawatt":
            if sc.depth == 2 and sc.index() == 1:
                if kind == N:
                    self.w = sc.as_float()
                elif kind == Z:
                    self.w, self.why = None, "IoTaWatt has no data for the series"
        elif m == "shelly1":
            if sc.depth == 3 and self.in_emeters and self.index == self.channel:
                if sc.khash == K_POWER and kind == N:
                    self.w = sc.as_float()
                elif sc.khash == K_IS_VALID and kind != T:
                    self.why = "emeter %d reports is_valid false" % self.channel
                    self.invalid = True
        elif sc.depth == 1 and kind == N and sc.khash == (K_TOTAL if m == "shelly2" else K_ACT):
            self.w = sc.as_float()

    def check(self):
        if self.invalid:
            self.w = None
        return None if self.w is not None else self.why
