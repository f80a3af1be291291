"""HTTP for the heater through adafruit_requests: a session comes in from outside (the
ESP32's socket pool on the board, CPython's socket module on a PC). Bodies are streamed into
a 256-byte buffer and scanned as they arrive; nothing holds a whole answer. Every call has a
bounded time and returns None or the reason it failed, in words.

adafruit_requests retries a request once when the first read fails, so a dead server costs up
to twice ``timeout_s``; the body must also arrive within twice ``timeout_s``.
"""

from adafruit_ticks import ticks_diff, ticks_ms

from controller.heater.jsonstream import JsonError, Scanner
from controller.heater.slots import iso

OCTOPUS = "https://api.octopus.energy"
CARBON = "https://api.carbonintensity.org.uk"
FORECAST = "https://api.forecast.solar"
EMONCMS_ORG = "https://emoncms.org"

_BUF = bytearray(256)
_SAFE = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"


def ip_text(numbers):
    """"a.b.c.d" of a 4-number list setting; None unless it is one."""
    if len(numbers) != 4:
        return None
    return "%d.%d.%d.%d" % tuple(int(n) for n in numbers)


def quote(text):
    out = []
    for ch in text:
        out.append(ch if ord(ch) in _SAFE else "%%%02X" % ord(ch))
    return "".join(out)


def why(exc):
    """Words for an exception from the network stack."""
    name = type(exc).__name__
    if name == "OutOfRetries":  # adafruit_requests tried twice; CPython keeps the cause
        cause = getattr(exc, "__cause__", None)
        return "no answer (%s)" % (why(cause) if cause is not None else "connection failed twice")
    text = str(exc)
    if name in ("TimeoutError", "timeout") or "timed out" in text:
        return "timed out"
    return "%s: %s" % (name, text) if text else name


def _close(session, resp):
    if resp is None:
        return
    sock = resp.socket
    if sock is not None:
        try:
            session._connection_manager.close_socket(sock)  # never reuse a half-read socket
        except Exception:  # noqa: BLE001 - closing is best effort; the socket is dropped anyway
            pass
        resp.socket = None


def get(session, url, timeout_s, sink, ticks=ticks_ms):
    """GET ``url`` and pass the body to ``sink(buf, n)`` chunk by chunk; None or the reason."""
    resp = None
    t0 = ticks()
    limit_ms = int(timeout_s * 2000)
    try:
        resp = session.get(url, timeout=timeout_s, stream=True)
        if resp.status_code != 200:
            return "HTTP %d" % resp.status_code
        read = resp._readinto  # pinned adafruit_requests 4.1: fills our buffer, no copies
        while True:
            n = read(_BUF)
            if not n:
                return None
            sink(_BUF, n)
            if ticks_diff(ticks(), t0) > limit_ms:
                return "answer took longer than %d s" % (limit_ms // 1000)
    except JsonError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - any network failure becomes a reason in words
        return why(exc)
    finally:
        _close(session, resp)


def get_json(session, url, handler, timeout_s, str_cap=48, ticks=ticks_ms):
    """GET ``url`` and scan its JSON into ``handler``; None or the reason it failed."""
    sc = Scanner(handler, str_cap)
    err = get(session, url, timeout_s, sc.feed, ticks)
    if err is None:
        try:
            sc.finish()
        except JsonError as exc:
            return str(exc)
        err = handler.check()
    return err


def octopus_url(s, from_min, to_min, base=OCTOPUS):
    product = s.heater_agile_product.replace("_", "-")
    return "%s/v1/products/%s/electricity-tariffs/E-1R-%s-%s/standard-unit-rates/?period_from=%s&period_to=%s" % (
        base, product, product, s.heater_agile_region, iso(from_min), iso(to_min))


def carbon_url(s, from_min, base=CARBON):
    if s.heater_carbon_region:
        return "%s/regional/intensity/%s/fw48h/regionid/%d" % (base, iso(from_min), s.heater_carbon_region)
    return "%s/intensity/%s/fw48h" % (base, iso(from_min))


def forecast_url(s, base=FORECAST):
    return "%s/estimate/%.4f/%.4f/%d/%d/%.2f" % (base, s.heater_lat, s.heater_lon, int(s.heater_pv_dec),
                                               int(s.heater_pv_az), s.heater_pv_kwp)


def meter_url(s, base=None):
    """The meter's URL; ``base`` ("http://host:port") replaces the IP setting."""
    if base is None:
        ip = ip_text(s.heater_meter_ip)
        if ip is None:
            return None
        base = "http://" + ip
    m = s.heater_meter
    if m == "iotawatt":
        return "%s/query?select=[time.utc.unix,%s.watts]&begin=s-10s&end=s&group=all&format=json" % (
            base, s.heater_meter_series)
    if m == "shelly1":
        return base + "/status"
    if m == "shelly2":
        return base + "/rpc/EM.GetStatus?id=0"
    return "%s/rpc/EM1.GetStatus?id=%d" % (base, s.heater_meter_channel)


class _Reply:
    def __init__(self):
        self.text = b""

    def feed(self, buf, n):
        if len(self.text) < 64:
            self.text += bytes(buf[:min(n, 64)])


def _emon(session, url, timeout_s):
    reply = _Reply()
    err = get(session, url, timeout_s, reply.feed)
    if err is None and b"ok" not in reply.text and b"true" not in reply.text:
        err = "EmonCMS refused: %s" % reply.text.decode("utf-8", "replace")[:40]
    return err


def _fields(row):
    t, on, price, grid_w, top_c = row
    out = '{"element":%d' % on
    for name, v in (("price", price), ("grid_w", grid_w), ("top_c", top_c)):
        if v is not None:
            out += ',"%s":%s' % (name, "%.2f" % v)
    return out + "}"


def emoncms_post(session, base, s, row, timeout_s):
    """Post one row (unix_s, element 0/1, price p/kWh, grid W, tank top C; None = absent)."""
    url = "%s/input/post?node=%s&fulljson=%s&apikey=%s" % (base, s.heater_emoncms_node, quote(_fields(row)),
                                                           s.heater_emoncms_key)
    return _emon(session, url, timeout_s)


def emoncms_bulk(session, base, s, rows, now_unix_s, timeout_s):
    """Replay buffered rows with their own times (input/bulk, sentat = now)."""
    parts = []
    for row in rows:
        item = '[%d,"%s"' % (row[0], s.heater_emoncms_node)
        fields = _fields(row)[1:-1].split(",")
        for f in fields:
            item += ",{%s}" % f
        parts.append(item + "]")
    url = "%s/input/bulk?data=%s&sentat=%d&apikey=%s" % (base, quote("[" + ",".join(parts) + "]"), now_unix_s,
                                                         s.heater_emoncms_key)
    return _emon(session, url, timeout_s)
