"""The Mars mission record as a timeline, one row per mission, grouped by Earth–Mars opportunity.

Each opportunity is a header row (its year, minimum C3 and window dates) over one row per mission launched in
it; the horizontal axis is days from the opportunity's minimum-C3 launch date, so every window lines up under the
others and a name never shares a row with another. The figure is portrait and narrow (readable on a phone); it
grows in height with the record. Markers are coloured by outcome and hollow when the launch fell outside the window.
"""

from __future__ import annotations

import numpy as np

from .errors import TianwenError
from .plots_common import atomic_path, check_suffix, freeze_layout, new_figure, plotly_page, save_matplotlib

OUTCOME_COLOURS = {"success": "#2ca02c", "partial": "#ff7f0e", "failure": "#d62728", "launch-failure": "#7f7f7f",
                   "en-route": "#1f77b4"}
ROW_IN = 0.21  # inches per row: a row is taller than its 8.5-point name
WIDTH_IN = 4.8  # the figure's width: at a phone's 390 CSS pixels a point is still about a pixel
MAX_OFFSET_DAYS = 150.0


def _day(text) -> np.datetime64:
    return np.datetime64(str(text)[:10], "D")


def history_rows(opportunities):
    """The timeline's rows, top to bottom: dicts with ``kind`` ("opportunity" or "mission"), the text, and for a
    mission its offset in days from the opportunity's minimum-C3 launch date, the outcome and ``in_window``."""
    rows = []
    for o in opportunities:
        ref = _day(o.min_c3_launch)
        a = float((_day(o.window_open) - ref) / np.timedelta64(1, "D"))
        b = float((_day(o.window_close) - ref) / np.timedelta64(1, "D")) + 1.0
        head = f"{o.label} · C3 {o.min_c3_km2s2:.1f}" + ("" if o.launches else " · none")
        rows.append(dict(kind="opportunity", text=head, window=(a, b), c3=o.min_c3_km2s2, n=len(o.launches),
                         dates=f"window {o.window_open} … {o.window_close}"))
        for m in o.launches:
            off = float((_day(m.entry.launch) - ref) / np.timedelta64(1, "D"))
            rows.append(dict(kind="mission", text=m.entry.short_name, offset=off, outcome=m.entry.outcome,
                             in_window=m.in_window, launch=m.entry.launch[:10], name=m.entry.name,
                             agency=m.entry.agency, country=m.entry.country))
    return rows


def axis_limit(rows) -> float:
    """Half-width of the days axis: every window and every launch within MAX_OFFSET_DAYS of its optimum, plus a
    margin; a launch further out (Nozomi, 226 days early) sits at the edge with its true date."""
    span = max([abs(v) for r in rows if r["kind"] == "opportunity" for v in r["window"]]
               + [abs(r["offset"]) for r in rows if r["kind"] == "mission" and abs(r["offset"]) <= MAX_OFFSET_DAYS]
               + [30.0])
    return 10.0 * np.ceil(span / 10.0) + 10.0


def history_figure(opportunities, summary):
    """The timeline (matplotlib): mission names as the rows' labels, opportunity headers above their missions,
    windows as bands coloured by minimum C3, launch dates beside the markers."""
    import matplotlib
    from matplotlib import cm, colors
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    rows = history_rows(opportunities)
    if not rows:
        raise TianwenError("history figure: no opportunity in the span; widen since/until")
    n = len(rows)
    fig = new_figure(figsize=(WIDTH_IN, 2.3 + ROW_IN * n), dpi=150, layout="constrained")
    ax = fig.add_subplot()
    c3s = [r["c3"] for r in rows if r["kind"] == "opportunity"]
    norm = colors.Normalize(vmin=min(c3s), vmax=max(c3s))
    cmap = matplotlib.colormaps["viridis_r"]
    lim = axis_limit(rows)
    for k, r in enumerate(rows):
        if r["kind"] == "opportunity":
            a, b = r["window"]
            ax.add_patch(Rectangle((a, k + 0.55), b - a, r["n"], color=cmap(norm(r["c3"])), alpha=0.55, lw=0))
            ax.axhline(k - 0.5, color="0.75", lw=0.6)
            continue
        r["shown"] = float(np.clip(r["offset"], -lim + 7, lim - 7))
        full = "full" if r["in_window"] else "none"
        ax.plot(r["shown"], k, "o", color=OUTCOME_COLOURS.get(r["outcome"], "black"), mec="black", mew=0.5, ms=6,
                fillstyle=full, zorder=3)
        when = r["launch"][5:] if r["shown"] == r["offset"] else f"{r['launch']} ({r['offset']:+.0f} d)"
        right = r["shown"] < lim - (90 if r["shown"] != r["offset"] else 40)
        ax.text(r["shown"] + (5 if right else -5), k, when, fontsize=6.5, va="center", ha="left" if right else "right",
                color="0.25")
    ax.set_yticks(range(n), [r["text"] for r in rows], fontsize=8.5)
    for r, t in zip(rows, ax.get_yticklabels()):
        if r["kind"] == "opportunity":
            t.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(n - 0.5, -0.6)
    ax.set_xlim(-lim, lim)
    ax.axvline(0.0, color="0.4", lw=0.6, ls=":")
    ax.set_xlabel("launch date − minimum-C3 date (days)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7.5)
    ax.xaxis.set_ticks_position("both")
    ax.tick_params(axis="x", labeltop=True)
    cb = fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, location="top", shrink=0.8, aspect=30,
                      pad=0.01)
    cb.set_label("window band: opportunity's minimum C3 (km²/s²)", fontsize=7.5)
    cb.ax.tick_params(labelsize=7)
    handles = [Line2D([], [], ls="none", marker="o", color=c, mec="black", mew=0.5, label=name)
               for name, c in OUTCOME_COLOURS.items()]
    handles.append(Line2D([], [], ls="none", marker="o", color="white", mec="black", label="outside the window"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    fig.suptitle(f"Mars launches {summary['since']}–{summary['until']}: {summary['with_launch']} of "
                 f"{summary['opportunities']} opportunities had one\nrows grouped by opportunity (year · its minimum "
                 "C3, km²/s²)", fontsize=8.5)
    freeze_layout(fig)
    return fig


def history_plotly(opportunities, summary):
    """The same timeline as an interactive plotly figure (hover: full name, agency, launch, outcome, arc)."""
    import plotly.graph_objects as go

    rows = history_rows(opportunities)
    if not rows:
        raise TianwenError("history figure: no opportunity in the span; widen since/until")
    fig = go.Figure()
    arcs = {m.entry.name: m.arc for o in opportunities for m in o.launches}
    lim = axis_limit(rows)
    for k, r in enumerate(rows):
        if r["kind"] == "opportunity":
            a, b = r["window"]
            if r["n"]:
                fig.add_shape(type="rect", x0=a, x1=b, y0=k + 0.55, y1=k + 0.45 + r["n"], line_width=0, layer="below",
                              fillcolor="steelblue", opacity=float(0.2 + 0.5 * min(1.0, 9.0 / r["c3"])))
            continue
        arc = arcs.get(r["name"])
        detail = (f"C3 {arc.c3_km2s2:.2f} km²/s², type {arc.type}, arrival v∞ {arc.vinf_arr_kms:.2f} km/s"
                  if arc is not None and arc.c3_km2s2 is not None else (arc.note if arc is not None else "") or "")
        shown = float(np.clip(r["offset"], -lim + 7, lim - 7))
        fig.add_trace(go.Scatter(
            x=[shown], y=[k], mode="markers+text", textfont=dict(size=10, color="#404040"),
            text=[r["launch"][5:] if shown == r["offset"] else f"{r['launch']} ({r['offset']:+.0f} d)"],
            textposition="middle right" if shown < lim - (90 if shown != r["offset"] else 40) else "middle left",
            marker=dict(color=OUTCOME_COLOURS.get(r["outcome"], "black") if r["in_window"] else "white", size=10,
                        line=dict(color=OUTCOME_COLOURS.get(r["outcome"], "black"), width=2)),
            hovertext=f"{r['name']}<br>{r['agency']}, {r['country']}<br>launch {r['launch']} "
                      f"({r['offset']:+.0f} d)<br>{r['outcome']}<br>{detail}", hoverinfo="text", showlegend=False))
    fig.update_layout(title=f"Mars launches {summary['since']}–{summary['until']}<br><sup>{summary['with_launch']} of "
                            f"{summary['opportunities']} opportunities had one</sup>",
                      yaxis=dict(autorange="reversed", tickvals=list(range(len(rows))), automargin=True,
                                 ticktext=[f"<b>{r['text']}</b>" if r["kind"] == "opportunity" else r["text"]
                                           for r in rows], showgrid=False, tickfont=dict(size=11)),
                      height=140 + 22 * len(rows),
                      xaxis=dict(title="launch date − minimum-C3 date (days)", range=[-lim, lim], side="top"),
                      template="plotly_white", margin=dict(l=10, r=10))
    return fig


def history_html(opportunities, summary) -> str:
    """:func:`history_plotly` as one self-contained page (plotly.js inlined once: works offline)."""
    return history_plotly(opportunities, summary).to_html(include_plotlyjs=True, full_html=True)


def save_history(opportunities, summary, path, *, plotlyjs: str = "auto") -> str:
    """Write the timeline to ``path`` (.png, .svg or .html)."""
    ext = check_suffix(path, (".png", ".svg", ".html"), "history output")
    with atomic_path(path) as tmp:
        if ext == ".html":
            plotly_page(history_plotly(opportunities, summary), path, tmp, plotlyjs)
        else:
            save_matplotlib(history_figure(opportunities, summary), tmp, ext)
    return str(path)
