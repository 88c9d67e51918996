"""Optimizer trajectories equal torch's for 20 steps on the same quadratic; state dicts."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import nn
from actlab.nn import optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(123)
A_W = RNG.uniform(0.5, 3.0, size=(3, 2))   # diagonal curvatures of the quadratic
B_W = RNG.normal(size=(3, 2))
A_V = RNG.uniform(0.5, 3.0, size=4)
B_V = RNG.normal(size=4)
W0, V0 = RNG.normal(size=(3, 2)), RNG.normal(size=4)


class Quad(nn.Module):
    """f = sum(A_w w^2 / 2 - B_w w) + sum(A_v v^2 / 2 - B_v v); backward adds its gradient."""

    def __init__(self) -> None:
        super().__init__()
        self.register_parameter("w", W0.copy())
        self.register_parameter("v", V0.copy())

    def loss_and_grad(self) -> None:
        w, v = self.params["w"], self.params["v"]
        self.grads["w"] += A_W * w - B_W
        self.grads["v"] += A_V * v - B_V


def _torch_traj(cls, steps: int, **kw) -> list[list[np.ndarray]]:
    w = torch.tensor(W0, requires_grad=True)
    v = torch.tensor(V0, requires_grad=True)
    opt = cls([w, v], **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        f = (torch.tensor(A_W) * w * w / 2 - torch.tensor(B_W) * w).sum() + \
            (torch.tensor(A_V) * v * v / 2 - torch.tensor(B_V) * v).sum()
        f.backward()
        opt.step()
        out.append([w.detach().numpy().copy(), v.detach().numpy().copy()])
    return out


def _ours_traj(model: Quad, opt, steps: int) -> list[list[np.ndarray]]:
    out = []
    for _ in range(steps):
        opt.zero_grad()
        model.loss_and_grad()
        opt.step()
        out.append([model.params["w"].copy(), model.params["v"].copy()])
    return out


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
]


@pytest.mark.parametrize("name,kw", CONFIGS)
def test_trajectory_equals_torch(name: str, kw: dict) -> None:
    ref = _torch_traj(getattr(torch.optim, name), 20, **kw)
    model = Quad()
    ours = _ours_traj(model, getattr(optim, name)(model, **kw), 20)
    for step, (a, b) in enumerate(zip(ours, ref)):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-15, err_msg=f"step {step + 1}")
    # and it actually moved towards the minimum
    assert np.linalg.norm(ours[-1][0] - B_W / A_W) < np.linalg.norm(W0 - B_W / A_W)


@pytest.mark.parametrize("name,kw", [CONFIGS[1], CONFIGS[4], CONFIGS[6]])
def test_state_dict_resume_equals_uninterrupted(name: str, kw: dict) -> None:
    full_model = Quad()
    full = _ours_traj(full_model, getattr(optim, name)(full_model, **kw), 20)
    m = Quad()
    opt = getattr(optim, name)(list(m.parameters()), **kw)  # triples work too
    _ours_traj(m, opt, 10)
    sd = opt.state_dict()
    m2 = Quad()
    m2.load_state_dict(m.state_dict())
    opt2 = getattr(optim, name)(m2, lr=1.0)  # hyperparameters come back from the state dict
    opt2.load_state_dict(sd)
    assert opt2.lr == kw["lr"]
    rest = _ours_traj(m2, opt2, 10)
    for x, y in zip(rest[-1], full[-1]):
        np.testing.assert_array_equal(x, y)


def test_optimizer_errors() -> None:
    m = Quad()
    with pytest.raises(ValueError, match="Nesterov momentum requires momentum > 0"):
        optim.SGD(m, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        optim.Adam(m, lr=-1.0)
    with pytest.raises(ValueError, match=r"betas must be in \[0, 1\)"):
        optim.Adam(m, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD(nn.ReLU(), lr=0.1)
    opt = optim.Adam(m, lr=0.1)
    with pytest.raises(ValueError, match="state is for 'SGD', not Adam"):
        opt.load_state_dict(optim.SGD(m, lr=0.1).state_dict())
    m.loss_and_grad()
    m.grads["v"][2] = np.nan
    with pytest.raises(FloatingPointError, match=r"gradient of 'v' is not finite at position \(2,\)"):
        opt.step()
    np.testing.assert_array_equal(m.params["w"], W0)  # nothing moved before the error
    assert repr(optim.SGD(m, lr=0.5)).startswith("SGD(lr=0.5, momentum=0.0")
