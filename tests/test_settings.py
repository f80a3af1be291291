"""Settings: defaults, every kind of bad value, cross-key rules, and the example file."""

import pathlib

import pytest

from controller import settings_spec as spec
from controller.settings import load, parse_rom
from hwc import cpsettings, settings_doc

ROOT = pathlib.Path(__file__).resolve().parents[1]
GOOD_ROM = "28000100000000d3"


def test_defaults_without_any_settings():
    s = load(lambda key: None)
    assert s.errors == []
    assert (s.max_diff_start_k, s.min_diff_k, s.purge_s, s.pwm_period_s) == (8.0, 4.0, 60.0, 5.0)
    assert (s.ntc_cold_channel, s.ntc_hot_channel, s.onewire_pin) == (0, 1, "D4")
    assert [getattr(s, "probe%d_name" % i) for i in range(1, 6)] == list(spec.PROBE_DEFAULT_NAMES)


@pytest.mark.parametrize("key,raw,message", [
    ("MIN_DIFF_K", "four", "expected a number"),
    ("MIN_DIFF_K", "", "empty"),
    ("MIN_DIFF_K", "nan", "not a finite number"),
    ("PURGE_S", "-1", "out of range 0..600 s"),
    ("PURGE_S", "601", "out of range 0..600 s"),
    ("NTC_HOT_CHANNEL", "4", "out of range 0..3"),
    ("NTC_HOT_CHANNEL", "1.5", "expected a whole number"),
    ("NTC_HOT_CHANNEL", "one", "expected a whole number"),
    ("PCF8591_ADDRESS", "0x40", "out of range 72..79"),
    ("ONEWIRE_PIN", "D9", "expected one of D3, D4"),
    ("PROBE1_NAME", "tank top", "only letters, digits and _"),
    ("PROBE1_NAME", "", "length must be 1..24"),
    ("PROBE1_ROM", "28000100000000d4", "CRC check failed"),
    ("PROBE1_ROM", "28000100000000", "16 hex digits, got 14"),
    ("PROBE1_ROM", "zz000100000000d3", "not hexadecimal"),
    ("NTC_TABLE_RAW", "240,x", "expected a number"),
    ("NTC_TABLE_RAW", "240,300", "out of range 0..255"),
])
def test_bad_value_is_reported_and_key_keeps_default(key, raw, message):
    s = load({key: raw}.get)
    assert len(s.errors) == 1
    assert s.errors[0].startswith("%s = %r: " % (key, raw))
    assert message in s.errors[0]
    default = next(e[2] for e in spec.SPEC if e[0] == key)
    value = getattr(s, key.lower())
    assert value == (() if default == "" and key == "NTC_TABLE_RAW" else default)


def test_values_in_every_written_form():
    s = load({"MIN_DIFF_K": "4.5", "PURGE_S": 30, "PCF8591_ADDRESS": "0x4a", "NTC_HOT_CHANNEL": "2",
              "PROBE1_ROM": "28:00:01:00:00:00:00:D3", "NTC_TABLE_RAW": "250, 200,100"}.get)
    assert s.errors == []
    assert (s.min_diff_k, s.purge_s, s.pcf8591_address, s.ntc_hot_channel) == (4.5, 30.0, 0x4A, 2)
    assert s.probe1_rom == GOOD_ROM
    assert s.ntc_table_raw == (250.0, 200.0, 100.0)


def test_getenv_that_raises_is_a_reported_error_not_a_crash():
    def getenv(key):
        if key == "MIN_DIFF_K":
            raise ValueError("invalid syntax for integer with base 10")
        return None

    s = load(getenv)
    assert s.min_diff_k == 4.0
    assert "MIN_DIFF_K: unreadable" in s.errors[0] and 'MIN_DIFF_K = "4"' in s.errors[0]


@pytest.mark.parametrize("env,message", [
    ({"MIN_DIFF_K": "9"}, "MIN_DIFF_K must be below MAX_DIFF_START_K"),
    ({"COOL_OFF_DISARM_C": "75"}, "COOL_OFF_DISARM_C must be below COOL_OFF_ARM_C"),
    ({"DUTY_ROUND_DOWN_PCT": "50", "DUTY_ROUND_UP_PCT": "50"}, "DUTY_ROUND_DOWN_PCT must be below"),
    ({"NTC_HOT_CHANNEL": "0"}, "NTC_COLD_CHANNEL and NTC_HOT_CHANNEL must differ"),
    ({"PROBE2_NAME": "ambient"}, "PROBE2_NAME = 'ambient' repeats probe 1's name"),
    ({"PROBE1_ROM": GOOD_ROM, "PROBE3_ROM": GOOD_ROM}, "PROBE3_ROM repeats probe 1's ROM"),
])
def test_cross_key_rules(env, message):
    s = load(env.get)
    assert any(message in e for e in s.errors), s.errors
    assert s.min_diff_k < s.max_diff_start_k
    assert s.cool_off_disarm_c < s.cool_off_arm_c
    assert s.ntc_cold_channel != s.ntc_hot_channel


def test_parse_rom_rejects_other_families():
    with pytest.raises(ValueError, match="not a DS18B20"):
        parse_rom("10000100000000" + "%02x" % __import__("controller.settings", fromlist=["x"]).crc8(
            bytes([0x10, 0, 1, 0, 0, 0, 0])))


def test_ntc_table_settings_errors_fall_back_to_builtin(tmp_path):
    from controller.settings import ntc_table

    table, error = ntc_table(load({"NTC_TABLE_RAW": "200,210"}.get))
    assert "NTC table settings rejected" in error and table.sixteenths[0] == 243 * 16
    table, error = ntc_table(load({"NTC_BETA_R25_OHM": "10000", "NTC_SERIES_OHM": "10000"}.get))
    assert error is None and table.min_c < 0


def test_example_file_is_generated_from_the_table():
    text = (ROOT / "settings.toml.example").read_text()
    assert text == settings_doc.example_text(), "regenerate: hwc settings-example > settings.toml.example"


def test_example_documents_every_key_with_default_unit_and_range():
    text = (ROOT / "settings.toml.example").read_text()
    for key, kind, default, lo, hi, unit in spec.SPEC:
        block = text.split("# %s = " % key)[0].rsplit("\n# ", 2)
        assert "# %s = " % key in text
        assert "default" in block[-1] and "range" in block[-1]
        if unit:
            assert unit in block[-1]


def test_example_uncommented_reads_back_as_the_defaults_on_circuitpython(tmp_path):
    # Every line of the example, uncommented, must be readable by os.getenv on every
    # CircuitPython version and give exactly the defaults.
    text = (ROOT / "settings.toml.example").read_text()
    lines = [line[2:] if line.startswith("# ") and " = " in line and line[2:3].isupper() else line
             for line in text.splitlines()]
    path = tmp_path / "settings.toml"
    path.write_text("\n".join(lines) + "\n")
    for semantics in (cpsettings.LEGACY, cpsettings.STRINGS):
        s = load(cpsettings.getenv_for(path, semantics))
        assert s.errors == []
        for key, kind, default, *_ in spec.SPEC:
            value = getattr(s, key.lower())
            assert value == (() if kind == "list" and default == "" else default), key


def test_every_setting_has_six_fields_and_a_help_comment():
    from hwc.spec_help import help_texts

    helps = help_texts()
    for entry in spec.SPEC:
        assert len(entry) == 6, entry  # help lives in a '#:' comment: no RAM on the board
        assert len(helps.get(entry[0], "")) >= 10, "%s needs a '#: meaning' line above it" % entry[0]


def test_every_entry_is_written_in_constants_of_a_known_kind():
    """Each entry of the tables is a tuple of literals (its kind too, not the spec_kinds name):
    the compiler builds it as a constant tuple, so the table's import on the board runs no tuple
    building (its code and garbage smaller at each boot)."""
    import ast
    from pathlib import Path

    from controller import spec_kinds

    kinds = {getattr(spec_kinds, k) for k in "FIBSCRLT"}

    def constant(node):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            node = node.operand
        if isinstance(node, ast.Tuple):
            return all(constant(e) for e in node.elts)
        return isinstance(node, ast.Constant)

    tables = 0
    folder = Path(spec.__file__).parent
    for path in [folder / "settings_spec.py"] + sorted(folder.glob("spec_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] in (
                    ["SPEC"], ["_CORE"], ["_TIME"], ["_SCREEN"]):
                tables += 1
                for entry in node.value.elts:
                    assert constant(entry), "%s: %s" % (path.name, ast.unparse(entry))
                    assert entry.elts[1].value in kinds, "%s: %s" % (path.name, ast.unparse(entry))
    assert tables == 6  # _CORE, _TIME, _SCREEN and the three spec_*.py SPECs (spec_kinds has none)
    assert all(entry[1] in kinds for entry in spec.SPEC)
    # the loader writes the kinds and the probe slots as literals too (no spec_kinds on the board)
    from controller import settings as loader

    source = Path(loader.__file__).read_text()
    assert all('"%s"' % kind in source for kind in kinds), "the loader handles every kind"
    assert "_SLOTS = const(%d)" % spec_kinds.PROBE_SLOTS in source
    assert spec.PROBE_SLOTS == spec_kinds.PROBE_SLOTS
    for module in (loader, spec):  # what the board imports to read the settings
        for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [getattr(node, "module", None) or ""] + [a.name for a in node.names]
                assert not [n for n in names if n.endswith("spec_kinds")], module.__name__


# --- switched sections: read at boot only while their switch is on --------------------------------

def test_a_section_switched_off_is_read_when_first_asked_for():
    s = load({"HEATER_POWER_W": "lots", "HEATER_SETPOINT_C": "60", "MQTT_PORT": "8883"}.get)
    assert s.errors == [] and s.heater_enabled is False and s.mqtt_broker == ""
    assert "heater_power_w" not in vars(s) and "mqtt_port" not in vars(s)  # no name kept for them
    assert s.heater_setpoint_c == 60.0  # the whole heater section is read now, as load reads it
    assert s.heater_power_w == 3000.0 and len(s.errors) == 1 and s.errors[0].startswith("HEATER_POWER_W = 'lots'")
    assert "mqtt_port" not in vars(s) and s.mqtt_port == 8883
    assert "heater_power_w" in vars(load({"MQTT_BROKER": "tb.local"}.get))  # the network may override its keys
    with pytest.raises(AttributeError):
        s.no_such_setting
    assert not hasattr(s, "no_such_setting")


def test_a_section_switched_on_is_read_at_boot_with_its_rules():
    env = {"HEATER_ENABLED": "1", "HEATER_SETPOINT_C": "75", "HEATER_CUTOFF_C": "70", "MQTT_BROKER": "tb.local",
           "MQTT_PORT": "0"}
    s = load(env.get)
    assert "heater_power_w" in vars(s) and "mqtt_port" in vars(s)
    assert any("HEATER_SETPOINT_C must be below HEATER_CUTOFF_C" in e for e in s.errors), s.errors
    assert any(e.startswith("MQTT_PORT = '0'") for e in s.errors), s.errors
    late = load(dict(env, HEATER_ENABLED="0", MQTT_BROKER="").get)
    assert not any("HEATER_SETPOINT_C" in e for e in late.errors)
    assert late.heater_setpoint_c == s.heater_setpoint_c and late.errors[-1] == s.errors[-1]  # the rule, when read


def test_pending_keeps_getenv_only_while_a_section_is_unread():
    getenv = {}.get
    s = load(getenv)
    assert s.pending == (getenv, 0, 1)  # both switched sections unread
    assert s.heater_power_w == 3000.0 and s.pending == (getenv, 0)
    assert s.mqtt_port == 1883 and s.pending == (getenv,)
    everything = load({"MQTT_BROKER": "tb.local", "HEATER_ENABLED": "1"}.get)
    assert not hasattr(everything, "pending")
    # nothing but the settings and the errors: 165 + 2 attributes fill a 167-slot table on the board
    assert sorted(vars(everything)) == sorted([e[0].lower() for e in spec.SPEC] + ["errors", "error_keys"])


def test_a_late_read_on_micropython_forgets_the_loader_again():
    from mpy_harness import run_device_script

    out = run_device_script(
        "import sys\nfrom controller.settings import load\n"
        "s = load({'HEATER_TARIFF': 'greenest'}.get)\n"
        "del sys.modules['controller.settings']\n"  # as controller.main forgets the loader at boot
        "print('RESULT', s.heater_tariff, s.heater_power_w, 'controller.settings' in sys.modules, s.errors)\n")
    assert "RESULT greenest 3000.0 False []" in out, out


def test_switched_sections_copy_their_switch_entries_exactly():
    """settings_spec.SWITCHED holds each switched section's own switch entries, so that the board
    reads a section's switch without importing its module: they must be the module's rows."""
    import importlib

    for name, keys, entries in spec.SWITCHED:
        module = importlib.import_module("controller." + name)
        assert entries and all(entry in module.SPEC for entry in entries), name
        assert {entry[0] for entry in entries} <= set(keys)
    assert len(spec.table([False, False])[0]) == len(spec.SPEC) - sum(
        len(importlib.import_module("controller." + p[0]).SPEC) - len(p[2]) for p in spec.SWITCHED)
