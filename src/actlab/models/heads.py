"""Heads of the estimators of :mod:`actlab.models`: what the target means for the net's outputs.

:func:`head_for_target` is the design table in code -- 1-D with two classes: one logit,
sigmoid + ``nn.BCEWithLogitsLoss`` (:class:`SigmoidHead`, ``head_ = "sigmoid"``); 1-D with
more classes: softmax + ``nn.CrossEntropyLoss`` (:class:`SoftmaxHead`, ``"softmax"``); a 2-D
0/1 indicator matrix: independent sigmoids + ``nn.BCEWithLogitsLoss``
(:class:`MultilabelHead`, ``"multilabel"``); regressors: identity + ``nn.MSELoss``
(:class:`IdentityHead`, ``"identity"``).  A head encodes targets for its loss (and refuses
targets of another kind on later ``partial_fit`` calls), and reads decisions,
probabilities and labels from the raw outputs ``z`` (n, n_outputs) with the core's
``sigmoid`` / ``softmax`` (one formula, one place).

May import: NumPy, scikit-learn, :mod:`actlab.nn`, :mod:`actlab.activations`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

from .. import nn
from ..activations import log_sigmoid, log_softmax, sigmoid, softmax

__all__ = ["Head", "IdentityHead", "MultilabelHead", "SigmoidHead", "SoftmaxHead", "head_for_target"]


class Head:
    """Base of the heads: the loss, the target encoding and the feature-major layout.

    ``name`` is the estimator's ``head_``; ``n_outputs`` the width of the net's output.
    """

    name = ""

    def __init__(self, n_outputs: int) -> None:
        self.n_outputs = n_outputs

    def loss(self) -> tuple[nn.Module, float]:
        """The criterion and the factor on its mean (scikit-learn's per-sample loss)."""
        return nn.BCEWithLogitsLoss(), float(self.n_outputs)  # summed over the labels

    def encode(self, y: Any, who: str) -> np.ndarray:
        """``y`` of a later ``fit`` / ``partial_fit`` call as the loss's target array."""
        raise NotImplementedError

    # The full-batch objective may run feature-major: outputs (n, K) stored as their (K, n)
    # transpose, which the loss then sees as (K, n) -- or (1, K, n), class dim 1, for the
    # cross-entropy -- so its reductions over the K outputs run along contiguous rows.
    def to_columns(self, z: np.ndarray) -> np.ndarray:
        """The feature-major output ``z`` (n, K) as the loss's input."""
        return z.T

    def from_columns(self, dz: np.ndarray) -> np.ndarray:
        """The loss's gradient back in the (n, K) shape of the output."""
        return dz.T

    def columns_target(self, Y: np.ndarray) -> np.ndarray:
        """An encoded target in the layout of :meth:`to_columns`."""
        return np.ascontiguousarray(Y.T)

    def decision(self, z: np.ndarray) -> np.ndarray:
        return z

    def proba(self, z: np.ndarray) -> np.ndarray:
        return sigmoid(z)

    def log_proba(self, z: np.ndarray) -> np.ndarray:
        return log_sigmoid(z)

    def predict(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _read_labels(y: Any, who: str) -> tuple[bool, np.ndarray]:
    """``(True, y)`` for a 0/1 indicator matrix, ``(False, 1-D y)`` for class labels; a
    ValueError naming the problem for anything else."""
    y_arr = np.asarray(y)
    if y_arr.ndim == 1 and y_arr.dtype.kind in "iub":
        kind = "multiclass"  # integer labels: skip type_of_target's scan (hot path of fit)
    else:
        kind = type_of_target(y_arr, input_name="y")
    if kind == "multilabel-indicator":
        return True, y_arr
    if y_arr.ndim == 2 and y_arr.shape[1] > 1:
        raise ValueError(f"{who}: a 2-D y must be a 0/1 indicator matrix (multi-label); got {kind} "
                         f"targets of shape {y_arr.shape}")
    if kind not in ("binary", "multiclass"):  # what check_classification_targets rejects, one pass
        raise ValueError(f"Unknown label type: {kind}. {who} needs class labels (binary or multiclass) "
                         f"or a 0/1 indicator matrix; use a regressor for continuous targets")
    return False, column_or_1d(y_arr, warn=True)


class _LabelHead(Head):
    """Heads of 1-D class labels; ``classes`` sorted as ``np.unique`` sorts them."""

    def __init__(self, classes: np.ndarray, n_outputs: int) -> None:
        super().__init__(n_outputs)
        self.classes = classes

    def encode(self, y: Any, who: str) -> np.ndarray:
        indicator, y_arr = _read_labels(y, who)
        if indicator:
            raise ValueError(f"{who}: y is a {y_arr.shape[1]}-label indicator matrix, but the model was "
                             f"fitted with head {self.name!r}")
        return self._encode(y_arr, who)

    def _indices(self, y1: np.ndarray, who: str) -> np.ndarray:
        cls = self.classes
        idx = np.clip(np.searchsorted(cls, y1), 0, len(cls) - 1)
        unknown = cls[idx] != y1
        if unknown.any():
            bad = y1[np.argmax(unknown)]
            bad = bad.item() if isinstance(bad, np.generic) else bad
            raise ValueError(f"{who}: label {bad!r} (position {int(np.argmax(unknown))}) is not one of the "
                             f"classes {cls.tolist()}")
        return idx

    def _encode(self, y1: np.ndarray, who: str) -> np.ndarray:
        return self._indices(y1, who)


class SigmoidHead(_LabelHead):
    """Two classes: one logit ``z`` for ``classes[1]``; sigmoid + BCE-with-logits."""

    name = "sigmoid"

    def __init__(self, classes: np.ndarray) -> None:
        super().__init__(classes, 1)

    def _encode(self, y1: np.ndarray, who: str) -> np.ndarray:
        return (self._indices(y1, who) == 1).astype(np.float64)[:, None]

    def decision(self, z: np.ndarray) -> np.ndarray:
        return z[:, 0]

    def proba(self, z: np.ndarray) -> np.ndarray:
        return np.column_stack([sigmoid(-z[:, 0]), sigmoid(z[:, 0])])

    def log_proba(self, z: np.ndarray) -> np.ndarray:
        return np.column_stack([log_sigmoid(-z[:, 0]), log_sigmoid(z[:, 0])])

    def predict(self, z: np.ndarray) -> np.ndarray:
        return self.classes[(z[:, 0] > 0).astype(np.intp)]


class SoftmaxHead(_LabelHead):
    """Three or more classes: K logits; softmax + cross-entropy on class indices."""

    name = "softmax"

    def __init__(self, classes: np.ndarray) -> None:
        super().__init__(classes, len(classes))

    def loss(self) -> tuple[nn.Module, float]:
        return nn.CrossEntropyLoss(), 1.0

    def to_columns(self, z: np.ndarray) -> np.ndarray:
        return z.T[None]  # (1, K, n): one "sample" with n positions, class dim 1

    def from_columns(self, dz: np.ndarray) -> np.ndarray:
        return dz[0].T

    def columns_target(self, Y: np.ndarray) -> np.ndarray:
        return Y[None]

    def proba(self, z: np.ndarray) -> np.ndarray:
        return softmax(z, axis=1)

    def log_proba(self, z: np.ndarray) -> np.ndarray:
        return log_softmax(z, axis=1)

    def predict(self, z: np.ndarray) -> np.ndarray:
        return self.classes[np.argmax(z, axis=1)]


class MultilabelHead(Head):
    """A (n, K) 0/1 indicator matrix: K independent sigmoids, BCE summed over the labels."""

    name = "multilabel"

    def __init__(self, n_labels: int, label_dtype: np.dtype) -> None:
        super().__init__(n_labels)
        self.classes = np.arange(n_labels)
        self.label_dtype = label_dtype

    def encode(self, y: Any, who: str) -> np.ndarray:
        indicator, y_arr = _read_labels(y, who)
        if not indicator:
            raise ValueError(f"{who}: the model was fitted on multi-label targets; got 1-D labels")
        if y_arr.shape[1] != self.n_outputs:
            raise ValueError(f"{who}: y is a {y_arr.shape[1]}-label indicator matrix, but the model was "
                             f"fitted with head {self.name!r}")
        return y_arr.astype(np.float64)

    def predict(self, z: np.ndarray) -> np.ndarray:
        return (z > 0).astype(self.label_dtype)


class IdentityHead(Head):
    """Regression: the outputs are the predictions; half the squared error summed over outputs."""

    name = "identity"

    def __init__(self, n_outputs: int, one_d: bool) -> None:
        super().__init__(n_outputs)
        self.one_d = one_d  # predict returns (n,) as the fitted y

    def loss(self) -> tuple[nn.Module, float]:
        return nn.MSELoss(), 0.5 * self.n_outputs

    def encode(self, y: Any, who: str) -> np.ndarray:
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(len(Y), -1)
        if Y.shape[1] != self.n_outputs:
            raise ValueError(f"{who}: y has {Y.shape[1]} outputs, the model was fitted with {self.n_outputs}")
        return Y

    def predict(self, z: np.ndarray) -> np.ndarray:
        return z[:, 0] if self.one_d else z


def head_for_target(y: Any, *, classifier: bool, who: str, classes: Any = None) -> tuple[Head, np.ndarray]:
    """The head a first ``fit`` / ``partial_fit`` target decides, and the target encoded for it.

    ``classes`` (``partial_fit``'s) lists every label when the first batch may miss some.

    >>> head, Y = head_for_target(["b", "a", "b"], classifier=True, who="demo")
    >>> head.name, head.classes.tolist(), Y[:, 0].tolist()
    ('sigmoid', ['a', 'b'], [1.0, 0.0, 1.0])
    >>> head_for_target([[0, 1], [1, 1]], classifier=True, who="demo")[0].name
    'multilabel'
    """
    if not classifier:
        y_arr = np.asarray(y, dtype=np.float64)
        head: Head = IdentityHead(1 if y_arr.ndim == 1 else y_arr.shape[1], y_arr.ndim == 1)
        return head, head.encode(y_arr, who)
    indicator, y_arr = _read_labels(y, who)
    if indicator:
        head = MultilabelHead(y_arr.shape[1], y_arr.dtype)
        return head, y_arr.astype(np.float64)
    cls = np.unique(y_arr) if classes is None else np.unique(np.asarray(classes))
    if len(cls) < 2:
        raise ValueError(f"{who}: y contains only one class ({cls.tolist()[0]!r}); a classifier needs samples "
                         f"of at least 2 classes")
    label_head = SigmoidHead(cls) if len(cls) == 2 else SoftmaxHead(cls)
    return label_head, label_head._encode(y_arr, who)
