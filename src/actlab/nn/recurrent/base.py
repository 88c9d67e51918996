"""What the four recurrent layers share: :class:`_Recurrent` -- the parameters, the states and
the loop over layers and batch blocks, and the gates of the last forward.

Subclasses (:mod:`.modules`) give the layout (sequence or single step) and the
:class:`.kinds.CellKind`.

May import: NumPy, :mod:`actlab._checks`, :mod:`actlab.activations`, :mod:`actlab.runtime`,
:mod:`..module` and :mod:`.kinds`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ... import runtime as _runtime
from ..._checks import check_rng, positive_int
from ...activations.base import as_float_array
from ...runtime import Runtime
from ..module import Module
from .kinds import CellKind

__all__ = ["_Recurrent", "_ForwardPass"]


class _ForwardPass(NamedTuple):
    """What one forward leaves for its backward and for the gate analysis."""

    caches: list[list[Any]]   # [batch block][layer], the time loops' caches
    blocks: list[slice]       # the batch's row blocks (one per thread)
    unbatched: bool           # the caller's input had no batch axis


class _Recurrent(Module):
    """Parameters, states and the layer loop shared by the four public classes.

    Subclasses set ``_kind`` and provide the layout: ``_layer_suffixes_for``,
    ``_to_internal``, ``_state_shape`` and ``_from_internal``.
    """

    _kind: CellKind
    _initial_state_name = "{}"  # hx's parts in errors: "h", "c" (cells) or "h_0", "c_0" (sequences)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, bias: bool, batch_first: bool, *,
                 rng: np.random.Generator | None, dtype: Any, runtime: Runtime | None) -> None:
        super().__init__()
        cls = type(self).__name__
        self.input_size = positive_int(input_size, "input_size", cls)
        self.hidden_size = positive_int(hidden_size, "hidden_size", cls)
        self.num_layers = positive_int(num_layers, "num_layers", cls)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"{cls}: dtype must be float32 or float64, got {self.dtype}")
        if runtime is not None and not isinstance(runtime, Runtime):
            raise TypeError(f"{cls}: runtime must be an actlab.runtime.Runtime or None, got {type(runtime).__name__}")
        self._runtime = runtime
        self._layer_suffixes = self._layer_suffixes_for(self.num_layers)
        self._register_weights(check_rng(rng, cls))
        self._latest: _ForwardPass | None = None
        self._preactivations_cache: list[np.ndarray] | None = None
        self._gates_cache: list[dict[str, np.ndarray]] | None = None
        self.dhx: Any = None

    def _register_weights(self, rng: np.random.Generator) -> None:
        H, in_size = self.hidden_size, self.input_size
        k, G = 1.0 / np.sqrt(H), len(self._kind.gates) * H
        for j, suffix in enumerate(self._layer_suffixes):
            shapes = {"weight_ih": (G, in_size if j == 0 else H), "weight_hh": (G, H)}
            if self.bias:
                shapes.update(bias_ih=(G,), bias_hh=(G,))
            for name, shape in shapes.items():
                self.register_parameter(name + suffix, rng.uniform(-k, k, size=shape).astype(self.dtype))

    @property
    def runtime(self) -> Runtime:
        """The :class:`actlab.runtime.Runtime` this layer runs on (the default unless given)."""
        return _runtime.default() if self._runtime is None else self._runtime

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        s += "" if self.num_layers == 1 else f", num_layers={self.num_layers}"
        return s + ("" if self.bias else ", bias=False")

    def _layer_weights(self, k: int) -> tuple[Any, ...]:
        p, s = self.__dict__["_params"], self._layer_suffixes[k]
        b = (p["bias_ih" + s], p["bias_hh" + s]) if self.bias else (None, None)
        return (p["weight_ih" + s], p["weight_hh" + s]) + b

    def _accumulate_grads(self, k: int, grads: tuple[np.ndarray, ...]) -> None:
        g, s = self.__dict__["_grads"], self._layer_suffixes[k]
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias else ("weight_ih", "weight_hh")
        for name, d in zip(names, grads):
            g[name + s] += d

    # -- states: the caller's shape <-> (num_layers, B, H) -------------------------------------
    def _checked_array(self, v: Any, name: str, want: tuple[int, ...], where: str = "") -> np.ndarray:
        arr, _ = as_float_array(v, name)
        if arr.shape != want:
            raise ValueError(f"{type(self).__name__}{where}: {name} has shape {arr.shape}, expected {want}")
        return arr.astype(self.dtype, copy=False)

    def _states_in(self, values: tuple[Any, ...], name: str, B: int, unbatched: bool,
                   where: str = "") -> list[np.ndarray | None]:
        """Each state given (or None) as (num_layers, B, H); ``name`` ("{}_0") names them in errors."""
        shape, internal = self._state_shape(B, unbatched), (self.num_layers, B, self.hidden_size)
        return [None if v is None else self._checked_array(v, name.format(n), shape, where).reshape(internal)
                for v, n in zip(values, self._kind.states)]

    def _initial_states(self, hx: Any, B: int, unbatched: bool) -> list[np.ndarray]:
        """hx (None, a state, or a tuple of states) as one (num_layers, B, H) array per state."""
        names = self._kind.states
        if len(names) == 1:
            hx = (hx,)
        elif hx is None:
            hx = (None,) * len(names)
        elif not isinstance(hx, (tuple, list)) or len(hx) != len(names):
            raise TypeError(f"{type(self).__name__}: hx must be a tuple ({', '.join(names)})")
        given = self._states_in(tuple(hx), self._initial_state_name, B, unbatched)
        zeros = np.zeros((self.num_layers, B, self.hidden_size), dtype=self.dtype)
        return [zeros if s is None else s for s in given]

    def _states_out(self, states: list[np.ndarray], unbatched: bool) -> Any:
        out = [s.reshape(self._state_shape(s.shape[1], unbatched)).copy() for s in states]
        return out[0] if len(out) == 1 else tuple(out)

    def _gather_states(self, per_block: list[list[Any]], blocks: list[slice], B: int) -> list[np.ndarray]:
        """The blocks' per-layer state tuples as one (num_layers, B, H) array per state."""
        gathered = [np.empty((self.num_layers, B, self.hidden_size), dtype=self.dtype) for _ in self._kind.states]
        for rows, per_layer in zip(blocks, per_block):
            for k, values in enumerate(per_layer):
                for g, v in zip(gathered, values):
                    g[k, rows] = v
        return gathered

    def _output(self, y: np.ndarray, unbatched: bool, owned: bool = False) -> np.ndarray:
        """(T, B, F) internal -> the caller's layout, a fresh array (``owned``: y itself is a
        fresh array nobody else holds, so a view of it will do)."""
        y = self._from_internal(y, unbatched)
        return y if owned and y.flags.c_contiguous else y.copy()

    # -- the layer loop over layers and batch blocks ------------------------------------------
    def _step_work(self, B: int) -> float:
        """Multiply-adds of one step's recurrent matmul (decides threads and BLAS threads)."""
        return float(B) * self.hidden_size * len(self._kind.gates) * self.hidden_size

    def _batch_blocks(self, B: int, runtime: Runtime | None = None) -> list[slice]:
        """Row blocks of the batch that run in parallel threads (rows are independent all
        through the recurrence), as the runtime splits them (:meth:`Runtime.batch_blocks`)."""
        return (runtime or self.runtime).batch_blocks(B, self._step_work(1))

    def _run_blocks(self, rt: Runtime, fn: Any, blocks: list[slice]) -> list[Any]:
        """``fn`` of every block in parallel; one BLAS thread per block, or unsplit one when
        the step's matmul is small."""
        with rt.blas_single_thread(self._step_work(blocks[-1].stop) if len(blocks) == 1 else 0.0):
            return rt.map_parallel(fn, len(blocks))

    def _run(self, x: Any, hx: Any) -> tuple[np.ndarray, list[np.ndarray]]:
        """Forward through all layers; returns the top layer's outputs (T, B, H), internal,
        and the final states; records the pass in ``_latest``."""
        seq, unbatched = self._to_internal(x)
        B, kind = seq.shape[1], self._kind
        states = self._initial_states(hx, B, unbatched)
        rt = self.runtime
        kernels, blocks = kind.kernels(rt), self._batch_blocks(B, rt)

        def run_block(p: int) -> tuple[np.ndarray, list[Any], list[Any]]:
            rows, inp, finals, caches = blocks[p], seq[:, blocks[p]], [], []
            for k in range(self.num_layers):
                inp, fin, cache = kind.forward(inp, [s[k, rows] for s in states], self._layer_weights(k), kernels)
                finals.append(fin)
                caches.append(cache)
            return inp, finals, caches

        results = self._run_blocks(rt, run_block, blocks)
        out = results[0][0] if len(blocks) == 1 else np.concatenate([r[0] for r in results], axis=1)
        self._latest = _ForwardPass([r[2] for r in results], blocks, unbatched)
        self._preactivations_cache = self._gates_cache = None
        return out, self._gather_states([r[1] for r in results], blocks, B)

    def _back(self, fwd: _ForwardPass, d: np.ndarray | None, dstates: tuple[Any, ...]) -> np.ndarray:
        """BPTT of the pass ``fwd`` with ``d`` (T, B, H) internal or None; accumulates the
        parameter gradients, sets :attr:`dhx`, returns dx (T, B, in) internal (fresh)."""
        blocks, L, kind = fwd.blocks, self.num_layers, self._kind
        B = blocks[-1].stop
        rt = self.runtime
        ds = self._states_in(dstates, "d{}_n", B, fwd.unbatched, ".backward")
        kernels = kind.kernels(rt)

        def back_block(p: int) -> tuple[np.ndarray, list[Any], list[Any]]:
            rows = blocks[p]
            dd = None if d is None else d[:, rows]
            d0s, grads = [None] * L, [None] * L
            for k in range(L - 1, -1, -1):
                dk = [None if v is None else v[k, rows] for v in ds]
                dd, d0s[k], grads[k] = kind.backward(fwd.caches[p][k], dd, dk, kernels)
            return dd, d0s, grads

        results = self._run_blocks(rt, back_block, blocks)
        for _, _, grads in results:
            for k in range(L):
                self._accumulate_grads(k, grads[k])
        self.dhx = self._states_out(self._gather_states([r[1] for r in results], blocks, B), fwd.unbatched)
        return results[0][0] if len(blocks) == 1 else np.concatenate([r[0] for r in results], axis=1)

    # -- gates of the last forward, for the saturation analysis -------------------------------
    @property
    def gate_preactivations(self) -> dict[tuple[int, str], np.ndarray]:
        """``{(layer, gate): pre-activation (T, batch, hidden)}`` of the last forward."""
        H, kind = self.hidden_size, self._kind
        caches = self._latest.caches if self._latest is not None else []
        if self._preactivations_cache is None:
            self._preactivations_cache = [
                np.concatenate([kind.preactivations(block[k]) for block in caches], axis=1)
                for k in range(self.num_layers if caches else 0)]
        return {(k, g): z[..., j * H:(j + 1) * H] for k, z in enumerate(self._preactivations_cache)
                for j, g in enumerate(kind.gates)}

    def _gates_per_layer(self) -> list[dict[str, np.ndarray]]:
        if self._gates_cache is None:
            pre, gates = self.gate_preactivations, self._kind.gates
            layers = self.num_layers if self._latest is not None else 0
            self._gates_cache = [self._kind.gate_activations({g: pre[(k, g)] for g in gates})
                                 for k in range(layers)]
        return self._gates_cache
