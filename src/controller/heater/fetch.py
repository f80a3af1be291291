"""The JSON scanner of the slow sources' answers (Agile prices, carbon intensity, Forecast.Solar),
read in 256-byte chunks: no whole body and no tree in RAM. Imported at boot when a slow source is
on (``check.init``), and kept.

Why not adafruit_json_stream (issue 14: use the library unless a measurement shows it costs more
heap, and then say so): measured, it costs more. Both read the same answers through the same
handlers (two days of Agile prices, 14 KB; a regional carbon forecast, 21 KB; a Forecast.Solar
estimate), the library as the .mpy circup installs, this module compiled from .py:

- resident after boot, ``hwc memory --quick --no-run``, configuration 'heater' (32-bit):
  the library 3.3 KB, this module 2.8 KB; free after boot 21.0 KB with the library, 21.5 KB
  with this module;
- allocated per fetch, collector off (the unix port, 64-bit objects; garbage the collector
  reclaims as it goes, the whole fetch with its module's compile and adafruit_requests): Agile
  577 KB with the library, 73 KB with this module; carbon 789 KB / 88 KB; forecast 60 KB / 31 KB;
- the heater, its task and the three fetches done (unix port): 45.6 KB resident and 2950
  strings in the pool with the library, 44.6 KB and 2921 with this module;
- ``hwc memory``'s reduced long run (everything on, unix port scaled to the board): the run took
  28.0 KB below the free space after boot with the library, 26.6-27.9 KB with this module.

The library reads a character at a time through a generator and gives every key and scalar to
``json.loads`` (a str, a float, a list per value); this scanner finds a string's end with
``bytes.find``, compares keys in place with the ones asked for, reads numbers in place, and
makes one bytes per string value taken and nothing per character.

``scan(response, handle, keys)`` calls ``handle(name, key, value)`` for each scalar in an array or under
one of ``keys``: ``name`` the key of the container it is in (an array's items inherit the
array's key; None at the top; b"" for a key not asked for), ``key`` the one of ``keys`` (None
in an array), ``value`` bytes for a string (escapes left as written: what is read has none),
None, True, False, or a number as an int of thousandths, rounded half away from zero from its
decimal text (no float: on the board's 30-bit floats a price's fourth decimal would decide its
rounding). ``keys=None``: every key, each then as bytes. When a container closes it calls
``handle(name, None, dict)`` (or ``list``), ``name`` the container's own.
"""

from adafruit_ticks import ticks_diff, ticks_ms

from controller.heater.core import w

# The texts longer than 10 characters, in one string (see core's): ``w(k, _TEXTS)`` is text k.
_TEXTS = (
    'not a number|'  # 0
    'timed out: answer still coming after %d s|'  # 1
    'a value over 1 KB|'  # 2
    'nested too deep|'  # 3
    'content-length|'  # 4
    'answer cut short after %d of %s bytes|'  # 5
    'at or before byte %d|'  # 6
    'ends at byte %d|'  # 7
)


def _odd(b, a, j, escape):
    """Whether ``b[j]`` is escaped: an odd run of backslashes before it back to ``a`` (and, when
    the run reaches ``a``, ``escape``: the chunk before ended in an odd run)."""
    k = j
    while k > a and b[k - 1] == 92:
        k -= 1
    return ((j - k) & 1) ^ (escape if k == a else 0)


def _parse(b, a, j):
    """The value of the number or literal ``b[a:j]``: None, True, False, or an int of thousandths
    of the number, rounded half away from zero."""
    if j - a == 4 and b.find(b"null", a, j) == a:
        return None
    if j - a == 4 and b.find(b"true", a, j) == a:
        return True
    if j - a == 5 and b.find(b"false", a, j) == a:
        return False
    i = a + (b[a] == 45)
    v = k = 0
    dot = -1
    while i < j:
        c = b[i] - 48
        if 0 <= c <= 9:
            if dot < 0 or k < 3:
                v = v * 10 + c
                k += dot >= 0
            elif k == 3:  # the fourth decimal rounds
                v += c >= 5
                k = 4
        elif c == -2 and dot < 0:  # "."
            dot = i
        else:
            break
        i += 1
    if i < j or i == a + (b[a] == 45) or dot == j - 1:
        if i < j and b[i] in b"eE":  # an exponent (the APIs write none)
            v = float(b[a:j].decode()) * 1000
            return int(v + 0.5) if v >= 0 else -int(0.5 - v)
        # 0: 'not a number'
        raise ValueError(w(0, _TEXTS))
    v *= 10 ** (3 - min(k, 3))
    return -v if b[a] == 45 else v


def scan(response, handle, keys=None, timeout_s=8):
    """Scan the body of ``response`` (adafruit_requests' Response), calling ``handle`` for what is in
    an array or under one of ``keys`` (bytes; None: every key, each then a bytes); None, or the
    reason the answer is wrong: a body shorter than its Content-Length (the connection dropped)
    is said as such whatever the JSON looked like where it stopped; malformed or unfinished
    JSON raises ValueError, an answer still coming after ``timeout_s`` OSError ("timed
    out") (``task.get`` says them)."""
    names = [None] * 8  # per open container: its name
    close = bytearray(8)  # per open container: the byte that closes it
    d = 0
    state = 0  # what may come: 0 a value, 1 a value or "]", 2 a key, 3 a key or "}", 4 ":", 5 "," or a close, 6 done
    key = part = None  # part: the token's bytes from the chunks before, while in one
    q = escape = False  # q: the token is a quoted string
    total = bad = 0
    start = ticks_ms()
    for b in response.iter_content(256):
        total += len(b)
        if ticks_diff(ticks_ms(), start) > timeout_s * 1000:
            # 1: 'timed out: answer still coming after %d s'
            raise OSError(w(1, _TEXTS) % timeout_s)  # no TimeoutError in MicroPython
        if bad or state == 6:
            continue  # the rest, to know whether it all came
        try:
            i = a = 0
            n = len(b)
            while i < n:
                if part is not None:  # in a token: find its end
                    if q:
                        j = b.find(b'"', i)
                        while j >= 0 and _odd(b, a, j, escape):
                            j = b.find(b'"', j + 1)
                        if j < 0:
                            escape = _odd(b, a, n, escape)
                    else:
                        j = i
                        while j < n and b[j] not in b' \t\r\n,:]}':  # what ends a number or a literal
                            j += 1
                        if j == n:
                            j = -1
                    if j < 0:  # it goes on in the next chunk
                        part += b[a:]
                        if len(part) > 1024:
                            # 2: 'a value over 1 KB'
                            raise ValueError(w(2, _TEXTS))
                        break
                    if part:  # (rare) it began in a chunk before: joined
                        v = part + b[a:j]
                        s, e = 0, len(v)
                    else:
                        v, s, e = b, a, j
                    part = None
                    i = j + q
                    if q and state > 1:  # a key
                        key = v[s:e] if keys is None else b""
                        for k in keys or ():  # the one of keys it is (compared in place), else b""
                            if e - s == len(k) and v.find(k, s, e) == s:
                                key = k
                                break
                        state = 4
                        continue
                    state = 5 if d else 6
                    k = close[d - 1] if d else 0
                    if k == 125 and not key:  # not asked for
                        if not q:
                            _parse(v, s, e)  # but checked
                        continue
                    handle(names[d - 1] if d else None, key if k == 125 else None, v[s:e] if q else _parse(v, s, e))
                    continue
                c = b[i]
                i += 1
                if c == 32 or c == 10 or c == 13 or c == 9:
                    continue
                k = close[d - 1] if d else 0  # what closes the container we are in
                if c == 34 and state < 4:  # a string: a value or a key
                    part = b""
                    q = True
                    escape = False
                    a = i
                elif (c == 123 or c == 91) and state < 2:  # { [
                    if d == 8:
                        # 3: 'nested too deep'
                        raise ValueError(w(3, _TEXTS))
                    names[d] = (key if k == 125 else names[d - 1]) if d else None
                    close[d] = c + 2
                    d += 1
                    state = 3 if c == 123 else 1
                elif c == k and (state == 5 or state == (3 if c == 125 else 1)):  # } ]
                    d -= 1
                    handle(names[d], None, dict if c == 125 else list)
                    state = 5 if d else 6
                    if not d:
                        break
                elif c == 44 and state == 5 and d:  # ,
                    state = 2 if k == 125 else 0
                elif c == 58 and state == 4:  # :
                    state = 0
                elif state < 2 and c in b"-0123456789tfn":  # a number or a literal
                    part = b""
                    q = False
                    i -= 1
                    a = i
                else:
                    raise ValueError(repr(chr(c)))
            a = 0
        except ValueError:
            bad = total
    # 4: 'content-length'
    length = response.headers.get(w(4, _TEXTS))
    if length is not None and total < int(length):
        # 5: 'answer cut short after %d of %s bytes'
        return w(5, _TEXTS) % (total, length)
    if bad:
        # 6: 'at or before byte %d'
        raise ValueError(w(6, _TEXTS) % bad)
    if state != 6:  # all of it came (as far as it says), but the JSON is not finished
        # 7: 'ends at byte %d'
        raise ValueError(w(7, _TEXTS) % total)
    return None

