"""The network link (issue 4): telemetry, remote settings and commands over MQTT.

``link`` (with ``points`` and ``wall``) stays loaded while the link runs; the rest is imported
for each use and forgotten after (``once``): ``session`` (and ``defaults``) on connect and when
Home Assistant wants its configs, ``inbound`` (and ``rpc`` for an RPC, ``remote`` and ``limits``
for a setting) while a message is handled, ``thin`` when the telemetry buffer is full,
``down`` when the link fails, ``saved`` at boot.
"""


def once(name, fn, *args):
    """``controller.net.<name>.<fn>(*args)``, then that module and every controller module it
    imported are forgotten again (``controller.once``), so code that runs rarely (the RPC
    handlers, the saved-override record, the settings table they check against) takes no RAM
    between uses. The modules must keep no object alive that outlives the call."""
    import controller

    return controller.once("net." + name, fn, *args)
