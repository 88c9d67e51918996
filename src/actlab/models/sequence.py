"""Sequence estimators on :class:`actlab.nn.LSTM` / :class:`actlab.nn.GRU`.

Inputs are 3-D ``(n_samples, T, n_features)`` (batch first).  The network is a recurrent
stack followed by an ``nn.Linear`` read-out of the top layer's last hidden state; heads and
losses follow the target as in the tabular estimators.  Training uses mini-batch Adam (or
SGD) with gradient-norm clipping.

May import: NumPy, scikit-learn, :mod:`actlab.nn` (the public LSTM / GRU), :mod:`._base`,
:mod:`.params`, :mod:`.solvers`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array

from .. import nn
from ._base import ClassifierOutputs, NetEstimator
from .params import FINITE_NONNEG, count
from .solvers import MINIBATCH_SOLVERS, settings_constraints

__all__ = ["SequenceClassifier", "SequenceRegressor"]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class _FloatDtype(StrOptions):
    """``"float32"`` / ``"float64"``, or anything NumPy reads as one of them (``np.float32``, ``"f8"``)."""

    def __init__(self) -> None:
        super().__init__({"float32", "float64"})

    def is_satisfied_by(self, val: Any) -> bool:
        try:
            return np.dtype(val) in _FLOATS
        except TypeError:
            return False


class _SeqNet(nn.Module):
    """Recurrent stack (batch first) + Linear on the top layer's last hidden state."""

    def __init__(self, rnn: nn.Module, fc: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn
        self.fc = fc
        self._B: int | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, hx = self.rnn.forward(x)
        h_n = hx[0] if isinstance(hx, tuple) else hx
        self._B = x.shape[0]
        return self.fc.forward(h_n[-1])

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_cache("_B")
        dlast = self.fc.backward(dout)
        r = self.rnn
        dh = np.zeros((r.num_layers, self._B, r.hidden_size), dtype=r.dtype)
        dh[-1] = dlast
        return r.backward(None, dh)


class _SeqBase(NetEstimator):
    _warn_max_iter = False  # ``epochs`` is a training budget, not a cap on a convergent solver
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "cell": [StrOptions(set(_CELLS))],
        "hidden_size": [count()],
        "num_layers": [count()],
        "epochs": [count()],
        "solver": [StrOptions(set(MINIBATCH_SOLVERS))],  # mini-batch BPTT only
        "alpha": [FINITE_NONNEG],
        **settings_constraints("batch_size", "learning_rate_init", "clip_grad_norm", "tol", "n_iter_no_change",
                               "shuffle"),
        "dtype": [_FloatDtype()],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(self, cell: str = "lstm", hidden_size: int = 32, num_layers: int = 1, *,
                 epochs: int = 30, batch_size: int | str = 32, learning_rate_init: float = 1e-2,
                 solver: str = "adam", alpha: float = 0.0, clip_grad_norm: float | None = 1.0,
                 tol: float = 1e-4, n_iter_no_change: int = 10, shuffle: bool = True,
                 dtype: str = "float64", random_state: Any = None) -> None:
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.solver = solver
        self.alpha = alpha
        self.clip_grad_norm = clip_grad_norm
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.dtype = dtype
        self.random_state = random_state

    @property
    def max_iter(self) -> int:  # the engine's name for the number of epochs
        return self.epochs

    def _lam(self) -> float:
        return float(self.alpha)

    def _to3d(self, X: np.ndarray) -> np.ndarray:
        if X.ndim != 3:
            hint = " -- add a feature axis with X[..., None]" if X.ndim == 2 else ""
            raise ValueError(f"{type(self).__name__}: X must be 3-D (n_samples, T, n_features); got an array "
                             f"of shape {X.shape}{hint}")
        return X

    def _check_X(self, X: Any, reset: bool) -> np.ndarray:
        X = check_array(X, allow_nd=True, ensure_2d=False, dtype=np.float64, input_name="X")
        X = self._to3d(X)
        if reset:
            self.n_features_in_ = X.shape[2]
        elif X.shape[2] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[2]} features per step, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input")
        return X.astype(self.dtype, copy=False)

    def _check_Xy(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, Any]:
        X = self._check_X(X, reset)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        y = check_array(y, ensure_2d=False, dtype=None if self._is_classifier else np.float64, input_name="y")
        if len(y) != len(X):
            raise ValueError(f"{type(self).__name__}: X has {len(X)} sequences but y has {len(y)} targets")
        return X, y

    def _build_net(self, n_in: int, n_out: int, rng: np.random.Generator) -> nn.Module:
        rnn = _CELLS[self.cell](n_in, int(self.hidden_size), num_layers=int(self.num_layers), batch_first=True,
                                rng=rng, dtype=np.dtype(self.dtype))
        fc = nn.Linear(int(self.hidden_size), n_out, rng=rng, dtype=np.dtype(self.dtype))
        return _SeqNet(rnn, fc)

    def fit(self, X: Any, y: Any) -> Any:
        """Fit on sequences ``X`` (n_samples, T, n_features) and targets ``y``."""
        return self._fit(X, y)

    @property
    def rnn_(self) -> nn.Module:
        """The fitted recurrent module (``batch_first=True``); its ``last_gates`` are those of the
        latest forward pass."""
        return self.net_.rnn


class SequenceClassifier(ClassifierMixin, ClassifierOutputs, _SeqBase, BaseEstimator):
    """Classify sequences with an LSTM or GRU (``cell="lstm" | "gru"``).

    Heads as :class:`~actlab.models.LogisticRegression`: sigmoid + BCE (two classes),
    softmax + cross-entropy (more), independent sigmoids (0/1 indicator matrix).

    Parameters
    ----------
    cell : {"lstm", "gru"}
    hidden_size, num_layers : int
    epochs : int, default 30
        Passes over the data (early stop after ``n_iter_no_change`` epochs without a ``tol``
        improvement of the training loss).
    batch_size : int, default 32
    learning_rate_init : float, default 0.01
    solver : {"adam", "sgd"}
    alpha : float, default 0
        L2 strength on the weights.
    clip_grad_norm : float or None, default 1.0
        Rescale the whole gradient to at most this norm before each step.
    dtype : {"float64", "float32"}
    random_state : int, RandomState, Generator or None

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 8, 1))
    >>> y = np.where(X.sum(axis=(1, 2)) > 0, "up", "down")
    >>> clf = SequenceClassifier(cell="gru", hidden_size=8, epochs=20, random_state=0).fit(X, y)
    >>> clf.head_, clf.score(X, y) > 0.9
    ('sigmoid', True)
    """

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "SequenceClassifier":
        """One epoch over ``(X, y)``; ``classes`` is required on the first call."""
        return self._partial_fit(X, y, classes)


class SequenceRegressor(RegressorMixin, _SeqBase, BaseEstimator):
    """Regress sequences with an LSTM or GRU: identity read-out + ``nn.MSELoss``.

    Same parameters as :class:`SequenceClassifier`; ``y`` (n,) or (n, n_outputs).

    Examples
    --------
    >>> import numpy as np
    >>> from actlab.datasets import adding_problem
    >>> X, y = adding_problem(300, 6, rng=np.random.default_rng(0), return_X_y=True)
    >>> reg = SequenceRegressor(hidden_size=16, epochs=40, random_state=0).fit(X, y)
    >>> float(np.mean((reg.predict(X) - y) ** 2)) < 0.02
    True
    """

    _is_classifier = False

    def partial_fit(self, X: Any, y: Any) -> "SequenceRegressor":
        """One epoch over ``(X, y)``."""
        return self._partial_fit(X, y)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, (n,) or (n, n_outputs) as the fitted ``y``."""
        return self._predict(X)
