"""Porkchop grids: every (departure, arrival) pair's ballistic transfer, as an ``xarray.Dataset``.

Each cell solves one Lambert problem (Izzo 2015, :mod:`tianwen.lambert`) between the origin's Sun-centred
position at departure and the target's at arrival, and reports the launch and arrival quantities a mission
designer reads off a porkchop plot:

* ``c3`` (km^2/s^2) — launch energy, the square of the departure hyperbolic excess speed ``vinf_dep``;
* ``dla``, ``rla`` (deg) — declination and right ascension of the departure asymptote in EME2000 (ICRF);
* ``vinf_arr`` (km/s), ``dla_arr``, ``rla_arr`` (deg) — arrival hyperbolic excess speed and its direction
  (EME2000);
* ``tof`` (days), ``transfer_angle`` (deg, measured in the direction of motion), ``transfer_type``
  (``1`` = Type I, angle < 180 deg; ``2`` = Type II; with N revolutions ``2N + 1`` / ``2N + 2``; 0 where
  there is no solution) and ``status`` (the Lambert status, 0 = solved);
* given ``parking_alt_km`` (circular parking orbit) and ``capture=(periapsis_alt_km, apoapsis_alt_km)``:
  ``dv_depart``, ``dv_arrive`` and ``dv_total`` (km/s), impulsive burns at periapsis of the hyperbolas.

Cells where arrival <= departure or no solution exists are NaN. The grid is computed by one compiled,
parallel kernel in row chunks (so a progress callback can run between them); memory is the output arrays
(13 bytes x 8 per cell), checked against ``max_bytes`` before anything is allocated.

Each chunk of rows is a pure function of small arguments (:class:`GridSpec`: the grid's start, step and size,
body and ephemeris names, chunk bounds) that evaluates its own ephemeris states, so the chunks can run as
tasks on a Dask cluster (``scheduler=``/``workers=``, see :mod:`tianwen.distributed`) and the assembled
grid is identical to the in-process one.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from .arrival import hyperbolic_dv  # noqa: F401 (also part of this module's API)
from .bodies import GM_SUN, body as _body
from .core.jit import PARALLEL_MIN
from .core.transfer import grid_kernel, grid_kernel_scalar, pairs_parallel, pairs_serial
from .ephemeris import heliocentric_state
from .errors import TianwenError
from .grids import VARIABLES, Grid, Minimum, Variable, minima  # noqa: F401 (also this module's API)
from .lambert import check_options, use_block_kernel
from .warm import join as join_warm_up
from .time import Epoch, epoch as _epoch

MAX_AXIS_POINTS = 1_000_000  # epochs on one grid axis (a 1e6 x 1e6 grid is far past any memory cap anyway)
DEFAULT_MAX_BYTES = int(os.environ.get("TIANWEN_MAX_GRID_BYTES", 4 * 2**30))
_FLOAT_VARS = ("c3", "vinf_dep", "dla", "rla", "vinf_arr", "dla_arr", "rla_arr", "tof", "transfer_angle")
BYTES_PER_CELL = 8 * len(_FLOAT_VARS) + 2
PAIR_FIELDS = ("c3", "vinf_dep", "dla", "rla", "vinf_arr", "dla_arr", "rla_arr", "transfer_angle")


def transfers(origin, target, departure_tdb: Epoch, tof_days, *, revs: int = 0, prograde: bool = True,
              branch: str = "left", ephemeris="de421") -> dict[str, np.ndarray]:
    """Transfers for matched (departure, time of flight) pairs, flat: the same quantities as a porkchop cell.

    ``departure_tdb`` is an :class:`Epoch` and ``tof_days`` an array of the same shape (days of TDB).
    Returns a dict of arrays with :data:`PAIR_FIELDS`, ``transfer_type`` and ``status``.
    """
    mu, revs, right, prograde = check_options(GM_SUN, revs, branch, prograde)
    dep = departure_tdb.to("tdb")
    dt = np.ascontiguousarray(np.broadcast_to(np.asarray(tof_days, dtype=float), dep.shape).ravel())
    arr = Epoch(dep.jd1.ravel(), dep.jd2.ravel() + dt, "tdb")
    rd, vd = heliocentric_state(origin, Epoch(dep.jd1.ravel(), dep.jd2.ravel(), "tdb"), ephemeris)
    ra, va = heliocentric_state(target, arr, ephemeris)
    out = np.empty((dt.size, len(PAIR_FIELDS)))
    ttype = np.empty(dt.size, dtype=np.int8)
    status = np.empty(dt.size, dtype=np.int8)
    solve = pairs_parallel if dt.size >= PARALLEL_MIN else pairs_serial
    solve(rd, vd, ra, va, dt, mu, revs, prograde, right, out, ttype, status)
    res = {k: out[:, i].reshape(dep.shape) for i, k in enumerate(PAIR_FIELDS)}
    res["tof"] = np.where(dt > 0, dt, np.nan).reshape(dep.shape)
    res["transfer_type"] = ttype.reshape(dep.shape)
    res["status"] = status.reshape(dep.shape)
    return res


def _window(value, what: str, scale: str = "utc") -> tuple[Epoch, Epoch]:
    try:
        start, end = value
    except (TypeError, ValueError):
        raise TianwenError(f"{what} must be a (start, end) pair of dates; got {value!r}") from None
    a, b = _epoch(start).to(scale), _epoch(end).to(scale)
    if a.shape != () or b.shape != ():
        raise TianwenError(f"{what} start and end must be single dates")
    if float(b.jd - a.jd) < 0:
        raise TianwenError(f"{what} window is reversed: end {b.utc_iso()} is before start {a.utc_iso()}")
    return a, b


@dataclass(frozen=True)
class _Axis:
    """One grid axis as a few numbers: ``n`` epochs from (jd1, jd2) in ``scale``, by ``step`` or over ``span``."""

    jd1: float
    jd2: float
    scale: str
    n: int
    step: float | None = None
    span: float | None = None

    def offsets(self) -> np.ndarray:
        if self.step is None:
            return np.linspace(0.0, self.span, self.n) if self.n > 1 else np.zeros(1)
        return np.arange(self.n) * float(self.step)

    def epochs(self, i0: int = 0, i1: int | None = None) -> Epoch:
        off = self.offsets()[i0:i1]
        return Epoch(np.full(off.shape, self.jd1), self.jd2 + off, self.scale)


def _axis(a: Epoch, b: Epoch, step_days: float | None, count: int | None, what: str) -> _Axis:
    """Axis from a to b in a's scale: by step (the end is included when it falls on the grid) or by a count."""
    span = float((b.jd1 - a.jd1) + (b.jd2 - a.jd2))
    if count is not None:
        if int(count) < 1:
            raise TianwenError(f"{what} grid size {count!r} must be at least 1")
        return _Axis(float(a.jd1), float(a.jd2), a.scale, int(count), None, span)
    if not (step_days is not None and math.isfinite(step_days) and step_days > 0):
        raise TianwenError(f"step {step_days!r} days must be a positive number")
    if span / step_days > MAX_AXIS_POINTS:
        raise TianwenError(f"step_days={step_days!r} gives {span / step_days:.3g} {what} epochs, over "
                           f"{MAX_AXIS_POINTS:,}; use a step of at least {span / MAX_AXIS_POINTS:.3g} days")
    return _Axis(float(a.jd1), float(a.jd2), a.scale, int(math.floor(span / step_days + 1e-9)) + 1, float(step_days))


@dataclass(frozen=True)
class GridSpec:
    """Everything a chunk of porkchop rows depends on, in a few hundred bytes (what a Dask task ships)."""

    dep: _Axis
    arr: _Axis
    origin: object  # body name, or an object with state(epoch)
    target: object
    ephemeris: object  # ephemeris name, or an ephemeris object
    ref_jd1: float  # TDB day the flight times are counted from (the first departure's jd1)
    mu: float
    revs: int
    prograde: bool
    right: bool


def _grid_rows(spec: GridSpec, i0: int, i1: int, out: dict | None = None) -> dict[str, np.ndarray]:
    """Rows ``i0:i1`` of a porkchop grid: ephemeris states, then the compiled kernel (a pure function).

    Fills ``out`` (a dict of the grid's full arrays) in place when given; otherwise returns new row arrays.
    """
    na = spec.arr.n
    if out is None:
        out = {k: np.empty((i1 - i0, na)) for k in _FLOAT_VARS}
        out["transfer_type"] = np.empty((i1 - i0, na), dtype=np.int8)
        out["status"] = np.empty((i1 - i0, na), dtype=np.int8)
        sl = slice(None)
    else:
        sl = slice(i0, i1)
    dep = spec.dep.epochs(i0, i1).to("tdb")
    arr = spec.arr.epochs().to("tdb")
    rd, vd = heliocentric_state(spec.origin, dep, spec.ephemeris)
    ra, va = heliocentric_state(spec.target, arr, spec.ephemeris)
    td = (dep.jd1 - spec.ref_jd1) + dep.jd2
    ta = (arr.jd1 - spec.ref_jd1) + arr.jd2
    if use_block_kernel(rd.shape[0] * arr.jd1.size, "porkchop-block"):
        kernel = grid_kernel
    else:
        join_warm_up("porkchop")  # a cold command may be compiling the scalar kernel in a second process
        kernel = grid_kernel_scalar
    kernel(np.ascontiguousarray(rd), np.ascontiguousarray(vd), td, ra, va, ta, spec.mu, spec.revs,
                 spec.prograde, spec.right, *(out[k][sl] for k in _FLOAT_VARS), out["transfer_type"][sl],
                 out["status"][sl])
    return out


def porkchop_grid(departure, arrival, *, step_days: float | None = 1.0, n: tuple[int, int] | None = None,
             origin="earth", target="mars", revs: int = 0, prograde: bool = True, branch: str = "left",
             ephemeris="de421", parking_alt_km: float | None = None,
             capture: tuple[float, float] | None = None, max_bytes: int | None = None,
             progress=None, chunk_cells: int = 500_000, scheduler=None, workers: int | None = None,
             float32: bool = False):
    """Porkchop grid of ballistic transfers from ``origin`` to ``target``.

    Parameters
    ----------
    departure, arrival : (start, end) pairs of anything :func:`tianwen.time.epoch` reads (UTC by default).
    step_days : grid spacing in days on both axes (default 1.0), or ``n=(n_departure, n_arrival)`` points.
    origin, target : body names (``earth`` = Earth's centre, ``emb`` = Earth–Moon barycentre, ``mars`` =
        Mars barycentre, ...) or objects with ``state(epoch)``.
    revs, prograde, branch : passed to :func:`tianwen.lambert.lambert`.
    ephemeris : ``"de421"`` (default) or ``"analytic"``.
    parking_alt_km : circular parking-orbit altitude at the origin (adds ``dv_depart``).
    capture : ``(periapsis_alt_km, apoapsis_alt_km)`` capture orbit at the target (adds ``dv_arrive``).
    max_bytes : refuse grids whose outputs would exceed this (default 4 GiB, or $TIANWEN_MAX_GRID_BYTES).
    float32 : store the float variables in float32 (computed in float64, then rounded): half the memory (38
        instead of 74 bytes a cell) and faster for big grids, at 7 significant digits (C3 to ~1e-6 relative,
        angles to ~2e-5 deg, flight times to ~1e-4 day).
    progress : optional callable ``progress(done_cells, total_cells)`` called between chunks.
    chunk_cells : cells per chunk of rows (one task on a cluster).
    scheduler, workers : run the chunks as tasks on Dask: a ``distributed.Client``, a scheduler address
        (``"tcp://host:8786"``; default ``$TIANWEN_SCHEDULER``), or ``workers=N`` for a local cluster of N
        processes started for this call. Without either, in-process. The result is the same either way.

    Returns
    -------
    :class:`Grid`: the arrays of :func:`porkchop`'s Dataset without xarray (``grid.to_dataset()`` makes it).
    """
    mu, revs, right, prograde = check_options(GM_SUN, revs, branch, prograde)
    # Grid coordinates are UTC; before 1960, where UTC is undefined, the grid runs in TDB (said in attrs).
    d_start = _window(departure, "departure", "tdb")[0]
    scale = "utc" if float(d_start.jd) >= 2436935.5 else "tdb"
    d0, d1 = _window(departure, "departure", scale)
    a0, a1 = _window(arrival, "arrival", scale)
    if float(a1.jd - d0.jd) <= 0:
        raise TianwenError(
            f"arrival window (ends {a1.date()}) is entirely before the departure window (starts {d0.date()})"
        )
    if n is not None:
        try:
            nd_req, na_req = (int(v) for v in n)
        except (TypeError, ValueError):
            raise TianwenError(f"n must be a pair (n_departure, n_arrival); got {n!r}") from None
        dep_ax = _axis(d0, d1, None, nd_req, "departure")
        arr_ax = _axis(a0, a1, None, na_req, "arrival")
    else:
        dep_ax = _axis(d0, d1, step_days, None, "departure")
        arr_ax = _axis(a0, a1, step_days, None, "arrival")
    nd, na = dep_ax.n, arr_ax.n
    cap = DEFAULT_MAX_BYTES if max_bytes is None else int(max_bytes)
    need = nd * na * (4 * len(_FLOAT_VARS) + 2 if float32 else BYTES_PER_CELL)
    if need > cap:
        raise TianwenError(
            f"grid of {nd} x {na} cells needs {need / 2**30:.2f} GiB, over the cap of {cap / 2**30:.2f} GiB; "
            f"use a larger step or raise max_bytes (TIANWEN_MAX_GRID_BYTES)"
        )
    names = []
    for b in (origin, target):
        names.append(_body(b).name if isinstance(b, str) else getattr(b, "name", type(b).__name__))
    dep, arr = dep_ax.epochs(), arr_ax.epochs()
    # Only the ends in TDB (each chunk converts its own epochs; ERFA's dtdb costs ~10 us an epoch).
    dep_tdb, arr_tdb = dep[[0, -1]].to("tdb"), arr[[0, -1]].to("tdb")
    # Check names and spans before any work (the grids are monotonic: the ends suffice).
    heliocentric_state(origin, dep_tdb, ephemeris)
    heliocentric_state(target, arr_tdb, ephemeris)

    from .distributed import map_tasks, shippable_ephemeris

    spec = GridSpec(dep_ax, arr_ax, origin, target, shippable_ephemeris(ephemeris), float(dep_tdb.jd1[0]), mu,
                    revs, bool(prograde), bool(right))
    out = {k: np.empty((nd, na), dtype=np.float32 if float32 else np.float64) for k in _FLOAT_VARS}
    out["transfer_type"] = np.empty((nd, na), dtype=np.int8)
    out["status"] = np.empty((nd, na), dtype=np.int8)
    rows = max(1, int(chunk_cells // max(na, 1)))
    bounds = [(i0, min(nd, i0 + rows)) for i0 in range(0, nd, rows)]
    done = 0
    with map_tasks(scheduler, workers) as run:
        if run is None:  # in-process: each chunk is written straight into the grid
            if progress is None:  # one call: each chunk converts the whole arrival axis to TDB again
                bounds = [(0, nd)]
            else:  # at least ~20 reports, so a progress bar advances smoothly (cells are
                rows = max(1, min(rows, -(-nd // 20)))  # independent: the chunking changes no number)
                bounds = [(i0, min(nd, i0 + rows)) for i0 in range(0, nd, rows)]
            for i0, i1 in bounds:
                _grid_rows(spec, i0, i1, out)
                done += (i1 - i0) * na
                if progress is not None:
                    progress(done, nd * na)
        else:
            tasks = [(spec, i0, i1) for i0, i1 in bounds]
            for (i0, i1), part in run(_grid_rows, tasks, keys=bounds):
                for k, v in part.items():
                    out[k][i0:i1] = v
                done += (i1 - i0) * na
                if progress is not None:
                    progress(done, nd * na)
    ttype, status = out.pop("transfer_type"), out.pop("status")

    data = dict(out)
    data["transfer_type"] = ttype
    data["status"] = status
    if parking_alt_km is not None:
        ob = _body(origin)
        data["dv_depart"] = hyperbolic_dv(out["vinf_dep"], ob.gm_km3_s2, ob.radius_km + float(parking_alt_km))
    if capture is not None:
        tb = _body(target)
        rp_alt, ra_alt = capture
        data["dv_arrive"] = hyperbolic_dv(out["vinf_arr"], tb.gm_km3_s2, tb.radius_km + float(rp_alt),
                                          tb.radius_km + float(ra_alt))
    if "dv_depart" in data and "dv_arrive" in data:
        data["dv_total"] = data["dv_depart"] + data["dv_arrive"]
    eph_name = ephemeris if isinstance(ephemeris, str) else getattr(ephemeris, "name", "custom")
    attrs = dict(
        title=f"{names[0]} to {names[1]} porkchop",
        ephemeris=eph_name, origin=names[0], target=names[1], frame="EME2000 (ICRF axes), Sun-centred",
        lambert_solver="Izzo (2015), tianwen.lambert", revs=revs, prograde=int(prograde), branch=branch,
        mu_sun_km3_s2=mu, time_scale=f"{scale.upper()} coordinates; time of flight in TDB days",
    )
    if parking_alt_km is not None:
        attrs["parking_alt_km"] = float(parking_alt_km)
    if capture is not None:
        attrs["capture_periapsis_alt_km"], attrs["capture_apoapsis_alt_km"] = map(float, capture)
    return Grid(data, dep.datetime64(scale).astype("datetime64[ns]"), arr.datetime64(scale).astype("datetime64[ns]"),
                scale, attrs)


def porkchop(departure, arrival, *, step_days: float | None = 1.0, n: tuple[int, int] | None = None,
             origin="earth", target="mars", revs: int = 0, prograde: bool = True, branch: str = "left",
             ephemeris="de421", parking_alt_km: float | None = None,
             capture: tuple[float, float] | None = None, max_bytes: int | None = None,
             progress=None, chunk_cells: int = 500_000, scheduler=None, workers: int | None = None,
             float32: bool = False):
    """Porkchop grid of ballistic transfers from ``origin`` to ``target``, as an ``xarray.Dataset``.

    Parameters are those of :func:`porkchop_grid` (departure and arrival windows, ``step_days`` or ``n``,
    bodies, Lambert options, ephemeris, parking orbit, capture orbit, memory cap, progress callback, Dask,
    float32 storage).

    Returns
    -------
    xarray.Dataset with dims ``departure``, ``arrival`` (datetime64 UTC coordinates) and the variables listed
    in the module docstring; attributes name the ephemeris, origin, target, frame and solver.
    """
    return porkchop_grid(departure, arrival, step_days=step_days, n=n, origin=origin, target=target, revs=revs,
                         prograde=prograde, branch=branch, ephemeris=ephemeris, parking_alt_km=parking_alt_km,
                         capture=capture, max_bytes=max_bytes, progress=progress, chunk_cells=chunk_cells,
                         scheduler=scheduler, workers=workers, float32=float32).to_dataset()


def capture_altitudes(target, periapsis_radius_km: float, apoapsis_radius_km: float) -> tuple[float, float]:
    """A capture orbit given by its periapsis and apoapsis radii (km from the target's centre), as the
    ``capture=(periapsis_alt_km, apoapsis_alt_km)`` that :func:`porkchop` takes (altitudes over the mean radius)."""
    radius = _body(target).radius_km
    rp, ra = float(periapsis_radius_km), float(apoapsis_radius_km)
    if not (math.isfinite(rp) and rp > radius):
        raise TianwenError(f"capture periapsis radius {rp!r} km must exceed {_body(target).name}'s radius "
                           f"{radius} km")
    if not (math.isfinite(ra) and ra >= rp):
        raise TianwenError(f"capture apoapsis radius {ra!r} km must be at least the periapsis radius {rp} km")
    return rp - radius, ra - radius


@dataclass(frozen=True)
class Transfer:
    """One ballistic transfer (a porkchop cell), full precision: its numbers, and the states at both ends.

    Epochs are :class:`~tianwen.time.Epoch` in TDB; vectors are Sun-centred ICRF (EME2000 axes), km and km/s:
    ``r1_km``/``r2_km`` the origin's position at departure and the target's at arrival, ``v1_kms``/``v2_kms``
    the transfer arc's velocities there, ``origin_v_kms``/``target_v_kms`` the bodies' own velocities.
    ``dv_*`` are None unless a parking orbit / capture orbit was given.
    """

    origin: str
    target: str
    ephemeris: str
    departure: Epoch
    arrival: Epoch
    tof_days: float
    revs: int
    prograde: bool
    branch: str
    c3_km2s2: float
    vinf_dep_kms: float
    dla_deg: float
    rla_deg: float
    vinf_arr_kms: float
    dla_arr_deg: float
    rla_arr_deg: float
    transfer_angle_deg: float
    transfer_type: int
    r1_km: np.ndarray
    v1_kms: np.ndarray
    origin_v_kms: np.ndarray
    r2_km: np.ndarray
    v2_kms: np.ndarray
    target_v_kms: np.ndarray
    dv_depart_kms: float | None = None
    dv_arrive_kms: float | None = None
    dv_total_kms: float | None = None

    def values(self) -> dict[str, float | int]:
        """The numbers keyed by their porkchop variable names (:data:`VARIABLES`: ``c3``, ``tof``, ...), the
        ``dv_*`` ones only when present."""
        out = {}
        for name, var in VARIABLES.items():
            if name == "status":
                continue
            value = getattr(self, var.json_name, None)
            if value is not None:
                out[name] = value
        return out


def transfer(origin, target, departure, arrival=None, *, tof_days: float | None = None, revs: int = 0,
             prograde: bool = True, branch: str = "left", ephemeris="de421", parking_alt_km: float | None = None,
             capture: tuple[float, float] | None = None) -> Transfer:
    """One ballistic transfer from ``origin`` at ``departure`` to ``target`` at ``arrival`` (or after
    ``tof_days`` days of TDB): the porkchop cell's numbers and the arc's end states, from one Lambert solve
    (:func:`tianwen.lambert.lambert`, Izzo 2015 with its Gooding fallback).

    ``departure`` and ``arrival`` are anything :func:`tianwen.time.epoch` reads (UTC by default); the other
    options are :func:`porkchop`'s. Raises :class:`~tianwen.errors.TianwenError` when there is no solution.

    >>> t = transfer("earth", "mars", "2020-07-19", "2021-01-27")
    >>> round(t.c3_km2s2, 2), t.transfer_type
    (13.09, 1)
    """
    from .core.transfer import cell_of_arc
    from .lambert import STATUS_MEANING, lambert

    mu, revs, right, prograde = check_options(GM_SUN, revs, branch, prograde)
    dep = _epoch(departure).to("tdb")
    if dep.shape != ():
        raise TianwenError(f"departure {departure!r} must be a single date")
    if (arrival is None) == (tof_days is None):
        raise TianwenError("give exactly one of arrival (a date) and tof_days (days of flight)")
    if arrival is not None:
        arr = _epoch(arrival).to("tdb")
        if arr.shape != ():
            raise TianwenError(f"arrival {arrival!r} must be a single date")
        tof = float((arr.jd1 - dep.jd1) + (arr.jd2 - dep.jd2))
    else:
        tof = float(tof_days)
        arr = dep + tof
    if not (math.isfinite(tof) and tof > 0):
        raise TianwenError(f"arrival {arr.iso(3)} TDB is not after departure {dep.iso(3)} TDB")
    names = [_body(b).name for b in (origin, target)]
    r1, vo = heliocentric_state(origin, dep, ephemeris)
    r2, vt = heliocentric_state(target, arr, ephemeris)
    r1, vo, r2, vt = r1[0], vo[0], r2[0], vt[0]
    sol = lambert(r1, r2, tof * 86400.0, mu=mu, revs=revs, prograde=prograde, branch=branch)
    status = int(sol.status)
    if status != 0:
        raise TianwenError(f"no ballistic transfer from {names[0]} on {dep.iso(3)} TDB to {names[1]} on "
                           f"{arr.iso(3)} TDB with revs={revs}: Lambert status {status}, "
                           f"{STATUS_MEANING.get(status, 'unsolved')}")
    v1, v2 = np.asarray(sol.v1, dtype=float), np.asarray(sol.v2, dtype=float)
    c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, angle, ttype = cell_of_arc(
        *map(float, (*r1, *vo, *r2, *vt, *v1, *v2)), revs, prograde)
    dv_dep = dv_arr = dv_total = None
    if parking_alt_km is not None:
        ob = _body(origin)
        dv_dep = float(hyperbolic_dv(vinf_dep, ob.gm_km3_s2, ob.radius_km + float(parking_alt_km)))
    if capture is not None:
        tb = _body(target)
        rp_alt, ra_alt = capture
        dv_arr = float(hyperbolic_dv(vinf_arr, tb.gm_km3_s2, tb.radius_km + float(rp_alt),
                                     tb.radius_km + float(ra_alt)))
    if dv_dep is not None and dv_arr is not None:
        dv_total = dv_dep + dv_arr
    eph_name = ephemeris if isinstance(ephemeris, str) else getattr(ephemeris, "name", "custom")
    return Transfer(names[0], names[1], eph_name, dep, arr, tof, revs, prograde, branch, float(c3),
                    float(vinf_dep), float(dla), float(rla), float(vinf_arr), float(dla_arr), float(rla_arr),
                    float(angle), int(ttype), r1, v1, vo, r2, v2, vt, dv_dep, dv_arr, dv_total)


def grid_shape(departure, arrival, *, step_days: float | None = 1.0, n: tuple[int, int] | None = None) -> tuple[int, int]:
    """The (departure, arrival) sizes of the grid :func:`porkchop` builds for these arguments, without computing
    it (for a caller that checks its own limits first). The windows are checked as :func:`porkchop` checks them.

    >>> grid_shape(("2020-05-02", "2020-10-05"), ("2020-09-08", "2021-12-19"), step_days=1.0)
    (157, 468)
    """
    d_start = _window(departure, "departure", "tdb")[0]
    scale = "utc" if float(d_start.jd) >= 2436935.5 else "tdb"
    d0, d1 = _window(departure, "departure", scale)
    a0, a1 = _window(arrival, "arrival", scale)
    if n is not None:
        try:
            nd_req, na_req = (int(v) for v in n)
        except (TypeError, ValueError):
            raise TianwenError(f"n must be a pair (n_departure, n_arrival); got {n!r}") from None
        return _axis(d0, d1, None, nd_req, "departure").n, _axis(a0, a1, None, na_req, "arrival").n
    return _axis(d0, d1, step_days, None, "departure").n, _axis(a0, a1, step_days, None, "arrival").n


def warm_up_block() -> None:
    """Compile (or load) the lock-step grid kernel for the argument types :func:`porkchop_grid` passes: a 2020 grid
    of 65 x 65 cells (run by ``python -m tianwen.warm porkchop-block`` with the block kernel forced)."""
    porkchop_grid(("2020-06-01", "2020-08-04"), ("2021-01-01", "2021-03-06"), step_days=1.0)


def warm_up_scalar() -> None:
    """Compile (or load) the scalar grid kernel for the argument types :func:`porkchop_grid` passes, on a 4 x 4 grid
    of made-up states (no ephemeris: the command compiles that one meanwhile); run by ``python -m tianwen.warm
    porkchop`` while a cold ``tianwen porkchop`` starts."""
    n = 4
    states = [np.zeros((n, 3)) + 1.0 + k for k in range(4)]
    outs = [np.empty((n, n)) for _ in _FLOAT_VARS]
    grid_kernel_scalar(states[0], states[1], np.zeros(n), states[2], states[3], np.full(n, 200.0), 1.0, 0, True,
                       False, *outs, np.empty((n, n), dtype=np.int8), np.empty((n, n), dtype=np.int8))
