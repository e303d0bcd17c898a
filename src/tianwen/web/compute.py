"""What the web app computes: one function per API route, run inside a compute process.

Each function takes the request's validated parameters (plain JSON values) and the server's limits, calls
the same library functions as the CLI, and returns a JSON-ready dict (``oem`` returns text). No numbers are
made here: the functions pick library results apart and name them. Bad input raises
:class:`~tianwen.errors.TianwenError` (one line; the API answers 422); a feature whose module is not installed
raises :class:`Unavailable` (501).

Units are in the field names, as in the library: ``c3_km2s2``, ``tof_days``, ``r_km``, ``v_kms``.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import math

import numpy as np

from ..errors import TianwenError

AU_KM = 149_597_870.7
#: Porkchop variables and the decimals they are sent with (well below each quantity's meaningful precision:
#: 1e-4 km^2/s^2 of C3, 1e-4 km/s, 1e-3 deg, 1e-4 day).
_DECIMALS = {"c3": 4, "vinf_dep": 5, "dla": 3, "rla": 3, "vinf_arr": 5, "dla_arr": 3, "rla_arr": 3, "tof": 4,
             "transfer_angle": 3, "dv_depart": 5, "dv_arrive": 5, "dv_total": 5}


class Unavailable(Exception):
    """A view whose library module is not installed (yet): the API answers 501 with this message."""


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def _finite(x, decimals: int | None = None):
    """A float for JSON: None for NaN/inf, rounded when asked."""
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, decimals) if decimals is not None else x


def _array(a: np.ndarray, decimals: int | None = None) -> list:
    """Nested lists of floats with None where not finite (JSON has no NaN)."""
    a = np.asarray(a, dtype=float)
    if decimals is not None:
        a = np.round(a, decimals)
    if np.isfinite(a).all():
        return a.tolist()
    obj = a.astype(object)
    obj[~np.isfinite(a)] = None
    return obj.tolist()


def _iso(values: np.ndarray) -> list[str]:
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


# ---------------------------------------------------------------------------------------------------------
# porkchop
# ---------------------------------------------------------------------------------------------------------


def _grid_size(a, b, step_days, n, what: str, limits: dict) -> int:
    """Points on one axis, refusing windows longer than the server allows (before any grid is built)."""
    span = float(b - a)
    if span < 0:
        raise TianwenError(f"{what} window is reversed: end {_utc_or_tdb(b)} is before start {_utc_or_tdb(a)}")
    if span > limits["max_window_days"]:
        raise TianwenError(f"{what} window of {span:.0f} days is longer than this server's limit of "
                           f"{limits['max_window_days']:.0f} days; split it or narrow it")
    if n is not None:
        return int(n)
    return int(math.floor(span / step_days + 1e-9)) + 1


def porkchop(params: dict, limits: dict) -> dict:
    """Porkchop grid (:func:`tianwen.porkchop.porkchop`) of an opportunity (:func:`tianwen.windows.plot_window`)
    or of explicit windows; every variable of the Dataset, indexed ``[departure][arrival]``."""
    from ..porkchop import BYTES_PER_CELL, porkchop as compute
    from ..time import epoch
    from ..windows import plot_window

    origin, target = _body_names(params["origin"], params["target"])
    eph = params["ephemeris"]
    label = None
    if params.get("opportunity") is not None:
        dep, arr, label = plot_window(params["opportunity"], origin=origin, target=target, ephemeris=eph)
    else:
        dep = (params["departure"]["start"], params["departure"]["end"])
        arr = (params["arrival"]["start"], params["arrival"]["end"])
    step, n = params.get("step_days", 1.0), params.get("n")
    nd = _grid_size(epoch(dep[0]), epoch(dep[1]), step, None if n is None else n[0], "departure", limits)
    na = _grid_size(epoch(arr[0]), epoch(arr[1]), step, None if n is None else n[1], "arrival", limits)
    cap = int(limits["max_cells"])
    if nd * na > cap:
        need = step * math.sqrt(nd * na / cap) if n is None else None
        hint = f"use a step of at least {math.ceil(need * 10) / 10:g} days" if need else "ask for fewer points"
        raise TianwenError(f"grid of {nd} x {na} = {nd * na:,} cells is over this server's limit of {cap:,} cells; "
                           f"{hint} or narrow the windows")
    capture = params.get("capture")
    ds = compute(dep, arr, step_days=None if n is not None else step, n=None if n is None else tuple(n),
                 origin=origin, target=target, revs=params.get("revs", 0), prograde=params.get("prograde", True),
                 branch=params.get("branch", "left"), ephemeris=eph, parking_alt_km=params.get("parking_alt_km"),
                 capture=None if capture is None else (capture["periapsis_alt_km"], capture["apoapsis_alt_km"]),
                 max_bytes=(cap + 1) * BYTES_PER_CELL)
    variables = {}
    for k in ds.data_vars:
        v = ds[k]
        values = v.values.tolist() if v.dtype.kind in "iu" else _array(v.values, _DECIMALS.get(k, 4))
        variables[k] = {"units": v.attrs.get("units", ""), "long_name": v.attrs.get("long_name", ""),
                        "values": values}
    return {
        "origin": ds.attrs["origin"], "target": ds.attrs["target"], "ephemeris": ds.attrs["ephemeris"],
        "opportunity": label, "departure_window": list(dep), "arrival_window": list(arr),
        "time_scale": ds.departure.attrs.get("time_scale", "UTC"),
        "shape": [int(ds.sizes["departure"]), int(ds.sizes["arrival"])],
        "departure": _iso(ds.departure.values), "arrival": _iso(ds.arrival.values),
        "variables": variables, "minima": _minima(ds), "missions": _missions_in(ds),
        "attrs": {k: (v.item() if hasattr(v, "item") else v) for k, v in ds.attrs.items()},
    }


def _minima(ds) -> list[dict]:
    """Type I and II minimum-C3 cells of a grid (what the CLI prints)."""
    rows = []
    base = 2 * int(ds.attrs.get("revs", 0))
    for t, name in ((1, "I"), (2, "II")):
        c3 = ds.c3.where(ds.transfer_type == base + t)
        if not bool(np.isfinite(c3).any()):
            continue
        idx = c3.argmin(...)
        cell = ds.isel(idx)
        rows.append({"type": name, "departure": _iso([cell.departure.values])[0],
                     "arrival": _iso([cell.arrival.values])[0],
                     "i": int(idx["departure"]), "j": int(idx["arrival"]),
                     "tof_days": round(float(cell.tof), 2), "c3_km2s2": round(float(cell.c3), 3),
                     "vinf_arr_kms": round(float(cell.vinf_arr), 4), "dla_deg": round(float(cell.dla), 2),
                     "rla_deg": round(float(cell.rla), 2)})
    return rows


def _missions_in(ds) -> list[dict]:
    """Catalogued missions launched within 30 days of the grid's departure span (for the overlay)."""
    from ..missions import load_catalogue

    if ds.attrs.get("origin") not in ("earth", "emb") or ds.attrs.get("target") != "mars":
        return []
    d0, d1 = ds.departure.values[0], ds.departure.values[-1]
    rows = []
    for m in load_catalogue():
        if m.gravity_assist_only:
            continue
        launch = np.datetime64(m.launch[:19])
        if d0 - np.timedelta64(30, "D") <= launch <= d1 + np.timedelta64(30, "D"):
            rows.append({"name": m.short_name, "launch": m.launch, "arrival": m.arrival, "outcome": m.outcome})
    return rows


# ---------------------------------------------------------------------------------------------------------
# one transfer: numbers, trajectory, orbits, OEM
# ---------------------------------------------------------------------------------------------------------


def _transfer_core(params: dict, limits: dict) -> dict:
    """The transfer's epochs, the porkchop-cell numbers and the Lambert states (Sun-centred ICRF)."""
    from ..bodies import GM_SUN
    from ..ephemeris import heliocentric_state
    from ..lambert import STATUS_MEANING, lambert
    from ..porkchop import transfers
    from ..time import epoch

    origin, target = _body_names(params["origin"], params["target"])
    eph = params["ephemeris"]
    dep = epoch(params["departure"])
    if params.get("arrival") is not None:
        arr = epoch(params["arrival"])
        tof = float(arr - dep)
    elif params.get("tof_days") is not None:
        tof = float(params["tof_days"])
        arr = dep.to("tdb") + tof
    else:
        raise TianwenError("give arrival (a date) or tof_days")
    if not tof > 0:
        raise TianwenError(f"arrival {_utc_or_tdb(arr)} is not after departure {_utc_or_tdb(dep)}")
    revs, prograde, branch = params.get("revs", 0), params.get("prograde", True), params.get("branch", "left")
    dep_tdb, arr_tdb = dep.to("tdb"), arr.to("tdb")
    cell = transfers(origin, target, dep_tdb, tof, revs=revs, prograde=prograde, branch=branch, ephemeris=eph)
    status = int(cell["status"])
    if status != 0:
        raise TianwenError(f"no ballistic transfer from {origin} on {_utc_or_tdb(dep)} to {target} on "
                           f"{_utc_or_tdb(arr)} ({revs} revolutions): Lambert status {status}, "
                           f"{STATUS_MEANING.get(status, 'unsolved')}")
    r1, vp1 = heliocentric_state(origin, dep_tdb, eph)
    r2, vp2 = heliocentric_state(target, arr_tdb, eph)
    v1, v2 = lambert(r1[0], r2[0], tof * 86400.0, mu=GM_SUN, revs=revs, prograde=prograde, branch=branch)
    return {"origin": origin, "target": target, "eph": eph, "dep": dep_tdb, "arr": arr_tdb, "tof": tof,
            "cell": cell, "r1": r1[0], "vp1": vp1[0], "r2": r2[0], "vp2": vp2[0], "v1": np.asarray(v1),
            "v2": np.asarray(v2)}


_NUMBER_NAMES = (("c3", "c3_km2s2"), ("vinf_dep", "vinf_dep_kms"), ("dla", "dla_deg"), ("rla", "rla_deg"),
                 ("vinf_arr", "vinf_arr_kms"), ("dla_arr", "dla_arr_deg"), ("rla_arr", "rla_arr_deg"),
                 ("tof", "tof_days"), ("transfer_angle", "transfer_angle_deg"))


def transfer(params: dict, limits: dict) -> dict:
    """One ballistic transfer: its numbers (those of the porkchop cell, :func:`tianwen.porkchop.transfers`), the
    Lambert arc (:func:`tianwen.lambert.lambert`) propagated two-body about the Sun
    (:func:`tianwen.kepler.propagate`) at ``points`` epochs, and the orbits of origin and target over one
    period (:func:`tianwen.ephemeris.state`), in the frame asked for (default J2000 ecliptic)."""
    from ..bodies import GM_SUN, body
    from ..ephemeris import ICRF_TO_ECLIPTIC
    from ..kepler import propagate
    from ..porkchop import _LONG, _UNITS, hyperbolic_dv
    from ..time import Epoch

    c = _transfer_core(params, limits)
    npts = int(params.get("points", 100))
    frame = params.get("frame", "ecliptic")
    rot = ICRF_TO_ECLIPTIC if frame == "ecliptic" else np.eye(3)
    tof_s = c["tof"] * 86400.0
    dt = np.linspace(0.0, tof_s, npts)
    r, v = propagate(c["r1"], c["v1"], dt, GM_SUN)
    epochs = Epoch(np.full(npts, c["dep"].jd1), c["dep"].jd2 + dt / 86400.0, "tdb")
    cell = c["cell"]
    numbers = {}
    for key, name in _NUMBER_NAMES:
        numbers[name] = {"value": _finite(cell[key] if key != "tof" else c["tof"], 6), "units": _UNITS[key],
                         "long_name": _LONG[key]}
    numbers["transfer_type"] = {"value": int(cell["transfer_type"]), "units": "1", "long_name": _LONG["transfer_type"]}
    if params.get("parking_alt_km") is not None:
        ob = body(c["origin"])
        dv = hyperbolic_dv(cell["vinf_dep"], ob.gm_km3_s2, ob.radius_km + float(params["parking_alt_km"]))
        numbers["dv_depart_kms"] = {"value": _finite(dv, 6), "units": "km/s", "long_name": _LONG["dv_depart"]}
    if params.get("capture") is not None:
        tb = body(c["target"])
        cap = params["capture"]
        dv = hyperbolic_dv(cell["vinf_arr"], tb.gm_km3_s2, tb.radius_km + float(cap["periapsis_alt_km"]),
                           tb.radius_km + float(cap["apoapsis_alt_km"]))
        numbers["dv_arrive_kms"] = {"value": _finite(dv, 6), "units": "km/s", "long_name": _LONG["dv_arrive"]}
    if "dv_depart_kms" in numbers and "dv_arrive_kms" in numbers:
        total = numbers["dv_depart_kms"]["value"] + numbers["dv_arrive_kms"]["value"]
        numbers["dv_total_kms"] = {"value": round(total, 6), "units": "km/s", "long_name": _LONG["dv_total"]}
    vec = lambda x: [float(y) for y in (rot @ np.asarray(x, dtype=float))]  # noqa: E731
    return {
        "origin": c["origin"], "target": c["target"], "ephemeris": c["eph"],
        "departure_utc": _utc_or_tdb(c["dep"]), "arrival_utc": _utc_or_tdb(c["arr"]),
        "departure_tdb": str(c["dep"].iso(3)), "arrival_tdb": str(c["arr"].iso(3)),
        "revs": params.get("revs", 0), "branch": params.get("branch", "left"),
        "numbers": numbers,
        "frame": "J2000 ecliptic, Sun-centred" if frame == "ecliptic" else "ICRF (EME2000), Sun-centred",
        "departure_state": {"r_km": vec(c["r1"]), "v_kms": vec(c["v1"]), "planet_v_kms": vec(c["vp1"])},
        "arrival_state": {"r_km": vec(c["r2"]), "v_kms": vec(c["v2"]), "planet_v_kms": vec(c["vp2"])},
        "trajectory": {"model": "two-body about the Sun (tianwen.kepler.propagate), Lambert arc (Izzo 2015)",
                       "gm_sun_km3_s2": GM_SUN, "epochs_utc": [_utc_or_tdb(epochs[i]) for i in range(npts)],
                       "t_s": dt.tolist(), "r_km": (r @ rot.T).tolist(), "v_kms": (v @ rot.T).tolist()},
        "orbits": {name: _orbit(name, c["dep"], c["eph"], rot, min(max(npts, 180), int(limits["max_points"])))
                   for name in (c["origin"], c["target"])},
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
    """The transfer arc as a CCSDS OEM 2.0 (KVN) file: written by :func:`tianwen.oem.write_oem` (the arc
    propagated with :func:`tianwen.propagate.propagate` in a Sun-only model, i.e. two-body, dense) when those
    modules are installed, else by the minimal writer below (:func:`tianwen.kepler.propagate`)."""
    from ..bodies import GM_SUN

    c = _transfer_core(params, limits)
    npts = int(params.get("points", 100))
    tof_s = c["tof"] * 86400.0
    name = f"{c['origin'].upper()}-{c['target'].upper()} TRANSFER"
    comments = [f"Ballistic {c['origin']} -> {c['target']} transfer of tianwen: Lambert arc (Izzo 2015) from "
                f"{c['eph']} states, two-body about the Sun (GM_SUN = {GM_SUN} km^3/s^2)."]
    oem_mod, prop = _optional("tianwen.oem"), _optional("tianwen.propagate")
    if oem_mod is not None and prop is not None:
        arc = prop.propagate(c["r1"], c["v1"], c["dep"], c["arr"], model=prop.NBodyModel(perturbers=()), dense=True)
        return _write_oem_text(oem_mod, arc, name, "TIANWEN-TRANSFER", tof_s / max(npts - 1, 1), comments)
    from ..kepler import propagate
    from ..time import Epoch

    dt = np.linspace(0.0, tof_s, npts)
    r, v = propagate(c["r1"], c["v1"], dt, GM_SUN)
    epochs = Epoch(np.full(npts, c["dep"].jd1), c["dep"].jd2 + dt / 86400.0, "tdb")
    return _oem_text(epochs, r, v, name, comments)


def _write_oem_text(oem_mod, segments, name: str, object_id: str, step_s: float, comments) -> str:
    """:func:`tianwen.oem.write_oem` into a temporary file, read back as text (the file is removed)."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(prefix="tianwen-web-", suffix=".oem")
    os.close(fd)
    try:
        oem_mod.write_oem(path, segments, object_name=name, object_id=object_id, step_s=float(step_s),
                          comments=comments)
        with open(path, encoding="ascii") as f:
            return f.read()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def _oem_text(epochs, r, v, name: str, comments: list[str]) -> str:
    """A minimal CCSDS OEM 2.0 in KVN (CCSDS 502.0-B-3): header, one metadata block, data lines (km, km/s)."""
    from .. import __version__

    iso = epochs.iso(6)
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    lines = ["CCSDS_OEM_VERS = 2.0", f"COMMENT tianwen {__version__}", f"CREATION_DATE = {now}",
             "ORIGINATOR = TIANWEN", "", "META_START", f"OBJECT_NAME = {name}", "OBJECT_ID = TIANWEN-TRANSFER",
             "CENTER_NAME = SUN", "REF_FRAME = ICRF", "TIME_SYSTEM = TDB", f"START_TIME = {iso[0]}",
             f"STOP_TIME = {iso[-1]}", "META_STOP", ""]
    lines += [f"COMMENT {c}" for c in comments]
    for i in range(len(iso)):
        lines.append(f"{iso[i]} " + " ".join(f"{x:.6f}" for x in r[i]) + " " + " ".join(f"{x:.9f}" for x in v[i]))
    return "\n".join(lines) + "\n"


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
    until = last if until is None else int(until)
    if until - since > limits["max_history_years"]:
        raise TianwenError(f"history of {until - since} years is over this server's limit of "
                           f"{limits['max_history_years']} years; ask for a shorter span")
    opps, summary = record(since, until, margin_km2s2=float(params.get("margin_km2s2", 5.0)))
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
# views built on colleagues' modules: present only when those modules are installed
# ---------------------------------------------------------------------------------------------------------


def _optional(name: str):
    """The module ``name`` if it is installed, else None (a module that fails inside is a bug: it raises)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
            return None
        raise


def available() -> dict:
    """Which optional views this installation can serve (checked without importing the heavy modules)."""
    import importlib.util

    def has(name):
        try:
            return importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            return False

    return {"mission": has("tianwen.reconstruct"), "geometry": has("tianwen.tracking"), "oem": has("tianwen.oem")}


def mission(params: dict, limits: dict) -> dict:
    """A mission flown again (:func:`tianwen.reconstruct.reconstruct`, issue 6; Tianwen-1 by default): its
    numbers as ``tianwen mission --json`` prints them, plus the n-body cruise sampled at ``points`` epochs,
    the manoeuvre positions and the Earth's and Mars' orbits, in the frame asked for."""
    rec_mod = _optional("tianwen.reconstruct")
    if rec_mod is None:
        raise Unavailable("the mission reconstruction (tianwen.reconstruct, issue 6) is not in this installation")
    from ..ephemeris import ICRF_TO_ECLIPTIC
    from ..missions import load_mission
    from ..time import Epoch, epoch

    load_mission(params["name"])  # an unknown name is one line, before any computation
    rec = rec_mod.reconstruct(params["name"])
    out = _jsonable(rec.as_json())
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
    rec_mod, oem_mod = _optional("tianwen.reconstruct"), _optional("tianwen.oem")
    if rec_mod is None or oem_mod is None:
        raise Unavailable("the mission reconstruction and OEM export (tianwen.reconstruct, tianwen.oem, issue 6) "
                          "are not in this installation")
    from ..missions import load_mission

    load_mission(params["name"])
    rec = rec_mod.reconstruct(params["name"])
    span_s = float(rec.trajectory.t1 - rec.trajectory.t0) * 86400.0
    step = float(params.get("step_s", 3600.0))
    if span_s / step > limits["max_oem_lines"]:
        raise TianwenError(f"a step of {step:g} s gives {span_s / step:,.0f} lines, over this server's limit of "
                           f"{limits['max_oem_lines']:,}; use a step of at least {math.ceil(span_s / limits['max_oem_lines'])} s")
    return _write_oem_text(oem_mod, rec.trajectory, rec.as_json()["name"],
                           rec.mission.raw.get("cospar_id", {}).get("value", "UNKNOWN"), step,
                           [f"Reconstructed by tianwen from published events; {a}" for a in rec.assumptions])


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _array(x) if x.dtype.kind == "f" else x.tolist()
    if isinstance(x, (float, np.floating)):
        return _finite(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if hasattr(x, "as_json"):
        return x.as_json()
    return x


def geometry(params: dict, limits: dict) -> dict:
    """Tracking geometry (issue 7, :mod:`tianwen.tracking`): range, light time, range rate and the Sun–Earth–
    target angle over a span; elevation, azimuth and passes from a station; solar conjunctions."""
    tracking = _optional("tianwen.tracking")
    if tracking is None:
        raise Unavailable("tracking geometry (tianwen.tracking, issue 7) is not in this installation yet")
    from ..time import epoch

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
    grid = tracking.utc_grid(params["start"], params["end"], step_days)  # the CLI's grid
    site = None
    if params.get("station"):
        site = tracking.station(params["station"])
    ds = tracking.geometry(params.get("target", "mars"), grid, site)
    out = {"target": ds.attrs.get("target"), "ephemeris": ds.attrs.get("ephemeris"),
           "epochs_utc": _iso(ds.epoch.values), "attrs": _jsonable(dict(ds.attrs)), "variables": {}}
    for k in ds.data_vars:
        out["variables"][k] = {"units": ds[k].attrs.get("units", ""), "long_name": ds[k].attrs.get("long_name", ""),
                               "values": _array(ds[k].values, 6)}
    threshold = float(params.get("conjunction_deg", getattr(tracking, "CONJUNCTION_THRESHOLD_DEG", 3.0)))
    out["conjunctions"] = [c.as_json() for c in tracking.conjunctions(params.get("target", "mars"), a, b,
                                                                         threshold)]
    out["passes"] = []
    if site is not None:
        if span > limits["max_pass_days"]:
            out["passes_note"] = (f"passes are listed for spans up to {limits['max_pass_days']:g} days; "
                                  "narrow the span to see them")
        else:
            out["passes"] = [p.as_json() for p in tracking.passes(params.get("target", "mars"), a, b, site,
                                                                  float(params.get("min_elevation_deg", 10.0)))]
    return out


def stations(params: dict, limits: dict) -> list[dict]:
    """The station catalogue of :mod:`tianwen.tracking`."""
    tracking = _optional("tianwen.tracking")
    if tracking is None:
        raise Unavailable("tracking geometry (tianwen.tracking, issue 7) is not in this installation yet")
    return [{"name": s.name, "lat_deg": s.lat_deg, "lon_deg": s.lon_deg, "height_m": s.height_m}
            for s in tracking.stations()]


# ---------------------------------------------------------------------------------------------------------
# warm-up: load every compiled kernel once, so the first request does not pay for it
# ---------------------------------------------------------------------------------------------------------


def warmup() -> None:
    limits = {"max_cells": 10_000, "max_window_days": 1e4, "max_axis_points": 100, "max_windows_years": 1,
              "max_history_years": 1, "max_points": 200, "max_pass_days": 1, "max_geometry_days": 1, "max_oem_lines": 10}
    base = {"origin": "earth", "target": "mars", "ephemeris": "de421"}
    porkchop(dict(base, departure={"start": "2020-07-01", "end": "2020-07-05"},
                  arrival={"start": "2021-02-01", "end": "2021-02-05"}, step_days=1.0), limits)
    transfer(dict(base, departure="2020-07-19", arrival="2021-01-27", points=20), limits)
