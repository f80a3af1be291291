"""The heater's boot-time code: its settings checked, in words (run by ``controller.main``
and by ``hwc settings check``, so the PC says what the board will), and the meter's URL. It is
forgotten after use (``controller.forget``): heater settings cannot change at run time."""


def pin_clash(settings):
    """True when HEATER_PIN is the 1-Wire bus's pin: the relay must not be created."""
    return settings.heater_pin == settings.onewire_pin


def _ip_ok(numbers):
    """An IP address setting: four whole numbers 0..255 (the loader checks the range)."""
    return len(numbers) == 4 and all(n == int(n) for n in numbers)


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
        out.append((("HEATER_TOP_PROBE", "HEATER_ENABLED"),
                    "HEATER_TOP_PROBE %s names no probe (PROBE1..5_NAME): element stays off"
                    % s.heater_top_probe))
    if not s.mqtt_broker:
        out.append((("HEATER_ENABLED", "MQTT_BROKER"),
                    "needs the network (MQTT_BROKER and WiFi), which is off: element off"))
    if s.heater_meter != "none" and not _ip_ok(s.heater_meter_ip):
        out.append((("HEATER_METER_IP", "HEATER_METER"), "HEATER_METER %s needs HEATER_METER_IP, an IP address "
                    "like \"192.168.1.50\": PV rule off" % s.heater_meter))
    if s.heater_emoncms_key and s.heater_emoncms_ip and not _ip_ok(s.heater_emoncms_ip):
        out.append((("HEATER_EMONCMS_IP",), "HEATER_EMONCMS_IP must be an IP address like \"192.168.1.60\", or "
                    "empty for emoncms.org: EmonCMS logging off"))
    return out


def meter_url(s, base=None):
    """The meter's URL (HEATER_METER); ``base`` ("http://host:port") replaces HEATER_METER_IP.
    None when the IP setting is not 4 numbers."""
    if base is None:
        ip = s.heater_meter_ip
        if not _ip_ok(ip):
            return None
        base = "http://%d.%d.%d.%d" % tuple(int(n) for n in ip)
    m = s.heater_meter
    if m == "iotawatt":
        return "%s/query?select=[time.utc.unix,%s.watts]&begin=s-10s&end=s&group=all&format=json" % (
            base, s.heater_meter_series)
    if m == "shelly1":
        return "%s/emeter/%d" % (base, s.heater_meter_channel)
    if m == "shelly3em":
        return base + "/status"
    if m == "shelly2":
        return base + "/rpc/EM.GetStatus?id=0"
    return "%s/rpc/EM1.GetStatus?id=%d" % (base, s.heater_meter_channel)
