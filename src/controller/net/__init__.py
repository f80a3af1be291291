"""The network link (issue 4): telemetry, remote settings and commands over MQTT.

Pure parts (points, remote, inbound, rpc, saved, wall) do no I/O; ``link`` runs the MQTT client,
with ``session`` (connecting) and ``events`` (failures, incoming messages) imported per use.
"""


def once(name, fn, *args):
    """``controller.net.<name>.<fn>(*args)``, then that module and every controller module it
    imported are forgotten again (``controller.once``), so code that runs rarely (the RPC
    handlers, the saved-override record, the settings table they check against) takes no RAM
    between uses. The modules must keep no object alive that outlives the call."""
    from controller import once as core_once

    return core_once("net." + name, fn, *args)
