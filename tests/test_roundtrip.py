"""Round trips (tianwen.roundtrip) against invariants, an independent brute-force search, and bad input.

The oracle is the one of tests/test_returns.py: skyfield's reader of DE421, the DE421 header's constants, and
Curtis's universal-variable Lambert solver (Algorithm 5.2) written there; arcs are propagated here by Curtis's
universal Kepler equation (Algorithm 3.3, Newton's method), with nothing of tianwen.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from test_returns import MU_EARTH, MU_MARS, MU_SUN, R_EARTH, _ts, _stumpff, lambert_curtis, sky_state
from tianwen.roundtrip import roundtrip
from tianwen.windows import plot_window


def kepler(r0, v0, dt_s, mu=MU_SUN):
    """Position after dt_s on the conic through (r0, v0): Curtis Algorithm 3.3 (universal anomaly, Newton)."""
    r0, v0 = np.asarray(r0, float), np.asarray(v0, float)
    n0, vr0 = np.linalg.norm(r0), r0 @ v0 / np.linalg.norm(r0)
    alpha = 2 / n0 - v0 @ v0 / mu
    chi = math.sqrt(mu) * abs(alpha) * dt_s
    for _ in range(100):
        z = np.array([alpha * chi * chi])
        c, s = (float(x[0]) for x in _stumpff(z))
        F = (n0 * vr0 / math.sqrt(mu) * chi * chi * c + (1 - alpha * n0) * chi**3 * s + n0 * chi
             - math.sqrt(mu) * dt_s)
        dF = n0 * vr0 / math.sqrt(mu) * chi * (1 - alpha * chi * chi * s) + (1 - alpha * n0) * chi * chi * c + n0
        chi -= F / dF
        if abs(F / dF) < 1e-12:
            break
    z = np.array([alpha * chi * chi])
    c, s = (float(x[0]) for x in _stumpff(z))
    f = 1 - chi * chi / n0 * c
    g = dt_s - chi**3 / math.sqrt(mu) * s
    return f * r0 + g * v0


def _jd(utc_iso: str) -> float:
    t = np.datetime64(utc_iso.rstrip("Z"), "s").astype(object)
    return float(_ts.utc(t.year, t.month, t.day, t.hour, t.minute, t.second).tdb)


def _tdb(iso_tdb: str) -> float:
    t = np.datetime64(iso_tdb, "us").astype(object)
    return float(_ts.tdb(t.year, t.month, t.day, t.hour, t.minute, t.second + t.microsecond * 1e-6).tdb)


def _burn(vinf, mu, rp, ra):
    return math.sqrt(vinf**2 + 2 * mu / rp) - math.sqrt(mu * (2 / rp - 2 / (rp + ra)))


@pytest.fixture(scope="module")
def trip():
    return roundtrip(2028).as_json()


def test_cli_json_has_the_issue_keys(cli, trip):
    """`tianwen roundtrip --opportunity 2028 --json` prints the keys issue 16 asks for, and the library's record."""
    res = cli("roundtrip", "--opportunity", "2028", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert set(d["outbound"]) >= {"launch_utc", "arrival_utc", "c3_km2s2", "vinf_arr_kms", "capture_dv_kms"}
    assert set(d["return"]) >= {"launch_utc", "arrival_utc", "departure_dv_kms", "vinf_arr_kms", "entry_speed_kms"}
    assert {"stay_days", "total_dv_kms"} <= set(d) and d["venus_swingby"] is False
    assert d == trip


def test_legs_meet_at_mars_and_epochs_are_consistent(trip):
    """The outbound arc, propagated here from its printed start state (Curtis's Kepler), ends on skyfield's Mars at
    the printed arrival within 1 km, and the return arc starts there at the printed departure and ends on
    skyfield's Earth, each within 1 km (the issue's bound; two DE421 readers agree to metres, velocities printed
    to 1e-9 km/s cost 1e-9 x 3e7 s = 30 m). The printed TDB epochs are the printed UTC ones (skyfield's scales). Arrival + stay = return launch; launch + duration = Earth arrival."""
    o, r, s = trip["outbound"], trip["return"], trip["states"]
    t_arr, t_dep = _jd(o["arrival_utc"]), _jd(r["launch_utc"])
    assert abs(t_arr - _tdb(s["outbound"]["arrival_tdb"])) < 1e-8 and abs(t_dep - _tdb(s["return"]["departure_tdb"])) < 1e-8
    mars_a, mars_d = sky_state("mars", t_arr)[0][0], sky_state("mars", t_dep)[0][0]
    tof_o = (_tdb(s["outbound"]["arrival_tdb"]) - _tdb(s["outbound"]["departure_tdb"])) * 86400.0
    tof_r = (_tdb(s["return"]["arrival_tdb"]) - _tdb(s["return"]["departure_tdb"])) * 86400.0
    end = kepler(s["outbound"]["r1_km"], s["outbound"]["v1_kms"], tof_o)
    assert np.linalg.norm(end - mars_a) < 1.0
    assert np.linalg.norm(np.subtract(s["outbound"]["r2_km"], mars_a)) < 1.0
    assert np.linalg.norm(np.subtract(s["return"]["r1_km"], mars_d)) < 1.0
    earth = sky_state("earth", _jd(r["arrival_utc"]))[0][0]
    assert np.linalg.norm(kepler(s["return"]["r1_km"], s["return"]["v1_kms"], tof_r) - earth) < 1.0
    assert abs(t_dep - t_arr - trip["stay_days"]) < 1e-5
    assert abs(_jd(r["arrival_utc"]) - _jd(o["launch_utc"]) - trip["duration_days"]) < 1e-5
    assert trip["stay_days"] > 0


def test_total_dv_is_the_sum_of_the_printed_burns_recomputed(trip):
    """Each burn recomputed from the printed states and orbit (vis-viva at periapsis, DE421 header GM4): the capture
    from |v2 - v_Mars| at arrival, the departure from |v1 - v_Mars| at departure; their sum is the printed total,
    and the entry speed follows from |v2 - v_Earth| (energy, GMB/EMRAT, IAU mean radius + 125 km). Tolerance 3e-5
    km/s: the printed values are rounded to 1e-5 km/s."""
    s, rp, ra = trip["states"], trip["mars_orbit"]["periapsis_radius_km"], trip["mars_orbit"]["apoapsis_radius_km"]
    cap = _burn(np.linalg.norm(np.subtract(s["outbound"]["v2_kms"], s["outbound"]["target_v_kms"])), MU_MARS, rp, ra)
    dep = _burn(np.linalg.norm(np.subtract(s["return"]["v1_kms"], s["return"]["origin_v_kms"])), MU_MARS, rp, ra)
    assert abs(cap - trip["outbound"]["capture_dv_kms"]) < 3e-5
    assert abs(dep - trip["return"]["departure_dv_kms"]) < 3e-5
    assert abs(cap + dep - trip["total_dv_kms"]) < 3e-5
    vinf_e = np.linalg.norm(np.subtract(s["return"]["v2_kms"], s["return"]["target_v_kms"]))
    assert abs(math.sqrt(vinf_e**2 + 2 * MU_EARTH / (R_EARTH + 125.0)) - trip["return"]["entry_speed_kms"]) < 3e-5


def test_joint_optimum_matches_an_independent_brute_force():
    """On a 4-day lattice the least-Δv conjunction-class trip of 2028 is found again by brute force here: every
    outbound (launch, arrival) of tianwen's window with a 90-500-day flight, every return departure in the printed
    return window on the same lattice and flights of 90-498 days, every pair with a non-negative stay, all solved by
    the oracle. The least total and its four dates must agree (1e-5 km/s: two DE421 readers, two Lambert solvers)."""
    d = roundtrip(2028, step_days=4.0).as_json(states=False)
    (d0, d1), (a0, a1), _ = plot_window(2028)
    step = 4.0
    dep = np.arange(_jd(d0 + "T00:00:00"), _jd(d1 + "T00:00:00") + 1e-6, step)
    arr = np.arange(_jd(a0 + "T00:00:00"), _jd(a1 + "T00:00:00") + 1e-6, step)
    D, A = np.meshgrid(dep, arr, indexing="ij")
    ok = (A - D >= 90) & (A - D <= 500)
    rE, vE = sky_state("earth", D[ok])
    rM, vM = sky_state("mars", A[ok])
    _, v2 = lambert_curtis(rE, rM, (A[ok] - D[ok]) * 86400.0)
    cap = np.full(D.shape, np.inf)
    cap[ok] = [_burn(v, MU_MARS, 3789.5, 3789.5) for v in np.linalg.norm(v2 - vM, axis=1)]
    f, fi = cap.min(axis=0), cap.argmin(axis=0)
    w0, w1 = _jd(d["return_window"]["start_utc"] + "T00:00:00"), _jd(d["return_window"]["end_utc"] + "T00:00:00")
    mdep = arr[0] + step * np.arange(math.ceil((w0 - arr[0]) / step), math.floor((w1 - arr[0]) / step) + 1)
    tof = 90.0 + step * np.arange(0, 103)
    M, T = np.meshgrid(mdep, tof, indexing="ij")
    rM2, vM2 = sky_state("mars", M.ravel())
    rE2, _ = sky_state("earth", (M + T).ravel())
    v1, _ = lambert_curtis(rM2, rE2, T.ravel() * 86400.0)
    dv = np.array([_burn(v, MU_MARS, 3789.5, 3789.5) for v in np.linalg.norm(v1 - vM2, axis=1)]).reshape(M.shape)
    g, gl = dv.min(axis=1), dv.argmin(axis=1)
    total = np.where(mdep[None, :] >= arr[:, None], f[:, None] + g[None, :], np.inf)
    j, k = np.unravel_index(int(np.argmin(total)), total.shape)
    assert abs(total[j, k] - d["total_dv_kms"]) < 1e-5
    assert abs(dep[fi[j]] - _jd(d["outbound"]["launch_utc"])) < 1e-6
    assert abs(arr[j] - _jd(d["outbound"]["arrival_utc"])) < 1e-6
    assert abs(mdep[k] - _jd(d["return"]["launch_utc"])) < 1e-6
    assert abs(mdep[k] + tof[gl[k]] - _jd(d["return"]["arrival_utc"])) < 1e-6


def test_opposition_class_is_short_stay_direct_and_costlier():
    """Opposition class (direct legs, no Venus swing-by): the stay lies in the default 30-90 days, the return
    leaves Mars before the conjunction-class window opens, and the total Δv exceeds the conjunction-class trip's
    (the known cost of a short stay without a swing-by; e.g. Drake (ed.), NASA-SP-2009-566, Mars DRA 5.0, sec. 3)."""
    opp = roundtrip(2028, family="opposition").as_json(states=False)
    con = roundtrip(2028).as_json(states=False)
    assert opp["venus_swingby"] is False and 30 <= opp["stay_days"] <= 90
    assert opp["return"]["launch_utc"][:10] < opp["return_window"]["start_utc"]
    assert opp["total_dv_kms"] > con["total_dv_kms"] + 1.0


def test_minimum_duration_under_caps():
    """minimise="duration" with a total-Δv cap of 6 km/s and an entry cap of 12.5 km/s: both caps hold (recomputed
    from the printed burns), and the trip is shorter than the least-Δv trip of the same opportunity."""
    d = roundtrip(2028, minimise="duration", max_dv_kms=6.0, max_entry_kms=12.5).as_json(states=False)
    con = roundtrip(2028).as_json(states=False)
    assert d["outbound"]["capture_dv_kms"] + d["return"]["departure_dv_kms"] <= 6.0 + 1e-5
    assert d["return"]["entry_speed_kms"] <= 12.5 + 1e-5
    assert d["duration_days"] < con["duration_days"]


def _one_line_error(res, flag):
    assert res.returncode == 2, res.stdout
    assert res.stdout == "" and len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert flag in res.stderr
    return res.stderr


def test_bad_input_names_the_closest_feasible_value(cli):
    """A stay span allowing no return, an entry cap or a C3 cap no trip meets, an opposition-class request with a
    conjunction-class stay, an unknown class: one line, exit 2, in flag terms; the value named is feasible."""
    err = _one_line_error(cli("roundtrip", "--opportunity", "2028", "--stay-days", "0:10"), "--stay-days")
    lo, hi = (float(x) for x in err.split("stays from ")[1].split(" days")[0].split(" to "))
    assert 10 < lo < hi < 900
    ok = roundtrip(2028, stay_days=(hi - 30, hi))
    assert hi - 30 - 1e-6 <= ok.stay_days <= hi + 1e-6
    err = _one_line_error(cli("roundtrip", "--opportunity", "2028", "--max-entry-kms", "11.5"), "--max-entry-kms")
    value = float(err.rsplit("--max-entry-kms ", 1)[1].split()[0])
    assert roundtrip(2028, max_entry_kms=value).ret.entry_speed_kms <= value
    err = _one_line_error(cli("roundtrip", "--opportunity", "2028", "--max-c3", "5"), "--max-c3")
    value = float(err.rsplit("--max-c3 ", 1)[1].split()[0])
    assert roundtrip(2028, max_c3_km2s2=value).outbound.c3_km2s2 <= value
    _one_line_error(cli("roundtrip", "--opportunity", "2028", "--class", "opposition", "--stay-days", "500:600"),
                    "--class conjunction")
    _one_line_error(cli("roundtrip", "--opportunity", "2028", "--class", "venus"), "--class")
    _one_line_error(cli("roundtrip", "--opportunity", "2028", "--max-dv-kms", "3"), "--max-dv-kms 4.")


def test_tianwen3_mission_file_sources_every_figure():
    """data/missions/tianwen-3.toml (the worked example of docs/tianwen-3.md): every quantity, epoch and event
    cites sources that its [sources] table lists with a URL; every event is planned (the mission has not flown);
    the assumptions the docs use are labelled A1-A6; and the published plan is the one tested elsewhere (two
    launches in 2028, Earth return July 2031)."""
    import tomllib
    from importlib import resources

    raw = tomllib.loads(resources.files("tianwen").joinpath("data/missions/tianwen-3.toml").read_text("utf-8"))
    sources = raw["sources"]
    assert all(s.get("url") and s.get("title") and s.get("date") for s in sources.values())

    def cited(node, where):
        if isinstance(node, dict):
            if "source" in node:
                assert node["source"] and set(node["source"]) <= set(sources), where
            for k, v in node.items():
                if k != "sources":
                    cited(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                cited(v, f"{where}[{i}]")

    cited({k: v for k, v in raw.items() if k != "sources"}, "tianwen-3")
    for q in (raw["launch"]["vehicle"], raw["spacecraft"]["sample_mass"]):
        assert q["source"]
    assert all(e["status"] == "planned" and e["source"] for e in raw["events"])
    assert [a[:2] for a in raw["assumptions"]["items"]] == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert raw["launch"]["launches"]["value"] == 2 and raw["launch"]["epoch"]["utc"].startswith("2028")
    assert next(e for e in raw["events"] if e["kind"] == "entry")["epoch"]["utc"].startswith("2031-07")


@pytest.mark.parametrize("year", [2035, 2037])
def test_conjunction_class_waits_for_the_following_return_window(year):
    """In 2035 and 2037 a Mars-to-Earth opportunity nearly coincides with the Earth-to-Mars one (its minimum-C3
    departure from Mars falls within weeks of the launch: tianwen returns --from 2035 --to 2037). A conjunction-class
    trip cannot use it: the return must leave at least half a synodic period (390 d) after the outbound launch, and
    the stay is long (the regression: a 0-day stay and a 55-222 km^2/s^2 launch were returned before)."""
    d = roundtrip(year, step_days=4.0).as_json(states=False)
    launch, leave = _jd(d["outbound"]["launch_utc"]), _jd(d["return"]["launch_utc"])
    assert leave - launch > 390.0
    assert d["stay_days"] > 300.0
    assert d["total_dv_kms"] < 5.0


def test_launch_vehicle_caps_the_outbound_c3(cli):
    """`--vehicle --payload-kg` caps the launch at the C3 the vehicle lifts the payload to (data/launch_vehicles.csv
    through tianwen.launch). Checked against that table's own capability at the chosen C3 (at least the payload),
    and a payload the vehicle cannot lift to the opportunity's lowest C3 is refused in one line naming the largest
    payload that works, which then works."""
    import json

    from tianwen.launch import capability_kg

    res = cli("roundtrip", "--opportunity", "2028", "--vehicle", "long march 5", "--payload-kg", "5600", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["constraints"]["vehicle"] == "Long March 5" and d["constraints"]["payload_kg"] == 5600
    assert capability_kg("long march 5", d["outbound"]["c3_km2s2"]) >= 5600 - 1e-6
    err = _one_line_error(cli("roundtrip", "--opportunity", "2028", "--vehicle", "long march 5", "--payload-kg",
                              "7000"), "--payload-kg")
    value = float(err.rsplit("--payload-kg ", 1)[1].split()[0])
    assert 5000 < value < 7000
    rt = roundtrip(2028, vehicle="long march 5", payload_kg=value)
    assert capability_kg("long march 5", rt.outbound.c3_km2s2) >= value - 1e-6
    _one_line_error(cli("roundtrip", "--opportunity", "2028", "--payload-kg", "5000"), "--vehicle")
