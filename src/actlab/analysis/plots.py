"""Figures for understanding activations (matplotlib, no pyplot, no global state).

Every function returns a :class:`matplotlib.figure.Figure` built without :mod:`pyplot`, so
nothing here switches backends, opens windows or leaks figures; rendering goes through the
Agg canvas.  :func:`save` writes PNG or SVG (chosen by the file suffix).

All derivatives drawn here come from the activation objects themselves (``act.grad``,
``act.grad2``, ``act.vjp``) -- no formula is re-derived in this module.

>>> from actlab.analysis import plots
>>> fig = plots.gallery(["sigmoid", "tanh"])
>>> len(fig.axes)
2

May import: NumPy, matplotlib (never pyplot) and :mod:`actlab.activations`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..activations.base import Activation, AxisActivation, get

__all__ = [
    "gallery", "notes_figure", "notes_figures", "NOTES_FUNCTIONS", "histograms",
    "training_curves", "gradient_norms", "gate_bars", "save",
]

#: The functions the study notes this project grew from draw one figure each, in their order.
NOTES_FUNCTIONS: tuple[str, ...] = ("step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22")


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _elementwise(name: str | Activation) -> Activation:
    act = get(name)
    if not isinstance(act, Activation):
        raise ValueError(f"{act.name} acts along an axis; only elementwise activations have f'(x) curves")
    return act


def gallery(
    names: Sequence[str],
    *,
    x: np.ndarray | None = None,
    orders: Sequence[int] = (0, 1, 2),
    ncols: int = 3,
) -> Figure:
    """``f``, ``f'`` and ``f''`` of several activations, one panel per activation.

    Parameters
    ----------
    names : sequence of str
        Registry names of elementwise activations.
    x : ndarray, optional
        Points to draw (default ``linspace(-5, 5, 801)``); never modified.
    orders : sequence of {0, 1, 2}
        Which derivatives to draw (0 = the function).
    ncols : int
        Panels per row.
    """
    if not names:
        raise ValueError("gallery: give at least one activation name")
    bad = [o for o in orders if o not in (0, 1, 2)]
    if bad or not orders:
        raise ValueError(f"gallery: orders must be a non-empty subset of (0, 1, 2), got {tuple(orders)}")
    acts = [_elementwise(n) for n in names]
    xs = np.linspace(-5.0, 5.0, 801) if x is None else np.asarray(x, dtype=np.float64)
    ncols = max(1, min(ncols, len(acts)))
    nrows = -(-len(acts) // ncols)
    fig = _figure(3.4 * ncols, 2.6 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    labels = {0: "f(x)", 1: "f'(x)", 2: "f''(x)"}
    styles = {0: "-", 1: "--", 2: ":"}
    for ax, act in zip(axes, acts):
        fns = {0: act, 1: act.grad, 2: act.grad2}
        for o in orders:
            ax.plot(xs, np.asarray(fns[o](xs)), styles[o], color=_COLORS[o], lw=1.8, label=labels[o])
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.axvline(0.0, color="0.6", lw=0.6)
        ax.set_title(f"{act.name}  (max |f'| = {act.max_grad:.4g})", fontsize=10)
        ax.grid(alpha=0.25)
        ax.legend(fontsize=8, loc="best")
    for ax in axes[len(acts):]:
        ax.set_visible(False)
    return fig


def notes_figure(name: str) -> Figure:
    """One figure of the study notes this project grew from: step, sigmoid, tanh, relu,
    leaky_relu or softmax, drawn as the notes draw them.

    sigmoid carries the dotted ``x = 0`` line (where ``f'`` peaks at 0.25), tanh the
    ``y = 0`` line (it is zero-centred); softmax is drawn as scores -> probabilities for
    ``a = [0.3, 2.9, 4.0]``.
    """
    act = get(name)
    if act.name not in NOTES_FUNCTIONS:
        raise ValueError(f"notes_figure: the study notes draw no figure of {name!r}; choose from "
                         f"{', '.join(NOTES_FUNCTIONS)}")
    fig = _figure(4.6, 3.2)
    ax = fig.subplots()
    if isinstance(act, AxisActivation):  # softmax
        a = np.array([0.3, 2.9, 4.0])
        p = np.asarray(act(a))
        idx = np.arange(a.size)
        ax.bar(idx - 0.2, a, width=0.4, color="0.65", label="scores a")
        ax.bar(idx + 0.2, p, width=0.4, color=_COLORS[0], label="softmax(a)")
        for i, v in enumerate(p):
            ax.text(i + 0.2, v + 0.05, f"{v:.3f}", ha="center", fontsize=8)
        ax.set_xticks(idx, [f"a{i + 1}" for i in idx])
        ax.set_title(f"softmax: probabilities sum to {p.sum():.3f}", fontsize=10)
        ax.legend(fontsize=8)
        return fig
    xs = np.linspace(-5.0, 5.0, 1001)
    ys = np.asarray(act(xs))
    label = "f(x), negative_slope=0.01" if act.name == "leaky_relu" else "f(x)"
    ax.plot(xs, ys, color=_COLORS[0], lw=2, label=label)
    if act.name == "step":
        ax.set_ylim(-0.1, 1.1)
    if act.name == "sigmoid":
        ax.axvline(0.0, color="k", ls=":", lw=1.2, label="x = 0 (slope 0.25)")
        ax.plot(xs, np.asarray(act.grad(xs)), "--", color=_COLORS[1], lw=1.4, label="f'(x)")
        ax.set_ylim(-0.1, 1.1)
    elif act.name == "tanh":
        ax.axhline(0.0, color="k", ls=":", lw=1.2, label="y = 0 (zero-centred)")
    elif act.name == "leaky_relu":
        ys2 = np.asarray(act(xs, negative_slope=0.1))
        ax.plot(xs, ys2, "--", color=_COLORS[2], lw=1.4, label="negative_slope=0.1")
    ax.axhline(0.0, color="0.7", lw=0.5)
    ax.axvline(0.0, color="0.7", lw=0.5)
    ax.set_title(f"{act.name}: ${act.formula}$", fontsize=10)
    ax.set_xlabel("x")
    ax.grid(alpha=0.25)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def notes_figures() -> dict[str, Figure]:
    """All the study notes' figures, ``{name: Figure}`` in :data:`NOTES_FUNCTIONS` order."""
    return {n: notes_figure(n) for n in NOTES_FUNCTIONS}


def histograms(
    layers: Sequence[np.ndarray],
    *,
    title: str = "",
    bins: int = 30,
    range: tuple[float, float] | None = None,
    xlabel: str = "value",
    labels: Sequence[str] | None = None,
) -> Figure:
    """One histogram per layer (Deep Learning from Scratch's weight-init experiment).

    Parameters
    ----------
    layers : sequence of ndarray
        Values of each layer (pre-activations or activations); flattened, never modified.
    range : (lo, hi), optional
        Common x range for all panels (e.g. ``(0, 1)`` for sigmoid outputs).
    labels : sequence of str, optional
        Panel titles (default ``layer 1``, ``layer 2``, ...).
    """
    if len(layers) == 0:
        raise ValueError("histograms: no layers given")
    n = len(layers)
    fig = _figure(min(2.3 * n, 14.0), 2.4)
    axes = np.atleast_1d(fig.subplots(1, n, sharey=True, squeeze=False)).ravel()
    for i, (ax, v) in enumerate(zip(axes, layers)):
        arr = np.asarray(v, dtype=np.float64).ravel()
        ax.hist(arr, bins=bins, range=range, color=_COLORS[0])
        name = labels[i] if labels is not None else f"layer {i + 1}"
        ax.set_title(f"{name}\nstd {arr.std():.3g}", fontsize=8)
        ax.tick_params(labelsize=7)
        if i > 0:
            ax.tick_params(labelleft=False)
    axes[0].set_ylabel("count", fontsize=8)
    fig.supxlabel(xlabel, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _positive_limits(values: np.ndarray) -> tuple[float, float]:
    pos = values[np.isfinite(values) & (values > 0)]
    if pos.size == 0:
        return 1e-3, 1.0
    return float(pos.min()) / 5.0, float(pos.max()) * 5.0


def training_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    ylabel: str = "loss",
    xlabel: str = "step",
    logy: bool = False,
    title: str = "",
    x: Sequence[float] | None = None,
) -> Figure:
    """One line per named curve (loss, accuracy, dead share, ...) against the step index.

    ``x`` gives common x values instead of the step index.  On a log axis the limits come
    from the smallest positive value; zeros are left out of the line (not drawn at 0).
    """
    if not curves:
        raise ValueError("training_curves: no curves given")
    fig = _figure(5.2, 3.2)
    ax = fig.subplots()
    allv = []
    for i, (label, ys) in enumerate(curves.items()):
        y = np.asarray(ys, dtype=np.float64)
        allv.append(y)
        xs = np.arange(y.size) if x is None else np.asarray(x, dtype=np.float64)
        if logy:
            y = np.where(y > 0, y, np.nan)
        ax.plot(xs, y, "o-" if y.size <= 30 else "-", ms=3, color=_COLORS[i % len(_COLORS)], lw=1.6, label=label)
    if logy:
        ax.set_yscale("log")
        ax.set_ylim(*_positive_limits(np.concatenate(allv)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, which="both")
    ax.legend(fontsize=8)
    return fig


def gradient_norms(
    records: Sequence[Any],
    *,
    key: str = "weight_grad_norm",
    bound: bool = True,
    title: str = "",
) -> Figure:
    """Per-layer gradient norm on a log axis, one line per activation, side by side.

    ``records`` are the :class:`~actlab.analysis.vanishing.LayerRecord` rows of
    :func:`actlab.analysis.vanishing.analyze` / ``compare`` (fields ``activation``, ``layer``
    and ``key``).  Beside sigmoid the theoretical envelope
    ``g_L * 0.25**(L - l)`` (anchored at the last layer) is drawn dashed.  The y limits are
    taken from the smallest positive value, so a gradient of 1e-20 is drawn at 1e-20, not 0;
    exact zeros (a fully dead layer) are marked at the bottom edge with an ``x``.
    """
    rows = list(records)
    if not rows:
        raise ValueError("gradient_norms: no records")
    if not hasattr(rows[0], key):
        raise ValueError(f"gradient_norms: the records have no field {key!r}")
    names = list(dict.fromkeys(r.activation for r in rows))
    fig = _figure(5.8, 3.8)
    ax = fig.subplots()
    ax.set_yscale("log")
    values = np.array([float(getattr(r, key)) for r in rows], dtype=np.float64)
    lo, hi = _positive_limits(values)
    for i, name in enumerate(names):
        sub = sorted((r for r in rows if r.activation == name), key=lambda r: r.layer)
        layer = np.array([int(r.layer) for r in sub])
        g = np.array([float(getattr(r, key)) for r in sub], dtype=np.float64)
        color = _COLORS[i % len(_COLORS)]
        pos = g > 0
        mk, ls = "osD^vx*P"[i % 8], ("-", "--", "-.", ":")[i % 4]
        ax.plot(layer[pos], g[pos], marker=mk, ls=ls, color=color, lw=1.6, ms=4, label=name)
        if (~pos).any():
            ax.plot(layer[~pos], np.full((~pos).sum(), lo), "x", color=color, ms=7, clip_on=False)
        if bound and name == "sigmoid" and g[-1] > 0:
            envelope = g[-1] * 0.25 ** (layer[-1] - layer)
            lo = min(lo, float(envelope.min()) / 5.0)
            ax.plot(layer, envelope, "--", color=color, lw=1.0, alpha=0.7, label="slope-only envelope 0.25^(L-l)")
    ax.set_ylim(lo, hi)
    ax.set_xlabel("layer (1 = input side)")
    ax.set_ylabel("‖∂loss/∂W‖ (log scale)" if key == "weight_grad_norm" else key)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, which="both")
    ax.legend(fontsize=7, ncols=2)
    return fig


def gate_bars(records: Sequence[Any], *, key: str = "saturated_share", title: str = "") -> Figure:
    """Bars of the field ``key`` per gate, grouped by model (the
    :class:`~actlab.analysis.vanishing.GateRecord` rows of ``vanishing.gate_saturation``)."""
    rows = list(records)
    if not rows:
        raise ValueError("gate_bars: no records")
    fig = _figure(5.2, 3.0)
    ax = fig.subplots()
    labels, vals, colors = [], [], []
    models = list(dict.fromkeys(r.model for r in rows))
    for i, m in enumerate(models):
        for r in rows:
            if r.model == m:
                labels.append(f"{m} L{r.layer}:{r.gate}" if r.layer else f"{m}:{r.gate}")
                vals.append(float(getattr(r, key)))
                colors.append(_COLORS[i % len(_COLORS)])
    pos = np.arange(len(vals))
    ax.bar(pos, vals, color=colors)
    for p_, v in zip(pos, vals):
        ax.text(p_, v + 0.02, f"{v:.2f}", ha="center", fontsize=7)
    ax.set_xticks(pos, labels, rotation=45, ha="right", fontsize=7)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel(key.replace("_", " "))
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, axis="y")
    return fig


def save(fig: Figure, path: str | Path, *, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path``; the suffix picks the format (``.png`` or ``.svg``)."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"save: unsupported file type {p.suffix!r} for {p.name}; use .png or .svg")
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, format=fmt, dpi=dpi, metadata={"Software": "actlab"} if fmt == "png" else None)
    return p
