"""Words and colours for the screen, from the controller's state. Pure: no graphics here.

A status has a level (OK, IDLE, WARN, FAULT), a colour for that level and always words: a
fault is never shown by colour alone.
"""

OK = 0
IDLE = 1
WARN = 2
FAULT = 3

# Level -> (background, text on that background, text colour on black).
BG = (0x00703A, 0x24476B, 0xF0A000, 0xC8102E)
FG = (0xFFFFFF, 0xFFFFFF, 0x000000, 0xFFFFFF)
INK = (0x40E080, 0xA0C4FF, 0xFFB020, 0xFF4040)
WHITE = 0xFFFFFF
GREY = 0x8C8C8C
DARK = 0x303030
HOT = 0xFF5A28
COLD = 0x3C8CFF
AMBIENT = 0x50D050
DUTY = 0xFFD200

# Decision mode -> (level, headline). Unknown modes show upper-cased as a warning.
MODES = {
    "running": (OK, "COLLECTING"),
    "purge": (OK, "PURGING PIPES"),
    "idle": (IDLE, "RESTING"),
    "cool_off": (WARN, "COOL-OFF"),
    "overheat": (WARN, "OVERHEAT"),
    "manual": (WARN, "MANUAL"),
    "off": (WARN, "PUMP OFF BY HAND"),
    "frost": (WARN, "FROST GUARD"),
    "tank_max": (WARN, "TANK AT MAX"),
    "collector_cooling": (WARN, "COOLING COLLECTOR"),
    "recool": (WARN, "RECOOLING TANK"),
    "tube_kick": (OK, "TUBE KICK"),
    "no_flow": (FAULT, "NO FLOW"),
    "tank_cutoff": (FAULT, "TANK CUT-OFF"),
    "emergency": (FAULT, "EMERGENCY STOP"),
    "lockout": (FAULT, "LOCKOUT"),
    "fault": (FAULT, "FAULT"),
}


def temp(value_c, width=5):
    """``value_c`` as ' 63.2' (right-aligned to ``width``) or dashes when there is none."""
    text = "--.-" if value_c is None else "%.1f" % value_c
    return " " * (width - len(text)) + text


def pct(value):
    return "%3d%%" % value


def hours(seconds):
    """Seconds as '2.1 h' (or '--' when unknown)."""
    if seconds is None:
        return "-- h"
    return "%.1f h" % (seconds / 3600)


def uptime(seconds):
    days = seconds // 86400
    rest = seconds % 86400
    return "%dd %02d:%02d" % (days, rest // 3600, rest % 3600 // 60)


def clock(ctx):
    """'14:05' local time from ``ctx.wall`` (None while unknown)."""
    minutes = ctx.local_min()
    if minutes is None:
        return None
    return "%02d:%02d" % (minutes // 60, minutes % 60)


def status(ctx):
    """(level, headline) of the whole system: the decision's mode, raised by a lockout."""
    prot = ctx.protection
    if prot is not None and prot.lockout:
        return FAULT, "LOCKOUT"
    mode = ctx.decision.mode
    entry = MODES.get(mode)
    if entry is None:
        return WARN, mode.upper().replace("_", " ")
    return entry


def wrap(text, width, lines):
    """``text`` cut into at most ``lines`` lines of ``width`` characters, at spaces where
    possible; the last line ends in '..' if the text did not fit. Always ``lines`` items."""
    out = []
    while text and len(out) < lines:
        if len(text) <= width:
            out.append(text)
            text = ""
            break
        cut = text.rfind(" ", 0, width + 1)
        if cut <= width // 2:
            cut = width
        out.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        out[-1] = out[-1][:width - 2] + ".."
    while len(out) < lines:
        out.append("")
    return out


def probe_named(ctx, name):
    if not name:
        return None
    for probe in ctx.probes:
        if probe.name == name:
            return probe
    return None


def alerts(ctx):
    """[(level, words)] of everything wrong, worst first."""
    out = []
    for sensor in (ctx.hot, ctx.cold):
        if sensor.fault is not None:
            out.append((FAULT, sensor.fault_text()))
    prot = ctx.protection
    if prot is not None:
        if prot.lockout:
            out.append((FAULT, "lockout: " + prot.lockout))
        for text in prot.warnings:
            out.append((WARN, text))
    if ctx.stale_reported:
        out.append((FAULT, "control stalled: pump stopped"))
    for probe in ctx.probes:
        if probe.rom_hex and probe.fault:
            out.append((WARN, "%s probe %s" % (probe.name, probe.fault)))
    errors = len(ctx.settings.errors)
    if errors:
        out.append((WARN, "%d settings error%s: see boot page" % (errors, "" if errors == 1 else "s")))
    link = ctx.link
    if link is not None and link.state != "online" and link.last_error:
        out.append((WARN, "network: " + link.last_error))
    restarts = 0
    for count in ctx.task_restarts.values():
        restarts += count
    if restarts:
        out.append((WARN, "%d task restart%s: see log" % (restarts, "" if restarts == 1 else "s")))
    out.sort(key=_level_key)
    return out


def _level_key(item):
    return -item[0]


# The link's states in words for the network line.
_NET_WORDS = {"online": "MQTT online", "connecting": "MQTT connecting", "wifi": "WiFi joining",
              "backoff": "network retrying", "off": "network off"}


def network(ctx):
    """(level, words) of the network link for one line."""
    link = ctx.link
    if link is None:
        return IDLE, "network off"
    state = link.state
    text = _NET_WORDS.get(state) or "network " + state
    if link.rssi is not None:
        text += "  %d dBm" % link.rssi
    if link.buffered:
        text += "  %d queued" % link.buffered
    if link.dropped:
        text += "  %d lost" % link.dropped
    if state == "online":
        return OK, text
    return (IDLE if state == "off" else WARN), text


def energy(ctx):
    """'today 3.2 kWh  pump 2.1 h', or None without counters."""
    counters = ctx.counters
    if counters is None:
        return None
    return "today %s kWh  pump %s" % (kwh(counters.heat_today_kwh), hours(counters.pump_s_today))


def kwh(value):
    """'3.2', or '--' without a heat figure (no probe pair to measure it)."""
    return "--" if value is None else "%.1f" % value


def free_memory():
    """Free heap bytes (CircuitPython/MicroPython), None where the runtime does not say."""
    import gc

    mem_free = getattr(gc, "mem_free", None)
    return mem_free() if mem_free is not None else None
