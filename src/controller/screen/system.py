"""The system page: firmware, uptime, free memory, task restarts, settings errors and remote
overrides, the saved counters (heat, pump time, starts, faults, resets), the network's counts,
the last warning. Loaded while the page is shown (see ``controller.screen``).
"""

from controller import VERSION
from controller.screen import COLS, FAULT, GREY, INK, ROWS, WARN, WHITE, kwh, wrap


def update(s, ctx, level, headline):
    import gc

    settings = ctx.settings
    n = getattr(gc, "mem_free", None)  # CircuitPython and MicroPython have it, CPython not
    restarts = _counts(ctx.task_restarts)
    t = ctx.clock.now_s()
    lines = [
        "SYSTEM",
        ("firmware %s  up %dd %02d:%02d" % (VERSION, t // 86400, t % 86400 // 3600, t % 3600 // 60), WHITE),
        ("free memory %s  I2C errors %d" % ("--" if n is None else "%.1f KB" % (n() / 1024), ctx.i2c_errors),
         WHITE),
        ("task restarts: " + restarts, WHITE if restarts == "none" else INK[WARN]),
        ("settings errors %d; overrides: %s" % (len(settings.errors), _counts(ctx.overrides or {}, "=")),
         INK[WARN] if settings.errors else GREY),
    ]
    c = ctx.counters
    if c is not None:
        lines.append(("total heat %s kWh  pump %.1f h" % (kwh(c.heat_total_kwh), c.pump_s_total / 3600), WHITE))
        lines.append(("pump starts %d (this run %d)" % (c.starts_total, ctx.pump_starts), WHITE))
        lines.append(("faults: " + _counts(c.faults), WHITE))
        lines.append(("resets: " + _counts(c.resets), WHITE))
    link = ctx.link
    if link is not None:
        lines.append(("network: %d WiFi joins, %d MQTT connects" % (link.wifi_connects, link.mqtt_connects), WHITE))
    for _, level, text in ctx.log.recent[::-1]:
        if level != "INFO":  # the last warning or error, on the rows that are left
            color = INK[WARN if level == "WARN" else FAULT]
            for line in wrap("last %s: %s" % (level.lower(), text), COLS, ROWS + 1 - len(lines)):
                lines.append((line, color))
            break
    return lines


def _counts(table, sep=" "):
    """'power_on 4, watchdog 1' (or 'none') from a name -> count table; zero counts left out."""
    return ", ".join(k + sep + str(table[k]) for k in sorted(table) if table[k]) or "none"
