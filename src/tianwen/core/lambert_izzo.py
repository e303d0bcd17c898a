"""Izzo (2015) Lambert kernel on plain floats: see :mod:`tianwen.lambert` for the method and conventions.

D. Izzo, "Revisiting Lambert's problem", Celestial Mechanics and Dynamical Astronomy 121, 1–15 (2015).
Status codes (shared with :mod:`.lambert_gooding`): 0 solved, 1 no N-revolution solution, 2 collinear,
3 invalid input, 4 not converged; NaN velocities whenever status != 0.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import fast_kernel, prange

OK, NO_SOLUTION, DEGENERATE, INVALID, NOT_CONVERGED = 0, 1, 2, 3, 4
STATUS_MEANING = {
    OK: "solved",
    NO_SOLUTION: "no solution with this many revolutions (time of flight too short)",
    DEGENERATE: "r1 and r2 collinear: transfer plane undefined",
    INVALID: "invalid input (time of flight <= 0, or zero/non-finite radius)",
    NOT_CONVERGED: "iteration did not converge",
}
COLLINEAR_TOL = 1e-12  # |r1 x r2| / (|r1| |r2|) below this is flagged DEGENERATE


# ---------------------------------------------------------------------------------------------------------
# Non-dimensional time of flight T(x) and its derivatives (Izzo 2015, sections 2-3)
# ---------------------------------------------------------------------------------------------------------


@fast_kernel(inline="always")
def _hyp2f1b(z):
    """Hypergeometric 2F1(3, 1; 5/2; z) by its series (Battin's form, used for |x - 1| < 0.01)."""
    total = 1.0
    term = 1.0
    for j in range(200):
        term = term * (3.0 + j) * (1.0 + j) / (2.5 + j) * z / (j + 1.0)
        total += term
        if abs(term) <= 1e-16 * abs(total):
            break
    return total


@fast_kernel(inline="always")
def _tof_lagrange(x, N, lam):
    a = 1.0 / (1.0 - x * x)
    if a > 0.0:
        alfa = 2.0 * math.acos(x)
        beta = 2.0 * math.asin(math.sqrt(lam * lam / a))
        if lam < 0.0:
            beta = -beta
        return a * math.sqrt(a) * ((alfa - math.sin(alfa)) - (beta - math.sin(beta)) + 2.0 * math.pi * N) / 2.0
    alfa = 2.0 * math.acosh(x)
    beta = 2.0 * math.asinh(math.sqrt(-lam * lam / a))
    if lam < 0.0:
        beta = -beta
    return -a * math.sqrt(-a) * ((beta - math.sinh(beta)) - (alfa - math.sinh(alfa))) / 2.0


@fast_kernel(inline="always")
def x2tof(x, N, lam):
    """Non-dimensional time of flight T(x) for N revolutions and parameter lambda (Izzo 2015, eq. 18-20)."""
    dist = abs(x - 1.0)
    if 0.01 < dist < 0.2:
        return _tof_lagrange(x, N, lam)
    K = lam * lam
    E = x * x - 1.0
    rho = abs(E)
    z = math.sqrt(1.0 + K * E)
    if dist < 0.01:
        eta = z - lam * x
        S1 = 0.5 * (1.0 - lam - x * eta)
        Q = 4.0 / 3.0 * _hyp2f1b(S1)
        return (eta * eta * eta * Q + 4.0 * lam * eta) / 2.0 + N * math.pi / (rho * math.sqrt(rho))
    y = math.sqrt(rho)
    g = x * z - lam * E
    if E < 0.0:
        d = N * math.pi + math.acos(min(1.0, max(-1.0, g)))
    else:
        f = y * (z - lam * x)
        d = math.log(f + g)
    return (x - lam * z - d / y) / E


@fast_kernel(inline="always")
def _dtdx(x, T, lam):
    """First three derivatives of T(x) (Izzo 2015, eq. 22)."""
    l2 = lam * lam
    l3 = l2 * lam
    umx2 = 1.0 - x * x
    y = math.sqrt(1.0 - l2 * umx2)
    y2 = y * y
    y3 = y2 * y
    d1 = (3.0 * T * x - 2.0 + 2.0 * l3 * x / y) / umx2
    d2 = (3.0 * T + 5.0 * x * d1 + 2.0 * (1.0 - l2) * l3 / y3) / umx2
    d3 = (7.0 * x * d2 + 8.0 * d1 - 6.0 * (1.0 - l2) * l2 * l3 * x / (y3 * y2)) / umx2
    return d1, d2, d3


@fast_kernel
def _householder(T, x0, N, lam, tol, maxiter):
    """Solve T(x) = T by Householder's third-order method; returns (x, iterations or -1)."""
    x = x0
    for it in range(maxiter):
        tof = x2tof(x, N, lam)
        d1, d2, d3 = _dtdx(x, tof, lam)
        delta = tof - T
        d1sq = d1 * d1
        xnew = x - delta * (d1sq - delta * d2 / 2.0) / (d1 * (d1sq - delta * d2) + d3 * delta * delta / 6.0)
        if not (xnew > -1.0 and xnew < 1e300):  # left the domain or NaN: stop, reported as not converged
            return xnew, -1
        err = abs(x - xnew)
        x = xnew
        # Near x = -1 (very long ellipses) the orbit depends on 1 - x^2, not on x: scale the tolerance.
        if err < tol * min(1.0, abs(1.0 - x * x)):
            return x, it + 1
    return x, -1


@fast_kernel
def _tmin(lam, N):
    """Minimum non-dimensional time for N > 0 revolutions: Halley's iteration on dT/dx = 0 from x = 0."""
    x = 0.0
    T = x2tof(x, N, lam)
    for _ in range(30):
        d1, d2, d3 = _dtdx(x, T, lam)
        if d1 == 0.0:
            break
        xnew = x - d1 * d2 / (d2 * d2 - d1 * d3 / 2.0)
        if abs(x - xnew) < 1e-13:
            x = xnew
            break
        x = xnew
        T = x2tof(x, N, lam)
    return x, x2tof(x, N, lam)


@fast_kernel(inline="always")
def _t00(lam, N):
    return math.acos(lam) + lam * math.sqrt(1.0 - lam * lam) + N * math.pi


@fast_kernel
def _nmax(lam, T):
    """Largest revolution count N for which a solution exists (Izzo 2015, section 4); capped at 2**62 (times of
    flight of more than ~1e18 orbits, where the integer would overflow)."""
    if T / math.pi >= 4.6e18:
        return 4611686018427387904
    n = int(T / math.pi)
    if n > 0 and T < _t00(lam, n):
        xm, tm = _tmin(lam, n)
        if tm > T:
            n -= 1
    return n


@fast_kernel
def _find_x(lam, T, N, right):
    """The x solving T(x) = T for N revolutions (branch ``right`` for N > 0); status as in the module doc."""
    if N == 0:
        T00 = _t00(lam, 0)
        T1 = 2.0 / 3.0 * (1.0 - lam * lam * lam)
        if T >= T00:
            q = T00 / T
            x0 = np.cbrt(q * q) - 1.0
        elif T <= T1:
            x0 = 2.5 * T1 / T * (T1 - T) / (1.0 - lam**5) + 1.0
        else:
            # Interpolates x0 = 0 at T00 and x0 = 1 at T1 (the exponent of Izzo's eq. 30 made exact at both ends).
            x0 = (T00 / T) ** (math.log(2.0) / math.log(T00 / T1)) - 1.0
        # Householder converges cubically: a step below 1e-5 leaves x good to ~1e-14 (Izzo 2015 uses 1e-5 too).
        tol = 1e-5
        maxiter = 20
    else:
        # Multi-revolution: is there a solution at all?
        if T < _t00(lam, N):
            xm, tm = _tmin(lam, N)
            if T < tm:
                return math.nan, NO_SOLUTION
        if right:
            t = (8.0 * T / (N * math.pi)) ** (2.0 / 3.0)
        else:
            t = ((N * math.pi + math.pi) / (8.0 * T)) ** (2.0 / 3.0)
        x0 = (t - 1.0) / (t + 1.0)
        tol = 1e-10
        maxiter = 30
    # One call site, so the iteration compiles once (not once per literal argument).
    x, iters = _householder(T, x0, N, lam, tol, maxiter)
    return x, (OK if iters > 0 else NOT_CONVERGED)


# ---------------------------------------------------------------------------------------------------------
# One problem (callable from other compiled loops) and the batched kernels
# ---------------------------------------------------------------------------------------------------------


@fast_kernel
def izzo(r1x, r1y, r1z, r2x, r2y, r2z, tof, mu, revs, prograde, right):
    """Solve one Lambert problem; returns (v1x, v1y, v1z, v2x, v2y, v2z, status). Never raises."""
    nan = math.nan
    r1 = math.sqrt(r1x * r1x + r1y * r1y + r1z * r1z)
    r2 = math.sqrt(r2x * r2x + r2y * r2y + r2z * r2z)
    if not (tof > 0.0 and tof < math.inf and r1 > 0.0 and r2 > 0.0 and r1 < math.inf and r2 < math.inf
            and mu > 0.0 and mu < math.inf):
        return nan, nan, nan, nan, nan, nan, INVALID
    cx, cy, cz = r2x - r1x, r2y - r1y, r2z - r1z
    c = math.sqrt(cx * cx + cy * cy + cz * cz)
    s = 0.5 * (r1 + r2 + c)
    i1x, i1y, i1z = r1x / r1, r1y / r1, r1z / r1
    i2x, i2y, i2z = r2x / r2, r2y / r2, r2z / r2
    hx = i1y * i2z - i1z * i2y
    hy = i1z * i2x - i1x * i2z
    hz = i1x * i2y - i1y * i2x
    hn = math.sqrt(hx * hx + hy * hy + hz * hz)  # sin of the short-way angle
    if not (hn > COLLINEAR_TOL):
        return nan, nan, nan, nan, nan, nan, DEGENERATE
    hx, hy, hz = hx / hn, hy / hn, hz / hn
    # Half of the short-way angle from its sine and cosine without cancellation (each formula where it is
    # well conditioned); lambda = sqrt(r1 r2) cos(theta/2) / s and sigma = 2 sqrt(r1 r2) sin(theta/2) / c are
    # exact identities for 1 - c/s and sqrt(1 - rho^2), which would lose half their digits near 180 and 0 deg
    # (the form Gooding 1990 uses to recover velocities).
    cos_t = i1x * i2x + i1y * i2y + i1z * i2z
    if cos_t >= 0.0:
        ch = math.sqrt(0.5 * (1.0 + cos_t))
        sh = hn / (2.0 * ch)
    else:
        sh = math.sqrt(0.5 * (1.0 - cos_t))
        ch = hn / (2.0 * sh)
    # The sense is decided on the raw (r1 x r2)_z, which is exact when it cancels to zero; the unit-vector
    # product hz could then carry a rounding-noise sign.
    long_way = (r1x * r2y - r1y * r2x < 0.0) == prograde
    if long_way:  # theta -> 2 pi - theta: sin(theta/2) unchanged, cos(theta/2) changes sign
        ch = -ch
    if r1x * r2y - r1y * r2x < 0.0:  # the short way is clockwise: reverse the transverse directions
        t1x, t1y, t1z = i1y * hz - i1z * hy, i1z * hx - i1x * hz, i1x * hy - i1y * hx
        t2x, t2y, t2z = i2y * hz - i2z * hy, i2z * hx - i2x * hz, i2x * hy - i2y * hx
    else:
        t1x, t1y, t1z = hy * i1z - hz * i1y, hz * i1x - hx * i1z, hx * i1y - hy * i1x
        t2x, t2y, t2z = hy * i2z - hz * i2y, hz * i2x - hx * i2z, hx * i2y - hy * i2x
    if not prograde:
        t1x, t1y, t1z = -t1x, -t1y, -t1z
        t2x, t2y, t2z = -t2x, -t2y, -t2z
    sq12 = math.sqrt(r1 * r2)
    lam = sq12 * ch / s
    T = math.sqrt(2.0 * mu / (s * s * s)) * tof
    x, status = _find_x(lam, T, revs, right)
    if status != OK:
        return nan, nan, nan, nan, nan, nan, status
    gamma = math.sqrt(mu * s / 2.0)
    rho = (r1 - r2) / c
    sigma = 2.0 * sq12 * sh / c
    y = math.sqrt(1.0 - lam * lam * (1.0 - x * x))
    ly = lam * y
    vr1 = gamma * ((ly - x) - rho * (ly + x)) / r1
    vr2 = -gamma * ((ly - x) + rho * (ly + x)) / r2
    vt = gamma * sigma * (y + lam * x)
    vt1, vt2 = vt / r1, vt / r2
    return (vr1 * i1x + vt1 * t1x, vr1 * i1y + vt1 * t1y, vr1 * i1z + vt1 * t1z,
            vr2 * i2x + vt2 * t2x, vr2 * i2y + vt2 * t2y, vr2 * i2z + vt2 * t2z, OK)


@fast_kernel
def izzo_serial(r1, r2, tof, mu, revs, prograde, right, v1, v2, status):
    for i in range(tof.shape[0]):
        v1[i, 0], v1[i, 1], v1[i, 2], v2[i, 0], v2[i, 1], v2[i, 2], status[i] = izzo(
            r1[i, 0], r1[i, 1], r1[i, 2], r2[i, 0], r2[i, 1], r2[i, 2], tof[i], mu, revs, prograde, right)


@fast_kernel(parallel=True)
def izzo_parallel(r1, r2, tof, mu, revs, prograde, right, v1, v2, status):
    for i in prange(tof.shape[0]):
        v1[i, 0], v1[i, 1], v1[i, 2], v2[i, 0], v2[i, 1], v2[i, 2], status[i] = izzo(
            r1[i, 0], r1[i, 1], r1[i, 2], r2[i, 0], r2[i, 1], r2[i, 2], tof[i], mu, revs, prograde, right)


@fast_kernel(parallel=True)
def nmax_batch(r1, r2, tof, mu, out):
    for i in prange(tof.shape[0]):
        a = math.sqrt(r1[i, 0] ** 2 + r1[i, 1] ** 2 + r1[i, 2] ** 2)
        b = math.sqrt(r2[i, 0] ** 2 + r2[i, 1] ** 2 + r2[i, 2] ** 2)
        c = math.sqrt((r2[i, 0] - r1[i, 0]) ** 2 + (r2[i, 1] - r1[i, 1]) ** 2 + (r2[i, 2] - r1[i, 2]) ** 2)
        s = 0.5 * (a + b + c)
        if not (tof[i] > 0.0 and s > 0.0 and math.isfinite(tof[i]) and math.isfinite(s)):
            out[i] = -1
            continue
        lam = math.sqrt(max(0.0, 1.0 - c / s))
        cz = r1[i, 0] * r2[i, 1] - r1[i, 1] * r2[i, 0]
        if cz < 0.0:
            lam = -lam
        out[i] = _nmax(lam, math.sqrt(2.0 * mu / (s * s * s)) * tof[i])


