"""The system page: firmware, uptime, free memory, task restarts, settings errors and remote
overrides, the saved counters (heat, pump time, starts, faults, resets), the network's counts,
the last warning. Loaded while the page is shown (see ``controller.screen``).
"""

from controller import VERSION, const
from controller.screen import INK, kwh, wrap

_COLS = const(39)
_ROWS = const(12)
_WARN = const(2)  # the status levels (controller.screen)
_FAULT = const(3)
_GREY = const(0x8C8C8C)
_WHITE = const(0xFFFFFF)


def update(s, ctx, level, text):
    import gc

    settings = ctx.settings
    n = getattr(gc, "mem_free", None)  # CircuitPython and MicroPython have it, CPython not
    restarts = _counts(ctx.task_restarts)
    t = ctx.clock.now_s()
    lines = [
        s.name.upper(),  # the title: the page's name
        ("firmware %s  up %dd %02d:%02d" % (VERSION, t // 86400, t % 86400 // 3600, t % 3600 // 60), _WHITE),
        ("free memory %s  I2C errors %d" % ("--" if n is None else "%.1f KB" % (n() / 1024), ctx.i2c_errors),
         _WHITE),
        ("task restarts: " + restarts, _WHITE if restarts == "none" else INK[_WARN]),
        ("settings errors %d; overrides: %s" % (len(settings.errors), _counts(ctx.overrides or {}, "=")),
         INK[_WARN] if settings.errors else _GREY),
    ]
    c = ctx.counters
    if c is not None:
        lines.append(("total heat %s kWh  pump %.1f h" % (kwh(c.heat_total_kwh), c.pump_s_total / 3600), _WHITE))
        lines.append(("pump starts %d (this run %d)" % (c.starts_total, ctx.pump_starts), _WHITE))
        for name, table in (("faults", c.faults), ("resets", c.resets)):
            lines.append(("%s: %s" % (name, _counts(table)), _WHITE))
    link = ctx.link
    if link is not None:
        lines.append(("network: %d WiFi joins, %d MQTT connects" % (link.wifi_connects, link.mqtt_connects), _WHITE))
    for _, level, text in ctx.log.recent[::-1]:
        if level != "INFO":  # the last warning or error, on the rows that are left
            color = INK[_WARN if level == "WARN" else _FAULT]
            for line in wrap("last %s: %s" % (level.lower(), text), _COLS, _ROWS + 1 - len(lines)):
                lines.append((line, color))
            break
    return lines


def _counts(table, sep=" "):
    """'power_on 4, watchdog 1' (or 'none') from a name -> count table; zero counts left out."""
    return ", ".join(k + sep + str(table[k]) for k in sorted(table) if table[k]) or "none"
