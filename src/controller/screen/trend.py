"""A fixed-size history for the trend page: one point per ``period_s`` (mean of what was fed
during it) of collector, tank and ambient temperature and pump duty, for ``points`` periods.

Memory is allocated once: three ``array('h')`` of tenths of a degree and a ``bytearray`` of
duty percent, 7 bytes a point (288 points = 24 h at 5 min: 2 KB). A period with no reading of
a series stores NONE for it; periods skipped entirely (the feeder stalled) become gaps.
"""

from array import array

NONE = -32768  # no reading in this period (temperatures)
NO_DUTY = 255  # no reading in this period (duty)
SERIES = ("collector", "tank", "ambient")


def _filled(points):
    a = array("h")
    for _ in range(points):
        a.append(NONE)
    return a


class Trend:
    """:param points: periods kept; :param period_s: seconds per point"""

    def __init__(self, points=288, period_s=300):
        self.points = points
        self.period_s = period_s
        self.collector = _filled(points)
        self.tank = _filled(points)
        self.ambient = _filled(points)
        self.duty = bytearray(NO_DUTY for _ in range(points))
        self.head = 0  # index the next point goes to
        self.count = 0  # points stored (up to ``points``)
        self.version = 0  # bumped for every stored point: the page redraws on a change
        self.slot = None  # period number being accumulated
        self._sum = [0, 0, 0, 0]
        self._n = [0, 0, 0, 0]

    def add(self, now_s, collector_c, tank_c, ambient_c, duty_pct):
        """Feed one reading (any rate); None for a temperature that has none.

        :param now_s: monotonic seconds (int)
        """
        slot = now_s // self.period_s
        if self.slot is None:
            self.slot = slot
        elif slot != self.slot:
            self._commit()
            gap = slot - self.slot - 1
            if gap > self.points:
                gap = self.points
            for _ in range(gap):
                self._commit()
            self.slot = slot
        s = self._sum
        n = self._n
        i = 0
        for value in (collector_c, tank_c, ambient_c):
            if value is not None:
                s[i] += int(value * 10 + (0.5 if value >= 0 else -0.5))
                n[i] += 1
            i += 1
        s[3] += duty_pct
        n[3] += 1

    def _commit(self):
        """Store the mean of the period being accumulated (NONE where nothing came)."""
        s = self._sum
        n = self._n
        h = self.head
        for i, series in ((0, self.collector), (1, self.tank), (2, self.ambient)):
            if n[i]:
                v = s[i] // n[i]
                series[h] = -32767 if v < -32767 else (32767 if v > 32767 else v)
            else:
                series[h] = NONE
        self.duty[h] = (s[3] + n[3] // 2) // n[3] if n[3] else NO_DUTY
        for i in range(4):
            s[i] = 0
            n[i] = 0
        self.head = (h + 1) % self.points
        if self.count < self.points:
            self.count += 1
        self.version += 1

    def index(self, age):
        """Buffer index of the point ``age`` periods back from the newest (age 0)."""
        return (self.head - 1 - age) % self.points

    def range_c(self, span):
        """(low_c, high_c) of the temperatures among the newest ``span`` points, whole
        tens around them at least 20 K apart; (10, 30) with no data."""
        lo = 32767
        hi = -32767
        for age in range(min(span, self.count)):
            i = self.index(age)
            for series in (self.collector, self.tank, self.ambient):
                v = series[i]
                if v != NONE:
                    if v < lo:
                        lo = v
                    if v > hi:
                        hi = v
        if lo > hi:
            return 10, 30
        low = (lo // 100) * 10
        high = -((-hi) // 100) * 10
        if high - low < 20:
            high = low + 20
        return low, high
