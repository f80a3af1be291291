"""The heater page: rendered through Blinka's displayio in ``hwc screenshot``'s heater-pv
scenario (gauges by pixels, words by the rows), each failing source's reason, absent when the
heater is off, its words without the network, the price band's pure parts, and its build and
update on MicroPython."""

import json
import subprocess
import sys

import pytest

import test_screen_micropython as screen_mpy
from controller.heater.core import SlotTable
from controller.localtime import days_from_civil, offset_at
from controller.screen import INK, WARN
from controller.screen.heater import BAR_W, price_band
from hwc import screenshot
from hwc.fbdisplay import text_of
from mpy_harness import run_device_script
from test_screen import OK, is_color


@pytest.fixture(scope="module")
def heater_shot():
    rig, screen, display = screenshot.build("heater-pv", run_s=10)
    try:
        screenshot.render(screen, "heater", rig.ctl)
        yield rig.ctl, screen, screen.pages["heater"], display.rgb().copy()
    finally:
        rig.stop()


def rows(screen):
    return [text_of(row) for row in screen.rows]


def bar_length_px(px, y, x0=66, width=BAR_W, color=None):
    row = px[y]
    return sum(1 for x in range(x0, x0 + width) if is_color(row[x], color))


def test_the_heater_page_shows_state_reason_gauges_source_and_errors(heater_shot):
    ctx, screen, page, px = heater_shot
    h = ctx.heater
    shown = rows(screen)
    assert screen.names[-1] == "heater" and screen.root[0] is page.group
    assert shown[0].startswith("HEATER")
    assert text_of(screen.big).startswith("ELEMENT " + h.state.upper())
    # the decision's reason in the 2x rows under the state, not in small print
    assert " ".join(shown[3:5]).startswith(h.reason[:60])
    assert shown[7] == "GRID export %.2f kW" % (-h.grid_w / 1000)
    band = price_band(h.prices, h.utc_min, offset_at(ctx.settings, h.utc_min))
    assert shown[5] == "PRICE %.2f p/kWh" % h.price_p_kwh
    assert shown[6].split() == ["%.1f" % (band[0] / 1000), "%.1f" % (band[1] / 1000)]  # the bar's ends
    assert shown[8].split() == ["0", "6kW"]
    # the price bar's lit length is the price's place in today's band
    pct = 100 * (h.price_p_kwh * 1000 - band[0]) / (band[1] - band[0])
    lit = bar_length_px(px, 164, color=INK[OK])
    assert lit == pytest.approx(BAR_W * max(1, round(pct)) // 100, abs=4)
    grid_lit = bar_length_px(px, 212, color=INK[OK])  # export: green
    assert grid_lit == pytest.approx(BAR_W * round(min(100, 50 * -h.grid_w / 3000)) // 100, abs=4)
    assert shown[9] == "tank top 48.5 C  target 60 C"
    assert shown[10].startswith("source ") and "today " in shown[10] and shown[10].endswith(" kWh")
    assert shown[11] == "meter shelly2, cheapest: all answer"


def test_each_failing_source_shows_its_reason(heater_shot):
    ctx, screen, page, _px = heater_shot
    h = ctx.heater
    saved = dict(h.errors)
    try:
        h.errors = {"meter": "timeout", "prices": "HTTP 503", "carbon": "timeout", "forecast": ""}
        screen.update(ctx, ctx.clock.ticks_ms())
        shown = rows(screen)
        assert shown[11:13] == ["carbon, meter: timeout; prices: HTTP 503", ""] or \
            " ".join(shown[11:13]).startswith("carbon, meter: timeout; prices: HTTP 503")
        assert screen.rows[11].pixel_shader[1] == INK[WARN]
    finally:
        h.errors = saved
        screen.update(ctx, ctx.clock.ticks_ms())


def test_the_page_follows_the_heater_and_never_redraws_without_a_change(heater_shot):
    ctx, screen, page, _px = heater_shot
    h = ctx.heater
    saved = (h.state, h.element_w, h.grid_w, h.reason)
    try:
        h.state, h.element_w, h.grid_w, h.reason = "on", 3000.0, 850.0, "on: cheapest: 03:30 is one of the 4 lowest"
        screen.update(ctx, ctx.clock.ticks_ms())
        assert text_of(screen.big) == "ELEMENT ON  3.0 kW" and screen.big.pixel_shader[1] == INK[OK]
        assert rows(screen)[7] == "GRID import 0.85 kW" and screen.rows[7].pixel_shader[1] == INK[WARN]
        screen.update(ctx, ctx.clock.ticks_ms())
        screen.update(ctx, ctx.clock.ticks_ms())
        assert screen.display.last_refresh_px == 0
    finally:
        h.state, h.element_w, h.grid_w, h.reason = saved
        screen.update(ctx, ctx.clock.ticks_ms())


def test_without_the_network_the_page_says_why_the_element_is_off(heater_shot):
    ctx, screen, page, _px = heater_shot
    h = ctx.heater
    try:
        ctx.heater = None
        ctx.heater_relay = object()
        screen.update(ctx, ctx.clock.ticks_ms())
        assert text_of(screen.big) == "ELEMENT OFF"
        assert rows(screen)[3].startswith("needs the network")
        assert rows(screen)[5:] == [""] * 8
    finally:
        ctx.heater = h
        del ctx.heater_relay


def test_no_heater_page_and_no_heater_module_when_the_heater_is_off():
    code = ("import sys\nfrom hwc import screenshot\nrig, screen, d = screenshot.build('sunny-noon', run_s=2)\n"
            "print(screen.names, 'controller.screen.heater' in sys.modules)\nrig.stop()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("('main', 'trend', 'details', 'system', 'boot') False")


def test_price_band_is_todays_local_date_only():
    t = SlotTable(10)
    day = days_from_civil(2024, 1, 15) * 1440  # a winter day (UTC = UK time)
    t.add(day - 30, day, 99000)  # yesterday's last slot
    t.add(day, day + 30, 12000)
    t.add(day + 600, day + 630, -2000)
    t.add(day + 1440, day + 1470, 50000)  # tomorrow
    assert price_band(t, day + 700, 0) == (-2000, 12000)
    assert price_band(t, day + 700, 60) == (-2000, 99000)  # at UTC+1, 23:30 UTC on the 14th is the 15th
    assert price_band(t, day + 700, -60) == (-2000, 50000)  # at UTC-1, 00:00 UTC on the 16th is the 15th
    assert price_band(SlotTable(4), day, 0) is None


MPY_HEATER = r"""
from controller.heater.task import Heater


class Relay:
    value = False


ms = [1000]
display = Display()
screen = Screen(display, gfx)


class HW:
    pass


hw = HW()
hw.screen = screen
hw.board_name = "MicroPython guest"
ctl = Controller(hw, load({"HEATER_ENABLED": "1", "PROBE1_NAME": "tank_top"}.get), ticks_ms=lambda: ms[0],
                 log=Log(out=lambda l: None))
h = Heater(ctl, Relay(), None)
day = 8780 * 1440  # 2024-01-15
h.prices = h.tables[0]
for k in range(48):
    h.prices.add(day + 30 * k, day + 30 * k + 30, 10000 + 500 * k)
h.utc_min = day + 600
h.price_p_kwh = 20.0
h.state, h.element_w, h.grid_w, h.reason = "on", 3000.0, -500.0, "on: pv: surplus 3500 W > 3200 W for 120 s"
ctl.heater = h
h.errors = {"meter": "", "prices": "HTTP 503"}
screen.select("heater")
screen.update(ctl, ms[0])
page = screen.pages["heater"]
out = {"names": list(screen.names), "state": screen.big.text(), "rows": [row.text() for row in screen.rows],
       "bar": page.price.width, "grid_bar": page.grid.width}
print("RESULT " + json.dumps(out))
"""


def test_heater_page_builds_and_updates_on_micropython():
    head = screen_mpy.SCRIPT[:screen_mpy.SCRIPT.index("ms = [1000]")]
    out = run_device_script(head + MPY_HEATER, timeout_s=300)
    r = json.loads([x for x in out.splitlines() if x.startswith("RESULT ")][0][len("RESULT "):])
    assert r["names"] == ["main", "trend", "details", "system", "boot", "heater"]
    rows = r["rows"]
    assert r["state"] == "ELEMENT ON  3.0 kW" and rows[7] == "GRID export 0.50 kW"
    assert rows[5] == "PRICE 20.00 p/kWh" and rows[6].split() == ["10.0", "33.5"]
    assert r["bar"] == BAR_W * round(100 * (20000 - 10000) / 23500) // 100
    assert r["grid_bar"] == BAR_W * round(50 * 500 / 3000) // 100
    assert rows[11] == "prices: HTTP 503"
