"""Settings of the immersion heater (issue 7); see ``settings_spec`` for the entry format.

Strings (S) take letters, digits and _ only: IP addresses are lists of four numbers,
written "192.168.1.50" (or "192,168,1,50"), and the Agile product code with _ for - ("AGILE_24_10_01"). Help is kept
short (this table stays in RAM); docs/heater.md explains each key.
"""

TITLE = "Immersion heater: PV surplus and tariffs (docs/heater.md)"

SPEC = (
    #: 1 = drive the element's contactor
    ("HEATER_ENABLED", "bool", False, None, None, ""),
    #: JST port of the relay
    ("HEATER_PIN", "choice", "D3", ("D3", "D4"), None, ""),
    #: element power
    ("HEATER_POWER_W", "float", 3000.0, 100.0, 12000.0, "W"),
    #: probe at the tank top
    ("HEATER_TOP_PROBE", "str", "tank_top", 1, 24, ""),
    #: element thermostat
    ("HEATER_SETPOINT_C", "float", 60.0, 30.0, 80.0, "C"),
    #: hard tank cut-off
    ("HEATER_CUTOFF_C", "float", 95.0, 60.0, 99.0, "C"),
    #: minimum on time
    ("HEATER_MIN_ON_S", "float", 120.0, 0.0, 3600.0, "s"),
    #: minimum off time
    ("HEATER_MIN_OFF_S", "float", 300.0, 0.0, 3600.0, "s"),
    #: grid meter: iotawatt; shelly1 (Gen1 EM or 3EM, one channel); shelly3em (Gen1 3EM, the house total); shelly2 (Gen2 Pro 3EM, the total); shellypro (Gen2 Pro EM, one channel)
    ("HEATER_METER", "choice", "none", ("none", "iotawatt", "shelly1", "shelly3em", "shelly2", "shellypro"), None, ""),
    #: meter IP address, e.g. "192.168.1.50"
    ("HEATER_METER_IP", "list", "", 0, 255, ""),
    #: IoTaWatt series
    ("HEATER_METER_SERIES", "str", "Grid", 1, 24, ""),
    #: meter channel (shelly1, shellypro)
    ("HEATER_METER_CHANNEL", "int", 0, 0, 2, ""),
    #: 1: export reads +
    ("HEATER_METER_INVERT", "bool", False, None, None, ""),
    #: export margin
    ("HEATER_MARGIN_W", "float", 200.0, 0.0, 5000.0, "W"),
    #: export wait
    ("HEATER_ON_WAIT_S", "float", 120.0, 0.0, 3600.0, "s"),
    #: import limit
    ("HEATER_IMPORT_W", "float", 200.0, 0.0, 10000.0, "W"),
    #: import wait
    ("HEATER_OFF_WAIT_S", "float", 60.0, 0.0, 3600.0, "s"),
    #: 1 = PV surplus also waits while the solar pump runs or the collector will heat the tank; 0 = it heats anyway
    ("HEATER_PV_SOLAR_FIRST", "bool", True, None, None, ""),
    #: grid rule: cheapest N slots, greenest N slots, or at or below gas break-even
    ("HEATER_TARIFF", "choice", "off", ("off", "cheapest", "greenest", "breakeven"), None, ""),
    #: Agile product, _ for -
    ("HEATER_AGILE_PRODUCT", "str", "AGILE_24_10_01", 4, 24, ""),
    #: Agile region
    ("HEATER_AGILE_REGION", "choice", "C", ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P"), None, ""),
    #: half-hours to buy
    ("HEATER_SLOTS", "int", 4, 1, 48, ""),
    #: window start
    ("HEATER_WINDOW_START_H", "float", 0.0, 0.0, 24.0, "h"),
    #: window end
    ("HEATER_WINDOW_END_H", "float", 7.0, 0.0, 24.0, "h"),
    #: 1 = the cheapest slots must form one block; 0 = any slots in the window
    ("HEATER_CONTIGUOUS", "bool", False, None, None, ""),
    #: gas price, for the break-even rule
    ("HEATER_GAS_P_KWH", "float", 6.0, 0.0, 100.0, "p/kWh"),
    #: boiler efficiency
    ("HEATER_BOILER_EFF", "float", 0.85, 0.3, 1.0, ""),
    #: sunny-day price
    ("HEATER_EXPORT_P_KWH", "float", 0.0, -20.0, 100.0, "p/kWh"),
    #: CO2 region, 0 = GB
    ("HEATER_CARBON_REGION", "int", 0, 0, 17, ""),
    #: forecast kWp, 0 = none
    ("HEATER_PV_KWP", "float", 0.0, 0.0, 100.0, "kWp"),
    #: site latitude, for the Forecast.Solar forecast
    ("HEATER_LAT", "float", 51.5, -90.0, 90.0, "deg"),
    #: site longitude, for the Forecast.Solar forecast
    ("HEATER_LON", "float", -0.1, -180.0, 180.0, "deg"),
    #: panel tilt
    ("HEATER_PV_DEC", "float", 35.0, 0.0, 90.0, "deg"),
    #: azimuth, 0 = S
    ("HEATER_PV_AZ", "float", 0.0, -180.0, 180.0, "deg"),
    #: forecast PV energy that counts as a sunny day (solar will heat the tank)
    ("HEATER_SUNNY_KWH", "float", 8.0, 0.0, 200.0, "kWh"),
    #: collector kWh/PV kWh
    ("HEATER_SOLAR_HEAT", "float", 0.5, 0.0, 5.0, ""),
    #: tank volume
    ("HEATER_TANK_L", "float", 300.0, 20.0, 2000.0, "l"),
    #: legionella temp
    ("HEATER_LEGIONELLA_C", "float", 60.0, 55.0, 75.0, "C"),
    #: legionella period, 0 = off
    ("HEATER_LEGIONELLA_DAYS", "int", 7, 0, 14, "d"),
    #: EmonCMS key, empty = off
    ("HEATER_EMONCMS_KEY", "str", "", 0, 40, ""),
    #: EmonCMS IP address, e.g. "192.168.1.60"; empty = emoncms.org
    ("HEATER_EMONCMS_IP", "list", "", 0, 255, ""),
    #: EmonCMS node
    ("HEATER_EMONCMS_NODE", "str", "hwc", 1, 24, ""),
)

# (KEY_LOW, KEY_HIGH, message): KEY_LOW's value must be below KEY_HIGH's.
ORDER_RULES = (
    ("HEATER_SETPOINT_C", "HEATER_CUTOFF_C", "HEATER_SETPOINT_C must be below HEATER_CUTOFF_C"),
    ("HEATER_LEGIONELLA_C", "HEATER_CUTOFF_C", "HEATER_LEGIONELLA_C must be below HEATER_CUTOFF_C"),
)
