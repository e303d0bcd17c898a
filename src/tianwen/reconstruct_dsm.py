"""Tianwen-1 flown as it was designed: the published deep-space manoeuvre put back into the transfer.

:mod:`tianwen.reconstruct` flies the minimum-Δv cruise (its corrector hands the correction to the launch state,
so the 2020-10-09 manoeuvre comes out near zero). This module rebuilds the design instead, in the patched-conic
one-DSM model of :mod:`tianwen.dsm`, from published facts only (``data/missions/tianwen-1.toml``):

1. **Burns from their published durations.** Each burn with a published duration and thrust gives its Δv by
   the rocket equation, ``dv = Isp g0 ln(m0 / (m0 - F t / (Isp g0)))``, from the launch mass (about 5 t) less the
   propellant of the burns before it. The Isp is not published: :data:`tianwen.reconstruct.ASSUMED_ISP_S`
   (315 s, a 3 kN-class bipropellant engine) is used for every engine, and said so in the output. The DSM
   burned "over 480 s" (a lower bound), so its Δv is a lower bound too; it is centred 240 s before its
   published completion time.
2. **The transfer.** Launch from the Earth's centre at the published launch epoch, coast, the DSM at its
   published epoch with the burn's magnitude (its direction free), and a Lambert arc to the Mars barycentre at
   the MOI periapsis (ignition + half the published burn, as :mod:`tianwen.reconstruct` takes it). The launch
   v-infinity is that of the design optimum (least DSM + capture Δv, :func:`tianwen.dsm.dsm_transfer` with the DSM
   date fixed) under a launch C3 cap, the cap being solved (Brent) so that the optimum's DSM equals the burn's:
   a DSM exists because the launch vehicle capped the C3, and the designer spends the least Δv for that cap.
   The TCMs correct dispersions that no design contains: their Δv (from their burns where published) enters the
   mass budget only.
3. **Arrival.** The capture burn into the published 400 km x 10 day orbit: impulsive, and finite
   (:func:`tianwen.arrival.finite_burn`) with the mass left after every burn before it.
4. **After capture** (:func:`orbit_phases`): the published orbits (capture, polar, parking, remote-sensing) with
   their periods by Kepler's third law beside the published ones, and the impulsive Δv between them.

The launch C3, DLA and RLA are then compared with the independent Find_Orb fit of the escape hyperbola
(``[escape_orbit_fit]``), the MOI duration with CNSA's "about 15 minutes", and the spacecraft's distance from the
Earth at the published dates with CNSA's reports. Every assumption is returned next to the number it makes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .bodies import DAY_S, GM_SUN
from .arrival import burn_dv  # noqa: F401 (part of this module's API)
from .errors import TianwenError
from .missions import escape_fit  # noqa: F401 (part of this module's API)
from .time import Epoch, epoch as _epoch

G0_KMS2 = 9.80665e-3
DSM_CENTRE_BEFORE_END_S = 240.0  # half of the published ">480 s" DSM burn


@dataclass
class Burn:
    """One burn from its published duration: Δv by the rocket equation, and the mass before and after."""

    label: str
    epoch: Epoch
    thrust_n: float
    duration_s: float
    mass_before_kg: float
    propellant_kg: float
    dv_kms: float
    source: list

    def as_json(self) -> dict:
        return {"label": self.label, "epoch_utc": self.epoch.utc_iso(), "thrust_n": self.thrust_n,
                "duration_s": self.duration_s, "mass_before_kg": round(self.mass_before_kg, 1),
                "propellant_kg": round(self.propellant_kg, 1), "dv_kms": round(self.dv_kms, 5),
                "source": self.source}


@dataclass
class DSMReconstruction:
    """Tianwen-1's design with its deep-space manoeuvre: the transfer (:class:`tianwen.dsm.DSMTransfer`), the
    burns, the arrival and the comparisons with published or independently fitted figures."""

    mission: str
    transfer: object
    burns: list
    launch_fit: dict
    capture: dict
    distances: list
    assumptions: list = field(default_factory=list)
    phases: list = field(default_factory=list)

    @property
    def dsm_burn(self) -> Burn:
        return next(b for b in self.burns if b.label.lower().startswith("deep"))

    def as_json(self) -> dict:
        t = self.transfer.as_json()
        return {"name": self.mission, "transfer": t, "burns": [b.as_json() for b in self.burns],
                "launch": {"c3_km2s2": t["c3_km2s2"], "dla_deg": t["dla_deg"], "rla_deg": t["rla_deg"],
                           "independent_fit": self.launch_fit},
                "dsm": {"epoch_utc": t["dsm_utc"], "dv_kms": t["dsm_dv_total_kms"],
                        "burn_implied_dv_kms": round(self.dsm_burn.dv_kms, 5),
                        "assumption": "the design optimum for the launch C3 at which its DSM equals the burn's "
                                      "(480 s, a published lower bound; Isp assumed)"},
                "capture": self.capture, "distances": self.distances, "orbit_phases": self.phases,
                "assumptions": self.assumptions}


def _burns(m, isp_s: float) -> tuple[list[Burn], float, list[str]]:
    """Burns with a published duration, in order, and the launch mass (kg)."""
    notes = []
    mass = float(m.spacecraft["total_mass"]["value"])
    main = float(m.spacecraft["main_engine_thrust"]["value"])
    extra = m.raw.get("burns", {})
    out = []
    for ev in m.manoeuvres:
        dur = ev.value("burn_duration")
        if dur is None:
            notes.append(f"{ev.label}: no burn duration published; its Δv is not in the mass budget")
            continue
        label = ev.label.lower().replace("-", "")
        thrust = extra.get(f"{label}_thrust", {}).get("value") if label.startswith("tcm") else None
        if thrust is None:
            thrust = main
        t = _epoch(ev.utc if "T" in ev.utc else ev.utc + "T12:00:00")
        if ev.kind == "dsm":
            t = t - DSM_CENTRE_BEFORE_END_S / DAY_S
        dv, used = burn_dv(thrust, float(dur), mass, isp_s)
        out.append(Burn(ev.label, t.to("tdb"), float(thrust), float(dur), mass, used, dv, list(ev.source)))
        mass -= used
    return out, float(m.spacecraft["total_mass"]["value"]), notes


def reconstruct_dsm(name: str = "tianwen-1", *, ephemeris: str = "de421", isp_s: float | None = None,
                    seed: int = 0) -> DSMReconstruction:
    """Reconstruct ``name`` (a mission with a published deep-space manoeuvre: Tianwen-1) with that manoeuvre;
    see the module docstring. ``isp_s`` overrides the assumed Isp of every engine."""
    from .arrival import apoapsis_alt_from_period, capture_dv, finite_burn
    from .dsm import dsm_transfer
    from .ephemeris import state
    from .kepler import propagate
    from .missions import load_mission
    from .reconstruct import ASSUMED_ISP_S

    m = load_mission(name)
    isp = ASSUMED_ISP_S if isp_s is None else float(isp_s)
    dsm_events = m.events_of("dsm")
    if not dsm_events:
        raise TianwenError(f"mission {name!r} flew no published deep-space manoeuvre; use tianwen.reconstruct")
    burns, m0, notes = _burns(m, isp)
    dsm_burn = next((b for b in burns if b.label == dsm_events[0].label), None)
    if dsm_burn is None:
        raise TianwenError(f"mission {name!r}: the deep-space manoeuvre has no published burn duration")
    moi = m.events_of("moi")[0]
    rp_alt = float(moi.value("periapsis_altitude"))
    period = moi.quantities["period"]
    seconds = float(period["value"]) * {"d": DAY_S, "h": 3600.0}[period["unit"]]
    ra_alt = float(apoapsis_alt_from_period(rp_alt, seconds))
    burn_min = float(moi.value("burn_duration"))
    t_launch = _epoch(m.launch_utc).to("tdb")
    t_arr = (_epoch(moi.utc) + 0.5 * burn_min / 1440.0).to("tdb")
    tof = float(t_arr - t_launch)
    eta = float(dsm_burn.epoch - t_launch) / tof

    # The design: the one-DSM optimum (least DSM + capture dv) for a launch C3 cap, with the cap solved so that the
    # optimum's DSM is the burn's (the DSM shrinks as the cap grows, to zero at the ballistic arc's C3).
    from scipy.optimize import brentq

    from .porkchop import transfer as ballistic

    target = dsm_burn.dv_kms
    c3_bal = ballistic("earth", "mars", t_launch, t_arr, ephemeris=ephemeris).c3_km2s2
    solved = {}

    def dsm_at(cap):
        t = dsm_transfer(t_launch, t_arr, max_c3_km2s2=cap, capture=(rp_alt, ra_alt), eta_bounds=(eta, eta),
                         ephemeris=ephemeris, seed=seed)
        solved[cap] = t
        return t.dsm_dv_total_kms - target

    lo, hi = max(0.0, c3_bal - 10.0), c3_bal - 1e-9
    if not dsm_at(lo) > 0.0 > dsm_at(hi):
        raise TianwenError(f"{m.name}: no launch C3 in [{lo:.2f}, {c3_bal:.2f}] km^2/s^2 gives a {target:.3f} km/s "
                           f"DSM on {dsm_burn.epoch.utc_iso()}")
    cap = brentq(dsm_at, lo, hi, xtol=1e-6)
    rec = solved.get(cap) or solved[min(solved, key=lambda c: abs(c - cap))]
    if abs(rec.dsm_dv_total_kms - target) > 1e-4:
        dsm_at(cap)
        rec = solved[cap]

    # Arrival: impulsive and finite capture with the mass left.
    m_arr = m0 - sum(b.propellant_kg for b in burns)
    vinf = float(np.linalg.norm(rec.vinf_arr_kms))
    thrust = float(m.spacecraft["main_engine_thrust"]["value"])
    fb = finite_burn(vinf, rp_alt, ra_alt, thrust_n=thrust, isp_s=isp, mass_kg=m_arr)
    capture = {"periapsis_alt_km": rp_alt, "apoapsis_alt_km": round(ra_alt, 1), "vinf_kms": round(vinf, 5),
               "dv_impulsive_kms": round(float(capture_dv(vinf, rp_alt, ra_alt)), 5),
               "finite_burn_duration_min": round(float(fb.duration_s) / 60.0, 3),
               "finite_burn_dv_kms": round(float(fb.dv_kms), 5), "mass_at_arrival_kg": round(m_arr, 1),
               "published_duration_min": burn_min, "published_source": list(moi.source),
               "assumption": f"Isp {isp:g} s; mass = launch {m0:g} kg less the burns with published durations"}

    # Distances from the Earth (and Mars) at the published dates, on the designed trajectory.
    distances = []
    for e in m.manoeuvres:
        for key, centre in (("distance_from_earth", "earth"), ("distance_from_mars", "mars")):
            published = e.value(key)
            if published is None:
                continue
            t = _epoch(e.utc if "T" in e.utc else e.utc + "T12:00:00").to("tdb")
            if float(t - rec.dsm) < 0:
                r, _ = propagate(rec.r_launch_km, rec.v_launch_kms, float(t - rec.launch) * DAY_S, GM_SUN)
            else:
                r, _ = propagate(rec.r_dsm_km, rec.v_dsm_after_kms, float(t - rec.dsm) * DAY_S, GM_SUN)
            rc, _ = state(centre, t, ephemeris=ephemeris)
            d = float(np.linalg.norm(np.asarray(r) - rc))
            distances.append({"event": e.label, "epoch_utc": t.utc_iso(), "from": centre, "computed_km": round(d, -3),
                              "published_km": float(published), "ratio": round(d / float(published), 5),
                              "source": list(e.source)})

    assumptions = [f"Isp {isp:g} s for every engine (unpublished)",
                   f"DSM burn {dsm_burn.duration_s:g} s (published as a lower bound), centred "
                   f"{DSM_CENTRE_BEFORE_END_S:g} s before its published completion",
                   f"launch v-infinity: the one-DSM design optimum (least DSM + capture dv) under the launch C3 cap "
                   f"({cap:.4f} km^2/s^2) at which its DSM equals the burn's; patched conics, launch from the "
                   "Earth's centre at the published epoch",
                   "TCM dv from their burns enter the mass budget only (they correct dispersions)",
                   f"MOI periapsis at ignition + {burn_min / 2:g} min (half the published burn)", *notes]
    phases = orbit_phases(name, vinf_kms=vinf)
    return DSMReconstruction(m.name, rec, burns, escape_fit(name), capture, distances, assumptions, phases)


# ---------------------------------------------------------------------------------------------------------
# After capture: the published orbits and the impulsive Δv between them
# ---------------------------------------------------------------------------------------------------------

def _speed(r, rp, ra, mu):
    """Vis-viva speed at radius r on the orbit of periapsis and apoapsis radii rp, ra."""
    return math.sqrt(mu * (2.0 / r - 2.0 / (rp + ra)))


def coaxial_dv(rp1, ra1, rp2, ra2, mu, plane_change_deg: float = 0.0) -> tuple[float, float]:
    """Two impulses between coaxial ellipses (radii km): at periapsis the apoapsis goes from ra1 to ra2, then at
    the new apoapsis the periapsis goes from rp1 to rp2, with the plane change (deg) made there too (where the
    speed is least). Returns (first, second) Δv, km/s."""
    dv1 = abs(_speed(rp1, rp1, ra1, mu) - _speed(rp1, rp1, ra2, mu))
    v1, v2 = _speed(ra2, rp1, ra2, mu), _speed(ra2, rp2, ra2, mu)
    di = math.radians(plane_change_deg)
    return dv1, math.sqrt(max(0.0, v1 * v1 + v2 * v2 - 2.0 * v1 * v2 * math.cos(di)))


def orbit_phases(name: str = "tianwen-1", *, vinf_kms: float | None = None) -> list[dict]:
    """The mission's published orbits from Mars orbit insertion on (the mission file's ``moi`` and
    ``orbit_change`` events, then ``[[later_orbits]]``), each with its period by Kepler's third law beside the
    published one, and the impulsive Δv from the orbit before (:func:`coaxial_dv`; MOI from ``vinf_kms`` when
    given). Where an apoapsis or inclination is not published the row says what was assumed: an unpublished
    apoapsis is kept from the orbit before, and a plane change is the difference of
    inclinations, made at apoapsis; an unpublished polar inclination is the one measured later (86 deg,
    from telemetry). Orbits flown but not published (the relay orbits of 2021) are missing, so a
    Δv across them is a lower bound."""
    from .arrival import apoapsis_alt_from_period, capture_dv
    from .bodies import BODIES
    from .missions import load_mission

    m = load_mission(name)
    mars = BODIES["mars"]
    mu, radius = mars.gm_km3_s2, mars.radius_km
    rows, prev = [], None
    items = [(e.label, e.utc, e.quantities, list(e.source), str(getattr(e, "note", "") or ""))
             for e in m.events_of("moi", "orbit_change")]
    items += [(o["label"], o["epoch"]["utc"], o, sorted({s for q in o.values() if isinstance(q, dict)
                                                         for s in q.get("source", [])}), o.get("note", ""))
              for o in m.raw.get("later_orbits", [])]
    later_inc = [float(o["inclination"]["value"]) for o in m.raw.get("later_orbits", []) if "inclination" in o]
    polar_inc, polar_from = (later_inc[0], "the inclination measured later") if later_inc else (90.0, "90 deg")
    for label, utc, q, source, note in items:
        get = (lambda k: None if q.get(k) is None else float(q[k]["value"]))
        rp_alt, ra_alt, inc = get("periapsis_altitude"), get("apoapsis_altitude"), get("inclination")
        assumed = []
        if rp_alt is None:
            continue  # an adjustment with no published orbit (2021-02-20): its Δv is in the next row
        period = q.get("period")
        period_s = None
        if period is not None:
            period_s = float(period["value"]) * {"d": DAY_S, "h": 3600.0, "sol": 88775.244, "min": 60.0}[period["unit"]]
        if ra_alt is None and period_s is not None and prev is None:
            ra_alt = float(apoapsis_alt_from_period(rp_alt, period_s))
            assumed.append("apoapsis from the published period")
        elif ra_alt is None and prev is not None:
            ra_alt = prev["apoapsis_alt_km"]
            assumed.append("apoapsis unpublished: kept from the orbit before")
        if inc is None and ("pole" in (label + note).lower() or "polar" in label.lower()):
            inc = polar_inc
            assumed.append(f"polar orbit, inclination unpublished: {polar_inc:g} deg ({polar_from})")
        if inc is None and prev is not None:
            inc = prev["inclination_deg"]
            assumed.append("inclination unpublished: kept from the orbit before")
        rp, ra = radius + rp_alt, radius + ra_alt
        a = 0.5 * (rp + ra)
        row = {"label": label, "epoch_utc": utc, "periapsis_alt_km": rp_alt, "apoapsis_alt_km": round(ra_alt, 1),
               "inclination_deg": inc, "period_h": round(2.0 * math.pi * math.sqrt(a ** 3 / mu) / 3600.0, 4),
               "published_period_h": None if period_s is None else round(period_s / 3600.0, 4), "source": source}
        if prev is None:
            row["dv_kms"] = None if vinf_kms is None else round(float(capture_dv(vinf_kms, rp_alt, ra_alt)), 5)
            row["how"] = "impulsive capture at periapsis from the approach hyperbola"
        else:
            di = abs((inc or 0.0) - (prev["inclination_deg"] or 0.0))
            d1, d2 = coaxial_dv(radius + prev["periapsis_alt_km"], radius + prev["apoapsis_alt_km"], rp, ra, mu, di)
            row["dv_kms"] = round(d1 + d2, 5)
            row["dv_burns_kms"] = [round(d1, 5), round(d2, 5)]
            turn = f" and a {di:g} deg plane change" if di else ""
            row["how"] = ("apoapsis set at periapsis, then periapsis" + turn
                          + " at the new apoapsis")
        row["assumptions"] = assumed
        rows.append(row)
        prev = row
    return rows
