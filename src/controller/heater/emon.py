"""EmonCMS logging (HEATER_EMONCMS_KEY set): a row a minute (element on/off, price, grid power,
tank top) sent with ``input/bulk``. While EmonCMS does not take them the newest ``ROWS`` rows
are kept (older ones are dropped and counted); once it answers they go, oldest first, in
requests of at most ``URL_MAX`` bytes, one a minute with the new row, until the backlog has
drained. The URL is written from percent-encoded pieces: no character-by-character quoting.
Imported at the first post, kept (it posts every minute).
"""

from array import array

from controller import const
from controller.heater.task import get, head, told
from controller.localtime import EPOCH_2000_S


EMONCMS_ORG = "https://emoncms.org"
ROWS = const(60)  # rows kept while EmonCMS is down (an hour)
URL_MAX = const(2000)  # bytes per request: far below the 8 KB web servers take
NONE = const(-0x3FFFFFFF)  # a field without a value
# A row of input/bulk's JSON, percent-encoded: [t,"node",{"element":1},{"price":-1.250},...]
_ROW = "%%5B%d%%2C%%22%s%%22%%2C%%7B%%22element%%22%%3A%d%%7D%s%s%s%%5D"
_PRICE = "%%2C%%7B%%22price%%22%%3A%s%d.%03d%%7D"  # p/kWh, from millipence
_GRID = "%%2C%%7B%%22grid_w%%22%%3A%d%%7D"  # W
_TOP = "%%2C%%7B%%22top_c%%22%%3A%s%d.%02d%%7D"  # C, from centi-C


def _field(template, v, scale):
    """A field's text ("" when absent); a fixed-point value is written sign, whole, fraction."""
    if v == NONE:
        return ""
    if not scale:
        return template % v
    a = -v if v < 0 else v
    return template % ("-" if v < 0 else "", a // scale, a % scale)


class Log:
    """The rows EmonCMS has not taken yet: a ring of the newest ``ROWS``, five ints each (Unix
    time - EPOCH_2000_S, element 0/1, price millipence/kWh, grid W, tank top centi-C; NONE when
    absent)."""

    def __init__(self):
        self.rows = array("i", [0] * (ROWS * 5))
        self.head = 0  # the oldest row
        self.n = 0
        self.dropped = 0  # rows lost to the ring's size since EmonCMS last took some

    def add(self, row):
        if self.n == ROWS:
            self.head = (self.head + 1) % ROWS
            self.n -= 1
            self.dropped += 1
        i = (self.head + self.n) % ROWS * 5
        for k in range(5):
            self.rows[i + k] = row[k]
        self.n += 1

    def row_text(self, k, node):
        """Row ``k`` (0 = oldest) of the ring as percent-encoded JSON: [t,"node",{..},..]."""
        i = (self.head + k) % ROWS * 5
        r = self.rows
        return _ROW % (r[i] + EPOCH_2000_S, node, r[i + 1], _field(_PRICE, r[i + 2], 1000),
                       _field(_GRID, r[i + 3], 0), _field(_TOP, r[i + 4], 100))

    def url(self, base, s, epoch):
        """(the input/bulk URL of the oldest rows that fit in URL_MAX bytes, how many)."""
        parts = ["%s/input/bulk?sentat=%d&apikey=%s&data=%%5B" % (base, epoch, s.heater_emoncms_key)]
        size = len(parts[0]) + 3
        k = 0
        while k < self.n:
            text = self.row_text(k, s.heater_emoncms_node)
            if k and size + 3 + len(text) > URL_MAX:
                break
            if k:
                parts.append("%2C")
                size += 3
            parts.append(text)
            size += len(text)
            k += 1
        parts.append("%5D")
        return "".join(parts), k


def _taken(response):
    text = head(response, 128).strip()
    if text == b"ok" or (b'"success"' in text and b"true" in text):
        return None
    return "EmonCMS refused: %s" % (told(text) or "answer %r" % text[:32])[:64]


def post(heater, epoch):
    """Add the row of ``heater`` (task.Heater) now and send the oldest rows that fit."""
    s = heater.ctx.settings
    log = heater.emon
    if log is None:
        log = heater.emon = Log()
    base = heater.bases.get("emoncms")
    ip = s.heater_emoncms_ip
    if base is None:
        base = EMONCMS_ORG if not ip else ("http://%d.%d.%d.%d" % tuple(int(n) for n in ip) if len(ip) == 4 else None)
    top = heater.top_c
    price = heater.price
    log.add((int(epoch) - EPOCH_2000_S, 1 if heater.state == "on" else 0, NONE if price is None else price,
             NONE if heater.grid_w is None else heater.grid_w,
             NONE if top is None else (int(top * 100 + 0.5) if top >= 0 else -int(0.5 - top * 100))))
    if base is None:
        error = "HEATER_EMONCMS_IP is not 4 numbers"
    else:
        url, k = log.url(base, s, epoch)
        error = get(heater, url, _taken)
        if not error:
            if k > 1 or log.dropped:
                heater.ctx.log.info("heater: %d buffered EmonCMS rows sent, %d left%s" % (
                    k, log.n - k, ", %d older ones dropped while it was down" % log.dropped if log.dropped else ""))
            log.head = (log.head + k) % ROWS
            log.n -= k
            log.dropped = 0
    heater.report("emoncms", error)
