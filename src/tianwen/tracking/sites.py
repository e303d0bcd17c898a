"""Sites on the Earth and the station catalogue of :mod:`tianwen.tracking`.

A :class:`Site` is a WGS84 geodetic latitude, longitude (degrees, east positive) and height above the ellipsoid
(metres). :func:`station` looks one up in ``data/stations.csv`` (sources in ``data/stations.md``: Kashi, Jiamusi,
Neuquén, Cebreros, Malargüe, New Norcia, the DSN antennas); :func:`site` and :func:`parse_site` make any other;
:func:`as_site` accepts any of those forms.
"""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import erfa
import numpy as np

from ..errors import TianwenError

__all__ = ["Site", "site", "parse_site", "stations", "station", "as_site"]

_WGS84 = 1  # ERFA ellipsoid identifier


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


def as_site(value) -> Site:
    """A :class:`Site` from a Site, a station name, ``"LAT,LON,HEIGHT_M"`` or a ``(lat, lon, height_m)`` tuple."""
    if isinstance(value, Site):
        return value
    if isinstance(value, str):
        return parse_site(value) if "," in value else station(value)
    try:
        return site(*value)
    except TypeError:
        raise TianwenError(f"site {value!r}: give a station name, a Site, or (lat_deg, lon_deg, height_m)") from None
