"""`tianwen mission`: fly a real mission again (see :mod:`tianwen.reconstruct`).

Keep imports here cheap (typer only); import the library inside the command.
"""

import json
from typing import Optional

import typer

from .app import app, fail, figure_aside, progress_bar, run, split_range, vec, write_figure  # noqa: F401


@app.command()
def mission(
    name: str = typer.Argument(..., help="tianwen-1, hope or mars2020 (perseverance)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    oem: Optional[str] = typer.Option(None, "--oem", help="write the cruise as a CCSDS OEM 2.0 file"),
    out: Optional[str] = typer.Option(None, help="3-D trajectory plot FILE.png|.svg|.html"),
    step: float = typer.Option(3600.0, help="OEM sampling step, s"),
):
    """Reconstruct a mission: Lambert arc, n-body cruise through its published manoeuvres, Mars arrival.

    \b
    Example:
      tianwen mission tianwen-1 --oem tianwen1.oem --out tianwen1.png
    """

    def go():
        from ..missions import load_mission

        m = load_mission(name)  # a one-line error for an unknown name, before the heavy imports
        from ..warm import start

        if start("nbody"):  # a cold start: a second process compiles the integrator meanwhile (tianwen.warm),
            from ..propagate.face import warm_up_events  # and this one its event location, which that one loads

            warm_up_events()
        if oem and not oem.lower().endswith((".oem", ".txt", ".kvn")):
            fail(f"--oem {oem!r}: use a .oem (or .txt, .kvn) file name")
        from ..files import check_output

        if oem:  # everything about the outputs is checked before the minutes of computing
            from ..oem import check_size
            from ..time import epoch

            check_output(oem)
            last = max((epoch(e.utc) for e in m.events), key=lambda t: float(t.jd))
            check_size(float(last - epoch(m.launch_utc)) * 86400.0, step)
        if out:
            check_output(out, (".png", ".svg", ".html"))
        from ..reconstruct import reconstruct

        with figure_aside(out) as aside:  # the plotting modules load on the second core meanwhile
            return _report(reconstruct, aside)

    def _report(reconstruct, aside):
        bar = progress_bar(f"{name}: n-body corrector", "flights", quiet=as_json)
        try:
            rec = reconstruct(name, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        if oem:
            from ..oem import write_oem

            write_oem(oem, rec.trajectory, object_name=rec.as_json()["name"], object_id=rec.mission.raw.get(
                "cospar_id", {}).get("value", "UNKNOWN"), step_s=step,
                comments=[f"Reconstructed by tianwen from published events; {a}" for a in rec.assumptions])
        if out:
            from ..plots import save_trajectory

            write_figure(save_trajectory, rec, out, quiet=as_json, aside=aside)
        d = rec.as_json()
        if as_json:
            typer.echo(json.dumps(d))
            return
        pub = d["published"]
        typer.echo(f"{d['name']}: launch {d['launch_utc']}, arrival ({d['arrival_event']}) {d['arrival_utc']}, "
                   f"{d['tof_days']:.1f} days")
        lam = d["lambert"]
        typer.echo(f"  ballistic Lambert arc: C3 {lam['c3_km2s2']:.3f} km2/s2, DLA {lam['dla_deg']:.2f}, "
                   f"RLA {lam['rla_deg']:.2f} deg, arrival vinf {lam['vinf_arr_kms']:.3f} km/s")
        for diff in d.get("differences_from_published", []):
            typer.echo(f"    ({diff})")
        dep = d["departure"]
        typer.echo(f"  n-body cruise: departure C3 {dep['c3_km2s2']:.3f}, DLA {dep['dla_deg']:.2f}, "
                   f"RLA {dep['rla_deg']:.2f}; corrector converged in {d['corrector_iterations']} steps")
        for mm in d["manoeuvres"]:
            typer.echo(f"    {mm['label'][:40]:<40} {mm['epoch_utc']}  dv {1000 * mm['dv_kms']:8.3f} m/s"
                       + (f"  ({mm['note']})" if mm.get("note") else ""))
        a = d["arrival_state"]
        typer.echo(f"  at Mars: periapsis {a['periapsis_utc']}, altitude {a['periapsis_alt_km']:.1f} km, "
                   f"inclination {a['inclination_deg']:.2f} deg, vinf {a['vinf_kms']:.3f} km/s")
        if d["capture"]:
            c = d["capture"]
            line = (f"  capture into {c['periapsis_alt_km']:.0f} x {c['apoapsis_alt_km']:.0f} km: impulsive dv "
                    f"{c['dv_impulsive_kms']:.3f} km/s")
            if "finite_burn_duration_min" in c:
                line += (f"; finite burn {c['finite_burn_duration_min']:.1f} min at {c['thrust_n']:.0f} N "
                         f"(Isp {c['isp_s_assumed']:.0f} s assumed)")
            if c.get("note"):
                line += f" ({c['note']})"
            typer.echo(line)
        if d["entry"]:
            e = d["entry"]
            typer.echo(f"  entry at {e['entry_alt_km']:.0f} km: {e['speed_kms']:.3f} km/s, FPA {e['fpa_deg']:.2f} deg")
        typer.echo(f"  cruise path {d['cruise_path_length_km'] / 1e6:.1f} million km; Earth-Mars distance at arrival "
                   f"{d['earth_mars_distance_at_arrival_km'] / 1e6:.1f} million km")
        for key in ("duration", "path_length", "earth_mars_distance_at_moi", "earth_mars_distance_at_landing"):
            if key in pub:
                typer.echo(f"  published {key}: {pub[key]['value']} {pub[key]['unit'] or ''} "
                           f"[{', '.join(pub[key]['source'])}]")
        for a_ in d["assumptions"]:
            typer.echo(f"  note: {a_}")
        for f in (oem, out):
            if f:
                typer.echo(f"wrote {f}")

    run(go)
