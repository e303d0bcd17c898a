"""tianwen: open Earth–Mars mission design.

The public API, plain functions on arrays (units in names or docstrings)::

    from tianwen import epoch, state, lambert, porkchop, windows
    r_km, v_kms = state("mars", "2021-02-10T11:52:00")                 # DE421, Sun-centred, EME2000
    v1, v2 = lambert(r1_km, r2_km, tof_s)                               # Izzo 2015, batched
    traj = propagate(r0_km, v0_kms, t0, t1, dense=True)                 # n-body cruise (DE421 planets)
    ds = porkchop(("2020-05-01", "2020-09-30"), ("2020-12-01", "2021-10-31"))   # xarray.Dataset

Submodules are imported on first use, so ``import tianwen`` is instant.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "epoch": "time", "Epoch": "time", "epoch_range": "time",
    "state": "ephemeris", "get_ephemeris": "ephemeris",
    "body": "bodies", "BODIES": "bodies", "GM_SUN": "bodies",
    "max_revs": "lambert",
    "rv2coe": "kepler", "coe2rv": "kepler",
    "transfers": "porkchop",
    "find_opportunities": "windows",
    "TianwenError": "errors", "EpochError": "errors", "OutOfRangeError": "errors", "UnknownBodyError": "errors",
}

# Modules that are also callable as their main function: tianwen.lambert(...), tianwen.porkchop(...), ...
_CALLABLE_MODULES = ("lambert", "porkchop", "windows", "propagate")

__all__ = sorted(_LAZY) + list(_CALLABLE_MODULES)


def __getattr__(name):
    if name in _CALLABLE_MODULES:
        return import_module(f".{name}", __name__)
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tianwen' has no attribute {name!r}")
