"""Guest stand-in for CircuitPython's ``board`` on the PyPortal Titano (hwc memory): the pins as
names, the built-in display, and I2C/SPI as fake buses. Imported before the heap's baseline (test
equipment: on the board these are C objects outside the heap)."""

import displayio


class _Pin:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "board." + self.name


for _name in ("D3", "D4", "SCL", "SDA", "ESP_CS", "ESP_BUSY", "ESP_RESET", "TOUCH_XL", "TOUCH_XR",
              "TOUCH_YD", "TOUCH_YU", "SCK", "MOSI", "MISO"):
    globals()[_name] = _Pin(_name)

DISPLAY = displayio._Display(480, 320)
_i2c = None


def I2C():
    global _i2c
    if _i2c is None:
        from hwc.fakebus import FakeI2C, FakePcf8591

        _i2c = FakeI2C(sleep=lambda s: None)
        _i2c.attach(0x48, FakePcf8591(clock_s=lambda: 0))
    return _i2c


def SPI():
    raise RuntimeError("no ESP32 in the memory guest")
