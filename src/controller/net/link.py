"""The link task: WiFi, MQTT to ThingsBoard, telemetry with offline buffering and replay,
RPCs and shared attributes. Every network call is bounded by MQTT_TIMEOUT_S so the control
and pump tasks never wait longer than that. Opening a session (``session``), handling what
arrives (``inbound`` with ``rpc`` or ``remote``), thinning a full buffer (``thin``) and
backing off after a failure (``down``) are imported for each use and forgotten after
(``controller.net.once``); this module (with the link's clock, ``Wall``) and ``points`` stay."""

import asyncio
import json

from adafruit_ticks import ticks_diff

from controller import const
from controller.net import once
from controller.net.points import Points


TOPIC = "v1/devices/me/"
# The device's own request ids (its time request, the attribute request) start above 1000000000
# (written where it is used, here and in ``inbound``): ThingsBoard numbers a device's server-side
# RPCs 0, 1, 2, ..., so the two never meet, and the echo of our own request on a plain broker is
# told apart by its id.
# Our own client attributes start with b'{"overrides":' (``session``, ``inbound``): a plain broker
# echoes them, and that is how they are told apart.
# Limits and periods (ints written where they are used; each name would be a string kept on the
# board for good): the inbox holds 8 messages, 16 RPCs beyond a full inbox are still answered
# "busy"; the server's time is asked again every 6 h; "no wall clock"
# is said after 30 s online; a telemetry message stays under 1536 bytes (the board
# allocates it whole); the socket waits 0.05 s while connected (one mqtt.loop() blocks about
# that long) and the task runs every 0.2 s.

# The link's states (``state``, words written where they are used): "off", "wifi", "connecting",
# "online", "backoff".
_WIFI_WAIT_S = const(20)  # how long a WiFi join may take before it counts as failed (tests shorten it)


class Wall:
    """Monotonic ms from wrapping ticks, and Unix time once a source has told it.

    :param ticks_ms: the controller's tick source
    ``mono_ms()`` must be called at least once a day (the link calls it every loop).
    """

    def __init__(self, ticks_ms):
        self.ticks_ms = ticks_ms
        self.last = ticks_ms()  # the ticks at the last reading
        self.ms = 0  # monotonic ms then
        self.off = None  # epoch ms minus mono ms (short names: each one is a string kept for good)
        self.source = ""

    def mono_ms(self):
        now = self.ticks_ms()
        self.ms += ticks_diff(now, self.last)
        self.last = now
        return self.ms

    def set_epoch_ms(self, value, source):
        """Tell the wall time (Unix ms) now; False (ignored) if it is not plausible."""
        # before 2023-11-14 (1700000000 s) it is a clock that was never set
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 1700000000000:
            return False
        self.off = int(value) - self.mono_ms()
        self.source = source
        return True

    def known(self):
        return self.off is not None

    def epoch_s(self):
        """Unix seconds now, or None while unknown."""
        if self.off is None:
            return None
        return (self.off + self.mono_ms()) // 1000

    def epoch_ms_at(self, t):
        """Unix ms of a stored point's monotonic ms ``t`` (kept modulo 2**32)."""
        now = self.mono_ms()
        return self.off + now - ((now - t) & 0xFFFFFFFF)


class Link:
    """:param ctx: the Controller; :param radio: the network interface (see docs/thingsboard.md)
    :param store: where overrides persist (``read()``/``write(bytes)``) or None
    :param saved: ``saved.apply_saved``'s result, or None; :param rand: float in [0, 1)
    :param reboot: callable or None; :param mem_free: callable giving free heap bytes, or None"""

    def __init__(self, ctx, radio, store, saved, rand, reboot=None, mem_free=None):
        s = ctx.settings
        self.ctx = ctx
        self.radio = radio
        self.reboot = reboot
        self.state = "off"
        self.rssi = None
        self.wifi_connects = 0
        self.mqtt_connects = 0
        self.esp_resets = 0  # ESP32 resets after ESP_RESET_AFTER failed connects in a row
        self.messages_sent = 0  # telemetry messages acknowledged by the broker
        self.last_error = ""
        self.wall = Wall(ctx.clock.ticks_ms)
        self.points = Points(ctx, s.telemetry_buffer_kb * 1024, mem_free)
        self.rand = rand
        self.failures = 0  # failed attempts in a row (the backoff grows with them)
        self.inbox = []
        self.inbox_lost = 0
        self.busy = []  # ids of RPCs that arrived with the inbox full: answered "busy"
        self.mqtt = None
        self.hass = None  # a ``hass.Hass`` with HA_DISCOVERY=1
        # Remote settings (``remote``, ``inbound``): the settings.toml values overrides
        # replaced, the refused ones {KEY: why}, and what is still to be reported or saved.
        self.store = store
        self.base = saved[1] if saved else {}
        self.rejected = {}
        self.reboot_pending = False
        self.report = False
        self.dirty = False
        # The device's timing; a simulation on a virtual clock (hwc simulate --mqtt) sets its
        # own: the socket wait while online, the task's period, the real-time ms clock that
        # paces sending (REPLAY_PER_S) and reconnecting (the backoff), and the message size.
        self.poll_s = 0.05
        self.step_s = 0.2
        self.clock = self.wall.mono_ms
        self.message_chars = 1536
        self.wait = 0  # clock ms: end of a backoff or of the WiFi wait
        self.next = 0  # clock ms: when the next telemetry message may go
        self.req = 1000000000  # the last request id of ours (see TOPIC)
        self._time_id = -1  # our pending time request
        self._time_asked = None
        self.up = False  # the WiFi was up at the last step
        self.at = 0  # when NTP may be asked next
        self.since = 0  # when it came online; -1 once "no wall clock" was said

    @property
    def buffered(self):
        return self.points.count

    @property
    def dropped(self):
        return self.points.dropped

    # --- the task ---------------------------------------------------------------------------
    async def task(self, ctx):
        """The supervised task: sample telemetry every period, drive the connection."""
        t = self.wall.mono_ms()  # when the next point is due
        while True:
            now = self.wall.mono_ms()
            if now >= t:
                self.points.add(now, self)
                t += int(ctx.settings.telemetry_period_s * 1000)
                if t < now:
                    t = now
            try:
                self.step(now)
            except Exception as exc:  # noqa: BLE001 - a network fault must not end the task
                self.fail(exc)
            if self.reboot_pending and self.reboot is not None:
                await asyncio.sleep(1)
                self.reboot()
            try:
                await asyncio.sleep(self.step_s)
            except BaseException:  # cancelled: leave no socket behind
                self.close()
                raise

    def step(self, now):
        radio = self.radio
        up = radio.connected()
        if up and not self.up:
            self.wifi_connects += 1
            self.ctx.log.info("WiFi connected")
        self.up = up
        state = self.state
        if state == "backoff" and self.clock() < self.wait:
            return
        if state in ("off", "backoff"):
            if not up:
                s = self.ctx.settings
                radio.start_connect(s.circuitpy_wifi_ssid, s.circuitpy_wifi_password)
                self.wait = self.clock() + _WIFI_WAIT_S * 1000
            self.state = state = "wifi"
        if not up:
            if state != "wifi":
                return self.fail("WiFi lost")
            if self.clock() >= self.wait:
                return self.fail("WiFi: no connection to %r" % self.ctx.settings.circuitpy_wifi_ssid)
            return
        self.rssi = radio.rssi()
        if not self.wall.known() and self.ctx.settings.time_source != "server" and now >= self.at:
            self.at = now + 10000
            epoch_s = radio.time_s()
            if epoch_s and self.wall.set_epoch_ms(epoch_s * 1000, "ntp"):
                self.ctx.log.info("wall clock set by NTP")
        if state == "wifi":
            self.state = state = "connecting"
        if state == "connecting":
            # The MQTT library first (loaded once, it stays), then the per-use session (it goes):
            # loaded inside session, the library's objects would sit among session's, and leave
            # holes when session is forgotten.
            import adafruit_minimqtt.adafruit_minimqtt  # noqa: F401

            once("session", "connect", self)
            if self.since >= 0:
                self.since = now
            return
        self.mqtt.loop(self.poll_s)
        if self.inbox or self.busy:
            try:
                once("inbound", "handle", self)
            except MemoryError:  # no room to handle them: the link stays online, they are dropped
                self.ctx.log.warn("network: not enough memory to handle %d messages; dropped" % len(self.inbox))
                self.inbox_lost += len(self.inbox)
                self.inbox = []
        # the server's time (client-side RPC getCurrentTime) on connect and every 6 h
        if self.ctx.settings.time_source != "ntp" and (self._time_asked is None or now - self._time_asked > (
                21600000 if self.wall.known() else 10000)):
            self._time_asked = now
            self.req += 1  # a new id of ours (see TOPIC)
            self._time_id = self.req
            self.mqtt.publish(TOPIC + "rpc/request/%d" % self._time_id, '{"method":"getCurrentTime","params":{}}')
        if not self.wall.known() and self.since >= 0 and now - self.since > 30000:
            self.since = -1
            self.ctx.log.warn("network: no wall clock yet; telemetry held (see TIME_SOURCE)")
        self.send()
        if self.hass is not None:
            self.hass.tick(now, self.mqtt)

    def fail(self, error):
        """A failed step (``error``: words, or the exception): close and back off (``down``,
        imported for each failure and forgotten after: it runs only while the link is down)."""
        try:
            once("down", "fail", self, error)
        except MemoryError:  # no room to load it: close, and wait the longest backoff
            self.close()
            self.state = "backoff"
            self.wait = self.clock() + int(self.ctx.settings.net_backoff_max_s * 1000)

    def close(self):
        """Drop the MQTT connection (adafruit_minimqtt's disconnect: it frees the socket even
        when the DISCONNECT cannot be sent). Home Assistant is told "offline" first: a clean
        DISCONNECT keeps the broker from publishing the last will."""
        mqtt = self.mqtt
        self.mqtt = None
        if mqtt is not None:
            try:
                if self.hass is not None:  # "offline" on a clean stop (the will covers the rest)
                    mqtt.publish(self.hass.availability_topic, "offline", True)
            except Exception:  # noqa: BLE001 - the link is going down anyway
                pass
            try:
                mqtt.disconnect()
            except Exception:  # noqa: BLE001 - the connection is going anyway
                pass

    # --- MQTT -------------------------------------------------------------------------------
    def on_message(self, _, t, data):
        # (minimqtt's client, the topic, the payload.) Only queue: this runs inside minimqtt
        # calls, which must not be re-entered.
        if len(self.inbox) < 8:
            self.inbox.append((t, data))
        elif t.startswith(TOPIC + "rpc/request/") and len(self.busy) < 16:
            self.busy.append(t[len(TOPIC) + 12:])
        else:
            self.inbox_lost += 1

    def send(self):
        """Send the oldest buffered points as one array (at most REPLAY_BATCH, and under
        ``message_chars``), QoS 1; forget them once acknowledged. Messages are spaced by
        1/REPLAY_PER_S of ``clock`` while a backlog drains."""
        points = self.points
        if not points.count or not self.wall.known():
            return
        now = self.clock()
        if now < self.next:
            return
        ctx = self.ctx
        s = ctx.settings
        # The reasons, in words, go with the newest point only.
        text = '"reason":%s' % json.dumps(ctx.decision.reason)  # (a literal under 10 characters would be a string kept for good)
        h = ctx.heater
        if h is not None:
            text += ',"heater_reason":' + json.dumps(h.reason)
        text, n = points.encode(self.message_chars, self.wall.epoch_ms_at, text, s.replay_batch)
        # QoS 1 (retain False, qos 1: positional, as each keyword name is a string kept for good);
        # bytes (minimqtt copies a str twice)
        self.mqtt.publish("v1/devices/me/telemetry", text, False, 1)
        points.forget(n)
        self.messages_sent += 1
        self.next = now + int(1000 / s.replay_per_s)


def make_link(ctx, radio, store=None, saved=None, reboot=None, rand=None, mem_free=None):
    """The Link for ``ctx`` (also set as ``ctx.link``; ``ctx.wall`` its clock, ``ctx.overrides``
    the overrides in force), or None with ``ctx.link = None`` when MQTT_BROKER is empty."""
    ctx.overrides = saved[0] if saved else {}
    if not ctx.settings.mqtt_broker:
        ctx.link = None
        ctx.wall = Wall(ctx.clock.ticks_ms)
        ctx.log.info("network off (MQTT_BROKER empty)")
        return None
    if rand is None:
        import random

        rand = random.random
    link = Link(ctx, radio, store, saved, rand, reboot, mem_free)
    if ctx.settings.ha_discovery:
        from controller.net.hass import Hass

        link.hass = Hass(link)
    ctx.link = link
    ctx.wall = link.wall
    return link
