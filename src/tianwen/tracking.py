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

>>> from tianwen.tracking import station, topocentric
>>> look = topocentric("mars", ["2021-02-10T11:52:00", "2021-02-10T12:52:00"], station("kashi"))
>>> look.elevation_deg.shape
(2,)
"""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass
from importlib import resources

import erfa
import numpy as np

from .bodies import C_KMS, DAY_S
from .errors import TianwenError
from .time import J2000_JD, UTC_START_JD, Epoch, epoch as _epoch

#: Earth rotation rate, rad/s of UT1 (IERS Conventions 2010: dERA/dt = 2 pi x 1.00273781191135448 per day).
OMEGA_EARTH_RAD_S = 2.0 * np.pi * 1.00273781191135448 / DAY_S
#: Default solar-conjunction threshold, degrees of Sun–Earth–target angle.
CONJUNCTION_THRESHOLD_DEG = 3.0
#: Standard atmosphere for refraction (as in skyfield's ``altaz`` examples and Meeus's tables).
REFRACTION_TEMPERATURE_C = 10.0
REFRACTION_PRESSURE_HPA = 1010.0

_NODE_DAYS = 1.0  # node spacing for the interpolated CIP X, Y, s and TDB-TT (see _on_nodes)
_ARCSEC = np.pi / 180.0 / 3600.0
_WGS84 = 1  # ERFA ellipsoid identifier


# ---------------------------------------------------------------------------------------------------------
# Sites and the station catalogue
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A place on the Earth: WGS84 geodetic latitude and longitude (degrees, east positive), height above the
    ellipsoid (metres). Catalogue stations also carry their aliases, antenna, source and position uncertainty."""

    name: str
    lat_deg: float
    lon_deg: float
    height_m: float = 0.0
    aliases: tuple = ()
    network: str = ""
    antenna: str = ""
    source: str = ""
    uncertainty_m: float = float("nan")
    height_published: bool = True

    @property
    def itrs_km(self) -> np.ndarray:
        """Earth-fixed (ITRS) Cartesian position, km."""
        xyz = erfa.gd2gc(_WGS84, math.radians(self.lon_deg), math.radians(self.lat_deg), self.height_m)
        return np.asarray(xyz, dtype=float) / 1000.0

    def horizon_axes(self) -> np.ndarray:
        """Rows: unit east, north and up (ellipsoid normal) vectors in the ITRS."""
        phi, lam = math.radians(self.lat_deg), math.radians(self.lon_deg)
        sp, cp, sl, cl = math.sin(phi), math.cos(phi), math.sin(lam), math.cos(lam)
        return np.array([[-sl, cl, 0.0], [-sp * cl, -sp * sl, cp], [cp * cl, cp * sl, sp]])

    def __str__(self) -> str:
        return self.name


def site(lat_deg, lon_deg, height_m=0.0, name: str | None = None) -> Site:
    """A site at WGS84 geodetic latitude, longitude (degrees, east positive) and height above the ellipsoid (m).

    >>> site(-35.776, -69.398, 1550).name
    '-35.776,-69.398,1550'
    """
    try:
        lat, lon, h = float(lat_deg), float(lon_deg), float(height_m)
    except (TypeError, ValueError):
        raise TianwenError(f"site ({lat_deg!r}, {lon_deg!r}, {height_m!r}) must be three numbers: "
                           f"latitude and longitude in degrees, height in metres") from None
    if not all(math.isfinite(x) for x in (lat, lon, h)):
        raise TianwenError(f"site ({lat_deg}, {lon_deg}, {height_m}) must be finite numbers")
    if not -90.0 <= lat <= 90.0:
        raise TianwenError(f"site latitude {lat:g} is outside -90..90 degrees")
    if not -180.0 <= lon <= 360.0:
        raise TianwenError(f"site longitude {lon:g} is outside -180..360 degrees (east positive)")
    if not -1000.0 <= h <= 100000.0:
        raise TianwenError(f"site height {h:g} m is outside -1000..100000 m (above the WGS84 ellipsoid)")
    lon = lon - 360.0 if lon > 180.0 else lon
    return Site(name or f"{lat_deg:g},{lon_deg:g},{height_m:g}", lat, lon, h)


def parse_site(text: str) -> Site:
    """A site from ``"LAT,LON,HEIGHT_M"`` (degrees, degrees east, metres; the height may be left out)."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) == 2:
        parts.append("0")
    try:
        values = [float(p) for p in parts]
        if len(values) != 3:
            raise ValueError
    except ValueError:
        raise TianwenError(f"site {text!r} must be LAT,LON,HEIGHT_M in degrees, degrees east and metres, "
                           f"e.g. -35.776,-69.398,1550") from None
    lat, lon, h = values
    return site(lat, lon, h, name=str(text).strip().replace(" ", ""))


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


@functools.lru_cache(maxsize=1)
def _catalogue() -> tuple[Site, ...]:
    text = resources.files("tianwen").joinpath("data/stations.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    out = []
    for row in rows:
        height = (row["height_m"] or "").strip()
        s = site(float(row["lat_deg"]), float(row["lon_deg"]), float(height) if height else 0.0, name=row["name"])
        aliases = tuple(a.strip() for a in (row["aliases"] or "").split(";") if a.strip())
        out.append(Site(s.name, s.lat_deg, s.lon_deg, s.height_m, aliases, row["network"], row["antenna"],
                        row["source"], float(row["uncertainty_m"]), bool(height)))
    return tuple(out)


def stations() -> list[Site]:
    """Every station in the catalogue (``data/stations.csv``)."""
    return list(_catalogue())


def station(name) -> Site:
    """The catalogue station called ``name`` or one of its aliases (case, spaces, hyphens and accents ignored):
    ``kashi``, ``jiamusi``, ``neuquen``, ``cebreros``, ``malargue``, ``new-norcia``, ``goldstone`` (DSS 14),
    ``canberra`` (DSS 43), ``madrid`` (DSS 63), ``dss-24`` ...

    >>> station("DSS 43").name
    'canberra'
    """
    if isinstance(name, Site):
        return name
    key = _key(name)
    for s in _catalogue():
        if key and key in {_key(s.name), *(_key(a) for a in s.aliases)}:
            return s
    names = ", ".join(s.name for s in _catalogue())
    raise TianwenError(f"unknown station {name!r}; known stations: {names}; or give a site as LAT,LON,HEIGHT_M")


def _as_site(value) -> Site:
    if isinstance(value, Site):
        return value
    if isinstance(value, str):
        return parse_site(value) if "," in value else station(value)
    try:
        return site(*value)
    except TypeError:
        raise TianwenError(f"site {value!r}: give a station name, a Site, or (lat_deg, lon_deg, height_m)") from None


# ---------------------------------------------------------------------------------------------------------
# Earth orientation: IERS finals2000A.all, IAU 2006/2000A, ERA
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EOP:
    tai_mjd: np.ndarray  # table epochs (0h UTC of each day) expressed as TAI MJD
    ut1_minus_tai_s: np.ndarray
    xp_arcsec: np.ndarray
    yp_arcsec: np.ndarray


def _parse_finals(data: bytes) -> _EOP:
    """Bulletin A columns of an IERS ``finals2000A.all`` file (fixed width, IERS readme.finals2000A):
    MJD in columns 8-15, polar motion x and y (arcsec) in 19-27 and 38-46, UT1-UTC (s) in 59-68 with its
    I(ERS)/P(rediction) flag in column 58. Rows without UT1-UTC (the file's empty future tail) are skipped."""
    lines = data.splitlines()
    if not lines:
        return _EOP(*(np.zeros(0),) * 4)
    width = max(68, max(len(x) for x in lines))
    chars = np.array(lines, dtype=f"S{width}").view("S1").reshape(len(lines), width)

    def column(a, b, rows):
        field = np.ascontiguousarray(chars[rows, a:b]).view(f"S{b - a}").ravel()
        return np.where(np.char.strip(field) == b"", b"0", field).astype(float)

    flag = chars[:, 57]
    rows = np.flatnonzero((flag == b"I") | (flag == b"P"))
    mjd, dut1 = column(7, 15, rows), column(58, 68, rows)
    xp, yp = column(18, 27, rows), column(37, 46, rows)
    # TAI-UTC at 0h UTC of each table day (ERFA's leap-second table), to make UT1-TAI (continuous).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", erfa.ErfaWarning)
        iy, im, iday, _ = erfa.jd2cal(2400000.5, mjd)
        dat = erfa.dat(iy, im, iday, 0.0)
    return _EOP(mjd + dat / DAY_S, dut1 - dat, xp, yp)


@functools.lru_cache(maxsize=1)
def _eop() -> _EOP:
    try:
        data = resources.files("skyfield_data").joinpath("data/finals2000A.all").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover - skyfield-data is a dependency
        data = b""
    return _parse_finals(data)


def earth_orientation(epochs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UT1−UTC (s) and polar motion xp, yp (arcsec) used at ``epochs`` (IERS finals2000A.all, linear in
    UT1−TAI; 0, 0, 0 outside the file's span)."""
    t = _epoch(epochs)
    tai = t.to("tai")
    dta = _ut1_minus_tai(tai)
    utc = t.to("utc")
    tai_minus_utc = ((tai.jd1 - utc.jd1) + (tai.jd2 - utc.jd2)) * DAY_S
    xp, yp = _polar_motion(tai)
    return dta + tai_minus_utc, xp, yp


def _inside(tai: Epoch) -> tuple[np.ndarray, _EOP]:
    eop = _eop()
    mjd = (tai.jd1 - 2400000.5) + tai.jd2
    if eop.tai_mjd.size == 0:
        return np.zeros(mjd.shape, bool), eop
    return (mjd >= eop.tai_mjd[0]) & (mjd <= eop.tai_mjd[-1]), eop


def _ut1_minus_tai(tai: Epoch) -> np.ndarray:
    inside, eop = _inside(tai)
    mjd = (tai.jd1 - 2400000.5) + tai.jd2
    out = np.empty(mjd.shape)
    if np.any(inside):
        out[inside] = np.interp(mjd[inside], eop.tai_mjd, eop.ut1_minus_tai_s)
    if np.any(~inside):  # UT1 = UTC: UT1 - TAI = -(TAI - UTC)
        t = Epoch(tai.jd1[~inside], tai.jd2[~inside], "tai")
        if np.any(t.jd < UTC_START_JD + 10.0 / DAY_S):
            raise TianwenError(f"epoch {t[np.argmin(t.jd)].iso()} TAI is before 1960-01-01, where tianwen has no UT1 "
                               f"(no IERS data and no UTC): station geometry needs a later epoch")
        utc = t.to("utc")
        out[~inside] = -((t.jd1 - utc.jd1) + (t.jd2 - utc.jd2)) * DAY_S
    return out


def _polar_motion(tai: Epoch) -> tuple[np.ndarray, np.ndarray]:
    inside, eop = _inside(tai)
    mjd = (tai.jd1 - 2400000.5) + tai.jd2
    xp, yp = np.zeros(mjd.shape), np.zeros(mjd.shape)
    if np.any(inside):
        xp[inside] = np.interp(mjd[inside], eop.tai_mjd, eop.xp_arcsec)
        yp[inside] = np.interp(mjd[inside], eop.tai_mjd, eop.yp_arcsec)
    return xp, yp


_NODE_CACHE: dict = {}  # function -> (first node index, values (k, n)): the last block of nodes computed


def _node_values(func, i0: int, i1: int) -> np.ndarray:
    """``func(J2000_JD, days)`` stacked as (k, n) on the nodes ``i0 .. i1`` (days = index x _NODE_DAYS), reusing
    the block cached for ``func`` (repeated calls over one span, as in pass refinement, compute each node once)."""
    start, block = _NODE_CACHE.get(func, (0, None))
    if block is not None and start <= i0 and i1 < start + block.shape[1]:
        return block[:, i0 - start:i1 - start + 1]
    j0, j1 = i0, i1
    if block is not None and max(i1, start + block.shape[1] - 1) - min(i0, start) < 4 * (i1 - i0 + 1) + 400:
        j0, j1 = min(i0, start), max(i1, start + block.shape[1] - 1)  # extend the cached block
    block = np.atleast_2d(np.array(func(J2000_JD, np.arange(j0, j1 + 1) * _NODE_DAYS)))
    _NODE_CACHE[func] = (j0, block)
    return block[:, i0 - j0:i1 - j0 + 1]


def _on_nodes(func, days: np.ndarray):
    """``func(J2000_JD, days)`` for a long array of days since J2000 (TT or TDB), evaluated on nodes every
    ``_NODE_DAYS`` and interpolated by cubic splines when that is cheaper; ``None`` when it is not. The
    functions so treated (``erfa.xys06a``, ``erfa.dtdb``) are smooth on that scale: tested errors 0.004 mas for
    the CIP X, Y, s and 0.001 ns for TDB-TT at 0.5-day nodes, 0.06 mas and 0.013 ns at the 1-day nodes used."""
    if days.size <= 64:
        return None
    i0 = int(math.floor(float(days.min()) / _NODE_DAYS)) - 2
    i1 = int(math.ceil(float(days.max()) / _NODE_DAYS)) + 2
    start, block = _NODE_CACHE.get(func, (0, None))
    cached = block is not None and start <= i0 and i1 < start + block.shape[1]
    if i1 - i0 + 1 >= days.size and not cached:  # direct evaluation is cheaper
        return None
    from scipy.interpolate import CubicSpline

    values = _node_values(func, i0, i1)
    return tuple(CubicSpline(np.arange(i0, i1 + 1) * _NODE_DAYS, v)(days) for v in values)


def _cip_xys(tt1: np.ndarray, tt2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CIP X, Y and CIO locator s (IAU 2006/2000A, ``erfa.xys06a``), directly or from nodes (``_on_nodes``)."""
    fast = _on_nodes(erfa.xys06a, (tt1 - J2000_JD) + tt2)
    return fast if fast is not None else erfa.xys06a(tt1, tt2)


def _tai_tdb(t: Epoch) -> tuple[Epoch, Epoch]:
    """The epochs in TAI and TDB, flattened. TT<->TDB needs ``erfa.dtdb`` (~30 us an epoch); for long arrays
    it is evaluated on nodes and interpolated (``_on_nodes``)."""
    jd1, jd2 = t.jd1.ravel(), t.jd2.ravel()
    if t.scale in ("utc", "tai", "tt"):
        tai = Epoch(jd1, jd2, t.scale).to("tai")
        tt1, tt2 = erfa.taitt(tai.jd1, tai.jd2)
        tdb = Epoch(tt1, tt2 + _tdb_minus_tt(tt1, tt2) / DAY_S, "tdb")
        return tai, tdb
    tdb = Epoch(jd1, jd2, "tdb")
    tt = Epoch(jd1, jd2 - _tdb_minus_tt(jd1, jd2) / DAY_S, "tt")  # argument TDB for TT: error ~1e-12 s
    return tt.to("tai"), tdb


def _dtdb(jd1, jd2):
    return erfa.dtdb(jd1, jd2, 0.0, 0.0, 0.0, 0.0)


def _tdb_minus_tt(jd1: np.ndarray, jd2: np.ndarray) -> np.ndarray:
    """TDB - TT (s), the geocentric series of ``erfa.dtdb`` (as tianwen.time uses), directly or from nodes."""
    fast = _on_nodes(_dtdb, (jd1 - J2000_JD) + jd2)
    return fast[0] if fast is not None else _dtdb(jd1, jd2)


def celestial_to_terrestrial(epochs) -> np.ndarray:
    """Rotation matrices GCRS -> ITRS (shape ``epochs.shape + (3, 3)``): ``r_itrs = M @ r_gcrs``."""
    t = _epoch(epochs)
    return _c2t(_tai_tdb(t)[0])[0].reshape(t.shape + (3, 3))


def _c2t(tai: Epoch) -> tuple[np.ndarray, np.ndarray]:
    """GCRS -> ITRS matrices (n, 3, 3) and the Earth's rotation axis (the CIP) in the ITRS, (n, 3)."""
    tai1, tai2 = tai.jd1.ravel(), tai.jd2.ravel()
    tt1, tt2 = erfa.taitt(tai1, tai2)
    tai = Epoch(tai1, tai2, "tai")
    ut11, ut12 = erfa.taiut1(tai1, tai2, _ut1_minus_tai(tai))
    x, y, s = _cip_xys(tt1, tt2)
    rc2i = erfa.c2ixys(x, y, s)
    era = erfa.era00(ut11, ut12)
    xp, yp = _polar_motion(tai)
    rpom = erfa.pom00(xp * _ARCSEC, yp * _ARCSEC, erfa.sp00(tt1, tt2))
    return erfa.c2tcio(rc2i, era, rpom), rpom[..., :, 2]


# ---------------------------------------------------------------------------------------------------------
# Targets, observers, light time
# ---------------------------------------------------------------------------------------------------------


def _de421():
    from .ephemeris import get_ephemeris

    return get_ephemeris("de421")


def resolve_target(target):
    """A tracking target: a DE421 body name (not the Earth) is returned as its canonical name; any other name is
    looked up as a mission through ``tianwen.missions.trajectory(name)`` (an object with ``state(epoch)``); an
    object with ``state`` is returned as is."""
    from .bodies import BODIES, body as lookup

    if not isinstance(target, str):
        if not callable(getattr(target, "state", None)):
            raise TianwenError(f"target {target!r}: give a body name (e.g. mars) or an object with state(epoch)")
        return target
    key = target.strip().lower()
    if key == "earth":
        raise TianwenError("target 'earth': the observer is on the Earth; choose another body or a spacecraft")
    if key in BODIES:
        return lookup(key).name
    planets = ", ".join(b for b in BODIES if b != "earth")
    try:
        from .missions import trajectory
    except ImportError:
        trajectory = None
    if trajectory is None:
        raise TianwenError(f"unknown target {target!r}: give a body ({planets}); spacecraft trajectories by mission "
                           f"name need tianwen.missions.trajectory, which this installation does not provide yet")
    try:
        obj = trajectory(target)
    except (TianwenError, LookupError) as exc:
        raise TianwenError(f"unknown target {target!r}: not a body ({planets}) and not a mission trajectory "
                           f"({str(exc).splitlines()[0]})") from None
    if not callable(getattr(obj, "state", None)):
        raise TianwenError(f"mission {target!r}: its trajectory has no state(epoch) method")
    return obj


def _target(target):
    """(label, function tdb -> barycentric (r, v) flat arrays, span (lo, hi) TDB JD or None)."""
    from .ephemeris import check_span

    eph = _de421()
    label = target if isinstance(target, str) else None
    target = resolve_target(target)
    if isinstance(target, str):
        name = target

        def bary(tdb):
            check_span(eph, tdb)
            return eph.barycentric(name, tdb)

        return name, bary, eph.span_tdb_jd

    def bary(tdb):
        r, v = target.state(tdb)
        r = np.asarray(r, dtype=float).reshape(-1, 3)
        v = np.asarray(v, dtype=float).reshape(-1, 3)
        rs, vs = eph.barycentric("sun", tdb)
        return r + rs, v + vs

    label = label or str(getattr(target, "name", None) or type(target).__name__)
    span = getattr(target, "span_tdb_jd", None)
    return label, bary, (tuple(span) if span is not None else eph.span_tdb_jd)


def parse_step_days(text) -> float:
    """A time step as days: a number (days) or a number with a unit ``d``, ``h``, ``m`` or ``s`` (``"1d"``,
    ``"6h"``, ``"30m"``, ``"3600s"``)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(d|day|days|h|hr|hour|hours|m|min|s|sec)?\s*",
                     str(text))
    if not m:
        raise TianwenError(f"step {text!r} must be a positive duration like 1d, 6h, 30m or 3600s")
    unit = (m.group(2) or "d")[0]
    days = float(m.group(1)) / {"d": 1.0, "h": 24.0, "m": 1440.0, "s": DAY_S}[unit]
    if not days > 0.0:
        raise TianwenError(f"step {text!r} must be a positive duration like 1d, 6h, 30m or 3600s")
    return days


def utc_grid(start, end, step_days: float, max_epochs: int = 2_000_000) -> Epoch:
    """UTC epochs from ``start`` to ``end`` (inclusive when on the grid) every ``step_days``, stepped in
    ERFA's UTC quasi-Julian date so that labels stay on round times across leap seconds."""
    a, b = _window(start, end)
    a, b = a.to("utc"), b.to("utc")
    span = (float(b.jd1) - float(a.jd1)) + (float(b.jd2) - float(a.jd2))
    n = int(math.floor(span / step_days + 1e-9)) + 1
    if n > max_epochs:
        raise TianwenError(f"{n:,} epochs from that window and step; use a larger step (at most {max_epochs:,})")
    return Epoch(np.full(n, float(a.jd1)), float(a.jd2) + np.arange(n) * step_days, "utc")


@dataclass
class _Look:
    rho: np.ndarray  # (n, 3) observer -> target at the retarded epoch, ICRF/GCRS axes, km
    rho_dot: np.ndarray  # (n, 3) its rate with respect to the reception time, km/s
    range_km: np.ndarray
    range_rate_kms: np.ndarray
    light_time_s: np.ndarray
    c2t: np.ndarray | None  # (n, 3, 3) GCRS -> ITRS, when an observer site is used
    spin: np.ndarray | None  # (n, 3) Earth's angular velocity in the ITRS, rad/s


def _observer(tdb: Epoch, site_: Site | None, tai: Epoch):
    from .ephemeris import check_span

    eph = _de421()
    check_span(eph, tdb)
    r, v = eph.barycentric("earth", tdb)
    if site_ is None:
        return r, v, None
    c2t, pole = _c2t(tai)
    spin = OMEGA_EARTH_RAD_S * pole  # about the CIP, which polar motion tilts by ~1e-6 rad from the ITRS z axis
    x = site_.itrs_km
    r_site = np.einsum("nji,j->ni", c2t, x)  # M^T x
    v_site = np.einsum("nji,nj->ni", c2t, np.cross(spin, x))  # M^T (omega x x); precession-nutation rates neglected
    return r + r_site, v + v_site, (c2t, spin)


def _look(bary, epochs: Epoch, site_: Site | None, light_time: bool = True) -> _Look:
    if site_ is None:
        tdb = epochs.to("tdb")
        tdb, tai = Epoch(tdb.jd1.ravel(), tdb.jd2.ravel(), "tdb"), None
    else:
        tai, tdb = _tai_tdb(epochs)
    r_obs, v_obs, frame = _observer(tdb, site_, tai)
    c2t, spin = frame if frame is not None else (None, None)
    rt, vt = bary(tdb)
    rho = rt - r_obs
    if light_time:
        tau = np.zeros(tdb.jd1.shape)
        for _ in range(8):
            new = np.sqrt(np.einsum("ni,ni->n", rho, rho)) / C_KMS
            done = np.max(np.abs(new - tau)) < 1e-9 if new.size else True
            tau = new
            rt, vt = bary(Epoch(tdb.jd1, tdb.jd2 - tau / DAY_S, "tdb"))
            rho = rt - r_obs
            if done:
                break
    rng = np.sqrt(np.einsum("ni,ni->n", rho, rho))
    u = rho / rng[:, None]
    dv = vt - v_obs
    if light_time:
        rdot = np.einsum("ni,ni->n", u, dv) / (1.0 + np.einsum("ni,ni->n", u, vt) / C_KMS)
        rho_dot = vt * (1.0 - rdot / C_KMS)[:, None] - v_obs
    else:
        rdot = np.einsum("ni,ni->n", u, dv)
        rho_dot = dv
    return _Look(rho, rho_dot, rng, rdot, rng / C_KMS, c2t, spin)


def _horizon(look: _Look, site_: Site):
    """Azimuth, elevation (deg) and elevation rate (deg/s) of the line of sight in the site's horizon frame."""
    axes = site_.horizon_axes()  # rows east, north, up (ITRS)
    p = np.einsum("nij,nj->ni", look.c2t, look.rho)
    # rate seen in the rotating frame: M rho_dot - omega x p
    pd = np.einsum("nij,nj->ni", look.c2t, look.rho_dot) - np.cross(look.spin, p)
    e, n, up = p @ axes.T[:, 0], p @ axes.T[:, 1], p @ axes.T[:, 2]
    ed, nd, upd = pd @ axes.T[:, 0], pd @ axes.T[:, 1], pd @ axes.T[:, 2]
    hor = np.hypot(e, n)
    el = np.arctan2(up, hor)
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    r2 = hor * hor + up * up
    with np.errstate(invalid="ignore", divide="ignore"):
        el_rate = (upd * hor * hor - up * (e * ed + n * nd)) / (r2 * hor)
    return np.degrees(az), np.degrees(el), np.degrees(el_rate)


def refraction_deg(elevation_deg, temperature_c: float = REFRACTION_TEMPERATURE_C,
                   pressure_hpa: float = REFRACTION_PRESSURE_HPA) -> np.ndarray:
    """Atmospheric refraction (degrees) to add to a geometric (airless) elevation: Bennett's (1982) formula
    ``R = 1/tan(h + 7.31/(h + 4.4))`` arcmin for apparent elevation ``h``, scaled by ``(P/1010)(283/(273+T))``
    and inverted by fixed-point iteration (Meeus, *Astronomical Algorithms*, ch. 16; as skyfield does). Zero
    below -1 deg and above 89.9 deg (where it is < 0.0003 deg)."""
    return _refraction(elevation_deg, temperature_c, pressure_hpa)[0]


def _refraction(elevation_deg, temperature_c, pressure_hpa):
    """(refraction, d apparent / d true) in degrees, for :func:`refraction_deg` and the elevation rate."""
    true = np.asarray(elevation_deg, dtype=float)
    k = (1.0 / 60.0) * (pressure_hpa / 1010.0) * (283.0 / (273.0 + temperature_c))

    def bennett(h):
        return np.where((h >= -1.0) & (h <= 89.9), k / np.tan(np.radians(h + 7.31 / (h + 4.4))), 0.0)

    apparent = true.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(50):
            new = true + bennett(apparent)
            converged = np.all(np.abs(new - apparent) < 1e-12)
            apparent = new
            if converged:
                break
        arg = np.radians(apparent + 7.31 / (apparent + 4.4))
        slope = -k / np.sin(arg) ** 2 * np.radians(1.0 - 7.31 / (apparent + 4.4) ** 2)  # dR/dh
        slope = np.where((apparent >= -1.0) & (apparent <= 89.9), slope, 0.0)
    return apparent - true, 1.0 / (1.0 - slope)


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topocentric:
    """A target seen from a site at each epoch (arrays of the epochs' shape)."""

    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray
    range_km: np.ndarray
    range_rate_kms: np.ndarray
    light_time_s: np.ndarray
    elevation_rate_deg_s: np.ndarray


def topocentric(target, epochs, site, *, light_time: bool = True, refraction: bool = False,
                temperature_c: float = REFRACTION_TEMPERATURE_C,
                pressure_hpa: float = REFRACTION_PRESSURE_HPA) -> Topocentric:
    """Azimuth and elevation (deg), range (km), range rate (km/s), one-way light time (s) and elevation rate
    (deg/s) of ``target`` from ``site`` at ``epochs`` (UTC strings unless a scale is given; any shape).

    ``site`` is a :class:`Site`, a station name, ``"LAT,LON,HEIGHT_M"`` or a ``(lat, lon, height_m)`` tuple.
    The direction is astrometric (light time, no aberration) and the elevation airless unless ``refraction``;
    ``light_time=False`` gives the instantaneous geometric direction and distance.
    """
    t = _epoch(epochs)
    _, bary, _ = _target(target)
    topo = _topo(bary, t, _as_site(site), light_time, refraction, temperature_c, pressure_hpa)
    return Topocentric(*(x.reshape(t.shape) for x in topo))


def _topo(bary, t: Epoch, s: Site, light_time: bool = True, refraction: bool = False,
          temperature_c: float = REFRACTION_TEMPERATURE_C, pressure_hpa: float = REFRACTION_PRESSURE_HPA):
    look = _look(bary, t, s, light_time)
    az, el, el_rate = _horizon(look, s)
    if refraction:
        dr, gain = _refraction(el, temperature_c, pressure_hpa)
        el, el_rate = el + dr, el_rate * gain
    return az, el, look.range_km, look.range_rate_kms, look.light_time_s, el_rate


def _geocentric(bary, t: Epoch):
    """Light-time-corrected geocentric look at the target and the Sun–Earth–target angle (deg)."""
    look = _look(bary, t, None)
    sun = _look(_target("sun")[1], t, None)
    cosang = np.einsum("ni,ni->n", look.rho, sun.rho) / (look.range_km * sun.range_km)
    return look, np.degrees(np.arccos(np.clip(cosang, -1.0, 1.0)))


def sun_earth_target_deg(target, epochs) -> np.ndarray:
    """Sun–Earth–target angle (solar elongation of the target, degrees) seen from the Earth's centre, both the
    target and the Sun light-time corrected."""
    t = _epoch(epochs)
    _, bary, _ = _target(target)
    return _geocentric(bary, t)[1].reshape(t.shape)


def geometry(target, epochs, site=None, *, refraction: bool = False):
    """Communication geometry over ``epochs`` as an ``xarray.Dataset`` on the coordinate ``epoch`` (UTC; TDB
    before 1960, as ``attrs["epoch_scale"]`` says).

    Variables: ``range_km`` — light-time-corrected distance from the Earth's centre at the epoch to the target
    when the light left it; ``light_time_s`` — that distance over c; ``range_rate_kms``; ``sep_deg`` — the
    Sun–Earth–target angle; and, when ``site`` is given, ``elevation_deg`` and ``azimuth_deg`` seen from it
    (airless unless ``refraction``).
    """
    import xarray as xr

    t = _epoch(epochs)
    if t.jd1.ndim != 1:
        t = Epoch(t.jd1.ravel(), t.jd2.ravel(), t.scale)
    label, bary, _ = _target(target)
    look, sep = _geocentric(bary, t)
    data = {
        "range_km": ("epoch", look.range_km, {"units": "km", "long_name": "light-time-corrected geocentric range"}),
        "light_time_s": ("epoch", look.light_time_s, {"units": "s", "long_name": "one-way light time (range / c)"}),
        "range_rate_kms": ("epoch", look.range_rate_kms, {"units": "km/s", "long_name": "geocentric range rate"}),
        "sep_deg": ("epoch", sep, {"units": "deg", "long_name": "Sun-Earth-target angle"}),
    }
    attrs = {"target": label, "ephemeris": "de421", "direction": "astrometric (light time, no aberration)"}
    if site is not None:
        s = _as_site(site)
        az, el = _topo(bary, t, s, refraction=refraction)[:2]
        data["elevation_deg"] = ("epoch", el, {"units": "deg", "long_name": "elevation" + (
            " (with refraction)" if refraction else " (airless)")})
        data["azimuth_deg"] = ("epoch", az, {"units": "deg", "long_name": "azimuth, north through east"})
        attrs.update(site=s.name, site_lat_deg=s.lat_deg, site_lon_deg=s.lon_deg, site_height_m=s.height_m,
                     refraction=int(bool(refraction)))
    try:
        labels, attrs["epoch_scale"] = t.datetime64("utc"), "UTC"
    except TianwenError:  # before 1960 UTC is undefined: label the epochs in TDB
        labels, attrs["epoch_scale"] = t.datetime64("tdb"), "TDB"
    return xr.Dataset(data, coords={"epoch": ("epoch", labels.astype("datetime64[ns]"))}, attrs=attrs)


# ---------------------------------------------------------------------------------------------------------
# Events: passes and conjunctions (vectorised sampling, then bracketed root refinement)
# ---------------------------------------------------------------------------------------------------------


def _illinois(f, a, b, fa, fb, xtol: float, maxiter: int = 100) -> np.ndarray:
    """Roots of ``f`` (vectorised) in brackets ``[a, b]`` with ``fa * fb <= 0``, all refined together by the
    Illinois variant of regula falsi, with a bisection step whenever an interpolated point would not shrink the
    bracket by at least a quarter."""
    a, b, fa, fb = (np.array(x, dtype=float) for x in (a, b, fa, fb))
    side = np.zeros(a.shape, dtype=int)
    for _ in range(maxiter):
        active = (np.abs(b - a) > xtol) & (fa != 0.0) & (fb != 0.0)
        if not np.any(active):
            break
        i = np.flatnonzero(active)
        with np.errstate(invalid="ignore", divide="ignore"):
            c = (a[i] * fb[i] - b[i] * fa[i]) / (fb[i] - fa[i])
        width = b[i] - a[i]
        bad = ~np.isfinite(c) | (c <= a[i] + 0.05 * width) | (c >= b[i] - 0.05 * width)
        c = np.where(bad, 0.5 * (a[i] + b[i]), c)
        fc = f(c)
        left = np.sign(fc) == np.sign(fa[i])  # root is in [c, b]
        # Illinois: halve the value kept at the unchanged end when it is kept twice running
        keep_b = left & (side[i] == 1)
        keep_a = ~left & (side[i] == -1)
        fb[i[keep_b]] *= 0.5
        fa[i[keep_a]] *= 0.5
        a[i[left]], fa[i[left]] = c[left], fc[left]
        b[i[~left]], fb[i[~left]] = c[~left], fc[~left]
        side[i] = np.where(left, 1, -1)
    root = np.where(fa == 0.0, a, np.where(fb == 0.0, b, 0.5 * (a + b)))
    return root


class _Clock:
    """Seconds from a reference TDB epoch <-> Epoch arrays (precision ~1 microsecond over decades)."""

    def __init__(self, ref: Epoch):
        r = ref.to("tdb")
        self.jd1, self.jd2 = float(np.ravel(r.jd1)[0]), float(np.ravel(r.jd2)[0])

    def epoch(self, seconds) -> Epoch:
        s = np.asarray(seconds, dtype=float)
        return Epoch(np.full(s.shape, self.jd1), self.jd2 + s / DAY_S, "tdb")

    def seconds(self, e: Epoch) -> np.ndarray:
        e = e.to("tdb")
        return ((e.jd1 - self.jd1) + (e.jd2 - self.jd2)) * DAY_S


def _window(start, end, what: str = "window"):
    a, b = _epoch(start), _epoch(end)
    if a.shape != () or b.shape != ():
        raise TianwenError(f"{what} start and end must be single epochs")
    if float(b - a) <= 0.0:
        raise TianwenError(f"{what} end {_label(b)} is not after its start {_label(a)}; swap them")
    return a, b


def _label(e: Epoch) -> str:
    try:
        return str(e.utc_iso())
    except TianwenError:
        return f"{e.iso()} {e.scale.upper()}"


def _utc(e: Epoch | None) -> str | None:
    return None if e is None else str(e.utc_iso())


@dataclass(frozen=True)
class Pass:
    """One pass of a target above a site's elevation threshold. ``rise`` or ``set`` is None when the target
    was already up (or stays up) beyond the searched span: a day either side of the window."""

    site: str
    rise: Epoch | None
    culmination: Epoch
    set: Epoch | None
    max_elevation_deg: float
    min_elevation_deg: float

    def as_json(self) -> dict:
        return {"station": self.site, "rise_utc": _utc(self.rise), "culmination_utc": _utc(self.culmination),
                "set_utc": _utc(self.set), "max_elevation_deg": round(float(self.max_elevation_deg), 4)}


def _span_clip(lo_s, hi_s, clock: _Clock, span):
    if span is None:
        return lo_s, hi_s
    a = float(clock.seconds(Epoch(span[0], 0.0, "tdb"))) + 1.0
    b = float(clock.seconds(Epoch(span[1], 0.0, "tdb"))) - 1.0
    return max(lo_s, a), min(hi_s, b)


def passes(target, start, end, site, min_elevation_deg: float = 0.0, *, refraction: bool = False,
           step_s: float = 600.0, margin_days: float = 1.0) -> list[Pass]:
    """Passes of ``target`` above ``min_elevation_deg`` at ``site`` that overlap the window ``[start, end]``:
    rise, culmination (highest elevation) and set, each refined to a millisecond.

    Method: elevation and its rate are sampled every ``step_s`` seconds from ``margin_days`` before ``start``
    to ``margin_days`` after ``end`` in one vectorised call; every sign change of the elevation rate brackets
    a culmination or lowest point, refined (all at once) by regula falsi on the analytic elevation rate;
    between consecutive extrema the elevation is monotonic, so it crosses the threshold there at most once and
    that crossing, if any, is refined the same way. Passes shorter than ``step_s`` are found as long as their
    culmination is (the elevation rate changes sign). A target above the threshold through the whole searched
    span gives one pass with no rise or set.
    """
    s = _as_site(site)
    label, bary, span = _target(target)
    a, b = _window(start, end)
    thr = float(min_elevation_deg)
    if not -90.0 <= thr < 90.0:
        raise TianwenError(f"minimum elevation {min_elevation_deg!r} must be between -90 and 90 degrees")
    if not (np.isfinite(step_s) and 1.0 <= step_s <= 86400.0):
        raise TianwenError(f"sampling step {step_s!r} s must be between 1 and 86400 seconds")
    clock = _Clock(a)
    end_s = float(clock.seconds(b))
    lo, hi = _span_clip(-margin_days * DAY_S, end_s + margin_days * DAY_S, clock, span)
    if hi <= lo:
        raise TianwenError("the window is outside the target's ephemeris span")
    grid = np.linspace(lo, hi, int(math.ceil((hi - lo) / step_s)) + 1)

    def elev(sec):
        topo = _topo(bary, clock.epoch(np.atleast_1d(sec)), s, refraction=refraction)
        return topo[1], topo[5]

    el, rate = elev(grid)
    # extrema of the elevation: sign changes of its rate
    sr = np.sign(rate)
    idx = np.flatnonzero((sr[:-1] != sr[1:]) & (sr[:-1] != 0))
    ext = _illinois(lambda x: elev(x)[1], grid[idx], grid[idx + 1], rate[idx], rate[idx + 1], xtol=1e-3)
    is_max = rate[idx] > 0
    nodes = np.concatenate([[grid[0]], ext, [grid[-1]]])
    f_nodes = elev(nodes)[0] - thr
    lo_n, hi_n = nodes[:-1], nodes[1:]
    flo, fhi = f_nodes[:-1], f_nodes[1:]
    cross = np.flatnonzero(np.sign(flo) != np.sign(fhi))
    cross = cross[(flo[cross] != 0.0) | (fhi[cross] != 0.0)]
    roots = _illinois(lambda x: elev(x)[0] - thr, lo_n[cross], hi_n[cross], flo[cross], fhi[cross], xtol=1e-3)
    rising = fhi[cross] > flo[cross]

    el_ext = f_nodes[1:-1] + thr
    events = sorted([(t, "rise" if r else "set", 0.0) for t, r in zip(roots, rising)] +
                    [(t, "max", e) for t, m, e in zip(ext, is_max, el_ext) if m and e > thr])
    out, cur = [], None
    if f_nodes[0] > 0.0:  # up when the search starts
        cur = {"rise": None, "max": None}
    for t, kind, e in events:
        if kind == "rise":
            cur = {"rise": t, "max": None}
        elif kind == "max":
            if cur is None:
                cur = {"rise": None, "max": None}
            if cur["max"] is None or e > cur["max"][1]:
                cur["max"] = (t, e)
        else:
            if cur is None:
                cur = {"rise": None, "max": None}
            cur["set"] = t
            out.append(cur)
            cur = None
    if cur is not None:
        cur["set"] = None
        out.append(cur)

    kept = []
    for p in out:
        r, st = p["rise"], p.get("set")
        if (r is not None and r >= end_s) or (st is not None and st <= 0.0):
            continue
        if p["max"] is not None:
            m, max_el = p["max"]
        else:  # no interior maximum: the highest point is an end of the pass or of the searched span
            ends = np.array([lo if r is None else r, hi if st is None else st])
            e = elev(ends)[0]
            m, max_el = ends[int(np.argmax(e))], float(np.max(e))
        kept.append((r, m, st, float(max_el)))
    if not kept:
        return []
    # every event time to UTC in one conversion
    secs = np.array([[np.nan if x is None else x for x in row[:3]] for row in kept])
    utc = clock.epoch(np.nan_to_num(secs)).to("utc")
    return [Pass(s.name, None if r is None else utc[i, 0], utc[i, 1], None if st is None else utc[i, 2], e, thr)
            for i, (r, m, st, e) in enumerate(kept)]


@dataclass(frozen=True)
class Conjunction:
    """An interval with the Sun–Earth–target angle below ``threshold_deg``. ``start``/``end`` is None when the
    interval began before (ended after) the searched window."""

    start: Epoch | None
    end: Epoch | None
    minimum: Epoch
    min_sep_deg: float
    threshold_deg: float

    @property
    def days(self) -> float | None:
        return None if self.start is None or self.end is None else float(self.end - self.start)

    def as_json(self) -> dict:
        return {"start_utc": _utc(self.start), "end_utc": _utc(self.end), "min_utc": _utc(self.minimum),
                "min_sep_deg": round(self.min_sep_deg, 4), "threshold_deg": self.threshold_deg}


def conjunctions(target, start, end, threshold_deg: float = CONJUNCTION_THRESHOLD_DEG, *,
                 step_days: float = 0.25) -> list[Conjunction]:
    """Solar conjunctions of ``target`` in ``[start, end]``: intervals when the Sun–Earth–target angle (from the
    Earth's centre) is below ``threshold_deg``, with the epoch and value of the smallest angle. Edges are
    refined to a second by regula falsi, the minimum to a second by golden-section search."""
    label, bary, _ = _target(target)
    a, b = _window(start, end)
    thr = float(threshold_deg)
    if not 0.0 < thr < 180.0:
        raise TianwenError(f"conjunction threshold {threshold_deg!r} must be between 0 and 180 degrees")
    clock = _Clock(a)
    end_s = float(clock.seconds(b))
    step = float(step_days) * DAY_S
    grid = np.linspace(0.0, end_s, max(2, int(math.ceil(end_s / step)) + 1))

    def sep(sec):
        return _geocentric(bary, clock.epoch(np.atleast_1d(sec)))[1]

    g = sep(grid) - thr
    below = g < 0.0
    edges = np.flatnonzero(below[:-1] != below[1:])
    roots = _illinois(lambda x: sep(x) - thr, grid[edges], grid[edges + 1], g[edges], g[edges + 1], xtol=1.0)
    starts = list(roots[below[edges + 1]])
    ends = list(roots[~below[edges + 1]])
    if below[0]:
        starts.insert(0, None)
    if below[-1]:
        ends.append(None)
    out = []
    for t0, t1 in zip(starts, ends):
        lo = 0.0 if t0 is None else t0
        hi = end_s if t1 is None else t1
        tmin = _golden_min(sep, lo, hi, xtol=1.0)
        out.append(Conjunction(None if t0 is None else clock.epoch(t0).to("utc"),
                               None if t1 is None else clock.epoch(t1).to("utc"), clock.epoch(tmin).to("utc"),
                               float(sep(tmin)[0]), thr))
    return out


def _golden_min(f, lo: float, hi: float, xtol: float) -> float:
    """Minimum of a unimodal scalar function on [lo, hi] by golden-section search (first on a coarse scan)."""
    xs = np.linspace(lo, hi, 25)
    ys = f(xs)
    k = int(np.argmin(ys))
    a, b = xs[max(k - 1, 0)], xs[min(k + 1, len(xs) - 1)]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c)[0], f(d)[0]
    while b - a > xtol:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)[0]
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)[0]
    return 0.5 * (a + b)


# ---------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------


def check_output(path: str) -> None:
    """Refuse an output file name :func:`save_geometry` cannot write (checked before any computing)."""
    if not str(path).lower().endswith((".png", ".svg", ".pdf", ".csv", ".nc")):
        raise TianwenError(f"output {path!r}: use a .png, .svg, .pdf (plot), .csv or .nc (data) file name")


def save_geometry(ds, path: str, conjunction_list=(), threshold_deg: float = CONJUNCTION_THRESHOLD_DEG) -> None:
    """Write a :func:`geometry` dataset: ``.png``/``.svg``/``.pdf`` — range (with light time) and Sun–Earth–
    target angle over the span, conjunction periods shaded; ``.csv`` or ``.nc`` — the data."""
    check_output(path)
    lower = str(path).lower()
    if lower.endswith(".csv"):
        ds.to_dataframe().to_csv(path)
        return
    if lower.endswith(".nc"):
        ds.to_netcdf(path)
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = ds.epoch.values
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    ax1.plot(t, ds.range_km.values / 1e6, color="tab:blue")
    ax1.set_ylabel("range from Earth (10$^6$ km)")
    ax1.grid(alpha=0.3)
    lt = ax1.secondary_yaxis("right", functions=(lambda r: r * 1e6 / C_KMS / 60.0, lambda m: m * 60.0 * C_KMS / 1e6))
    lt.set_ylabel("one-way light time (min)")
    ax1.set_title(f"{ds.attrs.get('target', 'target')}: range and Sun–Earth–target angle (DE421)")
    ax2.plot(t, ds.sep_deg.values, color="tab:orange")
    ax2.axhline(threshold_deg, color="tab:red", lw=0.8, ls="--", label=f"{threshold_deg:g}° threshold")
    for c in conjunction_list:
        lo = c.start.datetime64() if c.start is not None else t[0]
        hi = c.end.datetime64() if c.end is not None else t[-1]
        ax2.axvspan(lo, hi, color="tab:red", alpha=0.15)
    ax2.set_ylabel("Sun–Earth–target angle (deg)")
    ax2.set_yscale("log" if float(np.nanmin(ds.sep_deg.values)) < threshold_deg else "linear")
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
