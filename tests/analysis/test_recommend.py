"""Recommender table and anti-pattern checks."""

from __future__ import annotations

import pytest

from actlab.analysis import recommend as R


@pytest.mark.parametrize("task,output,loss,torch_loss", [
    ("binary", "sigmoid", "BCEWithLogits", "torch.nn.BCEWithLogitsLoss"),
    ("multiclass", "softmax", "CrossEntropy", "torch.nn.CrossEntropyLoss"),
    ("multi-label", "independent sigmoids", "BCEWithLogits", "torch.nn.BCEWithLogitsLoss"),
    ("multilabel", "independent sigmoids", "BCEWithLogits", "torch.nn.BCEWithLogitsLoss"),
    ("Regression", "identity", "MSE", "torch.nn.MSELoss"),
])
def test_table(task, output, loss, torch_loss):
    r = R.recommend(task)
    assert (r.output, r.loss, r.torch_loss) == (output, loss, torch_loss)
    assert r.actlab_loss.startswith("actlab.nn.") and r.why


def test_logits_are_the_point():
    assert "logits" in R.recommend("binary").why and "logits" in R.recommend("multiclass").why
    assert [row.task for row in R.table()] == ["binary", "multiclass", "multilabel", "regression"]
    assert R.table()[0] is R.recommend("binary") and R.table()[0].as_dict()["loss"] == "BCEWithLogits"


def test_unknown_task_names_the_valid_ones():
    with pytest.raises(ValueError, match="binary, multiclass, multilabel, regression"):
        R.recommend("ranking")


def test_anti_patterns():
    from actlab import nn

    import numpy as np

    rng = np.random.default_rng(0)
    soft = nn.Sequential(nn.Linear(4, 3, rng=rng), nn.activation_layer("softmax"))
    rules = [f.rule for f in R.check_model(soft, nn.CrossEntropyLoss())]
    assert rules == ["softmax-before-cross-entropy"]
    sig = nn.Sequential(nn.Linear(4, 1, rng=rng), nn.activation_layer("sigmoid"))
    assert [f.rule for f in R.check_model(sig, nn.BCEWithLogitsLoss())] == ["sigmoid-before-bce-with-logits"]
    assert [f.rule for f in R.check_model(sig, "BCELoss")] == ["sigmoid-then-bce"]
    good = nn.Sequential(nn.Linear(4, 8, rng=rng), nn.activation_layer("relu"), nn.Linear(8, 3, rng=rng))
    assert R.check_model(good, nn.CrossEntropyLoss()) == []
    deep = [nn.Linear(4, 4, rng=rng) if i % 2 == 0 else nn.activation_layer("sigmoid") for i in range(8)]
    deep.append(nn.Linear(4, 1, rng=rng))
    found = R.check_model(nn.Sequential(*deep), nn.BCEWithLogitsLoss())
    assert [f.rule for f in found] == ["deep-sigmoid-stack"]
    assert "0.25^4" in found[0].message
    shallow = nn.Sequential(nn.Linear(4, 4, rng=rng), nn.activation_layer("sigmoid"), nn.Linear(4, 1, rng=rng))
    assert R.check_model(shallow, nn.BCEWithLogitsLoss()) == []
