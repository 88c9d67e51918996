/* The vector loops of sigmoid, silu, tanh and softplus, float32 and float64, written once in
 * the width-generic operations of kvec.h and compiled per instruction set: AVX-512 (16 / 8
 * lanes) and AVX2 + FMA (8 / 4 lanes).  They replace the hand-written AVX-512 intrinsics of
 * kx512.h, now removed (same algorithm, same constants; measured the same on Zen 4, docs/kernel-timings.md)
 * and the portable AVX2 loops (1.3-2.5x faster on 20M elements).
 * sigmoid, silu and float64 tanh through a table-driven exponential and a quotient (below);
 * softplus and float32 tanh through tables of polynomials in |x| (gen_tables.py).  The
 * exponential reads a 16-entry table of 2^(j/16) with in-register permutes (kvec.h vf_tab16 /
 * vd_tab16) and scales by 2^k with integer adds to the exponent field; float32 runs in float
 * arithmetic, a full vector of lanes.  Included by kimpl.h in a variant that defines K_X512 or
 * K_XAVX2; the other variants and architectures keep the portable loops of kimpl.h.
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
 *   float64's degree-6 variant adds Tl/Th to r instead, see kxv_exp_d.)
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
#ifndef ACTLAB_KXV_H
#define ACTLAB_KXV_H
#include "kvec.h"

#define KXV_F_LO (-80.0f)
#define KXV_D_LO (-705.0)

/* float32 exp(a) = *eh + *el (normalised pair, 2^k included) for a in [-80, 0] or NaN */
KINLINE void kxv_exp_f(VF a, VF *eh, VF *el)
{
    const VF shift = vf_set1(0x1.8p23f);
    VF t = vf_fmadd(a, vf_set1(K_X16F_INVL), shift);
    VF md = vf_sub(t, shift);
    VF rh = vf_fnmadd(md, vf_set1(K_X16F_L1), a);
    VF r = vf_fnmadd(md, vf_set1(K_X16F_L2), rh);
    VF q = vf_fmadd(vf_set1(1.0f / 24.0f), r, vf_set1(1.0f / 6.0f));
    q = vf_fmadd(q, r, vf_set1(0.5f));
    VF p = vf_fmadd(vf_mul(r, r), q, r);
    VFI ti = vf_asint(t);
    VFI ks = vfi_slli(vfi_srli(ti, 4), 23);
    VF s = vfi_asf(vfi_add(ks, vfi_set1(0x3f800000)));
    VF Th = vfi_asf(vfi_add(vf_asint(vf_tab16(k_x16f_th, ti)), ks));
    VF Tl = vf_mul(vf_tab16(k_x16f_tl, ti), s);
    VF lo = vf_fmadd(Th, p, Tl);
    *eh = vf_add(Th, lo);
    *el = vf_add(vf_sub(Th, *eh), lo);
}

/* float32: sigma(x) = y0 + rem / d, 1/d ~ *rcp (the float path clamps a at -80: everything
 * stays normal except possibly el, whose absolute error 2^-150 is 2^-34 of e) */
KINLINE VF kxv_sig_f(VF x, VF *rem, VF *rcp)
{
    const VF one = vf_set1(1.0f);
    VF a = vf_max(vf_set1(KXV_F_LO), vf_or(x, vf_set1(-0.0f))); /* -|x|, NaN stays NaN */
    VF eh, el;
    kxv_exp_f(a, &eh, &el);
    VF dh = vf_add(one, eh);
    VF dl = vf_add(vf_add(vf_sub(one, dh), eh), el);
    MF neg = vf_cmp(x, vf_zero(), _CMP_LT_OQ);
    VF nh = vf_blend(neg, one, eh), nl = vf_maskz(neg, el);
    VF y0 = vf_div(nh, dh);
    *rem = vf_fnmadd(y0, dl, vf_add(vf_fnmadd(y0, dh, nh), nl));
    *rcp = vf_blend(neg, y0, vf_sub(one, y0)); /* 1/d: y0 (x >= 0), 1 - e/d (x < 0) */
    return y0;
}

KINLINE VF kxv_sigmoid_fv(VF x)
{
    VF rem, rcp, y0 = kxv_sig_f(x, &rem, &rcp);
    return vf_fmadd(rem, rcp, y0);
}

KINLINE VF kxv_silu_fv(VF x)
{
    VF rem, rcp, y0 = kxv_sig_f(x, &rem, &rcp);
    const VF big = vf_set1(40.0f);
    VF xc = vf_min(x, big);
    VF r = vf_fmadd(xc, y0, vf_mul(xc, vf_mul(rem, rcp)));
    return vf_blend(vf_cmp(x, big, _CMP_NLE_UQ), r, x); /* x > 40, +inf, NaN: x */
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
KINLINE void kxv_exp_d(VD a, VD *eh, VD *el, int fast)
{
    const VD shift = vd_set1(K_SHIFT);
    VD t = vd_fmadd(a, vd_set1(K_X16_INVL), shift);
    VD md = vd_sub(t, shift);
    VD rh = vd_fnmadd(md, vd_set1(K_X16_L1), a);
    VD r = vd_fnmadd(md, vd_set1(K_X16_L2), rh);
    VDI ti = vd_asint(t);
    VDI ks = vdi_slli(vdi_srli(ti, 4), 52);
    VD Th = vdi_asd(vdi_add(vd_asint(vd_tab16(k_x16_th, ti)), ks));
    VD lo;
    if (fast) {
        VD q = vd_fmadd(vd_set1(k_x16_p6[4]), r, vd_set1(k_x16_p6[3]));
        q = vd_fmadd(q, r, vd_set1(k_x16_p6[2]));
        q = vd_fmadd(q, r, vd_set1(k_x16_p6[1]));
        q = vd_fmadd(q, r, vd_set1(k_x16_p6[0]));
        VD p = vd_fmadd(vd_mul(r, r), q, vd_add(r, vd_tab16(k_x16_tr, ti)));
        lo = vd_mul(Th, p);
    } else {
        VD q = vd_fmadd(vd_set1(1.0 / 5040.0), r, vd_set1(1.0 / 720.0));
        q = vd_fmadd(q, r, vd_set1(1.0 / 120.0));
        q = vd_fmadd(q, r, vd_set1(1.0 / 24.0));
        q = vd_fmadd(q, r, vd_set1(1.0 / 6.0));
        q = vd_fmadd(q, r, vd_set1(0.5));
        VD p = vd_fmadd(vd_mul(r, r), q, r);
        VD s = vdi_asd(vdi_add(ks, vdi_set1(0x3ffLL << 52)));
        lo = vd_fmadd(Th, p, vd_mul(vd_tab16(k_x16_tl, ti), s));
    }
    *eh = vd_add(Th, lo);
    *el = vd_add(vd_sub(Th, *eh), lo);
}

/* float64: sigma(x) = y0 + rem / d, 1/d ~ *rcp.  The numerator of x < 0 is e = eh + el
 * itself, no final scaling by 2^k: eh is normal for x >= -705, el may go subnormal (2^-1075
 * absolute, 2^-57 of the result) */
KINLINE VD kxv_sig_d(VD x, VD *rem, VD *rcp)
{
    const VD one = vd_set1(1.0);
    VD a = vd_max(vd_set1(-708.0), vd_or(x, vd_set1(-0.0)));
    VD eh, el;
    kxv_exp_d(a, &eh, &el, 1);
    VD dh = vd_add(one, eh);
    VD dl = vd_add(el, vd_add(vd_sub(one, dh), eh));
    MD neg = vd_cmp(x, vd_zero(), _CMP_LT_OQ);
    VD nh = vd_blend(neg, one, eh), nl = vd_maskz(neg, el);
    VD y0 = vd_div(nh, dh);
    *rem = vd_fnmadd(y0, dl, vd_add(vd_fnmadd(y0, dh, nh), nl));
    *rcp = vd_blend(neg, y0, vd_sub(one, y0));
    return y0;
}

KINLINE VD kxv_sigmoid_dv(VD x)
{
    VD rem, rcp, y0 = kxv_sig_d(x, &rem, &rcp);
    return vd_fmadd(rem, rcp, y0);
}

KINLINE VD kxv_silu_dv(VD x)
{
    VD rem, rcp, y0 = kxv_sig_d(x, &rem, &rcp);
    const VD big = vd_set1(40.0);
    VD xc = vd_min(x, big);
    VD r = vd_fmadd(xc, y0, vd_mul(xc, vd_mul(rem, rcp)));
    MD asis = md_or(vd_cmp(x, big, _CMP_NLE_UQ), vd_cmp(x, vd_zero(), _CMP_EQ_OQ));
    return vd_blend(asis, r, x); /* x > 40, inf, NaN: x; x = -0: -0 */
}

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
KINLINE VD kxv_tanh_dv(VD x)
{
    const VD sgn = vd_set1(-0.0), one = vd_set1(1.0);
    VD ax = vd_andnot(sgn, x);
    VD a = vd_max(vd_set1(-40.0), vd_mul(ax, vd_set1(-2.0)));
    VD eh, el;
    kxv_exp_d(a, &eh, &el, 0);
    VD dh = vd_add(one, eh);
    VD dl = vd_add(el, vd_add(vd_sub(one, dh), eh));
    VD y0 = vd_div(one, dh);
    VD rem = vd_fnmadd(y0, dl, vd_fnmadd(y0, dh, one));
    VD y2 = vd_add(y0, y0);
    VD y = vd_fmadd(rem, y2, vd_sub(y2, one));
    MD small = vd_cmp(ax, vd_set1(0.125), _CMP_LE_OQ);
    if (md_any(small)) {
        VD z = vd_mul(ax, ax);
        VD P = vd_fmadd(vd_set1(-929569.0 / 638512875.0), z, vd_set1(21844.0 / 6081075.0));
        P = vd_fmadd(P, z, vd_set1(-1382.0 / 155925.0));
        P = vd_fmadd(P, z, vd_set1(62.0 / 2835.0));
        P = vd_fmadd(P, z, vd_set1(-17.0 / 315.0));
        P = vd_fmadd(P, z, vd_set1(2.0 / 15.0));
        P = vd_fmadd(P, z, vd_set1(-1.0 / 3.0));
        y = vd_blend(small, y, vd_fmadd(vd_mul(ax, z), P, ax));
    }
    return vd_or(y, vd_and(x, sgn));
}

/* y = s + e + c0l + d c1 + d^2 Q with one final rounding, for an exact leading pair s + e
 * (softplus: 2Sum(max(x, 0), c0h); tanh: c0h + 0) with |d c1| <= |s|: d c1 = ph + pl exactly
 * (fma); s + ph = u + v by Fast2Sum; y = u + (v + (e + (pl + c0l + d^2 Q))) */
#define KXV_POLY_SUM(P, VT, s, e, d, c0l, c1, Q, y)                                         \
    do {                                                                                    \
        VT c1p_ = (c1), sp_ = (s);                                                          \
        VT ph_ = P##_mul(d, c1p_);                                                          \
        VT pl_ = P##_fmsub(d, c1p_, ph_);                                                   \
        VT lo_ = P##_fmadd(P##_mul(d, d), Q, P##_add(pl_, c0l));                            \
        VT u_ = P##_add(sp_, ph_);                                                          \
        VT v_ = P##_add(P##_sub(sp_, u_), ph_);                                             \
        (y) = P##_add(u_, P##_add(v_, P##_add(e, lo_)));                                    \
    } while (0)

/* float32 tanh by 32 degree-6 polynomials in a = |x| (gen_tables.py): j = round(3.2 a) (the
 * rounding shift's low 5 bits index the permutes), d = a - 5j/16 (exact: a multiple of a's ulp
 * below 0.158 < 2^24 ulp(a)), tanh a = c0h + c0l + c1 d + d^2 Q(d), Q = c2 + ... + c6 d^4,
 * relative error of the rounded polynomials < 2^-28.4 (first interval: d = a >= 0, c0 = 0).
 * d c1 = ph + pl exactly, |ph| <= 0.158 tanh'(c) < tanh(c) = c0h for j >= 1 (j = 0: c0h = 0),
 * so KXV_POLY_SUM with s = c0h, e = 0: y = u + (v + (pl + c0l + d^2 Q)) rounded once;
 * |d^2 Q| < 0.03 y, so its roundings stay below 2^-29 of y: <= 0.5 + 2^-4 ULP.  a >= 9.75
 * (and inf) gives 1 (tanh rounds to 1 from 9.01 on); NaN propagates; the sign is put back
 * last (tanh(-0) = -0).  No exponential, no division, the same cost for every x (faster than
 * the exp / quotient version it replaced: docs/kernel-timings.md). */
KINLINE VF kxv_tanh_fv(VF x)
{
    const VF sgn = vf_set1(-0.0f), shift = vf_set1(0x1.8p23f);
    VF a = vf_andnot(sgn, x);
    VF t = vf_fmadd(a, vf_set1(3.2f), shift);
    VF d = vf_fnmadd(vf_sub(t, shift), vf_set1(0.3125f), a);
    VFI ix = vf_asint(t);
#define KXV_TH(r) vf_tab32(k_xth_f[r], ix)
    VF Q = vf_fmadd(KXV_TH(7), d, KXV_TH(6));
    Q = vf_fmadd(Q, d, KXV_TH(5));
    Q = vf_fmadd(Q, d, KXV_TH(4));
    Q = vf_fmadd(Q, d, KXV_TH(3));
    VF y;
    KXV_POLY_SUM(vf, VF, KXV_TH(0), vf_zero(), d, KXV_TH(1), KXV_TH(2), Q, y);
#undef KXV_TH
    y = vf_blend(vf_cmp(a, vf_set1(9.75f), _CMP_GE_OQ), y, vf_set1(1.0f));
    return vf_or(y, vf_and(x, sgn));
}

/* softplus: max(x, 0) + c0h = s + e by 2Sum, then KXV_POLY_SUM (|ph| < c0h <= s) */
#define KXV_SP_SUM(P, VT, xp, d, c0h, c0l, c1, Q, y)                                        \
    do {                                                                                    \
        VT c0_ = (c0h);                                                                     \
        VT s_ = P##_add(xp, c0_), bb_ = P##_sub(s_, xp);                                    \
        VT e_ = P##_add(P##_sub(xp, P##_sub(s_, bb_)), P##_sub(c0_, bb_));                  \
        KXV_POLY_SUM(P, VT, s_, e_, d, c0l, c1, Q, y);                                      \
    } while (0)

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
 *   a >= 7.875, inf, NaN: e = exp(-a) = eh + el (kxv_exp_f, relative 2^-27.6; a clamped at 80:
 *     lanes with x < -80, where results go subnormal, are recomputed by the portable kernel),
 *     g = e (1 - e/2 + e^2/3) (e <= 3.8e-4: the dropped terms are < 2^-35 of g) as
 *     eh + (el + eh q), q = eh (eh/3 - 1/2): <= 0.5 + 2^-3 ULP.  Vectors without such a lane
 *     skip this part (so wide data costs more: docs/kernel-timings.md).
 *   x where x > threshold (thf: the largest float <= threshold, the same test for float x).
 * Over all 2^32 inputs: see tools/check_f32_exhaustive.py (README). */
KINLINE VF kxv_softplus_fv(VF x, VF thf)
{
    const VF shift = vf_set1(0x1.8p23f);
    VF a = vf_andnot(vf_set1(-0.0f), x);
    VF xp = vf_max(vf_zero(), x); /* NaN stays; max(0, -0) = -0 */
    VF t = vf_fmadd(a, vf_set1(4.0f), shift);
    VF d = vf_fnmadd(vf_sub(t, shift), vf_set1(0.25f), a);
    VFI ix = vf_asint(t);
#define KXV_SP(r) vf_tab32(k_xsp_f[r], ix)
    VF Q = vf_fmadd(KXV_SP(6), d, KXV_SP(5));
    Q = vf_fmadd(Q, d, KXV_SP(4));
    Q = vf_fmadd(Q, d, KXV_SP(3));
    VF y;
    KXV_SP_SUM(vf, VF, xp, d, KXV_SP(0), KXV_SP(1), KXV_SP(2), Q, y);
#undef KXV_SP
    MF far = vf_cmp(a, vf_set1(7.875f), _CMP_NLT_UQ);
    if (mf_any(far)) {
        VF eh, el;
        kxv_exp_f(vf_max(vf_set1(KXV_F_LO), vf_xor(a, vf_set1(-0.0f))), &eh, &el);
        VF q = vf_mul(eh, vf_fmadd(eh, vf_set1(1.0f / 3.0f), vf_set1(-0.5f)));
        VF g = vf_add(eh, vf_fmadd(eh, q, el));
        y = vf_blend(far, y, vf_add(xp, g));
    }
    return vf_blend(vf_cmp(x, thf, _CMP_GT_OQ), y, x);
}

/* float64 softplus (beta = 1, any threshold), x >= -705 (the loop sends lanes with lower x
 * to the portable kernel, whose results there are subnormal); as the float32 one above:
 *   a < 7.75: 16 degree-12 polynomials in d = a - j/2, j = round(2a), |d| <= 1/4, double
 *     coefficients (relative error of the rounded polynomials < 2^-58.5; c0h + c0l = g(j/2) to
 *     2^-106); |ph| = |d c1| <= c0h/4; max(x, 0) + c0h by 2Sum, + ph by Fast2Sum, the rest
 *     (pl + c0l + d^2 Q, |d^2 Q| < g/20, its roundings < 2^-57 of g) added last: <= 0.5 + 2^-4
 *     ULP before the final rounding's 0.5.
 *   a >= 7.75, inf, NaN: e = exp(-a) = 2^k (wh + wl) within 2^-55.2 (kxv_exp_d, degree 6), g =
 *     e (1 - e/2 + e^2/3 - e^3/4 + e^4/5 - e^5/6) (e <= 4.4e-4: the rest < 2^-62 of g) as eh +
 *     (el + eh q): <= 0.5 + 2^-2 ULP.  Vectors without such a lane skip this part.
 *   x where x > threshold.  (The cost by input spread, and against the double-double exp and
 *   log-table version before: docs/kernel-timings.md.) */
KINLINE VD kxv_softplus_dv(VD x, VD th)
{
    const VD shift = vd_set1(K_SHIFT);
    VD a = vd_andnot(vd_set1(-0.0), x);
    VD xp = vd_max(vd_zero(), x);
    VD t = vd_fmadd(a, vd_set1(2.0), shift);
    VD d = vd_fnmadd(vd_sub(t, shift), vd_set1(0.5), a);
    VDI ix = vd_asint(t);
#define KXV_SP(r) vd_tab16(k_xsp_d[r], ix)
    VD Q = vd_fmadd(KXV_SP(13), d, KXV_SP(12));
    for (int r = 11; r >= 3; r--)
        Q = vd_fmadd(Q, d, KXV_SP(r));
    VD y;
    KXV_SP_SUM(vd, VD, xp, d, KXV_SP(0), KXV_SP(1), KXV_SP(2), Q, y);
#undef KXV_SP
    MD far = vd_cmp(a, vd_set1(7.75), _CMP_NLT_UQ);
    if (md_any(far)) {
        VD eh, el;
        kxv_exp_d(vd_max(vd_set1(-708.0), vd_xor(a, vd_set1(-0.0))), &eh, &el, 1);
        VD q = vd_fmadd(vd_set1(-1.0 / 6.0), eh, vd_set1(1.0 / 5.0));
        q = vd_fmadd(q, eh, vd_set1(-1.0 / 4.0));
        q = vd_fmadd(q, eh, vd_set1(1.0 / 3.0));
        q = vd_mul(eh, vd_fmadd(q, eh, vd_set1(-0.5)));
        VD g = vd_add(eh, vd_fmadd(eh, q, el));
        y = vd_blend(far, y, vd_add(xp, g));
    }
    return vd_blend(vd_cmp(x, th, _CMP_GT_OQ), y, x);
}

/* The loops: two vectors per step, then masked vectors for the rest; lanes below the range
 * are recomputed by the portable element function (lane by lane, so a lane's result never
 * depends on its neighbours, i.e. on where a thread's slice starts).  Slices of at least
 * KXV_NT_BYTES (so far beyond the caches that the result is not read back from them) are
 * written with streaming stores: no read-for-ownership of the output lines, a third less
 * memory traffic (docs/kernel-timings.md); the head up to y's first 64-byte boundary goes through the
 * masked loop, and an sfence ends the call (the thread pool's handshake follows it). */
#define KXV_NT_BYTES ((ptrdiff_t)8 << 20)
#define KXV_FIXUP(T, W, P, SCALAR, v, lowbits, at)                                          \
    if (lowbits) {                                                                          \
        T tmp_[W];                                                                          \
        P##_store(tmp_, v);                                                                 \
        for (int j = 0; j < W; j++)                                                         \
            if ((lowbits >> j) & 1u)                                                        \
                y[(at) + j] = (T)SCALAR(tmp_[j]);                                           \
    }
#define KXV_MASKED(T, VT, W, P, M, SCALAR, VEC, TO, TEST)                                   \
    for (; i < (TO); i += W) {                                                              \
        const ptrdiff_t m_ = (TO) - i;                                                      \
        const T##_TAIL k_ = M##_first(m_);                                                  \
        VT v = P##_loadt(k_, x + i);                                                        \
        const unsigned low = M##_bits_low(P##_cmp(TEST(v), lo, _CMP_LT_OQ), k_);            \
        P##_storet(y + i, k_, VEC(v));                                                      \
        KXV_FIXUP(T, W, P, SCALAR, v, low, i)                                               \
    }
#define KXV_PAIRS(T, VT, W, P, SCALAR, VEC, STORE, TEST)                                    \
    for (; i + 2 * W <= n; i += 2 * W) {                                                    \
        VT v0 = P##_load(x + i), v1 = P##_load(x + i + W);                                  \
        const unsigned low0 = P##_lowbits(P##_cmp(TEST(v0), lo, _CMP_LT_OQ));              \
        const unsigned low1 = P##_lowbits(P##_cmp(TEST(v1), lo, _CMP_LT_OQ));              \
        VT r0 = VEC(v0), r1 = VEC(v1);                                                      \
        STORE(y + i, r0);                                                                   \
        STORE(y + i + W, r1);                                                               \
        if (low0 | low1) {                                                                  \
            KXV_FIXUP(T, W, P, SCALAR, v0, low0, i)                                         \
            KXV_FIXUP(T, W, P, SCALAR, v1, low1, i + W)                                     \
        }                                                                                   \
    }
#define KXV_BODY(T, VT, W, P, M, SCALAR, VEC) KXV_BODY_T(T, VT, W, P, M, SCALAR, VEC, KXV_ID)
/* TEST(v): what the range test compares with lo (the input itself, or -x for log_sigmoid) */
#define KXV_ID(v) (v)
#define KXV_BODY_T(T, VT, W, P, M, SCALAR, VEC, TEST)                                       \
    ptrdiff_t i = 0;                                                                        \
    if (n * (ptrdiff_t)sizeof(T) >= KXV_NT_BYTES && (uintptr_t)y % sizeof(T) == 0) {        \
        const ptrdiff_t head = (ptrdiff_t)(((64 - ((uintptr_t)y & 63)) & 63) / sizeof(T));  \
        KXV_MASKED(T, VT, W, P, M, SCALAR, VEC, head, TEST)                                 \
        i = head;                                                                           \
        KXV_PAIRS(T, VT, W, P, SCALAR, VEC, P##_stream, TEST)                               \
        _mm_sfence();                                                                       \
    } else {                                                                                \
        KXV_PAIRS(T, VT, W, P, SCALAR, VEC, P##_store, TEST)                                \
    }                                                                                       \
    KXV_MASKED(T, VT, W, P, M, SCALAR, VEC, n, TEST)

typedef TF float_TAIL;
typedef TD double_TAIL;
#define vf_lowbits(m) mf_bits(m)
#define vd_lowbits(m) md_bits(m)
#define tf_bits_low(m, k) mf_bits(mf_and(m, mf_of_tail(k)))
#define td_bits_low(m, k) md_bits(md_and(m, md_of_tail(k)))

#define KXV_LOOP_F(NAME, VEC, SCALAR, LO, TEST)                                              \
    static inline double KV(kxv_##NAME##_f1)(float v) { return SCALAR((double)v); }         \
    static void KV(kxv_##NAME##_f)(const float *x, float *y, ptrdiff_t n)                   \
    {                                                                                       \
        const VF lo = vf_set1(LO);                                                          \
        KXV_BODY_T(float, VF, KV_WF, vf, tf, KV(kxv_##NAME##_f1), VEC, TEST)                \
    }
#define KXV_LOOP_D(NAME, VEC, SCALAR, LO, TEST)                                              \
    static inline double KV(kxv_##NAME##_d1)(double v) { return SCALAR(v, 1); }             \
    static void KV(kxv_##NAME##_d)(const double *x, double *y, ptrdiff_t n)                 \
    {                                                                                       \
        const VD lo = vd_set1(LO);                                                          \
        KXV_BODY_T(double, VD, KV_WD, vd, td, KV(kxv_##NAME##_d1), VEC, TEST)               \
    }
/* log_sigmoid(x) = -softplus(-x) and log_sigmoid'(x) = sigmoid(-x): the loops above on -x (the
 * negations are exact, so the error bounds are softplus's and sigmoid's); the range test is
 * on -x (log_sigmoid(x) for x > 80 resp. 705 is subnormal: the portable element function) */
#define KXV_NEG_F(v) vf_xor(v, vf_set1(-0.0f))
#define KXV_NEG_D(v) vd_xor(v, vd_set1(-0.0))
KINLINE VF kxv_log_sigmoid_fv(VF x) { return KXV_NEG_F(kxv_softplus_fv(KXV_NEG_F(x), vf_set1(__builtin_inff()))); }
KINLINE VD kxv_log_sigmoid_dv(VD x) { return KXV_NEG_D(kxv_softplus_dv(KXV_NEG_D(x), vd_set1(K_INF))); }
KINLINE VF kxv_log_sigmoid_grad_fv(VF x) { return kxv_sigmoid_fv(KXV_NEG_F(x)); }
KINLINE VD kxv_log_sigmoid_grad_dv(VD x) { return kxv_sigmoid_dv(KXV_NEG_D(x)); }
KINLINE double kxv_log_sigmoid_1(double x) { return k_log_sigmoid(x, 0); }
KINLINE double kxv_log_sigmoid_grad_1(double x) { return k_log_sigmoid_grad(x, 0); }
KXV_LOOP_F(sigmoid, kxv_sigmoid_fv, k_sigmoid_lo, KXV_F_LO, KXV_ID)
KXV_LOOP_F(silu, kxv_silu_fv, k_silu_lo, KXV_F_LO, KXV_ID)
KXV_LOOP_F(tanh, kxv_tanh_fv, k_tanh_lo, -__builtin_inff(), KXV_ID)
KXV_LOOP_F(log_sigmoid, kxv_log_sigmoid_fv, kxv_log_sigmoid_1, KXV_F_LO, KXV_NEG_F)
KXV_LOOP_F(log_sigmoid_grad, kxv_log_sigmoid_grad_fv, kxv_log_sigmoid_grad_1, KXV_F_LO, KXV_NEG_F)
KXV_LOOP_D(sigmoid, kxv_sigmoid_dv, k_sigmoid, KXV_D_LO, KXV_ID)
KXV_LOOP_D(silu, kxv_silu_dv, k_silu, KXV_D_LO, KXV_ID)
KXV_LOOP_D(tanh, kxv_tanh_dv, k_tanh, -K_INF, KXV_ID)
KXV_LOOP_D(log_sigmoid, kxv_log_sigmoid_dv, k_log_sigmoid, KXV_D_LO, KXV_NEG_D)
KXV_LOOP_D(log_sigmoid_grad, kxv_log_sigmoid_grad_dv, k_log_sigmoid_grad, KXV_D_LO, KXV_NEG_D)

/* softplus with beta = 1 (1 when done; other betas keep the portable loop) */
static int KV(kxv_softplus_f)(const float *x, float *y, ptrdiff_t n, double beta, double thr)
{
    if (beta != 1.0)
        return 0;
    float tf = (float)thr; /* the largest float <= thr: x > thr <=> x > tf for float x */
    if ((double)tf > thr)
        tf = __builtin_nextafterf(tf, -__builtin_inff());
    const VF thf = vf_set1(tf), lo = vf_set1(KXV_F_LO);
#define KXV_SP_F(v) kxv_softplus_fv(v, thf)
#define KXV_SP_F1(v) k_softplus(v, 1.0, thr, 0)
    KXV_BODY(float, VF, KV_WF, vf, tf, KXV_SP_F1, KXV_SP_F)
#undef KXV_SP_F
#undef KXV_SP_F1
    return 1;
}

static int KV(kxv_softplus_d)(const double *x, double *y, ptrdiff_t n, double beta, double thr)
{
    if (beta != 1.0)
        return 0;
    const VD th = vd_set1(thr), lo = vd_set1(KXV_D_LO);
#define KXV_SP_D(v) kxv_softplus_dv(v, th)
#define KXV_SP_D1(v) k_softplus(v, 1.0, thr, 1)
    KXV_BODY(double, VD, KV_WD, vd, td, KXV_SP_D1, KXV_SP_D)
#undef KXV_SP_D
#undef KXV_SP_D1
    return 1;
}

/* 1 when NAME has a loop here (the string compares fold at compile time) */
#define KXV_DISPATCH(FN, T, S)                                                               \
    KINLINE int KV(FN)(const char *name, const T *x, T *y, ptrdiff_t n)                      \
    {                                                                                        \
        if (__builtin_strcmp(name, "sigmoid") == 0) {                                        \
            KV(kxv_sigmoid_##S)(x, y, n);                                                    \
            return 1;                                                                        \
        }                                                                                    \
        if (__builtin_strcmp(name, "silu") == 0) {                                           \
            KV(kxv_silu_##S)(x, y, n);                                                       \
            return 1;                                                                        \
        }                                                                                    \
        if (__builtin_strcmp(name, "tanh") == 0) {                                           \
            KV(kxv_tanh_##S)(x, y, n);                                                       \
            return 1;                                                                        \
        }                                                                                    \
        if (__builtin_strcmp(name, "log_sigmoid") == 0) {                                    \
            KV(kxv_log_sigmoid_##S)(x, y, n);                                                \
            return 1;                                                                        \
        }                                                                                    \
        if (__builtin_strcmp(name, "log_sigmoid_grad") == 0) {                               \
            KV(kxv_log_sigmoid_grad_##S)(x, y, n);                                           \
            return 1;                                                                        \
        }                                                                                    \
        return 0;                                                                            \
    }
KXV_DISPATCH(kxv_fast_f, float, f)
KXV_DISPATCH(kxv_fast_d, double, d)

#endif
