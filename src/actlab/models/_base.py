"""The training engine shared by every estimator of :mod:`actlab.models`.


An estimator builds an :class:`actlab.nn.Module` (``_build_net``) whose ``forward`` maps the
validated inputs to the raw outputs (logits, or predictions for regression) and whose
``backward`` takes their gradient.  The heads live in :mod:`.heads`, the objective and the
solvers in :mod:`.solvers`; this module holds the estimator around them: parameter checks,
fitting and ``partial_fit``, pickling and the public classifier outputs.

May import: NumPy, scikit-learn, :mod:`actlab.nn`, :mod:`actlab.runtime`, :mod:`.heads`,
:mod:`.solvers`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..runtime import blas_single_thread
from .heads import HeadMixin
from .solvers import SolverMixin, _Flat

__all__ = ["NetEstimator", "as_generator", "stochastic"]

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


def stochastic(est: Any) -> bool:
    """``partial_fit``'s availability check (for ``available_if``): the mini-batch solvers only."""
    if est.solver not in ("sgd", "adam"):
        raise AttributeError(f"partial_fit is only available for the stochastic solvers 'sgd' and 'adam', "
                             f"not solver={est.solver!r}")
    return True


class NetEstimator(HeadMixin, SolverMixin):
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
