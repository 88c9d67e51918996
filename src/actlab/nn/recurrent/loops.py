"""The time loops of the recurrent layers: one layer over a whole sequence, forward and BPTT.

Each function runs one layer with the kernels of the :class:`actlab.runtime.Runtime` it is
given: the compiled loops (``krnn.h``) when it runs them, else a Python loop over the cell
kernels (compiled ufuncs, or the NumPy reference cells of :mod:`.cells`).

May import: NumPy, :mod:`actlab.runtime` and :mod:`.cells`.
"""

from __future__ import annotations

import numpy as np

from ...runtime import Runtime
from .cells import (
    _gru_cell_backward_np,
    _gru_cell_np,
    _gru_preactivations,
    _lstm_cell_backward_np,
    _lstm_cell_np,
)

def _with_ones(x: np.ndarray) -> np.ndarray:
    """(T, B, F) -> (T * B, F + 1) C-contiguous with a last column of ones (the bias column:
    ``[x, 1] @ [W^T; b]`` is the projection with its bias, and ``dZ^T [x, 1]`` gives the
    weight gradient and the bias gradient in one matmul)."""
    T, B, Fi = x.shape
    xa = np.empty((T * B, Fi + 1), dtype=x.dtype)
    xa[:, :Fi].reshape(T, B, Fi)[...] = x
    xa[:, Fi] = 1
    return xa


def _w_aug(w_ih: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """[W_ih^T; b] (F + 1, G H), b = 0 without bias."""
    wa = np.zeros((w_ih.shape[1] + 1, w_ih.shape[0]), dtype=w_ih.dtype)
    wa[:-1] = w_ih.T
    if b is not None:
        wa[-1] = b
    return wa


def _lstm_forward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_ih: np.ndarray,
                  w_hh: np.ndarray, b_ih: np.ndarray | None, b_hh: np.ndarray | None, runtime: Runtime):
    """One LSTM layer over a sequence ``x`` (T, B, I).  Returns ``(hs, cs, cache)``.

    Step t multiplies ``U[t] = [h_{t-1}, x_t, 1]`` by ``W = [W_hh^T; W_ih^T; b_ih + b_hh]``:
    one matmul gives all four pre-activations with their biases, the cell kernel writes
    ``h_t`` straight into ``U[t + 1]``, and the backward gets ``[dW_hh, dW_ih, db]`` from
    one matmul ``dZ^T U``.  ``hs`` is the view ``U[:, :, :H]`` (T + 1, B, H), ``cs`` is
    (T + 1, B, H); both hold the initial state at index 0.  The cache keeps U, W and the
    backward factors ``F`` (6, T, B, H); the pre-activations are ``U[:T] @ W`` (computed
    when asked for, by :attr:`LSTM.gate_preactivations`).
    """
    T, B, In = x.shape
    H = w_hh.shape[1]
    K = H + In + 1
    U = np.empty((T + 1, B, K), dtype=x.dtype)
    U[0, :, :H] = h0
    U[:T, :, H:H + In] = x
    U[T, :, H:] = 0
    U[:T, :, -1] = 1
    W = np.empty((K, 4 * H), dtype=x.dtype)
    W[:H] = w_hh.T
    W[H:H + In] = w_ih.T
    W[-1] = 0 if b_ih is None else b_ih + b_hh
    F = np.empty((6, T, B, H), dtype=x.dtype)
    cs = np.empty((T + 1, B, H), dtype=x.dtype)
    cs[0] = c0
    loops = runtime.compiled_loops()
    if loops is not None:
        loops.lstm_forward(U, W, cs, F)
    else:
        R = np.empty((B, 4 * H), dtype=x.dtype)
        zi, zf, zg, zo = (R[:, k * H:(k + 1) * H] for k in range(4))
        cell = runtime.cell_kernel("lstm_cell") or _lstm_cell_np
        for t in range(T):
            np.matmul(U[t], W, out=R)                   # all gates' pre-activations at once
            cell(zo, zi, zf, zg, cs[t], out=(U[t + 1, :, :H], cs[t + 1], *F[:, t]))
    hs = U[:, :, :H]
    return hs, cs, (U, W, F, hs, w_ih, np.ascontiguousarray(w_hh))


def _lstm_preactivations(cache) -> np.ndarray:
    U, W = cache[0], cache[1]
    T, B, K = U.shape[0] - 1, U.shape[1], U.shape[2]
    return (U[:T].reshape(T * B, K) @ W).reshape(T, B, -1)


def _lstm_backward(cache, dout: np.ndarray | None, dh_n: np.ndarray | None, dc_n: np.ndarray | None,
                   runtime: Runtime):
    """BPTT through one LSTM layer.  Returns ``dx, dh0, dc0, dW_ih, dW_hh, db`` (torch order).

    ``[dW_hh, dW_ih, db] = dZ^T U`` (one matmul over all steps, or chunk by chunk inside the
    compiled loop while the chunk's dZ is still in cache) and ``dx = dZ W_ih``."""
    U, W, F, hs, w_ih, w_hh = cache
    T, B, K = U.shape[0] - 1, U.shape[1], U.shape[2]
    H = hs.shape[2]
    dt = U.dtype
    dh = np.zeros((B, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
    dc = np.zeros((B, H), dtype=dt) if dc_n is None else np.array(dc_n, dtype=dt)
    loops = runtime.compiled_loops()
    if loops is not None:
        dWU = np.empty((4 * H, K), dtype=dt)
        dx = np.empty((T, B, K - H - 1), dtype=dt)
        loops.lstm_backward(dh, dc, None if dout is None else np.ascontiguousarray(dout), F, w_hh, U,
                            np.ascontiguousarray(w_ih), dWU, dx)
    else:
        dZ = np.empty((T, B, 4 * H), dtype=dt)
        zero = np.zeros((B, H), dtype=dt)
        cell = runtime.cell_kernel("lstm_cell_backward") or _lstm_cell_backward_np
        for t in range(T - 1, -1, -1):
            d = dZ[t]
            cell(dh, zero if dout is None else dout[t], dc, *F[:, t],
                 out=(d[:, 3 * H:], d[:, :H], d[:, H:2 * H], d[:, 2 * H:3 * H], dc))
            np.matmul(d, w_hh, out=dh)                                # d h_{t-1}
        dZf = dZ.reshape(T * B, 4 * H)
        dWU = dZf.T @ U[:T].reshape(T * B, K)
        dx = (dZf @ w_ih).reshape(T, B, -1)
    return dx, dh, dc, dWU[:, H:-1], dWU[:, :H], dWU[:, -1].copy()


def _gru_forward(x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                 b_ih: np.ndarray | None, b_hh: np.ndarray | None, runtime: Runtime):
    """One GRU layer over ``x`` (T, B, I).  Returns ``(hs, cache)``, hs (T + 1, B, H).

    The input projections of all steps ``X`` (T, B, 3H; with b_ih and b_hr, b_hz) are one
    matmul; each step one matmul ``h W_hh^T`` and one cell-kernel call.  The cache keeps
    X, the states, b_hn and the backward factors ``F`` (5, T, B, H); the pre-activations
    are recomputed from them when asked for (:attr:`GRU.gate_preactivations`).
    """
    T, B, _ = x.shape
    H = w_hh.shape[1]
    H2 = 2 * H
    xa = _with_ones(x)
    b = None
    if b_ih is not None:
        b = b_ih.copy()
        b[:H2] += b_hh[:H2]
    X = np.matmul(xa, _w_aug(w_ih, b)).reshape(T, B, 3 * H)
    bn = np.zeros(H, dtype=X.dtype) if b_hh is None else b_hh[H2:].copy()
    F = np.empty((5, T, B, H), dtype=X.dtype)
    hs = np.empty((T + 1, B, H), dtype=X.dtype)
    hs[0] = h0
    whh_t = np.ascontiguousarray(w_hh.T)
    loops = runtime.compiled_loops()
    if loops is not None:
        loops.gru_forward(X, hs, whh_t, bn, F)
    else:
        R = np.empty((B, 3 * H), dtype=X.dtype)
        cell = runtime.cell_kernel("gru_cell") or _gru_cell_np
        for t in range(T):
            x_ = X[t]
            np.matmul(hs[t], whh_t, out=R)
            cell(x_[:, :H], x_[:, H:H2], x_[:, H2:], R[:, :H], R[:, H:H2], R[:, H2:], bn, hs[t],
                 out=(hs[t + 1], *F[:, t]))
    return hs, (xa, X, F, hs, w_ih, np.ascontiguousarray(w_hh), bn)


def _gru_preactivations_of(cache) -> np.ndarray:
    xa, X, F, hs, w_ih, w_hh, bn = cache
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    Rh = (hs[:-1].reshape(T * B, H) @ w_hh.T).reshape(T, B, 3 * H)
    H2 = 2 * H
    ar, az, an, _ = _gru_preactivations(X[..., :H], X[..., H:H2], X[..., H2:], Rh[..., :H],
                                        Rh[..., H:H2], Rh[..., H2:], bn)
    return np.concatenate([ar, az, an], axis=2)


def _gru_backward(cache, dout: np.ndarray | None, dh_n: np.ndarray | None, runtime: Runtime):
    """BPTT through one GRU layer.  Returns ``dx, dh0, dW_ih, dW_hh, db_ih, db_hh``."""
    xa, X, F, hs, w_ih, w_hh, _ = cache
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    H2 = 2 * H
    dt = X.dtype
    dGh = np.empty_like(X)  # d(W_hh h + b_hh) per step: [d ar, d az, d hn]
    dZn = np.empty((T, B, H), dtype=dt)
    dha = np.zeros((B, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
    dhb = np.zeros((B, H), dtype=dt)
    loops = runtime.compiled_loops()
    if loops is not None:
        loops.gru_backward(dGh, dZn, dha, dhb, None if dout is None else np.ascontiguousarray(dout), F, w_hh)
    else:
        zero = np.zeros((B, H), dtype=dt)
        cell = runtime.cell_kernel("gru_cell_backward") or _gru_cell_backward_np
        for t in range(T - 1, -1, -1):
            g = dGh[t]
            cell(dha, dhb, zero if dout is None else dout[t], *F[:, t],
                 out=(g[:, :H], g[:, H:H2], dZn[t], g[:, H2:], dha))
            np.matmul(g, w_hh, out=dhb)
    dGhf = dGh.reshape(T * B, 3 * H)
    dZ = np.concatenate([dGh[..., :H2], dZn], axis=2).reshape(T * B, 3 * H)
    dW_hh = dGhf.T @ hs[:-1].reshape(T * B, H)
    dWa = dZ.T @ xa
    dx = (dZ @ w_ih).reshape(T, B, -1)
    return dx, dha + dhb, dWa[:, :-1], dW_hh, dWa[:, -1].copy(), dGhf.sum(axis=0)

