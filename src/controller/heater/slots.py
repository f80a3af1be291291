"""Time stamps as minutes since 2000-01-01 UTC (small ints on the board, where Unix seconds
are not), UK summer time, and ``SlotTable``: values (prices in millipence, grams of CO2 per
kWh, watt-hours) over time intervals, in preallocated arrays."""

from array import array

EPOCH_2000_S = 946684800  # Unix seconds at 2000-01-01T00:00Z
DAY_MIN = 1440
TZ = "uk"  # Agile is a UK tariff: windows and Forecast.Solar times are UK local time


def days_from_civil(y, m, d):
    """Days since 2000-01-01 of a proleptic Gregorian date."""
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 730425


def _last_sunday_min(y, m):
    d31 = days_from_civil(y, m, 31)
    return (d31 - (d31 + 5 - 6) % 7) * DAY_MIN  # 2000-01-01 was a Saturday


def utc_offset_min(tz, utc_min):
    """Local time minus UTC in minutes: 0 for "utc", 60 in British Summer Time for "uk"."""
    if tz != "uk":
        return 0
    y = 2000 + (utc_min // DAY_MIN * 400) // 146097
    if days_from_civil(y + 1, 1, 1) * DAY_MIN <= utc_min:
        y += 1
    elif days_from_civil(y, 1, 1) * DAY_MIN > utc_min:
        y -= 1
    if _last_sunday_min(y, 3) + 60 <= utc_min < _last_sunday_min(y, 10) + 60:
        return 60
    return 0


def hhmm(local_min):
    """"HH:MM" of a time in minutes."""
    m = local_min % DAY_MIN
    return "%02d:%02d" % (m // 60, m % 60)


class SlotTable:
    """Up to ``cap`` intervals [start, end) in minutes since 2000 with an int value each.

    ``version`` counts changes, so callers can cache what they derive from a table.
    """

    def __init__(self, cap):
        self.cap = cap
        self.start = array("i", [0] * cap)
        self.end = array("i", [0] * cap)
        self.value = array("i", [0] * cap)
        self.n = 0
        self.dropped = 0
        self.version = 0

    def clear(self):
        self.n = 0
        self.dropped = 0
        self.version += 1

    def add(self, start_min, end_min, value):
        """Append one interval (False, and counted in ``dropped``, when full or empty)."""
        if self.n >= self.cap or end_min <= start_min:
            self.dropped += 1
            return False
        self.start[self.n] = start_min
        self.end[self.n] = end_min
        self.value[self.n] = value
        self.n += 1
        self.version += 1
        return True

    def sort(self):
        """Order by start time (insertion sort: the sources give sorted or reversed lists)."""
        s, e, v = self.start, self.end, self.value
        for i in range(1, self.n):
            ks, ke, kv = s[i], e[i], v[i]
            j = i - 1
            while j >= 0 and s[j] > ks:
                s[j + 1], e[j + 1], v[j + 1] = s[j], e[j], v[j]
                j -= 1
            s[j + 1], e[j + 1], v[j + 1] = ks, ke, kv
        self.version += 1

    def find(self, t_min):
        """Index of the interval holding ``t_min``; -1 if none."""
        for i in range(self.n):
            if self.start[i] <= t_min < self.end[i]:
                return i
        return -1

    def last_end(self):
        """End of the latest interval (minutes since 2000), or -1 when empty."""
        last = -1
        for i in range(self.n):
            if self.end[i] > last:
                last = self.end[i]
        return last


class Forecast:
    """A PV forecast (Forecast.Solar): Wh per day, and Wh per period (interval ending at each
    time stamp) for the remaining-today figure. Times UTC minutes since 2000."""

    def __init__(self, cap=100):
        self.days = SlotTable(8)
        self.periods = SlotTable(cap)

    def clear(self):
        self.days.clear()
        self.periods.clear()

    def day_kwh(self, day):
        """Forecast kWh of the day ``day`` (days since 2000, local date); None if unknown."""
        i = self.days.find(day * DAY_MIN)
        return None if i < 0 else self.days.value[i] / 1000

    def remaining_kwh(self, now_utc):
        """kWh still to come today after ``now_utc``; None without periods covering now."""
        p = self.periods
        if p.n == 0 or p.last_end() <= now_utc - DAY_MIN:
            return None
        wh = 0
        day_end = (now_utc // DAY_MIN + 1) * DAY_MIN
        for i in range(p.n):
            if p.end[i] > now_utc and p.start[i] < day_end:
                wh += p.value[i]
        return wh / 1000
