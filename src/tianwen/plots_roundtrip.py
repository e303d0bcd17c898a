"""The figure of a round trip (:class:`tianwen.roundtrip.RoundTrip`): both legs and the planets' paths, seen
from ecliptic north (EME2000 rotated about x by the J2000 obliquity, 84381.406 arcsec, IAU 2006), Sun-centred.

The legs are the two Lambert arcs propagated on their conics (:func:`tianwen.kepler.propagate`) from their
start states; the planets are read from the round trip's ephemeris over the whole mission.
"""

from __future__ import annotations

import math

import numpy as np

FORMATS = (".png", ".svg")
_OBLIQUITY_RAD = math.radians(84381.406 / 3600.0)


def _ecliptic(r: np.ndarray) -> np.ndarray:
    c, s = math.cos(_OBLIQUITY_RAD), math.sin(_OBLIQUITY_RAD)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    return np.stack([x, c * y + s * z, -s * y + c * z], axis=-1)


def roundtrip_figure(rt, n: int = 400):
    """A matplotlib Figure of the round trip ``rt`` (AU axes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .bodies import AU_KM, GM_SUN
    from .ephemeris import heliocentric_state
    from .kepler import propagate
    from .time import Epoch

    o, r = rt.outbound, rt.ret.transfer
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    t0, t1 = o.departure, r.arrival
    span = float(t1 - t0)
    days = np.linspace(0.0, span, n)
    ts = Epoch(np.full(n, t0.jd1), t0.jd2 + days, "tdb")
    for name, colour in (("earth", "tab:blue"), ("mars", "tab:red")):
        pos = _ecliptic(heliocentric_state(name, ts, rt.ephemeris)[0]) / AU_KM
        ax.plot(pos[:, 0], pos[:, 1], color=colour, lw=0.8, alpha=0.5, label=f"{name.capitalize()} (mission span)")
    for leg, colour, what in ((o, "tab:orange", "outbound"), (r, "tab:green", "return")):
        dt = np.linspace(0.0, leg.tof_days * 86400.0, n)
        arc = _ecliptic(propagate(leg.r1_km, leg.v1_kms, dt, GM_SUN)[0]) / AU_KM
        ax.plot(arc[:, 0], arc[:, 1], color=colour, lw=2.0,
                label=f"{what}: {leg.departure.utc_iso()[:10]} → {leg.arrival.utc_iso()[:10]} "
                      f"({leg.tof_days:.0f} d)")
        for p, mark in ((arc[0], "o"), (arc[-1], "s")):
            ax.plot(p[0], p[1], mark, color=colour, ms=6)
    ax.plot(0, 0, "*", color="gold", ms=14)
    ax.set_aspect("equal")
    ax.set_xlabel("x (AU, ecliptic J2000)")
    ax.set_ylabel("y (AU, ecliptic J2000)")
    ax.grid(alpha=0.3)
    ax.set_title(f"{rt.opportunity} {rt.family}-class round trip (least {rt.minimise}): stay {rt.stay_days:.0f} d,\n"
                 f"capture {rt.capture_dv_kms:.3f} + departure {rt.ret.departure_dv_kms:.3f} = "
                 f"{rt.total_dv_kms:.3f} km/s; Earth entry {rt.ret.entry_speed_kms:.2f} km/s", fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def save_roundtrip(rt, path) -> str:
    """Write the figure of ``rt`` to ``path`` (.png or .svg), atomically (:func:`tianwen.files.atomic_write`)."""
    from pathlib import Path

    from .files import atomic_write, check_output

    check_output(path, FORMATS)
    ext = Path(path).suffix.lower()
    fig = roundtrip_figure(rt)
    import matplotlib.pyplot as plt

    try:
        with atomic_write(path, FORMATS) as tmp:
            fig.savefig(tmp, format=ext[1:], dpi=120)
    finally:
        plt.close(fig)
    return str(path)


# ---------------------------------------------------------------------------------------------------------
# The return porkchop (a Mars-to-Earth grid from tianwen.returns.return_grid, as a Dataset)
# ---------------------------------------------------------------------------------------------------------

def _levels(values, step: float, count: int) -> np.ndarray:
    """Round levels ``step`` apart from the first multiple of ``step`` above the minimum, at most ``count``."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return np.array([])
    lo = np.ceil(finite.min() / step) * step
    hi = min(finite.max(), lo + step * (count - 1))
    return np.arange(lo, hi + step / 2, step)


def dv_levels(dv) -> np.ndarray:
    """Departure-Δv band levels (km/s): every 0.1 from the minimum's tenth up to 1 above it, then every 0.25 up
    to 2.5 above (the C3 bands' scheme of :func:`tianwen.plots.c3_levels`, in Δv)."""
    finite = np.asarray(dv, dtype=float)
    finite = finite[np.isfinite(finite)]
    lo = float(np.floor(finite.min() * 10.0) / 10.0) if finite.size else 0.0
    levels = list(np.round(np.arange(lo, lo + 1.0, 0.1), 6))
    levels += list(np.arange(0.25 * np.ceil((lo + 1.0) / 0.25), lo + 2.5 + 1e-9, 0.25))
    return np.array(sorted(set(float(round(v, 6)) for v in levels)))


def return_porkchop_title(ds, label: str | None = None) -> tuple[str, str]:
    """The return figure's two title lines: what is plotted, and what each line is."""
    a = ds.attrs
    head = f"{a['origin'].capitalize()} → {a['target'].capitalize()} return"
    if label:
        head += f", {label} opportunity"
    head += (f" ({a['ephemeris'].upper()}, ballistic Type I/II); departure from a {a['departure_orbit_periapsis_radius_km']:g}"
             f" × {a['departure_orbit_apoapsis_radius_km']:g} km (radii) orbit, entry at {a['entry_alt_km']:g} km")
    lines = ("black lines and bands: departure Δv (km/s) · red dashed: entry speed (km/s) · "
             "grey dotted: time of flight (days)")
    if "max_entry_kms" in a:
        lines += f" · hatched: entry above the {a['max_entry_kms']:g} km/s cap"
    return head, lines


def return_porkchop_figure(ds, *, label: str | None = None):
    """A return porkchop (matplotlib figure) of a Dataset from :meth:`tianwen.returns.ReturnGrid.to_dataset`:
    the departure burn from the Mars orbit as labelled black lines over light bands (:func:`dv_levels`), the
    Earth entry speed (red dashed, every 0.25 km/s) and the time of flight (grey dotted, every 50 days)
    labelled, the cells above an entry-speed cap hatched, and the Type I/II least-Δv cells under the cap starred
    (:func:`tianwen.returns.return_minima`), their numbers in the legend."""
    import matplotlib
    from matplotlib import colors
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .plots import type_boundary
    from .plots_common import date_axes, freeze_layout, new_figure, place_labels
    from .returns import return_minima

    x, y = ds.departure.values, ds.arrival.values
    dv = ds.dv_depart.values.T
    levels = dv_levels(dv)
    shown = np.isfinite(dv) & (dv <= levels[-1])
    lined = shown & ~type_boundary(ds.transfer_type.values.T)
    masked = lambda v: np.where(lined, v, np.nan)  # noqa: E731
    fig = new_figure(figsize=(10, 8.6), dpi=150, layout="constrained")
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["viridis_r"]
    cf = ax.contourf(x, y, np.where(shown, dv, np.nan), levels=levels, cmap=cmap,
                     norm=colors.BoundaryNorm(levels, cmap.N), alpha=0.45)
    cb = fig.colorbar(cf, ax=ax, pad=0.01, ticks=levels, spacing="uniform", aspect=35)
    cb.ax.set_yticklabels([f"{v:g}" for v in levels], fontsize=7)
    cb.set_label("departure Δv from the Mars orbit (km/s)")
    fixed, movable = [], []
    cs = ax.contour(x, y, masked(dv), levels=levels, colors="black", linewidths=0.8)
    fixed += ax.clabel(cs, fmt="%g", fontsize=7, inline=False)
    # entry speed climbs steeply into the 180-deg ridge: its lines are drawn where the burn is within 1.2 km/s
    # of the least (the region a return would use), not where they would crowd against the ridge
    ve = np.where(lined & (dv <= levels[0] + 1.2), ds.entry_speed.values.T, np.nan)
    vl = _levels(ve, 0.25, 9)
    if vl.size:
        ce = ax.contour(x, y, ve, levels=vl, colors="#b2182b", linewidths=0.9, linestyles="dashed")
        movable += ax.clabel(ce, fmt=lambda v: f"{v:g} km/s", fontsize=6.5, inline=False, colors="#b2182b")
    tof = masked(ds.tof.values.T)
    tl = _levels(np.where(tof >= 50.0, tof, np.nan), 50.0, 12)
    if tl.size:
        ct = ax.contour(x, y, tof, levels=tl, colors="0.15", linewidths=0.9, linestyles="dotted")
        movable += ax.clabel(ct, fmt=lambda v: f"{v:g} d", fontsize=6.5, inline=False, colors="0.2")
    for t in fixed + movable:
        t.set_bbox(dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.75))
    handles = [Line2D([], [], color="black", lw=0.8, label="departure Δv (km/s)"),
               Line2D([], [], color="#b2182b", lw=0.9, ls="--", label="Earth entry speed (km/s)"),
               Line2D([], [], color="0.25", lw=0.7, ls=":", label="time of flight (days)")]
    cap = ds.attrs.get("max_entry_kms")
    if cap is not None and "entry_ok" in ds:
        over = np.where(shown & (ds.entry_ok.values.T == 0), 1.0, np.nan)
        with matplotlib.rc_context({"hatch.linewidth": 0.5, "hatch.color": "0.35"}):
            hatched = ax.contourf(x, y, over, levels=[0.5, 1.5], colors="none", hatches=["//"], zorder=2)
            hatched.set_edgecolor("0.35")
            hatched.set_linewidth(0.0)
        handles.append(Patch(facecolor="none", hatch="//", edgecolor="0.35",
                             label=f"entry speed above the {cap:g} km/s cap"))
    px, py = [], []
    for m in return_minima(ds):
        ax.plot(m.departure, m.arrival, marker="*", color="white", mec="black", ms=13, zorder=6, ls="none")
        px.append(m.departure)
        py.append(m.arrival)
        movable.insert(len(px) - 1, ax.text(m.departure, m.arrival, f"Type {m.type} min Δv", fontsize=7.5,
                                            zorder=7, bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="black",
                                                                lw=0.5)))
        handles.append(Line2D([], [], marker="*", color="white", mec="black", ms=11, ls="none",
                              label=f"Type {m.type} least Δv: {m.departure_dv_kms:.3f} km/s (v∞ "
                                    f"{m.vinf_dep_kms:.2f}), leave {str(m.departure)[:10]}, arrive "
                                    f"{str(m.arrival)[:10]} ({m.tof_days:.0f} d), entry {m.entry_speed_kms:.2f} km/s"))
    date_axes(ax, x, y, "Mars departure date (UTC)", "Earth arrival date (UTC)")
    head, lines = return_porkchop_title(ds, label)
    ax.set_title(f"{head}\n{lines}", fontsize=8.5)
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=7, frameon=False)
    freeze_layout(fig)
    place_labels(ax, movable, fixed=fixed, points=(px, py) if px else None)
    return fig


def save_return_porkchop(ds, path, *, label: str | None = None, **options) -> str:
    """Write a return porkchop to ``path``: .png/.svg as :func:`return_porkchop_figure`; .html, .nc and .csv
    through :func:`tianwen.plots.save_porkchop` (``options`` go there), whose hover, NetCDF variables and CSV
    columns include ``dv_depart``, ``entry_speed`` and ``entry_ok``."""
    from .plots import save_porkchop
    from .plots_common import atomic_path, check_suffix, save_matplotlib

    ext = check_suffix(path)
    if ext not in FORMATS:
        return save_porkchop(ds, path, label=label, **options)
    fig = return_porkchop_figure(ds, label=label)
    with atomic_path(path) as tmp:
        save_matplotlib(fig, tmp, ext)
    return str(path)
