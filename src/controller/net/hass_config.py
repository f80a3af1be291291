"""The Home Assistant discovery configs (see ``hass``): built and published on connect and
when Home Assistant restarts, imported for that through ``controller.net.once`` and
forgotten again."""

import json

from controller import VERSION
from controller.net.points import sensors_of

_DEGREES_C = "\u00b0C"


def _config(hass, component, obj, name, extra):
    """(topic, config JSON) of one entity."""
    ctx = hass.link.ctx
    config = {"name": name, "unique_id": "%s_%s" % (hass.node, obj), "state_topic": hass.state_topic,
              "availability_topic": hass.availability_topic,
              "device": {"identifiers": [hass.node], "name": "Solar hot water %s" % hass.node,
                         "model": getattr(ctx.hw, "board_name", "?"), "manufacturer": "solar-hwc",
                         "sw_version": VERSION}}
    for key in extra:
        config[key] = extra[key]
    return "%s/%s/%s/%s/config" % (hass.prefix, component, hass.node, obj), json.dumps(config)


def entities(hass):
    """[(topic, config JSON)] of every entity, in publishing order."""
    out = []
    for name, sensor in sensors_of(hass.link.ctx):
        label = getattr(sensor, "label", name)
        out.append(_config(hass, "sensor", name + "_c", "%s temperature" % label, {
            "device_class": "temperature", "unit_of_measurement": _DEGREES_C, "state_class": "measurement",
            "value_template": "{{ value_json.%s_c }}" % name}))
    for key, name, unit in (("duty_pct", "pump duty", "%"), ("diff_k", "collector - tank", "K")):
        out.append(_config(hass, "sensor", key, name, {
            "unit_of_measurement": unit, "state_class": "measurement",
            "value_template": "{{ value_json.%s }}" % key}))
    out.append(_config(hass, "sensor", "mode", "mode", {"value_template": "{{ value_json.mode }}"}))
    out.append(_config(hass, "binary_sensor", "pump_on", "pump", {
        "device_class": "running", "value_template": "{{ value_json.pump_on }}"}))
    out.append(_config(hass, "switch", "manual", "manual pump", {
        "command_topic": hass.command_topic, "value_template": "{{ value_json.manual }}", "icon": "mdi:pump"}))
    return out


def announce(hass, mqtt):
    for topic, config in entities(hass):
        mqtt.publish(topic, config, True)
