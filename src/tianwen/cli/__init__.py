"""The ``tianwen`` command: a thin skin over the library (every number comes from a library function).

:mod:`.app` holds the Typer app and the helpers every command shares; each other module holds one command group
and registers it on that app when imported. Nothing here imports back from a command module, so there is no
import circle. Heavy modules are imported inside the commands, so ``tianwen --help`` answers at once.
"""

from __future__ import annotations

import gc
import sys

import typer

from . import ephemeris, history, landing, launch, mission, navigation, porkchop, roundtrip, serve, survey, tracking, transfer  # noqa: F401  (register the commands)
from .app import app


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


def console() -> None:
    """The installed command (and ``python -m tianwen``): :func:`main`, then a quick interpreter exit.

    Once Numba's kernels are loaded the interpreter's exit spends ~0.2 s collecting reference cycles of objects
    that die with the process anyway; freezing them (:func:`gc.freeze`) skips that. Exit handlers still run and
    files are closed as usual. Not in :func:`main`, which tests call in their own process."""
    try:
        main()
    finally:
        gc.freeze()
