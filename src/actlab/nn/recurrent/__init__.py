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
whose gates are the same sigmoid/tanh kernels; their NumPy twins ``_lstm_cell_np`` & co. in
:mod:`.cells` where the extension is not built).  The forward step also stores the factors
the backward step multiplies by, so ``backward`` (full back-propagation through time) is one
matmul and one fused product kernel per step, then one matmul each for the weight gradients
and dx.

Initialisation: every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) drawn from
the ``rng`` keyword (a :class:`numpy.random.Generator`; a fresh unseeded one when omitted).

dtype: parameters are created in ``dtype`` (float64 by default, float32 supported); inputs
and states are converted to the parameters' dtype.  The compiled float32 LSTM cell computes
in plain float arithmetic where its inputs are within [-40, 40] (gates within 3 ULP, backward
factors within 10; outputs and gradients of a network as close to float64 as torch's),
elsewhere and for every other cell in double.

Runtime: every layer runs on an :class:`actlab.runtime.Runtime` (the ``runtime`` keyword;
:func:`actlab.runtime.default` when omitted), which picks the implementation of the steps
(compiled time loops, cell ufuncs or NumPy reference cells) and the threads.  The batch is
split into up to ``runtime.num_workers()`` (by default :func:`actlab.get_num_threads`) row
blocks, each with at least ``runtime.parallel_work`` multiply-adds per step, run in parallel
threads (the compiled loops release the GIL; results equal the serial run's to rounding).
BLAS then runs one thread per block; unsplit, when one step's matmul is small (below
``runtime.small_work``) BLAS is limited to one thread too (restored afterwards): a second
thread cannot pay for its hand-off on such matmuls, and on a busy machine it stalls.

After ``forward``, :attr:`LSTM.last_gates` holds, per layer, the gate activations
(``{"i", "f", "g", "o"}`` or ``{"r", "z", "n"}`` -> arrays (T, batch, hidden), evaluated on
first access) and :attr:`LSTM.gate_preactivations` the pre-activations keyed
``(layer, gate)``, for the saturation analysis (:func:`actlab.analysis.vanishing.gate_saturation`).

Files: :mod:`.modules` the four layers (sequence or single-step layout), :mod:`.base` what
they share (parameters, states, the loop over layers and batch blocks), :mod:`.kinds` what
differs between LSTM and GRU (a :class:`~.kinds.CellKind` each), :mod:`.loops` the time
loops of one layer, :mod:`.cells` the NumPy reference cells.

May import: :mod:`.modules` (the package only re-exports the four layers).
"""

from __future__ import annotations

from .modules import GRU, LSTM, GRUCell, LSTMCell

__all__ = ["LSTM", "GRU", "LSTMCell", "GRUCell"]
