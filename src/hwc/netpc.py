"""The network interface of the link on a PC: CPython sockets instead of the ESP32.

``HostRadio`` has what ``controller.net.link.Link`` expects of a radio (the device's is
``controller.hardware.EspRadio``): ``pool`` and ``ssl_context`` for adafruit_minimqtt,
``connected()``, ``start_connect(ssid, password)``, ``rssi()``, ``time_s()`` and ``reset()``.
Tests switch ``up`` off to play a WiFi outage.
"""

import socket
import ssl
import time


class HostRadio:
    def __init__(self, ntp=True):
        self.pool = socket
        self.ssl_context = ssl.create_default_context()
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
