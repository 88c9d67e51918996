"""Loader of the compiled ufuncs (``actlab._kernels._ufuncs``); absent -> NumPy reference path.

The extension registers real :class:`numpy.ufunc` objects (float32 and float64 loops) for the
value, first and second derivative of every elementwise activation (``sigmoid``,
``sigmoid_grad``, ``sigmoid_grad2``, ...; ``leaky_relu(x, slope)``, ``elu(x, alpha)`` and
``softplus(x, beta, threshold)`` take their parameters as broadcast inputs), the fused
``sigmoid_value_and_grad(x) -> (y, dy)`` and ``bce_with_logits(x, t) -> (loss, dloss)``, and the
row-wise gufuncs ``softmax`` / ``log_softmax`` (``axis=`` keyword).

Large calls are split across threads: :func:`set_num_threads` / :func:`get_num_threads`
(default: the ``ACTLAB_NUM_THREADS`` environment variable, else the number of usable cores).
The extension also holds the time loops of ``actlab.nn.LSTM`` / ``GRU`` (``lstm_forward`` &
co., see ``krnn.h``) and their fused cell ufuncs (``lstm_cell``, ``gru_cell`` and backward).
"""

from __future__ import annotations

import numpy as np

try:  # pragma: no cover - depends on the build
    from . import _ufuncs  # type: ignore[attr-defined]
except ImportError:  # the extension is not built: the NumPy formulas are used
    _ufuncs = None

__all__ = ["available", "get", "set_num_threads", "get_num_threads"]


def available() -> bool:
    """Whether the compiled extension was imported."""
    return _ufuncs is not None


def get(name: str) -> np.ufunc | None:
    """The compiled ufunc called ``name`` or ``None`` when unavailable."""
    if _ufuncs is None:
        return None
    uf = getattr(_ufuncs, name, None)
    return uf if isinstance(uf, np.ufunc) else None


def set_num_threads(n: int) -> None:
    """Use up to ``n`` threads for large kernel calls and for the batch blocks of the
    recurrent layers (env ``ACTLAB_NUM_THREADS``; default: the usable cores)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"actlab.set_num_threads: n must be a positive int, got {n!r}")
    n = int(n)
    if _ufuncs is not None:
        _ufuncs.set_num_threads(n)


def get_num_threads() -> int:
    """Threads used by large kernel calls and the recurrent layers (1 without the extension)."""
    return 1 if _ufuncs is None else int(_ufuncs.get_num_threads())
