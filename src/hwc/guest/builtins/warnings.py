"""Guest stand-in for CircuitPython's built-in ``warnings`` (hwc memory)."""


def warn(message, category=None):
    print("Warning:", message)


def simplefilter(action, category=None):
    pass
