"""The screen's device modules on MicroPython: the trend history and every page's build and
update (its code loaded while it is shown, then forgotten) against a minimal stand-in for
displayio (MicroPython has none), on a controller running on fake buses. A CPython-only
construct anywhere in them fails here."""

import json

from mpy_harness import run_device_script, run_top_level

SCRIPT = r"""
import json
import sys
from hwc.fakebus import FakeI2C, FakePcf8591, FakeOneWire, FakeDs18b20, rom_hex
from controller.app import Controller
from controller.log import Log
from controller.settings import load
from controller.screen import Screen, Trend


class Group:
    def __init__(self, scale=1, x=0, y=0):
        self.items = []
        self.scale = scale
        self.x = x
        self.y = y
        self.hidden = False

    def append(self, item):
        self.items.append(item)

    def __getitem__(self, i):
        return self.items[i]

    def __setitem__(self, i, item):
        self.items[i] = item


class Bitmap:
    def __init__(self, w, h, n):
        self.w = w
        self.width = w
        self.height = h
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
    def __init__(self, bitmap, pixel_shader=None, width=1, height=1, tile_width=0, tile_height=0, x=0, y=0):
        self.tiles = bytearray(width * height)
        self.width = width
        self.pixel_shader = pixel_shader
        self.y = y

    def __getitem__(self, i):
        return self.tiles[i]

    def __setitem__(self, i, v):
        self.tiles[i] = v

    def text(self):
        return "".join(chr(t + 32) for t in self.tiles).strip()


class Rectangle:
    def __init__(self, pixel_shader=None, x=0, y=0, width=1, height=1, color_index=0):
        self.pixel_shader = pixel_shader
        self.width = width
        self.height = height


class Font:
    bitmap = None


class Gfx:
    pass


def make_gfx():
    gfx = Gfx()
    for name, obj in (("Group", Group), ("Bitmap", Bitmap), ("Palette", Palette), ("TileGrid", TileGrid),
                      ("Rectangle", Rectangle), ("fill_region", fill_region), ("font", Font())):
        setattr(gfx, name, obj)
    gfx.palettes = []
    return gfx


gfx = make_gfx()


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
for page in ("main", "trend", "details", "system", "boot"):
    screen.select(page)
    ms[0] += 1000
    screen.update(ctl, ms[0])
    out[page] = [row.text() for row in screen.rows]
    if page == "trend":
        out["chart_lit"] = sum(1 for v in screen.pages["trend"].chart.px if v)
out["pages"] = sorted(screen.pages)  # the trend's display objects dropped when it was left
out["bar"] = screen.pages["main"].bar.width
out["count"] = ctl.trend.count
out["refreshes"] = display.refreshes
out["layout_kept"] = "controller.screen.layout" in sys.modules
out["pages_kept"] = sorted(k for k in sys.modules if k.startswith("controller.screen."))  # the boot page's: none
ctl.hot.feed_raw(255)
ctl.control_once()
screen.select("main")
screen.update(ctl, ms[0] + 1000)
out["fault"] = [screen.big.text(), screen.pages["main"].collector.text(), screen.rows[11].text()]
print("RESULT " + json.dumps(out))
"""


def test_screen_pages_build_and_update_on_micropython():
    out = run_device_script(SCRIPT, timeout_s=300)
    line = [x for x in out.splitlines() if x.startswith("RESULT ")][0]
    r = json.loads(line[len("RESULT "):])
    main = r["main"]
    assert main[2].startswith("running: dT 21.") and " ".join(main[2:4]).strip().endswith("full speed")
    assert main[9].startswith("PUMP") and main[9].endswith("100% off")  # decided; the pump task has not switched it
    assert r["bar"] == 300
    assert r["count"] == 287
    assert r["chart_lit"] > 144 * 3
    assert r["trend"][9].split() == ["-24h", "-18h", "-12h", "-6h", "now"]
    assert r["details"][2].split()[0] == "collector" and r["details"][2].split()[1].startswith("61.")
    assert r["details"][2].endswith(" ok") and r["details"][4].split()[:2] == ["ambient", "21.5"]
    assert r["system"][1].startswith("firmware ") and r["system"][2].startswith("free memory ")
    assert "DS18B20: 1 found on D4" in r["boot"]
    assert r["fault"] == ["FAULT", "FAULT", "! collector sensor open circuit"]
    assert r["refreshes"] >= 5
    assert not r["layout_kept"]  # the layout code is forgotten once the screen is made
    assert r["pages_kept"] == []  # and a page's code when the page is left
    assert r["pages"] == ["main"]


# --- the screen's resident code ---------------------------------------------------------------
SCREEN_MODULES = ["controller.screen", "controller.screen.main"]  # the main page's code, as while it is shown
# What the screen's code keeps on the heap while the main page is shown (the usual state: the
# other pages' code is imported while they are shown and forgotten after): 8.0 KB (8.9 KB before
# the display objects' code moved to layout and the constants became private const()s), where
# every page's code stayed resident before (17.9 KB, 23.7 KB before the displayio redesign; the
# qstr pool's share included, see below).
SCREEN_CODE_MAX_BYTES = 8.5 * 1024
# What the device has imported before the screen, in controller.main's order (boot_settings: the
# Settings object, its loader forgotten).
CORE_IMPORTS = ["asyncio", "adafruit_ticks", "adafruit_bus_device.i2c_device", "adafruit_pcf8591.pcf8591",
                "adafruit_onewire.bus", "adafruit_onewire.device", "adafruit_ds18x20", "ntc_table",
                "controller", "controller.sensors", "controller.decision",
                "controller.algorithm", "controller.log", "controller.tasks",
                "controller.app", "boot_settings", "controller.nvm", "controller.protect", "controller.pump",
                "controller.counters", "controller.health", "controller.recovery"]


def _qstr_totals(line):
    fields = dict(part.split("=") for part in line.split(":", 1)[1].replace(",", " ").split())
    return int(fields["n_qstr"]), int(fields["n_total_bytes"]) - int(fields["n_str_data_bytes"])


def test_screen_code_fits_its_budget(tmp_path, capsys):
    """The screen's resident module and the main page's code imported, and a Screen made (its
    layout code imported, run and forgotten) and dropped, on top of everything else the device imports: the bytes that stay.

    MicroPython keeps identifiers and short strings as qstrs in pools that double in size when
    full; the import that overflows a pool pays for the next one whole (the 9.5 KB the pager
    seemed to keep before the redesign was such a pool, sized for the next ~1300 strings of
    any module). The figure here is therefore 'pool-neutral': the heap growth without the
    pools' own arrays, plus each new qstr's share of a pool entry (7 bytes)."""
    fakes = SCRIPT[SCRIPT.index("class Group:"):SCRIPT.index("class Display:")]
    display = SCRIPT[SCRIPT.index("class Display:"):SCRIPT.index("ms = [1000]")]
    (tmp_path / "screenfakes.py").write_text(
        fakes.replace("gfx = make_gfx()", "") + display
        + "\n\ndef make():\n    from controller.screen import Screen\n\n    Screen(Display(), make_gfx())\n"
        # Deep calls overwrite the stack slots a stale pointer to the dropped Screen may sit in
        # (the collector is conservative): without them its objects can look alive.
        + "\n\ndef churn(n=40):\n    a = b = c = d = e = f = n\n    return churn(n - 1) if n else a + b + c + d + e + f\n")
    base = CORE_IMPORTS + ["screenfakes"]
    code = ("import micropython\n" + "".join("import %s\n" % m for m in base)
            + "gc.collect()\nprint('ALLOC', gc.mem_alloc())\nmicropython.qstr_info()\n"
            + "".join("import %s\n" % m for m in SCREEN_MODULES)
            + "screenfakes.make()\nscreenfakes.churn()\ngc.collect()\nprint('ALLOC', gc.mem_alloc())\nmicropython.qstr_info()\n"
            + "print('LAYOUT', 'controller.screen.layout' in sys.modules)\n")
    out = run_top_level("import sys\n" + code, extra_dirs=[tmp_path])
    allocs = [int(line.split()[1]) for line in out.splitlines() if line.startswith("ALLOC ")]
    pools = [_qstr_totals(line) for line in out.splitlines() if line.startswith("qstr pool:")]
    assert len(allocs) == 2 and len(pools) == 2, out
    grown = allocs[1] - allocs[0]
    qstrs = pools[1][0] - pools[0][0]
    pool_step = pools[1][1] - pools[0][1]
    resident = grown - pool_step + 7 * qstrs
    with capsys.disabled():
        print("\nMEMORY (screen code, the main page shown): %.1f KB pool-neutral (%d new qstrs); "
              "the heap grew %.1f KB, of which %.1f KB a new qstr pool" % (
                  resident / 1024, qstrs, grown / 1024, pool_step / 1024))
    assert "LAYOUT False" in out  # forgotten once the screen is made
    assert qstrs > 50 and 6 * 1024 < resident <= SCREEN_CODE_MAX_BYTES
