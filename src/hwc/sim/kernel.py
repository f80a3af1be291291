"""The plant's hot path, compiled with numba: sub-steps of :class:`hwc.sim.plant.Plant`.

Plain loops over three float64 arrays, so that numba compiles them to machine code (about 100
times faster than the same loops in CPython; a simulated day of pumping takes milliseconds):

* ``temps``: every thermal mass in flow order, ``[return pipe | collector | flow pipe | tank]``
  (pipes from the tank end of the return pipe; the tank top first);
* ``acc``: running totals and small state (the ``A_*`` slots below);
* ``par``: the plant's constants (the ``P_*`` slots below).

The weather comes in as ``wx`` (rows: time, plane irradiance, ambient, their increments per
segment and the inverse segment length; see :meth:`hwc.sim.weather.Weather.table`) and the
hot-water draws as ``dr`` (rows of absolute start, end, litres/s on the plant clock, sorted by
start). The physics and numerics are the module docstring of :mod:`hwc.sim.plant`; this module
only computes them. Compiled functions are cached on disk (numba ``cache=True``), so only the
first run after a change pays the compile time (a few seconds).
"""

import math

import numpy as np
from numba import njit

WATER_J_PER_LK = 4186.0
STANDBY_CHUNK_S = 60.0

# acc slots
A_ABSORBED = 0
A_CLOSS = 1
A_PLOSS = 2
A_TLOSS = 3
A_DRAWN = 4
A_DRAWN_L = 5
A_RELIEF_J = 6
A_RELIEF_L = 7
A_RELIEF_N = 8
A_TO_TANK = 9
A_MAX_C = 10
A_MIN_C = 11
A_MIN_PIPE = 12
A_MAX_T = 13
A_HOT_S = 14
A_STAG_S = 15
A_RELIEF_OPEN = 16
A_G = 17
A_TA = 18
A_WIDX = 19
A_DIDX = 20
A_SLOTS = 21

# par slots
P_NC = 0
P_NP = 1
P_NT = 2
P_AN = 3
P_AREA = 4
P_ETA0 = 5
P_A1 = 6
P_A2 = 7
P_CC = 8
P_CP = 9
P_UAP = 10
P_CT = 11
P_UAT = 12
P_TROOM = 13
P_OUTDOOR = 14
P_MCP = 15
P_COLD = 16
P_RELIEF_LS = 17
P_RELIEF_OPEN = 18
P_RELIEF_CLOSE = 19
P_HOT = 20
P_STAG = 21
P_H_ON = 22
P_H_OFF = 23
P_PERIOD = 24
P_VT = 25
P_SLOTS = 26


@njit(cache=True)
def weather_at(wx, acc, period, t):
    """(irradiance, ambient) at weather time ``t`` (wraps with the period; caches the segment)."""
    if t < 0.0 or t >= period:
        t = t % period
    ts = wx[0]
    last = ts.shape[0] - 2
    i = int(acc[A_WIDX])
    if not (ts[i] <= t < ts[i + 1]):
        i = np.searchsorted(ts, t, side="right") - 1
        if i < 0:
            i = 0
        elif i > last:
            i = last
        acc[A_WIDX] = i
    f = (t - ts[i]) * wx[5, i]
    return wx[1, i] + f * wx[3, i], wx[2, i] + f * wx[4, i]


@njit(cache=True)
def mix(temps, t0, nt):
    """Remove temperature inversions in the tank (a layer warmer than the one above) by mixing
    the offending layers (pool-adjacent violators; energy-conserving)."""
    sums = np.empty(nt)
    counts = np.empty(nt, dtype=np.int64)
    nb = 0
    for k in range(nt):
        s = temps[t0 + k]
        c = 1
        while nb > 0 and sums[nb - 1] * c < s * counts[nb - 1]:
            nb -= 1
            s += sums[nb]
            c += counts[nb]
        sums[nb] = s
        counts[nb] = c
        nb += 1
    k = t0
    for b in range(nb):
        v = sums[b] / counts[b]
        for _ in range(counts[b]):
            temps[k] = v
            k += 1


@njit(cache=True)
def shift_up(temps, t0, nt, vt, cold, vol):
    """Take ``vol`` litres from the top of the tank and feed cold water into the bottom (upwind,
    at most one layer's volume at a time). Returns the energy removed above the cold inlet, J."""
    removed = 0.0
    while vol > 0.0:
        v = vol if vol <= vt else vt
        vol -= v
        f = v / vt
        removed += v * WATER_J_PER_LK * (temps[t0] - cold)
        for k in range(nt - 1):
            x = temps[t0 + k]
            temps[t0 + k] = x + f * (temps[t0 + k + 1] - x)
        x = temps[t0 + nt - 1]
        temps[t0 + nt - 1] = x + f * (cold - x)
    return removed


@njit(cache=True)
def tank_events(temps, acc, par, dr, start, h):
    """Draw-off, relief valve and bookkeeping over one sub-step [start, start + h)."""
    nc = int(par[P_NC])
    npipe = int(par[P_NP])
    nt = int(par[P_NT])
    t0 = 2 * npipe + nc
    vt = par[P_VT]
    cold = par[P_COLD]
    end = start + h
    i = int(acc[A_DIDX])
    n = dr.shape[0]
    while i < n and dr[i, 1] <= start:
        i += 1
    acc[A_DIDX] = i
    vol = 0.0
    while i < n and dr[i, 0] < end:
        s = dr[i, 0]
        e = dr[i, 1]
        if e > start:
            vol += (min(e, end) - max(s, start)) * dr[i, 2]
        i += 1
    if vol > 0.0:
        acc[A_DRAWN] += shift_up(temps, t0, nt, vt, cold, vol)
        acc[A_DRAWN_L] += vol
    top = temps[t0]
    if top > acc[A_MAX_T]:
        acc[A_MAX_T] = top
    if acc[A_RELIEF_OPEN] == 0.0 and top >= par[P_RELIEF_OPEN]:
        acc[A_RELIEF_OPEN] = 1.0
        acc[A_RELIEF_N] += 1.0
    if acc[A_RELIEF_OPEN] != 0.0:
        v = par[P_RELIEF_LS] * h
        acc[A_RELIEF_J] += shift_up(temps, t0, nt, vt, cold, v)
        acc[A_RELIEF_L] += v
        if temps[t0] <= par[P_RELIEF_CLOSE]:
            acc[A_RELIEF_OPEN] = 0.0
        top = temps[t0]
    if top >= par[P_HOT]:
        acc[A_HOT_S] += h


@njit(cache=True)
def collector_extremes(temps, acc, c0, nc):
    cmax = temps[c0]
    cmin = temps[c0]
    for i in range(c0 + 1, c0 + nc):
        x = temps[i]
        if x > cmax:
            cmax = x
        if x < cmin:
            cmin = x
    if cmax > acc[A_MAX_C]:
        acc[A_MAX_C] = cmax
    if cmin < acc[A_MIN_C]:
        acc[A_MIN_C] = cmin
    return cmax


@njit(cache=True)
def substep_on(temps, acc, par, wx, dr, start, h):
    """One explicit sub-step with water flowing: upwind advection along the loop, sun and
    losses, the stratifying tank inlet, then draws and the relief valve."""
    nc = int(par[P_NC])
    npipe = int(par[P_NP])
    nt = int(par[P_NT])
    c0 = npipe
    f0 = npipe + nc
    t0 = f0 + npipe
    g, ta = weather_at(wx, acc, par[P_PERIOD], start + 0.5 * h)
    acc[A_G] = g
    acc[A_TA] = ta
    mcp_h = par[P_MCP] * h
    cp = par[P_CP]
    kp = mcp_h / cp
    lp = par[P_UAP] * h / cp
    a = 1.0 - kp - lp
    b = lp * ta
    cc = par[P_CC]
    kc = mcp_h / cc
    an_h = par[P_AN] * h
    inv = an_h / cc
    a1 = par[P_A1]
    a2 = par[P_A2]
    sun = par[P_ETA0] * g
    tb = temps[t0 + nt - 1]
    f_end = temps[t0 - 1]
    # Backwards along the loop, so each cell's upstream neighbour still holds its old value.
    psum = 0.0
    for i in range(t0 - 1, f0, -1):  # flow pipe
        x = temps[i]
        psum += x
        temps[i] = a * x + kp * temps[i - 1] + b
    x = temps[f0]
    psum += x
    temps[f0] = a * x + kp * temps[f0 - 1] + b
    loss = 0.0
    for i in range(f0 - 1, c0, -1):  # collector
        x = temps[i]
        d = x - ta
        q = a1 * d + a2 * d * abs(d)
        loss += q
        temps[i] = x + kc * (temps[i - 1] - x) + inv * (sun - q)
    x = temps[c0]
    d = x - ta
    q = a1 * d + a2 * d * abs(d)
    loss += q
    temps[c0] = x + kc * (temps[c0 - 1] - x) + inv * (sun - q)
    for i in range(c0 - 1, 0, -1):  # return pipe
        x = temps[i]
        psum += x
        temps[i] = a * x + kp * temps[i - 1] + b
    x = temps[0]
    psum += x
    temps[0] = a * x + kp * tb + b
    acc[A_PLOSS] += par[P_UAP] * h * (psum - 2 * npipe * ta)
    acc[A_CLOSS] += an_h * loss
    acc[A_ABSORBED] += par[P_AREA] * sun * h
    collector_extremes(temps, acc, c0, nc)
    # Tank: the flow enters the uppermost layer not warmer than itself and flows down.
    j = 0
    while j < nt - 1 and temps[t0 + j] > f_end:
        j += 1
    kt = mcp_h / par[P_CT]
    prev = f_end
    for k in range(t0 + j, t0 + nt):
        x = temps[k]
        temps[k] = x + kt * (prev - x)
        prev = x
    acc[A_TO_TANK] += mcp_h * (f_end - tb)
    if j > 0 and temps[t0 + j] > temps[t0 + j - 1]:
        mix(temps, t0, nt)
    tank_events(temps, acc, par, dr, start, h)


@njit(cache=True)
def substep_off(temps, acc, par, wx, dr, start, h):
    """One explicit sub-step with the water standing: pipes lose heat, the collector heats in
    the sun (stagnation) or cools, draws and the relief valve."""
    nc = int(par[P_NC])
    npipe = int(par[P_NP])
    c0 = npipe
    f0 = npipe + nc
    t0 = f0 + npipe
    g, ta = weather_at(wx, acc, par[P_PERIOD], start + 0.5 * h)
    acc[A_G] = g
    acc[A_TA] = ta
    lp = par[P_UAP] * h / par[P_CP]
    a = 1.0 - lp
    b = lp * ta
    psum = 0.0
    for i in range(0, c0):
        x = temps[i]
        psum += x
        temps[i] = a * x + b
    for i in range(f0, t0):
        x = temps[i]
        psum += x
        temps[i] = a * x + b
    acc[A_PLOSS] += par[P_UAP] * h * (psum - 2 * npipe * ta)
    an_h = par[P_AN] * h
    inv = an_h / par[P_CC]
    a1 = par[P_A1]
    a2 = par[P_A2]
    sun = par[P_ETA0] * g
    loss = 0.0
    for i in range(c0, f0):
        x = temps[i]
        d = x - ta
        q = a1 * d + a2 * d * abs(d)
        loss += q
        temps[i] = x + inv * (sun - q)
    acc[A_CLOSS] += an_h * loss
    acc[A_ABSORBED] += par[P_AREA] * sun * h
    if collector_extremes(temps, acc, c0, nc) >= par[P_STAG]:
        acc[A_STAG_S] += h
    tank_events(temps, acc, par, dr, start, h)


@njit(cache=True)
def standby(temps, acc, par, h):
    """The tank's standby loss over ``h`` seconds, to the room (or the outdoor air)."""
    nc = int(par[P_NC])
    npipe = int(par[P_NP])
    nt = int(par[P_NT])
    t0 = 2 * npipe + nc
    troom = acc[A_TA] if par[P_OUTDOOR] != 0.0 else par[P_TROOM]
    lt = par[P_UAT] * h / par[P_CT]
    s = 0.0
    for k in range(t0, t0 + nt):
        x = temps[k]
        s += x
        temps[k] = x - lt * (x - troom)
    acc[A_TLOSS] += par[P_UAT] * h * (s - nt * troom)


@njit(cache=True)
def advance(temps, acc, par, wx, dr, start, dt, moving):
    """Advance ``dt`` seconds from absolute plant-clock time ``start``, water flowing or not:
    sub-steps no longer than P_H_ON / P_H_OFF, the standby loss per chunk of at most
    STANDBY_CHUNK_S. Updates the lowest pipe temperature at the end."""
    done = 0.0
    hmax = par[P_H_ON] if moving else par[P_H_OFF]
    while done < dt:
        chunk = dt - done
        if chunk > STANDBY_CHUNK_S:
            chunk = STANDBY_CHUNK_S
        n = int(chunk / hmax - 1e-9) + 1
        h = chunk / n
        for k in range(n):
            if moving:
                substep_on(temps, acc, par, wx, dr, start + done + k * h, h)
            else:
                substep_off(temps, acc, par, wx, dr, start + done + k * h, h)
        standby(temps, acc, par, chunk)
        done += chunk
    nc = int(par[P_NC])
    npipe = int(par[P_NP])
    pmin = acc[A_MIN_PIPE]
    for i in range(0, npipe):
        if temps[i] < pmin:
            pmin = temps[i]
    for i in range(npipe + nc, 2 * npipe + nc):
        if temps[i] < pmin:
            pmin = temps[i]
    acc[A_MIN_PIPE] = pmin


@njit(cache=True)
def ntc_raw(start_c, step_c, raws, temp_c, noise):
    """The PCF8591 reading of an NTC at ``temp_c`` plus ``noise`` raw steps: as
    ``ntc_table.NtcTable.to_raw`` (interpolated, clamped to the table's ends), then rounded as
    Python's ``round`` does (half to even) and clipped to 0..255."""
    pos = (temp_c - start_c) / step_c
    last = raws.shape[0] - 1
    if pos <= 0:
        raw = raws[0]
    elif pos >= last:
        raw = raws[last]
    else:
        i = int(pos)
        raw = raws[i] + (raws[i + 1] - raws[i]) * (pos - i)
    r = np.round(raw + noise)
    if r < 0.0:
        return 0
    if r > 255.0:
        return 255
    return int(r)


@njit(cache=True)
def ntc_pair(start_c, step_c, raws, temps, i_hot, i_cold, noise, k):
    """The two NTC readings (collector outlet ``temps[i_hot]``, tank bottom ``temps[i_cold]``)
    with the noise samples ``noise[k]`` and ``noise[k + 1]``, as :func:`ntc_raw`."""
    return (ntc_raw(start_c, step_c, raws, temps[i_hot], noise[k]),
            ntc_raw(start_c, step_c, raws, temps[i_cold], noise[k + 1]))


def entry(fn, *args):
    """The compiled code of the kernel ``fn`` for the types of ``args``, called without numba's
    dispatch (its type checks and target lookup cost a few tenths of a microsecond a call): the
    same machine code, for a caller that passes arguments of exactly these types every time."""
    from numba import typeof

    sig = tuple(typeof(a) for a in args)
    fn.compile(sig)
    return fn.overloads[sig].entry_point


def warm_up():
    """Compile (or load from the cache) every kernel once; returns the seconds it took."""
    import time

    t = time.perf_counter()
    temps = np.zeros(12)
    acc = np.zeros(A_SLOTS)
    par = np.zeros(P_SLOTS)
    par[P_NC] = 1
    par[P_NP] = 1
    par[P_NT] = 9
    par[P_CC] = par[P_CP] = par[P_CT] = par[P_VT] = par[P_H_ON] = par[P_H_OFF] = par[P_PERIOD] = 1.0
    par[P_STAG] = par[P_RELIEF_OPEN] = par[P_HOT] = math.inf
    wx = np.zeros((6, 2))
    wx[0, 1] = 2.0
    dr = np.zeros((0, 3))
    advance(temps, acc, par, wx, dr, 0.0, 1.0, True)
    advance(temps, acc, par, wx, dr, 0.0, 1.0, False)
    ntc_pair(0.0, 1.0, np.array([1.0, 0.0]), temps, 0, 1, np.zeros(2), 0)
    return time.perf_counter() - t
