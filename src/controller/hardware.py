"""The PyPortal Titano: the only module that touches the board.

Wiring (see README): the PCF8591 board on the STEMMA/Qwiic I2C connector (board.SCL,
board.SDA), the DS18B20 bus on one of the JST digital ports (D3 or D4, with a 4.7 kOhm
pull-up to 3.3 V), the SCR pump driver on the PCF8591's analog output.
"""

import os

import bitmaptools
import board
import displayio
import supervisor
import terminalio
import vectorio

from controller.nvm import SliceStore

try:
    from typing import Optional
except ImportError:
    pass



class Gfx:
    """The graphics classes the screen code builds with (see controller.screen)."""

    Group = displayio.Group
    Bitmap = displayio.Bitmap
    Palette = displayio.Palette
    TileGrid = displayio.TileGrid
    Rectangle = vectorio.Rectangle
    fill_region = bitmaptools.fill_region
    font = terminalio.FONT
    palettes: list = []  # the screen's shared palettes: colour, palette, ... (controller.screen.palette)


def make_screen():
    """The TFT's pages (controller.screen.Screen) on board.DISPLAY, with the resistive touch
    panel, or without it (and a console line) if it cannot be set up."""
    from controller.screen import Screen

    display = board.DISPLAY
    try:
        import adafruit_touchscreen

        # calibration: the Titano's resistive panel's raw ADC readings at the screen's edges (as the
        # PyPortal library)
        touch = adafruit_touchscreen.Touchscreen(board.TOUCH_XL, board.TOUCH_XR, board.TOUCH_YD, board.TOUCH_YU,
                                                 calibration=((5200, 59000), (5800, 57000)),
                                                 size=(display.width, display.height))
    except (ImportError, ValueError, RuntimeError) as exc:
        print("touch panel unavailable: %s" % exc)
        touch = None
    return Screen(display, Gfx, touch)


class Hardware:
    """The Titano's I2C bus, the 1-Wire pin and the screen, as the controller wants them.

    :param pin_name: the 1-Wire pin, "D3" or "D4" (settings ONEWIRE_PIN)
    """

    board_name = "Adafruit PyPortal Titano"

    def __init__(self, pin_name: str) -> None:
        self.i2c = board.I2C()
        self.onewire_pin = board.D3 if pin_name == "D3" else board.D4
        self.screen = make_screen()
        self.counter_store = counter_store()
        self.reset_cause = reset_cause()
        self.watchdog = None  # start_watchdog(), just before the tasks run


def _enum_name(value) -> str:
    """'watchdog' for microcontroller.ResetReason.WATCHDOG (printed with its qualified name)."""
    return str(value).split(".")[-1].lower()


def reset_cause() -> str:
    """Why this run started: a soft reload ("reload", "auto_reload", "repl_reload") or the
    hardware's reset reason ("power_on", "watchdog", "software", "reset_pin", "brownout" ...)."""
    import microcontroller

    try:
        run = _enum_name(supervisor.runtime.run_reason)
    except AttributeError:
        run = "startup"
    if run == "supervisor_reload":
        return "reload"
    if run != "startup":
        return run
    return _enum_name(microcontroller.cpu.reset_reason)


def start_watchdog(timeout_s: int):
    """``microcontroller.watchdog`` in RESET mode with ``timeout_s`` (16 s at most on the
    SAMD51), or None (and a console line) if it cannot be set up. Fed by controller.health."""
    import microcontroller
    from watchdog import WatchDogMode

    dog = microcontroller.watchdog
    if dog is None:
        print("watchdog unavailable on this board")
        return None
    try:
        dog.timeout = timeout_s
        dog.mode = WatchDogMode.RESET
    except (ValueError, RuntimeError, NotImplementedError) as exc:
        print("watchdog unavailable: %s" % exc)
        return None
    return dog


def heater_relay(pin_name: str):
    """The immersion heater's relay (HEATER_PIN "D3" or "D4"): a digital output, off (False)
    from the moment it exists. ``.value = True`` closes the contactor."""
    from digitalio import DigitalInOut

    relay = DigitalInOut(board.D3 if pin_name == "D3" else board.D4)
    relay.switch_to_output(value=False)
    return relay


def getenv(key: str):
    """``os.getenv``: CircuitPython reads it from /settings.toml."""
    return os.getenv(key)


def restart() -> None:
    """Restart the program from a clean state (soft reload of code.py; the watchdog stops)."""
    supervisor.reload()


def hard_reset() -> None:
    """Reset the whole microcontroller (peripherals too), as the reset button does."""
    import microcontroller

    microcontroller.reset()


def pump_off_raw(address: int = 0x48) -> bool:
    """Pump off without the driver (safe mode, a crash before the controller existed): raw bytes
    on board.I2C() (controller.pump.off). False if the bus or the chip does not answer."""
    from controller.pump import off

    try:
        i2c = board.I2C()
    except (OSError, RuntimeError, ValueError):
        return False
    return off(None, i2c, address)


def safe_mode() -> None:
    """What CIRCUITPY/safemode.py runs (CircuitPython 9+ in safe mode): pump off, the reason
    recorded in the nvm counters, then after a delay a reset into normal mode. A safe mode the
    user asked for (button at boot) stays. Never returns unless staying."""
    import time

    import microcontroller

    from controller.restart import after_safe_mode

    reason = _enum_name(supervisor.runtime.safe_mode_reason)
    try:
        address = int(os.getenv("PCF8591_ADDRESS") or 0x48)
    except (TypeError, ValueError):
        address = 0x48
    pump = pump_off_raw(address)
    delay_s = after_safe_mode(counter_store(), reason)
    print("safe mode (%s): pump %s; %s" % (reason, "off" if pump else "NOT reachable",
                                           "staying in safe mode" if delay_s is None
                                           else "resetting into normal mode in %d s" % delay_s))
    if delay_s is None:
        return
    time.sleep(delay_s)
    pump_off_raw(address)
    microcontroller.reset()


class EspRadio:
    """The Titano's ESP32 AirLift (esp32spi over board.SPI) as the network link's radio:
    ``pool``/``ssl_context`` for adafruit_minimqtt, and calls that never block for long."""

    def __init__(self) -> None:
        import adafruit_connection_manager
        from adafruit_esp32spi import adafruit_esp32spi
        from digitalio import DigitalInOut

        self.esp = adafruit_esp32spi.ESP_SPIcontrol(board.SPI(), DigitalInOut(board.ESP_CS),
                                                    DigitalInOut(board.ESP_BUSY), DigitalInOut(board.ESP_RESET))
        self.pool = adafruit_connection_manager.get_radio_socketpool(self.esp)
        self.ssl_context = adafruit_connection_manager.get_radio_ssl_context(self.esp)

    def connected(self) -> bool:
        try:
            return bool(self.esp.is_connected)
        except (OSError, RuntimeError):
            return False

    def start_connect(self, ssid: str, password: str) -> None:
        """Hand the credentials to the ESP32, which joins by itself (``connected()`` tells)."""
        try:
            if password:
                self.esp.wifi_set_passphrase(ssid, password)
            else:
                self.esp.wifi_set_network(ssid)
        except (OSError, RuntimeError, ValueError, TimeoutError):
            pass  # the link reports "no connection" when its wait ends

    def rssi(self) -> Optional[int]:
        try:
            return int(self.esp.rssi)
        except (OSError, RuntimeError, ValueError, TimeoutError):
            return None

    def time_s(self) -> Optional[int]:
        """Unix time from the ESP32's NTP client, None until it has it."""
        try:
            return int(self.esp.get_time())
        except (OSError, RuntimeError, ValueError, TimeoutError):
            return None

    def reset(self) -> None:
        """Hard-reset the ESP32 through its reset pin (blocks 0.76 s); the board runs on."""
        import adafruit_connection_manager  # frozen: already loaded, nothing compiled

        try:
            adafruit_connection_manager.connection_manager_close_all(self.pool)
        except (OSError, RuntimeError, KeyError):
            pass
        self.esp.reset()


def counter_store():
    """Where the persistent counters live: the KB of ``microcontroller.nvm`` below the
    overrides' KB (None if the board has too little nvm)."""
    import microcontroller

    nvm = microcontroller.nvm  # 1024 bytes (controller.counters.BLOCK_BYTES) below the last 1024
    if nvm is None or len(nvm) < 2048:
        return None
    return SliceStore(nvm, len(nvm) - 2048, 1024)


def override_store():
    """Where remote setting overrides persist: the last KB of ``microcontroller.nvm``."""
    import microcontroller

    nvm = microcontroller.nvm  # its last 1024 bytes
    if nvm is None or len(nvm) < 1024:
        return None
    return SliceStore(nvm, len(nvm) - 1024, 1024)
