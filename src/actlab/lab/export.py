"""The trained playground network as runnable code: PyTorch (with its weights) and actlab
(an ``nn.save`` checkpoint and the code that rebuilds the network and loads it).

Both programs take the raw 2-D points: the standardisation the lab applies (the training
set's mean and standard deviation) is part of the exported code.

May import: NumPy, :mod:`actlab.nn` and the lab's :mod:`.session`.
"""

from __future__ import annotations

import base64
import os
import tempfile
from typing import Any

import numpy as np

from .. import nn
from ..analysis._model import layers as _layers

__all__ = ["torch_code", "actlab_code", "actlab_checkpoint"]

_STEP = '''class Step(nn.Module):
    """Heaviside step 1[x > 0] (actlab's step; torch has no module for it)."""

    def forward(self, x):
        return (x > 0).to(x.dtype)


'''


def _torch_layer(m: Any) -> str:
    if isinstance(m, nn.Linear):
        return f"nn.Linear({m.in_features}, {m.out_features})"
    text = repr(m)
    if type(m).__name__ == "Softplus":  # actlab's exact softplus; torch's cutoff (20) differs by < 1e-8
        text = text.replace(", threshold=None", "")
    return text if type(m).__name__ == "Step" else f"nn.{text}"


def _array(a: np.ndarray) -> str:
    return repr(np.asarray(a, dtype=np.float64).tolist())


def _head(session: Any) -> tuple[str, str]:
    task = session.data.task
    if task == "binary":
        return "torch.sigmoid(logits)[:, 0]", "P(class 1)"
    if task == "multiclass":
        return "torch.softmax(logits, dim=1)", "class probabilities"
    return "logits[:, 0]", "the prediction"


def torch_code(session: Any) -> str:
    """A self-contained PyTorch program: the network, its trained weights, ``predict(points)``."""
    mods = _layers(session.model)
    uses_step = any(type(m).__name__ == "Step" for m in mods)
    state = []
    for i, m in enumerate(mods):
        if isinstance(m, nn.Linear):
            state.append(f'    "{i}.weight": torch.tensor({_array(m.params["weight"])}, dtype=torch.float64),')
            state.append(f'    "{i}.bias": torch.tensor({_array(m.params["bias"])}, dtype=torch.float64),')
    out, what = _head(session)
    body = ",\n    ".join(_torch_layer(m) for m in mods)
    return (f"# actlab lab export: {session.data.task}, {session.steps} updates, loss {session.rec.loss}\n"
            "import torch\nfrom torch import nn\n\n" + (_STEP if uses_step else "")
            + f"model = nn.Sequential(\n    {body},\n).double()\nmodel.load_state_dict({{\n"
            + "\n".join(state) + "\n})\n"
            f"MEAN = torch.tensor({_array(session.mu)}, dtype=torch.float64)\n"
            f"STD = torch.tensor({_array(session.sd)}, dtype=torch.float64)\n\n\n"
            f"def predict(points):\n    \"\"\"{what} for raw points of shape (n, 2).\"\"\"\n"
            "    x = torch.as_tensor(points, dtype=torch.float64)\n"
            "    with torch.no_grad():\n        logits = model((x - MEAN) / STD)\n"
            f"    return {out}\n\n\nif __name__ == \"__main__\":\n    print(predict([[0.0, 0.0], [1.0, -1.0]]))\n")


def actlab_checkpoint(session: Any) -> bytes:
    """The network's parameters as an ``nn.save`` file (bytes)."""
    fd, path = tempfile.mkstemp(suffix=".npz")
    os.close(fd)
    try:
        nn.save(path, session.model)
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)


def actlab_code(session: Any, filename: str = "actlab-lab-model.npz") -> str:
    """actlab code that rebuilds the network and loads the checkpoint ``filename``."""
    mods = []
    for m in _layers(session.model):
        mods.append(f"nn.Linear({m.in_features}, {m.out_features})" if isinstance(m, nn.Linear)
                    else f"nn.{m!r}")
    out = {"binary": "al.sigmoid(logits[:, 0])", "multiclass": "al.softmax(logits, axis=1)"}.get(
        session.data.task, "logits[:, 0]")
    return ("# actlab lab export: rebuild the network and load its trained weights\n"
            "import numpy as np\nimport actlab as al\nfrom actlab import nn\n\n"
            "model = nn.Sequential(\n    " + ",\n    ".join(mods) + ",\n)\n"
            f"nn.load({filename!r}, model)\n"
            f"MEAN, STD = np.array({_array(session.mu)}), np.array({_array(session.sd)})\n\n\n"
            "def predict(points):\n    logits = model.forward((np.asarray(points, dtype=np.float64) - MEAN) / STD)\n"
            f"    return {out}\n")


def export(session: Any) -> dict[str, str]:
    """The message the page gets: both programs and the checkpoint (base64)."""
    return {"type": "export", "torch": torch_code(session), "actlab": actlab_code(session),
            "checkpoint": base64.b64encode(actlab_checkpoint(session)).decode("ascii"),
            "filename": "actlab-lab-model.npz"}
