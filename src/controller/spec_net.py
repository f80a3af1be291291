"""Settings of the network link (issue 4); see ``settings_spec`` for the entry format."""

from controller.spec_kinds import B, C, F, I, L, R, S  # noqa: F401

TITLE = "Network: WiFi, MQTT to ThingsBoard or Home Assistant"

SPEC = ()

# (KEY_LOW, KEY_HIGH, message): KEY_LOW's value must be below KEY_HIGH's.
ORDER_RULES = ()
