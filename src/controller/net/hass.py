"""Home Assistant MQTT discovery (HA_DISCOVERY=1), for users whose broker is Home Assistant's.

Imported only when HA_DISCOVERY is on. On every connect (and when Home Assistant says
"online") it publishes, retained, one discovery config per entity under
``<HA_PREFIX>/<component>/<HA_NODE_ID>/<object>/config`` (``session.hass_online``: code that
runs then is not kept): a temperature sensor per configured sensor, the duty,
mode and collector-tank difference, the pump output as a binary sensor, and the manual pump
mode as a switch. All entities read one JSON state message on ``solar_hwc/<node>/state``
(retained; sent every TELEMETRY_PERIOD_S and after each command) and share the availability
topic ``solar_hwc/<node>/availability``: "online" (retained) once connected, "offline" as the
MQTT last will, so the broker says it when the link dies. The switch's command topic
``solar_hwc/<node>/manual/set`` takes "ON" (manual at 100 %), "OFF" (auto) or a setMode
params object, through the setMode RPC's validation (``inbound``, where the commands and
Home Assistant's "online" on ``<HA_PREFIX>/status`` are handled).
"""

import json


class Hass:
    """:param link: the ``Link`` (its ctx and MQTT client)"""

    def __init__(self, link):
        s = link.ctx.settings
        self.link = link
        node = s.ha_node_id
        self.state_topic = "solar_hwc/%s/state" % node
        self.availability_topic = "solar_hwc/%s/availability" % node
        self.command_topic = "solar_hwc/%s/manual/set" % node
        self.status_topic = s.ha_prefix + "/status"
        self.commands = 0  # accepted switch commands
        self.rejected = 0  # refused ones
        self.next = 0  # link ms: when the state goes next

    def publish_state(self, mqtt):
        """The state message every entity reads, retained, so Home Assistant knows the state as
        soon as it subscribes."""
        ctx = self.link.ctx
        d = ctx.decision
        out = {"duty_pct": d.duty_pct, "mode": d.mode, "pump_on": "ON" if ctx.pump_on else "OFF",
               "manual": "ON" if ctx.manual_mode == "manual" else "OFF",
               "diff_k": None if d.diff_k is None else round(d.diff_k, 2)}
        for sensor in self.link.points.sensors:
            out[sensor.name + "_c"] = None if sensor.value_c is None else round(sensor.value_c, 2)
        mqtt.publish(self.state_topic, json.dumps(out), True)

    def tick(self, now, mqtt):
        """The state every TELEMETRY_PERIOD_S while online."""
        if now >= self.next:
            self.next = now + int(self.link.ctx.settings.telemetry_period_s * 1000)
            self.publish_state(mqtt)
