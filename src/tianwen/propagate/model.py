"""The n-body force model (:class:`NBodyModel`, :class:`SolarRadiationPressure`) and its Chebyshev tables of the
bodies (:func:`fit_error`), with :func:`relative_state` from the ephemeris itself.

See :mod:`tianwen.propagate` for the equations, the tables' intervals and their accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..bodies import AU_KM, BODIES, C_KMS, DAY_S, body as _lookup_body
from ..core.nbody import NBodyTables, body_states_many, rhs_unpacked
from ..ephemeris import check_span, get_ephemeris
from ..errors import TianwenError
from ..time import J2000_JD, Epoch, epoch as _epoch

DEFAULT_PERTURBERS = ("mercury", "venus", "earth", "moon", "mars", "jupiter", "saturn", "uranus", "neptune")
SOLAR_FLUX_1AU_W_M2 = 1361.0  # total solar irradiance at 1 AU (Kopp & Lean 2011)
C_M_S = C_KMS * 1000.0

# Chebyshev fit of the perturbers: degree, interval lengths (days) and the grid every interval is aligned on.
_NCOEF = 15
_BLOCK_DAYS = 16.0
_FAST_BODIES_DAYS = {"earth": 4.0, "moon": 4.0, "mercury": 8.0}


@dataclass(frozen=True)
class SolarRadiationPressure:
    """Cannonball solar radiation pressure: area-to-mass ratio (m^2/kg), reflectivity coefficient Cr (1 to 2).

    Acceleration ``Cr (A/m) (flux / c) (1 AU / d)^2`` away from the Sun, flux at 1 AU 1361 W/m^2
    (Kopp & Lean 2011); no eclipses.
    """

    area_to_mass_m2_kg: float
    cr: float = 1.3
    flux_1au_w_m2: float = SOLAR_FLUX_1AU_W_M2

    @property
    def k_km3_s2(self) -> float:
        """The constant k of ``a = k d / |d|^3`` (km^3/s^2), d the Sun-to-spacecraft vector in km."""
        accel_1au_km_s2 = self.cr * self.area_to_mass_m2_kg * self.flux_1au_w_m2 / C_M_S / 1000.0
        return accel_1au_km_s2 * AU_KM * AU_KM


def _fit_matrix(ncoef: int) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev nodes of the first kind on [-1, 1] and the matrix taking node values to coefficients."""
    k = np.arange(ncoef)
    x = np.cos(np.pi * (k + 0.5) / ncoef)
    m = (2.0 / ncoef) * np.cos(np.pi * np.outer(k, k + 0.5) / ncoef)
    m[0] *= 0.5
    return x, m


_NODES, _FIT = _fit_matrix(_NCOEF)


class NBodyModel:
    """Point-mass gravity of a centre and perturbers from an ephemeris, optional SRP and relativity.

    ``center`` and ``perturbers`` are body names of :data:`tianwen.bodies.BODIES` (``mars`` is the Mars system
    barycentre, ``earth`` and ``moon`` the two bodies separately). ``ephemeris`` is ``"de421"``, ``"analytic"``
    or any object with ``heliocentric(name, tdb_epoch) -> (r_km, v_kms)``. GMs are DE421's
    (:mod:`tianwen.bodies`). ``center_gm_km3_s2`` overrides the centre's GM: to propagate a body of mass m
    (not a spacecraft) about the Sun, the heliocentric equation is the test-particle one with
    ``GM_sun + GM_m`` (the Sun's reflex acceleration towards the body), which is how the Mars test uses it.

    ``srp`` is a :class:`SolarRadiationPressure` or ``(area_to_mass_m2_kg, cr)``; ``relativity`` adds the
    Sun's Schwarzschild term (Sun-centred models only).

    >>> m = NBodyModel()
    >>> m.perturbers[:3], m.center
    (('mercury', 'venus', 'earth'), 'sun')
    """

    def __init__(self, center: str = "sun", perturbers=DEFAULT_PERTURBERS, ephemeris="de421", srp=None,
                 relativity: bool = False, center_gm_km3_s2: float | None = None):
        self.center = _lookup_body(center).name
        names = tuple(_lookup_body(p).name for p in perturbers)
        if len(set(names)) != len(names):
            raise TianwenError(f"perturbers {perturbers!r} name a body twice")
        if self.center in names:
            raise TianwenError(f"the centre {self.center!r} cannot also be a perturber; remove it from perturbers")
        if "emb" in names and ({"earth", "moon"} & set(names)):
            raise TianwenError("perturbers list 'emb' with 'earth'/'moon': that counts the Earth-Moon system twice")
        if self.center == "emb" or (self.center in ("earth", "moon") and "emb" in names):
            raise TianwenError("use 'earth' or 'moon' as the centre, and not 'emb' with them")
        self.perturbers = names
        self.ephemeris = get_ephemeris(ephemeris) if isinstance(ephemeris, str) else ephemeris
        if srp is not None and not isinstance(srp, SolarRadiationPressure):
            try:
                srp = SolarRadiationPressure(*srp)
            except TypeError:
                raise TianwenError(f"srp {srp!r}: give SolarRadiationPressure(area_to_mass_m2_kg, cr) "
                                   "or a pair (area_to_mass_m2_kg, cr)") from None
        if srp is not None and not (srp.area_to_mass_m2_kg >= 0 and srp.cr >= 0):
            raise TianwenError(f"srp {srp!r}: area-to-mass and Cr must be non-negative")
        self.srp = srp
        self.relativity = bool(relativity)
        if self.relativity and self.center != "sun":
            raise TianwenError(f"relativity=True models the Sun's Schwarzschild term and needs center='sun', "
                               f"not {self.center!r}")
        gm = BODIES[self.center].gm_km3_s2 if center_gm_km3_s2 is None else float(center_gm_km3_s2)
        if not (math.isfinite(gm) and gm > 0):
            raise TianwenError(f"centre GM {center_gm_km3_s2!r} km^3/s^2 must be a positive number")
        self.center_gm_km3_s2 = gm
        # Fit intervals are aligned on the ephemeris's own first epoch: DE421's records (4, 8, 16 or 32 days)
        # all start there, so each interval then holds one polynomial piece of every record chain and the
        # degree-14 fit reproduces DE421 to round-off.
        span = getattr(self.ephemeris, "span_tdb_jd", None)
        self._grid0 = float(span[0]) if span is not None else J2000_JD
        self._cache = {}

    def __repr__(self) -> str:
        extra = f", srp={self.srp}" if self.srp else ""
        extra += ", relativity=True" if self.relativity else ""
        return (f"NBodyModel(center={self.center!r}, perturbers={self.perturbers!r}, "
                f"ephemeris={getattr(self.ephemeris, 'name', self.ephemeris)!r}{extra})")

    # -- tabulated bodies ------------------------------------------------------------------------------
    def _interval_days(self, name: str) -> float:
        if self.center in ("earth", "moon"):
            return 4.0
        return _FAST_BODIES_DAYS.get(name, _BLOCK_DAYS)

    def _bodies(self, event_bodies=()) -> tuple[str, ...]:
        names = list(self.perturbers)
        if self.srp is not None and self.center != "sun" and "sun" not in names:
            names.append("sun")
        for b in event_bodies:
            if b != self.center and b not in names:
                names.append(b)
        return tuple(names)

    def _fit(self, name: str, block0: int, nblocks: int) -> np.ndarray:
        """Chebyshev coefficients (intervals, 3, ncoef) of ``name`` relative to the centre."""
        L = self._interval_days(name)
        per_block = int(round(_BLOCK_DAYS / L))
        nint = nblocks * per_block
        start = self._grid0 + block0 * _BLOCK_DAYS
        jd1 = np.repeat(start + np.arange(nint) * L, _NCOEF)
        jd2 = np.tile((_NODES + 1.0) * 0.5 * L, nint)
        tdb = Epoch(jd1, jd2, "tdb")
        r = _relative_position(self.ephemeris, name, self.center, tdb).reshape(nint, _NCOEF, 3)
        return np.einsum("jk,ikc->icj", _FIT, r)

    def _table(self, t0: Epoch, t1: Epoch, event_bodies=()):
        """The body names and the :class:`NBodyTables` the kernels read, covering [t0, t1], with the time
        offset of t0 in the tables."""
        names = self._bodies(event_bodies)
        lo = min(float(t0.jd), float(t1.jd))
        hi = max(float(t0.jd), float(t1.jd))
        block0 = int(math.floor((lo - self._grid0) / _BLOCK_DAYS))
        block1 = int(math.floor((hi - self._grid0) / _BLOCK_DAYS))
        check_span(self.ephemeris, Epoch(np.array([lo, hi]), 0.0, "tdb"), "propagation epoch")
        key = names
        cached = self._cache.get(key)
        if cached is None or not (cached[0] <= block0 and block1 <= cached[1]):
            if cached is not None and max(block1, cached[1]) - min(block0, cached[0]) < 460:  # ~20 years
                block0, block1 = min(block0, cached[0]), max(block1, cached[1])
            nblocks = block1 - block0 + 1
            fits = [self._fit(nm, block0, nblocks) for nm in names]
            nmax = max((f.shape[0] for f in fits), default=1)
            coef = np.zeros((len(names), nmax, 3, _NCOEF))
            for i, f in enumerate(fits):
                coef[i, : f.shape[0]] = f
            seg = np.array([self._interval_days(nm) * DAY_S for nm in names], dtype=float)
            nint = np.array([f.shape[0] for f in fits], dtype=np.int64)
            gm = np.array([BODIES[nm].gm_km3_s2 if nm in self.perturbers else 0.0 for nm in names])
            cached = (block0, block1, coef, seg, nint, gm)
            self._cache[key] = cached
        block0, _, coef, seg, nint, gm = cached
        origin = self._grid0 + block0 * _BLOCK_DAYS
        t0 = t0.to("tdb")
        t_off = float(((t0.jd1 - origin) + t0.jd2) * DAY_S)
        tables = NBodyTables(
            coef=coef, seg_len_s=seg, n_intervals=nint, gm=gm, gm_center=float(self.center_gm_km3_s2),
            t_offset_s=t_off, srp_k=float(self.srp.k_km3_s2) if self.srp else 0.0, relativity=self.relativity,
            c_kms=float(C_KMS), n_bodies=len(names), sun_index=names.index("sun") if "sun" in names else -1)
        return names, tables

    def rhs(self, t0, t1=None):
        """The compiled right-hand side as a Python callable ``f(t_s, y) -> dy/dt``, t_s seconds after ``t0``.

        For use with other integrators (the tests and the benchmark pass it to SciPy's ``solve_ivp``).
        ``y`` has 6 components (r km, v km/s) or 42 (with the STM, row-major). ``t1`` bounds the tabulation.
        """
        a = scalar_epoch(t0, "t0")
        b = a + 1.0 if t1 is None else scalar_epoch(t1, "t1")
        _, tab = self._table(a, b)

        def f(t, y):
            y = np.ascontiguousarray(y, dtype=float)
            out = np.empty_like(y)
            rhs_unpacked(float(t), y, out, *tab)
            return out

        return f


def _relative_position(eph, name: str, center: str, tdb: Epoch) -> np.ndarray:
    r = np.asarray(eph.heliocentric(name, tdb)[0], float).reshape(-1, 3)
    if center != "sun":
        r = r - np.asarray(eph.heliocentric(center, tdb)[0], float).reshape(-1, 3)
    return r


def relative_state(eph, name: str, center: str, tdb: Epoch) -> tuple[np.ndarray, np.ndarray]:
    """State (km, km/s) of body ``name`` relative to body ``center`` at TDB epochs ``tdb``, from the ephemeris
    ``eph`` itself (any object with ``heliocentric(name, tdb)``; not the model's fit), flat (n, 3) arrays."""
    if name == center:
        z = np.zeros((tdb.jd1.size, 3))
        return z, z.copy()
    r, v = (np.asarray(a, float).reshape(-1, 3) for a in eph.heliocentric(name, tdb))
    if center != "sun":
        rc, vc = (np.asarray(a, float).reshape(-1, 3) for a in eph.heliocentric(center, tdb))
        r, v = r - rc, v - vc
    return r, v


def fit_error(model: NBodyModel, start, end, n: int = 2000, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Largest (position km, velocity km/s) error of the model's Chebyshev fit against its ephemeris.

    Sampled at ``n`` random TDB epochs between ``start`` and ``end`` for every body the model tabulates
    (relative to its centre).
    """
    a, b = scalar_epoch(start, "start"), scalar_epoch(end, "end")
    names, tab = model._table(a, b)
    rng = np.random.default_rng(seed)
    span_s = float(b - a) * DAY_S
    ts = np.sort(rng.uniform(0.0, span_s, n))
    tdb = Epoch(np.full(n, a.jd1), a.jd2 + ts / DAY_S, "tdb")
    out = {}
    for i, nm in enumerate(names):
        r_ref, v_ref = relative_state(model.ephemeris, nm, model.center, tdb)
        r_fit, v_fit = np.empty((n, 3)), np.empty((n, 3))
        body_states_many(tab, i, ts, r_fit, v_fit)
        out[nm] = (float(np.max(np.linalg.norm(r_fit - r_ref, axis=1))),
                   float(np.max(np.linalg.norm(v_fit - v_ref, axis=1))))
    return out


def scalar_epoch(value, what: str) -> Epoch:
    """``value`` as one TDB :class:`Epoch`; ``what`` names it in the error."""
    t = _epoch(value).to("tdb") if not isinstance(value, Epoch) else value.to("tdb")
    if t.shape != ():
        raise TianwenError(f"{what} must be a single epoch, got shape {t.shape}")
    return t
