"""Recurrent layers: :class:`LSTM`, :class:`GRU`, :class:`LSTMCell`, :class:`GRUCell`.

Same constructor signature, defaults, parameter names, shapes, gate order and
initialisation as PyTorch, computed with NumPy:

* LSTM gates ``i, f, g, o`` (rows of ``weight_ih_l{k}`` in that order, each ``hidden_size``)::

      i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      c' = f * c + i * g
      f = sigmoid(W_if x + b_if + W_hf h + b_hf)      h' = o * tanh(c')
      g = tanh(W_ig x + b_ig + W_hg h + b_hg)
      o = sigmoid(W_io x + b_io + W_ho h + b_ho)

* GRU gates ``r, z, n``::

      r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
      z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
      n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
      h' = (1 - z) * n + z * h

The gate non-linearities are the core's :data:`actlab.sigmoid` and :data:`actlab.tanh`.
The input projection of all time steps is one matmul; each step does one matmul for all
gates and one call of a fused cell kernel (the compiled ``lstm_cell`` / ``gru_cell`` ufuncs,
whose gates are the same sigmoid/tanh kernels; their NumPy twins ``_lstm_cell_np`` & co.
where the extension is not built).  The forward step also stores the factors the backward
step multiplies by, so ``backward`` (full back-propagation through time) is one matmul and
one fused product kernel per step, then one matmul each for the weight gradients and dx.

Initialisation: every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) drawn from
the ``rng`` keyword (a :class:`numpy.random.Generator`; a fresh unseeded one when omitted).

dtype: parameters are created in ``dtype`` (float64 by default, float32 supported); inputs
and states are converted to the parameters' dtype.  The compiled float32 LSTM cell computes
in plain float arithmetic where its inputs are within [-40, 40] (gates within 3 ULP, backward
factors within 10; outputs and gradients of a network as close to float64 as torch's),
elsewhere and for every other cell in double.

Threads: the batch is split into up to :func:`actlab.get_num_threads` row blocks, each with
at least :data:`PARALLEL_WORK` multiply-adds per step, run in parallel threads (the compiled
loops release the GIL; results equal the serial run's to rounding).  BLAS then runs one
thread per block; unsplit, when one step's matmul is small (below :data:`SMALL_WORK`) BLAS
is limited to one thread too (restored afterwards): a second thread cannot pay for its
hand-off on such matmuls, and on a busy machine it stalls.

After ``forward``, :attr:`LSTM.last_gates` holds, per layer, the gate activations
(``{"i", "f", "g", "o"}`` or ``{"r", "z", "n"}`` -> arrays (T, batch, hidden), evaluated on
first access) and :attr:`LSTM.gate_preactivations` the pre-activations keyed
``(layer, gate)``, for the
saturation analysis (:func:`actlab.analysis.vanishing.gate_saturation`).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import numpy as np

from .. import _kernels
from .. import activations as _act
from .._activation import as_float_array
from .module import Module

__all__ = ["LSTM", "GRU", "LSTMCell", "GRUCell"]

_sigmoid = _act.sigmoid
_tanh = _act.tanh
_GATE_ACT = {"i": _sigmoid, "f": _sigmoid, "o": _sigmoid, "r": _sigmoid, "z": _sigmoid,
             "g": _tanh, "n": _tanh}


# =============================================================================== kernels
_CONTROLLER: Any = None
SMALL_WORK = 1.6e7  # multiply-adds per looped matmul below which BLAS runs single-threaded


def blas_single_thread(work: float) -> Any:
    """Context manager: one BLAS thread when ``work`` (the size of the matmuls that run in a
    Python loop) is below :data:`SMALL_WORK`, else a no-op.

    Many small matmuls interleaved with NumPy work lose more to thread hand-offs than they
    gain from a second thread -- and on a busy machine the spinning BLAS threads make every
    step several times slower.  The previous thread count is restored on exit.
    """
    global _CONTROLLER
    if work >= SMALL_WORK:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _c_loops()  # loads SciPy's BLAS (the compiled loops call it) before the controller looks
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


PARALLEL_WORK = 1e6  # multiply-adds of one step's recurrent matmul per batch block, at least
_POOL: Any = None     # (executor, workers)


def _forget_pool() -> None:
    global _POOL
    _POOL = None  # a forked child has the executor object but not its threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _in_parallel(fn: Any, n: int) -> list[Any]:
    """``[fn(0), ..., fn(n - 1)]``, fn(0) in the calling thread and the others in a persistent
    thread pool.  The threads overlap where the GIL is released: the compiled time loops
    (nearly all of a layer), or the matmuls and cell kernels of the Python loops."""
    global _POOL
    if n == 1:
        return [fn(0)]
    if _POOL is None or _POOL[1] < n - 1:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = (ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="actlab-rnn"), n - 1)
    futures = [_POOL[0].submit(fn, p) for p in range(1, n)]
    first = fn(0)
    return [first] + [f.result() for f in futures]


# --------------------------------------------------------------------- cell kernels
# One time step of every element in one call: the compiled kernels (kfuncs.h k_lstm_cell &
# co., float32 computed in double) or, where the extension is not built, these NumPy twins
# of the same formulas (also the tests' second path).  Arguments are (batch, hidden) arrays;
# ``out`` is the tuple of output arrays, written in place (an output may be an input).
def _lstm_cell_np(zo, zi, zf, zg, cp, out):
    """Forward step from the pre-activations.  Out: h, c, and the factors the backward step
    multiplies by: po = tanh(c) o', oc = o tanh'(c), pi = g i', pf = c_prev f', pg = i g', f."""
    h, c, po, oc, pi, pf, pg, f_out = out
    o, i, f, g = _sigmoid(zo), _sigmoid(zi), _sigmoid(zf), _tanh(zg)
    fc = f * cp
    np.add(fc, i * g, out=c)
    tc = _tanh(c)
    np.multiply(o, tc, out=h)
    np.multiply(tc, _sigmoid.grad(zo), out=po)
    np.multiply(o, _tanh.grad(c), out=oc)
    np.multiply(g, _sigmoid.grad(zi), out=pi)
    np.multiply(cp, _sigmoid.grad(zf), out=pf)
    np.multiply(i, _tanh.grad(zg), out=pg)
    f_out[...] = f
    return out


def _lstm_cell_backward_np(dh, dout, dc, po, oc, pi, pf, pg, f, out):
    """Backward step.  Out: d zo, d zi, d zf, d zg, d c_prev."""
    dzo, dzi, dzf, dzg, dcp = out
    dH = dh + dout
    dct = dc + dH * oc
    np.multiply(dH, po, out=dzo)
    np.multiply(dct, pi, out=dzi)
    np.multiply(dct, pf, out=dzf)
    np.multiply(dct, pg, out=dzg)
    np.multiply(dct, f, out=dcp)
    return out


def _gru_preactivations(xr, xz, xn, hr, hz, hn, bn):
    """GRU pre-activations ar = xr + hr, az = xz + hz, an = xn + sigmoid(ar) (hn + b_hn) and
    the bracket ghn = hn + b_hn, from the input projections x* (with b_ih, and b_hr, b_hz)
    and the recurrent projections h* (no bias)."""
    ar, az, ghn = xr + hr, xz + hz, hn + bn
    return ar, az, xn + _sigmoid(ar) * ghn, ghn


def _gru_cell_np(xr, xz, xn, hr, hz, hn, bn, h, out):
    """Forward step (arguments as :func:`_gru_preactivations`, and the previous state h).
    Out: h' = n + z (h - n) and the factors z, (1 - z) tanh'(an) (1 - z as sigmoid(-az)), r,
    (hn + b_hn) r', (h - n) z'."""
    h_new, fz, fn, fr, frr, fzz = out
    ar, az, an, ghn = _gru_preactivations(xr, xz, xn, hr, hz, hn, bn)
    r, z, n = _sigmoid(ar), _sigmoid(az), _tanh(an)
    hmn = h - n
    np.add(n, z * hmn, out=h_new)
    fz[...] = z
    np.multiply(_sigmoid(-az), _tanh.grad(an), out=fn)
    fr[...] = r
    np.multiply(ghn, _sigmoid.grad(ar), out=frr)
    np.multiply(hmn, _sigmoid.grad(az), out=fzz)
    return out


def _gru_cell_backward_np(dha, dhb, dout, fz, fn, fr, frr, fzz, out):
    """Backward step; dh arrives in two parts (direct path, matmul).  Out: d ar, d az,
    d an, d hn, dh through the direct path (dh z)."""
    dar, daz, dan, dhn, dh_direct = out
    dH = dha + dhb + dout
    np.multiply(dH, fn, out=dan)
    np.multiply(dan, frr, out=dar)
    np.multiply(dH, fzz, out=daz)
    np.multiply(dan, fr, out=dhn)
    np.multiply(dH, fz, out=dh_direct)
    return out


_LOOPS: Any = False  # the compiled time loops (krnn.h), resolved on first use; None = absent


def _blas_for_loops() -> tuple[Any, Any, bool]:
    """The Fortran ``sgemm``/``dgemm`` the compiled loops call: NumPy's own OpenBLAS (its
    ILP64 symbols ``scipy_sgemm_64_``, found with ctypes; 0.3.31 in NumPy 2.4 measured ~25%
    faster than SciPy's 0.3.30 on the per-step shapes), else the PyCapsules of
    :mod:`scipy.linalg.cython_blas` (LP64).  Returns ``(sgemm, dgemm, ilp64)``."""
    try:
        import ctypes

        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib.get("internal_api") != "openblas" or "numpy" not in str(lib.get("filepath")):
                continue
            dll = ctypes.CDLL(lib["filepath"])
            s, d = dll.scipy_sgemm_64_, dll.scipy_dgemm_64_
            return (ctypes.cast(s, ctypes.c_void_p).value, ctypes.cast(d, ctypes.c_void_p).value, True)
    except (ImportError, OSError, AttributeError):  # pragma: no cover - other NumPy builds
        pass
    from scipy.linalg import cython_blas

    caps = cython_blas.__pyx_capi__
    return caps["sgemm"], caps["dgemm"], False


def _c_loops() -> Any:
    """The extension module when it has the compiled time loops and a BLAS could be handed
    to it, else None (the Python loops below then run the same steps)."""
    global _LOOPS
    if _LOOPS is False:
        uf = getattr(_kernels, "_ufuncs", None)
        _LOOPS = None
        if uf is not None and hasattr(uf, "lstm_forward"):
            try:
                uf.set_blas(*_blas_for_loops())
                _LOOPS = uf
            except (ImportError, AttributeError, KeyError, TypeError, ValueError):  # pragma: no cover
                _LOOPS = None
    return _LOOPS


_LSTM_CELL = _kernels.get("lstm_cell") or _lstm_cell_np
_LSTM_CELL_BACKWARD = _kernels.get("lstm_cell_backward") or _lstm_cell_backward_np
_GRU_CELL = _kernels.get("gru_cell") or _gru_cell_np
_GRU_CELL_BACKWARD = _kernels.get("gru_cell_backward") or _gru_cell_backward_np


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
                  w_hh: np.ndarray, b_ih: np.ndarray | None, b_hh: np.ndarray | None):
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
    loops = _c_loops()
    if loops is not None:
        loops.lstm_forward(U, W, cs, F)
    else:
        R = np.empty((B, 4 * H), dtype=x.dtype)
        zi, zf, zg, zo = (R[:, k * H:(k + 1) * H] for k in range(4))
        cell = _LSTM_CELL
        for t in range(T):
            np.matmul(U[t], W, out=R)                   # all gates' pre-activations at once
            cell(zo, zi, zf, zg, cs[t], out=(U[t + 1, :, :H], cs[t + 1], *F[:, t]))
    hs = U[:, :, :H]
    return hs, cs, (U, W, F, hs, w_ih, np.ascontiguousarray(w_hh))


def _lstm_preactivations(cache) -> np.ndarray:
    U, W = cache[0], cache[1]
    T, B, K = U.shape[0] - 1, U.shape[1], U.shape[2]
    return (U[:T].reshape(T * B, K) @ W).reshape(T, B, -1)


def _lstm_backward(cache, dout: np.ndarray | None, dh_n: np.ndarray | None, dc_n: np.ndarray | None):
    """BPTT through one LSTM layer.  Returns ``dx, dh0, dc0, dW_ih, dW_hh, db`` (torch order).

    ``[dW_hh, dW_ih, db] = dZ^T U`` (one matmul over all steps, or chunk by chunk inside the
    compiled loop while the chunk's dZ is still in cache) and ``dx = dZ W_ih``."""
    U, W, F, hs, w_ih, w_hh = cache
    T, B, K = U.shape[0] - 1, U.shape[1], U.shape[2]
    H = hs.shape[2]
    dt = U.dtype
    dh = np.zeros((B, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
    dc = np.zeros((B, H), dtype=dt) if dc_n is None else np.array(dc_n, dtype=dt)
    loops = _c_loops()
    if loops is not None:
        dWU = np.empty((4 * H, K), dtype=dt)
        dx = np.empty((T, B, K - H - 1), dtype=dt)
        loops.lstm_backward(dh, dc, None if dout is None else np.ascontiguousarray(dout), F, w_hh, U,
                            np.ascontiguousarray(w_ih), dWU, dx)
    else:
        dZ = np.empty((T, B, 4 * H), dtype=dt)
        zero = np.zeros((B, H), dtype=dt)
        cell = _LSTM_CELL_BACKWARD
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
                 b_ih: np.ndarray | None, b_hh: np.ndarray | None):
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
    loops = _c_loops()
    if loops is not None:
        loops.gru_forward(X, hs, whh_t, bn, F)
    else:
        R = np.empty((B, 3 * H), dtype=X.dtype)
        cell = _GRU_CELL
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


def _gru_backward(cache, dout: np.ndarray | None, dh_n: np.ndarray | None):
    """BPTT through one GRU layer.  Returns ``dx, dh0, dW_ih, dW_hh, db_ih, db_hh``."""
    xa, X, F, hs, w_ih, w_hh, _ = cache
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    H2 = 2 * H
    dt = X.dtype
    dGh = np.empty_like(X)  # d(W_hh h + b_hh) per step: [d ar, d az, d hn]
    dZn = np.empty((T, B, H), dtype=dt)
    dha = np.zeros((B, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
    dhb = np.zeros((B, H), dtype=dt)
    loops = _c_loops()
    if loops is not None:
        loops.gru_backward(dGh, dZn, dha, dhb, None if dout is None else np.ascontiguousarray(dout), F, w_hh)
    else:
        zero = np.zeros((B, H), dtype=dt)
        cell = _GRU_CELL_BACKWARD
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


# =============================================================================== modules
def _check_size(v: Any, name: str, cls: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{cls}: {name} must be a positive int, got {v!r}")
    return int(v)


class _Recurrent(Module):
    """Parameters, shape handling and the layer loop shared by the four public classes."""

    _gates = ""        # gate letters in weight-row order (torch) = column order of the cached Z
    _states = ("h",)   # names of the recurrent states
    _cell = False

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, *, rng: np.random.Generator | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        cls = type(self).__name__
        self.input_size = _check_size(input_size, "input_size", cls)
        self.hidden_size = H = _check_size(hidden_size, "hidden_size", cls)
        self.num_layers = _check_size(num_layers, "num_layers", cls)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"{cls}: dtype must be float32 or float64, got {self.dtype}")
        rng = np.random.default_rng() if rng is None else rng
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"{cls}: rng must be a numpy.random.Generator, got {type(rng).__name__}")
        k, G = 1.0 / np.sqrt(H), len(self._gates) * H
        self._sfx = [""] if self._cell else [f"_l{j}" for j in range(self.num_layers)]
        for j, sfx in enumerate(self._sfx):
            shapes = {"weight_ih": (G, self.input_size if j == 0 else H), "weight_hh": (G, H)}
            if self.bias:
                shapes.update(bias_ih=(G,), bias_hh=(G,))
            for name, shape in shapes.items():
                self.register_parameter(name + sfx, rng.uniform(-k, k, size=shape).astype(self.dtype))
        self._caches: list[Any] | None = None
        self._parts: list[slice] = []
        self._stack: list[tuple[Any, list[slice], bool]] = []  # (caches, parts, unbatched)
        self._unbatched = False
        self._last_gates: Any = None
        self._preact: Any = None
        self._fwd_caches: list[Any] | None = None
        self.dhx: Any = None

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        s += "" if self.num_layers == 1 else f", num_layers={self.num_layers}"
        s += "" if self.bias else ", bias=False"
        return s + (", batch_first=True" if self.batch_first and not self._cell else "")

    def _w(self, k: int) -> tuple[Any, ...]:
        p, s = self.__dict__["_params"], self._sfx[k]
        b = (p["bias_ih" + s], p["bias_hh" + s]) if self.bias else (None, None)
        return (p["weight_ih" + s], p["weight_hh" + s]) + b

    def _accumulate(self, k: int, dW_ih: np.ndarray, dW_hh: np.ndarray, db_ih: np.ndarray,
                    db_hh: np.ndarray) -> None:
        g, s = self.__dict__["_grads"], self._sfx[k]
        g["weight_ih" + s] += dW_ih
        g["weight_hh" + s] += dW_hh
        if self.bias:
            g["bias_ih" + s] += db_ih
            g["bias_hh" + s] += db_hh

    # -- shapes: internally (T, B, features) and states (L, B, H) ----------------------------
    def _arr(self, v: Any, name: str, want: tuple[int, ...], where: str = "") -> np.ndarray:
        arr, _ = as_float_array(v, name)
        if arr.shape != want:
            raise ValueError(f"{type(self).__name__}{where}: {name} has shape {arr.shape}, expected {want}")
        return arr.astype(self.dtype, copy=False)

    def _seq(self, x: Any) -> np.ndarray:
        cls = type(self).__name__
        arr, _ = as_float_array(x, "x")
        arr = arr.astype(self.dtype, copy=False)
        ok = (1, 2) if self._cell else (2, 3)
        if arr.ndim not in ok or arr.shape[-1] != self.input_size:
            what = (f"(batch, {self.input_size}) or ({self.input_size},)" if self._cell else
                    f"3-D ({'batch, seq' if self.batch_first else 'seq, batch'}, {self.input_size}) or "
                    f"2-D (seq, {self.input_size}) unbatched")
            raise ValueError(f"{cls}: input must be {what} (input_size={self.input_size}); got shape {arr.shape}")
        self._unbatched = arr.ndim == ok[0]
        if self._cell:
            arr = arr[None, None] if self._unbatched else arr[None]
        elif self._unbatched:
            arr = arr[:, None, :]
        elif self.batch_first:
            arr = arr.transpose(1, 0, 2)
        if arr.size == 0:
            raise ValueError(f"{cls}: empty input of shape {np.shape(x)}")
        return np.ascontiguousarray(arr)

    def _state_shape(self, B: int) -> tuple[int, ...]:
        L, H = self.num_layers, self.hidden_size
        if self._cell:
            return (H,) if self._unbatched else (B, H)
        return (L, H) if self._unbatched else (L, B, H)

    def _state_in(self, v: Any, name: str, B: int, where: str = "") -> np.ndarray | None:
        return None if v is None else self._arr(v, name, self._state_shape(B), where).reshape(
            self.num_layers, B, self.hidden_size)

    def _state_out(self, s: np.ndarray) -> np.ndarray:
        return s.reshape(self._state_shape(s.shape[1])).copy()

    def _seq_out(self, y: np.ndarray, owned: bool = False) -> np.ndarray:
        """(T, B, F) internal -> the caller's layout (a fresh array; ``owned``: y itself is a
        fresh array nobody else holds, so a view of it will do)."""
        if self._cell:
            y = y[0, 0] if self._unbatched else y[0]
        elif self._unbatched:
            y = y[:, 0, :]
        elif self.batch_first:
            y = y.transpose(1, 0, 2)
        return y if owned and y.flags.c_contiguous else y.copy()

    def _hx(self, hx: Any) -> tuple[Any, ...]:
        if len(self._states) == 1:
            return (hx,)
        if hx is None:
            return (None, None)
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"{type(self).__name__}: hx must be a tuple (h, c)")
        return tuple(hx)

    def _pack(self, states: list[np.ndarray]) -> Any:
        out = [self._state_out(s) for s in states]
        return out[0] if len(out) == 1 else tuple(out)

    # -- the layer loop -----------------------------------------------------------------------
    def _batch_parts(self, B: int) -> list[slice]:
        """Row blocks of the batch that run in parallel threads (rows are independent all
        through the recurrence): up to :func:`actlab.get_num_threads` blocks, each with at
        least :data:`PARALLEL_WORK` multiply-adds in its per-step matmul."""
        n = min(_kernels.get_num_threads(), B)
        while n > 1 and self._step_work(B // n) < PARALLEL_WORK:
            n -= 1
        edges = [B * k // n for k in range(n + 1)]
        return [slice(edges[k], edges[k + 1]) for k in range(n)]

    def _run(self, x: Any, hx: Any) -> tuple[np.ndarray, Any]:
        seq = self._seq(x)
        B = seq.shape[1]
        L = self.num_layers
        zeros = np.zeros((L, B, self.hidden_size), dtype=self.dtype)
        states = [zeros if v is None else self._state_in(v, f"{n}_0" if not self._cell else n, B)
                  for v, n in zip(self._hx(hx), self._states)]
        parts = self._batch_parts(B)

        def run_part(p: int) -> tuple[np.ndarray, list[Any], list[Any]]:
            sl, inp, fins, caches = parts[p], seq[:, parts[p]], [], []
            for k in range(L):
                inp, fin, cache = self._kfwd(inp, [s[k, sl] for s in states], self._w(k))
                fins.append(fin)
                caches.append(cache)
            return inp, fins, caches

        with blas_single_thread(self._step_work(B) if len(parts) == 1 else 0.0):
            results = _in_parallel(run_part, len(parts))
        out = results[0][0] if len(parts) == 1 else np.concatenate([r[0] for r in results], axis=1)
        finals = [np.empty_like(zeros) for _ in states]
        for sl, (_, fins, _) in zip(parts, results):
            for k in range(L):
                for f, v in zip(finals, fins[k]):
                    f[k, sl] = v
        self._caches = self._fwd_caches = [r[2] for r in results]  # [part][layer]
        self._parts = parts
        self._last_gates = self._preact = None
        return out, finals

    def _back(self, dout: Any, dstates: tuple[Any, ...]) -> np.ndarray:
        self._need_cache("_caches")
        caches, parts, L = self._caches, self._parts, self.num_layers
        T, B = caches[0][0][3].shape[0] - 1, parts[-1].stop  # cache[3] = hs (T + 1, b, H)
        d = None
        if dout is not None:
            want = self._seq_out(np.empty((T, B, self.hidden_size), dtype=self.dtype)).shape
            d = self._arr(dout, "dout", want, ".backward")
            d = d[:, None, :] if self._unbatched and not self._cell else d
            d = d.transpose(1, 0, 2) if self.batch_first and not self._unbatched and not self._cell else d
        ds = [self._state_in(v, f"d{n}_n", B, ".backward") for v, n in zip(dstates, self._states)]

        def back_part(p: int) -> tuple[np.ndarray, list[Any], list[Any]]:
            sl = parts[p]
            dd = None if d is None else d[:, sl]
            d0s, grads = [None] * L, [None] * L
            for k in range(L - 1, -1, -1):
                dd, d0s[k], grads[k] = self._kbwd(caches[p][k], dd, [None if v is None else v[k, sl] for v in ds])
            return dd, d0s, grads

        with blas_single_thread(self._step_work(B) if len(parts) == 1 else 0.0):
            results = _in_parallel(back_part, len(parts))
        d0 = [np.empty((L, B, self.hidden_size), dtype=self.dtype) for _ in ds]
        for sl, (_, d0s, grads) in zip(parts, results):
            for k in range(L):
                for a, v in zip(d0, d0s[k]):
                    a[k, sl] = v
                self._accumulate(k, *grads[k])
        dx = results[0][0] if len(parts) == 1 else np.concatenate([r[0] for r in results], axis=1)
        self.dhx = self._pack(d0)
        return self._seq_out(dx, owned=True)  # dx is a fresh array of this call

    def forward(self, x: Any, hx: Any = None) -> tuple[np.ndarray, Any]:
        """Run the sequence: ``(output, h_n)`` (GRU) or ``(output, (h_n, c_n))`` (LSTM);
        ``hx`` (``h_0``, or ``(h_0, c_0)``) defaults to zeros."""
        out, finals = self._run(x, hx)
        return self._seq_out(out, owned=len(self._parts) > 1), self._pack(finals)

    def _step_work(self, B: int) -> float:
        """Multiply-adds of one step's recurrent matmul (decides the BLAS thread count)."""
        return float(B) * self.hidden_size * len(self._gates) * self.hidden_size

    @property
    def gate_preactivations(self) -> dict[tuple[int, str], np.ndarray]:
        """``{(layer, gate): pre-activation (T, batch, hidden)}`` of the last forward."""
        H, parts = self.hidden_size, self._fwd_caches or []

        if self._preact is None:
            self._preact = [np.concatenate([self._kpre(part[k]) for part in parts], axis=1)
                            for k in range(self.num_layers if parts else 0)]
        return {(k, g): z[..., j * H:(j + 1) * H] for k, z in enumerate(self._preact)
                for j, g in enumerate(self._gates)}

    @property
    def last_gates(self) -> Any:
        """Gate activations of the last forward, per layer ``{gate: (T, batch, hidden)}``
        (a single dict for the cells): the gates' sigmoid / tanh of
        :attr:`gate_preactivations`, evaluated on first access."""
        if self._last_gates is None:
            per_layer = [{}] if self._cell else []
            if self._fwd_caches:
                pre = self.gate_preactivations
                per_layer = [{g: _GATE_ACT[g](pre[(k, g)]) for g in self._gates}
                             for k in range(self.num_layers)]
            self._last_gates = per_layer[0] if self._cell else per_layer
        return self._last_gates


class _LSTMKernels:
    _gates, _states = "ifgo", ("h", "c")

    @staticmethod
    def _kfwd(x, states, w):
        hs, cs, cache = _lstm_forward(x, states[0], states[1], *w)
        return hs[1:], (hs[-1], cs[-1]), cache

    @staticmethod
    def _kbwd(cache, d, ds):
        dx, dh, dc, dW_ih, dW_hh, db = _lstm_backward(cache, d, ds[0], ds[1])
        return dx, (dh, dc), (dW_ih, dW_hh, db, db)

    _kpre = staticmethod(_lstm_preactivations)


class _GRUKernels:
    _gates, _states = "rzn", ("h",)

    @staticmethod
    def _kfwd(x, states, w):
        hs, cache = _gru_forward(x, states[0], *w)
        return hs[1:], (hs[-1],), cache

    @staticmethod
    def _kbwd(cache, d, ds):
        dx, dh, dW_ih, dW_hh, db_ih, db_hh = _gru_backward(cache, d, ds[0])
        return dx, (dh,), (dW_ih, dW_hh, db_ih, db_hh)

    _kpre = staticmethod(_gru_preactivations_of)


class LSTM(_LSTMKernels, _Recurrent):
    """Multi-layer long short-term memory network, numerically equal to ``torch.nn.LSTM``.

    Parameters
    ----------
    input_size, hidden_size : int
        Features of the input and of the hidden state ``H``.
    num_layers : int, default 1
        Stacked layers; layer ``k > 0`` reads the hidden states of layer ``k - 1``.
    bias, batch_first : bool, default True, False
        Whether the biases exist; (batch, seq, feature) layout instead of (seq, batch, feature).
    rng : numpy.random.Generator, optional
        Source of the U(-1/sqrt(H), 1/sqrt(H)) initialisation.
    dtype : float32 or float64, default float64

    Notes
    -----
    Parameters ``weight_ih_l{k}`` (4H, in), ``weight_hh_l{k}`` (4H, H), ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (4H,), gate rows in the order i, f, g, o.  ``forward(x, hx=None)``
    returns ``(output, (h_n, c_n))`` with output (T, B, H) (or (B, T, H) with
    ``batch_first``) and h_n, c_n (num_layers, B, H); a 2-D input (T, in) is one unbatched
    sequence.  ``backward(dout, dh_n=None, dc_n=None)`` returns dx (``dout=None`` means
    the output itself receives no gradient), accumulates all parameter gradients, and
    stores the gradient of ``hx`` in :attr:`dhx` as ``(dh_0, dc_0)``.

    Examples
    --------
    >>> import numpy as np
    >>> lstm = LSTM(3, 5, num_layers=2, rng=np.random.default_rng(0))
    >>> out, (h, c) = lstm.forward(np.ones((7, 2, 3)))
    >>> out.shape, h.shape, c.shape, sorted(lstm.last_gates[0])
    ((7, 2, 5), (2, 2, 5), (2, 2, 5), ['f', 'g', 'i', 'o'])
    >>> lstm.backward(np.ones_like(out)).shape
    (7, 2, 3)
    """

    def backward(self, dout: Any, dh_n: Any = None, dc_n: Any = None) -> np.ndarray:
        """BPTT; returns dx in the input's layout, sets :attr:`dhx` = ``(dh_0, dc_0)``."""
        return self._back(dout, (dh_n, dc_n))


class GRU(_GRUKernels, _Recurrent):
    """Multi-layer gated recurrent unit network, numerically equal to ``torch.nn.GRU``.

    Same arguments as :class:`LSTM`.  Parameters ``weight_ih_l{k}`` (3H, in),
    ``weight_hh_l{k}`` (3H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (3H,), gate rows r, z, n
    with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.  ``forward(x, hx=None)`` returns
    ``(output, h_n)``; ``backward(dout, dh_n=None)`` returns dx and sets :attr:`dhx` = dh_0.

    Examples
    --------
    >>> import numpy as np
    >>> gru = GRU(3, 4, batch_first=True, rng=np.random.default_rng(0))
    >>> out, h = gru.forward(np.zeros((2, 6, 3)))
    >>> out.shape, h.shape, sorted(gru.last_gates[0])
    ((2, 6, 4), (1, 2, 4), ['n', 'r', 'z'])
    """

    def backward(self, dout: Any, dh_n: Any = None) -> np.ndarray:
        """BPTT; returns dx in the input's layout, sets :attr:`dhx` = dh_0."""
        return self._back(dout, (dh_n,))


class _Cell(_Recurrent):
    """One step; every forward pushes its cache, every backward pops the latest."""

    _cell = True

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__(input_size, hidden_size, 1, bias, rng=rng, dtype=dtype)

    def _step(self, x: Any, hx: Any) -> Any:
        _, finals = self._run(x, hx)
        if not self.training:  # eval: keep only the latest step (no growth at inference)
            self._stack.clear()
        self._stack.append((self._caches, self._parts, self._unbatched))
        return self._pack(finals)

    def _unstep(self, dstates: tuple[Any, ...]) -> np.ndarray:
        if not self._stack:
            raise RuntimeError(f"{type(self).__name__}.backward called more often than forward")
        self._caches, self._parts, self._unbatched = self._stack.pop()
        return self._back(None, dstates)

    def reset(self) -> None:
        """Forget the cached steps (call between sequences when not running backward)."""
        self._stack.clear()


class LSTMCell(_LSTMKernels, _Cell):
    """One LSTM step, numerically equal to ``torch.nn.LSTMCell`` (params ``weight_ih`` ...).

    ``forward(x, hx=None)`` with x (B, in) or (in,) returns ``(h', c')``.  Every forward
    pushes its cache on a stack and every ``backward(dh, dc=None)`` pops the latest one, so a
    sequence unrolled by hand is back-propagated by calling ``backward`` in reverse order;
    each returns dx and sets :attr:`dhx` = ``(dh, dc)`` for the previous step's state.
    In eval mode only the latest step is kept; :meth:`reset` empties the stack.

    Examples
    --------
    >>> import numpy as np
    >>> cell = LSTMCell(3, 4, rng=np.random.default_rng(0))
    >>> h, c = cell.forward(np.ones((2, 3)))
    >>> h.shape, cell.backward(np.ones((2, 4))).shape, cell.dhx[0].shape
    ((2, 4), (2, 3), (2, 4))
    """

    def forward(self, x: Any, hx: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """One step; ``hx = (h, c)`` defaults to zeros."""
        return self._step(x, hx)

    def backward(self, dh: Any, dc: Any = None) -> np.ndarray:
        """Gradient of the latest un-popped step; returns dx, sets :attr:`dhx` = (dh, dc)."""
        return self._unstep((dh, dc))


class GRUCell(_GRUKernels, _Cell):
    """One GRU step, numerically equal to ``torch.nn.GRUCell``.

    ``forward(x, hx=None)`` returns ``h'``; ``backward(dh)`` pops the latest step (see
    :class:`LSTMCell`), returns dx and sets :attr:`dhx` = dh of the previous state.

    Examples
    --------
    >>> import numpy as np
    >>> cell = GRUCell(3, 4, rng=np.random.default_rng(0))
    >>> cell.forward(np.ones(3)).shape, cell.backward(np.ones(4)).shape
    ((4,), (3,))
    """

    def forward(self, x: Any, hx: Any = None) -> np.ndarray:
        """One step; ``hx`` defaults to zeros."""
        return self._step(x, hx)

    def backward(self, dh: Any) -> np.ndarray:
        """Gradient of the latest un-popped step; returns dx, sets :attr:`dhx`."""
        return self._unstep((dh,))
