"""The trend page: collector, tank and ambient over the last 12 or 24 hours, pump duty beneath,
drawn from ``ctx.trend`` (``controller.screen.trend.Trend``) into two small bitmaps shown at
3x (144 columns: 5 or 10 minutes each). Redrawn only when a point was added."""

from controller.screen import fmt
from controller.screen.fmt import AMBIENT, COLD, DARK, DUTY, GREY, HOT
from controller.screen.trend import NO_DUTY, NONE
from controller.screen.widgets import Header, Text

COLS = 144
ROWS = 56
DUTY_ROWS = 8
PX = 3
X0 = 44
Y0 = 38
DUTY_Y0 = Y0 + ROWS * PX + 6


class TrendPage:
    name = "trend"

    def __init__(self, gfx, settings):
        self.gfx = gfx
        self.hours = int(settings.screen_trend_hours)
        self.ambient_name = settings.screen_ambient_probe
        g = gfx.Group()
        self.group = g
        self.header = Header(gfx, g, "TREND %d h" % self.hours)
        for y in (Y0, Y0 + ROWS * PX // 2, Y0 + ROWS * PX - 1):
            g.append(gfx.Rect(X0, y, COLS * PX, 1, fill=DARK))
        for i in range(1, 4):
            g.append(gfx.Rect(X0 + i * COLS * PX // 4, Y0, 1, ROWS * PX, fill=DARK))
        self.chart = gfx.Bitmap(COLS, ROWS, 4)
        self.bars = gfx.Bitmap(COLS, DUTY_ROWS, 2)
        for bitmap, colors, y in ((self.chart, (HOT, COLD, AMBIENT), Y0), (self.bars, (DUTY,), DUTY_Y0)):
            palette = gfx.Palette(len(colors) + 1)
            palette.make_transparent(0)
            for i, color in enumerate(colors):
                palette[i + 1] = color
            holder = gfx.Group(scale=PX, x=X0, y=y)
            holder.append(gfx.TileGrid(bitmap, pixel_shader=palette))
            g.append(holder)
        self.high = Text(gfx, g, X0 - 4, Y0, 2, GREY, "", 1.0)
        self.low = Text(gfx, g, X0 - 4, Y0 + ROWS * PX - 24, 2, GREY, "", 1.0)
        Text(gfx, g, 2, DUTY_Y0 + 6, 1, DUTY, "PUMP")
        y = DUTY_Y0 + DUTY_ROWS * PX + 4
        Text(gfx, g, X0, y, 2, GREY, "-%dh" % self.hours)
        Text(gfx, g, X0 + COLS * PX // 2, y, 2, GREY, "-%dh" % (self.hours // 2))
        Text(gfx, g, X0 + COLS * PX, y, 2, GREY, "now", 1.0)
        y += 28
        self.legend = [Text(gfx, g, 6, y, 2, HOT), Text(gfx, g, 174, y, 2, COLD), Text(gfx, g, 322, y, 2, AMBIENT)]
        self.note = Text(gfx, g, 6, y + 26, 1, GREY, "")
        self.drawn = None  # (trend version, number of points) last drawn
        self.draws = 0

    def update(self, ctx, level, headline):
        self.header.set(level, headline)
        amb = fmt.probe_named(ctx, self.ambient_name)
        self.legend[0].set("coll" + fmt.temp(ctx.hot.value_c))
        self.legend[1].set("tank" + fmt.temp(ctx.cold.value_c))
        self.legend[2].set("amb" + fmt.temp(amb.value_c if amb is not None else None))
        trend = ctx.trend
        if trend is None:
            self.note.set("no history yet")
            return
        if self.drawn != trend.version:
            self.drawn = trend.version
            self.draw(trend)
            self.note.set("one point per %d min, %d of %d h recorded; top: temperatures C, below: pump %%" % (
                trend.period_s // 60, trend.count * trend.period_s // 3600, self.hours))

    def draw(self, trend):
        """Redraw both bitmaps from ``trend`` (newest on the right)."""
        self.draws += 1
        chart = self.chart
        bars = self.bars
        fill = self.gfx.fill_region
        chart.fill(0)
        bars.fill(0)
        span = min(self.hours * 3600 // trend.period_s, trend.points)
        per_col = max(1, span // COLS)
        lo, hi = trend.range_c(span)
        self.high.set("%d" % hi)
        self.low.set("%d" % lo)
        lo10 = lo * 10
        scale10 = (hi - lo) * 10
        top = ROWS - 1
        count = trend.count
        for value, series in ((3, trend.ambient), (2, trend.tank), (1, trend.collector)):
            prev = None
            for col in range(COLS):
                age = (COLS - 1 - col) * per_col + per_col - 1
                for k in range(per_col):
                    a = age - k
                    if a >= count:
                        prev = None
                        continue
                    v = series[trend.index(a)]
                    if v == NONE:
                        prev = None
                        continue
                    y = top - (v - lo10) * top // scale10
                    y = 0 if y < 0 else (top if y > top else y)
                    y0 = y if prev is None else prev
                    fill(chart, col, min(y0, y), col + 1, max(y0, y) + 1, value)
                    prev = y
        for col in range(COLS):
            age = (COLS - 1 - col) * per_col
            if age >= count:
                continue
            duty = trend.duty[trend.index(age)]
            if per_col > 1 and age + 1 < count:
                other = trend.duty[trend.index(age + 1)]
                if other != NO_DUTY and (duty == NO_DUTY or other > duty):
                    duty = other
            if duty != NO_DUTY and duty > 0:
                fill(bars, col, DUTY_ROWS - (duty * DUTY_ROWS + 99) // 100, col + 1, DUTY_ROWS, 1)
