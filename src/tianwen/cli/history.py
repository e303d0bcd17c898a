"""`tianwen history`: Mars launches by opportunity.

Keep imports here cheap (typer only); import the library inside each command.
"""

from __future__ import annotations

import json
from typing import List, Optional

import typer

from .app import app, fail, progress_bar, run, split_range, vec, write_figure  # noqa: F401


@app.command()
def history(
    since: int = typer.Option(1960, help="first opportunity (year label)"),
    until: Optional[int] = typer.Option(None, help="last opportunity (default: the one of the catalogue's last Mars launch)"),
    margin: float = typer.Option(5.0, help="window = launch days with C3 within this of the minimum, km2/s2"),
    catalogue: List[str] = typer.Option([], "--catalogue", help="extra catalogue CSV (same columns), repeatable"),
    out: Optional[str] = typer.Option(None, help="timeline plot FILE.png|.svg|.html"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://HOST:8786 (default: $TIANWEN_SCHEDULER)"),
    workers: Optional[int] = typer.Option(None, help="start a local Dask cluster of N worker processes for this run"),
):
    """Mars launches grouped by Earth–Mars opportunity, and how many windows had one.

    \b
    Example:
      tianwen history --since 1996 --out history.png
    """

    def go():
        from ..history import history as record

        if out:
            from ..files import check_output

            check_output(out, (".png", ".svg", ".html"))  # before any computing
        bar = progress_bar("history: opportunities", "opportunities", quiet=as_json)
        try:
            opps, summary = record(since, until, margin_km2s2=margin, extra_catalogues=catalogue,
                                   scheduler=scheduler, workers=workers, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        if out:
            from ..plots import save_history

            write_figure(save_history, opps, summary, out, quiet=as_json)
        if as_json:
            typer.echo(json.dumps({"opportunities": [o.as_json() for o in opps],
                                   "summary": {k: summary[k] for k in ("since", "until", "opportunities",
                                                                       "with_launch")}}))
            return
        shown = [m.entry for o in opps for m in o.launches]
        w_name = max([len("name")] + [len(e.short_name) for e in shown]) + 2  # columns fit their longest entry
        w_agency = max([len("agency")] + [len(e.agency) for e in shown]) + 2
        w_outcome = max([len("outcome")] + [len(e.outcome) for e in shown]) + 1
        for o in opps:
            typer.echo(f"{o.label}  window {o.window_open} .. {o.window_close}  min C3 {o.min_c3_km2s2:6.2f} km2/s2 "
                       f"on {o.min_c3_launch}")
            if not o.launches:
                typer.echo("      no Mars launch")
            for m in o.launches:
                a = m.arc
                start = f" from trans-Mars injection {a.departure[:10]}" if a.from_event == "trans-Mars injection" else ""
                arc = (f"ballistic arc{start}: C3 {a.c3_km2s2:6.2f}, DLA {a.dla_deg:6.1f}, vinf_arr "
                       f"{a.vinf_arr_kms:.2f} km/s, type {a.type}, {a.tof_days:.0f} d" if a.c3_km2s2 is not None
                       else a.note)
                flag = "" if m.in_window else "  [launched outside the window]"
                typer.echo(f"      {m.entry.launch[:10]}  {m.entry.short_name:<{w_name}}{m.entry.agency:<{w_agency}}"
                           f"{m.entry.outcome:<{w_outcome}}{arc}{flag}")
        typer.echo(f"{summary['with_launch']} of {summary['opportunities']} Earth–Mars opportunities from "
                   f"{summary['since']} to {summary['until']} had at least one Mars launch.")
        if out:
            typer.echo(f"wrote {out}")

    run(go)


