"""Numerically careful building blocks shared by the activation formulas.

They take float64 arrays, or long double arrays (the longdouble path of the activations):
the constants that depend on the format (:func:`far`, the Veltkamp split) follow the dtype.

Each helper is written so that ``exp`` only sees arguments that cannot overflow, so that
no RuntimeWarning is raised for any finite or infinite input, and so that results stay
accurate in the tails (relative error of a few ULP where the true value is a normal number).

May import: NumPy and the generated :mod:`actlab._roots` only.
"""

from __future__ import annotations

import numpy as np

#: Below this (float64) the helpers rescale ``exp(x)`` as ``exp(x/2)**2`` so that a product
#: ``x * exp(x)`` is formed before it goes subnormal: around x = -709, exp(x) is already
#: subnormal (few significant bits) while x*exp(x) is still a normal number.
TAIL = -700.0
INV_SQRT2 = 0.70710678118654752440
INV_SQRT_2PI = 0.39894228040143267794
SQRT_2_OVER_PI = 0.79788456080286535588


def far(x: np.ndarray) -> float:
    """A magnitude beyond which ``exp(-|x|)``-like tails are 0 in the dtype of ``x``.

    4000 for float64 (exp(-4000) = 0 below the subnormals), 40000 for long double, whose
    exponent reaches e^-11400: a float64 clamp at -4000 would cut silu(-5000) ~ 1e-2168 to 0.
    """
    return 40000.0 if x.dtype == np.longdouble else 4000.0


def _splitter(x: np.ndarray) -> float:
    """Veltkamp's 2**s + 1 for the dtype of ``x``: halves of 26 (float64) or 32 bits (long double)."""
    return 4294967297.0 if x.dtype == np.longdouble else 134217729.0


def nanpass(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` with NaN wherever ``x`` is NaN (for piecewise-constant derivatives)."""
    return np.where(np.isnan(x), x, y)


def exp_neg_abs(x: np.ndarray) -> np.ndarray:
    """``exp(-|x|)`` in (0, 1]: the only exponential the sigmoid family needs."""
    return np.exp(-np.abs(x))


def sigmoid(x: np.ndarray) -> np.ndarray:
    r"""Logistic function from ``e = exp(-|x|)``: ``1/(1+e)`` for x >= 0, ``e/(1+e)`` else.

    Branching on the sign keeps the argument of ``exp`` non-positive (no overflow) and
    avoids the cancellation of ``1 - 1/(1+exp(x))`` in the left tail.
    """
    num, den = sigmoid_parts(x)
    return num / den


def sigmoid_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(num, den)`` with ``sigmoid(x) = num / den``: (1, 1+e) for x >= 0, (e, 1+e) else.

    Callers that multiply the sigmoid by something (silu: x * sigmoid(x)) multiply ``num``
    first and divide once, saving one rounding.
    """
    e = exp_neg_abs(x)
    return np.where(x >= 0, 1.0, e), 1.0 + e


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    r"""``sigma(x) sigma(-x) = e / (1+e)^2`` with ``e = exp(-|x|)``.

    Never ``sigma(1 - sigma)``: for x > 37, ``1 - sigma(x)`` rounds to 0 in float64
    while the true slope is ``e^{-x}``.
    """
    e = exp_neg_abs(x)
    d = 1.0 + e
    return np.minimum(e / (d * d), 0.25)  # rounding could exceed the true maximum near 0


def sigmoid_grad2(x: np.ndarray) -> np.ndarray:
    r"""``sigma'(x) (sigma(-x) - sigma(x)) = -sign(x) e (1-e) / (1+e)^3``.

    ``1 - e`` is computed as ``-expm1(-|x|)`` so that it stays exact near 0.
    """
    e = exp_neg_abs(x)
    d = 1.0 + e
    return -np.sign(x) * (e * -np.expm1(-np.abs(x))) / (d * d * d)


def softplus(z: np.ndarray) -> np.ndarray:
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))`` (no overflow, no cancellation)."""
    return np.maximum(z, 0.0) + np.log1p(exp_neg_abs(z))


def patch_tail(x: np.ndarray, y: np.ndarray, factor) -> np.ndarray:
    """Replace ``y`` where ``x < TAIL`` by ``(exp(x/2) * factor(x)) * exp(x/2)``.

    Used for functions that behave like ``factor(x) * exp(x)`` in the far left tail
    (silu, mish and their derivatives), so the product is formed while still normal.
    """
    m = x < TAIL
    if np.any(m):
        y = np.array(y, dtype=np.result_type(y, np.float64), copy=True)
        xm = np.maximum(x[m], -far(x))  # -inf -> a finite point where the result is 0
        h = np.exp(0.5 * xm)
        y[m] = (h * factor(xm)) * h
    return y


def exp_neg_quarter_sq(x: np.ndarray) -> np.ndarray:
    """``exp(-x^2/4)`` accurately (callers square it: ``exp(-x^2/2) = h*h``).

    ``x*x`` is split exactly into ``hi + lo`` (Dekker's product); without it the rounding of
    ``x*x`` (relative 1e-16, absolute 1e-13 at x = 38) would become a relative error of
    about ``x^2/2`` ULP in ``exp(-x^2/2)``.  Returning the square root keeps the factors
    normal until the product itself is subnormal.
    """
    xc = np.clip(x, -1e4, 1e4)
    c = _splitter(xc) * xc  # 2**27 + 1 (float64): Veltkamp split into 26-bit halves
    xh = c - (c - xc)
    xl = xc - xh
    hi = xc * xc
    lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
    return np.exp(-0.25 * hi) * (1.0 - 0.25 * lo)


def norm_cdf(x: np.ndarray) -> np.ndarray:
    r"""Standard normal CDF :math:`\Phi(x)`, accurate in the left tail.

    For x < 0 it is ``erfcx(-x/sqrt 2)/2 * exp(-x^2/2)``: the scaled ``erfcx`` is insensitive
    to the rounding of its argument, while ``erfc(-x/sqrt 2)`` would amplify it ~x^2 times.
    """
    xc = np.clip(x, -1e4, 1e4)
    xn = np.minimum(xc, 0.0)
    h = exp_neg_quarter_sq(xn)
    from scipy.special import erfc as _erfc  # imported on first use: scipy.special costs 0.2 s

    left = (0.5 * erfcx(-xn * INV_SQRT2) * h) * h
    right = 1.0 - 0.5 * _erfc(_double(np.maximum(xc, 0.0) * INV_SQRT2))
    return np.where(xc < 0, left, right)


def erfcx(z: np.ndarray) -> np.ndarray:
    """Scaled complementary error function ``exp(z^2) erfc(z)``."""
    from scipy.special import erfcx as _erfcx  # imported on first use (see norm_cdf)

    return _erfcx(_double(z))


def _double(z: np.ndarray) -> np.ndarray:
    """``z`` in float64: SciPy's erfc/erfcx have no long double loop (so gelu in long double
    keeps the long double range, with the float64 precision of erfc)."""
    return z.astype(np.float64, copy=False)


def patch_root(x: np.ndarray, y: np.ndarray, key: tuple[str, int], narrow: bool = True) -> np.ndarray:
    """Replace ``y`` near the root x0 of a derivative by its Taylor series in ``d = x - x0``.

    ``d = (x - x0_hi) - x0_lo`` is exact near x0 (Sterbenz), so the relative error stays a few
    ULP where the closed form cancels.  Series from :mod:`actlab._roots` (mpmath-generated).
    In long double the series (float64 coefficients) is used within 2**-11 of the root only,
    unless ``narrow`` is False (a closed form with float64 parts, gelu's erfc).
    """
    from ._roots import ROOT_SERIES

    hi, lo, radius, coeffs = ROOT_SERIES[key]
    if x.dtype == np.longdouble and narrow:
        # float64 coefficients: 2**-53 relative, which the long double closed form beats
        # (it loses log2(1/|d|) of its 64 bits) except within 2**-11 of the root
        radius = min(radius, 2.0 ** -11)
    d = (x - hi) - lo
    sel = np.abs(d) <= radius
    if np.any(sel):
        y = np.array(y, dtype=np.result_type(y, np.float64), copy=True)
        ds = d[sel]
        acc = np.full_like(ds, coeffs[-1])
        for c in coeffs[-2::-1]:
            acc = acc * ds + c
        y[sel] = acc * ds
    return y


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a*b = p + e`` exactly (Dekker's product with Veltkamp splitting; |a|,|b| < 1e150)."""
    p = a * b
    split = _splitter(p)
    ca = split * a
    ah = ca - (ca - a)
    al = a - ah
    cb = split * b
    bh = cb - (cb - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a+b = s + e`` exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


_LN2_HI = 0.6931471806019545  # ln 2 with 33 significant bits: k * _LN2_HI is exact for |k| < 2**20
_LN2_LO = -4.2009150726810846e-11  # ln 2 - _LN2_HI (from mpmath)
_INV_LN2 = 1.4426950408889634


def exp_dd(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``exp(x) = hi + lo`` to about 2**-100 relative, for -700 < x < 700.

    Cody-Waite reduction x = k ln2 + r with r in double-double, then ``expm1(r)`` (0.5 ULP of
    a quantity below 0.42, so 0.2 ULP of the result), then scaling by 2**k.  NumPy's own exp
    is 0.65 ULP; chained with a product and a quotient that would exceed 2 ULP.
    """
    xc = np.clip(x, -700.0, 700.0)
    k = np.rint(xc * _INV_LN2)
    r_hi = xc - k * _LN2_HI  # exact
    r_lo = -k * _LN2_LO
    r = r_hi + r_lo
    rr = (r_hi - r) + r_lo
    em = np.expm1(r)
    t = em + (1.0 + em) * rr
    ah = 1.0 + t
    al = (1.0 - ah) + t
    ki = np.where(np.isnan(k), 0.0, k).astype(np.int64)  # NaN inputs stay NaN through ah, al
    return np.ldexp(ah, ki), np.ldexp(al, ki)


def dd_div(ah: np.ndarray, al: np.ndarray, bh: np.ndarray, bl: np.ndarray) -> np.ndarray:
    """``(ah + al) / (bh + bl)`` rounded to double (one correction step of long division)."""
    q = ah / bh
    p, pe = two_prod(q, bh)
    rem = ((ah - p) - pe) + al - q * bl
    return q + rem / bh
