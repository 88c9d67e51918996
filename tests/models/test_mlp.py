"""MLPClassifier / MLPRegressor: torch-equal objective, any activation, accuracy floors."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from actlab import datasets
from actlab.models import MLPClassifier, MLPRegressor

_capped = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _split(X, y, strat):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=strat)
    sc = StandardScaler().fit(Xtr)
    return sc.transform(Xtr), sc.transform(Xte), ytr, yte


@_capped
@pytest.mark.parametrize("activation, head_y", [
    ("gelu", "binary"), ("swish", "multiclass"), ("tanh", "multilabel"), ("leaky_relu", "regression")])
def test_objective_and_gradients_match_torch(activation, head_y):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    y = {"binary": rng.integers(0, 2, 40), "multiclass": rng.integers(0, 4, 40),
         "multilabel": rng.integers(0, 2, (40, 3)), "regression": rng.standard_normal((40, 2))}[head_y]
    cls = MLPRegressor if head_y == "regression" else MLPClassifier
    est = cls((6, 4), activation=activation, alpha=0.3, max_iter=2, random_state=0).fit(X, y)
    Y = est._encode_targets(y, first=False)
    f = est._objective(X, Y)
    names = list(est.net_.params)
    ts = {k: torch.tensor(est.net_.params[k], requires_grad=True) for k in names}
    act = {"gelu": F.gelu, "swish": F.silu, "tanh": torch.tanh, "leaky_relu": F.leaky_relu}[activation]
    h = torch.from_numpy(X)
    for i in (0, 2, 4):
        h = h @ ts[f"{i}.weight"].T + ts[f"{i}.bias"]
        if i < 4:
            h = act(h)
    Yt = torch.from_numpy(np.asarray(Y))
    if head_y == "multiclass":
        loss = F.cross_entropy(h, Yt)
    elif head_y == "regression":
        loss = 0.5 * ((h - Yt) ** 2).sum(dim=1).mean()
    else:
        loss = F.binary_cross_entropy_with_logits(h, Yt, reduction="sum") / len(X)
    loss = loss + 0.3 / (2 * len(X)) * sum((ts[k] ** 2).sum() for k in names if k.endswith("weight"))
    loss.backward()
    assert f == pytest.approx(loss.item(), rel=1e-12)
    for k in names:
        np.testing.assert_allclose(est.net_.grads[k], ts[k].grad.numpy(), rtol=1e-9, atol=1e-13, err_msg=k)


def test_digits_floor_and_any_activation():
    Xtr, Xte, ytr, yte = _split(*datasets.digits(return_X_y=True), strat=datasets.digits().target)
    clf = MLPClassifier((64,), activation="swish", solver="lbfgs", alpha=1.0, max_iter=300,
                        random_state=0).fit(Xtr, ytr)
    assert clf.head_ == "softmax"
    assert clf.score(Xte, yte) >= 0.96
    names = [type(m).__name__ for m in clf.net_.children()]
    assert names == ["Linear", "SiLU", "Linear"]
    assert [c.shape for c in clf.coefs_] == [(64, 64), (64, 10)]


@_capped
def test_multilabel_per_label_floor():
    ds = datasets.multilabel_digits()
    Xtr, Xte, Ytr, Yte = _split(ds.data, ds.target, strat=ds.digit)
    clf = MLPClassifier((32,), solver="lbfgs", alpha=1.0, max_iter=60, random_state=0).fit(Xtr, Ytr)
    assert clf.head_ == "multilabel"
    assert ((clf.predict(Xte) == Yte).mean(axis=0) >= 0.85).all()


def test_adam_training_reduces_loss_and_is_reproducible():
    X, y = datasets.breast_cancer(return_X_y=True)
    Xtr, Xte, ytr, yte = _split(X, y, strat=y)
    kw = dict(activation="elu", learning_rate_init=0.01, tol=1e-3, random_state=3)
    a = MLPClassifier((16,), **kw).fit(Xtr, ytr)
    b = MLPClassifier((16,), **kw).fit(Xtr, ytr)
    assert a.loss_curve_ == b.loss_curve_ and a.n_iter_ < 200          # early stop, same seed -> same run
    assert a.loss_curve_[-1] < 0.2 * a.loss_curve_[0]
    assert a.score(Xte, yte) >= 0.95


def test_regressor_shapes_and_fit():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (300, 2))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 0] * X[:, 1]])
    reg = MLPRegressor((32,), activation="tanh", solver="lbfgs", max_iter=1000, random_state=0).fit(X, Y)
    assert reg.head_ == "identity" and reg.predict(X).shape == (300, 2)
    assert reg.score(X, Y) > 0.98
    one = MLPRegressor((8,), solver="lbfgs", random_state=0).fit(X, Y[:, 0])
    assert one.predict(X).shape == (300,)


def test_bad_parameters():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="unknown activation 'rleu'.*relu"):
        MLPClassifier(activation="rleu").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=(4, 0)).fit(X, y)
    with pytest.raises(ValueError, match="batch_size"):
        MLPClassifier(batch_size=0).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        MLPRegressor().fit(X, [0.0, np.nan, 1.0, 2.0])
