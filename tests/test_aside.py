"""Drawing in a second process (:mod:`tianwen.cli.aside`) changes nothing but the time: the same file, the same
errors, and no process left behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tianwen.cli import aside
from tianwen.errors import TianwenError

PORKCHOP = ["porkchop", "--depart", "2020-06-01:2020-08-31", "--arrive", "2020-12-01:2021-06-30", "--step", "3"]


def _tianwen(args, env):
    return subprocess.run([sys.executable, "-m", "tianwen", *args], capture_output=True, text=True, env=env,
                          timeout=600)


@pytest.fixture
def second_core(monkeypatch):
    monkeypatch.delenv("TIANWEN_NO_WARM", raising=False)
    if aside._cpus() < 2:
        pytest.skip("one CPU: the command draws in its own process")


def _square(x):
    return x * x


def _refuse(x):
    raise TianwenError(f"bad value {x!r}")


def test_the_png_drawn_aside_is_the_png_drawn_in_process(tmp_path, second_core):
    env = {k: v for k, v in os.environ.items() if k != "TIANWEN_NO_WARM"}
    a = _tianwen([*PORKCHOP, "--out", str(tmp_path / "aside.png")], env)
    b = _tianwen([*PORKCHOP, "--out", str(tmp_path / "here.png")], {**env, "TIANWEN_NO_WARM": "1"})
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert a.stdout.replace("aside.png", "X") == b.stdout.replace("here.png", "X")
    assert (tmp_path / "aside.png").read_bytes() == (tmp_path / "here.png").read_bytes()


def test_a_call_returns_the_childs_result_and_raises_its_error(second_core):
    child = aside.start(lambda: None)
    assert child is not None
    try:
        assert child.call(_square, 7) == 49
        with pytest.raises(TianwenError, match="bad value 3"):
            child.call(_refuse, 3)
        assert child.call(_square, 2.5) == 6.25  # the child serves on after an error
    finally:
        child.close()
    assert not child._proc.is_alive()


def test_a_dead_child_is_replaced_by_this_process(second_core):
    child = aside.start(lambda: None)
    child._proc.kill()
    child._proc.join()
    assert child.call(_square, 5) == 25
    child.close()


def test_no_child_when_background_processes_are_off(monkeypatch):
    monkeypatch.setenv("TIANWEN_NO_WARM", "1")
    assert aside.start(lambda: None) is None


def _count_to(n, progress=None):
    for k in range(n):
        progress(k, n, f"step {k}")
    return n


def test_progress_reports_travel_back_from_the_child(second_core):
    seen = []
    child = aside.start(lambda: None)
    try:
        assert child.call(_count_to, 3, progress=lambda *a: seen.append(a)) == 3
    finally:
        child.close()
    assert seen == [(0, 3, "step 0"), (1, 3, "step 1"), (2, 3, "step 2")]


def test_drawing_a_porkchop_reports_its_stages_in_order(tmp_path):
    """What the command's "drawing" bar shows: the plotting modules, the figure, its labels, the file, done."""
    from tianwen.plots import save_porkchop
    from tianwen.plots_common import DRAW_STAGES, draw_with_progress
    from tianwen.porkchop import porkchop_grid

    grid = porkchop_grid(("2020-06-01", "2020-08-31"), ("2020-12-01", "2021-06-30"), step_days=5.0)
    seen = []
    draw_with_progress(save_porkchop, grid, tmp_path / "p.png", today=False, progress=lambda *a: seen.append(a))
    assert [d for d, _, _ in seen] == [0, 1, 2, 3, 4] and {t for _, t, _ in seen} == {len(DRAW_STAGES)}
    assert [s for _, _, s in seen] == ["drawing: plotting modules", "drawing: figure", "drawing: labels",
                                       "drawing: file", "drawing: done"]
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_an_argument_that_cannot_travel_is_drawn_here(second_core):
    child = aside.start(lambda: None)
    try:
        assert child.call(_square, 3) == 9
        unpicklable = (lambda: 0)  # a lambda does not pickle
        assert child.call(_first, [unpicklable]) is unpicklable
        assert child.call(_square, 4) == 16  # the pipe is still in step
    finally:
        child.close()


def _first(items):
    return items[0]
