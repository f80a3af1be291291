"""Guest stand-in for CircuitPython's ``supervisor`` (hwc memory)."""


class _Runtime:
    run_reason = "supervisor.RunReason.STARTUP"
    safe_mode_reason = "supervisor.SafeModeReason.NONE"


runtime = _Runtime()
reloads = 0


def reload():
    global reloads
    reloads += 1


def ticks_ms():
    import time

    return int(time.monotonic() * 1000) & ((1 << 29) - 1)
