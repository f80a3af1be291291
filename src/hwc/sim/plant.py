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

Numerics: explicit sub-steps, each no longer than the time for the pump to push one pipe
segment's worth of heat capacity (upwind Courant number + loss <= 1, about 1.5 s by default)
or ``max_substep_off_s`` (10 s) with the pump off. The hot path uses plain Python floats and
lists; a simulated day at 0.5 s caller steps takes ~1-2 s of wall time.
"""

import math
from dataclasses import dataclass, field

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
    :param weather: an object with ``at(t_s) -> (plane irradiance W/m2, ambient C)``
        (:class:`hwc.sim.weather.Weather`)
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
        self._weather_at = weather.at
        self.t_s = 0.0
        self._t0 = float(cfg.start_time_s)
        g, ta = weather.at(self._t0)
        self.irradiance_w_m2 = g
        self.ambient_c = ta
        self.pump_on = False

        col = cfg.collector
        cpf = cfg.fluid_j_per_lk
        nc = cfg.collector_nodes
        npipe = cfg.pipe_segments
        nt = cfg.tank_nodes
        self._nc, self._np, self._nt = nc, npipe, nt
        self._area = col.area_m2
        self._an = col.area_m2 / nc
        self._eta0 = col.eta0
        self._a1 = col.a1_w_m2k
        self._a2 = col.a2_w_m2k2
        self._cc = (col.dry_capacity_j_per_k + col.fluid_l * cpf) / nc  # per collector node
        seg_len = cfg.pipe_length_m / npipe
        self._cp = seg_len * (cfg.pipe_volume_l_per_m * cpf + cfg.pipe_wall_j_per_mk)
        self._uap = seg_len * cfg.pipe_ua_w_per_mk  # per segment
        self._vt = cfg.tank_volume_l / nt  # litres per tank node
        self._ct = self._vt * WATER_J_PER_LK
        self._uat = cfg.tank_ua_w_per_k / nt
        self._troom = cfg.tank_room_c
        self._flow_l_s = cfg.pump_flow_l_min / 60.0
        self._mcp = self._flow_l_s * cpf  # W/K while the pump runs
        self._cold = float(cfg.cold_inlet_c)
        self._relief_l_s = cfg.relief_flow_l_min / 60.0
        self._relief_open = float(cfg.relief_open_c)
        self._relief_close = float(cfg.relief_close_c)
        self._hot = float(cfg.hot_threshold_c)

        # Draw schedule: (start, end, litres/s) in seconds of day, with a copy shifted back a
        # day for events that run past midnight.
        draws = []
        for d in cfg.draws:
            if d.litres <= 0 or d.duration_min <= 0:
                continue
            s = (d.start_h * 3600.0) % DAY_S
            e = s + d.duration_min * 60.0
            rate = d.litres / (d.duration_min * 60.0)
            draws.append((s, e, rate))
            if e > DAY_S:
                draws.append((s - DAY_S, e - DAY_S, rate))
        self._draws = tuple(draws)
        max_draw = max([r for _, _, r in draws] + [self._relief_l_s])

        # Sub-step limits (explicit scheme: sum of outflow coefficients of every cell <= 1).
        loss_max = self._an * (self._a1 + 2 * self._a2 * 250.0)
        lim_on = [self._cp / (self._mcp + self._uap), self._cc / (self._mcp + loss_max),
                  self._ct / (self._mcp + self._uat + max_draw * WATER_J_PER_LK)]
        self._h_on = min(lim_on)
        self._h_off = min(cfg.max_substep_off_s, 0.5 * self._cc / loss_max,
                          0.5 * self._ct / (self._uat + max_draw * WATER_J_PER_LK))

        # State.
        tc0 = ta if cfg.collector_initial_c is None else float(cfg.collector_initial_c)
        tp0 = ta if cfg.pipe_initial_c is None else float(cfg.pipe_initial_c)
        self._C = [tc0] * nc
        self._R = [tp0] * npipe  # return pipe: tank bottom -> collector inlet
        self._F = [tp0] * npipe  # flow pipe: collector outlet -> tank
        if isinstance(cfg.tank_initial_c, (int, float)):
            self._T = [float(cfg.tank_initial_c)] * nt
        else:
            self._T = [float(v) for v in cfg.tank_initial_c]
            self._mix()
        self._relief_is_open = False

        # Totals.
        self._absorbed = 0.0
        self._closs = 0.0
        self._ploss = 0.0
        self._tloss = 0.0
        self._drawn = 0.0
        self._drawn_l = 0.0
        self._relief_j = 0.0
        self._relief_l = 0.0
        self._relief_n = 0
        self._to_tank = 0.0
        self._pump_on_s = 0.0
        # Fault injection: True makes the pump move no water (seized, air-locked, valve shut).
        self.pump_blocked = False
        self._pump_starts = 0
        self._max_c = max(self._C)
        self._min_c = min(self._C)
        self._min_pipe = tp0
        self._max_t = self._T[0]
        self._hot_s = 0.0
        self._e0 = self.stored_energy_j()

    # ---- state views --------------------------------------------------------------------------
    @property
    def collector_c(self):
        """Mean collector temperature (the EN 12975 'mean fluid temperature')."""
        return sum(self._C) / self._nc

    @property
    def collector_nodes_c(self):
        return list(self._C)

    @property
    def panel_outlet_c(self):
        """Collector outlet (top of the collector, where the hot NTC sits)."""
        return self._C[-1]

    collector_out_c = panel_outlet_c

    @property
    def panel_inlet_c(self):
        """Collector inlet: the last segment of the return pipe."""
        return self._R[-1]

    @property
    def tank_inlet_c(self):
        """End of the flow pipe where it enters the tank."""
        return self._F[-1]

    @property
    def tank_outlet_c(self):
        """Return pipe just after the tank's bottom outlet (a pipe-mounted probe)."""
        return self._R[0]

    @property
    def tank_nodes_c(self):
        """Tank layer temperatures, top first."""
        return list(self._T)

    @property
    def tank_top_c(self):
        return self._T[0]

    @property
    def tank_bottom_c(self):
        """Bottom layer (where the cold NTC's pocket is)."""
        return self._T[-1]

    @property
    def tank_mean_c(self):
        return sum(self._T) / self._nt

    @property
    def return_pipe_c(self):
        """Return pipe segment temperatures, tank end first."""
        return list(self._R)

    @property
    def flow_pipe_c(self):
        """Flow pipe segment temperatures, collector end first."""
        return list(self._F)

    @property
    def relief_open(self):
        return self._relief_is_open

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
        return (self._cc * sum(self._C) + self._cp * (sum(self._R) + sum(self._F))
                + self._ct * sum(self._T))

    @property
    def totals(self):
        """Running totals since the start (energies in J)."""
        return {
            "absorbed_j": self._absorbed,
            "collector_loss_j": self._closs,
            "pipe_loss_j": self._ploss,
            "tank_loss_j": self._tloss,
            "drawn_j": self._drawn,
            "drawn_litres": self._drawn_l,
            "relief_j": self._relief_j,
            "relief_openings": self._relief_n,
            "relief_litres": self._relief_l,
            "heat_to_tank_j": self._to_tank,
            "pump_energy_j": self._pump_on_s * self.config.pump_power_w,
            "pump_on_s": self._pump_on_s,
            "pump_starts": self._pump_starts,
            "stored_change_j": self.stored_energy_j() - self._e0,
            "max_collector_c": self._max_c,
            "min_collector_c": self._min_c,
            "min_pipe_c": self._min_pipe,
            "max_tank_c": self._max_t,
            "tank_top_hours_ge_60": self._hot_s / 3600.0,
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
        pump_on = bool(pump_on)
        if pump_on and not self.pump_on:
            self._pump_starts += 1
        self.pump_on = pump_on
        moving = pump_on and not self.pump_blocked  # a blocked pump draws power but moves no water
        hmax = self._h_on if moving else self._h_off
        n = int(math.ceil(dt_s / hmax - 1e-9))
        if n < 1:
            n = 1
        h = dt_s / n
        sub = self._substep_on if moving else self._substep_off
        t = self.t_s
        for k in range(n):
            sub(t + k * h, h)
        self.t_s = t + dt_s
        if pump_on:
            self._pump_on_s += dt_s

    def run(self, duration_s, controller=None, dt_s=1.0):
        """Convenience loop: ``controller(plant) -> pump_on`` each ``dt_s`` (default: off)."""
        end = self.t_s + duration_s
        while self.t_s < end - 1e-9:
            on = controller(self) if controller is not None else False
            self.step(min(dt_s, end - self.t_s), on)

    def _collector_gain(self, C, g, ta, h):
        """Update collector nodes for sun and losses only (no advection). Returns nothing."""
        an_h = self._an * h
        a1, a2 = self._a1, self._a2
        sun = self._eta0 * g
        inv = an_h / self._cc
        loss = 0.0
        for i in range(len(C)):
            d = C[i] - ta
            q = a1 * d + a2 * d * abs(d)
            loss += q
            C[i] += inv * (sun - q)
        self._closs += an_h * loss
        self._absorbed += self._area * sun * h

    def _substep_on(self, t, h):
        g, ta = self._weather_at(self._t0 + t + 0.5 * h)
        self.irradiance_w_m2 = g
        self.ambient_c = ta
        R, C, F, T = self._R, self._C, self._F, self._T
        mcp_h = self._mcp * h
        tb = T[-1]
        r_end = R[-1]
        c_end = C[-1]
        f_end = F[-1]

        # Pipes: upwind advection + loss, old values throughout.
        kp = mcp_h / self._cp
        lp = self._uap * h / self._cp
        a = 1.0 - kp - lp
        b = lp * ta
        sr = sum(R)
        sf = sum(F)
        self._ploss += self._uap * h * (sr + sf - 2 * self._np * ta)
        self._R = R = [a * x + kp * p + b for p, x in zip([tb] + R[:-1], R)]
        self._F = F = [a * x + kp * p + b for p, x in zip([c_end] + F[:-1], F)]

        # Collector nodes: advection from the upstream node (old values), sun, loss.
        kc = mcp_h / self._cc
        an_h = self._an * h
        inv = an_h / self._cc
        a1, a2 = self._a1, self._a2
        sun = self._eta0 * g
        prev = r_end
        loss = 0.0
        for i in range(self._nc):
            x = C[i]
            d = x - ta
            q = a1 * d + a2 * d * abs(d)
            loss += q
            C[i] = x + kc * (prev - x) + inv * (sun - q)
            prev = x
        self._closs += an_h * loss
        self._absorbed += self._area * sun * h
        cmax = max(C)
        if cmax > self._max_c:
            self._max_c = cmax
        cmin = min(C)
        if cmin < self._min_c:
            self._min_c = cmin

        # Tank: the flow enters the uppermost layer not warmer than itself and flows down.
        nt = self._nt
        k = 0
        while k < nt - 1 and T[k] > f_end:
            k += 1
        kt = mcp_h / self._ct
        prev = f_end
        for j in range(k, nt):
            x = T[j]
            T[j] = x + kt * (prev - x)
            prev = x
        self._to_tank += mcp_h * (f_end - tb)
        if k > 0 and T[k] > T[k - 1]:
            self._mix()
        self._tank_common(t, h, ta)

    def _substep_off(self, t, h):
        g, ta = self._weather_at(self._t0 + t + 0.5 * h)
        self.irradiance_w_m2 = g
        self.ambient_c = ta
        # Pipes: static, losing heat.
        lp = self._uap * h / self._cp
        a = 1.0 - lp
        b = lp * ta
        R, F = self._R, self._F
        self._ploss += self._uap * h * (sum(R) + sum(F) - 2 * self._np * ta)
        self._R = [a * x + b for x in R]
        self._F = [a * x + b for x in F]
        C = self._C
        self._collector_gain(C, g, ta, h)
        cmax = max(C)
        if cmax > self._max_c:
            self._max_c = cmax
        cmin = min(C)
        if cmin < self._min_c:
            self._min_c = cmin
        self._tank_common(t, h, ta)

    def _tank_common(self, t, h, ta):
        """Tank standby loss, draw-off, relief valve, bookkeeping (both pump states)."""
        T = self._T
        troom = ta if self._troom is None else self._troom
        lt = self._uat * h / self._ct
        st = sum(T)
        self._tloss += self._uat * h * (st - self._nt * troom)
        self._T = T = [x - lt * (x - troom) for x in T]

        # Draw-off: volume in [tod, tod + h) from the daily schedule.
        if self._draws:
            tod = (self._t0 + t) % DAY_S
            end = tod + h
            vol = 0.0
            for s, e, rate in self._draws:
                if s < end and e > tod:
                    vol += (min(e, end) - max(s, tod)) * rate
                if end > DAY_S and s < end - DAY_S and e > 0.0:  # step crosses midnight
                    vol += (min(e, end - DAY_S) - max(s, 0.0)) * rate
            if vol > 0.0:
                self._drawn += self._shift_up(vol)
                self._drawn_l += vol

        top = T[0]
        if top > self._max_t:
            self._max_t = top
        # Relief valve on the top layer.
        if not self._relief_is_open:
            if T[0] >= self._relief_open:
                self._relief_is_open = True
                self._relief_n += 1
        if self._relief_is_open:
            vol = self._relief_l_s * h
            self._relief_j += self._shift_up(vol)
            self._relief_l += vol
            if self._T[0] <= self._relief_close:
                self._relief_is_open = False

        top = self._T[0]
        if top >= self._hot:
            self._hot_s += h
        pmin = min(min(self._R), min(self._F))
        if pmin < self._min_pipe:
            self._min_pipe = pmin

    def _shift_up(self, vol):
        """Take ``vol`` litres from the top, feed cold water into the bottom (upwind).

        Returns the energy removed relative to the cold inlet, J.
        """
        T = self._T
        cold = self._cold
        vt = self._vt
        removed = 0.0
        while vol > 0.0:
            v = vol if vol <= vt else vt
            vol -= v
            f = v / vt
            removed += v * WATER_J_PER_LK * (T[0] - cold)
            T = [x + f * (y - x) for x, y in zip(T, T[1:] + [cold])]
        self._T = T
        return removed

    def _mix(self):
        """Remove temperature inversions (a layer warmer than the one above) by mixing."""
        blocks = []  # [sum, count], top first
        for x in self._T:
            s, c = x, 1
            while blocks and blocks[-1][0] * c < s * blocks[-1][1]:
                ps, pc = blocks.pop()
                s += ps
                c += pc
            blocks.append([s, c])
        T = []
        for s, c in blocks:
            T.extend([s / c] * c)
        self._T = T
