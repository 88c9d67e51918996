"""Sigmoid-shaped activations: sigmoid, log_sigmoid, its inverse logit, and tanh.

May import: NumPy, :mod:`actlab._math` and :mod:`actlab.activations.base`.
"""

from __future__ import annotations

import numpy as np

from ... import _math as m
from ..base import Activation, _doc, register

__all__ = ["sigmoid", "log_sigmoid", "logit", "tanh"]


# --------------------------------------------------------------------------- sigmoid
sigmoid = register(Activation(
    "sigmoid", m.sigmoid, m.sigmoid_grad, m.sigmoid_grad2,
    doc=_doc("Logistic sigmoid, squashes to (0, 1).",
             r"\sigma(x) = \frac{1}{1+e^{-x}}",
             r"\sigma(x)\,\sigma(-x), \quad f''(x) = \sigma(x)\sigma(-x)(\sigma(-x)-\sigma(x))",
             "The slope peaks at 0.25 (x = 0); it is computed as sigma(x)*sigma(-x), never "
             "sigma*(1-sigma), which rounds to 0 for x > 37 (float64) where the true slope "
             "is exp(-x).  Stable form: exp only sees -|x|.",
             "    >>> import actlab as al\n    >>> al.sigmoid([1.0, -2.0, 3.0, -4.0])\n"
             "    array([0.73105858, 0.11920292, 0.95257413, 0.01798621])\n"
             "    >>> float(al.sigmoid.grad(0.0))\n    0.25\n"
             "    >>> float(al.sigmoid.grad(40.0))  # ~ exp(-40), not 0\n    4.248354255291589e-18",
             "scipy.special.expit; Goodfellow et al., Deep Learning, sec. 6.3.2."),
    range=(0.0, 1.0), zero_centered=False, max_grad=0.25, kernel="sigmoid", saturating=True,
    formula=r"\sigma(x)=\frac{1}{1+e^{-x}}", grad_formula=r"\sigma(x)\,\sigma(-x)",
))

# --------------------------------------------------------------------------- log_sigmoid
log_sigmoid = register(Activation(
    "log_sigmoid", lambda x: -m.softplus(-x), lambda x: m.sigmoid(-x), lambda x: -m.sigmoid_grad(x),
    doc=_doc("Log of the sigmoid, ``-softplus(-x)``; the stable building block of BCE.",
             r"\log\sigma(x) = \min(x,0) - \log(1+e^{-|x|})", r"\sigma(-x)",
             "Never computed as log(sigmoid(x)), which is -inf for x < -745.",
             "    >>> import actlab as al\n    >>> al.log_sigmoid([0.0, -1000.0])\n    array([-6.93147181e-01, -1.00000000e+03])",
             "scipy.special.log_expit; torch.nn.LogSigmoid."),
    range=(-np.inf, 0.0), zero_centered=False, max_grad=1.0, kernel="log_sigmoid",
    formula=r"\log\sigma(x)", grad_formula=r"\sigma(-x)",
))


# --------------------------------------------------------------------------- logit
def _logit(p, eps=None):
    if eps is not None:
        p = np.clip(p, eps, 1.0 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        mid = np.log1p((2.0 * p - 1.0) / (1.0 - p))
        tails = np.log(p) - np.log1p(-p)
    return np.where((p >= 0.25) & (p <= 0.75), mid, tails)


def _logit_grad(p, eps=None):
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 1.0 / (p * (1.0 - p))
        g = np.where((p < 0) | (p > 1), np.nan, g)
    if eps is not None:
        g = np.where((p < eps) | (p > 1.0 - eps), 0.0, g)
    return g


def _logit_grad2(p, eps=None):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = p * (1.0 - p)
        g = (2.0 * p - 1.0) / (q * q)
        g = np.where((p < 0) | (p > 1), np.nan, g)
    if eps is not None:
        g = np.where((p < eps) | (p > 1.0 - eps), 0.0, g)
    return g


logit = register(Activation(
    "logit", _logit, _logit_grad, _logit_grad2,
    doc=_doc("Logit, the inverse of the sigmoid: log(p / (1 - p)) on [0, 1].",
             r"\log\frac{p}{1-p}", r"\frac{1}{p(1-p)}",
             "logit(0) = -inf, logit(1) = inf; outside [0, 1] the result is NaN (as NumPy, "
             "SciPy and PyTorch).  ``eps`` clamps p to [eps, 1-eps] first, as torch.logit.",
             "    >>> import actlab as al\n    >>> al.logit([0.5, 0.75])\n    array([0.        , 1.09861229])",
             "scipy.special.logit; torch.logit."),
    range=(-np.inf, np.inf), zero_centered=True, max_grad=np.inf, params={"eps": None},
    formula=r"\log\frac{p}{1-p}", grad_formula=r"\frac{1}{p(1-p)}",
))


# --------------------------------------------------------------------------- tanh
def _tanh_grad(x):
    e = np.exp(-2.0 * np.minimum(np.abs(x), 1e3))
    d = 1.0 + e
    return np.minimum(4.0 * e / (d * d), 1.0)


tanh = register(Activation(
    "tanh", np.tanh, _tanh_grad, lambda x: -2.0 * np.tanh(x) * _tanh_grad(x),
    doc=_doc("Hyperbolic tangent, zero-centred, squashes to (-1, 1).",
             r"\tanh x", r"1-\tanh^2 x = \frac{4e^{-2|x|}}{(1+e^{-2|x|})^2}",
             "The slope is computed from exp(-2|x|) so it stays exact in the tails, where "
             "1 - tanh^2 rounds to 0 (|x| > 19 in float64).",
             "    >>> import actlab as al\n    >>> al.tanh([0.0, 1.0])\n    array([0.        , 0.76159416])\n"
             "    >>> float(al.tanh.grad(0.0))\n    1.0",
             "LeCun et al., Efficient BackProp (1998)."),
    range=(-1.0, 1.0), zero_centered=True, max_grad=1.0, kernel="tanh", saturating=True,
    formula=r"\tanh x", grad_formula=r"1-\tanh^2 x",
))
