"""Guest side of ``hwc memory`` (see hwc/memory.py): the frozen modules' "flash".

``load`` compiles a frozen module's source once, before the heap's baseline is taken; the code
object (bytecode, constants, qstrs) stays in the bottom of a heap enlarged by exactly its size,
as the board keeps it in flash. ``run``, called by the module's stub on import, executes it in
the module's own namespace: what that leaves on the heap (globals, functions, classes, whatever
the body builds) is what a frozen module costs the board."""

import sys

# The guests' native _asyncio (MicroPython's C module) keys a timer pushed without a time on the
# host's real clock (mp_hal_ticks_ms), not on the virtual clock that supervisor.ticks_ms, and so
# adafruit_ticks and CircuitPython's asyncio, read; the board's native module uses one clock.
# Blocked, so that asyncio takes its Python TaskQueue (asyncio/task.py, loaded at its frozen
# cost by hwc.memory.build_tree, standing for the board's C one) on the virtual clock.
sys.modules["_asyncio"] = None

code = {}


def load(name, path):
    f = open(path)
    source = f.read()
    f.close()
    code[name] = compile(source, path, "exec")


def run(g):
    exec(code[g["__name__"]], g)


held = []


def fill(blocks):
    """Hold ``blocks`` one-block objects (floats): they take the lowest free blocks, the holes
    the compiles left between the code objects."""
    keep = [None] * blocks
    i = 0
    while i < blocks:
        keep[i] = i + 0.5
        i += 1
    held.append(keep)
