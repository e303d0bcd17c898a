"""Events located during a propagation: :class:`Event` and its constructors (:func:`soi_entry`, :func:`soi_exit`,
:func:`periapsis`, :func:`apoapsis`, :func:`impact`, :func:`distance`), and :class:`EventHit`, an event found.

An event is a sign change of a function of the state relative to a body, checked after every step and located
on the dense output by Brent's method (:mod:`tianwen.core.nbody`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..bodies import BODIES, body as _lookup_body
from ..errors import TianwenError
from ..time import Epoch


@dataclass(frozen=True)
class Event:
    """A condition located during propagation: ``g`` crossing zero in ``direction`` (+1 up, -1 down, 0 both).

    ``kind`` is ``"distance"`` (g = |r - r_body| - value_km) or ``"rdotv"`` (g = (r - r_body).(v - v_body)),
    counted only within ``within_km`` of the body. A ``terminal`` event ends the propagation where it occurs.
    """

    name: str
    kind: str
    body: str
    value_km: float = 0.0
    direction: int = 0
    terminal: bool = False
    within_km: float = math.inf


def _soi(body: str) -> float:
    b = _lookup_body(body)
    if not math.isfinite(b.soi_km):
        raise TianwenError(f"{b.name} has no sphere-of-influence radius in tianwen.bodies; use distance(body, km)")
    return b.soi_km


def soi_entry(body: str, terminal: bool = False, radius_km: float | None = None) -> Event:
    """Entry into ``body``'s sphere of influence (Laplace radius of :mod:`tianwen.bodies` unless given)."""
    r = _soi(body) if radius_km is None else float(radius_km)
    return Event("soi_entry", "distance", _lookup_body(body).name, r, -1, terminal)


def soi_exit(body: str, terminal: bool = False, radius_km: float | None = None) -> Event:
    """Exit from ``body``'s sphere of influence."""
    r = _soi(body) if radius_km is None else float(radius_km)
    return Event("soi_exit", "distance", _lookup_body(body).name, r, +1, terminal)


def periapsis(body: str, terminal: bool = False, within_km: float | None = None) -> Event:
    """Closest approach to ``body``: (r - r_b).(v - v_b) crossing zero upwards, inside its SOI (or ``within_km``)."""
    nm = _lookup_body(body).name
    lim = (BODIES[nm].soi_km if math.isfinite(BODIES[nm].soi_km) else math.inf) if within_km is None else within_km
    return Event("periapsis", "rdotv", nm, 0.0, +1, terminal, float(lim))


def apoapsis(body: str, terminal: bool = False, within_km: float | None = None) -> Event:
    """Farthest point from ``body``: (r - r_b).(v - v_b) crossing zero downwards, inside its SOI (or ``within_km``)."""
    nm = _lookup_body(body).name
    lim = (BODIES[nm].soi_km if math.isfinite(BODIES[nm].soi_km) else math.inf) if within_km is None else within_km
    return Event("apoapsis", "rdotv", nm, 0.0, -1, terminal, float(lim))


def impact(body: str, altitude_km: float = 0.0, terminal: bool = True) -> Event:
    """Descent through ``altitude_km`` above ``body``'s mean radius (IAU 2015); terminal by default."""
    b = _lookup_body(body)
    return Event("impact", "distance", b.name, b.radius_km + float(altitude_km), -1, terminal)


def distance(body: str, km: float, direction: int = -1, terminal: bool = False) -> Event:
    """Distance from ``body`` crossing ``km`` (direction -1: inbound, +1: outbound, 0: both)."""
    return Event("distance", "distance", _lookup_body(body).name, float(km), int(direction), terminal)


@dataclass
class EventHit:
    """An event found: its epoch (TDB), the spacecraft state in the model's frame (centre-relative ICRF) and
    relative to the event's body (from the ephemeris itself at that epoch)."""

    name: str
    body: str
    epoch: Epoch
    t_s: float
    r_km: np.ndarray
    v_kms: np.ndarray
    r_rel_km: np.ndarray
    v_rel_kms: np.ndarray
    terminal: bool = False

    def __repr__(self) -> str:
        return (f"EventHit({self.name!r}, {self.body!r}, {self.epoch.to('tdb').iso(3)} TDB, "
                f"|r_rel| = {float(np.linalg.norm(self.r_rel_km)):.3f} km)")
