"""Solvers of the estimators of :mod:`actlab.models`: the objective, L-BFGS and mini-batch training.

* the objective ``J = loss + lam / (2 n) * sum ||W||^2`` (weights only, never biases),
  with the per-sample loss summed over labels (multi-label) and halved for the squared
  error (scikit-learn's conventions);
* solvers: full-batch L-BFGS (:func:`scipy.optimize.minimize`), or mini-batch ``"sgd"`` /
  ``"adam"`` with :mod:`actlab.nn.optim`, early stop after ``n_iter_no_change`` epochs
  without a ``tol`` improvement.

All parameters of the net live in one flat float buffer (each parameter array is a view
into it, each gradient a view into a second buffer), so L-BFGS reads and writes them with
one copy and the optimizers update them in one vectorised step.

May import: NumPy, SciPy, scikit-learn, :mod:`actlab.nn`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from .. import nn

__all__ = ["SolverMixin"]


class _Flat:
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

class SolverMixin:
    """The objective and the solvers, on the net ``net_`` and its flat buffers ``_flat``."""

    # ------------------------------------------------------------------ objective
    _prepared: Any = None  # the target array the loss was last prepared for (identity)

    def _objective(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Loss + penalty at the current parameters; gradient left in ``self._flat.grad``."""
        flat = self._flat
        flat.grad[...] = 0
        out = self._net_forward(X)
        crit = self._crit
        if self._prepared is not Y:  # validate the target once per fit, not per objective call
            crit._prepare(Y, out.shape)
            self._prepared = Y
        loss, dout = crit._value_and_grad(out, self._scale)
        self._net_backward(dout)
        lam = self._lam()
        if lam:
            w = flat.theta[:flat.n_penalized]
            c = lam / len(X)
            loss += 0.5 * c * float(w @ w)
            flat.grad[:flat.n_penalized] += c * w
        return loss

    def _net_forward(self, X: np.ndarray) -> np.ndarray:
        return self.net_.forward(X)

    def _net_backward(self, dout: np.ndarray) -> None:
        self.net_.backward(dout)

    def _fit_lbfgs(self, X: np.ndarray, Y: np.ndarray) -> None:
        flat = self._flat

        def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
            flat.theta[...] = theta
            f = self._objective(X, Y)
            return f, flat.grad.astype(np.float64)

        def record(intermediate_result: Any) -> None:
            self.loss_curve_.append(float(intermediate_result.fun))

        eps = np.finfo(np.float64).eps
        res = minimize(fun, flat.theta.astype(np.float64), jac=True, method="L-BFGS-B", callback=record,
                       options={"maxiter": self.max_iter, "maxfun": 2 * self.max_iter + 50, "gtol": self.tol,
                                "ftol": 64 * eps, "maxls": 50})
        flat.theta[...] = res.x
        self.n_iter_ = max(int(res.nit), 1)
        self.loss_ = float(res.fun)
        if not self.loss_curve_:
            self.loss_curve_.append(self.loss_)
        if res.status == 1:
            warnings.warn(f"{type(self).__name__}: L-BFGS reached max_iter={self.max_iter} before "
                          f"converging (tol={self.tol}); increase max_iter or scale the data",
                          ConvergenceWarning, stacklevel=4)

    def _batch(self, n: int) -> int:
        return min(200, n) if self.batch_size == "auto" else min(int(self.batch_size), n)

    def _make_optimizer(self) -> Any:
        triple = [("theta", self._flat.theta, self._flat.grad)]
        if self.solver == "sgd":
            mom = float(getattr(self, "momentum", 0.9))
            return nn.optim.SGD(triple, lr=self._lr(), momentum=mom,
                                nesterov=bool(getattr(self, "nesterovs_momentum", True)) and mom > 0)
        return nn.optim.Adam(triple, lr=self._lr(), betas=(float(getattr(self, "beta_1", 0.9)),
                                                         float(getattr(self, "beta_2", 0.999))),
                             eps=float(getattr(self, "epsilon", 1e-8)))

    def _clip(self) -> None:
        clip = getattr(self, "clip_grad_norm", None)
        if clip:
            g = self._flat.grad
            norm = float(np.sqrt(g @ g))
            if norm > clip:
                g *= clip / norm

    def _fit_stochastic(self, X: np.ndarray, Y: np.ndarray, epochs: int, early_stop: bool) -> None:
        if self._optimizer is None:
            self._optimizer = self._make_optimizer()
        opt = self._optimizer
        n = len(X)
        bs = self._batch(n)
        shuffle = bool(getattr(self, "shuffle", True))
        stopped = False
        for _ in range(epochs):
            order = self._rng.permutation(n) if shuffle else np.arange(n)
            total = 0.0
            for start in range(0, n, bs):
                idx = order[start:start + bs]
                Xb, Yb = X[idx], Y[idx]
                total += self._objective(Xb, Yb) * len(idx)
                if not np.isfinite(total):
                    raise ValueError(f"{type(self).__name__}: the training loss became {total}; lower "
                                     f"learning_rate_init or scale the inputs")
                self._clip()
                opt.step()
            self.t_ += n
            self.n_iter_ += 1
            loss = total / n
            self.loss_curve_.append(loss)
            self.loss_ = loss
            if loss > self._best_loss - self.tol:
                self._no_improve += 1
            else:
                self._no_improve = 0
            self._best_loss = min(self._best_loss, loss)
            if early_stop and self._no_improve > getattr(self, "n_iter_no_change", 10):
                stopped = True
                break
        if early_stop and not stopped and self._warn_max_iter:
            warnings.warn(f"{type(self).__name__}: stochastic optimizer reached max_iter={self.max_iter} "
                          f"without converging (tol={self.tol})", ConvergenceWarning, stacklevel=4)

