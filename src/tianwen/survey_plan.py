"""Planning a survey (see :mod:`tianwen.survey`): its cases, opportunities, grid sizes and tasks, and the size
of the work, estimated before any of it is done.

A :class:`TargetPlan` holds, for one target, the opportunities (found by
:func:`tianwen.windows.find_opportunities`), the grid of each (departures x flight times), its cut into
parts, and the ephemeris of each opportunity; a :class:`Part` is one task, a few numbers shipped as is.
:func:`estimate_survey` sizes a survey from the same arithmetic without scanning for opportunities, so a
survey too large for its limits is refused before any work.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .bodies import body as _body
from .ephemeris import get_ephemeris
from .errors import TianwenError

LONG_EPHEMERIS = "analytic-long"
BRANCHES = ("left", "right")
MAX_REVS = 20  # revolutions a survey accepts (N revolutions lengthen flight times by 2N Hohmann times)
MAX_CELLS = 2_000_000_000  # default limit on a survey's cells (survey(max_cells=...) raises it)
TASK_BYTES_PER_CELL = 75  # memory of one task, per cell
MAX_TASK_BYTES = 4 * 2**30
GRID_BYTES_PER_CELL = 17  # stored grids: four float32 and one int8 per cell, before compression


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


def parse_revs(text) -> list[int]:
    """``"0..2"`` -> [0, 1, 2]; ``"0,2"`` -> [0, 2]; ``"1"`` -> [1]; a list of ints is returned sorted.

    Counts from 0 to :data:`MAX_REVS` are accepted (checked before any list is built).
    """
    bad = TianwenError(f"revs={text!r} must be revolution counts from 0 to {MAX_REVS}, like '0..2' or '0,1'")
    try:
        if isinstance(text, (list, tuple, range)):
            revs = [int(v) for v in text if not isinstance(v, bool) and float(v) == int(v)]
            if len(revs) != len(text):
                raise bad
        else:
            s = str(text).strip()
            m = re.fullmatch(r"(\d{1,6})\s*(?:\.\.|:|-)\s*(\d{1,6})", s)
            if m and int(m[2]) > MAX_REVS:
                raise bad
            revs = list(range(int(m[1]), int(m[2]) + 1)) if m else [int(v) for v in s.split(",") if v.strip()]
    except (ValueError, TypeError, OverflowError):
        raise bad from None
    if not revs or any(r < 0 or r > MAX_REVS for r in revs):
        raise bad
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


def estimate_survey(targets=("mars",), year_from: int = 2025, year_to: int = 2045, *, origin: str = "earth",
                    revs="0", step_days: float = 1.0, grids: bool = False, chunk_cells: int = 250_000) -> dict:
    """The size of a survey before any work, from its grid arithmetic alone (no scan, no ephemeris).

    Returns ``opportunities`` (an upper bound: one per synodic period of the years, plus one), ``cells``,
    ``task_cells`` and ``task_bytes`` (the largest task, about ``TASK_BYTES_PER_CELL`` bytes per cell),
    ``store_bytes`` (the grids, uncompressed, when ``grids``), and ``grid`` per target (departures, flight
    times, cases). Counts are floats: an absurd step gives a huge number, not an overflow.
    """
    from .windows import synodic_period_days, tof_bounds_days

    if isinstance(targets, str):
        targets = [t for t in targets.split(",") if t.strip()]
    years = int(year_to) - int(year_from) + 1
    n_cases = len(cases(revs))
    out = {"opportunities": 0, "cells": 0.0, "task_cells": 0.0, "store_bytes": 0.0, "grid": {}}
    for t in targets:
        name = _body(str(t).strip()).name
        syn = synodic_period_days(origin, name)
        lo, hi = tof_bounds_days(origin, name)
        n_opp = math.floor(years * 365.25 / syn) + 1
        n_dep = max(1.0, float(round(syn / step_days)))
        n_tof = math.floor((hi - lo) / step_days + 1e-9) + 1.0
        rows = min(n_dep, max(1.0, float(int(chunk_cells) // n_tof)))
        out["opportunities"] += n_opp
        out["cells"] += float(n_opp) * n_cases * n_dep * n_tof
        out["task_cells"] = max(out["task_cells"], rows * n_tof)
        out["grid"][name] = {"departures": n_dep, "tofs": n_tof, "cases": n_cases, "opportunities": n_opp}
    out["task_bytes"] = out["task_cells"] * TASK_BYTES_PER_CELL
    out["store_bytes"] = out["cells"] * GRID_BYTES_PER_CELL if grids else 0.0
    return out
