"""What a user waits for: whole commands, timed as processes, cold and warm, with the peers' start-up beside them.

Each figure is the median of ``--runs`` (default 5) whole-process runs, timed from outside (``time.perf_counter``
around ``subprocess.run``), with the minimum and maximum. *Warm* runs follow one untimed run that fills the
compile cache. *Cold* runs each start from an empty Numba cache (``NUMBA_CACHE_DIR`` set to a new folder), as the
first run after installation does. The peers' figure is the import plus the first zero-revolution Lambert solve of
pykep and lamberthub, the least a user of either waits before a first answer (skipped when not installed:
``pip install -e ".[bench]"``).

Run: ``.venv/bin/python benchmarks/latency.py [--runs 5] [--cold-runs 3] [--only warm|cold]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import machine

HERE = os.path.dirname(os.path.abspath(__file__))
TIANWEN = [sys.executable, "-m", "tianwen"]

WARM = [
    ("tianwen --help", TIANWEN + ["--help"], 0.3),
    ("tianwen --version", TIANWEN + ["--version"], 0.3),
    ("tianwen ephemeris mars 2030-01-01", TIANWEN + ["ephemeris", "mars", "2030-01-01"], 0.6),
    ("tianwen porkchop --opportunity 2033 --json", TIANWEN + ["porkchop", "--opportunity", "2033", "--json"], 1.0),
    ("tianwen porkchop --opportunity 2033 --out p.png", TIANWEN + ["porkchop", "--opportunity", "2033", "--out",
                                                                    "{tmp}/p.png"], 2.0),
    ("tianwen mission tianwen-1 --json", TIANWEN + ["mission", "tianwen-1", "--json"], None),
]
COLD = [
    ("tianwen porkchop --opportunity next --out porkchop.png (README's first command)",
     TIANWEN + ["porkchop", "--opportunity", "next", "--out", "{tmp}/porkchop.png"], 8.0),
    ("tianwen mission tianwen-1 --json", TIANWEN + ["mission", "tianwen-1", "--json"], 12.0),
]
PEERS = [
    ("pykep: import + first Lambert solve",
     [sys.executable, "-c", "import sys; sys.path.insert(0, %r); from _common import import_pykep; pk = import_pykep(); "
      "pk.lambert_problem([1.0, 0, 0], [0, 1.0, 0], 2.0, 1.0)" % HERE]),
    ("lamberthub: import + first Lambert solve",
     [sys.executable, "-c", "import numpy as np; from lamberthub import izzo2015; "
      "izzo2015(1.0, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), 2.0)"]),
]


def _wait_for_background_compiles() -> None:
    """A cold command leaves the lock-step Lambert kernels compiling in the background (``python -m tianwen.warm``,
    nice 10, for the next command): let it finish before the next timed run, which it would otherwise slow."""
    while subprocess.run(["pgrep", "-f", "python.* -m tianwen[.]warm"], capture_output=True).returncode == 0:
        time.sleep(0.5)


def _time(cmd, env=None, runs=5, cache=None):
    out = []
    for _ in range(runs):
        e = dict(os.environ, **(env or {}))
        if cache == "cold":
            e["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="tianwen-cold-")
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=e)
        dt = time.perf_counter() - t0
        _wait_for_background_compiles()
        if p.returncode != 0:
            return None, p.stderr.strip().splitlines()[-1:] or ["failed"]
        out.append(dt)
    return out, None


def _row(name, times, target=None, err=None):
    if times is None:
        print(f"  {name:<78} failed: {err[0] if err else ''}")
        return
    med = statistics.median(times)
    goal = f"  (target <= {target:g} s)" if target else ""
    print(f"  {name:<78} median {med:6.2f} s  (min {min(times):.2f}, max {max(times):.2f}, n={len(times)}){goal}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cold-runs", type=int, default=3)
    ap.add_argument("--only", choices=("warm", "cold"))
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        warm_env = {"NUMBA_CACHE_DIR": os.path.join(tmp, "numba-cache")}
        if args.only != "cold":
            print("warm (after one untimed run):")
            for name, cmd, target in WARM:
                cmd = [c.format(tmp=tmp) for c in cmd]
                subprocess.run(cmd, capture_output=True, env=dict(os.environ, **warm_env))
                _wait_for_background_compiles()  # the untimed run's, before the first timed one
                times, err = _time(cmd, warm_env, args.runs)
                _row(name, times, target, err)
            for name, cmd in PEERS:
                subprocess.run(cmd, capture_output=True)
                times, err = _time(cmd, None, args.runs)
                _row(name, times, None, err)
        if args.only != "warm":
            print("cold (an empty compile cache for every run):")
            for name, cmd, target in COLD:
                cmd = [c.format(tmp=tmp) for c in cmd]
                times, err = _time(cmd, None, args.cold_runs, cache="cold")
                _row(name, times, target, err)


if __name__ == "__main__":
    main()
