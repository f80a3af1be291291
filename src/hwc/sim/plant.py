"""Physical plant of a pumped domestic solar hot-water system, time-stepped.

The loop, in flow direction::

    tank bottom -> return pipe (to the roof) -> collector -> flow pipe (from the roof) -> tank

* **Collector**: EN 12975 / ISO 9806 quasi-steady model. Useful power per node
  ``A_n * (eta0*G - a1*dT - a2*dT*|dT|)`` with ``dT`` = node temperature - ambient (the
  signed square keeps the a2 term a loss above ambient and a gain below it). The collector is
  ``collector_nodes`` well-mixed nodes in series (default 4) sharing the lumped thermal
  capacity (absorber, casing share and fluid content). With no flow it heats to stagnation
  (eta = 0); at night (G = 0) it loses heat to the air and can cool a circulated tank or freeze.
  No incidence-angle modifier, wind or sky long-wave terms; no boiling.
* **Pipes**: flow and return pipe each ``pipe_length_m`` long, plug flow discretised with
  ``pipe_segments`` upwind finite volumes (fluid + copper wall capacity per segment), heat loss
  ``pipe_ua_w_per_mk`` to the outdoor air, static (but still losing heat) when the pump is off.
  The thermal front travels ``(fluid + wall capacity) / fluid capacity`` times slower than the
  water itself (default 1.18), as in a real pipe whose wall must be heated.
* **Tank**: ``tank_nodes`` (default 10) fully mixed layers, top first, standby loss
  ``tank_ua_w_per_k`` split evenly to the room (``tank_room_c``). Solar flow enters the
  uppermost layer not warmer than itself (a stratifying inlet; the top if it is hotter than
  the top) and flows down through the layers below to the bottom outlet. Any temperature
  inversion is removed by mixing the offending layers (energy-conserving). Draw-off takes hot
  water from the top and feeds cold water (``cold_inlet_c``) into the bottom; so does the
  temperature/pressure relief valve, which opens at ``relief_open_c`` (top layer) and
  discharges ``relief_flow_l_min`` until the top has fallen to ``relief_close_c``.
* **Pump**: on = ``pump_flow_l_min`` (3 L/min), electrical ``pump_power_w`` counted in
  ``pump_energy_j`` but *not* added to the fluid.

Energy accounting: every heat flow is computed once per sub-step and applied both to the state
and to the running totals, so ``absorbed = stored_change + collector_loss + pipe_loss +
tank_loss + drawn + relief`` holds to rounding error (``energy_balance_error``). Stored energy
is ``sum(C_i * T_i)`` over all thermal masses (reference 0 C; only differences are reported).
Water is taken as 4186 J/(L K) everywhere (1 kg/L; real hot water is ~2 % lighter).

Draw-off follows ``draws`` every day, or a schedule of days (``draw_days``); the refill water's
temperature can change between steps (``set_cold_inlet``, mains water by season). Figures for
the bench: hours with the tank top at 60 C or more, hours of collector stagnation (no water
moving, a collector node at ``stagnation_c``, 100 C, or more), relief openings.

Numerics: explicit sub-steps, each no longer than the time for the pump to push one pipe
segment's worth of heat capacity (upwind Courant number + loss <= 1, about 1.5 s by default)
or ``max_substep_off_s`` (10 s) with the pump off; the tank's standby loss (time constant:
days) is applied per chunk of at most 60 s. The state lives in numpy arrays and the sub-steps
run compiled (``hwc.sim.kernel``, numba): a simulated day takes milliseconds.
"""

import math
from dataclasses import dataclass

import numpy as np

from . import kernel as K

WATER_J_PER_LK = 4186.0  # volumetric heat capacity of water, J/(L K) (1 kg/L)
DAY_S = 86400.0


@dataclass(frozen=True)
class CollectorSpec:
    """A solar collector type (EN 12975 / ISO 9806 quasi-steady coefficients, aperture area).

    :param dry_capacity_j_per_k: thermal capacity of the collector without fluid (absorber,
        part of the casing), J/K
    :param fluid_l: fluid content, litres (its capacity is added with the loop fluid's)
    """

    name: str
    area_m2: float
    eta0: float
    a1_w_m2k: float
    a2_w_m2k2: float
    dry_capacity_j_per_k: float
    fluid_l: float

    def stagnation_c(self, g_w_m2, ambient_c):
        """Steady temperature with no flow: eta0*G = a1*dT + a2*dT^2."""
        if g_w_m2 <= 0:
            return ambient_c
        a, b, c = self.a2_w_m2k2, self.a1_w_m2k, -self.eta0 * g_w_m2
        if a == 0:
            return ambient_c - c / b
        return ambient_c + (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)

    def efficiency(self, dt_k, g_w_m2):
        """eta = eta0 - a1*dT/G - a2*dT^2/G."""
        return self.eta0 - self.a1_w_m2k * dt_k / g_w_m2 - self.a2_w_m2k2 * dt_k * dt_k / g_w_m2


# 2 m2 glazed flat plate: c = 7 kJ/(m2 K) dry, 1.6 L fluid.
FLAT_PLATE = CollectorSpec("flat plate", 2.0, 0.75, 3.27, 0.016, 2.0 * 7000.0, 1.6)
# 2 m2 evacuated tube (heat pipe, manifold): c ~ 9 kJ/(m2 K) dry incl. glass share, 1.0 L fluid.
EVACUATED_TUBE = CollectorSpec("evacuated tube", 2.0, 0.62, 1.52, 0.015, 2.0 * 9000.0, 1.0)
COLLECTORS = {"flat_plate": FLAT_PLATE, "evacuated_tube": EVACUATED_TUBE}


@dataclass(frozen=True)
class DrawEvent:
    """A daily hot-water draw: ``litres`` over ``duration_min`` starting at ``start_h`` o'clock."""

    start_h: float
    litres: float
    duration_min: float = 10.0


DEFAULT_DRAWS = (DrawEvent(7.0, 60.0), DrawEvent(7.5, 40.0), DrawEvent(19.0, 50.0),
                 DrawEvent(21.0, 30.0))


@dataclass
class PlantConfig:
    """Plant parameters. All temperatures in C; defaults describe a typical small system."""

    collector: CollectorSpec = FLAT_PLATE
    collector_nodes: int = 4
    # Loop fluid (water in a direct system; ~3700 J/(L K) for 40 % glycol).
    fluid_j_per_lk: float = WATER_J_PER_LK
    # Pipes: each way, 15 mm copper (13.6 mm bore), insulated.
    pipe_length_m: float = 10.0
    pipe_volume_l_per_m: float = 0.13
    pipe_wall_j_per_mk: float = 100.0  # 15 x 0.7 mm copper: 0.27 kg/m * 385 J/(kg K)
    pipe_ua_w_per_mk: float = 0.2
    pipe_segments: int = 20  # per pipe
    # Tank.
    tank_volume_l: float = 300.0
    tank_nodes: int = 10
    tank_ua_w_per_k: float = 2.0
    tank_room_c: float | None = 20.0  # None: the tank stands outdoors (ambient)
    tank_initial_c: float | tuple = 40.0  # uniform, or one value per node (top first)
    cold_inlet_c: float = 15.0
    draws: tuple = DEFAULT_DRAWS  # repeated every day (time of day of the plant clock)
    # A schedule of days instead: day k of the plant clock (day 0 starts at the weather's first
    # midnight) draws draw_days[k % len(draw_days)] (a tuple of DrawEvent); empty: ``draws``.
    draw_days: tuple = ()
    relief_open_c: float = 95.0
    relief_close_c: float = 91.0
    relief_flow_l_min: float = 10.0
    # Pump.
    pump_flow_l_min: float = 3.0
    pump_power_w: float = 20.0
    # Initial collector / pipe temperatures (None: ambient at the start).
    collector_initial_c: float | None = None
    pipe_initial_c: float | None = None
    # Plant clock: weather time (= time of day on day 0) at t_s = 0.
    start_time_s: float = 0.0
    # Numerics.
    max_substep_off_s: float = 10.0
    hot_threshold_c: float = 60.0  # for tank_top_hours_ge_60
    # Collector stagnation: time with no water moving while a collector node is at or above
    # this (water would boil at atmospheric pressure), for stagnation_hours.
    stagnation_c: float = 100.0

    def validate(self):
        if self.collector_nodes < 1 or self.tank_nodes < 2 or self.pipe_segments < 1:
            raise ValueError("need >= 1 collector node, >= 2 tank nodes, >= 1 pipe segment")
        for name in ("pipe_length_m", "pipe_volume_l_per_m", "tank_volume_l", "pump_flow_l_min",
                     "fluid_j_per_lk", "relief_flow_l_min", "max_substep_off_s"):
            if not getattr(self, name) > 0:
                raise ValueError("%s must be positive" % name)
        if self.relief_close_c >= self.relief_open_c:
            raise ValueError("relief_close_c must be below relief_open_c")
        if not isinstance(self.tank_initial_c, (int, float)) and \
                len(self.tank_initial_c) != self.tank_nodes:
            raise ValueError("tank_initial_c needs one value per tank node")


class Plant:
    """The plant, advanced by :meth:`step`. See the module docstring for the physics.

    :param config: a :class:`PlantConfig`
    :param weather: a :class:`hwc.sim.weather.Weather` (or anything with its ``at(t_s)`` and
        ``table()``)

    The state lives in numpy arrays that the compiled kernel (:mod:`hwc.sim.kernel`) advances;
    the properties below read it as Python floats.
    """

    def __init__(self, config=None, weather=None):
        if config is None:
            config = PlantConfig()
        if weather is None:
            from .weather import Weather
            weather = Weather.default()
        config.validate()
        self.config = cfg = config
        self.weather = weather
        self._wx, period = weather.table()
        self.t_s = 0.0
        self._t0 = float(cfg.start_time_s)
        g, ta = weather.at(self._t0)
        self.pump_on = False

        col = cfg.collector
        cpf = cfg.fluid_j_per_lk
        nc = cfg.collector_nodes
        npipe = cfg.pipe_segments
        nt = cfg.tank_nodes
        self._nc, self._np, self._nt = nc, npipe, nt
        self._area = col.area_m2
        self._an = col.area_m2 / nc
        self._cc = (col.dry_capacity_j_per_k + col.fluid_l * cpf) / nc  # per collector node
        seg_len = cfg.pipe_length_m / npipe
        self._cp = seg_len * (cfg.pipe_volume_l_per_m * cpf + cfg.pipe_wall_j_per_mk)
        self._uap = seg_len * cfg.pipe_ua_w_per_mk  # per segment
        self._vt = cfg.tank_volume_l / nt  # litres per tank node
        self._ct = self._vt * WATER_J_PER_LK
        self._uat = cfg.tank_ua_w_per_k / nt
        self._mcp = cfg.pump_flow_l_min / 60.0 * cpf  # W/K while the pump runs
        relief_l_s = cfg.relief_flow_l_min / 60.0

        # Draw schedule: events queued a few days ahead as absolute (start, end, litres/s) on
        # the plant clock, from the day before the start (an event may run past midnight).
        rates = [d.litres / (d.duration_min * 60.0) for day in ((cfg.draws,) + tuple(cfg.draw_days))
                 for d in day if d.litres > 0 and d.duration_min > 0]
        max_draw = max(rates + [relief_l_s])
        self._pending = []
        self._draw_day = int(math.floor(self._t0 / DAY_S)) - 1
        self._dr = None
        self._queue_draws(self._t0)

        # Sub-step limits (explicit scheme: sum of outflow coefficients of every cell <= 1).
        loss_max = self._an * (col.a1_w_m2k + 2 * col.a2_w_m2k2 * 250.0)
        h_on = min(self._cp / (self._mcp + self._uap), self._cc / (self._mcp + loss_max),
                   self._ct / (self._mcp + self._uat + max_draw * WATER_J_PER_LK))
        h_off = min(cfg.max_substep_off_s, 0.5 * self._cc / loss_max,
                    0.5 * self._ct / (self._uat + max_draw * WATER_J_PER_LK))
        self._h_on = h_on

        par = np.zeros(K.P_SLOTS)
        par[K.P_NC], par[K.P_NP], par[K.P_NT] = nc, npipe, nt
        par[K.P_AN], par[K.P_AREA] = self._an, col.area_m2
        par[K.P_ETA0], par[K.P_A1], par[K.P_A2] = col.eta0, col.a1_w_m2k, col.a2_w_m2k2
        par[K.P_CC], par[K.P_CP], par[K.P_UAP] = self._cc, self._cp, self._uap
        par[K.P_CT], par[K.P_UAT], par[K.P_VT] = self._ct, self._uat, self._vt
        par[K.P_OUTDOOR] = 1.0 if cfg.tank_room_c is None else 0.0
        par[K.P_TROOM] = 0.0 if cfg.tank_room_c is None else float(cfg.tank_room_c)
        par[K.P_MCP], par[K.P_COLD] = self._mcp, float(cfg.cold_inlet_c)
        par[K.P_RELIEF_LS] = relief_l_s
        par[K.P_RELIEF_OPEN], par[K.P_RELIEF_CLOSE] = float(cfg.relief_open_c), float(cfg.relief_close_c)
        par[K.P_HOT], par[K.P_STAG] = float(cfg.hot_threshold_c), float(cfg.stagnation_c)
        par[K.P_H_ON], par[K.P_H_OFF] = h_on, h_off
        par[K.P_PERIOD] = period
        self._par = par

        # State, in flow order: return pipe, collector, flow pipe, tank (top first).
        tc0 = ta if cfg.collector_initial_c is None else float(cfg.collector_initial_c)
        tp0 = ta if cfg.pipe_initial_c is None else float(cfg.pipe_initial_c)
        if isinstance(cfg.tank_initial_c, (int, float)):
            tank = [float(cfg.tank_initial_c)] * nt
        else:
            tank = [float(v) for v in cfg.tank_initial_c]
        temps = np.array([tp0] * npipe + [tc0] * nc + [tp0] * npipe + tank)
        self._temps = temps
        self._R = temps[:npipe]  # views into temps
        self._C = temps[npipe:npipe + nc]
        self._F = temps[npipe + nc:2 * npipe + nc]
        self._T = temps[2 * npipe + nc:]
        self._tank0 = 2 * npipe + nc
        K.mix(temps, self._tank0, nt)
        acc = np.zeros(K.A_SLOTS)
        acc[K.A_MAX_C] = acc[K.A_MIN_C] = tc0
        acc[K.A_MIN_PIPE] = tp0
        acc[K.A_MAX_T] = temps[self._tank0]
        acc[K.A_G], acc[K.A_TA] = g, ta
        self._acc = acc
        self._advance = K.advance
        # Fault injection: True makes the pump move no water (seized, air-locked, valve shut).
        self.pump_blocked = False
        self._pump_starts = 0
        self._pump_on_s = 0.0
        self._e0 = self.stored_energy_j()

    def _queue_draws(self, until_s):
        """Queue draw events of whole days until the queue reaches two days past ``until_s``
        (absolute plant clock); drops those that ended before ``until_s`` - a day."""
        changed = self._dr is None
        while self._draw_day * DAY_S < until_s + 2 * DAY_S:
            day = self._draw_day
            base = day * DAY_S
            for d in self._day_draws(day):
                if d.litres <= 0 or d.duration_min <= 0:
                    continue
                s = base + (d.start_h * 3600.0) % DAY_S
                self._pending.append((s, s + d.duration_min * 60.0, d.litres / (d.duration_min * 60.0)))
            self._draw_day = day + 1
            changed = True
        if changed:
            self._pending = sorted(e for e in self._pending if e[1] > until_s - DAY_S)
            self._dr = np.array(self._pending, dtype=float).reshape(len(self._pending), 3)
            if self._dr is not None and hasattr(self, "_acc"):
                self._acc[K.A_DIDX] = 0
        self._draw_horizon_s = self._draw_day * DAY_S - DAY_S

    def _day_draws(self, day):
        """The draw events of plant-clock day ``day`` (day 0: the weather's first midnight)."""
        days = self.config.draw_days
        if days:
            return days[day % len(days)]
        return self.config.draws

    # ---- state views --------------------------------------------------------------------------
    @property
    def irradiance_w_m2(self):
        """Plane irradiance at the last sub-step, W/m2."""
        return float(self._acc[K.A_G])

    @property
    def ambient_c(self):
        """Outdoor air temperature at the last sub-step, C."""
        return float(self._acc[K.A_TA])

    @property
    def collector_c(self):
        """Mean collector temperature (the EN 12975 'mean fluid temperature')."""
        return float(self._C.mean())

    @property
    def collector_nodes_c(self):
        return [float(x) for x in self._C]

    @property
    def panel_outlet_c(self):
        """Collector outlet (top of the collector, where the hot NTC sits)."""
        return float(self._C[-1])

    collector_out_c = panel_outlet_c

    @property
    def panel_inlet_c(self):
        """Collector inlet: the last segment of the return pipe."""
        return float(self._R[-1])

    @property
    def tank_inlet_c(self):
        """End of the flow pipe where it enters the tank."""
        return float(self._F[-1])

    @property
    def tank_outlet_c(self):
        """Return pipe just after the tank's bottom outlet (a pipe-mounted probe)."""
        return float(self._R[0])

    @property
    def tank_nodes_c(self):
        """Tank layer temperatures, top first."""
        return [float(x) for x in self._T]

    @property
    def tank_top_c(self):
        return float(self._T[0])

    @property
    def tank_bottom_c(self):
        """Bottom layer (where the cold NTC's pocket is)."""
        return float(self._T[-1])

    @property
    def tank_mean_c(self):
        return float(self._T.mean())

    @property
    def return_pipe_c(self):
        """Return pipe segment temperatures, tank end first."""
        return [float(x) for x in self._R]

    @property
    def flow_pipe_c(self):
        """Flow pipe segment temperatures, collector end first."""
        return [float(x) for x in self._F]

    @property
    def relief_open(self):
        return bool(self._acc[K.A_RELIEF_OPEN])

    @property
    def time_of_day_s(self):
        return (self._t0 + self.t_s) % DAY_S

    @property
    def pipe_delay_s(self):
        """Time for the thermal front to travel one pipe with the pump on (plug-flow estimate)."""
        return self._np * self._cp / self._mcp

    def probes(self):
        """Dict of the temperatures a controller could measure."""
        return {
            "panel_inlet_c": self.panel_inlet_c, "panel_outlet_c": self.panel_outlet_c,
            "tank_inlet_c": self.tank_inlet_c, "tank_outlet_c": self.tank_outlet_c,
            "tank_top_c": self.tank_top_c, "tank_bottom_c": self.tank_bottom_c,
            "collector_c": self.collector_c, "ambient_c": self.ambient_c,
            "irradiance_w_m2": self.irradiance_w_m2,
        }

    def stored_energy_j(self):
        """Sum of C_i * T_i over collector, pipes and tank (reference 0 C)."""
        return float(self._cc * self._C.sum() + self._cp * (self._R.sum() + self._F.sum())
                     + self._ct * self._T.sum())

    def loop_heat_capacity_j_per_k(self):
        """Heat capacity of the collector and both pipes (fluid and solids), J/K."""
        return self._nc * self._cc + 2 * self._np * self._cp

    @property
    def totals(self):
        """Running totals since the start (energies in J)."""
        a = self._acc
        return {
            "absorbed_j": float(a[K.A_ABSORBED]),
            "collector_loss_j": float(a[K.A_CLOSS]),
            "pipe_loss_j": float(a[K.A_PLOSS]),
            "tank_loss_j": float(a[K.A_TLOSS]),
            "drawn_j": float(a[K.A_DRAWN]),
            "drawn_litres": float(a[K.A_DRAWN_L]),
            "relief_j": float(a[K.A_RELIEF_J]),
            "relief_openings": int(a[K.A_RELIEF_N]),
            "relief_litres": float(a[K.A_RELIEF_L]),
            "heat_to_tank_j": float(a[K.A_TO_TANK]),
            "pump_energy_j": self._pump_on_s * self.config.pump_power_w,
            "pump_on_s": self._pump_on_s,
            "pump_starts": self._pump_starts,
            "stored_change_j": self.stored_energy_j() - self._e0,
            "max_collector_c": float(a[K.A_MAX_C]),
            "min_collector_c": float(a[K.A_MIN_C]),
            "min_pipe_c": float(a[K.A_MIN_PIPE]),
            "max_tank_c": float(a[K.A_MAX_T]),
            "tank_top_hours_ge_60": float(a[K.A_HOT_S]) / 3600.0,
            "stagnation_hours": float(a[K.A_STAG_S]) / 3600.0,
        }

    def energy_balance_error(self):
        """Relative error of absorbed - (stored change + losses + drawn + relief).

        Relative to the largest of the absorbed energy and the total of the magnitudes of the
        other terms (so it is meaningful at night too, when nothing is absorbed).
        """
        t = self.totals
        out = [t["stored_change_j"], t["collector_loss_j"], t["pipe_loss_j"], t["tank_loss_j"],
               t["drawn_j"], t["relief_j"]]
        residual = t["absorbed_j"] - sum(out)
        scale = max(abs(t["absorbed_j"]), sum(abs(v) for v in out), 1.0)
        return abs(residual) / scale

    # ---- dynamics -----------------------------------------------------------------------------
    def step(self, dt_s, pump_on):
        """Advance by ``dt_s`` seconds with the pump on (3 L/min) or off throughout."""
        if dt_s <= 0.0:
            if dt_s == 0.0:
                return
            raise ValueError("dt_s must not be negative")
        if pump_on:
            if not self.pump_on:
                self._pump_starts += 1
                self.pump_on = True
            self._pump_on_s += dt_s
        else:
            self.pump_on = False
        start = self._t0 + self.t_s
        if start + dt_s > self._draw_horizon_s:
            self._queue_draws(start + dt_s)
        self._advance(self._temps, self._acc, self._par, self._wx, self._dr, start, float(dt_s),
                      bool(pump_on) and not self.pump_blocked)  # a blocked pump moves no water
        self.t_s += dt_s

    def run(self, duration_s, controller=None, dt_s=1.0):
        """Convenience loop: ``controller(plant) -> pump_on`` each ``dt_s`` (default: off)."""
        end = self.t_s + duration_s
        while self.t_s < end - 1e-9:
            on = controller(self) if controller is not None else False
            self.step(min(dt_s, end - self.t_s), on)

    def set_cold_inlet(self, cold_c):
        """From now on draws and the relief valve are replaced with water at ``cold_c`` (the mains
        temperature changes with the season)."""
        self._par[K.P_COLD] = float(cold_c)

    @property
    def cold_inlet_c(self):
        return float(self._par[K.P_COLD])

    def reset_extremes(self):
        """Start the extremes (max/min collector, min pipe, max tank top) afresh from now, for
        figures of a part of a run."""
        a = self._acc
        a[K.A_MAX_C] = self._C.max()
        a[K.A_MIN_C] = self._C.min()
        a[K.A_MIN_PIPE] = min(self._R.min(), self._F.min())
        a[K.A_MAX_T] = self._T[0]

    def inject(self, joules, node):
        """Put ``joules`` of heat from outside the loop (an immersion element, a boiler coil)
        into tank layer ``node`` (0 = top); warmer water rises (mixed). Not counted in the
        totals: the caller keeps its own account."""
        if joules > 0.0:
            self._T[node] += joules / self._ct
            K.mix(self._temps, self._tank0, self._nt)
