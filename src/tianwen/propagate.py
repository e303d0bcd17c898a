"""Numerical propagation of a spacecraft in a Sun + planets n-body model, with events and manoeuvres.

The spacecraft is massless. Its state is integrated about a central body (the Sun by default) in the ICRF
axes of the ephemeris; the other bodies are point-mass perturbers whose positions come from the ephemeris
(DE421 by default). For a perturber ``j`` at ``r_j`` from the centre the acceleration is the direct term plus
the *indirect* term, the centre's own acceleration towards ``j`` (Montenbruck & Gill 2000, *Satellite
Orbits*, sec. 3.3, with the Sun or a planet as the centre)::

    a = -GM_c r / |r|^3 + sum_j GM_j [ (r_j - r) / |r_j - r|^3 - r_j / |r_j|^3 ]
        + SRP (optional)  + Schwarzschild term of the centre (optional)

* **Solar radiation pressure** (:class:`SolarRadiationPressure`): cannonball model, radial from the Sun,
  ``a = Cr (A/m) (Phi_1AU / c) (1 AU / d)^2`` with ``Phi_1AU = 1361 W/m^2`` (Kopp & Lean 2011, GRL 38,
  L01706); no shadow (cruise).
* **Relativity** (``relativity=True``, Sun-centred models only): the Schwarzschild term of the Sun in
  harmonic coordinates, PPN beta = gamma = 1, ``a = GM/(c^2 r^3) [(4 GM/r - v^2) r + 4 (r.v) v]`` (IERS
  Conventions 2010, eq. 10.12, with the Sun as the central mass). Leaving it out moves Mars by 27 km in a
  year (``tests/test_propagate.py``).

**Integrator.** A compiled (Numba) port of Hairer's DOP853: explicit Runge–Kutta of order 8 with the 5th/3rd
order error estimator and the 7th-order dense output (Hairer, Nørsett & Wanner, *Solving Ordinary
Differential Equations I*, 2nd ed. 1993, ch. II, and Hairer's Fortran code DOP853; the coefficients are
read from SciPy's ``dop853_coefficients``, which carries Hairer's constants, and the step-size control is
that of SciPy's ``DOP853`` class). The local error is
measured against a scale per *vector*, not per component, so it is independent of the axes::

    scale_r = atol_km + rtol |r|,    scale_v = atol_kms + rtol |v|

Defaults ``rtol = 1e-12``, ``atol_km = 1e-9``, ``atol_kms = 1e-12``, ``max_step_s = 1 day``: the relative
tolerance governs everywhere (0.2 m per step at 1.5 AU, 4 µm on a 4000-km Mars orbit), the absolute ones
only guard against a vector passing through zero. Inside a planet's sphere of influence in a Sun-centred
model the same absolute position error is what matters (the Mars-relative motion is integrated in
heliocentric coordinates, whose round-off is ~3 cm at 1.5 AU: below what the tolerance allows). The
one-day step cap keeps a step from jumping over a planetary encounter (crossing Mars' 577 000 km sphere of
influence takes more than a day below 13 km/s), lets events see every sign change, and makes the
heliocentric local error negligible: a year of Mars as a test particle is integrated to 1e-6 km (without
the cap DOP853 takes 10-day steps and errs by 15 m). Measured costs (2-core Xeon): 200 days of cruise
through a Mars flyby, 280 steps, ~8 ms; SciPy's ``solve_ivp(DOP853)`` on the same right-hand side, ~70 ms.

**Planet positions in the right-hand side.** Before a propagation the model fits every body it needs,
relative to the centre, with Chebyshev polynomials of degree 14 on intervals of 4 days (Earth and Moon, whose
monthly motion is fastest; every body when the centre is the Earth or the Moon), 8 days (Mercury) or 16 days
(the others), on a grid fixed for the ephemeris so that a fit never depends on the span asked for. The
fit samples the ephemeris at Chebyshev nodes through its public ``heliocentric`` method, so any ephemeris
works (DE421, the analytic one, or a user's). The intervals are aligned with the ephemeris's first epoch,
where all of DE421's 4/8/16/32-day records start, so each interval holds one polynomial piece of DE421 and
the fit is exact but for the noise of the samples: ~1e-5 km, which is the time resolution (5e-7 s at
3.8e9 s since 1899) of tianwen.ephemeris's Chebyshev kernel times the planets' speeds (:func:`fit_error`
measures it; ``tests/test_propagate.py`` bounds it by 1e-4 km against jplephem), far below anything
studied here.

**Variational equations.** With ``stm=True`` the 6x6 state transition matrix ``Phi(t, t0)`` is integrated with
the state (``dPhi/dt = [[0, I], [G, 0]] Phi`` with the gravity-gradient ``G`` of every point mass and of SRP;
the relativistic term's gradient, ~1e-8 of the Sun's, is left out). Step sizes are chosen by the state
alone. The sensitivity of a final state to an impulsive manoeuvre is ``Phi(t1, t_m)[:, 3:]``.

**Events** (:func:`soi_entry`, :func:`soi_exit`, :func:`periapsis`, :func:`apoapsis`, :func:`impact`,
:func:`distance`) are sign changes of a function of the state relative to a body, checked after every step
and located on the dense output by Brent's method to 1e-7 s, with no extra right-hand-side calls.

Units: km, km/s, s; epochs as :class:`tianwen.time.Epoch` (TDB inside). The public objects:

* :class:`NBodyModel` — the force model; :func:`fit_error` — its ephemeris fit error;
* :func:`propagate` -> :class:`Trajectory` (``state(epoch)``: a Sun-centred ICRF body for the rest of
  tianwen);
* :func:`propagate_with_manoeuvres` -> :class:`ManoeuvreTrajectory` (one coast arc per segment, and
  ``partials()`` for a differential corrector).

>>> from tianwen.propagate import NBodyModel, propagate, periapsis
>>> model = NBodyModel(center="mars", perturbers=())            # two-body about Mars
>>> tr = propagate([3800.0, 0, 0], [0, 4.0, 0], "2026-01-01 TDB", "2026-01-02 TDB", model=model,
...                events=[periapsis("mars")])
>>> len(tr.events) > 0
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from .bodies import AU_KM, BODIES, C_KMS, DAY_S, body as _lookup_body
from .ephemeris import check_span, get_ephemeris
from .errors import OutOfRangeError, TianwenError
from .time import J2000_JD, Epoch, epoch as _epoch

try:  # Hairer's DOP853 constants, as SciPy ships them (module present since SciPy 1.4).
    from scipy.integrate._ivp import dop853_coefficients as _dop
except ImportError as exc:  # pragma: no cover - only if SciPy reorganises its private modules
    raise ImportError("tianwen.propagate needs SciPy's DOP853 coefficients (scipy>=1.4)") from exc

__all__ = [
    "DEFAULT_PERTURBERS", "SolarRadiationPressure", "NBodyModel", "Event", "EventHit", "Trajectory",
    "ManoeuvreTrajectory", "propagate", "propagate_with_manoeuvres", "soi_entry", "soi_exit", "periapsis",
    "apoapsis", "impact", "distance", "fit_error", "state_transition_matrix",
]

DEFAULT_PERTURBERS = ("mercury", "venus", "earth", "moon", "mars", "jupiter", "saturn", "uranus", "neptune")
SOLAR_FLUX_1AU_W_M2 = 1361.0  # total solar irradiance at 1 AU (Kopp & Lean 2011)
C_M_S = C_KMS * 1000.0

# Chebyshev fit of the perturbers: degree, interval lengths (days) and the grid every interval is aligned on.
_NCOEF = 15
_BLOCK_DAYS = 16.0
_FAST_BODIES_DAYS = {"earth": 4.0, "moon": 4.0, "mercury": 8.0}

# DOP853 tableau (Hairer): 12 stages + 1 (FSAL) for the step and error, 3 more for the dense output.
_N_STAGES = _dop.N_STAGES
_A = np.ascontiguousarray(_dop.A, dtype=np.float64)
_B = np.ascontiguousarray(_dop.B, dtype=np.float64)
_C = np.ascontiguousarray(_dop.C, dtype=np.float64)
_E3 = np.ascontiguousarray(_dop.E3, dtype=np.float64)
_E5 = np.ascontiguousarray(_dop.E5, dtype=np.float64)
_D = np.ascontiguousarray(_dop.D, dtype=np.float64)
_SAFETY, _MIN_FACTOR, _MAX_FACTOR = 0.9, 0.2, 10.0

# Event kinds understood by the kernel.
_DIST, _RDOTV = 0, 1
# Kernel exit status.
_DONE, _TERMINATED, _TOO_SMALL, _MAX_STEPS = 0, 1, -1, -2

_jit = dict(cache=True, nogil=True, error_model="numpy")


# ----------------------------------------------------------------------------------------------------------
# Compiled kernels: Chebyshev bodies, right-hand side, DOP853 with dense output and events
# ----------------------------------------------------------------------------------------------------------


@njit(**_jit)
def _body_pos(tab, b, t):
    """Position (km) of tabulated body ``b`` at ``t`` seconds of the integration, as a tuple.

    ``tab = (coef, seg_len_s, nint, gm, par, ipar)``; ``coef[b]`` has shape (intervals, 3, ncoef).
    """
    coef, seg_len, nint = tab[0], tab[1], tab[2]
    ts = t + tab[4][1]
    L = seg_len[b]
    k = int(math.floor(ts / L))
    if k < 0:
        k = 0
    elif k >= nint[b]:
        k = nint[b] - 1
    s = 2.0 * (ts - k * L) / L - 1.0
    s2 = 2.0 * s
    ncoef = coef.shape[3]
    # Clenshaw's recurrence for sum c_j T_j(s), the three components together.
    bx1 = by1 = bz1 = 0.0
    bx2 = by2 = bz2 = 0.0
    for j in range(ncoef - 1, 0, -1):
        tx = s2 * bx1 - bx2 + coef[b, k, 0, j]
        ty = s2 * by1 - by2 + coef[b, k, 1, j]
        tz = s2 * bz1 - bz2 + coef[b, k, 2, j]
        bx2, by2, bz2 = bx1, by1, bz1
        bx1, by1, bz1 = tx, ty, tz
    return (s * bx1 - bx2 + coef[b, k, 0, 0], s * by1 - by2 + coef[b, k, 1, 0], s * bz1 - bz2 + coef[b, k, 2, 0])


@njit(**_jit)
def _body_state(tab, b, t, r, v):
    """Position (km) and velocity (km/s) of tabulated body ``b``; ``b < 0`` is the centre (zero)."""
    if b < 0:
        for c in range(3):
            r[c] = 0.0
            v[c] = 0.0
        return
    coef, seg_len, nint = tab[0], tab[1], tab[2]
    ts = t + tab[4][1]
    L = seg_len[b]
    k = int(math.floor(ts / L))
    if k < 0:
        k = 0
    elif k >= nint[b]:
        k = nint[b] - 1
    s = 2.0 * (ts - k * L) / L - 1.0
    ncoef = coef.shape[3]
    for c in range(3):
        t0, t1 = 1.0, s
        d0, d1 = 0.0, 1.0
        p = coef[b, k, c, 0] + coef[b, k, c, 1] * s
        dp = coef[b, k, c, 1]
        for n in range(2, ncoef):
            t2 = 2.0 * s * t1 - t0
            d2 = 2.0 * t1 + 2.0 * s * d1 - d0
            p += coef[b, k, c, n] * t2
            dp += coef[b, k, c, n] * d2
            t0, t1 = t1, t2
            d0, d1 = d1, d2
        r[c] = p
        v[c] = dp * 2.0 / L


@njit(**_jit)
def _body_states_many(tab, b, ts, r, v):
    """States of tabulated body ``b`` at many times (s) into ``r``, ``v`` of shape (n, 3)."""
    for q in range(ts.shape[0]):
        _body_state(tab, b, ts[q], r[q], v[q])


@njit(inline="always", **_jit)
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


@njit(**_jit)
def _rhs(t, y, dy, tab):
    """Time derivative of the state ``y`` (r, v and, when ``len(y) == 42``, the STM row-major) at ``t`` s.

    ``par = (gm_center, t_offset_s, srp_k, relativity, c_kms)``; ``ipar = (n_bodies, sun_index, unused)``.
    The gravity gradient G (symmetric) is accumulated only when the STM is integrated.
    """
    gm = tab[3]
    par = tab[4]
    ipar = tab[5]
    nb = ipar[0]
    sun = ipar[1]
    gmc = par[0]
    srp_k = par[2]
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
    if par[3] != 0.0:  # Schwarzschild term of the centre (IERS 2010 eq. 10.12, beta = gamma = 1)
        r1 = math.sqrt(rx * rx + ry * ry + rz * rz)
        ir3 = 1.0 / (r1 * r1 * r1)
        c2 = par[4] * par[4]
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


@njit(**_jit)
def _error_norm(K, h, y, ynew, rtol, atol_r, atol_v):
    """DOP853's error norm (SciPy ``DOP853._estimate_error_norm``) over the 6 state components, scaled per vector."""
    rn = max(math.sqrt(y[0] ** 2 + y[1] ** 2 + y[2] ** 2), math.sqrt(ynew[0] ** 2 + ynew[1] ** 2 + ynew[2] ** 2))
    vn = max(math.sqrt(y[3] ** 2 + y[4] ** 2 + y[5] ** 2), math.sqrt(ynew[3] ** 2 + ynew[4] ** 2 + ynew[5] ** 2))
    sr = atol_r + rtol * rn
    sv = atol_v + rtol * vn
    e5 = 0.0
    e3 = 0.0
    for j in range(6):
        a5 = 0.0
        a3 = 0.0
        for q in range(_N_STAGES + 1):
            a5 += _E5[q] * K[q, j]
            a3 += _E3[q] * K[q, j]
        sc = sr if j < 3 else sv
        e5 += (a5 / sc) ** 2
        e3 += (a3 / sc) ** 2
    if e5 == 0.0 and e3 == 0.0:
        return 0.0
    return abs(h) * e5 / math.sqrt((e5 + 0.01 * e3) * 6.0)


@njit(**_jit)
def _rk_step(t, y, h, K, ynew, ytmp, tab):
    """One DOP853 step from (t, y) with ``K[0] = f(t, y)`` already set; fills K[1:13] and ``ynew``."""
    n = y.shape[0]
    for s in range(1, _N_STAGES):
        for j in range(n):
            acc = 0.0
            for q in range(s):
                acc += _A[s, q] * K[q, j]
            ytmp[j] = y[j] + h * acc
        _rhs(t + _C[s] * h, ytmp, K[s], tab)
    for j in range(n):
        acc = 0.0
        for q in range(_N_STAGES):
            acc += _B[q] * K[q, j]
        ynew[j] = y[j] + h * acc
    _rhs(t + h, ynew, K[_N_STAGES], tab)


@njit(**_jit)
def _dense_coefficients(t, y, ynew, h, K, F, ytmp, tab):
    """DOP853's 7th-order dense output on the accepted step (3 extra stages; SciPy ``_dense_output_impl``)."""
    n = y.shape[0]
    for s in range(_N_STAGES + 1, 16):
        for j in range(n):
            acc = 0.0
            for q in range(s):
                acc += _A[s, q] * K[q, j]
            ytmp[j] = y[j] + h * acc
        _rhs(t + _C[s] * h, ytmp, K[s], tab)
    for j in range(n):
        dyj = ynew[j] - y[j]
        F[0, j] = dyj
        F[1, j] = h * K[0, j] - dyj
        F[2, j] = 2.0 * dyj - h * (K[_N_STAGES, j] + K[0, j])
        for i in range(4):
            acc = 0.0
            for q in range(16):
                acc += _D[i, q] * K[q, j]
            F[3 + i, j] = h * acc


@njit(**_jit)
def _dense_eval(x, y, F, out, n):
    """Dense output at the step fraction ``x`` (SciPy ``Dop853DenseOutput._call_impl``), first ``n`` components."""
    for j in range(n):
        acc = 0.0
        for i in range(6, -1, -1):
            acc += F[i, j]
            if (6 - i) % 2 == 0:
                acc *= x
            else:
                acc *= 1.0 - x
        out[j] = acc + y[j]


@njit(**_jit)
def _event_g(kind, b, value, t, y, tab, rb, vb):
    """Event function at (t, y): |r - r_b| - value (kind 0) or (r - r_b).(v - v_b) (kind 1)."""
    _body_state(tab, b, t, rb, vb)
    dx, dy_, dz = y[0] - rb[0], y[1] - rb[1], y[2] - rb[2]
    if kind == _DIST:
        return math.sqrt(dx * dx + dy_ * dy_ + dz * dz) - value
    return dx * (y[3] - vb[0]) + dy_ * (y[4] - vb[1]) + dz * (y[5] - vb[2])


@njit(**_jit)
def _event_at(tq, t, h, y, F, ev_kind, ev_body, ev_value, e, tab, ytmp, rb, vb):
    _dense_eval((tq - t) / h, y, F, ytmp, 6)
    return _event_g(ev_kind[e], ev_body[e], ev_value[e], tq, ytmp, tab, rb, vb)


@njit(**_jit)
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


@njit(**_jit)
def _grow(a, cap):
    """``a`` (rows, width) copied into a new array of ``cap`` rows (explicit loops: quick to compile)."""
    b = np.empty((cap, a.shape[1]))
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            b[i, j] = a[i, j]
    return b


@njit(**_jit)
def _integrate(y0, t_end, rtol, atol_r, atol_v, max_step, max_steps, tab,
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
    status = _DONE

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

    _rhs(t, y, K[0], tab)
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
    _rhs(direction * h0, ytmp, K[1], tab)
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

    exponent = -1.0 / 8.0
    while direction * (t - t_end) < 0.0:
        if nsteps >= max_steps:
            status = _MAX_STEPS
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
            nfev += _N_STAGES
            finite = True
            for j in range(6):
                if not math.isfinite(ynew[j]):
                    finite = False
            err = _error_norm(K, h, y, ynew, rtol, atol_r, atol_v) if finite else np.inf
            if err < 1.0:
                if err == 0.0:
                    factor = _MAX_FACTOR
                else:
                    factor = min(_MAX_FACTOR, _SAFETY * err ** exponent)
                if rejected:
                    factor = min(1.0, factor)
                h_abs *= factor
                accepted = True
            else:
                h_abs *= max(_MIN_FACTOR, _SAFETY * err ** exponent) if math.isfinite(err) else _MIN_FACTOR
                rejected = True
        if not accepted:
            status = _TOO_SMALL
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
                _dense_eval((troot - t) / h, y, F, ytmp, 6)
                if ev_limit[e] < np.inf:  # periapsis/apoapsis count only within the body's sphere
                    _body_state(tab, ev_body[e], troot, rb, vb)
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
            _dense_eval((t_stop - t) / h, y, F, ytmp, n)
            t_new = t_stop
            for j in range(n):
                ynew[j] = ytmp[j]
            _rhs(t_new, ynew, K[_N_STAGES], tab)
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
                _dense_eval((t_eval[ie] - t) / h, y, F, y_eval[ie], n)
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
            K[0, j] = K[_N_STAGES, j]
        for e in range(ne):
            g_old[e] = g_new[e]
        if stop_event >= 0:
            status = _TERMINATED
            break

    return status, nfev, nsteps, steps, nev, evlog, y_eval


@njit(**_jit)
def _dense_many(tq, ts, hs, ys, dense, n, out):
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
        _dense_eval((t - ts[i]) / hs[i], ys[i], F, out[q], n)


# ----------------------------------------------------------------------------------------------------------
# Force model
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SolarRadiationPressure:
    """Cannonball solar radiation pressure: area-to-mass ratio (m^2/kg), reflectivity coefficient Cr (1 to 2).

    Acceleration ``Cr (A/m) (flux / c) (1 AU / d)^2`` away from the Sun, flux at 1 AU 1361 W/m^2
    (Kopp & Lean 2011); no eclipses.
    """

    area_to_mass_m2_kg: float
    cr: float = 1.3
    flux_1au_w_m2: float = SOLAR_FLUX_1AU_W_M2

    @property
    def k_km3_s2(self) -> float:
        """The constant k of ``a = k d / |d|^3`` (km^3/s^2), d the Sun-to-spacecraft vector in km."""
        accel_1au_km_s2 = self.cr * self.area_to_mass_m2_kg * self.flux_1au_w_m2 / C_M_S / 1000.0
        return accel_1au_km_s2 * AU_KM * AU_KM


def _fit_matrix(ncoef: int) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev nodes of the first kind on [-1, 1] and the matrix taking node values to coefficients."""
    k = np.arange(ncoef)
    x = np.cos(np.pi * (k + 0.5) / ncoef)
    m = (2.0 / ncoef) * np.cos(np.pi * np.outer(k, k + 0.5) / ncoef)
    m[0] *= 0.5
    return x, m


_NODES, _FIT = _fit_matrix(_NCOEF)


class NBodyModel:
    """Point-mass gravity of a centre and perturbers from an ephemeris, optional SRP and relativity.

    ``center`` and ``perturbers`` are body names of :data:`tianwen.bodies.BODIES` (``mars`` is the Mars system
    barycentre, ``earth`` and ``moon`` the two bodies separately). ``ephemeris`` is ``"de421"``, ``"analytic"``
    or any object with ``heliocentric(name, tdb_epoch) -> (r_km, v_kms)``. GMs are DE421's
    (:mod:`tianwen.bodies`). ``center_gm_km3_s2`` overrides the centre's GM: to propagate a body of mass m
    (not a spacecraft) about the Sun, the heliocentric equation is the test-particle one with
    ``GM_sun + GM_m`` (the Sun's reflex acceleration towards the body), which is how the Mars test uses it.

    ``srp`` is a :class:`SolarRadiationPressure` or ``(area_to_mass_m2_kg, cr)``; ``relativity`` adds the
    Sun's Schwarzschild term (Sun-centred models only).

    >>> m = NBodyModel()
    >>> m.perturbers[:3], m.center
    (('mercury', 'venus', 'earth'), 'sun')
    """

    def __init__(self, center: str = "sun", perturbers=DEFAULT_PERTURBERS, ephemeris="de421", srp=None,
                 relativity: bool = False, center_gm_km3_s2: float | None = None):
        self.center = _lookup_body(center).name
        names = tuple(_lookup_body(p).name for p in perturbers)
        if len(set(names)) != len(names):
            raise TianwenError(f"perturbers {perturbers!r} name a body twice")
        if self.center in names:
            raise TianwenError(f"the centre {self.center!r} cannot also be a perturber; remove it from perturbers")
        if "emb" in names and ({"earth", "moon"} & set(names)):
            raise TianwenError("perturbers list 'emb' with 'earth'/'moon': that counts the Earth-Moon system twice")
        if self.center == "emb" or (self.center in ("earth", "moon") and "emb" in names):
            raise TianwenError("use 'earth' or 'moon' as the centre, and not 'emb' with them")
        self.perturbers = names
        self.ephemeris = get_ephemeris(ephemeris) if isinstance(ephemeris, str) else ephemeris
        if srp is not None and not isinstance(srp, SolarRadiationPressure):
            try:
                srp = SolarRadiationPressure(*srp)
            except TypeError:
                raise TianwenError(f"srp {srp!r}: give SolarRadiationPressure(area_to_mass_m2_kg, cr) "
                                   "or a pair (area_to_mass_m2_kg, cr)") from None
        if srp is not None and not (srp.area_to_mass_m2_kg >= 0 and srp.cr >= 0):
            raise TianwenError(f"srp {srp!r}: area-to-mass and Cr must be non-negative")
        self.srp = srp
        self.relativity = bool(relativity)
        if self.relativity and self.center != "sun":
            raise TianwenError(f"relativity=True models the Sun's Schwarzschild term and needs center='sun', "
                               f"not {self.center!r}")
        gm = BODIES[self.center].gm_km3_s2 if center_gm_km3_s2 is None else float(center_gm_km3_s2)
        if not (math.isfinite(gm) and gm > 0):
            raise TianwenError(f"centre GM {center_gm_km3_s2!r} km^3/s^2 must be a positive number")
        self.center_gm_km3_s2 = gm
        # Fit intervals are aligned on the ephemeris's own first epoch: DE421's records (4, 8, 16 or 32 days)
        # all start there, so each interval then holds one polynomial piece of every record chain and the
        # degree-14 fit reproduces DE421 to round-off.
        span = getattr(self.ephemeris, "span_tdb_jd", None)
        self._grid0 = float(span[0]) if span is not None else J2000_JD
        self._cache = {}

    def __repr__(self) -> str:
        extra = f", srp={self.srp}" if self.srp else ""
        extra += ", relativity=True" if self.relativity else ""
        return (f"NBodyModel(center={self.center!r}, perturbers={self.perturbers!r}, "
                f"ephemeris={getattr(self.ephemeris, 'name', self.ephemeris)!r}{extra})")

    # -- tabulated bodies ------------------------------------------------------------------------------
    def _interval_days(self, name: str) -> float:
        if self.center in ("earth", "moon"):
            return 4.0
        return _FAST_BODIES_DAYS.get(name, _BLOCK_DAYS)

    def _bodies(self, event_bodies=()) -> tuple[str, ...]:
        names = list(self.perturbers)
        if self.srp is not None and self.center != "sun" and "sun" not in names:
            names.append("sun")
        for b in event_bodies:
            if b != self.center and b not in names:
                names.append(b)
        return tuple(names)

    def _fit(self, name: str, block0: int, nblocks: int) -> np.ndarray:
        """Chebyshev coefficients (intervals, 3, ncoef) of ``name`` relative to the centre."""
        L = self._interval_days(name)
        per_block = int(round(_BLOCK_DAYS / L))
        nint = nblocks * per_block
        start = self._grid0 + block0 * _BLOCK_DAYS
        jd1 = np.repeat(start + np.arange(nint) * L, _NCOEF)
        jd2 = np.tile((_NODES + 1.0) * 0.5 * L, nint)
        tdb = Epoch(jd1, jd2, "tdb")
        r = _relative_position(self.ephemeris, name, self.center, tdb).reshape(nint, _NCOEF, 3)
        return np.einsum("jk,ikc->icj", _FIT, r)

    def _table(self, t0: Epoch, t1: Epoch, event_bodies=()):
        """The packed arrays the kernels read, covering [t0, t1], with the time offset of t0 in the table."""
        names = self._bodies(event_bodies)
        lo = min(float(t0.jd), float(t1.jd))
        hi = max(float(t0.jd), float(t1.jd))
        block0 = int(math.floor((lo - self._grid0) / _BLOCK_DAYS))
        block1 = int(math.floor((hi - self._grid0) / _BLOCK_DAYS))
        check_span(self.ephemeris, Epoch(np.array([lo, hi]), 0.0, "tdb"), "propagation epoch")
        key = names
        cached = self._cache.get(key)
        if cached is None or not (cached[0] <= block0 and block1 <= cached[1]):
            if cached is not None and max(block1, cached[1]) - min(block0, cached[0]) < 460:  # ~20 years
                block0, block1 = min(block0, cached[0]), max(block1, cached[1])
            nblocks = block1 - block0 + 1
            fits = [self._fit(nm, block0, nblocks) for nm in names]
            nmax = max((f.shape[0] for f in fits), default=1)
            coef = np.zeros((len(names), nmax, 3, _NCOEF))
            for i, f in enumerate(fits):
                coef[i, : f.shape[0]] = f
            seg = np.array([self._interval_days(nm) * DAY_S for nm in names], dtype=float)
            nint = np.array([f.shape[0] for f in fits], dtype=np.int64)
            gm = np.array([BODIES[nm].gm_km3_s2 if nm in self.perturbers else 0.0 for nm in names])
            cached = (block0, block1, coef, seg, nint, gm)
            self._cache[key] = cached
        block0, _, coef, seg, nint, gm = cached
        origin = self._grid0 + block0 * _BLOCK_DAYS
        t0 = t0.to("tdb")
        t_off = float(((t0.jd1 - origin) + t0.jd2) * DAY_S)
        sun_index = names.index("sun") if "sun" in names else -1
        par = np.array([self.center_gm_km3_s2, t_off, self.srp.k_km3_s2 if self.srp else 0.0,
                        1.0 if self.relativity else 0.0, C_KMS])
        ipar = np.array([len(names), sun_index, 0], dtype=np.int64)
        return names, (coef, seg, nint, gm, par, ipar)

    def rhs(self, t0, t1=None):
        """The compiled right-hand side as a Python callable ``f(t_s, y) -> dy/dt``, t_s seconds after ``t0``.

        For use with other integrators (the tests and the benchmark pass it to SciPy's ``solve_ivp``).
        ``y`` has 6 components (r km, v km/s) or 42 (with the STM, row-major). ``t1`` bounds the tabulation.
        """
        a = _scalar_epoch(t0, "t0")
        b = a + 1.0 if t1 is None else _scalar_epoch(t1, "t1")
        _, tab = self._table(a, b)

        def f(t, y):
            y = np.ascontiguousarray(y, dtype=float)
            out = np.empty_like(y)
            _rhs(float(t), y, out, tab)
            return out

        return f


def _relative_position(eph, name: str, center: str, tdb: Epoch) -> np.ndarray:
    r = np.asarray(eph.heliocentric(name, tdb)[0], float).reshape(-1, 3)
    if center != "sun":
        r = r - np.asarray(eph.heliocentric(center, tdb)[0], float).reshape(-1, 3)
    return r


def _relative_state(eph, name: str, center: str, tdb: Epoch) -> tuple[np.ndarray, np.ndarray]:
    """State of ``name`` relative to ``center`` from the ephemeris itself (not the fit), flat (n, 3)."""
    if name == center:
        z = np.zeros((tdb.jd1.size, 3))
        return z, z.copy()
    r, v = (np.asarray(a, float).reshape(-1, 3) for a in eph.heliocentric(name, tdb))
    if center != "sun":
        rc, vc = (np.asarray(a, float).reshape(-1, 3) for a in eph.heliocentric(center, tdb))
        r, v = r - rc, v - vc
    return r, v


def fit_error(model: NBodyModel, start, end, n: int = 2000, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Largest (position km, velocity km/s) error of the model's Chebyshev fit against its ephemeris.

    Sampled at ``n`` random TDB epochs between ``start`` and ``end`` for every body the model tabulates
    (relative to its centre).
    """
    a, b = _scalar_epoch(start, "start"), _scalar_epoch(end, "end")
    names, tab = model._table(a, b)
    rng = np.random.default_rng(seed)
    span_s = float(b - a) * DAY_S
    ts = np.sort(rng.uniform(0.0, span_s, n))
    tdb = Epoch(np.full(n, a.jd1), a.jd2 + ts / DAY_S, "tdb")
    out = {}
    for i, nm in enumerate(names):
        r_ref, v_ref = _relative_state(model.ephemeris, nm, model.center, tdb)
        r_fit, v_fit = np.empty((n, 3)), np.empty((n, 3))
        _body_states_many(tab, i, ts, r_fit, v_fit)
        out[nm] = (float(np.max(np.linalg.norm(r_fit - r_ref, axis=1))),
                   float(np.max(np.linalg.norm(v_fit - v_ref, axis=1))))
    return out


# ----------------------------------------------------------------------------------------------------------
# Events
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A condition located during propagation: ``g`` crossing zero in ``direction`` (+1 up, -1 down, 0 both).

    ``kind`` is ``"distance"`` (g = |r - r_body| - value_km) or ``"rdotv"`` (g = (r - r_body).(v - v_body)),
    counted only within ``within_km`` of the body. A ``terminal`` event ends the propagation where it occurs.
    """

    name: str
    kind: str
    body: str
    value_km: float = 0.0
    direction: int = 0
    terminal: bool = False
    within_km: float = math.inf


def _soi(body: str) -> float:
    b = _lookup_body(body)
    if not math.isfinite(b.soi_km):
        raise TianwenError(f"{b.name} has no sphere-of-influence radius in tianwen.bodies; use distance(body, km)")
    return b.soi_km


def soi_entry(body: str, terminal: bool = False, radius_km: float | None = None) -> Event:
    """Entry into ``body``'s sphere of influence (Laplace radius of :mod:`tianwen.bodies` unless given)."""
    r = _soi(body) if radius_km is None else float(radius_km)
    return Event("soi_entry", "distance", _lookup_body(body).name, r, -1, terminal)


def soi_exit(body: str, terminal: bool = False, radius_km: float | None = None) -> Event:
    """Exit from ``body``'s sphere of influence."""
    r = _soi(body) if radius_km is None else float(radius_km)
    return Event("soi_exit", "distance", _lookup_body(body).name, r, +1, terminal)


def periapsis(body: str, terminal: bool = False, within_km: float | None = None) -> Event:
    """Closest approach to ``body``: (r - r_b).(v - v_b) crossing zero upwards, inside its SOI (or ``within_km``)."""
    nm = _lookup_body(body).name
    lim = (BODIES[nm].soi_km if math.isfinite(BODIES[nm].soi_km) else math.inf) if within_km is None else within_km
    return Event("periapsis", "rdotv", nm, 0.0, +1, terminal, float(lim))


def apoapsis(body: str, terminal: bool = False, within_km: float | None = None) -> Event:
    """Farthest point from ``body``: (r - r_b).(v - v_b) crossing zero downwards, inside its SOI (or ``within_km``)."""
    nm = _lookup_body(body).name
    lim = (BODIES[nm].soi_km if math.isfinite(BODIES[nm].soi_km) else math.inf) if within_km is None else within_km
    return Event("apoapsis", "rdotv", nm, 0.0, -1, terminal, float(lim))


def impact(body: str, altitude_km: float = 0.0, terminal: bool = True) -> Event:
    """Descent through ``altitude_km`` above ``body``'s mean radius (IAU 2015); terminal by default."""
    b = _lookup_body(body)
    return Event("impact", "distance", b.name, b.radius_km + float(altitude_km), -1, terminal)


def distance(body: str, km: float, direction: int = -1, terminal: bool = False) -> Event:
    """Distance from ``body`` crossing ``km`` (direction -1: inbound, +1: outbound, 0: both)."""
    return Event("distance", "distance", _lookup_body(body).name, float(km), int(direction), terminal)


@dataclass
class EventHit:
    """An event found: its epoch (TDB), the spacecraft state in the model's frame (centre-relative ICRF) and
    relative to the event's body (from the ephemeris itself at that epoch)."""

    name: str
    body: str
    epoch: Epoch
    t_s: float
    r_km: np.ndarray
    v_kms: np.ndarray
    r_rel_km: np.ndarray
    v_rel_kms: np.ndarray
    terminal: bool = False

    def __repr__(self) -> str:
        return (f"EventHit({self.name!r}, {self.body!r}, {self.epoch.to('tdb').iso(3)} TDB, "
                f"|r_rel| = {float(np.linalg.norm(self.r_rel_km)):.3f} km)")


# ----------------------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------------------

#: Evaluation of a trajectory is allowed this far (s) beyond its ends, on the end step's own polynomial
#: (so that an epoch printed to the microsecond and read back still evaluates).
EDGE_SLACK_S = 1e-3


@dataclass
class Trajectory:
    """One propagated arc.

    ``r1_km, v1_kms`` is the final state (at ``t1``, or at a terminal event), in the model's frame (ICRF axes,
    relative to ``model.center``); ``stm`` the 6x6 ``Phi(t1, t0)`` when asked for. ``epochs, r_km, v_kms``
    (and ``stm_eval``) are the requested output epochs and states, NaN after a terminal event. ``events`` are
    the :class:`EventHit` in time order. With ``dense=True``, :meth:`state` gives the Sun-centred ICRF state
    at any epoch of the arc, so the arc can stand in for a body anywhere in tianwen.
    """

    model: NBodyModel
    t0: Epoch
    t1: Epoch
    r0_km: np.ndarray
    v0_kms: np.ndarray
    r1_km: np.ndarray
    v1_kms: np.ndarray
    stm: np.ndarray | None
    events: list
    epochs: Epoch | None
    r_km: np.ndarray | None
    v_kms: np.ndarray | None
    stm_eval: np.ndarray | None
    terminated_by: EventHit | None
    nsteps: int
    nfev: int
    _ts: np.ndarray = field(repr=False, default=None)
    _hs: np.ndarray = field(repr=False, default=None)
    _ys: np.ndarray = field(repr=False, default=None)
    _dense: np.ndarray | None = field(repr=False, default=None)

    def __repr__(self) -> str:
        end = f", terminated by {self.terminated_by.name}" if self.terminated_by else ""
        return (f"Trajectory({self.t0.iso(3)} -> {self.t1.iso(3)} TDB, center={self.model.center!r}, "
                f"{self.nsteps} steps, {len(self.events)} events{end})")

    @property
    def span(self) -> Epoch:
        """Start and end of the arc (TDB), in time order."""
        a, b = (self.t0, self.t1) if self.duration_s >= 0 else (self.t1, self.t0)
        return Epoch(np.array([a.jd1, b.jd1]), np.array([a.jd2, b.jd2]), "tdb")

    @property
    def duration_s(self) -> float:
        return float(self.t1 - self.t0) * DAY_S

    def _seconds(self, epochs) -> tuple[Epoch, np.ndarray]:
        t = _epoch(epochs).to("tdb")
        return t, np.asarray((t.jd1 - self.t0.jd1) + (t.jd2 - self.t0.jd2), float) * DAY_S

    def state_local(self, epochs) -> tuple[np.ndarray, np.ndarray]:
        """State at ``epochs`` in the model's own frame (relative to ``model.center``), shape
        ``epochs.shape + (3,)``."""
        if self._dense is None:
            raise TianwenError("this trajectory was propagated without dense output; "
                               "pass dense=True to propagate() to evaluate it at arbitrary epochs")
        t, s = self._seconds(epochs)
        lo, hi = sorted((0.0, self.duration_s))
        bad = (s < lo - EDGE_SLACK_S) | (s > hi + EDGE_SLACK_S) | ~np.isfinite(s)
        if np.any(bad):
            first = t[bad] if t.shape else t
            first = first if first.shape == () else first[0]
            sp = self.span.iso(3)
            raise OutOfRangeError(f"epoch {first.iso(3)} TDB is outside this trajectory ({sp[0]} to {sp[1]} TDB); "
                                  "propagate over a span that holds it")
        n = self._ys.shape[1]
        out = np.empty((s.size, n))
        _dense_many(np.ascontiguousarray(s.ravel()), self._ts, self._hs, self._ys, self._dense, n, out)
        shape = s.shape + (3,)
        return out[:, :3].reshape(shape), out[:, 3:6].reshape(shape)

    def state(self, epochs) -> tuple[np.ndarray, np.ndarray]:
        """Sun-centred ICRF position (km) and velocity (km/s) at ``epochs``: shape ``epochs.shape + (3,)``.

        Epochs are anything :func:`tianwen.time.epoch` accepts (strings default to UTC). This is the body
        protocol of :mod:`tianwen.ephemeris`, so a trajectory can be the origin or target elsewhere.
        """
        r, v = self.state_local(epochs)
        if self.model.center != "sun":
            t, _ = self._seconds(epochs)
            rc, vc = _relative_state(self.model.ephemeris, self.model.center, "sun", t.to("tdb"))
            r = r + rc.reshape(r.shape)
            v = v + vc.reshape(v.shape)
        return r, v


@dataclass
class ManoeuvreTrajectory:
    """Coast arcs separated by impulsive manoeuvres: ``segments[k]`` runs from manoeuvre k (or the start) to
    manoeuvre k + 1 (or the end). ``manoeuvres`` holds ``(epoch TDB, dv_kms)`` in time order.

    :meth:`state` evaluates the segment holding each epoch; at a manoeuvre epoch it gives the state after
    the burn (the later segment in propagation order).
    """

    segments: list
    manoeuvres: list

    @property
    def t0(self) -> Epoch:
        return self.segments[0].t0

    @property
    def t1(self) -> Epoch:
        return self.segments[-1].t1

    @property
    def r1_km(self) -> np.ndarray:
        return self.segments[-1].r1_km

    @property
    def v1_kms(self) -> np.ndarray:
        return self.segments[-1].v1_kms

    @property
    def events(self) -> list:
        return [e for s in self.segments for e in s.events]

    @property
    def terminated_by(self):
        return self.segments[-1].terminated_by

    def __repr__(self) -> str:
        return (f"ManoeuvreTrajectory({self.t0.iso(3)} -> {self.t1.iso(3)} TDB, {len(self.segments)} segments, "
                f"{len(self.manoeuvres)} manoeuvres)")

    def _which(self, s_days: np.ndarray) -> np.ndarray:
        """Index of the segment holding each epoch (days after t0); the later one, in propagation order, at a
        manoeuvre epoch."""
        sign = 1.0 if float(self.t1 - self.t0) >= 0 else -1.0
        starts = np.array([float(seg.t0 - self.t0) * sign for seg in self.segments])
        return np.clip(np.searchsorted(starts, s_days * sign, side="right") - 1, 0, len(self.segments) - 1)

    def _apply(self, epochs, method: str):
        t = _epoch(epochs).to("tdb")
        s_days = np.asarray((t.jd1 - self.t0.jd1) + (t.jd2 - self.t0.jd2), float)
        idx = self._which(s_days)
        if t.shape == ():
            return getattr(self.segments[int(idx)], method)(t)
        r = np.empty(t.shape + (3,))
        v = np.empty(t.shape + (3,))
        for k in np.unique(idx):
            sel = idx == k
            rk, vk = getattr(self.segments[k], method)(t[sel] if t.shape else t)
            r[sel], v[sel] = rk, vk
        return r, v

    def state(self, epochs) -> tuple[np.ndarray, np.ndarray]:
        """Sun-centred ICRF state at ``epochs`` (post-burn at a manoeuvre epoch)."""
        return self._apply(epochs, "state")

    def state_local(self, epochs) -> tuple[np.ndarray, np.ndarray]:
        """State in the model's own frame at ``epochs`` (post-burn at a manoeuvre epoch)."""
        return self._apply(epochs, "state_local")

    def partials(self) -> dict:
        """Sensitivities of the final state for a differential corrector (needs ``stm=True``).

        Returns ``{"x0": Phi(t1, t0) (6x6), "dv": [Phi(t1, t_k)[:, 3:6] for each manoeuvre k] (6x3 each)}``:
        a manoeuvre adds to the velocity only, so the state Jacobian across it is the identity.
        """
        if any(s.stm is None for s in self.segments):
            raise TianwenError("partials() needs the state transition matrices: propagate with stm=True")
        from_start = [None] * len(self.segments)  # Phi(t1, start of segment k)
        total = np.eye(6)
        for k in range(len(self.segments) - 1, -1, -1):
            total = total @ self.segments[k].stm
            from_start[k] = total.copy()
        dv = []
        for epoch_m, _ in self.manoeuvres:
            gap = [abs(float(seg.t0 - epoch_m)) * DAY_S for seg in self.segments]
            k = int(np.argmin(gap))
            # A manoeuvre after a terminal event never happened: zero sensitivity.
            sign = 1.0 if self.segments[k].duration_s >= 0 else -1.0
            dv.append(sign * from_start[k][:, 3:6] if gap[k] < 1e-6 else np.zeros((6, 3)))
        return {"x0": total, "dv": dv}


# ----------------------------------------------------------------------------------------------------------
# Python edge
# ----------------------------------------------------------------------------------------------------------


def _vec3(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise TianwenError(f"{name} = {x!r}: need three finite numbers (km or km/s, ICRF)")
    return a


def _scalar_epoch(value, what: str) -> Epoch:
    t = _epoch(value).to("tdb") if not isinstance(value, Epoch) else value.to("tdb")
    if t.shape != ():
        raise TianwenError(f"{what} must be a single epoch, got shape {t.shape}")
    return t


def propagate(r0_km, v0_kms, t0, t1, *, model: NBodyModel | None = None, events=(), t_eval=None,
              dense: bool = False, stm: bool = False, rtol: float = 1e-12, atol_km: float = 1e-9,
              atol_kms: float = 1e-12, max_step_s: float = DAY_S, max_steps: int = 2_000_000) -> Trajectory:
    """Propagate the state (``r0_km``, ``v0_kms``; ICRF, relative to ``model.center``) from ``t0`` to ``t1``.

    ``t0`` and ``t1`` are epochs (anything :func:`tianwen.time.epoch` accepts; strings default to UTC);
    ``t1`` before ``t0`` propagates backwards. ``model`` defaults to ``NBodyModel()`` (Sun + 8 planets +
    Moon, DE421). ``events`` are :class:`Event` objects (:func:`soi_entry`, :func:`periapsis`, ...).
    ``t_eval``: output epochs (an :class:`Epoch` or strings, ...) or numbers = seconds after ``t0``.
    ``dense=True`` keeps the interpolant so that :meth:`Trajectory.state` works at any epoch (25% more
    right-hand-side calls); ``stm=True`` integrates the variational equations (``Trajectory.stm``).
    Tolerances are described in the module docstring.

    >>> tr = propagate([1.5e8, 0, 0], [0, 29.0, 0], "2026-01-01 TDB", "2026-03-01 TDB",
    ...                model=NBodyModel(perturbers=()))
    >>> tr.nsteps > 10
    True
    """
    model = NBodyModel() if model is None else model
    r0 = _vec3(r0_km, "r0_km")
    v0 = _vec3(v0_kms, "v0_kms")
    a = _scalar_epoch(t0, "t0")
    b = _scalar_epoch(t1, "t1")
    if not (rtol > 0 and atol_km > 0 and atol_kms > 0 and max_step_s > 0):
        raise TianwenError(f"tolerances rtol={rtol!r}, atol_km={atol_km!r}, atol_kms={atol_kms!r} and "
                           f"max_step_s={max_step_s!r} must be positive")
    if rtol < 1e-15:
        raise TianwenError(f"rtol={rtol!r} is below double precision; use 1e-14 or more")
    events = tuple(events)
    for ev in events:
        if not isinstance(ev, Event):
            raise TianwenError(f"event {ev!r} is not an Event; use soi_entry(), periapsis(), impact(), ...")
    t_end = float((b.jd1 - a.jd1) + (b.jd2 - a.jd2)) * DAY_S

    names, tab = model._table(a, b, tuple(ev.body for ev in events))
    index = {nm: i for i, nm in enumerate(names)}
    ev_kind = np.array([_DIST if ev.kind == "distance" else _RDOTV for ev in events], dtype=np.int64)
    ev_body = np.array([-1 if ev.body == model.center else index[ev.body] for ev in events], dtype=np.int64)
    ev_value = np.array([ev.value_km for ev in events], dtype=float)
    ev_limit = np.array([ev.within_km for ev in events], dtype=float)
    ev_dir = np.array([ev.direction for ev in events], dtype=np.int64)
    ev_term = np.array([ev.terminal for ev in events], dtype=np.bool_)

    # Output epochs: seconds after t0, sorted in the direction of motion.
    eval_epochs = None
    if t_eval is None:
        s_eval = np.zeros(0)
    else:
        arr = t_eval if isinstance(t_eval, Epoch) else np.asarray(t_eval) if not isinstance(t_eval, str) else None
        if isinstance(arr, np.ndarray) and arr.dtype.kind in "fiu":
            s_eval = np.atleast_1d(arr.astype(float))
            eval_epochs = Epoch(np.full(s_eval.shape, a.jd1), a.jd2 + s_eval / DAY_S, "tdb")
        else:
            eval_epochs = _epoch(t_eval).to("tdb") if not isinstance(t_eval, Epoch) else t_eval.to("tdb")
            eval_epochs = eval_epochs if eval_epochs.shape else Epoch(eval_epochs.jd1[None], eval_epochs.jd2[None])
            s_eval = np.asarray((eval_epochs.jd1 - a.jd1) + (eval_epochs.jd2 - a.jd2), float) * DAY_S
        lo, hi = sorted((0.0, t_end))
        bad = (s_eval < lo - EDGE_SLACK_S) | (s_eval > hi + EDGE_SLACK_S) | ~np.isfinite(s_eval)
        if np.any(bad):
            raise TianwenError(f"t_eval has {int(bad.sum())} epoch(s) outside the propagation from t0 to t1 "
                               f"({a.iso(3)} to {b.iso(3)} TDB)")
    order = np.argsort(s_eval if t_end >= 0 else -s_eval, kind="stable")
    s_sorted = np.ascontiguousarray(s_eval[order])

    y0 = np.concatenate([r0, v0, np.eye(6).ravel()]) if stm else np.concatenate([r0, v0])
    status, nfev, nsteps, steps, nev, evlog, y_eval_sorted = _integrate(
        y0, t_end, float(rtol), float(atol_km), float(atol_kms), float(max_step_s), int(max_steps), tab,
        ev_kind, ev_body, ev_value, ev_limit, ev_dir, ev_term, s_sorted, bool(dense))
    n = y0.size
    steps = steps[:nsteps]
    ts = np.concatenate([[0.0], steps[:, 0]])
    hs = np.ascontiguousarray(steps[:, 1])
    ys = np.concatenate([y0[None, :], steps[:, 2:2 + n]])
    dn = np.ascontiguousarray(steps[:, 2 + n:]) if dense else None
    evlog = evlog[:nev]
    ev_i = evlog[:, 0].astype(np.int64)
    ev_t = evlog[:, 1]
    ev_y = evlog[:, 2:8]

    if status in (_TOO_SMALL, _MAX_STEPS):
        t_fail = a + float(ts[-1]) / DAY_S
        why = ("the step size fell below the time resolution" if status == _TOO_SMALL
               else f"max_steps={max_steps} steps were taken")
        near = _closest_body(model, names, tab, float(ts[-1]), ys[-1, :3])
        raise TianwenError(f"propagation stopped at {t_fail.iso(3)} TDB: {why}{near}; add an impact() event "
                           "or loosen rtol")

    y_eval = np.empty_like(y_eval_sorted)
    y_eval[order] = y_eval_sorted
    t_fin = float(ts[-1])
    t1_actual = Epoch(a.jd1, a.jd2 + t_fin / DAY_S, "tdb") if status == _TERMINATED else b
    hits = []
    for k in range(len(ev_i)):
        ev = events[int(ev_i[k])]
        te = Epoch(a.jd1, a.jd2 + float(ev_t[k]) / DAY_S, "tdb")
        r_e, v_e = ev_y[k, :3].copy(), ev_y[k, 3:6].copy()
        rb, vb = _relative_state(model.ephemeris, ev.body, model.center, te)
        hits.append(EventHit(ev.name, ev.body, te, float(ev_t[k]), r_e, v_e, r_e - rb[0], v_e - vb[0], ev.terminal))
    hits.sort(key=lambda h: h.t_s * (1.0 if t_end >= 0 else -1.0))
    terminated_by = next((h for h in reversed(hits) if h.terminal), None) if status == _TERMINATED else None
    y1 = ys[-1]
    traj = Trajectory(
        model=model, t0=a, t1=t1_actual, r0_km=r0, v0_kms=v0, r1_km=y1[:3].copy(), v1_kms=y1[3:6].copy(),
        stm=y1[6:42].reshape(6, 6).copy() if stm else None, events=hits, epochs=eval_epochs,
        r_km=y_eval[:, :3] if t_eval is not None else None, v_kms=y_eval[:, 3:6] if t_eval is not None else None,
        stm_eval=y_eval[:, 6:42].reshape(-1, 6, 6) if (stm and t_eval is not None) else None,
        terminated_by=terminated_by, nsteps=len(hs), nfev=int(nfev),
        _ts=ts, _hs=hs, _ys=ys, _dense=dn if dense else None)
    return traj


def state_transition_matrix(r0_km, v0_kms, t0, t1, *, model: NBodyModel | None = None, **options):
    """``(r1_km, v1_kms, Phi)``: the final state and the 6x6 ``Phi(t1, t0) = d(r1, v1)/d(r0, v0)``.

    Integrated with the variational equations (see the module docstring); ``options`` go to
    :func:`propagate`. Columns 3-5 are the sensitivities to a velocity change (an impulsive manoeuvre) at t0.
    """
    tr = propagate(r0_km, v0_kms, t0, t1, model=model, stm=True, **options)
    return tr.r1_km, tr.v1_kms, tr.stm


def _closest_body(model, names, tab, t, r) -> str:
    best, dist = None, math.inf
    rb, vb = np.empty(3), np.empty(3)
    for i, nm in enumerate(names):
        _body_state(tab, i, t, rb, vb)
        d = float(np.linalg.norm(r - rb))
        if d < dist:
            best, dist = nm, d
    dc = float(np.linalg.norm(r))
    if dc < dist:
        best, dist = model.center, dc
    return f" ({dist:.1f} km from the centre of {best})" if best else ""


def propagate_with_manoeuvres(r0_km, v0_kms, t0, manoeuvres, t1, *, model: NBodyModel | None = None,
                              events=(), dense: bool = True, stm: bool = False, **options) -> ManoeuvreTrajectory:
    """Propagate through impulsive manoeuvres ``[(epoch, dv_kms), ...]`` (ICRF, km/s), restarting at each.

    Each manoeuvre ends one coast segment and starts the next with ``v + dv`` (``dv`` is always the physical
    change, after minus before: propagating backwards, ``t1 < t0``, crossing a burn takes it off); a
    manoeuvre at ``t0`` is applied to the initial velocity. A terminal event ends the whole propagation.
    Other keywords go to :func:`propagate` (tolerances, ``max_step_s``). Returns a
    :class:`ManoeuvreTrajectory`.
    """
    model = NBodyModel() if model is None else model
    a = _scalar_epoch(t0, "t0")
    b = _scalar_epoch(t1, "t1")
    sign = 1.0 if float(b - a) >= 0 else -1.0
    burns = []
    for item in manoeuvres:
        try:
            when, dv = item
        except (TypeError, ValueError):
            raise TianwenError(f"manoeuvre {item!r}: give (epoch, dv_kms) pairs") from None
        te = _scalar_epoch(when, "manoeuvre epoch")
        d = float(te - a) * sign
        if d < 0 or d > float(b - a) * sign:
            raise TianwenError(f"manoeuvre at {te.iso(3)} TDB is outside the propagation "
                               f"({a.iso(3)} to {b.iso(3)} TDB)")
        burns.append((te, _vec3(dv, "manoeuvre dv_kms")))
    burns.sort(key=lambda x: float(x[0] - a) * sign)
    r = _vec3(r0_km, "r0_km")
    v = _vec3(v0_kms, "v0_kms").copy()
    segments = []
    start = a
    for te, dv in burns:
        if float(te - start) != 0.0:
            seg = propagate(r, v, start, te, model=model, events=events, dense=dense, stm=stm, **options)
            segments.append(seg)
            if seg.terminated_by is not None:
                return ManoeuvreTrajectory(segments, burns)
            r, v = seg.r1_km.copy(), seg.v1_kms.copy()
        v = v + sign * dv  # dv is post-burn minus pre-burn velocity; going backwards it is taken off
        start = te
    seg = propagate(r, v, start, b, model=model, events=events, dense=dense, stm=stm, **options)
    segments.append(seg)
    return ManoeuvreTrajectory(segments, burns)


from ._callable import make_module_callable  # noqa: E402

make_module_callable(__name__, propagate)
