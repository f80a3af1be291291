"""Every tunable, pin and ROM of the controller: key, type, default, range, unit, meaning.

This table is the single source of truth: the loader (settings.py) validates against it,
settings.toml.example is checked against it by the tests, and host tools (replay, the
simulator) use it too.

Each entry is a tuple ``(KEY, KIND, DEFAULT, MIN, MAX, UNIT)``, with its meaning in a ``#:``
comment line just above it: comments cost no RAM on the board, and the host tools
(settings.toml.example, ``hwc settings``) read them from this source. KIND is one of
(``controller.spec_kinds``, which the board does not import): ``"float"`` (F), ``"int"`` (I), ``"bool"`` (B, 0/1), ``"str"``
(S), ``"choice"`` (C: MIN holds the allowed values), ``"rom"`` (R: DS18B20 ROM, 16 hex digits
or empty), ``"list"`` (L: comma-separated list of numbers, MIN/MAX bound each number),
``"text"`` (T). Every field is written as a literal, the kind too, not the spec_kinds name:
an entry of constants only is a constant tuple that the compiler builds
(MICROPY_COMP_CONST_TUPLE), so the table's code builds no tuple at run time (the board
compiles it at each boot: 5.5 KB less allocated by its import on the instrument).

On CircuitPython settings.toml values can only be quoted strings or integers, so floats and
lists are written as quoted strings: ``MIN_DIFF_K = "4.0"``. Integers may be written either way.

The core keys are here, and the two small sections of local time and the screen; each larger
concern (protection, network, heater) keeps its keys in its own ``spec_*.py`` module with
``TITLE``, ``SPEC`` and ``ORDER_RULES``. They are appended in the order protection, network,
local time, screen, heater. ``SECTIONS`` pairs the first key of each section with its title.

``SPEC``, ``ORDER_RULES`` and ``SECTIONS`` are the whole table, assembled when first asked for
(the host tools). The board asks ``table(on)`` for what it reads: a switched section (network,
heater: ``SWITCHED``) whose switch is off is not imported (its module's names, path and short
strings are not interned) and stands in the table as its switch entries alone.
"""

# Names of the five DS18B20 probe slots' defaults (PROBE1_NAME..PROBE5_NAME below).
PROBE_DEFAULT_NAMES = ("ambient", "tank_inlet", "tank_outlet", "panel_inlet", "panel_outlet")
PROBE_SLOTS = len(PROBE_DEFAULT_NAMES)  # = spec_kinds.PROBE_SLOTS (a test checks)

_CORE = (
    # --- NTC thermistors on the PCF8591 ------------------------------------------------
    #: I2C address of the PCF8591 ADC/DAC board
    ("PCF8591_ADDRESS", "int", 0x48, 0x48, 0x4F, ""),
    #: PCF8591 input of the cold sensor (tank bottom)
    ("NTC_COLD_CHANNEL", "int", 0, 0, 3, ""),
    #: PCF8591 input of the hot sensor (collector top)
    ("NTC_HOT_CHANNEL", "int", 1, 0, 3, ""),
    #: own lookup table: raw values, strictly falling; empty = the built-in table
    ("NTC_TABLE_RAW", "list", "", 0, 255, ""),
    #: temperature of the first NTC_TABLE_RAW point
    ("NTC_TABLE_START_C", "float", 0.0, -60.0, 100.0, "C"),
    #: spacing of the NTC_TABLE_RAW points
    ("NTC_TABLE_STEP_C", "float", 10.0, 1.0, 50.0, "K"),
    #: NTC resistance at 25 C; non-zero computes the table from Beta parameters
    ("NTC_BETA_R25_OHM", "float", 0.0, 0.0, 1000000.0, "ohm"),
    #: NTC Beta constant
    ("NTC_BETA_K", "float", 3950.0, 1000.0, 10000.0, "K"),
    #: pull-up resistor from 3.3 V to the ADC input
    ("NTC_SERIES_OHM", "float", 1000.0, 10.0, 1000000.0, "ohm"),
    #: exponential smoothing: fraction of the difference taken per reading, to three places (1 = none)
    ("NTC_SMOOTHING", "float", 0.2, 0.01, 1.0, ""),
    # --- DS18B20 probes -------------------------------------------------------------
    #: Titano JST port with the DS18B20 bus
    ("ONEWIRE_PIN", "choice", "D4", ("D3", "D4"), None, ""),
    #: name of DS18B20 probe 1
    ("PROBE1_NAME", "str", "ambient", 1, 24, ""),
    #: ROM of probe 1, 16 hex digits (printed at boot)
    ("PROBE1_ROM", "rom", "", None, None, ""),
    #: name of DS18B20 probe 2
    ("PROBE2_NAME", "str", "tank_inlet", 1, 24, ""),
    #: ROM of probe 2
    ("PROBE2_ROM", "rom", "", None, None, ""),
    #: name of DS18B20 probe 3
    ("PROBE3_NAME", "str", "tank_outlet", 1, 24, ""),
    #: ROM of probe 3
    ("PROBE3_ROM", "rom", "", None, None, ""),
    #: name of DS18B20 probe 4
    ("PROBE4_NAME", "str", "panel_inlet", 1, 24, ""),
    #: ROM of probe 4
    ("PROBE4_ROM", "rom", "", None, None, ""),
    #: name of DS18B20 probe 5
    ("PROBE5_NAME", "str", "panel_outlet", 1, 24, ""),
    #: ROM of probe 5
    ("PROBE5_ROM", "rom", "", None, None, ""),
    #: wait between starting a conversion and reading it
    ("PROBE_CONVERSION_MS", "int", 750, 750, 2000, "ms"),
    #: a faulty probe keeps showing its last good value this long, then none
    ("PROBE_MAX_AGE_S", "float", 30.0, 2.0, 3600.0, "s"),
    #: how often all sensors are read
    ("SENSOR_PERIOD_S", "float", 2.0, 1.0, 60.0, "s"),
    # --- Pump algorithm (seed 004) ---------------------------------------------------
    #: how often the pump duty is calculated
    ("CONTROL_PERIOD_S", "float", 2.0, 0.5, 60.0, "s"),
    #: burst: full-speed bursts (BURST_*; the bench's best); seed: the seed's adaptive algorithm (below); onoff: fixed speed; proportional: commercial speed control
    ("CONTROL_STRATEGY", "choice", "burst", ("seed", "onoff", "proportional", "burst"), None, ""),
    #: start when hot - cold exceeds this; max_diff's start value
    ("MAX_DIFF_START_K", "float", 8.0, 1.0, 40.0, "K"),
    #: stop when hot - cold falls below this
    ("MIN_DIFF_K", "float", 4.0, 0.5, 30.0, "K"),
    #: max_diff multiplier per cycle at 100 % duty (to four places)
    ("MAX_DIFF_GROW", "float", 1.01, 1.0, 1.2, ""),
    #: max_diff multiplier per cycle below DUTY_SHRINK_BELOW_PCT (to four places)
    ("MAX_DIFF_SHRINK", "float", 0.98, 0.8, 1.0, ""),
    #: max_diff never grows above this
    ("MAX_DIFF_CEILING_K", "float", 40.0, 2.0, 100.0, "K"),
    #: max_diff never shrinks below MIN_DIFF_K plus this (keeps the band non-empty)
    ("MAX_DIFF_FLOOR_MARGIN_K", "float", 0.5, 0.1, 20.0, "K"),
    #: duty below this shrinks max_diff
    ("DUTY_SHRINK_BELOW_PCT", "float", 30.0, 0.0, 100.0, "%"),
    #: duty above this runs at 100 %
    ("DUTY_ROUND_UP_PCT", "float", 90.0, 50.0, 100.0, "%"),
    #: duty below this runs at 0 %
    ("DUTY_ROUND_DOWN_PCT", "float", 10.0, 0.0, 50.0, "%"),
    #: line purge at 100 % after the stop condition; 0 disables
    ("PURGE_S", "float", 60.0, 0.0, 600.0, "s"),
    #: tank bottom above this arms the cool-off
    ("COOL_OFF_ARM_C", "float", 70.0, 40.0, 95.0, "C"),
    #: tank bottom below this disarms it and stops the pump
    ("COOL_OFF_DISARM_C", "float", 60.0, 30.0, 90.0, "C"),
    #: cool-off runs when the collector is this far below the tank
    ("COOL_OFF_DIFF_K", "float", 30.0, 5.0, 80.0, "K"),
    #: collector above this runs the pump whatever the difference
    ("OVERHEAT_C", "float", 100.0, 60.0, 150.0, "C"),
    #: onoff/proportional: start when hot - cold reaches this
    ("DIFF_ON_K", "float", 6.0, 1.0, 40.0, "K"),
    #: onoff/proportional: stop when hot - cold falls below this
    ("DIFF_OFF_K", "float", 4.0, 0.5, 30.0, "K"),
    #: proportional: full speed from this difference up
    ("PROP_NOMINAL_K", "float", 10.0, 2.0, 60.0, "K"),
    #: proportional: the speed at DIFF_OFF_K
    ("PROP_MIN_DUTY_PCT", "float", 30.0, 5.0, 100.0, "%"),
    #: burst: the highest start threshold (strong sun)
    ("BURST_ON_K", "float", 20.0, 2.0, 40.0, "K"),
    #: burst: the lowest start threshold (a collector no longer warming)
    ("BURST_EARLY_K", "float", 7.0, 1.0, 40.0, "K"),
    #: burst: K of start threshold above BURST_EARLY_K per K that hot - cold rose over the last BURST_WATCH_S
    ("BURST_WAIT_GAIN", "float", 4.0, 0.0, 20.0, ""),
    #: burst: the window over which the collector's warming is watched while idle
    ("BURST_WATCH_S", "float", 120.0, 10.0, 1800.0, "s"),
    #: burst: a burst ends when hot - cold falls below half its start threshold, or below this if that is lower
    ("BURST_OFF_K", "float", 6.0, 0.5, 30.0, "K"),
    #: on/off cycle the pump duty is applied over
    ("PWM_PERIOD_S", "float", 5.0, 1.0, 60.0, "s"),
    #: the pump stops if the control decision is older than this (control task stuck)
    ("DECISION_MAX_AGE_S", "float", 15.0, 5.0, 120.0, "s"),
)

# Cross-key rules: (KEY_LOW, KEY_HIGH, message). KEY_LOW's value must be below KEY_HIGH's.
# On a violation both keys fall back to their defaults (which satisfy every rule).
_CORE_RULES = (
    ("MIN_DIFF_K", "MAX_DIFF_START_K", "MIN_DIFF_K must be below MAX_DIFF_START_K"),
    ("MAX_DIFF_START_K", "MAX_DIFF_CEILING_K", "MAX_DIFF_START_K must be below MAX_DIFF_CEILING_K"),
    ("COOL_OFF_DISARM_C", "COOL_OFF_ARM_C", "COOL_OFF_DISARM_C must be below COOL_OFF_ARM_C"),
    ("DUTY_ROUND_DOWN_PCT", "DUTY_ROUND_UP_PCT", "DUTY_ROUND_DOWN_PCT must be below DUTY_ROUND_UP_PCT"),
    ("DIFF_OFF_K", "DIFF_ON_K", "DIFF_OFF_K must be below DIFF_ON_K"),
    ("DIFF_OFF_K", "PROP_NOMINAL_K", "DIFF_OFF_K must be below PROP_NOMINAL_K"),
    ("BURST_OFF_K", "BURST_EARLY_K", "BURST_OFF_K must be below BURST_EARLY_K"),
    ("BURST_EARLY_K", "BURST_ON_K", "BURST_EARLY_K must be below BURST_ON_K"),
    ("CONTROL_PERIOD_S", "DECISION_MAX_AGE_S", "CONTROL_PERIOD_S must be below DECISION_MAX_AGE_S"),
)

# --- Local time (the screen clock, the counters' "today", the heater's windows, the tube kick's
# hours; controller.localtime) and the TFT screen (issue 5): small sections kept here rather than
# in modules of their own (the board interns a module's file and module names: ~0.1 KB each).
_TIME = (
    #: summer time: "uk" or "eu" (last Sunday of March to last Sunday of October, 01:00 UTC), "us", or "none"
    ("TIME_ZONE_RULE", "choice", "uk", ("none", "uk", "eu", "us"), None, ""),
    #: standard (winter) time minus UTC: 0 in the UK, 60 in Paris or Berlin, -300 in New York
    ("TIME_UTC_OFFSET_MIN", "int", 0, -720, 840, "min"),
    #: old name of TIME_UTC_OFFSET_MIN (no summer time unless TIME_ZONE_RULE is eu or us); write that instead
    ("SCREEN_UTC_OFFSET_MIN", "int", 0, -720, 840, "min"),
)

_SCREEN = (
    #: backlight while in use (0.1..1)
    ("SCREEN_BRIGHTNESS", "float", 1.0, 0.1, 1.0, ""),
    #: dim the backlight after this long without a touch; 0 = never
    ("SCREEN_DIM_AFTER_S", "int", 300, 0, 86400, "s"),
    #: backlight when dimmed (0 = off); a touch or a fault wakes it
    ("SCREEN_DIM_BRIGHTNESS", "float", 0.05, 0.0, 1.0, ""),
    #: back to the main page after this long without a touch; 0 = never
    ("SCREEN_HOME_AFTER_S", "int", 120, 0, 86400, "s"),
    #: hours shown on the trend page
    ("SCREEN_TREND_HOURS", "choice", "24", ("12", "24"), None, "h"),
    #: name of the DS18B20 probe shown as tank top
    ("SCREEN_TANK_TOP_PROBE", "str", "tank_top", 0, 24, ""),
    #: name of the DS18B20 probe shown as ambient
    ("SCREEN_AMBIENT_PROBE", "str", "ambient", 0, 24, ""),
)

# Sections that the board reads only while a switch of theirs is on: (module, switch keys, the
# section's own switch entries, as its table has them: a test checks). With every switch off
# (the network without MQTT_BROKER; the heater without HEATER_ENABLED, and without the network,
# which may override its keys) controller.settings.load reads the section's own switch alone, so
# that a build without them keeps none of their names and never imports their module; the section
# is read whole the first time one of its keys is asked for (controller.Settings).
SWITCHED = (("spec_net", ("MQTT_BROKER",), (("MQTT_BROKER", "text", "", 0, 64, ""),)),
            ("spec_heater", ("HEATER_ENABLED", "MQTT_BROKER"), (("HEATER_ENABLED", "bool", False, None, None, ""),)))


def section(i):
    """The module of SWITCHED[i] (imported now)."""
    return __import__("controller." + SWITCHED[i][0], None, None, ("SPEC",))


def table(on=None):
    """(SPEC, ORDER_RULES, SECTIONS) in the order protection, network, local time, screen,
    heater. ``on``: a flag per SWITCHED section, read whole while its flag is set, else its switch
    entries alone (no title, no rules); None: every section whole."""
    from controller import spec_protect

    # One list extended (in place while the heap above it is free) and one tuple made of it,
    # not a longer tuple copied per section: the import allocates 0.7 KB less (the board
    # compiles and runs it at each boot).
    spec = list(_CORE)
    rules = list(_CORE_RULES)
    sections = [
        ("PCF8591_ADDRESS", "NTC thermistors on the PCF8591 (collector top = hot, tank bottom = cold)"),
        ("ONEWIRE_PIN", "DS18B20 probes on the 1-Wire bus. Leave the ROMs empty at first: the boot screen and the\n"
                        "# serial console print the ROMs found as lines you can paste here."),
        ("CONTROL_PERIOD_S", "Pump algorithm (seed 004): adaptive differential control, purge, cool-off, overheat"),
    ]
    parts = [(spec_protect.SPEC, spec_protect.TITLE, spec_protect.ORDER_RULES), 0,
             (_TIME, "Local time: the screen clock, today's counters, the heater's windows (summer time by rule)", ()),
             (_SCREEN, "The TFT screen: brightness, dimming, pages, the probes shown as tank top and ambient",
              (("SCREEN_DIM_BRIGHTNESS", "SCREEN_BRIGHTNESS", "SCREEN_DIM_BRIGHTNESS must be below SCREEN_BRIGHTNESS"),)),
             1]
    for part in parts:
        if type(part) is int:  # a switched section: SWITCHED[part]
            if on is None or on[part]:
                module = section(part)
                part = (module.SPEC, module.TITLE, module.ORDER_RULES)
            else:
                spec.extend(SWITCHED[part][2])
                continue
        if part[0]:
            sections.append((part[0][0][0], part[1]))
            spec.extend(part[0])
            rules.extend(part[2])
    return tuple(spec), tuple(rules), sections


def __getattr__(name):
    """The whole table for the host tools (PEP 562: asked for by name, assembled once)."""
    if name not in ("SPEC", "ORDER_RULES", "SECTIONS"):
        raise AttributeError(name)
    spec = table()
    globals().update(SPEC=spec[0], ORDER_RULES=spec[1], SECTIONS=spec[2])
    return globals()[name]
