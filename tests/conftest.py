"""Shared fixtures: one way to run the command line, one Dask cluster for the whole session.

* ``cli``: runs ``tianwen ARGS`` in this process through the console-script entry point
  (:func:`tianwen.cli.main`), as the installed command runs it minus the interpreter start-up; returns
  ``(exit status, stdout, stderr)``. Use it unless the test is about the process itself (start-up, imports,
  signals, exit on a real terminal): then ``cli_process``, which runs ``python -m tianwen ARGS``.
* ``dask_cluster`` / ``dask_client``: a ``distributed.LocalCluster`` of 2 worker processes with one Numba thread
  each, started once per session (starting one costs seconds) and shared by every Dask test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

# No background compiles from the tests (tianwen.warm): a test that wants the lock-step Lambert kernels forces them
# (TIANWEN_LAMBERT_KERNEL=block) and compiles them in-process; a second process compiling the same kernels at the
# same time would only take the other core. tests/test_warm.py tests the background path itself.
os.environ.setdefault("TIANWEN_NO_WARM", "1")


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys, monkeypatch):
    from tianwen.cli import main

    def run(*args: str, cwd=None) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["tianwen", *map(str, args)])
        monkeypatch.delenv("TIANWEN_DEBUG", raising=False)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        with pytest.raises(SystemExit) as info:
            main()
        out = capsys.readouterr()
        code = info.value.code
        return CliResult(0 if code is None else int(code), out.out, out.err)

    return run


@pytest.fixture
def cli_process():
    def run(*args: str, cwd=None, env=None, timeout=600) -> CliResult:
        p = subprocess.run([sys.executable, "-m", "tianwen", *map(str, args)], capture_output=True, text=True,
                           cwd=cwd, timeout=timeout, env={**os.environ, **(env or {})})
        return CliResult(p.returncode, p.stdout, p.stderr)

    return run


@pytest.fixture(scope="session")
def dask_cluster():
    pytest.importorskip("distributed")
    from tianwen.distributed import local_cluster

    with local_cluster(2, numba_threads=1) as c:
        yield c


@pytest.fixture(scope="session")
def dask_client(dask_cluster):
    import distributed

    with distributed.Client(dask_cluster) as cl:
        yield cl
