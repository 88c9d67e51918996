"""actlab.runtime.Runtime: settings checked, path chosen, threads, the shared BLAS limit (nested,
raising, across threads, a fake controller, a forked child), copies and pickles; the recurrent
layers take one explicitly."""

import copy
import dataclasses
import os
import pickle
import threading
import warnings

import numpy as np
import pytest

import actlab
from actlab import _kernels, nn, runtime
from actlab.runtime import (
    PARALLEL_WORK,
    RECURRENT_PATHS,
    SMALL_WORK,
    Runtime,
    blas_single_thread,
    default,
)


def _blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return [d["num_threads"] for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]


def test_default_is_made_once_with_the_documented_settings():
    rt = default()
    assert rt is default()
    assert (rt.recurrent, rt.workers, rt.parallel_work, rt.small_work) == (None, None, PARALLEL_WORK, SMALL_WORK)
    assert rt.recurrent_path in RECURRENT_PATHS
    assert rt.recurrent_path == ("loops" if _kernels.available() else "numpy")


@pytest.mark.parametrize("kwargs, match", [
    ({"recurrent": "cuda"}, "recurrent must be one of"),
    ({"workers": 0}, "workers must be a positive int"),
    ({"workers": True}, "workers must be a positive int"),
    ({"workers": 2.0}, "workers must be a positive int"),
    ({"parallel_work": -1.0}, "parallel_work must be a number >= 0"),
    ({"small_work": float("nan")}, "small_work must be a number >= 0"),
    ({"small_work": "big"}, "small_work must be a number >= 0"),
])
def test_bad_settings_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Runtime(**kwargs)


def test_numpy_path_needs_nothing_compiled():
    rt = Runtime(recurrent="numpy")
    assert rt.recurrent_path == "numpy"
    assert rt.compiled_loops() is None and rt.cell_kernel("lstm_cell") is None


@pytest.mark.skipif(not _kernels.available(), reason="needs the compiled extension")
def test_ufuncs_path_has_cells_but_no_loops():
    rt = Runtime(recurrent="ufuncs")
    assert rt.compiled_loops() is None
    assert rt.cell_kernel("gru_cell") is _kernels.get("gru_cell")
    assert Runtime(recurrent="loops").compiled_loops() is not None


def test_settings_are_frozen_and_copies_are_the_runtime_itself():
    rt = Runtime(workers=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rt.workers = 3
    assert copy.copy(rt) is rt and copy.deepcopy(rt) is rt
    assert dataclasses.replace(rt, workers=3).workers == 3
    assert rt == Runtime(workers=2) and hash(rt) == hash(Runtime(workers=2))


def test_pickle_keeps_the_settings_and_drops_the_pool():
    rt = Runtime(recurrent="numpy", workers=2, parallel_work=5.0, small_work=7.0)
    assert rt.map_parallel(lambda p: p * 10, 2) == [0, 10]       # the pool exists now
    back = pickle.loads(pickle.dumps(rt))
    assert back == rt and back is not rt
    assert back.map_parallel(lambda p: p + 1, 2) == [1, 2]


def test_num_workers_and_batch_blocks():
    assert Runtime(workers=4).num_workers() == 4
    assert Runtime().num_workers() == actlab.get_num_threads()
    rt = Runtime(workers=4, parallel_work=10.0)
    assert rt.batch_blocks(3, 100.0) == [slice(0, 1), slice(1, 2), slice(2, 3)]   # rows < workers
    assert rt.batch_blocks(8, 4.0) == [slice(0, 4), slice(4, 8)]                   # 2 rows x 4 < 10
    assert len(rt.batch_blocks(8, 5.0)) == 4                                       # 2 rows x 5 = 10
    assert rt.batch_blocks(8, 1.0) == [slice(0, 8)]


def test_map_parallel_runs_in_the_pool_and_keeps_order():
    rt = Runtime(workers=3)
    barrier = threading.Barrier(3, timeout=10)  # only returns when three threads wait at once

    def fn(p):
        barrier.wait()
        return p, threading.current_thread() is threading.main_thread()

    assert rt.map_parallel(fn, 3) == [(0, True), (1, False), (2, False)]
    assert rt.map_parallel(lambda p: p, 1) == [0]


def test_blas_limit_applies_below_small_work_and_is_restored():
    before = _blas_threads()
    rt = Runtime(small_work=100.0)
    with rt.blas_single_thread(99.0):
        assert set(_blas_threads()) <= {1}
    with rt.blas_single_thread(100.0):
        assert _blas_threads() == before
    with blas_single_thread(0):       # the default runtime's, as models/ and analysis/ use it
        assert set(_blas_threads()) <= {1}
    assert _blas_threads() == before


def test_blas_limit_nested_and_raising_blocks_restore_once():
    before = _blas_threads()
    with Runtime().blas_single_thread(0.0):
        with Runtime(workers=1).blas_single_thread(0.0):   # another runtime: the same limit
            assert set(_blas_threads()) <= {1}
        assert set(_blas_threads()) <= {1}                  # the inner one did not lift it
    assert _blas_threads() == before
    with pytest.raises(KeyError, match="inside"):
        with blas_single_thread(0):
            with blas_single_thread(0):
                raise KeyError("inside")
    assert _blas_threads() == before and runtime._BLAS_LIMIT.holders == 0


def test_blas_limit_held_across_threads_is_restored_by_the_last_to_leave():
    """A enters, B enters, A leaves: B still has one thread; B leaves: the counts A saw."""
    before = _blas_threads()
    steps = {name: (threading.Event(), threading.Event()) for name in "AB"}  # (entered, leave)
    seen = {}

    def hold(name):
        with blas_single_thread(0):
            steps[name][0].set()
            steps[name][1].wait(30)
        seen[name] = _blas_threads()

    threads = {name: threading.Thread(target=hold, args=(name,)) for name in "AB"}
    try:
        for name in "AB":
            threads[name].start()
            assert steps[name][0].wait(30)
        steps["A"][1].set()
        threads["A"].join(30)
        assert set(seen["A"]) <= {1} and set(_blas_threads()) <= {1}
    finally:
        for name in "AB":
            steps[name][1].set()
            threads[name].join(30)
    assert seen["B"] == before and _blas_threads() == before


class _FakeController:
    """threadpoolctl's controller as _SharedBlasLimit uses it, recording the calls."""

    def __init__(self, fail_limit=False, fail_restore=False):
        self.calls, self.fail_limit, self.fail_restore = [], fail_limit, fail_restore

    def limit(self, limits):
        self.calls.append(("limit", limits))
        if self.fail_limit:
            raise OSError("no BLAS")
        return self

    def restore_original_limits(self):
        self.calls.append(("restore",))
        if self.fail_restore:
            raise OSError("gone")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_shared_blas_limit_counts_holders_with_a_fake_controller():
    shared, per_thread = _FakeController(), _FakeController()
    made = []
    limit = runtime._SharedBlasLimit(lambda: made.append(1) or (shared, per_thread))
    entered, release, counts = threading.Event(), threading.Event(), []

    def other():
        with limit.hold():
            counts.append(limit.holders)
            entered.set()
            release.wait(30)

    thread = threading.Thread(target=other)
    with limit.hold():
        with limit.hold():
            thread.start()
            assert entered.wait(30)
            assert counts == [3]
        assert limit.holders == 2
    assert limit.holders == 1 and shared.calls == [("limit", 1)]   # set once, the other still in
    release.set()
    thread.join(30)
    assert limit.holders == 0 and shared.calls == [("limit", 1), ("restore",)]
    assert per_thread.calls == [("limit", 1)] * 3                 # per thread: every block its own
    assert made == [1]


def test_shared_blas_limit_set_once_restored_once_even_when_they_fail():
    shared = _FakeController()
    limit = runtime._SharedBlasLimit(lambda: (shared, _FakeController()))
    with pytest.raises(ValueError, match="body"):
        with limit.hold():
            with limit.hold():
                raise ValueError("body")
    assert shared.calls == [("limit", 1), ("restore",)] and limit.holders == 0
    shared.fail_limit = True
    with pytest.raises(OSError, match="no BLAS"):
        with limit.hold():
            pass                                       # pragma: no cover - not entered
    assert limit.holders == 0                          # a failed set leaves nothing to undo
    shared.fail_limit, shared.fail_restore = False, True
    with pytest.raises(OSError, match="gone"):
        with limit.hold():
            pass
    assert limit.holders == 0
    shared.fail_restore, shared.calls = False, []
    with limit.hold():                                 # usable again: set and restored anew
        pass
    assert shared.calls == [("limit", 1), ("restore",)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_restores_the_limits_of_threads_it_does_not_have():
    before = _blas_threads()
    entered, release = threading.Event(), threading.Event()

    def hold():
        with blas_single_thread(0):
            entered.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert entered.wait(30)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)   # Python 3.12: fork with threads
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit status
            ok = _blas_threads() == before
            with blas_single_thread(0):
                ok = ok and set(_blas_threads()) <= {1}
            os._exit(0 if ok and _blas_threads() == before else 1)
        assert os.waitpid(pid, 0)[1] == 0
        assert set(_blas_threads()) <= {1}             # the parent's holder is still inside
    finally:
        release.set()
        holder.join(30)
    assert _blas_threads() == before


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.LSTMCell, nn.GRUCell])
def test_layers_take_a_runtime_keyword_and_refuse_anything_else(cls):
    rt = Runtime(recurrent="numpy", workers=1)
    layer = cls(3, 4, rng=np.random.default_rng(0), runtime=rt)
    assert layer.runtime is rt
    assert cls(3, 4, rng=np.random.default_rng(0)).runtime is default()
    with pytest.raises(TypeError, match="runtime must be an actlab.runtime.Runtime"):
        cls(3, 4, runtime="numpy")
    assert "runtime" not in repr(layer)


@pytest.mark.parametrize("runtime", [None, Runtime(recurrent="numpy", workers=2, parallel_work=0.0)])
def test_layers_pickle_and_save_with_or_without_a_runtime(tmp_path, runtime):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4, 3))
    lstm = nn.LSTM(3, 4, num_layers=2, rng=rng, runtime=runtime)
    want = lstm.forward(x)[0]
    back = pickle.loads(pickle.dumps(lstm))
    assert back.runtime == lstm.runtime
    np.testing.assert_array_equal(back.forward(x)[0], want)
    nn.save(tmp_path / "lstm.npz", lstm)
    other = nn.LSTM(3, 4, num_layers=2, rng=np.random.default_rng(1))
    nn.load(tmp_path / "lstm.npz", other)
    np.testing.assert_allclose(other.forward(x)[0], want, rtol=1e-12)
    assert sorted(other.state_dict()) == sorted(lstm.state_dict())


def test_memo_makes_each_key_once_per_runtime():
    made = []

    def make(rt):
        made.append(rt)
        return len(made)

    rt, other = Runtime(workers=1), Runtime(workers=1)
    assert [rt.memo("k", make), rt.memo("k", make), other.memo("k", make), rt.memo("j", make)] == [1, 1, 2, 3]
    assert made == [rt, other, rt]
