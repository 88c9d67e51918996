"""scikit-learn compatible estimators built on :mod:`actlab.nn`.

* :class:`LogisticRegression` -- binary (sigmoid), multinomial (softmax) or multi-label
  (independent sigmoids), chosen from the target; ``head_`` says which.
* :class:`MLPClassifier`, :class:`MLPRegressor` -- hidden layers with any actlab activation.
* :class:`SequenceClassifier`, :class:`SequenceRegressor` -- LSTM or GRU on
  (n_samples, T, n_features) inputs.

Inside: :mod:`._base` (the estimator base), :mod:`.heads` (target -> head, outputs),
:mod:`.solvers` (objective, L-BFGS, the mini-batch trainer), :mod:`.params` (parameter
constraints and their check).

>>> import numpy as np
>>> from actlab.models import LogisticRegression
>>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 5)
>>> X = Y + 0.1 * np.arange(40).reshape(20, 2) % 0.3
>>> LogisticRegression().fit(X, Y).head_
'multilabel'

May import: its own modules.
"""

from __future__ import annotations

from .logistic import LogisticRegression
from .mlp import MLPClassifier, MLPRegressor
from .sequence import SequenceClassifier, SequenceRegressor

__all__ = ["LogisticRegression", "MLPClassifier", "MLPRegressor", "SequenceClassifier", "SequenceRegressor"]
