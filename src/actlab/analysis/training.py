"""``actlab train TASK``: train a small model on bundled real data and report its metrics.

:func:`run_task` returns a :class:`TrainingResult`: the data, the split and one
:class:`Score` per trained model.

May import: NumPy, scikit-learn (the split), :mod:`actlab.datasets` and :mod:`actlab.models`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TASKS", "Score", "TrainingResult", "run_task", "load_task_data"]

TASKS = ("binary", "multiclass", "multilabel", "sequence")

#: The adding problem of the sequence task: sequences, their length T, training epochs.  Set
#: so that both cells learn on every kernel ISA (test MSE well below 10% of predicting the
#: mean; tests/analysis/test_training.py checks it under base, AVX2 and AVX-512).
SEQUENCE_SETUP = {"sequences": 2000, "steps": 30, "epochs": 30}


@dataclass(frozen=True)
class Score:
    """One model's test metric, e.g. ``Score("LSTM", "test MSE", 0.0021)``."""

    model: str
    metric: str
    value: float

    @property
    def label(self) -> str:
        """``"LSTM test MSE"``."""
        return f"{self.model} {self.metric}"


@dataclass(frozen=True)
class TrainingResult:
    """What :func:`run_task` trained and measured on a 75/25 split.

    ``head`` is the head LogisticRegression chose (classification tasks), ``baseline_mse``
    the test MSE of predicting the training mean (the sequence task); the other is None.
    ``notes`` are what training reported on the way (e.g. that the MLP used its whole epoch
    budget), as plain sentences instead of warnings.
    """

    task: str
    model: str
    data: str
    train_rows: int
    test_rows: int
    scores: tuple[Score, ...]
    head: str | None = None
    baseline_mse: float | None = None
    notes: tuple[str, ...] = ()




def _xy(ds: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = (ds[0], ds[1]) if isinstance(ds, tuple) else (ds.data, ds.target)
    return np.asarray(x, dtype=np.float64), np.asarray(y)


def load_task_data(task: str, *, rng: np.random.Generator, small: bool = False) -> tuple[np.ndarray, np.ndarray, str]:
    """``(X, y, data set name)`` for a task; tabular inputs are standardised."""
    from .. import datasets

    if task == "binary":
        x, y = _xy(datasets.breast_cancer())
        name = "breast_cancer"
    elif task == "multiclass":
        x, y = _xy(datasets.digits())
        name = "digits"
    elif task == "multilabel":
        x, y = _xy(datasets.multilabel_digits())
        name = "multi-label digits"
    elif task == "sequence":
        n, t = (200, 10) if small else (SEQUENCE_SETUP["sequences"], SEQUENCE_SETUP["steps"])
        x, y = _xy(datasets.adding_problem(n, t, rng=rng))
        return x, y, f"adding problem (T={t})"
    else:
        raise ValueError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-12)
    return x, y, name


def run_task(task: str, *, activation: str | None = None, epochs: int | None = None, seed: int = 0,
             console: Any = None, small: bool = False) -> TrainingResult:
    """Train on a 75/25 split and score on the held-out part.

    binary / multiclass / multilabel: ``MLPClassifier`` with ``activation`` hidden units
    (default relu; one hidden layer of 32) next to ``LogisticRegression``; sequence:
    ``SequenceRegressor`` (LSTM and GRU, :data:`SEQUENCE_SETUP`) on the adding problem, with
    the baseline MSE of predicting the mean.  The gates of an LSTM / GRU are sigmoid and tanh
    by definition, so ``activation`` is refused for the sequence task (ValueError).
    ``small`` shrinks the sequence data (tests).  ``console`` is accepted for older callers;
    training prints nothing.
    """
    from sklearn.model_selection import train_test_split

    task = task.replace("-", "").replace("_", "")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    if task == "sequence" and activation is not None:
        raise ValueError(f"activation {activation!r} does not apply to the sequence task: LSTM and GRU gates are "
                         "sigmoid and tanh by definition (use it with binary, multiclass or multilabel)")
    if epochs is not None and (isinstance(epochs, bool) or int(epochs) != epochs or epochs < 1):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    activation = activation or "relu"
    rng = np.random.default_rng(seed)
    x, y, dname = load_task_data(task, rng=rng, small=small)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=seed)
    split = {"task": task, "data": dname, "train_rows": len(xtr), "test_rows": len(xte)}
    if task == "sequence":
        from ..models import SequenceRegressor

        scores = []
        for cell in ("lstm", "gru"):
            est = SequenceRegressor(cell=cell, epochs=epochs or SEQUENCE_SETUP["epochs"], random_state=seed)
            est.fit(xtr, ytr)
            pred = np.asarray(est.predict(xte)).reshape(np.shape(yte))
            scores.append(Score(cell.upper(), "test MSE", float(np.mean((pred - yte) ** 2))))
        return TrainingResult(model="SequenceRegressor (LSTM, GRU)", scores=tuple(scores),
                              baseline_mse=float(np.mean((yte - ytr.mean()) ** 2)), **split)
    from sklearn.exceptions import ConvergenceWarning

    from ..models import LogisticRegression, MLPClassifier

    lr = LogisticRegression().fit(xtr, ytr)
    kw: dict[str, Any] = {"activation": activation, "random_state": seed}
    if epochs is not None:
        kw["max_iter"] = epochs
    mlp = MLPClassifier(**{k: v for k, v in kw.items() if k in MLPClassifier().get_params()})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        mlp.fit(xtr, ytr)
    notes = tuple(f"MLPClassifier used its whole budget of {mlp.n_iter_} epochs: the training loss was still "
                  f"falling by more than tol={mlp.tol:g} per epoch (the accuracy above is after that budget)"
                  for w in caught if issubclass(w.category, ConvergenceWarning))[:1]
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    scores = [Score("LogisticRegression", "test accuracy", float(lr.score(xte, yte))),
              Score(f"MLPClassifier ({activation})", "test accuracy", float(mlp.score(xte, yte)))]
    return TrainingResult(model=f"LogisticRegression + MLPClassifier({activation})", scores=tuple(scores),
                          head=str(getattr(lr, "head_", "?")), notes=notes, **split)
