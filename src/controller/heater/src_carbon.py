"""carbonintensity.org.uk forecasts: the URL and the handler (HEATER_TARIFF = "greenest");
imported for a fetch only and dropped after it."""

from controller.heater import http
from controller.heater.slots import SlotTable
from controller.heater.jsonstream import N, S, Handler, khash
from controller.heater.stamps import iso, parse_time

CARBON = "https://api.carbonintensity.org.uk"
K_CFROM = khash(b"from")
K_CTO = khash(b"to")
K_FORECAST = khash(b"forecast")


def carbon_url(s, from_min, base=CARBON):
    if s.heater_carbon_region:
        return "%s/regional/intensity/%s/fw48h/regionid/%d" % (base, iso(from_min), s.heater_carbon_region)
    return "%s/intensity/%s/fw48h" % (base, iso(from_min))


class Carbon(Handler):
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


def fetch(heater, utc):
    """The carbon-intensity forecast into ``heater.carbon``; None or the reason it failed."""
    s = heater.ctx.settings
    if heater.carbon is None:
        heater.carbon = SlotTable(100)
    heater.carbon.clear()
    err = http.get_json(heater.session, carbon_url(s, utc - utc % 30, heater.bases.get("carbon", CARBON)),
                        Carbon(heater.carbon), heater._timeout())
    heater.carbon.sort()
    heater._report("carbon", err)
    heater.inp.carbon = heater.carbon if heater.carbon.n and not err else None
    return err
