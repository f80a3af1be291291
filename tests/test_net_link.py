"""The network link against a real broker (mosquitto; amqtt where it is absent): a paho-mqtt
client plays ThingsBoard. The firmware runs in real time with short periods; tests wait for
conditions with generous timeouts and never assert on durations."""

import json
import time

import pytest

from hwc import netapi as api
from mqtt_broker import Broker
from netfw import TB, FakeThingsBoard, NetFirmware, wait_for

OWN_ID = 1000000000  # the device's own request ids are above it (controller.net.link)


@pytest.fixture
def tb(broker):
    t = FakeThingsBoard(broker.port)
    wait_for(lambda: t.client.is_connected() and t.subscribes >= 1, what="paho subscribed")
    yield t
    t.close()


@pytest.fixture
def fw(broker, tb, tmp_path):
    f = NetFirmware(broker.port, store_path=tmp_path / "overrides.bin").start()
    yield f
    f.stop()


def consistent(settings):
    """Every rule between keys holds (the loader's own table)."""
    from controller.settings_spec import ORDER_RULES

    return [m for low, high, m in ORDER_RULES if getattr(settings, low.lower()) >= getattr(settings, high.lower())]


def set_hot(fw, hot_c):
    fw.pcf.set_raw(1, int(fw.ctl.hot.table.to_raw(hot_c) + 0.5))


def test_telemetry_and_client_attributes(fw, tb):
    # The point after the connect is a status point: with the signal and the counters.
    points = wait_for(lambda: [p for p in tb.points() if "ambient_c" in p["values"]] and tb.points(),
                      what="points with the probes read")
    first_attrs = tb.attributes()[0]
    assert first_attrs["firmware"] and first_attrs["board"] == "PC test"
    # "settings": what differs from the defaults, secrets left out.
    assert first_attrs["settings"]["MQTT_BROKER"] == "127.0.0.1" and first_attrs["settings"]["REPLAY_PER_S"] == 20.0
    assert "MIN_DIFF_K" not in first_attrs["settings"] and "MQTT_TOKEN" not in first_attrs["settings"]
    request = [body for t, body in tb.messages if t.startswith(TB + "attributes/request/")][0]
    assert "MIN_DIFF_K" in request["sharedKeys"] and "OVERHEAT_C" not in request["sharedKeys"]
    assert "HEATER_SETPOINT_C" in request["sharedKeys"] and "HEATER_CUTOFF_C" not in request["sharedKeys"]
    keys = set(api.telemetry_keys(["hot", "cold", "ambient", "tank_inlet"]))
    assert all(set(p["values"]) <= keys for p in points)
    status = [p["values"] for p in points if "rssi" in p["values"]][0]  # after the connect
    for key in ("hot_c", "cold_c", "duty_pct", "mode", "max_diff_k", "rssi", "wifi_connects", "mqtt_connects",
                "uptime_s", "hot_fault", "ambient_fault", "dropped", "thinned", "pump_starts"):
        assert key in status, key
    assert status["wifi_connects"] == 1 and status["mqtt_connects"] == 1
    # The status keys go once a minute; the measurements with every point.
    plain = [p["values"] for p in points if "uptime_s" not in p["values"]]
    assert plain and all("hot_c" in v and "duty_pct" in v and "mqtt_connects" not in v for v in plain)
    probed = [p["values"] for p in points if "ambient_c" in p["values"]][-1]
    assert probed["ambient_c"] == 20.0 and probed["ambient_fault"] == 0 and probed["tank_inlet_c"] == 21.0
    # The reason, in words, with the newest point of a message.
    assert any(p["values"].get("reason", "").startswith("running") for p in points)
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
               "MAX_DIFF_START_K": 3.0, "MQTT_BROKER": "evil.example", "CONTROL_PERIOD_S": 60}
        tb.set_shared(bad)
        report = wait_for(lambda: [a for a in tb.attributes()
                                   if set(bad) <= set(a.get("rejected_settings", {}))], what="rejections")[-1]
        rejected = report["rejected_settings"]
        assert "safety" in rejected["OVERHEAT_C"] and "unknown" in rejected["NOT_A_KEY"]
        assert rejected["MAX_DIFF_START_K"] == "MIN_DIFF_K must be below MAX_DIFF_START_K"
        assert "range" in rejected["DUTY_ROUND_UP_PCT"] and "network" in rejected["MQTT_BROKER"]
        assert rejected["CONTROL_PERIOD_S"] == "read once at boot: settings.toml only"
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
        wait_for(lambda: fw2.link.state == "online", what="online")
        tb.client.publish(TB + "attributes", json.dumps({"deleted": ["MIN_DIFF_K"]}))
        wait_for(lambda: "MIN_DIFF_K" not in fw2.ctl.overrides, what="deleted override")
        assert fw2.settings.min_diff_k == 4.0  # the settings.toml value (default)
    finally:
        fw2.stop()
    assert NetFirmware(broker.port, store_path=store).settings.min_diff_k == 4.0


def test_set_set_delete_reconnect_never_leaves_an_inconsistent_set(broker, tb, tmp_path):
    """Issue 15's sequence: two overrides valid only together, then one of them deleted."""
    store = tmp_path / "overrides.bin"
    fw = NetFirmware(broker.port, store_path=store).start()
    try:
        wait_for(lambda: fw.link.state == "online", what="online")
        tb.set_shared({"MAX_DIFF_START_K": 20})
        wait_for(lambda: fw.settings.max_diff_start_k == 20.0, what="MAX_DIFF_START_K 20")
        assert tb.rpc("setSetting", {"key": "MIN_DIFF_K", "value": 15}) == {"key": "MIN_DIFF_K", "value": 15.0}
        assert fw.settings.min_diff_k == 15.0
        tb.shared.pop("MAX_DIFF_START_K")
        tb.client.publish(TB + "attributes", json.dumps({"deleted": ["MAX_DIFF_START_K"]}))
        wait_for(lambda: fw.settings.max_diff_start_k == 8.0, what="MAX_DIFF_START_K back to 8")
        # MIN_DIFF_K 15 no longer fits under 8: it goes too, and the report says why.
        assert fw.settings.min_diff_k == 4.0 and fw.ctl.overrides == {} and consistent(fw.settings) == []
        report = wait_for(lambda: [a for a in tb.attributes() if "MIN_DIFF_K" in a.get("rejected_settings", {})],
                          what="the refusal reported")[-1]
        assert report["rejected_settings"]["MIN_DIFF_K"] == "MIN_DIFF_K must be below MAX_DIFF_START_K"
        assert fw.logged("remote setting MIN_DIFF_K removed: back to 4.0")
        # The server still holds MIN_DIFF_K 15: on reconnect it is refused again, whole set checked.
        tb.shared = {"MIN_DIFF_K": 15}
        connects = fw.link.mqtt_connects
        fw.call(fw.link.fail, "test: reconnect")
        wait_for(lambda: fw.link.mqtt_connects > connects and fw.link.state == "online", what="reconnected")
        wait_for(lambda: [a for a in tb.attributes()[-3:] if "MIN_DIFF_K" in a.get("rejected_settings", {})],
                 what="refused again on connect")
        assert fw.settings.min_diff_k == 4.0 and consistent(fw.settings) == []
    finally:
        fw.stop()
    again = NetFirmware(broker.port, store_path=store)
    assert again.ctl.overrides == {} and consistent(again.settings) == []


@pytest.mark.parametrize("order", ["min_first", "max_first"])
def test_multi_key_update_is_checked_as_a_whole(fw, tb, order):
    wait_for(lambda: fw.link.state == "online", what="online")
    pair = [("MIN_DIFF_K", 10), ("MAX_DIFF_START_K", 12)]
    if order == "max_first":
        pair.reverse()
    tb.set_shared(dict(pair))  # ThingsBoard's order is the user's
    wait_for(lambda: fw.ctl.overrides == {"MIN_DIFF_K": 10.0, "MAX_DIFF_START_K": 12.0}, what="both applied")
    assert consistent(fw.settings) == []
    # Both out of order in one update: both refused, nothing changes.
    tb.set_shared({"MIN_DIFF_K": 30, "MAX_DIFF_START_K": 20})
    report = wait_for(lambda: [a for a in tb.attributes() if len(a.get("rejected_settings", {})) == 2],
                      what="both refused")[-1]
    assert set(report["rejected_settings"]) == {"MIN_DIFF_K", "MAX_DIFF_START_K"}
    assert fw.ctl.overrides == {"MIN_DIFF_K": 10.0, "MAX_DIFF_START_K": 12.0} and consistent(fw.settings) == []


def test_protected_keys_rules_are_checked_too(broker, tb):
    """HEATER_CUTOFF_C is settings.toml only; HEATER_SETPOINT_C must stay below it."""
    fw = NetFirmware(broker.port, env={"HEATER_CUTOFF_C": "70"}).start()
    try:
        wait_for(lambda: fw.link.state == "online", what="online")
        refused = tb.rpc("setSetting", {"key": "HEATER_SETPOINT_C", "value": 75})
        assert refused == {"error": "HEATER_SETPOINT_C: HEATER_SETPOINT_C must be below HEATER_CUTOFF_C"}
        assert tb.rpc("setSetting", {"key": "HEATER_SETPOINT_C", "value": 65}) == {"key": "HEATER_SETPOINT_C",
                                                                                     "value": 65.0}
        assert tb.rpc("setSetting", {"key": "HEATER_CUTOFF_C", "value": 99})["error"].endswith("settings.toml only")
        assert tb.rpc("setSetting", {"key": "CONTROL_PERIOD_S", "value": 60})["error"] == (
            "CONTROL_PERIOD_S: read once at boot: settings.toml only")
        assert fw.settings.heater_setpoint_c == 65.0 and fw.settings.control_period_s == 2.0
        assert consistent(fw.settings) == []
    finally:
        fw.stop()


def test_a_new_start_threshold_applies_while_idle(broker, tb):
    fw = NetFirmware(broker.port, env={"PURGE_S": "0", "NTC_SMOOTHING": "1.0", "SENSOR_PERIOD_S": "1",
                                       "CONTROL_PERIOD_S": "0.5"}).start()
    try:
        wait_for(lambda: fw.link.state == "online", what="online")
        set_hot(fw, 42.0)  # a few K over the tank: the pump stops
        wait_for(lambda: fw.ctl.decision.mode == "idle", timeout_s=60, what="idle")
        assert fw.ctl.decision.max_diff_k == 8.0
        assert tb.rpc("setSetting", {"key": "MAX_DIFF_START_K", "value": 12})["value"] == 12.0
        cycles = fw.ctl.control_cycles
        wait_for(lambda: fw.ctl.control_cycles > cycles, what="the next control cycle")
        assert fw.ctl.decision.max_diff_k == 12.0  # at once, not at the next stop
        set_hot(fw, 50.5)  # about 10 K: would have started at 8, not at 12
        wait_for(lambda: 9.0 < fw.ctl.decision.diff_k < 11.5, what="dT about 10 K")
        cycles = fw.ctl.control_cycles
        wait_for(lambda: fw.ctl.control_cycles >= cycles + 5, what="five more control cycles")
        assert fw.ctl.decision.mode == "idle"
        set_hot(fw, 56.0)
        wait_for(lambda: fw.ctl.decision.mode == "running", what="a start above 12 K")
    finally:
        fw.stop()


def test_every_rejection_is_published(fw, tb):
    wait_for(lambda: fw.link.state == "online", what="online")
    bad = {"NOT_A_SETTING_%d" % i: i for i in range(6)}
    bad.update({"MIN_DIFF_K": -1, "PURGE_S": "soon", "OVERHEAT_C": 50, "PCF8591_ADDRESS": 1, "MQTT_PORT": 2})
    tb.set_shared(bad)
    report = wait_for(lambda: [a for a in tb.attributes() if set(bad) <= set(a.get("rejected_settings", {}))],
                      what="all eleven rejections")[-1]
    assert len(report["rejected_settings"]) == len(bad) == 11
    assert len(fw.logged("rejected")) >= 11
    assert tb.rpc("clearFaults")["cleared"]
    wait_for(lambda: tb.reported()["rejected_settings"] == {}, what="rejections cleared")


def test_server_rpc_ids_0_to_10_are_all_answered(broker, tb):
    """ThingsBoard numbers a device's RPCs from 0; the device's own time request must not
    take one of those ids (TIME_SOURCE both: it asks the server's time on connect)."""
    fw = NetFirmware(broker.port, env={"TIME_SOURCE": "both"}).start()
    try:
        wait_for(lambda: fw.link.state == "online" and fw.link._time_id >= OWN_ID, what="a time request")
        for rid in range(11):
            assert tb.rpc("getStatus", rid=rid, timeout_s=10)["mode"] == fw.ctl.decision.mode, rid
        own = [t for t, _ in tb.messages if t.startswith(TB + "rpc/request/") and int(t.rsplit("/", 1)[1]) >= OWN_ID]
        assert own  # the device's own requests, seen on the broker, with ids no server RPC takes
        assert not fw.logged("unknown method getCurrentTime")  # its echo was not taken for a server RPC
    finally:
        fw.stop()


def test_a_burst_of_rpcs_is_answered_busy_beyond_the_inbox(fw, tb):
    wait_for(lambda: fw.link.state == "online", what="online")
    ids = range(2000, 2100)
    for rid in ids:
        tb.client.publish(TB + "rpc/request/%d" % rid, json.dumps({"method": "getStatus", "params": {}}))

    def answers():
        return [tb.got(TB + "rpc/response/%d" % rid)[0] for rid in ids if tb.got(TB + "rpc/response/%d" % rid)]

    wait_for(lambda: fw.logged("answered busy") and len(answers()) >= 17, what="the burst handled")
    time.sleep(0.5)
    got = answers()
    busy = [a for a in got if "error" in a]
    assert len(busy) >= 16 and len(got) > len(busy)  # the inbox's 8 (not all RPCs), and 16 more told "busy"
    assert all(a["error"] == "busy: too many requests at once; try again" for a in busy)
    assert all(a["mode"] == fw.ctl.decision.mode for a in got if "error" not in a)
    assert fw.ctl.task_restarts["link"] == 0 and fw.link.state == "online"
    assert tb.rpc("getStatus")["mode"]  # and the next one is answered as usual


def test_rpcs_valid_and_invalid(fw, tb):
    wait_for(lambda: fw.link.state == "online", what="online")
    status = tb.rpc("getStatus")
    assert status["mode"] == fw.ctl.decision.mode and status["manual"]["mode"] == "auto"
    assert set(status["probes"]) == {"ambient", "tank_inlet"} and status["reason"].startswith("running")

    def state():
        return (fw.ctl.manual_mode, fw.ctl.manual_duty_pct, fw.ctl.manual_until_s, dict(vars(fw.settings)),
                dict(fw.ctl.overrides), fw.reboots)

    before = state()
    bad = [tb.rpc("selfDestruct"), tb.rpc(None, raw="{not json"), tb.rpc(None, raw="[1, 2]"),
           tb.rpc("setMode", {"mode": "manual", "duty_pct": "lots"}), tb.rpc("setMode", {"mode": "turbo"}),
           tb.rpc("setMode", {"mode": "manual", "duty_pct": 150}),
           tb.rpc("setMode", {"mode": "off", "timeout_s": 10 ** 9}),
           tb.rpc("setSetting", {"key": "OVERHEAT_C", "value": 200}), tb.rpc("setSetting", ["MIN_DIFF_K", 1]),
           tb.rpc("setMode", {"mode": "manual", "pad": "x" * 5000}), tb.rpc(None, raw=b"\xff\xfe{")]
    for response in bad:
        assert set(response) == {"error"}, response
    assert "unknown method selfDestruct" in bad[0]["error"] and "malformed" in bad[1]["error"]
    assert "too large" in bad[-2]["error"]
    assert state() == before

    assert tb.rpc("setMode", {"mode": "manual", "duty_pct": 40, "timeout_s": 120}) == {
        "mode": "manual", "duty_pct": 40, "timeout_s": 120}
    wait_for(lambda: fw.ctl.decision.mode == "manual" and fw.ctl.decision.duty_pct == 40, what="manual 40 %")
    assert tb.rpc("setMode", "off")["timeout_s"] == fw.settings.remote_manual_max_s  # always times out
    assert tb.rpc("setMode", {"mode": "auto"})["mode"] == "auto"
    assert tb.rpc("setSetting", {"key": "PURGE_S", "value": 30}) == {"key": "PURGE_S", "value": 30.0}
    assert fw.settings.purge_s == 30.0
    assert tb.rpc("setSetting", {"key": "HEATER_EMONCMS_IP", "value": [192, 168, 1, 50]})["value"] == [
        192.0, 168.0, 1.0, 50.0]
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
        wait_for(lambda: not fw.link.up and fw.link.state in ("wifi", "backoff"), what="WiFi down")
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
    assert len(points) == sent and fw.link.dropped == 0 and fw.link.points.thinned == 0
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    batches = tb.got(TB + "telemetry")
    assert max(len(b) for b in batches) == 4  # the backlog went as arrays of REPLAY_BATCH
    # Points taken while offline kept the time they were taken, not the time they were sent.
    assert len([t for t in stamps if kill_ms < t < back_ms]) >= 8
    uptimes = [p["values"]["uptime_s"] for p in points if "uptime_s" in p["values"]]
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
        resets = [p["values"]["esp_resets"] for p in tb.points() if "esp_resets" in p["values"]]
        assert resets == sorted(resets) and 1 <= points[-1]["values"]["esp_resets"] <= fw.radio.resets
    finally:
        fw.stop()
        if tb is not None:
            tb.close()
        late.stop()
