"""The heater's settings checked at boot, in words: run by ``controller.main`` (then
forgotten) and by ``hwc settings check``, so the PC says what the board will."""


def pin_clash(settings):
    """True when HEATER_PIN is the 1-Wire bus's pin: the relay must not be created."""
    return settings.heater_pin == settings.onewire_pin


def _ip_ok(numbers):
    return len(numbers) == 4


def problems(settings):
    """Settings that stop the heater or one of its parts, in words (empty when none): ``(KEYS,
    text)`` pairs, KEYS the settings the text is about. A clash with the 1-Wire pin means the
    relay must not be created at all."""
    s = settings
    out = []
    if pin_clash(s):
        out.append((("HEATER_PIN", "ONEWIRE_PIN"), "HEATER_PIN %s is the 1-Wire bus (ONEWIRE_PIN): heater disabled"
                     % s.heater_pin))
    names = [getattr(s, "probe%d_name" % i) for i in range(1, 6)]
    if s.heater_top_probe not in names:
        out.append((("HEATER_TOP_PROBE",), "HEATER_TOP_PROBE %s names no probe (PROBE1..5_NAME): element stays off"
                     % s.heater_top_probe))
    if not s.mqtt_broker:
        out.append((("HEATER_ENABLED", "MQTT_BROKER"),
                    "needs the network (MQTT_BROKER and WiFi), which is off: element off"))
    if s.heater_meter != "none" and not _ip_ok(s.heater_meter_ip):
        out.append((("HEATER_METER_IP", "HEATER_METER"), "HEATER_METER %s needs HEATER_METER_IP as 4 numbers "
                    "like \"192,168,1,50\": PV rule off" % s.heater_meter))
    if s.heater_emoncms_key and s.heater_emoncms_ip and not _ip_ok(s.heater_emoncms_ip):
        out.append((("HEATER_EMONCMS_IP",), "HEATER_EMONCMS_IP must be 4 numbers like \"192,168,1,60\", or "
                    "empty for emoncms.org: EmonCMS logging off"))
    return out
