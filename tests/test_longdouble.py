"""longdouble in -> longdouble out, computed in long double (issue 16).

The NumPy formulas run in long double (x86-64: 64-bit significand, exponent to e^+-11356);
checked against mpmath at points with bits below float64's, so a float64 computation fails
the tolerances.
"""

import mpmath as mp
import numpy as np
import pytest

import actlab as al

LD = np.longdouble
pytestmark = pytest.mark.skipif(np.finfo(LD).nmant < 63, reason="long double is float64 here")
ELEMENTWISE = [n for n in al.available() if isinstance(al.get(n), al.Activation)]


@pytest.fixture(autouse=True)
def strict():
    with np.errstate(all="raise", under="ignore"):
        yield


def _mp(v) -> mp.mpf:
    """The long double ``v`` exactly (its 64-bit significand as an integer)."""
    frac, exp = np.frexp(LD(v))
    return mp.ldexp(mp.mpf(int(np.ldexp(frac, 64))), int(exp) - 64)


def _rel(got, ref) -> float:
    return float(abs((_mp(got) - ref) / ref))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_longdouble_in_longdouble_out(name):
    act = al.get(name)
    x = np.array([0.125, 0.5, 0.75], LD) if name == "logit" else np.linspace(-5, 5, 7, dtype=LD)
    for res in (act(x), act.grad(x), act.grad2(x), act.vjp(x, x), act.reference(x, 1), act(x[0])):
        assert res.dtype == LD
    out = np.empty_like(x)
    assert act(x, out=out) is out and out.dtype == LD


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp", "glu"])
def test_axis_functions_keep_longdouble(name):
    act = al.get(name)
    x = np.array([[1.0, -800.0], [2.0, 3.0]], LD)
    y = act(x)
    assert y.dtype == LD and act.vjp(x, np.ones_like(y)).dtype == LD
    if name == "softmax":  # e^-801 is beyond float64, not beyond long double
        assert 0 < y[0, 1] < LD("1e-340")


def test_the_issue_examples():
    mp.mp.prec = 200
    s = al.sigmoid(LD(-800))
    assert s.dtype == LD and _rel(s, 1 / (1 + mp.exp(800))) < 1e-18  # 3.67e-348, not 0
    p = LD(1) - LD(2) ** -60
    y = al.logit(p)
    assert y.dtype == LD and _rel(y, mp.log(2 ** 60 - 1)) < 1e-18  # 41.5888, not inf
    g = al.logit.grad(p)
    assert _rel(g, 1 / (_mp(p) * (1 - _mp(p)))) < 1e-18  # 2**60, not inf
    assert _rel(al.sigmoid.grad(LD(-800)), mp.exp(-800) / (1 + mp.exp(-800)) ** 2) < 1e-18
    assert _rel(al.sigmoid.vjp(LD(-800), LD(3)), 3 * mp.exp(-800) / (1 + mp.exp(-800)) ** 2) < 1e-18


# (name, f, f') on mpf, and the relative tolerance in long double (~10 ULP = 1e-18; float64's
# rounding alone is up to 1.1e-16)
SMOOTH = {
    "sigmoid": (lambda x: 1 / (1 + mp.exp(-x)), lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2),
    "log_sigmoid": (lambda x: -mp.log1p(mp.exp(-x)), lambda x: 1 / (1 + mp.exp(x))),
    "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2),
    "silu": (lambda x: x / (1 + mp.exp(-x)),
             lambda x: (1 + mp.exp(-x) + x * mp.exp(-x)) / (1 + mp.exp(-x)) ** 2),
    "softplus": (lambda x: mp.log1p(mp.exp(x)), lambda x: 1 / (1 + mp.exp(-x))),
    "elu": (lambda x: x if x > 0 else mp.expm1(x), lambda x: 1 if x > 0 else mp.exp(x)),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_values_and_slopes_in_long_double_precision(name):
    mp.mp.prec = 250
    rng = np.random.default_rng(3)
    base = np.concatenate([rng.uniform(-30, 30, 60), [-750.0, -5000.0, -11000.0, 60.0, 800.0]])
    xs = base.astype(LD) * (1 + LD(2) ** -58)  # bits below float64's
    act = al.get(name)
    for fn, ref in zip((act, act.grad), SMOOTH[name]):
        errs = [_rel(got, ref(_mp(x))) for x, got in zip(xs, fn(xs)) if ref(_mp(x)) != 0
                and abs(ref(_mp(x))) > mp.mpf("1e-4900")]
        assert max(errs) < 1e-18, (name, fn, max(errs))


def test_logit_in_long_double_precision():
    mp.mp.prec = 250
    k = np.arange(2, 64)
    ps = np.concatenate([LD(1) - LD(2) ** -k.astype(LD), LD(2) ** -np.arange(2, 300).astype(LD),
                         np.random.default_rng(4).uniform(0.01, 0.99, 50).astype(LD) * (1 + LD(2) ** -58)])
    for p, y, g in zip(ps, al.logit(ps), al.logit.grad(ps)):
        q = _mp(p)
        assert _rel(y, mp.log(q) - mp.log1p(-q)) < 1e-18
        assert _rel(g, 1 / (q * (1 - q))) < 1e-18


def test_piecewise_slopes_are_long_double_constants():
    x = np.linspace(-2.9, 2.9, 9, dtype=LD)
    sixth = LD(1) / LD(6)  # float64's 1/6 is 5.6e-17 away
    np.testing.assert_array_equal(al.hard_sigmoid.grad(x), np.full_like(x, sixth))
    np.testing.assert_array_equal(al.hard_sigmoid(x), (x + 3) / 6)
