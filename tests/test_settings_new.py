"""`hwc settings new`: non-interactive (options, as a script would) and interactive (answers fed
on stdin), always producing a file that `hwc settings check` passes and that reads back as given.

The network keys (MQTT_BROKER, MQTT_TOKEN, MQTT_PORT, MQTT_TLS) belong to the network concern's
spec_net.py. The ``net_spec`` fixture installs table entries for them through the same mechanism
the firmware uses (spec_net.SPEC appended by settings_spec._assemble), so these tests do not
depend on what spec_net.py holds today.
"""

import io
import subprocess
import sys

import pytest

from controller import settings_spec, spec_net
from controller.settings import load
from controller.spec_kinds import B, I, S
from hwc import cli, cpsettings, settings_check, settings_new

NET = (
    ("MQTT_BROKER", S, "", 0, 64, "", "MQTT broker host"),
    ("MQTT_TOKEN", S, "", 0, 64, "", "ThingsBoard device access token"),
    ("MQTT_PORT", I, 1883, 1, 65535, "", "MQTT port"),
    ("MQTT_TLS", B, False, None, None, "", "MQTT over TLS"),
)


@pytest.fixture
def net_spec(monkeypatch):
    """install(entries, rules=()): the settings table as if spec_net.py held these entries."""
    def install(entries, rules=()):
        # Entries carry their help as a 7th field here; in a spec module it is the '#:' comment.
        from hwc import spec_help

        helps = dict(spec_help.help_texts())
        helps.update({entry[0]: entry[6] for entry in entries})
        monkeypatch.setattr(spec_help, "help_texts", lambda: helps)
        entries = [entry[:6] for entry in entries]
        monkeypatch.setattr(spec_net, "SPEC", tuple(entries))
        monkeypatch.setattr(spec_net, "ORDER_RULES", tuple(rules))
        spec, all_rules, sections = settings_spec.table()
        monkeypatch.setattr(settings_spec, "SECTIONS", sections)
        monkeypatch.setattr(settings_spec, "SPEC", spec)
        monkeypatch.setattr(settings_spec, "ORDER_RULES", all_rules)

    return install


def new(tmp_path, *options, name="settings.toml", stdin="", tty=False):
    """Run `hwc settings new -o tmp_path/name OPTIONS` in-process; (exit code, stderr, path)."""
    path = tmp_path / name
    err = io.StringIO()
    args = cli.build_parser().parse_args(["settings", "new", "-o", str(path), *options])
    code = settings_new.run(args, stdin=FakeStdin(stdin, tty), stderr=err)
    return code, err.getvalue(), path


class FakeStdin(io.StringIO):
    def __init__(self, text, tty):
        super().__init__(text)
        self.tty = tty

    def isatty(self):
        return self.tty


def read_back(path, semantics=cpsettings.STRINGS):
    return cpsettings.getenv_for(path, semantics)


def test_new_non_interactive_subprocess_then_check_subprocess(tmp_path):
    # As a script would: the installed entry point's code path, in a separate process.
    path = tmp_path / "settings.toml"
    made = subprocess.run([sys.executable, "-m", "hwc.cli", "settings", "new", "-o", str(path),
                           "--wifi-ssid", "HomeNet", "--wifi-password", "correct-horse", "--defaults"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    assert "wrote %s" % path in made.stderr
    checked = subprocess.run([sys.executable, "-m", "hwc.cli", "settings", "check", str(path)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout == "%s: OK for CircuitPython 9.0-10.1 and CircuitPython 10.2+\n" % path
    for semantics in cpsettings.SEMANTICS:
        getenv = read_back(path, semantics)
        assert (getenv("CIRCUITPY_WIFI_SSID"), getenv("CIRCUITPY_WIFI_PASSWORD")) == ("HomeNet", "correct-horse")
        settings = load(getenv)
        assert settings.errors == []
        for key, _kind, default, *_ in settings_spec.SPEC:
            if not key.startswith("CIRCUITPY_"):
                assert getattr(settings, key.lower()) == (() if default == "" and _kind == "list" else default)


def test_every_setting_is_documented_and_commented_out_at_its_default(tmp_path, net_spec):
    net_spec(())
    code, _err, path = new(tmp_path, "--defaults")
    assert code == 0
    text = path.read_text()
    for key, *_ in settings_spec.SPEC:
        assert "\n# %s = " % key in text
    assert '\n# CIRCUITPY_WIFI_SSID = ""\n' in text  # a place to fill in later
    assert settings_check.check_text(text) == []


def test_awkward_wifi_names_and_passwords_read_back_exactly(tmp_path, net_spec):
    net_spec(())
    ssid, password = 'Caf\u00e9 "5G" \\ #1', "pa ss\tw#rd\"'"
    code, err, path = new(tmp_path, "--wifi-ssid", ssid, "--wifi-password", password, "--defaults")
    assert code == 0, err
    for semantics in cpsettings.SEMANTICS:
        getenv = read_back(path, semantics)
        assert getenv("CIRCUITPY_WIFI_SSID") == ssid and getenv("CIRCUITPY_WIFI_PASSWORD") == password
    assert settings_check.check_file(path) == []


def test_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("MINE = 1\n")
    code, err, _ = new(tmp_path, "--defaults")
    assert code == 2 and "exists: give --force" in err
    assert path.read_text() == "MINE = 1\n"
    code, err, _ = new(tmp_path, "--defaults", "--force")
    assert code == 0, err
    assert "MINE" not in path.read_text()


def test_without_a_terminal_it_asks_for_the_answers_as_options(tmp_path):
    code, err, path = new(tmp_path)
    assert code == 2
    assert "stdin is not a terminal" in err and "--wifi-ssid" in err
    assert not path.exists()


def test_invalid_option_writes_nothing(tmp_path):
    code, err, path = new(tmp_path, "--wifi-ssid", "home", "--wifi-password", "short", "--defaults")
    assert code == 1
    assert "--wifi-password: a WPA/WPA2 WiFi password has 8..63 characters" in err
    assert not path.exists()


def test_network_options_need_network_settings_in_the_firmware(tmp_path, net_spec):
    net_spec(())
    code, err, path = new(tmp_path, "--broker", "tb", "--defaults")
    assert code == 2
    assert "this firmware has no MQTT_BROKER setting" in err and "leave out --broker" in err
    assert not path.exists()


def test_network_keys_from_the_spec_table_are_written_and_check_clean(tmp_path, net_spec):
    net_spec(NET)
    code, err, path = new(tmp_path, "--wifi-ssid", "HomeNet", "--wifi-password", "password1",
                          "--broker", "tbhost", "--token", "A1b2C3d4", "--mqtt-port", "8883", "--tls", "--defaults")
    assert code == 0, err
    text = path.read_text()
    assert '\nMQTT_BROKER = "tbhost"\n' in text and '\nMQTT_TOKEN = "A1b2C3d4"\n' in text
    assert "\nMQTT_PORT = 8883\n" in text and "\nMQTT_TLS = 1\n" in text
    assert settings_check.check_file(path) == []
    for semantics in cpsettings.SEMANTICS:
        s = load(read_back(path, semantics), settings_spec.SPEC, settings_spec.ORDER_RULES)
        assert s.errors == []
        assert (s.mqtt_broker, s.mqtt_token, s.mqtt_port, s.mqtt_tls) == ("tbhost", "A1b2C3d4", 8883, True)


def test_network_value_rejected_by_the_firmware_writes_nothing(tmp_path, net_spec):
    net_spec(NET)
    code, err, path = new(tmp_path, "--broker", "bad host", "--defaults")
    assert code == 1
    assert "--broker: only letters, digits and _ allowed" in err
    assert not path.exists()


def test_wifi_keys_in_the_spec_table_are_written_once_in_their_section(tmp_path, net_spec):
    net_spec((("CIRCUITPY_WIFI_SSID", S, "", 0, 32, "", "WiFi network"),
              ("CIRCUITPY_WIFI_PASSWORD", S, "", 0, 63, "", "WiFi password")) + NET)
    code, err, path = new(tmp_path, "--wifi-ssid", "HomeNet", "--wifi-password", "password1", "--defaults")
    assert code == 0, err
    text = path.read_text()
    assert text.count("CIRCUITPY_WIFI_SSID = ") == 1 and '\nCIRCUITPY_WIFI_SSID = "HomeNet"\n' in text
    assert "CircuitPython's own keys" not in text
    assert text.index("=== " + spec_net.TITLE) < text.index("CIRCUITPY_WIFI_SSID = ")


def test_a_result_that_would_not_check_clean_is_not_written(tmp_path, net_spec):
    # Each value is valid on its own, but a cross-key rule of the table rejects the pair.
    net_spec(NET + (("MQTT_KEEPALIVE_S", I, 60, 10, 600, "s", "keep-alive"),),
             (("MQTT_PORT", "MQTT_KEEPALIVE_S", "MQTT_PORT must be below MQTT_KEEPALIVE_S"),))
    code, err, path = new(tmp_path, "--mqtt-port", "1883", "--defaults")
    assert code == 1
    assert "would not check clean, so it was not written" in err
    assert "MQTT_PORT must be below MQTT_KEEPALIVE_S" in err
    assert not path.exists()
    assert settings_new.verify('PURGE_S = "1"\nPURGE_S = "2"\n', {}, {}) != []


def test_stdout_output(tmp_path, net_spec, capsys):
    net_spec(())
    args = cli.build_parser().parse_args(["settings", "new", "-o", "-", "--wifi-ssid", "HomeNet", "--defaults"])
    assert settings_new.run(args, stdin=FakeStdin("", False), stderr=io.StringIO()) == 0
    out = capsys.readouterr().out
    assert '\nCIRCUITPY_WIFI_SSID = "HomeNet"\n' in out
    assert settings_check.check_text(out) == []


# --- interactive ---------------------------------------------------------------------------------


def test_interactive_on_a_terminal_asks_and_asks_again_after_a_bad_answer(tmp_path, net_spec, monkeypatch):
    net_spec(NET)
    secrets = iter(["short", "short", "password1", "password2", "password1", "password1"])
    asked = []

    def fake_getpass(prompt, stream=None):
        # On a terminal the password is read without echo (getpass); its prompts are recorded.
        asked.append(prompt)
        return next(secrets)

    monkeypatch.setattr(settings_new.getpass, "getpass", fake_getpass)
    code, err, path = new(tmp_path, stdin="HomeNet\nbad host\ntbhost\nTok3n\n", tty=True)
    assert code == 0, err
    assert "WiFi network name (SSID) [empty: leave out]: " in err
    assert "a WPA/WPA2 WiFi password has 8..63 characters" in err
    assert "the two entries differ; once more" in err
    assert "MQTT_BROKER: only letters, digits and _ allowed; once more" in err
    assert asked == ["WiFi password [empty: leave out]: ", "WiFi password again: "] * 3
    getenv = read_back(path)
    assert [getenv(k) for k in ("CIRCUITPY_WIFI_SSID", "CIRCUITPY_WIFI_PASSWORD", "MQTT_BROKER", "MQTT_TOKEN")] == [
        "HomeNet", "password1", "tbhost", "Tok3n"]
    assert settings_check.check_file(path) == []


def test_answers_piped_with_ask(tmp_path, net_spec):
    net_spec(())
    code, err, path = new(tmp_path, "--ask", stdin="HomeNet\npassword1\npassword1\n")
    assert code == 0, err
    getenv = read_back(path, cpsettings.LEGACY)
    assert (getenv("CIRCUITPY_WIFI_SSID"), getenv("CIRCUITPY_WIFI_PASSWORD")) == ("HomeNet", "password1")
    assert "MQTT" not in err  # no network keys in this table: not asked


def test_empty_answers_leave_parts_out_and_options_are_not_asked_again(tmp_path, net_spec):
    net_spec(NET)
    # SSID given as an option; empty password (open network); empty broker skips the token.
    code, err, path = new(tmp_path, "--ask", "--wifi-ssid", "Cafe", stdin="\n\n")
    assert code == 0, err
    assert "SSID" not in err.split("wrote")[0]
    assert "ThingsBoard device access token" not in err
    text = path.read_text()
    assert '\nCIRCUITPY_WIFI_SSID = "Cafe"\n' in text and "\n# MQTT_BROKER = " in text
    assert "left out: CIRCUITPY_WIFI_PASSWORD, MQTT_BROKER, MQTT_TOKEN" in err


def test_end_of_input_while_asking_writes_nothing(tmp_path):
    code, err, path = new(tmp_path, "--ask", stdin="HomeNet\n")
    assert code == 2 and "no answer (end of input)" in err
    assert not path.exists()
