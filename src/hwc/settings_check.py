"""Check a settings.toml on the PC before it goes onto the CIRCUITPY drive.

Every problem is printed as ``FILE:LINE: error|warning: message``, sorted by line:

* the file as CircuitPython reads it (hwc.cpsettings): lines it cannot read, values it reads
  differently on CircuitPython 9.0-10.1 and 10.2+, duplicate keys, ``[table]`` headers, lines
  that are not ``KEY = value``, a byte-order mark, bytes that are not UTF-8;
* keys: every key must be a setting of the controller (its settings table) or one of
  CircuitPython's own keys (CIRCUITPY_WIFI_SSID ...); a near miss of a known key is an error
  with a "did you mean", any other unknown key a warning;
* values and cross-key rules: checked by the firmware's own loader (controller.settings.load),
  the code that runs at boot, so the checker says exactly what the board would complain about
  (and which default it would use instead), with a hint of how to write what the key expects
  (``MIN_DIFF_K = "4,5"``: write ``"4.5"``; ``HEATER_METER_IP = "192.168.1"``: an IP address has four
  numbers);
* what else the board says at boot about its settings, by the firmware's own functions: the
  NTC table (controller.settings.ntc_table) and, with HEATER_ENABLED = 1, the heater's
  controller.heater.check.problems (its pin on the 1-Wire bus, no tank-top probe, no network);
* settings that only make sense in pairs (these the board does not check: they are advice):
  MQTT_BROKER without MQTT_TOKEN or WiFi and the reverse, TLS on the plain port, heater keys
  with the heater off, meter and EmonCMS keys without their switch, the old
  SCREEN_UTC_OFFSET_MIN, TIME_ZONE_RULE "uk" with a standard offset other than UTC.

An error means the controller will not use what the file says. A warning means the file works
but is fragile (it depends on the CircuitPython version, or a key nobody reads).

Exit code: 0 no errors (warnings allowed unless --strict), 1 errors, 2 the file cannot be read.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from hwc import cpsettings

ERROR = "error"
WARNING = "warning"

# CircuitPython's own settings.toml keys (docs/environment.rst): key -> (form, check).
# "str" keys must be quoted strings; "int" keys are read with strtol, so they must be bare
# decimal or 0x integers. None: any integer; else (min, max, multiple_of).
CIRCUITPY_KEYS = {
    "CIRCUITPY_WIFI_SSID": ("str", None),
    "CIRCUITPY_WIFI_PASSWORD": ("str", None),
    "CIRCUITPY_WEB_API_PASSWORD": ("str", None),
    "CIRCUITPY_WEB_INSTANCE_NAME": ("str", None),
    "CIRCUITPY_BLE_NAME": ("str", None),
    "CIRCUITPY_PICODVI_ENABLE": ("str", None),
    "CIRCUITPY_WEB_API_PORT": ("int", (1, 65535, 1)),
    "CIRCUITPY_HEAP_START_SIZE": ("int", (4, None, 4)),
    "CIRCUITPY_PYSTACK_SIZE": ("int", (4, None, 4)),
    "CIRCUITPY_DISPLAY_WIDTH": ("int", (1, None, 1)),
    "CIRCUITPY_DISPLAY_HEIGHT": ("int", (1, None, 1)),
    "CIRCUITPY_DISPLAY_COLOR_DEPTH": ("int", (1, 32, 1)),
    "CIRCUITPY_DISPLAY_ROTATION": ("int", (0, 270, 90)),
    "CIRCUITPY_DISPLAY_FREQUENCY": ("int", (1, None, 1)),
    "CIRCUITPY_DISPLAY_LIMIT": ("int", (1, None, 1)),
    "CIRCUITPY_TERMINAL_SCALE": ("int", (1, None, 1)),
}
_STRTOL = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)\Z")


def check_circuitpython_text(key: str, text: str) -> None:
    """Raise ValueError if ``text`` cannot be right for CircuitPython's string key ``key``."""
    if key == "CIRCUITPY_WIFI_SSID" and len(text.encode("utf-8")) > 32:
        raise ValueError("a WiFi network name (SSID) has at most 32 bytes")
    if key == "CIRCUITPY_WIFI_PASSWORD" and text and not 8 <= len(text) <= 64:
        raise ValueError("a WPA/WPA2 WiFi password has 8..63 characters (64 for a hex key), or is "
                         "empty for an open network")

# The PyPortal Titano's 3-pin JST ports (the other JST is the I2C port, used by the PCF8591).
# Other names of the same pins in CircuitPython's board module.
TITANO_JST_PORTS = ("D3", "D4")
TITANO_PIN_ALIASES = {"A1": "D3", "A4": "D4"}

# Kinds of value CircuitPython 10.2+ returns with their quotes or brackets: never what was meant.
_READ_WITH_QUOTES = ("literal", "multiline", "array", "table")
_LEGACY_LABEL = "CircuitPython 9.0-10.1"
SUPPORTED = "9 and 10"  # the CircuitPython versions the controller runs on (8 lacks what it needs)
_STRINGS_LABEL = "CircuitPython 10.2+"


@dataclass(frozen=True)
class Diagnostic:
    """One finding: ``line`` is 1-based (None: about the whole file)."""

    line: Optional[int]
    severity: str
    message: str
    key: Optional[str] = None

    def format(self, filename: str = "settings.toml") -> str:
        where = filename if self.line is None else f"{filename}:{self.line}"
        return f"{where}: {self.severity}: {self.message}"


def semantics_for(version: str) -> tuple[str, ...]:
    """The cpsettings semantics a ``--circuitpython`` VERSION stands for.

    ``any`` (default) and ``10`` (any 10.x): both. ``9``, ``10.1``: LEGACY. ``10.2``,
    ``10.3.1``, ``11``: STRINGS. Raises ValueError for anything else, and for 8 (not supported).
    """
    text = version.strip().lower()
    if text in ("any", "all"):
        return (cpsettings.LEGACY, cpsettings.STRINGS)
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:\.\d+)?(?:-\S+)?", text)
    if not match:
        raise ValueError(f"not a CircuitPython version: {version!r} (try 9, 10.1, 10.2 or any)")
    major = int(match.group(1))
    minor = None if match.group(2) is None else int(match.group(2))
    if major < 8:
        raise ValueError(f"CircuitPython {version} has no settings.toml; the controller runs on CircuitPython "
                         f"{SUPPORTED}")
    if major < 9:
        raise ValueError(f"CircuitPython {version} is not supported: the controller runs on CircuitPython {SUPPORTED}")
    if major == 10 and minor is None:
        return (cpsettings.LEGACY, cpsettings.STRINGS)
    if (major, minor or 0) < (10, 2):
        return (cpsettings.LEGACY,)
    return (cpsettings.STRINGS,)


def _spec():
    from controller import settings_spec

    # Looked up at call time: the table is assembled from the spec_*.py modules.
    return settings_spec.SPEC, settings_spec.ORDER_RULES


def suggest(key: str, known: Iterable[str]) -> Optional[str]:
    """The known key ``key`` is most likely a typo of, or None."""
    known = list(known)
    upper = key.upper().replace("-", "_").strip()
    if upper in known:
        return upper
    close = difflib.get_close_matches(upper, known, n=1, cutoff=0.8)
    return close[0] if close else None


def _is_text_error(entry: Optional[cpsettings.Entry], legacy: bool) -> bool:
    """True if a cpsettings problem on this line means a value or key is not used."""
    if entry is None or not entry.readable:
        return True  # BOM, [table], not KEY = value, duplicate, below a table
    if not re.fullmatch(r"[A-Za-z0-9_-]+", entry.key):
        return True
    if entry.text is None or entry.kind in _READ_WITH_QUOTES:
        return True  # nothing read, or read with its quotes/brackets
    return legacy  # float, boolean, other, empty: raises on <= 10.1, read as text on 10.2+


def _check_circuitpython_key(entry: cpsettings.Entry) -> Optional[str]:
    form, limits = CIRCUITPY_KEYS[entry.key]
    if entry.kind not in ("string", "integer"):
        return None  # reported by the scan already
    if form == "str":
        if entry.kind != "string":
            return (f"{entry.key} = {entry.raw}: CircuitPython expects a quoted string - write "
                    f"{entry.key} = {cpsettings.basic_string(str(entry.text))}")
        try:
            check_circuitpython_text(entry.key, entry.text or "")
        except ValueError as exc:
            return f"{entry.key} = {entry.raw}: {exc}"
        return None
    bare = (entry.text or "").strip()
    if entry.kind != "integer" or not _STRTOL.match(bare):
        return (f"{entry.key} = {entry.raw}: CircuitPython reads this key as a bare integer "
                "(no quotes, no _ separators, no 0o/0b)")
    value = int(bare, 0)
    lo, hi, step = limits
    if value < lo or (hi is not None and value > hi) or value % step:
        rng = f"{lo}..{hi}" if hi is not None else f"at least {lo}"
        multiple = f", a multiple of {step}" if step > 1 else ""
        return f"{entry.key} = {entry.raw}: out of range ({rng}{multiple})"
    return None


def _pin_hint(key: str, entries_by_key: dict[str, cpsettings.Entry]) -> str:
    entry = entries_by_key.get(key)
    written = (entry.text or "").strip() if entry else ""
    alias = TITANO_PIN_ALIASES.get(written.upper())
    ports = " and ".join(TITANO_JST_PORTS)
    if alias:
        return f" ({written} is the JST port {alias}: write {key} = \"{alias}\")"
    return f" (the PyPortal Titano's 3-pin JST ports are {ports}; the third JST port is I2C)"


_NUMBER = re.compile(r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)\s*([A-Za-z%/ ]+)?\s*\Z")


def hint(entry: tuple, written: str) -> str:
    """How to write what the settings-table entry expects, when ``written`` (the value as read)
    looks like a common mistake; "" otherwise."""
    key, kind, default, lo, hi, unit = entry[:6]
    text = written.strip()
    if kind == "list":
        parts = re.split(r"[;\s]+", text)
        if key.endswith("_IP"):
            return f' - write an IP address as four numbers 0..255, e.g. {key} = "192.168.1.50"'
        if len(parts) > 1:
            return f' - separate the numbers with commas: {key} = "{",".join(parts)}"'
        return ""
    if kind in ("float", "int"):
        if re.fullmatch(r"\s*[+-]?\d+,\d+\s*", text) and kind == "float":
            return f' - write the decimal point as a point: {key} = "{text.replace(",", ".")}"'
        match = _NUMBER.match(text)
        if match and match.group(4):
            return f' - write the number alone{" (in " + unit + ")" if unit else ""}: {key} = "{match.group(1)}"'
        if match and kind == "int" and "." in match.group(1):
            return f" - {key} takes a whole number"
        return ""
    if kind == "bool":
        return f" - write {key} = 1 (on) or {key} = 0 (off)"
    if kind == "choice":
        for choice in lo:
            if choice.lower() == text.lower():
                return f' - choices are case-sensitive: {key} = "{choice}"'
        close = difflib.get_close_matches(text.lower(), [c.lower() for c in lo], n=1, cutoff=0.6)
        if close:
            return f' - did you mean {key} = "{[c for c in lo if c.lower() == close[0]][0]}"?'
        return ""
    if kind == "str" and text and re.fullmatch(r"[A-Za-z0-9_\-. ]+", text) and not re.fullmatch(r"\w+", text):
        fixed = re.sub(r"[-. ]", "_", text)
        return f' - write _ for - . or a space: {key} = "{fixed}"'
    return ""


def board_checks(settings) -> list[tuple[tuple[str, ...], str]]:
    """What the board says at boot about loaded ``settings`` besides its value errors, by the
    firmware's own functions: [(keys, message)], each an error it shows on the boot screen."""
    from controller import settings as settings_mod

    out = []
    if not hasattr(settings, "ntc_beta_r25_ohm") or not hasattr(settings, "heater_enabled"):
        return out  # a smaller settings table than the firmware's (hwc settings new's tests)
    _table, error = settings_mod.ntc_table(settings)
    if error:
        keys = ("NTC_BETA_R25_OHM", "NTC_BETA_K") if settings.ntc_beta_r25_ohm > 0 else ("NTC_TABLE_RAW",)
        out.append((keys, error))
    if settings.heater_enabled:
        from controller.heater import check

        for keys, text in check.problems(settings):
            out.append((keys, "heater: " + text))
    return out


def pair_checks(settings, present: set[str]) -> list[tuple[tuple[str, ...], str, str]]:
    """Settings that only make sense together, as [(keys, severity, message)]. ``present``: the
    keys the file sets. The board does not check these: they are what a first install gets wrong."""
    class _S:  # a firmware whose table lacks a key (hwc settings new's tests) reads it as off
        def __getattr__(self, name):
            return getattr(settings, name, None)

    s = _S()
    out = []
    tb = "ThingsBoard takes a device only with its access token"
    if s.mqtt_broker and not s.mqtt_token:
        if s.ha_discovery:
            out.append((("MQTT_BROKER", "MQTT_TOKEN"), WARNING, "MQTT_BROKER is set but MQTT_TOKEN is empty: fine "
                        "for a broker that takes anonymous clients; " + tb))
        else:
            out.append((("MQTT_BROKER", "MQTT_TOKEN"), ERROR, "MQTT_BROKER is set but MQTT_TOKEN is empty: " + tb +
                        ' (copy it from the device\'s page: MQTT_TOKEN = "...")'))
    if s.mqtt_token and not s.mqtt_broker:
        out.append((("MQTT_TOKEN", "MQTT_BROKER"), WARNING, "MQTT_TOKEN is set but MQTT_BROKER is empty: the "
                    "network is off and nothing uses the token"))
    ssid = s.circuitpy_wifi_ssid or "CIRCUITPY_WIFI_SSID" in present  # CircuitPython's own key, too
    if s.mqtt_broker and not ssid:
        out.append((("MQTT_BROKER", "CIRCUITPY_WIFI_SSID"), ERROR, "MQTT_BROKER is set but CIRCUITPY_WIFI_SSID is "
                    "empty: no WiFi network to reach it"))
    if (s.circuitpy_wifi_password or "CIRCUITPY_WIFI_PASSWORD" in present) and not ssid:
        out.append((("CIRCUITPY_WIFI_PASSWORD", "CIRCUITPY_WIFI_SSID"), WARNING, "CIRCUITPY_WIFI_PASSWORD is set "
                    "but CIRCUITPY_WIFI_SSID is empty: which network is it for?"))
    if s.mqtt_broker and s.mqtt_tls and s.mqtt_port == 1883:
        out.append((("MQTT_TLS", "MQTT_PORT"), WARNING, "MQTT_TLS = 1 on port 1883, the plain MQTT port: TLS is "
                    "usually port 8883 (MQTT_PORT = 8883)"))
    if s.mqtt_broker and not s.mqtt_tls and s.mqtt_port == 8883:
        out.append((("MQTT_PORT", "MQTT_TLS"), WARNING, "MQTT_PORT = 8883 is the TLS port but MQTT_TLS = 0: "
                    "write MQTT_TLS = 1, or MQTT_PORT = 1883"))
    if s.ha_discovery and not s.mqtt_broker:
        out.append((("HA_DISCOVERY", "MQTT_BROKER"), WARNING, "HA_DISCOVERY = 1 but MQTT_BROKER is empty: the "
                    "network is off"))
    heater_keys = sorted(k for k in present if k.startswith("HEATER_") and k != "HEATER_ENABLED")
    if heater_keys and not s.heater_enabled:
        out.append((tuple(heater_keys), WARNING, "heater settings with HEATER_ENABLED = 0: the heater is off and "
                    "nothing reads them (HEATER_ENABLED = 1 switches it on)"))
    elif s.heater_enabled:
        meter_keys = [k for k in ("HEATER_METER_IP", "HEATER_METER_SERIES", "HEATER_METER_CHANNEL",
                                  "HEATER_METER_INVERT") if k in present]
        if meter_keys and s.heater_meter == "none":
            out.append((tuple(meter_keys) + ("HEATER_METER",), WARNING, "%s set but HEATER_METER = \"none\": no "
                        "meter is read (HEATER_METER names yours)" % ", ".join(meter_keys)))
        emon_keys = [k for k in ("HEATER_EMONCMS_IP", "HEATER_EMONCMS_NODE") if k in present]
        if emon_keys and not s.heater_emoncms_key:
            out.append((tuple(emon_keys) + ("HEATER_EMONCMS_KEY",), WARNING, "%s set but HEATER_EMONCMS_KEY is "
                        "empty: EmonCMS logging is off" % ", ".join(emon_keys)))
    if "SCREEN_UTC_OFFSET_MIN" in present and s.screen_utc_offset_min:
        if s.time_utc_offset_min:
            why = "ignored, TIME_UTC_OFFSET_MIN is set"
        elif s.time_zone_rule == "uk":
            why = "it keeps its old meaning, UTC%+d minutes without summer time" % s.screen_utc_offset_min
        else:
            why = "read as TIME_UTC_OFFSET_MIN, with TIME_ZONE_RULE %s's summer time" % s.time_zone_rule
        out.append((("SCREEN_UTC_OFFSET_MIN",), WARNING, "SCREEN_UTC_OFFSET_MIN is the old name of "
                    "TIME_UTC_OFFSET_MIN (%s): write TIME_UTC_OFFSET_MIN = %d and TIME_ZONE_RULE = \"eu\", \"us\" "
                    "or \"none\" for your summer time" % (why, s.screen_utc_offset_min)))
    if s.time_zone_rule == "uk" and s.time_utc_offset_min:
        out.append((("TIME_ZONE_RULE", "TIME_UTC_OFFSET_MIN"), WARNING, "TIME_ZONE_RULE = \"uk\" with "
                    "TIME_UTC_OFFSET_MIN = %d: UK standard time is UTC (0); for central Europe write "
                    "TIME_ZONE_RULE = \"eu\"" % s.time_utc_offset_min))
    return out


def check_text(text: str, semantics: Iterable[str] = (cpsettings.LEGACY, cpsettings.STRINGS)
               ) -> list[Diagnostic]:
    """Every problem of a settings.toml's contents, sorted by line.

    ``semantics``: the CircuitPython behaviours the file must work with (see semantics_for).
    """
    from controller.settings import load

    # 10.2+ first: its messages show the value as written (``'8.5'``, not ``8``).
    semantics = tuple(sorted(set(semantics), key=lambda s: s != cpsettings.STRINGS))
    legacy = cpsettings.LEGACY in semantics
    spec, rules = _spec()
    spec_kinds = {entry[0]: entry[1] for entry in spec}
    spec_entries = {entry[0]: entry for entry in spec}
    known = list(spec_kinds) + [k for k in CIRCUITPY_KEYS if k not in spec_kinds]

    entries, problems = cpsettings.scan(text, legacy)
    by_line = {entry.line: entry for entry in entries}
    by_key: dict[str, cpsettings.Entry] = {}
    for entry in entries:
        if entry.readable:
            by_key.setdefault(entry.key, entry)
    out: list[Diagnostic] = []
    text_error_lines: set[int] = set()

    # 1. How CircuitPython reads the text (for 10.2+ only, as that version reads it).
    for problem in problems:
        entry = by_line.get(problem.line)
        message = problem.message
        if _is_text_error(entry, legacy):
            text_error_lines.add(problem.line)
            out.append(Diagnostic(problem.line, ERROR, message, problem.key))
        else:
            out.append(Diagnostic(problem.line, WARNING, message, problem.key))

    # 2. Keys: known to the controller or to CircuitPython (the WiFi keys are both: CircuitPython's
    # own rules are checked first, and the loader's message for the same key is then left out).
    cp_reported: set[str] = set()
    for entry in entries:
        key = entry.key.lstrip("\ufeff")
        if key in CIRCUITPY_KEYS:
            if entry.readable and entry.line not in text_error_lines:
                message = _check_circuitpython_key(entry)
                if message:
                    out.append(Diagnostic(entry.line, ERROR, message, key))
                    cp_reported.add(key)
            continue
        if key in spec_kinds:
            continue
        guess = suggest(key, known)
        if guess:
            out.append(Diagnostic(entry.line, ERROR, f"{key} is not a setting: did you mean {guess}? "
                                  "(as written, nothing reads it)", key))
        else:
            out.append(Diagnostic(entry.line, WARNING, f"{key} is not a setting of this controller nor "
                                  "one of CircuitPython's: nothing reads it", key))

    # 3. Values and cross-key rules: the firmware's loader, once per CircuitPython behaviour.
    found: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    loaded = {}
    for sem in semantics:
        settings = load(cpsettings.getenv_for_text(text, sem), spec, rules)
        loaded[sem] = settings
        found[sem] = list(zip(settings.error_keys, settings.errors)) + board_checks(settings)
    reported: dict[tuple[str, ...], set[str]] = {}
    for sem in semantics:
        for keys, message in found[sem]:
            reported.setdefault(tuple(keys), set()).add(sem)
    done: set[tuple[tuple[str, ...], str]] = set()
    for sem in semantics:
        for keys, message in found[sem]:
            keys = tuple(keys)
            sems = reported[keys]
            if sem != semantics[0] and semantics[0] in sems:
                continue  # the same key(s) already reported for the first behaviour
            if (keys, message) in done or (len(keys) == 1 and keys[0] in cp_reported):
                continue
            done.add((keys, message))
            lines = [(by_key[k].line, k) for k in keys if k in by_key]
            line = lines[0][0] if lines else None
            if len(keys) == 1 and line in text_error_lines and (
                    sem == cpsettings.LEGACY or by_key[keys[0]].kind in _READ_WITH_QUOTES):
                continue  # the scan's message already says why this line is not read as meant
            if len(sems) < len(semantics):
                message += " (%s)" % (_LEGACY_LABEL if sem == cpsettings.LEGACY else _STRINGS_LABEL)
            others = ["%s is on line %d" % (k, n) for n, k in lines[1:]]
            if others:
                message += " (" + ", ".join(others) + ")"
            if keys[0].endswith("_PIN") and spec_kinds.get(keys[0]) == "choice" and len(keys) == 1:
                message += _pin_hint(keys[0], by_key)
            elif len(keys) == 1 and keys[0] in by_key and by_key[keys[0]].text is not None and "; using" in message:
                message += hint(spec_entries[keys[0]], by_key[keys[0]].text)
            out.append(Diagnostic(line, ERROR, message, keys[0]))

    # 4. Settings that only make sense together (the first behaviour's reading of the file).
    present = set(by_key)
    wrong = {d.key for d in out if d.severity == ERROR}
    for keys, severity, message in pair_checks(loaded[semantics[0]], present):
        if wrong.intersection(keys):
            continue  # said already: one message per mistake
        lines = sorted(by_key[k].line for k in keys if k in by_key)
        out.append(Diagnostic(lines[0] if lines else None, severity, message, keys[0]))

    out.sort(key=lambda d: (d.line or 0, d.severity != ERROR))
    return out


class Unreadable(Exception):
    """The file cannot be read at all (missing, a directory, no permission)."""


def read_settings(path: Path) -> tuple[str, list[Diagnostic]]:
    """The text of ``path`` and a diagnostic per line that is not valid UTF-8.

    Raises Unreadable.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Unreadable(f"{path}: no such file") from None
    except IsADirectoryError:
        raise Unreadable(f"{path}: is a directory, not a settings.toml") from None
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror or exc}") from None
    diagnostics = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(data.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                diagnostics.append(Diagnostic(number, ERROR, (
                    f"byte 0x{line[exc.start]:02x} at column {exc.start + 1} is not UTF-8: "
                    "CircuitPython reads settings.toml as UTF-8 - save the file as UTF-8")))
    return text, diagnostics


def check_file(path: Path, semantics: Iterable[str] = (cpsettings.LEGACY, cpsettings.STRINGS)
               ) -> list[Diagnostic]:
    """:func:`check_text` for a file (encoding problems included). Raises Unreadable."""
    text, diagnostics = read_settings(path)
    found = diagnostics + check_text(text, semantics)
    found.sort(key=lambda d: (d.line or 0, d.severity != ERROR))
    return found


def summary(diagnostics: list[Diagnostic], semantics: Iterable[str]) -> str:
    errors = sum(d.severity == ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    labels = {cpsettings.LEGACY: _LEGACY_LABEL, cpsettings.STRINGS: _STRINGS_LABEL}
    target = " and ".join(labels[s] for s in semantics)
    if not diagnostics:
        return f"OK for {target}"
    plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"  # noqa: E731
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} for {target}"


def add_arguments(parser):
    parser.add_argument("file", type=Path, metavar="FILE", help="the settings.toml to check")
    parser.add_argument("--circuitpython", metavar="VERSION", default="any",
                        help="the CircuitPython version the board runs: 9, 10.1, 10.2 ... or 'any' "
                             "(default: the file must work with every version 8.0 and later)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors (exit code 1)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print the problems only, no summary")


def run(args) -> int:
    try:
        semantics = semantics_for(args.circuitpython)
    except ValueError as exc:
        print(f"hwc settings check: {exc}", file=sys.stderr)
        return 2
    try:
        diagnostics = check_file(args.file, semantics)
    except Unreadable as exc:
        print(f"hwc settings check: cannot read {exc}", file=sys.stderr)
        return 2
    for diagnostic in diagnostics:
        print(diagnostic.format(str(args.file)))
    if not args.quiet:
        print(f"{args.file}: {summary(diagnostics, semantics)}")
    failing = [d for d in diagnostics if d.severity == ERROR or args.strict]
    return 1 if failing else 0
