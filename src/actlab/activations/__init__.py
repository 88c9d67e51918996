"""Every activation of actlab: the objects, their formulas and the registry.

* :mod:`.base` -- the :class:`Activation` / :class:`AxisActivation` objects, the dtype
  policy (:func:`as_float_array`) and the registry (:func:`get`, :func:`available`);
* :mod:`.elementwise` -- the elementwise functions (sigmoid, tanh, relu, ...), one NumPy
  formula per value and derivative, the reference of the compiled kernels, in one module per
  family (:mod:`.elementwise.piecewise`, :mod:`.elementwise.sigmoids`,
  :mod:`.elementwise.smooth`, :mod:`.elementwise.gated`);
* :mod:`.axis` -- the functions along an axis (softmax, log_softmax, logsumexp, glu);
* :mod:`.define` -- how an activation is written: a small class whose docstring is the
  documentation and the one source of the LaTeX metadata (:func:`activation`,
  :func:`axis_activation`).

May import: NumPy, :mod:`actlab._math` and (lazily) :mod:`actlab._kernels`; nothing else of
actlab.
"""

from __future__ import annotations

from .axis import glu, log_softmax, logsumexp, softmax
from .base import Activation, AxisActivation, as_float_array, available, get, register
from .define import activation, axis_activation
from .elementwise import (
    elu,
    gelu,
    hard_sigmoid,
    hard_swish,
    identity,
    leaky_relu,
    log_sigmoid,
    logit,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softplus,
    step,
    tanh,
)

__all__ = [
    "Activation", "AxisActivation", "activation", "as_float_array", "available", "axis_activation",
    "get", "register",
    "identity", "step", "sigmoid", "log_sigmoid", "logit", "tanh", "relu", "leaky_relu",
    "relu6", "elu", "selu", "gelu", "silu", "mish", "softplus", "hard_sigmoid", "hard_swish",
    "softmax", "log_softmax", "logsumexp", "glu",
]
