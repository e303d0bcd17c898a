"""tianwen: open Earth–Mars mission design.

The public API, plain functions on arrays (units in names or docstrings)::

    from tianwen import epoch, state, lambert, porkchop, windows
    r_km, v_kms = state("mars", "2021-02-10T11:52:00")                 # DE421, Sun-centred, EME2000
    v1, v2 = lambert(r1_km, r2_km, tof_s)                               # Izzo 2015, batched
    traj = propagate(r0_km, v0_kms, t0, t1, dense=True)                 # n-body cruise (DE421 planets)
    ds = porkchop(("2020-05-01", "2020-09-30"), ("2020-12-01", "2021-10-31"))   # xarray.Dataset

Every name here is a function or class of a submodule (the table below says which), imported on first use, so
``import tianwen`` is instant. Some share their name with the module that defines them (``tianwen.lambert`` is
the function :func:`tianwen.lambert.lambert`; also ``porkchop``, ``windows``, ``propagate``, ``roundtrip``,
``survey``, ``reconstruct``):
reach those modules' other names with ``from tianwen.lambert import SOLVERS``, not ``import tianwen.lambert as m``.
"""

import sys
import types
from importlib import import_module

__version__ = "0.2.0"

#: public name -> the submodule that defines it
_EXPORTS = {
    "epoch": "time", "Epoch": "time", "epoch_range": "time",
    "state": "ephemeris", "get_ephemeris": "ephemeris",
    "body": "bodies", "Body": "bodies", "BODIES": "bodies", "GM_SUN": "bodies",
    "lambert": "lambert", "max_revs": "lambert",
    "rv2coe": "kepler", "coe2rv": "kepler",
    "porkchop": "porkchop", "porkchop_grid": "porkchop", "transfers": "porkchop", "transfer": "porkchop",
    "minima": "porkchop",
    "windows": "windows", "find_opportunities": "windows", "next_opportunity": "windows",
    "covered_years": "windows",
    "launch_period": "launch", "capability_kg": "launch", "daily_windows": "launch",
    "reachable_dla_deg": "launch",
    "dsm_transfer": "dsm", "broken_plane_transfer": "dsm", "dsm_porkchop": "dsm",
    "reconstruct_dsm": "reconstruct_dsm",
    "return_opportunities": "returns", "return_leg": "returns", "return_grid": "returns",
    "return_minima": "returns", "return_windows": "returns", "mission_orbit": "returns",
    "roundtrip": "roundtrip",
    "mission_entry": "landing", "landing_ellipse": "landing", "entry_corridor": "landing",
    "compare_stations": "navigation",
    "survey": "survey", "open_survey": "survey", "verify_survey": "survey", "repair_survey": "survey",
    "estimate_survey": "survey_plan", "reconstruct": "reconstruct",
    "propagate": "propagate",
    "TianwenError": "errors", "EpochError": "errors", "OutOfRangeError": "errors", "UnknownBodyError": "errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tianwen' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(types.ModuleType):
    """Python binds a package attribute to a submodule whenever that submodule is imported, which would replace
    the function ``tianwen.lambert`` by the module ``tianwen.lambert``. This class keeps exported functions in
    place: binding a submodule over an exported name is ignored (the module stays in ``sys.modules``)."""

    def __setattr__(self, name, value):
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
