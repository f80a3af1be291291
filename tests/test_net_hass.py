"""Home Assistant MQTT discovery (HA_DISCOVERY=1) against a real broker, a paho-mqtt client
playing Home Assistant: discovery configs, the state message, availability with the last
will when the link dies, the manual pump switch, and garbage on its command topic."""

import json

import pytest

from netfw import FakeHomeAssistant, NetFirmware, wait_for

HA_ENV = {"HA_DISCOVERY": "1", "HA_NODE_ID": "roof1"}
BASE = "solar_hwc/roof1/"


@pytest.fixture
def ha(broker):
    h = FakeHomeAssistant(broker.port, node="roof1")
    wait_for(lambda: h.client.is_connected(), what="paho connected")
    yield h
    h.close()


@pytest.fixture
def fw(broker, ha):
    f = NetFirmware(broker.port, env=HA_ENV).start()
    yield f
    f.stop()


def _manual_state(fw):
    return (fw.ctl.manual_mode, fw.ctl.manual_duty_pct, fw.ctl.manual_until_s)


def test_discovery_configs_state_retained_availability_and_ha_restart(fw, ha):
    wait_for(lambda: len(ha.configs()) >= 9 and [s for s in ha.states() if s["ambient_c"] is not None],
             what="discovery configs and a state with the probes read")
    configs = ha.configs()
    temps = {t: c for t, c in configs.items() if t.startswith("homeassistant/sensor/") and t.endswith("_c/config")}
    assert set(temps) == {"homeassistant/sensor/roof1/%s_c/config" % n for n in ("hot", "cold", "ambient", "tank_inlet")}
    for config in temps.values():
        assert config["device_class"] == "temperature" and config["unit_of_measurement"] == "\u00b0C"
        assert config["state_class"] == "measurement" and config["state_topic"] == BASE + "state"
        assert config["availability_topic"] == BASE + "availability"
        device = config["device"]
        assert device["identifiers"] == ["roof1"] and device["model"] == "PC test" and device["sw_version"]
        assert device["name"]
    assert len({c["unique_id"] for c in configs.values()}) == len(configs)  # unique per entity
    switch = configs["homeassistant/switch/roof1/manual/config"]
    assert switch["command_topic"] == BASE + "manual/set" and "value_json.manual" in switch["value_template"]
    assert configs["homeassistant/binary_sensor/roof1/pump_on/config"]["device_class"] == "running"
    assert "homeassistant/sensor/roof1/duty_pct/config" in configs
    assert "homeassistant/sensor/roof1/mode/config" in configs
    # Every value_template names a key the state message has.
    state = [s for s in ha.states() if s["ambient_c"] is not None][-1]
    for config in configs.values():
        key = config["value_template"].split("value_json.")[1].split()[0]
        assert key in state, key
    assert state["hot_c"] == round(fw.ctl.hot.value_c, 2) and state["ambient_c"] == 20.0
    assert state["manual"] == "OFF" and state["mode"] == fw.ctl.decision.mode
    assert "online" in ha.availability()
    # Configs, availability and state are retained: a Home Assistant that starts later gets them.
    retained = {t: p for t, p, r in ha.fresh_retained() if r}
    assert retained[BASE + "availability"] == b"online"
    assert set(configs) < set(retained) and json.loads(retained[BASE + "state"])["mode"]
    # Home Assistant restarting says "online" on its status topic: the configs go again.
    n = len(ha.got("homeassistant/switch/roof1/manual/config"))
    ha.client.publish("homeassistant/status", b"online")
    wait_for(lambda: len(ha.got("homeassistant/switch/roof1/manual/config")) > n, what="configs again")


def test_last_will_says_offline_when_the_link_dies(fw, ha):
    wait_for(lambda: ha.availability() == ["online"], what="online")
    # The device's socket goes without an MQTT DISCONNECT (a WiFi drop): the broker publishes
    # the will; the link reconnects and says online again.
    fw.call(lambda: fw.link.mqtt._sock.close())
    wait_for(lambda: ha.availability()[-1:] == ["offline"], what="the last will")
    wait_for(lambda: ha.availability()[-1:] == ["online"] and fw.link.state == "online", what="online again")
    assert ha.availability() == ["online", "offline", "online"]
    assert fw.link.mqtt_connects == 2
    # A failure with the socket still alive (a timeout): the link closes cleanly, which keeps
    # the broker from sending the will, so it says "offline" itself.
    fw.call(fw.link.fail, "test: a publish timed out")
    wait_for(lambda: ha.availability()[-2:] == ["offline", "online"] and fw.link.mqtt_connects == 3,
             what="offline, then online again")


def test_switch_turns_manual_mode_on_and_off(fw, ha):
    wait_for(lambda: ha.states(), what="a state")
    ha.command(b"ON")
    wait_for(lambda: fw.ctl.decision.mode == "manual" and fw.ctl.decision.duty_pct == 100, what="manual 100 %")
    assert fw.ctl.manual_until_s is not None  # manual always times out (REMOTE_MANUAL_MAX_S)
    wait_for(lambda: ha.states()[-1]["manual"] == "ON", what="switch state ON")
    ha.command(json.dumps({"mode": "manual", "duty_pct": 40, "timeout_s": 600}))
    wait_for(lambda: fw.ctl.decision.duty_pct == 40, what="manual 40 %")
    ha.command(b"OFF")
    wait_for(lambda: fw.ctl.manual_mode == "auto" and ha.states()[-1]["manual"] == "OFF", what="auto again")
    assert fw.link.hass.commands == 3 and fw.link.hass.rejected == 0
    assert fw.logged("pump mode: manual at 100 %") and fw.logged("pump mode: auto")


def test_garbage_commands_are_rejected_and_change_nothing(fw, ha):
    wait_for(lambda: ha.states(), what="a state")
    ha.command(json.dumps({"mode": "manual", "duty_pct": 30, "timeout_s": 600}))
    wait_for(lambda: fw.ctl.manual_duty_pct == 30, what="manual 30 %")
    before = _manual_state(fw)
    garbage = [b"on", b"MAYBE", b"\xff\xfe\x00", b"[1, 2]", b'{"mode": "turbo"}', b'{"mode": "manual", "duty_pct": 500}',
               b'{"mode": "manual", "duty_pct": "lots"}', b'{"mode": "off", "timeout_s": -5}', b"{" * 300, b""]
    for i, payload in enumerate(garbage):  # one by one: a burst over 8 would be dropped unread
        ha.command(payload)
        wait_for(lambda: fw.link.hass.rejected == i + 1, what="garbage command %d rejected" % i)
    assert _manual_state(fw) == before
    assert len(fw.logged("Home Assistant: pump command")) == len(garbage)
    assert fw.logged("rejected: setMode: mode must be one of auto, manual, off")
    assert fw.logged("rejected: too long")
    assert fw.ctl.task_restarts["link"] == 0 and fw.link.state == "online"
    # The switch was told the real state after each refused command.
    wait_for(lambda: len(ha.states()) >= len(garbage), what="states after the commands")
    assert ha.states()[-1]["manual"] == "ON"


def test_discovery_off_by_default_publishes_nothing_for_home_assistant(broker, ha):
    fw = NetFirmware(broker.port).start()
    try:
        wait_for(lambda: fw.link.state == "online" and fw.link.points.total >= 3, what="online")
        assert fw.link.hass is None and ha.configs() == {} and ha.states() == []
    finally:
        fw.stop()


HASS_SCRIPT = """
import json
from controller.app import Controller
from controller.log import Log
from controller.settings import load
from controller.net import once
from controller.net.link import make_link


class HW:
    i2c = None
    onewire_pin = None
    screen = None
    board_name = "guest"


class Mqtt:
    def __init__(self):
        self.sent = []

    def publish(self, topic, msg, retain=False, qos=0):
        self.sent.append([topic, json.loads(msg) if msg.startswith("{") else msg, retain])

    def will_set(self, topic, msg, retain=False, qos=0):
        self.sent.append(["will " + topic, msg, retain])


env = {"PROBE1_ROM": "28000100000000d3", "HA_DISCOVERY": "1", "MQTT_BROKER": "ha"}
lines = []
ctx = Controller(HW(), load(env.get), ticks_ms=lambda: 1000, log=Log(out=lines.append))
ctx.hot.value_c = 61.256
link = make_link(ctx, None, rand=lambda: 0.0)
hass = link.hass
mqtt = Mqtt()
link.mqtt = mqtt
once("session", "will", hass, mqtt)
once("session", "hass_online", hass, mqtt)
results = []
for payload in (b"ON", b"bogus", b'{"mode": "manual", "duty_pct": 55}', b'{"mode": 5}', b"[]", b"OFF"):
    once("inbound", "one", link, hass.command_topic, payload)
    results.append([ctx.manual_mode, ctx.manual_duty_pct])
out = {"sent": mqtt.sent, "results": results, "rejected": hass.rejected, "commands": hass.commands,
       "log": [l.split("] ", 1)[1] for l in lines if "Home Assistant" in l]}
print("RESULT " + json.dumps(out))
"""


def test_discovery_and_commands_run_the_same_on_micropython():
    import contextlib
    import io

    from mpy_harness import run_device_script

    def result(text):
        return json.loads([line for line in text.splitlines() if line.startswith("RESULT ")][0][7:])

    guest = result(run_device_script(HASS_SCRIPT))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(HASS_SCRIPT, "host_script", "exec"), {"__name__": "__main__"})
    host = result(buf.getvalue())
    assert guest == host
    assert guest["sent"][0] == ["will solar_hwc/solar_hwc/availability", "offline", True]
    configs = [s for s in guest["sent"] if s[0].endswith("/config")]
    assert len(configs) == 8 and all(s[2] for s in configs)  # hot, cold, ambient, duty, diff, mode, pump, switch
    assert configs[0][1]["unit_of_measurement"] == "\u00b0C" and configs[0][1]["value_template"] == "{{ value_json.hot_c }}"
    assert guest["results"] == [["manual", 100], ["manual", 100], ["manual", 55], ["manual", 55], ["manual", 55],
                                ["auto", 0]]
    assert guest["rejected"] == 3 and guest["commands"] == 3 and len(guest["log"]) == 3
