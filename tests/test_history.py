"""The Mars mission record (tianwen.missions, tianwen.history): the catalogue's integrity, facts quoted with
sources in src/tianwen/data/mars_missions_facts.md, and the claim behind Tianwen-1 — "since 1996, Mars
probes have been launched in almost every launch window" — checked against opportunities the survey
computes itself."""

import json

import numpy as np
import pytest

from tianwen.errors import TianwenError
from tianwen.history import history
from tianwen.missions import COLUMNS, MISSION_TYPES, OUTCOMES, load_catalogue, read_catalogue_file
from tianwen.time import epoch


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def record():
    """The whole record, 1960-2026 (2026 holds ESCAPADE, launched in November 2025)."""
    return history(1960, 2026)


def test_catalogue_integrity(catalogue):
    """Every row: dates parse, arrival after launch, known type and outcome, a source; about 50 Mars
    missions from 1960 to 2025 plus the gravity-assist-only flybys (Rosetta, Dawn, Psyche, Hera, Clipper)."""
    mars = [e for e in catalogue if e.is_mars_mission]
    assert 45 <= len(mars) <= 60
    assert {e.short_name for e in catalogue if e.gravity_assist_only} == {
        "Rosetta", "Dawn", "Psyche", "Hera", "Europa Clipper"}
    for e in catalogue:
        t = epoch(e.launch)
        assert 1960 <= int(e.launch[:4]) <= 2025
        if e.arrival:
            assert float(epoch(e.arrival) - t) > 0
        assert set(e.mission_type) <= set(MISSION_TYPES) and e.outcome in OUTCOMES and e.source
        if e.outcome == "launch-failure":
            assert e.arrival is None


def test_the_three_2020_launches(catalogue):
    """Facts F1: Hope 2020-07-19 21:58, Tianwen-1 2020-07-23 04:41 (12:41 BJT, Guangming Daily), Mars 2020
    2020-07-30 11:50 UTC (NASA), in that order, and no other Mars launch in 2020."""
    rows = [e for e in catalogue if e.launch.startswith("2020") and e.is_mars_mission]
    assert [e.short_name for e in rows] == ["Hope", "Tianwen-1", "Mars 2020"]
    assert [e.launch[:16] for e in rows] == ["2020-07-19T21:58", "2020-07-23T04:41", "2020-07-30T11:50"]
    assert next(e for e in rows if e.short_name == "Tianwen-1").agency == "CNSA"


def test_china_daily_count_of_46(catalogue):
    """Facts F5: China Daily (2021-02-15) called Tianwen-1 the 46th Mars mission since October 1960: the
    Mars-mission rows up to Tianwen-1, less the five co-passenger rows, number 46."""
    upto = [e for e in catalogue if e.is_mars_mission and e.launch <= "2020-07-23T04:41:15"]
    passengers = {"Deep Space 2", "Beagle 2", "Yinghuo-1", "Schiaparelli", "MarCO-A and MarCO-B"}
    assert len([e for e in upto if e.short_name not in passengers]) == 46


def test_since_1996_claim(record):
    """The claim: from 1996 to 2025, 14 Earth-Mars opportunities, of which 11 had at least one Mars launch;
    the three without are 2009 (Fobos-Grunt slipped to 2011), 2022 (ExoMars suspended in March 2022) and
    2024 (ESCAPADE postponed) — facts F3. Opportunities are the survey's own, labelled by the year of
    their minimum-C3 launch date (so the 1998-99 window is '1999' and the 2013 one '2014')."""
    opps, _ = record
    since = [o for o in opps if 1996 <= int(o.label) <= 2025]
    assert [o.label for o in since] == ["1996", "1999", "2001", "2003", "2005", "2007", "2009", "2011", "2014",
                                        "2016", "2018", "2020", "2022", "2024"]
    empty = [o.label for o in since if not o.launches]
    assert empty == ["2009", "2022", "2024"]
    _, summary = history(1996, 2025)
    assert summary == {"since": 1996, "until": 2025, "opportunities": 14, "with_launch": 11}


def test_counts_per_opportunity_1960_to_1992(record):
    """Facts F4: Mars missions per opportunity 1960: 2, 1962: 3, 1964: 3, 1969: 4, 1971: 5, 1973: 4,
    1975: 2, 1988: 2, 1992: 1, and none from 1977 to 1986, in 1990 or 1994."""
    opps, _ = record
    counts = {o.label: len(o.launches) for o in opps if int(o.label) <= 1995}
    expected = {"1960": 2, "1962": 3, "1964": 3, "1969": 4, "1971": 5, "1973": 4, "1975": 2, "1988": 2, "1992": 1}
    for label, n in counts.items():
        assert n == expected.get(label, 0), label


def test_every_launch_is_in_a_computed_window(record):
    """Every catalogued Mars launch falls inside, or within three weeks of, the window (C3 within 5 km^2/s^2
    of the minimum) of one computed opportunity — except the two documented in mars_missions.md that left
    Earth by another route: Nozomi (lunar and Earth swingbys, 1998) and ESCAPADE (loiter orbit, 2025)."""
    opps, _ = record
    placed = {m.entry.name: m.in_window for o in opps for m in o.launches}
    mars = [e for e in load_catalogue() if e.is_mars_mission]
    assert set(placed) == {e.name for e in mars}
    outside = sorted(name.split(" (")[0] for name, ok in placed.items() if not ok)
    assert outside == ["ESCAPADE", "Nozomi"]


def test_ballistic_arcs_beside_the_optimum(record):
    """Each mission's single Lambert arc between its launch and arrival dates costs at least the
    opportunity's minimum C3 (the minimum is over all such arcs; 0.5 % allows for MOI vs barycentre timing);
    2020: Tianwen-1's arc is a Type I of ~202 days; launch failures and Nozomi get a reason, not a number."""
    opps, _ = record
    for o in opps:
        for m in o.launches:
            if m.arc.c3_km2s2 is not None:
                assert m.arc.c3_km2s2 >= o.min_c3_km2s2 * 0.995, m.entry.name
            else:
                assert m.arc.note
    o2020 = next(o for o in opps if o.label == "2020")
    tw = next(m for m in o2020.launches if m.entry.short_name == "Tianwen-1")
    assert tw.arc.type == "I" and abs(tw.arc.tof_days - 202.3) < 0.5 and 13.0 < tw.arc.c3_km2s2 < 14.5
    nozomi = next(m for o in opps for m in o.launches if m.entry.short_name == "Nozomi")
    assert nozomi.arc.c3_km2s2 is None and "ballistic" in nozomi.arc.note


def test_user_catalogue_is_added_and_checked(tmp_path):
    good = tmp_path / "mine.csv"
    good.write_text(",".join(COLUMNS) + "\nMy Cubesat,Uni,Nowhere,2022-09-20,,orbiter,launch-failure,false,,my notes\n")
    opps, summary = history(2022, 2022, extra_catalogues=[good])
    assert summary["with_launch"] == 1 and opps[0].launches[0].entry.short_name == "My Cubesat"
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(COLUMNS) + "\nX,Uni,Nowhere,2022-13-20,,orbiter,success,false,,src\n")
    with pytest.raises(TianwenError, match="bad.csv row 2"):
        read_catalogue_file(bad)
    with pytest.raises(TianwenError, match="cannot read"):
        read_catalogue_file(tmp_path / "missing.csv")


def test_cli_history_json_and_plot(tmp_path, cli):
    out = tmp_path / "history.html"
    p = cli("history", "--since", "2016", "--until", "2020", "--json", "--out", str(out))
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert set(data) == {"opportunities", "summary"}
    assert data["summary"] == {"since": 2016, "until": 2020, "opportunities": 3, "with_launch": 3}
    o = data["opportunities"][-1]
    assert set(o) == {"label", "window_open", "window_close", "min_c3_km2s2", "min_c3_launch", "missions"}
    assert o["label"] == "2020"
    assert o["window_open"] <= "2020-07-19" <= o["window_close"] and abs(o["min_c3_km2s2"] - 13.09) < 0.05
    tw = o["missions"][1]
    assert {k: tw[k] for k in ("name", "agency", "launch", "outcome")} == {
        "name": "Tianwen-1", "agency": "CNSA", "launch": "2020-07-23", "outcome": "success"}
    assert out.stat().st_size > 100_000


def test_cli_history_bad_input(tmp_path, cli):
    p = cli("history", "--since", "2020", "--until", "2010")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
