"""The tour's "why trust these numbers" experiment: accuracy and speed, measured in the run.

Accuracy: the largest error in ULPs (units in the last place of float64) of sigmoid, its
derivative and log_sigmoid over the whole float64 range, against the mpmath references of
:mod:`.mpref`, for the textbook NumPy formulas, SciPy, torch (when installed) and actlab.
Speed: the time of actlab's sigmoid and tanh ufuncs as a ratio to copying the same bytes
(memcpy), the NumPy formula, SciPy and torch, measured round-robin in one process run
(:func:`actlab._kernels.bench.ratios`).

>>> r = trust(Settings(quick=True), speed=False)
>>> r.max_ulp("actlab", "sigmoid", 0) <= 1.0
True

May import: NumPy, SciPy, :mod:`actlab.activations`, :mod:`actlab._kernels` and
:mod:`.mpref`, :mod:`.experiments` (its :class:`Settings`); torch only if installed.
"""

from __future__ import annotations

import math
import platform
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..activations.base import get
from . import mpref
from .experiments import Settings

__all__ = ["AccuracyRow", "SpeedRow", "TrustResult", "trust", "FUNCTIONS", "IMPLEMENTATIONS", "TEXTBOOK_GRADS"]

#: (function, derivative order) measured for accuracy.
FUNCTIONS: tuple[tuple[str, int], ...] = (("sigmoid", 0), ("sigmoid", 1), ("log_sigmoid", 0))
#: The implementations compared, in the order they are shown.
IMPLEMENTATIONS = ("numpy", "scipy", "torch", "actlab")


@dataclass(frozen=True)
class AccuracyRow:
    """Max ULP error of one implementation of one function (``inf``: a wrong 0, inf or NaN)."""

    function: str
    order: int
    implementation: str
    formula: str
    max_ulp: float
    worst_x: float


@dataclass(frozen=True)
class SpeedRow:
    """actlab's time divided by the other's (below 1: actlab is faster)."""

    function: str
    dtype: str
    n: int
    baseline: str
    ratio: float


@dataclass(frozen=True)
class TrustResult:
    """What :func:`trust` measured, and where."""

    points: int
    accuracy: tuple[AccuracyRow, ...]
    speed: tuple[SpeedRow, ...]
    isa: str
    machine: str
    torch_version: str | None

    def max_ulp(self, implementation: str, function: str, order: int = 0) -> float:
        """The measured maximum of one cell (``nan`` if that implementation was not run)."""
        for r in self.accuracy:
            if (r.implementation, r.function, r.order) == (implementation, function, order):
                return r.max_ulp
        return math.nan

    def ratio(self, function: str, baseline: str, dtype: str = "float32") -> float:
        """actlab time / ``baseline`` time (``nan`` if not measured)."""
        for r in self.speed:
            if (r.function, r.baseline, r.dtype) == (function, baseline, dtype):
                return r.ratio
        return math.nan


def _sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


#: The textbook derivative formulas, evaluated naively in float64 (what a learner writes
#: first): name -> (formula, f'(x)).  They lose the tails that actlab keeps; the lab's tail
#: view and the accuracy comparison show them side by side.
TEXTBOOK_GRADS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "sigmoid": ("σ(x)(1 − σ(x))", lambda x: _sig(x) * (1.0 - _sig(x))),
    "tanh": ("1 − tanh(x)²", lambda x: 1.0 - np.tanh(x) ** 2),
    "silu": ("σ(x)(1 + x(1 − σ(x)))", lambda x: _sig(x) * (1.0 + x * (1.0 - _sig(x)))),
    "log_sigmoid": ("1 − σ(x)", lambda x: 1.0 - _sig(x)),
}


def _numpy() -> dict[tuple[str, int], tuple[str, Callable]]:
    return {("sigmoid", 0): ("1 / (1 + np.exp(-x))", _sig),
            ("sigmoid", 1): ("s * (1 - s)", TEXTBOOK_GRADS["sigmoid"][1]),
            ("log_sigmoid", 0): ("np.log(1 / (1 + np.exp(-x)))", lambda x: np.log(_sig(x)))}


def _scipy() -> dict[tuple[str, int], tuple[str, Callable]]:
    from scipy import special as sp

    return {("sigmoid", 0): ("scipy.special.expit(x)", sp.expit),
            ("sigmoid", 1): ("expit(x) * (1 - expit(x))", lambda x: sp.expit(x) * (1.0 - sp.expit(x))),
            ("log_sigmoid", 0): ("scipy.special.log_expit(x)", sp.log_expit)}


def _torch(torch: Any) -> dict[tuple[str, int], tuple[str, Callable]]:
    def grad(x):
        t = torch.tensor(x, requires_grad=True)
        (g,) = torch.autograd.grad(torch.sigmoid(t).sum(), t)
        return g.numpy()

    return {("sigmoid", 0): ("torch.sigmoid(x)", lambda x: torch.sigmoid(torch.from_numpy(x)).numpy()),
            ("sigmoid", 1): ("autograd of torch.sigmoid", grad),
            ("log_sigmoid", 0): ("F.logsigmoid(x)",
                                 lambda x: torch.nn.functional.logsigmoid(torch.from_numpy(x)).numpy())}


def _actlab() -> dict[tuple[str, int], tuple[str, Callable]]:
    return {("sigmoid", 0): ("al.sigmoid(x)", get("sigmoid")),
            ("sigmoid", 1): ("al.sigmoid.grad(x)", get("sigmoid").grad),
            ("log_sigmoid", 0): ("al.log_sigmoid(x)", get("log_sigmoid"))}


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:  # torch is optional: its column is left out
        return None
    return torch


def _accuracy(xs: np.ndarray, torch: Any) -> list[AccuracyRow]:
    impls = {"numpy": _numpy(), "scipy": _scipy(), "actlab": _actlab()}
    if torch is not None:
        impls["torch"] = _torch(torch)
    rows = []
    for fn, order in FUNCTIONS:
        ref = mpref.reference(fn, order, xs)
        for name in IMPLEMENTATIONS:
            if name not in impls:
                continue
            formula, f = impls[name][fn, order]
            with np.errstate(all="ignore"):  # the textbook formulas overflow: that is the point
                got = np.asarray(f(xs.copy()), dtype=np.float64)
            err = mpref.ulp_errors(got, ref, np.float64)  # inf: NaN or inf where the truth is finite
            k = int(np.nanargmax(err))
            rows.append(AccuracyRow(fn, order, name, formula, float(err[k]), float(xs[k])))
    return rows


def _speed(quick: bool) -> list[SpeedRow]:
    from .._kernels import available, bench

    if not available():
        return []
    n = 65_536 if quick else 1_000_000
    rows = []
    for r in bench.ratios(("sigmoid", "tanh"), n=n, dtypes=(np.float32, np.float64),
                          budget=0.15 if quick else 0.6):
        for base in ("memcpy", "numpy", "scipy", "torch"):
            if r.get(base):
                rows.append(SpeedRow(r["kernel"], r["dtype"], r["n"], base, r["t"] / r[base]))
    return rows


def trust(s: Settings, *, speed: bool = True) -> TrustResult:
    """Measure accuracy (and, unless ``speed=False``, speed) on this machine."""
    from .._kernels import _ufuncs

    torch = _import_torch()
    xs = mpref.sweep_points(np.float64, n_random=60 if s.quick else 300, seed=s.seed)
    acc = _accuracy(xs, torch)
    return TrustResult(points=int(xs.size), accuracy=tuple(acc),
                       speed=tuple(_speed(s.quick)) if speed else (),
                       isa=_ufuncs.get_isa(), machine=platform.machine(),
                       torch_version=None if torch is None else str(torch.__version__))
