"""Tracking benchmark: topocentric Mars (azimuth, elevation, range, light time) from Kashi at N UTC epochs,
tianwen beside skyfield on the same DE421 and IERS finals2000A.all; then a year of passes.

* tianwen — ``tianwen.tracking.topocentric("mars", epochs, "kashi")`` (astrometric: light time, no aberration;
  IAU 2006/2000A + ERA + polar motion through pyerfa; CIP X, Y, s interpolated from 3-hourly nodes);
* skyfield — ``(earth + wgs84.latlon(...)).at(t).observe(mars).frame_latlon(topos)`` with the same files (its
  loader pointed at skyfield-data's directory, polar-motion table installed).

Epochs: N evenly spaced UTC instants over 2020-2026 (inside the IERS file, where both use the same UT1). Each
reader gets a warm-up call on 100 epochs (file loading, compilation excluded), then the best of ``--repeats``.
The largest differences between the two over all N epochs are printed with the timings.

    python benchmarks/tracking.py            # [--n 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

JD_START, JD_END = 2458849.5, 2461041.5  # 2020-01-01 .. 2026-01-01 UTC


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} logical cores, Python {platform.python_version()}; load {load}"


def best(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import skyfield_data
    from skyfield.api import Loader, load_file, wgs84
    from skyfield.data import iers

    from tianwen.time import Epoch
    from tianwen.tracking import passes, station, topocentric

    jd = np.linspace(JD_START, JD_END, args.n)
    whole = np.floor(jd - 0.5) + 0.5
    s = station("kashi")

    def run_tianwen(k=None):
        sl = slice(None) if k is None else slice(0, k)
        return topocentric("mars", Epoch(whole[sl], (jd - whole)[sl], "utc"), s)

    d = os.path.join(os.path.dirname(skyfield_data.__file__), "data")
    loader = Loader(d, verbose=False)
    ts = loader.timescale(builtin=False)
    with loader.open("finals2000A.all") as f:
        iers.install_polar_motion_table(ts, iers.parse_x_y_dut1_from_finals_all(f))
    eph = load_file(os.path.join(d, "de421.bsp"))
    topos = wgs84.latlon(s.lat_deg, s.lon_deg, elevation_m=s.height_m)
    observer, mars = eph["earth"] + topos, eph["mars barycenter"]

    def run_skyfield(k=None):
        sl = slice(None) if k is None else slice(0, k)
        t = ts.utc(1858, 11, 17.0 + (jd[sl] - 2400000.5))  # MJD days as a UTC day count
        a = observer.at(t).observe(mars)
        alt, az, dist = a.frame_latlon(topos)
        return alt.degrees, az.degrees, dist.km, a.light_time * 86400.0

    run_tianwen(100)
    run_skyfield(100)
    t_tw, mine = best(run_tianwen, args.repeats)
    t_sf, theirs = best(run_skyfield, args.repeats)
    d_el = np.max(np.abs(mine.elevation_deg - theirs[0])) * 3600e3
    d_az = np.max(np.abs((mine.azimuth_deg - theirs[1] + 180) % 360 - 180) * np.cos(np.radians(theirs[0]))) * 3600e3
    d_r = np.max(np.abs(mine.range_km - theirs[2])) * 1e3
    d_lt = np.max(np.abs(mine.light_time_s - theirs[3])) * 1e9
    print(f"machine: {machine()}")
    print(f"topocentric Mars from Kashi, {args.n:,} UTC epochs 2020-2026 (best of {args.repeats})")
    print(f"  tianwen  {t_tw:8.3f} s   ({t_tw / args.n * 1e6:7.1f} us/epoch)")
    print(f"  skyfield {t_sf:8.3f} s   ({t_sf / args.n * 1e6:7.1f} us/epoch)")
    print(f"  largest differences: elevation {d_el:.3f} mas, azimuth x cos(el) {d_az:.3f} mas, range {d_r:.3f} m, "
          f"light time {d_lt:.3f} ns")
    t0 = time.perf_counter()
    n = sum(len(passes("mars", "2021-01-01", "2022-01-01", name, 10.0)) for name in ("kashi", "jiamusi", "neuquen"))
    print(f"passes above 10 deg, 2021, Kashi + Jiamusi + Neuquen: {n} passes in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
