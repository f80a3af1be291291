"""The link's pure core (points ring, wall clock, backoff, overrides store, remote settings and
RPCs) on CPython, on MicroPython, and under hypothesis."""

import json
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from controller.app import Controller
from controller.log import Log
from controller.net import api, inbound, saved as saved_mod, store as store_mod
from controller.net.points import Points
from controller.net.inbound import check, protected
from controller.net.remote import Remote
from controller.net.saved import apply_saved
from controller.net.wall import Backoff, Wall
from controller.settings import load
from mpy_harness import run_device_script


class Ticks:
    def __init__(self):
        self.ms = (1 << 29) - 3000  # wraps 3 s in

    def __call__(self):
        return self.ms


def make_ctx(env=None):
    ticks = Ticks()
    hw = SimpleNamespace(i2c=None, onewire_pin=None, screen=None, board_name="test")
    lines = []
    ctl = Controller(hw, load(dict(env or {}).get), ticks_ms=ticks, log=Log(out=lines.append))
    ctl.lines = lines
    ctl.ticks = ticks
    return ctl


def test_points_ring_drops_oldest_and_counts():
    ctx = make_ctx({"PROBE1_ROM": "28000100000000d3"})
    pts = Points(ctx, 5)
    ctx.hot.value_c = 45.126
    ctx.cold.fault = "open circuit"
    for i in range(8):
        ctx.cold.value_c = 20.0 + i
        pts.add(1000 * i)
    assert len(pts) == 5 and pts.dropped == 3 and pts.total == 8
    assert [pts.values(i)["cold_c"] for i in range(5)] == [23.0, 24.0, 25.0, 26.0, 27.0]
    v = pts.values(0)
    assert v["hot_c"] == 45.13 and v["hot_fault"] == 0 and v["cold_fault"] == 1
    assert "ambient_c" not in v and v["ambient_fault"] == 1 and v["mode"] == "idle"
    assert v["dropped"] == 0 and pts.values(4)["dropped"] == 3
    assert set(v) <= set(api.telemetry_keys(["hot", "cold", "ambient"]))
    out = json.loads(pts.encode(2, lambda t: 1_700_000_000_000 + t))
    assert [p["ts"] for p in out] == [1_700_000_003_000, 1_700_000_004_000]
    pts.forget(2)
    assert pts.values(0)["cold_c"] == 25.0 and len(pts) == 3


def test_points_clamp_and_negative_values():
    ctx = make_ctx()
    pts = Points(ctx, 2)
    ctx.hot.value_c = -12.345
    ctx.cold.value_c = 1e6
    pts.add(0)
    v = pts.values(0)
    assert v["hot_c"] == -12.35 and v["cold_c"] == 327.67


def test_wall_stamps_points_taken_before_the_clock_was_known():
    ctx = make_ctx()
    wall = Wall(ctx.ticks)
    pts = Points(ctx, 10)
    pts.add(wall.mono_ms())
    assert wall.epoch_s() is None and not wall.known()
    ctx.ticks.ms = (ctx.ticks.ms + 7000) & ((1 << 29) - 1)  # across the tick wrap
    assert not wall.set_epoch_ms(12345, "server")  # implausible: ignored
    assert wall.set_epoch_ms(1_800_000_000_000, "server")
    assert json.loads(pts.encode(1, wall.epoch_ms_at))[0]["ts"] == 1_800_000_000_000 - 7000
    assert wall.epoch_s() == 1_800_000_000


def test_backoff_grows_with_jitter_to_the_cap():
    b = Backoff(2.0, 30.0, iter([0.0, 0.999, 0.5, 0.0, 0.0, 0.0, 0.0]).__next__)
    delays = [b.next_s() for _ in range(7)]
    assert delays[0] == 1.0 and 3.99 < delays[1] < 4.0 and delays[2] == 6.0
    assert delays[-1] == 15.0  # capped at 30, jitter keeps the upper half
    b.reset()
    assert b.failures == 0


def test_store_round_trip_corruption_and_erased():
    data = saved_mod.pack({"MIN_DIFF_K": 4.5})
    assert saved_mod.unpack(data) == ({"MIN_DIFF_K": 4.5}, "")
    assert saved_mod.unpack(b"\xff" * 64) == ({}, "") and saved_mod.unpack(b"") == ({}, "")
    bad = bytearray(data)
    bad[-2] ^= 1
    assert "checksum" in saved_mod.unpack(bytes(bad))[1]
    nvm = bytearray(b"\xff" * 256)
    s = store_mod.SliceStore(nvm, 200, 56)
    s.write(data)
    assert saved_mod.unpack(s.read())[0] == {"MIN_DIFF_K": 4.5} and nvm[:200] == b"\xff" * 200
    with pytest.raises(ValueError):
        s.write(saved_mod.pack({"K%d" % i: i for i in range(20)}))


def test_safety_keys_are_protected_and_rules_hold():
    for key in ("OVERHEAT_C", "COOL_OFF_ARM_C", "DECISION_MAX_AGE_S", "PROBE1_ROM", "NTC_HOT_CHANNEL",
                "MQTT_BROKER", "CIRCUITPY_WIFI_PASSWORD", "ONEWIRE_PIN", "REMOTE_MANUAL_MAX_S"):
        assert protected(key), key
    for key in ("MIN_DIFF_K", "PURGE_S", "TELEMETRY_PERIOD_S"):
        assert not protected(key)
    ctx = make_ctx()
    assert check(ctx.settings, "MIN_DIFF_K", 9)[1] == "MIN_DIFF_K must be below MAX_DIFF_START_K"
    assert check(ctx.settings, "MIN_DIFF_K", "5.5") == (5.5, "")
    assert check(ctx.settings, "MIN_DIFF_K", 10 ** 400)[1]
    assert {e[0] for e in api.shared_attributes()} == set(inbound.overridable())


def test_apply_saved_drops_what_no_longer_validates():
    ctx = make_ctx()
    store = store_mod.SliceStore(bytearray(512), 0, 512)
    store.write(saved_mod.pack({"MIN_DIFF_K": 5.0, "OVERHEAT_C": 50, "GONE_KEY": 1}))
    overrides, base, messages = apply_saved(ctx.settings, store)
    assert overrides == {"MIN_DIFF_K": 5.0} and base == {"MIN_DIFF_K": 4.0} and ctx.settings.min_diff_k == 5.0
    assert len([m for m in messages if "dropped" in m]) == 2


def _state(ctx):
    return (dict(vars(ctx.settings)), dict(ctx.overrides), ctx.manual_mode, ctx.manual_duty_pct,
            ctx.manual_until_s)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                           max_leaves=10)
keys = st.sampled_from(["MIN_DIFF_K", "PURGE_S", "OVERHEAT_C", "MAX_DIFF_START_K", "TELEMETRY_PERIOD_S",
                        "MQTT_BROKER", "deleted", "shared", "nope"]) | st.text(max_size=12)
methods = st.sampled_from(["getStatus", "setMode", "setSetting", "clearFaults", "reboot", "__class__",
                           "rpc_getStatus", ""]) | st.text(max_size=12)
payloads = (st.binary(max_size=64)
            | st.builds(lambda m, p: json.dumps({"method": m, "params": p}).encode(), methods, json_values)
            | st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(keys, json_values, max_size=4)))


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_random_rpcs_never_raise_and_errors_change_nothing(payload):
    ctx = make_ctx()
    remote = Remote(ctx)
    before = _state(ctx)
    response = remote.on_rpc(payload)
    assert isinstance(response, dict)
    json.dumps(response)
    if "error" in response:
        assert _state(ctx) == before and not remote.reboot_pending


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads, st.booleans())
def test_random_attributes_never_raise_and_rejected_keys_change_nothing(payload, full):
    ctx = make_ctx()
    remote = Remote(ctx, store_mod.SliceStore(bytearray(1024), 0, 1024))
    before = dict(vars(ctx.settings))
    remote.on_attributes(payload, full)
    after = vars(ctx.settings)
    for attr, value in after.items():
        if value != before[attr]:
            key = attr.upper()
            assert ctx.overrides[key] == value and not protected(key) and key not in remote.rejected
    for key in remote.rejected:
        assert after.get(key.lower(), None) == before.get(key.lower(), None)


MPY_SCRIPT = """
import json
from controller.app import Controller
from controller.log import Log
from controller.settings import load
from controller.net.points import Points
import sys
from controller.net.remote import Remote
from controller.net.saved import apply_saved, pack, unpack
from controller.net.store import SliceStore
from controller.net.wall import Backoff, Wall


class T:
    ms = 536870000

    def __call__(self):
        return self.ms


class HW:
    i2c = None
    onewire_pin = None
    screen = None
    board_name = "guest"


t = T()
lines = []
env = {"PROBE1_ROM": "28000100000000d3"}
ctx = Controller(HW(), load(env.get), ticks_ms=t, log=Log(out=lines.append))
nvm = bytearray(b"\\xff" * 300)
store = SliceStore(nvm, 100, 200)
store.write(pack({"PURGE_S": 20, "OVERHEAT_C": 40}))
from controller import forget
# this script imported saved (and with it inbound and the settings table) at its top; at boot
# once("saved", ...) imports them and forgets them after the call.
before = {m for m in sys.modules if not (m.startswith("controller.net.saved") or m.startswith("controller.net.inbound")
                                         or m.startswith("controller.settings_spec") or m.startswith("controller.spec_"))}
before.add("controller.spec_kinds")
saved = apply_saved(ctx.settings, store)
forget(before)  # as controller.net.once("saved", ...) does at boot: saved and what it imported
remote = Remote(ctx, store, saved)
wall = Wall(t)
pts = Points(ctx, 4)
ctx.hot.value_c = 51.234
ctx.cold.value_c = -3.5
for i in range(6):
    pts.add(wall.mono_ms())
    t.ms = (t.ms + 500) & ((1 << 29) - 1)
wall.set_epoch_ms(1800000000000, "server")
out = {
    "encoded": json.loads(pts.encode(4, wall.epoch_ms_at)), "dropped": pts.dropped,
    "purge": ctx.settings.purge_s, "overheat": ctx.settings.overheat_c,
    "rpc": [remote.on_rpc(p) for p in (b'{"method":"setMode","params":{"mode":"manual","duty_pct":30}}',
                                        b'{"method":"nope"}', b'{bad', b'{"method":"setSetting","params":{"key":"MIN_DIFF_K","value":5}}',
                                        b'{"method":"setSetting","params":{"key":"OVERHEAT_C","value":5}}')],
    "manual": [ctx.manual_mode, ctx.manual_duty_pct],
    "attrs": remote.on_attributes(b'{"MAX_DIFF_GROW": 1.02, "COOL_OFF_ARM_C": 99, "PURGE_S": "x"}'),
    "rejected": remote.rejected, "overrides": ctx.overrides,
    "saved": unpack(store.read())[0],
    "resident": sorted(m for m in ("controller.net.rpc", "controller.net.saved", "controller.net.inbound")
                       if m in sys.modules or hasattr(sys.modules["controller.net"], m[15:])),
    "backoff": [Backoff(1.0, 8.0, lambda: 0.0).next_s() for _ in range(2)],
}
print("RESULT " + json.dumps(out))
"""


def _result(text):
    for line in text.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise AssertionError(text)


def test_pure_core_runs_the_same_on_micropython():
    guest = _result(run_device_script(MPY_SCRIPT))
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(MPY_SCRIPT, "host_script", "exec"), {"__name__": "__main__"})
    host = _result(buf.getvalue())
    # Number-parsing messages are the interpreter's own words; everything else is identical.
    assert set(guest.pop("rejected")) == set(host.pop("rejected")) == {"COOL_OFF_ARM_C", "PURGE_S", "OVERHEAT_C"}
    # Forgetting modules after use is for the board (controller.forget); CPython keeps them.
    assert host.pop("resident") == ["controller.net.inbound", "controller.net.rpc", "controller.net.saved"]
    assert guest.pop("resident") == []  # the RPC handlers and the record code were forgotten after use
    assert guest == host
    assert guest["dropped"] == 2 and len(guest["encoded"]) == 4
    assert [p["ts"] for p in guest["encoded"]] == [1799999998000, 1799999998500, 1799999999000, 1799999999500]
    assert guest["encoded"][0]["values"]["hot_c"] == 51.23 and guest["encoded"][0]["values"]["cold_c"] == -3.5
    assert guest["purge"] == 20.0 and guest["overheat"] == 100.0
    assert guest["manual"] == ["manual", 30]
    assert [("error" in r) for r in guest["rpc"]] == [False, True, True, False, True]
    assert guest["overrides"] == {"PURGE_S": 20.0, "MIN_DIFF_K": 5.0, "MAX_DIFF_GROW": 1.02}
    assert guest["saved"] == guest["overrides"]
    assert guest["backoff"] == [0.5, 0.5]


def test_docs_list_every_key_method_and_shared_attribute():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "thingsboard.md").read_text()
    for key, _unit, _meaning in api.TELEMETRY:
        assert "`%s`" % key in doc, key
    assert {k for k, _, _ in api.TELEMETRY} >= {f[0] for f in __import__("controller.net.points").net.points.FIXED}
    for method, _params, _does in api.RPC:
        assert "`%s`" % method in doc, method
    for entry in api.shared_attributes():
        assert "`%s`" % entry[0] in doc, entry[0]
