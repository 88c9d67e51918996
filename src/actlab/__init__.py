"""actlab: activation functions done right -- exact values and derivatives, fast ufuncs,
from-scratch layers, models and analysis.

>>> import actlab as al
>>> al.sigmoid([1.0, -2.0, 3.0, -4.0])
array([0.73105858, 0.11920292, 0.95257413, 0.01798621])
>>> al.get("swish") is al.silu
True

May import: :mod:`actlab._kernels` and :mod:`actlab.activations` (public re-exports only;
``import actlab`` stays light: no SciPy, scikit-learn, matplotlib or torch).
"""

from __future__ import annotations

from ._kernels import get_num_threads, set_num_threads
from .activations import (
    Activation,
    AxisActivation,
    available,
    elu,
    gelu,
    get,
    glu,
    hard_sigmoid,
    hard_swish,
    identity,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    logit,
    logsumexp,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    step,
    tanh,
)

swish = silu

__version__ = "0.1.0"

__all__ = [
    "Activation", "AxisActivation", "available", "get", "set_num_threads", "get_num_threads",
    "identity", "step", "sigmoid", "log_sigmoid", "logit", "tanh", "relu", "leaky_relu", "relu6",
    "elu", "selu", "gelu", "silu", "swish", "mish", "softplus", "hard_sigmoid", "hard_swish",
    "softmax", "log_softmax", "logsumexp", "glu",
]

