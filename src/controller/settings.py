"""Load and validate settings from ``os.getenv`` (CircuitPython's settings.toml).

``load(getenv)`` never raises for bad input: a missing key takes its default, and a
malformed or out-of-range value is reported in ``Settings.errors`` and that key falls back
to its default, so the controller always runs. Attribute names are the keys in lower case:
``settings.min_diff_k``.
"""

from controller import Settings, const, once  # noqa: F401 - Settings re-exported
from controller.sensors import crc8, rom_to_hex  # noqa: F401 - rom_to_hex and crc8 re-exported

# The kinds are written as the strings of controller.spec_kinds (as the table writes them), so
# that the loader imports no module for them; _SLOTS is spec_kinds.PROBE_SLOTS (a test checks).
_SLOTS = const(5)



def error(settings, keys, text):
    settings.errors.append(text)
    settings.error_keys.append(keys)


def _parse_number(kind, raw):
    if isinstance(raw, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(raw, (int, float)):
        value = raw
    else:
        text = str(raw).strip()
        if not text:
            raise ValueError("empty")
        try:
            if kind == "int":
                value = int(text, 16 if "x" in text.lower() else 10)  # 0x4a: hexadecimal
            else:
                value = float(text)
        except ValueError:
            raise ValueError("expected a whole number" if kind == "int" else "expected a number")
    if kind == "int":
        if isinstance(value, float):
            if value != int(value):
                raise ValueError("expected a whole number")
            value = int(value)
        return value
    value = float(value)
    if value - value != 0:  # nan or an infinity (x - x is nan for both)
        raise ValueError("not a finite number")
    return value


def _check_range(value, lo, hi, unit):
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError("out of range %s..%s%s" % (_fmt(lo), _fmt(hi), (" " + unit) if unit else ""))
    return value


def _fmt(value):
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def parse_rom(text):
    """bytes(8) for a ROM written as 16 hex digits (separators ``:``, ``-`` or spaces allowed).

    Raises ValueError with the reason: wrong length, not hex, bad CRC, not a DS18B20.
    """
    text = text.replace(":", "").replace("-", "").replace(" ", "")  # the same string if it has none
    if len(text) != 16:
        raise ValueError("a ROM has 16 hex digits, got %d" % len(text))
    rom = bytearray(8)  # digit by digit: no string or generator made per byte
    for i in range(16):
        n = "0123456789abcdef".find(text[i].lower())
        if n < 0:
            raise ValueError("not hexadecimal")
        rom[i >> 1] = rom[i >> 1] << 4 | n
    if crc8(rom, 7) != rom[7]:
        raise ValueError("CRC check failed (typo?)")
    if rom[0] != 0x28:
        raise ValueError("family code %02x is not a DS18B20 (28)" % rom[0])
    return bytes(rom)


def parse_value(entry, raw):
    """The validated value of one SPEC entry from a raw getenv value (str or int).

    Raises ValueError with a message fit for a user.
    """
    key, kind, lo, hi, unit = entry[0], entry[1], entry[3], entry[4], entry[5]
    if kind in ("float", "int"):
        return _check_range(_parse_number(kind, raw), lo, hi, unit)
    # str() of a str copies it on MicroPython, strip() keeps it when there is nothing to strip:
    # a value read stays the string getenv made.
    text = raw if isinstance(raw, str) else str(raw)
    if kind == "text":
        if not lo <= len(text) <= hi:
            raise ValueError("length must be %d..%d characters" % (lo, hi))
        return text
    text = text.strip()
    if kind == "bool":
        text = text.lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected 0 or 1")
    if kind == "choice":
        if text not in lo:
            raise ValueError("expected one of %s" % ", ".join(lo))
        return lo[lo.index(text)]  # the table's string, not the one read
    if kind == "str":
        if not lo <= len(text) <= hi:
            raise ValueError("length must be %d..%d characters" % (lo, hi))
        for ch in text:
            if not (ch.isalpha() or ch.isdigit() or ch == "_"):
                raise ValueError("only letters, digits and _ allowed")
        return text
    if kind == "rom":
        if not text:
            return ""
        rom = parse_rom(text)
        # 16 lower-case digits, no separator, are rom_to_hex's form: the string read is kept
        return text if len(text) == 16 and text == text.lower() else rom_to_hex(rom)
    if kind == "list":
        if not text:
            return ()
        items = []
        # An IP address may be written as people write it, "192.168.1.50": with no comma and
        # more than one point it can be no single number, so the points separate its numbers.
        sep = "." if "," not in text and text.count(".") > 1 else ","
        for part in text.split(sep):
            items.append(_check_range(_parse_number("float", part), lo, hi, unit))
        return tuple(items)
    raise ValueError("unknown kind %r for %s" % (kind, key))


def load(getenv, spec=None, rules=None):
    """Settings from ``getenv(key)`` (``os.getenv`` on the device); never raises for bad input.

    ``spec``/``rules``: the table to check against, every key read; by default the whole one
    (``controller.settings_spec``), whose switched sections (settings_spec.SWITCHED) are read only
    while their switch is on, else the first time one of their keys is asked for (``read``):
    ``pending`` then holds (getenv, the index in SWITCHED of each section left unread)."""
    off = ()
    if spec is None:
        from controller import settings_spec

        parts = settings_spec.SWITCHED
        entries = ()  # every switch's entry
        for part in parts:
            entries += part[2]
        on = []
        for i in range(len(parts)):
            for key in parts[i][1]:
                raw = getenv(key)
                try:
                    # an absent or empty switch is off whatever its kind: no entry looked for
                    if raw and parse_value(find(key, entries), raw):
                        break
                except ValueError:
                    pass
            else:
                off += (i,)
            on.append(i not in off)
        spec, rules, _ = settings_spec.table(on)
    elif rules is None:
        rules = ()
    settings = Settings()
    settings.errors = []
    settings.error_keys = []
    if off:
        settings.pending = (getenv,) + off
    _read(settings, spec, getenv)
    _check_rules(settings, spec, rules)
    if settings.ntc_cold_channel == settings.ntc_hot_channel:
        error(settings, ("NTC_COLD_CHANNEL", "NTC_HOT_CHANNEL"),
                        "NTC_COLD_CHANNEL and NTC_HOT_CHANNEL must differ; using defaults 0 and 1")
        settings.ntc_cold_channel = find("NTC_COLD_CHANNEL", spec)[2]
        settings.ntc_hot_channel = find("NTC_HOT_CHANNEL", spec)[2]
    seen = {}
    for slot in range(1, _SLOTS + 1):
        key = "PROBE%d_NAME" % slot
        name = getattr(settings, key.lower())
        if name in seen:
            default = find(key, spec)[2]
            error(settings, (key, "PROBE%d_NAME" % seen[name]), "%s = %r repeats probe %d's name; using %r"
                            % (key, name, seen[name], default))
            setattr(settings, key.lower(), default)
            name = default
        seen[name] = slot
    roms = {}
    for slot in range(1, _SLOTS + 1):
        key = "PROBE%d_ROM" % slot
        rom = getattr(settings, key.lower())
        if rom and rom in roms:
            error(settings, (key, "PROBE%d_ROM" % roms[rom]),
                            "%s repeats probe %d's ROM; probe %d left unconfigured" % (key, roms[rom], slot))
            setattr(settings, key.lower(), "")
        elif rom:
            roms[rom] = slot
    return settings


def read(settings, name):
    """The setting ``name`` (lower case) of a switched section that ``load`` left unread: the
    whole section is read now (its module imported), as load reads it (its errors added), and
    its rules checked. AttributeError if no such section has ``name``. ``controller.Settings``
    calls this."""
    from controller import settings_spec

    pending = getattr(settings, "pending", ())
    key = name.upper()  # one string made, not one per key compared
    for i in pending[1:]:
        module = settings_spec.section(i)
        for entry in module.SPEC:
            if entry[0] == key:
                settings.pending = tuple(n for n in pending if n != i)
                # the section's switch was read at boot: every other entry now
                _read(settings, module.SPEC, pending[0], settings_spec.SWITCHED[i][1])
                _check_rules(settings, module.SPEC, module.ORDER_RULES)
                return getattr(settings, name)
    raise AttributeError(name)


def _read(settings, entries, getenv, keys=()):
    """Each of ``entries`` whose key is not in ``keys`` (read already), as a settings attribute. First every
    name at its default, then the values read: the names (interned strings) and the attribute
    table, which stay, are made together before the reading's garbage, and a value read finds
    its name interned (``str.lower`` then makes no new string)."""
    for entry in entries:
        if entry[0] not in keys:
            setattr(settings, entry[0].lower(), () if entry[1] == "list" and entry[2] == "" else entry[2])
    for entry in entries:
        if entry[0] not in keys:
            _value(settings, entry, getenv)


def _value(settings, entry, getenv):
    key = entry[0]
    default = entry[2]
    try:
        raw = getenv(key)
    except ValueError as exc:
        # CircuitPython <= 10.1 raises for a bare value that is not an integer (8.5, true)
        error(settings, (key,), "%s: unreadable (%s); write it in quotes, e.g. %s = \"%s\"; using default %r"
                        % (key, exc, key, _fmt(default) if default != "" else "...", default))
        return
    if raw is not None:
        try:
            value = parse_value(entry, raw)
            if type(value) is not type(default) or value != default:  # else the table's default stays
                setattr(settings, key.lower(), value)
        except ValueError as exc:
            error(settings, (key,), "%s = %r: %s; using default %r" % (key, raw, exc, default))


def find(key, spec):
    for entry in spec:
        if entry[0] == key:
            return entry
    raise KeyError(key)


def _check_rules(settings, spec, rules):
    for lo, hi, message in rules:
        if getattr(settings, lo.lower()) >= getattr(settings, hi.lower()):
            error(settings, (lo, hi), "%s; using defaults %s = %s and %s = %s" % (
                message, lo, _fmt(find(lo, spec)[2]), hi, _fmt(find(hi, spec)[2])))
            setattr(settings, lo.lower(), find(lo, spec)[2])
            setattr(settings, hi.lower(), find(hi, spec)[2])


def ntc_table(settings):
    """The NtcTable the settings describe: Beta parameters, an own table, or the default.

    Returns (table, error_or_None); on error the default table is used.
    """
    import ntc_table

    try:
        if settings.ntc_beta_r25_ohm > 0:
            # only with Beta parameters (controller.beta, forgotten after): no names kept otherwise
            return once("beta", "table_from_beta", settings.ntc_beta_r25_ohm, settings.ntc_beta_k,
                        settings.ntc_series_ohm), None
        if settings.ntc_table_raw:
            return ntc_table.NtcTable(settings.ntc_table_raw, settings.ntc_table_start_c,
                                      settings.ntc_table_step_c), None
    except ValueError as exc:
        return ntc_table.default_table(), "NTC table settings rejected (%s); using the built-in table" % exc
    return ntc_table.default_table(), None


def probes(settings):
    """[(name, rom_hex_or_empty)] for the five DS18B20 slots, in slot order."""
    out = []
    for slot in range(1, _SLOTS + 1):
        out.append((getattr(settings, "probe%d_name" % slot), getattr(settings, "probe%d_rom" % slot)))
    return out


def derived(settings):
    """What the controller builds from the settings once, at boot (``Controller(derived=...)``):
    (the NTC table, its error or None, the probe slots' [(name, rom_hex)])."""
    table, error = ntc_table(settings)
    return table, error, probes(settings)
