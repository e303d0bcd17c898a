"""What the web app computes for the way back from Mars: the return porkchop and the round trip.

Run inside a compute process, as :mod:`tianwen.web.compute`: each function takes the request's validated
parameters and the server's limits, calls the library (:mod:`tianwen.returns`, :mod:`tianwen.roundtrip`, the
functions ``tianwen returns`` and ``tianwen roundtrip`` call) and encodes what it returns. No numbers are made
here; a refused input is the library's one-line :class:`~tianwen.errors.TianwenError` (the API answers 422).
"""

from __future__ import annotations

from ..errors import TianwenError
from .compute import COMPACT_MEDIA_TYPE, check_grid, encode_variables, iso_utc


def _orbit(params: dict) -> dict:
    """The Mars orbit and entry keywords of a request, leaving the library's defaults where none was given."""
    keys = ("periapsis_radius_km", "apoapsis_radius_km", "entry_alt_km", "max_entry_kms")
    return {k: params[k] for k in keys if params.get(k) is not None}


def return_porkchop(params: dict, limits: dict):
    """The Mars-to-Earth porkchop of an opportunity (:func:`tianwen.windows.plot_window` with origin Mars) from
    :func:`tianwen.returns.return_grid`: every porkchop variable, with the departure burn from the Mars orbit
    (``dv_depart``), the Earth entry speed (``entry_speed``) and, under an entry-speed cap, ``entry_ok``,
    indexed ``[departure][arrival]`` in the porkchop's encodings (``params["format"]``); and the opportunity's least-Δv leg of each type
    (:func:`tianwen.returns.return_opportunities`, refined off the grid), or why there is none."""
    import numpy as np

    from ..porkchop import VARIABLES
    from ..returns import return_grid, return_opportunities
    from ..windows import plot_window

    eph = params["ephemeris"]
    dep, arr, label = plot_window(params["opportunity"], origin="mars", target="earth", ephemeris=eph)
    step = float(params.get("step_days", 2.0))
    check_grid(dep, arr, step, None, limits)
    orbit = _orbit(params)
    rg = return_grid(dep, arr, step_days=step, ephemeris=eph, scheduler=False, **orbit)
    data = dict(rg.grid.data)  # the return quantities under their porkchop names (tianwen.porkchop.VARIABLES)
    data.setdefault("dv_depart", rg.departure_dv_kms)
    data.setdefault("entry_speed", rg.entry_speed_kms)
    if rg.max_entry_kms is not None:
        data.setdefault("entry_ok", rg.feasible.astype(np.int8))
    compact = params.get("format", "compact") == "compact"
    try:
        legs = [leg.as_json() for leg in return_opportunities(int(label), int(label), ephemeris=eph, **orbit)]
        legs_note = None
    except TianwenError as exc:
        legs, legs_note = [], str(exc).splitlines()[0]
    out = {
        "origin": rg.grid.attrs["origin"], "target": rg.grid.attrs["target"], "ephemeris": rg.grid.attrs["ephemeris"],
        "opportunity": label, "departure_window": list(dep), "arrival_window": list(arr),
        "time_scale": rg.grid.scale.upper(), "shape": list(rg.grid.shape),
        "departure": iso_utc(rg.departure), "arrival": iso_utc(rg.arrival),
        "encoding": "compact" if compact else "json",
        "variables": encode_variables(data, VARIABLES, compact),
        "mars_orbit": {"periapsis_radius_km": rg.periapsis_radius_km, "apoapsis_radius_km": rg.apoapsis_radius_km},
        "entry_alt_km": rg.entry_alt_km, "max_entry_kms": rg.max_entry_kms,
        "legs": legs, "legs_note": legs_note,
    }
    return (COMPACT_MEDIA_TYPE, out) if compact else out


def roundtrip(params: dict, limits: dict) -> dict:
    """The best Earth-Mars-Earth round trip of an opportunity (:func:`tianwen.roundtrip.roundtrip`), as
    ``tianwen roundtrip --json`` prints it (:meth:`tianwen.roundtrip.RoundTrip.as_json`, the legs' end states
    included)."""
    from ..roundtrip import roundtrip as solve

    keys = ("periapsis_radius_km", "apoapsis_radius_km", "entry_alt_km", "max_entry_kms", "max_c3_km2s2",
            "max_dv_kms")
    kwargs = {k: params[k] for k in keys if params.get(k) is not None}
    stay = params.get("stay_days")
    rt = solve(params.get("opportunity", "next"), family=params.get("family", "conjunction"),
               stay_days=None if stay is None else tuple(stay), minimise=params.get("minimise", "dv"),
               step_days=float(params.get("step_days", 1.0)), ephemeris=params["ephemeris"], **kwargs)
    return rt.as_json()
