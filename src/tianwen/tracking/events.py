"""Events of :mod:`tianwen.tracking`: passes of a target above a site's elevation threshold (:func:`passes`) and
solar conjunctions (:func:`conjunctions`). Both sample the geometry of :mod:`tianwen.tracking.look` on a grid in
one vectorised call, then refine every bracketed event at once with :mod:`tianwen.search`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..bodies import DAY_S
from ..errors import TianwenError
from ..search import bracketed_roots, golden_section_min
from ..time import Epoch
from .look import CONJUNCTION_THRESHOLD_DEG, barycentric_target, epoch_window, geocentric_look, topocentric_arrays
from .sites import as_site

__all__ = ["Pass", "passes", "Conjunction", "conjunctions"]


class _Clock:
    """Seconds from a reference TDB epoch <-> Epoch arrays (precision ~1 microsecond over decades)."""

    def __init__(self, ref: Epoch):
        r = ref.to("tdb")
        self.jd1, self.jd2 = float(np.ravel(r.jd1)[0]), float(np.ravel(r.jd2)[0])

    def epoch(self, seconds) -> Epoch:
        s = np.asarray(seconds, dtype=float)
        return Epoch(np.full(s.shape, self.jd1), self.jd2 + s / DAY_S, "tdb")

    def seconds(self, e: Epoch) -> np.ndarray:
        e = e.to("tdb")
        return ((e.jd1 - self.jd1) + (e.jd2 - self.jd2)) * DAY_S


def _utc(e: Epoch | None) -> str | None:
    return None if e is None else str(e.utc_iso())


@dataclass(frozen=True)
class Pass:
    """One pass of a target above a site's elevation threshold. ``rise`` or ``set`` is None when the target
    was already up (or stays up) beyond the searched span: a day either side of the window."""

    site: str
    rise: Epoch | None
    culmination: Epoch
    set: Epoch | None
    max_elevation_deg: float
    min_elevation_deg: float

    def as_json(self) -> dict:
        return {"station": self.site, "rise_utc": _utc(self.rise), "culmination_utc": _utc(self.culmination),
                "set_utc": _utc(self.set), "max_elevation_deg": round(float(self.max_elevation_deg), 4)}


def _span_clip(lo_s, hi_s, clock: _Clock, span):
    if span is None:
        return lo_s, hi_s
    a = float(clock.seconds(Epoch(span[0], 0.0, "tdb"))) + 1.0
    b = float(clock.seconds(Epoch(span[1], 0.0, "tdb"))) - 1.0
    return max(lo_s, a), min(hi_s, b)


def passes(target, start, end, site, min_elevation_deg: float = 0.0, *, refraction: bool = False,
           step_s: float = 600.0, margin_days: float = 1.0) -> list[Pass]:
    """Passes of ``target`` above ``min_elevation_deg`` at ``site`` that overlap the window ``[start, end]``:
    rise, culmination (highest elevation) and set, each refined to a millisecond.

    Method: elevation and its rate are sampled every ``step_s`` seconds from ``margin_days`` before ``start``
    to ``margin_days`` after ``end`` in one vectorised call; every sign change of the elevation rate brackets
    a culmination or lowest point, refined (all at once) by regula falsi on the analytic elevation rate;
    between consecutive extrema the elevation is monotonic, so it crosses the threshold there at most once and
    that crossing, if any, is refined the same way. Passes shorter than ``step_s`` are found as long as their
    culmination is (the elevation rate changes sign). A target above the threshold through the whole searched
    span gives one pass with no rise or set.
    """
    s = as_site(site)
    label, bary, span = barycentric_target(target)
    a, b = epoch_window(start, end)
    thr = float(min_elevation_deg)
    if not -90.0 <= thr < 90.0:
        raise TianwenError(f"minimum elevation {min_elevation_deg!r} must be between -90 and 90 degrees")
    if not (np.isfinite(step_s) and 1.0 <= step_s <= 86400.0):
        raise TianwenError(f"sampling step {step_s!r} s must be between 1 and 86400 seconds")
    clock = _Clock(a)
    end_s = float(clock.seconds(b))
    lo, hi = _span_clip(-margin_days * DAY_S, end_s + margin_days * DAY_S, clock, span)
    if hi <= lo:
        raise TianwenError("the window is outside the target's ephemeris span")
    grid = np.linspace(lo, hi, int(math.ceil((hi - lo) / step_s)) + 1)

    def elev(sec):
        topo = topocentric_arrays(bary, clock.epoch(np.atleast_1d(sec)), s, refraction=refraction)
        return topo[1], topo[5]

    el, rate = elev(grid)
    # extrema of the elevation: sign changes of its rate
    sr = np.sign(rate)
    idx = np.flatnonzero((sr[:-1] != sr[1:]) & (sr[:-1] != 0))
    ext = bracketed_roots(lambda x: elev(x)[1], grid[idx], grid[idx + 1], rate[idx], rate[idx + 1], xtol=1e-3)
    is_max = rate[idx] > 0
    nodes = np.concatenate([[grid[0]], ext, [grid[-1]]])
    f_nodes = elev(nodes)[0] - thr
    lo_n, hi_n = nodes[:-1], nodes[1:]
    flo, fhi = f_nodes[:-1], f_nodes[1:]
    cross = np.flatnonzero(np.sign(flo) != np.sign(fhi))
    cross = cross[(flo[cross] != 0.0) | (fhi[cross] != 0.0)]
    roots = bracketed_roots(lambda x: elev(x)[0] - thr, lo_n[cross], hi_n[cross], flo[cross], fhi[cross], xtol=1e-3)
    rising = fhi[cross] > flo[cross]

    el_ext = f_nodes[1:-1] + thr
    events = sorted([(t, "rise" if r else "set", 0.0) for t, r in zip(roots, rising)] +
                    [(t, "max", e) for t, m, e in zip(ext, is_max, el_ext) if m and e > thr])
    out, cur = [], None
    if f_nodes[0] > 0.0:  # up when the search starts
        cur = {"rise": None, "max": None}
    for t, kind, e in events:
        if kind == "rise":
            cur = {"rise": t, "max": None}
        elif kind == "max":
            if cur is None:
                cur = {"rise": None, "max": None}
            if cur["max"] is None or e > cur["max"][1]:
                cur["max"] = (t, e)
        else:
            if cur is None:
                cur = {"rise": None, "max": None}
            cur["set"] = t
            out.append(cur)
            cur = None
    if cur is not None:
        cur["set"] = None
        out.append(cur)

    kept = []
    for p in out:
        r, st = p["rise"], p.get("set")
        if (r is not None and r >= end_s) or (st is not None and st <= 0.0):
            continue
        if p["max"] is not None:
            m, max_el = p["max"]
        else:  # no interior maximum: the highest point is an end of the pass or of the searched span
            ends = np.array([lo if r is None else r, hi if st is None else st])
            e = elev(ends)[0]
            m, max_el = ends[int(np.argmax(e))], float(np.max(e))
        if r is None and st is None and not 0.0 <= m <= end_s:
            # A target that never sets in the searched span: its culmination is the highest point inside the
            # window asked (an interior maximum or an end of it), not one in the search margins.
            a0, b0 = max(lo if r is None else r, 0.0), min(hi if st is None else st, end_s)
            inside = [t for t, mx in zip(ext, is_max) if mx and a0 <= t <= b0]
            cand = np.array([a0, b0] + inside)
            e = elev(cand)[0]
            m, max_el = cand[int(np.argmax(e))], float(np.max(e))
        kept.append((r, m, st, float(max_el)))
    if not kept:
        return []
    # every event time to UTC in one conversion
    secs = np.array([[np.nan if x is None else x for x in row[:3]] for row in kept])
    utc = clock.epoch(np.nan_to_num(secs)).to("utc")
    return [Pass(s.name, None if r is None else utc[i, 0], utc[i, 1], None if st is None else utc[i, 2], e, thr)
            for i, (r, m, st, e) in enumerate(kept)]


@dataclass(frozen=True)
class Conjunction:
    """An interval with the Sun–Earth–target angle below ``threshold_deg``. ``start``/``end`` is None when the
    interval began before (ended after) the searched window."""

    start: Epoch | None
    end: Epoch | None
    minimum: Epoch
    min_sep_deg: float
    threshold_deg: float

    @property
    def days(self) -> float | None:
        return None if self.start is None or self.end is None else float(self.end - self.start)

    def as_json(self) -> dict:
        return {"start_utc": _utc(self.start), "end_utc": _utc(self.end), "min_utc": _utc(self.minimum),
                "min_sep_deg": round(self.min_sep_deg, 4), "threshold_deg": self.threshold_deg}


def conjunctions(target, start, end, threshold_deg: float = CONJUNCTION_THRESHOLD_DEG, *,
                 step_days: float = 0.25) -> list[Conjunction]:
    """Solar conjunctions of ``target`` in ``[start, end]``: intervals when the Sun–Earth–target angle (from the
    Earth's centre) is below ``threshold_deg``, with the epoch and value of the smallest angle. Edges are
    refined to a second by regula falsi, the minimum to a second by golden-section search."""
    label, bary, _ = barycentric_target(target)
    a, b = epoch_window(start, end)
    thr = float(threshold_deg)
    if not 0.0 < thr < 180.0:
        raise TianwenError(f"conjunction threshold {threshold_deg!r} must be between 0 and 180 degrees")
    clock = _Clock(a)
    end_s = float(clock.seconds(b))
    step = float(step_days) * DAY_S
    grid = np.linspace(0.0, end_s, max(2, int(math.ceil(end_s / step)) + 1))

    def sep(sec):
        return geocentric_look(bary, clock.epoch(np.atleast_1d(sec)))[1]

    g = sep(grid) - thr
    below = g < 0.0
    edges = np.flatnonzero(below[:-1] != below[1:])
    roots = bracketed_roots(lambda x: sep(x) - thr, grid[edges], grid[edges + 1], g[edges], g[edges + 1], xtol=1.0)
    starts = list(roots[below[edges + 1]])
    ends = list(roots[~below[edges + 1]])
    if below[0]:
        starts.insert(0, None)
    if below[-1]:
        ends.append(None)
    out = []
    for t0, t1 in zip(starts, ends):
        lo = 0.0 if t0 is None else t0
        hi = end_s if t1 is None else t1
        tmin = golden_section_min(sep, lo, hi, xtol=1.0)
        out.append(Conjunction(None if t0 is None else clock.epoch(t0).to("utc"),
                               None if t1 is None else clock.epoch(t1).to("utc"), clock.epoch(tmin).to("utc"),
                               float(sep(tmin)[0]), thr))
    return out
