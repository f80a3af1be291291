"""The device side of ``hwc soak``: runs on MicroPython in the guest (hwc.soak drives it).

One cycle is what the firmware's tasks do every 2 s, called directly (no event loop): the
sensor pipeline (both NTCs through the real PCF8591 driver on a fake I2C bus, the DS18B20s
through adafruit_onewire on a fake 1-Wire bus), the control decision (``control_once``: the
algorithm and whatever protection it applies), the pump's on/off cycler and DAC writes, the
persistent counters and the watchdog's health check. The plant follows a fast synthetic day
(``DAY_CYCLES``) with a sensor glitch now and then, so every mode and fault path runs.
"""

import math

from controller import pump, recovery
from controller.app import Controller
from controller.health import Watch
from controller.log import Log
from controller.nvm import SliceStore
from controller.settings import load
from hwc.fakebus import FakeDs18b20, FakeI2C, FakeOneWire, FakePcf8591, rom_hex

DAY_CYCLES = 600
_MASK = (1 << 29) - 1


class VClock:
    def __init__(self):
        self.ms = (1 << 29) - 30000  # crosses the tick wrap early

    def ticks(self):
        return self.ms & _MASK

    def s(self):
        return self.ms / 1000


class Dog:
    def __init__(self):
        self.feeds = 0

    def feed(self):
        self.feeds += 1


class HW:
    pass


vc = VClock()
ctl = None
pcf = None
devices = []
watch = None
dog = Dog()
cycles = 0
lines = 0


def _count(line):
    global lines
    lines += 1


def _drive(coro):
    """Run a coroutine that never has to wait (its locks are free) to its end."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("a coroutine waited")


def setup():
    global ctl, pcf, watch
    i2c = FakeI2C(sleep=lambda s: None)
    pcf = FakePcf8591(clock_s=vc.s)
    i2c.attach(0x48, pcf)
    ow = FakeOneWire(clock_s=vc.s)
    env = {"PROBE1_NAME": "panel_inlet", "PROBE2_NAME": "panel_outlet", "PROBE4_NAME": "x4",
           "PROBE5_NAME": "x5", "PROBE3_NAME": "ambient"}
    for i in range(2):
        dev = FakeDs18b20(serial=0x100 + i, temp_c=20.0)
        ow.attach(dev)
        devices.append(dev)
        env["PROBE%d_ROM" % (i + 1)] = rom_hex(dev.rom)
    hw = HW()
    hw.i2c = i2c
    hw.onewire_pin = ow
    hw.screen = None
    hw.board_name = "soak"
    hw.counter_store = SliceStore(bytearray(b"\xff" * 2048), 0, 1024)
    hw.reset_cause = "power_on"
    hw.watchdog = None
    ctl = Controller(hw, load(env.get), ticks_ms=vc.ticks, log=Log(out=_count))
    ctl.boot()
    _drive(ctl.read_ntcs())
    recovery.attach(ctl)
    watch = Watch(ctl, dog)


def _plant(n):
    """Collector and tank temperatures of cycle ``n`` on the synthetic day."""
    phase = (n % DAY_CYCLES) / DAY_CYCLES
    sun = math.sin(phase * 2 * math.pi)
    hot = 25.0 + (75.0 * sun if sun > 0 else 10.0 * sun)
    cold = 30.0 + 30.0 * phase
    return hot, cold


def _set_c(hot, cold):
    table = ctl.hot.table
    pcf.set_raw(ctl.settings.ntc_hot_channel, int(table.to_raw(hot) + 0.5))
    pcf.set_raw(ctl.settings.ntc_cold_channel, int(table.to_raw(cold) + 0.5))


def cycle():
    global cycles
    n = cycles
    hot, cold = _plant(n)
    glitch = n % 997
    if glitch < 3:
        pcf.set_raw(ctl.settings.ntc_hot_channel, 255)  # collector NTC open for three cycles
        pcf.set_raw(ctl.settings.ntc_cold_channel, int(ctl.cold.table.to_raw(cold) + 0.5))
    else:
        _set_c(hot, cold)
    devices[0].temp_c = cold
    devices[1].temp_c = cold + (8.0 if hot > cold else 0.0)
    devices[1].corrupt_crc = n % 1499 == 0
    bus = ctl.probe_bus
    converting = bus.start_conversion()
    vc.ms += 760
    _drive(ctl.read_ntcs())
    now_s = ctl.clock.now_s()
    if converting:
        bus.read_all(now_s)
    ctl.readings += 1
    ctl.control_once()
    cycler = ctl.cycler
    for _ in range(4):
        vc.ms += 310
        level = cycler.update(ctl.clock.ticks_ms(), ctl.effective_duty_pct())
        if level != ctl.pump_on and _drive(pump.drive(ctl, level)):
            ctl.pump_on = level
            ctl.pump_switches += 1
    ctl.keeper.update()
    watch.step()
    cycles += 1


def chunk(n):
    """``n`` cycles; the fake DAC's change log (test-side memory) is emptied afterwards."""
    for _ in range(n):
        cycle()
    pcf.dac_log.clear()


def summary():
    c = ctl.counters
    return "cycles %d decisions %d readings %d pump_s %d starts %d heat_wh %d faults %d feeds %d log %d mode %s" % (
        cycles, ctl.control_cycles, ctl.readings, c.pump_s_total, c.starts_total, c.heat_total_wh,
        c.faults_total, dog.feeds, lines, ctl.decision.mode)
