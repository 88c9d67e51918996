"""Multi-layer perceptrons with any actlab activation: classifier and regressor.

May import: NumPy, scikit-learn, :mod:`actlab.nn`, :mod:`actlab.activations`, :mod:`._base`,
:mod:`.params`, :mod:`.solvers`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import StrOptions

from .. import nn
from ..activations.base import Activation, AxisActivation, get
from ._base import ClassifierOutputs, NetEstimator, stochastic
from .params import FINITE_NONNEG, count
from .solvers import MINIBATCH_SOLVERS, settings_constraints

__all__ = ["MLPClassifier", "MLPRegressor"]



class _MLPBase(NetEstimator):
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "hidden_layer_sizes": ["array-like", count()],  # each size checked when the net is built
        "activation": [str, Activation, AxisActivation],  # the name checked by actlab.get
        "solver": [StrOptions({"lbfgs", *MINIBATCH_SOLVERS})],
        "alpha": [FINITE_NONNEG],
        "max_iter": [count()],
        **settings_constraints("batch_size", "learning_rate_init", "tol", "shuffle", "momentum",
                               "nesterovs_momentum", "beta_1", "beta_2", "epsilon", "n_iter_no_change"),
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *, solver: str = "adam",
                 alpha: float = 1e-4, batch_size: int | str = "auto", learning_rate_init: float = 1e-3,
                 max_iter: int = 200, tol: float = 1e-4, shuffle: bool = True, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, n_iter_no_change: int = 10, random_state: Any = None) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state

    def _lam(self) -> float:
        return float(self.alpha)

    def _sizes(self) -> list[int]:
        h = self.hidden_layer_sizes
        sizes = [h] if isinstance(h, (int, np.integer)) else list(h)
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
                raise ValueError(f"{type(self).__name__}: hidden_layer_sizes must be positive ints, got {h!r}")
        return [int(s) for s in sizes]

    def _build_net(self, n_in: int, n_out: int, rng: np.random.Generator) -> nn.Module:
        act = get(self.activation)  # ValueError naming the valid names for an unknown one
        layers: list[nn.Module] = []
        prev = n_in
        for h in self._sizes():
            # the first layer's inputs are data: no input gradient to compute
            layers += [nn.Linear(prev, h, rng=rng, input_grad=bool(layers)), nn.activation_layer(act.name)]
            prev = h
        layers.append(nn.Linear(prev, n_out, rng=rng, input_grad=bool(layers)))
        return nn.Sequential(*layers)

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weights of each Linear layer, (in, out) as in scikit-learn."""
        return [p.T.copy() for k, p in self.net_.params.items() if k.endswith("weight")]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Biases of each Linear layer."""
        return [p.copy() for k, p in self.net_.params.items() if k.endswith("bias")]


class MLPClassifier(ClassifierMixin, ClassifierOutputs, _MLPBase, BaseEstimator):
    """Multi-layer perceptron classifier; hidden units use any actlab activation by name.

    ``Linear -> activation -> ... -> Linear`` built from :mod:`actlab.nn`; the output head
    follows the target as in :class:`~actlab.models.LogisticRegression` (sigmoid + BCE for
    two classes, softmax + cross-entropy for more, independent sigmoids for a 0/1 indicator
    matrix).  Parameters mirror ``sklearn.neural_network.MLPClassifier``; ``activation`` is
    any name of ``actlab.available()`` (``"relu"``, ``"gelu"``, ``"swish"``, ``"tanh"``...).
    Objective: mean loss + ``alpha / (2 n) * sum ||W||^2``.  Weights start from
    ``nn.Linear``'s default (torch's) initialisation drawn from ``random_state``.

    Attributes
    ----------
    head_, classes_, n_iter_, loss_, loss_curve_, net_ (the ``nn.Sequential``), coefs_,
    intercepts_.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> clf = MLPClassifier((16,), activation="tanh", solver="lbfgs", random_state=0).fit(X, y)
    >>> clf.head_, clf.score(X, y) > 0.95
    ('sigmoid', True)
    """

    def fit(self, X: Any, y: Any) -> "MLPClassifier":
        """Fit on ``X`` (n_samples, n_features) and labels / indicator matrix ``y``."""
        return self._fit(X, y)

    @available_if(stochastic)
    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "MLPClassifier":
        """One epoch of the stochastic solver; ``classes`` is required on the first call."""
        return self._partial_fit(X, y, classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _MLPBase, BaseEstimator):
    """Multi-layer perceptron regressor: identity output + ``nn.MSELoss``.

    Same parameters as :class:`MLPClassifier`.  Objective: half the mean squared error
    (summed over outputs) + ``alpha / (2 n) * sum ||W||^2``.  ``y`` may be 1-D or
    (n_samples, n_outputs); ``predict`` returns the same layout.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-2, 2, 100)[:, None]
    >>> reg = MLPRegressor((32,), activation="silu", solver="lbfgs", max_iter=500, random_state=0)
    >>> reg.fit(X, X[:, 0] ** 2).score(X, X[:, 0] ** 2) > 0.99
    True
    """

    _is_classifier = False

    def fit(self, X: Any, y: Any) -> "MLPRegressor":
        """Fit on ``X`` (n_samples, n_features) and targets ``y`` (n,) or (n, n_outputs)."""
        return self._fit(X, y)

    @available_if(stochastic)
    def partial_fit(self, X: Any, y: Any) -> "MLPRegressor":
        """One epoch of the stochastic solver."""
        return self._partial_fit(X, y)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, (n,) or (n, n_outputs) as the fitted ``y``."""
        return self._predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
