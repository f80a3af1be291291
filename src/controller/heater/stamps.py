"""Text time stamps of the web sources: parsing ISO 8601 and writing it for URLs, in minutes since
2000 UTC (``slots``). Loaded with the slow sources and dropped after their fetch."""

from controller.heater.slots import DAY_MIN, days_from_civil, hhmm


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
    return "%04d-%02d-%02dT%sZ" % (y, m, d, hhmm(t_min))


def _num(buf, i, n):
    v = 0
    for k in range(i, i + n):
        c = buf[k] - 48
        if c < 0 or c > 9:
            return -1
        v = v * 10 + c
    return v


def parse_date(buf, n):
    """Days since 2000 of "YYYY-MM-DD..." in ``buf[:n]``; None if malformed."""
    if n < 10 or buf[4] != 45 or buf[7] != 45:
        return None
    y = _num(buf, 0, 4)
    mo = _num(buf, 5, 2)
    d = _num(buf, 8, 2)
    if y < 2000 or not 1 <= mo <= 12 or not 1 <= d <= 31:
        return None
    return days_from_civil(y, mo, d)


def parse_time(buf, n):
    """Minutes since 2000 of "YYYY-MM-DDTHH:MM[:SS][.fff][Z|+HH:MM|-HH:MM]" (or a space for T)
    in ``buf[:n]``; no zone means the time as written. None if malformed."""
    day = parse_date(buf, n)
    if day is None or n < 16 or buf[10] not in (84, 32) or buf[13] != 58:
        return None
    h = _num(buf, 11, 2)
    mi = _num(buf, 14, 2)
    if not 0 <= h <= 23 or not 0 <= mi <= 59:
        return None
    t = day * DAY_MIN + h * 60 + mi
    i = 16
    while i < n and (48 <= buf[i] <= 58 or buf[i] == 46):  # :SS and fractions
        i += 1
    if i == n or buf[i] == 90:
        return t
    if buf[i] in (43, 45) and i + 6 == n and buf[i + 3] == 58:
        off = _num(buf, i + 1, 2) * 60 + _num(buf, i + 4, 2)
        return t - off if buf[i] == 43 else t + off
    return None
