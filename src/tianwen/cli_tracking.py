"""`tianwen` commands for tracking: they register themselves on the shared app of :mod:`tianwen.cli`.

Keep imports here cheap (typer only); import the library inside each command.
"""

from .cli import _fail, _run, app  # noqa: F401
