"""Elementwise activation functions: value, first and second derivative, one place each.

Every object here is an :class:`~actlab.activations.base.Activation`; ``act(x)``, ``act.grad(x)``,
``act.grad2(x)``, ``act.vjp(x, dy)``.  Formulas are written in float64 NumPy and are the
reference for the compiled kernels.  Each is written as a small class whose docstring is
its documentation and the source of its LaTeX (:mod:`actlab.activations.define`).  They
live by family:

* :mod:`.piecewise` -- identity, step, relu, leaky_relu, relu6, hard_sigmoid, hard_swish
  (and the kink convention);
* :mod:`.sigmoids` -- sigmoid, log_sigmoid, logit, tanh;
* :mod:`.smooth` -- elu, selu, softplus;
* :mod:`.gated` -- silu, mish, gelu (x times a gate).

The axis functions (softmax, log_softmax, logsumexp, glu) live in
:mod:`actlab.activations.axis`.

May import: its family modules only.
"""

from __future__ import annotations

from .gated import gelu, mish, silu
from .piecewise import hard_sigmoid, hard_swish, identity, leaky_relu, relu, relu6, step
from .sigmoids import log_sigmoid, logit, sigmoid, tanh
from .smooth import elu, selu, softplus

__all__ = [
    "identity", "step", "sigmoid", "log_sigmoid", "logit", "tanh", "relu", "leaky_relu",
    "relu6", "elu", "selu", "gelu", "silu", "mish", "softplus", "hard_sigmoid", "hard_swish",
]
