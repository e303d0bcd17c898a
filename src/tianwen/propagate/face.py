"""The propagation functions: :func:`propagate` (one coast arc), :func:`state_transition_matrix` and
:func:`propagate_with_manoeuvres` (coast arcs through impulsive manoeuvres).

They check the arguments, build the model's tables, run the compiled integrator (:func:`tianwen.core.nbody.integrate`)
and wrap its arrays in a :class:`~tianwen.propagate.Trajectory`. See :mod:`tianwen.propagate` for the method.
"""

from __future__ import annotations

import math

import numpy as np

from ..bodies import DAY_S
from ..core.nbody import (EVENT_DISTANCE, EVENT_RDOTV, MAX_STEPS, STEP_TOO_SMALL, TERMINATED, body_state,
                          integrate, precompile_events)
from ..errors import TianwenError
from ..time import Epoch, epoch as _epoch
from ..warm import join as _join_warm_up
from .events import Event, EventHit
from .model import NBodyModel, relative_state, scalar_epoch
from .trajectory import EDGE_SLACK_S, ManoeuvreTrajectory, Trajectory


def _vec3(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise TianwenError(f"{name} = {x!r}: need three finite numbers (km or km/s, ICRF)")
    return a


def propagate(r0_km, v0_kms, t0, t1, *, model: NBodyModel | None = None, events=(), t_eval=None,
              dense: bool = False, stm: bool = False, rtol: float = 1e-12, atol_km: float = 1e-9,
              atol_kms: float = 1e-12, max_step_s: float = DAY_S, max_steps: int = 2_000_000) -> Trajectory:
    """Propagate the state (``r0_km``, ``v0_kms``; ICRF, relative to ``model.center``) from ``t0`` to ``t1``.

    ``t0`` and ``t1`` are epochs (anything :func:`tianwen.time.epoch` accepts; strings default to UTC);
    ``t1`` before ``t0`` propagates backwards. ``model`` defaults to ``NBodyModel()`` (Sun + 8 planets +
    Moon, DE421). ``events`` are :class:`Event` objects (:func:`soi_entry`, :func:`periapsis`, ...).
    ``t_eval``: output epochs (an :class:`Epoch` or strings, ...) or numbers = seconds after ``t0``.
    ``dense=True`` keeps the interpolant so that :meth:`Trajectory.state` works at any epoch (25% more
    right-hand-side calls); ``stm=True`` integrates the variational equations (``Trajectory.stm``).
    Tolerances are described in the module docstring.

    >>> tr = propagate([1.5e8, 0, 0], [0, 29.0, 0], "2026-01-01 TDB", "2026-03-01 TDB",
    ...                model=NBodyModel(perturbers=()))
    >>> tr.nsteps > 10
    True
    """
    model = NBodyModel() if model is None else model
    r0 = _vec3(r0_km, "r0_km")
    v0 = _vec3(v0_kms, "v0_kms")
    a = scalar_epoch(t0, "t0")
    b = scalar_epoch(t1, "t1")
    if not (rtol > 0 and atol_km > 0 and atol_kms > 0 and max_step_s > 0):
        raise TianwenError(f"tolerances rtol={rtol!r}, atol_km={atol_km!r}, atol_kms={atol_kms!r} and "
                           f"max_step_s={max_step_s!r} must be positive")
    if rtol < 1e-15:
        raise TianwenError(f"rtol={rtol!r} is below double precision; use 1e-14 or more")
    events = tuple(events)
    for ev in events:
        if not isinstance(ev, Event):
            raise TianwenError(f"event {ev!r} is not an Event; use soi_entry(), periapsis(), impact(), ...")
    t_end = float((b.jd1 - a.jd1) + (b.jd2 - a.jd2)) * DAY_S

    names, tab = model._table(a, b, tuple(ev.body for ev in events))
    index = {nm: i for i, nm in enumerate(names)}
    ev_kind = np.array([EVENT_DISTANCE if ev.kind == "distance" else EVENT_RDOTV for ev in events], dtype=np.int64)
    ev_body = np.array([-1 if ev.body == model.center else index[ev.body] for ev in events], dtype=np.int64)
    ev_value = np.array([ev.value_km for ev in events], dtype=float)
    ev_limit = np.array([ev.within_km for ev in events], dtype=float)
    ev_dir = np.array([ev.direction for ev in events], dtype=np.int64)
    ev_term = np.array([ev.terminal for ev in events], dtype=np.bool_)

    # Output epochs: seconds after t0, sorted in the direction of motion.
    eval_epochs = None
    if t_eval is None:
        s_eval = np.zeros(0)
    else:
        arr = t_eval if isinstance(t_eval, Epoch) else np.asarray(t_eval) if not isinstance(t_eval, str) else None
        if isinstance(arr, np.ndarray) and arr.dtype.kind in "fiu":
            s_eval = np.atleast_1d(arr.astype(float))
            eval_epochs = Epoch(np.full(s_eval.shape, a.jd1), a.jd2 + s_eval / DAY_S, "tdb")
        else:
            eval_epochs = _epoch(t_eval).to("tdb") if not isinstance(t_eval, Epoch) else t_eval.to("tdb")
            eval_epochs = eval_epochs if eval_epochs.shape else Epoch(eval_epochs.jd1[None], eval_epochs.jd2[None])
            s_eval = np.asarray((eval_epochs.jd1 - a.jd1) + (eval_epochs.jd2 - a.jd2), float) * DAY_S
        lo, hi = sorted((0.0, t_end))
        bad = (s_eval < lo - EDGE_SLACK_S) | (s_eval > hi + EDGE_SLACK_S) | ~np.isfinite(s_eval)
        if np.any(bad):
            raise TianwenError(f"t_eval has {int(bad.sum())} epoch(s) outside the propagation from t0 to t1 "
                               f"({a.iso(3)} to {b.iso(3)} TDB)")
    order = np.argsort(s_eval if t_end >= 0 else -s_eval, kind="stable")
    s_sorted = np.ascontiguousarray(s_eval[order])

    y0 = np.concatenate([r0, v0, np.eye(6).ravel()]) if stm else np.concatenate([r0, v0])
    _join_warm_up("nbody")  # a cold start may be compiling the integrator in a second process (tianwen.warm)
    status, nfev, nsteps, steps, nev, evlog, y_eval_sorted = integrate(
        y0, t_end, float(rtol), float(atol_km), float(atol_kms), float(max_step_s), int(max_steps), tab,
        ev_kind, ev_body, ev_value, ev_limit, ev_dir, ev_term, s_sorted, bool(dense))
    n = y0.size
    steps = steps[:nsteps]
    ts = np.concatenate([[0.0], steps[:, 0]])
    hs = np.ascontiguousarray(steps[:, 1])
    ys = np.concatenate([y0[None, :], steps[:, 2:2 + n]])
    dn = np.ascontiguousarray(steps[:, 2 + n:]) if dense else None
    evlog = evlog[:nev]
    ev_i = evlog[:, 0].astype(np.int64)
    ev_t = evlog[:, 1]
    ev_y = evlog[:, 2:8]

    if status in (STEP_TOO_SMALL, MAX_STEPS):
        t_fail = a + float(ts[-1]) / DAY_S
        why = ("the step size fell below the time resolution" if status == STEP_TOO_SMALL
               else f"max_steps={max_steps} steps were taken")
        near = _closest_body(model, names, tab, float(ts[-1]), ys[-1, :3])
        raise TianwenError(f"propagation stopped at {t_fail.iso(3)} TDB: {why}{near}; add an impact() event "
                           "or loosen rtol")

    y_eval = np.empty_like(y_eval_sorted)
    y_eval[order] = y_eval_sorted
    t_fin = float(ts[-1])
    t1_actual = Epoch(a.jd1, a.jd2 + t_fin / DAY_S, "tdb") if status == TERMINATED else b
    hits = []
    for k in range(len(ev_i)):
        ev = events[int(ev_i[k])]
        te = Epoch(a.jd1, a.jd2 + float(ev_t[k]) / DAY_S, "tdb")
        r_e, v_e = ev_y[k, :3].copy(), ev_y[k, 3:6].copy()
        rb, vb = relative_state(model.ephemeris, ev.body, model.center, te)
        hits.append(EventHit(ev.name, ev.body, te, float(ev_t[k]), r_e, v_e, r_e - rb[0], v_e - vb[0], ev.terminal))
    hits.sort(key=lambda h: h.t_s * (1.0 if t_end >= 0 else -1.0))
    terminated_by = next((h for h in reversed(hits) if h.terminal), None) if status == TERMINATED else None
    y1 = ys[-1]
    traj = Trajectory(
        model=model, t0=a, t1=t1_actual, r0_km=r0, v0_kms=v0, r1_km=y1[:3].copy(), v1_kms=y1[3:6].copy(),
        stm=y1[6:42].reshape(6, 6).copy() if stm else None, events=hits, epochs=eval_epochs,
        r_km=y_eval[:, :3] if t_eval is not None else None, v_kms=y_eval[:, 3:6] if t_eval is not None else None,
        stm_eval=y_eval[:, 6:42].reshape(-1, 6, 6) if (stm and t_eval is not None) else None,
        terminated_by=terminated_by, nsteps=len(hs), nfev=int(nfev),
        _ts=ts, _hs=hs, _ys=ys, _dense=dn if dense else None)
    return traj


def state_transition_matrix(r0_km, v0_kms, t0, t1, *, model: NBodyModel | None = None, **options):
    """``(r1_km, v1_kms, Phi)``: the final state and the 6x6 ``Phi(t1, t0) = d(r1, v1)/d(r0, v0)``.

    Integrated with the variational equations (see the module docstring); ``options`` go to
    :func:`propagate`. Columns 3-5 are the sensitivities to a velocity change (an impulsive manoeuvre) at t0.
    """
    tr = propagate(r0_km, v0_kms, t0, t1, model=model, stm=True, **options)
    return tr.r1_km, tr.v1_kms, tr.stm


def _closest_body(model, names, tab, t, r) -> str:
    best, dist = None, math.inf
    rb, vb = np.empty(3), np.empty(3)
    for i, nm in enumerate(names):
        body_state(tab, i, t, rb, vb)
        d = float(np.linalg.norm(r - rb))
        if d < dist:
            best, dist = nm, d
    dc = float(np.linalg.norm(r))
    if dc < dist:
        best, dist = model.center, dc
    return f" ({dist:.1f} km from the centre of {best})" if best else ""


def propagate_with_manoeuvres(r0_km, v0_kms, t0, manoeuvres, t1, *, model: NBodyModel | None = None,
                              events=(), dense: bool = True, stm: bool = False, **options) -> ManoeuvreTrajectory:
    """Propagate through impulsive manoeuvres ``[(epoch, dv_kms), ...]`` (ICRF, km/s), restarting at each.

    Each manoeuvre ends one coast segment and starts the next with ``v + dv`` (``dv`` is always the physical
    change, after minus before: propagating backwards, ``t1 < t0``, crossing a burn takes it off); a
    manoeuvre at ``t0`` is applied to the initial velocity. A terminal event ends the whole propagation.
    Other keywords go to :func:`propagate` (tolerances, ``max_step_s``). Returns a
    :class:`ManoeuvreTrajectory`.
    """
    model = NBodyModel() if model is None else model
    a = scalar_epoch(t0, "t0")
    b = scalar_epoch(t1, "t1")
    sign = 1.0 if float(b - a) >= 0 else -1.0
    burns = []
    for item in manoeuvres:
        try:
            when, dv = item
        except (TypeError, ValueError):
            raise TianwenError(f"manoeuvre {item!r}: give (epoch, dv_kms) pairs") from None
        te = scalar_epoch(when, "manoeuvre epoch")
        d = float(te - a) * sign
        if d < 0 or d > float(b - a) * sign:
            raise TianwenError(f"manoeuvre at {te.iso(3)} TDB is outside the propagation "
                               f"({a.iso(3)} to {b.iso(3)} TDB)")
        burns.append((te, _vec3(dv, "manoeuvre dv_kms")))
    burns.sort(key=lambda x: float(x[0] - a) * sign)
    r = _vec3(r0_km, "r0_km")
    v = _vec3(v0_kms, "v0_kms").copy()
    segments = []
    start = a
    for te, dv in burns:
        if float(te - start) != 0.0:
            seg = propagate(r, v, start, te, model=model, events=events, dense=dense, stm=stm, **options)
            segments.append(seg)
            if seg.terminated_by is not None:
                return ManoeuvreTrajectory(segments, burns)
            r, v = seg.r1_km.copy(), seg.v1_kms.copy()
        v = v + sign * dv  # dv is post-burn minus pre-burn velocity; going backwards it is taken off
        start = te
    seg = propagate(r, v, start, b, model=model, events=events, dense=dense, stm=stm, **options)
    segments.append(seg)
    return ManoeuvreTrajectory(segments, burns)


def warm_up() -> None:
    """Compile (or load from the cache) the integrator's kernels with the argument types every propagation uses:
    one day of a heliocentric arc about the Sun alone (no planet tables, so no ephemeris kernel to compile: the
    command compiles that one meanwhile), with the STM and the dense output (what ``python -m tianwen.warm nbody``
    runs, see :mod:`tianwen.warm`; tests/test_warm.py checks that a mission then compiles nothing more)."""
    tr = propagate([1.5e8, 0.0, 0.0], [0.0, 30.0, 0.0], "2020-08-01 TDB", "2020-08-02 TDB",
                   model=NBodyModel(perturbers=()), dense=True, stm=True)
    tr.state(tr.t0 + 0.5)


def warm_up_events() -> None:
    """Compile (or load) the event-location kernels with the types every propagation passes (a cold start does this
    in the command's process while the second one compiles the integrator, which then loads them)."""
    a, b = scalar_epoch("2020-08-01 TDB", "t0"), scalar_epoch("2020-08-02 TDB", "t1")
    _, tab = NBodyModel(perturbers=())._table(a, b, ())
    precompile_events(tab)
