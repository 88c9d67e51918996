"""Max ULP of every compiled activation kernel against mpmath, per dtype and instruction set.

    python tools/ulp_kernels.py [--n N] [--orders 0,1,2] [--isa base,avx2,avx512] [name ...]

Points: actlab/analysis/mpref.py's sweep of the whole range, N dense uniform samples in [-40, 40] and
[-3, 3], log-uniform tails of both signs, and the gelu_tanh tail window |x| in [8, 25].  The
error counts only where the true value is a normal number of the dtype (actlab/analysis/mpref.py
ulp_errors).  Prints one line per kernel, dtype and ISA with the worst input.  Not a test
(minutes with large N); the tests hold the bounds.

May import: NumPy, mpmath, :mod:`actlab`, actlab.analysis.mpref.
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np

from actlab._kernels import _ufuncs as U
from actlab.analysis import mpref


PARAMS = {"leaky_relu": (0.01,), "elu": (1.0,), "softplus": (1.0, np.inf)}
SUFFIX = ("", "_grad", "_grad2")


def points(name: str, dt, n: int) -> np.ndarray:
    """The sweep points of ``name`` in dtype ``dt``."""
    rng = np.random.default_rng(2024)
    if name == "logit":
        p = np.concatenate([rng.uniform(0, 1, n), 10.0 ** rng.uniform(-300 if dt == np.float64 else -37, 0, n),
                            1 - 10.0 ** rng.uniform(-16 if dt == np.float64 else -7, 0, n // 4),
                            rng.uniform(0.25, 0.5, n)])
        return p.astype(dt)
    big = 700.0 if dt == np.float64 else 88.0
    tails = np.exp(rng.uniform(np.log(1e-30), np.log(big), n))
    return np.concatenate([mpref.sweep_points(dt, 400, 11), rng.uniform(-40, 40, n), rng.uniform(-3, 3, n),
                           tails, -tails, rng.uniform(8, 25, n // 4), -rng.uniform(8, 25, n // 4)]).astype(dt)


def measure(name: str, order: int, n: int, isas: list[str]) -> list[str]:
    """Lines 'name'' dtype isa max-ULP at x' for each dtype and ISA."""
    lines = []
    uf = getattr(U, name + SUFFIX[order])
    for dt in (np.float32, np.float64):
        xs = points(name, dt, n)
        ref = mpref.reference(name, order, xs)
        for isa in isas:
            U.set_isa(isa)
            with np.errstate(all="ignore"):
                got = uf(xs, *PARAMS.get(name, ()))
            u = mpref.ulp_errors(got, ref, dt)
            i = int(np.nanargmax(u))
            lines.append(f"{name + chr(39) * order:14s} {np.dtype(dt).name:8s} {isa:7s} "
                         f"{u[i]:10.3f} ULP at x={xs[i]!r}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=sorted(mpref.REF) + sorted(mpref.PIECEWISE))
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--orders", default="0,1,2")
    ap.add_argument("--isa", default=",".join(U.available_isas()))
    a = ap.parse_args()
    old = U.get_isa()
    for name in a.names:
        for order in map(int, a.orders.split(",")):
            if order == 2 and name in mpref.PIECEWISE:
                continue
            print("\n".join(measure(name, order, a.n, a.isa.split(","))), flush=True)
    U.set_isa(old)


if __name__ == "__main__":
    main()
