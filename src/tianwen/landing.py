"""Entry, descent and landing at Mars: entry flight, parachute, powered descent, landing ellipse, corridor.

The model (every hot loop compiled, in :mod:`tianwen.core.entry`):

* **Planet**: Mars rotating at the IAU 2015 rate (:data:`tianwen.atmosphere.ROTATION_RAD_S`), gravity
  ``GM`` of DE421 with the J2 of GMM-3 (:mod:`tianwen.bodies`); altitudes above a reference surface, by
  default the IAU 2015 ellipsoid (3396.19 x 3376.20 km, to first order in the flattening) standing in for the
  MOLA areoid, or the 3389.5 km mean-radius sphere (``surface="sphere"``). The atmosphere co-rotates.
* **Entry** (from the entry interface, 125 km by default, to parachute deployment): 3-DOF point mass, state
  relative to the rotating planet (r, lon, lat, V, flight-path angle, heading), drag ``rho V^2 / (2 beta)``,
  lift ``(L/D) D`` rotated by the bank angle (constant, or a table in speed); Vinh's equations with the
  Coriolis and centrifugal terms and the J2 gravity (see :mod:`tianwen.core.entry`). Sutton & Graves (1971)
  stagnation-point convective heating ``q = k sqrt(rho / Rn) V^3`` with ``k = 1.9027e-4 kg^0.5/m`` for Mars
  (Sutton & Graves, NASA TR R-376, 1971, the CO2 value as tabulated by Tauber & Sutton, J. Spacecraft Rockets
  28 (1991) 40). Fixed-step RK4 (0.1 s by default), events located to ~1e-12 s by bisection.
* **Parachute**: deploys at the first instant at which the Mach number is at or below the deployment Mach
  number *and* the dynamic pressure at or below its limit; then drag only, with the parachute's drag area added
  (:attr:`Vehicle.chute_beta_kg_m2`), down to the powered-descent height above the ground.
* **Powered descent**: a gravity turn at the constant thrust that brings the speed down to the final
  descent rate exactly at the hover height (found by bisection under the vehicle's thrust ceiling), a hover,
  and a vertical descent to the ground; summarised by its delta-v and time (see
  :func:`tianwen.core.entry.powered_descent`).

Public functions: :func:`entry` (one trajectory, an ``xarray.Dataset`` plus a summary), :func:`mission_entry`
(the published entry of ``tianwen-1``, ``mars2020`` or ``msl``, or a user TOML file; vehicles and published
EDL data in :mod:`tianwen.edl`), :func:`landing_ellipse`
(Monte Carlo over >= 1000 dispersed cases, the 99 % ellipse), :func:`entry_corridor` (the flight-path angles
between skip-out and the load or heating limit), :func:`orbit_entry_state`, :func:`require_landed`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import atmosphere as _atm
from .bodies import GM_MARS, J2_MARS, R_MARS_J2_REF_KM
from .core import entry as _k
from .edl import MISSIONS, EDLMission, Vehicle, mission, orbit_entry_state
from .errors import TianwenError

__all__ = ["Vehicle", "Landing", "Ellipse", "Corridor", "EDLMission", "entry", "mission_entry", "mission",
           "landing_ellipse", "entry_corridor", "orbit_entry_state", "require_landed", "MISSIONS",
           "SUTTON_GRAVES_MARS", "G0"]

#: Sutton-Graves constant for Mars (CO2), kg^0.5/m: q [W/m^2] = k sqrt(rho [kg/m^3] / Rn [m]) V^3 [m/s].
SUTTON_GRAVES_MARS = 1.9027e-4
#: Standard gravity for g-loads, m/s^2 (exact, CGPM 1901).
G0 = 9.80665
#: One EDL case costs ~1 ms, a thousand times a Lambert cell: batches from this size run on all cores.
_PARALLEL_MIN_CASES = 64


# ----------------------------------------------------------------------------------------------------------
# Entry states
# ----------------------------------------------------------------------------------------------------------


def _num(x, name: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        v = math.nan
    if not math.isfinite(v):
        raise TianwenError(f"{name} = {x!r} is not a finite number")
    return v


def _to_relative(v, gam, psi, lat, r, omega):
    """Inertial (speed, fpa, heading) -> relative to the atmosphere co-rotating at ``omega`` (SI, rad)."""
    up = v * math.sin(gam)
    east = v * math.cos(gam) * math.sin(psi) - omega * r * math.cos(lat)
    north = v * math.cos(gam) * math.cos(psi)
    vr = math.sqrt(up * up + east * east + north * north)
    return vr, math.asin(up / vr), math.atan2(east, north)


def _to_inertial(v, gam, psi, lat, r, omega):
    up = v * math.sin(gam)
    east = v * math.cos(gam) * math.sin(psi) + omega * r * math.cos(lat)
    north = v * math.cos(gam) * math.cos(psi)
    vi = math.sqrt(up * up + east * east + north * north)
    return vi, math.asin(up / vi), math.atan2(east, north)


# ----------------------------------------------------------------------------------------------------------
# Parameters for the kernels
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    y0: np.ndarray
    p: np.ndarray
    logrho: np.ndarray
    sos: np.ndarray
    bank_v: np.ndarray
    bank_rad: np.ndarray
    atmosphere: _atm.Atmosphere
    vehicle: Vehicle
    entry: dict = field(default_factory=dict)


def _setup(entry_speed_kms, fpa_deg, vehicle, *, entry_alt_km, lat_deg, lon_deg, heading_deg, frame, atmosphere,
           density_factor, ground_alt_km, surface, rotation, j2, gravity, flat, chute, dt_s, max_time_s,
           stop_at_chute=False, skip_out_alt_km=None) -> _Setup:
    veh = (vehicle if vehicle is not None else Vehicle()).validated()
    atm = _atm.atmosphere(atmosphere, density_factor=density_factor)
    speed = _num(entry_speed_kms, "entry_speed_kms")
    fpa = _num(fpa_deg, "fpa_deg")
    h_e = _num(entry_alt_km, "entry_alt_km")
    lat = _num(lat_deg, "lat_deg")
    lon = _num(lon_deg, "lon_deg")
    psi = _num(heading_deg, "heading_deg")
    ground = _num(ground_alt_km, "ground_alt_km")
    dt = _num(dt_s, "dt_s")
    tmax = _num(max_time_s, "max_time_s")
    if speed <= 0.0:
        raise TianwenError(f"entry_speed_kms = {speed!r} must be positive")
    if not -90.0 < fpa < 90.0:
        raise TianwenError(f"fpa_deg = {fpa!r} is outside (-90, 90)")
    if abs(lat) >= 90.0:
        raise TianwenError(f"lat_deg = {lat!r} is outside (-90, 90)")
    if not 0.0 < h_e <= 400.0:
        raise TianwenError(f"entry_alt_km = {h_e!r} is outside (0, 400] km")
    if not -10.0 <= ground < h_e:
        raise TianwenError(f"ground_alt_km = {ground!r} is outside [-10, entry_alt_km)")
    if not 0.0 < dt <= 10.0:
        raise TianwenError(f"dt_s = {dt!r} is outside (0, 10] s")
    if tmax <= 0.0:
        raise TianwenError(f"max_time_s = {tmax!r} must be positive")
    if frame not in ("relative", "inertial"):
        raise TianwenError(f"frame = {frame!r}; use 'relative' (to the rotating atmosphere) or 'inertial'")
    if surface == "ellipsoid":
        req = _atm.EQUATORIAL_RADIUS_KM * 1e3
        flattening = (_atm.EQUATORIAL_RADIUS_KM - _atm.POLAR_RADIUS_KM) / _atm.EQUATORIAL_RADIUS_KM
    elif surface == "sphere":
        req = _atm.MEAN_RADIUS_KM * 1e3
        flattening = 0.0
    else:
        raise TianwenError(f"surface = {surface!r}; use 'ellipsoid' (IAU 2015, the areoid stand-in) or 'sphere'")
    lat_r = math.radians(lat)
    r0 = req * (1.0 - flattening * math.sin(lat_r) ** 2) + h_e * 1e3
    omega = _atm.ROTATION_RAD_S if rotation else 0.0
    mu = GM_MARS * 1e9 if gravity else 0.0
    v, gam, hd = speed * 1e3, math.radians(fpa), math.radians(psi)
    if frame == "inertial":
        v_in = v
        v, gam, hd = _to_relative(v, gam, hd, lat_r, r0, omega)
    else:
        v_in = _to_inertial(v, gam, hd, lat_r, r0, omega)[0]
    if gravity:
        v_circ = math.sqrt(mu / r0)
        if v_in < v_circ:
            raise TianwenError(f"entry_speed_kms = {speed!r} ({frame}) is {v_in / 1e3:.3f} km/s inertial, below the "
                               f"circular speed {v_circ / 1e3:.3f} km/s at {h_e:g} km: not an entry from orbit or "
                               "from an approach hyperbola")
    h0, dh, logrho, sos = atm.table()
    bank_v, bank_rad = veh.bank_table()
    has_chute = bool(chute) and veh.chute_mach > 0.0 and veh.chute_max_q_pa > 0.0
    p = np.zeros(_k.NP)
    p[_k.P_MU] = mu
    p[_k.P_J2] = J2_MARS if (j2 and gravity) else 0.0
    p[_k.P_RJ2] = R_MARS_J2_REF_KM * 1e3
    p[_k.P_OMEGA] = omega
    p[_k.P_REQ] = req
    p[_k.P_FLATTENING] = flattening
    p[_k.P_FLAT] = 1.0 if flat else 0.0
    p[_k.P_BETA] = veh.beta_kg_m2
    p[_k.P_LD] = veh.lift_to_drag
    p[_k.P_RN] = veh.nose_radius_m
    p[_k.P_KSG] = SUTTON_GRAVES_MARS
    p[_k.P_RHOF] = atm.density_factor
    p[_k.P_CHUTE_MACH] = veh.chute_mach if has_chute else 0.0
    p[_k.P_CHUTE_QMAX] = veh.chute_max_q_pa
    p[_k.P_BETA_CHUTE] = veh.chute_beta_kg_m2
    p[_k.P_PD_ALT] = veh.powered_descent_alt_km * 1e3
    p[_k.P_GROUND] = ground * 1e3
    p[_k.P_SKIP_ALT] = (h_e + 1.0 if skip_out_alt_km is None else _num(skip_out_alt_km, "skip_out_alt_km")) * 1e3
    p[_k.P_TMAX] = tmax
    p[_k.P_DT] = dt
    p[_k.P_G0] = G0
    p[_k.P_STOP_AT_CHUTE] = 1.0 if stop_at_chute else 0.0
    p[_k.P_TAB_H0] = h0
    p[_k.P_TAB_DH] = dh
    p[_k.P_PD_TW] = veh.max_thrust_to_weight
    p[_k.P_HOVER_ALT] = veh.hover_alt_m
    p[_k.P_HOVER_S] = veh.hover_s
    p[_k.P_DESCENT_V] = veh.descent_rate_m_s
    y0 = np.array([r0, math.radians(lon), lat_r, v, gam, hd])
    ent = {"entry_alt_km": h_e, "entry_speed_kms": speed, "fpa_deg": fpa, "heading_deg": psi, "frame": frame,
           "lat_deg": lat, "lon_deg": lon % 360.0, "relative_speed_kms": v / 1e3, "relative_fpa_deg": math.degrees(gam),
           "relative_heading_deg": math.degrees(hd) % 360.0, "inertial_speed_kms": v_in / 1e3,
           "ground_alt_km": ground, "surface": surface, "rotation": bool(rotation), "j2": bool(j2 and gravity),
           "gravity": bool(gravity), "flat": bool(flat)}
    return _Setup(y0, p, logrho, sos, bank_v, bank_rad, atm, veh, ent)


# ----------------------------------------------------------------------------------------------------------
# One trajectory
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """One EDL: the trajectory (``xarray.Dataset`` over ``time_s``) and the summary (full precision)."""

    trajectory: object
    summary: dict
    vehicle: Vehicle
    atmosphere: _atm.Atmosphere

    @property
    def outcome(self) -> str:
        return self.summary["outcome"]

    def as_json(self) -> dict:
        """The summary as plain JSON types (NaN -> None)."""
        return _jsonable(self.summary)


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


def _deg(x):
    return math.degrees(x) if math.isfinite(x) else math.nan


def _summary(s: np.ndarray, st: _Setup) -> dict:
    status = int(s[_k.S_STATUS])
    ground = st.p[_k.P_GROUND] / 1e3
    km = lambda i: s[i] / 1e3  # noqa: E731
    out = {
        "outcome": _k.STATUS_MEANING.get(status, "invalid"),
        "status_code": status,
        "peak_g": float(s[_k.S_PEAK_G]),
        "peak_g_altitude_km": km(_k.S_PEAK_G_ALT),
        "peak_g_time_s": float(s[_k.S_PEAK_G_T]),
        "peak_heat_w_cm2": float(s[_k.S_PEAK_HEAT]) / 1e4,
        "peak_heat_altitude_km": km(_k.S_PEAK_HEAT_ALT),
        "peak_heat_time_s": float(s[_k.S_PEAK_HEAT_T]),
        "heat_load_j_cm2": float(s[_k.S_HEAT_LOAD]) / 1e4,
        "peak_dynamic_pressure_pa": float(s[_k.S_PEAK_Q]),
        "chute_time_s": float(s[_k.S_CHUTE_T]),
        "chute_mach": float(s[_k.S_CHUTE_MACH]),
        "chute_altitude_km": km(_k.S_CHUTE_ALT),
        "chute_height_km": km(_k.S_CHUTE_ALT) - ground,
        "chute_dynamic_pressure_pa": float(s[_k.S_CHUTE_Q]),
        "chute_speed_ms": float(s[_k.S_CHUTE_V]),
        "chute_lat_deg": _deg(s[_k.S_CHUTE_LAT]),
        "chute_lon_deg": _deg(s[_k.S_CHUTE_LON]) % 360.0 if math.isfinite(s[_k.S_CHUTE_LON]) else math.nan,
        "powered_descent_start_time_s": float(s[_k.S_PD_T]),
        "powered_descent_start_height_km": km(_k.S_PD_ALT) - ground,
        "powered_descent_start_speed_ms": float(s[_k.S_PD_V]),
        "powered_descent_dv_ms": float(s[_k.S_PD_DV]),
        "powered_descent_time_s": float(s[_k.S_PD_TIME]),
        "powered_descent_range_km": km(_k.S_PD_RANGE),
        "touchdown_time_s": float(s[_k.S_TD_T]),
        "touchdown_lat_deg": _deg(s[_k.S_TD_LAT]),
        "touchdown_lon_deg": _deg(s[_k.S_TD_LON]) % 360.0 if math.isfinite(s[_k.S_TD_LON]) else math.nan,
        "end_time_s": float(s[_k.S_END_T]),
        "end_altitude_km": float(s[_k.S_END_R]) / 1e3 - _surface_km(st, s[_k.S_END_LAT]),
        "end_speed_ms": float(s[_k.S_END_V]),
        "min_altitude_km": km(_k.S_MIN_ALT),
        "entry": dict(st.entry),
        "vehicle": {k: (v if not isinstance(v, (tuple, list, np.ndarray)) else "table")
                    for k, v in st.vehicle.__dict__.items()},
        "atmosphere": st.atmosphere.as_json(),
    }
    return out


def _surface_km(st: _Setup, lat) -> float:
    return st.p[_k.P_REQ] * (1.0 - st.p[_k.P_FLATTENING] * math.sin(lat) ** 2) / 1e3


def _dataset(rec: np.ndarray, pd_rec: np.ndarray, s: np.ndarray, st: _Setup):
    import xarray as xr

    n = int(s[_k.S_NREC])
    r = rec[:n]
    cols = {
        "alt_km": r[:, _k.C_ALT] / 1e3,
        "speed_kms": r[:, _k.C_V] / 1e3,
        "fpa_deg": np.degrees(r[:, _k.C_GAM]),
        "heading_deg": np.degrees(r[:, _k.C_PSI]) % 360.0,
        "mach": r[:, _k.C_MACH],
        "dynamic_pressure_pa": r[:, _k.C_Q],
        "g_load": r[:, _k.C_G],
        "heat_rate_w_cm2": r[:, _k.C_HEAT] / 1e4,
        "lat_deg": np.degrees(r[:, _k.C_LAT]),
        "lon_deg": np.degrees(r[:, _k.C_LON]) % 360.0,
        "density_kg_m3": r[:, _k.C_RHO],
        "phase": r[:, _k.C_PHASE].astype(np.int8),
    }
    t = r[:, _k.C_T]
    m = int(s[_k.S_PD_ROWS]) if np.isfinite(s[_k.S_PD_ROWS]) else 0
    if int(s[_k.S_STATUS]) == _k.LANDED and m > 0:
        q = pd_rec[:m]
        ground = st.p[_k.P_GROUND]
        radius = float(s[_k.S_END_R])
        lat = np.empty(m)
        lon = np.empty(m)
        for i in range(m):
            lat[i], lon[i] = _k.destination(s[_k.S_PD_LAT], s[_k.S_PD_LON], s[_k.S_PD_PSI], q[i, 4], radius)
        alt_km = (q[:, 1] + ground) / 1e3
        a = st.atmosphere.speed_of_sound(alt_km)
        rho = st.atmosphere.density(alt_km)
        ext = {
            "alt_km": alt_km, "speed_kms": q[:, 2] / 1e3, "fpa_deg": np.degrees(q[:, 3]),
            "heading_deg": np.full(m, math.degrees(s[_k.S_PD_PSI]) % 360.0), "mach": q[:, 2] / a,
            "dynamic_pressure_pa": 0.5 * rho * q[:, 2] ** 2, "g_load": np.full(m, np.nan),
            "heat_rate_w_cm2": np.zeros(m), "lat_deg": np.degrees(lat), "lon_deg": np.degrees(lon) % 360.0,
            "density_kg_m3": rho, "phase": np.full(m, 2, dtype=np.int8),
        }
        cols = {k: np.concatenate([cols[k], ext[k]]) for k in cols}
        t = np.concatenate([t, s[_k.S_PD_T] + q[:, 0]])
    units = {"alt_km": "km", "speed_kms": "km/s", "fpa_deg": "deg", "heading_deg": "deg", "mach": "1",
             "dynamic_pressure_pa": "Pa", "g_load": "g0 (9.80665 m/s^2), sensed aerodynamic load",
             "heat_rate_w_cm2": "W/cm^2 (Sutton-Graves stagnation point)", "lat_deg": "deg (planetocentric)",
             "lon_deg": "deg east", "density_kg_m3": "kg/m^3", "phase": "0 entry, 1 parachute, 2 powered descent"}
    ds = xr.Dataset({k: ("time_s", v, {"units": units[k]}) for k, v in cols.items()},
                    coords={"time_s": ("time_s", t, {"units": "s after entry interface"})},
                    attrs={"atmosphere": st.atmosphere.name, "vehicle": st.vehicle.name,
                           "altitude_reference": st.entry.get("surface", ""),
                           "outcome": _k.STATUS_MEANING.get(int(s[_k.S_STATUS]), "invalid")})
    return ds


def entry(entry_speed_kms, fpa_deg, vehicle: Vehicle | None = None, *, entry_alt_km=125.0, lat_deg=0.0,
          lon_deg=0.0, heading_deg=90.0, frame="relative", atmosphere="mars-mean", density_factor=1.0,
          ground_alt_km=0.0, surface="ellipsoid", rotation=True, j2=True, gravity=True, flat=False, chute=True,
          dt_s=0.1, max_time_s=3600.0, skip_out_alt_km=None, record=True) -> Landing:
    """Fly one entry, descent and landing from the entry interface.

    ``entry_speed_kms``, ``fpa_deg`` (negative down) and ``heading_deg`` (clockwise from north) are relative
    to the rotating atmosphere (``frame="relative"``) or inertial (``frame="inertial"``), at ``entry_alt_km``
    above the reference surface, at ``lat_deg``, ``lon_deg``. ``ground_alt_km`` is the landing site's height
    above the reference surface (MOLA elevation). ``rotation``, ``j2``, ``gravity`` and ``flat`` (no curvature
    terms) switch parts of the model off for comparisons with closed forms; ``chute=False`` flies ballistic
    to the ground. Climbing above ``skip_out_alt_km`` (default: 1 km above the entry altitude) is a skip-out.

    Returns a :class:`Landing`; its ``summary["outcome"]`` is ``"landed"``, ``"skip-out"``, ``"impact before
    parachute"``, ``"powered-descent crash"`` or ``"time limit"`` -- a skip-out is never reported as a landing.
    Bad input raises a one-line :class:`TianwenError`.

    >>> r = entry(5.8, -15.5, Vehicle(beta_kg_m2=120.0, lift_to_drag=0.24, bank_deg=60.0))
    >>> r.outcome, 9 < r.summary["peak_g"] < 14
    ('landed', True)
    """
    st = _setup(entry_speed_kms, fpa_deg, vehicle, entry_alt_km=entry_alt_km, lat_deg=lat_deg, lon_deg=lon_deg,
                heading_deg=heading_deg, frame=frame, atmosphere=atmosphere, density_factor=density_factor,
                ground_alt_km=ground_alt_km, surface=surface, rotation=rotation, j2=j2, gravity=gravity, flat=flat,
                chute=chute, dt_s=dt_s, max_time_s=max_time_s, skip_out_alt_km=skip_out_alt_km)
    nrec = int(min(max_time_s, 1e5) / dt_s) + 16 if record else 1
    rec = np.empty((nrec, _k.NCOL))
    pd_rec = np.empty((20000 if record else 1, 5))
    s = np.empty(_k.NS)
    _k.edl(st.y0, st.p, st.logrho, st.sos, st.bank_v, st.bank_rad, rec, bool(record), pd_rec, s)
    summary = _summary(s, st)
    ds = _dataset(rec, pd_rec, s, st) if record else None
    return Landing(ds, summary, st.vehicle, st.atmosphere)


def require_landed(landing: Landing) -> Landing:
    """``landing`` if it landed; otherwise a one-line :class:`TianwenError` saying what happened instead."""
    s = landing.summary
    out = s["outcome"]
    if out == "landed":
        return landing
    e = s["entry"]
    what = f"entry at {e['entry_speed_kms']:g} km/s, fpa_deg {e['fpa_deg']:g}"
    if out == "skip-out":
        raise TianwenError(f"{what} skips out: the vehicle climbs back above {e['entry_alt_km']:g} km after "
                           f"{s['end_time_s']:.0f} s (lowest point {s['min_altitude_km']:.1f} km); steepen fpa_deg")
    if out == "time limit":
        raise TianwenError(f"{what} is still flying after {s['end_time_s']:.0f} s (lowest point "
                           f"{s['min_altitude_km']:.1f} km, not captured); steepen fpa_deg")
    if out == "impact before parachute":
        raise TianwenError(f"{what} hits the ground at {s['end_speed_ms']:.0f} m/s before the parachute conditions "
                           "(Mach and dynamic pressure) are met; lower beta_kg_m2 or flatten fpa_deg")
    if out == "powered-descent crash":
        raise TianwenError(f"{what}: the powered descent cannot stop from {s['powered_descent_start_speed_ms']:.0f} "
                           "m/s within its height; raise max_thrust_to_weight or powered_descent_alt_km")
    raise TianwenError(f"{what}: the integration failed ({out})")


# ----------------------------------------------------------------------------------------------------------
# Missions: the published entry, aimed at the published site
# ----------------------------------------------------------------------------------------------------------


def _surface_distance_km(lat1, lon1, lat2, lon2, radius_km=_atm.MEAN_RADIUS_KM):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * radius_km * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def mission_entry(name, *, atmosphere="mars-mean", density_factor=1.0, dt_s=0.1, aim=True, record=True,
                  from_reconstruction=False) -> Landing:
    """Fly the published entry of ``name`` (see :func:`mission`) with its vehicle.

    The entry point's latitude and longitude are not published for these landings, so with ``aim`` the entry
    point is placed so that the nominal touchdown falls on the published site (a few fixed-point iterations
    that move the entry point by the miss); the summary's ``"aim"`` records the remaining miss (km) and says so.

    With ``from_reconstruction`` the entry speed and flight-path angle (inertial) are those at which the cruise
    reconstructed by :func:`tianwen.reconstruct.reconstruct` meets the entry interface, instead of the published
    ones (the heading and the vehicle stay as published). Only for a direct entry from the cruise (mars2020):
    Tianwen-1 was captured into orbit and entered three months later from its parking orbit.
    """
    m = mission(name)
    source = "published entry state (tianwen/data/edl.toml)"
    if from_reconstruction:
        from .reconstruct import reconstruct

        if m.key == "msl" or str(name).lower().endswith(".toml"):
            raise TianwenError(f"no cruise reconstruction for {m.key!r}; only mars2020 has one that ends in a direct entry")
        rec = reconstruct(m.key).as_json()
        ent = rec.get("entry")
        if not ent:
            raise TianwenError(f"{m.key!r} was captured into Mars orbit ({rec.get('arrival_event')}), so its cruise "
                               "gives no entry state; fly its published entry instead")
        m = m._replace(entry_alt_km=float(ent["entry_alt_km"]), entry_speed_kms=float(ent["speed_kms"]),
                       entry_fpa_deg=float(ent["fpa_deg"]), frame="inertial")
        source = (f"entry speed and angle from the reconstructed cruise (arrival {rec.get('arrival_utc')}, "
                  f"hyperbola periapsis {ent.get('periapsis_alt_km')} km); heading and vehicle published")
    # first guess: straight back from the site along the heading by ~700 km
    lat, lon = m.site_lat_deg, m.site_lon_deg
    back = _k.destination(math.radians(lat), math.radians(lon), math.radians(m.heading_deg) + math.pi,
                          700.0, _atm.MEAN_RADIUS_KM)
    lat0, lon0 = math.degrees(back[0]), math.degrees(back[1])
    kw = dict(entry_alt_km=m.entry_alt_km, heading_deg=m.heading_deg, frame=m.frame, atmosphere=atmosphere,
              density_factor=density_factor, ground_alt_km=m.site_elevation_km, dt_s=dt_s)
    miss = math.nan
    if aim:
        for _ in range(6):
            r = entry(m.entry_speed_kms, m.entry_fpa_deg, m.vehicle, lat_deg=lat0, lon_deg=lon0, record=False, **kw)
            s = r.summary
            if s["outcome"] != "landed":
                break
            dlat = lat - s["touchdown_lat_deg"]
            dlon = (lon - s["touchdown_lon_deg"] + 180.0) % 360.0 - 180.0
            miss = float(_surface_distance_km(lat, lon, s["touchdown_lat_deg"], s["touchdown_lon_deg"]))
            if miss < 0.01:
                break
            lat0 += dlat
            lon0 += dlon
    r = entry(m.entry_speed_kms, m.entry_fpa_deg, m.vehicle, lat_deg=lat0, lon_deg=lon0, record=record, **kw)
    s = dict(r.summary)
    s["mission"] = m.key
    s["mission_name"] = m.name
    s["site_lat_deg"] = m.site_lat_deg
    s["site_lon_deg"] = m.site_lon_deg
    s["site_elevation_km"] = m.site_elevation_km
    s["touchdown_miss_km"] = float(_surface_distance_km(lat, lon, s["touchdown_lat_deg"], s["touchdown_lon_deg"])) \
        if s["outcome"] == "landed" else math.nan
    s["aim"] = ("entry point aimed at the published site (the entry latitude/longitude are not published)"
                if aim else "entry point not aimed")
    s["entry_source"] = source
    s["published"] = {k: v for k, v in m.published.items()}
    return Landing(r.trajectory, s, r.vehicle, r.atmosphere)


# ----------------------------------------------------------------------------------------------------------
# Batches: landing ellipse and entry corridor
# ----------------------------------------------------------------------------------------------------------


def _run_batch(y0s: np.ndarray, ps: np.ndarray, st: _Setup) -> np.ndarray:
    out = np.empty((y0s.shape[0], _k.NS))
    kern = _k.edl_batch_parallel if y0s.shape[0] >= _PARALLEL_MIN_CASES else _k.edl_batch_serial
    kern(np.ascontiguousarray(y0s), np.ascontiguousarray(ps), st.logrho, st.sos, st.bank_v, st.bank_rad, out)
    return out


class Ellipse(NamedTuple):
    """A Monte Carlo landing ellipse (km, deg) and the cases behind it."""

    center_lat_deg: float
    center_lon_deg: float
    major_axis_km: float  #: full length of the confidence ellipse's major axis
    minor_axis_km: float
    azimuth_deg: float  #: of the major axis, clockwise from north, in [0, 180)
    confidence: float
    fraction_inside: float  #: share of the landed cases inside the ellipse (normal theory: ``confidence``)
    n_cases: int
    n_landed: int
    outcomes: dict  #: outcome -> count
    cases: object  #: xarray.Dataset over ``case``: dispersions and results

    def as_json(self) -> dict:
        d = self._asdict()
        d.pop("cases")
        return _jsonable(d)


#: Largest Monte Carlo run landing_ellipse accepts: ~2 ms of compiled flight per case on one core.
MAX_CASES = 200_000


def landing_ellipse(entry_speed_kms, fpa_deg, vehicle: Vehicle | None = None, *, n=2000, confidence=0.99,
                    sigma_speed_ms=2.0, sigma_fpa_deg=0.07, sigma_heading_deg=0.05, sigma_density=0.10,
                    sigma_lift_to_drag=0.05, sigma_beta=0.03, seed=0, entry_alt_km=125.0, lat_deg=0.0,
                    lon_deg=0.0, heading_deg=90.0, frame="relative", atmosphere="mars-mean", ground_alt_km=0.0,
                    surface="ellipsoid", dt_s=0.2) -> Ellipse:
    """Monte Carlo landing ellipse: ``n`` (>= 1000) dispersed cases flown by the compiled batch kernel.

    Dispersions (one sigma, normal): entry speed ``sigma_speed_ms``, flight-path angle ``sigma_fpa_deg`` and
    heading ``sigma_heading_deg`` (the entry state covariance, diagonal), the density factor
    ``exp(N(0, sigma_density))`` (log-normal, a dust-season / day-to-day scaling of the whole profile), and
    relative errors of the L/D and of the ballistic coefficient. The ellipse is the ``confidence`` contour of
    the bivariate normal fitted to the landed touchdown points in the local east-north plane:
    semi-axes ``sqrt(-2 ln(1 - confidence) lambda_i)`` of the covariance eigenvalues.
    """
    n = int(n)
    if n < 1000:
        raise TianwenError(f"n = {n} cases: a 99 % ellipse needs at least 1000")
    if n > MAX_CASES:
        raise TianwenError(f"n = {n} cases is over the limit of {MAX_CASES:,} (about {MAX_CASES * 2e-3:.0f} s of "
                           f"computing); use fewer cases")
    if not 0.5 <= float(confidence) < 1.0:
        raise TianwenError(f"confidence = {confidence!r} is outside [0.5, 1)")
    for nm, v in (("sigma_speed_ms", sigma_speed_ms), ("sigma_fpa_deg", sigma_fpa_deg),
                  ("sigma_heading_deg", sigma_heading_deg), ("sigma_density", sigma_density),
                  ("sigma_lift_to_drag", sigma_lift_to_drag), ("sigma_beta", sigma_beta)):
        if _num(v, nm) < 0.0:
            raise TianwenError(f"{nm} = {v!r} must be a number >= 0")
    st = _setup(entry_speed_kms, fpa_deg, vehicle, entry_alt_km=entry_alt_km, lat_deg=lat_deg, lon_deg=lon_deg,
                heading_deg=heading_deg, frame=frame, atmosphere=atmosphere, density_factor=1.0,
                ground_alt_km=ground_alt_km, surface=surface, rotation=True, j2=True, gravity=True, flat=False,
                chute=True, dt_s=dt_s, max_time_s=3600.0)
    rng = np.random.default_rng(seed)
    dv = rng.normal(0.0, sigma_speed_ms, n)
    dg = rng.normal(0.0, math.radians(sigma_fpa_deg), n)
    dpsi = rng.normal(0.0, math.radians(sigma_heading_deg), n)
    rho_f = np.exp(rng.normal(0.0, sigma_density, n))
    ld_f = 1.0 + rng.normal(0.0, sigma_lift_to_drag, n)
    beta_f = 1.0 + rng.normal(0.0, sigma_beta, n)
    y0s = np.tile(st.y0, (n, 1))
    y0s[:, 3] += dv
    y0s[:, 4] += dg
    y0s[:, 5] += dpsi
    ps = np.tile(st.p, (n, 1))
    ps[:, _k.P_RHOF] = st.p[_k.P_RHOF] * rho_f
    ps[:, _k.P_LD] = np.maximum(st.p[_k.P_LD] * ld_f, 0.0)
    ps[:, _k.P_BETA] = st.p[_k.P_BETA] * np.maximum(beta_f, 0.1)
    out = _run_batch(y0s, ps, st)
    status = out[:, _k.S_STATUS].astype(int)
    landed = status == _k.LANDED
    outcomes = {}
    for code in np.unique(status):
        outcomes[_k.STATUS_MEANING.get(int(code), "invalid")] = int(np.sum(status == code))
    lat = np.degrees(out[:, _k.S_TD_LAT])
    lon = np.degrees(out[:, _k.S_TD_LON]) % 360.0
    import xarray as xr

    cases = xr.Dataset(
        {"d_speed_ms": ("case", dv), "d_fpa_deg": ("case", np.degrees(dg)), "d_heading_deg": ("case", np.degrees(dpsi)),
         "density_factor": ("case", rho_f), "lift_to_drag_factor": ("case", ld_f), "beta_factor": ("case", beta_f),
         "outcome": ("case", np.array([_k.STATUS_MEANING.get(int(c), "invalid") for c in status])),
         "touchdown_lat_deg": ("case", lat), "touchdown_lon_deg": ("case", lon),
         "peak_g": ("case", out[:, _k.S_PEAK_G]), "peak_heat_w_cm2": ("case", out[:, _k.S_PEAK_HEAT] / 1e4),
         "chute_altitude_km": ("case", out[:, _k.S_CHUTE_ALT] / 1e3), "chute_mach": ("case", out[:, _k.S_CHUTE_MACH]),
         "touchdown_time_s": ("case", out[:, _k.S_TD_T])},
        coords={"case": np.arange(n)}, attrs={"confidence": float(confidence), "seed": int(seed)})
    nl = int(landed.sum())
    if nl < 10:
        return Ellipse(math.nan, math.nan, math.nan, math.nan, math.nan, float(confidence), math.nan, n, nl,
                       outcomes, cases)
    la, lo = lat[landed], lon[landed]
    # centre: mean of the unit vectors; local east-north plane around it
    x = np.cos(np.radians(la)) * np.cos(np.radians(lo))
    y = np.cos(np.radians(la)) * np.sin(np.radians(lo))
    z = np.sin(np.radians(la))
    c_lat = math.degrees(math.atan2(z.mean(), math.hypot(x.mean(), y.mean())))
    c_lon = math.degrees(math.atan2(y.mean(), x.mean())) % 360.0
    radius = _atm.MEAN_RADIUS_KM + float(ground_alt_km)
    east = radius * np.cos(np.radians(c_lat)) * np.radians((lo - c_lon + 180.0) % 360.0 - 180.0)
    north = radius * np.radians(la - c_lat)
    cov = np.cov(np.vstack([east, north]))
    w, v = np.linalg.eigh(cov)
    k2 = -2.0 * math.log(1.0 - float(confidence))
    a = math.sqrt(max(w[1], 0.0) * k2)
    b = math.sqrt(max(w[0], 0.0) * k2)
    az = math.degrees(math.atan2(v[0, 1], v[1, 1])) % 180.0
    d = np.vstack([east - east.mean(), north - north.mean()])
    m2 = np.einsum("in,ij,jn->n", d, np.linalg.pinv(cov), d)
    inside = float(np.mean(m2 <= k2))
    return Ellipse(c_lat, c_lon, 2.0 * a, 2.0 * b, az, float(confidence), inside, n, nl, outcomes, cases)


class Corridor(NamedTuple):
    """The entry corridor: flight-path angles (deg) between skip-out and the load or heating limit."""

    shallow_fpa_deg: float  #: shallowest angle that is captured and reaches the parachute (skip-out bound)
    steep_fpa_deg: float  #: steepest angle within the g and heat limits that still reaches the parachute
    width_deg: float
    shallow_limited_by: str
    steep_limited_by: str
    g_limit: float
    heat_limit_w_cm2: float

    def as_json(self) -> dict:
        return _jsonable(self._asdict())


def entry_corridor(entry_speed_kms, vehicle: Vehicle | None = None, *, g_limit=15.0, heat_limit_w_cm2=math.inf,
                   fpa_range_deg=(-2.0, -40.0), step_deg=0.25, tol_deg=0.005, entry_alt_km=125.0, lat_deg=0.0,
                   lon_deg=0.0, heading_deg=90.0, frame="relative", atmosphere="mars-mean", density_factor=1.0,
                   ground_alt_km=0.0, dt_s=0.2) -> Corridor:
    """The entry corridor of ``vehicle`` at ``entry_speed_kms``: a scan of ``fpa_range_deg`` in ``step_deg``
    steps through the batch kernel, each boundary then refined by bisection to ``tol_deg``.

    A case is good when it reaches the parachute conditions with peak load <= ``g_limit`` (Earth g) and peak
    stagnation heat rate <= ``heat_limit_w_cm2``. The shallow bound separates skip-out (or a graze that is
    still flying after an hour) from capture; the steep bound is where the load, the heating, or reaching the
    ground before the parachute conditions ends the good range.
    """
    g_lim = _num(g_limit, "g_limit")
    h_lim = float(heat_limit_w_cm2)
    if g_lim <= 0.0 or not h_lim > 0.0:
        raise TianwenError(f"g_limit = {g_limit!r} and heat_limit_w_cm2 = {heat_limit_w_cm2!r} must be positive")
    f0, f1 = (_num(f, "fpa_range_deg") for f in fpa_range_deg)
    if not (0.0 > f0 > f1 > -90.0):
        raise TianwenError(f"fpa_range_deg = {fpa_range_deg!r}: give (shallow, steep) with 0 > shallow > steep > -90")
    st = _setup(entry_speed_kms, f0, vehicle, entry_alt_km=entry_alt_km, lat_deg=lat_deg, lon_deg=lon_deg,
                heading_deg=heading_deg, frame=frame, atmosphere=atmosphere, density_factor=density_factor,
                ground_alt_km=ground_alt_km, surface="ellipsoid", rotation=True, j2=True, gravity=True, flat=False,
                chute=True, dt_s=dt_s, max_time_s=3600.0, stop_at_chute=True)

    def classify(fpas):
        y0s = np.tile(st.y0, (len(fpas), 1))
        # the fpa in the setup frame: replace the relative fpa (for inertial input, convert each)
        for i, f in enumerate(fpas):
            if frame == "inertial":
                lat_r = st.y0[2]
                v, g, h = _to_relative(entry_speed_kms * 1e3, math.radians(f), math.radians(heading_deg), lat_r,
                                       st.y0[0], st.p[_k.P_OMEGA])
                y0s[i, 3:6] = (v, g, h)
            else:
                y0s[i, 4] = math.radians(f)
        out = _run_batch(y0s, np.tile(st.p, (len(fpas), 1)), st)
        labels = []
        for row in out:
            code = int(row[_k.S_STATUS])
            if code in (_k.SKIP_OUT, _k.TIMEOUT):
                labels.append("skip-out")
            elif code != _k.CHUTE:
                labels.append("no parachute" if code == _k.IMPACT else "invalid")
            elif row[_k.S_PEAK_G] > g_lim:
                labels.append("g-load")
            elif row[_k.S_PEAK_HEAT] / 1e4 > h_lim:
                labels.append("heat rate")
            else:
                labels.append("ok")
        return labels

    grid = np.arange(f0, f1 - 1e-9, -abs(float(step_deg)))
    labels = classify(grid)
    ok = [i for i, lab in enumerate(labels) if lab == "ok"]
    if not ok:
        raise TianwenError(f"no flight-path angle in {fpa_range_deg} deg reaches the parachute within g_limit "
                           f"{g_lim:g} and heat_limit_w_cm2 {h_lim:g}; relax the limits or change the vehicle")
    i0, i1 = ok[0], ok[-1]

    def refine(good, bad):
        lab_bad = classify([bad])[0]
        while abs(good - bad) > tol_deg:
            mid = 0.5 * (good + bad)
            lab = classify([mid])[0]
            if lab == "ok":
                good = mid
            else:
                bad, lab_bad = mid, lab
        return good, lab_bad

    if i0 > 0:
        shallow, why_s = refine(grid[i0], grid[i0 - 1])
    else:
        shallow, why_s = float(grid[0]), "scan range"
    if i1 < len(grid) - 1:
        steep, why_t = refine(grid[i1], grid[i1 + 1])
    else:
        steep, why_t = float(grid[-1]), "scan range"
    return Corridor(float(shallow), float(steep), float(shallow - steep), why_s, why_t, g_lim, h_lim)
