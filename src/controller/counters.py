"""Counters kept across reboots: pump run time and starts, heat delivered, faults by kind,
resets by cause, and today's heat and pump time. A plain object: numbers in, numbers out; the
bytes it encodes go to a slice of ``microcontroller.nvm`` (see ``controller.recovery``).

Every figure is an integer, so nothing drifts on CircuitPython's 30-bit floats and no big
integers are allocated: pump time in whole seconds (plus a millisecond carry kept in RAM),
heat in watt-hours (plus a joule carry in RAM).

Block layout (big-endian): magic ``b"HWCC"``, version (1 byte), payload length (2 bytes),
payload, CRC-16/CCITT-FALSE of everything before it (2 bytes). The payload holds the fixed
totals (``_FIXED``), the pending reset cause and two name -> count tables (faults, resets).
``load`` (the decoder is in controller.restore: it runs once at boot) rejects a block with a bad
magic, an unknown version, a wrong length, a bad CRC or values no real run produces, and the
counters then start again from zero: a corrupt block is never trusted. An erased block (all
0xFF or all zero) is simply "nothing saved yet".
"""

import struct

from controller import const

MAGIC = b"HWCC"
VERSION = 1
_HEAD = 7  # the block's header: magic, version, length
BLOCK_BYTES = 1024  # the nvm slice reserved for the block (the largest block is 858 bytes)
_FIXED = ">IIIIIIBB"  # pump_s_total, pump_s_today, starts_total, heat_total_wh, heat_today_wh, day,
#                       crash_streak, safe_streak
TABLE_MAX = 16  # kinds per table; more are counted under "other"
NAME_MAX = 20
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"
_COUNT_MAX = 100000000
_DAY_S = const(86400)
WATER_J_PER_LK = 4186  # J per litre and kelvin


def crc16(data):
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of ``data``."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        crc &= 0xFFFF
    return crc


def clean_name(text):
    """``text`` as a table key: lower case, [a-z0-9_] only, at most NAME_MAX characters."""
    out = []
    for ch in str(text).lower():
        out.append(ch if ch in _NAME_CHARS else "_")
        if len(out) == NAME_MAX:
            break
    return "".join(out) or "unknown"


class Counters:
    """:param flow_lpm: pump flow at 100 % duty, litres per minute (PUMP_FLOW_LPM)
    :param j_per_lk: the fluid's heat per litre and kelvin (FLUID_J_PER_LK)
    :param offset_min: local time minus UTC, minutes ("today" ends at local midnight), or a
        function of the Unix time giving it (summer time, ``controller.localtime``)
    """

    def __init__(self, flow_lpm=3.0, j_per_lk=WATER_J_PER_LK, offset_min=0):
        self.flow_lpm = flow_lpm
        self.j_per_lk = j_per_lk
        self.offset_min = offset_min
        self.heat_measured = False  # True while a probe pair gives the heat figure
        self.cause = ""  # what started this run (set by count_boot)
        self._zero()

    def _zero(self):
        self.pump_s_total = 0
        self.pump_s_today = 0
        self.starts_total = 0
        self.heat_total_wh = 0
        self.heat_today_wh = 0
        self.day = 0  # local day number (days since 1970) "today" belongs to; 0 = unknown
        self.crash_streak = 0  # crashes saved since the last healthy save
        self.safe_streak = 0  # safe-mode entries saved since the last healthy save
        self.pending = ""  # reset cause to count at the next boot (set before a deliberate restart)
        self.faults = {}
        self.resets = {}
        self._pump_ms = 0  # carries below one second / one watt-hour (RAM only)
        self._heat_j = 0.0
        self._day_start_s = 0  # uptime "today" started at, while the wall clock is unknown

    # --- figures -------------------------------------------------------------------------
    @property
    def heat_today_kwh(self):
        """Heat delivered today, kWh; None without a probe pair to measure it."""
        return self.heat_today_wh / 1000 if self.heat_measured else None

    @property
    def heat_total_kwh(self):
        return self.heat_total_wh / 1000 if self.heat_measured or self.heat_total_wh else None

    @property
    def faults_total(self):
        return total(self.faults)

    @property
    def resets_total(self):
        return total(self.resets)

    # --- counting ------------------------------------------------------------------------
    def count_boot(self, cause):
        """Count this run's start: the pending cause a deliberate restart left, else ``cause``."""
        cause = self.pending or cause
        self.pending = ""
        self.cause = cause
        _bump(self.resets, cause, 1)
        return cause

    def count_fault(self, kind, n=1):
        if n > 0:
            _bump(self.faults, kind, n)

    def count_starts(self, n):
        if n > 0:
            self.starts_total += n

    def add_pump(self, on_ms, diff_k):
        """The pump ran ``on_ms`` at full flow while the fluid warmed by ``diff_k`` kelvin
        (outlet minus inlet; None: no heat figure for this span). Heat counts only when
        positive: recooling through the collector is not delivered heat."""
        if on_ms <= 0:
            return
        ms = self._pump_ms + on_ms
        if ms >= 1000:
            s = ms // 1000
            ms -= s * 1000
            self.pump_s_total += s
            self.pump_s_today += s
        self._pump_ms = ms
        if diff_k is None or diff_k <= 0:
            return
        self._heat_j += self.flow_lpm / 60000 * on_ms * self.j_per_lk * diff_k
        if self._heat_j >= 3600:
            wh = int(self._heat_j // 3600)
            self._heat_j -= wh * 3600
            self.heat_total_wh += wh
            self.heat_today_wh += wh

    def roll_day(self, uptime_s, epoch_s):
        """Start a new "today" at local midnight (``epoch_s``: Unix time, None while unknown),
        or every 24 h of uptime while the wall clock is unknown. True if a new day began."""
        if epoch_s is not None:
            off = self.offset_min
            if not isinstance(off, int):
                off = off(epoch_s)  # summer time: controller.localtime
            day = (int(epoch_s) + off * 60) // _DAY_S
            if self.day == 0:
                self.day = day  # the clock just became known: today is today
                return False
            if day == self.day:
                return False
            self.day = day
        else:
            if uptime_s - self._day_start_s < _DAY_S:
                return False
            self._day_start_s += _DAY_S * ((uptime_s - self._day_start_s) // _DAY_S)
        self.pump_s_today = 0
        self.heat_today_wh = 0
        return True

    # --- the block -----------------------------------------------------------------------
    def encode(self):
        """The block's bytes (at most BLOCK_BYTES)."""
        body = struct.pack(_FIXED, self.pump_s_total, self.pump_s_today, self.starts_total, self.heat_total_wh,
                           self.heat_today_wh, self.day, min(self.crash_streak, 255), min(self.safe_streak, 255))
        body += _pack_name(self.pending) + _pack_table(self.faults) + _pack_table(self.resets)
        data = MAGIC + bytes((VERSION, len(body) >> 8, len(body) & 0xFF)) + body  # the length: 2 bytes
        return data + struct.pack(">H", crc16(data))

    def load(self, data):
        """Take the totals from a saved block. Returns (state, text): ("ok", ""), ("empty",
        "") for an erased block, or ("corrupt", why) with every counter back at zero. The
        decoder runs once at boot (and before a restart): controller.restore, forgotten after."""
        from controller import once

        return once("restore", "load_counters", self, data)


def total(table):
    """The sum of a name -> count table."""
    total = 0
    for key in table:
        total += table[key]
    return total


def _bump(table, kind, n):
    kind = clean_name(kind)
    if kind not in table and len(table) >= TABLE_MAX - 1:
        kind = "other"  # the last slot: every kind beyond the first fifteen
    count = table.get(kind, 0) + n
    table[kind] = count if count < _COUNT_MAX else _COUNT_MAX


def _pack_name(name):
    raw = name.encode("utf-8")
    return bytes((len(raw),)) + raw


def _pack_table(table):
    keys = sorted(table)[:TABLE_MAX]
    out = bytes((len(keys),))
    for key in keys:
        out += _pack_name(key) + struct.pack(">I", table[key])
    return out


