"""Navigation benchmark: measurements per second, and the time to determine a 200-day cruise arc.

1. *Measurements*: ``tianwen.navigation.predict`` on N two-way range, N two-way Doppler (60 s count) and N/10
   delta-DOR measurements of Tianwen-1's reconstructed cruise from Kashi and New Norcia (light time solved on
   both legs, partials included), after a warm-up call; best of ``--repeats``.
2. *A 200-day arc*: 2020-07-27 to 2021-02-08 (TCM-1 to TCM-4 solved for), Kashi and Jiamusi plus the four
   partner stations with delta-DOR: the schedule, the design (every measurement, its partials through the STM),
   the square-root-information solution and the B-plane mapping, timed separately, once
   (:func:`tianwen.navigation.compare_stations` does the same for the station sets).

Peers: Orekit (through ``orekit-jpype``, a JVM) and GMAT's estimator are the tools that do this; neither is a
Python package that installs with pip here, so no peer figure is printed (said in the output).

    python benchmarks/navigation.py            # [--n 2000] [--repeats 3] [--days 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} logical cores, Python {platform.python_version()}; load {load}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=float, default=196.0)
    args = ap.parse_args()

    from tianwen.navigation import (DDOR, DOPPLER, RANGE, Measurements, covariance_analysis, cruise_arc, design,
                                    map_to_bplane, predict, prior_covariance, schedule)
    from tianwen.navigation.cruise import LIGHT_TIME_MARGIN_DAYS
    from tianwen.navigation.estimation import fly
    from tianwen.reconstruct import trajectory
    from tianwen.time import Epoch, epoch
    from tianwen.tracking import station

    print(machine())
    sc = trajectory("tianwen-1")
    n = args.n
    t0 = epoch("2020-09-01T00:00:00 TDB")
    days = np.linspace(0.0, 120.0, n)
    kinds = np.concatenate([np.full(n, RANGE), np.full(n, DOPPLER), np.full(n // 10, DDOR)])
    jd2 = np.concatenate([days, days + 1e-3, days[: n // 10] + 2e-3]) + float(t0.jd2)
    m = Measurements((station("kashi"), station("new-norcia")), kinds, np.zeros(kinds.size, np.int64),
                     np.where(kinds == DDOR, 1, -1).astype(np.int64), Epoch(np.full(kinds.size, t0.jd1), jd2, "tdb"),
                     np.full(kinds.size, np.nan), np.ones(kinds.size), np.where(kinds == DOPPLER, 60.0, 0.0))
    predict(sc, m.select(np.arange(50)))
    best = min(_timed(lambda: predict(sc, m))[0] for _ in range(args.repeats))
    print(f"measurements: {kinds.size} (range, Doppler, delta-DOR) with partials in {best:.3f} s: "
          f"{kinds.size / best:,.0f} per second (Doppler = two round trips)")

    start = epoch("2020-07-27T00:00:00 TDB")
    end = start + args.days
    t, (arc, t_map, _) = _timed(lambda: cruise_arc("tianwen-1", start, end))
    print(f"arc {start.iso(0)} to {end.iso(0)} TDB: reference and retargeting {t:.2f} s; "
          f"{len(arc.solved)} manoeuvres solved for")

    class Body:
        def __init__(self):
            self._t = fly(arc)
            self.span_tdb_jd = (float(arc.t0.jd) + LIGHT_TIME_MARGIN_DAYS, float(arc.t_end.jd))

        def state(self, e):
            return self._t.state(e)

    stations = ["kashi", "jiamusi", "neuquen", "new-norcia", "cebreros", "malargue"]
    t, sched = _timed(lambda: schedule(Body(), stations, arc.t0 + LIGHT_TIME_MARGIN_DAYS, end, ddor=True))
    meas = sched.measurements
    print(f"schedule: {len(sched.passes)} passes, {meas.counts()} in {t:.2f} s")
    t, d = _timed(lambda: design(arc, meas, solve_range_bias=True))
    print(f"design (light time, partials, STM, consider columns): {d.h.shape[0]} x {d.h.shape[1]} "
          f"(+{d.consider.columns.shape[1]} consider) in {t:.2f} s")
    prior = np.diag(np.concatenate([np.diag(prior_covariance(arc)), np.full(d.h.shape[1] - d.n_arc, 4e-6)]))
    t, sol = _timed(lambda: covariance_analysis(d, meas.sigma, prior_covariance=prior))
    print(f"square-root information solution (QR): {t:.3f} s")
    k = d.n_arc
    t, bp = _timed(lambda: map_to_bplane(arc, d.p[:k], sol.covariance[:k, :k], t_map))
    print(f"B-plane mapping: {t:.2f} s -> 1-sigma {bp.semi_major_km:.3f} x {bp.semi_minor_km:.3f} km, "
          f"periapsis altitude {bp.sigma_alt_km:.3f} km")
    print("peers: Orekit (orekit-jpype) and GMAT's estimator are not pip-installable here; no peer timing")


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


if __name__ == "__main__":
    main()
