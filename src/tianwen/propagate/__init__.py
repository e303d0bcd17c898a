"""Numerical propagation of a spacecraft in a Sun + planets n-body model, with events and manoeuvres.

The spacecraft is massless. Its state is integrated about a central body (the Sun by default) in the ICRF
axes of the ephemeris; the other bodies are point-mass perturbers whose positions come from the ephemeris
(DE421 by default). For a perturber ``j`` at ``r_j`` from the centre the acceleration is the direct term plus
the *indirect* term, the centre's own acceleration towards ``j`` (Montenbruck & Gill 2000, *Satellite
Orbits*, sec. 3.3, with the Sun or a planet as the centre)::

    a = -GM_c r / |r|^3 + sum_j GM_j [ (r_j - r) / |r_j - r|^3 - r_j / |r_j|^3 ]
        + SRP (optional)  + Schwarzschild term of the centre (optional)

* **Solar radiation pressure** (:class:`SolarRadiationPressure`): cannonball model, radial from the Sun,
  ``a = Cr (A/m) (Phi_1AU / c) (1 AU / d)^2`` with ``Phi_1AU = 1361 W/m^2`` (Kopp & Lean 2011, GRL 38,
  L01706); no shadow (cruise).
* **Relativity** (``relativity=True``, Sun-centred models only): the Schwarzschild term of the Sun in
  harmonic coordinates, PPN beta = gamma = 1, ``a = GM/(c^2 r^3) [(4 GM/r - v^2) r + 4 (r.v) v]`` (IERS
  Conventions 2010, eq. 10.12, with the Sun as the central mass). Leaving it out moves Mars by 27 km in a
  year (``tests/test_propagate.py``).

**Integrator.** A compiled (Numba) port of Hairer's DOP853: explicit Runge–Kutta of order 8 with the 5th/3rd
order error estimator and the 7th-order dense output (Hairer, Nørsett & Wanner, *Solving Ordinary
Differential Equations I*, 2nd ed. 1993, ch. II, and Hairer's Fortran code DOP853, whose coefficients
:mod:`tianwen.core.dop853` carries; the step-size control is that of SciPy's ``DOP853`` class). The local
error is measured against a scale per *vector*, not per component, so it is independent of the axes::

    scale_r = atol_km + rtol |r|,    scale_v = atol_kms + rtol |v|

Defaults ``rtol = 1e-12``, ``atol_km = 1e-9``, ``atol_kms = 1e-12``, ``max_step_s = 1 day``: the relative
tolerance governs everywhere (0.2 m per step at 1.5 AU, 4 µm on a 4000-km Mars orbit), the absolute ones
only guard against a vector passing through zero. Inside a planet's sphere of influence in a Sun-centred
model the same absolute position error is what matters (the Mars-relative motion is integrated in
heliocentric coordinates, whose round-off is ~3 cm at 1.5 AU: below what the tolerance allows). The
one-day step cap keeps a step from jumping over a planetary encounter (crossing Mars' 577 000 km sphere of
influence takes more than a day below 13 km/s), lets events see every sign change, and makes the
heliocentric local error negligible: a year of Mars as a test particle is integrated to 1e-6 km (without
the cap DOP853 takes 10-day steps and errs by 15 m). Measured costs (2-core Xeon): 200 days of cruise
through a Mars flyby, 280 steps, ~8 ms; SciPy's ``solve_ivp(DOP853)`` on the same right-hand side, ~70 ms.

**Planet positions in the right-hand side.** Before a propagation the model fits every body it needs,
relative to the centre, with Chebyshev polynomials of degree 14 on intervals of 4 days (Earth and Moon, whose
monthly motion is fastest; every body when the centre is the Earth or the Moon), 8 days (Mercury) or 16 days
(the others), on a grid fixed for the ephemeris so that a fit never depends on the span asked for. The
fit samples the ephemeris at Chebyshev nodes through its public ``heliocentric`` method, so any ephemeris
works (DE421, the analytic one, or a user's). The intervals are aligned with the ephemeris's first epoch,
where all of DE421's 4/8/16/32-day records start, so each interval holds one polynomial piece of DE421 and
the fit is exact but for the noise of the samples: ~1e-5 km, which is the time resolution (5e-7 s at
3.8e9 s since 1899) of tianwen.ephemeris's Chebyshev kernel times the planets' speeds (:func:`fit_error`
measures it; ``tests/test_propagate.py`` bounds it by 1e-4 km against jplephem), far below anything
studied here.

**Variational equations.** With ``stm=True`` the 6x6 state transition matrix ``Phi(t, t0)`` is integrated with
the state (``dPhi/dt = [[0, I], [G, 0]] Phi`` with the gravity-gradient ``G`` of every point mass and of SRP;
the relativistic term's gradient, ~1e-8 of the Sun's, is left out). Step sizes are chosen by the state
alone. The sensitivity of a final state to an impulsive manoeuvre is ``Phi(t1, t_m)[:, 3:]``.

**Events** (:func:`soi_entry`, :func:`soi_exit`, :func:`periapsis`, :func:`apoapsis`, :func:`impact`,
:func:`distance`) are sign changes of a function of the state relative to a body, checked after every step
and located on the dense output by Brent's method to 1e-7 s, with no extra right-hand-side calls.

Units: km, km/s, s; epochs as :class:`tianwen.time.Epoch` (TDB inside). The public objects:

* :class:`NBodyModel` — the force model; :func:`fit_error` — its ephemeris fit error;
  :func:`relative_state` — one body's state relative to another from an ephemeris;
* :func:`propagate` -> :class:`Trajectory` (``state(epoch)``: a Sun-centred ICRF body for the rest of
  tianwen);
* :func:`propagate_with_manoeuvres` -> :class:`ManoeuvreTrajectory` (one coast arc per segment, and
  ``partials()`` for a differential corrector).

The modules: :mod:`.model` (force model and tables), :mod:`.events`, :mod:`.trajectory` (results),
:mod:`.face` (the functions above); the compiled kernels are in :mod:`tianwen.core.nbody`,
:mod:`tianwen.core.dop853` and :mod:`tianwen.core.chebyshev`.

>>> from tianwen.propagate import NBodyModel, propagate, periapsis
>>> model = NBodyModel(center="mars", perturbers=())            # two-body about Mars
>>> tr = propagate([3800.0, 0, 0], [0, 4.0, 0], "2026-01-01 TDB", "2026-01-02 TDB", model=model,
...                events=[periapsis("mars")])
>>> len(tr.events) > 0
True
"""

from .events import Event, EventHit, apoapsis, distance, impact, periapsis, soi_entry, soi_exit
from .face import propagate, propagate_with_manoeuvres, state_transition_matrix
from .model import (C_M_S, DEFAULT_PERTURBERS, SOLAR_FLUX_1AU_W_M2, NBodyModel, SolarRadiationPressure, fit_error,
                    relative_state)
from .trajectory import EDGE_SLACK_S, ManoeuvreTrajectory, Trajectory

__all__ = [
    "DEFAULT_PERTURBERS", "SolarRadiationPressure", "NBodyModel", "Event", "EventHit", "Trajectory",
    "ManoeuvreTrajectory", "propagate", "propagate_with_manoeuvres", "soi_entry", "soi_exit", "periapsis",
    "apoapsis", "impact", "distance", "fit_error", "state_transition_matrix", "relative_state",
]
