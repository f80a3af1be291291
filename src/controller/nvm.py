"""Records kept across reboots in slices of ``microcontroller.nvm`` (controller.hardware hands
out the slices: the persistent counters' and the remote setting overrides'). On a PC the
slices are bytearrays (hwc.fakeboard) or files (hwc.netpc.FileStore)."""


class SliceStore:
    """A record in ``buf[start:start + size]``."""

    def __init__(self, buf, start, size):
        self.buf = buf
        self.start = start
        self.size = size

    def read(self):
        return bytes(self.buf[self.start:self.start + self.size])

    def write(self, data):
        if len(data) > self.size:
            raise ValueError("a record of %d bytes in a slice of %d" % (len(data), self.size))
        self.buf[self.start:self.start + len(data)] = data
