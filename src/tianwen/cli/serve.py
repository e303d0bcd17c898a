"""`tianwen` commands for web: they register themselves on the shared app of :mod:`tianwen.cli`.

Keep imports here cheap (typer only); import the library inside each command.
"""

from typing import List, Optional

import typer

from .app import app, fail, run


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"),
    port: int = typer.Option(8000, help="TCP port"),
    allow_host: Optional[List[str]] = typer.Option(
        None, "--allow-host", help="another name requests may carry in their Host header (repeatable; '*' = any); "
                                   "the bound address, and the loopback names when bound to one, are always allowed"),
    processes: Optional[int] = typer.Option(None, help="compute processes = concurrent computations "
                                                       "(default: one per CPU, at most 4)"),
    timeout: float = typer.Option(60.0, help="seconds before a computation is stopped (504)"),
    max_cells: int = typer.Option(200_000, help="largest porkchop grid, cells"),
    cache_mb: float = typer.Option(256.0, help="result cache size, MB"),
    log_level: str = typer.Option("info", help="uvicorn log level"),
):
    """Serve the interactive page and the JSON API (/api/, schema at /openapi.json); works offline.

    \b
    Example:
      tianwen serve --port 8000   (then open http://127.0.0.1:8000/)
    """

    def go():
        if not (0 < port < 65536):
            fail(f"--port {port} must be 1-65535")
        if processes is not None and processes < 1:
            fail(f"--processes {processes} must be at least 1")
        levels = ("critical", "error", "warning", "info", "debug", "trace")
        if log_level.lower() not in levels:
            fail(f"--log-level {log_level!r}: use one of {', '.join(levels)}")
        import uvicorn

        from ..web.app import LOCAL_HOSTS, create_app
        from ..web.limits import Limits
        from ..web.pool import Pool

        try:
            limits = Limits(processes=processes or 0, timeout_s=timeout, max_cells=max_cells, cache_mb=cache_mb)
        except ValueError as exc:
            fail(str(exc))
        bound = host.strip("[]").lower()
        wildcard = bound in ("0.0.0.0", "::", "")
        allowed = [bound, *(allow_host or [])]
        if wildcard or bound in LOCAL_HOSTS or bound.startswith("127."):
            allowed += list(LOCAL_HOSTS)
        if wildcard:
            import socket

            allowed += [socket.gethostname(), socket.getfqdn()]
        if bound not in LOCAL_HOSTS and not bound.startswith("127."):
            typer.echo(f"warning: listening on {host}: anyone who can reach it can use this server "
                       f"(it has no authentication); requests must name it as one of {', '.join(sorted(set(allowed)))} "
                       "(add others with --allow-host)", err=True)
        pool = Pool(limits.processes, timeout_s=limits.timeout_s, queue_timeout_s=limits.queue_timeout_s,
                    max_queue=limits.max_queue, cache_entries=limits.cache_entries, cache_mb=limits.cache_mb)
        try:
            # Refuse to start, rather than serve 503s, when no compute process can even import the library (the
            # attempts are logged once serving; here the one line below says why).
            import logging

            quiet, level = logging.getLogger("tianwen.web"), logging.getLogger("tianwen.web").level
            quiet.setLevel(logging.CRITICAL)
            try:
                ok = pool.wait_loaded()
            finally:
                quiet.setLevel(level)
            if not ok:
                fail(pool.failed or "compute processes did not start in time")
            typer.echo(f"tianwen {__import__('tianwen').__version__}: http://{host}:{port}/  "
                       f"({limits.processes} compute processes, timeout {limits.timeout_s:g} s; Ctrl-C to stop)")
            uvicorn.run(create_app(limits, pool=pool, allowed_hosts=allowed), host=host, port=port,
                        log_level=log_level.lower(), timeout_graceful_shutdown=5)
        finally:
            pool.close()

    run(go)
