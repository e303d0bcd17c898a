"""Event searches of the Python layer: roots and minima of functions sampled on arrays of epochs.

Like skyfield's ``searchlib``, every search for *when something happens* (a rise, a set, the edge or the deepest
point of a solar conjunction) uses the two routines here, so a reader finds the numerics in one place:

* :func:`bracketed_roots` — many roots at once, each in its own bracket ``[a, b]`` with a sign change, by the
  Illinois variant of regula falsi (Dowell & Jarratt 1971). The function is evaluated once per iteration on
  the array of all the unfinished brackets, which suits vectorised geometry (one call for every pass of a year).
* :func:`golden_section_min` — the minimum of a unimodal function on an interval, by golden-section search
  (Kiefer 1953; Press et al., *Numerical Recipes*, 3rd ed., 2007, §10.2) after a coarse scan.

Both take functions of a NumPy array that return an array of the same shape.

References:

* M. Dowell and P. Jarratt, "A modified regula falsi method for computing the root of an equation",
  *BIT* 11, 168–174 (1971): the Illinois algorithm, superlinear (order ~1.44) where plain regula falsi can stall.
* J. Kiefer, "Sequential minimax search for a maximum", *Proc. Amer. Math. Soc.* 4, 502–506 (1953).

Not here: the n-body integrator's event detection has its own Brent root finder, a compiled kernel that stays
with the integrator; scalar problems with an expensive function and no vectorised form (``arrival.finite_burn``,
one ODE integration per evaluation) use SciPy's ``brentq``; Kepler's equation is solved by Newton's method where
it is used (``ephemeris``, ``kepler``), with its analytic derivative and no bracket to search.

>>> import numpy as np
>>> roots = bracketed_roots(np.cos, [1.0, 4.0], [2.0, 5.0], np.cos([1.0, 4.0]), np.cos([2.0, 5.0]), xtol=1e-12)
>>> np.allclose(roots, [np.pi / 2, 3 * np.pi / 2])
True
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["bracketed_roots", "golden_section_min"]


def bracketed_roots(f, a, b, fa, fb, xtol: float, maxiter: int = 100) -> np.ndarray:
    """Roots of ``f`` (vectorised) in brackets ``[a, b]`` with ``fa * fb <= 0``, all refined together by the
    Illinois variant of regula falsi, with a bisection step whenever the interpolated point falls within 5 % of
    the bracket's width from either end.

    ``a``, ``b``, ``fa = f(a)``, ``fb = f(b)`` are arrays of one shape; ``f`` is called on a 1-d array of the
    points still being refined. A bracket is done when it is narrower than ``xtol`` (the root is then its
    midpoint) or when ``f`` is exactly zero at one of its ends (the root is that end). After ``maxiter``
    iterations the midpoint of the current bracket is returned.

    Method (Dowell & Jarratt 1971): the regula-falsi point ``c = (a fb - b fa) / (fb - fa)`` replaces the end
    whose value has the sign of ``f(c)``; when the same end is kept twice running, the value kept there is
    halved, which moves the next point past the root and restores superlinear convergence. A point that is not
    finite, or within 5 % of the bracket's width from either end, is replaced by the midpoint.
    """
    a, b, fa, fb = (np.array(x, dtype=float) for x in (a, b, fa, fb))
    side = np.zeros(a.shape, dtype=int)
    for _ in range(maxiter):
        active = (np.abs(b - a) > xtol) & (fa != 0.0) & (fb != 0.0)
        if not np.any(active):
            break
        i = np.flatnonzero(active)
        with np.errstate(invalid="ignore", divide="ignore"):
            c = (a[i] * fb[i] - b[i] * fa[i]) / (fb[i] - fa[i])
        width = b[i] - a[i]
        bad = ~np.isfinite(c) | (c <= a[i] + 0.05 * width) | (c >= b[i] - 0.05 * width)
        c = np.where(bad, 0.5 * (a[i] + b[i]), c)
        fc = f(c)
        left = np.sign(fc) == np.sign(fa[i])  # root is in [c, b]
        # Illinois: halve the value kept at the unchanged end when it is kept twice running
        keep_b = left & (side[i] == 1)
        keep_a = ~left & (side[i] == -1)
        fb[i[keep_b]] *= 0.5
        fa[i[keep_a]] *= 0.5
        a[i[left]], fa[i[left]] = c[left], fc[left]
        b[i[~left]], fb[i[~left]] = c[~left], fc[~left]
        side[i] = np.where(left, 1, -1)
    root = np.where(fa == 0.0, a, np.where(fb == 0.0, b, 0.5 * (a + b)))
    return root


def golden_section_min(f, lo: float, hi: float, xtol: float) -> float:
    """Minimum of a unimodal scalar function on ``[lo, hi]`` by golden-section search, first on a coarse scan.

    ``f`` is called once on an array of 25 equally spaced points, then on single floats, and returns a 1-d
    array each time (``np.atleast_1d`` inside ``f`` does it). The search is confined to the two scan intervals
    around the smallest sample; golden-section steps (one new evaluation each, shrinking the interval by 0.618)
    then run until it is narrower than ``xtol``, and the midpoint of the last interval is returned (Kiefer 1953;
    *Numerical Recipes*, 3rd ed., §10.2). With several local minima, the scan picks the one followed.
    """
    xs = np.linspace(lo, hi, 25)
    ys = f(xs)
    k = int(np.argmin(ys))
    a, b = xs[max(k - 1, 0)], xs[min(k + 1, len(xs) - 1)]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c)[0], f(d)[0]
    while b - a > xtol:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)[0]
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)[0]
    return 0.5 * (a + b)
