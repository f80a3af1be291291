"""The long run's socket pool (hwc.memrun, MicroPython's unix port only): the MQTT broker is
the real one (mosquitto on 127.0.0.1, started by the host), over the unix port's real sockets;
every other address (the heater's HTTP sources, the meter on the LAN) gets ``_hwc_net``'s
recorded answers, so nothing but the local broker is ever contacted.

Time stays virtual (``_hwc_clock``): a read with nothing to read does not block the wall clock
for the socket's timeout; it moves the virtual clock on by that timeout and raises ETIMEDOUT,
as the ESP32's socket does when its timeout passes. A reply can still be on its way over the
loopback (the broker answers within a millisecond or so, the host's ThingsBoard player within a
few): while the client owes the broker's answer to a packet it sent (CONNECT, SUBSCRIBE,
UNSUBSCRIBE, PINGREQ, a QoS 1 PUBLISH), or just after the host queued messages for it
(:func:`grace`), an empty read first waits up to a few milliseconds of real time.

``recv_into`` as on the ESP32's sockets (the unix port's own sockets have none, where
adafruit_minimqtt would take its other code path)."""

import errno
import select
import socket

import _hwc_clock
import _hwc_net

BROKER = [("127.0.0.1", 1883)]
WAIT_MS = 25  # one real wait for an owed answer
OWED_WAITS = 120  # at most this many waits per owed answer (3 s of real time)
_REPLY_TO = {0x10: 0x20, 0x80: 0x90, 0xA0: 0xB0, 0xC0: 0xD0}  # request type -> answer type
_grace = [0]
stats = {"connects": 0, "refused": 0, "sent": 0, "received": 0, "real_waits": 0}


def grace(waits=8):
    """The host has just queued messages for the client at the broker: the next empty reads
    wait for them (``waits`` x WAIT_MS of real time at most)."""
    _grace[0] = waits


class _Packets:
    """Finds MQTT packet boundaries in a byte stream (fed in pieces): calls ``on(first byte)``
    for each packet that starts."""

    def __init__(self, on):
        self.on = on
        self.skip = 0  # body bytes of the current packet still to come
        self.head = bytearray()  # first byte and remaining-length bytes so far

    def feed(self, data):
        i = 0
        n = len(data)
        while i < n:
            if self.skip:
                take = min(self.skip, n - i)
                self.skip -= take
                i += take
                continue
            self.head.append(data[i])
            i += 1
            h = self.head
            if len(h) >= 2 and not h[-1] & 128:
                length = 0
                shift = 0
                for b in h[1:]:
                    length |= (b & 127) << shift
                    shift += 7
                self.on(h[0])
                self.head = bytearray()
                self.skip = length


class _Broker:
    """A real TCP connection to the broker, read on the virtual clock."""

    def __init__(self):
        self.sock = socket.socket()
        self.poll = select.poll()
        self.timeout_ms = 1000
        self.owed = {}  # answer type -> number owed
        self.waits = 0
        self.out = _Packets(self._sent)
        self.inc = _Packets(self._received)
        self.closed = False

    def _sent(self, first):
        stats["sent"] += 1
        kind = first & 0xF0
        answer = _REPLY_TO.get(kind)
        if kind == 0x30 and first & 0x06:
            answer = 0x40  # PUBACK
        if answer is not None:
            self.owed[answer] = self.owed.get(answer, 0) + 1
            self.waits = OWED_WAITS

    def _received(self, first):
        stats["received"] += 1
        kind = first & 0xF0
        if self.owed.get(kind):
            self.owed[kind] -= 1
            if not any(self.owed.values()):
                self.waits = 0

    def settimeout(self, timeout):
        self.timeout_ms = 1000 if timeout is None else int(timeout * 1000)

    def setsockopt(self, *args):
        pass

    def connect(self, address):
        host, port = address[0], address[1]
        if (host, port) != BROKER[0]:
            raise OSError(errno.EHOSTUNREACH)
        try:
            self.sock.connect(socket.getaddrinfo(host, port)[0][-1])
        except OSError:
            stats["refused"] += 1
            raise
        stats["connects"] += 1
        self.sock.setblocking(False)
        self.poll.register(self.sock, select.POLLIN)

    def close(self):
        if not self.closed:
            self.closed = True
            self.sock.close()

    def send(self, data):
        if self.closed:
            raise OSError(errno.EBADF)
        view = memoryview(data)
        done = 0
        while done < len(view):
            n = self.sock.write(view[done:])
            if n is None:
                select.select([], [self.sock], [], 1)
                continue
            done += n
        self.out.feed(data)
        return done

    sendall = send

    def recv_into(self, buf, nbytes=0):
        if self.closed:
            raise OSError(errno.EBADF)
        n = nbytes or len(buf)
        while True:
            wait = self.waits > 0 or _grace[0] > 0
            ready = self.poll.poll(WAIT_MS if wait else 0)
            if ready:
                break
            if not wait:
                _hwc_clock.advance(self.timeout_ms)  # the socket's timeout passes, virtually
                raise OSError(errno.ETIMEDOUT)
            stats["real_waits"] += 1
            if self.waits:
                self.waits -= 1
            elif _grace[0]:
                _grace[0] -= 1
        got = self.sock.readinto(memoryview(buf)[:n])
        if got is None:
            _hwc_clock.advance(self.timeout_ms)
            raise OSError(errno.ETIMEDOUT)
        if got == 0:
            self.close()
            raise OSError(errno.ECONNRESET)  # the broker closed the connection
        _grace[0] = 0
        self.inc.feed(memoryview(buf)[:got])
        return got


class Pool(_hwc_net.Pool):
    """adafruit_connection_manager's socket pool: the broker's address gets a real socket,
    any other the recorded answers."""

    def getaddrinfo(self, host, port, family=0, socktype=0, proto=0, flags=0):
        return [(_hwc_net.AF_INET, _hwc_net.SOCK_STREAM, 0, "", (host, port))]

    def socket(self, family=_hwc_net.AF_INET, type=_hwc_net.SOCK_STREAM, proto=0):
        return _Switch()


class _Switch:
    """A socket that becomes the broker's real connection or a recorded-answers socket when it
    connects (the pool does not know the address before)."""

    def __init__(self):
        self._s = None
        self._timeout = None

    def settimeout(self, timeout):
        self._timeout = timeout
        if self._s is not None:
            self._s.settimeout(timeout)

    def setsockopt(self, *args):
        pass

    def connect(self, address):
        s = _Broker() if (address[0], address[1]) == BROKER[0] else _hwc_net._Socket()
        s.settimeout(self._timeout)
        self._s = s
        s.connect(address)

    def __getattr__(self, name):
        return getattr(self._s, name)
