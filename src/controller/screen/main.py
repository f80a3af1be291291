"""The main page: the status in large words on its colour and why, the loop with large
temperatures, the pump duty as a bar, today's heat, the worst alert and the network: for
across the room. Its display objects are made by ``layout.main``; this code is loaded while
the page is shown (see ``controller.screen``).
"""

from controller import const
from controller.screen import FG, INK, fill, kwh, lookup, paint, put, temp, wrap

_COLS = const(39)
_OK = const(0)  # the status levels (controller.screen)
_IDLE = const(1)
_WARN = const(2)
_FAULT = const(3)
_WHITE = const(0xFFFFFF)
_GREY = const(0x8C8C8C)
_DARK = const(0x303030)
_DUTY = const(0xFFD200)

def alerts(ctx):
    """[(level, words)] of everything wrong, faults first."""
    bad = []
    out = []
    for sensor in (ctx.hot, ctx.cold):
        if sensor.fault is not None:
            bad.append((_FAULT, sensor.fault_text()))
    p = ctx.protection
    if p.lockout:
        bad.append((_FAULT, "lockout: " + p.lockout))
    if ctx.stale_reported:
        bad.append((_FAULT, "control stalled: pump stopped"))
    for text in p.warnings:
        out.append((_WARN, text))
    for p in ctx.probes:
        if p.rom_hex and p.fault:
            out.append((_WARN, "%s probe %s" % (p.name, p.fault)))
    n = len(ctx.settings.errors)
    if n:
        out.append((_WARN, "%d settings error%s: see boot page" % (n, "" if n == 1 else "s")))
    link = ctx.link
    if link is not None and link.state != "online" and link.last_error:
        out.append((_WARN, "network: " + link.last_error))
    n = sum(ctx.task_restarts.values())
    if n:
        out.append((_WARN, "%d task restart%s: see log" % (n, "" if n == 1 else "s")))
    return bad + out


def network(ctx):
    """(level, words) of the network link for one line."""
    link = ctx.link
    if link is None:
        return _IDLE, "network off"
    state = link.state
    # The link's states in words (a table as controller.screen.MODES).
    text = lookup("\nonline MQTT online\nconnecting MQTT connecting\nwifi WiFi joining\nbackoff network retrying"
                  "\noff network off\n", state) or "network " + state
    if link.rssi is not None:
        text += "  %d dBm" % link.rssi
    if link.buffered:
        text += "  %d queued" % link.buffered
    if link.dropped:
        text += "  %d lost" % link.dropped
    if state == "online":
        return _OK, text
    return (_IDLE if state == "off" else _WARN), text


def update(s, ctx, level, text):
    """Change what changed on the screen ``s``; returns the rows (no title: the header row
    shows the clock)."""
    gfx = s.gfx
    d = ctx.decision
    if s.banner.height != 56:
        s.banner.height = 56  # the headline and the clock; the screen paints it
    s.big.y = 3  # 9 px, at 3x
    put(gfx, s.big, text, FG[level])
    n = ctx.local_min()  # the clock: local time, blank while the wall clock is unknown
    put(gfx, s.rows[0], "" if n is None else "%02d:%02d" % (n // 60, n % 60), FG[level], 1)
    for item, sensor in ((s.collector, ctx.hot), (s.tank, ctx.cold)):
        if sensor.fault is None:
            put(gfx, item, temp(sensor.value_c, item.width), _WHITE, 1)
        else:  # in red, where the figure would be (the tank's is 4 wide)
            put(gfx, item, "FAULT" if item.width > 4 else "FAIL", INK[_FAULT], 1)
    put(gfx, s.top, temp(ctx.probe_value(ctx.settings.screen_tank_top_probe), 4), _WHITE, 1)
    fill(gfx, s.bar, 300, d.duty_pct, _DUTY)
    paint(gfx, s.pump, INK[0] if ctx.pump_on else _DARK)
    reason = wrap(d.reason, _COLS, 2)
    color = INK[level] if level >= _WARN else _WHITE
    bad = alerts(ctx)
    if bad:  # the worst, and how many more
        n, text = bad[0]
        k = " (+%d)" % (len(bad) - 1) if len(bad) > 1 else ""
        if len(text) > _COLS - 2 - len(k):
            text = text[:_COLS - 5 - len(k)] + "..."
        bad = ("! " + text + k, INK[n])
    else:
        bad = ("no warnings", INK[0])
    n, text = network(ctx)
    c = ctx.counters
    return [
        None,  # no title: the clock
        None,  # the banner's lower half
        (reason[0], color),
        (reason[1], color),
        ("COLLECTOR               TOP", _GREY),
        ("               dT " + ("--" if d.diff_k is None else "%.1f" % d.diff_k), _WHITE),  # between the pipes
        ("               max %.1f" % d.max_diff_k, _GREY),
        ("                        BOTTOM", _GREY),
        None,
        ("PUMP%35s" % ("%d%% %s" % (d.duty_pct, "ON" if ctx.pump_on else "off")), _WHITE),
        (("since start: %d pump starts" % ctx.pump_starts) if c is None else  # no counters
         "today %s kWh  pump %.1f h" % (kwh(c.heat_today_kwh), c.pump_s_today / 3600), _WHITE),
        bad,
        (text, INK[n] if n != _IDLE else _GREY),
    ]
