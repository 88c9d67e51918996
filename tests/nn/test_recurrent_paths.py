"""The implementations of the recurrent steps agree with each other.

* the compiled time loops (``_kernels/krnn.h``: one C loop per layer, GIL released),
* the Python loops over the compiled cell ufuncs (``lstm_cell`` & co.),
* the Python loops over the NumPy twins (``_lstm_cell_np`` & co., the path without the
  extension);

each chosen by the :class:`actlab.runtime.Runtime` the layer is given; a batch split over
threads equals the serial run; the compiled loops and cell ufuncs refuse bad arguments with
an error and take hostile values without FP warnings.  (Each path is also checked against
torch through the default path in test_recurrent_torch.py.)
"""

import numpy as np
import pytest

import actlab
import actlab.nn.recurrent.cells as C
from actlab import _kernels
from actlab.nn.recurrent import GRU, LSTM, GRUCell, LSTMCell
from actlab.runtime import PARALLEL_WORK, Runtime, default
from actlab.testing import ulp_error

pytestmark = pytest.mark.skipif(not _kernels.available(), reason="needs the compiled extension")

PATHS = {"compiled loops": "loops", "cell ufuncs": "ufuncs", "numpy twins": "numpy"}


def _everything(cls, dtype, *, layers=2, batch_first=False, T=6, B=5, I=3, H=4, seed=0, runtime=None):
    """forward + backward with given states and state gradients; every result in one dict."""
    rng = np.random.default_rng(seed)
    m = cls(I, H, num_layers=layers, batch_first=batch_first, rng=rng, dtype=dtype, runtime=runtime)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)) * 2
    h0 = rng.standard_normal((layers, B, H))
    lstm = cls is LSTM
    hx = (h0, rng.standard_normal((layers, B, H))) if lstm else h0
    out, fin = m.forward(x, hx)
    dout = rng.standard_normal(out.shape)
    dfin = [rng.standard_normal((layers, B, H)) for _ in (fin if lstm else [fin])]
    dx = m.backward(dout, *dfin)
    res = {"out": out, "dx": dx, **{f"grad {k}": v.copy() for k, v in m.grads.items()}}
    for k, v in enumerate(fin if lstm else [fin]):
        res[f"final {k}"] = v
    for k, v in enumerate(m.dhx if lstm else [m.dhx]):
        res[f"dhx {k}"] = v
    for (layer, g), z in m.gate_preactivations.items():
        res[f"pre {layer}{g}"] = z
        res[f"gate {layer}{g}"] = m.last_gates[layer][g]
    return res


def _close(a, b, dtype):
    tol = dict(rtol=1e-12, atol=1e-13) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)
    assert sorted(a) == sorted(b)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], err_msg=k, **tol)


def test_compiled_loops_are_in_use():
    assert default().recurrent_path == "loops"
    assert default().compiled_loops() is not None


@pytest.mark.parametrize("path", ["cell ufuncs", "numpy twins"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize("batch_first", [False, True])
def test_paths_agree(cls, dtype, path, batch_first):
    ref = _everything(cls, dtype, batch_first=batch_first, runtime=Runtime(recurrent=PATHS["compiled loops"]))
    _close(_everything(cls, dtype, batch_first=batch_first, runtime=Runtime(recurrent=PATHS[path])), ref, dtype)


@pytest.mark.parametrize("path", ["compiled loops", "cell ufuncs", "numpy twins"])
def test_each_path_runs_its_own_kernels(path):
    """A runtime hands the time loops its path's kernels and no other (a Python-loop path
    that reached the compiled loops would hide a broken twin)."""
    rt = Runtime(recurrent=PATHS[path])
    for cls, names in ((LSTM, ("lstm", "lstm_cell")), (GRU, ("gru", "gru_cell"))):
        k = cls._kind.kernels(rt)
        loops = (k.forward_loop, k.backward_loop)
        cells = (k.cell, k.cell_backward)
        if path == "compiled loops":
            ext = rt.compiled_loops()
            assert loops == (getattr(ext, names[0] + "_forward"), getattr(ext, names[0] + "_backward"))
        else:
            assert rt.compiled_loops() is None and loops == (None, None)
        if path == "numpy twins":
            assert cells == (getattr(C, f"_{names[1]}_np"), getattr(C, f"_{names[1]}_backward_np"))
        else:
            assert cells == (_kernels.get(names[1]), _kernels.get(names[1] + "_backward"))


@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_split_over_threads_equals_serial(cls, dtype):
    serial = _everything(cls, dtype, B=7, seed=3, runtime=Runtime(workers=1))
    parallel = Runtime(workers=3, parallel_work=0.0)  # 7 rows -> blocks of 2, 2, 3
    m = cls(3, 4, rng=np.random.default_rng(0), runtime=parallel)
    assert [(s.start, s.stop) for s in m._batch_blocks(7)] == [(0, 2), (2, 4), (4, 7)]
    parted = _everything(cls, dtype, B=7, seed=3, runtime=parallel)
    _close(parted, serial, dtype)


def test_unset_workers_follow_set_num_threads():
    m = LSTM(3, 4, rng=np.random.default_rng(0), runtime=Runtime(parallel_work=0.0))
    before = actlab.get_num_threads()
    try:
        actlab.set_num_threads(3)
        assert [(s.start, s.stop) for s in m._batch_blocks(7)] == [(0, 2), (2, 4), (4, 7)]
        actlab.set_num_threads(1)
        assert len(m._batch_blocks(7)) == 1
    finally:
        actlab.set_num_threads(before)


@pytest.mark.parametrize("cls", [LSTMCell, GRUCell])
def test_cells_split_over_threads(cls):
    rng = np.random.default_rng(0)
    x, dh = rng.standard_normal((6, 3)), rng.standard_normal((6, 4))
    results = []
    for rt in (Runtime(workers=1), Runtime(workers=2, parallel_work=0.0)):
        cell = cls(3, 4, rng=np.random.default_rng(1), runtime=rt)
        assert len(cell._batch_blocks(6)) == rt.workers
        h = cell.forward(x)
        dx = cell.backward(dh)
        results.append((h, dx, dict(cell.grads)))
    (h1, dx1, g1), (h2, dx2, g2) = results
    np.testing.assert_allclose(h2[0] if isinstance(h2, tuple) else h2, h1[0] if isinstance(h1, tuple) else h1,
                               rtol=1e-13)
    np.testing.assert_allclose(dx2, dx1, rtol=1e-12, atol=1e-15)
    for k in g1:
        np.testing.assert_allclose(g2[k], g1[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_parallel_work_threshold_keeps_small_batches_serial():
    two, one = Runtime(workers=2), Runtime(workers=1)
    assert two.parallel_work == PARALLEL_WORK
    m = LSTM(3, 128, rng=np.random.default_rng(0), runtime=two)
    assert len(m._batch_blocks(8)) == 1            # 8 * 4 * 128 * 128 / 2 < PARALLEL_WORK
    assert len(m._batch_blocks(64)) == 2
    assert len(LSTM(3, 128, rng=np.random.default_rng(0), runtime=one)._batch_blocks(64)) == 1


# --------------------------------------------------------------------- the compiled loops' checks
def test_compiled_loops_refuse_bad_arguments():
    L = Runtime(recurrent="loops").compiled_loops()
    f4, f8 = np.float32, np.float64
    T, B, H, I = 3, 2, 4, 2
    K = H + I + 1
    U, W = np.zeros((T + 1, B, K)), np.zeros((K, 4 * H))
    cs, F = np.zeros((T + 1, B, H)), np.zeros((6, T, B, H))
    L.lstm_forward(U, W, cs, F)                                   # fits: no error
    with pytest.raises(ValueError, match="same float dtype"):
        L.lstm_forward(U, W.astype(f4), cs, F)
    with pytest.raises(TypeError, match="float32 or float64"):
        L.lstm_forward(U.astype(int), W, cs, F)
    with pytest.raises(TypeError, match="numpy array"):
        L.lstm_forward(U, W.tolist(), cs, F)
    with pytest.raises(ValueError, match="C-contiguous"):
        L.lstm_forward(U, np.asfortranarray(W), cs, F)
    with pytest.raises(ValueError, match="writeable"):
        ro = cs.copy()
        ro.flags.writeable = False
        L.lstm_forward(U, W, ro, F)
    with pytest.raises(ValueError, match="dimension"):
        L.lstm_forward(U, W, np.zeros((T, B, H)), F)
    with pytest.raises(ValueError, match="do not fit"):
        L.lstm_forward(U, np.zeros((K, 4 * H + 1)), cs, F)
    dh, dc, w_hh, w_ih = np.zeros((B, H)), np.zeros((B, H)), np.zeros((4 * H, H)), np.zeros((4 * H, I))
    dWU, dx = np.zeros((4 * H, K)), np.zeros((T, B, I))
    L.lstm_backward(dh, dc, None, F, w_hh, U, w_ih, dWU, dx)       # fits: no error
    with pytest.raises(ValueError, match="dout"):
        L.lstm_backward(dh, dc, np.zeros((T, B, H + 1)), F, w_hh, U, w_ih, dWU, dx)
    with pytest.raises(ValueError, match="dx"):
        L.lstm_backward(dh, dc, None, F, w_hh, U, w_ih, dWU, np.zeros((T, B, I + 1)))
    with pytest.raises(ValueError, match="less than H"):
        L.lstm_backward(dh, dc, None, F, w_hh, np.zeros((T + 1, B, H)), w_ih, np.zeros((4 * H, H)), dx)
    X, hs = np.zeros((T, B, 3 * H)), np.zeros((T + 1, B, H))
    with pytest.raises(ValueError, match="bn"):
        L.gru_forward(X, hs, np.zeros((H, 3 * H)), np.zeros(H + 1), np.zeros((5, T, B, H)))
    with pytest.raises(ValueError, match=r"\(T, B, 3H\)"):
        L.gru_backward(np.zeros((T, B, 5)), np.zeros((T, B, H)), dh, dh, None, np.zeros((5, T, B, H)),
                       np.zeros((3 * H, H)))
    assert f8 is np.float64


HOSTILE = np.array([-np.inf, -1000.0, -50.0, -1.0, -0.0, 0.0, 5e-324, 1e-300, 0.5, 1.0, 50.0, 1000.0,
                    np.inf, np.nan])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["lstm_cell", "lstm_cell_backward", "gru_cell", "gru_cell_backward"])
def test_cell_ufuncs_take_hostile_values_quietly(name, dtype):
    uf = _kernels.get(name)
    twin = getattr(C, f"_{name}_np")
    rng = np.random.default_rng(0)
    ins = [rng.choice(HOSTILE, size=(7, 9)).astype(dtype) for _ in range(uf.nin)]
    outs = tuple(np.empty((7, 9), dtype) for _ in range(uf.nout))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        uf(*ins, out=outs)
    with np.errstate(all="ignore"):
        want = twin(*[a.astype(np.float64) for a in ins], out=tuple(np.empty((7, 9)) for _ in outs))
    for k, (got, ref) in enumerate(zip(outs, want)):
        ref = ref.astype(dtype)
        same = (got == ref) | (np.isnan(got) & np.isnan(ref))
        close = np.isclose(got, ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-300)
        assert (same | close).all(), (name, k, ins, got, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cell_ufuncs_handle_strides_and_aliasing(dtype):
    uf = _kernels.get("lstm_cell")
    rng = np.random.default_rng(1)
    big = rng.standard_normal((6, 40)).astype(dtype)
    ins = [big[:, k * 8:(k + 1) * 8:2] for k in range(4)] + [rng.standard_normal((6, 4)).astype(dtype)]
    want = uf(*[np.ascontiguousarray(a) for a in ins])
    got = uf(*ins)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    cp = ins[4].copy()
    outs = list(np.empty((6, 4), dtype) for _ in range(8))
    outs[1] = cp                                          # c written over c_prev
    uf(*ins[:4], cp, out=tuple(outs))
    np.testing.assert_array_equal(cp, want[1])


def _child_runs_split_lstm(q, rt):
    m = LSTM(3, 4, rng=np.random.default_rng(0), runtime=rt)
    out, _ = m.forward(np.ones((5, 7, 3)))
    q.put((float(out.sum()), len(m._batch_blocks(7))))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork() is POSIX")
def test_batch_split_works_in_a_forked_child():
    import multiprocessing

    rt = Runtime(workers=2, parallel_work=0.0)
    m = LSTM(3, 4, rng=np.random.default_rng(0), runtime=rt)
    want = float(m.forward(np.ones((5, 7, 3)))[0].sum())   # the pool's threads exist now
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child_runs_split_lstm, args=(q, rt))
    p.start()
    p.join(60)
    if p.exitcode is None:
        p.kill()
    assert p.exitcode == 0, "the forked child hung or failed"
    got, blocks = q.get(timeout=5)
    assert blocks == 2
    assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("scale", ["wide", "small"])
def test_float32_lstm_cell_ulp_bounds(scale):
    """The float32 cell (plain float arithmetic where |inputs| <= 40) against its float64 twin:
    c_prev = 0 keeps c = i g free of cancellation, so every output is a short product."""
    rng = np.random.default_rng(7)
    n = 200_000
    if scale == "wide":
        zs = [rng.uniform(-40, 40, n).astype(np.float32) for _ in range(4)]
    else:
        zs = [(rng.standard_normal(n) * np.exp(rng.uniform(-20, 3, n))).astype(np.float32) for _ in range(4)]
    cp = np.zeros(n, np.float32)
    got = _kernels.get("lstm_cell")(*zs, cp)
    ref = C._lstm_cell_np(*[z.astype(np.float64) for z in zs], cp.astype(np.float64),
                          out=tuple(np.empty(n) for _ in range(8)))
    bounds = dict(h=10, c=5, po=10, oc=10, pi=8, pf=0, pg=8, f=3)
    for (name, bound), g, r in zip(bounds.items(), got, ref):
        assert ulp_error(g, r, np.float32).max() <= bound, name


def test_float32_lstm_output_as_close_to_float64_as_before():
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((20, 16, 8)), rng.standard_normal((20, 16, 32))
    m64 = LSTM(8, 32, rng=np.random.default_rng(1))
    m32 = LSTM(8, 32, rng=np.random.default_rng(1), dtype=np.float32)
    out64, dx64 = m64.forward(x)[0], None
    dx64 = m64.backward(dout)
    out32 = m32.forward(x)[0]
    dx32 = m32.backward(dout)

    def rel(a, b):
        return np.abs(a - b).max() / np.abs(b).max()

    assert rel(out32, out64) < 1e-6 and rel(dx32, dx64) < 3e-6
    assert rel(m32.grads["weight_hh_l0"], m64.grads["weight_hh_l0"]) < 3e-6


def test_float32_lstm_cell_plain_float_path_takes_hostile_values_quietly():
    """Values that keep a block on the plain-float path (|x| <= 40): NaN, +-0, float32
    subnormals, +-40 -- no FP warnings, NaN exactly where the float64 twin has NaN."""
    special = np.array([np.nan, -0.0, 0.0, 1e-40, -1e-40, 1e-30, 40.0, -40.0, 39.9, -3.0, 0.5], np.float32)
    rng = np.random.default_rng(3)
    ins = [rng.choice(special, size=4096) for _ in range(5)]
    uf = _kernels.get("lstm_cell")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = uf(*ins)
    with np.errstate(all="ignore"):
        want = C._lstm_cell_np(*[a.astype(np.float64) for a in ins], out=tuple(np.empty(4096) for _ in range(8)))
    # c = f c_prev + i g may cancel (absolute error ~1e-7 (1 + |c_prev|)) and tanh'(c) has
    # condition number 2|c| (<= 82 here): tolerances say so; the values are otherwise close
    scale = 1.0 + np.nan_to_num(np.abs(ins[4].astype(np.float64)))
    for k, (g, w) in enumerate(zip(got, want)):
        assert (np.isnan(g) == np.isnan(w)).all(), k
        ok = ~np.isnan(w)
        err = np.abs(g[ok] - w[ok])
        assert (err <= 5e-5 * np.abs(w[ok]) + 1e-6 * scale[ok]).all(), k
