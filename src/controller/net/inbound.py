"""What arrives from ThingsBoard: shared-attribute setting overrides and server-side RPCs,
handled for a ``remote.Remote``. Pure logic: bytes in, a response dict out; it never raises on
bad input and never applies a value that failed validation. Plant-safety settings cannot be
changed from the network. Imported for each message through ``controller.net.once`` and
forgotten again: none of this stays in RAM between messages.
"""

import json

from controller import settings as settings_mod
from controller import settings_spec, spec_heater, spec_net, spec_protect
from controller.net import once

MAX_REQUEST_BYTES = 1024
# Never from the network: sensor wiring and calibration, the safety rules, the link itself.
PROTECTED = ("PCF8591_ADDRESS", "ONEWIRE_PIN", "COOL_OFF_ARM_C", "COOL_OFF_DISARM_C", "COOL_OFF_DIFF_K",
             "OVERHEAT_C", "DECISION_MAX_AGE_S")
_PROTECTED_PREFIXES = ("NTC_", "PROBE")
_NET_ALLOWED = ("TELEMETRY_PERIOD_S", "REPLAY_BATCH", "REPLAY_PER_S")
# The link's client attributes (and "deleted"): never settings.
CLIENT_KEYS = ("deleted", "overrides", "rejected_settings", "firmware", "board", "settings", "settings_errors")
# Read once at start: an override of these applies after a reboot.
REBOOT_KEYS = ("CONTROL_PERIOD_S", "SENSOR_PERIOD_S", "PWM_PERIOD_S", "TELEMETRY_BUFFER")


def entry_of(key):
    for entry in settings_spec.SPEC:
        if entry[0] == key:
            return entry
    return None


def protected(key):
    if key in PROTECTED:
        return True
    for prefix in _PROTECTED_PREFIXES:
        if key.startswith(prefix):
            return True
    for part in (spec_protect, spec_heater):
        for entry in part.SPEC:
            if entry[0] == key:
                return True
    for entry in spec_net.SPEC:
        if entry[0] == key:
            return key not in _NET_ALLOWED
    return False


def overridable():
    return [e[0] for e in settings_spec.SPEC if not protected(e[0])]


def check(settings, key, raw):
    """(value, "") if ``key`` may be set to ``raw`` now, else (None, reason)."""
    if not isinstance(key, str) or entry_of(key) is None:
        return None, "unknown setting"
    if protected(key):
        return None, "safety or wiring setting: settings.toml only"
    try:
        value = settings_mod.parse_value(entry_of(key), raw)
    except (ValueError, TypeError, OverflowError) as exc:
        return None, str(exc)
    attr = key.lower()
    old = getattr(settings, attr)
    setattr(settings, attr, value)
    try:
        for low, high, message in settings_spec.ORDER_RULES:
            if getattr(settings, low.lower()) >= getattr(settings, high.lower()):
                return None, message
    finally:
        setattr(settings, attr, old)
    return value, ""


def shared_keys():
    """The attribute request's "sharedKeys": every overridable setting, comma-separated."""
    return ",".join(overridable())


def set_setting(remote, key, raw):
    """Override one setting; "" or the reason it was rejected (then nothing changed)."""
    ctx = remote.ctx
    value, reason = check(ctx.settings, key, raw)
    if reason:
        _reject(remote, key, raw, reason)
        return reason
    attr = key.lower()
    if key not in remote.base:
        remote.base[key] = getattr(ctx.settings, attr)
    if ctx.overrides.get(key) != value or getattr(ctx.settings, attr) != value:
        setattr(ctx.settings, attr, value)
        ctx.overrides[key] = value
        remote.report = remote.dirty = True
        ctx.log.info("remote setting %s = %r%s" % (
            key, value, " (applies after a reboot)" if key in REBOOT_KEYS else ""))
    remote.rejected.pop(key, None)
    return ""


def _unset(remote, key):
    ctx = remote.ctx
    if key in ctx.overrides:
        setattr(ctx.settings, key.lower(), remote.base[key])
        del ctx.overrides[key]
        remote.report = remote.dirty = True
        ctx.log.info("remote setting %s removed: back to %r" % (key, remote.base[key]))


def _reject(remote, key, raw, reason):
    key = str(key)[:40]
    if len(remote.rejected) < 8 or key in remote.rejected:
        remote.rejected[key] = reason
        remote.report = True
    remote.ctx.log.warn("remote setting %s = %s rejected: %s" % (key, str(raw)[:40], reason))


def on_attributes(remote, payload, full=False):
    """A shared-attributes update ({"KEY": value} or {"deleted": [...]}), or with ``full``
    the response to the request on connect ({"shared": {...}}), which is the whole set."""
    data, error = _decode(payload)
    if error:
        _reject(remote, "(payload)", "", error)
        return
    if full:
        data = data.get("shared", {})
        if not isinstance(data, dict):
            _reject(remote, "shared", data, "not a table")
            return
        for key in list(remote.ctx.overrides):
            if key not in data:
                _unset(remote, key)
    deleted = data.get("deleted")
    if isinstance(deleted, list):
        for key in deleted:
            if isinstance(key, str):
                _unset(remote, key)
    for key in data:
        if key not in CLIENT_KEYS:  # our own client attributes, echoed by a plain broker
            set_setting(remote, key, data[key])
    remote.save()


def on_rpc(remote, payload):
    """The response dict for one server-side RPC request; {"error": ...} if refused."""
    data, error = _decode(payload)
    if error:
        return {"error": error}
    return once("rpc", "handle", remote, data.get("method"), data.get("params"))


def _decode(payload):
    if len(payload) > MAX_REQUEST_BYTES:
        return None, "request too large (%d bytes, max %d)" % (len(payload), MAX_REQUEST_BYTES)
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeError):
        return None, "malformed JSON"
    if not isinstance(data, dict):
        return None, "expected a JSON object"
    return data, ""
