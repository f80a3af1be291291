"""Guest stand-in for CircuitPython's ``watchdog`` (hwc memory)."""


class WatchDogMode:
    RAISE = 1
    RESET = 2


class WatchDogTimeout(Exception):
    pass
