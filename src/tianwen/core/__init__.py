"""Compiled kernels on plain floats and arrays: the only place where loops run.

Every kernel here is a Numba function built with the options of :mod:`tianwen.core.jit`. Kernels never raise:
they take plain floats and contiguous float64 arrays, write into output arrays, and report failures through
NaN and integer status codes that the friendly layer above (``tianwen.lambert``, ``tianwen.porkchop``, ...)
turns into errors or flags. Modules here may import each other's private names; nothing outside ``core``
imports a private name of ``core``.

- :mod:`.jit`            the one set of Numba options (``kernel``, ``fast_kernel``, ``PARALLEL_MIN``)
- :mod:`.cache`          where kernels are cached; drops them when any source here changes (Numba checks only a
                         kernel's own file, not the files of the kernels it inlines)
- :mod:`.lambert_izzo`   Izzo (2015) Lambert solver
- :mod:`.lambert_gooding` Gooding (1990) Lambert solver
- :mod:`.kepler`         universal-variable two-body propagation, elements <-> state
- :mod:`.transfer`       porkchop / survey cells: Lambert + C3, DLA/RLA, v-infinity
- :mod:`.chebyshev`      Chebyshev series (SPK type 2/3 segments and the n-body ephemeris tables)
- :mod:`.dop853`         Dormand–Prince 8(5,3) tableau and step
- :mod:`.nbody`          the n-body right-hand side, events and integrator
"""
