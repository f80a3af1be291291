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

from controller import const

DAY_MIN = const(1440)
EPOCH_2000_S = 946684800  # Unix seconds at 2000-01-01T00:00Z

# The cache: rule, standard offset, first and last minute of the cached UTC year, summer time start, end
_c = [None, 0, 0, -1, 0, 0]


def days_from_civil(y, m, d):
    """Days since 2000-01-01 of a proleptic Gregorian date."""
    if m <= 2:
        y -= 1
    # (short local names: each distinct name is a string the board keeps)
    e = y // 400  # the era
    y -= e * 400  # the year of the era
    d += (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 - 1  # the day of the year
    return e * 146097 + y * 365 + y // 4 - y // 100 + d - 730425


def offset_min(rule, off, utc_min):
    """Local time minus UTC, minutes, at ``utc_min`` (minutes since 2000 UTC); ``off``: the
    standard time's offset."""
    if rule == "none":
        return off
    c = _c
    if c[0] != rule or c[1] != off or not c[2] <= utc_min <= c[3]:
        y = 2000 + utc_min // 525960  # 365.25 days: right but near New Year, fixed below
        first = days_from_civil(y, 1, 1) * DAY_MIN
        if utc_min < first:
            y -= 1
        elif utc_min >= days_from_civil(y + 1, 1, 1) * DAY_MIN:
            y += 1
        c[0], c[1] = rule, off
        c[2], c[3] = days_from_civil(y, 1, 1) * DAY_MIN, days_from_civil(y + 1, 1, 1) * DAY_MIN - 1
        # the year's summer time start and end, minutes since 2000 UTC: the Sunday on or after a
        # date (2000-01-01, day 0, was a Saturday), at 02:00 local standard time and 01:00
        # standard (02:00 summer) for "us", else 01:00 UTC
        i = 4
        for m, d, t in ((3, 8, 120 - off), (11, 1, 60 - off)) if rule == "us" else ((3, 25, 60), (10, 25, 60)):
            d = days_from_civil(y, m, d)
            c[i] = (d + (1 - d) % 7) * DAY_MIN + t
            i += 1
    return off + 60 if c[4] <= utc_min < c[5] else off


def offset_at(settings, utc_min):
    """Local time minus UTC, minutes, at ``utc_min``, by TIME_ZONE_RULE and TIME_UTC_OFFSET_MIN.

    A settings.toml written before summer time existed sets SCREEN_UTC_OFFSET_MIN instead: it
    keeps its old meaning (that offset, no summer time) unless TIME_ZONE_RULE is set to
    something other than "uk" (whose standard time is UTC, so it cannot be what was meant)."""
    rule = settings.time_zone_rule
    off = settings.time_utc_offset_min
    if not off and settings.screen_utc_offset_min:
        off = settings.screen_utc_offset_min
        if rule == "uk":
            rule = "none"
    return offset_min(rule, off, utc_min)


def epoch_offset_min(settings, epoch_s):
    """Local time minus UTC, minutes, at the Unix time ``epoch_s`` (the counters' day)."""
    return offset_at(settings, (int(epoch_s) - EPOCH_2000_S) // 60)


def local_min(settings, epoch_s):
    """Local minutes since 2000 of a Unix time (``% DAY_MIN`` is the time of day). (Minutes
    since 2000 UTC of Unix seconds: ``(int(epoch_s) - EPOCH_2000_S) // 60``, written where used.)"""
    utc_min = (int(epoch_s) - EPOCH_2000_S) // 60
    return utc_min + offset_at(settings, utc_min)
