"""Guest side of ``hwc memory`` (see hwc/memory.py): the firmware booted with everything on, as
``controller.main._run`` does it, on the memory guest's stand-ins, one piece at a time.

``build("controller")``: the settings (network with Home Assistant discovery, the heater with
every source, the watchdog), the override store and the saved overrides (``net.once``), the
real ``controller.hardware`` screen (its Gfx: displayio stand-ins, the real adafruit_display_text
and adafruit_display_shapes), counter store and watchdog, the Controller and its boot (PCF8591
and DS18B20 probes on fake buses), the link (``make_link``, with a radio that never connects:
the ESP32 driver's own objects are not modelled), the heater's relay, its requests Session and
task function. ``build("pages")`` makes every screen page; ``build("draw NAME")`` shows and draws
that page from the controller's state. Everything built is kept in ``state``, as the running
firmware keeps it."""

state = {}

ENV = {
    "ONEWIRE_PIN": "D4",
    "CIRCUITPY_WIFI_SSID": "solar", "CIRCUITPY_WIFI_PASSWORD": "password1",
    "MQTT_BROKER": "127.0.0.1", "MQTT_TOKEN": "token-of-the-device", "HA_DISCOVERY": 1,
    "HEATER_ENABLED": 1, "HEATER_PIN": "D3", "HEATER_METER": "shelly1", "HEATER_METER_IP": "127.0.0.1",
    "HEATER_TARIFF": "greenest", "HEATER_CARBON_REGION": 13, "HEATER_PV_KWP": 4.0,
    "HEATER_EMONCMS_KEY": "0123456789abcdef0123456789abcdef", "HEATER_TOP_PROBE": "tank_top",
    "WATCHDOG": 1,
    "PROBE1_NAME": "panel_inlet", "PROBE2_NAME": "tank_top", "PROBE3_NAME": "ambient",
}


class _Radio:
    """Stands for controller.hardware.EspRadio (never connected)."""

    pool = None
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


class _HW:
    board_name = "PyPortal Titano (memory guest)"


def _controller():
    import gc

    from controller import hardware
    from controller.app import Controller
    from controller.net import once
    from controller.net.link import make_link
    from controller.settings import load
    from hwc.fakebus import FakeDs18b20, FakeI2C, FakeOneWire, FakePcf8591, rom_hex

    i2c = FakeI2C(sleep=lambda s: None)
    i2c.attach(0x48, FakePcf8591(clock_s=lambda: 0))
    ow = FakeOneWire(clock_s=lambda: 0)
    env = dict(ENV)
    for i in range(3):
        dev = FakeDs18b20(serial=0x100 + i, temp_c=20.0 + 10 * i)
        ow.attach(dev)
        env["PROBE%d_ROM" % (i + 1)] = rom_hex(dev.rom)
    settings = load(env.get)
    store = hardware.override_store()
    saved = once("saved", "apply_saved", settings, store)
    hw = _HW()
    hw.i2c = i2c
    hw.onewire_pin = ow
    hw.screen = hardware.make_screen()
    hw.counter_store = hardware.counter_store()
    hw.reset_cause = hardware.reset_cause()
    hw.watchdog = None
    ctl = Controller(hw, settings)
    ctl.boot()
    link = make_link(ctl, _Radio(), store, saved, reboot=None, mem_free=gc.mem_free)
    ctl.heater_relay = hardware.heater_relay(settings.heater_pin)
    import adafruit_requests

    from controller.heater.task import make_task

    session = adafruit_requests.Session(None, None)
    state["heater_task"] = make_task(ctl.heater_relay, session, told=True)
    hw.watchdog = hardware.start_watchdog(settings.watchdog_timeout_s)
    state["ctl"] = ctl
    state["link"] = link


def read_settings():
    """What controller.main._run does first: the settings read (the table forgotten after), kept."""
    import sys

    from controller import forget
    from controller.settings import load

    before = set(sys.modules)
    state["settings"] = load({}.get)
    forget(before)


def build(what):
    if what == "controller":
        _controller()
        return
    ctl = state["ctl"]
    screen = ctl.screen
    if what == "pages":
        screen.build(ctl.settings, 0)
    elif what.startswith("draw "):
        name = what[5:]
        screen.select(name)
        screen.update(ctl, 1000)
    else:
        raise ValueError(what)
