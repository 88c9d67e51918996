"""Logistic regression in its three forms -- the target decides the head."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._available_if import available_if

from .. import nn
from ._base import ClassifierOutputs, NetEstimator, stochastic

__all__ = ["LogisticRegression"]



class LogisticRegression(ClassifierMixin, ClassifierOutputs, NetEstimator, BaseEstimator):
    r"""Logistic regression whose head follows the target (binary, multinomial, multi-label).

    ===========================  ============  ==============================  ===========
    target ``y``                 ``head_``     output / loss                   outputs
    ===========================  ============  ==============================  ===========
    1-D, two classes             ``sigmoid``   sigmoid + ``BCEWithLogitsLoss``  1 logit
    1-D, three or more classes   ``softmax``   softmax + ``CrossEntropyLoss``   K logits
    2-D 0/1 indicator (n, K)     ``multilabel``  K independent sigmoids + BCE   K logits
    ===========================  ============  ==============================  ===========

    The model is one :class:`actlab.nn.Linear` layer; the losses are the nn kit's, the
    probabilities come from the core's ``sigmoid`` / ``softmax``.  The objective is
    scikit-learn's:

    .. math::

        J(W, b) = \frac1n \sum_i \ell_i + \frac{\lambda}{2n}\,\lVert W\rVert^2, \qquad
        \lambda = 1/C \text{ (or ``alpha`` when given)},

    with :math:`\ell_i` summed over the labels for the multi-label head; the intercept is
    not penalised.  With ``C`` equal, the fitted model matches
    ``sklearn.linear_model.LogisticRegression`` (binary and multinomial).

    Parameters
    ----------
    C : float, default 1.0
        Inverse L2 strength (``np.inf`` for none).
    alpha : float, optional
        L2 strength; when given it replaces ``1 / C``.
    solver : {"lbfgs", "sgd", "adam"}, default "lbfgs"
        Full-batch L-BFGS (scipy) or mini-batch optimisers from :mod:`actlab.nn.optim`.
    max_iter : int, default 100
        L-BFGS iterations or epochs.
    tol : float, default 1e-4
        L-BFGS gradient tolerance; for the stochastic solvers the loss improvement below
        which an epoch counts as "no improvement" (stop after ``n_iter_no_change``).
    batch_size : int or "auto", default "auto"
        Mini-batch size (``min(200, n_samples)``), stochastic solvers only.
    learning_rate_init : float, default 0.01
    momentum : float, default 0.9
        SGD momentum (Nesterov).
    n_iter_no_change : int, default 10
    shuffle : bool, default True
    fit_intercept : bool, default True
    random_state : int, RandomState, Generator or None
        Seeds the weight initialisation and the shuffling (a NumPy Generator internally).

    Attributes
    ----------
    head_ : str
        ``"sigmoid"``, ``"softmax"`` or ``"multilabel"``.
    classes_ : ndarray
        Class labels (``arange(K)`` for multi-label).
    coef_ : ndarray (n_outputs, n_features); intercept_ : ndarray (n_outputs,)
    n_iter_ : int; loss_ : float; loss_curve_ : list of float
    net_ : actlab.nn.Module
        The fitted ``nn.Linear``.

    Notes
    -----
    ``score`` is scikit-learn's accuracy; for multi-label targets that is subset accuracy
    (every label of a row right).  ``partial_fit`` exists for ``solver="sgd"`` / ``"adam"``.

    Examples
    --------
    >>> from actlab.datasets import breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegression().fit(X, y)
    >>> clf.head_, clf.predict_proba(X[:1]).shape, round(clf.score(X, y), 2)
    ('sigmoid', (1, 2), 0.99)
    """

    _default_lr = 0.01

    def __init__(self, C: float = 1.0, *, alpha: float | None = None, solver: str = "lbfgs",
                 max_iter: int = 100, tol: float = 1e-4, batch_size: int | str = "auto",
                 learning_rate_init: float = 0.01, momentum: float = 0.9, n_iter_no_change: int = 10,
                 shuffle: bool = True, fit_intercept: bool = True, random_state: Any = None) -> None:
        self.C = C
        self.alpha = alpha
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.fit_intercept = fit_intercept
        self.random_state = random_state

    def _lam(self) -> float:
        if self.alpha is not None:
            return float(self.alpha)
        C = float(self.C)
        if not C > 0:
            raise ValueError(f"LogisticRegression: C must be > 0, got {self.C!r}")
        return 1.0 / C

    def _build_net(self, n_in: int, n_out: int, rng: np.random.Generator) -> nn.Module:
        lin = nn.Linear(n_in, n_out, bias=bool(self.fit_intercept), rng=rng)
        lin.params["weight"][...] = 0.0  # convex problem: start at zero, as scikit-learn
        if self.fit_intercept:
            lin.params["bias"][...] = 0.0
        return lin

    # Training-loop forward/backward of the single affine layer, without the input gradient
    # nn.Linear.backward would also compute (the inputs are data, not parameters).  The
    # full-batch L-BFGS path lays the logits out as (classes, samples) -- CrossEntropyLoss
    # input (1, K, n), BCE input (K, n) -- so the loss reduces along contiguous rows; the
    # loss values and gradients are the same numbers.
    _cols = False

    def _fit_lbfgs(self, X: np.ndarray, Y: np.ndarray) -> None:
        self._cols, self._Xt = True, np.ascontiguousarray(X.T)
        try:
            super()._fit_lbfgs(X, Y[None] if self.head_ == "softmax" else np.ascontiguousarray(Y.T))
        finally:
            self._cols, self._Xt, self._X = False, None, None

    def _net_forward(self, X: np.ndarray) -> np.ndarray:
        self._X = X
        p = self.__dict__["net_"].params
        if self._cols:
            z = p["weight"] @ self._Xt
            if self.fit_intercept:
                z += p["bias"][:, None]
            return z[None] if self.head_ == "softmax" else z
        z = X @ p["weight"].T
        if self.fit_intercept:
            z += p["bias"]
        return z

    def _net_backward(self, dout: np.ndarray) -> None:
        g = self.net_.grads
        if self._cols:
            d = dout[0] if self.head_ == "softmax" else dout
            g["weight"] += d @ self._X
            if self.fit_intercept:
                g["bias"] += d.sum(axis=1)
            return
        g["weight"] += dout.T @ self._X
        if self.fit_intercept:
            g["bias"] += dout.sum(axis=0)

    def fit(self, X: Any, y: Any) -> "LogisticRegression":
        """Fit on ``X`` (n_samples, n_features) and labels / indicator matrix ``y``."""
        self._fit(X, y)
        self._X = None
        return self

    @available_if(stochastic)
    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "LogisticRegression":
        """One epoch of the stochastic solver; ``classes`` is required on the first call."""
        return self._partial_fit(X, y, classes)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`, computed from the logits (log-sigmoid / log-softmax)."""
        from ..activations.axis import log_softmax
        from ..activations import log_sigmoid

        z = self._raw(X)
        if self.head_ == "sigmoid":
            return np.column_stack([log_sigmoid(-z[:, 0]), log_sigmoid(z[:, 0])])
        return log_softmax(z, axis=1) if self.head_ == "softmax" else log_sigmoid(z)

    @property
    def coef_(self) -> np.ndarray:
        """Weights (n_outputs, n_features)."""
        return self.net_.params["weight"].copy()

    @property
    def intercept_(self) -> np.ndarray:
        """Intercepts (n_outputs,) (zeros without ``fit_intercept``)."""
        p = self.net_.params
        return p["bias"].copy() if "bias" in p else np.zeros(self.n_outputs_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
