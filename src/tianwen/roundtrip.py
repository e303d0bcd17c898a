"""Round trips Earth -> Mars -> Earth: the outbound leg, the stay at Mars and the return leg chosen together.

Two families, as in the Mars mission-design literature:

* **conjunction class** (long stay): the return leaves Mars in the first Mars-to-Earth opportunity whose
  minimum-C3 departure (:func:`tianwen.windows.find_opportunities`, origin Mars) comes at least half a synodic
  period after the outbound opportunity's (so not the one that nearly coincides with the outbound launch, as in
  2035 and 2037), within ``windows.DEPARTURE_HALF_WIDTH_DAYS`` (120 days) of it. Stays of 300-600 days result.
* **opposition class** (short stay, 30-90 days by default, at most ``OPPOSITION_MAX_STAY_DAYS``, 200): the
  return leaves Mars *before* that window opens,
  on a direct, more energetic arc. **Venus swing-bys are not covered**: every leg here is one ballistic
  Lambert arc between Earth and Mars, so the opposition-class trips found are the direct ones, which usually need
  far more Δv and a faster Earth entry than the Venus swing-by trips of the literature.

Method (exact on the grid, not a heuristic):

1. The outbound porkchop (Earth's centre to the Mars barycentre) over the opportunity's window
   (:func:`tianwen.windows.plot_window`), with the capture burn into the Mars orbit (``periapsis_radius_km``,
   ``apoapsis_radius_km``; :func:`tianwen.arrival.hyperbolic_dv`). Cells with C3 above ``max_c3_km2s2`` or a
   flight time outside ``windows.tof_bounds_days`` are infeasible.
2. The return porkchop (:func:`tianwen.returns.return_grid`) over the Mars departures the family and the stay
   span allow, on the same day grid as the outbound arrivals, with the departure burn from the same orbit and the
   Earth entry speed; cells above ``max_entry_kms`` are infeasible.
3. The legs share only the Mars epochs, so the objective splits: ``total = f(a) + g(m)`` with ``f(a)`` the best
   outbound arriving at ``a`` and ``g(m)`` the best return leaving at ``m``; the joint optimum is the best pair
   ``(a, m)`` with ``m - a`` in the stay span. ``minimise="dv"``: total Δv = capture burn + Mars departure burn
   (the launch is the vehicle's: it is not in the total, so without ``max_c3_km2s2`` the least-Δv trip may take
   a costly launch, as in 2037 and 2039). ``minimise="duration"``: Earth launch to Earth
   arrival, ties broken by Δv.
4. Both legs are solved again at the chosen dates (:func:`tianwen.porkchop.transfer`, one Lambert solve each):
   the numbers reported are those of the arcs, with their end states.

Patched conics and impulsive burns at periapsis, coplanar with the asymptotes (no plane change counted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .bodies import body as _body
from .errors import TianwenError
from .returns import (DEFAULT_ENTRY_ALT_KM, DEFAULT_MARS_ORBIT_RADIUS_KM, ReturnLeg, check_orbit, entry_speed,
                      leg_states, return_grid, return_leg)

FAMILIES = ("conjunction", "opposition")
OBJECTIVES = ("dv", "duration")
OPPOSITION_STAY_DAYS = (30.0, 90.0)
OPPOSITION_MAX_STAY_DAYS = 200.0  # a longer stay is conjunction class
_TIE_DAYS_PER_KMS = 1e-3  # duration objective: 1 km/s of Δv weighs 0.001 day (breaks ties, never a grid step)


@dataclass(frozen=True)
class RoundTrip:
    """A round trip, full precision: the outbound :class:`tianwen.porkchop.Transfer` (with its capture burn),
    the return :class:`tianwen.returns.ReturnLeg`, the stay, and the search it came from. :meth:`as_json`
    rounds for printing."""

    opportunity: str
    family: str
    minimise: str
    outbound: object
    capture_dv_kms: float
    ret: ReturnLeg
    stay_days: float
    total_dv_kms: float
    duration_days: float
    periapsis_radius_km: float
    apoapsis_radius_km: float
    entry_alt_km: float
    max_c3_km2s2: float | None
    max_entry_kms: float | None
    max_dv_kms: float | None
    stay_span_days: tuple
    return_opportunity: int
    return_window_utc: tuple
    step_days: float
    ephemeris: str
    vehicle: str | None = None
    payload_kg: float | None = None
    vehicle_max_c3_km2s2: float | None = None

    def as_json(self, states: bool = True) -> dict:
        o, r = self.outbound, self.ret.transfer

        def ttype(t):
            return "I" if t.transfer_type % 2 == 1 else "II"

        d = {
            "opportunity": self.opportunity, "class": self.family, "minimise": self.minimise,
            "venus_swingby": False,
            "outbound": {"launch_utc": o.departure.utc_iso(0), "arrival_utc": o.arrival.utc_iso(0),
                         "tof_days": round(o.tof_days, 3), "type": ttype(o), "c3_km2s2": round(o.c3_km2s2, 4),
                         "dla_deg": round(o.dla_deg, 3), "rla_deg": round(o.rla_deg, 3),
                         "vinf_arr_kms": round(o.vinf_arr_kms, 5), "capture_dv_kms": round(self.capture_dv_kms, 5)},
            "stay_days": round(self.stay_days, 3),
            "return": {"launch_utc": r.departure.utc_iso(0), "arrival_utc": r.arrival.utc_iso(0),
                       "tof_days": round(r.tof_days, 3), "type": ttype(r),
                       "departure_dv_kms": round(self.ret.departure_dv_kms, 5),
                       "vinf_dep_kms": round(r.vinf_dep_kms, 5), "vinf_arr_kms": round(r.vinf_arr_kms, 5),
                       "entry_speed_kms": round(self.ret.entry_speed_kms, 5)},
            "total_dv_kms": round(self.total_dv_kms, 5),
            "duration_days": round(self.duration_days, 3),
            "mars_orbit": {"periapsis_radius_km": self.periapsis_radius_km,
                           "apoapsis_radius_km": self.apoapsis_radius_km},
            "entry_alt_km": self.entry_alt_km,
            "constraints": {"max_c3_km2s2": self.max_c3_km2s2, "max_entry_kms": self.max_entry_kms,
                            "max_dv_kms": self.max_dv_kms, "vehicle": self.vehicle, "payload_kg": self.payload_kg,
                            "vehicle_max_c3_km2s2": self.vehicle_max_c3_km2s2,
                            "stay_days": [self.stay_span_days[0],
                                          None if math.isinf(self.stay_span_days[1]) else self.stay_span_days[1]]},
            "return_window": {"opportunity": self.return_opportunity, "start_utc": self.return_window_utc[0],
                              "end_utc": self.return_window_utc[1]},
            "step_days": self.step_days, "ephemeris": self.ephemeris,
        }
        if states:
            d["states"] = {"outbound": leg_states(o), "return": leg_states(r)}
        return d


def _days(a: np.ndarray, b) -> np.ndarray:
    """(a - b) in days, datetime64 arrays/scalars."""
    return (np.asarray(a, "datetime64[ns]") - np.datetime64(b, "ns")).astype("int64") / 86400e9


def _at(origin, days: float) -> np.datetime64:
    return np.datetime64(origin, "ns") + np.timedelta64(int(round(days * 86400e9)), "ns")


def _day(t) -> str:
    return str(np.datetime64(t, "D"))


def _check_stay(stay_days, family: str) -> tuple[float, float]:
    if stay_days is None:
        return OPPOSITION_STAY_DAYS if family == "opposition" else (0.0, math.inf)
    try:
        s0, s1 = (float(x) for x in stay_days)
    except (TypeError, ValueError):
        raise TianwenError(f"stay_days={stay_days!r} must be a (min, max) pair of days") from None
    if not (math.isfinite(s0) and s0 >= 0 and s1 >= s0):
        raise TianwenError(f"stay_days=({s0:g}, {s1:g}) must satisfy 0 <= min <= max days")
    if family == "opposition" and s0 > OPPOSITION_MAX_STAY_DAYS:
        raise TianwenError(f"stay_days=({s0:g}, {s1:g}) is not an opposition-class stay; the closest feasible "
                           f"value is stay_days=({OPPOSITION_STAY_DAYS[0]:g}, {OPPOSITION_MAX_STAY_DAYS:g}) (opposition-class stays are at most "
                           f"{OPPOSITION_MAX_STAY_DAYS:g} days), or use family='conjunction'")
    if family == "opposition":
        s1 = min(s1, OPPOSITION_MAX_STAY_DAYS)
    return s0, s1


def roundtrip(opportunity="next", *, family: str = "conjunction", stay_days=None,
              periapsis_radius_km=DEFAULT_MARS_ORBIT_RADIUS_KM, apoapsis_radius_km=None, max_c3_km2s2=None,
              max_entry_kms=None, entry_alt_km=DEFAULT_ENTRY_ALT_KM, minimise: str = "dv",
              max_dv_kms=None, step_days: float = 1.0, ephemeris="de421", vehicle=None,
              payload_kg=None) -> RoundTrip:
    """The best Earth-Mars-Earth round trip of an Earth-to-Mars ``opportunity`` (a year or ``"next"``).

    ``family``: ``"conjunction"`` or ``"opposition"`` (direct legs only; Venus swing-bys are not covered).
    ``stay_days``: (min, max) days at Mars (default: any stay reaching the conjunction-class return window;
    30-90 days for opposition class). ``periapsis_radius_km``/``apoapsis_radius_km``: the Mars orbit captured
    into and departed from (km from Mars's centre; default 400 km circular, an assumption). ``max_c3_km2s2``:
    launch energy cap; ``max_entry_kms``: Earth entry-speed cap at ``entry_alt_km``. ``minimise``: ``"dv"``
    (capture + departure burns) or ``"duration"`` (launch to Earth arrival; without ``max_dv_kms`` and
    ``max_entry_kms`` it finds the fastest arcs whatever they cost). ``max_dv_kms``: cap on the total of the two
    burns. ``step_days``: the grid step. ``vehicle`` and ``payload_kg``: the launch is capped at the largest C3
    at which the vehicle (:func:`tianwen.launch.vehicle`) lifts the payload (with ``max_c3_km2s2``, the lower).

    Bad input, or constraints no trip meets, raise :class:`TianwenError` naming the closest feasible value.
    """
    from .porkchop import porkchop_grid, transfer
    from .windows import (DEPARTURE_HALF_WIDTH_DAYS, find_opportunities, plot_window, synodic_period_days,
                          tof_bounds_days)

    if family not in FAMILIES:
        raise TianwenError(f"family={family!r} is not one of {', '.join(map(repr, FAMILIES))}")
    if minimise not in OBJECTIVES:
        raise TianwenError(f"minimise={minimise!r} is not one of {', '.join(map(repr, OBJECTIVES))}")
    if not (isinstance(step_days, (int, float)) and math.isfinite(step_days) and 0.05 <= step_days <= 10):
        raise TianwenError(f"step_days={step_days!r} must be between 0.05 and 10 days")
    s0, s1 = _check_stay(stay_days, family)
    mars = _body("mars")
    rp, ra = check_orbit(periapsis_radius_km, apoapsis_radius_km, body="mars")
    if max_c3_km2s2 is not None and not (math.isfinite(float(max_c3_km2s2)) and float(max_c3_km2s2) > 0):
        raise TianwenError(f"max_c3_km2s2={max_c3_km2s2!r} must be a positive number (km^2/s^2)")
    entry_speed(0.0, entry_alt_km)  # checks the altitude
    if max_dv_kms is not None and not (math.isfinite(float(max_dv_kms)) and 0 < float(max_dv_kms) <= 100):
        raise TianwenError(f"max_dv_kms={max_dv_kms!r} must be a positive number of km/s (at most 100)")
    eph_name = ephemeris if isinstance(ephemeris, str) else getattr(ephemeris, "name", "custom")
    vehicle_c3 = None
    if (vehicle is None) != (payload_kg is None):
        raise TianwenError("give vehicle and payload_kg together (the launch cap is the C3 the vehicle reaches "
                           "with that payload)")
    if vehicle is not None:
        from .launch import vehicle as lookup_vehicle

        v = lookup_vehicle(vehicle)
        m = float(payload_kg)
        vehicle_c3 = v.max_c3_km2s2(m) if math.isfinite(m) and m > 0 else math.nan
        if not math.isfinite(vehicle_c3):
            most, at = v.max_payload_kg()
            raise TianwenError(f"payload_kg={payload_kg!r}: {v.name} lifts at most {most:.0f} kg (at C3 {at:g} "
                               f"km^2/s^2, in its capability table); the closest feasible value is "
                               f"payload_kg={math.floor(most):.0f}")
        vehicle = v.name
        max_c3_km2s2 = vehicle_c3 if max_c3_km2s2 is None else min(float(max_c3_km2s2), vehicle_c3)

    # 1. The outbound grid and, for each arrival day, its best outbound leg.
    dep_w, arr_w, label = plot_window(opportunity, origin="earth", target="mars", ephemeris=ephemeris)
    out = porkchop_grid(dep_w, arr_w, step_days=step_days, origin="earth", target="mars", ephemeris=ephemeris,
                        scheduler=False)
    lo_o, hi_o = tof_bounds_days("earth", "mars")
    cap_dv = np.asarray(_capture(out["vinf_arr"], mars.gm_km3_s2, rp, ra))
    ok_o = np.isfinite(cap_dv) & (out["tof"] >= lo_o) & (out["tof"] <= hi_o)
    if max_c3_km2s2 is not None:
        c3ok = np.where(ok_o, out["c3"], np.inf)
        if not (c3ok <= float(max_c3_km2s2)).any():
            i, j = np.unravel_index(int(np.argmin(c3ok)), c3ok.shape)
            if vehicle is not None and float(max_c3_km2s2) == vehicle_c3:
                lift = float(np.asarray(v.capability_kg(float(c3ok[i, j]), check=False)))
                raise TianwenError(
                    f"payload_kg={float(payload_kg):g}: {vehicle} lifts it to C3 {vehicle_c3:.3f} km^2/s^2 only, below "
                    f"the lowest C3 of the {label} Earth-Mars opportunity, {float(c3ok[i, j]):.3f} km^2/s^2 (launch "
                    f"{_day(out.departure[i])}); the closest feasible value is payload_kg={math.floor(lift):.0f}")
            raise TianwenError(f"max_c3_km2s2={float(max_c3_km2s2):g}: no outbound transfer of the {label} "
                               f"Earth-Mars opportunity meets it; the lowest C3 is {float(c3ok[i, j]):.3f} km^2/s^2 "
                               f"(launch {_day(out.departure[i])}); the closest feasible value is "
                               f"max_c3_km2s2={math.ceil(float(c3ok[i, j]) * 1000) / 1000:.3f}")
        ok_o &= out["c3"] <= float(max_c3_km2s2)
    dur_o = np.where(ok_o, out["tof"], np.inf)
    dv_o = np.where(ok_o, cap_dv, np.inf)
    f_any = np.isfinite(dv_o).any(axis=0)
    arr = out.arrival
    reach = f_any
    a_first, a_last = arr[reach][0], arr[reach][-1]

    # 2. The return window the family allows, on the outbound arrival day grid.
    w = DEPARTURE_HALF_WIDTH_DAYS
    y0 = int(str(np.datetime64(a_first, "Y")))
    rets = find_opportunities(y0, y0 + 3 + int(s0 // 365.25), origin="mars", target="earth", ephemeris=ephemeris)
    ret_opp = None
    launch_mid = _at(np.datetime64(dep_w[0], "ns"), 0.5 * _days(np.datetime64(dep_w[1], "ns"), dep_w[0]))
    half_synodic = 0.5 * synodic_period_days("mars", "earth")
    for opp in rets:
        c = np.datetime64(opp.datetime64("utc"), "ns")
        if _days(c, launch_mid) >= half_synodic and _days(c, a_first) + w > s0:
            ret_opp = opp
            break
    if ret_opp is None:
        raise TianwenError(f"no Mars-Earth opportunity found within three years after {_day(a_first)} "
                           f"in {eph_name}")
    center = np.datetime64(ret_opp.datetime64("utc"), "ns")
    W0, W1 = _at(center, -w), _at(center, w)
    ret_label = int(str(np.datetime64(center, "Y")))
    a0 = np.datetime64(arr[0], "ns")
    if family == "conjunction":
        lo = max(_days(W0, a0), _days(a_first, a0) + s0)
        hi = min(_days(W1, a0), _days(a_last, a0) + s1)
        if lo > hi:
            raise TianwenError(
                f"stay_days=({s0:g}, {s1:g}) allows no Mars departure in the conjunction-class return window "
                f"({_day(W0)} to {_day(W1)}, the {ret_label} Mars-Earth opportunity) after arrivals from "
                f"{_day(a_first)} to {_day(a_last)}; stays from {max(0.0, _days(W0, a_last)):.0f} to "
                f"{_days(W1, a_first):.0f} days reach it")
    else:
        lo = _days(a_first, a0) + s0
        hi = min(_days(a_last, a0) + s1, _days(W0, a0) - step_days)
        if lo > hi:
            raise TianwenError(
                f"stay_days=({s0:g}, {s1:g}) allows no opposition-class return: every Mars departure it gives "
                f"falls in or after the conjunction-class window opening {_day(W0)}; opposition-class stays "
                f"after the first arrival ({_day(a_first)}) end by {_days(W0, a_first) - step_days:.0f} days, "
                f"or use family='conjunction'")
    k0, k1 = math.ceil(lo / step_days - 1e-9), math.floor(hi / step_days + 1e-9)
    if k1 < k0:
        raise TianwenError(f"stay_days=({s0:g}, {s1:g}) leaves less than one grid step of Mars departures; "
                           f"widen it or use step_days < {step_days:g}")
    m0, m1 = _at(a0, k0 * step_days), _at(a0, k1 * step_days)
    lo_r, hi_r = tof_bounds_days("mars", "earth")
    rg = return_grid((m0, m1), (_at(m0, lo_r), _at(m1, hi_r)), step_days=step_days, periapsis_radius_km=rp,
                     apoapsis_radius_km=ra, entry_alt_km=entry_alt_km, max_entry_kms=max_entry_kms,
                     ephemeris=ephemeris, scheduler=False)
    tof_ok = (rg["tof"] >= lo_r) & (rg["tof"] <= hi_r) & np.isfinite(rg.departure_dv_kms)
    ok_r = tof_ok & rg.feasible
    if not ok_r.any():
        ve = np.where(tof_ok, rg.entry_speed_kms, np.inf)
        i, j = np.unravel_index(int(np.argmin(ve)), ve.shape)
        raise TianwenError(f"max_entry_kms={max_entry_kms}: no return leaving Mars from {_day(m0)} to {_day(m1)} "
                           f"meets it; the lowest entry speed there is {float(ve[i, j]):.3f} km/s (departure "
                           f"{_day(rg.departure[i])}); the closest feasible value is "
                           f"max_entry_kms={math.ceil(float(ve[i, j]) * 1000) / 1000:.3f}")
    dur_r = np.where(ok_r, rg["tof"], np.inf)
    dv_r = np.where(ok_r, rg.departure_dv_kms, np.inf)

    # 3. The best (arrival, departure) pair with its stay in the span.
    stay = _days(rg.departure[None, :], a0) - _days(arr, a0)[:, None]
    both = f_any[:, None] & np.isfinite(dv_r).any(axis=1)[None, :]
    inside = both & (stay >= s0 - 1e-6) & (stay <= s1 + 1e-6)
    if not inside.any():
        cand = stay[both]
        near = cand[np.argmin(np.minimum(abs(cand - s0), abs(cand - s1)))]
        raise TianwenError(f"stay_days=({s0:g}, {s1:g}) allows no round trip under the constraints; the nearest "
                           f"feasible stay is {near:.0f} days")
    i, j, k, m = _best_pair(dur_o, dv_o, dur_r, dv_r, stay, inside, minimise, max_dv_kms)

    # 4. The legs, solved again at the chosen dates.
    ob = transfer("earth", "mars", out.departure[i], out.arrival[j], ephemeris=ephemeris,
                  capture=(rp - mars.radius_km, ra - mars.radius_km))
    leg = return_leg(rg.departure[k], rg.arrival[m], periapsis_radius_km=rp, apoapsis_radius_km=ra,
                     entry_alt_km=entry_alt_km, ephemeris=ephemeris, opportunity=ret_label)
    capture = float(ob.dv_arrive_kms)
    return RoundTrip(
        opportunity=label, family=family, minimise=minimise, outbound=ob, capture_dv_kms=capture, ret=leg,
        stay_days=float(leg.departure - ob.arrival), total_dv_kms=capture + leg.departure_dv_kms,
        duration_days=float(leg.arrival - ob.departure), periapsis_radius_km=rp, apoapsis_radius_km=ra,
        entry_alt_km=float(entry_alt_km), max_c3_km2s2=None if max_c3_km2s2 is None else float(max_c3_km2s2),
        max_entry_kms=None if max_entry_kms is None else float(max_entry_kms),
        max_dv_kms=None if max_dv_kms is None else float(max_dv_kms), stay_span_days=(s0, s1),
        return_opportunity=ret_label, return_window_utc=(_day(W0), _day(W1)), step_days=float(step_days),
        ephemeris=eph_name, vehicle=vehicle, payload_kg=None if payload_kg is None else float(payload_kg),
        vehicle_max_c3_km2s2=vehicle_c3)


def _capture(vinf_kms, mu, rp, ra):
    from .arrival import hyperbolic_dv

    return hyperbolic_dv(vinf_kms, mu, rp, ra)


DV_BIN_KMS = 0.005  # the total-Δv cap under minimise="duration" is met by summing burns rounded up to this


def _best_pair(dur_o, dv_o, dur_r, dv_r, stay, inside, minimise: str, max_dv_kms):
    """Indices (i, j, k, m) of the best round trip: outbound cell (i, j), return cell (k, m), with the stay
    ``stay[j, k]`` allowed by ``inside[j, k]``. Infeasible cells are inf in every array.

    ``minimise="dv"``: per arrival day the least capture burn, per departure day the least departure burn; their
    sum is the least total for that pair (exact), capped by ``max_dv_kms``. ``minimise="duration"``: per day the
    shortest leg (ties by Δv); with ``max_dv_kms`` the burns are binned (rounded *up* to ``DV_BIN_KMS``, so the
    cap always holds) and each pair takes the best split of the cap between the legs.
    """
    cols_o, rows_r = np.arange(dv_o.shape[1]), np.arange(dv_r.shape[0])
    if minimise == "dv":
        bi, bm = np.argmin(dv_o, axis=0), np.argmin(dv_r, axis=1)
        total = np.where(inside, dv_o[bi, cols_o][:, None] + dv_r[rows_r, bm][None, :], np.inf)
        j, k = np.unravel_index(int(np.argmin(total)), total.shape)
        if max_dv_kms is not None and total[j, k] > float(max_dv_kms):
            raise TianwenError(f"max_dv_kms={float(max_dv_kms):g}: no round trip meets it; the least total Δv is "
                               f"{total[j, k]:.3f} km/s; the closest feasible value is "
                               f"max_dv_kms={math.ceil(total[j, k] * 1000) / 1000:.3f}")
        return int(bi[j]), int(j), int(k), int(bm[k])
    cost_o = dur_o + _TIE_DAYS_PER_KMS * dv_o
    cost_r = dur_r + _TIE_DAYS_PER_KMS * dv_r
    if max_dv_kms is None:
        bi, bm = np.argmin(cost_o, axis=0), np.argmin(cost_r, axis=1)
        total = np.where(inside, cost_o[bi, cols_o][:, None] + stay + cost_r[rows_r, bm][None, :], np.inf)
        j, k = np.unravel_index(int(np.argmin(total)), total.shape)
        return int(bi[j]), int(j), int(k), int(bm[k])
    nb = int(math.floor(float(max_dv_kms) / DV_BIN_KMS + 1e-9))
    with np.errstate(invalid="ignore"):
        bin_o = np.where(np.isfinite(dv_o), np.ceil(dv_o / DV_BIN_KMS - 1e-9), nb + 1)
        bin_r = np.where(np.isfinite(dv_r), np.ceil(dv_r / DV_BIN_KMS - 1e-9), nb + 1)

    def table(cost, bins, axis):  # best cost per day with burn <= b bins, b = 0..nb
        days = cost.shape[1 - axis]
        t = np.full((days, nb + 2), np.inf)
        idx = np.broadcast_to(np.arange(days)[None, :] if axis == 0 else np.arange(days)[:, None], cost.shape)
        np.minimum.at(t, (idx.ravel(), np.minimum(bins, nb + 1).astype(int).ravel()), cost.ravel())
        return np.minimum.accumulate(t[:, :nb + 1], axis=1)

    F, G = table(cost_o, bin_o, 0), table(cost_r, bin_r, 1)
    best, arg = np.full(stay.shape, np.inf), np.zeros(stay.shape, dtype=int)
    for b in range(nb + 1):
        t = F[:, b][:, None] + G[:, nb - b][None, :]
        better = t < best
        best = np.where(better, t, best)
        arg = np.where(better, b, arg)
    total = np.where(inside, best + stay, np.inf)
    j, k = np.unravel_index(int(np.argmin(total)), total.shape)
    if not np.isfinite(total[j, k]):
        least = _best_pair(dur_o, dv_o, dur_r, dv_r, stay, inside, "dv", None)
        dv = dv_o[least[0], least[1]] + dv_r[least[2], least[3]]
        raise TianwenError(f"max_dv_kms={float(max_dv_kms):g}: no round trip meets it; the least total Δv is "
                           f"{dv:.3f} km/s; the closest feasible value is "
                           f"max_dv_kms={math.ceil(dv * 1000) / 1000 + DV_BIN_KMS:.3f}")
    b = int(arg[j, k])
    i = int(np.argmin(np.where(bin_o[:, j] <= b, cost_o[:, j], np.inf)))
    m = int(np.argmin(np.where(bin_r[k, :] <= nb - b, cost_r[k, :], np.inf)))
    return i, int(j), int(k), m
