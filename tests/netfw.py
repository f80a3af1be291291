"""The firmware with its network link on a PC, in real time: the real controller and Adafruit
drivers on fake buses, adafruit_minimqtt over CPython sockets, an asyncio loop in a thread.
And ``FakeThingsBoard``: a paho-mqtt client that plays the ThingsBoard side of the topics."""

import asyncio
import json
import threading
import time
from types import SimpleNamespace

import paho.mqtt.client as paho

from hwc import fakebus

fakebus.install()

from controller.app import Controller  # noqa: E402
from controller.log import Log  # noqa: E402
from controller.net.link import make_link  # noqa: E402
from controller.net.saved import apply_saved  # noqa: E402
from controller.settings import load  # noqa: E402
from hwc.fakebus import FakeDs18b20, FakeI2C, FakeOneWire, FakePcf8591, rom_hex  # noqa: E402
from hwc.netpc import FileStore, HostRadio  # noqa: E402

TB = "v1/devices/me/"


def wait_for(condition, timeout_s=30, what="condition"):
    """Poll ``condition()`` until true; fail after a generous ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class NetFirmware:
    def __init__(self, broker_port, env=None, store_path=None, ntp=True, probes=2):
        self.i2c = FakeI2C(sleep=time.sleep)
        self.pcf = FakePcf8591(clock_s=time.monotonic)
        self.i2c.attach(0x48, self.pcf)
        self.onewire = FakeOneWire(clock_s=time.monotonic)
        full_env = {"MQTT_BROKER": "127.0.0.1", "MQTT_PORT": str(broker_port), "MQTT_TOKEN": "token",
                    "TELEMETRY_PERIOD_S": "0.5", "NET_BACKOFF_MIN_S": "0.5", "NET_BACKOFF_MAX_S": "5",
                    "REPLAY_PER_S": "20",
                    "CONTROL_STRATEGY": "seed"}  # the tests speak of the seed's thresholds (burst is the default)
        for i in range(probes):
            dev = FakeDs18b20(serial=0x100 + i, temp_c=20.0 + i)
            self.onewire.attach(dev)
            full_env["PROBE%d_ROM" % (i + 1)] = rom_hex(dev.rom)
        full_env.update(env or {})
        self.settings = load(full_env.get)
        assert not self.settings.errors, self.settings.errors
        self.store = FileStore(str(store_path)) if store_path else None
        saved = apply_saved(self.settings, self.store)
        self.lines = []
        self.hw = SimpleNamespace(i2c=self.i2c, onewire_pin=self.onewire, screen=None, board_name="PC test")
        self.ctl = Controller(self.hw, self.settings, log=Log(out=self.lines.append))
        self.pcf.set_raw(0, 210)  # tank bottom 40 C
        self.pcf.set_raw(1, 189)  # collector 55 C: the pump runs
        self.radio = HostRadio(ntp=ntp)
        self.reboots = 0
        self.link = make_link(self.ctl, self.radio, self.store, saved, reboot=self._reboot)
        self.loop = None
        self.thread = None

    def _reboot(self):
        self.reboots += 1

    def start(self):
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.ctl.start(extra=[("link", self.link.task)]))
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(30)
        return self

    def call(self, fn, *args):
        """Run ``fn(*args)`` on the firmware's loop thread and return its result."""
        async def wrapper():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(30)

    def stop(self):
        if self.loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.ctl.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()
        self.loop = None

    def logged(self, text):
        return [line for line in list(self.lines) if text in line]


class FakeThingsBoard:
    """Subscribes to what the device sends; sends shared attributes and RPCs like ThingsBoard."""

    def __init__(self, port, now_ms=None):
        self.messages = []  # (topic, parsed JSON or raw text)
        self.arrivals = []  # (topic, time.monotonic() when it arrived)
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.shared = {}
        self.answer_time = True
        self.answer_attributes = True
        self.lock = threading.Lock()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        self.client.on_message = self._on_message
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.subscribes = 0
        self.client.reconnect_delay_set(min_delay=0.1, max_delay=1)  # back soon after a broker restart
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.rpc_id = 1000

    def _on_connect(self, client, userdata, flags, reason, properties):
        client.subscribe([(TB + "telemetry", 1), (TB + "attributes", 0), (TB + "attributes/request/+", 0),
                          (TB + "rpc/request/+", 0), (TB + "rpc/response/+", 0)])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        self.subscribes += 1

    def _on_message(self, client, userdata, msg):
        try:
            body = json.loads(msg.payload)
        except ValueError:
            body = msg.payload.decode("utf-8", "replace")
        with self.lock:
            self.messages.append((msg.topic, body))
            self.arrivals.append((msg.topic, time.monotonic()))
        if msg.topic.startswith(TB + "attributes/request/") and self.answer_attributes:
            rid = msg.topic.rsplit("/", 1)[1]
            client.publish(TB + "attributes/response/" + rid, json.dumps({"shared": self.shared}))
        elif (msg.topic.startswith(TB + "rpc/request/") and isinstance(body, dict)
              and body.get("method") == "getCurrentTime" and self.answer_time):
            client.publish(TB + "rpc/response/" + msg.topic.rsplit("/", 1)[1], json.dumps(self.now_ms()))

    def got(self, topic):
        with self.lock:
            return [body for t, body in self.messages if t == topic]

    def points(self):
        out = []
        for body in self.got(TB + "telemetry"):
            out.extend(body)
        return out

    def rpc(self, method, params=None, raw=None, timeout_s=30, rid=None):
        """Send a server-side RPC (or ``raw`` bytes) with the id ``rid`` (the next of this
        client's own by default) and wait for the device's response."""
        if rid is None:
            self.rpc_id += 1
            rid = self.rpc_id
        rid = str(rid)
        payload = raw if raw is not None else json.dumps({"method": method, "params": params or {}})
        self.client.publish(TB + "rpc/request/" + rid, payload)
        return wait_for(lambda: self.got(TB + "rpc/response/" + rid), timeout_s, "RPC response %s" % rid)[0]

    def attributes(self):
        """The client attribute messages the device sent, oldest first."""
        return self.got(TB + "attributes")

    def reported(self):
        """The last overrides/rejected_settings report."""
        return [a for a in self.attributes() if "rejected_settings" in a][-1]

    def set_shared(self, values):
        self.shared.update(values)
        self.client.publish(TB + "attributes", json.dumps(values))

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


class FakeHomeAssistant:
    """A paho-mqtt client playing Home Assistant: it reads the discovery configs, the state
    and the availability, and sends switch commands. ``retained`` holds what a client that
    subscribes later gets from the broker's retained store (``fresh_retained``)."""

    def __init__(self, port, prefix="homeassistant", node="solar_hwc"):
        self.port = port
        self.prefix = prefix
        self.base = "solar_hwc/%s/" % node
        self.messages = []  # (topic, payload bytes, retain flag)
        self.lock = threading.Lock()
        self.client = self._client(self.messages)
        self.client.loop_start()

    def _client(self, sink):
        client = paho.Client(paho.CallbackAPIVersion.VERSION2)

        def on_connect(c, userdata, flags, reason, properties):
            c.subscribe([(self.prefix + "/#", 0), (self.base + "#", 0)])

        def on_message(c, userdata, msg):
            with self.lock:
                sink.append((msg.topic, bytes(msg.payload), bool(msg.retain)))

        client.on_connect = on_connect
        client.on_message = on_message
        client.connect("127.0.0.1", self.port)
        return client

    def got(self, topic):
        with self.lock:
            return [payload for t, payload, _ in self.messages if t == topic]

    def configs(self):
        """{topic: config dict} of the discovery configs seen."""
        with self.lock:
            return {t: json.loads(p) for t, p, _ in self.messages if t.endswith("/config") and p}

    def states(self):
        return [json.loads(p) for p in self.got(self.base + "state")]

    def availability(self):
        return [p.decode() for p in self.got(self.base + "availability")]

    def command(self, payload):
        self.client.publish(self.base + "manual/set", payload)

    def fresh_retained(self, wait_s=1.0):
        """What the broker keeps retained: [(topic, payload, retain)] seen by a new client."""
        sink = []
        client = self._client(sink)
        client.loop_start()
        time.sleep(wait_s)
        client.loop_stop()
        client.disconnect()
        return sink

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()
