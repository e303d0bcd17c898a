"""The web app (``tianwen serve``): a page and a JSON API over the same library functions as the CLI.

:mod:`~tianwen.web.app` builds the FastAPI app (routes, errors, security headers, Host check),
:mod:`~tianwen.web.models` the request and response shapes, :mod:`~tianwen.web.compute` (with
:mod:`~tianwen.web.compute_return` for the way back from Mars and :mod:`~tianwen.web.compute_navigation`) calls
one library function per route and encodes its result (server limits and encoding only: no numbers are made there),
:mod:`~tianwen.web.pool` runs it in bounded, time-limited, isolated compute processes with a bounded cache, and
:mod:`~tianwen.web.limits` documents the limits. Importing this package imports nothing heavy.
"""


def create_app(*args, **kwargs):
    """See :func:`tianwen.web.app.create_app`."""
    from .app import create_app as _create

    return _create(*args, **kwargs)
