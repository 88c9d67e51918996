"""softmax, log_softmax, logsumexp, glu: values, O(n) vjps, extremes, properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special as sp

import actlab as al


@pytest.fixture
def strict():
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        yield


def _jacobian(f, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        cols.append(((f(x + e) - f(x - e)) / (2 * eps)).ravel())
    return np.array(cols).T


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_values_match_scipy(axis):
    x = np.random.default_rng(0).normal(0, 10, (4, 5))
    np.testing.assert_allclose(al.softmax(x, axis=axis), sp.softmax(x, axis=axis), rtol=1e-14)
    np.testing.assert_allclose(al.log_softmax(x, axis=axis), sp.log_softmax(x, axis=axis), rtol=1e-13)
    np.testing.assert_allclose(al.logsumexp(x, axis=axis), sp.logsumexp(x, axis=axis), rtol=1e-14)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp", "glu"])
@pytest.mark.parametrize("axis", [0, -1])
def test_vjp_equals_jacobian_transpose(name, axis):
    act = al.get(name)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6))
    y = act(x, axis=axis)
    dy = rng.normal(size=np.shape(y))
    J = _jacobian(lambda z: act(z, axis=axis), x)
    expect = (J.T @ np.ravel(dy)).reshape(x.shape)
    np.testing.assert_allclose(act.vjp(x, dy, axis=axis), expect, rtol=1e-7, atol=1e-9)
    if name != "glu":  # reusing the forward output gives the same result
        np.testing.assert_allclose(act.vjp(x, dy, axis=axis, y=y), expect, rtol=1e-7, atol=1e-9)


def test_extremes(strict):
    x = np.array([[1000.0, 1000.0, -1000.0], [np.inf, 0.0, np.inf], [-np.inf, 0.0, 1.0],
                  [-np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0]])
    s = al.softmax(x)
    np.testing.assert_allclose(s[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(s[1], [0.5, 0.0, 0.5])
    np.testing.assert_allclose(s[2], sp.softmax([-np.inf, 0.0, 1.0]))
    assert np.all(np.isnan(s[3])) and np.all(np.isnan(s[4]))
    ls = al.log_softmax(x)
    np.testing.assert_allclose(ls[0], [-np.log(2), -np.log(2), -2000 - np.log(2)])
    assert ls[2, 0] == -np.inf
    lse = al.logsumexp(x)
    np.testing.assert_allclose(lse[:3], [1000 + np.log(2), np.inf, sp.logsumexp([0.0, 1.0])])
    assert lse[3] == -np.inf and np.isnan(lse[4])
    assert al.softmax(np.empty((0, 3))).shape == (0, 3)


def test_bad_input():
    with pytest.raises(ValueError, match="even"):
        al.glu(np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least one dimension"):
        al.softmax(1.0)
    with pytest.raises(TypeError, match="complex"):
        al.softmax(np.ones(3, complex))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes(dtype):
    x = np.array([[1.0, 2.0, 3.0, 4.0]], dtype=dtype)
    for name in ("softmax", "log_softmax", "logsumexp", "glu"):
        assert np.asarray(al.get(name)(x)).dtype == dtype


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=st.floats(-700, 700)))
def test_properties(x):
    s = al.softmax(x, axis=-1)
    np.testing.assert_allclose(np.sum(s, axis=-1), 1.0, rtol=1e-14)
    ls = al.log_softmax(x, axis=-1)
    with np.errstate(divide="ignore"):
        logs = np.log(s)
    fin = np.isfinite(logs) & (s > 1e-300)
    np.testing.assert_allclose(ls[fin], logs[fin], rtol=1e-12, atol=1e-12)
    assert np.all(ls <= 0)


def test_vjp_from_output_is_a_property_of_the_core_object():
    """softmax and log_softmax compute their vjp from the output alone: layers cache y."""
    flags = {n: al.get(n).vjp_from_output for n in ("softmax", "log_softmax", "logsumexp", "glu")}
    assert flags == {"softmax": True, "log_softmax": True, "logsumexp": False, "glu": False}
    x = np.random.default_rng(3).normal(size=(3, 5))
    dy = np.random.default_rng(4).normal(size=(3, 5))
    for name in ("softmax", "log_softmax"):
        act = al.get(name)
        # only y is used: a wrong x with the right y gives the right product
        np.testing.assert_array_equal(act.vjp(x + 1.0, dy, y=act(x)), act.vjp(x, dy, y=act(x)))
        np.testing.assert_allclose(act.vjp(x, dy, y=act(x)), act.vjp(x, dy), rtol=1e-13, atol=1e-15)
