"""Navigation benchmark: measurements per second, and the time to determine a 200-day cruise arc.

1. *Measurements*: ``tianwen.navigation.predict`` on N two-way range, N two-way Doppler (60 s count) and N/10
   delta-DOR measurements of Tianwen-1's reconstructed cruise from Kashi and New Norcia (light time solved on
   both legs, partials included), after a warm-up call; best of ``--repeats``.
2. *A 200-day arc*: 2020-07-27 to 2021-02-08 (TCM-1 to TCM-4 solved for), Kashi and Jiamusi plus the four
   partner stations with delta-DOR: the schedule, the design (every measurement, its partials through the STM),
   the square-root-information solution and the B-plane mapping, timed separately, once
   (:func:`tianwen.navigation.compare_stations` does the same for the station sets).

Peer, in the same run: **Orekit** 13 (CS Group, Java; ``pip install orekit-jpype``, which bundles the jars and
starts a JVM through JPype; needs a Java runtime, e.g. Debian's ``openjdk-17-jre-headless``). Its
``estimation.measurements`` classes ``Range`` (two-way), ``RangeRate`` (two-way; Orekit's model is the
instantaneous range rate, not a differenced count) and ``TDOA`` (time difference of arrival at two stations,
Orekit's nearest to delta-DOR) are estimated with their state derivatives (Hipparchus ``Gradient``) on the same
epochs, stations and trajectory. Nothing is downloaded: Orekit is given the leap-second table written from
pyerfa's, and the same IERS ``finals2000A.all`` tianwen reads (:func:`tianwen.tracking.earth.eop_source`); it
has no planetary ephemeris here (it reads JPL's binary DE files, not SPK), so the barycentric frame is GCRF
shifted by DE421's Earth, given to Orekit through an interpolating transform provider whose samples are filled
in the warm-up (one cache slot holds the whole span; the output counts the callbacks to Python while timed:
zero). The spacecraft is handed to Orekit at each reception epoch (barycentric position, velocity and
the Sun's acceleration); Orekit moves it over the light time with its own second-order shift. The largest
difference of the two ranges is printed beside its cause: Orekit moves the *station* over the round trip by a
second-order Taylor shift of its inertial state too, whose error is the jerk of the Earth's rotation,
``omega^3 R cos(lat) tau^3 / 12`` on the range (0.1 m at a 83 s round trip, 90 m at 820 s); tianwen evaluates
the station's rotation at the transmission epoch. Orekit runs one measurement per Python-to-Java call (its API), so the
JVM's JIT is warmed up by two passes first. The 200-day estimation has no peer: Orekit's batch estimator needs
the planetary ephemerides for its force model (see above), GMAT's estimator is not a Python package.

    python benchmarks/navigation.py            # [--n 2000] [--repeats 3] [--days 196] [--no-orekit]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} logical cores, Python {platform.python_version()}; load {load}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=float, default=196.0)
    ap.add_argument("--no-orekit", action="store_true", help="skip the Orekit peer")
    args = ap.parse_args()

    from tianwen.navigation import (DDOR, DOPPLER, RANGE, Measurements, covariance_analysis, cruise_arc, design,
                                    map_to_bplane, predict, prior_covariance, schedule)
    from tianwen.navigation.cruise import LIGHT_TIME_MARGIN_DAYS
    from tianwen.navigation.estimation import fly
    from tianwen.reconstruct import trajectory
    from tianwen.time import Epoch, epoch
    from tianwen.tracking import station

    print(machine())
    sc = trajectory("tianwen-1")
    n = args.n
    t0 = epoch("2020-09-01T00:00:00 TDB")
    days = np.linspace(0.0, 120.0, n)
    kinds = np.concatenate([np.full(n, RANGE), np.full(n, DOPPLER), np.full(n // 10, DDOR)])
    jd2 = np.concatenate([days, days + 1e-3, days[: n // 10] + 2e-3]) + float(t0.jd2)
    m = Measurements((station("kashi"), station("new-norcia")), kinds, np.zeros(kinds.size, np.int64),
                     np.where(kinds == DDOR, 1, -1).astype(np.int64), Epoch(np.full(kinds.size, t0.jd1), jd2, "tdb"),
                     np.full(kinds.size, np.nan), np.ones(kinds.size), np.where(kinds == DOPPLER, 60.0, 0.0))
    for k in (RANGE, DOPPLER, DDOR):
        predict(sc, m.select(np.flatnonzero(kinds == k)[:50]))  # compile / load
    best = min(_timed(lambda: predict(sc, m))[0] for _ in range(args.repeats))
    print(f"tianwen: {kinds.size} measurements (range, Doppler, delta-DOR) with partials in {best:.3f} s: "
          f"{kinds.size / best:,.0f} per second (Doppler = two round trips)")
    per_kind = {}
    for k, name in ((RANGE, "two-way range"), (DOPPLER, "two-way Doppler (60 s count)"), (DDOR, "delta-DOR")):
        sub = m.select(np.flatnonzero(kinds == k))
        t = min(_timed(lambda: predict(sc, sub))[0] for _ in range(args.repeats))
        per_kind[k] = len(sub) / t
        print(f"  tianwen {name:<30} {len(sub):>6} in {t:.3f} s: {len(sub) / t:>10,.0f} per second")
    if not args.no_orekit:
        orekit_peer(sc, m, kinds, per_kind, args.repeats)

    start = epoch("2020-07-27T00:00:00 TDB")
    end = start + args.days
    t, (arc, t_map, _) = _timed(lambda: cruise_arc("tianwen-1", start, end))
    print(f"arc {start.iso(0)} to {end.iso(0)} TDB: reference and retargeting {t:.2f} s; "
          f"{len(arc.solved)} manoeuvres solved for")

    class Body:
        def __init__(self):
            self._t = fly(arc)
            self.span_tdb_jd = (float(arc.t0.jd) + LIGHT_TIME_MARGIN_DAYS, float(arc.t_end.jd))

        def state(self, e):
            return self._t.state(e)

    stations = ["kashi", "jiamusi", "neuquen", "new-norcia", "cebreros", "malargue"]
    t, sched = _timed(lambda: schedule(Body(), stations, arc.t0 + LIGHT_TIME_MARGIN_DAYS, end, ddor=True))
    meas = sched.measurements
    print(f"schedule: {len(sched.passes)} passes, {meas.counts()} in {t:.2f} s")
    t, d = _timed(lambda: design(arc, meas, solve_range_bias=True))
    print(f"design (light time, partials, STM, consider columns): {d.h.shape[0]} x {d.h.shape[1]} "
          f"(+{d.consider.columns.shape[1]} consider) in {t:.2f} s")
    prior = np.diag(np.concatenate([np.diag(prior_covariance(arc)), np.full(d.h.shape[1] - d.n_arc, 4e-6)]))
    t, sol = _timed(lambda: covariance_analysis(d, meas.sigma, prior_covariance=prior))
    print(f"square-root information solution (QR): {t:.3f} s")
    k = d.n_arc
    t, bp = _timed(lambda: map_to_bplane(arc, d.p[:k], sol.covariance[:k, :k], t_map))
    print(f"B-plane mapping: {t:.2f} s -> 1-sigma {bp.semi_major_km:.3f} x {bp.semi_minor_km:.3f} km, "
          f"periapsis altitude {bp.sigma_alt_km:.3f} km")
    print("200-day estimation: no peer (Orekit's batch estimator needs JPL's binary planetary ephemerides for its "
          "force model, not given here; GMAT's estimator is not a Python package)")


def orekit_peer(sc, m, kinds, per_kind, repeats) -> None:
    """Orekit's Range, RangeRate and TDOA with state derivatives on the epochs of ``m`` (module docstring)."""
    try:
        import orekit_jpype
    except ImportError:
        print("Orekit: not installed (pip install orekit-jpype; needs a Java runtime)")
        return
    import math
    import tempfile
    from importlib.metadata import version
    from pathlib import Path

    import erfa

    from tianwen.bodies import GM_SUN
    from tianwen.ephemeris import get_ephemeris
    from tianwen.navigation import DDOR, DOPPLER, RANGE, two_way_range
    from tianwen.time import Epoch
    from tianwen.tracking import OMEGA_EARTH_RAD_S
    from tianwen.tracking.earth import eop_source

    try:
        orekit_jpype.initVM()
    except Exception as exc:  # no Java runtime
        print(f"Orekit: the JVM did not start ({str(exc).splitlines()[0]}); install a Java runtime")
        return
    from java.io import File
    from jpype import JArray, JImplements, JOverride
    from org.hipparchus.geometry.euclidean.threed import Vector3D
    from org.orekit.bodies import GeodeticPoint, OneAxisEllipsoid
    from org.orekit.data import DataContext, DirectoryCrawler
    from org.orekit.estimation.measurements import TDOA, GroundStation, ObservableSatellite, Range, RangeRate
    from org.orekit.frames import (FieldTransform, Frame, FramesFactory, InterpolatingTransformProvider,
                                   TopocentricFrame, Transform, TransformProvider)
    from org.orekit.propagation import SpacecraftState
    from org.orekit.time import AbsoluteDate, FieldAbsoluteDate, TimeScalesFactory
    from org.orekit.utils import (AbsolutePVCoordinates, AngularDerivativesFilter, CartesianDerivativesFilter,
                                  Constants, IERSConventions, PVCoordinates)

    data = Path(tempfile.mkdtemp(prefix="orekit-data-"))
    months = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
    lines = []
    for year, month, tai_utc in erfa.leap_seconds.get():
        if year >= 1972:
            jd = sum(erfa.cal2jd(int(year), int(month), 1))
            lines.append(f" {int(year)} {months[int(month) - 1]}  1 =JD {jd:9.1f}  TAI-UTC= {tai_utc:5.1f}       S + "
                         f"(MJD - {jd - 2400000.5:.0f}.) X 0.0      S")
    (data / "tai-utc.dat").write_text("\n".join(lines) + "\n")
    (data / "finals2000A.all").symlink_to(eop_source()["path"])
    DataContext.getDefault().getDataProvidersManager().addProvider(DirectoryCrawler(File(str(data))))

    eph = get_ephemeris("de421")
    j2000 = AbsoluteDate(2000, 1, 1, 12, 0, 0.0, TimeScalesFactory.getTT())  # TT: uniform with TAI, as Orekit

    def epochs(seconds):  # TT seconds from J2000 -> tianwen epochs (tianwen converts to TDB with erfa.dtdb)
        s = np.atleast_1d(np.asarray(seconds, float))
        return Epoch(np.full(s.size, 2451545.0), s / 86400.0, "tt").to("tdb")  # the ephemeris reads TDB

    def vec(x):
        return Vector3D(float(x[0]), float(x[1]), float(x[2]))

    calls = [0]  # Python callbacks from the JVM

    @JImplements(TransformProvider)
    class EarthInBarycentre:
        """GCRF -> barycentric ICRF: a translation by DE421's Earth (m, m/s, m/s^2 by a 10 s difference)."""

        @JOverride
        def getTransform(self, date):
            calls[0] += 1
            if isinstance(date, FieldAbsoluteDate):
                d0 = date.toAbsoluteDate()
                return FieldTransform(date.getField(), self.getTransform(d0)).shiftedBy(date.durationFrom(d0))
            sec = float(date.durationFrom(j2000))
            r, v = eph.barycentric("earth", epochs([sec, sec - 10.0, sec + 10.0]))
            acc = (v[2] - v[1]) / 20.0
            return Transform(date, PVCoordinates(vec(r[0] * 1e3), vec(v[0] * 1e3), vec(acc * 1e3)))

    provider = InterpolatingTransformProvider(EarthInBarycentre(), CartesianDerivativesFilter.USE_PVA,
                                              AngularDerivativesFilter.USE_R, 6, 3600.0, 4, 1e12, 1e12)
    icrf = Frame(FramesFactory.getGCRF(), provider, "barycentric ICRF (DE421 Earth)", True)
    itrf = FramesFactory.getITRF(IERSConventions.IERS_2010, True)
    earth = OneAxisEllipsoid(Constants.WGS84_EARTH_EQUATORIAL_RADIUS, Constants.WGS84_EARTH_FLATTENING, itrf)
    stations = [GroundStation(TopocentricFrame(earth, GeodeticPoint(math.radians(s.lat_deg), math.radians(s.lon_deg),
                                                                    s.height_m), s.name)) for s in m.stations]
    sat = ObservableSatellite(0)
    tt = m.t.to("tt")
    sec = ((tt.jd1 - 2451545.0) + tt.jd2) * 86400.0
    r, v = sc.state(m.t)
    rs, vs = eph.barycentric("sun", m.t)
    r_bary, v_bary = (np.asarray(r, float) + rs) * 1e3, (np.asarray(v, float) + vs) * 1e3
    helio = r_bary - rs * 1e3
    acc = -GM_SUN * 1e9 * helio / np.linalg.norm(helio, axis=1)[:, None] ** 3
    states, built = [], []
    for i in range(len(m)):
        date = j2000.shiftedBy(float(sec[i]))
        st = SpacecraftState(AbsolutePVCoordinates(icrf, date, vec(r_bary[i]), vec(v_bary[i]), vec(acc[i])))
        a = stations[m.station_a[i]]
        if kinds[i] == RANGE:
            meas = Range(a, True, date, 0.0, 1.0, 1.0, sat)
        elif kinds[i] == DOPPLER:
            meas = RangeRate(a, date, 0.0, 1.0, 1.0, True, sat)
        else:
            meas = TDOA(a, stations[m.station_b[i]], date, 0.0, 1.0, 1.0, sat)
        for driver in meas.getParametersDrivers():
            driver.setReferenceDate(date)
        states.append(JArray(SpacecraftState)([st]))
        built.append(meas)

    def run(idx):
        out = np.empty(idx.size)
        for j, i in enumerate(idx):
            est = built[i].estimate(0, 0, states[i])
            est.getStateDerivatives(0)
            out[j] = est.getEstimatedValue()[0]
        return out

    print(f"Orekit (orekit-jpype {version('orekit-jpype')}), one measurement per call, state derivatives:")
    for k, name in ((RANGE, "two-way range"), (DOPPLER, "two-way range rate (instant.)"), (DDOR, "TDOA")):
        idx = np.flatnonzero(kinds == k)
        for _ in range(2):  # the JVM's JIT, and the Earth samples of the transform provider
            run(idx)
        before = calls[0]
        t = min(_timed(lambda: run(idx))[0] for _ in range(repeats))
        print(f"  Orekit  {name:<30} {idx.size:>6} in {t:.3f} s: {idx.size / t:>10,.0f} per second "
              f"(tianwen {per_kind[k] / (idx.size / t):.1f}x; {calls[0] - before} callbacks to Python while timed)")
    rng_idx = np.flatnonzero(kinds == RANGE)
    g = two_way_range(sc, m.t[rng_idx], m.stations[0])
    diff_m = (g.value - run(rng_idx) / 1e3) * 1e3
    # Orekit moves the station's inertial state over the round trip by a second-order Taylor shift: its error is
    # the jerk of the Earth's rotation, omega^3 R cos(lat) tau^3 / 6 on the up leg, half of it on the range.
    site = m.stations[0]
    bound_m = OMEGA_EARTH_RAD_S**3 * np.hypot(*site.itrs_km[:2]) * 1e3 * g.light_time_s**3 / 12.0
    print(f"  two-way range, tianwen - Orekit: largest |difference| {np.max(np.abs(diff_m)):.3f} m over "
          f"{rng_idx.size} epochs (round-trip light time {g.light_time_s.min():.0f}-{g.light_time_s.max():.0f} s); "
          f"every one within Orekit's station-shift bound omega^3 R cos(lat) tau^3 / 12 + 1 cm: "
          f"{bool(np.all(np.abs(diff_m) <= bound_m + 0.01))} (largest bound {bound_m.max():.3f} m)")


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


if __name__ == "__main__":
    main()
