"""The screen's device modules on MicroPython: the pure parts (trend, pager, words) and every
page's build and update against a minimal stand-in for displayio (MicroPython has none), on a
controller running on fake buses. A CPython-only construct anywhere in them fails here."""

import json

from mpy_harness import run_device_script

SCRIPT = r"""
import json
from hwc.fakebus import FakeI2C, FakePcf8591, FakeOneWire, FakeDs18b20, rom_hex
from controller.app import Controller
from controller.log import Log
from controller.settings import load
from controller.screen import fmt
from controller.screen.trend import Trend
from controller.screen.manager import Screen


class Group:
    def __init__(self, scale=1, x=0, y=0):
        self.items = []
        self.scale = scale

    def append(self, item):
        self.items.append(item)


class Bitmap:
    def __init__(self, w, h, n):
        self.w = w
        self.px = bytearray(w * h)

    def fill(self, v):
        for i in range(len(self.px)):
            self.px[i] = v


def fill_region(b, x1, y1, x2, y2, v):
    for y in range(y1, y2):
        for x in range(x1, x2):
            b.px[y * b.w + x] = v


class Palette:
    def __init__(self, n):
        self.c = [0] * n

    def __setitem__(self, i, v):
        self.c[i] = v

    def __getitem__(self, i):
        return self.c[i]

    def make_transparent(self, i):
        pass


class TileGrid:
    def __init__(self, bitmap, pixel_shader=None, **kw):
        pass


class Label:
    def __init__(self, font, text="", color=0, scale=1, anchor_point=None, anchored_position=None):
        self.text = text
        self.color = color


class Rect:
    def __init__(self, x, y, w, h, fill=None, outline=None, stroke=1):
        self.fill = fill


class Gfx:
    pass


gfx = Gfx()
for name, obj in (("Group", Group), ("Bitmap", Bitmap), ("Palette", Palette), ("TileGrid", TileGrid),
                  ("Label", Label), ("Rect", Rect), ("fill_region", fill_region), ("font", None)):
    setattr(gfx, name, obj)


class Display:
    root_group = None
    auto_refresh = True
    brightness = 1.0
    refreshes = 0

    def refresh(self):
        self.refreshes += 1


ms = [1000]
i2c = FakeI2C()
pcf = FakePcf8591(clock_s=lambda: ms[0] / 1000)
i2c.attach(0x48, pcf)
ow = FakeOneWire(clock_s=lambda: ms[0] / 1000)
dev = FakeDs18b20(serial=0x100, temp_c=21.5)
ow.attach(dev)
display = Display()
screen = Screen(display, gfx)


class HW:
    pass


hw = HW()
hw.i2c = i2c
hw.onewire_pin = ow
hw.screen = screen
hw.board_name = "MicroPython guest"
ctl = Controller(hw, load({"PROBE1_ROM": rom_hex(dev.rom), "CONTROL_STRATEGY": "seed"}.get), ticks_ms=lambda: ms[0], log=Log(out=lambda l: None))
ctl.boot()
table = ctl.hot.table
pcf.set_raw(1, int(table.to_raw(61.0) + 0.5))
pcf.set_raw(0, int(table.to_raw(40.0) + 0.5))
ctl.probe_bus.start_conversion()
ms[0] += 1000
ctl.probe_bus.read_all(0)
for _ in range(30):
    ctl.hot.feed_raw(ctl.pcf.read(1))
    ctl.cold.feed_raw(ctl.pcf.read(0))
ctl.control_once()
ctl.trend = Trend(points=288, period_s=300)
for s in range(0, 86400, 60):
    ctl.trend.add(s, 20.0 + s / 3600.0, 30.0, 15.0, 50)
out = {}
for i, page in enumerate(("main", "trend", "details", "boot")):
    screen.select(page)
    ms[0] += 1000
    screen.update(ctl, ms[0])
    out[page] = [t.text for t in screen.pages[i].__dict__.values() if hasattr(t, "sets")]
chart = screen.pages[1].chart.px
out["chart_lit"] = sum(1 for v in chart if v)
out["bar"] = screen.pages[0].bar.value
out["reason"] = screen.pages[0].reason[0].text
out["rows"] = [r.text for r in screen.pages[2].rows]
out["boot"] = [r.text for r in screen.boot.rows]
out["count"] = ctl.trend.count
out["refreshes"] = display.refreshes
ctl.hot.feed_raw(255)
ctl.control_once()
screen.select("main")
screen.update(ctl, ms[0] + 1000)
out["fault"] = [screen.pages[0].headline.text, screen.pages[0].collector.text, screen.pages[0].alert.text]
print("RESULT " + json.dumps(out))
"""


def test_screen_pages_build_and_update_on_micropython():
    out = run_device_script(SCRIPT, timeout_s=300)
    line = [x for x in out.splitlines() if x.startswith("RESULT ")][0]
    r = json.loads(line[len("RESULT "):])
    assert r["reason"].startswith("running: dT 21.") and r["reason"].endswith("full speed")
    assert r["bar"] == 100
    assert r["count"] == 287
    assert r["chart_lit"] > 144 * 3
    assert r["rows"][0].startswith("collector     61.") and r["rows"][0].endswith(" ok")
    assert r["rows"][2].startswith("ambient       21.5")
    assert "DS18B20: 1 found on D4" in r["boot"]
    assert r["fault"] == ["FAULT", "FAULT", "! collector sensor open circuit"]
    assert r["refreshes"] >= 5
