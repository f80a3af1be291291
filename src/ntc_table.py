"""NTC thermistor lookup: 8-bit PCF8591 raw value -> temperature.

Circuit: a pull-up resistor from the ADC reference (3.3 V) to the input, the NTC from the
input to ground. A hotter NTC has a lower resistance, so the raw value falls as the
temperature rises. An open NTC pulls the input to the reference (raw near 255); a shorted
one pulls it to ground (raw near 0).

A table is a strictly falling sequence of raw values at evenly spaced temperatures.
Between points the temperature is interpolated linearly. A raw value at or above the first
point is an open circuit and one at or below the last point a short circuit: neither is a
temperature, and ``NtcTable.classify`` says which.

The lookup is integer arithmetic: the points are kept in sixteenths of a raw step (a table
computed from Beta parameters has fractional points) and a temperature comes out in whole
thousandths of a degree (mC, rounded half up), the same on the board's 30-bit floats as on a
PC. The Beta model itself is in ``controller.settings`` (used once, at boot).
"""

from array import array

# The original controller's table: raw values for 0, 10, 20 ... 140 C (NtcTable's default start
# and step; 1 kOhm pull-up to 3.3 V, NTC to ground).
DEFAULT_RAW = (243, 238, 231, 222, 210, 197, 181, 164, 147, 125, 106, 89, 73, 48, 38)

# Results of NtcTable.classify().
RAW_OK = 0
RAW_OPEN = 1
RAW_SHORT = 2


class NtcTable:
    """A raw -> temperature lookup table.

    :param raws: raw ADC values, strictly falling, one per temperature point
    :param start_c: temperature of the first point, degrees C
    :param step_c: spacing of the points, K (positive)
    """

    def __init__(self, raws, start_c=0.0, step_c=10.0):
        if len(raws) < 2:
            raise ValueError("an NTC table needs at least 2 points, got %d" % len(raws))
        if step_c <= 0:
            raise ValueError("NTC table step must be positive, got %r" % step_c)
        for i in range(1, len(raws)):
            if not raws[i] < raws[i - 1]:
                raise ValueError(
                    "NTC table raw values must fall strictly: point %d (%g) is not below point %d (%g)"
                    % (i, raws[i], i - 1, raws[i - 1])
                )
        if raws[0] > 255 or raws[-1] < 0:
            raise ValueError("NTC table raw values must lie within 0..255")
        sixteenths = array("H")
        for raw in raws:
            sixteenths.append(round(raw * 16))
            if len(sixteenths) > 1 and sixteenths[-1] >= sixteenths[-2]:
                raise ValueError("NTC table raw values %g apart: closer than 1/16 of a step" % (raws[0] - raw))
        self.sixteenths = sixteenths
        self.start_mc = round(start_c * 1000)
        self.step_mc = round(step_c * 1000)
        self.min_c = start_c
        self.max_c = start_c + step_c * (len(raws) - 1)

    def classify(self, raw):
        """RAW_OK, RAW_OPEN or RAW_SHORT for a raw reading."""
        r = round(raw * 16)
        if r >= self.sixteenths[0]:
            return RAW_OPEN
        if r <= self.sixteenths[-1]:
            return RAW_SHORT
        return RAW_OK

    def to_mc(self, raw):
        """Thousandths of a degree C (an int) for a raw value strictly inside the table (check
        ``classify`` first). Raises ValueError for a raw value that is an open or short circuit."""
        sixteenths = self.sixteenths
        r = round(raw * 16)
        if r >= sixteenths[0] or r <= sixteenths[-1]:
            raise ValueError("raw %r is outside the NTC table (%g..%g)"
                             % (raw, sixteenths[-1] / 16, sixteenths[0] / 16))
        # Binary search for the segment sixteenths[lo] >= r > sixteenths[lo + 1].
        lo = 0
        hi = len(sixteenths) - 1
        while hi - lo > 1:
            i = (lo + hi) >> 1
            if sixteenths[i] >= r:
                lo = i
            else:
                hi = i
        span = sixteenths[lo] - sixteenths[hi]
        step = self.step_mc
        return self.start_mc + lo * step + ((sixteenths[lo] - r) * step * 2 + span) // (2 * span)

    def to_c(self, raw):
        """Degrees C (a float: for reading) for a raw value strictly inside the table."""
        return self.to_mc(raw) / 1000

    def to_raw(self, temp_c):
        """The (fractional) raw value the table gives for ``temp_c``: the inverse of ``to_c``,
        for simulated sensors. Temperatures outside the table are clamped to its ends."""
        sixteenths = self.sixteenths
        pos = (temp_c * 1000 - self.start_mc) / self.step_mc
        last = len(sixteenths) - 1
        if pos <= 0:
            return sixteenths[0] / 16
        if pos >= last:
            return sixteenths[last] / 16
        i = int(pos)
        return (sixteenths[i] + (sixteenths[i + 1] - sixteenths[i]) * (pos - i)) / 16


def default_table():
    """The original controller's table."""
    return NtcTable(DEFAULT_RAW)
