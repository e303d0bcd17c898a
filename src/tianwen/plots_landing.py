"""Plot an entry, descent and landing (:func:`tianwen.landing.entry`): altitude versus speed with the phases
marked, and the ground track on a Mars latitude-longitude grid. Matplotlib is imported inside the function.
"""

from __future__ import annotations

from pathlib import Path

from .errors import TianwenError

__all__ = ["save_landing"]

_COLOURS = {0: "#c0392b", 1: "#2471a3", 2: "#1e8449"}
_NAMES = {0: "entry (aeroshell)", 1: "parachute", 2: "powered descent"}


def save_landing(landing, path, *, title=None, ellipse=None) -> str:
    """Write ``landing`` (a :class:`tianwen.landing.Landing` with its trajectory) to ``path`` (.png, .svg, .pdf).

    Left: altitude versus relative speed, coloured by phase, with peak deceleration, peak heating and parachute
    deployment marked. Right: the ground track (latitude versus east longitude), the touchdown point, the
    published site when the summary has one, and ``ellipse`` (a :class:`tianwen.landing.Ellipse`) if given.
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise TianwenError(f"plot file {str(path)!r}: use a .png, .svg or .pdf name")
    ds = landing.trajectory
    if ds is None:
        raise TianwenError("this landing was flown with record=False; fly it with record=True to plot it")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    s = landing.summary
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5.2))
    phase = ds["phase"].values
    v = ds["speed_kms"].values
    h = ds["alt_km"].values
    lat = ds["lat_deg"].values
    lon = ds["lon_deg"].values
    lon_c = np.degrees(np.unwrap(np.radians(lon)))
    for ph in (0, 1, 2):
        m = phase == ph
        if m.any():
            ax1.plot(v[m], h[m], color=_COLOURS[ph], lw=2, label=_NAMES[ph])
            ax2.plot(lon_c[m], lat[m], color=_COLOURS[ph], lw=2, label=_NAMES[ph])

    def mark(t_key, label, marker):
        t = s.get(t_key)
        if t is None or not np.isfinite(t):
            return
        i = int(np.argmin(np.abs(ds["time_s"].values - t)))
        ax1.plot(v[i], h[i], marker, color="k", ms=7, label=label)

    mark("peak_g_time_s", f"peak load {s['peak_g']:.1f} g", "v")
    mark("peak_heat_time_s", f"peak heating {s['peak_heat_w_cm2']:.0f} W/cm2", "^")
    mark("chute_time_s", f"parachute, Mach {s['chute_mach']:.2f}", "o")
    ax1.set_xlabel("speed relative to the atmosphere (km/s)")
    ax1.set_ylabel(f"altitude above the {ds.attrs.get('altitude_reference', 'reference')} (km)")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8, loc="upper left")
    ax1.set_xlim(left=0.0)
    if np.isfinite(s.get("touchdown_lat_deg", np.nan)):
        tl = s["touchdown_lon_deg"]
        tl = tl + 360.0 * np.round((lon_c[-1] - tl) / 360.0)
        ax2.plot(tl, s["touchdown_lat_deg"], "X", color="k", ms=9, label="touchdown")
    if "site_lat_deg" in s:
        sl = s["site_lon_deg"] + 360.0 * np.round((lon_c[-1] - s["site_lon_deg"]) / 360.0)
        ax2.plot(sl, s["site_lat_deg"], "*", color="gold", mec="k", ms=14, label="published site")
    if ellipse is not None and np.isfinite(ellipse.major_axis_km):
        t = np.linspace(0.0, 2.0 * np.pi, 200)
        a, b = ellipse.major_axis_km / 2.0, ellipse.minor_axis_km / 2.0
        az = np.radians(ellipse.azimuth_deg)
        e = a * np.cos(t) * np.sin(az) + b * np.sin(t) * np.cos(az)
        n = a * np.cos(t) * np.cos(az) - b * np.sin(t) * np.sin(az)
        r = 3389.5
        clon = ellipse.center_lon_deg + 360.0 * np.round((lon_c[-1] - ellipse.center_lon_deg) / 360.0)
        ax2.plot(clon + np.degrees(e / (r * np.cos(np.radians(ellipse.center_lat_deg)))),
                 ellipse.center_lat_deg + np.degrees(n / r), "k--", lw=1,
                 label=f"{100 * ellipse.confidence:.0f} % ellipse {ellipse.major_axis_km:.0f} x "
                       f"{ellipse.minor_axis_km:.0f} km")
    ax2.set_xlabel("east longitude (deg)")
    ax2.set_ylabel("planetocentric latitude (deg)")
    ax2.set_aspect(1.0 / max(np.cos(np.radians(np.nanmean(lat))), 0.2), adjustable="datalim")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    fig.suptitle(title or f"{s.get('mission_name', 'Entry, descent and landing')}: {s['outcome']}")
    fig.tight_layout()
    from .files import atomic_write

    try:
        with atomic_write(path) as tmp:
            fig.savefig(tmp, dpi=120, format=str(path).rsplit(".", 1)[-1].lower())
    finally:
        plt.close(fig)
    return str(path)
