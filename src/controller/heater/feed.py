"""What the slow sources share, imported with them for a fetch and forgotten after it: an
answer's body as a JSON stream (adafruit_json_stream, read in 256-byte chunks: no whole body
and no tree in RAM) and the ISO 8601 time stamps of the web APIs, in minutes since 2000 UTC.

adafruit_json_stream gives each scalar through ``json.loads``: numbers arrive as floats, so a
price is rounded to an int of millipence once (``milli``) and every decision then compares
ints. On the board's 30-bit floats a price with more than three decimals may round to the
millipence next to the exact one: a decision depends on that only between two prices within
0.001 p/kWh of each other, which are equally cheap.
"""

from adafruit_json_stream import TransientList, TransientObject, load  # noqa: F401 - the sources use them
from adafruit_ticks import ticks_diff, ticks_ms

from controller.localtime import DAY_MIN, days_from_civil


def read(resp, reader, *args, limit_s=8):
    """``reader(json, *args)`` (None or the reason) over the response's body as a JSON stream,
    then: None, or the reason the answer is wrong. A body shorter than its Content-Length (the
    connection dropped) is said as such, whatever the JSON looked like where it stopped; a
    malformed one raises ValueError, one still coming after ``limit_s`` OSError ("timed out")
    (``http.get`` says them)."""
    got = [0]
    t0 = ticks_ms()

    def chunks():
        for chunk in resp.iter_content(256):
            got[0] += len(chunk)
            if ticks_diff(ticks_ms(), t0) > limit_s * 1000:
                raise OSError("timed out: answer still coming after %d s" % limit_s)  # no TimeoutError in MicroPython
            yield chunk

    body = chunks()
    try:
        why = reader(load(body), *args)
    except (ValueError, EOFError):
        why = "malformed"
    for _ in body:  # the rest, to know whether it all came
        pass
    want = resp.headers.get("content-length")
    if want is not None and got[0] < int(want):
        return "answer cut short after %d of %s bytes" % (got[0], want)
    if why == "malformed":
        raise ValueError("at or before byte %d" % got[0])
    return why


def clear(table):
    """Empty a SlotTable for a new fetch."""
    table.n = 0
    table.version += 1


def sort(table):
    """Order a SlotTable by start time (insertion sort: the sources give sorted or reversed lists)."""
    s, e, v = table.start, table.end, table.value
    for i in range(1, table.n):
        ks, ke, kv = s[i], e[i], v[i]
        j = i - 1
        while j >= 0 and s[j] > ks:
            s[j + 1], e[j + 1], v[j + 1] = s[j], e[j], v[j]
            j -= 1
        s[j + 1], e[j + 1], v[j + 1] = ks, ke, kv
    table.version += 1


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def milli(v):
    """An int of thousandths of the JSON number ``v``, rounded half away from zero."""
    return int(v * 1000 + 0.5) if v >= 0 else -int(0.5 - v * 1000)


def civil_from_days(days):
    """(year, month, day) of a day count since 2000-01-01."""
    z = days + 730425
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if m <= 2 else 0), m, d


def iso(t_min):
    """"YYYY-MM-DDTHH:MMZ" of minutes since 2000 UTC."""
    y, m, d = civil_from_days(t_min // DAY_MIN)
    t = t_min % DAY_MIN
    return "%04d-%02d-%02dT%02d:%02dZ" % (y, m, d, t // 60, t % 60)


def _num(text, i, n):
    part = text[i:i + n]
    return int(part) if len(part) == n and part.isdigit() else -1


def parse_date(text):
    """Days since 2000 of "YYYY-MM-DD..."; None if malformed (or not a string)."""
    if not isinstance(text, str) or len(text) < 10 or text[4] != "-" or text[7] != "-":
        return None
    y, mo, d = _num(text, 0, 4), _num(text, 5, 2), _num(text, 8, 2)
    if y < 2000 or not 1 <= mo <= 12 or not 1 <= d <= 31:
        return None
    return days_from_civil(y, mo, d)


def parse_time(text):
    """Minutes since 2000 UTC of "YYYY-MM-DDTHH:MM[:SS][.fff][Z|+HH:MM|-HH:MM]" (or a space for
    the T); no zone means the time as written. None if malformed."""
    day = parse_date(text)
    n = len(text) if day is not None else 0
    if n < 16 or text[10] not in "T " or text[13] != ":":
        return None
    h, mi = _num(text, 11, 2), _num(text, 14, 2)
    if not 0 <= h <= 23 or not 0 <= mi <= 59:
        return None
    t = day * DAY_MIN + h * 60 + mi
    i = 16
    while i < n and text[i] in "0123456789:.":  # :SS and fractions
        i += 1
    if i == n or text[i:] == "Z":
        return t
    if text[i] in "+-" and i + 6 == n and text[i + 3] == ":":
        off = _num(text, i + 1, 2) * 60 + _num(text, i + 4, 2)
        if off >= 0 and _num(text, i + 4, 2) >= 0:
            return t - off if text[i] == "+" else t + off
    return None
