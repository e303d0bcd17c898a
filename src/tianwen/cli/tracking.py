"""`tianwen` commands for tracking: they register themselves on the shared app of :mod:`tianwen.cli`.

Keep imports here cheap (typer only); import the library inside each command.

* ``tianwen passes`` — rise, culmination and set of Mars or a spacecraft at a station or site;
* ``tianwen geometry`` — range, light time and Sun–Earth–target angle over a span, solar conjunctions, a plot;
* ``tianwen stations`` — the station catalogue with its sources.
"""

from __future__ import annotations

import json
from typing import List, Optional

import typer

from .app import app, fail, progress_bar, run, split_range, vec, write_figure  # noqa: F401


def _warned(func):
    """Call ``func`` and show each distinct warning it raised (Earth orientation past the IERS predictions, ...)
    as one ``warning: ...`` line on stderr."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func()
    for message in dict.fromkeys(str(w.message).splitlines()[0] for w in caught):
        typer.echo(f"warning: {message}", err=True)
    return result


def _sites(station: List[str], site_text: Optional[str]):
    from ..tracking import parse_site, station as lookup

    names = [n.strip() for s in station for n in s.split(",") if n.strip()]
    if names and site_text:
        fail("give --station or --site, not both")
    if site_text:
        return [parse_site(site_text)]
    if not names:
        fail("give --station NAME (see: tianwen stations) or --site LAT,LON,HEIGHT_M")
    return [lookup(n) for n in names]


@app.command()
def passes(
    station: List[str] = typer.Option([], "--station", help="catalogue station (repeatable, or comma-separated): "
                                      "kashi, jiamusi, neuquen, cebreros, malargue, new-norcia, goldstone, "
                                      "canberra, madrid, dss-NN"),
    site_text: Optional[str] = typer.Option(None, "--site", help="any site as LAT,LON,HEIGHT_M (WGS84 degrees, "
                                            "east positive; metres above the ellipsoid)"),
    target: str = typer.Option("mars", help="mars (or another planet) or a mission name"),
    start: str = typer.Option(..., "--from", help="window start (UTC unless a scale follows)"),
    end: str = typer.Option(..., "--to", help="window end"),
    min_elevation: float = typer.Option(0.0, "--min-elevation", help="elevation threshold, degrees"),
    refraction: bool = typer.Option(False, "--refraction", help="apply standard refraction (10 °C, 1010 hPa)"),
    step: float = typer.Option(600.0, help="sampling step before refinement, seconds"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Passes of the target at a station: rise, culmination and set (UTC) and maximum elevation.

    \b
    Example:
      tianwen passes --station kashi --target tianwen-1 --from 2021-02-10 --to 2021-02-12
    """

    def go():
        from ..tracking import passes as compute

        sites = _sites(station, site_text)
        rows = _warned(lambda: [(s, compute(target, start, end, s, min_elevation, refraction=refraction, step_s=step))
                                for s in sites])
        if as_json:
            typer.echo(json.dumps([p.as_json() for _, ps in rows for p in ps]))
            return
        for s, ps in rows:
            typer.echo(f"{s.name}: {target} above {min_elevation:g}° ({'refracted' if refraction else 'airless'}), "
                       f"{len(ps)} pass{'es' if len(ps) != 1 else ''}")
            typer.echo(f"  {'rise (UTC)':<22}{'culmination (UTC)':<22}{'set (UTC)':<22}{'max el (deg)':>12}")
            for p in ps:
                j = p.as_json()
                typer.echo(f"  {j['rise_utc'] or '(up before)':<22}{j['culmination_utc']:<22}"
                           f"{j['set_utc'] or '(up after)':<22}{p.max_elevation_deg:12.3f}")

    run(go)


@app.command()
def geometry(
    target: str = typer.Option("mars", help="mars (or another planet) or a mission name"),
    start: str = typer.Option(..., "--from", help="span start (UTC unless a scale follows)"),
    end: str = typer.Option(..., "--to", help="span end (equal to --from for one epoch)"),
    step: str = typer.Option("1d", help="step: 1d, 6h, 30m, 3600s (a bare number means days)"),
    site_text: Optional[str] = typer.Option(None, "--site", help="add elevation/azimuth from LAT,LON,HEIGHT_M"),
    station: Optional[str] = typer.Option(None, "--station", help="add elevation/azimuth from a catalogue station"),
    refraction: bool = typer.Option(False, "--refraction", help="refracted elevation (10 °C, 1010 hPa)"),
    threshold: float = typer.Option(3.0, "--conjunction-threshold", help="solar conjunction: angle below this, deg"),
    out: Optional[str] = typer.Option(None, help="plot FILE.png|.svg|.pdf of range and angle, or data .csv|.nc"),
    as_json: bool = typer.Option(False, "--json", help="print JSON rows"),
):
    """Range, light time and Sun–Earth–target angle over a span; solar conjunction periods; a plot with --out.

    \b
    Example:
      tianwen geometry --target mars --from 2021-02-10T11:52 --to 2021-02-10T11:52 (one epoch)
    """

    def go():
        import numpy as np

        from ..tracking import check_output, conjunctions, geometry as compute, parse_step_days, save_geometry, utc_grid

        if station and site_text:
            fail("give --station or --site, not both")
        if out:
            check_output(out)
        where = _sites([station], None)[0] if station else (_sites([], site_text)[0] if site_text else None)
        t = utc_grid(start, end, parse_step_days(step))
        single = len(t) == 1
        ds = _warned(lambda: compute(target, t, where, refraction=refraction))
        conj = [] if single else conjunctions(target, start, end, threshold)
        if out:
            write_figure(save_geometry, ds, out, conj, threshold, quiet=as_json)
        utc = t.utc_iso()
        has_site = "elevation_deg" in ds
        if as_json:
            rows = []
            for i in range(ds.sizes["epoch"]):
                row = {"epoch_utc": str(utc[i]), "range_km": round(float(ds.range_km[i]), 3),
                       "light_time_s": round(float(ds.light_time_s[i]), 6), "sep_deg": round(float(ds.sep_deg[i]), 6)}
                if has_site:
                    row["elevation_deg"] = round(float(ds.elevation_deg[i]), 6)
                    row["azimuth_deg"] = round(float(ds.azimuth_deg[i]), 6)
                rows.append(row)
            typer.echo(json.dumps(rows))
            return
        head = f"{'epoch (UTC)':<22}{'range km':>17}{'light time s':>14}{'range rate km/s':>17}{'Sun-E-T deg':>13}"
        typer.echo(f"{ds.attrs['target']} from the Earth's centre (DE421, light-time corrected)"
                   + (f"; elevation/azimuth from {ds.attrs['site']}" if has_site else ""))
        if has_site and ds.attrs.get("earth_orientation_beyond"):
            typer.echo(f"Earth orientation {ds.attrs['earth_orientation_beyond']}")
        typer.echo(head + (f"{'elev deg':>10}{'azim deg':>10}" if has_site else ""))
        for i in range(ds.sizes["epoch"]):
            line = (f"{utc[i]:<22}{float(ds.range_km[i]):17.1f}{float(ds.light_time_s[i]):14.3f}"
                    f"{float(ds.range_rate_kms[i]):17.4f}{float(ds.sep_deg[i]):13.3f}")
            if has_site:
                line += f"{float(ds.elevation_deg[i]):10.3f}{float(ds.azimuth_deg[i]):10.3f}"
            typer.echo(line)
        if single:
            below = float(ds.sep_deg[0]) < threshold
            typer.echo(f"Sun–Earth–target angle {float(ds.sep_deg[0]):.3f}°: "
                       + (f"in solar conjunction (below {threshold:g}°)" if below else f"above {threshold:g}°"))
        elif conj:
            typer.echo(f"solar conjunction (Sun–Earth–target angle < {threshold:g}°):")
            for c in conj:
                j = c.as_json()
                span = f"{c.days:.1f} d" if c.days is not None else "runs past the span"
                typer.echo(f"  {j['start_utc'] or '(before the span)'} .. {j['end_utc'] or '(after the span)'}  "
                           f"({span}); minimum {c.min_sep_deg:.3f}° at {j['min_utc']}")
        else:
            typer.echo(f"no solar conjunction (Sun–Earth–target angle < {threshold:g}°) in the span; "
                       f"smallest angle {float(np.min(ds.sep_deg)):.2f}° on the grid")
        if out:
            typer.echo(f"wrote {out}")

    run(go)


@app.command()
def stations(as_json: bool = typer.Option(False, "--json", help="print JSON")):
    """The ground-station catalogue: WGS84 coordinates, antenna and source (details in data/stations.md).

    \b
    Example:
      tianwen stations --json
    """

    def go():
        from ..tracking import stations as catalogue

        rows = catalogue()
        if as_json:
            typer.echo(json.dumps([{"name": s.name, "aliases": list(s.aliases), "lat_deg": s.lat_deg,
                                    "lon_deg": s.lon_deg, "height_m": s.height_m if s.height_published else None,
                                    "uncertainty_m": s.uncertainty_m, "network": s.network, "antenna": s.antenna,
                                    "source": s.source} for s in rows]))
            return
        wn = max(len("network"), *(len(s.network) for s in rows)) + 2  # columns as wide as their longest entry
        wa = max(len("antenna"), *(len(s.antenna) for s in rows)) + 2
        typer.echo(f"{'name':<12}{'lat deg':>13}{'lon deg':>14}{'height m':>10}{'±m':>7}  "
                   f"{'network':<{wn}}{'antenna':<{wa}}source")
        for s in rows:
            h = f"{s.height_m:10.1f}" if s.height_published else f"{'n/p':>10}"
            typer.echo(f"{s.name:<12}{s.lat_deg:13.7f}{s.lon_deg:14.7f}{h}{s.uncertainty_m:7g}  {s.network:<{wn}}"
                       f"{s.antenna:<{wa}}{s.source}")
        typer.echo("n/p: height not published (0 m used). Aliases and sources: src/tianwen/data/stations.md")

    run(go)
