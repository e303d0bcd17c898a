"""Figures and files from a porkchop (a :class:`tianwen.porkchop.Grid` or its ``xarray.Dataset``): PNG/SVG
(matplotlib), interactive HTML (plotly), NetCDF and CSV; the mission-history timeline (:mod:`tianwen.plots_history`)
and a reconstructed cruise (:mod:`tianwen.plots_mission`) are exported from here too.

The porkchop follows the NASA Mars mission-opportunity handbooks (NASA/TM-1998-208533, NASA/TM-2010-216764): launch
energy C3 as labelled contour lines at round values over light filled bands, arrival v-infinity and time-of-flight
lines labelled, DLA lines on request, the Type I and II minima marked, and the title saying what each line is.
Labels are placed by adjustText and a label that would still collide is dropped (:mod:`tianwen.plots_common`).

Every file is written to a temporary name beside the target and renamed into place
(:func:`tianwen.files.atomic_write`), with the mode the user's umask gives.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from .errors import TianwenError
from .plots_common import FORMATS, atomic_path, check_suffix, date_axes, new_figure, place_labels
from .plots_common import plotly_page, save_matplotlib
from .plots_history import history_figure, history_html, history_plotly, save_history  # noqa: F401 (exported)
from .plots_mission import save_trajectory, trajectory_figure, trajectory_html, trajectory_plotly  # noqa: F401

__all__ = ["FORMATS", "atomic_path", "c3_levels", "porkchop_figure", "porkchop_plotly", "porkchop_html",
           "porkchop_csv", "save_porkchop", "history_figure", "history_plotly", "history_html", "save_history",
           "trajectory_figure", "trajectory_plotly", "trajectory_html", "save_trajectory"]

LINE_STYLES = {  # what each line is, in the title, the legend and the page
    "c3": dict(colors="black", linewidths=0.8, linestyles="solid"),
    "vinf_arr": dict(colors="#b2182b", linewidths=0.9, linestyles="dashed"),
    "tof": dict(colors="0.15", linewidths=0.9, linestyles="dotted"),
    "dla": dict(colors="#2166ac", linewidths=0.8, linestyles="dashdot"),
}


def _display(name: str) -> str:
    return {"emb": "Earth (Earth–Moon barycentre)", "earth": "Earth"}.get(name, name.capitalize())


def c3_levels(c3) -> np.ndarray:
    """Round C3 contour levels (km²/s²) as the handbooks draw them: every 1 from the minimum's integer up to 6
    above it, every 2 up to 14 above, every 5 up to 40 above (each level a whole multiple of its step)."""
    finite = np.asarray(c3, dtype=float)
    finite = finite[np.isfinite(finite)]
    lo = float(np.floor(finite.min())) if finite.size else 0.0
    levels = list(np.arange(lo, lo + 6.0, 1.0))
    levels += list(np.arange(2.0 * np.ceil((lo + 6.0) / 2.0), lo + 14.0, 2.0))
    levels += list(np.arange(5.0 * np.ceil((lo + 14.0) / 5.0), lo + 40.0 + 1e-9, 5.0))
    return np.array(sorted(set(levels)))


def type_boundary(transfer_type) -> np.ndarray:
    """Cells next to a change of transfer type (the 180° ridge between Type I and II, or the edge of the solved
    region): every quantity jumps there, so contour lines crowd into it; the figure draws no line over it."""
    t = np.asarray(transfer_type)
    edge = np.zeros(t.shape, dtype=bool)
    for axis in (0, 1):
        d = np.diff(t, axis=axis) != 0
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis], hi[axis] = slice(None, -1), slice(1, None)
        edge[tuple(lo)] |= d
        edge[tuple(hi)] |= d
    return edge


def _round_levels(values, step: float, count: int, start: float | None = None) -> np.ndarray:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return np.array([])
    lo = np.ceil((finite.min() if start is None else max(start, finite.min())) / step) * step
    hi = min(finite.max(), lo + step * (count - 1))
    return np.arange(lo, hi + step / 2, step)


def _now_utc() -> np.datetime64:
    return np.datetime64(datetime.now(timezone.utc).replace(tzinfo=None), "s")


def _today(today, x) -> np.datetime64 | None:
    """``today`` (None: now, UTC; False: no line) if it falls inside the departure axis ``x``."""
    if today is False:
        return None
    t = _now_utc() if today is None else np.datetime64(today, "s")
    return t if x[0] <= t <= x[-1] else None


def _launch_days(launch_days):
    """(launch dates, arrival dates or None) from datetime64 values, ISO strings, or launch-period days
    (objects with ``launch_utc`` and ``arrival_utc``, :class:`tianwen.launch.LaunchDay`)."""
    if launch_days is None or len(launch_days) == 0:
        return None, None
    first = launch_days[0]
    if hasattr(first, "launch_utc"):
        dep = np.array([np.datetime64(d.launch_utc.rstrip("Z")[:19]) for d in launch_days])
        arr = np.array([np.datetime64(d.arrival_utc.rstrip("Z")[:19]) for d in launch_days])
        return dep, arr
    try:
        return np.array([np.datetime64(str(d).rstrip("Z")[:19]) for d in launch_days]), None
    except ValueError:
        raise TianwenError(f"launch_days: {first!r} is not a date; give datetime64 values or launch-period days")


def _missions_in(g):
    """Catalogued missions launched near the grid's departure span (:func:`tianwen.missions.launched_between`),
    as (name, launch, arrival or None) in numpy datetime64 for the overlay."""
    from .missions import OVERLAY_MARGIN_DAYS, launched_between

    rows = []
    for m in launched_between(g.departure[0], g.departure[-1], margin_days=OVERLAY_MARGIN_DAYS):
        arrival = np.datetime64(m.arrival[:19]) if m.arrival else None
        rows.append((m.short_name, np.datetime64(m.launch[:19]), arrival))
    return rows


def porkchop_title(ds, label: str | None = None, dla: bool = False) -> tuple[str, str]:
    """The figure's two title lines: what is plotted, and what each line is."""
    head = f"{_display(ds.attrs['origin'])} → {_display(ds.attrs['target'])}"
    if label:
        head += f", {label} opportunity"
    head += f" ({ds.attrs['ephemeris'].upper()}, ballistic Type I/II)"
    lines = "black lines and bands: C3 (km²/s²) · red dashed: arrival v∞ (km/s) · grey dotted: time of flight (days)"
    if dla:
        lines += " · blue dash-dot: DLA (°)"
    return head, lines


#: A porkchop figure's frame, in figure fractions: the axes' left edge and top, the colour bar's left edge and
#: width; the axes end a gap short of the colour bar. Room below the axes (tick labels, axis label, year) is
#: :data:`BELOW_AXES_PX` above the legend.
FRAME = (0.068, 0.12, 0.856, 0.836)
COLOURBAR_X, COLOURBAR_W = 0.933, 0.0206
BELOW_AXES_PX = 76.0


def frame_above(fig, legend, ax, cax) -> None:
    """Put the axes and colour bar of a porkchop figure at :data:`FRAME`, their bottom above ``legend``."""
    top = legend.get_window_extent(fig.canvas.get_renderer()).y1
    bottom = (top + BELOW_AXES_PX) / fig.bbox.height
    left, _, width, height = FRAME
    height = FRAME[1] + height - bottom
    ax.set_position((left, bottom, width, height))
    cax.set_position((COLOURBAR_X, bottom, COLOURBAR_W, height))


def _legend_handles(best, dla: bool, t0, dep, arr, missions: bool) -> list:
    """The porkchop legend's entries: the line styles, each minimum with its numbers, the past, the launch period,
    the flown missions."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color="black", lw=0.8, label="C3 (km²/s²)"),
               Line2D([], [], color="#b2182b", lw=0.9, ls="--", label="arrival v∞ (km/s)"),
               Line2D([], [], color="0.25", lw=0.7, ls=":", label="time of flight (days)")]
    if dla:
        handles.append(Line2D([], [], color="#2166ac", lw=0.8, ls="-.", label="DLA (°, EME2000)"))
    for m in best:
        handles.append(Line2D([], [], marker="*", color="white", mec="black", ms=11, ls="none",
                              label=f"Type {m.type} minimum: C3 {m.c3_km2s2:.2f} km²/s², launch "
                                    f"{str(m.departure)[:10]}, arrive {str(m.arrival)[:10]} ({m.tof_days:.0f} d), "
                                    f"v∞ {m.vinf_arr_kms:.2f} km/s, DLA {m.dla_deg:.1f}°"))
    if t0 is not None:
        handles.append(Patch(color="0.55", alpha=0.55, label=f"past launch dates (today {str(t0)[:10]} UTC)"))
    if dep is not None:
        handles.append(Line2D([], [], ls="none", marker="|", ms=9, mew=1.6, color="#e66101",
                              label=f"launch period {str(dep.min())[:10]} … {str(dep.max())[:10]} ({dep.size} days)"
                                    + (", chosen arrivals •" if arr is not None else "")))
    if missions:
        handles.append(Line2D([], [], marker="o", color="orange", mec="black", ls="none", label="flown missions"))
    return handles


def porkchop_figure(ds, *, missions: bool = False, label: str | None = None, dla: bool = False, today=None,
                    launch_days=None):
    """A porkchop to the NASA handbook's standard (matplotlib figure).

    C3 as labelled black contour lines at round values (:func:`c3_levels`) over light bands, arrival v-infinity
    (red dashed, every 0.5 km/s) and time of flight (grey dotted, every 50 days) labelled, DLA (blue dash-dot,
    every 10°) with ``dla=True``; the Type I/II minima starred, their numbers in the legend. ``today`` (default
    now, UTC; ``False`` for none): a line, and launch dates before it greyed, when it lies on the departure axis.
    ``launch_days``: launch-period days (datetime64 values, or :class:`tianwen.launch.LaunchDay` objects whose
    chosen arrivals are then marked too) ticked along the bottom. Labels never overlap one another.
    """
    import matplotlib
    from matplotlib import colors

    from .grids import Grid, minima

    ds = Grid.of(ds)  # plain arrays: a Dataset is read, never built (xarray is slow to import)
    x, y = ds.departure, ds.arrival
    c3 = ds["c3"].T
    levels = c3_levels(c3)
    shown = np.isfinite(c3) & (c3 <= levels[-1])
    lined = shown & ~type_boundary(ds["transfer_type"].T)
    masked = lambda v: np.where(lined, v, np.nan)  # noqa: E731 (lines where C3 is drawn, off the Type I/II ridge)
    # The frame first (bands, colour bar, axes, title, legend) at fixed places, the axes' bottom set by the
    # legend's measured height; then what goes inside the axes, so that contour labels are placed on the final
    # axes. (matplotlib's constrained layout measured every tick label: 0.15 s of a 2 s command.)
    fig = new_figure(figsize=(10, 8.6), dpi=150)
    ax = fig.add_axes(FRAME)
    cax = fig.add_axes(FRAME)
    cmap = matplotlib.colormaps["viridis_r"]
    norm = colors.BoundaryNorm(levels, cmap.N)
    cf = ax.contourf(x, y, np.where(shown, c3, np.nan), levels=levels, cmap=cmap, norm=norm, alpha=0.45)
    cb = fig.colorbar(cf, cax=cax, ticks=levels, spacing="uniform")
    cb.ax.set_yticklabels([f"{v:g}" for v in levels], fontsize=7)
    cb.set_label("launch energy C3 (km²/s²)")
    best = minima(ds)
    t0 = _today(today, x)
    dep, arr = _launch_days(launch_days)
    flown = _missions_in(ds) if missions else []
    handles = _legend_handles(best, dla, t0, dep, arr, missions)
    date_axes(ax, x, y, "launch date (UTC)", "arrival date (UTC)")
    head, lines = porkchop_title(ds, label, dla)
    ax.set_title(f"{head}\n{lines}", fontsize=9)
    legend = fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7,
                        frameon=False)
    frame_above(fig, legend, ax, cax)

    fixed, movable = [], []
    c3_lines = ax.contour(x, y, masked(c3), levels=levels, **LINE_STYLES["c3"])
    fixed += ax.clabel(c3_lines, fmt="%g", fontsize=7, inline=False)
    vinf = masked(ds["vinf_arr"].T)
    vl = _round_levels(vinf, 0.5, 9)
    if vl.size:
        cs = ax.contour(x, y, vinf, levels=vl, **LINE_STYLES["vinf_arr"])
        movable += ax.clabel(cs, fmt=lambda v: f"{v:g} km/s", fontsize=6.5, inline=False, colors="#b2182b")
    tof = masked(ds["tof"].T)
    tl = _round_levels(tof, 50.0, 12, start=50.0)
    if tl.size:
        ct = ax.contour(x, y, tof, levels=tl, **LINE_STYLES["tof"])
        movable += ax.clabel(ct, fmt=lambda v: f"{v:g} d", fontsize=6.5, inline=False, colors="0.2")
    if dla:
        dl = _round_levels(masked(ds["dla"].T), 10.0, 19)
        if dl.size:
            cd = ax.contour(x, y, masked(ds["dla"].T), levels=dl, **LINE_STYLES["dla"])
            movable += ax.clabel(cd, fmt=lambda v: f"{v:g}°", fontsize=6.5, inline=False, colors="#2166ac")
    for t in fixed + movable:  # a light box hides the line under a label that stays on it
        t.set_bbox(dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.75))
    px, py = [], []
    for m in best:
        ax.plot(m.departure, m.arrival, marker="*", color="white", mec="black", ms=13, zorder=6, ls="none")
        px.append(m.departure)
        py.append(m.arrival)
        movable.insert(len(px) - 1, ax.text(m.departure, m.arrival, f"Type {m.type} min", fontsize=7.5, zorder=7,
                                  bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="black", lw=0.5)))
    if t0 is not None:
        ax.axvspan(x[0], t0, color="0.55", alpha=0.6, lw=0, zorder=1.5)  # over the bands, under the lines
        ax.axvline(t0, color="black", lw=1.2, zorder=5)
    if dep is not None:
        ax.plot(dep, np.full(dep.size, 0.012), transform=ax.get_xaxis_transform(), ls="none", marker="|", ms=9,
                mew=1.6, color="#e66101", zorder=6)
        px += list(dep)  # labels keep off the ticks
        py += [y[0] + 0.012 * (y[-1] - y[0])] * dep.size
        if arr is not None:
            ax.plot(dep, arr, ls="none", marker="o", ms=3, color="#e66101", mec="black", mew=0.3, zorder=6)
            px += list(dep)
            py += list(arr)
    for name, launch, arrival in flown:
        if arrival is not None and y[0] <= arrival <= y[-1]:
            ax.plot(launch, arrival, marker="o", color="orange", mec="black", ms=7, zorder=6)
            px.append(launch)
            py.append(arrival)
            movable.append(ax.text(launch, arrival, name, fontsize=7, zorder=7,
                                   bbox=dict(boxstyle="round,pad=0.2", fc="orange", alpha=0.8, lw=0)))
        else:
            ax.axvline(launch, color="orange", lw=0.8)
            movable.append(ax.text(launch, y[-1] - (y[-1] - y[0]) * 0.02, name, fontsize=7, rotation=90,
                                   va="top", ha="right"))
    place_labels(ax, movable, fixed=fixed, points=(px, py) if px else None)
    return fig


def porkchop_plotly(ds, *, missions: bool = False, label: str | None = None, dla: bool = False, today=None,
                    launch_days=None):
    """Interactive porkchop (a plotly figure): C3 filled, arrival v∞ (red dashed), time of flight (grey dotted)
    and, with ``dla=True``, DLA (blue) lines, each labelled, drawn as lines over the fill; hover shows every
    variable by its human name and units. Write it with :func:`save_porkchop` (plotly.js loaded once)."""
    import plotly.graph_objects as go

    from .grids import VARIABLES, Grid, minima

    ds = Grid.of(ds)
    names = [k for k in VARIABLES if k in ds.data and k != "status"]  # the vocabulary's order
    c3 = ds["c3"].T
    levels = c3_levels(c3)
    shown = np.isfinite(c3) & (c3 <= levels[-1])
    custom = np.stack([np.where(shown, ds[k].T, np.nan).astype(np.float32) for k in names], axis=-1)
    hover = "launch %{x|%Y-%m-%d}<br>arrival %{y|%Y-%m-%d}<br>" + "<br>".join(
        f"{VARIABLES[k].label} %{{customdata[{i}]:.{min(VARIABLES[k].decimals, 3)}f}}" for i, k in enumerate(names)
    ) + "<extra></extra>"
    x, y = ds.departure, ds.arrival
    f32 = lambda v: np.where(shown, v, np.nan).astype(np.float32)  # noqa: E731 (display precision, at the edge)
    fig = go.Figure(go.Contour(
        x=x, y=y, z=f32(c3), customdata=custom, hovertemplate=hover, colorscale="Viridis", reversescale=True,
        opacity=0.75, line=dict(color="black", width=0.6),
        contours=dict(start=2.0 * np.floor(levels[0] / 2.0), end=float(levels[-1]), size=2.0, showlabels=True,
                      labelfont=dict(size=10, color="black")),  # plotly's levels are uniform: every 2 km²/s²
        colorbar=dict(title="C3 (km²/s²)", dtick=2.0), name="C3 (km²/s²)"))

    def lines(var, step, count, colour, dash, unit, start=None):
        z = f32(ds[var].T)
        lv = _round_levels(z.astype(float), step, count, start)
        if lv.size:
            fig.add_trace(go.Contour(
                x=x, y=y, z=z, showscale=False, hoverinfo="skip", name=unit, showlegend=True,
                contours=dict(coloring="none", showlabels=True, start=float(lv[0]), end=float(lv[-1]), size=step,
                              labelfont=dict(size=11, color=colour)),
                line=dict(color=colour, width=1.6, dash=dash)))

    lines("vinf_arr", 0.5, 9, "#b2182b", "dash", "arrival v∞ (km/s)")
    lines("tof", 50.0, 12, "#303030", "dot", "time of flight (days)", start=50.0)
    if dla:
        lines("dla", 10.0, 19, "#2166ac", "dashdot", "DLA (°)")
    for m in minima(ds):
        fig.add_trace(go.Scatter(x=[m.departure], y=[m.arrival], mode="markers+text",
                                 marker=dict(symbol="star", size=16, color="white", line=dict(color="black", width=1)),
                                 text=[f"Type {m.type} min C3 {m.c3_km2s2:.2f}"], textposition="bottom right",
                                 name=f"Type {m.type} minimum", hoverinfo="skip"))
    t0 = _today(today, x)
    if t0 is not None:
        fig.add_vrect(x0=x[0], x1=t0, fillcolor="grey", opacity=0.45, line_width=0)
        fig.add_vline(x=t0, line=dict(color="black", width=2))
        fig.add_annotation(x=t0, y=1, yref="paper", text=f"today {str(t0)[:10]}", showarrow=False,
                           xanchor="left", yanchor="bottom")
    dep, arr = _launch_days(launch_days)
    if dep is not None:
        fig.add_trace(go.Scatter(x=dep, y=arr if arr is not None else np.full(dep.size, y[0]), mode="markers",
                                 marker=dict(symbol="line-ns-open" if arr is None else "circle", size=8,
                                             color="#e66101"), name="launch period"))
    if missions:  # names on staggered leaders, so that missions launched days apart stay readable
        flown = [(n, a, b) for n, a, b in _missions_in(ds) if b is not None]
        if flown:
            fig.add_trace(go.Scatter(x=[a for _, a, _ in flown], y=[b for _, _, b in flown], mode="markers",
                                     marker=dict(color="orange", size=10, line=dict(color="black", width=1)),
                                     name="flown missions", hovertext=[n for n, _, _ in flown], hoverinfo="text"))
        for k, (mname, launch, arrival) in enumerate(flown):
            fig.add_annotation(x=launch, y=arrival, text=mname, showarrow=True, arrowwidth=1, ax=-60 - 10 * (k % 2),
                               ay=-25 - 22 * k, bgcolor="orange", font=dict(size=11))
    head, what = porkchop_title(ds, label, dla)
    fig.update_layout(title=dict(text=f"{head}<br><sup>{what}</sup>"), xaxis_title="launch date (UTC)",
                      yaxis_title="arrival date (UTC)", template="plotly_white",
                      legend=dict(orientation="h", yanchor="top", y=-0.15))
    return fig


def porkchop_html(ds, **options) -> str:
    """The interactive porkchop (:func:`porkchop_plotly`, same options) as one self-contained page: plotly.js
    inlined once, so it works offline. :func:`save_porkchop` writes a smaller page when the grid is large."""
    return porkchop_plotly(ds, **options).to_html(include_plotlyjs=True, full_html=True)


def porkchop_csv(ds):
    """The porkchop as a table (pandas DataFrame) of its solved cells only (Lambert status 0, finite C3), one row
    per (departure, arrival), columns named with their units (``departure_utc``, ``c3_km2s2``, ...:
    :data:`tianwen.porkchop.VARIABLES` json names), rounded to the vocabulary's decimals (an encoding)."""
    from .grids import VARIABLES

    df = ds.drop_vars([k for k in ds.data_vars if k not in VARIABLES]).to_dataframe().reset_index()
    keep = np.isfinite(df["c3"].to_numpy())
    if "status" in df:
        keep &= df["status"].to_numpy() == 0
        df = df.drop(columns="status")
    df = df[keep]
    out = {"departure_utc": df["departure"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
           "arrival_utc": df["arrival"].dt.strftime("%Y-%m-%dT%H:%M:%S")}
    for k in VARIABLES:
        if k in df:
            v = VARIABLES[k]
            out[v.json_name] = df[k].round(v.decimals) if v.decimals else df[k].astype(int)
    import pandas as pd

    return pd.DataFrame(out)


def _dataset(grid):
    """The xarray Dataset of a porkchop (:class:`tianwen.porkchop.Grid` or Dataset): files need it, figures do not."""
    return grid if hasattr(grid, "data_vars") else grid.to_dataset()


def save_porkchop(ds, path, *, missions: bool = False, label: str | None = None, dla: bool = False, today=None,
                  launch_days=None, plotlyjs: str = "auto") -> str:
    """Write the porkchop (a :class:`tianwen.porkchop.Grid` or its Dataset) to ``path``; the format follows the
    suffix (.png .svg .html .nc .csv).

    ``dla``, ``today``, ``launch_days``, ``missions``, ``label``: see :func:`porkchop_figure`. ``.csv`` holds only
    the solved cells, units in the column names (:func:`porkchop_csv`). ``.html``: ``plotlyjs`` ("auto",
    "inline", "directory"), see :func:`tianwen.plots_common.plotly_page`; the page works offline either way.
    """
    ext = check_suffix(path)
    opts = dict(missions=missions, label=label, dla=dla, today=today, launch_days=launch_days)
    with atomic_path(path) as tmp:
        if ext in (".png", ".svg"):
            save_matplotlib(porkchop_figure(ds, **opts), tmp, ext)
        elif ext == ".html":
            plotly_page(porkchop_plotly(ds, **opts), path, tmp, plotlyjs)
        elif ext == ".nc":
            _dataset(ds).to_netcdf(tmp)
        else:
            porkchop_csv(_dataset(ds)).to_csv(tmp, index=False)
    return str(path)
