"""Fast plant runs for the benchmark: the device package's control pipeline without the tasks.

``hwc simulate`` runs the whole firmware (asyncio tasks, locks, real Adafruit drivers on bit-level
fake buses) and manages about a simulated day in half a minute. The benchmark needs a hundred
days, so :class:`DirectRun` calls the same device objects directly, in the order the tasks call
them, on a virtual millisecond clock:

* every SENSOR_PERIOD_S: the simulated raw ADC values go through the Controller's
  ``NtcSensor`` pipeline (fault classification, lookup table, smoothing), and the DS18B20
  slots get the plant's temperatures at 1/16 C;
* every CONTROL_PERIOD_S: ``Controller.control_once()`` (the configured pump strategy, manual
  mode and whatever else the firmware's control step does);
* at every edge of the slow PWM: ``Controller.cycler`` (``DutyCycler``) with
  ``Controller.effective_duty_pct()``, as the pump task does, switching the plant's pump.

What differs from the firmware in the loop: no bus transactions or task scheduling; while the
pump is off the plant advances in steps of up to ``OFF_STEP_S`` (its own integration step when
nothing flows), so a reading can lag the model by that much; and on a quiet night (no sun, pump
off and idle, no cool-off armed, the difference below the stop point, so no rule can start the
pump) sensors and control run every ``QUIET_PERIOD_S`` instead of every 2 s (or more often, to
stay within DECISION_MAX_AGE_S). A test checks that
both paths deliver the same heat on the same day to within a few per cent.

:class:`OracleRun` is the benchmark's upper bound: it reads the plant's true state and runs the
pump at full speed whenever the water it would bring into the tank (the flow pipe's and the
collector's contents, weighted by heat capacity) is hotter than the tank bottom it displaces.
"""

from types import SimpleNamespace

from controller import settings as settings_mod
from controller.algorithm import IDLE
from controller.app import Controller
from controller.log import Log
from controller.sensors import (DS18B20_MAX_C, DS18B20_MIN_C, FAULT_BUS, FAULT_CRC, FAULT_MISSING, FAULT_POWER_ON,
                                FAULT_RANGE)

from hwc.sim.plant import Plant, PlantConfig
from hwc.sim.sensors import Sensors

# The simulated DS18B20 fault kinds (hwc.sim.sensors) in the firmware's words, as its bus code
# would classify them.
PROBE_FAULT_WORDS = {"missing": FAULT_MISSING, "short": FAULT_BUS, "crc": FAULT_CRC, "power_on_85": FAULT_POWER_ON,
                     "range": FAULT_RANGE}

TICKS_PERIOD = 1 << 29
TICKS_START_MS = TICKS_PERIOD - 30_000  # 30 s before the device tick counter wraps, as the rig
OFF_STEP_S = 10.0
QUIET_PERIOD_S = 30.0
ORACLE_STEP_S = 2.0


class _RunBase:
    def __init__(self, weather, plant_config, sample_s):
        self.plant = Plant(plant_config if plant_config is not None else PlantConfig(), weather)
        self.weather = weather
        self.sample_s = sample_s
        self.samples = []  # (t_s, G, ambient, collector out, tank top, tank bottom, duty, mode, pump)
        self._next_sample_s = 0.0

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
        self.sensors = Sensors(self.plant, table=self.ctl.hot.table, noise_raw=noise_raw, seed=seed,
                               faults=faults)
        self._probe_sources = [(p, p.name if p.name in self.sensors.ds18_sources else None)
                               for p in self.ctl.probes[:probes]]
        self.quiet_s = 0.0  # time spent in quiet-night cadence
        self.pump_on = False
        self.pump_switches = 0

    def _ticks_ms(self):
        return (TICKS_START_MS + self.t_ms) % TICKS_PERIOD

    def _read_sensors(self, t_s):
        ctl = self.ctl
        sensors = self.sensors
        ctl.hot.feed_raw(sensors.ntc_raw("hot", t_s))
        ctl.cold.feed_raw(sensors.ntc_raw("cold", t_s))
        now_s = ctl.clock.now_s()
        for probe, source in self._probe_sources:
            if source is not None:
                temp, kind = sensors.ds18_state(source, t_s)
                if kind is None and not DS18B20_MIN_C <= temp <= DS18B20_MAX_C:
                    kind = "range"
                probe.feed(temp if kind is None else None, PROBE_FAULT_WORDS.get(kind, kind), now_s)
        ctl.readings += 1

    def run(self, duration_s):
        """Advance ``duration_s`` seconds of firmware and plant time."""
        ctl = self.ctl
        s = self.settings
        plant = self.plant
        sensor_ms = int(s.sensor_period_s * 1000)
        control_ms = int(s.control_period_s * 1000)
        quiet_ms = int(min(QUIET_PERIOD_S, 0.8 * s.decision_max_age_s) * 1000)
        end_ms = self.t_ms + int(duration_s * 1000)
        next_sensor = next_control = self.t_ms
        pending_off_s = 0.0
        cycler = ctl.cycler
        sample_s = self.sample_s
        while self.t_ms < end_ms:
            t_ms = self.t_ms
            t_s = t_ms / 1000.0
            if t_ms >= next_sensor:
                self._read_sensors(t_s)
                next_sensor += sensor_ms
            if t_ms >= next_control:
                d = ctl.control_once()
                next_control += control_ms
                if (d.duty_pct == 0 and not self.pump_on and plant.irradiance_w_m2 <= 0.0
                        and d.diff_k is not None and d.diff_k < d.min_diff_k and not d.cool_off_armed
                        and d.mode == IDLE):
                    next_control = next_sensor = t_ms + quiet_ms
                    self.quiet_s += quiet_ms / 1000.0
            ticks = self._ticks_ms()
            on = cycler.update(ticks, ctl.effective_duty_pct())
            if on != self.pump_on:
                self.pump_on = on
                ctl.pump_on = on
                self.pump_switches += 1
                ctl.pump_switches += 1
            if sample_s and t_s >= self._next_sample_s:
                if pending_off_s:
                    plant.step(pending_off_s, False)
                    pending_off_s = 0.0
                self._sample(t_s, ctl.decision.duty_pct, ctl.decision.mode, on)
            edge_ms = cycler.next_edge_ms(ticks)
            nxt = min(next_sensor, next_control, end_ms, t_ms + max(1, edge_ms))
            dt_s = (nxt - t_ms) / 1000.0
            if on:
                if pending_off_s:
                    plant.step(pending_off_s, False)
                    pending_off_s = 0.0
                plant.step(dt_s, True)
            else:
                pending_off_s += dt_s
                if pending_off_s >= OFF_STEP_S:
                    plant.step(pending_off_s, False)
                    pending_off_s = 0.0
            self.t_ms = nxt
        if pending_off_s:
            plant.step(pending_off_s, False)

    def errors(self):
        return [line for line in self.log_lines if " ERROR " in line or " WARN " in line]


class OracleRun(_RunBase):
    """The upper bound: full speed whenever pumping brings hotter water into the tank."""

    def __init__(self, weather=None, plant_config=None, sample_s=0.0):
        from hwc.simulate import load_weather

        super().__init__(weather if weather is not None else load_weather(), plant_config, sample_s)
        self.pump_on = False
        self.pump_switches = 0
        self.decisions = 0

    def gain_k(self):
        """Heat-capacity-weighted mean of the water pumping would bring in, minus the tank bottom, K."""
        p = self.plant
        incoming = (p._cc * sum(p._C) + p._cp * sum(p._F)) / (p._cc * len(p._C) + p._cp * len(p._F))
        return incoming - p.tank_bottom_c

    def run(self, duration_s):
        plant = self.plant
        end = plant.t_s + duration_s
        while plant.t_s < end - 1e-9:
            on = self.gain_k() > 0.0
            self.decisions += 1
            if on != self.pump_on:
                self.pump_on = on
                self.pump_switches += 1
            if self.sample_s and plant.t_s >= self._next_sample_s:
                self._sample(plant.t_s, 100 if on else 0, "oracle", on)
            step = ORACLE_STEP_S if on else OFF_STEP_S
            plant.step(min(step, end - plant.t_s), on)
