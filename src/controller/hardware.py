"""The PyPortal Titano: the only module that touches the board.

Wiring (see README): the PCF8591 board on the STEMMA/Qwiic I2C connector (board.SCL,
board.SDA), the DS18B20 bus on one of the JST digital ports (D3 or D4, with a 4.7 kOhm
pull-up to 3.3 V), the SCR pump driver on the PCF8591's analog output.
"""

import os

import board
import displayio
import supervisor
import terminalio
from adafruit_display_text.label import Label

try:
    from typing import List, Optional
except ImportError:
    pass

BOARD_NAME = "Adafruit PyPortal Titano"
_TEXT_SCALE = 2  # terminalio's 6x12 font at 2x: 40 characters by 12 lines on 480x320
_LINE_PITCH_PX = 26
_LINES = 12
_CHARS = 40
_WHITE = 0xFFFFFF


class TextScreen:
    """A few lines of text on the TFT; a label changes only when its text does."""

    def __init__(self, display) -> None:
        self.group = displayio.Group()
        self.labels = []  # type: List[Label]
        for i in range(_LINES):
            label = Label(terminalio.FONT, text="", color=_WHITE, scale=_TEXT_SCALE)
            label.x = 4
            label.y = 14 + i * _LINE_PITCH_PX
            self.labels.append(label)
            self.group.append(label)
        display.root_group = self.group

    def show(self, lines) -> None:
        for i, label in enumerate(self.labels):
            text = lines[i][:_CHARS] if i < len(lines) else ""
            if label.text != text:
                label.text = text


class Hardware:
    """The Titano's I2C bus, the 1-Wire pin and the screen, as the controller wants them.

    :param onewire_pin_name: "D3" or "D4" (settings ONEWIRE_PIN)
    """

    board_name = BOARD_NAME

    def __init__(self, onewire_pin_name: str) -> None:
        self.i2c = board.I2C()
        self.onewire_pin = board.D3 if onewire_pin_name == "D3" else board.D4
        self.screen = TextScreen(board.DISPLAY)


def getenv(key: str):
    """``os.getenv``: CircuitPython reads it from /settings.toml."""
    return os.getenv(key)


def restart() -> None:
    """Restart the program from a clean state (soft reload of code.py)."""
    supervisor.reload()


class EspRadio:
    """The Titano's ESP32 AirLift (esp32spi over board.SPI) as the network link's radio:
    ``pool``/``ssl_context`` for adafruit_minimqtt, and calls that never block for long."""

    def __init__(self) -> None:
        import adafruit_connection_manager as acm
        from adafruit_esp32spi import adafruit_esp32spi
        from digitalio import DigitalInOut

        self._acm = acm
        cs = DigitalInOut(board.ESP_CS)
        busy = DigitalInOut(board.ESP_BUSY)
        reset = DigitalInOut(board.ESP_RESET)
        self.esp = adafruit_esp32spi.ESP_SPIcontrol(board.SPI(), cs, busy, reset)
        self.pool = acm.get_radio_socketpool(self.esp)
        self.ssl_context = acm.get_radio_ssl_context(self.esp)

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
        try:
            self._acm.connection_manager_close_all(self.pool)
        except (OSError, RuntimeError, KeyError):
            pass
        self.esp.reset()


_OVERRIDES_NVM_BYTES = 1024  # the last KB of microcontroller.nvm


def override_store():
    """Where remote setting overrides persist: the last KB of ``microcontroller.nvm``."""
    import microcontroller

    from controller.net.store import SliceStore

    nvm = microcontroller.nvm
    if nvm is None or len(nvm) < _OVERRIDES_NVM_BYTES:
        return None
    return SliceStore(nvm, len(nvm) - _OVERRIDES_NVM_BYTES, _OVERRIDES_NVM_BYTES)
