"""Solar hot-water controller firmware for the Adafruit PyPortal Titano (CircuitPython 9/10).

Only ``controller.hardware`` touches the board; everything else gets its hardware passed in.
"""

VERSION = "0.1.0"


def forget(before):
    """Forget every ``controller`` module imported since ``before`` (a set of sys.modules
    names): code needed once (reading settings.toml, an RPC) then takes no RAM. The modules
    must leave nothing alive that needs them again."""
    import sys

    for name in list(sys.modules):
        if name.startswith("controller.") and name not in before:
            del sys.modules[name]
            dot = name.rfind(".")
            parent = sys.modules.get(name[:dot])
            if parent is not None and hasattr(parent, name[dot + 1:]):
                delattr(parent, name[dot + 1:])
