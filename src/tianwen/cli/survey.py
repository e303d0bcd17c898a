"""`tianwen` commands for survey: they register themselves on the shared app of :mod:`tianwen.cli`.

Keep imports here cheap (typer only); import the library inside each command.
"""

from .app import app, fail, progress_bar, run, split_range, vec  # noqa: F401

import json
from typing import Optional

import typer


def _survey_progress():
    """A rich progress bar over cells, shown once a survey has run for over a second."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    state = {"t0": time.perf_counter(), "bar": None, "task": None}

    def update(done, total):
        if state["bar"] is None:
            if time.perf_counter() - state["t0"] < 1.0 or done >= total:
                return
            state["bar"] = Progress(TextColumn("survey"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} cells"),
                                    TimeRemainingColumn(), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("survey", total=total)
        state["bar"].update(state["task"], completed=done)
        if done >= total:
            state["bar"].stop()

    return update


def _spans(labels, ephemerides) -> str:
    """'de421 for 2026-2050, analytic-long for 2052-2124': which ephemeris each run of opportunities used."""
    runs = []
    for label, eph in zip(labels, ephemerides):
        if runs and runs[-1][0] == eph:
            runs[-1][2] = label
        else:
            runs.append([eph, label, label])
    return ", ".join(f"{e} for {a}" + (f"-{b}" if b != a else "") for e, a, b in runs) or "no opportunity"


#: Library argument names (Python) -> the flags of this command, for its one-line errors.
_FLAGS = {"max_cells": "--max-cells", "step_days": "--step", "chunk_cells": "--chunk-cells", "year_from": "--from",
          "year_to": "--to", "revs": "--revs", "scheduler": "--scheduler", "workers": "--workers",
          "targets": "--targets", "ephemeris": "--ephemeris", "out": "--out", "path": "--out"}


def _as_flags(message: str) -> str:
    """The library's one-line message with its Python names turned into this command's flags."""
    import re

    message = re.sub(r"\brepair_survey\((?:'([^']*)'|\"([^\"]*)\")\)",
                     lambda m: f"tianwen survey --repair --out {m[1] or m[2]}", message)
    for name, flag in _FLAGS.items():
        message = re.sub(rf"\b{name}=", flag + " ", message)
        if name not in ("out", "path"):
            message = re.sub(rf"(?<![-\w]){name}\b", flag, message)
    return message.replace("a new out", "a new --out")


@app.command()
def survey(
    targets: str = typer.Option("mars", help="comma-separated target planets, e.g. venus,mars,jupiter"),
    year_from: Optional[int] = typer.Option(None, "--from", help="first year (opportunities by their minimum-C3 date)"),
    year_to: Optional[int] = typer.Option(None, "--to", help="last year"),
    revs: str = typer.Option("0", help="revolutions: 0, 0..2 or 0,1 (N >= 1: both Lambert branches; at most 20)"),
    step: float = typer.Option(1.0, help="grid step in days (departure and flight time)"),
    out: str = typer.Option(..., help="Zarr store to write (a directory, or an fsspec URL); rerun to resume"),
    origin: str = typer.Option("earth", help="earth (centre), emb (Earth–Moon barycentre), or mars with --targets earth (return opportunities)"),
    ephemeris_name: str = typer.Option("auto", "--ephemeris",
                                       help="auto (de421 where it reaches, analytic-long beyond), de421, analytic, analytic-long"),
    grids: bool = typer.Option(False, "--grids", help="also store the full grids (c3, vinf_arr, dla, rla, type)"),
    chunk_cells: int = typer.Option(250_000, help="cells per task (memory per task ~75 bytes per cell)"),
    max_cells: float = typer.Option(2e9, help="refuse a survey of more cells than this (estimated before any work)"),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://HOST:8786 (default: $TIANWEN_SCHEDULER)"),
    workers: Optional[int] = typer.Option(None, help="start a local Dask cluster of N worker processes for this run"),
    verify: bool = typer.Option(False, "--verify", help="check the store at --out against its digests; exit 2 if damaged"),
    repair: bool = typer.Option(False, "--repair", help="recompute the damaged parts of the store at --out (its own options)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON (every minimum)"),
):
    """Every opportunity to each target over the years, multi-revolution, minima (and grids) to Zarr; resumable.

    \b
    Example:
      tianwen survey --targets mars --from 2025 --to 2045 --revs 0..1 --out survey.zarr
    """

    def go():
        from ..errors import TianwenError

        try:
            return compute()
        except TianwenError as exc:
            raise TianwenError(_as_flags(str(exc))) from None

    def compute():
        from ..survey import EPHEMERIS_DESCRIPTIONS, repair_survey, survey as run, survey_rows, verify_survey

        if verify and repair:
            fail("give --verify or --repair, not both")
        if verify:
            check = verify_survey(out)
            if as_json:
                typer.echo(json.dumps({"out": check.path, "complete": check.complete, "parts": check.parts_total,
                                       "damaged": check.damaged, "missing": check.missing, "clean": check.clean}))
            else:
                state = "complete" if check.complete else "incomplete"
                typer.echo(f"{check.path}: {state}, {check.parts_total} parts, {len(check.damaged)} damaged, "
                           f"{len(check.missing)} not computed yet")
                for line in check.damaged:
                    typer.echo(f"  damaged: {line}")
                if check.damaged:
                    typer.echo(f"repair with: tianwen survey --repair --out {out}")
                elif check.missing:
                    typer.echo("finish it by running the same tianwen survey command again")
            if not check.clean:
                raise typer.Exit(2)
            return
        progress = None if as_json else _survey_progress()
        if repair:
            res = repair_survey(out, scheduler=scheduler, workers=workers, progress=progress)
        else:
            if year_from is None or year_to is None:
                fail("--from and --to are required (or --verify / --repair with --out)")
            res = run(out, targets, year_from, year_to, origin=origin, revs=revs, step_days=step, grids=grids,
                      ephemeris=ephemeris_name, chunk_cells=chunk_cells, scheduler=scheduler, workers=workers,
                      progress=progress, max_cells=max_cells)
        rows = survey_rows(res.path)
        stats = {"parts_total": res.parts_total, "parts_run": res.parts_run, "cells_total": res.cells_total,
                 "cells_run": res.cells_run, "seconds": round(res.seconds, 3)}
        if as_json:
            typer.echo(json.dumps({"out": res.path, "config": res.config, "stats": stats, "repaired": res.repaired,
                                   "ephemerides": {t: dict(zip(map(str, p.labels), p.ephemerides))
                                                   for t, p in res.plans.items()},
                                   "minima": rows}))
            return
        cfg = res.config
        typer.echo(f"survey {cfg['origin']} -> {', '.join(cfg['targets'])}, {cfg['year_from']}-{cfg['year_to']}, "
                   f"revs {','.join(map(str, cfg['revs']))}, step {cfg['step_days']:g} d -> {res.path}")
        used = sorted({e for p in res.plans.values() for e in p.ephemerides})
        for e in used:
            typer.echo(f"  ephemeris {e}: {EPHEMERIS_DESCRIPTIONS.get(e, e)}")
        by_key = {}
        for r in rows:
            by_key.setdefault((r["target"], r["opportunity"], r["revs"], r["branch"]), []).append(r)
        for t, plan in res.plans.items():
            typer.echo(f"{t}: {len(plan.labels)} opportunities; {_spans(plan.labels, plan.ephemerides)}")
            typer.echo(f"  {'opp':>5} {'ephemeris':<14} {'revs':>4} {'branch':<6} {'type':>4} {'min C3':>8} "
                       f"{'launch':>11} {'TOF d':>7}   {'type':>4} {'min vinf_arr':>12} {'launch':>11} {'TOF d':>7}")
            for o, label in enumerate(plan.labels):
                for n, branch in plan.cases:
                    cand = by_key.get((t, label, n, branch if n else None), [])
                    c3 = min((r for r in cand if r["minimizes"] == "c3"), key=lambda r: r["c3_km2s2"], default=None)
                    va = min((r for r in cand if r["minimizes"] == "vinf_arr"), key=lambda r: r["vinf_arr_kms"],
                             default=None)
                    left = (f"{c3['transfer_type']:>4} {c3['c3_km2s2']:8.3f} {c3['launch']:>11} {c3['tof_days']:7.1f}"
                            + ("*" if c3["on_edge"] else " ") if c3 else f"{'-':>4} {'no solution':>28} ")
                    right = (f"{va['transfer_type']:>4} {va['vinf_arr_kms']:12.4f} {va['launch']:>11} "
                             f"{va['tof_days']:7.1f}" + ("*" if va["on_edge"] else "") if va else "")
                    typer.echo(f"  {label:>5} {plan.ephemerides[o]:<14} {n:>4} {(branch if n else '-'):<6} "
                               f"{left}  {right}")
        rate = stats["cells_run"] / stats["seconds"] if stats["seconds"] > 0 else float("nan")
        reused = stats["parts_total"] - stats["parts_run"]
        typer.echo(f"(* = on the edge of the grid.) Computed {stats['parts_run']} of {stats['parts_total']} parts "
                   f"({stats['cells_run']:,} of {stats['cells_total']:,} cells) in {stats['seconds']:.1f} s "
                   f"({rate:,.0f} cells/s)" + (f"; {reused} parts were already done" if reused else ""))
        for line in res.repaired:
            typer.echo(f"recomputed (was damaged): {line}")
        typer.echo(f"wrote {res.path}")

    run(go)
