"""The heater page (HEATER_ENABLED = 1 only; imported then): the element's state in large
words and the decision's reason under it, two gauges as in seed 002 (the price now within
today's price band, the grid's import or export), the tank top against the target, what the
element heats from and today's energy, and every failing source with its reason (sources
that fail for the same reason share a line). Everything in the 2x font or larger; the row
numbers are the screen's rows, with the two gauges between them. Reads ``ctx.heater``
(controller.heater.task.Heater). Loaded while the page is shown (see ``controller.screen``);
it makes the page's display objects when the page comes up, and they are dropped when it is
left.
"""

from controller import const
from controller.screen import INK, fill, kwh, put, temp, wrap

_COLS = const(39)
_OK = const(0)  # the status levels (controller.screen)
_IDLE = const(1)
_WARN = const(2)
_FAULT = const(3)
_GREY = const(0x8C8C8C)
_WHITE = const(0xFFFFFF)

BAR_W = const(348)  # the gauges' width, px: 100 % of the price band, twice the element's power


def price_band(table, utc_min, off):
    """(lowest, highest) value of the table's slots in today's local date (``off``: local time
    minus UTC, minutes), or None."""
    from controller.localtime import DAY_MIN

    start = (utc_min + off) // DAY_MIN * DAY_MIN - off  # today's first minute, UTC
    lo = hi = None
    for i in range(table.n):
        if start <= table.start[i] < start + DAY_MIN:
            v = table.value[i]
            if lo is None or v < lo:
                lo = v
            if hi is None or v > hi:
                hi = v
    return None if lo is None else (lo, hi)


def update(screen, ctx, level, text):
    """Change what changed on the screen; returns the title and the rows (1 and 2 are under the
    state's large words)."""
    gfx = screen.gfx
    page = screen.pages.get("heater")
    if page is None:  # the first time: the two gauges (layout.heater), a track and a bar over it each
        from controller import once

        page = screen.pages["heater"] = once("screen.layout", "heater", gfx)
        screen._show(page.group)
    h = ctx.heater
    s = ctx.settings
    screen.big.y = 12  # 36 px, at 3x
    if h is None:
        put(gfx, screen.big, "ELEMENT OFF", _GREY)
        fill(gfx, page.price, BAR_W, 0, _GREY)
        fill(gfx, page.grid, BAR_W, 0, _GREY)
        why = wrap("needs the network (MQTT_BROKER and WiFi), which is off"
                   if ctx.heater_relay is not None else "not running: see the boot page", _COLS, 2)
        return ["HEATER", None, None, (why[0], _WHITE), (why[1], _WHITE)]
    on = h.state == "on"
    put(gfx, screen.big, "ELEMENT ON  %.1f kW" % (h.element_w / 1000) if on else "ELEMENT OFF",
        INK[_OK] if on else _WHITE)
    why = wrap(h.reason, _COLS, 2)
    # The price now, and its place between today's lowest and highest (at the bar's ends).
    p = h.price_p_kwh
    table = h.prices
    utc_min = h.utc_min
    b = None  # today's price band
    if table is not None and utc_min is not None:
        from controller.localtime import offset_at

        b = price_band(table, utc_min, offset_at(s, utc_min))
    scale = "" if b is None else "%-4.1f%35.1f" % (b[0] / 1000, b[1] / 1000)
    if p is None:
        price = ("PRICE --  (no price for now)", _GREY)
        fill(gfx, page.price, BAR_W, 0, _GREY)
    else:
        # its place in the band, %: 50 without a band, or in a flat one
        pct = 50 if b is None or b[1] <= b[0] else 100 * (p * 1000 - b[0]) / (b[1] - b[0])
        level = _OK if pct < 34 else (_WARN if pct < 67 else _FAULT)
        price = ("PRICE %.2f p/kWh%s" % (p, "  paid to use!" if p < 0 else ""), INK[level])
        fill(gfx, page.price, BAR_W, max(pct, 1), INK[level])
    # The grid: export in green; the full bar is twice the element's power.
    w = h.grid_w
    if w is None:
        grid = ("GRID --  (no meter reading)", _GREY)
        fill(gfx, page.grid, BAR_W, 0, _GREY)
    else:
        level = _OK if w < 0 else (_IDLE if w < 200 else _WARN)
        grid = (("GRID export %.2f kW" if w < 0 else "GRID import %.2f kW") % (abs(w) / 1000), INK[level])
        fill(gfx, page.grid, BAR_W, 50 * abs(w) / s.heater_power_w, INK[level])
    # every reason a source's last fetch failed with: "source, source: reason"
    errors = h.errors
    bad = {}
    for name in sorted(errors):
        if errors[name]:
            bad[errors[name]] = bad.get(errors[name], "") + ", " + name
    bad = [names[2:] + ": " + reason for reason, names in bad.items()]
    errors = wrap("; ".join(bad) or "meter %s, %s: all answer" % (s.heater_meter, s.heater_tariff), _COLS, 2)
    return [
        "HEATER", None, None, (why[0], _WHITE), (why[1], _WHITE), price, (scale, _GREY), grid,
        ("0%36dkW" % (2 * s.heater_power_w // 1000), _GREY),  # the grid bar's scale
        ("tank top %s C  target %.0f C" % (temp(h.top_c, 4).strip(), h.target_c or s.heater_setpoint_c),
         _WHITE),
        ("source %s  today %s kWh" % (h.source or "--", kwh(h.energy_today_kwh)), _WHITE),
        (errors[0], INK[_WARN] if bad else _GREY), (errors[1], INK[_WARN])]
