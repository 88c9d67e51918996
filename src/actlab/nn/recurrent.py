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

After ``forward``, :attr:`LSTM.last_gates` holds, per layer, the gate activations
(``{"i", "f", "g", "o"}`` or ``{"r", "z", "n"}`` -> arrays (T, batch, hidden)) and
:attr:`LSTM.gate_preactivations` the pre-activations keyed ``(layer, gate)``, for the
saturation analysis (:func:`actlab.analysis.vanishing.gate_saturation`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations as _act
from .._activation import as_float_array
from .module import Module

__all__ = ["LSTM", "GRU", "LSTMCell", "GRUCell"]

_sigmoid = _act.sigmoid
_tanh = _act.tanh


# =============================================================================== kernels
def _lstm_forward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_ih: np.ndarray,
                  w_hh: np.ndarray, b_ih: np.ndarray | None, b_hh: np.ndarray | None):
    """One LSTM layer over a sequence ``x`` (T, B, I).  Returns ``(hs, cs, cache)``.

    ``hs``/``cs`` are (T + 1, B, H) with the initial state at index 0.
    """
    T, B, _ = x.shape
    H = w_hh.shape[1]
    Z = (x.reshape(T * B, -1) @ w_ih.T).reshape(T, B, 4 * H)  # pre-activations, all steps
    if b_ih is not None:
        Z += b_ih + b_hh
    A = np.empty_like(Z)  # gate activations i, f, g, o
    hs = np.empty((T + 1, B, H), dtype=Z.dtype)
    cs = np.empty((T + 1, B, H), dtype=Z.dtype)
    tc = np.empty((T, B, H), dtype=Z.dtype)  # tanh(c_t)
    hs[0], cs[0] = h0, c0
    whh_t = np.ascontiguousarray(w_hh.T)
    rec = np.empty((B, 4 * H), dtype=Z.dtype)
    tmp = np.empty((B, H), dtype=Z.dtype)
    H2, H3 = 2 * H, 3 * H
    for t in range(T):
        z, a = Z[t], A[t]
        np.matmul(hs[t], whh_t, out=rec)
        z += rec
        _sigmoid(z[:, :H2], out=a[:, :H2])
        _tanh(z[:, H2:H3], out=a[:, H2:H3])
        _sigmoid(z[:, H3:], out=a[:, H3:])
        c = cs[t + 1]
        np.multiply(a[:, H:H2], cs[t], out=c)
        np.multiply(a[:, :H], a[:, H2:H3], out=tmp)
        c += tmp
        _tanh(c, out=tc[t])
        np.multiply(a[:, H3:], tc[t], out=hs[t + 1])
    return hs, cs, (x, Z, A, hs, cs, tc)


def _lstm_backward(cache, w_ih: np.ndarray, w_hh: np.ndarray, dout: np.ndarray | None,
                   dh_n: np.ndarray | None, dc_n: np.ndarray | None):
    """BPTT through one LSTM layer.  Returns ``dx, dh0, dc0, dW_ih, dW_hh, db``."""
    x, Z, A, hs, cs, tc = cache
    T, B, I = x.shape
    H = w_hh.shape[1]
    H2, H3 = 2 * H, 3 * H
    dt = Z.dtype
    D = np.empty_like(Z)  # derivative of each gate's non-linearity at its pre-activation
    _sigmoid.grad(Z[..., :H2], out=D[..., :H2])
    _tanh.grad(Z[..., H2:H3], out=D[..., H2:H3])
    _sigmoid.grad(Z[..., H3:], out=D[..., H3:])
    dtc = _tanh.grad(cs[1:])
    dZ = np.empty_like(Z)
    dh = np.zeros((B, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
    dc = np.zeros((B, H), dtype=dt) if dc_n is None else np.array(dc_n, dtype=dt)
    tmp = np.empty((B, H), dtype=dt)
    for t in range(T - 1, -1, -1):
        if dout is not None:
            dh += dout[t]
        a, dz = A[t], dZ[t]
        np.multiply(dh, tc[t], out=dz[:, H3:])          # d o
        np.multiply(dh, a[:, H3:], out=tmp)
        tmp *= dtc[t]
        dc += tmp                                        # d c_t
        np.multiply(dc, a[:, H2:H3], out=dz[:, :H])     # d i
        np.multiply(dc, cs[t], out=dz[:, H:H2])         # d f
        np.multiply(dc, a[:, :H], out=dz[:, H2:H3])     # d g
        dz *= D[t]                                       # through the gate non-linearities
        dc *= a[:, H:H2]                                 # d c_{t-1}
        np.matmul(dz, w_hh, out=dh)                      # d h_{t-1}
    dZf = dZ.reshape(T * B, 4 * H)
    dW_hh = dZf.T @ hs[:-1].reshape(T * B, H)
    dW_ih = dZf.T @ x.reshape(T * B, I)
    db = dZf.sum(axis=0)
    dx = (dZf @ w_ih).reshape(T, B, I)
    return dx, dh, dc, dW_ih, dW_hh, db


def _gru_forward(x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                 b_ih: np.ndarray | None, b_hh: np.ndarray | None):
    """One GRU layer over ``x`` (T, B, I).  Returns ``(hs, cache)``, hs (T + 1, B, H)."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    H2 = 2 * H
    Z = (x.reshape(T * B, -1) @ w_ih.T).reshape(T, B, 3 * H)  # becomes the pre-activations
    if b_ih is not None:
        Z += b_ih
    A = np.empty_like(Z)  # r, z, n
    ghn = np.empty((T, B, H), dtype=Z.dtype)  # W_hn h + b_hn, needed for dr
    hs = np.empty((T + 1, B, H), dtype=Z.dtype)
    hs[0] = h0
    whh_t = np.ascontiguousarray(w_hh.T)
    gh = np.empty((B, 3 * H), dtype=Z.dtype)
    tmp = np.empty((B, H), dtype=Z.dtype)
    for t in range(T):
        z, a = Z[t], A[t]
        np.matmul(hs[t], whh_t, out=gh)
        if b_hh is not None:
            gh += b_hh
        z[:, :H2] += gh[:, :H2]
        _sigmoid(z[:, :H2], out=a[:, :H2])
        ghn[t] = gh[:, H2:]
        np.multiply(a[:, :H], gh[:, H2:], out=tmp)
        z[:, H2:] += tmp
        n = a[:, H2:]
        _tanh(z[:, H2:], out=n)
        np.subtract(hs[t], n, out=tmp)                  # h' = n + z * (h - n)
        tmp *= a[:, H:H2]
        np.add(n, tmp, out=hs[t + 1])
    return hs, (x, Z, A, hs, ghn)


def _gru_backward(cache, w_ih: np.ndarray, w_hh: np.ndarray, dout: np.ndarray | None,
                  dh_n: np.ndarray | None):
    """BPTT through one GRU layer.  Returns ``dx, dh0, dW_ih, dW_hh, db_ih, db_hh``."""
    x, Z, A, hs, ghn = cache
    T, B, I = x.shape
    H = w_hh.shape[1]
    H2 = 2 * H
    dt = Z.dtype
    D = np.empty_like(Z)
    _sigmoid.grad(Z[..., :H2], out=D[..., :H2])
    _tanh.grad(Z[..., H2:], out=D[..., H2:])
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
        np.matmul(g, w_hh, out=dh)
        dh += hz
    dGhf = dGh.reshape(T * B, 3 * H)
    dZ = np.concatenate([dGh[..., :H2], dZn], axis=2).reshape(T * B, 3 * H)
    dW_hh = dGhf.T @ hs[:-1].reshape(T * B, H)
    dW_ih = dZ.T @ x.reshape(T * B, I)
    dx = (dZ @ w_ih).reshape(T, B, I)
    return dx, dh, dW_ih, dW_hh, dZ.sum(axis=0), dGhf.sum(axis=0)


# =============================================================================== helpers
def _check_size(v: Any, name: str, cls: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{cls}: {name} must be a positive int, got {v!r}")
    return int(v)


def _init(rng: np.random.Generator | None, shape: tuple[int, ...], H: int, dtype: np.dtype,
          cls: str) -> np.ndarray:
    if rng is None:
        rng = np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{cls}: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    k = 1.0 / np.sqrt(H)
    return rng.uniform(-k, k, size=shape).astype(dtype)


def _float_dtype(dtype: Any, cls: str) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"{cls}: dtype must be float32 or float64, got {dt}")
    return dt


def _as_input(x: Any, name: str, dt: np.dtype, cls: str) -> np.ndarray:
    arr, _ = as_float_array(x, name)
    return arr.astype(dt, copy=False)


# =============================================================================== layers
class _RNNBase(Module):
    _mode = ""      # "lstm" | "gru"
    _gates = ""     # gate letters in weight-row order

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
        self.dtype = _float_dtype(dtype, cls)
        G = len(self._gates) * H
        for k in range(self.num_layers):
            isz = self.input_size if k == 0 else H
            self.register_parameter(f"weight_ih_l{k}", _init(rng, (G, isz), H, self.dtype, cls))
            self.register_parameter(f"weight_hh_l{k}", _init(rng, (G, H), H, self.dtype, cls))
            if self.bias:
                self.register_parameter(f"bias_ih_l{k}", _init(rng, (G,), H, self.dtype, cls))
                self.register_parameter(f"bias_hh_l{k}", _init(rng, (G,), H, self.dtype, cls))
        self._caches: list[Any] | None = None
        self._unbatched = False
        self.last_gates: list[dict[str, np.ndarray]] = []
        self.dhx: Any = None

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        return s

    def _w(self, k: int):
        p = self.__dict__["_params"]
        if self.bias:
            return p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"], p[f"bias_ih_l{k}"], p[f"bias_hh_l{k}"]
        return p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"], None, None

    def _accumulate(self, k: int, dW_ih: np.ndarray, dW_hh: np.ndarray, db_ih: np.ndarray | None,
                    db_hh: np.ndarray | None) -> None:
        g = self.__dict__["_grads"]
        g[f"weight_ih_l{k}"] += dW_ih
        g[f"weight_hh_l{k}"] += dW_hh
        if self.bias:
            g[f"bias_ih_l{k}"] += db_ih
            g[f"bias_hh_l{k}"] += db_hh

    # -- shapes -----------------------------------------------------------------------
    def _seq(self, x: Any) -> np.ndarray:
        cls = type(self).__name__
        arr = _as_input(x, "x", self.dtype, cls)
        if arr.ndim not in (2, 3):
            raise ValueError(f"{cls}: input must be 3-D ({'batch, seq' if self.batch_first else 'seq, batch'}"
                             f", features) or 2-D (seq, features) unbatched; got shape {arr.shape}")
        if arr.shape[-1] != self.input_size:
            raise ValueError(f"{cls}: input has {arr.shape[-1]} features (last axis of shape {arr.shape}), "
                             f"expected input_size={self.input_size}")
        self._unbatched = arr.ndim == 2
        if self._unbatched:
            arr = arr[:, None, :]
        elif self.batch_first:
            arr = arr.transpose(1, 0, 2)
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"{cls}: empty input of shape {np.shape(x)}")
        return np.ascontiguousarray(arr)

    def _state(self, s: Any, name: str, B: int) -> np.ndarray:
        cls = type(self).__name__
        L, H = self.num_layers, self.hidden_size
        if s is None:
            return np.zeros((L, B, H), dtype=self.dtype)
        arr = _as_input(s, name, self.dtype, cls)
        want = (L, H) if self._unbatched else (L, B, H)
        if arr.shape != want:
            raise ValueError(f"{cls}: {name} has shape {arr.shape}, expected {want} "
                             f"(num_layers, {'' if self._unbatched else 'batch, '}hidden_size)")
        return arr.reshape(L, B, H)

    def _out(self, y: np.ndarray) -> np.ndarray:
        """(T, B, H) internal -> the caller's layout (a fresh array)."""
        if self._unbatched:
            return y[:, 0, :].copy()
        return y.transpose(1, 0, 2).copy() if self.batch_first else y.copy()

    def _state_out(self, s: np.ndarray) -> np.ndarray:
        return s[:, 0, :].copy() if self._unbatched else s

    def _dout(self, dout: Any, T: int, B: int) -> np.ndarray | None:
        cls = type(self).__name__
        if dout is None:
            return None
        d = _as_input(dout, "dout", self.dtype, cls)
        H = self.hidden_size
        want = (T, H) if self._unbatched else ((B, T, H) if self.batch_first else (T, B, H))
        if d.shape != want:
            raise ValueError(f"{cls}.backward: dout has shape {d.shape}, expected the output shape {want}")
        if self._unbatched:
            return d[:, None, :]
        return d.transpose(1, 0, 2) if self.batch_first else d

    def _dstate(self, d: Any, name: str, B: int) -> np.ndarray | None:
        if d is None:
            return None
        cls = type(self).__name__
        arr = _as_input(d, name, self.dtype, cls)
        L, H = self.num_layers, self.hidden_size
        want = (L, H) if self._unbatched else (L, B, H)
        if arr.shape != want:
            raise ValueError(f"{cls}.backward: {name} has shape {arr.shape}, expected {want}")
        return arr.reshape(L, B, H)

    @property
    def gate_preactivations(self) -> dict[tuple[int, str], np.ndarray]:
        """``{(layer, gate): pre-activation (T, batch, hidden)}`` of the last forward."""
        if not self._caches:
            return {}
        H = self.hidden_size
        out = {}
        for k, cache in enumerate(self._caches):
            Z = cache[1]
            for j, gate in enumerate(self._gates):
                out[(k, gate)] = Z[..., j * H:(j + 1) * H]
        return out

    def _set_gates(self) -> None:
        H = self.hidden_size
        self.last_gates = [{g: c[2][..., j * H:(j + 1) * H] for j, g in enumerate(self._gates)}
                           for c in self._caches]


class LSTM(_RNNBase):
    """Multi-layer long short-term memory network, numerically equal to ``torch.nn.LSTM``.

    Parameters
    ----------
    input_size, hidden_size : int
        Features of the input and of the hidden state ``H``.
    num_layers : int, default 1
        Stacked layers; layer ``k > 0`` reads the hidden states of layer ``k - 1``.
    bias : bool, default True
        Whether ``bias_ih_l{k}`` and ``bias_hh_l{k}`` exist.
    batch_first : bool, default False
        Input/output layout (batch, seq, feature) instead of (seq, batch, feature).
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

    _mode = "lstm"
    _gates = "ifgo"

    def forward(self, x: Any, hx: Any = None) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Run the sequence; ``hx = (h_0, c_0)`` defaults to zeros."""
        seq = self._seq(x)
        B = seq.shape[1]
        if hx is None:
            h0 = c0 = None
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
            h0, c0 = hx
        h0 = self._state(h0, "h_0", B)
        c0 = self._state(c0, "c_0", B)
        caches, hn, cn = [], np.empty_like(h0), np.empty_like(c0)
        inp = seq
        for k in range(self.num_layers):
            hs, cs, cache = _lstm_forward(inp, h0[k], c0[k], *self._w(k))
            caches.append(cache)
            hn[k], cn[k] = hs[-1], cs[-1]
            inp = hs[1:]
        self._caches = caches
        self._set_gates()
        return self._out(inp), (self._state_out(hn), self._state_out(cn))

    def backward(self, dout: Any, dh_n: Any = None, dc_n: Any = None) -> np.ndarray:
        """BPTT; returns dx in the input's layout, sets :attr:`dhx` = ``(dh_0, dc_0)``."""
        self._need_cache("_caches")
        T, B = self._caches[0][0].shape[:2]
        d = self._dout(dout, T, B)
        dh = self._dstate(dh_n, "dh_n", B)
        dc = self._dstate(dc_n, "dc_n", B)
        dh0 = np.empty((self.num_layers, B, self.hidden_size), dtype=self.dtype)
        dc0 = np.empty_like(dh0)
        for k in range(self.num_layers - 1, -1, -1):
            w_ih, w_hh, _, _ = self._w(k)
            d, dh0[k], dc0[k], dW_ih, dW_hh, db = _lstm_backward(
                self._caches[k], w_ih, w_hh, d, None if dh is None else dh[k], None if dc is None else dc[k])
            self._accumulate(k, dW_ih, dW_hh, db, db)
        self.dhx = (self._state_out(dh0), self._state_out(dc0))
        return self._out(d)


class GRU(_RNNBase):
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

    _mode = "gru"
    _gates = "rzn"

    def forward(self, x: Any, hx: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Run the sequence; ``hx = h_0`` defaults to zeros."""
        seq = self._seq(x)
        h0 = self._state(hx, "h_0", seq.shape[1])
        caches, hn = [], np.empty_like(h0)
        inp = seq
        for k in range(self.num_layers):
            hs, cache = _gru_forward(inp, h0[k], *self._w(k))
            caches.append(cache)
            hn[k] = hs[-1]
            inp = hs[1:]
        self._caches = caches
        self._set_gates()
        return self._out(inp), self._state_out(hn)

    def backward(self, dout: Any, dh_n: Any = None) -> np.ndarray:
        """BPTT; returns dx in the input's layout, sets :attr:`dhx` = dh_0."""
        self._need_cache("_caches")
        T, B = self._caches[0][0].shape[:2]
        d = self._dout(dout, T, B)
        dh = self._dstate(dh_n, "dh_n", B)
        dh0 = np.empty((self.num_layers, B, self.hidden_size), dtype=self.dtype)
        for k in range(self.num_layers - 1, -1, -1):
            w_ih, w_hh, _, _ = self._w(k)
            d, dh0[k], dW_ih, dW_hh, db_ih, db_hh = _gru_backward(
                self._caches[k], w_ih, w_hh, d, None if dh is None else dh[k])
            self._accumulate(k, dW_ih, dW_hh, db_ih, db_hh)
        self.dhx = self._state_out(dh0)
        return self._out(d)


# =============================================================================== cells
class _CellBase(Module):
    _gates = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__()
        cls = type(self).__name__
        self.input_size = _check_size(input_size, "input_size", cls)
        self.hidden_size = H = _check_size(hidden_size, "hidden_size", cls)
        self.bias = bool(bias)
        self.dtype = _float_dtype(dtype, cls)
        G = len(self._gates) * H
        self.register_parameter("weight_ih", _init(rng, (G, self.input_size), H, self.dtype, cls))
        self.register_parameter("weight_hh", _init(rng, (G, H), H, self.dtype, cls))
        if self.bias:
            self.register_parameter("bias_ih", _init(rng, (G,), H, self.dtype, cls))
            self.register_parameter("bias_hh", _init(rng, (G,), H, self.dtype, cls))
        self._stack: list[tuple[Any, bool]] = []
        self.last_gates: dict[str, np.ndarray] = {}
        self.dhx: Any = None

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def _w(self):
        p = self.__dict__["_params"]
        if self.bias:
            return p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"]
        return p["weight_ih"], p["weight_hh"], None, None

    def _step_input(self, x: Any) -> tuple[np.ndarray, bool]:
        cls = type(self).__name__
        arr = _as_input(x, "x", self.dtype, cls)
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.input_size:
            raise ValueError(f"{cls}: input must be (batch, {self.input_size}) or ({self.input_size},); "
                             f"got shape {arr.shape}")
        unb = arr.ndim == 1
        return (arr[None, :] if unb else arr), unb

    def _step_state(self, s: Any, name: str, B: int, unb: bool) -> np.ndarray:
        cls = type(self).__name__
        H = self.hidden_size
        if s is None:
            return np.zeros((B, H), dtype=self.dtype)
        arr = _as_input(s, name, self.dtype, cls)
        want = (H,) if unb else (B, H)
        if arr.shape != want:
            raise ValueError(f"{cls}: {name} has shape {arr.shape}, expected {want}")
        return arr.reshape(B, H)

    def _grad_in(self, d: Any, name: str, unb: bool, B: int) -> np.ndarray | None:
        if d is None:
            return None
        cls = type(self).__name__
        arr = _as_input(d, name, self.dtype, cls)
        want = (self.hidden_size,) if unb else (B, self.hidden_size)
        if arr.shape != want:
            raise ValueError(f"{cls}.backward: {name} has shape {arr.shape}, expected {want}")
        return arr.reshape(B, self.hidden_size)

    def _push(self, cache: Any, unb: bool) -> None:
        # training: keep every step for BPTT; eval: only the latest (no growth at inference)
        if not self.training:
            self._stack.clear()
        self._stack.append((cache, unb))

    def _pop(self) -> tuple[Any, bool]:
        if not self._stack:
            raise RuntimeError(f"{type(self).__name__}.backward called more often than forward")
        return self._stack.pop()

    def _accumulate(self, dW_ih, dW_hh, db_ih, db_hh) -> None:
        g = self.__dict__["_grads"]
        g["weight_ih"] += dW_ih
        g["weight_hh"] += dW_hh
        if self.bias:
            g["bias_ih"] += db_ih
            g["bias_hh"] += db_hh

    def reset(self) -> None:
        """Forget the cached steps (call between sequences when not running backward)."""
        self._stack.clear()


class LSTMCell(_CellBase):
    """One LSTM step, numerically equal to ``torch.nn.LSTMCell``.

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

    _gates = "ifgo"

    def forward(self, x: Any, hx: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """One step; ``hx = (h, c)`` defaults to zeros."""
        xb, unb = self._step_input(x)
        B = xb.shape[0]
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTMCell: hx must be a tuple (h, c)")
        h0 = self._step_state(None if hx is None else hx[0], "h", B, unb)
        c0 = self._step_state(None if hx is None else hx[1], "c", B, unb)
        hs, cs, cache = _lstm_forward(xb[None], h0, c0, *self._w())
        self._push(cache, unb)
        H = self.hidden_size
        self.last_gates = {g: cache[2][0, :, j * H:(j + 1) * H] for j, g in enumerate(self._gates)}
        h, c = hs[1], cs[1]
        return (h[0].copy(), c[0].copy()) if unb else (h.copy(), c.copy())

    def backward(self, dh: Any, dc: Any = None) -> np.ndarray:
        """Gradient of the latest un-popped step; returns dx, sets :attr:`dhx` = (dh, dc)."""
        cache, unb = self._pop()
        B = cache[0].shape[1]
        dhb = self._grad_in(dh, "dh", unb, B)
        dcb = self._grad_in(dc, "dc", unb, B)
        w_ih, w_hh, _, _ = self._w()
        dx, dh0, dc0, dW_ih, dW_hh, db = _lstm_backward(cache, w_ih, w_hh, None, dhb, dcb)
        self._accumulate(dW_ih, dW_hh, db, db)
        self.dhx = (dh0[0], dc0[0]) if unb else (dh0, dc0)
        return dx[0, 0] if unb else dx[0]


class GRUCell(_CellBase):
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

    _gates = "rzn"

    def forward(self, x: Any, hx: Any = None) -> np.ndarray:
        """One step; ``hx`` defaults to zeros."""
        xb, unb = self._step_input(x)
        h0 = self._step_state(hx, "hx", xb.shape[0], unb)
        hs, cache = _gru_forward(xb[None], h0, *self._w())
        self._push(cache, unb)
        H = self.hidden_size
        self.last_gates = {g: cache[2][0, :, j * H:(j + 1) * H] for j, g in enumerate(self._gates)}
        return hs[1, 0].copy() if unb else hs[1].copy()

    def backward(self, dh: Any) -> np.ndarray:
        """Gradient of the latest un-popped step; returns dx, sets :attr:`dhx`."""
        cache, unb = self._pop()
        B = cache[0].shape[1]
        dhb = self._grad_in(dh, "dh", unb, B)
        w_ih, w_hh, _, _ = self._w()
        dx, dh0, dW_ih, dW_hh, db_ih, db_hh = _gru_backward(cache, w_ih, w_hh, None, dhb)
        self._accumulate(dW_ih, dW_hh, db_ih, db_hh)
        self.dhx = dh0[0] if unb else dh0
        return dx[0, 0] if unb else dx[0]
