"""Bad input from the command line (issue 21 item 6): one line on stderr naming the value and what is accepted,
exit status 2, no traceback, nothing left behind in the working folder, and no computing before the refusal
(each case here is refused before any grid, propagation or scan runs: the porkchop kernel, ``reconstruct`` and
the windows scan are replaced by functions that fail the test if called)."""

from __future__ import annotations

import pytest

CASES = [
    (["porkchop", "--opportunity", "2020", "--step", "1e-300"], "--step 1e-300"),
    (["porkchop", "--depart", "2020-01-01:2020-02-01", "--arrive", "2020-06-01:2020-07-01", "--scheduler", "garbage"],
     "garbage"),
    (["porkchop", "--depart", "2020-01-01:2020-02-01", "--arrive", "2020-06-01:2020-07-01", "--workers", "0"],
     "--workers 0"),
    (["porkchop", "--opportunity", "2020", "--out", "missing-folder/p.png"], "does not exist"),
    (["porkchop", "--opportunity", "2020", "--out", "x" * 300 + ".png"], "too long"),
    (["porkchop", "--opportunity", "2020", "--out", "p.pdf"], "unknown format"),
    (["history", "--catalogue", "{bad_utf8}"], "not UTF-8"),
    (["history", "--out", "missing-folder/h.png"], "does not exist"),
    (["mission", "tianwen-1", "--step", "0.01", "--oem", "x.oem"], "states"),
    (["mission", "tianwen-1", "--out", "x.pdf"], "unknown format"),
    (["ephemeris", "mars", "yesterday-ish"], "now"),
]


@pytest.fixture
def no_work(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("computing started before the input was refused")

    import importlib

    for module, name in (("porkchop", "grid_kernel"), ("reconstruct", "reconstruct"), ("windows", "_scan")):
        monkeypatch.setattr(importlib.import_module(f"tianwen.{module}"), name, boom)


@pytest.mark.parametrize("args, named", CASES)
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(args, named, cli, tmp_path, monkeypatch, no_work):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00bad")
    args = [a.replace("{bad_utf8}", str(bad)) for a in args]
    work = tmp_path / "work"
    work.mkdir()
    r = cli(*args, cwd=work)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    assert named in lines[0]
    assert list(work.iterdir()) == []


def test_now_and_today_are_dates():
    from tianwen.time import epoch

    a, b = epoch("today"), epoch("now")
    assert a.scale == "utc" and 0.0 <= float(b.jd - a.jd) < 1.0
