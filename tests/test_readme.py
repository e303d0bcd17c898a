"""The README's Python examples run as written (a reader copies them first), and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run_and_print_what_they_say():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), flags=re.S)
    assert blocks
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for code in blocks:
            exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    text = out.getvalue()
    assert text.startswith("13.09") or "13.0" in text.splitlines()[0]  # the 2020 Type I minimum C3, km²/s²
    assert "2020-07-10" in text and "2020-08-08" in text
