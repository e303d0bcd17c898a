"""Launch opportunities: find every window between two bodies and its optimal transfers.

An *opportunity* is a local minimum, over departure dates, of the best ballistic launch energy C3 (over
flight times), found by a coarse scan of the whole span — no hard-coded list. For Earth–Mars they come
every synodic period (~780 days). Each opportunity is labelled by the year of its minimum-C3 launch date.

For every opportunity and each transfer type (I: transfer angle < 180 deg, II: > 180 deg) two optima are
reported, each *refined to the continuous optimum* (not the grid cell) by successive zoomed grids:

* the minimum-C3 transfer, and
* the minimum-arrival-v-infinity transfer,

each searched over the region: departures within +/-120 days of the opportunity's minimum-C3 date
(``DEPARTURE_HALF_WIDTH_DAYS``), flight times from 0.35 to 1.93 Hohmann transfer times (90 to 500 days for
Earth–Mars, ``tof_bounds_days``). An optimum that ends on the edge of that region, or against the
180-degree ridge between the types, carries a ``note`` saying so.

The scan's porkchop blocks and the refinement of each opportunity are independent tasks: given a Dask
scheduler (``scheduler=``, ``workers=``; see :mod:`tianwen.distributed`) they run on the cluster, with the
same results as in-process.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import numpy as np

from .bodies import AU_KM, GM_SUN, body as _body
from .ephemeris import EPHEMERIDES, check_span, get_ephemeris, resolve_ephemeris
from .errors import TianwenError
from .porkchop import transfers
from .time import Epoch, epoch as _epoch

DEPARTURE_HALF_WIDTH_DAYS = 120.0
RIDGE_DEG = 1.0  # an optimum within this of 180 deg is "on the ridge"
_YEAR_DAYS = 365.25


def _mean_a_km(name: str) -> float:
    from .bodies import MEAN_A_AU

    key = {"earth": "emb", "moon": "emb"}.get(name, name)
    if key not in MEAN_A_AU:
        raise TianwenError(f"windows need a planet for origin and target; got {name!r}")
    return MEAN_A_AU[key] * AU_KM


def synodic_period_days(origin: str = "earth", target: str = "mars") -> float:
    """Mean synodic period (days) from the J2000 semi-major axes (Kepler's third law)."""
    p = [2 * math.pi * math.sqrt(_mean_a_km(b) ** 3 / GM_SUN) / 86400.0 for b in (origin, target)]
    if abs(p[0] - p[1]) < 1e-9:
        raise TianwenError("origin and target have the same period: no synodic cycle")
    return 1.0 / abs(1.0 / p[0] - 1.0 / p[1])


def hohmann_tof_days(origin: str = "earth", target: str = "mars") -> float:
    a = 0.5 * (_mean_a_km(origin) + _mean_a_km(target))
    return math.pi * math.sqrt(a**3 / GM_SUN) / 86400.0


def tof_bounds_days(origin: str = "earth", target: str = "mars") -> tuple[float, float]:
    """Flight-time search bounds: 90-500 days for Earth-Mars, the same multiples of Hohmann otherwise."""
    scale = hohmann_tof_days(origin, target) / hohmann_tof_days("earth", "mars")
    return 90.0 * scale, 500.0 * scale


@dataclass
class Transfer:
    """One optimal transfer of an opportunity (dates UTC, angles EME2000), full precision; :meth:`as_json`
    rounds for printing (tof 0.01 d, C3 0.001 km²/s², v∞ 0.1 m/s, angles 0.01°)."""

    opportunity: int
    type: str
    minimizes: str
    launch: str
    arrival: str
    tof_days: float
    c3_km2s2: float
    vinf_arr_kms: float
    dla_deg: float
    rla_deg: float
    note: str | None = None
    launch_tdb_jd: float = float("nan")

    def is_past(self, today=None) -> bool:
        """True when this optimum's launch date is before ``today`` (default: now, UTC)."""
        import datetime as _dt

        now = _epoch(today if today is not None else _dt.datetime.now(_dt.timezone.utc)).to("tdb")
        return self.launch_tdb_jd < float(now.jd)

    def as_json(self) -> dict:
        d = asdict(self)
        d.pop("launch_tdb_jd")
        for key, digits in (("tof_days", 2), ("c3_km2s2", 3), ("vinf_arr_kms", 4), ("dla_deg", 2), ("rla_deg", 2)):
            d[key] = round(float(d[key]), digits)
        if d["note"] is None:
            d.pop("note")
        return d


def _names(origin, target):
    return _body(origin).name, _body(target).name


def _scan_block(origin, target, a: Epoch, b: Epoch, n_dep: int, step_days: float, ephemeris) -> np.ndarray:
    """Best C3 over flight times for ``n_dep`` departures from ``a`` to ``b``: one porkchop block (one task)."""
    from .porkchop import porkchop_grid

    lo, hi = tof_bounds_days(origin, target)
    # Point counts, not a step: a leap second inside the block would shorten its UTC span by 1 s.
    n_arr = int(round((float(b - a) + hi - lo) / step_days)) + 1
    grid = porkchop_grid((a, b), (a + lo, b + hi), n=(n_dep, n_arr), origin=origin, target=target,
                         ephemeris=ephemeris, scheduler=False)
    tof = grid["tof"]
    c3 = np.where((tof >= lo) & (tof <= hi) & np.isfinite(grid["c3"]), grid["c3"], np.inf)
    return c3.min(axis=1)


def _scan(origin, target, start: Epoch, end: Epoch, ephemeris, step_days: float = 4.0, scheduler=False):
    """Best C3 over flight times for each departure on a coarse grid: (departure TDB epochs, best C3).

    Computed as porkchop blocks of 120 departures, so each date's ephemeris is evaluated once per block;
    the blocks are independent tasks.
    """
    from .distributed import run_all, shippable_ephemeris

    ndep = int(math.ceil(float(end - start) / step_days)) + 1
    dep = Epoch(np.full(ndep, start.jd1), start.jd2 + np.arange(ndep) * step_days, "tdb")
    block = 120
    eph = shippable_ephemeris(ephemeris)
    tasks = [(origin, target, dep[i0], dep[min(ndep, i0 + block) - 1], min(ndep, i0 + block) - i0, step_days, eph)
             for i0 in range(0, ndep, block)]
    best = np.concatenate(run_all(_scan_block, tasks, scheduler=scheduler))
    return dep, best


SCAN_STEP_DAYS = 4.0
SCAN_MARGIN_SYNODIC = 0.6  # the scan runs this many synodic periods beyond the years asked, on both sides
#: Every scan's departures are this TDB Julian date plus whole multiples of SCAN_STEP_DAYS, whatever the years
#: asked: a scan of a few years and one of the whole ephemeris sample the same dates, so they find the same
#: opportunity dates, and the table of every opportunity (data/opportunities.csv) answers for both.
SCAN_ANCHOR_TDB_JD = 2451544.5  # 2000-01-01 00:00 TDB
OPPORTUNITY_TABLE = "data/opportunities.csv"


def _jan1_tdb_jd(year):
    import erfa

    d1, d2 = erfa.cal2jd(np.asarray(year), 1, 1)
    return d1 + d2


def covered_years(*, origin="earth", target="mars", ephemeris="de421") -> tuple[int, int]:
    """The first and last year whose opportunities :func:`find_opportunities` covers completely in ``ephemeris``.

    A year is covered when its whole scan lies inside the ephemeris: departures from ``SCAN_MARGIN_SYNODIC``
    synodic periods before 1 January to as long after 31 December (plus one scan step), each with flight times
    up to the upper bound of :func:`tof_bounds_days`. Pure arithmetic: no ephemeris is evaluated. For Earth-Mars
    in DE421 (1899-07-29 to 2053-10-09 TDB) this is 1901 to 2050. ``first > last`` when no year is covered.
    """
    origin, target = _names(origin, target)
    syn = synodic_period_days(origin, target)
    hi_tof = tof_bounds_days(origin, target)[1]
    lo_jd, hi_jd = resolve_ephemeris(ephemeris).span_tdb_jd
    y0 = int(math.floor((lo_jd - 1721425.5) / 365.25)) - 2
    y1 = int(math.ceil((hi_jd - 1721425.5) / 365.25)) + 2
    years = np.arange(y0, y1 + 1)
    start_ok = _jan1_tdb_jd(years) - SCAN_MARGIN_SYNODIC * syn >= lo_jd
    end_ok = _jan1_tdb_jd(years + 1) + SCAN_MARGIN_SYNODIC * syn + SCAN_STEP_DAYS + hi_tof <= hi_jd
    first = int(years[start_ok][0]) if start_ok.any() else y1 + 1
    last = int(years[end_ok][-1]) if end_ok.any() else y0 - 1
    return first, last


def _require_covered(year_from, year_to, origin, target, ephemeris) -> None:
    """Refuse, before any work, years whose opportunities ``ephemeris`` cannot cover completely."""
    if int(year_to) < int(year_from):
        raise TianwenError(f"year_to={year_to} is before year_from={year_from}")
    eph = resolve_ephemeris(ephemeris)
    first, last = covered_years(origin=origin, target=target, ephemeris=eph)
    if first <= int(year_from) and int(year_to) <= last:
        return
    origin, target = _names(origin, target)
    syn = synodic_period_days(origin, target)
    lo_jd, hi_jd = eph.span_tdb_jd
    span = Epoch(np.array([lo_jd, hi_jd]), 0.0, "tdb").iso()
    covers = (f"which covers {origin}-{target} opportunities of {first} to {last} only" if first <= last else
              f"which covers no {origin}-{target} opportunity")
    longer = ("; use ephemeris='analytic-long' (3000 BC-3000 AD) for years beyond"
              if eph.name != "analytic-long" else "")
    raise TianwenError(
        f"years {year_from}-{year_to} reach outside {eph.name} ({span[0][:10]} to {span[1][:10]} TDB), {covers} "
        f"(each year's scan runs {SCAN_MARGIN_SYNODIC * syn:.0f} days beyond it, with flight times to "
        f"{tof_bounds_days(origin, target)[1]:.0f} days){longer}")


@functools.lru_cache(maxsize=1)
def _table() -> dict:
    """data/opportunities.csv: {(origin, target, ephemeris): sorted scan indices k} (date = anchor + 4 k days)."""
    from importlib import resources

    out: dict = {}
    text = resources.files("tianwen").joinpath(OPPORTUNITY_TABLE).read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("origin,"):
            continue
        o, t, e, k = line.split(",")[:4]
        out.setdefault((o, t, e), []).append(int(k))
    return out


def _tabled(origin: str, target: str, ephemeris, year_from: int, year_to: int):
    """The table's opportunities for these years, or None when the table does not hold this case."""
    name = ephemeris if isinstance(ephemeris, str) else getattr(ephemeris, "name", None)
    if name not in EPHEMERIDES or (not isinstance(ephemeris, str) and get_ephemeris(name) is not ephemeris):
        return None
    ks = _table().get((origin, target, name))
    if ks is None:
        return None
    out = []
    for k in ks:
        t = Epoch(SCAN_ANCHOR_TDB_JD, k * SCAN_STEP_DAYS, "tdb")
        if int(year_from) <= int(t.date()[:4]) <= int(year_to):
            out.append(t)
    return out


def opportunity_table_rows(origin="earth", target="mars", ephemeris="de421") -> list[tuple[int, str]]:
    """Scan every covered year of ``ephemeris`` (no table): ``(k, date)`` of each opportunity, the rows of
    data/opportunities.csv for this case (regenerate with ``python -m tianwen.windows``)."""
    origin, target = _names(origin, target)
    first, last = covered_years(origin=origin, target=target, ephemeris=ephemeris)
    rows = []
    for t in find_opportunities(first, last, origin=origin, target=target, ephemeris=ephemeris, use_table=False):
        k = int(round((float(t.jd1) - SCAN_ANCHOR_TDB_JD + float(t.jd2)) / SCAN_STEP_DAYS))
        rows.append((k, t.date()))
    return rows


def find_opportunities(year_from: int, year_to: int, *, origin="earth", target="mars", ephemeris="de421",
                       scheduler=None, workers: int | None = None, use_table: bool = True):
    """TDB epochs of the minimum-C3 launch date of every opportunity whose date falls in [year_from, year_to].

    The years must be covered completely by the ephemeris (:func:`covered_years`); otherwise the call is
    refused before any work, naming the covered years (never a silently shortened scan).
    ``scheduler``/``workers``: run the scan's blocks on Dask (see :mod:`tianwen.distributed`).
    The answer for a registered ephemeris comes from data/opportunities.csv when it holds the case (the same
    dates a scan gives, checked by a test that rescans); ``use_table=False`` always scans.
    """
    _require_covered(year_from, year_to, origin, target, ephemeris)
    origin, target = _names(origin, target)
    if use_table:  # the same dates a scan would give, in-process or on a cluster: no work at all
        hit = _tabled(origin, target, ephemeris, year_from, year_to)
        if hit is not None:
            return hit
    syn = synodic_period_days(origin, target)
    eph = resolve_ephemeris(ephemeris)
    a_jd = float(_epoch(f"{int(year_from):04d}-01-01 TDB").jd) - SCAN_MARGIN_SYNODIC * syn
    b = _epoch(f"{int(year_to) + 1:04d}-01-01 TDB") + SCAN_MARGIN_SYNODIC * syn
    # The first departure: the first anchor-grid date on or after the scan's start.
    a = Epoch(SCAN_ANCHOR_TDB_JD, math.ceil((a_jd - SCAN_ANCHOR_TDB_JD) / SCAN_STEP_DAYS) * SCAN_STEP_DAYS, "tdb")
    from .distributed import dask_client

    with dask_client(scheduler, workers) as client:
        dep, best = _scan(origin, target, a, b, eph, step_days=SCAN_STEP_DAYS,
                          scheduler=client if client is not None else False)
    # Local minima at least half a synodic period apart.
    half = int(0.5 * syn / SCAN_STEP_DAYS)
    found = []
    for i in np.argsort(best):
        if not np.isfinite(best[i]) or i == 0 or i == len(best) - 1:
            continue
        if any(abs(i - j) < half for j in found):
            continue
        lo, hi = max(0, i - half), min(len(best), i + half + 1)
        if best[i] <= best[lo:hi].min():
            found.append(i)
    found.sort()
    out = []
    for i in found:
        t = dep[i]
        year = int(t.date()[:4])
        if int(year_from) <= year <= int(year_to):
            out.append(t)
    return out


def refine_optimum(origin, target, center: Epoch, type_: int, objective: str, ephemeris, x0: float, y0: float):
    """Refine a grid minimum of ``objective`` over (departure offset, tof) by successive 9 x 9 zoomed grids,
    each a third of the previous spacing, until the spacing is below 1e-6 day (0.1 s)."""
    lo, hi = tof_bounds_days(origin, target)
    w = DEPARTURE_HALF_WIDTH_DAYS
    bounds = np.array([[-w, w], [lo, hi]])

    def evaluate(x, y):
        X, Y = np.meshgrid(x, y, indexing="ij")
        D = Epoch(np.full(X.size, center.jd1), center.jd2 + X.ravel(), "tdb")
        r = transfers(origin, target, D, Y.ravel(), ephemeris=ephemeris)
        f = np.where((r["transfer_type"] == type_) & np.isfinite(r[objective]), r[objective], np.inf)
        return X.ravel(), Y.ravel(), f, r

    cx, cy, h = x0, y0, COARSE_STEP_DAYS
    while h >= 1e-6:
        x = np.clip(cx + h * np.linspace(-2, 2, 9), *bounds[0])
        y = np.clip(cy + h * np.linspace(-2, 2, 9), *bounds[1])
        X, Y, f, _ = evaluate(x, y)
        k = int(np.argmin(f))
        cx, cy = X[k], Y[k]
        h /= 3.0
    _, _, _, r = evaluate(np.array([cx]), np.array([cy]))
    cell = {k2: float(v[0]) for k2, v in r.items()}
    edge = []
    if abs(cx - bounds[0, 0]) < 1e-3 or abs(cx - bounds[0, 1]) < 1e-3:
        edge.append("departure")
    if abs(cy - bounds[1, 0]) < 1e-3 or abs(cy - bounds[1, 1]) < 1e-3:
        edge.append("flight-time")
    return cx, cy, cell, edge


COARSE_STEP_DAYS = 2.0


def search_region(opp: Epoch, origin, target, ephemeris):
    """The coarse porkchop of one opportunity's search region: departures within DEPARTURE_HALF_WIDTH_DAYS of
    ``opp`` every COARSE_STEP_DAYS, flight times within :func:`tof_bounds_days`. Returns ``(grid, in_region,
    offsets)``: the :class:`tianwen.porkchop.Grid`, the mask of cells whose flight time is in bounds, and each
    cell's departure offset from ``opp`` (days). The span is checked against the ephemeris before any work."""
    from .porkchop import porkchop_grid

    eph = resolve_ephemeris(ephemeris)
    lo, hi = tof_bounds_days(_body(origin).name, _body(target).name)
    w = DEPARTURE_HALF_WIDTH_DAYS
    opp = opp.to("tdb")
    check_span(eph, Epoch(np.array([float(opp.jd) - w, float(opp.jd) + w + hi]), 0.0, "tdb"), "search region")
    d0 = opp - w
    grid = porkchop_grid((d0, opp + w), (d0 + lo, opp + (w + hi)), step_days=COARSE_STEP_DAYS, origin=origin,
                         target=target, ephemeris=eph, scheduler=False)
    tof = grid["tof"]
    in_region = (tof >= lo) & (tof <= hi)
    offsets = (np.arange(grid.shape[0]) * COARSE_STEP_DAYS - w)[:, None] + np.zeros_like(tof)
    return grid, in_region, offsets


def opportunity_transfers(opp: Epoch, *, origin="earth", target="mars", ephemeris="de421") -> list[Transfer]:
    """The four refined optima (types I and II, minimum C3 and minimum arrival v-infinity) of one opportunity.

    A 2-day porkchop grid over the search region (:func:`search_region`) gives each optimum's starting cell;
    :func:`refine_optimum` refines it.
    """
    origin, target = _names(origin, target)
    eph = resolve_ephemeris(ephemeris)
    opp = opp.to("tdb")
    grid, in_region, offsets = search_region(opp, origin, target, eph)
    tof = grid["tof"]
    rows = []
    for type_, tname in ((1, "I"), (2, "II")):
        for objective in ("c3", "vinf_arr"):
            f = np.where(in_region & (grid["transfer_type"] == type_), grid[objective], np.nan)
            if not np.isfinite(f).any():
                continue
            i, j = np.unravel_index(np.nanargmin(f), f.shape)
            cx, cy, cell, edge = refine_optimum(origin, target, opp, type_, objective, eph, offsets[i, j], tof[i, j])
            launch = opp + cx
            arrival = launch + cy
            notes = []
            if abs(cell["transfer_angle"] - 180.0) < RIDGE_DEG:
                notes.append(f"optimum on the 180-deg ridge (transfer angle {cell['transfer_angle']:.2f} deg)")
            if edge:
                notes.append("optimum on the edge of the search region (" + ", ".join(edge) + ")")
            rows.append(Transfer(
                opportunity=0, type=tname, minimizes=objective, launch=launch.date(), arrival=arrival.date(),
                tof_days=float(cy), c3_km2s2=float(cell["c3"]), vinf_arr_kms=float(cell["vinf_arr"]),
                dla_deg=float(cell["dla"]), rla_deg=float(cell["rla"]), note="; ".join(notes) or None,
                launch_tdb_jd=float(launch.jd),
            ))
    c3_rows = [r for r in rows if r.minimizes == "c3"]
    label = int(min(c3_rows, key=lambda r: r.c3_km2s2).launch[:4]) if c3_rows else int(opp.date()[:4])
    for r in rows:
        r.opportunity = label
    return rows


def _opportunity_transfers_task(opp: Epoch, origin, target, ephemeris) -> list[Transfer]:
    return opportunity_transfers(opp, origin=origin, target=target, ephemeris=ephemeris)


def windows(year_from: int, year_to: int, *, origin="earth", target="mars", ephemeris="de421",
            scheduler=None, workers: int | None = None, progress=None) -> list[Transfer]:
    """Every opportunity from ``year_from`` to ``year_to`` with its four refined optimal transfers.
    ``progress(done, total)`` is called as each opportunity is refined.

    ``scheduler``/``workers``: run the scan blocks and each opportunity's refinement as Dask tasks (a
    ``distributed.Client``, a scheduler address, or N local worker processes; default
    ``$TIANWEN_SCHEDULER``, else in-process). The rows are the same either way.
    """
    from .distributed import dask_client, run_all, shippable_ephemeris

    _require_covered(year_from, year_to, origin, target, ephemeris)  # before any cluster starts
    with dask_client(scheduler, workers) as client:
        sched = client if client is not None else False
        opps = find_opportunities(year_from, year_to, origin=origin, target=target, ephemeris=ephemeris,
                                  scheduler=sched)
        eph = shippable_ephemeris(ephemeris)
        parts = run_all(_opportunity_transfers_task, [(opp, origin, target, eph) for opp in opps], scheduler=sched,
                        progress=progress)
    return [row for part in parts for row in part]


def next_opportunity(today=None, *, origin="earth", target="mars", ephemeris="de421") -> Epoch:
    """The first opportunity that can still be flown: its minimum-C3 launch date is ``today`` or later (default:
    now, UTC). An opportunity whose best launch date has passed is not "next", even if a costlier launch in its
    tail is still possible (for a given rocket and payload, :func:`tianwen.launch.launch_period` with
    ``opportunity="next"`` decides by its launch days instead)."""
    import datetime as _dt

    now = _epoch(today if today is not None else _dt.datetime.now(_dt.timezone.utc)).to("tdb")
    year = int(now.date()[:4])
    first, last = covered_years(origin=origin, target=target, ephemeris=ephemeris)
    lo, hi = max(first, year - 1), min(last, year + 4)
    if lo <= hi:
        for opp in find_opportunities(lo, hi, origin=origin, target=target, ephemeris=ephemeris):
            if float(opp - now) >= 0.0:
                return opp
    raise TianwenError(f"no {origin}-{target} opportunity after {now.date()} within {ephemeris} "
                       f"(which covers opportunities of {first} to {last}); use ephemeris='analytic-long'")


def plot_window(opportunity: str | int, *, origin="earth", target="mars", ephemeris="de421"):
    """Departure and arrival windows framing one opportunity's porkchop, and its label.

    ``opportunity`` is a year or ``"next"``. Departures span +/-10 % of the synodic period around the
    minimum-C3 date (+/-78 days for Earth–Mars); arrivals from 0.5 to 1.7 Hohmann times after them.
    """
    origin, target = _names(origin, target)
    if str(opportunity).lower() == "next":
        opp = next_opportunity(origin=origin, target=target, ephemeris=ephemeris)
    else:
        try:
            year = int(opportunity)
        except ValueError:
            raise TianwenError(f"opportunity {opportunity!r} must be a year (e.g. 2020) or 'next'") from None
        found = find_opportunities(year, year, origin=origin, target=target, ephemeris=ephemeris)
        if not found:
            raise TianwenError(f"no {origin}-{target} opportunity has its minimum-C3 date in {year}; "
                               f"try windows({year - 1}, {year + 1})")
        opp = found[0]
    half = 0.1 * synodic_period_days(origin, target)
    h = hohmann_tof_days(origin, target)
    d0, d1 = opp - half, opp + half
    label = opp.date()[:4]
    return (d0.date(), d1.date()), ((d0 + 0.5 * h).date(), (d1 + 1.7 * h).date()), label



#: The cases data/opportunities.csv holds: (origin, target, ephemeris).
TABLE_CASES = (("earth", "mars", "de421"), ("emb", "mars", "de421"), ("mars", "earth", "de421"),
               ("mars", "emb", "de421"))


def write_opportunity_table(path) -> None:
    """Write data/opportunities.csv: every opportunity of :data:`TABLE_CASES` (a scan of each whole ephemeris)."""
    from .files import atomic_write

    lines = ["# Every opportunity's minimum-C3 launch date on the 4-day scan grid, made by tianwen itself:",
             "# python -m tianwen.windows src/tianwen/data/opportunities.csv (tests/test_windows.py rescans and",
             f"# compares). Date = {SCAN_ANCHOR_TDB_JD} TDB (JD) + {SCAN_STEP_DAYS:g} k days.",
             "origin,target,ephemeris,k,date_tdb"]
    for o, t, e in TABLE_CASES:
        lines += [f"{o},{t},{e},{k},{date}" for k, date in opportunity_table_rows(o, t, e)]
    with atomic_write(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    import sys

    write_opportunity_table(sys.argv[1] if len(sys.argv) > 1 else "opportunities.csv")
