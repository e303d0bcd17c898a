"""`tianwen launch-period`: the days a given rocket, site and payload can launch in one opportunity.

Keep imports here cheap (typer only); import the library inside the command.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from .app import app, fail, run, split_range


@app.command("launch-period")
def launch_period(
    opportunity: str = typer.Option("next", help="a year (e.g. 2020) or 'next' (the first opportunity with a "
                                                  "launch day on or after today, UTC)"),
    vehicle: str = typer.Option(..., help="launch vehicle, e.g. atlas-v-541, lm-5, h-iia-202, proton, falcon-heavy, ariane-5, new-glenn"),
    site: str = typer.Option(..., help="launch site, e.g. ksc, vandenberg, wenchang, tanegashima, baikonur, kourou"),
    payload_kg: float = typer.Option(..., "--payload-kg", help="spacecraft launch mass, kg"),
    arrive: Optional[str] = typer.Option(None, help="arrival window START:END (UTC dates)"),
    arrival_fixed: Optional[str] = typer.Option(None, "--arrival-fixed", help="one arrival date (UTC)"),
    margin_kg: float = typer.Option(0.0, "--margin-kg", help="performance margin to keep, kg"),
    days: Optional[int] = typer.Option(None, help="the N-day period of least design (maximum) C3"),
    target: str = typer.Option("mars", help="target planet"),
    ascent: str = typer.Option("parking", help="parking (coast in a parking orbit) or direct"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421, analytic, analytic-long or a JPL SPK file PATH.bsp"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Launch period: for each day, the best arrival, its C3, DLA, RLA, the vehicle's capability, margin and window.

    \b
    Example:
      tianwen launch-period --opportunity 2020 --vehicle atlas-v-541 --site ksc --payload-kg 4000 --arrival-fixed 2021-02-18
    """

    def go():
        from ..errors import TianwenError
        from ..launch import launch_period as compute

        if arrive and arrival_fixed:
            fail("give --arrive or --arrival-fixed, not both")
        window = split_range(arrive, "--arrive") if arrive else None
        try:
            p = compute(opportunity, vehicle, site, payload_kg, arrive=window, arrival_fixed=arrival_fixed,
                        margin_kg=margin_kg, days=days, target=target, ephemeris=ephemeris_name, ascent=ascent)
        except TianwenError as exc:  # library words -> flags
            msg = str(exc).splitlines()[0]
            for a, b in (("payload_kg", "--payload-kg"), ("margin_kg", "--margin-kg"), ("days ", "--days "),
                         ("(arrive)", "(--arrive)"), ("(arrival_fixed)", "(--arrival-fixed)")):
                msg = msg.replace(a, b)
            fail(msg)
        if as_json:
            typer.echo(json.dumps(p.as_json()))
            return
        typer.echo(f"{p.opportunity} {p.target} opportunity, {p.vehicle} from {p.site} ({p.ascent} ascent, "
                   f"|DLA| <= {p.dla_reach_deg:.1f} deg), payload {p.payload_kg:g} kg + margin {p.margin_kg:g} kg")
        typer.echo(f"launch period {p.open_utc[:10]} to {p.close_utc[:10]} ({len(p.days)} days; "
                   f"{p.feasible_days} feasible in all), design C3 {p.design_c3_km2s2:.2f} km2/s2"
                   + (f"  ({p.note})" if p.note else ""))
        typer.echo(f"{'launch':>10} {'arrival':>10} {'C3':>7} {'DLA':>6} {'RLA':>6} {'capab kg':>8} {'margin':>7}  "
                   f"window UTC")
        for d in p.days:
            wins = ", ".join(f"{w.open_utc[11:16]}-{w.close_utc[11:16]}" for w in d.windows) or "none"
            typer.echo(f"{d.launch_utc[:10]:>10} {d.arrival_utc[:10]:>10} {d.c3_km2s2:7.2f} {d.dla_deg:6.1f} "
                       f"{d.rla_deg:6.1f} {d.capability_kg:8.0f} {d.margin_kg:7.0f}  {wins}")

    run(go)
