"""The network link (issue 4): telemetry, remote settings and commands over MQTT.

Pure parts (points, remote, inbound, rpc, saved, wall) do no I/O; ``link`` runs the MQTT client,
with ``session`` (connecting) and ``events`` (failures, incoming messages) imported per use.
"""

import sys


def once(name, fn, *args):
    """``controller.net.<name>.<fn>(*args)``, then that module is forgotten again, so code
    that runs rarely (the RPC handlers, the saved-override record) takes no RAM between uses.
    The module must keep no object alive that outlives the call."""
    full = "controller.net." + name
    module = __import__(full, None, None, (fn,))
    try:
        return getattr(module, fn)(*args)
    finally:
        sys.modules.pop(full, None)
        globals().pop(name, None)
