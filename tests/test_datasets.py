"""actlab.datasets: shapes, label semantics, determinism, bad arguments."""

import numpy as np
import pytest

from actlab import datasets


@pytest.mark.parametrize(
    "load, shape, classes",
    [(datasets.breast_cancer, (569, 30), [0, 1]),
     (datasets.digits, (1797, 64), list(range(10))),
     (datasets.iris, (150, 4), [0, 1, 2])],
)
def test_tabular_loaders(load, shape, classes):
    ds = load()
    assert ds.data.shape == shape and ds.data.dtype == np.float64
    assert sorted(np.unique(ds.target).tolist()) == classes
    X, y = load(return_X_y=True)
    np.testing.assert_array_equal(X, ds.data)
    np.testing.assert_array_equal(y, ds.target)
    assert len(ds.feature_names) == shape[1]


def test_multilabel_digits_labels_follow_the_digit():
    ds = datasets.multilabel_digits()
    d, Y = ds.digit, ds.target
    assert Y.shape == (1797, 3) and set(np.unique(Y).tolist()) == {0, 1}
    expect = {0: [1, 0, 0], 1: [0, 0, 0], 2: [1, 0, 1], 3: [0, 0, 1], 4: [1, 0, 0],
              5: [0, 1, 1], 6: [1, 1, 0], 7: [0, 1, 1], 8: [1, 1, 0], 9: [0, 1, 0]}
    for digit, row in expect.items():
        assert (Y[d == digit] == row).all(), digit
    np.testing.assert_array_equal(ds.data, datasets.digits().data)


def test_adding_problem_structure():
    rng = np.random.default_rng(3)
    ds = datasets.adding_problem(200, 12, rng=rng)
    X, y = ds.data, ds.target
    assert X.shape == (200, 12, 2) and y.shape == (200,)
    marks = X[..., 1]
    assert (marks.sum(axis=1) == 2).all()
    assert (marks[:, :6].sum(axis=1) == 1).all() and (marks[:, 6:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y, (X[..., 0] * marks).sum(axis=1))
    assert ((X[..., 0] >= 0) & (X[..., 0] < 1)).all()
    assert ds.baseline_mse == pytest.approx(1 / 6)
    # same seed -> same data; different seed -> different data
    X2, _ = datasets.adding_problem(200, 12, rng=np.random.default_rng(3), return_X_y=True)
    X3, _ = datasets.adding_problem(200, 12, rng=np.random.default_rng(4), return_X_y=True)
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(X, X3)


def test_noisy_sine_target_is_the_clean_continuation():
    X, y = datasets.noisy_sine(50, 30, rng=np.random.default_rng(1), noise=0.0, return_X_y=True)
    assert X.shape == (50, 30, 1)
    # without noise three consecutive samples obey s[t+1] = 2 cos(w) s[t] - s[t-1]
    s = X[:, :, 0]
    two_cos_w = (s[:, 2] + s[:, 0]) / s[:, 1]
    pred = two_cos_w * s[:, -1] - s[:, -2]
    ok = np.abs(s[:, 1]) > 0.1
    np.testing.assert_allclose(pred[ok], y[ok], atol=1e-9)
    Xn, _ = datasets.noisy_sine(50, 30, rng=np.random.default_rng(1), noise=0.5, return_X_y=True)
    assert 0.3 < np.std(Xn - X) < 0.7


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_samples=10, T=1), "T must be"),
    (dict(n_samples=0, T=5), "n_samples"),
    (dict(n_samples=2.5, T=5), "n_samples"),
])
def test_adding_problem_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.adding_problem(**kwargs, rng=np.random.default_rng(0))


def test_sequence_generators_need_a_generator():
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        datasets.adding_problem(5, 5, rng=0)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        datasets.noisy_sine(5, 5, rng=None)
    with pytest.raises(ValueError, match="noise"):
        datasets.noisy_sine(5, 5, rng=np.random.default_rng(0), noise=-1.0)


@pytest.mark.parametrize("name", datasets.PLAYGROUND)
def test_playground_sets_are_seeded_balanced_2d(name):
    X, y = datasets.playground(name, 301, noise=0.2, rng=np.random.default_rng(3), return_X_y=True)
    X2, y2 = datasets.playground(name, 301, noise=0.2, rng=np.random.default_rng(3), return_X_y=True)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (301, 2) and X.dtype == np.float64 and set(y.tolist()) == {0, 1}
    assert 0.35 < y.mean() < 0.65 and np.all(np.abs(X) < 8)


def test_playground_shapes_are_what_their_names_say():
    rng = np.random.default_rng(0)
    X, y = datasets.playground("circle", 400, rng=rng, return_X_y=True)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.all(r[y == 1] <= 3) and np.all(r[y == 0] >= 4)
    X, y = datasets.playground("gauss", 400, rng=rng, return_X_y=True)
    assert np.all(X[y == 1].mean(axis=0) > 1.5) and np.all(X[y == 0].mean(axis=0) < -1.5)
    with pytest.raises(ValueError, match="unknown data set 'swirl'"):
        datasets.playground("swirl", rng=rng)
    with pytest.raises(ValueError, match=r"noise must be a number in \[0, 1\]"):
        datasets.playground("xor", noise=2.0, rng=rng)
