"""Sigmoid-shaped activations: sigmoid, log_sigmoid, its inverse logit, and tanh.

The sigmoid's formulas live in :mod:`actlab._math` (shared with the losses and the
recurrent cells); this module gives them their documentation and metadata.

May import: NumPy, :mod:`actlab._math`, :mod:`actlab.activations.define`.
"""

from __future__ import annotations

import numpy as np

from ... import _math as m
from ..define import activation

__all__ = ["sigmoid", "log_sigmoid", "logit", "tanh"]


@activation(range=(0.0, 1.0), zero_centered=False, max_grad=0.25, kernel="sigmoid", saturating=True)
class sigmoid:
    r"""Logistic sigmoid, squashes to (0, 1).

    .. math::

        f(x) = \sigma(x)=\frac{1}{1+e^{-x}}

        f'(x) = \sigma(x)\,\sigma(-x)

        f''(x) = \sigma(x)\sigma(-x)(\sigma(-x)-\sigma(x))

    The slope peaks at 0.25 (x = 0).  Why :math:`\sigma(x)\sigma(-x)` and never
    :math:`\sigma(1-\sigma)`: ``1 - sigma(x)`` rounds to 0 for x > 37 (float64) where the
    true slope is exp(-x).  Stable form: exp only sees -|x| (no overflow, no cancellation).

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.sigmoid([1.0, -2.0, 3.0, -4.0])
    array([0.73105858, 0.11920292, 0.95257413, 0.01798621])
    >>> float(al.sigmoid.grad(0.0))
    0.25
    >>> float(al.sigmoid.grad(40.0))  # ~ exp(-40), not 0
    4.248354255291589e-18

    References
    ----------
    scipy.special.expit; Goodfellow et al., Deep Learning, sec. 6.3.2.
    """

    value = staticmethod(m.sigmoid)
    grad = staticmethod(m.sigmoid_grad)
    grad2 = staticmethod(m.sigmoid_grad2)


@activation(range=(-np.inf, 0.0), zero_centered=False, max_grad=1.0, kernel="log_sigmoid")
class log_sigmoid:
    r"""Log of the sigmoid, ``-softplus(-x)``; the stable building block of BCE.

    .. math::

        f(x) = \log\sigma(x)

        f'(x) = \sigma(-x)

        \log\sigma(x) = \min(x,0) - \log(1+e^{-|x|})

    Why the rearrangement: log(sigmoid(x)) is -inf for x < -745, where the true value is
    about x.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.log_sigmoid([0.0, -1000.0])
    array([-6.93147181e-01, -1.00000000e+03])

    References
    ----------
    scipy.special.log_expit; torch.nn.LogSigmoid.
    """

    @staticmethod
    def value(x):
        return -m.softplus(-x)

    @staticmethod
    def grad(x):
        return m.sigmoid(-x)

    @staticmethod
    def grad2(x):
        return -m.sigmoid_grad(x)


@activation(range=(-np.inf, np.inf), zero_centered=True, max_grad=np.inf, params={"eps": None},
            kernel_variants={("eps", None): "logit"})  # the clamped form: NumPy only
class logit:
    r"""Logit, the inverse of the sigmoid: log(p / (1 - p)) on [0, 1].

    .. math::

        f(p) = \log\frac{p}{1-p}

        f'(p) = \frac{1}{p(1-p)}

        f''(p) = \frac{2p-1}{p^2(1-p)^2}

    logit(0) = -inf, logit(1) = inf; outside [0, 1] the result is NaN (as NumPy, SciPy and
    PyTorch).  Why two forms: on [1/4, 3/4] ``log1p((2p - 1) / (1 - p))`` (p / (1 - p) is
    near 1, where log loses digits), in the tails ``log(p) - log1p(-p)``.

    Parameters
    ----------
    p : array_like
        Probabilities; float16/32/64 and longdouble keep their dtype, integers and bool give
        float64.
    eps : float or None, default None
        Clamp p to [eps, 1 - eps] first, as torch.logit (the derivative is 0 where the
        clamp is active).

    Examples
    --------
    >>> import actlab as al
    >>> al.logit([0.5, 0.75])
    array([0.        , 1.09861229])
    >>> float(al.logit.grad(0.5))
    4.0

    References
    ----------
    scipy.special.logit; torch.logit.
    """

    @staticmethod
    def value(p, eps):
        if eps is not None:
            p = np.clip(p, eps, 1.0 - eps)
        inside, q = _in_unit_interval(p)
        with np.errstate(divide="ignore"):  # log(0) = -inf: logit(0), logit(1) are the limits
            mid = np.log1p((2.0 * q - 1.0) / (1.0 - q))
            tails = np.log(q) - np.log1p(-q)
        return np.where(inside, np.where((q >= 0.25) & (q <= 0.75), mid, tails), np.nan)

    @staticmethod
    def grad(p, eps):
        inside, q = _in_unit_interval(p)
        # 1/0 = inf at 0 and 1; 1/(p (1-p)) beyond the float range (p = 5e-324) is inf
        with np.errstate(divide="ignore", over="ignore"):
            g = np.where(inside, 1.0 / (q * (1.0 - q)), np.nan)
        if eps is not None:
            g = np.where((p < eps) | (p > 1.0 - eps), 0.0, g)
        return g

    @staticmethod
    def grad2(p, eps):
        inside, q = _in_unit_interval(p)
        with np.errstate(divide="ignore", over="ignore"):  # the limits +-inf at 0 and 1
            r = q * (1.0 - q)
            g = np.where(inside, (2.0 * q - 1.0) / (r * r), np.nan)
        if eps is not None:
            g = np.where((p < eps) | (p > 1.0 - eps), 0.0, g)
        return g


def _in_unit_interval(p):
    """``(inside, q)``: where 0 <= p <= 1, and p there (|p|: -0.0 is 0) or 1/2 elsewhere.

    The formulas see only q, so nothing outside [0, 1] (1e308: 2p - 1 overflows) warns; the
    caller returns NaN there.  |p| makes the slope at -0.0 the slope at 0, +inf.
    """
    inside = (p >= 0) & (p <= 1)
    return inside, np.where(inside, np.abs(p), 0.5)


def _tanh_grad(x):
    e = np.exp(-2.0 * np.minimum(np.abs(x), m.far(x)))
    d = 1.0 + e
    return np.minimum(4.0 * e / (d * d), 1.0)


@activation(range=(-1.0, 1.0), zero_centered=True, max_grad=1.0, kernel="tanh", saturating=True)
class tanh:
    r"""Hyperbolic tangent, zero-centred, squashes to (-1, 1).

    .. math::

        f(x) = \tanh x

        f'(x) = 1-\tanh^2 x

        1-\tanh^2 x = \frac{4e^{-2|x|}}{(1+e^{-2|x|})^2}, \qquad f''(x) = -2\tanh x\,(1-\tanh^2 x)

    Why the rearrangement: the slope is computed from exp(-2|x|) so it stays exact in the
    tails, where 1 - tanh^2 rounds to 0 (|x| > 19 in float64).

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.tanh([0.0, 1.0])
    array([0.        , 0.76159416])
    >>> float(al.tanh.grad(0.0))
    1.0

    References
    ----------
    LeCun et al., Efficient BackProp (1998).
    """

    value = staticmethod(np.tanh)
    grad = staticmethod(_tanh_grad)

    @staticmethod
    def grad2(x):
        return -2.0 * np.tanh(x) * _tanh_grad(x)


__test__ = {act.name: act.__doc__ for act in (sigmoid, log_sigmoid, logit, tanh)}
