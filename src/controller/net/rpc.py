"""ThingsBoard's server-side RPCs: getStatus, setMode, setSetting, clearFaults, reboot, and
Home Assistant's switch (through setMode). Each answer is a dict ({"error": ...} if refused);
a refused request changes nothing. Imported for an RPC or a Home Assistant message
(``inbound``) and forgotten after."""

import json

from controller import VERSION
from controller.net.inbound import set_setting


def rpc(link, method, params):
    """The response dict for ``method``; {"error": ...} for an unknown one or bad params."""
    try:
        if method == "getStatus":
            return _status(link)
        if method == "setMode":
            return _set_mode(link, params)
        if method == "setSetting":
            return set_setting(link, params)
        if method == "clearFaults":
            return _clear_faults(link)
        if method == "reboot":
            link.reboot_pending = True
            link.ctx.log.warn("reboot requested from ThingsBoard")
            return {"rebooting": True}
    except Exception as exc:  # noqa: BLE001 - a remote request must never crash the link
        return {"error": "%s: %s" % (method, exc)}
    return {"error": "unknown method %s" % str(method)[:40]}


def _number(params, name, default):
    value = params.get(name, default)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s must be a number" % name)
    return value


def _set_mode(link, params):
    """{"mode": "auto" | "manual" | "off", "duty_pct": 0..100, "timeout_s": s}; a bare mode
    string also works. Manual and off always time out (REMOTE_MANUAL_MAX_S at most)."""
    ctx = link.ctx
    if isinstance(params, str):
        params = {"mode": params}
    if not isinstance(params, dict):
        raise ValueError("params must be an object")
    mode = params.get("mode")
    if mode not in ("auto", "manual", "off"):
        raise ValueError("mode must be one of auto, manual, off")
    cap_s = ctx.settings.remote_manual_max_s
    duty = _number(params, "duty_pct", 100 if mode == "manual" else 0)
    timeout_s = _number(params, "timeout_s", cap_s)
    if not 0 < timeout_s <= cap_s:
        raise ValueError("timeout_s must be 0..%d s" % cap_s)
    ctx.set_manual(mode, duty, None if mode == "auto" else timeout_s)
    return {"mode": ctx.manual_mode, "duty_pct": ctx.manual_duty_pct,
            "timeout_s": None if mode == "auto" else timeout_s}


def _c(value):
    return None if value is None else round(value, 2)


def _status(link):
    ctx = link.ctx
    d = ctx.decision
    probes = {}
    for p in ctx.probes:
        if p.rom_hex:
            probes[p.name] = _c(p.value_c)
    left = None
    if ctx.manual_until_s is not None:
        left = max(0, ctx.manual_until_s - ctx.clock.now_s())
    heater = ctx.heater
    out = {"mode": d.mode, "reason": d.reason, "duty_pct": d.duty_pct, "pump_on": bool(ctx.pump_on),
           "hot_c": _c(ctx.hot.value_c), "cold_c": _c(ctx.cold.value_c), "probes": probes, "faults": ctx.fault_text(),
           "manual": {"mode": ctx.manual_mode, "duty_pct": ctx.manual_duty_pct, "left_s": left},
           "overrides": dict(ctx.overrides), "uptime_s": ctx.clock.now_s(), "version": VERSION, "link": link.state}
    if heater is not None:
        out["heater"] = {"state": heater.state, "reason": heater.reason, "source": heater.source}
    return out


def _clear_faults(link):
    """Reset fault counters, rejected settings and latched protection faults; live faults
    come back at once."""
    ctx = link.ctx
    ctx.i2c_errors = 0
    for name in ctx.task_restarts:
        ctx.task_restarts[name] = 0
    link.last_error = ""
    link.rejected = {}
    link.report = True
    ctx.protection.clear_faults()
    ctx.log.info("faults cleared from ThingsBoard")
    return {"cleared": ["i2c_errors", "task_restarts", "link_error", "rejected_settings", "protection"],
            "active": ctx.fault_text()}


def hass_message(link, hass, topic, payload):
    """Home Assistant: "online" on its status topic (it restarted: it wants the configs), or a
    switch command (``hass_command``); the state goes again either way."""
    mqtt = link.mqtt
    if topic == hass.status_topic:
        if payload == b"online":
            from controller.net.session import hass_online

            hass_online(hass, mqtt)
        return
    error = hass_command(link, payload)
    if error:
        hass.rejected += 1
        text = repr(payload[:40]) + ("..." if len(payload) > 40 else "")
        link.ctx.log.warn("Home Assistant: pump command %s rejected: %s" % (text, error))
    else:
        hass.commands += 1
    hass.publish_state(mqtt)  # the switch shows what really happened


def hass_command(link, payload):
    """Apply a switch command ("ON", "OFF" or setMode params) through the setMode RPC; "" or
    why it was refused."""
    if len(payload) > 256:
        return "too long (%d bytes)" % len(payload)
    if payload == b"ON":
        params = {"mode": "manual"}
    elif payload == b"OFF":
        params = {"mode": "auto"}
    else:
        try:
            params = json.loads(payload)
        except (ValueError, UnicodeError):
            return 'expected ON, OFF or setMode params such as {"mode": "manual", "duty_pct": 50}'
        if not isinstance(params, dict):
            return "expected ON, OFF or a JSON object"
    return rpc(link, "setMode", params).get("error", "")
