"""What the link does on the rarer occasions: a failure (backoff, the ESP32 reset), closing
the connection, and the messages that arrive (RPCs, shared attributes, the server's time,
Home Assistant commands). Imported for each use through ``controller.net.once`` and forgotten
again, so this code takes no RAM while the link just sends telemetry."""

import json

from controller.net.link import _OWN_ATTRS, BACKOFF, TOPIC


# MQTT 3.1.1 CONNACK refusal codes, in words (adafruit_minimqtt raises them as
# MMQTTException(text, code)).
_REFUSED = {1: "MQTT version refused (code 1)", 2: "client id refused (MQTT code 2)",
            3: "broker unavailable (MQTT code 3)", 4: "bad MQTT_TOKEN (MQTT code 4)",
            5: "bad MQTT_TOKEN (MQTT code 5: not authorised)"}


def describe(exc):
    """Words for a failed network call: a refused MQTT connect by its code (what to do first:
    the screen shows the first 40 characters), else the exception's type and text (and cause)."""
    args = getattr(exc, "args", ())
    if type(exc).__name__ == "MMQTTException" and len(args) > 1 and args[1] in _REFUSED:
        return _REFUSED[args[1]]
    cause = getattr(exc, "__cause__", None)
    return "%s: %s%s" % (type(exc).__name__, exc, " (%s)" % cause if cause else "")


def fail(link, error):
    """Close, back off (exponentially, with jitter) and, after ESP_RESET_AFTER failures in a
    row, reset the ESP32 alone (counted in ``esp_resets``; the board runs on)."""
    link.last_error = error
    link.failures += 1
    close(link)
    delay_s = link.backoff.next_s()
    link._until = link.wall.mono_ms() + int(delay_s * 1000)
    link.state = BACKOFF
    link.ctx.log.warn("network: %s; retry in %d s" % (error, delay_s))
    every = link.ctx.settings.esp_reset_after
    if every and link.failures % every == 0:
        # The ESP32 alone, through its reset pin: the board and the pump run on.
        link.esp_resets += 1
        link.ctx.log.warn("network: %d failures in a row; resetting the WiFi co-processor" % link.failures)
        try:
            link.radio.reset()
        except Exception as exc:  # noqa: BLE001 - the next attempt reports what is still wrong
            link.ctx.log.error("network: WiFi co-processor reset failed: %s" % exc)
        link._wifi_up = False


def close(link):
    """Drop the MQTT connection; the connection manager forgets the socket even when
    closing it fails (a reset ESP32), or the next connect would be refused."""
    mqtt = link.mqtt
    link.mqtt = None
    if mqtt is None:
        return
    sock = mqtt._sock
    try:
        mqtt._close_socket()
    except Exception:  # noqa: BLE001 - the socket is going anyway
        cm = mqtt._connection_manager
        key = cm._key_by_managed_socket.pop(sock, None)
        if key is not None:
            cm._managed_socket_by_key.pop(key, None)
        if sock in cm._available_sockets:
            cm._available_sockets.remove(sock)
        mqtt._sock = None


def handle_inbox(link):
    """Handle the queued incoming messages, oldest first."""
    remote = link.remote
    while link.inbox:
        topic, payload = link.inbox.pop(0)
        if link.hass is not None and link.hass.handles(topic):
            link.hass.on_message(topic, payload, link.mqtt)
        elif topic == link._time_topic:
            _on_time(link, payload)
        elif topic.startswith(TOPIC + "rpc/request/"):
            if topic != link._time_topic.replace("response", "request"):  # not our own, echoed
                response = remote.on_rpc(payload)
                link.mqtt.publish(TOPIC + "rpc/response/" + topic[len(TOPIC) + 12:], json.dumps(response))
        elif topic == TOPIC + "attributes":
            if not payload.startswith(_OWN_ATTRS):  # our own, echoed by a plain broker
                remote.on_attributes(payload)
        elif topic.startswith(TOPIC + "attributes/response/"):
            remote.on_attributes(payload, full=True)
        if remote.report:
            _publish_attributes(link)
    if link.inbox_lost:
        link.ctx.log.warn("network: %d incoming messages dropped (arriving too fast)" % link.inbox_lost)
        link.inbox_lost = 0


def _on_time(link, payload):
    try:
        value = json.loads(payload)
    except ValueError:
        return
    if isinstance(value, dict):
        value = value.get("time", value.get("ts"))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 1e11:
        value *= 1000  # seconds
    if link.wall.set_epoch_ms(value, "server"):
        link.ctx.log.info("wall clock set from the server")


def _publish_attributes(link):
    """The overrides and rejected remote settings, whenever they changed (firmware, board
    and settings go with them on connect: ``session.connect``)."""
    remote = link.remote
    remote.report = False
    link.mqtt.publish(TOPIC + "attributes", '{"overrides":%s,"rejected_settings":%s}' % (
        json.dumps(link.ctx.overrides), json.dumps(remote.rejected)))
