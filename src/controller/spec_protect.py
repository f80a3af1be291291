"""Settings of plant protection (issue 6); see ``settings_spec`` for the entry format.

The rules themselves are in ``controller/protect.py``; its docstring gives their order.
"""

TITLE = "Plant protection and self-recovery (what commercial controllers protect)"

SPEC = (
    # --- collector ----------------------------------------------------------------
    #: collector emergency shutdown: the pump stops above COLLECTOR_EMERGENCY_C (pumping steam harms it)
    ("EMERGENCY_ON", "bool", 1, None, None, ""),
    #: collector temperature that stops the pump (steam in the collector)
    ("COLLECTOR_EMERGENCY_C", "float", 130.0, 100.0, 160.0, "C"),
    #: the pump may run again once the collector is below this
    ("COLLECTOR_EMERGENCY_OFF_C", "float", 120.0, 90.0, 155.0, "C"),
    #: collector cooling: with the tank at its maximum, run the pump above COLLECTOR_COOLING_C
    ("COLLECTOR_COOLING_ON", "bool", 1, None, None, ""),
    #: collector temperature that runs the pump although the tank is at TANK_MAX_C
    ("COLLECTOR_COOLING_C", "float", 110.0, 70.0, 150.0, "C"),
    #: collector cooling (and the sensor-fault backup run) stops this far below its start
    ("COLLECTOR_COOLING_HYST_K", "float", 5.0, 1.0, 30.0, "K"),
    #: no differential start while the collector is colder than COLLECTOR_MIN_C
    ("COLLECTOR_MIN_ON", "bool", 1, None, None, ""),
    #: minimum collector temperature for a start
    ("COLLECTOR_MIN_C", "float", 10.0, -20.0, 60.0, "C"),
    # --- tank -------------------------------------------------------------------
    #: tank maximum: solar stops heating the tank bottom above TANK_MAX_C, except to protect the collector
    ("TANK_MAX_ON", "bool", 1, None, None, ""),
    #: tank bottom temperature at which solar heating pauses
    ("TANK_MAX_C", "float", 65.0, 30.0, 90.0, "C"),
    #: solar heating resumes this far below TANK_MAX_C (and TANK_CUTOFF_C)
    ("TANK_MAX_HYST_K", "float", 2.0, 0.5, 10.0, "K"),
    #: hard tank cut-off, tank bottom or TANK_TOP_PROBE: the pump stops, nothing overrides it (no off switch)
    ("TANK_CUTOFF_C", "float", 95.0, 60.0, 99.0, "C"),
    #: DS18B20 probe name at the tank top, for the hard cut-off; empty = the tank bottom NTC only
    ("TANK_TOP_PROBE", "str", "", 0, 24, ""),
    #: night recooling: after a hot day, cool a tank above TANK_MAX_C through the colder collector
    ("RECOOL_ON", "bool", 1, None, None, ""),
    #: recooling runs while the collector is this much colder than the tank bottom
    ("RECOOL_DIFF_K", "float", 5.0, 2.0, 40.0, "K"),
    # --- frost and evacuated tubes ------------------------------------------------
    #: frost protection: circulate tank water when the collector nears freezing (off for glycol loops)
    ("FROST_ON", "bool", 1, None, None, ""),
    #: collector temperature that starts frost circulation
    ("FROST_START_C", "float", 4.0, -10.0, 10.0, "C"),
    #: collector temperature that stops it
    ("FROST_STOP_C", "float", 5.0, -9.0, 15.0, "C"),
    #: never circulate for frost when the tank bottom is colder than this
    ("FROST_MIN_TANK_C", "float", 5.0, 1.0, 30.0, "C"),
    #: evacuated-tube kick: a short run now and then so the collector sensor sees the real temperature
    ("TUBE_KICK_ON", "bool", 0, None, None, ""),
    #: length of a kick
    ("TUBE_KICK_RUN_S", "float", 30.0, 5.0, 300.0, "s"),
    #: time from one kick to the next
    ("TUBE_KICK_EVERY_MIN", "float", 30.0, 5.0, 240.0, "min"),
    #: kicks only from this local hour (the wall clock must be known; local time: TIME_ZONE_RULE, TIME_UTC_OFFSET_MIN)
    ("TUBE_KICK_FROM_H", "int", 8, 0, 23, "h"),
    #: and before this local hour
    ("TUBE_KICK_TO_H", "int", 18, 1, 24, "h"),
    # --- plausibility -------------------------------------------------------------
    #: no-flow check: with the pump on, a collector that keeps heating as if no water moved stops it
    ("NOFLOW_ON", "bool", 1, None, None, ""),
    #: the window over which flow must show
    ("NOFLOW_WINDOW_S", "float", 300.0, 60.0, 1800.0, "s"),
    #: collector drop below its value at the window's start that shows flow
    ("NOFLOW_DROP_K", "float", 2.0, 0.5, 20.0, "K"),
    #: FLOW_PROBE rise that shows flow
    ("NOFLOW_RISE_K", "float", 2.0, 0.5, 20.0, "K"),
    #: growth of hot - cold over a window at >= 50 % duty that shows no flow
    ("NOFLOW_WARM_K", "float", 3.0, 0.5, 20.0, "K"),
    #: DS18B20 probe where the collector's water enters the tank: warming shows flow; empty = none
    ("FLOW_PROBE", "str", "tank_inlet", 0, 24, ""),
    #: pause after a start that showed no flow, before the next try
    ("NOFLOW_RETRY_S", "float", 900.0, 60.0, 7200.0, "s"),
    #: failed starts in a row that lock the pump out
    ("NOFLOW_MAX_STARTS", "int", 3, 1, 10, ""),
    #: a lockout ends by itself after this (clearFaults ends it at once); 0 = only clearFaults
    ("LOCKOUT_H", "float", 24.0, 0.0, 720.0, "h"),
    #: swapped-sensor check: lock out when, after 2 starts in a row, the tank reading warmed and the collector did not cool
    ("SWAP_CHECK_ON", "bool", 1, None, None, ""),
    #: a collector or tank NTC whose raw value has not changed at all for this long is faulted as stuck; 0 = off
    ("STUCK_H", "float", 12.0, 0.0, 72.0, "h"),
    #: a faulted collector or tank NTC must read sanely this long before it counts again
    ("SENSOR_CLEAR_S", "float", 60.0, 0.0, 3600.0, "s"),
    #: DS18B20 probe at the collector outlet: its overheat runs the pump while the collector NTC is faulted
    ("PANEL_PROBE", "str", "panel_outlet", 0, 24, ""),
    # --- self-recovery
    #: pump flow at 100 % duty, for the heat-delivered counters
    ("PUMP_FLOW_LPM", "float", 3.0, 0.1, 50.0, "L/min"),
    #: heat the loop's fluid carries per litre and kelvin (water 4186; 40 % glycol about 3850)
    ("FLUID_J_PER_LK", "float", 4186.0, 2500.0, 4300.0, "J/(L K)"),
    #: how often the persistent counters are written to flash (only when they changed)
    ("COUNTERS_SAVE_S", "int", 3600, 600, 86400, "s"),
    #: 1 = hardware watchdog: a hung or unhealthy control loop resets the board
    ("WATCHDOG", "bool", True, None, None, ""),
    #: watchdog timeout; longer than any call that may block the loop (the SAMD51 allows 16)
    ("WATCHDOG_TIMEOUT_S", "int", 12, 4, 16, "s"),
    #: no good I2C reading of the PCF8591 for this long lets the watchdog reset the board
    ("HEALTH_I2C_DEAD_S", "int", 60, 10, 3600, "s"),
)

# (KEY_LOW, KEY_HIGH, message): KEY_LOW's value must be below KEY_HIGH's.
ORDER_RULES = (
    ("COLLECTOR_EMERGENCY_OFF_C", "COLLECTOR_EMERGENCY_C",
     "COLLECTOR_EMERGENCY_OFF_C must be below COLLECTOR_EMERGENCY_C"),
    ("COLLECTOR_COOLING_C", "COLLECTOR_EMERGENCY_C", "COLLECTOR_COOLING_C must be below COLLECTOR_EMERGENCY_C"),
    ("OVERHEAT_C", "COLLECTOR_EMERGENCY_C", "OVERHEAT_C must be below COLLECTOR_EMERGENCY_C"),
    ("TANK_MAX_C", "TANK_CUTOFF_C", "TANK_MAX_C must be below TANK_CUTOFF_C"),
    ("FROST_START_C", "FROST_STOP_C", "FROST_START_C must be below FROST_STOP_C"),
    ("TUBE_KICK_FROM_H", "TUBE_KICK_TO_H", "TUBE_KICK_FROM_H must be below TUBE_KICK_TO_H"),
)
