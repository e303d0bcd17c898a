"""Two-body Kepler motion: propagation of a state by a time of flight, and Cartesian <-> classical elements.

Units are km, km/s, s and rad throughout (``mu`` in km^3/s^2). Every function takes arrays and broadcasts
like NumPy: one state and a thousand times, or a thousand states and one time, in one call.

* :func:`propagate` solves Kepler's problem with the universal variable chi (Stumpff functions c2, c3 and
  the Lagrange coefficients f, g, fdot, gdot): Vallado, *Fundamentals of Astrodynamics and Applications*,
  4th ed. (2013), sec. 2.3 and Algorithm 8 (KEPLER); Curtis, *Orbital Mechanics for Engineering Students*,
  3rd ed. (2014), sec. 3.7 and Algorithms 3.3-3.4. One formulation covers ellipses, parabolas and
  hyperbolas, forward and backward in time. Departures from the textbook algorithm, for robustness:

  - for ellipses the time of flight is first reduced modulo the period to ``|dt| <= T/2``, so that any
    number of revolutions costs the same and chi stays within one revolution;
  - the universal Kepler equation ``F(chi) = sqrt(mu) dt``, whose derivative is ``r(chi) > 0``, is solved
    by Newton's method inside a bracket that always holds the root (bisection when a Newton step leaves
    it), to a relative step of 4 ulp: about 1e-15 in chi and ~1e-14 relative in the state;
  - g is evaluated as ``chi (sigma0 chi c2 + r0 (1 - psi c3)) / sqrt(mu)``, algebraically equal to
    Vallado's ``dt - chi^3 c3 / sqrt(mu)`` but free of its cancellation near half a period.

* :func:`rv2coe` and :func:`coe2rv` convert between a state and the classical elements (Vallado
  Algorithms 9 RV2COE and 10 COE2RV; Curtis Algorithms 4.2 and 4.5).

Conventions of :func:`rv2coe` (the classical elements are singular on circular and equatorial orbits):

* all angles lie in ``[0, 2 pi)``, except the true anomaly of an open orbit (``ecc >= 1``), which lies in
  ``(-pi, pi]`` so that the incoming branch has ``nu < 0``;
* **equatorial** (``sin inc < 1e-14``): ``raan = 0`` and the line of nodes is taken as the x axis, so
  ``argp`` is the longitude of periapsis, measured from +x in the direction of motion;
* **circular** (``ecc < 1e-14``): ``argp = 0`` and ``nu`` is the argument of latitude (the angle from the
  ascending node, or from +x if the orbit is also equatorial, in the direction of motion);
* **parabolic** (``|1 - ecc| < 1e-12``): ``a = inf``; otherwise ``a = 1 / (2/r - v^2/mu)``, negative for a
  hyperbola;
* **rectilinear** (zero angular momentum): ``p = 0``, ``ecc = 1``, ``a`` from the energy, and the four angles NaN.

:func:`coe2rv` accepts exactly these conventions back, so ``coe2rv(*rv2coe(r, v, mu), mu)`` returns the state.

Non-finite inputs give NaN outputs (never an exception inside the compiled kernels); bad arguments (``mu <= 0``,
wrong shapes, ``p <= 0`` ...) raise :class:`tianwen.errors.TianwenError` at the Python edge.

>>> import numpy as np
>>> r, v = propagate([1131.340, -2282.343, 6672.423], [-5.64305, 4.30333, 2.42879], 40 * 60.0, 398600.4418)
>>> np.round(r, 4)   # Vallado (2013) Example 2-4 prints -4219.7527, 4363.0292, -3958.7666 km
array([-4219.7527,  4363.0292, -3958.7666])
>>> el = rv2coe([6524.834, 6862.875, 6448.296], [4.901327, 5.533756, -1.976341], 398600.4418)
>>> round(float(el.ecc), 6), round(float(np.degrees(el.nu)), 3)   # Vallado Example 2-5 prints 0.832853, 92.335 deg
(0.832853, 92.335)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from .errors import TianwenError

__all__ = ["Elements", "propagate", "rv2coe", "coe2rv"]

TWO_PI = 2.0 * math.pi
CIRCULAR_ECC = 1e-14  # ecc below this: circular convention (argp = 0)
EQUATORIAL_SIN_INC = 1e-14  # sin(inc) below this: equatorial convention (raan = 0)
PARABOLIC_ECC = 1e-12  # |1 - ecc| below this: a = inf
_PARALLEL_MIN = 4096  # batches at least this large run on all cores (numba.prange)
_EPS = 2.220446049250313e-16
_MAX_ITER = 100

_jit = dict(cache=True, nogil=True, error_model="numpy")


class Elements(NamedTuple):
    """Classical orbital elements, each an array of the batch shape (km and rad)."""

    p: np.ndarray  #: semi-latus rectum, km
    a: np.ndarray  #: semi-major axis, km (inf for a parabola, negative for a hyperbola)
    ecc: np.ndarray  #: eccentricity
    inc: np.ndarray  #: inclination, rad in [0, pi]
    raan: np.ndarray  #: right ascension of the ascending node, rad in [0, 2 pi)
    argp: np.ndarray  #: argument of periapsis, rad in [0, 2 pi)
    nu: np.ndarray  #: true anomaly, rad in [0, 2 pi) (ellipse) or (-pi, pi] (ecc >= 1)


# ----------------------------------------------------------------------------------------------------------------
# Compiled kernels
# ----------------------------------------------------------------------------------------------------------------


@numba.njit(**_jit)
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


@numba.njit(**_jit)
def _universal(chi, alpha, r0, sigma0, target):
    """Residual F(chi) of the universal Kepler equation and its derivative dF/dchi = r(chi) (Vallado sec. 2.3)."""
    chi2 = chi * chi
    psi = alpha * chi2
    c2, c3 = _stumpff(psi)
    fval = sigma0 * chi2 * c2 + (1.0 - alpha * r0) * chi2 * chi * c3 + r0 * chi - target
    r = chi2 * c2 + sigma0 * chi * (1.0 - psi * c3) + r0 * (1.0 - psi * c2)
    return fval, r


@numba.njit(**_jit)
def _propagate_one(rx, ry, rz, vx, vy, vz, dt, mu):
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


@numba.njit(**_jit)
def _propagate_serial(r0, v0, dt, mu, r, v):
    for i in range(dt.shape[0]):
        r[i, 0], r[i, 1], r[i, 2], v[i, 0], v[i, 1], v[i, 2] = _propagate_one(
            r0[i, 0], r0[i, 1], r0[i, 2], v0[i, 0], v0[i, 1], v0[i, 2], dt[i], mu[i]
        )


@numba.njit(parallel=True, **_jit)
def _propagate_parallel(r0, v0, dt, mu, r, v):
    for i in numba.prange(dt.shape[0]):
        r[i, 0], r[i, 1], r[i, 2], v[i, 0], v[i, 1], v[i, 2] = _propagate_one(
            r0[i, 0], r0[i, 1], r0[i, 2], v0[i, 0], v0[i, 1], v0[i, 2], dt[i], mu[i]
        )


@numba.njit(**_jit)
def _wrap(angle):
    """Angle folded into [0, 2 pi)."""
    a = angle % TWO_PI
    return 0.0 if a >= TWO_PI else a


@numba.njit(**_jit)
def _rv2coe_kernel(r, v, mu, out):
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


@numba.njit(**_jit)
def _coe2rv_kernel(p, ecc, inc, raan, argp, nu, mu, r, v):
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


# ----------------------------------------------------------------------------------------------------------------
# Python edge: validation and broadcasting
# ----------------------------------------------------------------------------------------------------------------


def _vectors(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim == 0 or a.shape[-1] != 3:
        raise TianwenError(f"{name} has shape {a.shape}; a Cartesian vector array needs shape (..., 3)")
    return a


def _mu(mu) -> np.ndarray:
    m = np.asarray(mu, dtype=float)
    bad = m <= 0.0
    if np.any(bad):
        raise TianwenError(
            f"mu = {float(m[bad].flat[0])!r} km^3/s^2 is not positive; pass the central body's GM "
            "(e.g. 398600.4418 for Earth, 132712440018 for the Sun)"
        )
    return m


def _broadcast(shapes, names):
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        desc = ", ".join(f"{n} {s}" for n, s in zip(names, shapes))
        raise TianwenError(f"shapes do not broadcast: {desc}") from None
    return shape


def _flat(a, shape, n, vector=False):
    """``a`` broadcast to ``shape`` (+ (3,)) as a C-contiguous float array of n rows, for the kernels."""
    full = shape + (3,) if vector else shape
    if a.shape != full:
        a = np.broadcast_to(a, full)
    # C-contiguous and writeable, so that the kernels see one array type (a read-only array would compile anew)
    return np.require(a, requirements="CW").reshape((n, 3) if vector else (n,))


def propagate(r0, v0, dt, mu):
    """Position and velocity ``dt`` seconds after the state (``r0`` km, ``v0`` km/s) on a two-body orbit.

    ``r0`` and ``v0`` have shape ``(..., 3)``; ``dt`` (s, any sign) and ``mu`` (km^3/s^2) broadcast against
    their leading shape. Returns ``(r, v)``, each of shape ``broadcast + (3,)``. Elliptic, parabolic and
    hyperbolic orbits, any number of revolutions; relative accuracy ~1e-14 for well-conditioned arcs.
    Non-finite inputs give NaN in the matching outputs.

    >>> r, v = propagate([7000.0, -12124.0, 0.0], [2.6679, 4.6210, 0.0], 3600.0, 398600.0)
    >>> np.round(r, 1)   # Curtis (2014) Example 3.7 prints -3297.8 i + 7413.4 j km
    array([-3297.8,  7413.4,     0. ])
    >>> propagate([7000.0, 0, 0], [0, 7.5, 0], np.linspace(0.0, 86400.0, 1000), 398600.4418)[0].shape
    (1000, 3)
    """
    r0 = _vectors(r0, "r0")
    v0 = _vectors(v0, "v0")
    dt = np.asarray(dt, dtype=float)
    mu = _mu(mu)
    shape = _broadcast((r0.shape[:-1], v0.shape[:-1], dt.shape, mu.shape), ("r0[..., 0]", "v0[..., 0]", "dt", "mu"))
    n = math.prod(shape)
    r = np.empty((n, 3))
    v = np.empty((n, 3))
    kernel = _propagate_parallel if n >= _PARALLEL_MIN else _propagate_serial
    kernel(_flat(r0, shape, n, True), _flat(v0, shape, n, True), _flat(dt, shape, n), _flat(mu, shape, n), r, v)
    return r.reshape(shape + (3,)), v.reshape(shape + (3,))


def rv2coe(r, v, mu) -> Elements:
    """Classical elements (p, a, ecc, inc, raan, argp, nu) of the state ``r`` (km), ``v`` (km/s).

    ``r`` and ``v`` have shape ``(..., 3)``; ``mu`` broadcasts. Each returned field has the broadcast leading
    shape. See the module docstring for the circular, equatorial, parabolic and rectilinear conventions.
    """
    r = _vectors(r, "r")
    v = _vectors(v, "v")
    mu = _mu(mu)
    shape = _broadcast((r.shape[:-1], v.shape[:-1], mu.shape), ("r[..., 0]", "v[..., 0]", "mu"))
    n = math.prod(shape)
    out = np.empty((7, n))
    _rv2coe_kernel(_flat(r, shape, n, True), _flat(v, shape, n, True), _flat(mu, shape, n), out)
    return Elements(*(out[k].reshape(shape) for k in range(7)))


def coe2rv(p, ecc, inc, raan, argp, nu, mu):
    """Position (km) and velocity (km/s) from classical elements (p km, angles rad): inverse of :func:`rv2coe`.

    All seven arguments broadcast; returns ``(r, v)`` of shape ``broadcast + (3,)``. Raises
    :class:`TianwenError` for ``p <= 0``, ``ecc < 0``, ``mu <= 0``, or a true anomaly beyond the asymptotes of a
    hyperbola (``1 + ecc cos nu <= 0``). NaN elements give NaN states.
    """
    args = [np.asarray(x, dtype=float) for x in (p, ecc, inc, raan, argp, nu)]
    args.append(_mu(mu))
    names = ("p", "ecc", "inc", "raan", "argp", "nu", "mu")
    shape = _broadcast([a.shape for a in args], names)
    n = math.prod(shape)
    flat = [_flat(a, shape, n) for a in args]
    p_, e_, nu_ = flat[0], flat[1], flat[5]
    with np.errstate(invalid="ignore"):  # non-finite elements are not errors: they give NaN states
        bad_p = np.isfinite(p_) & (p_ <= 0.0)
        bad_e = np.isfinite(e_) & (e_ < 0.0)
        beyond = np.isfinite(p_) & np.isfinite(e_) & np.isfinite(nu_) & (1.0 + e_ * np.cos(nu_) <= 0.0)
    if np.any(bad_p):
        raise TianwenError(f"p = {float(p_[bad_p][0])!r} km is not positive; the semi-latus rectum must be > 0")
    if np.any(bad_e):
        raise TianwenError(f"ecc = {float(e_[bad_e][0])!r} is negative; eccentricity must be >= 0")
    if np.any(beyond):
        i = np.flatnonzero(beyond)[0]
        e = float(e_[i])
        raise TianwenError(
            f"nu = {float(nu_[i])!r} rad is beyond the asymptotes of the ecc = {e!r} orbit; "
            f"|nu| must be < arccos(-1/ecc) = {math.acos(-1.0 / e):.6f} rad"
        )
    r = np.empty((n, 3))
    v = np.empty((n, 3))
    _coe2rv_kernel(*flat, r, v)
    return r.reshape(shape + (3,)), v.reshape(shape + (3,))
