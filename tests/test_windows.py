"""The launch-window survey (tianwen.windows) against NASA/TM-2010-216764 (Burke, Falck & McGuire 2010,
"Interplanetary Mission Design Handbook: Earth-to-Mars Mission Opportunities 2026 to 2045") and its
Appendix A (2005), as transcribed in tests/data/nasa_tm_2010_216764.csv with misprints corrected there.

How the handbook computed (docs/research/references.md section 1.4, established by recomputation): Lambert
arcs from the Earth-Moon barycentre (so these tests use origin="emb"), dates at 0h, MIDAS's analytic conic
ephemeris (we use DE421: the two ephemerides differ by 1e4-1e5 km, which moves C3 by up to 0.2 %), and
asymptote angles in the mean equator and equinox of the launch date (we precess our EME2000 angles with
IAU 2006 precession, erfa.pmat06, before comparing).
"""

import csv
import json
import subprocess
import sys
from pathlib import Path

import erfa
import numpy as np
import pytest

from tianwen.errors import TianwenError
from tianwen.porkchop import transfers
from tianwen.time import epoch
from tianwen.windows import find_opportunities, synodic_period_days, windows

DATA = Path(__file__).parent / "data" / "nasa_tm_2010_216764.csv"
ROWS = [r for r in csv.DictReader(line for line in DATA.read_text().splitlines() if not line.startswith("#"))]


def _mean_of_date(t, rla_deg, dla_deg):
    """EME2000 right ascension/declination -> mean equator and equinox of date (IAU 2006 precession)."""
    ra, dec = np.radians(rla_deg), np.radians(dla_deg)
    u = np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])
    tt = t.to("tt")
    w = erfa.pmat06(tt.jd1, tt.jd2) @ u
    return np.degrees(np.arctan2(w[1], w[0])) % 360.0, np.degrees(np.arcsin(w[2]))


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['opportunity']}-{r['type']}-{r['minimizes']}")
def test_handbook_transfers_reproduce_from_their_dates(row):
    """Each printed transfer, recomputed at its printed dates: C3 within 0.25 % and arrival v-infinity within
    0.0025 km/s (the ephemeris difference: recomputing with Standish's elements instead spreads as much), the
    same transfer type, and the launch asymptote within 0.2 deg in RLA and 0.15 deg in DLA after precession
    (printed to 3-4 figures, and the handbook's analytic ephemeris again)."""
    t = epoch(row["launch"] + " TDB")
    x = transfers("emb", "mars", t, float(row["tof_days"]))
    assert {1: "I", 2: "II"}[int(x["transfer_type"])] == row["type"]
    assert abs(float(x["c3"]) / float(row["c3_km2s2"]) - 1) < 2.5e-3
    assert abs(float(x["vinf_arr"]) - float(row["vinf_arr_kms"])) < 2.5e-3
    if row["rla_deg"]:
        rla, dla = _mean_of_date(t, float(x["rla"]), float(x["dla"]))
        assert abs((rla - float(row["rla_deg"]) + 180) % 360 - 180) < 0.2
    if row["dla_deg"]:
        assert abs(dla - float(row["dla_deg"])) < 0.15


@pytest.fixture(scope="module")
def survey():
    return windows(2005, 2005, origin="emb") + windows(2026, 2046, origin="emb")


def _match(survey, row):
    """Our optimum of the same type and objective whose launch is nearest the handbook's."""
    launch = np.datetime64(row["launch"])
    candidates = [w for w in survey if w.type == row["type"] and w.minimizes == row["minimizes"]]
    return min(candidates, key=lambda w: abs(np.datetime64(w.launch) - launch))


@pytest.mark.parametrize("row", [r for r in ROWS if r["fix"] != "type"],
                         ids=lambda r: f"{r['opportunity']}-{r['type']}-{r['minimizes']}")
def test_refined_optima_match_the_handbook(survey, row):
    """Our continuous optima (found by the survey itself, no dates given) against the handbook's optima:
    the optimised value within 0.25 % (the ephemeris difference above; the handbook optimised on a grid, so
    ours may also be slightly lower), launch within 3 days and arrival within 6 days (the optima are
    flat: a few days move C3 by under 0.1 %). Where our optimum lies against the 180-degree ridge — the
    handbook does not resolve the ridge (2026 Type I) — we must be lower than the handbook and say so."""
    ours = _match(survey, row)
    key = "c3_km2s2" if row["minimizes"] == "c3" else "vinf_arr_kms"
    printed, value = float(row[key]), getattr(ours, key)
    if ours.note and "ridge" in ours.note:
        assert value < printed
        return
    assert abs(value / printed - 1) < 2.5e-3
    assert abs(np.datetime64(ours.launch) - np.datetime64(row["launch"])) <= np.timedelta64(3, "D")
    assert abs(np.datetime64(ours.arrival) - np.datetime64(row["arrival"])) <= np.timedelta64(6, "D")


def test_handbook_table_1_minimum_c3_per_opportunity(survey):
    """Table 1 of the handbook: the lowest C3 of each opportunity 2026-2045 (9.144, 8.928, 8.237, 7.781,
    10.19, 14.84, 12.17, 9.818, 8.969, 8.587). Its '2045' opportunity has its optimum in January 2046, so
    our label is 2046 (the year of the minimum-C3 launch)."""
    table1 = {2026: 9.144, 2028: 8.928, 2031: 8.237, 2033: 7.781, 2035: 10.19, 2037: 14.84, 2039: 12.17,
              2041: 9.818, 2043: 8.969, 2046: 8.587}
    best = {}
    for w in survey:
        if w.minimizes == "c3" and not (w.note and "ridge" in w.note):
            best[w.opportunity] = min(best.get(w.opportunity, np.inf), w.c3_km2s2)
    for year, c3 in table1.items():
        assert abs(best[year] / c3 - 1) < 2.5e-3, year


def test_opportunities_are_a_synodic_period_apart():
    """Physics check on the finder: consecutive Earth-Mars opportunities 1996-2050 are separated by the
    synodic period (779.9 days from Kepler's third law), give or take the ~45 days by which the orbits'
    eccentricity shifts each opportunity; the 26 opportunities are found with no list given."""
    opps = find_opportunities(1996, 2050)
    gaps = np.diff([float(o.jd) for o in opps])
    assert abs(synodic_period_days() - 779.9) < 0.5
    assert len(opps) == 26
    assert np.all(np.abs(gaps - 780.0) < 60.0)
    assert abs(gaps.mean() - 780.0) < 10.0


def test_ridge_optimum_is_noted(survey):
    """2026 Type I: the C3 minimum sits against the 180-degree ridge; the row is kept, with a note."""
    row = next(w for w in survey if w.opportunity == 2026 and w.type == "I" and w.minimizes == "c3")
    assert "ridge" in row.note and abs(row.c3_km2s2 - 10.5) < 0.3


def test_bad_spans_are_refused():
    with pytest.raises(TianwenError, match="before"):
        windows(2030, 2020)
    with pytest.raises(TianwenError, match="outside de421"):
        windows(2070, 2080)


def test_cli_windows_json_keys():
    """The CLI's --json prints a list of objects with exactly the documented keys (plus 'note' when set)."""
    p = subprocess.run([sys.executable, "-m", "tianwen", "windows", "--from", "2033", "--to", "2033", "--json"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    keys = {"opportunity", "type", "minimizes", "launch", "arrival", "tof_days", "c3_km2s2", "vinf_arr_kms",
            "dla_deg", "rla_deg"}
    assert len(rows) == 4
    for r in rows:
        assert set(r) - {"note"} == keys and r["opportunity"] == 2033
        assert r["type"] in ("I", "II") and r["minimizes"] in ("c3", "vinf_arr")


def test_cli_windows_bad_span():
    p = subprocess.run([sys.executable, "-m", "tianwen", "windows", "--from", "2040", "--to", "2030"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
