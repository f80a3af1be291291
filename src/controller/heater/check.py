"""The heater's settings checked at start, in words (imported then, and dropped after)."""

from controller.heater.http import ip_text


def pin_clash(settings):
    """True when HEATER_PIN is the 1-Wire bus's pin: the relay must not be created."""
    return settings.heater_pin == settings.onewire_pin


def problems(settings):
    """Settings that stop the heater from working, in words (empty when none). A clash with the
    1-Wire pin means the relay must not be created at all."""
    s = settings
    out = []
    if pin_clash(s):
        out.append("HEATER_PIN %s is the 1-Wire bus (ONEWIRE_PIN): heater disabled" % s.heater_pin)
    names = [getattr(s, "probe%d_name" % i) for i in range(1, 6)]
    if s.heater_top_probe not in names:
        out.append("HEATER_TOP_PROBE %s names no probe (PROBE1..5_NAME): element stays off" % s.heater_top_probe)
    if s.heater_meter != "none" and ip_text(s.heater_meter_ip) is None:
        out.append("HEATER_METER_IP must be 4 numbers like 192,168,1,50: PV rule off")
    if s.heater_emoncms_key and s.heater_emoncms_ip and ip_text(s.heater_emoncms_ip) is None:
        out.append("HEATER_EMONCMS_IP must be 4 numbers or empty: EmonCMS logging off")
    return out
