"""The estimator base shared by every estimator of :mod:`actlab.models`.

An estimator declares its parameters (``_parameter_constraints``, checked by
:func:`.params.check_params`) and builds an :class:`actlab.nn.Module` (``_build_net``) whose
``forward`` maps the validated inputs to the raw outputs (logits, or predictions for
regression) and whose ``backward`` takes their gradient.  :class:`NetEstimator` runs the
phases around it: check the data, let the target choose the head (:mod:`.heads`), fit
with L-BFGS or the mini-batch trainer (:mod:`.solvers`), pickle, predict.
:func:`stochastic` is ``partial_fit``'s availability check; :class:`ClassifierOutputs` the
public outputs of the classifiers.

May import: NumPy, scikit-learn, :mod:`actlab.runtime`, :mod:`.heads`, :mod:`.params`,
:mod:`.solvers`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..runtime import blas_single_thread
from .heads import head_for_target
from .params import check_params
from .solvers import (
    MINIBATCH_SOLVERS,
    FlatParams,
    MinibatchSettings,
    MinibatchTrainer,
    Objective,
    lbfgs,
)

__all__ = ["ClassifierOutputs", "NetEstimator", "as_generator", "stochastic"]


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
    if est.solver not in MINIBATCH_SOLVERS:
        raise AttributeError(f"partial_fit is only available for the stochastic solvers "
                             f"{' and '.join(map(repr, MINIBATCH_SOLVERS))}, not solver={est.solver!r}")
    return True


class NetEstimator:
    """Base of the estimators: data checks, head, fitting, pickling, prediction.

    Subclasses declare ``_parameter_constraints`` (every ``__init__`` parameter; ``solver``,
    ``max_iter``, ``tol``, ``random_state`` and the :class:`.solvers.MinibatchSettings` they
    expose among them) and define ``_build_net(n_in, n_out, rng) -> nn.Module`` and
    ``_lam()`` (the L2 strength); ``_check_X`` / ``_check_Xy`` may be overridden.
    """

    _is_classifier = True
    _warn_max_iter = True  # ConvergenceWarning when the mini-batch trainer runs out of epochs
    _feature_major = False  # L-BFGS on a feature-major copy of X (see nn.Linear)

    # ------------------------------------------------------------------ checks
    def _validate_params(self) -> None:
        """Every parameter against ``_parameter_constraints`` (scikit-learn's constraints)."""
        check_params(self)

    def _check_X(self, X: Any, reset: bool) -> np.ndarray:
        return validate_data(self, X, reset=reset, dtype=np.float64)

    def _check_Xy(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, Any]:
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float64, multi_output=True,
                             y_numeric=not self._is_classifier)
        return X, y

    # ------------------------------------------------------------------ head and objective
    def _encode_targets(self, y: Any, classes: Any = None, first: bool = True) -> np.ndarray:
        """Let ``y`` decide the head (when ``first``) and encode it for the head's loss."""
        who = type(self).__name__
        if not first:
            return self._head.encode(y, who)
        head, Y = head_for_target(y, classifier=self._is_classifier, who=who, classes=classes)
        self._head, self.head_, self.n_outputs_ = head, head.name, head.n_outputs
        if self._is_classifier:
            self.classes_ = head.classes
        return Y

    def _make_objective(self) -> Objective:
        return Objective(self.net_, self._flat, self._head, self._lam())

    def _objective(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The objective at the current parameters; its gradient left in ``net_.grads``."""
        return self._make_objective()(X, Y)

    # ------------------------------------------------------------------ fitting
    def _initialize(self, X: np.ndarray) -> None:
        self._rng = as_generator(self.random_state)
        self.net_ = self._build_net(X.shape[-1], self.n_outputs_, self._rng)
        self._flat = FlatParams(self.net_)
        self._trainer: MinibatchTrainer | None = None
        self.loss_curve_: list[float] = []
        self.n_iter_ = 0
        self.t_ = 0

    def _fit(self, X: Any, y: Any) -> "NetEstimator":
        self._validate_params()
        X, y = self._check_Xy(X, y, reset=True)
        Y = self._encode_targets(y)
        self._initialize(X)
        if self.solver in MINIBATCH_SOLVERS:
            return self._train_minibatches(X, Y, epochs=self.max_iter, early_stop=True)
        with blas_single_thread(len(X) * self._flat.theta.size):  # rows per matmul x parameters
            self.n_iter_, self.loss_, self.loss_curve_ = lbfgs(
                self._make_objective(), X, Y, max_iter=self.max_iter, tol=self.tol, who=type(self).__name__,
                feature_major=self._feature_major)
        return self

    def _partial_fit(self, X: Any, y: Any, classes: Any = None) -> "NetEstimator":
        first = not hasattr(self, "net_")
        if first:
            self._validate_params()
            if self._is_classifier and classes is None and type_of_target(np.asarray(y)) != "multilabel-indicator":
                raise ValueError(f"{type(self).__name__}.partial_fit: pass classes= (all labels) on the first call")
        X, y = self._check_Xy(X, y, reset=first)
        Y = self._encode_targets(y, classes=classes, first=first)
        if first:
            self._initialize(X)
        return self._train_minibatches(X, Y, epochs=1, early_stop=False)

    def _train_minibatches(self, X: np.ndarray, Y: np.ndarray, epochs: int, early_stop: bool) -> "NetEstimator":
        who = type(self).__name__
        settings = MinibatchSettings.of(self.get_params(deep=False))  # read at every call, as sklearn
        if self._trainer is None:
            self._trainer = MinibatchTrainer(settings, self._flat)
        with blas_single_thread(settings.batch(len(X)) * self._flat.theta.size):
            losses, stopped = self._trainer.run(self._make_objective(), X, Y, settings, self._rng, epochs,
                                                early_stop, who)
        self.loss_curve_ += losses
        self.n_iter_ += len(losses)
        self.t_ += len(X) * len(losses)
        self.loss_ = losses[-1]
        if early_stop and not stopped and self._warn_max_iter:
            warnings.warn(f"{who}: stochastic optimizer reached max_iter={self.max_iter} without converging "
                          f"(tol={self.tol})", ConvergenceWarning, stacklevel=4)
        return self

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fitted net as its state dict (layers hold core activation objects,
        and the flat parameter buffers must be rebuilt as views after loading)."""
        state = super().__getstate__()
        if state.get("net_") is not None:
            state = dict(state)
            state["_net_state"] = self.net_.state_dict()
            state["net_"] = state["_flat"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        net_state = state.pop("_net_state", None)
        super().__setstate__(state)
        if net_state is not None:
            net = self._build_net(self.n_features_in_, self.n_outputs_, np.random.default_rng(0))
            net.load_state_dict(net_state)
            self.net_ = net
            self._flat = FlatParams(net)
            if self._trainer is not None:
                self._trainer.attach(self._flat)

    # ------------------------------------------------------------------ prediction
    def _raw(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "net_")
        X = self._check_X(X, reset=False)
        return np.asarray(self.net_.forward(X), dtype=np.float64)

    def _predict(self, X: Any) -> np.ndarray:
        z = self._raw(X)
        return self._head.predict(z)


class ClassifierOutputs:
    """The public outputs of every classifier here, read by its head from the raw outputs."""

    def decision_function(self, X: Any) -> np.ndarray:
        """Logits: (n,) for the binary (sigmoid) head, (n, K) otherwise."""
        z = self._raw(X)  # type: ignore[attr-defined]  # (NotFittedError first)
        return self._head.decision(z)  # type: ignore[attr-defined]

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, 2) for the binary head, softmax (n, K) for multiclass, per-label (n, K) for multi-label."""
        z = self._raw(X)  # type: ignore[attr-defined]  # (NotFittedError first)
        return self._head.proba(z)  # type: ignore[attr-defined]

    def predict(self, X: Any) -> np.ndarray:
        """Class labels (or the 0/1 indicator matrix for multi-label)."""
        return self._predict(X)  # type: ignore[attr-defined]
