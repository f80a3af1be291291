"""A streaming JSON scanner: bytes in, events out, fixed buffers (no tree is built).

A day of Octopus prices is 6-13 KB of JSON; ``json.loads`` would hold the text and a dict per
half-hour. This scanner keeps two string buffers and a depth stack, validates the syntax
strictly (a truncated or malformed body raises ``JsonError``) and calls the handler:

- ``begin(sc, is_obj)`` after ``{``/``[``; ``sc.depth`` is the new container's depth, ``sc.khash``
  the key it sits under (or -1 in an array);
- ``end(sc, is_obj)`` at ``}``/``]``, ``sc.depth`` still the container's;
- ``value(sc, kind)`` for a scalar: kind ``S`` string (``sc.sbuf[:sc.slen]``, ``sc.shash``),
  ``N`` number (``sc.scaled(d)``, ``sc.as_float()``), ``T``/``F``/``Z`` true/false/null.
  ``sc.khash``/``sc.kbuf``/``sc.klen`` name its key (``khash`` -1 in an array, where
  ``sc.index()`` is its position).

Keys and strings are compared by ``khash(b"...")``, a 24-bit hash, so nothing is allocated
per field.
"""

S = 1
N = 2
T = 3
F = 4
Z = 5

_VALUE = 0
_AFTER = 1
_KEY = 2
_COLON = 3
_STR = 4
_ESC = 5
_UHEX = 6
_NUM = 7
_LIT = 8
_END = 9

_MAX_DEPTH = 12
_MANT_MAX = 100000000
_ESCAPES = {34: 34, 92: 92, 47: 47, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9}


class JsonError(ValueError):
    pass


def khash(data):
    """The scanner's hash of a key or string (bytes or str)."""
    h = 5381
    for c in data:
        if isinstance(c, str):
            c = ord(c)
        h = ((h * 33) ^ c) & 0xFFFFFF
    return h


class Handler:
    """The base of the per-source handlers: ``begin``/``end`` do nothing; ``check()`` (None or
    the reason) says whether the answer held what was asked for."""

    def begin(self, sc, obj):
        pass

    def end(self, sc, obj):
        pass


class Scanner:
    """:param handler: object with begin/end/value (see the module docstring)
    :param str_cap: bytes kept of each string (longer ones set ``sover``)"""

    def __init__(self, handler, str_cap=48):
        self.h = handler
        self.sbuf = bytearray(str_cap)
        self.kbuf = bytearray(str_cap)
        self.stack = bytearray(_MAX_DEPTH)  # 1 = object, 0 = array
        self.idxs = [0] * _MAX_DEPTH  # element index in each open array
        self.reset()

    def reset(self):
        self.state = _VALUE
        self.depth = 0
        self.pos = 0  # bytes consumed: for error messages
        self.khash = -1
        self.klen = 0
        self.slen = 0
        self.shash = 0
        self.sover = False
        self.is_key = False
        self.empty = False
        self.lit = b""
        self.lpos = 0
        self.mant = 0
        self.neg = False
        self.frac = -1  # digits after the point, -1 before one
        self.exp = 0
        self.eneg = False
        self.npart = 0  # 0 int, 1 frac, 2 exp sign, 3 exp digits
        self.ndig = 0

    def _fail(self, c, what="unexpected"):
        raise JsonError("malformed JSON at byte %d: %s 0x%02x" % (self.pos, what, c))

    def index(self):
        """Position of the current element in the innermost open array."""
        return self.idxs[self.depth - 1] if self.depth else 0

    def finish(self):
        """Call after the last byte: raises JsonError unless one whole value was read."""
        if self.state == _NUM and self.depth == 0:
            self._end_number(32)
            self.state = _END
        if self.state != _END:
            raise JsonError("truncated JSON after %d bytes" % self.pos)

    def feed(self, buf, n):
        for i in range(n):
            self._byte(buf[i])
            self.pos += 1

    # --- numbers ------------------------------------------------------------------------
    def scaled(self, decimals):
        """The number times 10**decimals, rounded to an int (no float is made)."""
        e = decimals + self.exp - (self.frac if self.frac > 0 else 0)
        m = self.mant
        if e >= 0:
            m = m * 10 ** min(e, 18)
        else:
            d = 10 ** min(-e, 18)
            m = (m + d // 2) // d
        return -m if self.neg else m

    def as_float(self):
        e = self.exp - (self.frac if self.frac > 0 else 0)
        v = self.mant / 10.0 ** -e if e < 0 else self.mant * 10.0 ** e
        return -v if self.neg else v

    def _digit(self, c):
        if self.mant < _MANT_MAX:
            self.mant = self.mant * 10 + c - 48
            if self.frac >= 0:
                self.frac += 1
        elif self.frac < 0:
            self.exp += 1  # integer digit dropped: scale instead
        self.ndig += 1

    def _end_number(self, c):
        if self.ndig == 0 or self.npart == 2 or self.frac == 0:
            self._fail(c, "bad number before")
        if self.npart == 3:
            self.exp = self.exp + (-self.edig if self.eneg else self.edig)
        self.state = _AFTER
        self.h.value(self, N)

    def _start_number(self, c):
        self.mant = 0
        self.neg = c == 45
        self.frac = -1
        self.exp = 0
        self.edig = 0
        self.eneg = False
        self.npart = 0
        self.ndig = 0
        self.state = _NUM
        if c != 45:
            self._digit(c)

    def _number_byte(self, c):
        if 48 <= c <= 57:
            if self.npart == 0 or self.npart == 1:
                self._digit(c)
            else:
                self.npart = 3
                self.edig = self.edig * 10 + c - 48 if self.edig < 1000 else self.edig
            return True
        if c == 46 and self.npart == 0 and self.ndig:
            self.npart = 1
            self.frac = 0
            return True
        if (c == 101 or c == 69) and self.npart < 2 and self.ndig and self.frac != 0:
            self.npart = 2
            return True
        if (c == 43 or c == 45) and self.npart == 2 and self.edig == 0:
            self.eneg = c == 45
            return True
        return False

    # --- the state machine ----------------------------------------------------------------
    def _scalar_done(self, kind):
        self.state = _END if self.depth == 0 else _AFTER
        self.h.value(self, kind)

    def _byte(self, c):
        st = self.state
        if st == _STR:
            if c == 34:
                if self.is_key:
                    self.sbuf, self.kbuf = self.kbuf, self.sbuf
                    self.klen = self.slen
                    self.khash = self.shash
                    self.state = _COLON
                else:
                    self._scalar_done(S)
            elif c == 92:
                self.state = _ESC
            elif c < 32:
                self._fail(c, "control character in string")
            else:
                self._str_byte(c)
            return
        if st == _ESC:
            if c == 117:
                self.lpos = 0
                self.state = _UHEX
                return
            e = _ESCAPES.get(c)
            if e is None:
                self._fail(c, "bad escape")
            self._str_byte(e)
            self.state = _STR
            return
        if st == _UHEX:
            if not (48 <= c <= 57 or 97 <= (c | 32) <= 102):
                self._fail(c, "bad \\u escape")
            self.lpos += 1
            if self.lpos == 4:
                self._str_byte(63)  # '?': only ASCII is kept
                self.state = _STR
            return
        if st == _NUM:
            if self._number_byte(c):
                return
            self._end_number(c)
            if self.depth == 0:
                self.state = _END
            st = self.state
        if st == _LIT:
            if c != self.lit[self.lpos]:
                self._fail(c)
            self.lpos += 1
            if self.lpos == len(self.lit):
                first = self.lit[0]
                self._scalar_done(T if first == 116 else (F if first == 102 else Z))
            return
        if c == 32 or c == 10 or c == 13 or c == 9:
            return
        if st == _VALUE:
            self._value_start(c)
        elif st == _AFTER:
            obj = self.stack[self.depth - 1]
            if c == 44:
                self.state = _KEY if obj else _VALUE
                self.empty = False
                if not obj:
                    self.idxs[self.depth - 1] += 1
            elif c == (125 if obj else 93):
                self._close(obj)
            else:
                self._fail(c)
        elif st == _KEY:
            if c == 34:
                self._start_string(True)
            elif c == 125 and self.empty:
                self._close(1)
            else:
                self._fail(c, "expected a key, got")
        elif st == _COLON:
            if c != 58:
                self._fail(c, "expected ':', got")
            self.state = _VALUE
        else:  # _END
            self._fail(c, "data after the end:")

    def _str_byte(self, c):
        if self.slen < len(self.sbuf):
            self.sbuf[self.slen] = c
            self.slen += 1
        else:
            self.sover = True
        self.shash = ((self.shash * 33) ^ c) & 0xFFFFFF

    def _start_string(self, is_key):
        self.is_key = is_key
        self.slen = 0
        self.sover = False
        self.shash = 5381
        self.state = _STR

    def _value_start(self, c):
        if c == 34:
            self._start_string(False)
        elif c == 45 or 48 <= c <= 57:
            self._start_number(c)
        elif c == 116:
            self.lit, self.lpos, self.state = b"true", 1, _LIT
        elif c == 102:
            self.lit, self.lpos, self.state = b"false", 1, _LIT
        elif c == 110:
            self.lit, self.lpos, self.state = b"null", 1, _LIT
        elif c == 123 or c == 91:
            if self.depth >= _MAX_DEPTH:
                self._fail(c, "nested too deep at")
            obj = 1 if c == 123 else 0
            self.stack[self.depth] = obj
            self.depth += 1
            self.h.begin(self, obj)
            self.khash = -1
            self.empty = True
            self.idxs[self.depth - 1] = 0
            self.state = _KEY if obj else _VALUE
        elif c == 93 and self.empty and self.depth and not self.stack[self.depth - 1]:
            self._close(0)
        else:
            self._fail(c)

    def _close(self, obj):
        self.h.end(self, obj)
        self.depth -= 1
        self.empty = False
        self.khash = -1
        self.state = _END if self.depth == 0 else _AFTER
