"""Fake 1-Wire bus (an onewireio.OneWire look-alike) and a DS18B20 model.

The bus is simulated at the time-slot level: every ``read_bit()`` is a slot
in which the master releases the line, every ``write_bit(b)`` a slot in which
it writes b (a write-1 slot is electrically a read slot). In each slot every
attached device drives the line (1 = released) according to its own protocol
state machine; the line is the wired-AND of the master and all devices, and
then every device samples it. So the unmodified ``adafruit_onewire`` search
algorithm, MATCH ROM, SKIP ROM broadcasts and ``adafruit_ds18x20`` all run
against it, and collisions behave as on a real bus.

Runs on CPython and MicroPython (no dataclasses/typing/enum at runtime).
"""

from hwc.fakebus.i2c import default_clock


def crc8(data):
    """Dallas/Maxim 1-Wire CRC8 (same algorithm as OneWireBus.crc8)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            if crc & 0x01:
                crc = (crc >> 1) ^ 0x8C
            else:
                crc >>= 1
            crc &= 0xFF
    return crc


_HEX = "0123456789abcdef"


def rom_hex(rom):
    """8-byte ROM -> 16 lower-case hex digits, byte 0 (family code) first."""
    out = []
    for b in bytes(rom):
        out.append(_HEX[b >> 4])
        out.append(_HEX[b & 0x0F])
    return "".join(out)


def rom_from_hex(s):
    """Inverse of rom_hex: 16 hex digits -> 8 bytes."""
    s = s.strip().lower()
    if len(s) != 16:
        raise ValueError("ROM hex must be 16 hex digits")
    out = bytearray(8)
    for i in range(8):
        out[i] = int(s[2 * i : 2 * i + 2], 16)
    return bytes(out)


def rom_from_serial(serial, family=0x28):
    """ROM = family, 48-bit serial (little-endian), CRC8 of the first 7 bytes."""
    rom = bytearray(8)
    rom[0] = family
    for i in range(6):
        rom[1 + i] = (serial >> (8 * i)) & 0xFF
    rom[7] = crc8(rom[:7])
    return bytes(rom)


# ROM commands
SEARCH_ROM = 0xF0
READ_ROM = 0x33
MATCH_ROM = 0x55
SKIP_ROM = 0xCC
# Function commands
CONVERT_T = 0x44
READ_SCRATCHPAD = 0xBE
WRITE_SCRATCHPAD = 0x4E
COPY_SCRATCHPAD = 0x48
RECALL_E2 = 0xB8
READ_POWER_SUPPLY = 0xB4

# Device protocol states
_S_IDLE = 0  # waiting for a reset; line released
_S_ROM_CMD = 1  # receiving a ROM command byte
_S_SEARCH = 2
_S_READ_ROM = 3
_S_MATCH = 4
_S_FUNC_CMD = 5  # selected, receiving a function command byte
_S_CONVERT = 6  # busy polling after CONVERT T
_S_READ_SP = 7
_S_WRITE_SP = 8

# Conversion time per resolution (seconds), datasheet maxima.
CONVERSION_S = {9: 0.09375, 10: 0.1875, 11: 0.375, 12: 0.75}

POWER_ON_TEMP_RAW = 0x0550  # +85.0 C


def encode_temp(temp_c, resolution=12):
    """Temperature -> 16-bit two's complement raw value (1/16 C units), rounded
    to the resolution and clamped to the DS18B20 range -55..+125 C."""
    if temp_c < -55:
        temp_c = -55
    elif temp_c > 125:
        temp_c = 125
    step = 1 << (12 - resolution)  # in 1/16 C
    v = temp_c * 16 / step + 0.5
    n = int(v)
    if n > v:  # floor for negatives
        n -= 1
    return (n * step) & 0xFFFF


def decode_temp(raw):
    """16-bit raw scratchpad temperature -> degrees C."""
    if raw & 0x8000:
        raw -= 0x10000
    return raw / 16


class FakeDs18b20:
    """DS18B20 model (family 0x28), externally powered.

    Attributes: ``rom`` (8 bytes), ``temp_c``, ``temp_source`` (callable()
    -> C, overrides temp_c), ``stuck_c`` (if not None every conversion yields
    it), ``present``, ``corrupt_crc``, ``resolution`` (9..12; config register
    bits 5-6), ``th``/``tl``/``config``, ``conversions`` (completed count).

    Conversions take CONVERSION_S[resolution] on the bus clock; the
    temperature is sampled and latched lazily when the device is next
    accessed after the conversion time has elapsed.
    """

    def __init__(self, rom=None, temp_c=20.0, serial=1):
        if rom is None:
            rom = rom_from_serial(serial)
        elif isinstance(rom, str):
            rom = rom_from_hex(rom)
        rom = bytes(rom)
        if len(rom) != 8:
            raise ValueError("ROM must be 8 bytes")
        self.rom = rom
        self.temp_c = temp_c
        self.temp_source = None
        self.stuck_c = None
        self.present = True
        self.corrupt_crc = False
        self.clock_s = None  # set by FakeOneWire.attach(); else default clock
        self.conversions = 0
        self._eeprom = (0x4B, 0x46, 0x7F)  # TH=75, TL=70, 12 bit
        self.power_on_reset()

    # -- public model API -----------------------------------------------------
    def power_on_reset(self):
        """Brown-out: scratchpad back to +85.0 C, registers reloaded from
        EEPROM, conversion aborted, protocol state idle."""
        self.temp_raw = POWER_ON_TEMP_RAW
        self.th, self.tl, self.config = self._eeprom
        self._conv_end = None
        self._state = _S_IDLE
        self._bitpos = 0
        self._acc = 0
        self._phase = 0
        self._tx = b""

    @property
    def resolution(self):
        return 9 + ((self.config >> 5) & 0x03)

    @resolution.setter
    def resolution(self, bits):
        if bits not in (9, 10, 11, 12):
            raise ValueError("resolution must be 9..12")
        self.config = ((bits - 9) << 5) | 0x1F

    @property
    def converting(self):
        self._update()
        return self._conv_end is not None

    def true_temp_c(self):
        if self.stuck_c is not None:
            return self.stuck_c
        if self.temp_source is not None:
            return self.temp_source()
        return self.temp_c

    def scratchpad(self):
        """The 9 scratchpad bytes as READ SCRATCHPAD would return them now."""
        self._update()
        sp = bytearray(9)
        sp[0] = self.temp_raw & 0xFF
        sp[1] = (self.temp_raw >> 8) & 0xFF
        sp[2] = self.th
        sp[3] = self.tl
        sp[4] = self.config
        sp[5] = 0xFF
        sp[6] = 0x0C
        sp[7] = 0x10
        crc = crc8(sp[:8])
        if self.corrupt_crc:
            crc ^= 0x5A
        sp[8] = crc
        return bytes(sp)

    def start_conversion(self):
        self._update()
        self._conv_end = self._now() + CONVERSION_S[self.resolution]

    # -- bus protocol (used by FakeOneWire) ------------------------------------
    def _now(self):
        if self.clock_s is None:
            self.clock_s = default_clock()
        return self.clock_s()

    def _update(self):
        if self._conv_end is not None and self._now() >= self._conv_end:
            self._conv_end = None
            self.temp_raw = encode_temp(self.true_temp_c(), self.resolution)
            self.conversions += 1

    def _rom_bit(self, n):
        return (self.rom[n >> 3] >> (n & 7)) & 1

    def _bus_reset(self):
        """Reset pulse; returns True if the device answers with presence."""
        self._bitpos = 0
        self._acc = 0
        self._phase = 0
        if not self.present:
            self._state = _S_IDLE
            return False
        self._state = _S_ROM_CMD
        return True

    def _drive(self):
        """Level this device puts on the line in the current slot (1 = released)."""
        if not self.present:
            return 1
        st = self._state
        if st == _S_SEARCH:
            if self._phase == 0:
                return self._rom_bit(self._bitpos)
            if self._phase == 1:
                return 1 - self._rom_bit(self._bitpos)
            return 1
        if st == _S_READ_ROM:
            return self._rom_bit(self._bitpos)
        if st == _S_READ_SP:
            if self._bitpos < 72:
                return (self._tx[self._bitpos >> 3] >> (self._bitpos & 7)) & 1
            return 1
        if st == _S_CONVERT:
            self._update()
            return 0 if self._conv_end is not None else 1
        return 1

    def _receive_byte(self, bit):
        """Shift a bit into the accumulator; returns the byte when complete."""
        self._acc |= bit << self._bitpos
        self._bitpos += 1
        if self._bitpos < 8:
            return None
        value = self._acc
        self._acc = 0
        self._bitpos = 0
        return value

    def _sample(self, bit):
        """Device samples the line level at the end of the slot."""
        if not self.present:
            self._state = _S_IDLE
            return
        st = self._state
        if st == _S_ROM_CMD:
            cmd = self._receive_byte(bit)
            if cmd is None:
                return
            if cmd == SEARCH_ROM:
                self._state = _S_SEARCH
                self._phase = 0
            elif cmd == READ_ROM:
                self._state = _S_READ_ROM
            elif cmd == MATCH_ROM:
                self._state = _S_MATCH
            elif cmd == SKIP_ROM:
                self._state = _S_FUNC_CMD
            else:  # ALARM SEARCH etc.: not modelled, drop out
                self._state = _S_IDLE
        elif st == _S_SEARCH:
            if self._phase < 2:
                self._phase += 1
                return
            self._phase = 0
            if bit != self._rom_bit(self._bitpos):
                self._state = _S_IDLE  # master chose the other branch
                return
            self._bitpos += 1
            if self._bitpos == 64:
                self._bitpos = 0
                self._state = _S_FUNC_CMD
        elif st == _S_READ_ROM:
            self._bitpos += 1
            if self._bitpos == 64:
                self._bitpos = 0
                self._state = _S_FUNC_CMD
        elif st == _S_MATCH:
            if bit != self._rom_bit(self._bitpos):
                self._state = _S_IDLE
                return
            self._bitpos += 1
            if self._bitpos == 64:
                self._bitpos = 0
                self._state = _S_FUNC_CMD
        elif st == _S_FUNC_CMD:
            cmd = self._receive_byte(bit)
            if cmd is not None:
                self._function(cmd)
        elif st == _S_READ_SP:
            if self._bitpos < 72:
                self._bitpos += 1
        elif st == _S_WRITE_SP:
            value = self._receive_byte(bit)
            if value is None:
                return
            n = self._phase
            if n == 0:
                self.th = value
            elif n == 1:
                self.tl = value
            else:
                self.config = (value & 0x60) | 0x1F
            self._phase = n + 1
            if self._phase == 3:
                self._state = _S_IDLE
        # _S_IDLE, _S_CONVERT: nothing to sample

    def _function(self, cmd):
        self._bitpos = 0
        self._acc = 0
        self._phase = 0
        if cmd == CONVERT_T:
            self.start_conversion()
            self._state = _S_CONVERT
        elif cmd == READ_SCRATCHPAD:
            self._tx = self.scratchpad()
            self._state = _S_READ_SP
        elif cmd == WRITE_SCRATCHPAD:
            self._state = _S_WRITE_SP
        elif cmd == COPY_SCRATCHPAD:
            self._eeprom = (self.th, self.tl, self.config)
            self._state = _S_IDLE  # reads 1 = done
        elif cmd == RECALL_E2:
            self.th, self.tl, self.config = self._eeprom
            self._state = _S_IDLE  # reads 1 = done
        else:  # READ POWER SUPPLY (external power reads 1) and unknown
            self._state = _S_IDLE


class FakeOneWire:
    """onewireio.OneWire look-alike: reset(), read_bit(), write_bit(bit), deinit().

    ``reset()`` returns False if at least one present device answered with a
    presence pulse, True if none did (CircuitPython semantics). With nobody
    driving the line a read slot returns 1 (True).
    ``clock_s`` (callable -> seconds) is handed to attached devices.
    Counters: ``resets``, ``slots``.
    """

    _is_fake_onewire = True  # recognised by the onewireio shim

    def __init__(self, clock_s=None):
        self.clock_s = clock_s if clock_s is not None else default_clock()
        self.devices = []
        self.resets = 0
        self.slots = 0
        self._deinited = False

    def attach(self, device):
        if device not in self.devices:
            self.devices.append(device)
        device.clock_s = self.clock_s
        device._state = _S_IDLE
        return device

    def detach(self, device):
        if device in self.devices:
            self.devices.remove(device)

    # -- onewireio.OneWire API ---------------------------------------------------
    def reset(self):
        self._check()
        self.resets += 1
        presence = False
        for dev in self.devices:
            if dev._bus_reset():
                presence = True
        return not presence

    def read_bit(self):
        return self._slot(1)

    def write_bit(self, value):
        self._slot(1 if value else 0)

    def deinit(self):
        self._deinited = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()
        return False

    # -- internals ----------------------------------------------------------------
    def _check(self):
        if self._deinited:
            raise ValueError("Object has been deinitialized and can no longer be used.")

    def _slot(self, master):
        self._check()
        self.slots += 1
        line = master
        for dev in self.devices:
            if not dev._drive():
                line = 0
        for dev in self.devices:
            dev._sample(line)
        return bool(line)
