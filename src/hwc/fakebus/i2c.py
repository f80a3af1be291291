"""Fake I2C bus (a busio.I2C look-alike) and a PCF8591 ADC/DAC device model.

The real ``adafruit_pcf8591.pcf8591.PCF8591`` driver (through
``adafruit_bus_device.i2c_device.I2CDevice``) runs unchanged on ``FakeI2C``.

Runs on CPython and MicroPython (no dataclasses/typing/enum at runtime).
"""

import time

ENODEV = 19  # errno: "No such device" (no ACK on the address)
EIO = 5  # errno: "Input/output error"


def default_clock():
    """Return a seconds clock: time.monotonic if present, else ticks_ms()/1000."""
    mono = getattr(time, "monotonic", None)
    if mono is not None:
        return mono
    ticks_ms = time.ticks_ms  # MicroPython

    def clock():
        return ticks_ms() / 1000

    return clock


def _default_sleep(seconds):
    time.sleep(seconds)


class FakeI2C:
    """busio.I2C look-alike with attachable device models and fault injection.

    Devices are objects with ``i2c_write(data)`` (data: bytes) and
    ``i2c_read(n)`` -> bytes of length n; an optional ``present`` attribute
    (False = device does not ACK its address).

    Fault injection:
      * ``fail_next(n, exc=None)``: the next n transactions raise ``exc``
        (default ``OSError(5, "Input/output error")``).
      * ``hang_s``: if non-zero, every transaction first calls
        ``sleep(hang_s)`` (the injectable ``sleep`` constructor argument).
      * ``transactions``: number of transactions attempted (incl. failed ones).

    As on CircuitPython, transactions need the lock (``try_lock()``); set
    ``require_lock=False`` to use the fake directly without locking.
    """

    def __init__(self, sleep=None, require_lock=True):
        self._devices = {}
        self._locked = False
        self._deinited = False
        self._fail_count = 0
        self._fail_exc = None
        self.require_lock = require_lock
        self.sleep = sleep if sleep is not None else _default_sleep
        self.hang_s = 0
        self.transactions = 0

    # -- setup -------------------------------------------------------------
    def attach(self, address, device):
        if not 0 <= address <= 0x7F:
            raise ValueError("I2C address must be 0..0x7f")
        self._devices[address] = device
        return device

    def detach(self, address):
        self._devices.pop(address, None)

    def fail_next(self, n=1, exc=None):
        if exc is None:
            exc = OSError(EIO, "Input/output error")
        self._fail_count = n
        self._fail_exc = exc

    # -- busio.I2C API ------------------------------------------------------
    def try_lock(self):
        self._check()
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self):
        self._check()
        self._locked = False

    def scan(self):
        self._check_locked()
        found = []
        for addr in sorted(self._devices):
            if getattr(self._devices[addr], "present", True):
                found.append(addr)
        return found

    def writeto(self, address, buffer, *, start=0, end=None):
        dev = self._begin(address)
        if end is None:
            end = len(buffer)
        dev.i2c_write(bytes(buffer[start:end]))

    def readfrom_into(self, address, buffer, *, start=0, end=None):
        dev = self._begin(address)
        if end is None:
            end = len(buffer)
        self._fill(buffer, start, end, dev.i2c_read(end - start))

    def writeto_then_readfrom(
        self,
        address,
        buffer_out,
        buffer_in,
        *,
        out_start=0,
        out_end=None,
        in_start=0,
        in_end=None,
    ):
        dev = self._begin(address)
        if out_end is None:
            out_end = len(buffer_out)
        if in_end is None:
            in_end = len(buffer_in)
        # Copy first: the PCF8591 driver passes the same buffer for both.
        dev.i2c_write(bytes(buffer_out[out_start:out_end]))
        self._fill(buffer_in, in_start, in_end, dev.i2c_read(in_end - in_start))

    def deinit(self):
        self._deinited = True
        self._locked = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()
        return False

    # -- internals ----------------------------------------------------------
    def _check(self):
        if self._deinited:
            raise ValueError("Object has been deinitialized and can no longer be used.")

    def _check_locked(self):
        self._check()
        if self.require_lock and not self._locked:
            raise RuntimeError("Function requires lock")

    def _begin(self, address):
        self._check_locked()
        self.transactions += 1
        if self.hang_s:
            self.sleep(self.hang_s)
        if self._fail_count > 0:
            self._fail_count -= 1
            raise self._fail_exc
        dev = self._devices.get(address)
        if dev is None or not getattr(dev, "present", True):
            raise OSError(ENODEV, "No such device")
        return dev

    @staticmethod
    def _fill(buffer, start, end, data):
        n = end - start
        if len(data) != n:
            raise RuntimeError(f"device returned {len(data)} bytes, {n} wanted")
        for i in range(n):
            buffer[start + i] = data[i]


_ENABLE_DAC = 0x40


def _clamp_raw(value):
    value = int(value)
    if value < 0:
        return 0
    if value > 255:
        return 255
    return value


class FakePcf8591:
    """The PCF8591 8-bit ADC/DAC as its driver sees it (single-ended inputs,
    no auto-increment).

    Writes: first byte = control byte (bit 6 DAC enable, bits 0-1 channel),
    any further bytes load the DAC register. Reads: like the real chip each
    byte read returns the result of the PREVIOUS conversion and starts a new
    conversion of the selected channel, so in a 2-byte read byte 0 is stale
    and byte 1 is fresh. The first byte after power-on is 0x80.

    ``dac_log`` gets ``(clock_s(), level)`` whenever ``output_level()``
    changes.
    """

    POWER_ON_RESULT = 0x80

    def __init__(self, clock_s=None):
        self.clock_s = clock_s if clock_s is not None else default_clock()
        self.present = True
        self._raw = [0, 0, 0, 0]
        self._sources = [None, None, None, None]
        self._channel = 0
        self._dac_value = 0
        self._dac_enabled = False
        self._last_result = self.POWER_ON_RESULT
        self.control = 0
        self.conversions = 0
        self.dac_log = []

    # -- analog inputs ------------------------------------------------------
    def set_raw(self, channel, value):
        self._check_channel(channel)
        self._raw[channel] = _clamp_raw(value)
        self._sources[channel] = None

    def set_source(self, channel, source):
        """source: callable() -> raw value 0..255 (clamped), called per conversion."""
        self._check_channel(channel)
        self._sources[channel] = source

    def convert(self, channel):
        """Current raw conversion of a channel (what the ADC would produce now)."""
        self._check_channel(channel)
        src = self._sources[channel]
        if src is not None:
            return _clamp_raw(src())
        return self._raw[channel]

    @property
    def channel(self):
        return self._channel

    # -- DAC ----------------------------------------------------------------
    @property
    def dac_value(self):
        return self._dac_value

    @dac_value.setter
    def dac_value(self, value):
        before = self.output_level()
        self._dac_value = _clamp_raw(value)
        self._log_if_changed(before)

    @property
    def dac_enabled(self):
        return self._dac_enabled

    @dac_enabled.setter
    def dac_enabled(self, enabled):
        before = self.output_level()
        self._dac_enabled = bool(enabled)
        self._log_if_changed(before)

    def output_level(self):
        return self._dac_value if self._dac_enabled else 0

    # -- I2C device protocol (used by FakeI2C) -------------------------------
    def i2c_write(self, data):
        if not data:
            return  # address-only probe
        before = self.output_level()
        control = data[0]
        self.control = control
        self._channel = control & 0x03
        self._dac_enabled = bool(control & _ENABLE_DAC)
        for b in data[1:]:
            self._dac_value = b
        self._log_if_changed(before)

    def i2c_read(self, n):
        out = bytearray(n)
        for i in range(n):
            out[i] = self._last_result
            self._last_result = self.convert(self._channel)
            self.conversions += 1
        return bytes(out)

    # -- internals ----------------------------------------------------------
    def _log_if_changed(self, before):
        level = self.output_level()
        if level != before:
            self.dac_log.append((self.clock_s(), level))

    @staticmethod
    def _check_channel(channel):
        if not 0 <= channel <= 3:
            raise ValueError("channel must be 0..3")
