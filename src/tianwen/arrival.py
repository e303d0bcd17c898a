"""Arrival design: capture burns, the B-plane, and atmospheric entry conditions at Mars (or any body).

Plain functions on arrays; km, km/s, s, kg, N and degrees at the edges, the unit in each name. The target body
is a name (``"mars"``, the default) or any object with ``gm_km3_s2`` and ``radius_km`` (a
:class:`tianwen.bodies.Body`). Altitudes are above the body's IAU 2015 *mean* radius (Mars 3389.5 km).

Capture (patched conic, impulsive at periapsis)
    :func:`capture_dv` is the vis-viva difference at the common periapsis of the approach hyperbola and the
    capture ellipse, ``dv = sqrt(vinf^2 + 2 mu / rp) - sqrt(mu (2 / rp - 1 / a))`` (Curtis, *Orbital
    Mechanics for Engineering Students*, 3rd ed. 2014, sec. 8.8, planetary rendezvous; Vallado, *Fundamentals
    of Astrodynamics and Applications*, 4th ed. 2013, ch. 12). :func:`hyperbolic_dv` is the same burn in
    radii and ``mu`` (the helper :mod:`tianwen.porkchop` uses). :func:`capture_orbit` gives the ellipse's a,
    e, period and speeds; :func:`apoapsis_alt_from_period` the apoapsis that gives a wanted period.

Finite burn
    :func:`finite_burn` integrates the planar approach hyperbola under constant thrust held opposite to the
    velocity (retrograde, tangential steering) with the mass flow ``thrust / (Isp g0)``, the burn centred on
    the hyperbola's periapsis passage, and solves for the burn duration whose cut-off orbit has the energy of
    the wanted capture ellipse. It reports the dv actually spent (``Isp g0 ln(m0 / m1)``), its excess over
    the impulsive dv (the gravity loss), the propellant, and the cut-off orbit's periapsis and apoapsis.

B-plane (W. Kizner, "A Method of Describing Miss Distances for Lunar and Interplanetary Trajectories", JPL)
    For a hyperbolic approach state: ``S`` is the unit vector along the *incoming* asymptote (the direction of
    the arrival v-infinity vector); ``T = (S x k) / |S x k|`` with ``k`` the reference pole (default the
    EME2000/ICRF z axis; ``reference_pole="mars"`` takes Mars's IAU 2015 north pole); ``R = S x T``, so that
    (T, R, S) is right-handed and R points *south* of the reference equator (``R . k = -cos(dec_S)``).
    ``B`` runs from the body's centre to the point where the incoming asymptote pierces the plane normal to
    ``S``; ``|B| = h / vinf``, the impact parameter; ``B = |B| (S x h_hat)``. ``B.T``, ``B.R`` are its
    components and the B-plane angle ``theta = atan2(B.R, B.T)`` in [0, 360) deg, measured from T toward R.

    Inclination in the B-plane: the orbit normal is ``h_hat = B_hat x S = sin(theta) T - cos(theta) R``,
    and with ``T . k = 0``, ``R . k = -cos(dec_S)`` that gives

        cos(i) = cos(dec_S) cos(theta)

    (``dec_S`` the asymptote's declination above the reference equator). An inclination is reachable only if
    ``|dec_S| <= i <= 180 - |dec_S|``; each reachable one has two B-plane angles, ``theta = +/- arccos(cos i /
    cos dec_S)``, the same hyperbola turned about S. :func:`b_plane_target` returns one of them
    (``ascending``, see there) with ``|B| = rp sqrt(1 + 2 mu / (rp vinf^2))``; :func:`periapsis_state` turns a
    (v-infinity vector, B vector) pair back into the periapsis state, to propagate or check.

Entry
    :func:`entry_conditions` gives the inertial speed and flight-path angle where the approach hyperbola
    reaches the entry interface (energy ``v^2 / 2 - mu / r = vinf^2 / 2`` and angular momentum ``r v cos(gamma)
    = rp vp`` conserved) and, given latitude and heading, the speed, flight-path angle and heading relative to
    the rotating atmosphere. :func:`entry_periapsis_alt` is its inverse: the (possibly sub-surface, virtual)
    periapsis altitude that gives a wanted entry flight-path angle.

Constants kept here with their sources (candidates for :mod:`tianwen.bodies`):

* ``G0_M_S2 = 9.80665`` m/s^2, standard gravity (3rd CGPM, 1901), which defines Isp in seconds.
* Mars's rotation rate ``350.891982443297`` deg/day and north pole (IAU 2015: Archinal et al. 2018, Celest.
  Mech. Dyn. Astron. 130:22, as carried by NAIF's ``pck00011.tpc``: ``BODY499_PM``, ``BODY499_POLE_RA/DEC``,
  ``BODY499_NUT_PREC_RA/DEC``, ``BODY4_NUT_PREC_ANGLES``). The IAU 2009 model (``317.68143 - 0.1061 T``,
  ``52.88650 - 0.0609 T``, ``350.89198226`` deg/day) is superseded; at J2000 the two poles agree to 0.001 deg.

>>> round(float(capture_dv(2.648, 400.0, 400.0)), 4)           # into a 400 km circular orbit at Mars
2.0802
>>> bp = b_plane_target([2.0, 1.0, -0.5], 400.0, 30.0)       # EME2000 v-infinity, 400 km, 30 deg to EME2000
>>> round(float(bp.b_mag_km), 1), round(float(bp.theta_deg), 3)
(8728.6, 27.45)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .bodies import body as _lookup_body
from .errors import TianwenError
from .kepler import propagate, rv2coe

__all__ = [
    "G0_M_S2", "MARS_ROTATION_DEG_PER_DAY", "hyperbolic_dv", "capture_dv", "CaptureOrbit", "capture_orbit",
    "apoapsis_alt_from_period", "FiniteBurn", "finite_burn", "BPlane", "b_plane", "b_plane_target",
    "periapsis_state", "mars_pole", "EntryState", "entry_conditions", "entry_periapsis_alt",
]

G0_M_S2 = 9.80665  # standard gravity, m/s^2 (3rd CGPM 1901; exact)
_MIN_FINAL_MASS_FRACTION = 0.02  # finite_burn refuses burns leaving less (mass ratio > 50: no real stage)

#: Mars sidereal rotation, deg/day: IAU 2015 (Archinal et al. 2018), pck00011 BODY499_PM rate.
MARS_ROTATION_DEG_PER_DAY = 350.891982443297
_ROTATION_DEG_PER_DAY = {
    "mars": MARS_ROTATION_DEG_PER_DAY,
    "earth": 360.9856235,  # IAU 2015 (Archinal et al. 2018), BODY399_PM rate
}

# IAU 2015 Mars pole (pck00011): alpha0 = 317.269202 - 0.10927547 T + sum A_k sin(phi_k),
# delta0 = 54.432516 - 0.05827105 T + sum D_k cos(psi_k); phi, psi = c0 + c1 T (deg, T in Julian centuries TDB).
_MARS_POLE_RA = (317.269202, -0.10927547)
_MARS_POLE_DEC = (54.432516, -0.05827105)
_MARS_RA_TERMS = (  # (amplitude deg, angle c0 deg, angle c1 deg/century): BODY4_NUT_PREC_ANGLES 11-15
    (0.000068, 198.991226, 19139.4819985),
    (0.000238, 226.292679, 38280.8511281),
    (0.000052, 249.663391, 57420.7251593),
    (0.000009, 266.183510, 76560.6367950),
    (0.419057, 79.398797, 0.5042615),
)
_MARS_DEC_TERMS = (  # BODY4_NUT_PREC_ANGLES 16-20
    (0.000051, 122.433576, 19139.9407476),
    (0.000141, 43.058401, 38280.8753272),
    (0.000031, 57.663379, 57420.7517205),
    (0.000005, 79.476401, 76560.6495004),
    (1.591274, 166.325722, 0.5042615),
)


# --------------------------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------------------------


def _resolve(body):
    """A Body from a name, or the object itself if it has ``gm_km3_s2`` and ``radius_km``."""
    if isinstance(body, str):
        return _lookup_body(body)
    if hasattr(body, "gm_km3_s2") and hasattr(body, "radius_km"):
        return body
    raise TianwenError(f"body {body!r} is neither a body name nor an object with gm_km3_s2 and radius_km")


def _name(b) -> str:
    return str(getattr(b, "name", "the body"))


def _floats(x, name: str, unit: str) -> np.ndarray:
    """``x`` as a float array, every element finite; TianwenError naming the first bad value otherwise."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TianwenError(f"{name} = {x!r} is not a number ({unit})") from None
    bad = ~np.isfinite(a)
    if np.any(bad):
        raise TianwenError(f"{name} = {float(a[bad].flat[0])!r} {unit} is not finite; give a finite number")
    return a


def _first(a: np.ndarray, mask: np.ndarray) -> float:
    return float(np.broadcast_to(a, mask.shape)[mask].flat[0])


def _require(mask, a, message: str):
    """Raise ``message`` (formatted with the first offending value as ``{v}``) where ``mask`` is true."""
    mask = np.asarray(mask)
    if np.any(mask):
        raise TianwenError(message.format(v=_first(np.asarray(a, dtype=float), mask)))


def _vectors(x, name: str, unit: str) -> np.ndarray:
    a = _floats(x, name, unit)
    if a.ndim == 0 or a.shape[-1] != 3:
        raise TianwenError(f"{name} has shape {a.shape}; a Cartesian vector array needs shape (..., 3)")
    return a


def _altitude(x, name: str, b, *, allow_below_surface: bool = False) -> np.ndarray:
    """Altitude array (km above the mean radius), checked: >= 0, or, for a virtual periapsis, above the centre."""
    h = _floats(x, name, "km")
    if allow_below_surface:
        _require(h <= -b.radius_km, h, f"{name} {{v}} km puts the point at or below the centre of {_name(b)} "
                                       f"(mean radius {b.radius_km} km); it must exceed -{b.radius_km} km")
    else:
        _require(h < 0.0, h, f"{name} {{v}} km is below the surface of {_name(b)} (mean radius "
                             f"{b.radius_km} km); give an altitude >= 0 km")
    return h


def _vinf(x, *, positive: bool = False) -> np.ndarray:
    v = _floats(x, "vinf_kms", "km/s")
    if positive:
        _require(v <= 0.0, v, "vinf_kms = {v} km/s must be positive (a hyperbolic arrival)")
    else:
        _require(v < 0.0, v, "vinf_kms = {v} km/s is negative; the hyperbolic excess speed is >= 0")
    return v


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------------------------------
# Impulsive capture
# --------------------------------------------------------------------------------------------------------------


def hyperbolic_dv(vinf_kms, mu_km3_s2, periapsis_radius_km, apoapsis_radius_km=None):
    """Impulsive burn (km/s) at periapsis between a hyperbola of excess speed ``vinf`` and a closed orbit.

    The closed orbit shares the hyperbola's periapsis radius and has the given apoapsis radius (circular when
    ``apoapsis_radius_km`` is None): ``dv = sqrt(vinf^2 + 2 mu / rp) - sqrt(mu (2 / rp - 1 / a))`` with
    ``a = (rp + ra) / 2`` (vis-viva at periapsis). The same number is the departure burn from that orbit onto
    the hyperbola. All arguments broadcast. A NaN ``vinf`` (a porkchop cell with no transfer) gives NaN;
    bad radii, ``mu`` or a negative ``vinf`` raise :class:`TianwenError`.

    >>> round(float(hyperbolic_dv(2.943, 398600.0, 6378.0 + 300.0)), 3)   # Curtis (2014) Example 8.3: 3.590
    3.59
    """
    mu = _floats(mu_km3_s2, "mu_km3_s2", "km^3/s^2")
    _require(mu <= 0.0, mu, "mu = {v} km^3/s^2 is not positive; pass the central body's GM")
    rp = _floats(periapsis_radius_km, "periapsis_radius_km", "km")
    ra = rp if apoapsis_radius_km is None else _floats(apoapsis_radius_km, "apoapsis_radius_km", "km")
    bad = ~((rp > 0.0) & (ra >= rp))
    if np.any(bad):
        i = np.broadcast_arrays(rp, ra, bad)
        raise TianwenError(f"orbit radii periapsis {float(i[0][bad].flat[0])} km, apoapsis "
                           f"{float(i[1][bad].flat[0])} km: need 0 < periapsis <= apoapsis")
    try:
        vinf = np.asarray(vinf_kms, dtype=float)
    except (TypeError, ValueError):
        raise TianwenError(f"vinf_kms = {vinf_kms!r} is not a number (km/s)") from None
    with np.errstate(invalid="ignore"):
        _require(vinf < 0.0, vinf, "vinf_kms = {v} km/s is negative; the hyperbolic excess speed is >= 0")
    a = 0.5 * (rp + ra)
    return np.sqrt(vinf * vinf + 2.0 * mu / rp) - np.sqrt(mu * (2.0 / rp - 1.0 / a))


def _orbit_radii(periapsis_alt_km, apoapsis_alt_km, b):
    hp = _altitude(periapsis_alt_km, "periapsis_alt_km", b)
    ha = _altitude(apoapsis_alt_km, "apoapsis_alt_km", b)
    bad = np.broadcast_to(ha < hp, np.broadcast_shapes(hp.shape, ha.shape))
    if np.any(bad):
        p, q = (float(np.broadcast_to(x, bad.shape)[bad].flat[0]) for x in (ha, hp))
        raise TianwenError(f"apoapsis_alt_km {p} km is below periapsis_alt_km {q} km; apoapsis must be >= periapsis")
    return b.radius_km + hp, b.radius_km + ha


def capture_dv(vinf_kms, periapsis_alt_km, apoapsis_alt_km, *, body="mars"):
    """Impulsive capture burn (km/s) at the approach hyperbola's periapsis into the (periapsis, apoapsis) orbit.

    ``vinf_kms`` is the arrival hyperbolic excess speed; the altitudes (km above the mean radius) define the
    capture ellipse, whose periapsis is the hyperbola's. Arrays broadcast. Patched conic, coplanar: a plane
    change is set by the approach geometry (:func:`b_plane_target`), not by this burn.

    >>> round(float(capture_dv(2.65, 400.0, 400.0)), 3), round(float(capture_dv(2.65, 400.0, 80000.0)), 3)
    (2.081, 0.793)
    """
    b = _resolve(body)
    rp, ra = _orbit_radii(periapsis_alt_km, apoapsis_alt_km, b)
    return hyperbolic_dv(_vinf(vinf_kms), b.gm_km3_s2, rp, ra)


class CaptureOrbit(NamedTuple):
    """A closed orbit given by its apsides, each field an array of the broadcast shape."""

    periapsis_radius_km: np.ndarray
    apoapsis_radius_km: np.ndarray
    a_km: np.ndarray  #: semi-major axis
    ecc: np.ndarray
    period_s: np.ndarray
    periapsis_speed_kms: np.ndarray
    apoapsis_speed_kms: np.ndarray


def capture_orbit(periapsis_alt_km, apoapsis_alt_km, *, body="mars") -> CaptureOrbit:
    """Semi-major axis, eccentricity, period and apsis speeds of the orbit with these apsis altitudes (km).

    >>> o = capture_orbit(400.0, 400.0)
    >>> round(float(o.period_s) / 3600.0, 3), float(o.ecc)
    (1.967, 0.0)
    """
    b = _resolve(body)
    rp, ra = _orbit_radii(periapsis_alt_km, apoapsis_alt_km, b)
    rp, ra = np.broadcast_arrays(rp, ra)
    mu = b.gm_km3_s2
    a = 0.5 * (rp + ra)
    ecc = (ra - rp) / (ra + rp)
    period = 2.0 * math.pi * np.sqrt(a**3 / mu)
    vp = np.sqrt(mu * (2.0 / rp - 1.0 / a))
    va = np.sqrt(mu * (2.0 / ra - 1.0 / a))
    return CaptureOrbit(rp, ra, a, ecc, period, vp, va)


def apoapsis_alt_from_period(periapsis_alt_km, period_s, *, body="mars"):
    """Apoapsis altitude (km) of the orbit with this periapsis altitude (km) and period (s).

    ``a = (mu T^2 / 4 pi^2)^(1/3)``, ``ra = 2 a - rp``. A period shorter than the circular orbit's at the
    periapsis radius is refused.

    >>> round(float(apoapsis_alt_from_period(400.0, 10 * 86400.0)))      # Tianwen-1's ~10-day capture orbit
    179243
    """
    b = _resolve(body)
    hp = _altitude(periapsis_alt_km, "periapsis_alt_km", b)
    t = _floats(period_s, "period_s", "s")
    _require(t <= 0.0, t, "period_s = {v} s must be positive")
    rp = b.radius_km + hp
    a = np.cbrt(b.gm_km3_s2 * (t / (2.0 * math.pi)) ** 2)
    short = np.broadcast_to(a < rp * (1.0 - 1e-12), np.broadcast_shapes(a.shape, rp.shape))
    if np.any(short):
        tc = 2.0 * math.pi * np.sqrt(np.broadcast_to(rp, short.shape)[short].flat[0] ** 3 / b.gm_km3_s2)
        raise TianwenError(f"period_s = {_first(t, short)} s is shorter than the circular period {tc:.1f} s at "
                           f"that periapsis; give a longer period or a lower periapsis")
    return np.maximum(2.0 * a - rp, rp) - b.radius_km


# --------------------------------------------------------------------------------------------------------------
# Finite burn
# --------------------------------------------------------------------------------------------------------------


class FiniteBurn(NamedTuple):
    """Result of :func:`finite_burn`, each field an array of the broadcast shape."""

    duration_s: np.ndarray  #: burn duration
    start_s: np.ndarray  #: ignition time relative to the approach hyperbola's periapsis passage (= -duration/2)
    dv_kms: np.ndarray  #: dv actually spent, Isp g0 ln(m0 / m1)
    dv_impulsive_kms: np.ndarray  #: the impulsive burn at periapsis into the same orbit
    gravity_loss_kms: np.ndarray  #: dv_kms - dv_impulsive_kms
    propellant_kg: np.ndarray
    final_mass_kg: np.ndarray
    periapsis_alt_km: np.ndarray  #: cut-off orbit
    apoapsis_alt_km: np.ndarray  #: cut-off orbit


def _powered_arc(r0, v0, m0, duration, mu, acc_num, mdot, rtol, e_stop):
    """Integrate the planar thrust arc (thrust opposite to velocity) for ``duration`` s; final (r, v, m).

    The arc stops early if the specific energy falls to ``e_stop`` (well below the target): the root finder
    only needs to know it is past the target there, and flying on towards zero speed, where the thrust
    direction turns over, would make the equations stiff.
    """
    from scipy.integrate import solve_ivp

    def deep(_t, y):
        return 0.5 * (y[2] * y[2] + y[3] * y[3]) - mu / math.hypot(y[0], y[1]) - e_stop

    deep.terminal = True
    deep.direction = -1.0

    def rhs(_t, y):
        x, yy, vx, vy, m = y
        r3 = (x * x + yy * yy) ** 1.5
        v = math.hypot(vx, vy)
        a = acc_num / m / v  # thrust acceleration (km/s^2) over |v|
        return (vx, vy, -mu * x / r3 - a * vx, -mu * yy / r3 - a * vy, -mdot)

    y0 = (r0[0], r0[1], v0[0], v0[1], m0)
    sol = solve_ivp(rhs, (0.0, duration), y0, method="DOP853", rtol=rtol, atol=1e-12 * max(1.0, abs(r0[0])),
                    first_step=min(duration / 50.0, 1.0) if duration > 0 else None, events=deep)
    y = sol.y[:, -1]
    return y[0:2], y[2:4], y[4]


def _finite_burn_one(vinf, rp, ra, thrust, isp, m0, mu, radius, rtol):
    ve = isp * G0_M_S2 / 1000.0  # exhaust speed, km/s
    mdot = thrust / (isp * G0_M_S2)  # kg/s
    acc_num = thrust / 1000.0  # N -> kg km/s^2
    a_t = 0.5 * (rp + ra)
    e_target = -mu / (2.0 * a_t)
    vp = math.sqrt(vinf * vinf + 2.0 * mu / rp)
    dv_imp = vp - math.sqrt(mu * (2.0 / rp - 1.0 / a_t))
    tau_max = (1.0 - _MIN_FINAL_MASS_FRACTION) * m0 / mdot  # longest burn allowed
    too_small = (f"mass_kg = {m0} kg is too small: the burn into this orbit would leave less than "
                 f"{_MIN_FINAL_MASS_FRACTION:.0%} of it at thrust {thrust} N and Isp {isp} s")
    tau0 = m0 * (-math.expm1(-dv_imp / ve)) / mdot  # duration that spends the impulsive dv
    if tau0 >= tau_max:
        raise TianwenError(too_small)
    rp_vec = np.array([rp, 0.0, 0.0])
    vp_vec = np.array([0.0, vp, 0.0])

    def cutoff(tau):
        r0, v0 = propagate(rp_vec, vp_vec, -0.5 * tau, mu)
        return _powered_arc(r0[:2], v0[:2], m0, tau, mu, acc_num, mdot, rtol, 1.5 * e_target)

    def energy_excess(tau):
        r, v, _m = cutoff(tau)
        return 0.5 * float(v @ v) - mu / float(np.hypot(*r)) - e_target

    from scipy.optimize import brentq

    lo, hi = tau0, tau0
    f_lo = energy_excess(lo)
    f_hi = f_lo
    for _ in range(60):  # the energy falls monotonically with burn time (thrust opposes velocity): bracket it
        if f_lo > 0.0:
            break
        hi, f_hi = lo, f_lo
        lo *= 0.5
        f_lo = energy_excess(lo)
    for _ in range(60):
        if f_hi <= 0.0:
            break
        lo, f_lo = hi, f_hi
        hi = min(hi * 1.5, tau_max)
        if hi <= lo:
            raise TianwenError(too_small)
        f_hi = energy_excess(hi)
    if not (f_lo > 0.0 >= f_hi):
        raise TianwenError(f"finite burn did not reach the target orbit (thrust {thrust} N, mass {m0} kg)")
    tau = brentq(energy_excess, lo, hi, xtol=1e-12 * hi, rtol=1e-15, maxiter=200) if f_hi < 0.0 else hi
    r, v, m1 = cutoff(tau)
    el = rv2coe(np.array([r[0], r[1], 0.0]), np.array([v[0], v[1], 0.0]), mu)
    dv = ve * math.log(m0 / m1)
    peri = float(el.a) * (1.0 - float(el.ecc)) - radius
    apo = float(el.a) * (1.0 + float(el.ecc)) - radius
    return tau, -0.5 * tau, dv, dv_imp, dv - dv_imp, m0 - m1, m1, peri, apo


def finite_burn(vinf_kms, periapsis_alt_km, apoapsis_alt_km, *, thrust_n, isp_s, mass_kg, body="mars",
                rtol: float = 1e-11) -> FiniteBurn:
    """Finite-thrust capture burn into the (periapsis, apoapsis) orbit: duration, dv spent and gravity loss.

    Model (planar, two-body): the spacecraft flies the approach hyperbola of excess speed ``vinf_kms`` whose
    periapsis is at ``periapsis_alt_km``; a constant thrust ``thrust_n`` held opposite to the velocity burns
    ``thrust / (Isp g0)`` kg/s from the initial mass ``mass_kg``; the burn is centred on the time of periapsis
    passage of the unpowered hyperbola (ignition ``duration / 2`` before it). The duration is solved (Brent)
    so that the cut-off orbit has the energy of the wanted ellipse (hence its period and semi-major axis). The
    centred, tangential burn is not the optimal steering: the cut-off orbit's periapsis and apoapsis
    (reported) drift from the wanted ones by an amount that vanishes as thrust grows, and ``dv_kms`` tends to
    the impulsive :func:`capture_dv`. The powered arc is integrated by SciPy's DOP853 to ``rtol``.
    ``mass_kg`` is the whole mass at ignition (no dry mass is modelled); a burn that would leave less than
    2 % of it is refused as a mass too small for the job.

    Arrays broadcast; each element is one root-finding problem (about 0.1 s), solved in turn.
    """
    b = _resolve(body)
    rp, ra = _orbit_radii(periapsis_alt_km, apoapsis_alt_km, b)
    vinf = _vinf(vinf_kms)
    thrust = _floats(thrust_n, "thrust_n", "N")
    isp = _floats(isp_s, "isp_s", "s")
    m0 = _floats(mass_kg, "mass_kg", "kg")
    for arr, name, unit in ((thrust, "thrust_n", "N"), (isp, "isp_s", "s"), (m0, "mass_kg", "kg")):
        _require(arr <= 0.0, arr, f"{name} = {{v}} {unit} must be positive")
    args = np.broadcast_arrays(vinf, rp, ra, thrust, isp, m0)
    shape = args[0].shape
    out = np.empty((9,) + shape)
    for idx in np.ndindex(shape):
        out[(slice(None),) + idx] = _finite_burn_one(*(float(x[idx]) for x in args), b.gm_km3_s2, b.radius_km,
                                                     float(rtol))
    return FiniteBurn(*(out[k] for k in range(9)))


# --------------------------------------------------------------------------------------------------------------
# B-plane
# --------------------------------------------------------------------------------------------------------------


def mars_pole(epoch=None) -> np.ndarray:
    """Mars's IAU 2015 north pole as a unit vector in ICRF/EME2000, at ``epoch`` (an :class:`~tianwen.time.Epoch`
    or anything :func:`tianwen.time.epoch` reads; default J2000), shape ``epoch.shape + (3,)``.

    Archinal et al. (2018) via NAIF pck00011, the periodic terms included. At J2000 it points to right
    ascension 317.68086 deg, declination 52.88643 deg.
    """
    if epoch is None:
        t = np.zeros(())
    else:
        from .time import J2000_JD, Epoch, epoch as _epoch

        e = (epoch if isinstance(epoch, Epoch) else _epoch(epoch)).to("tdb")
        t = ((e.jd1 - J2000_JD) + e.jd2) / 36525.0
    ra = _MARS_POLE_RA[0] + _MARS_POLE_RA[1] * t
    dec = _MARS_POLE_DEC[0] + _MARS_POLE_DEC[1] * t
    for amp, c0, c1 in _MARS_RA_TERMS:
        ra = ra + amp * np.sin(np.radians(c0 + c1 * t))
    for amp, c0, c1 in _MARS_DEC_TERMS:
        dec = dec + amp * np.cos(np.radians(c0 + c1 * t))
    ra, dec = np.radians(ra), np.radians(dec)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def _pole(reference_pole) -> np.ndarray:
    if isinstance(reference_pole, str):
        key = reference_pole.strip().lower()
        if key in ("eme2000", "icrf", "j2000", "z"):
            return np.array([0.0, 0.0, 1.0])
        if key in ("mars", "iau_mars"):
            return mars_pole()
        raise TianwenError(f"reference_pole {reference_pole!r} is not known; use 'eme2000', 'mars' or a 3-vector")
    k = _vectors(reference_pole, "reference_pole", "(unit vector)")
    n = np.linalg.norm(k, axis=-1, keepdims=True)
    _require(n[..., 0] == 0.0, n[..., 0], "reference_pole has length {v}; give a non-zero vector")
    return k / n


class BPlane(NamedTuple):
    """B-plane description of a hyperbolic approach (km, km/s, deg); vector fields have a trailing axis of 3."""

    b_dot_t_km: np.ndarray
    b_dot_r_km: np.ndarray
    b_mag_km: np.ndarray  #: |B|, the impact parameter h / vinf
    theta_deg: np.ndarray  #: atan2(B.R, B.T), in [0, 360)
    vinf_kms: np.ndarray
    periapsis_radius_km: np.ndarray
    asymptote_dec_deg: np.ndarray  #: declination of S above the reference equator
    s_hat: np.ndarray
    t_hat: np.ndarray
    r_hat: np.ndarray
    b_vec_km: np.ndarray


def _frame(s_hat, k):
    """T and R unit vectors for asymptote ``s_hat`` and pole ``k``; TianwenError if S is along the pole."""
    sxk = np.cross(s_hat, k)
    n = np.linalg.norm(sxk, axis=-1, keepdims=True)
    if np.any(n < 1e-12):
        raise TianwenError("the asymptote S is parallel to the reference pole, so T = S x k is undefined; "
                           "choose another reference_pole")
    t_hat = sxk / n
    return t_hat, np.cross(s_hat, t_hat)


def _b_plane_from(s_hat, b_vec, vinf, rp, k) -> BPlane:
    t_hat, r_hat = _frame(s_hat, k)
    bt = np.einsum("...i,...i->...", b_vec, t_hat)
    br = np.einsum("...i,...i->...", b_vec, r_hat)
    theta = np.degrees(np.arctan2(br, bt)) % 360.0
    dec = np.degrees(np.arcsin(np.clip(np.einsum("...i,...i->...", s_hat, np.broadcast_to(k, s_hat.shape)),
                                       -1.0, 1.0)))
    return BPlane(bt, br, np.linalg.norm(b_vec, axis=-1), theta, vinf, rp, dec, s_hat, t_hat, r_hat, b_vec)


def b_plane(r_km, v_kms, *, body="mars", reference_pole=(0.0, 0.0, 1.0)) -> BPlane:
    """B-plane coordinates of the hyperbolic approach through the state (``r_km``, ``v_kms``), body-centred.

    Any state on the hyperbola gives the same answer (an approach state at the sphere of influence, or the
    periapsis state). ``reference_pole`` is the pole ``k`` that defines ``T = S x k / |S x k|``: a 3-vector in
    the state's frame, ``"eme2000"`` (the z axis, default) or ``"mars"`` (Mars's IAU 2015 pole at J2000,
    for EME2000 states). Conventions in the module docstring. A non-hyperbolic state is refused.

    >>> from tianwen.kepler import coe2rv
    >>> mu = 42828.37; e = 1.8; rp = 3389.5 + 400.0
    >>> r, v = coe2rv(rp * (1 + e), e, 0.0, 0.0, 0.0, 0.0, mu)      # equatorial, prograde, periapsis on +x
    >>> bp = b_plane(r, v, body="mars")
    >>> round(float(bp.b_dot_t_km), 3), round(float(bp.b_dot_r_km), 3), round(float(bp.theta_deg), 3)
    (7089.506, 0.0, 0.0)
    """
    b = _resolve(body)
    mu = b.gm_km3_s2
    r = _vectors(r_km, "r_km", "km")
    v = _vectors(v_kms, "v_kms", "km/s")
    r, v = np.broadcast_arrays(r, v)
    k = _pole(reference_pole)
    rn = np.linalg.norm(r, axis=-1)
    _require(rn == 0.0, rn, "r_km has length {v}; the state cannot be at the body's centre")
    v2 = np.einsum("...i,...i->...", v, v)
    vinf2 = v2 - 2.0 * mu / rn
    _require(vinf2 <= 0.0, vinf2, f"the state is not hyperbolic about {_name(b)} (v^2 - 2 mu / r = {{v}} "
                                  "km^2/s^2); the B-plane needs an approach with positive energy")
    h = np.cross(r, v)
    hn = np.linalg.norm(h, axis=-1)
    _require(hn == 0.0, hn, "the state is rectilinear (angular momentum {v}); its B-plane is undefined")
    h_hat = h / hn[..., None]
    rdv = np.einsum("...i,...i->...", r, v)
    e_vec = ((v2 - mu / rn)[..., None] * r - rdv[..., None] * v) / mu
    ecc = np.linalg.norm(e_vec, axis=-1)
    p_hat = e_vec / ecc[..., None]
    q_hat = np.cross(h_hat, p_hat)
    c = 1.0 / ecc
    s = np.sqrt(1.0 - c * c)
    s_hat = c[..., None] * p_hat + s[..., None] * q_hat  # incoming asymptote: velocity direction at nu -> -nu_inf
    vinf = np.sqrt(vinf2)
    b_vec = (hn / vinf)[..., None] * np.cross(s_hat, h_hat)
    rp = hn * hn / mu / (1.0 + ecc)
    return _b_plane_from(s_hat, b_vec, vinf, rp, k)


def b_plane_target(vinf_vec_kms, periapsis_alt_km, inclination_deg, *, body="mars",
                   reference_pole=(0.0, 0.0, 1.0), ascending: bool = True) -> BPlane:
    """The B-plane target that gives a periapsis altitude (km) and an inclination (deg, to the reference equator).

    ``vinf_vec_kms`` is the arrival v-infinity vector (..., 3) in the frame of ``reference_pole`` (see
    :func:`b_plane`). ``|B| = rp sqrt(1 + 2 mu / (rp vinf^2))`` and ``cos(i) = cos(dec_S) cos(theta)`` (derived
    in the module docstring). Of the two B-plane angles ``theta = +/- arccos(cos i / cos dec_S)``:

    * ``ascending=True`` takes ``theta`` in [0, 180] (``B.R >= 0``, ``B . k <= 0``): the undeflected asymptote
      passes south of the centre, and the orbit's ascending node lies *downrange*: the node vector
      ``k x h_hat = sin(theta) S_h + cos(theta) sin(dec_S) T`` (``S_h`` the unit projection of S on the
      equator) has a positive component along ``S_h``;
    * ``ascending=False`` takes ``theta`` in (180, 360) (``B.R < 0``): passes north, descending node downrange.

    For an asymptote in the reference equator (``dec_S = 0``) this is literal: the spacecraft comes in from
    the direction of one node and crosses the equator once, on the far side of the body, northbound
    (``ascending=True``) or southbound. For a declined asymptote the sign rule above is the definition.

    ``periapsis_alt_km`` may be negative down to the centre (a virtual periapsis, for an entry: see
    :func:`entry_periapsis_alt`). An inclination outside ``[|dec_S|, 180 - |dec_S|]`` cannot be reached from
    this asymptote without a burn and raises :class:`TianwenError`.
    """
    b = _resolve(body)
    mu = b.gm_km3_s2
    vv = _vectors(vinf_vec_kms, "vinf_vec_kms", "km/s")
    vinf = np.linalg.norm(vv, axis=-1)
    _require(vinf == 0.0, vinf, "vinf_vec_kms has length {v} km/s; a hyperbolic arrival needs vinf > 0")
    hp = _altitude(periapsis_alt_km, "periapsis_alt_km", b, allow_below_surface=True)
    inc = _floats(inclination_deg, "inclination_deg", "deg")
    _require((inc < 0.0) | (inc > 180.0), inc, "inclination_deg = {v} deg is outside [0, 180]")
    k = _pole(reference_pole)
    s_hat = vv / vinf[..., None]
    t_hat, r_hat = _frame(s_hat, k)
    sin_dec = np.clip(np.einsum("...i,...i->...", s_hat, np.broadcast_to(k, s_hat.shape)), -1.0, 1.0)
    cos_dec = np.sqrt(1.0 - sin_dec * sin_dec)
    cos_i = np.cos(np.radians(inc))
    ratio = cos_i / cos_dec
    shape = np.broadcast_shapes(ratio.shape, hp.shape)
    bad = np.broadcast_to(np.abs(ratio) > 1.0 + 1e-12, np.broadcast_shapes(ratio.shape, inc.shape))
    if np.any(bad):
        i_bad = _first(inc, bad)
        d_bad = float(np.degrees(np.arcsin(np.abs(np.broadcast_to(sin_dec, bad.shape)[bad].flat[0]))))
        side = "below" if i_bad < 90.0 else "above 180 deg minus"
        raise TianwenError(f"inclination_deg = {i_bad} deg is {side} the asymptote declination {d_bad:.4f} deg: "
                           f"reachable inclinations from this v-infinity are {d_bad:.4f} to {180 - d_bad:.4f} deg")
    theta = np.arccos(np.clip(ratio, -1.0, 1.0))
    if not ascending:
        theta = -theta
    rp = b.radius_km + hp
    bmag = rp * np.sqrt(1.0 + 2.0 * mu / (rp * vinf * vinf))
    b_vec = bmag[..., None] * (np.cos(theta)[..., None] * t_hat + np.sin(theta)[..., None] * r_hat)
    b_vec, s_hat = np.broadcast_arrays(b_vec, s_hat)
    return _b_plane_from(s_hat, b_vec, np.broadcast_to(vinf, shape), np.broadcast_to(rp, shape), k)


def periapsis_state(vinf_vec_kms, b_vec_km, *, body="mars"):
    """Periapsis position (km) and velocity (km/s) of the hyperbola with this v-infinity vector and B vector.

    ``B`` must be perpendicular to v-infinity (as :func:`b_plane_target` returns it). With ``S`` the unit
    v-infinity, ``e = sqrt(1 + (|B| vinf^2 / mu)^2)``, ``rp = mu (e - 1) / vinf^2``, and the periapsis direction
    ``P = S / e + sqrt(1 - 1/e^2) B_hat``, the velocity along ``Q = sqrt(1 - 1/e^2) S - B_hat / e``. Propagate it
    backward (:func:`tianwen.kepler.propagate`) for an approach state.
    """
    b = _resolve(body)
    mu = b.gm_km3_s2
    vv = _vectors(vinf_vec_kms, "vinf_vec_kms", "km/s")
    bv = _vectors(b_vec_km, "b_vec_km", "km")
    vv, bv = np.broadcast_arrays(vv, bv)
    vinf = np.linalg.norm(vv, axis=-1)
    bmag = np.linalg.norm(bv, axis=-1)
    _require(vinf == 0.0, vinf, "vinf_vec_kms has length {v} km/s; a hyperbolic arrival needs vinf > 0")
    _require(bmag == 0.0, bmag, "b_vec_km has length {v} km; a zero B vector is a head-on (rectilinear) approach")
    s_hat = vv / vinf[..., None]
    b_hat = bv / bmag[..., None]
    along = np.abs(np.einsum("...i,...i->...", s_hat, b_hat))
    _require(along > 1e-9, along, "b_vec_km is not perpendicular to vinf_vec_kms (|cos angle| = {v}); "
                                  "B lies in the plane normal to the asymptote")
    ecc = np.sqrt(1.0 + (bmag * vinf * vinf / mu) ** 2)
    c = 1.0 / ecc
    s = np.sqrt(1.0 - c * c)
    rp = mu * (ecc - 1.0) / (vinf * vinf)
    p_hat = c[..., None] * s_hat + s[..., None] * b_hat
    q_hat = s[..., None] * s_hat - c[..., None] * b_hat
    vp = np.sqrt(vinf * vinf + 2.0 * mu / rp)
    return rp[..., None] * p_hat, vp[..., None] * q_hat


# --------------------------------------------------------------------------------------------------------------
# Entry
# --------------------------------------------------------------------------------------------------------------


class EntryState(NamedTuple):
    """Conditions at the entry interface, each field an array of the broadcast shape (km/s, deg, km)."""

    speed_kms: np.ndarray  #: inertial speed
    fpa_deg: np.ndarray  #: inertial flight-path angle, negative descending
    radius_km: np.ndarray  #: entry interface radius (mean radius + entry altitude)
    relative_speed_kms: np.ndarray  #: speed relative to the rotating atmosphere (NaN without latitude/heading)
    relative_fpa_deg: np.ndarray  #: flight-path angle relative to the atmosphere (NaN without latitude/heading)
    relative_heading_deg: np.ndarray  #: azimuth of the atmosphere-relative velocity, from north through east


def entry_conditions(vinf_kms, periapsis_alt_km, entry_alt_km=125.0, *, body="mars", latitude_deg=None,
                     heading_deg=None, rotation_deg_per_day=None) -> EntryState:
    """Speed and flight-path angle where the approach hyperbola meets the entry interface.

    Inertial (body-centred, non-rotating): ``v = sqrt(vinf^2 + 2 mu / r)`` (energy) and
    ``cos(gamma) = rp vp / (r v)`` (angular momentum), ``gamma < 0`` on the way in; ``periapsis_alt_km`` is
    the hyperbola's, usually below the entry altitude and often below the surface (a virtual periapsis).

    Atmosphere-relative, when ``latitude_deg`` (of the entry point, to the body's equator) and ``heading_deg``
    (azimuth of the inertial velocity, clockwise from north) are given: the atmosphere co-rotates at
    ``omega r cos(latitude)`` eastward, ``omega`` from ``rotation_deg_per_day`` (default: Mars, IAU 2015
    350.891982443297 deg/day; Earth 360.9856235). The entry interface is at the mean radius plus
    ``entry_alt_km`` (125 km by default, the entry altitude published for Tianwen-1, data/missions/tianwen-1.toml).
    """
    b = _resolve(body)
    mu = b.gm_km3_s2
    vinf = _vinf(vinf_kms)
    hp = _altitude(periapsis_alt_km, "periapsis_alt_km", b, allow_below_surface=True)
    he = _altitude(entry_alt_km, "entry_alt_km", b)
    above = np.broadcast_to(hp > he, np.broadcast_shapes(hp.shape, he.shape))
    if np.any(above):
        raise TianwenError(f"periapsis_alt_km {_first(hp, above)} km is above entry_alt_km {_first(he, above)} "
                           "km: the hyperbola never reaches the entry interface")
    rp = b.radius_km + hp
    re = b.radius_km + he
    v = np.sqrt(vinf * vinf + 2.0 * mu / re)
    h = rp * np.sqrt(vinf * vinf + 2.0 * mu / rp)
    gamma = -np.arccos(np.clip(h / (re * v), -1.0, 1.0))
    shape = np.broadcast_shapes(v.shape, gamma.shape)
    nan = np.full(shape, np.nan)
    if latitude_deg is None and heading_deg is None:
        return EntryState(np.broadcast_to(v, shape), np.broadcast_to(np.degrees(gamma), shape),
                          np.broadcast_to(re, shape), nan, nan, nan)
    if latitude_deg is None or heading_deg is None:
        raise TianwenError("give both latitude_deg and heading_deg for atmosphere-relative entry conditions")
    lat = _floats(latitude_deg, "latitude_deg", "deg")
    _require(np.abs(lat) > 90.0, lat, "latitude_deg = {v} deg is outside [-90, 90]")
    psi = np.radians(_floats(heading_deg, "heading_deg", "deg"))
    if rotation_deg_per_day is None:
        key = _name(b).lower()
        if key not in _ROTATION_DEG_PER_DAY:
            raise TianwenError(f"no rotation rate known for {_name(b)}; pass rotation_deg_per_day")
        rate = _ROTATION_DEG_PER_DAY[key]
    else:
        rate = float(_floats(rotation_deg_per_day, "rotation_deg_per_day", "deg/day"))
    omega = math.radians(rate) / 86400.0
    up = v * np.sin(gamma)
    east = v * np.cos(gamma) * np.sin(psi) - omega * re * np.cos(np.radians(lat))
    north = v * np.cos(gamma) * np.cos(psi)
    vrel = np.sqrt(up * up + east * east + north * north)
    return EntryState(np.broadcast_to(v, vrel.shape), np.broadcast_to(np.degrees(gamma), vrel.shape),
                      np.broadcast_to(re, vrel.shape), vrel, np.degrees(np.arcsin(up / vrel)),
                      np.degrees(np.arctan2(east, north)) % 360.0)


def entry_periapsis_alt(vinf_kms, fpa_deg, entry_alt_km=125.0, *, body="mars"):
    """Periapsis altitude (km; negative = virtual, below the surface) of the hyperbola that enters at ``fpa_deg``.

    Inverse of :func:`entry_conditions`: ``h = r v cos(gamma)`` at the interface, then ``rp`` solves
    ``vinf^2 rp^2 + 2 mu rp - h^2 = 0``, taken as ``h^2 / (mu + sqrt(mu^2 + vinf^2 h^2))``. ``fpa_deg`` in
    [-90, 0] (0: periapsis at the interface).
    """
    b = _resolve(body)
    mu = b.gm_km3_s2
    vinf = _vinf(vinf_kms)
    g = _floats(fpa_deg, "fpa_deg", "deg")
    _require((g > 0.0) | (g < -90.0), g, "fpa_deg = {v} deg is outside [-90, 0]; entry is descending")
    he = _altitude(entry_alt_km, "entry_alt_km", b)
    re = b.radius_km + he
    v = np.sqrt(vinf * vinf + 2.0 * mu / re)
    h = re * v * np.cos(np.radians(g))
    rp = h * h / (mu + np.sqrt(mu * mu + vinf * vinf * h * h))
    return rp - b.radius_km


_G0_KMS2 = 9.80665e-3  # standard gravity, km/s^2


def burn_dv(thrust_n: float, duration_s: float, mass_kg: float, isp_s: float) -> tuple[float, float]:
    """(Δv km/s, propellant kg) of a constant-thrust burn of ``duration_s`` from ``mass_kg`` (rocket equation)."""
    mdot = float(thrust_n) / (float(isp_s) * _G0_KMS2 * 1000.0)
    used = mdot * float(duration_s)
    if not 0.0 <= used < mass_kg:
        raise TianwenError(f"a {duration_s} s burn at {thrust_n} N would use {used:.0f} kg of {mass_kg:.0f} kg")
    return float(isp_s) * _G0_KMS2 * math.log(mass_kg / (mass_kg - used)), used
