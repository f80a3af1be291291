"""What arrives over MQTT: ThingsBoard's RPCs and shared attributes, the server's time, Home
Assistant's commands. Bytes in, answers and settings out; it never raises on bad input and
never applies a value that failed validation. Imported while the link handles its inbox
(``Link.step``) and forgotten after; the RPC methods (``rpc``) only for an RPC, the settings
engine (``remote``, with its table in ``limits``) only when a setting arrives."""

import json

from controller.net.link import TOPIC

# A request is at most 1024 bytes; 24 rejected settings are kept (ints written where they are
# used: a name would be a string kept on the board for good).


def handle(link):
    """Every queued message, oldest first; then "busy" for the RPCs that found the inbox full,
    and the overrides and rejections if they changed."""
    while link.inbox:
        topic, payload = link.inbox[0]
        one(link, topic, payload)
        link.inbox.pop(0)  # (after it: one that fails for want of memory is counted as dropped, see Link.step)
    for req in link.busy:
        link.mqtt.publish(TOPIC + "rpc/response/" + req, '{"error":"busy: too many requests at once; try again"}')
    if link.busy or link.inbox_lost:
        link.ctx.log.warn("network: %d RPCs answered busy, %d messages dropped (arriving too fast)" % (
            len(link.busy), link.inbox_lost))
    link.busy = []
    link.inbox_lost = 0
    if link.report:
        publish_attributes(link)


def one(link, topic, payload):
    hass = link.hass
    if hass is not None and topic in (hass.command_topic, hass.status_topic):
        from controller.net.rpc import hass_message

        hass_message(link, hass, topic, payload)
    elif topic == TOPIC + "rpc/response/%d" % link._time_id:
        _on_time(link, payload)
    elif topic.startswith(TOPIC + "rpc/request/"):
        req = topic[len(TOPIC) + 12:]
        if not (req.isdigit() and int(req) >= 1000000000):  # not our own request (see link.TOPIC),
            # echoed by a plain broker
            link.mqtt.publish(TOPIC + "rpc/response/" + req, json.dumps(answer(link, payload)))
    elif topic == TOPIC + "attributes":
        if not payload.startswith(b'{"overrides":'):  # our own, echoed by a plain broker (see link)
            on_attributes(link, payload)
    elif topic.startswith(TOPIC + "attributes/response/"):
        on_attributes(link, payload, True)


def publish_attributes(link):
    """The overrides and the rejected remote settings (firmware, board and settings go with
    them on connect: ``session.hello``)."""
    link.report = False
    link.mqtt.publish(TOPIC + "attributes", '{"overrides":%s,"rejected_settings":%s}' % (
        json.dumps(link.ctx.overrides), json.dumps(link.rejected)))


def _decode(payload):
    if len(payload) > 1024:
        return None, "request too large (%d bytes, max 1024)" % len(payload)
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeError):
        return None, "malformed JSON"
    if not isinstance(data, dict):
        return None, "expected a JSON object"
    return data, ""


def _on_time(link, payload):
    try:
        value = json.loads(payload)
    except (ValueError, UnicodeError):
        return
    if isinstance(value, dict):
        value = value.get("time", value.get("ts"))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 1e11:
        value *= 1000  # seconds
    if link.wall.set_epoch_ms(value, "server"):
        link.ctx.log.info("wall clock set from the server")


# --- remote settings -----------------------------------------------------------------------
def on_attributes(link, payload, full=False):
    """A shared-attributes update ({"KEY": value, ...} or {"deleted": [...]}), or with
    ``full`` the answer to the request on connect ({"shared": {...}}): the whole set."""
    data, error = _decode(payload)
    if error:
        settings(link, {}, (), False, {"(payload)": error})
        return
    if full:
        data = data.get("shared", {})
        if not isinstance(data, dict):
            settings(link, {}, (), False, {"shared": "not a table"})
            return
    deleted = data.pop("deleted", None)
    deletes = [k for k in deleted if isinstance(k, str)] if isinstance(deleted, list) else ()
    for key in ("overrides", "rejected_settings", "firmware", "board", "settings", "settings_errors"):
        data.pop(key, None)  # our own client attributes, echoed by a plain broker
    settings(link, data, deletes, full)


def settings(link, sets, deletes=(), full=False, refused=None):
    """Apply one update through the whole-set check (``remote.update``): log it, keep and
    report the refusals, save the overrides, and let the algorithm take a new start value
    while idle. The refusals {KEY: why} of this update."""
    from controller.net.remote import update

    ctx = link.ctx
    refused = refused or {}
    if sets or deletes or full:
        changed, more = update(ctx.settings, ctx.overrides, link.base, sets, deletes, full)
        refused.update(more)
    else:
        changed = []
    log = ctx.log
    for key, value in changed:
        how = "remote setting %s = %r" if key in ctx.overrides else "remote setting %s removed: back to %r"
        log.info(how % (key, value))
    if full:
        link.rejected = {}
    for key in sets:
        link.rejected.pop(key, None)
    for key in deletes:
        link.rejected.pop(key, None)
    for key in refused:
        text = str(sets.get(key, ""))[:40] if isinstance(sets, dict) else ""
        log.warn("remote setting %s = %s rejected: %s" % (str(key)[:40], text, refused[key]))
        if key in link.rejected or len(link.rejected) < 24:
            link.rejected[str(key)[:40]] = refused[key]
    if changed or refused:
        link.report = True
    if changed:
        link.dirty = True
        algorithm = ctx.algorithm
        if not algorithm.running:
            algorithm.stop()  # idle: the next start uses MAX_DIFF_START_K as it is now
    if link.dirty and link.store is not None:
        from controller.net.remote import save

        link.dirty = not save(link)
    return refused


def answer(link, payload):
    """The response dict for one server-side RPC request; {"error": ...} if refused. setSetting
    is answered here (its engine is ``remote``); the other methods by ``rpc``."""
    data, error = _decode(payload)
    if error:
        return {"error": error}
    method = data.get("method")
    if method != "setSetting":
        from controller.net.rpc import rpc

        return rpc(link, method, data.get("params"))
    try:
        return set_setting(link, data.get("params"))
    except Exception as exc:  # noqa: BLE001 - a remote request must never crash the link
        return {"error": "%s: %s" % (method, exc)}


def set_setting(link, params):
    """setSetting {"key": KEY, "value": VALUE}: one override, through the whole-set check."""
    if not isinstance(params, dict) or not isinstance(params.get("key"), str) or "value" not in params:
        raise ValueError('params must be {"key": KEY, "value": VALUE}')
    key = params["key"]
    refused = settings(link, {key: params["value"]})
    if key in refused:
        return {"error": "%s: %s" % (key[:40], refused[key])}
    value = link.ctx.overrides[key]
    return {"key": key, "value": list(value) if isinstance(value, tuple) else value}
