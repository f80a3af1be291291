"""The saved remote setting overrides: a small JSON record with a length and a checksum, read
once at boot (``apply_saved``) and written when the overrides change (``save``). Imported
for each use through ``controller.net.once`` and forgotten again: it is not kept in RAM."""

import json

from controller.net.inbound import check

_MAGIC = b"HO"
_HEADER = 6  # magic, length (2), checksum (2)


def checksum(data):
    """Fletcher-16 of ``data``."""
    a = b = 0
    for byte in data:
        a = (a + byte) % 255
        b = (b + a) % 255
    return (b << 8) | a


def pack(overrides):
    """bytes for ``overrides`` (dict key -> value)."""
    body = json.dumps(overrides).encode("utf-8")
    c = checksum(body)
    return _MAGIC + bytes((len(body) >> 8, len(body) & 255, c >> 8, c & 255)) + body


def unpack(data):
    """(overrides dict, error text or ""): an empty or erased record is no error."""
    if len(data) < _HEADER or data[0:2] != _MAGIC:
        if data[0:2] in (b"", b"\x00\x00", b"\xff\xff"):
            return {}, ""
        return {}, "saved overrides: no valid record"
    n = (data[2] << 8) | data[3]
    body = data[_HEADER:_HEADER + n]
    if len(body) != n or checksum(body) != (data[4] << 8) | data[5]:
        return {}, "saved overrides: checksum mismatch; ignored"
    try:
        value = json.loads(body)
    except ValueError:
        return {}, "saved overrides: unreadable; ignored"
    if not isinstance(value, dict):
        return {}, "saved overrides: not a table; ignored"
    return value, ""


def apply_saved(settings, store):
    """Apply the overrides saved in ``store`` (at boot, before the controller is built).

    Returns (overrides, base, messages): base holds the settings.toml values they replaced."""
    overrides = {}
    base = {}
    messages = []
    if store is None:
        return overrides, base, messages
    try:
        saved, error = unpack(store.read())
    except (OSError, ValueError) as exc:
        saved, error = {}, "saved overrides unreadable: %s" % exc
    if error:
        messages.append(error)
    for key in saved:
        value, reason = check(settings, key, saved[key])
        if reason:
            messages.append("saved override %s = %r dropped: %s" % (key, saved[key], reason))
            continue
        base[key] = getattr(settings, key.lower())
        setattr(settings, key.lower(), value)
        overrides[key] = value
        messages.append("override from ThingsBoard: %s = %r" % (key, value))
    return overrides, base, messages


def save(remote):
    """Persist ``remote``'s overrides unless the store holds them already; False (logged,
    never raised) if that failed."""
    data = pack(remote.ctx.overrides)
    try:
        if remote.store.read()[:len(data)] != data:
            remote.store.write(data)
    except (OSError, ValueError) as exc:
        remote.ctx.log.error("could not save remote settings: %s" % exc)
        return False
    return True
