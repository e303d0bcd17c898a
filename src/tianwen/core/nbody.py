"""The n-body right-hand side, event location and the DOP853 integration loop, on plain arrays.

See :mod:`tianwen.propagate` for the force model, its references and the conventions (km, km/s, s; ``t`` in
seconds since the start of the integration). The model's data reach the kernels as one :class:`NBodyTables`
(a named tuple Numba compiles into a struct): the Chebyshev tables of the bodies relative to the centre, their
GMs and the scalar parameters. Bodies are numbered by their row in the tables; ``-1`` is the centre.

Public kernels (used by :mod:`tianwen.propagate`): :func:`rhs` (and :func:`rhs_unpacked`), :func:`integrate`,
:func:`dense_many`, :func:`body_state`, :func:`body_states_many`; status codes :data:`DONE`, :data:`TERMINATED`,
:data:`STEP_TOO_SMALL`, :data:`MAX_STEPS`; event kinds :data:`EVENT_DISTANCE`, :data:`EVENT_RDOTV`.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from .chebyshev import series_position, series_state
from .dop853 import (C, ERROR_EXPONENT, MAX_FACTOR, MIN_FACTOR, N_STAGES, N_STAGES_EXTENDED, SAFETY, dense_eval,
                     dense_fill, error_norm, solution, stage_state)
from .jit import kernel

#: Event kinds: ``g = |r - r_b| - value`` and ``g = (r - r_b).(v - v_b)``.
EVENT_DISTANCE, EVENT_RDOTV = 0, 1
#: Exit status of :func:`integrate`.
DONE, TERMINATED, STEP_TOO_SMALL, MAX_STEPS = 0, 1, -1, -2

NBodyTables = namedtuple("NBodyTables", [
    "coef",         # (bodies, intervals, 3, ncoef) Chebyshev coefficients of each body relative to the centre, km
    "seg_len_s",    # (bodies,) interval length of each body's fit, s
    "n_intervals",  # (bodies,) int64, intervals in each body's fit
    "gm",           # (bodies,) GM of each body, km^3/s^2 (0 for a body tabulated only for events or SRP)
    "gm_center",    # GM of the centre, km^3/s^2
    "t_offset_s",   # time of the integration's t = 0 after the start of the tables, s
    "srp_k",        # solar radiation pressure constant k of a = k d / |d|^3 (km^3/s^2), 0 without SRP
    "relativity",   # bool: add the centre's Schwarzschild term
    "c_kms",        # speed of light, km/s
    "n_bodies",     # number of tabulated bodies
    "sun_index",    # row of the Sun in the tables, -1 when the Sun is the centre (or absent)
])
NBodyTables.__doc__ = "What the n-body kernels read: the bodies' Chebyshev tables, GMs and the force-model scalars."


@kernel(inline="always")
def _interval(tab, b, t):
    """Interval ``k`` of body ``b``'s table holding ``t`` (s; clamped to the table) and the normalised time ``s``
    in it, with the interval length (s)."""
    ts = t + tab.t_offset_s
    L = tab.seg_len_s[b]
    k = int(math.floor(ts / L))
    if k < 0:
        k = 0
    elif k >= tab.n_intervals[b]:
        k = tab.n_intervals[b] - 1
    return k, 2.0 * (ts - k * L) / L - 1.0, L


@kernel
def _body_pos(tab, b, t):
    """Position (km) of tabulated body ``b`` at ``t`` seconds of the integration, as a tuple."""
    k, s, _ = _interval(tab, b, t)
    return series_position(tab.coef[b, k], s)


@kernel
def body_state(tab, b, t, r, v):
    """Position (km) and velocity (km/s) of tabulated body ``b`` into ``r``, ``v``; ``b < 0`` is the centre
    (zero)."""
    if b < 0:
        for c in range(3):
            r[c] = 0.0
            v[c] = 0.0
        return
    k, s, L = _interval(tab, b, t)
    px, py, pz, dx, dy, dz = series_state(tab.coef[b, k], s)
    r[0] = px
    r[1] = py
    r[2] = pz
    v[0] = dx * 2.0 / L
    v[1] = dy * 2.0 / L
    v[2] = dz * 2.0 / L


@kernel
def body_states_many(tab, b, ts, r, v):
    """States of tabulated body ``b`` at many times (s) into ``r``, ``v`` of shape (n, 3)."""
    for q in range(ts.shape[0]):
        body_state(tab, b, ts[q], r[q], v[q])


@kernel(inline="always")
def _point_source(k, sx, sy, sz, with_stm):
    """Field ``k s / |s|^3`` of an inverse-square source at ``-s`` from the spacecraft and, when the STM is
    integrated, its gradient ``k (I / |s|^3 - 3 s s^T / |s|^5)`` as (xx, yy, zz, xy, xz, yz).

    Gravity of a body at ``p`` is ``k = -GM``, ``s = r - p``; solar radiation pressure is ``k = srp_k``,
    ``s = r - r_sun``."""
    s2 = sx * sx + sy * sy + sz * sz
    is3 = 1.0 / (s2 * math.sqrt(s2))
    gxx = gyy = gzz = gxy = gxz = gyz = 0.0
    if with_stm:
        is5 = 3.0 * is3 / s2
        gxx = k * (is3 - sx * sx * is5)
        gyy = k * (is3 - sy * sy * is5)
        gzz = k * (is3 - sz * sz * is5)
        gxy = -k * sx * sy * is5
        gxz = -k * sx * sz * is5
        gyz = -k * sy * sz * is5
    return k * sx * is3, k * sy * is3, k * sz * is3, gxx, gyy, gzz, gxy, gxz, gyz


@kernel
def rhs(t, y, dy, tab):
    """Time derivative of the state ``y`` (r, v and, when ``len(y) == 42``, the STM row-major) at ``t`` s.

    The gravity gradient G (symmetric) is accumulated only when the STM is integrated.
    """
    gm = tab.gm
    nb = tab.n_bodies
    sun = tab.sun_index
    gmc = tab.gm_center
    srp_k = tab.srp_k
    with_stm = y.shape[0] == 42
    rx, ry, rz = y[0], y[1], y[2]
    ax, ay, az, gxx, gyy, gzz, gxy, gxz, gyz = _point_source(-gmc, rx, ry, rz, with_stm)
    for b in range(nb):
        g = gm[b]
        if g == 0.0 and not (b == sun and srp_k != 0.0):
            continue
        px, py, pz = _body_pos(tab, b, t)
        sx, sy, sz = rx - px, ry - py, rz - pz
        if g != 0.0:
            # Direct term, then the indirect one (the centre's own acceleration towards the body).
            a1, a2, a3, h1, h2, h3, h4, h5, h6 = _point_source(-g, sx, sy, sz, with_stm)
            p2 = px * px + py * py + pz * pz
            ip3 = 1.0 / (p2 * math.sqrt(p2))
            ax += a1 - g * px * ip3
            ay += a2 - g * py * ip3
            az += a3 - g * pz * ip3
            gxx += h1
            gyy += h2
            gzz += h3
            gxy += h4
            gxz += h5
            gyz += h6
        if b == sun and srp_k != 0.0:
            a1, a2, a3, h1, h2, h3, h4, h5, h6 = _point_source(srp_k, sx, sy, sz, with_stm)
            ax += a1
            ay += a2
            az += a3
            gxx += h1
            gyy += h2
            gzz += h3
            gxy += h4
            gxz += h5
            gyz += h6
    if sun < 0 and srp_k != 0.0:  # the centre is the Sun
        a1, a2, a3, h1, h2, h3, h4, h5, h6 = _point_source(srp_k, rx, ry, rz, with_stm)
        ax += a1
        ay += a2
        az += a3
        gxx += h1
        gyy += h2
        gzz += h3
        gxy += h4
        gxz += h5
        gyz += h6
    vx, vy, vz = y[3], y[4], y[5]
    if tab.relativity:  # Schwarzschild term of the centre (IERS 2010 eq. 10.12, beta = gamma = 1)
        r1 = math.sqrt(rx * rx + ry * ry + rz * rz)
        ir3 = 1.0 / (r1 * r1 * r1)
        c2 = tab.c_kms * tab.c_kms
        v2 = vx * vx + vy * vy + vz * vz
        rv = rx * vx + ry * vy + rz * vz
        k = gmc * ir3 / c2
        q = 4.0 * gmc / r1 - v2
        ax += k * (q * rx + 4.0 * rv * vx)
        ay += k * (q * ry + 4.0 * rv * vy)
        az += k * (q * rz + 4.0 * rv * vz)
    dy[0] = vx
    dy[1] = vy
    dy[2] = vz
    dy[3] = ax
    dy[4] = ay
    dy[5] = az
    if with_stm:
        # Phi is row-major in y[6:42]: Phi[i, j] = y[6 + 6 i + j]. dPhi = [[0, I], [G, 0]] Phi.
        for j in range(6):
            dy[6 + j] = y[6 + 18 + j]
            dy[6 + 6 + j] = y[6 + 24 + j]
            dy[6 + 12 + j] = y[6 + 30 + j]
            p0 = y[6 + j]
            p1 = y[6 + 6 + j]
            p2 = y[6 + 12 + j]
            dy[6 + 18 + j] = gxx * p0 + gxy * p1 + gxz * p2
            dy[6 + 24 + j] = gxy * p0 + gyy * p1 + gyz * p2
            dy[6 + 30 + j] = gxz * p0 + gyz * p1 + gzz * p2



@kernel
def rhs_unpacked(t, y, dy, coef, seg_len_s, n_intervals, gm, gm_center, t_offset_s, srp_k, relativity, c_kms,
                 n_bodies, sun_index):
    """:func:`rhs` with the fields of :class:`NBodyTables` as separate arguments, for calls from Python (another
    integrator): Numba types a named-tuple argument in Python at every call, arrays and numbers in C."""
    rhs(t, y, dy, NBodyTables(coef, seg_len_s, n_intervals, gm, gm_center, t_offset_s, srp_k, relativity, c_kms,
                              n_bodies, sun_index))

@kernel
def _rk_step(t, y, h, K, ynew, ytmp, tab):
    """One DOP853 step from (t, y) with ``K[0] = f(t, y)`` already set; fills K[1:13] and ``ynew``."""
    for s in range(1, N_STAGES):
        stage_state(y, h, K, s, ytmp)
        rhs(t + C[s] * h, ytmp, K[s], tab)
    solution(y, h, K, ynew)
    rhs(t + h, ynew, K[N_STAGES], tab)


@kernel
def _dense_coefficients(t, y, ynew, h, K, F, ytmp, tab):
    """DOP853's 7th-order dense output on the accepted step: the 3 extra stages, then the rows ``F``."""
    for s in range(N_STAGES + 1, N_STAGES_EXTENDED):
        stage_state(y, h, K, s, ytmp)
        rhs(t + C[s] * h, ytmp, K[s], tab)
    dense_fill(y, ynew, h, K, F)


@kernel
def _event_g(kind, b, value, t, y, tab, rb, vb):
    """Event function at (t, y): |r - r_b| - value (kind 0) or (r - r_b).(v - v_b) (kind 1)."""
    body_state(tab, b, t, rb, vb)
    dx, dy_, dz = y[0] - rb[0], y[1] - rb[1], y[2] - rb[2]
    if kind == EVENT_DISTANCE:
        return math.sqrt(dx * dx + dy_ * dy_ + dz * dz) - value
    return dx * (y[3] - vb[0]) + dy_ * (y[4] - vb[1]) + dz * (y[5] - vb[2])


@kernel
def _event_at(tq, t, h, y, F, ev_kind, ev_body, ev_value, e, tab, ytmp, rb, vb):
    """Event function ``e`` at time ``tq`` inside the step, on the dense output."""
    dense_eval((tq - t) / h, y, F, ytmp, 6)
    return _event_g(ev_kind[e], ev_body[e], ev_value[e], tq, ytmp, tab, rb, vb)


@kernel
def _brent(xa, xb, fa, fb, t, h, y, F, ev_kind, ev_body, ev_value, e, tab, ytmp, rb, vb):
    """Root of the event function between xa and xb (times, s) by Brent's method (SciPy's ``brentq.c``)."""
    xtol = 1e-7
    xpre, xcur = xa, xb
    fpre, fcur = fa, fb
    xblk = 0.0
    fblk = 0.0
    spre = 0.0
    scur = 0.0
    for _ in range(200):
        if fpre != 0.0 and fcur != 0.0 and (fpre < 0.0) != (fcur < 0.0):
            xblk = xpre
            fblk = fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = 0.5 * (xtol + 4.0 * 2.2e-16 * abs(xcur))
        sbis = 0.5 * (xblk - xcur)
        if fcur == 0.0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2.0 * abs(stry) < min(abs(spre), 3.0 * abs(sbis) - delta):
                spre = scur
                scur = stry
            else:
                spre = sbis
                scur = sbis
        else:
            spre = sbis
            scur = sbis
        xpre = xcur
        fpre = fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0.0 else -delta
        fcur = _event_at(xcur, t, h, y, F, ev_kind, ev_body, ev_value, e, tab, ytmp, rb, vb)
    return xcur


def precompile_events(tab) -> None:
    """Compile (or load) the event-location kernels (:func:`_brent` and what it calls) for the argument types
    :func:`integrate` passes, by locating a made-up root. A cold ``tianwen mission`` does this in the command's own
    process while a second process compiles :func:`integrate` (:mod:`tianwen.warm`), which then loads them."""
    y, ytmp, rb, vb = np.zeros(6), np.zeros(6), np.zeros(3), np.zeros(3)
    y[0] = 1.0
    ev_kind, ev_body, ev_value = np.zeros(1, dtype=np.int64), np.full(1, -1, dtype=np.int64), np.ones(1)
    _brent(0.0, 1.0, -1.0, 1.0, 0.0, 1.0, y, np.zeros((7, 6)), ev_kind, ev_body, ev_value, 0, tab, ytmp, rb, vb)


@kernel
def _grow(a, cap):
    """``a`` (rows, width) copied into a new array of ``cap`` rows (explicit loops: quick to compile)."""
    b = np.empty((cap, a.shape[1]))
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            b[i, j] = a[i, j]
    return b


@kernel
def integrate(y0, t_end, rtol, atol_r, atol_v, max_step, max_steps, tab,
              ev_kind, ev_body, ev_value, ev_limit, ev_dir, ev_term, t_eval, store_dense):
    """Integrate from t = 0 to ``t_end`` (s, either sign). ``t_eval`` must be sorted in the direction of motion.

    Returns ``(status, nfev, nsteps, steps, nev, evlog, y_eval)``. Row i of ``steps`` is
    ``[t_end_i, h_i, y_end_i (n), F_i (7 n, only if store_dense)]``: step i runs from the previous row's time
    (0 for the first) to ``t_end_i`` with dense-output coefficients F_i for the step length ``h_i`` (longer than
    the step when a terminal event cut it). Row q of ``evlog`` is ``[event index, t, r (3), v (3)]``.
    """
    n = y0.shape[0]
    ne = ev_kind.shape[0]
    neval = t_eval.shape[0]
    width = 2 + n + (7 * n if store_dense else 0)
    steps = np.empty((64, width))
    evlog = np.empty((8, 8))
    y_eval = np.empty((neval, n))
    for i in range(neval):
        for j in range(n):
            y_eval[i, j] = np.nan
    nev = 0
    nsteps = 0
    nfev = 0
    status = DONE

    K = np.empty((16, n))
    F = np.empty((7, n))
    y = np.empty(n)
    f0 = np.empty(n)
    ynew = np.empty(n)
    ytmp = np.empty(n)
    rb = np.empty(3)
    vb = np.empty(3)
    for j in range(n):
        y[j] = y0[j]
    t = 0.0
    ie = 0
    while ie < neval and t_eval[ie] == 0.0:
        for j in range(n):
            y_eval[ie, j] = y[j]
        ie += 1
    if t_end == 0.0:
        return status, nfev, nsteps, steps, nev, evlog, y_eval
    direction = 1.0 if t_end > 0.0 else -1.0

    rhs(t, y, K[0], tab)
    nfev = 1
    g_old = np.empty(ne)
    g_new = np.empty(ne)
    for e in range(ne):
        g_old[e] = _event_g(ev_kind[e], ev_body[e], ev_value[e], t, y, tab, rb, vb)

    # Initial step (Hairer et al. II.4; SciPy select_initial_step), with the per-vector scales.
    for j in range(n):
        f0[j] = K[0, j]
    rn = math.sqrt(y[0] ** 2 + y[1] ** 2 + y[2] ** 2)
    vn = math.sqrt(y[3] ** 2 + y[4] ** 2 + y[5] ** 2)
    sr = atol_r + rtol * rn
    sv = atol_v + rtol * vn
    d0 = math.sqrt(((rn / sr) ** 2 + (vn / sv) ** 2) / 6.0)
    d1 = math.sqrt(((vn / sr) ** 2 + (f0[3] ** 2 + f0[4] ** 2 + f0[5] ** 2) / sv ** 2) / 6.0)
    interval = abs(t_end)
    if d0 < 1e-5 or d1 < 1e-5:
        h0 = 1e-6
    else:
        h0 = 0.01 * d0 / d1
    h0 = min(h0, interval)
    for j in range(n):
        ytmp[j] = y[j] + h0 * direction * f0[j]
    rhs(direction * h0, ytmp, K[1], tab)
    nfev += 1
    d2 = 0.0
    for j in range(6):
        sc = sr if j < 3 else sv
        d2 += ((K[1, j] - f0[j]) / sc) ** 2
    d2 = math.sqrt(d2 / 6.0) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / 8.0)
    h_abs = min(100.0 * h0, h1, interval, max_step)

    while direction * (t - t_end) < 0.0:
        if nsteps >= max_steps:
            status = MAX_STEPS
            break
        min_step = 10.0 * abs(np.nextafter(t, direction * np.inf) - t)
        if h_abs > max_step:
            h_abs = max_step
        if h_abs < min_step:
            h_abs = min_step
        rejected = False
        accepted = False
        h = 0.0
        t_new = t
        while not accepted:
            if h_abs < min_step:
                break
            h = h_abs * direction
            t_new = t + h
            if direction * (t_new - t_end) > 0.0:
                t_new = t_end
            h = t_new - t
            h_abs = abs(h)
            _rk_step(t, y, h, K, ynew, ytmp, tab)
            nfev += N_STAGES
            finite = True
            for j in range(6):
                if not math.isfinite(ynew[j]):
                    finite = False
            err = error_norm(K, h, y, ynew, rtol, atol_r, atol_v) if finite else np.inf
            if err < 1.0:
                if err == 0.0:
                    factor = MAX_FACTOR
                else:
                    factor = min(MAX_FACTOR, SAFETY * err ** ERROR_EXPONENT)
                if rejected:
                    factor = min(1.0, factor)
                h_abs *= factor
                accepted = True
            else:
                h_abs *= max(MIN_FACTOR, SAFETY * err ** ERROR_EXPONENT) if math.isfinite(err) else MIN_FACTOR
                rejected = True
        if not accepted:
            status = STEP_TOO_SMALL
            break

        have_dense = False
        # Events: sign changes of g in the direction asked for, located on the dense output.
        t_stop = t_new
        stop_event = -1
        if ne > 0:
            for e in range(ne):
                g_new[e] = _event_g(ev_kind[e], ev_body[e], ev_value[e], t_new, ynew, tab, rb, vb)
            for e in range(ne):
                up = g_old[e] < 0.0 and g_new[e] >= 0.0
                down = g_old[e] > 0.0 and g_new[e] <= 0.0
                if not ((up and ev_dir[e] >= 0) or (down and ev_dir[e] <= 0)):
                    continue
                if not have_dense:
                    _dense_coefficients(t, y, ynew, h, K, F, ytmp, tab)
                    nfev += 3
                    have_dense = True
                if g_new[e] == 0.0:
                    troot = t_new
                else:
                    troot = _brent(t, t_new, g_old[e], g_new[e], t, h, y, F, ev_kind, ev_body, ev_value, e,
                                   tab, ytmp, rb, vb)
                dense_eval((troot - t) / h, y, F, ytmp, 6)
                if ev_limit[e] < np.inf:  # periapsis/apoapsis count only within the body's sphere
                    body_state(tab, ev_body[e], troot, rb, vb)
                    dd = math.sqrt((ytmp[0] - rb[0]) ** 2 + (ytmp[1] - rb[1]) ** 2 + (ytmp[2] - rb[2]) ** 2)
                    if dd >= ev_limit[e]:
                        continue
                if nev == evlog.shape[0]:
                    evlog = _grow(evlog, 2 * nev)
                evlog[nev, 0] = e
                evlog[nev, 1] = troot
                for j in range(6):
                    evlog[nev, 2 + j] = ytmp[j]
                nev += 1
                if ev_term[e] and (stop_event < 0 or direction * (troot - t_stop) < 0.0):
                    t_stop = troot
                    stop_event = e
            if stop_event >= 0:
                # Drop events found after the terminal one: that part of the step is discarded.
                keep = 0
                for q in range(nev):
                    if direction * (evlog[q, 1] - t_stop) <= 0.0:
                        for j in range(8):
                            evlog[keep, j] = evlog[q, j]
                        keep += 1
                nev = keep

        if stop_event >= 0 and t_stop != t_new:
            dense_eval((t_stop - t) / h, y, F, ytmp, n)
            t_new = t_stop
            for j in range(n):
                ynew[j] = ytmp[j]
            rhs(t_new, ynew, K[N_STAGES], tab)
            nfev += 1

        # Requested output epochs within (t, t_new]; on the last step also those up to 1 ms beyond t_end that
        # the caller let through (the step's polynomial extrapolates that far without loss).
        while ie < neval and (direction * (t_eval[ie] - t_new) <= 0.0 or t_new == t_end):
            if t_eval[ie] == t_new:
                for j in range(n):
                    y_eval[ie, j] = ynew[j]
            else:
                if not have_dense:
                    _dense_coefficients(t, y, ynew, h, K, F, ytmp, tab)
                    nfev += 3
                    have_dense = True
                dense_eval((t_eval[ie] - t) / h, y, F, y_eval[ie], n)
            ie += 1

        if store_dense and not have_dense:
            _dense_coefficients(t, y, ynew, h, K, F, ytmp, tab)
            nfev += 3
            have_dense = True

        if nsteps == steps.shape[0]:
            steps = _grow(steps, 2 * nsteps)
        steps[nsteps, 0] = t_new
        steps[nsteps, 1] = h
        for j in range(n):
            steps[nsteps, 2 + j] = ynew[j]
        if store_dense:
            for i in range(7):
                for j in range(n):
                    steps[nsteps, 2 + n + i * n + j] = F[i, j]
        nsteps += 1
        t = t_new
        for j in range(n):
            y[j] = ynew[j]
            K[0, j] = K[N_STAGES, j]
        for e in range(ne):
            g_old[e] = g_new[e]
        if stop_event >= 0:
            status = TERMINATED
            break

    return status, nfev, nsteps, steps, nev, evlog, y_eval


@kernel
def dense_many(tq, ts, hs, ys, dense, n, out):
    """Dense output at many times ``tq`` (s) from the stored steps (``ts`` monotonic in either direction)."""
    nsteps = hs.shape[0]
    F = np.empty((7, n))
    forward = nsteps == 0 or hs[0] > 0.0
    for q in range(tq.shape[0]):
        t = tq[q]
        # binary search for the step holding t
        lo = 0
        hi = nsteps - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if (ts[mid] <= t) if forward else (ts[mid] >= t):
                lo = mid
            else:
                hi = mid - 1
        i = lo
        if nsteps == 0:
            for j in range(n):
                out[q, j] = ys[0, j]
            continue
        for a in range(7):
            for j in range(n):
                F[a, j] = dense[i, a * n + j]
        dense_eval((t - ts[i]) / hs[i], ys[i], F, out[q], n)


