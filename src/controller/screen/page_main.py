"""The main page: status in words on its colour, why, the loop with large temperatures,
pump duty as a bar, today's heat, the worst alert and the network, for across the room."""

from controller.screen import fmt
from controller.screen.fmt import BG, COLD, DARK, FG, GREY, HOT, INK, WHITE
from controller.screen.widgets import W, Bar, Text

_REASON_CHARS = 39


class MainPage:
    name = "main"

    def __init__(self, gfx):
        g = gfx.Group()
        self.group = g
        self.banner = gfx.Rect(0, 0, W, 44, fill=BG[1])
        g.append(self.banner)
        self.level = 1
        self.headline = Text(gfx, g, 8, 4, 3, FG[1], "STARTING")
        self.clock = Text(gfx, g, W - 8, 10, 2, FG[1], "", 1.0)
        self.reason = [Text(gfx, g, 6, 48, 2), Text(gfx, g, 6, 72, 2)]
        # The loop: collector left, tank right, flow pipe on top, return with the pump below.
        g.append(gfx.Rect(0, 100, 190, 112, outline=HOT, stroke=2))
        g.append(gfx.Rect(318, 100, 162, 112, outline=COLD, stroke=2))
        g.append(gfx.Rect(320, 155, 158, 1, fill=DARK))
        g.append(gfx.Rect(190, 110, 128, 6, fill=HOT))
        g.append(gfx.Rect(190, 194, 128, 6, fill=COLD))
        self.pump = gfx.Rect(242, 184, 24, 26, fill=DARK, outline=WHITE)
        self.pump_on = False
        g.append(self.pump)
        Text(gfx, g, 8, 106, 2, GREY, "COLLECTOR")
        self.collector = Text(gfx, g, 184, 140, 5, WHITE, "", 1.0)
        Text(gfx, g, 324, 106, 1, GREY, "TANK")
        Text(gfx, g, 324, 120, 1, GREY, "TOP")
        self.tank_top = Text(gfx, g, 472, 106, 4, WHITE, "", 1.0)
        Text(gfx, g, 324, 168, 1, GREY, "TANK")
        Text(gfx, g, 324, 182, 1, GREY, "BOTTOM")
        self.tank_bottom = Text(gfx, g, 472, 160, 4, WHITE, "", 1.0)
        self.diff = Text(gfx, g, 254, 126, 2, WHITE, "", 0.5)
        self.max_diff = Text(gfx, g, 254, 152, 2, GREY, "", 0.5)
        # Pump duty.
        Text(gfx, g, 6, 222, 2, GREY, "PUMP")
        g.append(gfx.Rect(60, 218, 304, 28, outline=GREY))
        self.bar = Bar(gfx, g, 62, 220, 3, 24, fmt.DUTY, 0x000000)
        self.duty = Text(gfx, g, W - 6, 222, 2, WHITE, "", 1.0)
        self.energy = Text(gfx, g, 6, 248, 2, WHITE, "")
        self.alert = Text(gfx, g, 6, 272, 2, INK[2], "")
        self.net = Text(gfx, g, 6, 296, 2, GREY, "")

    def update(self, ctx, level, headline):
        d = ctx.decision
        if level != self.level:
            self.level = level
            self.banner.fill = BG[level]
        self.headline.set(headline, FG[level])
        self.clock.set(fmt.clock(ctx) or "", FG[level])
        lines = fmt.wrap(d.reason, _REASON_CHARS, 2)
        color = INK[level] if level >= fmt.WARN else WHITE
        self.reason[0].set(lines[0], color)
        self.reason[1].set(lines[1], color)
        self._temp(self.collector, ctx.hot, 5)
        self._temp(self.tank_bottom, ctx.cold, 4)
        top = fmt.probe_named(ctx, ctx.settings.screen_tank_top_probe)
        self.tank_top.set(fmt.temp(top.value_c if top is not None else None, 4), WHITE)
        diff = d.diff_k
        self.diff.set("dT " + ("--" if diff is None else "%.1f" % diff))
        self.max_diff.set("max %.1f" % d.max_diff_k)
        self.bar.set(d.duty_pct)
        self.duty.set("%3d%% %s" % (d.duty_pct, "ON " if ctx.pump_on else "off"))
        if ctx.pump_on != self.pump_on:
            self.pump_on = ctx.pump_on
            self.pump.fill = fmt.INK[0] if ctx.pump_on else DARK
        self.energy.set(fmt.energy(ctx) or "since start: %d pump starts" % ctx.pump_starts)
        alerts = fmt.alerts(ctx)
        if alerts:
            worst, text = alerts[0]
            if len(alerts) > 1:
                text = "%s (+%d)" % (text[:_REASON_CHARS - 8 - len(str(len(alerts)))], len(alerts) - 1)
            self.alert.set("! " + text[:_REASON_CHARS - 1], INK[worst])
        else:
            self.alert.set("no warnings", INK[0])
        net_level, net_text = fmt.network(ctx)
        self.net.set(net_text[:_REASON_CHARS + 1], INK[net_level] if net_level != fmt.IDLE else GREY)

    def _temp(self, text, sensor, width):
        if sensor.fault is not None:
            text.set("FAULT"[:width], INK[fmt.FAULT])
        else:
            text.set(fmt.temp(sensor.value_c, width), WHITE)
