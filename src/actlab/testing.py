"""Measuring accuracy in units in the last place (ULP): the one definition that actlab's tests,
benchmarks and tools share.

Two measures, for two questions:

* :func:`ulp_error` -- how far is a result from the true value?  ``|got - ref|`` divided by
  the ULP of the result's dtype *at the reference* ``ref`` (a wider float array or a sequence
  of mpmath numbers).  The ULP of ``r`` is ``2**(e - p)``, ``e`` the binary exponent of
  ``|r|`` (``2**e <= |r| < 2**(e+1)``), ``p`` the dtype's stored mantissa bits, and ``e``
  no lower than the smallest normal exponent -- so in the subnormal range the ULP is the
  subnormal spacing.  The exponent is taken from the reference itself, not from the reference
  rounded to the dtype: a true value just below a power of two keeps the finer ULP.
* :func:`ulp_distance` -- how many representable numbers lie between two results of the same
  dtype (the integer distance of their ordered bit patterns); used to compare two builds of
  one kernel, where 0 means bit-identical.

:func:`assert_ulp_close` is the assertion of the first measure, in the style of
:mod:`numpy.testing`.

>>> import numpy as np
>>> ulp_error(np.float32([1.0 + 2**-23, 3.0]), np.array([1.0, 3.0]))
array([1., 0.])
>>> ulp_distance(np.array([1.0, 0.0]), np.array([np.nextafter(1.0, 2.0), -0.0]))
array([1., 0.])

May import: NumPy (mpmath only when a caller passes mpmath numbers); nothing of actlab.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["assert_ulp_close", "ulp_distance", "ulp_error"]


def _float_dtype(dtype: Any, got: np.ndarray) -> np.dtype:
    dt = np.dtype(got.dtype if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"ulp_error: dtype must be a floating dtype, got {dt}")
    return dt


def _mp_errors(got: np.ndarray, ref: Any, dt: np.dtype) -> np.ndarray:
    """The errors against a sequence of mpmath numbers, each at mpmath's working precision."""
    import mpmath as mp

    fi = np.finfo(dt)
    out = np.empty(len(ref))
    for i, (g, r) in enumerate(zip(got.ravel().tolist(), ref)):
        if mp.isnan(r) or mp.isinf(r) or not np.isfinite(g):
            same = (mp.isnan(r) and np.isnan(g)) or (not mp.isnan(r) and r == g)
            out[i] = 0.0 if same else np.inf
            continue
        e = max(int(mp.frexp(r)[1]) - 1, fi.minexp) if r != 0 else fi.minexp
        out[i] = float(abs(mp.mpf(g) - r) / mp.ldexp(1, e - fi.nmant))
    return out.reshape(got.shape)


def ulp_error(got: Any, ref: Any, dtype: Any = None, *, floor: float = 0.0) -> np.ndarray:
    """``|got - ref|`` in ULPs of ``dtype`` at the reference value (see the module docstring).

    Parameters
    ----------
    got : array_like
        The results to judge (any float dtype; compared exactly, as float64 or wider).
    ref : ndarray or sequence of mpmath.mpf
        The reference values, same number of elements: a float array (float64 or longdouble,
        more precise than ``dtype``) or a sequence of mpmath numbers.
    dtype : dtype, optional
        The dtype whose ULP is the unit; default: ``got``'s dtype.
    floor : float, optional
        Measure the ULP at ``max(|ref|, floor)`` (for results near zero that come from a
        cancellation, where an absolute error scale is the meaningful one).

    Returns
    -------
    ndarray of float64, the shape of ``got``
        0 where ``got`` equals ``ref`` (also for equal infinities and NaN against NaN), ``inf``
        where one is NaN or infinite and the other is not the same.
    """
    got = np.asarray(got)
    dt = _float_dtype(dtype, got)
    if not isinstance(ref, np.ndarray) or ref.dtype == object:
        if floor:
            raise ValueError("ulp_error: floor applies to array references only")
        return _mp_errors(got.astype(np.float64), list(np.ravel(np.asarray(ref, dtype=object))), dt)
    if ref.dtype.kind != "f":
        raise TypeError(f"ulp_error: ref must be a float array or mpmath numbers, got {ref.dtype}")
    if ref.size != got.size:
        raise ValueError(f"ulp_error: got has {got.size} elements, ref {ref.size}")
    wide = np.result_type(ref.dtype, got.dtype, np.float64)
    g, r = got.astype(wide).reshape(ref.shape), ref.astype(wide)
    fi = np.finfo(dt)
    err = np.full(r.shape, np.inf)
    both = np.isfinite(g) & np.isfinite(r)
    err[(g == r) | (np.isnan(g) & np.isnan(r))] = 0.0
    a = np.maximum(np.abs(r[both]), floor)
    _, e = np.frexp(a)  # a = m 2^e with 0.5 <= m < 1: the exponent is one above floor(log2 a)
    e = np.maximum(np.where(a > 0, e.astype(np.int64) - 1, fi.minexp), fi.minexp)
    err[both] = (np.abs(g[both] - r[both]) / np.ldexp(np.ones((), wide), e - fi.nmant)).astype(np.float64)
    return err.astype(np.float64).reshape(got.shape)


def ulp_distance(a: Any, b: Any) -> np.ndarray:
    """Number of representable values between ``a`` and ``b`` (same float dtype, float16 to
    float64): the distance of the bit patterns ordered as the numbers are.  ``+0`` and ``-0``
    are 0 apart (they compare equal); NaN against NaN counts 0 whatever the payload, NaN against a number ``inf``.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.dtype.kind != "f" or a.dtype.itemsize > 8:
        raise TypeError(f"ulp_distance: a and b must share a float16/32/64 dtype, got {a.dtype} and {b.dtype}")
    it = np.dtype(f"i{a.dtype.itemsize}")

    def ordered(v: np.ndarray) -> np.ndarray:
        i = v.astype(v.dtype.newbyteorder("=")).view(it).astype(np.int64)
        return np.where(i < 0, np.int64(np.iinfo(it).min) - i, i)

    d = np.abs(ordered(a) - ordered(b)).astype(np.float64)
    na, nb = np.isnan(a), np.isnan(b)
    d[na & nb] = 0
    d[na ^ nb] = np.inf
    return d


def assert_ulp_close(got: Any, ref: Any, dtype: Any, nulp: float, what: str = "",
                     floor: float = 0.0) -> None:
    """Assert ``ulp_error(got, ref, dtype, floor=floor) <= nulp`` everywhere, with the same
    NaN and infinity pattern; the message names the worst point."""
    got, ref = np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape, f"{what}: shapes {got.shape} and {ref.shape}"
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref), err_msg=f"NaN pattern {what}")
    inf = np.isinf(ref) | np.isinf(got)
    np.testing.assert_array_equal(got[inf], ref[inf], err_msg=f"infinities {what}")
    err = ulp_error(got, ref, dtype, floor=floor)
    if err.size:
        i = int(np.argmax(err))
        assert err.flat[i] <= nulp, (f"{what}: {err.flat[i]:.2f} ULP "
                                     f"(got {got.flat[i]!r}, ref {ref.flat[i]!r})")
