"""docs/first-hour.md quotes what the firmware prints: each quoted message must be in the guide
and come out of the real firmware (on the PC rig) in that situation, so the guide cannot drift
from the code. ``...`` in a quote stands for any text (an address, an exception text)."""

import pathlib
import re

import pytest

from controller.settings import crc8, load
from hwc.rig import Rig

DOC = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "first-hour.md").read_text()


def _norm(text):
    return " ".join(text.split())


def says(snippet, lines):
    pattern = re.escape(_norm(snippet)).replace(re.escape("..."), ".*")
    return any(re.search(pattern, _norm(line)) for line in lines)


def run_rig(rig, seconds=10):
    """Run the firmware with its real screen pages on a frame buffer; (log lines, every text
    shown on any page)."""
    from controller.screen import Screen
    from hwc.fbdisplay import FramebufferDisplay, gfx, lines
    from hwc.screenshot import render

    screen = Screen(FramebufferDisplay(), gfx())
    rig.hw.screen = screen
    rig.ctl.screen = screen
    rig.start()
    drive = getattr(rig, "doc_drive", None)  # a situation that changes: called every 5 s
    for _ in range(int(getattr(rig, "doc_seconds", seconds) / 5) if drive else 0):
        drive(rig)
        rig.run_for(5)
    if drive is None:
        rig.run_for(seconds)
    shown = []
    for page in screen.names:
        render(screen, page, rig.ctl)
        shown.extend(line[1] for line in lines(screen.root, gfx().font.bitmap))
    rig.stop()
    return rig.log_lines, shown


def _unconfigured():
    rig = Rig(probes=3, configure_probes=False)
    rig.set_ntc_c(30, 20)
    return rig


def _bad_setting():
    rig = Rig({"MIN_DIFF_K": "four"}, probes=0)
    rig.set_ntc_c(30, 20)
    return rig


def _no_pcf():
    rig = Rig(probes=0)
    rig.i2c.detach(0x48)
    return rig


def _hot_open():
    rig = Rig(probes=0)
    rig.set_raw(255, None)
    rig.set_ntc_c(None, 20)
    return rig


def _probe_missing():
    rom = bytes([0x28, 0xFF, 0x64, 0xD1, 0xE1, 0xA3, 0xC0])
    rig = Rig({"PROBE2_ROM": rom.hex() + "%02x" % crc8(rom)}, probes=1)
    rig.set_ntc_c(30, 20)
    return rig


def _stalled_pump():
    """The pump runs but moves no water: the collector keeps heating; retries every 60 s."""
    rig = Rig({"NOFLOW_RETRY_S": "60"}, probes=0)
    rig.set_ntc_c(50, 30)

    hot = [50.0]

    def drive(r):
        if r.ctl.pump_on or r.ctl.decision.duty_pct:
            hot[0] += 0.15  # 1.8 K a minute with the pump on
        r.set_ntc_c(hot[0], 30)

    rig.doc_drive = drive
    rig.doc_seconds = 1500
    return rig


def _tank_cutoff():
    rig = Rig(probes=0)
    rig.set_ntc_c(60, 98)
    return rig


SCENARIOS = [
    (_unconfigured, "console", [
        "INFO  PCF8591 found at 0x48; pump off",
        "INFO  DS18B20: 3 found on D4",
        'INFO  PROBE1_ROM = "28010100000000e4"  # new: was ambient? check by warming it',
        'INFO  PROBE3_ROM = "28000100000000d3"  # new: was tank_outlet? check by warming it',
    ]),
    (_bad_setting, "console", ["ERROR settings: MIN_DIFF_K = 'four': expected a number; using default 4.0"]),
    (_bad_setting, "screen", ["! 1 settings error: see boot page",
                              "! settings: MIN_DIFF_K = 'four': expected a number; using default 4.0"]),
    (_no_pcf, "screen", ["FAULT: collector sensor PCF8591 not found, tank sensor PCF8591 not found..."]),
    (_no_pcf, "console", ["ERROR PCF8591 not found at 0x48 (...): check the I2C wiring"]),
    (_hot_open, "screen", ["FAULT: collector sensor open circuit; pump stopped"]),
    (_hot_open, "console", ["ERROR collector sensor fault: open circuit (raw 255)"]),
    (lambda: Rig(probes=0), "console", ["INFO  DS18B20: 0 found on D4"]),
    (lambda: Rig(probes=0), "screen", ["DS18B20: 0 found, 0 of 0 configured"]),
    (_probe_missing, "screen", ["! tank_inlet probe missing", "tank_inlet --.- a3c0d5 missing"]),
    (_probe_missing, "console", ["ERROR DS18B20 tank_inlet (28...) configured but not found"]),
    (_stalled_pump, "console", ["WARN  no flow after the start: pump stopped, next try in 60 s",
                                "ERROR LOCKOUT: no flow after 3 starts: the collector kept heating with the pump on; "
                                "check the pump, valves and air in the loop; pump stopped"]),
    (_stalled_pump, "screen", ["LOCKOUT", "! lockout: no flow after 3 starts..."]),
    (_tank_cutoff, "screen", ["TANK CUT-OFF: tank ... C >= 95.0 C; pump stopped until 93.0 C"]),
]


@pytest.mark.parametrize("make,where,quotes", SCENARIOS)
def test_quoted_messages_are_what_the_firmware_prints(make, where, quotes):
    log, screen = run_rig(make())
    for quote in quotes:
        assert says(quote, [DOC]), "not quoted in docs/first-hour.md: %s" % quote
        # The screen wraps long texts over lines: match against them joined.
        assert says(quote, log if where == "console" else [" ".join(screen)]), (quote, log[-8:], screen)


def test_unreadable_value_message_on_circuitpython_9():
    def getenv(key):
        if key == "MIN_DIFF_K":
            raise ValueError("invalid syntax for integer with base 10")
        return None

    quote = 'ERROR settings: MIN_DIFF_K: unreadable (...); write it in quotes, e.g. MIN_DIFF_K = "4"; using default 4.0'
    assert says(quote, [DOC])
    assert says(quote, ["ERROR settings: " + e for e in load(getenv).errors])


def test_checker_output_quoted_in_the_guide_is_real(tmp_path, capsys):
    from hwc import cli

    path = tmp_path / "settings.toml"
    path.write_text('MIN_DIF_K = "4"\nPURGE_S = "900"\nPROBE2_ROM = "28ff64d1e1a3c0ac"\nMY_NOTE = "x"\n')
    assert cli.main(["settings", "check", str(path)]) == 1
    out = capsys.readouterr().out.replace(str(path) + ":", "settings.toml:").splitlines()
    quoted = [line for line in DOC.splitlines() if line.startswith("settings.toml:")]
    assert len(quoted) == 5
    for line in quoted:
        # Only the line numbers differ: the guide's example is from a full generated file.
        assert says(re.sub(r"^settings.toml:\d+:", "settings.toml:...:", line), out), line


def _network_case(tmp_path, anonymous, env, radio_up):
    """(console lines, the warning texts and network line the screen shows) of the firmware's
    link after a few seconds against a real broker."""
    import time

    import controller.net.link as link_mod
    from controller.screen.main import alerts, network
    from mqtt_broker import Broker
    from netfw import NetFirmware, wait_for

    broker = Broker(tmp_path / "broker", anonymous=anonymous).start()
    wait = link_mod._WIFI_WAIT_S
    link_mod._WIFI_WAIT_S = 1  # how long a WiFi join may take before it counts as failed (20 s)
    fw = NetFirmware(broker.port, env=env)
    fw.radio.up = radio_up
    try:
        fw.start()
        wait_for(lambda: fw.logged("network: "), what="a network message")
        time.sleep(1.0)
        shown = [text for _level, text in alerts(fw.ctl)] + [network(fw.ctl)[1]]
        return list(fw.lines), shown
    finally:
        fw.stop()
        link_mod._WIFI_WAIT_S = wait
        broker.stop()


@pytest.mark.parametrize("case", ["no_wifi", "bad_token"])
def test_network_troubleshooting_rows_quote_the_firmware(tmp_path, case):
    if case == "no_wifi":
        log, shown = _network_case(tmp_path, True, {"CIRCUITPY_WIFI_SSID": "MyNet"}, radio_up=False)
        console = ["WARN  network: WiFi: no connection to 'MyNet'; retry in ... s"]
        screen = ["network: WiFi: no connection to 'MyNet'"]
    else:
        log, shown = _network_case(tmp_path, False, {}, radio_up=True)
        console = ["WARN  network: bad MQTT_TOKEN (MQTT code 5: not authorised); retry in ... s"]
        screen = ["network: bad MQTT_TOKEN (MQTT code 5: not authorised)"]
    for quote in console + screen:
        assert says(quote, [DOC]), "not quoted in docs/first-hour.md: %s" % quote
    for quote in console:
        assert says(quote, log), (quote, log[-6:])
    for quote in screen:
        assert says(quote, [" | ".join(shown)]), (quote, shown)
