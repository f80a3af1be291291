"""controller.main.run() with the heater on, driven on CPython with a fake ``controller.hardware``
(fake buses, a relay that records its writes, an ESP32 stand-in whose socket pool is CPython's):
the relay is created only when it may be, held off without the network, and the heater task
runs beside the link when the network is on."""

import asyncio
import socket
import sys
import time
import types

import adafruit_requests
import pytest

import controller
from controller import main
from hwc.fakebus import FakeI2C, FakeOneWire, FakePcf8591

import hwc.rig  # noqa: F401  (installs the fake onewireio)


class Relay:
    def __init__(self, pin_name):
        self.pin_name = pin_name
        self.writes = []

    @property
    def value(self):
        return self.writes[-1] if self.writes else None

    @value.setter
    def value(self, v):
        self.writes.append(v)


class Radio:
    pool = socket
    ssl_context = None

    def connected(self):
        return False

    def start_connect(self, ssid, password):
        pass

    def rssi(self):
        return None

    def time_s(self):
        return None

    def reset(self):
        pass


def fake_hardware(env, esp_fails=False):
    hw = types.ModuleType("controller.hardware")
    hw.relays = []

    class Hardware:
        board_name = "fake Titano"

        def __init__(self, onewire_pin_name):
            self.i2c = FakeI2C()
            self.i2c.attach(0x48, FakePcf8591())
            self.onewire_pin = FakeOneWire()
            self.screen = None

    def heater_relay(pin_name):
        if env.get("TEST_PIN_IN_USE"):
            raise ValueError("%s in use" % pin_name)
        relay = Relay(pin_name)
        relay.value = False
        hw.relays.append(relay)
        return relay

    def esp_radio():
        if esp_fails:
            raise RuntimeError("ESP32 not responding")
        return Radio()

    hw.Hardware = Hardware
    hw.getenv = env.get
    hw.heater_relay = heater_relay
    hw.EspRadio = esp_radio
    hw.override_store = lambda: None
    hw.restart = lambda: None

    class Dog:  # the hardware watchdog (main.run starts it last); fed by the health task
        feeds = 0

        def feed(self):
            Dog.feeds += 1

    hw.start_watchdog = lambda timeout_s: Dog()
    hw.hard_reset = lambda: None
    hw.pump_off_raw = lambda address=0x48: True
    return hw


def drive(monkeypatch, env, esp_fails=False, seconds=0.6):
    """main.run() for ``seconds`` of real time; (fake hardware, the Controller, its log)."""
    hw = fake_hardware(env, esp_fails)
    monkeypatch.setitem(sys.modules, "controller.hardware", hw)
    monkeypatch.setattr(controller, "hardware", hw, raising=False)
    seen = {}
    real_init = main.Controller.__init__

    def init(self, *args, **kw):
        real_init(self, *args, **kw)
        self.lines = []
        self.log.out = self.lines.append
        seen["ctl"] = self

    monkeypatch.setattr(main.Controller, "__init__", init)

    real_run = asyncio.run

    def run_for_a_while(coro):
        try:
            real_run(asyncio.wait_for(coro, seconds))
        except (asyncio.TimeoutError, TimeoutError):
            pass

    monkeypatch.setattr(main, "asyncio", types.SimpleNamespace(run=run_for_a_while, sleep=asyncio.sleep))
    monkeypatch.setattr(time, "sleep", lambda s: pytest.fail("main.run crashed (see the output)"))
    main.run()
    return hw, seen["ctl"]


BASE = {"HEATER_ENABLED": "1", "PROBE1_NAME": "tank_top", "CIRCUITPY_WIFI_SSID": "home"}


def test_heater_runs_beside_the_link_and_switches_its_relay_off_at_the_end(monkeypatch):
    hw, ctl = drive(monkeypatch, dict(BASE, MQTT_BROKER="127.0.0.1"))
    assert [r.pin_name for r in hw.relays] == ["D3"]
    relay = hw.relays[0]
    assert ctl.heater_relay is relay
    heater = ctl.heater  # set by the task: it ran
    assert heater.relay is relay and isinstance(heater.session, adafruit_requests.Session)
    assert heater.state == "off" and relay.writes and not any(relay.writes)
    assert "heater" in ctl.task_restarts and ctl.task_restarts["heater"] == 0
    assert not [m for m in ctl.boot_errors if m.startswith("heater")]


def test_without_the_network_the_relay_is_held_off_and_the_boot_says_why(monkeypatch):
    hw, ctl = drive(monkeypatch, dict(BASE), seconds=0.3)
    assert len(hw.relays) == 1 and hw.relays[0].writes == [False]
    assert getattr(ctl, "heater", None) is None and "heater" not in ctl.task_restarts
    assert any("heater: needs the network" in m and "element off" in m for m in ctl.boot_errors)
    assert any("heater: needs the network" in line for line in ctl.lines)


def test_esp32_not_answering_holds_the_relay_off(monkeypatch):
    hw, ctl = drive(monkeypatch, dict(BASE, MQTT_BROKER="127.0.0.1"), esp_fails=True, seconds=0.3)
    assert hw.relays[0].writes == [False] and "heater" not in ctl.task_restarts
    assert any("ESP32 not answering" in m for m in ctl.boot_messages)
    assert any("heater: needs the network" in m for m in ctl.boot_errors)


@pytest.mark.parametrize("onewire", ["D3", "D4"])
def test_a_pin_clash_with_the_1wire_bus_never_creates_the_relay(monkeypatch, onewire):
    env = dict(BASE, MQTT_BROKER="127.0.0.1", ONEWIRE_PIN=onewire, HEATER_PIN=onewire)
    hw, ctl = drive(monkeypatch, env, seconds=0.3)
    assert hw.relays == [] and "heater" not in ctl.task_restarts
    assert any("is the 1-Wire bus" in m for m in ctl.boot_errors)


def test_heater_off_imports_nothing_of_it(monkeypatch):
    for name in [n for n in sys.modules if n.startswith("controller.heater")]:
        monkeypatch.delitem(sys.modules, name)
    hw, ctl = drive(monkeypatch, {"MQTT_BROKER": "127.0.0.1"}, seconds=0.3)
    assert hw.relays == [] and not [n for n in sys.modules if n.startswith("controller.heater")]


def test_a_relay_pin_that_cannot_be_had_disables_the_heater_with_a_reason(monkeypatch):
    hw, ctl = drive(monkeypatch, dict(BASE, MQTT_BROKER="127.0.0.1", TEST_PIN_IN_USE="1"), seconds=0.3)
    assert hw.relays == [] and "heater" not in ctl.task_restarts and "link" in ctl.task_restarts
    assert any("heater: relay on D3 unavailable (D3 in use): heater disabled" in m for m in ctl.boot_errors)
