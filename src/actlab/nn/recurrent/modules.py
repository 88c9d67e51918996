"""The recurrent layers: :class:`LSTM`, :class:`GRU`, :class:`LSTMCell`, :class:`GRUCell`.

:class:`_SequenceLayer` and :class:`_CellLayer` say how the caller's arrays map to the
internal layout of :class:`.base._Recurrent` (inputs (T, B, features), states
(num_layers, B, H)); the public classes add their :class:`.kinds.CellKind` (what differs
between LSTM and GRU) and ``backward``'s signature.

May import: NumPy, :mod:`actlab.activations`, :mod:`actlab.runtime`, :mod:`.base` and
:mod:`.kinds`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...activations.base import as_float_array
from ...runtime import Runtime
from .base import _ForwardPass, _Recurrent
from .kinds import GRU_KIND, LSTM_KIND

__all__ = ["LSTM", "GRU", "LSTMCell", "GRUCell"]


class _SequenceLayer(_Recurrent):
    """A layer over whole sequences: input (T, B, in), or (B, T, in) with ``batch_first``,
    or (T, in) unbatched; states (num_layers, B, H), or (num_layers, H) unbatched."""

    _initial_state_name = "{}_0"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, *, rng: np.random.Generator | None = None,
                 dtype: Any = np.float64, runtime: Runtime | None = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, rng=rng, dtype=dtype,
                         runtime=runtime)

    @staticmethod
    def _layer_suffixes_for(num_layers: int) -> list[str]:
        return [f"_l{j}" for j in range(num_layers)]

    def extra_repr(self) -> str:
        return super().extra_repr() + (", batch_first=True" if self.batch_first else "")

    def _to_internal(self, x: Any) -> tuple[np.ndarray, bool]:
        arr, _ = as_float_array(x, "x")
        arr = arr.astype(self.dtype, copy=False)
        if arr.ndim not in (2, 3) or arr.shape[-1] != self.input_size:
            what = (f"3-D ({'batch, seq' if self.batch_first else 'seq, batch'}, {self.input_size}) or "
                    f"2-D (seq, {self.input_size}) unbatched")
            raise ValueError(f"{type(self).__name__}: input must be {what} (input_size={self.input_size}); "
                             f"got shape {arr.shape}")
        unbatched = arr.ndim == 2
        if unbatched:
            arr = arr[:, None, :]
        elif self.batch_first:
            arr = arr.transpose(1, 0, 2)
        if arr.size == 0:
            raise ValueError(f"{type(self).__name__}: empty input of shape {np.shape(x)}")
        return np.ascontiguousarray(arr), unbatched

    def _state_shape(self, B: int, unbatched: bool) -> tuple[int, ...]:
        L, H = self.num_layers, self.hidden_size
        return (L, H) if unbatched else (L, B, H)

    def _from_internal(self, y: np.ndarray, unbatched: bool) -> np.ndarray:
        if unbatched:
            return y[:, 0, :]
        return y.transpose(1, 0, 2) if self.batch_first else y

    def forward(self, x: Any, hx: Any = None) -> tuple[np.ndarray, Any]:
        """Run the sequence: ``(output, h_n)`` (GRU) or ``(output, (h_n, c_n))`` (LSTM);
        ``hx`` (``h_0``, or ``(h_0, c_0)``) defaults to zeros."""
        out, finals = self._run(x, hx)
        fwd = self._latest
        return self._output(out, fwd.unbatched, owned=len(fwd.blocks) > 1), self._states_out(finals, fwd.unbatched)

    def _backward(self, dout: Any, dstates: tuple[Any, ...]) -> np.ndarray:
        self._need_cache("_latest")
        fwd = self._latest
        d = None
        if dout is not None:
            T, B = fwd.caches[0][0].hs.shape[0] - 1, fwd.blocks[-1].stop
            want = self._from_internal(np.empty((T, B, self.hidden_size)), fwd.unbatched).shape
            d = self._checked_array(dout, "dout", want, ".backward")
            d = d[:, None, :] if fwd.unbatched else d.transpose(1, 0, 2) if self.batch_first else d
        return self._output(self._back(fwd, d, dstates), fwd.unbatched, owned=True)  # dx is fresh

    @property
    def last_gates(self) -> list[dict[str, np.ndarray]]:
        """Gate activations of the last forward, per layer ``{gate: (T, batch, hidden)}``: the
        gates' sigmoid / tanh of :attr:`gate_preactivations`, evaluated on first access."""
        return self._gates_per_layer()


class _CellLayer(_Recurrent):
    """One step: input (B, in) or (in,), states (B, H) or (H,).  Every forward pushes its
    pass on a stack, every backward pops the latest."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64,
                 runtime: Runtime | None = None) -> None:
        super().__init__(input_size, hidden_size, 1, bias, False, rng=rng, dtype=dtype, runtime=runtime)
        self._stack: list[_ForwardPass] = []

    @staticmethod
    def _layer_suffixes_for(num_layers: int) -> list[str]:
        return [""]

    def _to_internal(self, x: Any) -> tuple[np.ndarray, bool]:
        arr, _ = as_float_array(x, "x")
        arr = arr.astype(self.dtype, copy=False)
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input must be (batch, {self.input_size}) or "
                             f"({self.input_size},) (input_size={self.input_size}); got shape {arr.shape}")
        unbatched = arr.ndim == 1
        arr = arr[None, None] if unbatched else arr[None]
        if arr.size == 0:
            raise ValueError(f"{type(self).__name__}: empty input of shape {np.shape(x)}")
        return np.ascontiguousarray(arr), unbatched

    def _state_shape(self, B: int, unbatched: bool) -> tuple[int, ...]:
        return (self.hidden_size,) if unbatched else (B, self.hidden_size)

    def _from_internal(self, y: np.ndarray, unbatched: bool) -> np.ndarray:
        return y[0, 0] if unbatched else y[0]

    def _step(self, x: Any, hx: Any) -> Any:
        _, finals = self._run(x, hx)
        if not self.training:  # eval: keep only the latest step (no growth at inference)
            self._stack.clear()
        self._stack.append(self._latest)
        return self._states_out(finals, self._latest.unbatched)

    def _unstep(self, dstates: tuple[Any, ...]) -> np.ndarray:
        if not self._stack:
            raise RuntimeError(f"{type(self).__name__}.backward called more often than forward")
        fwd = self._stack.pop()
        return self._output(self._back(fwd, None, dstates), fwd.unbatched, owned=True)

    def reset(self) -> None:
        """Forget the cached steps (call between sequences when not running backward)."""
        self._stack.clear()

    @property
    def last_gates(self) -> dict[str, np.ndarray]:
        """Gate activations of the last forward ``{gate: (1, batch, hidden)}``: the gates'
        sigmoid / tanh of :attr:`gate_preactivations`, evaluated on first access."""
        layers = self._gates_per_layer()
        return layers[0] if layers else {}


class LSTM(_SequenceLayer):
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
        omitted (a layer pickled without one runs on the default of the process that loads
        it).

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

    _kind = LSTM_KIND

    def backward(self, dout: Any, dh_n: Any = None, dc_n: Any = None) -> np.ndarray:
        """BPTT; returns dx in the input's layout, sets :attr:`dhx` = ``(dh_0, dc_0)``."""
        return self._backward(dout, (dh_n, dc_n))


class GRU(_SequenceLayer):
    """Multi-layer gated recurrent unit network, numerically equal to ``torch.nn.GRU``.

    Same arguments as :class:`LSTM`.  Parameters ``weight_ih_l{k}`` (3H, in),
    ``weight_hh_l{k}`` (3H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (3H,), gate rows r, z, n
    with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.  ``forward(x, hx=None)`` returns
    ``(output, h_n)``; ``backward(dout, dh_n=None)`` returns dx and sets :attr:`dhx` = dh_0.

    Examples
    --------
    >>> import numpy as np
    >>> from actlab.runtime import Runtime
    >>> gru = GRU(3, 4, batch_first=True, rng=np.random.default_rng(0), runtime=Runtime(workers=1))
    >>> out, h = gru.forward(np.zeros((2, 6, 3)))
    >>> out.shape, h.shape, sorted(gru.last_gates[0])
    ((2, 6, 4), (1, 2, 4), ['n', 'r', 'z'])
    """

    _kind = GRU_KIND

    def backward(self, dout: Any, dh_n: Any = None) -> np.ndarray:
        """BPTT; returns dx in the input's layout, sets :attr:`dhx` = dh_0."""
        return self._backward(dout, (dh_n,))


class LSTMCell(_CellLayer):
    """One LSTM step, numerically equal to ``torch.nn.LSTMCell`` (params ``weight_ih`` ...).

    ``LSTMCell(input_size, hidden_size, bias=True, *, rng=None, dtype=float64, runtime=None)``.
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

    _kind = LSTM_KIND

    def forward(self, x: Any, hx: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """One step; ``hx = (h, c)`` defaults to zeros."""
        return self._step(x, hx)

    def backward(self, dh: Any, dc: Any = None) -> np.ndarray:
        """Gradient of the latest un-popped step; returns dx, sets :attr:`dhx` = (dh, dc)."""
        return self._unstep((dh, dc))


class GRUCell(_CellLayer):
    """One GRU step, numerically equal to ``torch.nn.GRUCell``.

    Same arguments as :class:`LSTMCell`.  ``forward(x, hx=None)`` returns ``h'``;
    ``backward(dh)`` pops the latest step (see :class:`LSTMCell`), returns dx and sets
    :attr:`dhx` = dh of the previous state.

    Examples
    --------
    >>> import numpy as np
    >>> cell = GRUCell(3, 4, rng=np.random.default_rng(0))
    >>> cell.forward(np.ones(3)).shape, cell.backward(np.ones(4)).shape
    ((4,), (3,))
    """

    _kind = GRU_KIND

    def forward(self, x: Any, hx: Any = None) -> np.ndarray:
        """One step; ``hx`` defaults to zeros."""
        return self._step(x, hx)

    def backward(self, dh: Any) -> np.ndarray:
        """Gradient of the latest un-popped step; returns dx, sets :attr:`dhx`."""
        return self._unstep((dh,))
