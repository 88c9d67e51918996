"""The Module protocol: params/grads views, accumulation, modes, naming, repr, state dicts."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import nn


def _net(seed: int = 0) -> nn.Sequential:
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(3, 4, rng=rng), nn.Tanh(), nn.Dropout(0.5, rng=rng), nn.Linear(4, 2, rng=rng))


def test_dotted_names_and_identical_keys() -> None:
    net = _net()
    assert list(net.params) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert list(net.grads) == list(net.params)
    assert len(net.params) == 4
    assert net.params["0.weight"] is net[0].params["weight"]  # live, not copies
    assert [n for n, _, _ in net.parameters()] == list(net.params)
    assert net.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2
    assert [n for n, _ in net.named_modules()] == ["", "0", "1", "2", "3"]
    assert len(list(net.children())) == 4


def test_nested_attribute_submodules() -> None:
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2, rng=np.random.default_rng(0))
            self.act = nn.ReLU()
            self.register_parameter("scale", np.ones(2))

        def forward(self, x):
            return self.act(self.fc(x)) * self.params["scale"]

    outer = nn.Sequential(Block(), Block())
    assert sorted(outer.params) == sorted(
        ["0.scale", "0.fc.weight", "0.fc.bias", "1.scale", "1.fc.weight", "1.fc.bias"])
    new = np.full((2, 2), 3.0)
    outer.params["1.fc.weight"] = new  # routed to the owning module
    assert outer[1].fc.params["weight"] is new
    assert outer.grads["1.fc.weight"].shape == (2, 2)
    with pytest.raises(KeyError, match="no submodule '7'"):
        outer.params["7.weight"]
    b = outer[0]
    b.fc = None  # replacing the attribute unregisters the child
    assert sorted(b.params) == ["scale"]


def test_grads_accumulate_until_zero_grad() -> None:
    lin = nn.Linear(3, 2, rng=np.random.default_rng(1))
    x = np.arange(6.0).reshape(2, 3)
    d = np.ones((2, 2))
    lin.forward(x)
    lin.backward(d)
    g1 = lin.grads["weight"].copy()
    lin.backward(d)
    np.testing.assert_allclose(lin.grads["weight"], 2 * g1)
    gw = lin.grads["weight"]
    lin.zero_grad()
    assert gw is lin.grads["weight"]  # zeroed in place
    assert not np.any(lin.grads["weight"]) and not np.any(lin.grads["bias"])


def test_train_eval_propagates() -> None:
    net = _net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_repr_is_readable() -> None:
    text = repr(_net())
    assert text == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): Tanh()\n"
        "  (2): Dropout(p=0.5)\n"
        "  (3): Linear(in_features=4, out_features=2, bias=True)\n"
        ")"
    )


def test_state_dict_roundtrip_and_checks() -> None:
    a, b = _net(0), _net(1)
    sd = a.state_dict()
    sd["0.weight"][...] = 0.0  # a copy: the module is unchanged
    assert np.any(a.params["0.weight"])
    ref = b.params["0.weight"]
    b.load_state_dict(a.state_dict())
    assert b.params["0.weight"] is ref  # copied in place
    np.testing.assert_array_equal(b.params["3.bias"], a.params["3.bias"])
    bad = a.state_dict()
    bad["0.weight"] = np.zeros((5, 5))
    before = b.state_dict()
    with pytest.raises(ValueError, match=r"'0.weight': shape \(5, 5\)"):
        b.load_state_dict(bad)
    del bad["0.weight"]
    with pytest.raises(KeyError, match=r"missing \['0.weight'\]"):
        b.load_state_dict(bad)
    for k, v in before.items():
        np.testing.assert_array_equal(b.params[k], v)


def test_registration_errors() -> None:
    m = nn.Module()
    with pytest.raises(ValueError, match="without dots"):
        m.register_parameter("a.b", np.ones(1))
    with pytest.raises(TypeError, match="dtype complex128"):
        m.register_parameter("w", np.ones(1, dtype=complex))
    m.register_parameter("w", np.ones(2))
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(3,\)"):
        m.grads["w"] = np.zeros(3)
    with pytest.raises(KeyError, match="no parameter"):
        m.grads["v"] = np.zeros(3)
    with pytest.raises(NotImplementedError, match="Module.forward"):
        m.forward(1)

    class Early(nn.Module):
        def __init__(self) -> None:
            self.x = 1
            super().__init__()

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Early()
