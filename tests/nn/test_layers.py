"""Linear, Sequential, Dropout, Flatten and init against torch and by their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import nn

torch = pytest.importorskip("torch")


def _copy_linear(ours: nn.Linear, theirs) -> None:
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.params["weight"]))
        if ours.use_bias:
            theirs.bias.copy_(torch.tensor(ours.params["bias"]))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_matches_torch(bias: bool, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(3)
    lin = nn.Linear(3, 4, bias=bias, rng=rng)
    tl = torch.nn.Linear(3, 4, bias=bias, dtype=torch.float64)
    _copy_linear(lin, tl)
    x = rng.normal(size=shape)
    dout = rng.normal(size=shape[:-1] + (4,))
    y = lin.forward(x)
    dx = lin.backward(dout)
    xt = torch.tensor(x, requires_grad=True)
    yt = tl(xt)
    yt.backward(torch.tensor(dout))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(lin.grads["weight"], tl.weight.grad.numpy(), rtol=1e-14, atol=1e-15)
    if bias:
        np.testing.assert_allclose(lin.grads["bias"], tl.bias.grad.numpy(), rtol=1e-14, atol=1e-15)
    assert nn.gradcheck(lin, [x], atol=1e-8, rtol=1e-6).ok


@pytest.mark.parametrize("bias", [True, False])
def test_linear_feature_major_input_keeps_its_layout(bias: bool) -> None:
    rng = np.random.default_rng(5)
    lin = nn.Linear(6, 3, bias=bias, rng=rng)
    tl = torch.nn.Linear(6, 3, bias=bias, dtype=torch.float64)
    _copy_linear(lin, tl)
    x = np.asfortranarray(rng.normal(size=(40, 6)))
    dout = rng.normal(size=(40, 3))
    y = lin.forward(x)
    assert y.flags.f_contiguous and not y.flags.c_contiguous  # computed as W x^T, (3, 40) C order
    dx = lin.backward(np.asfortranarray(dout))
    xt = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    tl(xt).backward(torch.tensor(dout))
    np.testing.assert_allclose(y, tl(xt).detach().numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(lin.grads["weight"], tl.weight.grad.numpy(), rtol=1e-14, atol=1e-15)
    if bias:
        np.testing.assert_allclose(lin.grads["bias"], tl.bias.grad.numpy(), rtol=1e-14, atol=1e-15)
    assert nn.gradcheck(lin, [x], atol=1e-8, rtol=1e-6).ok


def test_linear_without_input_grad_accumulates_the_same_parameter_grads() -> None:
    rng = np.random.default_rng(6)
    x, dout = rng.normal(size=(7, 4)), rng.normal(size=(7, 2))
    full = nn.Linear(4, 2, rng=np.random.default_rng(0))
    lean = nn.Linear(4, 2, rng=np.random.default_rng(0), input_grad=False)
    assert "input_grad=False" in repr(lean) and "input_grad" not in repr(full)
    np.testing.assert_array_equal(lean.forward(x), full.forward(x))
    assert lean.backward(dout) is None and full.backward(dout).shape == (7, 4)
    for k in ("weight", "bias"):
        np.testing.assert_array_equal(lean.grads[k], full.grads[k])


def test_linear_rejects_bad_shapes() -> None:
    lin = nn.Linear(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"input has shape \(2, 4\); its last axis must have size 3"):
        lin.forward(np.zeros((2, 4)))
    lin.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dout has shape \(2, 3\), expected \(2, 2\)"):
        lin.backward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="unknown init 'glorot'"):
        nn.Linear(3, 2, init="glorot")


def test_mixed_sequential_end_to_end_matches_torch() -> None:
    rng = np.random.default_rng(11)
    ours = nn.Sequential(
        nn.Linear(5, 8, rng=rng), nn.GELU(), nn.Linear(8, 8, rng=rng), nn.Mish(),
        nn.Linear(8, 6, rng=rng), nn.ELU(0.5), nn.Linear(6, 8, rng=rng), nn.GLU(),
        nn.Linear(4, 6, rng=rng), nn.Softplus(beta=1.5), nn.Linear(6, 3, rng=rng), nn.LogSoftmax(dim=1),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.GELU(), torch.nn.Linear(8, 8), torch.nn.Mish(),
        torch.nn.Linear(8, 6), torch.nn.ELU(0.5), torch.nn.Linear(6, 8), torch.nn.GLU(),
        torch.nn.Linear(4, 6), torch.nn.Softplus(beta=1.5), torch.nn.Linear(6, 3), torch.nn.LogSoftmax(dim=1),
    ).double()
    for a, b in zip(ours, theirs):
        if isinstance(a, nn.Linear):
            _copy_linear(a, b)
    x = rng.normal(size=(7, 5))
    target = rng.integers(0, 3, size=7)
    crit, tcrit = nn.NLLLoss(), torch.nn.NLLLoss()
    loss = crit.forward(ours.forward(x), target)
    dx = ours.backward(crit.backward())
    xt = torch.tensor(x, requires_grad=True)
    lt = tcrit(theirs(xt), torch.tensor(target))
    lt.backward()
    np.testing.assert_allclose(loss, lt.item(), rtol=1e-13)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-11, atol=1e-15)
    for (name, _, g), (tname, tp) in zip(ours.parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(g, tp.grad.numpy(), rtol=1e-11, atol=1e-15, err_msg=name)
    rep = nn.gradcheck(ours, [x[:3]], atol=1e-7, rtol=1e-5)
    assert rep.ok, str(rep)
    assert len(rep.errors) == 1 + len(ours.params)


def test_sequential_container_api() -> None:
    s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    assert len(s) == 3 and isinstance(s[-1], nn.Sigmoid)
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[0] is s[1]
    assert [type(m).__name__ for m in s] == ["ReLU", "Tanh", "Sigmoid"]
    with pytest.raises(IndexError, match="index 5 out of range for length 3"):
        s[5]
    with pytest.raises(TypeError, match="element 3 is a int"):
        s.append(3)
    y = s.forward(np.array([-1.0, 2.0]))
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-np.tanh([0.0, 2.0]))), rtol=1e-15)


def test_dropout_inverted_scaling_mask_and_eval() -> None:
    rng = np.random.default_rng(6)
    d = nn.Dropout(0.25, rng=np.random.default_rng(5))
    x = rng.normal(size=(200, 50))
    y = d.forward(x)
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.75, rtol=1e-15)
    assert abs(kept.mean() - 0.75) < 0.01  # 10000 draws: sd 0.0043
    dout = rng.normal(size=x.shape)
    dx = d.backward(dout)
    np.testing.assert_allclose(dx, np.where(kept, dout / 0.75, 0.0), rtol=1e-15)
    # same seed -> same mask
    y2 = nn.Dropout(0.25, rng=np.random.default_rng(5)).forward(x)
    np.testing.assert_array_equal(y2 != 0, kept)
    d.eval()
    np.testing.assert_array_equal(d.forward(x), x)
    np.testing.assert_array_equal(d.backward(dout), dout)
    d.train()
    one = nn.Dropout(1.0, rng=rng)
    assert not np.any(one.forward(x)) and not np.any(one.backward(dout))
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        nn.Dropout(0.5, rng=np.random.RandomState(0))


def test_flatten_matches_torch() -> None:
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    for s, e in [(1, -1), (0, 1), (1, 2), (2, 3), (0, -1)]:
        f = nn.Flatten(s, e)
        y = f.forward(x)
        np.testing.assert_array_equal(y, torch.nn.Flatten(s, e)(torch.tensor(x)).numpy())
        np.testing.assert_array_equal(f.backward(y), x)
    with pytest.raises(ValueError, match="out of range"):
        nn.Flatten(5).forward(x)


def test_init_schemes_statistics_and_torch_default() -> None:
    rng = np.random.default_rng(0)
    shape = (300, 200)
    a = np.sqrt(6 / 500)
    w = nn.init.xavier_uniform(shape, rng=rng)
    assert np.abs(w).max() <= a and np.abs(w).max() > 0.99 * a
    np.testing.assert_allclose(w.std(), a / np.sqrt(3), rtol=0.02)
    np.testing.assert_allclose(nn.init.xavier_normal(shape, rng=rng).std(), np.sqrt(2 / 500), rtol=0.02)
    np.testing.assert_allclose(nn.init.kaiming_normal(shape, nonlinearity="relu", rng=rng).std(), np.sqrt(2 / 200), rtol=0.02)
    b = np.sqrt(2.0) * np.sqrt(3 / 200)
    k = nn.init.kaiming_uniform(shape, nonlinearity="relu", rng=rng)
    assert np.abs(k).max() <= b and np.abs(k).max() > 0.99 * b
    fo = nn.init.kaiming_normal(shape, mode="fan_out", nonlinearity="relu", rng=rng)
    np.testing.assert_allclose(fo.std(), np.sqrt(2 / 300), rtol=0.02)
    # torch's Linear default: U(+-1/sqrt(in)) for weight and bias
    lin = nn.Linear(400, 300, rng=rng)
    bound = 1 / np.sqrt(400)
    assert np.abs(lin.params["weight"]).max() <= bound and np.abs(lin.params["weight"]).max() > 0.99 * bound
    assert np.abs(lin.params["bias"]).max() <= bound
    for name in ("tanh", "relu", "leaky_relu", "selu", "sigmoid"):
        assert nn.init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name), rel=1e-15)
    assert nn.init.fan_in_and_fan_out((4, 3, 2, 2)) == (12, 16)
    # seeded -> reproducible; other init keywords give zero bias
    l1 = nn.Linear(4, 3, rng=np.random.default_rng(9), init="kaiming_normal")
    l2 = nn.Linear(4, 3, rng=np.random.default_rng(9), init="kaiming_normal")
    np.testing.assert_array_equal(l1.params["weight"], l2.params["weight"])
    assert not np.any(l1.params["bias"])
    l3 = nn.Linear(4, 3, rng=np.random.default_rng(9), init=lambda shp, r: np.full(shp, 0.5))
    assert np.all(l3.params["weight"] == 0.5)
