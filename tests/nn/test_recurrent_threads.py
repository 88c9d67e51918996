"""Recurrent layers called from many threads at once: the process-wide BLAS limit
(:meth:`actlab.runtime.Runtime.blas_single_thread`) neither changes their bits nor outlives them.

The shapes have a small recurrent matmul (below ``small_work``, so every call limits BLAS to
one thread) and a large input projection, whose float32 and float64 bits depend on the BLAS
thread count wherever BLAS has more than one thread: a call that ran partly unlimited, or a
limit left behind, shows in the results.
"""

import threading

import numpy as np
import pytest

from actlab.nn.recurrent import GRU, LSTM
from actlab.runtime import SMALL_WORK, Runtime

threadpoolctl = pytest.importorskip("threadpoolctl")

T, B, I, H = 2, 5, 1024, 128
GATES = {LSTM: 4, GRU: 3}
RUNTIMES = {"one worker": Runtime(workers=1), "two blocks": Runtime(workers=2, parallel_work=0.0)}
CASES = [(cls, dtype, name) for cls in (LSTM, GRU) for dtype in (np.float32, np.float64) for name in RUNTIMES]


def _blas_threads():
    return [d["num_threads"] for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]


def _forward_backward(cls, dtype, runtime_name):
    """Outputs, dx and every parameter gradient of one forward + backward, a fresh layer."""
    layer = cls(I, H, rng=np.random.default_rng(0), dtype=dtype, runtime=RUNTIMES[runtime_name])
    x = np.random.default_rng(1).standard_normal((T, B, I)).astype(dtype)
    out = layer.forward(x)[0]
    dx = layer.backward(np.cos(out))
    return [out, dx] + [layer.grads[k] for k in sorted(layer.grads)]


def _large_forward():
    """A float32 LSTM forward whose recurrent matmul is above SMALL_WORK (BLAS unlimited)."""
    layer = LSTM(256, 128, rng=np.random.default_rng(2), dtype=np.float32, runtime=Runtime(workers=1))
    assert 256 * 4 * 128 * 128 >= SMALL_WORK
    return layer.forward(np.random.default_rng(3).standard_normal((3, 256, 256)).astype(np.float32))[0]


def test_the_cases_take_the_single_thread_limit():
    for cls, _, name in CASES:
        assert B * GATES[cls] * H * H < RUNTIMES[name].small_work


def test_eight_threads_give_the_serial_bits_and_leave_blas_as_found():
    before, large_before = _blas_threads(), _large_forward()
    want = {case: _forward_backward(*case) for case in CASES}
    start, mismatches = threading.Barrier(len(CASES), timeout=60), []

    def worker(case):
        start.wait()
        for rep in range(3):
            got = _forward_backward(*case)
            if not all(np.array_equal(g, w) for g, w in zip(got, want[case])):
                mismatches.append((case[0].__name__, np.dtype(case[1]).name, case[2], rep))

    threads = [threading.Thread(target=worker, args=(case,)) for case in CASES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert mismatches == []
    assert _blas_threads() == before
    np.testing.assert_array_equal(_large_forward(), large_before)   # BLAS unlimited again


def test_a_long_small_call_limits_a_large_call_elsewhere_only_while_it_runs():
    """The documented semantics: while any small-work block runs, the whole process has one
    BLAS thread (a large-work call in another thread too); when it ends, all are back."""
    before, large_before = _blas_threads(), _large_forward()
    rt = Runtime(workers=1)
    inside, release = threading.Event(), threading.Event()

    def long_call():
        with rt.blas_single_thread(0.0):
            inside.set()
            release.wait(30)

    holder = threading.Thread(target=long_call)
    holder.start()
    try:
        assert inside.wait(30)
        with rt.blas_single_thread(rt.small_work):     # large work sets no limit of its own
            assert set(_blas_threads()) <= {1}
    finally:
        release.set()
        holder.join(30)
    assert _blas_threads() == before
    np.testing.assert_array_equal(_large_forward(), large_before)
