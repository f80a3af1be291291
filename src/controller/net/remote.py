"""Remote settings: the overrides ThingsBoard sets (shared attributes, the setSetting RPC),
checked as one whole set. Every update, deletion, the full set on connect and the saved
record at boot go through ``update``, so the settings in force always satisfy every rule
between keys, the protected keys' rules too. Imported while a message is handled (or at
boot) and forgotten after: see ``controller.net.once``."""

import json

from controller.net.limits import RULES, TABLE, WHY

MAGIC = b"HO"  # the saved record: magic, length (2), checksum (2), JSON


def row(key):
    """The table line of ``key`` split in words, or None for an unknown key."""
    if isinstance(key, str) and key:
        key = "\n" + key + " "
        for text in TABLE:  # texts of whole lines, each starting and ending with a newline
            at = text.find(key)
            if at >= 0:
                return text[at + 1:text.find("\n", at + 1)].split(" ")
    return None


def check(key, raw):
    """(value, "") if ThingsBoard may set ``key`` to ``raw`` (the key alone, no rules),
    else (None, why not)."""
    parts = row(key)
    if parts is None:
        return None, "unknown setting"
    if len(parts) == 2:
        return None, WHY[parts[1]]
    try:
        return parse(parts[1], parts[2], parts[3], "" if parts[4] == "." else parts[4], raw), ""
    except (ValueError, TypeError, OverflowError) as exc:
        return None, str(exc)


# The loader's rules for a value (controller.settings.parse_value), for the kinds ThingsBoard
# may set, here because the loader is read at boot and not kept: the link must not compile it
# again for each setting. tests/test_net_core.py holds the two to the same values and words.

def parse(kind, lo, hi, unit, raw):
    """The value of a setting of ``kind`` (a table letter) from ``raw``; ValueError (the
    loader's words) when it does not fit."""
    if kind in "fil":
        if kind == "l":
            if isinstance(raw, list):  # a JSON array of numbers
                raw = ",".join([str(x) for x in raw])
            text = str(raw).strip()
            return tuple([_range(_number("f", part), lo, hi, unit) for part in text.split(",")]) if text else ()
        return _range(_number(kind, raw), lo, hi, unit)
    if kind == "b":
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected 0 or 1")
    text = str(raw) if kind == "t" else str(raw).strip()
    if kind == "c":
        choices = lo.split("|")
        if text not in choices:
            raise ValueError("expected one of %s" % ", ".join(choices))
        return text
    if not int(lo) <= len(text) <= int(hi):
        raise ValueError("length must be %s..%s characters" % (lo, hi))
    if kind == "s":
        for ch in text:
            if not (ch.isalpha() or ch.isdigit() or ch == "_"):
                raise ValueError("only letters, digits and _ allowed")
    return text


def _number(kind, raw):
    if isinstance(raw, bool):
        raise ValueError("expected a number, got a boolean")
    value = raw
    if not isinstance(raw, (int, float)):
        text = str(raw).strip()
        if not text:
            raise ValueError("empty")
        try:
            if kind == "i":
                lowered = text.lower()
                value = int(text, 16 if lowered.startswith("0x") or lowered.startswith("-0x") else 10)
            else:
                value = float(text)
        except ValueError:
            raise ValueError("expected a whole number" if kind == "i" else "expected a number")
    if kind == "i":
        if isinstance(value, float):
            if value != int(value):
                raise ValueError("expected a whole number")
            value = int(value)
        return value
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value


def _range(value, lo, hi, unit):
    if not float(lo) <= value <= float(hi):
        raise ValueError("out of range %s..%s%s" % (_text(lo), _text(hi), (" " + unit) if unit else ""))
    return value


def _text(number):
    """A bound as the loader writes it: 30.0 -> "30", 0.5 -> "0.5"."""
    return number[:-2] if number.endswith(".0") else number


def update(settings, overrides, base, sets, deletes=(), full=False):
    """Apply one update to the overrides as a whole set; returns (changed, refused).

    :param settings: the Settings in force (changed in place)
    :param overrides: {KEY: value} in force (changed in place)
    :param base: {KEY: settings.toml value} of the overridden keys (changed in place)
    :param sets: {KEY: raw value} this update sets; ``deletes``: keys it deletes
    :param full: ``sets`` is the whole set (the answer on connect, the saved record): an
        override not in it goes

    A refused value changes nothing (a live update keeps the override in force; with
    ``full`` the key falls back to settings.toml). When the resulting set breaks a rule
    between keys, the keys of this update in that rule are refused; if none is, the older
    overrides in it go (a deletion may leave them inconsistent). ``changed``: [(KEY, value)]
    now in force; ``refused``: {KEY: why}."""
    refused = {}
    want = {} if full else dict(overrides)
    for key in deletes:
        want.pop(key, None)
    fresh = []
    for key in sets:
        value, why = check(key, sets[key])
        if why:
            refused[key] = why
        else:
            want[key] = value
            fresh.append(key)

    def now(k):
        if k in want:
            return want[k]
        return base[k] if k in base else getattr(settings, k.lower())

    rules = RULES.split(" ")
    guard = 4 * len(rules)
    while guard:
        guard -= 1
        bad = None
        for rule in rules:
            low, high = rule.split("<")
            if now(low) >= now(high):
                bad = (low, high)
                break
        if bad is None:
            break
        drop = [k for k in bad if k in fresh] or [k for k in bad if k in want]
        if not drop:
            break  # two settings.toml values: the loader already said so
        for k in drop:
            refused[k] = "%s must be below %s" % bad
            if k in fresh:
                fresh.remove(k)
                if k in overrides and not full:
                    want[k] = overrides[k]
                    continue
            want.pop(k, None)
    changed = []
    for key in list(overrides) + [k for k in want if k not in overrides]:
        attr = key.lower()
        if key in want:
            value = want[key]
            if key not in base:
                base[key] = getattr(settings, attr)
        else:
            value = base.pop(key)
        if getattr(settings, attr) != value or (key in want) != (key in overrides):
            setattr(settings, attr, value)
            changed.append((key, value))
    overrides.clear()
    overrides.update(want)
    return changed, refused


def checksum(data):
    """Fletcher-16 of ``data``."""
    a = b = 0
    for byte in data:
        a = (a + byte) % 255
        b = (b + a) % 255
    return (b << 8) | a


def pack(overrides):
    """The saved record (bytes) of ``overrides`` (dict key -> value)."""
    body = json.dumps(overrides).encode("utf-8")
    c = checksum(body)
    return MAGIC + bytes((len(body) >> 8, len(body) & 255, c >> 8, c & 255)) + body


def save(link):
    """Persist the link's overrides unless the store holds them already; False (logged,
    never raised) if that failed."""
    data = pack(link.ctx.overrides)
    try:
        if link.store.read()[:len(data)] != data:
            link.store.write(data)
    except (OSError, ValueError) as exc:
        link.ctx.log.error("could not save remote settings: %s" % exc)
        return False
    return True
