"""Grid power from the meter (PV-surplus rule): the URL for the configured meter and the
handler that reads its answer. Imported only when HEATER_METER is not "none"."""

from controller.heater.http import ip_text
from controller.heater.jsonstream import N, T, Z, Handler, khash

K_EMETERS = khash(b"emeters")
K_POWER = khash(b"power")
K_IS_VALID = khash(b"is_valid")
K_TOTAL = khash(b"total_act_power")
K_ACT = khash(b"act_power")


def meter_url(s, base=None):
    """The meter's URL; ``base`` ("http://host:port") replaces the IP setting."""
    if base is None:
        ip = ip_text(s.heater_meter_ip)
        if ip is None:
            return None
        base = "http://" + ip
    m = s.heater_meter
    if m == "iotawatt":
        return "%s/query?select=[time.utc.unix,%s.watts]&begin=s-10s&end=s&group=all&format=json" % (
            base, s.heater_meter_series)
    if m == "shelly1":
        return base + "/status"
    if m == "shelly2":
        return base + "/rpc/EM.GetStatus?id=0"
    return "%s/rpc/EM1.GetStatus?id=%d" % (base, s.heater_meter_channel)


class Grid(Handler):
    """Grid power in W (+ import) from a meter's answer: ``meter`` one of "iotawatt"
    (``[[unix_s, W]]``), "shelly1" (``/status`` ``emeters[channel].power``), "shelly2"
    (``EM.GetStatus`` ``total_act_power``), "shellypro" (``EM1.GetStatus`` ``act_power``)."""

    def __init__(self, meter, channel=0):
        self.meter = meter
        self.channel = channel
        self.w = None
        self.why = "no power value in the answer"
        self.index = -1
        self.in_emeters = False
        self.invalid = False

    def begin(self, sc, obj):
        if sc.depth == 2 and sc.khash == K_EMETERS:
            self.in_emeters = True
        elif sc.depth == 3 and self.in_emeters:
            self.index += 1

    def end(self, sc, obj):
        if sc.depth == 2:
            self.in_emeters = False

    def value(self, sc, kind):
        m = self.meter
        if m == "iotawatt":
            if sc.depth == 2 and sc.index() == 1:
                if kind == N:
                    self.w = sc.as_float()
                elif kind == Z:
                    self.w, self.why = None, "IoTaWatt has no data for the series"
        elif m == "shelly1":
            if sc.depth == 3 and self.in_emeters and self.index == self.channel:
                if sc.khash == K_POWER and kind == N:
                    self.w = sc.as_float()
                elif sc.khash == K_IS_VALID and kind != T:
                    self.why = "emeter %d reports is_valid false" % self.channel
                    self.invalid = True
        elif sc.depth == 1 and kind == N and sc.khash == (K_TOTAL if m == "shelly2" else K_ACT):
            self.w = sc.as_float()

    def check(self):
        if self.invalid:
            self.w = None
        return None if self.w is not None else self.why
