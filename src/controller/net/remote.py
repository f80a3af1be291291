"""Remote control from ThingsBoard: server-side RPCs and shared-attribute setting overrides.

Pure logic: bytes in, a response dict out; it never raises on bad input and never applies a
value that failed validation. Plant-safety settings cannot be changed from the network.
"""

import json

from controller import settings as settings_mod
from controller import settings_spec, spec_heater, spec_net, spec_protect
from controller.net import store as store_mod

MAX_REQUEST_BYTES = 1024
# Never from the network: sensor wiring and calibration, the safety rules, the link itself.
PROTECTED = ("PCF8591_ADDRESS", "ONEWIRE_PIN", "COOL_OFF_ARM_C", "COOL_OFF_DISARM_C", "COOL_OFF_DIFF_K",
             "OVERHEAT_C", "DECISION_MAX_AGE_S")
_PROTECTED_PREFIXES = ("NTC_", "PROBE")
_NET_ALLOWED = ("TELEMETRY_PERIOD_S", "REPLAY_BATCH", "REPLAY_PER_S")
# Read once at start: an override of these applies after a reboot.
# The link's client attributes (and "deleted"): never settings.
CLIENT_KEYS = ("deleted", "overrides", "rejected_settings", "firmware", "board", "settings", "settings_errors")
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


def apply_saved(settings, store):
    """Apply the overrides saved in ``store`` (at boot, before the controller is built).

    Returns (overrides, base, messages): base holds the settings.toml values they replaced."""
    overrides = {}
    base = {}
    messages = []
    if store is None:
        return overrides, base, messages
    try:
        saved, error = store_mod.unpack(store.read())
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


class Remote:
    """:param ctx: the Controller (gets ``overrides``)
    :param store: a store (``read()``/``write(bytes)``) or None
    :param saved: ``apply_saved``'s result, or None"""

    def __init__(self, ctx, store=None, saved=None):
        self.ctx = ctx
        self.store = store
        overrides, base, _ = saved or ({}, {}, [])
        ctx.overrides = overrides
        self.base = base
        self.rejected = {}  # key -> reason, from the last update
        self.reboot_pending = False
        self.report = False  # overrides or rejections changed since the link last reported them

    # --- settings -----------------------------------------------------------------------
    def set(self, key, raw):
        """Override one setting; "" or the reason it was rejected (then nothing changed)."""
        value, reason = check(self.ctx.settings, key, raw)
        if reason:
            self._reject(key, raw, reason)
            return reason
        attr = key.lower()
        if key not in self.base:
            self.base[key] = getattr(self.ctx.settings, attr)
        if self.ctx.overrides.get(key) != value or getattr(self.ctx.settings, attr) != value:
            setattr(self.ctx.settings, attr, value)
            self.ctx.overrides[key] = value
            self.report = True
            self.ctx.log.info("remote setting %s = %r%s" % (
                key, value, " (applies after a reboot)" if key in REBOOT_KEYS else ""))
        self.rejected.pop(key, None)
        return ""

    def unset(self, key):
        if key in self.ctx.overrides:
            setattr(self.ctx.settings, key.lower(), self.base[key])
            del self.ctx.overrides[key]
            self.report = True
            self.ctx.log.info("remote setting %s removed: back to %r" % (key, self.base[key]))

    def _reject(self, key, raw, reason):
        key = str(key)[:40]
        if len(self.rejected) < 8 or key in self.rejected:
            self.rejected[key] = reason
            self.report = True
        self.ctx.log.warn("remote setting %s = %s rejected: %s" % (key, str(raw)[:40], reason))

    def save(self):
        """Persist the overrides if they changed; an error is logged, never raised."""
        if self.store is None:
            return
        data = store_mod.pack(self.ctx.overrides)
        try:
            if self.store.read()[:len(data)] != data:
                self.store.write(data)
        except (OSError, ValueError) as exc:
            self.ctx.log.error("could not save remote settings: %s" % exc)

    def on_attributes(self, payload, full=False):
        """A shared-attributes update ({"KEY": value} or {"deleted": [...]}), or with ``full``
        the response to the request on connect ({"shared": {...}}), which is the whole set."""
        data, error = _decode(payload)
        if error:
            self._reject("(payload)", "", error)
            return
        if full:
            data = data.get("shared", {})
            if not isinstance(data, dict):
                self._reject("shared", data, "not a table")
                return
            for key in list(self.ctx.overrides):
                if key not in data:
                    self.unset(key)
        deleted = data.get("deleted")
        if isinstance(deleted, list):
            for key in deleted:
                if isinstance(key, str):
                    self.unset(key)
        for key in data:
            if key not in CLIENT_KEYS:  # our own client attributes, echoed by a plain broker
                self.set(key, data[key])
        self.save()

    # --- RPC ------------------------------------------------------------------------------
    def on_rpc(self, payload):
        """The response dict for one server-side RPC request; {"error": ...} if refused."""
        data, error = _decode(payload)
        if error:
            return {"error": error}
        method = data.get("method")
        params = data.get("params")
        from controller.net import rpc  # noqa: PLC0415 - kept out of the always-loaded code

        handler = getattr(rpc, "rpc_" + method, None) if isinstance(method, str) and method.isalpha() else None
        if handler is None:
            return {"error": "unknown method %s" % str(method)[:40]}
        try:
            return handler(self, params)
        except Exception as exc:  # noqa: BLE001 - a remote request must never crash the link
            return {"error": "%s: %s" % (method, exc)}


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
