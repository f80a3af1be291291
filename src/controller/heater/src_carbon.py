"""carbonintensity.org.uk forecasts (HEATER_TARIFF greenest): the URL and the reader of its
answer. Imported for a fetch (every 2 h) and forgotten after it."""

from controller.heater import http
from controller.heater.core import SlotTable
from controller.heater import feed
from controller.heater.feed import TransientList, TransientObject, clear, iso, number, parse_time, sort

CARBON = "https://api.carbonintensity.org.uk"


def carbon_url(s, from_min, base=CARBON):
    if s.heater_carbon_region:
        return "%s/regional/intensity/%s/fw48h/regionid/%d" % (base, iso(from_min), s.heater_carbon_region)
    return "%s/intensity/%s/fw48h" % (base, iso(from_min))


def _walk(obj, table, counts):
    """Every ``{"from", "to", "intensity": {"forecast"}}`` in ``obj``, also inside a region's
    ``"data"``; counts = [rows, unusable rows]."""
    if isinstance(obj, TransientList):
        for item in obj:
            _walk(item, table, counts)
        return
    if not isinstance(obj, TransientObject):
        return
    t0 = t1 = g = None
    row = False
    for k in obj:
        if k == "from":
            row = True
            t0 = parse_time(obj[k])
        elif k == "to":
            t1 = parse_time(obj[k])
        elif k == "intensity":
            v = obj[k]
            if isinstance(v, TransientObject):
                for k2 in v:
                    if k2 == "forecast":
                        g = v[k2]
        elif k == "data":
            _walk(obj[k], table, counts)
    if row:
        counts[0] += 1
        if t0 is None or t1 is None or not number(g) or not table.add(t0, t1, int(g)):
            counts[1] += 1


def read(answer, table):
    """National ``{"data": [rows]}`` or regional ``{"data": [{"regionid", ..., "data": [rows]}]}``
    (or ``"data": {...}``) into ``table`` (gCO2/kWh); None or the reason."""
    counts = [0, 0]
    _walk(answer, table, counts)
    if counts[0] == 0:
        return "no intensity forecast in the answer"
    if counts[1] == counts[0]:
        return "no usable intensity in %d rows" % counts[0]
    return None


def fetch(heater, utc):
    """The carbon-intensity forecast into ``heater.carbon`` (None after a failure); None or the
    reason it failed."""
    s = heater.ctx.settings
    table = heater.co2_table
    if table is None:
        table = heater.co2_table = SlotTable(100)  # made at the first fetch
    clear(table)

    err = http.get(heater, carbon_url(s, utc - utc % 30, heater.bases.get("carbon", CARBON)),
                   lambda resp: feed.read(resp, read, table, limit_s=2 * heater.timeout_s))
    sort(table)
    heater._report("carbon", err)
    heater.carbon = table if table.n and not err else None
    return err
