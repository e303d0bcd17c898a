"""The cooperation quantified: how well a set of stations determines a reconstructed cruise at Mars arrival.

:func:`cruise_arc` builds the orbit-determination arc of a mission from its reconstruction
(:func:`tianwen.reconstruct.reconstruct`): the reference state at the start of the data arc, the published
manoeuvres (those inside the data arc solved for, the later ones flown as planned), the n-body model with
cannonball SRP (an assumed area-to-mass ratio), ending at the mapping epoch two days before arrival (inside
Mars' sphere of influence). The start velocity is corrected (two Newton steps on the STM) so that, with SRP
added, the reference still reaches the reconstruction's position at the mapping epoch.

:func:`compare_stations` schedules the tracking of all the stations named (:func:`~.schedule.schedule`),
computes the design once, compresses each block of rows (one station or baseline, with or without delta-DOR)
to its square-root information (:func:`~.estimation.compress`), and for each station set (the base set, with
delta-DOR, with the added stations, with both) stacks its blocks, solves the covariance
(:func:`~.estimation.srif`, the same answer as solving its rows at once) and maps it to the B-plane
(:func:`~.bplane.map_to_bplane`). Because a set's measurements are a subset of a larger set's, the
formal covariance can only shrink as stations or delta-DOR are added.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..bodies import DAY_S
from ..errors import TianwenError
from ..time import Epoch, epoch as _epoch

__all__ = ["AREA_TO_MASS_M2_KG", "CR_NOMINAL", "PRIOR_SIGMAS", "MARS_EPHEMERIS_SIGMA_KM", "MAP_DAYS_BEFORE_ARRIVAL",
           "cruise_arc", "prior_covariance", "StationSetResult", "NavigationReport", "compare_stations"]

#: Assumed area-to-mass ratio of Tianwen-1 in cruise: ~20 m^2 (body and arrays facing the Sun) for ~5000 kg
#: (launch mass, Xinhua 2020); an assumption, not a published figure.
AREA_TO_MASS_M2_KG = 20.0 / 5000.0
CR_NOMINAL = 1.3
#: A-priori sigmas: position km, velocity km/s, Cr, manoeuvre dv km/s (weak, so the data decide).
PRIOR_SIGMAS = {"position_km": 1000.0, "velocity_kms": 1e-3, "cr": 0.2, "dv_kms": 1e-3}
#: Mars (barycentre) ephemeris position uncertainty per axis, km (data/tracking_noise.md).
MARS_EPHEMERIS_SIGMA_KM = 0.3
MAP_DAYS_BEFORE_ARRIVAL = 2.0
#: Measurements start this long after the arc's epoch, so that the down leg never reaches before it (the
#: Earth-Mars one-way light time is at most ~22 min).
LIGHT_TIME_MARGIN_DAYS = 1800.0 / DAY_S
DEFAULT_ARC = ("2020-10-29", "2021-02-03")


def _tdb(value, what) -> Epoch:
    try:
        t = (value if isinstance(value, Epoch) else _epoch(value)).to("tdb")
    except ValueError as exc:
        raise TianwenError(f"{what} {value!r}: {str(exc).splitlines()[0]}") from None
    if t.shape != ():
        raise TianwenError(f"{what} must be a single epoch")
    return t


def cruise_arc(mission: str = "tianwen-1", start=DEFAULT_ARC[0], end=DEFAULT_ARC[1], *,
               area_to_mass_m2_kg: float = AREA_TO_MASS_M2_KG, cr: float = CR_NOMINAL, rtol: float = 1e-12):
    """``(arc, t_map, reconstruction)`` for the data arc ``start``..``end`` of ``mission`` (module docstring)."""
    from ..propagate import NBodyModel, SolarRadiationPressure
    from ..reconstruct import reconstruct
    from .estimation import Arc, sensitivities

    rec = reconstruct(mission)
    traj = rec.trajectory
    a, b = _tdb(start, "arc start"), _tdb(end, "arc end")
    t_map = rec.arrival.to("tdb") - MAP_DAYS_BEFORE_ARRIVAL
    lo, hi = float(traj.t0.jd), float(t_map.jd)
    if not (lo <= float(a.jd) < float(b.jd) <= hi):
        raise TianwenError(f"arc {a.utc_iso(0)} to {b.utc_iso(0)} must be ordered and inside the cruise "
                           f"({traj.t0.utc_iso(0)} to {t_map.utc_iso(0)}, {MAP_DAYS_BEFORE_ARRIVAL:g} days "
                           "before arrival)")
    r0, v0 = (np.asarray(x, float).reshape(3) for x in traj.state(a))
    burns = [(t, np.asarray(dv, float), float(a.jd) < float(t.jd) < float(b.jd))
             for t, dv in traj.manoeuvres if float(a.jd) < float(t.jd) < hi]
    model = NBodyModel(srp=SolarRadiationPressure(area_to_mass_m2_kg, cr))
    arc = Arc(a, r0, v0, model, t_map, burns, rtol)
    goal = np.asarray(traj.state(t_map)[0], float).reshape(3)
    for _ in range(2):  # keep the reconstruction's arrival with SRP added
        p = arc.reference()
        states, sens = sensitivities(arc, p, Epoch(np.atleast_1d(t_map.jd1), np.atleast_1d(t_map.jd2), "tdb"))
        miss = states[0, :3] - goal
        dv = np.linalg.solve(sens[0][:3, 3:6], -miss)
        arc = Arc(a, r0, arc.v0_kms + dv, model, t_map, burns, rtol, cr)
    return arc, t_map, rec


def prior_covariance(arc, sigmas: dict | None = None) -> np.ndarray:
    """Diagonal a-priori covariance of the arc's parameters from :data:`PRIOR_SIGMAS` (or ``sigmas``)."""
    s = {**PRIOR_SIGMAS, **(sigmas or {})}
    out = []
    for name in arc.names():
        out.append(s["position_km"] if name.endswith("_km") and name[0] in "xyz" else
                   s["velocity_kms"] if name.startswith("v") else s["cr"] if name == "cr" else s["dv_kms"])
    return np.diag(np.square(out))


@dataclass
class StationSetResult:
    """One station set: its label, stations, whether delta-DOR is used, tracked passes, measurement counts,
    and the B-plane uncertainty (formal: noise only; consider: with station, Earth and Mars ephemeris and range
    bias errors)."""

    label: str
    stations: list
    ddor: bool
    passes: int
    counts: dict
    formal: object
    consider: object
    position_sigma_km: float

    def as_json(self) -> dict:
        return {"label": self.label, "stations": self.stations, "ddor": self.ddor, "passes": self.passes,
                "measurements": self.counts, "formal": self.formal.as_json(), "consider": self.consider.as_json(),
                "position_sigma_at_map_km": self.position_sigma_km}


@dataclass
class NavigationReport:
    """The comparison of station sets (see :func:`compare_stations`)."""

    mission: str
    arc_start: Epoch
    arc_end: Epoch
    map_epoch: Epoch
    rows: list
    parameters: list
    assumptions: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {"mission": self.mission, "arc_start_utc": self.arc_start.utc_iso(0),
                "arc_end_utc": self.arc_end.utc_iso(0), "map_epoch_utc": self.map_epoch.utc_iso(0),
                "solve_for": self.parameters, "rows": [r.as_json() for r in self.rows],
                "assumptions": self.assumptions}


def _names(stations) -> list[str]:
    from ..tracking.sites import as_site

    if stations is None:
        return []
    if isinstance(stations, str):
        stations = stations.split(",")
    return [as_site(s.strip() if isinstance(s, str) else s).name for s in stations if not isinstance(s, str)
            or s.strip()]


def compare_stations(mission: str = "tianwen-1", stations=("kashi", "jiamusi"), add=(), *, ddor: bool = False,
                     start=DEFAULT_ARC[0], end=DEFAULT_ARC[1], progress=None, **schedule_options) -> NavigationReport:
    """B-plane and periapsis-altitude uncertainty at Mars for the base ``stations``, with delta-DOR (``ddor``)
    and with the ``add``-ed stations (module docstring). ``schedule_options`` go to
    :func:`~.schedule.schedule`."""
    from .bplane import map_to_bplane
    from .estimation import RANGE_BIAS_SIGMA_M, compress, design, srif
    from .measurements import DDOR
    from .schedule import schedule

    base, extra = _names(stations), _names(add)
    if not base:
        raise TianwenError("stations is empty: give at least one station, e.g. stations=['kashi', 'jiamusi']")
    extra = [s for s in extra if s not in base]
    step = progress or (lambda label: None)
    step("reference trajectory")
    arc, t_map, rec = cruise_arc(mission, start, end)
    step("tracking schedule")
    sched = schedule(_Within(arc), base + extra, arc.t0 + LIGHT_TIME_MARGIN_DAYS, _tdb(end, "arc end"), ddor=ddor,
                     **schedule_options)
    meas = sched.measurements
    if len(meas) == 0:
        raise TianwenError(f"no station of {base + extra} sees {mission} between {start} and {end}")
    step(f"measurement partials ({len(meas)})")
    full = design(arc, meas, solve_range_bias=True)
    nb = len(full.names) - full.n_arc
    prior = np.zeros((len(full.names),) * 2)
    prior[:full.n_arc, :full.n_arc] = prior_covariance(arc)
    prior[full.n_arc:, full.n_arc:] = np.eye(nb) * (RANGE_BIAS_SIGMA_M * 1e-3) ** 2
    names = [s.name for s in meas.stations]
    sets = [(", ".join(base), base, False)]
    if ddor:
        sets.append((", ".join(base) + " + delta-DOR", base, True))
    if extra:
        sets.append((", ".join(base + extra), base + extra, False))
        if ddor:
            sets.append((", ".join(base + extra) + " + delta-DOR", base + extra, True))
    # Each (station, station, delta-DOR or not) block is triangularised once; a set stacks its blocks' rows.
    keys = np.stack([meas.station_a, meas.station_b, (meas.kind == DDOR).astype(np.int64)], axis=1)
    blocks = {}
    for key in np.unique(keys, axis=0):
        sel = np.flatnonzero(np.all(keys == key, axis=1))
        blocks[tuple(int(k) for k in key)] = compress(full.h[sel], meas.sigma[sel], full.consider.columns[sel])
    rows = []
    for label, members, use_ddor in sets:
        step(label)
        idx = [names.index(s) for s in members]
        mask = np.isin(meas.station_a, idx) & ((meas.station_b < 0) | np.isin(meas.station_b, idx))
        if not use_ddor:
            mask &= meas.kind != DDOR
        sub = meas.select(mask)
        mine = [blk for (a, b, is_ddor), blk in blocks.items()
                if a in idx and (b < 0 or b in idx) and (use_ddor or not is_ddor)]
        h_rows = np.concatenate([blk[0] for blk in mine])
        sol = srif(h_rows, None, np.ones(h_rows.shape[0]), prior_covariance=prior,
                   consider=np.concatenate([blk[1] for blk in mine]), consider_sigma=full.consider.sigma)
        k = full.n_arc
        formal = map_to_bplane(arc, full.p[:k], sol.covariance[:k, :k], t_map)
        cons = map_to_bplane(arc, full.p[:k], sol.consider_covariance[:k, :k], t_map,
                             planet_sigma_km=MARS_EPHEMERIS_SIGMA_KM)
        npass = sum(1 for p in sched.passes if p.station in members)
        rows.append(StationSetResult(label, list(members), use_ddor, npass, sub.counts(), formal, cons,
                                     float(np.sqrt(np.trace(formal.state_covariance[:3, :3])))))
    assumptions = [
        f"reference: the reconstructed cruise of {mission} with cannonball SRP (area-to-mass "
        f"{AREA_TO_MASS_M2_KG:.4f} m^2/kg assumed, Cr {CR_NOMINAL}), start velocity retargeted to the same arrival",
        "measurements simulated, white noise: range "
        f"{meas.sigma[meas.kind == 0][0] * 1e3 if np.any(meas.kind == 0) else float('nan'):g} m, Doppler "
        "0.1 mm/s at 60 s, delta-DOR 1 nrad (data/tracking_noise.md); no troposphere, ionosphere or plasma",
        "schedule: every pass above 10 deg tracked up to 8 h around culmination, one range and one Doppler every "
        "10 min; delta-DOR one point per baseline per week",
        "solve-for: state at the arc start, Cr, dv of manoeuvres inside the arc, a range bias per station "
        "(a-priori 2 m); later manoeuvres flown exactly",
        "consider: station positions 3 cm per axis, Earth ephemeris 1 m, Mars ephemeris "
        f"{MARS_EPHEMERIS_SIGMA_KM:g} km",
    ]
    return NavigationReport(mission, arc.t0, _tdb(end, "arc end"), t_map, rows, full.names, assumptions)


class _Within:
    """The arc's reference trajectory as a body limited to the arc, for the pass searches only: a cubic Hermite
    interpolant of its states on 10-minute nodes, evaluated far faster than the propagator's dense output. Its
    error is below a metre between manoeuvres (h^4/384 of the fourth derivative) and ~0.1 km inside the node
    interval of a burn: under 1e-8 rad of elevation at the distances tracked. The measurements themselves use
    the trajectory (:func:`~.estimation.design` flies the arc)."""

    NODE_S = 600.0

    def __init__(self, arc):
        from scipy.interpolate import CubicHermiteSpline

        from .estimation import fly

        traj = fly(arc)
        span = float(arc.t_end - arc.t0)
        x = np.linspace(0.0, span, int(math.ceil(span * DAY_S / self.NODE_S)) + 1)
        r, v = traj.state(Epoch(np.full(x.size, arc.t0.jd1), arc.t0.jd2 + x, "tdb"))
        self._t0 = arc.t0
        self._r = CubicHermiteSpline(x, r, v * DAY_S, axis=0)
        self._v = self._r.derivative()
        self.name = "spacecraft"
        self.span_tdb_jd = (float(arc.t0.jd) + LIGHT_TIME_MARGIN_DAYS, float(arc.t_end.jd))

    def state(self, epochs):
        t = (epochs if isinstance(epochs, Epoch) else _epoch(epochs)).to("tdb")
        x = (t.jd1 - self._t0.jd1) + (t.jd2 - self._t0.jd2)
        return self._r(x), self._v(x) / DAY_S
