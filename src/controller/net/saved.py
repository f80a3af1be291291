"""The saved remote setting overrides, read once at boot (``apply_saved``, through the
whole-set check of ``remote.update``); ``remote`` writes the record (a small JSON record with
a length and a checksum). Imported for that and forgotten after (``controller.net.once``).
An empty or erased record (no override was ever saved, the usual case) is told without
loading ``remote`` (and its settings table): their code is compiled only when there is a
record to check."""

import json

# The record: a 6-byte header (magic, length (2), checksum (2)), then the JSON.


def unpack(data):
    """(overrides dict, error text or ""): an empty or erased record is no error."""
    if not data or len(data) > 1 and data[0] == data[1] and data[0] in (0, 255):  # empty, erased
        return {}, ""
    from controller.net.remote import MAGIC, checksum

    if len(data) < 6 or data[0:2] != MAGIC:
        return {}, "saved overrides: no valid record"
    n = (data[2] << 8) | data[3]
    body = data[6:6 + n]
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
    """Apply the overrides saved in ``store`` (at boot, before the controller is built), as a
    whole set: a saved value that no longer passes (a firmware update changed a range or a
    rule) is dropped and said. Returns (overrides, base, messages): base holds the
    settings.toml values they replaced."""
    overrides = {}
    base = {}
    out = []  # the messages
    if store is None:
        return overrides, base, out
    try:
        saved, error = unpack(store.read())
    except (OSError, ValueError) as exc:
        saved, error = {}, "saved overrides unreadable: %s" % exc
    if error:
        out.append(error)
    if not saved:  # nothing to apply (the whole-set check of an empty set changes nothing)
        return overrides, base, out
    from controller.net.remote import update

    done, bad = update(settings, overrides, base, saved, (), True)  # changed, refused (full: the whole set)
    for key in bad:
        out.append("saved override %s = %r dropped: %s" % (str(key)[:40], saved[key], bad[key]))
    for key, value in done:
        out.append("override from ThingsBoard: %s = %r" % (key, value))
    return overrides, base, out
