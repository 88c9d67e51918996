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


# -- vjp on a flat piece is 0 for any dy (torch's backward) ----------------------------------
FLAT_TORCH = {  # actlab name, parameters -> the torch function
    "relu": ({}, "relu"), "relu6": ({}, "relu6"), "hard_sigmoid": ({}, "hardsigmoid"),
    "hard_swish": ({}, "hardswish"), "leaky_relu": ({"negative_slope": 0.2}, "leaky_relu"),
}
XS = np.array([-np.inf, -1e308, -7.0, -4.0, -3.0, -1.0, -0.0, 0.0, 1.0, 3.0, 5.0, 6.0, 7.0, 1e308,
               np.inf])
DYS = [np.inf, -np.inf, np.nan, -1.0, 0.0, "max"]


@pytest.mark.parametrize("name", sorted(FLAT_TORCH))
@pytest.mark.parametrize("dy", DYS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vjp_on_flat_pieces_matches_torch(name, dy, dtype):
    torch = pytest.importorskip("torch")
    params, tname = FLAT_TORCH[name]
    with np.errstate(over="ignore"):  # +-1e308 is +-inf in float32
        x = XS.astype(dtype)
    dy = np.finfo(dtype).max if dy == "max" else dy
    tx = torch.tensor(x, requires_grad=True)
    getattr(torch.nn.functional, tname)(tx, **params).backward(torch.full_like(tx, dy))
    got = al.get(name).vjp(x, np.full_like(x, dy), **params)
    assert got.dtype == dtype
    expect = tx.grad.numpy()
    # torch's 1/6 of hardsigmoid is a float32 constant even in float64; its hardswish slope
    # x/3 + 1/2 rounds differently: the flat pieces are compared exactly (0 == 0)
    rtol = 1e-7 if name == "hard_sigmoid" or dtype == np.float32 else 1e-15
    np.testing.assert_allclose(got, expect, rtol=rtol, atol=0)
    np.testing.assert_array_equal(got[expect == 0], 0.0)


@pytest.mark.parametrize("name", ["relu", "relu6", "step", "hard_sigmoid", "hard_swish"])
def test_vjp_is_zero_where_the_derivative_is_zero_by_definition(name):
    act = al.get(name)
    x = np.array([-5.0, -4.0, -3.0, 7.0]) if name != "relu6" else np.array([-5.0, 0.0, 6.0, 7.0])
    flat = act.grad(x) == 0
    for dy in (np.inf, -np.inf, np.nan):
        res = act.vjp(x, np.full_like(x, dy))
        np.testing.assert_array_equal(res[flat], 0.0)
        assert np.all(np.signbit(res[flat]) == 0)  # +0, as torch
    assert act.vjp(-5.0, np.inf) == 0.0 and np.ndim(act.vjp(-5.0, np.inf)) == 0
    assert np.isnan(act.vjp(np.nan, 1.0))  # NaN in -> NaN out


def test_leaky_relu_without_slope_is_relu_in_the_vjp():
    assert al.leaky_relu.vjp(-1.0, np.inf, negative_slope=0.0) == 0.0
    assert al.leaky_relu.vjp(-1.0, np.inf) == np.inf  # a slope: dy * slope
    np.testing.assert_array_equal(al.step.vjp(np.array([-1.0, 2.0], np.float32), np.inf),
                                  np.zeros(2, np.float32))


# -- logit at the edges of [0, 1] and beyond ---------------------------------------------------
FLOATS = [np.float16, np.float32, np.float64]


@pytest.mark.parametrize("dtype", FLOATS)
def test_logit_outside_the_unit_interval_is_nan_quietly(dtype):
    f = np.finfo(dtype)
    p = np.array([f.max, -f.max, np.inf, -np.inf, 1.5, -1e-3, np.nan], dtype)
    for fn in (al.logit, al.logit.grad, al.logit.grad2, al.logit.reference):
        res = fn(p)
        assert res.dtype == dtype and np.all(np.isnan(res)), fn
    assert np.isnan(al.logit(1.7976931348623157e308))
    assert np.isnan(al.logit.grad(1.7976931348623157e308))


@pytest.mark.parametrize("dtype", FLOATS)
def test_logit_limits_and_signed_zeros(dtype):
    p = np.array([-0.0, 0.0, 1.0], dtype)
    np.testing.assert_array_equal(al.logit(p), [-np.inf, -np.inf, np.inf])
    g = al.logit.grad(p)
    np.testing.assert_array_equal(g, [np.inf, np.inf, np.inf])  # -0.0 is 0: +inf, not -inf
    np.testing.assert_array_equal(al.logit.grad2(p), [-np.inf, -np.inf, np.inf])


@pytest.mark.parametrize("dtype", FLOATS)
def test_logit_grad_at_the_smallest_subnormal(dtype):
    tiny = np.finfo(dtype).smallest_subnormal
    true = 1.0 / (float(tiny) * (1.0 - float(tiny)))  # 1/tiny: beyond every float range
    assert true > float(np.finfo(dtype).max) or dtype == np.float64
    assert al.logit.grad(np.array([tiny], dtype))[0] == np.inf
    assert al.logit.grad(5e-324) == np.inf
    # a small normal number keeps its true slope
    assert al.logit.grad(np.float64(1e-300)) == pytest.approx(1e300, rel=1e-15)


def test_logit_with_eps_clamps_first():
    np.testing.assert_array_equal(al.logit.grad([1e308, -0.0, 0.5], eps=1e-3), [0.0, 0.0, 4.0])
    assert al.logit(1e308, eps=1e-3) == pytest.approx(np.log(999.0), rel=1e-14)


# -- axis functions at the ends of the float range -------------------------------------------
BIG = np.array([1.79e308, -1.79e308])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_family_across_the_whole_float_range(dtype):
    x = (BIG * (1.0 if dtype == np.float64 else 1.9e-270)).astype(dtype)  # float32: +-3.4e38
    np.testing.assert_array_equal(al.softmax(x), [1.0, 0.0])
    np.testing.assert_array_equal(al.log_softmax(x), [0.0, -np.inf])
    assert al.logsumexp(x) == x[0]
    dy = np.array([0.5, 3.0], dtype)
    for name in ("softmax", "log_softmax"):  # from x and from the cached output
        act = al.get(name)
        np.testing.assert_array_equal(act.vjp(x, dy), act.vjp(x, dy, y=act(x)))
    np.testing.assert_array_equal(al.softmax.vjp(x, dy), [0.0, 0.0])
    np.testing.assert_array_equal(al.log_softmax.vjp(x, dy), [0.5 - 3.5, 3.0])
    for y in (None, al.logsumexp(x)):
        np.testing.assert_array_equal(al.logsumexp.vjp(x, dtype(2.0), y=y), [2.0, 0.0])


def test_glu_vjp_does_not_overflow_before_the_gate():
    # dy * a = 4e308 overflows; dy * (a * sigma'(0)) = 1e308 is the true value
    np.testing.assert_array_equal(al.glu.vjp([1e308, 0.0], [4.0]), [2.0, 1e308])
    np.testing.assert_array_equal(al.glu(BIG), [0.0])
    np.testing.assert_array_equal(al.glu.vjp(BIG, [1.0]), [0.0, 0.0])
