"""Activation layers, named as PyTorch names them.

Every layer is a thin wrapper around one activation object of the core
(:func:`actlab.get`): ``forward`` evaluates it and caches the input, ``backward`` calls the
core's ``vjp``.  No formula is written here (one formula, one place).  Axis activations
whose vjp is computed from the output (the core's ``vjp_from_output``: softmax,
log_softmax) cache their *output* too and pass it to the core ``vjp`` as ``y=``, so the
forward pass is never recomputed.

The derivative at a kink is the core's documented one-sided value (``relu'(0) = 0``).
:class:`Step` has a zero derivative everywhere: its Dirac delta at 0 is not representable,
so a network of steps cannot be trained by gradient descent.

>>> import numpy as np
>>> from actlab import nn
>>> layer = nn.Sigmoid()
>>> layer.forward(np.array([0.0, 2.0]))
array([0.5       , 0.88079708])
>>> layer.backward(np.ones(2))
array([0.25      , 0.10499359])

May import: NumPy, :mod:`actlab.activations` and :mod:`actlab.nn.module`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations.base import Activation as _CoreActivation
from ..activations.base import AxisActivation as _CoreAxisActivation
from ..activations.base import get as _get
from .module import Module

__all__ = [
    "Activation", "activation_layer",
    "Identity", "Step", "Sigmoid", "LogSigmoid", "Tanh", "ReLU", "LeakyReLU", "ReLU6", "ELU",
    "SELU", "GELU", "SiLU", "Mish", "Softplus", "Hardsigmoid", "Hardswish", "Softmax",
    "LogSoftmax", "GLU",
]

_PROBE = np.zeros(1, dtype=np.float16)  # float16 takes the NumPy path, which validates params


class Activation(Module):
    """A layer from any activation of the registry: ``Activation("leaky_relu", negative_slope=0.2)``.

    Elementwise activations take their keyword parameters (torch's defaults); axis
    activations (softmax, log_softmax, logsumexp, glu) take ``dim`` (alias ``axis``,
    default -1).  Unknown names or parameters raise at construction.

    Parameters
    ----------
    name : str
        Registry name or alias (``actlab.available(include_aliases=True)``).
    **params
        Parameters of the activation.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Activation("leaky_relu", negative_slope=0.1)
    >>> layer(np.array([-2.0, 3.0]))
    array([-0.2,  3. ])
    >>> layer.backward(np.array([1.0, 1.0]))
    array([0.1, 1. ])
    """

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__()
        act = _get(name)
        self._act = act
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None
        if isinstance(act, _CoreAxisActivation):
            if "axis" in params and "dim" in params:
                raise TypeError(f"{type(self).__name__}: give dim or axis, not both")
            dim = params.pop("dim", params.pop("axis", -1))
            if params:
                raise TypeError(f"{type(self).__name__}: unexpected parameter(s) {sorted(params)}; allowed: dim")
            if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
                raise TypeError(f"{type(self).__name__}: dim must be an int, got {dim!r}")
            self.dim = int(dim)
            self._kw: dict[str, Any] = {}
        else:
            act(_PROBE, **params)  # raises TypeError/ValueError for bad parameters now, not later
            self._kw = dict(params)

    @property
    def activation(self) -> _CoreActivation | _CoreAxisActivation:
        """The core activation object this layer wraps."""
        return self._act

    @property
    def activation_kwargs(self) -> dict[str, Any]:
        """The keyword parameters the activation is called with (a copy; empty for axis
        activations, whose axis is :attr:`dim`)."""
        return dict(self._kw)

    @property
    def is_axis(self) -> bool:
        """Whether the activation acts along an axis (softmax-like)."""
        return isinstance(self._act, _CoreAxisActivation)

    def forward(self, x: Any) -> np.ndarray:
        """Apply the activation; caches the input (and the output where the vjp uses it)."""
        if self.is_axis:
            y = self._act(x, self.dim)
            self._x, self._y = np.asarray(x), (y if self._act.vjp_from_output else None)
            return y
        self._x = np.asarray(x)
        return self._act(self._x, **self._kw)

    def backward(self, dout: Any) -> np.ndarray:
        """d input = the core ``vjp`` of the cached forward pass (``dout`` is not modified)."""
        self._need_cache("_x")
        if self.is_axis:
            return self._act.vjp(self._x, dout, self.dim, y=self._y)
        return self._act.vjp(self._x, dout, **self._kw)

    def extra_repr(self) -> str:
        if type(self) is Activation:
            args = [repr(self._act.name)] + [f"{k}={v!r}" for k, v in self._kw.items()]
            if self.is_axis:
                args.append(f"dim={self.dim}")
            return ", ".join(args)
        if self.is_axis:
            return f"dim={self.dim}"
        return ", ".join(f"{k}={v!r}" for k, v in self._kw.items())


class Identity(Activation):
    """``y = x``; gradient 1 (``torch.nn.Identity``)."""

    def __init__(self) -> None:
        super().__init__("identity")


class Step(Activation):
    """Heaviside step ``1[x > 0]``: forward only -- the gradient is 0 everywhere.

    The Dirac delta at 0 is not representable, so ``backward`` returns zeros (the
    perceptron cannot be trained by backpropagation; that is the point of the sigmoid).
    """

    def __init__(self) -> None:
        super().__init__("step")


class Sigmoid(Activation):
    """Logistic sigmoid (``torch.nn.Sigmoid``); gradient ``σ(x)σ(−x)`` from the core."""

    def __init__(self) -> None:
        super().__init__("sigmoid")


class LogSigmoid(Activation):
    """``log σ(x) = −softplus(−x)`` (``torch.nn.LogSigmoid``)."""

    def __init__(self) -> None:
        super().__init__("log_sigmoid")


class Tanh(Activation):
    """Hyperbolic tangent (``torch.nn.Tanh``)."""

    def __init__(self) -> None:
        super().__init__("tanh")


class ReLU(Activation):
    """``max(0, x)``, ``relu'(0) = 0`` (``torch.nn.ReLU``)."""

    def __init__(self) -> None:
        super().__init__("relu")


class LeakyReLU(Activation):
    """``x`` for ``x > 0``, else ``negative_slope * x`` (``torch.nn.LeakyReLU``)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__("leaky_relu", negative_slope=negative_slope)


class ReLU6(Activation):
    """``min(max(0, x), 6)`` (``torch.nn.ReLU6``)."""

    def __init__(self) -> None:
        super().__init__("relu6")


class ELU(Activation):
    """``x`` for ``x > 0``, else ``alpha * expm1(x)`` (``torch.nn.ELU``)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__("elu", alpha=alpha)


class SELU(Activation):
    """Scaled ELU with the self-normalising constants (``torch.nn.SELU``)."""

    def __init__(self) -> None:
        super().__init__("selu")


class GELU(Activation):
    """``x Φ(x)``; ``approximate="tanh"`` for the tanh form (``torch.nn.GELU``)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__("gelu", approximate=approximate)


class SiLU(Activation):
    """``x σ(x)``, a.k.a. swish (``torch.nn.SiLU``)."""

    def __init__(self) -> None:
        super().__init__("silu")


class Mish(Activation):
    """``x tanh(softplus(x))`` (``torch.nn.Mish``)."""

    def __init__(self) -> None:
        super().__init__("mish")


class Softplus(Activation):
    """``log(1 + exp(beta x)) / beta`` (``torch.nn.Softplus``), exact by default.

    A deliberate difference from torch: ``threshold=None`` (the default) is the true function
    everywhere; a number t is torch's cutoff (x where ``beta x > t``; torch's default is 20),
    for bit parity with torch.
    """

    def __init__(self, beta: float = 1.0, threshold: float | None = None) -> None:
        super().__init__("softplus", beta=beta, threshold=threshold)


class Hardsigmoid(Activation):
    """``relu6(x + 3) / 6`` (``torch.nn.Hardsigmoid``)."""

    def __init__(self) -> None:
        super().__init__("hard_sigmoid")


class Hardswish(Activation):
    """``x relu6(x + 3) / 6`` (``torch.nn.Hardswish``)."""

    def __init__(self) -> None:
        super().__init__("hard_swish")


class Softmax(Activation):
    """Softmax along ``dim`` (default -1; ``torch.nn.Softmax``).  Caches its output."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__("softmax", dim=dim)


class LogSoftmax(Activation):
    """Log-softmax along ``dim`` (default -1; ``torch.nn.LogSoftmax``).  Caches its output."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__("log_softmax", dim=dim)


class GLU(Activation):
    """Gated linear unit ``a σ(b)`` over the two halves of ``dim`` (``torch.nn.GLU``)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__("glu", dim=dim)


_BY_NAME: dict[str, type[Activation]] = {
    "identity": Identity, "step": Step, "sigmoid": Sigmoid, "log_sigmoid": LogSigmoid,
    "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "relu6": ReLU6, "elu": ELU,
    "selu": SELU, "gelu": GELU, "silu": SiLU, "mish": Mish, "softplus": Softplus,
    "hard_sigmoid": Hardsigmoid, "hard_swish": Hardswish, "softmax": Softmax,
    "log_softmax": LogSoftmax, "glu": GLU,
}


def activation_layer(name: str, **params: Any) -> Activation:
    """Build the layer for a registry name: the torch-named class where there is one.

    Parameters
    ----------
    name : str
        Activation name or alias (``"relu"``, ``"swish"``, ``"logit"``...).
    **params
        Its parameters (``dim``/``axis`` for softmax-like activations).

    Returns
    -------
    Activation
        E.g. ``activation_layer("swish")`` is a :class:`SiLU`; names without a torch class
        (``"logit"``, ``"logsumexp"``) give a generic :class:`Activation`.

    Examples
    --------
    >>> activation_layer("swish")
    SiLU()
    >>> activation_layer("leaky_relu", negative_slope=0.2)
    LeakyReLU(negative_slope=0.2)
    """
    act = _get(name)
    cls = _BY_NAME.get(act.name)
    if cls is None:
        return Activation(act.name, **params)
    if "axis" in params and isinstance(act, _CoreAxisActivation):
        if "dim" in params:
            raise TypeError(f"activation_layer({name!r}): give dim or axis, not both")
        params = dict(params)
        params["dim"] = params.pop("axis")
    return cls(**params)
