"""Local time, with summer time, for the screen clock, the counters' "today" and the heater's
windows: UTC + TIME_UTC_OFFSET_MIN (standard time) + 60 minutes while TIME_ZONE_RULE's summer
time is on.

Instants are minutes since 2000-01-01 00:00 UTC (``utc_min``): small ints on the board, where
Unix seconds are not. The rules:

- ``"none"``: no summer time.
- ``"uk"`` and ``"eu"``: from the last Sunday of March to the last Sunday of October, both
  switches at 01:00 UTC (the EU rule since 1996; the UK's is the same instants). ``"uk"`` is
  the same rule with the UK's standard offset 0 in mind.
- ``"us"``: from the second Sunday of March, 02:00 local standard time, to the first Sunday of
  November, 02:00 local summer time (01:00 standard), as since 2007.

The year's two switch instants are cached, so a call costs a comparison most of the time.
"""

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


DAY_MIN = const(1440)
EPOCH_2000_S = 946684800  # Unix seconds at 2000-01-01T00:00Z

# rule, standard offset, first and last minute of the cached UTC year, summer time start, end
_cache = [None, 0, 0, -1, 0, 0]


def days_from_civil(y, m, d):
    """Days since 2000-01-01 of a proleptic Gregorian date."""
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 730425


def _sunday_on_or_after(day):
    return day + (1 - day) % 7  # 2000-01-01 (day 0) was a Saturday


def _switches(rule, std, y):
    """(start, end) of summer time in year ``y``, minutes since 2000 UTC."""
    if rule == "us":
        start = _sunday_on_or_after(days_from_civil(y, 3, 8)) * DAY_MIN + 120 - std
        return start, _sunday_on_or_after(days_from_civil(y, 11, 1)) * DAY_MIN + 60 - std
    return (_sunday_on_or_after(days_from_civil(y, 3, 25)) * DAY_MIN + 60,
            _sunday_on_or_after(days_from_civil(y, 10, 25)) * DAY_MIN + 60)


def offset_min(rule, std, utc_min):
    """Local time minus UTC, minutes, at ``utc_min`` (minutes since 2000 UTC)."""
    if rule == "none":
        return std
    c = _cache
    if c[0] != rule or c[1] != std or not c[2] <= utc_min <= c[3]:
        y = 2000 + utc_min // 525960  # 365.25 days: right but near New Year, fixed below
        first = days_from_civil(y, 1, 1) * DAY_MIN
        if utc_min < first:
            y -= 1
        elif utc_min >= days_from_civil(y + 1, 1, 1) * DAY_MIN:
            y += 1
        c[0], c[1] = rule, std
        c[2], c[3] = days_from_civil(y, 1, 1) * DAY_MIN, days_from_civil(y + 1, 1, 1) * DAY_MIN - 1
        c[4], c[5] = _switches(rule, std, y)
    return std + 60 if c[4] <= utc_min < c[5] else std


def offset_at(settings, utc_min):
    """Local time minus UTC, minutes, at ``utc_min``, by TIME_ZONE_RULE and TIME_UTC_OFFSET_MIN.

    A settings.toml written before summer time existed sets SCREEN_UTC_OFFSET_MIN instead: it
    keeps its old meaning (that offset, no summer time) unless TIME_ZONE_RULE is set to
    something other than "uk" (whose standard time is UTC, so it cannot be what was meant)."""
    rule = settings.time_zone_rule
    std = settings.time_utc_offset_min
    if not std and settings.screen_utc_offset_min:
        std = settings.screen_utc_offset_min
        if rule == "uk":
            rule = "none"
    return offset_min(rule, std, utc_min)


def utc_min_of(epoch_s):
    """Minutes since 2000 UTC of a Unix time in seconds."""
    return (int(epoch_s) - EPOCH_2000_S) // 60


def epoch_offset_min(settings, epoch_s):
    """Local time minus UTC, minutes, at the Unix time ``epoch_s`` (the counters' day)."""
    return offset_at(settings, utc_min_of(epoch_s))


def local_min(settings, epoch_s):
    """Local minutes since 2000 of a Unix time (``% DAY_MIN`` is the time of day)."""
    utc = utc_min_of(epoch_s)
    return utc + offset_at(settings, utc)
