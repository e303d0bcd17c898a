"""Launch periods a real rocket can fly: launch vehicles, launch sites, daily windows and the launch period.

A launch vehicle lifts a given mass only up to some launch energy C3; a launch site's range safety limits the
launch azimuth, and so the inclination of the parking orbit and the declination of the launch asymptote (DLA) it
can reach; the asymptote's right ascension (RLA) sets the time of day at which the site passes under a plane that
contains it. The *launch period* is the run of days on which all of that closes.

Data (``data/launch_vehicles.csv``, ``data/launch_sites.csv``; sources in the ``.md`` beside each):

* :func:`vehicle` / :func:`vehicles` — payload mass versus C3 (a published table, a published polynomial fit, a
  published table in C3 and DLA, or "Earth orbit plus the spacecraft's own injection"), each with the C3 (and DLA)
  range where it is valid;
* :func:`site` / :func:`sites` — pad latitude, longitude and the allowed launch-azimuth range.

Model (``docs/launch.md`` has the derivations and the comparison with real missions):

* **Inclination from azimuth**: ``cos i = cos(lat) sin(az)`` (spherical Earth, inertial azimuth).
* **Reachable DLA** for an ascent to a parking orbit: a plane of inclination ``i`` contains every direction of
  declination ``|dec| <= i`` (``<= 180 - i`` when retrograde), so ``|DLA| <= max over allowed azimuths of
  min(i, 180 - i)``.
* **Daily window**: at time ``t`` the site vector ``R(t)`` (GCRS, Earth rotation angle, IAU 2006/2000A) and the
  asymptote ``S`` span one plane; the direction of motion in that plane at the site, ``h x R`` with
  ``h = +-(R x S)``, has an azimuth. The window is the set of times at which one of the two azimuths lies in the
  site's range. With ``ascent="parking"`` any coast is allowed (the spacecraft coasts in the parking orbit to the
  injection point); with ``ascent="direct"`` the injection (the hyperbola's perigee, ``nu_inf = acos(-1/e)``
  before ``S``) must lie ``direct_arc_deg`` downrange of the site.
* **Launch period**: for each launch day (00:00 UTC) of the opportunity's porkchop, the arrival (within the
  arrival constraint) on which the vehicle lifts most mass among those whose DLA the site can reach (the lowest
  C3 for a curve in C3 alone; C3 and DLA for a table in both); the day is feasible when that capability, less
  the payload and margin, is not negative and the day has a window.
"""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from importlib import resources

import numpy as np

from .bodies import body as _body
from .errors import TianwenError
from .time import Epoch, epoch as _epoch

G0_M_S2 = 9.80665
R_EARTH_EQ_KM = 6378.137  # WGS84 equatorial radius
_F_WGS84 = 1.0 / 298.257223563
DEFAULT_PARKING_ALT_KM = 185.0
DIRECT_ARC_DEG = (10.0, 60.0)


def _key(name) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in (text or "").split())


def _rows(filename: str):
    text = resources.files("tianwen").joinpath(f"data/{filename}").read_text(encoding="utf-8")
    return csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


# --- launch vehicles ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Vehicle:
    """A launch vehicle's Earth-escape performance: the mass it delivers at C3 (km^2/s^2), within a validity range.

    ``model`` is ``"poly"`` (``coefficients`` in increasing powers of C3), ``"table"`` (straight lines between the
    published points ``c3_points_km2s2`` -> ``payload_points_kg``), ``"grid"`` (a published table in C3 and DLA:
    ``payload_points_kg`` row by row, one row per ``dla_points_deg``, bilinear between the points) or
    ``"orbit+kick"`` (``coefficients`` = orbit mass kg, perigee and apogee altitudes km, the spacecraft engine's
    Isp s: the capability is the mass the spacecraft keeps after its own impulsive perigee burn to C3).
    """

    name: str
    aliases: tuple[str, ...]
    family: str
    model: str
    c3_points_km2s2: tuple[float, ...]
    payload_points_kg: tuple[float, ...]
    coefficients: tuple[float, ...]
    c3_min_km2s2: float
    c3_max_km2s2: float
    how: str
    source: str
    source_date: str
    dla_points_deg: tuple[float, ...] = ()

    def _grid(self) -> np.ndarray:
        return np.asarray(self.payload_points_kg, dtype=float).reshape(len(self.dla_points_deg), -1)

    def _eval(self, c3: np.ndarray, dla_deg=None) -> np.ndarray:
        if self.model == "grid":  # straight lines in C3 along each DLA row, then in DLA between rows (bilinear);
            # a point next to a table cell without capability (0 kg) has none: no blending into the gaps
            g = self._grid()
            rows = np.stack([np.interp(c3, self.c3_points_km2s2, r) for r in g], axis=-1)
            live = np.stack([np.interp(c3, self.c3_points_km2s2, (r > 0).astype(float)) for r in g], axis=-1)
            if dla_deg is not None:
                dp = np.asarray(self.dla_points_deg)
                d = np.broadcast_to(np.asarray(dla_deg, dtype=float), rows.shape[:-1])
                k = np.clip(np.searchsorted(dp, d, side="right") - 1, 0, len(dp) - 2)[..., None]
                t = ((d - dp[k[..., 0]]) / (dp[k[..., 0] + 1] - dp[k[..., 0]]))[..., None]
                rows, live = ((1 - t) * np.take_along_axis(a, k, -1) + t * np.take_along_axis(a, k + 1, -1)
                              for a in (rows, live))
            return np.where(live > 1.0 - 1e-9, rows, 0.0).max(axis=-1)  # no DLA given: the most favourable one
        if self.model == "poly":
            return np.polynomial.polynomial.polyval(c3, np.asarray(self.coefficients))
        if self.model == "table":
            return np.interp(c3, self.c3_points_km2s2, self.payload_points_kg)
        m0, hp, ha, isp = self.coefficients
        gm = _body("earth").gm_km3_s2
        rp, ra = R_EARTH_EQ_KM + hp, R_EARTH_EQ_KM + ha
        vp = math.sqrt(gm * (2.0 / rp - 2.0 / (rp + ra)))
        dv = np.maximum(np.sqrt(np.maximum(c3, 0.0) + 2.0 * gm / rp) - vp, 0.0)
        return m0 * np.exp(-dv * 1000.0 / (G0_M_S2 * isp))

    def in_range(self, c3_km2s2) -> np.ndarray:
        c3 = np.asarray(c3_km2s2, dtype=float)
        return (c3 >= self.c3_min_km2s2 - 1e-9) & (c3 <= self.c3_max_km2s2 + 1e-9)

    def capability_kg(self, c3_km2s2, dla_deg=None, *, check: bool = True):
        """Mass (kg) delivered at each C3 (array in, array out) and, for a ``grid`` vehicle, each DLA (deg; None:
        the most favourable DLA; other models ignore it). Outside the validity range: a :class:`TianwenError`
        naming the value (``check=True``), else NaN. Never extrapolated."""
        c3 = np.asarray(c3_km2s2, dtype=float)
        d = None
        if self.model == "grid" and dla_deg is not None:
            c3, d = np.broadcast_arrays(c3, np.asarray(dla_deg, dtype=float))
        ok = self.in_range(c3)
        if check and not np.all(ok | np.isnan(c3)):
            bad = float(c3[~ok & ~np.isnan(c3)].flat[0])
            raise TianwenError(
                f"C3 {bad:.3f} km^2/s^2 is outside the {self.name} performance curve's validity range "
                f"{self.c3_min_km2s2:g} to {self.c3_max_km2s2:g} km^2/s^2 (source: {self.source}); "
                f"tianwen does not extrapolate it")
        if d is not None:
            lo, hi = self.dla_points_deg[0], self.dla_points_deg[-1]
            d_ok = (d >= lo - 1e-9) & (d <= hi + 1e-9)
            if check and not np.all(d_ok | np.isnan(d)):
                bad = float(d[~d_ok & ~np.isnan(d)].flat[0])
                raise TianwenError(f"DLA {bad:.2f} deg is outside the {self.name} table's DLA range {lo:g} to "
                                   f"{hi:g} deg (source: {self.source}); tianwen does not extrapolate it")
            ok = ok & d_ok
            d = np.where(d_ok, d, lo)
        out = np.where(ok, self._eval(np.where(ok, c3, self.c3_min_km2s2), d), np.nan)
        return float(out) if out.ndim == 0 else out

    def max_payload_kg(self) -> tuple[float, float]:
        """(largest capability over the validity range in kg, the C3 where it occurs; at the best DLA for a grid)."""
        c3 = np.linspace(self.c3_min_km2s2, self.c3_max_km2s2, 4001)
        m = self._eval(c3)
        k = int(np.argmax(m))
        return float(m[k]), float(c3[k])

    def max_c3_km2s2(self, payload_kg: float) -> float:
        """Largest C3 in the validity range at which the capability (at the best DLA, for a grid) is at least
        ``payload_kg`` (NaN if none)."""
        c3 = np.linspace(self.c3_min_km2s2, self.c3_max_km2s2, 4001)
        ok = self._eval(c3) >= payload_kg
        if not ok.any():
            return math.nan
        k = int(np.nonzero(ok)[0][-1])
        if k == len(c3) - 1:
            return float(c3[-1])
        lo, hi = c3[k], c3[k + 1]
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if self._eval(np.array(mid)) >= payload_kg else (lo, mid)
        return float(lo)

    def as_json(self) -> dict:
        return asdict(self)


def capability_kg(vehicle_name, c3_km2s2, dla_deg=None):
    """Mass (kg) the vehicle delivers at each C3 (km^2/s^2) and, for a vehicle whose table also depends on the
    launch asymptote's declination, each DLA (deg; None: the most favourable); raises outside its validity range.

    >>> round(float(capability_kg("atlas-v-541", 10.0)))
    4624
    """
    return vehicle(vehicle_name).capability_kg(c3_km2s2, dla_deg)


@functools.lru_cache(maxsize=1)
def _vehicles() -> tuple[Vehicle, ...]:
    out = []
    for r in _rows("launch_vehicles.csv"):
        out.append(Vehicle(
            name=r["name"], aliases=tuple(a for a in (r["aliases"] or "").split(";") if a), family=r["family"],
            model=r["model"], c3_points_km2s2=_floats(r["c3_km2s2"]),
            payload_points_kg=_floats((r["payload_kg"] or "").replace("|", " ")),
            coefficients=_floats(r["coefficients"]), c3_min_km2s2=float(r["c3_min_km2s2"]),
            c3_max_km2s2=float(r["c3_max_km2s2"]), how=r["how"], source=r["source"], source_date=r["source_date"],
            dla_points_deg=_floats(r.get("dla_deg") or "")))
    return tuple(out)


def vehicles() -> list[Vehicle]:
    """Every launch vehicle in ``data/launch_vehicles.csv``."""
    return list(_vehicles())


def vehicle(name) -> Vehicle:
    """The vehicle called ``name`` or one of its aliases (case, spaces, hyphens, slashes ignored): ``atlas-v-541``,
    ``lm-5``, ``h2a202``, ``proton``, ``falcon-heavy`` ...

    >>> vehicle("CZ-5").name
    'Long March 5'
    """
    if isinstance(name, Vehicle):
        return name
    key = _key(name)
    for v in _vehicles():
        if key and key in {_key(v.name), *(_key(a) for a in v.aliases)}:
            return v
    raise TianwenError(f"unknown launch vehicle {name!r}; known vehicles: {', '.join(v.name for v in _vehicles())}")


# --- launch sites ------------------------------------------------------------------------------------------------

def inclination_deg(latitude_deg, azimuth_deg):
    """Orbit inclination (deg) of a launch at inertial azimuth ``azimuth_deg`` from latitude ``latitude_deg``:
    ``cos i = cos(lat) sin(az)`` (arrays broadcast).

    >>> round(float(inclination_deg(28.5, 90.0)), 6)
    28.5
    """
    c = np.cos(np.radians(latitude_deg)) * np.sin(np.radians(azimuth_deg))
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


@dataclass(frozen=True)
class LaunchSite:
    """A launch site: pad latitude/longitude (geodetic deg, east positive) and the allowed launch azimuths (deg
    from north; ``azimuth_min_deg`` may be negative: the sector runs clockwise from min to max)."""

    name: str
    aliases: tuple[str, ...]
    latitude_deg: float
    longitude_deg: float
    azimuth_min_deg: float
    azimuth_max_deg: float
    published_inclination_min_deg: float
    published_inclination_max_deg: float
    verified: bool
    source: str

    def azimuth_allowed(self, azimuth_deg) -> np.ndarray:
        width = self.azimuth_max_deg - self.azimuth_min_deg
        return np.mod(np.asarray(azimuth_deg, dtype=float) - self.azimuth_min_deg, 360.0) <= width + 1e-9

    def _azimuths(self) -> np.ndarray:
        return np.linspace(self.azimuth_min_deg, self.azimuth_max_deg, 20001)

    def inclination_range_deg(self) -> tuple[float, float]:
        """(lowest, highest) parking-orbit inclination reachable with the allowed azimuths."""
        i = inclination_deg(self.latitude_deg, self._azimuths())
        return float(i.min()), float(i.max())

    def dla_reach_deg(self) -> float:
        """Largest |DLA| (deg) a parking-orbit ascent from this site can reach: max over the allowed azimuths of
        ``min(i, 180 - i)`` (a plane of inclination i holds directions up to that declination)."""
        i = inclination_deg(self.latitude_deg, self._azimuths())
        return float(np.minimum(i, 180.0 - i).max())

    def reaches_dla(self, dla_deg) -> np.ndarray:
        """Whether a launch asymptote of declination ``dla_deg`` is within this site's reach (|DLA| <=
        :meth:`dla_reach_deg`)."""
        return np.abs(np.asarray(dla_deg, dtype=float)) <= self.dla_reach_deg()

    def as_json(self) -> dict:
        return asdict(self)


def _nan_or_float(text: str) -> float:
    return float(text) if (text or "").strip() else math.nan


@functools.lru_cache(maxsize=1)
def _sites() -> tuple[LaunchSite, ...]:
    out = []
    for r in _rows("launch_sites.csv"):
        out.append(LaunchSite(
            name=r["name"], aliases=tuple(a for a in (r["aliases"] or "").split(";") if a),
            latitude_deg=float(r["latitude_deg"]), longitude_deg=float(r["longitude_deg"]),
            azimuth_min_deg=float(r["azimuth_min_deg"]), azimuth_max_deg=float(r["azimuth_max_deg"]),
            published_inclination_min_deg=_nan_or_float(r["published_inclination_min_deg"]),
            published_inclination_max_deg=_nan_or_float(r["published_inclination_max_deg"]),
            verified=r["verified"].strip().lower() == "yes", source=r["source"]))
    return tuple(out)


def sites() -> list[LaunchSite]:
    """Every launch site in ``data/launch_sites.csv``."""
    return list(_sites())


def site(name) -> LaunchSite:
    """The launch site called ``name`` or one of its aliases: ``ksc``, ``vandenberg``, ``wenchang``, ``tanegashima``,
    ``baikonur``, ``kourou``, ``sriharikota`` ...

    >>> site("KSC").name
    'Cape Canaveral'
    """
    if isinstance(name, LaunchSite):
        return name
    key = _key(name)
    for s in _sites():
        if key and key in {_key(s.name), *(_key(a) for a in s.aliases)}:
            return s
    raise TianwenError(f"unknown launch site {name!r}; known sites: {', '.join(s.name for s in _sites())}")


def reachable_dla_deg(site_name) -> tuple[float, float]:
    """(lowest, highest) DLA (deg) a parking-orbit ascent from the site can reach."""
    r = site(site_name).dla_reach_deg()
    return -r, r


# --- daily launch window -----------------------------------------------------------------------------------------

@dataclass
class Window:
    """One interval of a day in which the site can launch into a plane containing the asymptote."""

    open_utc: str
    close_utc: str
    azimuth_open_deg: float
    azimuth_close_deg: float
    open_jd_utc: float = field(repr=False, default=math.nan)
    close_jd_utc: float = field(repr=False, default=math.nan)

    def as_json(self) -> dict:
        return {"open_utc": self.open_utc, "close_utc": self.close_utc,
                "azimuth_open_deg": self.azimuth_open_deg, "azimuth_close_deg": self.azimuth_close_deg}


def _unit(ra_deg, dec_deg):
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def launch_geometry(site_name, rla_deg: float, dla_deg: float, t_utc, *, c3_km2s2: float = 10.0,
                    parking_alt_km: float = DEFAULT_PARKING_ALT_KM) -> dict[str, np.ndarray]:
    """For launch times ``t_utc`` (an Epoch array), the two planes through the site and the asymptote.

    Returns arrays of shape ``t.shape + (2,)`` (index 0: ``h = R x S``, 1: ``h = -R x S``): ``azimuth_deg`` of the
    motion at the site, ``inclination_deg`` of the plane, and ``arc_deg``, the angle along the motion from the site
    to the injection point (the hyperbola's perigee, ``nu_inf = acos(-1/e)`` before the asymptote).
    """
    import erfa

    s = site(site_name)
    t = _epoch(t_utc).to("utc")
    tt = t.to("tt")
    era = erfa.era00(t.jd1, t.jd2)  # UT1 ~ UTC (|DUT1| < 0.9 s, 0.004 deg of rotation)
    # GCRS <- CIRS: the transpose of the celestial-to-intermediate matrix (IAU 2006/2000A), at the middle epoch.
    k = np.size(tt.jd1) // 2  # precession-nutation moves 0.00004 deg a day: one matrix serves the whole span
    c2i = erfa.c2i06a(float(np.ravel(tt.jd1)[k]), float(np.ravel(tt.jd2)[k]))
    lat_c = math.atan((1.0 - _F_WGS84) ** 2 * math.tan(math.radians(s.latitude_deg)))
    lon = np.radians(s.longitude_deg) + era
    r_cirs = np.stack([np.cos(lat_c) * np.cos(lon), np.cos(lat_c) * np.sin(lon), np.full(lon.shape, math.sin(lat_c))],
                      axis=-1)
    r = r_cirs @ c2i  # row vectors: (c2i^T r)^T = r^T c2i
    pole = np.array([0.0, 0.0, 1.0]) @ c2i
    east = np.cross(pole, r)
    east /= np.linalg.norm(east, axis=-1, keepdims=True)
    north = np.cross(r, east)
    sv = _unit(rla_deg, dla_deg)
    n = np.cross(r, sv)
    with np.errstate(invalid="ignore", divide="ignore"):  # pad exactly under the asymptote: no plane, NaN azimuth
        n /= np.linalg.norm(n, axis=-1, keepdims=True)
    gm = _body("earth").gm_km3_s2
    e = 1.0 + (R_EARTH_EQ_KM + parking_alt_km) * max(float(c3_km2s2), 0.0) / gm
    nu_inf = math.degrees(math.acos(-1.0 / e))
    az, inc, arc = [], [], []
    cos_rs = r @ sv
    sin_rs = np.linalg.norm(np.cross(r, sv), axis=-1)
    for sign in (1.0, -1.0):
        h = sign * n
        d = np.cross(h, r)
        az.append(np.mod(np.degrees(np.arctan2(np.sum(d * east, -1), np.sum(d * north, -1))), 360.0))
        inc.append(np.degrees(np.arccos(np.clip(h @ pole, -1.0, 1.0))))
        theta = np.degrees(np.arctan2(sign * sin_rs, cos_rs))  # site -> asymptote along the motion
        arc.append(np.mod(theta - nu_inf, 360.0))
    return {"azimuth_deg": np.stack(az, -1), "inclination_deg": np.stack(inc, -1), "arc_deg": np.stack(arc, -1)}


def daily_windows(site_name, rla_deg: float, dla_deg: float, date, *, c3_km2s2: float = 10.0,
                  ascent: str = "parking", parking_alt_km: float = DEFAULT_PARKING_ALT_KM,
                  direct_arc_deg: tuple[float, float] = DIRECT_ARC_DEG, step_s: float = 20.0) -> list[Window]:
    """The launch windows (UTC) on the UTC day starting at ``date`` for an asymptote (``rla_deg``, ``dla_deg``).

    ``ascent="parking"``: any time at which a plane through the site and the asymptote has an allowed launch
    azimuth (coast in the parking orbit unlimited). ``ascent="direct"``: in addition the injection point must lie
    ``direct_arc_deg`` (min, max) downrange. Times are sampled every ``step_s`` seconds. Windows are
    clipped to the UTC day: one that spans midnight appears as two pieces, one ending at the last sample (23:59:40)
    and one starting at 00:00:00.
    """
    if ascent not in ("parking", "direct"):
        raise TianwenError(f"ascent {ascent!r} must be 'parking' or 'direct'")
    s = site(site_name)
    d0 = _epoch(_epoch(date).to("utc").iso()[:10])
    n = int(round(86400.0 / step_s))
    t = Epoch(np.full(n, d0.jd1), d0.jd2 + np.arange(n) * (step_s / 86400.0), "utc")
    g = launch_geometry(s, rla_deg, dla_deg, t, c3_km2s2=c3_km2s2, parking_alt_km=parking_alt_km)
    ok = s.azimuth_allowed(g["azimuth_deg"])
    if ascent == "direct":
        ok &= (g["arc_deg"] >= direct_arc_deg[0]) & (g["arc_deg"] <= direct_arc_deg[1])
    out = []
    for k in (0, 1):
        m = ok[:, k].astype(np.int8)
        edges = np.diff(np.concatenate([[0], m, [0]]))
        for i0, i1 in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1):
            out.append(Window(str(t[i0].utc_iso()), str(t[i1].utc_iso()), float(g["azimuth_deg"][i0, k]),
                              float(g["azimuth_deg"][i1, k]), float(t[i0].jd), float(t[i1].jd)))
    out.sort(key=lambda w: w.open_jd_utc)
    return out


# --- launch period -----------------------------------------------------------------------------------------------

@dataclass
class LaunchDay:
    """One launch day of a period: the best transfer (lowest C3 whose DLA the site reaches) and its window(s).

    ``launch_utc`` is 00:00 UTC of the day (the epoch of C3, DLA and RLA); ``windows`` are all the day's windows,
    ``window_open_utc``/``window_close_utc`` the longest of them.
    """

    launch_utc: str
    arrival_utc: str
    tof_days: float
    c3_km2s2: float
    dla_deg: float
    rla_deg: float
    capability_kg: float
    margin_kg: float
    window_open_utc: str | None
    window_close_utc: str | None
    windows: list[Window] = field(default_factory=list)

    def as_json(self) -> dict:
        d = {k: getattr(self, k) for k in ("launch_utc", "arrival_utc", "tof_days", "c3_km2s2", "dla_deg", "rla_deg",
                                           "capability_kg", "margin_kg", "window_open_utc", "window_close_utc")}
        d["windows"] = [w.as_json() for w in self.windows]
        return d


@dataclass
class LaunchPeriod:
    """A launch period: the feasible days (all of them, or the ``days``-long run of least design C3)."""

    opportunity: str
    vehicle: str
    site: str
    payload_kg: float
    margin_kg: float
    open_utc: str
    close_utc: str
    design_c3_km2s2: float
    days: list[LaunchDay]
    target: str = "mars"
    ascent: str = "parking"
    dla_reach_deg: float = math.nan
    feasible_days: int = 0
    note: str | None = None

    def as_json(self) -> dict:
        d = {"opportunity": self.opportunity, "vehicle": self.vehicle, "site": self.site,
             "payload_kg": self.payload_kg, "margin_kg": self.margin_kg, "open_utc": self.open_utc,
             "close_utc": self.close_utc, "design_c3_km2s2": self.design_c3_km2s2,
             "days": [x.as_json() for x in self.days], "target": self.target, "ascent": self.ascent,
             "dla_reach_deg": self.dla_reach_deg, "feasible_days": self.feasible_days}
        if self.note:
            d["note"] = self.note
        return d


def _today(today) -> Epoch:
    import datetime as _dt

    if today is None or str(today).strip().lower() in ("now", "today"):
        now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
        return _epoch(now.strftime("%Y-%m-%d"))
    return _epoch(_epoch(today).to("utc").iso()[:10])


def _grid(opportunity, origin, target, ephemeris, arrive, arrival_fixed, departure):
    from .porkchop import porkchop
    from .windows import plot_window

    dep, arr, label = plot_window(opportunity, origin=origin, target=target, ephemeris=ephemeris)
    if departure is not None:
        dep = departure
    else:  # plot_window frames +-10 % of the synodic period; launch periods can sit at its edge: widen by half
        a, b = _epoch(dep[0]), _epoch(dep[1])
        half = 0.25 * float(b - a)
        dep = ((a - half).to("utc").iso()[:10], (b + half).to("utc").iso()[:10])
        arr = ((_epoch(arr[0]) - half).to("utc").iso()[:10], arr[1])
    if arrive is not None and arrival_fixed is not None:
        raise TianwenError("give an arrival window (arrive) or a fixed arrival date (arrival_fixed), not both")
    if arrival_fixed is not None:
        d = _epoch(arrival_fixed).to("utc").iso()[:10]
        arr = (d, d)
    elif arrive is not None:
        arr = arrive
    return porkchop(dep, arr, step_days=1.0, origin=origin, target=target, ephemeris=ephemeris, scheduler=False), label


def _day_str(t64) -> str:
    return str(np.datetime_as_string(t64, unit="s")) + "Z"


def launch_period(opportunity, vehicle_name, site_name, payload_kg: float, *, arrive=None, arrival_fixed=None,
                  margin_kg: float = 0.0, days: int | None = None, target="mars", origin="earth",
                  ephemeris="de421", departure=None, today=None, ascent: str = "parking",
                  parking_alt_km: float = DEFAULT_PARKING_ALT_KM) -> LaunchPeriod:
    """The launch period of one opportunity for a vehicle, site and payload.

    ``opportunity``: a year or ``"next"`` (the first opportunity with a feasible launch day on or after ``today``,
    default the current UTC date; its past days are dropped). ``arrive``: an arrival window (start, end);
    ``arrival_fixed``: one arrival date; default the opportunity's whole arrival span. ``margin_kg``: capability
    to keep in reserve. ``days=N``: the N consecutive feasible days of least maximum C3 (the design C3).
    ``departure``: override the launch-date span searched (default the opportunity's porkchop span, widened).

    Raises :class:`TianwenError` when no day is feasible, naming the smallest shortfall and where it occurs.
    """
    v, s = vehicle(vehicle_name), site(site_name)
    payload_kg, margin_kg = float(payload_kg), float(margin_kg)
    if not (math.isfinite(payload_kg) and payload_kg > 0):
        raise TianwenError(f"payload_kg {payload_kg!r} must be a positive mass in kg")
    if not (math.isfinite(margin_kg) and margin_kg >= 0):
        raise TianwenError(f"margin_kg {margin_kg!r} must be a non-negative mass in kg")
    if days is not None and int(days) < 1:
        raise TianwenError(f"days {days!r} must be a positive number of launch days")
    need = payload_kg + margin_kg
    best_m, best_c3 = v.max_payload_kg()
    if need > best_m:
        raise TianwenError(
            f"payload {payload_kg:g} kg + margin {margin_kg:g} kg is above the {v.name}'s capability at every C3: "
            f"at most {best_m:.0f} kg (at C3 = {best_c3:g} km^2/s^2); choose a larger vehicle or a lighter payload")
    if str(opportunity).strip().lower() == "next":
        t0 = _today(today)
        year = int(t0.iso()[:4])
        last_error = None
        for y in range(year - 1, year + 6):
            try:
                p = launch_period(y, v, s, payload_kg, arrive=arrive, arrival_fixed=arrival_fixed,
                                  margin_kg=margin_kg, days=days, target=target, origin=origin,
                                  ephemeris=ephemeris, departure=departure, ascent=ascent,
                                  parking_alt_km=parking_alt_km, today=t0)
            except TianwenError as exc:
                last_error = exc
                continue
            return p
        raise TianwenError(f"no launchable {origin}-{target} opportunity for {v.name} from {s.name} with "
                           f"{payload_kg:g} kg within five years of {t0.iso()[:10]} ({last_error})")
    grid, label = _grid(opportunity, origin, target, ephemeris, arrive, arrival_fixed, departure)
    c3, dla, rla, tof = (grid[k].values for k in ("c3", "dla", "rla", "tof"))
    reach = s.dla_reach_deg()
    usable = np.isfinite(c3) & (tof > 0)
    ok_dla = usable & (np.abs(dla) <= reach + 1e-9)
    dep64, arr64 = grid.departure.values, grid.arrival.values
    cutoff = None
    if today is not None:
        cutoff = np.datetime64(_today(today).to("utc").iso()[:10])
    rows, shortfalls, dla_misses, range_misses = [], [], [], []
    for i in range(c3.shape[0]):
        if cutoff is not None and dep64[i] < cutoff:
            continue
        if not ok_dla[i].any():
            if usable[i].any():
                j = int(np.nanargmin(np.where(usable[i], np.abs(dla[i]), np.inf)))
                dla_misses.append((abs(float(dla[i, j])) - reach, i))
            continue
        caps = np.where(ok_dla[i], v.capability_kg(c3[i], dla[i], check=False), np.nan)
        if not np.isfinite(caps).any():
            j = int(np.argmin(np.where(ok_dla[i], c3[i], np.inf)))
            range_misses.append((float(c3[i, j]), i))
            continue
        # the transfer the vehicle lifts most mass on (for a curve in C3 alone: the lowest C3), lowest C3 on ties
        j = int(np.lexsort((np.where(np.isfinite(caps), c3[i], np.inf), -np.nan_to_num(caps, nan=-np.inf)))[0])
        cap = float(caps[j])
        margin = cap - need
        if margin < 0:
            shortfalls.append((-margin, i, float(c3[i, j]), cap))
            continue
        rows.append((i, j, cap, margin))
    what = f"{label} {origin}-{target} opportunity"
    if not rows:
        where = lambda i: str(dep64[i])[:10]  # noqa: E731
        if shortfalls:
            short, i, c, cap = min(shortfalls)
            raise TianwenError(
                f"no feasible launch day in the {what}: the {v.name} lifts {cap:.0f} kg at the lowest reachable "
                f"C3 ({c:.2f} km^2/s^2 on {where(i)} from {s.name}), {short:.0f} kg short of payload "
                f"{payload_kg:g} kg + margin {margin_kg:g} kg")
        if range_misses:
            c, i = min(range_misses)
            dla_range = (f" (and DLA {v.dla_points_deg[0]:g} to {v.dla_points_deg[-1]:g} deg)"
                         if v.model == "grid" else "")
            raise TianwenError(
                f"no feasible launch day in the {what}: the lowest reachable C3, {c:.2f} km^2/s^2 on {where(i)}, is "
                f"outside the {v.name} curve's validity range {v.c3_min_km2s2:g} to {v.c3_max_km2s2:g} km^2/s^2"
                f"{dla_range}")
        if dla_misses:
            x, i = min(dla_misses)
            raise TianwenError(
                f"no feasible launch day in the {what}: {s.name} reaches |DLA| <= {reach:.1f} deg; the closest "
                f"transfer, on {where(i)}, needs {x:.1f} deg more")
        raise TianwenError(f"no launch day on or after {str(cutoff)[:10]} in the {what}")
    chosen = rows
    if days is not None:
        n = int(days)
        best = None
        idx = [r[0] for r in rows]
        for k in range(len(rows) - n + 1):
            if idx[k + n - 1] - idx[k] != n - 1:  # not consecutive days
                continue
            worst = max(float(c3[r[0], r[1]]) for r in rows[k:k + n])
            if best is None or worst < best[0]:
                best = (worst, k)
        if best is None:
            runs, start = [], 0
            for k in range(1, len(idx) + 1):
                if k == len(idx) or idx[k] != idx[k - 1] + 1:
                    runs.append((k - start, start))
                    start = k
            length, st = max(runs)
            raise TianwenError(
                f"no {n} consecutive feasible launch days in the {what}: the longest run is {length} days "
                f"({str(dep64[idx[st]])[:10]} to {str(dep64[idx[st + length - 1]])[:10]})")
        chosen = rows[best[1]:best[1] + n]
    out_days = []
    for i, j, cap, margin in chosen:
        wins = daily_windows(s, float(rla[i, j]), float(dla[i, j]), str(dep64[i])[:10], c3_km2s2=float(c3[i, j]),
                             ascent=ascent, parking_alt_km=parking_alt_km)
        main = max(wins, key=lambda w: w.close_jd_utc - w.open_jd_utc) if wins else None  # the longest piece
        out_days.append(LaunchDay(
            launch_utc=_day_str(dep64[i]), arrival_utc=_day_str(arr64[j]), tof_days=float(tof[i, j]),
            c3_km2s2=float(c3[i, j]), dla_deg=float(dla[i, j]), rla_deg=float(rla[i, j]), capability_kg=float(cap),
            margin_kg=float(margin), window_open_utc=main.open_utc if main else None,
            window_close_utc=main.close_utc if main else None, windows=wins))
    notes = []
    if len(chosen) != (chosen[-1][0] - chosen[0][0] + 1):
        notes.append("the feasible days are not consecutive (gaps inside the period)")
    if chosen[0][0] == 0 or chosen[-1][0] == c3.shape[0] - 1:
        notes.append(f"the period reaches the edge of the launch dates searched ({str(dep64[0])[:10]} to "
                     f"{str(dep64[-1])[:10]}); give departure=(start, end) to look further")
    return LaunchPeriod(
        opportunity=label, vehicle=v.name, site=s.name, payload_kg=payload_kg, margin_kg=margin_kg,
        open_utc=out_days[0].launch_utc, close_utc=out_days[-1].launch_utc,
        design_c3_km2s2=max(d.c3_km2s2 for d in out_days), days=out_days, target=str(target), ascent=ascent,
        dla_reach_deg=reach, feasible_days=len(rows),
        note="; ".join(notes) or None)
