"""The trend page: collector, tank and ambient over the last 12 or 24 hours, pump duty beneath,
drawn from ``ctx.trend`` (``controller.screen.Trend``: a point per 10 minutes) into two bitmaps
shown at 3x (144 columns: 10 minutes each over 24 h; over 12 h a point takes two columns),
redrawn only when a point was added. Both axes are labelled in
the rows: degrees C at the three gridlines (rows 0, 3, 6), hours before now under the time
marks (row 8); the legend with its colour marks on row 10. This code is loaded while the page
is shown (see ``controller.screen``); the page's display objects are made (``layout.trend``)
when the page comes up, and dropped when it is left.
"""

from controller import const
from controller.screen import temp

_NONE = const(-32768)  # controller.screen.Trend's: no reading in the period
_GREY = const(0x8C8C8C)
_WHITE = const(0xFFFFFF)


def index(trend, n):
    """Buffer index of the point ``n`` periods back from the newest (0) in ``trend``."""
    return (trend.head - 1 - n) % trend.points


def range_c(trend, span):
    """(low_c, high_c) of the temperatures among the newest ``span`` points of ``trend``, whole
    tens around them at least 20 K apart; (10, 30) with no data."""
    lo = 32767
    hi = -32767
    for k in range(min(span, trend.count)):
        i = index(trend, k)
        for a in (trend.collector, trend.tank, trend.ambient):
            n = a[i]
            if n != _NONE:
                if n < lo:
                    lo = n
                if n > hi:
                    hi = n
    if lo > hi:
        return 10, 30
    lo = (lo // 100) * 10
    hi = -((-hi) // 100) * 10
    if hi - lo < 20:
        hi = lo + 20
    return lo, hi


def update(s, ctx, level, text):
    """Redraw the chart if a point was added (see below); returns the title and the rows."""
    page = s.pages.get("trend")
    if page is None:  # the page's display objects, when it comes up
        from controller import once

        page = s.pages["trend"] = once("screen.layout", "trend", s.gfx)
        s._show(page.group)
    hours = int(ctx.settings.screen_trend_hours)
    if hours != page.hours:
        page.hours = hours
        page.drawn = None
        page.scale = ("", "", "")  # degrees C at the gridlines, set when drawn
    trend = ctx.trend
    if trend is not None and page.drawn != trend.version:
        # Redraw both bitmaps, newest on the right: per column the newest point of its span of
        # time, joined to the column before by a vertical run; the duty as a bar per column.
        page.drawn = trend.version
        chart = page.chart
        bar = page.bar
        width = chart.width  # 144 columns (layout.trend)
        top = chart.height - 1
        fill = s.gfx.fill_region
        chart.fill(0)
        bar.fill(0)
        n = min(hours * 3600 // trend.period_s, trend.points)  # the points the chart spans
        lo, hi = range_c(trend, n)
        page.scale = ("%3d" % hi, "%3d" % ((hi + lo) // 2), "%3d" % lo)
        last = [None, None, None, None]  # the column before's row of each series (1..3)
        for x in range(width):
            i = (width - 1 - x) * n // width  # the point's age
            if i >= trend.count:
                continue
            i = index(trend, i)
            for k, a in ((3, trend.ambient), (2, trend.tank), (1, trend.collector)):
                y = a[i]
                if y != _NONE:
                    y = top - (y - lo * 10) * top // ((hi - lo) * 10)
                    y = 0 if y < 0 else (top if y > top else y)
                    p = y if last[k] is None else last[k]
                    fill(chart, x, min(p, y), x + 1, max(p, y) + 1, k)
                else:
                    y = None
                last[k] = y
            y = trend.duty[i]
            if y != 255 and y:  # 255: no reading
                fill(bar, x, bar.height - (y * bar.height + 99) // 100, x + 1, bar.height, 1)
    scale = page.scale
    # Both axes labelled: degrees C at the gridlines, hours before now under the time marks
    # (columns 3: the chart's left end, 10, 19, 29 and 36); the legend, each entry after its
    # colour mark (columns 0, 10, 20 and 29).
    return ["TREND %d h" % hours, (scale[0], _GREY), None, None, (scale[1], _GREY), None, None, (scale[2], _GREY), None,
            ("   %-7s%-9s%-10s%-7snow" % ("-%dh" % hours, "-%dh" % (3 * hours // 4), "-%dh" % (hours // 2),
                                         "-%dh" % (hours // 4)), _GREY), None,
            (" coll%s tank%s amb%s pump%4d%%" % (temp(ctx.hot.value_c), temp(ctx.cold.value_c),
                                                temp(ctx.probe_value(ctx.settings.screen_ambient_probe)),
                                                ctx.decision.duty_pct), _WHITE),
            ("no history yet" if page.drawn is None else
             "degrees C; %d of %d h recorded" % (trend.count * trend.period_s // 3600, hours), _GREY)]
