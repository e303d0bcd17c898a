"""One-DSM transfer legs on plain floats: launch, Kepler coast, impulsive DSM, Lambert arc to the target.

The MGA-1DSM leg of Vasile & De Pascale (2006) and Izzo (2010) for a single leg: the spacecraft leaves the
origin (state ``rd, vd``) with the hyperbolic excess velocity ``vinf``, coasts for ``eta * tof`` on a two-body
orbit (:func:`.kepler.propagate_one`), fires an impulsive deep-space manoeuvre, and flies a zero-revolution
prograde Lambert arc (:func:`.lambert_izzo.izzo`) to the target's position ``ra`` at ``tof``. With
``eta`` = 0 or 1, or a DSM of zero, it is the ballistic Lambert arc.

Cost terms (km/s): the departure term (``dep_mode`` 0: none; 1: ``|vinf|``; 2: the burn from a circular
parking orbit of radius ``dep_rp`` around a body of ``dep_mu``), ``|DSM|``, and the arrival term
(``arr_mode`` 0: none; 1: ``|vinf_arr|``; 2: the burn at periapsis ``arr_rp`` into an orbit of apoapsis
``arr_ra``, vis-viva as :func:`tianwen.arrival.hyperbolic_dv`). A leg that cannot be flown (Lambert status
!= 0, non-finite input) costs NaN. Kernels never raise.
"""

from __future__ import annotations

import math

from .jit import fast_kernel, prange
from .kepler import propagate_one
from .lambert_izzo import izzo


@fast_kernel(inline="always")
def hyperbola_dv(v, mode, mu, rp, ra):
    """The burn between a hyperbola of excess speed ``v`` and the closed orbit (rp, ra) at periapsis (mode 2),
    ``v`` itself (mode 1) or nothing (mode 0)."""
    if mode == 0:
        return 0.0
    if mode == 1:
        return v
    return math.sqrt(v * v + 2.0 * mu / rp) - math.sqrt(mu * (2.0 / rp - 2.0 / (rp + ra)))


@fast_kernel(inline="always")
def leg(rdx, rdy, rdz, vdx, vdy, vdz, vix, viy, viz, rax, ray, raz, tof_s, eta, mu):
    """One leg: (DSM position xyz, velocity before the DSM xyz, after it xyz, arrival velocity xyz, status)."""
    nan = math.nan
    rx, ry, rz, ux, uy, uz = propagate_one(rdx, rdy, rdz, vdx + vix, vdy + viy, vdz + viz, eta * tof_s, mu)
    wx, wy, wz, v2x, v2y, v2z, st = izzo(rx, ry, rz, rax, ray, raz, (1.0 - eta) * tof_s, mu, 0, True, False)
    if st != 0 or not math.isfinite(rx):
        return rx, ry, rz, ux, uy, uz, nan, nan, nan, nan, nan, nan, max(st, 3)
    return rx, ry, rz, ux, uy, uz, wx, wy, wz, v2x, v2y, v2z, 0


@fast_kernel(inline="always")
def leg_cost(rdx, rdy, rdz, vdx, vdy, vdz, vix, viy, viz, rax, ray, raz, vax, vay, vaz, tof_s, eta, mu,
             dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp, arr_ra):
    """(total cost, |DSM|, |vinf_arr|) of one leg, km/s; NaN when the leg cannot be flown."""
    nan = math.nan
    if not (tof_s > 0.0 and 0.0 <= eta <= 1.0):
        return nan, nan, nan
    (rx, ry, rz, ux, uy, uz, wx, wy, wz, v2x, v2y, v2z, st) = leg(
        rdx, rdy, rdz, vdx, vdy, vdz, vix, viy, viz, rax, ray, raz, tof_s, eta, mu)
    if st != 0:
        return nan, nan, nan
    dsm = math.sqrt((wx - ux) ** 2 + (wy - uy) ** 2 + (wz - uz) ** 2)
    varr = math.sqrt((v2x - vax) ** 2 + (v2y - vay) ** 2 + (v2z - vaz) ** 2)
    vdep = math.sqrt(vix * vix + viy * viy + viz * viz)
    total = hyperbola_dv(vdep, dep_mode, dep_mu, dep_rp, dep_rp) + dsm + hyperbola_dv(varr, arr_mode, arr_mu, arr_rp,
                                                                                 arr_ra)
    return total, dsm, varr


@fast_kernel(inline="always")
def _one(rd, vd, ra, va, tof_s, vinf, eta, mu, dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp, arr_ra,
         cost, dsm, varr, i):
    cost[i], dsm[i], varr[i] = leg_cost(
        rd[i, 0], rd[i, 1], rd[i, 2], vd[i, 0], vd[i, 1], vd[i, 2], vinf[i, 0], vinf[i, 1], vinf[i, 2],
        ra[i, 0], ra[i, 1], ra[i, 2], va[i, 0], va[i, 1], va[i, 2], tof_s[i], eta[i], mu,
        dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp, arr_ra)


@fast_kernel
def costs_serial(rd, vd, ra, va, tof_s, vinf, eta, mu, dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp, arr_ra,
                 cost, dsm, varr):
    """Costs of n candidate legs (row i: origin state rd/vd, target state ra/va, tof_s, vinf, eta) into
    ``cost``, ``dsm`` and ``varr`` (km/s)."""
    for i in range(tof_s.shape[0]):
        _one(rd, vd, ra, va, tof_s, vinf, eta, mu, dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp, arr_ra,
             cost, dsm, varr, i)


@fast_kernel(parallel=True)
def costs_parallel(rd, vd, ra, va, tof_s, vinf, eta, mu, dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp,
                   arr_ra, cost, dsm, varr):
    """:func:`costs_serial` on all cores."""
    for i in prange(tof_s.shape[0]):
        _one(rd, vd, ra, va, tof_s, vinf, eta, mu, dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp, arr_ra,
             cost, dsm, varr, i)


@fast_kernel
def cell_cost_grad(rd, vd, ra, va, tof_s, x, h, mu, dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp, arr_ra,
                   grad):
    """Cost of one fixed-date leg at ``x`` = (vinf_x, vinf_y, vinf_z, eta) and its central-difference gradient
    (steps ``h``, written into ``grad``); returns the cost (NaN if any evaluation fails)."""
    f0, _, _ = leg_cost(rd[0], rd[1], rd[2], vd[0], vd[1], vd[2], x[0], x[1], x[2], ra[0], ra[1], ra[2],
                        va[0], va[1], va[2], tof_s, x[3], mu, dep_mode, dep_mu, dep_rp, arr_mode, arr_mu, arr_rp,
                        arr_ra)
    y0, y1, y2, y3 = x[0], x[1], x[2], x[3]
    for k in range(4):
        fs = 0.0
        for s in (-1.0, 1.0):
            z0, z1, z2, z3 = y0, y1, y2, y3
            if k == 0:
                z0 += s * h[0]
            elif k == 1:
                z1 += s * h[1]
            elif k == 2:
                z2 += s * h[2]
            else:
                z3 = min(1.0, max(0.0, z3 + s * h[3]))
            f, _, _ = leg_cost(rd[0], rd[1], rd[2], vd[0], vd[1], vd[2], z0, z1, z2, ra[0], ra[1], ra[2],
                               va[0], va[1], va[2], tof_s, z3, mu, dep_mode, dep_mu, dep_rp, arr_mode, arr_mu,
                               arr_rp, arr_ra)
            fs += s * f
        if k == 3:
            lo = max(0.0, y3 - h[3])
            hi = min(1.0, y3 + h[3])
            grad[k] = fs / (hi - lo)
        else:
            grad[k] = fs / (2.0 * h[k])
    return f0
