"""EDL vehicles and the published entry, descent and landing of real missions (``data/edl.toml``).

A :class:`Vehicle` holds what the simulation of :mod:`tianwen.landing` needs (ballistic coefficients, L/D and
bank, nose radius, parachute trigger, powered-descent limits); :func:`mission` reads one landing from
``data/edl.toml`` -- its vehicle, its entry state and its published facts, every value with its source or marked
as assumed -- or from a user TOML file with the same schema. :func:`orbit_entry_state` gives the entry speed and
flight-path angle on an elliptic orbit.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import atmosphere as _atm
from .bodies import GM_MARS
from .errors import TianwenError

__all__ = ["Vehicle", "EDLMission", "mission", "orbit_entry_state", "MISSIONS"]


@dataclass(frozen=True)
class Vehicle:
    """An entry vehicle and its descent system (SI units in the names).

    ``bank_deg`` is a constant bank angle (0 = lift up), or a pair ``(speeds_kms, banks_deg)`` giving the bank
    versus relative speed (increasing speeds; linear between, constant beyond).
    """

    beta_kg_m2: float = 120.0  #: hypersonic ballistic coefficient m / (CD A)
    lift_to_drag: float = 0.0  #: hypersonic L/D
    bank_deg: object = 0.0  #: constant bank, or (speeds_kms, banks_deg)
    nose_radius_m: float = 1.0  #: for Sutton-Graves heating
    chute_mach: float = 1.9  #: parachute deploys at or below this Mach number ...
    chute_max_q_pa: float = 750.0  #: ... and at or below this dynamic pressure (0 / None: no parachute)
    chute_beta_kg_m2: float = 12.0  #: ballistic coefficient under the parachute
    powered_descent_alt_km: float = 1.0  #: powered descent starts at this height above the ground
    max_thrust_to_weight: float = 2.5  #: thrust ceiling of the powered descent (Mars weight)
    hover_alt_m: float = 100.0  #: hover height above the ground
    hover_s: float = 0.0  #: hover duration
    descent_rate_m_s: float = 1.5  #: final vertical descent rate
    name: str = "vehicle"

    def validated(self) -> "Vehicle":
        """This vehicle, or a one-line :class:`TianwenError` naming the first bad field."""
        for f in ("beta_kg_m2", "nose_radius_m", "chute_beta_kg_m2", "descent_rate_m_s", "max_thrust_to_weight"):
            v = getattr(self, f)
            if not _finite_float(v) or float(v) <= 0.0:
                raise TianwenError(f"{f} = {v!r} must be a positive number")
        for f in ("lift_to_drag", "chute_mach", "chute_max_q_pa", "powered_descent_alt_km", "hover_alt_m",
                  "hover_s"):
            v = getattr(self, f)
            if not _finite_float(v) or float(v) < 0.0:
                raise TianwenError(f"{f} = {v!r} must be a number >= 0")
        if self.lift_to_drag > 2.0:
            raise TianwenError(f"lift_to_drag = {self.lift_to_drag!r} is outside [0, 2]")
        if self.max_thrust_to_weight <= 1.01:
            raise TianwenError(f"max_thrust_to_weight = {self.max_thrust_to_weight!r} must exceed 1.01 "
                               "(the engine has to outweigh gravity)")
        self.bank_table()
        return self

    def bank_table(self):
        """``(speeds_m_s, banks_rad)``: the bank profile as the compiled kernels take it."""
        return _bank_table(self.bank_deg)


def _finite_float(v) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _bank_table(bank):
    if np.ndim(bank) == 0:
        if not _finite_float(bank):
            raise TianwenError(f"bank_deg = {bank!r} is not a number; pass degrees or (speeds_kms, banks_deg)")
        return np.array([0.0]), np.array([math.radians(float(bank))])
    try:
        speeds, banks = (np.asarray(a, dtype=float).ravel() for a in bank)
    except (TypeError, ValueError):
        raise TianwenError("bank_deg must be a number or a pair (speeds_kms, banks_deg) of equal-length "
                           "arrays") from None
    if speeds.size != banks.size or speeds.size == 0 or not np.all(np.isfinite(speeds) & np.isfinite(banks)):
        raise TianwenError(f"bank_deg table: {speeds.size} speeds and {banks.size} banks; give equal-length "
                           "finite arrays")
    if np.any(np.diff(speeds) <= 0.0):
        raise TianwenError("bank_deg table: speeds_kms must be strictly increasing")
    return np.ascontiguousarray(speeds * 1e3), np.ascontiguousarray(np.radians(banks))


# ----------------------------------------------------------------------------------------------------------
# Published EDL data (data/edl.toml)
# ----------------------------------------------------------------------------------------------------------


class EDLMission(NamedTuple):
    """A landing from ``data/edl.toml`` (or a user file with the same schema)."""

    key: str
    name: str
    vehicle: Vehicle
    entry_alt_km: float
    entry_speed_kms: float
    entry_fpa_deg: float
    frame: str
    heading_deg: float
    site_lat_deg: float
    site_lon_deg: float
    site_elevation_km: float
    published: dict  #: the [published] table as read (value, unit, source, note)
    raw: dict  #: the whole mission table


_DATA = None


def _edl_data() -> dict:
    global _DATA
    if _DATA is None:
        _DATA = tomllib.loads(resources.files("tianwen").joinpath("data/edl.toml").read_text())
    return _DATA


#: Missions with published EDL data in ``data/edl.toml``.
MISSIONS = ("tianwen-1", "mars2020", "msl")
_ALIASES = {"tianwen1": "tianwen-1", "tw1": "tianwen-1", "zhurong": "tianwen-1", "tianwen": "tianwen-1",
            "perseverance": "mars2020", "mars-2020": "mars2020", "m2020": "mars2020", "curiosity": "msl"}


def _val(table: dict, key: str, default=None):
    q = table.get(key)
    if q is None:
        if default is None:
            raise TianwenError(f"EDL data: missing {key!r}")
        return default
    return q["value"] if isinstance(q, dict) else q


def _vehicle_from(table: dict, name: str) -> Vehicle:
    m = float(_val(table, "mass"))
    d = float(_val(table, "diameter"))
    cd = float(_val(table, "drag_coefficient"))
    area = math.pi * d * d / 4.0
    m_chute = float(_val(table, "mass_under_chute"))
    cda_chute = float(_val(table, "chute_area")) * float(_val(table, "chute_drag_coefficient"))
    return Vehicle(
        beta_kg_m2=m / (cd * area), lift_to_drag=float(_val(table, "lift_to_drag")),
        bank_deg=float(_val(table, "bank")), nose_radius_m=float(_val(table, "nose_radius")),
        chute_mach=float(_val(table, "chute_mach")), chute_max_q_pa=float(_val(table, "chute_max_dynamic_pressure")),
        chute_beta_kg_m2=m_chute / (cda_chute + cd * area),
        powered_descent_alt_km=float(_val(table, "powered_descent_altitude")),
        max_thrust_to_weight=float(_val(table, "max_thrust_to_weight")),
        hover_alt_m=float(_val(table, "hover_altitude")), hover_s=float(_val(table, "hover_time")),
        descent_rate_m_s=float(_val(table, "descent_rate")), name=name).validated()


def mission(name) -> EDLMission:
    """The published EDL of ``name`` (``tianwen-1``, ``mars2020``, ``msl``) or of a user TOML file path."""
    key = str(name).strip()
    data = _edl_data()
    if key.lower().endswith(".toml"):
        path = Path(key)
        if not path.is_file():
            raise TianwenError(f"mission file {key!r} does not exist")
        try:
            user = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise TianwenError(f"mission file {key!r} is not valid TOML ({exc})".splitlines()[0]) from None
        missions = user.get("missions", {})
        if len(missions) != 1:
            raise TianwenError(f"mission file {key!r} must hold exactly one [missions.<name>] table "
                               "(schema of tianwen/data/edl.toml)")
        key, table = next(iter(missions.items()))
        data = {"missions": {**data["missions"], key: table}}
    else:
        key = _ALIASES.get(key.lower(), key.lower())
        if key not in data["missions"]:
            raise TianwenError(f"no EDL data for mission {name!r}; known: {', '.join(MISSIONS)} "
                               "(or a .toml file with the schema of tianwen/data/edl.toml)")
    table = data["missions"][key]
    veh = dict(table.get("vehicle", {}))
    parent = veh.pop("inherit", None)
    if parent is not None:
        veh = {**data["missions"][parent]["vehicle"], **veh}
    try:
        vehicle = _vehicle_from(veh, key)
        ent = table["entry"]
        pub = table["published"]
        alt = float(_val(ent, "altitude"))
        speed = float(_val(ent, "speed"))
        frame = str(ent.get("frame", "relative"))
        if "fpa" in ent:
            fpa = float(_val(ent, "fpa"))
        else:
            _v, fpa = orbit_entry_state(float(_val(ent, "orbit_periapsis_altitude")),
                                        float(_val(ent, "orbit_apoapsis_altitude")), alt)
            frame = "inertial"
        return EDLMission(key, str(table.get("name", key)), vehicle, alt, speed, float(fpa), frame,
                          float(_val(ent, "heading")), float(_val(pub, "site_lat")), float(_val(pub, "site_lon")),
                          float(_val(pub, "site_elevation", 0.0)), pub, table)
    except (KeyError, TypeError, ValueError) as exc:
        raise TianwenError(f"EDL data for {key!r} is incomplete or malformed ({type(exc).__name__}: {exc})") from None


def _num(x, name: str) -> float:
    if not _finite_float(x):
        raise TianwenError(f"{name} = {x!r} is not a finite number")
    return float(x)


def orbit_entry_state(periapsis_alt_km, apoapsis_alt_km, entry_alt_km=125.0):
    """Inertial speed (km/s) and flight-path angle (deg, negative) at ``entry_alt_km`` on the way down an
    elliptic orbit of the given periapsis and apoapsis altitudes (above the 3389.5 km mean radius).

    Vis-viva ``v^2 = mu (2/r - 1/a)`` and the angular momentum ``h = sqrt(mu p) = r v cos(gamma)``.

    >>> v, g = orbit_entry_state(50.0, 59000.0)   # Tianwen-1's lowered parking orbit
    >>> round(v, 3), round(g, 2)
    (4.803, -8.16)
    """
    r_mean = _atm.MEAN_RADIUS_KM
    rp = r_mean + _num(periapsis_alt_km, "periapsis_alt_km")
    ra = r_mean + _num(apoapsis_alt_km, "apoapsis_alt_km")
    re = r_mean + _num(entry_alt_km, "entry_alt_km")
    if not (0.0 < rp <= ra):
        raise TianwenError(f"periapsis_alt_km {periapsis_alt_km} must be above -{r_mean} km and not above "
                           f"apoapsis_alt_km {apoapsis_alt_km}")
    if not (rp <= re <= ra):
        raise TianwenError(f"entry_alt_km {entry_alt_km} is outside the orbit's altitude range "
                           f"[{periapsis_alt_km}, {apoapsis_alt_km}] km: the orbit never crosses it")
    a = 0.5 * (rp + ra)
    p = 2.0 * rp * ra / (rp + ra)
    v = math.sqrt(GM_MARS * (2.0 / re - 1.0 / a))
    cos_g = min(1.0, math.sqrt(GM_MARS * p) / (re * v))
    return v, -math.degrees(math.acos(cos_g))
