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
