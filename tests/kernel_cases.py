"""What the kernel tests share: the kernel names, their ULP bounds and the reference each is
compared with (the core's NumPy formula, or mpmath through tests/mpref.py)."""

from __future__ import annotations

import numpy as np
from actlab.analysis.mpref import reference, sweep_points

import actlab as al
from actlab._kernels import _ufuncs as U

UNARY = ["sigmoid", "log_sigmoid", "tanh", "silu", "gelu", "gelu_tanh", "selu", "mish",
         "hard_sigmoid", "hard_swish", "relu", "relu6", "step", "logit"]
PARAM = {"leaky_relu": {"negative_slope": 0.01}, "elu": {"alpha": 1.0},
         "softplus": {"beta": 1.0, "threshold": np.inf}}
SUFFIX = ("", "_grad", "_grad2")
ALL_KERNELS = [b + s for b in UNARY + list(PARAM) for s in SUFFIX]

# ULP bounds of the kernels (issue 16): every value and first derivative <= 1 ULP of plain
# math, float32 and float64, every ISA; second derivatives <= 4 ULP where the true value is a
# normal number
VALUE_F64 = {"sigmoid": 1.0, "log_sigmoid": 1.0, "softplus": 1.0, "silu": 1.0, "tanh": 1.0,
             "gelu": 1.0, "mish": 1.0, "gelu_tanh": 1.0, "elu": 1.0, "selu": 1.0}
GRAD_F64 = 1.0
GRAD2_BOUND = 4.0
# the roots of f' and f'' (where closed forms cancel and the kernels switch to series)
ROOTS = {"silu": (-1.2785, -2.3994, 2.3994), "mish": (-1.1924, 1.4906, -2.2564),
         "gelu": (-0.7518, -1.4142, 1.4142), "gelu_tanh": (-0.7525, -1.4185, 1.4185)}

# the edges every kernel is checked at: infinities, overflow and subnormal borders, signed zeros
SPECIAL = np.array([-np.inf, -1000.0, -745.5, -710.0, -100.0, -30.0, -6.0, -3.0, -1.5, -0.5, -1e-310,
                    -0.0, 0.0, 1e-310, 0.5, 1.5, 3.0, 6.0, 20.0, 30.0, 100.0, 710.0, 1000.0, np.inf,
                    np.nan])


def core_formula(kernel: str):
    """(activation, params, formula) of the core's NumPy reference for a kernel name."""
    base, order = kernel, 0
    for i, s in ((2, "_grad2"), (1, "_grad")):
        if kernel.endswith(s):
            base, order = kernel[: -len(s)], i
            break
    kw = {}
    if base == "gelu_tanh":
        act, kw = al.get("gelu"), {"approximate": "tanh"}
    else:
        act = al.get(base)
        kw = dict(PARAM.get(base, {}))
    fn = (act._value, act._grad, act._grad2)[order]
    return fn, kw, [kw[k] for k in PARAM.get(base, {})]


def kernel_call(kernel: str, x, **kwargs):
    _, _, extra = core_formula(kernel)
    return getattr(U, kernel)(x, *extra, **kwargs)


def reference_formula(kernel: str, x: np.ndarray) -> np.ndarray:
    fn, kw, _ = core_formula(kernel)
    with np.errstate(all="ignore"):
        return np.asarray(fn(np.asarray(x, dtype=np.float64), **kw), dtype=np.float64)


def mp_points(dt):
    xs = sweep_points(dt, n_random=250, seed=11)
    rng = np.random.default_rng(5)
    # the windows of the root series of f' and f'' (x0 +- 0.5), just outside them, and close in
    r0 = np.array(sorted({r for rs in ROOTS.values() for r in rs}))
    roots = np.concatenate([r0[:, None] + rng.uniform(-0.75, 0.75, (r0.size, 40)),
                            r0[:, None] + rng.uniform(-1e-3, 1e-3, (r0.size, 8))], axis=1).ravel()
    tiny = np.finfo(dt).tiny
    special = np.array([0.0, tiny, -tiny, 2 * tiny, 1e-30, -1e-30, 0.25, -0.25, 1.0, -1.0, 20.0,
                        20.000001, 19.99999])
    return np.concatenate([xs, roots, special]).astype(dt)


_REF_CACHE: dict = {}


def mp_ref(name, order, dt):
    key = (name, order, np.dtype(dt).name)
    if key not in _REF_CACHE:
        xs = mp_points(dt)
        _REF_CACHE[key] = (xs, reference(name, order, xs))
    return _REF_CACHE[key]


def on_base_isa(f, *args):
    """f(*args) computed by the portable baseline variant (the reference of the fast loops)."""
    old = U.get_isa()
    U.set_isa("base")
    try:
        return f(*args)
    finally:
        U.set_isa(old)
