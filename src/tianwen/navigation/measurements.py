"""Radiometric measurements of a spacecraft from ground stations: two-way range, two-way Doppler (range rate) and
delta-DOR, each with its light time and its partial derivatives.

**Frames and times.** Everything is computed in the solar-system barycentric frame (ICRF axes, DE421) at TDB
epochs, as :mod:`tianwen.tracking` does. A station is the Earth's barycentric state plus the site's ITRS
position rotated into the GCRS (:func:`tianwen.tracking.earth.c2t_and_cip`, IERS 2010 through pyerfa), moving
with the Earth's rotation. The spacecraft is any object with ``state(tdb) -> (r_km, v_kms)`` Sun-centred (a
reconstructed cruise, a :class:`~tianwen.propagate.Trajectory`, ...); the Sun's barycentric state is added.
Epochs of a measurement are the *reception* times at the (receiving) station, as TDB.

**Light time** (Moyer 2000, *Formulation for Observed and Computed Values of Deep Space Network Data Types*,
JPL DESCANSO Monograph 2, ch. 8, without the Shapiro delay and the media): the down leg ``tau_d`` solves
``c tau_d = |r_sc(t_R - tau_d) - R(t_R)|`` and the up leg ``tau_u`` solves
``c tau_u = |r_sc(t_T) - R(t_T - tau_u)|`` with ``t_T = t_R - tau_d`` the bounce time, each by fixed-point
iteration to double precision (it converges by a factor ``v/c ~ 1e-4`` a step).

**Observables** (all reported in km or km/s):

* *two-way range* ``rho = c (tau_u + tau_d) / 2`` (the one-way equivalent of the round-trip light time);
* *two-way Doppler* as the differenced range over a count interval ``Tc`` (Moyer's formulation of two-way
  Doppler): ``(rho(t_R + Tc/2) - rho(t_R - Tc/2)) / Tc``, the mean range rate over the count;
* *delta-DOR* ``c (tau_d,B - tau_d,A)``: the difference of the one-way down-leg light times to two stations at
  the same reception epoch (the quasar observed alternately removes clocks and media, which are not modelled),
  i.e. the delay on the baseline A -> B as a distance; an angular accuracy ``sigma_nrad`` is ``sigma_nrad * 1e-9 *
  |B|`` in these units.

**Partial derivatives** are exact to first order for a perturbation of the spacecraft trajectory
``delta r(t) = delta r_ref + delta v_ref (t - t_ref)`` about a reference epoch ``t_ref`` (the bounce time for
range, the mean bounce time of the count for Doppler and of the two down legs for delta-DOR), with the light
times allowed to move. Differentiating the light-time equations gives, with unit vectors ``u_d`` (station at
reception to spacecraft) and ``u_u`` (station at transmission to spacecraft)::

    delta tau_d (c + u_d . v_sc) = u_d . (delta r - delta R_R)
    delta tau_u (c - u_u . V_U)  = u_u . (delta r - delta R_U) - u_u . (v_sc - V_U) delta tau_d

``R_R``, ``R_U`` being the station at reception and transmission. The same expressions give the partials with
respect to a station's ITRS position (a consider parameter) and to a common offset of the Earth's position (the
Earth's ephemeris). ``tests/test_navigation.py`` checks them all against finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..bodies import C_KMS, DAY_S
from ..errors import TianwenError
from ..time import Epoch, epoch as _epoch

__all__ = ["RANGE", "DOPPLER", "DDOR", "KIND_NAMES", "StationStates", "station_states", "spacecraft_states",
           "Geometry", "two_way_range", "doppler", "ddor", "Measurements", "predict"]

RANGE, DOPPLER, DDOR = 0, 1, 2
KIND_NAMES = ("range", "doppler", "ddor")
_MAX_ITER = 12


def _tdb(epochs) -> Epoch:
    t = epochs if isinstance(epochs, Epoch) else _epoch(epochs)
    t = t.to("tdb")
    return Epoch(np.atleast_1d(t.jd1).ravel(), np.atleast_1d(t.jd2).ravel(), "tdb")


def _shift(t: Epoch, seconds) -> Epoch:
    return Epoch(t.jd1, t.jd2 + np.asarray(seconds, float) / DAY_S, "tdb")


def _de421():
    from ..ephemeris import get_ephemeris

    return get_ephemeris("de421")


@dataclass
class StationStates:
    """A station at TDB epochs: barycentric ICRF position (km) and velocity (km/s), and the GCRS -> ITRS
    rotation (n, 3, 3) that turns an ITRS offset of the site into the ICRF (``delta R = M^T delta x``)."""

    r_km: np.ndarray
    v_kms: np.ndarray
    c2t: np.ndarray


def station_states(site, tdb) -> StationStates:
    """Barycentric state of a station (a :class:`~tianwen.tracking.Site` or a catalogue name) at TDB epochs
    (flattened): the Earth's DE421 state plus the site rotating with the Earth (about the CIP)."""
    from ..tracking import OMEGA_EARTH_RAD_S
    from ..tracking.earth import c2t_and_cip, tai_tdb
    from ..tracking.sites import as_site

    s = as_site(site)
    t = _tdb(tdb)
    tai, _ = tai_tdb(t)
    c2t, pole = c2t_and_cip(tai)
    x = s.itrs_km
    r_e, v_e = _de421().barycentric("earth", t)
    r = r_e + np.einsum("nji,j->ni", c2t, x)
    v = v_e + np.einsum("nji,nj->ni", c2t, np.cross(OMEGA_EARTH_RAD_S * pole, x))
    return StationStates(r, v, c2t)


def spacecraft_states(spacecraft, tdb) -> tuple[np.ndarray, np.ndarray]:
    """Barycentric ICRF state (km, km/s) of ``spacecraft`` (an object with a Sun-centred ``state(tdb)``) at
    TDB epochs, flat (n, 3) arrays."""
    t = _tdb(tdb)
    r, v = spacecraft.state(t)
    rs, vs = _de421().barycentric("sun", t)
    return np.asarray(r, float).reshape(-1, 3) + rs, np.asarray(v, float).reshape(-1, 3) + vs


def _down_leg(spacecraft, t_r: Epoch, rx: StationStates):
    """Down-leg light time (s), bounce epoch and the spacecraft's barycentric state there."""
    tau = np.zeros(t_r.jd1.shape)
    for _ in range(_MAX_ITER):
        t_t = _shift(t_r, -tau)
        r, v = spacecraft_states(spacecraft, t_t)
        new = np.linalg.norm(r - rx.r_km, axis=1) / C_KMS
        change = np.max(np.abs(new - tau)) if new.size else 0.0
        tau = new
        if change < 1e-12:
            break
    t_t = _shift(t_r, -tau)
    r, v = spacecraft_states(spacecraft, t_t)
    tau = np.linalg.norm(r - rx.r_km, axis=1) / C_KMS
    return tau, t_t, r, v


def _up_leg(site, t_t: Epoch, r_sc: np.ndarray):
    """Up-leg light time (s) from the station to the spacecraft at the bounce epochs, and the station then."""
    tau = np.zeros(t_t.jd1.shape)
    for _ in range(_MAX_ITER):
        tx = station_states(site, _shift(t_t, -tau))
        new = np.linalg.norm(r_sc - tx.r_km, axis=1) / C_KMS
        change = np.max(np.abs(new - tau)) if new.size else 0.0
        tau = new
        if change < 1e-12:
            break
    tx = station_states(site, _shift(t_t, -tau))
    tau = np.linalg.norm(r_sc - tx.r_km, axis=1) / C_KMS
    return tau, tx


@dataclass
class Geometry:
    """Computed observables and their partial derivatives (arrays over the epochs).

    ``value``: km (range, delta-DOR) or km/s (Doppler). ``t_ref``: the TDB reference epoch of each partial;
    ``d_state`` (n, 6): d value / d (r, v) of the spacecraft at ``t_ref`` (Sun-centred or barycentric, the same
    thing); ``d_site_a``, ``d_site_b`` (n, 3): d value / d ITRS position (km) of the first and second station
    (zeros where there is no second one); ``d_earth`` (n, 3): d value / d a common offset of the Earth's ICRF
    position. ``light_time_s``: the round trip (range, Doppler) or the first station's down leg (delta-DOR).
    """

    value: np.ndarray
    t_ref: Epoch
    d_state: np.ndarray
    d_site_a: np.ndarray
    d_site_b: np.ndarray
    d_earth: np.ndarray
    light_time_s: np.ndarray


def _range_parts(spacecraft, site, t_r: Epoch):
    """Two-way range at reception epochs: (rho, bounce epoch, d rho/d r_sc at bounce, d/d site ITRS, d/d earth)."""
    rx = station_states(site, t_r)
    tau_d, t_t, r_sc, v_sc = _down_leg(spacecraft, t_r, rx)
    tau_u, tx = _up_leg(site, t_t, r_sc)
    dd = r_sc - rx.r_km
    ud = dd / np.linalg.norm(dd, axis=1)[:, None]
    du = r_sc - tx.r_km
    uu = du / np.linalg.norm(du, axis=1)[:, None]
    a_d = ud / (C_KMS + np.einsum("ni,ni->n", ud, v_sc))[:, None]
    den_u = C_KMS - np.einsum("ni,ni->n", uu, tx.v_kms)
    a_u = uu / den_u[:, None]
    k = np.einsum("ni,ni->n", uu, v_sc - tx.v_kms) / den_u
    half_c = 0.5 * C_KMS
    d_r = half_c * ((1.0 - k)[:, None] * a_d + a_u)
    d_rr = -half_c * (1.0 - k)[:, None] * a_d  # d rho / d R at reception (ICRF)
    d_ru = -half_c * a_u  # d rho / d R at transmission
    d_site = np.einsum("nij,nj->ni", rx.c2t, d_rr) + np.einsum("nij,nj->ni", tx.c2t, d_ru)
    rho = half_c * (tau_u + tau_d)
    return rho, t_t, d_r, d_site, d_rr + d_ru, tau_u + tau_d


def two_way_range(spacecraft, epochs, site) -> Geometry:
    """Two-way range (km, one-way equivalent) of ``spacecraft`` from ``site`` received at ``epochs`` (TDB unless
    a scale is given), with partials at the bounce epoch (see the module docstring)."""
    t_r = _tdb(epochs)
    rho, t_t, d_r, d_site, d_earth, lt = _range_parts(spacecraft, site, t_r)
    d_state = np.concatenate([d_r, np.zeros_like(d_r)], axis=1)
    return Geometry(rho, t_t, d_state, d_site, np.zeros_like(d_site), d_earth, lt)


def _seconds_between(a: Epoch, b: Epoch) -> np.ndarray:
    return ((a.jd1 - b.jd1) + (a.jd2 - b.jd2)) * DAY_S


def doppler(spacecraft, epochs, site, count_s: float = 60.0) -> Geometry:
    """Two-way Doppler as the mean range rate (km/s) over a count of ``count_s`` seconds centred on each
    reception epoch: ``(rho(t + Tc/2) - rho(t - Tc/2)) / Tc`` (module docstring); partials at the mean of the
    count's two bounce epochs."""
    if not (np.isfinite(count_s) and count_s > 0):
        raise TianwenError(f"count_s = {count_s!r}: the Doppler count interval must be a positive number of seconds")
    t_r = _tdb(epochs)
    n = t_r.jd1.size
    both = Epoch(np.concatenate([t_r.jd1, t_r.jd1]),
                 np.concatenate([t_r.jd2 - 0.5 * count_s / DAY_S, t_r.jd2 + 0.5 * count_s / DAY_S]), "tdb")
    rho, t_t, d_r, d_site, d_earth, lt = _range_parts(spacecraft, site, both)
    lo, hi = slice(0, n), slice(n, 2 * n)
    value = (rho[hi] - rho[lo]) / count_s
    t_ref = Epoch(t_t.jd1[lo], 0.5 * (t_t.jd2[lo] + t_t.jd2[hi]), "tdb")
    dt_lo = _seconds_between(t_t[lo], t_ref)
    dt_hi = _seconds_between(t_t[hi], t_ref)
    d_pos = (d_r[hi] - d_r[lo]) / count_s
    d_vel = (d_r[hi] * dt_hi[:, None] - d_r[lo] * dt_lo[:, None]) / count_s
    return Geometry(value, t_ref, np.concatenate([d_pos, d_vel], axis=1), (d_site[hi] - d_site[lo]) / count_s,
                    np.zeros((n, 3)), (d_earth[hi] - d_earth[lo]) / count_s, 0.5 * (lt[lo] + lt[hi]))


def _one_way(spacecraft, site, t_r: Epoch):
    rx = station_states(site, t_r)
    tau, t_t, r_sc, v_sc = _down_leg(spacecraft, t_r, rx)
    d = r_sc - rx.r_km
    u = d / np.linalg.norm(d, axis=1)[:, None]
    a = C_KMS * u / (C_KMS + np.einsum("ni,ni->n", u, v_sc))[:, None]  # d (c tau) / d r_sc
    return C_KMS * tau, t_t, a, np.einsum("nij,nj->ni", rx.c2t, -a), -a, tau


def ddor(spacecraft, epochs, site_a, site_b) -> Geometry:
    """Delta-DOR on the baseline ``site_a`` -> ``site_b`` at reception ``epochs``: ``c (tau_d,B - tau_d,A)``
    (km), with partials at the mean of the two bounce epochs (module docstring)."""
    t_r = _tdb(epochs)
    ra, ta, aa, sa, ea, lt = _one_way(spacecraft, site_a, t_r)
    rb, tb, ab, sb, eb, _ = _one_way(spacecraft, site_b, t_r)
    t_ref = Epoch(ta.jd1, 0.5 * (ta.jd2 + tb.jd2), "tdb")
    dta = _seconds_between(ta, t_ref)[:, None]
    dtb = _seconds_between(tb, t_ref)[:, None]
    d_state = np.concatenate([ab - aa, ab * dtb - aa * dta], axis=1)
    return Geometry(rb - ra, t_ref, d_state, -sa, sb, eb - ea, lt)


@dataclass
class Measurements:
    """A set of measurements (arrays of one length ``n``): ``kind`` (:data:`RANGE`, :data:`DOPPLER`,
    :data:`DDOR`), station indices ``station_a`` and ``station_b`` (delta-DOR's second station; -1 otherwise)
    into ``stations``, reception epochs ``t`` (TDB), ``value`` (km or km/s; NaN when only planned),
    ``sigma`` (same units), ``count_s`` (Doppler count interval, s). ``stations`` are
    :class:`~tianwen.tracking.Site` objects."""

    stations: tuple
    kind: np.ndarray
    station_a: np.ndarray
    station_b: np.ndarray
    t: Epoch
    value: np.ndarray
    sigma: np.ndarray
    count_s: np.ndarray
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.kind.size)

    def select(self, mask) -> "Measurements":
        """The measurements where ``mask`` (boolean or index array) holds; the station list is kept."""
        m = np.asarray(mask)
        return Measurements(self.stations, self.kind[m], self.station_a[m], self.station_b[m],
                            Epoch(self.t.jd1[m], self.t.jd2[m], "tdb"), self.value[m], self.sigma[m], self.count_s[m],
                            dict(self.meta))

    def with_values(self, value) -> "Measurements":
        """A copy carrying observed ``value`` (same length)."""
        v = np.asarray(value, float)
        if v.shape != self.kind.shape:
            raise TianwenError(f"value has shape {v.shape}; the measurements need {self.kind.shape}")
        return Measurements(self.stations, self.kind, self.station_a, self.station_b, self.t, v, self.sigma,
                            self.count_s, dict(self.meta))

    def counts(self) -> dict:
        """Number of measurements by kind name."""
        return {name: int(np.sum(self.kind == k)) for k, name in enumerate(KIND_NAMES)}


def predict(spacecraft, measurements: Measurements) -> Geometry:
    """Computed values and partials of every measurement of ``measurements`` for ``spacecraft``: one vectorised
    call per (kind, station, station, count) group, reassembled in the original order."""
    n = len(measurements)
    value = np.full(n, np.nan)
    jd1, jd2 = np.zeros(n), np.zeros(n)
    d_state = np.zeros((n, 6))
    d_a, d_b, d_e = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros((n, 3))
    lt = np.zeros(n)
    m = measurements
    keys = np.stack([m.kind, m.station_a, m.station_b, np.round(m.count_s, 9) * 1e3], axis=1) if n else np.zeros((0, 4))
    for key in np.unique(keys, axis=0):
        sel = np.flatnonzero(np.all(keys == key, axis=1))
        t = Epoch(m.t.jd1[sel], m.t.jd2[sel], "tdb")
        kind, a, b = int(key[0]), int(key[1]), int(key[2])
        if kind == RANGE:
            g = two_way_range(spacecraft, t, m.stations[a])
        elif kind == DOPPLER:
            g = doppler(spacecraft, t, m.stations[a], float(m.count_s[sel[0]]))
        elif kind == DDOR:
            g = ddor(spacecraft, t, m.stations[a], m.stations[b])
        else:
            raise TianwenError(f"measurement kind {kind}: use RANGE (0), DOPPLER (1) or DDOR (2)")
        value[sel], d_state[sel], d_a[sel], d_b[sel], d_e[sel], lt[sel] = (g.value, g.d_state, g.d_site_a, g.d_site_b,
                                                                          g.d_earth, g.light_time_s)
        jd1[sel], jd2[sel] = g.t_ref.jd1, g.t_ref.jd2
    return Geometry(value, Epoch(jd1, jd2, "tdb"), d_state, d_a, d_b, d_e, lt)
