"""Figures and files from a porkchop ``xarray.Dataset``: PNG/SVG (matplotlib), interactive HTML (plotly),
NetCDF and CSV. Every file is written to a temporary name beside the target and renamed into place, so a
failure never leaves a half-written output.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import TianwenError

FORMATS = (".png", ".svg", ".html", ".nc", ".csv")


def atomic_path(path: str | os.PathLike):
    """Yield a temporary path in the target's folder; move it onto ``path`` only if the block succeeds
    (:func:`tianwen.files.atomic_write`: fsync, the user's umask, no temporary file left on any exit)."""
    from .files import atomic_write

    return atomic_write(path)


def _suffix(path) -> str:
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise TianwenError(f"output {str(path)!r}: unknown format {ext or '(none)'}; use one of {', '.join(FORMATS)}")
    return ext


def _display(name: str) -> str:
    return {"emb": "Earth (Earth–Moon barycentre)", "earth": "Earth"}.get(name, name.capitalize())


def _levels(c3: np.ndarray):
    finite = c3[np.isfinite(c3)]
    lo = float(np.floor(finite.min())) if finite.size else 0.0
    return np.arange(lo, lo + 41.0, 2.0)


def _missions_in(ds):
    """Catalogued missions launched near the grid's departure span (:func:`tianwen.missions.launched_between`),
    as (name, launch, arrival or None) in numpy datetime64 for the overlay."""
    from .missions import OVERLAY_MARGIN_DAYS, launched_between

    rows = []
    for m in launched_between(ds.departure.values[0], ds.departure.values[-1], margin_days=OVERLAY_MARGIN_DAYS):
        arrival = np.datetime64(m.arrival[:19]) if m.arrival else None
        rows.append((m.short_name, np.datetime64(m.launch[:19]), arrival))
    return rows


def porkchop_figure(ds, *, missions: bool = False, label: str | None = None):
    """A publication-quality matplotlib figure: filled C3, arrival v-infinity and TOF lines, minima marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from .porkchop import VARIABLES, minima

    x = ds.departure.values
    y = ds.arrival.values
    c3 = ds.c3.values.T
    fig, ax = plt.subplots(figsize=(10, 7.5), dpi=150)
    levels = _levels(c3)
    cf = ax.contourf(x, y, np.where(c3 <= levels[-1], c3, np.nan), levels=levels, cmap="viridis_r", extend="neither")
    cb = fig.colorbar(cf, ax=ax, pad=0.02)
    cb.set_label(f"launch energy {VARIABLES['c3'].label}")
    vinf = np.where(c3 <= levels[-1], ds.vinf_arr.values.T, np.nan)  # lines only where C3 is drawn
    finite = vinf[np.isfinite(vinf)]
    if finite.size:
        vl = np.arange(np.floor(finite.min() * 2) / 2, min(finite.max(), finite.min() + 6), 0.5)
        cs = ax.contour(x, y, vinf, levels=vl, colors="crimson", linewidths=0.7)
        ax.clabel(cs, fmt="%.1f km/s", fontsize=7)
    tof = ds.tof.values.T
    tl = np.arange(50, 601, 50)
    ct = ax.contour(x, y, tof, levels=tl, colors="0.35", linestyles="--", linewidths=0.6)
    ax.clabel(ct, fmt="%d d", fontsize=7)
    for m in minima(ds):
        ax.plot(m.departure, m.arrival, marker="*", color="white", mec="black", ms=14, zorder=5)
        ax.annotate(f"Type {m.type} min C3 {m.c3_km2s2:.2f} km²/s²\n{str(m.departure)[:10]} → "
                    f"{str(m.arrival)[:10]}, {m.tof_days:.0f} d",
                    (m.departure, m.arrival), xytext=(10, -22 if m.type == "I" else 10),
                    textcoords="offset points", fontsize=8, color="black",
                    bbox=dict(boxstyle="round", fc="white", alpha=0.8))
    if missions:
        for k, (name, launch, arrival) in enumerate(_missions_in(ds)):
            if arrival is not None and y[0] <= arrival <= y[-1]:
                ax.plot(launch, arrival, marker="o", color="orange", mec="black", ms=8, zorder=6)
                ax.annotate(name, (launch, arrival), xytext=(-8, 8 + 11 * (k % 3)), textcoords="offset points",
                            fontsize=8, ha="right", bbox=dict(boxstyle="round", fc="orange", alpha=0.7, lw=0),
                            arrowprops=dict(arrowstyle="-", lw=0.6))
            else:
                ax.axvline(launch, color="orange", lw=0.8)
                ax.annotate(name, (launch, y[-1]), xytext=(2, -10), textcoords="offset points", fontsize=7,
                            rotation=90, va="top")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(mdates.ConciseDateFormatter(axis.get_major_locator()))
    ax.set_xlabel("launch date (UTC)")
    ax.set_ylabel("arrival date (UTC)")
    title = f"{_display(ds.attrs['origin'])} → {_display(ds.attrs['target'])}"
    if label:
        title += f", {label} opportunity"
    ax.set_title(f"{title}: C3 (filled), arrival v∞ (red), time of flight (dashed) — {ds.attrs['ephemeris'].upper()}")
    ax.grid(alpha=0.25)
    fig.tight_layout()
    return fig


def porkchop_html(ds, *, missions: bool = False, label: str | None = None) -> str:
    """Interactive plotly page (self-contained, plotly.js inlined: works offline); hover shows every variable."""
    import plotly.graph_objects as go

    from .porkchop import VARIABLES, minima

    names = [k for k in VARIABLES if k in ds and k != "status"]  # the vocabulary's order
    custom = np.stack([ds[k].values.T.astype(float) for k in names], axis=-1)
    hover = "launch %{x|%Y-%m-%d}<br>arrival %{y|%Y-%m-%d}<br>" + "<br>".join(
        f"{k} = %{{customdata[{i}]:.3f}} {VARIABLES[k].units}" for i, k in enumerate(names)) + "<extra></extra>"
    c3 = ds.c3.values.T
    levels = _levels(c3)
    fig = go.Figure(go.Contour(
        x=ds.departure.values, y=ds.arrival.values, z=np.where(c3 <= levels[-1], c3, np.nan), customdata=custom,
        hovertemplate=hover, colorscale="Viridis", reversescale=True,
        contours=dict(start=levels[0], end=levels[-1], size=2.0), colorbar=dict(title=VARIABLES["c3"].label)))
    fig.add_trace(go.Contour(x=ds.departure.values, y=ds.arrival.values, z=ds.vinf_arr.values.T,
                             contours=dict(coloring="lines", showlabels=True, start=2.0, end=8.0, size=0.5),
                             line=dict(color="crimson", width=1), showscale=False, hoverinfo="skip",
                             name="arrival v∞ km/s"))
    for m in minima(ds):
        fig.add_trace(go.Scatter(x=[m.departure], y=[m.arrival], mode="markers+text",
                                 marker=dict(symbol="star", size=16, color="white", line=dict(color="black", width=1)),
                                 text=[f"Type {m.type} min C3 {m.c3_km2s2:.2f}"], textposition="top right",
                                 name=f"Type {m.type} minimum", hoverinfo="skip"))
    if missions:
        for mname, launch, arrival in _missions_in(ds):
            if arrival is not None:
                fig.add_trace(go.Scatter(x=[launch], y=[arrival], mode="markers+text", text=[mname],
                                         marker=dict(color="orange", size=10), name=mname))
    title = f"{_display(ds.attrs['origin'])} → {_display(ds.attrs['target'])}"
    fig.update_layout(title=title + (f", {label} opportunity" if label else "") + f" ({ds.attrs['ephemeris']})",
                      xaxis_title="launch date (UTC)", yaxis_title="arrival date (UTC)", template="plotly_white")
    return fig.to_html(include_plotlyjs=True, full_html=True)


def save_porkchop(ds, path, *, missions: bool = False, label: str | None = None) -> str:
    """Write the porkchop to ``path``; the format follows the suffix (.png .svg .html .nc .csv)."""
    ext = _suffix(path)
    with atomic_path(path) as tmp:
        if ext in (".png", ".svg"):
            import matplotlib.pyplot as plt

            fig = porkchop_figure(ds, missions=missions, label=label)
            fig.savefig(tmp, format=ext[1:])
            plt.close(fig)
        elif ext == ".html":
            Path(tmp).write_text(porkchop_html(ds, missions=missions, label=label), encoding="utf-8")
        elif ext == ".nc":
            ds.to_netcdf(tmp)
        else:
            ds.to_dataframe().to_csv(tmp)
    return str(path)


# ---------------------------------------------------------------------------------------------------------
# The mission record as a timeline
# ---------------------------------------------------------------------------------------------------------

OUTCOME_COLOURS = {"success": "#2ca02c", "partial": "#ff7f0e", "failure": "#d62728", "launch-failure": "#7f7f7f",
                   "en-route": "#1f77b4"}


def history_figure(opportunities, summary):
    """Opportunities as bands (launch window) coloured by minimum C3; missions as markers coloured by outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import cm, colors

    fig, ax = plt.subplots(figsize=(14, 6.5), dpi=150)
    c3s = [o.min_c3_km2s2 for o in opportunities]
    norm = colors.Normalize(vmin=min(c3s), vmax=max(c3s))
    cmap = matplotlib.colormaps["viridis_r"]
    for idx, o in enumerate(opportunities):
        a, b = np.datetime64(o.window_open), np.datetime64(o.window_close) + np.timedelta64(1, "D")
        ax.axvspan(a, b, color=cmap(norm(o.min_c3_km2s2)), alpha=0.85, lw=0)
        ax.annotate(o.label, (a, 0.2), rotation=90, fontsize=7, va="bottom", ha="right")
        for k, m in enumerate(o.launches):
            t = np.datetime64(m.entry.launch[:10])
            y = 1.0 + k + 0.5 * (idx % 2)  # stagger neighbouring opportunities so labels do not collide
            ax.plot(t, y, "o", color=OUTCOME_COLOURS[m.entry.outcome], mec="black", mew=0.5, ms=6,
                    fillstyle="full" if m.in_window else "none")
            ax.annotate(m.entry.short_name, (t, y), xytext=(4, 0), textcoords="offset points", fontsize=6,
                        va="center")
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.01, label="minimum C3 (km²/s²)")
    for name, colour in OUTCOME_COLOURS.items():
        ax.plot([], [], "o", color=colour, mec="black", mew=0.5, label=name)
    ax.plot([], [], "o", color="white", mec="black", label="launched outside the window")
    ax.legend(loc="upper left", fontsize=7, ncol=3)
    ax.set_ylim(0, max([len(o.launches) for o in opportunities] + [1]) + 2.5)
    ax.set_yticks([])
    ax.set_xlabel("launch date (UTC)")
    ax.set_title(f"Earth–Mars launch opportunities {summary['since']}–{summary['until']}: {summary['with_launch']} of "
                 f"{summary['opportunities']} had at least one Mars launch (bands: C3 within margin of the minimum)")
    fig.tight_layout()
    return fig


def history_html(opportunities, summary) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    for o in opportunities:
        fig.add_vrect(x0=o.window_open, x1=o.window_close, fillcolor="steelblue",
                      opacity=float(0.25 + 0.6 * min(1.0, 9.0 / o.min_c3_km2s2)), line_width=0,
                      annotation_text=f"{o.label}<br>C3 {o.min_c3_km2s2:.1f}", annotation_position="bottom left")
        for k, m in enumerate(o.launches):
            arc = m.arc
            detail = (f"C3 {arc.c3_km2s2} km²/s², type {arc.type}, v∞ arr {arc.vinf_arr_kms} km/s"
                      if arc.c3_km2s2 is not None else (arc.note or ""))
            fig.add_trace(go.Scatter(
                x=[m.entry.launch[:10]], y=[1 + k], mode="markers+text", text=[m.entry.short_name],
                textposition="middle right", marker=dict(color=OUTCOME_COLOURS[m.entry.outcome], size=10,
                                                         line=dict(color="black", width=1)),
                hovertext=f"{m.entry.name}<br>{m.entry.agency}, {m.entry.country}<br>launch {m.entry.launch}<br>"
                          f"{m.entry.outcome}<br>{detail}", hoverinfo="text", showlegend=False))
    fig.update_layout(title=f"Earth–Mars opportunities {summary['since']}–{summary['until']}: "
                            f"{summary['with_launch']} of {summary['opportunities']} with a Mars launch",
                      yaxis=dict(visible=False), xaxis_title="launch date (UTC)", template="plotly_white")
    return fig.to_html(include_plotlyjs=True, full_html=True)


def save_history(opportunities, summary, path) -> str:
    """Write the timeline to ``path`` (.png, .svg or .html)."""
    ext = _suffix(path)
    if ext not in (".png", ".svg", ".html"):
        raise TianwenError(f"history output {str(path)!r}: use .png, .svg or .html")
    with atomic_path(path) as tmp:
        if ext == ".html":
            Path(tmp).write_text(history_html(opportunities, summary), encoding="utf-8")
        else:
            import matplotlib.pyplot as plt

            fig = history_figure(opportunities, summary)
            fig.savefig(tmp, format=ext[1:])
            plt.close(fig)
    return str(path)


# ---------------------------------------------------------------------------------------------------------
# A reconstructed mission in 3-D
# ---------------------------------------------------------------------------------------------------------

def _trajectory_data(rec, n: int = 600):
    """Sun-centred J2000-ecliptic positions (AU) of the cruise, Earth and Mars orbits, and the events."""
    from .bodies import AU_KM
    from .ephemeris import ICRF_TO_ECLIPTIC, state
    from .time import Epoch

    traj = rec.trajectory
    t0, t1 = traj.t0, traj.t1
    span = float(t1 - t0)
    ep = Epoch(np.full(n, t0.jd1), t0.jd2 + np.linspace(0.0, span, n), "tdb")
    sc, _ = traj.state(ep)
    def orbit(body, days):
        return state(body, Epoch(np.full(n, rec.launch.jd1), rec.launch.jd2 + np.linspace(0.0, days, n), "tdb"))[0]

    earth, mars = orbit("earth", 365.25), orbit("mars", 687.0)
    ecl = lambda r: (np.asarray(r) @ ICRF_TO_ECLIPTIC.T) / AU_KM
    events = [("launch", rec.launch), ("arrival", rec.arrival)]
    events += [(m["label"], _epoch_of(m["epoch_utc"])) for m in rec.manoeuvres]
    marks = []
    for label, t in events:
        if float(t - t0) < 0:  # before the propagated arc: the spacecraft is at the Earth
            r, _ = state("earth", t)
        else:  # clamp to the arc (the arrival may be a fraction of a second past its periapsis event)
            r, _ = traj.state(t if float(t - t1) <= 0 else t1)
        marks.append((label, ecl(r)))
    return ecl(sc), ecl(earth), ecl(mars), marks, ecl(state("earth", rec.launch)[0]), ecl(state("mars", rec.arrival)[0])


def _epoch_of(text):
    from .time import epoch

    return epoch(text.rstrip("Z")).to("tdb")


def trajectory_figure(rec):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sc, earth, mars, marks, e0, m1 = _trajectory_data(rec)
    fig = plt.figure(figsize=(9, 8), dpi=150)
    ax = fig.add_subplot(projection="3d")
    ax.plot(*earth.T, color="tab:blue", lw=0.8, label="Earth orbit")
    ax.plot(*mars.T, color="tab:red", lw=0.8, label="Mars orbit")
    ax.plot(*sc.T, color="black", lw=1.5, label=f"{rec.as_json()['name']} cruise (n-body)")
    ax.scatter([0], [0], [0], color="gold", s=120, label="Sun")
    ax.scatter(*e0, color="tab:blue", s=30)
    ax.scatter(*m1, color="tab:red", s=30)
    for label, r in marks:
        ax.scatter(*r, color="black", s=12)
        ax.text(*r, " " + label, fontsize=7)
    ax.set_xlabel("x (AU, J2000 ecliptic)")
    ax.set_ylabel("y (AU)")
    ax.set_zlabel("z (AU)")
    lim = 1.7
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_zlim(-0.4, 0.4)
    ax.view_init(elev=35, azim=-60)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"{rec.as_json()['name']}: launch {rec.launch.date()}, arrival {rec.arrival.date()} "
                 f"({rec.tof_days:.1f} d), Sun-centred")
    fig.tight_layout()
    return fig


def trajectory_html(rec) -> str:
    import plotly.graph_objects as go

    sc, earth, mars, marks, e0, m1 = _trajectory_data(rec)
    fig = go.Figure()
    fig.add_trace(go.Scatter3d(x=earth[:, 0], y=earth[:, 1], z=earth[:, 2], mode="lines", name="Earth orbit",
                               line=dict(color="royalblue")))
    fig.add_trace(go.Scatter3d(x=mars[:, 0], y=mars[:, 1], z=mars[:, 2], mode="lines", name="Mars orbit",
                               line=dict(color="firebrick")))
    fig.add_trace(go.Scatter3d(x=sc[:, 0], y=sc[:, 1], z=sc[:, 2], mode="lines", name="cruise (n-body)",
                               line=dict(color="black", width=5)))
    fig.add_trace(go.Scatter3d(x=[0], y=[0], z=[0], mode="markers", name="Sun", marker=dict(color="gold", size=8)))
    fig.add_trace(go.Scatter3d(x=[r[0] for _, r in marks], y=[r[1] for _, r in marks], z=[r[2] for _, r in marks],
                               mode="markers+text", text=[label for label, _ in marks], name="events",
                               marker=dict(size=3, color="black")))
    fig.update_layout(title=f"{rec.as_json()['name']} cruise, Sun-centred J2000 ecliptic (AU)",
                      scene=dict(aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.3)))
    return fig.to_html(include_plotlyjs=True, full_html=True)


def save_trajectory(rec, path) -> str:
    """Write the reconstructed cruise to ``path`` (.png, .svg or .html)."""
    ext = _suffix(path)
    if ext not in (".png", ".svg", ".html"):
        raise TianwenError(f"trajectory output {str(path)!r}: use .png, .svg or .html")
    with atomic_path(path) as tmp:
        if ext == ".html":
            Path(tmp).write_text(trajectory_html(rec), encoding="utf-8")
        else:
            import matplotlib.pyplot as plt

            fig = trajectory_figure(rec)
            fig.savefig(tmp, format=ext[1:])
            plt.close(fig)
    return str(path)
