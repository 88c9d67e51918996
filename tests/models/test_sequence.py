"""SequenceClassifier / SequenceRegressor on LSTM and GRU."""

import numpy as np
import pytest

from actlab import datasets
from actlab.models import SequenceClassifier, SequenceRegressor
from actlab.nn.recurrent import GRU, LSTM


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_adding_problem_small_T_is_solved(cell):
    # T = 50 is measured in benchmarks/models.py; T = 10 keeps the suite fast
    X, y = datasets.adding_problem(800, 10, rng=np.random.default_rng(0), return_X_y=True)
    Xte, yte = datasets.adding_problem(400, 10, rng=np.random.default_rng(1), return_X_y=True)
    reg = SequenceRegressor(cell=cell, hidden_size=24, epochs=20, random_state=0).fit(X, y)
    mse = float(np.mean((reg.predict(Xte) - yte) ** 2))
    assert mse < 0.05 * (1 / 6), mse          # far below the variance baseline
    assert reg.head_ == "identity" and reg.n_iter_ == len(reg.loss_curve_)
    assert isinstance(reg.rnn_, LSTM if cell == "lstm" else GRU) and reg.rnn_.batch_first
    gates = reg.rnn_.last_gates[0]
    assert sorted(gates) == (["f", "g", "i", "o"] if cell == "lstm" else ["n", "r", "z"])
    assert next(iter(gates.values())).shape == (10, 400, 24)   # (T, batch, hidden) of the last predict


def test_classifier_with_string_labels_and_multiclass():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6, 2))
    s = X[:, :, 0].sum(axis=1)
    y = np.where(s > 1, "up", np.where(s < -1, "down", "flat"))
    clf = SequenceClassifier(cell="gru", hidden_size=16, epochs=25, random_state=0).fit(X, y)
    assert clf.head_ == "softmax" and list(clf.classes_) == ["down", "flat", "up"]
    assert clf.score(X, y) > 0.9
    P = clf.predict_proba(X[:5])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert clf.decision_function(X[:5]).shape == (5, 3)


def test_float32_training_and_partial_fit():
    X, y = datasets.noisy_sine(300, 15, rng=np.random.default_rng(2), return_X_y=True)
    reg = SequenceRegressor(hidden_size=16, epochs=15, dtype="float32", random_state=0).fit(X, y)
    assert reg.rnn_.params["weight_ih_l0"].dtype == np.float32
    assert reg.score(X, y) > 0.9
    inc = SequenceRegressor(cell="gru", hidden_size=8, random_state=0)
    for _ in range(3):
        inc.partial_fit(X, y)
    assert inc.n_iter_ == 3 and inc.loss_curve_[-1] < inc.loss_curve_[0]


def test_bad_sequence_input():
    X, y = datasets.adding_problem(20, 5, rng=np.random.default_rng(0), return_X_y=True)
    reg = SequenceRegressor(hidden_size=4, epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"3-D \(n_samples, T, n_features\).*X\[\.\.\., None\]"):
        reg.fit(X[..., 0], y)
    with pytest.raises(ValueError, match="3-D"):
        reg.fit(X[None], y)
    Xn = X.copy()
    Xn[2, 3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        reg.fit(Xn, y)
    with pytest.raises(ValueError, match="20 sequences but y has 19"):
        reg.fit(X, y[:-1])
    with pytest.raises(ValueError, match="cell must be"):
        SequenceRegressor(cell="rnn").fit(X, y)
    reg.fit(X, y)
    with pytest.raises(ValueError, match="expecting 2 features"):
        reg.predict(X[..., :1])
    clf = SequenceClassifier(hidden_size=4, epochs=1)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.ones(20, dtype=int))
