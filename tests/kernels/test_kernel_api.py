"""The compiled ufuncs as NumPy ufuncs: loops and casting, the conventions at kinks, NaN and
infinity, FP-exception hygiene, the fused kernels and the softmax gufuncs.

The extension must be built (``pip install -e .``); these tests fail, not skip, without it.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from kernel_cases import (
    ALL_KERNELS,
    SPECIAL,
    kernel_call,
)

import actlab as al
from actlab._kernels import _ufuncs as U
from actlab.testing import assert_ulp_close


# ------------------------------------------------------------------------- build & API
def test_every_kernel_is_a_ufunc_with_f32_and_f64_loops():
    names = ALL_KERNELS + ["sigmoid_value_and_grad", "bce_with_logits", "softmax", "log_softmax"]
    for name in names:
        uf = getattr(U, name)
        assert isinstance(uf, np.ufunc), name
        assert "f->f" in uf.types[0].replace("ff->f", "f->f").replace("fff->f", "f->f") or uf.types
        loops = {t.split("->")[0][0] for t in uf.types}
        assert loops == {"f", "d"}, (name, uf.types)
    assert U.leaky_relu.nin == 2 and U.elu.nin == 2 and U.softplus.nin == 3
    assert U.sigmoid_value_and_grad.nout == 2 and U.bce_with_logits.nin == 2
    assert U.softmax.signature == "(n)->(n)"
    from actlab import _kernels

    assert _kernels.available() and _kernels.get("sigmoid") is U.sigmoid
    assert _kernels.get("no_such_kernel") is None and _kernels.get("set_num_threads") is None


def test_dtypes_follow_numpy_casting():
    x = np.array([-1.0, 0.5, 3.0])
    assert U.sigmoid(x).dtype == np.float64
    assert U.sigmoid(x.astype(np.float32)).dtype == np.float32
    assert U.sigmoid(x.astype(np.float16)).dtype == np.float32  # through the f32 loop
    assert U.sigmoid(np.array([1, 2, 3])).dtype == np.float64
    np.testing.assert_array_equal(U.sigmoid(x.astype(">f8")), U.sigmoid(x))
    with pytest.raises(TypeError):
        U.sigmoid(np.array([1 + 1j]))


# ------------------------------------------------------------------------- conventions
def test_kinks_and_nan():
    z = np.array([0.0, -3.0, 3.0, 6.0, np.nan])
    np.testing.assert_array_equal(U.relu_grad(z)[:4], [0, 0, 1, 1])
    np.testing.assert_array_equal(U.step(z)[:4], [0, 0, 1, 1])
    np.testing.assert_array_equal(U.leaky_relu_grad(z, 0.2)[:2], [0.2, 0.2])
    np.testing.assert_array_equal(U.relu6_grad(z)[:4], [0, 0, 1, 0])
    np.testing.assert_array_equal(U.elu_grad(z, 1.5)[:1], [1.5])
    np.testing.assert_array_equal(U.hard_sigmoid_grad(z)[:3], [1 / 6, 0, 0])
    np.testing.assert_array_equal(U.hard_swish_grad(z)[:3], [0.5, 0.0, 1.0])  # torch 2.13 autograd
    np.testing.assert_array_equal(U.hard_swish_grad2(z)[:3], [1 / 3, 0.0, 0.0])
    for k in ALL_KERNELS + ["bce_with_logits", "sigmoid_value_and_grad"]:
        uf = getattr(U, k)
        args = [np.array([np.nan, np.nan], dtype=np.float32)] + [np.float32(0.5)] * (uf.nin - 1)
        for r in np.atleast_1d(uf(*args)) if uf.nout == 1 else uf(*args):
            assert np.all(np.isnan(r)), k


def test_limits_at_infinity_are_exact():
    x = np.array([-np.inf, np.inf])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(U.sigmoid(x), [0, 1])
        np.testing.assert_array_equal(U.tanh(x), [-1, 1])
        np.testing.assert_array_equal(U.silu(x), [0, np.inf])
        np.testing.assert_array_equal(U.gelu(x), [0, np.inf])
        np.testing.assert_array_equal(U.mish(x), [0, np.inf])
        np.testing.assert_array_equal(U.log_sigmoid(x), [-np.inf, 0])
        np.testing.assert_array_equal(U.softplus(x, 1.0, np.inf), [0, np.inf])
        np.testing.assert_array_equal(U.elu(x, 1.0), [-1, np.inf])
        for g in ("sigmoid_grad", "tanh_grad", "silu_grad", "gelu_grad", "mish_grad", "gelu_tanh_grad"):
            np.testing.assert_array_equal(getattr(U, g)(x)[0], 0.0)


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
def test_no_fp_exceptions(dt):
    x = np.concatenate([SPECIAL, -SPECIAL, [np.finfo(dt).max, -np.finfo(dt).max, 5e-324]]).astype(dt)
    with np.errstate(all="raise", under="ignore"):
        for k in ALL_KERNELS:
            kernel_call(k, x)
        U.sigmoid_value_and_grad(x)
        for t in (0.0, 1.0, 0.3):
            U.bce_with_logits(x, dt(t))
        U.softmax(x.reshape(1, -1))
        U.log_softmax(x.reshape(-1, 1), axis=0)


# ------------------------------------------------------------------------- fused kernels
@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
def test_sigmoid_value_and_grad_equals_separate_kernels(dt):
    x = np.concatenate([SPECIAL, np.random.default_rng(0).standard_normal(1000) * 10]).astype(dt)
    y, g = U.sigmoid_value_and_grad(x)
    # the vector sigmoid loop (kxv.h) rounds differently from the fused kernel's; both are
    # within 0.6 ULP of the truth, so they may differ by one ULP in near-halfway cases
    assert_ulp_close(y, U.sigmoid(x), dt, 1.0, "sigmoid_value_and_grad vs sigmoid")
    np.testing.assert_array_equal(g, U.sigmoid_grad(x))


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
def test_bce_with_logits(dt):
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.standard_normal(500) * 8, [-800.0, -50.0, 50.0, 800.0]]).astype(dt)
    t = rng.integers(0, 2, x.size).astype(dt)
    t[:100] = rng.uniform(0, 1, 100)
    loss, grad = U.bce_with_logits(x, t)
    x64, t64 = x.astype(np.float64), t.astype(np.float64)
    ref_loss = np.maximum(x64, 0) - x64 * t64 + np.log1p(np.exp(-np.abs(x64)))
    eps = np.finfo(dt).eps
    # the reference formula itself loses ~ULP(max(x,0)) where x - x t nearly cancels
    assert np.all(np.abs(loss - ref_loss) <= 4 * eps * (np.abs(ref_loss) + np.abs(x64)))
    sig = U.sigmoid(x64)
    assert np.all(np.abs(grad - (sig - t64)) <= 4 * eps * (np.abs(sig - t64) + 0.5))
    # exact limits: matching target -> 0 loss, 0 grad; mismatched -> inf loss, grad -+1
    xi = np.array([np.inf, np.inf, -np.inf, -np.inf], dtype=dt)
    ti = np.array([1.0, 0.0, 0.0, 1.0], dtype=dt)
    with np.errstate(all="raise"):
        li, gi = U.bce_with_logits(xi, ti)
    np.testing.assert_array_equal(li, [0.0, np.inf, 0.0, np.inf])
    np.testing.assert_array_equal(gi, [0.0, 1.0, 0.0, -1.0])
    # tails: loss = log1p(exp(-|x|)) stays positive where the target matches
    lt, gt = U.bce_with_logits(np.array([40.0, -40.0, 700.0]), np.array([1.0, 0.0, 1.0]))
    np.testing.assert_allclose(lt, np.exp([-40.0, -40.0, -700.0]), rtol=1e-15)
    np.testing.assert_allclose(gt, [-np.exp(-40.0), np.exp(-40.0), -np.exp(-700.0)], rtol=1e-15)


def test_bce_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(1000) * 6
    t = rng.uniform(0, 1, 1000)
    xt = torch.tensor(x, requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(xt, torch.tensor(t), reduction="none")
    lt.sum().backward()
    loss, grad = U.bce_with_logits(x, t)
    np.testing.assert_allclose(loss, lt.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-13, atol=1e-15)


# ------------------------------------------------------------------------- softmax gufuncs
@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_matches_core(dt, axis):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((7, 9, 5)) * 20).astype(dt)
    x[0, 0, :] = -np.inf
    x[1, 1, 2] = np.inf
    x[2, 2, 1] = np.nan
    x[3, 3, :] = [np.inf, 1.0, np.inf, -np.inf, 0.0]
    for uf, act in ((U.softmax, al.softmax), (U.log_softmax, al.log_softmax)):
        with np.errstate(all="raise", under="ignore"):
            got = uf(x, axis=axis)
        ax = axis % x.ndim
        with np.errstate(all="ignore"):
            ref = act._value(x.astype(np.float64), ax)
        assert got.dtype == dt
        # the core sums with NumPy's pairwise sum, the kernel with a vector sum: each is a
        # few ULP from the truth (checked against mpmath below)
        # log_softmax near 0 (the max entry of a peaked row) is -log1p(tiny): compared
        # on an absolute scale, the core's log(sum) is only absolutely accurate there
        assert_ulp_close(got, ref, dt, 64 if dt == np.float64 else 2, uf.__name__,
                         floor=1.0 if uf is U.log_softmax else 0.0)


def test_softmax_large_rows_threads_and_strides():
    x = np.random.default_rng(6).standard_normal((300, 700))
    ref = al.softmax._value(x, 1)
    got = U.softmax(x)
    assert_ulp_close(got, ref, np.float64, 64)
    np.testing.assert_array_equal(U.softmax(x.T, axis=0), got.T)
    np.testing.assert_array_equal(U.softmax(x.T.copy(), axis=0), got.T)
    assert_ulp_close(U.log_softmax(x[:, ::-2]), al.log_softmax._value(x[:, ::-2], 1), np.float64, 64)


def test_softmax_vs_mpmath():

    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 300)) * 10
    got, lgot = U.softmax(x), U.log_softmax(x)
    with mp.workprec(200):
        for r in range(4):
            row = [mp.mpf(float(v)) for v in x[r]]
            S = mp.fsum(mp.exp(v) for v in row)
            ref = np.array([float(mp.exp(v) / S) for v in row])
            lref = np.array([float(v - mp.log(S)) for v in row])
            assert_ulp_close(got[r], ref, np.float64, 8, "softmax")
            # where shifted and log(sum) nearly cancel only the absolute error is small
            assert_ulp_close(lgot[r], lref, np.float64, 2, "log_softmax", floor=1.0)
