"""The memory guests' network (hwc memory): a socket pool for adafruit_minimqtt and
adafruit_requests with a small MQTT broker and recorded HTTP answers behind it, and the ESP32
radio's stand-in. Test equipment: it holds only a few hundred bytes (the broker's queues), and
HTTP bodies are read from files as the firmware asks for them.

The broker answers CONNECT, SUBSCRIBE, UNSUBSCRIBE, PUBLISH (PUBACK for QoS 1) and PINGREQ as
a broker does, and delivers what ``deliver(topic, payload)`` queues (an RPC, an attribute update)
as a QoS 0 PUBLISH. A read with nothing to read takes the socket's timeout on the virtual clock,
as a real socket's would. ``down = True`` plays a broker outage: connections are refused and an open
one fails. HTTP: ``replies`` maps a path prefix to a file whose bytes are the whole answer
(status line, headers, body), as recorded from the real services."""

import errno

import _hwc_clock

AF_INET = 2
SOCK_STREAM = 1
SOL_SOCKET = 1
SO_REUSEADDR = 4
MQTT_PORT = 1883

down = False
replies = {}  # path prefix -> file of a whole HTTP answer
inbox = []  # (topic bytes, payload bytes) queued for delivery to the MQTT client
sent = [0, 0]  # MQTT packets, bytes received from the client
http_gets = []  # paths asked for


def deliver(topic, payload):
    inbox.append((topic if isinstance(topic, bytes) else topic.encode(),
                  payload if isinstance(payload, bytes) else payload.encode()))


class _Socket:
    def __init__(self):
        self.port = None
        self.rx = bytearray()  # from the client, not yet parsed
        self.tx = bytearray()  # to the client
        self.file = None  # an HTTP answer being read
        self.closed = False
        self.timeout_ms = 1000

    def settimeout(self, timeout):
        self.timeout_ms = 1000 if timeout is None else int(timeout * 1000)

    def setsockopt(self, *args):
        pass

    def connect(self, address):
        if down:
            raise OSError(errno.ECONNREFUSED)
        self.port = address[1]

    def close(self):
        self.closed = True
        if self.file is not None:
            self.file.close()
            self.file = None

    def _check(self):
        if self.closed or (down and self.port == MQTT_PORT):
            raise OSError(errno.ECONNRESET)

    def send(self, data):
        self._check()
        self.rx.extend(data)
        if self.port == MQTT_PORT:
            self._mqtt()
        else:
            self._http()
        return len(data)

    sendall = send

    def recv_into(self, buf, nbytes=0):
        self._check()
        n = nbytes or len(buf)
        if self.port == MQTT_PORT and not self.tx and inbox:
            topic, payload = inbox.pop(0)
            self._packet(0x30, bytes((len(topic) >> 8, len(topic) & 255)) + topic + payload)
        if self.tx:
            n = min(n, len(self.tx))
            buf[:n] = self.tx[:n]
            self.tx = self.tx[n:]
            return n
        if self.file is not None:
            got = self.file.readinto(memoryview(buf)[:n])
            if got:
                return got
            self.file.close()
            self.file = None
            return 0
        if self.port == MQTT_PORT:
            _hwc_clock.advance(self.timeout_ms)  # a real socket blocks that long for nothing
            raise OSError(errno.ETIMEDOUT)
        return 0

    def recv(self, nbytes):
        buf = bytearray(nbytes)
        return bytes(buf[:self.recv_into(buf, nbytes)])

    # --- the broker ------------------------------------------------------------------------
    def _packet(self, first, body):
        n = len(body)
        self.tx.append(first)
        while True:
            b = n & 127
            n >>= 7
            self.tx.append(b | (128 if n else 0))
            if not n:
                break
        self.tx.extend(body)

    def _mqtt(self):
        rx = self.rx
        while len(rx) >= 2:
            n = 0
            shift = 0
            i = 1
            while True:
                if i >= len(rx):
                    return
                b = rx[i]
                n |= (b & 127) << shift
                shift += 7
                i += 1
                if not b & 128:
                    break
            if len(rx) < i + n:
                return
            first = rx[0]
            kind = first & 0xF0
            body = rx[i:i + n]
            self.rx = rx = rx[i + n:]
            sent[0] += 1
            sent[1] += i + n
            if kind == 0x10:  # CONNECT
                self._packet(0x20, b"\x00\x00")
            elif kind == 0x80:  # SUBSCRIBE: one granted QoS 0 per filter
                count = 0
                j = 2
                while j < len(body):
                    j += 2 + (body[j] << 8 | body[j + 1]) + 1
                    count += 1
                self._packet(0x90, bytes(body[:2]) + bytes(count))
            elif kind == 0xA0:  # UNSUBSCRIBE
                self._packet(0xB0, bytes(body[:2]))
            elif kind == 0x30 and first & 0x06:  # PUBLISH, QoS 1: PUBACK
                t = body[0] << 8 | body[1]
                self._packet(0x40, bytes(body[2 + t:4 + t]))
            elif kind == 0xC0:  # PINGREQ
                self._packet(0xD0, b"")

    # --- HTTP ------------------------------------------------------------------------------
    def _http(self):
        end = self.rx.find(b"\r\n\r\n")
        if end < 0:
            return
        line = bytes(self.rx[:self.rx.find(b"\r\n")])
        self.rx = bytearray()
        path = line.split(b" ")[1].decode()
        http_gets.append(path)
        for prefix in replies:
            if path.startswith(prefix):
                self.file = open(replies[prefix], "rb")
                return
        self.tx.extend(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


class Pool:
    """What ``adafruit_connection_manager`` wants of a socket pool."""

    AF_INET = AF_INET
    SOCK_STREAM = SOCK_STREAM
    SOL_SOCKET = SOL_SOCKET
    SO_REUSEADDR = SO_REUSEADDR

    def getaddrinfo(self, host, port, family=0, socktype=0, proto=0, flags=0):
        return [(AF_INET, SOCK_STREAM, 0, "", (host, port))]

    def socket(self, family=AF_INET, type=SOCK_STREAM, proto=0):
        return _Socket()


class TLS:
    """The ESP32 does TLS in its own firmware: a socket from its pool is already what the
    libraries want (as esp32spi's own stand-in context)."""

    def wrap_socket(self, sock, server_hostname=None):
        return sock


class Radio:
    """Stands for controller.hardware.EspRadio: the ESP32's socket pool, WiFi up when ``up``,
    NTP time from the virtual clock."""

    def __init__(self, pool=None, up=False):
        self.pool = pool or Pool()
        self.ssl_context = TLS()
        self.up = up
        self.resets = 0

    def connected(self):
        return self.up

    def start_connect(self, ssid, password):
        pass

    def rssi(self):
        return -60 if self.up else None

    def time_s(self):
        import time

        return time.time() if self.up else None

    def reset(self):
        self.resets += 1
