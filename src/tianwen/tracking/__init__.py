"""Tracking and communication geometry: when a ground station sees Mars or a spacecraft, how far it is, how
long a signal takes, and when the Sun is in the way.

Functions take arrays of epochs and return arrays; one call handles any number of epochs:

* :func:`station` / :func:`site` / :func:`stations` — the station catalogue (``data/stations.csv``, sources in
  ``data/stations.md``: Kashi, Jiamusi, Neuquén, Cebreros, Malargüe, New Norcia, the DSN antennas) or any
  WGS84 site given as latitude, longitude (degrees, east positive) and height above the ellipsoid (metres).
* :func:`topocentric` — azimuth, elevation, range, range rate, one-way light time (and elevation rate) of a
  target seen from a site.
* :func:`geometry` — an ``xarray.Dataset`` over epochs: light-time-corrected geocentric range, light time,
  range rate, Sun–Earth–target angle, and elevation/azimuth from a site when one is given.
* :func:`passes` — rise, culmination and set of the target above an elevation threshold.
* :func:`conjunctions` — intervals when the Sun–Earth–target angle is below a threshold (solar conjunction).

A *target* is a body name (``mars`` is the Mars system barycentre; any DE421 body but the Earth) or any object
with a ``state(epoch) -> (r_km, v_kms)`` method giving Sun-centred ICRF states at TDB epochs (a spacecraft
trajectory, for instance).

**Model.**

* *Positions*: JPL DE421, in the barycentric frame (BCRS). Light time is solved there: the target is taken at
  the retarded epoch ``t - tau`` with ``tau = |r_target(t - tau) - r_observer(t)| / c``, iterated until it
  changes by less than a nanosecond (three or four iterations). (Solving it with Sun-centred states instead
  would err by the Sun's barycentric motion over the light time: up to 20 km for Mars.) ``range`` is that
  light-time-corrected
  distance; ``light_time = range / c``: no Shapiro delay (at most ~0.1–0.25 ms for Earth–Mars signals passing
  near the Sun) and no troposphere.
* *Direction*: astrometric, i.e. geometric with light time (what skyfield calls ``observe()``): no stellar or
  diurnal aberration (up to ~0.006°) and no gravitational deflection. Elevation is measured from the plane
  normal to the WGS84 ellipsoid normal at the site (geodetic, like skyfield's ``wgs84`` positions), azimuth from
  north through east. Airless by default; ``refraction=True`` adds Bennett's (1982) formula for 10 °C and
  1010 hPa, inverted by iteration as in Meeus (*Astronomical Algorithms*, ch. 16) and skyfield; zero below −1°.
* *Earth orientation* (IERS Conventions 2010, CIO based; all through pyerfa): GCRS to ITRS is
  ``W(xp, yp, s') R3(ERA) Q(X, Y, s)`` with the CIP X, Y and CIO locator s from IAU 2006/2000A precession–
  nutation (``erfa.xys06a``), the Earth rotation angle from UT1 (``erfa.era00``), s' from ``erfa.sp00`` and
  polar motion from ``erfa.pom00``. For long epoch arrays X, Y, s (and TDB−TT, ``erfa.dtdb``) are computed
  daily and interpolated by cubic splines (errors below 0.1 milliarcsecond and 0.02 ns; tests check them),
  which makes 10^4 epochs several times faster.
* *UT1 and polar motion*: from the IERS ``finals2000A.all`` file shipped by the ``skyfield-data`` package
  (Bulletin A values, including its ~1-year predictions), interpolated linearly in UT1−TAI so that leap
  seconds do not smear. Outside the file's span (it starts 1973-01-02) tianwen uses **UT1 = UTC and no polar
  motion**: |UT1−UTC| < 0.9 s is at most 0.004° of Earth rotation, polar motion under 1″ (0.0003°).
  Epochs must be 1960 or later (UTC, hence UT1 here, is undefined before).

**Range rate** is the rate of the light-time-corrected range with respect to the reception time,
``(u · (v_target - v_observer)) / (1 + u · v_target / c)``, ``u`` the unit line of sight; positive when the
target recedes. The observer's velocity includes the Earth's rotation at the site, about the CIP (tilted from
the ITRS pole by polar motion); the precession–nutation rates are neglected (< 1e-9 of the rotation).

A target object may carry ``span_tdb_jd = (first, last)`` (TDB Julian dates); :func:`passes` then keeps its
search inside it.

**Modules** (every public name is re-exported here: ``from tianwen.tracking import passes``):

* :mod:`~tianwen.tracking.sites` — :class:`Site`, :func:`site`, :func:`parse_site`, the station catalogue;
* :mod:`~tianwen.tracking.earth` — Earth orientation: the IERS file, UT1, polar motion, the GCRS→ITRS rotation;
* :mod:`~tianwen.tracking.look` — targets, light time, topocentric look, refraction, :func:`geometry` and its
  output (``look`` rather than ``geometry``, so that the submodule does not share a name with the function);
* :mod:`~tianwen.tracking.events` — :func:`passes` and :func:`conjunctions`, refined with :mod:`tianwen.search`.

>>> from tianwen.tracking import station, topocentric
>>> look = topocentric("mars", ["2021-02-10T11:52:00", "2021-02-10T12:52:00"], station("kashi"))
>>> look.elevation_deg.shape
(2,)
"""

from .earth import OMEGA_EARTH_RAD_S, celestial_to_terrestrial, earth_orientation
from .events import Conjunction, Pass, conjunctions, passes
from .look import (CONJUNCTION_THRESHOLD_DEG, REFRACTION_PRESSURE_HPA, REFRACTION_TEMPERATURE_C, Topocentric,
                   check_output, geometry, parse_step_days, refraction_deg, resolve_target, save_geometry,
                   sun_earth_target_deg, topocentric, utc_grid)
from .sites import Site, parse_site, site, station, stations

__all__ = ["OMEGA_EARTH_RAD_S", "CONJUNCTION_THRESHOLD_DEG", "REFRACTION_TEMPERATURE_C", "REFRACTION_PRESSURE_HPA",
           "Site", "site", "parse_site", "stations", "station", "earth_orientation", "celestial_to_terrestrial",
           "resolve_target", "parse_step_days", "utc_grid", "refraction_deg", "Topocentric", "topocentric",
           "sun_earth_target_deg", "geometry", "Pass", "passes", "Conjunction", "conjunctions", "check_output",
           "save_geometry"]
