"""Telemetry points: sampled from the controller into a bounded ring of compact arrays.

A point is one row of integers (temperatures in hundredths of a degree, counters as they
are) plus the link's monotonic milliseconds when it was taken, so about 50 bytes. Its
wall-clock timestamp is computed when it is sent, so points taken before the clock was
known get correct timestamps once it is. When the ring is full the oldest point is
overwritten and counted in ``dropped``.
"""

import json
from array import array

NONE = -32768  # "no value" in the narrow array
_MASK32 = 0xFFFFFFFF
_NARROW_MAX = 32767

# Fixed fields after the sensors: (key, scale, wide). scale 100 = two decimals.
FIXED = (
    ("duty_pct", 1, 0), ("mode", 0, 0), ("max_diff_k", 100, 0), ("diff_k", 100, 0),
    ("pump_on", 1, 0), ("rssi", 1, 0), ("heat_today_kwh", 100, 0),
    ("wifi_connects", 1, 1), ("mqtt_connects", 1, 1), ("esp_resets", 1, 1), ("pump_starts", 1, 1), ("uptime_s", 1, 1),
    ("free_bytes", 1, 1), ("dropped", 1, 1),
    ("heat_total_kwh", 100, 1), ("pump_hours_total", 100, 1), ("pump_starts_total", 1, 1), ("resets_total", 1, 0),
)


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
    sign = "-" if value < 0 else ""
    value = abs(value)
    return "%s%d.%02d" % (sign, value // 100, value % 100)


class Points:
    """:param ctx: the Controller; :param size: points kept
    :param mem_free: callable giving free heap bytes, or None"""

    def __init__(self, ctx, size, mem_free=None):
        self.ctx = ctx
        self.mem_free = mem_free
        self.sensors = sensors_of(ctx)
        keys = []
        layout = []  # (key, scale, wide, index in its array)
        narrow = wide = 0
        for name, _ in self.sensors:
            layout.append((name + "_c", 100, 0, narrow))
            narrow += 1
        for key, scale, is_wide in FIXED:
            if is_wide:
                layout.append((key, scale, 1, wide))
                wide += 1
            else:
                layout.append((key, scale, 0, narrow))
                narrow += 1
        for item in layout:
            keys.append(item[0])
        self.fault_mask_at = narrow  # one bit per sensor
        narrow += 1
        self.layout = layout
        self.nn = narrow
        self.nw = wide
        self.size = size
        # From a bytearray: a raw copy on MicroPython too. "I"/"i" are 32 bits everywhere.
        self.t = array("I", bytearray(4 * size))
        self.narrow = array("h", bytearray(2 * size * narrow))
        self.wide = array("i", bytearray(4 * size * wide))
        self.modes = []
        self.head = 0  # oldest
        self.count = 0
        self.dropped = 0
        self.total = 0  # points ever taken
        self.keys = keys + [name + "_fault" for name, _ in self.sensors]

    def __len__(self):
        return self.count

    def _mode_index(self, mode):
        modes = self.modes
        for i in range(len(modes)):
            if modes[i] == mode:
                return i
        modes.append(mode)
        return len(modes) - 1

    def add(self, t_ms, link=None):
        """Take a point now (``t_ms``: the link's monotonic ms); the oldest goes if full."""
        if self.count == self.size:
            self.head = (self.head + 1) % self.size
            self.count -= 1
            self.dropped += 1
        slot = (self.head + self.count) % self.size
        self.count += 1
        self.total += 1
        self.t[slot] = t_ms & _MASK32
        self._fill(slot, link)

    def _fill(self, slot, link):
        ctx = self.ctx
        d = ctx.decision
        counters = ctx.counters
        n0 = slot * self.nn
        w0 = slot * self.nw
        nv = self.narrow
        wv = self.wide
        mask = 0
        i = 0
        for _, sensor in self.sensors:
            v = sensor.value_c
            nv[n0 + i] = _narrow(v, 100)
            if sensor.fault is not None:
                mask |= 1 << i
            i += 1
        nv[n0 + self.fault_mask_at] = mask
        vals = (d.duty_pct, self._mode_index(d.mode), d.max_diff_k, d.diff_k, 1 if ctx.pump_on else 0,
                link.rssi if link is not None else None,
                counters.heat_today_kwh if counters is not None else None,
                link.wifi_connects if link is not None else 0, link.mqtt_connects if link is not None else 0,
                link.esp_resets if link is not None else 0,
                ctx.pump_starts, ctx.clock.now_s(), self.mem_free() if self.mem_free else None, self.dropped,
                counters.heat_total_kwh if counters is not None else None,
                counters.pump_s_total / 3600 if counters is not None else None,
                counters.starts_total if counters is not None else None,
                counters.resets_total if counters is not None else None)
        k = len(self.sensors)
        for j in range(len(FIXED)):
            _, scale, is_wide, at = self.layout[k + j]
            v = vals[j]
            if is_wide:
                wv[w0 + at] = NONE if v is None else int(v * scale + 0.5) if scale > 1 else int(v)
            else:
                nv[n0 + at] = _narrow(v, scale or 1)

    def values(self, i):
        """Point ``i`` (0 = oldest) as a dict of JSON-ready Python values."""
        return json.loads(self._values_json((self.head + i) % self.size))

    def _values_json(self, slot):
        n0 = slot * self.nn
        w0 = slot * self.nw
        parts = []
        for key, scale, is_wide, at in self.layout:
            v = self.wide[w0 + at] if is_wide else self.narrow[n0 + at]
            if v == NONE:
                continue
            if scale == 0:
                parts.append('"%s":%s' % (key, json.dumps(self.modes[v])))
            else:
                parts.append('"%s":%s' % (key, fmt(v, scale)))
        mask = self.narrow[n0 + self.fault_mask_at]
        for i in range(len(self.sensors)):
            parts.append('"%s_fault":%d' % (self.sensors[i][0], (mask >> i) & 1))
        return "{" + ",".join(parts) + "}"

    def encode(self, n, epoch_ms_at):
        """JSON array of the ``n`` oldest points, each {"ts": ms, "values": {...}}.

        ``epoch_ms_at(t_ms)`` gives the wall-clock ms of a point's monotonic ms."""
        parts = []
        for i in range(min(n, self.count)):
            slot = (self.head + i) % self.size
            parts.append('{"ts":%d,"values":%s}' % (epoch_ms_at(self.t[slot]), self._values_json(slot)))
        return "[" + ",".join(parts) + "]"

    def forget(self, n):
        """Remove the ``n`` oldest points (after the broker acknowledged them)."""
        n = min(n, self.count)
        self.head = (self.head + n) % self.size
        self.count -= n


def _narrow(value, scale):
    if value is None:
        return NONE
    v = value * scale
    v = int(v + 0.5) if v >= 0 else -int(-v + 0.5)
    if v > _NARROW_MAX:
        return _NARROW_MAX
    if v <= NONE:
        return NONE + 1
    return v
