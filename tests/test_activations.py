"""Elementwise activations: conventions, derivatives, dtype policy, hostile inputs, layouts."""

import warnings

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import actlab as al

ELEMENTWISE = [n for n in al.available() if isinstance(al.get(n), al.Activation)]
DOMAIN_01 = {"logit"}

# (value at +inf, value at -inf, f'(+inf), f'(-inf)): limits from the definitions
LIMITS = {
    "identity": (np.inf, -np.inf, 1, 1), "step": (1, 0, 0, 0), "sigmoid": (1, 0, 0, 0),
    "log_sigmoid": (0, -np.inf, 0, 1), "tanh": (1, -1, 0, 0), "relu": (np.inf, 0, 1, 0),
    "leaky_relu": (np.inf, -np.inf, 1, 0.01), "relu6": (6, 0, 0, 0), "elu": (np.inf, -1, 1, 0),
    "selu": (np.inf, -1.0507009873554805 * 1.6732632423543772, 1.0507009873554805, 0),
    "gelu": (np.inf, 0, 1, 0), "silu": (np.inf, 0, 1, 0), "mish": (np.inf, 0, 1, 0),
    "softplus": (np.inf, 0, 1, 0), "hard_sigmoid": (1, 0, 0, 0), "hard_swish": (np.inf, 0, 1, 0),
}

HOSTILE = np.array([-np.inf, -1e308, -1000.0, -745.0, -710.0, -0.0, 0.0, 5e-324, 710.0, 1000.0,
                    np.inf, np.nan])


@pytest.fixture
def strict():
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield


def test_seed_000_values():
    np.testing.assert_allclose(al.sigmoid([1, -2, 3, -4]),
                               [0.7310585786300049, 0.11920292202211755, 0.9525741268224334,
                                0.01798620996209156], rtol=2e-16)


def test_registry_and_aliases():
    assert al.get("swish") is al.silu
    assert al.get("SiLU") is al.silu
    assert al.get("hard-swish") is al.hard_swish
    with pytest.raises(ValueError, match="valid names: .*sigmoid"):
        al.get("sigmod")
    required = {"step", "sigmoid", "log_sigmoid", "logit", "tanh", "relu", "leaky_relu", "relu6",
                "elu", "selu", "gelu", "silu", "mish", "softplus", "hard_sigmoid", "hard_swish",
                "softmax", "log_softmax", "logsumexp", "glu"}
    assert required <= set(al.available())


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_metadata_matches_the_functions(name):
    act = al.get(name)
    if name in DOMAIN_01:
        return
    x = np.linspace(-12, 12, 240001)
    g = np.abs(act.grad(x))
    assert np.max(g) <= act.max_grad * (1 + 1e-6) + 1e-12
    if act.smooth or name in ("relu", "leaky_relu", "relu6", "hard_sigmoid", "step"):
        assert np.max(g) >= act.max_grad * (1 - 1e-4) - 1e-12
    y = act(x)
    lo, hi = act.range
    assert np.all(y >= lo - 1e-12) and np.all(y <= hi + 1e-12)
    assert act.formula and act.grad_formula


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_range_brackets_say_whether_a_bound_is_reached(name):
    act = al.get(name)
    if name in DOMAIN_01:
        x = np.linspace(1e-6, 1 - 1e-6, 20001)
    else:
        x = np.linspace(-8, 8, 320001)  # fine enough to find gelu's, silu's, mish's minimum
    y = act(x)
    for bound, closed, near in zip(act.range, act.range_closed, (y.min(), y.max())):
        if closed:  # reached at a finite x
            assert near == pytest.approx(bound, rel=1e-7, abs=1e-12), (name, bound)
        elif np.isfinite(bound):  # only approached: strictly inside on [-8, 8]
            assert abs(near - bound) > 1e-8, (name, bound, near)


def test_an_infinite_bound_cannot_be_closed():
    from actlab.activations.base import _Described
    with pytest.raises(ValueError, match="infinite bound"):
        _Described("x", doc="", range=(0.0, np.inf), range_closed=(True, True), zero_centered=False,
                   max_grad=1.0, formula="x", grad_formula="1", params={}, smooth=True, saturating=False)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_grad_and_grad2_match_central_differences(name):
    act = al.get(name)
    rng = np.random.default_rng(0)
    if name in DOMAIN_01:
        x = rng.uniform(0.02, 0.98, 200)
    else:
        x = rng.uniform(-8, 8, 400)
        x = x[np.min(np.abs(x[:, None] - np.array([0.0, 3.0, -3.0, 6.0])), axis=1) > 1e-3]
    h = 1e-6
    fd1 = (act(x + h) - act(x - h)) / (2 * h)
    np.testing.assert_allclose(act.grad(x), fd1, rtol=1e-6, atol=1e-8)
    fd2 = (act.grad(x + h) - act.grad(x - h)) / (2 * h)
    np.testing.assert_allclose(act.grad2(x), fd2, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_vjp_is_dy_times_grad(name):
    act = al.get(name)
    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 0.9, (3, 4)) if name in DOMAIN_01 else rng.normal(0, 3, (3, 4))
    dy = rng.normal(size=(3, 4))
    x0, dy0 = x.copy(), dy.copy()
    np.testing.assert_array_equal(act.vjp(x, dy), dy * act.grad(x))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dy, dy0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if n not in DOMAIN_01])
def test_hostile_inputs(name, dtype, strict):
    act = al.get(name)
    with np.errstate(over="ignore"):
        x = HOSTILE.astype(dtype)
    for fn in (act, act.grad, act.grad2):
        y = fn(x)
        assert y.dtype == dtype and y.shape == x.shape
        assert np.array_equal(np.isnan(y), np.isnan(x)), f"{name}: NaN only where x is NaN"
    vp, vm, gp, gm = LIMITS[name]
    y, g = act(x), act.grad(x)
    np.testing.assert_allclose([y[-2], y[0]], np.array([vp, vm], dtype=dtype), rtol=1e-3)
    np.testing.assert_allclose([g[-2], g[0]], np.array([gp, gm], dtype=dtype), rtol=1e-3)
    # float16 goes through float32/float64 and is rounded once
    if dtype == np.float16:
        ref = fn(x.astype(np.float64)).astype(np.float16)
        np.testing.assert_array_equal(act.grad2(x), ref)


def test_logit_domain(strict):
    p = np.array([-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, np.nan])
    y = al.logit(p)
    np.testing.assert_array_equal(np.isnan(y), [True, False, False, False, False, False, True, True])
    assert y[1] == -np.inf and y[5] == np.inf
    x = np.linspace(-30, 1, 63)  # logit(sigmoid(x)) is well conditioned where sigmoid(x) <= 0.75
    np.testing.assert_allclose(al.logit(al.sigmoid(x)), x, rtol=4e-15, atol=1e-15)
    np.testing.assert_allclose(al.logit([0.0, 1.0], eps=1e-6), [np.log(1e-6 / (1 - 1e-6)), -np.log(1e-6 / (1 - 1e-6))])


def test_dtype_policy():
    assert al.sigmoid(np.array([1, 2], dtype=np.int32)).dtype == np.float64
    assert al.sigmoid(np.array([True, False])).dtype == np.float64
    assert al.tanh(np.arange(3, dtype=np.uint8)).dtype == np.float64
    for dt in (np.float16, np.float32, np.float64):
        assert al.relu(np.ones(2, dt)).dtype == dt
        assert al.relu.grad(np.ones(2, dt)).dtype == dt
    for bad in (np.array([1 + 2j]), np.array(["a"]), np.array([object()], dtype=object)):
        with pytest.raises(TypeError, match=str(bad.dtype)):
            al.sigmoid(bad)
    assert isinstance(al.sigmoid(0.0), np.float64) and al.sigmoid(0.0) == 0.5
    assert al.sigmoid([0.0, 0.0]).tolist() == [0.5, 0.5]


@pytest.mark.parametrize("name", ["sigmoid", "gelu", "leaky_relu", "softplus", "hard_swish", "elu"])
def test_layouts(name):
    act = al.get(name)
    rng = np.random.default_rng(2)
    base = rng.normal(0, 5, (6, 8))
    ref = act(base.copy())
    np.testing.assert_array_equal(act(base[:, ::2]), ref[:, ::2])            # strided
    np.testing.assert_array_equal(act(base[::-1]), ref[::-1])                # negative stride
    np.testing.assert_array_equal(act(base.T), ref.T)                        # transposed
    np.testing.assert_array_equal(act(base.astype(">f8")), ref)              # big-endian
    ro = base.copy()
    ro.flags.writeable = False
    np.testing.assert_array_equal(act(ro), ref)                              # read-only
    assert act(np.empty((0, 3))).shape == (0, 3)                             # empty
    assert np.ndim(act(np.float64(1.5))) == 0                                # 0-d
    assert act(np.array(1.5)) == ref.dtype.type(act(1.5))
    np.testing.assert_array_equal(act(np.broadcast_to(base[:1], (4, 8))), np.broadcast_to(ref[:1], (4, 8)))
    out = np.empty_like(base)
    assert act(base, out=out) is out
    np.testing.assert_array_equal(out, ref)
    with pytest.raises(ValueError, match="shape"):
        act(base, out=np.empty((2, 2)))


@pytest.mark.parametrize("name", ["softplus", "leaky_relu", "elu", "sigmoid", "gelu"])
def test_direct_call_path_equals_the_general_path(name):
    """Calls without parameters on native float32/64 arrays go straight to the ufunc, with the
    default parameters as 0-d arrays of the input's dtype: the same values as explicit
    parameters (the general path), out= of the same dtype written in place, other out= dtypes,
    shapes and changed parameters still through the general path."""
    act = al.get(name)
    assert act.ufunc is not None
    rng = np.random.default_rng(4)
    for dt in (np.float32, np.float64):
        x = rng.normal(0, 8, (5, 60)).astype(dt)
        explicit = act(x, **act.params)
        first, again = act(x), act(x)  # the first call remembers the direct path
        assert ("value", np.dtype(dt)) in act._direct
        for r in (first, again, act(x[:, ::-2])[:, ::-1]):
            assert r.dtype == dt
        np.testing.assert_array_equal(again, explicit)
        np.testing.assert_array_equal(act(x[:, ::-2]), explicit[:, ::-2])
        out = np.empty_like(x)
        assert act(x, out=out) is out
        np.testing.assert_array_equal(out, explicit)
        out16 = np.empty(x.shape, np.float16)
        assert act(x, out=out16) is out16
        np.testing.assert_array_equal(out16, explicit.astype(np.float16))
        with pytest.raises(ValueError, match="shape"):
            act(x, out=np.empty((5, 2), dt))
        act.grad(x)
        np.testing.assert_array_equal(act.grad(x), act.grad(x, **act.params))
    with pytest.raises(TypeError):  # the defaults are read-only (they are cached)
        act.params["x"] = 1.0
    if name == "softplus":  # a changed parameter after the direct calls
        x = np.linspace(-5, 5, 11)
        np.testing.assert_allclose(al.softplus(x, beta=2.0), np.logaddexp(0, 2 * x) / 2, rtol=1e-15)
        np.testing.assert_array_equal(al.softplus(x, threshold=1.0)[x > 1], x[x > 1])


def test_parameters_are_keywords_with_torch_defaults():
    assert al.leaky_relu.params == {"negative_slope": 0.01}
    assert al.softplus.params == {"beta": 1.0, "threshold": None}  # exact: deliberately not torch's 20
    assert al.elu.params == {"alpha": 1.0}
    assert al.gelu.params == {"approximate": "none"}
    np.testing.assert_allclose(al.leaky_relu([-1.0], negative_slope=0.3), [-0.3])
    with pytest.raises(TypeError, match="unexpected parameter"):
        al.sigmoid([1.0], slope=2)
    with pytest.raises(ValueError, match="approximate"):
        al.gelu([1.0], approximate="fast")
    with pytest.raises(ValueError, match="beta"):
        al.softplus([1.0], beta=0)


def test_kink_conventions():
    assert al.relu.grad(0.0) == 0.0
    assert al.leaky_relu.grad(0.0) == 0.01
    assert al.relu6.grad(0.0) == 0.0 and al.relu6.grad(6.0) == 0.0
    assert al.elu.grad(0.0, alpha=2.0) == 2.0
    assert al.step(0.0) == 0.0 and al.step.grad(0.0) == 0.0
    assert al.hard_sigmoid.grad(3.0) == 0.0 and al.hard_sigmoid.grad(-3.0) == 0.0
    assert al.hard_swish.grad(-3.0) == 0.0 and al.hard_swish.grad(3.0) == 1.0


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(-1e6, 1e6)))
def test_properties(x):
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        s = al.sigmoid(x)
        np.testing.assert_allclose(al.sigmoid(-x), 1 - s, rtol=0, atol=2.3e-16)
        xs = np.sort(x)
        for name in ("sigmoid", "tanh", "softplus", "relu", "leaky_relu", "elu", "selu",
                     "log_sigmoid", "hard_sigmoid", "relu6"):
            assert np.all(np.diff(al.get(name)(xs)) >= 0), name
        assert np.all(al.sigmoid.grad(x) <= 0.25) and np.all(al.sigmoid.grad(x) >= 0)


def test_set_num_threads_public_api():
    before = al.get_num_threads()
    try:
        al.set_num_threads(1)
        assert al.get_num_threads() == 1
        x = np.linspace(-30, 30, 300_001)
        one = al.sigmoid(x)
        al.set_num_threads(2)
        assert al.get_num_threads() == 2
        np.testing.assert_array_equal(al.sigmoid(x), one)  # results do not depend on threads
        for bad in (0, -1, 1.5, True):
            with pytest.raises(ValueError, match="positive int"):
                al.set_num_threads(bad)
    finally:
        al.set_num_threads(before)


@pytest.mark.parametrize("name", al.available())
def test_docstring_is_the_one_source_of_the_formulas(name):
    """formula / grad_formula are read from the docstring's math block, which also holds a
    doctest example and a reference (the docstring is the object's own __doc__)."""
    from actlab.activations.define import formulas_of

    act = al.get(name)
    doc = act.__doc__
    assert formulas_of(name, doc) == (act.formula, act.grad_formula)
    lines = [ln.strip() for ln in doc.splitlines()]
    assert any(ln.endswith(" = " + act.formula) for ln in lines)
    assert any(ln.endswith(" = " + act.grad_formula) for ln in lines)
    assert ">>> import actlab as al" in doc and f"al.{name}(" in doc
    assert "References" in doc and "Examples" in doc


def test_formulas_of_reads_the_first_two_equations_and_names_a_missing_block():
    from actlab.activations.define import formulas_of

    doc = """Cube.

    .. math::

        f(x) = x^3

        f'(x) = 3x^2

        f''(x) = 6x

    Not math: g(x) = 1.
    """
    assert formulas_of("cube", doc) == ("x^3", "3x^2")
    with pytest.raises(ValueError, match=r"actlab\.cube: the docstring needs a '\.\. math::' block"):
        formulas_of("cube", "Cube, with no math block.")
    with pytest.raises(ValueError, match=r"actlab\.cube"):
        formulas_of("cube", "Cube.\n\n.. math::\n\n    f(x) = x^3\n")


def _relu_or_relu6(x, cap):
    return np.minimum(np.maximum(x, 0.0), 6.0) if cap == "six" else np.maximum(x, 0.0)


def _capped(**kw):
    return al.Activation(
        "capped", _relu_or_relu6, lambda x, cap: (x > 0) * 1.0, lambda x, cap: 0.0 * x,
        params={"cap": "none"}, kernel="relu", doc="", formula="", grad_formula="",
        range=(0.0, np.inf), zero_centered=False, max_grad=1.0, **kw)


def test_kernel_variants_pick_the_ufunc_from_the_parameters():
    """A parameter value can select another kernel -- declared by the activation
    (gelu: approximate="tanh" -> gelu_tanh), not by names in the generic code."""
    from actlab import _kernels

    x = np.array([-2.0, 3.0, 7.0, np.nan])
    act = _capped(kernel_variants={("cap", "six"): "relu6"})
    np.testing.assert_array_equal(act(x), [0.0, 3.0, 7.0, np.nan])
    np.testing.assert_array_equal(act(x, cap="six"), [0.0, 3.0, 6.0, np.nan])
    np.testing.assert_array_equal(act(x.astype(np.float16), cap="six"), [0.0, 3.0, 6.0, np.nan])
    assert act.ufunc is _kernels.get("relu")
    with pytest.raises(ValueError, match=r"actlab\.capped: kernel_variants name unknown parameter\(s\) \['mode'\]"):
        _capped(kernel_variants={("mode", "six"): "relu6"})
    z = np.linspace(-9, 9, 1001)
    gelu_tanh = _kernels.get("gelu_tanh")
    if gelu_tanh is not None:
        np.testing.assert_array_equal(al.gelu(z, approximate="tanh"), gelu_tanh(z))
        np.testing.assert_array_equal(al.gelu.grad(z, approximate="tanh"), _kernels.get("gelu_tanh_grad")(z))
        assert al.gelu.ufunc is _kernels.get("gelu")
    np.testing.assert_allclose(al.gelu(z, approximate="tanh"), al.gelu.reference(z, approximate="tanh"),
                               rtol=1e-14, atol=1e-300)


def test_formulas_take_exactly_the_declared_parameters():
    with pytest.raises(TypeError, match=r"actlab\.capped: <lambda> takes the parameters \['cap'\], "
                                        r"the activation declares \[\]"):
        al.Activation("capped", lambda x: x, lambda x, cap: x, lambda x: x, doc="", formula="",
                      grad_formula="", range=(0.0, 1.0), zero_centered=False, max_grad=1.0)
    act = _capped()
    np.testing.assert_array_equal(act._value(np.array([7.0])), [7.0])  # the defaults bound once


def test_softplus_is_exact_by_default_and_keeps_torchs_cutoff_on_request():
    # issue 16: threshold=20 returned x for 20 < x < 33.3 (5.8e5 ULP off in float64)
    x = np.array([20.40428093652963, 25.0, 33.0, 36.0, 700.0, -30.0])
    with mp.workdps(40):  # the references rounded once, whatever precision another test left set
        want = np.array([float(mp.log1p(mp.exp(mp.mpf(float(v))))) for v in x])
        want_grad = [float(1 / (1 + mp.exp(-mp.mpf(float(v))))) for v in x]
    np.testing.assert_array_equal(al.softplus(x), want)
    np.testing.assert_array_equal(al.softplus(x, threshold=None), want)
    np.testing.assert_array_equal(al.softplus.grad(x), want_grad)
    assert float(al.softplus(20.40428093652963)) == 20.404280937905362
    x32 = x.astype(np.float32)
    np.testing.assert_array_equal(al.softplus(x32), want.astype(np.float32))
    # a number: torch's linear cutoff, bit for bit
    torch = pytest.importorskip("torch")
    for dt in (np.float64, np.float32):
        xs = np.linspace(-40, 40, 801).astype(dt)
        got = al.softplus(xs, threshold=20.0)
        np.testing.assert_array_equal(got[xs > 20], xs[xs > 20])
        np.testing.assert_allclose(got, torch.nn.functional.softplus(torch.from_numpy(xs)).numpy(), rtol=2e-7)
