"""Settings of plant protection (issue 6); see ``settings_spec`` for the entry format."""

from controller.spec_kinds import B, C, F, I, L, R, S  # noqa: F401

TITLE = "Plant protection and self-recovery"

SPEC = (
    # --- self-recovery
    #: pump flow at 100 % duty, for the heat-delivered counters
    ("PUMP_FLOW_LPM", F, 3.0, 0.1, 50.0, "L/min"),
    #: heat the loop's fluid carries per litre and kelvin (water 4186; 40 % glycol about 3850)
    ("FLUID_J_PER_LK", F, 4186.0, 2500.0, 4300.0, "J/(L K)"),
    #: how often the persistent counters are written to flash (only when they changed)
    ("COUNTERS_SAVE_S", I, 3600, 600, 86400, "s"),
    #: 1 = hardware watchdog: a hung or unhealthy control loop resets the board
    ("WATCHDOG", B, True, None, None, ""),
    #: watchdog timeout; longer than any call that may block the loop (the SAMD51 allows 16)
    ("WATCHDOG_TIMEOUT_S", I, 12, 4, 16, "s"),
    #: no good I2C reading of the PCF8591 for this long lets the watchdog reset the board
    ("HEALTH_I2C_DEAD_S", I, 60, 10, 3600, "s"),
)

# (KEY_LOW, KEY_HIGH, message): KEY_LOW's value must be below KEY_HIGH's.
ORDER_RULES = ()
