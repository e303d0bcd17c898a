"""``tianwen navigation``: how well a set of ground stations determines a mission's cruise at Mars arrival.

A thin skin over :func:`tianwen.navigation.compare_stations` (and :func:`tianwen.navigation.plot.save_bplane` for
``--out``); typer only at import time.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from .app import app, fail, run, split_range, write_figure


def _names(text: Optional[str]) -> list:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


@app.command()
def navigation(
    mission: str = typer.Argument("tianwen-1", help="a reconstructed mission (tianwen-1, hope, mars2020)"),
    stations: str = typer.Option("kashi,jiamusi", "--stations", help="the base station set, comma-separated "
                                 "(see: tianwen stations)"),
    add: Optional[str] = typer.Option(None, "--add", help="stations added to the base set, e.g. "
                                      "neuquen,new-norcia,cebreros,malargue"),
    ddor: bool = typer.Option(False, "--ddor", help="also compare with delta-DOR on every baseline"),
    arc: Optional[str] = typer.Option(None, "--arc", help="data arc FROM:TO (UTC dates), default "
                                      "2020-10-29:2021-02-03"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    out: Optional[str] = typer.Option(None, "--out", help="plot the nested B-plane ellipses to FILE.png|.svg|.pdf"),
):
    """B-plane 1-sigma ellipse and periapsis-altitude uncertainty at Mars for each station set.

    \b
    Example:
      tianwen navigation tianwen-1 --stations kashi,jiamusi --add neuquen,malargue --ddor
    """

    def go():
        from ..navigation import compare_stations
        from ..navigation.cruise import DEFAULT_ARC

        if out:
            from ..files import check_output
            from ..navigation.plot import FORMATS

            check_output(out, FORMATS)
        start, end = split_range(arc, "--arc") if arc else DEFAULT_ARC
        base = _names(stations)
        if not base:
            fail("--stations is empty; give e.g. --stations kashi,jiamusi")
        rep = compare_stations(mission, base, _names(add), ddor=ddor, start=start, end=end)
        if out:
            from ..navigation.plot import save_bplane

            write_figure(save_bplane, rep, out, quiet=as_json)
        if as_json:
            typer.echo(json.dumps(_rounded(rep.as_json())))
            return
        j = rep.as_json()
        typer.echo(f"{j['mission']}: tracking {j['arc_start_utc'][:16]} to {j['arc_end_utc'][:16]} UTC, "
                   f"mapped to the Mars B-plane at {j['map_epoch_utc'][:16]} UTC")
        f0 = rep.rows[0].formal
        typer.echo(f"aim point B.T {f0.b_dot_t_km:.1f} km, B.R {f0.b_dot_r_km:.1f} km, periapsis altitude "
                   f"{f0.periapsis_alt_km:.1f} km")
        typer.echo(f"{'station set':<72}{'passes':>7}{'range':>7}{'Dopp.':>7}{'DDOR':>6}"
                   f"{'1-sigma ellipse km (angle)':>30}{'sig alt km':>11}{'consider: ellipse':>22}{'alt':>8}")
        for r in rep.rows:
            f, c = r.formal, r.consider
            ell = f"{f.semi_major_km:9.3f} x {f.semi_minor_km:8.3f} ({f.angle_deg:6.1f})"
            typer.echo(f"{r.label[:71]:<72}{r.passes:>7}{r.counts['range']:>7}{r.counts['doppler']:>7}"
                       f"{r.counts['ddor']:>6}{ell:>30}"
                       f"{f.sigma_alt_km:>11.3f}{f'{c.semi_major_km:8.3f} x {c.semi_minor_km:8.3f}':>22}"
                       f"{c.sigma_alt_km:>8.3f}")
        typer.echo("angle: major axis from T towards R, deg. formal: measurement noise only; consider: with "
                   "station positions, Earth and Mars ephemerides (see docs/navigation.md)")
        for a in j["assumptions"]:
            typer.echo(f"  assumes: {a}")
        if out:
            typer.echo(f"wrote {out}")

    run(go)


def _rounded(obj):
    """Round floats for printing (the library keeps full precision)."""
    if isinstance(obj, float):
        return float(f"{obj:.6g}")
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    return obj
