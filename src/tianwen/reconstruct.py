"""Fly a real mission again: Lambert arc, n-body cruise through its published manoeuvres, Mars arrival.

For a mission file (:func:`tianwen.missions.load_mission`: Tianwen-1, Hope, Mars 2020):

1. **Ballistic reference.** The single Lambert arc (Izzo 2015) from the Earth's centre at launch to the Mars
   barycentre at the arrival epoch (DE421): launch C3, DLA/RLA (EME2000), arrival v-infinity.
2. **Cruise.** The Sun + planets n-body model of :mod:`tianwen.propagate` (DE421 perturbers), started two
   days after launch on the Lambert arc (out of the Earth's singularity; the Earth and Moon stay in the model),
   with an impulsive manoeuvre at each published trajectory-correction and deep-space-manoeuvre date
   (date-only epochs taken at 12:00 UTC).
3. **Differential correction.** Unknowns: the start velocity and every manoeuvre's dv vector. Targets at
   Mars, from the published arrival: the periapsis altitude and inclination (to Mars' IAU equator) of the
   capture orbit, expressed as a B-plane target (B.T, B.R; :func:`tianwen.arrival.b_plane_target`), and the
   time of periapsis (orbit insertion: ignition plus half the published burn). When the inclination is not
   published only |B| is targeted. For a direct-entry lander the target is the entry interface (125 km) at
   the entry epoch (published in Earth-receive time: the one-way light time is removed), with the entry
   flight-path angle, unpublished for Mars 2020, taken as MSL's -15.5 deg (an assumption, said in the output).
   Each Newton step is the minimum-norm correction (the pseudo-inverse of the Jacobian from the variational
   equations), the convention of operational manoeuvre design: the dv is shared out with the least total
   size, so a manoeuvre the reference trajectory does not need comes out near zero. The targets are first met
   on the two-body prediction from a state two days out, then shifted until the propagated periapsis (found
   by event detection, Mars' gravity and all perturbers included) meets them.
4. **Arrival.** Impulsive capture dv into the published capture orbit (:func:`tianwen.arrival.capture_dv`)
   and, given the engine thrust and an assumed Isp, a finite-burn estimate (:func:`tianwen.arrival.finite_burn`);
   entry speed and flight-path angle for a lander (:func:`tianwen.arrival.entry_conditions`).

Everything is returned beside the published facts of the mission file, each with its source id.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .arrival import burn_dv
from .bodies import BODIES, C_KMS, DAY_S, GM_SUN
from .errors import TianwenError
from .missions import Event, Mission, escape_fit, load_mission
from .time import Epoch, epoch as _epoch

START_OFFSET_DAYS = 2.0  # cruise propagation starts this long after launch, on the Lambert arc
TARGET_LEAD_DAYS = 2.0  # the B-plane is predicted from the Mars-relative state this long before arrival
ASSUMED_ENTRY_FPA_DEG = -15.5  # MSL's entry flight-path angle, used where a mission's is unpublished
ASSUMED_ISP_S = 315.0  # typical 3 kN-class bipropellant engine; no Isp is published for these engines
ENTRY_ALT_KM = 125.0
DEPARTURE_WEIGHT = 1e-3  # weight of the start-velocity correction against 1 for each manoeuvre


@dataclass
class Reconstruction:
    """The reconstructed mission: its numbers (``as_json``), the cruise trajectory and the published facts."""

    mission: Mission
    launch: Epoch
    arrival: Epoch
    arrival_kind: str
    lambert: dict
    departure: dict
    manoeuvres: list
    arrival_state: dict
    capture: dict | None
    entry: dict | None
    cruise_path_length_km: float
    earth_mars_distance_at_arrival_km: float
    trajectory: object
    iterations: int
    assumptions: list = field(default_factory=list)
    published: dict = field(default_factory=dict)
    differences: list = field(default_factory=list)

    @property
    def tof_days(self) -> float:
        return float(self.arrival - self.launch)

    def as_json(self) -> dict:
        out = {
            "name": self.mission.name.split(" (")[0].split(",")[0].strip(),
            "launch_utc": self.launch.utc_iso(),
            "arrival_utc": self.arrival.utc_iso(),
            "arrival_event": self.arrival_kind,
            "tof_days": round(self.tof_days, 2),
            "lambert": _rounded(self.lambert, _DIGITS["lambert"]),
            "departure": _rounded(self.departure, _DIGITS["departure"]),
            "manoeuvres": [_rounded(mm, _DIGITS["manoeuvre"]) for mm in self.manoeuvres],
            "moi_dv_kms": None if self.capture is None else round(self.capture["dv_impulsive_kms"], 4),
            "capture_orbit": None if self.capture is None else {
                k: _rounded(self.capture, _DIGITS["capture"])[k]
                for k in ("periapsis_alt_km", "apoapsis_alt_km", "inclination_deg")},
            "capture": None if self.capture is None else _rounded(self.capture, _DIGITS["capture"]),
            "entry": None if self.entry is None else _rounded(self.entry, _DIGITS["entry"]),
            "arrival_state": _rounded(self.arrival_state, _DIGITS["arrival_state"]),
            "cruise_path_length_km": round(self.cruise_path_length_km, -3),
            "earth_mars_distance_at_arrival_km": round(self.earth_mars_distance_at_arrival_km, -3),
            "corrector_iterations": self.iterations,
            "assumptions": self.assumptions,
            "published": self.published,
            "differences_from_published": self.differences,
        }
        return out


#: Decimals each printed field keeps (the records hold full precision; :meth:`Reconstruction.as_json` rounds).
_DIGITS = {
    "lambert": {"c3_km2s2": 3, "dla_deg": 2, "rla_deg": 2, "vinf_arr_kms": 4},
    "departure": {"c3_km2s2": 3, "dla_deg": 2, "rla_deg": 2, "dv_from_lambert_kms": 6},
    "manoeuvre": {"dv_kms": 6, "dv_vec_kms": 7, "published_burn_s": 1, "burn_implied_dv_kms": 4},
    "arrival_state": {"periapsis_alt_km": 2, "inclination_deg": 3, "vinf_kms": 4, "b_dot_t_km": 1, "b_dot_r_km": 1},
    "capture": {"periapsis_alt_km": 1, "apoapsis_alt_km": 0, "inclination_deg": 2, "dv_impulsive_kms": 4,
                "finite_burn_duration_min": 2, "finite_burn_dv_kms": 4, "mass_at_arrival_kg": 0},
    "entry": {"speed_kms": 4, "fpa_deg": 3, "periapsis_alt_km": 1},
}


def _rounded(d: dict, digits: dict) -> dict:
    """A copy of ``d`` with the fields named in ``digits`` rounded (lists element-wise)."""
    out = dict(d)
    for k, n in digits.items():
        if k in out and out[k] is not None:
            v = out[k]
            out[k] = [round(float(x), n) for x in v] if isinstance(v, (list, tuple)) else round(float(v), n)
    return out


# ---------------------------------------------------------------------------------------------------------
# Two-body helpers on a Mars-relative hyperbola
# ---------------------------------------------------------------------------------------------------------

def _hyperbola(r, v, mu):
    rn = float(np.linalg.norm(r))
    vn2 = float(v @ v)
    a = 1.0 / (2.0 / rn - vn2 / mu)
    h = np.cross(r, v)
    e_vec = np.cross(v, h) / mu - r / rn
    return a, float(np.linalg.norm(e_vec)), h, e_vec


def _time_to_radius(r, v, mu, radius):
    """Two-body time (s) from the inbound state (r, v) on a hyperbola to the radius ``radius`` (inbound, or
    periapsis when ``radius`` is at or below it)."""
    a, e, _, _ = _hyperbola(r, v, mu)
    if not (a < 0 and e > 1):
        raise TianwenError("the approach to Mars is not hyperbolic")
    n = math.sqrt(mu / -a**3)
    rn = float(np.linalg.norm(r))

    def anomaly(rr, sign):
        ch = max(1.0, (1.0 - rr / a) / e)
        return sign * math.acosh(ch)

    F0 = anomaly(rn, -1.0 if float(r @ v) < 0 else 1.0)
    rp = a * (1.0 - e)
    F1 = anomaly(max(radius, rp), -1.0) if radius > rp else 0.0
    M = lambda F: e * math.sinh(F) - F
    return (M(F1) - M(F0)) / n


def _targets_of(y_rel, mu, pole, radius):
    """(B.T, B.R, time to ``radius``) of a Mars-relative state."""
    from .arrival import b_plane

    bp = b_plane(y_rel[:3], y_rel[3:], body="mars", reference_pole=pole)
    return np.array([float(bp.b_dot_t_km), float(bp.b_dot_r_km), _time_to_radius(y_rel[:3], y_rel[3:], mu, radius)])


def _outgoing_asymptote(r, v, mu):
    """Unit vector of a departure hyperbola's outgoing asymptote, and its C3 (two-body, body-relative).

    The direction is the velocity after 10^5 days on the two-body hyperbola (it then differs from the
    asymptote by ~mu / (r vinf^2) ~ 1e-6 rad): unlike the eccentricity-vector formula it stays well
    conditioned for the nearly rectilinear hyperbola of a spacecraft just out of the Earth's centre.
    """
    from .kepler import propagate as kepler

    a, _, _, _ = _hyperbola(r, v, mu)
    c3 = -mu / a
    _, v_far = kepler(r, v, 1e5 * DAY_S, mu)
    return v_far / np.linalg.norm(v_far), c3


def _radec(u):
    return math.degrees(math.asin(max(-1.0, min(1.0, u[2])))), math.degrees(math.atan2(u[1], u[0])) % 360.0


# ---------------------------------------------------------------------------------------------------------
# Mission facts -> epochs and targets
# ---------------------------------------------------------------------------------------------------------

def _event_epoch(ev: Event) -> Epoch:
    text = ev.utc if "T" in ev.utc else ev.utc + "T12:00:00"
    return _epoch(text)


def _light_time_s(t: Epoch) -> float:
    from .ephemeris import state

    r, _ = state("mars", t, center="earth")
    return float(np.linalg.norm(r)) / C_KMS


def _minutes(q) -> float | None:
    if q is None:
        return None
    value, unit = float(q["value"]), q.get("unit", "s")
    return value * {"s": 1 / 60.0, "min": 1.0, "h": 60.0}.get(unit, 1.0)


def _arrival(m: Mission):
    """Arrival epoch (TDB), kind, and the capture/entry facts of the mission's first arrival event."""
    ev = m.arrival
    t = _event_epoch(ev)
    notes = []
    if ev.time_ref == "earth_receive":
        lt = _light_time_s(t)
        t = t - lt / DAY_S
        notes.append(f"{ev.label}: published in Earth-receive time; one-way light time {lt:.0f} s removed")
    if ev.kind == "moi":
        burn = _minutes(ev.quantities.get("burn_duration"))
        if burn is not None:
            t = t + 0.5 * burn / 1440.0
            notes.append(f"periapsis taken at mid-burn: ignition + {burn / 2:.1f} min")
    return t.to("tdb"), ev, notes


def _capture_facts(m: Mission):
    """Published capture orbit (periapsis alt, apoapsis alt, inclination) with sources, or None."""
    from .arrival import apoapsis_alt_from_period

    for ev in m.events_of("moi", "orbit_change"):
        rp = ev.value("periapsis_altitude")
        if rp is None:
            continue
        ra = ev.value("apoapsis_altitude")
        period = ev.quantities.get("period")
        if ra is None and period is not None:
            seconds = float(period["value"]) * {"d": DAY_S, "h": 3600.0, "min": 60.0, "s": 1.0}[period["unit"]]
            ra = float(apoapsis_alt_from_period(float(rp), seconds))
        if ra is None:
            continue
        inc = ev.value("inclination")
        return {"periapsis_alt_km": float(rp), "apoapsis_alt_km": float(ra),
                "inclination_deg": None if inc is None else float(inc), "event": ev.label, "source": list(ev.source)}
    return None


# ---------------------------------------------------------------------------------------------------------
# The reconstruction
# ---------------------------------------------------------------------------------------------------------

def reconstruct(name: str, *, ephemeris: str = "de421", tol_km: float = 0.1, tol_s: float = 0.1,
                max_iter: int = 12, departure_weight: float = DEPARTURE_WEIGHT, progress=None) -> Reconstruction:
    """Reconstruct mission ``name`` (see the module docstring). Raises TianwenError on unknown missions.

    ``departure_weight`` sets how the corrections are shared (weighted minimum norm): the default makes the
    launch state carry them, so the manoeuvres show only what the trajectory itself needs; 1.0 treats the
    launch state like one more manoeuvre. ``progress(done, total, stage)``, if given, is called after each
    n-body flight of the corrector (at most ``4 * max_iter``; the bar ends early when it converges).
    """
    from .arrival import b_plane_target, capture_dv, entry_conditions, entry_periapsis_alt, finite_burn
    from .ephemeris import state
    from .kepler import propagate as kepler
    from .lambert import lambert
    from .propagate import NBodyModel, periapsis, propagate_with_manoeuvres

    m = load_mission(name)
    mars = BODIES["mars"]
    mu = mars.gm_km3_s2
    t_launch = _epoch(m.launch_utc).to("tdb")
    t_arr, arr_event, assumptions = _arrival(m)
    tof_s = float(t_arr - t_launch) * DAY_S

    # 1. Ballistic reference arc.
    r_e, v_e = state("earth", t_launch, ephemeris=ephemeris)
    r_m, v_m = state("mars", t_arr, ephemeris=ephemeris)
    v1, v2 = lambert(r_e, r_m, tof_s)
    if not np.all(np.isfinite(v1)):
        raise TianwenError(f"no ballistic arc from {t_launch.date()} to {t_arr.date()}")
    vinf_dep = v1 - v_e
    dla, rla = _radec(vinf_dep / np.linalg.norm(vinf_dep))
    lambert_out = {"c3_km2s2": float(float(vinf_dep @ vinf_dep)), "dla_deg": float(dla), "rla_deg": float(rla),
                   "vinf_arr_kms": float(float(np.linalg.norm(v2 - v_m)))}
    differences = []  # printed numbers that differ from a published or fitted fact, each with the reason
    if m.raw.get("escape_orbit_fit"):
        fit = escape_fit(m.key)  # an independent fit of the real escape orbit (the mission file's)
        c3_fit = fit["c3_km2s2"]
        lambert_note = (f"an independent fit of the real escape orbit gives C3 {c3_fit:.3f} km2/s2 "
                        f"[{', '.join(fit['source'])}]: the real cruise flew a deep-space manoeuvre, this "
                        "ballistic arc does not")
        if abs(c3_fit - lambert_out["c3_km2s2"]) > 0.05 * c3_fit:
            differences.append(f"launch C3 {lambert_out['c3_km2s2']:.3f} (ballistic arc): {lambert_note}")

    # Targets.
    capture = _capture_facts(m) if arr_event.kind == "moi" else None
    vinf_vec = v2 - v_m
    if arr_event.kind == "moi":
        if capture is None:
            raise TianwenError(f"{m.name}: no published capture orbit to target")
        rp_alt = capture["periapsis_alt_km"]
        radius = mars.radius_km + rp_alt
    else:
        rp_alt = float(entry_periapsis_alt(float(np.linalg.norm(vinf_vec)), ASSUMED_ENTRY_FPA_DEG, ENTRY_ALT_KM))
        radius = mars.radius_km + ENTRY_ALT_KM
        assumptions.append(f"entry flight-path angle {ASSUMED_ENTRY_FPA_DEG} deg at {ENTRY_ALT_KM:.0f} km "
                           "(MSL's; unpublished for this mission)")
    inc = None if capture is None else capture["inclination_deg"]

    # 2. Cruise set-up: start on the Lambert arc, manoeuvres at the published dates.
    t_start = t_launch + START_OFFSET_DAYS
    r_s, v_s = kepler(r_e, v1, START_OFFSET_DAYS * DAY_S, GM_SUN)
    burns = [(_event_epoch(ev).to("tdb"), ev) for ev in m.manoeuvres]
    burns = [(t, ev) for t, ev in burns if float(t - t_start) > 0 and float(t_arr - t) > TARGET_LEAD_DAYS + 0.5]
    t_c = t_arr - TARGET_LEAD_DAYS
    rc_m, vc_m = state("mars", t_c, ephemeris=ephemeris)
    y_mars_c = np.concatenate([rc_m, vc_m])
    model = NBodyModel(ephemeris=ephemeris)
    pole = "mars"

    def fly(x, t_end, events=(), stm=False, dense=False):
        dvs = [(t, x[3 + 3 * k: 6 + 3 * k]) for k, (t, _) in enumerate(burns)]
        return propagate_with_manoeuvres(r_s, v_s + x[:3], t_start, dvs, t_end, model=model, stm=stm,
                                         dense=dense, events=events)

    def target_vector(shift):
        bp = b_plane_target(vinf_vec, rp_alt, inc if inc is not None else 0.0, body="mars", reference_pole=pole) \
            if inc is not None else None
        dt_goal = float(t_arr - t_c) * DAY_S
        if bp is None:
            return np.array([np.nan, np.nan, dt_goal]) + shift
        return np.array([float(bp.b_dot_t_km), float(bp.b_dot_r_km), dt_goal]) + shift

    n = 3 + 3 * len(burns)
    x = np.zeros(n)
    shift = np.zeros(3)
    iterations = 0
    for outer in range(4):
        for _ in range(max_iter):
            iterations += 1
            traj = fly(x, t_c, stm=True)
            if progress is not None:
                progress(iterations, 4 * max_iter, "corrector")
            y = np.concatenate([traj.r1_km, traj.v1_kms]) - y_mars_c
            g = _targets_of(y, mu, pole, radius)
            goal = target_vector(shift)
            # Finite differences of the (cheap, two-body) target function w.r.t. the state at t_c.
            dgdy = np.empty((3, 6))
            for j in range(6):
                h = 1e-3 if j < 3 else 1e-6
                yp = y.copy()
                yp[j] += h
                dgdy[:, j] = (_targets_of(yp, mu, pole, radius) - g) / h
            parts = traj.partials()
            dydx = np.hstack([parts["x0"][:, 3:6]] + parts["dv"])
            J = dgdy @ dydx
            if inc is None:  # only |B| and time are published: residual on |B|
                bmag_goal = float(b_plane_target(vinf_vec, rp_alt, 90.0, body="mars", reference_pole=pole).b_mag_km) \
                    + shift[0]
                bmag = math.hypot(g[0], g[1])
                res = np.array([bmag - bmag_goal, g[2] - goal[2]])
                J = np.vstack([(g[0] * J[0] + g[1] * J[1]) / bmag, J[2]])
            else:
                res = g - goal
            # Weighted minimum-norm step: the start velocity (the launch state, not a manoeuvre) is weighted
            # DEPARTURE_WEIGHT against 1 for each manoeuvre, so it absorbs the patched-conic start error.
            wi = np.ones(n)  # inverse weights
            wi[:3] = 1.0 / departure_weight
            Jw = J * wi  # J W^-1
            step = -Jw.T @ (np.linalg.pinv(Jw @ J.T) @ res)
            x = x + step
            if abs(res[0]) < tol_km and abs(res[-1]) < tol_s and (len(res) < 3 or abs(res[1]) < tol_km):
                break
        else:
            raise TianwenError(f"{m.name}: the differential corrector did not converge")
        # True periapsis (or entry crossing) with everything in the model: shift the targets by the miss.
        full = fly(x, t_arr + 1.0, events=[periapsis("mars", terminal=True)], dense=True)
        hit = full.terminated_by
        if hit is None:
            raise TianwenError(f"{m.name}: the corrected trajectory found no periapsis at Mars")
        from .arrival import b_plane

        r_rel, v_rel = hit.r_rel_km, hit.v_rel_kms
        bp_true = b_plane(r_rel, v_rel, body="mars", reference_pole=pole)
        t_peri = hit.epoch
        if arr_event.kind == "moi":
            achieved_t = float(t_peri - t_c) * DAY_S
        else:  # time of the entry-interface crossing on the true hyperbola
            achieved_t = float(t_peri - t_c) * DAY_S - _entry_to_periapsis_s(r_rel, v_rel, mu, radius)
        vinf_vec = float(bp_true.vinf_kms) * np.asarray(bp_true.s_hat)  # target with the approach as flown
        goal = target_vector(np.zeros(3))
        if inc is None:
            bmag_goal = float(b_plane_target(vinf_vec, rp_alt, 90.0, body="mars", reference_pole=pole).b_mag_km)
            miss = np.array([float(bp_true.b_mag_km) - bmag_goal, 0.0, achieved_t - goal[2]])
        else:
            miss = np.array([float(bp_true.b_dot_t_km) - goal[0], float(bp_true.b_dot_r_km) - goal[1],
                             achieved_t - goal[2]])
        if np.all(np.abs(miss[:2]) < 0.2) and abs(miss[2]) < 1.0:
            break
        shift = shift - miss
    else:
        raise TianwenError(f"{m.name}: the periapsis targets could not be met")

    # 3. Results.
    rp_true = float(np.linalg.norm(r_rel))
    h_rel = np.cross(r_rel, v_rel)
    from .arrival import mars_pole

    k = np.asarray(mars_pole(), float)
    inc_true = math.degrees(math.acos(float(h_rel @ k) / float(np.linalg.norm(h_rel))))
    vinf_true = math.sqrt(max(0.0, float(v_rel @ v_rel) - 2 * mu / rp_true))
    arrival_state = {"periapsis_utc": t_peri.utc_iso(1), "periapsis_alt_km": float(rp_true - mars.radius_km),
                     "inclination_deg": float(inc_true), "vinf_kms": float(vinf_true),
                     "b_dot_t_km": float(float(bp_true.b_dot_t_km)), "b_dot_r_km": float(float(bp_true.b_dot_r_km))}

    # Departure as flown: Earth-relative two-body energy and asymptote at the start of the cruise.
    re_s, ve_s = state("earth", t_start, ephemeris=ephemeris)
    s_out, c3 = _outgoing_asymptote(r_s - re_s, v_s + x[:3] - ve_s, BODIES["earth"].gm_km3_s2)
    d_dla, d_rla = _radec(s_out)
    departure = {"c3_km2s2": float(c3), "dla_deg": float(d_dla), "rla_deg": float(d_rla),
                 "start_utc": t_start.utc_iso(), "dv_from_lambert_kms": float(float(np.linalg.norm(x[:3])))}

    manoeuvres = []
    for kk, (t, ev) in enumerate(burns):
        dv = x[3 + 3 * kk: 6 + 3 * kk]
        manoeuvres.append({"label": ev.label, "epoch_utc": t.utc_iso(), "dv_kms": float(float(np.linalg.norm(dv))),
                           "dv_vec_kms": [float(float(c)) for c in dv], "published_epoch": ev.utc,
                           "source": list(ev.source)})
        manoeuvres[-1].update(_burn_check(m, ev, float(np.linalg.norm(dv))))

    cap_out = ent_out = None
    if capture is not None:
        dv_imp = float(capture_dv(vinf_true, rp_true - mars.radius_km, capture["apoapsis_alt_km"]))
        cap_out = {"periapsis_alt_km": float(rp_true - mars.radius_km), "apoapsis_alt_km": float(capture["apoapsis_alt_km"]),
                   "inclination_deg": float(inc_true), "dv_impulsive_kms": float(dv_imp)}
        thrust = m.spacecraft.get("main_engine_thrust", {}).get("value")
        mass = m.spacecraft.get("total_mass", {}).get("value")
        if thrust and mass and arr_event.kind == "moi":
            # Mass at arrival: launch mass less the propellant of the cruise manoeuvres (rocket equation).
            dv_cruise = sum(mm["dv_kms"] for mm in manoeuvres)
            m_arr = float(mass) * math.exp(-dv_cruise / (ASSUMED_ISP_S * 9.80665e-3))
            fb = finite_burn(vinf_true, rp_true - mars.radius_km, capture["apoapsis_alt_km"], thrust_n=float(thrust),
                             isp_s=ASSUMED_ISP_S, mass_kg=m_arr)
            cap_out.update(finite_burn_duration_min=float(float(fb.duration_s) / 60.0),
                           finite_burn_dv_kms=float(float(fb.dv_kms)), mass_at_arrival_kg=float(m_arr),
                           thrust_n=float(thrust), isp_s_assumed=ASSUMED_ISP_S)
            pub_min = _minutes(arr_event.quantities.get("burn_duration"))
            if pub_min is not None:
                cap_out["published_burn_min"] = pub_min
                if abs(float(fb.duration_s) / 60.0 - pub_min) > 0.1 * pub_min:
                    cap_out["note"] = (f"published burn about {pub_min:g} min: this model's arrival carries the mass "
                                       "of a cruise without the real deep-space manoeuvre; "
                                       + (DSM_DESIGN_HINT.replace("NAME", m.key) if m.events_of("dsm")
                                          else "the difference is unexplained"))
            assumptions.append(f"Isp {ASSUMED_ISP_S:.0f} s for the main engine (unpublished); launch mass "
                               f"{float(mass):.0f} kg less the propellant of the computed manoeuvres")
    else:
        es = entry_conditions(vinf_true, rp_true - mars.radius_km, ENTRY_ALT_KM)
        ent_out = {"entry_alt_km": ENTRY_ALT_KM, "speed_kms": float(float(es.speed_kms)),
                   "fpa_deg": float(float(es.fpa_deg)), "periapsis_alt_km": float(rp_true - mars.radius_km)}

    # Cruise path length: heliocentric arc length from launch to arrival (launch-to-start on the Lambert arc).
    t_end = t_peri if float(t_peri - t_arr) < 0 else t_arr
    ts = np.linspace(0.0, float(t_end - t_start), 4001)
    ep = Epoch(np.full(ts.size, t_start.jd1), t_start.jd2 + ts, "tdb")
    _, vv = full.state(ep)
    speeds = np.linalg.norm(vv, axis=1)
    path = float(np.trapezoid(speeds, ts * DAY_S)) if hasattr(np, "trapezoid") else float(np.trapz(speeds, ts * DAY_S))
    path += float(np.linalg.norm(v1)) * START_OFFSET_DAYS * DAY_S
    r_em, _ = state("mars", t_arr, center="earth", ephemeris=ephemeris)

    published = _published(m)
    return Reconstruction(mission=m, launch=t_launch, arrival=t_arr, arrival_kind=arr_event.kind,
                          lambert=lambert_out, departure=departure, manoeuvres=manoeuvres,
                          arrival_state=arrival_state, capture=cap_out, entry=ent_out, cruise_path_length_km=path,
                          earth_mars_distance_at_arrival_km=float(np.linalg.norm(r_em)), trajectory=full,
                          iterations=iterations, assumptions=assumptions, published=published,
                          differences=differences)


DSM_DESIGN_HINT = ("the design with the deep-space manoeuvre as flown (tianwen.reconstruct_dsm, "
                   "`tianwen transfer --mission NAME`) reproduces it")


def _burn_check(m: Mission, ev, dv_model_kms: float) -> dict:
    """A manoeuvre's published burn (duration x thrust, at the assumed Isp and the launch mass) as a Δv, and a
    note when this model's Δv is far from it (the weighted minimum-norm corrector gives the launch state the
    correction, so a real deep-space manoeuvre comes out near zero here)."""
    minutes = _minutes(ev.quantities.get("burn_duration"))
    mass = m.spacecraft.get("total_mass", {}).get("value")
    key = ev.label.lower().replace("-", "").replace(" ", "") + "_thrust"
    thrust = (m.raw.get("burns", {}).get(key, {}).get("value")
              or (m.spacecraft.get("main_engine_thrust", {}).get("value") if ev.kind in ("dsm", "tcm") else None))
    if minutes is None or not mass or not thrust:
        return {}
    try:
        implied, _ = burn_dv(float(thrust), minutes * 60.0, float(mass), ASSUMED_ISP_S)
    except TianwenError:  # a burn longer than the propellant allows: no comparison to make
        return {}
    out = {"published_burn_s": round(minutes * 60.0, 1), "burn_implied_dv_kms": round(implied, 4)}
    bound = ev.quantities["burn_duration"].get("bound")
    if not 0.5 * implied <= dv_model_kms <= 2.0 * implied:
        out["note"] = (f"the published burn ({'over ' if bound == 'lower' else ''}{minutes * 60.0:g} s at "
                       f"{float(thrust):g} N) implies {'at least ' if bound == 'lower' else 'about '}"
                       f"{implied * 1000.0:.0f} m/s; this model gives the correction to the launch state"
                       + ("; " + DSM_DESIGN_HINT.replace("NAME", m.key) if ev.kind == "dsm" else ""))
    return out


def _entry_to_periapsis_s(r_rel, v_rel, mu, radius):
    """Two-body time from the inbound crossing of ``radius`` to periapsis, from the periapsis state."""
    a, e, _, _ = _hyperbola(r_rel, v_rel, mu)
    n = math.sqrt(mu / -a**3)
    F = math.acosh(max(1.0, (1.0 - radius / a) / e))
    return (e * math.sinh(F) - F) / n


def _published(m: Mission) -> dict:
    """The mission file's cruise and arrival facts, each with its sources."""
    out = {}
    for key, q in m.cruise.items():
        if isinstance(q, dict) and "value" in q:
            out[key] = {"value": q["value"], "unit": q.get("unit"), "source": q.get("source", [])}
    ev = m.arrival
    out["arrival_event"] = {"label": ev.label, "utc": ev.utc, "time_ref": ev.time_ref, "source": list(ev.source)}
    for name in ("periapsis_altitude", "period", "inclination", "burn_duration", "entry_speed"):
        for e in m.events_of("moi", "entry", "orbit_change"):
            q = e.quantities.get(name)
            if q is not None and name not in out:
                out[name] = {"value": q.get("value"), "unit": q.get("unit"), "event": e.label,
                             "source": q.get("source", list(e.source))}
    for e in m.manoeuvres:
        q = e.quantities.get("burn_duration")
        if q is not None:
            out.setdefault("manoeuvre_burns", []).append({"label": e.label, "utc": e.utc, "burn_duration": q.get("value"),
                                                          "unit": q.get("unit"), "source": q.get("source", [])})
    return out


class _MissionBody:
    """A reconstructed mission's cruise as a body: ``state(epoch)`` Sun-centred ICRF (km, km/s)."""

    def __init__(self, name: str, trajectory):
        self.name = name
        self._trajectory = trajectory
        self.span_tdb_jd = (float(trajectory.t0.jd), float(trajectory.t1.jd))

    def state(self, epochs):
        return self._trajectory.state(epochs)


@functools.lru_cache(maxsize=8)
def trajectory(name: str):
    """The reconstructed cruise of a mission (:func:`reconstruct`) as a body that the rest
    of tianwen (tracking, porkchop) can use. It spans from two days after launch to the arrival event;
    an epoch outside raises :class:`tianwen.errors.OutOfRangeError`. Computed once per process."""
    load_mission(name)  # unknown names: TianwenError before any computation
    rec = reconstruct(name)
    return _MissionBody(rec.as_json()["name"], rec.trajectory)
