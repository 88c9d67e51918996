"""actlab.testing: the ULP measures every accuracy test, benchmark and tool relies on."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from actlab.testing import assert_ulp_close, ulp_distance, ulp_error


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
def test_one_step_up_is_one_ulp_in_every_binade(dt):
    fi = np.finfo(dt)
    x = np.array([1.0, 3.0, 1e-3, float(fi.tiny), float(fi.max) / 2], dtype=dt)
    up = np.nextafter(x, np.asarray(np.inf, dtype=dt))
    assert np.array_equal(ulp_error(up, x.astype(np.longdouble), dt), np.ones(5))
    # the same against mpmath numbers
    assert np.array_equal(ulp_error(up, [mp.mpf(float(v)) for v in x], dt), np.ones(5))


def test_the_ulp_is_taken_at_the_reference_not_at_its_rounding():
    # 1 - 2^-30 rounds to 1.0 in float32, but its ULP is the finer 2^-24 of [0.5, 1)
    ref = np.array([1.0 - 2.0**-30])
    assert ulp_error(np.float32([1.0]), ref)[0] == pytest.approx(2.0**-30 / 2.0**-24)


def test_subnormal_results_count_in_subnormal_spacing():
    s = np.float64(5e-324)
    assert ulp_error(np.array([3 * s]), np.array([0.0]), np.float64)[0] == 3.0
    assert ulp_error(np.array([3 * s]), [mp.mpf(0)], np.float64)[0] == 3.0
    assert ulp_error(np.float32([2.0**-140]), np.array([0.0]))[0] == 2.0**-140 / 2.0**-149


def test_mpmath_reference_is_used_at_full_precision():
    mp.mp.prec = 200
    r = mp.mpf(1) / 3
    got = np.array([float(r)])  # the rounded third is 1/3 - 2^-54 / 3 off, i.e. 1/3 ULP at 2^-2
    assert ulp_error(got, [r], np.float64)[0] == pytest.approx(1 / 3, rel=1e-12)


def test_special_values():
    nan, inf = np.nan, np.inf
    got = np.array([nan, inf, -inf, 1.0, nan, inf])
    ref = np.array([nan, inf, -inf, nan, 1.0, -inf])
    assert ulp_error(got, ref).tolist() == [0.0, 0.0, 0.0, inf, inf, inf]
    mref = [mp.nan, mp.inf, -mp.inf, mp.nan, mp.mpf(1), -mp.inf]
    assert ulp_error(got, mref).tolist() == [0.0, 0.0, 0.0, inf, inf, inf]


def test_floor_measures_near_zero_results_on_an_absolute_scale():
    got, ref = np.array([1e-20]), np.array([0.0])
    assert ulp_error(got, ref, np.float64, floor=1.0)[0] == pytest.approx(1e-20 / 2.0**-52)


def test_bad_arguments_name_the_problem():
    with pytest.raises(TypeError, match="floating dtype, got int64"):
        ulp_error(np.array([1, 2]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="2 elements, ref 3"):
        ulp_error(np.array([1.0, 2.0]), np.zeros(3))
    with pytest.raises(TypeError, match="float16/32/64 dtype"):
        ulp_distance(np.zeros(2, np.float32), np.zeros(2))


def test_ulp_distance_counts_representable_numbers_between():
    a = np.array([1.0, -1.0, 0.0, -5e-324, np.nan, np.nan], dtype=">f8")  # big-endian too
    b = np.array([np.nextafter(1.0, 2.0), np.nextafter(-1.0, 0.0), -0.0, 5e-324, np.nan, 1.0],
                 dtype=">f8")
    assert ulp_distance(a, b).tolist() == [1.0, 1.0, 0.0, 2.0, 0.0, np.inf]
    f = np.float32([1.0])
    assert ulp_distance(f, f * np.float32(1 + 2**-22))[0] == 2.0


def test_assert_ulp_close_reports_the_worst_point():
    ref = np.array([1.0, 2.0, 4.0])
    got = ref + np.array([0.0, 2 * 2.0**-51, 0.0])
    assert_ulp_close(got, ref, np.float64, 2.0)
    with pytest.raises(AssertionError, match=r"k: 2.00 ULP \(got .*2\.000000000000001"):
        assert_ulp_close(got, ref, np.float64, 1.5, "k")
    with pytest.raises(AssertionError, match="NaN pattern"):
        assert_ulp_close(np.array([np.nan]), np.array([1.0]), np.float64, 1.0)
