"""Activation layers against torch (float64): forward, d input, kinks, tails; gradcheck; registry."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import nn

torch = pytest.importorskip("torch")
F = torch.nn.functional

# (actlab layer factory, torch module factory)
CASES = {
    "Identity": (nn.Identity, torch.nn.Identity),
    "Sigmoid": (nn.Sigmoid, torch.nn.Sigmoid),
    "LogSigmoid": (nn.LogSigmoid, torch.nn.LogSigmoid),
    "Tanh": (nn.Tanh, torch.nn.Tanh),
    "ReLU": (nn.ReLU, torch.nn.ReLU),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    "ReLU6": (nn.ReLU6, torch.nn.ReLU6),
    "ELU": (lambda: nn.ELU(alpha=0.7), lambda: torch.nn.ELU(alpha=0.7)),
    "SELU": (nn.SELU, torch.nn.SELU),
    "GELU": (nn.GELU, torch.nn.GELU),
    "GELU-tanh": (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU(approximate="tanh")),
    "SiLU": (nn.SiLU, torch.nn.SiLU),
    "Mish": (nn.Mish, torch.nn.Mish),
    "Softplus": (lambda: nn.Softplus(beta=2.0, threshold=5.0), lambda: torch.nn.Softplus(beta=2.0, threshold=5.0)),
    "Hardsigmoid": (nn.Hardsigmoid, torch.nn.Hardsigmoid),
    "Hardswish": (nn.Hardswish, torch.nn.Hardswish),
    "Softmax0": (lambda: nn.Softmax(dim=0), lambda: torch.nn.Softmax(dim=0)),
    "Softmax": (lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=1), lambda: torch.nn.LogSoftmax(dim=1)),
    "GLU": (lambda: nn.GLU(dim=-1), lambda: torch.nn.GLU(dim=-1)),
    "GLU0": (lambda: nn.GLU(dim=0), lambda: torch.nn.GLU(dim=0)),
}

RTOL = 1e-13  # relative, with an absolute floor of 1e-15 of the scale


def _data(rng: np.random.Generator) -> np.ndarray:
    x = rng.normal(scale=4.0, size=(6, 8))
    x[0, :6] = [-40.0, -8.0, 8.0, 40.0, -3.5, 3.5]  # tails on both sides
    return x


def _torch_ref(tmod, x: np.ndarray, dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = tmod(xt)
    y.backward(torch.tensor(dout, dtype=torch.float64))
    return y.detach().numpy(), xt.grad.numpy()


def _close(a: np.ndarray, b: np.ndarray, rtol: float = RTOL) -> bool:
    scale = max(np.max(np.abs(b)), 1.0)
    return bool(np.all(np.abs(a - b) <= rtol * np.abs(b) + 1e-15 * scale))


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_backward_match_torch(name: str) -> None:
    ours_f, theirs_f = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    x = _data(rng)
    layer, tmod = ours_f(), theirs_f()
    x_keep = x.copy()
    y = layer.forward(x)
    dout = rng.normal(size=y.shape)
    dout_keep = dout.copy()
    dx = layer.backward(dout)
    y_ref, dx_ref = _torch_ref(tmod, x, dout)
    assert y.shape == y_ref.shape and dx.shape == x.shape
    assert y.dtype == np.float64 and dx.dtype == np.float64
    assert _close(y, y_ref), np.max(np.abs(y - y_ref))
    if name == "Hardsigmoid":
        # torch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32 (rel. error
        # 3e-8); ours is dout/6 exactly in (-3, 3) and 0 outside
        np.testing.assert_array_equal(dx, np.where(np.abs(x) < 3, dout * (1.0 / 6.0), 0.0))
        assert _close(dx, dx_ref, rtol=1e-7)
    else:
        assert _close(dx, dx_ref), np.max(np.abs(dx - dx_ref))
    # inputs and dout untouched
    np.testing.assert_array_equal(x, x_keep)
    np.testing.assert_array_equal(dout, dout_keep)


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ReLU6", "ELU", "Hardsigmoid", "Hardswish"])
def test_kink_conventions_match_torch(name: str) -> None:
    ours_f, theirs_f = CASES[name]
    x = np.array([-3.0, -1e-300, 0.0, 1e-300, 3.0, 6.0])
    layer = ours_f()
    layer.forward(x)
    dx = layer.backward(np.ones_like(x))
    _, dx_ref = _torch_ref(theirs_f(), x, np.ones_like(x))
    # same one-sided choice at every kink (values to 3e-8: torch's hardsigmoid uses a float32 1/6)
    np.testing.assert_array_equal(dx == 0, dx_ref == 0)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-7, atol=0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_every_layer(name: str) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(scale=2.0, size=(4, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from kinks ...
    x[np.abs(np.abs(x) - 3.0) < 1e-3] = 1.0  # ... including the hard ones at +-3
    rep = nn.gradcheck(CASES[name][0](), [x], atol=1e-7, rtol=1e-6)
    assert rep.ok, str(rep)
    assert set(rep.errors) == {"input0"}


def test_step_is_forward_only_with_zero_gradient() -> None:
    s = nn.Step()
    y = s.forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(y, [0.0, 0.0, 1.0])
    dx = s.backward(np.array([5.0, 5.0, 5.0]))
    np.testing.assert_array_equal(dx, np.zeros(3))


def test_softmax_backward_uses_cached_output(monkeypatch: pytest.MonkeyPatch) -> None:
    import actlab.activations.axis as ax

    layer = nn.Softmax(dim=-1)
    x = np.array([[1.0, 2.0, 3.0]])
    layer.forward(x)
    calls = []
    orig = ax._softmax
    monkeypatch.setattr(ax, "_softmax", lambda *a: calls.append(a) or orig(*a))
    dx = layer.backward(np.array([[1.0, 0.0, 0.0]]))
    assert calls == []  # forward is never recomputed in backward
    y = orig(x, 1)
    np.testing.assert_allclose(dx, y * (np.array([[1.0, 0, 0]]) - y[:, :1]), rtol=1e-15)


def test_float32_in_float32_out() -> None:
    layer = nn.Tanh()
    y = layer.forward(np.ones(3, dtype=np.float32))
    assert y.dtype == np.float32
    assert layer.backward(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_activation_layer_by_name_and_aliases() -> None:
    assert type(nn.activation_layer("swish")) is nn.SiLU
    assert type(nn.activation_layer("hardswish")) is nn.Hardswish
    lr = nn.activation_layer("leaky_relu", negative_slope=0.3)
    assert type(lr) is nn.LeakyReLU
    np.testing.assert_allclose(lr(np.array([-1.0])), [-0.3])
    sm = nn.activation_layer("softmax", axis=0)
    assert type(sm) is nn.Softmax and sm.dim == 0
    lg = nn.activation_layer("logit")
    assert type(lg) is nn.Activation and lg.activation.name == "logit"
    np.testing.assert_allclose(lg(np.array([0.5])), [0.0])
    lse = nn.Activation("logsumexp", dim=1)
    x = np.array([[0.0, np.log(3.0)]])
    np.testing.assert_allclose(lse(x), [np.log(4.0)], rtol=1e-15)
    np.testing.assert_allclose(lse.backward(np.array([1.0])), [[0.25, 0.75]], rtol=1e-15)
    # every registry name builds a working layer
    from actlab import available

    for name in available():
        layer = nn.activation_layer(name)
        x = np.array([[0.25, 0.5]])
        y = layer(x)
        assert layer.backward(np.ones_like(y)).shape == x.shape


def test_bad_parameters_raise_at_construction() -> None:
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        nn.activation_layer("nope")
    with pytest.raises(TypeError, match="unexpected parameter"):
        nn.Activation("relu", alpha=1.0)
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("fast")
    with pytest.raises(TypeError, match="dim must be an int"):
        nn.Softmax(dim=1.5)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        nn.ReLU().backward(np.ones(2))
    with pytest.raises(TypeError, match="complex"):
        nn.ReLU().forward(np.ones(2, dtype=complex))


def test_repr() -> None:
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.Activation("elu", alpha=2.0)) == "Activation('elu', alpha=2.0)"
    assert repr(nn.Sigmoid()) == "Sigmoid()"


@pytest.mark.parametrize("from_output", [True, False])
def test_layer_caches_the_output_when_the_core_vjp_uses_it(from_output: bool) -> None:
    """The layer asks the core object (vjp_from_output), not the activation's name."""
    from actlab import AxisActivation

    seen = []

    def vjp(x, dy, axis, y):
        seen.append(y)
        return dy * 2.0

    act = AxisActivation("double", lambda x, axis: 2.0 * x, vjp, vjp_from_output=from_output,
                         doc="", formula="2x", grad_formula="2", range=(-np.inf, np.inf),
                         zero_centered=True, max_grad=2.0)
    layer = nn.Activation(act, dim=0)
    x = np.array([1.0, -3.0])
    np.testing.assert_array_equal(layer.forward(x), [2.0, -6.0])
    np.testing.assert_array_equal(layer.backward(np.ones(2)), [2.0, 2.0])
    if from_output:
        np.testing.assert_array_equal(seen[0], [2.0, -6.0])
    else:
        assert seen == [None]


def test_softplus_layer_is_exact_by_default_torchs_cutoff_with_threshold():
    x = np.array([[20.5, 25.0, -3.0, 0.0]])
    exact = np.logaddexp(0.0, x)
    np.testing.assert_allclose(nn.Softplus()(x), exact, rtol=1e-15)
    assert nn.Softplus()(x)[0, 0] != 20.5  # torch's default cutoff would give 20.5
    tx = torch.from_numpy(x)
    np.testing.assert_array_equal(nn.Softplus(threshold=20.0)(x), torch.nn.Softplus()(tx).numpy())
