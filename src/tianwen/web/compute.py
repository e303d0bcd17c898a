"""What the web app computes: one function per API route, run inside a compute process.

Each function takes the request's validated parameters (plain JSON values) and the server's limits, calls one
public library function (the CLI's), checks the server's limits, and encodes the result: a JSON-ready dict,
OEM text, or for the porkchop grid the compact form below. No numbers are made here. Bad input raises
:class:`~tianwen.errors.TianwenError` (one line; the API answers 422).

Units are in the field names, as in the library: ``c3_km2s2``, ``tof_days``, ``r_km``, ``v_kms``.

The porkchop grid has two encodings, both JSON documents with the same metadata:

* ``json`` (``Accept: application/json`` or ``?format=json``): every variable as nested lists
  ``values[departure][arrival]``, ``null`` where not finite, rounded to the variable's decimals
  (:data:`tianwen.porkchop.VARIABLES`);
* ``compact`` (the default; media type :data:`COMPACT_MEDIA_TYPE`), ~5x smaller: a float variable is sent as
  ``q = round(value * 10**decimals)`` (the same decimals, so the same numbers as the JSON form), differenced
  along each row (``d[i, 0] = q[i, 0]``, ``d[i, j] = q[i, j] - q[i, j - 1]``; 0 where the value is not finite),
  as little-endian signed integers of ``width`` bytes (4, or 8 when a difference needs it), byte-shuffled
  (all first bytes, then all second bytes, ...): the first (least significant) bytes, nearly random, are sent
  as they are, base64-encoded in ``low``; the others, mostly runs, zlib-compressed and base64-encoded in
  ``data``. ``nan`` is ``null`` or the positions of non-finite values, a bit per cell in row-major order (most
  significant bit first, ``numpy.packbits``), zlib-compressed and base64-encoded. Integer variables
  (``transfer_type``, ``status``) are ``int8`` bytes, zlib-compressed and base64-encoded in ``data``. A browser
  decodes it with ``DecompressionStream("deflate")``; :func:`decode_compact` is the reference decoder. (Not
  compressing the low bytes costs 30 % in size and saves three quarters of the encoding time.)
"""

from __future__ import annotations

import base64
import math
import zlib

import numpy as np

from ..errors import TianwenError

#: Media type of the compact porkchop encoding (a JSON document; see the module docstring).
COMPACT_MEDIA_TYPE = "application/vnd.tianwen.porkchop+json"


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def finite(x, decimals: int | None = None):
    """A float for JSON: None for NaN/inf, rounded when asked."""
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, decimals) if decimals is not None else x


def array_json(a: np.ndarray, decimals: int | None = None) -> list:
    """Nested lists of floats with None where not finite (JSON has no NaN)."""
    a = np.asarray(a, dtype=float)
    if decimals is not None:
        a = np.round(a, decimals)
    if np.isfinite(a).all():
        return a.tolist()
    obj = a.astype(object)
    obj[~np.isfinite(a)] = None
    return obj.tolist()


def iso_utc(values: np.ndarray) -> list[str]:
    """datetime64 (UTC) -> ISO strings with a trailing Z, to the second (to the millisecond if needed)."""
    v = np.asarray(values).astype("datetime64[ms]")
    unit = "s" if np.all(v.astype("int64") % 1000 == 0) else "ms"
    return [s + "Z" for s in np.datetime_as_string(v, unit=unit)]


def _body_names(origin: str, target: str) -> tuple[str, str]:
    from ..bodies import body

    o, t = body(origin).name, body(target).name
    if {o, t} <= {"earth", "emb"} or o == t:
        raise TianwenError(f"origin {origin!r} and target {target!r} are the same body; pick another target")
    return o, t


def _utc_or_tdb(e) -> str:
    """UTC ISO string of an epoch, or its TDB one before 1960 (UTC undefined)."""
    try:
        return str(e.utc_iso())
    except ValueError:
        return str(e.to("tdb").iso()) + " TDB"


def _b64(raw: bytes) -> str:
    return base64.b64encode(zlib.compress(raw, 1)).decode("ascii")


def encode_compact(values: np.ndarray, decimals: int) -> dict:
    """One grid variable in the compact encoding (module docstring): ``dtype``, ``width``, ``low``, ``data``,
    ``nan``."""
    a = np.asarray(values)
    if a.dtype.kind in "iub":
        return {"dtype": "int8", "width": 1, "low": None,
                "data": _b64(np.ascontiguousarray(a, dtype="<i1").tobytes()), "nan": None}
    q = np.rint(a.astype(float) * 10.0**decimals)  # as numpy.round(a, decimals) rounds, before its division
    bad = ~(np.abs(q) < 2.0**53)  # NaN, infinities and anything a double cannot hold as an integer
    q[bad] = 0.0
    q = q.astype(np.int64).reshape(-1, a.shape[-1] if a.ndim else 1)
    d = np.empty_like(q)
    d[:, :1] = q[:, :1]
    np.subtract(q[:, 1:], q[:, :-1], out=d[:, 1:])
    width = 4 if not d.size or (d.min() >= -(2**31) and d.max() < 2**31) else 8
    d = d.astype(f"<i{width}")
    planes = np.ascontiguousarray(d.reshape(-1).view(np.uint8).reshape(-1, width).T)
    return {"dtype": "delta", "width": width, "low": base64.b64encode(planes[0].tobytes()).decode("ascii"),
            "data": _b64(planes[1:].tobytes()),
            "nan": _b64(np.packbits(bad, axis=None).tobytes()) if bad.any() else None}


def decode_compact(var: dict, shape) -> np.ndarray:
    """The reference decoder of :func:`encode_compact` (the page's is in ``static/grid.js``): float or int8
    array of ``shape``, NaN where the value was not finite; floats come back as ``q / 10**decimals``."""
    raw = zlib.decompress(base64.b64decode(var["data"]))
    if var["dtype"] == "int8":
        return np.frombuffer(raw, dtype="<i1").reshape(shape).copy()
    width = int(var["width"])
    low = np.frombuffer(base64.b64decode(var["low"]), np.uint8)
    planes = np.concatenate([low, np.frombuffer(raw, np.uint8)]).reshape(width, -1)
    d = planes.T.copy().view(f"<i{width}").reshape(shape)
    out = np.cumsum(d.astype(np.int64), axis=-1) / 10.0 ** int(var["decimals"])
    if var.get("nan"):
        mask = np.unpackbits(np.frombuffer(zlib.decompress(base64.b64decode(var["nan"])), np.uint8))
        out[mask[: out.size].reshape(shape).astype(bool)] = np.nan
    return out


# ---------------------------------------------------------------------------------------------------------
# porkchop
# ---------------------------------------------------------------------------------------------------------


def check_window(a, b, what: str, limits: dict) -> None:
    """Refuse windows longer than the server allows (before any grid is built)."""
    from ..time import epoch

    span = float(epoch(b) - epoch(a))
    if span > limits["max_window_days"]:
        raise TianwenError(f"{what} window of {span:.0f} days is longer than this server's limit of "
                           f"{limits['max_window_days']:.0f} days; split it or narrow it")


#: The grid steps the page offers (days); :func:`porkchop_steps` says which fit this server's cell limit.
STEP_CHOICES_DAYS = (0.5, 1.0, 2.0, 5.0)


def _windows_of(params: dict) -> tuple[str, str, tuple, tuple, str | None]:
    """(origin, target, departure window, arrival window, opportunity label) of a porkchop request."""
    from ..windows import plot_window

    origin, target = _body_names(params["origin"], params["target"])
    if params.get("opportunity") is not None:
        dep, arr, label = plot_window(params["opportunity"], origin=origin, target=target,
                                      ephemeris=params["ephemeris"])
        return origin, target, tuple(dep), tuple(arr), label
    return (origin, target, (params["departure"]["start"], params["departure"]["end"]),
            (params["arrival"]["start"], params["arrival"]["end"]), None)


def check_grid(dep, arr, step_days, n, limits: dict) -> None:
    """Refuse a grid over the server's limits (window lengths, ``max_cells``) before any cell is computed."""
    from ..porkchop import grid_shape

    nd, na = grid_shape(dep, arr, step_days=None if n is not None else step_days, n=n)
    check_window(*dep, "departure", limits)
    check_window(*arr, "arrival", limits)
    cap = int(limits["max_cells"])
    if nd * na > cap:
        need = step_days * math.sqrt(nd * na / cap) if n is None else None
        hint = f"use a step of at least {math.ceil(need * 10) / 10:g} days" if need else "ask for fewer points"
        raise TianwenError(f"grid of {nd} x {na} = {nd * na:,} cells is over this server's limit of {cap:,} cells; "
                           f"{hint} or narrow the windows")


def encode_variables(data, vocabulary: dict, compact: bool) -> dict:
    """Each grid variable of ``data`` (name -> array [departure][arrival]) with its units, long name, label and
    decimals from ``vocabulary`` (:data:`tianwen.porkchop.VARIABLES` or another of :class:`~tianwen.porkchop.
    Variable`), in the compact encoding or as nested lists rounded to its decimals."""
    variables = {}
    for k, values in data.items():
        var = vocabulary[k]
        v = {"units": var.units, "long_name": var.long_name, "label": var.label, "decimals": var.decimals}
        values = np.asarray(values)
        if compact:
            v.update(encode_compact(values, var.decimals))
        else:
            v["values"] = values.tolist() if values.dtype.kind in "iub" else array_json(values, var.decimals)
        variables[k] = v
    return variables


def _grid(params: dict, limits: dict):
    """The library's porkchop grid (:func:`tianwen.porkchop.porkchop_grid`) for a request, after the server's
    limits: ``(grid, origin, target, departure window, arrival window, opportunity label)``."""
    from ..porkchop import BYTES_PER_CELL, porkchop_grid

    origin, target, dep, arr, label = _windows_of(params)
    step = params.get("step_days", 1.0)
    n = None if params.get("n") is None else tuple(params["n"])
    check_grid(dep, arr, step, n, limits)
    cap = int(limits["max_cells"])
    capture = params.get("capture")
    grid = porkchop_grid(dep, arr, step_days=None if n is not None else step, n=n, origin=origin, target=target,
                         revs=params.get("revs", 0), prograde=params.get("prograde", True),
                         branch=params.get("branch", "left"), ephemeris=params["ephemeris"],
                         parking_alt_km=params.get("parking_alt_km"),
                         capture=None if capture is None else (capture["periapsis_alt_km"], capture["apoapsis_alt_km"]),
                         max_bytes=(cap + 1) * BYTES_PER_CELL)
    return grid, origin, target, dep, arr, label


def porkchop_steps(params: dict, limits: dict) -> dict:
    """For a porkchop request (its ``step_days`` ignored): the windows it frames and, for each step of
    :data:`STEP_CHOICES_DAYS`, the grid's shape (:func:`tianwen.porkchop.grid_shape`, nothing computed) and
    whether it fits this server's ``max_cells``."""
    from ..porkchop import grid_shape

    origin, target, dep, arr, label = _windows_of(params)
    cap = int(limits["max_cells"])
    steps = []
    for step in STEP_CHOICES_DAYS:
        nd, na = grid_shape(dep, arr, step_days=step)
        steps.append({"step_days": step, "shape": [nd, na], "cells": nd * na, "allowed": nd * na <= cap})
    return {"origin": origin, "target": target, "opportunity": label, "departure_window": list(dep),
            "arrival_window": list(arr), "max_cells": cap, "steps": steps}


def porkchop_file(params: dict, limits: dict) -> tuple[str, bytes]:
    """The porkchop of a request as a file, written by the library's :func:`tianwen.plots.save_porkchop`
    (``params["suffix"]``: ``.csv`` or ``.nc``) into a temporary folder and read back: ``(media type, bytes)``."""
    import os
    import tempfile

    from ..plots import save_porkchop

    suffix = params["suffix"]
    grid, _, _, _, _, label = _grid(params, limits)
    with tempfile.TemporaryDirectory(prefix="tianwen-web-") as folder:
        path = os.path.join(folder, "porkchop" + suffix)
        save_porkchop(grid.to_dataset(), path, label=label)
        with open(path, "rb") as f:
            raw = f.read()
    return ("text/csv; charset=utf-8" if suffix == ".csv" else "application/x-netcdf"), raw


def opportunities(params: dict, limits: dict) -> dict:
    """The opportunities the page offers (:func:`tianwen.windows.find_opportunities` over the years the ephemeris
    covers, :func:`tianwen.windows.covered_years`, at most ``max_opportunity_years`` of them around today) and
    the next one still ahead (:func:`tianwen.windows.next_opportunity`), or null when the span holds none."""
    import datetime as _dt

    from ..windows import covered_years, find_opportunities, next_opportunity

    origin, target = _body_names(params["origin"], params["target"])
    eph = params["ephemeris"]
    first, last = covered_years(origin=origin, target=target, ephemeris=eph)
    span = int(limits["max_opportunity_years"])
    if last - first + 1 > span:
        year = _dt.datetime.now(_dt.timezone.utc).year
        lo = min(max(first, year - span // 2), last - span + 1)
        first, last = lo, lo + span - 1
    found = find_opportunities(first, last, origin=origin, target=target, ephemeris=eph) if first <= last else []
    rows = [{"year": int(t.date()[:4]), "date_tdb": t.date()} for t in found]
    try:
        nxt = next_opportunity(origin=origin, target=target, ephemeris=eph)
        nxt_row = {"year": int(nxt.date()[:4]), "date_tdb": nxt.date()}
    except TianwenError:
        nxt_row = None
    return {"origin": origin, "target": target, "ephemeris": eph, "year_from": first, "year_to": last,
            "opportunities": rows, "next": nxt_row}


def porkchop(params: dict, limits: dict) -> tuple[str, dict] | dict:
    """Porkchop grid (:func:`tianwen.porkchop.porkchop`) of an opportunity (:func:`tianwen.windows.plot_window`)
    or of explicit windows; every variable of the Dataset, indexed ``[departure][arrival]``, in the encoding
    ``params["format"]`` names (``compact`` by default, or ``json``; see the module docstring)."""
    from ..missions import OVERLAY_MARGIN_DAYS, launched_between
    from ..porkchop import VARIABLES, minima

    grid, origin, target, dep, arr, label = _grid(params, limits)
    compact = params.get("format", "compact") == "compact"
    variables = encode_variables(grid.data, VARIABLES, compact)
    rows = []
    if origin in ("earth", "emb") and target == "mars":
        rows = [{"name": m.short_name, "launch": m.launch, "arrival": m.arrival, "outcome": m.outcome}
                for m in launched_between(grid.departure[0], grid.departure[-1], margin_days=OVERLAY_MARGIN_DAYS)]
    out = {
        "origin": grid.attrs["origin"], "target": grid.attrs["target"], "ephemeris": grid.attrs["ephemeris"],
        "opportunity": label, "departure_window": list(dep), "arrival_window": list(arr),
        "time_scale": grid.scale.upper(), "shape": list(grid.shape),
        "departure": iso_utc(grid.departure), "arrival": iso_utc(grid.arrival),
        "encoding": "compact" if compact else "json",
        "variables": variables, "minima": [_minimum(m) for m in minima(grid)], "missions": rows,
        "attrs": {k: (v.item() if hasattr(v, "item") else v) for k, v in grid.attrs.items()},
    }
    return (COMPACT_MEDIA_TYPE, out) if compact else out


def _minimum(m) -> dict:
    """A :class:`tianwen.porkchop.Minimum` for JSON, rounded as the CLI prints it."""
    return {"type": m.type, "departure": iso_utc([m.departure])[0], "arrival": iso_utc([m.arrival])[0], "i": m.i, "j": m.j,
            "tof_days": round(m.tof_days, 2), "c3_km2s2": round(m.c3_km2s2, 3),
            "vinf_arr_kms": round(m.vinf_arr_kms, 4), "dla_deg": round(m.dla_deg, 2), "rla_deg": round(m.rla_deg, 2)}


# ---------------------------------------------------------------------------------------------------------
# one transfer: numbers, trajectory, orbits, OEM
# ---------------------------------------------------------------------------------------------------------


def _transfer(params: dict):
    """The library's :func:`tianwen.porkchop.transfer` for the request: one Lambert solve."""
    from ..porkchop import transfer

    origin, target = _body_names(params["origin"], params["target"])
    capture = params.get("capture")
    return transfer(origin, target, params["departure"], params.get("arrival"), tof_days=params.get("tof_days"),
                    revs=params.get("revs", 0), prograde=params.get("prograde", True),
                    branch=params.get("branch", "left"), ephemeris=params["ephemeris"],
                    parking_alt_km=params.get("parking_alt_km"),
                    capture=None if capture is None else (capture["periapsis_alt_km"], capture["apoapsis_alt_km"]))


def transfer(params: dict, limits: dict) -> dict:
    """One ballistic transfer (:func:`tianwen.porkchop.transfer`: the porkchop cell's numbers, full precision),
    its Lambert arc propagated two-body about the Sun (:func:`tianwen.kepler.propagate`) at ``points`` epochs,
    and the orbits of origin and target over one period, in the frame asked for (default J2000 ecliptic)."""
    from ..bodies import GM_SUN
    from ..ephemeris import ICRF_TO_ECLIPTIC
    from ..kepler import propagate
    from ..porkchop import VARIABLES
    from ..time import Epoch

    t = _transfer(params)
    npts = int(params.get("points", 100))
    frame = params.get("frame", "ecliptic")
    rot = ICRF_TO_ECLIPTIC if frame == "ecliptic" else np.eye(3)
    dt = np.linspace(0.0, t.tof_days * 86400.0, npts)
    r, v = propagate(t.r1_km, t.v1_kms, dt, GM_SUN)
    epochs = Epoch(np.full(npts, t.departure.jd1), t.departure.jd2 + dt / 86400.0, "tdb")
    numbers = {}
    for name, value in t.values().items():
        var = VARIABLES[name]
        numbers[var.json_name] = {"value": int(value) if var.decimals == 0 else finite(value), "units": var.units,
                                  "long_name": var.long_name, "label": var.label}
    vec = lambda x: [float(y) for y in (rot @ np.asarray(x, dtype=float))]  # noqa: E731
    return {
        "origin": t.origin, "target": t.target, "ephemeris": t.ephemeris,
        "departure_utc": _utc_or_tdb(t.departure), "arrival_utc": _utc_or_tdb(t.arrival),
        "departure_tdb": str(t.departure.iso(3)), "arrival_tdb": str(t.arrival.iso(3)),
        "revs": t.revs, "branch": t.branch,
        "numbers": numbers,
        "frame": "J2000 ecliptic, Sun-centred" if frame == "ecliptic" else "ICRF (EME2000), Sun-centred",
        "departure_state": {"r_km": vec(t.r1_km), "v_kms": vec(t.v1_kms), "planet_v_kms": vec(t.origin_v_kms)},
        "arrival_state": {"r_km": vec(t.r2_km), "v_kms": vec(t.v2_kms), "planet_v_kms": vec(t.target_v_kms)},
        "trajectory": {"model": "two-body about the Sun (tianwen.kepler.propagate), Lambert arc (Izzo 2015)",
                       "gm_sun_km3_s2": GM_SUN, "epochs_utc": [_utc_or_tdb(epochs[i]) for i in range(npts)],
                       "t_s": dt.tolist(), "r_km": (r @ rot.T).tolist(), "v_kms": (v @ rot.T).tolist()},
        "orbits": {name: _orbit(name, t.departure, t.ephemeris, rot, min(max(npts, 180), int(limits["max_points"])))
                   for name in (t.origin, t.target)},
    }


def _orbit(name: str, start, eph, rot, npts: int) -> dict:
    """A body's path over one orbital period from ``start`` (DE421), or the two-body osculating orbit when that
    span leaves the ephemeris."""
    from ..bodies import GM_SUN
    from ..ephemeris import heliocentric_state
    from ..errors import OutOfRangeError
    from ..kepler import propagate, rv2coe
    from ..time import Epoch

    r0, v0 = heliocentric_state(name, start, eph)
    a = float(rv2coe(r0[0], v0[0], GM_SUN).a)
    period_days = 2.0 * math.pi * math.sqrt(a**3 / GM_SUN) / 86400.0
    days = np.linspace(0.0, period_days, npts)
    t = Epoch(np.full(npts, start.jd1), start.jd2 + days, "tdb")
    try:
        r, _ = heliocentric_state(name, t, eph)
        source = f"{eph if isinstance(eph, str) else 'ephemeris'} over one orbital period"
    except OutOfRangeError:
        r, _ = propagate(r0[0], v0[0], days * 86400.0, GM_SUN)
        source = "two-body osculating orbit (the period leaves the ephemeris)"
    return {"period_days": round(period_days, 3), "source": source, "r_km": (r @ rot.T).tolist()}


def oem(params: dict, limits: dict) -> str:
    """The transfer arc as a CCSDS OEM 2.0 (KVN) file, as :func:`tianwen.oem.write_oem` writes it: the Lambert
    arc of :func:`tianwen.porkchop.transfer` propagated by :func:`tianwen.propagate.propagate` in a Sun-only
    model (two-body), sampled at ``points`` epochs."""
    from ..bodies import GM_SUN
    from ..propagate import NBodyModel, propagate

    t = _transfer(params)
    npts = int(params.get("points", 100))
    arc = propagate(t.r1_km, t.v1_kms, t.departure, t.arrival, model=NBodyModel(perturbers=()), dense=True)
    comments = [f"Ballistic {t.origin} -> {t.target} transfer of tianwen: Lambert arc (Izzo 2015) from "
                f"{t.ephemeris} states, two-body about the Sun (GM_SUN = {GM_SUN} km^3/s^2)."]
    return _oem_text(arc, f"{t.origin.upper()}-{t.target.upper()} TRANSFER", "TIANWEN-TRANSFER",
                     t.tof_days * 86400.0 / max(npts - 1, 1), comments)


def _oem_text(segments, name: str, object_id: str, step_s: float, comments) -> str:
    """:func:`tianwen.oem.write_oem` into a temporary file, read back as text (the file is removed)."""
    import os
    import tempfile

    from ..oem import write_oem

    with tempfile.TemporaryDirectory(prefix="tianwen-web-") as folder:
        path = os.path.join(folder, "out.oem")
        write_oem(path, segments, object_name=name, object_id=object_id, step_s=float(step_s), comments=comments)
        with open(path, encoding="ascii") as f:
            return f.read()


# ---------------------------------------------------------------------------------------------------------
# windows and history
# ---------------------------------------------------------------------------------------------------------


def windows(params: dict, limits: dict) -> dict:
    """The launch-window survey (:func:`tianwen.windows.windows`), with each optimum's exact launch epoch."""
    from ..time import Epoch
    from ..windows import windows as survey

    y0, y1 = int(params["year_from"]), int(params["year_to"])
    if y1 < y0:
        raise TianwenError(f"year_to {y1} is before year_from {y0}")
    if y1 - y0 > limits["max_windows_years"]:
        raise TianwenError(f"survey of {y1 - y0} years is over this server's limit of {limits['max_windows_years']} "
                           "years; ask for a shorter span")
    origin, target = _body_names(params["origin"], params["target"])
    rows = survey(y0, y1, origin=origin, target=target, ephemeris=params["ephemeris"])
    out = []
    for r in rows:
        d = r.as_json()
        launch = Epoch(r.launch_tdb_jd, 0.0, "tdb")
        d["launch_utc"] = _utc_or_tdb(launch)
        d["arrival_utc"] = _utc_or_tdb(launch + r.tof_days)
        out.append(d)
    return {"origin": origin, "target": target, "ephemeris": params["ephemeris"], "year_from": y0, "year_to": y1,
            "rows": out}


def history(params: dict, limits: dict) -> dict:
    """Mars launches grouped by opportunity (:func:`tianwen.history.history`), with each mission's arc."""
    from dataclasses import asdict

    from ..history import history as record
    from ..missions import load_catalogue

    since = int(params.get("since", 1960))
    until = params.get("until")
    last = max(int(e.launch[:4]) for e in load_catalogue() if e.is_mars_mission)
    span_end = last + 1 if until is None else int(until)  # the library's default reaches the last launch's window
    if span_end - since > limits["max_history_years"]:
        raise TianwenError(f"history of {span_end - since} years is over this server's limit of "
                           f"{limits['max_history_years']} years; ask for a shorter span")
    opps, summary = record(since, None if until is None else int(until),
                           margin_km2s2=float(params.get("margin_km2s2", 5.0)))
    out = []
    for o in opps:
        d = o.as_json()
        d["min_c3_launch"] = o.min_c3_launch
        d["missions"] = [dict(m, full_name=l.entry.name, country=l.entry.country, arrival=l.entry.arrival,
                              in_window=bool(l.in_window), arc={k: v for k, v in asdict(l.arc).items()})
                         for m, l in zip(d["missions"], o.launches)]
        out.append(d)
    return {"opportunities": out, "summary": {k: summary[k] for k in ("since", "until", "opportunities",
                                                                         "with_launch")}}


# ---------------------------------------------------------------------------------------------------------
# a mission flown again, tracking geometry
# ---------------------------------------------------------------------------------------------------------


def mission(params: dict, limits: dict) -> dict:
    """A mission flown again (:func:`tianwen.reconstruct.reconstruct`, issue 6; Tianwen-1 by default): its
    numbers as ``tianwen mission --json`` prints them, plus the n-body cruise sampled at ``points`` epochs,
    the manoeuvre positions and the Earth's and Mars' orbits, in the frame asked for."""
    from ..ephemeris import ICRF_TO_ECLIPTIC
    from ..missions import load_mission
    from ..reconstruct import reconstruct
    from ..time import Epoch, epoch

    load_mission(params["name"])  # an unknown name is one line, before any computation
    rec = reconstruct(params["name"])
    out = jsonable(rec.as_json())
    frame = params.get("frame", "ecliptic")
    rot = ICRF_TO_ECLIPTIC if frame == "ecliptic" else np.eye(3)
    tr = rec.trajectory
    t0, t1 = tr.t0.to("tdb"), tr.t1.to("tdb")
    n = int(params.get("points", 300))
    days = np.linspace(0.0, float(t1 - t0), n)
    t = Epoch(np.full(n, t0.jd1), t0.jd2 + days, "tdb")
    r, _ = tr.state(t)
    out["frame"] = "J2000 ecliptic, Sun-centred" if frame == "ecliptic" else "ICRF (EME2000), Sun-centred"
    out["trajectory"] = {"model": repr(getattr(tr, "model", "n-body")),
                         "epochs_utc": [_utc_or_tdb(t[i]) for i in range(n)],
                         "r_km": (np.asarray(r).reshape(-1, 3) @ rot.T).tolist()}
    marks = []
    for m in out.get("manoeuvres", []):
        te = epoch(m["epoch_utc"]).to("tdb")
        if float(te - t0) >= 0 and float(t1 - te) >= 0:
            rm, _ = tr.state(te)
            marks.append({"label": m["label"], "epoch_utc": m["epoch_utc"],
                          "r_km": (rot @ np.asarray(rm, dtype=float).reshape(3)).tolist()})
    out["manoeuvre_positions"] = marks
    out["orbits"] = {b: _orbit(b, t0, "de421", rot, min(360, int(limits["max_points"]))) for b in ("earth", "mars")}
    return out


def mission_oem(params: dict, limits: dict) -> str:
    """The reconstructed cruise as a CCSDS OEM 2.0 file, as ``tianwen mission NAME --oem FILE`` writes it."""
    from ..missions import load_mission
    from ..reconstruct import reconstruct

    load_mission(params["name"])
    rec = reconstruct(params["name"])
    span_s = float(rec.trajectory.t1 - rec.trajectory.t0) * 86400.0
    step = float(params.get("step_s", 3600.0))
    if span_s / step > limits["max_oem_lines"]:
        raise TianwenError(f"a step of {step:g} s gives {span_s / step:,.0f} lines, over this server's limit of "
                           f"{limits['max_oem_lines']:,}; use a step of at least {math.ceil(span_s / limits['max_oem_lines'])} s")
    return _oem_text(rec.trajectory, rec.as_json()["name"], rec.mission.raw.get("cospar_id", {}).get("value", "UNKNOWN"),
                     step, [f"Reconstructed by tianwen from published events; {a}" for a in rec.assumptions])


def jsonable(x):
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return array_json(x) if x.dtype.kind == "f" else x.tolist()
    if isinstance(x, (float, np.floating)):
        return finite(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if hasattr(x, "as_json"):
        return x.as_json()
    return x


def geometry(params: dict, limits: dict) -> dict:
    """Tracking geometry (issue 7, :mod:`tianwen.tracking`): range, light time, range rate and the Sun–Earth–
    target angle over a span; elevation, azimuth and passes from a station; solar conjunctions."""
    from ..time import epoch
    from ..tracking import CONJUNCTION_THRESHOLD_DEG, conjunctions, passes, station, utc_grid
    from ..tracking import geometry as track

    a, b = epoch(params["start"]), epoch(params["end"])
    span = float(b - a)
    if not span > 0:
        raise TianwenError(f"end {_utc_or_tdb(b)} is not after start {_utc_or_tdb(a)}")
    if span > limits["max_geometry_days"]:
        raise TianwenError(f"span of {span:.0f} days is over this server's limit of {limits['max_geometry_days']:g} "
                           "days; ask for a shorter span")
    step_days = float(params.get("step_hours", 24.0)) / 24.0
    npts = int(math.floor(span / step_days + 1e-9)) + 1
    if npts > limits["max_points"]:
        raise TianwenError(f"{npts} epochs is over this server's limit of {limits['max_points']}; use a step of at "
                           f"least {math.ceil(span / (limits['max_points'] - 1) * 24 * 10) / 10:g} hours")
    grid = utc_grid(params["start"], params["end"], step_days)  # the CLI's grid
    site = station(params["station"]) if params.get("station") else None
    ds = track(params.get("target", "mars"), grid, site)
    out = {"target": ds.attrs.get("target"), "ephemeris": ds.attrs.get("ephemeris"),
           "epochs_utc": iso_utc(ds.epoch.values), "attrs": jsonable(dict(ds.attrs)), "variables": {}}
    for k in ds.data_vars:
        out["variables"][k] = {"units": ds[k].attrs.get("units", ""), "long_name": ds[k].attrs.get("long_name", ""),
                               "values": array_json(ds[k].values, 6)}
    threshold = float(params.get("conjunction_deg", CONJUNCTION_THRESHOLD_DEG))
    out["conjunctions"] = [c.as_json() for c in conjunctions(params.get("target", "mars"), a, b, threshold)]
    out["passes"] = []
    if site is not None:
        if span > limits["max_pass_days"]:
            out["passes_note"] = (f"passes are listed for spans up to {limits['max_pass_days']:g} days; "
                                  "narrow the span to see them")
        else:
            out["passes"] = [p.as_json() for p in passes(params.get("target", "mars"), a, b, site,
                                                         float(params.get("min_elevation_deg", 10.0)))]
    return out


def stations(params: dict, limits: dict) -> list[dict]:
    """The station catalogue of :mod:`tianwen.tracking`."""
    from ..tracking import stations as catalogue

    return [{"name": s.name, "lat_deg": s.lat_deg, "lon_deg": s.lon_deg, "height_m": s.height_m}
            for s in catalogue()]


# ---------------------------------------------------------------------------------------------------------
# warm-up: load every compiled kernel once, so the first request does not pay for it
# ---------------------------------------------------------------------------------------------------------


def preload() -> None:
    """Import the library modules the routes use (a compute process's start-up, before it says it is loaded)."""
    import importlib

    for name in ("porkchop", "windows", "history", "missions", "reconstruct", "tracking", "oem", "propagate",
                 "kepler", "returns", "roundtrip", "navigation"):
        importlib.import_module(f"tianwen.{name}")


def warmup() -> None:
    limits = {"max_cells": 10_000, "max_window_days": 1e4, "max_axis_points": 100, "max_windows_years": 1,
              "max_history_years": 1, "max_points": 200, "max_pass_days": 1, "max_geometry_days": 1, "max_oem_lines": 10}
    base = {"origin": "earth", "target": "mars", "ephemeris": "de421"}
    porkchop(dict(base, departure={"start": "2020-07-01", "end": "2020-07-05"},
                  arrival={"start": "2021-02-01", "end": "2021-02-05"}, step_days=1.0), limits)
    transfer(dict(base, departure="2020-07-19", arrival="2021-01-27", points=20), limits)
