"""What the link exchanges with ThingsBoard, as data: telemetry keys, RPC methods and the
shared attributes it accepts. Used by docs and tests (a dashboard test can check against it);
not imported by the firmware at run time."""

from controller.net.points import FIXED
from controller.net.inbound import CLIENT_KEYS, overridable

# key -> (unit, meaning); <name> is each sensor's name (hot, cold and the configured probes).
TELEMETRY = (
    ("<name>_c", "C", "temperature, 2 decimals; absent while the sensor has no value"),
    ("<name>_fault", "", "1 while the sensor is faulted"),
    ("duty_pct", "%", "pump duty decided"),
    ("mode", "", "decision mode: idle, running, purge, cool_off, overheat, fault, manual, off, ..."),
    ("max_diff_k", "K", "adaptive full-speed difference"),
    ("diff_k", "K", "collector minus tank"),
    ("pump_on", "", "1 while the pump output is on"),
    ("rssi", "dBm", "WiFi signal"),
    ("heat_today_kwh", "kWh", "heat delivered today (local day); absent without a probe pair to measure it"),
    ("wifi_connects", "", "WiFi connections since boot"),
    ("mqtt_connects", "", "MQTT connections since boot"),
    ("esp_resets", "", "WiFi co-processor resets after ESP_RESET_AFTER failed connects in a row"),
    ("pump_starts", "", "pump starts since boot"),
    ("uptime_s", "s", "seconds since boot"),
    ("free_bytes", "B", "free heap (device only)"),
    ("dropped", "", "points lost because the offline buffer was full"),
    ("heat_total_kwh", "kWh", "heat delivered ever (persistent counters, kept across reboots)"),
    ("pump_hours_total", "h", "pump running time ever (persistent)"),
    ("pump_starts_total", "", "pump starts ever (persistent)"),
    ("resets_total", "", "controller starts ever, any cause (persistent; causes on the details page)"),
)

RPC = (
    ("getStatus", "{}", "mode, reason, temperatures, manual mode, overrides, link state"),
    ("setMode", '{"mode": "auto|manual|off", "duty_pct": 0..100, "timeout_s": s}',
     "manual pump mode; times out after timeout_s (REMOTE_MANUAL_MAX_S at most and by default)"),
    ("setSetting", '{"key": KEY, "value": VALUE}', "override one setting (same rules as shared attributes)"),
    ("clearFaults", "{}", "reset error counters and latched protection faults"),
    ("reboot", "{}", "restart the controller after answering"),
)

CLIENT_ATTRIBUTES = CLIENT_KEYS[1:]


def telemetry_keys(sensor_names):
    """Every telemetry key for these sensor names."""
    keys = [n + "_c" for n in sensor_names] + [n + "_fault" for n in sensor_names]
    return keys + [f[0] for f in FIXED]


def shared_attributes():
    """[(KEY, kind, default, min, max, unit, help)] of every setting ThingsBoard may override."""
    from controller.settings_spec import SPEC

    keys = overridable()
    return [e for e in SPEC if e[0] in keys]
