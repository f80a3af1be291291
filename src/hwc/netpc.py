"""The network interface of the link on a PC: CPython sockets instead of the ESP32, and the
pieces ``hwc simulate --mqtt`` runs the link on its virtual clock with.

``HostRadio`` has what ``controller.net.link.Link`` expects of a radio (the device's is
``controller.hardware.EspRadio``): ``pool`` and ``ssl_context`` for adafruit_minimqtt,
``connected()``, ``start_connect(ssid, password)``, ``rssi()``, ``time_s()`` and ``reset()``.
Tests switch ``up`` off to play a WiFi outage.
"""

import socket
import ssl
import time

CONNECT_S = 10.0  # a TCP connect (and TLS handshake) on a PC may take this long


class _Socket(socket.socket):
    """A CPython socket whose connect waits up to CONNECT_S whatever its timeout: on the
    device the socket timeout bounds reads only (the ESP32 bounds its own connect), and the
    link sets it to its short poll."""

    def connect(self, address):
        wait = self.gettimeout()
        self.settimeout(max(wait or 0, CONNECT_S))
        try:
            super().connect(address)
        finally:
            self.settimeout(wait)


class _SSLSocket(ssl.SSLSocket):
    def connect(self, address):
        wait = self.gettimeout()
        self.settimeout(max(wait or 0, CONNECT_S))
        try:
            super().connect(address)
        finally:
            self.settimeout(wait)


class HostPool:
    """The ``socket`` module as adafruit_connection_manager sees a socket pool, with
    ``_Socket``s (each HostRadio has its own pool, so its own connection manager)."""

    def __getattr__(self, name):
        return getattr(socket, name)

    def socket(self, *args, **kwargs):
        return _Socket(*args, **kwargs)


class HostRadio:
    def __init__(self, ntp=True):
        self.pool = HostPool()
        self.ssl_context = ssl.create_default_context()
        self.ssl_context.sslsocket_class = _SSLSocket
        self.up = True
        self.ntp = ntp
        self.connect_calls = 0
        self.resets = 0

    def connected(self):
        return self.up

    def start_connect(self, ssid, password):
        self.connect_calls += 1

    def rssi(self):
        return -50 if self.up else None

    def time_s(self):
        """The host clock stands in for NTP (None with ``ntp=False``)."""
        return int(time.time()) if self.ntp else None

    def reset(self):
        self.resets += 1


class FileStore:
    """Remote setting overrides in a file: the PC's stand-in for the device's nvm slice."""

    def __init__(self, path):
        self.path = path

    def read(self):
        try:
            with open(self.path, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def write(self, data):
        with open(self.path, "wb") as f:
            f.write(data)


# --- hwc simulate --mqtt -----------------------------------------------------------------

class SimRadio(HostRadio):
    """``HostRadio`` whose NTP answer is ``epoch_s()``: the simulated wall clock."""

    def __init__(self, epoch_s):
        super().__init__()
        self.epoch_s = epoch_s

    def time_s(self):
        return int(self.epoch_s())


def parse_broker(text):
    """``HOST[:PORT]`` -> (host, port); port 1883 by default. Raises ValueError."""
    host, port = text.rsplit(":", 1) if ":" in text else (text, "1883")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError("--mqtt %r: use HOST or HOST:PORT" % text)
    return host, int(port)


def last_midnights_epoch_s(days, now_s=None):
    """Unix time of the local midnight ``days`` whole days before today's (host time zone):
    a simulated run of that many days, stamped from there, ends before today began."""
    now_s = time.time() if now_s is None else now_s
    t = time.localtime(now_s)
    today = time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, -1))
    lt = time.localtime(today - days * 86400 + 43200)  # noon of that day: DST-safe
    return time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 0, 0, 0, 0, 0, -1))


class Pacer:
    """A virtual loop's advance hook that keeps virtual time at most ``speed`` times ahead
    of the wall clock (``speed`` 1: real time)."""

    def __init__(self, speed, clock=time.monotonic, sleep=time.sleep):
        self.speed = float(speed)
        self.clock = clock
        self.sleep = sleep
        self.t0 = None
        self.v0 = 0.0

    def __call__(self, old_s, new_s):
        if self.t0 is None:
            self.t0, self.v0 = self.clock(), old_s
        ahead = self.t0 + (new_s - self.v0) / self.speed - self.clock()
        if ahead > 0:
            self.sleep(ahead)


def sustainable_speed(settings):
    """Virtual seconds per real second the link can publish without its buffer filling:
    REPLAY_PER_S messages of REPLAY_BATCH points, one point per TELEMETRY_PERIOD_S."""
    return settings.replay_per_s * settings.replay_batch * settings.telemetry_period_s


def drain(link, timeout_s=60.0, sleep=time.sleep):
    """After a simulated run: send what is still buffered, paced by REPLAY_PER_S in real
    time; returns the points left unsent (link offline or timed out)."""
    deadline = time.monotonic() + timeout_s
    while link.points.count and time.monotonic() < deadline:
        if link.state != "online" or link.mqtt is None:
            break
        try:
            link.send()
        except Exception as exc:  # noqa: BLE001 - reported as unsent points
            link.fail("%s: %s" % (type(exc).__name__, exc))
            break
        sleep(0.01)
    return link.points.count
