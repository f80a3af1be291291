"""An upper bound, from the plant's physics, on the heat any pump control can put into the tank.

For a stretch of time [t0, t1] in which every water the tank takes in from outside (draw-off and
relief-valve refill, ``cold_inlet_c``) and the air around the tank (``tank_room_c``, or the
outdoor air for a tank outside) are at or above a temperature ``theta``, whatever the pump
does::

    heat to tank  <=  collectable + head start

    collectable = integral over [t0, t1] of
                  A * max(0, eta0 * G - a1 * d - a2 * d * |d|)  +  UA_pipes * max(0, Ta - theta)
                  with d = theta - Ta   (the collector held at theta, the coldest water there is)
    head start  = sum over the collector and pipes of  C_k * max(0, T_k(t0) - theta)
                + sum over the tank layers of          C_j * max(0, theta - T_j(t0))

In words: the collector's useful gain if it always worked at ``theta`` with no pipe losses
(plus what warm air could give cold pipes), and whatever heat the loop already held above
``theta`` at the start (a tank colder than ``theta`` counts too: heat put into it then is
easier). Nothing else is assumed about the control: pump on or off at any moment.

Proof (for the model's equations). Let ``W = Q + sum_loop C_k (T_k - theta)+ + sum_tank C_j
(theta - T_j)+`` with ``Q`` the heat delivered so far. A collector node above ``theta`` gains at
most ``A_n (eta0 G - f(theta - Ta))`` from sun and air (its loss ``f`` grows with its
temperature); a pipe segment above ``theta`` at most ``UA (Ta - theta)``. Along the loop the
advection terms telescope: with ``u = (T - theta)+``, the flow carries into the loop's positive
part at most ``m u(tank bottom) - m u(tank inlet)`` and ``Q`` grows by ``m (T_inlet -
T_bottom)``; in the tank the deficit below ``theta`` changes by at most ``m (theta -
T_inlet)+ - m (theta - T_bottom)+`` from the loop, and draw-off, refill, standby loss and
mixing never increase it (refill and surroundings are at or above ``theta``; mixing equal
layers cannot raise a sum of convex functions). Adding up, ``dW/dt <= P*(t)`` (the integrand
above), so ``Q(t1) <= W(t1) <= W(t0) + collectable``, and ``W(t0)`` is the head start. The
simulator's explicit sub-steps follow these equations to within their step error; the bench's
test checks every controller on every day against the bound.

The bound is loose where the tank runs far above ``theta`` (a hot summer tank: the collector
really works at 40-60 C, not at the cold-water temperature) and tight where it does not: it is
what no control can beat, not what a good one reaches. The greedy rule (``hwc.sim.direct.
GreedyRun``) and the controllers are measured against it.
"""

import numpy as np

J_PER_KWH = 3.6e6
STEP_S = 10.0  # integration step (midpoint rule on the weather's piecewise-linear samples)


def theta_c(config, cold_inlet_c, weather=None, start_s=0.0, end_s=0.0):
    """The bound's reference temperature: the coldest of the refill water and the tank's
    surroundings (the room; for a tank outdoors the lowest outdoor air in [start_s, end_s])."""
    theta = float(cold_inlet_c)
    if config.tank_room_c is not None:
        return min(theta, float(config.tank_room_c))
    _, ta = _sample(weather, start_s, end_s)
    return min(theta, float(ta.min()))


def _sample(weather, start_s, end_s):
    """Irradiance and ambient at the midpoints of STEP_S steps over [start_s, end_s) of the
    weather's clock, interpolated as the plant does."""
    rows, period = weather.table()
    n = max(1, int(np.ceil((end_s - start_s) / STEP_S - 1e-9)))
    h = (end_s - start_s) / n
    t = (start_s + (np.arange(n) + 0.5) * h) % period
    g = np.interp(t, rows[0], rows[1])
    ta = np.interp(t, rows[0], rows[2])
    return g, ta


def collectable_j(config, weather, theta, start_s, end_s):
    """The integral of P* (see the module docstring) over [start_s, end_s) of the weather's
    clock (the plant's ``start_time_s + t_s``), J."""
    if end_s <= start_s:
        return 0.0
    col = config.collector
    g, ta = _sample(weather, start_s, end_s)
    h = (end_s - start_s) / len(g)
    d = theta - ta
    collector = col.area_m2 * np.maximum(0.0, col.eta0 * g - col.a1_w_m2k * d - col.a2_w_m2k2 * d * np.abs(d))
    pipes = 2 * config.pipe_length_m * config.pipe_ua_w_per_mk * np.maximum(0.0, ta - theta)
    return float((collector + pipes).sum() * h)


def head_start_j(plant, theta):
    """Heat the loop holds above ``theta`` plus the tank's deficit below it, J (see the module
    docstring), from the plant's state now."""
    loop = plant._cc * np.maximum(0.0, plant._C - theta).sum() + plant._cp * (
        np.maximum(0.0, plant._R - theta).sum() + np.maximum(0.0, plant._F - theta).sum())
    tank = plant._ct * np.maximum(0.0, theta - plant._T).sum()
    return float(loop + tank)
