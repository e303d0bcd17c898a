"""What every tianwen figure shares: the atomic file writer, output suffixes, labels placed without collisions
(adjustText, then a last pass that drops what still collides), and plotly pages that load plotly.js once.

Labels: :func:`place_labels` moves the movable labels of an axes away from each other and from fixed artists with
`adjustText <https://github.com/Phlya/adjustText>`_ (deterministic: a fixed number of iterations, never a time
limit), draws a thin leader from a label that moved to its anchor, and then drops, in priority order, any label
whose box still overlaps a kept one or leaves the axes. :func:`text_overlaps` measures collisions from
matplotlib's own text extents (``Text.get_window_extent``), the measure the tests apply to every figure.

Pages: :func:`plotly_page` inlines plotly.js (minified, once) when the page stays within :data:`MAX_HTML_BYTES`,
and otherwise refers to ``plotly.min.js`` written once beside the page; either way the page works offline.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import TianwenError

FORMATS = (".png", ".svg", ".html", ".nc", ".csv")
MAX_HTML_BYTES = 5_000_000  # a page larger than this loads plotly.js from the file beside it
PLOTLY_FILE = "plotly.min.js"
PLOTLYJS_MODES = ("auto", "inline", "directory")
RINGS_PX = (16.0, 28.0, 42.0, 60.0)  # where a label still colliding after adjustText is tried, around its anchor


def atomic_path(path: str | os.PathLike):
    """Yield a temporary path in the target's folder; move it onto ``path`` only if the block succeeds
    (:func:`tianwen.files.atomic_write`: fsync, the user's umask, no temporary file left on any exit)."""
    from .files import atomic_write

    return atomic_write(path)


def check_suffix(path, allowed=FORMATS, what: str = "output") -> str:
    """The lower-case suffix of ``path`` if it is one of ``allowed``; otherwise a one-line TianwenError."""
    ext = Path(path).suffix.lower()
    if ext not in allowed:
        raise TianwenError(f"{what} {str(path)!r}: unknown format {ext or '(none)'}; use one of {', '.join(allowed)}")
    return ext


#: The stages of drawing a matplotlib figure, as :func:`drawing_stages` reports them.
DRAW_STAGES = ("plotting modules", "figure", "labels", "file")
_report = None  # the callback of the innermost drawing_stages block


@contextmanager
def drawing_stages(progress):
    """While the block runs, report each stage of drawing a figure (:data:`DRAW_STAGES`) to
    ``progress(done, total, stage)``, as a library function's ``progress=`` (a CLI bar). ``None``: no reports."""
    global _report
    outer, _report = _report, progress
    try:
        _stage("plotting modules")
        yield
        _stage(None)
    finally:
        _report = outer


def draw_with_progress(save, *args, progress=None, **kwargs):
    """``save(*args, **kwargs)`` (a ``save_*`` function of the plots modules) reporting its drawing stages to
    ``progress`` (see :func:`drawing_stages`)."""
    with drawing_stages(progress):
        return save(*args, **kwargs)


def _stage(name: str | None) -> None:
    """Report that drawing has reached stage ``name`` of :data:`DRAW_STAGES` (None: done)."""
    if _report is not None:
        done = len(DRAW_STAGES) if name is None else DRAW_STAGES.index(name)
        _report(done, len(DRAW_STAGES), f"drawing: {name or 'done'}")


def save_matplotlib(fig, tmp, ext: str) -> None:
    """Write a matplotlib figure to the temporary path ``tmp`` (format from ``ext``) and close it."""
    import matplotlib.pyplot as plt

    _stage("file")
    # zlib level 3 instead of PIL's 6: a third less time (0.05 s on a porkchop) for a file ~4 % larger
    options = {"pil_kwargs": {"compress_level": 3}} if ext == ".png" else {}
    try:
        fig.savefig(tmp, format=ext[1:], **options)
    finally:
        plt.close(fig)


def load_drawing_modules() -> None:
    """Import what a labelled matplotlib figure needs (the Agg backend, pyplot, adjustText): about half a second,
    which :mod:`tianwen.cli.aside` spends in a second process while the command computes."""
    import matplotlib

    matplotlib.use("Agg")
    import adjustText  # noqa: F401
    import matplotlib.pyplot  # noqa: F401


def new_figure(**kwargs):
    """A matplotlib figure on the Agg backend (no display needed), through pyplot so that it can be closed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _stage("figure")
    return plt.figure(**kwargs)


def date_axes(ax, x, y, xlabel: str, ylabel: str | None, grid_alpha: float = 0.2) -> None:
    """A porkchop's axes: dates on both (matplotlib's concise date labels), limits at the grid's ends, the labels
    and a light grid."""
    import matplotlib.dates as mdates

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(mdates.ConciseDateFormatter(axis.get_major_locator()))
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(y[0], y[-1])
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    ax.grid(alpha=grid_alpha)


def freeze_layout(fig):
    """Run the figure's layout engine once and switch it off, so that label boxes measured afterwards are the
    boxes that will be saved (a layout pass at save time would move the axes under the labels)."""
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig.canvas.get_renderer()


# ---------------------------------------------------------------------------------------------------------
# Labels without collisions
# ---------------------------------------------------------------------------------------------------------

def text_boxes(fig, texts, pad_px: float = 0.0):
    """Display-space boxes (x0, y0, x1, y1) of visible, non-empty texts, from matplotlib's text extents."""
    renderer = fig.canvas.get_renderer()
    out = []
    for t in texts:
        if not t.get_visible() or not t.get_text().strip():
            continue
        b = t.get_window_extent(renderer)
        out.append((t, (b.x0 - pad_px, b.y0 - pad_px, b.x1 + pad_px, b.y1 + pad_px)))
    return out


def _intersect(a, b, tol: float = 0.0) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def text_overlaps(fig, texts, tol_px: float = 0.5) -> list:
    """Pairs of visible texts whose extents overlap by more than ``tol_px`` pixels in both directions."""
    boxes = text_boxes(fig, texts)
    return [(boxes[i][0].get_text(), boxes[j][0].get_text()) for i in range(len(boxes))
            for j in range(i + 1, len(boxes)) if _intersect(boxes[i][1], boxes[j][1], tol_px)]


def axes_texts(ax) -> list:
    """Every text drawn inside an axes (annotations, contour labels, free text), visible and non-empty."""
    return [t for t in ax.texts if t.get_visible() and t.get_text().strip()]


def place_labels(ax, movable, *, fixed=(), points=None, iter_lim: int = 250, leader_px: float = 12.0,
                 leader_colour="0.3", pad_px: float = 2.0, max_move_px: float = 40.0, point_px: float = 7.0) -> list:
    """Move ``movable`` texts (data coordinates, in priority order) off each other and off ``fixed`` texts and
    ``points`` ((x, y) data arrays to keep clear) with adjustText; draw a thin leader from a label that moved more
    than ``leader_px`` to its anchor; then hide any label that still overlaps a kept one (fixed labels are kept
    first; a fixed label on another fixed one is hidden too) or left the axes. Returns the labels kept. Deterministic: a fixed iteration count, no time limit."""
    from adjustText import adjust_text
    from matplotlib.lines import Line2D

    _stage("labels")
    fig = ax.figure
    movable = [t for t in movable if t.get_text().strip()]
    fixed = [t for t in fixed if t.get_visible() and t.get_text().strip()]
    if not movable:
        return []
    anchors = [t.get_unitless_position() for t in movable]  # datetime axes: plain floats
    kwargs = {}
    if points is not None and len(points[0]):  # plain floats (a datetime axis converts its values)
        px = np.asarray(ax.convert_xunits(np.asarray(points[0])), dtype=float)
        py = np.asarray(ax.convert_yunits(np.asarray(points[1])), dtype=float)
        kwargs = dict(x=px, y=py)
    adjust_text(movable, objects=fixed or None, ax=ax, iter_lim=iter_lim, avoid_self=False,
                max_move=(max_move_px, max_move_px), expand=(1.1, 1.25), **kwargs)
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    kept_boxes = []
    for t, box in text_boxes(fig, fixed, 0.0):  # fixed labels stay where they are, unless one sits on another
        if any(_intersect(box, k) for k in kept_boxes):
            t.set_visible(False)
        else:
            kept_boxes.append(box)
    kept_boxes = [(b[0] - pad_px, b[1] - pad_px, b[2] + pad_px, b[3] + pad_px) for b in kept_boxes]
    if kwargs:  # a label never covers a marked point
        for x, y in ax.transData.transform(np.column_stack([kwargs["x"], kwargs["y"]])):
            kept_boxes.append((x - point_px, y - point_px, x + point_px, y + point_px))
    kept = []

    def free(t):
        b = t.get_window_extent(renderer)
        box = (b.x0 - pad_px, b.y0 - pad_px, b.x1 + pad_px, b.y1 + pad_px)
        outside = b.x0 < inside.x0 or b.x1 > inside.x1 or b.y0 < inside.y0 or b.y1 > inside.y1
        return None if outside or any(_intersect(box, k) for k in kept_boxes) else box

    for t, anchor in zip(movable, anchors):
        box = free(t)
        if box is None:  # adjustText left it colliding: the first free spot on rings around its anchor, or none
            home = ax.transData.transform(anchor)
            for ring in RINGS_PX:
                for angle in np.radians(np.arange(0.0, 360.0, 30.0)):
                    spot = home + ring * np.array([np.cos(angle), 0.6 * np.sin(angle)])
                    t.set_position(ax.transData.inverted().transform(spot))
                    box = free(t)
                    if box is not None:
                        break
                if box is not None:
                    break
        if box is None:
            t.set_visible(False)
            continue
        kept_boxes.append(box)
        kept.append(t)
        here = ax.transData.transform(t.get_unitless_position())
        there = ax.transData.transform(anchor)
        if ((here - there) ** 2).sum() ** 0.5 > leader_px:
            edge = _box_edge(box, pad_px + 1.0, there)
            if edge is not None:  # a plain line (an annotation arrow clips itself to the text: 10x slower to draw)
                xy = ax.transData.inverted().transform(np.array([there, edge]))
                ax.add_artist(Line2D(xy[:, 0], xy[:, 1], lw=0.5, color=leader_colour, zorder=t.get_zorder() - 0.1))
    return kept


def _box_edge(box, inset_px: float, point):
    """Where the segment from the centre of the display box ``box`` (x0, y0, x1, y1, padded by ``inset_px``) to
    ``point`` leaves the box, in display pixels; None if ``point`` is inside the box."""
    x0, y0, x1, y1 = box[0] + inset_px, box[1] + inset_px, box[2] - inset_px, box[3] - inset_px
    c = np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])
    d = np.asarray(point, dtype=float) - c
    half = np.array([(x1 - x0) / 2.0, (y1 - y0) / 2.0])
    with np.errstate(divide="ignore"):
        s = np.min(np.where(d != 0.0, half / np.abs(d), np.inf))
    return None if s >= 1.0 else c + s * d


# ---------------------------------------------------------------------------------------------------------
# Plotly pages that load plotly.js once
# ---------------------------------------------------------------------------------------------------------

def plotly_page(fig, path, tmp, plotlyjs: str = "auto") -> str:
    """Write the plotly figure ``fig`` as a full page to ``tmp`` (the atomic temporary of ``path``).

    ``plotlyjs``: ``"inline"`` puts plotly.js (minified) in the page once; ``"directory"`` refers to
    ``plotly.min.js`` beside the page and writes that file if it is missing or differs; ``"auto"`` inlines when the
    page stays within :data:`MAX_HTML_BYTES`, and otherwise uses the file beside it. Returns the mode used."""
    if plotlyjs not in PLOTLYJS_MODES:
        raise TianwenError(f"plotlyjs={plotlyjs!r}: use one of {', '.join(map(repr, PLOTLYJS_MODES))}")
    from plotly.offline import get_plotlyjs

    html = fig.to_html(include_plotlyjs="directory", full_html=True)  # <script src="plotly.min.js">
    js = get_plotlyjs()
    mode = plotlyjs
    if mode == "auto":
        mode = "inline" if len(html.encode()) + len(js.encode()) + 64 <= MAX_HTML_BYTES else "directory"
    if mode == "inline":
        html = fig.to_html(include_plotlyjs=True, full_html=True)
    else:
        beside = Path(path).parent / PLOTLY_FILE
        data = js.encode()
        if not (beside.is_file() and beside.stat().st_size == len(data) and beside.read_bytes() == data):
            with atomic_path(beside) as jtmp:
                Path(jtmp).write_bytes(data)
    Path(tmp).write_text(html, encoding="utf-8")
    return mode
