"""carbonintensity.org.uk forecasts (HEATER_TARIFF greenest): the URL and the reader of its
answer. Imported for a fetch (every 2 h) and forgotten after it."""

from controller.heater.core import SlotTable
from controller.heater.task import get
from controller.heater.fetch import scan
from controller.heater.stamps import clear, iso, parse_time, sort

CARBON = "https://api.carbonintensity.org.uk"


def carbon_url(s, from_min, base=CARBON):
    if s.heater_carbon_region:
        return "%s/regional/intensity/%s/fw48h/regionid/%d" % (base, iso(from_min), s.heater_carbon_region)
    return "%s/intensity/%s/fw48h" % (base, iso(from_min))


def read(response, table, timeout_s=8):
    """Every ``{"from", "to", "intensity": {"forecast"}}`` of the national ``{"data": [rows]}``
    or the regional ``{"data": [{"regionid", ..., "data": [rows]}]}`` (or ``"data": {...}``)
    into ``table`` (gCO2/kWh); None or the reason."""
    v = [0, 0, None, None, None, False]  # rows, bad rows, this row's from, to, forecast; in a row

    def handle(name, key, x):
        if key == b"from":
            v[2] = parse_time(x)
            v[5] = True
        elif key == b"to":
            v[3] = parse_time(x)
        elif key == b"forecast" and name == b"intensity":
            v[4] = x
        elif x is dict and name == b"data" and v[5]:  # a row ends
            v[0] += 1
            if v[2] is None or v[3] is None or type(v[4]) is not int or not table.add(v[2], v[3], v[4] // 1000):
                v[1] += 1
            v[2] = v[3] = v[4] = None
            v[5] = False

    why = scan(response, handle, (b"data", b"from", b"to", b"intensity", b"forecast"), timeout_s)
    if why:
        return why
    if v[0] == 0:
        return "no intensity forecast in the answer"
    if v[1] == v[0]:
        return "no usable intensity in %d rows" % v[0]
    return None


def fetch(heater, utc_min):
    """The carbon-intensity forecast into ``heater.carbon`` (None after a failure); None or the
    reason it failed."""
    s = heater.ctx.settings
    table = heater.tables[1]
    if table is None:
        table = heater.tables[1] = SlotTable(100)  # made at the first fetch
    clear(table)

    error = get(heater, carbon_url(s, utc_min - utc_min % 30, heater.bases.get("carbon", CARBON)),
                   lambda response: read(response, table, 2 * heater.timeout_s))
    sort(table)
    heater.report("carbon", error)
    heater.carbon = table if table.n and not error else None
    return error
