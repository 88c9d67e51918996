/* AVX-512 loops (intrinsics) of sigmoid, silu, tanh and softplus, float32 and float64:
 * sigmoid, silu and float64 tanh through a table-driven exponential and a quotient (below);
 * softplus and float32 tanh through tables of polynomials in |x| (gen_tables.py).
 *
 * Included by kimpl.h in the AVX-512 variant only (kern_avx512.c defines K_X512); the other
 * variants and other architectures keep the portable loops of kimpl.h.  Why intrinsics:
 * the exponential below reads a 16-entry table of 2^(j/16) with one in-register permute
 * (vpermps / vpermt2pd) where the compiler would emit a gather and scales by 2^k with
 * integer adds to the exponent field; float32 runs in float arithmetic, 16 lanes per vector.
 * Timings that chose the variants below: docs/kernel-timings.md (measured, one machine).
 *
 * Exponential, e = exp(a) for a = -|x| <= 0 (clamped at -80 for float, -708 for double):
 *   m = round(a 16/ln2) from the rounding shift t = a 16/ln2 + 1.5 2^23 (2^52), j = m mod 16
 *   (the permute index reads the low 4 bits of t), k = floor(m / 16) moved from the bits of
 *   t into an exponent field (shift right by 4, left by 23 resp. 52);
 *   rh = a - m L1 is exact (L1 = ln2/16 to 12 bits in float, |m| < 2^11; 37 bits in double,
 *   |m| < 2^14; for m != 0, |a| >= ln2/32 so a and m L1 share a fine enough grid), then
 *   r = rh - m L2 rounded once: |r| <= 0.0217, error <= 2^-24 |r| (2^-53 |r|) + |m| 2^-48;
 *   p = expm1(r) by Taylor, degree 4 (float: remainder |r|^5/120 < 2^-34.5) or 7 (double:
 *   |r|^8/8! < 2^-59.5), or for float64 sigmoid, silu and softplus r + r^2 (c2 + ... + c6
 *   r^4), minimax (gen_tables.py, 2^-56.3; one fma less), rounded once
 *   (2^-29.5 resp. 2^-58.5 absolute);
 *   W = 2^(j/16) e^r = Th + (Th p + Tl) (Th + Tl = 2^(j/16) to 2^-48 resp. 2^-106), the
 *   fused sum rounded once (|.| <= 0.042: 2^-28.6 resp. 2^-57.6), then Fast2Sum'd into a
 *   normalised pair wh + wl (exact), and e = 2^k (wh + wl).  (2^k Th and 2^k Tl are taken
 *   before the sum, 2^k Th by an integer add to the exponent field: one multiply less;
 *   float64's degree-6 variant adds Tl/Th to r instead, see kx_exp_d.)
 *   Relative error of e: float <= 2^-27.6, double <= 2^-56.4 (degree 7) or 2^-55.2 (6).
 * Sigmoid, as in kmath.h / kfuncs.h: d = 1 + e = dh + dl (Fast2Sum plus the low part),
 *   sigma = (x < 0 ? e : 1) / d: y0 = n / dh rounded (one division: it overlaps the FMAs,
 *   and vrcp14 plus a Newton step measured slower), the remainder n - y0 dh exact by
 *   fma, plus nl - y0 dl (roundings 2^-24 resp. 2^-53 of a remainder of ~ulp(y0)), corr =
 *   rem / d by rem y0 for x >= 0, where y0 = 1/dh, and rem (1 - y0) for x < 0, where 1/d =
 *   1 - e/d (relative 2^-23 resp. 2^-52 of corr; faster than rem vrcp14(dh)), result
 *   y0 + corr rounded once (one fma).  The error of e is damped by 1/(1 + e) <= 1
 *   (x < 0) or e/(1 + e) <= 1/2 (x >= 0); the remainder steps add < 2^-36 (float) resp.
 *   2^-65 (double) relative.  Bounds before the final rounding: float 2^-26 relative (0.25
 *   ULP), double 2^-55 (0.25 ULP).  Measured: float32 over all 2^32 inputs
 *   (tools/check_f32_exhaustive.py), see the README; float64 0.63 ULP on 260k random points
 *   (0.54 with the degree-7 exponential); tests/kernels/ holds them to 0.75.
 * silu = x sigma = fma(x, y0, x corr), one rounding (x corr is ~2^-24 resp. 2^-53 of the sum,
 *   its own rounding negligible); x > 40, +inf and NaN return x.
 * Lanes below the range (float x < -80: sigma's subnormal tail; double x < -705) are
 * recomputed by the portable element functions (see the loops at the end). */
#ifndef ACTLAB_KX512_H
#define ACTLAB_KX512_H
#include <immintrin.h>

#define KX_F_LO (-80.0f)
#define KX_D_LO (-705.0)

/* float32 exp(a) = *eh + *el (normalised pair, 2^k included) for a in [-80, 0] or NaN */
KINLINE void kx_exp_f(__m512 a, __m512 *eh, __m512 *el)
{
    const __m512 th = _mm512_loadu_ps(k_x16f_th), tl = _mm512_loadu_ps(k_x16f_tl);
    const __m512 shift = _mm512_set1_ps(0x1.8p23f);
    __m512 t = _mm512_fmadd_ps(a, _mm512_set1_ps(K_X16F_INVL), shift);
    __m512 md = _mm512_sub_ps(t, shift);
    __m512 rh = _mm512_fnmadd_ps(md, _mm512_set1_ps(K_X16F_L1), a);
    __m512 r = _mm512_fnmadd_ps(md, _mm512_set1_ps(K_X16F_L2), rh);
    __m512 q = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 24.0f), r, _mm512_set1_ps(1.0f / 6.0f));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(0.5f));
    __m512 p = _mm512_fmadd_ps(_mm512_mul_ps(r, r), q, r);
    /* k << 23 from the bits of t (as kx_exp_d; k >= -116 for a >= -80: 2^k Th and 2^k are
     * normal, 2^k Tl may go subnormal, 2^-150 absolute, 2^-34 of e) */
    __m512i ti = _mm512_castps_si512(t);
    __m512i ks = _mm512_slli_epi32(_mm512_srli_epi32(ti, 4), 23);
    __m512 s = _mm512_castsi512_ps(_mm512_add_epi32(ks, _mm512_set1_epi32(0x3f800000)));
    __m512 Th = _mm512_castsi512_ps(
        _mm512_add_epi32(_mm512_castps_si512(_mm512_permutexvar_ps(ti, th)), ks));
    __m512 Tl = _mm512_mul_ps(_mm512_permutexvar_ps(ti, tl), s);
    __m512 lo = _mm512_fmadd_ps(Th, p, Tl);
    *eh = _mm512_add_ps(Th, lo);
    *el = _mm512_add_ps(_mm512_sub_ps(Th, *eh), lo);
}

/* y0 = nh / dh rounded and the remainder (nh + nl) - y0 (dh + dl) (see the header comment) */
KINLINE __m512 kx_div_f(__m512 nh, __m512 nl, __m512 dh, __m512 dl, __m512 *rem)
{
    __m512 y0 = _mm512_div_ps(nh, dh);
    __m512 r = _mm512_add_ps(_mm512_fnmadd_ps(y0, dh, nh), nl);
    *rem = _mm512_fnmadd_ps(y0, dl, r);
    return y0;
}

/* float32: sigma(x) = y0 + rem / d, 1/d ~ *rcp (the float path clamps a at -80: everything
 * stays normal except possibly el, whose absolute error 2^-150 is 2^-34 of e) */
KINLINE __m512 kx_sig_f(__m512 x, __m512 *rem, __m512 *rcp)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 a = _mm512_or_ps(x, _mm512_set1_ps(-0.0f));  /* -|x| */
    a = _mm512_max_ps(_mm512_set1_ps(KX_F_LO), a);       /* second operand: NaN stays NaN */
    __m512 eh, el;
    kx_exp_f(a, &eh, &el);
    __m512 dh = _mm512_add_ps(one, eh);
    __m512 dl = _mm512_add_ps(_mm512_add_ps(_mm512_sub_ps(one, dh), eh), el);
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 nh = _mm512_mask_blend_ps(neg, one, eh), nl = _mm512_maskz_mov_ps(neg, el);
    __m512 y0 = kx_div_f(nh, nl, dh, dl, rem);
    /* 1/d: y0 itself (x >= 0), 1 - y0 = 1 - e/d (x < 0) */
    *rcp = _mm512_mask_sub_ps(y0, neg, one, y0);
    return y0;
}

KINLINE __m512 kx_sigmoid_fv(__m512 x)
{
    __m512 rem, rcp, y0 = kx_sig_f(x, &rem, &rcp);
    return _mm512_fmadd_ps(rem, rcp, y0);
}

KINLINE __m512 kx_silu_fv(__m512 x)
{
    __m512 rem, rcp, y0 = kx_sig_f(x, &rem, &rcp);
    __m512 c = _mm512_mul_ps(rem, rcp);
    const __m512 big = _mm512_set1_ps(40.0f);
    __m512 xc = _mm512_min_ps(x, big); /* no inf * 0 (NaN gives 40 here...) */
    __m512 r = _mm512_fmadd_ps(xc, y0, _mm512_mul_ps(xc, c));
    /* ...and x itself where !(x <= 40): x > 40, +inf and NaN */
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, big, _CMP_NLE_UQ), x);
}

/* float64 exp(a) = *eh + *el (normalised pair, 2^k included) for a in [-708, 0] (so k >=
 * -1022; the pair is normal for a >= -705) or NaN.  2^k Th by adding k to Th's exponent field:
 * k << 52 from the bits of the rounding shift t = 1.5 2^52 + m, (bits >> 4) << 52 (the
 * constant part 1.5 2^48 of bits >> 4 leaves the 64 bits when shifted, floor(m / 16) stays,
 * two's complement).  Two variants (fast is a compile-time constant):
 *   fast = 0 (tanh, whose quotient amplifies the error of e up to 4x): exp(r) - 1 by the
 *     degree-7 Taylor polynomial (relative error 2^-59.5), lo = 2^k Th p + 2^k Tl, one fma
 *     (2^k Tl by a multiply; it may be 0 or go subnormal: 2^-1075 absolute, 2^-57 of e);
 *   fast = 1 (sigmoid, silu, softplus): the degree-6 minimax polynomial (k_x16_p6, 2^-56.3)
 *     with the table's relative low part Tl/Th added to r first (one more rounding, 2^-58.5),
 *     lo = 2^k Th (p + Tl/Th) by one multiply: two FMA-pipe operations less. */
KINLINE void kx_exp_d(__m512d a, __m512d *eh, __m512d *el, int fast)
{
    const __m512d t0 = _mm512_loadu_pd(k_x16_th), t1 = _mm512_loadu_pd(k_x16_th + 8);
    const __m512d shift = _mm512_set1_pd(K_SHIFT);
    __m512d t = _mm512_fmadd_pd(a, _mm512_set1_pd(K_X16_INVL), shift);
    __m512d md = _mm512_sub_pd(t, shift);
    __m512d rh = _mm512_fnmadd_pd(md, _mm512_set1_pd(K_X16_L1), a);
    __m512d r = _mm512_fnmadd_pd(md, _mm512_set1_pd(K_X16_L2), rh);
    __m512i ti = _mm512_castpd_si512(t);
    __m512i ks = _mm512_slli_epi64(_mm512_srli_epi64(ti, 4), 52);
    __m512d Th = _mm512_castsi512_pd(
        _mm512_add_epi64(_mm512_castpd_si512(_mm512_permutex2var_pd(t0, ti, t1)), ks));
    __m512d lo;
    if (fast) {
        const __m512d l0 = _mm512_loadu_pd(k_x16_tr), l1 = _mm512_loadu_pd(k_x16_tr + 8);
        __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(k_x16_p6[4]), r, _mm512_set1_pd(k_x16_p6[3]));
        q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(k_x16_p6[2]));
        q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(k_x16_p6[1]));
        q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(k_x16_p6[0]));
        __m512d p = _mm512_fmadd_pd(_mm512_mul_pd(r, r), q,
                                    _mm512_add_pd(r, _mm512_permutex2var_pd(l0, ti, l1)));
        lo = _mm512_mul_pd(Th, p);
    } else {
        const __m512d l0 = _mm512_loadu_pd(k_x16_tl), l1 = _mm512_loadu_pd(k_x16_tl + 8);
        __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 5040.0), r, _mm512_set1_pd(1.0 / 720.0));
        q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 120.0));
        q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 24.0));
        q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 6.0));
        q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0.5));
        __m512d p = _mm512_fmadd_pd(_mm512_mul_pd(r, r), q, r);
        __m512d s = _mm512_castsi512_pd(_mm512_add_epi64(ks, _mm512_set1_epi64(0x3ffLL << 52)));
        lo = _mm512_fmadd_pd(Th, p, _mm512_mul_pd(_mm512_permutex2var_pd(l0, ti, l1), s));
    }
    *eh = _mm512_add_pd(Th, lo);
    *el = _mm512_add_pd(_mm512_sub_pd(Th, *eh), lo);
}

/* y0 = nh / dh rounded and the remainder (nh + nl) - y0 (dh + dl) */
KINLINE __m512d kx_div_d(__m512d nh, __m512d nl, __m512d dh, __m512d dl, __m512d *rem)
{
    __m512d y0 = _mm512_div_pd(nh, dh);
    __m512d r = _mm512_add_pd(_mm512_fnmadd_pd(y0, dh, nh), nl);
    *rem = _mm512_fnmadd_pd(y0, dl, r);
    return y0;
}

/* float64: sigma(x) = y0 + rem / d, 1/d ~ *rcp.  The numerator of x < 0 is e = eh + el
 * itself, no final scaling by 2^k: eh is normal for x >= -705, el may go subnormal (2^-1075
 * absolute, 2^-57 of the result) */
KINLINE __m512d kx_sig_d(__m512d x, __m512d *rem, __m512d *rcp)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d a = _mm512_or_pd(x, _mm512_set1_pd(-0.0));
    a = _mm512_max_pd(_mm512_set1_pd(-708.0), a);
    __m512d eh, el;
    kx_exp_d(a, &eh, &el, 1);
    __m512d dh = _mm512_add_pd(one, eh);
    __m512d dl = _mm512_add_pd(el, _mm512_add_pd(_mm512_sub_pd(one, dh), eh));
    __mmask8 neg = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_LT_OQ);
    __m512d nh = _mm512_mask_blend_pd(neg, one, eh), nl = _mm512_maskz_mov_pd(neg, el);
    __m512d y0 = kx_div_d(nh, nl, dh, dl, rem);
    /* 1/d for the correction: y0 itself (x >= 0), 1 - y0 = 1 - e/d (x < 0) */
    *rcp = _mm512_mask_sub_pd(y0, neg, one, y0);
    return y0;
}

KINLINE __m512d kx_sigmoid_dv(__m512d x)
{
    __m512d rem, rcp, y0 = kx_sig_d(x, &rem, &rcp);
    return _mm512_fmadd_pd(rem, rcp, y0);
}

KINLINE __m512d kx_silu_dv(__m512d x)
{
    __m512d rem, rcp, y0 = kx_sig_d(x, &rem, &rcp);
    const __m512d big = _mm512_set1_pd(40.0);
    __m512d xc = _mm512_min_pd(x, big); /* NaN gives 40 here, x below */
    __m512d c = _mm512_mul_pd(rem, rcp);
    __m512d r = _mm512_fmadd_pd(xc, y0, _mm512_mul_pd(xc, c)); /* x (y0 + c), one rounding */
    __mmask8 asis = _mm512_cmp_pd_mask(x, big, _CMP_NLE_UQ) |
                    _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_EQ_OQ);
    return _mm512_mask_mov_pd(r, asis, x); /* x > 40, inf, NaN: x; x = -0: -0 (r may be +0) */
}

/* y = s + e + c0l + d c1 + d^2 Q with one final rounding, for an exact leading pair s + e
 * (softplus: 2Sum(max(x, 0), c0h); tanh: c0h + 0) with |d c1| <= |s|: d c1 = ph + pl exactly
 * (fma); s + ph = u + v by Fast2Sum; y = u + (v + (e + (pl + c0l + d^2 Q))) */
#define KX_POLY_SUM(VT, SUF, s, e, d, c0l, c1, Q, y)                                         \
    do {                                                                                    \
        VT c1p_ = (c1), sp_ = (s);                                                          \
        VT ph_ = _mm512_mul_##SUF(d, c1p_);                                                 \
        VT pl_ = _mm512_fmsub_##SUF(d, c1p_, ph_);                                          \
        VT lo_ = _mm512_fmadd_##SUF(_mm512_mul_##SUF(d, d), Q, _mm512_add_##SUF(pl_, c0l)); \
        VT u_ = _mm512_add_##SUF(sp_, ph_);                                                 \
        VT v_ = _mm512_add_##SUF(_mm512_sub_##SUF(sp_, u_), ph_);                           \
        (y) = _mm512_add_##SUF(u_, _mm512_add_##SUF(v_, _mm512_add_##SUF(e, lo_)));         \
    } while (0)
/* softplus: max(x, 0) + c0h = s + e by 2Sum, then KX_POLY_SUM (|ph| < c0h <= s) */
#define KX_SP_SUM(VT, SUF, xp, d, c0h, c0l, c1, Q, y)                                        \
    do {                                                                                    \
        VT c0_ = (c0h);                                                                     \
        VT s_ = _mm512_add_##SUF(xp, c0_), bb_ = _mm512_sub_##SUF(s_, xp);                  \
        VT e_ = _mm512_add_##SUF(_mm512_sub_##SUF(xp, _mm512_sub_##SUF(s_, bb_)),           \
                                 _mm512_sub_##SUF(c0_, bb_));                               \
        KX_POLY_SUM(VT, SUF, s_, e_, d, c0l, c1, Q, y);                                     \
    } while (0)

/* float32 tanh by 32 degree-6 polynomials in a = |x| (gen_tables.py): j = round(3.2 a) (the
 * rounding shift's low 5 bits index the permutes), d = a - 5j/16 (exact: a multiple of a's ulp
 * below 0.158 < 2^24 ulp(a)), tanh a = c0h + c0l + c1 d + d^2 Q(d), Q = c2 + ... + c6 d^4,
 * relative error of the rounded polynomials < 2^-28.4 (first interval: d = a >= 0, c0 = 0).
 * d c1 = ph + pl exactly, |ph| <= 0.158 tanh'(c) < tanh(c) = c0h for j >= 1 (j = 0: c0h = 0),
 * so KX_POLY_SUM with s = c0h, e = 0: y = u + (v + (pl + c0l + d^2 Q)) rounded once;
 * |d^2 Q| < 0.03 y, so its roundings stay below 2^-29 of y: <= 0.5 + 2^-4 ULP.  a >= 9.75
 * (and inf) gives 1 (tanh rounds to 1 from 9.01 on); NaN propagates; the sign is put back
 * last (tanh(-0) = -0).  No exponential, no division, the same cost for every x (faster than
 * the exp / quotient version it replaced: docs/kernel-timings.md). */
#define KX_THF_TAB(r)                                                                        \
    _mm512_permutex2var_ps(_mm512_loadu_ps(k_xth_f[r]), ix, _mm512_loadu_ps(k_xth_f[r] + 16))
KINLINE __m512 kx_tanh_fv(__m512 x)
{
    const __m512 sgn = _mm512_set1_ps(-0.0f), shift = _mm512_set1_ps(0x1.8p23f);
    __m512 a = _mm512_andnot_ps(sgn, x);
    __m512 t = _mm512_fmadd_ps(a, _mm512_set1_ps(3.2f), shift);
    __m512 d = _mm512_fnmadd_ps(_mm512_sub_ps(t, shift), _mm512_set1_ps(0.3125f), a);
    __m512i ix = _mm512_castps_si512(t);
    __m512 Q = _mm512_fmadd_ps(KX_THF_TAB(7), d, KX_THF_TAB(6));
    Q = _mm512_fmadd_ps(Q, d, KX_THF_TAB(5));
    Q = _mm512_fmadd_ps(Q, d, KX_THF_TAB(4));
    Q = _mm512_fmadd_ps(Q, d, KX_THF_TAB(3));
    __m512 y;
    KX_POLY_SUM(__m512, ps, KX_THF_TAB(0), _mm512_setzero_ps(), d, KX_THF_TAB(1), KX_THF_TAB(2),
                Q, y);
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(a, _mm512_set1_ps(9.75f), _CMP_GE_OQ),
                           _mm512_set1_ps(1.0f));
    return _mm512_or_ps(y, _mm512_and_ps(x, sgn));
}
#undef KX_THF_TAB

/* float64 tanh |x| = 2 q - 1, q = 1/(1 + e), e = exp(-2|x|) = eh + el: d = 1 + e = dh + dl
 * (Fast2Sum plus el), y0 = 1/dh rounded, the remainder rem = 1 - y0 dh (exact by fma) - y0 dl,
 * q = y0 + rem/d ~ y0 + rem y0 (the correction within 2^-52 of itself, 2^-105 of q); 2 y0 - 1
 * is exact (Sterbenz: 2 y0 in [1, 2]), so tanh |x| = (2 y0 - 1) + 2 y0 rem by one fma, one
 * rounding.  (Faster than the quotient (1 - e)/(1 + e) of two pairs it replaced, the same
 * errors.)  For |x| <= 1/8 the odd Taylor polynomial x + x^3 P(x^2) instead (2q - 1 would lose
 * relative accuracy there), to x^15 (remainder 0.00059 x^17 < 2^-58.7 |x|).  For |x| > 1/8,
 * 2q - 1 = (1 - e)/(1 + e) turns a relative error eps of e into 2 e eps / (1 - e^2) <= 4.0 eps
 * (e <= 0.78): 2^-54.4.  a = -2|x| is clamped at -40, where tanh rounds to 1 anyway; NaN
 * propagates; the sign is put back last, so tanh(-0) = -0. */
KINLINE __m512d kx_tanh_dv(__m512d x)
{
    const __m512d sgn = _mm512_set1_pd(-0.0);
    __m512d ax = _mm512_andnot_pd(sgn, x);
    __m512d a = _mm512_max_pd(_mm512_set1_pd(-40.0), _mm512_mul_pd(ax, _mm512_set1_pd(-2.0)));
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d eh, el;
    kx_exp_d(a, &eh, &el, 0);
    __m512d dh = _mm512_add_pd(one, eh);
    __m512d dl = _mm512_add_pd(el, _mm512_add_pd(_mm512_sub_pd(one, dh), eh));
    __m512d y0 = _mm512_div_pd(one, dh);
    __m512d rem = _mm512_fnmadd_pd(y0, dl, _mm512_fnmadd_pd(y0, dh, one));
    __m512d y2 = _mm512_add_pd(y0, y0);
    __m512d y = _mm512_fmadd_pd(rem, y2, _mm512_sub_pd(y2, one));
    /* the polynomial only for vectors with a lane that needs it (faster unless nearly every
     * |x| is below 1/8: docs/kernel-timings.md) */
    __mmask8 small = _mm512_cmp_pd_mask(ax, _mm512_set1_pd(0.125), _CMP_LE_OQ);
    if (small) {
        __m512d z = _mm512_mul_pd(ax, ax);
        __m512d P = _mm512_fmadd_pd(_mm512_set1_pd(-929569.0 / 638512875.0), z,
                                    _mm512_set1_pd(21844.0 / 6081075.0));
        P = _mm512_fmadd_pd(P, z, _mm512_set1_pd(-1382.0 / 155925.0));
        P = _mm512_fmadd_pd(P, z, _mm512_set1_pd(62.0 / 2835.0));
        P = _mm512_fmadd_pd(P, z, _mm512_set1_pd(-17.0 / 315.0));
        P = _mm512_fmadd_pd(P, z, _mm512_set1_pd(2.0 / 15.0));
        P = _mm512_fmadd_pd(P, z, _mm512_set1_pd(-1.0 / 3.0));
        __m512d ys = _mm512_fmadd_pd(_mm512_mul_pd(ax, z), P, ax);
        y = _mm512_mask_mov_pd(y, small, ys);
    }
    return _mm512_or_pd(y, _mm512_and_pd(x, sgn));
}

/* float32 softplus (beta = 1, any threshold) in float arithmetic, 16 lanes:
 *   softplus(x) = max(x, 0) + g(a), g(a) = log1p(exp(-a)), a = |x|.
 *   a < 7.875: g from 32 degree-5 polynomials (gen_tables.py): j = round(4a) from the bits of
 *     the rounding shift 4a + 1.5 2^23 (the permutes read its low 5 bits), d = a - j/4 exact
 *     (Sterbenz for j >= 1), g = c0h + c0l + c1 d + d^2 Q(d), Q = c2 + c3 d + c4 d^2 + c5 d^3,
 *     float coefficients (relative error of the rounded polynomial < 2^-29.4; c0h + c0l = g(j/4)
 *     to 2^-48).  d c1 = ph + pl exactly (fma); |ph| <= |d| g(j/4) <= c0h/8 (|g'| <= g).
 *     max(x, 0) + c0h = s + e by 2Sum, s + ph = u + v by Fast2Sum (|ph| < c0h <= s), and
 *     y = u + (v + (e + (pl + c0l + d^2 Q))) rounded once at the end: the small terms' roundings
 *     and Q's are below 2^-24 of |d^2 Q| + ulp(u) (< 2^-30 of g), so the bound before the final
 *     rounding is the polynomial's 2^-29.4 plus ~2^-30: <= 0.5 + 2^-4 ULP.
 *   a >= 7.875, inf, NaN: e = exp(-a) = eh + el (kx_exp_f, relative 2^-27.6; a clamped at 80:
 *     lanes with x < -80, where results go subnormal, are recomputed by the portable kernel),
 *     g = e (1 - e/2 + e^2/3) (e <= 3.8e-4: the dropped terms are < 2^-35 of g) as
 *     eh + (el + eh q), q = eh (eh/3 - 1/2): <= 0.5 + 2^-3 ULP.  Vectors without such a lane
 *     skip this part (so wide data costs more: docs/kernel-timings.md).
 *   x where x > threshold (thf: the largest float <= threshold, the same test for float x).
 * Over all 2^32 inputs: see tools/check_f32_exhaustive.py (README). */
#define KX_SPF_TAB(r)                                                                        \
    _mm512_permutex2var_ps(_mm512_loadu_ps(k_xsp_f[r]), ix, _mm512_loadu_ps(k_xsp_f[r] + 16))
KINLINE __m512 kx_softplus_fv(__m512 x, __m512 thf)
{
    const __m512 zero = _mm512_setzero_ps(), shift = _mm512_set1_ps(0x1.8p23f);
    __m512 a = _mm512_andnot_ps(_mm512_set1_ps(-0.0f), x);
    __m512 xp = _mm512_max_ps(zero, x); /* NaN stays; max(0, -0) = -0 */
    __m512 t = _mm512_fmadd_ps(a, _mm512_set1_ps(4.0f), shift);
    __m512 d = _mm512_fnmadd_ps(_mm512_sub_ps(t, shift), _mm512_set1_ps(0.25f), a);
    __m512i ix = _mm512_castps_si512(t);
    __m512 Q = _mm512_fmadd_ps(KX_SPF_TAB(6), d, KX_SPF_TAB(5));
    Q = _mm512_fmadd_ps(Q, d, KX_SPF_TAB(4));
    Q = _mm512_fmadd_ps(Q, d, KX_SPF_TAB(3));
    __m512 y;
    KX_SP_SUM(__m512, ps, xp, d, KX_SPF_TAB(0), KX_SPF_TAB(1), KX_SPF_TAB(2), Q, y);
    __mmask16 far = _mm512_cmp_ps_mask(a, _mm512_set1_ps(7.875f), _CMP_NLT_UQ);
    if (far) {
        __m512 eh, el;
        kx_exp_f(_mm512_max_ps(_mm512_set1_ps(KX_F_LO), _mm512_xor_ps(a, _mm512_set1_ps(-0.0f))),
                 &eh, &el);
        __m512 q = _mm512_mul_ps(eh, _mm512_fmadd_ps(eh, _mm512_set1_ps(1.0f / 3.0f),
                                                     _mm512_set1_ps(-0.5f)));
        __m512 g = _mm512_add_ps(eh, _mm512_fmadd_ps(eh, q, el));
        y = _mm512_mask_add_ps(y, far, xp, g);
    }
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, thf, _CMP_GT_OQ), x);
}
#undef KX_SPF_TAB

/* float64 softplus (beta = 1, any threshold), x >= -705 (the loop sends lanes with lower x
 * to the portable kernel, whose results there are subnormal); as the float32 one above:
 *   a < 7.75: 16 degree-12 polynomials in d = a - j/2, j = round(2a), |d| <= 1/4, double
 *     coefficients (relative error of the rounded polynomials < 2^-58.5; c0h + c0l = g(j/2) to
 *     2^-106); |ph| = |d c1| <= c0h/4; max(x, 0) + c0h by 2Sum, + ph by Fast2Sum, the rest
 *     (pl + c0l + d^2 Q, |d^2 Q| < g/20, its roundings < 2^-57 of g) added last: <= 0.5 + 2^-4
 *     ULP before the final rounding's 0.5.
 *   a >= 7.75, inf, NaN: e = exp(-a) = 2^k (wh + wl) within 2^-55.2 (kx_exp_d, degree 6), g =
 *     e (1 - e/2 + e^2/3 - e^3/4 + e^4/5 - e^5/6) (e <= 4.4e-4: the rest < 2^-62 of g) as eh +
 *     (el + eh q): <= 0.5 + 2^-2 ULP.  Vectors without such a lane skip this part.
 *   x where x > threshold.  (The cost by input spread, and against the double-double exp and
 *   log-table version before: docs/kernel-timings.md.) */
#define KX_SPD_TAB(r)                                                                        \
    _mm512_permutex2var_pd(_mm512_loadu_pd(k_xsp_d[r]), ix, _mm512_loadu_pd(k_xsp_d[r] + 8))
KINLINE __m512d kx_softplus_dv(__m512d x, __m512d th)
{
    const __m512d zero = _mm512_setzero_pd(), shift = _mm512_set1_pd(K_SHIFT);
    __m512d a = _mm512_andnot_pd(_mm512_set1_pd(-0.0), x);
    __m512d xp = _mm512_max_pd(zero, x); /* NaN stays; max(0, -0) = -0 */
    __m512d t = _mm512_fmadd_pd(a, _mm512_set1_pd(2.0), shift);
    __m512d d = _mm512_fnmadd_pd(_mm512_sub_pd(t, shift), _mm512_set1_pd(0.5), a);
    __m512i ix = _mm512_castpd_si512(t);
    __m512d Q = _mm512_fmadd_pd(KX_SPD_TAB(13), d, KX_SPD_TAB(12));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(11));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(10));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(9));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(8));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(7));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(6));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(5));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(4));
    Q = _mm512_fmadd_pd(Q, d, KX_SPD_TAB(3));
    __m512d y;
    KX_SP_SUM(__m512d, pd, xp, d, KX_SPD_TAB(0), KX_SPD_TAB(1), KX_SPD_TAB(2), Q, y);
    __mmask8 far = _mm512_cmp_pd_mask(a, _mm512_set1_pd(7.75), _CMP_NLT_UQ);
    if (far) {
        __m512d eh, el;
        kx_exp_d(_mm512_max_pd(_mm512_set1_pd(-708.0), _mm512_xor_pd(a, _mm512_set1_pd(-0.0))),
                 &eh, &el, 1);
        __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(-1.0 / 6.0), eh, _mm512_set1_pd(1.0 / 5.0));
        q = _mm512_fmadd_pd(q, eh, _mm512_set1_pd(-1.0 / 4.0));
        q = _mm512_fmadd_pd(q, eh, _mm512_set1_pd(1.0 / 3.0));
        q = _mm512_mul_pd(eh, _mm512_fmadd_pd(q, eh, _mm512_set1_pd(-0.5)));
        __m512d g = _mm512_add_pd(eh, _mm512_fmadd_pd(eh, q, el));
        y = _mm512_mask_add_pd(y, far, xp, g);
    }
    return _mm512_mask_mov_pd(y, _mm512_cmp_pd_mask(x, th, _CMP_GT_OQ), x);
}
#undef KX_SPD_TAB


/* The loops: two vectors per step, then masked vectors for the rest; lanes below the range
 * are recomputed by the portable element function (lane by lane, so a lane's result never
 * depends on its neighbours, i.e. on where a thread's slice starts).  Slices of at least
 * KX_NT_BYTES (so far beyond the caches that the result is not read back from them) are
 * written with streaming stores: no read-for-ownership of the output lines, a third less
 * memory traffic (docs/kernel-timings.md); the head up to y's first 64-byte boundary goes through the
 * masked loop, and an sfence ends the call (the thread pool's handshake follows it). */
#define KX_NT_BYTES ((ptrdiff_t)8 << 20)
/* lanes of v (x[i..]) selected by low: the portable element function, from a copy of v (so
 * that an in-place call, whose vector store has overwritten them, still reads x) */
#define KX_FIXUP(T, W, SUF, SCALAR, v, low, at)                                             \
    if (low) {                                                                              \
        T tmp_[W];                                                                          \
        _mm512_storeu_##SUF(tmp_, v);                                                       \
        for (int j = 0; j < W; j++)                                                         \
            if ((low >> j) & 1u)                                                            \
                y[(at) + j] = (T)SCALAR(tmp_[j]);                                           \
    }
#define KX_MASKED(T, VT, W, SUF, MT, VEC, SCALAR, TO)                                        \
    for (; i < (TO); i += W) {                                                              \
        const ptrdiff_t m = (TO) - i < W ? (TO) - i : W;                                    \
        const MT k = (MT)(m == W ? (1u << W) - 1u : (1u << m) - 1u);                        \
        VT v = _mm512_maskz_loadu_##SUF(k, x + i);                                          \
        const MT low = _mm512_mask_cmp_##SUF##_mask(k, v, lo, _CMP_LT_OQ);                  \
        _mm512_mask_storeu_##SUF(y + i, k, VEC(v));                                         \
        KX_FIXUP(T, W, SUF, SCALAR, v, low, i)                                              \
    }
#define KX_PAIRS(T, VT, W, SUF, MT, VEC, SCALAR, STORE)                                      \
    for (; i + 2 * W <= n; i += 2 * W) {                                                    \
        VT v0 = _mm512_loadu_##SUF(x + i), v1 = _mm512_loadu_##SUF(x + i + W);              \
        const MT low0 = _mm512_cmp_##SUF##_mask(v0, lo, _CMP_LT_OQ);                        \
        const MT low1 = _mm512_cmp_##SUF##_mask(v1, lo, _CMP_LT_OQ);                        \
        VT r0 = VEC(v0), r1 = VEC(v1);                                                      \
        STORE(y + i, r0);                                                                   \
        STORE(y + i + W, r1);                                                               \
        if (low0 | low1) {                                                                  \
            KX_FIXUP(T, W, SUF, SCALAR, v0, low0, i)                                        \
            KX_FIXUP(T, W, SUF, SCALAR, v1, low1, i + W)                                    \
        }                                                                                   \
    }
/* the body of a loop function over x[0..n) -> y (lo: the range test's bound) */
#define KX_BODY(T, VT, W, SUF, MT, VEC, SCALAR)                                              \
    ptrdiff_t i = 0;                                                                        \
    if (n * (ptrdiff_t)sizeof(T) >= KX_NT_BYTES && (uintptr_t)y % sizeof(T) == 0) {         \
        const ptrdiff_t head = (ptrdiff_t)(((64 - ((uintptr_t)y & 63)) & 63) / sizeof(T));  \
        KX_MASKED(T, VT, W, SUF, MT, VEC, SCALAR, head)                                     \
        i = head;                                                                           \
        KX_PAIRS(T, VT, W, SUF, MT, VEC, SCALAR, _mm512_stream_##SUF)                       \
        _mm_sfence();                                                                       \
    } else {                                                                                \
        KX_PAIRS(T, VT, W, SUF, MT, VEC, SCALAR, _mm512_storeu_##SUF)                       \
    }                                                                                       \
    KX_MASKED(T, VT, W, SUF, MT, VEC, SCALAR, n)
#define KX_LOOP(T, VT, W, SUF, MT, FN, VEC, SCALAR, LO)                                      \
    static void FN(const T *x, T *y, ptrdiff_t n)                                           \
    {                                                                                       \
        const VT lo = _mm512_set1_##SUF(LO);                                                \
        KX_BODY(T, VT, W, SUF, MT, VEC, SCALAR)                                             \
    }
#define KX_LOOP_F(NAME, VEC, SCALAR, LO)                                                     \
    static inline double KV(kx_##NAME##_f1)(float v) { return SCALAR((double)v); }          \
    KX_LOOP(float, __m512, 16, ps, __mmask16, KV(kx_##NAME##_f), VEC, KV(kx_##NAME##_f1), LO)
#define KX_LOOP_D(NAME, VEC, SCALAR, LO)                                                     \
    static inline double KV(kx_##NAME##_d1)(double v) { return SCALAR(v, 1); }              \
    KX_LOOP(double, __m512d, 8, pd, __mmask8, KV(kx_##NAME##_d), VEC, KV(kx_##NAME##_d1), LO)
KX_LOOP_F(sigmoid, kx_sigmoid_fv, k_sigmoid_lo, KX_F_LO)
KX_LOOP_F(silu, kx_silu_fv, k_silu_lo, KX_F_LO)
KX_LOOP_D(sigmoid, kx_sigmoid_dv, k_sigmoid, KX_D_LO)
KX_LOOP_D(silu, kx_silu_dv, k_silu, KX_D_LO)
/* tanh covers every x (its range test, x < -inf, never fires) */
KX_LOOP_F(tanh, kx_tanh_fv, k_tanh_lo, -__builtin_inff())
KX_LOOP_D(tanh, kx_tanh_dv, k_tanh, -K_INF)

/* softplus with beta = 1 (1 when done; other betas keep the portable loop) */
static int KV(kx_softplus_f)(const float *x, float *y, ptrdiff_t n, double beta, double thr)
{
    if (beta != 1.0)
        return 0;
    float tf = (float)thr; /* the largest float <= thr: x > thr <=> x > tf for float x */
    if ((double)tf > thr)
        tf = __builtin_nextafterf(tf, -__builtin_inff());
    const __m512 thf = _mm512_set1_ps(tf), lo = _mm512_set1_ps(KX_F_LO);
#define KX_SP_F(v) kx_softplus_fv(v, thf)
#define KX_SP_F1(v) k_softplus(v, 1.0, thr, 0)
    KX_BODY(float, __m512, 16, ps, __mmask16, KX_SP_F, KX_SP_F1)
#undef KX_SP_F
#undef KX_SP_F1
    return 1;
}

static int KV(kx_softplus_d)(const double *x, double *y, ptrdiff_t n, double beta, double thr)
{
    if (beta != 1.0)
        return 0;
    const __m512d th = _mm512_set1_pd(thr), lo = _mm512_set1_pd(KX_D_LO);
#define KX_SP_D(v) kx_softplus_dv(v, th)
#define KX_SP_D1(v) k_softplus(v, 1.0, thr, 1)
    KX_BODY(double, __m512d, 8, pd, __mmask8, KX_SP_D, KX_SP_D1)
#undef KX_SP_D
#undef KX_SP_D1
    return 1;
}

#endif
