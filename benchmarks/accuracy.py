"""Accuracy table: max ULP error vs mpmath for actlab (kernels and NumPy reference), torch, scipy.

Run:  .venv/bin/python benchmarks/accuracy.py [--points N]
Points span each dtype's whole range (tests/mpref.py: log sweep of both signs, the middle,
overflow and subnormal edges); ULPs are counted where the true value is a normal number.
torch's derivative is its autograd (what a torch user gets); scipy has values only.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib

import numpy as np

import actlab as al

_spec = importlib.util.spec_from_file_location(
    "mpref", pathlib.Path(__file__).resolve().parents[1] / "tests" / "mpref.py")
mpref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mpref)

NAMES = ["sigmoid", "log_sigmoid", "softplus", "silu", "tanh", "gelu", "gelu_tanh", "mish", "elu", "selu"]


def _torch_fns():
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None, None
    fns = {"sigmoid": torch.sigmoid, "log_sigmoid": F.logsigmoid, "softplus": F.softplus,
           "silu": F.silu, "tanh": torch.tanh, "gelu": F.gelu,
           "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"), "mish": F.mish, "elu": F.elu,
           "selu": F.selu}
    return torch, fns


def _scipy_fns():
    from scipy import special as sp

    return {"sigmoid": sp.expit, "log_sigmoid": sp.log_expit, "tanh": np.tanh}


def _max_ulp(got, ref, dt):
    u = mpref.ulp_errors(got, ref, dt)
    return float(np.nanmax(u))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=400)
    args = ap.parse_args(argv)
    torch, tfns = _torch_fns()
    sfns = _scipy_fns()
    print(f"{'function':<12} {'dtype':<8} {'order':<6} {'actlab':>8} {'reference':>10} {'torch':>10} {'scipy':>8}")
    for dt in (np.float32, np.float64):
        xs = mpref.sweep_points(dt, n_random=args.points, seed=11)
        for name in NAMES:
            kw = {"approximate": "tanh"} if name == "gelu_tanh" else {}
            act = al.get("gelu" if name == "gelu_tanh" else name)
            for order in (0, 1):
                ref = mpref.reference(name, order, xs)
                ours = _max_ulp((act, act.grad)[order](xs, **kw), ref, dt)
                refp = _max_ulp(act.reference(xs, order, **kw), ref, dt)
                tor = sci = float("nan")
                if torch is not None:
                    t = torch.tensor(xs, requires_grad=True)
                    y = tfns[name](t)
                    if order == 0:
                        tv = y.detach().numpy()
                    else:
                        (g,) = torch.autograd.grad(y.sum(), t)
                        tv = g.numpy()
                    tor = _max_ulp(tv, ref, dt)
                if order == 0 and name in sfns:
                    sci = _max_ulp(sfns[name](xs), ref, dt)
                print(f"{name:<12} {np.dtype(dt).name:<8} {order:<6} {ours:8.2f} {refp:10.2f} {tor:10.3g} {sci:8.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
