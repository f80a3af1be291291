"""`hwc settings check`: every kind of problem with its message and line, the exit codes, and the
device's loader (the code the checker relies on) giving the same errors on MicroPython."""

import json

import pytest

from controller import settings_spec as spec
from controller.settings import crc8, load
from hwc import cli, cpsettings, settings_check
from hwc.settings_check import ERROR, WARNING, check_text, semantics_for
from mpy_harness import run_device_script

GOOD_ROM = "28000100000000d3"
BOTH = (cpsettings.LEGACY, cpsettings.STRINGS)


def found(text, semantics=BOTH):
    return [(d.line, d.severity, d.message) for d in check_text(text, semantics)]


def only(text, semantics=BOTH):
    """The single finding for ``text`` (asserts there is exactly one)."""
    result = found(text, semantics)
    assert len(result) == 1, result
    return result[0]


def test_the_example_and_an_empty_file_are_clean():
    assert found(spec_example()) == []
    assert found("") == []
    assert found("# only a comment\n\n") == []


def spec_example():
    from hwc import settings_doc

    return settings_doc.example_text()


@pytest.mark.parametrize("line,expected", [
    ('MIN_DIFF_K = "four"', "MIN_DIFF_K = 'four': expected a number; using default 4.0"),
    ('NTC_HOT_CHANNEL = "1.5"', "NTC_HOT_CHANNEL = '1.5': expected a whole number; using default 1"),
    ('PROBE_CONVERSION_MS = "fast"', "PROBE_CONVERSION_MS = 'fast': expected a whole number"),
    ('NTC_TABLE_RAW = "240, x"', "NTC_TABLE_RAW = '240, x': expected a number"),
    ('PROBE1_NAME = "tank top"', "PROBE1_NAME = 'tank top': only letters, digits and _ allowed"),
])
def test_bad_type(line, expected):
    number, severity, message = only("# settings\n\n" + line + "\n")
    assert (number, severity) == (3, ERROR)
    assert message.startswith(expected)


@pytest.mark.parametrize("line,expected", [
    ("PURGE_S = 700", "PURGE_S = '700': out of range 0..600 s; using default 60.0"),
    ('MIN_DIFF_K = "0.1"', "MIN_DIFF_K = '0.1': out of range 0.5..30 K; using default 4.0"),
    ("PCF8591_ADDRESS = 0x40", "PCF8591_ADDRESS = '0x40': out of range 72..79; using default 72"),
    ('NTC_TABLE_RAW = "250, 300"', "NTC_TABLE_RAW = '250, 300': out of range 0..255"),
])
def test_out_of_range(line, expected):
    number, severity, message = only("\n" + line + "\n")
    assert (number, severity) == (2, ERROR)
    assert message.startswith(expected)


def test_legacy_semantics_shows_the_value_as_circuitpython_9_reads_it():
    # CircuitPython <= 10.1 returns a bare integer as int: the firmware's message shows 700.
    assert only("PURGE_S = 700\n", (cpsettings.LEGACY,)) == (
        1, ERROR, "PURGE_S = 700: out of range 0..600 s; using default 60.0")


@pytest.mark.parametrize("key,guess", [
    ("MIN_DIF_K", "MIN_DIFF_K"),
    ("min_diff_k", "MIN_DIFF_K"),
    ("PROBE1-ROM", "PROBE1_ROM"),
    ("ONEWIRE_PINS", "ONEWIRE_PIN"),
    ("CIRCUITPY_WIFI_SSD", "CIRCUITPY_WIFI_SSID"),
])
def test_unknown_key_near_a_known_one_is_an_error_with_a_suggestion(key, guess):
    assert only('PURGE_S = "30"\n%s = "1"\n' % key) == (
        2, ERROR, "%s is not a setting: did you mean %s? (as written, nothing reads it)" % (key, guess))


def test_unknown_key_unlike_any_is_a_warning():
    assert only('ADAFRUIT_AIO_KEY = "abc"\n') == (
        1, WARNING, "ADAFRUIT_AIO_KEY is not a setting of this controller nor one of CircuitPython's: "
                    "nothing reads it")


def test_circuitpython_own_keys_are_accepted_and_checked():
    text = ('CIRCUITPY_WIFI_SSID = "home net"\nCIRCUITPY_WIFI_PASSWORD = "s3cret pw"\n'
            'CIRCUITPY_WEB_API_PASSWORD = "x"\nCIRCUITPY_WEB_API_PORT = 8080\nCIRCUITPY_BLE_NAME = "hwc"\n'
            "CIRCUITPY_HEAP_START_SIZE = 16384\n")
    assert found(text) == []
    assert only('CIRCUITPY_WEB_API_PORT = "80"\n')[2].startswith(
        'CIRCUITPY_WEB_API_PORT = "80": CircuitPython reads this key as a bare integer')
    assert only("CIRCUITPY_WEB_API_PORT = 70000\n")[2] == "CIRCUITPY_WEB_API_PORT = 70000: out of range (1..65535)"
    assert only("CIRCUITPY_PYSTACK_SIZE = 1537\n")[2].endswith("(at least 4, a multiple of 4)")
    assert only("CIRCUITPY_WIFI_SSID = 5\n")[2] == (
        'CIRCUITPY_WIFI_SSID = 5: CircuitPython expects a quoted string - write CIRCUITPY_WIFI_SSID = "5"')
    assert only('CIRCUITPY_WIFI_PASSWORD = "short"\n') == (
        1, ERROR, 'CIRCUITPY_WIFI_PASSWORD = "short": a WPA/WPA2 WiFi password has 8..63 characters '
                  "(64 for a hex key), or is empty for an open network")
    assert only('CIRCUITPY_WIFI_SSID = "%s"\n' % ("x" * 33))[2].endswith("has at most 32 bytes")


def _rom_with_crc(first7):
    return "".join("%02x" % b for b in first7) + "%02x" % crc8(bytes(first7))


def test_rom_length_crc_hex_and_family():
    assert only('PROBE2_ROM = "28000100000000"\n') == (
        1, ERROR, "PROBE2_ROM = '28000100000000': a ROM has 16 hex digits, got 14; using default ''")
    assert only('\nPROBE2_ROM = "28000100000000d4"\n') == (
        2, ERROR, "PROBE2_ROM = '28000100000000d4': CRC check failed (typo?); using default ''")
    assert only('PROBE2_ROM = "zz000100000000d3"\n')[2].startswith("PROBE2_ROM = 'zz000100000000d3': not hexadecimal")
    ds18s20 = _rom_with_crc([0x10, 1, 2, 3, 4, 5, 6])
    assert "family code 10 is not a DS18B20 (28)" in only('PROBE2_ROM = "%s"\n' % ds18s20)[2]
    # Every written form of a good ROM passes.
    other = _rom_with_crc([0x28, 9, 8, 7, 6, 5, 4])
    assert found('PROBE1_ROM = "28:00:01:00:00:00:00:D3"\nPROBE2_ROM = "%s"\n' % other) == []


def test_pin_that_is_not_a_titano_jst_port():
    assert only('ONEWIRE_PIN = "D5"\n') == (1, ERROR, (
        "ONEWIRE_PIN = 'D5': expected one of D3, D4; using default 'D4' "
        "(the PyPortal Titano's 3-pin JST ports are D3 and D4; the third JST port is I2C)"))
    assert only('ONEWIRE_PIN = "A1"\n')[2].endswith('(A1 is the JST port D3: write ONEWIRE_PIN = "D3")')
    assert found('ONEWIRE_PIN = "D3"\n') == []


def test_pin_choices_exist_on_the_titano_board():
    # Every *_PIN setting's choices are pins of the Titano's board module (circuitpython-stubs).
    from importlib import resources

    stub = resources.files("board_definitions").joinpath("pyportal_titano").joinpath("__init__.pyi").read_text()
    pins = [entry for entry in spec.SPEC if entry[0].endswith("_PIN")]
    assert pins, "no pin settings?"
    for key, kind, default, choices, *_ in pins:
        assert kind == "choice" and default in choices
        for name in choices:
            assert "\n%s: microcontroller.Pin" % name in stub, (key, name)
    for name in settings_check.TITANO_JST_PORTS + tuple(settings_check.TITANO_PIN_ALIASES):
        assert "\n%s: microcontroller.Pin" % name in stub


@pytest.mark.parametrize("text,line,expected", [
    ('MIN_DIFF_K = "9"\n', 1, "MIN_DIFF_K must be below MAX_DIFF_START_K; using defaults MIN_DIFF_K = 4 and "
                              "MAX_DIFF_START_K = 8"),
    ('MAX_DIFF_START_K = "3"\n\nMIN_DIFF_K = "3.5"\n', 3,
     "MIN_DIFF_K must be below MAX_DIFF_START_K; using defaults MIN_DIFF_K = 4 and MAX_DIFF_START_K = 8 "
     "(MAX_DIFF_START_K is on line 1)"),
    ('# c\nCOOL_OFF_DISARM_C = "75"\n', 2, "COOL_OFF_DISARM_C must be below COOL_OFF_ARM_C"),
    ("NTC_HOT_CHANNEL = 0\n", 1, "NTC_COLD_CHANNEL and NTC_HOT_CHANNEL must differ; using defaults 0 and 1"),
    ('PROBE1_NAME = "tank"\nPROBE2_NAME = "tank"\n', 2,
     "PROBE2_NAME = 'tank' repeats probe 1's name; using 'tank_inlet' (PROBE1_NAME is on line 1)"),
    ('PROBE1_ROM = "%s"\nPROBE3_ROM = "%s"\n' % (GOOD_ROM, GOOD_ROM), 2,
     "PROBE3_ROM repeats probe 1's ROM; probe 3 left unconfigured (PROBE1_ROM is on line 1)"),
])
def test_cross_key_rules(text, line, expected):
    number, severity, message = only(text)
    assert (number, severity) == (line, ERROR)
    assert message.startswith(expected)


def test_toml_syntax_errors_have_their_line():
    text = ('PURGE_S = "30"\n'
            "just some words\n"
            'PROBE1_NAME = "tank\n'
            "MIN_DIFF_K =\n"
            "PROBE2_NAME = 'inlet'\n"
            '"QUOTED" = "1"\n'
            "[wifi]\n"
            'PURGE_S = "20"\n')
    result = found(text)
    assert result[0] == (2, ERROR, "'just some words' is not a KEY = value line; CircuitPython skips it")
    assert result[1][:2] == (3, ERROR) and "the string has no closing quote on this line" in result[1][2]
    assert result[2][:2] == (4, ERROR) and 'MIN_DIFF_K has no value' in result[2][2]
    assert result[3][:2] == (5, ERROR) and "single-quoted (literal) strings are not supported" in result[3][2]
    assert result[3][2].endswith('write PROBE2_NAME = "inlet"')
    assert result[4][:2] == (6, ERROR) and "is not a bare key" in result[4][2]
    assert result[6][:2] == (7, ERROR) and result[6][2].startswith("[wifi] starts a TOML table")
    assert result[7] == (8, ERROR, "PURGE_S is below the table header on line 7: os.getenv() never reads it")
    # The broken lines are explained once: the loader's "unreadable" for them is not repeated.
    assert not any("unreadable" in message for _l, _s, message in result)


def test_duplicate_key():
    assert only('PURGE_S = "30"\nMIN_DIFF_K = "3"\nPURGE_S = "20"\n') == (
        3, ERROR, "PURGE_S is already set on line 1: os.getenv() uses the first one and never reads this line")


def test_bare_float_is_an_error_for_circuitpython_10_1_and_a_warning_for_10_2():
    text = "# tuning\nMIN_DIFF_K = 4.5\n"
    expected = ('MIN_DIFF_K = 4.5 is not a quoted string or integer: os.getenv() raises ValueError on '
                "CircuitPython 9.0-10.1 and returns '4.5' on 10.2+ - write MIN_DIFF_K = \"4.5\"")
    assert found(text, semantics_for("10.1")) == [(2, ERROR, expected)]
    assert found(text, semantics_for("9")) == [(2, ERROR, expected)]
    assert found(text) == [(2, ERROR, expected)]
    # checked for 10.2+ only: the message says what that version does, nothing of 9.0-10.1
    assert found(text, semantics_for("10.2")) == [(2, WARNING, 'MIN_DIFF_K = 4.5 is not a quoted string or integer: '
                                                  "os.getenv() returns '4.5' on 10.2+ - write MIN_DIFF_K = \"4.5\"")]
    # 10.2+ reads the text, and the firmware validates it: out of range is still an error.
    result = found("PURGE_S = 700.5\n", semantics_for("10.3.1"))
    assert result[0] == (1, ERROR, "PURGE_S = '700.5': out of range 0..600 s; using default 60.0")
    assert result[1][1] == WARNING


def test_bom_and_bad_utf8(tmp_path):
    assert found('\ufeffPURGE_S = "30"\n')[0][:2] == (1, ERROR)
    path = tmp_path / "settings.toml"
    path.write_bytes(b'PURGE_S = "30"\nPROBE1_NAME = "caf\xe9"\n')
    result = settings_check.check_file(path, BOTH)
    assert (result[0].line, result[0].severity) == (2, ERROR)
    assert result[0].message.startswith("byte 0xe9 at column 19 is not UTF-8")


@pytest.mark.parametrize("version,expected", [
    ("any", BOTH), ("10", BOTH), ("9", (cpsettings.LEGACY,)), ("9.2.1", (cpsettings.LEGACY,)),
    ("10.1", (cpsettings.LEGACY,)), ("10.2", (cpsettings.STRINGS,)), ("10.3.1", (cpsettings.STRINGS,)),
    ("11", (cpsettings.STRINGS,)),
])
def test_circuitpython_versions(version, expected):
    assert semantics_for(version) == expected


@pytest.mark.parametrize("version", ["7", "ten", "10.x", ""])
def test_bad_circuitpython_version(version):
    with pytest.raises(ValueError):
        semantics_for(version)


# --- the command: output and exit codes ----------------------------------------------------------


def test_exit_0_clean_with_summary(tmp_path, capsys):
    path = tmp_path / "settings.toml"
    path.write_text('PURGE_S = "30"\nPROBE1_ROM = "%s"\nCIRCUITPY_WIFI_SSID = "home"\n' % GOOD_ROM)
    assert cli.main(["settings", "check", str(path)]) == 0
    assert capsys.readouterr().out == "%s: OK for CircuitPython 9.0-10.1 and CircuitPython 10.2+\n" % path


def test_exit_1_on_errors_with_file_line_severity(tmp_path, capsys):
    path = tmp_path / "settings.toml"
    path.write_text('PURGE_S = "30"\nMIN_DIF_K = "3"\nPURGE_S = "20"\nNICE_TO_HAVE = "1"\n')
    assert cli.main(["settings", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("%s:2: error: MIN_DIF_K is not a setting: did you mean MIN_DIFF_K? "
                      "(as written, nothing reads it)" % path)
    assert out[1].startswith("%s:3: error: PURGE_S is already set on line 1" % path)
    assert out[2].startswith("%s:4: warning: NICE_TO_HAVE is not a setting" % path)
    assert out[3] == "%s: 2 errors, 1 warning for CircuitPython 9.0-10.1 and CircuitPython 10.2+" % path


def test_warnings_alone_exit_0_unless_strict(tmp_path, capsys):
    path = tmp_path / "settings.toml"
    path.write_text("MIN_DIFF_K = 4.5\n")
    assert cli.main(["settings", "check", "--circuitpython", "10.2", str(path)]) == 0
    assert cli.main(["settings", "check", "--circuitpython", "10.2", "--strict", str(path)]) == 1
    assert cli.main(["settings", "check", "--circuitpython", "10.1", str(path)]) == 1
    capsys.readouterr()
    assert cli.main(["settings", "check", "-q", "--circuitpython", "10.2", str(path)]) == 0
    assert capsys.readouterr().out.count("\n") == 1  # the warning, no summary


def test_exit_2_unreadable_file(tmp_path, capsys):
    assert cli.main(["settings", "check", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read %s: no such file" % (tmp_path / "missing.toml") in capsys.readouterr().err
    assert cli.main(["settings", "check", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert cli.main(["settings", "check", "--circuitpython", "7", str(tmp_path)]) == 2


def test_exit_2_other_os_errors(tmp_path, capsys):
    # Any OSError is "cannot read" (here: a path through a regular file; as root a chmod 0 would
    # not stop the read, so permissions are not what this uses).
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["settings", "check", str(blocker / "settings.toml")]) == 2
    assert "cannot read %s: Not a directory" % (blocker / "settings.toml") in capsys.readouterr().err


def test_settings_example_alias_still_prints_the_example(capsys):
    assert cli.main(["settings-example"]) == 0
    alias = capsys.readouterr().out
    assert cli.main(["settings", "example"]) == 0
    assert capsys.readouterr().out == alias == spec_example()


# --- the same loader on MicroPython --------------------------------------------------------------

MPY_SCRIPT = """
import json
from controller.settings import load
out = []
for env in %s:
    s = load(env.get)
    out.append([s.errors, [list(k) for k in s.error_keys]])
print("RESULT " + json.dumps(out))
"""

MPY_CASES = [
    {"MIN_DIFF_K": "four", "PURGE_S": "700", "NTC_HOT_CHANNEL": "1.5"},
    {"PROBE1_ROM": "28000100000000d4", "PROBE2_ROM": "2800", "ONEWIRE_PIN": "D5"},
    {"MIN_DIFF_K": "9", "NTC_HOT_CHANNEL": "0", "PROBE1_NAME": "tank", "PROBE2_NAME": "tank"},
    {"PROBE1_ROM": GOOD_ROM, "PROBE4_ROM": GOOD_ROM, "PCF8591_ADDRESS": 0x40},
]


def test_the_loader_reports_the_same_errors_and_keys_on_micropython():
    guest = None
    out = run_device_script(MPY_SCRIPT % json.dumps(MPY_CASES))
    for line in out.splitlines():
        if line.startswith("RESULT "):
            guest = json.loads(line[len("RESULT "):])
    assert guest is not None, out
    host = []
    for env in MPY_CASES:
        s = load(env.get)
        host.append([s.errors, [list(k) for k in s.error_keys]])
    assert guest == host
    assert sum(len(errors) for errors, _keys in host) == 11
    assert ["MIN_DIFF_K", "MAX_DIFF_START_K"] in host[2][1]


# --- what the board says at boot besides the values, pairs, hints -------------------------------------

HEATER = 'HEATER_ENABLED = 1\nPROBE1_NAME = "tank_top"\nMQTT_BROKER = "tb.local"\nMQTT_TOKEN = "t0ken"\n' \
         'CIRCUITPY_WIFI_SSID = "home"\n'


def test_a_heater_that_checks_clean():
    assert found(HEATER) == []


@pytest.mark.parametrize("text, line, expected", [
    (HEATER + 'HEATER_PIN = "D4"\n', 6, "heater: HEATER_PIN D4 is the 1-Wire bus (ONEWIRE_PIN): heater disabled"),
    (HEATER.replace('PROBE1_NAME = "tank_top"', 'PROBE1_NAME = "top"'), 1,
     "heater: HEATER_TOP_PROBE tank_top names no probe (PROBE1..5_NAME): element stays off"),
    ('HEATER_ENABLED = 1\nPROBE1_NAME = "tank_top"\n', 1,
     "heater: needs the network (MQTT_BROKER and WiFi), which is off: element off"),
    (HEATER + 'HEATER_METER = "shelly2"\n', 6,
     'heater: HEATER_METER shelly2 needs HEATER_METER_IP, an IP address like "192.168.1.50": PV rule off'),
    ('NTC_TABLE_RAW = "250,200,210"\n', 1, "NTC table settings rejected"),
])
def test_the_board_time_checks_are_the_firmwares_own(text, line, expected):
    number, severity, message = only(text)
    assert (number, severity) == (line, ERROR)
    assert message.startswith(expected), message


def test_the_checker_says_what_the_board_says_at_boot(monkeypatch):
    """The same file on the firmware's main.run (fake hardware): every heater message on its boot
    screen is one of the checker's."""
    from test_heater_main import drive

    env = {"HEATER_ENABLED": "1", "HEATER_PIN": "D4", "MQTT_BROKER": "127.0.0.1", "HEATER_METER": "shelly1",
           "HEATER_METER_IP": "192,168,1", "CIRCUITPY_WIFI_SSID": "home", "MQTT_TOKEN": "t"}
    _hw, ctl = drive(monkeypatch, env, seconds=0.3)
    said = [m for m in ctl.boot_errors if m.startswith("heater: ")]
    assert len(said) == 3  # the pin clash, no tank_top probe, the meter's IP
    text = "".join('%s = "%s"\n' % kv for kv in env.items())
    messages = [m for _line, _sev, m in found(text)]
    for m in said:
        assert any(c.startswith(m) for c in messages), (m, messages)


@pytest.mark.parametrize("text, severity, expected", [
    ('MQTT_BROKER = "tb.local"\nCIRCUITPY_WIFI_SSID = "home"\n', ERROR,
     "MQTT_BROKER is set but MQTT_TOKEN is empty: ThingsBoard takes a device only with its access token"),
    ('MQTT_BROKER = "ha.local"\nCIRCUITPY_WIFI_SSID = "home"\nHA_DISCOVERY = 1\n', WARNING,
     "MQTT_BROKER is set but MQTT_TOKEN is empty: fine for a broker that takes anonymous clients"),
    ('MQTT_TOKEN = "t0ken"\n', WARNING, "MQTT_TOKEN is set but MQTT_BROKER is empty"),
    ('MQTT_BROKER = "tb.local"\nMQTT_TOKEN = "t"\n', ERROR, "MQTT_BROKER is set but CIRCUITPY_WIFI_SSID is empty"),
    ('CIRCUITPY_WIFI_PASSWORD = "password1"\n', WARNING, "CIRCUITPY_WIFI_PASSWORD is set but CIRCUITPY_WIFI_SSID"),
    ('MQTT_BROKER = "tb"\nMQTT_TOKEN = "t"\nCIRCUITPY_WIFI_SSID = "h"\nMQTT_TLS = 1\n', WARNING,
     "MQTT_TLS = 1 on port 1883"),
    ('MQTT_BROKER = "tb"\nMQTT_TOKEN = "t"\nCIRCUITPY_WIFI_SSID = "h"\nMQTT_PORT = 8883\n', WARNING,
     "MQTT_PORT = 8883 is the TLS port but MQTT_TLS = 0"),
    ("HA_DISCOVERY = 1\n", WARNING, "HA_DISCOVERY = 1 but MQTT_BROKER is empty"),
    ('HEATER_METER = "shelly2"\nHEATER_METER_IP = "192,168,1,50"\n', WARNING,
     "heater settings with HEATER_ENABLED = 0: the heater is off"),
    (HEATER + 'HEATER_METER_IP = "192,168,1,50"\n', WARNING,
     'HEATER_METER_IP set but HEATER_METER = "none": no meter is read'),
    (HEATER + 'HEATER_EMONCMS_NODE = "tank"\n', WARNING, "HEATER_EMONCMS_NODE set but HEATER_EMONCMS_KEY is empty"),
    ("SCREEN_UTC_OFFSET_MIN = 60\n", WARNING, "SCREEN_UTC_OFFSET_MIN is the old name of TIME_UTC_OFFSET_MIN (it "
                                              "keeps its old meaning, UTC+60 minutes without summer time)"),
    ("TIME_UTC_OFFSET_MIN = 60\n", WARNING, 'TIME_ZONE_RULE = "uk" with TIME_UTC_OFFSET_MIN = 60'),
])
def test_settings_that_only_make_sense_in_pairs(text, severity, expected):
    number, sev, message = only(text)
    assert sev == severity and message.startswith(expected), message


@pytest.mark.parametrize("line, expected", [
    ('HEATER_METER_IP = "192.168.1.500"',
     'write an IP address as four numbers 0..255, e.g. HEATER_METER_IP = "192.168.1.50"'),
    ('HEATER_EMONCMS_IP = "emoncms.local"',
     'write an IP address as four numbers 0..255, e.g. HEATER_EMONCMS_IP = "192.168.1.50"'),
    ('NTC_TABLE_RAW = "250; 200; 150"', 'separate the numbers with commas: NTC_TABLE_RAW = "250,200,150"'),
    ('HEATER_SETPOINT_C = "60 C"', 'write the number alone (in C): HEATER_SETPOINT_C = "60"'),
    ('HEATER_POWER_W = "3kW"', 'write the number alone (in W): HEATER_POWER_W = "3"'),
    ('MIN_DIFF_K = "4,5"', 'write the decimal point as a point: MIN_DIFF_K = "4.5"'),
    ('HEATER_SLOTS = "2.5"', "HEATER_SLOTS takes a whole number"),
    ('HEATER_ENABLED = "yes please"', "write HEATER_ENABLED = 1 (on) or HEATER_ENABLED = 0 (off)"),
    ('HEATER_METER = "Shelly2"', 'choices are case-sensitive: HEATER_METER = "shelly2"'),
    ('HEATER_TARIFF = "cheap"', 'did you mean HEATER_TARIFF = "cheapest"?'),
    ('HEATER_AGILE_PRODUCT = "AGILE-24-10-01"', 'write _ for - . or a space: HEATER_AGILE_PRODUCT = "AGILE_24_10_01"'),
    ('TIME_ZONE_RULE = "EU"', 'choices are case-sensitive: TIME_ZONE_RULE = "eu"'),
])
def test_a_hint_for_each_common_mistake(line, expected):
    _number, severity, message = only(line + "\n", (cpsettings.STRINGS,))
    assert severity == ERROR and message.endswith(expected), message


def test_an_ip_address_is_written_as_people_write_it():
    for written in ("192.168.1.50", "192,168,1,50"):
        s = load({"HEATER_METER_IP": written}.get)
        assert s.errors == [] and s.heater_meter_ip == (192, 168, 1, 50)
    assert load({"NTC_TABLE_RAW": "250.5"}.get).ntc_table_raw == (250.5,)  # one point: a number


def test_circuitpython_8_is_not_supported():
    with pytest.raises(ValueError, match="not supported: the controller runs on CircuitPython 9 and 10"):
        semantics_for("8.2.9")
    assert settings_check.summary([], BOTH) == "OK for CircuitPython 9.0-10.1 and CircuitPython 10.2+"
