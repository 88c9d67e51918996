"""Solvers of the estimators of :mod:`actlab.models`: the objective, L-BFGS and mini-batch training.

* :class:`Objective` -- ``J = scale * mean loss + lam / (2 n) * sum ||W||^2`` (weights only,
  never biases; the per-sample loss summed over labels and halved for the squared error:
  scikit-learn's conventions), its gradient left in the flat gradient buffer;
* :func:`lbfgs` -- full-batch L-BFGS (:func:`scipy.optimize.minimize`), optionally with the
  batch stored feature-major (the layout :class:`actlab.nn.Linear` computes fastest for
  few outputs);
* :class:`MinibatchTrainer` -- the one mini-batch trainer: ``"sgd"`` (Nesterov momentum) or
  ``"adam"`` from :mod:`actlab.nn.optim`, optional gradient-norm clipping, early stop after
  ``n_iter_no_change`` epochs without a ``tol`` improvement; its state carries over between
  ``partial_fit`` calls.  :class:`MinibatchSettings` holds its settings, named as the
  estimators' parameters, and :data:`MINIBATCH_SOLVERS` says which solvers train this way.

All parameters of the net live in one flat float buffer (:class:`FlatParams`: each parameter
array is a view into it, each gradient a view into a second buffer), so L-BFGS reads and
writes them with one copy and the optimizers update them in one vectorised step.

May import: NumPy, SciPy, scikit-learn, :mod:`actlab.nn`, :mod:`.heads`, :mod:`.params`.
"""

from __future__ import annotations

import dataclasses
import warnings
from numbers import Real
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from .. import nn
from .heads import Head
from .params import FINITE_NONNEG, FINITE_POSITIVE, count

__all__ = [
    "MINIBATCH_SOLVERS",
    "FlatParams",
    "MinibatchSettings",
    "MinibatchTrainer",
    "Objective",
    "lbfgs",
    "settings_constraints",
]

MINIBATCH_SOLVERS = ("sgd", "adam")  # the solvers that train on mini-batches (and have partial_fit)


class FlatParams:
    """All parameters and gradients of ``net`` as views into two flat buffers.

    Parameters whose name ends in ``weight`` / starts with ``weight`` come first, so the
    L2 penalty acts on the contiguous slice ``[:n_penalized]``.
    """

    def __init__(self, net: nn.Module) -> None:
        items = list(net.parameters())
        items.sort(key=lambda t: 0 if "weight" in t[0].rsplit(".", 1)[-1] else 1)
        dtype = np.result_type(*[p.dtype for _, p, _ in items])
        size = sum(p.size for _, p, _ in items)
        self.theta = np.empty(size, dtype=dtype)
        self.grad = np.zeros(size, dtype=dtype)
        self.n_penalized = 0
        pos = 0
        for name, p, _ in items:
            view = self.theta[pos:pos + p.size].reshape(p.shape)
            view[...] = p
            net.params[name] = view
            net.grads[name] = self.grad[pos:pos + p.size].reshape(p.shape)
            if "weight" in name.rsplit(".", 1)[-1]:
                self.n_penalized = pos + p.size
            pos += p.size


class Objective:
    """The training objective of ``net`` under ``head`` with L2 strength ``lam``.

    ``objective(X, Y)`` returns ``J`` at the current parameters and leaves ``dJ/dtheta`` in
    ``flat.grad``.  ``feature_major``: ``X`` is stored feature-major and ``Y`` is in the
    head's column layout (:meth:`Head.to_columns`).
    """

    def __init__(self, net: nn.Module, flat: FlatParams, head: Head, lam: float,
                 feature_major: bool = False) -> None:
        self.net, self.flat, self.head, self.lam = net, flat, head, lam
        self.feature_major = feature_major
        self.crit, self.scale = head.loss()
        self._prepared: Any = None  # the target the loss was last prepared for (identity)

    def in_columns(self) -> "Objective":
        """The same objective for a feature-major batch."""
        return Objective(self.net, self.flat, self.head, self.lam, feature_major=True)

    def __call__(self, X: np.ndarray, Y: np.ndarray) -> float:
        flat, head, crit = self.flat, self.head, self.crit
        flat.grad[...] = 0
        z = self.net.forward(X)
        if self.feature_major:
            z = head.to_columns(z)
        if self._prepared is not Y:  # validate the target once per fit, not per objective call
            crit._prepare(Y, z.shape)
            self._prepared = Y
        loss, dz = crit._value_and_grad(z, self.scale)
        self.net.backward(head.from_columns(dz) if self.feature_major else dz)
        if self.lam:
            w = flat.theta[:flat.n_penalized]
            c = self.lam / len(X)
            loss += 0.5 * c * float(w @ w)
            flat.grad[:flat.n_penalized] += c * w
        return loss

    def release(self) -> None:
        """Forget the prepared target (the training data is not kept after a fit)."""
        self._prepared = None


def lbfgs(objective: Objective, X: np.ndarray, Y: np.ndarray, *, max_iter: int, tol: float, who: str,
          feature_major: bool = False) -> tuple[int, float, list[float]]:
    """Minimise ``objective`` over the whole batch with L-BFGS-B from the current parameters.

    Returns ``(n_iter, final loss, loss after each iteration)``; the parameters are left
    at the minimiser.  ``feature_major`` stores the batch feature-major first (one copy).
    A ConvergenceWarning says when ``max_iter`` ran out.
    """
    if feature_major:
        objective, X, Y = objective.in_columns(), np.asfortranarray(X), objective.head.columns_target(Y)
    flat = objective.flat
    curve: list[float] = []

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        flat.theta[...] = theta
        f = objective(X, Y)
        return f, flat.grad.astype(np.float64)

    def record(intermediate_result: Any) -> None:
        curve.append(float(intermediate_result.fun))

    eps = np.finfo(np.float64).eps
    res = minimize(fun, flat.theta.astype(np.float64), jac=True, method="L-BFGS-B", callback=record,
                   options={"maxiter": max_iter, "maxfun": 2 * max_iter + 50, "gtol": tol,
                            "ftol": 64 * eps, "maxls": 50})
    flat.theta[...] = res.x
    if not curve:
        curve.append(float(res.fun))
    if res.status == 1:
        warnings.warn(f"{who}: L-BFGS reached max_iter={max_iter} before converging (tol={tol}); increase "
                      f"max_iter or scale the data", ConvergenceWarning, stacklevel=4)
    return max(int(res.nit), 1), float(res.fun), curve


@dataclasses.dataclass(frozen=True)
class MinibatchSettings:
    """The settings of :class:`MinibatchTrainer`, named as the estimators' parameters.

    An estimator without one of them (``LogisticRegression`` has no ``beta_1``, the sequence
    estimators no ``momentum``) trains with the value here.
    """

    solver: str
    learning_rate_init: float
    batch_size: int | str = "auto"
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: int = 10
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    clip_grad_norm: float | None = None

    @classmethod
    def of(cls, params: dict[str, Any]) -> "MinibatchSettings":
        """The settings among an estimator's ``get_params()``."""
        return cls(**{f.name: params[f.name] for f in dataclasses.fields(cls) if f.name in params})

    def batch(self, n: int) -> int:
        """Rows per mini-batch for ``n`` samples (``"auto"``: ``min(200, n)``)."""
        return min(200, n) if self.batch_size == "auto" else min(int(self.batch_size), n)


_SETTING_CONSTRAINTS: dict[str, list[Any]] = {
    "batch_size": [StrOptions({"auto"}), count()],
    "learning_rate_init": [FINITE_POSITIVE],
    "shuffle": ["boolean"],
    "tol": [FINITE_NONNEG],
    "n_iter_no_change": [count()],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [FINITE_POSITIVE],
    "clip_grad_norm": [FINITE_NONNEG, None],  # 0 or None: no clipping
}


def settings_constraints(*names: str) -> dict[str, list[Any]]:
    """The parameter constraints of the named settings, for an estimator's declaration."""
    return {name: _SETTING_CONSTRAINTS[name] for name in names}


def _optimizer(s: MinibatchSettings, flat: FlatParams) -> nn.optim.Optimizer:
    triple = [("theta", flat.theta, flat.grad)]
    if s.solver == "sgd":
        mom = float(s.momentum)
        return nn.optim.SGD(triple, lr=float(s.learning_rate_init), momentum=mom,
                            nesterov=bool(s.nesterovs_momentum) and mom > 0)
    return nn.optim.Adam(triple, lr=float(s.learning_rate_init), betas=(float(s.beta_1), float(s.beta_2)),
                         eps=float(s.epsilon))


class MinibatchTrainer:
    """Mini-batch training of a flat parameter buffer (built with the first call's settings).

    Keeps what carries over between ``partial_fit`` calls: the optimizer (its moments and
    step count), the best epoch loss and the number of epochs since it improved.
    """

    def __init__(self, settings: MinibatchSettings, flat: FlatParams) -> None:
        self._built_with = settings
        self.optimizer: Any = _optimizer(settings, flat)
        self.best_loss = np.inf
        self.no_improve = 0

    def run(self, objective: Objective, X: np.ndarray, Y: np.ndarray, settings: MinibatchSettings,
            rng: np.random.Generator, epochs: int, early_stop: bool, who: str) -> tuple[list[float], bool]:
        """Up to ``epochs`` passes over ``(X, Y)``; returns each epoch's mean loss and whether
        the early stop ended the run."""
        losses = []
        for _ in range(epochs):
            loss = self._epoch(objective, X, Y, settings, rng, who)
            losses.append(loss)
            self.no_improve = self.no_improve + 1 if loss > self.best_loss - settings.tol else 0
            self.best_loss = min(self.best_loss, loss)
            if early_stop and self.no_improve > settings.n_iter_no_change:
                return losses, True
        return losses, False

    def _epoch(self, objective: Objective, X: np.ndarray, Y: np.ndarray, settings: MinibatchSettings,
               rng: np.random.Generator, who: str) -> float:
        n = len(X)
        bs = settings.batch(n)
        order = rng.permutation(n) if settings.shuffle else np.arange(n)
        grad, clip = objective.flat.grad, settings.clip_grad_norm
        total = 0.0
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            total += objective(X[idx], Y[idx]) * len(idx)
            if not np.isfinite(total):
                raise ValueError(f"{who}: the training loss became {total}; lower learning_rate_init or "
                                 f"scale the inputs")
            if clip:
                norm = float(np.sqrt(grad @ grad))
                if norm > clip:
                    grad *= clip / norm
            self.optimizer.step()
        return total / n

    def __getstate__(self) -> dict[str, Any]:
        # the optimizer holds views of the net's buffers: pickle its state, rebuild on attach
        state = dict(self.__dict__)
        state["optimizer"] = self.optimizer.state_dict()
        return state

    def attach(self, flat: FlatParams) -> None:
        """After unpickling: rebuild the optimizer on the estimator's new flat buffers."""
        state = self.optimizer
        self.optimizer = _optimizer(self._built_with, flat)
        self.optimizer.load_state_dict(state)
