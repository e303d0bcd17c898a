"""`tianwen ephemeris`: where a body is.

Keep imports here cheap (typer only); import the library inside each command.
"""

from __future__ import annotations

import json
from typing import List, Optional

import typer

from .app import app, fail, progress_bar, run, split_range, vec  # noqa: F401


@app.command()
def ephemeris(
    body: str = typer.Argument(..., help="sun, mercury, venus, earth, moon, emb, mars (barycentre), jupiter .. neptune"),
    epochs: List[str] = typer.Argument(..., help="ISO-8601 epochs, UTC unless a scale follows ('2021-02-10T11:52:00 TDB')"),
    center: str = typer.Option("sun", help="centre body"),
    frame: str = typer.Option("icrf", help="icrf (= EME2000) or ecliptic (J2000 mean ecliptic)"),
    ephemeris_name: str = typer.Option("de421", "--ephemeris", help="de421 (1900-2053), analytic (1800-2050), analytic-long (3000 BC-3000 AD) or a JPL SPK file PATH.bsp (DE440 ...)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Position (km) and velocity (km/s) of BODY relative to CENTER at each EPOCH.

    \b
    Example:
      tianwen ephemeris mars 2021-02-10T11:52:00 now --json
    """

    def go():
        from ..bodies import body as lookup
        from ..time import epoch

        # Validate the cheap inputs before importing the compiled ephemeris.
        name, cname = lookup(body).name, lookup(center).name
        t = epoch(list(epochs))
        from ..ephemeris import frame_name, state

        r, v = state(name, t, center=cname, frame=frame, ephemeris=ephemeris_name)
        utc = []
        for i in range(t.shape[0]):
            try:
                utc.append(t[i].utc_iso())
            except ValueError:  # before 1960: UTC undefined (see tianwen.time)
                utc.append(None)
        if as_json:
            out = {"body": name, "center": cname, "frame": frame_name(frame), "ephemeris": ephemeris_name.lower(),
                   "states": [{"epoch_utc": utc[i], "r_km": vec(r[i]), "v_kms": vec(v[i])}
                              for i in range(t.shape[0])]}
            typer.echo(json.dumps(out))
            return
        typer.echo(f"{name} relative to {cname}, {frame_name(frame)} frame, {ephemeris_name.lower()}")
        typer.echo(f"{'epoch (UTC)':<22}{'x km':>18}{'y km':>18}{'z km':>18}{'vx km/s':>13}{'vy km/s':>13}{'vz km/s':>13}")
        for i in range(t.shape[0]):
            label = utc[i] or (t[i].iso() + " " + t.scale.upper())
            typer.echo(f"{label:<22}" + "".join(f"{x:18.3f}" for x in r[i]) + "".join(f"{x:13.6f}" for x in v[i]))

    run(go)


