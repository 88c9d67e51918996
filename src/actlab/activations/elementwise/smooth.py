"""Smooth rectifiers built on exp and log: elu, selu, softplus.

Kink convention: elu'(0) = alpha and selu'(0) = scale * alpha (the left derivative, as
PyTorch).

May import: NumPy, :mod:`actlab._math`, :mod:`actlab.activations.define`.
"""

from __future__ import annotations

import numpy as np

from ... import _math as m
from ..define import activation

__all__ = ["elu", "selu", "softplus"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _elu(x, alpha):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_grad(x, alpha):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def _elu_grad2(x, alpha):
    return np.where(x > 0, 0.0, alpha * np.exp(np.minimum(x, 0.0)))


@activation(range=(-1.0, np.inf), zero_centered=False, max_grad=1.0, params={"alpha": 1.0},
            kernel="elu")
class elu:
    r"""Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.

    .. math::

        f(x) = x\ (x>0),\ \alpha(e^x-1)

        f'(x) = 1\ (x>0),\ \alpha e^x

    The negative side uses ``expm1(min(x, 0))``: exact near 0, where ``exp(x) - 1``
    cancels, and ``exp`` never sees a positive argument.  Kink convention: elu'(0) = alpha
    (as PyTorch).

    Parameters
    ----------
    x : array_like
        float16/32/64 keep their dtype; integers and bool give float64.
    alpha : float, default 1.0
        The negative saturation value is -alpha (keyword).

    Examples
    --------
    >>> import actlab as al
    >>> al.elu([-1.0, 2.0])
    array([-0.63212056,  2.        ])
    >>> float(al.elu.grad(0.0, alpha=0.5))
    0.5

    References
    ----------
    Clevert et al., ELU (2015).
    """

    value = staticmethod(_elu)
    grad = staticmethod(_elu_grad)
    grad2 = staticmethod(_elu_grad2)


@activation(range=(-SELU_SCALE * SELU_ALPHA, np.inf), zero_centered=False,
            max_grad=SELU_SCALE * SELU_ALPHA, kernel="selu")
class selu:
    r"""Scaled ELU with the self-normalising constants of Klambauer et al.

    .. math::

        f(x) = \lambda\,\mathrm{elu}_\alpha(x)

        f'(x) = \lambda\,\mathrm{elu}'_\alpha(x)

        \lambda = 1.0507\ldots,\quad \alpha = 1.6733\ldots

    Kink convention: selu'(0) = scale * alpha (as PyTorch).

    Parameters
    ----------
    x : array_like
        float16/32/64 keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.selu([1.0])
    array([1.05070099])

    References
    ----------
    Klambauer et al., Self-Normalizing Neural Networks (2017).
    """

    @staticmethod
    def value(x):
        return SELU_SCALE * _elu(x, SELU_ALPHA)

    @staticmethod
    def grad(x):
        return SELU_SCALE * _elu_grad(x, SELU_ALPHA)

    @staticmethod
    def grad2(x):
        return SELU_SCALE * _elu_grad2(x, SELU_ALPHA)


def _scaled(x, beta):
    with np.errstate(over="ignore"):  # beta * x beyond the float range is inf: the linear part
        return beta * x


def _cutoff(threshold):
    """The threshold as a number: ``None`` (no cutoff) is ``inf``, where ``z > inf`` never holds."""
    return np.inf if threshold is None else threshold


@activation(range=(0.0, np.inf), zero_centered=False, max_grad=1.0,
            params={"beta": 1.0, "threshold": None}, kernel="softplus")
class softplus:
    r"""Softplus, a smooth ReLU: log(1 + exp(beta x)) / beta, exact everywhere by default.

    .. math::

        f(x) = \log(1+e^{x})

        f'(x) = \sigma(x)

        f_{\beta}(x) = \frac{1}{\beta}\log(1+e^{\beta x}),\quad f'_{\beta}(x) = \sigma(\beta x)

        f_{\beta,t}(x) = x,\quad f'_{\beta,t}(x) = 1 \quad (\beta x > t,\ \text{with a threshold } t)

    The first two lines are the smooth function at beta = 1, the third what is computed for
    any beta.  Why ``max(z, 0) + log1p(exp(-|z|))``: exp never overflows and nothing cancels.

    A deliberate difference from torch: the default ``threshold=None`` has no cutoff, the
    true value everywhere.  torch.nn.Softplus (threshold=20) returns x where beta x > 20,
    a float32 shortcut that is up to 5.8e5 ULP off in float64 for 20 < x < 33.3 (the true
    value is x + exp(-x)).  ``threshold=20`` (any number t) gives torch's linear cutoff, the
    last line, for bit parity with torch.

    Parameters
    ----------
    x : array_like
        float16/32/64 keep their dtype; integers and bool give float64.
    beta : float, default 1.0
        Sharpness; non-zero (keyword).
    threshold : float or None, default None
        None: the exact function.  A number t: where ``beta * x > t`` the result is x and the
        slope 1, as torch.nn.Softplus (keyword).

    Examples
    --------
    >>> import actlab as al
    >>> al.softplus([0.0, 1000.0])
    array([6.93147181e-01, 1.00000000e+03])
    >>> float(al.softplus.grad(0.0))
    0.5
    >>> float(al.softplus(25.0))  # 25 + exp(-25); torch's threshold=20 gives 25.0
    25.000000000013888
    >>> float(al.softplus(25.0, threshold=20))
    25.0

    References
    ----------
    Dugas et al. (2001); torch.nn.Softplus.
    """

    @staticmethod
    def validate(beta, threshold):
        if beta == 0:
            raise ValueError("actlab.softplus: beta must be non-zero")

    @staticmethod
    def kernel_args(beta, threshold):
        return beta, _cutoff(threshold)

    @staticmethod
    def value(x, beta, threshold):
        z = _scaled(x, beta)
        return np.where(z > _cutoff(threshold), x, m.softplus(z) / beta)

    @staticmethod
    def grad(x, beta, threshold):
        z = _scaled(x, beta)
        return np.where(z > _cutoff(threshold), 1.0, m.sigmoid(z))

    @staticmethod
    def grad2(x, beta, threshold):
        z = _scaled(x, beta)
        return np.where(z > _cutoff(threshold), 0.0, beta * m.sigmoid_grad(z))


__test__ = {act.name: act.__doc__ for act in (elu, selu, softplus)}
