"""One colour, line style and marker per activation -- the single palette of every figure.

The report's figures, the CLI's plots and the browser lab draw an activation in the same
colour wherever it appears, so "relu is green" holds from one figure to the next.  The same
map carries the implementations compared in "why trust these numbers" (numpy, scipy, torch,
actlab, memcpy), the derivative orders (f solid, f' dashed, f'' dotted), the recurrent
models (lstm, gru) and a neutral series for curves that are none of these.

:func:`to_json` exports the whole map for the web front end (colours as ``#rrggbb``, dashes
as SVG ``stroke-dasharray`` strings), so the lab reads the palette instead of repeating it.

>>> style("relu").color == style("relu after training").color
True
>>> style("sigmoid").linestyle
'-'

May import: the standard library and :mod:`actlab.activations` (for the registry's aliases).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from ..activations.base import get

__all__ = ["Style", "ACTIVATIONS", "IMPLEMENTATIONS", "ORDERS", "MODELS", "SERIES", "style", "series",
           "order_style", "to_json"]


@dataclass(frozen=True)
class Style:
    """How one thing is drawn: a matplotlib colour, line style and marker."""

    color: str
    linestyle: str = "-"
    marker: str = "o"

    @property
    def dasharray(self) -> str:
        """The line style as an SVG ``stroke-dasharray`` ("" for a solid line)."""
        return {"-": "", "--": "6 3", "-.": "6 3 1.5 3", ":": "1.5 2.5"}[self.linestyle]


#: Every registered activation, by canonical name.  Related functions share a hue family
#: (sigmoid / hard_sigmoid / log_sigmoid blues, relu / relu6 greens) but never a colour.
ACTIVATIONS: dict[str, Style] = {
    "sigmoid": Style("#1f77b4", "-", "o"),
    "tanh": Style("#d62728", "-", "s"),
    "relu": Style("#2ca02c", "-", "D"),
    "leaky_relu": Style("#ff7f0e", "--", "^"),
    "elu": Style("#9467bd", "-.", "v"),
    "selu": Style("#8c564b", "--", "P"),
    "gelu": Style("#e377c2", "-", "X"),
    "silu": Style("#17becf", "--", "*"),
    "mish": Style("#bcbd22", "-.", "h"),
    "softplus": Style("#7f7f7f", "-", "p"),
    "step": Style("#000000", "-", "d"),
    "identity": Style("#a0a0a0", ":", "."),
    "hard_sigmoid": Style("#6baed6", "--", "o"),
    "hard_swish": Style("#0e8a99", "-.", "s"),
    "relu6": Style("#74c476", "--", "D"),
    "log_sigmoid": Style("#08306b", ":", "o"),
    "logit": Style("#637939", ":", "s"),
    "softmax": Style("#843c39", "-", "o"),
    "log_softmax": Style("#ad494a", "--", "s"),
    "logsumexp": Style("#d6616b", "-.", "^"),
    "glu": Style("#7b4173", "-", "v"),
}

#: The implementations and baselines of the accuracy and speed comparisons.
IMPLEMENTATIONS: dict[str, Style] = {
    "numpy": Style("#4dabcf", "-", "o"),
    "scipy": Style("#8c6d31", "-", "s"),
    "torch": Style("#ee4c2c", "-", "^"),
    "actlab": Style("#0b5394", "-", "D"),
    "memcpy": Style("#6e7781", "-", "v"),
}

#: Derivative orders 0, 1, 2 (drawn in the activation's colour).
ORDERS: dict[int, Style] = {0: Style("#000000", "-", ""), 1: Style("#000000", "--", ""),
                            2: Style("#000000", ":", "")}

#: The recurrent models.
MODELS: dict[str, Style] = {"lstm": Style("#6f42c1", "-", "o"), "gru": Style("#1a7f37", "--", "s")}

#: Curves that are no activation, implementation or model, in the order they are used.
SERIES: tuple[Style, ...] = (Style("#57606a", ":", "o"), Style("#000000", "--", "s"),
                             Style("#b35806", "-.", "^"), Style("#542788", "-", "v"))

_NAMED = {**ACTIVATIONS, **IMPLEMENTATIONS, **MODELS}


def _canonical(word: str) -> str | None:
    if word in _NAMED:
        return word
    try:
        return get(word).name
    except (ValueError, TypeError, KeyError):
        return None


def style(label: str, index: int = 0) -> Style:
    """The style of ``label``: an activation (or alias), implementation or model name, or a
    label that starts with one ("relu after training", "sigmoid → BCELoss", "lstm i").  Any
    other label gets the neutral series ``index``."""
    key = _canonical(label)
    if key is None:
        head = label.replace("(", " ").replace(":", " ").split()
        key = _canonical(head[0]) if head else None
    return _NAMED[key] if key is not None else series(index)


def series(index: int) -> Style:
    """The ``index``-th neutral style (cycles)."""
    return SERIES[index % len(SERIES)]


def order_style(order: int) -> Style:
    """Line style of the derivative ``order`` (0 = f, 1 = f', 2 = f'')."""
    if order not in ORDERS:
        raise ValueError(f"order must be 0, 1 or 2, got {order!r}")
    return ORDERS[order]


def to_json() -> str:
    """The whole palette as JSON for the web front end: ``{"activations": {name: {color,
    linestyle, marker, dasharray}}, "implementations": ..., "models": ..., "orders": ...,
    "series": [...]}``."""
    def one(s: Style) -> dict[str, str]:
        return {**asdict(s), "dasharray": s.dasharray}
    return json.dumps({
        "activations": {k: one(v) for k, v in ACTIVATIONS.items()},
        "implementations": {k: one(v) for k, v in IMPLEMENTATIONS.items()},
        "models": {k: one(v) for k, v in MODELS.items()},
        "orders": {str(k): one(v) for k, v in ORDERS.items()},
        "series": [one(s) for s in SERIES],
    }, indent=1)
