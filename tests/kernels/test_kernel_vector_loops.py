"""The vector loops of kxv.h (AVX-512 and AVX2) at their switching points, against mpmath and the
portable baseline variant: tails, in-place calls, offsets, streaming stores."""

from __future__ import annotations

import numpy as np
import pytest
from kernel_cases import (
    VALUE_F64,
    on_base_isa,
    reference_formula,
)
from actlab.analysis.mpref import reference, ulp_errors

from actlab._kernels import _ufuncs as U
from actlab.testing import assert_ulp_close

# the vector loops of kxv.h as one-argument functions (softplus with beta = 1)
_VECTOR_LOOPS = [("sigmoid", U.sigmoid), ("silu", U.silu), ("tanh", U.tanh),
                 ("softplus", lambda v, **kw: U.softplus(v, 1.0, np.inf, **kw)),
                 ("log_sigmoid", U.log_sigmoid), ("log_sigmoid_grad", U.log_sigmoid_grad)]


def _vector_edges(name: str, dt) -> np.ndarray:
    """Where the vector loops of kxv.h switch: the 16-entry exp table's boundaries
    (-|x| or -2|x| = m ln2/16 +- a few ulps), float64 tanh's polynomial threshold 1/8, float32
    tanh's polynomial boundaries |x| = 5j/16 + 5/32 and its saturation at 9.75, the clamps
    (float -80 / -86, double -705 / -708), silu's x > 40, +-0, subnormals."""
    dt = np.dtype(dt)
    scale = 0.5 if name == "tanh" else 1.0
    m = np.arange(0, 40)
    b = (m * np.log(2) / 16 * scale).astype(dt)
    pts = [b, -b, np.float32([0.125, 0.0625, 40.0, 10.0, 20.0, 9.0, 19.0, 9.75]).astype(dt),
           (np.arange(0, 33) * 0.3125 + 0.15625).astype(dt)]
    lo = [-80.0, -86.0, -87.3, -88.0] if dt == np.float32 else [-705.0, -708.0, -709.0]
    pts.append(np.array(lo, dtype=dt))
    pts.append(np.array([np.finfo(dt).smallest_subnormal, np.finfo(dt).tiny, 1e-30], dtype=dt))
    x = np.concatenate(pts)
    x = np.concatenate([x, -x])
    for k in (1, 2, 3):  # neighbours in ulps
        x = np.concatenate([x, np.nextafter(x, np.inf).astype(dt), np.nextafter(x, -np.inf).astype(dt)])
    return np.unique(x)


# kxv.h's error analyses of its float64 loops: before the final rounding within 0.25 ULP
# (sigmoid, silu, softplus; the degree-6 exponential) or 0.38 ULP (tanh, whose quotient
# amplifies the exponential's error up to 4x); the portable loops are held to the 1.0
KXV_F64_BOUND = {"sigmoid": 0.75, "silu": 0.75, "softplus": 0.75, "tanh": 0.88}


@pytest.mark.parametrize("name", sorted(KXV_F64_BOUND))
def test_f64_dense_random_vs_mpmath(name, isa):
    """9000 random float64 points where the values are normal (N(0, 1), N(0, 4^2),
    U(-40, 40), U(-705, -30)) against mpmath, every ISA; the vector loops (AVX-512, AVX2) within the bounds
    of their error analyses (measured 0.59 / 0.59 / 0.59 / 0.53)."""
    rng = np.random.default_rng(2026)
    x = np.concatenate([rng.standard_normal(3000), rng.standard_normal(3000) * 4,
                        rng.uniform(-40, 40, 2000), rng.uniform(-705, -30, 1000)])
    got = U.softplus(x, 1.0, np.inf) if name == "softplus" else getattr(U, name)(x)
    u = ulp_errors(got, reference(name, 0, x), np.float64)
    bound = KXV_F64_BOUND[name] if isa in ("avx512", "avx2") else VALUE_F64[name]
    worst = np.nanmax(u)
    assert worst <= bound, f"{name} [{isa}]: {worst:.3f} ULP at x={x[np.nanargmax(u)]!r}"


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", ["sigmoid", "silu", "tanh", "log_sigmoid", "log_sigmoid'"])
def test_vector_edges_vs_mpmath(name, dt, isa):
    """log_sigmoid(x) = -softplus(-x) and log_sigmoid'(x) = sigmoid(-x) run the softplus and
    sigmoid loops on -x: the same edges, mirrored (x > 80 resp. 705 leave the vector path)."""
    base, order = (name.rstrip("'"), 1 if name.endswith("'") else 0)
    x = _vector_edges("sigmoid" if base == "log_sigmoid" else base, dt)
    x = np.concatenate([x, np.array([7.875, 7.75, 79.9, 80.0, 80.1, 704.0, 706.0], dtype=dt)])
    fn = getattr(U, base + ("_grad" if order else ""))
    got = fn(x)
    u = ulp_errors(got, reference(base, order, x), dt)
    name = base + ("_grad" if order else "")
    bound = 1.0 if dt == np.float32 else VALUE_F64.get(name, 1.0)
    worst = np.nanmax(u)
    assert worst <= bound, f"{name} [{isa}]: {worst:.3f} ULP at x={x[np.nanargmax(u)]!r}"
    # special values exactly as the core defines them
    s = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=dt)
    got, ref = fn(s), reference_formula(name, s).astype(dt)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(np.signbit(got[:2]), np.signbit(ref[:2]))  # the sign of -0


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
def test_vector_loop_vectors_with_tails_in_place_and_offsets(dt, isa):
    """Vectors (16 / 32 lanes) holding an x below the fast range go lane by lane through the
    portable element functions; mixed vectors, the masked remainder, in-place calls and
    offsets that move the vector boundaries all agree with the base variant within 1 ULP."""
    rng = np.random.default_rng(11)
    lo = -90.0 if dt == np.float32 else -720.0
    x = rng.uniform(lo, 60, 5000).astype(dt)
    x[rng.integers(0, x.size, 30)] = -np.inf
    x[1000:3000] = rng.uniform(-30, 30, 2000)
    x[[0, 31, 32, 33, 1999]] = np.array([lo, np.nan, lo / 1.1, np.inf, -0.0], dtype=dt)
    for name, f in _VECTOR_LOOPS:
        for off in (0, 1, 7, 4990):
            xs = x[off:]
            with np.errstate(all="raise"):
                got = f(xs)
                y = xs.copy()
                f(y, out=y)
            ref = on_base_isa(f, xs)
            assert_ulp_close(got, ref, dt, 1.0, f"{name} off={off} [{isa}]")
            np.testing.assert_array_equal(y, got)


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
def test_vector_loop_softplus_edges_thresholds_in_place(dt, isa):
    """softplus (beta = 1) on AVX-512 goes through polynomials in |x| -- float32: 32 with
    boundaries |x| = j/4 + 1/8 up to 7.875, float64: 16 with boundaries j/2 + 1/4 up to 7.75
    (ties included) -- and an exponential beyond, whose lanes below -80 (float64: -705) take
    the portable path.  Also the portable loops' log-table boundaries (x = +-log(j/16)), tiny e
    (x down to -110 / -745), the threshold (any scalar, also negative), specials, in place and
    at every remainder length; all within 0.6 (float32) / 1 ULP of mpmath, 1 ULP of the base
    variant."""
    j = np.arange(1, 17)
    b = np.log(j / 16.0).astype(dt)
    edges = np.concatenate([np.arange(0, 33) / 4 + 0.125, np.arange(0, 17) / 2 + 0.25]).astype(dt)
    x = np.concatenate([b, -b, edges, -edges, np.array(
        [-20.16, -22.24, -30.0, -36.77, -79.9, -80.0, -80.1, -87.0, -103.0, -104.5, -110.0,
         -200.0, -704.9, -705.1, -708.5, -740.0, 0.0, 1e-30, 1e-8, 19.99, 20.0, 20.01], dtype=dt)])
    for _ in range(2):
        x = np.concatenate([x, np.nextafter(x, dt(np.inf)), np.nextafter(x, dt(-np.inf))])
    x = np.unique(np.concatenate([x, -x]))
    got = U.softplus(x, 1.0, np.inf)  # no cutoff: the reference is the plain function
    u = ulp_errors(got, reference("softplus", 0, x), dt)
    bound = 0.6 if dt == np.float32 else 1.0
    assert np.nanmax(u) <= bound, f"[{isa}] {np.nanmax(u):.3f} ULP at x={x[np.nanargmax(u)]!r}"
    rng = np.random.default_rng(5)
    xr = np.concatenate([rng.standard_normal(1000) * 30, rng.uniform(-720, -690, 40),
                         [np.nan, np.inf, -np.inf, -0.0, 0.0]])
    xr = xr.astype(dt)
    for th in (20.0, 5.0, -1.0, np.inf):
        for n in (1, 15, 16, 17, 33, xr.size):
            xs = xr[:n]
            ref = on_base_isa(U.softplus, xs, 1.0, th)
            with np.errstate(all="raise"):
                got = U.softplus(xs, 1.0, th)
                y = xs.copy()
                U.softplus(y, 1.0, th, out=y)
            assert_ulp_close(got, ref, dt, 1.0, f"softplus th={th} n={n} [{isa}]")
            np.testing.assert_array_equal(y, got)
            np.testing.assert_array_equal(got[xs > th], xs[xs > th])  # the threshold gives x


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
def test_large_slices_streaming_stores_match_small_calls(dt, restore_threads, isa):
    """Slices of >= 8 MB are written with streaming stores on AVX-512 and AVX2 (kxv.h): from an output
    that is not 64-byte aligned (head), with lanes below the fast range inside, in place, and
    for any thread count, the values equal those of small calls (ordinary stores) bitwise."""
    rng = np.random.default_rng(3)
    n = 4_500_000 if dt == np.float32 else 2_300_000  # > 16 MB: >= 8 MB per slice of 2
    buf = rng.uniform(-40, 40, n + 3).astype(dt)
    x = buf[3:]  # 3 elements past the allocation's alignment
    x[[5, 777, 1_000_001]] = np.array([-720.0, np.nan, -np.inf], dtype=dt)
    for name, f in _VECTOR_LOOPS:
        small = np.concatenate([f(x[i:i + 100_000]) for i in range(0, n, 100_000)])
        for threads in (1, 2, 3):
            U.set_num_threads(threads)
            np.testing.assert_array_equal(f(x), small, err_msg=f"{name} threads={threads}")
            y = x.copy()
            f(y, out=y)
            np.testing.assert_array_equal(y, small, err_msg=f"{name} in place")
