"""Octopus Agile half-hourly prices (HEATER_TARIFF cheapest or breakeven; legionella): the URL
and the reader of its answer. Imported for a fetch (about once a day) and forgotten after it."""

from controller.heater import http
from controller.heater import feed
from controller.heater.feed import TransientList, TransientObject, clear, iso, milli, number, parse_time, sort
from controller.localtime import DAY_MIN

OCTOPUS = "https://api.octopus.energy"
_PAGES = 3  # answer pages followed at most (two days are 96 rows; a page holds 100)


def octopus_url(s, from_min, to_min, base=OCTOPUS):
    product = s.heater_agile_product.replace("_", "-")
    return "%s/v1/products/%s/electricity-tariffs/E-1R-%s-%s/standard-unit-rates/?period_from=%s&period_to=%s" % (
        base, product, product, s.heater_agile_region, iso(from_min), iso(to_min))


def read(answer, table):
    """Agile unit rates ``{"count", "next", "previous", "results": [{"value_inc_vat",
    "valid_from", "valid_to", ...}]}`` (newest first) into ``table`` (millipence per kWh).
    (the next page's URL or None, None or the reason)."""
    next_url = None
    rows = bad = 0
    results = False
    if isinstance(answer, TransientObject):
        for key in answer:
            if key == "next":
                v = answer[key]
                next_url = v if isinstance(v, str) else None
            elif key == "results":
                v = answer[key]
                if isinstance(v, TransientList):
                    results = True
                    for row in v:
                        rows += 1
                        price = t0 = t1 = None
                        if isinstance(row, TransientObject):
                            for k in row:
                                if k == "value_inc_vat":
                                    price = row[k]
                                elif k == "valid_from":
                                    t0 = parse_time(row[k])
                                elif k == "valid_to":
                                    t1 = parse_time(row[k])
                        if not number(price) or t0 is None or not table.add(t0, t0 + 30 if t1 is None else t1,
                                                                            milli(price)):
                            bad += 1
    if not results:
        return None, "no results list in the answer"
    if rows == 0:
        return None, "empty price list (not published yet?)"
    if bad == rows:
        return None, "no usable price in %d rows" % rows
    return next_url, None


def fetch(heater, utc):
    """Agile prices from now for two days (every page) into ``heater.prices`` (the other of
    ``heater.tables``): the table in use stays unless the new one is complete. None or the
    reason it failed."""
    s = heater.ctx.settings
    start = utc - utc % 30
    new = heater.tables[1] if heater.prices is heater.tables[0] else heater.tables[0]
    clear(new)
    url = octopus_url(s, start, start + 2 * DAY_MIN, heater.bases.get("octopus", OCTOPUS))
    err = None
    for _ in range(_PAGES):
        box = [None]

        def reader(answer):
            box[0], why = read(answer, new)
            return why

        err = http.get(heater, url, lambda resp: feed.read(resp, reader, limit_s=2 * heater.timeout_s))
        if err or not box[0]:
            break
        url = box[0]
    if not err:
        sort(new)
        heater.prices = new
    heater._report("prices", err)
    return err
