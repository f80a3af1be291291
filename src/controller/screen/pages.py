"""The pages the screen always has (the heater's is in ``page_heater``): what each shows, from
the controller's state, in the screen's rows of 2x characters (see ``manager``: a page's
``update`` returns them as [(text, colour)], None for a blank row) and in the display objects
``layout`` made for it. The smallest text anywhere is the 2x font (24 px); a line longer than
its row ends in '...' (the log on the console has it whole); boot lines wrap instead.

- ``main``: ``MainPage``
- ``trend``: ``TrendPage``
- ``details``: the seven sensors by name with value, raw ADC reading or ROM and fault state;
  the DS18B20s on the bus against those configured, and any new ROM.
- ``system``: firmware, uptime, free memory, task restarts, settings errors and remote
  overrides, the saved counters (heat, pump time, starts, faults, resets), the network's
  counts, the last warning.
- ``boot``: what was found at start (PCF8591, DS18B20 ROMs as lines for settings.toml),
  settings errors in red with a '!' in front, network progress; kept as a page afterwards.
"""

from controller import VERSION
from controller.screen import fmt
from controller.screen.fmt import DARK, DUTY, FAULT, FG, GREY, INK, WARN, WHITE
from controller.screen.trend import NO_DUTY, NONE
from controller.screen.widgets import COLS, RIGHT, ROWS, fill, paint, put

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda x: x  # noqa: E731

# The trend chart: 144 columns x 48 rows at 3x from (X0, Y0), its gridlines at 44, 116 and
# 188 px (the middles of rows 0, 3 and 6); the duty strip 8 rows under it.
CHART_COLS = const(144)
CHART_ROWS = const(48)
DUTY_ROWS = const(8)
PX = const(3)
X0 = const(44)
Y0 = const(44)
DUTY_Y0 = const(194)  # Y0 + CHART_ROWS * PX + 6


class MainPage:
    """The status in large words on its colour and why, the loop with large temperatures, the
    pump duty as a bar, today's heat, the worst alert and the network: for across the room.
    Made by ``layout.main``, which hands it the parts it changes."""

    name = "main"
    title = None  # the header row shows the clock

    def __init__(self, gfx, group, parts):
        self.gfx = gfx
        self.group = group
        (self.banner, self.headline, self.clock, self.pump, self.bar, self.collector, self.tank_top,
         self.tank_bottom) = parts

    def update(self, ctx, level, headline):
        """Change what changed; returns the rows."""
        gfx = self.gfx
        d = ctx.decision
        if self.banner.height != 56:
            self.banner.height = 56  # the headline and the clock; the screen paints it
        self.headline.y = 3  # 9 px, at 3x
        put(gfx, self.headline, headline, FG[level])
        clock = fmt.clock(ctx) or ""
        put(gfx, self.clock, clock, FG[level], RIGHT)
        for grid, sensor in ((self.collector, ctx.hot), (self.tank_bottom, ctx.cold)):
            if sensor.fault is None:
                put(gfx, grid, fmt.temp(sensor.value_c, grid.width), WHITE, RIGHT)
            else:  # in red, where the figure would be (the tank's is 4 wide)
                put(gfx, grid, "FAULT" if grid.width > 4 else "FAIL", INK[fmt.FAULT], RIGHT)
        put(gfx, self.tank_top, fmt.temp(ctx.probe_value(ctx.settings.screen_tank_top_probe), 4), WHITE, RIGHT)
        fill(gfx, self.bar, 300, d.duty_pct, DUTY, DARK)
        paint(gfx, self.pump, INK[0] if ctx.pump_on else DARK)
        reason = fmt.wrap(d.reason, COLS, 2)
        color = INK[level] if level >= fmt.WARN else WHITE
        alerts = fmt.alerts(ctx)
        if alerts:
            worst, words = alerts[0]
            more = " (+%d)" % (len(alerts) - 1) if len(alerts) > 1 else ""
            room = COLS - 2 - len(more)
            if len(words) > room:
                words = words[:room - 3] + "..."
            alert = ("! " + words + more, INK[worst])
        else:
            alert = ("no warnings", INK[0])
        net_level, words = fmt.network(ctx)
        return [
            None,  # the banner's lower half
            (reason[0], color),
            (reason[1], color),
            ("COLLECTOR               TOP", GREY),
            ("               dT " + ("--" if d.diff_k is None else "%.1f" % d.diff_k), WHITE),  # between the pipes
            ("               max %.1f" % d.max_diff_k, GREY),
            ("                        BOTTOM", GREY),
            None,
            ("PUMP%35s" % ("%d%% %s" % (d.duty_pct, "ON" if ctx.pump_on else "off")), WHITE),
            (fmt.energy(ctx) or "since start: %d pump starts" % ctx.pump_starts, WHITE),
            alert,
            (words, INK[net_level] if net_level != fmt.IDLE else GREY),
        ]


class TrendPage:
    """Collector, tank and ambient over the last 12 or 24 hours, pump duty beneath, drawn from
    ``ctx.trend`` (``controller.screen.trend.Trend``) into two bitmaps shown at 3x (144 columns:
    5 or 10 minutes each), redrawn only when a point was added. Both axes are labelled in the
    rows: degrees C at the three gridlines (rows 0, 3, 6), hours before now under the time
    marks (row 8); the legend with its colour marks on row 10. Made by ``layout.trend``."""

    name = "trend"

    def __init__(self, gfx, group, chart, bars):
        self.gfx = gfx
        self.group = group
        self.chart = chart
        self.bars = bars
        self.hours = 0  # SCREEN_TREND_HOURS, read at each update (the time marks follow it)
        self.title = ""
        self.marks = ""
        self.scale = ("", "", "")  # degrees C at the gridlines, set by draw()
        self.note = "no history yet"
        self.drawn = None  # trend version last drawn
        self.draws = 0

    def update(self, ctx, level, headline):
        """Redraw the chart if a point was added; returns the rows."""
        s = ctx.settings
        hours = int(s.screen_trend_hours)
        if hours != self.hours:
            self.hours = hours
            self.title = "TREND %d h" % hours
            self.drawn = None
            # Hours before now under the time marks: columns 3 (X0), 10, 19, 29 and 36.
            self.marks = "   %-7s%-9s%-10s%-7snow" % ("-%dh" % hours, "-%dh" % (3 * hours // 4),
                                                     "-%dh" % (hours // 2), "-%dh" % (hours // 4))
        trend = ctx.trend
        if trend is not None and self.drawn != trend.version:
            self.drawn = trend.version
            self.draw(trend)
            self.note = "degrees C; %d of %d h recorded" % (trend.count * trend.period_s // 3600, hours)
        # The legend, each entry after its colour mark (columns 0, 10, 20 and 29).
        legend = " coll%s tank%s amb%s pump%4d%%" % (fmt.temp(ctx.hot.value_c), fmt.temp(ctx.cold.value_c),
                                                    fmt.temp(ctx.probe_value(s.screen_ambient_probe)),
                                                    ctx.decision.duty_pct)
        scale = self.scale
        return [(scale[0], GREY), None, None, (scale[1], GREY), None, None, (scale[2], GREY), None,
                (self.marks, GREY), None, (legend, WHITE), (self.note, GREY)]

    def draw(self, trend):
        """Redraw both bitmaps from ``trend``, newest on the right: per column its newest point,
        joined to the column before by a vertical run; the duty as a bar per column."""
        self.draws += 1
        chart = self.chart
        bars = self.bars
        region = self.gfx.fill_region
        chart.fill(0)
        bars.fill(0)
        per_col = max(1, min(self.hours * 3600 // trend.period_s, trend.points) // CHART_COLS)
        lo, hi = trend.range_c(per_col * CHART_COLS)
        self.scale = ("%3d" % hi, "%3d" % ((hi + lo) // 2), "%3d" % lo)
        top = CHART_ROWS - 1
        prev = [None, None, None, None]  # the column before's row of each series (1..3)
        for col in range(CHART_COLS):
            age = (CHART_COLS - 1 - col) * per_col
            if age >= trend.count:
                continue
            i = trend.index(age)
            for value, series in ((3, trend.ambient), (2, trend.tank), (1, trend.collector)):
                v = series[i]
                y = None
                if v != NONE:
                    y = top - (v - lo * 10) * top // ((hi - lo) * 10)
                    y = 0 if y < 0 else (top if y > top else y)
                    p = y if prev[value] is None else prev[value]
                    region(chart, col, min(p, y), col + 1, max(p, y) + 1, value)
                prev[value] = y
            duty = trend.duty[i]
            if duty != NO_DUTY and duty:
                region(bars, col, DUTY_ROWS - (duty * DUTY_ROWS + 99) // 100, col + 1, DUTY_ROWS, 1)


def boot_lines(messages, errors=()):
    """The newest boot messages as rows, errors marked '! ' and red, long ones wrapped with
    an indent; the last ROWS rows."""
    rows = []
    for line in messages:
        bad = line in errors
        words = ("! " if bad else "") + line
        color = INK[FAULT] if bad else WHITE
        while len(words) > COLS:
            cut = words.rfind(" ", 8, COLS + 1)
            if cut < 0:
                cut = COLS
            rows.append((words[:cut], color))
            words = "   " + words[cut:].lstrip()
        rows.append((words, color))
    return rows[-ROWS:]


def boot(ctx):
    return boot_lines(ctx.boot_messages, ctx.boot_errors)


def details(ctx):
    lines = [("sensor          C id     state", GREY)]  # id: the raw ADC reading, the ROM's end
    for sensor in (ctx.hot, ctx.cold):
        raw = "--" if sensor.raw is None else "%d" % sensor.raw
        lines.append(_sensor(sensor.label, sensor.value_c, raw, sensor.fault, INK[FAULT]))
    for probe in ctx.probes[:5]:
        rom = probe.rom_hex[-6:] if probe.rom_hex else "no ROM"
        lines.append(_sensor(probe.name, probe.value_c, rom, probe.fault, INK[WARN] if probe.rom_hex else GREY))
    bus = ctx.probe_bus
    found = bus.found if bus is not None else ()
    configured = [p.rom_hex for p in ctx.probes if p.rom_hex]
    present = 0
    for rom in configured:
        if rom in found:
            present += 1
    lines.append(None)
    lines.append(("DS18B20: %d found, %d of %d configured" % (len(found), present, len(configured)),
                  WHITE if present == len(configured) else INK[WARN]))
    for rom in found:
        if rom not in configured:
            lines.append(("new: %s (boot page)" % rom, INK[WARN]))
    return lines


def _sensor(name, value_c, raw, fault, fault_color):
    """A sensor's row; a fault too long for its column takes the raw reading's place."""
    state = fault or "ok"
    if len(state) > 14:
        return "%-12s%s %s" % (name[:12], fmt.temp(value_c), state), fault_color
    return "%-12s%s %-7s%s" % (name[:12], fmt.temp(value_c), raw, state), WHITE if fault is None else fault_color


def system(ctx):
    import gc

    s = ctx.settings
    mem = getattr(gc, "mem_free", None)  # CircuitPython and MicroPython have it, CPython not
    restarts = _counts(ctx.task_restarts)
    lines = [
        ("firmware %s  up %s" % (VERSION, fmt.uptime(ctx.clock.now_s())), WHITE),
        ("free memory %s  I2C errors %d" % ("--" if mem is None else "%.1f KB" % (mem() / 1024), ctx.i2c_errors),
         WHITE),
        ("task restarts: " + restarts, WHITE if restarts == "none" else INK[WARN]),
        ("settings errors %d; overrides: %s" % (len(s.errors), _counts(ctx.overrides or {}, "=")),
         INK[WARN] if s.errors else GREY),
    ]
    c = ctx.counters
    if c is not None:
        lines.append(("total heat %s kWh  pump %s" % (fmt.kwh(c.heat_total_kwh), fmt.hours(c.pump_s_total)), WHITE))
        lines.append(("pump starts %d (this run %d)" % (c.starts_total, ctx.pump_starts), WHITE))
        lines.append(("faults: " + _counts(c.faults), WHITE))
        lines.append(("resets: " + _counts(c.resets), WHITE))
    link = ctx.link
    if link is not None:
        lines.append(("network: %d WiFi joins, %d MQTT connects" % (link.wifi_connects, link.mqtt_connects), WHITE))
    for _t, level, message in ctx.log.recent[::-1]:
        if level != "INFO":  # the last warning or error, on the rows that are left
            color = INK[WARN if level == "WARN" else FAULT]
            for line in fmt.wrap("last %s: %s" % (level.lower(), message), COLS, ROWS - len(lines)):
                lines.append((line, color))
            break
    return lines


def _counts(table, sep=" "):
    """'power_on 4, watchdog 1' (or 'none') from a name -> count table; zero counts left out."""
    return ", ".join("%s%s%s" % (k, sep, table[k]) for k in sorted(table) if table[k]) or "none"
