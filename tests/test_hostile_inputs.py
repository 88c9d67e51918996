"""Hostile inputs of the core (issue 16): no RuntimeWarning, no silent NaN, clear errors.

Every check runs under ``np.errstate(all="raise", under="ignore")`` and pytest's
``filterwarnings = error``, so a warning anywhere fails the test.
"""

import numpy as np
import pytest

import actlab as al

AXIS_FUNCTIONS = ["softmax", "log_softmax", "logsumexp", "glu"]


@pytest.fixture(autouse=True)
def strict():
    with np.errstate(all="raise", under="ignore"):
        yield


# -- axis= must be an integer ----------------------------------------------------------------
@pytest.mark.parametrize("name", AXIS_FUNCTIONS)
@pytest.mark.parametrize("axis", [1.5, "0", True, np.True_, np.float64(1), None])
def test_axis_that_is_no_integer_is_a_type_error(name, axis):
    act = al.get(name)
    x = np.ones((2, 4))
    with pytest.raises(TypeError, match=rf"actlab\.{name}: axis must be an integer"):
        act(x, axis=axis)
    with pytest.raises(TypeError, match="axis must be an integer"):
        act.vjp(x, np.ones(np.shape(act(x))), axis=axis)


@pytest.mark.parametrize("name", AXIS_FUNCTIONS)
def test_integer_axes_still_work(name):
    act = al.get(name)
    x = np.random.default_rng(0).normal(size=(2, 4))
    for axis in (0, np.int64(0), np.intp(-2), np.uint8(0)):
        np.testing.assert_array_equal(act(x, axis=axis), act(x, axis=0))
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        act(x, axis=2)
