"""Octopus Agile half-hourly prices (HEATER_TARIFF cheapest or breakeven; legionella): the URL
and the reader of its answer. Imported for a fetch (about once a day) and forgotten after it."""

from controller.heater.core import SlotTable
from controller.heater.task import get
from controller.heater.fetch import scan
from controller.heater.stamps import clear, iso, parse_time, sort
from controller.localtime import DAY_MIN

OCTOPUS = "https://api.octopus.energy"
_PAGES = 3  # answer pages followed at most (two days are 96 rows; a page holds 100)


def octopus_url(s, from_min, to_min, base=OCTOPUS):
    product = s.heater_agile_product.replace("_", "-")
    return "%s/v1/products/%s/electricity-tariffs/E-1R-%s-%s/standard-unit-rates/?period_from=%s&period_to=%s" % (
        base, product, product, s.heater_agile_region, iso(from_min), iso(to_min))


def read(response, table, timeout_s=8):
    """Agile unit rates ``{"count", "next", "previous", "results": [{"value_inc_vat",
    "valid_from", "valid_to", ...}]}`` (newest first) into ``table`` (millipence per kWh).
    (the next page's URL or None, None or the reason)."""
    v = [None, 0, 0, None, None, None, False]  # next URL, rows, bad rows, this row's price, from, to; results

    def handle(name, key, x):
        if name == b"results":
            if x is dict:  # a row ends
                v[1] += 1
                if type(v[3]) is not int or v[4] is None or not table.add(v[4], v[4] + 30 if v[5] is None else v[5],
                                                                             v[3]):
                    v[2] += 1
                v[3] = v[4] = v[5] = None
            elif x is list:
                v[6] = True
            elif key == b"value_inc_vat":
                v[3] = x
            elif key == b"valid_from":
                v[4] = parse_time(x)
            elif key == b"valid_to":
                v[5] = parse_time(x)
        elif name is None and key == b"next":
            v[0] = x.decode() if type(x) is bytes else None

    why = scan(response, handle, (b"results", b"next", b"value_inc_vat", b"valid_from", b"valid_to"), timeout_s)
    if why:
        return None, why
    if not v[6]:
        return None, "no results list in the answer"
    if v[1] == 0:
        return None, "empty price list (not published yet?)"
    if v[2] == v[1]:
        return None, "no usable price in %d rows" % v[1]
    return v[0], None


def fetch(heater, utc_min):
    """Agile prices from now for two days (every page) into ``heater.prices`` (a new table,
    ``heater.tables[0]`` or made now): the table in use stays unless the new one is complete.
    None or the reason it failed."""
    s = heater.ctx.settings
    start = utc_min - utc_min % 30
    new = heater.tables[0] or SlotTable(100)
    heater.tables[0] = new  # kept for the next fetch unless this one succeeds
    clear(new)
    url = octopus_url(s, start, start + 2 * DAY_MIN, heater.bases.get("octopus", OCTOPUS))
    error = None
    for _ in range(_PAGES):
        box = [None]

        def parse(response):
            box[0], why = read(response, new, 2 * heater.timeout_s)
            return why

        error = get(heater, url, parse)
        if error or not box[0]:
            break
        url = box[0]
    if not error:
        sort(new)
        heater.prices = new
        heater.tables[0] = None
    heater.report("prices", error)
    return error
