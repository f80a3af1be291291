"""Where remote setting overrides persist on the device: a slice of ``microcontroller.nvm``
(a file on a PC: ``hwc.netpc.FileStore``). The record format is in ``saved``."""


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
