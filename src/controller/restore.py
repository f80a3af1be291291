"""The persistent counters at start-up, forgotten again after (``controller.once``): the
counters' keeper made (``Keeper.__init__``), the saved block read back from nvm and this run
counted, and the block's decoder (``Counters.load``, also used before a restart:
controller.restart). Kept apart from controller.boot so that what compiles while the tasks
start (and at a crash) is small.
"""

import struct

from controller import counters as C  # resident: controller.app imports it (through recovery) first


def keeper(self, ctx, store):
    """``Keeper.__init__`` (see controller.recovery): the counters, fed from ``ctx``."""
    from controller.recovery import new_counters

    self.ctx = ctx
    self.store = store
    self.counters = new_counters(ctx.settings)
    self.saved = None  # the bytes in the store, as far as we know
    self.saves = 0
    # The first save after a boot: a reset loop faster than 5 minutes writes nothing.
    self.next_save_s = min(300, ctx.settings.counters_save_s)
    self.healthy_saved = False
    # The configured probe pairs that measure the loop's temperature rise (outlet, inlet):
    # panel_outlet/panel_inlet first, then tank_inlet/tank_outlet.
    probes = {}
    for p in ctx.probes:
        if p.rom_hex:
            probes[p.name] = p
    self.pairs = [(probes[hot], probes[cold]) for hot, cold in (("panel_outlet", "panel_inlet"),
                                                                ("tank_inlet", "tank_outlet"))
                  if hot in probes and cold in probes]
    self.counters.heat_measured = bool(self.pairs)
    # The NTCs and the configured probes: fixed once the controller exists, so built once
    # (update() runs every 2 s).
    self.sensors = [ctx.hot, ctx.cold] + [p for p in ctx.probes if p.rom_hex]
    self._on_ms = ctx.cycler.total_on_ms
    self._starts = ctx.pump_starts
    self._i2c = ctx.i2c_errors
    self._i2c_burst = False
    self._restarts = C.total(ctx.task_restarts)
    self._mode = ctx.decision.mode
    self._stale = ctx.stale_reported
    self._sensor_faults = [s.faults for s in self.sensors]

def restore(keeper, cause):
    """Read the saved counters (a corrupt block is reported and replaced) and count this run,
    started by ``cause`` (unless a deliberate restart left its own)."""
    c = keeper.counters
    log = keeper.ctx.log
    state = "none"
    if keeper.store is not None:
        try:
            data = keeper.store.read()
        except (OSError, RuntimeError, ValueError) as exc:
            data = b""
            log.error("counters: nvm unreadable (%s)" % exc)
        state, why = load_counters(c, data)
        keeper.saved = c.encode() if state == "ok" else None  # what the store holds
        if state == "corrupt":
            keeper.ctx._boot_say("saved counters corrupt (%s): reset to zero" % why, True)
            c.count_fault("nvm_corrupt")
        elif state == "empty":
            log.info("no saved counters yet: counting from zero")
        else:
            log.info("counters restored: pump %.1f h, %d starts, %d resets" % (
                c.pump_s_total / 3600, c.starts_total, c.resets_total))
    else:
        log.warn("counters: no nvm; kept in RAM until the next restart")
    # Hardware causes that mean someone reset or powered the board: a pending cause is not theirs.
    if c.pending and cause in ("power_on", "reset_pin", "brownout"):
        c.pending = ""
    cause = c.count_boot(cause)
    log.info("start cause: %s (%d starts so far)" % (cause, c.resets_total))
    if state == "corrupt":
        keeper.save(force=True)  # the corrupt block goes at once


def load_counters(c, data):
    """``Counters.load``: the totals from a saved block into ``c``. Returns (state, text):
    ("ok", ""), ("empty", "") for an erased block, or ("corrupt", why) with every counter back
    at zero (see the block layout in controller.counters)."""
    first = data[0] if len(data) >= 4 else None
    if first in (0xFF, 0):
        for byte in data:
            if byte != first:
                break
        else:
            c._zero()
            return "empty", ""
    text = _parse(c, data)  # why the block is rejected, "" if it is not
    if text:
        c._zero()
        return "corrupt", text
    return "ok", ""


def _parse(c, data):
    if bytes(data[0:4]) != C.MAGIC:
        return "bad magic"
    if len(data) < C._HEAD + 2:
        return "block too short"
    version = data[4]
    if version != C.VERSION:
        return "unknown version %d" % version
    n = (data[5] << 8) | data[6]
    end = C._HEAD + n
    size = struct.calcsize(C._FIXED)  # the fixed totals' bytes
    if n < size or end + 2 > len(data):
        return "wrong length %d" % n
    if C.crc16(data[0:end]) != (data[end] << 8) | data[end + 1]:
        return "CRC mismatch"
    body = bytes(data[C._HEAD:end])
    # into the counters at once: load_counters zeroes them again if the block is rejected
    (c.pump_s_total, c.pump_s_today, c.starts_total, c.heat_total_wh, c.heat_today_wh,
     c.day, c.crash_streak, c.safe_streak) = struct.unpack(C._FIXED, body[0:size])
    pending, at = _unpack_name(body, size)
    faults, at = _unpack_table(body, at)
    resets, at = _unpack_table(body, at)
    if pending is None or faults is None or resets is None or at != n:
        return "unreadable tables"
    if pending and not _valid_name(pending):
        return "absurd pending cause"
    # At most 50 years of pump time; a day, and a clock correction, today.
    if c.pump_s_total > 50 * 366 * 86400 or c.pump_s_today > 86400 + 3600 or c.pump_s_today > c.pump_s_total:
        return "absurd pump time"
    if c.starts_total > C._COUNT_MAX:
        return "absurd pump starts"
    # 10 MWh a day at most: no 50 L/min loop collects that.
    if c.heat_total_wh > 1000000000 or c.heat_today_wh > 10000000 or c.heat_today_wh > c.heat_total_wh:
        return "absurd heat"
    if c.day and not 19675 <= c.day < 100000:  # 2023-11-14 (net.wall.MIN_EPOCH_S): an earlier day is a clock never set
        return "absurd day"
    c.pending = pending
    c.faults = faults
    c.resets = resets
    c._pump_ms = 0
    c._heat_j = 0.0
    return ""


def _valid_name(name):
    if not 0 < len(name) <= C.NAME_MAX:
        return False
    for ch in name:
        if ch not in C._NAME_CHARS:
            return False
    return True


def _unpack_name(body, at):
    if at >= len(body):
        return None, at
    n = body[at]
    end = at + 1 + n
    if n > C.NAME_MAX or end > len(body):
        return None, at
    try:
        return body[at + 1:end].decode("utf-8"), end
    except UnicodeError:
        return None, at


def _unpack_table(body, at):
    """(dict, next offset), or (None, at) if the table is malformed or holds absurd values."""
    if at >= len(body):
        return None, at
    count = body[at]
    at += 1
    if count > C.TABLE_MAX:
        return None, at
    table = {}
    for _ in range(count):
        name, at = _unpack_name(body, at)
        if name is None or not _valid_name(name) or name in table or at + 4 > len(body):
            return None, at
        value = struct.unpack(">I", body[at:at + 4])[0]
        if value > C._COUNT_MAX:
            return None, at
        table[name] = value
        at += 4
    return table, at
