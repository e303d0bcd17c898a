"""Navigation: radiometric tracking of a spacecraft, batch orbit determination, and what the result is worth at
the target planet.

How well did the cooperating stations know where Tianwen-1 was? This package answers with a covariance
analysis, the standard tool of flight dynamics: simulate the measurements the stations could take (two-way
range, two-way Doppler, delta-DOR), estimate the trajectory from them by weighted least squares, and map the
covariance to the Mars B-plane and the periapsis altitude. Every function takes any trajectory (an object with
``state(tdb)``), any stations and any schedule.

* :mod:`~tianwen.navigation.measurements` — two-way range and Doppler with up- and down-leg light time,
  delta-DOR on a baseline, their partial derivatives (the per-measurement algebra compiled in
  :mod:`tianwen.core.measurements`); :class:`Measurements` (a set of them) and :func:`predict`;
* :mod:`~tianwen.navigation.schedule` — tracking passes per station per day (:func:`tianwen.tracking.passes`
  above an elevation mask) and the measurements they give (:func:`schedule`);
* :mod:`~tianwen.navigation.estimation` — the dynamical :class:`Arc` (state, SRP coefficient, manoeuvre dv),
  sensitivities from the state transition matrix of :mod:`tianwen.propagate`, the design matrix with consider
  parameters (station positions, Earth ephemeris, range biases), the square-root information filter
  (:func:`srif`, Householder QR; :func:`compress` for blocks of rows) and the iterated batch :func:`estimate`;
* :mod:`~tianwen.navigation.bplane` — the covariance mapped to (B.T, B.R) and the periapsis altitude
  (:func:`map_to_bplane`, on :func:`tianwen.arrival.b_plane`);
* :mod:`~tianwen.navigation.cruise` — a mission's reconstructed cruise as an OD arc (:func:`cruise_arc`) and the
  comparison of station sets (:func:`compare_stations`), which ``tianwen navigation`` prints;
* :mod:`~tianwen.navigation.plot` — the nested 1-sigma ellipses on the B-plane.

Units: km, km/s, s; epochs TDB inside. What the comparison assumes is written in ``docs/navigation.md``.

>>> from tianwen.navigation import srif
>>> import numpy as np
>>> sol = srif(np.array([[1.0], [1.0]]), np.array([1.0, 3.0]), np.array([1.0, 1.0]))
>>> float(sol.dx[0]), float(sol.covariance[0, 0])
(2.0, 0.5)
"""

from .bplane import BPlaneUncertainty, bplane_jacobian, ellipse, map_to_bplane
from .cruise import NavigationReport, StationSetResult, compare_stations, cruise_arc, prior_covariance
from .estimation import (Arc, Consider, Design, Estimate, Solution, compress, covariance_analysis, design, estimate,
                         fly, range_bias_stations, residual_statistics, sensitivities, srif, with_manoeuvres_solved)
from .measurements import (DDOR, DOPPLER, KIND_NAMES, RANGE, Geometry, Measurements, StationStates, ddor, doppler,
                           predict, spacecraft_states, station_states, two_way_range)
from .schedule import DdorSession, Schedule, TrackingPass, schedule

__all__ = ["RANGE", "DOPPLER", "DDOR", "KIND_NAMES", "StationStates", "station_states", "spacecraft_states",
           "Geometry", "two_way_range", "doppler", "ddor", "Measurements", "predict", "TrackingPass", "DdorSession",
           "Schedule", "schedule", "Arc", "Consider", "Design", "Solution", "Estimate", "fly", "sensitivities",
           "design", "srif", "compress", "estimate", "covariance_analysis", "residual_statistics",
           "range_bias_stations", "with_manoeuvres_solved", "BPlaneUncertainty", "bplane_jacobian", "ellipse", "map_to_bplane",
           "cruise_arc", "prior_covariance", "StationSetResult", "NavigationReport", "compare_stations"]
