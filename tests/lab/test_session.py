"""A lab session: reproducible runs, actlab's math, the recommender's head, exports that run."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("pydantic")

import actlab as al  # noqa: E402
from actlab import nn  # noqa: E402
from actlab.analysis import vanishing  # noqa: E402
from actlab.lab import export  # noqa: E402
from actlab.lab.schema import Config  # noqa: E402
from actlab.lab.session import Session, parse_csv  # noqa: E402


def _weights(s):
    return [p.copy() for _, p, _ in s.model.parameters()]


def test_the_same_config_replays_the_same_run_step_for_step():
    cfg = Config(dataset="spiral", points=300, seed=7, layers=[{"activation": "relu"}] * 3, width=12)
    a, b = Session(cfg), Session(cfg)
    a.step(37)
    b.step(20)
    b.step(17)
    for p, q in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(p, q)
    assert a.frame()["train_loss"] == b.frame()["train_loss"]
    c = Session(cfg.model_copy(update={"seed": 8}))
    c.step(37)
    assert not np.array_equal(_weights(a)[0], _weights(c)[0])


def test_training_lowers_the_loss_and_frames_hold_actlabs_measurements():
    s = Session(Config(points=400, layers=[{"activation": "tanh"}] * 2))
    f0 = s.frame(points=True)
    s.step(300)
    f1 = s.frame()
    assert f1["train_loss"] < 0.5 * f0["train_loss"] and f1["steps"] == 300
    recs = vanishing.analyze(s.model, s.inputs[s.train], s.targets[s.train], s.loss)
    assert f1["grad_norms"] == [r.weight_grad_norm for r in recs]
    assert f1["saturated"] == [r.saturated_share for r in recs[:-1]]
    assert f1["envelope"][-1] == f1["grad_norms"][1] and f1["envelope"][0] == f1["grad_norms"][1] * 0.25
    probs = np.array(f1["boundary"]["values"])
    assert probs.size == 64 * 64 and 0 <= probs.min() and probs.max() <= 1
    assert f1["output"] == "sigmoid" and f1["loss_name"] == "BCEWithLogits"
    assert len(f0["points"]["x"]) == 400 and len(f0["points"]["train"]) == 280


def test_each_layer_gets_its_own_activation_and_parameters():
    s = Session(Config(layers=[{"activation": "leaky_relu", "params": {"negative_slope": 0.3}},
                               {"activation": "gelu", "params": {"approximate": "tanh"}}, {"activation": "step"}]))
    text = repr(s.model)
    assert "LeakyReLU(negative_slope=0.3)" in text and "GELU(approximate='tanh')" in text and "Step()" in text
    assert s.frame()["activations"] == ["leaky_relu", "gelu", "step"]
    x = np.array([[-1.0, 2.0]])
    h = s.model.forward  # the layers compute with the core's functions and these parameters
    lin0 = s.model[0] if hasattr(s.model, "__getitem__") else None
    if lin0 is not None:
        z = x @ lin0.params["weight"].T + lin0.params["bias"]
        np.testing.assert_array_equal(s.model[1].forward(z), al.leaky_relu(z, negative_slope=0.3))
    assert h(x).shape == (1, 1) and isinstance(s.model, nn.Sequential)


def test_the_depth_sweep_shows_sigmoid_vanishing_and_relu_not():
    s = Session(Config(points=300, init="xavier"))
    sw = s.sweep()
    sig, relu = np.array(sw["series"]["sigmoid"]), np.array(sw["series"]["relu"])
    assert sw["depths"] == list(range(1, 9))
    assert sig[0] == relu[0] == 1.0  # one hidden layer: the first is the last
    assert sig[-1] < 1e-3  # eight sigmoids: the first layer gets < 0.1% of the last one's gradient
    assert relu[-1] > 0.05 and relu[-1] > 100 * sig[-1]
    assert sw["envelope"][-1] == 0.25 ** 7


def test_csv_parsing_names_the_problem():
    ok = parse_csv("a,b,label\n0,1,yes\n1,0,no\n2,2,yes\n3,1,no\n")
    assert ok.task == "binary" and ok.classes == ("no", "yes") and ok.X.shape == (4, 2)
    reg = parse_csv("".join(f"{i},{i * 2},{i * 0.37}\n" for i in range(12)))
    assert reg.task == "regression"
    for text, words in [("1,2\n3,4\n5,6\n7,8\n", "row 1: expected 3 columns"),
                        ("1,2,a\n3,inf,b\n5,6,a\n7,8,b\n", "row 2, column 2: 'inf' is not a finite number"),
                        ("1,2,a\n3,4,a\n5,6,a\n7,8,a\n", "one class only ('a')"),
                        ("1,2,a\n", "at least 4 data rows"),
                        ("x" * 1_000_001, "larger than 1000 kB"),
                        ("".join(f"{i},{i},c{i}\n" for i in range(11)), "at most 10 classes")]:
        with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
            parse_csv(text)


def test_exported_pytorch_code_runs_and_predicts_what_actlab_predicts():
    torch = pytest.importorskip("torch")
    s = Session(Config(layers=[{"activation": "softplus", "params": {"beta": 2.0}}, {"activation": "mish"},
                               {"activation": "step"}, {"activation": "hard_swish"}], width=6))
    s.step(80)
    ns: dict = {}
    exec(export.torch_code(s), ns)
    pts = s.data.X[:50]
    ours = al.sigmoid(s.model.forward((pts - s.mu) / s.sd)[:, 0])
    theirs = ns["predict"](pts).numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-15)
    assert isinstance(ns["model"], torch.nn.Sequential)


def test_exported_actlab_code_loads_the_checkpoint(tmp_path):
    s = Session(Config(layers=[{"activation": "elu", "params": {"alpha": 0.5}}]))
    s.step(20)
    (tmp_path / "actlab-lab-model.npz").write_bytes(export.actlab_checkpoint(s))
    here = os.getcwd()
    ns: dict = {}
    try:
        os.chdir(tmp_path)
        exec(export.actlab_code(s), ns)
    finally:
        os.chdir(here)
    pts = s.data.X[:20]
    np.testing.assert_array_equal(ns["predict"](pts), al.sigmoid(s.model.forward((pts - s.mu) / s.sd)[:, 0]))
