"""Tests of tianwen.search: the vectorised Illinois root finder and the golden-section minimiser.

References, none written by us: closed-form roots and minima (cos, x^2 - 2, cosh), SciPy's ``brentq`` as an
independent root finder, and the convergence property that defines the Illinois method (Dowell & Jarratt 1971,
*BIT* 11, 168–174): it does not stall on a convex function where plain regula falsi keeps one end fixed.
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from tianwen.search import bracketed_roots, golden_section_min


def test_roots_of_cos_in_a_thousand_brackets():
    """cos has its roots at pi/2 + k pi (closed form). Each bracket [k pi + 0.1, (k+1) pi - 0.3] holds one,
    off-centre so that bisection alone would not land on it. A bracket ends narrower than xtol with the root
    inside, and the midpoint is returned: the error is at most xtol/2 (plus rounding of numbers near 3e3)."""
    k = np.arange(1000.0)
    a, b = k * np.pi + 0.1, (k + 1) * np.pi - 0.3
    xtol = 1e-9
    roots = bracketed_roots(np.cos, a, b, np.cos(a), np.cos(b), xtol=xtol)
    assert roots.shape == (1000,)
    assert np.max(np.abs(roots - (np.pi / 2 + k * np.pi))) <= xtol / 2 + 1e-12


def test_each_bracket_is_refined_independently():
    """Vectorising must not couple the brackets: a root found with 99 others is bit-identical to the same root
    found alone (the invariant that lets tracking refine a year of passes in one call)."""
    a, b = np.linspace(0.5, 1.0, 100), np.linspace(1.5, 3.0, 100)
    f = lambda x: x * x - 2.0 + 0.1 * np.sin(7.0 * x)  # noqa: E731
    together = bracketed_roots(f, a, b, f(a), f(b), xtol=1e-12)
    for i in (0, 37, 99):
        alone = bracketed_roots(f, a[i:i + 1], b[i:i + 1], f(a[i:i + 1]), f(b[i:i + 1]), xtol=1e-12)
        assert alone[0] == together[i]


def test_agrees_with_scipy_brentq():
    """Every root of cos(x) exp(-0.1 x) - 0.05 on [0, 25] (eight, one near each pi/2 + k pi; bracketed by a
    0.5 grid), refined all at once, against SciPy's brentq on each bracket (xtol 1e-14) as the independent
    reference. Ours runs to xtol 1e-12, so the two agree within 1e-12."""
    f = lambda x: np.cos(x) * np.exp(-0.1 * x) - 0.05  # noqa: E731
    grid = np.arange(0.0, 25.0, 0.5)
    y = f(grid)
    i = np.flatnonzero(np.sign(y[:-1]) != np.sign(y[1:]))
    assert i.size == 8
    mine = bracketed_roots(f, grid[i], grid[i + 1], y[i], y[i + 1], xtol=1e-12)
    theirs = [brentq(f, grid[k], grid[k + 1], xtol=1e-14) for k in i]
    assert np.max(np.abs(mine - theirs)) < 1e-12


def test_illinois_does_not_stall_where_regula_falsi_does():
    """f(x) = x^10 - 1 on [0, 1.3] (convex on the bracket, a textbook case): plain regula falsi, written here,
    keeps the right end fixed and is still more than 1e-4 from the root after 40 steps (it needs 112 to reach
    1e-12). The Illinois halving (Dowell & Jarratt 1971) converges superlinearly once near the root: within 40
    evaluations the root is found to 1e-12 (the count is a bound on the method, not a timing)."""
    f0 = lambda x: x ** 10 - 1.0  # noqa: E731
    a, b = 0.0, 1.3
    for _ in range(40):  # plain regula falsi: the independent contrast
        c = (a * f0(b) - b * f0(a)) / (f0(b) - f0(a))
        a, b = (c, b) if f0(c) < 0.0 else (a, c)
    assert abs(a - 1.0) > 1e-4 and b == 1.3

    calls = []

    def f(x):
        calls.append(x.size)
        return f0(x)

    root = bracketed_roots(f, [0.0], [1.3], [-1.0], [f0(1.3)], xtol=1e-12, maxiter=60)
    assert abs(root[0] - 1.0) < 1e-12
    assert len(calls) <= 40


def test_exact_zero_at_an_end_is_the_root():
    """A bracket whose end is an exact zero returns that end, unrefined (no evaluation is needed); the other
    bracket, a straight line through 1, is refined alone."""
    calls = []

    def f(x):
        calls.append(x.size)
        return x - 1.0

    root = bracketed_roots(f, [1.0, 0.0], [3.0, 2.0], [0.0, -1.0], [2.0, 1.0], xtol=1e-9)
    assert root[0] == 1.0 and abs(root[1] - 1.0) < 1e-9
    assert calls and all(n == 1 for n in calls)  # only the second bracket was ever evaluated


@pytest.mark.parametrize("x0", [-3.7, 0.0, 1.234, 9.99])
def test_golden_section_finds_the_minimum_of_cosh(x0):
    """cosh(x - x0) has its only minimum at x0 (closed form). The search stops when its interval is
    narrower than xtol and returns the midpoint: error at most xtol/2."""
    f = lambda x: np.atleast_1d(np.cosh(np.asarray(x) - x0))  # noqa: E731
    xtol = 1e-6
    assert abs(golden_section_min(f, -10.0, 10.0, xtol) - x0) <= xtol / 2


def test_golden_section_takes_the_deepest_of_several_minima():
    """cos(x) + 0.1 x on [0, 20] has local minima near pi, 3 pi, 5 pi (where sin x = 0.1, i.e. x = pi -
    asin(0.1) + 2 k pi); the deepest is the first. The 25-point scan (spacing 0.83) separates them, and the
    golden-section step then finds it to xtol/2 from the closed form."""
    f = lambda x: np.atleast_1d(np.cos(x) + 0.1 * np.asarray(x))  # noqa: E731
    xtol = 1e-7
    assert abs(golden_section_min(f, 0.0, 20.0, xtol) - (np.pi - math.asin(0.1))) <= xtol / 2
