"""`tianwen porkchop` and `tianwen windows`: the launch opportunities and their grids.

Keep imports here cheap (typer only); import the library inside each command.
"""

from __future__ import annotations

import json
from typing import List, Optional

import typer

from .app import app, fail, figure_aside, progress_bar, run, split_range, vec, write_figure  # noqa: F401


@app.command()
def porkchop(
    opportunity: Optional[str] = typer.Option(None, help="a year (e.g. 2020) or 'next': the window is found automatically"),
    depart: Optional[str] = typer.Option(None, help="departure window START:END (UTC dates)"),
    arrive: Optional[str] = typer.Option(None, help="arrival window START:END (UTC dates)"),
    step: float = typer.Option(1.0, help="grid step, days"),
    origin: str = typer.Option("earth", help="earth (centre) or emb (Earth–Moon barycentre), or another planet"),
    target: str = typer.Option("mars", help="target body"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421, analytic, analytic-long or a JPL SPK file PATH.bsp"),
    out: Optional[str] = typer.Option(None, help="write FILE.png|.svg|.html|.nc|.csv"),
    missions: bool = typer.Option(False, "--missions", help="overlay real missions launched in this window"),
    dla: bool = typer.Option(False, "--dla", help="draw DLA contour lines on the --out plot"),
    as_json: bool = typer.Option(False, "--json", help="print the type I/II minima as JSON"),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://HOST:8786 (default: $TIANWEN_SCHEDULER)"),
    workers: Optional[int] = typer.Option(None, help="start a local Dask cluster of N worker processes for this run"),
    parking_alt_km: Optional[float] = typer.Option(None, "--parking-alt-km", help="circular parking orbit altitude "
                                                   "at the origin, km: adds the departure burn"),
    capture_rp_km: Optional[float] = typer.Option(None, "--capture-rp-km", help="capture orbit periapsis radius, km"),
    capture_ra_km: Optional[float] = typer.Option(None, "--capture-ra-km", help="capture orbit apoapsis radius, km"),
    revs: int = typer.Option(0, help="complete revolutions of the transfer (multi-revolution Lambert)"),
    branch: str = typer.Option("left", help="left or right: which of the two N-revolution solutions"),
    rp: Optional[float] = typer.Option(None, "--mars-orbit-rp-km", help="return (--origin mars --target earth): "
                                       "periapsis radius of the Mars orbit left, km from the centre (default "
                                       "3789.5: 400 km circular, an assumption)"),
    ra: Optional[float] = typer.Option(None, "--mars-orbit-ra-km", help="return: apoapsis radius of that orbit, "
                                       "km (default: circular)"),
    orbit_of: Optional[str] = typer.Option(None, "--mars-orbit-of", help="return: take the Mars orbit from a "
                                           "mission file (tianwen-1: its 280 x 59000 km parking orbit; hope)"),
    entry_alt: float = typer.Option(125.0, "--entry-alt-km", help="return: Earth entry interface altitude, km"),
    max_entry: Optional[float] = typer.Option(None, "--max-entry-kms", help="return: Earth entry speed cap, km/s "
                                              "(cells above it are infeasible)"),
    broken_plane: bool = typer.Option(False, "--broken-plane", help="ballistic and broken-plane (one mid-course "
                                      "plane change) total dv side by side, on a --cells x --cells grid"),
    cells: int = typer.Option(100, "--cells", help="with --broken-plane: grid points per axis (each cell is an "
                              "optimisation; 100 x 100 takes about a minute)"),
):
    """Porkchop plot of launch energy C3 and arrival v-infinity (default: the next Earth–Mars opportunity).

    With --origin mars --target earth it is a return porkchop: the departure burn from a Mars orbit and the
    Earth entry speed are added (grid variables dv_depart, entry_speed, entry_ok), the minima are the least
    departure Δv under --max-entry-kms, and the PNG/SVG shows departure Δv and entry speed.

    \b
    Example:
      tianwen porkchop --opportunity 2028 --parking-alt-km 200 --capture-rp-km 3789 --capture-ra-km 60000
      tianwen porkchop --origin mars --target earth --opportunity 2030 --max-entry-kms 12.2 --out back.png
      tianwen porkchop --opportunity 2026 --broken-plane --cells 60 --out ridge.png
    """
    if origin.strip().lower() == "mars" and target.strip().lower() == "earth":
        return _return_porkchop(opportunity, depart, arrive, step, ephemeris_name, out, as_json, scheduler, workers,
                                revs, rp, ra, orbit_of, entry_alt, max_entry, parking_alt_km, capture_rp_km, missions,
                                dla)
    if rp is not None or ra is not None or orbit_of is not None or max_entry is not None or entry_alt != 125.0:
        fail("--mars-orbit-rp-km, --mars-orbit-ra-km, --mars-orbit-of, --entry-alt-km and --max-entry-kms are for "
             "a return porkchop: give --origin mars --target earth")

    def go():
        if out:
            from ..files import check_output

            if broken_plane:
                from ..plots_dsm import FORMATS
            else:
                from ..plots import FORMATS

            check_output(out, FORMATS)  # before any computing
        with figure_aside(None if broken_plane else out) as aside:  # matplotlib on the second core, Numba here
            return _ballistic(aside)

    def _ballistic(aside):
        from ..porkchop import porkchop_grid

        if not (broken_plane or scheduler or workers):
            from ..warm import is_cached, start

            if not is_cached("porkchop-block"):  # a cold start: a second process compiles the grid kernel meanwhile
                start("porkchop")
        if broken_plane and (revs or scheduler or workers or missions or dla):
            fail("--broken-plane draws zero-revolution transfers on this machine: drop --revs, --scheduler, "
                 "--workers, --missions and --dla")
        if not 2 <= cells <= 400:
            fail(f"--cells {cells}: give 2 to 400 grid points per axis")
        dep, arr, label = _spans(depart, arrive, opportunity, origin, target, ephemeris_name)
        if (capture_rp_km is None) != (capture_ra_km is None):
            fail("give both --capture-rp-km and --capture-ra-km, or neither")
        capture = None
        if capture_rp_km is not None:
            from ..porkchop import capture_altitudes

            capture = capture_altitudes(target, capture_rp_km, capture_ra_km)
        if broken_plane:
            assumed = []
            if parking_alt_km is None:  # launch and arrival priced as burns: v-infinity 1:1 with the DSM would
                assumed.append("200 km circular parking orbit")  # let the DSM do the launcher's work
            if capture is None:
                capture = (400.0, 400.0)  # (periapsis, apoapsis) altitudes, km
                assumed.append("400 km circular capture orbit")
            return _broken_plane(dep, arr, label, origin, target, ephemeris_name,
                                 200.0 if parking_alt_km is None else parking_alt_km, capture, cells, out, as_json,
                                 assumed)
        bar = progress_bar("porkchop", "cells", quiet=as_json)
        try:
            grid = porkchop_grid(dep, arr, step_days=step, origin=origin, target=target, ephemeris=ephemeris_name,
                                 progress=bar, scheduler=scheduler, workers=workers, revs=revs, branch=branch,
                                 parking_alt_km=parking_alt_km, capture=capture)
        finally:
            if bar is not None:
                bar.close()
        rows = minima_json(grid)
        if "dv_total" in grid.data:
            rows += minima_json(grid, by="dv_total")
        if out:
            from ..plots import save_porkchop

            write_figure(save_porkchop, grid, out, missions=missions, label=label, dla=dla, quiet=as_json,
                         aside=aside)
        attrs = grid.attrs
        if as_json:
            typer.echo(json.dumps({"origin": attrs["origin"], "target": attrs["target"],
                                   "ephemeris": attrs["ephemeris"], "minima": rows}))
            return
        nd, na = grid.shape
        typer.echo(f"{attrs['origin']} -> {attrs['target']} ({attrs['ephemeris']}): {nd} x {na} cells, "
                   f"departures {str(grid.departure[0])[:10]}..{str(grid.departure[-1])[:10]}, "
                   f"arrivals {str(grid.arrival[0])[:10]}..{str(grid.arrival[-1])[:10]}")
        for m in rows:
            what = "min dv, C3" if m.get("minimizes") == "dv_total" else "min C3"
            dv = (f"  dv {m['dv_depart_kms']:.3f} + {m['dv_arrive_kms']:.3f} = {m['dv_total_kms']:.3f} km/s"
                  if "dv_total_kms" in m else "")
            typer.echo(f"  Type {m['type']:<2} {what} {m['c3_km2s2']:7.3f} km2/s2  launch {m['launch']}  "
                       f"arrive {m['arrival']}  TOF {m['tof_days']:5.0f} d  vinf_arr {m['vinf_arr_kms']:.3f} km/s  "
                       f"DLA {m['dla_deg']:6.2f}  RLA {m['rla_deg']:6.2f}{dv}")
        if out:
            typer.echo(f"wrote {out}")

    run(go)



def _return_porkchop(opportunity, depart, arrive, step, ephemeris_name, out, as_json, scheduler, workers, revs, rp,
                     ra, orbit_of, entry_alt, max_entry, parking_alt_km, capture_rp_km, missions, dla):
    """`porkchop --origin mars --target earth`: :func:`tianwen.returns.return_grid` and its minima."""
    from .roundtrip import mars_orbit, with_flags

    def go():
        if parking_alt_km is not None or capture_rp_km is not None or missions or dla:
            fail("a return porkchop takes the Mars orbit as --mars-orbit-rp-km/--mars-orbit-ra-km (not "
                 "--parking-alt-km or --capture-*), and draws neither --missions nor --dla")
        if out:
            from ..files import check_output
            from ..plots import FORMATS

            check_output(out, FORMATS)
        from ..returns import check_orbit, entry_speed, return_grid, return_minima, vinf_for_entry_speed

        periapsis, apoapsis = mars_orbit(rp, ra, orbit_of)
        with_flags(lambda: (check_orbit(periapsis, apoapsis), entry_speed(0.0, entry_alt),  # before any work
                            max_entry is None or vinf_for_entry_speed(max_entry, entry_alt)))
        dep, arr, label = _spans(depart, arrive, opportunity, "mars", "earth", ephemeris_name)
        bar = progress_bar("porkchop", "cells", quiet=as_json)
        try:
            rg = with_flags(lambda: return_grid(
                dep, arr, periapsis_radius_km=periapsis, apoapsis_radius_km=apoapsis, entry_alt_km=entry_alt, max_entry_kms=max_entry, step_days=step,
                ephemeris=ephemeris_name, revs=revs, progress=bar, scheduler=scheduler, workers=workers))
        finally:
            if bar is not None:
                bar.close()
        rows = [return_minimum_json(m) for m in with_flags(lambda: return_minima(rg))]
        if out:
            from ..plots_roundtrip import save_return_porkchop

            write_figure(save_return_porkchop, rg.to_dataset(), out, label=label, quiet=as_json)
        a = rg.attrs
        if as_json:
            typer.echo(json.dumps({"origin": a["origin"], "target": a["target"], "ephemeris": a["ephemeris"],
                                   "mars_orbit_rp_km": rg.periapsis_radius_km,
                                   "mars_orbit_ra_km": rg.apoapsis_radius_km, "entry_alt_km": rg.entry_alt_km,
                                   "max_entry_kms": rg.max_entry_kms, "minima": rows}))
            return
        nd, na = rg.shape
        typer.echo(f"mars -> earth return ({a['ephemeris']}): {nd} x {na} cells, Mars departures "
                   f"{str(rg.departure[0])[:10]}..{str(rg.departure[-1])[:10]}, Earth arrivals "
                   f"{str(rg.arrival[0])[:10]}..{str(rg.arrival[-1])[:10]}; Mars orbit rp {rg.periapsis_radius_km:g}"
                   f" km, ra {rg.apoapsis_radius_km:g} km; entry at {rg.entry_alt_km:g} km"
                   + (f", capped at {rg.max_entry_kms:g} km/s" if rg.max_entry_kms is not None else ""))
        for m in rows:
            typer.echo(f"  Type {m['type']:<2} min departure dv {m['departure_dv_kms']:.3f} km/s (vinf "
                       f"{m['vinf_dep_kms']:.3f})  leave Mars {m['launch']}  arrive {m['arrival']}  TOF "
                       f"{m['tof_days']:5.0f} d  vinf_arr {m['vinf_arr_kms']:.3f} km/s  entry "
                       f"{m['entry_speed_kms']:.3f} km/s")
        if out:
            typer.echo(f"wrote {out}")

    run(go)


def return_minimum_json(m) -> dict:
    """A :class:`tianwen.returns.ReturnMinimum`, rounded for printing."""
    return {"type": m.type, "minimizes": "dv_depart", "launch": str(m.departure)[:10],
            "arrival": str(m.arrival)[:10], "tof_days": round(m.tof_days, 2), "c3_km2s2": round(m.c3_km2s2, 3),
            "vinf_dep_kms": round(m.vinf_dep_kms, 4), "departure_dv_kms": round(m.departure_dv_kms, 4),
            "vinf_arr_kms": round(m.vinf_arr_kms, 4), "entry_speed_kms": round(m.entry_speed_kms, 4),
            "dla_deg": round(m.dla_deg, 2), "rla_deg": round(m.rla_deg, 2)}


def _spans(depart, arrive, opportunity, origin, target, ephemeris_name):
    """(departure span, arrival span, opportunity label or None) from --depart/--arrive or --opportunity."""
    if depart or arrive:
        if not (depart and arrive):
            fail("give both --depart and --arrive, or --opportunity")
        return split_range(depart, "--depart"), split_range(arrive, "--arrive"), None
    from ..windows import plot_window

    return plot_window(opportunity or "next", origin=origin, target=target, ephemeris=ephemeris_name)


def _broken_plane(dep, arr, label, origin, target, ephemeris_name, parking_alt_km, capture, cells, out, as_json,
                  assumed):
    """`porkchop --broken-plane`: the DSM grid with the launch counted (tianwen.dsm.dsm_porkchop), its two optima."""
    from ..dsm import dsm_porkchop, grid_optima

    bar = progress_bar("broken-plane porkchop", "cells", quiet=as_json)
    try:
        g = dsm_porkchop(dep, arr, n=(cells, cells), origin=origin, target=target, ephemeris=ephemeris_name,
                         parking_alt_km=parking_alt_km, capture=capture, count_launch=True, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    rows = [o.as_json() for o in grid_optima(g)]
    if out:
        from ..plots_dsm import save_broken_plane

        write_figure(save_broken_plane, g, out, label=label, quiet=as_json)
    if as_json:
        typer.echo(json.dumps({"origin": g.attrs["origin"], "target": g.attrs["target"], "cells": list(g.shape),
                               "objective": g.attrs["objective"], "parking_alt_km": parking_alt_km,
                               "capture_alt_km": list(capture), "assumed": assumed, "optima": rows}))
        return
    typer.echo(f"{g.attrs['origin']} -> {g.attrs['target']} broken-plane porkchop ({g.attrs['ephemeris']}): "
               f"{g.shape[0]} x {g.shape[1]} cells; total dv = {g.attrs['objective']}"
               + (f" (assumed: {', '.join(assumed)})" if assumed else ""))
    for r in rows:
        typer.echo(f"  least {r['kind']:<12} {r['total_dv_kms']:.3f} km/s  launch {r['launch']}  arrive {r['arrival']}"
                   f"  C3 {r['c3_km2s2']:.2f}  plane change {1000 * r['dsm_dv_kms']:.0f} m/s")
    if out:
        typer.echo(f"wrote {out}")


def minima_json(grid, by: str = "c3") -> list:
    """The library's minima (:func:`tianwen.porkchop.minima`, of a Grid or Dataset), rounded for printing."""
    import math

    from ..porkchop import minima

    rows = []
    for m in minima(grid, by=by):
        row = {"type": m.type, "launch": str(m.departure)[:10], "arrival": str(m.arrival)[:10],
               "tof_days": round(m.tof_days, 2), "c3_km2s2": round(m.c3_km2s2, 3),
               "vinf_arr_kms": round(m.vinf_arr_kms, 4), "dla_deg": round(m.dla_deg, 2), "rla_deg": round(m.rla_deg, 2)}
        if by != "c3":
            row["minimizes"] = by
        for key in ("dv_depart_kms", "dv_arrive_kms", "dv_total_kms"):
            if not math.isnan(getattr(m, key)):
                row[key] = round(getattr(m, key), 4)
        rows.append(row)
    return rows


@app.command()
def windows(
    year_from: int = typer.Option(..., "--from", help="first year"),
    year_to: int = typer.Option(..., "--to", help="last year"),
    origin: str = typer.Option("earth", help="earth (centre) or emb (Earth–Moon barycentre)"),
    target: str = typer.Option("mars", help="target planet"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421, analytic, analytic-long or a JPL SPK file PATH.bsp"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://HOST:8786 (default: $TIANWEN_SCHEDULER)"),
    workers: Optional[int] = typer.Option(None, help="start a local Dask cluster of N worker processes for this run"),
    vehicle: Optional[str] = typer.Option(None, help="launch vehicle (with --site and --payload-kg): each "
                                          "opportunity's launch period"),
    site: Optional[str] = typer.Option(None, help="launch site: flags a DLA beyond its reach"),
    payload_kg: Optional[float] = typer.Option(None, "--payload-kg", help="injected mass, kg"),
    broken_plane: bool = typer.Option(False, "--broken-plane", help="beside each optimum, the broken-plane transfer "
                                      "between the same dates (a mid-course plane change) and its total dv"),
    rp: Optional[float] = typer.Option(None, "--mars-orbit-rp-km", help="return (--origin mars --target earth): "
                                       "periapsis radius of the Mars orbit left, km (default 3789.5: 400 km "
                                       "circular, an assumption)"),
    ra: Optional[float] = typer.Option(None, "--mars-orbit-ra-km", help="return: apoapsis radius of that orbit, km"),
    orbit_of: Optional[str] = typer.Option(None, "--mars-orbit-of", help="return: take the Mars orbit from a "
                                           "mission file (tianwen-1, hope)"),
    entry_alt: float = typer.Option(125.0, "--entry-alt-km", help="return: Earth entry interface altitude, km"),
    max_entry: Optional[float] = typer.Option(None, "--max-entry-kms", help="return: Earth entry speed cap, km/s "
                                              "(marks the optima above it, adds the least-dv legs under it)"),
):
    """Every launch opportunity in the span, with its refined minimum-C3 and minimum-v-infinity transfers.

    With --origin mars --target earth each optimum also gets the departure burn from a Mars orbit and the Earth
    entry speed; --max-entry-kms adds, per opportunity, the least-departure-dv leg of each type under the cap.

    \b
    Example:
      tianwen windows --from 2026 --to 2035 --vehicle atlas-v-541 --site ksc --payload-kg 4000
      tianwen windows --origin mars --target earth --from 2030 --to 2035 --max-entry-kms 12.2
    """
    if origin.strip().lower() == "mars" and target.strip().lower() == "earth":
        if vehicle or site or payload_kg is not None or broken_plane:
            fail("--vehicle, --site, --payload-kg and --broken-plane are for launches from Earth, not for returns")
        return _return_windows(year_from, year_to, ephemeris_name, as_json, scheduler, workers, rp, ra, orbit_of,
                               entry_alt, max_entry)
    if rp is not None or ra is not None or orbit_of is not None or max_entry is not None or entry_alt != 125.0:
        fail("--mars-orbit-rp-km, --mars-orbit-ra-km, --mars-orbit-of, --entry-alt-km and --max-entry-kms are for "
             "returns: give --origin mars --target earth")

    def go():
        from ..errors import TianwenError
        from ..windows import windows as survey

        if (vehicle is None) != (payload_kg is None) or (vehicle is not None and site is None):
            fail("give --vehicle, --site and --payload-kg together (or --site alone for the DLA check)")
        launch_site = None
        if site is not None:
            from ..launch import site as lookup_site, vehicle as lookup_vehicle

            launch_site = lookup_site(site)
            if vehicle is not None:
                lookup_vehicle(vehicle)
        bar = progress_bar("windows: opportunities", "opportunities", quiet=as_json)
        try:
            rows = survey(year_from, year_to, origin=origin, target=target, ephemeris=ephemeris_name,
                          scheduler=scheduler, workers=workers, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        periods = {}
        if vehicle is not None:
            from ..launch import launch_period

            for opp in sorted({r.opportunity for r in rows}):
                try:
                    periods[opp] = launch_period(opp, vehicle, site, payload_kg, target=target,
                                                 ephemeris=ephemeris_name).as_json()
                except TianwenError as exc:
                    periods[opp] = {"infeasible": str(exc)}
        planes = {}
        if broken_plane:
            from ..dsm import broken_plane_transfer
            from ..time import Epoch

            for k, r in enumerate(rows):
                t0 = Epoch(r.launch_tdb_jd, 0.0, "tdb")
                planes[k] = broken_plane_transfer(t0, t0 + r.tof_days, origin=origin, target=target,
                                                  ephemeris=ephemeris_name)
        if as_json:
            out = []
            for k, r in enumerate(rows):
                d = r.as_json()
                if k in planes:
                    b = planes[k]
                    d["broken_plane"] = {"total_dv_kms": round(b.total_dv_kms, 4),
                                         "ballistic_total_dv_kms": round(b.ballistic_total_dv_kms, 4),
                                         "dsm_dv_kms": round(b.dsm_dv_total_kms, 4), "dsm_utc": b.dsm.utc_iso()}
                    if b.note:
                        d["broken_plane"]["note"] = b.note
                if r.is_past():
                    d["past"] = True
                if launch_site is not None:
                    d["dla_reachable"] = bool(launch_site.reaches_dla(r.dla_deg))
                if r.opportunity in periods:
                    p = periods[r.opportunity]
                    d["launch_period"] = ({"open_utc": p["open_utc"], "close_utc": p["close_utc"],
                                           "design_c3_km2s2": p["design_c3_km2s2"]} if "open_utc" in p else p)
                out.append(d)
            typer.echo(json.dumps(out))
            return
        typer.echo(f"{'opp':>5} {'type':>4} {'minimizes':>9} {'launch':>11} {'arrival':>11} {'TOF d':>7} "
                   f"{'C3':>8} {'vinf_arr':>8} {'DLA':>7} {'RLA':>7}")
        for r in rows:
            flags = [r.note] if r.note else []
            if r.is_past():
                flags.append("launch date past")
            if launch_site is not None and not launch_site.reaches_dla(r.dla_deg):
                flags.append(f"DLA beyond {launch_site.name}'s reach of {launch_site.dla_reach_deg():.1f} deg")
            typer.echo(f"{r.opportunity:>5} {r.type:>4} {r.minimizes:>9} {r.launch:>11} {r.arrival:>11} "
                       f"{r.tof_days:7.1f} {r.c3_km2s2:8.3f} {r.vinf_arr_kms:8.4f} {r.dla_deg:7.2f} {r.rla_deg:7.2f}"
                       + (f"  ({'; '.join(flags)})" if flags else ""))
        for k, r in enumerate(rows):
            if k in planes:
                b = planes[k]
                typer.echo(f"{r.opportunity:>5} {r.type:>4} {r.minimizes:>9}: launch v-inf + arrival v-inf "
                           f"{b.ballistic_total_dv_kms:.3f} km/s ballistic, {b.total_dv_kms:.3f} km/s broken-plane "
                           f"(plane change {1000 * b.dsm_dv_total_kms:.0f} m/s on {b.dsm.utc_iso()[:10]})"
                           + (f"; {b.note}" if b.note else ""))
        for opp, p in periods.items():
            if "open_utc" in p:
                typer.echo(f"{opp}: launch period {p['open_utc'][:10]} .. {p['close_utc'][:10]} for {payload_kg:g} kg "
                           f"on {p['vehicle']} from {p['site']}, design C3 {p['design_c3_km2s2']:.2f} km2/s2")
            else:
                typer.echo(f"{opp}: no launch period: {p['infeasible']}")

    run(go)


def _return_windows(year_from, year_to, ephemeris_name, as_json, scheduler, workers, rp, ra, orbit_of, entry_alt,
                    max_entry):
    """`windows --origin mars --target earth`: :func:`tianwen.returns.return_windows`."""
    from .roundtrip import mars_orbit, with_flags

    def go():
        from ..returns import return_windows

        periapsis, apoapsis = mars_orbit(rp, ra, orbit_of)
        bar = progress_bar("windows: opportunities", "opportunities", quiet=as_json)
        try:
            w = with_flags(lambda: return_windows(
                year_from, year_to, periapsis_radius_km=periapsis, apoapsis_radius_km=apoapsis, entry_alt_km=entry_alt, max_entry_kms=max_entry, ephemeris=ephemeris_name,
                scheduler=scheduler, workers=workers, progress=bar))
        finally:
            if bar is not None:
                bar.close()
        rows = [r.as_json() for r in w.rows]
        capped = [leg.as_json() for leg in w.capped]
        if as_json:
            out = rows + [{**c, "minimizes": "dv_depart", "max_entry_kms": w.max_entry_kms} for c in capped]
            typer.echo(json.dumps(out))
            return
        typer.echo(f"Mars orbit rp {w.periapsis_radius_km:g} km, ra {w.apoapsis_radius_km:g} km; Earth entry at "
                   f"{w.entry_alt_km:g} km" + (f", cap {w.max_entry_kms:g} km/s" if w.max_entry_kms else ""))
        typer.echo(f"{'opp':>5} {'type':>4} {'minimizes':>9} {'Mars dep':>11} {'Earth arr':>11} {'TOF d':>7} "
                   f"{'vinf_dep':>8} {'dv_dep':>7} {'vinf_arr':>8} {'entry':>7} {'DLA':>7} {'RLA':>7}")
        for r in rows:
            flags = [r["note"]] if r.get("note") else []
            if r.get("over_entry_cap"):
                flags.append("entry speed over the cap")
            typer.echo(f"{r['opportunity']:>5} {r['type']:>4} {r['minimizes']:>9} {r['launch']:>11} {r['arrival']:>11} "
                       f"{r['tof_days']:7.1f} {r['vinf_dep_kms']:8.4f} {r['departure_dv_kms']:7.4f} "
                       f"{r['vinf_arr_kms']:8.4f} {r['entry_speed_kms']:7.3f} {r['dla_deg']:7.2f} {r['rla_deg']:7.2f}"
                       + (f"  ({'; '.join(flags)})" if flags else ""))
        for c in capped:
            typer.echo(f"{c['opportunity']:>5} {c['type']:>4} {'dv_depart':>9} {c['launch_utc'][:10]:>11} "
                       f"{c['arrival_utc'][:10]:>11} {c['tof_days']:7.1f} {c['vinf_dep_kms']:8.4f} "
                       f"{c['departure_dv_kms']:7.4f} {c['vinf_arr_kms']:8.4f} {c['entry_speed_kms']:7.3f} "
                       f"{c['dla_deg']:7.2f} {c['rla_deg']:7.2f}  (least departure dv under the cap"
                       + (f"; {c['note']})" if c.get("note") else ")"))

    run(go)
