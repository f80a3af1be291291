"""The heater page (HEATER_ENABLED = 1 only; imported then): the element's state and reason,
and three gauges as in seed 002: the price now within today's price band, the grid's import or
export, the element's power. Reads ``ctx.heater`` (controller.heater.task.Heater)."""

from controller.screen import fmt
from controller.screen.fmt import DARK, FAULT, GREY, IDLE, INK, OK, WARN, WHITE
from controller.screen.widgets import Bar, Header, Text

_X = 40
_PX = 4  # 400 px for 100 %


def price_band(table, utc_min, off):
    """(lowest, highest) value of the table's slots in today's local date (``off``: local time
    minus UTC, minutes), or None."""
    from controller.localtime import DAY_MIN

    day0 = (utc_min + off) // DAY_MIN * DAY_MIN - off
    lo = hi = None
    for i in range(table.n):
        start = table.start[i]
        if day0 <= start < day0 + DAY_MIN:
            v = table.value[i]
            if lo is None or v < lo:
                lo = v
            if hi is None or v > hi:
                hi = v
    return None if lo is None else (lo, hi)


def band_pct(value, band):
    lo, hi = band
    return 50 if hi <= lo else 100 * (value - lo) / (hi - lo)


class HeaterPage:
    name = "heater"

    def __init__(self, gfx):
        g = gfx.Group()
        self.group = g
        self.header = Header(gfx, g, "HEATER")
        self.state = Text(gfx, g, 6, 36, 3)
        self.reason = [Text(gfx, g, 6, 70 + i * 14, 1, GREY) for i in range(2)]
        self.price = Text(gfx, g, 6, 104, 2)
        self.price_bar = Bar(gfx, g, _X, 128, _PX, 12, INK[OK], DARK)
        self.band = Text(gfx, g, 6, 144, 1, GREY)
        self.grid = Text(gfx, g, 6, 162, 2)
        self.grid_bar = Bar(gfx, g, _X, 186, _PX, 12, INK[OK], DARK)
        self.element = Text(gfx, g, 6, 206, 2)
        self.element_bar = Bar(gfx, g, _X, 230, _PX, 12, INK[WARN], DARK)
        self.small = [Text(gfx, g, 6, 254 + i * 14, 1, GREY) for i in range(4)]

    def update(self, ctx, level, headline):
        self.header.set(level, headline)
        h = getattr(ctx, "heater", None)
        power_w = ctx.settings.heater_power_w
        if h is None:
            why = ("needs the network (MQTT_BROKER and WiFi), which is off" if getattr(ctx, "heater_relay", None)
                   is not None else "not running: see the boot page")
            self.state.set("ELEMENT OFF", GREY)
            self._reason(why)
            self.price.set("PRICE --", GREY)
            self.price_bar.set(0)
            self.band.set("")
            self.grid.set("GRID --", GREY)
            self.grid_bar.set(0)
            self.element.set("ELEMENT 0 W of %d W" % power_w, GREY)
            self.element_bar.set(0)
            for t in self.small:
                t.set("")
            return
        on = h.state == "on"
        self.state.set("ELEMENT %s  %.1f kW" % ("ON" if on else "OFF", h.element_w / 1000), INK[OK] if on else WHITE)
        self._reason(h.reason)
        self._price(h)
        self._grid(h.grid_w, power_w)
        self.element.set("ELEMENT %d W of %d W" % (h.element_w, power_w), INK[WARN] if on else WHITE)
        self.element_bar.set(100 * h.element_w / power_w)
        top = h.top_c
        self.small[0].set("tank top %s C  target %.0f C  switches %d" % (
            fmt.temp(top, 4).strip(), h.target_c or ctx.settings.heater_setpoint_c, h.switches))
        bad = ["%s: %s" % (k, v) for k, v in sorted(h.errors.items()) if v]
        self.small[1].set("sources: " + ("; ".join(bad) if bad else "all answering"),
                          INK[WARN] if bad else GREY)
        self.small[2].set("meter %s  tariff %s" % (ctx.settings.heater_meter, ctx.settings.heater_tariff))
        self.small[3].set("")

    def _reason(self, text):
        lines = fmt.wrap(text, 79, 2)
        for t, line in zip(self.reason, lines):
            t.set(line)

    def _price(self, h):
        p = h.price_p_kwh
        table = h.prices
        utc = h.utc_min
        band = None
        if table is not None and utc is not None:
            from controller.localtime import offset_at

            band = price_band(table, utc, offset_at(h.ctx.settings, utc))
        if p is None:
            self.price.set("PRICE --  (no price for now)", GREY)
            self.price_bar.set(0)
        else:
            pct = 50
            if band is not None:
                pct = band_pct(p * 1000, band)
            lvl = OK if pct < 34 else (WARN if pct < 67 else FAULT)
            self.price.set("PRICE %.2f p/kWh%s" % (p, "  paid to use!" if p < 0 else ""), INK[lvl])
            self.price_bar.set(max(pct, 1), INK[lvl])
        if band is None:
            self.band.set("today's prices unknown")
        else:
            self.band.set("today %.2f .. %.2f p/kWh: the bar is the price now within that band" % (
                band[0] / 1000, band[1] / 1000))

    def _grid(self, grid_w, power_w):
        if grid_w is None:
            self.grid.set("GRID --  (no meter reading)", GREY)
            self.grid_bar.set(0)
            return
        export = grid_w < 0
        lvl = OK if export else (IDLE if grid_w < 200 else WARN)
        self.grid.set("GRID %s %.2f kW" % ("export" if export else "import", abs(grid_w) / 1000), INK[lvl])
        self.grid_bar.set(min(100, 50 * abs(grid_w) / power_w), INK[lvl])  # full bar: twice the element
