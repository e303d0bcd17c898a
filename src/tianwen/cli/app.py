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
from typing import List, Optional

import typer

app = typer.Typer(
    name="tianwen",
    help="Open Earth–Mars mission design: ephemerides, Lambert arcs, porkchops and launch windows.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


#: Library (Python) parameter names -> the command-line flags that set them. Library messages speak Python
#: (``ephemeris="analytic"``, ``year_to=2020``); the CLI shows the same message in its own terms.
FLAGS = {"ephemeris": "--ephemeris", "year_from": "--from", "year_to": "--to", "since": "--since",
         "until": "--until", "workers": "--workers", "scheduler": "--scheduler", "step_days": "--step",
         "origin": "--origin", "target": "--target", "revs": "--revs", "targets": "--targets", "out": "--out"}
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


def progress_bar():
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


