"""gradcheck: passes correct gradients, catches wrong ones (inputs and parameters), reports."""

from __future__ import annotations

import numpy as np
import pytest

import actlab as al
from actlab import nn


class BadLinear(nn.Linear):
    """A Linear whose weight gradient is off by 1 % (gradcheck must catch it)."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["weight"] *= 1.01
        return dx


class BadInput(nn.Module):
    def forward(self, x):
        self._x = np.asarray(x)
        return self._x**3

    def backward(self, dout):
        return 3.0 * self._x * dout  # wrong: should be 3 x^2


class TwoInputs(nn.Module):
    def forward(self, a, b):
        self._a, self._b = a, b
        return a * np.sin(b)

    def backward(self, dout):
        return dout * np.sin(self._b), dout * self._a * np.cos(self._b)


def test_catches_wrong_param_gradient() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))
    rep = nn.gradcheck(BadLinear(3, 2, rng=rng), [x])
    assert not rep.ok and rep.failures == ["weight"]
    assert rep.errors["weight"][1] == pytest.approx(0.01 / 1.01, rel=1e-3)
    assert rep.errors["bias"][0] < 1e-8 and rep.errors["input0"][0] < 1e-8
    with pytest.raises(AssertionError, match=r"gradcheck FAILED[\s\S]*weight .*<-- fails"):
        nn.gradcheck(BadLinear(3, 2, rng=rng), [x], raise_exception=True)


def test_catches_wrong_input_gradient_and_leaves_inputs() -> None:
    x = np.array([0.5, 2.0, -1.5])
    keep = x.copy()
    rep = nn.gradcheck(BadInput(), [x])
    assert not rep.ok and rep.failures == ["input0"]
    np.testing.assert_array_equal(x, keep)


def test_multiple_inputs_and_functions() -> None:
    rng = np.random.default_rng(1)
    rep = nn.gradcheck(TwoInputs(), [rng.normal(size=3), rng.normal(size=3)], raise_exception=True)
    assert set(rep.errors) == {"input0", "input1"} and rep.max_abs_error < 1e-8
    # a core activation (uses its .vjp)
    rep = nn.gradcheck(al.mish, [rng.normal(size=5)])
    assert rep.ok and rep.max_rel_error < 1e-7
    # a plain function with vjp=
    rep = nn.gradcheck(np.exp, [rng.normal(size=4)], vjp=lambda x, d: d * np.exp(x))
    assert rep.ok
    rep = nn.gradcheck(np.exp, [rng.normal(size=4)], vjp=lambda x, d: d * x)
    assert not rep.ok
    with pytest.raises(TypeError, match="pass a Module"):
        nn.gradcheck(np.exp, [np.ones(2)])


def test_report_text_and_float32_params_refused() -> None:
    rng = np.random.default_rng(2)
    rep = nn.gradcheck(nn.Linear(2, 2, rng=rng), [rng.normal(size=(3, 2))])
    text = str(rep)
    assert text.startswith("gradcheck passed") and "weight" in text and "max rel" in text
    with pytest.raises(ValueError, match="'weight' is float32"):
        nn.gradcheck(nn.Linear(2, 2, rng=rng, dtype=np.float32), [np.ones((1, 2))])
