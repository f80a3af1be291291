"""The server-side RPC methods: each takes (remote, params) and returns the response dict, or
raises ValueError/TypeError with a message for the error response. ``Remote.on_rpc`` imports
this module for each request and forgets it again (``controller.net.once``)."""

from controller import VERSION
from controller.app import AUTO, MANUAL, MANUAL_MODES


def _number(params, name, default=None):
    value = params.get(name, default) if isinstance(params, dict) else default
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s must be a number" % name)
    return value


def handle(remote, method, params):
    """The response dict for ``method``; {"error": ...} for an unknown one or bad params."""
    handler = globals().get("rpc_" + method) if isinstance(method, str) and method.isalpha() else None
    if handler is None:
        return {"error": "unknown method %s" % str(method)[:40]}
    try:
        return handler(remote, params)
    except Exception as exc:  # noqa: BLE001 - a remote request must never crash the link
        return {"error": "%s: %s" % (method, exc)}


def rpc_getStatus(remote, params):  # noqa: N802 - ThingsBoard's method names
    ctx = remote.ctx
    d = ctx.decision
    probes = {}
    for p in ctx.probes:
        if p.rom_hex:
            probes[p.name] = None if p.value_c is None else round(p.value_c, 2)
    left = None
    if ctx.manual_until_s is not None:
        left = max(0, ctx.manual_until_s - ctx.clock.now_s())
    link = ctx.link
    return {"mode": d.mode, "reason": d.reason, "duty_pct": d.duty_pct, "pump_on": bool(ctx.pump_on),
            "hot_c": None if ctx.hot.value_c is None else round(ctx.hot.value_c, 2),
            "cold_c": None if ctx.cold.value_c is None else round(ctx.cold.value_c, 2),
            "probes": probes, "faults": ctx.fault_text(),
            "manual": {"mode": ctx.manual_mode, "duty_pct": ctx.manual_duty_pct, "left_s": left},
            "overrides": dict(ctx.overrides), "uptime_s": ctx.clock.now_s(), "version": VERSION,
            "link": link.state if link is not None else "off"}


def rpc_setMode(remote, params):  # noqa: N802
    """{"mode": "auto" | "manual" | "off", "duty_pct": 0..100, "timeout_s": s}; a bare mode
    string also works. Manual and off always time out (REMOTE_MANUAL_MAX_S at most)."""
    ctx = remote.ctx
    if isinstance(params, str):
        params = {"mode": params}
    if not isinstance(params, dict):
        raise ValueError("params must be an object")
    mode = params.get("mode")
    if mode not in MANUAL_MODES:
        raise ValueError("mode must be one of " + ", ".join(MANUAL_MODES))
    cap_s = ctx.settings.remote_manual_max_s
    duty = _number(params, "duty_pct", 100 if mode == MANUAL else 0)
    timeout_s = _number(params, "timeout_s", cap_s)
    if not 0 < timeout_s <= cap_s:
        raise ValueError("timeout_s must be 0..%d s" % cap_s)
    ctx.set_manual(mode, duty, None if mode == AUTO else timeout_s)
    return {"mode": ctx.manual_mode, "duty_pct": ctx.manual_duty_pct,
            "timeout_s": None if mode == AUTO else timeout_s}


def rpc_setSetting(remote, params):  # noqa: N802
    """{"key": "MIN_DIFF_K", "value": 4.5}"""
    if not isinstance(params, dict) or not isinstance(params.get("key"), str) or "value" not in params:
        raise ValueError('params must be {"key": KEY, "value": VALUE}')
    key = params["key"]
    reason = remote.set(key, params["value"])
    if reason:
        return {"error": "%s: %s" % (key[:40], reason)}
    remote.save()
    return {"key": key, "value": remote.ctx.overrides[key]}


def rpc_clearFaults(remote, params):  # noqa: N802
    """Reset fault counters and latched protection faults; live faults come back at once."""
    ctx = remote.ctx
    ctx.i2c_errors = 0
    for name in ctx.task_restarts:
        ctx.task_restarts[name] = 0
    cleared = ["i2c_errors", "task_restarts"]
    link = ctx.link
    if link is not None:
        link.last_error = ""
        cleared.append("link_error")
    remote.rejected = {}
    ctx.protection.clear_faults()
    cleared.append("protection")
    ctx.log.info("faults cleared from ThingsBoard: " + ", ".join(cleared))
    return {"cleared": cleared, "active": ctx.fault_text()}


def rpc_reboot(remote, params):  # noqa: N802
    remote.reboot_pending = True
    remote.ctx.log.warn("reboot requested from ThingsBoard")
    return {"rebooting": True}
