/* Branch-free double-precision building blocks of the actlab kernels.
 *
 * Everything here is `static inline` and written without branches or calls so that the
 * loops of kimpl.h vectorise (selects become blends).  Two accuracy levels share the code
 * through the compile-time flag HI:
 *   HI = 1  float64 results: exp is returned unrounded as 2^k (1 + ph + pl), sums and
 *           quotients carry a correction term (double-double), so the final result is
 *           rounded once (well under 1 ULP);
 *   HI = 0  float32 results computed in double: plain double arithmetic and shorter
 *           polynomials (relative error ~1e-10, i.e. ~2^-9 of a float ULP).
 *
 * The only exponentials the kernels need have non-positive arguments a = -|z| (sigmoid
 * family) or -x^2/2 (gelu), so exp never overflows; the left tails that go subnormal are
 * scaled by 2^k in two steps so that they are rounded once.
 */
#ifndef ACTLAB_KMATH_H
#define ACTLAB_KMATH_H

#include <stdint.h>
#include <string.h>
#include "ktables.h"

#if defined(__GNUC__)
#define KINLINE static inline __attribute__((always_inline))
#else
#define KINLINE static inline
#endif

/* Hardware FMA available in this translation unit? (x86 variants set it via the target
 * pragma; aarch64 always has it.)  Without it, exact products use Dekker's splitting. */
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
#define K_HAVE_FMA 1
#define KFMA(a, b, c) __builtin_fma((a), (b), (c))
#else
#define K_HAVE_FMA 0
#define KFMA(a, b, c) ((a) * (b) + (c))
#endif

#define K_SHIFT 0x1.8p52
#define K_INF __builtin_inf()

KINLINE double k_sel(int c, double a, double b) { return c ? a : b; }

/* a*b = *p + *e exactly (|a|, |b| well inside the exponent range) */
KINLINE void k_two_prod(double a, double b, double *p, double *e)
{
    double pp = a * b;
#if K_HAVE_FMA
    *e = KFMA(a, b, -pp);
#else
    double ca = 134217729.0 * a, cb = 134217729.0 * b;
    double ah = ca - (ca - a), al = a - ah;
    double bh = cb - (cb - b), bl = b - bh;
    *e = ((ah * bh - pp) + ah * bl + al * bh) + al * bl;
#endif
    *p = pp;
}

/* c - a*b with one rounding (or nearly: exact product then two roundings) */
KINLINE double k_fnma(double a, double b, double c)
{
#if K_HAVE_FMA
    return KFMA(-a, b, c);
#else
    double p, e;
    k_two_prod(a, b, &p, &e);
    return (c - p) - e;
#endif
}

/* a+b = *s + *e exactly (Knuth) */
KINLINE void k_two_sum(double a, double b, double *s, double *e)
{
    double ss = a + b;
    double bb = ss - a;
    *e = (a - (ss - bb)) + (b - bb);
    *s = ss;
}

/* 2^k from t = a/ln2 + 1.5 2^52 (whose low mantissa bits hold the integer k), for k in
 * [-1022, 1023]: re-biases the integer and moves it into the exponent field. */
KINLINE double k_pow2_shifted(double t)
{
    uint64_t u;
    memcpy(&u, &t, 8);
    u = (u + 1023u) << 52;
    double r;
    memcpy(&r, &u, 8);
    return r;
}

/* 2^k for integral k in [-1022, 1023] (built from the bits; no int conversion) */
KINLINE double k_pow2i(double k) { return k_pow2_shifted(k + K_SHIFT); }

/* y * 2^k for integral k in [-1100, 0] (HI) or [-300, 0] (!HI), rounded once */
KINLINE double k_scale(double y, double k, const int HI)
{
    if (!HI)
        return y * k_pow2i(k);
    k = k < -1100.0 ? -1100.0 : k; /* below that the result is 0 anyway */
    double k1 = k > -1000.0 ? k : -1000.0;
    double k2 = k - k1;
    return (y * k_pow2i(k1)) * k_pow2i(k2);
}

/* expm1(r) = r + r^2 (1/2 + r/6 + ... + r^6/8!) for |r| <= ln2/2: Taylor degree 8, remainder
 * |r|^9/9! < 2^-32 absolute, |r|^8/9! < 2^-30.7 relative (the float32 paths' exponential) */
KINLINE double k_expm1_taylor8(double r)
{
    double q = 1.0 / 40320.0;
    q = KFMA(q, r, 1.0 / 5040.0);
    q = KFMA(q, r, 1.0 / 720.0);
    q = KFMA(q, r, 1.0 / 120.0);
    q = KFMA(q, r, 1.0 / 24.0);
    q = KFMA(q, r, 1.0 / 6.0);
    q = KFMA(q, r, 0.5);
    return KFMA(r * r, q, r);
}

/* exp(ah + al) = 2^kd (1 + ph + pl) for ah in [-760, 0] (NaN propagates into ph).
 * Cody-Waite reduction with a 42-bit ln2 head (k*LN2HI exact), Taylor polynomial of
 * expm1 on |r| <= ln2/2: degree 13 (HI, error < 2^-56) or 8 (!HI, < 2^-30). */
KINLINE void k_exp_parts(double ah, double al, const int HI, double *kd, double *ph, double *pl)
{
    double k = KFMA(ah, K_INVLN2, K_SHIFT) - K_SHIFT; /* round(ah / ln2): any rounding works */
    if (HI) {
        double rh = ah - k * K_LN2HI; /* exact */
        double t = al - k * K_LN2LO;
        double r = rh + t, rl = (rh - r) + t;
        double q = 1.0 / 6227020800.0;
        q = KFMA(q, r, 1.0 / 479001600.0);
        q = KFMA(q, r, 1.0 / 39916800.0);
        q = KFMA(q, r, 1.0 / 3628800.0);
        q = KFMA(q, r, 1.0 / 362880.0);
        q = KFMA(q, r, 1.0 / 40320.0);
        q = KFMA(q, r, 1.0 / 5040.0);
        q = KFMA(q, r, 1.0 / 720.0);
        q = KFMA(q, r, 1.0 / 120.0);
        q = KFMA(q, r, 1.0 / 24.0);
        q = KFMA(q, r, 1.0 / 6.0);
        q = KFMA(q, r, 0.5);
        double x2 = KFMA(r * r, q, KFMA(rl, r, rl)); /* r^2 q + rl (1 + r) */
        double p = r + x2;
        *pl = (r - p) + x2;
        *ph = p;
    } else {
        /* float32 results only need ~2^-30 relative accuracy here: one fused reduction with
         * the full double ln2 (error |k| 2^-54 <= 2^-45 for |k| <= 300, no fma: 2^-44),
         * Taylor degree 8 (remainder r^9/9! < 2^-32 on |r| <= ln2/2). */
        double r = KFMA(-k, K_LN2_H, ah);
        *ph = k_expm1_taylor8(r);
        *pl = 0.0;
    }
    *kd = k;
}

/* exp(a) for a <= 0 (any, incl. -inf, NaN), correctly scaled into the subnormal range */
KINLINE double k_exp_neg(double ah, double al, const int HI)
{
    double lim = HI ? -760.0 : -200.0;
    int c = ah < lim;
    double a = k_sel(c, lim, ah), b = k_sel(c, 0.0, al);
    double kd, ph, pl;
    k_exp_parts(a, b, HI, &kd, &ph, &pl);
    double r = k_scale(1.0 + (ph + pl), kd, HI);
    return (!HI && c) ? 0.0 : r; /* HI: 2^-1097 already rounds to 0 */
}

/* Table-driven exp for float64 results: exp(ah + al) = 2^kd (mh + ml), mh + ml in [1, 2]
 * a normalised double-double (|ml| <= ulp(mh)/2), for ah in [-760, 0], |al| <= 2^-40
 * (NaN propagates into mh).
 *   m = round(ah 64/ln2) (|m| < 2^17), kd = floor(m/64), j = m - 64 kd in [0, 63];
 *   r = ah + al - m ln2/64: r1 = ah - m L1 is exact (L1 has 36 bits, so m L1 is exact, and
 *     Sterbenz applies for m != 0), then r = r1 + (al - m L2) rounded once: |r| <= ln2/128
 *     (1 + 2^-30) < 2^-7.52, absolute error <= 2^-54 |r| + 2^-77 < 2^-61.5 (L1 + L2 = ln2/64
 *     to 2^-96 relative; with or without hardware fma);
 *   p = expm1(r) = r + r^2 (1/2 + r/6 + r^2/24 + r^3/120 + r^4/720): Taylor remainder
 *     |r|^7/5040 < 2^-65, evaluation error < 2^-61.5 (final rounding of p) + 2^-68;
 *   2^(j/64) = Th + Tl to 2^-65 (gen_tables.py; Tl stored in 12 bits next to Th's
 *     mantissa), lo = Tl + Th p rounded once
 *     (|lo| < 2^-6.5 so its half-ulp is <= 2^-60, relative to Th >= 1);
 *   (mh, ml) = Fast2Sum(Th, lo), exact.
 * Also returns *s2k = 2^k built from the bits of the rounding shift (only for k >= -1022).
 * Altogether mh + ml = e^(r) 2^(j/64) (1 + eps) with |eps| < 2^-61.5 + 2^-61.5 + 2^-60 + 2^-64
 * < 2^-58.9: more accurate than the Taylor path above (2^-56), with a degree-6 instead of a
 * degree-13 polynomial and no double-double reduction.  Not for expm1 near 0: e - 1 then
 * cancels against the absolute error 2^-59 (k_em1 users keep k_exp_parts). */
KINLINE void k_exp_tab(double ah, double al, double *kd, double *s2k, double *mh, double *ml)
{
    double t = KFMA(ah, K_EXP_INVL, K_SHIFT);
    double md = t - K_SHIFT;
    uint64_t u;
    memcpy(&u, &t, 8);
    /* floor(m / 64): m/64 is exact; m/64 - 31.5/64 lies within 0.493 of floor(m/64) */
    double k = ((md * 0x1p-6 - 0x1.f8p-2) + K_SHIFT) - K_SHIFT;
    double r1 = KFMA(-md, K_EXP_L1, ah);
    double r = r1 + (al - md * K_EXP_L2);
    double q = 1.0 / 720.0;
    q = KFMA(q, r, 1.0 / 120.0);
    q = KFMA(q, r, 1.0 / 24.0);
    q = KFMA(q, r, 1.0 / 6.0);
    q = KFMA(q, r, 0.5);
    double p = KFMA(r * r, q, r);
    /* one lookup: Th's mantissa bits and the rounded Tl 2^64 (+2048) in the top 12 bits */
    uint64_t w = k_exp_tp[u & 63u];
    uint64_t wh = (w & 0x000FFFFFFFFFFFFFu) | 0x3FF0000000000000u;
    uint64_t wl = (w >> 52) | 0x4330000000000000u; /* 2^52 + q + 2048 */
    double th, tq;
    memcpy(&th, &wh, 8);
    memcpy(&tq, &wl, 8);
    double tl = (tq - (0x1p52 + 2048.0)) * 0x1p-64; /* exact; Tl to 2^-65 */
    double lo = KFMA(th, p, tl);
    double h = th + lo;
    *ml = (th - h) + lo;
    *mh = h;
    *kd = k;
    /* 2^k straight from the bits of t = 1.5 2^52 + m (valid for k >= -1022): u >> 6 is
     * 1.5 2^46 + floor(m / 64), whose constant part leaves the 12-bit field when shifted */
    uint64_t e2 = ((u >> 6) + 1023u) << 52;
    memcpy(s2k, &e2, 8);
}

/* Quotient (nh + nl) / (dh + dl): returns y0, *corr such that y0 + *corr is the quotient
 * to ~2^-104 relative (HI); plain division for !HI. One division either way. */
KINLINE double k_div(double nh, double nl, double dh, double dl, const int HI, double *corr)
{
    if (!HI) {
        /* (a float reciprocal refined by a Newton step measured slower than vdivpd on Zen 4) */
        *corr = 0.0;
        return nh / dh;
    }
    double inv = 1.0 / dh;
    double y0 = nh * inv;
    double res = k_fnma(y0, dh, nh) + (nl - y0 * dl);
    *corr = res * inv;
#if !K_HAVE_FMA
    /* Dekker's splitting overflows for |y0| > 2^996 (e.g. softplus(1e308)): the correction
     * is then NaN although y0 is finite; drop it (a NaN y0 still gives NaN) */
    *corr = *corr == *corr ? *corr : 0.0;
#endif
    return y0;
}

/* (nh + nl) / d for any d (e.g. the user's softplus beta): k_div for HI, plain division
 * for float32 results (there the error of one correctly rounded division is 2^-53). */
KINLINE double k_div_any(double nh, double nl, double d, const int HI, double *corr)
{
    if (HI)
        return k_div(nh, nl, d, 0.0, HI, corr);
    *corr = 0.0;
    return nh / d;
}

/* (ah + al) * (bh + bl) as a double-double */
KINLINE void k_mul_dd(double ah, double al, double bh, double bl, double *h, double *l)
{
    double p, e;
    k_two_prod(ah, bh, &p, &e);
    e += ah * bl + al * bh;
    *h = p + e;
    *l = (p - *h) + e;
}

/* (ah + al) + (bh + bl) as a double-double */
KINLINE void k_add_dd(double ah, double al, double bh, double bl, double *h, double *l)
{
    double S, E;
    k_two_sum(ah, bh, &S, &E);
    E += al + bl;
    *h = S + E;
    *l = (S - *h) + E;
}

/* Context shared by the sigmoid family: for a = -|z| (ah + al),
 *   e = exp(a) = 2^kd (1 + ph + pl) = eh + el (eh, el exact when kd >= -200),
 *   d = 1 + e  = dh + dl. */
typedef struct {
    double kd, ph, pl, s, eh, el, dh, dl, mh, ml; /* mh + ml = 1 + ph + pl (HI) */
} ksig;

KINLINE ksig k_sig_ctx(double ah, double al, const int HI)
{
    ksig c;
    double lim = HI ? -760.0 : -200.0;
    int cl = ah < lim;
    double a = k_sel(cl, lim, ah), b = k_sel(cl, 0.0, al);
    k_exp_parts(a, b, HI, &c.kd, &c.ph, &c.pl);
    double kc = c.kd > -200.0 ? c.kd : -200.0;
    c.s = k_pow2i(kc);
    if (HI) {
        double nh = 1.0 + c.ph;
        double nl = ((1.0 - nh) + c.ph) + c.pl;
        c.mh = nh;
        c.ml = nl;
        c.eh = c.s * nh;
        c.el = c.s * nl;
        double dh = 1.0 + c.eh;
        c.dl = ((1.0 - dh) + c.eh) + c.el;
        c.dh = dh;
    } else {
        c.eh = c.s * (1.0 + c.ph);
        c.el = 0.0;
        c.dh = 1.0 + c.eh;
        c.dl = 0.0;
        c.mh = c.ml = 0.0; /* unused without HI; set so that no field is read uninitialised */
    }
    return c;
}

/* The same context from the table-driven exp (float64 results only; HI = 1): mantissa
 * mh + ml in [1, 2] instead of 1 + p, relative error < 2^-58.9 (k_exp_tab).  ph = mh - 1
 * is only an approximation here (pl = ml): callers needing expm1 use k_sig_ctx. */
KINLINE ksig k_sig_ctx_tab(double ah, double al)
{
    ksig c;
    int cl = ah < -760.0;
    double a = k_sel(cl, -760.0, ah), b = k_sel(cl, 0.0, al);
    double s2k;
    k_exp_tab(a, b, &c.kd, &s2k, &c.mh, &c.ml);
    (void)s2k;
    c.ph = c.mh - 1.0;
    c.pl = c.ml;
    double kc = c.kd > -200.0 ? c.kd : -200.0;
    c.s = k_pow2i(kc);
    c.eh = c.s * c.mh; /* exact: e = eh + el for kd >= -200 */
    c.el = c.s * c.ml;
    double dh = 1.0 + c.eh; /* eh <= 1 + 2^-52 */
    c.dl = ((1.0 - dh) + c.eh) + c.el;
    c.dh = dh;
    return c;
}

/* sigmoid-family context: table exp for float64 results, Taylor exp for float32 */
KINLINE ksig k_sig_ctx_v(double ah, double al, const int HI)
{
    if (HI)
        return k_sig_ctx_tab(ah, al);
    return k_sig_ctx(ah, al, HI);
}

/* 1 + ph + pl as a normalised double-double (the mantissa of e = 2^kd (1+p)) */
KINLINE void k_one_p(const ksig *c, const int HI, double *h, double *l)
{
    if (HI) {
        *h = c->mh;
        *l = c->ml;
    } else {
        *h = 1.0 + c->ph;
        *l = 0.0;
    }
}

/* expm1(a) = e - 1 as a double-double (a = -|z| of the context) */
KINLINE void k_em1(const ksig *c, const int HI, double *h, double *l)
{
    if (HI) {
        double hh, ll;
        k_two_sum(-1.0, c->eh, &hh, &ll); /* e = eh + el exactly (kd >= -200) */
        ll += c->el;
        *h = hh + ll;
        *l = (hh - *h) + ll;
    } else {
        *h = (c->s - 1.0) + c->s * c->ph;
        *l = 0.0;
    }
}

/* log1p(u) for u = uh + ul in [0, 1], as a double-double *h + *l.
 * w = 1 + u is reduced to [sqrt(1/2), sqrt 2) by a factor 2, then
 * log(1 + f) = 2 atanh(s), s = f / (2 + f), |s| <= 0.1716. */
KINLINE void k_log1p01(double uh, double ul, const int HI, double *h, double *l)
{
    double wh = 1.0 + uh;
    double wl = ((1.0 - wh) + uh) + ul;
    int big = wh > K_SQRT2;
    double m = k_sel(big, 0.5, 1.0), kl = k_sel(big, 1.0, 0.0);
    double fh0 = wh * m - 1.0; /* exact */
    double fl0 = wl * m;
    double f = fh0 + fl0;
    double fl = HI ? (fh0 - f) + fl0 : 0.0;
    double dh = 2.0 + f;
    double dl = HI ? ((2.0 - dh) + f) + fl : 0.0;
    double corr;
    double sh = k_div(f, fl, dh, dl, HI, &corr);
    double z = sh * sh;
    double T;
    if (HI) {
        T = 2.0 / 23.0;
        T = KFMA(T, z, 2.0 / 21.0);
        T = KFMA(T, z, 2.0 / 19.0);
        T = KFMA(T, z, 2.0 / 17.0);
        T = KFMA(T, z, 2.0 / 15.0);
        T = KFMA(T, z, 2.0 / 13.0);
        T = KFMA(T, z, 2.0 / 11.0);
        T = KFMA(T, z, 2.0 / 9.0);
        T = KFMA(T, z, 2.0 / 7.0);
        T = KFMA(T, z, 2.0 / 5.0);
        T = KFMA(T, z, 2.0 / 3.0);
        double A = kl * K_LN2_H, B = 2.0 * sh;
        double H, E;
        k_two_sum(A, B, &H, &E);
        double lo = E + (KFMA(sh * z, T, 2.0 * corr) + kl * K_LN2_L);
        double L = H + lo;
        *l = (H - L) + lo;
        *h = L;
    } else {
        T = 2.0 / 13.0;
        T = KFMA(T, z, 2.0 / 11.0);
        T = KFMA(T, z, 2.0 / 9.0);
        T = KFMA(T, z, 2.0 / 7.0);
        T = KFMA(T, z, 2.0 / 5.0);
        T = KFMA(T, z, 2.0 / 3.0);
        *h = KFMA(sh * z, T, KFMA(kl, K_LN2_H, 2.0 * sh));
        *l = 0.0;
    }
}

/* ------------------------------------------------------------------ float32 fast path
 * Float32 results are computed in double and rounded once at the end, so a double value
 * with relative error eps is within 0.5 + eps 2^24 float ULP.  The helpers below keep
 * eps <= 2^-29 (<= 0.53 ULP float) with the fewest vector operations: one fused range
 * reduction, a degree-8 Taylor polynomial, 2^k built from the bits of the rounding
 * shift, no double-double steps and no subnormal scaling (double covers the float range).
 */

/* exp(a) = s (1 + *P) and s = 2^k for a <= 0 (NaN propagates into *P; -inf and any
 * a < -150 are clamped to -150, i.e. e ~ 2^-216, which callers treat as zero).
 *   k = round(a / ln2);  r = a - k ln2 with one fma and the double ln2 (error
 *   |k| 2^-54 ln2 < 2^-46; without hardware fma 2^-45), |r| <= ln2/2 (+ rounding);
 *   P = expm1(r) = r + r^2 (1/2 + r/6 + ... + r^6/8!), Taylor remainder
 *   |r|^9/9! < 2^-32 absolute and |r|^8/9! < 2^-30.7 relative to expm1(r). */
KINLINE double k_exp_lo(double a, double *P)
{
    a = a < -150.0 ? -150.0 : a;
    double t = KFMA(a, K_INVLN2, K_SHIFT);
    double k = t - K_SHIFT;
    double r = KFMA(-k, K_LN2_H, a);
    *P = k_expm1_taylor8(r);
    return k_pow2_shifted(t);
}

/* exp(a) for a <= 0 with relative error < 2^-31; exactly 0 for a < -150 or a = -inf */
KINLINE double k_exp0_lo(double a)
{
    double P, s = k_exp_lo(a, &P);
    double e = KFMA(s, P, s);
    return a < -150.0 ? 0.0 : e;
}

/* expm1(a) for a <= 0, relative error < 2^-30: (s - 1) + s P; for k = 0 this is P
 * itself (relative error 2^-30.7), otherwise |expm1| > 0.29 and the error is absolute
 * 2^-32.  Saturates to -1 below a = -150. */
KINLINE double k_expm1_lo(double a)
{
    double P, s = k_exp_lo(a, &P);
    return KFMA(s, P, s - 1.0);
}

/* ------------------------------------------------------------------ float32 in float
 * Float32 kernels evaluated in float arithmetic (16 lanes per AVX-512 vector instead of 8),
 * only where hardware FMA exists: the exactness arguments below need fused products.
 * The exponential is never rounded to float: exp(a) = s W with s = 2^k exact and
 * W = e^r = Wh + Wl a float-float, and every later sum and quotient keeps a correction
 * term, so the result is rounded once.  Error bounds (relative, before that rounding):
 *   r = rh + rl: rh = a - k L1 is exact (L1 = float(ln2), 24 bits; for k != 0, |a| >= 0.34
 *     so a is a multiple of 2^-25, k L1 of 2^-24, and |rh| < 0.35 fits 24 bits of 2^-25);
 *     rl = -k L2 (L2 = float(ln2 - L1) = -0x1.05c61p-29) has error <= 2^-24 |rl| <= 2^-46
 *     and ln2 - L1 - L2 = 2^-53.4 contributes |k| 2^-53.4 <= 2^-46 (|k| <= 124);
 *   e^rh - 1 = rh + h/2 + l/2 + h rh q1(rh) with rh^2 = h + l exact (fma) and q1 a
 *     degree-4 polynomial (approximation error of rh^3 q1 <= 2^-31.9 on |rh| <= 0.3466);
 *     the rounded product h rh q1 (<= 0.0078) errs by <= 3 2^-24 0.0078 <= 2^-31.4;
 *   e^r = e^rh (1 + rl) to 2^-45, the term rl e^rh computed from a float e^rh (2^-48);
 *   X = rh + h/2 is a Fast2Sum (|h/2| <= |rh|), so W = 1 + X + (Xl + tail) sums only
 *     exact or tiny (<= 2^-24 |tail| <= 2^-31) roundings.
 * Altogether W, hence e = s W, is within 2^-30 relative.  Callers clamp a >= -86 so that
 * s = 2^k >= 2^-124 and every scaling below is exact (results they cannot produce as normal
 * floats are recomputed by the double path, see kimpl.h).  Exhaustive check over all 2^32
 * inputs against the float64 kernels (tools/check_f32_exhaustive.py, AVX-512 build):
 * kf_sigmoid <= 0.519 ULP, kf_silu <= 0.523, kf_tanh <= 0.554.  Only silu is dispatched
 * (kimpl.h says why). */
#if K_HAVE_FMA
#define K_F32_FAST 1
#define KFMAF(a, b, c) __builtin_fmaf((a), (b), (c))
#define KF_SHIFT 0x1.8p23f
#define KF_LOG2E 0x1.715476p+0f
#define KF_LN2_1 0x1.62e43p-1f
#define KF_LN2_2 (-0x1.05c61p-29f)

/* 2^k from t = a log2(e) + 1.5 2^23 (its low mantissa bits hold k), for k >= -126 */
KINLINE float kf_pow2_shifted(float t)
{
    uint32_t u;
    memcpy(&u, &t, 4);
    u = (u + 127u) << 23;
    float s;
    memcpy(&s, &u, 4);
    return s;
}

/* exp(a) = s (Wh + Wl) for a in [-86, 0] (NaN propagates into Wh); also returns the
 * float-float *X + *Xl = W - 1 = e^r - 1 (for expm1). */
KINLINE float kf_exp_parts(float a, float *Wh, float *Wl, float *X, float *Xl)
{
    float t = KFMAF(a, KF_LOG2E, KF_SHIFT); /* 1.5 2^23 + k, k = round(a log2 e) */
    float k = t - KF_SHIFT;
    float rh = KFMAF(-k, KF_LN2_1, a); /* exact */
    float rl = -k * KF_LN2_2;
    float h = rh * rh;
    float l = KFMAF(rh, rh, -h);
    /* q1(rh) ~ (e^rh - 1 - rh - rh^2/2) / rh^3: degree-4 fit weighted by |rh|^3 (error
     * of rh^3 q1 <= 2^-31.9 on |rh| <= 0.3466, float coefficients included) */
    float q = 0x1.a18928p-13f;
    q = KFMAF(q, rh, 0x1.6d517ap-10f);
    q = KFMAF(q, rh, 0x1.1110ap-7f);
    q = KFMAF(q, rh, 0x1.5554e4p-5f);
    q = KFMAF(q, rh, 0x1.555556p-3f);
    float tail = KFMAF(h * rh, q, 0.5f * l); /* e^rh - 1 - rh - h/2 */
    float hh = 0.5f * h;
    float x0 = rh + hh;
    float xl = (rh - x0) + hh; /* exact */
    float pt = x0 + tail;      /* e^rh - 1 to 2^-26, only for the rl term */
    float lo = xl + (tail + KFMAF(rl, pt, rl));
    float w0 = 1.0f + x0;
    float wl = ((1.0f - w0) + x0) + lo; /* |wl| <= 0.008: renormalise (Fast2Sum) so that */
    float wh = w0 + wl;                  /* the quotient corrections stay ulp-sized */
    *Wl = (w0 - wh) + wl;
    *Wh = wh;
    *X = x0;
    *Xl = lo;
    return kf_pow2_shifted(t);
}

/* (nh + nl) / (dh + dl) = y0 + *corr with one division; the remainder nh - y0 dh is
 * exact (y0 is within 1 ulp of nh / dh).  Error of y0 + corr: 2^-44 relative plus
 * 2^-24 |nl / nh| from rounding the remainder sum (<= 2^-31 for the callers). */
KINLINE float kf_div(float nh, float nl, float dh, float dl, float *corr)
{
    float inv = 1.0f / dh;
    float y0 = nh * inv;
    float rem = KFMAF(-y0, dh, nh);
    rem = KFMAF(-y0, dl, rem + nl);
    *corr = rem * inv;
    return y0;
}

/* sigma(x) = *ks (y0 + *corr) for x >= -86 (x < -86 is clamped there; kimpl.h sends
 * such blocks to the double path): e is within 2^-30, d = 1 + e within 2^-44, the
 * quotient adds 2^-30, so y0 + corr is within 2^-29 relative and the one final rounding
 * gives <= 0.5 + 2^-5 ULP (ks is a power of 2 and the result is normal: exact). */
KINLINE float kf_sigmoid_parts(float x, float *ks, float *corr)
{
    float a = -__builtin_fabsf(x);
    a = a < -86.0f ? -86.0f : a;
    float wh, wl, X, Xl;
    float s = kf_exp_parts(a, &wh, &wl, &X, &Xl);
    float eh = s * wh, el = s * wl; /* e = exp(-|x|), eh <= 1 */
    float dh = 1.0f + eh;
    float dl = ((1.0f - dh) + eh) + el;
    int neg = x < 0.0f;
    float y0 = kf_div(neg ? wh : 1.0f, neg ? wl : 0.0f, dh, dl, corr);
    *ks = neg ? s : 1.0f;
    return y0;
}

KINLINE float kf_sigmoid(float x)
{
    float ks, c, y0 = kf_sigmoid_parts(x, &ks, &c);
    return (y0 + c) * ks;
}

/* x sigma(x) = fma(x ks, y0, x ks corr): x ks is exact, the rounded product x ks corr
 * (|corr| <= 2^-22 |y0|) adds <= 2^-46, so still <= 0.5 + 2^-5 ULP; x > 40 returns x
 * (also +inf, where the product would be inf - inf). */
KINLINE float kf_silu(float x)
{
    float ks, c, y0 = kf_sigmoid_parts(x, &ks, &c);
    float xk = x * ks;
    float r = KFMAF(xk, y0, xk * c);
    return x > 40.0f ? x : r;
}

/* tanh|x| = -m / (2 + m), m = expm1(-2|x|) as a float-float: for k = 0 (|x| <= 0.1733)
 * m = X + Xl straight from kf_exp_parts, within 2^-30 relative of m itself (no
 * cancellation: every error term there is relative to rh or smaller); for k != 0,
 * m = e - 1 by Fast2Sum(-1, s Wh) plus s Wl, absolute error 2^-30 e <= 2^-30.5 with
 * |m| >= 0.29, i.e. <= 2^-28.7 relative.  The quotient amplifies m's relative error by
 * 2 / (2 + m) <= 1.2 (and the renormalisations / quotient add 2^-30): y0 + corr is within
 * 2^-28.3 relative, <= 0.5 + 2^-4.3 ULP after the one final rounding (exhaustively
 * <= 0.554 ULP, see tools/).  |x| > 43 saturates a at -86: m = -1 + 2^-124, tanh = 1. */
KINLINE float kf_tanh(float x)
{
    float a = -2.0f * __builtin_fabsf(x);
    a = a < -86.0f ? -86.0f : a;
    float wh, wl, X, Xl;
    float s = kf_exp_parts(a, &wh, &wl, &X, &Xl);
    float eh = s * wh, el = s * wl;
    float e1 = eh - 1.0f; /* Fast2Sum(-1, eh): e - 1 as e1 + e1l */
    float e1l = ((-1.0f - e1) + eh) + el;
    int k0 = s == 1.0f; /* k = 0: m = X + Xl directly (relative 2^-30 even for tiny x) */
    float mh0 = k0 ? X : e1, m0 = k0 ? Xl : e1l;
    float mh = mh0 + m0; /* renormalise (|m0| <= 0.03 |mh0|) */
    float ml = (mh0 - mh) + m0;
    float dh = 2.0f + mh;
    float dl = ((2.0f - dh) + mh) + ml;
    float corr;
    float y0 = kf_div(-mh, -ml, dh, dl, &corr);
    return __builtin_copysignf(y0 + corr, x);
}

/* ------------------------------------------------------------------ plain-float gates
 * For the float32 LSTM cell (kimpl.h): sigma, sigma', tanh, tanh' in plain float arithmetic
 * (16 lanes per AVX-512 vector, no compensated steps), for |x| <= 40 only -- the caller
 * sends blocks with larger inputs to the float64 path, so every exponential below is of
 * a >= -80 and 2^k is normal.  Error budget (relative, before the final rounding of each
 * output): e = s (1 + P) within 2^-22 (Cody-Waite reduction with two float constants,
 * degree-7 Taylor polynomial, remainder 2^-27.5, a handful of float roundings); quotients
 * and products add a rounding each.  Measured for the whole cell against its float64 twin
 * on 2M random inputs in [-40, 40] with c_prev = 0 (tests/nn/test_recurrent_paths.py):
 * f 2.6 ULP, c = i g 4.5, i g', g i' 6.8, h and the other factors <= 9.1 ULP; an LSTM's
 * output and gradients stay as close to float64 as with the float-in-double cell
 * (relative 2.6e-7 vs 2.1e-7; torch's float32 LSTM 2.9e-7).  Tails stay right:
 * sigma' = e / (1 + e)^2 and tanh' = 4 e2 / (1 + e2)^2 keep the relative accuracy of e
 * (never 1 - sigma^2). */
KINLINE float kf_exp_plain(float a, float *P)
{
    float t = KFMAF(a, KF_LOG2E, KF_SHIFT);
    float k = t - KF_SHIFT;
    float r = KFMAF(-k, KF_LN2_1, a);
    r = KFMAF(-k, KF_LN2_2, r);
    float q = 1.0f / 5040.0f;
    q = KFMAF(q, r, 1.0f / 720.0f);
    q = KFMAF(q, r, 1.0f / 120.0f);
    q = KFMAF(q, r, 1.0f / 24.0f);
    q = KFMAF(q, r, 1.0f / 6.0f);
    q = KFMAF(q, r, 0.5f);
    *P = KFMAF(r * r, q, r); /* expm1(r) */
    return kf_pow2_shifted(t);
}

/* sigma(x) and sigma'(x) from e = exp(-|x|): 1 / (1 + e) or e / (1 + e), e / (1 + e)^2 */
KINLINE void kf_sig_vg_plain(float x, float *y, float *g)
{
    float P, s = kf_exp_plain(-__builtin_fabsf(x), &P);
    float e = KFMAF(s, P, s);
    float inv = 1.0f / (1.0f + e);
    float ei = e * inv;
    *y = x < 0.0f ? ei : inv;
    *g = ei * inv;
}

/* tanh(x) = -m / (2 + m), m = expm1(-2|x|) = s P + (s - 1) (exactly P when k = 0, so small
 * x keep their relative accuracy); tanh' = 4 e2 / (2 + m)^2 with e2 = s (1 + P) */
KINLINE void kf_tanh_vg_plain(float x, float *y, float *g)
{
    float P, s = kf_exp_plain(-2.0f * __builtin_fabsf(x), &P);
    float e2 = KFMAF(s, P, s);
    float m = KFMAF(s, P, s - 1.0f);
    float inv = 1.0f / (2.0f + m);
    *y = __builtin_copysignf(-m * inv, x);
    *g = 4.0f * e2 * inv * inv;
}
#endif

#endif
