"""The parts of actlab.models: declared parameters, heads, the feature-major L-BFGS path."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from actlab import datasets
from actlab.models import LogisticRegression, MLPClassifier, MLPRegressor, SequenceClassifier, SequenceRegressor
from actlab.models.heads import head_for_target
from actlab.models.params import _constraints
from actlab.models.solvers import MinibatchSettings

ALL = [LogisticRegression, MLPClassifier, MLPRegressor, SequenceClassifier, SequenceRegressor]


@pytest.mark.parametrize("cls", ALL)
def test_every_parameter_is_declared_once(cls):
    assert sorted(_constraints(cls)) == sorted(cls().get_params())


@pytest.mark.parametrize("est, message", [
    (LogisticRegression(max_iter=True), "LogisticRegression: max_iter must be an int in the range [1, inf); got True"),
    (LogisticRegression(tol=np.inf), "tol must be a float in the range [0.0, inf); got inf"),
    (LogisticRegression(random_state="x"), "random_state must be"),
    (MLPClassifier(momentum=1.5), "MLPClassifier: momentum must be a float in the range [0.0, 1.0]; got 1.5"),
    (MLPRegressor(shuffle=1), "shuffle must be an instance of 'bool'"),
    (SequenceRegressor(solver="lbfgs"), "SequenceRegressor: solver must be a str among"),
    (SequenceRegressor(dtype="float16"), "SequenceRegressor: dtype must be a str among {'float"),
])
def test_bad_parameters_name_the_estimator_and_the_parameter(est, message):
    X, y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    if isinstance(est, (SequenceClassifier, SequenceRegressor)):
        X = X[..., None]
    with pytest.raises(InvalidParameterError) as err:
        est.fit(X, y)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError) and isinstance(err.value, TypeError)


def test_float_dtypes_numpy_reads_are_accepted():
    X, y = datasets.adding_problem(20, 4, rng=np.random.default_rng(0), return_X_y=True)
    reg = SequenceRegressor(hidden_size=3, epochs=1, dtype=np.float32, random_state=0).fit(X, y)
    assert reg.rnn_.params["weight_ih_l0"].dtype == np.float32


def test_minibatch_settings_are_read_from_the_parameters():
    s = MinibatchSettings.of(LogisticRegression(solver="sgd", momentum=0.5, batch_size=7).get_params())
    assert (s.solver, s.momentum, s.beta_1, s.clip_grad_norm, s.batch(100), s.batch(5)) == ("sgd", 0.5, 0.9, None, 7, 5)
    assert MinibatchSettings.of(SequenceRegressor().get_params()).clip_grad_norm == 1.0


@pytest.mark.parametrize("y, name, n_out", [
    (np.array([3, 5, 3, 5]), "sigmoid", 1), (np.array([0, 1, 2, 1]), "softmax", 3),
    (np.array([[0, 1], [1, 1], [1, 0], [0, 0]]), "multilabel", 2)])
def test_heads_and_their_feature_major_layout(y, name, n_out):
    head, Y = head_for_target(y, classifier=True, who="t")
    assert head.name == name and head.n_outputs == n_out
    z = np.asfortranarray(np.random.default_rng(0).standard_normal((4, n_out)))
    zc = head.to_columns(z)
    assert zc.flags.c_contiguous and zc.shape[-1] == 4   # samples along contiguous rows
    np.testing.assert_array_equal(head.from_columns(zc), z)
    assert head.columns_target(Y).shape[-1] == 4
    with pytest.raises(ValueError, match="indicator|multi-label"):
        head.encode(np.array([[0, 1, 1]] * 4) if name != "multilabel" else y[:, 0], "t")


def test_feature_major_lbfgs_equals_the_sample_major_path():
    X, y = datasets.digits(return_X_y=True)
    X = (X - X.mean(0)) / (X.std(0) + 1)

    class SampleMajor(LogisticRegression):
        _feature_major = False

    a = LogisticRegression().fit(X[:500], y[:500])
    b = SampleMajor().fit(X[:500], y[:500])
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
