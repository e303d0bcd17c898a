"""The broken-plane porkchop: ballistic and one-DSM total Δv side by side, on the same colour levels
(:func:`tianwen.dsm.dsm_porkchop`, :class:`tianwen.dsm.DSMGrid`).

The handbooks draw "with DSM" contours over the ballistic porkchop (NASA/TM-2010-216764, the broken-plane charts of
the Mars opportunities); here the two maps are panels of one figure with one colour scale, so that the 180° ridge,
a wall of cost on the left, is seen to close on the right. Each panel stars its least-cost cell; the legend gives both
and the plane change the broken-plane optimum needs.
"""

from __future__ import annotations

import numpy as np

from .plots_common import atomic_path, check_suffix, save_matplotlib

FORMATS = (".png", ".svg", ".nc")


def dv_levels(values, step: float = 0.25, count: int = 16) -> np.ndarray:
    """Round Δv levels (km/s) from the least finite value up, every ``step``, ``count`` of them."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    lo = float(np.floor(v.min() / step) * step) if v.size else 0.0
    return lo + step * np.arange(count + 1)


def broken_plane_figure(g, *, label: str | None = None):
    """A matplotlib figure of a :func:`~tianwen.dsm.dsm_porkchop` grid: ballistic total Δv (left) and one-DSM
    total Δv (right), the same levels and colours, each optimum starred."""
    import matplotlib
    from matplotlib.lines import Line2D

    from .dsm import grid_optima
    from .plots_common import date_axes, new_figure

    x, y = g.departure, g.arrival
    bal, dsm = g["ballistic_total_dv"].T, g["total_dv"].T
    levels = dv_levels(np.concatenate([bal[np.isfinite(bal)], dsm[np.isfinite(dsm)]]))
    fig = new_figure(figsize=(13, 6.4), dpi=130, layout="constrained")
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    cmap = matplotlib.colormaps["viridis_r"]
    optima = {o.kind: o for o in grid_optima(g)}
    kinds = ["ballistic", next((k for k in optima if k != "ballistic"), "dsm")]
    titles = {"ballistic": "ballistic Lambert arc", "broken-plane": "broken plane (one mid-course plane change)",
              "dsm": "one deep-space manoeuvre"}
    cf = None
    for ax, z, kind in zip(axes, (bal, dsm), kinds):
        shown = np.where(z <= levels[-1], z, np.nan)
        cf = ax.contourf(x, y, shown, levels=levels, cmap=cmap, extend="neither")
        lines = ax.contour(x, y, shown, levels=levels[::2], colors="black", linewidths=0.6)
        ax.clabel(lines, fmt="%.1f", fontsize=7)
        o = optima.get(kind)
        if o is not None:
            ax.plot(o.departure, o.arrival, marker="*", ms=14, color="white", mec="black", ls="none", zorder=5)
        ax.set_title(titles[kind], fontsize=10)
        date_axes(ax, x, y, "launch date (UTC)", "arrival date (UTC)" if ax is axes[0] else None, grid_alpha=0.25)
    cb = fig.colorbar(cf, ax=list(axes), pad=0.01, aspect=35)
    cb.set_label(f"total Δv (km/s): {g.attrs.get('objective', '')}")
    head = f"{g.attrs['origin'].capitalize()} → {g.attrs['target'].capitalize()}"
    if label:
        head += f", {label} opportunity"
    cap = g.attrs.get("max_c3_km2s2")
    head += f" ({str(g.attrs.get('ephemeris', '')).upper()}; "
    head += "no C3 cap)" if cap is None or not np.isfinite(cap) else f"C3 ≤ {cap:g} km²/s²)"
    fig.suptitle(head, fontsize=11)
    handles = []
    for kind in kinds:
        o = optima.get(kind)
        if o is None:
            continue
        extra = f", plane change {1000 * o.dsm_dv_kms:.0f} m/s" if kind != "ballistic" else ""
        handles.append(Line2D([], [], marker="*", color="white", mec="black", ms=11, ls="none",
                              label=f"least {kind}: {o.total_dv_kms:.3f} km/s, launch {str(o.departure)[:10]}, "
                                    f"arrive {str(o.arrival)[:10]} (C3 {o.c3_km2s2:.2f} km²/s²{extra})"))
    fig.legend(handles=handles, loc="outside lower center", ncol=1, fontsize=8, frameon=False)
    return fig


def save_broken_plane(g, path, *, label: str | None = None) -> str:
    """Write a DSM grid to ``path``: the side-by-side figure (.png, .svg) or the grid itself (.nc, with the
    ballistic variables beside, :meth:`tianwen.dsm.DSMGrid.to_dataset`)."""
    ext = check_suffix(path, FORMATS)
    with atomic_path(path) as tmp:
        if ext == ".nc":
            g.to_dataset().to_netcdf(tmp)
        else:
            save_matplotlib(broken_plane_figure(g, label=label), tmp, ext)
    return str(path)
