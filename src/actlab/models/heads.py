"""Heads of the estimators of :mod:`actlab.models`: what the target means for the net's outputs.

The head is decided by the target exactly as the design table says -- 1-D with two
classes: one logit, sigmoid + ``nn.BCEWithLogitsLoss`` (``head_ = "sigmoid"``); 1-D with
more classes: softmax + ``nn.CrossEntropyLoss`` (``"softmax"``); a 2-D 0/1 indicator
matrix: independent sigmoids + ``nn.BCEWithLogitsLoss`` (``"multilabel"``); regressors:
identity + ``nn.MSELoss`` (``"identity"``).  :class:`HeadMixin` encodes the targets for
the loss and turns the raw outputs into decisions, probabilities and labels with the
core's ``sigmoid`` and ``softmax`` (one formula, one place).

May import: NumPy, scikit-learn, :mod:`actlab.nn`, :mod:`actlab.activations`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

from .. import nn
from ..activations import sigmoid
from ..activations.axis import softmax

__all__ = ["HeadMixin"]


class HeadMixin:
    """Target encoding, the loss of each head and the outputs read from the raw net output."""

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

