"""Guest stand-in for CircuitPython's ``microcontroller`` (hwc memory): the nvm (in flash on the
board: imported before the heap's baseline, so its buffer costs nothing), the CPU's reset reason,
the watchdog. Test equipment."""


class _Cpu:
    reset_reason = "microcontroller.ResetReason.POWER_ON"
    temperature = 30.0


class _WatchDog:
    def __init__(self):
        self.timeout = 0
        self.mode = None
        self.feeds = 0

    def feed(self):
        self.feeds += 1


cpu = _Cpu()
nvm = bytearray(8192)
watchdog = _WatchDog()
resets = 0


def reset():
    global resets
    resets += 1
