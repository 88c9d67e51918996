"""Argument checks shared by every part of actlab: random generators, layer inputs, sizes.

Each check raises a :class:`TypeError` or :class:`ValueError` whose message starts with the
name of the function or class that was called (``who``) and names the offending value.

May import: NumPy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_rng", "float_input", "positive_int"]


def check_rng(rng: Any, who: str, *, optional: bool = True) -> np.random.Generator:
    """``rng`` itself when it is a :class:`numpy.random.Generator`; a fresh unseeded one for
    ``None`` when ``optional``; otherwise a :class:`TypeError` naming ``who``.

    >>> check_rng(None, "f").__class__.__name__
    'Generator'
    >>> check_rng(0, "f")
    Traceback (most recent call last):
    TypeError: f: rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got int
    """
    if rng is None and optional:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{who}: rng must be a numpy.random.Generator "
                        f"(e.g. numpy.random.default_rng(0)), got {type(rng).__name__}")
    return rng


def float_input(x: Any, who: str) -> np.ndarray:
    """A layer's input as a float array: floats as they are, ints and bool as float64;
    anything else (complex, object, str) a :class:`TypeError` naming ``who`` and the dtype."""
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(f"{who}: input has dtype {arr.dtype}; expected a real floating, integer or bool array")
    return arr


def positive_int(v: Any, name: str, who: str) -> int:
    """``int(v)`` for an integer ``v >= 1`` (bool refused), else a :class:`ValueError`."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{who}: {name} must be a positive int, got {v!r}")
    return int(v)
