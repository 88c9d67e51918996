"""The tour's training experiments: dead ReLUs during training and LSTM / GRU gate saturation.

Like :mod:`actlab.analysis.experiments`, every function takes the run's
:class:`~actlab.analysis.experiments.Settings` and returns a frozen dataclass of what it
measured; :mod:`actlab.analysis.tour` renders it.

May import: NumPy, :mod:`actlab.nn`, :mod:`actlab.models`, :mod:`actlab.datasets` and the
analysis modules :mod:`.vanishing` and :mod:`.experiments` (its settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .. import datasets, nn
from ..models import SequenceRegressor
from . import vanishing
from .experiments import Settings

__all__ = ["DeadReluRun", "DeadReluResult", "dead_relu", "GateModel", "GatesResult", "gates"]


# ------------------------------------------------------------------------------ dead ReLUs
@dataclass(frozen=True)
class DeadReluRun:
    """One training run: the share of dead hidden units before and after, and the loss per step."""

    bias: float
    activation: str
    dead_at_init: float
    dead_after: float
    losses: tuple[float, ...]


@dataclass(frozen=True)
class DeadReluResult:
    """relu and leaky_relu MLPs trained from hidden biases swept over :attr:`biases`."""

    depth: int
    width: int
    steps: int
    lr: float
    samples: int
    biases: tuple[float, ...]
    runs: tuple[DeadReluRun, ...]

    def run(self, bias: float, activation: str) -> DeadReluRun:
        """The run of ``activation`` from hidden bias ``bias``."""
        return next(r for r in self.runs if r.bias == bias and r.activation == activation)

    def dead_after(self, activation: str) -> list[float]:
        """Share of dead units after training, per bias (in :attr:`biases` order)."""
        return [self.run(b, activation).dead_after for b in self.biases]

    @property
    def dead_at_init(self) -> list[float]:
        """Share of dead units at init, per bias (the same weights for both activations)."""
        return [self.run(b, "relu").dead_at_init for b in self.biases]


def dead_relu(settings: Settings) -> DeadReluResult:
    """Train 2 x 32 He-initialised MLPs with full-batch Adam from hidden biases 0 ... -4."""
    steps, lr, depth, width = (30 if settings.quick else 150), 0.01, 2, 32
    biases = (0.0, -2.0, -4.0) if settings.quick else (0.0, -1.0, -2.0, -3.0, -4.0)
    x, y = vanishing.default_data("breast_cancer", rng=settings.rng(5))
    runs = []
    for bias in biases:
        for act in ("relu", "leaky_relu"):
            # the same initial weights for both activations (same rng stream): only the slope differs
            model = vanishing.build_mlp(depth, width, act, in_features=x.shape[1], init="he", bias=bias,
                                        rng=settings.rng(51))
            recs = vanishing.track(model, x, y, nn.optim.Adam(model, lr=lr), steps)
            hidden = [r for r in recs if r.activation != "output"]
            d0 = float(np.mean([r.inactive_share for r in hidden if r.step == 0]))
            d1 = float(np.mean([r.inactive_share for r in hidden if r.step == steps]))
            runs.append(DeadReluRun(bias, act, d0, d1, tuple(r.loss for r in recs if r.layer == 1)))
    return DeadReluResult(depth, width, steps, lr, len(x), biases, tuple(runs))


# ------------------------------------------------------------------------------ gates
@dataclass(frozen=True)
class GateModel:
    """One trained recurrent model: its test MSE, every gate's saturation and values."""

    model: str
    test_mse: float
    gates: tuple[vanishing.GateRecord, ...]
    values: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class GatesResult:
    """LSTM and GRU trained on the adding problem with ``steps`` time steps."""

    steps: int
    test_sequences: int
    baseline_mse: float
    models: tuple[GateModel, ...]


def gates(settings: Settings) -> GatesResult:
    """Train an LSTM and a GRU regressor, then measure their gates on the held-out quarter."""
    n, T, epochs, hidden = (96, 10, 2, 8) if settings.quick else (2000, 20, 30, 32)
    X, y = datasets.adding_problem(n, T, rng=settings.rng(7), return_X_y=True)
    ntr = n * 3 // 4
    Xtr, ytr, Xte, yte = X[:ntr], y[:ntr], X[ntr:], y[ntr:]
    models = []
    for cell in ("lstm", "gru"):
        est = SequenceRegressor(cell=cell, hidden_size=hidden, epochs=epochs, learning_rate_init=0.01,
                                random_state=settings.seed).fit(Xtr, ytr)
        mse = float(np.mean((est.predict(Xte).ravel() - yte.ravel()) ** 2))
        rnn = est.rnn_
        rnn.forward(np.asarray(Xte, dtype=rnn.dtype))  # the held-out sequences, batch first
        records = tuple(vanishing.gate_saturation(rnn))
        first = rnn.last_gates[0]
        values = {g: first[g] for g in ("ifgo" if cell == "lstm" else "rzn")}
        models.append(GateModel(cell.upper(), mse, records, values))
    return GatesResult(T, len(Xte), float(np.mean((yte - np.mean(ytr)) ** 2)), tuple(models))
