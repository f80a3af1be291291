"""Settings of the network link (issue 4); see ``settings_spec`` for the entry format."""

TITLE = "Network: WiFi, MQTT to ThingsBoard or Home Assistant"

SPEC = (
    #: WiFi network name
    ("CIRCUITPY_WIFI_SSID", "text", "", 0, 32, ""),
    #: WiFi password
    ("CIRCUITPY_WIFI_PASSWORD", "text", "", 0, 63, ""),
    #: broker host name or IP; empty = network off
    ("MQTT_BROKER", "text", "", 0, 64, ""),
    #: broker port (8883 with TLS)
    ("MQTT_PORT", "int", 1883, 1, 65535, ""),
    #: ThingsBoard device access token (MQTT user name)
    ("MQTT_TOKEN", "text", "", 0, 64, ""),
    #: 1 = TLS to the broker
    ("MQTT_TLS", "bool", False, None, None, ""),
    #: longest one network call may block the controller
    ("MQTT_TIMEOUT_S", "float", 1.0, 0.2, 5.0, "s"),
    #: telemetry period
    ("TELEMETRY_PERIOD_S", "float", 5.0, 0.5, 300.0, "s"),
    #: offline buffer, allocated at boot: 10 KB hold an hour at full resolution, then thinned to a point per 10 min
    ("TELEMETRY_BUFFER_KB", "int", 10, 2, 48, "KB"),
    #: buffered points per replay message at most (a message also stays under 1.5 KB)
    ("REPLAY_BATCH", "int", 20, 1, 100, ""),
    #: replay messages per second at most
    ("REPLAY_PER_S", "float", 2.0, 0.1, 50.0, ""),
    #: first reconnect delay
    ("NET_BACKOFF_MIN_S", "float", 2.0, 0.5, 60.0, "s"),
    #: longest reconnect delay
    ("NET_BACKOFF_MAX_S", "float", 300.0, 5.0, 3600.0, "s"),
    #: failed WiFi or MQTT connects in a row before the ESP32 alone is reset; 0 = never
    ("ESP_RESET_AFTER", "int", 6, 0, 100, ""),
    #: timeout of a remote manual mode (and its cap)
    ("REMOTE_MANUAL_MAX_S", "float", 3600.0, 60.0, 86400.0, "s"),
    #: wall clock: server RPC, NTP or both
    ("TIME_SOURCE", "choice", "both", ("both", "server", "ntp"), None, ""),
    #: 1 = Home Assistant MQTT discovery: sensors, availability and the manual pump switch
    ("HA_DISCOVERY", "bool", False, None, None, ""),
    #: Home Assistant's discovery prefix (as set in its MQTT integration)
    ("HA_PREFIX", "str", "homeassistant", 1, 32, ""),
    #: this controller's id in Home Assistant topics and unique ids
    ("HA_NODE_ID", "str", "solar_hwc", 1, 32, ""),
)

# (KEY_LOW, KEY_HIGH, message): KEY_LOW's value must be below KEY_HIGH's.
ORDER_RULES = (
    ("NET_BACKOFF_MIN_S", "NET_BACKOFF_MAX_S", "NET_BACKOFF_MIN_S must be below NET_BACKOFF_MAX_S"),
)
