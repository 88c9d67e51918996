"""The text bar chart of ``f(x)`` (or ``f'``, ``f''``) at a few points.

:func:`bar_chart` measures; the :class:`BarChart` it returns holds the points, the values and
the length of each bar, so every front end draws the same chart: :meth:`BarChart.text` is the
plain-text form of the report's ``<pre>`` block, and ``actlab plot NAME`` draws the same
fields as a terminal table.

>>> import numpy as np
>>> chart = bar_chart("relu", np.array([-1.0, 1.0, 2.0]), width=4)
>>> chart.bars
(0, 2, 4)
>>> print(chart.text())  # doctest: +NORMALIZE_WHITESPACE
    x      relu(x)
   -1     0.000000
    1     1.000000  ██
    2     2.000000  ████

May import: NumPy and :mod:`actlab.activations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations.base import Activation, get

__all__ = ["BarChart", "bar_chart", "integer_points"]

_LABELS = {"value": "{}(x)", "grad": "{}'(x)", "grad2": "{}''(x)"}


@dataclass(frozen=True)
class BarChart:
    """Values of one activation at some points, each with the length of its bar.

    Attributes
    ----------
    label : str
        What is drawn, e.g. ``"sigmoid(x)"`` or ``"sigmoid'(x)"``.
    xs, ys : tuple of float
        The points and the values there.
    bars : tuple of int
        Bar length of each value: ``|y| / max |y| * width``, rounded (0 for a non-finite value).
    """

    label: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    bars: tuple[int, ...]

    @property
    def title(self) -> str:
        """``"sigmoid(x) for x = -10 ... 10"``."""
        return f"{self.label} for x = {self.xs[0]:g} ... {self.xs[-1]:g}"

    def text(self) -> str:
        """The chart as plain text: one line per point, ``x``, the value (6 decimals), the bar."""
        lines = [f"{'x':>5}  {self.label:>11}"]
        for x, y, n in zip(self.xs, self.ys, self.bars):
            lines.append(f"{x:>5g}  {y:>11.6f}  " + "█" * n)
        return "\n".join(lines)


def bar_chart(activation: str | Activation, xs: Any, which: str = "value", width: int = 40) -> BarChart:
    """Measure ``f(xs)`` (``which="grad"``: ``f'``, ``"grad2"``: ``f''``) for a bar chart.

    Parameters
    ----------
    activation : str or Activation
        An elementwise activation or its registry name.
    xs : array_like
        The points, in drawing order.
    which : {"value", "grad", "grad2"}
        What to draw.
    width : int
        Length of the longest bar.
    """
    act = get(activation)
    if not isinstance(act, Activation):
        raise ValueError(f"bar_chart: {act.name} acts along an axis; only elementwise activations have a bar chart")
    if which not in _LABELS:
        raise ValueError(f"bar_chart: which must be one of {', '.join(_LABELS)}, got {which!r}")
    fn = {"value": act, "grad": act.grad, "grad2": act.grad2}[which]
    x = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(fn(x), dtype=np.float64)
    finite = np.isfinite(ys)
    top = float(np.max(np.abs(ys[finite]))) if finite.any() else 1.0
    bars = tuple(0 if top == 0 or not ok else int(round(abs(y) / top * width)) for y, ok in zip(ys, finite))
    return BarChart(_LABELS[which].format(act.name), tuple(map(float, x)), tuple(map(float, ys)), bars)


def integer_points(lo: float, hi: float) -> np.ndarray:
    """The integers in ``[lo, hi]`` as floats: the points of ``actlab plot NAME``'s chart.

    >>> integer_points(-2.5, 2.0)
    array([-2., -1.,  0.,  1.,  2.])
    """
    return np.arange(np.ceil(lo), np.floor(hi) + 1.0)
