"""actlab.models.LogisticRegression: heads, equality with scikit-learn and torch, accuracy
floors on the bundled data (stratified 25% hold-out), bad input."""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLR
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from actlab import datasets
from actlab.models import LogisticRegression

# sklearn's ConvergenceWarning for runs capped on purpose (few iterations)
_capped = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _split(X, y, strat=None, seed=0):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed,
                                          stratify=y if strat is None else strat)
    sc = StandardScaler().fit(Xtr)
    return sc.transform(Xtr), sc.transform(Xte), ytr, yte


@pytest.fixture(scope="module")
def cancer():
    return _split(*datasets.breast_cancer(return_X_y=True))


@pytest.fixture(scope="module")
def digits():
    return _split(*datasets.digits(return_X_y=True))


def test_binary_head_matches_sklearn_and_floor(cancer):
    Xtr, Xte, ytr, yte = cancer
    ours = LogisticRegression(tol=1e-8, max_iter=500).fit(Xtr, ytr)
    ref = SkLR(tol=1e-8, max_iter=500).fit(Xtr, ytr)
    assert ours.head_ == "sigmoid" and ours.n_outputs_ == 1
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(Xte), ref.predict_proba(Xte), atol=1e-6)
    assert ours.decision_function(Xte).shape == (len(Xte),)
    assert ours.score(Xte, yte) >= 0.95
    assert ours.loss_curve_[-1] <= ours.loss_curve_[0] and ours.n_iter_ >= 1


def test_multinomial_head_matches_sklearn_and_floor(digits):
    Xtr, Xte, ytr, yte = digits
    ours = LogisticRegression().fit(Xtr, ytr)
    ref = SkLR().fit(Xtr, ytr)
    assert ours.head_ == "softmax" and ours.coef_.shape == (10, 64)
    P = ours.predict_proba(Xte)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(P, ref.predict_proba(Xte), atol=2e-3)
    assert (ours.predict(Xte) == ref.predict(Xte)).mean() > 0.99
    assert ours.score(Xte, yte) >= 0.96


def test_multilabel_head_and_per_label_floor():
    ds = datasets.multilabel_digits()
    Xtr, Xte, Ytr, Yte = _split(ds.data, ds.target, strat=ds.digit)
    clf = LogisticRegression(C=0.5).fit(Xtr, Ytr)
    assert clf.head_ == "multilabel"
    P = clf.predict_proba(Xte)
    assert P.shape == (len(Xte), 3) and ((P > 0) & (P < 1)).all()
    pred = clf.predict(Xte)
    assert pred.dtype == Ytr.dtype and set(np.unique(pred)) <= {0, 1}
    per_label = (pred == Yte).mean(axis=0)
    assert (per_label >= 0.85).all(), per_label
    # the heads are independent: fitting one label alone gives the same column
    solo = LogisticRegression(C=0.5, tol=1e-10, max_iter=1000).fit(Xtr, Ytr[:, 2])
    both = LogisticRegression(C=0.5, tol=1e-10, max_iter=1000).fit(Xtr, Ytr)
    np.testing.assert_allclose(both.coef_[2], solo.coef_[0], atol=1e-4)


@_capped
def test_objective_and_gradient_match_torch(digits):
    torch = pytest.importorskip("torch")
    Xtr, _, ytr, _ = digits
    X, y = Xtr[:200], ytr[:200]
    clf = LogisticRegression(C=0.3, max_iter=3).fit(X, y)  # an arbitrary point of the path
    Y = clf._encode_targets(y, first=False)
    f = clf._objective(X, Y)
    W = torch.tensor(clf.coef_, requires_grad=True)
    b = torch.tensor(clf.intercept_, requires_grad=True)
    z = torch.from_numpy(X) @ W.T + b
    ref = torch.nn.functional.cross_entropy(z, torch.from_numpy(Y)) + (W ** 2).sum() / (2 * 0.3 * len(X))
    ref.backward()
    assert f == pytest.approx(ref.item(), rel=1e-12)
    g = clf.net_.grads
    np.testing.assert_allclose(g["weight"], W.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g["bias"], b.grad.numpy(), rtol=1e-10, atol=1e-14)


@_capped
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_solvers_and_partial_fit(cancer, solver):
    Xtr, Xte, ytr, yte = cancer
    clf = LogisticRegression(solver=solver, max_iter=60, random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) >= 0.95
    assert len(clf.loss_curve_) == clf.n_iter_ <= 60
    inc = LogisticRegression(solver=solver, random_state=0)
    with pytest.raises(ValueError, match="classes"):
        inc.partial_fit(Xtr, ytr)
    inc.partial_fit(Xtr, ytr, classes=[0, 1])
    for _ in range(20):
        inc.partial_fit(Xtr, ytr)
    assert inc.n_iter_ == 21 and inc.score(Xte, yte) >= 0.93
    with pytest.raises(ValueError, match="label 7"):
        inc.partial_fit(Xtr[:3], np.array([0, 1, 7]))
    assert not hasattr(LogisticRegression(), "partial_fit")  # L-BFGS is full batch


def test_string_labels_work_as_in_sklearn():
    X, y = datasets.iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    clf = LogisticRegression(max_iter=500).fit(X, names)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    pred = clf.predict(X)
    assert pred.dtype == object and clf.score(X, names) > 0.95
    two = np.where(y == 0, "a", "b")
    b = LogisticRegression().fit(X, two)
    assert b.head_ == "sigmoid" and set(b.predict(X)) == {"a", "b"}
    # sigmoid(z) for "b", sigmoid(-z) for "a", as sklearn orders classes_
    np.testing.assert_allclose(b.predict_proba(X)[:, 1], 1 / (1 + np.exp(-b.decision_function(X))))


def test_predict_log_proba_is_tail_exact():
    X = np.array([[-1.0], [1.0], [-2.0], [2.0]])
    clf = LogisticRegression(C=1e6, max_iter=1000).fit(X, [0, 1, 0, 1])
    lp = clf.predict_log_proba(np.array([[-400.0], [400.0]]))
    assert np.isfinite(lp).all()
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X), rtol=1e-12)


def test_bad_input_gives_clear_errors(cancer):
    Xtr, _, ytr, _ = cancer
    clf = LogisticRegression()
    Xn = Xtr.copy()
    Xn[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(Xn, ytr)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(Xtr, np.zeros(len(Xtr), dtype=int))
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.fit(Xtr, np.linspace(0, 1, len(Xtr)))
    with pytest.raises(ValueError, match="indicator"):
        clf.fit(Xtr[:4], np.array([[0, 2], [1, 0], [2, 1], [0, 0]]))
    with pytest.raises(ValueError, match="solver"):
        LogisticRegression(solver="newton").fit(Xtr, ytr)
    with pytest.raises(ValueError, match="C must be"):
        LogisticRegression(C=0).fit(Xtr, ytr)
    clf.fit(Xtr, ytr)
    with pytest.raises(ValueError, match="features"):
        clf.predict(Xtr[:, :5])


@_capped
def test_inputs_untouched_and_pickle_roundtrip(cancer):
    Xtr, Xte, ytr, _ = cancer
    X0, y0 = Xtr.copy(), ytr.copy()
    clf = LogisticRegression(solver="adam", max_iter=5, random_state=0).fit(Xtr, ytr)
    np.testing.assert_array_equal(Xtr, X0)
    np.testing.assert_array_equal(ytr, y0)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.decision_function(Xte), clf.decision_function(Xte))
    back.partial_fit(Xtr, ytr)
    clf.partial_fit(Xtr, ytr)  # same optimizer state and rng -> same next step
    np.testing.assert_allclose(back.coef_, clf.coef_, rtol=1e-12)


def test_alpha_is_the_inverse_of_C(cancer):
    Xtr, _, ytr, _ = cancer
    a = LogisticRegression(alpha=4.0, tol=1e-9, max_iter=500).fit(Xtr, ytr)
    c = LogisticRegression(C=0.25, tol=1e-9, max_iter=500).fit(Xtr, ytr)
    np.testing.assert_allclose(a.coef_, c.coef_, rtol=1e-7)
    weak = LogisticRegression(C=100.0, tol=1e-9, max_iter=500).fit(Xtr, ytr)
    assert np.linalg.norm(weak.coef_) > 2 * np.linalg.norm(c.coef_)
