"""`tianwen transfer`: one transfer between two dates or windows — ballistic, with one DSM, or broken-plane.

Keep imports here cheap (typer only); import the library inside the command.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from .app import app, fail, run


def _when(text: str):
    """A date, or a START:END window (a colon between two dates; times use T and their own colons)."""
    parts = text.split("..") if ".." in text else None
    if parts is None:
        bits = text.split(":")
        # 2020-07-01:2020-08-15 splits in two; 2020-07-23T12:00:00 has its colons inside the time
        halves = [(":".join(bits[:k]), ":".join(bits[k:])) for k in range(1, len(bits))]
        parts = next(([a, b] for a, b in halves if a[:4].isdigit() and b[:4].isdigit() and "-" in a and "-" in b),
                     None)
    if parts is None:
        return text.strip()
    return (parts[0].strip(), parts[1].strip())


@app.command()
def transfer(
    launch: Optional[str] = typer.Option(None, help="launch DATE, or a window FROM:TO (UTC)"),
    arrive: Optional[str] = typer.Option(None, help="arrival DATE, or a window FROM:TO (UTC)"),
    tof: Optional[str] = typer.Option(None, help="instead of --arrive: flight time DAYS or MIN:MAX days"),
    dsm: bool = typer.Option(False, "--dsm", help="one deep-space manoeuvre (minimum DSM + arrival Δv)"),
    broken_plane: bool = typer.Option(False, "--broken-plane",
                                      help="broken-plane transfer between fixed dates (launch + DSM + arrival Δv)"),
    max_c3: Optional[float] = typer.Option(None, "--max-c3", help="launch C3 cap, km2/s2"),
    vehicle: Optional[str] = typer.Option(None, help="cap C3 by this launch vehicle's capability (with --payload-kg)"),
    payload_kg: Optional[float] = typer.Option(None, "--payload-kg", help="spacecraft mass at launch, kg"),
    capture_rp_km: Optional[float] = typer.Option(None, "--capture-rp-km", help="capture orbit periapsis radius, km"),
    capture_ra_km: Optional[float] = typer.Option(None, "--capture-ra-km", help="capture orbit apoapsis radius, km"),
    origin: str = typer.Option("earth", help="origin body"),
    target: str = typer.Option("mars", help="target body"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421, analytic, analytic-long or a JPL SPK file PATH.bsp"),
    seed: int = typer.Option(0, help="random seed of the global search"),
    mission: Optional[str] = typer.Option(None, help="a mission flown with a DSM (tianwen-1): its design, rebuilt "
                                                     "from the published burns"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
):
    """A transfer: ballistic (default), with one deep-space manoeuvre (--dsm) or broken-plane (--broken-plane).

    \b
    Example:
      tianwen transfer --dsm --launch 2020-07-23 --arrive 2021-02-10 --max-c3 12 --json
    """

    def go():
        if mission is not None:
            from ..reconstruct_dsm import reconstruct_dsm

            rec = reconstruct_dsm(mission, ephemeris=ephemeris_name, seed=seed).as_json()
            if as_json:
                typer.echo(json.dumps(rec))
                return
            t, fit, cap = rec["transfer"], rec["launch"]["independent_fit"], rec["capture"]
            typer.echo(f"{rec['name']} as designed, with its deep-space manoeuvre (patched conics, {t['ephemeris']})")
            typer.echo(f"  launch   {t['launch_utc']}  C3 {t['c3_km2s2']:.3f} km2/s2  DLA {t['dla_deg']:.2f}  "
                       f"RLA {t['rla_deg']:.2f}   (independent fit: C3 {fit['c3_km2s2']:.3f}, "
                       f"DLA {fit['dla_deg']:.2f}, "
                       f"RLA {fit['rla_deg']:.2f})")
            for b in rec["burns"]:
                typer.echo(f"  {b['label']:<22} {b['epoch_utc']}  {b['duration_s']:g} s at {b['thrust_n']:g} N -> "
                           f"{b['dv_kms'] * 1000:.1f} m/s")
            typer.echo(f"  MOI      {t['arrival_utc']}  vinf {cap['vinf_kms']:.3f} km/s  impulsive "
                       f"{cap['dv_impulsive_kms']:.4f} km/s  finite burn {cap['finite_burn_duration_min']:.1f} min "
                       f"(published about {cap['published_duration_min']:g} min)")
            for d in rec["distances"]:
                typer.echo(f"  distance from {d['from']:<5} at {d['event']:<20} "
                           f"{d['computed_km'] / 1e6:7.2f} million km "
                           f"(published {d['published_km'] / 1e6:g})")
            for ph in rec["orbit_phases"][1:]:
                typer.echo(f"  orbit    {ph['epoch_utc'][:10]}  {ph['label']:<32} {ph['periapsis_alt_km']:g} x "
                           f"{ph['apoapsis_alt_km']:g} km, {ph['inclination_deg']:g} deg, {ph['period_h']:.2f} h  "
                           f"dv {ph['dv_kms'] * 1000:.0f} m/s")
            for a in rec["assumptions"]:
                typer.echo(f"  assumption: {a}")
            return
        if launch is None:
            fail("give --launch (or --mission)")
        if (arrive is None) == (tof is None):
            fail("give one of --arrive and --tof")
        if (capture_rp_km is None) != (capture_ra_km is None):
            fail("give both --capture-rp-km and --capture-ra-km, or neither")
        capture = None if capture_rp_km is None else (capture_rp_km, capture_ra_km)
        when = _when(launch)
        arr = None if arrive is None else _when(arrive)
        tof_days = None if tof is None else (tuple(tof.split(":", 1)) if ":" in tof else tof)
        if dsm and broken_plane:
            fail("give one of --dsm and --broken-plane")
        if dsm or broken_plane:
            from ..dsm import broken_plane_transfer, dsm_transfer

            if broken_plane:
                if isinstance(when, tuple) or isinstance(arr, tuple) or arr is None:
                    fail("--broken-plane takes fixed dates: --launch DATE --arrive DATE")
                t = broken_plane_transfer(when, arr, origin=origin, target=target, max_c3_km2s2=max_c3,
                                          ephemeris=ephemeris_name, seed=seed)
            else:
                t = dsm_transfer(when, arr, tof_days=tof_days, origin=origin, target=target, max_c3_km2s2=max_c3,
                                 vehicle=vehicle, payload_kg=payload_kg, capture_radii_km=capture,
                                 ephemeris=ephemeris_name, seed=seed)
            rec = t.as_json()
            if as_json:
                typer.echo(json.dumps(rec))
                return
            typer.echo(f"{rec['origin']} -> {rec['target']} ({rec['ephemeris']}), minimising {rec['objective']}")
            typer.echo(f"  launch   {rec['launch_utc']}  C3 {rec['c3_km2s2']:.4f} km2/s2  DLA {rec['dla_deg']:.3f}  "
                       f"RLA {rec['rla_deg']:.3f}")
            typer.echo(f"  DSM      {rec['dsm_utc']}  {rec['dsm_dv_total_kms'] * 1000:.2f} m/s")
            typer.echo(f"  arrival  {rec['arrival_utc']}  vinf {sum(x * x for x in rec['vinf_arr_kms']) ** 0.5:.4f} "
                       f"km/s  arrival Δv {rec['arrival_dv_kms']:.4f} km/s")
            bal = rec["ballistic_total_dv_kms"]
            typer.echo(f"  total Δv {rec['total_dv_kms']:.4f} km/s (ballistic arc, same dates: "
                       f"{'over the C3 cap' if bal is None else f'{bal:.4f} km/s'})")
            return
        if isinstance(when, tuple) or isinstance(arr, tuple) or tof_days is not None and isinstance(tof_days, tuple):
            fail("a ballistic transfer takes fixed dates; use --dsm to search windows")
        from ..porkchop import VARIABLES, transfer as ballistic

        t = ballistic(origin, target, when, arr, tof_days=None if tof_days is None else float(tof_days),
                      ephemeris=ephemeris_name)
        vals = {VARIABLES[k].json_name: round(float(v), VARIABLES[k].decimals) if VARIABLES[k].decimals else int(v)
                for k, v in t.values().items()}
        rec = {"launch_utc": t.departure.utc_iso(3), "arrival_utc": t.arrival.utc_iso(3), **vals}
        if as_json:
            typer.echo(json.dumps(rec))
            return
        for k, v in rec.items():
            typer.echo(f"  {k:<20} {v}")

    run(go)
