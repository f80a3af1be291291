"""The network link (issue 4): telemetry, remote settings and commands over MQTT.

``link`` (with ``points`` and ``wall``) stays loaded while the link runs; the rest is imported
for each use and forgotten after (``once``): ``session`` on connect, ``inbound`` (and, for a
setting, ``remote``, ``limits`` and ``saved``) while a message is handled, ``hass_config``
when Home Assistant wants its configs.
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
