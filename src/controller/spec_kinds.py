"""The kinds of setting in the settings tables (``settings_spec`` and the ``spec_*`` modules)."""

F = "float"
I = "int"  # noqa: E741 - matches the other one-letter kinds
B = "bool"
S = "str"
C = "choice"
R = "rom"
L = "list"
T = "text"  # free text (host names, WiFi credentials): any characters, not stripped

PROBE_SLOTS = 5  # DS18B20 probe slots (PROBE1..PROBE5); settings_spec names their defaults
