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

The gate non-linearities are the core's :data:`actlab.sigmoid` and :data:`actlab.tanh`
(values in the forward pass, ``.grad`` of the stored pre-activations in the backward pass:
one formula, one place).  The input projection of all time steps is one matmul; each step
does one matmul for all gates.  ``backward`` runs full back-propagation through time; the
derivative factors of all steps are evaluated in one vectorised call before the loop.

Initialisation: every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) drawn from
the ``rng`` keyword (a :class:`numpy.random.Generator`; a fresh unseeded one when omitted).

dtype: parameters are created in ``dtype`` (float64 by default, float32 supported); inputs
and states are converted to the parameters' dtype.

Threads: when one step's matmul is small (``batch * hidden * gates * hidden`` below
:data:`SMALL_WORK`), the loops run with one BLAS thread (restored afterwards): a second
thread cannot pay for its hand-off on such matmuls, and on a busy machine it stalls.

After ``forward``, :attr:`LSTM.last_gates` holds, per layer, the gate activations
(``{"i", "f", "g", "o"}`` or ``{"r", "z", "n"}`` -> arrays (T, batch, hidden)) and
:attr:`LSTM.gate_preactivations` the pre-activations keyed ``(layer, gate)``, for the
saturation analysis (:func:`actlab.analysis.vanishing.gate_saturation`).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from scipy.linalg import blas as _blas

from .. import _kernels
from .. import activations as _act
from .._activation import as_float_array
from .module import Module

__all__ = ["LSTM", "GRU", "LSTMCell", "GRUCell"]

_sigmoid = _act.sigmoid
_tanh = _act.tanh
# The same compiled ufuncs the activation objects dispatch to, called directly inside the
# step loops (no per-call argument handling); the activation objects where unbuilt.
_sig_f = _sigmoid.ufunc or _sigmoid
_tanh_f = _tanh.ufunc or _tanh
# sigma(x) and sigma'(x) in one pass (the core's fused kernel): the forward stores the
# derivative factors of the sigmoid gates so the backward does not evaluate them again.
_SIG_VG = _kernels.get("sigmoid_value_and_grad")


# =============================================================================== kernels
def _gemm_into(c: np.ndarray, a: np.ndarray, b: np.ndarray, beta: float = 0.0) -> None:
    """``c = a @ b + beta * c`` in place for C-contiguous 2-D arrays: one BLAS call on the
    Fortran views (``c.T = b.T @ a.T``), so nothing is copied and no temporary is made."""
    gemm = _blas.get_blas_funcs("gemm", (c,))
    gemm(1.0, b.T, a.T, beta=beta, c=c.T, overwrite_c=1)


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

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


# LSTM gates are stored i, f, g, o (torch); inside the kernels they run as o, i, f, g: the three
# sigmoid gates form one block (one activation call per step) and the three gates whose
# gradient is d c times something (i, f, g) form another (one multiply per step).
_LSTM_ORDER = "oifg"


def _lstm_perm(H: int) -> np.ndarray:
    i, f, g, o = (np.arange(k * H, (k + 1) * H) for k in range(4))
    return np.concatenate([o, i, f, g])


def _lstm_forward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_ih: np.ndarray,
                  w_hh: np.ndarray, b_ih: np.ndarray | None, b_hh: np.ndarray | None):
    """One LSTM layer over a sequence ``x`` (T, B, I).  Returns ``(hs, cs, cache)``.

    ``hs``/``cs`` are (T + 1, B, H) with the initial state at index 0; the cached
    pre-activations ``Z`` and activations ``A`` are (T, B, 4H) in the order o, i, f, g.
    """
    T, B, _ = x.shape
    H = w_hh.shape[1]
    H2, H3 = 2 * H, 3 * H
    perm = _lstm_perm(H)
    w_ih_p = w_ih[perm]
    w_hh_p = np.ascontiguousarray(w_hh[perm])
    Z = np.empty((T, B, 4 * H), dtype=x.dtype)    # pre-activations, all steps: one matmul
    _gemm_into(Z.reshape(T * B, 4 * H), x.reshape(T * B, -1), np.ascontiguousarray(w_ih_p.T))
    if b_ih is not None:
        Z += (b_ih + b_hh)[perm]
    A = np.empty_like(Z)
    P = np.empty_like(Z)  # sigma' of the o, i, f pre-activations (fused kernel), else unset
    hs = np.empty((T + 1, B, H), dtype=Z.dtype)
    cs = np.empty((T + 1, B, H), dtype=Z.dtype)
    tc = np.empty((T, B, H), dtype=Z.dtype)  # tanh(c_t)
    hs[0], cs[0] = h0, c0
    whh_t = np.ascontiguousarray(w_hh_p.T)
    tmp = np.empty((B, H), dtype=Z.dtype)
    for t in range(T):
        z, a = Z[t], A[t]
        _gemm_into(z, hs[t], whh_t, beta=1.0)       # z += h_{t-1} W_hh^T, all gates at once
        if _SIG_VG is not None:                    # o, i, f (and their sigma')
            _SIG_VG(z[:, :H3], out=(a[:, :H3], P[t, :, :H3]))
        else:
            _sig_f(z[:, :H3], out=a[:, :H3])
        _tanh_f(z[:, H3:], out=a[:, H3:])          # g
        c = cs[t + 1]
        np.multiply(a[:, H2:H3], cs[t], out=c)     # f * c
        np.multiply(a[:, H:H2], a[:, H3:], out=tmp)
        c += tmp                                   # + i * g
        _tanh_f(c, out=tc[t])
        np.multiply(a[:, :H], tc[t], out=hs[t + 1])
    return hs, cs, (x, Z, A, hs, cs, tc, w_ih_p, w_hh_p, P, _SIG_VG is not None)


def _lstm_backward(cache, dout: np.ndarray | None, dh_n: np.ndarray | None, dc_n: np.ndarray | None):
    """BPTT through one LSTM layer.  Returns ``dx, dh0, dc0, dW_ih, dW_hh, db`` (torch order)."""
    x, Z, A, hs, cs, tc, w_ih_p, w_hh_p, P, have_sig_grad = cache
    T, B, I = x.shape
    H = hs.shape[2]
    H2, H3 = 2 * H, 3 * H
    dt = Z.dtype
    # P = (gate non-linearity)' * (the factor its gradient gets from d h or d c), all steps at
    # once: d o-pre = dh * tanh(c) o',  d {i, f, g}-pre = dc * {g i', c_prev f', i g'}.
    # The cached sigma' (fused forward) is read, never modified: backward may run twice.
    S, P = cache[8], np.empty_like(Z)
    if not have_sig_grad:
        S = P
        _sigmoid.grad(Z[..., :H3], out=P[..., :H3])
    _tanh.grad(Z[..., H3:], out=P[..., H3:])
    np.multiply(S[..., :H], tc, out=P[..., :H])
    np.multiply(S[..., H:H2], A[..., H3:], out=P[..., H:H2])
    np.multiply(S[..., H2:H3], cs[:-1], out=P[..., H2:H3])
    P[..., H3:] *= A[..., H:H2]
    oc = _tanh.grad(cs[1:])
    oc *= A[..., :H]                                 # d c_t / d h_t = o tanh'(c_t)
    P4 = P.reshape(T, B, 4, H)
    dZ = np.empty_like(Z)
    dZ4 = dZ.reshape(T, B, 4, H)
    dh = np.zeros((B, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
    dc = np.zeros((B, H), dtype=dt) if dc_n is None else np.array(dc_n, dtype=dt)
    tmp = np.empty((B, H), dtype=dt)
    for t in range(T - 1, -1, -1):
        if dout is not None:
            dh += dout[t]
        np.multiply(dh, P[t, :, :H], out=dZ[t, :, :H])              # d o-pre
        np.multiply(dh, oc[t], out=tmp)
        dc += tmp                                                    # d c_t
        np.multiply(dc[:, None, :], P4[t, :, 1:], out=dZ4[t, :, 1:])  # d i-, f-, g-pre
        dc *= A[t, :, H2:H3]                                         # d c_{t-1} = dc f
        _gemm_into(dh, dZ[t], w_hh_p)                                # d h_{t-1}
    dZf = dZ.reshape(T * B, 4 * H)
    inv = np.argsort(_lstm_perm(H))
    dW_hh = (dZf.T @ hs[:-1].reshape(T * B, H))[inv]
    dW_ih = (dZf.T @ x.reshape(T * B, I))[inv]
    db = dZf.sum(axis=0)[inv]
    dx = (dZf @ w_ih_p).reshape(T, B, I)
    return dx, dh, dc, dW_ih, dW_hh, db


def _gru_forward(x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                 b_ih: np.ndarray | None, b_hh: np.ndarray | None):
    """One GRU layer over ``x`` (T, B, I).  Returns ``(hs, cache)``, hs (T + 1, B, H)."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    H2 = 2 * H
    Z = np.empty((T, B, 3 * H), dtype=x.dtype)  # input projection, all steps; becomes the pre-activations
    _gemm_into(Z.reshape(T * B, 3 * H), x.reshape(T * B, -1), np.ascontiguousarray(w_ih.T))
    if b_ih is not None:
        Z += b_ih
    A = np.empty_like(Z)  # r, z, n
    D = np.empty_like(Z)  # sigma' of the r, z pre-activations (fused kernel); backward adds tanh'
    ghn = np.empty((T, B, H), dtype=Z.dtype)  # W_hn h + b_hn, needed for dr
    hs = np.empty((T + 1, B, H), dtype=Z.dtype)
    hs[0] = h0
    whh_t = np.ascontiguousarray(w_hh.T)
    gh = np.empty((B, 3 * H), dtype=Z.dtype)
    tmp = np.empty((B, H), dtype=Z.dtype)
    for t in range(T):
        z, a = Z[t], A[t]
        if b_hh is not None:
            gh[...] = b_hh
            _gemm_into(gh, hs[t], whh_t, beta=1.0)
        else:
            _gemm_into(gh, hs[t], whh_t)
        z[:, :H2] += gh[:, :H2]
        if _SIG_VG is not None:
            _SIG_VG(z[:, :H2], out=(a[:, :H2], D[t, :, :H2]))
        else:
            _sig_f(z[:, :H2], out=a[:, :H2])
        ghn[t] = gh[:, H2:]
        np.multiply(a[:, :H], gh[:, H2:], out=tmp)
        z[:, H2:] += tmp
        n = a[:, H2:]
        _tanh_f(z[:, H2:], out=n)
        np.subtract(hs[t], n, out=tmp)                  # h' = n + z * (h - n)
        tmp *= a[:, H:H2]
        np.add(n, tmp, out=hs[t + 1])
    return hs, (x, Z, A, hs, ghn, w_ih, np.ascontiguousarray(w_hh), D, _SIG_VG is not None)


def _gru_backward(cache, dout: np.ndarray | None, dh_n: np.ndarray | None):
    """BPTT through one GRU layer.  Returns ``dx, dh0, dW_ih, dW_hh, db_ih, db_hh``."""
    x, Z, A, hs, ghn, w_ih, w_hh, D, have_sig_grad = cache
    T, B, I = x.shape
    H = w_hh.shape[1]
    H2 = 2 * H
    dt = Z.dtype
    if not have_sig_grad:
        _sigmoid.grad(Z[..., :H2], out=D[..., :H2])
    _tanh.grad(Z[..., H2:], out=D[..., H2:])  # (rewrites the same values on a second backward)
    dGh = np.empty_like(Z)  # d(W_hh h + b_hh) per step: [dZr, dZz, dZn * r]
    dZn = np.empty((T, B, H), dtype=dt)
    dh = np.zeros((B, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
    hz = np.empty((B, H), dtype=dt)
    for t in range(T - 1, -1, -1):
        if dout is not None:
            dh += dout[t]
        a, g, dn = A[t], dGh[t], dZn[t]
        r, zg, n = a[:, :H], a[:, H:H2], a[:, H2:]
        np.multiply(dh, zg, out=hz)                     # direct path h -> h'
        np.subtract(dh, hz, out=dn)                     # dn = dh (1 - z)
        dn *= D[t, :, H2:]                              # d pre-activation of n
        np.multiply(dn, r, out=g[:, H2:])
        np.multiply(dn, ghn[t], out=g[:, :H])           # d r
        np.subtract(hs[t], n, out=g[:, H:H2])           # d z = dh (h - n)
        g[:, H:H2] *= dh
        g[:, :H2] *= D[t, :, :H2]
        dh[...] = hz
        _gemm_into(dh, g, w_hh, beta=1.0)
    dGhf = dGh.reshape(T * B, 3 * H)
    dZ = np.concatenate([dGh[..., :H2], dZn], axis=2).reshape(T * B, 3 * H)
    dW_hh = dGhf.T @ hs[:-1].reshape(T * B, H)
    dW_ih = dZ.T @ x.reshape(T * B, I)
    dx = (dZ @ w_ih).reshape(T, B, I)
    return dx, dh, dW_ih, dW_hh, dZ.sum(axis=0), dGhf.sum(axis=0)


# =============================================================================== modules
def _check_size(v: Any, name: str, cls: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{cls}: {name} must be a positive int, got {v!r}")
    return int(v)


class _Recurrent(Module):
    """Parameters, shape handling and the layer loop shared by the four public classes."""

    _gates = ""        # gate letters in weight-row order (torch)
    _cache_order = ""  # column order of the cached pre-activations / activations
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
        self._stack: list[tuple[Any, bool]] = []
        self._unbatched = False
        self.last_gates: Any = []
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

    def _seq_out(self, y: np.ndarray) -> np.ndarray:
        """(T, B, F) internal -> the caller's layout (a fresh array)."""
        if self._cell:
            return y[0, 0].copy() if self._unbatched else y[0].copy()
        if self._unbatched:
            return y[:, 0, :].copy()
        return y.transpose(1, 0, 2).copy() if self.batch_first else y.copy()

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
    def _run(self, x: Any, hx: Any) -> tuple[np.ndarray, Any]:
        seq = self._seq(x)
        B = seq.shape[1]
        zeros = np.zeros((self.num_layers, B, self.hidden_size), dtype=self.dtype)
        states = [zeros if v is None else self._state_in(v, f"{n}_0" if not self._cell else n, B)
                  for v, n in zip(self._hx(hx), self._states)]
        finals = [np.empty_like(zeros) for _ in states]
        caches, inp = [], seq
        with blas_single_thread(self._step_work(B)):
            for k in range(self.num_layers):
                inp, fin, cache = self._kfwd(inp, [s[k] for s in states], self._w(k))
                for f, v in zip(finals, fin):
                    f[k] = v
                caches.append(cache)
        self._caches = caches
        H = self.hidden_size
        gates = [{g: c[2][..., j * H:(j + 1) * H] for j, g in enumerate(self._cache_order)} for c in caches]
        self.last_gates = gates[0] if self._cell else gates
        return inp, finals

    def _back(self, dout: Any, dstates: tuple[Any, ...]) -> np.ndarray:
        self._need_cache("_caches")
        T, B = self._caches[0][0].shape[:2]
        d = None
        if dout is not None:
            want = self._seq_out(np.empty((T, B, self.hidden_size), dtype=self.dtype)).shape
            d = self._arr(dout, "dout", want, ".backward")
            d = d[:, None, :] if self._unbatched and not self._cell else d
            d = d.transpose(1, 0, 2) if self.batch_first and not self._unbatched and not self._cell else d
        ds = [self._state_in(v, f"d{n}_n", B, ".backward") for v, n in zip(dstates, self._states)]
        d0 = [np.empty((self.num_layers, B, self.hidden_size), dtype=self.dtype) for _ in ds]
        with blas_single_thread(self._step_work(B)):
            for k in range(self.num_layers - 1, -1, -1):
                d, dk, grads = self._kbwd(self._caches[k], d, [None if v is None else v[k] for v in ds])
                for a, v in zip(d0, dk):
                    a[k] = v
                self._accumulate(k, *grads)
        self.dhx = self._pack(d0)
        return self._seq_out(d)

    def forward(self, x: Any, hx: Any = None) -> tuple[np.ndarray, Any]:
        """Run the sequence: ``(output, h_n)`` (GRU) or ``(output, (h_n, c_n))`` (LSTM);
        ``hx`` (``h_0``, or ``(h_0, c_0)``) defaults to zeros."""
        out, finals = self._run(x, hx)
        return self._seq_out(out), self._pack(finals)

    def _step_work(self, B: int) -> float:
        """Multiply-adds of one step's recurrent matmul (decides the BLAS thread count)."""
        return float(B) * self.hidden_size * len(self._gates) * self.hidden_size

    @property
    def gate_preactivations(self) -> dict[tuple[int, str], np.ndarray]:
        """``{(layer, gate): pre-activation (T, batch, hidden)}`` of the last forward."""
        H = self.hidden_size
        return {(k, g): c[1][..., j * H:(j + 1) * H] for k, c in enumerate(self._caches or [])
                for j, g in enumerate(self._cache_order)}


class _LSTMKernels:
    _gates, _cache_order, _states = "ifgo", _LSTM_ORDER, ("h", "c")

    @staticmethod
    def _kfwd(x, states, w):
        hs, cs, cache = _lstm_forward(x, states[0], states[1], *w)
        return hs[1:], (hs[-1], cs[-1]), cache

    @staticmethod
    def _kbwd(cache, d, ds):
        dx, dh, dc, dW_ih, dW_hh, db = _lstm_backward(cache, d, ds[0], ds[1])
        return dx, (dh, dc), (dW_ih, dW_hh, db, db)


class _GRUKernels:
    _gates, _cache_order, _states = "rzn", "rzn", ("h",)

    @staticmethod
    def _kfwd(x, states, w):
        hs, cache = _gru_forward(x, states[0], *w)
        return hs[1:], (hs[-1],), cache

    @staticmethod
    def _kbwd(cache, d, ds):
        dx, dh, dW_ih, dW_hh, db_ih, db_hh = _gru_backward(cache, d, ds[0])
        return dx, (dh,), (dW_ih, dW_hh, db_ih, db_hh)


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
        self.last_gates = {}

    def _step(self, x: Any, hx: Any) -> Any:
        _, finals = self._run(x, hx)
        if not self.training:  # eval: keep only the latest step (no growth at inference)
            self._stack.clear()
        self._stack.append((self._caches, self._unbatched))
        return self._pack(finals)

    def _unstep(self, dstates: tuple[Any, ...]) -> np.ndarray:
        if not self._stack:
            raise RuntimeError(f"{type(self).__name__}.backward called more often than forward")
        self._caches, self._unbatched = self._stack.pop()
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
