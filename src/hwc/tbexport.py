"""ThingsBoard device profile (alarm rules) and dashboard for the controller, generated from
the firmware's own tables, so they cannot name a key, RPC or range the firmware does not have.

  hwc thingsboard export DIR    write DIR/solar-hwc-device-profile.json and DIR/solar-hwc-dashboard.json

Import the profile in ThingsBoard under Profiles > Device profiles (+ > Import device profile), the
dashboard under Dashboards (+ > Import dashboard). docs/dashboard.md describes every alarm rule
and widget; docs/first-hour.md the steps.

Sources: telemetry keys from ``controller.net.api.telemetry_keys`` (sensor names from the settings
table's defaults, or from ``--settings FILE``), RPC methods from ``controller.net.api.RPC`` and
``controller.net.rpc``, shared attributes and their ranges from ``controller.net.api.shared_attributes``.
The two JSON documents follow ThingsBoard's export format (see tests/test_thingsboard_json.py for
the structure they are checked against).
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

# RPC buttons: (label, method, params). Timeouts stay within REMOTE_MANUAL_MAX_S's default.
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


# --- device profile: alarm rules ---------------------------------------------------------------

def _value(default, attribute=None):
    """A predicate value: ``default`` unless the device (or its customer/tenant) has ``attribute``."""
    dynamic = None
    if attribute:
        dynamic = {"sourceType": "CURRENT_DEVICE", "sourceAttribute": attribute, "inherit": True}
    return {"defaultValue": default, "userValue": None, "dynamicValue": dynamic}


def _numeric(operation, default, attribute=None):
    return {"type": "NUMERIC", "operation": operation, "value": _value(default, attribute)}


def _string(operation, text):
    return {"type": "STRING", "operation": operation, "value": _value(text), "ignoreCase": False}


def _any_of(predicates, operation="OR"):
    return {"type": "COMPLEX", "operation": operation, "predicates": predicates}


def _filter(key_type, key, value_type, predicate):
    return {"key": {"type": key_type, "key": key}, "valueType": value_type, "value": None, "predicate": predicate}


def _telemetry(key, value_type, predicate):
    return _filter("TIME_SERIES", key, value_type, predicate)


def _rule(filters, details, minutes=None):
    """An alarm rule: all ``filters`` hold (for ``minutes`` = (default, attribute) if given)."""
    spec = {"type": "SIMPLE"}
    if minutes is not None:
        default, attribute = minutes
        spec = {"type": "DURATION", "unit": "MINUTES", "predicate": _value(default, attribute)}
    return {"condition": {"condition": filters, "spec": spec}, "schedule": None,
            "alarmDetails": details, "dashboardId": None}


def _alarm(alarm_id, alarm_type, create_rules, clear_rule):
    return {"id": alarm_id, "alarmType": alarm_type, "createRules": create_rules, "clearRule": clear_rule,
            "propagate": False, "propagateToOwner": False, "propagateToTenant": False,
            "propagateRelationTypes": None}


def alarm_tank_cold():
    attr_c, default_c, _, _ = THRESHOLDS["tank_cold"]
    attr_min, default_min, _, _ = THRESHOLDS["tank_cold_for"]
    cold = _telemetry("cold_c", "NUMERIC", _numeric("LESS", default_c, attr_c))
    warm = _telemetry("cold_c", "NUMERIC", _numeric("GREATER_OR_EQUAL", default_c, attr_c))
    return _alarm("tank_cold", "Tank cold",
                  {"MAJOR": _rule([cold], "tank bottom below the cold threshold for too long",
                                  (default_min, attr_min))},
                  _rule([warm], "tank bottom warm again"))


def alarm_protection():
    create = {}
    for severity, modes in PROTECTION_MODES.items():
        predicate = _any_of([_string("EQUAL", m) for m in modes])
        create[severity] = _rule([_telemetry("mode", "STRING", predicate)],
                                 "plant protection mode: " + ", ".join(modes))
    every = [m for modes in PROTECTION_MODES.values() for m in modes]
    clear = _any_of([_string("NOT_EQUAL", m) for m in every], "AND")
    return _alarm("protection", "Collector overheat / emergency stop", create,
                  _rule([_telemetry("mode", "STRING", clear)], "back to normal operation"))


def alarm_sensor_fault(name):
    severity = "MAJOR" if name in NTC_NAMES else "WARNING"
    key = name + "_fault"
    return _alarm("fault_" + name, "Sensor fault: " + name,
                  {severity: _rule([_telemetry(key, "NUMERIC", _numeric("EQUAL", 1))], name + " sensor faulty")},
                  _rule([_telemetry(key, "NUMERIC", _numeric("EQUAL", 0))], name + " sensor reads again"))


def alarm_offline():
    def active(value):
        return _filter("ATTRIBUTE", "active", "BOOLEAN",
                       {"type": "BOOLEAN", "operation": "EQUAL", "value": _value(value)})

    return _alarm("offline", "Device offline",
                  {"MAJOR": _rule([active(False)], "no data for longer than the inactivity timeout")},
                  _rule([active(True)], "the device sends again"))


def alarm_relief_risk():
    attr, default, _, _ = THRESHOLDS["relief"]
    return _alarm("relief_risk", "Relief valve risk",
                  {"CRITICAL": _rule([_telemetry("cold_c", "NUMERIC", _numeric("GREATER", default, attr))],
                                     "tank near the hard cut-off: the relief valve may open")},
                  _rule([_telemetry("cold_c", "NUMERIC", _numeric("LESS_OR_EQUAL", default, attr))],
                        "tank below the relief-risk threshold"))


def alarm_dropped():
    attr, default, _, _ = THRESHOLDS["dropped"]
    return _alarm("dropped", "Telemetry dropped",
                  {"WARNING": _rule([_telemetry("dropped", "NUMERIC", _numeric("GREATER", default, attr))],
                                    "the offline buffer overflowed: points were lost")},
                  _rule([_telemetry("dropped", "NUMERIC", _numeric("LESS_OR_EQUAL", default, attr))],
                        "no points lost (device restarted)"))


def device_profile(names=None):
    """The device profile (ThingsBoard export format) with every alarm rule."""
    names = names or sensor_names()
    alarms = [alarm_tank_cold(), alarm_protection()]
    alarms += [alarm_sensor_fault(n) for n in names]
    alarms += [alarm_offline(), alarm_relief_risk(), alarm_dropped()]
    check_published([f["key"]["key"] for a in alarms for r in list(a["createRules"].values()) + [a["clearRule"]]
                     for f in r["condition"]["condition"] if f["key"]["type"] == "TIME_SERIES"], names)
    return {
        "name": PROFILE_NAME,
        "description": "solar-hwc %s: alarm rules for the solar hot-water controller (generated by "
                       "`hwc thingsboard export`)" % VERSION,
        "image": None, "type": "DEFAULT", "transportType": "DEFAULT", "provisionType": "DISABLED",
        "defaultRuleChainId": None, "defaultDashboardId": None, "defaultQueueName": None,
        "provisionDeviceKey": None, "firmwareId": None, "softwareId": None, "defaultEdgeRuleChainId": None,
        "default": False,
        "profileData": {
            "configuration": {"type": "DEFAULT"},
            "transportConfiguration": {"type": "DEFAULT"},
            "provisionConfiguration": {"type": "DISABLED", "provisionDeviceSecret": None},
            "alarms": alarms,
        },
    }


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


def rpc_button(label, method, params):
    if method not in [m for m, _, _ in api.RPC]:
        raise ValueError("%s is not an RPC method of the firmware" % method)
    config = _rpc_target()
    config["settings"] = {"methodName": method, "methodParams": json.dumps(params), "requestTimeout": 10000,
                          "oneWayElseTwoWay": False, "showError": True, "buttonText": label,
                          "styleButton": {"isRaised": True, "isPrimary": True}}
    config["showTitle"] = False
    return _widget("control_widgets.rpcbutton", "rpc", label, (4, 2), config)


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
        values_card("Mode", [_key("mode", label="mode"), _key("duty_pct", label="pump duty", units="%"),
                             _key("diff_k", label="collector - tank", units="K", decimals=1),
                             _key("max_diff_k", label="full-speed difference", units="K", decimals=1),
                             _key("pump_on", label="pump on")], (9, 5)),
        time_series("Temperatures and pump duty", temps + [duty], 24),
        values_card("Today", [_key("heat_today_kwh", label="heat today", units="kWh", decimals=2),
                              _key("pump_starts", label="pump starts since boot")], (8, 4)),
        alarms_table("Faults and alarms"),
        values_card("Network health", [
            _key("rssi", label="WiFi RSSI", units="dBm"), _key("wifi_connects", label="WiFi connects"),
            _key("mqtt_connects", label="MQTT connects"), _key("dropped", label="points dropped"),
            _key("uptime_s", label="uptime", units="s"), _key("free_bytes", label="free heap", units="B"),
            _key("firmware", "attribute", "firmware"), _key("rejected_settings", "attribute", "rejected settings"),
            _key("settings_errors", "attribute", "settings errors")], (12, 7)),
    ]
    widgets += [rpc_button(label, method, params) for label, method, params in RPC_BUTTONS]
    widgets += [settings_form("Settings (shared attributes)", MAIN_TUNABLES),
                rpc_terminal("RPC terminal: getStatus shows the mode's reason")]
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

def dumps(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def documents(names=None, ambient=PROBE_DEFAULT_NAMES[0]):
    """{file name: JSON text} of both documents."""
    return {PROFILE_FILE: dumps(device_profile(names)), DASHBOARD_FILE: dumps(dashboard(names, ambient))}


def write(directory, names=None, ambient=PROBE_DEFAULT_NAMES[0]):
    """Write both documents into ``directory`` (created if needed); the paths written."""
    out = pathlib.Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in documents(names, ambient).items():
        path = out / name
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
    p = sub.add_parser("export", help="write the device profile and dashboard JSON into DIR",
                       description=__doc__.strip(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", metavar="DIR", help="folder for the two JSON files (created if missing)")
    p.add_argument("--settings", metavar="FILE",
                   help="take the probe names from this settings.toml (default: the default names)")


def run(args):
    names, ambient = None, PROBE_DEFAULT_NAMES[0]
    if args.settings:
        names, ambient = names_from(args.settings)
        if ambient not in names[len(NTC_NAMES):]:
            print("note: no ambient gauge: SCREEN_AMBIENT_PROBE = %r is none of the probe names %s"
                  % (ambient, ", ".join(names[len(NTC_NAMES):])))
    for path in write(args.dir, names, ambient):
        print("wrote %s" % path)
    return 0
