"""Weight initialisation schemes, as in ``torch.nn.init``, each drawing from an explicit ``rng``.

Every function takes a ``shape`` and a :class:`numpy.random.Generator` and returns a new
float array; nothing uses a global random state.  Fans follow torch: for a weight of shape
``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.

>>> import numpy as np
>>> w = xavier_uniform((3, 4), rng=np.random.default_rng(0))
>>> w.shape, bool(np.all(np.abs(w) <= np.sqrt(6 / 7)))
((3, 4), True)

May import: NumPy and :mod:`actlab._checks`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .._checks import check_rng

__all__ = [
    "calculate_gain", "fan_in_and_fan_out", "uniform", "normal", "zeros", "xavier_uniform",
    "xavier_normal", "kaiming_uniform", "kaiming_normal", "linear_default",
]

_LINEAR = ("linear", "identity", "conv1d", "conv2d", "conv3d", "sigmoid")


def _shape(shape: int | Sequence[int]) -> tuple[int, ...]:
    shp = (int(shape),) if np.isscalar(shape) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shp):
        raise ValueError(f"shape {shp} has a negative size")
    return shp


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for a nonlinearity (``torch.nn.init.calculate_gain``).

    >>> calculate_gain("relu") == 2 ** 0.5
    True
    """
    nl = nonlinearity.lower()
    if nl in _LINEAR:
        return 1.0
    if nl == "tanh":
        return 5.0 / 3.0
    if nl == "relu":
        return math.sqrt(2.0)
    if nl == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nl == "selu":
        return 0.75
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(shape: int | Sequence[int]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape`` (at least 2-D, like torch)."""
    shp = _shape(shape)
    if len(shp) < 2:
        raise ValueError(f"fan in/out need a weight with at least 2 dimensions, got shape {shp}")
    receptive = int(np.prod(shp[2:])) if len(shp) > 2 else 1
    return shp[1] * receptive, shp[0] * receptive


def uniform(shape: int | Sequence[int], a: float = 0.0, b: float = 1.0, *,
            rng: np.random.Generator | None = None, dtype: np.dtype | type = np.float64) -> np.ndarray:
    """Samples of U(a, b)."""
    return check_rng(rng, "actlab.nn.init.uniform").uniform(a, b, size=_shape(shape)).astype(dtype)


def normal(shape: int | Sequence[int], mean: float = 0.0, std: float = 1.0, *,
           rng: np.random.Generator | None = None, dtype: np.dtype | type = np.float64) -> np.ndarray:
    """Samples of N(mean, std²)."""
    return check_rng(rng, "actlab.nn.init.normal").normal(mean, std, size=_shape(shape)).astype(dtype)


def zeros(shape: int | Sequence[int], *, rng: np.random.Generator | None = None,
          dtype: np.dtype | type = np.float64) -> np.ndarray:
    """All zeros (``rng`` accepted and ignored, so every scheme has one signature)."""
    return np.zeros(_shape(shape), dtype=dtype)


def xavier_uniform(shape: int | Sequence[int], gain: float = 1.0, *,
                   rng: np.random.Generator | None = None, dtype: np.dtype | type = np.float64) -> np.ndarray:
    r"""Glorot uniform: U(-a, a) with :math:`a = g\sqrt{6/(\mathrm{fan_{in}}+\mathrm{fan_{out}})}`.

    Glorot & Bengio (2010).
    """
    fi, fo = fan_in_and_fan_out(shape)
    a = gain * math.sqrt(6.0 / max(fi + fo, 1))
    return uniform(shape, -a, a, rng=rng, dtype=dtype)


def xavier_normal(shape: int | Sequence[int], gain: float = 1.0, *,
                  rng: np.random.Generator | None = None, dtype: np.dtype | type = np.float64) -> np.ndarray:
    r"""Glorot normal: N(0, σ²) with :math:`σ = g\sqrt{2/(\mathrm{fan_{in}}+\mathrm{fan_{out}})}`."""
    fi, fo = fan_in_and_fan_out(shape)
    return normal(shape, 0.0, gain * math.sqrt(2.0 / max(fi + fo, 1)), rng=rng, dtype=dtype)


def _kaiming_std(shape: Sequence[int], a: float, mode: str, nonlinearity: str) -> float:
    fi, fo = fan_in_and_fan_out(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fi if mode == "fan_in" else fo
    return calculate_gain(nonlinearity, a) / math.sqrt(max(fan, 1))


def kaiming_uniform(shape: int | Sequence[int], a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", *, rng: np.random.Generator | None = None,
                    dtype: np.dtype | type = np.float64) -> np.ndarray:
    r"""He uniform: U(-b, b) with :math:`b = \sqrt3\,\mathrm{gain}/\sqrt{\mathrm{fan}}` (He et al., 2015)."""
    bound = math.sqrt(3.0) * _kaiming_std(_shape(shape), a, mode, nonlinearity)
    return uniform(shape, -bound, bound, rng=rng, dtype=dtype)


def kaiming_normal(shape: int | Sequence[int], a: float = 0.0, mode: str = "fan_in",
                   nonlinearity: str = "leaky_relu", *, rng: np.random.Generator | None = None,
                   dtype: np.dtype | type = np.float64) -> np.ndarray:
    r"""He normal: N(0, σ²) with :math:`σ = \mathrm{gain}/\sqrt{\mathrm{fan}}`."""
    std = _kaiming_std(_shape(shape), a, mode, nonlinearity)
    return normal(shape, 0.0, std, rng=rng, dtype=dtype)


def linear_default(out_features: int, in_features: int, *, rng: np.random.Generator | None = None,
                   dtype: np.dtype | type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    r"""``(weight, bias)`` as ``torch.nn.Linear`` initialises them: both U(-k, k), :math:`k = 1/\sqrt{\mathrm{in}}`.

    (torch writes the weight as ``kaiming_uniform(a=sqrt(5))``, which is the same bound.)

    >>> import numpy as np
    >>> w, b = linear_default(2, 4, rng=np.random.default_rng(0))
    >>> w.shape, b.shape, bool(np.all(np.abs(w) <= 0.5))
    ((2, 4), (2,), True)
    """
    rng = check_rng(rng, "actlab.nn.init.linear_default")
    w = kaiming_uniform((out_features, in_features), a=math.sqrt(5.0), rng=rng, dtype=dtype)
    k = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
    b = uniform((out_features,), -k, k, rng=rng, dtype=dtype)
    return w, b
