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

**Resumable, never half-read.** A part writes its data (grid chunks, then its minima chunk), then the
SHA-256 of those decoded values (``parts/sha256``, the per-part manifest: each part writes its own chunk, so
parallel tasks never share one), and only then its ``done`` flag, each chunk being its own Zarr object
(written whole: Zarr's local store writes a temporary file and renames it; object stores replace objects
whole). Re-running the same survey reads every part back: a part is skipped only if it is marked done and its
data match its digest; any other part (never run, interrupted, or damaged: a chunk deleted, truncated or
altered) is computed again. The plan's coordinate arrays, array metadata and the plan itself are checked the
same way (against the values the plan defines, and the plan's digest in the root's ``manifest``). The final
per-opportunity minima are reduced from verified parts only, written after every part is done, and their
digest recorded in the manifest; :func:`open_survey` refuses minima that no longer match it. A store whose
root metadata (the survey's configuration) is unreadable is refused with one line: it cannot be rebuilt.
:func:`verify_survey` reports damage without writing; :func:`repair_survey` recomputes what is damaged.

**One writer.** A local store is locked (``fcntl.flock`` on its directory, see
:mod:`tianwen.store`) while a survey writes or verifies it; a second survey on the same store is refused at
once. The lock dies with its process, so a killed survey leaves no stale lock.

**Bounded work.** Before any work the size is estimated (:func:`estimate_survey`): more than ``max_cells``
cells (default :data:`MAX_CELLS`), or a task over :data:`MAX_TASK_BYTES` of memory, is refused, as is an
output location that cannot hold a store (:func:`tianwen.store.check_location`).

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

import hashlib
import json
import math
import os
import re
import shutil
import time as _time
from dataclasses import dataclass, field

import numpy as np

from .bodies import GM_SUN, body as _body
from .ephemeris import get_ephemeris, heliocentric_state
from .errors import TianwenError
from .core.transfer import survey_kernel
from .lambert import check_options
from .porkchop import VARIABLES
from .store import check_location, digest, is_url, writer_lock
from .survey_plan import (BRANCHES as _BRANCHES, LONG_EPHEMERIS, MAX_CELLS, MAX_REVS, MAX_TASK_BYTES,  # noqa: F401
                          Part, TargetPlan, cases, estimate_survey, parse_revs, plan_target)
from .time import Epoch

LAYOUT_VERSION = 2  # 2: parts/sha256 and the root's manifest
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
_GRID_ALL = GRID_VARS + ("transfer_type",)
_MINIMA_STORED = MINIMA_VARS + ("departure_tdb_jd", "arrival_tdb_jd", "on_edge", "ephemeris", "opportunity", "revs",
                                "branch", "type", "objective")
_UNITS = {name: VARIABLES[name].units for name in MINIMA_VARS}  # the porkchop vocabulary, declared once


# ---------------------------------------------------------------------------------------------------------
# The compiled kernel: departures x flight times (arrival lattice index = row + column)
# ---------------------------------------------------------------------------------------------------------


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
    data = [part_minima(part, cells)]
    if part.grids:
        for name in _GRID_ALL:
            values = cells[name].astype(np.float32) if name in GRID_VARS else cells[name]
            _open_array(part.out, base + "grid/" + name)[part.o, part.c, part.r0:part.r1, :] = values
            data.append(values)
    _open_array(part.out, base + "parts/minima")[part.o, part.c, part.p] = data[0]
    _open_array(part.out, base + "parts/sha256")[part.o, part.c, part.p] = digest(_part_label(part), *data)
    _open_array(part.out, base + "parts/done")[part.o, part.c, part.p] = 1  # only after the data above
    return cells["c3"].size, _time.perf_counter() - t0


def _part_label(part: Part) -> str:
    return f"{part.target_key}/{part.o}/{part.c}/{part.p}"


def _part_state(arrays: dict, part: Part) -> str | None:
    """None if the part is done and its data match its digest; else "missing", "unreadable" or why not."""
    o, c, p = part.o, part.c, part.p
    try:
        if int(arrays["parts/done"][o, c, p]) != 1:
            return "missing"
        data = [arrays["parts/minima"][o, c, p]]
        if part.grids:
            data += [arrays["grid/" + name][o, c, part.r0:part.r1, :] for name in _GRID_ALL]
        want = arrays["parts/sha256"][o, c, p]
    except Exception as exc:  # noqa: BLE001 - a chunk that cannot be read or decoded, whatever the codec says
        return f"unreadable ({type(exc).__name__})"
    return None if np.array_equal(want, digest(_part_label(part), *data)) else "a chunk altered or deleted"


# ---------------------------------------------------------------------------------------------------------
# The Zarr store
# ---------------------------------------------------------------------------------------------------------


def _create(group, name, shape, chunks, dtype, fill, dims, attrs=None):
    arr = group.create_array(name, shape=shape, chunks=chunks, dtype=dtype, fill_value=fill,
                             dimension_names=dims, overwrite=True)
    if attrs:
        arr.attrs.update(attrs)
    return arr


def _specs(plan: TargetPlan, step: float, grids: bool) -> dict:
    """Every array of a target's group but the minima: path -> (shape, chunks, dtype, fill, dims, attrs, values);
    ``values`` (the plan's coordinates, which the plan defines) or None (data written by the parts)."""
    no, nc, npt = len(plan.starts), len(plan.cases), plan.n_parts
    coords = "departure_tdb_jd tof_days revs branch"
    dep = np.asarray(plan.starts, dtype=float).reshape(no, 1) + np.arange(plan.n_dep)[None, :] * step
    tof = np.array([plan.tof0(c) for c in range(nc)], dtype=float)[:, None] + np.arange(plan.n_tof)[None, :] * step
    plan_arrays = {
        "opportunity": ((no,), (max(no, 1),), "int32", 0, ("opportunity",),
                        {"long_name": "opportunity label: year of its minimum-C3 launch date (coarse scan)"},
                        np.asarray(plan.labels, dtype=np.int32)),
        "center_tdb_jd": ((no,), (max(no, 1),), "float64", np.nan, ("opportunity",),
                          {"units": "day", "long_name": "minimum-C3 launch date of the coarse scan, TDB Julian date"},
                          np.asarray(plan.centers, dtype=float)),
        "departure_tdb_jd": ((no, plan.n_dep), (max(no, 1), plan.n_dep), "float64", np.nan, ("opportunity", "departure"),
                             {"units": "day", "long_name": "departure, TDB Julian date"}, dep),
        "tof_days": ((nc, plan.n_tof), (nc, plan.n_tof), "float64", np.nan, ("case", "tof"),
                     {"units": "day", "long_name": "time of flight (TDB days)"}, tof),
        "revs": ((nc,), (nc,), "int8", 0, ("case",), {"long_name": "complete revolutions"},
                 np.array([r for r, _ in plan.cases], dtype=np.int8)),
        "branch": ((nc,), (nc,), "int8", 0, ("case",),
                   {"long_name": "Lambert branch for revs >= 1", "flag_values": [0, 1], "flag_meanings": "left right"},
                   np.array([_BRANCHES.index(b) for _, b in plan.cases], dtype=np.int8)),
    }
    specs = {"plan/" + k: v for k, v in plan_arrays.items()}
    parts = ("opportunity", "case", "part")
    specs["parts/minima"] = ((no, nc, npt, 2, len(OBJECTIVES), len(PART_FIELDS)),
                             (1, 1, 1, 2, len(OBJECTIVES), len(PART_FIELDS)), "float64", np.nan,
                             parts + ("type", "objective", "field"), {"fields": list(PART_FIELDS)}, None)
    specs["parts/sha256"] = ((no, nc, npt, 32), (1, 1, 1, 32), "uint8", 0, parts + ("byte",),
                             {"long_name": "SHA-256 of the part's decoded minima and grid values (tianwen.store.digest)"},
                             None)
    specs["parts/done"] = ((no, nc, npt), (1, 1, 1), "int8", 0, parts,
                           {"long_name": "1 once the part's data chunks and digest are written (set last)"}, None)
    if grids:
        shape, chunks = (no, nc, plan.n_dep, plan.n_tof), (1, 1, plan.rows_per_part, plan.n_tof)
        dims = ("opportunity", "case", "departure", "tof")
        for name in GRID_VARS:
            specs["grid/" + name] = (shape, chunks, "float32", np.nan, dims,
                                     {"units": _UNITS[name], "coordinates": coords}, None)
        specs["grid/transfer_type"] = (shape, chunks, "int8", 0, dims, {
            "long_name": "2N+1 short way, 2N+2 long way, 0 no solution", "coordinates": coords}, None)
        # Coordinates beside the grids, so xarray.open_zarr(path, group=".../grid") is self-describing.
        for name in ("opportunity", "departure_tdb_jd", "tof_days", "revs", "branch"):
            specs["grid/" + name] = plan_arrays[name]
    return specs


def _create_spec(group, path, spec):
    shape, chunks, dtype, fill, dims, attrs, values = spec
    arr = _create(group, path, shape, chunks, dtype, fill, dims, attrs)
    if values is not None and values.size:
        arr[...] = values
    return arr


def _write_plan(root, plan: TargetPlan, step: float, grids: bool):
    g = root.create_group(plan.key, overwrite=True)  # whatever an earlier, unfinished plan left goes
    for path, spec in _specs(plan, step, grids).items():
        _create_spec(g, path, spec)
    g.attrs.update(plan.as_attrs())


def _check_arrays(root, plan: TargetPlan, step: float, grids: bool, fix: bool) -> list[str]:
    """Arrays of the target whose metadata (or, for the plan's coordinates, values) are not what the plan
    defines; with ``fix``, each is created again (its data chunks gone: the parts they held are recomputed)."""
    bad = []
    g = root[plan.key]
    for path, spec in _specs(plan, step, grids).items():
        shape, chunks, dtype, fill, dims, attrs, values = spec
        try:
            arr = g[path]
            ok = (arr.shape == shape and tuple(arr.chunks) == tuple(chunks) and arr.dtype == np.dtype(dtype)
                  and np.array_equal(arr.fill_value, fill, equal_nan=np.dtype(dtype).kind == "f")
                  and dict(arr.attrs) == json.loads(json.dumps(attrs)))
            if ok and values is not None:
                ok = np.array_equal(arr[...], values, equal_nan=np.dtype(dtype).kind == "f")
        except Exception:  # noqa: BLE001 - unreadable metadata or chunk
            ok = False
        if not ok:
            bad.append(f"{plan.key}/{path}")
            if fix:
                _create_spec(g, path, spec)
    return bad


def _part_arrays(root, key: str, grids: bool) -> dict:
    g = root[key]
    return {path: g[path] for path in ("parts/done", "parts/minima", "parts/sha256")
            + (tuple("grid/" + n for n in _GRID_ALL) if grids else ())}


def _json_sha256(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _read_plan(root, key: str, manifest: dict):
    """The target's plan from its attributes, or None if they are unreadable or differ from the manifest's digest."""
    try:
        plan = TargetPlan.from_attrs(key, dict(root[key].attrs))
    except Exception:  # noqa: BLE001 - unreadable or incomplete group metadata
        return None
    return plan if manifest.get("plans_sha256", {}).get(key) == _json_sha256(plan.as_attrs()) else None


def _minima_digest(root, key: str) -> str:
    g = root[key]["minima"]
    return digest(f"{key}/minima", *(g[name][...] for name in _MINIMA_STORED)).tobytes().hex()


def _damaged_root(path: str, exc: BaseException) -> TianwenError:
    return TianwenError(f"the survey store {path} is damaged: its root metadata (zarr.json: the survey's "
                        f"configuration) cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0][:80]}); "
                        f"it cannot be rebuilt: remove {path} and run the survey again")


def _config(origin, targets, year_from, year_to, revs, step_days, grids, ephemeris, chunk_cells) -> dict:
    return {"layout": LAYOUT_VERSION, "origin": origin, "targets": list(targets), "year_from": int(year_from),
            "year_to": int(year_to), "revs": parse_revs(revs), "step_days": float(step_days), "grids": bool(grids),
            "ephemeris": ephemeris, "chunk_cells": int(chunk_cells)}


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
    mg = g.create_group("minima", overwrite=True)  # whole, even over damaged metadata
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
    """What :func:`survey` did: the store, the per-target plans, the work counts and the parts it repaired."""

    path: str
    plans: dict
    parts_total: int
    parts_run: int
    cells_total: int
    cells_run: int
    seconds: float
    config: dict
    repaired: list = field(default_factory=list)  # damaged parts and arrays found, and recomputed

    def minima(self, target: str | None = None):
        """The per-opportunity minima of one target (or a dict of all) as ``xarray.Dataset``."""
        data = open_survey(self.path)
        return data if target is None else data[_body(target).name]

    def rows(self) -> list[dict]:
        """One dict per (target, opportunity, case, type, objective) with dates, values and the ephemeris."""
        return survey_rows(self.path)


_SCHEDULER = re.compile(r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$")


def _check_scheduler(scheduler, workers) -> None:
    from .distributed import ENV_SCHEDULER

    for name, value in (("scheduler", scheduler), (ENV_SCHEDULER, os.environ.get(ENV_SCHEDULER))):
        if isinstance(value, str) and value and not _SCHEDULER.match(value):
            raise TianwenError(f"{name}={value!r} is not a Dask scheduler address; give one like 'tcp://HOST:8786'")
        if scheduler is not None:
            break
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise TianwenError(f"workers={workers!r} must be a number of local worker processes (1 or more)")


def _validated(targets, year_from, year_to, origin, revs, step_days, grids, ephemeris, chunk_cells, max_cells):
    """Every argument checked and the size estimated, before any work: (target names, origin, config)."""
    if isinstance(step_days, bool) or not isinstance(step_days, (int, float)) or not math.isfinite(step_days) \
            or not 0 < step_days <= 100:
        raise TianwenError(f"step_days={step_days!r} must be a number of days above 0 and at most 100")
    if isinstance(chunk_cells, bool) or not isinstance(chunk_cells, (int, np.integer)) or not 1 <= chunk_cells <= 10**9:
        raise TianwenError(f"chunk_cells={chunk_cells!r} must be a whole number of cells from 1 to 10**9")
    for name, year in (("year_from", year_from), ("year_to", year_to)):
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or not -2999 <= year <= 3000:
            raise TianwenError(f"{name}={year!r} must be a whole year from -2999 to 3000")
    if int(year_to) < int(year_from):
        raise TianwenError(f"year_to={year_to} is before year_from={year_from}")
    if isinstance(targets, str):
        targets = [t for t in targets.split(",") if t.strip()]
    names = [_body(str(t).strip()).name for t in targets]
    if not names:
        raise TianwenError("targets is empty; give at least one target, e.g. ['mars']")
    origin = _body(origin).name
    if ephemeris != "auto":
        get_ephemeris(ephemeris)  # an unknown name fails here
    config = _config(origin, names, year_from, year_to, revs, step_days, grids, ephemeris, chunk_cells)
    est = estimate_survey(names, year_from, year_to, origin=origin, revs=revs, step_days=step_days, grids=grids,
                          chunk_cells=chunk_cells)
    from .windows import covered_years

    eph = LONG_EPHEMERIS if ephemeris == "auto" else ephemeris
    for name in names:
        first, last = covered_years(origin=origin, target=name, ephemeris=eph)
        if not first <= int(year_from) <= int(year_to) <= last:
            raise TianwenError(f"years {year_from}-{year_to} reach outside {eph}, which covers {origin}-{name} "
                               f"opportunities of {first} to {last} only" + (
                                   "; use ephemeris='auto' (de421, then analytic-long)" if eph != LONG_EPHEMERIS
                                   else ""))
    limit = math.inf if max_cells is None else float(max_cells)
    if est["cells"] > limit:
        size = f", {est['store_bytes'] / 1e9:.3g} GB of grids" if grids else ""
        cells = f"about {est['cells']:.3g}" if math.isfinite(est["cells"]) else "more than 1e308"
        raise TianwenError(f"the survey has {cells} cells at step_days={step_days:g}{size}, over "
                           f"max_cells={limit:.3g}; use a larger step_days, fewer years, targets or revs, or raise "
                           f"max_cells")
    if est["task_bytes"] > MAX_TASK_BYTES:
        raise TianwenError(f"a task of {est['task_cells']:.3g} cells needs about {est['task_bytes'] / 2**30:.3g} GiB "
                           f"(over {MAX_TASK_BYTES / 2**30:g} GiB); lower chunk_cells={chunk_cells} (a task holds at "
                           f"least one departure: all its flight times), or use a larger step_days")
    return names, origin, config


def survey(out, targets=("mars",), year_from: int = 2025, year_to: int = 2045, *, origin: str = "earth",
           revs="0", step_days: float = 1.0, grids: bool = False, ephemeris: str = "auto",
           chunk_cells: int = 250_000, scheduler=None, workers: int | None = None, progress=None,
           max_cells: float | None = MAX_CELLS) -> SurveyResult:
    """Survey every opportunity from ``origin`` to each of ``targets`` in [year_from, year_to] into Zarr ``out``.

    ``revs``: revolution counts (``"0..2"``, ``[0, 1]``); ``step_days``: grid step on both axes; ``grids``:
    also store the full grids; ``ephemeris``: ``"auto"`` (DE421 where it reaches, ``analytic-long`` beyond)
    or one name for everything; ``chunk_cells``: cells per task (memory per task ~75 bytes per cell);
    ``scheduler``/``workers``: where tasks run (:mod:`tianwen.distributed`); ``progress(done_cells,
    total_cells)`` is called after each part (including parts found already done); ``max_cells``: the
    largest survey accepted (``None``: no limit).

    Re-running with the same arguments resumes: only parts not done and verified are computed (a damaged
    part is computed again and listed in ``repaired``). A store made with other arguments is refused, and so
    is a store another survey is writing. Arguments, size and ``out`` are checked before any work; a new
    store that fails before any part is computed is removed.
    """
    t_start = _time.perf_counter()
    names, origin, config = _validated(targets, year_from, year_to, origin, revs, step_days, grids, ephemeris,
                                       chunk_cells, max_cells)
    _check_scheduler(scheduler, workers)
    out = check_location(out)
    created = not is_url(out) and not os.path.exists(out)
    state = {"computed": False}
    try:
        with writer_lock(out, "survey store"):
            return _survey(out, names, origin, config, scheduler, workers, progress, state, t_start)
    except (TianwenError, OSError) as exc:
        if created and not state["computed"]:
            shutil.rmtree(out, ignore_errors=True)  # nothing left behind
        if isinstance(exc, TianwenError):
            raise
        kept = "; the parts finished so far are kept: run the same survey again" if state["computed"] else ""
        raise TianwenError(f"cannot write the survey store {out}: {exc.strerror or exc}{kept}") from None


def _open_root(out: str, mode: str):
    import zarr

    try:
        root = zarr.open_group(store=out, mode=mode)
        return root, dict(root.attrs)
    except FileNotFoundError:
        raise TianwenError(f"no survey at {out}") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise _damaged_root(out, exc) from None


def _survey(out, names, origin, config, scheduler, workers, progress, state, t_start) -> SurveyResult:
    from .distributed import dask_client, map_tasks

    step, grids = config["step_days"], config["grids"]
    repaired = []
    with dask_client(scheduler, workers) as client:
        sched = client if client is not None else False
        root, attrs = _open_root(out, "a")
        old, manifest = attrs.get("config"), dict(attrs.get("manifest") or {})
        if old is None and (attrs or list(root.keys())):
            raise TianwenError(f"{out} is a Zarr store but not a tianwen survey; give a new or empty directory")
        resume = old is not None and attrs.get("plan_complete")
        if resume and manifest.get("config_sha256") != _json_sha256(old):
            raise TianwenError(f"the survey store {out} is damaged: its configuration does not match its manifest's "
                               f"digest; remove {out} and run the survey again")
        if resume and old != config:
            diff = [k for k in config if old.get(k) != config[k]]
            k = diff[0] if diff else "layout"
            raise TianwenError(f"{out} holds a survey made with {k}={old.get(k)!r}, not {config[k]!r}; "
                               f"give the same arguments to resume it, or a new out")
        if not resume:  # (an unfinished plan is redone)
            manifest = {"config_sha256": _json_sha256(config), "plans_sha256": {}, "minima_sha256": {}}
            root.attrs.update({"config": config, "plan_complete": False, "complete": False, "manifest": manifest,
                               "title": f"tianwen survey: {origin} to {', '.join(names)}",
                               "ephemeris_descriptions": EPHEMERIS_DESCRIPTIONS})
        plans = {}
        for t in names:
            plan = _read_plan(root, t, manifest) if resume else None
            if plan is None:
                if resume:
                    repaired.append(f"{t}: plan (unreadable or altered; the target is computed again)")
                plan = plan_target(t, config["year_from"], config["year_to"], origin=origin, revs=config["revs"],
                                   step_days=step, ephemeris=config["ephemeris"], chunk_cells=config["chunk_cells"],
                                   scheduler=sched)
                _write_plan(root, plan, step, grids)
                manifest["plans_sha256"][t] = _json_sha256(plan.as_attrs())
                root.attrs["manifest"] = manifest
            else:
                repaired += _check_arrays(root, plan, step, grids, fix=True)
            plans[t] = plan
        root.attrs["plan_complete"] = True

        todo, cells_total, cells_done = [], 0, 0
        for t, plan in plans.items():
            arrays = _part_arrays(root, t, grids)
            for part in plan.parts(out, origin, step, grids):
                n = (part.r1 - part.r0) * part.n_tof
                cells_total += n
                why = _part_state(arrays, part)
                if why is None:
                    cells_done += n
                    continue
                todo.append(part)
                if why != "missing" or attrs.get("complete"):
                    repaired.append(f"{_part_name(plan, part)}: {why}")
        if todo and attrs.get("complete"):
            root.attrs["complete"] = False  # until the repair is done, the store's minima are not to be read
        parts_total = sum(len(p.starts) * len(p.cases) * p.n_parts for p in plans.values())
        if progress is not None:
            progress(cells_done, cells_total)
        cells_run = 0
        with map_tasks(sched) as run:
            results = ((part, run_part(part)) for part in todo) if run is None else run(run_part, [(p,) for p in todo],
                                                                                        keys=todo)
            for part, (n, _) in results:
                state["computed"] = True
                cells_run += n
                cells_done += n
                if progress is not None:
                    progress(cells_done, cells_total)

    for t, plan in plans.items():
        _reduce(root, plan, step)
        manifest.setdefault("minima_sha256", {})[t] = _minima_digest(root, t)
    elapsed = _time.perf_counter() - t_start
    stats = {"parts_total": parts_total, "parts_run": len(todo), "cells_total": cells_total, "cells_run": cells_run,
             "seconds_last_run": round(elapsed, 3)}
    root.attrs.update({"manifest": manifest, "complete": True, "stats": stats})
    return SurveyResult(out, plans, parts_total, len(todo), cells_total, cells_run, elapsed, config, repaired)


def _part_name(plan: TargetPlan, part: Part) -> str:
    rev = f"revs {part.revs}" + (f" {part.branch}" if part.revs else "")
    return f"{plan.key} {plan.labels[part.o]} {rev} part {part.p}"


@dataclass
class SurveyCheck:
    """What :func:`verify_survey` found: ``damaged`` (unreadable or altered parts and arrays), ``missing``
    (parts not computed yet), and whether the survey is ``complete``. ``clean`` is complete and undamaged."""

    path: str
    complete: bool
    parts_total: int
    damaged: list
    missing: list

    @property
    def clean(self) -> bool:
        return self.complete and not self.damaged and not self.missing


def verify_survey(path) -> SurveyCheck:
    """Check every part, array and digest of the survey at ``path`` against its manifest, writing nothing.

    Holds the writer lock meanwhile (a survey being written is refused). A store whose configuration cannot be
    read raises :class:`TianwenError` (nothing to check it against).
    """
    out = check_location(path, "path")
    if not is_url(out) and not os.path.isdir(out):
        raise TianwenError(f"no survey at {out}")
    with writer_lock(out, "survey store"):
        root, attrs = _open_root(out, "r")
        config, manifest = attrs.get("config"), dict(attrs.get("manifest") or {})
        if config is None:
            raise TianwenError(f"{out} is not a tianwen survey")
        if manifest.get("config_sha256") != _json_sha256(config):
            return SurveyCheck(out, False, 0, ["configuration (does not match the manifest's digest)"], [])
        damaged, missing, total = [], [], 0
        complete = bool(attrs.get("complete"))
        for t in config["targets"]:
            plan = _read_plan(root, t, manifest)
            if plan is None:
                damaged.append(f"{t}: plan (unreadable or altered)")
                continue
            damaged += _check_arrays(root, plan, config["step_days"], config["grids"], fix=False)
            try:
                arrays = _part_arrays(root, t, config["grids"])
            except Exception:  # noqa: BLE001 - reported by _check_arrays above
                continue
            for part in plan.parts(out, config["origin"], config["step_days"], config["grids"]):
                total += 1
                why = _part_state(arrays, part)
                if why == "missing" and not complete:
                    missing.append(_part_name(plan, part))
                elif why is not None:
                    damaged.append(f"{_part_name(plan, part)}: {why}")
            if complete:
                try:
                    ok = _minima_digest(root, t) == manifest.get("minima_sha256", {}).get(t)
                except Exception:  # noqa: BLE001
                    ok = False
                if not ok:
                    damaged.append(f"{t}: minima (unreadable or altered)")
        return SurveyCheck(out, complete, total, damaged, missing)


def repair_survey(path, *, scheduler=None, workers: int | None = None, progress=None) -> SurveyResult:
    """Recompute whatever is damaged or missing in the survey at ``path``, with the arguments it was made with
    (read from the store). The result equals a clean run of the same survey."""
    out = check_location(path, "path")
    if not is_url(out) and not os.path.isdir(out):
        raise TianwenError(f"no survey at {out}")
    _, attrs = _open_root(out, "r")
    config = attrs.get("config")
    if config is None:
        raise TianwenError(f"{out} is not a tianwen survey")
    if dict(attrs.get("manifest") or {}).get("config_sha256") != _json_sha256(config):
        raise TianwenError(f"the survey store {out} is damaged: its configuration does not match its manifest's "
                           f"digest; remove {out} and run the survey again")
    return survey(out, config["targets"], config["year_from"], config["year_to"], origin=config["origin"],
                  revs=config["revs"], step_days=config["step_days"], grids=config["grids"],
                  ephemeris=config["ephemeris"], chunk_cells=config["chunk_cells"], scheduler=scheduler,
                  workers=workers, progress=progress, max_cells=None)


def open_survey(path) -> dict:
    """The per-opportunity minima of a completed survey: ``{target: xarray.Dataset}``.

    Refuses an incomplete survey (re-run the same survey to finish it): its minima are not written yet; and
    minima or a plan that no longer match the manifest's digests (a damaged store: :func:`repair_survey`).
    """
    import xarray as xr

    path = check_location(path, "path")
    if not is_url(path) and not os.path.isdir(path):
        raise TianwenError(f"no survey at {path}")
    root, attrs = _open_root(path, "r")
    config, manifest = attrs.get("config"), dict(attrs.get("manifest") or {})
    if config is None:
        raise TianwenError(f"{path} is not a tianwen survey")
    if not attrs.get("complete"):
        raise TianwenError(f"the survey at {path} is incomplete; run the same survey again to finish it")
    out = {}
    for t in config["targets"]:
        try:
            ok = _minima_digest(root, t) == manifest.get("minima_sha256", {}).get(t)
            plan = _read_plan(root, t, manifest)
        except Exception:  # noqa: BLE001 - unreadable metadata or chunks
            ok = False
        if not ok or plan is None:
            raise TianwenError(f"the survey at {path} is damaged (the minima or plan of {t}); recompute what is "
                               f"damaged with repair_survey({path!r})")
        ds = xr.open_zarr(path, group=f"{t}/minima", consolidated=False).load()
        ds.attrs.update(ephemerides=list(plan.ephemerides), synodic_period_days=plan.synodic_days)
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
