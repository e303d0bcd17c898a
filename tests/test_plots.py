"""Figures and files: issue 19 ("Plots", "Files") and issue 14 items 4/5 (today line, launch days, DLA lines).

Every figure is rendered and its labels' boxes are measured with matplotlib's own text extents
(``Text.get_window_extent`` under the figure's renderer); two labels that share more than half a pixel in both
directions are a collision. The overlap measure is written here, independently of ``tianwen.plots_common``.
"""

from __future__ import annotations

import importlib
import os
import re

import numpy as np
import pytest

from tianwen.errors import TianwenError

porkchop_module = importlib.import_module("tianwen.porkchop")  # tianwen.porkchop is also the facade's function
history_module = importlib.import_module("tianwen.history")

TOL_PX = 0.5  # a shared sliver under a pixel is anti-aliasing, not a collision


@pytest.fixture(scope="module")
def grid_2020():
    """The 2020 Earth-Mars porkchop (both transfer types), 3-day cells: enough lines to crowd the labels."""
    return porkchop_module.porkchop(("2020-05-01", "2020-10-01"), ("2020-11-01", "2021-12-01"), step_days=3.0)


@pytest.fixture(scope="module")
def grid_2026():
    """The 2026 opportunity, whose best launch dates (2026-10-31, 2026-11-14) were past on 2026-12-06 (issue 14)."""
    return porkchop_module.porkchop(("2026-09-01", "2027-01-31"), ("2027-06-01", "2028-08-01"), step_days=4.0)


def _overlaps(fig, texts):
    """Pairs of visible, non-empty texts whose window extents intersect by more than TOL_PX in x and in y."""
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts
             if t.get_visible() and t.get_text().strip()]
    out = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i][1], boxes[j][1]
            if min(a.x1, b.x1) - max(a.x0, b.x0) > TOL_PX and min(a.y1, b.y1) - max(a.y0, b.y0) > TOL_PX:
                out.append((boxes[i][0], boxes[j][0]))
    return out


def _visible(ax, pattern):
    return [t.get_text() for t in ax.texts if t.get_visible() and re.fullmatch(pattern, t.get_text())]


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------
# The porkchop figure
# ---------------------------------------------------------------------------------------------------------

def test_porkchop_labels_never_collide(grid_2020):
    """Issue 19: minimum boxes sat on contour labels; v-infinity and TOF labels collided. With every overlay on
    (missions Hope, Tianwen-1 and Mars 2020 launched 11 days apart, DLA lines), no two label boxes overlap, and
    each kind of line still carries labels (C3 numbers, 'km/s', 'd', '°') and both minima are named."""
    from tianwen.plots import porkchop_figure

    fig = porkchop_figure(grid_2020, missions=True, dla=True, label="2020", today=False)
    ax = fig.axes[0]
    try:
        assert _overlaps(fig, ax.texts) == []
        assert len(_visible(ax, r"\d+")) >= 8  # C3 contour labels
        assert len(_visible(ax, r"[\d.]+ km/s")) >= 3 and len(_visible(ax, r"\d+ d")) >= 3
        assert len(_visible(ax, r"-?\d+°")) >= 2
        assert set(_visible(ax, r"Type I+ min")) == {"Type I min", "Type II min"}
        assert {"Hope", "Tianwen-1", "Mars 2020"} <= set(_visible(ax, r"[\w -]+"))
        title = ax.get_title()
        for what in ("C3", "arrival v∞", "time of flight", "DLA"):  # the title says what each line is
            assert what in title
    finally:
        _close(fig)


def test_minimum_label_does_not_cover_its_star(grid_2020):
    """Issue 19 ("minimum boxes sit on contour labels"): the star marking each minimum stays visible; its label's
    box does not contain the star's position on screen."""
    from tianwen.plots import porkchop_figure

    fig = porkchop_figure(grid_2020, today=False)
    ax = fig.axes[0]
    try:
        renderer = fig.canvas.get_renderer()
        for m in porkchop_module.minima(grid_2020):
            star = ax.transData.transform((ax.convert_xunits(m.departure), ax.convert_yunits(m.arrival)))
            text = next(t for t in ax.texts if t.get_text() == f"Type {m.type} min")
            assert not text.get_window_extent(renderer).contains(*star)
    finally:
        _close(fig)


def test_colourbar_ticks_are_round(grid_2020):
    """Issue 19: colourbar ticks fell at 7, 13, 19. The handbook's C3 levels (NASA/TM-2010-216764 porkchops) are
    whole numbers: every 1 near the minimum, even numbers further out, multiples of 5 beyond; the tick labels show
    no decimals, and the contour levels are the ticks."""
    from tianwen.plots import porkchop_figure

    fig = porkchop_figure(grid_2020, today=False)
    try:
        cbar_ax = fig.axes[1]
        ticks = np.array(cbar_ax.get_yticks())
        lo = ticks.min()
        assert ticks.size >= 8 and np.all(ticks == np.round(ticks))
        assert np.all(ticks[(ticks >= lo + 6) & (ticks < lo + 14)] % 2 == 0)
        assert np.all(ticks[ticks >= lo + 14] % 5 == 0)
        assert lo <= np.nanmin(grid_2020.c3.values) < lo + 1
        labels = [t.get_text() for t in cbar_ax.get_yticklabels()]
        assert all(re.fullmatch(r"\d+", s) for s in labels)
    finally:
        _close(fig)


def test_today_line_greys_past_launch_dates(grid_2026):
    """Issue 14 item 4: on 2026-12-06 the 2026 opportunity's best launch dates are past; the porkchop draws a
    'today' line at that date and greys the launch dates before it. Launch-period days are ticked (item 5). A
    today outside the departure axis draws nothing."""
    from tianwen.plots import porkchop_figure

    today = np.datetime64("2026-12-06")
    days = [today + np.timedelta64(k, "D") for k in range(4, 19)]
    fig = porkchop_figure(grid_2026, today=today, launch_days=days, dla=True)
    ax = fig.axes[0]
    try:
        t0 = ax.convert_xunits(today)
        xs = [np.asarray(ax.convert_xunits(np.asarray(ln.get_xdata())), float) for ln in ax.lines]
        vlines = [x for x in xs if x.size == 2 and np.allclose(x, t0)]
        assert vlines, "no line at today"
        from matplotlib.patches import Polygon, Rectangle

        spans = [p for p in ax.patches if isinstance(p, (Polygon, Rectangle))]
        x0 = ax.convert_xunits(grid_2026.departure.values[0])
        assert any(np.isclose(p.get_extents().x0, ax.transData.transform((x0, 0))[0], atol=1.5) and
                   np.isclose(p.get_extents().x1, ax.transData.transform((t0, 0))[0], atol=1.5) for p in spans)
        legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
        assert "today 2026-12-06" in legend and "launch period 2026-12-10 … 2026-12-24 (15 days)" in legend
        assert _overlaps(fig, ax.texts) == []
    finally:
        _close(fig)
    fig = porkchop_figure(grid_2026, today=np.datetime64("2030-01-01"))
    try:
        assert "today" not in " ".join(t.get_text() for t in fig.legends[0].get_texts())
    finally:
        _close(fig)


def test_launch_period_days_and_arrivals(grid_2020):
    """Issue 14 item 5: launch-period days marked on the porkchop. Given launch-period days that carry their
    chosen arrival (tianwen.launch.LaunchDay's launch_utc/arrival_utc), each (launch, arrival) pair is a point of
    the figure; a date that is not one is refused in one line."""
    from types import SimpleNamespace

    from tianwen.plots import porkchop_figure

    days = [SimpleNamespace(launch_utc=f"2020-07-{d:02d}T00:00:00Z", arrival_utc=f"2021-02-{d - 5:02d}T00:00:00Z")
            for d in range(17, 27)]
    fig = porkchop_figure(grid_2020, today=False, launch_days=days)
    ax = fig.axes[0]
    try:
        want = (ax.convert_xunits(np.datetime64("2020-07-20")), ax.convert_yunits(np.datetime64("2021-02-15")))
        pts = [np.column_stack([ax.convert_xunits(np.asarray(ln.get_xdata())),
                                ax.convert_yunits(np.asarray(ln.get_ydata()))]).astype(float) for ln in ax.lines
               if len(ln.get_xdata()) == 10]
        assert any(np.isclose(p, want).all(axis=1).any() for p in pts)
        assert _overlaps(fig, ax.texts) == []
    finally:
        _close(fig)
    with pytest.raises(TianwenError, match="launch_days"):
        porkchop_figure(grid_2020, today=False, launch_days=["someday"])


# ---------------------------------------------------------------------------------------------------------
# Files: CSV, HTML, modes
# ---------------------------------------------------------------------------------------------------------

def test_csv_has_units_and_only_solved_cells(grid_2020, tmp_path):
    """Issue 19: the CSV header had no units and included failed cells (C3 up to 1.8e7). The header now names
    each column with its units (porkchop.VARIABLES' json names), and there is one row per solved cell (Lambert
    status 0 and finite C3), no more; values agree with the Dataset to the vocabulary's decimals."""
    import pandas as pd

    from tianwen.plots import save_porkchop

    path = tmp_path / "pc.csv"
    save_porkchop(grid_2020, path)
    df = pd.read_csv(path)
    names = [v.json_name for k, v in porkchop_module.VARIABLES.items() if k in grid_2020 and k != "status"]
    assert list(df.columns) == ["departure_utc", "arrival_utc"] + names
    assert {"c3_km2s2", "vinf_arr_kms", "tof_days", "dla_deg"} <= set(df.columns)
    solved = (grid_2020.status.values == 0) & np.isfinite(grid_2020.c3.values)
    assert len(df) == int(solved.sum()) and df["c3_km2s2"].notna().all()
    assert (df["c3_km2s2"] < 1e4).all()
    row = df.iloc[len(df) // 2]
    cell = grid_2020.sel(departure=np.datetime64(row["departure_utc"]), arrival=np.datetime64(row["arrival_utc"]))
    assert abs(row["c3_km2s2"] - float(cell.c3)) <= 0.5e-4 + 1e-12


def test_html_loads_plotly_once_within_5_mb(grid_2020, tmp_path):
    """Issue 19: the HTML porkchop was 15 MB, without TOF lines, and its v-infinity lines took the fill's colours
    (yellow on yellow). Now: <= 5 MB, plotly.js present once (inline, or the file beside the page), no network
    URL, TOF and v-infinity lines drawn in their own colour (contour coloring 'none'), hover with human names.
    The default ("auto") inlines plotly.js only when the page then stays within 5 MB."""
    from tianwen.plots import save_porkchop

    for mode in ("auto", "inline", "directory"):
        folder = tmp_path / mode
        folder.mkdir()
        path = folder / "pc.html"
        save_porkchop(grid_2020, path, plotlyjs=mode)
        text = path.read_text()
        if mode != "inline":  # asked for inline, plotly.js (4.8 MB) and the grid may pass 5 MB together
            assert path.stat().st_size <= 5_000_000
        assert not re.search(r"<script[^>]+src=[\"']https?:", text)
        assert text.count("plotly.js v") <= 1  # plotly's banner, once if inline
        beside = folder / "plotly.min.js"
        inline = "plotly.js v" in text
        assert inline != beside.exists()
        if mode != "auto":
            assert inline == (mode == "inline")
        if beside.exists():
            assert '<script charset="utf-8" src="plotly.min.js">' in text and beside.stat().st_size > 1_000_000
        assert text.count('"coloring":"none"') >= 2 and "time of flight (days)" in text
        assert "arrival v\\u221e" in text  # plotly's JSON escapes the infinity sign
        assert "vinf_arr =" not in text


def test_large_html_uses_the_shared_file(tmp_path):
    """A 1-day grid whose data would push an inlined page past 5 MB refers to plotly.min.js beside it instead."""
    from tianwen.plots import save_porkchop

    big = porkchop_module.porkchop(("2020-05-01", "2020-10-01"), ("2020-11-01", "2021-12-01"), step_days=1.0)
    path = tmp_path / "big.html"
    save_porkchop(big, path)
    assert path.stat().st_size <= 5_000_000 and (tmp_path / "plotly.min.js").exists()


@pytest.mark.parametrize("suffix", [".png", ".svg", ".html", ".nc", ".csv"])
def test_file_mode_follows_umask(grid_2020, tmp_path, suffix):
    """Issue 19: every file had mode 0600 under umask 022. Written through the atomic writer, they get 0644 (0666
    less the umask), as any program's output would; and nothing temporary is left beside them."""
    from tianwen.plots import save_porkchop

    old = os.umask(0o022)
    try:
        path = tmp_path / f"pc{suffix}"
        save_porkchop(grid_2020, path, plotlyjs="directory" if suffix == ".html" else "auto")
    finally:
        os.umask(old)
    for p in tmp_path.iterdir():
        assert oct(p.stat().st_mode & 0o777) == oct(0o644), p.name
        assert ".tianwen-" not in p.name


def test_bad_plotlyjs_mode_is_one_line(grid_2020, tmp_path):
    from tianwen.plots import save_porkchop

    with pytest.raises(TianwenError, match="plotlyjs='cdn'"):
        save_porkchop(grid_2020, tmp_path / "pc.html", plotlyjs="cdn")
    assert list(tmp_path.iterdir()) == []


def test_cli_porkchop_dla(tmp_path, cli):
    """`tianwen porkchop --dla` passes dla=True: the figure's title names the DLA lines (read back from the SVG)."""
    out = tmp_path / "pc.svg"
    p = cli("porkchop", "--depart", "2020-06-01:2020-09-01", "--arrive", "2020-11-01:2021-10-01", "--step", "6",
            "--out", str(out), "--dla")
    assert p.returncode == 0, p.stderr
    assert "DLA (°)" in out.read_text()


# ---------------------------------------------------------------------------------------------------------
# History and mission figures
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def record():
    """1996-2020: the pairs issue 19 saw collide (MCO/Beagle 2, MGS/Odyssey, MRO/Phoenix, TGO/Hope, MOM/InSight)."""
    return history_module.history(1996, 2020)


def test_history_names_never_collide_at_phone_width(record):
    """Issue 19: mission names overlapped and were unreadable on a phone. Every text of the figure (row names,
    dates, headers, legend, title) is measured: no overlap; the figure is at most 5 inches wide and no text is
    smaller than 6.5 points, so on a 390-pixel-wide phone screen a point is still about a pixel."""
    from tianwen.plots import history_figure

    opps, summary = record
    fig = history_figure(opps, summary)
    try:
        ax = fig.axes[0]
        texts = list(ax.texts) + list(ax.get_yticklabels()) + list(fig.legends[0].get_texts())
        assert _overlaps(fig, texts) == []
        names = [t.get_text() for t in ax.get_yticklabels()]
        for name in ("Mars Climate Orbiter", "Beagle 2", "Mars Global Surveyor", "2001 Mars Odyssey",
                     "Mars Reconnaissance Orbiter", "Phoenix", "ExoMars Trace Gas Orbiter", "Hope",
                     "Mars Orbiter Mission", "InSight"):
            assert name in names
        assert fig.get_figwidth() <= 5.0
        sizes = [t.get_fontsize() for t in texts + [fig._suptitle] if t is not None and t.get_text()]
        assert min(sizes) >= 6.5
    finally:
        _close(fig)


def test_history_html_rows(record, tmp_path):
    """The HTML timeline (plotly, offline): one row per mission (names as the rows' labels, which never overlap),
    Nozomi's launch 226 days before the 1999 optimum written out at the axis edge; under 5 MB with plotly.js."""
    from tianwen.plots import save_history

    opps, summary = record
    path = tmp_path / "h.html"
    save_history(opps, summary, path)
    text = path.read_text()
    assert path.stat().st_size <= 5_000_000 and not re.search(r"<script[^>]+src=[\"']https?:", text)
    assert '"Mars Climate Orbiter"' in text and '"Beagle 2"' in text and '"1998-07-03 (-226 d)"' in text


@pytest.fixture(scope="module")
def tianwen1():
    return importlib.import_module("tianwen.reconstruct").reconstruct("tianwen-1")


def test_mission_top_view_labels(tianwen1, tmp_path):
    """Issue 19: 'arrival'/'TCM-4' and 'launch'/'TCM-1' collided in a 3-D view of a nearly planar cruise. The
    default figure is a 2-D top view of the ecliptic (Tianwen-1's cruise stays within 0.05 AU of it), every event
    is labelled, months are ticked along the arc, and no two labels overlap; view='3d' keeps the perspective."""
    from tianwen.plots import save_trajectory, trajectory_figure

    fig = trajectory_figure(tianwen1)
    try:
        ax = fig.axes[0]
        assert ax.name == "rectilinear" and ax.get_aspect() == 1.0
        shown = {t.get_text() for t in ax.texts if t.get_visible()}
        assert {"launch", "arrival", "TCM-1", "TCM-4"} <= shown
        months = {"Sep", "Oct", "Nov", "Dec", "2021-01"}
        assert len(months & shown) >= 4
        assert _overlaps(fig, ax.texts) == []
    finally:
        _close(fig)
    fig = trajectory_figure(tianwen1, view="3d")
    try:
        assert fig.axes[0].name == "3d"
    finally:
        _close(fig)
    with pytest.raises(TianwenError, match="view='side'"):
        save_trajectory(tianwen1, tmp_path / "x.png", view="side")
    assert list(tmp_path.iterdir()) == []
