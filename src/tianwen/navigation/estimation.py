"""Batch orbit determination: the dynamical arc, the design matrix, and weighted least squares by a square-root
information filter (QR), with consider parameters.

**The arc** (:class:`Arc`): a reference initial state at ``t0`` (Sun-centred ICRF), an n-body force model with
cannonball solar radiation pressure (:mod:`tianwen.propagate`), and impulsive manoeuvres. The *solve-for*
parameters ``p`` are the initial state (6), the SRP coefficient ``Cr`` (when the model has SRP) and the dv vector
of every manoeuvre flagged as solved (3 each); :meth:`Arc.names` lists them. Manoeuvres not solved for are
flown as given.

**Sensitivities** (:func:`sensitivities`): ``d x(t) / d p`` at any epochs, from the variational equations of
:func:`tianwen.propagate.propagate` (``stm=True``) chained across the manoeuvres (a manoeuvre adds to the
velocity only, so the state Jacobian across it is the identity; a dv solved for enters as ``Phi(t, t_k)[:, 3:]``),
and, for ``Cr``, a central difference of two propagations (the SRP acceleration is linear in ``Cr``; the
difference's error is ~1e-9 of the sensitivity).

**Consider parameters** (not estimated; their a-priori uncertainty is carried into the covariance): the ITRS
position of each station (3 each; range and Doppler only, since the published delta-DOR accuracy is a total
error budget that already counts station locations), a common offset of the Earth's ephemeris position (3) and
a two-way range bias per station (1 each) unless it is solved for. Their a-priori sigmas are in
``data/tracking_noise.md``.

**Least squares** (Bierman 1977, *Factorization Methods for Discrete Sequential Estimation*, ch. V-VI; Tapley,
Schutz & Born 2004, *Statistical Orbit Determination*, sec. 5.4-5.6 and 6.3): the a-priori information
``R_bar`` (``R_bar^T R_bar = P_bar^-1``) stacked over the whitened observation equations
``(H / sigma) dx = y / sigma``, with the consider columns ``H_c / sigma`` beside, is triangularised by one
Householder QR (numpy/LAPACK); from ``[[R_x, R_xc, z]]``: ``dx = R_x^-1 z``, ``P = R_x^-1 R_x^-T``, the
consider sensitivity ``S = -R_x^-1 R_xc`` and the consider covariance ``P_c = P + S P_cc S^T``. The normal
equations are never formed (their condition number is the square of the QR's).

:func:`estimate` iterates this Gauss-Newton step from a guess until every correction is below 1e-2 sigma (the
propagator's step-selection noise moves it by ~3e-3 sigma); :func:`covariance_analysis` linearises once about
the reference (no data needed: the covariance depends only on the geometry and the noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..bodies import DAY_S
from ..errors import TianwenError
from ..time import Epoch
from .measurements import DDOR, RANGE, Measurements, predict

__all__ = ["Arc", "Consider", "Design", "Solution", "Estimate", "fly", "sensitivities", "design", "srif", "compress",
           "estimate", "covariance_analysis", "residual_statistics", "range_bias_stations", "with_manoeuvres_solved",
           "STATION_SIGMA_M", "EARTH_EPHEMERIS_SIGMA_M", "RANGE_BIAS_SIGMA_M"]

#: A-priori sigmas of the consider parameters (data/tracking_noise.md).
STATION_SIGMA_M = 0.03
EARTH_EPHEMERIS_SIGMA_M = 1.0
RANGE_BIAS_SIGMA_M = 2.0
_CR_STEP = 0.5


@dataclass
class Arc:
    """An orbit-determination arc (module docstring). ``manoeuvres``: ``[(epoch TDB, dv_kms, solve), ...]``;
    ``model``: an :class:`~tianwen.propagate.NBodyModel` (its ``srp`` gives the area-to-mass ratio; the arc
    sets its ``Cr``). ``t_end``: the end of the propagation (the last measurement or the mapping epoch)."""

    t0: Epoch
    r0_km: np.ndarray
    v0_kms: np.ndarray
    model: object
    t_end: Epoch
    manoeuvres: list = field(default_factory=list)
    rtol: float = 1e-12
    cr: float | None = None  #: the reference Cr (default: the model's); flights set the model's own

    def __post_init__(self):
        if self.cr is None and self.model.srp is not None:
            self.cr = float(self.model.srp.cr)

    @property
    def has_srp(self) -> bool:
        return self.model.srp is not None

    @property
    def solved(self) -> list:
        return [k for k, m in enumerate(self.manoeuvres) if m[2]]

    def names(self) -> list[str]:
        out = ["x_km", "y_km", "z_km", "vx_kms", "vy_kms", "vz_kms"] + (["cr"] if self.has_srp else [])
        for k in self.solved:
            out += [f"dv{k}_{c}_kms" for c in "xyz"]
        return out

    def reference(self) -> np.ndarray:
        """The reference parameter vector ``p``."""
        p = [self.r0_km, self.v0_kms] + ([np.array([self.cr])] if self.has_srp else [])
        p += [np.asarray(self.manoeuvres[k][1], float) for k in self.solved]
        return np.concatenate(p).astype(float)


def _unpack(arc: Arc, p):
    p = np.asarray(p, float)
    if p.shape != (len(arc.names()),):
        raise TianwenError(f"parameter vector has shape {p.shape}; this arc has {len(arc.names())}: {arc.names()}")
    i = 6
    cr = None
    if arc.has_srp:
        cr, i = float(p[6]), 7
    burns = []
    for k, (t, dv, solve) in enumerate(arc.manoeuvres):
        if solve:
            burns.append((t, p[i:i + 3].copy()))
            i += 3
        else:
            burns.append((t, np.asarray(dv, float)))
    return p[:3].copy(), p[3:6].copy(), cr, burns


def _model_with(arc: Arc, cr):
    if cr is not None:
        from ..propagate import SolarRadiationPressure

        arc.model.srp = SolarRadiationPressure(arc.model.srp.area_to_mass_m2_kg, cr, arc.model.srp.flux_1au_w_m2)
    return arc.model


def fly(arc: Arc, p=None):
    """The trajectory of parameters ``p`` (default the reference) from ``t0`` to ``t_end``: a
    :class:`~tianwen.propagate.ManoeuvreTrajectory` with ``state(tdb)`` (dense output)."""
    from ..propagate import propagate_with_manoeuvres

    r0, v0, cr, burns = _unpack(arc, arc.reference() if p is None else p)
    model = _model_with(arc, cr)
    return propagate_with_manoeuvres(r0, v0, arc.t0, burns, arc.t_end, model=model, dense=True, rtol=arc.rtol)


def _seconds(t: Epoch, ref: Epoch) -> np.ndarray:
    return ((t.jd1 - ref.jd1) + (t.jd2 - ref.jd2)) * DAY_S


def _segment_runs(arc: Arc, r0, v0, burns, t: Epoch, stm: bool):
    """States (n, 6) and, with ``stm``, d x / d (x0, solved dv) (n, 6, 6 + 3 k) at epochs ``t``."""
    from ..propagate import propagate

    s = _seconds(t, arc.t0)
    span = float(_seconds(arc.t_end, arc.t0))
    if np.any((s < -1e-3) | (s > span + 1e-3)):
        raise TianwenError(f"epochs outside the arc ({arc.t0.iso(0)} to {arc.t_end.iso(0)} TDB)")
    solved = arc.solved
    n = s.size
    states = np.zeros((n, 6))
    sens = np.zeros((n, 6, 6 + 3 * len(solved))) if stm else None
    bounds = [0.0] + [float(_seconds(tb, arc.t0)) for tb, _ in burns] + [span]
    r, v = np.asarray(r0, float), np.asarray(v0, float)
    cum = np.eye(6)
    dvs = np.zeros((6, 3 * len(solved)))
    for k in range(len(bounds) - 1):
        lo, hi = bounds[k], bounds[k + 1]
        if k > 0:
            v = v + burns[k - 1][1]
            if (k - 1) in solved:
                j = solved.index(k - 1)
                dvs[3:, 3 * j:3 * j + 3] += np.eye(3)
        last = k == len(bounds) - 2
        sel = np.flatnonzero((s >= lo) & ((s <= hi + 1e-3) if last else (s < hi)))
        start = arc.t0 + lo / DAY_S
        if hi == lo:
            tr_stm = np.eye(6)
            if sel.size:
                states[sel] = np.concatenate([r, v])
                if stm:
                    sens[sel] = np.concatenate([cum, dvs], axis=1)
            continue
        tr = propagate(r, v, start, arc.t0 + hi / DAY_S, model=arc.model, stm=stm,
                       t_eval=np.clip(s[sel] - lo, 0.0, hi - lo) if sel.size else None, rtol=arc.rtol)
        if sel.size:
            states[sel] = np.concatenate([tr.r_km, tr.v_kms], axis=1)
            if stm:
                phi = tr.stm_eval
                sens[sel] = np.einsum("nij,jk->nik", phi, np.concatenate([cum, dvs], axis=1))
        r, v = tr.r1_km.copy(), tr.v1_kms.copy()
        if stm:
            tr_stm = tr.stm
            cum = tr_stm @ cum
            dvs = tr_stm @ dvs
    return states, sens


def sensitivities(arc: Arc, p, epochs) -> tuple[np.ndarray, np.ndarray]:
    """States (n, 6; Sun-centred km, km/s) and ``d x / d p`` (n, 6, len(p)) at TDB ``epochs`` (module
    docstring)."""
    from ..time import epoch as _epoch

    t = (epochs if isinstance(epochs, Epoch) else _epoch(epochs)).to("tdb")
    t = Epoch(np.atleast_1d(t.jd1).ravel(), np.atleast_1d(t.jd2).ravel(), "tdb")
    r0, v0, cr, burns = _unpack(arc, p)
    _model_with(arc, cr)
    states, sens = _segment_runs(arc, r0, v0, burns, t, True)
    if cr is not None:
        _model_with(arc, cr + _CR_STEP)
        plus, _ = _segment_runs(arc, r0, v0, burns, t, False)
        _model_with(arc, cr - _CR_STEP)
        minus, _ = _segment_runs(arc, r0, v0, burns, t, False)
        _model_with(arc, cr)
        d_cr = (plus - minus) / (2.0 * _CR_STEP)
        sens = np.concatenate([sens[:, :, :6], d_cr[:, :, None], sens[:, :, 6:]], axis=2)
    return states, sens


@dataclass
class Consider:
    """Consider parameters: names, a-priori sigmas and the columns of each measurement's partials."""

    names: list
    sigma: np.ndarray
    columns: np.ndarray  # (m, c)


def _consider(meas: Measurements, geo, station_sigma_m, earth_sigma_m, range_bias_sigma_m) -> Consider:
    ns = len(meas.stations)
    m = len(meas)
    names, sig, cols = [], [], []
    used = sorted(set(meas.station_a.tolist()) | set(meas.station_b[meas.station_b >= 0].tolist()))
    if station_sigma_m > 0:
        radio = meas.kind != DDOR  # the delta-DOR sigma is a total budget that already holds station locations
        for i in used:
            block = np.zeros((m, 3))
            sel_a, sel_b = (meas.station_a == i) & radio, (meas.station_b == i) & radio
            block[sel_a] += geo.d_site_a[sel_a]
            block[sel_b] += geo.d_site_b[sel_b]
            names += [f"{meas.stations[i].name}_{c}_km" for c in "xyz"]
            sig += [station_sigma_m * 1e-3] * 3
            cols.append(block)
    if earth_sigma_m > 0:
        names += ["earth_x_km", "earth_y_km", "earth_z_km"]
        sig += [earth_sigma_m * 1e-3] * 3
        cols.append(geo.d_earth)
    if range_bias_sigma_m > 0:
        for i in range(ns):
            mask = (meas.kind == RANGE) & (meas.station_a == i)
            if mask.any():
                names.append(f"{meas.stations[i].name}_range_bias_km")
                sig.append(range_bias_sigma_m * 1e-3)
                cols.append(mask.astype(float)[:, None])
    columns = np.concatenate(cols, axis=1) if cols else np.zeros((m, 0))
    return Consider(names, np.array(sig, float), columns)


@dataclass
class Design:
    """The linearised problem at ``p``: computed values, the design matrix ``H`` (m, n) whose first
    ``n_arc`` columns are the arc's parameters and the others the solved range biases (``names``), the consider
    parameters, the reference epochs of the partials and the trajectory."""

    p: np.ndarray
    computed: np.ndarray
    h: np.ndarray
    consider: Consider
    t_ref: Epoch
    trajectory: object
    names: list
    n_arc: int

    def select(self, mask) -> "Design":
        """The rows where ``mask`` holds (consider columns that become all zero are dropped; solve-for columns
        are kept, so the parameter vector does not change)."""
        m = np.asarray(mask)
        cols = self.consider.columns[m]
        keep = np.any(cols != 0.0, axis=0)
        con = Consider([n for n, k in zip(self.consider.names, keep) if k], self.consider.sigma[keep], cols[:, keep])
        return Design(self.p, self.computed[m], self.h[m], con, Epoch(self.t_ref.jd1[m], self.t_ref.jd2[m], "tdb"),
                      self.trajectory, self.names, self.n_arc)


def range_bias_stations(measurements: Measurements) -> list[int]:
    """Indices of the stations that have range measurements (one range bias each)."""
    return sorted(set(measurements.station_a[measurements.kind == RANGE].tolist()))


def design(arc: Arc, measurements: Measurements, p=None, *, solve_range_bias: bool = False,
           station_sigma_m: float = STATION_SIGMA_M, earth_sigma_m: float = EARTH_EPHEMERIS_SIGMA_M,
           range_bias_sigma_m: float = RANGE_BIAS_SIGMA_M) -> Design:
    """Fly the arc at ``p`` (default the reference), compute every measurement and its partials with respect to
    ``p`` and to the consider parameters (sigmas in metres; 0 leaves that group out).

    With ``solve_range_bias`` a range bias per station (km; :func:`range_bias_stations` order) is solved for
    instead of considered: ``p`` then holds the arc's parameters followed by the biases, and the computed range
    includes them."""
    n_arc = len(arc.names())
    nb = len(range_bias_stations(measurements)) if solve_range_bias else 0
    q = np.concatenate([arc.reference(), np.zeros(nb)]) if p is None else np.asarray(p, float)
    if q.shape != (n_arc + nb,):
        raise TianwenError(f"parameter vector has {q.size} values; this arc and its range biases need {n_arc + nb}")
    traj = fly(arc, q[:n_arc])
    geo = predict(traj, measurements)
    _, sens = sensitivities(arc, q[:n_arc], geo.t_ref)
    h = np.einsum("ni,nij->nj", geo.d_state, sens)
    names = arc.names()
    computed = geo.value
    if solve_range_bias:
        cols = []
        for j, i in enumerate(range_bias_stations(measurements)):
            col = ((measurements.kind == RANGE) & (measurements.station_a == i)).astype(float)
            computed = computed + col * q[n_arc + j]
            cols.append(col[:, None])
            names.append(f"{measurements.stations[i].name}_range_bias_km")
        h = np.concatenate([h] + cols, axis=1)
        range_bias_sigma_m = 0.0
    con = _consider(measurements, geo, station_sigma_m, earth_sigma_m, range_bias_sigma_m)
    return Design(q, computed, h, con, geo.t_ref, traj, names, n_arc)


@dataclass
class Solution:
    """One least-squares step: correction ``dx``, covariance ``covariance`` (noise only), the consider covariance,
    the consider sensitivity ``S`` (d x_hat / d c) and the upper-triangular information square root ``r``."""

    dx: np.ndarray
    covariance: np.ndarray
    consider_covariance: np.ndarray
    sensitivity: np.ndarray
    r: np.ndarray


def srif(h, y, sigma, *, prior_covariance=None, prior_dx=None, consider=None, consider_sigma=None) -> Solution:
    """Weighted least squares ``min |(y - H dx) / sigma|^2 + |R_bar (dx - prior_dx)|^2`` by Householder QR
    (module docstring). ``h`` (m, n), ``y`` and ``sigma`` (m,); ``prior_covariance`` (n, n) or None (no prior);
    ``consider`` (m, c) columns with a-priori ``consider_sigma`` (c,)."""
    import scipy.linalg as sla

    h = np.asarray(h, float)
    m, n = h.shape
    y = np.zeros(m) if y is None else np.asarray(y, float)
    w = 1.0 / np.asarray(sigma, float)
    if np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise TianwenError("every measurement sigma must be a positive finite number")
    c = np.zeros((m, 0)) if consider is None else np.asarray(consider, float)
    rows_a = [h * w[:, None]]
    rows_c = [c * w[:, None]]
    rows_b = [y * w]
    if prior_covariance is not None:
        rbar = np.linalg.cholesky(np.linalg.inv(np.asarray(prior_covariance, float))).T
        rows_a.insert(0, rbar)
        rows_c.insert(0, np.zeros((n, c.shape[1])))
        rows_b.insert(0, rbar @ (np.zeros(n) if prior_dx is None else np.asarray(prior_dx, float)))
    big = np.concatenate([np.concatenate(rows_a), np.concatenate(rows_c), np.concatenate(rows_b)[:, None]], axis=1)
    if big.shape[0] < n:
        raise TianwenError(f"{m} measurements cannot determine {n} parameters without a prior")
    r_all = sla.qr(big, mode="r", check_finite=False)[0]
    r_x = r_all[:n, :n]
    if np.any(np.abs(np.diag(r_x)) <= 1e-14 * np.max(np.abs(np.diag(r_x)))):
        raise TianwenError("the parameters are not observable from these measurements (singular information "
                           "matrix); add measurements or a prior")
    r_xc = r_all[:n, n:n + c.shape[1]]
    z = r_all[:n, -1]
    rinv = sla.solve_triangular(r_x, np.eye(n))
    dx = rinv @ z
    cov = rinv @ rinv.T
    s = -rinv @ r_xc
    csig = np.zeros(0) if consider_sigma is None else np.asarray(consider_sigma, float)
    cons = cov + (s * csig**2) @ s.T
    return Solution(dx, cov, cons, s, r_x)


def compress(h, sigma, consider=None) -> tuple[np.ndarray, np.ndarray]:
    """The square-root information of a block of measurements: the triangular rows ``(R_x, R_xc)`` of the
    Householder QR of the whitened ``[H / sigma, H_c / sigma]`` (at most ``n + c`` rows). Stacking the compressed
    blocks of disjoint sets of measurements and solving them with :func:`srif` at unit sigmas gives the same
    covariances as solving all their rows at once (Bierman 1977, ch. V: information arrays of independent data
    stack), so a row is triangularised once however many station sets it belongs to."""
    import scipy.linalg as sla

    h = np.asarray(h, float)
    w = 1.0 / np.asarray(sigma, float)
    if np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise TianwenError("every measurement sigma must be a positive finite number")
    c = np.zeros((h.shape[0], 0)) if consider is None else np.asarray(consider, float)
    r = sla.qr(np.concatenate([h, c], axis=1) * w[:, None], mode="r", check_finite=False)[0]
    r = r[:min(r.shape)]
    return r[:, :h.shape[1]], r[:, h.shape[1]:]


def residual_statistics(residuals, sigma, kind=None) -> dict:
    """Post-fit residual statistics: count, weighted RMS (residual / sigma), chi-square, and per kind the RMS in
    the measurement's units."""
    from .measurements import KIND_NAMES

    res = np.asarray(residuals, float)
    norm = res / np.asarray(sigma, float)
    out = {"n": int(res.size), "chi2": float(norm @ norm), "weighted_rms": float(np.sqrt(np.mean(norm**2)))
           if res.size else float("nan")}
    if kind is not None:
        for k, name in enumerate(KIND_NAMES):
            sel = np.asarray(kind) == k
            if sel.any():
                out[f"{name}_rms"] = float(np.sqrt(np.mean(res[sel] ** 2)))
    return out


@dataclass
class Estimate:
    """The result of :func:`estimate`: parameters ``p`` and their names, covariances, the post-fit residuals
    (observed - computed, measurement units) and their statistics, iterations, and the final design."""

    names: list
    p: np.ndarray
    covariance: np.ndarray
    consider_covariance: np.ndarray
    residuals: np.ndarray
    statistics: dict
    iterations: int
    design: Design


def estimate(arc: Arc, measurements: Measurements, p_guess=None, *, prior_covariance=None, prior_p=None,
             max_iter: int = 10, tol_sigma: float = 1e-2, solve_range_bias: bool = False, consider: bool = True,
             **consider_sigmas) -> Estimate:
    """Batch least squares (Gauss-Newton on :func:`srif`) of the arc's parameters from observed
    ``measurements`` (their ``value``). ``p_guess`` defaults to the reference; ``prior_covariance`` about
    ``prior_p`` (default ``p_guess``) is optional. Stops when every correction is below ``tol_sigma`` of its
    sigma. With ``solve_range_bias`` the parameters end with one range bias per station (km)."""
    if np.any(~np.isfinite(measurements.value)):
        raise TianwenError("measurements have no observed values (NaN); simulate or load them first")
    nb = len(range_bias_stations(measurements)) if solve_range_bias else 0
    p = np.concatenate([arc.reference(), np.zeros(nb)]) if p_guess is None else np.asarray(p_guess, float).copy()
    p_prior = p.copy() if prior_p is None else np.asarray(prior_p, float)
    sig = {} if consider else {"station_sigma_m": 0.0, "earth_sigma_m": 0.0, "range_bias_sigma_m": 0.0}
    sig.update(consider_sigmas)
    sig["solve_range_bias"] = solve_range_bias
    for it in range(1, max_iter + 1):
        d = design(arc, measurements, p, **sig)
        y = measurements.value - d.computed
        sol = srif(d.h, y, measurements.sigma, prior_covariance=prior_covariance, prior_dx=p_prior - p,
                   consider=d.consider.columns, consider_sigma=d.consider.sigma)
        p = p + sol.dx
        if np.all(np.abs(sol.dx) <= tol_sigma * np.sqrt(np.diag(sol.covariance))):
            break
    else:
        raise TianwenError(f"the batch estimate did not converge in max_iter={max_iter} iterations")
    d = design(arc, measurements, p, **sig)
    res = measurements.value - d.computed
    sol = srif(d.h, res, measurements.sigma, prior_covariance=prior_covariance, prior_dx=p_prior - p,
               consider=d.consider.columns, consider_sigma=d.consider.sigma)
    return Estimate(d.names, p, sol.covariance, sol.consider_covariance, res,
                    residual_statistics(res, measurements.sigma, measurements.kind), it, d)


def covariance_analysis(d: Design, sigma, *, prior_covariance=None) -> Solution:
    """The covariance of a design (no data: it depends on the geometry and the noise only)."""
    return srif(d.h, None, sigma, prior_covariance=prior_covariance, consider=d.consider.columns,
                consider_sigma=d.consider.sigma)


def with_manoeuvres_solved(arc: Arc, t_from: Epoch, t_to: Epoch) -> Arc:
    """A copy of ``arc`` solving for the dv of every manoeuvre between ``t_from`` and ``t_to``."""
    lo, hi = float(t_from.jd), float(t_to.jd)
    burns = [(t, dv, lo < float(t.jd) < hi) for t, dv, _ in arc.manoeuvres]
    return replace(arc, manoeuvres=burns)
