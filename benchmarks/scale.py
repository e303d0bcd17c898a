"""Scaling benchmark: one survey on a local Dask cluster of 1 and then 2 worker processes (issue 9).

For each cluster size the same survey (default: Earth to Mars, opportunities 2026-2045, 0..1 revolutions,
2-day steps, minima only) is written to a fresh Zarr store, and the script prints

* wall time of the whole survey (planning — the opportunity scan, itself run as tasks — and the grids),
  and cells/s over the grid phase (a cell is one Lambert arc with all its porkchop quantities), in all
  and per worker;
* each worker's peak resident memory (``ru_maxrss``) beside its resident memory after warm-up, and the
  chunk's own arrays (~75 bytes x ``--chunk-cells``): memory per worker follows the chunk, not the survey.

Each worker runs one task at a time with one Numba thread (``NUMBA_NUM_THREADS=1``), i.e. one core per
worker, so the 1 -> 2 worker speed-up is the cluster's, not Numba's. Warm-up (compiling or loading the
cached kernels in each worker) is excluded. The in-process run (no Dask, Numba on all cores) is printed
for reference.

Finally a **projection** — arithmetic, not a measurement — of the century survey of issue 9
(``--targets venus,mars,jupiter --from 2025 --to 2125 --revs 0..2 --step 1``) on a 100-worker cluster: its
cell count (from the survey's own grid sizes, with the number of opportunities estimated from the synodic
periods) divided by 100 x the measured cells/s per worker, assuming one core per worker like the ones here
and linear scaling (tasks are independent and write their own chunks; Dask's per-task overhead, ~1 ms, is
small beside a task of 10^5 cells).

    python benchmarks/scale.py     # [--from 2026 --to 2045 --targets mars --revs 0..1 --step 2]
                                   # [--chunk-cells 50000] [--memory-check]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time

import numpy as np


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _warm(path: str) -> int:
    """Run in a worker: load the kernels and the ephemerides with a one-part survey of its own."""
    from tianwen.survey import survey

    survey(path, ["mars"], 2026, 2026, revs="0..1", step_days=30.0, scheduler="")
    return os.getpid()


class _Clock:
    """Progress callback marking when the grid phase starts (survey() calls it once planning is done)."""

    start = 0.0

    def __init__(self):
        self.seen = False

    def __call__(self, done, total):
        if not self.seen:
            self.seen = True
            _Clock.start = time.perf_counter()


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def count_cells(targets, year_from, year_to, revs, step):
    """Cells of a survey from its grid sizes; opportunities estimated as years x 365.25 / synodic period."""
    from tianwen.survey import cases
    from tianwen.windows import synodic_period_days, tof_bounds_days

    total, n_opp_total = 0, 0
    for t in targets:
        syn = synodic_period_days("earth", t)
        lo, hi = tof_bounds_days("earth", t)
        n_dep = max(1, int(round(syn / step)))
        n_tof = int(np.floor((hi - lo) / step + 1e-9)) + 1
        n_opp = int(round((year_to - year_from + 1) * 365.25 / syn))
        n_opp_total += n_opp
        total += n_opp * len(cases(revs)) * n_dep * n_tof
    return total, n_opp_total


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default="mars")
    ap.add_argument("--from", dest="year_from", type=int, default=2026)
    ap.add_argument("--to", dest="year_to", type=int, default=2045)
    ap.add_argument("--revs", default="0..1")
    ap.add_argument("--step", type=float, default=2.0)
    ap.add_argument("--chunk-cells", type=int, default=50_000)
    ap.add_argument("--workers", default="1,2", help="cluster sizes to run, e.g. 1,2")
    ap.add_argument("--memory-check", action="store_true",
                    help="also run a survey twice as long on 2 workers: the peak memory per worker must not grow")
    args = ap.parse_args(argv)

    import distributed

    import tianwen
    from tianwen.distributed import local_cluster
    from tianwen.survey import survey

    targets = [t.strip() for t in args.targets.split(",")]
    print(f"tianwen {tianwen.__version__}, dask/distributed {distributed.__version__}, Python "
          f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    try:
        print(f"load average at start: {os.getloadavg()[0]:.1f} (other work on this machine slows every figure)")
    except OSError:
        pass
    spec = (f"survey earth -> {','.join(targets)}, {args.year_from}-{args.year_to}, revs {args.revs}, "
            f"step {args.step:g} d, chunk {args.chunk_cells:,} cells")
    print(spec)
    tmp = tempfile.mkdtemp(prefix="tianwen-scale-")
    try:
        # In-process reference (Numba on all cores), after a warm-up.
        _warm(os.path.join(tmp, "warm-local.zarr"))
        t0 = time.perf_counter()
        res = survey(os.path.join(tmp, "local.zarr"), targets, args.year_from, args.year_to, revs=args.revs,
                     step_days=args.step, chunk_cells=args.chunk_cells, scheduler="", progress=_Clock())
        dt = time.perf_counter() - t0
        cells = res.cells_total
        print(f"\n{cells:,} cells in {res.parts_total} tasks")
        print(f"{'run':<36}{'wall s':>8}{'grids s':>9}{'cells/s':>12}{'cells/s/worker':>16}"
              f"{'RSS after warm-up MB':>22}{'peak RSS MB':>13}")
        grid_s = time.perf_counter() - _Clock.start
        print(f"{'in-process (Numba, all cores)':<36}{dt:8.2f}{grid_s:9.2f}{cells / grid_s:12,.0f}{'':>16}{'':>22}"
              f"{_peak_rss_mb():13.0f}")
        per_worker_rate = None
        sizes = [int(w) for w in args.workers.split(",")]
        runs = [(n, args.year_to) for n in sizes]
        if args.memory_check:
            runs.append((2, args.year_to + (args.year_to - args.year_from + 1)))
        for n, year_to in runs:
            with local_cluster(n, numba_threads=1) as cluster, distributed.Client(cluster) as client:
                client.wait_for_workers(n)
                for k, addr in enumerate(client.scheduler_info()["workers"]):
                    client.submit(_warm, os.path.join(tmp, f"warm-{n}-{k}.zarr"), workers=[addr], pure=False).result()
                base = client.run(_rss_mb)
                path = os.path.join(tmp, f"w{n}-{year_to}.zarr")
                t0 = time.perf_counter()
                r = survey(path, targets, args.year_from, year_to, revs=args.revs, step_days=args.step,
                           chunk_cells=args.chunk_cells, scheduler=client, progress=_Clock())
                dt = time.perf_counter() - t0
                grid_s = time.perf_counter() - _Clock.start
                peak = client.run(_peak_rss_mb)
            label = f"{n} worker{'s' if n > 1 else ''} (1 core each)" + (f", to {year_to}" if year_to != args.year_to else "")
            rate = r.cells_total / grid_s
            base_s = " / ".join(f"{v:.0f}" for v in base.values())
            peak_s = " / ".join(f"{v:.0f}" for v in peak.values())
            print(f"{label:<36}{dt:8.2f}{grid_s:9.2f}{rate:12,.0f}{rate / n:16,.0f}{base_s:>22}{peak_s:>13}")
            if n == max(sizes) and year_to == args.year_to:
                per_worker_rate = rate / n
        print(f"(a chunk's own arrays: {args.chunk_cells:,} cells x ~75 bytes = {args.chunk_cells * 75 / 2**20:.0f} MB; "
              f"the opportunity scan runs as tasks too; the client holds the plan and the minima)")
        if per_worker_rate:
            print(f"\nPROJECTION (arithmetic, not a measurement), at the {per_worker_rate:,.0f} cells/s per worker "
                  f"measured above, assuming linear scaling and workers as fast as one core of this machine:")
            for step in (1.0, 0.25, 0.1):
                century, n_opp = count_cells(["venus", "mars", "jupiter"], 2025, 2125, "0..2", step)
                s100 = century / (100 * per_worker_rate)
                s_here = century / (2 * per_worker_rate)
                print(f"  century survey (venus,mars,jupiter 2025-2125, revs 0..2 = 5 cases, ~{n_opp} opportunities), "
                      f"step {step:g} d: {century / 1e9:6.2f} billion cells -> {_duration(s100)} on 100 workers "
                      f"({_duration(s_here)} on these 2 cores)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
