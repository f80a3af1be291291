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

# Decision mode -> its level and headline, as "|mode level HEADLINE": one string, where a dict
# of seventeen entries would keep seventeen more objects. Unknown modes show upper-cased as a
# warning.
MODES = ("|running 0COLLECTING|purge 0PURGING PIPES|idle 1RESTING|cool_off 2COOL-OFF|overheat 2OVERHEAT"
         "|manual 2MANUAL|off 2PUMP OFF BY HAND|frost 2FROST GUARD|tank_max 2TANK AT MAX"
         "|collector_cooling 2COOLING COLLECTOR|recool 2RECOOLING TANK|tube_kick 0TUBE KICK|no_flow 3NO FLOW"
         "|tank_cutoff 3TANK CUT-OFF|emergency 3EMERGENCY STOP|lockout 3LOCKOUT|fault 3FAULT|")


def temp(value_c, width=5):
    """``value_c`` as ' 63.2' (right-aligned to ``width``) or dashes when there is none."""
    text = "--.-" if value_c is None else "%.1f" % value_c
    return " " * (width - len(text)) + text


def hours(seconds):
    """Seconds as '2.1 h' (or '-- h' when unknown)."""
    return "-- h" if seconds is None else "%.1f h" % (seconds / 3600)


def uptime(seconds):
    """Seconds as '2d 05:07' (days, hours, minutes)."""
    return "%dd %02d:%02d" % (seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60)


def kwh(value):
    """'3.2', or '--' without a heat figure (no probe pair to measure it)."""
    return "--" if value is None else "%.1f" % value


def clock(ctx):
    """'14:05' local time (``ctx.local_min()``), None while the wall clock is unknown."""
    minutes = ctx.local_min()
    return None if minutes is None else "%02d:%02d" % (minutes // 60, minutes % 60)


def status(ctx):
    """(level, headline) of the whole system: the decision's mode, raised by a lockout."""
    if ctx.protection.lockout:
        return FAULT, "LOCKOUT"
    mode = ctx.decision.mode
    entry = _lookup(MODES, mode)
    if entry is None:
        return WARN, mode.upper().replace("_", " ")
    return ord(entry[0]) - 48, entry[1:]


def _lookup(table, key):
    """What follows '|key ' in ``table``, up to the next '|'; None if ``key`` is not there."""
    at = table.find("|%s " % key)
    if at < 0:
        return None
    at += len(key) + 2
    return table[at:table.find("|", at)]


def place(line, col, words):
    """``line`` padded with spaces to column ``col``, then ``words``: to lay out one row."""
    return line + " " * (col - len(line)) + words


def wrap(text, width, lines):
    """``text`` cut into at most ``lines`` lines of ``width`` characters, at spaces where
    possible; the last line ends in '...' if the text did not fit. Always ``lines`` items."""
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
        out[-1] = out[-1][:width - 3] + "..."
    while len(out) < lines:
        out.append("")
    return out


def alerts(ctx):
    """[(level, words)] of everything wrong, faults first."""
    bad = []
    out = []
    for sensor in (ctx.hot, ctx.cold):
        if sensor.fault is not None:
            bad.append((FAULT, sensor.fault_text()))
    prot = ctx.protection
    if prot.lockout:
        bad.append((FAULT, "lockout: " + prot.lockout))
    if ctx.stale_reported:
        bad.append((FAULT, "control stalled: pump stopped"))
    for text in prot.warnings:
        out.append((WARN, text))
    for probe in ctx.probes:
        if probe.rom_hex and probe.fault:
            out.append((WARN, "%s probe %s" % (probe.name, probe.fault)))
    n = len(ctx.settings.errors)
    if n:
        out.append((WARN, "%d settings error%s: see boot page" % (n, "" if n == 1 else "s")))
    link = ctx.link
    if link is not None and link.state != "online" and link.last_error:
        out.append((WARN, "network: " + link.last_error))
    n = sum(ctx.task_restarts.values())
    if n:
        out.append((WARN, "%d task restart%s: see log" % (n, "" if n == 1 else "s")))
    return bad + out


# The link's states in words for the network line (as MODES).
_NET_WORDS = "|online MQTT online|connecting MQTT connecting|wifi WiFi joining|backoff network retrying|off network off|"


def network(ctx):
    """(level, words) of the network link for one line."""
    link = ctx.link
    if link is None:
        return IDLE, "network off"
    state = link.state
    text = _lookup(_NET_WORDS, state) or "network " + state
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
    c = ctx.counters
    if c is None:
        return None
    return "today %s kWh  pump %s" % (kwh(c.heat_today_kwh), hours(c.pump_s_today))
