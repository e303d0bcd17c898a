"""Progress bars (issue 13 item 5): drawn on a terminal, never on a pipe or with ``--json``.

The terminal is a real pseudo-terminal (``pty``): the command sees ``isatty()`` true on stderr, as in a shell.
The bar is transient (erased when done), so the test reads the raw byte stream, where its label was written.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys

ARGS = ["history", "--since", "2016", "--until", "2020"]


def _run_on_a_terminal(args):
    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "tianwen", *args], stdin=slave, stdout=slave, stderr=slave,
                         env={**os.environ, "COLUMNS": "120", "TERM": "xterm"})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    p.wait(600)
    os.close(master)
    return p.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_a_bar_a_pipe_does_not():
    code, text = _run_on_a_terminal(ARGS)
    assert code == 0
    assert "history: opportunities" in text and "had at least one Mars launch" in text
    piped = subprocess.run([sys.executable, "-m", "tianwen", *ARGS], capture_output=True, text=True, timeout=600)
    assert piped.returncode == 0
    assert "history: opportunities" not in piped.stdout + piped.stderr


def test_json_on_a_terminal_draws_no_bar():
    code, text = _run_on_a_terminal(ARGS + ["--json"])
    assert code == 0 and "history: opportunities" not in text


def test_drawing_a_figure_shows_its_stages_on_a_terminal(tmp_path):
    """Plot rendering (matplotlib import, figure, labels, file) has a bar of its own, as the computing has."""
    code, text = _run_on_a_terminal(["porkchop", "--depart", "2020-06-01:2020-08-31", "--arrive",
                                     "2020-12-01:2021-06-30", "--step", "5", "--out", str(tmp_path / "p.png")])
    assert code == 0 and (tmp_path / "p.png").exists()
    assert "drawing: " in text and "stages" in text
