"""Tests of tianwen.ephemeris: DE421 and Standish's analytic planets.

References, none written by us:

* JPL's own DE421 test points, ``testpo.421`` (excerpt in tests/data/testpo_421_excerpt.txt, provenance
  in its header), the values JPL's ``testeph`` program checks every reader against;
* skyfield, a second reader of the same ``de421.bsp`` (skyfield-data package) with its own Chebyshev
  code, and its ``ecliptic_J2000_frame`` (SPICE's ECLIPJ2000 definition);
* the DE421 header (``de421`` package, constants.npy) for AU and EMRAT;
* Standish's error table for the approximate elements (JPL SSD "Keplerian Elements for Approximate
  Positions of the Major Planets", as transcribed in src/tianwen/data/standish_elements.md);
* published geometry: the precession of the ecliptic (Lieske et al. 1977, A&A 58, 1) and the range of
  the lunar distance (Meeus, Astronomical Algorithms, 2nd ed., ch. 50).
"""

import os
from collections import defaultdict

import de421
import numpy as np
import pytest
import skyfield_data
from skyfield.api import load, load_file
from skyfield.framelib import ecliptic_J2000_frame

from tianwen.errors import OutOfRangeError, UnknownBodyError
from tianwen.ephemeris import state
from tianwen.time import Epoch

DAY_S = 86400.0
ARCSEC = np.pi / 180.0 / 3600.0
DATA = os.path.join(os.path.dirname(__file__), "data")

SKYFIELD_NAMES = {
    "sun": "sun", "earth": "earth", "emb": "earth barycenter", "moon": "moon", "mars": "mars barycenter",
    "venus": "venus barycenter", "jupiter": "jupiter barycenter", "mercury": "mercury barycenter",
    "saturn": "saturn barycenter", "uranus": "uranus barycenter", "neptune": "neptune barycenter",
}

# 24 TDB epochs spread over 1900-2050 with odd fractions of a day (so record boundaries are not favoured);
# most lie before 1960, where only TDB/TT epochs exist.
EPOCHS_TDB = np.linspace(2415020.5, 2469807.5, 24) + np.linspace(0.0, 0.97, 24)


@pytest.fixture(scope="module")
def ts():
    return load.timescale(builtin=True)


@pytest.fixture(scope="module")
def sky():
    return load_file(os.path.join(os.path.dirname(skyfield_data.__file__), "data", "de421.bsp"))


@pytest.fixture(scope="module")
def header():
    table = np.load(os.path.join(os.path.dirname(de421.__file__), "constants.npy"))
    return {name.decode(): float(value) for name, value in table}


def skyfield_state(sky, t, body, center, frame=None):
    """(r km, v km/s) of body relative to center from skyfield, shape (n, 3)."""
    p = (sky[SKYFIELD_NAMES[body]] - sky[SKYFIELD_NAMES[center]]).at(t)
    if frame is None:
        return p.position.km.T, p.velocity.km_per_s.T
    r, v = p.frame_xyz_and_velocity(frame)
    return r.km.T, v.km_per_s.T


# ---------------------------------------------------------------------------------------------------------
# DE421 against JPL's test points and against skyfield
# ---------------------------------------------------------------------------------------------------------

TESTPO_BODIES = {1: "mercury", 2: "venus", 3: "earth", 4: "mars", 5: "jupiter", 6: "saturn", 7: "uranus",
                 8: "neptune", 10: "moon", 11: "sun", 13: "emb"}


def read_testpo(path):
    """Rows (jed, target, centre, coordinate, value) after the EOT line of a testpo file."""
    with open(path) as f:
        lines = f.read().split("\nEOT\n", 1)[1].splitlines()
    rows = []
    for line in lines:
        fields = line.split()
        rows.append((float(fields[2]), int(fields[3]), int(fields[4]), int(fields[5]), float(fields[6])))
    return rows


def test_de421_matches_jpl_testpo(header):
    """1132 rows of JPL's testpo.421 (positions in au, velocities in au/day, ICRF) reproduced.

    Source: JPL's DE421 test points ``testpo.421``, the file JPL's testeph.f checks readers with (excerpt
    and provenance in tests/data/testpo_421_excerpt.txt), converted with DE421's own AU from its header.
    testpo comes from JPL's ASCII Chebyshev files; de421.bsp is a conversion of them, and jplephem reading
    that .bsp differs from testpo by up to 1.54e-12 au (0.23 m, Mars-Saturn y at JED 2471146.5). So the
    tolerances are 5e-12 au (0.75 m) in position and 5e-14 au/day (0.09 um/s) in velocity, 3-10x the
    conversion's own error and far below any interpolation or time error (1 s of Earth motion = 2e-7 au).
    """
    au = header["AU"]
    rows = read_testpo(os.path.join(DATA, "testpo_421_excerpt.txt"))
    assert len(rows) == 1132
    groups = defaultdict(list)
    for row in rows:
        groups[(row[1], row[2])].append(row)
    worst_r = worst_v = 0.0
    for (target, centre), group in groups.items():
        jed = np.array([g[0] for g in group])
        coord = np.array([g[3] for g in group])
        value = np.array([g[4] for g in group])
        r, v = state(TESTPO_BODIES[target], Epoch(jed, 0.0, "tdb"), center=TESTPO_BODIES[centre])
        pv = np.concatenate([r / au, v * DAY_S / au], axis=1)
        got = pv[np.arange(len(group)), coord - 1]
        err = np.abs(got - value)
        worst_r = max(worst_r, float(np.max(err[coord <= 3], initial=0.0)))
        worst_v = max(worst_v, float(np.max(err[coord > 3], initial=0.0)))
    assert worst_r < 5e-12
    assert worst_v < 5e-14


BODIES6 = ["earth", "emb", "mars", "moon", "venus", "jupiter"]


@pytest.mark.parametrize("body, center", [(b, c) for b in BODIES6 for c in ["sun"] + BODIES6 if b != c])
def test_de421_matches_skyfield(sky, ts, body, center):
    """States at 24 TDB epochs 1900-2050, Sun-centred and body-to-body, equal skyfield's reading of de421.bsp.

    Source: skyfield (``load_file('de421.bsp')``, ``(eph[a] - eph[b]).at(ts.tdb_jd(...))``), a second
    implementation reading the same Chebyshev coefficients. Differences are float round-off (|r| up to
    1e9 km: ~1e-5 km seen), so 1 m and 1 um/s: three orders of magnitude tighter than a 1 km / 1 mm/s
    mission-design need, and still 100x above the round-off.
    """
    r, v = state(body, Epoch(EPOCHS_TDB, 0.0, "tdb"), center=center)
    rs, vs = skyfield_state(sky, ts.tdb_jd(EPOCHS_TDB), body, center)
    assert r.shape == (24, 3) and v.shape == (24, 3)
    np.testing.assert_allclose(r, rs, rtol=0, atol=1e-3)
    np.testing.assert_allclose(v, vs, rtol=0, atol=1e-9)


def test_utc_epochs_match_skyfield(sky, ts):
    """UTC strings (1972-2048) go through leap seconds and TDB to the same states skyfield gives for ts.utc.

    Source: skyfield's UTC -> TDB (its leap-second table and USNO Circular 179 eq. 2.6 for TDB - TT, good
    to ~10 us). Skyfield does not model the 1960-1971 rubber seconds, so the check starts in 1972 (that era
    is checked against tai-utc.dat in test_time.py). A 10 us time difference moves a body by 10 us x its
    speed, so the tolerance is 1e-5 s x |v| + 1e-4 km; a lost leap second (1 s) would be off by ~30 km.
    """
    years = np.arange(1972, 2051, 4)
    texts = [f"{y}-03-15T06:07:08.5" for y in years]
    for body, center in [("mars", "sun"), ("earth", "sun"), ("moon", "earth"), ("venus", "earth")]:
        r, v = state(body, texts, center=center)
        rs, vs = skyfield_state(sky, ts.utc(years, 3, 15, 6, 7, 8.5), body, center)
        tol = 1e-5 * np.linalg.norm(vs, axis=1) + 1e-4
        assert np.all(np.linalg.norm(r - rs, axis=1) < tol)


def test_earth_is_not_emb(header):
    """Earth's centre sits 4,330-4,950 km from the Earth-Moon barycentre, opposite the Moon, at
    |Moon - Earth| / (1 + EMRAT).

    Source: the definition of the barycentre with DE421's EMRAT = M_Earth / M_Moon (header), and the
    range of the geocentric lunar distance, 356,375-406,720 km (Meeus, Astronomical Algorithms, ch. 50),
    divided by 1 + EMRAT = 82.30. The relation is exact in DE421, so 1e-6 km (round-off) for it; the
    range gets 1 km of slack (Meeus rounds the extremes to the kilometre).
    """
    t = Epoch(np.arange(2415020.5, 2469807.5, 1.3), 0.0, "tdb")
    offset, _ = state("earth", t, center="emb")
    moon, _ = state("moon", t, center="earth")
    np.testing.assert_allclose(offset, -moon / (1.0 + header["EMRAT"]), rtol=0, atol=1e-6)
    d = np.linalg.norm(offset, axis=1)
    k = 1.0 + header["EMRAT"]
    assert 356_375 / k - 1 < d.min() and d.max() < 406_720 / k + 1


# ---------------------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------------------


def test_ecliptic_frame_matches_skyfield(sky, ts):
    """The ecliptic frame is J2000's mean ecliptic and equinox: states equal skyfield's ECLIPJ2000.

    Source: skyfield ``ecliptic_J2000_frame`` (SPICE's ECLIPJ2000: ICRF/J2000 rotated about x by the
    obliquity 84381.448"). Same rotation from independent code: round-off only, 1 m and 1 um/s.
    """
    t = Epoch(EPOCHS_TDB, 0.0, "tdb")
    for body, center in [("mars", "sun"), ("emb", "sun"), ("moon", "earth"), ("mars", "earth")]:
        r, v = state(body, t, center=center, frame="ecliptic")
        rs, vs = skyfield_state(sky, ts.tdb_jd(EPOCHS_TDB), body, center, frame=ecliptic_J2000_frame)
        np.testing.assert_allclose(r, rs, rtol=0, atol=1e-3)
        np.testing.assert_allclose(v, vs, rtol=0, atol=1e-9)


def test_ecliptic_rotation_preserves_lengths():
    """Changing frame is a rotation: |r| and |v| are the same in icrf and ecliptic (1e-14 relative)."""
    t = Epoch(EPOCHS_TDB, 0.0, "tdb")
    r1, v1 = state("jupiter", t, center="earth")
    r2, v2 = state("jupiter", t, center="earth", frame="ecliptic")
    np.testing.assert_allclose(np.linalg.norm(r2, axis=1), np.linalg.norm(r1, axis=1), rtol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(v2, axis=1), np.linalg.norm(v1, axis=1), rtol=1e-14)


def test_emb_stays_in_the_j2000_ecliptic_up_to_its_precession():
    """The Earth-Moon barycentre's ecliptic latitude (J2000 ecliptic) never exceeds pi_A(T) + 1.2".

    Source: the ecliptic of date is inclined to the J2000 ecliptic by pi_A = 47.0029" T - 0.03302" T^2
    (T in Julian centuries from J2000; Lieske et al. 1977, A&A 58, 1), and the Sun's geocentric latitude
    above the ecliptic of date never exceeds 1.2" (Meeus, Astronomical Algorithms, ch. 25). So |z| is
    not "tiny" over 1900-2050: it reaches ~35,000 km in 1900 (47" of 1 au). In 1990-2010 it must stay
    below (4.7" + 1.2") x 1 au ~ 4,300 km.
    """
    jd = np.arange(2415020.5, 2469807.5, 2.9)
    r, _ = state("emb", Epoch(jd, 0.0, "tdb"), frame="ecliptic")
    T = (jd - 2451545.0) / 36525.0
    beta = np.arcsin(r[:, 2] / np.linalg.norm(r, axis=1))
    pi_a = np.abs(47.0029 * T - 0.03302 * T**2) * ARCSEC
    assert np.all(np.abs(beta) <= pi_a + 1.2 * ARCSEC)
    recent = np.abs(T) <= 0.1
    assert np.max(np.abs(r[recent, 2])) < (4.7 + 1.2) * ARCSEC * 1.0167 * 149_597_870.7


# ---------------------------------------------------------------------------------------------------------
# Arrays, spans, custom bodies
# ---------------------------------------------------------------------------------------------------------


def test_one_call_for_100000_epochs(sky, ts):
    """10^5 epochs in one call give (10^5, 3) arrays equal to one-epoch calls and to skyfield.

    Source: skyfield at 1000 of the epochs (1 m, 1 um/s as above); the per-epoch calls must agree to
    round-off (the batched kernel runs in parallel, the single ones serially: 1e-9 km).
    """
    jd = np.linspace(2414864.5, 2471184.5, 100_000)  # the whole of de421.bsp, both ends included
    r, v = state("mars", Epoch(jd, 0.0, "tdb"), center="earth")
    assert r.shape == (100_000, 3) and v.shape == (100_000, 3)
    pick = np.arange(0, 100_000, 100)
    rs, vs = skyfield_state(sky, ts.tdb_jd(jd[pick]), "mars", "earth")
    np.testing.assert_allclose(r[pick], rs, rtol=0, atol=1e-3)
    np.testing.assert_allclose(v[pick], vs, rtol=0, atol=1e-9)
    for i in np.random.default_rng(7).choice(100_000, 15, replace=False):
        r1, v1 = state("mars", Epoch(jd[i], 0.0, "tdb"), center="earth")
        assert r1.shape == (3,)
        np.testing.assert_allclose(r1, r[i], rtol=0, atol=1e-9)
        np.testing.assert_allclose(v1, v[i], rtol=0, atol=1e-12)
    grid_r, _ = state("venus", Epoch(jd[:600].reshape(20, 30), 0.0, "tdb"))
    assert grid_r.shape == (20, 30, 3)


@pytest.mark.parametrize("when, shown", [
    ("1899-01-01 TDB", "1899-01-01"),
    ("2060-01-01", "2060-01-01"),
    ("JD 2414864.0 TDB", "1899-07-28"),
    (["2020-01-01", "2061-06-30"], "2061-06-30"),
])
def test_outside_de421_raises(sky, when, shown):
    """Epochs outside de421.bsp raise OutOfRangeError (a ValueError) naming the epoch and the span.

    Source: the span of de421.bsp as skyfield/jplephem read it from the file's segments (JD 2414864.5 to
    2471184.5 TDB, i.e. 1899-07-29 to 2053-10-09); README: "an error, never an extrapolation".
    """
    segment = sky.spk.segments[0]
    start, end = (Epoch(jd, 0.0, "tdb").iso()[:10] for jd in (segment.start_jd, segment.end_jd))
    assert (start, end) == ("1899-07-29", "2053-10-09")
    with pytest.raises(OutOfRangeError) as info:
        state("mars", when)
    message = str(info.value)
    assert isinstance(info.value, ValueError) and "\n" not in message
    assert shown in message and start in message and end in message


def test_span_ends_are_inside(sky, ts):
    """The first and last instants of de421.bsp are valid and match skyfield there (1 m)."""
    jd = np.array([sky.spk.segments[0].start_jd, sky.spk.segments[0].end_jd])
    r, _ = state("mars", Epoch(jd, 0.0, "tdb"))
    rs, _ = skyfield_state(sky, ts.tdb_jd(jd), "mars", "sun")
    np.testing.assert_allclose(r, rs, rtol=0, atol=1e-3)


class SkyfieldBody:
    """A body known only through ``state(epoch)``: skyfield's Sun-centred ICRF state of a DE421 body."""

    def __init__(self, sky, ts, name):
        self.sky, self.ts, self.name = sky, ts, name

    def state(self, tdb):
        t = self.ts.tdb_jd(np.asarray(tdb.jd1), np.asarray(tdb.jd2))
        return skyfield_state(self.sky, t, self.name, "sun")


def test_custom_body_object_as_body_and_center(sky, ts):
    """Any object with state(epoch) stands in for a body name, as body and as centre (pykep's idea).

    Source: skyfield's states wrapped in such an object must reproduce the named DE421 bodies (1 m, 1 um/s).
    """
    t = Epoch(EPOCHS_TDB, 0.0, "tdb")
    mars = SkyfieldBody(sky, ts, "mars")
    r, v = state(mars, t)
    r0, v0 = state("mars", t)
    np.testing.assert_allclose(r, r0, rtol=0, atol=1e-3)
    np.testing.assert_allclose(v, v0, rtol=0, atol=1e-9)
    r, v = state("earth", t, center=mars, frame="ecliptic")
    r0, v0 = state("earth", t, center="mars", frame="ecliptic")
    np.testing.assert_allclose(r, r0, rtol=0, atol=1e-3)
    np.testing.assert_allclose(v, v0, rtol=0, atol=1e-9)
    r, _ = state(mars, Epoch(EPOCHS_TDB[3], 0.0, "tdb"), center=SkyfieldBody(sky, ts, "venus"))
    r0, _ = state("mars", Epoch(EPOCHS_TDB[3], 0.0, "tdb"), center="venus")
    assert r.shape == (3,)
    np.testing.assert_allclose(r, r0, rtol=0, atol=1e-3)


# ---------------------------------------------------------------------------------------------------------
# The analytic (Standish) ephemeris
# ---------------------------------------------------------------------------------------------------------

# Standish's "approximate errors" for Table 1 (1800-2050): longitude ", latitude ", distance 1000 km;
# copied from src/tianwen/data/standish_elements.md (JPL SSD approx_pos page, "Accuracy" table).
STANDISH_ERRORS = {"emb": (20.0, 8.0, 6.0), "mars": (40.0, 2.0, 25.0), "venus": (20.0, 1.0, 4.0),
                   "jupiter": (400.0, 10.0, 600.0)}
PERIOD_DAYS = {"emb": 365.256, "mars": 686.980, "venus": 224.701, "jupiter": 4332.59}  # sidereal periods
MEAN_DISTANCE_AU = {"emb": 1.0, "mars": 1.5237, "venus": 0.7233, "jupiter": 5.2029}


def spherical(r):
    """Ecliptic longitude (rad), latitude (rad) and distance (km) of (n, 3) vectors."""
    return (np.arctan2(r[:, 1], r[:, 0]), np.arcsin(r[:, 2] / np.linalg.norm(r, axis=1)),
            np.linalg.norm(r, axis=1))


@pytest.mark.parametrize("analytic_name, de_name", [
    ("earth", "emb"), ("emb", "emb"), ("mars", "mars"), ("venus", "venus"), ("jupiter", "jupiter")])
def test_analytic_within_standish_errors(analytic_name, de_name):
    """Standish's elements vs DE421, every 7.3 days 1900-2050: RMS errors within Standish's table.

    Source: JPL SSD, Standish, "Keplerian Elements for Approximate Positions of the Major Planets", error
    table for Table 1 (1800-2050) in heliocentric ecliptic longitude, latitude and distance (EM Bary
    20"/8"/6000 km; Mars 40"/2"/25000 km; Venus 20"/1"/4000 km; Jupiter 400"/10"/600000 km). The table's
    errors are *nominal*, so they bound the RMS; single epochs exceed them (Mars peaks at 2.5x the
    longitude figure), so the largest position error is held to 3x the nominal error summed in quadrature.
    'earth' in the analytic model is the Earth-Moon barycentre (README), so both are checked against
    DE421's EMB. Velocities are not in the table: their RMS error is held to the mean motion times the
    nominal position error (an error of the orbit's size or phase changes the velocity by n x that).
    """
    lon_err, lat_err, dist_err = STANDISH_ERRORS[de_name]
    t = Epoch(np.arange(2415020.5, 2469807.5, 7.3), 0.0, "tdb")
    ra, va = state(analytic_name, t, frame="ecliptic", ephemeris="analytic")
    rd, vd = state(de_name, t, frame="ecliptic")
    la, ba, da = spherical(ra)
    ld, bd, dd = spherical(rd)
    rms = lambda x: float(np.sqrt(np.mean(np.square(x))))  # noqa: E731
    assert rms(np.angle(np.exp(1j * (la - ld)))) < lon_err * ARCSEC
    assert rms(ba - bd) < lat_err * ARCSEC
    assert rms(da - dd) < dist_err * 1e3
    a_km = MEAN_DISTANCE_AU[de_name] * 149_597_870.7
    nominal_km = np.sqrt((a_km * lon_err * ARCSEC) ** 2 + (a_km * lat_err * ARCSEC) ** 2 + (dist_err * 1e3) ** 2)
    assert np.max(np.linalg.norm(ra - rd, axis=1)) < 3 * nominal_km
    n = 2 * np.pi / (PERIOD_DAYS[de_name] * DAY_S)
    assert rms(np.linalg.norm(va - vd, axis=1)) < n * nominal_km


@pytest.mark.parametrize("name", ["emb", "mars", "venus", "jupiter"])
def test_analytic_velocity_is_the_rate_of_its_position(name):
    """v = dr/dt for the analytic planets, checked with a central difference over +/- 0.01 day.

    Source: a physical invariant. The model's velocity keeps only the mean-anomaly rate, not the slow
    rates of the perihelion, node and inclination (<= 0.45 deg/century vs >= 3000 deg/century for the
    mean anomaly: ratios <= 7e-5, seen 9e-6 EMB, 3e-5 Mars, 8e-5 Jupiter), hence 1.5e-4 relative. A unit
    slip (degrees for radians, centuries for days) would be off by orders of magnitude.
    """
    jd = np.arange(2415020.5, 2469807.5, 97.3)
    h = 0.01
    r_plus, _ = state(name, Epoch(jd, h, "tdb"), ephemeris="analytic")
    r_minus, _ = state(name, Epoch(jd, -h, "tdb"), ephemeris="analytic")
    _, v = state(name, Epoch(jd, 0.0, "tdb"), ephemeris="analytic")
    fd = (r_plus - r_minus) / (2 * h * DAY_S)
    assert np.max(np.linalg.norm(fd - v, axis=1) / np.linalg.norm(v, axis=1)) < 1.5e-4


def test_analytic_has_no_moon_and_keeps_its_span():
    """The analytic model has no Moon (README) and refuses epochs outside its span (no extrapolation).

    Source: README "Ephemerides": analytic is Standish's elements, 1800-2050, "never an extrapolation".
    """
    with pytest.raises(UnknownBodyError):
        state("moon", "2021-02-10", ephemeris="analytic")
    with pytest.raises(OutOfRangeError) as info:
        state("mars", "1799-06-01 TDB", ephemeris="analytic")
    assert "1799-06-01" in str(info.value) and "1800" in str(info.value)
    r, _ = state("mars", "1850-06-01 TDB", ephemeris="analytic")  # before DE421, inside Standish's span
    assert 1.3e8 < np.linalg.norm(r) < 2.5e8  # Mars' heliocentric distance: 1.38-1.67 au


def test_numpy_and_compiled_chebyshev_sums_agree_bit_for_bit():
    """Few epochs are summed by NumPy (no compiled kernel to load: a fast first answer), many by the compiled
    kernel. Both evaluate the same recurrence in the same order, so every DE421 segment gives identical bits at
    5,000 random epochs over the whole span."""
    import sys

    import numpy as np

    from tianwen.core.chebyshev import spk_states_serial
    from tianwen.ephemeris import get_ephemeris

    m = sys.modules["tianwen.ephemeris"]
    eph = get_ephemeris("de421")
    rng = np.random.default_rng(0)
    lo, hi = eph.span_tdb_jd
    jd1 = np.floor(rng.uniform(lo + 1, hi - 2, 5000))
    jd2 = rng.uniform(0.0, 1.0, 5000)
    for (center, target), segs in eph._segments.items():
        coef, init, intlen = segs[0][:3]
        ra, va, rb, vb = (np.zeros((5000, 3)) for _ in range(4))
        m._spk_add_numpy(coef, init, intlen, jd1, jd2, ra, va)
        spk_states_serial(coef, init, intlen, jd1, jd2, 1.0, rb, vb)
        assert np.array_equal(ra, rb) and np.array_equal(va, vb), (center, target)


def test_an_epoch_in_another_scale_is_converted_not_read_as_tdb():
    """The ephemeris methods take Epoch objects; one in TT or UTC names the same instant as its TDB conversion, so
    the state must be the same to the conversion's round-off (they once read any Epoch's numbers as TDB: TT is
    ~1.6 ms off TDB and UTC ~69 s, which moved the Earth by ~40 m and ~2000 km)."""
    from tianwen.ephemeris import resolve_ephemeris
    from tianwen.time import epoch

    t_utc = epoch(["2021-02-10T11:52:00", "2030-01-01T00:00:00"])
    for name in ("de421", "analytic"):
        eph = resolve_ephemeris(name)
        for scale in ("utc", "tt"):
            r1, v1 = eph.heliocentric("earth", t_utc.to(scale))
            r2, v2 = eph.heliocentric("earth", t_utc.to("tdb"))
            np.testing.assert_allclose(r1, r2, rtol=0, atol=1e-6)
            np.testing.assert_allclose(v1, v2, rtol=0, atol=1e-12)
