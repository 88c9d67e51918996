"""Vanishing gradients, saturated and dead units -- measured, layer by layer.

The analyzer runs one forward and one backward pass through any ``nn.Sequential`` (layer by
layer, so nothing is recomputed) and returns one :class:`LayerRecord` per weight layer:

==================  ==========================================================================
``layer``           1-based index of the weight (Linear) layer, input side first
``activation``      the activation applied after it (``"output"`` for the last one)
``weight_grad_norm`` Frobenius norm of ``d loss / d W``
``act_grad_norm``   norm of ``d loss / d h`` (``h`` = the layer's activation output)
``preact_grad_norm`` norm of ``d loss / d z`` (``z`` = ``x W^T + b``)
``preact_mean/std`` mean and standard deviation of ``z`` over batch and units
``saturated_share`` share of entries with ``|f'(z)| < 1% of max |f'|``
``dead_share``      share of units with ``f'(z) = 0`` for *every* sample (dead ReLUs)
``inactive_share``  share of units with ``z <= 0`` for every sample (dead for ReLU; a leaky
                    ReLU unit there still learns through its small slope)
==================  ==========================================================================

Slopes come from the core's ``act.grad`` (tail-exact: a slope of 1e-20 is 1e-20, not 0).
:func:`track` records the same over training steps; :func:`run_comparison` compares
activations on one architecture (a :class:`Comparison`); :func:`gate_saturation` measures the
gates of ``nn.LSTM`` / ``nn.GRU`` (one :class:`GateRecord` per gate).  Records are frozen
dataclasses; ``record["field"]`` reads a field too (they were dicts before).

>>> import numpy as np
>>> from actlab.analysis import vanishing
>>> x, y = vanishing.default_data("random", n=8, rng=np.random.default_rng(0))
>>> x.shape, y.shape
((8, 30), (8, 1))

With ``actlab.nn``: ``vanishing.compare(["sigmoid", "relu"], depth=10, width=32, x=x, target=y,
rng=rng)`` gives sigmoid's first-layer gradient ~1e-7 of the last layer's, relu's ~1.

May import: NumPy, :mod:`actlab.activations`, :mod:`actlab.nn` and :mod:`actlab.datasets`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ._model import activation_of, layers

__all__ = [
    "LayerRecord", "Summary", "Comparison", "GateRecord",
    "build_mlp", "default_data", "analyze", "track", "compare", "run_comparison", "summarize",
    "gate_saturation", "slope_bound", "SATURATION_LEVEL",
]

#: A unit is saturated when ``|f'(z)| < SATURATION_LEVEL * max |f'|``.
SATURATION_LEVEL = 0.01

_INITS = ("xavier", "he", "torch")


class _FieldAccess:
    """``record["name"]`` reads ``record.name`` (the records were plain dicts before)."""

    def __getitem__(self, name: str) -> Any:
        if name not in {f.name for f in fields(self)}:  # type: ignore[arg-type]
            raise KeyError(name)
        return getattr(self, name)


@dataclass(frozen=True)
class LayerRecord(_FieldAccess):
    """What one forward/backward pass measured at one weight layer (see the module docstring).

    ``step`` is set by :func:`track`, ``depth`` and ``init`` by :func:`compare`; the shares
    are NaN where they do not apply (the output layer, axis activations).
    """

    layer: int
    activation: str
    weight_grad_norm: float
    bias_grad_norm: float
    preact_grad_norm: float
    act_grad_norm: float
    preact_mean: float
    preact_std: float
    saturated_share: float
    dead_share: float
    inactive_share: float
    loss: float
    step: int | None = None
    depth: int | None = None
    init: str | None = None


@dataclass(frozen=True)
class Summary(_FieldAccess):
    """Hidden-layer means of one model's records (:func:`summarize`)."""

    saturated_share: float
    dead_share: float
    first_grad: float
    last_grad: float
    first_over_last: float


@dataclass(frozen=True)
class Comparison:
    """One architecture analysed with several activations, same initial weights and data.

    ``summaries`` maps each activation name (in :attr:`activations` order) to its
    :class:`Summary`; ``slope_envelope`` is ``0.25 ** depth``, what sigmoid's slopes alone do
    to a gradient across the hidden layers.
    """

    activations: tuple[str, ...]
    depth: int
    width: int
    init: str
    records: tuple[LayerRecord, ...]
    summaries: Mapping[str, Summary]

    @property
    def slope_envelope(self) -> float:
        """``0.25 ** depth``: sigmoid's largest slope, once per hidden layer."""
        return 0.25**self.depth

    def of(self, activation: str) -> tuple[LayerRecord, ...]:
        """The records of one activation's model, input side first."""
        return tuple(sorted((r for r in self.records if r.activation == activation), key=lambda r: r.layer))


@dataclass(frozen=True)
class GateRecord(_FieldAccess):
    """Saturation of one gate of a recurrent module's last forward (:func:`gate_saturation`)."""

    model: str
    layer: int
    gate: str
    activation: str
    saturated_share: float
    mean: float
    near_low: float
    near_high: float
    preact_mean: float
    preact_std: float


def _nn():
    from .. import nn

    return nn


def build_mlp(
    depth: int,
    width: int,
    activation: str,
    *,
    in_features: int,
    out_features: int = 1,
    init: str = "xavier",
    bias: float = 0.0,
    rng: np.random.Generator,
) -> Any:
    """A depth-``depth`` MLP: ``depth`` hidden ``Linear -> activation`` blocks and a Linear head.

    Parameters
    ----------
    init : {"xavier", "he", "torch"}
        Xavier/Glorot normal, He/Kaiming normal (fan-in, ReLU gain) or PyTorch's default
        uniform init of ``nn.Linear``.
    bias : float
        Constant every hidden bias starts at (a large negative value kills ReLUs).
    rng : numpy.random.Generator
        Source of the weights.
    """
    if depth < 1 or width < 1 or in_features < 1 or out_features < 1:
        raise ValueError(f"build_mlp: depth, width and sizes must be positive, got depth={depth}, width={width}")
    if init not in _INITS:
        raise ValueError(f"build_mlp: unknown init {init!r}; choose from {', '.join(_INITS)}")
    nn = _nn()
    mods: list[Any] = []
    sizes = [in_features] + [width] * depth
    for i in range(depth):
        lin = nn.Linear(sizes[i], sizes[i + 1], rng=rng)
        _init_linear(lin, init, rng)
        lin.params["bias"][...] = bias
        mods += [lin, nn.activation_layer(activation)]
    head = nn.Linear(width, out_features, rng=rng)
    _init_linear(head, init, rng)
    mods.append(head)
    return nn.Sequential(*mods)


def _init_linear(lin: Any, init: str, rng: np.random.Generator) -> None:
    if init == "torch":
        return  # nn.Linear's own default (PyTorch's kaiming_uniform(a=sqrt(5)))
    from ..nn import init as nninit

    w = lin.params["weight"]
    if init == "xavier":
        w[...] = nninit.xavier_normal(w.shape, rng=rng)
    else:
        w[...] = nninit.kaiming_normal(w.shape, rng=rng)
    lin.params["bias"][...] = 0.0


def default_data(name: str = "breast_cancer", *, n: int = 256, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and 0/1 targets for the experiments.

    ``"breast_cancer"``: the bundled real data set, standardised (569 x 30);
    ``"random"``: ``n`` standard-normal 30-feature rows with random 0/1 labels.
    Targets have shape ``(n, 1)`` (float64), ready for ``BCEWithLogitsLoss``.
    """
    if name == "breast_cancer":
        from .. import datasets

        ds = datasets.breast_cancer()
        x, y = (ds[0], ds[1]) if isinstance(ds, tuple) else (ds.data, ds.target)
        x = np.asarray(x, dtype=np.float64)
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        return x, np.asarray(y, dtype=np.float64).reshape(-1, 1)
    if name == "random":
        x = rng.standard_normal((n, 30))
        return x, rng.integers(0, 2, size=(n, 1)).astype(np.float64)
    raise ValueError(f"default_data: unknown data set {name!r}; choose breast_cancer or random")


def _weight_layers(model: Any) -> list[tuple[int, Any, Any]]:
    """``(index, linear layer, following activation layer or None)`` for each weight layer."""
    mods = layers(model)
    out = []
    for i, m in enumerate(mods):
        if "weight" in getattr(m, "params", {}):
            nxt = mods[i + 1] if i + 1 < len(mods) and activation_of(mods[i + 1]) is not None else None
            out.append((i, m, nxt))
    if not out:
        raise ValueError("analyze: the model has no layer with a 'weight' parameter")
    return out


def _norm(a: Any) -> float:
    return float(np.sqrt(np.sum(np.square(np.asarray(a, dtype=np.float64)))))


def _slope_stats(act_layer: Any, z: np.ndarray) -> tuple[str, float, float]:
    act, kw = activation_of(act_layer)  # type: ignore[misc]
    if not hasattr(act, "grad"):  # softmax-like: no elementwise slope
        return act.name, float("nan"), float("nan")
    slope = np.abs(np.asarray(act.grad(z, **kw), dtype=np.float64))
    peak = act.max_grad if np.isfinite(act.max_grad) and act.max_grad > 0 else float(slope.max(initial=0.0))
    saturated = float(np.mean(slope < SATURATION_LEVEL * peak)) if peak > 0 else 1.0
    z2 = slope.reshape(-1, slope.shape[-1])
    dead = float(np.mean(np.all(z2 == 0.0, axis=0)))
    return act.name, saturated, dead


def _forward_backward(mods: list[Any], crit: Any, x: Any, target: Any) -> tuple[list[Any], list[Any], float]:
    """Every layer's output, every layer's output gradient and the loss value of one pass."""
    h = np.asarray(x, dtype=np.float64)
    outs = []
    for m in mods:
        h = m.forward(h)
        outs.append(h)
    value = float(crit.forward(h, np.asarray(target)))
    d = crit.backward()
    dout: list[Any] = [None] * len(mods)
    for i in range(len(mods) - 1, -1, -1):
        dout[i] = d
        d = mods[i].backward(d)
    return outs, dout, value


def analyze(model: Any, x: Any, target: Any, loss: Any = None, *, step: int | None = None) -> list[LayerRecord]:
    """One forward/backward pass; one :class:`LayerRecord` per weight layer.

    Parameters
    ----------
    model : nn.Sequential
        Any stack of layers with ``forward``/``backward``; weight layers are those with a
        ``"weight"`` parameter.  Its gradients are zeroed first and hold this pass's
        gradients afterwards.
    x, target : array_like
        Batch and targets for ``loss``; never modified.
    loss : loss object, optional
        Default ``nn.BCEWithLogitsLoss()``.
    step : int, optional
        Stored in every record (used by :func:`track`).
    """
    nn = _nn()
    crit = nn.BCEWithLogitsLoss() if loss is None else loss
    mods = layers(model)
    wl = _weight_layers(model)
    if hasattr(model, "zero_grad"):
        model.zero_grad()
    else:
        for m in mods:
            for g in getattr(m, "grads", {}).values():
                g[...] = 0.0
    outs, dout, value = _forward_backward(mods, crit, x, target)
    recs = []
    for k, (i, lin, act_layer) in enumerate(wl, start=1):
        z = np.asarray(outs[i], dtype=np.float64)
        name, sat, dead = ("output", float("nan"), float("nan")) if act_layer is None else _slope_stats(act_layer, z)
        recs.append(LayerRecord(
            layer=k,
            activation=name,
            weight_grad_norm=_norm(lin.grads["weight"]),
            bias_grad_norm=_norm(lin.grads["bias"]) if "bias" in lin.grads else float("nan"),
            preact_grad_norm=_norm(dout[i]),
            act_grad_norm=_norm(dout[i] if act_layer is None else dout[i + 1]),
            preact_mean=float(z.mean()),
            preact_std=float(z.std()),
            saturated_share=sat,
            dead_share=dead,
            inactive_share=float(np.mean(np.all(z.reshape(-1, z.shape[-1]) <= 0.0, axis=0))),
            loss=value,
            step=step,
        ))
    return recs


def track(
    model: Any,
    x: Any,
    target: Any,
    optimizer: Any,
    steps: int,
    *,
    loss: Any = None,
    every: int = 1,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
) -> list[LayerRecord]:
    """Train ``steps`` optimizer steps, recording :func:`analyze` every ``every`` steps.

    With ``batch_size`` the batches are drawn from ``rng`` (required then); otherwise every
    step uses the whole ``x``.  Records carry ``step`` (0 = before the first update).
    """
    if steps < 0 or every < 1:
        raise ValueError("track: steps must be >= 0 and every >= 1")
    if batch_size is not None and rng is None:
        raise ValueError("track: batch_size needs rng (a numpy.random.Generator)")
    xa, ta = np.asarray(x), np.asarray(target)
    out: list[LayerRecord] = []
    for s in range(steps + 1):
        if batch_size is not None:
            idx = rng.choice(len(xa), size=min(batch_size, len(xa)), replace=False)  # type: ignore[union-attr]
            xb, tb = xa[idx], ta[idx]
        else:
            xb, tb = xa, ta
        recs = analyze(model, xb, tb, loss, step=s)
        if s % every == 0 or s == steps:
            out += recs
        if s < steps:
            optimizer.step()
    return out


def run_comparison(
    activations: Sequence[str],
    *,
    depth: int = 10,
    width: int = 64,
    init: str = "xavier",
    x: Any,
    target: Any,
    rng: np.random.Generator,
    loss: Any = None,
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    """:func:`analyze` an MLP per activation, all from the same initial weights.

    Every record carries ``activation`` = the hidden activation of its model (the output
    layer too), ``depth`` and ``init``.  ``progress(name)`` is called after each model.
    """
    seed = int(rng.integers(2**63))
    xa = np.asarray(x, dtype=np.float64)
    n_out = np.asarray(target).reshape(len(xa), -1).shape[1]
    recs: list[LayerRecord] = []
    names: list[str] = []
    for name in activations:
        model = build_mlp(depth, width, name, in_features=xa.shape[1], out_features=n_out,
                          init=init, rng=np.random.default_rng(seed))
        rows = analyze(model, xa, target, loss)
        names.append(rows[0].activation)
        recs += [replace(r, activation=names[-1], depth=depth, init=init) for r in rows]
        if progress is not None:
            progress(name)
    summaries = {a: summarize([r for r in recs if r.activation == a]) for a in dict.fromkeys(names)}
    return Comparison(tuple(dict.fromkeys(names)), depth, width, init, tuple(recs), summaries)


def compare(
    activations: Sequence[str],
    *,
    depth: int = 10,
    width: int = 64,
    init: str = "xavier",
    x: Any,
    target: Any,
    rng: np.random.Generator,
    loss: Any = None,
) -> list[LayerRecord]:
    """The records of :func:`run_comparison`: one MLP per activation, same initial weights.

    Every record carries ``activation`` = the hidden activation of its model (the output
    layer too), so the rows group by model.
    """
    return list(run_comparison(activations, depth=depth, width=width, init=init, x=x, target=target,
                               rng=rng, loss=loss).records)


def summarize(records: Sequence[LayerRecord]) -> Summary:
    """Hidden-layer means of saturated / dead shares and first/last weight-gradient ratio."""
    rows = sorted(records, key=lambda r: r.layer)
    if not rows:
        raise ValueError("summarize: no records")
    hidden = rows[:-1] if len(rows) > 1 else rows
    sat = [r.saturated_share for r in hidden if np.isfinite(r.saturated_share)]
    dead = [r.dead_share for r in hidden if np.isfinite(r.dead_share)]
    last = rows[-1].weight_grad_norm
    return Summary(
        saturated_share=float(np.mean(sat)) if sat else float("nan"),
        dead_share=float(np.mean(dead)) if dead else float("nan"),
        first_grad=float(rows[0].weight_grad_norm),
        last_grad=float(last),
        first_over_last=float(rows[0].weight_grad_norm / last) if last > 0 else float("nan"),
    )


def slope_bound(model: Any, x: Any, out_grad_norm: float, max_grad: float = 0.25) -> float:
    """Upper bound on ``||d loss / d W_1||``: ``max_grad^L * ||x||_2 * ||g_out|| * prod ||W_k||_2``.

    ``L`` is the number of hidden activations, ``g_out`` the loss gradient at the output and
    ``W_k`` the weights after the first layer (spectral norms).  With sigmoid (``max_grad =
    0.25``) this is the 0.25^L law made rigorous: ``delta_l = (delta_{l+1} W_{l+1}) * f'(z_l)``.
    """
    wl = _weight_layers(model)
    depth = sum(1 for _, _, a in wl if a is not None)
    spec = [float(np.linalg.norm(np.asarray(lin.params["weight"], dtype=np.float64), 2)) for _, lin, _ in wl[1:]]
    xn = float(np.linalg.norm(np.asarray(x, dtype=np.float64), 2))
    return float(max_grad**depth * xn * out_grad_norm * np.prod(spec))


def gate_saturation(rnn: Any, *, level: float = SATURATION_LEVEL) -> list[GateRecord]:
    """Saturation of each gate of the last forward pass of an ``nn.LSTM`` / ``nn.GRU``.

    Sigmoid gates (LSTM i, f, o; GRU r, z) and the tanh candidate (LSTM g, GRU n) count as
    saturated where ``|f'| < level * max |f'|``; the record also gives the mean gate value
    and the shares near 0 and near 1 (below 0.01 / above 0.99 for sigmoid gates).

    Returns one :class:`GateRecord` per (layer, gate); its ``model`` is the module's class
    name (``"LSTM"``, ``"GRU"``).
    """
    gates = _gates_of(rnn)
    from .. import activations as A

    out = []
    for (layer, gate), pre in gates.items():
        act = A.tanh if gate in ("g", "n") else A.sigmoid
        z = np.asarray(pre, dtype=np.float64)
        slope = np.abs(np.asarray(act.grad(z)))
        val = np.asarray(act(z))
        out.append(GateRecord(
            model=type(rnn).__name__, layer=layer, gate=gate, activation=act.name,
            saturated_share=float(np.mean(slope < level * act.max_grad)),
            mean=float(val.mean()),
            near_low=float(np.mean(val < (-0.99 if act.name == "tanh" else 0.01))),
            near_high=float(np.mean(val > 0.99)),
            preact_mean=float(z.mean()), preact_std=float(z.std()),
        ))
    return out


def _gates_of(rnn: Any) -> dict[tuple[int, str], np.ndarray]:
    """``{(layer, gate letter): pre-activations}`` from the module's last forward."""
    raw = getattr(rnn, "gate_preactivations", None) or getattr(rnn, "gates", None)
    if raw is None:
        raise TypeError(f"gate_saturation: {type(rnn).__name__} exposes no gates of its last forward "
                        "(expected an nn.LSTM or nn.GRU after forward)")
    return raw
