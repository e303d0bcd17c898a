"""A porkchop's data, NumPy only: the vocabulary of its variables (:data:`VARIABLES`), the grid as plain arrays
(:class:`Grid`) and its Type I/II best cells (:func:`minima`).

:mod:`tianwen.porkchop` computes grids and re-exports these names; they live apart so that what only reads a
grid (a figure drawn in a second process, :mod:`tianwen.cli.aside`) imports neither Numba nor the kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import TianwenError


@dataclass(frozen=True)
class Variable:
    """One porkchop quantity: its Dataset name, units, long name, JSON name (units in the name), the decimals
    an encoder keeps, and a short human label (plots, tooltips)."""

    name: str
    units: str
    long_name: str
    json_name: str
    decimals: int
    label: str


#: The porkchop vocabulary, declared once: the Dataset, the CLI, the web API, the plots and the survey store read it.
VARIABLES: dict[str, Variable] = {v.name: v for v in (
    Variable("c3", "km^2/s^2", "launch energy C3 = vinf_dep^2", "c3_km2s2", 4, "C3 (km²/s²)"),
    Variable("vinf_dep", "km/s", "departure hyperbolic excess speed", "vinf_dep_kms", 5, "departure v∞ (km/s)"),
    Variable("dla", "deg", "declination of the launch asymptote (EME2000)", "dla_deg", 3, "DLA (°)"),
    Variable("rla", "deg", "right ascension of the launch asymptote (EME2000)", "rla_deg", 3, "RLA (°)"),
    Variable("vinf_arr", "km/s", "arrival hyperbolic excess speed", "vinf_arr_kms", 5, "arrival v∞ (km/s)"),
    Variable("dla_arr", "deg", "declination of the arrival asymptote (EME2000)", "dla_arr_deg", 3,
             "arrival asymptote declination (°)"),
    Variable("rla_arr", "deg", "right ascension of the arrival asymptote (EME2000)", "rla_arr_deg", 3,
             "arrival asymptote right ascension (°)"),
    Variable("tof", "day", "time of flight", "tof_days", 4, "time of flight (days)"),
    Variable("transfer_angle", "deg", "heliocentric transfer angle in the direction of motion",
             "transfer_angle_deg", 3, "transfer angle (°)"),
    Variable("transfer_type", "1",
             "1 = Type I (< 180 deg), 2 = Type II; 2N+1 / 2N+2 with N revolutions; 0 = no solution",
             "transfer_type", 0, "transfer type"),
    Variable("status", "1", "Lambert status: 0 solved, 1 no N-rev solution, 2 collinear, 3 invalid "
             "(arrival <= departure), 4 no convergence", "status", 0, "Lambert status"),
    Variable("dv_depart", "km/s", "impulsive departure burn from the circular parking orbit", "dv_depart_kms", 5,
             "departure Δv (km/s)"),
    Variable("dv_arrive", "km/s", "impulsive capture burn at periapsis of the capture orbit", "dv_arrive_kms", 5,
             "capture Δv (km/s)"),
    Variable("dv_total", "km/s", "dv_depart + dv_arrive", "dv_total_kms", 5, "total Δv (km/s)"),
    Variable("entry_speed", "km/s", "inertial speed at the target's entry interface (tianwen.returns)",
             "entry_speed_kms", 5, "entry speed (km/s)"),
    Variable("entry_ok", "1", "1 = entry speed within the cap max_entry_kms (attrs), 0 = above it",
             "entry_ok", 0, "entry speed within cap"),
)}


@dataclass
class Grid:
    """A porkchop as plain NumPy arrays (no xarray): ``data[name]`` of shape (departure, arrival) for the names of
    :data:`VARIABLES`, the two datetime64 axes in ``scale``, and the attributes. ``to_dataset()`` gives the
    ``xarray.Dataset`` that :func:`porkchop` returns; :func:`minima` reads either."""

    data: dict
    departure: np.ndarray
    arrival: np.ndarray
    scale: str
    attrs: dict

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[name]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.departure.size, self.arrival.size)

    @classmethod
    def of(cls, grid) -> "Grid":
        """``grid`` itself if it is a Grid; a Grid over the arrays of a porkchop Dataset otherwise (no copy)."""
        if not hasattr(grid, "data_vars"):
            return grid
        scale = str(grid["departure"].attrs.get("time_scale", "utc")).lower()
        return cls({k: grid[k].values for k in grid.data_vars}, grid["departure"].values, grid["arrival"].values,
                   scale, dict(grid.attrs))

    def to_dataset(self):
        import xarray as xr

        dims = ("departure", "arrival")
        ds = xr.Dataset({k: (dims, v) for k, v in self.data.items()},
                        coords={"departure": self.departure, "arrival": self.arrival})
        for k in ds.data_vars:
            ds[k].attrs.update(units=VARIABLES[k].units, long_name=VARIABLES[k].long_name)
        ds["departure"].attrs.update(long_name="departure epoch", time_scale=self.scale.upper())
        ds["arrival"].attrs.update(long_name="arrival epoch", time_scale=self.scale.upper())
        ds.attrs.update(self.attrs)
        return ds


@dataclass(frozen=True)
class Minimum:
    """The best cell of one transfer type in a porkchop grid (least C3, or least total Δv), full precision.

    ``type`` is ``"I"`` or ``"II"``; ``i``, ``j`` are the cell's departure and arrival indices; epochs are the
    grid's coordinates (``numpy.datetime64``, in the grid's time scale). The Δv fields are NaN when the grid has
    no parking orbit / capture orbit.
    """

    type: str
    i: int
    j: int
    departure: np.datetime64
    arrival: np.datetime64
    tof_days: float
    c3_km2s2: float
    vinf_arr_kms: float
    dla_deg: float
    rla_deg: float
    by: str = "c3"
    dv_depart_kms: float = float("nan")
    dv_arrive_kms: float = float("nan")
    dv_total_kms: float = float("nan")


def minima(grid, by: str = "c3") -> list[Minimum]:
    """The Type I and Type II best cells of a porkchop (a :class:`Grid` or its Dataset), those with a solution, in
    that order: least ``by`` (``"c3"``, or ``"dv_total"`` when the grid has a parking and a capture orbit). With
    ``revs = N`` the types are the N-revolution ones (``2N + 1`` and ``2N + 2``). Ties go to the first cell in
    (departure, arrival) order."""
    is_ds = hasattr(grid, "data_vars")
    names = set(grid.data_vars) if is_ds else set(grid.data)
    if by not in ("c3", "dv_total") or by not in names:
        raise TianwenError(f"by={by!r}: use 'c3', or 'dv_total' for a grid made with parking_alt_km and capture")
    get = (lambda k: np.asarray(grid[k].values)) if is_ds else (lambda k: grid[k])
    dep = np.asarray(grid["departure"].values) if is_ds else grid.departure
    arr = np.asarray(grid["arrival"].values) if is_ds else grid.arrival
    key_all, ttype = get(by), get("transfer_type")
    opt = lambda k, i, j: float(get(k)[i, j]) if k in names else float("nan")  # noqa: E731
    out = []
    base = 2 * int(grid.attrs.get("revs", 0))
    for t, name in ((1, "I"), (2, "II")):
        key = np.where(ttype == base + t, key_all, np.nan)
        if not np.isfinite(key).any():
            continue
        i, j = np.unravel_index(int(np.nanargmin(key)), key.shape)
        out.append(Minimum(name, int(i), int(j), dep[i], arr[j], float(get("tof")[i, j]), float(get("c3")[i, j]),
                           float(get("vinf_arr")[i, j]), float(get("dla")[i, j]), float(get("rla")[i, j]), by,
                           opt("dv_depart", i, j), opt("dv_arrive", i, j), opt("dv_total", i, j)))
    return out
