"""Tests of tianwen.time: epochs in UTC, TAI, TT and TDB, held as two-part Julian dates.

The references, none of them written by us:

* the IERS: Bulletin C 52 (leap second at the end of 2016-12-31, TAI-UTC = 37 s from 2017-01-01) and
  Bulletin C 49 (leap second at the end of 2015-06-30); TT = TAI + 32.184 s (IAU 1991 Resolution A4);
* the USNO/IERS table ``tai-utc.dat`` (maia.usno.navy.mil/ser7/tai-utc.dat) for the 1960-1971
  "rubber second" era, whose rows give TAI-UTC = A + (MJD - M0) x R seconds;
* skyfield's own time scales (``load.timescale(builtin=True)``: its own leap-second table, its own
  calendar code, and TDB-TT from USNO Circular 179 eq. 2.6), a second implementation used only here;
* Python's ``datetime`` for plain calendar arithmetic (days since 1970-01-01 = JD 2440587.5).
"""

import datetime as dt

import numpy as np
import pytest
from skyfield.api import load

from tianwen.errors import EpochError
from tianwen.time import Epoch, epoch

DAY_S = 86400.0
UNIX_EPOCH_JD = 2440587.5  # 1970-01-01T00:00 as a Julian date (a calendar fact, not tianwen's constant)


@pytest.fixture(scope="module")
def ts():
    return load.timescale(builtin=True)


def seconds_between(a: Epoch, b: Epoch) -> np.ndarray:
    """(a - b) in seconds from the two-part dates (no float JD rounding); scales are not converted."""
    return ((a.jd1 - b.jd1) + (a.jd2 - b.jd2)) * DAY_S


def seconds_from_skyfield(ours: Epoch, whole, fraction) -> np.ndarray:
    """ours - skyfield's (whole + fraction) in seconds, difference taken part by part."""
    return ((ours.jd1 - whole) + (ours.jd2 - fraction)) * DAY_S


def clock_jd(when: dt.datetime) -> tuple[float, float]:
    """Julian date (day, fraction) of a calendar date and clock reading, as if every day had 86400 s."""
    day = dt.datetime(when.year, when.month, when.day)
    days = (day - dt.datetime(1970, 1, 1)).days
    return UNIX_EPOCH_JD + days, (when - day).total_seconds() / DAY_S


# ---------------------------------------------------------------------------------------------------------
# Leap seconds and the fixed offsets
# ---------------------------------------------------------------------------------------------------------


def test_tt_minus_utc_in_2020_is_69_184_s():
    """TT - UTC = (TAI - UTC) + 32.184 s = 37 s + 32.184 s = 69.184 s all through 2020.

    Source: IERS Bulletin C 52 (TAI-UTC = 37 s from 2017-01-01 until further notice; no leap second was
    announced after it) and TT = TAI + 32.184 s exactly (IAU 1991). The offset is exact, so the tolerance
    is the two-part representation's resolution (~1e-11 s), rounded up to 1 ns.
    """
    utc = epoch(["2020-01-01T00:00:00", "2020-07-23T04:41:00", "2020-12-31T23:59:59"])
    assert utc.scale == "utc"
    np.testing.assert_allclose(seconds_between(utc.to("tt"), utc), 69.184, atol=1e-9)
    np.testing.assert_allclose(seconds_between(utc.to("tai"), utc), 37.0, atol=1e-9)


def test_leap_second_2016_is_one_tai_second_either_side():
    """2016-12-31T23:59:60 UTC exists and lies 1 s after 23:59:59 and 1 s before 2017-01-01T00:00:00.

    Source: IERS Bulletin C 52 (a positive leap second at the end of December 2016; TAI-UTC goes from
    36 s to 37 s). Measured in TAI, where every second is an SI second, so each gap is exactly 1 s; the
    tolerance (1 ns) is far above the two-part representation's ~1e-11 s and far below a second. The TAI
    calendar readings follow from the 36 s / 37 s offsets of the same bulletin.
    """
    before, leap, after = (epoch(s).to("tai") for s in
                           ("2016-12-31T23:59:59", "2016-12-31T23:59:60", "2017-01-01T00:00:00"))
    assert seconds_between(leap, before) == pytest.approx(1.0, abs=1e-9)
    assert seconds_between(after, leap) == pytest.approx(1.0, abs=1e-9)
    assert [before.iso(), leap.iso(), after.iso()] == [
        "2017-01-01T00:00:35", "2017-01-01T00:00:36", "2017-01-01T00:00:37"]


def test_leap_second_agrees_with_skyfield(ts):
    """The leap second and the half second inside it, against skyfield's own leap-second table.

    Source: skyfield's ``Timescale.utc`` (its own table and calendar code). Both are exact two-part
    computations, so they should agree to the nanosecond.
    """
    for second in (59.0, 60.0, 60.5):
        ours = epoch(f"2016-12-31T23:59:{second:04.1f}").to("tai")
        sky = ts.utc(2016, 12, 31, 23, 59, second)
        assert seconds_from_skyfield(ours, sky.whole, sky.tai_fraction) == pytest.approx(0.0, abs=1e-9)


def test_leap_second_is_written_as_60(ts):
    """A leap second prints as second 60, as skyfield prints it.

    Source: ITU-R TF.460 (the leap second is 23:59:60) and skyfield's ``utc_iso``; IERS Bulletins C 49
    and 52 for the two leap seconds used.
    """
    assert epoch("2016-12-31T23:59:60.5").utc_iso(1) == ts.utc(2016, 12, 31, 23, 59, 60.5).utc_iso(places=1)
    assert epoch("2016-12-31T23:59:60.5").utc_iso(1) == "2016-12-31T23:59:60.5Z"
    assert epoch("2015-06-30T23:59:60").utc_iso() == ts.utc(2015, 6, 30, 23, 59, 60).utc_iso()
    assert epoch("2015-06-30T23:59:60").utc_iso() == "2015-06-30T23:59:60Z"


@pytest.mark.parametrize("text", [
    "2015-12-31T23:59:60",      # no leap second at the end of 2015 (Bulletin C 50: none announced)
    "2016-12-30T23:59:60",      # the day before the real one
    "2016-12-31T23:58:60",      # second 60 only in the last minute of the day
    "2016-12-31T23:59:60 TT",   # TT has no leap seconds
])
def test_second_60_rejected_where_no_leap_second(text):
    """Second 60 is valid only in the last minute of a leap-second day, and only in UTC.

    Source: IERS Bulletins C 50 and 51 (no leap second at the end of 2015-12-31 or 2016-06-30);
    Bulletin C 52 (the one at the end of 2016-12-31).
    """
    with pytest.raises(EpochError) as info:
        epoch(text)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_tt_minus_utc_matches_skyfield_leap_seconds_1972_2025(ts):
    """TT - UTC on the 1st of every month 1972-2025, against skyfield's builtin leap-second table.

    Source: skyfield's UTC -> TT (its own copy of the IERS leap-second list and its own calendar). Both
    sides are two-part and exact, so the tolerance is 1 ns; a missed or misplaced leap second would be 1 s.
    """
    years = np.repeat(np.arange(1972, 2026), 12)
    months = np.tile(np.arange(1, 13), 2026 - 1972)
    ours = epoch([f"{y:04d}-{m:02d}-01T06:30:15.25" for y, m in zip(years, months)]).to("tt")
    sky = ts.utc(years, months, 1, 6, 30, 15.25)
    np.testing.assert_allclose(seconds_from_skyfield(ours, sky.whole, sky.tt_fraction), 0.0, atol=1e-9)


# ---------------------------------------------------------------------------------------------------------
# 1960-1971: UTC with rubber seconds; before 1960: no UTC at all
# ---------------------------------------------------------------------------------------------------------

# Rows of the USNO/IERS table tai-utc.dat in force at each test instant: (A s, M0 MJD, R s/day).
TAI_UTC_DAT = {
    "1960 JAN  1": (1.4178180, 37300.0, 0.001296),
    "1961 AUG  1": (1.3728180, 37300.0, 0.001296),
    "1962 JAN  1": (1.8458580, 37665.0, 0.0011232),
    "1965 JAN  1": (3.5401300, 38761.0, 0.001296),
    "1966 JAN  1": (4.3131700, 39126.0, 0.002592),
    "1968 FEB  1": (4.2131700, 39126.0, 0.002592),
    "1972 JAN  1": (10.0, 41317.0, 0.0),
}


@pytest.mark.parametrize("when, row", [
    (dt.datetime(1960, 1, 1), "1960 JAN  1"),
    (dt.datetime(1961, 9, 15, 6), "1961 AUG  1"),
    (dt.datetime(1962, 7, 1, 12), "1962 JAN  1"),
    (dt.datetime(1965, 1, 1), "1965 JAN  1"),
    (dt.datetime(1965, 2, 28, 18), "1965 JAN  1"),      # last day before the 1965-03-01 0.1 s step
    (dt.datetime(1967, 6, 15, 12), "1966 JAN  1"),
    (dt.datetime(1971, 12, 31, 12), "1968 FEB  1"),     # last day before the 1972 step to 10 s
    (dt.datetime(1972, 1, 1), "1972 JAN  1"),
])
def test_rubber_second_era_follows_tai_utc_dat(when, row):
    """TAI - UTC from 1960 to 1972 equals the published drift formula A + (MJD - M0) x R.

    Source: the USNO/IERS file tai-utc.dat (e.g. "1965 JAN 1 =JD 2438761.5 TAI-UTC= 3.5401300 S +
    (MJD - 38761.) X 0.001296 S"); MJD includes the fraction of the UTC day. TAI - UTC is measured against
    the UTC *clock reading* (calendar day + hh:mm:ss / 86400, from Python's datetime), not against ERFA's
    quasi-JD, which stretches the fraction on days that end with a step. The formula is exact, so the
    tolerance (1 us) only covers float round-off.
    """
    a, m0, rate = TAI_UTC_DAT[row]
    day, frac = clock_jd(when)
    expected = a + ((day - 2400000.5) + frac - m0) * rate
    tai = epoch(when.isoformat()).to("tai")
    got = ((tai.jd1 - day) + (tai.jd2 - frac)) * DAY_S
    assert got == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("value", [
    "1959-12-31T23:59:59",
    "1950-01-01Z",
    dt.datetime(1950, 1, 1),
    np.datetime64("1950-01-01T00:00"),
    ["2020-01-01", "1950-01-01"],
    [2433282.5],
    2433282.5,  # a bare number is a UTC Julian date unless a scale is given
])
def test_utc_before_1960_is_refused(value):
    """UTC is undefined before 1960-01-01, so a UTC epoch there raises EpochError with a one-line message.

    Source: the IERS/BIH define UTC from 1960-01-01 (first row of tai-utc.dat); the README and the module
    docstring promise a refusal that asks for an explicit scale. Every input form is checked.
    """
    with pytest.raises(EpochError) as info:
        epoch(value)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "\n" not in message and "1960" in message and ("TT" in message or "TDB" in message)


def test_pre_1960_epochs_in_tt_and_tdb_are_fine(ts):
    """Before 1960 an epoch in TT or TDB is accepted and converts between the two.

    Source: skyfield's TT -> TDB (USNO Circular 179 eq. 2.6, good to ~10 us), hence the 20 us tolerance.
    """
    ours = epoch("1950-01-01 TT").to("tdb")
    sky = ts.tt(1950, 1, 1)
    assert seconds_from_skyfield(ours, sky.whole, sky.tdb_fraction) == pytest.approx(0.0, abs=2e-5)
    assert epoch("JD 2433282.5 TDB").iso() == "1950-01-01T00:00:00"


# ---------------------------------------------------------------------------------------------------------
# TDB
# ---------------------------------------------------------------------------------------------------------


def test_tdb_minus_tt_is_periodic_and_under_2_ms():
    """|TDB - TT| stays under 2 ms and its annual term reaches ~1.66 ms, every 3 days 1900-2050.

    Source: Fairhead & Bretagnon (1990), A&A 229, 240; USNO Circular 179 eq. 2.6: TDB - TT =
    0.001657 s sin(g) + terms totalling < 60 us. So the maximum lies in [1.657 - 0.06, 1.657 + 0.06] ms.
    """
    tt = Epoch(np.arange(2415020.5, 2469807.5, 3.0), 0.0, "tt")  # 3 d: the peak is missed by < 0.1 us
    d = seconds_between(tt.to("tdb"), Epoch(tt.jd1, tt.jd2, "tdb"))
    assert np.max(np.abs(d)) < 2e-3
    assert 1.59e-3 < np.max(d) < 1.72e-3 and -1.72e-3 < np.min(d) < -1.59e-3


def test_tdb_minus_tt_agrees_with_skyfield(ts):
    """TDB at 23 epochs 1900-2050 from TT, against skyfield's TDB.

    Source: skyfield's ``tdb_minus_tt``, USNO Circular 179 eq. 2.6, a 7-term truncation of Fairhead &
    Bretagnon whose own error is "about 10 us" (Circular 179). tianwen uses the full series (ERFA's
    eraDtdb), so ~1 us agreement is impossible with this oracle: the differences seen are up to 5.6 us,
    and the tolerance is the truncation's stated 10 us. A wrong sign or scale of the term would be ~1.6 ms.
    """
    jd = np.linspace(2415020.5, 2469807.5, 23)
    ours = Epoch(jd, 0.0, "tt").to("tdb")
    sky = ts.tt_jd(jd)
    np.testing.assert_allclose(seconds_from_skyfield(ours, sky.whole, sky.tdb_fraction), 0.0, atol=1e-5)


def test_tdb_round_trip():
    """TDB -> TT -> TAI -> UTC -> TDB returns the same instant to 1 ns.

    Source: a physical invariant (the conversion is one function and its inverse); ERFA evaluates the
    periodic term at TDB instead of TT on the way back, an error of d(TDB-TT)/dt x 2 ms ~ 1e-12 s.
    """
    t = Epoch(np.linspace(2437665.5, 2469807.5, 50), 0.123456789, "tdb")  # 1962-2050 (UTC defined)
    back = t.to("tt").to("tai").to("utc").to("tdb")
    np.testing.assert_allclose(seconds_between(back, t), 0.0, atol=1e-9)


# ---------------------------------------------------------------------------------------------------------
# Two-part precision and arithmetic
# ---------------------------------------------------------------------------------------------------------


def test_one_microsecond_survives():
    """An epoch plus 1e-6 s differs from it by 1e-6 s, prints so, and parses back to the same instant.

    Source: the definition of the second; a single float64 Julian date near JD 2.46e6 resolves only
    4.7e-10 d = 40 us, so this needs the two-part representation. Tolerance 1e-11 s: the resolution of
    jd2 (|jd2| < 1 d, float64 spacing ~1.1e-16 d).
    """
    e = epoch("2021-02-10T11:52:00 TDB")
    later = e + 1e-6 / DAY_S
    assert (later - e) * DAY_S == pytest.approx(1e-6, abs=1e-11)
    assert later.iso(6) == "2021-02-10T11:52:00.000001"
    parsed = epoch(later.iso(9) + " TDB")
    assert seconds_between(parsed, later) == pytest.approx(0.0, abs=1e-11)
    utc_a, utc_b = epoch("2021-02-10T11:52:00"), epoch("2021-02-10T11:52:00.000001")
    assert (utc_b - utc_a) * DAY_S == pytest.approx(1e-6, abs=1e-11)


def test_epoch_difference_across_the_2016_leap_second(ts):
    """epoch - epoch gives elapsed days in TDB: 2016-12-31 to 2017-01-01 UTC is 86401 SI seconds of TT.

    Source: IERS Bulletin C 52 (the leap second makes that UTC day 86401 s long). In TDB the day is
    longer or shorter by the change of the periodic TDB - TT term over the day (up to 28 us), taken here
    from skyfield's TDB; the omitted terms of that series change by < 1 us in a day, hence 1 us.
    """
    a, b = epoch("2016-12-31T00:00:00"), epoch("2017-01-01T00:00:00")
    sa, sb = ts.utc(2016, 12, 31), ts.utc(2017, 1, 1)
    periodic = ((sb.tdb_fraction - sb.tt_fraction) - (sa.tdb_fraction - sa.tt_fraction)) * DAY_S
    assert (b - a) * DAY_S == pytest.approx(86401.0 + periodic, abs=1e-6)


def test_adding_days_to_utc_counts_the_leap_second():
    """UTC + 1 day (86400 SI s) across the 2016 leap second lands one second earlier on the clock.

    Source: IERS Bulletin C 52; days added to an epoch are SI days (the docstring of Epoch.__add__).
    """
    assert (epoch("2016-12-31T12:00:00") + 1.0).utc_iso() == "2017-01-01T11:59:59Z"
    assert (epoch("2017-01-01T11:59:59") - 1.0).utc_iso() == "2016-12-31T12:00:00Z"


def test_epoch_difference_in_days_matches_calendar():
    """Tianwen-1: launch 2020-07-23T04:41 UTC to Mars orbit insertion 2021-02-10T11:52 UTC.

    Source: Python's datetime for the calendar span (no leap second between: Bulletin C 59-60), 202 d
    7 h 11 min. epoch - epoch is in TDB days, which differ from UTC days here only by the change of the
    periodic TDB - TT term, at most 2 x 1.7 ms, hence the 3.5 ms tolerance.
    """
    span = (dt.datetime(2021, 2, 10, 11, 52) - dt.datetime(2020, 7, 23, 4, 41)).total_seconds() / DAY_S
    got = epoch("2021-02-10T11:52:00") - epoch("2020-07-23T04:41:00")
    assert got * DAY_S == pytest.approx(span * DAY_S, abs=3.5e-3)


# ---------------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, scale, expected", [
    ("2021-02-10T11:52:00", "utc", (2021, 2, 10, 11, 52, 0.0)),
    ("2021-02-10T11:52:00Z", "utc", (2021, 2, 10, 11, 52, 0.0)),
    ("2021-02-10 11:52:00 UTC", "utc", (2021, 2, 10, 11, 52, 0.0)),
    ("2021-02-10T11:52:00.250", "utc", (2021, 2, 10, 11, 52, 0.25)),
    ("2021-02-10", "utc", (2021, 2, 10, 0, 0, 0.0)),
    ("2021-02-10T11:52", "utc", (2021, 2, 10, 11, 52, 0.0)),
    ("2021-02-10T11:52:00 TAI", "tai", (2021, 2, 10, 11, 52, 0.0)),
    ("2021-02-10T11:52:00 TT", "tt", (2021, 2, 10, 11, 52, 0.0)),
    ("2021-02-10T11:52:00 TDB", "tdb", (2021, 2, 10, 11, 52, 0.0)),
    ("2021-02-10T11:52:00 tdb", "tdb", (2021, 2, 10, 11, 52, 0.0)),
])
def test_iso_strings_against_skyfield(ts, text, scale, expected):
    """ISO strings with and without Z and with scale suffixes name the instant skyfield names.

    Source: skyfield's calendar constructors ``ts.utc/tai/tt/tdb``, compared in TT (both exact two-part
    for UTC/TAI/TT: 1 ns), except TDB, where skyfield's TDB - TT series is good to ~10 us (tolerance 20 us).
    """
    e = epoch(text)
    assert e.scale == scale
    sky = getattr(ts, scale)(*expected)
    tol = 2e-5 if scale == "tdb" else 1e-9
    assert seconds_from_skyfield(e.to("tt"), sky.whole, sky.tt_fraction) == pytest.approx(0.0, abs=tol)


def test_julian_date_string_and_numbers():
    """'JD 2459255.5 TDB' is 2021-02-10T00:00 TDB; bare numbers are Julian dates, UTC unless told.

    Source: JD 2459255.5 = 2021-02-10 0h (JD 2440587.5 = 1970-01-01 0h plus 18668 days by Python's
    datetime). Exact calendar arithmetic, so strings must match exactly.
    """
    assert 2440587.5 + (dt.date(2021, 2, 10) - dt.date(1970, 1, 1)).days == 2459255.5
    assert epoch("JD 2459255.5 TDB").scale == "tdb"
    assert epoch("JD 2459255.5 TDB").iso() == "2021-02-10T00:00:00"
    assert epoch(2459255.5, scale="tdb").iso() == "2021-02-10T00:00:00"
    assert epoch(2459255.5).utc_iso() == "2021-02-10T00:00:00Z"
    assert list(epoch([2459255.5, 2459256.0]).utc_iso()) == ["2021-02-10T00:00:00Z", "2021-02-10T12:00:00Z"]
    assert list(epoch(np.array([2459255.5, 2459256.0]), scale="tt").iso()) == [
        "2021-02-10T00:00:00", "2021-02-10T12:00:00"]


def test_datetimes_naive_and_aware():
    """A naive datetime is UTC; an aware one is converted: 12:41 Beijing time (UTC+8) is 04:41 UTC.

    Source: Tianwen-1 launched 2020-07-23 12:41 BJT = 04:41 UTC (Xi'an Satellite Control Center, quoted in
    docs/research/references.md 5.1); BJT = UTC+8 by definition. Exact, so compared to the nanosecond.
    """
    ref = epoch("2020-07-23T04:41:00").to("tai")
    naive = epoch(dt.datetime(2020, 7, 23, 4, 41)).to("tai")
    bjt = dt.timezone(dt.timedelta(hours=8))
    aware = epoch(dt.datetime(2020, 7, 23, 12, 41, tzinfo=bjt)).to("tai")
    assert seconds_between(naive, ref) == pytest.approx(0.0, abs=1e-9)
    assert seconds_between(aware, ref) == pytest.approx(0.0, abs=1e-9)
    assert epoch(dt.date(2021, 2, 10)).utc_iso() == "2021-02-10T00:00:00Z"


def test_datetime64_arrays(ts):
    """numpy datetime64 arrays are UTC, element by element, including the second before a leap second.

    Source: skyfield's ``ts.utc`` on the same calendar fields; both exact, so 1 ns.
    """
    arr = np.array(["2020-07-23T04:41:00", "2016-12-31T23:59:59.5", "1999-12-31T23:59:59.001"],
                   dtype="datetime64[ms]")
    ours = epoch(arr)
    assert ours.shape == (3,) and ours.scale == "utc"
    sky = ts.utc([2020, 2016, 1999], [7, 12, 12], [23, 31, 31], [4, 23, 23], [41, 59, 59], [0.0, 59.5, 59.001])
    np.testing.assert_allclose(seconds_from_skyfield(ours.to("tt"), sky.whole, sky.tt_fraction), 0.0, atol=1e-9)
    assert list(ours.utc_iso(3)) == ["2020-07-23T04:41:00.000Z", "2016-12-31T23:59:59.500Z",
                                     "1999-12-31T23:59:59.001Z"]


def test_lists_keep_shape_and_mixed_scales(ts):
    """A list of mixed inputs becomes one Epoch array whose elements equal the separate conversions.

    Source: skyfield ``ts.tdb`` and ``ts.utc`` for the two instants (TDB tolerance 20 us, as above).
    """
    both = epoch(["2021-02-10T11:52:00 TDB", "2021-02-10"])
    assert both.shape == (2,)
    first, second = ts.tdb(2021, 2, 10, 11, 52), ts.utc(2021, 2, 10)
    tt = both.to("tt")
    assert seconds_from_skyfield(tt[0], first.whole, first.tt_fraction) == pytest.approx(0.0, abs=2e-5)
    assert seconds_from_skyfield(tt[1], second.whole, second.tt_fraction) == pytest.approx(0.0, abs=2e-5)
    grid = epoch([["2021-01-01", "2021-01-02"], ["2021-01-03", "2021-01-04"]])
    assert grid.shape == (2, 2)
    assert grid.utc_iso()[1, 0] == "2021-01-03T00:00:00Z"


@pytest.mark.parametrize("bad", ["yesterday", "2021-02-30", "2021-13-01", "2021-02-10T25:00:00",
                                 "2021-02-10T11:52:00 GPS", "2021-02-10T11:52:00Z TDB", float("nan")])
def test_unreadable_epochs_raise_epoch_error(bad):
    """Unreadable or impossible epochs raise EpochError (a ValueError) with a one-line message.

    Source: the Gregorian calendar (no 30 February, no month 13, no hour 25) and the README's contract
    that bad input gives one line naming the value.
    """
    with pytest.raises(EpochError) as info:
        epoch(bad)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------


def test_utc_iso_matches_skyfield(ts):
    """UTC ISO strings (seconds and milliseconds, trailing Z) match skyfield's ``utc_iso`` at 30 random TT
    instants 1972-2026.

    Source: skyfield ``Time.utc_iso(places=...)``, its own leap seconds and rounding. The instants are
    seeded; the nearest lies 6 us from a rounding boundary, far beyond the ~1 ns by which the two UTC
    computations differ, so exact string equality is the right test.
    """
    jd = 2441317.5 + np.random.default_rng(1).uniform(0.0, 20000.0, 30)
    ours = epoch(jd, scale="tt")
    sky = ts.tt_jd(jd)
    assert list(ours.utc_iso()) == list(sky.utc_iso(places=0))
    assert list(ours.utc_iso(3)) == list(sky.utc_iso(places=3))
    assert epoch("2021-02-10T11:52:00").utc_iso() == "2021-02-10T11:52:00Z"
    assert epoch("2021-02-10T11:52:00").date() == "2021-02-10"
