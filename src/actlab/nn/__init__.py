"""From-scratch neural-network kit: layers with ``forward``/``backward``, losses,
optimizers, gradient checking and save/load -- numerically equal to PyTorch.

>>> import numpy as np
>>> from actlab import nn
>>> layer = nn.Sigmoid()
>>> layer.forward(np.array([1.0, -2.0]))
array([0.73105858, 0.11920292])
>>> layer.backward(np.ones(2))
array([0.19661193, 0.10499359])

May import: its own submodules (public re-exports only).
"""

from __future__ import annotations

from . import init, optim
from .activation_layers import (
    ELU,
    GELU,
    GLU,
    SELU,
    Activation,
    Hardsigmoid,
    Hardswish,
    Identity,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Step,
    Tanh,
    activation_layer,
)
from .gradcheck import GradcheckReport, gradcheck
from .io import load, save
from .layers import Dropout, Flatten, Linear, Sequential
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss, MSELoss, NLLLoss
from .module import Module
from .recurrent import GRU, LSTM, GRUCell, LSTMCell

__all__ = [
    "Module", "Activation", "activation_layer",
    "Identity", "Step", "Sigmoid", "LogSigmoid", "Tanh", "ReLU", "LeakyReLU", "ReLU6", "ELU",
    "SELU", "GELU", "SiLU", "Mish", "Softplus", "Hardsigmoid", "Hardswish", "Softmax",
    "LogSoftmax", "GLU",
    "Linear", "Sequential", "Dropout", "Flatten", "LSTM", "GRU", "LSTMCell", "GRUCell",
    "Loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
    "init", "optim", "gradcheck", "GradcheckReport", "save", "load",
]
