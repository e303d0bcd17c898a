"""Izzo's (2015) Lambert solver in lock-step blocks: W problems at a time, one SIMD lane each.

The same method and the same answers as :func:`.lambert_izzo.izzo` (to rounding: the tests hold them within
1e-12 relative), arranged so that LLVM vectorises it. A block's problems sit side by side in a scratch array of
rows x ``W`` lanes (structure of arrays); each phase is a loop over the ``W`` lanes with every branch written as
a select, and the transcendental functions are the straight-line ones of :mod:`.vmath`:

1. geometry: lambda, T and the frame of each problem;
2. Izzo's starting guess x0 (his eq. 30 and the multi-revolution guesses of section 4);
3. Householder steps on all lanes together until every lane has met the scalar kernel's own stopping rule (a
   lane that has converged keeps its x; the block stops when none is left, so each lane takes exactly the
   steps it takes alone);
4. velocities (eq. 9-10).

Multi-revolution problems below T(x = 0) first find the minimum time by the scalar kernel's Halley iteration,
also in lock-step, and those below it have no solution (status 1). T(x) is Lancaster's form throughout (Izzo
eq. 18-20). Where the scalar kernel switches to Lagrange's form (0.01 < |x - 1| < 0.2) because Lancaster's
cancels near the parabola, only zero-revolution problems are affected: with N >= 1 revolutions T(x) grows without
bound as x -> 1, and for lambda <= 0.999 Lancaster's form gives Lagrange's value within 2e-13, which moves the
solved x by less than 1e-14 of itself (T(x) is steep there; a test holds both), so multi-revolution lanes stay in
the block there (the right branch lives there half the time).
Rare lanes are re-solved by the scalar kernel, which is the reference: invalid or collinear input, an iterate
where the scalar kernel uses Battin's series (within 0.01 of x = 1) or Lagrange's form (0.01 < |x - 1| < 0.2)
with zero revolutions, on a hyperbola or with lambda > 0.999, a fast hyperbola (x > 10, where Lancaster's form is
ill-conditioned), and a step that leaves the domain or does not converge. Every status code is therefore the
scalar kernel's.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import fast_kernel, prange
from .lambert_izzo import COLLINEAR_TOL, NO_SOLUTION, izzo
from .vmath import vacos, vexp, vlog

#: Lanes per block: 16 float64 lanes fill four AVX2 registers (or two AVX-512, eight NEON) per row.
W = 16
#: With N >= 1 revolutions, Lancaster's form serves 0.8 < x < 0.99 (where the scalar kernel uses Lagrange's) for
#: lambda up to this; closer to 1 (a chord under 0.2 % of the semi-perimeter) it loses digits (1e-12 of T at
#: lambda = 0.9999, 1e-10 at 0.999999) and those lanes go to the scalar kernel.
LANCASTER_LAMBDA_MAX = 0.999
#: Problems per parallel task (each task allocates its scratch once).
CHUNK = 2048

# The scratch array is one flat float64 array: row r of lane k at S[r * W + k]. Rows at constant offsets let LLVM
# prove that the rows never overlap, so each lane loop vectorises without run-time alias checks.
_names = ("R1X R1Y R1Z R2X R2Y R2Z TOF LAM TT GAM RHO SIG IR1 IR2 I1X I1Y I1Z I2X I2Y I2Z T1X T1Y T1Z T2X T2Y T2Z "
          "X ACT RARE V1X V1Y V1Z V2X V2Y V2Z ST XM TM CHK NOS").split()
(R1X, R1Y, R1Z, R2X, R2Y, R2Z, TOF, LAM, TT, GAM, RHO, SIG, IR1, IR2, I1X, I1Y, I1Z, I2X, I2Y, I2Z, T1X, T1Y, T1Z,
 T2X, T2Y, T2Z, X, ACT, RARE, V1X, V1Y, V1Z, V2X, V2Y, V2Z, ST, XM, TM, CHK, NOS) = (i * W for i in range(len(_names)))
ROWS = len(_names)

LN2 = 0.6931471805599453
TWO_THIRDS = 2.0 / 3.0


@fast_kernel(inline="always")
def scratch_array():
    """A scratch array for :func:`solve_block` (rows x lanes)."""
    return np.empty(ROWS * W)


@fast_kernel(inline="always")
def _geometry(S, mu, prograde):
    inf = math.inf
    psign = 1.0 if prograde else -1.0
    for k in range(W):
        r1x, r1y, r1z = S[R1X + k], S[R1Y + k], S[R1Z + k]
        r2x, r2y, r2z = S[R2X + k], S[R2Y + k], S[R2Z + k]
        tof = S[TOF + k]
        r1 = math.sqrt(r1x * r1x + r1y * r1y + r1z * r1z)
        r2 = math.sqrt(r2x * r2x + r2y * r2y + r2z * r2z)
        valid = (tof > 0.0) & (tof < inf) & (r1 > 0.0) & (r2 > 0.0) & (r1 < inf) & (r2 < inf)
        cx, cy, cz = r2x - r1x, r2y - r1y, r2z - r1z
        c = math.sqrt(cx * cx + cy * cy + cz * cz)
        s = 0.5 * (r1 + r2 + c)
        ir1, ir2 = 1.0 / r1, 1.0 / r2
        i1x, i1y, i1z = r1x * ir1, r1y * ir1, r1z * ir1
        i2x, i2y, i2z = r2x * ir2, r2y * ir2, r2z * ir2
        hx = i1y * i2z - i1z * i2y
        hy = i1z * i2x - i1x * i2z
        hz = i1x * i2y - i1y * i2x
        hn = math.sqrt(hx * hx + hy * hy + hz * hz)
        valid = valid & (hn > COLLINEAR_TOL)
        ih = 1.0 / hn
        hx, hy, hz = hx * ih, hy * ih, hz * ih
        cos_t = i1x * i2x + i1y * i2y + i1z * i2z
        pos = cos_t >= 0.0
        big = math.sqrt(0.5 * (1.0 + abs(cos_t)))
        other = hn / (2.0 * big)
        ch = big if pos else other
        sh = other if pos else big
        crz = r1x * r2y - r1y * r2x
        cw = crz < 0.0
        ch = -ch if cw == prograde else ch  # the long way: cos(theta/2) changes sign
        sg = -psign if cw else psign  # the transverse directions: h x i, reversed when clockwise or retrograde
        sq12 = math.sqrt(r1 * r2)
        S[LAM + k] = sq12 * ch / s
        S[TT + k] = math.sqrt(2.0 * mu / (s * s * s)) * tof
        S[GAM + k] = math.sqrt(mu * s / 2.0)
        S[RHO + k] = (r1 - r2) / c
        S[SIG + k] = 2.0 * sq12 * sh / c
        S[IR1 + k], S[IR2 + k] = ir1, ir2
        S[I1X + k], S[I1Y + k], S[I1Z + k] = i1x, i1y, i1z
        S[I2X + k], S[I2Y + k], S[I2Z + k] = i2x, i2y, i2z
        S[T1X + k] = sg * (hy * i1z - hz * i1y)
        S[T1Y + k] = sg * (hz * i1x - hx * i1z)
        S[T1Z + k] = sg * (hx * i1y - hy * i1x)
        S[T2X + k] = sg * (hy * i2z - hz * i2y)
        S[T2Y + k] = sg * (hz * i2x - hx * i2z)
        S[T2Z + k] = sg * (hx * i2y - hy * i2x)
        S[RARE + k] = 0.0 if valid else 1.0


@fast_kernel(inline="always")
def _guess(S, revs, right):
    """Izzo's x0 for every lane; multi-revolution lanes below T(x=0) are marked rare (minimum-time check)."""
    if revs == 0:
        for k in range(W):
            lam, T = S[LAM + k], S[TT + k]
            l2 = lam * lam
            T00 = vacos(lam) + lam * math.sqrt(1.0 - l2)
            T1 = TWO_THIRDS * (1.0 - l2 * lam)
            L = vlog(T00 / T)
            e = TWO_THIRDS * L if T >= T00 else L * LN2 / vlog(T00 / T1)  # cbrt(q^2) or Izzo's eq. 30 power
            xa = vexp(e) - 1.0
            xb = 2.5 * T1 / T * (T1 - T) / (1.0 - l2 * l2 * lam) + 1.0
            S[X + k] = xb if T <= T1 else xa
            S[CHK + k] = 0.0
    else:
        npi = revs * math.pi
        for k in range(W):
            lam, T = S[LAM + k], S[TT + k]
            T00 = vacos(lam) + lam * math.sqrt(1.0 - lam * lam) + npi
            arg = 8.0 * T / npi if right else (npi + math.pi) / (8.0 * T)
            t = vexp(TWO_THIRDS * vlog(arg))
            S[X + k] = (t - 1.0) / (t + 1.0)
            S[CHK + k] = 1.0 if (S[RARE + k] == 0.0) & (T < T00) else 0.0  # below T(x=0): is there a solution?


@fast_kernel(inline="always")
def _derivatives(x, T, lam, iz, iE):
    """dT/dx, d2T/dx2, d3T/dx3 (Izzo eq. 22), as the scalar kernel's _dtdx but from the reciprocals of z (its y)
    and of E = x^2 - 1 that T(x) already needed: no division of its own (the derivatives only steer the
    iteration; its root is that of T(x) = T)."""
    K = lam * lam
    l3 = K * lam
    iz2 = iz * iz
    iz3 = iz2 * iz
    d1 = -(3.0 * T * x - 2.0 + 2.0 * l3 * x * iz) * iE
    d2 = -(3.0 * T + 5.0 * x * d1 + 2.0 * (1.0 - K) * l3 * iz3) * iE
    d3 = -(7.0 * x * d2 + 8.0 * d1 - 6.0 * (1.0 - K) * K * l3 * x * iz3 * iz2) * iE
    return d1, d2, d3


@fast_kernel(inline="always")
def _tof_x(x, lam, npi, hyperbolic=True):
    """(T(x), bad, 1/z, 1/E): Lancaster's form (Izzo eq. 18-20). ``bad``: the scalar kernel must evaluate this x
    (within 0.01 of x = 1, where it uses Battin's series; within 0.2, where it uses Lagrange's form against
    Lancaster's cancellation, with zero revolutions, on a hyperbola, or for lambda > LANCASTER_LAMBDA_MAX; a fast
    hyperbola x > 10,
    where Lancaster's form cancels away ~2 log10(x) digits and only the scalar kernel's own rounding reproduces
    it). ``hyperbolic=False`` skips the logarithm of the hyperbolic branch (the caller knows no lane needs it)."""
    dist = abs(x - 1.0)
    # N >= 1: T(x) grows without bound as x -> 1, so Lancaster's form does not cancel (module docstring).
    near = (dist < 0.2) & ((npi == 0.0) | (x > 1.0) | (dist < 0.01) | (lam > LANCASTER_LAMBDA_MAX))
    bad = near | (x > 10.0)
    K = lam * lam
    E = x * x - 1.0
    iE = 1.0 / E
    z = math.sqrt(1.0 + K * E)
    iz = 1.0 / z
    y = math.sqrt(abs(E))
    g = x * z - lam * E
    gc = -1.0 if g < -1.0 else (1.0 if g > 1.0 else g)
    d = npi + vacos(gc)
    if hyperbolic:
        d = d if E < 0.0 else vlog(y * (z - lam * x) + g)
    tof = (x - lam * z - d * y * abs(iE)) * iE  # d / y = d y / |E|
    return tof, bad, iz, iE


@fast_kernel(inline="always")
def _step(S, npi, tol, hyperbolic):
    """One Householder step on every active lane; returns how many lanes go on."""
    left = 0
    for k in range(W):
        x, lam, T, act = S[X + k], S[LAM + k], S[TT + k], S[ACT + k] != 0.0
        tof, bad, iz, iE = _tof_x(x, lam, npi, hyperbolic)
        d1, d2, d3 = _derivatives(x, tof, lam, iz, iE)
        delta = tof - T
        d1sq = d1 * d1
        xnew = x - delta * (d1sq - delta * d2 / 2.0) / (d1 * (d1sq - delta * d2) + d3 * delta * delta / 6.0)
        ok = (xnew > -1.0) & (xnew < 1e300) & (not bad)
        w = abs(1.0 - xnew * xnew)
        done = abs(x - xnew) < tol * (1.0 if w > 1.0 else w)
        S[RARE + k] = 1.0 if (act & (not ok)) else S[RARE + k]
        S[X + k] = xnew if (act & ok) else x
        more = act & ok & (not done)
        S[ACT + k] = 1.0 if more else 0.0
        left += 1 if more else 0
    return left


@fast_kernel(inline="always")
def _any_hyperbolic(S):
    """Whether any active lane's x is hyperbolic (x > 1)."""
    hyp = 0
    for k in range(W):
        hyp += 1 if (S[ACT + k] == 1.0) & (S[X + k] > 1.0) else 0
    return hyp > 0


@fast_kernel(inline="always")
def _householder(S, revs, tol, maxiter):
    """Householder steps in lock-step; each lane stops by the scalar kernel's rule and keeps its x. The hyperbolic
    logarithm is evaluated only in the steps where some lane needs it."""
    npi = revs * math.pi
    for k in range(W):
        S[ACT + k] = 1.0 if (S[RARE + k] == 0.0) & (S[NOS + k] == 0.0) else 0.0
    for _ in range(maxiter):
        if _any_hyperbolic(S):
            left = _step(S, npi, tol, True)
        else:  # the common case: every lane elliptic
            left = _step(S, npi, tol, False)
        if left == 0:
            return
    for k in range(W):  # not converged in maxiter steps: the scalar kernel reports it
        S[RARE + k] = 1.0 if S[ACT + k] != 0.0 else S[RARE + k]


@fast_kernel(inline="always")
def _tmin_step(S, npi):
    """One Halley step towards the minimum of T(x) on every checking lane (the scalar kernel's _tmin)."""
    left = 0
    for k in range(W):
        x, lam, act = S[XM + k], S[LAM + k], S[CHK + k] == 1.0
        E = x * x - 1.0
        d1, d2, d3 = _derivatives(x, S[TM + k], lam, 1.0 / math.sqrt(1.0 + lam * lam * E), 1.0 / E)
        xnew = x - d1 * d2 / (d2 * d2 - d1 * d3 / 2.0)
        stop = (d1 == 0.0)
        # The scalar kernel stops at |dx| < 1e-13; Halley's cubic convergence makes the step after |dx| < 1e-7 a
        # change below 1e-20, and T(x) is flat at its minimum: the minimum time is the same to rounding.
        conv = abs(x - xnew) < 1e-7
        x2 = x if stop else xnew
        tm, bad, _, _ = _tof_x(x2, lam, npi, False)
        bad = bad | (x2 >= 1.0)  # the minimum lies at x < 1; an overshoot goes to the scalar kernel
        S[RARE + k] = 1.0 if (act & bad) else S[RARE + k]
        S[XM + k] = x2 if act else x
        S[TM + k] = tm if act else S[TM + k]
        more = act & (not bad) & (not stop) & (not conv)
        S[CHK + k] = 1.0 if more else (2.0 if act else S[CHK + k])
        left += 1 if more else 0
    return left


@fast_kernel(inline="always")
def _tmin(S, revs):
    """Multi-revolution lanes below T(x=0): the minimum time by the scalar kernel's Halley iteration, in
    lock-step; lanes below it have no solution (NOS). CHK: 1 iterating, 2 done, 0 not checked."""
    npi = revs * math.pi
    need = 0
    for k in range(W):
        chk = S[CHK + k] != 0.0
        need += 1 if chk else 0
        S[XM + k] = 0.0
        tm, bad, _, _ = _tof_x(0.0, S[LAM + k], npi, False)
        S[TM + k] = tm
        S[NOS + k] = 0.0
    if need == 0:
        return
    for _ in range(30):
        left = _tmin_step(S, npi)
        if left == 0:
            break
    for k in range(W):
        checked = S[CHK + k] != 0.0
        S[NOS + k] = 1.0 if checked & (S[RARE + k] == 0.0) & (S[TT + k] < S[TM + k]) else 0.0


@fast_kernel(inline="always")
def _velocities(S):
    for k in range(W):
        x, lam = S[X + k], S[LAM + k]
        gamma, rho, sigma = S[GAM + k], S[RHO + k], S[SIG + k]
        ir1, ir2 = S[IR1 + k], S[IR2 + k]
        y = math.sqrt(1.0 - lam * lam * (1.0 - x * x))
        ly = lam * y
        vr1 = gamma * ((ly - x) - rho * (ly + x)) * ir1
        vr2 = -gamma * ((ly - x) + rho * (ly + x)) * ir2
        vt = gamma * sigma * (y + lam * x)
        vt1, vt2 = vt * ir1, vt * ir2
        S[V1X + k] = vr1 * S[I1X + k] + vt1 * S[T1X + k]
        S[V1Y + k] = vr1 * S[I1Y + k] + vt1 * S[T1Y + k]
        S[V1Z + k] = vr1 * S[I1Z + k] + vt1 * S[T1Z + k]
        S[V2X + k] = vr2 * S[I2X + k] + vt2 * S[T2X + k]
        S[V2Y + k] = vr2 * S[I2Y + k] + vt2 * S[T2Y + k]
        S[V2Z + k] = vr2 * S[I2Z + k] + vt2 * S[T2Z + k]
        S[ST + k] = 0.0
    for k in range(W):
        if S[NOS + k] != 0.0:
            nan = math.nan
            S[V1X + k], S[V1Y + k], S[V1Z + k], S[V2X + k], S[V2Y + k], S[V2Z + k] = nan, nan, nan, nan, nan, nan
            S[ST + k] = NO_SOLUTION


@fast_kernel
def solve_block(S, mu, revs, prograde, right):
    """Solve the W problems in ``S``'s input rows (R1X..TOF); fills V1X..V2Z and ST (status as a float).

    Lanes must all hold some input (pad a short block by repeating a problem). Never raises.
    """
    if not (mu > 0.0 and mu < math.inf):  # every lane invalid: the scalar kernel says so
        for k in range(W):
            S[RARE + k] = 1.0
    else:
        _geometry(S, mu, prograde)
        _guess(S, revs, right)
        if revs == 0:
            for k in range(W):
                S[NOS + k] = 0.0
        else:
            _tmin(S, revs)
        # One call site (so the iteration is compiled once): the scalar kernel's tolerances.
        _householder(S, revs, 1e-5 if revs == 0 else 1e-10, 20 if revs == 0 else 30)
        _velocities(S)
    for k in range(W):
        if S[RARE + k] != 0.0:
            (S[V1X + k], S[V1Y + k], S[V1Z + k], S[V2X + k], S[V2Y + k], S[V2Z + k], st) = izzo(
                S[R1X + k], S[R1Y + k], S[R1Z + k], S[R2X + k], S[R2Y + k], S[R2Z + k], S[TOF + k], mu, revs,
                prograde, right)
            S[ST + k] = st


@fast_kernel(inline="always")
def _solve_range(r1, r2, tof, mu, revs, prograde, right, v1, v2, status, lo, hi, S):
    for b in range(lo, hi, W):
        n = min(W, hi - b)
        for k in range(W):
            i = b + k if k < n else b  # a short last block repeats its first problem
            S[R1X + k], S[R1Y + k], S[R1Z + k] = r1[i, 0], r1[i, 1], r1[i, 2]
            S[R2X + k], S[R2Y + k], S[R2Z + k] = r2[i, 0], r2[i, 1], r2[i, 2]
            S[TOF + k] = tof[i]
        solve_block(S, mu, revs, prograde, right)
        for k in range(n):
            i = b + k
            v1[i, 0], v1[i, 1], v1[i, 2] = S[V1X + k], S[V1Y + k], S[V1Z + k]
            v2[i, 0], v2[i, 1], v2[i, 2] = S[V2X + k], S[V2Y + k], S[V2Z + k]
            status[i] = int(S[ST + k])


@fast_kernel
def izzo_block_serial(r1, r2, tof, mu, revs, prograde, right, v1, v2, status):
    """:func:`.lambert_izzo.izzo_serial`'s contract, solved in blocks of W."""
    _solve_range(r1, r2, tof, mu, revs, prograde, right, v1, v2, status, 0, tof.shape[0], scratch_array())


@fast_kernel(parallel=True)
def izzo_block_parallel(r1, r2, tof, mu, revs, prograde, right, v1, v2, status):
    """:func:`.lambert_izzo.izzo_parallel`'s contract, solved in blocks of W, chunks spread over the cores."""
    n = tof.shape[0]
    chunks = (n + CHUNK - 1) // CHUNK
    for c in prange(chunks):
        lo = c * CHUNK
        _solve_range(r1, r2, tof, mu, revs, prograde, right, v1, v2, status, lo, min(n, lo + CHUNK),
                     scratch_array())


