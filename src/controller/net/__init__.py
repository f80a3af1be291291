"""The network link (issue 4): telemetry, remote settings and commands over MQTT.

``link`` (with ``points`` and ``wall``) stays loaded while the link runs; the rest is imported
for each use and forgotten after (``once``): ``session`` (and ``defaults``) on connect and when
Home Assistant wants its configs, ``inbound`` (and ``rpc`` for an RPC, ``remote`` and ``limits``
for a setting) while a message is handled, ``thin`` when the telemetry buffer is full,
``saved`` at boot.
"""

import sys


def once(name, fn, *args):
    """``controller.net.<name>.<fn>(*args)``, then every controller module it imported is
    forgotten again (``controller.forget``). The modules must keep no object alive that
    outlives the call."""
    from controller import forget

    before = set(sys.modules)
    module = __import__("controller.net." + name, None, None, (fn,))
    try:
        return getattr(module, fn)(*args)
    finally:
        del module
        forget(before)
