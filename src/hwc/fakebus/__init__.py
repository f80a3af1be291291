"""Fake hardware buses on which the real Adafruit drivers run.

* ``FakeI2C`` + ``FakePcf8591`` for ``adafruit_pcf8591.pcf8591.PCF8591``
* ``FakeOneWire`` + ``FakeDs18b20`` for ``adafruit_onewire`` / ``adafruit_ds18x20``
* ``install()`` makes ``import onewireio`` resolve to the shim in
  ``hwc.fakebus.onewireio`` (call it before using ``OneWireBus(fake)``).

All modules here also run on MicroPython.
"""

import sys

from . import onewireio as _shim
from .i2c import FakeI2C, FakePcf8591
from .onewire import FakeDs18b20, FakeOneWire, crc8, rom_from_hex, rom_hex

__all__ = [
    "FakeClock",
    "FakeDs18b20",
    "FakeI2C",
    "FakeOneWire",
    "FakePcf8591",
    "crc8",
    "install",
    "rom_from_hex",
    "rom_hex",
]


class FakeClock:
    """Manual clock for the fakes: ``clock()`` returns ``t``; ``advance(dt)``.
    ``step``: seconds added after every call (makes busy-wait loops progress)."""

    def __init__(self, t=0.0, step=0.0):
        self.t = t
        self.step = step

    def __call__(self):
        t = self.t
        self.t = t + self.step
        return t

    def advance(self, dt):
        self.t += dt


def install():
    """Make ``onewireio`` the fake shim: registers it in sys.modules (beating
    Blinka's stub onewireio.py in site-packages) and re-points the
    ``onewireio`` global of an already imported ``adafruit_onewire.bus``.
    Returns the shim module."""
    sys.modules["onewireio"] = _shim
    bus = sys.modules.get("adafruit_onewire.bus")
    if bus is not None:
        bus.onewireio = _shim
    return _shim
