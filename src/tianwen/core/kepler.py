"""Two-body kernels on plain floats: universal-variable propagation and elements <-> state.

See :mod:`tianwen.kepler` for the method, its references and the conventions.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import kernel, prange

TWO_PI = 2.0 * math.pi
CIRCULAR_ECC = 1e-14  # ecc below this: circular convention (argp = 0)
EQUATORIAL_SIN_INC = 1e-14  # sin(inc) below this: equatorial convention (raan = 0)
PARABOLIC_ECC = 1e-12  # |1 - ecc| below this: a = inf
_EPS = 2.220446049250313e-16
_MAX_ITER = 100


@kernel
def _stumpff(psi):
    """Stumpff functions c2(psi) = (1 - cos sqrt(psi)) / psi and c3(psi) = (sqrt(psi) - sin sqrt(psi)) / psi^1.5
    (Curtis's C(z) and S(z)), with their hyperbolic forms for psi < 0.

    Half-angle forms avoid cancellation in c2; |psi| <= 1 uses the alternating series (12 terms, well below 1 ulp).
    """
    if psi > 1.0:
        s = math.sqrt(psi)
        h = math.sin(0.5 * s)
        return 2.0 * h * h / psi, (s - math.sin(s)) / (psi * s)
    if psi < -1.0:
        s = math.sqrt(-psi)
        h = math.sinh(0.5 * s)
        return -2.0 * h * h / psi, (math.sinh(s) - s) / (-psi * s)
    x = -psi
    t2 = 0.5
    t3 = 1.0 / 6.0
    c2 = t2
    c3 = t3
    for k in range(1, 12):
        t2 *= x / ((2 * k + 1) * (2 * k + 2))
        t3 *= x / ((2 * k + 2) * (2 * k + 3))
        c2 += t2
        c3 += t3
    return c2, c3


@kernel
def _universal(chi, alpha, r0, sigma0, target):
    """Residual F(chi) of the universal Kepler equation and its derivative dF/dchi = r(chi) (Vallado sec. 2.3)."""
    chi2 = chi * chi
    psi = alpha * chi2
    c2, c3 = _stumpff(psi)
    fval = sigma0 * chi2 * c2 + (1.0 - alpha * r0) * chi2 * chi * c3 + r0 * chi - target
    r = chi2 * c2 + sigma0 * chi * (1.0 - psi * c3) + r0 * (1.0 - psi * c2)
    return fval, r


@kernel
def propagate_one(rx, ry, rz, vx, vy, vz, dt, mu):
    """State after ``dt`` seconds on the two-body orbit through (r, v); six NaNs if any input is not finite."""
    nan = np.nan
    if not (
        math.isfinite(rx) and math.isfinite(ry) and math.isfinite(rz) and math.isfinite(vx) and math.isfinite(vy)
        and math.isfinite(vz) and math.isfinite(dt) and math.isfinite(mu) and mu > 0.0
    ):
        return nan, nan, nan, nan, nan, nan
    r0 = math.sqrt(rx * rx + ry * ry + rz * rz)
    if r0 == 0.0:
        return nan, nan, nan, nan, nan, nan
    if dt == 0.0:
        return rx, ry, rz, vx, vy, vz
    sqmu = math.sqrt(mu)
    vv = vx * vx + vy * vy + vz * vz
    sigma0 = (rx * vx + ry * vy + rz * vz) / sqmu
    alpha = 2.0 / r0 - vv / mu  # 1/a

    # Reduce an elliptic time of flight to |dt| <= T/2; chi is then bounded by one revolution, 2 pi sqrt(a).
    elliptic = alpha > 0.0
    chi_max = np.inf
    if elliptic:
        period = TWO_PI / (sqmu * alpha * math.sqrt(alpha))
        if math.isfinite(period):
            dt = dt - period * math.floor(dt / period + 0.5)
        chi_max = TWO_PI / math.sqrt(alpha)
    if dt == 0.0:
        return rx, ry, rz, vx, vy, vz
    target = sqmu * dt
    sgn = 1.0 if dt > 0.0 else -1.0

    # First guess (Vallado Algorithm 8): mean-motion guess for ellipses, logarithmic guess for hyperbolas,
    # and the smaller of the straight-line and cubic (parabolic) guesses otherwise.
    chi = nan
    if elliptic and alpha * r0 > 1e-3:
        chi = target * alpha
    elif alpha < 0.0 and alpha * r0 < -1e-3:
        a = 1.0 / alpha
        chi = sgn * math.sqrt(-a) * math.log(
            (-2.0 * mu * alpha * dt) / (sigma0 * sqmu + sgn * math.sqrt(-mu * a) * (1.0 - r0 * alpha))
        )
    if not (math.isfinite(chi) and chi * sgn > 0.0):
        chi = sgn * min(abs(target) / r0, (6.0 * abs(target)) ** (1.0 / 3.0))
    if abs(chi) > chi_max:
        chi = sgn * chi_max

    # Bracket the root: F(0) = -target has the sign -sgn and F increases with chi.
    fval, rchi = _universal(chi, alpha, r0, sigma0, target)
    other = 0.0
    for _ in range(2000):
        if not (fval * sgn < 0.0):  # F(chi) >= 0 side reached (or F overflowed to inf: also past the root)
            break
        other = chi
        chi = 2.0 * chi
        if abs(chi) > chi_max:
            chi = sgn * chi_max
        fval, rchi = _universal(chi, alpha, r0, sigma0, target)
    lo = min(other, chi)
    hi = max(other, chi)

    # Safeguarded Newton: F' = r > 0; a step leaving the bracket is replaced by bisection.
    for _ in range(_MAX_ITER):
        if fval == 0.0:
            break
        if fval < 0.0:
            lo = chi
        else:
            hi = chi
        new = chi - fval / rchi
        if not (lo < new < hi):
            new = 0.5 * (lo + hi)
        step = abs(new - chi)
        chi = new
        if step <= 4.0 * _EPS * abs(chi) or hi - lo <= 4.0 * _EPS * max(abs(lo), abs(hi)):
            break
        fval, rchi = _universal(chi, alpha, r0, sigma0, target)

    # Lagrange coefficients in universal variables (Vallado Algorithm 8; Curtis Algorithm 3.4).
    chi2 = chi * chi
    psi = alpha * chi2
    c2, c3 = _stumpff(psi)
    r = chi2 * c2 + sigma0 * chi * (1.0 - psi * c3) + r0 * (1.0 - psi * c2)
    f = 1.0 - chi2 * c2 / r0
    g = chi * (sigma0 * chi * c2 + r0 * (1.0 - psi * c3)) / sqmu
    fdot = sqmu * chi * (psi * c3 - 1.0) / (r * r0)
    gdot = 1.0 - chi2 * c2 / r
    return (
        f * rx + g * vx, f * ry + g * vy, f * rz + g * vz,
        fdot * rx + gdot * vx, fdot * ry + gdot * vy, fdot * rz + gdot * vz,
    )


@kernel
def propagate_serial(r0, v0, dt, mu, r, v):
    for i in range(dt.shape[0]):
        r[i, 0], r[i, 1], r[i, 2], v[i, 0], v[i, 1], v[i, 2] = propagate_one(
            r0[i, 0], r0[i, 1], r0[i, 2], v0[i, 0], v0[i, 1], v0[i, 2], dt[i], mu[i]
        )


@kernel(parallel=True)
def propagate_parallel(r0, v0, dt, mu, r, v):
    for i in prange(dt.shape[0]):
        r[i, 0], r[i, 1], r[i, 2], v[i, 0], v[i, 1], v[i, 2] = propagate_one(
            r0[i, 0], r0[i, 1], r0[i, 2], v0[i, 0], v0[i, 1], v0[i, 2], dt[i], mu[i]
        )


@kernel
def _wrap(angle):
    """Angle folded into [0, 2 pi)."""
    a = angle % TWO_PI
    return 0.0 if a >= TWO_PI else a


@kernel
def rv2coe_kernel(r, v, mu, out):
    nan = np.nan
    for i in range(mu.shape[0]):
        rx, ry, rz = r[i, 0], r[i, 1], r[i, 2]
        vx, vy, vz = v[i, 0], v[i, 1], v[i, 2]
        m = mu[i]
        hx = ry * vz - rz * vy
        hy = rz * vx - rx * vz
        hz = rx * vy - ry * vx
        h = math.sqrt(hx * hx + hy * hy + hz * hz)
        rn = math.sqrt(rx * rx + ry * ry + rz * rz)
        v2 = vx * vx + vy * vy + vz * vz
        rdv = rx * vx + ry * vy + rz * vz
        if not (math.isfinite(h) and math.isfinite(v2) and math.isfinite(m) and m > 0.0) or rn == 0.0:
            for k in range(7):
                out[k, i] = nan
            continue
        # Eccentricity vector e = ((v^2 - mu/r) r - (r.v) v) / mu.
        k1 = v2 - m / rn
        ex = (k1 * rx - rdv * vx) / m
        ey = (k1 * ry - rdv * vy) / m
        ez = (k1 * rz - rdv * vz) / m
        ecc = math.sqrt(ex * ex + ey * ey + ez * ez)
        p = h * h / m
        alpha = 2.0 / rn - v2 / m
        a = np.inf if abs(1.0 - ecc) < PARABOLIC_ECC and h > 0.0 else 1.0 / alpha
        out[0, i] = p
        out[1, i] = a
        out[2, i] = ecc
        if h == 0.0:  # rectilinear: no orbital plane
            for k in range(3, 7):
                out[k, i] = nan
            continue
        nxy = math.sqrt(hx * hx + hy * hy)  # |k x h|
        inc = math.atan2(nxy, hz)
        # Orbit-plane basis: P along the ascending node (or +x if equatorial), Q = h_hat x P.
        if nxy > EQUATORIAL_SIN_INC * h:
            px, py = -hy / nxy, hx / nxy
            raan = _wrap(math.atan2(py, px))
        else:
            px, py = 1.0, 0.0
            raan = 0.0
        wx, wy, wz = hx / h, hy / h, hz / h
        qx = -wz * py
        qy = wz * px
        qz = wx * py - wy * px
        u = math.atan2(rx * qx + ry * qy + rz * qz, rx * px + ry * py)  # argument of latitude
        if ecc >= CIRCULAR_ECC:
            argp = _wrap(math.atan2(ex * qx + ey * qy + ez * qz, ex * px + ey * py))
        else:
            argp = 0.0
        nu = _wrap(u - argp)
        if ecc >= 1.0 and nu > math.pi:
            nu -= TWO_PI
        out[3, i] = inc
        out[4, i] = raan
        out[5, i] = argp
        out[6, i] = nu


@kernel
def coe2rv_kernel(p, ecc, inc, raan, argp, nu, mu, r, v):
    nan = np.nan
    for i in range(mu.shape[0]):
        e = ecc[i]
        if not (
            math.isfinite(p[i]) and math.isfinite(e) and math.isfinite(inc[i]) and math.isfinite(raan[i])
            and math.isfinite(argp[i]) and math.isfinite(nu[i]) and math.isfinite(mu[i])
        ):
            r[i, 0] = r[i, 1] = r[i, 2] = v[i, 0] = v[i, 1] = v[i, 2] = nan
            continue
        cn, sn = math.cos(nu[i]), math.sin(nu[i])
        rad = p[i] / (1.0 + e * cn)
        sp = math.sqrt(mu[i] / p[i])
        # Perifocal (PQW) state, then rotated by R3(-raan) R1(-inc) R3(-argp) (Vallado Algorithm 10).
        xr, yr = rad * cn, rad * sn
        xv, yv = -sp * sn, sp * (e + cn)
        co, so = math.cos(raan[i]), math.sin(raan[i])
        ci, si = math.cos(inc[i]), math.sin(inc[i])
        cw, sw = math.cos(argp[i]), math.sin(argp[i])
        px, py, pz = co * cw - so * sw * ci, so * cw + co * sw * ci, sw * si
        qx, qy, qz = -co * sw - so * cw * ci, -so * sw + co * cw * ci, cw * si
        r[i, 0], r[i, 1], r[i, 2] = xr * px + yr * qx, xr * py + yr * qy, xr * pz + yr * qz
        v[i, 0], v[i, 1], v[i, 2] = xv * px + yv * qx, xv * py + yv * qy, xv * pz + yv * qz


