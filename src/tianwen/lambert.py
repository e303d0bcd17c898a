"""Lambert's problem: the conic from r1 to r2 in a given time of flight, batched and compiled.

Primary solver: D. Izzo, "Revisiting Lambert's problem", Celestial Mechanics and Dynamical Astronomy 121,
1–15 (2015). The problem is reduced to one parameter ``lambda`` (Izzo eq. 5–7) and the non-dimensional time
``T = sqrt(2 mu / s^3) tof``; the Lancaster–Blanchard variable ``x`` is found by Householder's third-order
iteration on ``T(x)`` (eq. 18–22) from Izzo's starting guesses (eq. 30 and the multi-revolution ones of
section 4), with ``T(x)`` from Lagrange's form near ``x = 1``, Battin's hypergeometric series right at it,
and Lancaster's closed form elsewhere (section 3; the lock-step block kernel keeps Lancaster's form near
``x = 1`` for multi-revolution problems, where it does not cancel: :mod:`tianwen.core.lambert_block`). Velocities follow from eq. 9–10 (Gooding's recovery).

Second, independent solver (``method="gooding"``): R. H. Gooding, "A procedure for the solution of
Lambert's orbital boundary-value problem", Celest. Mech. Dyn. Astron. 48, 145–165 (1990), in
:mod:`tianwen.gooding`.

Conventions
-----------
* ``prograde=True``: the transfer's angular momentum has a positive z component (counter-clockwise seen
  from the +z pole of the frame, i.e. the planets' sense in ICRF or ecliptic frames). When (r1 x r2)_z is
  exactly zero (a transfer plane containing the z axis) both senses have zero h_z: prograde then means the
  short way, as if (r1 x r2)_z were positive.
* ``revs = N`` complete revolutions. For ``N > 0`` there are two solutions, on either side of the
  minimum-time point ``x_Tmin`` of ``T(x)`` (Izzo 2015, Fig. 3): ``branch="left"`` is the one with the
  smaller ``x`` (longer semi-major axis side towards ``x = -1``), ``branch="right"`` the larger ``x``.
* ``status``: 0 solved; 1 no solution with N revolutions (time of flight below the minimum); 2 degenerate
  geometry (r1, r2 collinear to 1e-12: the transfer plane is undefined at 0 or 180 degrees); 3 invalid input
  (time of flight <= 0 or not finite, zero or non-finite radius); 4 iteration did not converge. Any
  non-zero status comes with NaN velocities, never a guessed vector.
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

from .bodies import GM_SUN
from .core.lambert_izzo import (COLLINEAR_TOL, DEGENERATE, INVALID, NO_SOLUTION, NOT_CONVERGED, OK,  # noqa: F401
                                STATUS_MEANING, izzo, izzo_parallel, izzo_serial, nmax_batch)
from .core.jit import PARALLEL_MIN
from .core.lambert_block import izzo_block_parallel, izzo_block_serial
from .core.lambert_gooding import gooding_batch
from .errors import TianwenError

# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------

#: Batches at least this large are spread over all cores.
PARALLEL_THRESHOLD = PARALLEL_MIN


#: Transfers within this many radians of 0, 180 or 360 degrees (sine of the transfer angle below it) are flagged
#: ``ill_conditioned``: the transfer plane is nearly undefined there, so the velocities move by a relative
#: ``expected_error`` (about 2e-16 / sin(angle): the spread of Izzo's and Gooding's answers, measured on random
#: 3-D geometries from 1e-4 to 1e-11 rad) for a last-bit change of the inputs.
ILL_CONDITIONED_SIN = 1e-6
_ERROR_PER_INVERSE_SIN = 2e-16


class LambertResult(tuple):
    """``(v1, v2)`` in km/s, with ``.status`` (int8 array, 0 = solved; see :data:`STATUS_MEANING`),
    ``.ill_conditioned`` (bool array: solved, but within :data:`ILL_CONDITIONED_SIN` rad of 0/180/360 deg) and
    ``.expected_error`` (the velocities' expected relative error from the geometry's conditioning). The last two
    are computed when first read, so a batch that does not ask for them costs nothing more."""

    status: np.ndarray

    def __new__(cls, v1, v2, status, r1=None, r2=None):
        self = super().__new__(cls, (v1, v2))
        self.status = status
        self._r = (r1, r2)
        self._sin = None
        return self

    def _sin_angle(self) -> np.ndarray:
        if self._sin is None:
            a, b = self._r
            if a is None:
                self._sin = np.ones(np.shape(self.status))
            else:
                sin = np.linalg.norm(np.cross(a, b), axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
                self._sin = sin.reshape(np.shape(self.status))
        return self._sin

    @property
    def v1(self) -> np.ndarray:
        return self[0]

    @property
    def v2(self) -> np.ndarray:
        return self[1]

    @property
    def expected_error(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.where(self.status == OK, np.maximum(_ERROR_PER_INVERSE_SIN / self._sin_angle(), 1e-15), np.nan)

    @property
    def ill_conditioned(self) -> np.ndarray:
        return (self.status == OK) & (self._sin_angle() < ILL_CONDITIONED_SIN)

#: Largest revolution count accepted: far beyond any real transfer (a 1000-revolution heliocentric arc is
#: centuries long), and small enough that the kernels' integer arithmetic cannot overflow.
MAX_REVS = 100_000


def check_options(mu, revs, branch, prograde) -> tuple[float, int, bool, bool]:
    """Validate the scalar options of a Lambert call; returns ``(mu, revs, right, prograde)`` as plain types.

    ``prograde`` must be a bool (a string such as ``"False"`` is refused, not taken as true); ``revs`` a whole
    number from 0 to :data:`MAX_REVS`; ``branch`` ``"left"`` or ``"right"``; ``mu`` a positive finite number.
    """
    try:
        mu = float(mu)
    except (TypeError, ValueError):
        raise TianwenError(f"mu = {mu!r} km^3/s^2 must be a positive finite number") from None
    if not (math.isfinite(mu) and mu > 0.0):
        raise TianwenError(f"mu = {mu!r} km^3/s^2 must be a positive finite number")
    if isinstance(revs, (bool, np.bool_)) or not isinstance(revs, numbers.Integral) or not 0 <= revs <= MAX_REVS:
        raise TianwenError(f"revs = {revs!r} must be a whole number of revolutions from 0 to {MAX_REVS}")
    if branch not in ("left", "right"):
        raise TianwenError(f"branch = {branch!r}; use 'left' or 'right'")
    if not isinstance(prograde, (bool, np.bool_)):
        raise TianwenError(f"prograde = {prograde!r} must be True or False")
    return mu, int(revs), branch == "right", bool(prograde)


def _broadcast(r1, r2, tof):
    r1 = np.asarray(r1, dtype=float)
    r2 = np.asarray(r2, dtype=float)
    tof = np.asarray(tof, dtype=float)
    if r1.shape[-1:] != (3,) or r2.shape[-1:] != (3,):
        raise TianwenError(f"r1 and r2 must have shape (..., 3); got {r1.shape} and {r2.shape}")
    try:
        shape = np.broadcast_shapes(r1.shape[:-1], r2.shape[:-1], tof.shape)
    except ValueError:
        raise TianwenError(f"shapes do not broadcast: r1 {r1.shape}, r2 {r2.shape}, tof {tof.shape}") from None
    flat = lambda a, tail: np.ascontiguousarray(np.broadcast_to(a, shape + tail).reshape((-1,) + tail))
    return flat(r1, (3,)), flat(r2, (3,)), flat(tof, ()), shape


#: Which Izzo kernel solves a batch: the lock-step blocks of :mod:`tianwen.core.lambert_block` (several times
#: faster on a batch) or the one-problem-at-a-time kernel (the tested fallback); the same answers to 1e-12.
#: ``TIANWEN_LAMBERT_KERNEL=scalar`` or ``=block`` forces one. By default, batches of fewer than
#: :data:`BLOCK_MIN` problems take the scalar kernel (a block gains nothing there), and larger ones the block
#: kernel once it is compiled: it takes ~18 s of CPU to compile (the porkchop grid's, ~28 s), so the first batches of a fresh install
#: take the scalar kernel while a second process compiles it (:mod:`tianwen.warm`).
KERNEL_ENV = "TIANWEN_LAMBERT_KERNEL"
BLOCK_MIN = 64


def use_block_kernel(n: int, task: str = "lambert-block") -> bool:
    """Whether a batch of ``n`` problems goes to the lock-step block kernel (see :data:`KERNEL_ENV`)."""
    from .warm import compiled_or_started

    forced = os.environ.get(KERNEL_ENV, "")
    if forced in ("scalar", "block"):
        return forced == "block"
    return n >= BLOCK_MIN and compiled_or_started(task)


def _solve_izzo(r1, r2, tof, mu, revs, prograde, right, v1, v2, status, parallel):
    par = tof.shape[0] >= PARALLEL_THRESHOLD if parallel is None else parallel
    if use_block_kernel(tof.shape[0]):
        kernel = izzo_block_parallel if par else izzo_block_serial
    else:
        kernel = izzo_parallel if par else izzo_serial
    kernel(r1, r2, tof, mu, revs, prograde, right, v1, v2, status)


def warm_up_block() -> None:
    """Compile (or load) the block kernels for the argument types :func:`lambert` passes: one serial batch and one
    parallel batch (run by ``python -m tianwen.warm lambert-block`` with the block kernel forced)."""
    for n in (BLOCK_MIN, PARALLEL_THRESHOLD):
        k = np.arange(n, dtype=float)
        r1 = np.stack([np.cos(k), np.sin(k), np.zeros(n)], axis=-1)
        lambert(r1, 1.5 * r1[::-1], 1.0 + k / n, mu=1.0)


def _solve_gooding(r1, r2, tof, mu, revs, prograde, right, v1, v2, status, parallel):
    n = tof.shape[0]
    ro = lambda a, dtype=np.float64: _flat_readonly(np.asarray(a, dtype=dtype), a.shape, a.shape)  # noqa: E731
    gooding_batch(ro(r1), ro(r2), ro(tof), ro(np.full(n, mu)), ro(np.full(n, revs, dtype=np.int64), np.int64),
                  ro(np.full(n, prograde), np.bool_), right, v1, v2, status)


#: Every Lambert solver, by name: one signature (flat (n, 3) positions, (n,) times, scalar options, output
#: arrays filled in place), so one parametrised test and one benchmark cover them all.
SOLVERS = {
    "izzo": _solve_izzo,        # D. Izzo, Celest. Mech. Dyn. Astron. 121, 1-15 (2015)
    "gooding": _solve_gooding,  # R. H. Gooding, Celest. Mech. Dyn. Astron. 48, 145-165 (1990)
}


def lambert(r1, r2, tof, *, mu: float = GM_SUN, revs: int = 0, prograde: bool = True, branch: str = "left",
            method: str = "izzo", parallel: bool | None = None) -> LambertResult:
    """Velocities at r1 and r2 of the conic joining them in ``tof`` seconds.

    Parameters
    ----------
    r1, r2 : array (..., 3), km — position vectors (broadcast together with ``tof``).
    tof : array (...), s — time of flight.
    mu : float, km^3/s^2 — gravitational parameter (default: the Sun's, DE421).
    revs : int — complete revolutions N; ``branch`` picks one of the two N > 0 solutions.
    prograde : bool — angular momentum along +z (see module conventions).
    branch : "left" | "right" — smaller- or larger-``x`` solution for ``revs > 0`` (ignored for 0).
    method : a name in :data:`SOLVERS`: "izzo" (default, Izzo 2015) | "gooding" (Gooding 1990).
    parallel : bool — spread over all cores; default: for batches of 4096 or more.

    Returns
    -------
    LambertResult ``(v1, v2)`` (km/s, shape ``broadcast + (3,)``) with ``.status``; NaN wherever status != 0.

    >>> v1, v2 = lambert([5000.0, 10000.0, 2100.0], [-14600.0, 2500.0, 7000.0], 3600.0, mu=398600.0)
    >>> np.round(v1, 4)   # Curtis, Orbital Mechanics for Engineering Students, Example 5.2
    array([-5.9925,  1.9254,  3.2456])
    """
    mu, revs, right, prograde = check_options(mu, revs, branch, prograde)
    if method not in SOLVERS:
        raise TianwenError(f"unknown Lambert method {method!r}; use one of {', '.join(map(repr, SOLVERS))}")
    a, b, t, shape = _broadcast(r1, r2, tof)
    n = t.shape[0]
    v1 = np.empty((n, 3))
    v2 = np.empty((n, 3))
    status = np.empty(n, dtype=np.int8)
    SOLVERS[method](a, b, t, mu, revs, prograde, right, v1, v2, status, parallel)
    if method == "izzo" and (status == NOT_CONVERGED).any():
        # Izzo's iteration can stall where Gooding's converges (e.g. times of flight below ~1e-8 of the
        # non-dimensional scale): re-solve exactly those problems with the second solver.
        k = np.flatnonzero(status == NOT_CONVERGED)
        g1, g2, gs = np.empty((k.size, 3)), np.empty((k.size, 3)), np.empty(k.size, dtype=np.int8)
        _solve_gooding(a[k], b[k], t[k], mu, revs, prograde, right, g1, g2, gs, None)
        # Keep a fallback answer only where two-body propagation confirms it lands on r2 (1e-8 relative):
        # near-rectilinear arcs through the attractor stay flagged rather than guessed.
        from .core.kepler import propagate_serial

        rr, vv = np.empty((k.size, 3)), np.empty((k.size, 3))
        propagate_serial(a[k], np.where(np.isfinite(g1), g1, 0.0), t[k], np.full(k.size, mu), rr, vv)
        scale = np.maximum(np.linalg.norm(a[k], axis=1), np.linalg.norm(b[k], axis=1))
        good = (gs == OK) & (np.linalg.norm(rr - b[k], axis=1) <= 1e-8 * scale)
        v1[k[good]], v2[k[good]], status[k[good]] = g1[good], g2[good], OK
    return LambertResult(v1.reshape(shape + (3,)), v2.reshape(shape + (3,)), status.reshape(shape), a, b)


def max_revs(r1, r2, tof, *, mu: float = GM_SUN, prograde: bool = True) -> np.ndarray:
    """Largest number of complete revolutions with a solution, per problem (-1 for invalid input)."""
    mu, _, _, prograde = check_options(mu, 0, "left", prograde)
    a, b, t, shape = _broadcast(r1, r2, tof)
    if not prograde:  # reversing the sense swaps the short and long way: mirror z of the cross product
        a = a * np.array([1.0, -1.0, 1.0])
        b = b * np.array([1.0, -1.0, 1.0])
    out = np.empty(t.shape[0], dtype=np.int64)
    nmax_batch(a, b, t, mu, out)
    return out.reshape(shape)


def _flat_readonly(a, shape, flat_shape):
    """Broadcast, flatten to C order, and mark read-only, so that every call reaches the compiled loop with
    the same array types (Numba compiles read-only and writable arrays separately)."""
    out = np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(flat_shape)
    if out.flags.writeable:
        out.setflags(write=False)
    return out


def lambert_gooding(r1, r2, tof, *, mu, revs=0, prograde=True, branch="left"):
    """Solve Lambert's problem for arrays of problems by Gooding's (1990) method.

    Parameters
    ----------
    r1, r2 : array_like, shape (..., 3)
        Departure and arrival positions, km.
    tof : array_like, shape (...)
        Time of flight, s.
    mu : float or array_like, shape (...)
        Gravitational parameter, km^3/s^2.
    revs : int or array_like of int, shape (...)
        Complete revolutions ``N >= 0``.
    prograde : bool or array_like of bool, shape (...)
        ``True``: transfer angular momentum with ``h_z >= 0`` (see module docstring).
    branch : {"left", "right"}
        For ``revs > 0``: the root with the smaller (``"left"``) or larger (``"right"``)
        Lancaster-Blanchard ``x``. Ignored for ``revs = 0``.

    Returns
    -------
    v1, v2 : ndarray, shape (..., 3)
        Velocities at departure and arrival, km/s (NaN where ``status != 0``).
    status : ndarray of int8, shape (...)
        0 ok, 1 no solution for ``revs``, 2 collinear geometry, 3 invalid input, 4 not converged.

    All inputs broadcast against each other (``r1``, ``r2`` on their leading axes).
    """
    if branch not in ("left", "right"):
        raise TianwenError(f"branch={branch!r} is not a Lambert branch; use 'left' or 'right'")
    r1 = np.asarray(r1, dtype=np.float64)
    r2 = np.asarray(r2, dtype=np.float64)
    if r1.shape[-1:] != (3,) or r2.shape[-1:] != (3,):
        raise TianwenError(f"r1 and r2 must have shape (..., 3); got {r1.shape} and {r2.shape}")
    revs_arr = np.asarray(revs)
    if revs_arr.dtype.kind not in "iu":
        as_int = revs_arr.astype(np.int64)
        if revs_arr.dtype.kind != "f" or not np.array_equal(as_int, revs_arr):
            raise TianwenError(f"revs must be whole numbers of revolutions (0, 1, 2, ...); got {revs!r}")
        revs_arr = as_int
    tof_a = np.asarray(tof, dtype=np.float64)
    mu_a = np.asarray(mu, dtype=np.float64)
    pro_a = np.asarray(prograde, dtype=np.bool_)
    shape = np.broadcast_shapes(r1.shape[:-1], r2.shape[:-1], tof_a.shape, mu_a.shape, revs_arr.shape, pro_a.shape)
    n = int(np.prod(shape, dtype=np.int64))
    r1b = _flat_readonly(r1, shape + (3,), (n, 3))
    r2b = _flat_readonly(r2, shape + (3,), (n, 3))
    tofb = _flat_readonly(tof_a, shape, (n,))
    mub = _flat_readonly(mu_a, shape, (n,))
    revb = _flat_readonly(revs_arr.astype(np.int64), shape, (n,))
    prob = _flat_readonly(pro_a, shape, (n,))
    v1 = np.empty((n, 3))
    v2 = np.empty((n, 3))
    status = np.empty(n, dtype=np.int8)
    gooding_batch(r1b, r2b, tofb, mub, revb, prob, branch == "right", v1, v2, status)
    return v1.reshape(shape + (3,)), v2.reshape(shape + (3,)), status.reshape(shape)
