"""Piecewise-linear activations: identity, step, relu, leaky_relu, relu6, hard_sigmoid, hard_swish.

Kink convention (used everywhere in actlab): at a point where the function is not
differentiable, the derivative is the value PyTorch's autograd returns -- relu'(0) = 0,
leaky_relu'(0) = negative_slope, relu6'(0) = relu6'(6) = 0, hard_sigmoid'(+-3) = 0,
hard_swish'(-3) = 0 and hard_swish'(3) = 1; step'(x) = 0 everywhere (its distributional
derivative at 0 is a Dirac delta, which no array can hold).

May import: NumPy, :mod:`actlab._math` and :mod:`actlab.activations.base`.
"""

from __future__ import annotations

import numpy as np

from ... import _math as m
from ..base import Activation, _doc, register

__all__ = ["identity", "step", "relu", "leaky_relu", "relu6", "hard_sigmoid", "hard_swish"]


def _zeros(x):
    return m.nanpass(x, np.zeros_like(x))


def _ones(x):
    return m.nanpass(x, np.ones_like(x))


# --------------------------------------------------------------------------- identity
identity = register(Activation(
    "identity", lambda x: x.copy(), _ones, _zeros,
    doc=_doc("Identity (linear) activation, the output layer of regression.", "x", "1",
             "Used with MSE for regression heads.",
             "    >>> import actlab as al\n    >>> al.identity([1.5, -2.0])\n    array([ 1.5, -2. ])",
             "Bishop, Pattern Recognition and Machine Learning, sec. 5.2."),
    range=(-np.inf, np.inf), zero_centered=True, max_grad=1.0, formula="x", grad_formula="1",
), aliases=("linear",))

# --------------------------------------------------------------------------- step
step = register(Activation(
    "step", lambda x: m.nanpass(x, (x > 0).astype(np.float64)), _zeros, _zeros,
    doc=_doc("Heaviside step: 1 for x > 0, else 0 (step(0) = 0, as ``np.array(x > 0)``).",
             r"\begin{cases}1 & x>0\\0 & x\le 0\end{cases}", "0",
             "The derivative is 0 everywhere (the Dirac delta at 0 is not representable), so "
             "a step network cannot be trained by gradient descent -- the seeds' reason for "
             "the sigmoid.",
             "    >>> import actlab as al\n    >>> al.step([-1.0, 0.0, 2.0])\n    array([0., 0., 1.])",
             "Rosenblatt (1958), the perceptron."),
    range=(0.0, 1.0), zero_centered=False, max_grad=0.0, smooth=False, kernel="step",
    formula=r"\mathbb{1}[x>0]", grad_formula="0",
))

# --------------------------------------------------------------------------- relu family
relu = register(Activation(
    "relu", lambda x: np.maximum(x, 0.0), lambda x: m.nanpass(x, (x > 0).astype(np.float64)), _zeros,
    doc=_doc("Rectified linear unit, max(x, 0).", r"\max(x, 0)",
             r"\begin{cases}1 & x>0\\0 & x\le 0\end{cases}",
             "Kink convention: relu'(0) = 0 (as PyTorch).  Units whose input stays negative get "
             "no gradient: they 'die'.",
             "    >>> import actlab as al\n    >>> al.relu([-1.0, 0.0, 2.0])\n    array([0., 0., 2.])\n"
             "    >>> al.relu.grad([-1.0, 0.0, 2.0])\n    array([0., 0., 1.])",
             "Nair & Hinton (2010); Glorot et al. (2011)."),
    range=(0.0, np.inf), zero_centered=False, max_grad=1.0, smooth=False, kernel="relu",
    formula=r"\max(x,0)", grad_formula=r"\mathbb{1}[x>0]",
))


def _leaky(x, negative_slope=0.01):
    if negative_slope == 0.0:
        return np.maximum(x, 0.0)
    return np.where(x > 0, x, x * negative_slope)


leaky_relu = register(Activation(
    "leaky_relu", _leaky,
    lambda x, negative_slope=0.01: m.nanpass(x, np.where(x > 0, 1.0, negative_slope)),
    lambda x, negative_slope=0.01: _zeros(x),
    doc=_doc("Leaky ReLU: x for x > 0, negative_slope * x otherwise (default slope 0.01).",
             r"\begin{cases}x & x>0\\ a x & x\le 0\end{cases}",
             r"\begin{cases}1 & x>0\\ a & x\le 0\end{cases}",
             "Kink convention: leaky_relu'(0) = negative_slope (as PyTorch).  Never dies: the "
             "slope for negative inputs is a, not 0.",
             "    >>> import actlab as al\n    >>> al.leaky_relu([-2.0, 3.0])\n    array([-0.02,  3.  ])\n"
             "    >>> al.leaky_relu([-2.0], negative_slope=0.2)\n    array([-0.4])",
             "Maas et al., Rectifier nonlinearities (2013)."),
    range=(-np.inf, np.inf), zero_centered=False, max_grad=1.0, smooth=False,
    params={"negative_slope": 0.01}, kernel="leaky_relu", kernel_params=("negative_slope",),
    formula=r"\max(x, a x)", grad_formula=r"\mathbb{1}[x>0] + a\,\mathbb{1}[x\le0]",
))

relu6 = register(Activation(
    "relu6", lambda x: np.minimum(np.maximum(x, 0.0), 6.0),
    lambda x: m.nanpass(x, ((x > 0) & (x < 6)).astype(np.float64)), _zeros,
    doc=_doc("ReLU capped at 6: min(max(x, 0), 6).", r"\min(\max(x,0),6)",
             r"\mathbb{1}[0<x<6]", "Kink convention: relu6'(0) = relu6'(6) = 0 (as PyTorch).",
             "    >>> import actlab as al\n    >>> al.relu6([-1.0, 3.0, 9.0])\n    array([0., 3., 6.])",
             "Krizhevsky (2010); MobileNet (Howard et al., 2017)."),
    range=(0.0, 6.0), zero_centered=False, max_grad=1.0, smooth=False, kernel="relu6",
    formula=r"\min(\max(x,0),6)", grad_formula=r"\mathbb{1}[0<x<6]",
))


# --------------------------------------------------------------------------- hard variants
hard_sigmoid = register(Activation(
    "hard_sigmoid", lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    lambda x: m.nanpass(x, np.where((x > -3) & (x < 3), 1.0 / 6.0, 0.0)), _zeros,
    doc=_doc("Hard sigmoid: relu6(x + 3) / 6 (PyTorch's definition).", r"\frac{\mathrm{relu6}(x+3)}{6}",
             r"\tfrac16\,\mathbb{1}[-3<x<3]", "Kink convention: 0 at x = +-3 (as PyTorch).",
             "    >>> import actlab as al\n    >>> al.hard_sigmoid([-4.0, 0.0, 1.5])\n    array([0.  , 0.5 , 0.75])",
             "torch.nn.Hardsigmoid; Howard et al., MobileNetV3 (2019)."),
    range=(0.0, 1.0), zero_centered=False, max_grad=1.0 / 6.0, smooth=False, kernel="hard_sigmoid",
    saturating=True, formula=r"\mathrm{relu6}(x+3)/6", grad_formula=r"\tfrac16\mathbb{1}[-3<x<3]",
))


def _hswish(x):
    xc = np.clip(x, -4.0, 4.0)
    return np.where(x <= -3, 0.0, np.where(x >= 3, x, xc * (xc + 3.0) / 6.0))


def _hswish_grad(x):
    xc = np.clip(x, -4.0, 4.0)
    return m.nanpass(x, np.where(x <= -3, 0.0, np.where(x < 3, xc / 3.0 + 0.5, 1.0)))


hard_swish = register(Activation(
    "hard_swish", _hswish, _hswish_grad,
    lambda x: m.nanpass(x, np.where((x > -3) & (x < 3), 1.0 / 3.0, 0.0)),
    doc=_doc("Hard swish: x * relu6(x + 3) / 6 (PyTorch's definition).", r"x\,\frac{\mathrm{relu6}(x+3)}{6}",
             r"\begin{cases}0 & x\le-3\\ x/3+1/2 & -3<x<3\\ 1 & x\ge 3\end{cases}",
             "Kink convention as PyTorch: f'(-3) = 0, f'(3) = 1.",
             "    >>> import actlab as al\n    >>> al.hard_swish([-4.0, 1.0, 4.0])\n    array([0.        , 0.66666667, 4.        ])",
             "torch.nn.Hardswish; Howard et al., MobileNetV3 (2019)."),
    range=(-0.375, np.inf), zero_centered=False, max_grad=1.5, smooth=False, kernel="hard_swish",  # sup, not attained
    formula=r"x\,\mathrm{relu6}(x+3)/6", grad_formula=r"x/3+1/2\ (|x|\le3)",
), aliases=("hardswish",))
