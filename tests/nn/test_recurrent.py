"""nn.LSTM / nn.GRU / cells without torch: gradcheck through BPTT, gates, bad input."""

import numpy as np
import pytest

from actlab import nn
from actlab.nn.recurrent import GRU, LSTM, GRUCell, LSTMCell


class _Whole(nn.Module):
    """Output sequence and final states as one array, so gradcheck sees every path."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn
        self.lstm = isinstance(rnn, LSTM)

    def forward(self, x, h0, c0):
        if self.lstm:
            out, (hn, cn) = self.rnn.forward(x, (h0, c0))
            return np.concatenate([out.ravel(), hn.ravel(), cn.ravel()])
        out, hn = self.rnn.forward(x, h0)
        return np.concatenate([out.ravel(), hn.ravel()])

    def backward(self, d):
        r = self.rnn
        T, B = (self._shape[1], self._shape[0]) if r.batch_first else self._shape[:2]
        n_out = T * B * r.hidden_size
        n_h = r.num_layers * B * r.hidden_size
        out_shape = (B, T, r.hidden_size) if r.batch_first else (T, B, r.hidden_size)
        h_shape = (r.num_layers, B, r.hidden_size)
        dout = d[:n_out].reshape(out_shape)
        dhn = d[n_out:n_out + n_h].reshape(h_shape)
        if self.lstm:
            dcn = d[n_out + n_h:].reshape(h_shape)
            dx = r.backward(dout, dhn, dcn)
            return dx, r.dhx[0], r.dhx[1]
        dx = r.backward(dout, dhn)
        return dx, r.dhx, np.zeros(h_shape)


@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize("batch_first", [False, True])
def test_gradcheck_through_bptt(cls, batch_first):
    rng = np.random.default_rng(1)
    T, B, I, H, L = 5, 2, 3, 4, 2
    w = _Whole(cls(I, H, num_layers=L, batch_first=batch_first, rng=rng))
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    w._shape = x.shape
    h0, c0 = rng.standard_normal((L, B, H)), rng.standard_normal((L, B, H))
    rep = nn.gradcheck(w, [x, h0, c0], wrt=[0, 1, 2] if cls is LSTM else [0, 1], rng=rng)
    assert rep.ok, str(rep)
    assert len(rep.errors) == 2 + (cls is LSTM) + 8  # inputs + 4 params per layer
    assert max(e[0] for e in rep.errors.values()) < 1e-7


class _Step(nn.Module):
    """One cell step with (h, c = h / 2) as the state; output h' (and c') as one array."""

    def __init__(self, cell):
        super().__init__()
        self.cell = cell
        self.lstm = isinstance(cell, LSTMCell)

    def forward(self, x, h):
        self.cell.reset()  # gradcheck calls forward many times; keep one step cached
        out = self.cell.forward(x, (h, h * 0.5) if self.lstm else h)
        return np.concatenate([out[0].ravel(), out[1].ravel()]) if self.lstm else out

    def backward(self, d):
        if self.lstm:
            n = d.size // 2
            dx = self.cell.backward(d[:n].reshape(-1, self.cell.hidden_size),
                                    d[n:].reshape(-1, self.cell.hidden_size))
            return dx, self.cell.dhx[0] + 0.5 * self.cell.dhx[1]
        return self.cell.backward(d), self.cell.dhx


@pytest.mark.parametrize("cls", [LSTMCell, GRUCell])
def test_gradcheck_cells(cls):
    rng = np.random.default_rng(2)
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    rep = nn.gradcheck(_Step(cls(3, 4, rng=rng)), [x, h], rng=rng)
    assert rep.ok, str(rep)
    assert len(rep.errors) == 6


def test_last_gates_and_preactivations_are_consistent():
    rng = np.random.default_rng(0)
    lstm = LSTM(3, 4, num_layers=2, rng=rng)
    lstm.forward(rng.standard_normal((6, 2, 3)) * 5)
    pre = lstm.gate_preactivations
    assert sorted(pre) == [(k, g) for k in (0, 1) for g in "fgio"]
    for k in (0, 1):
        for g in "ifgo":
            act = np.tanh if g == "g" else (lambda z: 1 / (1 + np.exp(-z)))
            np.testing.assert_allclose(lstm.last_gates[k][g], act(pre[(k, g)]), rtol=1e-12)
            assert lstm.last_gates[k][g].shape == (6, 2, 4)
    gru = GRU(3, 4, rng=rng)
    gru.forward(rng.standard_normal((5, 3)))
    assert sorted(gru.last_gates[0]) == ["n", "r", "z"]
    assert ((gru.last_gates[0]["r"] > 0) & (gru.last_gates[0]["r"] < 1)).all()


def test_saturation_analysis_reads_the_gates():
    vanishing = pytest.importorskip("actlab.analysis.vanishing")
    rng = np.random.default_rng(0)
    gru = GRU(3, 4, rng=rng)
    gru.forward(rng.standard_normal((5, 2, 3)))
    recs = vanishing.gate_saturation(gru)
    assert sorted(r.gate for r in recs) == ["n", "r", "z"]


def test_float32_module_stays_float32():
    rng = np.random.default_rng(0)
    lstm = LSTM(3, 4, rng=rng, dtype=np.float32)
    out, (h, c) = lstm.forward(rng.standard_normal((5, 2, 3)))   # float64 input is cast
    assert out.dtype == h.dtype == c.dtype == np.float32
    assert lstm.backward(np.ones_like(out)).dtype == np.float32


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_bad_input(cls):
    rnn = cls(3, 4, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="3-D"):
        rnn.forward(np.zeros((2, 3, 3, 1)))
    with pytest.raises(ValueError, match="3-D"):
        rnn.forward(np.zeros(3))
    with pytest.raises(ValueError, match="input_size=3"):
        rnn.forward(np.zeros((5, 2, 4)))
    with pytest.raises(TypeError, match="dtype"):
        rnn.forward(np.array([["a", "b", "c"]]))
    with pytest.raises(RuntimeError, match="before forward"):
        rnn.backward(np.zeros((5, 2, 4)))
    hx = np.zeros((1, 3, 4))
    with pytest.raises((ValueError, TypeError), match="shape|tuple"):
        rnn.forward(np.zeros((5, 2, 3)), (hx, hx) if cls is LSTM else hx)
    out = rnn.forward(np.zeros((5, 2, 3)))[0]
    with pytest.raises(ValueError, match="dout has shape"):
        rnn.backward(np.zeros((5, 2, 5)))
    assert out.shape == (5, 2, 4)
    with pytest.raises(ValueError, match="hidden_size"):
        cls(3, 0)
    with pytest.raises(TypeError, match="Generator"):
        cls(3, 4, rng=1)


def test_nan_propagates_without_warnings():
    rnn = LSTM(2, 3, rng=np.random.default_rng(0))
    x = np.zeros((4, 1, 2))
    x[1, 0, 0] = np.nan
    out = rnn.forward(x)[0]
    assert np.isnan(out[1:]).all() and not np.isnan(out[0]).any()


def test_extreme_inputs_saturate_cleanly():
    rnn = GRU(2, 3, rng=np.random.default_rng(0))
    x = np.full((4, 1, 2), 1e6)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = rnn.forward(x)[0]
        dx = rnn.backward(np.ones_like(out))
    assert np.isfinite(out).all() and np.isfinite(dx).all()


def test_blas_thread_limit_is_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [d["num_threads"] for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]
    rnn = LSTM(3, 4, rng=np.random.default_rng(0))
    out = rnn.forward(np.ones((5, 2, 3)))[0]
    rnn.backward(np.ones_like(out))
    after = [d["num_threads"] for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]
    assert before == after
