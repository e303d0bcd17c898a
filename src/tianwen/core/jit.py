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

import numba

from .cache import drop_if_stale

drop_if_stale()  # before any kernel is loaded: Numba's cache misses a change in a called kernel's file

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
