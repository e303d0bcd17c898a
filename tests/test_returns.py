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
