"""Plain-text forms for terminals: the bar chart of ``f(x)`` (or ``f'``, ``f''``) at a few
points, an activation's formula and its range.

:func:`formula_text` turns the LaTeX of an activation's ``formula`` (the one formula, read
from its docstring) into readable Unicode (``\\frac{1}{1+e^{-x}}`` -> ``1/(1+e^(-x))``);
:func:`interval_text` writes ``range`` with a bracket where the bound is reached
(relu: ``[0, inf)``, sigmoid: ``(0, 1)``).

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

__all__ = ["BarChart", "bar_chart", "integer_points", "formula_text", "interval_text", "number_text"]

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


_SYMBOLS = {"sigma": "σ", "alpha": "α", "lambda": "λ", "Phi": "Φ", "odot": "⊙", "sum": "Σ", "log": "log",
            "max": "max", "min": "min", "tanh": "tanh", "exp": "exp", "cdot": "·", "varphi": "φ", "phi": "φ",
            "delta": "δ", "le": "≤", "ge": "≥", "infty": "inf", "pi": "π", "beta": "β"}
_SUB = str.maketrans("ijk0123456789", "ᵢⱼₖ₀₁₂₃₄₅₆₇₈₉")
_FUNCS = ("log", "max", "min", "tanh", "exp")


def _group(tex: str, i: int) -> tuple[str, int]:
    """The brace group (or single character) at ``tex[i]`` and the index after it."""
    if tex[i] != "{":
        if tex[i] == "\\":
            j = i + 1
            while j < len(tex) and tex[j].isalpha():
                j += 1
            j = max(j, min(i + 2, len(tex)))  # a control symbol: "\\," "\\ "
            return tex[i:j], j
        return tex[i], i + 1
    depth, j = 0, i
    while True:
        depth += {"{": 1, "}": -1}.get(tex[j], 0)
        if depth == 0:
            return tex[i + 1:j], j + 1
        j += 1


def _wrap(text: str) -> str:
    return f"({text})" if any(c in text for c in "+-·/ ") else text


def _command(tex: str, i: int, out: list[str]) -> int:
    """Render the LaTeX command at ``tex[i]`` (a backslash) onto ``out``; the index after it."""
    word, j = _group(tex, i)
    name = word[1:]
    if name in ("frac", "tfrac", "dfrac"):
        num, j = _group(tex, j)
        den, j = _group(tex, j)
        frac = f"{_wrap(formula_text(num))}/{_wrap(formula_text(den))}"
        prev = "".join(out).rstrip()
        if prev.endswith(_FUNCS):  # log(p/(1-p))
            out[:] = [prev]
            frac = f"({frac})"
        elif j < len(tex) and tex[j] not in "+-)=,]}":  # a product follows: (1/6)·1[...]
            frac = f"({frac})·"
        out.append(frac)
    elif name in ("mathrm", "operatorname", "text", "mathbb"):
        body, j = _group(tex, j)
        out.append(body)
    elif name in _SYMBOLS:
        sym = _SYMBOLS[name]
        prev = out[-1] if out else ""
        if name in _FUNCS or name == "sum":  # a space before and, unless an argument follows, after
            sym = (" " if prev and not prev.endswith((" ", "(", "-", "+", "=")) else "") + sym
            if (tex[j] if j < len(tex) else "") not in ("(", "_", "^", "{", ""):
                sym += " "
        elif name in ("le", "ge"):
            sym = f" {sym} "
        out.append(sym)
    else:
        out.append({"\\,": "·", "\\;": "·", "\\ ": " "}.get(word, name))
    return j


def formula_text(tex: str) -> str:
    """Readable Unicode of the LaTeX of an activation's formula (the subset actlab's
    docstrings use: ``\\frac``, ``\\mathrm``, ``\\mathbb``, Greek letters, ``^`` and ``_``).

    >>> formula_text(r"\\sigma(x)=\\frac{1}{1+e^{-x}}")
    'σ(x) = 1/(1+e^(-x))'
    >>> formula_text(r"\\log\\frac{p}{1-p}")
    'log(p/(1-p))'
    """
    out: list[str] = []
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            i = _command(tex, i, out)
        elif c in "^_":
            body, i = _group(tex, i + 1)
            body = formula_text(body)
            if c == "_":
                sub = body.translate(_SUB)
                out.append(sub if all(ch in "ᵢⱼₖ₀₁₂₃₄₅₆₇₈₉" for ch in sub) else "_" + body)
            else:
                out.append("^" + _wrap(body))
        else:
            out.append({"=": " = ", "{": "", "}": ""}.get(c, c))
            i += 1
    return " ".join("".join(out).split()).replace("· ", "·").replace(" ·", "·")


def number_text(v: Any, dtype: Any) -> str:
    """One result as terminal text: ``0`` / ``-0`` for the zeros, ``inf`` / ``nan`` as such;
    float64 with 8 decimals (``0.25000000``, tiny values in 8 significant digits); float32 and
    float16 with the shortest digits that identify the value in that dtype (float16
    ``0.731``, not ``0.73095703``)."""
    f, dtype = float(v), np.dtype(dtype)
    if f == 0.0:
        return "-0" if np.signbit(f) else "0"
    if not np.isfinite(f):
        return "nan" if np.isnan(f) else ("inf" if f > 0 else "-inf")
    if dtype == np.float64:
        return f"{f:.8f}" if abs(f) >= 1e-4 else f"{f:.8g}"
    x = dtype.type(v)
    if 1e-4 <= abs(f) < 1e6:
        return np.format_float_positional(x, unique=True, trim="-")
    return np.format_float_scientific(x, unique=True, trim="-")


def interval_text(act: Any) -> str:
    """The range of ``act`` as an interval: ``[`` / ``]`` where the bound is reached
    (``act.range_closed``), ``(`` / ``)`` where it is only approached, and at infinity."""
    (lo, hi), (lo_in, hi_in) = act.range, act.range_closed

    def num(v: float) -> str:
        return ("inf" if v > 0 else "-inf") if np.isinf(v) else f"{v:.6g}"
    return f"{'[' if lo_in else '('}{num(lo)}, {num(hi)}{']' if hi_in else ')'}"
