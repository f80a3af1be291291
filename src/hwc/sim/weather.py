"""Weather for the plant simulator: irradiance on the collector plane and outdoor air temperature.

A :class:`Weather` holds samples of plane-of-array irradiance (``poa``, W/m2, on the collector
plane), global horizontal irradiance (``ghi``, W/m2, informational) and ambient air temperature
(C) at times ``t_s`` = seconds since midnight at the start of the first simulated day. Values in
between are interpolated linearly. The data repeat with a period of ``days`` whole days, so a
one-day weather can drive a week-long run.

Clock: TMY data are in local *standard* time of the station (no daylight saving); clear-sky and
CSV data without a UTC offset use local *mean solar* time (UTC offset = longitude / 15 h).
``Weather.solar_noon_s(day)`` gives solar noon on that clock.

All pvlib work is done once at construction. :meth:`Weather.default` and :meth:`Weather.from_csv`
with a ``poa_w_m2`` column do not import pvlib at all.

Sources:

* :meth:`Weather.from_tmy` -- the typical-meteorological-year files shipped inside pvlib's package
  data (see :data:`LOCATIONS`), transposed to the tilted plane with pvlib (Hay-Davies).
* :meth:`Weather.clear_sky` -- pvlib clear sky (Ineichen or simplified Solis) plus a sinusoidal
  ambient temperature.
* :meth:`Weather.from_csv` -- a user CSV (``timestamp``, ``poa_w_m2`` or ``ghi_w_m2``,
  ``ambient_c``).
* :meth:`Weather.default` -- the bundled sunny summer day ``hwc/data/default_day.csv``.
* :meth:`Weather.constant` / :meth:`Weather.from_samples` -- synthetic weather for tests.
* :func:`representative_days` / :func:`monthly_weathers` -- 12 days (one per month) for benchmarks.
"""

import bisect
import csv
import math
import os
from datetime import datetime, timedelta

DAY_S = 86400.0
HOUR_S = 3600.0

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
DEFAULT_DAY_CSV = os.path.join(DATA_DIR, "default_day.csv")

# Bundled TMY locations: name -> (file in pvlib's data directory, reader, description).
LOCATIONS = {
    "greensboro": ("723170TYA.CSV", "tmy3", "Greensboro NC, USA (TMY3): sunny, warm summers"),
    "sand_point": ("703165TY.csv", "tmy3", "Sand Point AK, USA (TMY3): cold, cloudy, frost"),
    "miami": ("12839.tm2", "tmy2", "Miami FL, USA (TMY2): subtropical, hot and humid"),
}
LOCATION_ALIASES = {"sunny": "greensboro", "cold": "sand_point", "cloudy": "sand_point"}

ALBEDO = 0.2
TRANSPOSITION = "haydavies"

CSV_TIME = "timestamp"
CSV_POA = "poa_w_m2"
CSV_GHI = "ghi_w_m2"
CSV_AMBIENT = "ambient_c"

_MONTH_FIRST_DOY = (1, 32, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366)  # non-leap


class WeatherError(ValueError):
    """A weather source could not be read; the message says where and why."""


def equator_azimuth(latitude):
    """Collector azimuth (deg, pvlib convention: 180 = south) facing the equator."""
    return 180.0 if latitude >= 0 else 0.0


def equation_of_time_min(day_of_year, hour=12.0):
    """Equation of time in minutes (NOAA / Spencer approximation, +-0.5 min)."""
    g = 2.0 * math.pi / 365.0 * (day_of_year - 1 + (hour - 12.0) / 24.0)
    return 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g)
                     - 0.014615 * math.cos(2 * g) - 0.040849 * math.sin(2 * g))


def month_of_day(day_of_year):
    """Month 1..12 of a (non-leap) day of year 1..365."""
    return bisect.bisect_right(_MONTH_FIRST_DOY, day_of_year)


def day_of_year_of(month, day=15):
    """Day of year (non-leap) of a month/day."""
    return _MONTH_FIRST_DOY[month - 1] + day - 1


class Weather:
    """Irradiance and ambient temperature as functions of simulated time.

    :param times_s: sample times, seconds since midnight of the first day, strictly increasing
    :param poa_w_m2: irradiance on the collector plane at those times
    :param ambient_c: outdoor air temperature at those times
    :param ghi_w_m2: global horizontal irradiance (optional, informational)
    :param days: length of the data in whole days; the data repeat with this period
    :param meta: dict of descriptive metadata (name, latitude, longitude, tilt, azimuth,
        utc_offset_h, first_day_of_year ...)
    """

    def __init__(self, times_s, poa_w_m2, ambient_c, ghi_w_m2=None, days=None, meta=None):
        times = [float(t) for t in times_s]
        poa = [max(0.0, float(v)) for v in poa_w_m2]
        amb = [float(v) for v in ambient_c]
        ghi = [max(0.0, float(v)) for v in ghi_w_m2] if ghi_w_m2 is not None else list(poa)
        n = len(times)
        if n == 0 or len(poa) != n or len(amb) != n or len(ghi) != n:
            raise WeatherError("weather samples must be non-empty and of equal length")
        for i in range(1, n):
            if not times[i] > times[i - 1]:
                raise WeatherError("weather sample times must increase strictly (sample %d)" % i)
        if days is None:
            days = max(1, int(math.ceil(times[-1] / DAY_S - 1e-9)))
        period = days * DAY_S
        if times[0] < 0 or times[-1] > period:
            raise WeatherError("weather samples must lie within [0, %g] s" % period)
        self.days = int(days)
        self.period_s = period
        self.meta = dict(meta or {})
        self._raw = (times, poa, ghi, amb)
        # Extend by one wrapped sample at each end so every t in [0, period) is bracketed.
        if times[0] > 0.0 or n == 1:
            times = [times[-1] - period] + times
            poa = [poa[-1]] + poa
            ghi = [ghi[-1]] + ghi
            amb = [amb[-1]] + amb
        if times[-1] < period:
            j = 1 if times[0] < 0.0 else 0
            times = times + [times[j] + period]
            poa = poa + [poa[j]]
            ghi = ghi + [ghi[j]]
            amb = amb + [amb[j]]
        self._t = times
        self._poa = poa
        self._ghi = ghi
        self._amb = amb
        m = len(times) - 1
        self._inv = [1.0 / (times[i + 1] - times[i]) for i in range(m)]
        self._dpoa = [poa[i + 1] - poa[i] for i in range(m)]
        self._dghi = [ghi[i + 1] - ghi[i] for i in range(m)]
        self._damb = [amb[i + 1] - amb[i] for i in range(m)]
        self._last = m - 1
        self._i = 0

    # ---- metadata -----------------------------------------------------------------------------
    @property
    def name(self):
        return self.meta.get("name", "weather")

    @property
    def latitude(self):
        return self.meta.get("latitude")

    @property
    def longitude(self):
        return self.meta.get("longitude")

    def __repr__(self):
        return "Weather(%r, days=%d, samples=%d)" % (self.name, self.days, len(self._raw[0]))

    # ---- lookup (hot path) --------------------------------------------------------------------
    def _seg(self, t):
        """Wrap ``t`` into the period; return (segment index, fraction)."""
        if t < 0.0 or t >= self.period_s:
            t = t % self.period_s
        ts = self._t
        i = self._i
        if not (ts[i] <= t < ts[i + 1]):
            i = bisect.bisect_right(ts, t) - 1
            if i < 0:
                i = 0
            elif i > self._last:
                i = self._last
            self._i = i
        return i, (t - ts[i]) * self._inv[i]

    def at(self, t_s):
        """(plane irradiance W/m2, ambient C) at ``t_s``."""
        if t_s < 0.0 or t_s >= self.period_s:
            t_s = t_s % self.period_s
        ts = self._t
        i = self._i
        if not (ts[i] <= t_s < ts[i + 1]):
            i = bisect.bisect_right(ts, t_s) - 1
            if i < 0:
                i = 0
            elif i > self._last:
                i = self._last
            self._i = i
        f = (t_s - ts[i]) * self._inv[i]
        return self._poa[i] + f * self._dpoa[i], self._amb[i] + f * self._damb[i]

    def table(self):
        """(rows, period_s) for the plant's compiled kernel: a float64 array whose rows are the
        sample times (wrap-around samples included), plane irradiance, ambient, the increments
        of both to the next sample and the inverse segment lengths (the last column padded)."""
        import numpy as np

        if getattr(self, "_table", None) is None:
            m = len(self._t)
            rows = np.zeros((6, m))
            rows[0] = self._t
            rows[1] = self._poa
            rows[2] = self._amb
            rows[3, :m - 1] = self._dpoa
            rows[4, :m - 1] = self._damb
            rows[5, :m - 1] = self._inv
            self._table = rows
        return self._table, self.period_s

    def poa(self, t_s):
        """Irradiance on the collector plane, W/m2."""
        return self.at(t_s)[0]

    def ambient(self, t_s):
        """Outdoor air temperature, C."""
        return self.at(t_s)[1]

    def ghi(self, t_s):
        """Global horizontal irradiance, W/m2 (equals poa for synthetic weather without ghi)."""
        i, f = self._seg(t_s)
        return self._ghi[i] + f * self._dghi[i]

    # ---- summaries ----------------------------------------------------------------------------
    def samples(self):
        """List of (t_s, poa, ghi, ambient) as given (without the wrap-around samples)."""
        return list(zip(*self._raw))

    def days_slice(self, first_day, n_days):
        """A new Weather of the ``n_days`` whole days from day ``first_day`` (0-based) of this one
        (wrapping around its period), sampled as given; metadata kept, ``first_day_of_year``
        moved on."""
        times, poa, ghi, amb = self._raw
        out = ([], [], [], [])
        for k in range(n_days):
            day = (first_day + k) % self.days
            lo, hi = day * DAY_S, (day + 1) * DAY_S
            for t, p, g, a in zip(times, poa, ghi, amb):
                if lo <= t < hi:
                    for lst, v in zip(out, (t - lo + k * DAY_S, p, g, a)):
                        lst.append(v)
        if not out[0]:
            raise WeatherError("no weather samples in days %d..%d" % (first_day, first_day + n_days - 1))
        meta = dict(self.meta)
        if "first_day_of_year" in meta:
            meta["first_day_of_year"] = (int(meta["first_day_of_year"]) - 1 + first_day) % 365 + 1
        return Weather(out[0], out[1], out[3], ghi_w_m2=out[2], days=n_days, meta=meta)

    @classmethod
    def concat(cls, parts, name=None):
        """One Weather running through ``parts`` (Weathers of whole days) one after another."""
        times, poa, ghi, amb = [], [], [], []
        day = 0
        for w in parts:
            for t, p, g, a in w.samples():
                times.append(t + day * DAY_S)
                poa.append(p)
                ghi.append(g)
                amb.append(a)
            day += w.days
        meta = dict(parts[0].meta)
        if name is not None:
            meta["name"] = name
        return cls(times, poa, amb, ghi_w_m2=ghi, days=day, meta=meta)

    def daily_poa_kwh_m2(self, step_s=60.0):
        """Mean daily plane irradiation, kWh/m2 (integrated from the interpolated profile)."""
        n = int(self.period_s / step_s)
        total = sum(self.at((k + 0.5) * step_s)[0] for k in range(n)) * step_s
        return total / 3.6e6 / self.days

    def solar_noon_s(self, day=0):
        """Solar noon of simulated day ``day`` (0-based) on this weather's clock, s since start.

        Needs ``longitude`` in the metadata; uses ``utc_offset_h`` (default longitude / 15,
        i.e. local mean solar time) and ``first_day_of_year`` (default 172).
        """
        lon = self.longitude
        if lon is None:
            return day * DAY_S + 12 * HOUR_S
        offset_h = self.meta.get("utc_offset_h")
        if offset_h is None:
            offset_h = lon / 15.0
        doy = (int(self.meta.get("first_day_of_year", 172)) - 1 + day) % 365 + 1
        noon_min = 720.0 - 4.0 * lon - equation_of_time_min(doy) + 60.0 * offset_h
        return day * DAY_S + noon_min * 60.0

    def to_csv(self, path, comment=None):
        """Write the samples in the ``from_csv`` format (timestamp, poa_w_m2, ghi_w_m2, ambient_c).

        Timestamps are written as naive local times on 2001-01-01 + (first_day_of_year - 1) days.
        Metadata go into ``# key: value`` comment lines.
        """
        doy = int(self.meta.get("first_day_of_year", 1))
        base = datetime(2001, 1, 1) + timedelta(days=doy - 1)
        with open(path, "w", newline="") as f:
            if comment:
                for line in comment.splitlines():
                    f.write("# %s\n" % line)
            for key in sorted(self.meta):
                f.write("# %s: %s\n" % (key, self.meta[key]))
            w = csv.writer(f, lineterminator="\n")
            w.writerow([CSV_TIME, CSV_POA, CSV_GHI, CSV_AMBIENT])
            for t, poa, ghi, amb in self.samples():
                stamp = (base + timedelta(seconds=t)).isoformat(timespec="seconds")
                w.writerow([stamp, "%.1f" % poa, "%.1f" % ghi, "%.2f" % amb])

    # ---- constructors -------------------------------------------------------------------------
    @classmethod
    def from_samples(cls, times_s, poa_w_m2, ambient_c, ghi_w_m2=None, days=None, **meta):
        return cls(times_s, poa_w_m2, ambient_c, ghi_w_m2=ghi_w_m2, days=days, meta=meta)

    @classmethod
    def constant(cls, poa_w_m2, ambient_c, name="constant"):
        """Constant irradiance and ambient for all time (for tests)."""
        return cls([0.0], [poa_w_m2], [ambient_c], days=1, meta={"name": name})

    @classmethod
    def default(cls):
        """The bundled sunny summer day (no pvlib needed)."""
        return cls.from_csv(DEFAULT_DAY_CSV)

    @classmethod
    def from_csv(cls, path, latitude=None, longitude=None, tilt=None, azimuth=None,
                 utc_offset_h=None, transposition=TRANSPOSITION, albedo=ALBEDO):
        """Read a weather CSV.

        Columns (header row required, any order, extra columns ignored):

        * ``timestamp`` -- ISO 8601 (``2024-06-21T12:00:00``, optional ``+02:00`` offset); times
          are measured from midnight of the first row's date. The file should cover whole days;
          the data repeat after the last whole day.
        * ``poa_w_m2`` -- irradiance on the collector plane, W/m2; or ``ghi_w_m2`` -- global
          horizontal irradiance, which is then split (Erbs) and transposed with pvlib, needing
          ``latitude`` and ``longitude`` (``tilt`` defaults to |latitude|, ``azimuth`` to the
          equator). If both are present ``poa_w_m2`` is used.
        * ``ambient_c`` -- outdoor air temperature, C.

        Lines starting with ``#`` are comments; ``# key: value`` comments before the header are
        metadata (latitude, longitude, tilt, azimuth, utc_offset_h, name ...) and act as defaults
        for the arguments.
        """
        meta = {"name": os.path.splitext(os.path.basename(path))[0], "source": path}
        try:
            f = open(path, newline="")
        except OSError as e:
            raise WeatherError("%s: cannot open: %s" % (path, e)) from None
        with f:
            lines = f.read().splitlines()
        header = None
        rows = []
        for lineno, line in enumerate(lines, 1):
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                body = stripped.lstrip("#").strip()
                if header is None and ":" in body:
                    key, _, value = body.partition(":")
                    key = key.strip()
                    if key and " " not in key:
                        meta[key] = _meta_value(value.strip())
                continue
            cells = [c.strip() for c in next(csv.reader([line]))]
            if header is None:
                header = [c.lower() for c in cells]
                continue
            rows.append((lineno, cells))
        if header is None:
            raise WeatherError("%s: no header row found" % path)
        col = {name: i for i, name in enumerate(header)}
        if CSV_TIME not in col:
            raise WeatherError("%s: header has no '%s' column (got %s)"
                               % (path, CSV_TIME, ", ".join(header)))
        if CSV_AMBIENT not in col:
            raise WeatherError("%s: header has no '%s' column" % (path, CSV_AMBIENT))
        irr_col = CSV_POA if CSV_POA in col else CSV_GHI if CSV_GHI in col else None
        if irr_col is None:
            raise WeatherError("%s: header needs a '%s' or a '%s' column" % (path, CSV_POA, CSV_GHI))
        if not rows:
            raise WeatherError("%s: no data rows" % path)

        stamps, irr, ghi, amb = [], [], [], []
        aware = None
        for lineno, cells in rows:
            def cell(name, lineno=lineno, cells=cells):
                i = col[name]
                if i >= len(cells) or cells[i] == "":
                    raise WeatherError("%s line %d: column '%s' is empty" % (path, lineno, name))
                return cells[i]

            def number(name):
                text = cell(name)
                try:
                    value = float(text)
                except ValueError:
                    raise WeatherError("%s line %d: column '%s': %r is not a number"
                                       % (path, lineno, name, text)) from None
                if not math.isfinite(value):
                    raise WeatherError("%s line %d: column '%s': %r is not finite"
                                       % (path, lineno, name, text))
                return value

            text = cell(CSV_TIME)
            try:
                stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise WeatherError("%s line %d: column '%s': %r is not an ISO 8601 timestamp"
                                   % (path, lineno, CSV_TIME, text)) from None
            if aware is None:
                aware = stamp.tzinfo is not None
            elif aware != (stamp.tzinfo is not None):
                raise WeatherError("%s line %d: column '%s': mixes timestamps with and without "
                                   "a UTC offset" % (path, lineno, CSV_TIME))
            if stamps and not stamp > stamps[-1]:
                raise WeatherError("%s line %d: column '%s': %s is not after the previous row"
                                   % (path, lineno, CSV_TIME, text))
            value = number(irr_col)
            if value < 0:
                if value < -50:
                    raise WeatherError("%s line %d: column '%s': %g W/m2 is negative"
                                       % (path, lineno, irr_col, value))
                value = 0.0  # small negative night offsets of pyranometers
            if value > 1500:
                raise WeatherError("%s line %d: column '%s': %g W/m2 is implausible (> 1500)"
                                   % (path, lineno, irr_col, value))
            a = number(CSV_AMBIENT)
            if not -60.0 <= a <= 60.0:
                raise WeatherError("%s line %d: column '%s': %g C is implausible"
                                   % (path, lineno, CSV_AMBIENT, a))
            g = number(CSV_GHI) if (CSV_GHI in col and irr_col == CSV_POA) else value
            stamps.append(stamp)
            irr.append(value)
            ghi.append(max(0.0, g))
            amb.append(a)

        first = stamps[0]
        midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
        times = [(s - midnight).total_seconds() for s in stamps]
        meta["first_day_of_year"] = first.timetuple().tm_yday
        if aware and "utc_offset_h" not in meta:
            meta["utc_offset_h"] = first.utcoffset().total_seconds() / 3600.0
        for key, value in (("latitude", latitude), ("longitude", longitude), ("tilt", tilt),
                           ("azimuth", azimuth), ("utc_offset_h", utc_offset_h)):
            if value is not None:
                meta[key] = float(value)
        if irr_col == CSV_POA:
            return cls(times, irr, amb, ghi_w_m2=ghi, meta=meta)

        # GHI only: transpose to the collector plane with pvlib.
        lat, lon = meta.get("latitude"), meta.get("longitude")
        if lat is None or lon is None:
            raise WeatherError("%s: column '%s' needs latitude and longitude (arguments or "
                               "'# latitude: ...' metadata) to compute the collector-plane "
                               "irradiance" % (path, CSV_GHI))
        lat, lon = float(lat), float(lon)
        tilt_v = float(meta["tilt"]) if meta.get("tilt") is not None else abs(lat)
        azim_v = float(meta["azimuth"]) if meta.get("azimuth") is not None else equator_azimuth(lat)
        offset = meta.get("utc_offset_h")
        offset = float(offset) if offset is not None else lon / 15.0
        if aware:
            utc = [s.astimezone(_UTC()).replace(tzinfo=None) for s in stamps]
        else:
            utc = [s - timedelta(hours=offset) for s in stamps]
        poa = _transpose_ghi(utc, ghi, lat, lon, tilt_v, azim_v, transposition, albedo)
        meta.update(latitude=lat, longitude=lon, tilt=tilt_v, azimuth=azim_v, utc_offset_h=offset)
        return cls(times, poa, amb, ghi_w_m2=ghi, meta=meta)

    @classmethod
    def from_tmy(cls, location, month=None, day_of_year=None, days=1, tilt=None, azimuth=None,
                 transposition=TRANSPOSITION, albedo=ALBEDO):
        """Days from a typical meteorological year shipped with pvlib.

        :param location: a name from :data:`LOCATIONS` (``greensboro``, ``sand_point``,
            ``miami``; aliases ``sunny``, ``cold``, ``cloudy``) or a path to a TMY3 CSV / TMY2 file
        :param month: 1..12, picks the 15th of that month (if ``day_of_year`` is not given)
        :param day_of_year: first day 1..365 (default: the 15th of ``month``, else 172 = June 21)
        :param days: number of consecutive days (wrapping around the year end)
        :param tilt: collector tilt, deg (default |latitude|)
        :param azimuth: collector azimuth, deg, 180 = south (default: facing the equator)

        Hourly TMY values are averages over the hour ending at the stamp; each becomes a sample
        at the middle of its hour (local standard time), where the sun position for the
        transposition is computed too.
        """
        if day_of_year is None:
            day_of_year = day_of_year_of(month, 15) if month is not None else 172
        day_of_year = int(day_of_year)
        if not 1 <= day_of_year <= 365:
            raise WeatherError("day_of_year must be 1..365, got %r" % day_of_year)
        if days < 1:
            raise WeatherError("days must be >= 1")
        year = _tmy_year(location, tilt, azimuth, transposition, albedo)
        first = (day_of_year - 1) * 24
        idx = [(first + k) % 8760 for k in range(24 * days)]
        times = [(k + 0.5) * HOUR_S for k in range(24 * days)]
        meta = dict(year["meta"])
        meta["first_day_of_year"] = day_of_year
        meta["name"] = "%s day %d%s" % (meta["location"], day_of_year,
                                        "" if days == 1 else " +%d days" % (days - 1))
        return cls(times, [year["poa"][i] for i in idx], [year["amb"][i] for i in idx],
                   ghi_w_m2=[year["ghi"][i] for i in idx], days=days, meta=meta)

    @classmethod
    def clear_sky(cls, latitude, longitude, day_of_year=172, tilt=None, azimuth=None,
                  ambient_min_c=15.0, ambient_max_c=28.0, ambient_peak_hour=15.0, days=1,
                  model="ineichen", linke_turbidity=3.0, altitude_m=0.0, utc_offset_h=None,
                  step_s=600.0, transposition=TRANSPOSITION, albedo=ALBEDO):
        """Clear-sky days computed with pvlib plus a sinusoidal ambient temperature.

        :param model: ``"ineichen"`` (with ``linke_turbidity``, default 3) or
            ``"simplified_solis"``
        :param ambient_min_c, ambient_max_c: daily range; the maximum is at
            ``ambient_peak_hour`` (local clock), the minimum 12 h earlier
        :param utc_offset_h: clock offset from UTC, default longitude / 15 (mean solar time)
        :param step_s: sample spacing (default 10 min)
        """
        import pandas as pd
        import pvlib

        lat, lon = float(latitude), float(longitude)
        tilt_v = abs(lat) if tilt is None else float(tilt)
        azim_v = equator_azimuth(lat) if azimuth is None else float(azimuth)
        offset = lon / 15.0 if utc_offset_h is None else float(utc_offset_h)
        n = int(round(days * DAY_S / step_s))
        times = [k * step_s for k in range(n)]
        base = pd.Timestamp(2001, 1, 1) + pd.Timedelta(days=int(day_of_year) - 1)
        utc = pd.DatetimeIndex([base + pd.Timedelta(seconds=t - offset * HOUR_S) for t in times],
                               tz="UTC")
        loc = pvlib.location.Location(lat, lon, tz="UTC", altitude=altitude_m)
        solpos = loc.get_solarposition(utc)
        dni_extra = pd.Series(
            pvlib.irradiance.get_extra_radiation(utc.day_of_year.to_numpy()), index=utc)
        if model == "ineichen":
            cs = loc.get_clearsky(utc, model="ineichen", solar_position=solpos,
                                  dni_extra=dni_extra, linke_turbidity=linke_turbidity)
        elif model == "simplified_solis":
            cs = loc.get_clearsky(utc, model="simplified_solis", solar_position=solpos,
                                  dni_extra=dni_extra)
        else:
            raise WeatherError("clear-sky model must be 'ineichen' or 'simplified_solis'")
        poa = _poa(utc, solpos, cs["dni"], cs["ghi"], cs["dhi"], tilt_v, azim_v,
                   transposition, albedo)
        mid = 0.5 * (ambient_min_c + ambient_max_c)
        amp = 0.5 * (ambient_max_c - ambient_min_c)
        amb = [mid + amp * math.cos(2 * math.pi * (t / HOUR_S - ambient_peak_hour) / 24.0)
               for t in times]
        meta = {"name": "clear sky %.2f,%.2f day %d" % (lat, lon, day_of_year),
                "latitude": lat, "longitude": lon, "tilt": tilt_v, "azimuth": azim_v,
                "utc_offset_h": offset, "first_day_of_year": int(day_of_year), "model": model}
        return cls(times, poa, amb, ghi_w_m2=[float(v) for v in cs["ghi"]], days=days, meta=meta)


def representative_days(location, method="mean", tilt=None, azimuth=None):
    """Twelve days of year, one per month, for benchmarks.

    :param method: ``"mean"`` -- the day whose collector-plane irradiation is closest to the
        month's mean daily irradiation; ``"15th"`` -- the 15th of each month
    """
    if method == "15th":
        return [day_of_year_of(m, 15) for m in range(1, 13)]
    if method != "mean":
        raise ValueError("method must be 'mean' or '15th'")
    year = _tmy_year(location, tilt, azimuth, TRANSPOSITION, ALBEDO)
    daily = [sum(year["poa"][d * 24:(d + 1) * 24]) for d in range(365)]
    out = []
    for m in range(12):
        d0, d1 = _MONTH_FIRST_DOY[m] - 1, _MONTH_FIRST_DOY[m + 1] - 1
        mean = sum(daily[d0:d1]) / (d1 - d0)
        best = min(range(d0, d1), key=lambda d: (abs(daily[d] - mean), abs(d - (d0 + 14))))
        out.append(best + 1)
    return out


def location_year(location):
    """The weather of a benchmark location: a pvlib TMY name or file (365 days), or a weather CSV
    of ours (``timestamp``, ``poa_w_m2`` or ``ghi_w_m2``, ``ambient_c``; whole days, any number),
    as one :class:`Weather` whose ``first_day_of_year`` says where it starts."""
    path = str(location)
    if path.lower().endswith(".csv") and os.path.exists(path):
        with open(path, newline="") as f:
            head = f.read(4096).lower()
        if CSV_TIME in head:
            w = Weather.from_csv(path)
            w.meta["location"] = os.path.splitext(os.path.basename(path))[0]
            return w
    return Weather.from_tmy(location, day_of_year=1, days=365)


def representative_weeks(weather, week_days=7):
    """[(month, first day index, number of days)]: for each month the weather covers, the run of
    ``week_days`` consecutive days in that month whose mean collector-plane irradiation is
    nearest the month's mean (ties: nearest the middle of the month). A month with fewer days
    in the data gets all it has."""
    first_doy = int(weather.meta.get("first_day_of_year", 1))
    daily = [0.0] * weather.days
    for t, p, _g, _a in weather.samples():
        d = int(t // DAY_S)
        if 0 <= d < weather.days:
            daily[d] += p
    by_month = {}
    for i in range(weather.days):
        doy = (first_doy - 1 + i) % 365 + 1
        by_month.setdefault(month_of_day(doy), []).append(i)
    out = []
    for month in sorted(by_month):
        idx = by_month[month]
        if len(idx) <= week_days:
            out.append((month, idx[0], len(idx)))
            continue
        mean = sum(daily[i] for i in idx) / len(idx)
        mid = idx[len(idx) // 2]
        starts = [idx[k] for k in range(len(idx) - week_days + 1)
                  if idx[k + week_days - 1] - idx[k] == week_days - 1]
        best = min(starts, key=lambda s: (abs(sum(daily[s:s + week_days]) / week_days - mean),
                                          abs(s + week_days // 2 - mid)))
        out.append((month, best, week_days))
    return out


def monthly_weathers(location, method="mean", tilt=None, azimuth=None):
    """Twelve one-day :class:`Weather` objects (see :func:`representative_days`)."""
    return [Weather.from_tmy(location, day_of_year=d, tilt=tilt, azimuth=azimuth)
            for d in representative_days(location, method, tilt, azimuth)]


# ---- helpers ----------------------------------------------------------------------------------

def _meta_value(text):
    try:
        return float(text)
    except ValueError:
        return text


def _UTC():
    from datetime import timezone
    return timezone.utc


def _resolve_location(location):
    key = str(location).lower()
    key = LOCATION_ALIASES.get(key, key)
    if key in LOCATIONS:
        import pvlib
        fname, kind, desc = LOCATIONS[key]
        return key, os.path.join(os.path.dirname(pvlib.__file__), "data", fname), kind, desc
    path = str(location)
    if os.path.exists(path):
        kind = "tmy2" if path.lower().endswith(".tm2") else "tmy3"
        return os.path.splitext(os.path.basename(path))[0], path, kind, path
    raise WeatherError("unknown TMY location %r: use one of %s or a file path"
                       % (location, ", ".join(sorted(LOCATIONS) + sorted(LOCATION_ALIASES))))


_YEAR_CACHE = {}


def _tmy_year(location, tilt, azimuth, transposition, albedo):
    """Whole TMY year transposed to the collector plane, cached: dict of 8760-long lists."""
    key_name, path, kind, desc = _resolve_location(location)
    key = (path, tilt, azimuth, transposition, albedo)
    if key in _YEAR_CACHE:
        return _YEAR_CACHE[key]
    import pandas as pd
    import pvlib

    if kind == "tmy2":
        data, meta = pvlib.iotools.read_tmy2(path)
        ghi, dni, dhi = data["GHI"], data["DNI"], data["DHI"]
        amb = data["DryBulb"] / 10.0  # TMY2 dry bulb is in tenths of C
        name = meta.get("City", key_name)
    else:
        data, meta = pvlib.iotools.read_tmy3(path, map_variables=True)
        ghi, dni, dhi, amb = data["ghi"], data["dni"], data["dhi"], data["temp_air"]
        name = str(meta.get("Name", key_name)).strip('"')
    if len(data) != 8760:
        raise WeatherError("%s: expected 8760 hourly rows, got %d" % (path, len(data)))
    lat, lon = float(meta["latitude"]), float(meta["longitude"])
    tz = float(meta["TZ"])
    tilt_v = abs(lat) if tilt is None else float(tilt)
    azim_v = equator_azimuth(lat) if azimuth is None else float(azimuth)
    # Row k (file order) is the hour ending at (k % 24) + 1 o'clock local standard time of day
    # k // 24; its sample time is the middle of that hour. The TMY months come from different
    # years, so a fixed non-leap year is used for the sun position.
    base = pd.Timestamp(2001, 1, 1)
    utc = pd.DatetimeIndex(
        [base + pd.Timedelta(seconds=(k + 0.5) * HOUR_S - tz * HOUR_S) for k in range(8760)],
        tz="UTC")
    loc = pvlib.location.Location(lat, lon, tz="UTC", altitude=float(meta.get("altitude", 0)))
    solpos = loc.get_solarposition(utc)
    poa = _poa(utc, solpos, dni.to_numpy(float), ghi.to_numpy(float), dhi.to_numpy(float),
               tilt_v, azim_v, transposition, albedo)
    year = {
        "poa": poa,
        "ghi": [float(v) for v in ghi.to_numpy(float)],
        "amb": [float(v) for v in amb.to_numpy(float)],
        "meta": {"location": key_name, "station": name, "description": desc,
                 "latitude": lat, "longitude": lon, "utc_offset_h": tz, "tilt": tilt_v,
                 "azimuth": azim_v, "source": os.path.basename(path)},
    }
    _YEAR_CACHE[key] = year
    return year


def _poa(utc, solpos, dni, ghi, dhi, tilt, azimuth, transposition, albedo):
    """Plane-of-array global irradiance (list of floats) with pvlib."""
    import numpy as np
    import pvlib

    dni_extra = pvlib.irradiance.get_extra_radiation(np.asarray(utc.day_of_year))
    airmass = pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"])
    irr = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, solpos["apparent_zenith"], solpos["azimuth"],
        np.asarray(dni, float), np.asarray(ghi, float), np.asarray(dhi, float),
        dni_extra=dni_extra, airmass=airmass, albedo=albedo, model=transposition)
    poa = np.nan_to_num(np.asarray(irr["poa_global"], float), nan=0.0)
    return [float(v) for v in np.clip(poa, 0.0, None)]


def _transpose_ghi(utc_naive, ghi, lat, lon, tilt, azimuth, transposition, albedo):
    """Split GHI into DNI/DHI with Erbs and transpose to the collector plane."""
    import numpy as np
    import pandas as pd
    import pvlib

    utc = pd.DatetimeIndex(utc_naive, tz="UTC")
    loc = pvlib.location.Location(lat, lon, tz="UTC")
    solpos = loc.get_solarposition(utc)
    g = np.asarray(ghi, float)
    parts = pvlib.irradiance.erbs(g, solpos["zenith"], np.asarray(utc.day_of_year))
    return _poa(utc, solpos, np.nan_to_num(np.asarray(parts["dni"], float)), g,
                np.nan_to_num(np.asarray(parts["dhi"], float)), tilt, azimuth, transposition,
                albedo)
