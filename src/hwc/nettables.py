"""``hwc net-tables``: write ``src/controller/net/limits.py`` and ``defaults.py``, the compact
settings tables the network link uses, from the firmware's settings tables.

The board cannot keep the whole settings table (``controller.settings_spec`` and the
``spec_*`` modules, about 20 KB) in RAM, nor import it for each message: the link imports
``limits`` (the kinds and ranges, about 3 KB, one string) while a setting is handled and
``defaults`` while a connection opens, and forgets them after. Which settings ThingsBoard may
change is decided here (``policy``), on the host.

    hwc net-tables            # rewrite them
    hwc net-tables --check    # exit 1 if one is stale (the tests check it too)
"""

import json
import pathlib

from controller import settings_spec, spec_net, spec_protect
from controller.spec_kinds import B, C, F, I, L, R, S, T

TARGET = pathlib.Path(__file__).resolve().parents[1] / "controller" / "net" / "limits.py"

# Why a setting cannot be changed from the network: the letter in the table, and the words.
WHY = {
    "W": "safety, wiring or calibration setting: settings.toml only",
    "X": "read once at boot: settings.toml only",
    "N": "network setting: settings.toml only",
    "K": "secret: settings.toml only",
}
# Sensor wiring and calibration, the safety rules and the element's hardware: never remote.
WIRING_PREFIXES = ("NTC_", "PROBE")
WIRING = ("PCF8591_ADDRESS", "ONEWIRE_PIN", "COOL_OFF_ARM_C", "COOL_OFF_DISARM_C", "COOL_OFF_DIFF_K", "OVERHEAT_C",
          "DECISION_MAX_AGE_S", "HEATER_ENABLED", "HEATER_PIN", "HEATER_TOP_PROBE", "HEATER_CUTOFF_C")
# Read once when the tasks, the screen or the counters start: a remote value could not take
# effect at once, so ThingsBoard may not set them (every remote setting applies at once).
AT_BOOT = ("SENSOR_PERIOD_S", "CONTROL_PERIOD_S", "PWM_PERIOD_S", "TELEMETRY_BUFFER_KB", "SCREEN_BRIGHTNESS",
           "SCREEN_DIM_AFTER_S", "SCREEN_DIM_BRIGHTNESS", "SCREEN_HOME_AFTER_S", "SCREEN_TREND_HOURS",
           "SCREEN_AMBIENT_PROBE", "SCREEN_UTC_OFFSET_MIN", "HEATER_METER", "HEATER_METER_IP",
           "HEATER_METER_SERIES", "HEATER_METER_CHANNEL")
# Never leave the device (not in the "settings" client attribute either).
SECRETS = ("CIRCUITPY_WIFI_PASSWORD", "MQTT_TOKEN", "HEATER_EMONCMS_KEY")
# The link's own settings ThingsBoard may change.
NET_ALLOWED = ("TELEMETRY_PERIOD_S", "REPLAY_BATCH", "REPLAY_PER_S")

_KIND_LETTER = {F: "f", I: "i", B: "b", S: "s", C: "c", R: "r", L: "l", T: "t"}


def policy(key):
    """"" if ThingsBoard may override ``key``, else the letter of ``WHY`` that says why not."""
    if key in SECRETS:
        return "K"
    if key in WIRING or key.startswith(WIRING_PREFIXES) or key in {e[0] for e in spec_protect.SPEC}:
        return "W"
    if key in AT_BOOT:
        return "X"
    if key in {e[0] for e in spec_net.SPEC} and key not in NET_ALLOWED:
        return "N"
    return ""


def overridable():
    """The keys ThingsBoard may override, in table order."""
    return [e[0] for e in settings_spec.SPEC if not policy(e[0])]


def _num(value):
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return "%.1f" % value
    return repr(value)


def _default_json(entry):
    from controller.settings import parse_value

    key, kind, default = entry[:3]
    value = default
    if kind == L and default == "":
        value = ()
    elif kind in (F, I) and isinstance(default, (int, float)) and not isinstance(default, bool):
        value = parse_value(entry, default)
    text = json.dumps(list(value) if isinstance(value, tuple) else value, separators=(",", ":"))
    if " " in text:
        raise ValueError("%s: a default with a space does not fit the table: %r" % (key, default))
    return text


def line(entry):
    """One TABLE line: KEY KIND MIN MAX UNIT for a setting ThingsBoard may override, else KEY
    and the letter that says why not."""
    key, kind, _default, lo, hi, unit = entry[:6]
    why = policy(key)
    if why:
        return "%s %s" % (key, why)
    letter = _KIND_LETTER[kind]
    if kind == C:
        if any(" " in c or "|" in c for c in lo):
            raise ValueError("%s: a choice with a space or | does not fit the table" % key)
        return " ".join([key, letter, "|".join(lo), ".", unit or "."])
    if kind in (F, L):
        return " ".join([key, letter, _num(float(lo)), _num(float(hi)), unit or "."])
    if kind in (I, S, T):
        return " ".join([key, letter, str(lo), str(hi), unit or "."])
    return " ".join([key, letter, ".", ".", unit or "."])


def rules():
    """Every rule between keys, LOW<HIGH, checked to read "LOW must be below HIGH"."""
    out = []
    for low, high, message in settings_spec.ORDER_RULES:
        if message != "%s must be below %s" % (low, high):
            raise ValueError("rule message %r is not 'LOW must be below HIGH': teach hwc.nettables" % message)
        out.append("%s<%s" % (low, high))
    return out


# The longest text of a table: the board's compiler holds a string literal in one block while it
# reads it (and the string in another), so a table is a tuple of texts of whole lines of at most
# this many characters: a link on a fragmented heap finds room for each.
CHUNK_CHARS = 640


def chunks(lines):
    """The source of a tuple of triple-quoted texts holding ``lines`` (whole lines, each text
    starting and ending with a newline, at most CHUNK_CHARS long)."""
    out, cur = [], ""
    for ln in lines:
        if cur and len(cur) + len(ln) + 2 > CHUNK_CHARS:
            out.append(cur)
            cur = ""
        cur += "\n" + ln
    if cur:
        out.append(cur)
    return "(\n" + "".join('    """' + c + '\n""",\n' for c in out) + ")"


def text():
    """The source of controller/net/limits.py (checking remote settings)."""
    lines = [line(e) for e in settings_spec.SPEC]
    return (
        '"""The settings table for remote settings, generated by `hwc net-tables` from the\n'
        'firmware\'s settings tables (settings_spec.py and spec_*.py): do not edit. The network link\n'
        'imports it while a setting is handled, and forgets it after.\n\n'
        'TABLE: every setting, one per line: KEY KIND MIN MAX UNIT for the ones ThingsBoard may\n'
        'override (KIND: f float, i int, b bool, s str, c choice (MIN: the choices, | between),\n'
        'r ROM, l list, t text; "." for none), or KEY and a letter saying why not (its words in WHY),\n'
        'in texts of whole lines (each starting and ending with a newline) of at most %d characters:\n'
        'the board finds room for each on a fragmented heap.\n'
        'RULES: every rule between keys, LOW<HIGH (LOW must be below HIGH), the protected too.\n"""\n\n'
        'TABLE = ' % CHUNK_CHARS + chunks(lines) + '\n\n'
        'RULES = "' + " ".join(rules()) + '"\n\n'
        'WHY = {' + ", ".join("%r: %r" % kv for kv in WHY.items()) + '}\n'
    )


def defaults_text():
    """The source of controller/net/defaults.py (the hello on connect)."""
    lines = ["%s %s" % (e[0], _default_json(e)) for e in settings_spec.SPEC if e[0] not in SECRETS]
    return (
        '"""What the link tells ThingsBoard on connect, generated by `hwc net-tables` from the\n'
        'firmware\'s settings tables: do not edit. Imported while a connection opens.\n\n'
        'DEFAULTS: every setting but the secrets, one per line: KEY DEFAULT (as JSON): the "settings"\n'
        'client attribute lists the ones that differ; in texts of whole lines of at most %d\n'
        'characters (as limits.TABLE). SHARED: the settings ThingsBoard may override, the attribute\n'
        'request\'s "sharedKeys".\n"""\n\n'
        'DEFAULTS = ' % CHUNK_CHARS + chunks(lines) + '\n\n'
        'SHARED = "' + ",".join(overridable()) + '"\n'
    )


FILES = {TARGET: text, TARGET.with_name("defaults.py"): defaults_text}


def add_arguments(parser):
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")


def run(args):
    stale = [path for path, make in FILES.items() if not path.exists() or path.read_text(encoding="utf-8") != make()]
    if args.check:
        for path in stale:
            print("%s is stale: run `hwc net-tables`" % path)
        return 1 if stale else 0
    for path in stale:
        path.write_text(FILES[path](), encoding="utf-8")
        print("wrote %s" % path)
    if not stale:
        print("up to date: " + ", ".join(str(p) for p in FILES))
    return 0
