"""ThingsBoard device profile (alarm rules), alarm rules as calculated fields, and dashboard for
the controller, generated from the firmware's own tables, so they cannot name a key, RPC or
range the firmware does not have.

  hwc thingsboard export DIR                    both forms (see below) and the dashboard
  hwc thingsboard export DIR --tb-version 4.4   only what that ThingsBoard version imports

ThingsBoard 3.3 to 4.2 evaluate alarm rules kept in the device profile (``profileData.alarms``,
by the root rule chain's device profile node). From 4.3 the default root rule chain no longer
has that node, and alarm rules are calculated fields of type ALARM: the export writes those as
one JSON file each under ``alarm-rules-4.3/`` (import them on the device profile, Calculated
fields / Alarm rules, + > Import). The dashboard imports on every version from 3.3.

Import the profile in ThingsBoard under Profiles > Device profiles (+ > Import device profile), the
dashboard under Dashboards (+ > Import dashboard). docs/dashboard.md describes every alarm rule
and widget; docs/first-hour.md the steps.

Sources: telemetry keys from ``hwc.netapi.telemetry_keys`` (sensor names from the settings
table's defaults, or from ``--settings FILE``), RPC methods from ``hwc.netapi.RPC``, shared
attributes and their ranges from ``hwc.netapi.shared_attributes``. The documents follow
ThingsBoard's own data classes; tests/test_thingsboard_json.py checks them against those
classes' fields and enums for each supported version.
"""

import argparse
import json
import pathlib
import uuid

from controller import VERSION
from hwc import netapi as api
from controller.settings_spec import PROBE_DEFAULT_NAMES
from controller.spec_kinds import C, I

PROFILE_NAME = "solar-hwc"
PROFILE_FILE = "solar-hwc-device-profile.json"
DASHBOARD_FILE = "solar-hwc-dashboard.json"
CF_DIR = "alarm-rules-4.3"  # one calculated field (type ALARM) per file, for ThingsBoard 4.3 and later
# The ThingsBoard versions the export supports, oldest first; from CF_FROM on alarm rules are
# calculated fields (the device profile's rules are not evaluated any more).
TB_VERSIONS = ("3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "4.0", "4.1", "4.2", "4.3", "4.4")
CF_FROM = "4.3"
NTC_NAMES = ("hot", "cold")  # the firmware's telemetry names of the collector and tank NTCs

# Modes (telemetry `mode`) that mean the plant is protecting itself, by alarm severity. "overheat"
# is the pump algorithm's; the others come with the plant-protection work: update here.
PROTECTION_MODES = {
    "CRITICAL": ["emergency", "tank_cutoff", "lockout"],
    "MAJOR": ["overheat", "tank_max", "no_flow"],
    "WARNING": ["collector_cooling", "recool", "frost"],
}
# "tube_kick" (a short pump run to read evacuated tubes) is normal operation: no alarm.

# Alarm thresholds: (server attribute, default, unit, meaning). A device server attribute of that
# name overrides the default; with none, the customer's and then the tenant's server attribute.
THRESHOLDS = {
    "tank_cold": ("tank_cold_alarm_c", 40.0, "C", "tank bottom (cold_c) below this ..."),
    "tank_cold_for": ("tank_cold_alarm_min", 30, "min", "... for this long raises 'Tank cold'"),
    "relief": ("relief_risk_c", 90.0, "C", "tank bottom above this raises 'Relief valve risk'"),
    "dropped": ("dropped_alarm_points", 0, "points", "more telemetry points lost than this since boot"),
}

# The tunables the dashboard's settings form shows (every one must be a shared attribute).
MAIN_TUNABLES = (
    "CONTROL_STRATEGY", "MAX_DIFF_START_K", "MIN_DIFF_K", "MAX_DIFF_GROW", "MAX_DIFF_SHRINK",
    "MAX_DIFF_CEILING_K", "DUTY_SHRINK_BELOW_PCT", "DUTY_ROUND_UP_PCT", "DUTY_ROUND_DOWN_PCT", "PURGE_S",
    "DIFF_ON_K", "DIFF_OFF_K", "PROP_NOMINAL_K", "PROP_MIN_DUTY_PCT", "TELEMETRY_PERIOD_S",
)
# The heater's, on a form of their own (HEATER_ENABLED, the pin, the top probe and the cut-off are
# settings.toml only).
HEATER_TUNABLES = (
    "HEATER_SETPOINT_C", "HEATER_TARIFF", "HEATER_SLOTS", "HEATER_WINDOW_START_H", "HEATER_WINDOW_END_H",
    "HEATER_MARGIN_W", "HEATER_IMPORT_W", "HEATER_ON_WAIT_S", "HEATER_OFF_WAIT_S", "HEATER_MIN_ON_S",
    "HEATER_MIN_OFF_S", "HEATER_LEGIONELLA_C", "HEATER_LEGIONELLA_DAYS", "HEATER_GAS_P_KWH",
)

# The "Pump mode" card's buttons: (label, method, params). Timeouts stay within REMOTE_MANUAL_MAX_S's
# default.
RPC_BUTTONS = (
    ("Auto", "setMode", {"mode": "auto"}),
    ("Pump 100 % for 1 h", "setMode", {"mode": "manual", "duty_pct": 100, "timeout_s": 3600}),
    ("Pump 50 % for 30 min", "setMode", {"mode": "manual", "duty_pct": 50, "timeout_s": 1800}),
    ("Pump off for 1 h", "setMode", {"mode": "off", "timeout_s": 3600}),
    ("Clear faults", "clearFaults", {}),
)

_NS = uuid.UUID("6f1c3a52-2d0e-4b8e-9a57-5f0c4e7d2b10")  # fixed: the output is the same every run
ALIAS_NAME = "solar-hwc device"


def _id(name):
    """A stable UUID for a widget or alias name."""
    return str(uuid.uuid5(_NS, name))


ALIAS_ID = _id("alias:" + ALIAS_NAME)


def sensor_names(probe_names=PROBE_DEFAULT_NAMES):
    """The telemetry names of all sensors: the two NTCs, then the probes."""
    return list(NTC_NAMES) + list(probe_names)


def shared_entry(key):
    """The settings-table entry of a setting ThingsBoard may override (a shared attribute)."""
    for entry in api.shared_attributes():
        if entry[0] == key:
            return entry
    raise ValueError("%s is not a setting the firmware takes as a shared attribute" % key)


def check_published(keys, names):
    """Raise ValueError for a telemetry key the firmware does not publish."""
    missing = sorted(set(keys) - set(api.telemetry_keys(names)))
    if missing:
        raise ValueError("not telemetry the firmware publishes: " + ", ".join(missing))


# --- alarm rules, described once ------------------------------------------------------------
# A rule is (filters, details, duration): every filter must hold, for ``duration`` minutes =
# (default, threshold attribute) if given. A filter is (key, key type, value type, predicate):
# key type TIME_SERIES (telemetry) or ATTRIBUTE (ThingsBoard's own "active"); a predicate is
# ("NUMERIC", operation, default, threshold attribute or None), ("STRING", operation, text),
# ("BOOLEAN", operation, value) or ("COMPLEX", "AND" | "OR", [predicate, ...]). An alarm is
# (id, alarm type, {severity: rule}, clear rule). ``profile_alarm`` and ``calculated_field``
# write one in ThingsBoard's two forms.

def _rule(filters, details, minutes=None):
    return (filters, details, minutes)


def _ts(key, value_type, predicate):
    return (key, "TIME_SERIES", value_type, predicate)


def alarm_tank_cold():
    attr_c, default_c, _, _ = THRESHOLDS["tank_cold"]
    attr_min, default_min, _, _ = THRESHOLDS["tank_cold_for"]
    return ("tank_cold", "Tank cold",
            {"MAJOR": _rule([_ts("cold_c", "NUMERIC", ("NUMERIC", "LESS", default_c, attr_c))],
                            "tank bottom below the cold threshold for too long", (default_min, attr_min))},
            _rule([_ts("cold_c", "NUMERIC", ("NUMERIC", "GREATER_OR_EQUAL", default_c, attr_c))],
                  "tank bottom warm again"))


def alarm_protection():
    create = {}
    for severity, modes in PROTECTION_MODES.items():
        create[severity] = _rule([_ts("mode", "STRING", ("COMPLEX", "OR", [("STRING", "EQUAL", m) for m in modes]))],
                                 "plant protection mode: " + ", ".join(modes))
    every = [m for modes in PROTECTION_MODES.values() for m in modes]
    clear = ("COMPLEX", "AND", [("STRING", "NOT_EQUAL", m) for m in every])
    return ("protection", "Collector overheat / emergency stop", create,
            _rule([_ts("mode", "STRING", clear)], "back to normal operation"))


def alarm_sensor_fault(name):
    severity = "MAJOR" if name in NTC_NAMES else "WARNING"
    key = name + "_fault"
    return ("fault_" + name, "Sensor fault: " + name,
            {severity: _rule([_ts(key, "NUMERIC", ("NUMERIC", "EQUAL", 1, None))], name + " sensor faulty")},
            _rule([_ts(key, "NUMERIC", ("NUMERIC", "EQUAL", 0, None))], name + " sensor reads again"))


def alarm_offline():
    def active(value):
        return ("active", "ATTRIBUTE", "BOOLEAN", ("BOOLEAN", "EQUAL", value))

    return ("offline", "Device offline",
            {"MAJOR": _rule([active(False)], "no data for longer than the inactivity timeout")},
            _rule([active(True)], "the device sends again"))


def alarm_relief_risk():
    attr, default, _, _ = THRESHOLDS["relief"]
    return ("relief_risk", "Relief valve risk",
            {"CRITICAL": _rule([_ts("cold_c", "NUMERIC", ("NUMERIC", "GREATER", default, attr))],
                               "tank near the hard cut-off: the relief valve may open")},
            _rule([_ts("cold_c", "NUMERIC", ("NUMERIC", "LESS_OR_EQUAL", default, attr))],
                  "tank below the relief-risk threshold"))


def alarm_dropped():
    attr, default, _, _ = THRESHOLDS["dropped"]
    return ("dropped", "Telemetry dropped",
            {"WARNING": _rule([_ts("dropped", "NUMERIC", ("NUMERIC", "GREATER", default, attr))],
                              "the offline buffer could not hold the outage: points were lost")},
            _rule([_ts("dropped", "NUMERIC", ("NUMERIC", "LESS_OR_EQUAL", default, attr))],
                  "no points lost (device restarted)"))


def alarms(names=None):
    """Every alarm (neutral form), checked against the telemetry the firmware publishes."""
    names = names or sensor_names()
    out = [alarm_tank_cold(), alarm_protection()] + [alarm_sensor_fault(n) for n in names]
    out += [alarm_offline(), alarm_relief_risk(), alarm_dropped()]
    check_published([f[0] for a in out for r in list(a[2].values()) + [a[3]] for f in r[0] if f[1] == "TIME_SERIES"],
                    names)
    return out


# --- the device profile form (ThingsBoard 3.3 to 4.2) -------------------------------------------

def _value(default, attribute=None):
    """A FilterPredicateValue: ``default`` unless the device (or its customer/tenant) has ``attribute``."""
    dynamic = None
    if attribute:
        dynamic = {"sourceType": "CURRENT_DEVICE", "sourceAttribute": attribute, "inherit": True}
    return {"defaultValue": default, "userValue": None, "dynamicValue": dynamic}


def _profile_predicate(p):
    if p[0] == "COMPLEX":
        return {"type": "COMPLEX", "operation": p[1], "predicates": [_profile_predicate(q) for q in p[2]]}
    if p[0] == "NUMERIC":
        return {"type": "NUMERIC", "operation": p[1], "value": _value(p[2], p[3])}
    if p[0] == "STRING":
        return {"type": "STRING", "operation": p[1], "value": _value(p[2]), "ignoreCase": False}
    return {"type": "BOOLEAN", "operation": p[1], "value": _value(p[2])}


def _profile_rule(rule):
    filters, details, minutes = rule
    spec = {"type": "SIMPLE"}
    if minutes is not None:
        spec = {"type": "DURATION", "unit": "MINUTES", "predicate": _value(minutes[0], minutes[1])}
    return {"condition": {"condition": [{"key": {"type": t, "key": k}, "valueType": vt, "value": None,
                                         "predicate": _profile_predicate(p)} for k, t, vt, p in filters],
                          "spec": spec},
            "schedule": None, "alarmDetails": details, "dashboardId": None}


def profile_alarm(alarm):
    """A DeviceProfileAlarm (fields every version from 3.3 to 4.2 knows)."""
    alarm_id, alarm_type, create, clear = alarm
    return {"id": alarm_id, "alarmType": alarm_type,
            "createRules": {sev: _profile_rule(r) for sev, r in create.items()}, "clearRule": _profile_rule(clear),
            "propagate": False, "propagateRelationTypes": None}


def device_profile(names=None, with_alarms=True):
    """The device profile (ThingsBoard export format), with every alarm rule unless
    ``with_alarms`` is False (4.3 and later: the rules are calculated fields)."""
    rules = [profile_alarm(a) for a in alarms(names)] if with_alarms else []
    return {
        "name": PROFILE_NAME,
        "description": "solar-hwc %s: %s (generated by `hwc thingsboard export`)" % (
            VERSION, "alarm rules for the solar hot-water controller, ThingsBoard 3.3 to 4.2" if with_alarms else
            "the solar hot-water controller; its alarm rules are calculated fields (%s/)" % CF_DIR),
        "image": None, "type": "DEFAULT", "transportType": "DEFAULT", "provisionType": "DISABLED",
        "defaultRuleChainId": None, "defaultDashboardId": None, "defaultQueueName": None,
        "provisionDeviceKey": None, "firmwareId": None, "softwareId": None, "default": False,
        "profileData": {
            "configuration": {"type": "DEFAULT"},
            "transportConfiguration": {"type": "DEFAULT"},
            "provisionConfiguration": {"type": "DISABLED", "provisionDeviceSecret": None},
            "alarms": rules,
        },
    }


# --- the calculated field form (ThingsBoard 4.3 and later) ---------------------------------------

def _cf_value(default, attribute=None):
    """An AlarmConditionValue: the argument of ``attribute`` (its default is the argument's
    defaultValue), else the static value."""
    return {"dynamicValueArgument": attribute} if attribute else {"staticValue": default}


def _cf_predicate(p):
    if p[0] == "COMPLEX":
        return {"type": "COMPLEX", "operation": p[1], "predicates": [_cf_predicate(q) for q in p[2]]}
    out = {"type": p[0], "operation": p[1], "value": _cf_value(p[2], p[3] if p[0] == "NUMERIC" else None)}
    if p[0] == "STRING":
        out["ignoreCase"] = False
    return out


def _cf_rule(rule, arguments):
    filters, details, minutes = rule
    for key, key_type, _vt, p in filters:
        arguments[key] = {"refEntityKey": {"key": key, "type": "TS_LATEST"} if key_type == "TIME_SERIES" else
                          {"key": key, "type": "ATTRIBUTE", "scope": "SERVER_SCOPE"}}
        stack = [p]
        while stack:
            q = stack.pop()
            if q[0] == "COMPLEX":
                stack.extend(q[2])
            elif q[0] == "NUMERIC" and q[3]:
                arguments[q[3]] = {"refEntityKey": {"key": q[3], "type": "ATTRIBUTE", "scope": "SERVER_SCOPE"},
                                   "defaultValue": str(q[2])}
    condition = {"type": "SIMPLE", "expression": {
        "type": "SIMPLE", "operation": "AND",
        "filters": [{"argument": key, "valueType": vt, "operation": "AND", "predicates": [_cf_predicate(p)]}
                    for key, _t, vt, p in filters]}}
    if minutes is not None:
        default, attribute = minutes
        arguments[attribute] = {"refEntityKey": {"key": attribute, "type": "ATTRIBUTE", "scope": "SERVER_SCOPE"},
                                "defaultValue": str(default)}
        condition.update({"type": "DURATION", "unit": "MINUTES", "value": _cf_value(default, attribute)})
    return {"condition": condition, "alarmDetails": details, "dashboardId": None}


def calculated_field(alarm):
    """The alarm as a calculated field of type ALARM (its name is the alarm type): the
    arguments are the telemetry and attributes its rules read, the thresholds being server
    attributes of the device with the profile's defaults."""
    _alarm_id, alarm_type, create, clear = alarm
    arguments = {}
    config = {"type": "ALARM", "arguments": arguments,
              "createRules": {sev: _cf_rule(r, arguments) for sev, r in create.items()},
              "clearRule": _cf_rule(clear, arguments),
              "propagate": False, "propagateToOwner": False, "propagateToTenant": False, "propagateRelationTypes": None}
    return {"name": alarm_type, "type": "ALARM", "configurationVersion": 0, "configuration": config,
            "debugSettings": {"failuresEnabled": True, "allEnabled": False, "allEnabledUntil": 0}}


def cf_file(alarm):
    """The file name of an alarm's calculated field."""
    return "%s/%s.json" % (CF_DIR, alarm[0])


# --- dashboard: widgets --------------------------------------------------------------------------

_COLORS = ("#e53935", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#546e7a")


def _key(name, key_type="timeseries", label=None, units="", decimals=None, settings=None, index=0):
    key = {"name": name, "type": key_type, "label": label or name, "color": _COLORS[index % len(_COLORS)],
           "settings": settings or {}, "_hash": round((uuid.uuid5(_NS, name).int % 10 ** 8) / 10 ** 8, 8)}
    if units:
        key["units"] = units
    if decimals is not None:
        key["decimals"] = decimals
    return key


def _datasource(keys):
    return {"type": "entity", "name": "", "entityAliasId": ALIAS_ID, "filterId": None, "dataKeys": keys}


def _realtime(window_ms):
    return {"realtime": {"timewindowMs": window_ms, "interval": 60000 if window_ms > 3600000 else 1000},
            "aggregation": {"type": "AVG" if window_ms > 3600000 else "NONE", "limit": 2000}}


def _widget(fqn, widget_type, title, size, config):
    """A widget entry: both the 3.6+ ``typeFullFqn`` and the older bundleAlias/typeAlias."""
    bundle, alias = fqn.split(".")
    base = {"showTitle": True, "title": title, "backgroundColor": "#fff", "color": "rgba(0, 0, 0, 0.87)",
            "padding": "8px", "dropShadow": True, "enableFullscreen": True, "useDashboardTimewindow": False,
            "showLegend": False, "widgetStyle": {}, "titleStyle": {"fontSize": "16px", "fontWeight": 400},
            "actions": {}, "settings": {}}
    base.update(config)
    return {"typeFullFqn": "system." + fqn, "isSystemType": True, "bundleAlias": bundle, "typeAlias": alias,
            "type": widget_type, "title": title, "sizeX": size[0], "sizeY": size[1], "config": base,
            "id": _id("widget:" + title)}


def gauge(key, title, low_c, high_c):
    settings = {"minValue": low_c, "maxValue": high_c, "units": "°C", "decimals": 1, "showValue": True,
                "showMinMax": True, "gaugeType": "donut", "levelColors": ["#1e88e5", "#43a047", "#fb8c00", "#e53935"]}
    return _widget("digital_gauges.digital_thermometer", "latest", title, (5, 5),
                   {"datasources": [_datasource([_key(key, label=title, units="°C", decimals=1)])],
                    "timewindow": _realtime(60000), "settings": settings})


def time_series(title, keys, hours):
    chart = {"showLegend": True, "legendConfig": {"direction": "column", "position": "bottom", "showMin": True,
                                                   "showMax": True, "showAvg": False, "showTotal": False},
             "settings": {"shadowSize": 0, "smoothLines": False, "tooltipIndividual": False,
                          "yaxis": {"title": "°C"}}}
    chart.update({"datasources": [_datasource(keys)], "timewindow": _realtime(hours * 3600 * 1000)})
    return _widget("charts.basic_timeseries", "timeseries", title, (16, 7), chart)


def values_card(title, keys, size=(8, 5)):
    return _widget("cards.attributes_card", "latest", title, size,
                   {"datasources": [_datasource(keys)], "timewindow": _realtime(60000)})


def alarms_table(title):
    columns = [_key(n, "alarm", label, index=i) for i, (n, label) in
               enumerate((("createdTime", "Created"), ("type", "Alarm"), ("severity", "Severity"),
                          ("status", "Status"), ("details", "Details")))]
    return _widget("alarm_widgets.alarms_table", "alarm", title, (12, 7), {
        "alarmSource": {"type": "entity", "name": "alarms", "entityAliasId": ALIAS_ID, "dataKeys": columns},
        "alarmSearchStatus": "ACTIVE", "alarmStatusList": ["ACTIVE"], "alarmSeverityList": [], "alarmTypeList": [],
        "alarmsPollingInterval": 5, "searchPropagatedAlarms": False,
        "timewindow": _realtime(7 * 24 * 3600 * 1000),
        "settings": {"enableSearch": True, "displayDetails": True, "allowAcknowledgment": True, "allowClear": True,
                     "displayPagination": True, "defaultPageSize": 10, "defaultSortOrder": "-createdTime",
                     "alarmsTitle": title}})


def _rpc_target():
    return {"targetDeviceAliasIds": [ALIAS_ID], "targetDevice": {"type": "entity", "entityAliasId": ALIAS_ID}}


# The action behind each button of the "Pump mode" card: a two-way RPC to the card's device
# through ThingsBoard's device service, and the firmware's answer in a toast where the user
# clicked: its {"error": ...} text when it refused (ThingsBoard's own RPC button shows only
# HTTP errors), or what it did. ES5, as ThingsBoard's custom actions are plain functions of
# ($event, widgetContext, entityId, entityName, additionalParams, entityLabel).
ACTION_JS = """var request = {method: %s, params: %s, timeout: 10000};
var devices = widgetContext.$injector.get(widgetContext.servicesMap.get('deviceService'));
function say(ok, text) {
    if (ok) {
        widgetContext.showSuccessToast(text, 3000, 'top', 'left', widgetContext.toastTargetId);
    } else {
        widgetContext.showErrorToast(text, 'top', 'left', widgetContext.toastTargetId);
    }
}
devices.sendTwoWayRpcCommand(entityId.id, request, {ignoreErrors: true}).subscribe(
    function (answer) {
        if (answer && answer.error) {
            say(false, 'Refused by the controller: ' + answer.error);
        } else {
            say(true, %s + ': ' + JSON.stringify(answer));
        }
    },
    function (failure) {
        say(false, 'No answer from the controller' + (failure && failure.status ? ' (' + failure.status + ')' : ''));
    });
"""


def action_js(label, method, params):
    """The custom action of one button (see ACTION_JS)."""
    if method not in [m for m, _, _ in api.RPC]:
        raise ValueError("%s is not an RPC method of the firmware" % method)
    return ACTION_JS % (json.dumps(method), json.dumps(params), json.dumps(label))


def control_card(title, buttons):
    """A Markdown/HTML card with one HTML button per (label, method, params), each sending its
    RPC by an "On HTML element click" action (``action_js``); it also shows the mode, its
    reason and the manual mode's words as the telemetry has them."""
    html = ['<div class="hwc-controls"><p><b>${mode}</b>: ${reason}</p>']
    actions = []
    for i, (label, method, params) in enumerate(buttons):
        element = "hwc_button_%d" % i
        html.append('<button id="%s" class="mat-raised-button mat-primary" style="margin: 4px">%s</button>' % (
            element, label))
        actions.append({"name": element, "icon": "more_horiz", "type": "custom",
                        "customFunction": action_js(label, method, params), "id": _id("action:" + element)})
    html.append("</div>")
    config = {"datasources": [_datasource([_key("mode"), _key("reason")])], "timewindow": _realtime(60000),
              "settings": {"markdownTextPattern": "\n".join(html), "useMarkdownTextFunction": False,
                           "applyDefaultMarkdownStyle": True},
              "actions": {"elementClick": actions}}
    return _widget("cards.markdown_card", "latest", title, (12, 4), config)


def rpc_terminal(title):
    config = _rpc_target()
    config["settings"] = {"requestTimeout": 10000}
    config["backgroundColor"] = "#010101"
    config["color"] = "rgba(255, 254, 254, 0.87)"
    return _widget("control_widgets.rpc_debug_terminal", "rpc", title, (12, 6), config)


def _step(low, high, kind):
    """The input step: about a fiftieth of the range, a power of ten that divides the minimum."""
    if kind == I:
        return 1
    step = 1.0
    while step * 50 > high - low or abs(low / step - round(low / step)) > 1e-9:
        step /= 10
    return round(step, 6)


def settings_field(key, index):
    _, kind, _default, low, high, unit = shared_entry(key)
    settings = {"dataKeyType": "shared", "required": False, "isEditable": "editable", "dataKeyHidden": False}
    label = key + (" (%s)" % unit if unit else "")
    if kind == C:
        settings["dataKeyValueType"] = "string"
        label = "%s (%s)" % (key, " | ".join(low))
    else:
        settings.update({"dataKeyValueType": "integer" if kind == I else "double",
                         "minValue": low, "maxValue": high, "step": _step(low, high, kind)})
    return _key(key, "attribute", label, settings=settings, index=index)


def settings_form(title, keys):
    fields = [settings_field(k, i) for i, k in enumerate(keys)]
    return _widget("input_widgets.update_multiple_attributes", "latest", title, (12, 9), {
        "datasources": [_datasource(fields)], "timewindow": _realtime(60000),
        "settings": {"showActionButtons": True, "updateAllValues": False, "showResultMessage": True,
                     "showGroupTitle": False, "fieldsAlignment": "column", "fieldsInRow": 2}})


# --- dashboard: layout ---------------------------------------------------------------------------

def dashboard_widgets(names=None, ambient=PROBE_DEFAULT_NAMES[0]):
    """Every widget, in layout order (rows filled left to right, 24 columns). ``ambient``: the
    probe shown on the ambient gauge (SCREEN_AMBIENT_PROBE); no gauge if no probe has that name."""
    names = names or sensor_names()
    temps = [_key(n + "_c", label=n, units="°C", decimals=1, index=i) for i, n in enumerate(names)]
    duty = _key("duty_pct", label="pump duty", units="%", decimals=0, index=len(names),
                settings={"showSeparateAxis": True, "axisPosition": "right", "axisTitle": "%"})
    widgets = [gauge("hot_c", "Collector", -20, 160), gauge("cold_c", "Tank", 0, 100)]
    if ambient in names[len(NTC_NAMES):]:
        widgets.append(gauge(ambient + "_c", "Ambient", -20, 50))
    widgets += [
        values_card("Mode", [_key("mode", label="mode"), _key("reason", label="why"),
                             _key("duty_pct", label="pump duty", units="%"),
                             _key("diff_k", label="collector - tank", units="K", decimals=1),
                             _key("max_diff_k", label="full-speed difference", units="K", decimals=1),
                             _key("pump_on", label="pump on")], (9, 5)),
        time_series("Temperatures and pump duty", temps + [duty], 24),
        values_card("Heat and totals", [
            _key("heat_today_kwh", label="heat today", units="kWh", decimals=2),
            _key("heat_total_kwh", label="heat ever", units="kWh", decimals=1),
            _key("pump_hours_total", label="pump hours ever", units="h", decimals=1),
            _key("pump_starts_total", label="pump starts ever"), _key("pump_starts", label="pump starts since boot"),
            _key("resets_total", label="controller starts ever")], (8, 5)),
        control_card("Pump mode", RPC_BUTTONS),
        values_card("Immersion heater", [
            _key("heater_state", label="element"), _key("heater_reason", label="why"),
            _key("heater_source", label="decided by"), _key("heater_w", label="power", units="W"),
            _key("heater_price_p_kwh", label="price now", units="p/kWh", decimals=2),
            _key("heater_energy_today_kwh", label="energy today", units="kWh", decimals=2)], (12, 5)),
        alarms_table("Faults and alarms"),
        values_card("Network health", [
            _key("rssi", label="WiFi RSSI", units="dBm"), _key("wifi_connects", label="WiFi connects"),
            _key("mqtt_connects", label="MQTT connects"), _key("esp_resets", label="WiFi co-processor resets"),
            _key("dropped", label="points dropped"), _key("thinned", label="points thinned (long outage)"),
            _key("uptime_s", label="uptime", units="s"), _key("free_bytes", label="free heap", units="B"),
            _key("firmware", "attribute", "firmware"), _key("rejected_settings", "attribute", "rejected settings"),
            _key("settings_errors", "attribute", "settings errors")], (12, 7)),
    ]
    widgets += [settings_form("Settings (shared attributes)", MAIN_TUNABLES),
                settings_form("Heater settings (shared attributes)", HEATER_TUNABLES),
                rpc_terminal("RPC terminal: getStatus, setSetting and the rest")]
    check_published([k["name"] for w in widgets for ds in w["config"].get("datasources", ())
                     for k in ds["dataKeys"] if k["type"] == "timeseries"], names)
    return widgets


def _layout(widgets, columns=24):
    """Row/col for each widget: a simple flow layout."""
    row = col = height = 0
    out = {}
    for w in widgets:
        if col + w["sizeX"] > columns:
            row, col, height = row + height, 0, 0
        w["row"], w["col"] = row, col
        out[w["id"]] = {"sizeX": w["sizeX"], "sizeY": w["sizeY"], "row": row, "col": col}
        col += w["sizeX"]
        height = max(height, w["sizeY"])
    return out


def dashboard(names=None, ambient=PROBE_DEFAULT_NAMES[0]):
    """The dashboard (ThingsBoard export format)."""
    widgets = dashboard_widgets(names, ambient)
    layout = _layout(widgets)
    alias = {"id": ALIAS_ID, "alias": ALIAS_NAME, "filter": {
        "type": "deviceType", "resolveMultiple": False, "deviceType": PROFILE_NAME, "deviceTypes": [PROFILE_NAME],
        "deviceNameFilter": ""}}
    title = "Solar hot water"
    return {
        "title": title, "image": None, "mobileHide": False, "mobileOrder": None, "name": title,
        "configuration": {
            "description": "solar-hwc %s (generated by `hwc thingsboard export`)" % VERSION,
            "widgets": {w["id"]: w for w in widgets},
            "states": {"default": {"name": title, "root": True, "layouts": {"main": {
                "widgets": layout,
                "gridSettings": {"backgroundColor": "#eeeeee", "columns": 24, "margin": 10, "margins": [10, 10],
                                 "backgroundSizeMode": "100%"}}}}},
            "entityAliases": {ALIAS_ID: alias},
            "filters": {},
            "timewindow": _realtime(24 * 3600 * 1000),
            "settings": {"stateControllerId": "entity", "showTitle": True, "showDashboardsSelect": True,
                         "showEntitiesSelect": True, "showDashboardTimewindow": True, "showDashboardExport": True,
                         "toolbarAlwaysOpen": True},
        },
    }


# --- files and command ---------------------------------------------------------------------------

NOTE_FILE = "IMPORT.txt"
NOTE = """Which files to import into ThingsBoard (generated by `hwc thingsboard export`; docs/dashboard.md).

ThingsBoard 3.3 to 4.2:
  Profiles > Device profiles > + > Import device profile: {profile}
  (its alarm rules are evaluated by the device profile node of the root rule chain)
ThingsBoard 4.3 and later (ThingsBoard Cloud too):
  Profiles > Device profiles > + > Import device profile: {profile}
  then on that profile, Alarm rules (calculated fields) > + > Import, once per file in {cf_dir}/
  (4.3's root rule chain no longer evaluates a profile's own rules: without these no alarm fires)
Every version:
  Dashboards > + > Import dashboard: {dashboard}
"""


def _version(text):
    return tuple(int(p) for p in text.split("."))


def dumps(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def documents(names=None, ambient=PROBE_DEFAULT_NAMES[0], tb_version=None):
    """{file name: text} of the documents for ``tb_version`` ("3.3" ... "4.4"), or for every
    supported version (both alarm forms, and a note which to import) when it is None."""
    if tb_version is not None and tb_version not in TB_VERSIONS:
        raise ValueError("ThingsBoard %s: supported are %s" % (tb_version, ", ".join(TB_VERSIONS)))
    cf = tb_version is None or _version(tb_version) >= _version(CF_FROM)
    profile_rules = tb_version is None or not cf
    out = {PROFILE_FILE: dumps(device_profile(names, with_alarms=profile_rules)),
           DASHBOARD_FILE: dumps(dashboard(names, ambient))}
    if cf:
        for alarm in alarms(names):
            out[cf_file(alarm)] = dumps(calculated_field(alarm))
    if tb_version is None:
        out[NOTE_FILE] = NOTE.format(profile=PROFILE_FILE, dashboard=DASHBOARD_FILE, cf_dir=CF_DIR)
    return out


def write(directory, names=None, ambient=PROBE_DEFAULT_NAMES[0], tb_version=None):
    """Write the documents into ``directory`` (created if needed); the paths written."""
    out = pathlib.Path(directory)
    paths = []
    for name, text in documents(names, ambient, tb_version).items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def names_from(path):
    """(sensor names, ambient probe name) as a settings.toml gives them (PROBEn_NAME,
    SCREEN_AMBIENT_PROBE), read by the firmware's own loader."""
    from controller.settings import load
    from hwc import cpsettings

    settings = load(cpsettings.getenv_for(path, cpsettings.STRINGS))
    probes = [getattr(settings, "probe%d_name" % (i + 1)) for i in range(len(PROBE_DEFAULT_NAMES))]
    return sensor_names(probes), settings.screen_ambient_probe


def add_arguments(parser):
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="tb_action", metavar="ACTION")
    sub.required = True
    p = sub.add_parser("export", help="write the device profile, alarm rules and dashboard JSON into DIR",
                       description=__doc__.strip(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", metavar="DIR", help="folder for the JSON files (created if missing)")
    p.add_argument("--settings", metavar="FILE",
                   help="take the probe names from this settings.toml (default: the default names)")
    p.add_argument("--tb-version", metavar="X.Y", choices=TB_VERSIONS,
                   help="only what this ThingsBoard version imports (%s); default: both alarm forms and "
                   "%s saying which to import" % (", ".join(TB_VERSIONS), NOTE_FILE))


def run(args):
    names, ambient = None, PROBE_DEFAULT_NAMES[0]
    if args.settings:
        names, ambient = names_from(args.settings)
        if ambient not in names[len(NTC_NAMES):]:
            print("note: no ambient gauge: SCREEN_AMBIENT_PROBE = %r is none of the probe names %s"
                  % (ambient, ", ".join(names[len(NTC_NAMES):])))
    for path in write(args.dir, names, ambient, args.tb_version):
        print("wrote %s" % path)
    if args.tb_version is None:
        print("note: %s says which files each ThingsBoard version imports" % (pathlib.Path(args.dir) / NOTE_FILE))
    elif _version(args.tb_version) >= _version(CF_FROM):
        print("note: ThingsBoard %s evaluates alarm rules as calculated fields: import each file in %s/ on the "
              "device profile" % (args.tb_version, pathlib.Path(args.dir) / CF_DIR))
    return 0
