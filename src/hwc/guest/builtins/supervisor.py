"""Guest stand-in for CircuitPython's ``supervisor`` (hwc memory): ``ticks_ms`` on the virtual clock."""

import _hwc_clock


class _Runtime:
    run_reason = "supervisor.RunReason.STARTUP"
    safe_mode_reason = "supervisor.SafeModeReason.NONE"


runtime = _Runtime()
reloads = 0


def reload():
    global reloads
    reloads += 1


def ticks_ms():
    """The virtual clock (``_hwc_clock``), wrapping at 2**29 as the board's."""
    return _hwc_clock.t[0] & 0x1FFFFFFF
