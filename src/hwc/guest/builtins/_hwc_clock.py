"""The memory guests' virtual clock (hwc memory, hwc memory's long run): milliseconds that move
only when the firmware sleeps (``time.sleep``, or the asyncio loop waiting for its next task,
see ``_hwc_boot.jump``), so a run of many control cycles takes no wall-clock time.
``supervisor.ticks_ms`` and ``time`` read it. Test equipment, loaded before the baseline."""

# supervisor.ticks_ms at the start. Clear of its 2**29 wrap (6.2 days on): the guests' native
# _asyncio (MicroPython's, with a 2**30 ticks period) would misorder the timers across it, which
# CircuitPython's does not (the first asyncio.run then jumped the clock 1.7 hours). The wrap
# is tested on CPython and by hwc soak.
START_MS = 1 << 20
EPOCH_S = 1705312800  # unix time at the start: 2024-01-15 10:00 UTC (the heater samples' day)
t = [START_MS]


def advance(ms):
    if ms > 0:
        t[0] += ms


def elapsed_ms():
    return t[0] - START_MS
