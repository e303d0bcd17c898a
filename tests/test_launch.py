"""Tests of tianwen.launch: launch periods, daily windows and site reach against what real Mars missions did.

References (full citations in src/tianwen/data/launch_vehicles.md, launch_sites.md and docs/launch.md):

* launch periods and launch times: NASA/JPL and press pages quoted in each test's docstring;
* the Tianwen-1 escape hyperbola: Bill Gray's Find_Orb fit to 110 tracking observations of 2020-049A
  (projectpluto.com/pluto/mpecs/tianwea.htm, quoted on orbiter-forum.com thread 38116): perigee 6571.989 km,
  e = 1.1972718520, i = 29.42030776 deg, node 341.68008391 deg, argument of perigee 249.91904731 deg (J2000
  equator), perigee passage 2020-07-23.21849682 TT;
* NLS-II performance-website tables for Atlas V 401 and Falcon Heavy (expendable) as queried and transcribed by
  the MERLOT launcher model (an independent transcription of the same NASA data that EMTG fitted).
"""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from tianwen.errors import TianwenError
from tianwen.launch import (daily_windows, inclination_deg, launch_geometry, launch_period, reachable_dla_deg, site,
                            sites, vehicle, vehicles)
from tianwen.time import epoch


def _day(period, date):
    found = [d for d in period.days if d.launch_utc.startswith(date)]
    return found[0] if found else None


# --- launch periods of real missions -----------------------------------------------------------------------------

# (mission, opportunity, vehicle, site, launch mass kg, arrival constraint, real launch UTC, published period)
MISSIONS = {
    "MSL": (2011, "Atlas V 541", "Cape Canaveral", 3839.0, {"arrival_fixed": "2012-08-06"},
            "2011-11-26T15:02:00", ("2011-11-25", "2011-12-18")),
    "Mars 2020": (2020, "Atlas V 541", "Cape Canaveral", 3965.0, {"arrival_fixed": "2021-02-18"},
                  "2020-07-30T11:50:00", ("2020-07-30", "2020-08-15")),
    "InSight": (2018, "Atlas V 401", "Vandenberg", 721.0, {"arrival_fixed": "2018-11-26"},
                "2018-05-05T11:05:00", ("2018-05-05", "2018-06-08")),
    "Hope": (2020, "H-IIA 202", "Tanegashima", 1350.0, {"arrival_fixed": "2021-02-09"},
             "2020-07-19T21:58:14", ("2020-07-15", "2020-08-13")),
    "ExoMars TGO": (2016, "Proton-M/Breeze-M", "Baikonur", 4309.0, {"arrival_fixed": "2016-10-19"},
                    "2016-03-14T09:31:00", ("2016-03-14", "2016-03-25")),
}


@pytest.fixture(scope="module")
def periods():
    return {name: launch_period(opp, veh, st, mass, **arr)
            for name, (opp, veh, st, mass, arr, _, _) in MISSIONS.items()}


@pytest.mark.parametrize("name", list(MISSIONS))
def test_real_launch_day_is_inside_the_computed_launch_period(periods, name):
    """With the real vehicle, site, launch mass and arrival date, the day each mission flew is a feasible day.

    Five missions, three vehicle families (Atlas V, H-IIA, Proton), four sites. Launch mass, period, arrival:
    MSL 3839 kg (Wikipedia infobox, 8,463 lb), period 2011-11-25..12-18 with landing 2012-08-06..20
    (JPL via universetoday.com/64807, stardrive.org); Mars 2020 3965 kg (not found published: MSL's 3839 kg plus
    Perseverance's 126 kg over Curiosity, 1025 vs 899 kg, JPL quick facts / astronomy.com), period 2020-07-30..
    08-15 (livescience.com, 2020-07-29), landing 2021-02-18; InSight 694 kg + two 13.5 kg MarCO = 721 kg, period
    2018-05-05..06-08 (redplanet.asu.edu, 2018-04), landing 2018-11-26; Hope 1350 kg (missions/hope.toml),
    period 2020-07-15..08-13 (first attempt 2020-07-14 20:51 UTC, republicworld.com; "by Aug. 13", Nikkei via
    PanOrient 2020-07-17), arrival 2021-02-09; ExoMars TGO+Schiaparelli ~4309 kg (9,500 lb, NASA Spaceflight
    via tumblr 2016-03-14), period 2016-03-14..25 (ESA, exploration.esa.int 2015-12-21), MOI 2016-10-19.

    Computed period (ballistic, best C3 whose DLA the site reaches, no margin) against the published one:

    ============ ======================== ======================== =========================================
    mission      computed                 published                main cause of the difference
    ============ ======================== ======================== =========================================
    MSL          2011-10-02..12-16 (gaps) 2011-11-25..12-18        opens 54 d early: the real period was set
                                                                   by landing date and relay geometry; closes
                                                                   2 d early: arrival held at Aug 6 here, the
                                                                   real one slid to Aug 20
    Mars 2020    2020-07-10..08-09        2020-07-30..08-15        opens early: the real opening moved from
                                                                   07-17 to 07-30 for processing; closes 6 d
                                                                   early: NLS-II curves are conservative (they
                                                                   carry NASA's planning reserves) and the mass
                                                                   is an estimate
    InSight      2018-01-20..07-09 (gaps) 2018-05-05..06-08        a 721 kg payload on a 401 is never short:
                                                                   only the fixed landing date bounds it (the
                                                                   start is the edge of the searched span)
    Hope         2020-07-01..08-14        2020-07-15..08-13        closes within 1 d; opens 14 d early
    ExoMars TGO  2015-12-13..2016-04-04   2016-03-14..25           TGO flew a deep-space manoeuvre (July
                                                                   2016), so its launch was not the ballistic
                                                                   minimum; the real period is set by it
    ============ ======================== ======================== =========================================

    So the model bounds a launch period from outside (performance and DLA); arrival constraints, margins and the
    vehicle's real (less conservative) performance narrow it. The test fails if the day flown is not feasible.
    """
    real = MISSIONS[name][5][:10]
    p = periods[name]
    assert p.open_utc[:10] <= real <= p.close_utc[:10]
    d = _day(p, real)
    assert d is not None and d.margin_kg >= 0.0
    assert abs(d.dla_deg) <= site(MISSIONS[name][2]).dla_reach_deg()


@pytest.mark.parametrize("name", ["MSL", "Mars 2020", "Hope"])
def test_daily_window_contains_the_published_launch_time(periods, name):
    """The published liftoff time lies inside a computed daily window of the launch day.

    MSL: 15:02:00.211 UTC 2011-11-26, window 15:02-16:45 UT (NASA KSC ELV status report 2011-12-02;
    skyatnightmagazine.com); Mars 2020: 11:50 UTC 2020-07-30, a two-hour window (NASA blogs 2020-07-20);
    Hope: 21:58:14 UTC 2020-07-19 (MHI via PanOrient, "6:58:14 a.m. JST"). The model window is an outer bound
    (any coast, any azimuth the range allows), hours long, not the vehicle's 2-hour window; the check is that the
    published time is inside it, to the 20-s sampling. It fails if the asymptote's RLA, the site's longitude or
    the Earth-rotation model were wrong by more than the slack (about an hour of RLA, 15 deg).
    """
    t = epoch(MISSIONS[name][5]).to("utc")
    d = _day(periods[name], MISSIONS[name][5][:10])
    assert any(w.open_jd_utc - 1e-6 <= float(t.jd) <= w.close_jd_utc + 25.0 / 86400.0 for w in d.windows), d.windows


# Missions flown on vehicles without a sourced curve (Delta II) or with a conservative one (MAVEN): their asymptote
# and daily window are checked without the vehicle. (launch date UTC, arrival date UTC, published liftoffs UTC)
LIFTOFFS = {
    "Phoenix": ("2007-08-04", "2008-05-25", ["2007-08-04T09:26:34", "2007-08-04T10:02:59"]),
    "MER-A": ("2003-06-10", "2004-01-04", ["2003-06-10T17:58:47"]),
    "MER-B": ("2003-07-08", "2004-01-25", ["2003-07-08T02:35:23", "2003-07-08T03:18:15"]),
    "MAVEN": ("2013-11-18", "2014-09-22", ["2013-11-18T18:28:00"]),
}


def _asymptote(launch, arrival):
    from tianwen.porkchop import porkchop

    g = porkchop((launch, launch), (arrival, arrival), step_days=1.0, scheduler=False)
    return tuple(float(g[k].values[0, 0]) for k in ("c3", "dla", "rla"))


@pytest.mark.parametrize("name", list(LIFTOFFS))
def test_published_liftoffs_from_the_cape_are_inside_the_computed_daily_window(name):
    """Each published liftoff time lies inside a computed daily window for the ballistic asymptote of that launch
    day and the real arrival date, from Cape Canaveral.

    Published times: Phoenix 05:26:34 EDT 2007-08-04 (launchphotography.com; data/mars_missions.csv) and the day's
    second opportunity 06:02:59 EDT (JPL release 2007-084, quoted on usmessageboard.com); MER-A 1:58:47 pm EDT
    2003-06-10, "an instantaneous window" (Boeing release 2003-06-10); MER-B "10:35:23 and 11:18:15 p.m. EDT" on
    2003-07-07 (KSC release 56-03, 2003-07-05), flown at 11:18:15; MAVEN 1:28 pm EST 2013-11-18, the opening of a
    two-hour window (astronomy.com 2013-11-11). Arrivals: landings (Phoenix 2008-05-25, MER-A 2004-01-04, MER-B
    2004-01-25) and MAVEN's MOI 2014-09-22 (data/mars_missions.csv). Delta II launches were instantaneous
    windows after a parking-orbit coast (Phoenix's coast lasted 64.5 min, kevinforsyth.net 2007-08-04), so the
    check is that the time is inside the model's outer-bound window (any coast), to its 20-s sampling; it fails if
    the RLA, the pad longitude or the Earth-rotation model were wrong by more than the window's slack.
    """
    launch, arrival, times = LIFTOFFS[name]
    c3, dla, rla = _asymptote(launch, arrival)
    assert site("ksc").reaches_dla(dla)
    wins = daily_windows("ksc", rla, dla, launch, c3_km2s2=c3)
    for t in times:
        jd = float(epoch(t).to("utc").jd)
        assert any(w.open_jd_utc - 1e-6 <= jd <= w.close_jd_utc + 25.0 / 86400.0 for w in wins), (t, wins)


def test_phoenix_ballistic_c3_matches_the_flown_escape_energy():
    """Phoenix's escape hyperbola after the Star 48 burn had C3 = 29.080 km^2/s^2 (Jonathan McDowell's launch log,
    quoted at weebau.com/satplan/phoenix.htm). tianwen's ballistic transfer from 2007-08-04 00:00 UTC to the landing
    date 2008-05-25 (DE421) must agree within 0.3 km^2/s^2: the C3 falls ~0.35 km^2/s^2 a day then, so the 9.4 h
    between 00:00 UTC and liftoff is worth ~0.14, and the real trajectory aimed at entry (minutes before landing)
    with later trajectory corrections. This is the C3 at which a Delta II curve would have had to lift Phoenix."""
    c3, _, _ = _asymptote("2007-08-04", "2008-05-25")
    assert c3 == pytest.approx(29.080, abs=0.3)


def test_phoenix_published_period_closes_for_site_and_window_the_vehicle_part_untested():
    """Phoenix's published launch period, 2007-08-03 to 08-24 ("the earliest possible launch time will be Aug. 3",
    NASA release 18-07 of 2007-05-08; "a 22 day launch window in August of 2007", phoenix.lpl.arizona.edu), with
    the landing held on 2008-05-25: on every day the Cape reaches the asymptote's DLA and has a daily window, so
    the site and window constraints of tianwen's launch period do not cut it. The vehicle constraint cannot be
    tested: no Delta II 7925 escape curve was found in a source (launch_vehicles.md). The C3 the Delta II had to
    give rises to about 40 km^2/s^2 on 08-24 (docs/launch.md), which is what a curve would have to reach."""
    from tianwen.porkchop import porkchop

    g = porkchop(("2007-08-03", "2007-08-24"), ("2008-05-25", "2008-05-25"), step_days=1.0, scheduler=False)
    assert g.departure.size == 22
    ksc = site("ksc")
    for i in range(22):
        c3, dla, rla = (float(g[k].values[i, 0]) for k in ("c3", "dla", "rla"))
        assert ksc.reaches_dla(dla), (i, dla)
        day = str(g.departure.values[i])[:10]
        assert daily_windows(ksc, rla, dla, day, c3_km2s2=c3, step_s=60.0), day
    assert float(g["c3"].values[-1, 0]) == pytest.approx(40.2, abs=0.3)
    with pytest.raises(TianwenError, match=r"unknown launch vehicle 'delta-ii-7925'"):
        vehicle("delta-ii-7925")


def test_maven_on_the_nlsii_atlas_v_401_curve_is_conservative():
    """MAVEN (Atlas V 401, Cape Canaveral) flew a "5,400-pound spacecraft" (2449 kg; NASA/JPL release 2013-11-18,
    mission-managers-hail-successful-maven-launch) on 2013-11-18, in a period "from Nov. 18 through Dec. 7"
    (UPI 2013-10-30, slashgear.com 2013-11-12), to MOI on 2014-09-22.

    On the flown day the ballistic C3 to that arrival is 12.26 km^2/s^2, where the NLS-II planning curve gives
    2296 kg: more than 100 kg short of what flew. So the curve is conservative (NASA's planning reserves), and the
    computed period for 2449 kg with the arrival held is 2013-12-04..12-07: it closes on the published close but
    opens 16 days late, without the day flown. The "1 kg short" found for 2454 kg (a figure not found in a source)
    is inside the rounding of the published mass (5,400 lb is given to 100 lb, +-23 kg): not a data error, and
    not the cause; the curve's conservatism at MAVEN's C3 is."""
    c3, _, _ = _asymptote("2013-11-18", "2014-09-22")
    cap = vehicle("atlas-v-401").capability_kg(c3)
    assert c3 == pytest.approx(12.26, abs=0.05)
    assert cap < 2449.0 - 100.0
    p = launch_period(2014, "atlas-v-401", "ksc", 2449.0, arrival_fixed="2014-09-22")
    assert p.close_utc[:10] == "2013-12-07"
    assert p.open_utc[:10] > "2013-11-18"
    with pytest.raises(TianwenError, match=r"1 kg short"):
        launch_period(2014, "atlas-v-401", "ksc", 2454.0, arrival_fixed="2014-09-22")


# --- Tianwen-1: the observed escape hyperbola --------------------------------------------------------------------

def _tianwen1_asymptote():
    """RLA, DLA (deg) and C3 of Tianwen-1's observed escape hyperbola, from the Find_Orb elements (module doc)."""
    q, e, inc, node, argp = 6571.98920246, 1.1972718520, 29.42030776, 341.68008391, 249.91904731
    nu_inf = math.acos(-1.0 / e)
    u, i = math.radians(argp) + nu_inf, math.radians(inc)
    dla = math.degrees(math.asin(math.sin(i) * math.sin(u)))
    rla = (node + math.degrees(math.atan2(math.cos(i) * math.sin(u), math.cos(u)))) % 360.0
    return rla, dla, 398600.4418 * (e - 1.0) / q


def test_tianwen1_plane_through_wenchang_at_liftoff_has_the_observed_inclination():
    """At Tianwen-1's liftoff (2020-07-23 04:41:15 UTC, Xinhua), the plane through Wenchang's pad and the observed
    asymptote has the observed escape-orbit inclination 29.42 deg and a south-east launch azimuth.

    An independent check of the window geometry: the plane comes from the pad position (Earth rotation angle,
    IAU 2006/2000A) and the asymptote direction only, and is compared with an orbit fitted to tracking data.
    Tolerance 0.15 deg: the ascent takes 32 min (perigee passage 05:13:29 UTC) during which the real plane is
    fixed in inertial space but J2 and the vertical offset of the pad shift it by a few hundredths of a degree,
    and the Find_Orb fit's node is uncertain to 0.005 deg. The azimuth must be the southerly of cos i = cos(lat)
    sin(az): 112.4 deg, inside Wenchang's range.
    """
    rla, dla, c3 = _tianwen1_asymptote()
    g = launch_geometry("wenchang", rla, dla, epoch(["2020-07-23T04:41:15"]), c3_km2s2=c3)
    k = int(np.argmin(g["inclination_deg"][0]))  # the prograde of the two orientations
    assert g["inclination_deg"][0, k] == pytest.approx(29.42030776, abs=0.15)
    assert g["azimuth_deg"][0, k] == pytest.approx(112.4, abs=0.5)
    assert site("wenchang").azimuth_allowed(g["azimuth_deg"][0, k])


def test_tianwen1_liftoff_is_inside_the_window_for_its_observed_asymptote():
    """Tianwen-1 lifted off at 04:41:15 UTC inside its published 30-minute daily window (Xinhua via Free Press
    Journal, 2020-07-23); the computed window for the observed asymptote contains that time. A direct ascent
    (injection 10-60 deg downrange) has no window that day: the fitted perigee is 32 min after liftoff, so the
    Long March 5 coasted, as the model says it must have."""
    rla, dla, c3 = _tianwen1_asymptote()
    t = float(epoch("2020-07-23T04:41:15").jd)
    wins = daily_windows("wenchang", rla, dla, "2020-07-23", c3_km2s2=c3)
    assert any(w.open_jd_utc <= t <= w.close_jd_utc for w in wins)
    assert daily_windows("wenchang", rla, dla, "2020-07-23", c3_km2s2=c3, ascent="direct") == []


def test_tianwen1_on_the_long_march_5_curve_has_no_ballistic_launch_day():
    """The Long March 5 curve joins the published 8 t to Earth-Moon transfer and 5 t to Earth-Mars transfer, the
    latter placed at Tianwen-1's own escape C3 (11.97 km^2/s^2 from the Find_Orb orbit). Tianwen-1 then made a
    deep-space manoeuvre (2020-10-09), so its launch C3 was below any ballistic transfer: the lowest ballistic C3
    of 2020 is about 13.1 km^2/s^2, and the launch period for 5000 kg must be empty with a message that names the
    curve's validity range, not an empty table. This is the documented limit of a ballistic launch-period model.
    """
    rla, dla, c3 = _tianwen1_asymptote()
    assert c3 == pytest.approx(11.97, abs=0.01)
    assert vehicle("lm-5").c3_max_km2s2 == pytest.approx(c3, abs=0.01)
    with pytest.raises(TianwenError, match=r"validity range -2.04 to 11.97"):
        launch_period(2020, "lm-5", "wenchang", 5000.0)


# --- site reach --------------------------------------------------------------------------------------------------

def test_cape_canaveral_inclinations_from_azimuth_limits_match_the_published_ones():
    """Cape Canaveral/KSC allows launch azimuths 35-120 deg, which give (the 1996 SeeSat-L note quoting them)
    "approximate" inclinations 57 and 39 deg, and a due-east launch the latitude, 28.5 deg (sciref.net, satobs.org
    SeeSat-L 1996-03-27). cos i = cos(lat) sin(az) at 28.58 deg gives 59.8 and 40.4 deg: within the note's
    rounding of 3 deg. The lowest inclination must equal the latitude to 0.01 deg (az = 90 is in the range)."""
    ksc = site("ksc")
    lo, hi = ksc.inclination_range_deg()
    assert lo == pytest.approx(ksc.latitude_deg, abs=0.01)
    assert lo == pytest.approx(ksc.published_inclination_min_deg, abs=0.2)
    assert hi == pytest.approx(ksc.published_inclination_max_deg, abs=3.0)
    assert float(inclination_deg(ksc.latitude_deg, 120.0)) == pytest.approx(39.0, abs=1.5)
    assert reachable_dla_deg("ksc") == pytest.approx((-hi, hi))


@pytest.mark.parametrize("name", [s.name for s in sites()])
def test_windows_exist_exactly_when_the_dla_is_within_the_site_reach(name):
    """An invariant tying the reach rule to the window geometry (an independent construction): for asymptotes
    with |DLA| below the site's reach there is a daily window, for |DLA| more than 1 deg above it there is none,
    at any RLA. Random directions, fixed seed; 1 deg of slack covers the 20-s sampling near the reach limit."""
    s = site(name)
    reach = s.dla_reach_deg()
    rng = np.random.default_rng(7)
    for rla in rng.uniform(0.0, 360.0, 3):
        inside = rng.uniform(-reach + 0.5, reach - 0.5)
        assert daily_windows(s, rla, inside, "2030-01-01", step_s=60.0), (rla, inside)
        if reach < 89.0:
            outside = math.copysign(rng.uniform(reach + 1.0, 89.9), rng.uniform(-1, 1))
            assert daily_windows(s, rla, outside, "2030-01-01", step_s=60.0) == [], (rla, outside)


# --- vehicle curves ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, table", [
    ("Atlas V 401", {0: 3035, 5: 2720, 10: 2425, 15: 2145, 20: 1880, 25: 1630, 30: 1400, 35: 1185, 40: 985, 45: 800}),
    ("Falcon Heavy expendable", {0: 15010, 10: 12345, 20: 10115, 30: 8230, 40: 6640, 50: 5280, 60: 4100, 70: 3080}),
])
def test_nlsii_polynomial_fits_reproduce_the_nlsii_tables(name, table):
    """The EMTG polynomial fits (our data) against NLS-II website queries transcribed independently (the MERLOT
    launcher model's tables). MERLOT extends its tables linearly beyond the source data (its header says so: the
    Atlas V 401 rows above C3 = 45 and the Falcon Heavy rows above 70 fall in exact 185 kg and 1020 kg steps), so
    only the rows up to there are compared. Tolerance 10 kg: the website rounds to 5 kg and the 5th-order fits
    leave residuals of a few kg (the largest seen is 4 kg)."""
    v = vehicle(name)
    for c3, kg in table.items():
        assert v.capability_kg(c3) == pytest.approx(kg, abs=10.0), c3


ARIANE5_PYKEP = {  # (V-infinity km/s, declination deg) -> kg, read off pykep's _data_Ariane5 (commit dc25241)
    (0.5, 0): 6191.0, (4.5, 0): 3155.0, (5.5, 5): 2260.0, (3.5, 20): 4081.0, (0.5, 50): 5302.0, (1.0, -20): 4667.0,
    (2.0, -5): 5295.0, (3.0, 35): 3868.0, (3.0, 30): 4167.0,
}


def test_ariane5_grid_is_pykeps_table_in_c3_and_dla():
    """The Ariane 5 grid (Arianespace's ExoMars-era table as published in ESA's pykep, launch_vehicles.md) read back
    at the source's nodes: V-infinity squared to C3, rows in declination order. Values typed from pykep's file, so
    a wrong squaring, a row shift or a transposition fails; exact to the kilogram (the source gives whole kg)."""
    v = vehicle("ariane-5")
    for (vinf, dec), kg in ARIANE5_PYKEP.items():
        assert v.capability_kg(vinf ** 2, dec) == pytest.approx(kg, abs=0.5), (vinf, dec)


def test_ariane5_grid_interpolates_bilinearly_and_not_into_its_gaps():
    """Between four nodes with capability the value is the bilinear one (computed here from the four corners); next
    to a node where the source gives a negative mass (no capability) it is 0, not a blend (DLA +10 and +15 have
    none at any C3 in the source); without a DLA it is the best row's; outside the table's DLA range it raises."""
    v = vehicle("ariane-5")
    c3a, c3b, da, db = 2.25, 4.0, -5.0, 0.0
    corners = [[v.capability_kg(c, d) for c in (c3a, c3b)] for d in (da, db)]
    tc, td = 0.3, 0.6
    want = ((1 - td) * ((1 - tc) * corners[0][0] + tc * corners[0][1])
            + td * ((1 - tc) * corners[1][0] + tc * corners[1][1]))
    assert v.capability_kg(c3a + tc * (c3b - c3a), da + td * (db - da)) == pytest.approx(want, rel=1e-12)
    assert v.capability_kg(9.0, 7.5) == 0.0 and v.capability_kg(9.0, 12.0) == 0.0
    assert v.capability_kg(9.0, 5.0) == pytest.approx(4729.0)
    best = max(v.capability_kg(9.0, d) for d in v.dla_points_deg)
    assert v.capability_kg(9.0) == pytest.approx(best)
    with pytest.raises(TianwenError, match=r"DLA 55.00 deg is outside the Ariane 5 table's DLA range -50 to 50"):
        v.capability_kg(9.0, 55.0)


def test_launch_period_with_a_dla_table_keeps_the_transfer_the_vehicle_lifts_most_on():
    """With a performance table in C3 and DLA, the day's transfer is not the lowest C3 but the one the vehicle
    lifts most mass on. Checked by brute force on three days of an Ariane 5 period from Kourou (2020, arrival
    2021-02-01..03-15): each day's porkchop row recomputed here, the capability of every reachable transfer
    evaluated, and the largest compared with the day's. Kourou reaches every DLA."""
    from tianwen.porkchop import porkchop

    v = vehicle("ariane-5")
    p = launch_period(2020, v, "kourou", 3000.0, arrive=("2021-02-01", "2021-03-15"))
    above_lowest = []
    for d in p.days[::15]:
        day = d.launch_utc[:10]
        g = porkchop((day, day), ("2021-02-01", "2021-03-15"), step_days=1.0, scheduler=False)
        c3, dla = g["c3"].values[0], g["dla"].values[0]
        caps = v.capability_kg(c3, dla, check=False)
        assert d.capability_kg == pytest.approx(float(np.nanmax(caps)), abs=1e-6), day
        lowest_c3 = v.capability_kg(float(np.nanmin(c3)), float(dla[np.nanargmin(c3)]), check=False)
        assert d.capability_kg >= lowest_c3 - 1e-6
        above_lowest.append(d.c3_km2s2 > float(np.nanmin(c3)) + 0.01)
    assert any(above_lowest)  # the choice differs from "lowest C3" on some day (DLA +10..+15 has no capability)


def test_new_glenn_source_carries_nlsii_figures_for_falcon_heavy():
    """The New Glenn row comes from an unattributed table (C3_function.m, launch_vehicles.md). Its Falcon Heavy
    expendable row is the evidence that it holds NLS-II website figures: at C3 0-70 it must agree with the EMTG fit
    to the NLS-II curve (our Falcon Heavy row) within 10 kg, the tolerance of the NLS-II test above. The New Glenn
    numbers themselves stay unverified; this test fails if the provenance argument is false."""
    c3_function_fh = {0: 15010, 10: 12345, 20: 10115, 30: 8225, 40: 6640, 50: 5280, 60: 4100, 70: 3080}
    fh = vehicle("falcon-heavy")
    for c3, kg in c3_function_fh.items():
        assert fh.capability_kg(c3) == pytest.approx(kg, abs=10.0), c3
    ng = vehicle("new-glenn")
    assert (ng.c3_min_km2s2, ng.c3_max_km2s2) == (0.0, 30.0)


def test_every_vehicle_is_sourced_monotone_and_refuses_to_extrapolate():
    """Every vehicle names a source and a date; its capability falls as C3 rises over its validity range (a curve
    that rises is a transcription error); outside the range it raises naming the value and the range."""
    for v in vehicles():
        assert v.source and v.source_date and v.how
        c3 = np.linspace(v.c3_min_km2s2, v.c3_max_km2s2, 200)
        m = v.capability_kg(c3)
        assert np.all(np.diff(m) <= 1e-6), v.name
        with pytest.raises(TianwenError, match="validity range"):
            v.capability_kg(v.c3_max_km2s2 + 1.0)
    assert vehicle("PSLV-XL").model == "orbit+kick"


def test_pslv_xl_is_earth_orbit_plus_the_spacecrafts_own_injection():
    """PSLV-XL is modelled as the Mars Orbiter Mission flew: 1337 kg in a 248 x 23 550 km orbit (ISRO), then the
    spacecraft's own perigee burn. Closed form checked independently: vis-viva perigee speed of that ellipse and
    of the escape hyperbola, Tsiolkovsky with Isp 318 s; R = 6378.137 km, GM = 398600.436 km^3/s^2 (DE421)."""
    gm, rp, ra = 398600.43623333966, 6378.137 + 248.0, 6378.137 + 23550.0
    vp = math.sqrt(gm * (2 / rp - 2 / (rp + ra)))
    for c3 in (0.0, 9.0, 16.0):
        dv = math.sqrt(c3 + 2 * gm / rp) - vp
        assert vehicle("pslv").capability_kg(c3) == pytest.approx(1337.0 * math.exp(-dv * 1000 / (9.80665 * 318)),
                                                                  rel=1e-9)


# --- the period's options ------------------------------------------------------------------------------------------

def test_days_n_picks_the_run_of_least_design_c3(periods):
    """``days=N``: among all runs of N consecutive feasible days, the one whose largest C3 is least (brute force
    here over the full period's days), and the design C3 is that largest C3."""
    full = periods["Hope"]
    n = 10
    c3 = [d.c3_km2s2 for d in full.days]
    best = min(max(c3[k:k + n]) for k in range(len(c3) - n + 1))
    p = launch_period(2020, "H-IIA 202", "Tanegashima", 1350.0, arrival_fixed="2021-02-09", days=n)
    assert len(p.days) == n
    assert p.design_c3_km2s2 == pytest.approx(best)
    assert p.design_c3_km2s2 == pytest.approx(max(d.c3_km2s2 for d in p.days))


def test_next_is_an_opportunity_with_launch_days_on_or_after_today():
    """On 2026-12-06 the 2026 opportunity's best dates (2026-10-31, 11-13) are past (issue 14). "next" must give
    only days on or after today, from whichever opportunity still has one for a Falcon Heavy from the Cape."""
    p = launch_period("next", "falcon-heavy", "ksc", 2000.0, today="2026-12-06")
    assert p.days and all(d.launch_utc[:10] >= "2026-12-06" for d in p.days)
    assert p.open_utc[:10] >= "2026-12-06"


# --- the CLI -------------------------------------------------------------------------------------------------------

CLI = {
    "json": ["launch-period", "--opportunity", "2020", "--vehicle", "h-iia-202", "--site", "tanegashima",
             "--payload-kg", "1350", "--arrival-fixed", "2021-02-09", "--days", "5", "--json"],
    "unknown vehicle": ["launch-period", "--opportunity", "2020", "--vehicle", "saturn-v", "--site", "ksc",
                        "--payload-kg", "1000"],
    "unknown site": ["launch-period", "--opportunity", "2020", "--vehicle", "atlas-v-401", "--site", "woomera",
                     "--payload-kg", "1000"],
    "too heavy": ["launch-period", "--opportunity", "2020", "--vehicle", "atlas-v-401", "--site", "ksc",
                  "--payload-kg", "20000"],
    "validity": ["launch-period", "--opportunity", "2020", "--vehicle", "lm-5", "--site", "wenchang",
                 "--payload-kg", "5000"],
}


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Run every command as a user does (``python -m tianwen``), two at a time (the machine has two cores)."""
    env = {k: v for k, v in os.environ.items() if k != "TIANWEN_DEBUG"}
    cwd = tmp_path_factory.mktemp("cli")
    out, names = {}, list(CLI)
    for k in range(0, len(names), 2):
        procs = {n: subprocess.Popen([sys.executable, "-m", "tianwen", *CLI[n]], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env, cwd=cwd) for n in names[k:k + 2]}
        for n, pr in procs.items():
            so, se = pr.communicate(timeout=600)
            out[n] = (pr.returncode, so, se)
    return out


def test_cli_json_has_the_issue_keys(cli_runs):
    """``--json`` prints the keys issue 14 lists, with the library's numbers (a thin skin)."""
    code, so, se = cli_runs["json"]
    assert code == 0, se
    d = json.loads(so)
    for k in ("opportunity", "vehicle", "site", "payload_kg", "open_utc", "close_utc", "design_c3_km2s2", "days"):
        assert k in d
    assert len(d["days"]) == 5
    for k in ("launch_utc", "arrival_utc", "c3_km2s2", "dla_deg", "rla_deg", "capability_kg", "margin_kg",
              "window_open_utc", "window_close_utc"):
        assert k in d["days"][0]
    assert d["design_c3_km2s2"] == pytest.approx(max(x["c3_km2s2"] for x in d["days"]))
    assert d["vehicle"] == "H-IIA 202" and d["site"] == "Tanegashima"


@pytest.mark.parametrize("name, words", [
    ("unknown vehicle", ["unknown launch vehicle 'saturn-v'", "Atlas V 401", "Long March 5", "PSLV-XL"]),
    ("unknown site", ["unknown launch site 'woomera'", "Cape Canaveral", "Wenchang", "Satish Dhawan"]),
    ("too heavy", ["above the Atlas V 401's capability at every C3", "3035 kg"]),
    ("validity", ["validity range", "11.97"]),
])
def test_cli_bad_input_is_one_line_and_exit_2(cli_runs, name, words):
    """Bad input: one line on stderr naming the value and what is accepted, exit status 2, no traceback."""
    code, so, se = cli_runs[name]
    assert code == 2, (so, se)
    lines = se.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), se
    for w in words:
        assert w in lines[0], (w, lines[0])
