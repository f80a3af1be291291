"""The TFT pages rendered through Blinka's displayio into a frame buffer, in every scenario of
``hwc screenshot``: pixels and regions, text inside the screen, no redraw without a change,
touch, dimming; and the pure parts (trend buffer, pager, words)."""

from types import SimpleNamespace

import numpy as np
import pytest

from controller.screen import fmt
from controller.screen.pager import Pager
from controller.screen.trend import NO_DUTY, NONE, Trend
from hwc import screenshot
from hwc.screenshot import PAGES, SCENARIOS


def rgb(color):
    """The RGB888 a 24-bit colour becomes on the 16-bit screen (as FramebufferDisplay.rgb)."""
    r, g, b = color >> 16 & 0xFF, color >> 8 & 0xFF, color & 0xFF
    r5, g6, b5 = r >> 3, g >> 2, b >> 3
    return ((r5 * 255 + 15) // 31, (g6 * 255 + 31) // 63, (b5 * 255 + 15) // 31)


def is_color(px, color):
    return tuple(int(v) for v in px) == rgb(color)


@pytest.fixture(scope="module")
def rendered():
    """{scenario: (ctx, screen, {page: rgb array})}; the rigs stay open for the module."""
    out = {}
    rigs = []
    for name in SCENARIOS:
        rig, screen, display = screenshot.build(name, run_s=20)
        rigs.append(rig)
        shots = {}
        for page in PAGES:
            screenshot.render(screen, page, rig.ctl)
            shots[page] = display.rgb().copy()
        out[name] = (rig.ctl, screen, shots)
    yield out
    for rig in rigs:
        rig.stop()


def labels(group, ox=0, oy=0, scale=1):
    """(label, left, top, right, bottom) of every label under ``group`` in screen pixels;
    (ox, oy) is where ``group``'s origin is on the screen and ``scale`` its magnification."""
    from adafruit_display_text import LabelBase

    for item in group:
        x = ox + item.x * scale
        y = oy + item.y * scale
        if isinstance(item, LabelBase):
            bx, by, bw, bh = item.bounding_box
            s = scale * item.scale
            yield item, x + bx * s, y + by * s, x + (bx + bw) * s, y + (by + bh) * s
        elif hasattr(item, "scale") and hasattr(item, "__len__"):
            yield from labels(item, x, y, scale * item.scale)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("page", PAGES)
def test_no_text_runs_off_screen(rendered, scenario, page):
    ctx, screen, _shots = rendered[scenario]
    screen.select(page)
    screen.update(ctx, ctx.clock.ticks_ms())
    group = screen.display.root_group
    found = list(labels(group))
    assert len(found) >= 10
    for label, left, top, right, bottom in found:
        if not label.text:
            continue
        assert 0 <= left and right <= 480 and 0 <= top and bottom <= 320, (label.text, left, top, right, bottom)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_page_draws_something_in_every_scenario(rendered, scenario):
    _ctx, _screen, shots = rendered[scenario]
    for page, px in shots.items():
        assert px.shape == (320, 480, 3)
        lit = (px.sum(axis=2) > 0).mean()
        assert 0.05 < lit < 0.9, (page, lit)
    assert not np.array_equal(shots["main"], shots["trend"])


def test_fault_banner_is_red_and_says_fault_in_words(rendered):
    ctx, screen, shots = rendered["collector-fault"]
    main = shots["main"]
    banner = main[2:42, 300:400]  # right of the headline, left of the clock: the bare banner colour
    assert all(is_color(px, fmt.BG[fmt.FAULT]) for px in banner.reshape(-1, 3))
    page = screen.pages[0]
    assert page.headline.text == "FAULT"
    assert page.reason[0].text.startswith("FAULT: collector sensor open circuit")
    assert page.collector.text == "FAULT" and page.collector.color == fmt.INK[fmt.FAULT]
    assert page.alert.text.startswith("! collector sensor open circuit")
    # Every page carries the fault: the header strip is red and says so.
    for name in ("trend", "details", "boot"):
        assert is_color(shots[name][4, 240], fmt.BG[fmt.FAULT]), name
    assert screen.pages[1].header.words.text == "FAULT"
    details = screen.pages[2]
    assert "open circuit" in details.rows[0].text and details.rows[0].color == fmt.INK[fmt.FAULT]
    assert "missing" in details.rows[5].text  # the probe that fell off the bus


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "collector-fault"])
def test_no_red_banner_without_a_fault(rendered, scenario):
    _ctx, screen, shots = rendered[scenario]
    assert not is_color(shots["main"][20, 350], fmt.BG[fmt.FAULT])
    assert screen.pages[0].headline.text != "FAULT"


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_duty_bar_length_matches_the_duty(rendered, scenario):
    ctx, _screen, shots = rendered[scenario]
    row = shots["main"][232, 62:362]  # the bar: 3 px per percent from x=62
    filled = sum(1 for px in row if is_color(px, fmt.DUTY))
    assert filled == ctx.decision.duty_pct * 3


def test_scenarios_show_what_they_are_named_for(rendered):
    assert rendered["sunny-noon"][0].decision.mode == "running"
    assert 0 < rendered["sunny-noon"][0].decision.duty_pct
    assert rendered["night-cool-off"][0].decision.mode == "cool_off"
    assert rendered["night-cool-off"][1].pages[0].headline.text == "COOL-OFF"
    assert rendered["collector-fault"][0].decision.mode == "fault"
    offline = rendered["offline"][1].pages[0]
    assert "342 queued" in offline.net.text and offline.net.color == fmt.INK[fmt.WARN]
    assert offline.alert.text.startswith("! network: bad MQTT_TOKEN (MQTT code")


def test_trend_page_draws_the_history(rendered):
    ctx, screen, shots = rendered["sunny-noon"]
    chart = shots["trend"][38:206, 44:476].reshape(-1, 3)
    for color in (fmt.HOT, fmt.COLD, fmt.AMBIENT):
        assert sum(1 for px in chart[::3] if is_color(px, color)) > 50
    bars = shots["trend"][206:230, 44:476].reshape(-1, 3)
    assert any(is_color(px, fmt.DUTY) for px in bars)
    page = screen.pages[1]
    assert int(page.low.text) <= 15 and int(page.high.text) >= 50


def test_unchanged_values_are_not_set_again_nor_redrawn(rendered):
    ctx, screen, _shots = rendered["sunny-noon"]
    for page in PAGES:
        screen.select(page)
        now = ctx.clock.ticks_ms()
        screen.update(ctx, now)
        screen.update(ctx, now)
        texts = [t for t in vars(screen.pages[PAGES.index(page)]).values() if hasattr(t, "sets")]
        before = sum(t.sets for t in texts)
        screen.update(ctx, now)
        assert sum(t.sets for t in texts) == before, page
        assert screen.display.last_refresh_px == 0, page


def test_a_changed_temperature_redraws_only_its_label(rendered):
    ctx, screen, _shots = rendered["sunny-noon"]
    screen.select("main")
    screen.update(ctx, ctx.clock.ticks_ms())
    screen.update(ctx, ctx.clock.ticks_ms())  # Blinka redraws every element once after a page switch
    page = screen.pages[0]
    sets = page.collector.sets
    was = ctx.hot.value_c
    ctx.hot.value_c = was + 1.0
    try:
        screen.update(ctx, ctx.clock.ticks_ms())
    finally:
        ctx.hot.value_c = was
    assert page.collector.sets == sets + 1
    assert 0 < screen.display.last_refresh_px < 480 * 320 // 4


class Finger:
    """The touch panel: ``touch_point`` is whatever the test puts there."""

    def __init__(self):
        self.touch_point = None


def test_touch_pages_through_dims_and_wakes_on_a_fault():
    from controller.screen.manager import Screen
    from hwc.fbdisplay import FramebufferDisplay, gfx
    from hwc.rig import Rig

    rig = Rig({"SCREEN_DIM_AFTER_S": "20", "SCREEN_HOME_AFTER_S": "15", "SCREEN_DIM_BRIGHTNESS": "0.1"})
    finger = Finger()
    display = FramebufferDisplay()
    screen = Screen(display, gfx(), finger)
    rig.ctl.screen = screen
    rig.set_ntc_c(hot_c=45, cold_c=30)
    assert display.root_group is screen.boot.group  # boot messages while starting
    try:
        rig.start()
        shown = [row.text for row in screen.boot.rows]
        assert "DS18B20: 5 found on D4" in shown and any('PROBE5_ROM = "28' in t for t in shown), shown
        rig.run_for(2)
        assert display.root_group is screen.pages[0].group
        finger.touch_point = (400, 160, 30000)  # right side: next page
        rig.run_for(0.5)
        assert display.root_group is screen.pages[1].group
        rig.run_for(0.5)  # held: still one page on
        assert screen.pager.index == 1
        finger.touch_point = None
        rig.run_for(0.3)
        finger.touch_point = (40, 160, 30000)  # left third: back
        rig.run_for(0.3)
        finger.touch_point = None
        assert screen.pager.index == 0
        rig.run_for(0.3)
        finger.touch_point = (40, 160, 30000)  # back again wraps to the boot page
        rig.run_for(0.3)
        finger.touch_point = None
        assert display.root_group is screen.boot.group
        rig.run_for(16)
        assert screen.pager.index == 0  # home after SCREEN_HOME_AFTER_S
        assert display.brightness == 1.0
        rig.run_for(6)
        assert display.brightness == pytest.approx(0.1)  # dimmed after SCREEN_DIM_AFTER_S
        finger.touch_point = (400, 160, 30000)  # the first touch only wakes it
        rig.run_for(0.3)
        finger.touch_point = None
        assert display.brightness == 1.0 and screen.pager.index == 0
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
    i = t.index(0)
    assert t.collector[i] == 245 and t.tank[i] == NONE and t.ambient[i] == 50 and t.duty[i] == 75
    assert t.ambient[t.index(0)] == 50
    t.add(35, 41.0, 30.0, None, 0)  # periods 2 and 3 had nothing: a gap, not a line
    assert t.count == 3
    assert t.collector[t.index(0)] == NONE and t.duty[t.index(0)] == NO_DUTY
    assert t.tank[t.index(0)] == NONE and t.ambient[t.index(0)] == NONE  # period 2 had nothing
    assert t.collector[t.index(1)] == 400 and t.tank[t.index(1)] == 300 and t.ambient[t.index(1)] == -26
    assert t.collector[t.index(2)] == 245
    for s in range(40, 100, 10):
        t.add(s, 50.0, 30.0, None, 20)
    assert t.count == 4 and t.collector[t.index(0)] == 500  # the ring wrapped
    assert t.range_c(4) == (30, 50)
    assert t.version == t.count + 5


def test_trend_range_is_at_least_20_k_and_whole_tens():
    t = Trend(points=10, period_s=1)
    assert t.range_c(10) == (10, 30)
    for s in range(5):
        t.add(s, 61.2, 55.0, -3.0, 0)
    t.add(5, None, None, None, 0)
    assert t.range_c(10) == (-10, 70)


def _settings(**kw):
    base = dict(screen_brightness=1.0, screen_dim_brightness=0.1, screen_dim_after_s=10, screen_home_after_s=5)
    base.update(kw)
    return SimpleNamespace(**base)


def test_pager_touch_wake_dim_and_home():
    p = Pager(4, 480, _settings(), now_ms=1000)
    assert p.touch((300, 100, 1)) and p.index == 1
    assert not p.touch((300, 100, 1))  # still pressed
    assert not p.touch(None)
    assert p.touch((10, 100, 1)) and p.index == 0
    p.touch(None)
    assert p.touch((10, 100, 1)) and p.index == 3  # wraps
    p.touch(None)
    p.tick(5000, False)
    assert p.brightness == 1.0 and p.index == 3
    assert p.tick(7000, False) and p.index == 0  # home after 5 s
    p.tick(12000, False)
    assert p.brightness == 0.1
    p.tick(13000, True)
    assert p.brightness == 1.0  # fault
    p.tick(14000, False)
    assert p.brightness == 0.1
    assert not p.touch((300, 100, 1)) and p.brightness == 1.0 and p.index == 0  # wake only


def test_pager_idle_time_survives_the_tick_wrap():
    p = Pager(4, 480, _settings(screen_dim_after_s=0, screen_home_after_s=0), now_ms=(1 << 29) - 500)
    p.tick(100, False)  # the tick counter wrapped
    assert p.idle_ms == 600 and p.brightness == 1.0


def test_wrap_fills_lines_and_marks_a_cut():
    assert fmt.wrap("running: dT 9.3 K", 39, 2) == ["running: dT 9.3 K", ""]
    lines = fmt.wrap("FAULT: collector sensor open circuit, tank sensor short circuit; pump stopped now", 39, 2)
    assert all(len(line) <= 39 for line in lines)
    assert lines[0] == "FAULT: collector sensor open circuit,"
    assert lines[1].endswith("..")
    assert fmt.wrap("x" * 50, 20, 2) == ["x" * 20, "x" * 18 + ".."]


def test_status_words_for_every_mode_and_unknown_ones():
    ctx = SimpleNamespace(decision=SimpleNamespace(mode="running"), protection=None)
    assert fmt.status(ctx) == (fmt.OK, "COLLECTING")
    ctx.decision.mode = "frost"
    assert fmt.status(ctx) == (fmt.WARN, "FROST GUARD")
    ctx.decision.mode = "brand_new"
    assert fmt.status(ctx) == (fmt.WARN, "BRAND NEW")  # never blank
    ctx.protection = SimpleNamespace(active=(), lockout="pump dry-run", warnings=[])
    ctx.decision.mode = "running"
    assert fmt.status(ctx) == (fmt.FAULT, "LOCKOUT")
    for mode in ("idle", "running", "purge", "cool_off", "overheat", "fault", "manual", "off"):
        ctx = SimpleNamespace(decision=SimpleNamespace(mode=mode), protection=None)
        level, words = fmt.status(ctx)
        assert words and level in (fmt.OK, fmt.IDLE, fmt.WARN, fmt.FAULT)


def test_network_words_tolerate_missing_parts():
    assert fmt.network(SimpleNamespace(link=None)) == (fmt.IDLE, "network off")
    link = SimpleNamespace(state="online", rssi=-70, buffered=0, dropped=0, last_error="")
    assert fmt.network(SimpleNamespace(link=link)) == (fmt.OK, "MQTT online  -70 dBm")
    link.state, link.rssi, link.buffered, link.dropped = "backoff", None, 12, 3
    assert fmt.network(SimpleNamespace(link=link)) == (fmt.WARN, "network retrying  12 queued  3 lost")
    link.state = "wifi"
    assert fmt.network(SimpleNamespace(link=link))[1].startswith("WiFi joining")
    assert fmt.energy(SimpleNamespace(counters=None)) is None
    assert fmt.clock(SimpleNamespace(local_min=lambda: None)) is None


def test_every_decision_mode_has_its_own_headline_and_level():
    from controller.decision import MODES

    for mode in MODES + ("manual", "off"):
        assert mode in fmt.MODES, mode
    assert fmt.MODES["tank_cutoff"][0] == fmt.MODES["emergency"][0] == fmt.MODES["lockout"][0] == fmt.FAULT
    assert fmt.MODES["frost"][0] == fmt.MODES["recool"][0] == fmt.WARN


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_task_crashes_while_a_scenario_runs(rendered, scenario):
    ctx = rendered[scenario][0]
    assert sum(ctx.task_restarts.values()) == 0, [line for line in ctx.log.recent if "crashed" in str(line)]
    assert ctx.control_cycles > 5
