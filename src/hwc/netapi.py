"""What the network link exchanges with ThingsBoard, as data: telemetry keys, RPC methods, client
attributes and the shared attributes it takes. Host side: the ThingsBoard export
(``hwc.tbexport``), the docs and the tests check against it; the device never imports it."""

from controller.net.points import FAST, STATUS

# key -> (unit, meaning); <name> is each sensor's name (hot, cold and the configured probes).
TELEMETRY = (
    ("<name>_c", "C", "temperature, 2 decimals; absent while the sensor has no value"),
    ("<name>_fault", "", "1 while the sensor is faulted"),
    ("duty_pct", "%", "pump duty decided"),
    ("mode", "", "decision mode: idle, running, purge, cool_off, overheat, fault, manual, off and the protections'"),
    ("max_diff_k", "K", "adaptive full-speed difference"),
    ("diff_k", "K", "collector minus tank"),
    ("pump_on", "", "1 while the pump output is on"),
    ("heater_state", "", "immersion heater: on or off (absent with HEATER_ENABLED = 0)"),
    ("heater_source", "", "what decides the element now (the heater's word, e.g. pv, tariff, legionella)"),
    ("heater_w", "W", "element power drawn now (0 or HEATER_POWER_W)"),
    ("rssi", "dBm", "WiFi signal (status: once a minute)"),
    ("wifi_connects", "", "WiFi connections since boot (status)"),
    ("mqtt_connects", "", "MQTT connections since boot (status)"),
    ("esp_resets", "", "WiFi co-processor resets after ESP_RESET_AFTER failed connects in a row (status)"),
    ("pump_starts", "", "pump starts since boot (status)"),
    ("free_bytes", "B", "free heap (status; device only)"),
    ("dropped", "", "points lost because the offline buffer could not be thinned further (status)"),
    ("thinned", "", "points removed to thin the offline buffer during a long outage (status)"),
    ("heat_today_kwh", "kWh", "heat delivered today, local day (status); absent without a probe pair"),
    ("heat_total_kwh", "kWh", "heat delivered ever (status; persistent counters, kept across reboots)"),
    ("pump_hours_total", "h", "pump running time ever (status; persistent)"),
    ("pump_starts_total", "", "pump starts ever (status; persistent)"),
    ("resets_total", "", "controller starts ever, any cause (status; persistent; causes on the details page)"),
    ("heater_price_p_kwh", "p/kWh", "electricity price now, from the tariff (status)"),
    ("heater_energy_today_kwh", "kWh", "energy the element used today (status)"),
    ("uptime_s", "s", "seconds since boot (status)"),
    ("reason", "", "why the pump does what it does, in words (newest point only)"),
    ("heater_reason", "", "why the element is on or off, in words (newest point only)"),
)

# The keys that go with the status once a minute, and the texts that go with the newest point only.
STATUS_KEYS = tuple(k.split(":")[0] for k in STATUS.split()) + ("uptime_s",)
FAST_KEYS = tuple(k.split(":")[0] for k in FAST.split())
LIVE_KEYS = ("reason", "heater_reason")

RPC = (
    ("getStatus", "{}", "mode, reason, temperatures, manual mode, heater, overrides, link state"),
    ("setMode", '{"mode": "auto|manual|off", "duty_pct": 0..100, "timeout_s": s}',
     "manual pump mode; times out after timeout_s (REMOTE_MANUAL_MAX_S at most and by default)"),
    ("setSetting", '{"key": KEY, "value": VALUE}', "override one setting (same rules as shared attributes)"),
    ("clearFaults", "{}", "reset error counters, rejected settings and latched protection faults"),
    ("reboot", "{}", "restart the controller after answering"),
)

# The link's client attributes ("deleted" is ThingsBoard's own key in an update): never settings.
CLIENT_KEYS = ("deleted", "overrides", "rejected_settings", "firmware", "board", "settings", "settings_errors")
CLIENT_ATTRIBUTES = CLIENT_KEYS[1:]


def telemetry_keys(sensor_names):
    """Every telemetry key for these sensor names."""
    keys = [n + "_c" for n in sensor_names] + [n + "_fault" for n in sensor_names]
    return keys + list(FAST_KEYS) + list(STATUS_KEYS) + list(LIVE_KEYS)


def shared_attributes():
    """[(KEY, kind, default, min, max, unit)] of every setting ThingsBoard may override."""
    from controller.settings_spec import SPEC
    from hwc.nettables import overridable

    keys = set(overridable())
    return [e for e in SPEC if e[0] in keys]
