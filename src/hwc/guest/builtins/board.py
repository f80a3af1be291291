"""Guest stand-in for CircuitPython's ``board`` on the PyPortal Titano (hwc memory): the pins as
names, the built-in display, I2C as a fake bus with a PCF8591, D4 a fake 1-Wire bus with five DS18B20s. Imported before the heap's baseline (test
equipment: on the board these are C objects outside the heap)."""

import displayio


class _Pin:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "board." + self.name


def _onewire():
    import time

    from hwc.fakebus import FakeDs18b20, FakeOneWire

    bus = FakeOneWire(clock_s=time.monotonic)
    for i in range(5):
        bus.attach(FakeDs18b20(serial=0x100 + i, temp_c=20.0 + 10 * i))
    return bus


D4 = _onewire()  # the DS18B20 bus (ONEWIRE_PIN = "D4"): the real adafruit_onewire runs on it
for _name in ("D3", "SCL", "SDA", "ESP_CS", "ESP_BUSY", "ESP_RESET", "TOUCH_XL", "TOUCH_XR",
              "TOUCH_YD", "TOUCH_YU", "SCK", "MOSI", "MISO"):
    globals()[_name] = _Pin(_name)

DISPLAY = displayio._Display(480, 320)
_i2c = None


def I2C():
    global _i2c
    if _i2c is None:
        from hwc.fakebus import FakeI2C, FakePcf8591

        import time

        _i2c = FakeI2C(sleep=time.sleep)
        pcf = FakePcf8591(clock_s=time.monotonic)
        pcf.set_raw(0, 210)  # tank about 40 C
        pcf.set_raw(1, 150)  # collector about 60 C
        _i2c.attach(0x48, pcf)
    return _i2c


def SPI():
    raise RuntimeError("no ESP32 in the memory guest")
