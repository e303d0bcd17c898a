"""The ``tianwen`` command: a thin skin over the library (every number comes from a library function).

Heavy modules (NumPy, Numba, xarray, matplotlib) are imported inside the commands, so ``tianwen --help``
answers at once. Bad input — from the library's :class:`~tianwen.errors.TianwenError` — is one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from typing import List, Optional

import typer

app = typer.Typer(
    name="tianwen",
    help="Open Earth–Mars mission design: ephemerides, Lambert arcs, porkchops and launch windows.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _run(func):
    """Call ``func`` turning library errors into one-line messages (set TIANWEN_DEBUG=1 for tracebacks)."""
    from .errors import TianwenError

    try:
        return func()
    except TianwenError as exc:
        _fail(str(exc).splitlines()[0])
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("TIANWEN_DEBUG"):
            raise
        _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with TIANWEN_DEBUG=1 and report it", 1)


def _vec(a) -> list:
    return [float(x) for x in a]


@app.command()
def ephemeris(
    body: str = typer.Argument(..., help="sun, mercury, venus, earth, moon, emb, mars (barycentre), jupiter .. neptune"),
    epochs: List[str] = typer.Argument(..., help="ISO-8601 epochs, UTC unless a scale follows ('2021-02-10T11:52:00 TDB')"),
    center: str = typer.Option("sun", help="centre body"),
    frame: str = typer.Option("icrf", help="icrf (= EME2000) or ecliptic (J2000 mean ecliptic)"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421 or analytic (Standish, 1800-2050)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Position (km) and velocity (km/s) of BODY relative to CENTER at each EPOCH."""

    def go():
        from .bodies import body as lookup
        from .time import epoch

        # Validate the cheap inputs before importing the compiled ephemeris.
        name, cname = lookup(body).name, lookup(center).name
        t = epoch(list(epochs))
        from .ephemeris import _frame, state

        r, v = state(name, t, center=cname, frame=frame, ephemeris=ephemeris_name)
        utc = []
        for i in range(t.shape[0]):
            try:
                utc.append(t[i].utc_iso())
            except ValueError:  # before 1960: UTC undefined (see tianwen.time)
                utc.append(None)
        if as_json:
            out = {"body": name, "center": cname, "frame": _frame(frame), "ephemeris": ephemeris_name.lower(),
                   "states": [{"epoch_utc": utc[i], "r_km": _vec(r[i]), "v_kms": _vec(v[i])}
                              for i in range(t.shape[0])]}
            typer.echo(json.dumps(out))
            return
        typer.echo(f"{name} relative to {cname}, {_frame(frame)} frame, {ephemeris_name.lower()}")
        typer.echo(f"{'epoch (UTC)':<22}{'x km':>18}{'y km':>18}{'z km':>18}{'vx km/s':>13}{'vy km/s':>13}{'vz km/s':>13}")
        for i in range(t.shape[0]):
            label = utc[i] or (t[i].iso() + " " + t.scale.upper())
            typer.echo(f"{label:<22}" + "".join(f"{x:18.3f}" for x in r[i]) + "".join(f"{x:13.6f}" for x in v[i]))

    _run(go)


def _split_range(text: str, what: str):
    parts = text.split(":") if text.count(":") == 1 else text.split("..")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        _fail(f"{what} {text!r} must be START:END dates, e.g. 2020-05-01:2020-09-30")
    return parts[0].strip(), parts[1].strip()


def _progress_bar():
    """A rich progress callback that shows itself only once a grid has run for over a second."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    state = {"t0": time.perf_counter(), "bar": None, "task": None}

    def update(done, total):
        if state["bar"] is None:
            if time.perf_counter() - state["t0"] < 1.0 or done >= total:
                return
            state["bar"] = Progress(TextColumn("porkchop"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} cells"),
                                    TimeRemainingColumn(), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("grid", total=total)
        state["bar"].update(state["task"], completed=done)
        if done >= total:
            state["bar"].stop()

    return update


@app.command()
def porkchop(
    opportunity: Optional[str] = typer.Option(None, help="a year (e.g. 2020) or 'next': the window is found automatically"),
    depart: Optional[str] = typer.Option(None, help="departure window START:END (UTC dates)"),
    arrive: Optional[str] = typer.Option(None, help="arrival window START:END (UTC dates)"),
    step: float = typer.Option(1.0, help="grid step, days"),
    origin: str = typer.Option("earth", help="earth (centre) or emb (Earth–Moon barycentre), or another planet"),
    target: str = typer.Option("mars", help="target body"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421 or analytic"),
    out: Optional[str] = typer.Option(None, help="write FILE.png|.svg|.html|.nc|.csv"),
    missions: bool = typer.Option(False, "--missions", help="overlay real missions launched in this window"),
    as_json: bool = typer.Option(False, "--json", help="print the type I/II minima as JSON"),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://HOST:8786 (default: $TIANWEN_SCHEDULER)"),
    workers: Optional[int] = typer.Option(None, help="start a local Dask cluster of N worker processes for this run"),
):
    """Porkchop plot of launch energy C3 and arrival v-infinity (default: the next Earth–Mars opportunity)."""

    def go():
        from .plots import save_porkchop
        from .porkchop import porkchop as compute
        from .windows import plot_window

        if depart or arrive:
            if not (depart and arrive):
                _fail("give both --depart and --arrive, or --opportunity")
            dep, arr = _split_range(depart, "--depart"), _split_range(arrive, "--arrive")
            label = None
        else:
            dep, arr, label = plot_window(opportunity or "next", origin=origin, target=target, ephemeris=ephemeris_name)
        ds = compute(dep, arr, step_days=step, origin=origin, target=target, ephemeris=ephemeris_name,
                     progress=_progress_bar(), scheduler=scheduler, workers=workers)
        minima = _minima(ds)
        if out:
            save_porkchop(ds, out, missions=missions, label=label)
        if as_json:
            typer.echo(json.dumps({"origin": ds.attrs["origin"], "target": ds.attrs["target"],
                                   "ephemeris": ds.attrs["ephemeris"], "minima": minima}))
            return
        typer.echo(f"{ds.attrs['origin']} -> {ds.attrs['target']} ({ds.attrs['ephemeris']}): "
                   f"{ds.sizes['departure']} x {ds.sizes['arrival']} cells, "
                   f"departures {str(ds.departure.values[0])[:10]}..{str(ds.departure.values[-1])[:10]}, "
                   f"arrivals {str(ds.arrival.values[0])[:10]}..{str(ds.arrival.values[-1])[:10]}")
        for m in minima:
            typer.echo(f"  Type {m['type']:<2} min C3 {m['c3_km2s2']:7.3f} km2/s2  launch {m['launch']}  "
                       f"arrive {m['arrival']}  TOF {m['tof_days']:5.0f} d  vinf_arr {m['vinf_arr_kms']:.3f} km/s  "
                       f"DLA {m['dla_deg']:6.2f}  RLA {m['rla_deg']:6.2f}")
        if out:
            typer.echo(f"wrote {out}")

    _run(go)


def _minima(ds) -> list:
    import numpy as np

    rows = []
    for t, name in ((1, "I"), (2, "II")):
        c3 = ds.c3.where(ds.transfer_type == 2 * ds.attrs["revs"] + t)
        if not bool(np.isfinite(c3).any()):
            continue
        cell = ds.isel(c3.argmin(...))
        rows.append({"type": name, "launch": str(cell.departure.values)[:10], "arrival": str(cell.arrival.values)[:10],
                     "tof_days": round(float(cell.tof), 2), "c3_km2s2": round(float(cell.c3), 3),
                     "vinf_arr_kms": round(float(cell.vinf_arr), 4), "dla_deg": round(float(cell.dla), 2),
                     "rla_deg": round(float(cell.rla), 2)})
    return rows


@app.command()
def windows(
    year_from: int = typer.Option(..., "--from", help="first year"),
    year_to: int = typer.Option(..., "--to", help="last year"),
    origin: str = typer.Option("earth", help="earth (centre) or emb (Earth–Moon barycentre)"),
    target: str = typer.Option("mars", help="target planet"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421 or analytic"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://HOST:8786 (default: $TIANWEN_SCHEDULER)"),
    workers: Optional[int] = typer.Option(None, help="start a local Dask cluster of N worker processes for this run"),
):
    """Every launch opportunity in the span, with its refined minimum-C3 and minimum-v-infinity transfers."""

    def go():
        from .windows import windows as survey

        rows = survey(year_from, year_to, origin=origin, target=target, ephemeris=ephemeris_name,
                      scheduler=scheduler, workers=workers)
        if as_json:
            typer.echo(json.dumps([r.as_json() for r in rows]))
            return
        typer.echo(f"{'opp':>5} {'type':>4} {'minimizes':>9} {'launch':>11} {'arrival':>11} {'TOF d':>7} "
                   f"{'C3':>8} {'vinf_arr':>8} {'DLA':>7} {'RLA':>7}")
        for r in rows:
            typer.echo(f"{r.opportunity:>5} {r.type:>4} {r.minimizes:>9} {r.launch:>11} {r.arrival:>11} "
                       f"{r.tof_days:7.1f} {r.c3_km2s2:8.3f} {r.vinf_arr_kms:8.4f} {r.dla_deg:7.2f} {r.rla_deg:7.2f}"
                       + (f"  ({r.note})" if r.note else ""))

    _run(go)


@app.command()
def history(
    since: int = typer.Option(1960, help="first opportunity (year label)"),
    until: Optional[int] = typer.Option(None, help="last opportunity (default: the catalogue's last launch year)"),
    margin: float = typer.Option(5.0, help="window = launch days with C3 within this of the minimum, km2/s2"),
    catalogue: List[str] = typer.Option([], "--catalogue", help="extra catalogue CSV (same columns), repeatable"),
    out: Optional[str] = typer.Option(None, help="timeline plot FILE.png|.svg|.html"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://HOST:8786 (default: $TIANWEN_SCHEDULER)"),
    workers: Optional[int] = typer.Option(None, help="start a local Dask cluster of N worker processes for this run"),
):
    """Mars launches grouped by Earth–Mars opportunity, and how many windows had one."""

    def go():
        from .history import history as record

        opps, summary = record(since, until, margin_km2s2=margin, extra_catalogues=catalogue,
                               scheduler=scheduler, workers=workers)
        if out:
            from .plots import save_history

            save_history(opps, summary, out)
        if as_json:
            typer.echo(json.dumps({"opportunities": [o.as_json() for o in opps],
                                   "summary": {k: summary[k] for k in ("since", "opportunities", "with_launch")}}))
            return
        for o in opps:
            typer.echo(f"{o.label}  window {o.window_open} .. {o.window_close}  min C3 {o.min_c3_km2s2:6.2f} km2/s2 "
                       f"on {o.min_c3_launch}")
            if not o.launches:
                typer.echo("      no Mars launch")
            for m in o.launches:
                a = m.arc
                arc = (f"ballistic arc: C3 {a.c3_km2s2:6.2f}, DLA {a.dla_deg:6.1f}, vinf_arr {a.vinf_arr_kms:.2f} km/s, "
                       f"type {a.type}, {a.tof_days:.0f} d" if a.c3_km2s2 is not None else a.note)
                flag = "" if m.in_window else "  [launched outside the window]"
                typer.echo(f"      {m.entry.launch[:10]}  {m.entry.short_name:<34} {m.entry.agency[:24]:<24} "
                           f"{m.entry.outcome:<14} {arc}{flag}")
        typer.echo(f"{summary['with_launch']} of {summary['opportunities']} Earth–Mars opportunities from "
                   f"{summary['since']} to {summary['until']} had at least one Mars launch.")
        if out:
            typer.echo(f"wrote {out}")

    _run(go)


# Commands kept in their own modules register themselves on `app` when imported.
from . import cli_mission, cli_survey, cli_tracking, cli_web  # noqa: E402,F401


def main() -> None:
    """Console-script entry point: usage errors, like library errors, are one line on stderr and exit 2."""
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        # Click-style usage errors (click's own, or the copy typer vendors) carry format_message and exit_code.
        if type(exc).__name__ == "Abort":
            typer.echo("interrupted", err=True)
            sys.exit(130)
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        if not exc.format_message():  # bare `tianwen`: the help was shown, nothing went wrong
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
        typer.echo(f"error: {exc.format_message()}{where}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
