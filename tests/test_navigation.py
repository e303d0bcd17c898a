"""tianwen.navigation: measurement partials, the STM, truth recovery, an independent batch estimator, and the
physics of the station comparison.

Short arcs (3-4 days) and few passes keep the whole file fast; the geometry is Tianwen-1's reconstructed cruise.
"""

from __future__ import annotations

import json
import math

import erfa
import numpy as np
import pytest
from scipy import stats
from scipy.integrate import solve_ivp

from tianwen.bodies import C_KMS, DAY_S, GM_SUN
from tianwen.ephemeris import get_ephemeris, state as body_state
from tianwen.navigation import (DDOR, RANGE, Arc, covariance_analysis, ddor, design, doppler, estimate, fly,
                                map_to_bplane, predict, schedule, sensitivities, srif, station_states, two_way_range)
from tianwen.navigation.cruise import cruise_arc
from tianwen.propagate import NBodyModel
from tianwen.reconstruct import trajectory
from tianwen.time import Epoch, epoch
from tianwen.tracking import Site, station

T0 = epoch("2020-11-15T00:00:00 TDB")  # Tianwen-1 at 0.4 AU from the Earth, declination 9.6 deg


def _window(t0: Epoch, days: float) -> Epoch:
    return t0 + days


class _Body:
    """A trajectory as a spacecraft body limited to its arc (the down leg stays inside)."""

    def __init__(self, traj, t0: Epoch, t1: Epoch):
        self.traj = traj
        self.span_tdb_jd = (float(t0.jd) + 0.05, float(t1.jd))

    def state(self, t):
        return self.traj.state(t)


class _Shifted:
    """``base`` displaced by ``dx[:3] + dx[3:] (t - t_ref)``: the perturbation the partials are defined for."""

    def __init__(self, base, t_ref: Epoch, dx):
        self.base, self.t_ref, self.dx = base, t_ref, np.asarray(dx, float)

    def state(self, t):
        r, v = self.base.state(t)
        dt = ((t.jd1 - self.t_ref.jd1) + (t.jd2 - self.t_ref.jd2)) * DAY_S
        return r + self.dx[:3] + np.multiply.outer(dt, self.dx[3:]).reshape(r.shape), v + self.dx[3:]


def _five_point(f, h):
    return (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)


def _moved(site: Site, dx_km) -> Site:
    """``site`` moved by an ITRS offset (km), through WGS84 geodetic coordinates (erfa)."""
    lon, lat, h = erfa.gc2gd(1, (site.itrs_km + np.asarray(dx_km)) * 1000.0)
    return Site(site.name, math.degrees(lat), math.degrees(lon), float(h))


@pytest.fixture(scope="module")
def cruise():
    return trajectory("tianwen-1")


# ---------------------------------------------------------------------------------------------------------
# Partial derivatives
# ---------------------------------------------------------------------------------------------------------

MEASUREMENTS = {
    "range": lambda b, t, a, c: two_way_range(b, t, a),
    "doppler": lambda b, t, a, c: doppler(b, t, a, 60.0),
    "ddor": lambda b, t, a, c: ddor(b, t, a, c),
}


@pytest.mark.parametrize("kind", sorted(MEASUREMENTS))
@pytest.mark.parametrize("when", ["2020-08-10T03:00:00", "2020-12-10T03:00:00"])
def test_partials_match_finite_differences(cruise, kind, when):
    """Every analytic partial (spacecraft position and velocity at the reference epoch, each station's ITRS
    position) against a five-point finite difference of the full light-time computation, to 1e-6 relative.

    The steps are large (1e-3 of the range in position, 30-300 km/s in velocity for a linear displacement about
    t_ref) because the observable is known to ~1e-13 s of light time (3e-8 km): the five-point stencil's
    truncation error (~(h/rho)^4) and the round-off (~3e-8 km / h) both stay below 1e-7 relative. Doppler's
    position partial is tiny (~5e-8: a displacement barely changes a range rate), so its round-off floor is
    relatively larger (1e-6 at h = 1e-3 rho, measured): its step is 1e-2 rho (truncation 1e-8, round-off 1e-7).
    The range's velocity partial is zero at the bounce epoch: there the finite difference can only show the
    round-off of the range itself, a few units in the last place of rho over the step (4 ulp(rho) / h_v ~ 2e-9;
    a wrong lever arm would give ~ the light time, 1e2-1e3 km per km/s)."""
    f = MEASUREMENTS[kind]
    a, b = station("kashi"), station("new-norcia")
    t = epoch(when).to("tdb")
    t1 = Epoch(np.atleast_1d(t.jd1), np.atleast_1d(t.jd2), "tdb")
    g = f(cruise, t1, a, b)
    rho = float(np.linalg.norm(cruise.state(g.t_ref)[0] - body_state("earth", g.t_ref)[0]))
    hp = (1e-2 if kind == "doppler" else 1e-3) * rho
    hv = {"range": 30.0, "doppler": 30.0, "ddor": 300.0}[kind]
    fd = np.zeros(6)
    for j in range(6):
        def val(h, j=j):
            dx = np.zeros(6)
            dx[j] = h
            return f(_Shifted(cruise, g.t_ref, dx), t1, a, b).value[0]
        fd[j] = _five_point(val, hp if j < 3 else hv)
    an = g.d_state[0]
    assert np.linalg.norm(an[:3] - fd[:3]) <= 1e-6 * np.linalg.norm(fd[:3])
    assert np.linalg.norm(an[3:] - fd[3:]) <= max(1e-6 * np.linalg.norm(fd[3:]), 4.0 * np.spacing(rho) / hv)
    # station positions (ITRS): 1 km moves of the site; 30 km for Doppler, whose site partial (~7e-5 km/s per km)
    # would otherwise sit near the round-off (3e-8 km / 60 s / 1 km); truncation (30 km / 6400 km)^4 ~ 5e-10
    for site_name, partial in (("a", g.d_site_a[0]), ("b", g.d_site_b[0])):
        if kind != "ddor" and site_name == "b":
            assert np.all(partial == 0.0)
            continue
        fs = np.zeros(3)
        for j in range(3):
            def val(h, j=j, which=site_name):
                dx = np.zeros(3)
                dx[j] = h
                sa, sb = (_moved(a, dx), b) if which == "a" else (a, _moved(b, dx))
                return f(cruise, t1, sa, sb).value[0]
            fs[j] = _five_point(val, 30.0 if kind == "doppler" else 1.0)
        tol = 1e-6
        assert np.linalg.norm(partial - fs) <= tol * np.linalg.norm(fs), (site_name, partial, fs)


def test_range_and_light_time_are_consistent(cruise):
    """Two-way range = c x (round-trip light time) / 2 and lies within the station's distance to the
    spacecraft at the bounce epoch +- the station's displacement over the light time (Earth speed 30 km/s x
    light time): an order-of-magnitude check on the light-time legs (Moyer 2000, ch. 8)."""
    t = epoch(["2020-10-01T04:00:00", "2021-01-20T04:00:00"]).to("tdb")
    s = station("kashi")
    g = two_way_range(cruise, t, s)
    assert np.allclose(g.value, 0.5 * C_KMS * g.light_time_s, rtol=1e-14)
    st = station_states(s, g.t_ref)
    sc, _ = cruise.state(g.t_ref)
    sc = sc + get_ephemeris("de421").barycentric("sun", g.t_ref)[0]
    d_bounce = np.linalg.norm(sc - st.r_km, axis=1)
    assert np.all(np.abs(g.value - d_bounce) < 35.0 * g.light_time_s)


# ---------------------------------------------------------------------------------------------------------
# The compiled measurement kernels (tianwen.core.measurements) against a plain fixed-point implementation
# ---------------------------------------------------------------------------------------------------------

def _fixed_point_range(sc, site, t_r: Epoch):
    """Two-way range written from Moyer (2000) ch. 8 as plain fixed-point iterations, every iteration evaluating
    the spacecraft and the station afresh at the current guess (no linearised motion, no first guess but zero):
    the down leg c tau_d = |r_sc(t_R - tau_d) - R(t_R)|, then the up leg c tau_u = |r_sc(t_T) - R(t_T - tau_u)|.
    Each iteration gains a factor v/c ~ 1e-4, so 8 iterations reach double precision. Returns (range km, bounce
    epochs)."""
    sun = get_ephemeris("de421")
    r_rx = station_states(site, t_r).r_km
    tau_d = np.zeros(t_r.jd1.size)
    for _ in range(8):
        t_b = Epoch(t_r.jd1, t_r.jd2 - tau_d / DAY_S, "tdb")
        r_sc = cruise_bary(sc, t_b, sun)
        tau_d = np.linalg.norm(r_sc - r_rx, axis=1) / C_KMS
    t_b = Epoch(t_r.jd1, t_r.jd2 - tau_d / DAY_S, "tdb")
    r_sc = cruise_bary(sc, t_b, sun)
    tau_u = np.zeros_like(tau_d)
    for _ in range(8):
        r_tx = station_states(site, Epoch(t_b.jd1, t_b.jd2 - tau_u / DAY_S, "tdb")).r_km
        tau_u = np.linalg.norm(r_sc - r_tx, axis=1) / C_KMS
    return 0.5 * C_KMS * (tau_d + tau_u), t_b, C_KMS * tau_d


def cruise_bary(sc, t: Epoch, eph):
    return np.asarray(sc.state(t)[0], float).reshape(-1, 3) + eph.barycentric("sun", t)[0]


def _seconds_of(t: Epoch) -> np.ndarray:
    return ((t.jd1 - 2459000.5) + t.jd2) * DAY_S


def test_compiled_measurements_match_a_plain_fixed_point_implementation(cruise):
    """The compiled path (light time by Newton on a linear motion about re-evaluated states, partial assembly,
    Doppler and delta-DOR combinations in tianwen.core.measurements) against the plain iterations written above,
    on 40 epochs that cross a TDB midnight (where two-part epochs change their whole day) early and late in the
    cruise: range and delta-DOR to 8 units in the last place of the barycentric positions they difference
    (2.4e-7 km at 1 AU: the two implementations round differently, and the kernels' linear-motion error is
    below 5e-9 km; 4000 times below the 1 m noise), Doppler to twice that over the 60 s count (8e-9 km/s, 12
    times below the 0.1 mm/s noise: a range rate differenced from 1e8 km ranges cannot be compared more
    finely). A missing station velocity or a wrong leg would be off by metres to kilometres. The partials'
    reference epoch must be the mean of the two ends' bounce epochs (within 1 s of reception minus the mean
    light time): a half-day error there once came from averaging only the fractional parts of the two-part
    dates."""
    a, b = station("kashi"), station("new-norcia")
    for day in ("2020-08-10", "2021-01-20"):
        mid = epoch(f"{day}T00:00:00 TDB")
        lt = two_way_range(cruise, mid, a).light_time_s[0]
        t_r = Epoch(np.full(40, mid.jd1), mid.jd2 + (lt / 2 + np.linspace(-200.0, 200.0, 40)) / DAY_S, "tdb")
        rho, t_b, _ = _fixed_point_range(cruise, a, t_r)
        g = two_way_range(cruise, t_r, a)
        ulp = float(np.spacing(1.5e8))  # positions are barycentric, ~1 AU from the origin
        assert np.max(np.abs(g.value - rho)) < 8.0 * ulp
        assert np.max(np.abs(_seconds_of(g.t_ref) - _seconds_of(t_b))) < 1e-6
        lo, _, _ = _fixed_point_range(cruise, a, Epoch(t_r.jd1, t_r.jd2 - 30.0 / DAY_S, "tdb"))
        hi, _, _ = _fixed_point_range(cruise, a, Epoch(t_r.jd1, t_r.jd2 + 30.0 / DAY_S, "tdb"))
        gd = doppler(cruise, t_r, a, 60.0)
        assert np.max(np.abs(gd.value - (hi - lo) / 60.0)) < 16.0 * ulp / 60.0
        assert np.max(np.abs(_seconds_of(gd.t_ref) - (_seconds_of(t_r) - gd.light_time_s / 2))) < 1.0
        _, _, one_a = _fixed_point_range(cruise, a, t_r)
        _, _, one_b = _fixed_point_range(cruise, b, t_r)
        gx = ddor(cruise, t_r, a, b)
        assert np.max(np.abs(gx.value - (one_b - one_a))) < 8.0 * ulp
        assert np.max(np.abs(_seconds_of(gx.t_ref) - (_seconds_of(t_r) - gx.light_time_s))) < 1.0
        # translation invariance: a common offset of the Earth is an opposite offset of the spacecraft
        for geo in (g, gd, gx):
            assert np.array_equal(geo.d_earth, -geo.d_state[:, :3])


def test_light_time_kernel_on_a_closed_form():
    """tianwen.core.measurements.light_time against the closed form of a target receding in a straight line:
    moving end m + w (tau_g - tau) with w along the line of sight, fixed end at the origin, gives
    c tau = |m| + |w| (tau - tau_g)... solved: tau = (|m| - |w| tau_g) / (c - |w|) for w pointing back toward the
    fixed end's opposite side (receding in the past means approaching now). Agreement to 1e-15 relative; a
    NaN input gives NaN, not an exception."""
    from tianwen.core.measurements import C_KMS as C_CORE, light_time

    assert C_CORE == C_KMS
    rng = np.random.default_rng(1)
    n = 50
    u = rng.standard_normal((n, 3))
    u /= np.linalg.norm(u, axis=1)[:, None]
    dist = rng.uniform(1e6, 4e8, n)
    speed = rng.uniform(-60.0, 60.0, n)
    tau_g = rng.uniform(0.0, 2000.0, n)
    m = u * dist[:, None]
    w = u * speed[:, None]
    tau, out = np.empty(n), np.empty((n, 3))
    worst = light_time(np.zeros((n, 3)), m, w, tau_g, tau, out)
    # |m + w (tau_g - tau)| = dist + speed (tau_g - tau) = c tau
    exact = (dist + speed * tau_g) / (C_KMS + speed)
    assert np.allclose(tau, exact, rtol=1e-15, atol=0)
    assert np.allclose(out, u * (C_KMS * exact)[:, None], rtol=1e-14, atol=0)
    assert worst == pytest.approx(np.max(np.abs(exact - tau_g)), rel=1e-12)
    m[3] = np.nan
    worst = light_time(np.zeros((n, 3)), m, w, tau_g, tau, out)
    assert math.isnan(worst) and math.isnan(tau[3]) and np.all(np.isfinite(np.delete(tau, 3)))


# ---------------------------------------------------------------------------------------------------------
# Orekit (CS Group, Java, through orekit-jpype) as an independent two-way range model
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def orekit(tmp_path_factory):
    """Orekit 13 with the data it needs written here, nothing downloaded: the leap-second table from pyerfa's and
    the IERS finals2000A.all tianwen reads. Orekit has no planetary ephemeris here (it reads JPL's binary DE files,
    not SPK), so the barycentric frame is GCRF shifted by DE421's Earth (an interpolating transform provider)."""
    try:
        import orekit_jpype
    except ImportError:
        pytest.skip("SKIPPED LOUDLY: orekit-jpype is not installed (pip install -e '.[test]'); the Orekit "
                    "comparison did not run")
    try:
        orekit_jpype.initVM()
    except Exception as exc:  # noqa: BLE001 - any JVM start failure
        pytest.skip(f"SKIPPED LOUDLY: no Java runtime for Orekit (apt-get install openjdk-17-jre-headless): {exc}")
    from java.io import File
    from jpype import JImplements, JOverride
    from org.hipparchus.geometry.euclidean.threed import Vector3D
    from org.orekit.data import DataContext, DirectoryCrawler
    from org.orekit.frames import (FieldTransform, Frame, FramesFactory, InterpolatingTransformProvider, Transform,
                                   TransformProvider)
    from org.orekit.time import AbsoluteDate, FieldAbsoluteDate, TimeScalesFactory
    from org.orekit.utils import AngularDerivativesFilter, CartesianDerivativesFilter, PVCoordinates

    from tianwen.tracking.earth import eop_source

    data = tmp_path_factory.mktemp("orekit-data")
    months = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
    rows = [f" {int(y)} {months[int(mo) - 1]}  1 =JD {sum(erfa.cal2jd(int(y), int(mo), 1)):9.1f}  TAI-UTC= {d:5.1f}"
            f"       S + (MJD - {sum(erfa.cal2jd(int(y), int(mo), 1)) - 2400000.5:.0f}.) X 0.0      S"
            for y, mo, d in erfa.leap_seconds.get() if y >= 1972]
    (data / "tai-utc.dat").write_text("\n".join(rows) + "\n")
    (data / "finals2000A.all").symlink_to(eop_source()["path"])
    DataContext.getDefault().getDataProvidersManager().addProvider(DirectoryCrawler(File(str(data))))
    eph = get_ephemeris("de421")
    j2000 = AbsoluteDate(2000, 1, 1, 12, 0, 0.0, TimeScalesFactory.getTT())

    def vec(x):
        return Vector3D(float(x[0]), float(x[1]), float(x[2]))

    @JImplements(TransformProvider)
    class EarthInBarycentre:
        @JOverride
        def getTransform(self, date):
            if isinstance(date, FieldAbsoluteDate):
                d0 = date.toAbsoluteDate()
                return FieldTransform(date.getField(), self.getTransform(d0)).shiftedBy(date.durationFrom(d0))
            sec = float(date.durationFrom(j2000)) + np.array([0.0, -10.0, 10.0])
            r, v = eph.barycentric("earth", Epoch(np.full(3, 2451545.0), sec / DAY_S, "tt").to("tdb"))
            return Transform(date, PVCoordinates(vec(r[0] * 1e3), vec(v[0] * 1e3), vec((v[2] - v[1]) * 50.0)))

    provider = InterpolatingTransformProvider(EarthInBarycentre(), CartesianDerivativesFilter.USE_PVA,
                                              AngularDerivativesFilter.USE_R, 6, 3600.0, 100, 30 * DAY_S, DAY_S)
    icrf = Frame(FramesFactory.getGCRF(), provider, "barycentric ICRF (DE421 Earth)", True)
    return {"icrf": icrf, "j2000": j2000, "vec": vec}


def test_two_way_range_matches_orekit(cruise, orekit):
    """tianwen's two-way range and its partials against Orekit 13's ``estimation.measurements.Range`` (two-way,
    state derivatives by automatic differentiation), an implementation we did not write, with the same stations
    (WGS84), the same EOP file and the same spacecraft state at each reception epoch.

    Orekit moves the spacecraft over the light time by a second-order shift (error ~1e-6 km here) and the station
    over the round trip by a second-order Taylor shift of its inertial state, whose error is the jerk of the
    Earth's rotation: omega^3 R cos(lat) tau^3 / 12 on the range (the benchmark shows the differences follow it,
    up to 90 m at a 820 s round trip). So the check is |tianwen - Orekit| <= that bound + 3 cm, on 24 epochs over
    a day when the round trip is 42 s (bound 1.2 cm); the 3 cm hold tianwen's interpolation of the CIP on daily
    nodes (0.06 mas, documented in tianwen.tracking.earth: 2 cm at the Earth's radius) and the two codes' EOP
    interpolations (a few microseconds of UT1, 1-2 mm). A wrong leg, EOP, station or time scale is off by metres
    to kilometres (a TDB/TT mix-up: 40 m). Orekit's derivatives are with respect to the state at
    reception; ours at the bounce epoch, related by d/dv = -tau_down d/dr: both to 1e-6 relative."""
    import math as _math

    from jpype import JArray
    from org.orekit.bodies import GeodeticPoint, OneAxisEllipsoid
    from org.orekit.estimation.measurements import GroundStation, ObservableSatellite, Range
    from org.orekit.frames import FramesFactory, TopocentricFrame
    from org.orekit.propagation import SpacecraftState
    from org.orekit.utils import AbsolutePVCoordinates, Constants, IERSConventions

    from tianwen.tracking import OMEGA_EARTH_RAD_S

    icrf, j2000, vec = orekit["icrf"], orekit["j2000"], orekit["vec"]
    earth = OneAxisEllipsoid(Constants.WGS84_EARTH_EQUATORIAL_RADIUS, Constants.WGS84_EARTH_FLATTENING,
                             FramesFactory.getITRF(IERSConventions.IERS_2010, True))
    t = epoch("2020-08-12T00:00:00 TDB") + np.linspace(0.0, 1.0, 24)
    eph = get_ephemeris("de421")
    for name in ("kashi", "new-norcia"):
        site = station(name)
        gs = GroundStation(TopocentricFrame(earth, GeodeticPoint(_math.radians(site.lat_deg),
                                                                 _math.radians(site.lon_deg), site.height_m), name))
        g = two_way_range(cruise, t, site)
        r, v = cruise.state(t)
        rs, vs = eph.barycentric("sun", t)
        rb, vb = (np.asarray(r) + rs) * 1e3, (np.asarray(v) + vs) * 1e3
        acc = -GM_SUN * 1e9 * (rb - rs * 1e3) / np.linalg.norm(rb - rs * 1e3, axis=1)[:, None] ** 3
        tt = t.to("tt")
        for i in range(t.jd1.size):
            date = j2000.shiftedBy(float(((tt.jd1[i] - 2451545.0) + tt.jd2[i]) * DAY_S))
            st = SpacecraftState(AbsolutePVCoordinates(icrf, date, vec(rb[i]), vec(vb[i]), vec(acc[i])))
            meas = Range(gs, True, date, 0.0, 1.0, 1.0, ObservableSatellite(0))
            for driver in meas.getParametersDrivers():
                driver.setReferenceDate(date)
            est = meas.estimate(0, 0, JArray(SpacecraftState)([st]))
            theirs_km = est.getEstimatedValue()[0] / 1e3
            bound_km = OMEGA_EARTH_RAD_S**3 * np.hypot(*site.itrs_km[:2]) * g.light_time_s[i] ** 3 / 12.0
            assert abs(g.value[i] - theirs_km) <= bound_km + 3e-5, (name, i, g.value[i] - theirs_km, bound_km)
            d_theirs = np.array(list(est.getStateDerivatives(0)[0]))
            tau_down = float((t.jd1[i] - g.t_ref.jd1[i]) + (t.jd2[i] - g.t_ref.jd2[i])) * DAY_S
            d_ours = np.concatenate([g.d_state[i, :3], -tau_down * g.d_state[i, :3]])
            assert np.linalg.norm(d_ours - d_theirs) <= 1e-6 * np.linalg.norm(d_theirs), (name, i)


# ---------------------------------------------------------------------------------------------------------
# Dynamics: the sensitivities against finite differences of the propagator
# ---------------------------------------------------------------------------------------------------------

def _short_arc(cruise, days=3.0, burn=True, srp=True, perturbers=("earth", "moon")):
    r0, v0 = (np.asarray(x, float).reshape(3) for x in cruise.state(T0))
    model = NBodyModel(perturbers=perturbers, srp=(0.004, 1.3) if srp else None)
    burns = [(T0 + 1.5, np.array([1e-4, -5e-5, 2e-5]), True)] if burn else []
    return Arc(T0, r0, v0, model, T0 + days, burns)


def test_sensitivities_match_finite_differences_of_the_propagator(cruise):
    """d x(t) / d (state, Cr, dv) from the variational equations (chained through the manoeuvre) against central
    differences of whole propagations (fly). Tolerance 1e-5 relative per column: the integrator's relative
    tolerance 1e-12 puts ~2e-4 km of step-selection noise on a 1.5e8 km state, against differences of ~100 km.
    The Cr column is itself a central difference (step 0.5) inside the library; here a step of 0.2 is used, and
    the tolerance is 1e-4 (the Cr effect after half a day is only 5 m per 0.5 of Cr, against the same noise)."""
    arc = _short_arc(cruise)
    p = arc.reference()
    t = Epoch(np.full(4, T0.jd1), T0.jd2 + np.array([0.5, 1.0, 2.0, 2.9]), "tdb")
    _, sens = sensitivities(arc, p, t)
    steps = [10.0] * 3 + [1e-5] * 3 + [0.2] + [1e-5] * 3
    for j, h in enumerate(steps):
        dp = np.zeros(p.size)
        dp[j] = h
        plus = np.concatenate(fly(arc, p + dp).state(t), axis=1)
        minus = np.concatenate(fly(arc, p - dp).state(t), axis=1)
        fd = (plus - minus) / (2 * h)
        for k in range(4):
            if j >= 7 and k < 2:  # before the burn: no sensitivity to its dv
                assert np.all(sens[k, :, j] == 0.0)
                continue
            tol = 1e-4 if j == 6 else 1e-5
            assert np.linalg.norm(sens[k, :, j] - fd[k]) <= tol * np.linalg.norm(fd[k]), (j, k)
    assert np.array_equal(arc.reference(), p)  # flights at other parameters leave the arc's reference alone


# ---------------------------------------------------------------------------------------------------------
# Truth recovery over many seeds
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def recovery(cruise):
    arc = _short_arc(cruise)
    body = _Body(fly(arc), T0, T0 + 3.0)
    sched = schedule(body, ["kashi", "new-norcia"], T0 + 0.05, T0 + 2.95, pass_hours=6.0, range_step_s=3600.0,
                     doppler_step_s=3600.0, ddor=True, ddor_every_days=1.0)
    prior = np.diag(np.square([10.0] * 3 + [1e-5] * 3 + [0.1] + [1e-5] * 3))
    return arc, sched.measurements, prior


def test_truth_recovery_is_consistent_with_the_covariance(recovery):
    """Simulated tracking of a known trajectory (truth drawn from the prior about the reference), white noise at
    the stated sigmas, estimated by the iterated batch from the reference: over 20 seeds the sum of the
    normalised squared errors e^T P^-1 e is chi-square with 20 x 10 degrees of freedom (Bar-Shalom, Li &
    Kirubarajan 2001, *Estimation with Applications to Tracking and Navigation*, sec. 5.4: the NEES test); it
    must fall inside the two-sided 99 % interval. The post-fit residuals must be white at the stated noise: their
    chi-square inside its 99 % interval (m - n + tr(P P_bar^-1) degrees of freedom) and the Ljung-Box statistic
    of lags 1-5 below its 99 % point (Ljung & Box 1978, Biometrika 65, 297)."""
    arc, meas, prior = recovery
    rng = np.random.default_rng(2024)
    p_ref = arc.reference()
    nees, res_chi2, res_dof, lb, lb_dof = 0.0, 0.0, 0.0, 0.0, 0
    seeds = 20
    chol = np.linalg.cholesky(prior)
    for _ in range(seeds):
        p_true = p_ref + chol @ rng.standard_normal(p_ref.size)
        clean = predict(fly(arc, p_true), meas).value
        obs = meas.with_values(clean + meas.sigma * rng.standard_normal(len(meas)))
        est = estimate(arc, obs, p_ref, prior_covariance=prior, prior_p=p_ref, consider=False)
        e = est.p - p_true
        nees += float(e @ np.linalg.solve(est.covariance, e))
        w = est.residuals / meas.sigma
        res_chi2 += float(w @ w)
        res_dof += len(meas) - p_ref.size + float(np.trace(est.covariance @ np.linalg.inv(prior)))
        m = w.size
        w0 = w - w.mean()
        acf = [float(w0[k:] @ w0[:-k] / (w0 @ w0)) for k in range(1, 6)]
        lb += m * (m + 2) * sum(r * r / (m - k) for k, r in enumerate(acf, start=1))
        lb_dof += 5
    dof = seeds * p_ref.size
    assert stats.chi2.ppf(0.005, dof) < nees < stats.chi2.ppf(0.995, dof), nees
    assert stats.chi2.ppf(0.005, res_dof) < res_chi2 < stats.chi2.ppf(0.995, res_dof), (res_chi2, res_dof)
    assert lb < stats.chi2.ppf(0.99, lb_dof), lb


# ---------------------------------------------------------------------------------------------------------
# An independent batch least squares (Tapley, Schutz & Born 2004, ch. 4) on a two-body problem
# ---------------------------------------------------------------------------------------------------------

def _tapley_covariance(arc: Arc, meas, prior):
    """Tapley, Schutz & Born, *Statistical Orbit Determination* (2004), sec. 4.6 (batch processor): two-body
    dynamics with the variational equations dPhi/dt = A Phi (eq. 4.2.6; A from the gravity gradient, sec. 4.2),
    integrated by SciPy's DOP853; H~ of range as the mean of the up- and down-leg unit vectors at the bounce
    epoch (light-time corrections to the partials left out: O(v/c) = 1e-4), Doppler as the differenced range
    over the count, delta-DOR as the difference of the two down legs' unit vectors; normal equations
    Lambda = P_bar^-1 + sum H^T W H solved by Cholesky (eq. 4.6.x). The stations are placed here with erfa's
    IAU 2006/2000A c2t06a and UT1 = UTC, no polar motion (not tianwen.tracking: a station off by < 0.4 km turns a
    line of sight by < 1e-8 rad at 0.2 AU, nothing in a covariance)."""
    mu = GM_SUN

    def station_bary(site, t: Epoch):
        tt, utc = t.to("tt"), t.to("utc")
        c2t = erfa.c2t06a(tt.jd1, tt.jd2, utc.jd1, utc.jd2, 0.0, 0.0)
        return eph.barycentric("earth", t)[0] + np.einsum("nji,j->ni", c2t, site.itrs_km)

    def rhs(t, y):
        r = y[:3]
        rn = np.linalg.norm(r)
        g = mu / rn**3 * (3.0 * np.outer(r, r) / rn**2 - np.eye(3))
        a_mat = np.zeros((6, 6))
        a_mat[:3, 3:] = np.eye(3)
        a_mat[3:, :3] = g
        phi = y[6:].reshape(6, 6)
        return np.concatenate([y[3:6], -mu * r / rn**3, (a_mat @ phi).ravel()])

    span = float(arc.t_end - arc.t0) * DAY_S
    sol = solve_ivp(rhs, (0.0, span), np.concatenate([arc.r0_km, arc.v0_kms, np.eye(6).ravel()]), method="DOP853",
                    rtol=1e-12, atol=1e-12, dense_output=True)
    eph = get_ephemeris("de421")

    def sc_bary(t: Epoch):
        s = ((t.jd1 - arc.t0.jd1) + (t.jd2 - arc.t0.jd2)) * DAY_S
        y = sol.sol(s).T
        return y[:, :3] + eph.barycentric("sun", t)[0], y[:, 6:].reshape(-1, 6, 6)

    def down_light_time(site, t_r: Epoch):
        """The downlink received at ``site`` at ``t_r``: the receiver's position, the bounce epoch, and the
        spacecraft's position and STM then (the light time iterated to a fixed point)."""
        rx = station_bary(site, t_r)
        tau = np.zeros(t_r.jd1.size)
        for _ in range(10):
            r, _ = sc_bary(Epoch(t_r.jd1, t_r.jd2 - tau / DAY_S, "tdb"))
            tau = np.linalg.norm(r - rx, axis=1) / C_KMS
        t_b = Epoch(t_r.jd1, t_r.jd2 - tau / DAY_S, "tdb")
        r, phi = sc_bary(t_b)
        return rx, t_b, r, phi

    def down_leg(site, t_r: Epoch):
        rx, _, r, phi = down_light_time(site, t_r)
        return (r - rx) / np.linalg.norm(r - rx, axis=1)[:, None], phi

    def two_way(site, t_r: Epoch):
        rx, t_b, r, phi = down_light_time(site, t_r)
        tau_u = np.zeros(t_r.jd1.size)
        for _ in range(10):
            tx = station_bary(site, Epoch(t_b.jd1, t_b.jd2 - tau_u / DAY_S, "tdb"))
            tau_u = np.linalg.norm(r - tx, axis=1) / C_KMS
        ud = (r - rx) / np.linalg.norm(r - rx, axis=1)[:, None]
        uu = (r - tx) / np.linalg.norm(r - tx, axis=1)[:, None]
        h = np.concatenate([0.5 * (ud + uu), np.zeros_like(ud)], axis=1)
        return np.einsum("ni,nij->nj", h, phi)

    info = np.linalg.inv(prior)
    for i in range(len(meas)):
        t = Epoch(meas.t.jd1[i:i + 1], meas.t.jd2[i:i + 1], "tdb")
        site = meas.stations[meas.station_a[i]]
        if meas.kind[i] == RANGE:
            row = two_way(site, t)[0]
        elif meas.kind[i] == DDOR:
            (ua, phia), (ub, phib) = down_leg(site, t), down_leg(meas.stations[meas.station_b[i]], t)
            row = ub[0] @ phib[0, :3] - ua[0] @ phia[0, :3]
        else:
            half = 0.5 * meas.count_s[i] / DAY_S
            row = (two_way(site, Epoch(t.jd1, t.jd2 + half, "tdb"))[0]
                   - two_way(site, Epoch(t.jd1, t.jd2 - half, "tdb"))[0]) / meas.count_s[i]
        info += np.outer(row, row) / meas.sigma[i] ** 2
    c = np.linalg.cholesky(info)
    ci = np.linalg.inv(c)
    return ci.T @ ci


def test_covariance_matches_an_independent_batch_estimator(cruise):
    """Our SRIF covariance (QR, analytic light-time partials, the propagator's STM) against the textbook batch
    processor written above (normal equations, SciPy-integrated two-body variational equations, simplified
    partials), on the same measurements (range and Doppler from Kashi, New Norcia and Malargue, and daily
    delta-DOR on the baselines with a common view, 3 days): every eigenvalue of P_ours P_ind^-1 within 1 % of 1.
    The simplified partials differ by O(v/c) = 1e-4, far below 1 %."""
    arc = _short_arc(cruise, days=3.0, burn=False, srp=False, perturbers=())
    body = _Body(fly(arc), T0, arc.t_end)
    meas = schedule(body, ["kashi", "new-norcia", "malargue"], T0 + 0.05, T0 + 2.95, pass_hours=6.0,
                    range_step_s=3600.0, doppler_step_s=3600.0, ddor=True, ddor_every_days=1.0).measurements
    assert meas.counts()["ddor"] >= 3
    prior = np.diag(np.square([1e3] * 3 + [1e-3] * 3))
    d = design(arc, meas, station_sigma_m=0.0, earth_sigma_m=0.0, range_bias_sigma_m=0.0)
    ours = covariance_analysis(d, meas.sigma, prior_covariance=prior).covariance
    theirs = _tapley_covariance(arc, meas, prior)
    ev = np.linalg.eigvals(ours @ np.linalg.inv(theirs)).real
    assert np.all(np.abs(ev - 1.0) < 0.01), ev


def test_consider_covariance_matches_the_textbook_formula():
    """SRIF consider covariance against Tapley, Schutz & Born (2004) eq. 6.3.x written with normal equations:
    P_c = P + S P_cc S^T with S = -P H^T W H_c, on a random well-conditioned problem (agreement to 1e-10)."""
    rng = np.random.default_rng(7)
    h = rng.standard_normal((40, 4))
    hc = rng.standard_normal((40, 2))
    sig = rng.uniform(0.5, 2.0, 40)
    pbar = np.diag([4.0, 1.0, 9.0, 0.25])
    csig = np.array([0.3, 1.5])
    sol = srif(h, None, sig, prior_covariance=pbar, consider=hc, consider_sigma=csig)
    w = np.diag(1.0 / sig**2)
    p = np.linalg.inv(h.T @ w @ h + np.linalg.inv(pbar))
    s = -p @ h.T @ w @ hc
    assert np.allclose(sol.covariance, p, rtol=1e-10, atol=0)
    assert np.allclose(sol.consider_covariance, p + s @ np.diag(csig**2) @ s.T, rtol=1e-10, atol=0)


def test_compressed_blocks_give_the_covariance_of_all_rows():
    """compare_stations solves each station set from the square-root information of its blocks (compress): by
    Bierman (1977, ch. V) the information arrays of independent data stack, so the stacked triangular blocks
    must give the covariance and the consider covariance of solving all the rows at once; on a random problem
    of 3 blocks (one smaller than the number of columns), agreement to 1e-10 (round-off of two QRs)."""
    from tianwen.navigation import compress

    rng = np.random.default_rng(8)
    h = rng.standard_normal((63, 5))
    hc = rng.standard_normal((63, 3))
    sig = rng.uniform(0.5, 2.0, 63)
    pbar = np.diag([4.0, 1.0, 9.0, 0.25, 2.0])
    csig = np.array([0.3, 1.5, 0.7])
    whole = srif(h, None, sig, prior_covariance=pbar, consider=hc, consider_sigma=csig)
    parts = [compress(h[k], sig[k], hc[k]) for k in (slice(0, 30), slice(30, 34), slice(34, 63))]
    assert parts[1][0].shape == (4, 5)
    rows = np.concatenate([p[0] for p in parts])
    stacked = srif(rows, None, np.ones(rows.shape[0]), prior_covariance=pbar,
                   consider=np.concatenate([p[1] for p in parts]), consider_sigma=csig)
    assert np.allclose(stacked.covariance, whole.covariance, rtol=1e-10, atol=0)
    assert np.allclose(stacked.consider_covariance, whole.consider_covariance, rtol=1e-10, atol=0)


# ---------------------------------------------------------------------------------------------------------
# The physics of the comparison
# ---------------------------------------------------------------------------------------------------------

ALL = ["kashi", "jiamusi", "neuquen", "new-norcia", "cebreros", "malargue"]


@pytest.fixture(scope="module")
def network(cruise):
    arc = _short_arc(cruise, days=4.0, burn=False, perturbers=("earth", "moon", "mars", "jupiter"))
    body = _Body(fly(arc), T0, arc.t_end)
    sched = schedule(body, ALL, T0 + 0.05, T0 + 3.95, range_step_s=1800.0, doppler_step_s=1800.0, ddor=True,
                     ddor_every_days=1.0)
    d = design(arc, sched.measurements, station_sigma_m=0.0, earth_sigma_m=0.0, range_bias_sigma_m=0.0)
    prior = np.diag(np.square([1e3] * 3 + [1e-3] * 3 + [0.5]))
    return arc, body, sched, d, prior


def _subset(meas, members, use_ddor):
    names = [s.name for s in meas.stations]
    idx = [names.index(s) for s in members]
    mask = np.isin(meas.station_a, idx) & ((meas.station_b < 0) | np.isin(meas.station_b, idx))
    return mask & ((meas.kind != DDOR) | use_ddor)


def test_adding_stations_or_ddor_never_increases_the_covariance(network):
    """For 12 random pairs of station sets S within T (and delta-DOR off within on), P(S) - P(T) is positive
    semi-definite: more information never loses any (the formal covariance is the inverse of a sum of positive
    semi-definite terms; the schedule of a set is the union of its members' schedules, checked here for one
    subset). Tolerance: eigenvalues >= -1e-9 of the largest, round-off of the QR."""
    arc, body, sched, d, prior = network
    meas = sched.measurements
    rng = np.random.default_rng(11)
    for _ in range(12):
        big = sorted(rng.choice(ALL, size=rng.integers(2, 7), replace=False).tolist())
        small = sorted(rng.choice(big, size=rng.integers(1, len(big) + 1), replace=False).tolist())
        dd_big = bool(rng.integers(0, 2))
        dd_small = dd_big and bool(rng.integers(0, 2))
        covs = []
        for members, dd in ((small, dd_small), (big, dd_big)):
            mask = _subset(meas, members, dd)
            covs.append(covariance_analysis(d.select(mask), meas.sigma[mask], prior_covariance=prior).covariance)
        diff = covs[0] - covs[1]
        ev = np.linalg.eigvalsh(0.5 * (diff + diff.T))
        assert ev.min() >= -1e-9 * np.abs(covs[0]).max(), (small, big, dd_small, dd_big, ev.min())
    own = schedule(body, ["kashi", "neuquen"], T0 + 0.05, T0 + 3.95, range_step_s=1800.0, doppler_step_s=1800.0,
                   ddor=True, ddor_every_days=1.0).measurements
    mask = _subset(meas, ["kashi", "neuquen"], True)
    assert len(own) == int(mask.sum())
    assert np.allclose(own.t.jd2 + (own.t.jd1 - meas.t.jd1[0]), meas.t.jd2[mask] + (meas.t.jd1[mask] - meas.t.jd1[0]),
                       atol=1e-9)


def test_southern_station_fixes_the_declination(network):
    """Near zero declination (Tianwen-1 at +9.6 deg in November 2020) range and Doppler from the northern
    stations determine the spacecraft's right ascension well but its declination poorly: the diurnal Doppler
    signature constrains cos(dec), whose sensitivity sin(dec) vanishes at zero declination (Hamilton & Melbourne
    1982, TDA Progress Report 42-68), and a range from a station at height z above the equator changes by
    z cos(dec) d(dec), the same sign and similar size for Kashi (z = 3950 km) and Jiamusi (4600 km). A southern
    station (Neuquen, z = -3930 km) gives the opposite sign: the north-south baseline measures the declination.

    Checked on the position covariance at the arc end: with Kashi and Jiamusi the declination sigma is more
    than 3 times the right-ascension sigma and the largest eigenvector is within 25 deg of the declination
    direction; adding Neuquen cuts the declination sigma by more than 3 times and the right-ascension sigma by
    less than 2 times."""
    arc, body, sched, d, prior = network
    meas = sched.measurements
    t_end = Epoch(np.atleast_1d(arc.t_end.jd1), np.atleast_1d(arc.t_end.jd2) - 0.05, "tdb")
    st, sens = sensitivities(arc, d.p, t_end)
    rho = st[0, :3] - body_state("earth", t_end)[0].reshape(3)
    u = rho / np.linalg.norm(rho)
    dec, ra = math.asin(u[2]), math.atan2(u[1], u[0])
    assert abs(math.degrees(dec)) < 12.0
    e_ra = np.array([-math.sin(ra), math.cos(ra), 0.0])
    e_dec = np.array([-math.sin(dec) * math.cos(ra), -math.sin(dec) * math.sin(ra), math.cos(dec)])
    sig = {}
    for label, members in (("north", ["kashi", "jiamusi"]), ("north+south", ["kashi", "jiamusi", "neuquen"])):
        mask = _subset(meas, members, False)
        cov = covariance_analysis(d.select(mask), meas.sigma[mask], prior_covariance=prior).covariance
        pos = (sens[0] @ cov @ sens[0].T)[:3, :3]
        sig[label] = (math.sqrt(e_ra @ pos @ e_ra), math.sqrt(e_dec @ pos @ e_dec))
        if label == "north":
            major = np.linalg.eigh(pos)[1][:, -1]
            assert math.degrees(math.acos(min(1.0, abs(float(major @ e_dec))))) < 25.0
    assert sig["north"][1] > 3.0 * sig["north"][0]
    assert sig["north"][1] > 3.0 * sig["north+south"][1]
    assert sig["north"][0] < 2.0 * sig["north+south"][0]


# ---------------------------------------------------------------------------------------------------------
# B-plane mapping and the command
# ---------------------------------------------------------------------------------------------------------

def test_bplane_mapping_matches_monte_carlo():
    """The linear mapping (STM chained through TCM-4, the Cr column, the b_plane Jacobian) against 300 nonlinear
    propagations of samples of the same covariance to the B-plane: every sigma of (B.T, B.R, periapsis
    altitude) within 15 % (the sampling error of a standard deviation from 300 samples is 4 %; 15 % is ~4
    sigma) and the ellipse's angle within 10 deg."""
    from tianwen.arrival import b_plane

    arc, t_map, _ = cruise_arc("tianwen-1", "2021-01-20", "2021-01-25")
    p = arc.reference()
    cov = np.diag(np.square([0.1] * 3 + [1e-7] * 3 + [0.01]))
    mapped = map_to_bplane(arc, p, cov, t_map)
    rng = np.random.default_rng(3)
    chol = np.linalg.cholesky(cov)
    samples = []
    t1 = Epoch(np.atleast_1d(t_map.jd1), np.atleast_1d(t_map.jd2), "tdb")
    rm, vm = body_state("mars", t1)
    for _ in range(300):
        r, v = fly(arc, p + chol @ rng.standard_normal(p.size)).state(t1)
        bp = b_plane(r[0] - rm[0], v[0] - vm[0], body="mars", reference_pole="mars")
        samples.append([float(bp.b_dot_t_km), float(bp.b_dot_r_km), float(bp.periapsis_radius_km)])
    sc = np.cov(np.array(samples).T)
    for i, name in enumerate(("B.T", "B.R", "altitude")):
        ratio = math.sqrt(sc[i, i]) / math.sqrt(mapped.covariance_km2[i, i])
        assert abs(ratio - 1.0) < 0.15, (name, ratio)
    from tianwen.navigation import ellipse

    ang = ellipse(sc[:2, :2])[2]
    assert abs((ang - mapped.angle_deg + 90.0) % 180.0 - 90.0) < 10.0


def test_cli_navigation_json_and_errors(cli, tmp_path):
    """The command prints one JSON row per station set with the counts and the 1-sigma figures, the formal
    ellipse shrinking with the added station (the monotonicity above, through the skin); a misspelled station
    is one line and exit status 2."""
    out = tmp_path / "b.png"
    res = cli("navigation", "tianwen-1", "--stations", "kashi", "--add", "new-norcia", "--arc",
              "2021-01-10:2021-01-13", "--json", "--out", str(out))
    assert res.returncode == 0, res.stderr
    j = json.loads(res.stdout)
    assert [r["stations"] for r in j["rows"]] == [["kashi"], ["kashi", "new-norcia"]]
    assert j["rows"][1]["measurements"]["range"] > j["rows"][0]["measurements"]["range"] > 0
    assert j["rows"][1]["formal"]["semi_major_km"] <= j["rows"][0]["formal"]["semi_major_km"]
    assert out.stat().st_size > 10_000
    bad = cli("navigation", "tianwen-1", "--stations", "kashgarr", "--arc", "2021-01-10:2021-01-13")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "kashgarr" in bad.stderr


def test_range_biases_solved_for_are_recovered(recovery):
    """Range biases of 3 m (Kashi) and -1 m (New Norcia) added to simulated ranges are solved for with the state,
    Cr and dv (a-priori 2 m): each estimate within 3 sigma of the truth, the state errors within 3 sigma, and the
    post-fit weighted RMS near 1 (a bias left unmodelled would leave 3-sigma range residuals). One seed, so the
    3-sigma bounds fail by chance with probability ~1 % over the 12 quantities."""
    from tianwen.navigation import range_bias_stations

    arc, meas, prior = recovery
    rng = np.random.default_rng(5)
    p_ref = arc.reference()
    p_true = p_ref + np.sqrt(np.diag(prior)) * rng.standard_normal(p_ref.size)
    bias = np.array([3e-3, -1e-3])
    clean = predict(fly(arc, p_true), meas).value
    for j, i in enumerate(range_bias_stations(meas)):
        clean = clean + bias[j] * ((meas.kind == RANGE) & (meas.station_a == i))
    obs = meas.with_values(clean + meas.sigma * rng.standard_normal(len(meas)))
    full_prior = np.diag(np.concatenate([np.diag(prior), [4e-6, 4e-6]]))
    est = estimate(arc, obs, np.concatenate([p_ref, [0.0, 0.0]]), prior_covariance=full_prior,
                   prior_p=np.concatenate([p_ref, [0.0, 0.0]]), solve_range_bias=True, consider=False)
    assert est.names[-2:] == ["kashi_range_bias_km", "new-norcia_range_bias_km"]
    z = (est.p - np.concatenate([p_true, bias])) / np.sqrt(np.diag(est.covariance))
    assert np.all(np.abs(z) < 3.0), z
    assert 0.7 < est.statistics["weighted_rms"] < 1.3
