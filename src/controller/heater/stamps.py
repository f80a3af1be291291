"""The ISO 8601 time stamps of the web APIs, in minutes since 2000 UTC: written for the URLs,
read from the answers (in place, from bytes: nothing allocated per stamp); and the SlotTable
helpers the sources share. Imported with a slow source for its fetch and forgotten after it."""

from controller.localtime import DAY_MIN, days_from_civil


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


def _num(t, i, n):
    """The ``n``-digit number at ``t[i]`` (bytes), -1 if it is not one."""
    v = 0
    for k in range(i, i + n):
        c = t[k] - 48 if k < len(t) else -1
        if not 0 <= c <= 9:
            return -1
        v = v * 10 + c
    return v


def parse_date(t):
    """Days since 2000 of "YYYY-MM-DD..." (bytes or str); None if malformed (or neither)."""
    if isinstance(t, str):
        t = t.encode()
    if not isinstance(t, bytes) or len(t) < 10 or t[4] != 45 or t[7] != 45:
        return None
    y, m, d = _num(t, 0, 4), _num(t, 5, 2), _num(t, 8, 2)
    if y < 2000 or not 1 <= m <= 12 or not 1 <= d <= 31:
        return None
    return days_from_civil(y, m, d)


def parse_time(t):
    """Minutes since 2000 UTC of "YYYY-MM-DDTHH:MM[:SS][.fff][Z|+HH:MM|-HH:MM]" (or a space for
    the T; bytes or str); no zone means the time as written. None if malformed. Reads the bytes
    in place: nothing is allocated for a time stamp."""
    day = parse_date(t)
    if isinstance(t, str):
        t = t.encode()
    n = len(t) if day is not None else 0
    if n < 16 or t[10] not in b"T " or t[13] != 58:
        return None
    h, k = _num(t, 11, 2), _num(t, 14, 2)
    if not 0 <= h <= 23 or not 0 <= k <= 59:
        return None
    m = day * DAY_MIN + h * 60 + k
    i = 16
    while i < n and t[i] in b"0123456789:.":  # :SS and fractions
        i += 1
    if i == n or i + 1 == n and t[i] == 90:  # Z
        return m
    if t[i] in b"+-" and i + 6 == n and t[i + 3] == 58:
        off = _num(t, i + 1, 2) * 60 + _num(t, i + 4, 2)
        if _num(t, i + 1, 2) >= 0 and _num(t, i + 4, 2) >= 0:
            return m - off if t[i] == 43 else m + off
    return None


def clear(table):
    """Empty a SlotTable for a new fetch."""
    table.n = 0
    table.version += 1


def sort(table):
    """Order a SlotTable by start time (insertion sort: the sources give sorted or reversed lists)."""
    s, e, v = table.start, table.span, table.value
    for i in range(1, table.n):
        a, b, c = s[i], e[i], v[i]
        j = i - 1
        while j >= 0 and s[j] > a:
            s[j + 1], e[j + 1], v[j + 1] = s[j], e[j], v[j]
            j -= 1
        s[j + 1], e[j + 1], v[j + 1] = a, b, c
    table.version += 1
