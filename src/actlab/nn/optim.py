"""Optimizers with PyTorch's update rules: SGD (momentum, dampening, Nesterov, weight
decay), Adam and AdamW (bias correction, optional AMSGrad).

An optimizer takes a :class:`~actlab.nn.Module` (its parameters are read live at every
step) or an iterable of ``(name, param, grad)`` triples such as ``module.parameters()``;
``step()`` updates the parameters *in place* from the accumulated gradients and
``zero_grad()`` clears them.  ``state_dict()`` / ``load_state_dict()`` round-trip the
hyperparameters and the per-parameter state (keyed by parameter name).

>>> import numpy as np
>>> from actlab import nn
>>> lin = nn.Linear(2, 1, rng=np.random.default_rng(0))
>>> opt = nn.optim.SGD(lin, lr=0.1, momentum=0.9)
>>> w0 = lin.params["weight"].copy()
>>> _ = lin.forward(np.ones((1, 2))); _ = lin.backward(np.ones((1, 1)))
>>> opt.step()
>>> np.allclose(lin.params["weight"], w0 - 0.1)
True

May import: NumPy and :mod:`.module`.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Iterator

import numpy as np

from .module import Module

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]

ParamTriple = tuple[str, np.ndarray, np.ndarray]


class Optimizer:
    """Base class: parameter bookkeeping, ``zero_grad`` and state dicts.

    Subclasses set ``self.hyper`` (a dict of float/bool hyperparameters, also readable
    and writable as attributes, e.g. ``opt.lr = 0.01``) and implement ``_update``.
    """

    _state_keys: tuple[str, ...] = ()

    def __init__(self, params: Module | Iterable[ParamTriple], **hyper: Any) -> None:
        if isinstance(params, Module):
            self._module: Module | None = params
            self._fixed: list[ParamTriple] | None = None
        else:
            self._module = None
            fixed = []
            for item in params:
                if not (isinstance(item, tuple) and len(item) == 3):
                    raise TypeError(f"{type(self).__name__}: expected a Module or (name, param, grad) triples, got {item!r:.60}")
                name, p, g = item
                if not isinstance(p, np.ndarray) or not isinstance(g, np.ndarray) or p.shape != g.shape:
                    raise TypeError(f"{type(self).__name__}: parameter {name!r} needs ndarray param and grad of the same shape")
                fixed.append((str(name), p, g))
            self._fixed = fixed
        names = [n for n, _, _ in self._params()]
        if len(set(names)) != len(names):
            raise ValueError(f"{type(self).__name__}: duplicate parameter names")
        if not names:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        object.__setattr__(self, "hyper", dict(hyper))
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def __getattr__(self, name: str) -> Any:
        hyper = self.__dict__.get("hyper", {})
        if name in hyper:
            return hyper[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("hyper", {}):
            self.hyper[name] = value
        else:
            object.__setattr__(self, name, value)

    def _params(self) -> Iterator[ParamTriple]:
        if self._module is not None:
            return self._module.parameters()
        return iter(self._fixed)

    def zero_grad(self) -> None:
        """Set every gradient to zero in place."""
        for _, _, g in self._params():
            g[...] = 0

    def step(self) -> None:
        """Apply one update to every parameter (in place).

        Raises :class:`FloatingPointError` naming the parameter and position when a gradient
        is NaN or infinite; no parameter is changed then.
        """
        triples = list(self._params())
        for name, p, g in triples:  # check everything first: a bad gradient moves nothing
            if not np.all(np.isfinite(g)):
                bad = np.argwhere(~np.isfinite(g))[0]
                raise FloatingPointError(f"{type(self).__name__}.step: gradient of {name!r} is not finite at position {tuple(int(i) for i in bad)}")
        for name, p, g in triples:
            st = self.state.setdefault(name, {})
            self._update(p, g.astype(np.float64), st)

    def _update(self, p: np.ndarray, g: np.ndarray, st: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """``{"type", "hyper", "state"}`` with copies of all arrays."""
        return {
            "type": type(self).__name__,
            "hyper": dict(self.hyper),
            "state": {n: {k: np.array(v, copy=True) for k, v in st.items()} for n, st in self.state.items()},
        }

    def load_state_dict(self, sd: dict[str, Any]) -> None:
        """Restore hyperparameters and state after checking type, names and shapes.

        Raises :class:`ValueError` (nothing changed) when the dict does not fit.
        """
        who = type(self).__name__
        if sd.get("type") != who:
            raise ValueError(f"{who}.load_state_dict: state is for {sd.get('type')!r}, not {who}")
        hyper = dict(sd.get("hyper", {}))
        if set(hyper) != set(self.hyper):
            raise ValueError(f"{who}.load_state_dict: hyperparameters {sorted(hyper)} do not match {sorted(self.hyper)}")
        shapes = {n: p.shape for n, p, _ in self._params()}
        staged: dict[str, dict[str, np.ndarray]] = {}
        for n, st in dict(sd.get("state", {})).items():
            if n not in shapes:
                raise ValueError(f"{who}.load_state_dict: state for unknown parameter {n!r}")
            staged[n] = {}
            for k, v in st.items():
                if k not in self._state_keys:
                    raise ValueError(f"{who}.load_state_dict: unknown state entry {k!r} for {n!r}")
                arr = np.array(v, dtype=np.float64, copy=True)
                want = () if k == "step" else shapes[n]
                if arr.shape != want:
                    raise ValueError(f"{who}.load_state_dict: {n!r}/{k} has shape {arr.shape}, expected {want}")
                if not np.all(np.isfinite(arr)):
                    raise ValueError(f"{who}.load_state_dict: {n!r}/{k} has non-finite values")
                staged[n][k] = arr
        for k, v in hyper.items():
            self.hyper[k] = type(self.hyper[k])(v) if not isinstance(self.hyper[k], tuple) else tuple(float(x) for x in v)
        self.state = staged

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v!r}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({hp})"


def _nonneg(who: str, **vals: float) -> None:
    for k, v in vals.items():
        if not (isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool)) or not v >= 0 or not math.isfinite(v):
            raise ValueError(f"{who}: {k} must be a finite number >= 0, got {v!r}")


class SGD(Optimizer):
    r"""Stochastic gradient descent with torch's momentum, dampening, Nesterov and weight decay.

    .. math::

        g \leftarrow g + \lambda p;\quad b \leftarrow \mu b + (1-\tau) g\ (b_1 = g);\quad
        p \leftarrow p - \eta\,(g + \mu b \text{ if Nesterov else } b)

    Parameters
    ----------
    params : Module or iterable of (name, param, grad)
    lr : float
        Learning rate :math:`\eta`.
    momentum, dampening, weight_decay : float
        :math:`\mu`, :math:`\tau`, :math:`\lambda` (all 0 by default).
    nesterov : bool
        Nesterov momentum (needs ``momentum > 0`` and ``dampening = 0``, as torch).
    """

    _state_keys = ("momentum_buffer",)

    def __init__(self, params: Module | Iterable[ParamTriple], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        _nonneg("SGD", lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0")
        super().__init__(params, lr=float(lr), momentum=float(momentum), dampening=float(dampening),
                         weight_decay=float(weight_decay), nesterov=bool(nesterov))

    def _update(self, p, g, st):
        h = self.hyper
        if h["weight_decay"]:
            g = g + h["weight_decay"] * p
        if h["momentum"]:
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = g.copy()
            else:
                buf = h["momentum"] * buf + (1.0 - h["dampening"]) * g
            st["momentum_buffer"] = buf
            g = g + h["momentum"] * buf if h["nesterov"] else buf
        p -= (h["lr"] * g).astype(p.dtype, copy=False)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) with torch's bias correction; ``weight_decay`` is L2 added
    to the gradient (use :class:`AdamW` for decoupled decay); ``amsgrad`` keeps the running
    maximum of the second moment.

    .. math::

        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        p \leftarrow p - \frac{\eta}{1-\beta_1^t}\,\frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}
    """

    _state_keys = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _decoupled = False

    def __init__(self, params: Module | Iterable[ParamTriple], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        who = type(self).__name__
        _nonneg(who, lr=lr, eps=eps, weight_decay=weight_decay)
        b1, b2 = (float(b) for b in betas)
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"{who}: betas must be in [0, 1), got {tuple(betas)}")
        super().__init__(params, lr=float(lr), betas=(b1, b2), eps=float(eps),
                         weight_decay=float(weight_decay), amsgrad=bool(amsgrad))

    def _update(self, p, g, st):
        h = self.hyper
        lr, (b1, b2), eps, wd = h["lr"], h["betas"], h["eps"], h["weight_decay"]
        if wd and self._decoupled:
            p *= p.dtype.type(1.0 - lr * wd)
        elif wd:
            g = g + wd * p
        if "step" not in st:
            st["step"] = np.zeros(())
            st["exp_avg"] = np.zeros(p.shape)
            st["exp_avg_sq"] = np.zeros(p.shape)
            if h["amsgrad"]:
                st["max_exp_avg_sq"] = np.zeros(p.shape)
        st["step"] = st["step"] + 1.0
        t = float(st["step"])
        m = st["exp_avg"] = st["exp_avg"] + (1.0 - b1) * (g - st["exp_avg"])
        v = st["exp_avg_sq"] = b2 * st["exp_avg_sq"] + (1.0 - b2) * g * g
        bc1, bc2 = 1.0 - b1**t, 1.0 - b2**t
        if h["amsgrad"]:
            v = st["max_exp_avg_sq"] = np.maximum(st.get("max_exp_avg_sq", np.zeros(p.shape)), v)
        denom = np.sqrt(v) / math.sqrt(bc2) + eps
        p -= ((lr / bc1) * m / denom).astype(p.dtype, copy=False)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019): ``p *= 1 - lr * wd``
    before the Adam step; ``weight_decay`` defaults to 0.01 as in torch."""

    _decoupled = True

    def __init__(self, params: Module | Iterable[ParamTriple], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
