"""Remote control from ThingsBoard: the state it leaves (overrides, rejections, a pending
reboot). The handling of each message is in ``inbound``, imported only while a message is
handled, so that code takes no RAM in between."""

from controller.net import once


class Remote:
    """:param ctx: the Controller (gets ``overrides``)
    :param store: a store (``read()``/``write(bytes)``) or None
    :param saved: ``saved.apply_saved``'s result, or None"""

    def __init__(self, ctx, store=None, saved=None):
        self.ctx = ctx
        self.store = store
        overrides, base, _ = saved or ({}, {}, [])
        ctx.overrides = overrides
        self.base = base  # key -> the settings.toml value an override replaced
        self.rejected = {}  # key -> reason, from the last update
        self.reboot_pending = False
        self.report = False  # overrides or rejections changed since the link last reported them
        self.dirty = False  # overrides changed since they were last saved

    def set(self, key, raw):
        """Override one setting; "" or the reason it was rejected (then nothing changed)."""
        return once("inbound", "set_setting", self, key, raw)

    def save(self):
        """Persist the overrides if they changed since the last save (see ``saved.save``)."""
        if self.store is not None and self.dirty:
            self.dirty = not once("saved", "save", self)

    def on_attributes(self, payload, full=False):
        """A shared-attributes update, or with ``full`` the response to the request on
        connect (see ``inbound.on_attributes``)."""
        once("inbound", "on_attributes", self, payload, full)

    def on_rpc(self, payload):
        """The response dict for one server-side RPC request; {"error": ...} if refused."""
        return once("inbound", "on_rpc", self, payload)
