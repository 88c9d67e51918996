"""Linear, Sequential, Dropout and Flatten: the layers with weights or structure (activation
layers live in :mod:`actlab.nn.activation_layers`, recurrent ones in :mod:`actlab.nn.recurrent`).

>>> import numpy as np
>>> from actlab import nn
>>> net = nn.Sequential(nn.Linear(4, 8, rng=np.random.default_rng(0)), nn.ReLU(), nn.Linear(8, 1, rng=np.random.default_rng(1)))
>>> net.forward(np.ones((2, 4))).shape
(2, 1)
>>> sorted(net.params)
['0.bias', '0.weight', '2.bias', '2.weight']

May import: NumPy, :mod:`actlab._checks`, :mod:`actlab.nn.init` and :mod:`actlab.nn.module`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from .._checks import check_rng, float_input
from . import init as _init
from .module import Module

__all__ = ["Linear", "Sequential", "Dropout", "Flatten"]

_INITS: dict[str, Callable[..., np.ndarray]] = {
    "xavier_uniform": _init.xavier_uniform,
    "xavier_normal": _init.xavier_normal,
    "kaiming_uniform": _init.kaiming_uniform,
    "kaiming_normal": _init.kaiming_normal,
}


class Linear(Module):
    r"""Affine layer ``y = x W^T + b`` over the last axis (``torch.nn.Linear``).

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the last axis of the input and of the output.
    bias : bool
        Whether to learn ``params["bias"]`` of shape ``(out_features,)``.
    rng : numpy.random.Generator, optional
        Source of the initial weights (a fresh unseeded generator when omitted).
    init : str or callable
        ``"default"`` (torch's: weight and bias U(±1/√in)); ``"xavier_uniform"``,
        ``"xavier_normal"``, ``"kaiming_uniform"``, ``"kaiming_normal"`` (weight by that scheme
        with its defaults, bias zero); or ``f(shape, rng) -> array`` for the weight (bias zero).
    dtype : numpy dtype
        Parameter dtype (float64 by default).
    input_grad : bool
        Whether ``backward`` returns the input gradient ``dout W``; ``False`` for a first
        layer fed with data (nobody reads that gradient), which saves a matmul as large as
        the forward one -- ``backward`` then returns ``None``.

    Notes
    -----
    Input ``(..., in)`` → output ``(..., out)``.  ``backward`` accumulates
    ``dW += dout^T x`` and ``db += Σ dout`` over all leading axes and returns ``dout W``.

    A 2-D input stored feature-major (Fortran order: ``x.T`` is C-contiguous, each feature a
    contiguous row of samples) gives an output stored the same way, computed as
    ``W x^T`` into an ``(out, n)`` C array.  For few outputs that is the faster layout all
    through: the matmul, the bias gradient and the reductions over the outputs (a softmax
    over classes) then run along rows of ``n`` contiguous samples.  Values are the same in
    either layout (to rounding).

    Examples
    --------
    >>> import numpy as np
    >>> lin = Linear(3, 2, rng=np.random.default_rng(0))
    >>> lin.params["weight"].shape, lin.params["bias"].shape
    ((2, 3), (2,))
    >>> y = lin(np.ones((5, 3)))
    >>> dx = lin.backward(np.ones((5, 2)))
    >>> dx.shape, lin.grads["bias"]
    ((5, 3), array([5., 5.]))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 rng: np.random.Generator | None = None,
                 init: str | Callable[..., np.ndarray] = "default",
                 dtype: np.dtype | type = np.float64, input_grad: bool = True) -> None:
        super().__init__()
        for nm, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"Linear: {nm} must be a non-negative int, got {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.use_bias = bool(bias)
        self.input_grad = bool(input_grad)
        rng = check_rng(rng, type(self).__name__)
        shape = (self.out_features, self.in_features)
        if isinstance(init, str) and init == "default":
            w, b = _init.linear_default(self.out_features, self.in_features, rng=rng, dtype=dtype)
        elif isinstance(init, str):
            if init not in _INITS:
                raise ValueError(f"Linear: unknown init {init!r}; choose 'default', {', '.join(map(repr, _INITS))} or a callable")
            w, b = _INITS[init](shape, rng=rng, dtype=dtype), np.zeros(self.out_features, dtype=dtype)
        elif callable(init):
            w = np.asarray(init(shape, rng), dtype=dtype)
            if w.shape != shape:
                raise ValueError(f"Linear: init returned shape {w.shape}, expected {shape}")
            b = np.zeros(self.out_features, dtype=dtype)
        else:
            raise TypeError(f"Linear: init must be a string or a callable, got {type(init).__name__}")
        self.register_parameter("weight", w)
        if self.use_bias:
            self.register_parameter("bias", b)
        self._x: np.ndarray | None = None

    def forward(self, x: Any) -> np.ndarray:
        """``x @ W.T + b``; caches ``x``."""
        x = float_input(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear: input has shape {x.shape}; its last axis must have size {self.in_features}")
        self._x = x
        p = self.__dict__["_params"]  # the local dict: a training loop calls this thousands of times
        if x.ndim == 2 and x.flags.f_contiguous and not x.flags.c_contiguous:
            yt = p["weight"] @ x.T  # feature-major: (out, n) C array, returned as its (n, out) transpose
            if self.use_bias:
                yt += p["bias"][:, None]
            return yt.T
        y = x @ p["weight"].T
        if self.use_bias:
            y += p["bias"]  # y is a fresh array of the result dtype
        return y

    def backward(self, dout: Any) -> np.ndarray | None:
        """Accumulate ``dW``, ``db``; return ``dout @ W`` (``None`` without ``input_grad``)."""
        self._need_cache("_x")
        d = np.asarray(dout)
        expect = self._x.shape[:-1] + (self.out_features,)
        if d.shape != expect:
            raise ValueError(f"Linear.backward: dout has shape {d.shape}, expected {expect}")
        d2 = d.reshape(-1, self.out_features)
        x2 = self._x.reshape(-1, self.in_features)
        g = self.__dict__["_grads"]
        g["weight"] += d2.T @ x2
        if self.use_bias:
            g["bias"] += d2.sum(axis=0)
        if not self.input_grad:
            return None
        return d @ self.__dict__["_params"]["weight"]

    def extra_repr(self) -> str:
        extra = "" if self.input_grad else ", input_grad=False"
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.use_bias}{extra}"


class Sequential(Module):
    """Modules applied in order; ``backward`` runs them in reverse (``torch.nn.Sequential``).

    Children are named ``"0"``, ``"1"``, ...; parameters ``"0.weight"`` etc.  Indexing with
    an int gives the module, with a slice a new Sequential sharing the modules.

    Examples
    --------
    >>> from actlab import nn
    >>> s = nn.Sequential(nn.Tanh(), nn.Sigmoid())
    >>> len(s), s[1]
    (2, Sigmoid())
    >>> s
    Sequential(
      (0): Tanh()
      (1): Sigmoid()
    )
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end; returns ``self``."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: element {len(self)} is a {type(module).__name__}, not a Module")
        self.add_module(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self.__dict__["_modules"])

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self.__dict__["_modules"].values()))

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self.__dict__["_modules"].values())
        if isinstance(idx, slice):
            return Sequential(*mods[idx])
        try:
            return mods[idx]
        except IndexError:
            raise IndexError(f"Sequential index {idx} out of range for length {len(mods)}") from None

    def forward(self, x: Any) -> Any:
        for m in self:
            x = m.forward(x)
        return x

    def backward(self, dout: Any) -> Any:
        for m in reversed(list(self)):
            dout = m.backward(dout)
        return dout


class Dropout(Module):
    """Inverted dropout (``torch.nn.Dropout``): in training, zero each element with
    probability ``p`` and scale the rest by ``1/(1-p)``; the identity in eval mode.

    Parameters
    ----------
    p : float
        Drop probability in [0, 1] (``p = 1`` gives zeros).
    rng : numpy.random.Generator, optional
        Source of the masks (a fresh unseeded generator when omitted).

    Examples
    --------
    >>> import numpy as np
    >>> d = Dropout(0.5, rng=np.random.default_rng(0))
    >>> y = d(np.ones(8))
    >>> sorted(set(y.tolist())) == [0.0, 2.0]
    True
    >>> d.eval()(np.ones(2))
    array([1., 1.])
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p
        self.rng = check_rng(rng, type(self).__name__)
        self._scale: np.ndarray | None = None

    def forward(self, x: Any) -> np.ndarray:
        x = float_input(x, "Dropout")
        if not self.training or self.p == 0.0:
            self._scale = np.ones((), dtype=x.dtype)
            return x.copy()
        if self.p == 1.0:
            self._scale = np.zeros(x.shape, dtype=x.dtype)
        else:
            keep = self.rng.random(x.shape) >= self.p
            self._scale = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))
        return x * self._scale

    def backward(self, dout: Any) -> np.ndarray:
        self._need_cache("_scale")
        return np.asarray(dout) * self._scale

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Flatten axes ``start_dim..end_dim`` into one (``torch.nn.Flatten``, defaults 1 and -1).

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)
        self._shape: tuple[int, ...] | None = None

    def forward(self, x: Any) -> np.ndarray:
        x = np.asarray(x)
        nd = max(x.ndim, 1)
        s, e = self.start_dim, self.end_dim
        if not (-nd <= s < nd and -nd <= e < nd):
            raise ValueError(f"Flatten: dims ({s}, {e}) out of range for an input of shape {x.shape}")
        s, e = s % nd, e % nd
        if s > e:
            raise ValueError(f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim}")
        self._shape = x.shape
        if x.ndim == 0:
            return x.reshape(1)
        return x.reshape(x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:])

    def backward(self, dout: Any) -> np.ndarray:
        self._need_cache("_shape")
        return np.asarray(dout).reshape(self._shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
