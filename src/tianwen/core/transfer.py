"""Transfer cells: one Lambert arc between two planet states and what a porkchop reads off it.

Used by :mod:`tianwen.porkchop` (grids and matched pairs) and :mod:`tianwen.survey` (departure x flight-time
lattices). Each cell returns (c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, transfer angle, type,
status), NaN where unsolved; angles in degrees, EME2000.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import fast_kernel, prange
from .lambert_block import (R1X, R1Y, R1Z, R2X, R2Y, R2Z, ROWS, ST, TOF, V1X, V1Y, V1Z, V2X, V2Y, V2Z, W,
                            solve_block)
from .lambert_izzo import izzo
from .vmath import vasin, vatan2


@fast_kernel(inline="always")
def _radec(x, y, z):
    n = math.sqrt(x * x + y * y + z * z)
    dec = math.degrees(math.asin(max(-1.0, min(1.0, z / n))))
    ra = math.degrees(math.atan2(y, x))
    if ra < 0.0:
        ra += 360.0
    return n, dec, ra


@fast_kernel(inline="always")
def cell_of_arc(r1x, r1y, r1z, vox, voy, voz, r2x, r2y, r2z, vtx, vty, vtz, v1x, v1y, v1z, v2x, v2y, v2z, revs,
                prograde):
    """What a porkchop reads off a solved arc: (c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, angle, type).

    (r1, vo): origin position and velocity at departure; (r2, vt): target's at arrival; (v1, v2): the arc's
    velocities at both ends; Sun-centred EME2000.
    """
    # Transfer angle in the direction of motion, and its type.
    crx = r1y * r2z - r1z * r2y
    cry = r1z * r2x - r1x * r2z
    crz = r1x * r2y - r1y * r2x
    theta = math.degrees(math.atan2(math.sqrt(crx * crx + cry * cry + crz * crz), r1x * r2x + r1y * r2y + r1z * r2z))
    if (crz < 0.0) == prograde:
        theta = 360.0 - theta
    n1, d1, a1 = _radec(v1x - vox, v1y - voy, v1z - voz)
    n2, d2, a2 = _radec(v2x - vtx, v2y - vty, v2z - vtz)
    return n1 * n1, n1, d1, a1, n2, d2, a2, theta, 2 * revs + (1 if theta < 180.0 else 2)


@fast_kernel(inline="always")
def cell(r1x, r1y, r1z, vox, voy, voz, r2x, r2y, r2z, vtx, vty, vtz, dt_days, mu, revs, prograde, right):
    """One transfer: (c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, angle, type, status); NaN if unsolved.

    (r1, vo): origin position and velocity at departure; (r2, vt): target's at arrival; Sun-centred EME2000.
    """
    nan = math.nan
    v1x, v1y, v1z, v2x, v2y, v2z, st = izzo(r1x, r1y, r1z, r2x, r2y, r2z, dt_days * 86400.0, mu,
                                                 revs, prograde, right)
    if st != 0:
        return nan, nan, nan, nan, nan, nan, nan, nan, 0, st
    c3, n1, d1, a1, n2, d2, a2, theta, ttype = cell_of_arc(r1x, r1y, r1z, vox, voy, voz, r2x, r2y, r2z, vtx, vty,
                                                           vtz, v1x, v1y, v1z, v2x, v2y, v2z, revs, prograde)
    return c3, n1, d1, a1, n2, d2, a2, theta, ttype, st


@fast_kernel
def grid_kernel_scalar(rd, vd, td, ra, va, ta, mu, revs, prograde, right,
                       c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, tof, angle, ttype, status):
    """:func:`grid_kernel` one cell at a time, on one core (the reference the block kernel is tested against, and
    what a cold start uses while the block kernel compiles: serial, it compiles in 4 s of CPU instead of 6)."""
    nd = rd.shape[0]
    na = ra.shape[0]
    for k in range(nd * na):
        i = k // na
        j = k - i * na
        dt = ta[j] - td[i]
        tof[i, j] = dt if dt > 0.0 else math.nan
        (c3[i, j], vinf_dep[i, j], dla[i, j], rla[i, j], vinf_arr[i, j], dla_arr[i, j], rla_arr[i, j],
         angle[i, j], ttype[i, j], status[i, j]) = cell(
            rd[i, 0], rd[i, 1], rd[i, 2], vd[i, 0], vd[i, 1], vd[i, 2], ra[j, 0], ra[j, 1], ra[j, 2],
            va[j, 0], va[j, 1], va[j, 2], dt, mu, revs, prograde, right)


@fast_kernel(inline="always")
def _pair(rd, vd, ra, va, dt, mu, revs, prograde, right, out, ttype, status, k):
    (out[k, 0], out[k, 1], out[k, 2], out[k, 3], out[k, 4], out[k, 5], out[k, 6], out[k, 7],
     ttype[k], status[k]) = cell(rd[k, 0], rd[k, 1], rd[k, 2], vd[k, 0], vd[k, 1], vd[k, 2],
                                  ra[k, 0], ra[k, 1], ra[k, 2], va[k, 0], va[k, 1], va[k, 2],
                                  dt[k], mu, revs, prograde, right)


@fast_kernel
def pairs_serial(rd, vd, ra, va, dt, mu, revs, prograde, right, out, ttype, status):
    for k in range(dt.shape[0]):
        _pair(rd, vd, ra, va, dt, mu, revs, prograde, right, out, ttype, status, k)


@fast_kernel(parallel=True)
def pairs_parallel(rd, vd, ra, va, dt, mu, revs, prograde, right, out, ttype, status):
    """Transfers for matched pairs k: departure state k, arrival state k, flight time dt[k] days.

    ``out[k]`` receives (c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, angle).
    """
    for k in prange(dt.shape[0]):
        _pair(rd, vd, ra, va, dt, mu, revs, prograde, right, out, ttype, status, k)


@fast_kernel(parallel=True)
def survey_kernel(rd, vd, ra, va, tof, mu, revs, prograde, right,
                   c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, angle, ttype, status):
    """Cell (i, j): departure state i, arrival state i + j (the arrival lattice), flight time tof[j] days."""
    nd = rd.shape[0]
    nt = tof.shape[0]
    for k in prange(nd * nt):
        i = k // nt
        j = k - i * nt
        m = i + j
        (c3[i, j], vinf_dep[i, j], dla[i, j], rla[i, j], vinf_arr[i, j], dla_arr[i, j], rla_arr[i, j],
         angle[i, j], ttype[i, j], status[i, j]) = cell(
            rd[i, 0], rd[i, 1], rd[i, 2], vd[i, 0], vd[i, 1], vd[i, 2], ra[m, 0], ra[m, 1], ra[m, 2],
            va[m, 0], va[m, 1], va[m, 2], tof[j], mu, revs, prograde, right)


# ---------------------------------------------------------------------------------------------------------
# The porkchop grid in lock-step blocks (see lambert_block): W arrivals of one departure row at a time
# ---------------------------------------------------------------------------------------------------------

# Extra scratch rows after lambert_block's: the planets' velocities and the cell's outputs.
(VOX, VOY, VOZ, VTX, VTY, VTZ, C3, N1, D1, A1, N2, D2, A2, ANG, TYP) = ((ROWS + i) * W for i in range(15))
GRID_ROWS = ROWS + 15
RAD2DEG = 180.0 / math.pi


@fast_kernel(inline="always")
def _radec_v(x, y, z):
    n = math.sqrt(x * x + y * y + z * z)
    q = z / n
    dec = vasin(-1.0 if q < -1.0 else (1.0 if q > 1.0 else q)) * RAD2DEG
    ra = vatan2(y, x) * RAD2DEG
    return n, dec, (ra + 360.0 if ra < 0.0 else ra)


@fast_kernel(inline="always")
def _cells_block(S, revs, prograde):
    """cell_of_arc for the W lanes of a solved block (vectorised); NaN and type 0 where unsolved."""
    nan = math.nan
    for k in range(W):
        r1x, r1y, r1z = S[R1X + k], S[R1Y + k], S[R1Z + k]
        r2x, r2y, r2z = S[R2X + k], S[R2Y + k], S[R2Z + k]
        crx = r1y * r2z - r1z * r2y
        cry = r1z * r2x - r1x * r2z
        crz = r1x * r2y - r1y * r2x
        theta = vatan2(math.sqrt(crx * crx + cry * cry + crz * crz), r1x * r2x + r1y * r2y + r1z * r2z) * RAD2DEG
        theta = 360.0 - theta if (crz < 0.0) == prograde else theta
        n1, d1, a1 = _radec_v(S[V1X + k] - S[VOX + k], S[V1Y + k] - S[VOY + k], S[V1Z + k] - S[VOZ + k])
        n2, d2, a2 = _radec_v(S[V2X + k] - S[VTX + k], S[V2Y + k] - S[VTY + k], S[V2Z + k] - S[VTZ + k])
        ok = S[ST + k] == 0.0
        S[C3 + k] = n1 * n1 if ok else nan
        S[N1 + k] = n1 if ok else nan
        S[D1 + k] = d1 if ok else nan
        S[A1 + k] = a1 if ok else nan
        S[N2 + k] = n2 if ok else nan
        S[D2 + k] = d2 if ok else nan
        S[A2 + k] = a2 if ok else nan
        S[ANG + k] = theta if ok else nan
        S[TYP + k] = (2.0 * revs + (1.0 if theta < 180.0 else 2.0)) if ok else 0.0


@fast_kernel(parallel=True)
def grid_kernel(rd, vd, td, ra, va, ta, mu, revs, prograde, right,
                c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, tof, angle, ttype, status):
    """Fill one chunk of rows: departures (rd, vd, td days) x arrivals (ra, va, ta days).

    Each row is solved W arrivals at a time by :func:`.lambert_block.solve_block`; the outputs may be float64
    or float32 arrays (the cells are computed in float64 either way). Same cells as :func:`grid_kernel_scalar`
    to rounding.
    """
    nd = rd.shape[0]
    na = ra.shape[0]
    for i in prange(nd):
        S = np.empty(GRID_ROWS * W)
        for b in range(0, na, W):
            n = min(W, na - b)
            for k in range(W):
                j = b + k if k < n else b  # a short last block repeats its first arrival
                S[R1X + k], S[R1Y + k], S[R1Z + k] = rd[i, 0], rd[i, 1], rd[i, 2]
                S[VOX + k], S[VOY + k], S[VOZ + k] = vd[i, 0], vd[i, 1], vd[i, 2]
                S[R2X + k], S[R2Y + k], S[R2Z + k] = ra[j, 0], ra[j, 1], ra[j, 2]
                S[VTX + k], S[VTY + k], S[VTZ + k] = va[j, 0], va[j, 1], va[j, 2]
                S[TOF + k] = (ta[j] - td[i]) * 86400.0
            solve_block(S, mu, revs, prograde, right)
            _cells_block(S, revs, prograde)
            for k in range(n):
                j = b + k
                dt = ta[j] - td[i]
                tof[i, j] = dt if dt > 0.0 else math.nan
                c3[i, j], vinf_dep[i, j], dla[i, j], rla[i, j] = S[C3 + k], S[N1 + k], S[D1 + k], S[A1 + k]
                vinf_arr[i, j], dla_arr[i, j], rla_arr[i, j] = S[N2 + k], S[D2 + k], S[A2 + k]
                angle[i, j] = S[ANG + k]
                ttype[i, j] = int(S[TYP + k])
                status[i, j] = int(S[ST + k])
