"""Sensor sources: NTC thermistors on the PCF8591 and DS18B20 probes on a 1-Wire bus.

Each reading flows source -> check -> filter -> consumer. A faulted reading is never a
temperature: ``value_c`` is None and ``fault`` says why in words. An NTC's reading is looked up
and smoothed in whole mC (``value_mc``); ``value_c`` is that in C, for reading.
"""

import ntc_table

DS18B20_MIN_C = -55.0
DS18B20_MAX_C = 125.0

FAULT_MISSING = "missing"
FAULT_CRC = "CRC error"
FAULT_POWER_ON = "85 C power-on value"
FAULT_RANGE = "out of range"
FAULT_BUS = "bus error"
FAULT_STUCK = "stuck: raw value unchanged for STUCK_H"


class NtcSensor:
    """One NTC thermistor on a PCF8591 input.

    :param name: telemetry name (``"hot"`` / ``"cold"``)
    :param label: words for a person (``"collector"``, ``"tank"``)
    :param channel: PCF8591 input 0..3
    :param table: ``ntc_table.NtcTable``
    :param alpha: exponential smoothing: the fraction (to three places) of the difference to a new
        reading taken per reading, 0 < alpha <= 1; the first reading after a fault is taken as is
    :param clear_readings: sane readings in a row a fault needs before it clears (SENSOR_CLEAR_S);
        0 or 1 clears on the first sane reading
    :param stuck_readings: readings in a row with the very same raw value that fault the sensor
        as stuck (STUCK_H); 0 = never
    """

    def __init__(self, name, label, channel, table, alpha, clear_readings=0, stuck_readings=0):
        self.name = name
        self.label = label
        self.channel = channel
        self.table = table
        if not 0.0 < alpha <= 1.0:
            raise ValueError("smoothing alpha must be in (0, 1], got %r" % alpha)
        self.alpha_e3 = round(alpha * 1000)
        self.clear_readings = clear_readings
        self.stuck_readings = stuck_readings
        self.raw = None
        self.value_mc = None  # the smoothed reading, mC
        self.value_c = None
        self.fault = None
        self.readings = 0
        self.faults = 0  # times it went from good to faulted
        self.sane = 0  # sane readings in a row while a fault is still latched
        self.same = 0  # readings in a row with an unchanged raw value
        self.latched = False  # the fault needs clear_readings sane readings to clear

    def feed_raw(self, raw):
        """Take one raw ADC value (0..255); returns the smoothed temperature or None.

        A fault of the reading (open, short, stuck) stays latched until ``clear_readings`` sane
        readings in a row have come in, so a sensor flickering at the table's edge stays one
        fault instead of flipping every reading."""
        if raw == self.raw:
            self.same += 1
        else:
            self.same = 0
        self.raw = raw
        self.readings += 1
        kind = self.table.classify(raw)
        if kind != ntc_table.RAW_OK:
            return self._faulted("open circuit" if kind == ntc_table.RAW_OPEN else "short circuit")
        if self.stuck_readings and self.same >= self.stuck_readings:
            return self._faulted(FAULT_STUCK)
        if self.fault is not None and self.latched:
            self.sane += 1
            if self.sane < self.clear_readings:
                return None
        self.fault = None
        self.sane = 0
        mc = self.table.to_mc(raw)
        if self.value_mc is not None:
            mc = self.value_mc + ((mc - self.value_mc) * self.alpha_e3 + 500) // 1000  # half up
        self.value_mc = mc
        self.value_c = mc / 1000
        return self.value_c

    def feed_error(self, text):
        """The reading could not be taken (I2C error): a fault, not a temperature."""
        self.raw = None
        self.readings += 1
        return self._faulted(text, False)

    def _faulted(self, text, latched=True):
        """A fault; ``latched`` (a reading that is not sane, as opposed to one not taken)
        needs ``clear_readings`` sane readings to clear."""
        if self.fault is None:
            self.faults += 1
            self.latched = latched
        elif latched:
            self.latched = True
        self.sane = 0
        self.fault = text
        self.value_c = None
        self.value_mc = None  # the first sane reading afterwards is taken as is
        return None

    def fault_text(self):
        return "%s sensor %s" % (self.label, self.fault)


class Probe:
    """One DS18B20 probe slot: a name, the configured ROM and its last reading.

    After a fault the last good value is still shown for ``max_age_s``, then it ages out.
    """

    def __init__(self, name, rom_hex, max_age_s):
        self.name = name
        self.rom_hex = rom_hex
        self.max_age_s = max_age_s
        self.device = None  # adafruit_onewire.device.OneWireDevice once found on the bus
        self.address = None  # its adafruit_onewire.bus.OneWireAddress
        self.value_c = None
        self.fault = "no ROM set" if not rom_hex else FAULT_MISSING
        self.last_good_s = None
        self.faults = 0  # times it went from good to faulted

    def feed(self, temp_c, fault, now_s):
        if fault is None:
            self.fault = None
            self.value_c = temp_c
            self.last_good_s = now_s
            return
        if self.fault != fault:
            self.faults += 1
        self.fault = fault
        if self.last_good_s is None or now_s - self.last_good_s > self.max_age_s:
            self.value_c = None


def crc8(data, n=None):
    """Dallas/Maxim 1-Wire CRC8 (polynomial x^8 + x^5 + x^4 + 1) of ``data[:n]``, computed in
    place (no slice is allocated)."""
    crc = 0
    for i in range(len(data) if n is None else n):
        crc ^= data[i]
        for _ in range(8):
            if crc & 1:
                crc = (crc >> 1) ^ 0x8C
            else:
                crc >>= 1
    return crc


def rom_to_hex(rom):
    """16 lower-case hex digits, first ROM byte first: the form settings.toml takes."""
    return "".join("%02x" % b for b in rom)


def decode_scratchpad(buf):
    """(temp_c, fault) from a DS18B20's 9-byte scratchpad. ``fault`` is None when good."""
    for i in range(9):
        if buf[i] != 0xFF:
            break
    else:
        return None, FAULT_MISSING  # all ones: nobody drove the bus
    if crc8(buf, 8) != buf[8]:
        return None, FAULT_CRC
    raw = buf[1] << 8 | buf[0]
    if raw == 0x0550:  # 85.0 C: the power-on value, read when no conversion happened
        return None, FAULT_POWER_ON
    if raw & 0x8000:
        raw -= 0x10000
    temp_c = raw / 16.0
    if temp_c < DS18B20_MIN_C or temp_c > DS18B20_MAX_C:
        return None, FAULT_RANGE
    return temp_c, None


class ProbeBus:
    """The DS18B20 probes on one 1-Wire bus, read without blocking the event loop.

    :param bus: ``adafruit_onewire.bus.OneWireBus``
    :param probes: list of ``Probe`` in slot order
    """

    def __init__(self, bus, probes):
        self.bus = bus
        self.probes = probes
        self.found = []  # ROM hex strings seen by the last scan
        self._buf = bytearray(9)

    def scan(self):
        """Scan the bus, attach the configured probes found, return the ROMs seen (hex)."""
        from adafruit_onewire.device import OneWireDevice

        addresses = self.bus.scan()
        found = [rom_to_hex(a.rom) for a in addresses]
        for probe in self.probes:
            probe.device = None
            probe.address = None
            for i in range(len(addresses)):
                if probe.rom_hex and found[i] == probe.rom_hex:
                    found[i] = probe.rom_hex  # the probe's string: no second copy kept (48 B a ROM)
                    probe.device = OneWireDevice(self.bus, addresses[i])
                    probe.address = addresses[i]
        self.found = found
        return found

    def ensure_resolution(self, bits=12):
        """Set each attached probe to ``bits`` resolution through the DS18X20 driver."""
        from adafruit_ds18x20 import DS18X20

        for probe in self.probes:
            if probe.device is not None:
                sensor = DS18X20(self.bus, probe.address)
                if sensor.resolution != bits:
                    sensor.resolution = bits

    def start_conversion(self):
        """Start a conversion on every probe at once; True if any device answered."""
        if not self.bus.reset():
            return False
        self.bus.write(b"\xcc\x44")  # skip ROM, convert T
        return True

    def read_all(self, now_s):
        """Read every attached probe's scratchpad (after the conversion time has passed)."""
        buf = self._buf
        for probe in self.probes:
            if probe.device is None:
                probe.feed(None, "no ROM set" if not probe.rom_hex else FAULT_MISSING, now_s)
                continue
            try:
                with probe.device as device:
                    device.write(b"\xbe")  # read scratchpad
                    # end=9 reads the raw bytes: without it the driver raises one
                    # "CRC error" for a bad CRC and an absent probe alike.
                    device.readinto(buf, end=9)
            except (OSError, RuntimeError):
                probe.feed(None, FAULT_BUS, now_s)
                continue
            temp_c, fault = decode_scratchpad(buf)
            probe.feed(temp_c, fault, now_s)

    def missing_configured(self):
        return [p for p in self.probes if p.rom_hex and p.device is None]
