"""Load on `tianwen serve`: N concurrent porkchop requests on loopback, latency percentiles, and the health check
answered throughout.

    python benchmarks/serve.py                      # starts its own server on 127.0.0.1, 24 requests, 8 at a time
    python benchmarks/serve.py --n 64 --concurrency 16 --processes 2
    python benchmarks/serve.py --url http://127.0.0.1:8000   # an already running server (loopback only)

Every request asks for a different grid (so the cache cannot answer it); a second round repeats them to show
the cache. Then, one request at a time: the 2020 opportunity at 1-day steps in the compact form (the page's)
and the plain JSON form (sizes and times), and ``--grid`` uncached N x N porkchops through the API beside the
library computing the same grids in this process (issue 13: the API within 2x of the library). A thread polls ``GET /api/health`` every 0.2 s during the load: its latency is printed, and the run
exits with status 1 if any health check failed or took over 2 s, or if any request got a 5xx other than the
load-shedding 503. The traffic never leaves this machine, and the run is bounded (``--max-seconds``).

There are no peers' figures to print beside ours: NASA's Trajectory Browser and JPL's mission-design API are
remote services serving pre-computed results, and this benchmark sends nothing off the machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from urllib.parse import urlparse


def _get(url: str, timeout: float = 10.0):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as r:
        body = r.read()
        return r.status, time.perf_counter() - t0, body


def _post(url: str, payload: dict, timeout: float, accept: str = "*/*", encoding: str = "gzip"):
    data = json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json", "Accept-Encoding": encoding,
                                          "Accept": accept})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
            if r.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return r.status, time.perf_counter() - t0, len(body), r.headers.get("X-Compute-Seconds")
    except urllib.error.HTTPError as e:
        e.read()
        return e.code, time.perf_counter() - t0, 0, None
    except (urllib.error.URLError, TimeoutError, OSError):
        return 0, time.perf_counter() - t0, 0, None


def _pct(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(q / 100.0 * (len(s) - 1)))))
    return s[k]


def _row(name, lat, extra=""):
    return (f"{name:<24}{len(lat):>5}  p50 {_pct(lat, 50) * 1000:8.1f}  p90 {_pct(lat, 90) * 1000:8.1f}  "
            f"p99 {_pct(lat, 99) * 1000:8.1f}  max {max(lat) * 1000 if lat else float('nan'):8.1f} ms  {extra}")


def _requests(n: int, step: float) -> list[dict]:
    """N different porkchops around the 2020 and 2022 opportunities (windows shifted by whole days)."""
    out = []
    for k in range(n):
        d0, a0 = (date(2020, 5, 1), date(2020, 11, 15)) if k % 2 == 0 else (date(2022, 7, 1), date(2023, 1, 15))
        d0, a0 = d0 + timedelta(days=k // 2), a0 + timedelta(days=k // 2)
        out.append({"departure": {"start": d0.isoformat(), "end": (d0 + timedelta(days=120)).isoformat()},
                    "arrival": {"start": a0.isoformat(), "end": (a0 + timedelta(days=300)).isoformat()},
                    "step_days": step})
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=24, help="porkchop requests (each a different grid)")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    ap.add_argument("--step", type=float, default=1.0, help="grid step, days (1: 121 x 301 = 36 421 cells)")
    ap.add_argument("--processes", type=int, default=0, help="compute processes of the server it starts (0: default)")
    ap.add_argument("--url", help="benchmark this running server instead (must be on loopback)")
    ap.add_argument("--max-seconds", type=float, default=600.0, help="stop everything after this long")
    ap.add_argument("--grid", type=int, default=300, help="side of the uncached grids timed against the library")
    ap.add_argument("--repeat", type=int, default=7, help="uncached grids timed (medians are printed)")
    args = ap.parse_args(argv)
    deadline = time.time() + args.max_seconds

    proc = None
    if args.url:
        host = urlparse(args.url).hostname or ""
        if not (host == "localhost" or host.startswith("127.") or host == "::1"):
            ap.error("--url must be a loopback address (127.0.0.1, localhost, ::1)")
        base = args.url.rstrip("/")
    else:
        port = _free_port()
        cmd = [sys.executable, "-m", "tianwen", "serve", "--port", str(port), "--log-level", "warning"]
        if args.processes:
            cmd += ["--processes", str(args.processes)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.time()
        health = None
        while time.time() < deadline:
            try:
                health = json.loads(_get(base + "/api/health", 2.0)[2])
                if health["status"] == "ok" and health["workers"]["ready"] >= health["workers"]["processes"]:
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.5)
        else:
            print("server not ready before --max-seconds", file=sys.stderr)
            return 1
        w = health["workers"]
        print(f"tianwen {health['version']} at {base}: {w['processes']} compute processes ready after "
              f"{time.time() - t0:.1f} s; {os.cpu_count()} CPUs here")
        payloads = _requests(args.n, args.step)

        stop = threading.Event()
        health_lat: list[float] = []
        health_fail: list[str] = []

        def poll():
            while not stop.is_set() and time.time() < deadline:
                try:
                    status, dt, _ = _get(base + "/api/health", 5.0)
                    health_lat.append(dt)
                    if status != 200 or dt > 2.0:
                        health_fail.append(f"status {status} in {dt:.2f} s")
                except OSError as exc:
                    health_fail.append(str(exc))
                stop.wait(0.2)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        results = {}
        for phase in ("computed", "cached"):
            left = max(1.0, deadline - time.time())
            t_phase = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as ex:
                rows = list(ex.map(lambda p: _post(base + "/api/porkchop", p, left), payloads))
            results[phase] = (rows, time.perf_counter() - t_phase)
        stop.set()
        poller.join(10)

        print(f"\n{args.n} porkchop requests, {args.concurrency} at a time, step {args.step:g} d "
              f"({_cells(payloads[0]):,} cells each); latency per request:")
        bad = False
        for phase, (rows, wall) in results.items():
            ok = [r for r in rows if r[0] == 200]
            codes = {}
            for r in rows:
                codes[r[0]] = codes.get(r[0], 0) + 1
            compute = [float(r[3]) for r in ok if r[3]]
            extra = (f"{len(ok) / wall:6.2f} req/s, {sum(_cells(p) for p in payloads) / wall / 1e3:8.0f} k cells/s; "
                     f"status {dict(sorted(codes.items()))}")
            print(_row(f"porkchop ({phase})", [r[1] for r in rows], extra))
            if phase == "computed" and compute:
                print(_row("  compute in process", compute, "(X-Compute-Seconds)"))
            bad |= any(c >= 500 and c != 503 or c == 0 for c in codes)
        print(_row("health during the load", health_lat, f"failures: {len(health_fail)}"))
        if health_fail:
            print("  " + "; ".join(health_fail[:5]))
        bad |= _single(base, args, deadline)
        final = json.loads(_get(base + "/api/health", 5.0)[2])
        print(f"server after the run: {json.dumps(final['workers']['stats'])}")
        print("peers: none printed — NASA's Trajectory Browser and JPL's mission-design API are remote, "
              "pre-computed services, and this benchmark stays on loopback.")
        return 1 if (bad or health_fail or not health_lat) else 0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _raw_size(url: str, payload: dict, accept: str, timeout: float) -> tuple[int, int, float]:
    """(body bytes, gzipped bytes on the wire, seconds) of one request."""
    sizes = []
    for enc in ("identity", "gzip"):
        req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Accept": accept,
                                              "Accept-Encoding": enc})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=timeout) as r:
            sizes.append(len(r.read()))
        dt = time.perf_counter() - t0
    return sizes[0], sizes[1], dt


def _single(base: str, args, deadline: float) -> bool:
    """One request at a time: payload sizes of the 2020 opportunity, then uncached N x N grids vs the library."""
    import importlib
    import statistics

    left = max(5.0, deadline - time.time())
    opp = {"opportunity": 2020, "step_days": 1}
    print("\n2020 opportunity at 1-day steps (~73 000 cells), one request at a time:")
    for name, accept in (("compact (the page)", "application/vnd.tianwen.porkchop+json"),
                         ("JSON lists (scripts)", "application/json")):
        body, wire, dt = _raw_size(base + "/api/porkchop", opp, accept, left)
        print(f"  {name:<22} body {body / 1e6:6.3f} MB, gzipped {wire / 1e6:6.3f} MB, {dt * 1000:6.0f} ms (cached)")
    n = args.grid
    grids = []
    for k in range(args.repeat):
        d0 = date(2022, 8, 1) + timedelta(days=3 * k)
        grids.append({"departure": {"start": d0.isoformat(), "end": (d0 + timedelta(days=150)).isoformat()},
                      "arrival": {"start": (d0 + timedelta(days=200)).isoformat(),
                                  "end": (d0 + timedelta(days=650)).isoformat()}, "n": [n, n]})
    pk = importlib.import_module("tianwen.porkchop")
    pk.porkchop(("2022-08-01", "2022-08-02"), ("2023-03-01", "2023-03-02"), n=(2, 2))  # load the kernels here too
    api, compute, library = [], [], []
    for g in grids:  # the API and the library in turn, so that a change in the machine's load hits both
        # step_days is ignored with n; a value unique to this run keeps the server's cache out of it
        status, dt, _, comp = _post(base + "/api/porkchop", dict(g, step_days=1 + (time.time() % 1e4) / 1e6), left,
                                    accept="application/vnd.tianwen.porkchop+json")
        if status != 200:
            print(f"  uncached {n} x {n}: status {status}")
            return True
        api.append(dt)
        compute.append(float(comp))
        t0 = time.perf_counter()
        pk.porkchop((g["departure"]["start"], g["departure"]["end"]), (g["arrival"]["start"], g["arrival"]["end"]),
                    n=(n, n))
        library.append(time.perf_counter() - t0)
    import numba

    every = library  # a compute process uses every core, as this process does
    med = statistics.median
    print(f"uncached {n} x {n} porkchops, {len(grids)} different grids one at a time (medians):")
    print(f"  API, compact form       {med(api) * 1000:7.1f} ms   (in the compute process: {med(compute) * 1000:.1f} ms)")
    print(f"  library, in process     {med(every) * 1000:7.1f} ms   ({numba.config.NUMBA_NUM_THREADS} threads)   "
          f"ratio API / library {med(api) / med(every):.2f}")
    return False


def _cells(p: dict) -> int:
    def points(w):
        span = (date.fromisoformat(w["end"]) - date.fromisoformat(w["start"])).days
        return int(span / p["step_days"] + 1e-9) + 1

    return points(p["departure"]) * points(p["arrival"])


if __name__ == "__main__":
    sys.exit(main())
