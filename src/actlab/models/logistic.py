"""Logistic regression in its three forms -- the target decides the head.

May import: NumPy, scikit-learn, :mod:`actlab.nn`, :mod:`._base`, :mod:`.params`, :mod:`.solvers`.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions

from .. import nn
from ._base import ClassifierOutputs, NetEstimator, stochastic
from .params import FINITE_NONNEG, count
from .solvers import MINIBATCH_SOLVERS, settings_constraints

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

    The model is one :class:`actlab.nn.Linear` layer (``input_grad=False``); the losses are the nn kit's, the
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

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "C": [Interval(Real, 0, None, closed="neither")],  # np.inf: no penalty
        "alpha": [FINITE_NONNEG, None],
        "solver": [StrOptions({"lbfgs", *MINIBATCH_SOLVERS})],
        "max_iter": [count()],
        **settings_constraints("tol", "batch_size", "learning_rate_init", "momentum", "n_iter_no_change",
                               "shuffle"),
        "fit_intercept": ["boolean"],
        "random_state": ["random_state", np.random.Generator],
    }
    # One affine layer: L-BFGS runs on a feature-major copy of X, the layout nn.Linear computes
    # fastest for few outputs (the matmul, the bias gradient and the loss's reductions over
    # the K logits along contiguous rows).
    _feature_major = True

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
        return float(self.alpha) if self.alpha is not None else 1.0 / float(self.C)

    def _build_net(self, n_in: int, n_out: int, rng: np.random.Generator) -> nn.Module:
        # the inputs are data: no input gradient to compute
        lin = nn.Linear(n_in, n_out, bias=bool(self.fit_intercept), rng=rng, input_grad=False)
        lin.params["weight"][...] = 0.0  # convex problem: start at zero, as scikit-learn
        if self.fit_intercept:
            lin.params["bias"][...] = 0.0
        return lin

    def fit(self, X: Any, y: Any) -> "LogisticRegression":
        """Fit on ``X`` (n_samples, n_features) and labels / indicator matrix ``y``."""
        return self._fit(X, y)

    @available_if(stochastic)
    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "LogisticRegression":
        """One epoch of the stochastic solver; ``classes`` is required on the first call."""
        return self._partial_fit(X, y, classes)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`, computed from the logits (log-sigmoid / log-softmax)."""
        z = self._raw(X)
        return self._head.log_proba(z)

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
