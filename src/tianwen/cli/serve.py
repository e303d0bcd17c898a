"""`tianwen` commands for web: they register themselves on the shared app of :mod:`tianwen.cli`.

Keep imports here cheap (typer only); import the library inside each command.
"""

from typing import Optional

import typer

from .app import app, fail, progress_bar, run, split_range, vec  # noqa: F401


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"),
    port: int = typer.Option(8000, help="TCP port"),
    processes: Optional[int] = typer.Option(None, help="compute processes = concurrent computations "
                                                       "(default: one per CPU, at most 4)"),
    timeout: float = typer.Option(60.0, help="seconds before a computation is stopped (504)"),
    max_cells: int = typer.Option(200_000, help="largest porkchop grid, cells"),
    cache_mb: float = typer.Option(256.0, help="result cache size, MB"),
    log_level: str = typer.Option("info", help="uvicorn log level"),
):
    """Serve the interactive page and the JSON API (/api/, schema at /openapi.json); works offline."""

    def go():
        import uvicorn

        from ..web.app import create_app
        from ..web.limits import Limits

        if not (0 < port < 65536):
            fail(f"--port {port} must be 1-65535")
        if processes is not None and processes < 1:
            fail(f"--processes {processes} must be at least 1")
        try:
            limits = Limits(processes=processes or 0, timeout_s=timeout, max_cells=max_cells, cache_mb=cache_mb)
        except ValueError as exc:
            fail(str(exc))
        if host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo(f"warning: listening on {host}: anyone who can reach it can use this server "
                       "(it has no authentication)", err=True)
        typer.echo(f"tianwen {__import__('tianwen').__version__}: http://{host}:{port}/  "
                   f"({limits.processes} compute processes, timeout {limits.timeout_s:g} s; Ctrl-C to stop)")
        uvicorn.run(create_app(limits), host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5)

    run(go)
