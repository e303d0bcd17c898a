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

import numpy as np

from .core.jit import PARALLEL_MIN
from .core.kepler import (CIRCULAR_ECC, EQUATORIAL_SIN_INC, PARABOLIC_ECC, TWO_PI,  # noqa: F401
                          coe2rv_kernel, propagate_parallel, propagate_serial, rv2coe_kernel)
from .errors import TianwenError

__all__ = ["Elements", "propagate", "rv2coe", "coe2rv"]



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
    kernel = propagate_parallel if n >= PARALLEL_MIN else propagate_serial
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
    rv2coe_kernel(_flat(r, shape, n, True), _flat(v, shape, n, True), _flat(mu, shape, n), out)
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
    coe2rv_kernel(*flat, r, v)
    return r.reshape(shape + (3,)), v.reshape(shape + (3,))
