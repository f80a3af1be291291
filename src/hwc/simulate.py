"""Run the real firmware against a simulated solar plant on a virtual clock.

The device package (``controller.app.Controller``, real Adafruit drivers on the fake buses of
``hwc.rig``) reads the NTCs and DS18B20 probes of a :class:`hwc.sim.plant.Plant`, and its pump
output (the PCF8591 DAC) drives the plant's pump. Time is virtual: the plant is stepped from the
event loop's advance hook, so a simulated day takes seconds of wall time.

Usage::

    hwc simulate                                   # bundled summer day, default settings;
                                                   # the plot goes to out/simulation.png
    hwc simulate --days 3 --location sunny --month 7 --plot july.png
    hwc simulate --weather day.csv --settings settings.toml --json --log fw.log
    hwc simulate --fault hot:open:12:12.17         # NTC "hot" open 12:00-12:10
    hwc simulate --strategy onoff                  # CONTROL_STRATEGY=onoff in the firmware
    hwc simulate --strategy burst                  # the full-speed burst control
    hwc simulate --strategy greedy                 # the bench's greedy reference rule (no firmware)
    hwc simulate --mqtt tb.example.org --token A1B2C3   # publish to a ThingsBoard device

The summary goes to stdout (``--json``: one JSON object and nothing else); firmware error
lines, progress (multi-day runs) and library chatter go to stderr; ``--log`` keeps all
firmware log lines. Bad weather / settings files and bad options exit with code 2.

Wiring:

* NTC ``hot`` / ``cold`` -> PCF8591 channels NTC_HOT_CHANNEL / NTC_COLD_CHANNEL, the raw values
  :class:`hwc.sim.sensors.Sensors` gives (collector outlet, tank bottom; seeded noise).
* DS18B20 slot *n* (PROBEn_NAME) -> the plant temperature of that name (``ambient``,
  ``tank_inlet``, ``tank_outlet``, ``panel_inlet``, ``panel_outlet``, ``tank_top``). The
  probes' ROMs are the simulated ones: PROBEn_ROM from a settings file is replaced. Scripted
  faults map onto the fake devices: missing/open/short -> no presence pulse, crc -> corrupted
  CRC, stuck -> a fixed conversion result, power_on_85 -> 85.0 C every conversion.
* The pump is on while the DAC output is non-zero. The plant is advanced in steps of at least
  0.5 s of firmware time, or earlier when the pump output changes (the output is constant
  between loop advances, since DAC writes happen while the loop runs tasks).

Publishing (``--mqtt HOST[:PORT] --token TOKEN``, or ``--mqtt`` alone with MQTT_BROKER,
MQTT_PORT and MQTT_TOKEN from ``--settings``): the firmware's own link (``controller.net``)
runs on the virtual clock over CPython sockets (``hwc.netpc``) and publishes to the broker
as the device would. The virtual clock is then paced against the wall clock:

* by default at half the pace ThingsBoard's rate limit allows: at most REPLAY_PER_S messages
  per real second of REPLAY_BATCH points, i.e. ``--speed`` up to REPLAY_PER_S x REPLAY_BATCH x
  TELEMETRY_PERIOD_S (200 x real time with the defaults), and by default half of that (100 x:
  a day in about 15 minutes), so a backlog after a broker outage drains while live points go
  on. Sending and reconnecting are paced in real time, so a broker that refuses the token sees
  the device's backoff, not the virtual clock's. Each
  point carries its simulated time as ``ts``: the simulated days are stamped as the last whole
  days before today (midnight to midnight, this computer's time zone), so a dashboard showing
  "the last days" shows them with the right times of day. What is still buffered at the end
  is sent before the run ends.
* with ``--realtime``, at the speed of the wall clock and stamped with it, for a live
  dashboard (the plant's day starts at midnight when the run starts).

Without ``--mqtt`` nothing is published, even with a settings file that names a broker.

Speed: the fake 1-Wire bus bit-bangs every DS18B20 transaction in Python; it dominates the
wall time. ``--probes N`` puts only the first N probes on the bus (the other slots are left
unconfigured, as on a board with fewer probes); the control algorithm uses only the NTCs.
"""

import contextlib
import json
import math
import os
import sys
import time

from hwc.sim.sensors import FAULT_KINDS

DAY_S = 86400.0
PLANT_STEP_S = 0.5
SAMPLE_S = 60.0
DEFAULT_PROBES = 1
DEFAULT_PLOT = os.path.join("out", "simulation.png")  # /out/ is in .gitignore: a run leaves the checkout clean
GREEDY_NAMES = ("greedy", "oracle")  # "oracle": what the greedy rule was called before it was named for what it is


def _strategy_choices():
    from controller.algorithm import STRATEGIES

    return tuple(STRATEGIES) + GREEDY_NAMES


STRATEGY_CHOICES = _strategy_choices()

SUMMARY_KEYS = (
    "days", "weather", "heat_to_tank_kwh", "absorbed_kwh", "drawn_kwh", "pump_energy_kwh",
    "pump_starts", "pump_starts_plant", "pump_hours", "max_collector_c", "max_tank_c",
    "relief_openings", "tank_top_hours_ge_60", "tank_top_initial_c", "tank_bottom_initial_c",
    "tank_top_final_c", "tank_bottom_final_c", "mode_share", "control_cycles",
    "firmware_errors", "task_restarts", "energy_balance_error", "probes", "wall_s", "speed",
)


class SimulationError(ValueError):
    """A bad input file or option (exit code 2)."""


# ---- inputs ---------------------------------------------------------------------------------
def settings_env(path):
    """The settings dict (key -> str/int) the device would read from ``path`` (None: {}).

    Raises SimulationError for a missing file or anything the device would not read as written
    (cpsettings problems or values the firmware rejects).
    """
    if path is None:
        return {}
    from controller import settings as settings_mod
    from hwc import cpsettings

    if not os.path.isfile(path):
        raise SimulationError("settings file %s not found" % path)
    env, problems = cpsettings.parse_file(path)
    errors = [p.format(path) for p in problems]
    settings = settings_mod.load(cpsettings.getenv_for(path))
    errors += ["%s: %s" % (path, e) for e in settings.errors]
    if errors:
        raise SimulationError("bad settings file:\n  " + "\n  ".join(errors))
    return dict(env)


def load_weather(csv_path=None, location=None, month=None, days=1):
    from hwc.sim.weather import Weather, WeatherError

    try:
        if csv_path is not None:
            if not os.path.isfile(csv_path):
                raise SimulationError("weather file %s not found" % csv_path)
            return Weather.from_csv(csv_path)
        if location is not None:
            return Weather.from_tmy(location, month=month, days=days)
        return Weather.default()
    except WeatherError as exc:
        raise SimulationError("weather: %s" % exc) from None
    except (OSError, ValueError, KeyError) as exc:
        if isinstance(exc, SimulationError):
            raise
        raise SimulationError("weather: %s" % exc) from None


# ---- the simulation -------------------------------------------------------------------------
class Simulation:
    """The firmware in a :class:`hwc.rig.Rig` coupled to a plant.

    :param env: settings as settings.toml gives them (PROBEn_ROM entries are replaced)
    :param weather: a :class:`hwc.sim.weather.Weather` (default: the bundled summer day)
    :param plant_config: a :class:`hwc.sim.plant.PlantConfig`
    :param faults: a :class:`hwc.sim.sensors.FaultScript` or list of (start_s, end_s, name, kind)
    :param probes: DS18B20 probes on the bus (first N slots)
    :param seed: sensor noise seed
    :param record_cycles: keep every control cycle's inputs and decision in ``cycles``
    """

    def __init__(self, env=None, weather=None, plant_config=None, faults=None,
                 probes=DEFAULT_PROBES, seed=0, noise_raw=0.4, record_cycles=True,
                 sample_s=SAMPLE_S):
        from controller import settings as settings_mod
        from hwc.rig import Rig
        from hwc.sim.plant import Plant, PlantConfig
        from hwc.sim.sensors import FaultScript, Sensors

        env = {k: v for k, v in dict(env or {}).items()
               if not (k.startswith("PROBE") and k.endswith("_ROM"))}
        self.weather = weather if weather is not None else load_weather()
        self.plant = Plant(plant_config if plant_config is not None else PlantConfig(), self.weather)
        self.rig = rig = Rig(env, probes=probes)
        self.ctl = rig.ctl
        if faults is not None and not isinstance(faults, FaultScript):
            faults = FaultScript(faults)
        self.sensors = Sensors(self.plant, table=rig.table, noise_raw=noise_raw, seed=seed,
                               faults=faults)
        self.loop = rig.loop
        self.n_probes = probes
        s = rig.settings
        rig.pcf.set_source(s.ntc_hot_channel, lambda: self.sensors.ntc_raw("hot", self.loop.time()))
        rig.pcf.set_source(s.ntc_cold_channel, lambda: self.sensors.ntc_raw("cold", self.loop.time()))
        self.probe_map = []  # (fake device, sensor name)
        for (name, _rom), dev in zip(settings_mod.probes(s), rig.ds18):
            src = name if name in self.sensors.ds18_sources else "ambient"
            dev.temp_source = self._probe_source(src)
            self.probe_map.append((dev, src))
        self._ds18_faulted = sorted({f.sensor for f in self.sensors.faults
                                     if f.sensor in self.sensors.ds18_sources})
        self._fault_state = {}
        # plant stepping
        self._pend_dt = 0.0
        self._pend_on = False
        self.sample_s = float(sample_s)
        self._next_sample = 0.0
        self.samples = []  # (t_s, G, ambient, collector, tank top, tank bottom, duty, mode, pump)
        self.loop.advance_hooks.append(self._advance)
        self.record_cycles = record_cycles
        self.cycles = []  # (now_s, hot_c, cold_c, fault_text, duty, mode, max_diff, reason, t_s)
        self._mode_s = {}
        self._last_cycle = None  # (t_s, mode)
        self._control_once = self.ctl.control_once
        self.ctl.control_once = self._wrapped_control_once
        self.tank_top_initial_c = self.plant.tank_top_c
        self.tank_bottom_initial_c = self.plant.tank_bottom_c
        self.wall_s = 0.0
        self.started = False
        self.link = None  # attach_link(): the firmware's network link (hwc simulate --mqtt)
        self._sample(0.0)

    # -- sensors ------------------------------------------------------------------------
    def _probe_source(self, name):
        def source():
            temp, _kind = self.sensors.ds18_state(name, self.loop.time())
            return temp if temp is not None else self.sensors.ds18_temp(name)
        return source

    def _update_probe_faults(self, t_s):
        for dev, name in self.probe_map:
            if name not in self._ds18_faulted:
                continue
            f = self.sensors.fault(name, t_s)
            kind = f.kind if f is not None else None
            if self._fault_state.get(id(dev)) == (f, kind):
                continue
            self._fault_state[id(dev)] = (f, kind)
            dev.present = kind not in ("missing", "open", "short")
            dev.corrupt_crc = kind == "crc"
            if kind == "stuck":
                dev.stuck_c = self.sensors.ds18_temp(name)
            elif kind == "power_on_85":
                dev.power_on_reset()
                dev.stuck_c = 85.0
            else:
                dev.stuck_c = None

    # -- plant coupling -----------------------------------------------------------------
    def _flush(self):
        if self._pend_dt > 0.0:
            self.plant.step(self._pend_dt, self._pend_on)
            self._pend_dt = 0.0

    def _advance(self, old_s, new_s):
        on = self.rig.pcf.output_level() > 0
        if on != self._pend_on:
            self._flush()
            self._pend_on = on
        self._pend_dt += new_s - old_s
        if self._pend_dt >= PLANT_STEP_S:
            self._flush()
            if self._ds18_faulted:
                self._update_probe_faults(new_s)
        if new_s >= self._next_sample:
            self._flush()
            self._sample(new_s)

    def _sample(self, t_s):
        p = self.plant
        d = self.ctl.decision
        self.samples.append((t_s, p.irradiance_w_m2, p.ambient_c, p.panel_outlet_c, p.tank_top_c,
                             p.tank_bottom_c, d.duty_pct, d.mode, self.rig.pcf.output_level() > 0))
        self._next_sample = (math.floor(t_s / self.sample_s) + 1) * self.sample_s

    def _wrapped_control_once(self):
        ctl = self.ctl
        hot, cold = ctl.hot.value_c, ctl.cold.value_c
        fault = ctl.fault_text() if hot is None or cold is None else ""
        now_s = ctl.clock.now_s()
        d = self._control_once()
        t = self.loop.time()
        if self._last_cycle is not None:
            t0, mode0 = self._last_cycle
            self._mode_s[mode0] = self._mode_s.get(mode0, 0.0) + (t - t0)
        self._last_cycle = (t, d.mode)
        if self.record_cycles:
            self.cycles.append((now_s, hot, cold, fault, d.duty_pct, d.mode, d.max_diff_k,
                                d.reason, t))
        return d

    # -- running ------------------------------------------------------------------------
    def attach_link(self, epoch_s, speed, step_s=None):
        """The firmware's network link on this simulation (the settings name the broker):
        its wall clock reads ``epoch_s()`` (Unix seconds), the virtual clock is paced at
        ``speed`` times the wall clock, and sending is paced by REPLAY_PER_S in real time."""
        from controller.net.link import make_link
        from hwc.netpc import Pacer, SimRadio

        self.radio = SimRadio(epoch_s)
        self.link = link = make_link(self.ctl, self.radio)
        link.poll_s = 0.001  # the virtual loop must not wait on the socket
        link.step_s = step_s or max(0.2, min(speed / 50.0, self.rig.settings.telemetry_period_s / 2))
        # Sending (REPLAY_PER_S) and reconnecting (the backoff) are paced in real time: a real
        # broker sees the device's rates, never the virtual clock's.
        link.clock = lambda: int(time.monotonic() * 1000)
        link.message_chars = 1 << 20  # the PC has the RAM: REPLAY_BATCH alone sizes a message
        self.pacer = Pacer(speed)
        self.loop.advance_hooks.append(self.pacer)
        return link

    def start(self):
        t0 = time.perf_counter()
        self.rig.start(extra=[("link", self.link.task)] if self.link is not None else ())
        self.started = True
        self.wall_s += time.perf_counter() - t0

    def run_for(self, seconds):
        if not self.started:
            self.start()
        t0 = time.perf_counter()
        self.rig.run_for(seconds)
        self._flush()
        self.wall_s += time.perf_counter() - t0

    def run(self, duration_s, progress=None, chunk_s=3600.0):
        """Run ``duration_s`` of firmware time in chunks; ``progress(done_s, total_s)`` after each."""
        end = self.loop.time() + duration_s
        total = duration_s
        while self.loop.time() < end - 1e-6:
            self.run_for(min(chunk_s, end - self.loop.time()))
            if progress is not None:
                progress(total - (end - self.loop.time()), total)

    def stop(self):
        t0 = time.perf_counter()
        self.rig.stop()
        self._flush()
        self.wall_s += time.perf_counter() - t0

    def mode_share(self):
        share = dict(self._mode_s)
        if self._last_cycle is not None:
            t0, mode = self._last_cycle
            share[mode] = share.get(mode, 0.0) + max(0.0, self.loop.time() - t0)
        total = sum(share.values()) or 1.0
        return {m: round(v / total, 4) for m, v in sorted(share.items(), key=lambda kv: -kv[1])}

    def summary(self):
        p = self.plant
        tot = p.totals
        sim_s = p.t_s
        return {
            "days": round(sim_s / DAY_S, 4),
            "weather": self.weather.name,
            "heat_to_tank_kwh": round(tot["heat_to_tank_j"] / 3.6e6, 3),
            "absorbed_kwh": round(tot["absorbed_j"] / 3.6e6, 3),
            "drawn_kwh": round(tot["drawn_j"] / 3.6e6, 3),
            "pump_energy_kwh": round(tot["pump_energy_j"] / 3.6e6, 4),
            "pump_starts": self.ctl.pump_starts,
            "pump_starts_plant": tot["pump_starts"],
            "pump_hours": round(tot["pump_on_s"] / 3600.0, 3),
            "max_collector_c": round(tot["max_collector_c"], 2),
            "max_tank_c": round(tot["max_tank_c"], 2),
            "relief_openings": tot["relief_openings"],
            "tank_top_hours_ge_60": round(tot["tank_top_hours_ge_60"], 3),
            "tank_top_initial_c": round(self.tank_top_initial_c, 2),
            "tank_bottom_initial_c": round(self.tank_bottom_initial_c, 2),
            "tank_top_final_c": round(p.tank_top_c, 2),
            "tank_bottom_final_c": round(p.tank_bottom_c, 2),
            "mode_share": self.mode_share(),
            "control_cycles": self.ctl.control_cycles,
            "firmware_errors": len(self.error_lines()),
            "task_restarts": sum(self.ctl.task_restarts.values()),
            "energy_balance_error": p.energy_balance_error(),
            "probes": self.n_probes,
            "wall_s": round(self.wall_s, 2),
            "speed": round(sim_s / self.wall_s, 1) if self.wall_s > 0 else None,
        }

    def error_lines(self):
        return [line for line in self.rig.log_lines if " ERROR " in line or " WARN " in line]


# ---- output ---------------------------------------------------------------------------------
def format_summary(s, messages_at="stderr"):
    """The summary as text; ``messages_at``: where the firmware's warnings and errors went
    ("stderr" or the --log file)."""
    lines = [
        "simulated %.2f day(s), weather: %s" % (s["days"], s["weather"]),
        "heat delivered to the tank  %8.2f kWh  (absorbed %.2f, drawn %.2f)"
        % (s["heat_to_tank_kwh"], s["absorbed_kwh"], s["drawn_kwh"]),
        "pump energy                 %8.3f kWh" % s["pump_energy_kwh"],
        "pump starts                 %8d  (firmware decisions; %d PWM starts at the plant)"
        % (s["pump_starts"], s["pump_starts_plant"]),
        "pump run time               %8.2f h" % s["pump_hours"],
        "max collector               %8.1f C" % s["max_collector_c"],
        "max tank                    %8.1f C" % s["max_tank_c"],
        "relief-valve openings       %8d" % s["relief_openings"],
        "tank top >= 60 C            %8.2f h" % s["tank_top_hours_ge_60"],
        "tank top / bottom           %5.1f / %5.1f C  (start %.1f / %.1f C)"
        % (s["tank_top_final_c"], s["tank_bottom_final_c"], s["tank_top_initial_c"],
           s["tank_bottom_initial_c"]),
        "firmware modes              " + ", ".join("%s %.1f %%" % (m, 100 * f)
                                                   for m, f in s["mode_share"].items()),
        "control cycles              %8d  (%s)" % (s["control_cycles"], _messages(s["firmware_errors"], messages_at)),
        "speed                       %8.0f x real time  (%.1f s wall, %d DS18B20 on the bus)"
        % (s["speed"] or 0, s["wall_s"], s["probes"]),
    ]
    return "\n".join(lines)


def _messages(n, where):
    """'no firmware warnings or errors', or how many and where they were listed."""
    if not n:
        return "no firmware warnings or errors"
    return "%d firmware warning%s or error%s: %s" % (
        n, "" if n == 1 else "s", "" if n == 1 else "s",
        "listed above as 'firmware: ...'" if where == "stderr" else "in " + where)


MODE_COLOURS = {"running": "#b8e0b8", "purge": "#b8d0f0", "cool_off": "#d0c0f0",
                "overheat": "#f0b0b0", "fault": "#f0e090"}


def plot(sim, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sim.samples
    t_h = [r[0] / 3600.0 for r in rows]
    fig, (ax_g, ax_t, ax_d) = plt.subplots(3, 1, sharex=True, figsize=(11, 8),
                                           gridspec_kw={"height_ratios": [1, 2, 1]})
    ax_g.plot(t_h, [r[1] for r in rows], color="orange", label="irradiance (plane)")
    ax_g.set_ylabel("W/m2")
    ax_g.legend(loc="upper right", fontsize=8)
    ax_t.plot(t_h, [r[3] for r in rows], color="red", label="collector outlet")
    ax_t.plot(t_h, [r[4] for r in rows], color="darkred", label="tank top")
    ax_t.plot(t_h, [r[5] for r in rows], color="blue", label="tank bottom")
    ax_t.plot(t_h, [r[2] for r in rows], color="grey", lw=0.8, label="ambient")
    ax_t.set_ylabel("C")
    ax_t.legend(loc="upper right", fontsize=8)
    ax_d.step(t_h, [r[6] for r in rows], where="post", color="green", label="decided duty")
    ax_d.set_ylabel("duty %")
    ax_d.set_ylim(-5, 105)
    ax_d.set_xlabel("hours")
    # mode shading from the control cycles (merged into spans)
    spans = []
    for r in rows:
        mode = r[7]
        if spans and spans[-1][2] == mode:
            spans[-1][1] = r[0]
        else:
            if spans:
                spans[-1][1] = r[0]
            spans.append([r[0], r[0], mode])
    seen = set()
    for t0, t1, mode in spans:
        colour = MODE_COLOURS.get(mode)
        if colour and t1 > t0:
            ax_d.axvspan(t0 / 3600.0, t1 / 3600.0, color=colour, alpha=0.6, lw=0,
                         label=None if mode in seen else mode)
            seen.add(mode)
    ax_d.legend(loc="upper right", fontsize=8)
    s = sim.summary()
    fig.suptitle("%s: %.2f kWh to the tank, pump %.1f h, %d starts"
                 % (s["weather"], s["heat_to_tank_kwh"], s["pump_hours"], s["pump_starts"]))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


class GreedySimulation:
    """``--strategy greedy``: the bench's greedy reference rule on the same plant (it reads the
    model's true state; no firmware), with the same summary and plot (firmware-only fields
    describe the rule's own decisions)."""

    rig = None

    def __init__(self, weather, plant_config=None):
        from hwc.sim.direct import GreedyRun

        self.run_ = GreedyRun(weather=weather, plant_config=plant_config, sample_s=SAMPLE_S)
        self.plant = self.run_.plant
        self.weather = weather
        self.samples = self.run_.samples
        self.tank_top_initial_c = self.plant.tank_top_c
        self.tank_bottom_initial_c = self.plant.tank_bottom_c
        self.wall_s = 0.0

    def run(self, duration_s, progress=None, chunk_s=3600.0):
        end = self.plant.t_s + duration_s
        while self.plant.t_s < end - 1e-6:
            t0 = time.perf_counter()
            self.run_.run(min(chunk_s, end - self.plant.t_s))
            self.wall_s += time.perf_counter() - t0
            if progress is not None:
                progress(duration_s - (end - self.plant.t_s), duration_s)

    def summary(self):
        p = self.plant
        tot = p.totals
        on_share = tot["pump_on_s"] / p.t_s if p.t_s else 0.0
        return {
            "days": round(p.t_s / DAY_S, 4), "weather": self.weather.name,
            "heat_to_tank_kwh": round(tot["heat_to_tank_j"] / 3.6e6, 3),
            "absorbed_kwh": round(tot["absorbed_j"] / 3.6e6, 3), "drawn_kwh": round(tot["drawn_j"] / 3.6e6, 3),
            "pump_energy_kwh": round(tot["pump_energy_j"] / 3.6e6, 4),
            "pump_starts": tot["pump_starts"], "pump_starts_plant": tot["pump_starts"],
            "pump_hours": round(tot["pump_on_s"] / 3600.0, 3),
            "max_collector_c": round(tot["max_collector_c"], 2), "max_tank_c": round(tot["max_tank_c"], 2),
            "relief_openings": tot["relief_openings"],
            "tank_top_hours_ge_60": round(tot["tank_top_hours_ge_60"], 3),
            "tank_top_initial_c": round(self.tank_top_initial_c, 2),
            "tank_bottom_initial_c": round(self.tank_bottom_initial_c, 2),
            "tank_top_final_c": round(p.tank_top_c, 2), "tank_bottom_final_c": round(p.tank_bottom_c, 2),
            "mode_share": {"greedy on": round(on_share, 4), "greedy off": round(1.0 - on_share, 4)},
            "control_cycles": self.run_.decisions, "firmware_errors": 0, "task_restarts": 0,
            "energy_balance_error": p.energy_balance_error(), "probes": 0,
            "wall_s": round(self.wall_s, 2),
            "speed": round(p.t_s / self.wall_s, 1) if self.wall_s > 0 else None,
        }


class ProgressBar:
    def __init__(self, stream=None, width=40):
        self.stream = stream or sys.stderr
        self.width = width

    def __call__(self, done_s, total_s):
        frac = min(1.0, done_s / total_s) if total_s else 1.0
        n = round(frac * self.width)
        days = math.ceil(total_s / DAY_S)
        day = min(int(done_s // DAY_S) + 1, days)
        self.stream.write("\r[%s%s] %5.1f %% day %d/%d"
                          % ("#" * n, "." * (self.width - n), 100 * frac, day, days))
        if frac >= 1.0:
            self.stream.write("\n")
        self.stream.flush()


# ---- CLI ------------------------------------------------------------------------------------
def add_arguments(parser):
    parser.add_argument("--days", type=float, default=1.0, help="simulated days (default 1)")
    w = parser.add_mutually_exclusive_group()
    w.add_argument("--weather", metavar="FILE", help="weather CSV (timestamp, poa_w_m2 or ghi_w_m2, ambient_c)")
    w.add_argument("--location", metavar="NAME", help="TMY location from pvlib (greensboro, sand_point, miami, ...)")
    parser.add_argument("--month", type=int, metavar="M", help="month 1..12 for --location (default June)")
    parser.add_argument("--settings", metavar="FILE", help="a settings.toml (default: built-in defaults)")
    parser.add_argument("--probes", type=int, default=DEFAULT_PROBES, choices=range(6), metavar="N",
                        help="DS18B20 probes on the simulated bus, 0..5 (default %d; fewer is faster)"
                        % DEFAULT_PROBES)
    parser.add_argument("--fault", action="append", default=[], metavar="SENSOR:KIND:FROM_H:TO_H",
                        help="scripted sensor fault, hours of simulated time from the start, e.g. "
                        "hot:open:12:12.17 (sensors: hot, cold and the DS18B20 names; kinds: %s); "
                        "repeatable" % ", ".join(FAULT_KINDS))
    parser.add_argument("--strategy", choices=STRATEGY_CHOICES,
                        help="pump control: the firmware's CONTROL_STRATEGY (default: the settings'), or "
                        "greedy, the bench's reference rule that reads the plant state (no firmware; "
                        "'oracle' is its old name)")
    parser.add_argument("--seed", type=int, default=0, help="sensor noise seed (default 0)")
    parser.add_argument("--plot", metavar="FILE", default=DEFAULT_PLOT,
                        help="PNG plot (default %s, a folder git ignores in this repository)" % DEFAULT_PLOT)
    parser.add_argument("--no-plot", action="store_true", help="do not write a plot")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--log", metavar="FILE", help="write all firmware log lines to FILE")
    parser.add_argument("--mqtt", nargs="?", const="", metavar="HOST[:PORT]",
                        help="publish to this MQTT broker (ThingsBoard) as the device would; alone: "
                        "MQTT_BROKER/MQTT_PORT from --settings. Paced at half what REPLAY_PER_S allows, "
                        "stamped with the simulated time (see --realtime)")
    parser.add_argument("--token", metavar="TOKEN", help="with --mqtt: the device access token (MQTT_TOKEN)")
    parser.add_argument("--realtime", action="store_true",
                        help="with --mqtt: run at the wall clock's speed, stamped with it (a live dashboard)")
    parser.add_argument("--speed", type=float, metavar="X",
                        help="with --mqtt: simulated seconds per real second (default: half the most the "
                        "rate limit allows, leaving room to send a backlog)")


def parse_faults(specs):
    """``["hot:open:12:12.5", ...]`` -> [(start_s, end_s, sensor, kind)]."""
    out = []
    for spec in specs:
        parts = spec.split(":")
        if len(parts) != 4:
            raise SimulationError("--fault %r: use SENSOR:KIND:FROM_H:TO_H" % spec)
        sensor, kind, a, b = parts
        if kind not in FAULT_KINDS:
            raise SimulationError("--fault %r: kind must be one of %s" % (spec, ", ".join(FAULT_KINDS)))
        try:
            start_h, end_h = float(a), float(b)
        except ValueError:
            raise SimulationError("--fault %r: FROM_H and TO_H must be numbers (hours)" % spec) from None
        if not end_h > start_h:
            raise SimulationError("--fault %r: TO_H must be after FROM_H" % spec)
        out.append((start_h * 3600.0, end_h * 3600.0, sensor, kind))
    return out


def run(args):
    err = sys.stderr
    if args.days <= 0:
        print("hwc simulate: --days must be positive", file=err)
        return 2
    if args.month is not None and not 1 <= args.month <= 12:
        print("hwc simulate: --month must be 1..12", file=err)
        return 2
    try:
        faults = parse_faults(args.fault)
        env = settings_env(args.settings)
        weather = load_weather(args.weather, args.location, args.month,
                               days=max(1, math.ceil(args.days)))
    except SimulationError as exc:
        print("hwc simulate: %s" % exc, file=err)
        return 2
    try:
        net = mqtt_options(args, env)
    except SimulationError as exc:
        print("hwc simulate: %s" % exc, file=err)
        return 2
    if args.strategy in GREEDY_NAMES:
        if net is not None:
            print("hwc simulate: --mqtt needs the firmware; the %s has no link" % args.strategy, file=err)
            return 2
        if faults:
            print("hwc simulate: --fault needs the firmware; the %s reads the plant itself" % args.strategy, file=err)
            return 2
        sim = GreedySimulation(weather)
        sim.run(args.days * DAY_S, progress=ProgressBar(err) if args.days > 1 else None)
        return _report(args, sim, err)
    if args.strategy is not None:
        env["CONTROL_STRATEGY"] = args.strategy
    # Blinka's platform detection and anything else the firmware side prints go to stderr:
    # stdout carries only the summary.
    with contextlib.redirect_stdout(err):
        try:
            sim = Simulation(env, weather=weather, probes=args.probes, seed=args.seed,
                             faults=faults, record_cycles=False)
        except ValueError as exc:  # a fault on an unknown sensor, or one it cannot have
            print("hwc simulate: --fault: %s" % exc, file=err)
            return 2
        progress = ProgressBar(err) if args.days > 1 else None
        if net is not None:
            _attach(sim, net, args.days)
        sim.start()
        try:
            sim.run(args.days * DAY_S, progress=progress)
            if net is not None:
                from hwc.netpc import drain

                net["unsent"] = drain(sim.link)
        finally:
            sim.stop()
    if net is not None:
        return _report(args, sim, err, net)
    return _report(args, sim, err)


def mqtt_options(args, env):
    """With --mqtt: put the broker, token and clock settings into ``env`` and return
    {"broker", "speed", "realtime"}; None without it. Raises SimulationError."""
    from controller import settings as settings_mod
    from hwc.netpc import parse_broker, sustainable_speed

    if args.mqtt is None:
        if args.token is not None or args.realtime or args.speed is not None:
            raise SimulationError("--token, --realtime and --speed go with --mqtt")
        return None
    if args.mqtt:
        try:
            host, port = parse_broker(args.mqtt)
        except ValueError as exc:
            raise SimulationError(str(exc)) from None
        env["MQTT_BROKER"], env["MQTT_PORT"] = host, port
    elif not env.get("MQTT_BROKER"):
        raise SimulationError("--mqtt without HOST needs MQTT_BROKER in --settings")
    if args.token is not None:
        env["MQTT_TOKEN"] = args.token
    env["TIME_SOURCE"] = "ntp"  # the simulated clock; ThingsBoard's getCurrentTime says the real now
    settings = settings_mod.load(env.get)
    if settings.errors:
        raise SimulationError("--mqtt settings: " + "; ".join(settings.errors))
    limit = sustainable_speed(settings)
    if args.realtime:
        if args.speed is not None:
            raise SimulationError("--realtime runs at speed 1: leave out --speed")
        speed = 1.0
    else:
        # By default half the rate limit's pace: the other half is the headroom that drains the
        # backlog after a broker outage while live points go on.
        speed = limit / 2 if args.speed is None else args.speed
        if not 0 < speed <= limit:
            raise SimulationError(
                "--speed %g: must be above 0 and at most %g, the rate limit's pace (REPLAY_PER_S %g x "
                "REPLAY_BATCH %d x TELEMETRY_PERIOD_S %g; raise them in --settings for more)"
                % (speed, limit, settings.replay_per_s, settings.replay_batch, settings.telemetry_period_s))
    return {"broker": "%s:%d" % (settings.mqtt_broker, settings.mqtt_port), "speed": speed,
            "realtime": bool(args.realtime)}


def _attach(sim, net, days):
    from hwc.netpc import last_midnights_epoch_s

    if net["realtime"]:
        epoch = time.time
    else:
        start = last_midnights_epoch_s(max(1, math.ceil(days)))
        net["start_epoch_s"] = start
        epoch = lambda: start + sim.loop.time()  # noqa: E731
    sim.attach_link(epoch, net["speed"])


def _report(args, sim, err, net=None):
    summary = sim.summary()
    rc = 0
    if net is not None:
        link = sim.link
        sent = link.points.total - link.points.count - link.points.dropped
        summary["mqtt"] = dict(net, points_sent=sent, messages=link.messages_sent, dropped=link.points.dropped,
                               unsent=link.points.count, mqtt_connects=link.mqtt_connects,
                               last_error=link.last_error)
        print("mqtt: %d points in %d messages to %s%s; %d dropped (buffer full), %d unsent"
              % (sent, link.messages_sent, net["broker"],
                 "" if net["realtime"] else " stamped from %s" % time.strftime(
                     "%Y-%m-%d %H:%M", time.localtime(net["start_epoch_s"])),
                 link.points.dropped, link.points.count), file=err)
        if link.points.dropped or link.points.count:
            print("hwc simulate: not every point reached the broker%s" % (
                " (last error: %s)" % link.last_error if link.last_error else ""), file=err)
            rc = 1
    if args.log and sim.rig is not None:
        with open(args.log, "w", encoding="utf-8") as f:
            f.write("\n".join(sim.rig.log_lines) + "\n")
    elif sim.rig is not None:
        errors = sim.error_lines()  # the warnings and errors the summary counts, named here
        for line in errors[:20]:
            print("firmware: " + line, file=err)
        if len(errors) > 20:
            print("firmware: ... %d more warning and error lines (use --log FILE)" % (len(errors) - 20), file=err)
    if not args.no_plot:
        try:
            folder = os.path.dirname(args.plot)
            if folder:
                os.makedirs(folder, exist_ok=True)
            plot(sim, args.plot)
        except OSError as exc:
            print("hwc simulate: cannot write %s: %s" % (args.plot, exc), file=err)
            return 1
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        print(format_summary(summary, args.log or "stderr"))
        if not args.no_plot:
            print("plot: %s" % args.plot)
    return rc
