"""One-DSM transfers, broken-plane transfers and DSM porkchops (tianwen.dsm) against pykep 3 and two-body physics.

The oracle is ESA's pykep 3 (``trajopt.mga_1dsm``, the MGA-1DSM transcription of Izzo 2010 that tianwen.dsm
follows for one leg, optimised by pygmo), run in a subprocess: pykep 3.0.1's PyPI wheel lacks data files that its
import reads (the workaround of benchmarks/_common.py is repeated below), and with its extension modules loaded
the interpreter can abort at exit ("corrupted double-linked list"), which a subprocess leaving by ``os._exit``
keeps away from pytest. Both sides read the same planets: pykep's user-defined planet below returns tianwen's
DE421 states, so the comparison is of the optimisers and the two-body dynamics, not of ephemerides.
"""

from __future__ import annotations

import importlib.util
import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from tianwen.bodies import GM_SUN, body
from tianwen.dsm import broken_plane_transfer, c3_cap, dsm_porkchop, dsm_transfer
from tianwen.errors import TianwenError
from tianwen.kepler import propagate
from tianwen.porkchop import transfer
from tianwen.time import epoch

ROOT = pathlib.Path(__file__).resolve().parents[1]
R_MARS = body("mars").radius_km
CAPTURE = (400.0, 80000.0)  # capture orbit altitudes, km (a 400 km x 80,000 km ellipse)

#: (name, launch, arrival or None, tof_days or None, C3 cap or None (v-infinity <= 10 km/s), capture, count_launch,
#:  pykep's best total in m/s). pykep's figure: pykep 3.0.1 trajopt.mga_1dsm (tof_encoding "direct",
#: eta_bounds [0.01, 0.99], v-infinity bounds [0, sqrt(cap)] km/s, orbit_insertion with rp and e of CAPTURE,
#: add_vinf_dep = count_launch), pygmo 2.20 sade (gen 600, population 40) from 3 seeds, each polished by
#: compass_search (3000 evaluations), planets = tianwen DE421 (epochs TDB, MJD2000 = JD - 2451544.5).
#: Regenerate with ``python benchmarks/dsm.py --oracle`` (a minute or two).
PROBLEMS = [
    ("2020 fixed dates, C3 <= 10", "2020-07-23", "2021-02-10", None, 10.0, None, False, 3153.0526654353935),
    ("2020 fixed dates, C3 <= 10, capture", "2020-07-23", "2021-02-10", None, 10.0, CAPTURE, False,
     1295.8951575390624),
    ("2020 free launch and flight time, C3 <= 10", ("2020-07-01", "2020-08-15"), None, (150.0, 250.0), 10.0, None,
     False, 2726.4695939863586),
    ("2026 180-deg ridge, C3 <= 12", "2026-11-10", "2027-08-08", None, 12.0, None, False, 2923.4291707967536),
    ("2026 180-deg ridge, broken plane (launch counted)", "2026-11-10", "2027-08-08", None, None, None, True,
     6149.115389815398),
    ("2022 free launch and flight time, C3 <= 15, capture", ("2022-08-15", "2022-10-15"), None, (200.0, 350.0), 15.0,
     CAPTURE, False, 773.9477245423413),
]
IDS = [p[0] for p in PROBLEMS]
JD_MJD2000 = 2451544.5


@pytest.fixture(scope="module")
def solved():
    out = []
    for _, launch, arrival, tof, cap, capture, count_launch, _ in PROBLEMS:
        out.append(dsm_transfer(launch, arrival, tof_days=tof, max_c3_km2s2=cap, capture=capture,
                                count_launch=count_launch))
    return out


ORACLE = r'''
import builtins, importlib, io, json, os, sys, time
import numpy as np

real_open = io.open
def patched_open(file, mode="r", *a, **k):   # pykep 3.0.1's wheel lacks trajopt/gym/_tops_*.json (read at import)
    p = os.fspath(file) if isinstance(file, (str, os.PathLike)) else None
    if p and "r" in str(mode) and os.path.basename(p).startswith("_tops_") and not os.path.exists(p):
        return io.StringIO("{}")
    return real_open(file, mode, *a, **k)
io.open = builtins.open = patched_open
import pykep as pk
io.open = builtins.open = real_open
import pygmo as pg
from tianwen.bodies import GM_SUN, body
from tianwen.ephemeris import heliocentric_state
from tianwen.time import Epoch

class Planet:   # a pykep user-defined planet reading tianwen's DE421 (metres, m/s)
    def __init__(self, name):
        self.name, b = name, body(name)
        self.mu, self.radius = b.gm_km3_s2 * 1e9, b.radius_km * 1e3
    def eph(self, ep):
        r, v = heliocentric_state(self.name, Epoch(2451544.5, float(getattr(ep, "mjd2000", ep)), "tdb"), "de421")
        return [list(r[0] * 1e3), list(v[0] * 1e3)]
    def get_name(self): return self.name
    def get_mu_central_body(self): return GM_SUN * 1e9
    def get_mu_self(self): return self.mu
    def get_radius(self): return self.radius
    def get_safe_radius(self): return 1.1 * self.radius

out = []
for p in json.load(sys.stdin):
    seq = [pk.planet(Planet("earth")), pk.planet(Planet("mars"))]
    kw = dict(orbit_insertion=True, rp_target=p["rp_m"], e_target=p["e"]) if p.get("rp_m") else {}
    udp = pk.trajopt.mga_1dsm(seq=seq, t0=list(p["t0"]), tof=[list(p["tof"])], vinf=[0.0, p["vmax"]],
                              add_vinf_dep=p["count_launch"], add_vinf_arr=True, tof_encoding="direct",
                              eta_bounds=[0.01, 0.99], **kw)
    x = p["x"]
    res = {"fitness_ms": float(udp.fitness(x)[0])}
    # tianwen's trajectory flown by pykep: launch, propagate_lagrangian, DSM, propagate_lagrangian.
    T, mu = x[5], GM_SUN * 1e9
    r0, v0 = seq[0].eph(x[0])
    th, ph = 2 * np.pi * x[1], np.arccos(2 * x[2] - 1) - np.pi / 2
    vi = x[3] * np.array([np.cos(ph) * np.cos(th), np.cos(ph) * np.sin(th), np.sin(ph)])
    r, v = pk.propagate_lagrangian([r0, list(np.array(v0) + vi)], x[4] * T * 86400.0, mu)
    r, v = pk.propagate_lagrangian([r, list(np.array(v) + np.array(p["dsm_ms"]))], (1 - x[4]) * T * 86400.0, mu)
    ra, _ = seq[1].eph(x[0] + T)
    res["miss_km"] = float(np.linalg.norm(np.array(r) - np.array(ra)) / 1e3)
    if p.get("optimise"):
        prob = pg.problem(udp)
        pop = pg.algorithm(pg.sade(gen=200, ftol=0, xtol=0, seed=1)).evolve(pg.population(prob, 20, seed=1))
        pop = pg.algorithm(pg.compass_search(max_fevals=2000, start_range=0.01, stop_range=1e-9)).evolve(pop)
        res["live_best_ms"] = float(pop.champion_f[0])
    out.append(res)
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)
'''


def _chromosome(t) -> list[float]:
    """pykep's mga_1dsm decision vector [t0 MJD2000, u, v, Vinf m/s, eta, T days] of a tianwen transfer."""
    v = np.asarray(t.vinf_dep_kms)
    n = float(np.linalg.norm(v))
    lat = math.asin(v[2] / n)
    return [float(t.launch.jd1 - JD_MJD2000 + t.launch.jd2), (math.atan2(v[1], v[0]) / (2 * math.pi)) % 1.0,
            (1.0 - math.sin(lat)) / 2.0, n * 1000.0, float(t.eta), float(t.tof_days)]


@pytest.fixture(scope="module")
def pykep_results(solved):
    if importlib.util.find_spec("pykep") is None or importlib.util.find_spec("pygmo") is None:
        pytest.skip("pykep/pygmo not installed (pip install -e '.[test]')")
    problems = []
    for (name, launch, arrival, tof, cap, capture, count_launch, _), t in zip(PROBLEMS, solved):
        lo, hi = (launch, launch) if isinstance(launch, str) else launch
        t0 = [float(epoch(d).to("tdb").jd) - JD_MJD2000 for d in (lo, hi)]
        if tof is None:
            ta = float(epoch(arrival).to("tdb").jd) - JD_MJD2000
            tof = (ta - t0[0], ta - t0[0])
        q = dict(t0=t0, tof=list(tof), vmax=math.sqrt(cap) if cap else 10.0, count_launch=count_launch,
                 x=_chromosome(t), dsm_ms=list(np.asarray(t.dsm_dv_kms) * 1000.0), optimise="ridge" in name)
        if capture:
            rp, ra = R_MARS + capture[0], R_MARS + capture[1]
            q.update(rp_m=rp * 1e3, e=(ra - rp) / (ra + rp))
        problems.append(q)
    p = subprocess.run([sys.executable, "-c", ORACLE], input=json.dumps(problems), capture_output=True, text=True,
                       timeout=600, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout)


@pytest.mark.parametrize("k", range(len(PROBLEMS)), ids=IDS)
def test_optimum_at_least_as_good_as_pykep(solved, k):
    """tianwen's optimum is within 1 m/s of pykep 3 + pygmo's best (3 x 600 generations of self-adaptive DE and a
    compass search, PROBLEMS' comment), or better. 1 m/s is the issue's tolerance; the two agree to 1e-5 m/s
    where both find the same optimum."""
    pykep_ms = PROBLEMS[k][-1]
    assert solved[k].total_dv_kms * 1000.0 <= pykep_ms + 1.0


@pytest.mark.parametrize("k", range(len(PROBLEMS)), ids=IDS)
def test_pykep_prices_and_flies_tianwens_solution_alike(solved, pykep_results, k):
    """pykep's own mga_1dsm fitness of tianwen's decision vector equals tianwen's total within 1 cm/s (both solve
    the same Lambert and Kepler problems to ~1e-12 relative; 1 cm/s leaves room only for their convergence
    tolerances), and pykep's propagate_lagrangian flies tianwen's launch state and DSM to within 100 km of Mars
    (the issue's bound; a Lambert arc closes to metres)."""
    res = pykep_results[k]
    assert res["fitness_ms"] == pytest.approx(solved[k].total_dv_kms * 1000.0, abs=1e-2)
    assert res["miss_km"] < 100.0


@pytest.mark.parametrize("k", [i for i, p in enumerate(PROBLEMS) if "ridge" in p[0]], ids=lambda k: IDS[k])
def test_live_pykep_search_finds_nothing_better(solved, pykep_results, k):
    """A live pykep + pygmo search on the 180-deg-ridge problems (sade 200 generations x 20, compass search) does
    not beat tianwen by more than the issue's 1 m/s."""
    assert solved[k].total_dv_kms * 1000.0 <= pykep_results[k]["live_best_ms"] + 1.0


@pytest.mark.parametrize("k", range(len(PROBLEMS)), ids=IDS)
def test_tianwen_kepler_flies_the_solution_to_the_target(solved, k):
    """tianwen.kepler.propagate (universal variables) flies the launch state for eta * tof, adds the DSM, flies the
    rest, and arrives within 100 km of the target's DE421 position (the issue's bound); the cap holds."""
    t = solved[k]
    tof_s = t.tof_days * 86400.0
    r, v = propagate(t.r_launch_km, t.v_launch_kms, t.eta * tof_s, GM_SUN)
    assert np.linalg.norm(r - t.r_dsm_km) < 1.0
    r, v = propagate(r, v + t.dsm_dv_kms, (1.0 - t.eta) * tof_s, GM_SUN)
    assert np.linalg.norm(r - t.r_arrival_km) < 100.0
    cap = PROBLEMS[k][4]
    assert t.c3_km2s2 <= (cap if cap is not None else 100.0) + 1e-9
    assert t.c3_km2s2 == pytest.approx(float(np.dot(t.vinf_dep_kms, t.vinf_dep_kms)), rel=1e-12)


@pytest.mark.parametrize("launch,arrival", [("2020-07-23", "2021-02-10"), ("2026-11-01", "2027-08-20")])
def test_ballistic_limit(launch, arrival):
    """With the C3 cap above the ballistic arc's C3, the DSM vanishes (<= 1 m/s, the issue's bound) and the
    ballistic Lambert arc (tianwen.porkchop.transfer) is returned: launch and arrival v-infinity vectors equal
    its own within 1 m/s. Away from the 180-deg ridge the ballistic arc is the optimum of DSM + arrival v-infinity
    (Lawden's primer vector stays below 1), so no cheaper arc exists for the search to find."""
    b = transfer("earth", "mars", launch, arrival)
    t = dsm_transfer(launch, arrival, max_c3_km2s2=b.c3_km2s2 + 2.0)
    assert t.dsm_dv_total_kms <= 1e-3
    assert np.linalg.norm(t.vinf_dep_kms - (b.v1_kms - b.origin_v_kms)) <= 1e-3
    assert np.linalg.norm(t.vinf_arr_kms - (b.v2_kms - b.target_v_kms)) <= 1e-3
    assert t.total_dv_kms == pytest.approx(b.vinf_arr_kms, abs=1e-3)
    assert t.ballistic_total_dv_kms == pytest.approx(b.vinf_arr_kms, abs=1e-9)


def test_near_the_ridge_a_dsm_beats_the_uncapped_ballistic_arc():
    """2022-09-15 -> 2023-06-20 lies by the 180-deg ridge (173 deg; ballistic C3 ~70 km^2/s^2, arrival v-infinity
    ~5 km/s): there the ballistic arc is no optimum even without a cap, and a DSM saves over 2 km/s. A property the ballistic
    limit must not be read as excluding."""
    b = transfer("earth", "mars", "2022-09-15", "2023-06-20")
    assert abs(b.transfer_angle_deg - 180.0) < 10.0 and b.c3_km2s2 > 60.0
    t = dsm_transfer("2022-09-15", "2023-06-20", max_c3_km2s2=b.c3_km2s2 + 5.0)
    assert t.total_dv_kms < b.vinf_arr_kms - 2.0
    assert t.dsm_dv_total_kms > 0.1


def test_broken_plane_is_a_plane_change_ninety_degrees_before_arrival(solved):
    """The 2026 broken-plane optimum (the ridge case, launch v-infinity counted) is a plane change: the DSM lies
    along the pre-DSM orbit's angular momentum (> 95 % of it), about 90 deg of heliocentric travel before arrival
    (within 5 deg), where the classical broken-plane construction puts the node so the target's out-of-plane
    offset is removed by the smallest rotation; it costs about half the ballistic arc (pykep's optimum, PROBLEMS)."""
    t = solved[IDS.index("2026 180-deg ridge, broken plane (launch counted)")]
    h = np.cross(t.r_dsm_km, t.v_dsm_before_kms)
    h /= np.linalg.norm(h)
    assert abs(float(t.dsm_dv_kms @ h)) / t.dsm_dv_total_kms > 0.95
    cosang = float(t.r_dsm_km @ t.r_arrival_km) / (np.linalg.norm(t.r_dsm_km) * np.linalg.norm(t.r_arrival_km))
    assert abs(math.degrees(math.acos(cosang)) - 90.0) < 5.0
    assert t.total_dv_kms < 0.6 * t.ballistic_total_dv_kms
    again = broken_plane_transfer("2026-11-10", "2027-08-08")
    assert again.total_dv_kms == pytest.approx(t.total_dv_kms, abs=1e-6)


def test_dsm_porkchop_cells_against_the_global_search_and_the_ballistic_grid():
    """A 12 x 12 DSM porkchop of 2020 under C3 <= 20: every cell costs no more than its ballistic arc (a feasible
    point of the cell's problem), and sampled cells equal the global search of dsm_transfer (differential evolution
    + SLSQP, a different optimiser path) within 1 m/s."""
    g = dsm_porkchop(("2020-06-20", "2020-09-10"), ("2020-12-20", "2021-08-31"), n=(12, 12), max_c3_km2s2=20.0)
    tot, bal = g["total_dv"], g["ballistic_total_dv"]
    assert np.isfinite(tot).all()
    ok = np.isfinite(bal)
    assert ok.sum() > 10
    assert np.all(tot[ok] <= bal[ok] + 1e-6)  # 1 mm/s: the ballistic arc re-flown as coast + Lambert agrees to ~1e-9
    assert np.all(g["c3"] <= 20.0 + 1e-9)
    for i, j in [(0, 0), (3, 8), (6, 5), (11, 11), (9, 2)]:
        t = dsm_transfer(epoch(g.departure[i]), epoch(g.arrival[j]), max_c3_km2s2=20.0)
        assert tot[i, j] * 1000.0 <= t.total_dv_kms * 1000.0 + 1.0
    ds = g.to_dataset()
    assert ds["total_dv"].attrs["units"] == "km/s" and "ballistic_c3" in ds


def test_dsm_porkchop_ridge_cell_matches_pykep():
    """The DSM porkchop's cell at 2026-11-10 / 2027-08-08 under C3 <= 12 (warm-started SLSQP) is as good as
    pykep's optimum of the same fixed-date problem (PROBLEMS), within 1 m/s."""
    g = dsm_porkchop(("2026-11-10", "2026-11-16"), ("2027-08-08", "2027-08-14"), n=(4, 4), max_c3_km2s2=12.0)
    assert g["total_dv"][0, 0] * 1000.0 <= PROBLEMS[3][-1] + 1.0


def test_vehicle_cap_is_the_launch_vehicles_c3_for_the_payload():
    """c3_cap(vehicle, payload) is tianwen.launch's Vehicle.max_c3_km2s2 (the largest C3 on the published curve
    that still lifts the payload); the tighter of it and an explicit cap wins."""
    from tianwen.launch import vehicle

    cap = c3_cap(vehicle="atlas-v-541", payload_kg=4000.0)
    assert cap == pytest.approx(vehicle("atlas-v-541").max_c3_km2s2(4000.0))
    assert c3_cap(5.0, "atlas-v-541", 4000.0) == 5.0


@pytest.mark.parametrize("kwargs,match", [
    (dict(launch="2020-07-23", arrival="2021-02-10", max_c3_km2s2=-1.0), "max_c3_km2s2"),
    (dict(launch=("2020-08-01", "2020-07-01"), arrival="2021-02-10"), "reversed"),
    (dict(launch="2020-07-23", arrival="2021-02-10", tof_days=200.0), "exactly one"),
    (dict(launch="2020-07-23", arrival="2021-02-10", capture=(400.0, 100.0)), "periapsis"),
    (dict(launch="2020-07-23", arrival="2021-02-10", vehicle="atlas-v-541"), "payload_kg"),
])
def test_errors_name_the_value(kwargs, match):
    """Bad input is one TianwenError line naming the parameter (CONTRIBUTING.md, rule 6)."""
    with pytest.raises(TianwenError, match=match) as info:
        dsm_transfer(**kwargs)
    assert "\n" not in str(info.value)


def test_cli_transfer_dsm_json(cli):
    """`tianwen transfer --dsm ... --json` prints the issue's keys; the numbers are the library's (rounded at the
    edge): C3 = |vinf_dep|^2, total = DSM + arrival; bad input exits 2 with one line."""
    r = cli("transfer", "--dsm", "--launch", "2020-07-23", "--arrive", "2021-02-10", "--max-c3", "10", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    keys = ["launch_utc", "arrival_utc", "c3_km2s2", "vinf_dep_kms", "dla_deg", "rla_deg", "dsm_utc", "dsm_dv_kms",
            "dsm_dv_total_kms", "vinf_arr_kms", "arrival_dv_kms", "total_dv_kms"]
    assert all(k in rec for k in keys)
    assert rec["c3_km2s2"] == pytest.approx(sum(x * x for x in rec["vinf_dep_kms"]), abs=1e-5)
    assert rec["total_dv_kms"] == pytest.approx(PROBLEMS[0][-1] / 1000.0, abs=1e-3)
    assert rec["dsm_dv_total_kms"] == pytest.approx(math.hypot(*rec["dsm_dv_kms"]), abs=1e-5)
    bad = cli("transfer", "--dsm", "--launch", "2020-07-23", "--arrive", "2021-02-10", "--max-c3", "-1")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


# --- Tianwen-1 with its real deep-space manoeuvre (tianwen.reconstruct_dsm) ----------------------------------------

@pytest.fixture(scope="module")
def tw1():
    from tianwen.reconstruct_dsm import reconstruct_dsm

    return reconstruct_dsm("tianwen-1")


def test_burn_dv_tends_to_thrust_times_time_over_mass():
    """The rocket equation of burn_dv against its short-burn limit F t / m (first order in the propellant
    fraction): TCM-1's 20 s of 3000 N on 5000 kg is 12.0 m/s, within 0.3 % (the second-order term is half the
    propellant fraction, 0.2 %); a longer burn is always more than F t / m0."""
    from tianwen.reconstruct_dsm import burn_dv

    dv, used = burn_dv(3000.0, 20.0, 5000.0, 315.0)
    assert dv * 1000.0 == pytest.approx(3000.0 * 20.0 / 5000.0, rel=3e-3)
    assert used == pytest.approx(3000.0 * 20.0 / (315.0 * 9.80665), rel=1e-12)
    assert burn_dv(3000.0, 480.0, 5000.0, 315.0)[0] > 3000.0 * 480.0 / 5000.0 / 1000.0


def test_tianwen1_dsm_burn_implies_about_0p3_kms(tw1):
    """CNSA (tianwen-1.toml): the 3000 N engine burned over 480 s on 2020-10-09, on a spacecraft of about 5 t,
    after TCM-1 (20 s on the 3000 N engine) and TCM-2 (20 s on four 120 N thrusters). With the assumed Isp of 315 s
    that is 0.30 km/s (the issue's "roughly 0.3 km/s"); the reconstruction's DSM is that burn."""
    assert tw1.dsm_burn.dv_kms == pytest.approx(0.304, abs=0.002)
    assert tw1.transfer.dsm_dv_total_kms == pytest.approx(tw1.dsm_burn.dv_kms, abs=1e-4)
    assert tw1.transfer.dsm.utc_iso().startswith("2020-10-09T14:56")


def test_tianwen1_design_launch_matches_the_independent_orbit_fit(tw1):
    """The launch C3 that the design needs for the published DSM (with the published launch epoch and MOI
    conditions) against Bill Gray's Find_Orb fit of the escape hyperbola to tracking (tianwen-1.toml
    [escape_orbit_fit]; C3 = GM (e - 1)/q = 11.965 km^2/s^2): within 1 %, where the ballistic arc of the same
    dates needs 13.41 (12 % off). The asymptote within 2 deg: the fit is an osculating geocentric hyperbola at
    perigee, our v-infinity a patched-conic one at the Earth's centre, and the design's two free directions are
    closed by an optimality assumption (tianwen.reconstruct's n-body departure already differs from its own
    patched conic by up to 0.5 deg)."""
    fit = tw1.launch_fit
    assert fit["c3_km2s2"] == pytest.approx(11.965, abs=1e-3)
    assert tw1.transfer.c3_km2s2 == pytest.approx(fit["c3_km2s2"], rel=0.01)
    b = transfer("earth", "mars", tw1.transfer.launch, tw1.transfer.arrival)
    assert b.c3_km2s2 > 1.1 * fit["c3_km2s2"]  # the ballistic arc of the same dates is far off the fit
    assert abs(tw1.transfer.dla_deg - fit["dla_deg"]) < 2.0
    assert abs((tw1.transfer.rla_deg - fit["rla_deg"] + 180.0) % 360.0 - 180.0) < 2.0


def test_tianwen1_dsm_predicted_from_the_fitted_launch_c3():
    """The other direction, which assumes nothing about the DSM's size: the one-DSM design optimum between the
    published launch and MOI epochs, with the DSM on its published date and the launch C3 capped at the Find_Orb
    fit's, needs a DSM within 10 % of the burn-implied 0.304 km/s (the issue's bound)."""
    from tianwen.reconstruct_dsm import escape_fit

    launch, arrival = epoch("2020-07-23T04:41:15").to("tdb"), (epoch("2021-02-10T11:52:00") + 7.5 / 1440).to("tdb")
    dsm = (epoch("2020-10-09T15:00:00") - 240.0 / 86400.0).to("tdb")
    eta = float(dsm - launch) / float(arrival - launch)
    t = dsm_transfer(launch, arrival, max_c3_km2s2=escape_fit()["c3_km2s2"], capture=(400.0, 179242.7),
                     eta_bounds=(eta, eta))
    assert t.dsm_dv_total_kms == pytest.approx(0.304, rel=0.10)


def test_tianwen1_moi_burn_duration_with_the_dsm(tw1):
    """CNSA: the MOI burn on the 3000 N engine lasted about 15 minutes. With the mass left after TCM-1, TCM-2 and
    the DSM (about 4.51 t of the 5 t launch mass) and the arrival v-infinity of the DSM design, the finite burn
    into the published 400 km x 10 day orbit (tianwen.arrival.finite_burn) must last 15 min within 10 % (the
    issue's bound; tianwen.reconstruct's ballistic cruise gives 18.5 min)."""
    cap = tw1.capture
    assert cap["mass_at_arrival_kg"] == pytest.approx(4511.0, abs=5.0)
    assert cap["finite_burn_duration_min"] == pytest.approx(15.0, rel=0.10)
    assert cap["finite_burn_dv_kms"] > cap["dv_impulsive_kms"]


def test_tianwen1_distances_at_the_published_dates(tw1):
    """CNSA's distances from the Earth at the DSM (29.4 million km), TCM-3 (about 44 million) and TCM-4 (about
    184 million), and from Mars at TCM-4 (about 1.1 million), on the designed trajectory: within 1 % for the Earth
    (the issue's bound) and 10 % for the two-digit Mars figure."""
    rows = {(d["event"], d["from"]): d["ratio"] for d in tw1.distances}
    assert len(rows) == 4
    for (event, centre), ratio in rows.items():
        assert abs(ratio - 1.0) < (0.01 if centre == "earth" else 0.10), (event, centre)
    assert all(a for a in tw1.assumptions)  # every assumption is spelled out
    assert "Isp" in tw1.capture["assumption"]


def test_tianwen1_orbits_after_capture_against_their_published_periods(tw1):
    """The published orbits after MOI (tianwen-1.toml: 400 km x 10 d capture; 265 km polar orbit of 15 Feb; 280 x
    59,000 km parking orbit of 24 Feb, "about two Martian days"; 265 x 10,700 km remote-sensing orbit of 8 Nov 2021,
    "about 7.08 hours", China News Service citing CNSA) with their Kepler periods: the remote-sensing orbit within
    1 % of 7.08 h (its figures have 3-4 digits), the parking orbit within 5 % of two sols (an "about" figure beside
    a rounded 59,000 km apoapsis: 2.6 % apart)."""
    rows = {r["label"]: r for r in tw1.phases}
    rso, park = rows["Remote-sensing orbit"], rows["Entry into parking orbit"]
    assert rso["period_h"] == pytest.approx(7.08, rel=0.01)
    assert park["period_h"] == pytest.approx(2 * 88775.244 / 3600.0, rel=0.05)
    assert [r["label"] for r in tw1.phases][0].startswith("Mars orbit insertion")
    assert tw1.phases[0]["dv_kms"] == pytest.approx(tw1.capture["dv_impulsive_kms"], abs=1e-5)
    assert all(r["dv_kms"] > 0 for r in tw1.phases)


def test_tianwen1_phase_dv_from_orbit_state_vectors(tw1):
    """The Δv between two published orbits, rebuilt from state vectors (tianwen.kepler.coe2rv, an independent
    route from the vis-viva speeds of tianwen.reconstruct_dsm): orbits with a common line of apsides along the
    line of nodes; burn 1 at the periapsis sets the new apoapsis, burn 2 at the new apoapsis sets the new
    periapsis and inclination. Both sums must agree to 1 mm/s."""
    from tianwen.bodies import BODIES
    from tianwen.kepler import coe2rv

    mu, rad = BODIES["mars"].gm_km3_s2, BODIES["mars"].radius_km

    def v_at(rp, ra, inc_deg, nu):
        rp, ra = rad + rp, rad + ra
        e = (ra - rp) / (ra + rp)
        r, v = coe2rv(rp * (1 + e), e, math.radians(inc_deg), 0.0, 0.0, nu, mu)
        return np.asarray(r), np.asarray(v)

    for prev, row in zip(tw1.phases, tw1.phases[1:]):
        r0, va = v_at(prev["periapsis_alt_km"], prev["apoapsis_alt_km"], prev["inclination_deg"], 0.0)
        _, vb = v_at(prev["periapsis_alt_km"], row["apoapsis_alt_km"], prev["inclination_deg"], 0.0)
        r1, vc = v_at(prev["periapsis_alt_km"], row["apoapsis_alt_km"], prev["inclination_deg"], math.pi)
        r2, vd = v_at(row["periapsis_alt_km"], row["apoapsis_alt_km"], row["inclination_deg"], math.pi)
        assert np.linalg.norm(r1 - r2) < 1e-6 * np.linalg.norm(r1)  # the second burn is at one point
        total = np.linalg.norm(vb - va) + np.linalg.norm(vd - vc)
        assert total == pytest.approx(row["dv_kms"], abs=1e-5), row["label"]


def test_cli_transfer_mission(cli):
    """`tianwen transfer --mission tianwen-1 --json` is reconstruct_dsm's record (the launch beside the independent
    fit, the DSM beside its burn, the capture, the orbit phases, the assumptions); Hope, which flew no DSM, is a
    one-line error (exit 2)."""
    r = cli("transfer", "--mission", "tianwen-1", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["launch"]["independent_fit"]["source"] == ["tw1-findorb"]
    assert rec["dsm"]["dv_kms"] == pytest.approx(rec["dsm"]["burn_implied_dv_kms"], abs=1e-4)
    assert len(rec["orbit_phases"]) == 4 and rec["assumptions"]
    bad = cli("transfer", "--mission", "hope")
    assert bad.returncode == 2 and "no published deep-space manoeuvre" in bad.stderr


def test_departure_burn_from_a_parking_orbit_is_the_oberth_burn():
    """With ``parking_alt_km`` the launch is priced as the burn from a circular parking orbit onto the departure
    hyperbola, dv = sqrt(v_inf^2 + 2 mu / r) - sqrt(mu / r) (Vallado 2013, eq. 12-4 with a circular initial orbit):
    recomputed here from the transfer's own launch v-infinity. (The burn once came out as the full periapsis speed,
    11 km/s, because the circular orbit's apoapsis was passed as zero.)"""
    earth = body("earth")
    r = earth.radius_km + 200.0
    t = broken_plane_transfer("2026-11-10", "2027-08-08", parking_alt_km=200.0)
    v = float(np.linalg.norm(t.vinf_dep_kms))
    expected = math.sqrt(v * v + 2.0 * earth.gm_km3_s2 / r) - math.sqrt(earth.gm_km3_s2 / r)
    assert t.departure_dv_kms == pytest.approx(expected, abs=1e-9)
    assert 3.0 < t.departure_dv_kms < 4.5  # trans-Mars injection from LEO: 3.6 km/s at C3 ~ 10
    assert t.total_dv_kms == pytest.approx(t.departure_dv_kms + t.dsm_dv_total_kms + float(
        np.linalg.norm(t.vinf_arr_kms)), abs=1e-9)


def test_broken_plane_porkchop_closes_the_ridge_and_its_optima():
    """`porkchop --broken-plane` on the 2026 opportunity (8 x 8 cells, parking and capture orbits assumed): every
    broken-plane cell costs no more than its ballistic arc (the ballistic arc is a feasible plane change of zero),
    some cell on the 180-deg ridge is cheaper by more than 100 m/s, and the printed optima are the least cells of
    the two maps recomputed here from the grid the library returns."""
    from tianwen.dsm import grid_optima

    g = dsm_porkchop(("2026-09-01", "2026-12-30"), ("2027-06-01", "2027-11-30"), n=(8, 8), count_launch=True,
                     parking_alt_km=200.0, capture=(400.0, 400.0))
    tot, bal = g["total_dv"], g["ballistic_total_dv"]
    ok = np.isfinite(bal) & np.isfinite(tot)
    assert np.all(tot[ok] <= bal[ok] + 1e-6)
    assert np.nanmax(bal - tot) > 0.1
    best = {o.kind: o for o in grid_optima(g)}
    assert best["broken-plane"].total_dv_kms == pytest.approx(np.nanmin(tot), abs=1e-12)
    assert best["ballistic"].total_dv_kms == pytest.approx(np.nanmin(bal), abs=1e-12)
    i, j = np.unravel_index(int(np.nanargmin(tot)), tot.shape)
    assert (best["broken-plane"].departure, best["broken-plane"].arrival) == (g.departure[i], g.arrival[j])


def test_cli_broken_plane_porkchop(cli, tmp_path):
    """The CLI prints the two optima with the assumed orbits named, writes the side-by-side figure, and refuses
    a grid of one cell and a format the figure cannot take (exit 2, one line)."""
    r = cli("porkchop", "--opportunity", "2026", "--broken-plane", "--cells", "6", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [o["kind"] for o in d["optima"]] == ["ballistic", "broken-plane"]
    assert d["assumed"] == ["200 km circular parking orbit", "400 km circular capture orbit"]
    assert d["optima"][1]["total_dv_kms"] <= d["optima"][0]["total_dv_kms"] + 1e-4
    png = tmp_path / "ridge.png"
    r = cli("porkchop", "--opportunity", "2026", "--broken-plane", "--cells", "6", "--out", str(png))
    assert r.returncode == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for bad in (["--cells", "1"], ["--out", str(tmp_path / "x.html")]):
        r = cli("porkchop", "--opportunity", "2026", "--broken-plane", *bad)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_a_plane_change_of_nothing_that_saves_something_is_explained():
    """The 2026 Type I minimum-C3 optimum sits at a 179.99 deg transfer angle, where two nearly opposite positions
    leave the ballistic plane to their last digits: the broken-plane transfer between the same dates saves tens of
    m/s with a DSM under 5 m/s. The record says why (its ``note``), so the output never shows that saving bare."""
    from tianwen.time import Epoch
    from tianwen.windows import windows

    row = next(r for r in windows(2026, 2026) if r.type == "I" and r.minimizes == "c3")
    t0 = Epoch(row.launch_tdb_jd, 0.0, "tdb")
    b = broken_plane_transfer(t0, t0 + row.tof_days)
    assert b.dsm_dv_total_kms < 0.005 and b.ballistic_total_dv_kms - b.total_dv_kms > 0.01
    assert "ill-determined" in b.note
    far = broken_plane_transfer("2020-07-23", "2021-02-10")  # Tianwen-1's dates: 160 deg, a well-set plane
    assert far.note == ""
