"""mpmath reference implementations (>= 200 bits) of every elementwise activation and logit.

Written from the mathematical definitions, independently of actlab's NumPy formulas and
without any cutoff, clamp or library convention: softplus is log(1 + e^x) everywhere (no
threshold), Phi is the regularised incomplete gamma function for every argument.  At the
kinks of the piecewise-linear functions the derivative does not exist: the reference is NaN
there and the sweeps skip those points (the documented one-sided values are tested apart).

The tests, ``benchmarks/accuracy.py`` and the tour's "why trust these numbers" section
measure against it.  mpmath's global precision is left alone: every reference is computed
under ``mp.workprec`` and the constants below are built at 256 bits.

May import: mpmath, NumPy, :mod:`actlab.testing`.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

from actlab.testing import ulp_error

with mp.workprec(256):
    SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
    SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")
    LEAKY_SLOPE = mp.mpf(0.01)  # the float64 default slope 0.01, as the kernels receive it


def _sig(x):
    return 1 / (1 + mp.exp(-x))


def _sp(x):
    return mp.log1p(mp.exp(x))


def _phi(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def _Q(u):
    """Upper tail 1 - Phi(u) for u >= 0: erfc(u / sqrt 2) / 2 up to u = 1e5, beyond it
    Gamma(1/2, u^2/2) / (2 Gamma(1/2)) (mpmath's erfc fails beyond u ~ 1e100; the incomplete
    gamma function has no such limit but takes ~2 s per point at the ~1200 bits of tiny u,
    where erfc takes 1e-4 s; the two agree to 4e-51 at 200 bits for u <= 1e5)."""
    if abs(u) <= 100000:  # abs: the root series take complex u
        return mp.erfc(u / mp.sqrt(2)) / 2
    return mp.gammainc(mp.mpf(1) / 2, u * u / 2, mp.inf, regularized=True) / 2


def _Phi(x):
    return _Q(-x) if mp.re(x) < 0 else 1 - _Q(x)  # re: the root series take complex x


def _mish_t(x):
    return mp.tanh(_sp(x))


with mp.workprec(256):
    _K = mp.sqrt(2 / mp.pi)
    _A = mp.mpf("0.044715")


def _gt_u(x):  # 2u of the tanh-GELU and its derivatives
    return 2 * _K * (x + _A * x**3), 2 * _K * (1 + 3 * _A * x**2), 2 * _K * 6 * _A * x


def _gt(x):
    u, _, _ = _gt_u(x)
    return x * _sig(u)


def _gt1(x):
    u, du, _ = _gt_u(x)
    s = _sig(u)
    return s + x * s * _sig(-u) * du


def _gt2(x):
    u, du, ddu = _gt_u(x)
    s = _sig(u)
    s1 = s * _sig(-u)
    s2 = s1 * (_sig(-u) - s)
    return 2 * s1 * du + x * (s2 * du * du + s1 * ddu)


def _pieces(x, kinks, values):
    """The piece of a piecewise-linear function that holds x; NaN at a kink (order >= 1)."""
    if x in kinks:
        return mp.nan
    return values(x)


# name -> (f, f', f'') on mpf; the smooth functions
REF = {
    "sigmoid": (_sig, lambda x: _sig(x) * _sig(-x), lambda x: _sig(x) * _sig(-x) * (_sig(-x) - _sig(x))),
    "log_sigmoid": (lambda x: -_sp(-x), lambda x: _sig(-x), lambda x: -_sig(x) * _sig(-x)),
    "softplus": (_sp, _sig, lambda x: _sig(x) * _sig(-x)),
    "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2, lambda x: -2 * mp.tanh(x) * mp.sech(x) ** 2),
    "silu": (
        lambda x: x * _sig(x),
        lambda x: _sig(x) * (1 + x * _sig(-x)),
        lambda x: _sig(x) * _sig(-x) * (2 + x * (_sig(-x) - _sig(x))),
    ),
    "mish": (
        lambda x: x * _mish_t(x),
        lambda x: _mish_t(x) + x * _sig(x) * (1 - _mish_t(x) ** 2),
        lambda x: _sig(x) * (1 - _mish_t(x) ** 2) * (2 + x * (_sig(-x) - 2 * _mish_t(x) * _sig(x))),
    ),
    "gelu": (lambda x: x * _Phi(x), lambda x: _Phi(x) + x * _phi(x), lambda x: _phi(x) * (2 - x * x)),
    "gelu_tanh": (_gt, _gt1, _gt2),
    "elu": (
        lambda x: x if x > 0 else mp.expm1(x),
        lambda x: _pieces(x, (0,), lambda t: mp.mpf(1) if t > 0 else mp.exp(t)),
        lambda x: _pieces(x, (0,), lambda t: mp.mpf(0) if t > 0 else mp.exp(t)),
    ),
    "selu": (
        lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * mp.expm1(x)),
        lambda x: _pieces(x, (0,), lambda t: SELU_SCALE * (1 if t > 0 else SELU_ALPHA * mp.exp(t))),
        lambda x: _pieces(x, (0,), lambda t: SELU_SCALE * (0 if t > 0 else SELU_ALPHA * mp.exp(t))),
    ),
}

# the piecewise-linear (and piecewise-quadratic) functions: values exact, derivatives NaN at kinks
PIECEWISE = {
    "relu": (lambda x: max(x, 0), lambda x: _pieces(x, (0,), lambda t: mp.mpf(t > 0))),
    "leaky_relu": (
        lambda x: x if x > 0 else LEAKY_SLOPE * x,
        lambda x: _pieces(x, (0,), lambda t: mp.mpf(1) if t > 0 else LEAKY_SLOPE),
    ),
    "relu6": (lambda x: min(max(x, 0), 6), lambda x: _pieces(x, (0, 6), lambda t: mp.mpf(0 < t < 6))),
    "hard_sigmoid": (
        lambda x: min(max(x + 3, 0), 6) / 6,
        lambda x: _pieces(x, (-3, 3), lambda t: mp.mpf(1) / 6 if -3 < t < 3 else mp.mpf(0)),
    ),
    "hard_swish": (
        lambda x: x * min(max(x + 3, 0), 6) / 6,
        lambda x: _pieces(x, (-3, 3), lambda t: mp.mpf(0) if t < -3 else (1 if t > 3 else (2 * t + 3) / 6)),
    ),
}

# logit on [0, 1] (NaN outside: no real logarithm)
LOGIT = (
    lambda p: mp.log(p / (1 - p)) if 0 < p < 1 else mp.nan,
    lambda p: 1 / (p * (1 - p)) if 0 < p < 1 else mp.nan,
    lambda p: (2 * p - 1) / (p * (1 - p)) ** 2 if 0 < p < 1 else mp.nan,
)


def _table(name: str):
    if name == "logit":
        return LOGIT
    return REF[name] if name in REF else PIECEWISE[name]


def reference(name: str, order: int, xs: np.ndarray) -> list:
    """High-precision reference of derivative ``order`` (0, 1, 2) of ``name`` (a key of
    :data:`REF` or :data:`PIECEWISE`, or ``"logit"``) at float64 points ``xs``, returned as a
    list of mpf (so the caller can round to any dtype)."""
    f = _table(name)[order]
    out = []
    for v in np.asarray(xs, dtype=np.float64).ravel():
        # cancellation such as sigma(-x) - sigma(x) at x = 1e-300 needs ~ -log2|x| extra bits
        # and mish'' in its right tail, where the formula subtracts O(1) terms to leave
        # ~x e^-2x (1e-84 at x = 100): 2.9 bits per unit of x (the other references agree
        # with 200 + 3|x| bits at |x| <= 700 to 1e-20 without extra bits there)
        if v == 0 or not np.isfinite(v):
            extra = 0
        elif abs(v) < 1:
            extra = int(-np.log2(abs(v)))
        else:
            extra = int(3 * min(v, 1000.0)) if (name, order) == ("mish", 2) and v > 0 else 0
        with mp.workprec(200 + extra):
            out.append(+f(mp.mpf(float(v))) if np.isfinite(v) else mp.nan)
    return out


def ulp_errors(got: np.ndarray, ref: list, dtype) -> np.ndarray:
    """|got - ref| in ULPs of the dtype at ref (:func:`actlab.testing.ulp_error`); NaN where ref
    is not a normal number of dtype (subnormal or zero results are excluded, as are overflowing
    ones, checked separately)."""
    fi = np.finfo(np.dtype(dtype))
    out = ulp_error(np.asarray(got, dtype=np.float64).ravel()[: len(ref)], ref, dtype)
    normal = np.array([fi.tiny <= abs(r) <= fi.max for r in ref], dtype=bool)
    return np.where(normal, out, np.nan)


def sweep_points(dtype, n_random: int = 400, seed: int = 0) -> np.ndarray:
    """Points spread over the whole range of ``dtype``: both signs of a log sweep from the
    smallest normal to the largest finite, dense uniform samples in [-40, 40], and the
    edges where results overflow or go subnormal."""
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    rng = np.random.default_rng(seed)
    lo, hi = np.log10(fi.tiny), np.log10(fi.max)
    mags = 10.0 ** rng.uniform(lo, hi, n_random)
    uni = rng.uniform(-40, 40, n_random)
    if dt == np.float64:
        edges = np.concatenate([rng.uniform(-746, -700, 60), rng.uniform(700, 746, 20),
                                rng.uniform(-40, -36, 20), rng.uniform(18, 40, 20)])
    else:
        edges = np.concatenate([rng.uniform(-104, -80, 60), rng.uniform(80, 90, 20),
                                rng.uniform(-15, -12, 20), rng.uniform(7, 20, 20)])
    pts = np.concatenate([mags, -mags, uni, edges, rng.uniform(-3, 3, n_random // 2)])
    return pts.astype(dt)
