"""Smooth rectifiers built on exp and log: elu, selu, softplus.

Kink convention: elu'(0) = alpha and selu'(0) = scale * alpha (the left derivative, as
PyTorch).

May import: NumPy, :mod:`actlab._math` and :mod:`actlab.activations.base`.
"""

from __future__ import annotations

import numpy as np

from ... import _math as m
from ..base import Activation, _doc, register

__all__ = ["elu", "selu", "softplus"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# --------------------------------------------------------------------------- elu / selu
def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def _elu_grad2(x, alpha=1.0):
    return np.where(x > 0, 0.0, alpha * np.exp(np.minimum(x, 0.0)))


elu = register(Activation(
    "elu", _elu, _elu_grad, _elu_grad2,
    doc=_doc("Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.",
             r"\begin{cases}x & x>0\\ \alpha(e^x-1) & x\le 0\end{cases}",
             r"\begin{cases}1 & x>0\\ \alpha e^x & x\le 0\end{cases}",
             "Uses expm1(min(x, 0)), exact near 0.  Kink convention: elu'(0) = alpha (PyTorch).",
             "    >>> import actlab as al\n    >>> al.elu([-1.0, 2.0])\n    array([-0.63212056,  2.        ])",
             "Clevert et al., ELU (2015)."),
    range=(-1.0, np.inf), zero_centered=False, max_grad=1.0, params={"alpha": 1.0},
    kernel="elu", kernel_params=("alpha",),
    formula=r"x\ (x>0),\ \alpha(e^x-1)", grad_formula=r"1\ (x>0),\ \alpha e^x",
))

selu = register(Activation(
    "selu", lambda x: SELU_SCALE * _elu(x, SELU_ALPHA), lambda x: SELU_SCALE * _elu_grad(x, SELU_ALPHA),
    lambda x: SELU_SCALE * _elu_grad2(x, SELU_ALPHA),
    doc=_doc("Scaled ELU with the self-normalising constants of Klambauer et al.",
             r"\lambda\,\mathrm{elu}_\alpha(x),\ \lambda=1.0507\ldots,\ \alpha=1.6733\ldots",
             r"\lambda\,\mathrm{elu}'_\alpha(x)",
             "Kink convention: selu'(0) = scale * alpha (as PyTorch).",
             "    >>> import actlab as al\n    >>> al.selu([1.0])\n    array([1.05070099])",
             "Klambauer et al., Self-Normalizing Neural Networks (2017)."),
    range=(-SELU_SCALE * SELU_ALPHA, np.inf), zero_centered=False, max_grad=SELU_SCALE * SELU_ALPHA,
    kernel="selu", formula=r"\lambda\,\mathrm{elu}_\alpha(x)", grad_formula=r"\lambda\,\mathrm{elu}'_\alpha(x)",
))


# --------------------------------------------------------------------------- softplus
def _softplus_check(beta, threshold):
    if beta == 0:
        raise ValueError("actlab.softplus: beta must be non-zero")


def _softplus(x, beta=1.0, threshold=20.0):
    with np.errstate(over="ignore"):
        z = beta * x
    return np.where(z > threshold, x, m.softplus(z) / beta)


def _softplus_grad(x, beta=1.0, threshold=20.0):
    with np.errstate(over="ignore"):
        z = beta * x
    return np.where(z > threshold, 1.0, m.sigmoid(z))


def _softplus_grad2(x, beta=1.0, threshold=20.0):
    with np.errstate(over="ignore"):
        z = beta * x
    return np.where(z > threshold, 0.0, beta * m.sigmoid_grad(z))


softplus = register(Activation(
    "softplus", _softplus, _softplus_grad, _softplus_grad2,
    doc=_doc("Softplus, a smooth ReLU: log(1 + exp(beta x)) / beta, linear above the threshold.",
             r"\frac{1}{\beta}\log(1+e^{\beta x})\ (\beta x \le t),\quad x\ (\beta x > t)",
             r"\sigma(\beta x)", "Defaults beta=1, threshold=20 as torch.nn.Softplus "
             "(``threshold=inf`` gives the pure smooth function).  Computed as "
             "max(z,0) + log1p(exp(-|z|)) so exp never overflows.",
             "    >>> import actlab as al\n    >>> al.softplus([0.0, 1000.0])\n    array([6.93147181e-01, 1.00000000e+03])",
             "Dugas et al. (2001); torch.nn.Softplus."),
    range=(0.0, np.inf), zero_centered=False, max_grad=1.0,
    params={"beta": 1.0, "threshold": 20.0}, kernel="softplus", kernel_params=("beta", "threshold"),
    validate=_softplus_check,
    formula=r"\log(1+e^{x})", grad_formula=r"\sigma(x)",
))
