"""The one place where Numba options are spelled.

``kernel`` compiles with the project's defaults: cached on disk (the first run pays the compile once), no
GIL, and NumPy's error model (division by zero gives inf/NaN instead of raising, so kernels never raise and
report failures through NaN and status codes). ``fast_kernel`` adds the only fast-math flags we allow:
``contract`` (fuse multiply-adds) and ``arcp`` (reciprocal division). No ``nnan``/``ninf``: the status checks
test for NaN and infinity and must keep IEEE semantics.

Usage::

    from .jit import kernel, fast_kernel, PARALLEL_MIN

    @kernel
    def f(x): ...

    @fast_kernel(inline="always")
    def g(x): ...

    @kernel(parallel=True)
    def batch(...): ...
"""

from __future__ import annotations

import sys

import numba

from .cache import drop_if_stale

drop_if_stale()  # before any kernel is loaded: Numba's cache misses a change in a called kernel's file


def _load_lowering_without_blas_probe() -> None:
    """Import Numba's array-math lowering now, telling it that SciPy's BLAS wrappers are absent.

    Loading the first cached kernel imports ``numba.np.arraymath``, which imports ``scipy.linalg`` (0.13-0.2 s,
    on every command) only to decide whether ``np.convolve``/``np.correlate`` inside a kernel may call BLAS. No
    tianwen kernel calls them or any BLAS routine, so the probe is answered "absent": those two then use Numba's
    plain loop, in any code of this process. ``np.dot`` and ``np.linalg`` still find SciPy when a kernel uses
    them (they import it themselves at compile time). A process that imported SciPy's linear algebra already
    keeps Numba's usual answer.
    """
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg.cython_blas"] = None  # an import of it raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules["scipy.linalg.cython_blas"]


_load_lowering_without_blas_probe()

#: Options shared by every kernel.
OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}
#: The fast-math flags we allow (see the module docstring).
FASTMATH = frozenset({"contract", "arcp"})
#: Batches at least this large run on all cores (numba.prange); smaller ones run serially.
PARALLEL_MIN = 4096

prange = numba.prange


def kernel(func=None, **extra):
    """``numba.njit`` with :data:`OPTIONS` (plus ``extra``); usable bare or with arguments."""
    options = {**OPTIONS, **extra}
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)


def fast_kernel(func=None, **extra):
    """:func:`kernel` with the allowed fast-math flags (:data:`FASTMATH`)."""
    return kernel(func, fastmath=set(FASTMATH), **extra)
