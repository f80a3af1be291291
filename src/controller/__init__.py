"""Solar hot-water controller firmware for the Adafruit PyPortal Titano (CircuitPython 9/10).

Only ``controller.hardware`` touches the board; everything else gets its hardware passed in.
"""

VERSION = "0.1.0"

try:
    from micropython import const  # noqa: F401 - the modules take it from here
except ImportError:

    def const(x):
        """``micropython.const`` off the board: MicroPython's compiler folds ``_NAME = const(n)``
        into the code, so a private integer constant takes no RAM there."""
        return x


def milli(x):
    """``x`` thousandths as the nearest whole number: C to mC, K to mK, s to ms, % to m%.

    The board's floats are 30-bit (22 significant bits), so no decision compares or rounds a
    float: settings and readings become whole thousandths here, and the comparisons, sums and
    roundings that decide run on those integers. A decimal value (a setting, a reading of a
    hundredth of a kelvin) is far from a half thousandth, so it lands on the same integer from
    a 30-bit float as from a double. None (a reading missing) stays None."""
    return None if x is None else round(x * 1000)


def forget(before):
    """Forget every ``controller`` module imported since ``before`` (a set of sys.modules
    names): code needed once (reading settings.toml, an RPC) then takes no RAM. The modules
    must leave nothing alive that needs them again.

    Only on the board (and the MicroPython test interpreter, where the memory tests check it):
    on CPython the RAM does not matter, and a module imported afresh would be a second copy
    beside the one the host tools and tests already hold."""
    import sys

    if sys.implementation.name == "cpython":
        return
    # A deleted dict entry keeps its value in its slot until the slot is reused (py/map.c), and
    # the collector sees it there: each entry is made None first, so the module really goes.
    for name in list(sys.modules):
        if name.startswith("controller.") and name not in before:
            sys.modules[name] = None
            del sys.modules[name]
            i = name.rfind(".")
            module = sys.modules.get(name[:i])  # the package that holds it as an attribute
            if module is not None and hasattr(module, name[i + 1:]):
                setattr(module, name[i + 1:], None)
                delattr(module, name[i + 1:])


def once(name, fn, *args):
    """``controller.<name>.<fn>(*args)``, then that module and every controller module it
    imported are forgotten again (``forget``): code that runs once (at boot) or rarely takes no
    RAM between uses. Every controller module that must stay is imported before, so that none
    is forgotten while in use; what the call returns must not need the module."""
    import sys

    before = set(sys.modules)
    module = __import__("controller." + name, None, None, (fn,))
    try:
        return getattr(module, fn)(*args)
    finally:
        del module
        forget(before)


class Settings:
    """Validated settings (``controller.settings.load``): one attribute per key, in lower case.
    ``errors`` lists one human-readable line per rejected key or rule; ``error_keys[i]`` is the
    tuple of keys ``errors[i]`` is about (host tools map it to lines).

    Defined here, not in the loader, so that the loader can be forgotten after boot. A section
    whose switch is off at boot (settings_spec.SWITCHED: the network, the heater) is not read
    then, so none of its names is kept; it is read whole (``controller.settings.read``) the first
    time one of its keys is asked for (``pending``: getenv and those sections, only while one is
    unread: with every section read, ``errors`` and ``error_keys`` and the 165 settings fill a
    167-slot attribute table exactly; one attribute more would take a 223-slot one, 0.45 KB)."""

    def __getattr__(self, name):
        if name[0] == "_" or name == "pending":
            raise AttributeError(name)
        return once("settings", "read", self, name)
