"""mpmath reference implementations (>= 160 bits) of every elementwise activation.

Written from the mathematical definitions, independently of actlab's NumPy formulas:
value, first and second derivative, evaluated in plain high-precision arithmetic where
cancellation and overflow do not matter.  Used by the ULP sweeps of the core and kernels.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

from actlab.testing import ulp_error

mp.mp.prec = 200

SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")


def _sig(x):
    return 1 / (1 + mp.exp(-x))


def _sp(x):
    return mp.log1p(mp.exp(x)) if mp.re(x) < 0 else x + mp.log1p(mp.exp(-x))


def _phi(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def _Phi(x):
    if abs(x) > 1e4:  # erfc of such arguments is 0 or 2 far below any float
        return mp.mpf(0) if x < 0 else mp.mpf(1)
    return mp.erfc(-x / mp.sqrt(2)) / 2


def _mish_t(x):
    return mp.tanh(_sp(x))


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


# name -> (f, f', f'') on mpf; only the smooth functions (the ULP sweeps cover these)
REF = {
    "sigmoid": (_sig, lambda x: _sig(x) * _sig(-x), lambda x: _sig(x) * _sig(-x) * (_sig(-x) - _sig(x))),
    "log_sigmoid": (lambda x: -_sp(-x), lambda x: _sig(-x), lambda x: -_sig(x) * _sig(-x)),
    "softplus": (
        lambda x: x if x > 20 else _sp(x),
        lambda x: mp.mpf(1) if x > 20 else _sig(x),
        lambda x: mp.mpf(0) if x > 20 else _sig(x) * _sig(-x),
    ),
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
        lambda x: mp.mpf(1) if x > 0 else mp.exp(x),
        lambda x: mp.mpf(0) if x > 0 else mp.exp(x),
    ),
    "selu": (
        lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * mp.expm1(x)),
        lambda x: SELU_SCALE * (1 if x > 0 else SELU_ALPHA * mp.exp(x)),
        lambda x: SELU_SCALE * (0 if x > 0 else SELU_ALPHA * mp.exp(x)),
    ),
}


def reference(name: str, order: int, xs: np.ndarray) -> np.ndarray:
    """High-precision reference of derivative ``order`` (0, 1, 2) at float64 points ``xs``,
    returned as a list of mpf (so the caller can round to any dtype)."""
    f = REF[name][order]
    out = []
    for v in np.asarray(xs, dtype=np.float64).ravel():
        # cancellation such as sigma(-x) - sigma(x) at x = 1e-300 needs ~ -log2|x| extra bits
        extra = 0 if v == 0 or abs(v) >= 1 else int(-np.log2(abs(v)))
        with mp.workprec(200 + extra):
            out.append(+f(mp.mpf(float(v))))
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
