"""Paired A/B timing of two builds of the extension in one process (shared machines make
separate runs incomparable): loads OLD_SO next to the installed module and interleaves
old / new / memcpy / torch calls, reporting medians (ms) and the ratios.

    python tools/ab_bench.py /path/to/old/_ufuncs.so [N] [names...]"""
import importlib.machinery
import importlib.util
import statistics
import sys
import time

import numpy as np

import actlab._kernels._ufuncs as new

spec = importlib.util.spec_from_file_location(
    "actlab._kernels._ufuncs", sys.argv[1],
    loader=importlib.machinery.ExtensionFileLoader("actlab._kernels._ufuncs", sys.argv[1]))
old = importlib.util.module_from_spec(spec)
spec.loader.exec_module(old)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000_000
names = sys.argv[3:] or ["sigmoid", "tanh", "silu", "softplus"]
try:
    import torch
except ImportError:
    torch = None
x = np.random.default_rng(0).uniform(-20, 20, N)
y = np.empty_like(x)
xt = torch.from_numpy(x) if torch else None
yt = torch.empty_like(xt) if torch else None
reps = 15 if N >= 1_000_000 else 2000
for name in names:
    fo, fn = getattr(old, name), getattr(new, name)
    extra = (np.float64(1.0), np.float64(20.0)) if fn.nin == 3 else ()
    tf = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": torch.nn.functional.silu,
          "softplus": torch.nn.functional.softplus}.get(name) if torch else None
    cands = {"old": lambda: fo(x, *extra, out=y), "new": lambda: fn(x, *extra, out=y),
             "memcpy": lambda: np.copyto(y, x)}
    if tf is not None:
        cands["torch"] = (lambda: tf(xt, out=yt)) if name in ("sigmoid", "tanh") else (lambda: tf(xt))
    t = {k: [] for k in cands}
    inner = 1 if N >= 1_000_000 else 50
    for _ in range(reps):
        for k, f in cands.items():
            t0 = time.perf_counter()
            for _ in range(inner):
                f()
            t[k].append((time.perf_counter() - t0) / inner)
    m = {k: statistics.median(v) * 1e3 for k, v in t.items()}
    s = "  ".join(f"{k} {v:8.4f}" for k, v in m.items())
    print(f"{name:9s} N={N}  {s} ms | new/old {m['new']/m['old']:.2f}  old/memcpy {m['old']/m['memcpy']:.2f}"
          f"  new/memcpy {m['new']/m['memcpy']:.2f}"
          + (f"  old/torch {m['old']/m['torch']:.2f}  new/torch {m['new']/m['torch']:.2f}" if 'torch' in m else ""),
          flush=True)
