"""Settings of the immersion heater (issue 7); see ``settings_spec`` for the entry format.

Strings (S) take letters, digits and _ only: IP addresses are written as four numbers
("192,168,1,50") and the Agile product code with _ for - ("AGILE_24_10_01").
"""

from controller.spec_kinds import B, C, F, I, L, R, S  # noqa: F401

TITLE = "Immersion heater: PV surplus and tariffs (docs/heater.md)"

_REGIONS = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P")

SPEC = (
    ("HEATER_ENABLED", B, False, None, None, "", "1 = drive the immersion element's contactor"),
    ("HEATER_PIN", C, "D3", ("D3", "D4"), None, "", "JST port with the contactor relay"),
    ("HEATER_POWER_W", F, 3000.0, 100.0, 12000.0, "W", "element power"),
    ("HEATER_TOP_PROBE", S, "tank_top", 1, 24, "", "DS18B20 probe name at the tank top"),
    ("HEATER_SETPOINT_C", F, 60.0, 30.0, 80.0, "C", "element thermostat (tank top)"),
    ("HEATER_HYST_K", F, 5.0, 1.0, 20.0, "K", "reheat below setpoint minus this"),
    ("HEATER_CUTOFF_C", F, 95.0, 60.0, 99.0, "C", "hard tank cut-off: element off"),
    ("HEATER_MIN_ON_S", F, 120.0, 0.0, 3600.0, "s", "contactor minimum on time"),
    ("HEATER_MIN_OFF_S", F, 300.0, 0.0, 3600.0, "s", "contactor minimum off time"),
    ("HEATER_METER", C, "none", ("none", "iotawatt", "shelly1", "shelly2", "shellypro"), None,
     "", "grid power meter"),
    ("HEATER_METER_IP", L, "", 0, 255, "", "meter IP as 4 numbers: 192,168,1,50"),
    ("HEATER_METER_SERIES", S, "Grid", 1, 24, "", "IoTaWatt input/output name"),
    ("HEATER_METER_CHANNEL", I, 0, 0, 2, "", "Shelly emeter / EM1 channel"),
    ("HEATER_METER_INVERT", B, False, None, None, "", "1 if export reads positive"),
    ("HEATER_POLL_S", F, 10.0, 2.0, 300.0, "s", "grid power poll period"),
    ("HEATER_MARGIN_W", F, 200.0, 0.0, 5000.0, "W", "export above element power + this: on"),
    ("HEATER_ON_WAIT_S", F, 120.0, 0.0, 3600.0, "s", "export must last this long"),
    ("HEATER_IMPORT_W", F, 200.0, 0.0, 10000.0, "W", "import above this: off"),
    ("HEATER_OFF_WAIT_S", F, 60.0, 0.0, 3600.0, "s", "import must last this long"),
    ("HEATER_TARIFF", C, "off", ("off", "cheapest", "breakeven"), None, "", "grid purchase rule"),
    ("HEATER_AGILE_PRODUCT", S, "AGILE_24_10_01", 4, 24, "", "Octopus product, _ for -"),
    ("HEATER_AGILE_REGION", C, "C", _REGIONS, None, "", "Octopus region letter"),
    ("HEATER_TZ", C, "uk", ("uk", "utc"), None, "", "clock for windows: UK (BST) or UTC"),
    ("HEATER_SLOTS", I, 4, 1, 48, "", "cheapest: half-hours to buy"),
    ("HEATER_WINDOW_START_H", F, 0.0, 0.0, 24.0, "h", "cheapest: window start (local)"),
    ("HEATER_WINDOW_END_H", F, 7.0, 0.0, 24.0, "h", "cheapest: window end (local)"),
    ("HEATER_CONTIGUOUS", B, False, None, None, "", "cheapest: one block of slots"),
    ("HEATER_GAS_P_KWH", F, 6.0, 0.0, 100.0, "p/kWh", "gas price"),
    ("HEATER_BOILER_EFF", F, 0.85, 0.3, 1.0, "", "gas boiler efficiency"),
    ("HEATER_EXPORT_P_KWH", F, 0.0, -20.0, 100.0, "p/kWh", "solar day threshold (export value)"),
    ("HEATER_CARBON", B, False, None, None, "", "cheapest: rank by grid CO2 instead"),
    ("HEATER_CARBON_REGION", I, 0, 0, 17, "", "carbonintensity region; 0 = GB"),
    ("HEATER_FORECAST", B, False, None, None, "", "use Forecast.Solar"),
    ("HEATER_LAT", F, 51.5, -90.0, 90.0, "deg", "site latitude"),
    ("HEATER_LON", F, -0.1, -180.0, 180.0, "deg", "site longitude"),
    ("HEATER_PV_DEC", F, 35.0, 0.0, 90.0, "deg", "panel tilt"),
    ("HEATER_PV_AZ", F, 0.0, -180.0, 180.0, "deg", "panel azimuth, 0 = south"),
    ("HEATER_PV_KWP", F, 4.0, 0.1, 100.0, "kWp", "forecast array size"),
    ("HEATER_SUNNY_KWH", F, 8.0, 0.0, 200.0, "kWh", "forecast day above this is sunny"),
    ("HEATER_SOLAR_HEAT", F, 0.5, 0.0, 5.0, "", "collector kWh per forecast kWh"),
    ("HEATER_TANK_L", F, 300.0, 20.0, 2000.0, "l", "tank volume"),
    ("HEATER_LEGIONELLA", B, True, None, None, "", "weekly cycle to HEATER_LEGIONELLA_C"),
    ("HEATER_LEGIONELLA_C", F, 60.0, 55.0, 75.0, "C", "legionella temperature"),
    ("HEATER_LEGIONELLA_DAYS", I, 7, 1, 14, "d", "legionella period"),
    ("HEATER_HTTP_TIMEOUT_S", F, 4.0, 1.0, 10.0, "s", "HTTP timeout per request"),
    ("HEATER_EMONCMS", C, "off", ("off", "emoncms.org", "local"), None, "", "log to EmonCMS"),
    ("HEATER_EMONCMS_IP", L, "", 0, 255, "", "local EmonCMS IP: 192,168,1,60"),
    ("HEATER_EMONCMS_KEY", S, "", 0, 40, "", "EmonCMS write API key"),
    ("HEATER_EMONCMS_NODE", S, "hwc", 1, 24, "", "EmonCMS node name"),
)

# (KEY_LOW, KEY_HIGH, message): KEY_LOW's value must be below KEY_HIGH's.
ORDER_RULES = (
    ("HEATER_SETPOINT_C", "HEATER_CUTOFF_C", "HEATER_SETPOINT_C must be below HEATER_CUTOFF_C"),
    ("HEATER_LEGIONELLA_C", "HEATER_CUTOFF_C", "HEATER_LEGIONELLA_C must be below HEATER_CUTOFF_C"),
)
