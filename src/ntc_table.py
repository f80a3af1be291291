"""NTC thermistor lookup: 8-bit PCF8591 raw value <-> degrees C.

Circuit: a pull-up resistor from the ADC reference (3.3 V) to the input, the NTC from the
input to ground. A hotter NTC has a lower resistance, so the raw value falls as the
temperature rises. An open NTC pulls the input to the reference (raw near 255); a shorted
one pulls it to ground (raw near 0).

A table is a strictly falling sequence of raw values at evenly spaced temperatures.
Between points the temperature is interpolated linearly. A raw value at or above the first
point is an open circuit and one at or below the last point a short circuit: neither is a
temperature, and ``NtcTable.classify`` says which.
"""

import math

# The original controller's table: raw values for 0, 10, 20 ... 140 C
# (1 kOhm pull-up to 3.3 V, NTC to ground).
DEFAULT_RAW = (243, 238, 231, 222, 210, 197, 181, 164, 147, 125, 106, 89, 73, 48, 38)
DEFAULT_START_C = 0.0
DEFAULT_STEP_C = 10.0

# Results of NtcTable.classify().
RAW_OK = 0
RAW_OPEN = 1
RAW_SHORT = 2

# Range of a table computed from Beta parameters: wide enough for frost and stagnation.
BETA_START_C = -30.0
BETA_STEP_C = 10.0
BETA_POINTS = 19  # -30 ... 150 C
ADC_FULL_SCALE = 256.0  # PCF8591: raw = Vin / Vref * 256, clipped to 255
KELVIN_OFFSET = 273.15


class NtcTable:
    """A raw -> degrees C lookup table.

    :param raws: raw ADC values, strictly falling, one per temperature point
    :param start_c: temperature of the first point, degrees C
    :param step_c: spacing of the points, K (positive)
    """

    def __init__(self, raws, start_c=DEFAULT_START_C, step_c=DEFAULT_STEP_C):
        raws = tuple(float(r) for r in raws)
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
        self.raws = raws
        self.start_c = float(start_c)
        self.step_c = float(step_c)

    @property
    def open_raw(self):
        """Raw values at or above this are an open circuit."""
        return self.raws[0]

    @property
    def short_raw(self):
        """Raw values at or below this are a short circuit."""
        return self.raws[-1]

    @property
    def min_c(self):
        return self.start_c

    @property
    def max_c(self):
        return self.start_c + self.step_c * (len(self.raws) - 1)

    def classify(self, raw):
        """RAW_OK, RAW_OPEN or RAW_SHORT for a raw reading."""
        if raw >= self.raws[0]:
            return RAW_OPEN
        if raw <= self.raws[-1]:
            return RAW_SHORT
        return RAW_OK

    def to_c(self, raw):
        """Degrees C for a raw value strictly inside the table (check ``classify`` first).

        Raises ValueError for a raw value that is an open or short circuit.
        """
        raws = self.raws
        if raw >= raws[0] or raw <= raws[-1]:
            raise ValueError("raw %r is outside the NTC table (%g..%g)" % (raw, raws[-1], raws[0]))
        # Binary search for the segment raws[i] >= raw > raws[i + 1].
        lo = 0
        hi = len(raws) - 1
        while hi - lo > 1:
            mid = (lo + hi) >> 1
            if raws[mid] >= raw:
                lo = mid
            else:
                hi = mid
        frac = (raws[lo] - raw) / (raws[lo] - raws[hi])
        return self.start_c + (lo + frac) * self.step_c

    def to_raw(self, temp_c):
        """The (fractional) raw value the table gives for ``temp_c``: the inverse of ``to_c``.

        Temperatures outside the table are clamped to its ends.
        """
        pos = (temp_c - self.start_c) / self.step_c
        last = len(self.raws) - 1
        if pos <= 0:
            return self.raws[0]
        if pos >= last:
            return self.raws[last]
        i = int(pos)
        frac = pos - i
        return self.raws[i] + (self.raws[i + 1] - self.raws[i]) * frac


def beta_raw(temp_c, r25_ohm, beta_k, series_ohm):
    """Raw value (fractional, unclipped) a Beta-model NTC gives at ``temp_c``.

    :param r25_ohm: NTC resistance at 25 C, ohms
    :param beta_k: Beta constant, K
    :param series_ohm: pull-up resistor to the reference, ohms
    """
    t_k = temp_c + KELVIN_OFFSET
    r_ohm = r25_ohm * math.exp(beta_k * (1.0 / t_k - 1.0 / (25.0 + KELVIN_OFFSET)))
    return ADC_FULL_SCALE * r_ohm / (r_ohm + series_ohm)


def table_from_beta(r25_ohm, beta_k, series_ohm, start_c=BETA_START_C, step_c=BETA_STEP_C,
                    points=BETA_POINTS):
    """An NtcTable computed from Beta parameters (see ``beta_raw``).

    Points whose raw value would clip at the ADC's ends are dropped, so the table only
    spans temperatures the divider can resolve.
    """
    if r25_ohm <= 0 or beta_k <= 0 or series_ohm <= 0:
        raise ValueError("NTC Beta parameters must be positive")
    raws = []
    first_c = None
    for i in range(points):
        temp_c = start_c + i * step_c
        raw = beta_raw(temp_c, r25_ohm, beta_k, series_ohm)
        if raw >= 255.0:
            continue  # too cold for this divider: still an open circuit
        if raw <= 1.0:
            break  # too hot: indistinguishable from a short
        if first_c is None:
            first_c = temp_c
        raws.append(raw)
    if first_c is None or len(raws) < 2:
        raise ValueError("these NTC Beta parameters give no usable range on an 8-bit ADC")
    return NtcTable(raws, first_c, step_c)


def default_table():
    """The original controller's table."""
    return NtcTable(DEFAULT_RAW, DEFAULT_START_C, DEFAULT_STEP_C)
