"""nn.LSTM / nn.GRU / nn.LSTMCell / nn.GRUCell against PyTorch (float64, copied weights).

Every comparison checks outputs, final states, dx, the gradient of the initial state and
every parameter gradient.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from actlab.nn.recurrent import GRU, LSTM, GRUCell, LSTMCell  # noqa: E402

TOL = dict(rtol=1e-10, atol=1e-12)


def _copy_to_torch(ours, theirs):
    with torch.no_grad():
        for name, p in ours.params.items():
            getattr(theirs, name).copy_(torch.from_numpy(p))


def _t(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _check_grads(ours, theirs):
    names = sorted(dict(theirs.named_parameters()))
    assert sorted(ours.grads) == names
    for name in names:
        np.testing.assert_allclose(ours.grads[name], getattr(theirs, name).grad.numpy(), **TOL,
                                   err_msg=name)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("given_hx", [False, True])
def test_rnn_matches_torch(cell, num_layers, batch_first, given_hx):
    rng = np.random.default_rng(10 * num_layers + 2 * batch_first + given_hx)
    T, B, I, H = 6, 3, 4, 5
    cls, tcls = (LSTM, torch.nn.LSTM) if cell == "lstm" else (GRU, torch.nn.GRU)
    ours = cls(I, H, num_layers=num_layers, batch_first=batch_first, rng=rng)
    theirs = tcls(I, H, num_layers=num_layers, batch_first=batch_first).double()
    _copy_to_torch(ours, theirs)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    x_before = x.copy()
    h0 = rng.standard_normal((num_layers, B, H))
    c0 = rng.standard_normal((num_layers, B, H))
    xt, h0t, c0t = _t(x), _t(h0), _t(c0)
    if cell == "lstm":
        hx, thx = ((h0, c0), (h0t, c0t)) if given_hx else (None, None)
        out, (hn, cn) = ours.forward(x, hx)
        tout, (thn, tcn) = theirs(xt, thx)
    else:
        hx, thx = (h0, h0t) if given_hx else (None, None)
        out, hn = ours.forward(x, hx)
        tout, thn = theirs(xt, thx)
    np.testing.assert_allclose(out, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(hn, thn.detach().numpy(), **TOL)
    # upstream gradient into the output sequence and into the final states
    dout = rng.standard_normal(out.shape)
    dhn = rng.standard_normal(hn.shape)
    saved = dout.copy(), dhn.copy()
    loss = (tout * torch.from_numpy(dout)).sum() + (thn * torch.from_numpy(dhn)).sum()
    if cell == "lstm":
        np.testing.assert_allclose(cn, tcn.detach().numpy(), **TOL)
        dcn = rng.standard_normal(cn.shape)
        loss = loss + (tcn * torch.from_numpy(dcn)).sum()
        dx = ours.backward(dout, dhn, dcn)
    else:
        dx = ours.backward(dout, dhn)
    loss.backward()
    np.testing.assert_allclose(dx, xt.grad.numpy(), **TOL)
    if given_hx:
        dh0 = ours.dhx[0] if cell == "lstm" else ours.dhx
        np.testing.assert_allclose(dh0, h0t.grad.numpy(), **TOL)
        if cell == "lstm":
            np.testing.assert_allclose(ours.dhx[1], c0t.grad.numpy(), **TOL)
    _check_grads(ours, theirs)
    # nothing the caller passed was modified
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, saved[0])
    np.testing.assert_array_equal(dhn, saved[1])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_rnn_without_bias_unbatched_and_output_only_grad(cell):
    rng = np.random.default_rng(7)
    T, I, H = 5, 3, 4
    cls, tcls = (LSTM, torch.nn.LSTM) if cell == "lstm" else (GRU, torch.nn.GRU)
    ours = cls(I, H, bias=False, rng=rng)
    theirs = tcls(I, H, bias=False).double()
    _copy_to_torch(ours, theirs)
    x = rng.standard_normal((T, I))          # unbatched
    xt = _t(x)
    out = ours.forward(x)[0]
    tout = theirs(xt)[0]
    assert out.shape == (T, H)
    np.testing.assert_allclose(out, tout.detach().numpy(), **TOL)
    dout = rng.standard_normal(out.shape)
    dx = ours.backward(dout)
    (tout * torch.from_numpy(dout)).sum().backward()
    np.testing.assert_allclose(dx, xt.grad.numpy(), **TOL)
    _check_grads(ours, theirs)


def test_grads_accumulate_and_last_state_only_backward():
    rng = np.random.default_rng(3)
    ours = GRU(2, 3, rng=rng)
    theirs = torch.nn.GRU(2, 3).double()
    _copy_to_torch(ours, theirs)
    x = rng.standard_normal((4, 2, 2))
    xt = _t(x)
    for _ in range(2):                       # two backward passes add up
        _, hn = ours.forward(x)
        ours.backward(None, dh_n=np.ones_like(hn))
        theirs(xt)[1].sum().backward()
    _check_grads(ours, theirs)
    ours.zero_grad()
    assert all(not g.any() for g in ours.grads.values())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch_over_an_unrolled_sequence(kind, batched):
    rng = np.random.default_rng(5 + batched)
    T, B, I, H = 4, 3, 2, 5
    cls, tcls = (LSTMCell, torch.nn.LSTMCell) if kind == "lstm" else (GRUCell, torch.nn.GRUCell)
    ours, theirs = cls(I, H, rng=rng), tcls(I, H).double()
    _copy_to_torch(ours, theirs)
    shape = (T, B, I) if batched else (T, I)
    xs = rng.standard_normal(shape)
    h0 = rng.standard_normal(shape[1:-1] + (H,))
    c0 = rng.standard_normal(shape[1:-1] + (H,))
    xt, h0t, c0t = _t(xs), _t(h0), _t(c0)
    state, tstate = ((h0, c0), (h0t, c0t)) if kind == "lstm" else (h0, h0t)
    outs, touts = [], []
    for t in range(T):
        state = ours.forward(xs[t], state)
        tstate = theirs(xt[t], tstate)
        outs.append(state[0] if kind == "lstm" else state)
        touts.append(tstate[0] if kind == "lstm" else tstate)
    for a, b in zip(outs, touts):
        np.testing.assert_allclose(a, b.detach().numpy(), **TOL)
    douts = rng.standard_normal((T,) + outs[0].shape)
    sum(( o * torch.from_numpy(d)).sum() for o, d in zip(touts, douts)).backward()
    dxs = [None] * T
    if kind == "lstm":
        dh, dc = np.zeros_like(h0), None
        for t in range(T - 1, -1, -1):
            dxs[t] = ours.backward(dh + douts[t], dc)
            dh, dc = ours.dhx
        np.testing.assert_allclose(dc, c0t.grad.numpy(), **TOL)
    else:
        dh = np.zeros_like(h0)
        for t in range(T - 1, -1, -1):
            dxs[t] = ours.backward(dh + douts[t])
            dh = ours.dhx
    np.testing.assert_allclose(np.stack(dxs), xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(dh, h0t.grad.numpy(), **TOL)
    _check_grads(ours, theirs)
    with pytest.raises(RuntimeError, match="more often than forward"):
        ours.backward(np.zeros_like(h0))


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_float32_close_to_float64_torch(cls):
    rng = np.random.default_rng(11)
    ours = cls(8, 16, num_layers=2, rng=rng, dtype=np.float32)
    theirs = (torch.nn.LSTM if cls is LSTM else torch.nn.GRU)(8, 16, num_layers=2).double()
    with torch.no_grad():
        for name, p in ours.params.items():
            getattr(theirs, name).copy_(torch.from_numpy(p.astype(np.float64)))
    x = rng.standard_normal((20, 4, 8)).astype(np.float32)
    out = ours.forward(x)[0]
    assert out.dtype == np.float32
    xt = _t(x.astype(np.float64))
    tout = theirs(xt)[0]
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=0, atol=2e-6)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx = ours.backward(dout)
    assert dx.dtype == np.float32 and all(g.dtype == np.float32 for g in ours.grads.values())
    (tout * torch.from_numpy(dout.astype(np.float64))).sum().backward()
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=2e-5)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(ours.grads[name], p.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=name)


def test_init_distribution_and_names_follow_torch():
    lstm = LSTM(10, 64, num_layers=2, rng=np.random.default_rng(0))
    theirs = torch.nn.LSTM(10, 64, num_layers=2)
    assert {k: v.shape for k, v in lstm.params.items()} == {
        k: tuple(v.shape) for k, v in theirs.named_parameters()}
    w = np.concatenate([p.ravel() for p in lstm.params.values()])
    bound = 1 / 8
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.mean()) < 0.01 and w.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    same = LSTM(10, 64, num_layers=2, rng=np.random.default_rng(0))
    assert all(np.array_equal(same.params[k], v) for k, v in lstm.params.items())
