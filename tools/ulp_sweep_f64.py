"""Dense random ULP sweep of the float64 kernels against mpmath (long-running; not a test).

    python tools/ulp_sweep_f64.py [N]      # N samples per function and range (default 20000)

Prints the max error in ULP (of the float64 result, subnormal ULP = 2^-1074) per function,
with the worst input.  Ranges: uniform on [-40, 40], log-uniform |x| in [1e-300, 750] with
both signs, and the block-fallback boundary [-720, -690]."""
import sys

import mpmath as mp
import numpy as np

import actlab
from actlab.testing import ulp_error

mp.mp.prec = 120
N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000


def ref(name, x):
    X = mp.mpf(float(x))
    if name == "sigmoid":
        return 1 / (1 + mp.exp(-X))
    if name == "silu":
        return X / (1 + mp.exp(-X))
    if name == "softplus":
        return mp.log1p(mp.exp(X))
    if name == "log_sigmoid":
        return -mp.log1p(mp.exp(-X))
    if name == "tanh":
        return mp.tanh(X)
    raise KeyError(name)


rng = np.random.default_rng(12345)
xs = np.concatenate([
    rng.uniform(-40, 40, N),
    np.sign(rng.uniform(-1, 1, N)) * np.exp(rng.uniform(np.log(1e-300), np.log(750), N)),
    rng.uniform(-720, -690, N // 4),
])
names = sys.argv[2:] or ["sigmoid", "silu", "softplus", "log_sigmoid", "tanh"]
for name in names:
    f = getattr(actlab, name)
    # softplus: threshold = inf (the default 20 returns x above it, by convention)
    ys = np.asarray(f(xs, threshold=np.inf) if name == "softplus" else f(xs))
    err = ulp_error(ys, [ref(name, x) for x in xs], np.float64)
    i = int(np.argmax(err))
    worst, wx = float(err[i]), xs[i]
    print(f"{name:12s} max {worst:.4f} ULP at x = {wx!r}", flush=True)
