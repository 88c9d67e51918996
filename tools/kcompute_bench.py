"""Compute-bound timing of the float64 kernels: ns per element on an in-cache array (8192
elements, one thread), minimum over many repetitions -- less sensitive to a shared machine's
memory traffic than the 20M benchmark.  Usage: python tools/kcompute_bench.py [names...]"""
import os
import sys
import time

os.environ.setdefault("ACTLAB_NUM_THREADS", "1")
import numpy as np  # noqa: E402

import actlab  # noqa: E402

names = sys.argv[1:] or ["sigmoid", "tanh", "silu", "softplus", "sigmoid_grad", "log_sigmoid"]
rng = np.random.default_rng(0)
x = rng.uniform(-20, 20, 8192)
y = np.empty_like(x)
for name in names:
    f = getattr(actlab, name).ufunc
    args = (x,) if f.nin == 1 else (x,) + tuple(np.float64(v) for v in ((1.0, 20.0) if f.nin == 3 else (0.1,)))
    best = 1e9
    for _ in range(200):
        t0 = time.perf_counter()
        for _ in range(20):
            f(*args, out=y) if f.nout == 1 else f(*args)
        best = min(best, (time.perf_counter() - t0) / 20 / x.size * 1e9)
    print(f"{name:14s} {best:6.3f} ns/elem")
