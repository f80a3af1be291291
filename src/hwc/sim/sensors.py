"""What the controller's sensors would read from a simulated :class:`~hwc.sim.plant.Plant`.

* Two NTC thermistors on the PCF8591 8-bit ADC: ``hot`` on the collector outlet (top of the
  collector) and ``cold`` in the tank bottom pocket. Reading: ``round(table.to_raw(T) + noise)``
  clipped to 0..255, noise Gaussian with ``noise_raw`` (default 0.4 raw steps) from a seeded RNG.
  Outside the table's range ``to_raw`` clamps to the table ends, i.e. the firmware sees an
  open (too cold) or short (too hot) circuit just as with the real divider.
* DS18B20 one-wire sensors on the pipes (``panel_inlet``, ``panel_outlet``, ``tank_inlet``,
  ``tank_outlet``) plus ``tank_top`` and ``ambient``: temperature clamped to -55..125 C and
  quantised to 1/16 C (12-bit), optional Gaussian noise ``ds18_noise_c`` before quantising.
* Scripted faults (:class:`FaultScript`): ``(start_s, end_s, sensor, kind)``, active for
  ``start_s <= t < end_s`` of the plant clock. Kinds:

  ========== ============================== =========================================
  kind       NTC (``ntc_raw``)              DS18B20 (``ds18_state``)
  ========== ============================== =========================================
  open       255                            ``(None, "missing")`` (no presence pulse)
  short      0                              ``(None, "short")`` (data line held low)
  missing    255 (as open)                  ``(None, "missing")``
  stuck      raw held from the first read   temperature held from the first read in the
             in the window (no new noise)   window, reported as ``(temp, None)``
  crc        -- (rejected)                  ``(temp, "crc")``: bus must corrupt the CRC
  power_on_85 -- (rejected)                 ``(85.0, "power_on_85")``
  ========== ============================== =========================================

  "stuck" holds the value of the first reading made at or after ``start_s`` (the reading the
  sensor would have given when it got stuck, as seen by a controller polling it).
"""

import random
from dataclasses import dataclass

import ntc_table

FAULT_KINDS = ("open", "short", "missing", "stuck", "crc", "power_on_85")
NTC_KINDS = ("open", "short", "missing", "stuck")
DS18_KINDS = FAULT_KINDS

DEFAULT_NTC = {"hot": "panel_outlet_c", "cold": "tank_bottom_c"}
DEFAULT_DS18 = {
    "panel_inlet": "panel_inlet_c",
    "panel_outlet": "panel_outlet_c",
    "tank_inlet": "tank_inlet_c",
    "tank_outlet": "tank_outlet_c",
    "tank_top": "tank_top_c",
    "ambient": "ambient_c",
}
DS18_MIN_C = -55.0
DS18_MAX_C = 125.0
DS18_POWER_ON_C = 85.0
RAW_OPEN = 255
RAW_SHORT = 0


@dataclass(frozen=True)
class Fault:
    start_s: float
    end_s: float
    sensor: str
    kind: str

    def active(self, t_s):
        return self.start_s <= t_s < self.end_s


class FaultScript:
    """A list of scripted sensor faults: ``(start_s, end_s, sensor_name, kind)`` items."""

    def __init__(self, faults=()):
        self.faults = []
        for f in faults:
            if isinstance(f, Fault):
                self.add(f.start_s, f.end_s, f.sensor, f.kind)
            else:
                self.add(*f)

    def add(self, start_s, end_s, sensor, kind):
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r (use one of %s)"
                             % (kind, ", ".join(FAULT_KINDS)))
        if not end_s > start_s:
            raise ValueError("fault on %r: end_s must be after start_s" % sensor)
        self.faults.append(Fault(float(start_s), float(end_s), str(sensor), kind))
        return self

    def active(self, sensor, t_s):
        """The first fault active on ``sensor`` at ``t_s``, or None."""
        for f in self.faults:
            if f.sensor == sensor and f.start_s <= t_s < f.end_s:
                return f
        return None

    def __iter__(self):
        return iter(self.faults)

    def __len__(self):
        return len(self.faults)


class Sensors:
    """Sensor readings from a plant.

    :param plant: the :class:`~hwc.sim.plant.Plant` (anything with the probe attributes)
    :param table: ``ntc_table.NtcTable`` (default ``ntc_table.default_table()``)
    :param noise_raw: NTC noise sigma in raw steps (0 for none)
    :param seed: RNG seed (readings are reproducible for the same call sequence)
    :param faults: a :class:`FaultScript` or list of ``(start_s, end_s, sensor, kind)``
    :param ntc: ``{name: plant attribute name or callable(plant)}`` (default :data:`DEFAULT_NTC`)
    :param ds18: same for DS18B20s (default :data:`DEFAULT_DS18`)
    :param ds18_noise_c: DS18B20 noise sigma, C (default 0)
    :param ds18_offsets_c: ``{name: calibration offset C}`` added to DS18B20 readings
    """

    def __init__(self, plant, table=None, noise_raw=0.4, seed=0, faults=None, ntc=None,
                 ds18=None, ds18_noise_c=0.0, ds18_offsets_c=None):
        self.plant = plant
        self.table = table if table is not None else ntc_table.default_table()
        self.noise_raw = float(noise_raw)
        self.ds18_noise_c = float(ds18_noise_c)
        self.ds18_offsets_c = dict(ds18_offsets_c or {})
        self.rng = random.Random(seed)
        self.ntc_sources = dict(DEFAULT_NTC if ntc is None else ntc)
        self.ds18_sources = dict(DEFAULT_DS18 if ds18 is None else ds18)
        if faults is None:
            faults = FaultScript()
        elif not isinstance(faults, FaultScript):
            faults = FaultScript(faults)
        self.faults = faults
        for f in faults:
            if f.sensor in self.ntc_sources:
                if f.kind not in NTC_KINDS:
                    raise ValueError("fault %r is not possible on NTC %r" % (f.kind, f.sensor))
            elif f.sensor not in self.ds18_sources:
                raise ValueError("fault on unknown sensor %r (NTCs: %s; DS18B20s: %s)"
                                 % (f.sensor, ", ".join(self.ntc_sources),
                                    ", ".join(self.ds18_sources)))
        self._held = {}  # Fault -> held value

    @property
    def ntc_names(self):
        return list(self.ntc_sources)

    @property
    def ds18_names(self):
        return list(self.ds18_sources)

    def temperature(self, name):
        """True temperature at a sensor's location now, C."""
        src = self.ntc_sources.get(name) or self.ds18_sources.get(name)
        if src is None:
            raise KeyError("unknown sensor %r" % name)
        return src(self.plant) if callable(src) else getattr(self.plant, src)

    def _now(self, t_s):
        return self.plant.t_s if t_s is None else t_s

    def fault(self, name, t_s=None):
        """The fault active on ``name`` at ``t_s`` (default: now), or None."""
        return self.faults.active(name, self._now(t_s))

    def ntc_raw_exact(self, name):
        """Noise-free fractional raw value for the current temperature."""
        if name not in self.ntc_sources:
            raise KeyError("unknown NTC %r" % name)
        return self.table.to_raw(self.temperature(name))

    def ntc_raw(self, name, t_s=None):
        """8-bit PCF8591 reading of NTC ``name`` at ``t_s`` (default: the plant's time)."""
        raw_f = self.ntc_raw_exact(name)
        f = self.faults.active(name, self._now(t_s))
        if f is not None:
            if f.kind in ("open", "missing"):
                return RAW_OPEN
            if f.kind == "short":
                return RAW_SHORT
            if f.kind == "stuck":
                if f not in self._held:
                    self._held[f] = self._noisy_raw(raw_f)
                return self._held[f]
        return self._noisy_raw(raw_f)

    def _noisy_raw(self, raw_f):
        if self.noise_raw > 0.0:
            raw_f += self.rng.gauss(0.0, self.noise_raw)
        raw = int(round(raw_f))
        return RAW_SHORT if raw < 0 else RAW_OPEN if raw > 255 else raw

    def ds18_temp(self, name):
        """What a healthy DS18B20 ``name`` reads now: clamped, 1/16 C steps."""
        if name not in self.ds18_sources:
            raise KeyError("unknown DS18B20 %r" % name)
        t = self.temperature(name) + self.ds18_offsets_c.get(name, 0.0)
        if self.ds18_noise_c > 0.0:
            t += self.rng.gauss(0.0, self.ds18_noise_c)
        t = min(DS18_MAX_C, max(DS18_MIN_C, t))
        return round(t * 16.0) / 16.0

    def ds18_state(self, name, t_s=None):
        """``(temp_c or None, fault kind or None)`` of DS18B20 ``name`` at ``t_s``.

        Fault kinds returned: ``"missing"``, ``"short"`` (temp None), ``"crc"`` (temp is the
        value whose CRC the bus should corrupt), ``"power_on_85"`` (temp 85.0). A stuck sensor
        returns its held value with no fault kind.
        """
        temp = self.ds18_temp(name)
        f = self.faults.active(name, self._now(t_s))
        if f is None:
            return temp, None
        kind = f.kind
        if kind in ("missing", "open"):
            return None, "missing"
        if kind == "short":
            return None, "short"
        if kind == "power_on_85":
            return DS18_POWER_ON_C, "power_on_85"
        if kind == "crc":
            return temp, "crc"
        if f not in self._held:  # stuck
            self._held[f] = temp
        return self._held[f], None
