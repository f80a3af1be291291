"""Octopus Agile half-hourly prices: the URL and the handler. Imported for a fetch only (about
once a day) and dropped after it (``task.Heater.fetch_prices``)."""

from controller.heater import http
from controller.heater.slots import DAY_MIN
from controller.heater.jsonstream import N, S, Handler, khash
from controller.heater.stamps import iso, parse_time

OCTOPUS = "https://api.octopus.energy"
_PAGES = 3  # answer pages followed at most (two days are 96 rows; a page holds 100)
K_RESULTS = khash(b"results")
K_PRICE = khash(b"value_inc_vat")
K_FROM = khash(b"valid_from")
K_TO = khash(b"valid_to")
K_NEXT = khash(b"next")


def octopus_url(s, from_min, to_min, base=OCTOPUS):
    product = s.heater_agile_product.replace("_", "-")
    return "%s/v1/products/%s/electricity-tariffs/E-1R-%s-%s/standard-unit-rates/?period_from=%s&period_to=%s" % (
        base, product, product, s.heater_agile_region, iso(from_min), iso(to_min))


class Octopus(Handler):
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


def fetch(heater, utc):
    """Agile prices from now for two days (every page) into ``heater.prices`` (task.Heater);
    the old table stays in use unless the new one is complete. None or the reason it failed."""
    s = heater.ctx.settings
    start = utc - utc % 30
    new = heater._spare
    new.clear()
    url = octopus_url(s, start, start + 2 * DAY_MIN, heater.bases.get("octopus", OCTOPUS))
    err = None
    for _ in range(_PAGES):
        h = Octopus(new)
        err = http.get_json(heater.session, url, h, heater._timeout(), str_cap=200)
        if err or not h.next_url:
            break
        url = h.next_url
    if not err:
        new.sort()
        heater._spare, heater.prices = heater.prices, new
    heater._report("prices", err)
    heater.inp.prices = heater.prices if heater.prices.n else None
    return err
