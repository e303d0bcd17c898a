"""The estimate's uncertainty at the target planet: the covariance mapped to the B-plane (B.T, B.R) and to the
periapsis altitude.

The parameters' covariance ``P`` is carried to the spacecraft state at a mapping epoch near the planet (inside
its sphere of influence) by the sensitivities of :func:`tianwen.navigation.estimation.sensitivities` (the state
transition matrix of :mod:`tianwen.propagate` chained through the manoeuvres, and the SRP and dv columns):
``P_x = Psi P Psi^T``. The B-plane coordinates and the periapsis radius are those of the osculating hyperbola
at that epoch (:func:`tianwen.arrival.b_plane`, ``reference_pole="mars"``: Mars' IAU pole for T), and their
Jacobian ``J`` (3 x 6) with respect to the planet-relative state is taken by central differences of that closed
form (steps 1e-7 of the position and velocity magnitudes; error ~1e-9 relative): ``P_B = J P_x J^T``.

An error in the planet's ephemeris moves the planet, not the spacecraft's measured orbit: its position
covariance ``sigma^2 I`` is added to ``P_x`` (a consider term).

The 1-sigma ellipse is given by the eigenvalues of the (B.T, B.R) block: semi-axes ``sqrt(lambda)`` and the
angle of the major axis from T towards R.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import TianwenError
from ..time import Epoch

__all__ = ["BPlaneUncertainty", "bplane_jacobian", "map_to_bplane", "ellipse"]


@dataclass
class BPlaneUncertainty:
    """Nominal B-plane at the mapping epoch (km) and its 1-sigma uncertainty: ``covariance_km2`` (3x3) of
    (B.T, B.R, periapsis altitude), the ellipse of (B.T, B.R) and ``sigma_alt_km``."""

    epoch: Epoch
    b_dot_t_km: float
    b_dot_r_km: float
    periapsis_alt_km: float
    covariance_km2: np.ndarray
    sigma_bt_km: float
    sigma_br_km: float
    semi_major_km: float
    semi_minor_km: float
    angle_deg: float
    sigma_alt_km: float
    state_covariance: np.ndarray

    def as_json(self) -> dict:
        return {"epoch_utc": self.epoch.utc_iso(0), "b_dot_t_km": self.b_dot_t_km, "b_dot_r_km": self.b_dot_r_km,
                "periapsis_alt_km": self.periapsis_alt_km, "sigma_bt_km": self.sigma_bt_km,
                "sigma_br_km": self.sigma_br_km, "semi_major_km": self.semi_major_km,
                "semi_minor_km": self.semi_minor_km, "angle_deg": self.angle_deg, "sigma_alt_km": self.sigma_alt_km}


def _targets(r, v, body, pole):
    from ..arrival import b_plane
    from ..bodies import body as lookup

    bp = b_plane(r, v, body=body, reference_pole=pole)
    return np.stack([bp.b_dot_t_km, bp.b_dot_r_km, bp.periapsis_radius_km - lookup(body).radius_km], axis=-1)


def bplane_jacobian(r_km, v_kms, *, body: str = "mars", reference_pole="mars") -> tuple[np.ndarray, np.ndarray]:
    """Nominal (B.T, B.R, periapsis altitude) in km and its Jacobian (3, 6) with respect to the body-relative
    state (``r_km``, ``v_kms``), by central differences of :func:`tianwen.arrival.b_plane`."""
    r = np.asarray(r_km, float)
    v = np.asarray(v_kms, float)
    x = np.concatenate([r, v])
    h = np.concatenate([np.full(3, 1e-7 * np.linalg.norm(r)), np.full(3, 1e-7 * np.linalg.norm(v))])
    pert = np.concatenate([x + np.diag(h), x - np.diag(h)])
    vals = _targets(pert[:, :3], pert[:, 3:], body, reference_pole)
    jac = ((vals[:6] - vals[6:]) / (2.0 * h)[:, None]).T
    return _targets(r, v, body, reference_pole), jac


def ellipse(cov2) -> tuple[float, float, float]:
    """Semi-major and semi-minor axes and the major axis' angle (deg, from the first axis towards the second,
    in (-90, 90]) of the 1-sigma ellipse of a 2x2 covariance."""
    c = np.asarray(cov2, float)
    vals, vecs = np.linalg.eigh(0.5 * (c + c.T))
    vals = np.clip(vals, 0.0, None)
    major = vecs[:, 1]
    ang = math.degrees(math.atan2(major[1], major[0]))
    ang = ang - 180.0 if ang > 90.0 else ang + 180.0 if ang <= -90.0 else ang
    return float(math.sqrt(vals[1])), float(math.sqrt(vals[0])), ang


def map_to_bplane(arc, p, covariance, t_map, *, body: str = "mars", planet_sigma_km: float = 0.0,
                  reference_pole="mars") -> BPlaneUncertainty:
    """Map the parameter ``covariance`` of ``arc`` (at parameters ``p``) to the B-plane of ``body`` at
    ``t_map`` (an epoch inside the arc, near the body); ``planet_sigma_km`` adds the body's ephemeris position
    uncertainty (per axis)."""
    from ..ephemeris import state as body_state
    from ..time import epoch as _epoch
    from .estimation import sensitivities

    t = (t_map if isinstance(t_map, Epoch) else _epoch(t_map)).to("tdb")
    if t.shape != ():
        raise TianwenError("t_map must be a single epoch")
    p = np.asarray(p, float)
    cov = np.asarray(covariance, float)
    if cov.shape != (p.size, p.size):
        raise TianwenError(f"covariance has shape {cov.shape}; the arc has {p.size} parameters")
    states, sens = sensitivities(arc, p, Epoch(np.atleast_1d(t.jd1), np.atleast_1d(t.jd2), "tdb"))
    rb, vb = body_state(body, t)
    r_rel = states[0, :3] - np.asarray(rb, float).ravel()
    v_rel = states[0, 3:] - np.asarray(vb, float).ravel()
    nominal, jac = bplane_jacobian(r_rel, v_rel, body=body, reference_pole=reference_pole)
    px = sens[0] @ cov @ sens[0].T
    if planet_sigma_km > 0:
        px[:3, :3] += planet_sigma_km**2 * np.eye(3)
    pb = jac @ px @ jac.T
    a, b, ang = ellipse(pb[:2, :2])
    return BPlaneUncertainty(t, float(nominal[0]), float(nominal[1]), float(nominal[2]), pb,
                             float(math.sqrt(pb[0, 0])), float(math.sqrt(pb[1, 1])), a, b, ang,
                             float(math.sqrt(pb[2, 2])), px)
