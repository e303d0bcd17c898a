"""Radiometric measurement kernels: light time on one leg, two-way range, one-way delay, and the Doppler and
delta-DOR combinations, each with its partial derivatives, over batches of plain float64 arrays.

See :mod:`tianwen.navigation.measurements` for the model (Moyer 2000, ch. 8), its partials and the conventions;
the friendly layer evaluates the spacecraft and station states, and these kernels do the per-measurement
algebra. Nothing raises: a non-finite input gives NaN in the outputs.

**Light time on one leg** (:func:`light_time`). The moving end (the spacecraft on the down leg, the station on
the up leg) is known at a guessed epoch ``t_fixed - tau_g`` as position ``m`` and velocity ``w``; the kernel
solves ``c tau = |m + w (tau_g - tau) - f|`` for ``tau`` by Newton's method (derivative ``c + u . w``,
``u`` the unit vector from ``f`` to the moving end) and returns the moving end's position at the solution. The
linear motion model's error is ``a delta^2 / 2`` for ``delta = tau - tau_g``; the caller re-evaluates the
states at the new epoch until ``delta`` is below ``LIGHT_TIME_PASS_S`` (1 ms: with accelerations below
0.01 km/s^2, any spacecraft outside low orbits and every station, the model error is below 5e-9 km, and the
next pass would move ``tau`` by less than 2e-17 s).
"""

from __future__ import annotations

import math

from .jit import kernel

#: The speed of light, km/s (DE421's CLIGHT, exact SI).
C_KMS = 299792.458
#: Re-evaluate the states until the light time moves by less than this in one pass (module docstring).
LIGHT_TIME_PASS_S = 1e-3
_NEWTON_ITER = 8


@kernel
def light_time(fixed_km, moving_km, moving_kms, tau_guess_s, tau_s, moving_out_km):
    """Solve each row's leg (module docstring); write ``tau_s`` (n,) and ``moving_out_km`` (n, 3); return the
    largest ``|tau - tau_guess|`` (NaN if any row is not finite)."""
    worst = 0.0
    bad = False
    for i in range(tau_guess_s.shape[0]):
        tg = tau_guess_s[i]
        tau = tg
        for _ in range(_NEWTON_ITER):
            dt = tg - tau
            dx = moving_km[i, 0] + moving_kms[i, 0] * dt - fixed_km[i, 0]
            dy = moving_km[i, 1] + moving_kms[i, 1] * dt - fixed_km[i, 1]
            dz = moving_km[i, 2] + moving_kms[i, 2] * dt - fixed_km[i, 2]
            dist = math.sqrt(dx * dx + dy * dy + dz * dz)
            slope = C_KMS + (dx * moving_kms[i, 0] + dy * moving_kms[i, 1] + dz * moving_kms[i, 2]) / dist
            step = (C_KMS * tau - dist) / slope
            tau -= step
            if abs(step) <= 1e-16 * tau:
                break
        dt = tg - tau
        for k in range(3):
            moving_out_km[i, k] = moving_km[i, k] + moving_kms[i, k] * dt
        tau_s[i] = tau
        change = abs(tau - tg)
        if change > worst:
            worst = change
        elif change != change:
            bad = True
    return math.nan if bad else worst


@kernel
def _unit(ax, ay, az):
    n = math.sqrt(ax * ax + ay * ay + az * az)
    return ax / n, ay / n, az / n


@kernel
def two_way_range(r_sc, v_sc, r_rx, r_tx, v_tx, c2t_rx, c2t_tx, rho_km, d_sc, d_site, d_earth):
    """Two-way range ``c (tau_u + tau_d) / 2`` and its partials, per row.

    Inputs (n, 3) barycentric km and km/s: the spacecraft at the bounce epoch (``r_sc``, ``v_sc``), the station at
    reception (``r_rx``) and at transmission (``r_tx``, ``v_tx``); ``c2t_rx``, ``c2t_tx`` (n, 3, 3) the GCRS ->
    ITRS rotations there. Outputs: ``rho_km`` (n,); ``d_sc`` (n, 3) d rho / d r_sc at the bounce epoch (light
    times free to move); ``d_site`` (n, 3) d rho / d the station's ITRS position; ``d_earth`` (n, 3) d rho / d a
    common offset of the Earth's ICRF position. The light times are the legs' distances over c."""
    half_c = 0.5 * C_KMS
    for i in range(rho_km.shape[0]):
        ddx, ddy, ddz = r_sc[i, 0] - r_rx[i, 0], r_sc[i, 1] - r_rx[i, 1], r_sc[i, 2] - r_rx[i, 2]
        dux, duy, duz = r_sc[i, 0] - r_tx[i, 0], r_sc[i, 1] - r_tx[i, 1], r_sc[i, 2] - r_tx[i, 2]
        dist_d = math.sqrt(ddx * ddx + ddy * ddy + ddz * ddz)
        dist_u = math.sqrt(dux * dux + duy * duy + duz * duz)
        udx, udy, udz = _unit(ddx, ddy, ddz)
        uux, uuy, uuz = _unit(dux, duy, duz)
        den_d = C_KMS + udx * v_sc[i, 0] + udy * v_sc[i, 1] + udz * v_sc[i, 2]
        den_u = C_KMS - (uux * v_tx[i, 0] + uuy * v_tx[i, 1] + uuz * v_tx[i, 2])
        k = (uux * (v_sc[i, 0] - v_tx[i, 0]) + uuy * (v_sc[i, 1] - v_tx[i, 1])
             + uuz * (v_sc[i, 2] - v_tx[i, 2])) / den_u
        fd = half_c * (1.0 - k) / den_d
        fu = half_c / den_u
        rho_km[i] = 0.5 * (dist_d + dist_u)
        ud = (udx, udy, udz)
        uu = (uux, uuy, uuz)
        for j in range(3):
            d_sc[i, j] = fd * ud[j] + fu * uu[j]
            d_earth[i, j] = -d_sc[i, j]
        for a in range(3):  # d rho / d x_itrs = M_rx (d rho / d R_rx) + M_tx (d rho / d R_tx)
            s = 0.0
            for j in range(3):
                s -= c2t_rx[i, a, j] * fd * ud[j] + c2t_tx[i, a, j] * fu * uu[j]
            d_site[i, a] = s


@kernel
def one_way(r_sc, v_sc, r_rx, c2t_rx, value_km, d_sc, d_site, d_earth):
    """One-way (down-leg) delay as a distance ``c tau_d`` and its partials (same conventions as
    :func:`two_way_range`): the building block of delta-DOR."""
    for i in range(value_km.shape[0]):
        dx, dy, dz = r_sc[i, 0] - r_rx[i, 0], r_sc[i, 1] - r_rx[i, 1], r_sc[i, 2] - r_rx[i, 2]
        value_km[i] = math.sqrt(dx * dx + dy * dy + dz * dz)
        ux, uy, uz = _unit(dx, dy, dz)
        f = C_KMS / (C_KMS + ux * v_sc[i, 0] + uy * v_sc[i, 1] + uz * v_sc[i, 2])
        u = (ux, uy, uz)
        for j in range(3):
            d_sc[i, j] = f * u[j]
            d_earth[i, j] = -f * u[j]
        for a in range(3):
            s = 0.0
            for j in range(3):
                s -= c2t_rx[i, a, j] * f * u[j]
            d_site[i, a] = s


@kernel
def difference(lo, hi, d_lo, d_hi, dt_lo_s, dt_hi_s, scale, same_station, site_lo, site_hi, earth_lo, earth_hi,
               value, d_state, site_a, site_b, d_earth):
    """``(hi - lo) * scale`` and its partials for the Doppler count (``scale = 1 / Tc``; the two ends are the same
    station: ``site_b`` left zero) and for delta-DOR (``scale = 1``; ``lo`` is station A, ``hi`` station B).

    ``d_lo``, ``d_hi`` (n, 3): d end / d r_sc at each end's own bounce epoch; ``dt_lo_s``, ``dt_hi_s``: those
    epochs minus the common reference epoch. A trajectory perturbation ``dr + dv (t - t_ref)`` moves an end by
    ``d . (dr + dv dt)``, hence ``d_state = scale [d_hi - d_lo, d_hi dt_hi - d_lo dt_lo]``. With
    ``same_station`` (Doppler) both ends' site partials go to ``site_a``; otherwise A's (negated) to ``site_a``
    and B's to ``site_b``."""
    for i in range(value.shape[0]):
        s = scale[i]
        value[i] = (hi[i] - lo[i]) * s
        for j in range(3):
            d_state[i, j] = (d_hi[i, j] - d_lo[i, j]) * s
            d_state[i, 3 + j] = (d_hi[i, j] * dt_hi_s[i] - d_lo[i, j] * dt_lo_s[i]) * s
            d_earth[i, j] = (earth_hi[i, j] - earth_lo[i, j]) * s
            if same_station:
                site_a[i, j] = (site_hi[i, j] - site_lo[i, j]) * s
                site_b[i, j] = 0.0
            else:
                site_a[i, j] = -site_lo[i, j] * s
                site_b[i, j] = site_hi[i, j] * s
