"""Opening an MQTT session for the link: connect, subscribe, tell ThingsBoard who we are and
ask for the shared attributes. Runs once per connection, imported through
``controller.net.once`` and forgotten again, so it takes no RAM while the link is online."""

import json

from controller import VERSION
from controller.net import once

_SECRETS = ("CIRCUITPY_WIFI_PASSWORD", "MQTT_TOKEN")


def connect(link):
    """One attempt: TCP connect within a third of MQTT_TIMEOUT_S, CONNACK within the rest;
    raises when it fails (the link backs off)."""
    from adafruit_minimqtt.adafruit_minimqtt import MQTT

    from controller.net.link import ONLINE, TOPIC

    ctx = link.ctx
    s = ctx.settings
    limit_s = s.mqtt_timeout_s
    mqtt = MQTT(broker=s.mqtt_broker, port=s.mqtt_port, username=s.mqtt_token or None, password="",
                is_ssl=s.mqtt_tls, socket_pool=link.radio.pool, ssl_context=link.radio.ssl_context,
                socket_timeout=limit_s / 3, recv_timeout=limit_s / 3 + 0.01, connect_retries=1,
                keep_alive=int(3 * s.telemetry_period_s) + 30, use_binary_mode=True)
    mqtt.on_message = link._on_message
    link.mqtt = mqtt
    hass = link.hass
    if hass is not None:
        hass.before_connect(mqtt)
    mqtt.connect()
    poll_s = link.poll_s
    mqtt._sock.settimeout(poll_s)
    mqtt._socket_timeout = poll_s
    mqtt._recv_timeout = limit_s - poll_s
    topics = [(TOPIC + "rpc/request/+", 0), (TOPIC + "attributes", 0), (TOPIC + "attributes/response/+", 0),
              (TOPIC + "rpc/response/+", 0)]
    mqtt.subscribe(topics + hass.topics() if hass is not None else topics)
    link.mqtt_connects += 1
    link.failures = 0
    link.backoff.reset()
    link.state = ONLINE
    ctx.log.info("MQTT connected to %s:%d" % (s.mqtt_broker, s.mqtt_port))
    _hello(link, mqtt, TOPIC)
    link._req += 1
    mqtt.publish(TOPIC + "attributes/request/%d" % link._req,
                 json.dumps({"sharedKeys": once("inbound", "shared_keys")}))
    link._time_asked = None
    if hass is not None:
        hass.on_connect(mqtt)


def _hello(link, mqtt, topic):
    """Client attributes on connect: firmware, board, the settings in effect (no secrets),
    the settings problems, the overrides and rejected remote settings."""
    from controller.settings_spec import SPEC

    ctx = link.ctx
    s = ctx.settings
    settings = {}
    for entry in SPEC:
        if entry[0] not in _SECRETS:
            value = getattr(s, entry[0].lower())
            settings[entry[0]] = list(value) if isinstance(value, tuple) else value
    link.remote.report = False
    # "overrides" first, as a plain broker's echo of our own attributes is known by it
    # (MicroPython's dicts have no order, so the object is written by hand).
    mqtt.publish(topic + "attributes", '{"overrides":%s,"rejected_settings":%s,"firmware":%s,"board":%s,'
                 '"settings":%s,"settings_errors":%s}' % (
                     json.dumps(ctx.overrides), json.dumps(link.remote.rejected), json.dumps(VERSION),
                     json.dumps(getattr(ctx.hw, "board_name", "?")), json.dumps(settings), json.dumps(s.errors)))
