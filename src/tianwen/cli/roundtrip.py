"""`tianwen roundtrip`, `tianwen returns` and `tianwen return-leg`: the way back from Mars.

Keep imports here cheap (typer only); import the library inside each command.
"""

from __future__ import annotations

import json
import re
from typing import Optional

import typer

from .app import app, fail, run, write_figure

#: The library's parameter names in its messages -> this module's flags (see cli/app.py FLAGS for the shared ones).
_FLAGS = {"max_c3_km2s2": "--max-c3", "max_entry_kms": "--max-entry-kms", "max_dv_kms": "--max-dv-kms",
          "family": "--class", "minimise": "--minimise", "periapsis_radius_km": "--mars-orbit-rp-km",
          "apoapsis_radius_km": "--mars-orbit-ra-km", "entry_alt_km": "--entry-alt-km", "step_days": "--step",
          "year_from": "--from", "year_to": "--to", "mission": "--mars-orbit-of",
          "payload_kg": "--payload-kg", "vehicle": "--vehicle"}


def _flags(message: str) -> str:
    """``stay_days=(30, 90)`` -> ``--stay-days 30:90``, ``max_entry_kms=11.3`` -> ``--max-entry-kms 11.3``."""
    message = re.sub(r"\bstay_days=\(([^,()]+), ([^()]+)\)", r"--stay-days \1:\2", message)
    message = re.sub(r"\bstay_days\b", "--stay-days", message)
    message = re.sub(r"\b(" + "|".join(_FLAGS) + r") ?= ?'?([^\s',;)]+)'?",
                     lambda m: f"{_FLAGS[m.group(1)]} {m.group(2)}", message)
    return message


def with_flags(func):
    """Run ``func``; a library error is re-raised with its parameter names spelled as the return commands' flags
    (``porkchop``/``windows --origin mars`` use them too)."""
    from ..errors import TianwenError

    try:
        return func()
    except TianwenError as exc:
        raise TianwenError(_flags(str(exc).splitlines()[0])) from None


def mars_orbit(rp: Optional[float], ra: Optional[float], mission: Optional[str]) -> tuple:
    """The (periapsis, apoapsis) radii the flags give: --mars-orbit-of MISSION (the orbit its file names,
    :func:`tianwen.returns.mission_orbit`), or --mars-orbit-rp-km/--mars-orbit-ra-km, or the default."""
    from ..returns import DEFAULT_MARS_ORBIT_RADIUS_KM, mission_orbit

    if mission is not None:
        if rp is not None or ra is not None:
            fail("give --mars-orbit-of or --mars-orbit-rp-km/--mars-orbit-ra-km, not both")
        o = with_flags(lambda: mission_orbit(mission))
        return o.periapsis_radius_km, o.apoapsis_radius_km
    return (DEFAULT_MARS_ORBIT_RADIUS_KM if rp is None else rp), ra


#: The --mars-orbit-of option, shared by the return commands.
MARS_ORBIT_OF_HELP = ("take the Mars orbit from a mission file: the last orbit it names with periapsis and apoapsis "
                      "(tianwen-1: 280 x 59000 km parking orbit; hope)")


def _stay(text: Optional[str]):
    if text is None:
        return None
    parts = text.split(":")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        fail(f"--stay-days {text!r} must be MIN:MAX days, e.g. 30:90")
    return lo, hi


@app.command()
def roundtrip(
    opportunity: str = typer.Option("next", help="the Earth-to-Mars opportunity: a year (e.g. 2028) or 'next'"),
    stay_days: Optional[str] = typer.Option(None, "--stay-days", help="stay at Mars MIN:MAX days (default: "
                                            "conjunction any, opposition 30:90)"),
    family: str = typer.Option("conjunction", "--class", help="conjunction (long stay) or opposition (short "
                               "stay, direct legs: Venus swing-bys are not covered)"),
    rp: Optional[float] = typer.Option(None, "--mars-orbit-rp-km", help="Mars orbit periapsis radius, km from "
                                       "the centre (default 3789.5: 400 km circular, an assumption)"),
    ra: Optional[float] = typer.Option(None, "--mars-orbit-ra-km", help="Mars orbit apoapsis radius, km (default: "
                                       "circular)"),
    orbit_of: Optional[str] = typer.Option(None, "--mars-orbit-of", help=MARS_ORBIT_OF_HELP),
    max_c3: Optional[float] = typer.Option(None, "--max-c3", help="launch energy cap, km2/s2"),
    vehicle: Optional[str] = typer.Option(None, help="launch vehicle (with --payload-kg): caps the launch C3 at "
                                          "what it lifts the payload to"),
    payload_kg: Optional[float] = typer.Option(None, "--payload-kg", help="injected mass, kg (with --vehicle)"),
    max_entry: Optional[float] = typer.Option(None, "--max-entry-kms", help="Earth entry speed cap, km/s"),
    max_dv: Optional[float] = typer.Option(None, "--max-dv-kms", help="cap on capture + departure burns, km/s"),
    entry_alt: float = typer.Option(125.0, "--entry-alt-km", help="Earth entry interface altitude, km"),
    minimise: str = typer.Option("dv", "--minimise", help="dv (capture + departure burns) or duration"),
    step: float = typer.Option(1.0, help="grid step, days"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421, analytic, analytic-long or a JPL SPK file PATH.bsp"),
    out: Optional[str] = typer.Option(None, help="write the trajectory figure FILE.png|.svg"),
    as_json: bool = typer.Option(False, "--json", help="print JSON (with the legs' end states)"),
):
    """The best Earth-Mars-Earth round trip of an opportunity: outbound, stay and return chosen together.

    \b
    Example:
      tianwen roundtrip --opportunity 2028 --stay-days 300:600 --json
    """

    def go():
        if out:
            from ..plots_roundtrip import FORMATS
            from ..files import check_output

            with_flags(lambda: check_output(out, FORMATS))
        from ..roundtrip import roundtrip as solve

        if (vehicle is None) != (payload_kg is None):
            fail("give --vehicle and --payload-kg together (the launch cap is the C3 it lifts that payload to)")

        periapsis, apoapsis = mars_orbit(rp, ra, orbit_of)
        rt = with_flags(lambda: solve(opportunity, family=family, stay_days=_stay(stay_days),
                                 periapsis_radius_km=periapsis, apoapsis_radius_km=apoapsis, max_c3_km2s2=max_c3,
                                 max_entry_kms=max_entry, max_dv_kms=max_dv, entry_alt_km=entry_alt,
                                 minimise=minimise, step_days=step, ephemeris=ephemeris_name, vehicle=vehicle,
                                 payload_kg=payload_kg))
        if out:
            from ..plots_roundtrip import save_roundtrip

            write_figure(save_roundtrip, rt, out, quiet=as_json)
        d = rt.as_json()
        if as_json:
            typer.echo(json.dumps(d))
            return
        o, r = d["outbound"], d["return"]
        typer.echo(f"{d['opportunity']} {d['class']}-class round trip, least {d['minimise']} ({d['ephemeris']}, "
                   f"{d['step_days']:g}-day grid; direct legs, no Venus swing-by)")
        typer.echo(f"  outbound  launch {o['launch_utc'][:10]}  Mars arrival {o['arrival_utc'][:10]}  "
                   f"{o['tof_days']:.0f} d  type {o['type']}  C3 {o['c3_km2s2']:.3f} km2/s2  "
                   f"vinf {o['vinf_arr_kms']:.3f} km/s  capture {o['capture_dv_kms']:.3f} km/s")
        typer.echo(f"  stay      {d['stay_days']:.0f} d at Mars (orbit rp {d['mars_orbit']['periapsis_radius_km']:g} km, "
                   f"ra {d['mars_orbit']['apoapsis_radius_km']:g} km)")
        typer.echo(f"  return    Mars departure {r['launch_utc'][:10]}  Earth arrival {r['arrival_utc'][:10]}  "
                   f"{r['tof_days']:.0f} d  type {r['type']}  departure {r['departure_dv_kms']:.3f} km/s  "
                   f"vinf {r['vinf_arr_kms']:.3f} km/s  entry {r['entry_speed_kms']:.3f} km/s at "
                   f"{d['entry_alt_km']:g} km")
        typer.echo(f"  total     {d['total_dv_kms']:.3f} km/s of burns, {d['duration_days']:.0f} days Earth to Earth")
        c = d["constraints"]
        if c.get("vehicle"):
            typer.echo(f"  launch    {c['payload_kg']:g} kg on {c['vehicle']}: C3 at most "
                       f"{c['vehicle_max_c3_km2s2']:.3f} km2/s2")
        if out:
            typer.echo(f"wrote {out}")

    run(go)


@app.command()
def returns(
    year_from: int = typer.Option(..., "--from", help="first year (of the Mars departure)"),
    year_to: int = typer.Option(..., "--to", help="last year"),
    rp: Optional[float] = typer.Option(None, "--mars-orbit-rp-km", help="Mars orbit periapsis radius, km (default "
                                       "3789.5: 400 km circular)"),
    ra: Optional[float] = typer.Option(None, "--mars-orbit-ra-km", help="Mars orbit apoapsis radius, km"),
    orbit_of: Optional[str] = typer.Option(None, "--mars-orbit-of", help=MARS_ORBIT_OF_HELP),
    max_entry: Optional[float] = typer.Option(None, "--max-entry-kms", help="Earth entry speed cap, km/s"),
    entry_alt: float = typer.Option(125.0, "--entry-alt-km", help="Earth entry interface altitude, km"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421, analytic, analytic-long or a JPL SPK file PATH.bsp"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Mars-to-Earth return opportunities: the least-departure-Δv leg of each type, with its Earth entry speed.

    \b
    Example:
      tianwen returns --from 2026 --to 2035
    """

    def go():
        from ..returns import return_opportunities

        periapsis, apoapsis = mars_orbit(rp, ra, orbit_of)
        legs = with_flags(lambda: return_opportunities(
            year_from, year_to, periapsis_radius_km=periapsis, apoapsis_radius_km=apoapsis, entry_alt_km=entry_alt, max_entry_kms=max_entry, ephemeris=ephemeris_name))
        rows = [leg.as_json() for leg in legs]
        if as_json:
            typer.echo(json.dumps(rows))
            return
        typer.echo(f"{'opp':>5} {'type':>4} {'Mars dep':>11} {'Earth arr':>11} {'TOF d':>7} {'vinf_dep':>8} "
                   f"{'dv_dep':>7} {'vinf_arr':>8} {'entry':>7}")
        for r in rows:
            typer.echo(f"{r['opportunity']:>5} {r['type']:>4} {r['launch_utc'][:10]:>11} {r['arrival_utc'][:10]:>11} "
                       f"{r['tof_days']:7.1f} {r['vinf_dep_kms']:8.4f} {r['departure_dv_kms']:7.4f} "
                       f"{r['vinf_arr_kms']:8.4f} {r['entry_speed_kms']:7.3f}" + (f"  ({r['note']})" if r.get("note") else ""))

    run(go)


@app.command("return-leg")
def return_leg(
    depart: str = typer.Option(..., help="Mars departure date (UTC)"),
    arrive: str = typer.Option(..., help="Earth arrival date (UTC)"),
    rp: Optional[float] = typer.Option(None, "--mars-orbit-rp-km", help="Mars orbit periapsis radius, km (default "
                                       "3789.5: 400 km circular)"),
    ra: Optional[float] = typer.Option(None, "--mars-orbit-ra-km", help="Mars orbit apoapsis radius, km"),
    orbit_of: Optional[str] = typer.Option(None, "--mars-orbit-of", help=MARS_ORBIT_OF_HELP),
    entry_alt: float = typer.Option(125.0, "--entry-alt-km", help="Earth entry interface altitude, km"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421, analytic, analytic-long or a JPL SPK file PATH.bsp"),
    as_json: bool = typer.Option(False, "--json", help="print JSON (with the end states)"),
):
    """One Mars-to-Earth leg from its dates: departure burn from the Mars orbit, arrival v-infinity, entry speed.

    \b
    Example:
      tianwen return-leg --depart 2030-11-01 --arrive 2031-07-07
    """

    def go():
        from ..returns import return_leg as leg_of

        periapsis, apoapsis = mars_orbit(rp, ra, orbit_of)
        leg = with_flags(lambda: leg_of(depart, arrive, periapsis_radius_km=periapsis, apoapsis_radius_km=apoapsis, entry_alt_km=entry_alt, ephemeris=ephemeris_name))
        d = leg.as_json(states=True)
        if as_json:
            typer.echo(json.dumps(d))
            return
        typer.echo(f"Mars {d['launch_utc']} -> Earth {d['arrival_utc']}: {d['tof_days']:.2f} d, type {d['type']}; "
                   f"vinf_dep {d['vinf_dep_kms']:.4f} km/s, departure dv {d['departure_dv_kms']:.4f} km/s; "
                   f"vinf_arr {d['vinf_arr_kms']:.4f} km/s, entry {d['entry_speed_kms']:.3f} km/s at "
                   f"{d['entry_alt_km']:g} km")

    run(go)
