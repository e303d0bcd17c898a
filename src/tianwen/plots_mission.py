"""A reconstructed mission's cruise (:func:`tianwen.reconstruct.reconstruct`): by default a top view onto the
J2000 ecliptic (an Earth–Mars cruise is nearly planar: the ecliptic latitude stays within a few hundredths of an
AU), with the first of every month ticked along the arc and the events (launch, TCMs, arrival) labelled by
adjustText without collisions; ``view="3d"`` gives the perspective view.
"""

from __future__ import annotations

import numpy as np

from .plots_common import atomic_path, check_suffix, freeze_layout, new_figure, place_labels, plotly_page
from .plots_common import save_matplotlib
from .errors import TianwenError

VIEWS = ("top", "3d")


def trajectory_data(rec, n: int = 600) -> dict:
    """Sun-centred J2000-ecliptic positions (AU) of the cruise, the Earth's and Mars's orbits, the events
    [(label, position)], the Earth at launch, Mars at arrival, and month ticks [(date, position)]."""
    from .bodies import AU_KM
    from .ephemeris import ICRF_TO_ECLIPTIC, state
    from .time import Epoch, epoch

    traj = rec.trajectory
    t0, t1 = traj.t0, traj.t1
    span = float(t1 - t0)
    sc, _ = traj.state(Epoch(np.full(n, t0.jd1), t0.jd2 + np.linspace(0.0, span, n), "tdb"))

    def orbit(body, days):
        return state(body, Epoch(np.full(n, rec.launch.jd1), rec.launch.jd2 + np.linspace(0.0, days, n), "tdb"))[0]

    def ecl(r):
        return (np.asarray(r) @ ICRF_TO_ECLIPTIC.T) / AU_KM

    def at(t):
        if float(t - t0) < 0:  # before the propagated arc: the spacecraft is at the Earth
            return ecl(state("earth", t)[0])
        return ecl(traj.state(t if float(t - t1) <= 0 else t1)[0])  # clamp (arrival a fraction of a s past t1)

    events = [("launch", rec.launch), ("arrival", rec.arrival)]
    events += [(m["label"], epoch(m["epoch_utc"].rstrip("Z")).to("tdb")) for m in rec.manoeuvres]
    first = np.datetime64(rec.launch.date(), "M") + np.timedelta64(1, "M")
    months = []
    d = first
    while True:
        t = epoch(str(np.datetime64(d, "D"))).to("tdb")
        if float(t - rec.arrival) > -5.0:  # not on top of the arrival
            break
        if float(t - rec.launch) > 5.0:
            months.append((np.datetime64(d, "D"), at(t)))
        d = d + np.timedelta64(1, "M")
    return dict(cruise=ecl(sc), earth=ecl(orbit("earth", 365.25)), mars=ecl(orbit("mars", 687.0)),
                events=[(label, at(t)) for label, t in events], earth_at_launch=ecl(state("earth", rec.launch)[0]),
                mars_at_arrival=ecl(state("mars", rec.arrival)[0]), months=months)


def _month_label(d: np.datetime64, first: bool) -> str:
    text = str(d)[:7]
    return text if first or text.endswith("-01") else ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                                        "Sep", "Oct", "Nov", "Dec"][int(text[5:7])]


def trajectory_figure(rec, *, view: str = "top"):
    """The cruise in the ecliptic: ``view="top"`` (2-D, x-y of J2000 ecliptic, AU) or ``"3d"``."""
    if view not in VIEWS:
        raise TianwenError(f"view={view!r}: use one of {', '.join(map(repr, VIEWS))}")
    data = trajectory_data(rec)
    name = rec.as_json()["name"]
    title = (f"{name}: launch {rec.launch.date()}, arrival {rec.arrival.date()} ({rec.tof_days:.1f} d)\n"
             "Sun-centred, J2000 ecliptic; n-body cruise; dots: the 1st of each month")
    if view == "3d":
        return _figure_3d(data, name, title)
    fig = new_figure(figsize=(8, 8.4), dpi=150, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(*data["earth"][:, :2].T, color="tab:blue", lw=0.8, label="Earth orbit")
    ax.plot(*data["mars"][:, :2].T, color="tab:red", lw=0.8, label="Mars orbit")
    ax.plot(*data["cruise"][:, :2].T, color="black", lw=1.6, label=f"{name} cruise")
    ax.plot([0], [0], "o", color="gold", mec="darkorange", ms=12, label="Sun")
    ax.plot(*data["earth_at_launch"][:2], "o", color="tab:blue", ms=7, label="Earth at launch")
    ax.plot(*data["mars_at_arrival"][:2], "o", color="tab:red", ms=7, label="Mars at arrival")
    movable, px, py = [], [], []
    for label, r in data["events"]:
        ax.plot(r[0], r[1], "D", color="black", ms=4, zorder=5)
        px.append(r[0])
        py.append(r[1])
        movable.append(ax.text(r[0], r[1], label, fontsize=8, zorder=6,
                               bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.3", lw=0.5)))
    for k, (d, r) in enumerate(data["months"]):
        ax.plot(r[0], r[1], "o", color="0.35", ms=2.5, zorder=4)
        px.append(r[0])
        py.append(r[1])
        movable.append(ax.text(r[0], r[1], _month_label(d, k == 0), fontsize=6.5, color="0.25", zorder=6))
    ax.set_aspect("equal")
    lim = 1.75
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("x (AU, J2000 ecliptic, towards the vernal equinox)")
    ax.set_ylabel("y (AU)")
    ax.grid(alpha=0.2)
    ax.set_title(title, fontsize=9)
    fig.legend(loc="outside lower center", ncol=3, fontsize=7.5, frameon=False)
    freeze_layout(fig)
    place_labels(ax, movable, points=(px, py), max_move_px=60.0)
    return fig


def _figure_3d(data, name, title):
    fig = new_figure(figsize=(9, 8), dpi=150)
    ax = fig.add_subplot(projection="3d")
    ax.plot(*data["earth"].T, color="tab:blue", lw=0.8, label="Earth orbit")
    ax.plot(*data["mars"].T, color="tab:red", lw=0.8, label="Mars orbit")
    ax.plot(*data["cruise"].T, color="black", lw=1.5, label=f"{name} cruise (n-body)")
    ax.scatter([0], [0], [0], color="gold", s=120, label="Sun")
    ax.scatter(*data["earth_at_launch"], color="tab:blue", s=30)
    ax.scatter(*data["mars_at_arrival"], color="tab:red", s=30)
    ev = np.array([r for _, r in data["events"]])
    ax.scatter(*ev.T, color="black", marker="D", s=14, label="events: " + ", ".join(label for label, _ in
                                                                                   data["events"]))
    if data["months"]:
        mo = np.array([r for _, r in data["months"]])
        ax.scatter(*mo.T, color="0.35", s=5, label="the 1st of each month")
    ax.set_xlabel("x (AU, J2000 ecliptic)")
    ax.set_ylabel("y (AU)")
    ax.set_zlabel("z (AU)")
    lim = 1.7
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_zlim(-0.4, 0.4)
    ax.view_init(elev=35, azim=-60)
    ax.legend(loc="upper left", fontsize=7.5)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def trajectory_plotly(rec):
    """The cruise as an interactive 3-D plotly figure (events and month ticks labelled, hover for the date)."""
    import plotly.graph_objects as go

    data = trajectory_data(rec)
    fig = go.Figure()
    for key, label, colour, width in (("earth", "Earth orbit", "royalblue", 2), ("mars", "Mars orbit", "firebrick", 2),
                                      ("cruise", "cruise (n-body)", "black", 5)):
        r = data[key]
        fig.add_trace(go.Scatter3d(x=r[:, 0], y=r[:, 1], z=r[:, 2], mode="lines", name=label,
                                   line=dict(color=colour, width=width)))
    fig.add_trace(go.Scatter3d(x=[0], y=[0], z=[0], mode="markers", name="Sun", marker=dict(color="gold", size=8)))
    ev = data["events"]
    fig.add_trace(go.Scatter3d(x=[r[0] for _, r in ev], y=[r[1] for _, r in ev], z=[r[2] for _, r in ev],
                               mode="markers+text", text=[label for label, _ in ev], name="events",
                               marker=dict(size=3, color="black")))
    mo = data["months"]
    fig.add_trace(go.Scatter3d(x=[r[0] for _, r in mo], y=[r[1] for _, r in mo], z=[r[2] for _, r in mo],
                               mode="markers", hovertext=[str(d) for d, _ in mo], hoverinfo="text",
                               name="1st of each month", marker=dict(size=2, color="grey")))
    fig.update_layout(title=f"{rec.as_json()['name']} cruise, Sun-centred J2000 ecliptic (AU)",
                      scene=dict(aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.3)))
    return fig


def trajectory_html(rec) -> str:
    """:func:`trajectory_plotly` as one self-contained page (plotly.js inlined once: works offline)."""
    return trajectory_plotly(rec).to_html(include_plotlyjs=True, full_html=True)


def save_trajectory(rec, path, *, view: str = "top", plotlyjs: str = "auto") -> str:
    """Write the reconstructed cruise to ``path`` (.png or .svg: ``view`` "top" or "3d"; .html: interactive 3-D)."""
    ext = check_suffix(path, (".png", ".svg", ".html"), "trajectory output")
    if view not in VIEWS:
        raise TianwenError(f"view={view!r}: use one of {', '.join(map(repr, VIEWS))}")
    with atomic_path(path) as tmp:
        if ext == ".html":
            plotly_page(trajectory_plotly(rec), path, tmp, plotlyjs)
        else:
            save_matplotlib(trajectory_figure(rec, view=view), tmp, ext)
    return str(path)
