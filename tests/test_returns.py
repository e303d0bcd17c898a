"""Return legs (tianwen.returns) against an independent computation written here, published plans, and closed forms.

The oracle shares nothing with tianwen but the DE421 *file*: positions from skyfield's own SPK reader
(skyfield-data's de421.bsp), constants from the DE421 header as shipped by the ``de421`` package
(constants.npy: GMS, GM4, GMB, EMRAT, AU), and a Lambert solver written below from Curtis, *Orbital Mechanics
for Engineering Students* (3rd ed. 2014), Algorithm 5.2 (universal variables), solved by plain bisection on z
over whole arrays — no Izzo, no Gooding, no Householder iterations. Opportunities are found by an independent
coarse grid over all of 2025-2046 and refined by zoomed grids of the oracle's own.

Published: Tianwen-3's plan as reported from the mission's chief designers (SpaceNews, 20 June 2022, via
nationworldnews.com; The Planetary Society, A. Jones, 15 Sep 2022; data/missions/tianwen-3.toml): leave Mars in
late October 2030, samples on Earth in July 2031.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

SKY = pytest.importorskip("skyfield.api")
de421 = pytest.importorskip("de421")
import skyfield_data  # noqa: E402

from tianwen.returns import (departure_dv, entry_speed, return_leg, return_opportunities,  # noqa: E402
                             vinf_for_entry_speed)

_CONST = {n.decode(): float(v) for n, v in np.load(os.path.join(os.path.dirname(de421.__file__), "constants.npy"))}
_KM3S2 = _CONST["AU"] ** 3 / 86400.0**2
MU_SUN = _CONST["GMS"] * _KM3S2
MU_MARS = _CONST["GM4"] * _KM3S2
MU_EARTH = _CONST["GMB"] * _KM3S2 * _CONST["EMRAT"] / (1.0 + _CONST["EMRAT"])
R_MARS, R_EARTH = 3389.5, 6371.0084  # IAU 2015 mean radii (Archinal et al. 2018, Table 5)
ECLIPTIC_POLE = np.array([0.0, -math.sin(math.radians(23.4392911)), math.cos(math.radians(23.4392911))])

_ts = SKY.load.timescale(builtin=True)
_eph = SKY.load_file(os.path.join(os.path.dirname(skyfield_data.__file__), "data", "de421.bsp"))


def sky_state(name: str, tdb_jd) -> tuple[np.ndarray, np.ndarray]:
    """Sun-centred ICRF (r km, v km/s) of 'mars' (barycentre) or 'earth' from skyfield, shape (n, 3)."""
    target = _eph["mars barycenter" if name == "mars" else "earth"]
    p = (target - _eph["sun"]).at(_ts.tdb_jd(np.atleast_1d(np.asarray(tdb_jd, dtype=float))))
    return p.position.km.T, p.velocity.km_per_s.T


def _stumpff(z):
    c, s = np.empty_like(z), np.empty_like(z)
    pos, neg, zero = z > 1e-8, z < -1e-8, np.abs(z) <= 1e-8
    sp, sn = np.sqrt(z[pos]), np.sqrt(-z[neg])
    c[pos], s[pos] = (1 - np.cos(sp)) / z[pos], (sp - np.sin(sp)) / sp**3
    c[neg], s[neg] = (np.cosh(sn) - 1) / -z[neg], (np.sinh(sn) - sn) / sn**3
    c[zero], s[zero] = 0.5, 1.0 / 6.0
    return c, s


def lambert_curtis(r1, r2, tof_s, mu=MU_SUN):
    """Zero-revolution prograde Lambert arcs (Curtis Algorithm 5.2), vectorised: arrays (n, 3) and (n,).
    Prograde = the transfer's angular momentum along the ecliptic pole. Returns (v1, v2), each (n, 3)."""
    r1, r2, t = np.atleast_2d(r1), np.atleast_2d(r2), np.atleast_1d(tof_s).astype(float)
    n1, n2 = np.linalg.norm(r1, axis=1), np.linalg.norm(r2, axis=1)
    cosd = np.clip(np.einsum("ij,ij->i", r1, r2) / (n1 * n2), -1, 1)
    short = np.cross(r1, r2) @ ECLIPTIC_POLE >= 0
    dtheta = np.where(short, np.arccos(cosd), 2 * np.pi - np.arccos(cosd))
    A = np.sin(dtheta) * np.sqrt(n1 * n2 / (1 - np.cos(dtheta)))

    def y_of(z):
        c, s = _stumpff(z)
        return n1 + n2 + A * (z * s - 1) / np.sqrt(c), c, s

    def F(z):
        y, c, s = y_of(z)
        with np.errstate(invalid="ignore"):
            val = (np.maximum(y, 0) / c) ** 1.5 * s + A * np.sqrt(np.maximum(y, 0)) - math.sqrt(mu) * t
        return np.where(y > 0, val, -1.0)

    lo, hi = np.full(t.shape, -80.0), np.full(t.shape, 4 * np.pi**2 - 1e-4)
    assert np.all(F(lo) < 0) and np.all(F(hi) > 0)
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        up = F(mid) > 0
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    y, _, _ = y_of(0.5 * (lo + hi))
    f, g, gdot = 1 - y / n1, A * np.sqrt(y / mu), 1 - y / n2
    v1 = (r2 - f[:, None] * r1) / g[:, None]
    v2 = (gdot[:, None] * r2 - r1) / g[:, None]
    return v1, v2


def vinf_pairs(dep_jd, tof_days, origin="mars", target="earth"):
    """Oracle (vinf_dep, vinf_arr) for matched departure TDB JDs and flight times (days), flat arrays."""
    dep_jd, tof = np.broadcast_arrays(np.asarray(dep_jd, float), np.asarray(tof_days, float))
    dep_jd, tof = dep_jd.ravel(), tof.ravel()
    ro, vo = sky_state(origin, dep_jd)
    rt, vt = sky_state(target, dep_jd + tof)
    v1, v2 = lambert_curtis(ro, rt, tof * 86400.0)
    return np.linalg.norm(v1 - vo, axis=1), np.linalg.norm(v2 - vt, axis=1)


def oracle_min_vinf_dep(dep0, dep1, tof0=90.0, tof1=500.0):
    """The oracle's least Mars-departure v-infinity over departures [dep0, dep1] (TDB JD) and flight times
    [tof0, tof1]: a 2-day grid, its five lowest local minima each refined by zoomed 21 x 21 grids to 1e-4 day.
    Returns (vinf, departure JD, tof)."""
    d = np.arange(dep0, dep1 + 1e-9, 2.0)
    y = np.arange(tof0, tof1 + 1e-9, 2.0)
    D, Y = np.meshgrid(d, y, indexing="ij")
    v = vinf_pairs(D, Y)[0].reshape(D.shape)
    pad = np.pad(v, 1, constant_values=np.inf)
    local = np.ones(v.shape, bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                local &= v <= pad[1 + di:1 + di + v.shape[0], 1 + dj:1 + dj + v.shape[1]]
    best = (np.inf, None, None)
    for k in np.argsort(np.where(local, v, np.inf), axis=None)[:5]:
        cx, cy, h = D.flat[k], Y.flat[k], 2.0
        while h > 1e-4:
            x = np.clip(cx + h * np.linspace(-2, 2, 21), dep0, dep1)
            t = np.clip(cy + h * np.linspace(-2, 2, 21), tof0, tof1)
            X, T = np.meshgrid(x, t, indexing="ij")
            f = vinf_pairs(X, T)[0]
            i = int(np.nanargmin(f))
            cx, cy, h = X.flat[i], T.flat[i], h / 4.0
        val = float(vinf_pairs(cx, cy)[0][0])
        if val < best[0]:
            best = (val, cx, cy)
    return best


@pytest.fixture(scope="module")
def opportunities():
    return return_opportunities(2026, 2045)


def _tdb_jd(e):
    return float(e.to("tdb").jd)


def test_every_return_opportunity_2026_2045_matches_the_independent_oracle(opportunities):
    """For every Mars-to-Earth opportunity 2026-2045 (ten of them, a synodic period apart), tianwen's least
    Mars-departure v-infinity (best of types I and II) against the oracle's (skyfield DE421 + Curtis's Lambert,
    searched independently over +/-150 days around ours and 90-500-day flights). The issue asks 0.01 km/s and one
    grid step (2 days); both searches refine to the continuous optimum and agree to ~1e-8 km/s and ~1e-3 day, so
    the bounds here are 1e-4 km/s and 0.1 day (the oracle's bisection and zoom stop near 1e-4 day)."""
    years = sorted({leg.opportunity for leg in opportunities})
    assert years == [2026, 2028, 2030, 2033, 2035, 2037, 2039, 2041, 2043, 2045]
    for year in years:
        ours = min((leg for leg in opportunities if leg.opportunity == year), key=lambda leg: leg.transfer.vinf_dep_kms)
        dep = _tdb_jd(ours.departure)
        # The oracle searches the whole stretch around our optimum, wider than tianwen's +/-120-day region.
        val, d, t = oracle_min_vinf_dep(dep - 150.0, dep + 150.0)
        assert abs(val - ours.transfer.vinf_dep_kms) < 1e-4, year
        assert abs(d - dep) <= 0.1, (year, d - dep)
        assert abs((d + t) - _tdb_jd(ours.arrival)) <= 0.1, year


def test_return_legs_reproduce_from_their_dates(opportunities):
    """Each reported leg, recomputed by the oracle at its own dates: v-infinity at both ends within 1e-5 km/s
    (two readers of one DE421 file agree to metres; the two Lambert solvers to 1e-10), and the departure burn and
    entry speed from the closed forms with the DE421 header's GM4 and GMB/EMRAT (vis-viva, energy)."""
    for leg in opportunities:
        vd, va = vinf_pairs(_tdb_jd(leg.departure), leg.transfer.tof_days)
        assert abs(vd[0] - leg.transfer.vinf_dep_kms) < 1e-5
        assert abs(va[0] - leg.transfer.vinf_arr_kms) < 1e-5
        rp = ra = 3789.5
        dv = math.sqrt(vd[0] ** 2 + 2 * MU_MARS / rp) - math.sqrt(MU_MARS * (2 / rp - 2 / (rp + ra)))
        assert abs(dv - leg.departure_dv_kms) < 1e-5
        ve = math.sqrt(va[0] ** 2 + 2 * MU_EARTH / (R_EARTH + 125.0))
        assert abs(ve - leg.entry_speed_kms) < 1e-5


def test_tianwen3_published_return_dates():
    """Tianwen-3's published plan (SpaceNews 2022-06-20 via nationworldnews.com; Planetary Society 2022-09-15):
    leave Mars in late October 2030, samples on Earth in July 2031. Our least-departure-Δv Type I leg of the
    2030 opportunity must leave Mars between 15 Oct and 15 Nov 2030 and reach Earth in July 2031 (the sources
    print the month only)."""
    legs = return_opportunities(2030, 2030)
    type1 = next(leg for leg in legs if leg.type == "I")
    assert "2030-10-15" <= type1.departure.utc_iso()[:10] <= "2030-11-15"
    assert type1.arrival.utc_iso()[:7] == "2031-07"


def test_entry_cap_is_a_constraint_and_its_limit_is_named(cli):
    """An entry-speed cap that no return of the 2030 opportunity meets is refused in one line, exit 2, naming the
    lowest entry speed the opportunity offers; that value itself is then feasible, and every leg found under a
    cap enters at or below it (energy closed form recomputed here)."""
    res = cli("returns", "--from", "2030", "--to", "2030", "--max-entry-kms", "11.5")
    assert res.returncode == 2 and res.stdout == "" and len(res.stderr.strip().splitlines()) == 1
    assert "--max-entry-kms" in res.stderr
    value = float(res.stderr.rsplit("--max-entry-kms", 1)[1].split()[0])
    assert 11.5 < value < 12.5
    legs = return_opportunities(2030, 2030, max_entry_kms=value)
    assert legs
    for leg in legs:
        va = vinf_pairs(_tdb_jd(leg.departure), leg.transfer.tof_days)[1][0]
        assert math.sqrt(va**2 + 2 * MU_EARTH / (R_EARTH + 125.0)) <= value + 1e-9


def test_entry_cap_below_escape_speed_is_refused(cli):
    """A cap below the escape speed at 125 km, sqrt(2 GM_E / (R_E + 125 km)) = 11.078 km/s from the DE421 GM and
    the IAU mean radius, can never be met: one line naming that speed."""
    escape = math.sqrt(2 * MU_EARTH / (R_EARTH + 125.0))
    res = cli("return-leg", "--depart", "2030-11-01", "--arrive", "2031-07-07", "--mars-orbit-rp-km", "3000")
    assert res.returncode == 2 and "--mars-orbit-rp-km" in res.stderr and "3389.5" in res.stderr
    with pytest.raises(ValueError, match=f"{escape:.3f}"):
        vinf_for_entry_speed(11.0)
    res = cli("returns", "--from", "2030", "--to", "2030", "--max-entry-kms", "11")
    assert res.returncode == 2 and f"--max-entry-kms {math.ceil(escape * 1000) / 1000:.3f}" in res.stderr


def test_closed_forms():
    """The departure burn from an elliptic orbit and the entry speed, against the formulas evaluated here with the
    DE421 header's GMs: vis-viva at periapsis (Curtis 2014, eq. 8.58 form) and energy on the hyperbola."""
    v = np.array([2.0, 3.0, 5.5])
    rp, ra = 3789.5, 3389.5 + 33000.0
    expect = np.sqrt(v**2 + 2 * MU_MARS / rp) - np.sqrt(MU_MARS * (2 / rp - 2 / (rp + ra)))
    assert np.allclose(departure_dv(v, rp, ra), expect, rtol=0, atol=1e-9)
    assert np.allclose(entry_speed(v, 120.0), np.sqrt(v**2 + 2 * MU_EARTH / (R_EARTH + 120.0)), rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="apoapsis"):
        departure_dv(2.0, 4000.0, 3900.0)


def test_cli_return_leg_json_states_meet_the_planets(cli):
    """`tianwen return-leg --json` prints the arc's end states; they sit on skyfield's Mars at departure and
    Earth at arrival within 1 km (two readers of DE421), and the printed v-infinities follow from them."""
    import json

    res = cli("return-leg", "--depart", "2030-11-01", "--arrive", "2031-07-07", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    s = d["states"]
    from tianwen.time import epoch

    t1, t2 = _tdb_jd(epoch(s["departure_tdb"] + " TDB")), _tdb_jd(epoch(s["arrival_tdb"] + " TDB"))
    rm, vm = sky_state("mars", t1)
    re, ve = sky_state("earth", t2)
    assert np.linalg.norm(rm[0] - s["r1_km"]) < 1.0 and np.linalg.norm(re[0] - s["r2_km"]) < 1.0
    assert abs(np.linalg.norm(np.subtract(s["v1_kms"], vm[0])) - d["vinf_dep_kms"]) < 2e-5
    assert abs(np.linalg.norm(np.subtract(s["v2_kms"], ve[0])) - d["vinf_arr_kms"]) < 2e-5
    assert return_leg("2030-11-01", "2031-07-07").type == d["type"] == "I"


# ---------------------------------------------------------------------------------------------------------
# The return porkchop, windows and survey (`porkchop`/`windows`/`survey --origin mars --target(s) earth`)
# ---------------------------------------------------------------------------------------------------------

def _utc_to_tdb_jd(stamps) -> np.ndarray:
    """UTC ISO stamps (as printed) -> TDB Julian dates through skyfield's own time scale (not tianwen's)."""
    days = (np.asarray(stamps, dtype="datetime64[ns]") - np.datetime64("1970-01-01", "ns")) / np.timedelta64(1, "D")
    return np.asarray(_ts.utc(1970, 1, 1.0 + np.asarray(days, dtype=float)).tdb, dtype=float)


def _oracle_angle_deg(dep_jd, tof_days):
    """The transfer angle (deg) measured prograde about the ecliptic pole, from skyfield's positions: Type I
    below 180, Type II above. Within a few degrees of 180 the plane of the transfer is ill-defined and "prograde"
    depends on the pole chosen (tianwen and the oracle may then take different arcs), so tests leave that out."""
    r1, _ = sky_state("mars", dep_jd)
    r2, _ = sky_state("earth", np.asarray(dep_jd) + np.asarray(tof_days))
    cosd = np.einsum("ij,ij->i", r1, r2) / (np.linalg.norm(r1, axis=1) * np.linalg.norm(r2, axis=1))
    angle = np.degrees(np.arccos(np.clip(cosd, -1, 1)))
    return np.where(np.cross(r1, r2) @ ECLIPTIC_POLE >= 0, angle, 360.0 - angle)


def test_cli_return_porkchop_csv_and_minima_match_the_oracle(cli, tmp_path):
    """`tianwen porkchop --origin mars --target earth` with an elliptic Mars orbit (400 km x 33,400 km
    altitude), a 120 km entry interface and a 12.3 km/s cap, written as CSV: every solved cell's departure burn,
    entry speed and cap flag recomputed by the oracle (skyfield DE421 + Curtis Lambert; vis-viva and energy with
    the DE421 header GMs) from the printed dates, within 3e-5 km/s (the CSV's 5 decimals plus the oracle's 1e-5);
    the printed Type I/II minima are the oracle's least-burn cells under the cap (same dates; burn within the
    JSON's 4 decimals). Cells within 3 deg of a 180-deg transfer are left out (see _oracle_angle_deg)."""
    import json

    import pandas as pd

    rp, ra, h, cap = 3789.5, 3389.5 + 33400.0, 120.0, 12.3
    out = tmp_path / "back.csv"
    res = cli("porkchop", "--origin", "mars", "--target", "earth", "--depart", "2030-09-01:2031-01-01",
              "--arrive", "2031-05-01:2031-11-01", "--step", "4", "--mars-orbit-rp-km", str(rp),
              "--mars-orbit-ra-km", str(ra), "--entry-alt-km", str(h), "--max-entry-kms", str(cap), "--out", str(out),
              "--json")
    assert res.returncode == 0, res.stderr
    printed = json.loads(res.stdout)
    df = pd.read_csv(out)
    assert len(df) > 1000
    d_jd, a_jd = _utc_to_tdb_jd(df["departure_utc"]), _utc_to_tdb_jd(df["arrival_utc"])
    angle = _oracle_angle_deg(d_jd, a_jd - d_jd)
    away = np.abs(angle - 180.0) > 3.0
    assert away.sum() > 0.95 * len(df)
    vd, va = vinf_pairs(d_jd, a_jd - d_jd)
    dv = np.sqrt(vd**2 + 2 * MU_MARS / rp) - np.sqrt(MU_MARS * (2 / rp - 2 / (rp + ra)))
    ve = np.sqrt(va**2 + 2 * MU_EARTH / (R_EARTH + h))
    assert np.max(np.abs(dv - df["dv_depart_kms"])[away]) < 3e-5
    assert np.max(np.abs(ve - df["entry_speed_kms"])[away]) < 3e-5
    clear = away & (np.abs(ve - cap) > 1e-4)  # cells on the cap itself are left to rounding
    assert np.array_equal((ve <= cap)[clear], (df["entry_ok"] == 1).to_numpy()[clear])
    ttype = np.where(angle < 180.0, 1, 2)
    dv = np.where(away, dv, np.inf)
    assert [m["type"] for m in printed["minima"]] == ["I", "II"]
    for m in printed["minima"]:
        k = np.argmin(np.where((ttype == (1 if m["type"] == "I" else 2)) & (ve <= cap), dv, np.inf))
        assert (df["departure_utc"][k][:10], df["arrival_utc"][k][:10]) == (m["launch"], m["arrival"])
        assert abs(dv[k] - m["departure_dv_kms"]) < 1e-4 and m["entry_speed_kms"] <= cap


def test_return_porkchop_netcdf_and_figure(cli, tmp_path):
    """The NetCDF of a return porkchop holds the return variables with units and the orbit, interface and cap as
    attributes; the PNG is drawn (the figure's own legend carries the minima's numbers, checked against the
    library's return_minima, which the test above checks against the oracle)."""
    import xarray as xr

    from tianwen.plots_roundtrip import return_porkchop_figure
    from tianwen.returns import return_minima

    nc = tmp_path / "back.nc"
    args = ["porkchop", "--origin", "mars", "--target", "earth", "--depart", "2030-09-01:2031-01-01", "--arrive",
            "2031-05-01:2031-11-01", "--step", "5", "--max-entry-kms", "12.3"]
    assert cli(*args, "--out", str(nc)).returncode == 0
    ds = xr.load_dataset(nc)
    assert ds["dv_depart"].attrs["units"] == ds["entry_speed"].attrs["units"] == "km/s"
    assert ds.attrs["max_entry_kms"] == 12.3 and ds.attrs["entry_alt_km"] == 125.0
    assert ds.attrs["departure_orbit_periapsis_radius_km"] == ds.attrs["departure_orbit_apoapsis_radius_km"] == 3789.5
    png = tmp_path / "back.png"
    assert cli(*args, "--out", str(png)).returncode == 0 and png.read_bytes()[:4] == b"\x89PNG"
    fig = return_porkchop_figure(ds, label="2030")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    for m in return_minima(ds):
        assert any(f"{m.departure_dv_kms:.3f} km/s" in s and str(m.departure)[:10] in s for s in labels)
    assert any("12.3 km/s cap" in s for s in labels)


def test_cli_windows_return_rows_follow_from_their_printed_numbers(cli):
    """`tianwen windows --origin mars --target earth --json` with a 12.2 km/s cap: each optimum's departure burn
    and entry speed follow from its printed C3 and arrival v-infinity by the closed forms (within the printed
    4 decimals); ``over_entry_cap`` agrees with the entry speed; and the added least-burn legs under the cap are
    recomputed by the oracle at their printed dates (entry at or below the cap, burn within 2e-4 km/s: the
    dates are printed to the second)."""
    import json

    res = cli("windows", "--origin", "mars", "--target", "earth", "--from", "2030", "--to", "2030", "--json",
              "--max-entry-kms", "12.2")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    optima = [r for r in rows if r["minimizes"] in ("c3", "vinf_arr")]
    capped = [r for r in rows if r["minimizes"] == "dv_depart"]
    assert len(optima) == 4 and {r["type"] for r in capped} == {"I", "II"}
    rp = 3789.5
    for r in optima:
        v = math.sqrt(r["c3_km2s2"])
        assert abs(math.sqrt(v**2 + 2 * MU_MARS / rp) - math.sqrt(MU_MARS / rp) - r["departure_dv_kms"]) < 2e-4
        ve = math.sqrt(r["vinf_arr_kms"] ** 2 + 2 * MU_EARTH / (R_EARTH + 125.0))
        assert abs(ve - r["entry_speed_kms"]) < 2e-4 and r["over_entry_cap"] == (ve > 12.2)
    for r in capped:
        t1, t2 = _utc_to_tdb_jd([r["launch_utc"][:19], r["arrival_utc"][:19]])
        vd, va = vinf_pairs(t1, t2 - t1)
        assert math.sqrt(va[0] ** 2 + 2 * MU_EARTH / (R_EARTH + 125.0)) <= 12.2 + 1e-4
        dv = math.sqrt(vd[0] ** 2 + 2 * MU_MARS / rp) - math.sqrt(MU_MARS / rp)
        assert abs(dv - r["departure_dv_kms"]) < 2e-4
        assert dv <= min(o["departure_dv_kms"] for o in optima if o["type"] == r["type"] and not o["over_entry_cap"])


def test_survey_of_return_opportunities_matches_the_refined_legs(opportunities, tmp_path):
    """`tianwen.survey` from Mars to Earth (origin="mars"), 2026-2045 on a 1-day grid, in-process: each
    opportunity's least-C3 cell of each type is within 0.01 km/s of departure v-infinity and one grid step (1 day,
    plus the refined optimum's fraction of a day) of the refined leg that test_every_return_opportunity... checks
    against the oracle (issue 16: "within 0.01 km/s and one grid step")."""
    from tianwen.survey import survey, survey_rows

    out = tmp_path / "back.zarr"
    survey(str(out), ["earth"], 2026, 2045, origin="mars", step_days=1.0, scheduler=False)
    rows = [r for r in survey_rows(str(out)) if r["minimizes"] == "c3" and r["revs"] == 0]
    legs = {(leg.opportunity, leg.type): leg for leg in opportunities}
    matched = 0
    for r in rows:
        leg = legs.get((r["opportunity"], "I" if r["transfer_type"] == 1 else "II"))
        if leg is None or leg.note or r["on_edge"]:
            continue
        matched += 1
        assert abs(math.sqrt(r["c3_km2s2"]) - leg.transfer.vinf_dep_kms) < 0.01
        dep = np.datetime64(leg.departure.utc_iso()[:19])
        arr = np.datetime64(leg.arrival.utc_iso()[:19])
        assert abs((np.datetime64(r["launch"]) - dep) / np.timedelta64(1, "D")) < 2.0
        assert abs((np.datetime64(r["arrival"]) - arr) / np.timedelta64(1, "D")) < 2.0
    assert matched >= 15


def test_bad_return_input_is_one_line_naming_the_closest_feasible_value(cli):
    """Issue 16's bad input on the return porkchop: an entry cap no cell meets (one line, exit 2, naming the
    lowest entry speed of the grid as the closest feasible value, which then works), return options without a
    return, and a target without an ephemeris (an unknown body: the message lists the bodies there are)."""
    args = ["porkchop", "--origin", "mars", "--target", "earth", "--depart", "2030-09-01:2031-01-01", "--arrive",
            "2031-05-01:2031-11-01", "--step", "5"]
    res = cli(*args, "--max-entry-kms", "11.6")
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and "Traceback" not in res.stderr
    value = float(lines[0].rsplit("--max-entry-kms ", 1)[1].split()[0])
    assert 11.6 < value < 12.5
    ok = cli(*args, "--max-entry-kms", f"{value:.3f}", "--json")
    assert ok.returncode == 0, ok.stderr
    import json

    assert all(m["entry_speed_kms"] <= value for m in json.loads(ok.stdout)["minima"])
    res = cli("porkchop", "--opportunity", "2028", "--max-entry-kms", "12")
    assert res.returncode == 2 and "--origin mars --target earth" in res.stderr
    res = cli("windows", "--from", "2030", "--to", "2030", "--mars-orbit-rp-km", "4000")
    assert res.returncode == 2 and "--origin mars --target earth" in res.stderr
    res = cli("porkchop", "--origin", "mars", "--target", "vulcan", "--depart", "2030-09-01:2031-01-01",
              "--arrive", "2031-05-01:2031-11-01")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "unknown body 'vulcan'" in res.stderr and "earth" in res.stderr
    from tianwen.returns import return_grid

    with pytest.raises(ValueError, match="unknown body 'vulcan'"):
        return_grid(("2030-09-01", "2031-01-01"), ("2031-05-01", "2031-11-01"), target="vulcan")
    with pytest.raises(ValueError, match="not in the analytic ephemeris.*de421"):
        return_grid(("2030-09-01", "2031-01-01"), ("2031-05-01", "2031-11-01"), target="moon", ephemeris="analytic")


def test_mars_orbit_from_a_mission_file(cli):
    """`--mars-orbit-of tianwen-1` leaves from the orbit Tianwen-1's file names last with both apsides: the
    parking orbit of 24 Feb 2021, 280 x 59,000 km altitude (Xinhua via punch-parking/swordstoday-parking in
    data/missions/tianwen-1.toml), i.e. radii 3669.5 and 62,389.5 km over the IAU mean radius. The burn printed
    by `return-leg` is vis-viva at that periapsis, recomputed here with the DE421 GM4 from the printed v-infinity
    (within the printed 4 decimals). A mission file naming no such orbit is refused in one line, listing those
    that do; the flag and explicit radii together are refused."""
    import json

    from tianwen.returns import mission_orbit

    o = mission_orbit("tianwen-1")
    assert (o.periapsis_radius_km, o.apoapsis_radius_km) == (3389.5 + 280.0, 3389.5 + 59000.0)
    res = cli("return-leg", "--depart", "2030-11-01", "--arrive", "2031-07-07", "--mars-orbit-of", "tianwen-1",
              "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    rp, ra = 3669.5, 62389.5
    dv = math.sqrt(d["vinf_dep_kms"] ** 2 + 2 * MU_MARS / rp) - math.sqrt(MU_MARS * (2 / rp - 2 / (rp + ra)))
    assert abs(dv - d["departure_dv_kms"]) < 1e-4 and (d["mars_orbit_rp_km"], d["mars_orbit_ra_km"]) == (rp, ra)
    res = cli("returns", "--from", "2030", "--to", "2030", "--mars-orbit-of", "mars2020")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "--mars-orbit-of mars2020" in res.stderr and "tianwen-1" in res.stderr
    res = cli("roundtrip", "--mars-orbit-of", "tianwen-1", "--mars-orbit-rp-km", "4000")
    assert res.returncode == 2 and "not both" in res.stderr


@pytest.mark.parametrize("args, named", [
    (["porkchop", "--origin", "mars", "--target", "earth", "--opportunity", "2030", "--mars-orbit-rp-km", "3000"],
     "--mars-orbit-rp-km 3000"),
    (["porkchop", "--origin", "mars", "--target", "earth", "--opportunity", "2030", "--max-entry-kms", "10"],
     "--max-entry-kms 11.078"),
    (["porkchop", "--origin", "mars", "--target", "earth", "--opportunity", "2030", "--entry-alt-km", "-5"],
     "--entry-alt-km -5"),
    (["windows", "--origin", "mars", "--target", "earth", "--from", "2030", "--to", "2030", "--mars-orbit-ra-km",
      "3500"], "--mars-orbit-ra-km"),
    (["windows", "--origin", "mars", "--target", "earth", "--from", "2030", "--to", "2030", "--mars-orbit-of",
      "mars2020"], "--mars-orbit-of mars2020"),
])
def test_bad_return_options_are_refused_before_any_work(args, named, cli, monkeypatch):
    """Bad return options (a periapsis inside Mars, a cap below the escape speed at the interface, a negative
    interface altitude, an apoapsis below the default periapsis, a mission file naming no orbit): one line,
    exit 2, naming the value, before any grid or scan runs (the porkchop kernel and the windows scan are replaced
    by functions that fail the test if called, as in test_bad_input.py)."""
    import importlib

    def boom(*a, **k):
        raise AssertionError("computing started before the input was refused")

    for module, name in (("porkchop", "grid_kernel"), ("windows", "_scan")):
        monkeypatch.setattr(importlib.import_module(f"tianwen.{module}"), name, boom)
    r = cli(*args)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "internal error" not in r.stderr, r.stderr
    assert named in lines[0]
