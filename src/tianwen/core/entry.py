"""Entry, descent and landing kernels on plain floats: 3-DOF point-mass flight over a rotating oblate planet.

See :mod:`tianwen.landing` for the friendly layer, the references and the assumptions. Units here are SI
(m, m/s, s, rad, kg/m^2, Pa, W/m^2). Kernels never raise: they return status codes and NaN.

State (planet-relative, spherical): ``r`` (m, from the centre), ``lon``, ``lat`` (rad, planetocentric),
``V`` (m/s, speed relative to the co-rotating atmosphere), ``gamma`` (flight-path angle, negative down),
``psi`` (heading of the relative velocity, clockwise from north). Equations of motion: Vinh, Busemann & Culp,
*Hypersonic and Planetary Entry Flight Mechanics* (1980), ch. 2, in the form of P. Lu, "Predictor-corrector
entry guidance for low-lifting vehicles", J. Guid. Control Dyn. 31 (2008) 1067-1075, eq. (1)-(6), with the
J2 gravity's northward component added (projected on the velocity, flight-path and heading directions):

    dr/dt   = V sin g
    dlon/dt = V cos g sin psi / (r cos lat)
    dlat/dt = V cos g cos psi / r
    dV/dt   = -D - gr sin g + gn cos g cos psi + W^2 r cos lat (sin g cos lat - cos g sin lat cos psi)
    V dg/dt = L cos s - gr cos g - gn sin g cos psi + V^2 cos g / r + 2 W V cos lat sin psi
              + W^2 r cos lat (cos g cos lat + sin g sin lat cos psi)
    V dpsi/dt = L sin s / cos g - gn sin psi / cos g + V^2 cos g sin psi tan lat / r
              - 2 W V (tan g cos psi cos lat - sin lat) + W^2 r sin psi sin lat cos lat / cos g

with ``gr = mu/r^2 (1 - 3/2 J2 (R/r)^2 (3 sin^2 lat - 1))`` (inward) and ``gn = -3 mu J2 R^2 sin lat cos lat / r^4``
(northward). ``D = rho V^2 / (2 beta)``, ``L = (L/D) D``, bank ``s`` from a table in speed. Stagnation heating:
Sutton & Graves (1971), ``q = k sqrt(rho / Rn) V^3``. Fixed-step classical RK4; events (parachute trigger,
powered-descent altitude, ground) are located inside the step by bisection on the step length.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import kernel, prange

# --- parameter vector layout (one float64 row per case) ---
P_MU = 0  # gravitational parameter, m^3/s^2 (0: no gravity)
P_J2 = 1  # J2 (unnormalised)
P_RJ2 = 2  # J2 reference radius, m
P_OMEGA = 3  # rotation rate, rad/s
P_REQ = 4  # reference surface equatorial radius, m
P_FLATTENING = 5  # reference surface flattening (0: sphere); radius = Req (1 - f sin^2 lat)
P_FLAT = 6  # 1: flat-planet dynamics (no V^2/r terms), for the Allen & Eggers comparison
P_BETA = 7  # entry ballistic coefficient m / (CD A), kg/m^2
P_LD = 8  # hypersonic lift-to-drag ratio
P_RN = 9  # nose radius, m
P_KSG = 10  # Sutton-Graves constant, kg^0.5/m
P_RHOF = 11  # density dispersion factor
P_CHUTE_MACH = 12  # parachute deploys once Mach <= this (0: no parachute)
P_CHUTE_QMAX = 13  # ... and dynamic pressure <= this, Pa
P_BETA_CHUTE = 14  # ballistic coefficient under the parachute, kg/m^2
P_PD_ALT = 15  # powered descent starts at this height above the ground, m
P_GROUND = 16  # ground elevation above the reference surface, m
P_SKIP_ALT = 17  # climbing above this altitude (m) is a skip-out
P_TMAX = 18  # give up after this time, s
P_DT = 19  # step, s
P_G0 = 20  # standard gravity for g-loads, m/s^2
P_STOP_AT_CHUTE = 21  # 1: stop at parachute deployment
P_TAB_H0 = 22  # atmosphere table: first altitude, m
P_TAB_DH = 23  # atmosphere table: altitude step, m
P_PD_TW = 24  # powered descent thrust / (local) weight
P_HOVER_ALT = 25  # hover height above the ground, m
P_HOVER_S = 26  # hover duration, s
P_DESCENT_V = 27  # final vertical descent rate (and end speed of the gravity turn), m/s
NP = 28

# --- trajectory columns ---
C_T, C_R, C_LON, C_LAT, C_V, C_GAM, C_PSI, C_ALT, C_MACH, C_Q, C_G, C_HEAT, C_RHO, C_PHASE = range(14)
NCOL = 14

# --- summary layout ---
S_STATUS = 0
S_PEAK_G = 1
S_PEAK_G_ALT = 2
S_PEAK_G_T = 3
S_PEAK_HEAT = 4  # W/m^2
S_PEAK_HEAT_ALT = 5
S_PEAK_HEAT_T = 6
S_HEAT_LOAD = 7  # J/m^2
S_PEAK_Q = 8  # Pa
S_CHUTE_T = 9
S_CHUTE_ALT = 10  # m above the reference surface
S_CHUTE_MACH = 11
S_CHUTE_Q = 12
S_CHUTE_V = 13
S_CHUTE_LAT = 14
S_CHUTE_LON = 15
S_PD_T = 16
S_PD_ALT = 17
S_PD_V = 18
S_PD_GAM = 19
S_PD_LAT = 20
S_PD_LON = 21
S_PD_PSI = 22
S_END_T = 23  # time at which the integration stopped
S_END_R = 24
S_END_LON = 25
S_END_LAT = 26
S_END_V = 27
S_END_GAM = 28
S_END_PSI = 29
S_PD_DV = 30  # powered descent + hover delta-v, m/s
S_PD_TIME = 31  # powered descent + hover duration, s
S_PD_RANGE = 32  # horizontal distance flown under power, m
S_TD_T = 33  # touchdown time, s after entry
S_TD_LAT = 34
S_TD_LON = 35
S_NREC = 36  # rows written to the trajectory record
S_MIN_ALT = 37
S_PD_ROWS = 38  # rows written to the powered-descent record
NS = 39

# --- status codes ---
LANDED = 0  # flew to the powered-descent start under the parachute, and the powered descent landed
CHUTE = 1  # stopped at parachute deployment (P_STOP_AT_CHUTE)
SKIP_OUT = 2  # climbed back out of the atmosphere
IMPACT = 3  # reached the ground before the parachute deployed
TIMEOUT = 4  # P_TMAX reached (normal end for the no-atmosphere checks)
INVALID = 5  # NaN state or bad parameters
PD_CRASH = 6  # powered descent could not stop before the ground
STATUS_MEANING = {
    LANDED: "landed",
    CHUTE: "parachute",
    SKIP_OUT: "skip-out",
    IMPACT: "impact before parachute",
    TIMEOUT: "time limit",
    INVALID: "invalid",
    PD_CRASH: "powered-descent crash",
}

_BISECT = 40


@kernel
def surface_radius(lat, p):
    s = math.sin(lat)
    return p[P_REQ] * (1.0 - p[P_FLATTENING] * s * s)


@kernel
def atmosphere_at(h, p, logrho, sos):
    """Density (kg/m^3, times the dispersion factor) and speed of sound (m/s) at altitude ``h`` (m).

    Log-linear in density on a uniform grid (exact for an exponential layer), extrapolated from the end
    segments; the speed of sound is linear and held constant beyond the table.
    """
    n = logrho.shape[0]
    x = (h - p[P_TAB_H0]) / p[P_TAB_DH]
    if not (x == x):
        return math.nan, math.nan
    i = int(math.floor(x))
    if i < 0:
        i = 0
    elif i > n - 2:
        i = n - 2
    w = x - i
    lr = logrho[i] + w * (logrho[i + 1] - logrho[i])
    ws = min(max(w, 0.0), 1.0)
    a = sos[i] + ws * (sos[i + 1] - sos[i])
    return p[P_RHOF] * math.exp(lr), a


@kernel
def bank_at(v, bank_v, bank_rad):
    """Bank angle (rad) at relative speed ``v``: linear in a table of increasing speeds, constant beyond it."""
    n = bank_v.shape[0]
    if n == 1 or v <= bank_v[0]:
        return bank_rad[0]
    if v >= bank_v[n - 1]:
        return bank_rad[n - 1]
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if bank_v[mid] <= v:
            lo = mid
        else:
            hi = mid
    w = (v - bank_v[lo]) / (bank_v[hi] - bank_v[lo])
    return bank_rad[lo] + w * (bank_rad[hi] - bank_rad[lo])


@kernel
def rhs(y, phase, p, logrho, sos, bank_v, bank_rad, dy):
    """Write d(state)/dt into ``dy``; ``phase`` 0 = hypersonic entry, 1 = under the parachute."""
    r = y[0]
    lat = y[2]
    v = y[3]
    gam = y[4]
    psi = y[5]
    h = r - surface_radius(lat, p)
    rho, _a = atmosphere_at(h, p, logrho, sos)
    if phase == 0:
        beta = p[P_BETA]
        ld = p[P_LD]
    else:
        beta = p[P_BETA_CHUTE]
        ld = 0.0
    drag = rho * v * v / (2.0 * beta)
    lift = ld * drag
    sigma = bank_at(v, bank_v, bank_rad)
    mu = p[P_MU]
    w = p[P_OMEGA]
    sl = math.sin(lat)
    cl = math.cos(lat)
    rr = p[P_RJ2] / r
    gr = mu / (r * r) * (1.0 - 1.5 * p[P_J2] * rr * rr * (3.0 * sl * sl - 1.0))
    gn = -3.0 * mu * p[P_J2] * rr * rr * sl * cl / (r * r)
    curv = 0.0 if p[P_FLAT] != 0.0 else 1.0
    sg = math.sin(gam)
    cg = math.cos(gam)
    sp = math.sin(psi)
    cp = math.cos(psi)
    dy[0] = v * sg
    dy[1] = v * cg * sp / (r * cl)
    dy[2] = v * cg * cp / r
    dy[3] = -drag - gr * sg + gn * cg * cp + w * w * r * cl * (sg * cl - cg * sl * cp)
    dy[4] = (lift * math.cos(sigma) - gr * cg - gn * sg * cp + curv * v * v * cg / r + 2.0 * w * v * cl * sp
             + w * w * r * cl * (cg * cl + sg * sl * cp)) / v
    dy[5] = (lift * math.sin(sigma) / cg - gn * sp / cg + curv * v * v * cg * sp * sl / (cl * r)
             - 2.0 * w * v * (sg / cg * cp * cl - sl) + w * w * r * sp * sl * cl / cg) / v


@kernel
def rk4_step(y, h, phase, p, logrho, sos, bank_v, bank_rad, k1, k2, k3, k4, tmp, out):
    rhs(y, phase, p, logrho, sos, bank_v, bank_rad, k1)
    for j in range(6):
        tmp[j] = y[j] + 0.5 * h * k1[j]
    rhs(tmp, phase, p, logrho, sos, bank_v, bank_rad, k2)
    for j in range(6):
        tmp[j] = y[j] + 0.5 * h * k2[j]
    rhs(tmp, phase, p, logrho, sos, bank_v, bank_rad, k3)
    for j in range(6):
        tmp[j] = y[j] + h * k3[j]
    rhs(tmp, phase, p, logrho, sos, bank_v, bank_rad, k4)
    for j in range(6):
        out[j] = y[j] + h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j])


@kernel
def loads(y, phase, p, logrho, sos):
    """Altitude (m), density, Mach, dynamic pressure (Pa), sensed load (g0) and stagnation heat rate (W/m^2)."""
    h = y[0] - surface_radius(y[2], p)
    rho, a = atmosphere_at(h, p, logrho, sos)
    v = y[3]
    q = 0.5 * rho * v * v
    if phase == 0:
        beta = p[P_BETA]
        ld = p[P_LD]
    else:
        beta = p[P_BETA_CHUTE]
        ld = 0.0
    g = q / beta * math.sqrt(1.0 + ld * ld) / p[P_G0]
    heat = p[P_KSG] * math.sqrt(rho / p[P_RN]) * v * v * v
    return h, rho, v / a, q, g, heat


@kernel
def _event(y, phase, p, logrho, sos, kind):
    """True once the event ``kind`` has happened at state ``y``: 0 ground, 1 parachute trigger, 2 PD altitude."""
    h, _rho, mach, q, _g, _heat = loads(y, phase, p, logrho, sos)
    if kind == 0:
        return h <= p[P_GROUND]
    if kind == 1:
        return mach <= p[P_CHUTE_MACH] and q <= p[P_CHUTE_QMAX]
    return h <= p[P_GROUND] + p[P_PD_ALT]


@kernel
def _record(rec, row, t, y, phase, p, logrho, sos):
    if row >= rec.shape[0]:
        return row
    h, rho, mach, q, g, heat = loads(y, phase, p, logrho, sos)
    rec[row, C_T] = t
    for j in range(6):
        rec[row, C_R + j] = y[j]
    rec[row, C_ALT] = h
    rec[row, C_MACH] = mach
    rec[row, C_Q] = q
    rec[row, C_G] = g
    rec[row, C_HEAT] = heat
    rec[row, C_RHO] = rho
    rec[row, C_PHASE] = phase
    return row + 1


@kernel
def fly(y0, p, logrho, sos, bank_v, bank_rad, rec, record, summary):
    """Fly from the entry state ``y0`` through the parachute phase to the powered-descent start.

    Writes the summary (see the ``S_*`` layout) and, when ``record``, one trajectory row per step into ``rec``
    (rows beyond its length are dropped). Returns the status code.
    """
    for j in range(summary.shape[0]):
        summary[j] = math.nan
    summary[S_PEAK_G] = 0.0
    summary[S_PEAK_HEAT] = 0.0
    summary[S_HEAT_LOAD] = 0.0
    summary[S_PEAK_Q] = 0.0
    y = np.empty(6)
    yn = np.empty(6)
    ys = np.empty(6)
    k1 = np.empty(6)
    k2 = np.empty(6)
    k3 = np.empty(6)
    k4 = np.empty(6)
    tmp = np.empty(6)
    for j in range(6):
        y[j] = y0[j]
    dt = p[P_DT]
    ok = dt > 0.0 and p[P_BETA] > 0.0 and p[P_RN] > 0.0 and y0[3] > 0.0 and y0[0] > 0.0
    for j in range(6):
        if not (y0[j] == y0[j]):
            ok = False
    if not ok:
        summary[S_STATUS] = INVALID
        summary[S_NREC] = 0
        return INVALID
    chute_on = p[P_CHUTE_MACH] > 0.0
    phase = 0
    t = 0.0
    row = 0
    if record:
        row = _record(rec, row, t, y, phase, p, logrho, sos)
    h, _rho, _mach, _q, _g, heat_old = loads(y, phase, p, logrho, sos)
    min_alt = h
    nmax = int(p[P_TMAX] / dt) + 2
    status = TIMEOUT
    for _step in range(nmax):
        rk4_step(y, dt, phase, p, logrho, sos, bank_v, bank_rad, k1, k2, k3, k4, tmp, yn)
        finite = True
        for j in range(6):
            if not (yn[j] == yn[j]) or math.isinf(yn[j]):
                finite = False
        if not finite or yn[3] <= 0.0:
            status = INVALID
            break
        # events, earliest first: the ground, then (entry) the parachute trigger, (parachute) the PD altitude
        kind = -1
        if _event(yn, phase, p, logrho, sos, 0):
            kind = 0
        if phase == 0 and chute_on and _event(yn, phase, p, logrho, sos, 1):
            kind = 1  # the trigger and the ground in one step: the trigger came first (it is located below)
        if phase == 1 and _event(yn, phase, p, logrho, sos, 2):
            kind = 2
        step = dt
        if kind >= 0:
            lo = 0.0
            hi = dt
            for _i in range(_BISECT):
                mid = 0.5 * (lo + hi)
                rk4_step(y, mid, phase, p, logrho, sos, bank_v, bank_rad, k1, k2, k3, k4, tmp, ys)
                if _event(ys, phase, p, logrho, sos, kind):
                    hi = mid
                else:
                    lo = mid
            step = hi
            rk4_step(y, step, phase, p, logrho, sos, bank_v, bank_rad, k1, k2, k3, k4, tmp, yn)
        t += step
        h, _rho, mach, q, g, heat = loads(yn, phase, p, logrho, sos)
        summary[S_HEAT_LOAD] += 0.5 * (heat_old + heat) * step
        heat_old = heat
        if phase == 0:  # peaks of the hypersonic entry (the parachute's opening load is not modelled)
            if g > summary[S_PEAK_G]:
                summary[S_PEAK_G] = g
                summary[S_PEAK_G_ALT] = h
                summary[S_PEAK_G_T] = t
            if heat > summary[S_PEAK_HEAT]:
                summary[S_PEAK_HEAT] = heat
                summary[S_PEAK_HEAT_ALT] = h
                summary[S_PEAK_HEAT_T] = t
            if q > summary[S_PEAK_Q]:
                summary[S_PEAK_Q] = q
        if h < min_alt:
            min_alt = h
        for j in range(6):
            y[j] = yn[j]
        if record:
            row = _record(rec, row, t, y, phase, p, logrho, sos)
        if kind == 0:
            status = IMPACT
            break
        if kind == 1:
            summary[S_CHUTE_T] = t
            summary[S_CHUTE_ALT] = h
            summary[S_CHUTE_MACH] = mach
            summary[S_CHUTE_Q] = q
            summary[S_CHUTE_V] = y[3]
            summary[S_CHUTE_LAT] = y[2]
            summary[S_CHUTE_LON] = y[1]
            if p[P_STOP_AT_CHUTE] != 0.0:
                status = CHUTE
                break
            phase = 1
            h, _rho, _mach, _q, _g, heat_old = loads(y, phase, p, logrho, sos)
            if record:
                row = _record(rec, row, t, y, phase, p, logrho, sos)
            if _event(y, phase, p, logrho, sos, 2):
                kind = 2
        if kind == 2:
            summary[S_PD_T] = t
            summary[S_PD_ALT] = h
            summary[S_PD_V] = y[3]
            summary[S_PD_GAM] = y[4]
            summary[S_PD_LAT] = y[2]
            summary[S_PD_LON] = y[1]
            summary[S_PD_PSI] = y[5]
            status = LANDED
            break
        if h > p[P_SKIP_ALT] and y[4] > 0.0:
            status = SKIP_OUT
            break
        if t >= p[P_TMAX]:
            status = TIMEOUT
            break
    summary[S_END_T] = t
    for j in range(6):
        summary[S_END_R + j] = y[j]
    summary[S_MIN_ALT] = min_alt
    summary[S_STATUS] = status
    summary[S_NREC] = row
    return status


@kernel
def _gravity_turn(v0, gam0, h0, g, a_t, v_end, rec, record, row0):
    """Gravity turn at constant thrust acceleration ``a_t`` against the velocity (flat, uniform ``g``), RK4 at
    0.05 s, from speed ``v0``, flight-path angle ``gam0`` and height ``h0`` until the speed falls to ``v_end``
    or the height to -1 m. Returns ``(h, t, downrange, rows)``; records (t, h, v, gamma, downrange)."""
    dt = 0.05
    v = v0
    gam = gam0
    h = h0
    x = 0.0
    t = 0.0
    row = row0
    for _i in range(100000):
        if v <= v_end or h < -1.0:
            break
        k1v = -a_t - g * math.sin(gam)
        k1g = -g * math.cos(gam) / v
        k1h = v * math.sin(gam)
        k1x = v * math.cos(gam)
        v2 = max(v + 0.5 * dt * k1v, 1e-3)
        g2 = gam + 0.5 * dt * k1g
        k2v = -a_t - g * math.sin(g2)
        k2g = -g * math.cos(g2) / v2
        k2h = v2 * math.sin(g2)
        k2x = v2 * math.cos(g2)
        v3 = max(v + 0.5 * dt * k2v, 1e-3)
        g3 = gam + 0.5 * dt * k2g
        k3v = -a_t - g * math.sin(g3)
        k3g = -g * math.cos(g3) / v3
        k3h = v3 * math.sin(g3)
        k3x = v3 * math.cos(g3)
        v4 = max(v + dt * k3v, 1e-3)
        g4 = gam + dt * k3g
        k4v = -a_t - g * math.sin(g4)
        k4g = -g * math.cos(g4) / v4
        k4h = v4 * math.sin(g4)
        k4x = v4 * math.cos(g4)
        v += dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
        gam += dt / 6.0 * (k1g + 2.0 * k2g + 2.0 * k3g + k4g)
        if gam < -0.5 * math.pi:
            gam = -0.5 * math.pi
        h += dt / 6.0 * (k1h + 2.0 * k2h + 2.0 * k3h + k4h)
        x += dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        t += dt
        if record and row < rec.shape[0]:
            rec[row, 0] = t
            rec[row, 1] = h
            rec[row, 2] = v
            rec[row, 3] = gam
            rec[row, 4] = x
            row += 1
    return h, t, x, row


@kernel
def powered_descent(v0, gam0, h0, g, p, rec, record):
    """Powered descent from speed ``v0``, flight-path angle ``gam0`` and height ``h0`` (m above the ground).

    A gravity turn at the constant thrust acceleration that brings the speed down to the descent rate
    ``P_DESCENT_V`` exactly at the hover height ``P_HOVER_ALT`` (found by bisection between 1.01 g and the
    maximum ``P_PD_TW`` g), a hover of ``P_HOVER_S`` seconds, and a vertical descent at ``P_DESCENT_V`` to the
    ground. Thrust balancing weight costs ``g`` per second; the touchdown speed is nulled at the end.

    Returns ``(status, dv, time, downrange, rows)``: :data:`PD_CRASH` when even the maximum thrust cannot stop
    above the hover height. Records (t, height, speed, gamma, downrange) rows into ``rec`` when ``record``.
    """
    v_end = p[P_DESCENT_V]
    hover = p[P_HOVER_ALT]
    a_max = p[P_PD_TW] * g
    if not (v0 > 0.0 and h0 > 0.0 and a_max > 1.01 * g and v_end > 0.0 and hover >= 0.0):
        return INVALID, math.nan, math.nan, math.nan, 0
    target = min(hover, h0)
    h_hi, _t, _x, _r = _gravity_turn(v0, gam0, h0, g, a_max, v_end, rec, False, 0)
    if h_hi < target - 0.5:
        return PD_CRASH, math.nan, math.nan, math.nan, 0
    lo = 1.01 * g  # ends too low (or not at all)
    hi = a_max  # ends high enough
    h_lo, _t, _x, _r = _gravity_turn(v0, gam0, h0, g, lo, v_end, rec, False, 0)
    if h_lo >= target:
        hi = lo
    else:
        for _i in range(40):
            mid = 0.5 * (lo + hi)
            hm, _t, _x, _r = _gravity_turn(v0, gam0, h0, g, mid, v_end, rec, False, 0)
            if hm >= target:
                hi = mid
            else:
                lo = mid
    h_end, t, x, row = _gravity_turn(v0, gam0, h0, g, hi, v_end, rec, record, 0)
    dv = hi * t
    t_down = max(h_end, 0.0) / v_end
    dv += g * (p[P_HOVER_S] + t_down) + v_end
    if record and row + 1 < rec.shape[0]:
        rec[row, 0] = t + p[P_HOVER_S]
        rec[row, 1] = h_end
        rec[row, 2] = v_end
        rec[row, 3] = -0.5 * math.pi
        rec[row, 4] = x
        rec[row + 1, 0] = t + p[P_HOVER_S] + t_down
        rec[row + 1, 1] = 0.0
        rec[row + 1, 2] = 0.0
        rec[row + 1, 3] = -0.5 * math.pi
        rec[row + 1, 4] = x
        row += 2
    return LANDED, dv, t + p[P_HOVER_S] + t_down, x, row


@kernel
def destination(lat, lon, psi, dist, radius):
    """Point reached from (lat, lon) along the great circle of initial azimuth ``psi`` after ``dist``."""
    d = dist / radius
    s2 = math.sin(lat) * math.cos(d) + math.cos(lat) * math.sin(d) * math.cos(psi)
    s2 = min(max(s2, -1.0), 1.0)
    lat2 = math.asin(s2)
    lon2 = lon + math.atan2(math.sin(psi) * math.sin(d) * math.cos(lat), math.cos(d) - math.sin(lat) * s2)
    return lat2, lon2


@kernel
def edl(y0, p, logrho, sos, bank_v, bank_rad, rec, record, pd_rec, summary):
    """Entry and parachute (:func:`fly`), then the powered descent; fills the touchdown fields of ``summary``."""
    status = fly(y0, p, logrho, sos, bank_v, bank_rad, rec, record, summary)
    if status != LANDED:
        return status
    r = summary[S_END_R]
    g = p[P_MU] / (r * r)
    h0 = summary[S_PD_ALT] - p[P_GROUND]
    st, dv, tpd, x, rows = powered_descent(summary[S_PD_V], summary[S_PD_GAM], h0, g, p, pd_rec, record)
    summary[S_PD_ROWS] = rows
    summary[S_PD_DV] = dv
    summary[S_PD_TIME] = tpd
    summary[S_PD_RANGE] = x
    summary[S_TD_T] = summary[S_PD_T] + tpd
    lat2, lon2 = destination(summary[S_PD_LAT], summary[S_PD_LON], summary[S_PD_PSI], x, r)
    summary[S_TD_LAT] = lat2
    summary[S_TD_LON] = lon2
    if st != LANDED:
        summary[S_STATUS] = st
    return st


@kernel
def _edl_rows(y0s, ps, logrho, sos, bank_v, bank_rad, out, i):
    rec = np.empty((1, NCOL))
    pd_rec = np.empty((1, 5))
    edl(y0s[i], ps[i], logrho, sos, bank_v, bank_rad, rec, False, pd_rec, out[i])


@kernel
def edl_batch_serial(y0s, ps, logrho, sos, bank_v, bank_rad, out):
    """:func:`edl` for each row of ``y0s`` (n, 6) and ``ps`` (n, NP); summaries into ``out`` (n, NS)."""
    for i in range(y0s.shape[0]):
        _edl_rows(y0s, ps, logrho, sos, bank_v, bank_rad, out, i)


@kernel(parallel=True)
def edl_batch_parallel(y0s, ps, logrho, sos, bank_v, bank_rad, out):
    """:func:`edl_batch_serial` on all cores (numba.prange over the cases)."""
    for i in prange(y0s.shape[0]):
        _edl_rows(y0s, ps, logrho, sos, bank_v, bank_rad, out, i)
