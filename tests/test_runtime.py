"""actlab.runtime.Runtime: settings checked, path chosen, threads, BLAS limit, copies and pickles;
the recurrent layers take one explicitly."""

import copy
import dataclasses
import pickle
import threading

import numpy as np
import pytest

import actlab
from actlab import _kernels, nn
from actlab.runtime import (
    PARALLEL_WORK,
    RECURRENT_PATHS,
    SMALL_WORK,
    Runtime,
    blas_single_thread,
    default,
)


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
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [d["num_threads"] for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]

    before = blas_threads()
    rt = Runtime(small_work=100.0)
    with rt.blas_single_thread(99.0):
        assert set(blas_threads()) <= {1}
    with rt.blas_single_thread(100.0):
        assert blas_threads() == before
    with blas_single_thread(0):       # the default runtime's, as models/ and analysis/ use it
        assert set(blas_threads()) <= {1}
    assert blas_threads() == before


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
