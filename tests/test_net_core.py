"""The link's pure core (the points buffer and its thinning, the wall clock, the backoff, the
overrides record, remote settings as a whole set, RPCs) on CPython, on MicroPython, and under
hypothesis."""

import json
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from controller.app import Controller
from controller.log import Log
from controller.net import inbound, remote, saved as saved_mod, store as store_mod
from controller.net.defaults import SHARED
from controller.net.link import make_link
from controller.net.points import Points
from controller.net.saved import apply_saved
from controller.net.wall import Wall
from controller.settings import crc8, load
from hwc import netapi as api
from hwc import nettables
from mpy_harness import run_device_script


class Ticks:
    def __init__(self):
        self.ms = (1 << 29) - 3000  # wraps 3 s in

    def __call__(self):
        return self.ms


def probe_env(n=5):
    env = {}
    for slot in range(1, n + 1):
        rom = bytearray([0x28, 0xAA, slot, 0x10, 0x20, 0x30, 0x40, 0])
        rom[7] = crc8(rom, 7)
        env["PROBE%d_ROM" % slot] = rom.hex()
    return env


def make_ctx(env=None):
    ticks = Ticks()
    hw = SimpleNamespace(i2c=None, onewire_pin=None, screen=None, board_name="test")
    lines = []
    ctl = Controller(hw, load(dict(env or {}).get), ticks_ms=ticks, log=Log(out=lines.append))
    ctl.lines = lines
    ctl.ticks = ticks
    return ctl


def values(pts, i):
    """Point ``i`` (0 = oldest) of ``pts`` as a dict of JSON-ready values."""
    return json.loads(pts.encode(1 << 30, lambda t: t, "", i + 1)[0])[i]["values"]


def make_link_for(env=None, store=None, saved=None):
    ctx = make_ctx(dict({"MQTT_BROKER": "tb.example"}, **(env or {})))
    return make_link(ctx, None, store, saved, rand=lambda: 0.0)


def consistent(settings):
    from controller.settings_spec import ORDER_RULES

    return [m for low, high, m in ORDER_RULES if getattr(settings, low.lower()) >= getattr(settings, high.lower())]


def decoded(pts):
    """[(t_ms, values)] of every buffered point (the monotonic ms as the timestamp)."""
    return [(p["ts"], p["values"]) for p in json.loads(pts.encode(1 << 30, lambda t: t, "", 1 << 30)[0])]


# --- the points buffer ------------------------------------------------------------------

def test_points_round_trip_faults_status_and_live_texts():
    ctx = make_ctx({"PROBE1_ROM": "28000100000000d3"})
    pts = Points(ctx, 4096)
    ctx.hot.value_c = 45.126
    ctx.cold.fault = "open circuit"
    for i in range(8):
        ctx.cold.value_c = 20.0 + i
        pts.add(1000 * i)
    assert pts.count == 8 and pts.dropped == pts.thinned == 0 and pts.total == 8
    assert [values(pts, i)["cold_c"] for i in range(8)] == [20.0 + i for i in range(8)]
    v = values(pts, 0)
    assert v["hot_c"] == 45.13 and v["hot_fault"] == 0 and v["cold_fault"] == 1
    assert "ambient_c" not in v and v["ambient_fault"] == 1 and v["mode"] == "idle"
    assert v["dropped"] == 0 and "rssi" not in v  # no link: no signal; a status point
    assert "dropped" not in values(pts, 1)  # the status keys go once a minute
    assert set(v) <= set(api.telemetry_keys(["hot", "cold", "ambient"]))
    text, n = pts.encode(10 ** 6, lambda t: 1_700_000_000_000 + t, '"reason":"idle: dT 2 K"', 3)
    out = json.loads(text)
    assert n == 3 and [p["ts"] for p in out] == [1_700_000_000_000, 1_700_000_001_000, 1_700_000_002_000]
    assert not [p for p in out if "reason" in p["values"]]  # the newest point is not in it
    text, n = pts.encode(10 ** 6, lambda t: t, '"reason":"x"')
    assert n == 8 and json.loads(text)[-1]["values"]["reason"] == "x"  # the newest point only
    assert len(pts.encode(400, lambda t: t)[0]) <= 400 and pts.encode(10, lambda t: t)[1] == 1  # one at least
    pts.forget(2)
    assert values(pts, 0)["cold_c"] == 22.0 and pts.count == 6


def test_points_clamp_and_negative_values():
    ctx = make_ctx()
    pts = Points(ctx, 1024)
    ctx.hot.value_c = -12.345
    ctx.cold.value_c = 1e9
    pts.add(0)
    v = values(pts, 0)
    assert v["hot_c"] == -12.35 and v["cold_c"] == 2684354.55


def _plant(pts, ctx, seconds, period_s=5, seed=1, start_s=0):
    """Feed ``pts`` a wandering plant for ``seconds``; {t_ms: hot_c} of every point taken."""
    import random

    rng = random.Random(seed)
    taken = {}
    hot, cold = 40.0, 30.0
    for k in range(int(seconds / period_s)):
        hot += rng.uniform(-0.2, 0.21)
        cold += rng.uniform(-0.05, 0.06)
        ctx.hot.value_c, ctx.cold.value_c = hot, cold
        for p in ctx.probes:
            p.value_c = 20.0 + 0.0625 * rng.randint(-3, 3)
        ctx.decision.diff_k = hot - cold
        ctx.decision.max_diff_k = 8.0 + (k % 50) * 0.01
        t_ms = int((start_s + k * period_s) * 1000)
        pts.add(t_ms)
        taken[t_ms] = round(hot, 2)
    return taken


def test_an_hour_at_full_resolution_fits_the_default_buffer_with_five_probes():
    ctx = make_ctx(probe_env(5))
    pts = Points(ctx, ctx.settings.telemetry_buffer_kb * 1024)
    taken = _plant(pts, ctx, 3600)
    assert pts.thinned == pts.dropped == 0 and pts.count == len(taken) == 720
    got = decoded(pts)
    assert {t: v["hot_c"] for t, v in got} == taken
    # room to spare: 12 bytes a point (8.8 KB) with every probe changing at every point; the
    # simulated plant takes 9 to 10 (docs/thingsboard.md, "Offline, reconnects and timing")
    assert pts.tail < len(pts.buf) * 0.9


def test_a_day_is_thinned_to_a_point_per_10_minutes_at_most_none_lost_in_order():
    ctx = make_ctx(probe_env(5))
    pts = Points(ctx, ctx.settings.telemetry_buffer_kb * 1024)
    taken = _plant(pts, ctx, 26 * 3600)
    got = decoded(pts)
    stamps = [t for t, _ in got]
    assert pts.dropped == 0 and pts.thinned == len(taken) - len(got) > 0
    assert stamps == sorted(set(stamps)) and stamps[0] == 0 and stamps[-1] == max(taken)
    assert max(b - a for a, b in zip(stamps, stamps[1:])) <= 600_000
    assert all(taken[t] == v["hot_c"] for t, v in got)  # every point kept is the point taken
    # The newest quarter of the buffer kept full resolution: the last 20 minutes are all there.
    assert [t for t in stamps if t > max(taken) - 1_200_000] == [t for t in sorted(taken) if t > max(taken) - 1_200_000]
    # Every 10-minute window has a point, and a status point at most 11 minutes apart.
    status = [t for t, v in got if "uptime_s" in v]
    assert max(b - a for a, b in zip(status, status[1:])) <= 660_000


def test_only_a_buffer_that_cannot_be_thinned_further_drops_the_oldest():
    ctx = make_ctx()
    pts = Points(ctx, 2048)
    taken = _plant(pts, ctx, 2 * 86400, period_s=120)
    got = decoded(pts)
    stamps = [t for t, _ in got]
    assert pts.dropped > 0 and pts.thinned > 0 and len(got) + pts.dropped + pts.thinned == len(taken)
    assert stamps == sorted(set(stamps)) and max(b - a for a, b in zip(stamps, stamps[1:])) <= 600_000
    assert stamps[-1] == max(taken)


def test_wall_stamps_points_taken_before_the_clock_was_known():
    ctx = make_ctx()
    wall = Wall(ctx.ticks)
    pts = Points(ctx, 1024)
    pts.add(wall.mono_ms())
    assert wall.epoch_s() is None and not wall.known()
    ctx.ticks.ms = (ctx.ticks.ms + 7000) & ((1 << 29) - 1)  # across the tick wrap
    assert not wall.set_epoch_ms(12345, "server")  # implausible: ignored
    assert wall.set_epoch_ms(1_800_000_000_000, "server")
    assert json.loads(pts.encode(1000, wall.epoch_ms_at)[0])[0]["ts"] == 1_800_000_000_000 - 7000
    assert wall.epoch_s() == 1_800_000_000


def test_backoff_grows_with_jitter_to_the_cap():
    link = make_link_for({"NET_BACKOFF_MIN_S": "2", "NET_BACKOFF_MAX_S": "30"})
    draws = iter([0.0, 0.999, 0.5, 0.0, 0.0, 0.0, 0.0])
    link.rand = draws.__next__
    now = [0]
    link.clock = lambda: now[0]
    delays = []
    for _ in range(7):
        link.fail("test")
        delays.append(link.wait - now[0])
    assert delays[0] == 1000 and 3990 <= delays[1] < 4000 and delays[2] == 6000
    assert delays[-1] == 15000  # capped at 30 s, jitter keeps the upper half
    assert link.state == "backoff" and link.failures == 7


def test_a_failure_without_room_for_its_module_still_backs_off(monkeypatch):
    """``Link.fail`` loads ``down`` for each failure; when that import cannot fit (MemoryError),
    the link still closes and waits the longest backoff instead of ending its task."""
    from controller.net import link as link_mod

    link = make_link_for({"NET_BACKOFF_MAX_S": "30"})
    now = [5000]
    link.clock = lambda: now[0]
    closed = []
    link.mqtt = SimpleNamespace(disconnect=lambda: closed.append(1))

    def no_room(*args):
        raise MemoryError

    monkeypatch.setattr(link_mod, "once", no_room)
    link.fail(OSError(104))
    assert closed == [1] and link.mqtt is None
    assert link.state == "backoff" and link.wait == 5000 + 30000


def test_messages_without_room_to_handle_them_are_dropped_and_the_link_stays_online(monkeypatch):
    """An RPC or a setting whose handling cannot fit (MemoryError while ``inbound`` and what it
    imports are compiled) is dropped and said, and counted in ``inbox_lost``: the connection
    stays up (before, every connect's shared-attributes answer failed the same way and the link
    reconnected hundreds of times: hwc memory's long run)."""
    from controller.net import link as link_mod

    link = make_link_for({"TIME_SOURCE": "ntp"})
    published = []
    link.radio = SimpleNamespace(connected=lambda: True, rssi=lambda: -50, time_s=lambda: None)
    link.mqtt = SimpleNamespace(loop=lambda timeout: None, publish=lambda *a: published.append(a))
    link.state = "online"
    link.up = True
    link.on_message(None, "v1/devices/me/rpc/request/7", b'{"method":"getStatus"}')
    link.on_message(None, "v1/devices/me/attributes/response/1000000001", b'{"shared":{}}')

    def once(name, fn, *args):
        assert name == "inbound"
        raise MemoryError

    monkeypatch.setattr(link_mod, "once", once)
    link.step(1000)
    assert link.state == "online" and link.mqtt is not None and link.failures == 0
    assert link.inbox == [] and link.inbox_lost == 2
    assert any("not enough memory to handle 2 messages" in line for line in link.ctx.lines)


# --- the saved record ------------------------------------------------------------------

def test_store_round_trip_corruption_and_erased():
    data = remote.pack({"MIN_DIFF_K": 4.5})
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
        s.write(remote.pack({"K%d" % i: i for i in range(20)}))


def test_apply_saved_checks_the_saved_set_as_a_whole():
    ctx = make_ctx()
    store = store_mod.SliceStore(bytearray(512), 0, 512)
    # A firmware update may have made a saved pair inconsistent or a key protected.
    store.write(remote.pack({"MIN_DIFF_K": 5.0, "OVERHEAT_C": 50, "GONE_KEY": 1, "PURGE_S": 30,
                                "DUTY_ROUND_DOWN_PCT": 40, "DUTY_ROUND_UP_PCT": 60}))
    overrides, base, messages = apply_saved(ctx.settings, store)
    assert overrides == {"MIN_DIFF_K": 5.0, "PURGE_S": 30.0, "DUTY_ROUND_DOWN_PCT": 40.0, "DUTY_ROUND_UP_PCT": 60.0}
    assert base == {"MIN_DIFF_K": 4.0, "PURGE_S": 60.0, "DUTY_ROUND_DOWN_PCT": 10.0, "DUTY_ROUND_UP_PCT": 90.0}
    assert ctx.settings.min_diff_k == 5.0 and consistent(ctx.settings) == []
    assert len([m for m in messages if "dropped" in m]) == 2
    store.write(remote.pack({"MIN_DIFF_K": 9.0}))  # above the default MAX_DIFF_START_K 8
    ctx = make_ctx()
    overrides, base, messages = apply_saved(ctx.settings, store)
    assert overrides == {} and ctx.settings.min_diff_k == 4.0
    assert "MIN_DIFF_K must be below MAX_DIFF_START_K" in messages[0]


# --- remote settings ---------------------------------------------------------------------

def test_the_table_is_generated_from_the_settings_tables():
    text = (nettables.TARGET).read_text(encoding="utf-8")
    assert text == nettables.text(), "stale: run `./run net-tables`"


def test_protection_policy_and_single_key_checks():
    for key in ("OVERHEAT_C", "COOL_OFF_ARM_C", "DECISION_MAX_AGE_S", "PROBE1_ROM", "NTC_HOT_CHANNEL", "MQTT_BROKER",
                "CIRCUITPY_WIFI_PASSWORD", "ONEWIRE_PIN", "REMOTE_MANUAL_MAX_S", "TANK_MAX_C", "HEATER_CUTOFF_C",
                "HEATER_ENABLED", "HEATER_EMONCMS_KEY", "CONTROL_PERIOD_S", "TELEMETRY_BUFFER_KB", "SCREEN_BRIGHTNESS",
                "HEATER_METER"):
        assert remote.check(key, 1)[1].endswith("settings.toml only"), key
    for key in ("MIN_DIFF_K", "PURGE_S", "TELEMETRY_PERIOD_S", "HEATER_SETPOINT_C", "HEATER_TARIFF",
                "SCREEN_TANK_TOP_PROBE"):
        assert key in SHARED.split(","), key
    assert remote.check("MIN_DIFF_K", "5.5") == (5.5, "")
    assert remote.check("MIN_DIFF_K", 10 ** 400)[1] and remote.check("MIN_DIFF_K", 31)[1] == "out of range 0.5..30 K"
    assert remote.check("HEATER_TARIFF", "cheapest") == ("cheapest", "")
    assert "expected one of" in remote.check("HEATER_TARIFF", "free")[1]
    assert remote.check("NOPE", 1)[1] == "unknown setting" and remote.check(None, 1)[1] == "unknown setting"
    assert remote.check("HEATER_EMONCMS_IP", [10, 0, 0, 9]) == ((10.0, 0.0, 0.0, 9.0), "")
    assert remote.check("HEATER_METER_IP", [10, 0, 0, 9])[1] == "read once at boot: settings.toml only"
    assert {e[0] for e in api.shared_attributes()} == set(SHARED.split(","))


def test_update_is_order_independent_and_keeps_every_rule():
    from itertools import permutations

    pairs = [("MIN_DIFF_K", 10), ("MAX_DIFF_START_K", 12), ("MAX_DIFF_CEILING_K", 20)]
    results = set()
    for order in permutations(pairs):
        ctx = make_ctx()
        changed, refused = remote.update(ctx.settings, {}, {}, dict(order))
        results.add((tuple(sorted(changed)), tuple(sorted(refused))))
        assert consistent(ctx.settings) == []
    assert len(results) == 1 and next(iter(results))[1] == ()


def test_deleting_one_of_a_pair_drops_the_other_and_says_why():
    ctx = make_ctx()
    overrides, base = {}, {}
    remote.update(ctx.settings, overrides, base, {"MAX_DIFF_START_K": 20})
    remote.update(ctx.settings, overrides, base, {"MIN_DIFF_K": 15})
    changed, refused = remote.update(ctx.settings, overrides, base, {}, ["MAX_DIFF_START_K"])
    assert overrides == {} and base == {} and refused == {"MIN_DIFF_K": "MIN_DIFF_K must be below MAX_DIFF_START_K"}
    assert dict(changed) == {"MAX_DIFF_START_K": 8.0, "MIN_DIFF_K": 4.0} and consistent(ctx.settings) == []


def test_a_refused_live_value_keeps_the_override_the_full_set_does_not():
    ctx = make_ctx()
    overrides, base = {}, {}
    remote.update(ctx.settings, overrides, base, {"MIN_DIFF_K": 5})
    changed, refused = remote.update(ctx.settings, overrides, base, {"MIN_DIFF_K": 9})
    assert changed == [] and overrides == {"MIN_DIFF_K": 5.0} and refused
    changed, refused = remote.update(ctx.settings, overrides, base, {"MIN_DIFF_K": 9}, full=True)
    assert overrides == {} and ctx.settings.min_diff_k == 4.0 and changed == [("MIN_DIFF_K", 4.0)]


def _state(ctx):
    return (dict(vars(ctx.settings)), dict(ctx.overrides), ctx.manual_mode, ctx.manual_duty_pct,
            ctx.manual_until_s)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                           max_leaves=10)
keys = st.sampled_from(["MIN_DIFF_K", "PURGE_S", "OVERHEAT_C", "MAX_DIFF_START_K", "MAX_DIFF_CEILING_K",
                        "TELEMETRY_PERIOD_S", "MQTT_BROKER", "HEATER_SETPOINT_C", "SCREEN_DIM_BRIGHTNESS",
                        "SCREEN_BRIGHTNESS", "deleted", "shared", "nope"]) | st.text(max_size=12)
methods = st.sampled_from(["getStatus", "setMode", "setSetting", "clearFaults", "reboot", "__class__",
                           "rpc_getStatus", ""]) | st.text(max_size=12)
payloads = (st.binary(max_size=64)
            | st.builds(lambda m, p: json.dumps({"method": m, "params": p}).encode(), methods, json_values)
            | st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(keys, json_values, max_size=4)))


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_random_rpcs_never_raise_and_errors_change_nothing(payload):
    link = make_link_for()
    ctx = link.ctx
    before = _state(ctx)
    response = inbound.answer(link, payload)
    assert isinstance(response, dict)
    json.dumps(response)
    if "error" in response:
        assert _state(ctx) == before and not link.reboot_pending


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(payloads, st.booleans()), min_size=1, max_size=4))
def test_random_attribute_sequences_never_raise_never_break_a_rule_nor_apply_a_refusal(updates):
    link = make_link_for(store=store_mod.SliceStore(bytearray(1024), 0, 1024))
    ctx = link.ctx
    for payload, full in updates:
        before = dict(vars(ctx.settings))
        inbound.on_attributes(link, payload, full)
        after = vars(ctx.settings)
        assert consistent(ctx.settings) == []
        for attr, value in after.items():
            if value != before[attr] and attr.upper() in ctx.overrides:
                key = attr.upper()
                assert ctx.overrides[key] == value and key in SHARED.split(",")
    # What is saved is what is in force, and it reads back consistent.
    fresh = make_ctx()
    overrides, _, _ = apply_saved(fresh.settings, link.store)
    assert overrides == ctx.overrides and consistent(fresh.settings) == []


MPY_SCRIPT = """
import json
import sys
from controller.app import Controller
from controller.log import Log
from controller.settings import load
from controller.net import once
from controller.net.link import make_link
from controller.net.points import Points
from controller.net.store import SliceStore
from controller.net.wall import Wall


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
env = {"PROBE1_ROM": "28000100000000d3", "MQTT_BROKER": "tb"}
settings = load(env.get)
nvm = bytearray(b"\\xff" * 300)
store = SliceStore(nvm, 100, 200)
store.write(once("remote", "pack", {"PURGE_S": 20, "OVERHEAT_C": 40}))
saved = once("saved", "apply_saved", settings, store)  # as at boot: imported, used, forgotten
gone = sorted(m for m in ("controller.net.saved", "controller.net.remote", "controller.net.limits")
              if m in sys.modules)
ctx = Controller(HW(), settings, ticks_ms=t, log=Log(out=lines.append))
link = make_link(ctx, None, store, saved, rand=lambda: 0.0)
wall = Wall(t)
pts = Points(ctx, 1024)
ctx.hot.value_c = 51.234
ctx.cold.value_c = -3.5
for i in range(6):
    pts.add(wall.mono_ms())
    t.ms = (t.ms + 500) & ((1 << 29) - 1)
wall.set_epoch_ms(1800000000000, "server")
rpcs = []
for p in (b'{"method":"setMode","params":{"mode":"manual","duty_pct":30}}', b'{"method":"nope"}', b'{bad',
          b'{"method":"setSetting","params":{"key":"MIN_DIFF_K","value":5}}',
          b'{"method":"setSetting","params":{"key":"OVERHEAT_C","value":5}}',
          b'{"method":"setSetting","params":{"key":"MIN_DIFF_K","value":9}}'):
    rpcs.append(once("inbound", "answer", link, p))
once("inbound", "on_attributes", link, b'{"MAX_DIFF_GROW": 1.02, "COOL_OFF_ARM_C": 99, "PURGE_S": "x"}')
once("inbound", "on_attributes", link, b'{"MAX_DIFF_START_K": 20, "MIN_DIFF_K": 15}')
once("inbound", "on_attributes", link, b'{"deleted": ["MAX_DIFF_START_K"]}')
class M:
    def __init__(self):
        self.sent = []

    def publish(self, topic, msg, retain=False, qos=0):
        self.sent.append([topic, msg])


m = M()
once("session", "hello", link, m)
small = Points(ctx, 600)  # thinned and dropped on the board's interpreter as on CPython
for i in range(400):
    ctx.hot.value_c = 40 + (i % 7) * 0.1
    small.add(i * 5000)
out = {
    "hello": json.loads(m.sent[0][1]), "small": [small.count, small.thinned, small.dropped],
    "small_ts": [p["ts"] for p in json.loads(small.encode(100000, lambda t: t, "", 1000)[0])],
    "encoded": json.loads(pts.encode(5000, wall.epoch_ms_at)[0]), "thinned": pts.thinned,
    "purge": ctx.settings.purge_s, "overheat": ctx.settings.overheat_c, "gone": gone,
    "rpc": rpcs, "manual": [ctx.manual_mode, ctx.manual_duty_pct],
    "rejected": sorted(link.rejected), "overrides": ctx.overrides,
    "min_diff": ctx.settings.min_diff_k, "max_start": ctx.settings.max_diff_start_k,
    "saved": once("saved", "unpack", store.read())[0],
    "resident": sorted(m for m in ("controller.net.inbound", "controller.net.saved", "controller.net.remote",
                                   "controller.net.limits", "controller.net.rpc", "controller.net.session",
                                   "controller.net.defaults", "controller.net.thin") if m in sys.modules),
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
    # Forgetting modules after use is for the board (controller.forget); CPython keeps them.
    assert host.pop("resident") and host.pop("gone")
    assert guest.pop("resident") == [] and guest.pop("gone") == []  # forgotten after each use
    assert guest == host
    assert len(guest["encoded"]) == 6 and guest["thinned"] == 0
    assert [p["ts"] for p in guest["encoded"]] == [1799999997000 + 500 * i for i in range(6)]
    assert guest["encoded"][0]["values"]["hot_c"] == 51.23 and guest["encoded"][0]["values"]["cold_c"] == -3.5
    assert guest["purge"] == 20.0 and guest["overheat"] == 100.0  # the saved PURGE_S; "x" refused later
    assert guest["manual"] == ["manual", 30]
    assert [("error" in r) for r in guest["rpc"]] == [False, True, True, False, True, True]
    # MIN_DIFF_K 5 then the pair 20/15, then MAX_DIFF_START_K deleted: MIN_DIFF_K 15 went with it.
    assert guest["overrides"] == {"PURGE_S": 20.0, "MAX_DIFF_GROW": 1.02}
    assert guest["min_diff"] == 4.0 and guest["max_start"] == 8.0
    assert guest["rejected"] == ["COOL_OFF_ARM_C", "MIN_DIFF_K", "OVERHEAT_C", "PURGE_S"]
    assert guest["saved"] == guest["overrides"]
    hello = guest["hello"]
    assert hello["overrides"] == guest["overrides"] and hello["settings"]["MQTT_BROKER"] == "tb"
    assert hello["settings"]["MAX_DIFF_GROW"] == 1.02 and "MIN_DIFF_K" not in hello["settings"]  # not a default
    count, thinned, dropped = guest["small"]
    stamps = guest["small_ts"]
    assert thinned > 0 and count + thinned + dropped == 400 and stamps == sorted(set(stamps))
    assert max(b - a for a, b in zip(stamps, stamps[1:])) <= 600_000


def test_docs_list_every_key_method_and_shared_attribute():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "thingsboard.md").read_text()
    for key, _unit, _meaning in api.TELEMETRY:
        assert "`%s`" % key in doc, key
    documented = {k for k, _, _ in api.TELEMETRY}
    assert set(api.telemetry_keys([])) <= documented
    for method, _params, _does in api.RPC:
        assert "`%s`" % method in doc, method
    for entry in api.shared_attributes():
        assert "`%s`" % entry[0] in doc, entry[0]


def test_the_link_uses_no_private_attribute_of_a_library():
    """adafruit_minimqtt and the connection manager only through their public API: a private
    attribute (``_sock``, ``_close_socket``, ...) may change in any release, and circup
    installs the current one. Our own modules' private names are ours to use."""
    import ast
    from pathlib import Path

    net = Path(__file__).resolve().parents[1] / "src" / "controller" / "net"
    trees = {p.name: ast.parse(p.read_text()) for p in net.glob("*.py")}
    ours = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                ours.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                ours.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                ours.add(node.id)
    foreign = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and node.attr not in ours):
                foreign.append("%s:%d %s" % (name, node.lineno, node.attr))
    assert foreign == []


def test_requirements_name_the_library_versions_the_tests_pin():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    requirements = (root / "CIRCUITPY" / "requirements.txt").read_text()
    pyproject = (root / "pyproject.toml").read_text()
    for library in ("minimqtt", "connectionmanager", "esp32spi", "requests"):
        pin = pyproject.split('"adafruit-circuitpython-%s==' % library)[1].split('"')[0]
        name = {"connectionmanager": "connection_manager"}.get(library, library)
        assert "adafruit_%s %s" % (name, pin) in requirements, library


def test_the_heater_in_telemetry_status_and_live_texts():
    """ctx.heater (controller.heater.task.Heater, None with HEATER_ENABLED = 0): its state, what
    decides it, its power, the price and today's energy in the points; its reason with the newest
    point and in getStatus. ``source`` and ``energy_today_kwh`` are read when the heater has them."""
    link = make_link_for()
    ctx = link.ctx
    pts = link.points
    pts.add(0, link)
    assert not {k for k in values(pts, 0) if k.startswith("heater")}  # no heater: no heater keys
    ctx.heater = SimpleNamespace(state="on", reason="pv: surplus 3400 W > 3200 W", price_p_kwh=12.345,
                                 element_w=3000.0, source="pv", energy_today_kwh=4.56, errors={})
    pts.status_at = None
    pts.add(1000, link)
    v = values(pts, 1)
    assert (v["heater_state"], v["heater_source"], v["heater_w"]) == ("on", "pv", 3000)
    assert (v["heater_price_p_kwh"], v["heater_energy_today_kwh"]) == (12.35, 4.56)
    ctx.heater = SimpleNamespace(state="off", reason="off: minimum off time", price_p_kwh=None, element_w=0,
                                 source=None, energy_today_kwh=None, errors={})  # no source or energy yet
    pts.add(2000, link)
    v = values(pts, 2)
    assert (v["heater_state"], v["heater_w"]) == ("off", 0) and "heater_source" not in v
    assert "heater_price_p_kwh" not in v  # not a status point
    status = inbound.answer(link, b'{"method": "getStatus"}')
    assert status["heater"] == {"state": "off", "reason": "off: minimum off time", "source": None}
    # The heater's settings are remote settings like the others.
    assert inbound.answer(link, b'{"method": "setSetting", "params": {"key": "HEATER_TARIFF", "value": "cheapest"}}') == {
        "key": "HEATER_TARIFF", "value": "cheapest"}
    assert ctx.settings.heater_tariff == "cheapest"
    # The reasons, in words, with the newest point of a message.
    sent = []
    link.mqtt = SimpleNamespace(publish=lambda topic, msg, retain=False, qos=0: sent.append((topic, msg, qos)))
    link.wall.set_epoch_ms(1_800_000_000_000, "test")
    link.send()
    topic, text, qos = sent[0]
    newest = json.loads(text)[-1]["values"]
    assert topic == "v1/devices/me/telemetry" and qos == 1
    assert newest["heater_reason"] == "off: minimum off time" and newest["reason"] == ctx.decision.reason
    assert all("reason" not in p["values"] for p in json.loads(text)[:-1])


raw_values = (st.none() | st.booleans() | st.integers(-10 ** 6, 10 ** 6) | st.floats(allow_nan=True)
              | st.text(max_size=12) | st.sampled_from(["0x1F", "-0x10", " 12 ", "4.5", "1e3", "on", "Off", "nan",
                                                        "inf", "", "seed", "cheapest", "AGILE_24_10_01", "a-b",
                                                        "1,2,3", "192,168,1,50", "300,1"]))


@hsettings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHARED.split(",")), raw_values)
def test_the_links_parser_is_the_loaders(key, raw):
    """The link checks a remote value with its own copy of the loader's rules (the loader is
    read at boot and not kept): same value, same words, for every key ThingsBoard may set."""
    from controller.settings import parse_value
    from controller.settings_spec import SPEC

    entry = next(e for e in SPEC if e[0] == key)
    try:
        expected = (parse_value(entry, raw), "")
    except (ValueError, TypeError, OverflowError) as exc:
        expected = (None, str(exc))
    got = remote.check(key, raw)
    assert got == expected or (got[1] == expected[1] == "" and got[0] != got[0] and expected[0] != expected[0])
