"""Arrays of other libraries (dask) go through the compiled ufuncs and stay lazy (issue 16).

``al.<name>(x)``, ``.grad``, ``.grad2`` and ``.vjp`` of a dask array are dask arrays whose
``compute()`` equals the NumPy result bit for bit; nothing is computed before ``compute()``.
Where no ufunc exists the call is a TypeError, never a silent ``numpy.asarray``.
"""

import numpy as np
import pytest

import actlab as al

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

KERNELED = [n for n in al.available() if isinstance(al.get(n), al.Activation) and al.get(n).ufunc]
PARAMS = {"leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 0.5}, "gelu": {"approximate": "tanh"},
          "softplus": {"beta": 2.0}}


@pytest.fixture(autouse=True)
def strict():
    with np.errstate(all="raise", under="ignore"):
        yield


class _Counted:
    """A dask array whose one chunk counts how often it is computed."""

    def __init__(self, values):
        self.calls, self.values = 0, values

    def _make(self):
        self.calls += 1
        return self.values

    def array(self):
        return da.from_delayed(dask.delayed(self._make)(), self.values.shape, self.values.dtype)


def _x(dtype):
    return np.concatenate([np.linspace(-8, 8, 397), [-np.inf, np.inf, np.nan, 0.0]]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", KERNELED)
def test_value_and_derivatives_stay_lazy_and_equal_numpy(name, dtype):
    act, x = al.get(name), _x(dtype)
    dy = np.random.default_rng(0).normal(size=x.shape).astype(dtype)
    for params in ({}, PARAMS.get(name, {})):
        cases = [(act, (x,)), (act.grad, (x,)), (act.grad2, (x,)), (act.vjp, (x, dy))]
        for fn, args in cases:
            counted = [_Counted(a) for a in args]
            res = fn(*[c.array() for c in counted], **params)
            assert isinstance(res, da.Array), (fn, type(res))
            assert all(c.calls == 0 for c in counted), "computed before compute()"
            got = res.compute()
            expect = fn(*args, **params)
            assert got.dtype == expect.dtype
            np.testing.assert_array_equal(got, expect)


def test_vjp_mixes_dask_and_numpy_and_keeps_flat_pieces_zero():
    x = _x(np.float64)
    dy = np.full_like(x, np.inf)
    for xs, dys in ((da.from_array(x, chunks=100), dy), (x, da.from_array(dy, chunks=100))):
        res = al.relu.vjp(xs, dys)
        assert isinstance(res, da.Array)
        np.testing.assert_array_equal(res.compute(), al.relu.vjp(x, dy))  # 0 where x <= 0


def test_chunks_and_shape_are_kept():
    x = da.from_array(np.arange(24.0).reshape(4, 6) - 12, chunks=(2, 3))
    y = al.silu(x)
    assert y.chunks == x.chunks and y.shape == (4, 6)


@pytest.mark.parametrize(("name", "params"), [("logit", {"eps": 1e-6}), ("identity", {})])
def test_no_ufunc_is_a_type_error_not_an_eager_compute(name, params):
    # logit's kernel is its default eps=None; a clamping eps runs the NumPy formula only
    counted = _Counted(np.linspace(0.1, 0.9, 9))
    with pytest.raises(TypeError, match=rf"actlab\.{name}: value has no compiled ufunc.*dask"):
        al.get(name)(counted.array(), **params)
    assert counted.calls == 0


def test_reference_and_axis_functions_refuse_dask():
    counted = _Counted(np.linspace(-1, 1, 8))
    with pytest.raises(TypeError, match="the NumPy reference needs a NumPy array"):
        al.sigmoid.reference(counted.array())
    for name in ("softmax", "log_softmax", "logsumexp", "glu"):
        with pytest.raises(TypeError, match=rf"actlab\.{name}: axis functions have no ufunc"):
            al.get(name)(counted.array())
        with pytest.raises(TypeError, match="axis functions have no ufunc"):
            al.get(name).vjp(np.ones(8), counted.array())
    assert counted.calls == 0


def test_numpy_inputs_behave_as_before():
    class Sub(np.ndarray):
        pass

    x = np.linspace(-3, 3, 7)
    assert type(al.sigmoid(x.view(Sub))) in (np.ndarray, Sub)
    np.testing.assert_array_equal(al.sigmoid(x.view(Sub)), al.sigmoid(x))
    np.testing.assert_array_equal(al.sigmoid(list(x)), al.sigmoid(x))
    assert isinstance(al.sigmoid(np.float64(1.0)), np.floating)
