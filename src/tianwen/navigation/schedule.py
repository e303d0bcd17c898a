"""Simulated tracking schedules: which station tracks the spacecraft when, and the measurements it takes.

A station tracks a pass when the spacecraft is above its elevation mask (:func:`tianwen.tracking.passes`), for
at most ``pass_hours`` centred on the culmination, one pass every ``every_days`` days; during a tracked window it
takes a two-way range every ``range_step_s`` and a two-way Doppler (count ``count_s``) every
``doppler_step_s``. A delta-DOR session is held every ``ddor_every_days`` days on every baseline (pair of the
given stations) whose two stations see the spacecraft together for at least ``ddor_min_overlap_h``: one
delta-DOR point at the middle of the first such common view after the session day starts.

Every choice is per station or per pair, so the schedule of a set of stations is the union of the schedules of
its members and their pairs: adding a station only adds measurements (the property the comparison relies on).

The noise values (1-sigma, white) are typical published figures, sourced in ``data/tracking_noise.md``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..bodies import DAY_S
from ..errors import TianwenError
from ..time import Epoch, epoch as _epoch
from .measurements import DDOR, DOPPLER, RANGE, Measurements

__all__ = ["SIGMA_RANGE_M", "SIGMA_DOPPLER_MM_S", "DOPPLER_REFERENCE_COUNT_S", "SIGMA_DDOR_NRAD", "TrackingPass",
           "DdorSession", "Schedule", "schedule"]

#: Two-way range noise, m (data/tracking_noise.md: Thornton & Border 2003; ESA/DSN sequential ranging).
SIGMA_RANGE_M = 1.0
#: Two-way X-band Doppler noise at a 60 s count, mm/s (data/tracking_noise.md).
SIGMA_DOPPLER_MM_S = 0.1
DOPPLER_REFERENCE_COUNT_S = 60.0
#: Delta-DOR angular accuracy, nrad (data/tracking_noise.md: CCSDS 500.1-G; Curkendall & Border 2013).
SIGMA_DDOR_NRAD = 1.0


@dataclass(frozen=True)
class TrackingPass:
    """A tracked window of one station (TDB epochs) and the culmination elevation of its pass (deg)."""

    station: str
    start: Epoch
    end: Epoch
    max_elevation_deg: float

    def as_json(self) -> dict:
        return {"station": self.station, "start_utc": self.start.utc_iso(0), "end_utc": self.end.utc_iso(0),
                "max_elevation_deg": self.max_elevation_deg}


@dataclass(frozen=True)
class DdorSession:
    """A delta-DOR point on the baseline ``station_a`` -> ``station_b`` at ``t`` (TDB), baseline length km."""

    station_a: str
    station_b: str
    t: Epoch
    baseline_km: float


@dataclass
class Schedule:
    """The tracked passes, the delta-DOR sessions and the planned measurements (values NaN)."""

    passes: list
    ddor_sessions: list
    measurements: Measurements

    def passes_per_station(self) -> dict:
        out = {s.name: 0 for s in self.measurements.stations}
        for p in self.passes:
            out[p.station] += 1
        return out


class _Span:
    """A spacecraft body limited to a TDB span, so that pass searches stay inside it."""

    def __init__(self, body, lo_jd: float, hi_jd: float):
        self._body = body
        self.name = getattr(body, "name", "spacecraft")
        self.span_tdb_jd = (lo_jd, hi_jd)

    def state(self, epochs):
        return self._body.state(epochs)


def _sites(stations):
    from ..tracking.sites import as_site

    if isinstance(stations, str):
        stations = [s for s in stations.split(",") if s.strip()]
    sites = tuple(as_site(s.strip() if isinstance(s, str) else s) for s in stations)
    if not sites:
        raise TianwenError("stations is empty: give at least one station name, e.g. stations=['kashi', 'jiamusi']")
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise TianwenError(f"stations {names!r} name a station twice")
    return sites


def _positive(value, name):
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise TianwenError(f"{name} = {value!r} must be a positive number")
    return float(value)


def _seconds(t: Epoch, ref: Epoch) -> float:
    return float(((t.jd1 - ref.jd1) + (t.jd2 - ref.jd2)) * DAY_S)


def schedule(spacecraft, stations, start, end, *, min_elevation_deg: float = 10.0, pass_hours: float = 8.0,
             every_days: float = 1.0, range_step_s: float = 600.0, doppler_step_s: float = 600.0,
             count_s: float = 60.0, ddor: bool = False, ddor_every_days: float = 7.0,
             ddor_min_overlap_h: float = 1.0, sigma_range_m: float = SIGMA_RANGE_M,
             sigma_doppler_mm_s: float = SIGMA_DOPPLER_MM_S, sigma_ddor_nrad: float = SIGMA_DDOR_NRAD) -> Schedule:
    """The tracking of ``spacecraft`` (``state(tdb)``) by ``stations`` (names or Sites) from ``start`` to
    ``end`` (module docstring). Doppler noise is ``sigma_doppler_mm_s`` at a 60 s count, scaled by
    ``sqrt(60 / count_s)``; the delta-DOR noise is ``sigma_ddor_nrad`` times the baseline length."""
    from ..tracking import passes as find_passes

    sites = _sites(stations)
    a = _epoch(start).to("tdb") if not isinstance(start, Epoch) else start.to("tdb")
    b = _epoch(end).to("tdb") if not isinstance(end, Epoch) else end.to("tdb")
    if a.shape or b.shape:
        raise TianwenError("start and end must be single epochs")
    span_s = _seconds(b, a)
    if not span_s > 0:
        raise TianwenError(f"end {b.iso(0)} TDB must be after start {a.iso(0)} TDB")
    for value, name in ((pass_hours, "pass_hours"), (every_days, "every_days"), (range_step_s, "range_step_s"),
                        (doppler_step_s, "doppler_step_s"), (count_s, "count_s"),
                        (ddor_every_days, "ddor_every_days"), (ddor_min_overlap_h, "ddor_min_overlap_h"),
                        (sigma_range_m, "sigma_range_m"), (sigma_doppler_mm_s, "sigma_doppler_mm_s"),
                        (sigma_ddor_nrad, "sigma_ddor_nrad")):
        _positive(value, name)
    if not -5.0 <= float(min_elevation_deg) < 90.0:
        raise TianwenError(f"min_elevation_deg = {min_elevation_deg!r} must be between -5 and 90 degrees")
    body = spacecraft
    t0_body = getattr(spacecraft, "t0", None)
    t1_body = getattr(spacecraft, "t1", None)
    if getattr(spacecraft, "span_tdb_jd", None) is None and t0_body is not None and t1_body is not None:
        lo, hi = sorted((float(t0_body.jd), float(t1_body.jd)))
        body = _Span(spacecraft, lo + 1800.0 / DAY_S, hi)  # the down leg (< 22 min to Mars) stays inside

    kinds, sa, sb, tj1, tj2, sig, cnt = [], [], [], [], [], [], []
    tracked, views = [], {}
    sig_dop = sigma_doppler_mm_s * 1e-6 * math.sqrt(DOPPLER_REFERENCE_COUNT_S / count_s)
    for i, s in enumerate(sites):
        found = find_passes(body, a, b, s, min_elevation_deg)
        views[i] = []
        last_day = -math.inf
        for p in found:
            rise = a if p.rise is None else p.rise.to("tdb")
            set_ = b if p.set is None else p.set.to("tdb")
            lo_s, hi_s = max(_seconds(rise, a), 0.0), min(_seconds(set_, a), span_s)
            if hi_s <= lo_s:
                continue
            views[i].append((lo_s, hi_s))
            mid = _seconds(p.culmination.to("tdb"), a)
            day = math.floor(mid / (every_days * DAY_S))
            if day < last_day + 1:
                continue
            last_day = day
            w0 = max(lo_s, mid - 0.5 * pass_hours * 3600.0)
            w1 = min(hi_s, mid + 0.5 * pass_hours * 3600.0)
            if w1 <= w0:
                continue
            tracked.append(TrackingPass(s.name, a + w0 / DAY_S, a + w1 / DAY_S, float(p.max_elevation_deg)))
            for kind, step, sigma in ((RANGE, range_step_s, sigma_range_m * 1e-3), (DOPPLER, doppler_step_s, sig_dop)):
                margin = 0.5 * count_s if kind == DOPPLER else 0.0
                ts = np.arange(w0 + margin, w1 - margin + 1e-9, step)
                kinds.append(np.full(ts.size, kind))
                sa.append(np.full(ts.size, i))
                sb.append(np.full(ts.size, -1))
                tj1.append(np.full(ts.size, a.jd1))
                tj2.append(a.jd2 + ts / DAY_S)
                sig.append(np.full(ts.size, sigma))
                cnt.append(np.full(ts.size, count_s if kind == DOPPLER else 0.0))
    sessions = []
    if ddor:
        nsess = int(math.floor(span_s / (ddor_every_days * DAY_S))) + 1
        for i, j in itertools.combinations(range(len(sites)), 2):
            base_km = float(np.linalg.norm(sites[i].itrs_km - sites[j].itrs_km))
            common = [(max(p[0], q[0]), min(p[1], q[1])) for p in views[i] for q in views[j]]
            common = sorted(c for c in common if c[1] - c[0] >= ddor_min_overlap_h * 3600.0)
            for k in range(nsess):
                day0 = k * ddor_every_days * DAY_S
                nxt = next((c for c in common if c[0] >= day0 and c[0] < day0 + ddor_every_days * DAY_S), None)
                if nxt is None:
                    continue
                ts = 0.5 * (nxt[0] + nxt[1])
                sessions.append(DdorSession(sites[i].name, sites[j].name, a + ts / DAY_S, base_km))
                kinds.append(np.array([DDOR]))
                sa.append(np.array([i]))
                sb.append(np.array([j]))
                tj1.append(np.array([a.jd1]))
                tj2.append(np.array([a.jd2 + ts / DAY_S]))
                sig.append(np.array([sigma_ddor_nrad * 1e-9 * base_km]))
                cnt.append(np.array([0.0]))
    cat = (lambda parts, dtype=float: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype))
    t = Epoch(cat(tj1), cat(tj2), "tdb")
    order = np.argsort(t.jd1 + t.jd2, kind="stable")
    meas = Measurements(sites, cat(kinds, np.int64)[order], cat(sa, np.int64)[order], cat(sb, np.int64)[order],
                        Epoch(t.jd1[order], t.jd2[order], "tdb"), np.full(order.size, np.nan), cat(sig)[order],
                        cat(cnt)[order])
    tracked.sort(key=lambda p: float(p.start.jd))
    return Schedule(tracked, sessions, meas)
