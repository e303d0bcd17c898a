"""Ephemeris benchmark: Earth and Mars states at 10^6 TDB epochs, tianwen beside jplephem and skyfield.

Epochs: 10^6 evenly spaced TDB instants from 1900-01-01 to 2050-01-01 (two-part Julian dates). Each reader
gives the Sun-centred position (km) and velocity (km/s) of Earth (its centre, NAIF 399) and of the Mars
system barycentre (NAIF 4), ICRF axes, from the same DE421 file (the ``skyfield-data`` package's):

* tianwen — ``tianwen.ephemeris.state("earth" | "mars", Epoch(jd1, jd2, "tdb"))``;
* jplephem — ``SPK.compute_and_differentiate`` on the DE421 segments, chained by hand
  (Earth = (0,3) + (3,399) - (0,10); Mars = (0,4) - (0,10)); velocities km/day -> km/s;
* skyfield — ``(planets["earth"] - planets["sun"]).at(ts.tdb_jd(jd1, jd2))`` (if installed).

Each reader runs in its own child process (so peak-memory figures do not mix; tianwen twice, on all cores
and with ``NUMBA_NUM_THREADS=1``): a warm-up call on 1,000
epochs first (file loading, Numba compilation — excluded), then the best of ``--repeats`` timed calls for
both bodies. Memory is measured on one further call: the tracemalloc peak (Python and NumPy allocations)
and the growth of the resident set (``resource.getrusage`` max RSS against the RSS before the call).
Results are compared with tianwen's on every 1000th epoch.

    python benchmarks/ephemeris.py            # [--n 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np
from _common import machine  # noqa: E402

READERS = ("tianwen", "jplephem", "skyfield")
# (label, reader, extra environment of its child process)
RUNS = (("tianwen", "tianwen", {}), ("tianwen (1 thread)", "tianwen", {"NUMBA_NUM_THREADS": "1"}),
        ("jplephem", "jplephem", {}), ("skyfield", "skyfield", {}))
JD_START, JD_END = 2415020.5, 2469807.5  # 1900-01-01 .. 2050-01-01 TDB
SUBSAMPLE = 1000


def version(name: str) -> str:
    try:
        from importlib.metadata import version as _v

        return _v(name)
    except Exception:  # noqa: BLE001
        return "?"


def epochs(n: int):
    """Two-part TDB Julian dates: whole days in jd1, the rest in jd2 (|jd2| < 1)."""
    jd = np.linspace(0.0, JD_END - JD_START, n)
    whole = np.floor(jd)
    return JD_START + whole, jd - whole


def de421_path() -> str:
    from importlib import resources

    return str(resources.files("skyfield_data").joinpath("data/de421.bsp"))


# ---------------------------------------------------------------------------------------------------------
# Readers: make(name) -> function(jd1, jd2) -> {"earth": (r, v), "mars": (r, v)}, km and km/s, shape (n, 3)
# ---------------------------------------------------------------------------------------------------------


def make_tianwen():
    from tianwen.ephemeris import state
    from tianwen.time import Epoch

    def run(jd1, jd2):
        t = Epoch(jd1, jd2, "tdb")
        return {"earth": state("earth", t), "mars": state("mars", t)}

    return run


def make_jplephem():
    from jplephem.spk import SPK

    kernel = SPK.open(de421_path())
    seg = {(s.center, s.target): s for s in kernel.segments}

    def rv(center, target, jd1, jd2):
        p, v = seg[(center, target)].compute_and_differentiate(jd1, jd2)
        return p, v

    def run(jd1, jd2):
        out = {}
        ps, vs = rv(0, 10, jd1, jd2)
        p1, v1 = rv(0, 3, jd1, jd2)
        p2, v2 = rv(3, 399, jd1, jd2)
        out["earth"] = ((p1 + p2 - ps).T, ((v1 + v2 - vs) / 86400.0).T)
        p4, v4 = rv(0, 4, jd1, jd2)
        out["mars"] = ((p4 - ps).T, ((v4 - vs) / 86400.0).T)
        return out

    return run


def make_skyfield():
    from skyfield.api import load, load_file

    planets = load_file(de421_path())
    ts = load.timescale(builtin=True)
    sun, earth, mars = planets["sun"], planets["earth"], planets["mars barycenter"]

    def run(jd1, jd2):
        t = ts.tdb_jd(jd1, jd2)
        out = {}
        for name, body in (("earth", earth), ("mars", mars)):
            p = (body - sun).at(t)
            out[name] = (p.position.km.T, p.velocity.km_per_s.T)
        return out

    return run


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child(name: str, n: int, repeats: int, out_path: str) -> None:
    """Measure one reader in this process; write a JSON summary and a subsample of the states."""
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        json.dump({"missing": True}, open(out_path, "w"))
        return
    run = globals()[f"make_{name}"]()
    jd1, jd2 = epochs(n)
    run(jd1[:1000].copy(), jd2[:1000].copy())  # warm-up: file loading, compilation (excluded)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = run(jd1, jd2)
        best = min(best, time.perf_counter() - t0)
    del res
    # Memory, on one more call: resident-set growth over the call, and tracemalloc's peak.
    rss0 = _rss_kib()
    res = run(jd1, jd2)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    del res
    tracemalloc.start()
    res = run(jd1, jd2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sub = {f"{body}_{k}": np.asarray(res[body][i])[::SUBSAMPLE] for body in ("earth", "mars")
           for i, k in enumerate("rv")}
    np.savez(out_path + ".npz", **sub)
    json.dump({"seconds": best, "repeats": repeats, "tracemalloc_peak_mib": peak / 2**20,
               "rss_growth_mib": max(0, maxrss - rss0) / 1024, "maxrss_mib": maxrss / 1024,
               "version": version(name)}, open(out_path, "w"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of epochs (default 10^6)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats, best kept (default 3)")
    ap.add_argument("--child", choices=READERS, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.n, args.repeats, args.out)
        return 0

    import numba

    print(f"Ephemeris benchmark: Sun-centred states of Earth and Mars (barycentre) at {args.n:,} TDB epochs, "
          f"1900-2050, DE421, ICRF")
    print(f"machine: {machine()}")
    print(f"each reader in its own process; warm-up excluded; best of "
          f"{args.repeats}; memory measured on a separate call; tianwen on "
          f"{numba.config.NUMBA_NUM_THREADS} threads and on 1\n")
    results = {}
    tmp = tempfile.mkdtemp(prefix="tianwen-bench-")
    for label, name, env in RUNS:
        out = os.path.join(tmp, f"{len(results)}-{name}.json")
        print(f"{label} ...", flush=True)
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", name, "--n", str(args.n),
                               "--repeats", str(args.repeats), "--out", out], capture_output=True, text=True,
                              env={**os.environ, **env})
        if proc.returncode != 0 or not os.path.exists(out):
            print(f"{label}: failed\n{proc.stderr[-2000:]}")
            continue
        info = json.load(open(out))
        if info.get("missing"):
            print(f"{name}: not installed (pip install tianwen[test] for skyfield)" if name == "skyfield"
                  else f"{name}: not installed")
            continue
        info["sub"] = dict(np.load(out + ".npz"))
        results[label] = info

    ref = results.get("tianwen", {}).get("sub")
    print()
    head = (f"{'reader':<26}  {'wall (s)':>9}  {'epochs/s':>12}  {'tracemalloc peak':>16}  {'RSS growth':>10}  "
            f"{'max |dr| vs tianwen':>19}  {'max |dv| vs tianwen':>19}")
    print(head)
    print("-" * len(head))
    for name, info in results.items():
        if ref is None or name.startswith("tianwen"):
            dr = dv = "(reference)"
        else:
            dr = max(np.abs(info["sub"][f"{b}_r"] - ref[f"{b}_r"]).max() for b in ("earth", "mars"))
            dv = max(np.abs(info["sub"][f"{b}_v"] - ref[f"{b}_v"]).max() for b in ("earth", "mars"))
            dr, dv = f"{dr:.2e} km", f"{dv:.2e} km/s"
        label = name.replace(" (", f" {info['version']} (", 1) if "(" in name else f"{name} {info['version']}"
        print(f"{label:<26}  {info['seconds']:>9.3f}  {args.n / info['seconds']:>12,.0f}  "
              f"{info['tracemalloc_peak_mib']:>12.0f} MiB  {info['rss_growth_mib']:>6.0f} MiB  {dr:>19}  {dv:>19}")
    print(f"(wall: both bodies, all {args.n:,} epochs; results alone are {args.n * 3 * 8 * 4 / 2**20:.0f} MiB; "
          f"differences on every {SUBSAMPLE}th epoch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
