"""Fast plant runs for the benchmark: the device package's control pipeline without the tasks.

``hwc simulate`` runs the whole firmware (asyncio tasks, locks, real Adafruit drivers on bit-level
fake buses) and manages about a simulated day in half a minute. The benchmark needs thousands of
days, so :class:`DirectRun` calls the same device objects directly, in the order the tasks call
them, on a virtual millisecond clock:

* every SENSOR_PERIOD_S: the simulated raw ADC values go through the Controller's
  ``NtcSensor`` pipeline (fault classification, lookup table, smoothing), and the DS18B20
  slots (the first ``probes``) get the plant's temperatures at 1/16 C;
* every CONTROL_PERIOD_S: ``Controller.control_once()`` (the configured pump strategy, plant
  protection, manual mode: whatever the firmware's control step does);
* at every edge of the slow PWM: ``Controller.cycler`` (``DutyCycler``) with
  ``Controller.effective_duty_pct()``, as the pump task does, switching the plant's pump (a
  fresh decision that repeats 0 or 100 % is applied without them: they would say the same,
  and the cycler's books catch up at its next call). The plant is stepped to every reading,
  decision and edge (its compiled kernel makes that cheap).

Only the DS18B20 probes a pump decision reads (FLOW_PROBE, PANEL_PROBE, TANK_TOP_PROBE) are
fed; the NTC table's ``classify``, ``to_c`` and ``to_mc`` are looked up from a list of their results.

What differs from the firmware in the loop: no bus transactions or task scheduling, and calm
spells are taken in longer strides. A spell is calm when the pump is off and idle and the
plant's true temperatures are far from every rule that could start it: the differential
start (``decision.max_diff_k``, the start threshold every strategy reports while idle) less
CALM_MARGIN_K, cool-off, recooling, frost, overheat; or the collector NTC reads open because
the collector is colder than its table (a frosty day with the default table). Then the plant
advances CALM_DAY_S (CALM_NIGHT_S without sun) at once, the NTCs are fed one reading per
SENSOR_PERIOD_S of it (at most CALM_FEEDS, all of the current value with fresh noise: the
smoothing keeps its time constant), and control runs once at the end. Tests check that both
paths deliver the same heat on the same days.

:class:`GreedyRun` is the benchmark's greedy reference rule (not a controller, not a bound): it
reads the plant's true state and runs the pump at full speed whenever the water it would bring
into the tank (the flow pipe's and the collector's contents, weighted by heat capacity) is
hotter than the tank bottom it displaces. The bound is :mod:`hwc.sim.bound`.
"""

from types import SimpleNamespace

import numpy as np

from controller import settings as settings_mod
from controller.decision import FAULT, FROST, IDLE, TANK_MAX
from controller.app import Controller
from controller.log import Log
from controller.sensors import (DS18B20_MAX_C, DS18B20_MIN_C, FAULT_BUS, FAULT_CRC, FAULT_MISSING, FAULT_POWER_ON,
                                FAULT_RANGE)

from hwc.sim import kernel as K
from ntc_table import RAW_OK
from hwc.sim.plant import Plant, PlantConfig
from hwc.sim.sensors import Sensors

# The simulated DS18B20 fault kinds (hwc.sim.sensors) in the firmware's words, as its bus code
# would classify them.
PROBE_FAULT_WORDS = {"missing": FAULT_MISSING, "short": FAULT_BUS, "crc": FAULT_CRC, "power_on_85": FAULT_POWER_ON,
                     "range": FAULT_RANGE}

TICKS_PERIOD = 1 << 29
TICKS_START_MS = TICKS_PERIOD - 30_000  # 30 s before the device tick counter wraps, as the rig
CALM_DAY_S = 10.0
CALM_NIGHT_S = 30.0
CALM_FEEDS = 5
CALM_MARGIN_K = 1.0  # the true difference stays this far below the start threshold (and what a stride can add)
GREEDY_STEP_S = 2.0
GREEDY_OFF_STEP_S = 10.0
NOISE_BLOCK = 1 << 16
DECISION_PROBE_KEYS = ("flow_probe", "panel_probe", "tank_top_probe")
# Strategies that may start below the threshold they report as max_diff_k while idle: the
# setting that holds the lowest difference they may start at.
START_FLOOR_KEYS = {"burst": "burst_early_k"}


class _Lookup(dict):
    """``fn(raw)`` for every raw value 0..255, looked up; any other key is handed to ``fn``."""

    def __init__(self, fn, raws):
        super().__init__((raw, fn(raw)) for raw in raws)
        self.fn = fn

    def __missing__(self, raw):
        return self.fn(raw)


class _TableMemo:
    """The controller's NTC table with ``classify``, ``to_c`` and ``to_mc`` looked up from
    dicts made by calling them once for each of the 256 raw values: the same results (a raw
    value that is an open or short circuit goes to the table, which raises, as it does),
    without the binary search, and without a Python call, on every reading."""

    def __init__(self, table):
        self._table = table
        self.classify = _Lookup(table.classify, range(256)).__getitem__
        ok = [raw for raw in range(256) if table.classify(raw) == RAW_OK]
        self.to_c = _Lookup(table.to_c, ok).__getitem__
        self.to_mc = _Lookup(table.to_mc, ok).__getitem__

    def __getattr__(self, name):
        return getattr(self._table, name)


class _RunBase:
    def __init__(self, weather, plant_config, sample_s):
        self.plant = Plant(plant_config if plant_config is not None else PlantConfig(), weather)
        self.weather = weather
        self.sample_s = sample_s
        self.samples = []  # (t_s, G, ambient, collector out, tank top, tank bottom, duty, mode, pump)
        self._next_sample_s = 0.0
        self.pump_on = False
        self.pump_switches = 0  # on-edges of the pump at the plant (PWM included)
        self.frost_heat_j = 0.0  # heat to the tank while frost protection ran the pump (negative)
        self.frost_pump_s = 0.0

    def _sample(self, t_s, duty, mode, on):
        p = self.plant
        self.samples.append((t_s, p.irradiance_w_m2, p.ambient_c, p.panel_outlet_c, p.tank_top_c,
                             p.tank_bottom_c, duty, mode, on))
        self._next_sample_s += self.sample_s


class DirectRun(_RunBase):
    """The firmware's control objects driving a plant (see the module docstring).

    :param env: settings as settings.toml gives them (key -> str/int); they must be valid
    :param weather: a :class:`hwc.sim.weather.Weather`
    :param plant_config: a :class:`hwc.sim.plant.PlantConfig`
    :param seed: sensor noise seed; ``noise_raw``: ADC noise, raw steps
    :param faults: scripted sensor faults (:class:`hwc.sim.sensors.FaultScript` or a list)
    :param sample_s: keep a plot sample this often (0: none)
    :param probes: how many DS18B20 slots (first N) get the plant's temperatures
    """

    def __init__(self, env=None, weather=None, plant_config=None, seed=0, noise_raw=0.4, faults=None,
                 sample_s=0.0, probes=0):
        from hwc.simulate import load_weather

        super().__init__(weather if weather is not None else load_weather(), plant_config, sample_s)
        self.settings = settings_mod.load(dict(env or {}).get)
        if self.settings.errors:
            raise ValueError("bad settings: " + "; ".join(self.settings.errors))
        self.t_ms = 0
        self.log_lines = []
        hw = SimpleNamespace(screen=None, board_name="direct run")
        self.ctl = Controller(hw, self.settings, ticks_ms=self._ticks_ms, log=Log(out=self.log_lines.append))
        table = self.ctl.hot.table
        self.ctl.hot.table = self.ctl.cold.table = _TableMemo(table)
        self.sensors = Sensors(self.plant, table=table, noise_raw=noise_raw, seed=seed, faults=faults)
        self._fast = len(self.sensors.faults) == 0
        self._table = (table.start_mc / 1000, table.step_mc / 1000, np.array(table.sixteenths, dtype=float) / 16)
        self._table_min_c = float(table.min_c)
        self._rng = np.random.default_rng(seed)
        self._noise_raw = float(noise_raw)
        self._noise = np.zeros(NOISE_BLOCK)
        self._noise_i = NOISE_BLOCK
        # The kernels called on every reading and step, without numba's dispatch (their arguments
        # always have these types).
        start, step, raws = self._table
        self._ntc_pair = K.entry(K.ntc_pair, start, step, raws, self.plant._temps, 0, 0, self._noise, 0)
        p = self.plant
        p._advance = K.entry(K.advance, p._temps, p._acc, p._par, p._wx, p._dr, 0.0, 1.0, True)
        # Plant state indices the sensors sit on (flow order: return pipe, collector, flow, tank).
        p = self.plant
        npipe, nc = p._np, p._nc
        t0 = 2 * npipe + nc
        self._i_hot = npipe + nc - 1  # collector outlet
        self._i_cold = t0 + p._nt - 1  # tank bottom
        where = {"panel_inlet": npipe - 1, "panel_outlet": npipe + nc - 1, "tank_inlet": t0 - 1,
                 "tank_outlet": 0, "tank_top": t0, "ambient": None}
        # Only the probes a pump decision reads (the protection's flow, panel and tank-top probes)
        # are fed: the others only reach the screen and telemetry.
        s = self.settings
        used = {getattr(s, key) for key in DECISION_PROBE_KEYS} - {""}
        self._probe_sources = [(pr, pr.name, where.get(pr.name, -1)) for pr in self.ctl.probes[:probes]
                               if pr.name in used]
        # the fast path's: a name the plant has no temperature for (-1) is never fed
        self._fed_probes = [(pr, i) for pr, _name, i in self._probe_sources if i is None or i >= 0]
        self.calm_s = 0.0  # time taken in calm strides
        cfg = p.config
        self._heat_k_per_w = cfg.collector.eta0 * p._an / p._cc  # collector node heating, K/s per W/m2
        rates = [e.litres / (e.duration_min * 60.0) for day in ((cfg.draws,) + tuple(cfg.draw_days))
                 for e in day if e.litres > 0 and e.duration_min > 0]
        self._draw_per_s = max(rates + [cfg.relief_flow_l_min / 60.0]) / p._vt
        self._cold_inlet_c = float(cfg.cold_inlet_c)
        self._frost = FROST

    def _ticks_ms(self):
        return (TICKS_START_MS + self.t_ms) % TICKS_PERIOD

    def _read_sensors(self, t_s, feeds=1):
        ctl = self.ctl
        if self._fast:
            temps = self.plant._temps
            start, step, raws = self._table
            feed_hot, feed_cold = ctl.hot.feed_raw, ctl.cold.feed_raw
            ntc_pair = self._ntc_pair
            i_hot, i_cold = self._i_hot, self._i_cold
            k = self._noise_i
            noise = self._noise
            for _ in range(feeds):
                if k + 2 > NOISE_BLOCK:
                    noise = self._noise = self._rng.standard_normal(NOISE_BLOCK) * self._noise_raw
                    k = 0
                raw_hot, raw_cold = ntc_pair(start, step, raws, temps, i_hot, i_cold, noise, k)
                k += 2
                feed_hot(raw_hot)
                feed_cold(raw_cold)
            self._noise_i = k
            ctl.readings += feeds
            if self._fed_probes:
                # what ctl.clock.now_s() says: whole seconds since the Controller was made, at t_ms 0
                now_s = self.t_ms // 1000
                for probe, i in self._fed_probes:
                    temp = self.plant.ambient_c if i is None else temps.item(i)
                    if DS18B20_MIN_C <= temp <= DS18B20_MAX_C:
                        temp = round(temp * 16.0) / 16.0
                    else:
                        temp = round(min(DS18B20_MAX_C, max(DS18B20_MIN_C, temp)) * 16.0) / 16.0
                    probe.feed(temp, None, now_s)
            return
        sensors = self.sensors
        for _ in range(feeds):
            ctl.hot.feed_raw(sensors.ntc_raw("hot", t_s))
            ctl.cold.feed_raw(sensors.ntc_raw("cold", t_s))
            ctl.readings += 1
        now_s = ctl.clock.now_s()
        for probe, name, _i in self._probe_sources:
            if name not in sensors.ds18_sources:
                continue
            temp, kind = sensors.ds18_state(name, t_s)
            if kind is None and not DS18B20_MIN_C <= temp <= DS18B20_MAX_C:
                kind = "range"
            probe.feed(temp if kind is None else None, PROBE_FAULT_WORDS.get(kind, kind), now_s)

    def _calm_s(self, d):
        """Seconds the plant may advance in one stride after decision ``d`` (0: not calm)."""
        if self.pump_on or d.duty_pct != 0 or not self._fast or self.ctl.manual_mode != "auto":
            return 0.0
        s = self.settings
        temps = self.plant._temps
        hot = float(temps[self._i_hot])
        cold = float(temps[self._i_cold])
        g = self.plant.irradiance_w_m2
        stride = CALM_DAY_S if g > 0.0 else CALM_NIGHT_S
        # How fast the difference could rise: the collector heating with no flow, the tank
        # bottom cooling under the largest draw.
        rise_k = (self._heat_k_per_w * g + self._draw_per_s * max(0.0, cold - self._cold_inlet_c)) * stride
        if s.tube_kick_on or d.cool_off_armed or cold > s.cool_off_arm_c - 1.0:
            return 0.0
        active = self.ctl.protection.active
        if d.mode == TANK_MAX and active == [TANK_MAX]:
            # Solar paused at the tank maximum: calm while the tank stays above the release, the
            # collector below collector cooling and, at night, not so far below the tank that
            # recooling would start.
            if (cold > s.tank_max_c - s.tank_max_hyst_k + 1.0 and hot < s.collector_cooling_c - 5.0 - rise_k
                    and cold - hot < s.recool_diff_k - 1.0):
                return stride
            return 0.0
        if cold > s.tank_max_c - 1.0 or active:
            return 0.0
        if d.mode == FAULT:
            # only the collector NTC faulted: it reads open below its table
            if self.ctl.hot.fault is None or self.ctl.cold.fault is not None:
                return 0.0
        elif d.mode != IDLE:
            return 0.0
        if s.frost_on and hot < s.frost_start_c + 2.0 or hot > s.overheat_c - 5.0 - rise_k:
            return 0.0
        floor_key = START_FLOOR_KEYS.get(s.control_strategy)
        start_k = d.max_diff_k if floor_key is None else min(d.max_diff_k, getattr(s, floor_key))
        if hot - cold < start_k - CALM_MARGIN_K - rise_k:
            return stride
        return 0.0

    def run(self, duration_s):
        """Advance ``duration_s`` seconds of firmware and plant time."""
        ctl = self.ctl
        s = self.settings
        plant = self.plant
        step = plant.step
        sensor_ms = int(s.sensor_period_s * 1000)
        control_ms = int(s.control_period_s * 1000)
        end_ms = self.t_ms + int(duration_s * 1000)
        next_sensor = next_control = self.t_ms
        cycler = ctl.cycler
        sample_s = self.sample_s
        acc = plant._acc
        frost = self._frost
        d = ctl.decision
        last_duty = -1
        while self.t_ms < end_ms:
            t_ms = self.t_ms
            t_s = t_ms / 1000.0
            calm_ms = 0
            decided = False
            if t_ms >= next_sensor:
                self._read_sensors(t_s)
                next_sensor += sensor_ms
            if t_ms >= next_control:
                d = ctl.control_once()
                decided = True
                next_control += control_ms
                calm = self._calm_s(d)
                if calm:
                    calm_ms = min(int(calm * 1000), end_ms - t_ms)
            if calm_ms > sensor_ms:
                # A calm stride: the plant advances, the NTCs get the readings of the stride.
                step(calm_ms / 1000.0, False)
                self.calm_s += calm_ms / 1000.0
                self.t_ms = t_ms + calm_ms
                # by day the readings of the stride (the smoothing keeps its time constant); at
                # night, when nothing moves fast, one
                feeds = min(CALM_FEEDS, calm_ms // sensor_ms) if plant.irradiance_w_m2 > 0.0 else 1
                self._read_sensors(self.t_ms / 1000.0, feeds)
                next_sensor = self.t_ms + sensor_ms
                next_control = self.t_ms
                continue
            duty = d.duty_pct
            if decided and duty == last_duty and (duty == 0 or duty == 100):
                # A fresh decision at full speed or off, as before: the pump drive would apply
                # it and the cycler would say the same; its books catch up at its next call.
                on = duty == 100
            else:
                duty = last_duty = ctl.effective_duty_pct()
                ticks = self._ticks_ms()
                on = cycler.update(ticks, duty)
            if on != self.pump_on:
                self.pump_on = on
                ctl.pump_on = on
                if on:
                    self.pump_switches += 1
                ctl.pump_switches += 1
            if sample_s and t_s >= self._next_sample_s:
                self._sample(t_s, d.duty_pct, d.mode, on)
            nxt = next_sensor if next_sensor < next_control else next_control
            if 0 < duty < 100:
                edge = t_ms + max(1, cycler.next_edge_ms(self._ticks_ms()))
                if edge < nxt:
                    nxt = edge
            if end_ms < nxt:
                nxt = end_ms
            dt_s = (nxt - t_ms) / 1000.0
            if d.mode == frost:
                before = acc[K.A_TO_TANK]
                step(dt_s, on)
                self.frost_heat_j += acc[K.A_TO_TANK] - before
                if on:
                    self.frost_pump_s += dt_s
            else:
                step(dt_s, on)
            self.t_ms = nxt

    def errors(self):
        return [line for line in self.log_lines if " ERROR " in line or " WARN " in line]

    @property
    def firmware_starts(self):
        """Pump starts as the firmware counts them (a decision going from 0 % to more)."""
        return self.ctl.pump_starts


class GreedyRun(_RunBase):
    """The greedy reference rule: full speed whenever pumping brings hotter water into the tank
    than it takes out, judged on the model's true state. Not a bound: a day on which running
    the pump costs pipe heat is one it loses."""

    def __init__(self, weather=None, plant_config=None, sample_s=0.0):
        from hwc.simulate import load_weather

        super().__init__(weather if weather is not None else load_weather(), plant_config, sample_s)
        self.decisions = 0
        p = self.plant
        self._weights = np.concatenate([np.full(p._nc, p._cc), np.full(p._np, p._cp)])
        self._slice = slice(p._np, 2 * p._np + p._nc)  # collector and flow pipe
        self._bottom = 2 * p._np + p._nc + p._nt - 1
        self._wsum = float(self._weights.sum())
        self.firmware_starts = 0

    def gain_k(self):
        """Heat-capacity-weighted mean of the water pumping would bring in, minus the tank bottom, K."""
        temps = self.plant._temps
        incoming = float(self._weights @ temps[self._slice]) / self._wsum
        return incoming - float(temps[self._bottom])

    def run(self, duration_s):
        plant = self.plant
        end = plant.t_s + duration_s
        while plant.t_s < end - 1e-9:
            on = self.gain_k() > 0.0
            self.decisions += 1
            if on != self.pump_on:
                self.pump_on = on
                if on:
                    self.pump_switches += 1
                    self.firmware_starts += 1
            if self.sample_s and plant.t_s >= self._next_sample_s:
                self._sample(plant.t_s, 100 if on else 0, "greedy", on)
            stride = GREEDY_STEP_S if on else GREEDY_OFF_STEP_S
            plant.step(min(stride, end - plant.t_s), on)
