"""The compiled ufuncs split over threads (results independent of the thread count and of
Python threads sharing an input) and their float32 fast paths."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from actlab._kernels import _ufuncs as U
from actlab.testing import assert_ulp_close


def test_results_do_not_depend_on_thread_count(restore_threads, isa):
    rng = np.random.default_rng(9)
    x = rng.standard_normal(300_001) * 30
    # values below the fast loops' ranges (float32 < -80 / -86, float64 < -705) go through
    # other code lane by lane: where a thread's slice starts must not matter
    x[rng.integers(0, x.size, 200)] = rng.uniform(-800, -700, 200)
    x32 = x.astype(np.float32)
    outs = {}
    for n in (1, 2, 3, 4):
        U.set_num_threads(n)
        assert U.get_num_threads() == n
        outs[n] = [U.silu(x), U.tanh_grad(x), U.softplus(x32, 1.0, 20.0), U.bce_with_logits(x, 0.5)[0],
                   U.silu(x[::3]), U.softmax(x[:300_000].reshape(600, 500)), U.sigmoid(x),
                   U.sigmoid(x32), U.silu(x32), U.softplus(x, 1.0, 20.0), U.tanh(x32)]
    for n in (2, 3, 4):
        for a, b in zip(outs[1], outs[n]):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        U.set_num_threads(0)


def test_python_threads_share_input(restore_threads):
    U.set_num_threads(2)
    x = np.random.default_rng(10).standard_normal(200_000) * 10
    expect = U.gelu(x)
    results = [None] * 8

    def work(i):
        results[i] = U.gelu(x)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expect)


def test_torch_agreement():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(12).standard_normal(2000) * 5
    xt = torch.tensor(x)
    pairs = [(U.sigmoid(x), torch.sigmoid(xt)), (U.tanh(x), torch.tanh(xt)),
             (U.silu(x), torch.nn.functional.silu(xt)), (U.gelu(x), torch.nn.functional.gelu(xt)),
             (U.gelu_tanh(x), torch.nn.functional.gelu(xt, approximate="tanh")),
             (U.mish(x), torch.nn.functional.mish(xt)), (U.selu(x), torch.selu(xt)),
             (U.softplus(x, 1.0, 20.0), torch.nn.functional.softplus(xt)),
             (U.hard_swish(x), torch.nn.functional.hardswish(xt)),
             (U.hard_sigmoid(x), torch.nn.functional.hardsigmoid(xt)),
             (U.log_sigmoid(x), torch.nn.functional.logsigmoid(xt))]
    for ours, theirs in pairs:  # torch's tails are only absolutely accurate (1 + tanh(u) etc.)
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-13, atol=1e-14)


# ------------------------------------------------------------------------- float32 fast path
@pytest.mark.parametrize("kernel", ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "silu",
                                    "softplus", "log_sigmoid", "log_sigmoid_grad",
                                    "softplus_grad"])
def test_f32_fast_path_dense_vs_f64_kernel(kernel, isa):
    """The float32 loops use a cheaper double evaluation (short exp, no double-double steps)
    or, on AVX-512 and AVX2, float arithmetic (kxv.h); on a dense sweep of float bit patterns (every
    4099th, all exponents, subnormals, +-inf, NaN) they stay within 0.58 float ULP of the
    float64 kernel (itself ~2^-52 relative; over all 2^32 inputs the AVX-512 tanh reaches
    0.573, tools/check_f32_exhaustive.py)."""
    bits = np.arange(0, 2**32, 4099, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    x = np.concatenate([x[~np.isnan(x)], np.float32([np.inf, -np.inf, np.nan, 0.0, -0.0])])
    params = [()] if not kernel.startswith("softplus") else [(1.0, 20.0), (2.5, 20.0), (0.3, 5.0)]
    for p in params:
        with np.errstate(all="ignore"):
            got = getattr(U, kernel)(x, *[np.float32(v) for v in p])
            ref = getattr(U, kernel)(x.astype(np.float64), *[float(np.float32(v)) for v in p])
        assert got.dtype == np.float32
        assert_ulp_close(got, ref, np.float32, 0.58, f"{kernel}{p} [{isa}]")


def test_f32_float_arithmetic_blocks_with_tails_and_in_place(isa):
    """The float-arithmetic float32 loops (kmath.h kf_*) send whole blocks that contain an
    x < -86 through the double path: mixed blocks, block edges, in-place (out= x) and offsets
    that change the vector alignment must all agree with the float64 kernel."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-120, 60, 9000).astype(np.float32)
    x[rng.integers(0, x.size, 40)] = -np.inf
    x[3000:5100] = rng.uniform(-80, 80, 2100)  # whole blocks without tails
    x[[0, 1023, 1024, 2047, 4000]] = np.float32([-87.5, -86.01, np.nan, -85.99, np.inf])
    for name in ["sigmoid", "silu", "tanh"]:
        f = getattr(U, name)
        for off in (0, 1, 5):
            xs = x[off:]
            with np.errstate(all="ignore"):
                ref = f(xs.astype(np.float64))
                got = f(xs)
                y = xs.copy()
                f(y, out=y)
            assert_ulp_close(got, ref, np.float32, 0.6, f"{name} off={off} [{isa}]")
            np.testing.assert_array_equal(y, got)
