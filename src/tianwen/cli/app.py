"""The ``tianwen`` command's shared pieces: the Typer app, one-line errors, the progress bar.

The command is a thin skin over the library (every number comes from a library function).

Heavy modules (NumPy, Numba, xarray, matplotlib) are imported inside the commands, so ``tianwen --help``
answers at once. Bad input — from the library's :class:`~tianwen.errors.TianwenError` — is one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from contextlib import contextmanager
from typing import List, Optional

import typer

#: When the command started (this module is imported first thing): progress bars appear once it has run half a
#: second, so a quick command stays quiet however many stages it has.
STARTED = time.perf_counter()

app = typer.Typer(
    name="tianwen",
    help="Open Earth–Mars mission design: ephemerides, Lambert arcs, porkchops and launch windows.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no "<bool>" metavars on flags, and no rich import for --help
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool):
    if value:
        from .. import __version__

        typer.echo(f"tianwen {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                       help="print the version and exit")):
    """Open Earth–Mars mission design: ephemerides, Lambert arcs, porkchops and launch windows.

    \b
    Example:
      tianwen porkchop --opportunity next --out porkchop.png
    """


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


#: Library (Python) parameter names -> the command-line flags that set them. Library messages speak Python
#: (``ephemeris="analytic"``, ``year_to=2020``); the CLI shows the same message in its own terms.
FLAGS = {"ephemeris": "--ephemeris", "year_from": "--from", "year_to": "--to", "since": "--since",
         "until": "--until", "workers": "--workers", "scheduler": "--scheduler", "step_days": "--step",
         "origin": "--origin", "target": "--target", "revs": "--revs", "targets": "--targets", "out": "--out",
         "step_s": "--step", "max_c3_km2s2": "--max-c3", "tof_days": "--tof", "payload_kg": "--payload-kg"}
_TERM = re.compile(r"\b(" + "|".join(FLAGS) + r")=(\"([^\"]*)\"|'([^']*)'|([^\s,;:()]+))")


def flag_terms(message: str) -> str:
    """``ephemeris="analytic"`` -> ``--ephemeris analytic`` (and the other :data:`FLAGS`) in a library message."""

    def repl(m):
        value = next(g for g in m.groups()[2:] if g is not None)
        return f"{FLAGS[m.group(1)]} {value}"

    message = re.sub(r"\bwindows\((\d+), (\d+)\)", r"`tianwen windows --from \1 --to \2`", message)
    return _TERM.sub(repl, message)


def run(func):
    """Call ``func`` turning library errors into one-line messages (set TIANWEN_DEBUG=1 for tracebacks)."""
    from ..errors import TianwenError

    try:
        return func()
    except TianwenError as exc:
        fail(flag_terms(str(exc).splitlines()[0]))
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("TIANWEN_DEBUG"):
            raise
        fail(f"internal error ({type(exc).__name__}: {exc}); rerun with TIANWEN_DEBUG=1 and report it", 1)


def vec(a) -> list:
    return [float(x) for x in a]


def split_range(text: str, what: str):
    parts = text.split(":") if text.count(":") == 1 else text.split("..")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        fail(f"{what} {text!r} must be START:END dates, e.g. 2020-05-01:2020-09-30")
    return parts[0].strip(), parts[1].strip()


def progress_bar(label: str = "porkchop", unit: str = "cells", quiet: bool = False):
    """A rich progress callback ``update(done, total, label=None)`` for a library function's ``progress=``.

    ``None`` (no bar at all) when ``quiet`` (``--json``) or when stderr is not a terminal (a pipe, a file, CI):
    nothing is drawn there. On a terminal the bar appears once the command has run for half a second, so quick runs
    stay quiet, and it is removed when done. A new ``label`` or ``total`` starts the next stage of the work.
    """
    if quiet or not sys.stderr.isatty():
        return None
    state = {"t0": STARTED, "bar": None, "task": None, "label": label, "total": None}

    def update(done, total, stage: str | None = None):
        if stage is not None and stage != state["label"] or total != state["total"]:
            state["label"] = stage or state["label"]
            state["total"] = total
            if state["bar"] is not None:
                state["bar"].update(state["task"], description=state["label"], total=total, completed=done)
        if state["bar"] is None:
            if time.perf_counter() - state["t0"] < 0.5 or done >= total:
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            state["bar"] = Progress(TextColumn("{task.description}"), BarColumn(),
                                    TextColumn("{task.completed:,}/{task.total:,} " + unit), TimeRemainingColumn(),
                                    transient=True, console=Console(stderr=True))
            state["bar"].start()
            state["task"] = state["bar"].add_task(state["label"], total=total)
        state["bar"].update(state["task"], completed=done)
        if done >= total and state["label"] == label:
            pass
        return None

    def close():
        if state["bar"] is not None:
            state["bar"].stop()
            state["bar"] = None

    update.close = close
    return update


@contextmanager
def figure_aside(out: str | None):
    """``with figure_aside(out) as aside:`` for a ``--out`` PNG or SVG, a second process that imports the plotting
    modules while the block computes, to hand to :func:`write_figure` (:mod:`.aside`); None when there is no such
    output or no second core. The process ends with the block."""
    aside = None
    if out and out.lower().endswith((".png", ".svg")):
        from ..plots_common import load_drawing_modules
        from .aside import start

        aside = start(load_drawing_modules)
    try:
        yield aside
    finally:
        if aside is not None:
            aside.close()


def write_figure(save, *args, quiet: bool = False, aside=None, **kwargs):
    """``save(*args, **kwargs)`` (a library ``save_*`` function) under a progress bar of its drawing stages
    (shown like :func:`progress_bar`: on a terminal, after half a second, not with ``quiet``); in ``aside``'s
    process (:mod:`.aside`) when one is given."""
    from ..plots_common import draw_with_progress

    bar = progress_bar("drawing", "stages", quiet=quiet)
    try:
        if aside is not None:
            return aside.call(draw_with_progress, save, *args, progress=bar, **kwargs)
        return draw_with_progress(save, *args, progress=bar, **kwargs)
    finally:
        if bar is not None:
            bar.close()
