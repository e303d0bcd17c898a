"""`tianwen landing`: entry, descent and landing at Mars (see :mod:`tianwen.landing`).

Keep imports here cheap (typer only); import the library inside the command.
"""

import json
import re
from typing import Optional

import typer

from .app import app, fail, run, write_figure

# library argument names -> the flags that set them (library messages speak Python; users type flags)
_FLAGS = {
    "entry_speed_kms": "--entry-speed", "fpa_deg": "--fpa", "beta_kg_m2": "--beta", "lift_to_drag": "--lift-to-drag",
    "bank_deg": "--bank", "nose_radius_m": "--nose-radius", "chute_mach": "--chute-mach",
    "chute_max_q_pa": "--chute-max-q", "chute_beta_kg_m2": "--chute-beta", "entry_alt_km": "--entry-alt",
    "lat_deg": "--lat", "lon_deg": "--lon", "heading_deg": "--heading", "density_factor": "--density-factor",
    "ground_alt_km": "--ground-alt", "rho0_kg_m3": "--rho0", "scale_height_km": "--scale-height",
    "max_thrust_to_weight": "--thrust-to-weight", "powered_descent_alt_km": "--pd-alt",
}


def _flags(message: str) -> str:
    for name, flag in _FLAGS.items():
        message = re.sub(rf"\b{re.escape(name)}\b", flag, message)
    return message


def _line(label, value, unit="", fmt=".2f"):
    if value is None:
        return f"  {label}: n/a"
    return f"  {label}: {value:{fmt}}{(' ' + unit) if unit else ''}"


@app.command()
def landing(
    mission: Optional[str] = typer.Argument(None, help="tianwen-1, mars2020, msl, or an EDL .toml file; "
                                                       "omit it for a free case (--entry-speed, --fpa)"),
    entry_speed: Optional[float] = typer.Option(None, "--entry-speed", help="entry speed, km/s"),
    fpa: Optional[float] = typer.Option(None, "--fpa", help="entry flight-path angle, deg (negative = down)"),
    beta: float = typer.Option(120.0, "--beta", help="ballistic coefficient m/(CD A), kg/m2"),
    lift_to_drag: float = typer.Option(0.0, "--lift-to-drag", help="hypersonic L/D"),
    bank: float = typer.Option(0.0, "--bank", help="constant bank angle, deg (0 = lift up)"),
    nose_radius: float = typer.Option(1.0, "--nose-radius", help="nose radius for the heating, m"),
    chute_mach: float = typer.Option(1.9, "--chute-mach", help="parachute deploys at or below this Mach"),
    chute_max_q: float = typer.Option(750.0, "--chute-max-q", help="... and at or below this dynamic pressure, Pa"),
    chute_beta: float = typer.Option(12.0, "--chute-beta", help="ballistic coefficient under the parachute, kg/m2"),
    pd_alt: float = typer.Option(1.0, "--pd-alt", help="powered descent starts at this height above the ground, km"),
    thrust_to_weight: float = typer.Option(2.5, "--thrust-to-weight", help="powered-descent thrust ceiling (Mars weight)"),
    entry_alt: float = typer.Option(125.0, "--entry-alt", help="entry interface altitude, km"),
    lat: float = typer.Option(0.0, "--lat", help="entry latitude, deg"),
    lon: float = typer.Option(0.0, "--lon", help="entry east longitude, deg"),
    heading: float = typer.Option(90.0, "--heading", help="entry heading, deg clockwise from north"),
    inertial: bool = typer.Option(False, "--inertial", help="speed/fpa/heading are inertial (default: relative "
                                                              "to the rotating atmosphere)"),
    atmosphere: str = typer.Option("mars-mean", "--atmosphere", help="mars-mean or exponential"),
    rho0: float = typer.Option(0.020, "--rho0", help="exponential model: surface density, kg/m3"),
    scale_height: float = typer.Option(11.1, "--scale-height", help="exponential model: scale height, km"),
    density_factor: float = typer.Option(1.0, "--density-factor", help="density dispersion factor"),
    ground_alt: float = typer.Option(0.0, "--ground-alt", help="ground height above the reference surface, km"),
    from_reconstruction: bool = typer.Option(False, "--from-reconstruction",
                                             help="MISSION: entry speed and angle from the reconstructed cruise "
                                                  "(mars2020) instead of the published ones"),
    monte_carlo: int = typer.Option(0, "--monte-carlo", help="also fly N >= 1000 dispersed cases: the 99 %% ellipse"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    out: Optional[str] = typer.Option(None, "--out", help="plot FILE.png|.svg|.pdf (altitude-speed, ground track)"),
):
    """Fly an entry, descent and landing: a mission's published entry, or a free case.

    \b
    Example:
      tianwen landing tianwen-1 --monte-carlo 1000 --out zhurong.png
    """

    def go():
        from ..errors import TianwenError

        try:
            return _go()
        except TianwenError as exc:
            raise TianwenError(_flags(str(exc).splitlines()[0])) from None

    def _go():
        from .. import atmosphere as atm_mod
        from .. import landing as L

        if mission is None and (entry_speed is None or fpa is None):
            fail("give a MISSION (tianwen-1, mars2020, msl, or a .toml file) or both --entry-speed and --fpa")
        if mission is not None and (entry_speed is not None or fpa is not None):
            fail("give either a MISSION or --entry-speed/--fpa (a free case), not both")
        if from_reconstruction and mission is None:
            fail("--from-reconstruction needs a MISSION (mars2020)")
        if monte_carlo and monte_carlo < 1000:
            fail(f"--monte-carlo {monte_carlo}: use at least 1000 cases (or 0 for none)")
        if out and not out.lower().endswith((".png", ".svg", ".pdf")):
            fail(f"--out {out!r}: use a .png, .svg or .pdf file name")
        if atmosphere.strip().lower() == "exponential":
            atm = atm_mod.exponential(rho0, scale_height, density_factor=density_factor)
        else:
            atm = atm_mod.atmosphere(atmosphere, density_factor=density_factor)
        ellipse = None
        if mission is not None:
            m = L.mission(mission)
            res = L.mission_entry(m.key if not mission.lower().endswith(".toml") else mission, atmosphere=atm,
                                  from_reconstruction=from_reconstruction)
            L.require_landed(res)
            if monte_carlo:
                e = res.summary["entry"]
                ellipse = L.landing_ellipse(e["entry_speed_kms"], e["fpa_deg"], m.vehicle, n=monte_carlo,
                                            entry_alt_km=e["entry_alt_km"], lat_deg=e["lat_deg"],
                                            lon_deg=e["lon_deg"], heading_deg=e["heading_deg"], frame=e["frame"],
                                            atmosphere=atm, ground_alt_km=m.site_elevation_km)
        else:
            veh = L.Vehicle(beta_kg_m2=beta, lift_to_drag=lift_to_drag, bank_deg=bank, nose_radius_m=nose_radius,
                            chute_mach=chute_mach, chute_max_q_pa=chute_max_q, chute_beta_kg_m2=chute_beta,
                            powered_descent_alt_km=pd_alt, max_thrust_to_weight=thrust_to_weight, name="free case")
            kw = dict(entry_alt_km=entry_alt, lat_deg=lat, lon_deg=lon, heading_deg=heading,
                      frame="inertial" if inertial else "relative", atmosphere=atm, ground_alt_km=ground_alt)
            res = L.require_landed(L.entry(entry_speed, fpa, veh, **kw))
            if monte_carlo:
                kw.pop("atmosphere")
                ellipse = L.landing_ellipse(entry_speed, fpa, veh, n=monte_carlo, atmosphere=atm, **kw)
        if out:
            from ..plots_landing import save_landing

            write_figure(save_landing, res, out, ellipse=ellipse, quiet=as_json)
        d = res.as_json()
        if ellipse is not None:
            d["landing_ellipse"] = ellipse.as_json()
        if as_json:
            typer.echo(json.dumps(d))
            return
        _print(d, mission)
        if out:
            typer.echo(f"wrote {out}")

    run(go)


def _print(d: dict, mission) -> None:
    e = d["entry"]
    if mission is not None:
        typer.echo(f"{d['mission_name']}: {d['entry_source']}, flown with tianwen's 3-DOF model")
        typer.echo(f"  entry interface {e['entry_alt_km']:g} km, {e['entry_speed_kms']:g} km/s {e['frame']}, "
                   f"FPA {e['fpa_deg']:g} deg, heading {e['heading_deg']:g} deg "
                   "(published values and their sources: tianwen/data/edl.toml)")
        typer.echo(f"  note: {d['aim']}; entry point {e['lat_deg']:.3f} N, {e['lon_deg']:.3f} E")
    else:
        typer.echo("Free case (entry state as given)")
        typer.echo(f"  entry interface {e['entry_alt_km']:g} km, {e['entry_speed_kms']:g} km/s {e['frame']}, "
                   f"FPA {e['fpa_deg']:g} deg at {e['lat_deg']:g} N, {e['lon_deg']:g} E, heading {e['heading_deg']:g}")
    typer.echo(f"  relative to the atmosphere: {e['relative_speed_kms']:.3f} km/s, FPA {e['relative_fpa_deg']:.2f} deg")
    a = d["atmosphere"]
    typer.echo(f"  atmosphere: {a['model']} (density factor {a['density_factor']:g})")
    typer.echo(f"outcome: {d['outcome']}")
    typer.echo(_line("peak deceleration", d["peak_g"], f"g at {d['peak_g_altitude_km']:.1f} km, "
                                                       f"t = {d['peak_g_time_s']:.0f} s"))
    typer.echo(_line("peak heat rate (stagnation, Sutton-Graves)", d["peak_heat_w_cm2"],
                     f"W/cm2 at {d['peak_heat_altitude_km']:.1f} km, t = {d['peak_heat_time_s']:.0f} s", ".1f"))
    typer.echo(_line("heat load", d["heat_load_j_cm2"], "J/cm2", ".0f"))
    typer.echo(f"  parachute: t = {d['chute_time_s']:.1f} s, Mach {d['chute_mach']:.2f}, {d['chute_speed_ms']:.0f} m/s, "
               f"{d['chute_dynamic_pressure_pa']:.0f} Pa, {d['chute_altitude_km']:.2f} km altitude "
               f"({d['chute_height_km']:.2f} km above the ground)")
    typer.echo(f"  powered descent: from {d['powered_descent_start_height_km']:.2f} km at "
               f"{d['powered_descent_start_speed_ms']:.0f} m/s, t = {d['powered_descent_start_time_s']:.0f} s; "
               f"dv {d['powered_descent_dv_ms']:.0f} m/s over {d['powered_descent_time_s']:.0f} s")
    typer.echo(f"  touchdown: {d['touchdown_lat_deg']:.4f} N, {d['touchdown_lon_deg']:.4f} E, "
               f"t = {d['touchdown_time_s']:.0f} s ({d['touchdown_time_s'] / 60.0:.1f} min after entry)")
    if mission is not None:
        typer.echo(f"  published site: {d['site_lat_deg']:.4f} N, {d['site_lon_deg']:.4f} E; "
                   f"miss {d['touchdown_miss_km']:.3f} km (aimed)")
        for k, q in d["published"].items():
            if isinstance(q, dict) and "value" in q:
                src = ", ".join(q.get("source", [])) or "assumed"
                typer.echo(f"    published {k}: {q['value']} {q.get('unit', '')} [{src}]")
    el = d.get("landing_ellipse")
    if el:
        typer.echo(f"  {100 * el['confidence']:.0f} % landing ellipse ({el['n_landed']}/{el['n_cases']} landed): "
                   f"{el['major_axis_km']:.1f} x {el['minor_axis_km']:.1f} km, major axis azimuth "
                   f"{el['azimuth_deg']:.1f} deg, centre {el['center_lat_deg']:.3f} N {el['center_lon_deg']:.3f} E")
