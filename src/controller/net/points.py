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

from controller import const
from controller.net import once


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


def fmt(value, scale):
    """A stored integer as JSON text: 4512 at scale 100 -> "45.12"."""
    if scale != 100:
        return str(value)
    return "%s%d.%02d" % ("-" if value < 0 else "", abs(value) // 100, abs(value) % 100)


def q(value, scale=1):
    """A reading as a stored integer (rounded half away from zero), NONE for None (``q``: a
    quantised value; a one-letter name, as each distinct name is a string the board keeps)."""
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
        # the NTCs and the configured probes, in telemetry order (also Home Assistant's)
        self.sensors = [ctx.hot, ctx.cold] + [p for p in ctx.probes if p.rom_hex]
        n = len(self.sensors) + 1 + len(FAST.split()) + len(STATUS.split())  # values per point
        self.buf = bytearray(max(size, 512))
        self.head = self.tail = self.count = self.total = self.dropped = self.thinned = 0
        self.words = []
        self.start = ctx.clock.now_s()  # uptime when the link's clock read 0
        self.status_at = None  # when the last status point was taken; None: the next one is
        self.step = 0  # thinning spacing now (``thin``), tenths of a second
        # Value vectors: [0] the state before the oldest point, [1] the newest point, [2] the
        # point being taken (reading and thinning work on copies of [0], made for the call);
        # ``t``: the times of [0] and [1].
        self.v = [array("i", bytearray(4 * n)) for _ in range(3)]
        self.t = [0, 0]
        self.pos = 0  # read position
        self.status = 0  # the point just read is a status point

    # --- sampling -----------------------------------------------------------------------
    def index(self, x):
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

    def add(self, now, link=None):
        """Take a point now (``now``: the link's monotonic ms); thins or drops old ones if full."""
        t = now // 100
        status = self.status_at is None or t - self.status_at >= 600
        if status:
            self.status_at = t
        # sample: the sensors, their fault bits and the fast values into v (the newest point) ...
        ctx = self.ctx
        d = ctx.decision
        h = ctx.heater
        v = self.v[2]
        bits = i = 0
        for sensor in self.sensors:
            v[i] = q(sensor.value_c, 100)
            if sensor.fault is not None:
                bits |= 1 << i
            i += 1
        for x in (bits, d.duty_pct, self.index(d.mode), q(d.max_diff_k, 100), q(d.diff_k, 100),
                  1 if ctx.pump_on else 0, h and self.index(h.state), h and self.index(h.source),
                  h and h.element_w):
            v[i] = q(x)
            i += 1
        if status:  # ... and the status values (else they stay as they were)
            c = ctx.counters
            for x in (link and link.rssi, link and link.wifi_connects, link and link.mqtt_connects,
                      link and link.esp_resets, ctx.pump_starts, self.mem_free and self.mem_free(), self.dropped,
                      self.thinned, c and q(c.heat_today_kwh, 100), c and q(c.heat_total_kwh, 100),
                      c and q(c.pump_s_total / 36), c and c.starts_total, c and c.resets_total,
                      h and q(h.price_p_kwh, 100), h and q(h.energy_today_kwh, 100)):
                v[i] = q(x)
                i += 1
        n = 4 + 5 * len(v)  # the longest a record can be
        if len(self.buf) - self.tail < n:
            once("thin", "make_room", self, n)
        last = self.v[1]
        self.tail = self.put(self.tail, status, t - self.t[1], last, v)
        self.t[1] = t
        for i in range(len(v)):
            last[i] = v[i]
        self.count += 1
        self.total += 1

    # --- records --------------------------------------------------------------------------
    def write(self, pos, v):
        """Write ``v`` as a zigzag varint at ``pos``; the position after it."""
        v = v << 1 if v >= 0 else ((-v) << 1) - 1
        buf = self.buf
        while v >= 0x80:
            buf[pos] = (v & 0x7F) | 0x80
            v >>= 7
            pos += 1
        buf[pos] = v
        return pos + 1

    def read(self):
        """Read a zigzag varint at the read position."""
        buf = self.buf
        p = self.pos
        v = s = 0  # the value, its next 7 bits' shift
        while True:
            b = buf[p]
            p += 1
            v |= (b & 0x7F) << s
            if b < 0x80:
                break
            s += 7
        self.pos = p
        return -((v + 1) >> 1) if v & 1 else v >> 1

    def put(self, pos, status, dt, last, v):
        """Write the record of ``v`` after ``last`` at ``pos``: the time step and the status
        flag in one varint, a byte with a bit per group of eight values that changed, then for
        each such group a byte with a bit per changed value and their changes. The position
        after it."""
        buf = self.buf
        pos = self.write(pos, -dt - 1 if status else dt)
        start = pos
        buf[start] = 0
        pos += 1
        n = len(v)
        for k in range(0, n, 8):
            bits = 0
            for i in range(k, min(k + 8, n)):
                if v[i] != last[i]:
                    bits |= 1 << (i - k)
            if bits:
                buf[start] |= 1 << (k >> 3)
                buf[pos] = bits
                pos += 1
                for i in range(k, min(k + 8, n)):
                    if bits & (1 << (i - k)):
                        pos = self.write(pos, v[i] - last[i])
        return pos

    def get(self, v):
        """Apply the record at the read position to the vector ``v``; its time step (``status``:
        a status point)."""
        buf = self.buf
        dt = self.read()
        self.status = dt < 0
        d = buf[self.pos]
        self.pos += 1
        for k in range(0, len(v), 8):
            if d & (1 << (k >> 3)):
                bits = buf[self.pos]
                self.pos += 1
                for i in range(8):
                    if bits & (1 << i):
                        v[k + i] += self.read()
        return -dt - 1 if dt < 0 else dt

    def forget(self, n, drop=False):
        """Remove the ``n`` oldest points (sent and acknowledged; ``drop``: dropped)."""
        n = min(n, self.count)
        self.pos = self.head
        for _ in range(n):
            self.t[0] += self.get(self.v[0])
        self.head = self.pos
        self.count -= n
        if drop:
            self.dropped += n
        if not self.count:
            self.head = self.tail = self.step = 0

    # --- reading ------------------------------------------------------------------------
    def encode(self, limit, epoch_ms_at, extra="", hi=1000):
        """(JSON array as bytes, points in it) of the oldest points, {"ts": ms, "values": {...}}
        each: ``hi`` points and ``limit`` bytes at most (one point at least). Bytes, as
        adafruit_minimqtt sends them (it copies a str twice): each point is encoded as it is
        made and the join allocates the message once. ``extra``:
        JSON members added to the newest point only (the reason texts). ``epoch_ms_at(t_ms)``
        gives a point's wall-clock ms. Nothing is removed (``forget`` after the broker
        acknowledged)."""
        self.pos = self.head
        t = self.t[0]
        out = []
        size = n = 0
        v = array("i", self.v[0])  # the point being read
        a = FAST.split()  # the keys of a point, split once per message (not per point) ...
        b = a + STATUS.split()  # ... and of a status point
        while n < self.count and n < hi:
            t += self.get(v)
            parts = []
            i = 0
            for sensor in self.sensors:
                if v[i] != NONE:
                    parts.append('"%s_c":%s' % (sensor.name, fmt(v[i], 100)))
                i += 1
            for k in range(len(self.sensors)):
                parts.append('"%s_fault":%d' % (self.sensors[k].name, (v[i] >> k) & 1))
            i += 1
            for key in b if self.status else a:
                x = v[i]
                i += 1
                if x == NONE:
                    continue
                # (the key's last characters compared one at a time: ":2" and ":w" would be strings
                # kept for good)
                if key[-2] != ":":
                    parts.append('"%s":%s' % (key, x))  # an int
                elif key[-1] == "2":
                    parts.append('"%s":%s' % (key[:-2], fmt(x, 100)))
                elif x < len(self.words):
                    parts.append('"%s":"%s"' % (key[:-2], self.words[x]))
            if self.status:
                parts.append('"uptime_s":%d' % (self.start + t // 10))
            if extra and n == self.count - 1:
                parts.append(extra)
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
