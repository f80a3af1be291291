"""Pictures of the TFT pages, rendered on a PC through the device's own screen code.

The firmware runs in a :class:`hwc.rig.Rig` (real drivers on fake buses) with its screen
drawing into a frame buffer (:mod:`hwc.fbdisplay`, Blinka's displayio). A scenario sets the
plant's temperatures, runs the firmware for a minute and renders. The trend history before
that minute comes from the plant simulator (:mod:`hwc.sim.plant`) over the bundled summer day,
driven by the firmware's own pump algorithm. The counters are the firmware's own, restored from a
fake nvm slice (:mod:`hwc.fakeboard`) that holds the scenario's figures; the network link is a
stand-in with the attribute names of its contract; the plant protection is the firmware's own.

Usage::

    hwc screenshot                                   # main page, sunny noon -> screen.png
    hwc screenshot --page trend --scenario collector-fault -o trend.png
    hwc screenshot --all docs/screens                # every page in every scenario
"""

import os
import sys
from types import SimpleNamespace

from controller.screen import PAGES  # and "heater" with the heater on

HEATER_PAGES = ("heater",)
HISTORY_STEP_S = 30
RUN_S = 40  # firmware time run with the screen on before the picture
EPOCH_DAY = 1782864000  # 2026-07-01 00:00 UTC: the wall clock of the scenarios


def _counters(kwh, pump_h, starts):
    """The counters block the scenario's board has in its nvm: today's heat and pump time, and
    totals from a season of use (the boot adds this run's power_on to the resets)."""
    from controller.counters import Counters

    c = Counters()
    c.heat_today_wh = int(kwh * 1000)
    c.heat_total_wh = 812400 + c.heat_today_wh
    c.pump_s_today = int(pump_h * 3600)
    c.pump_s_total = 1510 * 3600 + c.pump_s_today
    c.starts_total = 4127 + starts
    c.faults = {"i2c": 2, "mode_no_flow": 1}
    c.resets = {"power_on": 3, "watchdog": 1}
    c.day = EPOCH_DAY // 86400
    return c


def _link(state, rssi=-61, buffered=0, dropped=0, error=""):
    return SimpleNamespace(state=state, rssi=rssi, wifi_connects=2, mqtt_connects=3, buffered=buffered,
                           dropped=dropped, last_error=error)


class Scenario:
    """:param hour: local time of the picture (hours since midnight of the bundled day)
    :param plant: PlantConfig overrides; :param state: callable(rig) after the rig is made
    :param extras: callable(plant) -> attributes set on the controller (link ...)
    :param counters: the Counters saved in the board's nvm before this boot"""

    def __init__(self, title, hour, plant=None, state=None, extras=None, until=None, env=None, counters=None):
        self.title = title
        self.env = env or {}  # settings besides PROBE3_NAME
        self.hour = hour
        self.until = until  # the history runs on (up to 2 h) until until(decision) is true
        self.plant = plant or {}
        self.state = state
        self.extras = extras
        self.counters = counters


def _collector_open(rig):
    rig.set_raw(hot_raw=255)  # the NTC's wire is cut: the ADC input is pulled to the rail
    rig.ds18[3].present = False  # and a probe fell off the bus


def _heater_noon(rig):
    """The immersion heater at 12:30 with 3.4 kW of PV export: a real Heater (no task, no
    network) with a synthetic Agile day of prices (hwc.sim.household); its decision core decides
    from the controller's own pump decision, so the page shows what the firmware would."""
    from controller.heater.task import Heater
    from controller.localtime import EPOCH_2000_S
    from hwc.costbench import _table
    from hwc.sim.household import day_prices
    from hwc.simulate import load_weather

    class Relay:
        value = False

    ctl = rig.ctl
    h = Heater(ctl, Relay(), None)
    h.prices = _table(day_prices(load_weather(), "screenshot", 182, 7), 182, year=2026)
    h.utc_min = (EPOCH_DAY + int(12.5 * 3600) - 3600 - EPOCH_2000_S) // 60  # 12:30 BST
    h.top_c, h.bottom_c, h.grid_w = 48.5, ctl.cold.value_c, -3430
    h.errors = {"meter": "", "prices": ""}
    ctl.heater = h

    def decide():
        h.pump_running = ctl.decision.duty_pct > 0
        now_s = ctl.clock.now_s() + 600  # past the boot's minimum off time
        h.decide(now_s - 130)
        d = h.decide(now_s)  # export held for longer than HEATER_ON_WAIT_S
        h.state = "on" if d.on else "off"
        h.element_w = ctl.settings.heater_power_w if d.on else 0
        h.grid_w += int(h.element_w)
        h.price_p_kwh = None if d.price is None else d.price / 1000

    h.decide_for_screenshot = decide  # build() calls it once the pump has decided


SCENARIOS = {
    "sunny-noon": Scenario(
        "sunny noon: collecting", 11.75, until=lambda d: d.mode == "running" and d.diff_k > 9,
        extras=lambda p: {"link": _link("online")}, counters=_counters(3.4, 2.6, 3)),
    "night-cool-off": Scenario(
        "night: tank too hot, cooling through the collector", 20.0, until=lambda d: d.mode == "cool_off",
        plant={"tank_volume_l": 120.0, "tank_initial_c": 62.0, "draws": ()},
        extras=lambda p: {"link": _link("online", rssi=-67)}, counters=_counters(0.0, 0.4, 1)),
    "collector-fault": Scenario(
        "collector sensor open circuit, a probe missing", 15.0, state=_collector_open,
        extras=lambda p: {"link": _link("online", rssi=-58)}, counters=_counters(4.1, 3.2, 4)),
    "offline": Scenario(
        "network down: telemetry queued on the device", 17.0,
        extras=lambda p: {"link": _link("backoff", rssi=None, buffered=342, dropped=0,
                                        error="bad MQTT_TOKEN (MQTT code 5: not authorised)")},
        counters=_counters(5.0, 4.1, 5)),
    "heater-pv": Scenario(
        "immersion heater at noon, 3.4 kW of PV exported", 12.5, state=_heater_noon,
        env={"HEATER_ENABLED": "1", "HEATER_METER": "shelly2", "HEATER_METER_IP": "192.168.1.50",
             "HEATER_TARIFF": "cheapest", "HEATER_TOP_PROBE": "tank_top"},
        extras=lambda p: {"link": _link("online")}, counters=_counters(2.9, 2.1, 2)),
}


def plant_history(scenario, settings, trend, step_s=HISTORY_STEP_S):
    """Run the plant from midnight to the scenario's hour with the firmware's algorithm
    deciding the duty (and on, up to 2 h, until the scenario's ``until(decision)``); feed
    ``trend`` (times before now are negative). Returns (plant, seconds since midnight)."""
    from controller.algorithm import PumpAlgorithm
    from hwc.sim.plant import Plant, PlantConfig
    from hwc.simulate import load_weather

    cfg = PlantConfig()
    for key, value in scenario.plant.items():
        setattr(cfg, key, value)
    plant = Plant(cfg, load_weather())
    algo = PumpAlgorithm(settings)
    end_s = int(scenario.hour * 3600)
    last_s = end_s + (7200 if scenario.until else 0)
    t = 0
    points = []
    while t < last_s:
        d = algo.update(plant.panel_outlet_c, plant.tank_bottom_c, t)
        if t >= end_s and (scenario.until is None or scenario.until(d)):
            break
        on_s = step_s * d.duty_pct / 100.0
        if on_s > 0:
            plant.step(on_s, True)
        if step_s - on_s > 0:
            plant.step(step_s - on_s, False)
        t += step_s
        points.append((t, plant.panel_outlet_c, plant.tank_bottom_c, plant.ambient_c, d.duty_pct))
    for p in points:
        trend.add(p[0] - t - 1, p[1], p[2], p[3], p[4])
    return plant, t, algo


class Wall:
    """``ctx.wall`` as the network part will provide it: Unix seconds from the virtual loop."""

    def __init__(self, loop, epoch_at_zero):
        self.loop = loop
        self.epoch_at_zero = epoch_at_zero

    def epoch_s(self):
        return int(self.epoch_at_zero + self.loop.time())


def build(name, run_s=RUN_S):
    """The firmware in scenario ``name``, its screen drawing into a frame buffer.

    Returns (rig, screen, display); call ``rig.stop()`` when done."""
    from controller.screen import Screen, Trend
    from hwc.fbdisplay import FramebufferDisplay, gfx
    from hwc.rig import Rig

    from hwc.fakeboard import FakeNvm

    scenario = SCENARIOS[name]
    nvm = FakeNvm()
    store = nvm.counter_store()
    if scenario.counters is not None:
        store.write(scenario.counters.encode())
    # The third probe sits in the tank's top sleeve.
    rig = Rig(dict({"PROBE3_NAME": "tank_top"}, **scenario.env),
              hw_extra={"counter_store": store, "reset_cause": "power_on"})
    ctl = rig.ctl
    trend = Trend()
    plant, end_s, algo = plant_history(scenario, rig.settings, trend)
    for key in ("running", "max_diff_uk", "cool_off_armed", "cool_off_running"):
        setattr(ctl.algorithm, key, getattr(algo, key))  # the firmware's state goes on from there
    ctl.trend = trend
    rig.set_ntc_c(hot_c=plant.panel_outlet_c, cold_c=plant.tank_bottom_c)
    temps = plant.probes()
    for (pname, _rom), dev in zip([(p.name, p.rom_hex) for p in ctl.probes], rig.ds18):
        dev.temp_c = temps.get(pname + "_c", temps["ambient_c"])
    if scenario.state is not None:
        scenario.state(rig)
    ctl.wall = Wall(rig.loop, EPOCH_DAY + end_s % 86400)
    for key, value in (scenario.extras(plant) if scenario.extras else {}).items():
        setattr(ctl, key, value)
    display = FramebufferDisplay()
    screen = Screen(display, gfx())
    rig.hw.screen = screen
    ctl.screen = screen
    rig.start()
    rig.run_for(run_s)
    heater = getattr(ctl, "heater", None)
    if heater is not None:
        heater.decide_for_screenshot()
    return rig, screen, display


def screen_names(screen, ctx):
    """The pages ``screen`` has with ``ctx``'s settings (built on the first update)."""
    if screen.names is None:
        screen.update(ctx, ctx.clock.ticks_ms())
    return screen.names


def render(screen, page, ctx):
    """Show ``page`` and return the picture (PIL image)."""
    screen.select(page)
    screen.update(ctx, ctx.clock.ticks_ms())
    return screen.display.image()


def add_arguments(parser):
    parser.add_argument("--page", default="main", choices=PAGES + HEATER_PAGES + ("all",),
                        help="page to render (heater: in the heater-pv scenario)")
    parser.add_argument("--scenario", default="sunny-noon", choices=tuple(SCENARIOS) + ("all",),
                        help="state of the plant and the controller")
    parser.add_argument("-o", "--output", default="screen.png",
                        help="PNG file (with --page/--scenario all: a directory)")
    parser.add_argument("--all", metavar="DIR", help="every page in every scenario into DIR/SCENARIO-PAGE.png")
    parser.add_argument("--timing", action="store_true",
                        help="print update times and redrawn pixels per page instead (no PNG)")


def timing(name, seconds=30):
    """Per page: the page switch and ``seconds`` of one-second updates while the firmware runs.
    Returns [(page, switch_ms, switch_px, mean_ms, max_ms, mean_px, max_px)]. Host CPU time of
    Python-side work plus Blinka's rendering; the redrawn pixel counts carry over to the device."""
    import time

    rig, screen, display = build(name)
    rows = []
    try:
        update = screen.update
        record = []

        def timed(ctx, now_ms):
            t0 = time.perf_counter()
            update(ctx, now_ms)
            record.append(((time.perf_counter() - t0) * 1000, display.last_refresh_px))

        screen.update = timed
        rig.ctl.settings.screen_home_after_s = 0  # stay on each page however long it takes
        for page in PAGES:
            screen.select(page)
            record.clear()
            while len(record) < 2:  # the switch, and Blinka's one-off redraw of every element after it
                rig.run_for(0.25)
            switch_ms, switch_px = record[0]
            record.clear()
            rig.run_for(seconds)
            ms = [r[0] for r in record]
            px = [r[1] for r in record]
            rows.append((page, switch_ms, switch_px, sum(ms) / len(ms), max(ms), sum(px) / len(px), max(px)))
    finally:
        rig.stop()
    return rows


def pictures(name, pages=None):
    """{page: PIL image} of scenario ``name``: ``pages`` (default: every page it has), in the
    order and state ``hwc screenshot --all`` renders them. Unknown pages are left out."""
    rig, screen, _display = build(name)
    try:
        names = screen_names(screen, rig.ctl)
        return {page: render(screen, page, rig.ctl) for page in names if pages is None or page in pages}
    finally:
        rig.stop()


def run(args):
    if args.timing:
        scenarios = tuple(SCENARIOS) if args.scenario == "all" else (args.scenario,)
        print("%-16s %-8s %10s %10s %9s %9s %9s %9s" % (
            "scenario", "page", "switch ms", "switch px", "mean ms", "max ms", "mean px", "max px"))
        for name in scenarios:
            for row in timing(name):
                print("%-16s %-8s %10.1f %10d %9.1f %9.1f %9d %9d" % ((name,) + row))
        return 0
    every = args.page == "all" or args.all
    scenarios = tuple(SCENARIOS) if args.scenario == "all" or args.all else (args.scenario,)
    many = every or len(scenarios) > 1
    out_dir = args.all or (args.output if many else None)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    for name in scenarios:
        shots = pictures(name, None if every else (args.page,))
        if not every and args.page not in shots:
            print("hwc screenshot: scenario %s has no %s page (try --scenario heater-pv)" % (name, args.page),
                  file=sys.stderr)
            continue
        for page, image in shots.items():
            path = os.path.join(out_dir, "%s-%s.png" % (name, page)) if out_dir else args.output
            image.save(path)
            print(path)
    return 0


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser()
    add_arguments(p)
    sys.exit(run(p.parse_args()))
