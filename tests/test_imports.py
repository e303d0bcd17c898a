"""A command imports only what it uses (issue 13): the Dask stack, the web server and the plotting libraries cost
0.3-1 s each to import, so a ``--json`` porkchop or windows run must not load them.

Each run is a fresh interpreter that calls the console-script entry point in-process and then lists
``sys.modules``: the test sees exactly what the command imported, nothing that pytest or other tests loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("distributed", "dask", "fastapi", "uvicorn", "plotly", "matplotlib", "pandas", "xarray")

_PROBE = """
import json, sys
sys.argv = ["tianwen", *json.loads(sys.argv[1])]
from tianwen.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\nMODULES " + json.dumps(sorted(m for m in sys.modules if "." not in m)), file=sys.stderr)
"""


def _modules_after(*args):
    p = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(list(args))], capture_output=True, text=True,
                       timeout=600)
    line = [x for x in p.stderr.splitlines() if x.startswith("MODULES ")][-1]
    return p.stdout, set(json.loads(line[len("MODULES "):]))


@pytest.mark.parametrize("args", [
    ("porkchop", "--opportunity", "2033", "--json"),
    ("windows", "--from", "2033", "--to", "2033", "--json"),
    ("--help",),
])
def test_a_json_run_imports_no_heavy_package(args):
    out, modules = _modules_after(*args)
    assert out.strip(), "the command printed nothing"
    assert sorted(modules & set(HEAVY)) == []


def test_a_png_porkchop_imports_matplotlib_but_not_the_web_or_a_cluster(tmp_path):
    """The figure is drawn from the xarray Dataset, and xarray imports ``dask.array`` when Dask is installed:
    that much is xarray's. The Dask scheduler client (``distributed``) and the web stack must still stay out."""
    out, modules = _modules_after("porkchop", "--depart", "2020-06-01:2020-07-01", "--arrive",
                                  "2021-01-01:2021-03-01", "--step", "5", "--out", str(tmp_path / "p.png"))
    assert "matplotlib" in modules and (tmp_path / "p.png").exists()
    assert sorted(modules & {"distributed", "fastapi", "uvicorn", "plotly"}) == []


def test_what_draws_a_porkchop_imports_no_numba():
    """The figure is drawn in a second process that must not spend half a second importing Numba
    (:mod:`tianwen.cli.aside`): the plotting modules and the grid's data module are NumPy-only."""
    probe = ("import sys, tianwen.plots, tianwen.plots_common, tianwen.grids; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite', 'scipy')))")
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_loading_kernels_skips_scipy_linear_algebra_but_dot_still_compiles():
    """core/jit.py answers Numba's BLAS probe "absent" (0.13-0.2 s of scipy.linalg on every command): a cached
    kernel then loads without importing scipy.linalg, and a kernel that calls np.dot still compiles and computes
    (np.dot imports SciPy's BLAS itself when it is compiled)."""
    probe = ("import sys, numpy as np\n"
             "from tianwen.kepler import propagate\n"
             "propagate([7000.0, 0, 0], [0, 7.5, 0], 600.0, mu=398600.4418)\n"
             "before = 'scipy.linalg' in sys.modules\n"
             "import numba\n"
             "f = numba.njit(lambda a, b: np.dot(a, b))\n"
             "print(before, f(np.arange(3.0), np.arange(3.0)))\n")
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["False", "5.0"]
