"""The nested 1-sigma B-plane ellipses of a station comparison (:func:`tianwen.navigation.compare_stations`).

matplotlib is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import TianwenError

__all__ = ["FORMATS", "bplane_figure", "save_bplane"]

FORMATS = (".png", ".svg", ".pdf")


def _ellipse_xy(u, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Points of the 1-sigma ellipse of ``u`` (a BPlaneUncertainty) about its nominal point, km."""
    a, b, ang = u.semi_major_km, u.semi_minor_km, math.radians(u.angle_deg)
    s = np.linspace(0.0, 2.0 * math.pi, n)
    x, y = a * np.cos(s), b * np.sin(s)
    c, d = math.cos(ang), math.sin(ang)
    return c * x - d * y, d * x + c * y


def bplane_figure(report, *, which: str = "formal"):
    """A matplotlib figure: each station set's 1-sigma (B.T, B.R) ellipse about the nominal aim point (km,
    offsets from it), ``which`` = ``"formal"`` (noise only) or ``"consider"``; the legend gives the periapsis
    altitude sigma."""
    if which not in ("formal", "consider"):
        raise TianwenError(f"which={which!r}: use 'formal' or 'consider'")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.0, 7.0), constrained_layout=True)
    rows = sorted(report.rows, key=lambda r: -getattr(r, which).semi_major_km)
    for r in rows:
        u = getattr(r, which)
        x, y = _ellipse_xy(u)
        ax.plot(x, y, lw=1.6, label=f"{r.label}: {u.semi_major_km:.3g} x {u.semi_minor_km:.3g} km, "
                                    f"periapsis alt. {u.sigma_alt_km:.3g} km")
    ax.plot([0], [0], "k+", ms=10)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("B.T offset from the aim point (km)")
    ax.set_ylabel("B.R offset from the aim point (km)")
    nominal = report.rows[0].formal
    ax.set_title(f"{report.mission}: 1-sigma B-plane ellipses ({which}), Mars arrival\n"
                 f"aim B.T {nominal.b_dot_t_km:.0f} km, B.R {nominal.b_dot_r_km:.0f} km; data "
                 f"{report.arc_start.utc_iso(0)[:10]} to {report.arc_end.utc_iso(0)[:10]}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    return fig


def save_bplane(report, path, *, which: str = "formal") -> str:
    """Write :func:`bplane_figure` to ``path`` (.png, .svg or .pdf), atomically."""
    from ..files import atomic_write, check_output

    check_output(path, FORMATS)
    with atomic_write(path, FORMATS) as tmp:
        import matplotlib.pyplot as plt

        fig = bplane_figure(report, which=which)
        fig.savefig(tmp, format=str(path).rsplit(".", 1)[-1].lower())
        plt.close(fig)
    return str(path)
