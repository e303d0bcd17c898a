"""Transfers with one deep-space manoeuvre (DSM), broken-plane transfers, and DSM porkchops.

The model is the one-leg MGA-1DSM transcription of Vasile & De Pascale (2006, "Preliminary design of
multiple gravity-assist trajectories", J. Spacecraft and Rockets 43(4)) and Izzo (2010, "Global optimization and
space pruning for spacecraft trajectory design", in Spacecraft Trajectory Optimization, Cambridge UP, 178-200),
as in pykep's ``trajopt.mga_1dsm``: the spacecraft leaves the origin with a free hyperbolic excess velocity
(magnitude and direction), coasts on a Kepler orbit for a free fraction ``eta`` of the flight time, fires an
impulsive DSM and flies a zero-revolution Lambert arc to the target. The compiled leg and its cost live in
:mod:`tianwen.core.dsm`.

The cost is the spacecraft's own Δv: DSM + the arrival term (the arrival v-infinity, or the capture burn into a
given orbit), plus, for broken-plane transfers, the departure term (v-infinity, or the burn from a parking orbit).
The launch C3 may be capped (a number, or a launch vehicle's capability for a payload, :mod:`tianwen.launch`).

Optimiser: SciPy's ``differential_evolution`` (vectorised: a whole population per compiled call), seeded with
the ballistic arcs of a coarse porkchop, then SLSQP on the best members (the cap as a smooth constraint on the
Cartesian v-infinity). Grids (:func:`dsm_porkchop`) run SLSQP alone in each cell, warm-started from the
ballistic arc and the neighbouring cells' optima. Nothing here writes an optimiser of its own.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .bodies import GM_SUN, body as _body
from .core.dsm import cell_cost_grad, costs_parallel, costs_serial, leg
from .core.jit import PARALLEL_MIN
from .ephemeris import heliocentric_state
from .errors import TianwenError
from .porkchop import Grid
from .time import Epoch, epoch as _epoch

#: The v-infinity bound (km/s) searched when no C3 cap is given (C3 = 100 km^2/s^2).
DEFAULT_VINF_MAX_KMS = 10.0
#: Bounds of the DSM's fraction of the flight time (pykep's ``eta_bounds`` in ``mga_1dsm``).
ETA_BOUNDS = (0.01, 0.99)
#: Shortest flight time (days) a free-date search considers.
MIN_TOF_DAYS = 20.0
_PENALTY = 1.0e3  # km/s: the cost of a leg that cannot be flown
_DAY = 86400.0


def _radec(v) -> tuple[float, float]:
    n = float(np.linalg.norm(v))
    if n == 0.0:
        return 0.0, 0.0
    dec = math.degrees(math.asin(max(-1.0, min(1.0, float(v[2]) / n))))
    ra = math.degrees(math.atan2(float(v[1]), float(v[0]))) % 360.0
    return dec, ra


def _window(value, what: str) -> tuple[Epoch, float]:
    """(start in TDB, span in days) of a date or a (start, end) pair of dates."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        a, b = (_epoch(v).to("tdb") for v in value)
    else:
        a = b = _epoch(value).to("tdb")
    if a.shape != () or b.shape != ():
        raise TianwenError(f"{what} {value!r} must be a date or a (start, end) pair of dates")
    span = float(b - a)
    if not span >= 0.0:
        raise TianwenError(f"{what} window {value!r} is reversed: its end is before its start")
    return a, span


def c3_cap(max_c3_km2s2=None, vehicle=None, payload_kg=None) -> float | None:
    """The launch C3 cap (km^2/s^2): ``max_c3_km2s2``, or the largest C3 at which ``vehicle`` (a name of
    :func:`tianwen.launch.vehicles`) delivers ``payload_kg``; None when neither is given."""
    if vehicle is not None:
        from .launch import vehicle as _vehicle

        if payload_kg is None or not float(payload_kg) > 0:
            raise TianwenError(f"payload_kg={payload_kg!r}: give the payload mass (kg > 0) with vehicle={vehicle!r}")
        cap = _vehicle(vehicle).max_c3_km2s2(float(payload_kg))
        if not math.isfinite(cap):
            raise TianwenError(f"vehicle={vehicle!r} cannot deliver payload_kg={payload_kg} kg to any C3 in its "
                               "performance curve; use a lighter payload or another vehicle")
        return cap if max_c3_km2s2 is None else min(cap, float(max_c3_km2s2))
    if max_c3_km2s2 is None:
        return None
    cap = float(max_c3_km2s2)
    if not (math.isfinite(cap) and cap >= 0.0):
        raise TianwenError(f"max_c3_km2s2={max_c3_km2s2!r} must be a number >= 0 (km^2/s^2)")
    return cap


@dataclass(frozen=True)
class Costs:
    """The cost terms' constants, as the compiled kernels take them (see :mod:`tianwen.core.dsm`)."""

    dep_mode: int = 0
    dep_mu: float = 1.0
    dep_rp: float = 1.0
    arr_mode: int = 1
    arr_mu: float = 1.0
    arr_rp: float = 1.0
    arr_ra: float = 1.0

    def args(self) -> tuple:
        return (self.dep_mode, self.dep_mu, self.dep_rp, self.arr_mode, self.arr_mu, self.arr_rp, self.arr_ra)


def costs(origin="earth", target="mars", *, count_launch: bool = False, parking_alt_km=None, capture=None,
          capture_radii_km=None) -> Costs:
    """The cost terms: arrival v-infinity, or the capture burn into ``capture=(periapsis_alt_km, apoapsis_alt_km)``
    (or ``capture_radii_km=(rp_km, ra_km)`` from the target's centre); with ``count_launch``, the launch
    v-infinity, or the burn from a circular parking orbit ``parking_alt_km`` above the origin."""
    dep = (0, 1.0, 1.0)
    if count_launch or parking_alt_km is not None:
        dep = (1, 1.0, 1.0)
        if parking_alt_km is not None:
            ob = _body(origin)
            rp = ob.radius_km + float(parking_alt_km)
            if not (math.isfinite(rp) and float(parking_alt_km) >= 0):
                raise TianwenError(f"parking_alt_km={parking_alt_km!r} must be an altitude >= 0 (km)")
            dep = (2, ob.gm_km3_s2, rp)
    arr = (1, 1.0, 1.0, 1.0)
    if capture is not None and capture_radii_km is not None:
        raise TianwenError("give capture=(periapsis_alt_km, apoapsis_alt_km) or capture_radii_km, not both")
    if capture is not None or capture_radii_km is not None:
        tb = _body(target)
        try:
            a, b = (float(x) for x in (capture if capture is not None else capture_radii_km))
        except (TypeError, ValueError):
            raise TianwenError(f"capture {capture or capture_radii_km!r} must be a (periapsis, apoapsis) pair in km")
        rp, ra = (a + tb.radius_km, b + tb.radius_km) if capture is not None else (a, b)
        if not (math.isfinite(rp) and math.isfinite(ra) and tb.radius_km <= rp <= ra):
            raise TianwenError(f"capture orbit periapsis {rp:g} km, apoapsis {ra:g} km (radii from the centre of "
                               f"{tb.name}): need radius {tb.radius_km:g} <= periapsis <= apoapsis")
        arr = (2, tb.gm_km3_s2, rp, ra)
    return Costs(*dep, *arr)


class Problem:
    """One transfer problem: the two windows, the bodies, the cap and the cost terms; evaluates candidates."""

    def __init__(self, origin, target, launch, arrival, vmax, cost: Costs, ephemeris, eta_bounds=ETA_BOUNDS,
                 tof_days=None):
        self.origin, self.target, self.ephemeris = origin, target, ephemeris
        self.t0, self.span0 = _window(launch, "launch")
        self.vmax, self.cost, self.mu = float(vmax), cost, GM_SUN
        self.eta_bounds = (float(eta_bounds[0]), float(eta_bounds[1]))
        if not (0.0 <= self.eta_bounds[0] <= self.eta_bounds[1] <= 1.0):
            raise TianwenError(f"eta_bounds={eta_bounds!r} must satisfy 0 <= low <= high <= 1")
        # The second variable: days after the arrival window opens, or (tof_days given) days of flight
        # beyond the shortest, counted from the launch (pykep's "direct" encoding).
        if (arrival is None) == (tof_days is None):
            raise TianwenError("give exactly one of arrival (a date or a (start, end) pair) and tof_days")
        if arrival is not None:
            a0, self.span1 = _window(arrival, "arrival")
            self.base1, self.rel = float(a0 - self.t0), False
            if self.base1 + self.span1 <= 0.0:
                raise TianwenError("the arrival window ends before the launch window starts")
        else:
            lo, hi = (float(x) for x in (tof_days if isinstance(tof_days, (tuple, list)) else (tof_days,) * 2))
            if not (math.isfinite(lo) and math.isfinite(hi) and 0.0 < lo <= hi):
                raise TianwenError(f"tof_days={tof_days!r} must be days > 0 or a (low, high) pair with low <= high")
            self.base1, self.span1, self.rel = lo, hi - lo, True
        self.free = [self.span0 > 0.0, self.span1 > 0.0]
        last = self.base1 + self.span1 + (self.span0 if self.rel else 0.0)
        heliocentric_state(origin, self.epoch_at(np.array([0.0, self.span0])), ephemeris)
        heliocentric_state(target, self.epoch_at(np.array([self.base1, last])), ephemeris)
        self._fixed = {}
        if not self.free[0]:
            self._fixed["dep"] = heliocentric_state(origin, self.t0, ephemeris)
        if not (self.free[0] and self.rel) and not self.free[1]:
            self._fixed["arr"] = heliocentric_state(target, self.epoch_at(np.array([self.base1])), ephemeris)

    def epoch_at(self, days) -> Epoch:
        """Epochs ``days`` (TDB) after the launch window opens."""
        days = np.asarray(days, float)
        return Epoch(np.full(days.shape, self.t0.jd1), self.t0.jd2 + days, "tdb")

    def arrival_days(self, tl, ta):
        """Days from the launch window's start to the arrival."""
        return self.base1 + np.asarray(ta, float) + (np.asarray(tl, float) if self.rel else 0.0)

    def epochs(self, tl, ta) -> tuple[Epoch, Epoch]:
        return self.epoch_at(tl), self.epoch_at(self.arrival_days(tl, ta))

    def states(self, tl, ta):
        n = np.size(tl)
        if "dep" in self._fixed:
            rd, vd = (np.repeat(x, n, axis=0) for x in self._fixed["dep"])
        else:
            rd, vd = heliocentric_state(self.origin, self.epoch_at(tl), self.ephemeris)
        if "arr" in self._fixed:
            ra, va = (np.repeat(x, n, axis=0) for x in self._fixed["arr"])
        else:
            ra, va = heliocentric_state(self.target, self.epoch_at(self.arrival_days(tl, ta)), self.ephemeris)
        return rd, vd, ra, va

    def tof_s(self, tl, ta):
        return (self.arrival_days(tl, ta) - np.asarray(tl, float)) * _DAY

    def evaluate(self, tl, ta, vinf, eta):
        """(cost, |DSM|, |vinf_arr|) of n candidates, km/s, NaN where the leg cannot be flown."""
        tl, ta = np.atleast_1d(np.asarray(tl, float)), np.atleast_1d(np.asarray(ta, float))
        n = tl.size
        rd, vd, ra, va = self.states(tl, ta)
        tof = np.ascontiguousarray(self.tof_s(tl, ta))
        tof = np.where(tof >= MIN_TOF_DAYS * _DAY, tof, np.nan)
        out = [np.empty(n) for _ in range(3)]
        run = costs_parallel if n >= PARALLEL_MIN else costs_serial
        run(np.ascontiguousarray(rd), np.ascontiguousarray(vd), np.ascontiguousarray(ra), np.ascontiguousarray(va),
            tof, np.ascontiguousarray(vinf, dtype=float).reshape(n, 3),
            np.ascontiguousarray(eta, dtype=float).reshape(n), self.mu, *self.cost.args(), *out)
        return out

    # --- decision vectors --------------------------------------------------------------------------------
    # DE (pykep's encoding): [tl if free, ta if free, u, v, s, eta]; direction theta = 2 pi u, latitude
    # asin(2 v - 1), magnitude s * vmax.  Polish: [tl, ta (free ones, in units of 10 days), vx, vy, vz, eta].

    def de_bounds(self):
        b = [(0.0, self.span0)] if self.free[0] else []
        b += [(0.0, self.span1)] if self.free[1] else []
        return b + [(0.0, 1.0), (0.0, 1.0), (0.0, 1.0), self.eta_bounds]

    def _dates(self, z, k):
        n = z.shape[1]
        tl = z[k] if self.free[0] else np.zeros(n)
        k += self.free[0]
        ta = z[k] if self.free[1] else np.zeros(n)
        return tl, ta, k + self.free[1]

    def de_decode(self, z):
        """(tl, ta, vinf (n, 3), eta) of DE columns ``z`` of shape (dims, n)."""
        z = np.asarray(z, float).reshape(len(self.de_bounds()), -1)
        tl, ta, k = self._dates(z, 0)
        theta, lat = 2.0 * np.pi * z[k], np.arcsin(np.clip(2.0 * z[k + 1] - 1.0, -1.0, 1.0))
        vinf = (z[k + 2] * self.vmax)[:, None] * np.stack(
            [np.cos(lat) * np.cos(theta), np.cos(lat) * np.sin(theta), np.sin(lat)], axis=1)
        return tl, ta, vinf, z[k + 3]

    def de_encode(self, tl, ta, vinf, eta):
        v = np.atleast_2d(vinf)
        n = np.linalg.norm(v, axis=1)
        lat = np.arcsin(np.clip(v[:, 2] / np.where(n > 0, n, 1.0), -1.0, 1.0))
        cols = ([np.atleast_1d(tl)] if self.free[0] else []) + ([np.atleast_1d(ta)] if self.free[1] else [])
        cols += [(np.arctan2(v[:, 1], v[:, 0]) / (2 * np.pi)) % 1.0, 0.5 * (np.sin(lat) + 1.0),
                 np.minimum(n / self.vmax, 1.0), np.clip(np.atleast_1d(eta), *self.eta_bounds)]
        return np.stack(cols, axis=0)

    def de_cost(self, z):
        cost = self.evaluate(*self.de_decode(z))[0]
        return np.where(np.isfinite(cost), cost, _PENALTY)

    def y_decode(self, y):
        y = np.asarray(y, float).reshape(-1, len(self.de_bounds()))
        k = 0
        tl = y[:, k] * 10.0 if self.free[0] else np.zeros(len(y))
        k += self.free[0]
        ta = y[:, k] * 10.0 if self.free[1] else np.zeros(len(y))
        k += self.free[1]
        return tl, ta, y[:, k:k + 3], y[:, k + 3]

    def y_encode(self, tl, ta, vinf, eta):
        out = ([float(tl) / 10.0] if self.free[0] else []) + ([float(ta) / 10.0] if self.free[1] else [])
        return np.array(out + [float(x) for x in np.ravel(vinf)] + [float(eta)])

    def y_bounds(self):
        b = [(0.0, self.span0 / 10.0)] if self.free[0] else []
        b += [(0.0, self.span1 / 10.0)] if self.free[1] else []
        return b + [(-self.vmax, self.vmax)] * 3 + [self.eta_bounds]

    def y_cost_grad(self, y, h=1e-6):
        """Cost at ``y`` and its central-difference gradient, from one batched evaluation."""
        d = y.size
        ys = np.repeat(y[None, :], 2 * d + 1, axis=0)
        for k in range(d):
            ys[1 + 2 * k, k] -= h
            ys[2 + 2 * k, k] += h
        lo, hi = np.array(self.y_bounds()).T
        ys = np.clip(ys, lo, hi)
        c = self.evaluate(*self.y_decode(ys))[0]
        c = np.where(np.isfinite(c), c, _PENALTY)
        g = np.array([(c[2 + 2 * k] - c[1 + 2 * k]) / max(ys[2 + 2 * k, k] - ys[1 + 2 * k, k], 1e-300)
                      for k in range(d)])
        return float(c[0]), g

    def polish(self, y0, maxiter=200):
        from scipy.optimize import minimize

        k = len(y0) - 4
        vmax2 = self.vmax ** 2
        cons = {"type": "ineq", "fun": lambda y: vmax2 - y[k] ** 2 - y[k + 1] ** 2 - y[k + 2] ** 2,
                "jac": lambda y: np.concatenate([np.zeros(k), -2.0 * y[k:k + 3], [0.0]])}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = minimize(self.y_cost_grad, y0, jac=True, method="SLSQP", bounds=self.y_bounds(),
                           constraints=[cons], options={"maxiter": maxiter, "ftol": 1e-12})
        y = np.clip(res.x, *np.array(self.y_bounds()).T)
        v = y[k:k + 3]
        nv = float(np.linalg.norm(v))
        if nv > self.vmax:  # SLSQP may end a hair outside the cap: bring it onto the cap
            y[k:k + 3] = v * (self.vmax / nv)
        c0 = self.y_cost_grad(np.asarray(y0, float))[0]
        c1 = self.y_cost_grad(y)[0]
        return (y, c1) if c1 <= c0 else (np.asarray(y0, float), c0)

    def seeds(self, n_side: int = 12) -> np.ndarray:
        """DE columns of ballistic arcs (a coarse grid of Lambert solutions, v-infinity capped), several eta each."""
        tl = np.linspace(0.0, self.span0, n_side if self.free[0] else 1)
        ta = np.linspace(0.0, self.span1, n_side if self.free[1] else 1)
        TL, TA = (x.ravel() for x in np.meshgrid(tl, ta, indexing="ij"))
        tof = self.tof_s(TL, TA)
        ok = tof >= MIN_TOF_DAYS * _DAY
        TL, TA, tof = TL[ok], TA[ok], tof[ok]
        if TL.size == 0:
            return np.empty((len(self.de_bounds()), 0))
        from .lambert import lambert

        rd, vd, ra, va = self.states(TL, TA)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sol = lambert(rd, ra, tof, mu=self.mu)
        vinf = np.asarray(sol.v1) - vd
        good = np.isfinite(vinf).all(axis=1)
        TL, TA, vinf = TL[good], TA[good], vinf[good]
        nv = np.linalg.norm(vinf, axis=1)
        vinf = vinf * np.minimum(1.0, self.vmax / np.maximum(nv, 1e-12))[:, None]
        etas = np.array([0.2, 0.5, 0.8])
        TL, TA, ET = np.repeat(TL, 3), np.repeat(TA, 3), np.tile(etas, TL.size)
        vinf = np.repeat(vinf, 3, axis=0)
        c = self.evaluate(TL, TA, vinf, ET)[0]
        order = np.argsort(np.where(np.isfinite(c), c, np.inf))
        return self.de_encode(TL, TA, vinf, ET)[:, order]


def _optimise(prob: Problem, *, seed=0, popsize: int = 20, maxiter: int = 300, polish_best: int = 3):
    """Differential evolution over the whole box (vectorised), then SLSQP from the best members."""
    from scipy.optimize import differential_evolution

    bounds = prob.de_bounds()
    d = len(bounds)
    npop = popsize * d
    rng = np.random.default_rng(seed)
    seeds = prob.seeds()
    nseed = min(seeds.shape[1], npop // 3)
    init = rng.random((npop, d))
    lo, hi = np.array(bounds).T
    init = lo + init * (hi - lo)
    init[:nseed] = seeds[:, :nseed].T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = differential_evolution(prob.de_cost, bounds, init=init, vectorized=True, updating="deferred",
                                     maxiter=maxiter, tol=1e-10, atol=0.0, mutation=(0.5, 1.0), recombination=0.9,
                                     seed=seed, polish=False)
    pop, energies = res.population, res.population_energies
    order = np.argsort(energies)
    best_y, best_c = None, np.inf
    starts = [pop[i] for i in order[:polish_best]]
    if nseed:
        starts.append(seeds[:, 0])
    for z in starts:
        tl, ta, vinf, eta = prob.de_decode(np.asarray(z)[:, None])
        y, c = prob.polish(prob.y_encode(tl[0], ta[0], vinf[0], eta[0]))
        if c < best_c:
            best_y, best_c = y, c
    return best_y


@dataclass(frozen=True)
class DSMTransfer:
    """A transfer with one DSM, full precision. Epochs are TDB :class:`~tianwen.time.Epoch`; vectors are ICRF
    (EME2000 axes), km and km/s; ``vinf_*`` relative to the origin/target's centre; ``r_*``/``v_*`` Sun-centred
    spacecraft states (``v_dsm_before``/``v_dsm_after`` either side of the DSM). ``departure_dv_kms`` is counted
    in ``total_dv_kms`` only for broken-plane transfers (``count_launch``); ``ballistic_total_dv_kms`` is the
    same cost for the ballistic Lambert arc between the same dates (NaN when it exceeds the cap or fails)."""

    origin: str
    target: str
    ephemeris: str
    launch: Epoch
    arrival: Epoch
    dsm: Epoch
    eta: float
    tof_days: float
    c3_km2s2: float
    vinf_dep_kms: np.ndarray
    dla_deg: float
    rla_deg: float
    dsm_dv_kms: np.ndarray
    dsm_dv_total_kms: float
    vinf_arr_kms: np.ndarray
    arrival_dv_kms: float
    departure_dv_kms: float
    total_dv_kms: float
    max_c3_km2s2: float | None
    objective: str
    r_launch_km: np.ndarray
    v_launch_kms: np.ndarray
    r_dsm_km: np.ndarray
    v_dsm_before_kms: np.ndarray
    v_dsm_after_kms: np.ndarray
    r_arrival_km: np.ndarray
    v_arrival_kms: np.ndarray
    ballistic_total_dv_kms: float = math.nan
    extra: dict = field(default_factory=dict)

    @property
    def note(self) -> str:
        """Why a plane change of almost nothing saves more than itself: on the 180 deg ridge the ballistic arc's
        plane is set by the last digits of the two positions (any plane holds two opposite points), so a DSM of
        a few m/s moves the transfer into a cheaper plane. Empty otherwise."""
        saving = self.ballistic_total_dv_kms - self.total_dv_kms
        if self.dsm_dv_total_kms < 0.005 and saving > max(0.005, 2.0 * self.dsm_dv_total_kms):
            return (f"a {1000 * self.dsm_dv_total_kms:.1f} m/s plane change saves {1000 * saving:.0f} m/s: near 180 deg "
                    "the ballistic arc's plane is ill-determined, and the DSM picks a cheaper one")
        return ""

    def as_json(self, decimals: int = 6) -> dict:
        """The issue's JSON record (rounded here, at the edge)."""

        def r(x):
            return round(float(x), decimals) if math.isfinite(float(x)) else None

        def rv(v):
            return [r(x) for x in v]

        return {"launch_utc": self.launch.utc_iso(3), "arrival_utc": self.arrival.utc_iso(3),
                "c3_km2s2": r(self.c3_km2s2), "vinf_dep_kms": rv(self.vinf_dep_kms), "dla_deg": r(self.dla_deg),
                "rla_deg": r(self.rla_deg), "dsm_utc": self.dsm.utc_iso(3), "dsm_dv_kms": rv(self.dsm_dv_kms),
                "dsm_dv_total_kms": r(self.dsm_dv_total_kms), "vinf_arr_kms": rv(self.vinf_arr_kms),
                "arrival_dv_kms": r(self.arrival_dv_kms), "total_dv_kms": r(self.total_dv_kms),
                "departure_dv_kms": r(self.departure_dv_kms), "ballistic_total_dv_kms": r(self.ballistic_total_dv_kms),
                "max_c3_km2s2": None if self.max_c3_km2s2 is None else r(self.max_c3_km2s2),
                "objective": self.objective, "origin": self.origin, "target": self.target, "ephemeris": self.ephemeris}


def _objective_text(cost: Costs) -> str:
    dep = {0: "", 1: "launch v-infinity + ", 2: "departure burn from the parking orbit + "}[cost.dep_mode]
    arr = {1: "arrival v-infinity", 2: "capture burn"}[cost.arr_mode]
    return f"{dep}DSM + {arr}"


def transfer_record(prob: Problem, tl, ta, vinf, eta, cap) -> DSMTransfer:
    from .core.dsm import hyperbola_dv

    tl, ta, eta = float(tl), float(ta), float(eta)
    vinf = np.asarray(vinf, float).reshape(3)
    rd, vd, ra, va = (x[0] for x in prob.states(np.array([tl]), np.array([ta])))
    tof = float(prob.tof_s(tl, ta))
    out = leg(*map(float, (*rd, *vd, *vinf, *ra)), tof, eta, prob.mu)
    if out[-1] != 0:
        raise TianwenError("no one-DSM transfer could be flown between these dates; widen the windows")
    rm, ub, ua, v2 = (np.array(out[3 * k:3 * k + 3]) for k in range(4))
    c = prob.cost
    vdep, varr = float(np.linalg.norm(vinf)), v2 - va
    dep_dv = float(hyperbola_dv(vdep, max(c.dep_mode, 1), c.dep_mu, c.dep_rp, c.dep_rp))
    arr_dv = float(hyperbola_dv(float(np.linalg.norm(varr)), c.arr_mode, c.arr_mu, c.arr_rp, c.arr_ra))
    dsm = ua - ub
    total = (dep_dv if c.dep_mode else 0.0) + float(np.linalg.norm(dsm)) + arr_dv
    launch, arrival = (e[0] for e in prob.epochs(np.array([tl]), np.array([ta])))
    launch, arrival = Epoch(launch.jd1, launch.jd2, "tdb"), Epoch(arrival.jd1, arrival.jd2, "tdb")
    dsm_t = launch + eta * tof / _DAY
    # The ballistic arc between the same dates, priced the same way.
    from .lambert import lambert

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = lambert(rd, ra, tof, mu=prob.mu)
    vb = np.asarray(sol.v1) - vd
    ballistic = math.nan
    if int(sol.status) == 0 and (cap is None or float(vb @ vb) <= cap + 1e-9):
        vab = float(np.linalg.norm(np.asarray(sol.v2) - va))
        ballistic = ((float(hyperbola_dv(float(np.linalg.norm(vb)), c.dep_mode, c.dep_mu, c.dep_rp, c.dep_rp))
                      if c.dep_mode else 0.0) + float(hyperbola_dv(vab, c.arr_mode, c.arr_mu, c.arr_rp, c.arr_ra)))
    dla, rla = _radec(vinf)
    names = [b if not isinstance(b, str) else _body(b).name for b in (prob.origin, prob.target)]
    names = [n if isinstance(n, str) else getattr(n, "name", type(n).__name__) for n in names]
    eph = prob.ephemeris if isinstance(prob.ephemeris, str) else getattr(prob.ephemeris, "name", "custom")
    return DSMTransfer(names[0], names[1], eph, launch, arrival, dsm_t, eta, tof / _DAY, vdep * vdep, vinf, dla, rla,
                       dsm, float(np.linalg.norm(dsm)), varr, arr_dv, dep_dv, total, cap, _objective_text(c),
                       rd, vd + vinf, rm, ub, ua, ra, v2, ballistic)


def dsm_transfer(launch, arrival=None, *, tof_days=None, origin="earth", target="mars", max_c3_km2s2=None, vehicle=None,
                 payload_kg=None, capture=None, capture_radii_km=None, parking_alt_km=None,
                 count_launch: bool = False, ephemeris="de421", eta_bounds=ETA_BOUNDS, seed: int = 0,
                 popsize: int = 20, maxiter: int = 300) -> DSMTransfer:
    """The best one-DSM transfer from ``origin`` to ``target``.

    ``launch`` and ``arrival`` are each a date (fixed) or a ``(start, end)`` pair (free within it), anything
    :func:`tianwen.time.epoch` reads (UTC by default); instead of ``arrival``, ``tof_days`` (days, or a
    ``(low, high)`` pair) bounds the flight time from the launch (pykep's "direct" encoding). The launch C3 is
    capped by ``max_c3_km2s2``, or by what
    ``vehicle`` delivers for ``payload_kg`` (:mod:`tianwen.launch`); without a cap the search bounds v-infinity by
    :data:`DEFAULT_VINF_MAX_KMS`. The cost minimised is DSM + the arrival term: the arrival v-infinity, or with
    ``capture=(periapsis_alt_km, apoapsis_alt_km)`` (or ``capture_radii_km=(rp_km, ra_km)``) the impulsive capture
    burn; with ``count_launch`` (or ``parking_alt_km``) the launch v-infinity (or the burn from that parking orbit)
    is added. ``eta_bounds`` bound the DSM's fraction of the flight time. ``seed`` makes the search repeatable.

    >>> t = dsm_transfer("2020-07-23", "2021-02-10", max_c3_km2s2=10.0)   # the ballistic arc needs C3 = 13.39
    >>> round(t.c3_km2s2, 6), round(t.dsm_dv_total_kms, 3), round(t.total_dv_kms, 3)
    (10.0, 0.539, 3.153)
    """
    cap = c3_cap(max_c3_km2s2, vehicle, payload_kg)
    vmax = DEFAULT_VINF_MAX_KMS if cap is None else math.sqrt(cap)
    cost = costs(origin, target, count_launch=count_launch, parking_alt_km=parking_alt_km, capture=capture,
                 capture_radii_km=capture_radii_km)
    prob = Problem(origin, target, launch, arrival, vmax, cost, ephemeris, eta_bounds, tof_days)
    y = _optimise(prob, seed=seed, popsize=popsize, maxiter=maxiter)
    if y is None:
        raise TianwenError("no one-DSM transfer could be flown between these dates; widen the windows")
    tl, ta, vinf, eta = prob.y_decode(y)
    return transfer_record(prob, tl[0], ta[0], vinf[0], eta[0], cap)


def broken_plane_transfer(departure, arrival, *, origin="earth", target="mars", max_c3_km2s2=None,
                          parking_alt_km=None, capture=None, ephemeris="de421", seed: int = 0) -> DSMTransfer:
    """The broken-plane transfer between two fixed dates: launch, a mid-course plane change (the DSM, at the
    optimal point), arrival; the cost counts the launch (v-infinity, or the burn from ``parking_alt_km``), the
    DSM and the arrival (v-infinity, or the capture burn into ``capture``). Near the 180 deg ridge, where the
    ballistic arc must climb to a polar plane, this costs far less; ``ballistic_total_dv_kms`` gives the
    ballistic arc's cost beside it.
    """
    return dsm_transfer(departure, arrival, origin=origin, target=target, max_c3_km2s2=max_c3_km2s2,
                        capture=capture, parking_alt_km=parking_alt_km, count_launch=True, ephemeris=ephemeris,
                        seed=seed)


# ---------------------------------------------------------------------------------------------------------
# DSM porkchops
# ---------------------------------------------------------------------------------------------------------

#: The DSM grid's variables: name -> (units, long name, JSON name).
DSM_VARIABLES = {
    "c3": ("km^2/s^2", "launch energy of the one-DSM transfer", "c3_km2s2"),
    "dsm_dv": ("km/s", "deep-space manoeuvre", "dsm_dv_kms"),
    "eta": ("1", "DSM epoch as a fraction of the flight time", "eta"),
    "vinf_arr": ("km/s", "arrival hyperbolic excess speed of the one-DSM transfer", "vinf_arr_kms"),
    "total_dv": ("km/s", "DSM + arrival term (+ launch term when counted)", "total_dv_kms"),
    "ballistic_total_dv": ("km/s", "the same cost for the ballistic arc; NaN where its C3 exceeds the cap",
                           "ballistic_total_dv_kms"),
    "saving_dv": ("km/s", "ballistic_total_dv - total_dv (NaN where the ballistic arc exceeds the cap)",
                  "saving_dv_kms"),
}


@dataclass
class DSMGrid(Grid):
    """A DSM porkchop as NumPy arrays of shape (departure, arrival) named as :data:`DSM_VARIABLES` (a
    :class:`~tianwen.porkchop.Grid`: same axes and accessors), beside the ballistic Grid of the same cells
    (``ballistic``)."""

    ballistic: object = None

    def to_dataset(self):
        """An ``xarray.Dataset`` of the DSM variables, with the ballistic ones beside them (prefixed
        ``ballistic_``)."""
        import xarray as xr

        dims = ("departure", "arrival")
        ds = xr.Dataset({k: (dims, v) for k, v in self.data.items()},
                        coords={"departure": self.departure, "arrival": self.arrival})
        for k, (units, long_name, _) in DSM_VARIABLES.items():
            ds[k].attrs.update(units=units, long_name=long_name)
        bal = self.ballistic.to_dataset()
        for k in bal.data_vars:
            ds[f"ballistic_{k}"] = bal[k]
        ds.attrs.update(self.attrs)
        return ds


def dsm_porkchop(departure, arrival, *, step_days: float | None = None, n: tuple[int, int] | None = (100, 100),
                 origin="earth", target="mars", max_c3_km2s2=None, vehicle=None, payload_kg=None, capture=None,
                 capture_radii_km=None, parking_alt_km=None, count_launch: bool = False, ephemeris="de421",
                 eta_bounds=ETA_BOUNDS, min_tof_days: float = MIN_TOF_DAYS, progress=None) -> DSMGrid:
    """For each (launch, arrival) cell, the cheapest one-DSM transfer under the C3 cap, beside the ballistic grid.

    The windows, ``step_days``/``n``, bodies and ephemeris are those of :func:`tianwen.porkchop.porkchop_grid`;
    the cap and the cost terms those of :func:`dsm_transfer`. Each cell is a local SLSQP problem over the
    launch v-infinity vector and the DSM fraction ``eta``, started from the best of the ballistic arc (its
    v-infinity scaled onto the cap), the previous cell's optimum and the optimum of the cell on the row before
    (cells are visited row by row, alternately left to right and right to left, so each start is a neighbour).
    Cells shorter than ``min_tof_days`` are NaN. ``progress(done, total)`` is called after each row.
    """
    from scipy.optimize import minimize

    from .porkchop import porkchop_grid

    cap = c3_cap(max_c3_km2s2, vehicle, payload_kg)
    vmax = DEFAULT_VINF_MAX_KMS if cap is None else math.sqrt(cap)
    cost = costs(origin, target, count_launch=count_launch, parking_alt_km=parking_alt_km, capture=capture,
                 capture_radii_km=capture_radii_km)
    lo_eta, hi_eta = (float(x) for x in eta_bounds)
    grid = porkchop_grid(departure, arrival, step_days=step_days, n=None if step_days is not None else n,
                         origin=origin, target=target, ephemeris=ephemeris)
    dep, arr = _epoch(grid.departure).to("tdb"), _epoch(grid.arrival).to("tdb")
    rd, vd = heliocentric_state(origin, dep, ephemeris)
    ra, va = heliocentric_state(target, arr, ephemeris)
    nd, na = grid.shape
    tof_days = (arr.jd1[None, :] - dep.jd1[:, None]) + (arr.jd2[None, :] - dep.jd2[:, None])
    dec, ra_ = np.radians(grid["dla"]), np.radians(grid["rla"])
    vb = np.sqrt(grid["c3"])[..., None] * np.stack([np.cos(dec) * np.cos(ra_), np.cos(dec) * np.sin(ra_),
                                                    np.sin(dec)], axis=-1)
    scale = np.minimum(1.0, vmax / np.maximum(np.linalg.norm(vb, axis=-1), 1e-12))
    vb_capped = vb * scale[..., None]
    names = ("c3", "dsm_dv", "eta", "vinf_arr", "total_dv")
    out = {k: np.full((nd, na), np.nan) for k in names}
    xs = np.full((nd, na, 4), np.nan)
    h = np.array([1e-7, 1e-7, 1e-7, 1e-7])
    args = cost.args()
    grad = np.empty(4)
    vmax2 = vmax * vmax
    bounds = [(-vmax, vmax)] * 3 + [(lo_eta, hi_eta)]
    cons = [{"type": "ineq", "fun": lambda x: vmax2 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2,
             "jac": lambda x: np.array([-2.0 * x[0], -2.0 * x[1], -2.0 * x[2], 0.0])}]
    for i in range(nd):
        rdi, vdi = np.ascontiguousarray(rd[i]), np.ascontiguousarray(vd[i])
        cols = range(na) if i % 2 == 0 else range(na - 1, -1, -1)
        prev = None
        for j in cols:
            tof = float(tof_days[i, j]) * _DAY
            if not tof >= min_tof_days * _DAY:
                prev = None
                continue
            raj, vaj = np.ascontiguousarray(ra[j]), np.ascontiguousarray(va[j])

            def f(x, raj=raj, vaj=vaj, tof=tof):
                c = cell_cost_grad(rdi, vdi, raj, vaj, tof, x, h, GM_SUN, *args, grad)
                if not math.isfinite(c) or not np.all(np.isfinite(grad)):
                    return _PENALTY, np.zeros(4)
                return c, grad.copy()

            starts = []
            if np.all(np.isfinite(vb_capped[i, j])):
                starts.append(np.append(vb_capped[i, j], 0.5))
            if prev is not None:
                starts.append(prev)
            if i > 0 and np.all(np.isfinite(xs[i - 1, j])):
                starts.append(xs[i - 1, j])
            best, best_c = None, np.inf
            for x0 in starts:
                c0 = f(x0)[0]
                if c0 < best_c:
                    best, best_c = np.asarray(x0, float), c0
            if best is None or best_c >= _PENALTY:
                prev = None
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = minimize(f, best, jac=True, method="SLSQP", bounds=bounds, constraints=cons,
                               options={"maxiter": 100, "ftol": 1e-10})
            x = np.clip(res.x, [b[0] for b in bounds], [b[1] for b in bounds])
            nv = float(np.linalg.norm(x[:3]))
            if nv > vmax:
                x[:3] *= vmax / nv
            c = f(x)[0]
            if not c <= best_c:
                x, c = best, best_c
            xs[i, j] = x
            prev = x
            _, dsm, varr = (float(v) for v in _leg_numbers(rdi, vdi, raj, vaj, tof, x, args))
            out["c3"][i, j] = float(x[:3] @ x[:3])
            out["dsm_dv"][i, j], out["eta"][i, j], out["vinf_arr"][i, j], out["total_dv"][i, j] = dsm, x[3], varr, c
        if progress is not None:
            progress((i + 1) * na, nd * na)
    # The ballistic arc priced the same way, where it is within the cap.
    from .core.dsm import hyperbola_dv

    bc3, bva = grid["c3"], grid["vinf_arr"]
    ok = np.isfinite(bc3) & ((bc3 <= cap + 1e-9) if cap is not None else True) & (tof_days >= min_tof_days)
    dep_term = np.vectorize(lambda v: hyperbola_dv(v, cost.dep_mode, cost.dep_mu, cost.dep_rp, cost.dep_rp))
    arr_term = np.vectorize(lambda v: hyperbola_dv(v, cost.arr_mode, cost.arr_mu, cost.arr_rp, cost.arr_ra))
    with np.errstate(invalid="ignore"):
        btot = np.where(ok, dep_term(np.sqrt(bc3)) + arr_term(bva), np.nan)
    out["ballistic_total_dv"] = btot
    out["saving_dv"] = btot - out["total_dv"]
    attrs = dict(grid.attrs, title=f"{grid.attrs['origin']} to {grid.attrs['target']} one-DSM porkchop",
                 objective=_objective_text(cost), counts_launch=int(cost.dep_mode != 0),
                 max_c3_km2s2=np.nan if cap is None else cap,
                 eta_low=lo_eta, eta_high=hi_eta, model="one-DSM leg (MGA-1DSM), SLSQP per cell, warm-started")
    return DSMGrid(out, grid.departure, grid.arrival, grid.scale, attrs, ballistic=grid)


@dataclass
class GridOptimum:
    """The least-cost cell of one of a DSM grid's cost maps (full precision; epochs as datetime64 in the grid's
    scale)."""

    kind: str  # "ballistic" or "dsm" ("broken-plane" when the grid counts the launch)
    departure: np.datetime64
    arrival: np.datetime64
    total_dv_kms: float
    dsm_dv_kms: float
    c3_km2s2: float

    def as_json(self) -> dict:
        return {"kind": self.kind, "launch": str(self.departure)[:10], "arrival": str(self.arrival)[:10],
                "total_dv_kms": round(self.total_dv_kms, 4), "dsm_dv_kms": round(self.dsm_dv_kms, 4),
                "c3_km2s2": round(self.c3_km2s2, 3)}


def grid_optima(g: DSMGrid) -> list[GridOptimum]:
    """The least total-cost cell of the ballistic arcs and of the one-DSM transfers of a :func:`dsm_porkchop`
    grid, in that order (a map with no finite cell is left out). With ``count_launch=True`` the DSM map is the
    broken-plane one, and the two optima are the side-by-side comparison of the handbooks' "with DSM" charts."""
    out = []
    dsm_kind = "broken-plane" if g.attrs.get("counts_launch") else "dsm"
    for kind, key in (("ballistic", "ballistic_total_dv"), (dsm_kind, "total_dv")):
        v = g[key]
        if not np.isfinite(v).any():
            continue
        i, j = np.unravel_index(int(np.nanargmin(v)), v.shape)
        dsm_dv = 0.0 if kind == "ballistic" else float(g["dsm_dv"][i, j])
        c3 = float(g.ballistic["c3"][i, j]) if kind == "ballistic" else float(g["c3"][i, j])
        out.append(GridOptimum(kind, g.departure[i], g.arrival[j], float(v[i, j]), dsm_dv, c3))
    return out


def _leg_numbers(rd, vd, ra, va, tof_s, x, args):
    """(cost, |DSM|, |vinf_arr|) of one fixed-date leg at x = (vinf xyz, eta)."""
    from .core.dsm import leg_cost

    return leg_cost(*map(float, (*rd, *vd, x[0], x[1], x[2], *ra, *va)), float(tof_s), float(x[3]), GM_SUN,
                    *args)
