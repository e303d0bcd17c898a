"""Help that teaches (issue 19): ``--version``, ``-h``, an example in every command's help, and no ``<bool>``
metavar on flags."""

from __future__ import annotations

import pytest

from tianwen.cli import app
from tianwen.cli.app import app as shared_app

COMMANDS = sorted(c.name or c.callback.__name__.replace("_", "-") for c in shared_app.registered_commands)


def test_version(cli):
    import tianwen

    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"tianwen {tianwen.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example_and_no_bool_metavar(cli, command):
    r = cli(command, "-h")
    assert r.returncode == 0, r.stderr
    assert "Example:" in r.stdout and f"tianwen {command}" in r.stdout
    assert "<bool>" not in r.stdout
    assert app is shared_app
