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
``c tau_u = |r_sc(t_T) - R(t_T - tau_u)|`` with ``t_T = t_R - tau_d`` the bounce time. Each leg is solved by
the compiled kernel :func:`tianwen.core.measurements.light_time` (Newton's method on a linear motion of the
moving end about its state at a guessed epoch), the states being evaluated again at the solution until a pass
moves the light time by less than 1 ms: two evaluations of the spacecraft for the down leg, usually one of the
station for the up leg (first guess: the station at reception moved back along its velocity). The partials,
the Doppler count and the delta-DOR difference are kernels of the same module.

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
from ..core import measurements as _k
from ..errors import TianwenError
from ..time import Epoch, epoch as _epoch

__all__ = ["RANGE", "DOPPLER", "DDOR", "KIND_NAMES", "StationStates", "station_states", "spacecraft_states",
           "Geometry", "two_way_range", "doppler", "ddor", "Measurements", "predict"]

RANGE, DOPPLER, DDOR = 0, 1, 2
KIND_NAMES = ("range", "doppler", "ddor")
_MAX_PASSES = 6  # evaluations of the states per leg; two are the rule (core.measurements)


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


def _leg(evaluate, fixed_km: np.ndarray, tau_s: np.ndarray):
    """Light time on one leg by :func:`tianwen.core.measurements.light_time`: ``evaluate(tau)`` gives the moving
    end's barycentric position and velocity (and anything else) at the guessed epochs; the states are evaluated
    again until a pass moves the light time by less than ``LIGHT_TIME_PASS_S`` (module docstring of the kernel).
    Returns the light time, the moving end's position at the solution and the last evaluation."""
    fixed = np.ascontiguousarray(fixed_km, float)
    tau = np.ascontiguousarray(tau_s, float)
    out_tau, out_r = np.empty_like(tau), np.empty_like(fixed)
    for _ in range(_MAX_PASSES):
        ev = evaluate(tau)
        change = _k.light_time(fixed, np.ascontiguousarray(ev[0], float), np.ascontiguousarray(ev[1], float), tau,
                               out_tau, out_r)
        tau = out_tau.copy()
        if change < _k.LIGHT_TIME_PASS_S:
            break
    return tau, out_r, ev


def _down_leg(spacecraft, t_r: Epoch, rx: StationStates):
    """Down-leg light time (s), bounce epoch and the spacecraft's barycentric state there (two evaluations of the
    spacecraft: at reception, then at the bounce epoch of that first solution)."""
    tau, r, ev = _leg(lambda tau: spacecraft_states(spacecraft, _shift(t_r, -tau)), rx.r_km, np.zeros(t_r.jd1.shape))
    return tau, _shift(t_r, -tau), r, ev[1]


def _up_leg(site, t_t: Epoch, r_sc: np.ndarray, tau_d: np.ndarray, rx: StationStates):
    """Up-leg light time (s) from the station to the spacecraft at the bounce epochs, and the station then. The
    first guess moves the station at reception back along its velocity, ``tau_u = tau_d (c + u.V) / (c - u.V)``
    (``u`` from the station to the spacecraft); usually one evaluation of the station's state is enough."""
    d = r_sc - rx.r_km
    uv = np.einsum("ni,ni->n", d, rx.v_kms) / np.linalg.norm(d, axis=1)
    guess = tau_d * (C_KMS + uv) / (C_KMS - uv)

    def evaluate(tau):
        st = station_states(site, _shift(t_t, -tau))
        return st.r_km, st.v_kms, st

    tau, r, ev = _leg(evaluate, r_sc, guess)
    return tau, StationStates(r, ev[2].v_kms, ev[2].c2t)


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
    """Two-way range at reception epochs: (rho, bounce epoch, d rho/d r_sc at bounce, d/d site ITRS, d/d earth,
    round-trip light time)."""
    rx = station_states(site, t_r)
    tau_d, t_t, r_sc, v_sc = _down_leg(spacecraft, t_r, rx)
    tau_u, tx = _up_leg(site, t_t, r_sc, tau_d, rx)
    n = tau_d.size
    rho, d_r, d_site, d_earth = np.empty(n), np.empty((n, 3)), np.empty((n, 3)), np.empty((n, 3))
    c = np.ascontiguousarray
    _k.two_way_range(c(r_sc), c(v_sc), c(rx.r_km), c(tx.r_km), c(tx.v_kms), c(rx.c2t), c(tx.c2t), rho, d_r, d_site,
                     d_earth)
    return rho, t_t, d_r, d_site, d_earth, tau_u + tau_d


def two_way_range(spacecraft, epochs, site) -> Geometry:
    """Two-way range (km, one-way equivalent) of ``spacecraft`` from ``site`` received at ``epochs`` (TDB unless
    a scale is given), with partials at the bounce epoch (see the module docstring)."""
    t_r = _tdb(epochs)
    rho, t_t, d_r, d_site, d_earth, lt = _range_parts(spacecraft, site, t_r)
    d_state = np.concatenate([d_r, np.zeros_like(d_r)], axis=1)
    return Geometry(rho, t_t, d_state, d_site, np.zeros_like(d_site), d_earth, lt)


def _seconds_between(a: Epoch, b: Epoch) -> np.ndarray:
    return ((a.jd1 - b.jd1) + (a.jd2 - b.jd2)) * DAY_S


def _difference(lo, hi, t_lo: Epoch, t_hi: Epoch, scale: float, same_station: bool, lt) -> Geometry:
    """The Doppler count or the delta-DOR pair from its two ends ``(value, d_sc, d_site, d_earth)``, with partials at
    the mean of the two ends' bounce epochs (:func:`tianwen.core.measurements.difference`)."""
    n = lo[0].size
    t_ref = Epoch(t_lo.jd1, 0.5 * (t_lo.jd2 + t_hi.jd2) + 0.5 * (t_hi.jd1 - t_lo.jd1), "tdb")
    value, d_state, d_a, d_b, d_e = np.empty(n), np.empty((n, 6)), np.empty((n, 3)), np.empty((n, 3)), np.empty((n, 3))
    c = np.ascontiguousarray
    _k.difference(c(lo[0]), c(hi[0]), c(lo[1]), c(hi[1]), c(_seconds_between(t_lo, t_ref)),
                  c(_seconds_between(t_hi, t_ref)), np.full(n, scale), same_station, c(lo[2]), c(hi[2]), c(lo[3]),
                  c(hi[3]), value, d_state, d_a, d_b, d_e)
    return Geometry(value, t_ref, d_state, d_a, d_b, d_e, lt)


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
    return _difference((rho[lo], d_r[lo], d_site[lo], d_earth[lo]), (rho[hi], d_r[hi], d_site[hi], d_earth[hi]),
                       t_t[lo], t_t[hi], 1.0 / count_s, True, 0.5 * (lt[lo] + lt[hi]))


def _one_way(spacecraft, site, t_r: Epoch):
    rx = station_states(site, t_r)
    tau, t_t, r_sc, v_sc = _down_leg(spacecraft, t_r, rx)
    n = tau.size
    value, d_r, d_site, d_earth = np.empty(n), np.empty((n, 3)), np.empty((n, 3)), np.empty((n, 3))
    c = np.ascontiguousarray
    _k.one_way(c(r_sc), c(v_sc), c(rx.r_km), c(rx.c2t), value, d_r, d_site, d_earth)
    return (value, d_r, d_site, d_earth), t_t, tau


def ddor(spacecraft, epochs, site_a, site_b) -> Geometry:
    """Delta-DOR on the baseline ``site_a`` -> ``site_b`` at reception ``epochs``: ``c (tau_d,B - tau_d,A)``
    (km), with partials at the mean of the two bounce epochs (module docstring)."""
    t_r = _tdb(epochs)
    a, ta, lt = _one_way(spacecraft, site_a, t_r)
    b, tb, _ = _one_way(spacecraft, site_b, t_r)
    return _difference(a, b, ta, tb, 1.0, False, lt)


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
