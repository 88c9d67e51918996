"""Loader of the compiled ufuncs (``actlab._kernels._ufuncs``); absent -> NumPy reference path."""

from __future__ import annotations

import numpy as np

try:  # pragma: no cover - depends on the build
    from . import _ufuncs  # type: ignore[attr-defined]
except ImportError:  # the extension is not built: the NumPy formulas are used
    _ufuncs = None


def get(name: str) -> np.ufunc | None:
    """The compiled ufunc called ``name`` or ``None`` when unavailable."""
    if _ufuncs is None:
        return None
    return getattr(_ufuncs, name, None)
