"""One lab session (one browser tab): data, an ``actlab.nn`` network, its optimizer, and the
measurements streamed to the page.

Everything is actlab's own: the network is ``nn.Sequential`` of ``nn.Linear`` and the
activation layers of :func:`actlab.nn.activation_layer`, the loss and output head come from
the recommender (:func:`actlab.analysis.recommend.recommend`) for the task the labels imply,
the per-layer gradient norms and dead / saturated shares from
:func:`actlab.analysis.vanishing.analyze`.  A :class:`~.schema.Config` fixes every random
stream (data, split, weights, mini-batches), so the same config replays the same run.

May import: NumPy, :mod:`actlab.nn`, :mod:`actlab.datasets`, :mod:`actlab.analysis` and
:mod:`.schema`, :mod:`.export`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import datasets, nn
from ..activations.base import get
from ..analysis import vanishing
from ..analysis._model import layers as _layers
from ..analysis.recommend import recommend
from ..nn import init as nninit
from .schema import LIMITS, Config

__all__ = ["Session", "Data", "parse_csv", "GRID"]

#: Cells per side of the decision-boundary heat map.
GRID = 64


@dataclass(frozen=True)
class Data:
    """Points (n, 2), targets, the task ("binary", "multiclass", "regression") and class names."""

    X: np.ndarray
    y: np.ndarray
    task: str
    classes: tuple[str, ...] = ()


def _number(text: str, row: int, col: int) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"row {row}, column {col}: {text.strip()[:20]!r} is not a number") from None
    if not np.isfinite(v):
        raise ValueError(f"row {row}, column {col}: {text.strip()!r} is not a finite number")
    return v


def parse_csv(text: str) -> Data:
    """Two numeric feature columns and a label column (an optional header row first)."""
    if len(text.encode("utf-8")) > LIMITS["upload_bytes"]:
        raise ValueError(f"the file is larger than {LIMITS['upload_bytes'] // 1000} kB")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]  # a header
    if len(rows) < 4:
        raise ValueError(f"need at least 4 data rows (two numeric features and a label), got {len(rows)}")
    if len(rows) > LIMITS["points"]:
        raise ValueError(f"at most {LIMITS['points']} rows, got {len(rows)}")
    feats, labels = [], []
    for i, r in enumerate(rows, start=1):
        if len(r) != 3:
            raise ValueError(f"row {i}: expected 3 columns (x1, x2, label), got {len(r)}")
        feats.append((_number(r[0], i, 1), _number(r[1], i, 2)))
        labels.append(r[2].strip())
    X = np.array(feats, dtype=np.float64)
    numeric = all(_is_number(v) for v in labels)
    values = np.array([float(v) for v in labels]) if numeric else None
    distinct = sorted(set(labels), key=(float if numeric else str))
    if values is not None and (len(distinct) > 10 or np.any(values != np.round(values))):
        if not np.all(np.isfinite(values)):
            raise ValueError("the label column has a non-finite number")
        return Data(X, values, "regression")
    if len(distinct) < 2:
        raise ValueError(f"the label column has one class only ({distinct[0]!r}): nothing to separate")
    if len(distinct) > 10:
        raise ValueError(f"at most 10 classes, got {len(distinct)}")
    index = {c: k for k, c in enumerate(distinct)}
    y = np.array([index[v] for v in labels], dtype=np.int64)
    return Data(X, y, "binary" if len(distinct) == 2 else "multiclass", tuple(distinct))


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


class Session:
    """A playground run: :meth:`configure`, :meth:`step`, :meth:`frame`, :meth:`sweep`."""

    def __init__(self, config: Config | None = None) -> None:
        self.upload: Data | None = None
        self.configure(config or Config())

    # ------------------------------------------------------------------ set-up
    def set_upload(self, text: str) -> None:
        """Use the CSV ``text`` as the data (an error leaves the session as it was)."""
        data = parse_csv(text)
        self.upload = data
        self.configure(self.config.model_copy(update={"dataset": "upload"}))

    def configure(self, config: Config) -> None:
        """(Re)build data, network and optimizer from ``config``; the step count starts at 0."""
        if config.dataset == "upload" and self.upload is None:
            raise ValueError("dataset 'upload': upload a CSV file first")
        self.config = c = config
        data = self.upload if c.dataset == "upload" else self._toy(c)
        rng = np.random.default_rng([c.seed, 1])
        order = rng.permutation(len(data.X))
        ntr = min(max(2, int(round(len(order) * c.train_share))), len(order) - 1)
        self.data = data
        self.train, self.test = order[:ntr], order[ntr:]
        lo, hi = data.X.min(axis=0), data.X.max(axis=0)
        pad = 0.05 * np.maximum(hi - lo, 1e-9)
        self.bounds = (lo - pad, hi + pad)
        self.mu = data.X[self.train].mean(axis=0)
        self.sd = data.X[self.train].std(axis=0) + 1e-12
        self.inputs = (data.X - self.mu) / self.sd
        self.rec = recommend(data.task)
        self.n_out = len(data.classes) if data.task == "multiclass" else 1
        self.loss = getattr(nn, self.rec.actlab_loss.rsplit(".", 1)[-1])()
        self.targets = self._targets(data)
        self.model = self._build(c, np.random.default_rng([c.seed, 2]))
        self.optimizer = self._optimizer(c)
        self.batches = np.random.default_rng([c.seed, 3])
        self._queue: list[int] = []
        self.steps = 0
        self.history: list[tuple[int, float, float]] = []

    @staticmethod
    def _toy(c: Config) -> Data:
        X, y = datasets.playground(c.dataset, c.points, noise=c.noise, rng=np.random.default_rng([c.seed, 0]),
                                   return_X_y=True)
        return Data(X, y, "binary", ("0", "1"))

    def _targets(self, data: Data) -> np.ndarray:
        if data.task == "multiclass":
            return data.y
        return data.y.astype(np.float64).reshape(-1, 1)

    def _build(self, c: Config, rng: np.random.Generator) -> Any:
        mods: list[Any] = []
        sizes = [2] + [c.width] * len(c.layers) + [self.n_out]
        init = {"xavier": "xavier_normal", "he": "kaiming_normal"}.get(
            c.init, lambda shape, rng: nninit.normal(shape, std=c.init_std, rng=rng))
        for i in range(len(sizes) - 1):
            mods.append(nn.Linear(sizes[i], sizes[i + 1], rng=rng, init=init))  # biases start at 0
            if i < len(c.layers):
                spec = c.layers[i]
                mods.append(nn.activation_layer(spec.activation, **spec.params))
        return nn.Sequential(*mods)

    def _optimizer(self, c: Config) -> Any:
        if c.optimizer == "adam":
            return nn.optim.Adam(self.model, lr=c.lr, weight_decay=c.l2)
        return nn.optim.SGD(self.model, lr=c.lr, momentum=0.9 if c.optimizer == "momentum" else 0.0,
                            weight_decay=c.l2)

    # ------------------------------------------------------------------ training
    def _batch(self) -> np.ndarray:
        b = min(self.config.batch_size, len(self.train))
        if len(self._queue) < b:
            self._queue += list(self.batches.permutation(self.train))
        idx, self._queue = self._queue[:b], self._queue[b:]
        return np.asarray(idx)

    def step(self, count: int = 1) -> None:
        """``count`` mini-batch updates."""
        for _ in range(count):
            idx = self._batch()
            self.model.zero_grad()
            out = self.model.forward(self.inputs[idx])
            self.loss.forward(out, self.targets[idx])
            self.model.backward(self.loss.backward())
            self.optimizer.step()
            self.steps += 1

    def _loss_on(self, idx: np.ndarray) -> float:
        return float(self.loss.forward(self.model.forward(self.inputs[idx]), self.targets[idx]))

    # ------------------------------------------------------------------ measuring
    def frame(self, points: bool = False) -> dict[str, Any]:
        """What the page draws now: losses, per-layer gradients, dead / saturated shares,
        activation histograms and the decision boundary (``points``: the data too)."""
        recs = vanishing.analyze(self.model, self.inputs[self.train], self.targets[self.train], self.loss)
        hidden = recs[:-1]
        grads = [r.weight_grad_norm for r in recs]
        last = grads[len(hidden) - 1]
        envelope = [last * 0.25 ** (len(hidden) - 1 - i) for i in range(len(hidden))]
        train_loss, test_loss = recs[0].loss, self._loss_on(self.test)
        if not self.history or self.history[-1][0] != self.steps:
            self.history.append((self.steps, train_loss, test_loss))
        out: dict[str, Any] = {
            "type": "frame", "steps": self.steps, "train_loss": train_loss, "test_loss": test_loss,
            "history": self.history[-400:], "grad_norms": grads, "envelope": envelope,
            "dead": [r.dead_share for r in hidden], "saturated": [r.saturated_share for r in hidden],
            "activations": [r.activation for r in hidden], "histograms": self._histograms(),
            "boundary": self._boundary(), "task": self.data.task, "loss_name": self.rec.loss,
            "output": self.rec.output,
        }
        if points:
            out["points"] = {"x": self.data.X.tolist(), "y": self.data.y.tolist(),
                             "train": self.train.tolist(), "classes": list(self.data.classes)}
        return clean(out)

    def _histograms(self, bins: int = 24) -> list[dict[str, Any]]:
        h = self.inputs[self.train]
        hists = []
        for m in _layers(self.model):
            h = m.forward(h)
            if not isinstance(m, nn.Linear):
                v = np.asarray(h, dtype=np.float64).ravel()
                lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
                hi = hi if hi > lo else lo + 1.0
                counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
                hists.append({"counts": counts.tolist(), "lo": lo, "hi": hi})
        return hists

    def _boundary(self) -> dict[str, Any]:
        (x0, y0), (x1, y1) = self.bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y1, y0, GRID))
        grid = (np.stack([gx.ravel(), gy.ravel()], axis=1) - self.mu) / self.sd
        z = np.asarray(self.model.forward(grid), dtype=np.float64)
        if self.data.task == "binary":
            values = get("sigmoid")(z[:, 0])
        elif self.data.task == "multiclass":
            values = np.argmax(z, axis=1).astype(np.float64)
        else:
            values = z[:, 0]
        return {"n": GRID, "x": [float(x0), float(x1)], "y": [float(y0), float(y1)],
                "values": np.round(values, 4).tolist()}

    def sweep(self, depths: range = range(1, LIMITS["layers"] + 1)) -> dict[str, Any]:
        """Vanishing gradients per depth: after one backward pass, the first layer's gradient
        norm over the last hidden layer's, per depth and activation (this network's, sigmoid,
        relu), same data and init; beside it the slope-only envelope 0.25^(depth-1)."""
        from .schema import LayerSpec

        specs = {s.activation: s for s in self.config.layers}
        for name in ("sigmoid", "relu"):
            specs.setdefault(name, LayerSpec(activation=name))
        x, t = self.inputs[self.train], self.targets[self.train]
        series = {}
        for name, spec in specs.items():
            vals = []
            for d in depths:
                c = self.config.model_copy(update={"layers": [spec] * d})
                recs = vanishing.analyze(self._build(c, np.random.default_rng([c.seed, 4])), x, t, self.loss)
                vals.append(recs[0].weight_grad_norm / recs[d - 1].weight_grad_norm)
            series[name] = vals
        return clean({"type": "sweep", "depths": list(depths), "series": series,
                      "envelope": [0.25 ** (d - 1) for d in depths]})


def clean(v: Any) -> Any:
    """``v`` with NumPy numbers made Python numbers and non-finite floats made None (JSON
    has no NaN or inf: a diverged loss reaches the page as null)."""
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if np.isfinite(f) else None
    if isinstance(v, np.integer):
        return int(v)
    return v
