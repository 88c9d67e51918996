"""The training engine shared by every estimator of :mod:`actlab.models`.

An estimator builds an :class:`actlab.nn.Module` (``_build_net``) whose ``forward`` maps the
validated inputs to the raw outputs (logits, or predictions for regression) and whose
``backward`` takes their gradient.  This module supplies everything else:

* the **head**, decided by the target exactly as the design table says -- 1-D with two
  classes: one logit, sigmoid + ``nn.BCEWithLogitsLoss`` (``head_ = "sigmoid"``); 1-D with
  more classes: softmax + ``nn.CrossEntropyLoss`` (``"softmax"``); a 2-D 0/1 indicator
  matrix: independent sigmoids + ``nn.BCEWithLogitsLoss`` (``"multilabel"``); regressors:
  identity + ``nn.MSELoss`` (``"identity"``);
* the objective ``J = loss + lam / (2 n) * sum ||W||^2`` (weights only, never biases),
  with the per-sample loss summed over labels (multi-label) and halved for the squared
  error (scikit-learn's conventions);
* solvers: full-batch L-BFGS (:func:`scipy.optimize.minimize`), or mini-batch ``"sgd"`` /
  ``"adam"`` with :mod:`actlab.nn.optim`, early stop after ``n_iter_no_change`` epochs
  without a ``tol`` improvement, :meth:`partial_fit` for one epoch;
* prediction helpers that turn logits into probabilities with the core's ``sigmoid`` and
  ``softmax`` (one formula, one place).

All parameters of the net live in one flat float buffer (each parameter array is a view
into it, each gradient a view into a second buffer), so L-BFGS reads and writes them with
one copy and the optimizers update them in one vectorised step.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .. import nn
from ..activations.axis import softmax
from ..runtime import blas_single_thread
from ..activations import sigmoid

__all__ = ["NetEstimator", "as_generator"]

_SOLVERS = ("lbfgs", "sgd", "adam")


def as_generator(random_state: Any) -> np.random.Generator:
    """scikit-learn's ``random_state`` (None, int, RandomState, Generator) -> a Generator."""
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise ValueError(f"random_state must be None, an int, a RandomState or a Generator; got {random_state!r}")


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


class NetEstimator:
    """Mixin with the head logic, the solvers and the prediction helpers.

    Subclasses define ``_build_net(n_in, n_out, rng) -> nn.Module``, ``_lam()`` (the L2
    strength), ``_check_X(X, reset)`` (usually :func:`validate_data`) and the estimator
    parameters ``solver``, ``max_iter``, ``tol``, ``batch_size``, ``learning_rate_init``,
    ``n_iter_no_change``, ``shuffle``, ``random_state``.
    """

    _is_classifier = True
    _default_lr = 1e-3
    _warn_max_iter = True  # ConvergenceWarning when the stochastic solver runs out of epochs

    # ------------------------------------------------------------------ validation
    def _check_X(self, X: Any, reset: bool) -> np.ndarray:
        return validate_data(self, X, reset=reset, dtype=np.float64)

    def _check_Xy(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, Any]:
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float64, multi_output=True,
                             y_numeric=not self._is_classifier)
        return X, y

    def _check_params(self) -> None:
        name = type(self).__name__
        if self.solver not in _SOLVERS:
            raise ValueError(f"{name}: solver must be one of {_SOLVERS}, got {self.solver!r}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise ValueError(f"{name}: max_iter must be a positive int, got {self.max_iter!r}")
        if not (np.isfinite(self.tol) and self.tol >= 0):
            raise ValueError(f"{name}: tol must be >= 0, got {self.tol!r}")
        if self._lam() < 0 or not np.isfinite(self._lam()):
            raise ValueError(f"{name}: the L2 penalty must be a finite number >= 0")
        bs = self.batch_size
        if not (bs == "auto" or (isinstance(bs, (int, np.integer)) and not isinstance(bs, bool) and bs >= 1)):
            raise ValueError(f"{name}: batch_size must be 'auto' or a positive int, got {bs!r}")
        lr = self._lr()
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"{name}: learning_rate_init must be > 0, got {lr!r}")

    def _lr(self) -> float:
        lr = getattr(self, "learning_rate_init", None)
        return float(self._default_lr if lr is None else lr)

    # ------------------------------------------------------------------ targets / heads
    def _encode_targets(self, y: Any, classes: Any = None, first: bool = True) -> np.ndarray:
        """Decide the head (when ``first``) and turn ``y`` into the loss's target array."""
        name = type(self).__name__
        if not self._is_classifier:
            Y = np.asarray(y, dtype=np.float64)
            if first:
                self.head_ = "identity"
                self._y_1d = Y.ndim == 1
                self.n_outputs_ = 1 if Y.ndim == 1 else Y.shape[1]
            Y = Y.reshape(len(Y), -1)
            if Y.shape[1] != self.n_outputs_:
                raise ValueError(f"{name}: y has {Y.shape[1]} outputs, the model was fitted with {self.n_outputs_}")
            return Y
        y_arr = np.asarray(y)
        if y_arr.ndim == 1 and y_arr.dtype.kind in "iub":
            kind = "multiclass"  # integer labels: skip type_of_target's scan (hot path of fit)
        else:
            kind = type_of_target(y_arr, input_name="y")
        if kind == "multilabel-indicator":
            if first:
                self.head_ = "multilabel"
                self.classes_ = np.arange(y_arr.shape[1])
                self.n_outputs_ = y_arr.shape[1]
                self._label_dtype = y_arr.dtype
            elif getattr(self, "head_", None) != "multilabel" or y_arr.shape[1] != self.n_outputs_:
                raise ValueError(f"{name}: y is a {y_arr.shape[1]}-label indicator matrix, but the model was "
                                 f"fitted with head {self.head_!r}")
            return y_arr.astype(np.float64)
        if y_arr.ndim == 2 and y_arr.shape[1] > 1:
            raise ValueError(f"{name}: a 2-D y must be a 0/1 indicator matrix (multi-label); got {kind} "
                             f"targets of shape {y_arr.shape}")
        if kind not in ("binary", "multiclass"):  # what check_classification_targets rejects, one pass
            raise ValueError(f"Unknown label type: {kind}. {name} needs class labels (binary or multiclass) "
                             f"or a 0/1 indicator matrix; use a regressor for continuous targets")
        y1 = column_or_1d(y_arr, warn=True)
        if first:
            cls = np.unique(y1) if classes is None else np.unique(np.asarray(classes))
            if len(cls) < 2:
                raise ValueError(f"{name}: y contains only one class ({cls.tolist()[0]!r}); a classifier needs samples "
                                 f"of at least 2 classes")
            self.classes_ = cls
            self.head_ = "sigmoid" if len(cls) == 2 else "softmax"
            self.n_outputs_ = 1 if len(cls) == 2 else len(cls)
        elif self.head_ == "multilabel":
            raise ValueError(f"{name}: the model was fitted on multi-label targets; got 1-D labels")
        idx = np.searchsorted(self.classes_, y1)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unknown = self.classes_[idx] != y1
        if unknown.any():
            bad = y1[np.argmax(unknown)]
            bad = bad.item() if isinstance(bad, np.generic) else bad
            raise ValueError(f"{name}: label {bad!r} (position {int(np.argmax(unknown))}) is not one of the "
                             f"classes {self.classes_.tolist()}")
        if self.head_ == "sigmoid":
            return (idx == 1).astype(np.float64)[:, None]
        return idx

    def _make_loss(self) -> tuple[nn.Module, float]:
        if self.head_ == "identity":
            return nn.MSELoss(), 0.5 * self.n_outputs_  # 1/2 squared error summed over outputs
        if self.head_ == "softmax":
            return nn.CrossEntropyLoss(), 1.0
        return nn.BCEWithLogitsLoss(), float(self.n_outputs_)  # summed over labels

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

    # ------------------------------------------------------------------ fitting
    def _initialize(self, X: np.ndarray, Y: np.ndarray) -> None:
        self._rng = as_generator(self.random_state)
        self.net_ = self._build_net(X.shape[-1], self.n_outputs_, self._rng)
        self._flat = _Flat(self.net_)
        self._crit, self._scale = self._make_loss()
        self.loss_curve_: list[float] = []
        self.n_iter_ = 0
        self.t_ = 0
        self._best_loss = np.inf
        self._no_improve = 0
        self._optimizer = None

    def _fit(self, X: Any, y: Any) -> "NetEstimator":
        self._check_params()
        X, y = self._check_Xy(X, y, reset=True)
        Y = self._encode_targets(y)
        self._initialize(X, Y)
        rows = len(X) if self.solver == "lbfgs" else self._batch(len(X))  # rows per matmul
        try:
            with blas_single_thread(rows * self._flat.theta.size):
                if self.solver == "lbfgs":
                    self._fit_lbfgs(X, Y)
                else:
                    self._fit_stochastic(X, Y, epochs=self.max_iter, early_stop=True)
        finally:
            self._prepared = None
        return self

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

    def _partial_fit(self, X: Any, y: Any, classes: Any = None) -> "NetEstimator":
        first = not hasattr(self, "net_")
        if first:
            self._check_params()
            if self._is_classifier and classes is None and type_of_target(np.asarray(y)) != "multilabel-indicator":
                raise ValueError(f"{type(self).__name__}.partial_fit: pass classes= (all labels) on the first call")
        X, y = self._check_Xy(X, y, reset=first)
        Y = self._encode_targets(y, classes=classes, first=first)
        if first:
            self._initialize(X, Y)
        try:
            with blas_single_thread(self._batch(len(X)) * self._flat.theta.size):
                self._fit_stochastic(X, Y, epochs=1, early_stop=False)
        finally:
            self._prepared = None
        return self

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fitted net as its state dict (layers hold core activation objects,
        and the flat parameter buffers must be rebuilt as views after loading)."""
        state = super().__getstate__()
        if state.get("net_") is not None:
            state = dict(state)
            state["_net_state"] = self.net_.state_dict()
            opt = state.get("_optimizer")
            state["_opt_state"] = None if opt is None else opt.state_dict()
            for k in ("net_", "_flat", "_crit", "_optimizer"):
                state[k] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        net_state = state.pop("_net_state", None)
        opt_state = state.pop("_opt_state", None)
        super().__setstate__(state)
        if net_state is not None:
            net = self._build_net(self.n_features_in_, self.n_outputs_, np.random.default_rng(0))
            net.load_state_dict(net_state)
            self.net_ = net
            self._flat = _Flat(net)
            self._crit, self._scale = self._make_loss()
            if opt_state is not None:
                self._optimizer = self._make_optimizer()
                self._optimizer.load_state_dict(opt_state)

    # ------------------------------------------------------------------ prediction
    def _raw(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "net_")
        X = self._check_X(X, reset=False)
        return np.asarray(self.net_.forward(X), dtype=np.float64)

    def _decision(self, X: Any) -> np.ndarray:
        z = self._raw(X)
        return z[:, 0] if self.head_ == "sigmoid" else z

    def _proba(self, X: Any) -> np.ndarray:
        z = self._raw(X)
        if self.head_ == "sigmoid":
            return np.column_stack([sigmoid(-z[:, 0]), sigmoid(z[:, 0])])
        if self.head_ == "softmax":
            return softmax(z, axis=1)
        return sigmoid(z)

    def _predict_labels(self, X: Any) -> np.ndarray:
        z = self._raw(X)
        if self.head_ == "sigmoid":
            return self.classes_[(z[:, 0] > 0).astype(np.intp)]
        if self.head_ == "softmax":
            return self.classes_[np.argmax(z, axis=1)]
        return (z > 0).astype(self._label_dtype)

    def _predict_values(self, X: Any) -> np.ndarray:
        out = self._raw(X)
        return out[:, 0] if self._y_1d else out


class ClassifierOutputs:
    """The public outputs of every classifier here, computed by :class:`NetEstimator`."""

    def decision_function(self, X: Any) -> np.ndarray:
        """Logits: (n,) for the binary (sigmoid) head, (n, K) otherwise."""
        return self._decision(X)  # type: ignore[attr-defined]

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, 2) for the binary head, softmax (n, K) for multiclass, per-label (n, K) for multi-label."""
        return self._proba(X)  # type: ignore[attr-defined]

    def predict(self, X: Any) -> np.ndarray:
        """Class labels (or the 0/1 indicator matrix for multi-label)."""
        return self._predict_labels(X)  # type: ignore[attr-defined]
