"""Persistence of remote setting overrides: a small JSON record with a length and checksum,
in a slice of ``microcontroller.nvm`` on the device (a file on a PC: ``hwc.netpc.FileStore``)."""

import json

_MAGIC = b"HO"
_HEADER = 6  # magic, length (2), checksum (2)


def checksum(data):
    """Fletcher-16 of ``data``."""
    a = b = 0
    for byte in data:
        a = (a + byte) % 255
        b = (b + a) % 255
    return (b << 8) | a


def pack(overrides):
    """bytes for ``overrides`` (dict key -> value)."""
    body = json.dumps(overrides).encode("utf-8")
    c = checksum(body)
    return _MAGIC + bytes((len(body) >> 8, len(body) & 255, c >> 8, c & 255)) + body


def unpack(data):
    """(overrides dict, error text or ""): an empty or erased record is no error."""
    if len(data) < _HEADER or data[0:2] != _MAGIC:
        if data[0:2] in (b"", b"\x00\x00", b"\xff\xff"):
            return {}, ""
        return {}, "saved overrides: no valid record"
    n = (data[2] << 8) | data[3]
    body = data[_HEADER:_HEADER + n]
    if len(body) != n or checksum(body) != (data[4] << 8) | data[5]:
        return {}, "saved overrides: checksum mismatch; ignored"
    try:
        value = json.loads(body)
    except ValueError:
        return {}, "saved overrides: unreadable; ignored"
    if not isinstance(value, dict):
        return {}, "saved overrides: not a table; ignored"
    return value, ""


class SliceStore:
    """A record in ``buf[start:start + size]`` (``microcontroller.nvm`` on the device)."""

    def __init__(self, buf, start, size):
        self.buf = buf
        self.start = start
        self.size = size

    def read(self):
        return bytes(self.buf[self.start:self.start + self.size])

    def write(self, data):
        if len(data) > self.size:
            raise ValueError("overrides need %d bytes, %d reserved" % (len(data), self.size))
        self.buf[self.start:self.start + len(data)] = data
