"""The network link against a real broker (mosquitto; amqtt where it is absent): a paho-mqtt
client plays ThingsBoard. The firmware runs in real time with short periods; tests wait for
conditions with generous timeouts and never assert on durations."""

import json
import time

import pytest

from controller.net import api
from mqtt_broker import Broker
from netfw import TB, FakeThingsBoard, NetFirmware, wait_for


@pytest.fixture
def tb(broker):
    t = FakeThingsBoard(broker.port)
    wait_for(lambda: t.client.is_connected(), what="paho connected")
    yield t
    t.close()


@pytest.fixture
def fw(broker, tb, tmp_path):
    f = NetFirmware(broker.port, store_path=tmp_path / "overrides.bin").start()
    yield f
    f.stop()


def test_telemetry_and_client_attributes(fw, tb):
    points = wait_for(lambda: len(tb.points()) >= 4 and tb.points(), what="4 telemetry points")
    first_attrs = tb.got(TB + "attributes")[0]
    assert first_attrs["firmware"] and first_attrs["board"] == "PC test"
    assert first_attrs["settings"]["MQTT_BROKER"] == "127.0.0.1"
    assert "MQTT_TOKEN" not in first_attrs["settings"] and "CIRCUITPY_WIFI_PASSWORD" not in first_attrs["settings"]
    request = tb.got(TB + "attributes/request/1")[0]
    assert "MIN_DIFF_K" in request["sharedKeys"] and "OVERHEAT_C" not in request["sharedKeys"]
    last = points[-1]
    assert set(last) == {"ts", "values"}
    values = last["values"]
    assert set(values) <= set(api.telemetry_keys(["hot", "cold", "ambient", "tank_inlet"]))
    for key in ("hot_c", "cold_c", "ambient_c", "tank_inlet_c", "duty_pct", "mode", "max_diff_k", "rssi",
                "wifi_connects", "mqtt_connects", "uptime_s", "hot_fault", "ambient_fault", "dropped"):
        assert key in values, key
    assert values["ambient_c"] == 20.0 and values["ambient_fault"] == 0
    assert values["hot_c"] == round(fw.ctl.hot.value_c, 2)
    assert values["wifi_connects"] == 1 and values["mqtt_connects"] == 1
    stamps = [p["ts"] for p in points]
    assert stamps == sorted(set(stamps))
    assert fw.link.state == "online" and fw.ctl.link is fw.link and fw.ctl.wall.epoch_s() > 1.7e9


def test_shared_attributes_valid_invalid_persist_and_delete(broker, tb, tmp_path):
    store = tmp_path / "overrides.bin"
    tb.shared = {"MIN_DIFF_K": 3.5}  # already set on the server: applied on connect
    fw = NetFirmware(broker.port, store_path=store).start()
    try:
        wait_for(lambda: fw.settings.min_diff_k == 3.5, what="override from the attribute request")
        tb.set_shared({"MAX_DIFF_GROW": "1.05", "TELEMETRY_PERIOD_S": 1})
        wait_for(lambda: fw.ctl.overrides.get("TELEMETRY_PERIOD_S") == 1.0, what="two overrides")
        assert fw.settings.max_diff_grow == 1.05
        before = dict(vars(fw.settings))
        bad = {"MIN_DIFF_K": "warm", "OVERHEAT_C": 50, "DUTY_ROUND_UP_PCT": 101, "NOT_A_KEY": 1,
               "MAX_DIFF_START_K": 3.0, "MQTT_BROKER": "evil.example"}
        tb.set_shared(bad)
        report = wait_for(lambda: [a for a in tb.got(TB + "attributes")
                                   if set(bad) <= set(a.get("rejected_settings", {}))], what="rejections")[-1]
        rejected = report["rejected_settings"]
        assert "safety" in rejected["OVERHEAT_C"] and "unknown" in rejected["NOT_A_KEY"]
        assert "below" in rejected["MAX_DIFF_START_K"]  # MIN_DIFF_K (3.5) must stay below it
        assert "range" in rejected["DUTY_ROUND_UP_PCT"]
        assert vars(fw.settings) == before
        assert fw.logged("OVERHEAT_C = 50 rejected")
        assert report["overrides"] == {"MIN_DIFF_K": 3.5, "MAX_DIFF_GROW": 1.05, "TELEMETRY_PERIOD_S": 1.0}
    finally:
        fw.stop()
    # After a reboot the saved overrides apply before the controller starts, even offline.
    tb.answer_attributes = False
    fw2 = NetFirmware(broker.port, store_path=store)
    assert fw2.settings.min_diff_k == 3.5 and fw2.settings.telemetry_period_s == 1.0
    assert fw2.ctl.overrides == {"MIN_DIFF_K": 3.5, "MAX_DIFF_GROW": 1.05, "TELEMETRY_PERIOD_S": 1.0}
    fw2.start()
    try:
        try:
            wait_for(lambda: fw2.link.state == "online", what="online")
        except AssertionError:
            print("\n".join(fw2.lines), fw2.link.state, fw2.link.last_error)
            raise
        tb.client.publish(TB + "attributes", json.dumps({"deleted": ["MIN_DIFF_K"]}))
        wait_for(lambda: "MIN_DIFF_K" not in fw2.ctl.overrides, what="deleted override")
        assert fw2.settings.min_diff_k == 4.0  # the settings.toml value (default)
    finally:
        fw2.stop()
    assert NetFirmware(broker.port, store_path=store).settings.min_diff_k == 4.0


def test_rpcs_valid_and_invalid(fw, tb):
    wait_for(lambda: fw.link.state == "online", what="online")
    status = tb.rpc("getStatus")
    assert status["mode"] == fw.ctl.decision.mode and status["manual"]["mode"] == "auto"
    assert set(status["probes"]) == {"ambient", "tank_inlet"}

    def state():
        return (fw.ctl.manual_mode, fw.ctl.manual_duty_pct, fw.ctl.manual_until_s, dict(vars(fw.settings)),
                dict(fw.ctl.overrides), fw.reboots)

    before = state()
    bad = [tb.rpc("selfDestruct"), tb.rpc(None, raw="{not json"), tb.rpc(None, raw="[1, 2]"),
           tb.rpc("setMode", {"mode": "manual", "duty_pct": "lots"}), tb.rpc("setMode", {"mode": "turbo"}),
           tb.rpc("setMode", {"mode": "manual", "duty_pct": 150}),
           tb.rpc("setMode", {"mode": "off", "timeout_s": 10 ** 9}),
           tb.rpc("setSetting", {"key": "OVERHEAT_C", "value": 200}), tb.rpc("setSetting", ["MIN_DIFF_K", 1]),
           tb.rpc("setMode", {"mode": "manual", "pad": "x" * 5000})]
    for response in bad:
        assert set(response) == {"error"}, response
    assert "unknown method selfDestruct" in bad[0]["error"] and "malformed" in bad[1]["error"]
    assert "too large" in bad[-1]["error"]
    assert state() == before

    assert tb.rpc("setMode", {"mode": "manual", "duty_pct": 40, "timeout_s": 120}) == {
        "mode": "manual", "duty_pct": 40, "timeout_s": 120}
    wait_for(lambda: fw.ctl.decision.mode == "manual" and fw.ctl.decision.duty_pct == 40, what="manual 40 %")
    assert tb.rpc("setMode", "off")["timeout_s"] == fw.settings.remote_manual_max_s  # always times out
    assert tb.rpc("setMode", {"mode": "auto"})["mode"] == "auto"
    assert tb.rpc("setSetting", {"key": "PURGE_S", "value": 30}) == {"key": "PURGE_S", "value": 30.0}
    assert fw.settings.purge_s == 30.0
    assert tb.rpc("clearFaults")["cleared"]
    assert tb.rpc("reboot") == {"rebooting": True}
    wait_for(lambda: fw.reboots == 1, what="reboot callback")


def test_broker_killed_and_restarted_loses_no_point(broker, tb, tmp_path):
    fw = NetFirmware(broker.port, env={"REPLAY_BATCH": "4"}).start()
    try:
        wait_for(lambda: len(tb.points()) >= 3, what="points before the outage")
        kill_ms = time.time() * 1000
        broker.stop()
        wait_for(lambda: fw.link.state != "online", what="the link noticing the outage")
        # Hold the WiFi down too while the broker comes back, so ThingsBoard has resubscribed
        # before the device reconnects.
        wait_for(lambda: fw.link.buffered >= 8, what="points buffered while offline")
        fw.radio.up = False
        # The link must have seen the WiFi down (it polls every 0.2 s), not just be in backoff.
        wait_for(lambda: not fw.link._wifi_up and fw.link.state in ("wifi", "backoff"), what="WiFi down")
        broker.start()
        wait_for(lambda: tb.subscribes >= 2, what="paho reconnected and resubscribed")
        back_ms = time.time() * 1000
        fw.radio.up = True
        wait_for(lambda: fw.link.state == "online" and fw.link.buffered <= 1, timeout_s=60, what="backlog sent")
        assert fw.link.mqtt_connects == 2 and fw.link.wifi_connects == 2
    finally:
        fw.stop()
    sent = fw.link.points.total - fw.link.buffered
    points = wait_for(lambda: len(tb.points()) >= sent and tb.points(), what="every point")
    stamps = [p["ts"] for p in points]
    assert len(points) == sent and fw.link.dropped == 0
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    batches = tb.got(TB + "telemetry")
    assert max(len(b) for b in batches) == 4  # the backlog went as arrays of REPLAY_BATCH
    # Points taken while offline kept the time they were taken, not the time they were sent.
    assert len([t for t in stamps if kill_ms < t < back_ms]) >= 8
    uptimes = [p["values"]["uptime_s"] for p in points]
    assert uptimes == sorted(uptimes)
    assert fw.logged("network: ")


def test_esp32_reset_after_repeated_failures_without_a_reboot(tmp_path):
    late = Broker(tmp_path / "late")  # not started yet: every MQTT connect fails
    fw = NetFirmware(late.port, env={"ESP_RESET_AFTER": "2"}).start()
    tb = None
    try:
        wait_for(lambda: fw.radio.resets >= 1, what="an ESP32 reset")
        assert fw.link.failures >= 2 and fw.link.esp_resets == fw.radio.resets
        assert fw.logged("2 failures in a row; resetting the WiFi co-processor")
        assert fw.reboots == 0 and fw.ctl.task_restarts["link"] == 0
        assert fw.ctl.control_cycles > 0  # the controller ran on meanwhile
        late.start()
        tb = FakeThingsBoard(late.port)
        wait_for(lambda: tb.subscribes >= 1, what="paho subscribed")
        points = wait_for(lambda: [p for p in tb.points() if p["values"].get("esp_resets", 0) >= 1],
                          what="telemetry counting the reset")
        assert fw.link.failures == 0 and fw.link.state == "online"
        resets = [p["values"]["esp_resets"] for p in tb.points()]
        assert resets == sorted(resets) and 1 <= points[-1]["values"]["esp_resets"] <= fw.radio.resets
    finally:
        fw.stop()
        if tb is not None:
            tb.close()
        late.stop()
