"""Telemetry points: sampled from the controller into one fixed byte buffer, delta-coded, and
thinned when the buffer fills (docs/thingsboard.md, "Offline buffer").

A point is a record of the values that changed since the record before it: the time step in
tenths of a second (and whether it is a status point), bitmaps of the changed values and their
changes, as zigzag varints; 9 to 12 bytes with five probes, so TELEMETRY_BUFFER_KB = 10 holds an
hour at the 5 s default (docs/thingsboard.md, "Offline buffer"). The status keys (counters, RSSI, free heap,
totals) are sampled and sent once a minute. When the buffer is full, ``thin`` (imported for
that) thins the oldest three quarters; only when even that leaves no room does the oldest
point go, counted in ``dropped``. A point's wall-clock timestamp is computed when it is sent,
so points taken before the clock was known are stamped right once it is.
"""

from array import array

from controller.net import once

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

NONE = const(-268435456)  # "no value": -(1 << 28), so every change stays a small int on the board
# (Other limits are ints written where they are used, each name being a string the board keeps:
# values within +-268435455; status values every 600 tenths of a second (a minute); 40
# distinct mode and heater words kept; a buffer of 512 bytes at least.)

# The values after the sensors' temperatures and their fault bits, as "key:how" (how: 2 two
# decimals, w a word, nothing an integer): the values of every point, then the status.
FAST = "duty_pct mode:w max_diff_k:2 diff_k:2 pump_on heater_state:w heater_source:w heater_w"
STATUS = ("rssi wifi_connects mqtt_connects esp_resets pump_starts free_bytes dropped thinned heat_today_kwh:2 "
          "heat_total_kwh:2 pump_hours_total:2 pump_starts_total resets_total heater_price_p_kwh:2 "
          "heater_energy_today_kwh:2")


def sensors_of(ctx):
    """[(name, sensor)]: the NTCs and the configured probes, in telemetry order."""
    out = [(ctx.hot.name, ctx.hot), (ctx.cold.name, ctx.cold)]
    for probe in ctx.probes:
        if probe.rom_hex:
            out.append((probe.name, probe))
    return out


def fmt(value, scale):
    """A stored integer as JSON text: 4512 at scale 100 -> "45.12"."""
    if scale != 100:
        return str(value)
    return "%s%d.%02d" % ("-" if value < 0 else "", abs(value) // 100, abs(value) % 100)


def _int(value, scale=1):
    """A reading as a stored integer (rounded half away from zero), NONE for None."""
    if value is None or value == NONE:
        return NONE
    v = value * scale
    v = int(v + 0.5) if v >= 0 else -int(-v + 0.5)
    return min(max(v, -268435455), 268435455)


class Points:
    """:param ctx: the Controller; :param size: buffer bytes (TELEMETRY_BUFFER_KB * 1024)
    :param mem_free: callable giving free heap bytes, or None

    ``count`` points are buffered; ``total`` were ever taken; ``dropped`` were lost (the
    buffer could not be thinned further); ``thinned`` were removed by thinning."""

    def __init__(self, ctx, size, mem_free=None):
        self.ctx = ctx
        self.mem_free = mem_free
        self.sensors = sensors_of(ctx)
        n = len(self.sensors) + 1 + len(FAST.split()) + len(STATUS.split())  # values per point
        self.buf = bytearray(max(size, 512))
        self.head = self.tail = self.count = self.total = self.dropped = self.thinned = 0
        self.words = []
        self.t0_s = ctx.clock.now_s()  # uptime when the link's clock read 0
        self.status_at = None  # when the last status point was taken; None: the next one is
        self._step = 0  # thinning spacing now (``thin``), tenths of a second
        # Value vectors: [0] the state before the oldest point, [1] a point being read, [2] the
        # last point kept while thinning, [3] the newest point, [4] the point being taken.
        self._v = [array("i", bytearray(4 * n)) for _ in range(5)]
        self._t = [0, 0, 0, 0]
        self._p = 0  # read position
        self._st = 0  # the point just read is a status point

    def __len__(self):
        return self.count

    # --- sampling -----------------------------------------------------------------------
    def _word(self, x):
        """The number of the word ``x`` (a mode or heater word), NONE for None or past 40 words."""
        if x is None:
            return NONE
        words = self.words
        for i in range(len(words)):
            if words[i] == x:
                return i
        if len(words) >= 40:
            return NONE
        words.append(x)
        return len(words) - 1

    def add(self, t_ms, link=None):
        """Take a point now (``t_ms``: the link's monotonic ms); thins or drops old ones if full."""
        t = t_ms // 100
        status = self.status_at is None or t - self.status_at >= 600
        if status:
            self.status_at = t
        # sample: the sensors, their fault bits and the fast values into v (the newest point) ...
        ctx = self.ctx
        d = ctx.decision
        h = ctx.heater
        v = self._v[4]
        mask = i = 0
        for _, sensor in self.sensors:
            v[i] = _int(sensor.value_c, 100)
            if sensor.fault is not None:
                mask |= 1 << i
            i += 1
        for x in (mask, d.duty_pct, self._word(d.mode), _int(d.max_diff_k, 100), _int(d.diff_k, 100),
                  1 if ctx.pump_on else 0, h and self._word(h.state), h and self._word(h.source),
                  h and h.element_w):
            v[i] = _int(x)
            i += 1
        if status:  # ... and the status values (else they stay as they were)
            c = ctx.counters
            for x in (link and link.rssi, link and link.wifi_connects, link and link.mqtt_connects,
                      link and link.esp_resets, ctx.pump_starts, self.mem_free and self.mem_free(), self.dropped,
                      self.thinned, c and _int(c.heat_today_kwh, 100), c and _int(c.heat_total_kwh, 100),
                      c and _int(c.pump_s_total / 36), c and c.starts_total, c and c.resets_total,
                      h and _int(h.price_p_kwh, 100), h and _int(h.energy_today_kwh, 100)):
                v[i] = _int(x)
                i += 1
        if len(self.buf) - self.tail < 4 + 5 * len(self._v[4]):  # the longest a record can be
            once("thin", "make_room", self, 4 + 5 * len(self._v[4]))
        last, new = self._v[3], self._v[4]
        self.tail = self._put(self.tail, status, t - self._t[3], last, new)
        self._t[3] = t
        for i in range(len(new)):
            last[i] = new[i]
        self.count += 1
        self.total += 1

    # --- records --------------------------------------------------------------------------
    def _w(self, pos, v):
        """Write ``v`` as a zigzag varint at ``pos``; the position after it."""
        v = v << 1 if v >= 0 else ((-v) << 1) - 1
        buf = self.buf
        while v >= 0x80:
            buf[pos] = (v & 0x7F) | 0x80
            v >>= 7
            pos += 1
        buf[pos] = v
        return pos + 1

    def _r(self):
        """Read a zigzag varint at the read position."""
        buf = self.buf
        p = self._p
        v = s = 0  # the value, its next 7 bits' shift
        while True:
            b = buf[p]
            p += 1
            v |= (b & 0x7F) << s
            if b < 0x80:
                break
            s += 7
        self._p = p
        return -((v + 1) >> 1) if v & 1 else v >> 1

    def _put(self, pos, status, dt, old, new):
        """Write the record of ``new`` after ``old`` at ``pos``: the time step and the status
        flag in one varint, a byte with a bit per group of eight values that changed, then for
        each such group a byte with a bit per changed value and their changes. The position
        after it."""
        buf = self.buf
        pos = self._w(pos, -dt - 1 if status else dt)
        groups = pos
        buf[groups] = 0
        pos += 1
        n = len(new)
        for g in range(0, n, 8):
            bits = 0
            for i in range(g, min(g + 8, n)):
                if new[i] != old[i]:
                    bits |= 1 << (i - g)
            if bits:
                buf[groups] |= 1 << (g >> 3)
                buf[pos] = bits
                pos += 1
                for i in range(g, min(g + 8, n)):
                    if bits & (1 << (i - g)):
                        pos = self._w(pos, new[i] - old[i])
        return pos

    def _get(self, v):
        """Apply the record at the read position to the vector ``v``; its time step (``_st``:
        a status point)."""
        buf = self.buf
        dt = self._r()
        self._st = dt < 0
        groups = buf[self._p]
        self._p += 1
        for g in range(0, len(v), 8):
            if groups & (1 << (g >> 3)):
                bits = buf[self._p]
                self._p += 1
                for i in range(8):
                    if bits & (1 << i):
                        v[g + i] += self._r()
        return -dt - 1 if dt < 0 else dt

    def _copy(self, i, j):
        """Point ``j`` := point ``i`` (their times and value vectors)."""
        self._t[j] = self._t[i]
        a, b = self._v[i], self._v[j]
        for i in range(len(a)):
            b[i] = a[i]

    def forget(self, n, lost=False):
        """Remove the ``n`` oldest points (sent and acknowledged; ``lost``: dropped)."""
        n = min(n, self.count)
        self._p = self.head
        for _ in range(n):
            self._t[0] += self._get(self._v[0])
        self.head = self._p
        self.count -= n
        if lost:
            self.dropped += n
        if not self.count:
            self.head = self.tail = self._step = 0

    # --- reading ------------------------------------------------------------------------
    def encode(self, limit, epoch_ms_at, live="", most=1000):
        """(JSON array as bytes, points in it) of the oldest points, {"ts": ms, "values": {...}}
        each: ``most`` points and ``limit`` bytes at most (one point at least). Bytes, as
        adafruit_minimqtt sends them (it copies a str twice): each point is encoded as it is
        made and the join allocates the message once. ``live``:
        JSON members added to the newest point only (the reason texts). ``epoch_ms_at(t_ms)``
        gives a point's wall-clock ms. Nothing is removed (``forget`` after the broker
        acknowledged)."""
        self._copy(0, 1)
        self._p = self.head
        t = self._t[0]
        out = []
        size = n = 0
        v = self._v[1]
        while n < self.count and n < most:
            t += self._get(v)
            parts = []
            i = 0
            for name, _ in self.sensors:
                if v[i] != NONE:
                    parts.append('"%s_c":%s' % (name, fmt(v[i], 100)))
                i += 1
            for j in range(len(self.sensors)):
                parts.append('"%s_fault":%d' % (self.sensors[j][0], (v[i] >> j) & 1))
            i += 1
            for key in (FAST + " " + STATUS if self._st else FAST).split():
                x = v[i]
                i += 1
                if x == NONE:
                    continue
                if key[-2:] == ":2":
                    parts.append('"%s":%s' % (key[:-2], fmt(x, 100)))
                elif key[-2:] != ":w":
                    parts.append('"%s":%s' % (key, x))  # an int
                elif x < len(self.words):
                    parts.append('"%s":"%s"' % (key[:-2], self.words[x]))
            if self._st:
                parts.append('"uptime_s":%d' % (self.t0_s + t // 10))
            if live and n == self.count - 1:
                parts.append(live)
            text = ('{"ts":%d,"values":{%s}}' % (epoch_ms_at(t * 100), ",".join(parts))).encode()
            if n and size + len(text) + 3 > limit:
                break
            out.append(text)
            size += len(text) + 1
            n += 1
        if out:  # the brackets on the first and last point: the message is allocated once, by the join
            out[0] = b"[" + out[0]
            out[-1] += b"]"
        return b",".join(out) or b"[]", n

    def values(self, i):
        """Point ``i`` (0 = oldest) as a dict of JSON-ready values (host tools and tests)."""
        import json

        return json.loads(self.encode(1 << 30, lambda t: t, "", i + 1)[0])[i]["values"]
