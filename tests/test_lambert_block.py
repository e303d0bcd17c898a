"""The lock-step block kernels (tianwen.core.lambert_block, the porkchop grid kernel) against the scalar kernels
they replace, and the straight-line elementary functions (tianwen.core.vmath) against the C library's.

The scalar Izzo kernel is the reference: it is checked against published cases, Gooding's solver and Kepler
propagation in tests/test_lambert.py (which runs every test on both kernels). Here the two kernels solve the
same 10^5 problems and must give the same status codes and velocities within 1e-12 relative: both run the same
iteration from the same starting guess to the same stopping rule, so they differ only by the last-bit
differences of fdlibm's functions and of the operation order (measured below 2e-15 on these batches), and, for
multi-revolution problems with 0.8 < x < 0.99, by the form of T(x): Lancaster's in the block, Lagrange's in the
scalar kernel (below 3e-14; the two forms are compared directly below).
"""

import numpy as np
import pytest

from tianwen.core.lambert_block import LANCASTER_LAMBDA_MAX, _tof_x, izzo_block_parallel, izzo_block_serial
from tianwen.core.lambert_izzo import izzo_serial
from tianwen.core.transfer import grid_kernel, grid_kernel_scalar
from tianwen.core.vmath import vacos, vasin, vatan2, vexp, vlog
from tianwen.core.jit import kernel
from tianwen.lambert import lambert

N_TOTAL = 100_000
# (revs, prograde, right): every combination the kernels are compiled for, 10^5 problems in all.
CASES = [(0, True, False), (0, False, False)] + [(n, p, r) for n in (1, 2, 3) for p in (True, False)
                                                 for r in (False, True)]


def _problems(rng, n, revs):
    """Random problems (mu = 1): radii 0.5-2.5, random directions (so every transfer angle, near 0 and 180 deg
    included), times of flight log-uniform from 1e-3 to revs + 3 periods of the unit orbit (half) or uniform
    over the range where revs revolutions are possible (half); then a few tiny times and bad inputs
    (zero, negative and non-finite times, a zero radius, collinear vectors) in every batch."""
    d1, d2 = rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    r1 = d1 / np.linalg.norm(d1, axis=1)[:, None] * rng.uniform(0.5, 2.5, (n, 1))
    r2 = d2 / np.linalg.norm(d2, axis=1)[:, None] * rng.uniform(0.5, 2.5, (n, 1))
    short = 2 * np.pi * np.exp(rng.uniform(np.log(1e-3), np.log(revs + 3.0), n))
    tof = np.where(np.arange(n) % 2 == 0, short, 2 * np.pi * rng.uniform(0.7 * revs + 0.05, revs + 3.0, n))
    tof[:4] = [0.0, -1.0, np.nan, np.inf]
    tof[7:10] = [1e-9, 1e-12, 1e-15]  # far below the iteration's reach: status 4 (not converged)
    r1[4] = 0.0
    r2[5] = -2.0 * r1[5]
    r2[6] = 3.0 * r1[6]
    return r1, r2, tof


def _solve(kern, r1, r2, tof, revs, prograde, right):
    n = tof.size
    v1, v2, st = np.empty((n, 3)), np.empty((n, 3)), np.empty(n, dtype=np.int8)
    kern(r1, r2, tof, 1.0, revs, prograde, right, v1, v2, st)
    return v1, v2, st


def test_block_kernel_matches_scalar_kernel_on_1e5_problems():
    """Same 10^5 problems (all revolution counts 0-3, both senses, both branches, bad inputs included) through
    the scalar kernel and the block kernel: identical status codes everywhere (every code occurs), NaN exactly
    where unsolved, and velocities within 1e-12 of the scalar kernel's, relative to the vector's length."""
    rng = np.random.default_rng(20)
    per = N_TOTAL // len(CASES)
    seen = set()
    worst = 0.0
    for revs, prograde, right in CASES:
        r1, r2, tof = _problems(rng, per, revs)
        a1, a2, sa = _solve(izzo_serial, r1, r2, tof, revs, prograde, right)
        b1, b2, sb = _solve(izzo_block_serial, r1, r2, tof, revs, prograde, right)
        np.testing.assert_array_equal(sa, sb)
        seen.update(np.unique(sa).tolist())
        ok = sa == 0
        assert np.isnan(b1[~ok]).all() and np.isnan(b2[~ok]).all()
        for a, b in ((a1, b1), (a2, b2)):
            rel = np.linalg.norm(a[ok] - b[ok], axis=1) / np.linalg.norm(a[ok], axis=1)
            worst = max(worst, float(rel.max()))
    assert worst < 1e-12, f"worst relative difference {worst:.2e}"
    assert seen == {0, 1, 2, 3, 4}


def test_parallel_block_kernel_is_bitwise_the_serial_one():
    """Chunks of the parallel kernel are whole blocks, so each problem is solved in the same lane position of the
    same block arithmetic: the results must be bit for bit those of the serial block kernel (odd size: a padded
    last block)."""
    rng = np.random.default_rng(21)
    r1, r2, tof = _problems(rng, 9_999, 0)
    s = _solve(izzo_block_serial, r1, r2, tof, 0, True, False)
    p = _solve(izzo_block_parallel, r1, r2, tof, 0, True, False)
    for a, b in zip(s, p):
        np.testing.assert_array_equal(a, b)


def test_environment_switch_selects_the_scalar_kernel(monkeypatch):
    """TIANWEN_LAMBERT_KERNEL=scalar must route tianwen.lambert to the scalar kernel: its answer is then bit for
    bit izzo_serial's (the default block kernel differs from it in the last bits on this batch)."""
    rng = np.random.default_rng(22)
    r1, r2, tof = _problems(rng, 2_000, 0)
    ref1, _, st = _solve(izzo_serial, r1, r2, tof, 0, True, False)
    ok = st == 0  # (tianwen.lambert re-solves status 4 with Gooding's method: compare the rest)
    monkeypatch.setenv("TIANWEN_LAMBERT_KERNEL", "scalar")
    np.testing.assert_array_equal(lambert(r1, r2, tof, mu=1.0, parallel=False).v1[ok], ref1[ok])
    monkeypatch.setenv("TIANWEN_LAMBERT_KERNEL", "block")
    blk = lambert(r1, r2, tof, mu=1.0, parallel=False).v1
    assert not np.array_equal(blk[ok], ref1[ok])
    np.testing.assert_allclose(blk[ok], ref1[ok], rtol=0, atol=1e-12 * np.abs(ref1[ok]).max())


def test_grid_kernel_matches_scalar_grid_kernel():
    """A 97 x 61 porkchop of circular-ish Earth and inclined Mars orbits, flight times from negative (status 3) to
    600 days, through both grid kernels: identical status and transfer type; speeds and C3 within 1e-12
    relative, angles within 1e-9 degree (fdlibm's and the C library's asin/atan2 differ by an ulp or two)."""
    au, gm = 1.495978707e8, 1.32712440018e11
    td = np.linspace(0.0, 200.0, 97)
    ta = np.linspace(-20.0, 600.0, 61)
    th1 = 2 * np.pi * td / 365.25
    th2 = 2.0 + 2 * np.pi * ta / 687.0
    rd = np.stack([au * np.cos(th1), au * np.sin(th1), 0 * th1], 1)
    vd = np.stack([-29.8 * np.sin(th1), 29.8 * np.cos(th1), 0 * th1], 1)
    ra = np.stack([1.524 * au * np.cos(th2), 1.524 * au * np.sin(th2), 0.05 * au * np.sin(th2 + 1)], 1)
    va = np.stack([-24.1 * np.sin(th2), 24.1 * np.cos(th2), 0.8 * np.cos(th2 + 1)], 1)
    out = {}
    for name, kern in (("scalar", grid_kernel_scalar), ("block", grid_kernel)):
        o = [np.empty((td.size, ta.size)) for _ in range(9)] + [np.empty((td.size, ta.size), np.int8)
                                                                 for _ in range(2)]
        kern(rd, vd, td, ra, va, ta, gm, 0, True, False, *o)
        out[name] = o
    a, b = out["scalar"], out["block"]
    np.testing.assert_array_equal(a[9], b[9])
    np.testing.assert_array_equal(a[10], b[10])
    assert {0, 3} <= set(np.unique(a[10]).tolist())
    for k in range(9):
        np.testing.assert_array_equal(np.isnan(a[k]), np.isnan(b[k]))
        m = np.isfinite(a[k])
        if k in (2, 3, 5, 6, 8):  # dla, rla, dla_arr, rla_arr, transfer angle (deg)
            assert np.abs(a[k][m] - b[k][m]).max() < 1e-9
        else:
            assert (np.abs(a[k][m] - b[k][m]) / np.abs(a[k][m])).max() < 1e-12


@kernel
def _apply(which, x, y, out):
    for i in range(x.size):
        if which == 0:
            out[i] = vlog(x[i])
        elif which == 1:
            out[i] = vexp(x[i])
        elif which == 2:
            out[i] = vacos(x[i])
        elif which == 3:
            out[i] = vasin(x[i])
        else:
            out[i] = vatan2(y[i], x[i])


@pytest.mark.parametrize("name", ["log", "exp", "acos", "asin", "atan2"])
def test_vmath_agrees_with_the_c_library(name):
    """fdlibm's algorithms (Sun Microsystems, netlib.org/fdlibm) are documented below one ulp; NumPy calls the C
    library (glibc, correctly rounded or nearly). On 200,000 arguments over each function's range the two must
    agree within 1 ulp of the result (2 for atan2, which folds its argument twice), at the exact points
    log(1) = 0, acos(+-1) = 0, pi, asin(+-1) = +-pi/2, atan2(0, 1) = 0, on subnormal arguments of log, and
    exactly on the special values the solver's status checks rely on (log 0 = -inf, log inf = inf, log of a
    negative = NaN, exp overflow = inf, exp NaN = NaN)."""
    rng = np.random.default_rng(23)
    n = 200_000
    y = rng.normal(size=n) * np.exp(rng.uniform(-20, 20, n))
    if name == "log":
        x, which = np.exp(rng.uniform(-700, 700, n)), 0
        x[:8] = [1.0, 2.0, 0.5, 5e-324, 1e-310, 0.0, np.inf, -1.0]
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = np.log(x)
    elif name == "exp":
        x = rng.uniform(-700, 700, n)
        x[:5] = [0.0, 1.0, 710.0, np.inf, np.nan]
        with np.errstate(over="ignore"):
            ref, which = np.exp(x), 1
    elif name in ("acos", "asin"):
        x = np.concatenate([rng.uniform(-1, 1, n - 1000), 1 - np.exp(rng.uniform(-36, 0, 1000))])
        x[:5] = [1.0, -1.0, 0.0, 0.5, -0.5]
        ref, which = (np.arccos(x), 2) if name == "acos" else (np.arcsin(x), 3)
    else:
        x = rng.normal(size=n) * np.exp(rng.uniform(-20, 20, n))
        x[0], y[0] = 1.0, 0.0
        ref, which = np.arctan2(y, x), 4
    out = np.empty(n)
    _apply(which, x, y, out)
    special = ~np.isfinite(ref)  # inf, -inf and NaN must be the C library's
    np.testing.assert_array_equal(out[special], ref[special])
    out, ref = out[~special], ref[~special]
    ulps = np.abs(out - ref) / np.spacing(np.abs(ref))
    ulps[ref == 0] = np.abs(out[ref == 0]) / 5e-324
    assert ulps.max() <= (2.0 if name == "atan2" else 1.0), f"{name}: {ulps.max():.1f} ulp"


def test_float32_porkchop_is_the_float64_one_rounded():
    """porkchop(..., float32=True) computes every cell in float64 and stores it rounded: each float variable must
    equal the float64 grid's value cast to float32 exactly (NaN in the same cells), the integer variables
    identical."""
    from tianwen.porkchop import porkchop_grid

    window = dict(departure=("2020-06-01", "2020-09-01"), arrival=("2020-12-15", "2021-10-01"), n=(23, 29))
    a = porkchop_grid(**window)
    b = porkchop_grid(**window, float32=True)
    for name, v in a.data.items():
        w = b.data[name]
        if v.dtype.kind == "f":
            assert w.dtype == np.float32
            np.testing.assert_array_equal(w, v.astype(np.float32))
        else:
            np.testing.assert_array_equal(w, v)


def _lagrange_T(x, lam, revs):
    """Lagrange's time equation in Izzo's non-dimensional form (his eq. 9 with a = 1 / (1 - x^2), alpha = 2 acos x,
    sin(beta / 2) = lambda sqrt(1 - x^2)): the elliptic time of flight for N revolutions, written here apart."""
    a = 1.0 / (1.0 - x * x)
    alpha = 2.0 * np.arccos(x)
    beta = 2.0 * np.arcsin(lam * np.sqrt(1.0 - x * x))
    return a ** 1.5 * ((alpha - np.sin(alpha)) - (beta - np.sin(beta)) + 2.0 * np.pi * revs) / 2.0


@pytest.mark.parametrize("revs", [1, 2, 3])
def test_lancaster_form_is_lagranges_near_the_parabola_with_revolutions(revs):
    """Why the block kernel keeps multi-revolution lanes where the scalar kernel switches to Lagrange's form
    (0.8 < x < 0.99): with N >= 1 revolutions T(x) grows without bound as x -> 1 and Lancaster's form loses
    little to cancellation. Over that range, for lambda up to LANCASTER_LAMBDA_MAX, the two forms agree within
    2e-13 of T, and the x solving T(x) = T moves by under 1e-14 of itself (T's error over x dT/dx); the block
    kernel evaluates those points itself. Closer to lambda = 1 the forms part (1e-12 at 0.9999): scalar kernel."""
    xs = np.linspace(0.8, 0.99, 191)
    lams = np.concatenate([np.linspace(-0.999999, LANCASTER_LAMBDA_MAX, 101), [0.99, 0.995, 0.998]])
    worst_t = worst_x = 0.0
    for lam in lams:
        for x in xs:
            t, bad, _, _ = _tof_x(x, lam, revs * np.pi, False)
            assert not bad
            ref = _lagrange_T(x, lam, revs)
            slope = (_lagrange_T(x + 1e-6, lam, revs) - _lagrange_T(x - 1e-6, lam, revs)) / 2e-6
            worst_t = max(worst_t, abs(t - ref) / ref)
            worst_x = max(worst_x, abs(t - ref) / (x * slope))
    assert worst_t < 2e-13, f"worst relative difference of T {worst_t:.1e}"
    assert worst_x < 1e-14, f"worst relative shift of x {worst_x:.1e}"
    for lam in (0.9991, 0.9999, 1.0 - 1e-9):
        assert _tof_x(0.9, lam, revs * np.pi, False)[1]


def test_zero_revolution_lanes_near_the_parabola_go_to_the_scalar_kernel():
    """With zero revolutions Lancaster's form cancels near x = 1 (T stays finite there), so those iterates are
    the scalar kernel's, which uses Lagrange's form and Battin's series."""
    for x in (0.81, 0.9, 0.995, 1.005, 1.1, 1.19):
        assert _tof_x(x, 0.5, 0.0, True)[1]
    assert not _tof_x(0.5, 0.5, 0.0, True)[1] and not _tof_x(1.5, 0.5, 0.0, True)[1]
