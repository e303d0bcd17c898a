"""One-DSM transfer benchmark: tianwen.dsm beside pykep 3's ``trajopt.mga_1dsm`` + pygmo, in one run.

* Optimisations: the six one-leg Earth->Mars problems of ``tests/test_dsm.py`` (2020 fixed and free dates, with
  and without capture, the 2026 180-deg ridge capped and as a broken-plane transfer, 2022 free dates with
  capture). tianwen: ``tianwen.dsm.dsm_transfer`` (SciPy differential evolution, vectorised, + SLSQP). pykep:
  ``mga_1dsm`` (tof_encoding "direct", eta in [0.01, 0.99]) with pygmo's ``sade`` (population 40, 600
  generations, 3 seeds) + ``compass_search``, the settings whose optima the tests keep. Both read the same
  DE421 states (pykep through a user-defined planet wrapping tianwen's ephemeris), so the totals compare
  optimisers and dynamics only. Printed: seconds per optimisation and each side's best total (m/s).
* Fitness evaluations per second: tianwen's compiled batch (10,000 candidates per call, ephemeris included)
  beside pykep's ``mga_1dsm.fitness`` (one Python call per candidate).
* The 100 x 100 DSM porkchop of 2020 (launch 2020-06-15..09-15, arrival 2020-12-15..2021-09-15, C3 <= 12):
  ``tianwen.dsm.dsm_porkchop`` wall time; pykep has no DSM porkchop, so its figure is a per-cell optimisation
  (sade 200 x 20 + compass search on fixed dates) timed on ``--pykep-cells`` cells and extrapolated (said so).

    python benchmarks/dsm.py                 # [--pykep-cells 5] [--no-pykep]
    python benchmarks/dsm.py --oracle        # print pykep's optima for tests/test_dsm.py's PROBLEMS
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
from _common import exit_without_teardown, import_pykep, machine  # noqa: E402

CAPTURE = (400.0, 80000.0)
PROBLEMS = [  # (name, launch, arrival, tof_days, C3 cap, capture, count_launch): tests/test_dsm.py's PROBLEMS
    ("2020 fixed dates, C3 <= 10", "2020-07-23", "2021-02-10", None, 10.0, None, False),
    ("2020 fixed dates, C3 <= 10, capture", "2020-07-23", "2021-02-10", None, 10.0, CAPTURE, False),
    ("2020 free launch and flight time, C3 <= 10", ("2020-07-01", "2020-08-15"), None, (150.0, 250.0), 10.0, None,
     False),
    ("2026 180-deg ridge, C3 <= 12", "2026-11-10", "2027-08-08", None, 12.0, None, False),
    ("2026 180-deg ridge, broken plane (launch counted)", "2026-11-10", "2027-08-08", None, None, None, True),
    ("2022 free launch and flight time, C3 <= 15, capture", ("2022-08-15", "2022-10-15"), None, (200.0, 350.0), 15.0,
     CAPTURE, False),
]
GRID = (("2020-06-15", "2020-09-15"), ("2020-12-15", "2021-09-15"), 12.0)
JD_MJD2000 = 2451544.5


def pykep_udp(pk, problem):
    """pykep's mga_1dsm for one of PROBLEMS, on tianwen's DE421 states."""
    from tianwen.bodies import GM_SUN, body
    from tianwen.ephemeris import heliocentric_state
    from tianwen.time import Epoch, epoch

    class Planet:
        def __init__(self, name):
            self.name, b = name, body(name)
            self.mu, self.radius = b.gm_km3_s2 * 1e9, b.radius_km * 1e3

        def eph(self, ep):
            r, v = heliocentric_state(self.name, Epoch(JD_MJD2000, float(getattr(ep, "mjd2000", ep)), "tdb"))
            return [list(r[0] * 1e3), list(v[0] * 1e3)]

        def get_name(self):
            return self.name

        def get_mu_central_body(self):
            return GM_SUN * 1e9

        def get_mu_self(self):
            return self.mu

        def get_radius(self):
            return self.radius

        def get_safe_radius(self):
            return 1.1 * self.radius

    _, launch, arrival, tof, cap, capture, count_launch = problem
    lo, hi = (launch, launch) if isinstance(launch, str) else launch
    t0 = [float(epoch(d).to("tdb").jd) - JD_MJD2000 for d in (lo, hi)]
    if tof is None:
        ta = float(epoch(arrival).to("tdb").jd) - JD_MJD2000
        tof = (ta - t0[0], ta - t0[0])
    kw = {}
    if capture:
        r = body("mars").radius_km
        rp, ra = r + capture[0], r + capture[1]
        kw = dict(orbit_insertion=True, rp_target=rp * 1e3, e_target=(ra - rp) / (ra + rp))
    return pk.trajopt.mga_1dsm(seq=[pk.planet(Planet("earth")), pk.planet(Planet("mars"))], t0=t0, tof=[list(tof)],
                               vinf=[0.0, math.sqrt(cap) if cap else 10.0], add_vinf_dep=count_launch,
                               add_vinf_arr=True, tof_encoding="direct", eta_bounds=[0.01, 0.99], **kw)


def pykep_optimise(pg, udp, *, gen=600, pop=40, seeds=3, compass=3000):
    prob = pg.problem(udp)
    best = math.inf
    for s in range(seeds):
        p = pg.algorithm(pg.sade(gen=gen, ftol=0, xtol=0, seed=s + 1)).evolve(pg.population(prob, pop, seed=s + 1))
        p = pg.algorithm(pg.compass_search(max_fevals=compass, start_range=0.01, stop_range=1e-9)).evolve(p)
        best = min(best, float(p.champion_f[0]))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", action="store_true", help="print pykep's optima for tests/test_dsm.py and stop")
    ap.add_argument("--no-pykep", action="store_true", help="tianwen only")
    ap.add_argument("--pykep-cells", type=int, default=5, help="DSM-porkchop cells pykep optimises (extrapolated)")
    args = ap.parse_args()
    print(machine())
    pk = None if args.no_pykep else import_pykep()
    pg = None
    if pk is not None:
        import pygmo as pg
    if args.oracle:
        if pk is None:
            raise SystemExit("--oracle needs pykep and pygmo")
        print(json.dumps({p[0]: pykep_optimise(pg, pykep_udp(pk, p)) for p in PROBLEMS}, indent=1))
        return

    from tianwen.dsm import dsm_porkchop, dsm_transfer

    dsm_transfer("2020-07-23", "2021-02-10", max_c3_km2s2=10.0)  # warm-up: Numba compilation, DE421 loading
    rows = []
    for p in PROBLEMS:
        name, launch, arrival, tof, cap, capture, count_launch = p
        t = time.perf_counter()
        r = dsm_transfer(launch, arrival, tof_days=tof, max_c3_km2s2=cap, capture=capture, count_launch=count_launch)
        tw = (time.perf_counter() - t, r.total_dv_kms * 1000.0)
        pkr = (math.nan, math.nan)
        if pk is not None:
            t = time.perf_counter()
            best = pykep_optimise(pg, pykep_udp(pk, p))
            pkr = (time.perf_counter() - t, best)
        rows.append((name, tw, pkr))

    print("\nOne-DSM optimisations (seconds each; best total m/s)")
    print(f"{'problem':<52} {'tianwen s':>9} {'tianwen m/s':>12} {'pykep s':>8} {'pykep m/s':>12}")
    for name, (ts, tv), (ps, pv) in rows:
        print(f"{name:<52} {ts:9.2f} {tv:12.3f} {ps:8.2f} {pv:12.3f}")
    tsum = sum(r[1][0] for r in rows)
    print(f"tianwen: {len(rows) / tsum:.2f} optimisations/s"
          + (f"; pykep + pygmo: {len(rows) / sum(r[2][0] for r in rows):.3f} optimisations/s" if pk else ""))

    # Fitness evaluations per second.
    from tianwen.dsm import DEFAULT_VINF_MAX_KMS, Problem, costs

    prob = Problem("earth", "mars", ("2020-07-01", "2020-08-15"), None, DEFAULT_VINF_MAX_KMS, costs(), "de421",
                   tof_days=(150.0, 250.0))
    rng = np.random.default_rng(1)
    lo, hi = np.array(prob.de_bounds()).T
    z = (lo + rng.random((10_000, lo.size)) * (hi - lo)).T
    prob.de_cost(z)
    t = time.perf_counter()
    for _ in range(5):
        prob.de_cost(z)
    rate = 5 * 10_000 / (time.perf_counter() - t)
    line = f"\nfitness: tianwen {rate:,.0f} evaluations/s (batches of 10,000, DE421 included)"
    if pk is not None:
        udp = pykep_udp(pk, PROBLEMS[2])
        plo, phi = (np.array(b) for b in udp.get_bounds())
        xs = plo + rng.random((2000, plo.size)) * (phi - plo)
        t = time.perf_counter()
        for x in xs:
            udp.fitness(x)
        line += f"; pykep mga_1dsm.fitness {len(xs) / (time.perf_counter() - t):,.0f} evaluations/s"
    print(line)

    # The 100 x 100 DSM porkchop.
    dep, arr, cap = GRID
    t = time.perf_counter()
    g = dsm_porkchop(dep, arr, n=(100, 100), max_c3_km2s2=cap)
    tg = time.perf_counter() - t
    print(f"\nDSM porkchop 100 x 100 (launch {dep[0]}..{dep[1]}, arrival {arr[0]}..{arr[1]}, C3 <= {cap}): "
          f"tianwen {tg:.1f} s, minimum total {np.nanmin(g['total_dv']):.4f} km/s")
    if pk is not None and args.pykep_cells > 0:
        from tianwen.time import epoch

        cells = rng.integers(0, 100, size=(args.pykep_cells, 2))
        t = time.perf_counter()
        worst = -math.inf
        for i, j in cells:
            d = str(g.departure[i])[:19]
            a = str(g.arrival[j])[:19]
            if float(epoch(a).jd - epoch(d).jd) < 20:
                continue
            best = pykep_optimise(pg, pykep_udp(pk, ("cell", d, a, None, cap, None, False)), gen=200, pop=20, seeds=1,
                                  compass=2000)
            worst = max(worst, g["total_dv"][i, j] * 1000.0 - best)
        per = (time.perf_counter() - t) / len(cells)
        print(f"pykep + pygmo: {per:.2f} s per cell on {len(cells)} cells -> ~{per * 1e4 / 60:.0f} min for 100 x 100 "
              f"(extrapolated); tianwen's cell minus pykep's, worst: {worst:+.3f} m/s")


if __name__ == "__main__":
    main()
    exit_without_teardown(0)
