"""Surveys: every launch opportunity to several targets over decades, multi-revolution, into a Zarr store.

A survey covers, for each target, every opportunity whose minimum-C3 launch date falls in the years asked
(found by :func:`tianwen.windows.find_opportunities`, no list), and for each opportunity each *case*: 0
revolutions, and for N >= 1 revolutions both Lambert branches (``left``, ``right``). Each (opportunity,
case) is a grid over

* departures: one synodic period of days centred on the opportunity (from 0h TDB, every ``step_days``),
  so consecutive opportunities tile the time line and no launch date is left out;
* flight times: the window of :func:`tianwen.windows.tof_bounds_days` (90-500 days for Earth-Mars, scaled
  by the Hohmann time for other targets), shifted by N transfer-orbit periods (2 Hohmann times) for N
  revolutions, every ``step_days``.

Each cell is one Lambert arc computed by the porkchop cell function (:func:`tianwen.core.transfer.cell`), so a
survey cell equals the porkchop cell at the same dates. For every (opportunity, case) the survey records
the grid's minima — minimum C3 and minimum arrival v-infinity, each for the short way (type 2N+1, transfer
angle < 180 deg) and the long way (2N+2) — and, with ``grids=True``, the full grids.

**Chunks and tasks.** Each (opportunity, case) grid is cut into parts of at most ``chunk_cells`` cells
(whole departure rows). A part is one task, a pure function of a few numbers (target, ephemeris name, first
departure, step, rows, flight-time window): it evaluates its own ephemeris states, solves its cells, and
writes its own Zarr chunks. Memory per task is bounded by ``chunk_cells`` (about 75 bytes per cell), not by
the survey. Parts run in-process, or on Dask (``scheduler=``/``workers=``, :mod:`tianwen.distributed`).

**Resumable, never half-read.** A part writes its data (grid chunks, then its minima chunk) and only then
its ``done`` flag, each chunk being its own Zarr object (written whole: Zarr's local store writes a temporary
file and renames it; object stores replace objects whole). Re-running the same survey reads the flags and
runs only the parts not marked done, overwriting whatever an interrupted part may have left. The final
per-opportunity minima are reduced from parts marked done only, and written after every part is done.

**Ephemeris.** ``ephemeris="auto"`` (default) uses DE421 for every opportunity whose grid lies inside DE421
(1899-07-29 to 2053-10-09), and the long-span model ``analytic-long`` (Standish's Tables 2a/2b, 3000 BC to
3000 AD; much coarser than DE421) beyond it. Which ephemeris each opportunity used is stored in the Zarr
attributes (``ephemerides``) and in the ``ephemeris`` variable of the minima, and printed by the CLI.

Zarr layout (``xarray.open_zarr(path, group="mars/minima")`` opens a group as a Dataset)::

    survey.zarr/                  attrs: config, plan_complete, complete, ephemeris_descriptions, stats
      <target>/                   attrs: synodic/Hohmann periods, ephemerides (one per opportunity), cases
        plan/                     opportunity (o), center_tdb_jd (o), departure_tdb_jd (o, departure),
                                  tof_days (case, tof), revs (case), branch (case; 0 left, 1 right)
        parts/                    minima (o, case, part, type, objective, field), done (o, case, part)
        grid/                     [grids=True] c3, vinf_arr, dla, rla (float32), transfer_type (int8):
                                  (opportunity, case, departure, tof); chunk = one part
        minima/                   c3, vinf_dep, dla, rla, vinf_arr, dla_arr, rla_arr, transfer_angle, tof,
                                  departure_tdb_jd, arrival_tdb_jd, on_edge, ephemeris:
                                  (opportunity, case, type, objective); written when the survey completes
"""

from __future__ import annotations

import math
import os
import re
import time as _time
from dataclasses import dataclass, field

import numpy as np

from .bodies import GM_SUN, body as _body
from .ephemeris import get_ephemeris, heliocentric_state
from .errors import TianwenError
from .core.transfer import survey_kernel
from .lambert import check_options
from .time import Epoch

LAYOUT_VERSION = 1
LONG_EPHEMERIS = "analytic-long"
EPHEMERIS_DESCRIPTIONS = {
    "de421": "JPL DE421 (Folkner, Williams & Boggs 2009), 1899-07-29 to 2053-10-09 TDB",
    "analytic": "Standish, Keplerian elements for approximate positions, Table 1 (1800-2050)",
    "analytic-long": "Standish, Keplerian elements for approximate positions, Tables 2a/2b (3000 BC-3000 AD); "
                     "errors up to ~10^5-10^6 km for the inner planets, far coarser than DE421",
}
#: Per-minimum fields recorded in ``parts/minima`` (the last two are grid indices, as floats; NaN = none).
PART_FIELDS = ("c3", "vinf_dep", "dla", "rla", "vinf_arr", "dla_arr", "rla_arr", "transfer_angle", "tof",
               "row", "col")
MINIMA_VARS = ("c3", "vinf_dep", "dla", "rla", "vinf_arr", "dla_arr", "rla_arr", "transfer_angle", "tof")
OBJECTIVES = ("c3", "vinf_arr")
GRID_VARS = ("c3", "vinf_arr", "dla", "rla")
_UNITS = {"c3": "km^2/s^2", "vinf_dep": "km/s", "dla": "deg", "rla": "deg", "vinf_arr": "km/s", "dla_arr": "deg",
          "rla_arr": "deg", "transfer_angle": "deg", "tof": "day"}
_BRANCHES = ("left", "right")


# ---------------------------------------------------------------------------------------------------------
# The compiled kernel: departures x flight times (arrival lattice index = row + column)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One task: rows ``r0:r1`` of the grid of one (opportunity, case). A few numbers, shipped as is."""

    out: str
    target_key: str
    o: int
    c: int
    p: int
    origin: str
    target: str
    ephemeris: str
    start_tdb_jd: float  # first departure of the opportunity's grid (0h TDB)
    step: float
    r0: int
    r1: int
    tof0: float
    n_tof: int
    revs: int
    branch: str
    grids: bool


def part_cells(part: Part) -> dict[str, np.ndarray]:
    """The cells of one part (a pure function of ``part``): arrays of shape (rows, n_tof)."""
    rows = part.r1 - part.r0
    dep = Epoch(np.full(rows, part.start_tdb_jd), (part.r0 + np.arange(rows)) * part.step, "tdb")
    m = np.arange(rows + part.n_tof - 1)
    arr = Epoch(np.full(m.size, part.start_tdb_jd), part.tof0 + (part.r0 + m) * part.step, "tdb")
    rd, vd = heliocentric_state(part.origin, dep, part.ephemeris)
    ra, va = heliocentric_state(part.target, arr, part.ephemeris)
    tof = part.tof0 + np.arange(part.n_tof) * part.step
    out = {k: np.empty((rows, part.n_tof)) for k in MINIMA_VARS if k != "tof"}
    ttype = np.empty((rows, part.n_tof), dtype=np.int8)
    status = np.empty((rows, part.n_tof), dtype=np.int8)
    survey_kernel(np.ascontiguousarray(rd), np.ascontiguousarray(vd), np.ascontiguousarray(ra),
                   np.ascontiguousarray(va), tof, GM_SUN, part.revs, True, part.branch == "right",
                   out["c3"], out["vinf_dep"], out["dla"], out["rla"], out["vinf_arr"], out["dla_arr"],
                   out["rla_arr"], out["transfer_angle"], ttype, status)
    out["tof"] = np.broadcast_to(tof, (rows, part.n_tof))
    out["transfer_type"] = ttype
    out["status"] = status
    return out


def part_minima(part: Part, cells: dict[str, np.ndarray]) -> np.ndarray:
    """(type, objective, field) minima of one part: type 0 = 2N+1 (short way), 1 = 2N+2 (long way)."""
    rec = np.full((2, len(OBJECTIVES), len(PART_FIELDS)), np.nan)
    for t in range(2):
        mask = cells["transfer_type"] == 2 * part.revs + 1 + t
        for m, obj in enumerate(OBJECTIVES):
            f = np.where(mask & np.isfinite(cells[obj]), cells[obj], np.inf)
            k = int(np.argmin(f))
            i, j = divmod(k, f.shape[1])
            if not np.isfinite(f[i, j]):
                continue
            for q, name in enumerate(PART_FIELDS[:-2]):
                rec[t, m, q] = cells[name][i, j]
            rec[t, m, -2] = part.r0 + i
            rec[t, m, -1] = j
    return rec


def _open_array(out: str, path: str):
    import zarr

    return zarr.open_array(store=out, path=path, mode="r+")


def run_part(part: Part) -> tuple[int, float]:
    """Compute one part and write it: grid chunks, then its minima chunk, then — last — its ``done`` flag.

    Returns (cells, seconds). Idempotent: running it again rewrites the same chunks with the same values.
    """
    t0 = _time.perf_counter()
    cells = part_cells(part)
    base = f"{part.target_key}/"
    if part.grids:
        for name in GRID_VARS:
            _open_array(part.out, base + "grid/" + name)[part.o, part.c, part.r0:part.r1, :] = \
                cells[name].astype(np.float32)
        _open_array(part.out, base + "grid/transfer_type")[part.o, part.c, part.r0:part.r1, :] = cells["transfer_type"]
    _open_array(part.out, base + "parts/minima")[part.o, part.c, part.p] = part_minima(part, cells)
    _open_array(part.out, base + "parts/done")[part.o, part.c, part.p] = 1  # only after the data above
    return cells["c3"].size, _time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------------------------


def parse_revs(text) -> list[int]:
    """``"0..2"`` -> [0, 1, 2]; ``"0,2"`` -> [0, 2]; ``"1"`` -> [1]; a list of ints is returned sorted."""
    if isinstance(text, (list, tuple, range)):
        revs = [int(v) for v in text]
    else:
        s = str(text).strip()
        m = re.fullmatch(r"(\d+)\s*(?:\.\.|:|-)\s*(\d+)", s)
        try:
            revs = list(range(int(m[1]), int(m[2]) + 1)) if m else [int(v) for v in s.split(",") if v.strip()]
        except ValueError:
            revs = []
    if not revs or any(r < 0 for r in revs):
        raise TianwenError(f"revs {text!r} must be revolution counts >= 0 like 0..2 or 0,1")
    return sorted(set(revs))


def cases(revs) -> list[tuple[int, str]]:
    """(revolutions, branch) pairs: 0 revolutions once; N >= 1 with both branches."""
    out = []
    for n in parse_revs(revs):
        out.extend([(n, "left")] if n == 0 else [(n, "left"), (n, "right")])
    return out


def _in_span(name: str, jd_lo: float, jd_hi: float) -> bool:
    lo, hi = get_ephemeris(name).span_tdb_jd
    return lo <= jd_lo and jd_hi <= hi


@dataclass
class TargetPlan:
    key: str
    target: str
    synodic_days: float
    hohmann_days: float
    tof_lo: float
    tof_hi: float
    n_dep: int
    n_tof: int
    rows_per_part: int
    n_parts: int
    cases: list
    scan_ephemeris: str
    centers: list = field(default_factory=list)  # TDB JD of each opportunity's minimum-C3 scan date
    starts: list = field(default_factory=list)  # TDB JD (0h) of each opportunity's first departure
    labels: list = field(default_factory=list)
    ephemerides: list = field(default_factory=list)

    def tof0(self, c: int) -> float:
        """First flight time of case ``c``: the window's start plus N transfer-orbit periods (whole days)."""
        return self.tof_lo + round(2.0 * self.cases[c][0] * self.hohmann_days)

    def parts(self, out, origin, step, grids):
        for o in range(len(self.starts)):
            for c, (revs, branch) in enumerate(self.cases):
                for p in range(self.n_parts):
                    r0 = p * self.rows_per_part
                    yield Part(out, self.key, o, c, p, origin, self.target, self.ephemerides[o], self.starts[o],
                               step, r0, min(self.n_dep, r0 + self.rows_per_part), self.tof0(c), self.n_tof,
                               revs, branch, grids)

    def as_attrs(self) -> dict:
        return {"target": self.target, "synodic_period_days": self.synodic_days,
                "hohmann_tof_days": self.hohmann_days, "tof_bounds_days": [self.tof_lo, self.tof_hi],
                "n_departures": self.n_dep, "n_tof": self.n_tof, "rows_per_part": self.rows_per_part,
                "n_parts": self.n_parts, "cases": [[r, b] for r, b in self.cases],
                "scan_ephemeris": self.scan_ephemeris, "labels": list(self.labels),
                "ephemerides": list(self.ephemerides), "centers_tdb_jd": list(self.centers),
                "starts_tdb_jd": list(self.starts)}

    @classmethod
    def from_attrs(cls, key: str, a: dict) -> "TargetPlan":
        return cls(key=key, target=a["target"], synodic_days=a["synodic_period_days"],
                   hohmann_days=a["hohmann_tof_days"], tof_lo=a["tof_bounds_days"][0],
                   tof_hi=a["tof_bounds_days"][1], n_dep=a["n_departures"], n_tof=a["n_tof"],
                   rows_per_part=a["rows_per_part"], n_parts=a["n_parts"],
                   cases=[(int(r), str(b)) for r, b in a["cases"]], scan_ephemeris=a["scan_ephemeris"],
                   centers=list(a["centers_tdb_jd"]), starts=list(a["starts_tdb_jd"]), labels=list(a["labels"]),
                   ephemerides=list(a["ephemerides"]))


def plan_target(target: str, year_from: int, year_to: int, *, origin: str, revs, step_days: float,
                ephemeris: str, chunk_cells: int, scheduler=False) -> TargetPlan:
    """Opportunities, grid sizes, parts and the ephemeris of each opportunity of one target."""
    from .windows import find_opportunities, hohmann_tof_days, synodic_period_days, tof_bounds_days

    name = _body(target).name
    syn = synodic_period_days(origin, name)
    hoh = hohmann_tof_days(origin, name)
    lo, hi = tof_bounds_days(origin, name)
    cs = cases(revs)
    n_dep = max(1, int(round(syn / step_days)))
    n_tof = int(math.floor((hi - lo) / step_days + 1e-9)) + 1
    rows = max(1, int(chunk_cells) // n_tof)
    n_parts = int(math.ceil(n_dep / rows))
    tof_max = lo + round(2.0 * max(r for r, _ in cs) * hoh) + (n_tof - 1) * step_days
    if ephemeris == "auto":
        # The scan, like the grids, stays on DE421 while the whole span allows it.
        a = float(np.floor((year_from - 2000) * 365.25 + 2451544.5 - 0.6 * syn))
        b = float((year_to + 1 - 2000) * 365.25 + 2451544.5 + 0.6 * syn + syn + tof_max)
        scan_eph = "de421" if _in_span("de421", a, b) else LONG_EPHEMERIS
    else:
        scan_eph = ephemeris
    opps = find_opportunities(year_from, year_to, origin=origin, target=name, ephemeris=scan_eph,
                              scheduler=scheduler)
    plan = TargetPlan(name, name, syn, hoh, lo, hi, n_dep, n_tof, rows, n_parts, cs, scan_eph)
    for opp in opps:
        center = float(opp.to("tdb").jd)
        start = math.floor(center - 0.5 * (n_dep - 1) * step_days - 0.5) + 0.5
        end = start + (n_dep - 1) * step_days + tof_max
        if ephemeris == "auto":
            eph = "de421" if _in_span("de421", start, end) else LONG_EPHEMERIS
        else:
            eph = ephemeris
            if not _in_span(eph, start, end):
                lo_jd, hi_jd = get_ephemeris(eph).span_tdb_jd
                raise TianwenError(f"the {name} opportunity of {opp.date()[:4]} needs {eph} from JD {start:.1f} "
                                   f"to {end:.1f} TDB, outside its span ({lo_jd:.1f} to {hi_jd:.1f}); "
                                   f"use --ephemeris auto")
        plan.centers.append(center)
        plan.starts.append(start)
        plan.labels.append(int(opp.date()[:4]))
        plan.ephemerides.append(eph)
    return plan


# ---------------------------------------------------------------------------------------------------------
# The Zarr store
# ---------------------------------------------------------------------------------------------------------


def _create(group, name, shape, chunks, dtype, fill, dims, attrs=None):
    arr = group.create_array(name, shape=shape, chunks=chunks, dtype=dtype, fill_value=fill,
                             dimension_names=dims, overwrite=True)
    if attrs:
        arr.attrs.update(attrs)
    return arr


def _write_plan(root, plan: TargetPlan, step: float, grids: bool):
    g = root.require_group(plan.key)
    no, nc = len(plan.starts), len(plan.cases)
    p = g.require_group("plan")
    coords = "departure_tdb_jd tof_days revs branch"
    _create(p, "opportunity", (no,), (max(no, 1),), "int32", 0, ("opportunity",),
            {"long_name": "opportunity label: year of its minimum-C3 launch date (coarse scan)"})[:] = plan.labels
    _create(p, "center_tdb_jd", (no,), (max(no, 1),), "float64", np.nan, ("opportunity",),
            {"units": "day", "long_name": "minimum-C3 launch date of the coarse scan, TDB Julian date"}
            )[:] = plan.centers
    dep = np.asarray(plan.starts)[:, None] + np.arange(plan.n_dep)[None, :] * step
    _create(p, "departure_tdb_jd", (no, plan.n_dep), (max(no, 1), plan.n_dep), "float64", np.nan,
            ("opportunity", "departure"), {"units": "day", "long_name": "departure, TDB Julian date"})[...] = dep
    tof = np.array([plan.tof0(c) for c in range(nc)])[:, None] + np.arange(plan.n_tof)[None, :] * step
    _create(p, "tof_days", (nc, plan.n_tof), (nc, plan.n_tof), "float64", np.nan, ("case", "tof"),
            {"units": "day", "long_name": "time of flight (TDB days)"})[...] = tof
    _create(p, "revs", (nc,), (nc,), "int8", 0, ("case",), {"long_name": "complete revolutions"})[:] = \
        [r for r, _ in plan.cases]
    _create(p, "branch", (nc,), (nc,), "int8", 0, ("case",),
            {"long_name": "Lambert branch for revs >= 1", "flag_values": [0, 1], "flag_meanings": "left right"})[:] = \
        [_BRANCHES.index(b) for _, b in plan.cases]
    q = g.require_group("parts")
    _create(q, "minima", (no, nc, plan.n_parts, 2, len(OBJECTIVES), len(PART_FIELDS)),
            (1, 1, 1, 2, len(OBJECTIVES), len(PART_FIELDS)), "float64", np.nan,
            ("opportunity", "case", "part", "type", "objective", "field"), {"fields": list(PART_FIELDS)})
    _create(q, "done", (no, nc, plan.n_parts), (1, 1, 1), "int8", 0, ("opportunity", "case", "part"),
            {"long_name": "1 once the part's data chunks are written (set last)"})
    if grids:
        gr = g.require_group("grid")
        shape = (no, nc, plan.n_dep, plan.n_tof)
        chunks = (1, 1, plan.rows_per_part, plan.n_tof)
        dims = ("opportunity", "case", "departure", "tof")
        for name in GRID_VARS:
            _create(gr, name, shape, chunks, "float32", np.nan, dims, {"units": _UNITS[name], "coordinates": coords})
        _create(gr, "transfer_type", shape, chunks, "int8", 0, dims,
                {"long_name": "2N+1 short way, 2N+2 long way, 0 no solution", "coordinates": coords})
        # Coordinates beside the grids, so xarray.open_zarr(path, group=".../grid") is self-describing.
        for name in ("opportunity", "departure_tdb_jd", "tof_days", "revs", "branch"):
            src = p[name]
            _create(gr, name, src.shape, src.chunks, src.dtype, src.fill_value, src.metadata.dimension_names,
                    dict(src.attrs))[...] = src[...]
    g.attrs.update(plan.as_attrs())


def _read_done(arr) -> np.ndarray:
    """The done flags; a flag chunk that cannot be read (a store without atomic writes, torn by a crash)
    counts as not done, so its part is simply computed again."""
    try:
        return arr[...]
    except Exception:  # noqa: BLE001 - any unreadable chunk: fall back to one flag at a time
        out = np.zeros(arr.shape, dtype=np.int8)
        for idx in np.ndindex(*arr.shape):
            try:
                out[idx] = arr[idx]
            except Exception:  # noqa: BLE001
                out[idx] = 0
        return out


def _config(origin, targets, year_from, year_to, revs, step_days, grids, ephemeris, chunk_cells) -> dict:
    return {"layout": LAYOUT_VERSION, "origin": origin, "targets": list(targets), "year_from": int(year_from),
            "year_to": int(year_to), "revs": parse_revs(revs), "step_days": float(step_days), "grids": bool(grids),
            "ephemeris": ephemeris, "chunk_cells": int(chunk_cells)}


def _normalise_out(out) -> str:
    out = str(out)
    return out if "://" in out else os.path.abspath(out)


def _reduce(root, plan: TargetPlan, step: float):
    """Per-(opportunity, case) minima from the parts marked done; written as the ``minima`` group."""
    g = root[plan.key]
    done = g["parts/done"][...]
    if not done.all():
        raise TianwenError(f"{plan.key}: {int((done == 0).sum())} parts not done")
    parts = g["parts/minima"][...]  # (o, c, p, type, objective, field)
    no, nc = parts.shape[:2]
    fields = {name: np.full((no, nc, 2, len(OBJECTIVES)), np.nan) for name in PART_FIELDS}
    for m in range(len(OBJECTIVES)):
        val = parts[:, :, :, :, m, PART_FIELDS.index(OBJECTIVES[m])]  # (o, c, p, type)
        best = np.argmin(np.where(np.isfinite(val), val, np.inf), axis=2)  # first part wins ties
        sel = np.take_along_axis(parts[:, :, :, :, m, :], best[:, :, None, :, None], axis=2)[:, :, 0]
        for q, name in enumerate(PART_FIELDS):
            fields[name][..., m] = sel[..., q]
    starts = np.asarray(plan.starts)[:, None, None, None]
    dep = starts + fields["row"] * step
    arr = dep + fields["tof"]
    edge = ((fields["row"] == 0) | (fields["row"] == plan.n_dep - 1)
            | (fields["col"] == 0) | (fields["col"] == plan.n_tof - 1)).astype(np.int8)
    mg = g.require_group("minima")
    dims = ("opportunity", "case", "type", "objective")
    shape = (no, nc, 2, len(OBJECTIVES))
    for name in MINIMA_VARS:
        _create(mg, name, shape, shape, "float64", np.nan, dims,
                {"units": _UNITS[name], "coordinates": "revs branch"})[...] = fields[name]
    _create(mg, "departure_tdb_jd", shape, shape, "float64", np.nan, dims,
            {"units": "day", "long_name": "launch, TDB Julian date", "coordinates": "revs branch"})[...] = dep
    _create(mg, "arrival_tdb_jd", shape, shape, "float64", np.nan, dims,
            {"units": "day", "long_name": "arrival, TDB Julian date", "coordinates": "revs branch"})[...] = arr
    _create(mg, "on_edge", shape, shape, "int8", 0, dims,
            {"long_name": "1 if the minimum lies on the edge of the grid (may continue beyond it)",
             "coordinates": "revs branch"})[...] = edge
    names = sorted(set(plan.ephemerides))
    _create(mg, "ephemeris", (no,), (max(no, 1),), "int8", -1, ("opportunity",),
            {"long_name": "ephemeris used for the opportunity", "flag_values": list(range(len(names))),
             "flag_meanings": " ".join(names)})[:] = [names.index(e) for e in plan.ephemerides]
    p = g["plan"]
    for name in ("opportunity", "revs", "branch"):
        src = p[name]
        _create(mg, name, src.shape, src.chunks, src.dtype, src.fill_value, src.metadata.dimension_names,
                dict(src.attrs))[...] = src[...]
    _create(mg, "type", (2,), (2,), "int8", 0, ("type",),
            {"long_name": "1: short way (transfer_type 2N+1, < 180 deg), 2: long way (2N+2)"})[:] = [1, 2]
    _create(mg, "objective", (2,), (2,), "int8", 0, ("objective",),
            {"long_name": "quantity minimised", "flag_values": [0, 1], "flag_meanings": " ".join(OBJECTIVES)}
            )[:] = [0, 1]
    mg.attrs.update({"ephemerides": list(plan.ephemerides), "target": plan.target,
                     "note": "grid minima at the survey step (not refined); on_edge = 1 marks minima on the grid edge"})


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


@dataclass
class SurveyResult:
    """What :func:`survey` did: the store, the per-target plans and the work counts."""

    path: str
    plans: dict
    parts_total: int
    parts_run: int
    cells_total: int
    cells_run: int
    seconds: float
    config: dict

    def minima(self, target: str | None = None):
        """The per-opportunity minima of one target (or a dict of all) as ``xarray.Dataset``."""
        data = open_survey(self.path)
        return data if target is None else data[_body(target).name]

    def rows(self) -> list[dict]:
        """One dict per (target, opportunity, case, type, objective) with dates, values and the ephemeris."""
        return survey_rows(self.path)


def survey(out, targets=("mars",), year_from: int = 2025, year_to: int = 2045, *, origin: str = "earth",
           revs="0", step_days: float = 1.0, grids: bool = False, ephemeris: str = "auto",
           chunk_cells: int = 250_000, scheduler=None, workers: int | None = None, progress=None) -> SurveyResult:
    """Survey every opportunity from ``origin`` to each of ``targets`` in [year_from, year_to] into Zarr ``out``.

    ``revs``: revolution counts (``"0..2"``, ``[0, 1]``); ``step_days``: grid step on both axes; ``grids``:
    also store the full grids; ``ephemeris``: ``"auto"`` (DE421 where it reaches, ``analytic-long`` beyond)
    or one name for everything; ``chunk_cells``: cells per task (memory per task ~75 bytes per cell);
    ``scheduler``/``workers``: where tasks run (:mod:`tianwen.distributed`); ``progress(done_cells,
    total_cells)`` is called after each part (including parts found already done).

    Re-running with the same arguments resumes: only parts not marked done are computed. A store made with
    other arguments is refused.
    """
    import zarr

    from .distributed import dask_client, map_tasks

    t_start = _time.perf_counter()
    if not (isinstance(step_days, (int, float)) and math.isfinite(step_days) and step_days > 0):
        raise TianwenError(f"step {step_days!r} days must be a positive number")
    if int(chunk_cells) < 1:
        raise TianwenError(f"chunk_cells {chunk_cells!r} must be positive")
    if int(year_to) < int(year_from):
        raise TianwenError(f"--to {year_to} is before --from {year_from}")
    if isinstance(targets, str):
        targets = [t for t in targets.split(",") if t.strip()]
    names = [_body(t.strip()).name for t in targets]
    if not names:
        raise TianwenError("give at least one target, e.g. --targets mars")
    origin = _body(origin).name
    if ephemeris != "auto":
        get_ephemeris(ephemeris)  # an unknown name fails here
    config = _config(origin, names, year_from, year_to, revs, step_days, grids, ephemeris, chunk_cells)
    out = _normalise_out(out)
    step = float(step_days)

    with dask_client(scheduler, workers) as client:
        sched = client if client is not None else False
        root = zarr.open_group(store=out, mode="a")
        old = root.attrs.get("config")
        if old is not None and root.attrs.get("plan_complete") and old != config:  # (an unfinished plan is redone)
            diff = [k for k in config if old.get(k) != config[k]]
            k = diff[0] if diff else "layout"
            raise TianwenError(f"{out} holds a survey made with {k}={old.get(k)!r}, not {config[k]!r}; "
                               f"give the same options to resume it, or a new --out")
        if old is not None and root.attrs.get("plan_complete"):
            plans = {t: TargetPlan.from_attrs(t, dict(root[t].attrs)) for t in names}
        else:
            root.attrs.update({"config": config, "plan_complete": False, "complete": False,
                               "title": f"tianwen survey: {origin} to {', '.join(names)}",
                               "ephemeris_descriptions": EPHEMERIS_DESCRIPTIONS})
            plans = {}
            for t in names:
                plans[t] = plan_target(t, int(year_from), int(year_to), origin=origin, revs=revs, step_days=step,
                                       ephemeris=ephemeris, chunk_cells=int(chunk_cells), scheduler=sched)
                _write_plan(root, plans[t], step, bool(grids))
            root.attrs["plan_complete"] = True

        todo, cells_total, cells_done = [], 0, 0
        for t, plan in plans.items():
            done = _read_done(root[t]["parts/done"])
            for part in plan.parts(out, origin, step, bool(grids)):
                n = (part.r1 - part.r0) * part.n_tof
                cells_total += n
                if done[part.o, part.c, part.p]:
                    cells_done += n
                else:
                    todo.append(part)
        parts_total = sum(len(p.starts) * len(p.cases) * p.n_parts for p in plans.values())
        if progress is not None:
            progress(cells_done, cells_total)
        cells_run = 0
        with map_tasks(sched) as run:
            results = ((part, run_part(part)) for part in todo) if run is None else run(run_part, [(p,) for p in todo],
                                                                                        keys=todo)
            for part, (n, _) in results:
                cells_run += n
                cells_done += n
                if progress is not None:
                    progress(cells_done, cells_total)

    for t, plan in plans.items():
        _reduce(root, plan, step)
    elapsed = _time.perf_counter() - t_start
    stats = {"parts_total": parts_total, "parts_run": len(todo), "cells_total": cells_total, "cells_run": cells_run,
             "seconds_last_run": round(elapsed, 3)}
    root.attrs.update({"complete": True, "stats": stats})
    return SurveyResult(out, plans, parts_total, len(todo), cells_total, cells_run, elapsed, config)


def open_survey(path) -> dict:
    """The per-opportunity minima of a completed survey: ``{target: xarray.Dataset}``.

    Refuses an incomplete survey (re-run the same survey to finish it): its minima are not written yet.
    """
    import xarray as xr
    import zarr

    path = _normalise_out(path)
    try:
        root = zarr.open_group(store=path, mode="r")
    except (FileNotFoundError, ValueError, KeyError):
        raise TianwenError(f"no survey at {path}") from None
    config = root.attrs.get("config")
    if config is None:
        raise TianwenError(f"{path} is not a tianwen survey")
    if not root.attrs.get("complete"):
        raise TianwenError(f"the survey at {path} is incomplete; run the same `tianwen survey` command to finish it")
    out = {}
    for t in config["targets"]:
        ds = xr.open_zarr(path, group=f"{t}/minima", consolidated=False).load()
        ds.attrs.update(ephemerides=list(root[t].attrs["ephemerides"]), synodic_period_days=root[t].attrs[
            "synodic_period_days"])
        out[t] = ds
    return out


def _date(jd: float) -> str | None:
    return None if not np.isfinite(jd) else Epoch(jd, 0.0, "tdb").date()


def survey_rows(path) -> list[dict]:
    """Flat rows of a completed survey's minima (what ``tianwen survey --json`` prints)."""
    rows = []
    for t, ds in open_survey(path).items():
        eph = ds.attrs["ephemerides"]
        for o in range(ds.sizes["opportunity"]):
            for c in range(ds.sizes["case"]):
                revs = int(ds.revs.values[c])
                for ti in range(2):
                    for m, obj in enumerate(OBJECTIVES):
                        cell = {k: float(ds[k].values[o, c, ti, m]) for k in MINIMA_VARS}
                        if not np.isfinite(cell[obj]):
                            continue
                        rows.append({
                            "target": t, "opportunity": int(ds.opportunity.values[o]), "ephemeris": eph[o],
                            "revs": revs, "branch": _BRANCHES[int(ds.branch.values[c])] if revs else None,
                            "transfer_type": 2 * revs + 1 + ti, "minimizes": obj,
                            "launch": _date(float(ds.departure_tdb_jd.values[o, c, ti, m])),
                            "arrival": _date(float(ds.arrival_tdb_jd.values[o, c, ti, m])),
                            "tof_days": round(cell["tof"], 3), "c3_km2s2": round(cell["c3"], 4),
                            "vinf_arr_kms": round(cell["vinf_arr"], 4), "dla_deg": round(cell["dla"], 2),
                            "rla_deg": round(cell["rla"], 2), "on_edge": bool(ds.on_edge.values[o, c, ti, m]),
                        })
    return rows
