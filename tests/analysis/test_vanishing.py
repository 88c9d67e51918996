"""The analyzer's numbers: 0.25^L, dead ReLUs, gate saturation, typed records."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from actlab import nn
from actlab.analysis import vanishing


@pytest.fixture
def data():
    return vanishing.default_data("random", n=128, rng=np.random.default_rng(0))


def test_sigmoid_first_layer_gradient_vanishes_within_the_025L_bound(data):
    x, y = data
    depth = 10
    recs = vanishing.compare(["sigmoid", "relu"], depth=depth, width=32, init="xavier", x=x, target=y,
                             rng=np.random.default_rng(1))
    sig = sorted((r for r in recs if r.activation == "sigmoid"), key=lambda r: r.layer)
    rel = sorted((r for r in recs if r.activation == "relu"), key=lambda r: r.layer)
    assert [r.layer for r in sig] == list(range(1, depth + 2))
    assert all(r.depth == depth and r.init == "xavier" for r in recs)
    # the order: sigmoid's first-layer gradient is orders of magnitude below relu's
    assert sig[0].weight_grad_norm < 1e-3 * rel[0].weight_grad_norm
    # sigmoid's gradient shrinks layer after layer towards the input; relu's does not collapse
    g = np.array([r.weight_grad_norm for r in sig])
    assert np.all(np.diff(g[:-1]) > 0)
    assert rel[0].weight_grad_norm > 0.05 * rel[-1].weight_grad_norm
    # rigorous bound: ||dW1|| <= 0.25^L ||x||_2 ||g_out|| prod_k ||W_k||_2 (same weights rebuilt)
    model = vanishing.build_mlp(depth, 32, "sigmoid", in_features=x.shape[1], init="xavier",
                                rng=np.random.default_rng(np.random.default_rng(1).integers(2**63)))
    again = vanishing.analyze(model, x, y)
    assert again[0].weight_grad_norm == pytest.approx(sig[0].weight_grad_norm, rel=1e-12)
    bound = vanishing.slope_bound(model, x, again[-1].preact_grad_norm, max_grad=0.25)
    assert 0 < again[0].weight_grad_norm <= bound
    # and the bound with relu's slope 1 would be 4^L looser: the 0.25^L factor is what binds
    assert bound == pytest.approx(0.25**depth * vanishing.slope_bound(model, x, again[-1].preact_grad_norm, 1.0))


def test_run_comparison_summarises_each_activation(data):
    x, y = data
    cmp = vanishing.run_comparison(["sigmoid", "swish"], depth=6, width=16, x=x, target=y,
                                   rng=np.random.default_rng(1))
    assert cmp.activations == ("sigmoid", "silu") and cmp.slope_envelope == 0.25**6
    plain = vanishing.compare(["sigmoid", "swish"], depth=6, width=16, x=x, target=y, rng=np.random.default_rng(1))
    assert [(r.activation, r.layer, r.weight_grad_norm) for r in cmp.records] == \
        [(r.activation, r.layer, r.weight_grad_norm) for r in plain]
    sig = cmp.of("sigmoid")
    assert [r.layer for r in sig] == list(range(1, 8))
    assert cmp.summaries["sigmoid"] == vanishing.summarize(sig)
    assert cmp.summaries["sigmoid"].first_over_last == sig[0].weight_grad_norm / sig[-1].weight_grad_norm
    assert cmp.summaries["sigmoid"].first_over_last < 1e-2 < cmp.summaries["silu"].first_over_last


def test_records_are_tidy_and_inputs_untouched(data):
    x, y = data
    x0, y0 = x.copy(), y.copy()
    model = vanishing.build_mlp(3, 8, "tanh", in_features=x.shape[1], rng=np.random.default_rng(2))
    recs = vanishing.analyze(model, x, y)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    assert len(recs) == 4 and [r.activation for r in recs] == ["tanh"] * 3 + ["output"]
    keys = {"layer", "activation", "weight_grad_norm", "act_grad_norm", "preact_grad_norm", "preact_mean",
            "preact_std", "saturated_share", "dead_share", "inactive_share", "loss"}
    assert all(isinstance(r, vanishing.LayerRecord) for r in recs)
    assert keys <= {f.name for f in dataclasses.fields(vanishing.LayerRecord)}
    assert all(0.0 <= r.saturated_share <= 1.0 for r in recs[:-1])
    assert np.isnan(recs[-1].saturated_share) and recs[-1].step is None
    # the records were dicts before: reading a field by name still works, an unknown name is a KeyError
    assert recs[0]["preact_std"] == recs[0].preact_std
    with pytest.raises(KeyError):
        recs[0]["nope"]
    # the weight gradient of the head equals the one the model itself holds after backward
    assert recs[-1].weight_grad_norm == pytest.approx(np.linalg.norm(model[-1].grads["weight"]))


def test_dead_relu_share_rises_with_negative_bias(data):
    x, y = data
    shares = []
    for b in (0.0, -1.0, -3.0, -10.0):
        model = vanishing.build_mlp(4, 64, "relu", in_features=x.shape[1], init="he", bias=b,
                                    rng=np.random.default_rng(3))
        shares.append(vanishing.summarize(vanishing.analyze(model, x, y)).dead_share)
    assert shares[0] < 0.05
    assert shares[0] < shares[1] < shares[2] <= shares[3]
    assert shares[3] == 1.0
    # leaky relu never has a zero slope, whatever the bias
    model = vanishing.build_mlp(4, 64, "leaky_relu", in_features=x.shape[1], init="he", bias=-10.0,
                                rng=np.random.default_rng(3))
    assert vanishing.summarize(vanishing.analyze(model, x, y)).dead_share == 0.0


def test_track_records_every_step(data):
    x, y = data
    model = vanishing.build_mlp(2, 8, "relu", in_features=x.shape[1], init="he", rng=np.random.default_rng(4))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    recs = vanishing.track(model, x, y, opt, 6, every=2)
    steps = sorted({r.step for r in recs})
    assert steps == [0, 2, 4, 6]
    losses = [r.loss for r in recs if r.layer == 1]
    assert losses[-1] < losses[0]


def _gate_records(rnn):
    return {(r.layer, r.gate): r for r in vanishing.gate_saturation(rnn)}


@pytest.mark.parametrize("cls,gates,pushed", [("LSTM", "ifgo", "f"), ("GRU", "rzn", "z")])
def test_gate_pushed_to_plus_20_saturates(cls, gates, pushed):
    rng = np.random.default_rng(5)
    rnn = getattr(nn, cls)(3, 4, rng=rng)
    x = rng.standard_normal((6, 5, 3)) * 0.1
    rnn.forward(x)
    before = _gate_records(rnn)
    assert {g for _, g in before} == set(gates)
    assert {r.model for r in before.values()} == {cls}
    assert before[(0, pushed)].saturated_share < 0.5
    h = 4
    k = gates.index(pushed)
    for name in ("bias_ih_l0", "bias_hh_l0"):
        rnn.params[name][k * h:(k + 1) * h] = 10.0  # together +20 on the gate's pre-activation
    rnn.forward(x)
    after = _gate_records(rnn)
    assert after[(0, pushed)].saturated_share > 0.99
    assert after[(0, pushed)].near_high > 0.99
