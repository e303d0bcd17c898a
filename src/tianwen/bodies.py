"""Solar-system bodies and their constants, each with its source.

Gravitational parameters are those of the JPL DE421 ephemeris header (Folkner, Williams & Boggs 2009, IPN
Progress Report 42-178), given there in AU^3/day^2 and converted here with DE421's own AU. Using the same
GM as the ephemeris keeps the dynamics consistent with the positions. Mean radii are the IAU WGCCRE 2015
values (Archinal et al. 2018, Celest. Mech. Dyn. Astron. 130:22, Table 5) and, for the Sun, the IAU 2015
Resolution B3 nominal solar radius. Sphere-of-influence radii follow Laplace, ``r = a (m / M_sun)^(2/5)``,
with ``a`` the J2000 semi-major axis of Standish's approximate elements (see ``data/standish_elements.md``).

Body names are lower case: ``mars`` is the Mars *system barycentre* (DE421's body 4), ``earth`` the
Earth's centre (399), ``emb`` the Earth–Moon barycentre (3). The two Earth bodies differ by ~4670 km, which
moves a departure C3 by up to ~0.1 km^2/s^2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .errors import UnknownBodyError

# --- DE421 header constants (source: DE421 header, as shipped in the `de421` PyPI package's constants.npy) ---
AU_KM = 149597870.6996262  # DE421 "AU"
DAY_S = 86400.0
C_KMS = 299792.458  # DE421 "CLIGHT" (exact SI value)
EMRAT = 81.3005690699153  # DE421 Earth/Moon mass ratio
_GM_AU3_D2 = {  # DE421 header, AU^3/day^2
    "sun": 0.0002959122082855911,  # GMS
    "mercury": 4.91254957186794e-11,  # GM1
    "venus": 7.243452332698441e-10,  # GM2
    "emb": 8.997011408268049e-10,  # GMB (Earth + Moon)
    "mars": 9.54954869562239e-11,  # GM4 (Mars system)
    "jupiter": 2.82534584085505e-07,  # GM5 (system)
    "saturn": 8.459706073308477e-08,  # GM6 (system)
    "uranus": 1.29202482579265e-08,  # GM7 (system)
    "neptune": 1.52435910924974e-08,  # GM8 (system)
    "pluto": 2.17844105199052e-12,  # GM9 (system)
}
_AU3_D2_TO_KM3_S2 = AU_KM**3 / DAY_S**2


def _gm(name: str) -> float:
    return _GM_AU3_D2[name] * _AU3_D2_TO_KM3_S2


GM_SUN = _gm("sun")  # km^3/s^2, DE421
GM_EMB = _gm("emb")
GM_EARTH = GM_EMB * EMRAT / (1.0 + EMRAT)  # Earth alone, from GMB and EMRAT (DE421)
GM_MOON = GM_EMB / (1.0 + EMRAT)
GM_MARS = _gm("mars")

J2_EARTH = 1.082625305e-3  # DE421 header "J2E"
R_EARTH_EQ_KM = 6378.1363  # DE421 header "AE"
# Mars J2 (unnormalised) from the GMM-3 gravity field (Genova et al. 2016, Icarus 272, 228-245; PDS file
# gmm3_120_sha.tab): fully normalised C20 = -8.750211323545289e-4 at reference radius 3396.0 km, so
# J2 = -sqrt(5) C20. (NASA's Mars Fact Sheet gives 1960.45e-6 with no reference radius.)
J2_MARS = 1.95660e-3
R_MARS_J2_REF_KM = 3396.0
R_MARS_EQ_KM = 3396.19  # IAU 2015 (Archinal et al. 2018) Mars equatorial radius

# IAU 2015 mean radii (km): Archinal et al. (2018) Table 5; Sun: IAU 2015 Resolution B3 nominal radius.
_RADIUS_KM = {
    "sun": 695700.0,
    "mercury": 2439.4,
    "venus": 6051.8,
    "earth": 6371.0084,
    "moon": 1737.4,
    "mars": 3389.50,
    "jupiter": 69911.0,
    "saturn": 58232.0,
    "uranus": 25362.0,
    "neptune": 24622.0,
    "pluto": 1188.3,
}

# J2000 semi-major axes (AU), Standish Table 1 (1800-2050), used only for the sphere of influence.
MEAN_A_AU = {
    "mercury": 0.38709927,
    "venus": 0.72333566,
    "emb": 1.00000261,
    "mars": 1.52371034,
    "jupiter": 5.20288700,
    "saturn": 9.53667594,
    "uranus": 19.18916464,
    "neptune": 30.06992276,
    "pluto": 39.48211675,
}


@dataclass(frozen=True)
class Body:
    """A body the ephemerides know: its name, NAIF id, GM (km^3/s^2), mean radius (km), J2 and SOI radius (km)."""

    name: str
    naif_id: int
    gm_km3_s2: float
    radius_km: float
    j2: float = 0.0
    soi_km: float = float("nan")
    description: str = ""


def _soi(name: str, gm: float) -> float:
    return MEAN_A_AU[name] * AU_KM * (gm / GM_SUN) ** 0.4


BODIES: dict[str, Body] = {
    "sun": Body("sun", 10, GM_SUN, _RADIUS_KM["sun"], description="the Sun"),
    "mercury": Body("mercury", 199, _gm("mercury"), _RADIUS_KM["mercury"], soi_km=_soi("mercury", _gm("mercury"))),
    "venus": Body("venus", 299, _gm("venus"), _RADIUS_KM["venus"], soi_km=_soi("venus", _gm("venus"))),
    "earth": Body("earth", 399, GM_EARTH, _RADIUS_KM["earth"], J2_EARTH, _soi("emb", GM_EARTH), "the Earth's centre"),
    "moon": Body("moon", 301, GM_MOON, _RADIUS_KM["moon"], description="the Moon's centre"),
    "emb": Body("emb", 3, GM_EMB, _RADIUS_KM["earth"], soi_km=_soi("emb", GM_EMB), description="Earth-Moon barycentre"),
    "mars": Body("mars", 4, GM_MARS, _RADIUS_KM["mars"], J2_MARS, _soi("mars", GM_MARS), "Mars system barycentre"),
    "jupiter": Body("jupiter", 5, _gm("jupiter"), _RADIUS_KM["jupiter"], soi_km=_soi("jupiter", _gm("jupiter")),
                    description="Jupiter system barycentre"),
    "saturn": Body("saturn", 6, _gm("saturn"), _RADIUS_KM["saturn"], soi_km=_soi("saturn", _gm("saturn")),
                   description="Saturn system barycentre"),
    "uranus": Body("uranus", 7, _gm("uranus"), _RADIUS_KM["uranus"], soi_km=_soi("uranus", _gm("uranus")),
                   description="Uranus system barycentre"),
    "neptune": Body("neptune", 8, _gm("neptune"), _RADIUS_KM["neptune"], soi_km=_soi("neptune", _gm("neptune")),
                    description="Neptune system barycentre"),
    "pluto": Body("pluto", 9, _gm("pluto"), _RADIUS_KM["pluto"], soi_km=_soi("pluto", _gm("pluto")),
                  description="Pluto system barycentre"),
}


@runtime_checkable
class BodyModel(Protocol):
    """What any body must offer to be an origin or target anywhere in tianwen (porkchops, windows, arrival).

    A body named in :data:`BODIES` gets its state from the chosen ephemeris; any other object with these
    attributes is a body too (an analytic planet in a test, a comet, a spacecraft's reference orbit)::

        class Comet:
            name = "comet"
            gm_km3_s2 = 1e-9
            radius_km = 2.0
            def state(self, tdb):          # an Epoch in TDB, any shape
                return r_km, v_kms         # Sun-centred ICRF, shape tdb.shape + (3,)
    """

    name: str
    gm_km3_s2: float
    radius_km: float

    def state(self, tdb): ...


def body(name) -> Body:
    """The :class:`Body` called ``name`` (case-insensitive), or ``name`` itself when it is a body object
    (:class:`BodyModel`: ``name``, ``gm_km3_s2``, ``radius_km`` and ``state``); :class:`UnknownBodyError`
    otherwise."""
    if not isinstance(name, str):
        missing = [a for a in ("name", "gm_km3_s2", "radius_km", "state") if not hasattr(name, a)]
        if missing:
            raise UnknownBodyError(f"{name!r} is neither a body name ({', '.join(BODIES)}) nor a body object: "
                                   f"it lacks {', '.join(missing)}")
        return name
    key = str(name).strip().lower()
    try:
        return BODIES[key]
    except KeyError:
        raise UnknownBodyError(f"unknown body {name!r}; known bodies: {', '.join(BODIES)}") from None
