"""Piecewise activations (linear or quadratic pieces joined at kinks): identity, step, relu,
leaky_relu, relu6, hard_sigmoid, hard_swish.

Kink convention (used everywhere in actlab): at a point where the function is not
differentiable, the derivative is the value PyTorch's autograd returns -- relu'(0) = 0,
leaky_relu'(0) = negative_slope, relu6'(0) = relu6'(6) = 0, hard_sigmoid'(+-3) = 0,
hard_swish'(-3) = 0 and hard_swish'(3) = 1; step'(x) = 0 everywhere (its distributional
derivative at 0 is a Dirac delta, which no array can hold).

On a piece where the function is constant (relu for x <= 0, ...) the vjp is 0 for any
``dy``, inf and NaN included, as torch's backward (``where(x > 0, dy, 0)``), not ``0 * inf``.
leaky_relu with ``negative_slope=0`` is relu there too (torch gives ``0 * inf = nan``).

May import: NumPy, :mod:`actlab._math`, :mod:`actlab.activations.define`.
"""

from __future__ import annotations

import numpy as np

from ... import _math as m
from ..define import activation

__all__ = ["identity", "step", "relu", "leaky_relu", "relu6", "hard_sigmoid", "hard_swish"]


def _zeros(x):
    return m.nanpass(x, np.zeros_like(x))


def _ones(x):
    return m.nanpass(x, np.ones_like(x))


# Where each function is constant by definition (the vjp is 0 there for any dy, inf and NaN
# included, as torch's backward); NaN inputs are on no piece and keep a NaN vjp.
def _flat_everywhere(x):
    return ~np.isnan(x)


def _flat_below_zero(x):
    return x <= 0


def _flat_below_zero_if_no_slope(x, negative_slope):
    return (x <= 0) & (negative_slope == 0.0)


def _flat_outside_0_6(x):
    return (x <= 0) | (x >= 6)


def _flat_outside_3(x):
    return (x <= -3) | (x >= 3)


def _flat_below_minus_3(x):
    return x <= -3


@activation(range=(-np.inf, np.inf), zero_centered=True, max_grad=1.0, aliases=("linear",))
class identity:
    """Identity (linear) activation, the output layer of regression.

    .. math::

        f(x) = x

        f'(x) = 1

    Used with MSE for regression heads.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.identity([1.5, -2.0])
    array([ 1.5, -2. ])

    References
    ----------
    Bishop, Pattern Recognition and Machine Learning, sec. 5.2.
    """

    @staticmethod
    def value(x):
        return x.copy()

    grad = staticmethod(_ones)
    grad2 = staticmethod(_zeros)


@activation(range=(0.0, 1.0), range_closed=(True, True), zero_centered=False, max_grad=0.0, smooth=False,
            kernel="step",
            flat=_flat_everywhere)
class step:
    r"""Heaviside step: 1 for x > 0, else 0 (step(0) = 0, as ``np.array(x > 0)``).

    .. math::

        f(x) = \mathbb{1}[x>0]

        f'(x) = 0

    The derivative is 0 everywhere (the Dirac delta at 0 is not representable), so a step
    network cannot be trained by gradient descent -- the original notes' reason for the
    sigmoid.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.step([-1.0, 0.0, 2.0])
    array([0., 0., 1.])
    >>> al.step.grad([-1.0, 0.0, 2.0])
    array([0., 0., 0.])

    References
    ----------
    Rosenblatt (1958), the perceptron.
    """

    @staticmethod
    def value(x):
        return m.nanpass(x, (x > 0).astype(x.dtype))

    grad = staticmethod(_zeros)
    grad2 = staticmethod(_zeros)


@activation(range=(0.0, np.inf), range_closed=(True, False), zero_centered=False, max_grad=1.0, smooth=False,
            kernel="relu",
            flat=_flat_below_zero)
class relu:
    r"""Rectified linear unit, max(x, 0).

    .. math::

        f(x) = \max(x,0)

        f'(x) = \mathbb{1}[x>0]

    Kink convention: relu'(0) = 0 (as PyTorch).  Units whose input stays negative get no
    gradient: they 'die'.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.relu([-1.0, 0.0, 2.0])
    array([0., 0., 2.])
    >>> al.relu.grad([-1.0, 0.0, 2.0])
    array([0., 0., 1.])

    References
    ----------
    Nair & Hinton (2010); Glorot et al. (2011).
    """

    @staticmethod
    def value(x):
        return np.maximum(x, 0.0)

    @staticmethod
    def grad(x):
        return m.nanpass(x, (x > 0).astype(x.dtype))

    grad2 = staticmethod(_zeros)


@activation(range=(-np.inf, np.inf), zero_centered=False, max_grad=1.0, smooth=False,
            params={"negative_slope": 0.01}, kernel="leaky_relu",
            flat=_flat_below_zero_if_no_slope)
class leaky_relu:
    r"""Leaky ReLU: x for x > 0, negative_slope * x otherwise (default slope 0.01).

    .. math::

        f(x) = \max(x, a x)

        f'(x) = \mathbb{1}[x>0] + a\,\mathbb{1}[x\le0]

    with :math:`a` = ``negative_slope`` (the max form holds for :math:`a \le 1`; the code
    branches on the sign of x).  Kink convention: leaky_relu'(0) = negative_slope (as
    PyTorch).  Never dies: the slope for negative inputs is a, not 0.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.
    negative_slope : float, default 0.01
        The slope a for x <= 0 (keyword).

    Examples
    --------
    >>> import actlab as al
    >>> al.leaky_relu([-2.0, 3.0])
    array([-0.02,  3.  ])
    >>> al.leaky_relu([-2.0], negative_slope=0.2)
    array([-0.4])

    References
    ----------
    Maas et al., Rectifier nonlinearities (2013).
    """

    @staticmethod
    def value(x, negative_slope):
        if negative_slope == 0.0:
            return np.maximum(x, 0.0)
        return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def grad(x, negative_slope):
        return m.nanpass(x, np.where(x > 0, 1.0, negative_slope))

    @staticmethod
    def grad2(x, negative_slope):
        return _zeros(x)


@activation(range=(0.0, 6.0), range_closed=(True, True), zero_centered=False, max_grad=1.0, smooth=False,
            kernel="relu6",
            flat=_flat_outside_0_6)
class relu6:
    r"""ReLU capped at 6: min(max(x, 0), 6).

    .. math::

        f(x) = \min(\max(x,0),6)

        f'(x) = \mathbb{1}[0<x<6]

    Kink convention: relu6'(0) = relu6'(6) = 0 (as PyTorch).

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.relu6([-1.0, 3.0, 9.0])
    array([0., 3., 6.])

    References
    ----------
    Krizhevsky (2010); MobileNet (Howard et al., 2017).
    """

    @staticmethod
    def value(x):
        return np.minimum(np.maximum(x, 0.0), 6.0)

    @staticmethod
    def grad(x):
        return m.nanpass(x, ((x > 0) & (x < 6)).astype(x.dtype))

    grad2 = staticmethod(_zeros)


@activation(range=(0.0, 1.0), range_closed=(True, True), zero_centered=False, max_grad=1.0 / 6.0, smooth=False,
            kernel="hard_sigmoid", saturating=True, flat=_flat_outside_3)
class hard_sigmoid:
    r"""Hard sigmoid: relu6(x + 3) / 6 (PyTorch's definition).

    .. math::

        f(x) = \mathrm{relu6}(x+3)/6

        f'(x) = \tfrac16\mathbb{1}[-3<x<3]

    Kink convention: 0 at x = +-3 (as PyTorch).

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.hard_sigmoid([-4.0, 0.0, 1.5])
    array([0.  , 0.5 , 0.75])

    References
    ----------
    torch.nn.Hardsigmoid; Howard et al., MobileNetV3 (2019).
    """

    @staticmethod
    def value(x):
        return np.clip(x + 3.0, 0.0, 6.0) / 6.0

    @staticmethod
    def grad(x):
        # 1/6 divided in x's dtype (a float64 1/6 is 5.6e-17 off in long double)
        return m.nanpass(x, ((x > -3) & (x < 3)).astype(x.dtype) / 6.0)

    grad2 = staticmethod(_zeros)


@activation(range=(-0.375, np.inf), range_closed=(True, False),  # the minimum, at x = -1.5
            zero_centered=False, max_grad=1.5,  # sup, not attained
            smooth=False, kernel="hard_swish", aliases=("hardswish",),
            flat=_flat_below_minus_3)
class hard_swish:
    r"""Hard swish: x * relu6(x + 3) / 6 (PyTorch's definition).

    .. math::

        f(x) = x\,\mathrm{relu6}(x+3)/6

        f'(x) = x/3+1/2\ (|x|\le3)

        f''(x) = \tfrac13\mathbb{1}[-3<x<3]

    Outside [-3, 3] the slope is 0 (x < -3) and 1 (x > 3).  Kink convention as PyTorch:
    f'(-3) = 0, f'(3) = 1.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.hard_swish([-4.0, 1.0, 4.0])
    array([0.        , 0.66666667, 4.        ])
    >>> al.hard_swish.grad([-3.0, 0.0, 3.0])
    array([0. , 0.5, 1. ])

    References
    ----------
    torch.nn.Hardswish; Howard et al., MobileNetV3 (2019).
    """

    @staticmethod
    def value(x):
        xc = np.clip(x, -4.0, 4.0)  # the clip keeps xc * (xc + 3) finite for any x
        return np.where(x <= -3, 0.0, np.where(x >= 3, x, xc * (xc + 3.0) / 6.0))

    @staticmethod
    def grad(x):
        xc = np.clip(x, -4.0, 4.0)
        # (2x + 3) / 6, not x/3 + 1/2: that cancels near x = -3/2 (43 ULP)
        return m.nanpass(x, np.where(x <= -3, 0.0, np.where(x < 3, (2.0 * xc + 3.0) / 6.0, 1.0)))

    @staticmethod
    def grad2(x):
        return m.nanpass(x, np.where((x > -3) & (x < 3), 1.0 / 3.0, 0.0))


__test__ = {act.name: act.__doc__ for act in
            (identity, step, relu, leaky_relu, relu6, hard_sigmoid, hard_swish)}
