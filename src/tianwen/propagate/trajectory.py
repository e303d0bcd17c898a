"""Results of a propagation: :class:`Trajectory` (one coast arc, with its dense output) and
:class:`ManoeuvreTrajectory` (coast arcs separated by impulsive manoeuvres)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..bodies import DAY_S
from ..core.nbody import dense_many
from ..errors import OutOfRangeError, TianwenError
from ..time import Epoch, epoch as _epoch
from .events import EventHit
from .model import NBodyModel, relative_state

#: Evaluation of a trajectory is allowed this far (s) beyond its ends, on the end step's own polynomial
#: (so that an epoch printed to the microsecond and read back still evaluates).
EDGE_SLACK_S = 1e-3


@dataclass
class Trajectory:
    """One propagated arc.

    ``r1_km, v1_kms`` is the final state (at ``t1``, or at a terminal event), in the model's frame (ICRF axes,
    relative to ``model.center``); ``stm`` the 6x6 ``Phi(t1, t0)`` when asked for. ``epochs, r_km, v_kms``
    (and ``stm_eval``) are the requested output epochs and states, NaN after a terminal event. ``events`` are
    the :class:`EventHit` in time order. With ``dense=True``, :meth:`state` gives the Sun-centred ICRF state
    at any epoch of the arc, so the arc can stand in for a body anywhere in tianwen.
    """

    model: NBodyModel
    t0: Epoch
    t1: Epoch
    r0_km: np.ndarray
    v0_kms: np.ndarray
    r1_km: np.ndarray
    v1_kms: np.ndarray
    stm: np.ndarray | None
    events: list
    epochs: Epoch | None
    r_km: np.ndarray | None
    v_kms: np.ndarray | None
    stm_eval: np.ndarray | None
    terminated_by: EventHit | None
    nsteps: int
    nfev: int
    _ts: np.ndarray = field(repr=False, default=None)
    _hs: np.ndarray = field(repr=False, default=None)
    _ys: np.ndarray = field(repr=False, default=None)
    _dense: np.ndarray | None = field(repr=False, default=None)

    def __repr__(self) -> str:
        end = f", terminated by {self.terminated_by.name}" if self.terminated_by else ""
        return (f"Trajectory({self.t0.iso(3)} -> {self.t1.iso(3)} TDB, center={self.model.center!r}, "
                f"{self.nsteps} steps, {len(self.events)} events{end})")

    @property
    def span(self) -> Epoch:
        """Start and end of the arc (TDB), in time order."""
        a, b = (self.t0, self.t1) if self.duration_s >= 0 else (self.t1, self.t0)
        return Epoch(np.array([a.jd1, b.jd1]), np.array([a.jd2, b.jd2]), "tdb")

    @property
    def duration_s(self) -> float:
        return float(self.t1 - self.t0) * DAY_S

    def _seconds(self, epochs) -> tuple[Epoch, np.ndarray]:
        t = _epoch(epochs).to("tdb")
        return t, np.asarray((t.jd1 - self.t0.jd1) + (t.jd2 - self.t0.jd2), float) * DAY_S

    def state_local(self, epochs) -> tuple[np.ndarray, np.ndarray]:
        """State at ``epochs`` in the model's own frame (relative to ``model.center``), shape
        ``epochs.shape + (3,)``."""
        if self._dense is None:
            raise TianwenError("this trajectory was propagated without dense output; "
                               "pass dense=True to propagate() to evaluate it at arbitrary epochs")
        t, s = self._seconds(epochs)
        lo, hi = sorted((0.0, self.duration_s))
        bad = (s < lo - EDGE_SLACK_S) | (s > hi + EDGE_SLACK_S) | ~np.isfinite(s)
        if np.any(bad):
            first = t[bad] if t.shape else t
            first = first if first.shape == () else first[0]
            sp = self.span.iso(3)
            raise OutOfRangeError(f"epoch {first.iso(3)} TDB is outside this trajectory ({sp[0]} to {sp[1]} TDB); "
                                  "propagate over a span that holds it")
        n = self._ys.shape[1]
        out = np.empty((s.size, n))
        dense_many(np.ascontiguousarray(s.ravel()), self._ts, self._hs, self._ys, self._dense, n, out)
        shape = s.shape + (3,)
        return out[:, :3].reshape(shape), out[:, 3:6].reshape(shape)

    def state(self, epochs) -> tuple[np.ndarray, np.ndarray]:
        """Sun-centred ICRF position (km) and velocity (km/s) at ``epochs``: shape ``epochs.shape + (3,)``.

        Epochs are anything :func:`tianwen.time.epoch` accepts (strings default to UTC). This is the body
        protocol of :mod:`tianwen.ephemeris`, so a trajectory can be the origin or target elsewhere.
        """
        r, v = self.state_local(epochs)
        if self.model.center != "sun":
            t, _ = self._seconds(epochs)
            rc, vc = relative_state(self.model.ephemeris, self.model.center, "sun", t.to("tdb"))
            r = r + rc.reshape(r.shape)
            v = v + vc.reshape(v.shape)
        return r, v


@dataclass
class ManoeuvreTrajectory:
    """Coast arcs separated by impulsive manoeuvres: ``segments[k]`` runs from manoeuvre k (or the start) to
    manoeuvre k + 1 (or the end). ``manoeuvres`` holds ``(epoch TDB, dv_kms)`` in time order.

    :meth:`state` evaluates the segment holding each epoch; at a manoeuvre epoch it gives the state after
    the burn (the later segment in propagation order).
    """

    segments: list
    manoeuvres: list

    @property
    def t0(self) -> Epoch:
        return self.segments[0].t0

    @property
    def t1(self) -> Epoch:
        return self.segments[-1].t1

    @property
    def r1_km(self) -> np.ndarray:
        return self.segments[-1].r1_km

    @property
    def v1_kms(self) -> np.ndarray:
        return self.segments[-1].v1_kms

    @property
    def events(self) -> list:
        return [e for s in self.segments for e in s.events]

    @property
    def terminated_by(self):
        return self.segments[-1].terminated_by

    def __repr__(self) -> str:
        return (f"ManoeuvreTrajectory({self.t0.iso(3)} -> {self.t1.iso(3)} TDB, {len(self.segments)} segments, "
                f"{len(self.manoeuvres)} manoeuvres)")

    def _which(self, s_days: np.ndarray) -> np.ndarray:
        """Index of the segment holding each epoch (days after t0); the later one, in propagation order, at a
        manoeuvre epoch."""
        sign = 1.0 if float(self.t1 - self.t0) >= 0 else -1.0
        starts = np.array([float(seg.t0 - self.t0) * sign for seg in self.segments])
        return np.clip(np.searchsorted(starts, s_days * sign, side="right") - 1, 0, len(self.segments) - 1)

    def _apply(self, epochs, method: str):
        t = _epoch(epochs).to("tdb")
        s_days = np.asarray((t.jd1 - self.t0.jd1) + (t.jd2 - self.t0.jd2), float)
        idx = self._which(s_days)
        if t.shape == ():
            return getattr(self.segments[int(idx)], method)(t)
        r = np.empty(t.shape + (3,))
        v = np.empty(t.shape + (3,))
        for k in np.unique(idx):
            sel = idx == k
            rk, vk = getattr(self.segments[k], method)(t[sel] if t.shape else t)
            r[sel], v[sel] = rk, vk
        return r, v

    def state(self, epochs) -> tuple[np.ndarray, np.ndarray]:
        """Sun-centred ICRF state at ``epochs`` (post-burn at a manoeuvre epoch)."""
        return self._apply(epochs, "state")

    def state_local(self, epochs) -> tuple[np.ndarray, np.ndarray]:
        """State in the model's own frame at ``epochs`` (post-burn at a manoeuvre epoch)."""
        return self._apply(epochs, "state_local")

    def partials(self) -> dict:
        """Sensitivities of the final state for a differential corrector (needs ``stm=True``).

        Returns ``{"x0": Phi(t1, t0) (6x6), "dv": [Phi(t1, t_k)[:, 3:6] for each manoeuvre k] (6x3 each)}``:
        a manoeuvre adds to the velocity only, so the state Jacobian across it is the identity.
        """
        if any(s.stm is None for s in self.segments):
            raise TianwenError("partials() needs the state transition matrices: propagate with stm=True")
        from_start = [None] * len(self.segments)  # Phi(t1, start of segment k)
        total = np.eye(6)
        for k in range(len(self.segments) - 1, -1, -1):
            total = total @ self.segments[k].stm
            from_start[k] = total.copy()
        dv = []
        for epoch_m, _ in self.manoeuvres:
            gap = [abs(float(seg.t0 - epoch_m)) * DAY_S for seg in self.segments]
            k = int(np.argmin(gap))
            # A manoeuvre after a terminal event never happened: zero sensitivity.
            sign = 1.0 if self.segments[k].duration_s >= 0 else -1.0
            dv.append(sign * from_start[k][:, 3:6] if gap[k] < 1e-6 else np.zeros((6, 3)))
        return {"x0": total, "dv": dv}
