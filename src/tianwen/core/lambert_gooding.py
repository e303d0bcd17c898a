"""Lambert's problem by Gooding's method: the second, independent solver.

Implements R. H. Gooding, "A procedure for the solution of Lambert's orbital boundary-value problem",
*Celestial Mechanics and Dynamical Astronomy* 48, 145-165 (1990), whose appendix gives the three
routines followed here:

* ``TLAMB`` -> :func:`_tlamb`: the non-dimensional time of flight ``T(x)`` and its first three
  derivatives, with Gooding's series in ``u = 1 - x^2`` near the parabola (``m = 0``,
  ``x >= 0``, ``|u| <= 0.4``) and his inverse-tanh series for near-parabolic hyperbolas;
* ``XLAMB`` -> :func:`_xlamb`: Gooding's starters (bilinear single-revolution starter from
  ``T(0)``; for ``m`` revolutions, ``T_min`` located by Halley's method on ``dT/dx = 0`` and
  one starter on each side of it), refined by Halley iterations;
* ``VLAMB`` -> :func:`_vlamb`: radial and transverse velocity components from the ``n = -1``
  call of ``TLAMB`` (Gooding's ``q z - x``, ``q z + x`` and ``z + q x``, each formed without
  cancellation). As in VLAMB, the chord comes from ``c^2 = (r1 - r2)^2 + 4 r1 r2 sin^2(theta/2)``
  and ``q`` from ``cos(theta/2)``, with ``theta = atan2(|r1 x r2|, r1 . r2)``: nothing is taken as
  the difference of nearly equal numbers, so transfers within 1e-8 rad of 0, 180 or 360 degrees
  keep full precision (``sqrt(1 - c/s)`` or ``sqrt(1 - rho^2)`` would lose half the digits there).

Differences from the published Fortran, none of which changes the formulation:

* Halley's iteration is run to convergence (``|dx| <= 1e-14 (1 + |x|)``, at most
  ``_MAX_ITER`` steps) inside a bracket that is known to hold the root, falling back to
  bisection if a step leaves it, instead of Gooding's fixed three steps; the ``T_min`` search
  likewise runs to ``|dx| <= 1e-14`` instead of a relative 3e-7. With this the velocities agree
  with :mod:`tianwen.lambert` (Izzo 2015) to 1e-12 relative over 2.4 million random problems with
  0-5 revolutions, and numerical propagation of ``(r1, v1)`` lands on ``r2`` to the integrator's
  own accuracy (see ``tests/test_gooding.py``).
* Only the requested branch of a multi-revolution problem is solved, and a starter that falls
  outside its bracket (Gooding's ``x >= 1`` / ``x <= -1`` exits) is moved inside it, because for
  ``m > 0`` ``T(x) -> inf`` at both ``x -> -1`` and ``x -> 1``, so each branch always has a root
  once ``T >= T_min``.
* The series loops have an iteration cap, so a NaN can never hang the kernel.

Variables and conventions
-------------------------
Gooding's ``q`` and ``x`` are Lancaster & Blanchard's ``lambda`` and ``x`` (the ones Izzo 2015 uses):
``q = sqrt(r1 r2) cos(theta/2) / s``, ``1 - q^2 = c / s``, and ``x^2 = 1 - a_min / a`` with
``a_min = s / 2``; ``x`` is in ``(-1, 1)`` for ellipses, ``1`` for the parabola, ``> 1`` for
hyperbolas. Gooding's non-dimensional time is ``T = 4 sqrt(mu s / 2) tof / s^2``, twice Izzo's
``sqrt(2 mu / s^3) tof``; ``x`` itself is the same number in both papers.

For ``m = revs > 0`` revolutions ``T(x)`` has a single minimum ``T_min`` at ``x = x_m``.
``branch="left"`` is the root with ``x < x_m`` (Gooding's second solution, his ``X`` after
``XLAMB`` returns ``N = 2``), ``branch="right"`` the root with ``x > x_m`` (his ``XPL``, found
first). ``a = a_min / (1 - x^2)`` depends on ``x^2``, so "left" is not simply "larger ``a``";
``tests/test_gooding.py`` checks the ordering of ``x`` with Lagrange's equation, independently of
this code.

Transfer plane and direction, shared with :mod:`tianwen.lambert`: ``h = r1 x r2``;
``prograde=True`` asks for a transfer whose angular momentum has ``h_z >= 0``: the short way
``theta = atan2(|h|, r1.r2)`` if ``h_z >= 0``, else ``2 pi - theta``. ``prograde=False`` is the
opposite (short way if ``h_z < 0``). ``h_z`` is tested as ``r1x r2y - r1y r2x`` from the raw
vectors, exactly as :mod:`tianwen.lambert` does, so that a plane containing the z axis
(``h_z = 0``) is treated identically by both solvers (prograde = short way).

Status codes (``int8``; the velocities are NaN whenever the status is not 0):

* 0 ok;
* 1 no solution with this many revolutions (``tof`` below the minimum time for ``revs``);
* 2 degenerate geometry: ``|r1 x r2| <= COLLINEAR_TOL |r1| |r2|`` (``sin theta <= 1e-12``), where
  the transfer plane is undefined (0 or 180 degrees, including ``r1 == r2``);
* 3 invalid input: ``tof`` or ``mu`` not finite and positive, ``|r1|`` or ``|r2|`` zero or not
  finite, ``revs < 0``;
* 4 the iteration did not converge (not seen in testing; reported rather than raised).

>>> import numpy as np
>>> import numpy as np
>>> from tianwen.lambert import lambert_gooding
>>> v1, v2, status = lambert_gooding(np.array([5000.0, 10000.0, 2100.0]),
...                                  np.array([-14600.0, 2500.0, 7000.0]), 3600.0, mu=398600.0)
>>> np.round(v1, 4), int(status)
(array([-5.9925,  1.9254,  3.2456]), 0)
"""

from __future__ import annotations

import math

from .jit import kernel

STATUS_OK = 0
STATUS_NO_SOLUTION = 1
STATUS_DEGENERATE = 2
STATUS_INVALID = 3
STATUS_NOT_CONVERGED = 4

COLLINEAR_TOL = 1e-12  # |r1 x r2| / (|r1| |r2|) below this: plane undefined -> status 2

_PI = math.pi
_TWO_PI = 2.0 * math.pi
_SW = 0.4  # Gooding's switch: series in u = 1 - x^2 used when |u| <= SW (and for atanh, f <= SW)
_MAX_ITER = 40  # Halley steps (bisection fallbacks included) before status 4
_MAX_SERIES = 500  # cap on series terms (|u| <= 0.4 needs ~40; guards against NaN input)
_XTOL = 1e-14  # Halley stops when |dx| <= _XTOL (1 + |x|)

# Gooding's starter constants (1990, section 4 and appendix XLAMB)
_C0 = 1.7
_C1 = 0.5
_C2 = 0.03
_C3 = 0.15
_C41 = 1.0
_C42 = 0.24

# Every kernel is compiled with error_model="numpy": a float division by zero then gives inf/NaN (caught by
# the status checks) instead of raising ZeroDivisionError, which a kernel must never do.


@kernel
def _tlamb(m, q, qsqfm1, x, n):
    """Gooding's TLAMB: ``T(x)`` and derivatives for ``m`` revolutions.

    ``qsqfm1 = 1 - q^2`` (passed separately, as Gooding does, because it is ``c/s`` and
    known to full relative precision). ``n`` is 0, 1, 2 or 3 for ``T`` and that many
    derivatives; ``n = -1`` instead returns ``(0, q z - x, q z + x, z + q x)`` with
    ``z = sqrt(1 - q^2 + q^2 x^2)`` (Gooding's ``qzminx, qzplx, zplqx``) for the velocity
    formulas. Returns ``(t, dt, d2t, d3t)``.
    """
    lm1 = n == -1
    l1 = n >= 1
    l2 = n >= 2
    l3 = n == 3
    qsq = q * q
    xsq = x * x
    u = (1.0 - x) * (1.0 + x)
    t = 0.0
    dt = 0.0
    d2t = 0.0
    d3t = 0.0
    if lm1 or m > 0 or x < 0.0 or abs(u) > _SW:
        # direct computation
        y = math.sqrt(abs(u))
        z = math.sqrt(qsqfm1 + qsq * xsq)
        qx = q * x
        a = 0.0
        b = 0.0
        aa = 0.0
        bb = 0.0
        if qx <= 0.0:
            a = z - qx
            b = q * z - x
        if qx < 0.0 and lm1:
            # z + qx and qz + x without cancellation: (z - qx)(z + qx) = 1 - q^2, etc.
            aa = qsqfm1 / a
            bb = qsqfm1 * (qsq * u - xsq) / b
        if (qx == 0.0 and lm1) or qx > 0.0:
            aa = z + qx
            bb = q * z + x
        if qx > 0.0:
            a = qsqfm1 / aa
            b = qsqfm1 * (qsq * u - xsq) / bb
        if lm1:
            return 0.0, b, bb, aa
        if qx * u >= 0.0:
            g = x * z + q * u
        else:
            g = (xsq - qsq * u) / (x * z - q * u)
        f = a * y
        if x <= 1.0:
            t = m * _PI + math.atan2(f, g)
        elif f > _SW:
            t = math.log(f + g)
        else:
            # 2 atanh(f / (g + 1)) by its series, for accuracy near the parabola
            fg1 = f / (g + 1.0)
            term = 2.0 * fg1
            fg1sq = fg1 * fg1
            t = term
            twoi1 = 1.0
            for _ in range(_MAX_SERIES):
                twoi1 += 2.0
                term *= fg1sq
                told = t
                t = t + term / twoi1
                if t == told:
                    break
        t = 2.0 * (t / y + b) / u
        if l1 and z != 0.0:
            qz = q / z
            qz2 = qz * qz
            qz = qz * qz2
            dt = (3.0 * x * t - 4.0 * (a + qx * qsqfm1) / z) / u
            if l2:
                d2t = (3.0 * t + 5.0 * x * dt + 4.0 * qz * qsqfm1) / u
            if l3:
                d3t = (8.0 * dt + 7.0 * x * d2t - 12.0 * qz * qz2 * x * qsqfm1) / u
        return t, dt, d2t, d3t

    # series in u (m = 0, 0 <= x, |u| <= SW): Gooding (1990) eq. (the appendix's "compute by series")
    u0i = 1.0
    u1i = 1.0
    u2i = 1.0
    u3i = 1.0
    term = 4.0
    tq = q * qsqfm1
    if q < 0.5:
        tqsum = 1.0 - q * qsq
    else:
        tqsum = (1.0 / (1.0 + q) + q) * qsqfm1
    ttmold = term / 3.0
    t = ttmold * tqsum
    i = 0
    while i < _MAX_SERIES:
        i += 1
        p = float(i)
        u0i *= u
        if l1 and i > 1:
            u1i *= u
        if l2 and i > 2:
            u2i *= u
        if l3 and i > 3:
            u3i *= u
        term = term * (p - 0.5) / p
        tq *= qsq
        tqsum += tq
        told = t
        tterm = term / (2.0 * p + 3.0)
        tqterm = tterm * tqsum
        t = t - u0i * ((1.5 * p + 0.25) * tqterm / (p * p - 0.25) - ttmold * tq)
        ttmold = tterm
        tqterm *= p
        if l1:
            dt += tqterm * u1i
        if l2:
            d2t += tqterm * u2i * (p - 1.0)
        if l3:
            d3t += tqterm * u3i * (p - 1.0) * (p - 2.0)
        if i >= n and t == told:
            break
    if l3:
        d3t = 8.0 * x * (1.5 * d2t - xsq * d3t)
    if l2:
        d2t = 2.0 * (2.0 * xsq * d2t - dt)
    if l1:
        dt = -2.0 * x * dt
    t = t / xsq
    return t, dt, d2t, d3t


@kernel
def _d8rt(v):
    return math.sqrt(math.sqrt(math.sqrt(v)))


@kernel
def _halley(m, q, qsqfm1, tin, x, lo, hi, increasing):
    """Solve ``T(x) = tin`` by Halley's method (Gooding's corrector) inside ``(lo, hi)``.

    ``T`` is monotonic on the bracket: decreasing for ``m = 0`` and on the left branch,
    increasing on the right branch. A step that leaves the bracket is replaced by bisection
    (or, with ``hi = inf``, by a step of ``1 + |x|`` outwards). Returns ``(x, converged)``.
    """
    if not (lo < x < hi):
        if math.isinf(hi):
            x = lo + 1.0
        else:
            x = 0.5 * (lo + hi)
    for _ in range(_MAX_ITER):
        t, dt, d2t, _d3t = _tlamb(m, q, qsqfm1, x, 2)
        r = tin - t
        if r == 0.0:
            return x, True
        # T monotonic: the sign of the residual says on which side of x the root lies
        if (r < 0.0) != increasing:
            lo = x
        else:
            hi = x
        den = dt * dt + 0.5 * r * d2t
        xn = x + r * dt / den if den != 0.0 else math.nan
        if not (lo < xn < hi):
            # Halley left the bracket: try Newton, then bisect
            xn = x + r / dt if dt != 0.0 else math.nan
            if not (lo < xn < hi):
                if math.isinf(hi):  # m = 0, root beyond x (lo == x now): step outwards
                    xn = x + 1.0 + abs(x)
                else:
                    xn = 0.5 * (lo + hi)
        step = xn - x
        x = xn
        if abs(step) <= _XTOL * (1.0 + abs(x)):
            return x, True
        if hi - lo <= _XTOL * (1.0 + abs(x)):
            return x, True
    return x, False


@kernel
def _xlamb(m, q, qsqfm1, tin, right):
    """Gooding's XLAMB for one branch: returns ``(x, status)``.

    ``m = 0``: the single root. ``m > 0``: ``T_min`` is located first (status 1 if
    ``tin < T_min``), then the root on the requested side of ``x_m`` (``right`` -> ``x > x_m``).
    Gooding's starter for that root is then refined by :func:`_halley` (a single call site, which
    keeps the compiled code small).
    """
    thr2 = math.atan2(qsqfm1, 2.0 * q) / _PI  # Gooding's thr2 in (0, 1): theta / (2 pi) when r1 = r2
    tmin = 0.0
    xm = 0.0
    d2t2 = 0.0
    tdiffm = 0.0
    if m > 0:
        # T_min by Halley's method on dT/dx = 0, from Gooding's starter for x_m
        xm = 1.0 / (1.5 * (m + 0.5) * _PI)
        if thr2 < 0.5:
            xm = _d8rt(2.0 * thr2) * xm
        elif thr2 > 0.5:
            xm = (2.0 - _d8rt(2.0 - 2.0 * thr2)) * xm
        d2t = 0.0
        found = False
        done = False
        for _ in range(_MAX_ITER):
            tmin, dt, d2t, d3t = _tlamb(m, q, qsqfm1, xm, 3)
            if done or d2t == 0.0:
                found = True
                break
            dx = -dt * d2t / (d2t * d2t - 0.5 * dt * d3t)
            if not (-1.0 < xm + dx < 1.0):
                dx = -dt / d2t  # Newton
                if not (-1.0 < xm + dx < 1.0):
                    break
            xm += dx
            done = abs(dx) <= _XTOL
        if not found or not math.isfinite(tmin):
            return math.nan, STATUS_NOT_CONVERGED
        tdiffm = tin - tmin
        if tdiffm < 0.0:
            return math.nan, STATUS_NO_SOLUTION
        if tdiffm == 0.0:
            return xm, STATUS_OK
        if d2t == 0.0:
            d2t = 6.0 * m * _PI
        d2t2 = 0.5 * d2t

    if m > 0 and right:
        # Gooding's starter for the root above x_m
        x = math.sqrt(tdiffm / (d2t2 + tdiffm / (1.0 - xm) ** 2))
        w = xm + x
        w = w * 4.0 / (4.0 + tdiffm) + (1.0 - w) ** 2
        x = x * (1.0 - (1.0 + m + _C41 * (thr2 - 0.5)) / (1.0 + _C3 * m) * x * (_C1 * w + _C2 * x * math.sqrt(w))) + xm
        lo, hi, increasing = xm, 1.0, True
    else:
        # single-revolution starter from T(0) (bilinear), and Gooding's second multi-rev starter
        t0 = _tlamb(m, q, qsqfm1, 0.0, 0)[0]
        tdiff = tin - t0
        if m > 0 and tdiff <= 0.0:
            x = xm - math.sqrt(tdiffm / (d2t2 - tdiffm * (d2t2 / (t0 - tmin) - 1.0 / (xm * xm))))
        elif tdiff <= 0.0:
            x = t0 * tdiff / (-4.0 * tin)  # -4 is dT/dx at x = 0
        else:
            x = -tdiff / (tdiff + 4.0)
            w = x + _C0 * math.sqrt(2.0 * (1.0 - thr2))
            if w < 0.0:
                x = x - math.sqrt(_d8rt(-w)) * (x + math.sqrt(tdiff / (tdiff + 1.5 * t0)))
            w = 4.0 / (4.0 + tdiff)
            k = 1.0 if m == 0 else (1.0 + m + _C42 * (thr2 - 0.5)) / (1.0 + _C3 * m)
            x = x * (1.0 + k * x * (_C1 * w - _C2 * x * math.sqrt(w)))
        lo, increasing = -1.0, False
        hi = math.inf if m == 0 else xm
    x, ok = _halley(m, q, qsqfm1, tin, x, lo, hi, increasing)
    return x, (STATUS_OK if ok else STATUS_NOT_CONVERGED)


@kernel
def _vlamb(mu, r1, r2, theta, m, tof, right):
    """Gooding's VLAMB for one branch: ``(vr1, vt1, vr2, vt2, status)``.

    ``r1, r2`` radii, ``theta`` the transfer angle in ``(0, 2 pi)`` (revolutions excluded),
    ``m`` complete revolutions. Radial components along ``r_i / |r_i|``, transverse along
    ``h_hat x r_i / |r_i|``.
    """
    thr2 = 0.5 * theta
    dr = r1 - r2
    r1r2 = r1 * r2
    sin_half = math.sin(thr2)
    r1r2th = 4.0 * r1r2 * sin_half * sin_half
    csq = dr * dr + r1r2th
    c = math.sqrt(csq)
    s = 0.5 * (r1 + r2 + c)
    gms = math.sqrt(0.5 * mu * s)
    qsqfm1 = c / s
    q = math.sqrt(r1r2) * math.cos(thr2) / s
    if c != 0.0:
        rho = dr / c
        sig = r1r2th / csq
    else:
        rho = 0.0
        sig = 1.0
    t = 4.0 * gms * tof / (s * s)
    x, status = _xlamb(m, q, qsqfm1, t, right)
    if status != STATUS_OK:
        return math.nan, math.nan, math.nan, math.nan, status
    _t, qzminx, qzplx, zplqx = _tlamb(m, q, qsqfm1, x, -1)
    vt = gms * zplqx * math.sqrt(sig)
    vr1 = gms * (qzminx - qzplx * rho) / r1
    vt1 = vt / r1
    vr2 = -gms * (qzminx + qzplx * rho) / r2
    vt2 = vt / r2
    return vr1, vt1, vr2, vt2, STATUS_OK


@kernel
def gooding_kernel(r1x, r1y, r1z, r2x, r2y, r2z, tof, mu, revs, prograde, branch_right):
    """One Lambert problem by Gooding's method, for use inside other compiled loops.

    Positions in km, ``tof`` in s, ``mu`` in km^3/s^2, ``revs`` complete revolutions (int >= 0),
    ``prograde`` and ``branch_right`` booleans (see the module docstring). Returns
    ``(v1x, v1y, v1z, v2x, v2y, v2z, status)`` in km/s; NaN velocities when ``status != 0``.
    Never raises.
    """
    nan = math.nan
    r1 = math.sqrt(r1x * r1x + r1y * r1y + r1z * r1z)
    r2 = math.sqrt(r2x * r2x + r2y * r2y + r2z * r2z)
    if not (
        tof > 0.0
        and math.isfinite(tof)
        and mu > 0.0
        and math.isfinite(mu)
        and r1 > 0.0
        and math.isfinite(r1)
        and r2 > 0.0
        and math.isfinite(r2)
        and revs >= 0
    ):
        return nan, nan, nan, nan, nan, nan, STATUS_INVALID
    # unit vectors first, so the cross product cannot overflow or underflow
    u1x = r1x / r1
    u1y = r1y / r1
    u1z = r1z / r1
    u2x = r2x / r2
    u2y = r2y / r2
    u2z = r2z / r2
    hx = u1y * u2z - u1z * u2y
    hy = u1z * u2x - u1x * u2z
    hz = u1x * u2y - u1y * u2x
    sin_th = math.sqrt(hx * hx + hy * hy + hz * hz)
    if not (sin_th > COLLINEAR_TOL):
        return nan, nan, nan, nan, nan, nan, STATUS_DEGENERATE
    cos_th = u1x * u2x + u1y * u2y + u1z * u2z
    theta = math.atan2(sin_th, cos_th)  # short-way angle in (0, pi)
    hx /= sin_th
    hy /= sin_th
    hz /= sin_th
    # The sense is decided on the raw (r1 x r2)_z, as in tianwen.lambert: it is exactly zero when the
    # transfer plane contains the z axis, where the unit-vector product could carry a rounding-noise sign.
    raw_hz = r1x * r2y - r1y * r2x
    short = (raw_hz >= 0.0) if prograde else (raw_hz < 0.0)
    if not short:
        theta = _TWO_PI - theta
        hx = -hx
        hy = -hy
        hz = -hz
    vr1, vt1, vr2, vt2, status = _vlamb(mu, r1, r2, theta, revs, tof, branch_right)
    if status != STATUS_OK:
        return nan, nan, nan, nan, nan, nan, status
    if not (math.isfinite(vr1) and math.isfinite(vt1) and math.isfinite(vr2) and math.isfinite(vt2)):
        # only for inputs at the edge of float range (e.g. mu = 1e-300 with tof = 1e300)
        return nan, nan, nan, nan, nan, nan, STATUS_NOT_CONVERGED
    # transverse unit vectors h_hat x r_hat
    t1x = hy * u1z - hz * u1y
    t1y = hz * u1x - hx * u1z
    t1z = hx * u1y - hy * u1x
    t2x = hy * u2z - hz * u2y
    t2y = hz * u2x - hx * u2z
    t2z = hx * u2y - hy * u2x
    return (
        vr1 * u1x + vt1 * t1x,
        vr1 * u1y + vt1 * t1y,
        vr1 * u1z + vt1 * t1z,
        vr2 * u2x + vt2 * t2x,
        vr2 * u2y + vt2 * t2y,
        vr2 * u2z + vt2 * t2z,
        status,
    )


@kernel
def gooding_batch(r1, r2, tof, mu, revs, prograde, branch_right, v1, v2, status):
    for k in range(tof.shape[0]):
        res = gooding_kernel(
            r1[k, 0], r1[k, 1], r1[k, 2], r2[k, 0], r2[k, 1], r2[k, 2],
            tof[k], mu[k], revs[k], prograde[k], branch_right,
        )
        v1[k, 0] = res[0]
        v1[k, 1] = res[1]
        v1[k, 2] = res[2]
        v2[k, 0] = res[3]
        v2[k, 1] = res[4]
        v2[k, 2] = res[5]
        status[k] = res[6]


