"""The link task: WiFi, MQTT to ThingsBoard, telemetry with offline buffering and replay,
RPCs and shared attributes. Every network call is bounded by MQTT_TIMEOUT_S so the control
and pump tasks never wait longer than that."""

import asyncio

from controller.net import once
from controller.net.points import Points
from controller.net.remote import Remote
from controller.net.wall import Backoff, Wall

TOPIC = "v1/devices/me/"
_POLL_S = 0.05  # socket timeout while connected; one mqtt.loop() blocks about this long
_STEP_S = 0.2  # the task's own period
_WIFI_WAIT_S = 20
_TIME_RESYNC_S = 6 * 3600
_INBOX_MAX = 8
_OWN_ATTRS = b'{"overrides":'

OFF, WIFI, CONNECTING, ONLINE, BACKOFF = "off", "wifi", "connecting", "online", "backoff"


class Link:
    """:param ctx: the Controller; :param radio: the network interface (see docs/thingsboard.md)
    :param remote: a ``Remote``; :param rand: float in [0, 1); :param reboot: callable or None
    :param mem_free: callable giving free heap bytes, or None"""

    def __init__(self, ctx, radio, remote, rand, reboot=None, mem_free=None):
        s = ctx.settings
        self.ctx = ctx
        self.radio = radio
        self.remote = remote
        self.reboot = reboot
        self.state = OFF
        self.rssi = None
        self.wifi_connects = 0
        self.mqtt_connects = 0
        self.esp_resets = 0  # ESP32 resets after ESP_RESET_AFTER failed connects in a row
        self.messages_sent = 0  # telemetry messages acknowledged by the broker
        self.last_error = ""
        self.wall = Wall(ctx.clock.ticks_ms)
        self.points = Points(ctx, s.telemetry_buffer, mem_free)
        self.backoff = Backoff(s.net_backoff_min_s, s.net_backoff_max_s, rand)
        self.failures = 0
        self.inbox = []
        self.inbox_lost = 0
        self.mqtt = None
        self.hass = None  # a ``hass.Hass`` with HA_DISCOVERY=1
        # The device's timing; a simulation on a virtual clock (hwc simulate --mqtt) sets its
        # own: the socket wait while online, the task's period, and the clock (ms) that paces
        # sending under REPLAY_PER_S.
        self.poll_s = _POLL_S
        self.step_s = _STEP_S
        self.send_clock = self.wall.mono_ms
        self._until = 0  # mono ms: end of a backoff or of the WiFi wait
        self._next_send = 0
        self._req = 0
        self._time_asked = None
        self._time_topic = "-"
        self._wifi_up = False
        self._ntp_at = 0
        self._online_at = 0
        self._no_clock_told = False

    @property
    def buffered(self):
        return len(self.points)

    @property
    def dropped(self):
        return self.points.dropped

    # --- the task ---------------------------------------------------------------------------
    async def task(self, ctx):
        """The supervised task: sample telemetry every period, drive the connection."""
        next_ms = self.wall.mono_ms()
        while True:
            now = self.wall.mono_ms()
            if now >= next_ms:
                self.points.add(now, self)
                next_ms += int(ctx.settings.telemetry_period_s * 1000)
                if next_ms < now:
                    next_ms = now
            try:
                self.step(now)
            except Exception as exc:  # noqa: BLE001 - a network fault must not end the task
                self.fail(once("events", "describe", exc))
            if self.remote.reboot_pending and self.reboot is not None:
                await asyncio.sleep(1)
                self.reboot()
            try:
                await asyncio.sleep(self.step_s)
            except BaseException:  # cancelled: leave no socket behind
                if self.hass is not None and self.mqtt is not None:
                    self.hass.goodbye(self.mqtt)
                self.close()
                raise

    def step(self, now):
        radio = self.radio
        up = radio.connected()
        if up and not self._wifi_up:
            self.wifi_connects += 1
            self.ctx.log.info("WiFi connected")
        self._wifi_up = up
        state = self.state
        if state == BACKOFF and now < self._until:
            return
        if state in (OFF, BACKOFF):
            if not up:
                s = self.ctx.settings
                radio.start_connect(s.circuitpy_wifi_ssid, s.circuitpy_wifi_password)
                self._until = now + _WIFI_WAIT_S * 1000
            self.state = state = WIFI
        if not up:
            if state != WIFI:
                return self.fail("WiFi lost")
            if now >= self._until:
                return self.fail("WiFi: no connection to %r" % self.ctx.settings.circuitpy_wifi_ssid)
            return
        self.rssi = radio.rssi()
        if not self.wall.known() and self.ctx.settings.time_source != "server" and now >= self._ntp_at:
            self._ntp_at = now + 10000
            epoch_s = radio.time_s()
            if epoch_s and self.wall.set_epoch_ms(epoch_s * 1000, "ntp"):
                self.ctx.log.info("wall clock set by NTP")
        if state == WIFI:
            self.state = state = CONNECTING
        if state == CONNECTING:
            self.connect()
            self._online_at = now
            return
        self.mqtt.loop(self.poll_s)
        self.handle_inbox()
        self.ask_time(now)
        if not self.wall.known() and now - self._online_at > 30000 and not self._no_clock_told:
            self._no_clock_told = True
            self.ctx.log.warn("network: no wall clock yet; telemetry held (see TIME_SOURCE)")
        self.send(now)
        if self.hass is not None:
            self.hass.tick(now, self.mqtt)

    def fail(self, error):
        """A failed step: close, back off, reset the ESP32 after ESP_RESET_AFTER in a row
        (``events.fail``)."""
        once("events", "fail", self, error)

    def close(self):
        """Drop the MQTT connection (``events.close``)."""
        if self.mqtt is not None:
            once("events", "close", self)

    # --- MQTT -------------------------------------------------------------------------------
    def connect(self):
        """One MQTT connection attempt (``session.connect``); raises when it fails."""
        once("session", "connect", self)

    def _on_message(self, client, topic, payload):
        # Only queue: this runs inside minimqtt calls, which must not be re-entered.
        if len(self.inbox) < _INBOX_MAX:
            self.inbox.append((topic, payload))
        else:
            self.inbox_lost += 1

    def handle_inbox(self):
        """The queued incoming messages (``events.handle_inbox``), when there are any."""
        if self.inbox or self.inbox_lost:
            once("events", "handle_inbox", self)

    def ask_time(self, now):
        """Client-side RPC getCurrentTime on connect and every few hours."""
        if self.ctx.settings.time_source == "ntp":
            return
        asked = self._time_asked
        if asked is None or now - asked > (_TIME_RESYNC_S * 1000 if self.wall.known() else 10000):
            self._time_asked = now
            self._req += 1
            self._time_topic = TOPIC + "rpc/response/%d" % self._req
            self.mqtt.publish(TOPIC + "rpc/request/%d" % self._req, '{"method":"getCurrentTime","params":{}}')

    def send(self, now):
        """Send the oldest buffered points as one array, QoS 1; forget them once acknowledged.
        Messages are spaced by 1/REPLAY_PER_S while a backlog drains."""
        if not self.points.count or not self.wall.known():
            return
        at = self.send_clock()
        if at < self._next_send:
            return
        s = self.ctx.settings
        n = min(s.replay_batch, self.points.count)
        self.mqtt.publish(TOPIC + "telemetry", self.points.encode(n, self.wall.epoch_ms_at), qos=1)
        self.points.forget(n)
        self.messages_sent += 1
        self._next_send = at + int(1000 / s.replay_per_s)


def make_link(ctx, radio, store=None, saved=None, reboot=None, rand=None, mem_free=None):
    """The Link for ``ctx`` (also set as ``ctx.link``; ``ctx.wall`` its clock), or None with
    ``ctx.link = None`` when MQTT_BROKER is empty."""
    remote = Remote(ctx, store, saved)
    if not ctx.settings.mqtt_broker:
        ctx.link = None
        ctx.wall = Wall(ctx.clock.ticks_ms)
        ctx.log.info("network off (MQTT_BROKER empty)")
        return None
    if rand is None:
        import random

        rand = random.random
    link = Link(ctx, radio, remote, rand, reboot, mem_free)
    if ctx.settings.ha_discovery:
        from controller.net.hass import Hass

        link.hass = Hass(link)
    ctx.link = link
    ctx.wall = link.wall
    return link
