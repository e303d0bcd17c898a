"""Return legs: Mars to Earth as a sample-return (or crewed) mission flies it.

A return leg is a ballistic Mars-to-Earth transfer (a porkchop cell with ``origin="mars"``, ``target="earth"``:
Lambert arcs between DE421's Mars barycentre and the Earth's centre, :mod:`tianwen.porkchop`) read with what
the way back needs:

* **the departure burn from a Mars orbit** of periapsis radius ``rp`` and apoapsis radius ``ra`` (km from the
  centre of Mars), impulsive at periapsis onto the departure hyperbola (vis-viva, as
  :func:`tianwen.arrival.hyperbolic_dv`): ``dv = sqrt(vinf^2 + 2 mu / rp) - sqrt(mu (2 / rp - 1 / a))``,
  ``a = (rp + ra) / 2``. Patched conic and coplanar: the orbit's plane is assumed to contain the departure
  asymptote (no plane change is counted), and the periapsis to lie where the burn needs it;
* **the Earth arrival v-infinity** and **the entry speed**, the inertial speed where the approach hyperbola
  crosses the entry interface ``entry_alt_km`` above the Earth's IAU mean radius (125 km by default):
  ``v = sqrt(vinf^2 + 2 mu_E / (R_E + h))`` (energy on the hyperbola; it does not depend on the flight-path
  angle). A cap on the entry speed (``max_entry_kms``, the heat shield's limit) is a constraint: cells above it
  are infeasible.

:func:`return_grid` gives a whole Mars-to-Earth porkchop with these quantities (its Dataset carries them as
``dv_depart``, ``entry_speed`` and ``entry_ok``), :func:`return_minima` its least-burn cells under the cap;
:func:`return_windows` the opportunities of :func:`tianwen.windows.windows` as returns; :func:`mission_orbit` the
Mars orbit a mission file names; :func:`return_leg` one leg from its dates; :func:`return_opportunities` the minimum-departure-Δv leg of each transfer type in every Mars-to-Earth
opportunity of a span of years (opportunities found by :func:`tianwen.windows.find_opportunities`, refined to
the continuous optimum by zoomed grids with the entry-speed cap enforced at every step).

>>> round(float(entry_speed(3.0)), 4)              # 3 km/s at Earth -> 11.48 km/s at 125 km
11.477
>>> round(float(departure_dv(2.5, 3789.5)), 4)    # from a 400 km circular Mars orbit
2.0097
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .arrival import hyperbolic_dv
from .bodies import Body, body as _lookup
from .errors import TianwenError
from .time import Epoch

DEFAULT_ENTRY_ALT_KM = 125.0
#: Default Mars orbit for departure (and capture, in :mod:`tianwen.roundtrip`): 400 km circular above the IAU
#: mean radius (3389.5 km). An assumption, not a published Tianwen-3 figure (Tianwen-1's periapsis was ~400 km).
DEFAULT_MARS_ORBIT_RADIUS_KM = 3389.5 + 400.0
COARSE_STEP_DAYS = 2.0  # the opportunity grid of return_opportunities, then refined


def _body(b):
    """A :class:`~tianwen.bodies.Body` as it is, anything else through :func:`tianwen.bodies.body`."""
    return b if isinstance(b, Body) else _lookup(b)


def _number(x, name: str, unit: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TianwenError(f"{name} = {x!r} is not a number ({unit})") from None
    return a


def check_orbit(periapsis_radius_km, apoapsis_radius_km=None, *, body="mars") -> tuple[float, float]:
    """The (periapsis, apoapsis) radii (km from the body's centre) of a closed orbit, checked: finite, periapsis
    above the mean radius, apoapsis >= periapsis. ``apoapsis_radius_km=None`` is a circular orbit."""
    b = _body(body)
    rp = float(_number(periapsis_radius_km, "periapsis_radius_km", "km"))
    ra = rp if apoapsis_radius_km is None else float(_number(apoapsis_radius_km, "apoapsis_radius_km", "km"))
    if not (math.isfinite(rp) and rp > b.radius_km):
        raise TianwenError(f"periapsis_radius_km = {rp} km is not above {b.name.capitalize()}'s mean radius {b.radius_km} km; "
                           f"give a radius from the centre, e.g. {b.radius_km + 400.0} for 400 km altitude")
    if not (math.isfinite(ra) and ra >= rp):
        raise TianwenError(f"apoapsis_radius_km = {ra} km is below periapsis_radius_km = {rp} km; "
                           "apoapsis must be >= periapsis")
    return rp, ra


def departure_dv(vinf_kms, periapsis_radius_km=DEFAULT_MARS_ORBIT_RADIUS_KM, apoapsis_radius_km=None, *,
                 body="mars"):
    """Impulsive burn (km/s) at periapsis of the orbit (``rp``, ``ra``; circular when ``ra`` is None) onto the
    departure hyperbola of excess speed ``vinf_kms``. Arrays broadcast; NaN v-infinity gives NaN."""
    b = _body(body)
    rp, ra = check_orbit(periapsis_radius_km, apoapsis_radius_km, body=b)
    return hyperbolic_dv(vinf_kms, b.gm_km3_s2, rp, ra)


def _interface_radius(entry_alt_km, b) -> float:
    h = float(_number(entry_alt_km, "entry_alt_km", "km"))
    if not (math.isfinite(h) and 0.0 <= h < 10_000.0):
        raise TianwenError(f"entry_alt_km = {h} km is outside [0, 10000) km")
    return b.radius_km + h


def entry_speed(vinf_kms, entry_alt_km=DEFAULT_ENTRY_ALT_KM, *, body="earth"):
    """Inertial speed (km/s) at the entry interface ``entry_alt_km`` above the mean radius of an approach
    hyperbola of excess speed ``vinf_kms``: ``sqrt(vinf^2 + 2 mu / r)``. Arrays broadcast; NaN gives NaN."""
    b = _body(body)
    r = _interface_radius(entry_alt_km, b)
    v = _number(vinf_kms, "vinf_kms", "km/s")
    with np.errstate(invalid="ignore"):
        if np.any(v < 0):
            raise TianwenError(f"vinf_kms = {float(v[v < 0].flat[0]) if v.ndim else float(v)} km/s is negative")
    return np.sqrt(v * v + 2.0 * b.gm_km3_s2 / r)


def vinf_for_entry_speed(entry_speed_kms, entry_alt_km=DEFAULT_ENTRY_ALT_KM, *, body="earth") -> float:
    """The largest arrival v-infinity (km/s) whose entry speed is ``entry_speed_kms`` (inverse of
    :func:`entry_speed`). A cap below the escape speed at the interface, which every return exceeds, is refused."""
    b = _body(body)
    r = _interface_radius(entry_alt_km, b)
    cap = float(_number(entry_speed_kms, "max_entry_kms", "km/s"))
    escape = math.sqrt(2.0 * b.gm_km3_s2 / r)
    if not (math.isfinite(cap) and cap >= escape):
        raise TianwenError(f"max_entry_kms={cap}: below the escape speed at the {b.name.capitalize()} entry interface "
                           f"({escape:.3f} km/s at {r - b.radius_km:g} km), which every return exceeds; the closest "
                           f"feasible value is max_entry_kms={math.ceil(escape * 1000) / 1000:.3f}")
    return math.sqrt(cap * cap - escape * escape)


@dataclass
class ReturnGrid:
    """A Mars-to-Earth porkchop (:class:`tianwen.porkchop.Grid`) with the return quantities, full precision,
    each an array of the grid's shape (departure from Mars, arrival at Earth): the departure burn from the Mars
    orbit, the entry speed, and ``feasible`` (a solution, under the entry-speed cap if one was given)."""

    grid: object
    departure_dv_kms: np.ndarray
    entry_speed_kms: np.ndarray
    feasible: np.ndarray
    periapsis_radius_km: float
    apoapsis_radius_km: float
    entry_alt_km: float
    max_entry_kms: float | None

    @property
    def departure(self) -> np.ndarray:
        return self.grid.departure

    @property
    def arrival(self) -> np.ndarray:
        return self.grid.arrival

    def __getitem__(self, name: str) -> np.ndarray:
        extra = {"departure_dv": self.departure_dv_kms, "entry_speed": self.entry_speed_kms}
        return extra[name] if name in extra else self.grid[name]

    @property
    def attrs(self) -> dict:
        return self.grid.attrs

    @property
    def shape(self) -> tuple[int, int]:
        return self.grid.shape

    def to_dataset(self):
        """The porkchop's ``xarray.Dataset`` (:meth:`tianwen.porkchop.Grid.to_dataset`) with the return
        variables ``dv_depart`` (the burn from the Mars orbit), ``entry_speed`` and, under a cap, ``entry_ok``;
        the orbit, the interface altitude and the cap are attributes. It saves to NetCDF and CSV as any porkchop
        (:func:`tianwen.plots.save_porkchop`) and plots as a return (:func:`tianwen.plots_roundtrip.save_return_porkchop`)."""
        ds = self.grid.to_dataset()
        ds["dv_depart"].attrs["long_name"] = (
            f"impulsive departure burn at periapsis of the {self.attrs['origin']} orbit (periapsis radius "
            f"{self.periapsis_radius_km:g} km, apoapsis radius {self.apoapsis_radius_km:g} km) onto the departure "
            "hyperbola")
        return ds


def return_grid(departure, arrival, *, periapsis_radius_km=DEFAULT_MARS_ORBIT_RADIUS_KM, apoapsis_radius_km=None,
                entry_alt_km=DEFAULT_ENTRY_ALT_KM, max_entry_kms=None, step_days: float | None = 1.0, n=None,
                origin="mars", target="earth", ephemeris="de421", revs: int = 0, progress=None, scheduler=None,
                workers=None) -> ReturnGrid:
    """A return porkchop: :func:`tianwen.porkchop.porkchop_grid` from ``origin`` (Mars) to ``target`` (Earth)
    over the ``departure`` and ``arrival`` windows, with the departure burn from the orbit (``rp``, ``ra``, km
    from Mars's centre) and the entry speed at ``entry_alt_km``; cells above ``max_entry_kms`` are infeasible."""
    from .porkchop import porkchop_grid

    ob, tb = _body(origin), _body(target)
    rp, ra = check_orbit(periapsis_radius_km, apoapsis_radius_km, body=ob)
    vcap = None if max_entry_kms is None else vinf_for_entry_speed(max_entry_kms, entry_alt_km, body=tb)
    _interface_radius(entry_alt_km, tb)
    grid = porkchop_grid(departure, arrival, step_days=step_days, n=n, origin=origin, target=target, revs=revs,
                         ephemeris=ephemeris, progress=progress, scheduler=scheduler, workers=workers)
    dv = hyperbolic_dv(grid["vinf_dep"], ob.gm_km3_s2, rp, ra)
    ve = entry_speed(grid["vinf_arr"], entry_alt_km, body=tb)
    ok = np.isfinite(dv) & np.isfinite(ve)
    grid.data["dv_depart"] = dv
    grid.data["entry_speed"] = ve
    grid.attrs.update(departure_orbit_periapsis_radius_km=rp, departure_orbit_apoapsis_radius_km=ra,
                      entry_alt_km=float(entry_alt_km))
    if vcap is not None:
        with np.errstate(invalid="ignore"):
            ok &= grid["vinf_arr"] <= vcap
        grid.data["entry_ok"] = ok.astype(np.int8)
        grid.attrs["max_entry_kms"] = float(max_entry_kms)
    return ReturnGrid(grid, dv, ve, ok, rp, ra, float(entry_alt_km), None if max_entry_kms is None
                      else float(max_entry_kms))


@dataclass(frozen=True)
class ReturnMinimum:
    """The least-departure-Δv cell of one transfer type in a return porkchop, under its entry-speed cap if it
    has one; full precision. Epochs are the grid's coordinates (``numpy.datetime64``, grid time scale)."""

    type: str
    i: int
    j: int
    departure: np.datetime64
    arrival: np.datetime64
    tof_days: float
    c3_km2s2: float
    vinf_dep_kms: float
    dla_deg: float
    rla_deg: float
    vinf_arr_kms: float
    departure_dv_kms: float
    entry_speed_kms: float


def return_minima(grid) -> list[ReturnMinimum]:
    """The Type I and Type II least-departure-Δv cells of a return porkchop (a :class:`ReturnGrid` or its
    Dataset), among the cells that meet its entry-speed cap. With N revolutions the types are the N-revolution
    ones. A cap that no cell meets is refused, naming the lowest entry speed of the grid."""
    is_ds = hasattr(grid, "data_vars")
    if is_ds:
        names = set(grid.data_vars)
        if not {"dv_depart", "entry_speed"} <= names:
            raise TianwenError("return_minima needs a return porkchop (tianwen.returns.return_grid), with "
                               "dv_depart and entry_speed")
        get = lambda k: np.asarray(grid[k].values)  # noqa: E731
        dep, arr = np.asarray(grid["departure"].values), np.asarray(grid["arrival"].values)
        ok = get("entry_ok") != 0 if "entry_ok" in names else np.isfinite(get("dv_depart"))
    else:
        get = grid.grid.__getitem__
        dep, arr = grid.departure, grid.arrival
        ok = grid.feasible
    dv, ve = get("dv_depart"), get("entry_speed")
    cap = grid.attrs.get("max_entry_kms")
    if not (ok & np.isfinite(dv)).any():
        solved = np.isfinite(ve) & np.isfinite(dv)
        if cap is None or not solved.any():
            raise TianwenError("the return porkchop has no solved cell; widen the departure or arrival window")
        i, j = np.unravel_index(int(np.argmin(np.where(solved, ve, np.inf))), ve.shape)
        raise TianwenError(f"max_entry_kms={cap:g}: no cell of the return porkchop meets it; the lowest entry "
                           f"speed there is {float(ve[i, j]):.3f} km/s (departure {str(dep[i])[:10]}, arrival "
                           f"{str(arr[j])[:10]}); the closest feasible value is "
                           f"max_entry_kms={math.ceil(float(ve[i, j]) * 1000) / 1000:.3f}")
    ttype = get("transfer_type")
    base = 2 * int(grid.attrs.get("revs", 0))
    out = []
    for t, name in ((1, "I"), (2, "II")):
        key = np.where(ok & (ttype == base + t), dv, np.nan)
        if not np.isfinite(key).any():
            continue
        i, j = np.unravel_index(int(np.nanargmin(key)), key.shape)
        f = lambda k: float(get(k)[i, j])  # noqa: E731
        out.append(ReturnMinimum(name, int(i), int(j), dep[i], arr[j], f("tof"), f("c3"), f("vinf_dep"), f("dla"),
                                 f("rla"), f("vinf_arr"), f("dv_depart"), f("entry_speed")))
    return out


def return_quantities(vinf_dep_kms, vinf_arr_kms, *, periapsis_radius_km=DEFAULT_MARS_ORBIT_RADIUS_KM,
                      apoapsis_radius_km=None, entry_alt_km=DEFAULT_ENTRY_ALT_KM, origin="mars", target="earth"):
    """The departure burn from the orbit (``rp``, ``ra``) at ``origin`` and the entry speed at ``entry_alt_km``
    at ``target``, for departure and arrival v-infinities (km/s, arrays broadcast): ``(dv_kms, entry_kms)``."""
    return (departure_dv(vinf_dep_kms, periapsis_radius_km, apoapsis_radius_km, body=origin),
            entry_speed(vinf_arr_kms, entry_alt_km, body=target))


@dataclass(frozen=True)
class ReturnLeg:
    """One return leg, full precision. ``transfer`` is the :class:`tianwen.porkchop.Transfer` (epochs TDB, end
    states Sun-centred ICRF km and km/s); the rest are its return quantities. :meth:`as_json` rounds."""

    transfer: object
    departure_dv_kms: float
    entry_speed_kms: float
    periapsis_radius_km: float
    apoapsis_radius_km: float
    entry_alt_km: float
    opportunity: int | None = None
    note: str | None = None

    @property
    def departure(self) -> Epoch:
        return self.transfer.departure

    @property
    def arrival(self) -> Epoch:
        return self.transfer.arrival

    @property
    def type(self) -> str:
        t = self.transfer.transfer_type
        return "I" if t % 2 == 1 else "II"

    def as_json(self, states: bool = False) -> dict:
        t = self.transfer
        d = {"launch_utc": t.departure.utc_iso(0), "arrival_utc": t.arrival.utc_iso(0),
             "tof_days": round(t.tof_days, 3), "type": self.type,
             "departure_dv_kms": round(self.departure_dv_kms, 5), "vinf_dep_kms": round(t.vinf_dep_kms, 5),
             "c3_km2s2": round(t.c3_km2s2, 4), "dla_deg": round(t.dla_deg, 3), "rla_deg": round(t.rla_deg, 3),
             "vinf_arr_kms": round(t.vinf_arr_kms, 5), "entry_speed_kms": round(self.entry_speed_kms, 5),
             "entry_alt_km": self.entry_alt_km, "mars_orbit_rp_km": self.periapsis_radius_km,
             "mars_orbit_ra_km": self.apoapsis_radius_km}
        if self.opportunity is not None:
            d = {"opportunity": self.opportunity, **d}
        if self.note:
            d["note"] = self.note
        if states:
            d["states"] = leg_states(t)
        return d


def leg_states(t) -> dict:
    """The end states of a transfer as printed in JSON (positions to 1 mm, velocities to 1 um/s, so that an arc
    propagated from its printed start over a year stays within ~30 m of its printed end): the arc's start
    (``r1_km``, ``v1_kms``) and end (``r2_km``, ``v2_kms``), the bodies' velocities there, and the TDB epochs."""
    def r(a):
        return [round(float(x), 6) for x in a]

    def v(a):
        return [round(float(x), 9) for x in a]

    return {"r1_km": r(t.r1_km), "v1_kms": v(t.v1_kms), "origin_v_kms": v(t.origin_v_kms),
            "r2_km": r(t.r2_km), "v2_kms": v(t.v2_kms), "target_v_kms": v(t.target_v_kms),
            "departure_tdb": t.departure.iso(6), "arrival_tdb": t.arrival.iso(6)}


def return_leg(departure, arrival=None, *, tof_days=None, periapsis_radius_km=DEFAULT_MARS_ORBIT_RADIUS_KM,
               apoapsis_radius_km=None, entry_alt_km=DEFAULT_ENTRY_ALT_KM, origin="mars", target="earth",
               ephemeris="de421", revs: int = 0, branch: str = "left", opportunity=None, note=None) -> ReturnLeg:
    """One return leg from Mars at ``departure`` to Earth at ``arrival`` (or after ``tof_days``): one Lambert
    solve (:func:`tianwen.porkchop.transfer`), the departure burn from the orbit and the entry speed.

    >>> leg = return_leg("2030-11-01", "2031-07-07")
    >>> round(leg.transfer.vinf_dep_kms, 3), round(leg.entry_speed_kms, 2)
    (2.406, 12.44)
    """
    from .porkchop import transfer

    ob, tb = _body(origin), _body(target)
    rp, ra = check_orbit(periapsis_radius_km, apoapsis_radius_km, body=ob)
    _interface_radius(entry_alt_km, tb)
    t = transfer(origin, target, departure, arrival, tof_days=tof_days, revs=revs, branch=branch,
                 ephemeris=ephemeris)
    return ReturnLeg(t, float(hyperbolic_dv(t.vinf_dep_kms, ob.gm_km3_s2, rp, ra)),
                     float(entry_speed(t.vinf_arr_kms, entry_alt_km, body=tb)), rp, ra, float(entry_alt_km),
                     opportunity, note)


def _refine(origin, target, center: Epoch, type_: int, vcap, ephemeris, x0: float, y0: float, bounds):
    """Refine the minimum of departure v-infinity (hence of the departure burn, which grows with it) over
    (departure offset from ``center``, time of flight) among transfers of ``type_`` whose arrival v-infinity is
    at most ``vcap``: successive 9 x 9 grids, each a third of the previous spacing, down to 1e-6 day."""
    from .porkchop import transfers

    cx, cy, h = x0, y0, COARSE_STEP_DAYS
    while h >= 1e-6:
        x = np.clip(cx + h * np.linspace(-2, 2, 9), *bounds[0])
        y = np.clip(cy + h * np.linspace(-2, 2, 9), *bounds[1])
        X, Y = np.meshgrid(x, y, indexing="ij")
        D = Epoch(np.full(X.size, center.jd1), center.jd2 + X.ravel(), "tdb")
        r = transfers(origin, target, D, Y.ravel(), ephemeris=ephemeris)
        ok = (r["transfer_type"] == type_) & np.isfinite(r["vinf_dep"])
        if vcap is not None:
            ok &= r["vinf_arr"] <= vcap
        f = np.where(ok, r["vinf_dep"], np.inf)
        k = int(np.argmin(f))
        if np.isfinite(f[k]):
            cx, cy = float(X.ravel()[k]), float(Y.ravel()[k])
        h /= 3.0
    return cx, cy


def opportunity_returns(opp: Epoch, *, periapsis_radius_km=DEFAULT_MARS_ORBIT_RADIUS_KM, apoapsis_radius_km=None,
                        entry_alt_km=DEFAULT_ENTRY_ALT_KM, max_entry_kms=None, ephemeris="de421",
                        origin="mars", target="earth") -> list[ReturnLeg]:
    """The minimum-departure-Δv return leg of each transfer type (I, II) in the opportunity whose minimum-C3
    departure is ``opp``: departures within ``windows.DEPARTURE_HALF_WIDTH_DAYS`` of it, flight times within
    ``windows.tof_bounds_days`` (90-500 days), entry speed at most ``max_entry_kms``; a 2-day grid, then each
    optimum refined (:func:`_refine`). Refused when no leg of the opportunity meets the cap, naming the lowest
    entry speed it offers."""
    from .ephemeris import resolve_ephemeris
    from .windows import DEPARTURE_HALF_WIDTH_DAYS, search_region, tof_bounds_days

    ob, tb = _body(origin), _body(target)
    rp, ra = check_orbit(periapsis_radius_km, apoapsis_radius_km, body=ob)
    vcap = None if max_entry_kms is None else vinf_for_entry_speed(max_entry_kms, entry_alt_km, body=tb)
    eph = resolve_ephemeris(ephemeris)
    lo, hi = tof_bounds_days(ob.name, tb.name)
    w = DEPARTURE_HALF_WIDTH_DAYS
    opp = opp.to("tdb")
    grid, in_region, offsets = search_region(opp, origin, target, eph)
    tof = grid["tof"]
    region = in_region & np.isfinite(grid["vinf_dep"])
    label = int(opp.date()[:4])
    ok = region if vcap is None else region & (grid["vinf_arr"] <= vcap)
    if not ok.any():
        ve = entry_speed(np.where(region, grid["vinf_arr"], np.nan), entry_alt_km, body=tb)
        i, j = np.unravel_index(int(np.nanargmin(ve)), ve.shape)
        raise TianwenError(
            f"max_entry_kms={max_entry_kms}: no return of the {label} {ob.name}-{tb.name} opportunity meets it; "
            f"the lowest entry speed there is {float(ve[i, j]):.3f} km/s (departure "
            f"{str(grid.departure[i])[:10]}, arrival {str(grid.arrival[j])[:10]}); the closest feasible value "
            f"is max_entry_kms={math.ceil(float(ve[i, j]) * 1000) / 1000:.3f}")
    bounds = np.array([[-w, w], [lo, hi]])
    legs = []
    for type_ in (1, 2):
        f = np.where(ok & (grid["transfer_type"] == type_), grid["vinf_dep"], np.nan)
        if not np.isfinite(f).any():
            continue
        i, j = np.unravel_index(int(np.nanargmin(f)), f.shape)
        cx, cy = _refine(origin, target, opp, type_, vcap, eph, offsets[i, j], tof[i, j], bounds)
        dep = opp + cx
        notes = []
        if abs(cx) > w - 1e-3:
            notes.append("optimum on the edge of the departure window")
        if not lo + 1e-3 < cy < hi - 1e-3:
            notes.append("optimum on the edge of the flight-time range")
        leg = return_leg(dep, tof_days=cy, periapsis_radius_km=rp, apoapsis_radius_km=ra,
                         entry_alt_km=entry_alt_km, origin=origin, target=target, ephemeris=eph,
                         opportunity=label, note="; ".join(notes) or None)
        if vcap is not None and leg.transfer.vinf_arr_kms > vcap * (1 + 1e-12):
            continue
        if abs(leg.transfer.transfer_angle_deg - 180.0) < 1.0:
            leg = ReturnLeg(leg.transfer, leg.departure_dv_kms, leg.entry_speed_kms, rp, ra, leg.entry_alt_km,
                            label, "; ".join(notes + [f"optimum on the 180-deg ridge (transfer angle "
                                                      f"{leg.transfer.transfer_angle_deg:.2f} deg)"]))
        legs.append(leg)
    return legs


def return_opportunities(year_from: int, year_to: int, *, periapsis_radius_km=DEFAULT_MARS_ORBIT_RADIUS_KM,
                         apoapsis_radius_km=None, entry_alt_km=DEFAULT_ENTRY_ALT_KM, max_entry_kms=None,
                         ephemeris="de421", scheduler=None, workers=None) -> list[ReturnLeg]:
    """Every Mars-to-Earth opportunity whose minimum-C3 departure falls in [year_from, year_to], with the
    minimum-departure-Δv leg of each type (:func:`opportunity_returns`), labelled by that year.

    ``scheduler``/``workers`` run the opportunity scan on Dask, as :func:`tianwen.windows.find_opportunities`.
    """
    from .windows import find_opportunities

    opps = find_opportunities(year_from, year_to, origin="mars", target="earth", ephemeris=ephemeris,
                              scheduler=scheduler, workers=workers)
    out = []
    for opp in opps:
        out += opportunity_returns(opp, periapsis_radius_km=periapsis_radius_km,
                                   apoapsis_radius_km=apoapsis_radius_km, entry_alt_km=entry_alt_km,
                                   max_entry_kms=max_entry_kms, ephemeris=ephemeris)
    return out


@dataclass
class ReturnWindow:
    """One optimum of a Mars-to-Earth opportunity (a :class:`tianwen.windows.Transfer` row of
    :func:`tianwen.windows.windows`) with its return quantities, full precision: the departure v-infinity and
    burn from the Mars orbit, the entry speed, and ``over_cap`` (True above ``max_entry_kms``, None without a
    cap). :meth:`as_json` rounds."""

    row: object
    vinf_dep_kms: float
    departure_dv_kms: float
    entry_speed_kms: float
    over_cap: bool | None = None

    def as_json(self) -> dict:
        d = self.row.as_json()
        d.update(vinf_dep_kms=round(self.vinf_dep_kms, 4), departure_dv_kms=round(self.departure_dv_kms, 4),
                 entry_speed_kms=round(self.entry_speed_kms, 4))
        if self.over_cap is not None:
            d["over_entry_cap"] = self.over_cap
        return d


@dataclass
class ReturnWindows:
    """:func:`return_windows`: the opportunities' optima as returns (``rows``), and under an entry-speed cap the
    least-departure-Δv leg of each type that meets it (``capped``, :func:`return_opportunities`)."""

    rows: list
    capped: list
    periapsis_radius_km: float
    apoapsis_radius_km: float
    entry_alt_km: float
    max_entry_kms: float | None


def return_windows(year_from: int, year_to: int, *, periapsis_radius_km=DEFAULT_MARS_ORBIT_RADIUS_KM,
                   apoapsis_radius_km=None, entry_alt_km=DEFAULT_ENTRY_ALT_KM, max_entry_kms=None,
                   ephemeris="de421", scheduler=None, workers=None, progress=None) -> ReturnWindows:
    """Every Mars-to-Earth opportunity of [year_from, year_to] as :func:`tianwen.windows.windows` gives it (the
    refined minimum-C3 and minimum-arrival-v-infinity transfers of each type), each with the departure burn from
    the Mars orbit and the Earth entry speed; with ``max_entry_kms``, the rows above the cap are marked and the
    least-departure-Δv legs that meet it are added (``capped``). Inputs are checked before any computing."""
    from .windows import windows

    ob, tb = _body("mars"), _body("earth")
    rp, ra = check_orbit(periapsis_radius_km, apoapsis_radius_km, body=ob)
    _interface_radius(entry_alt_km, tb)
    vcap = None if max_entry_kms is None else vinf_for_entry_speed(max_entry_kms, entry_alt_km, body=tb)
    rows = []
    for r in windows(year_from, year_to, origin="mars", target="earth", ephemeris=ephemeris, scheduler=scheduler,
                     workers=workers, progress=progress):
        vinf = math.sqrt(max(r.c3_km2s2, 0.0))
        dv, ve = return_quantities(vinf, r.vinf_arr_kms, periapsis_radius_km=rp, apoapsis_radius_km=ra,
                                   entry_alt_km=entry_alt_km)
        rows.append(ReturnWindow(r, vinf, float(dv), float(ve), None if vcap is None else bool(r.vinf_arr_kms > vcap)))
    capped = [] if vcap is None else return_opportunities(
        year_from, year_to, periapsis_radius_km=rp, apoapsis_radius_km=ra, entry_alt_km=entry_alt_km,
        max_entry_kms=max_entry_kms, ephemeris=ephemeris, scheduler=scheduler, workers=workers)
    return ReturnWindows(rows, capped, rp, ra, float(entry_alt_km), None if max_entry_kms is None
                         else float(max_entry_kms))


@dataclass(frozen=True)
class MissionOrbit:
    """A Mars orbit named by a mission file: radii (km from the centre of Mars), the event that names it, its UTC
    epoch and sources. The altitudes in the files are over the IAU mean radius (3389.5 km)."""

    mission: str
    periapsis_radius_km: float
    apoapsis_radius_km: float
    event: str
    utc: str
    source: tuple


def mission_orbit(name: str) -> MissionOrbit:
    """The last Mars orbit a mission file names with both a periapsis and an apoapsis altitude (the orbit a return
    would leave from: Tianwen-1's 280 x 59,000 km parking orbit, Hope's 20,000 x 43,000 km science orbit), as
    radii. A mission file without one is refused, naming the missions that have one."""
    from .missions import load_mission, mission_names

    def orbits(key):
        m = load_mission(key)
        return m, [e for e in m.events_of("moi", "orbit_change")
                   if e.value("periapsis_altitude") is not None and e.value("apoapsis_altitude") is not None]

    def having():
        return ", ".join(k for k in mission_names() if orbits(k)[1])

    try:
        m, found = orbits(name)
    except TianwenError:
        raise TianwenError(f"mission={name!r} is not a mission file with a Mars orbit; missions that name one: "
                           f"{having()}") from None
    if not found:
        raise TianwenError(f"mission={name!r} names no Mars orbit with periapsis and apoapsis altitudes; missions "
                           f"that do: {having()}")
    e = found[-1]
    r = _body("mars").radius_km
    rp, ra = check_orbit(r + float(e.value("periapsis_altitude")), r + float(e.value("apoapsis_altitude")))
    return MissionOrbit(m.key, rp, ra, e.label, e.utc, e.source)
