"""The persistent counters (controller.counters): arithmetic, the day, the nvm block and every
way a block can be corrupt; the same bytes and verdicts on MicroPython."""

import binascii
import json
import struct

import pytest

from controller import boot as B
from controller import counters as C
from controller.counters import Counters, crc16
from mpy_harness import run_device_script


def sample():
    c = Counters(flow_lpm=3.0)
    c.heat_measured = True
    c.add_pump(3600 * 1000, 10.0)  # an hour at 3 L/min, 10 K rise: 180 L * 4186 * 10 = 2.093 kWh
    c.count_starts(7)
    c.count_fault("ntc_hot", 2)
    c.count_fault("i2c")
    c.count_boot("power_on")
    c.count_boot("watchdog")
    c.day = 20500
    return c


def test_crc16_is_ccitt_false():
    assert crc16(b"123456789") == 0x29B1
    data = bytes(range(256)) * 3
    assert crc16(data) == binascii.crc_hqx(data, 0xFFFF)


def test_heat_and_pump_time_are_integers_with_carries():
    c = sample()
    assert c.pump_s_total == c.pump_s_today == 3600
    assert c.heat_total_wh == c.heat_today_wh == 2093
    assert c.heat_today_kwh == pytest.approx(2.093)
    # many small spans add up exactly as one long one (no float drift, nothing lost below 1 s / 1 Wh)
    d = Counters(flow_lpm=3.0)
    for _ in range(1800):
        d.add_pump(2000, 10.0)
    assert d.pump_s_total == 3600
    assert d.heat_total_wh in (2092, 2093)
    assert isinstance(d.pump_s_total, int) and isinstance(d.heat_total_wh, int)


def test_cooling_and_unknown_rise_count_pump_time_but_no_heat():
    c = Counters()
    c.heat_measured = True
    c.add_pump(10000, -5.0)
    c.add_pump(10000, None)
    assert c.pump_s_total == 20 and c.heat_total_wh == 0


def test_no_probe_pair_means_no_heat_figure():
    c = Counters()
    assert c.heat_today_kwh is None and c.heat_total_kwh is None
    c.heat_measured = True
    assert c.heat_today_kwh == 0.0


def test_day_rolls_at_local_midnight_and_every_24_h_without_a_clock():
    c = Counters(offset_min=120)
    c.add_pump(5000, 3.0)
    midnight_local = 1782864000 - 7200  # 2026-07-01 00:00 at UTC+2
    assert not c.roll_day(100, midnight_local - 10)  # the clock becomes known: today is today
    assert c.pump_s_today == 5
    assert not c.roll_day(110, midnight_local - 1)
    assert c.roll_day(120, midnight_local + 1)
    assert c.pump_s_today == 0 and c.pump_s_total == 5
    u = Counters()
    u.add_pump(5000, 3.0)
    assert not u.roll_day(86399, None)
    assert u.roll_day(86400, None) and u.pump_s_today == 0
    u.add_pump(4000, 3.0)
    assert not u.roll_day(86400 * 2 - 1, None)
    assert u.roll_day(86400 * 3 + 5, None)  # a long gap: one roll, next boundary from there
    assert not u.roll_day(86400 * 4 - 1, None)


def test_boot_counts_the_pending_cause_once():
    c = Counters()
    c.pending = "crash"
    assert c.count_boot("reload") == "crash"
    assert c.count_boot("reload") == "reload"
    assert c.resets == {"crash": 1, "reload": 1}
    assert c.resets_total == 2


def test_tables_are_bounded_and_names_cleaned():
    c = Counters()
    for i in range(40):
        c.count_fault("Kind %d with a very long name indeed" % i)
    assert len(c.faults) == C.TABLE_MAX
    assert c.faults["other"] == 40 - (C.TABLE_MAX - 1)
    assert all(len(k) <= C.NAME_MAX and set(k) <= set(C._NAME_CHARS) for k in c.faults)
    for i in range(40):
        c.count_boot("cause_%02d_padded_to_the_limit" % i)
    c.pending = "x" * C.NAME_MAX
    block = c.encode()
    assert len(block) <= C.BLOCK_BYTES
    d = Counters()
    assert d.load(block + b"\xff" * (C.BLOCK_BYTES - len(block))) == ("ok", "")
    assert d.faults == c.faults and d.resets == c.resets and d.pending == c.pending


def test_round_trip():
    c = sample()
    block = c.encode()
    assert block[:4] == b"HWCC" and block[4] == C.VERSION
    d = Counters()
    assert d.load(block + b"\xff" * 100) == ("ok", "")
    for name in ("pump_s_total", "pump_s_today", "starts_total", "heat_total_wh", "heat_today_wh", "day",
                 "faults", "resets", "pending", "crash_streak", "safe_streak"):
        assert getattr(d, name) == getattr(c, name), name
    assert d.encode() == block


def test_erased_flash_is_empty_not_corrupt():
    c = Counters()
    assert c.load(b"\xff" * C.BLOCK_BYTES) == ("empty", "")
    assert c.load(b"\x00" * C.BLOCK_BYTES) == ("empty", "")


def _with_crc(block):
    """``block`` with its CRC recomputed (to reach the checks behind the CRC)."""
    body = block[:-2]
    return body + struct.pack(">H", crc16(body))


def _payload_patch(block, offset, fmt, value):
    b = bytearray(block)
    struct.pack_into(fmt, b, B._HEAD + offset, value)
    return _with_crc(bytes(b))


def corrupt_blocks():
    good = sample().encode()
    flipped = bytearray(good)
    flipped[20] ^= 0x10
    n = len(good) - B._HEAD - 2
    cases = {
        "bad magic": b"HWCX" + good[4:],
        "random bytes": bytes((i * 37 + 11) & 255 for i in range(C.BLOCK_BYTES)),
        "half erased": good[:30] + b"\xff" * 30,
        "unknown version": _with_crc(good[:4] + b"\x07" + good[5:]),
        "length too long": _with_crc(good[:5] + struct.pack(">H", n + 500) + good[7:]),
        "length too short": _with_crc(good[:5] + struct.pack(">H", 3) + good[7:]),
        "length one less": good[:5] + struct.pack(">H", n - 1) + good[7:],
        "a bit flipped": bytes(flipped),
        "crc zeroed": good[:-2] + b"\x00\x00",
        "truncated": good[:12],
        "absurd pump time": _payload_patch(good, 0, ">I", 0xFFFFFFF0),
        "today above total": _payload_patch(good, 4, ">I", 4000),
        "absurd starts": _payload_patch(good, 8, ">I", 2000000000),
        "absurd heat": _payload_patch(good, 12, ">I", 3000000000),
        "absurd day": _payload_patch(good, 20, ">I", 12),
    }
    # a table entry's name with a character no writer produces, CRC fixed
    at = good.index(b"ntc_hot")
    cases["bad name"] = _with_crc(good[:at] + b"NTC HOT" + good[at + 7:])
    # a table count beyond the limit
    fixed_end = B._HEAD + struct.calcsize(C._FIXED)
    pend_len = good[fixed_end]
    cases["table too long"] = _with_crc(good[:fixed_end + 1 + pend_len] + bytes((200,))
                                        + good[fixed_end + 2 + pend_len:])
    return cases


CORRUPT = corrupt_blocks()


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_corrupt_block_is_detected_and_reset(name):
    c = sample()
    state, why = c.load(CORRUPT[name] + b"\xff" * 64)
    assert state == "corrupt" and why
    assert (c.pump_s_total, c.starts_total, c.heat_total_wh, c.faults, c.resets, c.pending, c.day) == \
        (0, 0, 0, {}, {}, "", 0)


def test_expected_reasons():
    c = Counters()
    assert c.load(CORRUPT["bad magic"])[1] == "bad magic"
    assert c.load(CORRUPT["a bit flipped"])[1] == "CRC mismatch"
    assert c.load(CORRUPT["unknown version"])[1] == "unknown version 7"
    assert c.load(CORRUPT["length too long"])[1].startswith("wrong length")
    assert c.load(CORRUPT["absurd pump time"])[1] == "absurd pump time"
    assert c.load(CORRUPT["absurd heat"])[1] == "absurd heat"
    assert c.load(CORRUPT["bad name"])[1] == "unreadable tables"


GUEST = """
import json
from controller.counters import Counters, crc16
cases = %s
c = Counters(flow_lpm=3.0)
c.heat_measured = True
c.add_pump(3600 * 1000, 10.0)
c.count_starts(7)
c.count_fault("ntc_hot", 2)
c.count_fault("i2c")
c.count_boot("power_on")
c.count_boot("watchdog")
c.day = 20500
out = {"block": c.encode().hex(), "crc": crc16(b"123456789"), "verdicts": {}}
for name in cases:
    d = Counters()
    out["verdicts"][name] = list(d.load(bytes.fromhex(cases[name])))
d = Counters()
out["round"] = list(d.load(c.encode())) + [d.pump_s_total, d.heat_total_wh, d.resets, d.faults]
print("RESULT " + json.dumps(out))
"""


def test_the_same_on_micropython():
    cases = {name: block.hex() for name, block in CORRUPT.items()}
    cases["erased"] = (b"\xff" * 64).hex()
    out = run_device_script(GUEST % json.dumps(cases))
    r = json.loads(out.split("RESULT ", 1)[1])
    assert r["crc"] == 0x29B1
    assert bytes.fromhex(r["block"]) == sample().encode()
    for name, block in CORRUPT.items():
        assert tuple(r["verdicts"][name]) == Counters().load(block), name
    assert r["verdicts"]["erased"] == ["empty", ""]
    assert r["round"] == ["ok", "", 3600, 2093, {"power_on": 1, "watchdog": 1}, {"ntc_hot": 2, "i2c": 1}]
