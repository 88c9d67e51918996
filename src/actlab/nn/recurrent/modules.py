"""The recurrent layers: :class:`LSTM`, :class:`GRU`, :class:`LSTMCell`, :class:`GRUCell`.

May import: NumPy, :mod:`actlab._checks`, :mod:`actlab.activations`, :mod:`actlab.runtime`,
:mod:`..module` and :mod:`.loops`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import runtime as _runtime
from ..._checks import check_rng, positive_int
from ...activations import elementwise as _act
from ...activations.base import as_float_array
from ...runtime import Runtime
from ..module import Module
from .loops import (
    _gru_backward,
    _gru_forward,
    _gru_preactivations_of,
    _lstm_backward,
    _lstm_forward,
    _lstm_preactivations,
)

__all__ = ["LSTM", "GRU", "LSTMCell", "GRUCell"]

_sigmoid = _act.sigmoid
_tanh = _act.tanh
_GATE_ACT = {"i": _sigmoid, "f": _sigmoid, "o": _sigmoid, "r": _sigmoid, "z": _sigmoid,
             "g": _tanh, "n": _tanh}


class _Recurrent(Module):
    """Parameters, shape handling and the layer loop shared by the four public classes."""

    _gates = ""        # gate letters in weight-row order (torch) = column order of the cached Z
    _states = ("h",)   # names of the recurrent states
    _cell = False

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, *, rng: np.random.Generator | None = None,
                 dtype: Any = np.float64, runtime: Runtime | None = None) -> None:
        super().__init__()
        cls = type(self).__name__
        self.input_size = positive_int(input_size, "input_size", cls)
        self.hidden_size = H = positive_int(hidden_size, "hidden_size", cls)
        self.num_layers = positive_int(num_layers, "num_layers", cls)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"{cls}: dtype must be float32 or float64, got {self.dtype}")
        if runtime is not None and not isinstance(runtime, Runtime):
            raise TypeError(f"{cls}: runtime must be an actlab.runtime.Runtime or None, got {type(runtime).__name__}")
        self._runtime = runtime
        rng = check_rng(rng, cls)
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

    @property
    def runtime(self) -> Runtime:
        """The :class:`actlab.runtime.Runtime` this layer runs on (the default unless given)."""
        return _runtime.default() if self._runtime is None else self._runtime

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
    def _batch_blocks(self, B: int) -> list[slice]:
        """Row blocks of the batch that run in parallel threads (rows are independent all
        through the recurrence), as the runtime splits them (:meth:`Runtime.batch_blocks`)."""
        return self.runtime.batch_blocks(B, self._step_work(1))

    def _run(self, x: Any, hx: Any) -> tuple[np.ndarray, Any]:
        seq = self._seq(x)
        B = seq.shape[1]
        L = self.num_layers
        zeros = np.zeros((L, B, self.hidden_size), dtype=self.dtype)
        states = [zeros if v is None else self._state_in(v, f"{n}_0" if not self._cell else n, B)
                  for v, n in zip(self._hx(hx), self._states)]
        parts = self._batch_blocks(B)
        rt = self.runtime

        def run_part(p: int) -> tuple[np.ndarray, list[Any], list[Any]]:
            sl, inp, fins, caches = parts[p], seq[:, parts[p]], [], []
            for k in range(L):
                inp, fin, cache = self._kfwd(inp, [s[k, sl] for s in states], self._w(k), rt)
                fins.append(fin)
                caches.append(cache)
            return inp, fins, caches

        with rt.blas_single_thread(self._step_work(B) if len(parts) == 1 else 0.0):
            results = rt.map_parallel(run_part, len(parts))
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
        caches, parts, L, rt = self._caches, self._parts, self.num_layers, self.runtime
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
                dd, d0s[k], grads[k] = self._kbwd(caches[p][k], dd, [None if v is None else v[k, sl] for v in ds], rt)
            return dd, d0s, grads

        with rt.blas_single_thread(self._step_work(B) if len(parts) == 1 else 0.0):
            results = rt.map_parallel(back_part, len(parts))
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
    def _kfwd(x, states, w, rt):
        hs, cs, cache = _lstm_forward(x, states[0], states[1], *w, rt)
        return hs[1:], (hs[-1], cs[-1]), cache

    @staticmethod
    def _kbwd(cache, d, ds, rt):
        dx, dh, dc, dW_ih, dW_hh, db = _lstm_backward(cache, d, ds[0], ds[1], rt)
        return dx, (dh, dc), (dW_ih, dW_hh, db, db)

    _kpre = staticmethod(_lstm_preactivations)


class _GRUKernels:
    _gates, _states = "rzn", ("h",)

    @staticmethod
    def _kfwd(x, states, w, rt):
        hs, cache = _gru_forward(x, states[0], *w, rt)
        return hs[1:], (hs[-1],), cache

    @staticmethod
    def _kbwd(cache, d, ds, rt):
        dx, dh, dW_ih, dW_hh, db_ih, db_hh = _gru_backward(cache, d, ds[0], rt)
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
    runtime : actlab.runtime.Runtime, optional
        Kernels, threads and BLAS limits to run on; :func:`actlab.runtime.default` when
        omitted.

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
                 rng: np.random.Generator | None = None, dtype: Any = np.float64,
                 runtime: Runtime | None = None) -> None:
        super().__init__(input_size, hidden_size, 1, bias, rng=rng, dtype=dtype, runtime=runtime)

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
