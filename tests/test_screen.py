"""The TFT pages rendered through Blinka's displayio into a frame buffer, in every scenario of
``hwc screenshot``: text readable across a room (nothing below the 2x font, nothing off the
screen, '...' where a line is cut), the status in colour and words, labelled trend axes, no
redraw without a change, touch and dimming, the display objects' size on the board; and the
pure parts (trend buffer, words); a page whose code cannot compile."""

from types import SimpleNamespace

import numpy as np
import pytest

import controller.screen as fmt
from controller.screen import Screen, Trend, put
from controller.screen.main import alerts, network
from controller.screen.trend import index, range_c
from hwc import screenshot
from hwc.fbdisplay import board_bytes, gfx, lines, text_of
from hwc.screenshot import SCENARIOS

# The screen's constants (private const()s in its modules: the board's compiler folds them).
COLS = 39  # a row's characters
OK, IDLE, WARN, FAULT = 0, 1, 2, 3  # the status levels
HOT, COLD, AMBIENT, DUTY = 0xFF5A28, 0x3C8CFF, 0x50D050, 0xFFD200  # the trend's series, the duty bar
NONE, NO_DUTY = -32768, 255  # Trend: no reading in a period


def rgb(color):
    """The RGB888 a 24-bit colour becomes on the 16-bit screen (as FramebufferDisplay.rgb)."""
    r, g, b = color >> 16 & 0xFF, color >> 8 & 0xFF, color & 0xFF
    r5, g6, b5 = r >> 3, g >> 2, b >> 3
    return ((r5 * 255 + 15) // 31, (g6 * 255 + 31) // 63, (b5 * 255 + 15) // 31)


def is_color(px, color):
    return tuple(int(v) for v in px) == rgb(color)


def rows(screen):
    """The text of the screen's rows: [0] the header row, [1:] the page's twelve rows."""
    return [text_of(row) for row in screen.rows]


def row_color(screen, i):
    return screen.rows[i].pixel_shader[1]


@pytest.fixture(scope="module")
def rendered():
    """{scenario: (ctx, screen, {page: rgb array}, {page: rows})}; the rigs stay open."""
    out = {}
    rigs = []
    for name in SCENARIOS:
        rig, screen, display = screenshot.build(name, run_s=20)
        rigs.append(rig)
        shots = {}
        texts = {}
        for page in screenshot.screen_names(screen, rig.ctl):
            screenshot.render(screen, page, rig.ctl)
            shots[page] = display.rgb().copy()
            texts[page] = rows(screen)
        out[name] = (rig.ctl, screen, shots, texts)
    yield out
    for rig in rigs:
        rig.stop()


def show(screen, ctx, page):
    screen.select(page)
    screen.update(ctx, ctx.clock.ticks_ms())


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_text_is_2x_or_larger_and_on_the_screen(rendered, scenario):
    """Across a room: nothing a user reads is in the 1x font (12 px, 1.8 mm on the Titano)."""
    ctx, screen, _shots, _texts = rendered[scenario]
    font = gfx().font.bitmap
    for page in screen.names:
        show(screen, ctx, page)
        found = list(lines(screen.root, font))
        assert len(found) >= 6, page
        for _grid, words, scale, left, top, right, bottom in found:
            assert scale >= 2, (page, words, scale)
            assert 0 <= left and right <= 480 and 0 <= top and bottom <= 320, (page, words, left, top, right, bottom)


def test_a_line_too_long_for_its_row_ends_in_an_ellipsis(rendered):
    ctx, screen, _shots, _texts = rendered["sunny-noon"]
    row = screen.rows[12]
    put(gfx(), row, "resets: power_on 4, watchdog 1, brownout 2, software 7, crash 3")
    assert text_of(row) == "resets: power_on 4, watchdog 1, brow..." and len(text_of(row)) == COLS
    put(gfx(), row, "caf\u00e9 \u00b0C")  # characters the font lacks show as '?'
    assert text_of(row) == "caf? ?C"
    assert fmt.wrap("x" * 50, 20, 2) == ["x" * 20, "x" * 17 + "..."]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_page_draws_something_in_every_scenario(rendered, scenario):
    _ctx, screen, shots, _texts = rendered[scenario]
    assert set(shots) == set(screen.names)
    for page, px in shots.items():
        assert px.shape == (320, 480, 3)
        lit = (px.sum(axis=2) > 0).mean()
        assert 0.05 < lit < 0.9, (page, lit)
    assert not np.array_equal(shots["main"], shots["trend"])


def test_fault_banner_is_red_and_says_fault_in_words(rendered):
    ctx, screen, shots, texts = rendered["collector-fault"]
    main = shots["main"]
    banner = main[2:30, 300:400]  # right of the headline, left of the clock: the bare banner colour
    assert all(is_color(px, fmt.BG[FAULT]) for px in banner.reshape(-1, 3))
    page = screen.pages["main"]
    show(screen, ctx, "main")
    assert text_of(screen.big) == "FAULT"
    assert texts["main"][2].startswith("FAULT: collector sensor open circuit")
    assert row_color(screen, 2) == fmt.INK[FAULT]
    assert text_of(page.collector) == "FAULT" and page.collector.pixel_shader[1] == fmt.INK[FAULT]
    assert texts["main"][11].startswith("! collector sensor open circuit")
    # Every page carries the fault: the header strip is red and says so.
    for name in ("trend", "details", "system", "boot"):
        assert is_color(shots[name][4, 240], fmt.BG[FAULT]), name
        assert texts[name][0].endswith("FAULT"), name
    assert texts["details"][1].split() == ["sensor", "C", "id", "state"]
    assert texts["details"][2].split() == ["collector", "--.-", "255", "open", "circuit"]
    assert texts["details"][7].split()[::2] == ["panel_inlet", "00008a"]  # the probe that fell off the bus
    show(screen, ctx, "details")
    assert texts["details"][7].endswith("missing") and row_color(screen, 7) == fmt.INK[WARN]


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "collector-fault"])
def test_no_red_banner_without_a_fault(rendered, scenario):
    _ctx, screen, shots, _texts = rendered[scenario]
    assert not is_color(shots["main"][20, 350], fmt.BG[FAULT])
    assert text_of(screen.big) != "FAULT"


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_duty_bar_length_matches_the_duty(rendered, scenario):
    ctx, _screen, shots, texts = rendered[scenario]
    row = shots["main"][236, 62:362]  # the bar: 3 px per percent from x=62
    filled = sum(1 for px in row if is_color(px, DUTY))
    assert filled == ctx.decision.duty_pct * 3
    assert texts["main"][9].startswith("PUMP") and texts["main"][9].endswith(
        "%d%% %s" % (ctx.decision.duty_pct, "ON" if ctx.pump_on else "off"))


def test_scenarios_show_what_they_are_named_for(rendered):
    assert rendered["sunny-noon"][0].decision.mode == "running"
    assert 0 < rendered["sunny-noon"][0].decision.duty_pct
    assert rendered["sunny-noon"][3]["main"][10] == "today 3.4 kWh  pump 2.6 h"  # the counters from nvm
    assert rendered["night-cool-off"][0].decision.mode == "cool_off"
    assert rendered["night-cool-off"][3]["trend"][0].endswith("COOL-OFF")
    assert rendered["collector-fault"][0].decision.mode == "fault"
    ctx, screen, _shots, texts = rendered["offline"]
    assert "342 queued" in texts["main"][12] and texts["main"][11].startswith("! network: bad MQTT_TOKEN (MQTT")
    system = texts["system"]
    assert "resets: power_on 4, watchdog 1" in system and "faults: i2c 2, mode_no_flow 1" in system


def test_trend_page_draws_the_history_with_labelled_axes(rendered):
    ctx, screen, shots, texts = rendered["sunny-noon"]
    chart = shots["trend"][44:188, 44:476].reshape(-1, 3)
    for color in (HOT, COLD, AMBIENT):
        assert sum(1 for px in chart[::3] if is_color(px, color)) > 50
    bars = shots["trend"][194:218, 44:476].reshape(-1, 3)
    assert any(is_color(px, DUTY) for px in bars)
    t = texts["trend"]
    high, middle, low = int(t[1]), int(t[4]), int(t[7])  # degrees C at the three gridlines
    assert low <= 15 and high >= 50 and middle == (high + low) // 2
    assert t[9].split() == ["-24h", "-18h", "-12h", "-6h", "now"]  # hours before now at the time marks
    assert t[11].split()[::2] == ["coll", "tank", "amb", "pump"]  # the legend, each after its colour mark
    assert t[12].startswith("degrees C;")
    for x, color in ((8, HOT), (128, COLD), (248, AMBIENT), (356, DUTY)):
        assert is_color(shots["trend"][284, x + 2], color)


def test_unchanged_values_are_not_redrawn(rendered):
    ctx, screen, _shots, _texts = rendered["sunny-noon"]
    for page in screen.names:
        screen.select(page)
        now = ctx.clock.ticks_ms()
        screen.update(ctx, now)
        screen.update(ctx, now)
        screen.update(ctx, now)
        assert screen.display.last_refresh_px == 0, page


def test_a_changed_temperature_redraws_only_its_digits(rendered):
    ctx, screen, _shots, _texts = rendered["sunny-noon"]
    show(screen, ctx, "main")
    screen.update(ctx, ctx.clock.ticks_ms())
    page = screen.pages["main"]
    was = ctx.hot.value_c
    ctx.hot.value_c = was + 1.0
    try:
        screen.update(ctx, ctx.clock.ticks_ms())
    finally:
        ctx.hot.value_c = was
    assert text_of(page.collector) == "%.1f" % (was + 1.0)
    # the collector's changed digits at 5x (30x60 px each) and the legend-free main page: nothing else
    assert 0 < screen.display.last_refresh_px <= 2 * 30 * 60


def test_display_objects_fit_their_budget_on_the_board(rendered):
    """The display objects held at their size on the board (CircuitPython's structs,
    hwc.fbdisplay.board_bytes), whatever page is on show: the shared ones and the main page's,
    built once and kept, and those of the page on show (the trend's and the heater's are made
    when the page comes up and dropped when it is left)."""
    ctx, screen, _shots, _texts = rendered["heater-pv"]
    rom = [gfx().font.bitmap]
    held = {}
    for name in screen.names:
        show(screen, ctx, name)
        assert set(screen.pages) == {"main", name} & {"main", "trend", "heater"}, (name, set(screen.pages))
        every = board_bytes([screen.root] + [page.group for page in screen.pages.values()], rom)
        held[name] = sum(v[1] for v in every.values())
        assert "Label" not in every
    print("\nDISPLAY OBJECTS held on the board, per page on show: %s" % held)
    # 4.4-4.5 KB (the rows' palettes differ), 7.9 KB with the trend's, 4.9 KB with the heater's; about 1 KB of
    # Python objects around them (test_screen_micropython)
    assert max(held[n] for n in ("main", "details", "system", "boot")) <= 5 * 1024
    assert held["trend"] <= 8.5 * 1024 and held["heater"] <= 5.5 * 1024


class Finger:
    """The touch panel: ``touch_point`` is whatever the test puts there."""

    def __init__(self):
        self.touch_point = None


def test_touch_pages_through_dims_and_wakes_on_a_fault():
    from hwc.fbdisplay import FramebufferDisplay
    from hwc.rig import Rig

    rig = Rig({"SCREEN_DIM_AFTER_S": "20", "SCREEN_HOME_AFTER_S": "15", "SCREEN_DIM_BRIGHTNESS": "0.1"})
    finger = Finger()
    display = FramebufferDisplay()
    screen = Screen(display, gfx(), finger)
    rig.ctl.screen = screen
    rig.set_ntc_c(hot_c=45, cold_c=30)
    assert display.root_group is screen.root and screen.root[0] is screen.blank  # boot messages
    assert rows(screen)[0] == "STARTING"
    shown = []
    screen_show = screen.show
    screen.show = lambda lines, errors=(): (screen_show(lines, errors), shown.append(rows(screen)))
    try:
        rig.start()
        assert shown and shown[-1][0] == "STARTING"
        assert "DS18B20: 5 found on D4" in shown[-1] and any('PROBE5_ROM = "28' in t for t in shown[-1]), shown
        rig.run_for(2)
        assert screen.root[0] is screen.pages["main"].group
        finger.touch_point = (400, 160, 30000)  # right side: next page
        rig.run_for(0.5)
        assert screen.root[0] is screen.pages["trend"].group and set(screen.pages) == {"main", "trend"}
        rig.run_for(0.5)  # held: still one page on
        assert screen.index == 1
        finger.touch_point = None
        rig.run_for(0.3)
        finger.touch_point = (40, 160, 30000)  # left third: back
        rig.run_for(0.3)
        finger.touch_point = None
        assert screen.index == 0
        rig.run_for(0.3)
        finger.touch_point = (40, 160, 30000)  # back again wraps to the boot page
        rig.run_for(0.3)
        finger.touch_point = None
        assert screen.root[0] is screen.blank and rows(screen)[0].startswith("BOOT LOG")
        assert "DS18B20: 5 found on D4" in rows(screen)
        rig.run_for(16)
        assert screen.index == 0  # home after SCREEN_HOME_AFTER_S
        assert display.brightness == 1.0
        rig.run_for(6)
        assert display.brightness == pytest.approx(0.1)  # dimmed after SCREEN_DIM_AFTER_S
        finger.touch_point = (400, 160, 30000)  # the first touch only wakes it
        rig.run_for(0.3)
        finger.touch_point = None
        assert display.brightness == 1.0 and screen.index == 0
        rig.run_for(25)
        assert display.brightness == pytest.approx(0.1)
        rig.set_raw(hot_raw=255)  # a fault wakes it and keeps it bright
        rig.run_for(5)
        assert rig.ctl.decision.mode == "fault"
        assert display.brightness == 1.0
        rig.run_for(60)
        assert display.brightness == 1.0
        assert rig.ctl.task_restarts["display"] == 0
    finally:
        rig.stop()


# --- pure parts -------------------------------------------------------------------------------


def test_trend_stores_period_means_and_gaps():
    t = Trend(points=4, period_s=10)
    for s in range(10):
        t.add(s, 20.0 + s, None, 5.0, 50 if s < 5 else 100)
    assert t.count == 0
    t.add(10, 40.0, 30.0, -2.56, 0)  # the first period is stored
    assert t.count == 1
    i = index(t, 0)
    assert t.collector[i] == 245 and t.tank[i] == NONE and t.ambient[i] == 50 and t.duty[i] == 75
    assert t.ambient[index(t, 0)] == 50
    t.add(35, 41.0, 30.0, None, 0)  # periods 2 and 3 had nothing: a gap, not a line
    assert t.count == 3
    assert t.collector[index(t, 0)] == NONE and t.duty[index(t, 0)] == NO_DUTY
    assert t.tank[index(t, 0)] == NONE and t.ambient[index(t, 0)] == NONE  # period 2 had nothing
    assert t.collector[index(t, 1)] == 400 and t.tank[index(t, 1)] == 300 and t.ambient[index(t, 1)] == -26
    assert t.collector[index(t, 2)] == 245
    for s in range(40, 100, 10):
        t.add(s, 50.0, 30.0, None, 20)
    assert t.count == 4 and t.collector[index(t, 0)] == 500  # the ring wrapped
    assert range_c(t, 4) == (30, 50)
    assert t.version == t.count + 5


def test_trend_range_is_at_least_20_k_and_whole_tens():
    t = Trend(points=10, period_s=1)
    assert range_c(t, 10) == (10, 30)
    for s in range(5):
        t.add(s, 61.2, 55.0, -3.0, 0)
    t.add(5, None, None, None, 0)
    assert range_c(t, 10) == (-10, 70)


def _touch_rig(**env):
    """A Screen on a frame buffer with a finger, in a rig whose firmware is not started: the
    tests drive ``update`` and ``poll_touch`` on their own clock."""
    from hwc.fbdisplay import FramebufferDisplay
    from hwc.rig import Rig

    rig = Rig(dict({"SCREEN_DIM_AFTER_S": "10", "SCREEN_HOME_AFTER_S": "5", "SCREEN_DIM_BRIGHTNESS": "0.1"}, **env))
    finger = Finger()
    screen = Screen(FramebufferDisplay(), gfx(), finger)
    return rig.ctl, screen, finger


def press(screen, finger, x):
    finger.touch_point = (x, 100, 1)
    return screen.poll_touch()


def test_touch_wake_dim_and_home():
    ctx, screen, finger = _touch_rig()
    assert not press(screen, finger, 300)  # nothing before the first update (no pages yet)
    screen.update(ctx, 1000)
    assert press(screen, finger, 300) and screen.index == 1
    assert not screen.poll_touch()  # still pressed
    finger.touch_point = None
    assert not screen.poll_touch()
    assert press(screen, finger, 10) and screen.index == 0
    finger.touch_point = None
    screen.poll_touch()
    assert press(screen, finger, 10) and screen.index == 4  # wraps
    finger.touch_point = None
    screen.poll_touch()
    screen.update(ctx, 5000)
    assert screen.display.brightness == 1.0 and screen.index == 4
    screen.update(ctx, 7000)
    assert screen.index == 0  # home after 5 s
    screen.update(ctx, 12000)
    assert screen.display.brightness == pytest.approx(0.1)
    assert press(screen, finger, 300) and screen.index == 0  # wake only
    screen.update(ctx, 12100)
    assert screen.display.brightness == 1.0


def test_idle_time_survives_the_tick_wrap():
    ctx, screen, _finger = _touch_rig(SCREEN_DIM_AFTER_S="0", SCREEN_HOME_AFTER_S="0")
    screen.update(ctx, (1 << 29) - 500)
    screen.update(ctx, 100)  # the tick counter wrapped
    assert screen.idle_ms == 600 and screen.display.brightness == 1.0


def test_wrap_fills_lines_and_marks_a_cut():
    assert fmt.wrap("running: dT 9.3 K", 39, 2) == ["running: dT 9.3 K", ""]
    lines_ = fmt.wrap("FAULT: collector sensor open circuit, tank sensor short circuit; pump stopped now", 39, 2)
    assert all(len(line) <= 39 for line in lines_)
    assert lines_[0] == "FAULT: collector sensor open circuit,"
    assert lines_[1].endswith("...")


def _ctx(mode, lockout=""):
    return SimpleNamespace(decision=SimpleNamespace(mode=mode), protection=SimpleNamespace(lockout=lockout))


def test_status_words_for_every_mode_and_unknown_ones():
    assert fmt.status(_ctx("running")) == (OK, "COLLECTING")
    assert fmt.status(_ctx("frost")) == (WARN, "FROST GUARD")
    assert fmt.status(_ctx("brand_new")) == (WARN, "BRAND NEW")  # never blank
    assert fmt.status(_ctx("run")) == (WARN, "RUN")  # a prefix of a known mode is not that mode
    assert fmt.status(_ctx("running", lockout="pump dry-run")) == (FAULT, "LOCKOUT")


def test_every_decision_mode_has_its_own_headline_and_level():
    from controller.decision import MODES

    seen = set()
    for mode in MODES + ("manual", "off"):
        level, words = fmt.status(_ctx(mode))
        assert "\n%s " % mode in fmt.MODES and words not in seen, mode
        seen.add(words)
    for mode in ("tank_cutoff", "emergency", "lockout", "no_flow", "fault"):
        assert fmt.status(_ctx(mode))[0] == FAULT, mode
    for mode in ("frost", "recool", "cool_off", "overheat"):
        assert fmt.status(_ctx(mode))[0] == WARN, mode


def test_network_words_tolerate_missing_parts():
    assert network(SimpleNamespace(link=None)) == (IDLE, "network off")
    link = SimpleNamespace(state="online", rssi=-70, buffered=0, dropped=0, last_error="")
    assert network(SimpleNamespace(link=link)) == (OK, "MQTT online  -70 dBm")
    link.state, link.rssi, link.buffered, link.dropped = "backoff", None, 12, 3
    assert network(SimpleNamespace(link=link)) == (WARN, "network retrying  12 queued  3 lost")
    link.state = "wifi"
    assert network(SimpleNamespace(link=link))[1].startswith("WiFi joining")
    link.state = "sleeping"
    assert network(SimpleNamespace(link=link)) == (WARN, "network sleeping  12 queued  3 lost")


def test_main_page_clock_and_energy_tolerate_missing_parts(rendered, monkeypatch):
    """The clock is blank while the wall clock is unknown; without counters the energy row
    counts the pump's starts since boot."""
    ctx, screen, _shots, _texts = rendered["sunny-noon"]
    monkeypatch.setattr(ctx, "counters", None)
    monkeypatch.setattr(ctx, "local_min", lambda: None)
    show(screen, ctx, "main")
    assert rows(screen)[0] == "" and rows(screen)[10] == "since start: %d pump starts" % ctx.pump_starts
    monkeypatch.setattr(ctx, "local_min", lambda: 14 * 60 + 5)
    screen.update(ctx, ctx.clock.ticks_ms())
    assert rows(screen)[0] == "14:05"


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_task_crashes_while_a_scenario_runs(rendered, scenario):
    ctx = rendered[scenario][0]
    assert sum(ctx.task_restarts.values()) == 0, [line for line in ctx.log.recent if "crashed" in str(line)]
    assert ctx.control_cycles > 5


def test_a_page_whose_code_cannot_compile_says_so_and_is_tried_again(rendered, monkeypatch):
    """A page's code is compiled when the page comes up: on a heap too fragmented for that, the
    screen shows the boot messages under a header that says why (no task crash), and compiles
    the page at the next update."""
    import builtins

    ctx, screen, _shots, _texts = rendered["sunny-noon"]
    show(screen, ctx, "main")
    real = builtins.__import__
    fail = ["controller.screen.trend"]

    def short_of_memory(name, *args, **kwargs):
        if name in fail:
            raise MemoryError("memory allocation failed, allocating 2032 bytes")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", short_of_memory)
    show(screen, ctx, "trend")
    header = rows(screen)[0]
    assert header.startswith("NO MEMORY FOR PAGE") and header.endswith("COLLECTING")
    assert screen.root[0] is screen.blank and "trend" not in screen.pages
    assert "DS18B20: 5 found on D4" in rows(screen)
    fail.clear()
    screen.update(ctx, ctx.clock.ticks_ms())
    assert rows(screen)[0].startswith("TREND 24 h") and screen.root[0] is screen.pages["trend"].group
    # The page's code compiled, but not the layout code that makes its display objects.
    show(screen, ctx, "main")
    fail.append("controller.screen.layout")
    show(screen, ctx, "trend")
    assert rows(screen)[0].startswith("NO MEMORY FOR PAGE") and screen.root[0] is screen.blank
    assert "trend" not in screen.pages and ctx.task_restarts["display"] == 0
    fail.clear()
    screen.update(ctx, ctx.clock.ticks_ms())
    assert rows(screen)[0].startswith("TREND 24 h") and screen.root[0] is screen.pages["trend"].group
