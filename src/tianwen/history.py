"""The Mars mission record, window by window: which Earth–Mars opportunities had a launch.

Opportunities come from the launch-window survey (:func:`tianwen.windows.find_opportunities`), not from a
list. For each one:

* its **minimum C3**: the lower of the refined Type I and Type II minima (the search region of
  :mod:`tianwen.windows`), and its ``label``, the year of that minimum's launch date;
* its **window**: the contiguous run of launch days around the minimum on which the best C3 over flight
  times of 90–500 days is within ``margin_km2s2`` (default 5 km^2/s^2) of the minimum, on a 1-day grid;
* the **missions** of the catalogue (:mod:`tianwen.missions`) launched in it. Each Mars launch belongs to
  the opportunity whose minimum-C3 date is nearest; ``in_window`` says whether it left within the window
  or within three weeks of it (Nozomi, which left Earth via lunar and Earth swingbys, and ESCAPADE, which
  waited in a loiter orbit, did not). Spacecraft that only used Mars for a gravity assist are not counted.

For each mission with departure and arrival dates, :func:`ballistic_arc` gives the single Lambert arc between
them (C3, DLA, arrival v-infinity, type) to set beside the opportunity's optimum — or says why the dates
do not describe one ballistic arc (no arrival yet, or none; a flight time outside 60–600 days; a C3 more than
twice the opportunity's minimum plus 10 km^2/s^2, the signature of phasing orbits, swingbys or deep-space
manoeuvres). The departure is the launch, or the trans-Mars injection where the spacecraft left Earth orbit by
its own engine and the catalogue records it (``departure_utc``: India's Mars Orbiter Mission left on
2013-11-30, 25 days after its launch into an elliptical Earth orbit).

:meth:`Opportunity.as_json` holds every field the ``tianwen history`` text shows: the window, the minimum and
its date, and for each launch its in-window flag and its arc.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field

import numpy as np

from .errors import TianwenError
from .missions import CatalogueEntry, load_catalogue
from .time import Epoch, epoch as _epoch

IN_WINDOW_SLACK_DAYS = 21.0


@dataclass
class Arc:
    """The ballistic Lambert arc between a mission's launch and arrival dates, or why there is none."""

    c3_km2s2: float | None = None
    dla_deg: float | None = None
    vinf_arr_kms: float | None = None
    tof_days: float | None = None
    type: str | None = None
    note: str | None = None
    departure: str | None = None  # the UTC epoch the arc starts (launch or trans-Mars injection)
    from_event: str | None = None  # "launch" or "trans-Mars injection"

    def as_json(self) -> dict:
        """The arc for printing: full precision in the record, rounded here (C3 0.01, DLA 0.1 deg, v 1 m/s, 0.1 d)."""
        r = lambda v, n: None if v is None else round(float(v), n)  # noqa: E731
        return {"c3_km2s2": r(self.c3_km2s2, 2), "dla_deg": r(self.dla_deg, 1), "vinf_arr_kms": r(self.vinf_arr_kms, 3),
                "tof_days": r(self.tof_days, 1), "type": self.type, "note": self.note, "departure": self.departure,
                "from": self.from_event}


@dataclass
class Launch:
    entry: CatalogueEntry
    in_window: bool
    arc: Arc

    def as_json(self) -> dict:
        e = self.entry
        return {"name": e.short_name, "agency": e.agency, "launch": e.launch[:10], "outcome": e.outcome,
                "in_window": bool(self.in_window), "arc": self.arc.as_json()}


@dataclass
class Opportunity:
    label: str
    min_c3_km2s2: float
    min_c3_launch: str
    window_open: str
    window_close: str
    min_c3_tdb_jd: float
    launches: list[Launch] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "label": self.label, "window_open": self.window_open, "window_close": self.window_close,
            "min_c3_km2s2": round(self.min_c3_km2s2, 3), "min_c3_launch": self.min_c3_launch,
            "missions": [m.as_json() for m in self.launches],
        }


def _opportunity(opp: Epoch, margin: float, origin: str, ephemeris) -> Opportunity:
    """One opportunity's window and minimum (cached per process when the ephemeris is named)."""
    if isinstance(ephemeris, str):
        return _opportunity_cached(float(opp.to("tdb").jd), margin, origin, ephemeris)
    return _compute_opportunity(opp, margin, origin, ephemeris)


@functools.lru_cache(maxsize=256)
def _opportunity_cached(opp_tdb_jd: float, margin: float, origin: str, ephemeris: str) -> Opportunity:
    return _compute_opportunity(Epoch(opp_tdb_jd, 0.0, "tdb"), margin, origin, ephemeris)


def _compute_opportunity(opp: Epoch, margin: float, origin: str, ephemeris) -> Opportunity:
    from .porkchop import porkchop
    from .windows import DEPARTURE_HALF_WIDTH_DAYS, refine_optimum, tof_bounds_days

    lo, hi = tof_bounds_days(origin, "mars")
    w = DEPARTURE_HALF_WIDTH_DAYS
    opp = opp.to("tdb")
    n_dep = int(2 * w) + 1
    grid = porkchop((opp - w, opp + w), (opp + (lo - w), opp + (w + hi)), n=(n_dep, int(2 * w + hi - lo) + 1),
                    origin=origin, target="mars", ephemeris=ephemeris, scheduler=False)
    tof = grid.tof.values
    c3 = np.where((tof >= lo) & (tof <= hi) & np.isfinite(grid.c3.values), grid.c3.values, np.inf)
    best = []
    for t in (1, 2):
        f = np.where(grid.transfer_type.values == t, c3, np.inf)
        if np.isfinite(f).any():
            i, j = np.unravel_index(np.argmin(f), f.shape)
            cx, cy, cell, _ = refine_optimum(origin, "mars", opp, t, "c3", ephemeris, i - w, tof[i, j])
            best.append((cell["c3"], cx))
    if not best:
        raise TianwenError(f"no transfer found around {opp.date()}")
    min_c3, cx = min(best)
    daily = c3.min(axis=1)
    k = int(np.argmin(daily))
    ok = daily <= min_c3 + margin
    a = b = k
    while a > 0 and ok[a - 1]:
        a -= 1
    while b < len(ok) - 1 and ok[b + 1]:
        b += 1
    launch = opp + cx
    return Opportunity(label=launch.date()[:4], min_c3_km2s2=float(min_c3), min_c3_launch=launch.date(),
                       window_open=(opp + (a - w)).date(), window_close=(opp + (b - w)).date(),
                       min_c3_tdb_jd=float(launch.jd))


#: Why a mission without an arrival date has no arc, by outcome.
NO_ARRIVAL = {"en-route": "en route: no Mars arrival yet", "launch-failure": "launch failure: never left for Mars",
              "failure": "lost en route: no Mars arrival"}


def ballistic_arc(entry: CatalogueEntry, opportunity_min_c3: float, *, origin="earth", ephemeris="de421") -> Arc:
    """The single Lambert arc (Earth at departure to the Mars barycentre at arrival), or why there is none.

    The departure is ``entry.departure`` (a trans-Mars injection by the spacecraft's own engine) when the
    catalogue records one, else the launch; ``Arc.departure`` and ``Arc.from_event`` say which."""
    from .porkchop import transfers

    if entry.arrival is None:
        return Arc(note=NO_ARRIVAL.get(entry.outcome, "no arrival"))
    start = entry.departure_or_launch
    event = "trans-Mars injection" if entry.departure else "launch"
    t0, t1 = _epoch(start).to("tdb"), _epoch(entry.arrival).to("tdb")
    tof = float(t1 - t0)
    if not 60.0 <= tof <= 600.0:
        return Arc(tof_days=tof, note=f"{tof:.0f}-day cruise: not one ballistic arc (swingbys or loiter)",
                   departure=start, from_event=event)
    x = transfers(origin, "mars", t0, tof, ephemeris=ephemeris)
    c3 = float(x["c3"])
    if not np.isfinite(c3) or c3 > 2.0 * opportunity_min_c3 + 10.0:
        return Arc(tof_days=tof, note=f"Lambert C3 {c3:.0f} km2/s2 between these dates: not one ballistic "
                                                "arc (phasing orbits, swingbys or deep-space manoeuvres)",
                   departure=start, from_event=event)
    return Arc(c3_km2s2=c3, dla_deg=float(x["dla"]), vinf_arr_kms=float(x["vinf_arr"]),
               tof_days=tof, type={1: "I", 2: "II"}.get(int(x["transfer_type"])), departure=start,
               from_event=event)


def history(since: int = 1960, until: int | None = None, *, margin_km2s2: float = 5.0, origin: str = "earth",
            ephemeris="de421", extra_catalogues=(), scheduler=None,
            workers: int | None = None, progress=None) -> tuple[list[Opportunity], dict]:
    """Opportunities labelled ``since``..``until`` with their Mars launches, and the summary counts.

    ``until`` defaults to the opportunity of the catalogue's last Mars launch (ESCAPADE, launched in November
    2025 to leave Earth in the 2026 window, makes it 2026). Returns ``(opportunities, summary)`` with
    ``summary = {"since", "until", "opportunities", "with_launch"}``. ``scheduler``/``workers``: compute the
    opportunities as Dask tasks (see :mod:`tianwen.distributed`); the result is the same.
    ``progress(done, total)`` is called as each opportunity is computed.
    """
    from .distributed import dask_client, run_all, shippable_ephemeris
    from .windows import find_opportunities

    catalogue = [e for e in load_catalogue(extra_catalogues) if e.is_mars_mission]
    last_year = max(int(e.launch[:4]) for e in catalogue)
    default_until = until is None
    if default_until:  # one year more, so that a launch ahead of its window (ESCAPADE) finds its opportunity
        until = last_year + 1
    since, until = int(since), int(until)
    if until < since:
        raise TianwenError(f"until={until} is before since={since}")
    if not (margin_km2s2 > 0):
        raise TianwenError(f"margin {margin_km2s2!r} km2/s2 must be positive")
    with dask_client(scheduler, workers) as client:
        sched = client if client is not None else False
        found = find_opportunities(since - 1, until + 1, origin=origin, ephemeris=ephemeris, scheduler=sched)
        eph = shippable_ephemeris(ephemeris)
        tasks = [(o, float(margin_km2s2), origin, eph) for o in found]
        opps = [copy.deepcopy(o) for o in run_all(_opportunity, tasks, scheduler=sched, progress=progress)]
    centres = np.array([o.min_c3_tdb_jd for o in opps])
    for e in catalogue:
        t = float(_epoch(e.launch).to("tdb").jd)
        o = opps[int(np.argmin(np.abs(centres - t)))]
        if abs(t - o.min_c3_tdb_jd) > 400.0:  # more than half a synodic period from any computed opportunity
            continue
        lo = float(_epoch(o.window_open).jd) - IN_WINDOW_SLACK_DAYS
        hi = float(_epoch(o.window_close).jd) + 1.0 + IN_WINDOW_SLACK_DAYS
        o.launches.append(Launch(e, lo <= t <= hi, ballistic_arc(e, o.min_c3_km2s2, origin=origin,
                                                                  ephemeris=ephemeris)))
    shown = [o for o in opps if since <= int(o.label) <= until]
    if default_until:  # end at the last launch's opportunity
        while shown and not shown[-1].launches and int(shown[-1].label) > last_year:
            shown.pop()
        until = max(last_year, int(shown[-1].label)) if shown else last_year
    summary = {"since": since, "until": until, "opportunities": len(shown),
               "with_launch": sum(1 for o in shown if o.launches)}
    return shown, summary
