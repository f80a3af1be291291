"""A real Controller (no boot, no buses) for the heater task's tests: settable ticks, a wall
clock, a tank-top probe and a log that keeps every line."""

from controller.app import Controller
from controller.log import Log
from controller.settings import load


class Ticks:
    def __init__(self):
        self.ms = 1_000_000

    def __call__(self):
        return self.ms

    def advance_s(self, seconds):
        self.ms += int(seconds * 1000)


class Wall:
    def __init__(self, ticks, epoch_s):
        self.ticks = ticks
        self.base_ms = ticks.ms
        self.base = epoch_s

    def epoch_s(self):
        return None if self.base is None else self.base + (self.ticks.ms - self.base_ms) // 1000


class HW:
    screen = None
    board_name = "test"


def make_ctx(settings=None, epoch_s=1705312800, top_c=45.0):
    """Controller with PROBE1 named tank_top at ``top_c``; ``ctx.wall`` at ``epoch_s``."""
    if settings is None:
        settings = load({"HEATER_ENABLED": "1"}.get)
    if settings.probe1_name != "tank_top":
        settings.probe1_name = "tank_top"
    ticks = Ticks()
    lines = []
    ctx = Controller(HW(), settings, ticks_ms=ticks, log=Log(out=lines.append, keep=50))
    ctx.probes[0].name = "tank_top"
    ctx.ticks = ticks
    ctx.lines = lines
    ctx.wall = Wall(ticks, epoch_s)
    set_top(ctx, top_c)
    return ctx


def set_top(ctx, top_c, fault=None):
    probe = ctx.probes[0]
    probe.value_c = top_c
    probe.fault = fault
