"""Which output activation goes with which loss -- and the mistakes to avoid.

:func:`recommend` maps a task to the output activation, the loss, the reason and the
actlab / PyTorch names; :func:`check_model` flags the classic anti-patterns in a model
(a softmax layer before ``CrossEntropyLoss``, a sigmoid before ``BCEWithLogitsLoss``,
sigmoid in deep hidden stacks).

>>> from actlab.analysis.recommend import recommend
>>> r = recommend("multi-label")
>>> r.output, r.loss
('independent sigmoids', 'BCEWithLogits')
>>> r.torch_loss
'torch.nn.BCEWithLogitsLoss'

May import: :mod:`actlab.activations` and (through :mod:`._model`) :mod:`actlab.nn`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable

from ..activations.base import get
from ._model import activation_name, layers

__all__ = ["Recommendation", "Finding", "TASKS", "recommend", "table", "check_model", "describe", "task_names"]


@dataclass(frozen=True)
class Recommendation:
    """The output layer and loss for one task."""

    task: str
    target: str
    output: str
    loss: str
    why: str
    actlab_output: str
    actlab_loss: str
    torch_output: str
    torch_loss: str

    def as_dict(self) -> dict[str, str]:
        """The fields as a plain dict."""
        return asdict(self)


TASKS: dict[str, Recommendation] = {
    "binary": Recommendation(
        task="binary", target="one 0/1 label per sample",
        output="sigmoid", loss="BCEWithLogits",
        why="sigmoid turns one logit into P(y=1); feed the *logits* to BCEWithLogits, which "
            "computes log sigma(z) stably -- sigmoid then BCE loses the gradient once sigma(z) "
            "rounds to 0 or 1",
        actlab_output="actlab.sigmoid (at predict time)", actlab_loss="actlab.nn.BCEWithLogitsLoss",
        torch_output="torch.sigmoid (at predict time)", torch_loss="torch.nn.BCEWithLogitsLoss",
    ),
    "multiclass": Recommendation(
        task="multiclass", target="one class index out of K",
        output="softmax", loss="CrossEntropy",
        why="softmax makes K logits a probability vector; CrossEntropy takes the *logits* and "
            "applies log_softmax itself -- a softmax layer before it is applied twice",
        actlab_output="actlab.softmax (at predict time)", actlab_loss="actlab.nn.CrossEntropyLoss",
        torch_output="torch.softmax (at predict time)", torch_loss="torch.nn.CrossEntropyLoss",
    ),
    "multilabel": Recommendation(
        task="multilabel", target="K independent 0/1 labels per sample",
        output="independent sigmoids", loss="BCEWithLogits",
        why="labels are not exclusive, so each gets its own sigmoid (not a softmax that makes "
            "them compete); BCEWithLogits on the K logits",
        actlab_output="actlab.sigmoid per label", actlab_loss="actlab.nn.BCEWithLogitsLoss",
        torch_output="torch.sigmoid per label", torch_loss="torch.nn.BCEWithLogitsLoss",
    ),
    "regression": Recommendation(
        task="regression", target="real numbers",
        output="identity", loss="MSE",
        why="the target is unbounded, so no squashing; MSE is the Gaussian negative "
            "log-likelihood (use a bounded activation only when the target is bounded)",
        actlab_output="actlab.identity (none)", actlab_loss="actlab.nn.MSELoss",
        torch_output="none (nn.Identity)", torch_loss="torch.nn.MSELoss",
    ),
}

_TASK_ALIASES = {
    "binary": "binary", "binaryclassification": "binary", "bin": "binary",
    "multiclass": "multiclass", "multinomial": "multiclass", "categorical": "multiclass",
    "multilabel": "multilabel",
    "regression": "regression", "reg": "regression",
}


def task_names() -> list[str]:
    """The four task names."""
    return list(TASKS)


def _task_key(task: str) -> str:
    if not isinstance(task, str):
        raise TypeError(f"task must be a string, got {type(task).__name__}")
    key = re.sub(r"[\s_\-]", "", task.lower())
    if key not in _TASK_ALIASES:
        raise ValueError(f"unknown task {task!r}; choose from {', '.join(TASKS)} (multi-label accepted)")
    return _TASK_ALIASES[key]


def recommend(task: str) -> Recommendation:
    """Output activation and loss for ``task``.

    Parameters
    ----------
    task : {"binary", "multiclass", "multilabel", "regression"}
        Spelling variants such as ``"multi-label"`` or ``"multi_class"`` are accepted.

    Raises
    ------
    ValueError
        For an unknown task, naming the valid ones.
    """
    return TASKS[_task_key(task)]


def table() -> list[Recommendation]:
    """All recommendations, one per task (binary, multiclass, multilabel, regression)."""
    return list(TASKS.values())


# ------------------------------------------------------------------------- anti-patterns
@dataclass(frozen=True)
class Finding:
    """One anti-pattern found in a model."""

    severity: str  # "error" (wrong result) or "warning" (works, but trains badly)
    rule: str
    message: str
    fix: str


def _loss_name(loss: Any) -> str | None:
    if loss is None:
        return None
    name = loss if isinstance(loss, str) else type(loss).__name__
    key = re.sub(r"[\s_\-]", "", name.lower())
    return key[:-4] if key.endswith("loss") else key


def check_model(model: Any, loss: Any = None, *, deep: int = 3) -> list[Finding]:
    """Flag output-layer / loss mismatches and deep sigmoid stacks.

    Parameters
    ----------
    model : nn.Sequential or sequence of layers
        Layers are recognised by their activation (``nn.Sigmoid`` -> sigmoid, ...).
    loss : loss object or its class name, optional
        E.g. ``nn.CrossEntropyLoss()`` or ``"BCEWithLogitsLoss"``.
    deep : int
        Number of hidden sigmoid-type layers (slope <= 0.25) from which a stack counts as deep.

    Returns
    -------
    list of Finding
        Empty when nothing is wrong.
    """
    acts = [activation_name(layer) for layer in layers(model)]
    named = [a for a in acts if a is not None]
    last = acts[-1] if acts else None
    lname = _loss_name(loss)
    out: list[Finding] = []
    if last == "softmax" and lname == "crossentropy":
        out.append(Finding(
            "error", "softmax-before-cross-entropy",
            "the model ends in a softmax layer but CrossEntropyLoss expects logits: softmax is "
            "applied twice, gradients shrink and the loss stops meaning -log p",
            "remove the final softmax layer; apply actlab.softmax only when predicting"))
    if last == "softmax" and lname == "nll":
        out.append(Finding(
            "error", "softmax-before-nll",
            "NLLLoss expects log-probabilities but the model ends in softmax (probabilities)",
            "end in log_softmax, or drop it and use CrossEntropyLoss on logits"))
    if last == "sigmoid" and lname == "bcewithlogits":
        out.append(Finding(
            "error", "sigmoid-before-bce-with-logits",
            "the model ends in a sigmoid but BCEWithLogitsLoss applies the sigmoid itself: it is "
            "applied twice and the loss can never reach 0",
            "remove the final sigmoid layer; apply actlab.sigmoid only when predicting"))
    if last == "sigmoid" and lname == "bce":
        out.append(Finding(
            "warning", "sigmoid-then-bce",
            "sigmoid followed by BCELoss loses the gradient at extreme logits (sigma rounds to 0 "
            "or 1 and the log is clamped)",
            "drop the sigmoid layer and use BCEWithLogitsLoss on the logits"))
    hidden = named[:-1] if last is not None else named
    slow = [a for a in hidden if (get(a).max_grad <= 0.25 and get(a).saturating)]
    if len(slow) >= deep:
        k = len(slow)
        out.append(Finding(
            "warning", "deep-sigmoid-stack",
            f"{k} hidden {'/'.join(sorted(set(slow)))} layers: their slopes are at most 0.25, so the "
            f"gradient reaching the first layer is scaled by <= 0.25^{k} = {0.25 ** k:.2g} (vanishing)",
            "use relu / leaky_relu / silu / gelu in hidden layers (with He init), or tanh for shallow nets"))
    return out


def describe(findings: Iterable[Finding]) -> str:
    """Findings as text lines (``"ok"`` when there are none)."""
    lines = [f"{f.severity}: {f.message} -> {f.fix}" for f in findings]
    return "\n".join(lines) if lines else "ok"
