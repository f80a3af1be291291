"""Opening an MQTT session for the link: connect, subscribe, tell ThingsBoard who we are and
ask for the shared attributes. Runs once per connection, imported through
``controller.net.once`` and forgotten again, so it takes no RAM while the link is online.

Only adafruit_minimqtt's public API: the socket timeout is the link's poll (a TCP connect on
the ESP32 is bounded by its own firmware, not by it), the CONNACK and every QoS 1
acknowledgement wait at most MQTT_TIMEOUT_S (``recv_timeout``), and each session gets its
own connection-manager key (``session_id``), so a socket that a reset ESP32 could not close
never blocks the next connect."""

import json

from controller import VERSION
from controller.net.link import TOPIC
from controller.net.defaults import DEFAULTS, SHARED


def connect(link):
    """One attempt; raises when it fails (the link backs off)."""
    from adafruit_minimqtt.adafruit_minimqtt import MQTT

    ctx = link.ctx
    s = ctx.settings
    mqtt = MQTT(broker=s.mqtt_broker, port=s.mqtt_port, username=s.mqtt_token or None, password="",
                is_ssl=s.mqtt_tls, socket_pool=link.radio.pool, ssl_context=link.radio.ssl_context,
                socket_timeout=link.poll_s, recv_timeout=max(s.mqtt_timeout_s, 2 * link.poll_s), connect_retries=1,
                keep_alive=int(3 * s.telemetry_period_s) + 30, use_binary_mode=True)
    mqtt.on_message = link.on_message
    link.mqtt = mqtt
    hass = link.hass
    if hass is not None:
        will(hass, mqtt)
    mqtt.connect(session_id=str(link.mqtt_connects))
    topics = [(TOPIC + "rpc/request/+", 0), (TOPIC + "attributes", 0), (TOPIC + "attributes/response/+", 0),
              (TOPIC + "rpc/response/+", 0)]
    if hass is not None:  # Home Assistant's switch commands and its "online"
        topics += [(hass.command_topic, 0), (hass.status_topic, 0)]
    mqtt.subscribe(topics)
    link.mqtt_connects += 1
    link.failures = 0
    link.points.status_at = None  # the next point carries the counters this connect changed
    link.state = "online"
    ctx.log.info("MQTT connected to %s:%d" % (s.mqtt_broker, s.mqtt_port))
    hello(link, mqtt)
    link.req += 1  # a request id of ours (see link.TOPIC)
    mqtt.publish(TOPIC + "attributes/request/%d" % link.req, '{"sharedKeys":"%s"}' % SHARED)
    link._time_asked = None
    if hass is not None:
        hass_online(hass, mqtt)


def hello(link, mqtt):
    """Client attributes on connect: the overrides and rejected remote settings, firmware,
    board, the settings that differ from their defaults and the settings problems."""
    ctx = link.ctx
    s = ctx.settings
    link.report = False
    # "settings": those in force that differ from their defaults, as a JSON object (secrets
    # left out: DEFAULTS has none)
    parts = []
    for lines in DEFAULTS:  # texts of whole lines
        for line in lines.split("\n"):
            words = line.split(" ")
            if len(words) < 2:
                continue
            value = getattr(s, words[0].lower())
            text = json.dumps(list(value) if isinstance(value, tuple) else value)
            if text.replace(" ", "") != words[1]:
                parts.append('"%s":%s' % (words[0], text))
    # "overrides" first: a plain broker's echo of our own attributes is known by it
    # (MicroPython's dicts have no order, so the object is written by hand).
    mqtt.publish(TOPIC + "attributes", '{"overrides":%s,"rejected_settings":%s,"firmware":%s,"board":%s,'
                 '"settings":%s,"settings_errors":%s}' % (
                     json.dumps(ctx.overrides), json.dumps(link.rejected), json.dumps(VERSION),
                     json.dumps(getattr(ctx.hw, "board_name", "?")), "{" + ",".join(parts) + "}",
                     json.dumps(s.errors)))


# --- Home Assistant's discovery configs (HA_DISCOVERY = 1; see ``hass``) ------------------------
def will(hass, mqtt):
    """The last will: "offline", retained, published by the broker if the link dies."""
    mqtt.will_set(hass.availability_topic, "offline", True)


def hass_online(hass, mqtt):
    """Every entity's discovery config, "online", and the state: on connect, and when Home
    Assistant restarts (its "online", ``rpc.hass_message``)."""
    announce(hass, mqtt)
    mqtt.publish(hass.availability_topic, "online", True)
    hass.publish_state(mqtt)


def announce(hass, mqtt):
    """Every entity's discovery config, retained, in this order: one long text per config, so
    its words are not interned names (which stay in RAM)."""
    ctx = hass.link.ctx
    s = ctx.settings
    node = s.ha_node_id
    text = ('"device":{"identifiers":["%s"],"name":"Solar hot water %s","model":%s,"manufacturer":"solar-hwc",'
            '"sw_version":"%s"}') % (node, node, json.dumps(getattr(ctx.hw, "board_name", "?")), VERSION)
    m = ',"unit_of_measurement":"%s","state_class":"measurement"'
    rows = [("sensor", sensor.name + "_c", getattr(sensor, "label", sensor.name) + " temperature",
             ',"device_class":"temperature"' + m % "\u00b0C") for sensor in hass.link.points.sensors]
    rows += [("sensor", "duty_pct", "pump duty", m % "%"),
             ("sensor", "diff_k", "collector - tank", m % "K"),
             ("sensor", "mode", "mode", ""), ("binary_sensor", "pump_on", "pump", ',"device_class":"running"'),
             ("switch", "manual", "manual pump", ',"command_topic":"%s","icon":"mdi:pump"' % hass.command_topic)]
    for kind, key, name, extra in rows:
        mqtt.publish("%s/%s/%s/%s/config" % (s.ha_prefix, kind, node, key),
                     ('{"name":"%s","unique_id":"%s_%s","state_topic":"%s","availability_topic":"%s",'
                      '"value_template":"{{ value_json.%s }}",%s%s}') % (
                         name, node, key, hass.state_topic, hass.availability_topic, key, text, extra), True)
