"""Targets and their look from the Earth for :mod:`tianwen.tracking`: light time, topocentric azimuth, elevation,
range and range rate, refraction, the Sun–Earth–target angle, the :func:`geometry` dataset and its output.

Positions are JPL DE421 in the barycentric frame, light time solved there; the direction is astrometric (no
aberration, no deflection); elevation is from the WGS84 ellipsoid normal, airless unless ``refraction`` (the model
is described in full in :mod:`tianwen.tracking`). :func:`barycentric_target`, :func:`topocentric_arrays`,
:func:`geocentric_look` and :func:`epoch_window` are the flat-array layer that :mod:`tianwen.tracking.events`
samples.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..bodies import C_KMS, DAY_S
from ..errors import TianwenError
from ..time import Epoch, epoch
from .earth import OMEGA_EARTH_RAD_S, c2t_and_cip, eop_source, tai_tdb
from .sites import Site, as_site

__all__ = ["CONJUNCTION_THRESHOLD_DEG", "REFRACTION_TEMPERATURE_C", "REFRACTION_PRESSURE_HPA", "resolve_target",
           "parse_step_days", "utc_grid", "refraction_deg", "Topocentric", "topocentric", "sun_earth_target_deg",
           "geometry", "check_output", "save_geometry", "barycentric_target", "topocentric_arrays",
           "geocentric_look", "epoch_window"]

#: Default solar-conjunction threshold, degrees of Sun–Earth–target angle.
CONJUNCTION_THRESHOLD_DEG = 3.0
#: Standard atmosphere for refraction (as in skyfield's ``altaz`` examples and Meeus's tables).
REFRACTION_TEMPERATURE_C = 10.0
REFRACTION_PRESSURE_HPA = 1010.0


# ---------------------------------------------------------------------------------------------------------
# Targets, observers, light time
# ---------------------------------------------------------------------------------------------------------


def _de421():
    from ..ephemeris import get_ephemeris

    return get_ephemeris("de421")


def resolve_target(target):
    """A tracking target: a DE421 body name (not the Earth) is returned as its canonical name; any other name is
    looked up as a mission through ``tianwen.reconstruct.trajectory(name)`` (an object with ``state(epoch)``); an
    object with ``state`` is returned as is."""
    from ..bodies import BODIES, body as lookup

    if not isinstance(target, str):
        if not callable(getattr(target, "state", None)):
            raise TianwenError(f"target {target!r}: give a body name (e.g. mars) or an object with state(epoch)")
        return target
    key = target.strip().lower()
    if key == "earth":
        raise TianwenError("target 'earth': the observer is on the Earth; choose another body or a spacecraft")
    if key in BODIES:
        return lookup(key).name
    planets = ", ".join(b for b in BODIES if b != "earth")
    try:
        from ..reconstruct import trajectory
    except ImportError:
        trajectory = None
    if trajectory is None:
        raise TianwenError(f"unknown target {target!r}: give a body ({planets}); spacecraft trajectories by mission "
                           f"name need tianwen.reconstruct.trajectory, which this installation does not provide yet")
    try:
        obj = trajectory(target)
    except (TianwenError, LookupError) as exc:
        raise TianwenError(f"unknown target {target!r}: not a body ({planets}) and not a mission trajectory "
                           f"({str(exc).splitlines()[0]})") from None
    if not callable(getattr(obj, "state", None)):
        raise TianwenError(f"mission {target!r}: its trajectory has no state(epoch) method")
    return obj


def barycentric_target(target):
    """``(label, bary, span)`` for a target (see :func:`resolve_target`): ``bary(tdb)`` gives its barycentric
    ICRF position (km) and velocity (km/s) as flat (n, 3) arrays at a TDB :class:`~tianwen.time.Epoch`, and
    ``span`` is the (first, last) TDB Julian dates where it is defined."""
    from ..ephemeris import check_span

    eph = _de421()
    label = target if isinstance(target, str) else None
    target = resolve_target(target)
    if isinstance(target, str):
        name = target

        def bary(tdb):
            check_span(eph, tdb)
            return eph.barycentric(name, tdb)

        return name, bary, eph.span_tdb_jd

    def bary(tdb):
        r, v = target.state(tdb)
        r = np.asarray(r, dtype=float).reshape(-1, 3)
        v = np.asarray(v, dtype=float).reshape(-1, 3)
        rs, vs = eph.barycentric("sun", tdb)
        return r + rs, v + vs

    label = label or str(getattr(target, "name", None) or type(target).__name__)
    span = getattr(target, "span_tdb_jd", None)
    return label, bary, (tuple(span) if span is not None else eph.span_tdb_jd)


def parse_step_days(text) -> float:
    """A time step as days: a number (days) or a number with a unit ``d``, ``h``, ``m`` or ``s`` (``"1d"``,
    ``"6h"``, ``"30m"``, ``"3600s"``)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(d|day|days|h|hr|hour|hours|m|min|s|sec)?\s*",
                     str(text))
    if not m:
        raise TianwenError(f"step {text!r} must be a positive duration like 1d, 6h, 30m or 3600s")
    unit = (m.group(2) or "d")[0]
    days = float(m.group(1)) / {"d": 1.0, "h": 24.0, "m": 1440.0, "s": DAY_S}[unit]
    if not days > 0.0:
        raise TianwenError(f"step {text!r} must be a positive duration like 1d, 6h, 30m or 3600s")
    return days


def utc_grid(start, end, step_days: float, max_epochs: int = 2_000_000) -> Epoch:
    """UTC epochs from ``start`` to ``end`` (inclusive when on the grid) every ``step_days``, stepped in
    ERFA's UTC quasi-Julian date so that labels stay on round times across leap seconds. ``end`` equal to
    ``start`` gives that single epoch."""
    a, b = epoch_window(start, end, allow_single=True)
    a, b = a.to("utc"), b.to("utc")
    span = (float(b.jd1) - float(a.jd1)) + (float(b.jd2) - float(a.jd2))
    if span / step_days + 1 > max_epochs:
        raise TianwenError(f"{span / step_days + 1:.3g} epochs from that window and step; at most {max_epochs:,}: "
                           f"use a step of at least {span / (max_epochs - 1):.3g} days")
    n = int(math.floor(span / step_days + 1e-9)) + 1
    return Epoch(np.full(n, float(a.jd1)), float(a.jd2) + np.arange(n) * step_days, "utc")


@dataclass
class _Look:
    rho: np.ndarray  # (n, 3) observer -> target at the retarded epoch, ICRF/GCRS axes, km
    rho_dot: np.ndarray  # (n, 3) its rate with respect to the reception time, km/s
    range_km: np.ndarray
    range_rate_kms: np.ndarray
    light_time_s: np.ndarray
    c2t: np.ndarray | None  # (n, 3, 3) GCRS -> ITRS, when an observer site is used
    spin: np.ndarray | None  # (n, 3) Earth's angular velocity in the ITRS, rad/s


def _observer(tdb: Epoch, site_: Site | None, tai: Epoch):
    from ..ephemeris import check_span

    eph = _de421()
    check_span(eph, tdb)
    r, v = eph.barycentric("earth", tdb)
    if site_ is None:
        return r, v, None
    c2t, pole = c2t_and_cip(tai)
    spin = OMEGA_EARTH_RAD_S * pole  # about the CIP, which polar motion tilts by ~1e-6 rad from the ITRS z axis
    x = site_.itrs_km
    r_site = np.einsum("nji,j->ni", c2t, x)  # M^T x
    v_site = np.einsum("nji,nj->ni", c2t, np.cross(spin, x))  # M^T (omega x x); precession-nutation rates neglected
    return r + r_site, v + v_site, (c2t, spin)


def _look(bary, epochs: Epoch, site_: Site | None, light_time: bool = True) -> _Look:
    if site_ is None:
        tdb = epochs.to("tdb")
        tdb, tai = Epoch(tdb.jd1.ravel(), tdb.jd2.ravel(), "tdb"), None
    else:
        tai, tdb = tai_tdb(epochs)
    r_obs, v_obs, frame = _observer(tdb, site_, tai)
    c2t, spin = frame if frame is not None else (None, None)
    rt, vt = bary(tdb)
    rho = rt - r_obs
    if light_time:
        tau = np.zeros(tdb.jd1.shape)
        for _ in range(8):
            new = np.sqrt(np.einsum("ni,ni->n", rho, rho)) / C_KMS
            done = np.max(np.abs(new - tau)) < 1e-9 if new.size else True
            tau = new
            rt, vt = bary(Epoch(tdb.jd1, tdb.jd2 - tau / DAY_S, "tdb"))
            rho = rt - r_obs
            if done:
                break
    rng = np.sqrt(np.einsum("ni,ni->n", rho, rho))
    u = rho / rng[:, None]
    dv = vt - v_obs
    if light_time:
        rdot = np.einsum("ni,ni->n", u, dv) / (1.0 + np.einsum("ni,ni->n", u, vt) / C_KMS)
        rho_dot = vt * (1.0 - rdot / C_KMS)[:, None] - v_obs
    else:
        rdot = np.einsum("ni,ni->n", u, dv)
        rho_dot = dv
    return _Look(rho, rho_dot, rng, rdot, rng / C_KMS, c2t, spin)


def _horizon(look: _Look, site_: Site):
    """Azimuth, elevation (deg) and elevation rate (deg/s) of the line of sight in the site's horizon frame."""
    axes = site_.horizon_axes()  # rows east, north, up (ITRS)
    p = np.einsum("nij,nj->ni", look.c2t, look.rho)
    # rate seen in the rotating frame: M rho_dot - omega x p
    pd = np.einsum("nij,nj->ni", look.c2t, look.rho_dot) - np.cross(look.spin, p)
    e, n, up = p @ axes.T[:, 0], p @ axes.T[:, 1], p @ axes.T[:, 2]
    ed, nd, upd = pd @ axes.T[:, 0], pd @ axes.T[:, 1], pd @ axes.T[:, 2]
    hor = np.hypot(e, n)
    el = np.arctan2(up, hor)
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    r2 = hor * hor + up * up
    with np.errstate(invalid="ignore", divide="ignore"):
        el_rate = (upd * hor * hor - up * (e * ed + n * nd)) / (r2 * hor)
    return np.degrees(az), np.degrees(el), np.degrees(el_rate)


def refraction_deg(elevation_deg, temperature_c: float = REFRACTION_TEMPERATURE_C,
                   pressure_hpa: float = REFRACTION_PRESSURE_HPA) -> np.ndarray:
    """Atmospheric refraction (degrees) to add to a geometric (airless) elevation: Bennett's (1982) formula
    ``R = 1/tan(h + 7.31/(h + 4.4))`` arcmin for apparent elevation ``h``, scaled by ``(P/1010)(283/(273+T))``
    and inverted by fixed-point iteration (Meeus, *Astronomical Algorithms*, ch. 16; as skyfield does). Zero
    below -1 deg and above 89.9 deg (where it is < 0.0003 deg)."""
    return _refraction(elevation_deg, temperature_c, pressure_hpa)[0]


def _refraction(elevation_deg, temperature_c, pressure_hpa):
    """(refraction, d apparent / d true) in degrees, for :func:`refraction_deg` and the elevation rate."""
    true = np.asarray(elevation_deg, dtype=float)
    k = (1.0 / 60.0) * (pressure_hpa / 1010.0) * (283.0 / (273.0 + temperature_c))

    def bennett(h):
        return np.where((h >= -1.0) & (h <= 89.9), k / np.tan(np.radians(h + 7.31 / (h + 4.4))), 0.0)

    apparent = true.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(50):
            new = true + bennett(apparent)
            converged = np.all(np.abs(new - apparent) < 1e-12)
            apparent = new
            if converged:
                break
        arg = np.radians(apparent + 7.31 / (apparent + 4.4))
        slope = -k / np.sin(arg) ** 2 * np.radians(1.0 - 7.31 / (apparent + 4.4) ** 2)  # dR/dh
        slope = np.where((apparent >= -1.0) & (apparent <= 89.9), slope, 0.0)
    return apparent - true, 1.0 / (1.0 - slope)


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topocentric:
    """A target seen from a site at each epoch (arrays of the epochs' shape)."""

    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray
    range_km: np.ndarray
    range_rate_kms: np.ndarray
    light_time_s: np.ndarray
    elevation_rate_deg_s: np.ndarray


def topocentric(target, epochs, site, *, light_time: bool = True, refraction: bool = False,
                temperature_c: float = REFRACTION_TEMPERATURE_C,
                pressure_hpa: float = REFRACTION_PRESSURE_HPA) -> Topocentric:
    """Azimuth and elevation (deg), range (km), range rate (km/s), one-way light time (s) and elevation rate
    (deg/s) of ``target`` from ``site`` at ``epochs`` (UTC strings unless a scale is given; any shape).

    ``site`` is a :class:`Site`, a station name, ``"LAT,LON,HEIGHT_M"`` or a ``(lat, lon, height_m)`` tuple.
    The direction is astrometric (light time, no aberration) and the elevation airless unless ``refraction``;
    ``light_time=False`` gives the instantaneous geometric direction and distance.
    """
    t = epoch(epochs)
    _, bary, _ = barycentric_target(target)
    topo = topocentric_arrays(bary, t, as_site(site), light_time, refraction, temperature_c, pressure_hpa)
    return Topocentric(*(x.reshape(t.shape) for x in topo))


def topocentric_arrays(bary, t: Epoch, s: Site, light_time: bool = True, refraction: bool = False,
                       temperature_c: float = REFRACTION_TEMPERATURE_C, pressure_hpa: float = REFRACTION_PRESSURE_HPA):
    """:func:`topocentric` on flat arrays, for a ``bary`` function of :func:`barycentric_target` and a
    :class:`Site`: the tuple (azimuth_deg, elevation_deg, range_km, range_rate_kms, light_time_s,
    elevation_rate_deg_s), each of shape (n,) for the n epochs of ``t``."""
    look = _look(bary, t, s, light_time)
    az, el, el_rate = _horizon(look, s)
    if refraction:
        dr, gain = _refraction(el, temperature_c, pressure_hpa)
        el, el_rate = el + dr, el_rate * gain
    return az, el, look.range_km, look.range_rate_kms, look.light_time_s, el_rate


def geocentric_look(bary, t: Epoch):
    """Light-time-corrected geocentric look at the target (a record with ``range_km``, ``range_rate_kms``,
    ``light_time_s`` ...) and the Sun–Earth–target angle (deg, flat array), for a ``bary`` function of
    :func:`barycentric_target`."""
    look = _look(bary, t, None)
    sun = _look(barycentric_target("sun")[1], t, None)
    cosang = np.einsum("ni,ni->n", look.rho, sun.rho) / (look.range_km * sun.range_km)
    return look, np.degrees(np.arccos(np.clip(cosang, -1.0, 1.0)))


def sun_earth_target_deg(target, epochs) -> np.ndarray:
    """Sun–Earth–target angle (solar elongation of the target, degrees) seen from the Earth's centre, both the
    target and the Sun light-time corrected."""
    t = epoch(epochs)
    _, bary, _ = barycentric_target(target)
    return geocentric_look(bary, t)[1].reshape(t.shape)


def geometry(target, epochs, site=None, *, refraction: bool = False):
    """Communication geometry over ``epochs`` as an ``xarray.Dataset`` on the coordinate ``epoch`` (UTC; TDB
    before 1960, as ``attrs["epoch_scale"]`` says).

    Variables: ``range_km`` — light-time-corrected distance from the Earth's centre at the epoch to the target
    when the light left it; ``light_time_s`` — that distance over c; ``range_rate_kms``; ``sep_deg`` — the
    Sun–Earth–target angle; and, when ``site`` is given, ``elevation_deg`` and ``azimuth_deg`` seen from it
    (airless unless ``refraction``). With a site, ``attrs["earth_orientation"]`` names the IERS file used and
    ``attrs["earth_orientation_beyond"]`` the model used for epochs past its predictions (``""`` when none is):
    such epochs also raise an :class:`~tianwen.tracking.earth.EOPWarning`.
    """
    import xarray as xr

    t = epoch(epochs)
    if t.jd1.ndim != 1:
        t = Epoch(t.jd1.ravel(), t.jd2.ravel(), t.scale)
    label, bary, _ = barycentric_target(target)
    look, sep = geocentric_look(bary, t)
    data = {
        "range_km": ("epoch", look.range_km, {"units": "km", "long_name": "light-time-corrected geocentric range"}),
        "light_time_s": ("epoch", look.light_time_s, {"units": "s", "long_name": "one-way light time (range / c)"}),
        "range_rate_kms": ("epoch", look.range_rate_kms, {"units": "km/s", "long_name": "geocentric range rate"}),
        "sep_deg": ("epoch", sep, {"units": "deg", "long_name": "Sun-Earth-target angle"}),
    }
    attrs = {"target": label, "ephemeris": "de421", "direction": "astrometric (light time, no aberration)"}
    if site is not None:
        s = as_site(site)
        az, el = topocentric_arrays(bary, t, s, refraction=refraction)[:2]
        data["elevation_deg"] = ("epoch", el, {"units": "deg", "long_name": "elevation" + (
            " (with refraction)" if refraction else " (airless)")})
        data["azimuth_deg"] = ("epoch", az, {"units": "deg", "long_name": "azimuth, north through east"})
        attrs.update(site=s.name, site_lat_deg=s.lat_deg, site_lon_deg=s.lon_deg, site_height_m=s.height_m,
                     refraction=int(bool(refraction)), **_eop_attrs(t))
    try:
        labels, attrs["epoch_scale"] = t.datetime64("utc"), "UTC"
    except TianwenError:  # before 1960 UTC is undefined: label the epochs in TDB
        labels, attrs["epoch_scale"] = t.datetime64("tdb"), "TDB"
    return xr.Dataset(data, coords={"epoch": ("epoch", labels.astype("datetime64[ns]"))}, attrs=attrs)


def _eop_attrs(t: Epoch) -> dict:
    """The Earth-orientation source for :func:`geometry`'s attributes, and the model used past its predictions
    when any epoch of ``t`` is (``""`` otherwise)."""
    info = eop_source()
    end = info["predictions_end_utc"]
    after = end is not None and bool(np.any(np.asarray(t.to("tai").jd) > float(epoch(end).to("tai").jd)))
    return {"earth_orientation": f"IERS finals2000A.all ({info['package']} {info['version']}), measured to "
                                 f"{info['measured_end_utc']}, predicted to {info['predictions_end_utc']}",
            "earth_orientation_beyond": (f"after {info['predictions_end_utc']}: {info['beyond']}" if after else "")}


def epoch_window(start, end, what: str = "window", allow_single: bool = False) -> tuple[Epoch, Epoch]:
    """``start`` and ``end`` as single epochs, refused unless ``end`` is after ``start`` (or equal to it, when
    ``allow_single``: a window of one epoch); ``what`` names the window in the message."""
    a, b = epoch(start), epoch(end)
    if a.shape != () or b.shape != ():
        raise TianwenError(f"{what} start and end must be single epochs")
    gap = float(b - a)
    if gap < 0.0 or (gap == 0.0 and not allow_single):
        raise TianwenError(f"{what} end {_label(b)} is not after its start {_label(a)}; swap them")
    return a, b


def _label(e: Epoch) -> str:
    try:
        return str(e.utc_iso())
    except TianwenError:
        return f"{e.iso()} {e.scale.upper()}"


# ---------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------


def check_output(path: str) -> None:
    """Refuse an output file name :func:`save_geometry` cannot write (checked before any computing)."""
    from ..files import check_output as check_path

    if not str(path).lower().endswith((".png", ".svg", ".pdf", ".csv", ".nc")):
        raise TianwenError(f"output {path!r}: use a .png, .svg, .pdf (plot), .csv or .nc (data) file name")
    check_path(path)


def save_geometry(ds, path: str, conjunction_list=(), threshold_deg: float = CONJUNCTION_THRESHOLD_DEG) -> None:
    """Write a :func:`geometry` dataset: ``.png``/``.svg``/``.pdf`` — range (with light time) and Sun–Earth–
    target angle over the span, conjunction periods shaded; ``.csv`` or ``.nc`` — the data."""
    check_output(path)
    from ..files import atomic_write

    with atomic_write(path) as tmp:
        _save_geometry(ds, path, tmp, conjunction_list, threshold_deg)


def _save_geometry(ds, path, tmp, conjunction_list, threshold_deg) -> None:
    lower = str(path).lower()
    if lower.endswith(".csv"):
        ds.to_dataframe().to_csv(tmp)
        return
    if lower.endswith(".nc"):
        ds.to_netcdf(tmp)
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = ds.epoch.values
    at_site = "elevation_deg" in ds
    fig, axes = plt.subplots(3 if at_site else 2, 1, figsize=(9, 9.0 if at_site else 6.5), sharex=True)
    ax1, ax2 = axes[0], axes[1]
    ax1.plot(t, ds.range_km.values / 1e6, color="tab:blue")
    ax1.set_ylabel("range from Earth (10$^6$ km)")
    ax1.grid(alpha=0.3)
    lt = ax1.secondary_yaxis("right", functions=(lambda r: r * 1e6 / C_KMS / 60.0, lambda m: m * 60.0 * C_KMS / 1e6))
    lt.set_ylabel("one-way light time (min)")
    ax1.set_title(f"{ds.attrs.get('target', 'target')}: range and Sun–Earth–target angle (DE421)")
    ax2.plot(t, ds.sep_deg.values, color="tab:orange")
    ax2.axhline(threshold_deg, color="tab:red", lw=0.8, ls="--", label=f"{threshold_deg:g}° threshold")
    for c in conjunction_list:
        lo = c.start.datetime64() if c.start is not None else t[0]
        hi = c.end.datetime64() if c.end is not None else t[-1]
        ax2.axvspan(lo, hi, color="tab:red", alpha=0.15)
    ax2.set_ylabel("Sun–Earth–target angle (deg)")
    ax2.set_yscale("log" if float(np.nanmin(ds.sep_deg.values)) < threshold_deg else "linear")
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(loc="best")
    if at_site:  # the station asked for: the target's elevation there, above the horizon shaded
        ax3 = axes[2]
        el = ds.elevation_deg.values
        ax3.plot(t, el, color="tab:green", lw=1.0)
        ax3.fill_between(t, 0.0, el, where=el > 0.0, color="tab:green", alpha=0.2, interpolate=True)
        ax3.axhline(0.0, color="k", lw=0.6)
        ax3.set_ylabel(f"elevation at {ds.attrs.get('site', 'the site')} (deg)")
        ax3.set_ylim(-90.0, 90.0)
        ax3.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(tmp, dpi=120, format=lower.rsplit(".", 1)[-1])
    plt.close(fig)
