"""Elementary functions written as straight-line arithmetic, so that LLVM can vectorise the loops that call them.

A loop calling ``math.log`` or ``math.acos`` stays scalar (one library call per element) because the llvmlite
wheels carry no vector math library (Numba's SVML support needs an SVML-patched LLVM, which the PyPI llvmlite
0.50 wheels are not: ``numba -s`` reports "SVML Operational: False"). These versions are Sun's fdlibm
algorithms (the same reductions and minimax coefficients, https://www.netlib.org/fdlibm/: e_log.c, e_exp.c,
e_acos.c, e_asin.c, s_atan.c) with every branch turned into a select: each lane computes all cases and keeps one.
Accuracy is fdlibm's (below one ulp in the tested ranges, see tests/test_lambert_block.py); special inputs
(NaN, infinities, zero, negative arguments of ``vlog``) give NaN or a finite value but never raise, and the
callers mask those lanes. Numba compiles for the CPU it runs on, so the same source becomes AVX2, AVX-512 or
NEON code without any build flag.
"""

from __future__ import annotations

import math

from numba import types
from numba.extending import intrinsic

from .jit import fast_kernel


@intrinsic
def f2i(typingctx, x):
    """The bits of a float64 as an int64 (a register reinterpretation, no conversion)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


@intrinsic
def i2f(typingctx, x):
    """The float64 whose bits are the int64 ``x``."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


HIGH_WORD = -4294967296  # 0xFFFFFFFF00000000 as int64: keeps the high 32 bits of a double
PI = 3.14159265358979311600e+00
PIO2_HI, PIO2_LO = 1.57079632679489655800e+00, 6.12323399573676603587e-17
PIO4_HI = 7.85398163397448278999e-01
LN2_HI, LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
INV_LN2 = 1.44269504088896338700e+00

# e_log.c
LG1, LG2, LG3, LG4 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01
LG5, LG6, LG7 = 1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01
# e_exp.c
P1, P2, P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
P4, P5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08
# e_asin.c / e_acos.c
PS0, PS1, PS2 = 1.66666666666666657415e-01, -3.25565818622400915405e-01, 2.01212532134862925881e-01
PS3, PS4, PS5 = -4.00555345006794114027e-02, 7.91534994289814532176e-04, 3.47933107596021167570e-05
QS1, QS2, QS3, QS4 = -2.40339491173441421878e+00, 2.02094576023350569471e+00, -6.88283971605453293030e-01, 7.70381505559019352791e-02
# s_atan.c (only the reductions for arguments in [0, 1] are needed: atan2 folds the rest)
ATANHI0, ATANHI1 = 4.63647609000806093515e-01, 7.85398163397448278999e-01
ATANLO0, ATANLO1 = 2.26987774529616870924e-17, 3.06161699786838301793e-17
AT0, AT1, AT2, AT3 = 3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01, -1.11111104054623557880e-01
AT4, AT5, AT6, AT7 = 9.09088713343650656196e-02, -7.69187620504482999495e-02, 6.66107313738753120669e-02, -5.83357013379057348645e-02
AT8, AT9, AT10 = 4.97687799461593236017e-02, -3.65315727442169155270e-02, 1.62858201153657823623e-02

@fast_kernel(inline="always")
def vlog(x):
    """Natural logarithm (e_log.c), with the C library's special values: -inf at 0, inf at inf, NaN below 0."""
    sub = x < 2.2250738585072014e-308  # subnormal (or zero, negative): scale by 2^54 first
    b = f2i(x * 18014398509481984.0 if sub else x)
    k = ((b >> 52) & 0x7ff) - (1023 + 54 if sub else 1023)
    m = i2f((b & 0x000fffffffffffff) | 0x3ff0000000000000)  # x = m 2^k, 1 <= m < 2
    big = m > 1.4142135623730951  # fold to sqrt(2)/2 <= m < sqrt(2)
    m = m * 0.5 if big else m
    dk = float(k + 1 if big else k)
    f = m - 1.0
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6))
    y = dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
    y = x if x == math.inf else y
    y = -math.inf if x == 0.0 else y
    return y if x >= 0.0 else math.nan


@fast_kernel(inline="always")
def vexp(x):
    """Exponential (e_exp.c); 0 below -708 (the C library gives subnormals down to -745), inf above 709.78."""
    under = x < -708.0
    over = x > 709.782712893384
    xi = x
    x = -708.0 if under else (709.0 if x > 709.0 else x)
    k = math.floor(x * INV_LN2 + 0.5)
    hi = x - k * LN2_HI
    lo = k * LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    scale = i2f((int(k) + 1023) << 52)
    y = 0.0 if under else y * scale
    y = math.inf if over else y
    return y if xi == xi else xi  # NaN in, NaN out


@fast_kernel(inline="always")
def _rs(z):
    """The rational part of asin/acos on z = x^2 or (1 - |x|)/2 (e_asin.c's p/q)."""
    p = z * (PS0 + z * (PS1 + z * (PS2 + z * (PS3 + z * (PS4 + z * PS5)))))
    q = 1.0 + z * (QS1 + z * (QS2 + z * (QS3 + z * QS4)))
    return p / q


@fast_kernel(inline="always")
def vacos(x):
    """Arc cosine on [-1, 1] (e_acos.c); NaN outside."""
    ax = abs(x)
    small = ax < 0.5
    z = x * x if small else (1.0 - ax) * 0.5
    r = _rs(z)
    s = math.sqrt(z)
    a_small = PIO2_HI - (x - (PIO2_LO - x * r))
    a_neg = PI - 2.0 * (s + (r * s - PIO2_LO))
    df = i2f(f2i(s) & HIGH_WORD)
    c = (z - df * df) / (s + df)
    a_pos = 2.0 * (df + (r * s + c))
    a = a_small if small else (a_neg if x < 0.0 else a_pos)
    return (0.0 if x > 0.0 else PI) if ax == 1.0 else a


@fast_kernel(inline="always")
def vasin(x):
    """Arc sine on [-1, 1] (e_asin.c); NaN outside."""
    ax = abs(x)
    small = ax < 0.5
    z = x * x if small else (1.0 - ax) * 0.5
    r = _rs(z)
    s = math.sqrt(z)
    a_small = ax + ax * r
    a_edge = PIO2_HI - (2.0 * (s + s * r) - PIO2_LO)  # |x| >= 0.975
    df = i2f(f2i(s) & HIGH_WORD)
    c = (z - df * df) / (s + df)
    a_mid = PIO4_HI - ((2.0 * s * r - (PIO2_LO - 2.0 * c)) - (PIO4_HI - 2.0 * df))
    a = a_small if small else (a_edge if ax >= 0.975 else a_mid)
    return math.copysign(a, x)


@fast_kernel(inline="always")
def _atan01(t):
    """Arc tangent on [0, 1] (s_atan.c's reductions at 7/16 and 11/16)."""
    lo = t < 0.4375
    mid = t < 0.6875
    x = t if lo else ((2.0 * t - 1.0) / (2.0 + t) if mid else (t - 1.0) / (t + 1.0))
    z = x * x
    w = z * z
    s = z * (AT0 + w * (AT2 + w * (AT4 + w * (AT6 + w * (AT8 + w * AT10))))) + \
        w * (AT1 + w * (AT3 + w * (AT5 + w * (AT7 + w * AT9))))
    hi = ATANHI0 if mid else ATANHI1
    lo_ = ATANLO0 if mid else ATANLO1
    return x - x * s if lo else hi - ((x * s - lo_) - x)


@fast_kernel(inline="always")
def vatan2(y, x):
    """atan2(y, x) in (-pi, pi] for finite arguments (0 when both are zero)."""
    ay, ax = abs(y), abs(x)
    swap = ay > ax
    num = ax if swap else ay
    den = ay if swap else ax
    t = num / den if den > 0.0 else 0.0
    a = _atan01(t)
    a = (PIO2_HI - a) + PIO2_LO if swap else a
    a = (PI - a) + 1.2246467991473532e-16 if x < 0.0 else a
    return math.copysign(a, y)
