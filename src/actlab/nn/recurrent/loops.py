"""The time loops of the recurrent layers: one layer over a whole sequence, forward and BPTT.

Every function runs one layer with the kernels in a :class:`StepKernels` (chosen by an
:class:`actlab.runtime.Runtime`, see :meth:`.kinds.CellKind.kernels`): the compiled time loop
(``krnn.h``) when it holds one, else a Python loop over its cell kernel (a compiled ufunc or
a NumPy reference cell of :mod:`.cells`).  All kinds share one signature::

    forward(x, states, weights, kernels) -> (outputs, final_states, cache)
    backward(cache, dout, dstates, kernels) -> (dx, dstates_0, (dW_ih, dW_hh, db_ih, db_hh))
    preactivations(cache) -> (T, B, gates * H)

with ``x`` (T, B, in), states sequences of (B, H) arrays, ``weights`` ``(w_ih, w_hh, b_ih, b_hh)``
(biases None without bias), ``dout`` (T, B, H) or None (the outputs get no gradient).

May import: NumPy and :mod:`.cells`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .cells import _gru_preactivations

__all__ = ["StepKernels", "LSTMCache", "GRUCache", "lstm_forward", "lstm_backward", "lstm_preactivations",
           "gru_forward", "gru_backward", "gru_preactivations"]


class StepKernels(NamedTuple):
    """The kernels one layer's time loops call."""

    forward_loop: Callable[..., Any] | None   # the compiled time loop; None: a Python loop
    backward_loop: Callable[..., Any] | None
    cell: Callable[..., Any]                  # one step: compiled ufunc or NumPy reference cell
    cell_backward: Callable[..., Any]


class LSTMCache(NamedTuple):
    """What the LSTM backward needs (see :func:`lstm_forward`)."""

    steps: np.ndarray      # U (T + 1, B, H + in + 1): [h_{t-1}, x_t, 1] per step
    weights: np.ndarray    # W (H + in + 1, 4H): [W_hh^T; W_ih^T; b_ih + b_hh]
    factors: np.ndarray    # F (6, T, B, H): what the backward step multiplies by
    hs: np.ndarray         # (T + 1, B, H), a view of U
    w_ih: np.ndarray
    w_hh: np.ndarray


class GRUCache(NamedTuple):
    """What the GRU backward needs (see :func:`gru_forward`)."""

    inputs: np.ndarray       # (T * B, in + 1): x with a column of ones
    projected: np.ndarray    # X (T, B, 3H): input projections with b_ih and b_hr, b_hz
    factors: np.ndarray      # F (5, T, B, H)
    hs: np.ndarray           # (T + 1, B, H)
    w_ih: np.ndarray
    w_hh: np.ndarray
    b_hn: np.ndarray         # (H,), zeros without bias


def _append_ones_column(x: np.ndarray) -> np.ndarray:
    """(T, B, F) -> (T * B, F + 1) C-contiguous with a last column of ones (the bias column:
    ``[x, 1] @ [W^T; b]`` is the projection with its bias, and ``dZ^T [x, 1]`` gives the
    weight gradient and the bias gradient in one matmul)."""
    T, B, Fi = x.shape
    xa = np.empty((T * B, Fi + 1), dtype=x.dtype)
    xa[:, :Fi].reshape(T, B, Fi)[...] = x
    xa[:, Fi] = 1
    return xa


def _weights_with_bias_row(w_ih: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """[W_ih^T; b] (F + 1, G H), b = 0 without bias."""
    wa = np.zeros((w_ih.shape[1] + 1, w_ih.shape[0]), dtype=w_ih.dtype)
    wa[:-1] = w_ih.T
    if b is not None:
        wa[-1] = b
    return wa


def _start_gradient(d: np.ndarray | None, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A fresh array to accumulate a state's gradient in (zeros when none arrives)."""
    return np.zeros(shape, dtype=dtype) if d is None else np.array(d, dtype=dtype)


def lstm_forward(x: np.ndarray, states: Sequence[np.ndarray], weights: tuple[Any, ...],
                 kernels: StepKernels) -> tuple[np.ndarray, tuple[np.ndarray, ...], LSTMCache]:
    """One LSTM layer over a sequence ``x`` (T, B, I), from ``states = (h0, c0)``.

    Step t multiplies ``U[t] = [h_{t-1}, x_t, 1]`` by ``W = [W_hh^T; W_ih^T; b_ih + b_hh]``:
    one matmul gives all four pre-activations with their biases, the cell kernel writes
    ``h_t`` straight into ``U[t + 1]``, and the backward gets ``[dW_hh, dW_ih, db]`` from
    one matmul ``dZ^T U``.  The outputs are the view ``U[1:, :, :H]``.  The cache keeps U, W
    and the backward factors ``F`` (6, T, B, H); the pre-activations are ``U[:T] @ W``
    (computed when asked for, by :attr:`LSTM.gate_preactivations`).
    """
    (h0, c0), (w_ih, w_hh, b_ih, b_hh) = states, weights
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
    if kernels.forward_loop is not None:
        kernels.forward_loop(U, W, cs, F)
    else:
        R = np.empty((B, 4 * H), dtype=x.dtype)
        zi, zf, zg, zo = (R[:, k * H:(k + 1) * H] for k in range(4))
        cell = kernels.cell
        for t in range(T):
            np.matmul(U[t], W, out=R)                   # all gates' pre-activations at once
            cell(zo, zi, zf, zg, cs[t], out=(U[t + 1, :, :H], cs[t + 1], *F[:, t]))
    hs = U[:, :, :H]
    return hs[1:], (hs[-1], cs[-1]), LSTMCache(U, W, F, hs, w_ih, np.ascontiguousarray(w_hh))


def lstm_preactivations(cache: LSTMCache) -> np.ndarray:
    """The pre-activations ``U[:T] @ W`` (T, B, 4H) of the forward that made ``cache``."""
    U, W = cache.steps, cache.weights
    T, B, K = U.shape[0] - 1, U.shape[1], U.shape[2]
    return (U[:T].reshape(T * B, K) @ W).reshape(T, B, -1)


def lstm_backward(cache: LSTMCache, dout: np.ndarray | None, dstates: Sequence[Any],
                  kernels: StepKernels) -> tuple[np.ndarray, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """BPTT through one LSTM layer, ``dstates = (dh_n, dc_n)`` (each may be None).

    ``[dW_hh, dW_ih, db] = dZ^T U`` (one matmul over all steps, or chunk by chunk inside the
    compiled loop while the chunk's dZ is still in cache) and ``dx = dZ W_ih``; db is the
    gradient of both biases."""
    U, F, hs, w_ih, w_hh = cache.steps, cache.factors, cache.hs, cache.w_ih, cache.w_hh
    T, B, K = U.shape[0] - 1, U.shape[1], U.shape[2]
    H = hs.shape[2]
    dt = U.dtype
    dh, dc = _start_gradient(dstates[0], (B, H), dt), _start_gradient(dstates[1], (B, H), dt)
    if kernels.backward_loop is not None:
        dWU = np.empty((4 * H, K), dtype=dt)
        dx = np.empty((T, B, K - H - 1), dtype=dt)
        kernels.backward_loop(dh, dc, None if dout is None else np.ascontiguousarray(dout), F, w_hh, U,
                              np.ascontiguousarray(w_ih), dWU, dx)
    else:
        dZ = np.empty((T, B, 4 * H), dtype=dt)
        zero = np.zeros((B, H), dtype=dt)
        cell = kernels.cell_backward
        for t in range(T - 1, -1, -1):
            d = dZ[t]
            cell(dh, zero if dout is None else dout[t], dc, *F[:, t],
                 out=(d[:, 3 * H:], d[:, :H], d[:, H:2 * H], d[:, 2 * H:3 * H], dc))
            np.matmul(d, w_hh, out=dh)                                # d h_{t-1}
        dZf = dZ.reshape(T * B, 4 * H)
        dWU = dZf.T @ U[:T].reshape(T * B, K)
        dx = (dZf @ w_ih).reshape(T, B, -1)
    db = dWU[:, -1].copy()
    return dx, (dh, dc), (dWU[:, H:-1], dWU[:, :H], db, db)


def gru_forward(x: np.ndarray, states: Sequence[np.ndarray], weights: tuple[Any, ...],
                kernels: StepKernels) -> tuple[np.ndarray, tuple[np.ndarray, ...], GRUCache]:
    """One GRU layer over ``x`` (T, B, I), from ``states = (h0,)``.

    The input projections of all steps ``X`` (T, B, 3H; with b_ih and b_hr, b_hz) are one
    matmul; each step one matmul ``h W_hh^T`` and one cell-kernel call.  The cache keeps
    X, the states, b_hn and the backward factors ``F`` (5, T, B, H); the pre-activations
    are recomputed from them when asked for (:attr:`GRU.gate_preactivations`).
    """
    (h0,), (w_ih, w_hh, b_ih, b_hh) = states, weights
    T, B, _ = x.shape
    H = w_hh.shape[1]
    H2 = 2 * H
    xa = _append_ones_column(x)
    b = None
    if b_ih is not None:
        b = b_ih.copy()
        b[:H2] += b_hh[:H2]
    X = np.matmul(xa, _weights_with_bias_row(w_ih, b)).reshape(T, B, 3 * H)
    bn = np.zeros(H, dtype=X.dtype) if b_hh is None else b_hh[H2:].copy()
    F = np.empty((5, T, B, H), dtype=X.dtype)
    hs = np.empty((T + 1, B, H), dtype=X.dtype)
    hs[0] = h0
    whh_t = np.ascontiguousarray(w_hh.T)
    if kernels.forward_loop is not None:
        kernels.forward_loop(X, hs, whh_t, bn, F)
    else:
        R = np.empty((B, 3 * H), dtype=X.dtype)
        cell = kernels.cell
        for t in range(T):
            x_ = X[t]
            np.matmul(hs[t], whh_t, out=R)
            cell(x_[:, :H], x_[:, H:H2], x_[:, H2:], R[:, :H], R[:, H:H2], R[:, H2:], bn, hs[t],
                 out=(hs[t + 1], *F[:, t]))
    return hs[1:], (hs[-1],), GRUCache(xa, X, F, hs, w_ih, np.ascontiguousarray(w_hh), bn)


def gru_preactivations(cache: GRUCache) -> np.ndarray:
    """The pre-activations (T, B, 3H) of the forward that made ``cache``, recomputed from the
    projections by the reference cells' formula (:func:`.cells._gru_preactivations`)."""
    X, hs, w_hh = cache.projected, cache.hs, cache.w_hh
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    Rh = (hs[:-1].reshape(T * B, H) @ w_hh.T).reshape(T, B, 3 * H)
    H2 = 2 * H
    ar, az, an, _ = _gru_preactivations(X[..., :H], X[..., H:H2], X[..., H2:], Rh[..., :H],
                                        Rh[..., H:H2], Rh[..., H2:], cache.b_hn)
    return np.concatenate([ar, az, an], axis=2)


def gru_backward(cache: GRUCache, dout: np.ndarray | None, dstates: Sequence[Any],
                 kernels: StepKernels) -> tuple[np.ndarray, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """BPTT through one GRU layer, ``dstates = (dh_n,)`` (may be None)."""
    xa, X, F, hs, w_ih, w_hh = cache.inputs, cache.projected, cache.factors, cache.hs, cache.w_ih, cache.w_hh
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    H2 = 2 * H
    dt = X.dtype
    dGh = np.empty_like(X)  # d(W_hh h + b_hh) per step: [d ar, d az, d hn]
    dZn = np.empty((T, B, H), dtype=dt)
    dha = _start_gradient(dstates[0], (B, H), dt)   # dh through the direct path h' = ... + z h
    dhb = np.zeros((B, H), dtype=dt)                # dh through the recurrent matmul
    if kernels.backward_loop is not None:
        kernels.backward_loop(dGh, dZn, dha, dhb, None if dout is None else np.ascontiguousarray(dout), F, w_hh)
    else:
        zero = np.zeros((B, H), dtype=dt)
        cell = kernels.cell_backward
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
    return dx, (dha + dhb,), (dWa[:, :-1], dW_hh, dWa[:, -1].copy(), dGhf.sum(axis=0))
