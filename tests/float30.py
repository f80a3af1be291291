"""The Titano's 30-bit floats on CPython: a test instrument.

CircuitPython on the PyPortal Titano (SAMD51) stores a float inside the object word
(MICROPY_OBJ_REPR_C): every float is an IEEE single whose two lowest mantissa bits are
dropped (``mp_obj_new_float`` masks them off: truncation toward zero, 22 significant bits).
Arithmetic runs in single precision on the two stored operands; an int operand is converted
to the nearest single first.

``F30`` is a float whose every arithmetic result (and every operand it meets: a literal in the
code is stored the same way on the board) is rounded to that representation. Feed settings and
readings through it (``settings30``, ``F30(x)``) and the device code computes as the board
would, as far as its arithmetic operators go. Not emulated: library functions (``math.exp``
computes in double; its result is rounded when it meets an ``F30``), the board's decimal
parser (``float("1.01")`` there may differ by an ulp from the correctly rounded single this
takes) and its float formatting (``"%.1f"`` here formats the 30-bit value with CPython's
correctly rounded algorithm).

As a pytest plugin (``-p float30``, with tests/ on the path), it runs test files with the
settings, the algorithm's readings and protection's probe readings all in 30-bit floats
(``install``).
"""

import struct

_MASK = 0xFFFFFFFC


def single(x):
    """``x`` rounded to the nearest IEEE single (overflow to an infinity)."""
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


def f30(x):
    """``x`` as the Titano stores a float: the nearest single, its two lowest bits cleared."""
    bits = struct.unpack("<I", struct.pack("<f", single(x)))[0]
    return struct.unpack("<f", struct.pack("<I", bits & _MASK))[0]


def _operand(x):
    if isinstance(x, F30):
        return float(x)
    if isinstance(x, float):
        return f30(x)  # a literal or a value from outside: stored as the board stores floats
    if isinstance(x, int):
        return single(float(x))  # mp_obj_get_float of an int: converted, not stored
    return NotImplemented


def _op(fn):
    def method(self, other):
        b = _operand(other)
        if b is NotImplemented:
            return NotImplemented
        return F30(fn(float(self), b))

    return method


def _rop(fn):
    def method(self, other):
        a = _operand(other)
        if a is NotImplemented:
            return NotImplemented
        return F30(fn(a, float(self)))

    return method


def _cmp(fn):
    def method(self, other):
        b = _operand(other)
        if b is NotImplemented:
            return NotImplemented
        return fn(float(self), b)

    return method


class F30(float):
    """A float held and computed as the Titano's CircuitPython does."""

    __slots__ = ()

    def __new__(cls, x=0.0):
        return float.__new__(cls, f30(float(x)))

    __add__ = _op(lambda a, b: single(a + b))
    __radd__ = _rop(lambda a, b: single(a + b))
    __sub__ = _op(lambda a, b: single(a - b))
    __rsub__ = _rop(lambda a, b: single(a - b))
    __mul__ = _op(lambda a, b: single(a * b))
    __rmul__ = _rop(lambda a, b: single(a * b))
    __truediv__ = _op(lambda a, b: single(a / b))
    __rtruediv__ = _rop(lambda a, b: single(a / b))
    __floordiv__ = _op(lambda a, b: single(a // b))
    __rfloordiv__ = _rop(lambda a, b: single(a // b))
    __mod__ = _op(lambda a, b: single(a % b))
    __rmod__ = _rop(lambda a, b: single(a % b))
    __pow__ = _op(lambda a, b: single(a ** b))
    __rpow__ = _rop(lambda a, b: single(a ** b))
    __lt__ = _cmp(float.__lt__)
    __le__ = _cmp(float.__le__)
    __gt__ = _cmp(float.__gt__)
    __ge__ = _cmp(float.__ge__)
    __eq__ = _cmp(float.__eq__)
    __ne__ = _cmp(float.__ne__)
    __hash__ = float.__hash__

    def __neg__(self):
        return F30(-float(self))

    def __pos__(self):
        return self

    def __abs__(self):
        return F30(abs(float(self)))

    def __round__(self, ndigits=None):
        if ndigits is None:
            return round(float(self))
        return F30(round(float(self), ndigits))

    def __repr__(self):
        return "F30(%r)" % float(self)


def to30(value):
    """``value`` with every float in it (also inside a tuple or list) made an ``F30``."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return F30(value)
    if isinstance(value, tuple):
        return tuple(to30(v) for v in value)
    if isinstance(value, list):
        return [to30(v) for v in value]
    return value


def settings30(settings):
    """The Settings object with every float setting held as an ``F30`` (changed in place)."""
    for key, value in list(vars(settings).items()):
        if key not in ("errors", "error_keys"):
            setattr(settings, key, to30(value))
    return settings


def install(monkeypatch=None):
    """Make the device code run on 30-bit floats: every ``settings.load`` returns 30-bit
    settings, the algorithms take 30-bit readings and protection 30-bit probe readings.
    Returns an undo function (or registers the undo with ``monkeypatch``)."""
    from controller import algorithm, protect, settings

    load = settings.load
    update = algorithm.PumpAlgorithm.update
    apply = protect.Protection.apply

    def load30(*args, **kw):
        return settings30(load(*args, **kw))

    def update30(self, hot_c, cold_c, now_s, *rest):
        return update(self, to30(hot_c), to30(cold_c), now_s, *rest)

    def apply30(self, d, *readings, **named):
        return apply(self, d, *[to30(r) for r in readings], **{k: to30(v) for k, v in named.items()})

    patches = [(settings, "load", load30), (algorithm.PumpAlgorithm, "update", update30),
               (protect.Protection, "apply", apply30)]
    if monkeypatch is not None:
        for owner, name, value in patches:
            monkeypatch.setattr(owner, name, value)
        return None
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)

    def undo():
        for owner, name, value in saved:
            setattr(owner, name, value)

    return undo


def pytest_configure(config):
    """As a plugin (``-p float30``): the whole session on 30-bit floats."""
    config._float30_undo = install()


def pytest_unconfigure(config):
    undo = getattr(config, "_float30_undo", None)
    if undo is not None:
        undo()
