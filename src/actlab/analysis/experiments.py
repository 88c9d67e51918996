"""The experiments of ``actlab tour``, each returning a frozen dataclass of what it measured.

Every function takes the run's :class:`Settings` (quick or full size, the random seed) and
returns its result; nothing here draws or writes.  :mod:`actlab.analysis.tour` renders the
results as report sections (figures, captions, tables); the CLI and the lab can read the same
fields.  The training experiments (dead ReLUs, recurrent gates) live in
:mod:`actlab.analysis.training_experiments`.

>>> r = derivatives(Settings(quick=True))
>>> r.grad_at_0, round(r.grad_at_5, 6)
(0.25, 0.006648)

May import: NumPy, scikit-learn (the train/test split), :mod:`actlab.activations`,
:mod:`actlab.nn`, :mod:`actlab.models`, :mod:`actlab.datasets` and the analysis modules
:mod:`.vanishing`, :mod:`.recommend`, :mod:`.text`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations as A
from .. import datasets, nn
from ..activations.base import get
from ..models import LogisticRegression
from . import vanishing
from .recommend import Finding, Recommendation, check_model, table as rec_table
from .text import BarChart, bar_chart

__all__ = [
    "Settings", "GALLERY", "VANISH",
    "SlopePeak", "GalleryResult", "gallery",
    "DerivativeRow", "DerivativesResult", "derivatives",
    "VanishingResult", "InitCase", "InitResult", "vanishing_gradients", "init_histograms",
    "HeadResult", "HeadsResult", "heads",
    "BceRow", "BceResult", "bce_extremes",
]

#: The activations of the gallery figure.
GALLERY = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
           "softplus", "hard_sigmoid", "hard_swish")
#: The activations compared in the vanishing-gradient experiment.
VANISH = ("sigmoid", "tanh", "relu", "leaky_relu", "silu", "gelu")


@dataclass(frozen=True)
class Settings:
    """One tour run's settings: ``quick`` shrinks every experiment; ``seed`` seeds them all."""

    quick: bool = False
    seed: int = 0

    def rng(self, k: int) -> np.random.Generator:
        """The random stream of experiment ``k`` (independent of the others)."""
        return np.random.default_rng([self.seed, k])


# ------------------------------------------------------------------------------ gallery
@dataclass(frozen=True)
class SlopePeak:
    """Where an activation's slope peaks on the gallery grid."""

    name: str
    slope: float
    at: float


@dataclass(frozen=True)
class GalleryResult:
    """The gallery grid, measured peak slopes and the numbers the notes' figures are captioned with."""

    names: tuple[str, ...]
    x: np.ndarray
    peaks: tuple[SlopePeak, ...]
    sigmoid_peak: float
    sigmoid_mean: float
    tanh_mean: float
    leaky_relu_slope: float
    softmax_scores: tuple[float, ...]
    softmax_probabilities: tuple[float, ...]


def gallery(settings: Settings) -> GalleryResult:
    """Peak slopes of sigmoid, tanh, gelu and silu on ``x`` in [-5, 5], and the notes' numbers."""
    x = np.linspace(-5, 5, 2001)
    peaks = []
    for n in ("sigmoid", "tanh", "gelu", "silu"):
        g = np.asarray(get(n).grad(x))
        peaks.append(SlopePeak(n, float(g.max()), float(x[g.argmax()])))
    scores = (0.3, 2.9, 4.0)
    return GalleryResult(
        names=GALLERY, x=x, peaks=tuple(peaks),
        sigmoid_peak=float(A.sigmoid.grad(0.0)),
        sigmoid_mean=float(np.mean(A.sigmoid(x))),
        tanh_mean=float(np.mean(A.tanh(x))),
        leaky_relu_slope=float(A.leaky_relu.grad(-1.0)),
        softmax_scores=scores,
        softmax_probabilities=tuple(float(v) for v in get("softmax")(np.array(scores))),
    )


# ------------------------------------------------------------------------------ derivatives
@dataclass(frozen=True)
class DerivativeRow:
    """One row of the study notes' derivative table."""

    x: float
    sigmoid: float
    sigmoid_grad: float
    tanh_grad: float
    relu_grad: float
    leaky_relu_grad: float


@dataclass(frozen=True)
class DerivativesResult:
    """The notes' derivative table, sigmoid's slope at 0 and ±5, its tail at 40 and its bar chart.

    ``textbook_grad_at_40`` is ``σ(1 − σ)`` evaluated with ``σ(40)`` rounded to float64.
    """

    rows: tuple[DerivativeRow, ...]
    grad_at_0: float
    grad_at_5: float
    grad_at_minus_5: float
    grad_at_40: float
    sigmoid_at_40: float
    textbook_grad_at_40: float
    chart: BarChart

    @property
    def ten_layer_bound(self) -> float:
        """``0.25 ** 10``: the most ten stacked sigmoids pass of a gradient."""
        return 0.25**10


def derivatives(settings: Settings) -> DerivativesResult:
    """The derivative table at x = -10 ... 10 and the bar chart of sigmoid at the integers."""
    xs = np.array([-10.0, -5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 10.0])
    rows = tuple(DerivativeRow(float(x), float(A.sigmoid(x)), float(A.sigmoid.grad(x)), float(A.tanh.grad(x)),
                               float(A.relu.grad(x)), float(A.leaky_relu.grad(x))) for x in xs)
    g0, g5, gm5 = (float(A.sigmoid.grad(v)) for v in (0.0, 5.0, -5.0))
    p = float(A.sigmoid(40.0))
    return DerivativesResult(rows, g0, g5, gm5, float(A.sigmoid.grad(40.0)), p, p * (1 - p),
                             bar_chart("sigmoid", np.arange(-10.0, 11.0)))


# ------------------------------------------------------------------------------ vanishing
@dataclass(frozen=True)
class VanishingResult:
    """The activations compared on ``rows`` rows of breast_cancer, once per weight init (xavier,
    he), and the init experiment that shows the same effect on histograms."""

    rows: int
    comparisons: tuple[vanishing.Comparison, ...]
    init: "InitResult"


def vanishing_gradients(settings: Settings) -> VanishingResult:
    """A depth-10 MLP per activation of :data:`VANISH`, same weights, one backward pass each;
    then :func:`init_histograms`."""
    depth, width = (10, 16) if settings.quick else (10, 64)
    x, y = vanishing.default_data("breast_cancer", rng=settings.rng(3))
    if settings.quick:
        x, y = x[:64], y[:64]
    comparisons = tuple(vanishing.run_comparison(VANISH, depth=depth, width=width, init=init, x=x, target=y,
                                                 rng=settings.rng(31))
                        for init in ("xavier", "he"))
    return VanishingResult(len(x), comparisons, init_histograms(settings))


@dataclass(frozen=True)
class InitCase:
    """One weight scale of the init experiment: every layer's output and the saturated share."""

    activation: str
    label: str
    std: float
    outputs: tuple[np.ndarray, ...]
    saturated_share: float


@dataclass(frozen=True)
class InitResult:
    """*Deep Learning from Scratch*'s init experiment: ``layers`` layers of ``width`` units."""

    samples: int
    width: int
    layers: int
    cases: tuple[InitCase, ...]


def init_histograms(settings: Settings) -> InitResult:
    """Random inputs through 5 layers with weights of std 1, 0.01, Xavier (sigmoid) and He (relu)."""
    n, width, nl = (200, 50, 5) if settings.quick else (1000, 100, 5)
    rng = settings.rng(4)
    x = rng.standard_normal((n, width))
    specs = [("sigmoid", "std 1", 1.0), ("sigmoid", "std 0.01", 0.01),
             ("sigmoid", "Xavier std 1/sqrt(n)", 1.0 / np.sqrt(width)),
             ("relu", "He std sqrt(2/n)", np.sqrt(2.0 / width))]
    cases = []
    for act, label, std in specs:
        h, outs, sats = x, [], []
        act_obj, layer_act = get(act), nn.activation_layer(act)
        for _ in range(nl):
            lin = nn.Linear(width, width, rng=rng)
            lin.params["weight"][...] = rng.standard_normal((width, width)) * std
            lin.params["bias"][...] = 0.0
            z = lin.forward(h)
            sats.append(np.mean(np.abs(np.asarray(act_obj.grad(z))) < 0.01 * act_obj.max_grad))
            h = layer_act.forward(z)
            outs.append(h)
        cases.append(InitCase(act, label, float(std), tuple(outs), float(np.mean(sats))))
    return InitResult(n, width, nl, tuple(cases))


# ------------------------------------------------------------------------------ heads
@dataclass(frozen=True)
class HeadResult:
    """LogisticRegression on one task: the head it chose from the target and its test accuracy."""

    task: str
    data: str
    samples: int
    features: int
    head: str
    accuracy: float
    per_label_accuracy: float


@dataclass(frozen=True)
class HeadsResult:
    """The three heads, the recommender's table, and what check_model says of a softmax before CE."""

    heads: tuple[HeadResult, ...]
    recommendations: tuple[Recommendation, ...]
    findings: tuple[Finding, ...]


def heads(settings: Settings) -> HeadsResult:
    """Binary, multiclass and multi-label logistic regression on bundled data, 25% held out."""
    from sklearn.model_selection import train_test_split

    out = []
    loaders = [("binary", "breast_cancer", datasets.breast_cancer),
               ("multiclass", "digits", datasets.digits),
               ("multilabel", "multi-label digits", datasets.multilabel_digits)]
    for task, dname, load in loaders:
        X, Y = load(return_X_y=True)
        X = np.asarray(X, dtype=np.float64)
        X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-12)
        Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.25, random_state=settings.seed)
        clf = LogisticRegression(max_iter=200).fit(Xtr, Ytr)
        per_label = float(np.mean(clf.predict(Xte) == Yte))  # = the accuracy for 1-D targets
        out.append(HeadResult(task, dname, X.shape[0], X.shape[1], clf.head_, float(clf.score(Xte, Yte)), per_label))
    bad = nn.Sequential(nn.Linear(64, 10, rng=settings.rng(6)), nn.activation_layer("softmax"))
    return HeadsResult(tuple(out), tuple(rec_table()), tuple(check_model(bad, nn.CrossEntropyLoss())))


# ------------------------------------------------------------------------------ BCE
@dataclass(frozen=True)
class BceRow:
    """The gradient reaching logit ``z`` (target 0) through each loss, and the exact one ``σ(z)``."""

    z: float
    probability: float
    grad_with_logits: float
    grad_through_sigmoid: float
    exact: float


@dataclass(frozen=True)
class BceResult:
    """BCEWithLogits vs sigmoid + BCELoss from z = -40 to 40."""

    rows: tuple[BceRow, ...]

    @property
    def most_wrong(self) -> BceRow:
        """The row of the largest logit (the most confidently wrong prediction)."""
        return max(self.rows, key=lambda r: r.z)


def bce_extremes(settings: Settings) -> BceResult:
    """One logit at a time, target 0: ``∂loss/∂z`` of BCEWithLogits and of sigmoid then BCELoss."""
    rows = []
    for zi in (-40.0, -30.0, -20.0, -10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 30.0, 40.0):
        zz, t = np.array([[zi]]), np.array([[0.0]])
        crit = nn.BCEWithLogitsLoss()
        crit.forward(zz, t)
        ga = float(np.asarray(crit.backward()).ravel()[0])
        sig, bce = nn.activation_layer("sigmoid"), nn.BCELoss()
        p = sig.forward(zz)
        bce.forward(p, t)
        gb = float(np.asarray(sig.backward(bce.backward())).ravel()[0])
        rows.append(BceRow(zi, float(np.asarray(p).ravel()[0]), ga, gb, float(A.sigmoid(zi))))
    return BceResult(tuple(rows))
