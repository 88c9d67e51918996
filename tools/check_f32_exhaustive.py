"""Exhaustive check of the float32 kernels: every one of the 2^32 float bit patterns.

The float32 loop of each ufunc is compared with its float64 loop evaluated on the same
(exactly widened) inputs -- the float64 kernels are within ~2^-52 relative of the true
values, so this measures the float32 kernels' error in float ULP (subnormal ULP below the
smallest normal), plus identical NaN / infinity patterns.  Too slow for the test suite
(minutes); run after changing the float32 paths in src/actlab/_kernels/kmath.h:

    python tools/check_f32_exhaustive.py [--isa avx512|avx2|base] [name ...]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from actlab._kernels import _ufuncs as U
from actlab.testing import ulp_error

DEFAULT = ["sigmoid", "silu", "tanh", "softplus"]


def check(name: str, chunk_bits: int = 24) -> tuple[float, float, int]:
    uf = getattr(U, name)
    params = (1.0, 20.0) if name.startswith("softplus") else ()  # beta = 1: the AVX-512 loop

    def f(v):
        return uf(v, *params)

    worst, worst_x, over_half = 0.0, float("nan"), 0
    step = 1 << chunk_bits
    for start in range(0, 1 << 32, step):
        x = np.arange(start, start + step, dtype=np.uint64).astype(np.uint32).view(np.float32)
        with np.errstate(all="ignore"):
            got = f(x).astype(np.float64)
            ref = f(x.astype(np.float64))
        gn, rn = np.isnan(got), np.isnan(ref)
        if not np.array_equal(gn, rn):
            i = int(np.argmax(gn != rn))
            raise AssertionError(f"{name}: NaN pattern differs at x={x[i]!r}: {got[i]} vs {ref[i]}")
        inf = np.isinf(got) | np.isinf(ref)
        if not np.array_equal(got[inf], ref[inf]):
            i = int(np.flatnonzero(inf)[np.argmax(got[inf] != ref[inf])])
            raise AssertionError(f"{name}: infinity differs at x={x[i]!r}: {got[i]} vs {ref[i]}")
        fin = ~rn & ~inf
        err = ulp_error(got[fin], ref[fin], np.float32)
        if err.size:
            i = int(np.argmax(err))
            if err[i] > worst:
                worst, worst_x = float(err[i]), float(x[fin][i])
            over_half += int(np.count_nonzero(err > 0.5))
    return worst, worst_x, over_half


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=DEFAULT)
    ap.add_argument("--isa", default=None)
    ap.add_argument("--bound", type=float, default=0.6, help="fail above this many ULP")
    a = ap.parse_args(argv)
    if a.isa:
        U.set_isa(a.isa)
    print(f"isa={U.get_isa()} threads={U.get_num_threads()}")
    ok = True
    for name in a.names:
        t = time.perf_counter()
        worst, wx, n = check(name)
        ok &= worst <= a.bound
        print(f"{name:10s} max {worst:.4f} ULP vs float64 kernel at x={wx!r}; "
              f"{n} of 2^32 inputs above 0.5 ULP ({time.perf_counter() - t:.0f} s)", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
