"""The trend page: collector, tank and ambient over the last 12 or 24 hours, pump duty beneath,
drawn from ``ctx.trend`` (``controller.screen.Trend``: a point per 10 minutes) into two bitmaps
shown at 3x (144 columns: 10 minutes each over 24 h; over 12 h a point takes two columns),
redrawn only when a point was added. Both axes are labelled in
the rows: degrees C at the three gridlines (rows 0, 3, 6), hours before now under the time
marks (row 8); the legend with its colour marks on row 10. This code is loaded while the page
is shown (see ``controller.screen``); it makes the page's display objects when the page comes
up, and they are dropped when it is left.
"""

from controller.screen import AMBIENT, COLD, DARK, DUTY, GREY, HOT, NO_DUTY, NONE, WHITE, Page, rect, temp


def make(gfx):
    """The chart, 144 columns x 48 rows shown at 3x from (44, 44) px, its gridlines at 44, 116
    and 187 px (on rows 0, 3 and 6, where the scale is written) and the time marks at every
    quarter; the duty strip of 8 rows at 3x 6 px under it; the legend's colour marks on row 10.
    (``update`` draws into the bitmaps, taking their sizes from them.)"""
    page = Page(gfx.Group())
    group = page.group
    for y in (44, 44 + 48 * 3 // 2, 44 + 48 * 3 - 1):
        rect(gfx, group, 44, y, 144 * 3, 1, DARK)
    for i in range(1, 4):
        rect(gfx, group, 44 + i * 144 * 3 // 4, 44, 1, 48 * 3, DARK)
    page.chart = gfx.Bitmap(144, 48, 4)
    page.bar = gfx.Bitmap(144, 8, 2)
    for bitmap, c, y in ((page.chart, (HOT, COLD, AMBIENT), 44), (page.bar, (DUTY,), 44 + 48 * 3 + 6)):
        p = gfx.Palette(len(c) + 1)
        p.make_transparent(0)
        for i, color in enumerate(c):
            p[i + 1] = color
        b = gfx.Group(scale=3, x=44, y=y)
        b.append(gfx.TileGrid(bitmap, pixel_shader=p))
        group.append(b)
    for i, color in ((0, HOT), (10, COLD), (20, AMBIENT), (29, DUTY)):  # the legend's columns
        rect(gfx, group, 8 + 12 * i, 276, 8, 16, color)
    page.hours = 0  # SCREEN_TREND_HOURS drawn for (the time marks follow it)
    page.drawn = None  # the trend's version last drawn
    return page


def update(s, ctx, level, headline):
    """Redraw the chart if a point was added; returns the title and the rows."""
    page = s.pages.get("trend")
    if page is None:
        page = s.pages["trend"] = make(s.gfx)
        s._show(page.group)
    hours = int(ctx.settings.screen_trend_hours)
    if hours != page.hours:
        page.hours = hours
        page.drawn = None
        # Hours before now under the time marks: columns 3 (the chart's left end), 10, 19, 29 and 36.
        page.marks = "   %-7s%-9s%-10s%-7snow" % ("-%dh" % hours, "-%dh" % (3 * hours // 4), "-%dh" % (hours // 2),
                                                  "-%dh" % (hours // 4))
        page.scale = ("", "", "")  # degrees C at the gridlines, set by _draw()
        page.note = "no history yet"
    trend = ctx.trend
    if trend is not None and page.drawn != trend.version:
        page.drawn = trend.version
        _draw(s.gfx, page, trend)
        page.note = "degrees C; %d of %d h recorded" % (trend.count * trend.period_s // 3600, hours)
    scale = page.scale
    # The legend, each entry after its colour mark (columns 0, 10, 20 and 29).
    return ["TREND %d h" % hours, (scale[0], GREY), None, None, (scale[1], GREY), None, None, (scale[2], GREY), None,
            (page.marks, GREY), None,
            (" coll%s tank%s amb%s pump%4d%%" % (temp(ctx.hot.value_c), temp(ctx.cold.value_c),
                                                temp(ctx.probe_value(ctx.settings.screen_ambient_probe)),
                                                ctx.decision.duty_pct), WHITE),
            (page.note, GREY)]


def _draw(gfx, page, trend):
    """Redraw both bitmaps from ``trend``, newest on the right: per column the newest point of
    its span of time, joined to the column before by a vertical run; the duty as a bar per
    column."""
    chart = page.chart
    bar = page.bar
    width = chart.width  # 144 columns, made by make()
    top = chart.height - 1
    fill = gfx.fill_region
    chart.fill(0)
    bar.fill(0)
    n = min(page.hours * 3600 // trend.period_s, trend.points)  # the points the chart spans
    lo, hi = trend.range_c(n)
    page.scale = ("%3d" % hi, "%3d" % ((hi + lo) // 2), "%3d" % lo)
    prev = [None, None, None, None]  # the column before's row of each series (1..3)
    for x in range(width):
        i = (width - 1 - x) * n // width  # the point's age
        if i >= trend.count:
            continue
        i = trend.index(i)
        for k, a in ((3, trend.ambient), (2, trend.tank), (1, trend.collector)):
            y = a[i]
            if y != NONE:
                y = top - (y - lo * 10) * top // ((hi - lo) * 10)
                y = 0 if y < 0 else (top if y > top else y)
                p = y if prev[k] is None else prev[k]
                fill(chart, x, min(p, y), x + 1, max(p, y) + 1, k)
            else:
                y = None
            prev[k] = y
        y = trend.duty[i]
        if y != NO_DUTY and y:
            fill(bar, x, bar.height - (y * bar.height + 99) // 100, x + 1, bar.height, 1)
