"""EmonCMS logging (HEATER_EMONCMS_KEY set): input/post of one row, input/bulk of the rows
buffered while it was down. Imported only when a key is set."""

from controller.heater.http import get, ip_text

EMONCMS_ORG = "https://emoncms.org"
_EMON_S = 60  # post period
_BUFFER_ROWS = 60  # rows kept while EmonCMS is down
_SAFE = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"


def quote(text):
    out = []
    for ch in text:
        out.append(ch if ord(ch) in _SAFE else "%%%02X" % ord(ch))
    return "".join(out)


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


def log(heater, now_s, epoch):
    """One EmonCMS row of ``heater`` (task.Heater) now, or the buffered ones with it."""
    s = heater.ctx.settings
    heater.next_s["emoncms"] = now_s + _EMON_S
    base = heater.bases.get("emoncms")
    if base is None:
        ip = ip_text(s.heater_emoncms_ip)
        base = EMONCMS_ORG if not s.heater_emoncms_ip else ("http://" + ip if ip else None)
    if base is None:
        heater._report("emoncms", "HEATER_EMONCMS_IP is not 4 numbers")
        return
    row = (epoch, 1 if heater.state == "on" else 0, heater.price_p_kwh, heater.grid_w, heater.inp.top_c)
    if heater.backlog:
        heater.backlog.append(row)
        err = emoncms_bulk(heater.session, base, s, heater.backlog, epoch, heater._timeout())
        if not err:
            heater.ctx.log.info("heater: %d buffered EmonCMS rows replayed" % len(heater.backlog))
            heater.backlog = []
    else:
        err = emoncms_post(heater.session, base, s, row, heater._timeout())
        if err:
            heater.backlog.append(row)
    if len(heater.backlog) > _BUFFER_ROWS:
        heater.backlog.pop(0)
    heater._report("emoncms", err)
