"""What differs between an LSTM and a GRU, as data: :class:`CellKind`, :data:`LSTM_KIND`,
:data:`GRU_KIND`.

A kind names its gates (in the weight rows' order, torch's) and recurrent states, holds its
time-loop functions (:mod:`.loops`) and its reference cells (:mod:`.cells`), and the names
of its compiled kernels, which a :class:`actlab.runtime.Runtime` resolves
(:meth:`CellKind.kernels`).  The layers in :mod:`.modules` read everything kind-specific
from here.

May import: NumPy, :mod:`actlab.activations`, :mod:`actlab.runtime`, :mod:`.loops` and
:mod:`.cells`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ...activations import elementwise as _act
from ...runtime import Runtime
from . import cells, loops

__all__ = ["CellKind", "LSTM_KIND", "GRU_KIND"]


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: hashed by identity (a memo key)
class CellKind:
    """One kind of recurrent cell.

    Attributes
    ----------
    gates : str
        Gate letters in weight-row order (= column order of the pre-activations).
    gate_functions : tuple
        The activation of each gate (sigmoid or tanh), in the order of ``gates``.
    states : tuple of str
        Names of the recurrent states (``("h", "c")`` or ``("h",)``).
    forward, backward, preactivations : callable
        The time loops of one layer (signatures in :mod:`.loops`).
    compiled_loops, cell_ufuncs : (str, str)
        Names of the compiled forward / backward time loops and cell ufuncs.
    reference_cells : (callable, callable)
        The NumPy twins of the cell ufuncs.
    """

    gates: str
    gate_functions: tuple[Any, ...]
    states: tuple[str, ...]
    forward: Callable[..., Any]
    backward: Callable[..., Any]
    preactivations: Callable[..., Any]
    compiled_loops: tuple[str, str]
    cell_ufuncs: tuple[str, str]
    reference_cells: tuple[Callable[..., Any], Callable[..., Any]]

    def kernels(self, runtime: Runtime) -> loops.StepKernels:
        """The kernels the time loops call under ``runtime``: its compiled loops when it runs
        them, and the cell ufuncs (or, on the NumPy path, the reference cells)."""
        return runtime.memo(self, self._resolve_kernels)

    def _resolve_kernels(self, runtime: Runtime) -> loops.StepKernels:
        compiled = runtime.compiled_loops()
        fwd, bwd = (None, None) if compiled is None else (getattr(compiled, n) for n in self.compiled_loops)
        cell, cell_bwd = (runtime.cell_kernel(n) or ref for n, ref in zip(self.cell_ufuncs, self.reference_cells))
        return loops.StepKernels(fwd, bwd, cell, cell_bwd)

    def gate_activations(self, preactivations: dict[str, Any]) -> dict[str, Any]:
        """``{gate: activation}`` from ``{gate: pre-activation}``."""
        return {g: f(preactivations[g]) for g, f in zip(self.gates, self.gate_functions)}


_sigmoid, _tanh = _act.sigmoid, _act.tanh

LSTM_KIND = CellKind(
    gates="ifgo", gate_functions=(_sigmoid, _sigmoid, _tanh, _sigmoid), states=("h", "c"),
    forward=loops.lstm_forward, backward=loops.lstm_backward, preactivations=loops.lstm_preactivations,
    compiled_loops=("lstm_forward", "lstm_backward"), cell_ufuncs=("lstm_cell", "lstm_cell_backward"),
    reference_cells=(cells._lstm_cell_np, cells._lstm_cell_backward_np))

GRU_KIND = CellKind(
    gates="rzn", gate_functions=(_sigmoid, _sigmoid, _tanh), states=("h",),
    forward=loops.gru_forward, backward=loops.gru_backward, preactivations=loops.gru_preactivations,
    compiled_loops=("gru_forward", "gru_backward"), cell_ufuncs=("gru_cell", "gru_cell_backward"),
    reference_cells=(cells._gru_cell_np, cells._gru_cell_backward_np))
