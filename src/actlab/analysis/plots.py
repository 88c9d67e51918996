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

Colours, line styles and markers come from :mod:`actlab.analysis.palette` only: an
activation has one colour in every figure.  No text is smaller than 8 pt.

May import: NumPy, matplotlib (never pyplot), :mod:`actlab.activations` and
:mod:`actlab.analysis.palette`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..activations.base import Activation, AxisActivation, get
from . import palette

__all__ = [
    "gallery", "notes_figure", "notes_figures", "NOTES_FUNCTIONS", "histograms",
    "training_curves", "gradient_norms", "gate_bars", "save", "value_bars", "coincidence_note",
    "gate_histograms", "accuracy_bars", "speed_bars",
]

#: The functions the study notes this project grew from draw one figure each, in their order.
NOTES_FUNCTIONS: tuple[str, ...] = ("step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")

#: The smallest font size used in any figure (points).
MIN_FONT = 8


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
    """``f``, ``f'`` and ``f''`` (``orders``, 0 = the function) of the elementwise activations
    ``names``, one panel per activation, ``ncols`` per row, at the points ``x`` (default
    ``linspace(-5, 5, 801)``; never modified)."""
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
    widths = {0: 2.2, 1: 1.7, 2: 1.5}
    for ax, act in zip(axes, acts):
        fns = {0: act, 1: act.grad, 2: act.grad2}
        color = palette.style(act.name).color
        for o in orders:
            ax.plot(xs, np.asarray(fns[o](xs)), palette.order_style(o).linestyle, color=color, lw=widths[o],
                    label=labels[o], alpha=1.0 if o == 0 else 0.85)
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
        ax.bar(idx + 0.2, p, width=0.4, color=palette.style("softmax").color, label="softmax(a)")
        for i, v in enumerate(p):
            ax.text(i + 0.2, v + 0.05, f"{v:.3f}", ha="center", fontsize=8)
        ax.set_xticks(idx, [f"a{i + 1}" for i in idx])
        ax.set_title(f"softmax: probabilities sum to {p.sum():.3f}", fontsize=10)
        ax.legend(fontsize=8)
        return fig
    xs = np.linspace(-5.0, 5.0, 1001)
    ys = np.asarray(act(xs))
    label = "f(x), negative_slope=0.01" if act.name == "leaky_relu" else "f(x)"
    color = palette.style(act.name).color
    ax.plot(xs, ys, color=color, lw=2, label=label)
    if act.name == "step":
        ax.set_ylim(-0.1, 1.1)
    if act.name == "sigmoid":
        ax.axvline(0.0, color="k", ls=":", lw=1.2, label="x = 0 (slope 0.25)")
        ax.plot(xs, np.asarray(act.grad(xs)), palette.order_style(1).linestyle, color=color, lw=1.4,
                label="f'(x)")
        ax.set_ylim(-0.1, 1.1)
    elif act.name == "tanh":
        ax.axhline(0.0, color="k", ls=":", lw=1.2, label="y = 0 (zero-centred)")
    elif act.name == "leaky_relu":
        ys2 = np.asarray(act(xs, negative_slope=0.1))
        ax.plot(xs, ys2, ":", color=color, lw=1.6, label="negative_slope=0.1")
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
    activation: str | None = None,
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
    activation : str, optional
        The activation whose outputs these are: the bars take its palette colour.
    """
    if len(layers) == 0:
        raise ValueError("histograms: no layers given")
    n = len(layers)
    fig = _figure(min(2.3 * n, 14.0), 2.4)
    axes = np.atleast_1d(fig.subplots(1, n, sharey=True, squeeze=False)).ravel()
    for i, (ax, v) in enumerate(zip(axes, layers)):
        arr = np.asarray(v, dtype=np.float64).ravel()
        ax.hist(arr, bins=bins, range=range,
                color=(palette.style(activation) if activation else palette.series(0)).color)
        name = labels[i] if labels is not None else f"layer {i + 1}"
        ax.set_title(f"{name}\nstd {arr.std():.3g}", fontsize=8)
        ax.tick_params(labelsize=MIN_FONT)
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

    A curve named after an activation, implementation or model ("relu", "relu after
    training") takes its palette style; other curves take the neutral series.

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
        st = palette.style(label, i)
        ax.plot(xs, y, ls=st.linestyle, marker=st.marker if y.size <= 30 else None, ms=4, color=st.color,
                lw=1.8, label=label)
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

    Each activation has its palette colour, line style and marker.  A line that coincides
    with an earlier one (within 1% on every layer, see :func:`coincidence_note`) is drawn
    with larger hollow markers around the earlier line's and labelled ``"name (= other)"``,
    so both stay visible.
    """
    rows = list(records)
    if not rows:
        raise ValueError("gradient_norms: no records")
    if not hasattr(rows[0], key):
        raise ValueError(f"gradient_norms: the records have no field {key!r}")
    names = list(dict.fromkeys(r.activation for r in rows))
    same = {b: a for a, b in _coinciding(rows, key)}
    fig = _figure(5.8, 3.8)
    ax = fig.subplots()
    ax.set_yscale("log")
    values = np.array([float(getattr(r, key)) for r in rows], dtype=np.float64)
    lo, hi = _positive_limits(values)
    for i, name in enumerate(names):
        sub = sorted((r for r in rows if r.activation == name), key=lambda r: r.layer)
        layer = np.array([int(r.layer) for r in sub])
        g = np.array([float(getattr(r, key)) for r in sub], dtype=np.float64)
        st = palette.style(name, i)
        color = st.color
        pos = g > 0
        if name in same:  # hollow and larger, around the line it coincides with
            ax.plot(layer[pos], g[pos], marker=st.marker, ls=st.linestyle, color=color, lw=1.2, ms=10, mfc="none",
                    mew=1.6, label=f"{name} (= {same[name]})")
        else:
            ax.plot(layer[pos], g[pos], marker=st.marker, ls=st.linestyle, color=color, lw=1.7, ms=5, label=name)
        if (~pos).any():
            ax.plot(layer[~pos], np.full((~pos).sum(), lo), "x", color=color, ms=7, clip_on=False)
        if bound and name == "sigmoid" and g[-1] > 0:
            envelope = g[-1] * 0.25 ** (layer[-1] - layer)
            lo = min(lo, float(envelope.min()) / 5.0)
            ax.plot(layer, envelope, ls=(0, (2, 2)), color=color, lw=1.0, alpha=0.7, label=ENVELOPE_LABEL)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("layer (1 = input side)")
    ax.set_ylabel("‖∂loss/∂W‖ (log scale)" if key == "weight_grad_norm" else key)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, which="both")
    ax.legend(fontsize=MIN_FONT, ncols=2)
    return fig


#: The legend entry of the sigmoid envelope in :func:`gradient_norms`.
ENVELOPE_LABEL = "0.25^(L-l): sigmoid slopes only (weights not counted)"


def _coinciding(records: Sequence[Any], key: str, rtol: float = 0.01) -> list[tuple[str, str]]:
    """Pairs (a, b), a first, of activations whose per-layer ``key`` agree within ``rtol``."""
    by: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(r.activation for r in records):
        sub = sorted((r for r in records if r.activation == name), key=lambda r: r.layer)
        by[name] = np.array([float(getattr(r, key)) for r in sub])
    names, pairs = list(by), []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if by[a].shape == by[b].shape and np.allclose(by[a], by[b], rtol=rtol, atol=0.0):
                if b not in {q for _, q in pairs}:
                    pairs.append((a, b))
    return pairs


def gate_bars(records: Sequence[Any], *, key: str = "near_bounds", title: str = "") -> Figure:
    """Bars of the field ``key`` per gate, grouped by model (the
    :class:`~actlab.analysis.vanishing.GateRecord` rows of ``vanishing.gate_saturation``)."""
    rows = list(records)
    if not rows:
        raise ValueError("gate_bars: no records")
    fig = _figure(5.2, 3.0)
    ax = fig.subplots()
    labels, lows, highs, colors = [], [], [], []
    models = list(dict.fromkeys(r.model for r in rows))
    for i, m in enumerate(models):
        for r in rows:
            if r.model == m:
                labels.append(f"{m} L{r.layer}:{r.gate}" if r.layer else f"{m}:{r.gate}")
                if key == "near_bounds":  # stacked: near the low bound, then near the high one
                    lows.append(float(r.near_low))
                    highs.append(float(r.near_high))
                else:
                    lows.append(float(getattr(r, key)))
                    highs.append(0.0)
                colors.append(palette.style(m, i).color)
    pos = np.arange(len(lows))
    lo, hi = np.array(lows), np.array(highs)
    ax.bar(pos, lo, color=colors, label="near low bound" if key == "near_bounds" else None)
    if key == "near_bounds":
        ax.bar(pos, hi, bottom=lo, color=colors, alpha=0.45, hatch="//", label="near high bound")
        ax.legend(fontsize=8)
    top = float((lo + hi).max()) if lo.size else 0.0
    ax.set_ylim(0, max(top * 1.3, 0.05))  # all zeros: a readable 0-5% axis, not an empty 0-1.1
    for p_, v in zip(pos, lo + hi):
        ax.text(p_, v + max(top, 0.05) * 0.03, f"{v:.1%}", ha="center", fontsize=8)
    ax.set_xticks(pos, labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("share of entries near the bounds" if key == "near_bounds" else key.replace("_", " "))
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, axis="y")
    return fig


def value_bars(name: str, xs: Sequence[float], *, which: str = "value") -> Figure:
    """f(x) (``which="grad"``: f'(x)) of one activation at the points ``xs`` as labelled bars."""
    act = _elementwise(name)
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(act(x) if which == "value" else act.grad(x), dtype=np.float64)
    fig = _figure(8.0, 3.4)
    ax = fig.subplots()
    ax.bar(x, y, width=0.8, color=palette.style(act.name).color)
    for xi, yi in zip(x, y):
        ax.text(xi, yi + 0.02 * max(float(np.abs(y).max()), 1e-300), f"{yi:.2g}", ha="center", fontsize=8,
                rotation=90 if x.size > 12 else 0, va="bottom")
    ax.set_xticks(x, [f"{v:g}" for v in x], fontsize=8)
    ax.set_xlabel("x")
    ax.set_ylabel(f"{act.name}(x)" if which == "value" else f"{act.name}'(x)")
    ax.set_ylim(min(0.0, float(y.min()) * 1.2), float(y.max()) * 1.25 if y.max() > 0 else 1.0)
    ax.grid(alpha=0.25, axis="y")
    return fig


def coincidence_note(records: Sequence[Any], *, key: str = "weight_grad_norm", rtol: float = 0.01,
                     lang: str = "en") -> str:
    """A sentence naming the activations whose per-layer ``key`` agree within ``rtol`` on every
    layer (their lines lie on top of each other in :func:`gradient_norms`); "" if none."""
    pairs = _coinciding(records, key, rtol)
    if not pairs:
        return ""
    if lang == "ko":
        return "선이 겹치는 함수: " + ", ".join(f"{a}와 {b}" for a, b in pairs) + f"(층마다 {rtol:.0%} 이내로 같음)."
    return "Lines on top of each other: " + ", ".join(f"{a} and {b}" for a, b in pairs) + f" (within {rtol:.0%} on every layer)."


def gate_histograms(panels: Mapping[str, np.ndarray], *, title: str = "", bins: int = 30) -> Figure:
    """One histogram per gate, ``{label: values}``: sigmoid gates on [0, 1], the tanh
    candidates (labels ending in " g" for LSTM, " n" for GRU) on [-1, 1]; two panels per row
    or one row per model of four, so the text stays readable."""
    if not panels:
        raise ValueError("gate_histograms: no gates given")
    ncols = 4
    nrows = -(-len(panels) // ncols)
    fig = _figure(10.0, 2.7 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, (label, v) in zip(axes, panels.items()):
        tanh = label.endswith(" g") or label.endswith(" n")
        arr = np.asarray(v, dtype=np.float64).ravel()
        ax.hist(arr, bins=bins, range=(-1.0, 1.0) if tanh else (0.0, 1.0),
                color=palette.style("tanh" if tanh else "sigmoid").color)
        ax.set_title(f"{label} ({'tanh' if tanh else 'sigmoid'})\nmean {arr.mean():.2f}", fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.supxlabel("gate value", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _grouped(rows: Sequence[Mapping[str, Any]], group: str, series: str, value: str):
    groups = list(dict.fromkeys(r[group] for r in rows))
    names = list(dict.fromkeys(r[series] for r in rows))
    table = {(r[group], r[series]): float(r[value]) for r in rows}
    return groups, names, table


def accuracy_bars(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Max ULP error per function (``rows``: dicts with ``function``, ``implementation``,
    ``max_ulp``) as grouped bars on a log axis with a line at 1 ULP; an infinite error (a
    wrong 0, inf or NaN) is a capped bar labelled "wrong"."""
    if not rows:
        raise ValueError("accuracy_bars: no rows")
    groups, names, table = _grouped(rows, "function", "implementation", "max_ulp")
    finite = [v for v in table.values() if np.isfinite(v) and v > 0]
    cap = max(finite + [10.0]) * 30
    fig = _figure(8.0, 3.6)
    ax = fig.subplots()
    w = 0.8 / len(names)
    for j, n in enumerate(names):
        for i, g in enumerate(groups):
            if (g, n) not in table:
                continue
            v = table[g, n]
            h = cap if not np.isfinite(v) else max(v, 1e-3)
            ax.bar(i + (j - (len(names) - 1) / 2) * w, h, width=w, color=palette.style(n, j).color,
                   label=n if i == 0 else None, hatch="xx" if not np.isfinite(v) else None)
            ax.text(i + (j - (len(names) - 1) / 2) * w, h * 1.15, "wrong" if not np.isfinite(v) else f"{v:.2g}",
                    ha="center", fontsize=8, rotation=90, va="bottom")
    ax.set_yscale("log")
    ax.set_ylim(1e-1, cap * 200)
    ax.axhline(1.0, color="k", lw=1.0, ls="--")
    ax.text(len(groups) - 0.5, 1.1, "1 ULP", fontsize=8, ha="right", va="bottom")
    ax.set_xticks(range(len(groups)), groups, fontsize=9)
    ax.set_ylabel("max error (ULP, log)")
    ax.legend(fontsize=8, ncols=len(names), loc="upper left")
    ax.grid(alpha=0.25, axis="y")
    return fig


def speed_bars(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Time ratios (``rows``: dicts with ``function``, ``baseline``, ``ratio`` = actlab time /
    baseline time) as grouped bars with a line at 1 (below 1: actlab is faster)."""
    if not rows:
        raise ValueError("speed_bars: no rows")
    groups, names, table = _grouped(rows, "function", "baseline", "ratio")
    fig = _figure(8.0, 3.6)
    ax = fig.subplots()
    w = 0.8 / len(names)
    for j, n in enumerate(names):
        xs = [i + (j - (len(names) - 1) / 2) * w for i, g in enumerate(groups) if (g, n) in table]
        vs = [table[g, n] for g in groups if (g, n) in table]
        ax.bar(xs, vs, width=w, color=palette.style(n, j).color, label=f"÷ {n}")
        for x, v in zip(xs, vs):
            ax.text(x, v * 1.1, f"{v:.2g}", ha="center", fontsize=8, rotation=90, va="bottom")
    ax.set_yscale("log")
    ax.axhline(1.0, color="k", lw=1.0, ls="--")
    ax.set_xticks(range(len(groups)), groups, fontsize=9)
    ax.set_ylabel("time ratio (below 1 = actlab faster)")
    ax.legend(fontsize=8, ncols=len(names), loc="upper left")
    ax.grid(alpha=0.25, axis="y", which="both")
    top = max(table.values())
    ax.set_ylim(min(min(table.values()) / 3, 0.3), top * 20)
    return fig


def save(fig: Figure, path: str | Path, *, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path``; the suffix picks the format (``.png`` or ``.svg``)."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"save: unsupported file type {p.suffix!r} for {p.name}; use .png or .svg")
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, format=fmt, dpi=dpi, metadata={"Software": "actlab"} if fmt == "png" else None)
    return p
