"""Deliberate restarts: main.py's last line of defence, hardware.py's watchdog/nvm/reset-cause
functions and safe mode, and CIRCUITPY/safemode.py, on CPython with stand-ins for the
CircuitPython modules (board, microcontroller, supervisor, watchdog, displayio ...)."""

import importlib
import sys
import time
import types
from pathlib import Path

import pytest

import controller
from controller import main as main_mod
from controller import restart
from controller.counters import Counters
from hwc.fakebus import FakeI2C, FakePcf8591
from hwc.fakeboard import FakeNvm

REPO = Path(__file__).resolve().parents[1]


class Enum:
    def __init__(self, qualified):
        self.qualified = qualified

    def __str__(self):
        return self.qualified


class FakeDog:
    def __init__(self):
        self.timeout = None
        self.mode = None
        self.feeds = 0

    def feed(self):
        self.feeds += 1


class Calls(Exception):
    """Raised by the fake resets: the board would be gone."""


@pytest.fixture
def cp(monkeypatch):
    """Fake CircuitPython modules; yields a namespace with the pieces and a fresh hardware."""
    ns = types.SimpleNamespace()
    ns.i2c = FakeI2C(sleep=lambda s: None)
    ns.pcf = FakePcf8591(clock_s=lambda: 0.0)
    ns.pcf.dac_enabled = True
    ns.pcf.dac_value = 255  # the pump was on when the board fell over
    ns.i2c.attach(0x48, ns.pcf)
    ns.resets = []
    ns.reloads = []
    ns.sleeps = []
    mods = {}

    def module(name, **attrs):
        m = types.ModuleType(name)
        for k, v in attrs.items():
            setattr(m, k, v)
        mods[name] = m
        return m

    module("board", I2C=lambda: ns.i2c, DISPLAY=None)
    module("bitmaptools", fill_region=None)
    module("displayio", Group=object, Bitmap=object, Palette=object, TileGrid=object)
    module("terminalio", FONT=None)
    module("vectorio", Rectangle=object)
    ns.runtime = types.SimpleNamespace(run_reason=Enum("supervisor.RunReason.STARTUP"),
                                       safe_mode_reason=Enum("supervisor.SafeModeReason.HARD_FAULT"))

    def reload():
        ns.reloads.append(1)
        raise Calls("reload")

    module("supervisor", runtime=ns.runtime, reload=reload)
    ns.nvm = FakeNvm()
    ns.dog = FakeDog()

    def reset():
        ns.resets.append(1)
        raise Calls("reset")

    ns.cpu = types.SimpleNamespace(reset_reason=Enum("microcontroller.ResetReason.POWER_ON"))
    module("microcontroller", nvm=ns.nvm.buf, cpu=ns.cpu, watchdog=ns.dog, reset=reset)
    module("watchdog", WatchDogMode=types.SimpleNamespace(RESET=Enum("watchdog.WatchDogMode.RESET")))
    for name, m in mods.items():
        monkeypatch.setitem(sys.modules, name, m)
    monkeypatch.delitem(sys.modules, "controller.hardware", raising=False)
    monkeypatch.setattr(time, "sleep", ns.sleeps.append)
    ns.hardware = importlib.import_module("controller.hardware")
    yield ns
    sys.modules.pop("controller.hardware", None)
    if hasattr(controller, "hardware"):
        delattr(controller, "hardware")


def saved(ns):
    c = Counters()
    state = c.load(ns.hardware.counter_store().read())[0]
    return state, c


# --- hardware.py ------------------------------------------------------------------------------


def test_reset_cause_names_the_hardware_reason_or_the_reload(cp):
    hw = cp.hardware
    assert hw.reset_cause() == "power_on"
    cp.cpu.reset_reason = Enum("microcontroller.ResetReason.WATCHDOG")
    assert hw.reset_cause() == "watchdog"
    cp.runtime.run_reason = Enum("supervisor.RunReason.SUPERVISOR_RELOAD")
    assert hw.reset_cause() == "reload"
    cp.runtime.run_reason = Enum("supervisor.RunReason.AUTO_RELOAD")
    assert hw.reset_cause() == "auto_reload"


def test_watchdog_is_set_to_reset_mode(cp):
    dog = cp.hardware.start_watchdog(12)
    assert dog is cp.dog and dog.timeout == 12 and str(dog.mode) == "watchdog.WatchDogMode.RESET"


def test_counter_store_is_the_kb_below_the_overrides(cp):
    store = cp.hardware.counter_store()
    store.write(b"HWCC")
    assert bytes(cp.nvm.buf[8192 - 2048:8192 - 2044]) == b"HWCC"
    assert cp.hardware.override_store().start == 8192 - 1024


def test_safe_mode_switches_the_pump_off_records_the_reason_and_resets(cp):
    with pytest.raises(Calls, match="reset"):
        cp.hardware.safe_mode()
    assert cp.pcf.output_level() == 0 and cp.pcf.dac_enabled
    assert cp.sleeps == [restart.SAFE_MODE_DELAY_S[0]]
    state, c = saved(cp)
    assert state == "ok" and c.pending == "safe_hard_fault" and c.safe_streak == 1
    assert c.faults == {"safe_mode": 1}
    # the next boot (a software reset) counts the safe mode as its cause
    assert c.count_boot("software") == "safe_hard_fault"


def test_a_safe_mode_loop_stops_writing_and_waits_longer(cp):
    for _ in range(restart.STREAK_MAX):
        with pytest.raises(Calls):
            cp.hardware.safe_mode()
    before = bytes(cp.nvm.buf)
    assert saved(cp)[1].safe_streak == restart.STREAK_MAX
    with pytest.raises(Calls):
        cp.hardware.safe_mode()
    assert bytes(cp.nvm.buf) == before  # not written again
    assert cp.sleeps[-1] == restart.SAFE_MODE_DELAY_S[1]
    assert len(cp.resets) == restart.STREAK_MAX + 1


def test_a_safe_mode_the_user_asked_for_stays(cp):
    cp.runtime.safe_mode_reason = Enum("supervisor.SafeModeReason.USER")
    cp.hardware.safe_mode()  # returns: stays in safe mode
    assert cp.resets == [] and bytes(cp.nvm.buf) == b"\xff" * len(cp.nvm.buf)
    assert cp.pcf.output_level() == 0  # the pump is off all the same


def test_safemode_py_runs_the_hardware_safe_mode(cp):
    code = (REPO / "CIRCUITPY" / "safemode.py").read_text()
    with pytest.raises(Calls, match="reset"):
        exec(compile(code, "safemode.py", "exec"), {"__name__": "__main__"})
    assert saved(cp)[1].pending == "safe_hard_fault"


def test_safemode_py_falls_back_when_the_controller_is_broken(cp, monkeypatch):
    broken = types.ModuleType("controller.hardware")

    def boom():
        raise ImportError("no module named controller.counters")

    broken.safe_mode = boom
    monkeypatch.setitem(sys.modules, "controller.hardware", broken)
    monkeypatch.setattr(controller, "hardware", broken, raising=False)
    code = (REPO / "CIRCUITPY" / "safemode.py").read_text()
    with pytest.raises(Calls, match="reset"):
        exec(compile(code, "safemode.py", "exec"), {"__name__": "__main__"})
    assert cp.pcf.output_level() == 0 and cp.sleeps == [30]


# --- main.py ----------------------------------------------------------------------------------


class FakeHardware:
    def __init__(self):
        self.calls = []

    def restart(self):
        self.calls.append("reload")

    def hard_reset(self):
        self.calls.append("reset")

    def pump_off_raw(self, address=0x48):
        self.calls.append("raw pump off 0x%02x" % address)


def test_a_crash_is_counted_the_pump_switched_off_and_the_board_reloaded(monkeypatch):
    from hwc.rig import Rig

    nvm = FakeNvm()
    dog = FakeDog()
    rig = Rig({"PURGE_S": "0"}, hw_extra={"counter_store": nvm.counter_store(), "reset_cause": "power_on",
                                           "watchdog": None})
    try:
        rig.set_ntc_c(hot_c=60, cold_c=30)
        rig.start()
        rig.run_for(60)
        assert rig.pcf.output_level() == 255 or rig.ctl.decision.duty_pct > 0
        sleeps = []
        monkeypatch.setattr(time, "sleep", sleeps.append)
        rig.hw.watchdog = dog
        hardware = FakeHardware()
        state = {"hw": rig.hw, "ctl": rig.ctl, "pcf_address": 0x48}
        restart.crashed(hardware, state, ZeroDivisionError("bug"))
        assert rig.pcf.output_level() == 0
        assert hardware.calls == ["reload"]
        assert len(sleeps) == restart.CRASH_DELAY_S[0] and dog.feeds == len(sleeps)  # fed while waiting
        c = Counters()
        assert c.load(nvm.counter_store().read())[0] == "ok"
        assert c.pending == "crash" and c.crash_streak == 1 and c.faults.get("crash") == 1
        assert c.pump_s_total > 0  # what the run counted is kept
        assert c.count_boot("reload") == "crash"
        # crashes keep coming: after STREAK_MAX a full reset after a longer wait, no more writes
        for _ in range(restart.STREAK_MAX - 1):
            restart.crashed(hardware, state, ZeroDivisionError("bug"))
        writes = nvm.writes
        del sleeps[:]
        restart.crashed(hardware, state, ZeroDivisionError("bug"))
        assert hardware.calls[-1] == "reset" and len(sleeps) == restart.CRASH_DELAY_S[1]
        assert nvm.writes == writes
    finally:
        rig.stop()


def test_a_crash_before_the_controller_exists_still_restarts(monkeypatch):
    fake = types.ModuleType("controller.hardware")
    calls = []
    fake.getenv = lambda key: None
    fake.restart = lambda: calls.append("reload")
    fake.hard_reset = lambda: calls.append("reset")
    fake.pump_off_raw = lambda address=0x48: calls.append("raw pump off 0x%02x" % address)

    def broken_hardware(pin):
        raise RuntimeError("I2C bus has no pull-ups")

    fake.Hardware = broken_hardware
    monkeypatch.setitem(sys.modules, "controller.hardware", fake)
    monkeypatch.setattr(controller, "hardware", fake, raising=False)
    sleeps = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    main_mod.run()
    assert calls == ["raw pump off 0x48", "raw pump off 0x48", "reload"]
    assert len(sleeps) == restart.CRASH_DELAY_S[0]
