"""Chebyshev series: the one evaluation of position and velocity from coefficients, and the SPK kernels on it.

A record holds, for each of the three components, coefficients ``c_0 .. c_{N-1}`` (lowest degree first) of
``x(s) = sum_n c_n T_n(s)`` on the normalised time ``s`` in [-1, 1]. :func:`series_state` gives ``x(s)`` and
``dx/ds`` by the three-term recurrences ``T_{n+1} = 2 s T_n - T_{n-1}`` and
``T'_{n+1} = 2 T_n + 2 s T'_{n} - T'_{n-1}`` (the form of jplephem and of the JPL ``PLEPH`` reader); the caller
turns ``dx/ds`` into a velocity by its own factor ``2 / record length``. Two users:

* JPL SPK type-2 segments (:mod:`tianwen.ephemeris`): :func:`spk_states_serial` / :func:`spk_states_parallel`
  evaluate one segment at whole arrays of two-part TDB Julian dates;
* the n-body model's fitted tables (:mod:`tianwen.core.nbody`), which also use :func:`series_position`,
  Clenshaw's recurrence for the position alone (the right-hand side needs no velocity, and Clenshaw's sum
  costs one multiply-add per coefficient instead of two).
"""

from __future__ import annotations

import numpy as np

from .jit import kernel, prange


@kernel(inline="always")
def _series_one(coef, c, s):
    """Value and s-derivative of series ``c`` of one record ``coef`` (3, N) at ``s`` (N >= 2)."""
    t0, t1 = 1.0, s
    d0, d1 = 0.0, 1.0
    p = coef[c, 0] + coef[c, 1] * s
    v = coef[c, 1]
    for n in range(2, coef.shape[1]):
        t2 = 2.0 * s * t1 - t0
        d2 = 2.0 * t1 + 2.0 * s * d1 - d0
        p += coef[c, n] * t2
        v += coef[c, n] * d2
        t0, t1 = t1, t2
        d0, d1 = d1, d2
    return p, v


@kernel(inline="always")
def series_state(coef, s):
    """Value and s-derivative of the three series of one record ``coef`` (3, N) at ``s`` (N >= 2).

    Returns ``(x, y, z, dx/ds, dy/ds, dz/ds)``.
    """
    px, dx = _series_one(coef, 0, s)
    py, dy = _series_one(coef, 1, s)
    pz, dz = _series_one(coef, 2, s)
    return px, py, pz, dx, dy, dz


@kernel(inline="always")
def series_position(coef, s):
    """Value of the three series of one record ``coef`` (3, N) at ``s`` by Clenshaw's recurrence, as a tuple."""
    s2 = 2.0 * s
    ncoef = coef.shape[1]
    bx1 = by1 = bz1 = 0.0
    bx2 = by2 = bz2 = 0.0
    for j in range(ncoef - 1, 0, -1):
        tx = s2 * bx1 - bx2 + coef[0, j]
        ty = s2 * by1 - by2 + coef[1, j]
        tz = s2 * bz1 - bz2 + coef[2, j]
        bx2, by2, bz2 = bx1, by1, bz1
        bx1, by1, bz1 = tx, ty, tz
    return s * bx1 - bx2 + coef[0, 0], s * by1 - by2 + coef[1, 0], s * bz1 - bz2 + coef[2, 0]


@kernel(inline="always")
def _spk_add(coef, init_jd, intlen_d, jd1, jd2, sign, r_out, v_out, i):
    """Add ``sign`` x (position km, velocity km/s) of one SPK type-2 segment at epoch ``i`` into the outputs.

    ``coef`` has shape (records, 3, n_coefficients), lowest degree first; epochs are TDB ``jd1 + jd2``. The
    record and the offset in it come from day differences taken before any fraction is added
    (``jd1 - init_jd`` is exact), so the time argument keeps ~1e-10 s precision anywhere in the span.
    """
    nrec = coef.shape[0]
    whole = jd1[i] - init_jd
    k = int(np.floor((whole + jd2[i]) / intlen_d))
    if k >= nrec:
        k = nrec - 1
    if k < 0:
        k = 0
    offset = (whole - k * intlen_d) + jd2[i]
    s = 2.0 * offset / intlen_d - 1.0
    scale = 2.0 / (intlen_d * 86400.0)
    px, py, pz, dx, dy, dz = series_state(coef[k], s)
    r_out[i, 0] += sign * px
    r_out[i, 1] += sign * py
    r_out[i, 2] += sign * pz
    v_out[i, 0] += sign * dx * scale
    v_out[i, 1] += sign * dy * scale
    v_out[i, 2] += sign * dz * scale


@kernel
def spk_states_serial(coef, init_jd, intlen_d, jd1, jd2, sign, r_out, v_out):
    """Add ``sign`` x the states of one SPK type-2 segment at TDB epochs ``jd1 + jd2`` into ``r_out, v_out``
    (n, 3); one thread."""
    for i in range(jd1.shape[0]):
        _spk_add(coef, init_jd, intlen_d, jd1, jd2, sign, r_out, v_out, i)


@kernel(parallel=True)
def spk_states_parallel(coef, init_jd, intlen_d, jd1, jd2, sign, r_out, v_out):
    """:func:`spk_states_serial` on all cores (numba.prange)."""
    for i in prange(jd1.shape[0]):
        _spk_add(coef, init_jd, intlen_d, jd1, jd2, sign, r_out, v_out, i)
