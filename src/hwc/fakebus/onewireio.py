"""Stand-in for CircuitPython's ``onewireio`` core module.

``OneWire(pin)`` returns ``pin`` itself when it is a FakeOneWire, so the real
``adafruit_onewire.bus.OneWireBus(fake)`` runs on the fake bus. Anything else
raises TypeError. Put into place with ``hwc.fakebus.install()``; for a
MicroPython run the file can also be copied to the top of the path as
``onewireio.py``. Recognition is by the ``_is_fake_onewire`` marker rather than
isinstance, so it works wherever the fake module was imported from.
"""


def OneWire(pin):
    if getattr(pin, "_is_fake_onewire", False):
        return pin
    raise TypeError(
        "fake onewireio.OneWire needs a hwc.fakebus.onewire.FakeOneWire as the pin, "
        f"got {pin!r}"
    )
