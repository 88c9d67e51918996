/* Element functions of the actlab kernels: one `k_<name>(x, ..., HI)` per ufunc.
 *
 * Semantics follow the NumPy reference of actlab.activations exactly (kink conventions,
 * NaN in -> NaN out, limits at +-inf); the formulas are the same stable rearrangements
 * (exp only of -|z|, expm1 / log1p forms, tails scaled by 2^k, series at the roots of
 * the derivatives) evaluated with the double-double helpers of kmath.h.
 */
#ifndef ACTLAB_KFUNCS_H
#define ACTLAB_KFUNCS_H

#include "kmath.h"

#define K_FABS(x) __builtin_fabs(x)
#define K_ISNAN(x) ((x) != (x))

/* clamp keeping NaN (comparisons with NaN are false) */
KINLINE double k_clamp(double x, double lo, double hi)
{
    double t = x < lo ? lo : x;
    return t > hi ? hi : t;
}

/* (ah + al) / (bh + bl) as a double-double (k_div's quotient and its correction) */
KINLINE void k_quo_dd(double ah, double al, double bh, double bl, double *h, double *l)
{
    double corr, q = k_div(ah, al, bh, bl, 1, &corr);
    *h = q + corr;
    *l = (q - *h) + corr;
}

/* ----------------------------------------------------------------- root series */
/* Near a root x0 of f' every closed form cancels (and the double-double ones inherit the
 * ~1e-19 relative error of their exp / erfcx, amplified by |terms| / |f'|); there
 *   f'(x0 + d) = c1 d + c2 d^2 + d^3 A(d),  A the Horner sum of c3 .. cK,
 * with d = x - hi - lo a double-double, c1 d and c2 d^2 formed exactly from c1, c2 as
 * double-doubles, and the one rounding at the end.  |d^3 A| <= |c3/c1| R^2 |c1 d| (<= 0.04 of
 * the result for |d| <= R = 1/2), so A's few ULP cost <= 0.1 ULP: <= 0.6 ULP in all. */
KINLINE double k_root_patch(double x, double y, double hi, double lo, double radius, double c1l,
                            double c2l, const double *c, const int n)
{
    double s, se;
    k_two_sum(x, -hi, &s, &se);
    double dh = s - lo;
    double dl = ((s - dh) - lo) + se;
    double acc = c[n - 1];
#pragma GCC unroll 40
    for (int i = n - 2; i >= 2; i--)
        acc = KFMA(acc, dh, c[i]);
    double p1, e1, q, qe, p2, e2, S, E;
    k_two_prod(c[0], dh, &p1, &e1);
    e1 += c[0] * dl + c1l * dh;
    k_two_prod(dh, dh, &q, &qe);
    qe += 2.0 * dh * dl;
    k_two_prod(c[1], q, &p2, &e2);
    e2 += c[1] * qe + c2l * q;
    k_two_sum(p1, p2, &S, &E);
    double r = S + (((E + e1) + e2) + q * dh * acc);
    return K_FABS(dh) <= radius ? r : y;
}
/* the series T (K_ROOT_<T>_* of ktables.h, table k_root_<t>) at x, else y */
#define K_ROOT_AT(T, t, x, y)                                                                \
    k_root_patch((x), (y), K_ROOT_##T##_HI, K_ROOT_##T##_LO, K_ROOT_##T##_R, K_ROOT_##T##_C1L, \
                 K_ROOT_##T##_C2L, k_root_##t, K_ROOT_##T##_N)

/* ----------------------------------------------------------------- float32 fast path
 * (HI = 0; see kmath.h: every value below is within 2^-29 relative before the final
 * rounding to float, i.e. <= 0.53 float ULP.) */

/* sigma(x) = (x < 0 ? e : 1) / (1 + e), e = exp(-|x|): quotient of two values with error
 * 2^-31, one rounding each -> 2^-30.  NaN -> NaN, -inf -> 0, +inf -> 1. */
KINLINE double k_sigmoid_lo(double x)
{
    double e = k_exp0_lo(-K_FABS(x));
    return (x < 0.0 ? e : 1.0) / (1.0 + e);
}

/* e / (1 + e)^2 = sigma'(x), e = exp(-|x|) */
KINLINE double k_sgrad_lo(double a, double mult)
{
    double e = k_exp0_lo(a);
    double d = 1.0 + e;
    return (mult * e) / (d * d);
}

/* tanh|x| = -m / (2 + m), m = expm1(-2|x|) in [-1, 0]: the relative error of m is
 * amplified by at most 2/(2 + m) <= 2 -> 2^-29. */
KINLINE double k_tanh_lo(double x)
{
    double m = k_expm1_lo(-2.0 * K_FABS(x));
    return __builtin_copysign(-m / (2.0 + m), x);
}

/* x sigma(x); x < -800 clamped so that -inf gives -0 (not -inf * 0), x > 40 is x */
KINLINE double k_silu_lo(double x)
{
    double xc = x < -800.0 ? -800.0 : x;
    double r = xc * k_sigmoid_lo(x);
    return x > 40.0 ? x : r;
}

/* ----------------------------------------------------------------- float64 fast path
 * sigmoid and silu of float64 for x >= -705 (kimpl.h sends a block holding any x < -705 to
 * the general path k_sigmoid / k_silu, whose results there are subnormal or need the
 * two-step scaling).  NaN takes this path and gives NaN.
 * e = exp(-|x|) = s (mh + ml), s = 2^k exact and normal (a = -|x| is clamped at -708, so
 * k >= -1022), mh + ml within 2^-58.9 relative (k_exp_tab).
 *   d = 1 + e = dh + dl: Fast2Sum(1, eh) (eh = s mh <= 1 exact) plus el: error <= 2^-104;
 *   sigma = s^neg (nh + nl) / d with (nh, nl) = (mh, ml) for x < 0, (1, 0) otherwise; the
 *   relative error of e enters as <= 2^-58.9 (e / (1 + e) or 1 / (1 + e) amplify it by <= 1);
 *   y0 = RN(nh RN(1/dh)) is within 2 ulp of the quotient, so the remainder nh - y0 dh is
 *   <= 2^-51 nh: its rounding (none with fma; Dekker otherwise) and those of the later
 *   correction terms (nl, y0 dl, times inv) stay below 2^-100 relative;
 *   y = fma(rem, inv, y0) rounds once; the product with s^neg is exact (the result is
 *   normal for x >= -705).
 * Total: <= 0.5 + 2^53 2^-58.8 = 0.518 ULP. */
KINLINE double k_sig_fast_parts(double x, double *sc, double *corr)
{
    double a = -K_FABS(x);
    a = a < -708.0 ? -708.0 : a; /* x = +-inf included; NaN stays */
    double kd, s, mh, ml;
    k_exp_tab(a, 0.0, &kd, &s, &mh, &ml);
    (void)kd;
    double eh = s * mh, el = s * ml;
    double dh = 1.0 + eh;
    double dl = ((1.0 - dh) + eh) + el;
    int neg = x < 0.0;
    double nh = neg ? mh : 1.0, nl = neg ? ml : 0.0;
    double inv = 1.0 / dh;
    double y0 = nh * inv;
    double rem = k_fnma(y0, dh, nh) + nl;
    rem = KFMA(-y0, dl, rem);
    *corr = rem * inv;
    *sc = neg ? s : 1.0;
    return y0;
}

KINLINE double k_sigmoid_fast(double x)
{
    double sc, corr, y0 = k_sig_fast_parts(x, &sc, &corr);
    return (y0 + corr) * sc;
}

/* x sigma(x) = s^neg (x y0 + x corr): x y0 = p + e exactly (two_prod), the remaining
 * roundings are of terms <= 2^-50 |x y0| (2^-103 relative); x > 40 returns x (sigma(x) =
 * 1 - 2^-57.7 or closer: x sigma(x) rounds to x; also +inf).  <= 0.52 ULP. */
KINLINE double k_silu_fast(double x)
{
    double sc, corr, y0 = k_sig_fast_parts(x, &sc, &corr);
    double xc = x > 40.0 ? 40.0 : x;
    double p, e;
    k_two_prod(xc, y0, &p, &e);
    double r = (p + (e + xc * corr)) * sc;
    return (x > 40.0 || x == 0.0) ? x : r; /* x = -0: -0 */
}

/* ----------------------------------------------------------------- sigmoid family */
/* sigma(zh + zl) = 2^*ks (*yh + *yl) */
KINLINE void k_sigmoid_core(double zh, double zl, const int HI, ksig *c, double *yh, double *yl,
                            double *ks)
{
    int neg = zh < 0.0;
    double ah = -K_FABS(zh), al = neg ? zl : -zl;
    *c = k_sig_ctx_v(ah, al, HI);
    double nh, nl;
    k_one_p(c, HI, &nh, &nl);
    nh = neg ? nh : 1.0;
    nl = neg ? nl : 0.0;
    *yh = k_div(nh, nl, c->dh, c->dl, HI, yl);
    *ks = neg ? c->kd : 0.0;
}

KINLINE double k_sigmoid_z(double zh, double zl, const int HI)
{
    ksig c;
    double yh, yl, ks;
    k_sigmoid_core(zh, zl, HI, &c, &yh, &yl, &ks);
    return k_scale(yh + yl, ks, HI);
}

/* mult * e / (1 + e)^2 with e = exp(ah + al), ah <= 0 */
KINLINE double k_sgrad_a(double ah, double al, double mult, const int HI)
{
    ksig c = k_sig_ctx_v(ah, al, HI);
    double nh, nl, d2h, d2l, corr;
    k_one_p(&c, HI, &nh, &nl);
    if (HI) {
        k_mul_dd(c.dh, c.dl, c.dh, c.dl, &d2h, &d2l);
    } else {
        d2h = c.dh * c.dh;
        d2l = 0.0;
    }
    double y = k_div(nh * mult, nl * mult, d2h, d2l, HI, &corr);
    return k_scale(y + corr, c.kd, HI);
}

KINLINE double k_sigmoid(double x, const int HI) { return HI ? k_sigmoid_z(x, 0.0, HI) : k_sigmoid_lo(x); }

KINLINE double k_sigmoid_grad(double x, const int HI)
{
    return HI ? k_sgrad_a(-K_FABS(x), 0.0, 1.0, HI) : k_sgrad_lo(-K_FABS(x), 1.0);
}

/* -sign(x) e (1 - e) / (1 + e)^3 */
KINLINE double k_sigmoid_grad2(double x, const int HI)
{
    ksig c = k_sig_ctx(-K_FABS(x), 0.0, HI);
    double mh, ml, v;
    k_em1(&c, HI, &mh, &ml);
    if (HI) { /* e (1 - e) / (1 + e)^3 in double-doubles, one rounding (five reach 4 ULP) */
        double oh, ol, nh, nl, d2h, d2l, d3h, d3l, corr;
        k_one_p(&c, HI, &oh, &ol);
        k_mul_dd(oh, ol, -mh, -ml, &nh, &nl);
        k_mul_dd(c.dh, c.dl, c.dh, c.dl, &d2h, &d2l);
        k_mul_dd(d2h, d2l, c.dh, c.dl, &d3h, &d3l);
        v = k_div(nh, nl, d3h, d3l, HI, &corr);
        v += corr;
    } else {
        double d = c.dh;
        v = ((1.0 + c.ph) * (-mh)) / (d * d * d);
    }
    v = k_scale(v, c.kd, HI);
    return x > 0.0 ? -v : v;
}

/* log(1 + exp(zh + zl)) / beta.  Tail (z < -41 or -21): log1p(e) = e, scaled. */
KINLINE double k_softplus_div(double zh, double zl, double beta, const int HI)
{
    const int pos = zh > 0.0;
    double ah = -K_FABS(zh), al = pos ? -zl : zl;
    ksig c = k_sig_ctx_v(ah, al, HI);
    double Lh, Ll;
    k_log1p01(c.eh, c.el, HI, &Lh, &Ll);
    double Rh, Rl, corr;
    if (HI) {
        double S, E;
        k_two_sum(zh, Lh, &S, &E);
        double lo = E + (zl + Ll);
        double P = S + lo;
        Rl = pos ? (S - P) + lo : Ll;
        Rh = pos ? P : Lh;
    } else {
        Rh = pos ? zh + Lh : Lh;
        Rl = 0.0;
    }
    double q = k_div_any(Rh, Rl, beta, HI, &corr);
    q += corr;
    double onh, onl;
    k_one_p(&c, HI, &onh, &onl);
    double t = k_div_any(onh, onl, beta, HI, &corr);
    t = k_scale(t + corr, c.kd, HI);
    double qt = c.kd < (HI ? -60.0 : -30.0) ? t : q;
    q = pos ? q : qt;
    return zh == K_INF ? zh / beta : q;
}

KINLINE double k_log_sigmoid(double x, const int HI) { return -k_softplus_div(-x, 0.0, 1.0, HI); }
KINLINE double k_log_sigmoid_grad(double x, const int HI) { return k_sigmoid(-x, HI); }
KINLINE double k_log_sigmoid_grad2(double x, const int HI) { return -k_sigmoid_grad(x, HI); }

/* z = beta * x as a double-double */
KINLINE void k_bx(double x, double beta, const int HI, double *zh, double *zl)
{
    double p, e;
    if (HI) {
        k_two_prod(beta, x, &p, &e);
        e = (K_FABS(p) < K_INF && beta != 1.0) ? e : 0.0;
    } else {
        p = beta * x;
        e = 0.0;
    }
    *zh = p;
    *zl = e;
}

/* float32 fast path of softplus: (max(z, 0) + log1p(e)) / beta, z = beta x, e = exp(-|z|).
 * log1p(e) from k_log1p01 (relative error ~2^-40 for !HI) or, for e < 2^-30, e itself
 * (relative error e/2 < 2^-31); the division by beta is a multiplication by the rounded
 * 1/beta (extra 2^-53; hoisted out of the loop when beta is a scalar). */
KINLINE double k_softplus_lo(double x, double beta, double th)
{
    double z = beta * x;
    double e = k_exp0_lo(-K_FABS(z));
    double L, Ll;
    k_log1p01(e, 0.0, 0, &L, &Ll);
    L = e < 0x1p-30 ? e : L;
    double r = (z > 0.0 ? z + L : L) * (1.0 / beta);
    return z > th ? x : r;
}

KINLINE double k_softplus(double x, double beta, double th, const int HI)
{
    if (!HI)
        return k_softplus_lo(x, beta, th);
    double zh, zl;
    k_bx(x, beta, HI, &zh, &zl);
    double r = k_softplus_div(zh, zl, beta, HI);
    return zh > th ? x : r;
}

KINLINE double k_softplus_grad(double x, double beta, double th, const int HI)
{
    double zh, zl;
    k_bx(x, beta, HI, &zh, &zl);
    double r = k_sigmoid_z(zh, zl, HI);
    return zh > th ? 1.0 : r;
}

KINLINE double k_softplus_grad2(double x, double beta, double th, const int HI)
{
    double zh, zl;
    k_bx(x, beta, HI, &zh, &zl);
    double r = k_sgrad_a(-K_FABS(zh), zh > 0.0 ? -zl : zl, beta, HI);
    return zh > th ? 0.0 : r;
}

/* ----------------------------------------------------------------- tanh */
KINLINE double k_tanh(double x, const int HI)
{
    if (!HI)
        return k_tanh_lo(x);
    ksig c = k_sig_ctx(-2.0 * K_FABS(x), 0.0, HI);
    double mh, ml, corr;
    k_em1(&c, HI, &mh, &ml); /* expm1(-2|x|) in (-1, 0] */
    double dh = 2.0 + mh;
    double dl = HI ? ((2.0 - dh) + mh) + ml : 0.0;
    double y = k_div(-mh, -ml, dh, dl, HI, &corr);
    return __builtin_copysign(y + corr, x);
}

KINLINE double k_tanh_grad(double x, const int HI)
{
    return HI ? k_sgrad_a(-2.0 * K_FABS(x), 0.0, 4.0, HI) : k_sgrad_lo(-2.0 * K_FABS(x), 4.0);
}

KINLINE double k_tanh_grad2(double x, const int HI) { return -2.0 * k_tanh(x, HI) * k_tanh_grad(x, HI); }

/* ----------------------------------------------------------------- silu */
/* x * 2^ks (yh + yl) for silu and mish: with HI the product is formed exactly (two_prod) and
 * rounded once; x is clamped to [-800, 40] and x > 40 returns x (the factor rounds to 1). */
KINLINE double k_x_times(double x, double yh, double yl, double ks, const int HI)
{
    double xc = k_clamp(x, -800.0, 40.0), r;
    if (HI) {
        double p, e;
        k_two_prod(xc, yh, &p, &e);
        r = p + (e + xc * yl);
    } else {
        r = xc * yh;
    }
    r = k_scale(r, ks, HI);
    return (x > 40.0 || x == 0.0) ? x : r; /* x = -0: -0 (p + e would give +0) */
}

KINLINE double k_silu(double x, const int HI)
{
    if (!HI)
        return k_silu_lo(x);
    ksig c;
    double yh, yl, ks;
    k_sigmoid_core(x, 0.0, HI, &c, &yh, &yl, &ks);
    return k_x_times(x, yh, yl, ks, HI);
}

/* x >= 0: (d + x e) / d^2;  x < 0: e (d + x) / d^2  (e = exp(-|x|), d = 1 + e) */
KINLINE double k_silu_grad(double x, const int HI)
{
    ksig c = k_sig_ctx_v(-K_FABS(x), 0.0, HI);
    double xc = k_clamp(x, -800.0, 40.0);
    int p = x >= 0.0;
    double y;
    if (HI) {
        double oh, ol, Sh, Se, nh, nl, a, ae, Ph, Pe, d2h, d2l, corr;
        k_one_p(&c, HI, &oh, &ol);
        k_two_sum(c.dh, xc, &Sh, &Se);
        k_mul_dd(oh, ol, Sh, Se + c.dl, &nh, &nl); /* (1 + p)(d + x) */
        k_two_prod(xc, c.eh, &a, &ae);
        k_two_sum(c.dh, a, &Ph, &Pe);
        Pe += (ae + c.dl) + xc * c.el; /* d + x e */
        k_mul_dd(c.dh, c.dl, c.dh, c.dl, &d2h, &d2l);
        double q = k_div(p ? Ph : nh, p ? Pe : nl, d2h, d2l, HI, &corr);
        y = k_scale(q + corr, p ? 0.0 : c.kd, HI);
    } else {
        double d = c.dh, d2 = d * d;
        double pos = d + xc * c.eh;
        double neg = (1.0 + c.ph) * (d + xc);
        y = k_scale((p ? pos : neg) / d2, p ? 0.0 : c.kd, HI);
    }
    return K_ROOT_AT(SILU_1, silu_1, x, y);
}

/* sigma'(x) (2 - |x| (1 - e) / (1 + e)) */
KINLINE double k_silu_grad2(double x, const int HI)
{
    ksig c = k_sig_ctx(-K_FABS(x), 0.0, HI);
    double mh, ml;
    k_em1(&c, HI, &mh, &ml);
    double xa = K_FABS(k_clamp(x, -800.0, 800.0));
    double d = c.dh, v;
    if (HI) { /* 2 - |x| tanh(|x|/2) cancels around its roots: double-doubles throughout */
        double th, tl, ph, pl, ih, il, oh, ol, d2h, d2l, sh, sl, rh, rl;
        k_quo_dd(-mh, -ml, c.dh, c.dl, &th, &tl);
        k_mul_dd(xa, 0.0, th, tl, &ph, &pl);
        k_add_dd(2.0, 0.0, -ph, -pl, &ih, &il);
        k_one_p(&c, HI, &oh, &ol);
        k_mul_dd(c.dh, c.dl, c.dh, c.dl, &d2h, &d2l);
        k_quo_dd(oh, ol, d2h, d2l, &sh, &sl);
        k_mul_dd(sh, sl, ih, il, &rh, &rl);
        v = rh + rl;
    } else {
        v = ((1.0 + c.ph) / (d * d)) * (2.0 + xa * mh / d);
    }
    v = k_scale(v, c.kd, HI);
    return K_ROOT_AT(SILU_2, silu_2, xa, v); /* even: the roots +-2.3994 */
}

/* ----------------------------------------------------------------- mish */
/* tanh(softplus(x)) as 2^*ks (*th + *tl):  x >= 0: (1 + 2e) / (1 + 2e + 2e^2);
 * x < 0: e (e + 2) / (e (e + 2) + 2)   (e = exp(-|x|)) */
KINLINE void k_mish_t(double x, const int HI, ksig *c, double *th, double *tl, double *ks)
{
    *c = k_sig_ctx(-K_FABS(x), 0.0, HI);
    double eh = c->eh, el = c->el;
    int pos = x >= 0.0;
    double nh, nl, dh, dl;
    if (HI) {
        /* positive branch */
        double ph_ = 1.0 + 2.0 * eh;
        double pl_ = ((1.0 - ph_) + 2.0 * eh) + 2.0 * el;
        double e2h, e2l;
        k_mul_dd(eh, el, eh, el, &e2h, &e2l);
        double S, E;
        k_two_sum(ph_, 2.0 * e2h, &S, &E);
        double qh = S, ql = E + (pl_ + 2.0 * e2l);
        /* negative branch */
        double ah = 2.0 + eh, al = ((2.0 - ah) + eh) + el;
        double oh, ol, mh, ml, nh2, nl2;
        k_one_p(c, HI, &oh, &ol);
        k_mul_dd(oh, ol, ah, al, &nh2, &nl2);
        k_mul_dd(eh, el, ah, al, &mh, &ml);
        double gh = 2.0 + mh, gl = ((2.0 - gh) + mh) + ml;
        nh = pos ? ph_ : nh2;
        nl = pos ? pl_ : nl2;
        dh = pos ? qh : gh;
        dl = pos ? ql : gl;
    } else {
        double n1 = 1.0 + 2.0 * eh;
        double d1 = n1 + 2.0 * eh * eh;
        double ep2 = eh + 2.0;
        nh = pos ? n1 : (1.0 + c->ph) * ep2;
        dh = pos ? d1 : eh * ep2 + 2.0;
        nl = dl = 0.0;
    }
    *th = k_div(nh, nl, dh, dl, HI, tl);
    *ks = pos ? 0.0 : c->kd;
}

KINLINE double k_mish(double x, const int HI)
{
    ksig c;
    double th, tl, ks;
    k_mish_t(x, HI, &c, &th, &tl, &ks);
    return k_x_times(x, th, tl, ks, HI);
}

/* x >= 0 (e = e^-x, D = 1 + 2e + 2e^2): ((1 + 2e) D + 4 x e^2 (1 + e)) / D^2
 * x < 0  (e = e^x,  D = e (e + 2) + 2): e (4 (1 + x) + e (6 + 4x) + 4 e^2 + e^3) / D^2 */
KINLINE double k_mish_grad(double x, const int HI)
{
    ksig c = k_sig_ctx(-K_FABS(x), 0.0, HI);
    double e = c.eh;
    double xc = k_clamp(x, -800.0, 40.0);
    double Dp = 1.0 + 2.0 * e + 2.0 * e * e;
    double pos = ((1.0 + 2.0 * e) * Dp + 4.0 * xc * e * e * (1.0 + e)) / (Dp * Dp);
    double Dn = e * (e + 2.0) + 2.0;
    double P = ((e + 4.0) * e + (6.0 + 4.0 * xc)) * e + 4.0 * (1.0 + xc);
    double neg;
    if (HI) {
        /* x >= 0: all terms positive, but eight roundings in double reach 2 ULP */
        double el = c.el, E2h, E2l, Ah, Al, Dh, Dl, T1h, T1l, Bh, Bl, T2h, T2l, Nh, Nl, Qh, Ql, cq;
        k_mul_dd(e, el, e, el, &E2h, &E2l);
        k_add_dd(1.0, 0.0, 2.0 * e, 2.0 * el, &Ah, &Al);
        k_add_dd(Ah, Al, 2.0 * E2h, 2.0 * E2l, &Dh, &Dl);
        k_mul_dd(Ah, Al, Dh, Dl, &T1h, &T1l);
        k_add_dd(1.0, 0.0, e, el, &Bh, &Bl);
        k_mul_dd(E2h, E2l, Bh, Bl, &T2h, &T2l);
        k_mul_dd(T2h, T2l, 4.0 * xc, 0.0, &T2h, &T2l);
        k_add_dd(T1h, T1l, T2h, T2l, &Nh, &Nl);
        k_mul_dd(Dh, Dl, Dh, Dl, &Qh, &Ql);
        double q = k_div(Nh, Nl, Qh, Ql, HI, &cq);
        pos = q + cq;
    }
    if (HI) {
        /* P and D in double-double: P = ((e + 4) e + (6 + 4x)) e + 4 (1 + x) */
        double el = c.el, Ah, Al, Bh, Bl, Ch, Cl, Fh, Fl, Ph, Pl, Gh, Gl, Dh, Dl;
        k_add_dd(e, el, 4.0, 0.0, &Ah, &Al);
        k_mul_dd(Ah, Al, e, el, &Bh, &Bl);
        k_add_dd(Bh, Bl, 6.0, 4.0 * xc, &Ch, &Cl);
        k_mul_dd(Ch, Cl, e, el, &Ch, &Cl);
        k_two_sum(1.0, xc, &Fh, &Fl);
        k_add_dd(Ch, Cl, 4.0 * Fh, 4.0 * Fl, &Ph, &Pl);
        k_add_dd(e, el, 2.0, 0.0, &Gh, &Gl);
        k_mul_dd(Gh, Gl, e, el, &Gh, &Gl);
        k_add_dd(Gh, Gl, 2.0, 0.0, &Dh, &Dl);
        double oh, ol, nh, nl, d2h, d2l, corr;
        k_one_p(&c, HI, &oh, &ol);
        k_mul_dd(oh, ol, Ph, Pl, &nh, &nl);
        k_mul_dd(Dh, Dl, Dh, Dl, &d2h, &d2l);
        double q = k_div(nh, nl, d2h, d2l, HI, &corr);
        neg = k_scale(q + corr, c.kd, HI);
    } else {
        neg = k_scale((1.0 + c.ph) * P / (Dn * Dn), c.kd, HI);
    }
    double y = x >= 0.0 ? pos : neg;
    return K_ROOT_AT(MISH_1, mish_1, x, y);
}

/* S sigma (2 + x (sigma(-x) - 2 T sigma)), S = sech^2(softplus x), T = tanh(softplus x) */
KINLINE double k_mish_grad2(double x, const int HI)
{
    ksig c = k_sig_ctx(-K_FABS(x), 0.0, HI);
    double e = c.eh, m = 1.0 + c.ph;
    double xc = k_clamp(x, -800.0, 800.0);
    double Dp = 1.0 + 2.0 * e + 2.0 * e * e;
    double ip = 2.0 + xc * ((2.0 * e * e * e + 2.0 * e * e - 3.0 * e - 2.0) / (Dp * (1.0 + e)));
    double pos = 4.0 * (1.0 + e) * m * m * ip / (Dp * Dp);
    double Dn = e * e + 2.0 * e + 2.0;
    double in = 2.0 + xc * ((Dn - 2.0 * e * e * (e + 2.0)) / (Dn * (1.0 + e)));
    double neg = 4.0 * m * (1.0 + e) * in / (Dn * Dn);
    int p = x >= 0.0;
    if (HI) { /* the inner factors cancel around the roots 1.49 and -2.26: double-doubles */
        double el = c.el, E2h, E2l, E3h, E3l, Bh, Bl, Dh, Dl, Nh, Nl, Qh, Ql, Rh, Rl, Ih, Il;
        double t1h, t1l, oh, ol, Fh, Fl, D2h, D2l;
        k_mul_dd(e, el, e, el, &E2h, &E2l);
        k_mul_dd(E2h, E2l, e, el, &E3h, &E3l);
        k_add_dd(1.0, 0.0, e, el, &Bh, &Bl);
        if (p) { /* Dp = 1 + 2e + 2e^2, N = 2e^3 + 2e^2 - 3e - 2 */
            k_add_dd(1.0, 0.0, 2.0 * e, 2.0 * el, &Dh, &Dl);
            k_add_dd(Dh, Dl, 2.0 * E2h, 2.0 * E2l, &Dh, &Dl);
            k_add_dd(2.0 * E3h, 2.0 * E3l, 2.0 * E2h, 2.0 * E2l, &Nh, &Nl);
            k_add_dd(Nh, Nl, -3.0 * e, -3.0 * el, &Nh, &Nl);
            k_add_dd(Nh, Nl, -2.0, 0.0, &Nh, &Nl);
        } else { /* Dn = e^2 + 2e + 2, N = Dn - 2e^2 (e + 2) = 2 + 2e - 3e^2 - 2e^3 */
            k_add_dd(E2h, E2l, 2.0 * e, 2.0 * el, &Dh, &Dl);
            k_add_dd(Dh, Dl, 2.0, 0.0, &Dh, &Dl);
            k_add_dd(2.0, 0.0, 2.0 * e, 2.0 * el, &Nh, &Nl);
            k_add_dd(Nh, Nl, -3.0 * E2h, -3.0 * E2l, &Nh, &Nl);
            k_add_dd(Nh, Nl, -2.0 * E3h, -2.0 * E3l, &Nh, &Nl);
        }
        k_mul_dd(Dh, Dl, Bh, Bl, &Qh, &Ql);
        k_quo_dd(Nh, Nl, Qh, Ql, &Rh, &Rl);
        k_mul_dd(xc, 0.0, Rh, Rl, &Ih, &Il);
        k_add_dd(2.0, 0.0, Ih, Il, &Ih, &Il);
        /* 4 (1 + e) m^k inner / D^2, m = e 2^-kd (k = 2 for x >= 0, 1 otherwise) */
        k_one_p(&c, HI, &oh, &ol);
        k_mul_dd(Bh, Bl, oh, ol, &Fh, &Fl);
        if (p)
            k_mul_dd(Fh, Fl, oh, ol, &Fh, &Fl);
        k_mul_dd(Fh, Fl, Ih, Il, &t1h, &t1l);
        k_mul_dd(Dh, Dl, Dh, Dl, &D2h, &D2l);
        double corr, q = k_div(4.0 * t1h, 4.0 * t1l, D2h, D2l, HI, &corr);
        pos = neg = q + corr;
    }
    double y = k_scale(p ? pos : neg, p ? 2.0 * c.kd : c.kd, HI);
    y = K_ROOT_AT(MISH_2, mish_2, x, y); /* the roots 1.4906 and -2.2564 */
    return K_ROOT_AT(MISH_LEFT_2, mish_left_2, x, y);
}

/* ----------------------------------------------------------------- gelu (exact) */
/* Phi(-u) = 2^*kd (*qh + *ql) for u = |x| (clamped to 40) and phi(x) = 2^*kd *ph_;
 * Phi(-u) = exp(-u^2/2) erfcx(u/sqrt2) / 2, erfcx from a Chebyshev series in
 * Y = (u - K) / (u + K);  x^2 split exactly so exp(-x^2/2) keeps full accuracy. */
KINLINE void k_gelu_parts(double x, const int HI, double *qh, double *ql, double *kd,
                          double *phi, double *phil, double *uc_out)
{
    double UC = HI ? 40.0 : 20.0;
    double uc = K_FABS(x);
    uc = uc > UC ? UC : uc;
    double s2h, s2l;
    k_two_prod(uc, uc, &s2h, &s2l);
    double k, pph, ppl;
    k_exp_parts(-0.5 * s2h, HI ? -0.5 * s2l : 0.0, HI, &k, &pph, &ppl);
    /* F = sum c_k T_k(t), t = TA Y + TB, Y = (u - K) / (u + K).  HI: t as a double-double,
     * c0..c3 T0..T3 in double-double, the small tail k >= 4 by Clenshaw at th plus the
     * first-order term rest'(th) tl (the rounding of t alone would cost ~2 ULP near u = 0). */
    double den = K_ERFCX_K + uc, Fh, Fl, t;
    if (HI) {
        double dnl, nuh, nul, Yl, corr0;
        k_two_sum(K_ERFCX_K, uc, &den, &dnl);
        k_two_sum(uc, -K_ERFCX_K, &nuh, &nul);
        double Yh = k_div(nuh, nul, den, dnl, HI, &corr0);
        Yl = corr0;
        double p0, e0, th, e2;
        k_two_prod(K_ERFCX_TA, Yh, &p0, &e0);
        e0 += K_ERFCX_TA * Yl + K_ERFCX_TA_L * Yh;
        k_two_sum(p0, K_ERFCX_TB, &th, &e2);
        double tl = (e2 + e0) + K_ERFCX_TB_L;
        t = th + tl;
        tl = (th - t) + tl;
        th = t;
        /* T2 = 2t^2 - 1, T3 = t (2 T2 - 1) */
        double a, ae, T2h, T2e, Ah, Ae, T3h, T3l;
        k_two_prod(2.0 * th, th, &a, &ae);
        k_two_sum(a, -1.0, &T2h, &T2e);
        double T2l = (T2e + ae) + 4.0 * th * tl;
        k_two_sum(2.0 * T2h, -1.0, &Ah, &Ae);
        k_mul_dd(th, tl, Ah, Ae + 2.0 * T2l, &T3h, &T3l);
        /* tail k >= 4 */
        double b1 = 0.0, b2 = 0.0;
#pragma GCC unroll 40
        for (int i = K_ERFCX_N - 1; i >= 4; i--) {
            double b0 = KFMA(2.0 * th, b1, k_erfcx_c[i] - b2);
            b2 = b1;
            b1 = b0;
        }
        double T4 = 2.0 * th * T3h - T2h;
        double rest = b1 * T4 - b2 * T3h;
        /* rest'(th) = sum_{k>=4} k c_k U_{k-1}(th) */
        double U0 = 1.0, U1 = 2.0 * th, U2 = 2.0 * th * U1 - 1.0, drest = 0.0;
#pragma GCC unroll 16
        for (int k = 4; k <= K_ERFCX_ND; k++) {
            double U3 = 2.0 * th * U2 - U1; /* U_{k-1} */
            drest = KFMA(k_erfcx_dc[k - 1], U3, drest);
            U0 = U1;
            U1 = U2;
            U2 = U3;
        }
        (void)U0;
        /* leading terms */
        double s1, e1, s2, e2b, s3, e3, S, E, lo;
        k_two_prod(k_erfcx_c[1], th, &s1, &e1);
        e1 += k_erfcx_c[1] * tl + k_erfcx_cl[1] * th;
        k_two_prod(k_erfcx_c[2], T2h, &s2, &e2b);
        e2b += k_erfcx_c[2] * T2l + k_erfcx_cl[2] * T2h;
        k_two_prod(k_erfcx_c[3], T3h, &s3, &e3);
        e3 += k_erfcx_c[3] * T3l + k_erfcx_cl[3] * T3h;
        k_two_sum(k_erfcx_c[0], s1, &S, &E);
        lo = E + k_erfcx_cl[0];
        k_two_sum(S, s2, &S, &E);
        lo += E;
        k_two_sum(S, s3, &S, &E);
        lo += E;
        lo += ((e1 + e2b) + e3) + KFMA(drest, tl, rest);
        Fh = S + lo;
        Fl = (S - Fh) + lo;
    } else {
        double inv = 1.0 / den;
        double Y = (uc - K_ERFCX_K) * inv;
        t = KFMA(Y, K_ERFCX_TA, K_ERFCX_TB);
        double b1 = 0.0, b2 = 0.0;
#pragma GCC unroll 40
        for (int i = K_ERFCX_N - 1; i >= 1; i--) {
            double b0 = KFMA(2.0 * t, b1, k_erfcx_c[i] - b2);
            b2 = b1;
            b1 = b0;
        }
        Fh = KFMA(t, b1, k_erfcx_c[0] - b2);
        Fl = 0.0;
    }
    /* Q = (1 + p) F / (2 (K + u)) */
    double oh = 1.0 + pph;
    double ol = HI ? ((1.0 - oh) + pph) + ppl : 0.0;
    double nh, nl, corr;
    if (HI) {
        k_mul_dd(oh, ol, Fh, Fl, &nh, &nl);
    } else {
        nh = oh * Fh;
        nl = 0.0;
    }
    double dh = 2.0 * den;
    double dl = 0.0;
    if (HI) {
        double dd_, dl_;
        k_two_sum(K_ERFCX_K, uc, &dd_, &dl_);
        dl = 2.0 * dl_;
    }
    *qh = k_div(nh, nl, dh, dl, HI, &corr);
    *ql = corr;
    *kd = k;
    if (HI) {
        k_mul_dd(oh, ol, K_INV_SQRT_2PI, K_INV_SQRT_2PI_L, phi, phil);
    } else {
        *phi = (oh + ol) * K_INV_SQRT_2PI;
        *phil = 0.0;
    }
    *uc_out = uc;
}

KINLINE double k_gelu(double x, const int HI)
{
    double qh, ql, kd, phi, phil, uc, r;
    k_gelu_parts(x, HI, &qh, &ql, &kd, &phi, &phil, &uc);
    double xc = k_clamp(x, HI ? -40.0 : -20.0, K_INF);
    int neg = x < 0.0;
    /* x < 0: x Q 2^kd;  x >= 0: x (1 - Q 2^kd) */
    double q2 = k_scale(qh, kd, HI), q2l = k_scale(ql, kd, HI);
    double oh = 1.0 - q2;
    double ol = ((1.0 - oh) - q2) - q2l;
    double mh = neg ? qh : oh, ml = neg ? ql : ol;
    if (HI) {
        double p, e;
        k_two_prod(xc, mh, &p, &e);
        r = p + (e + xc * ml);
    } else {
        r = xc * mh;
    }
    r = neg ? k_scale(r, kd, HI) : r;
    /* x >= UC: Phi(-x) 2^kd is below 2^-1074, so gelu(x) = x exactly -- said outright,
     * because without FMA the Dekker split in k_two_prod overflows for x > 2^996 (NaN). */
    return (x >= (HI ? 40.0 : 20.0) || x == 0.0) ? x : r; /* and -0 -> -0 (as float32, torch) */
}

/* Phi(x) + x phi(x):  x < 0: 2^kd (Q - u phi);  x >= 0: 1 - 2^kd (Q - u phi).  With HI
 * every part is a double-double (phi included: rounded, its error would be amplified by
 * u phi / |f'| ~ 2 near x = -1.26) and the sum rounds once. */
KINLINE double k_gelu_grad(double x, const int HI)
{
    double qh, ql, kd, phi, phil, uc, y;
    k_gelu_parts(x, HI, &qh, &ql, &kd, &phi, &phil, &uc);
    if (HI) {
        double uh, ul, Sh, Sl, Oh, Ol;
        k_mul_dd(uc, 0.0, phi, phil, &uh, &ul);
        k_add_dd(qh, ql, -uh, -ul, &Sh, &Sl); /* Q - u phi, times 2^kd */
        double sh = k_scale(Sh, kd, HI), sl = k_scale(Sl, kd, HI);
        k_add_dd(1.0, 0.0, -sh, -sl, &Oh, &Ol);
        y = x < 0.0 ? sh + sl : Oh + Ol;
    } else {
        double up, ue, nh_, ne_;
        k_two_prod(uc, phi, &up, &ue);
        k_two_sum(qh, -up, &nh_, &ne_);
        double neg = k_scale(nh_ + ((ne_ - ue) + ql), kd, HI);
        double q2 = k_scale(qh, kd, HI), ph2 = k_scale(phi, kd, HI);
        double pos = (1.0 - q2) + uc * ph2;
        y = x < 0.0 ? neg : pos;
    }
    y = K_ISNAN(x) ? x : y;
    return K_ROOT_AT(GELU_1, gelu_1, x, y);
}

/* phi(x) (2 - x^2) */
KINLINE double k_gelu_grad2(double x, const int HI)
{
    double UC = HI ? 40.0 : 20.0;
    double uc = K_FABS(x);
    uc = uc > UC ? UC : uc;
    double s2h, s2l;
    k_two_prod(uc, uc, &s2h, &s2l);
    double k, pph, ppl;
    k_exp_parts(-0.5 * s2h, HI ? -0.5 * s2l : 0.0, HI, &k, &pph, &ppl);
    double v = ((1.0 + pph) * K_INV_SQRT_2PI) * ((2.0 - s2h) - s2l);
    v = k_scale(v, k, HI);
    return K_ISNAN(x) ? x : v;
}

/* ----------------------------------------------------------------- gelu (tanh form) */
/* v = 2 sqrt(2/pi) (x + 0.044715 x^3) = vh + vl for |x| <= 40; dv = dv/dx */
KINLINE void k_gt_v(double xc, const int HI, double *vh, double *vl, double *dv)
{
    double x2h, x2l;
    k_two_prod(xc, xc, &x2h, &x2l);
    if (HI) {
        double t, te, wh, we;
        k_two_prod(K_GT_C3_H, x2h, &t, &te);
        te += K_GT_C3_L * x2h + K_GT_C3_H * x2l;
        k_two_sum(K_GT_C1_H, t, &wh, &we);
        double wl = (we + te) + K_GT_C1_L;
        double p, e;
        k_two_prod(xc, wh, &p, &e);
        double lo = e + xc * wl;
        *vh = p + lo;
        *vl = (p - *vh) + lo;
    } else {
        *vh = xc * (K_GT_C1_H + K_GT_C3_H * x2h);
        *vl = 0.0;
    }
    *dv = K_GT_C1_H + 3.0 * K_GT_C3_H * x2h;
}

KINLINE double k_gelu_tanh(double x, const int HI)
{
    double xc = k_clamp(x, -40.0, 40.0);
    double vh, vl, dv, yh, yl, ks, r;
    ksig c;
    k_gt_v(xc, HI, &vh, &vl, &dv);
    k_sigmoid_core(vh, vl, HI, &c, &yh, &yl, &ks);
    r = k_x_times(xc, yh, yl, ks, HI); /* xc is within k_x_times' clamp: the same product */
    return x > 40.0 ? x : r;
}

/* sigma(v) + x sigma'(v) v':  v >= 0: (d + x v' e) / d^2;  v < 0: e (d + x v') / d^2 */
KINLINE double k_gelu_tanh_grad(double x, const int HI)
{
    double xc = k_clamp(x, -40.0, 40.0);
    double vh, vl, dv, y;
    k_gt_v(xc, HI, &vh, &vl, &dv);
    ksig c = k_sig_ctx(-K_FABS(vh), vh > 0.0 ? -vl : vl, HI);
    int p = vh >= 0.0;
    if (HI) {
        /* dv = C1 + 3 C3 x^2 and x dv as double-doubles */
        double x2h, x2l, q, qe, th_, tl_, dvh, e, xdh, xdl;
        k_two_prod(xc, xc, &x2h, &x2l);
        k_two_prod(K_GT_C3_H, x2h, &q, &qe);
        k_two_prod(3.0, q, &th_, &tl_);
        k_two_sum(K_GT_C1_H, th_, &dvh, &e);
        double dvl = (e + tl_) + 3.0 * (qe + K_GT_C3_L * x2h + K_GT_C3_H * x2l) + K_GT_C1_L;
        k_two_prod(xc, dvh, &xdh, &xdl);
        xdl += xc * dvl;
        /* neg: (1 + p)(d + x dv);  pos: d + x dv e */
        double Sh, Se, oh, ol, nh, nl, a, ae, Ph, Pe, d2h, d2l, corr;
        k_two_sum(c.dh, xdh, &Sh, &Se);
        Se += c.dl + xdl;
        k_one_p(&c, HI, &oh, &ol);
        k_mul_dd(oh, ol, Sh, Se, &nh, &nl);
        k_two_prod(xdh, c.eh, &a, &ae);
        k_two_sum(c.dh, a, &Ph, &Pe);
        Pe += (ae + c.dl) + xdl * c.eh + xdh * c.el;
        k_mul_dd(c.dh, c.dl, c.dh, c.dl, &d2h, &d2l);
        double r = k_div(p ? Ph : nh, p ? Pe : nl, d2h, d2l, HI, &corr);
        y = k_scale(r + corr, p ? 0.0 : c.kd, HI);
    } else {
        double d = c.dh, d2 = d * d;
        double xd = xc * dv;
        double pos = (d + xd * c.eh) / d2;
        double neg = k_scale((1.0 + c.ph) * (d + xd) / d2, c.kd, HI);
        y = p ? pos : neg;
    }
    y = x > 40.0 ? 1.0 : y;
    return K_ROOT_AT(GELU_TANH_1, gelu_tanh_1, x, y);
}

/* sigma'(v) (2 v' + x (sigma''(v)/sigma'(v) v'^2 + v'')), sigma''/sigma' = -sign(v)(1-e)/(1+e) */
KINLINE double k_gelu_tanh_grad2(double x, const int HI)
{
    double xc = k_clamp(x, -40.0, 40.0);
    double vh, vl, dv;
    k_gt_v(xc, HI, &vh, &vl, &dv);
    /* vl too: exp(-|v|) at |v| ~ 600 (x ~ 20) would lose 2^-45 relative without it */
    ksig c = k_sig_ctx(-K_FABS(vh), vh > 0.0 ? -vl : vl, HI);
    double mh, ml;
    k_em1(&c, HI, &mh, &ml);
    double d = c.dh;
    double r = vh > 0.0 ? mh / d : -mh / d;
    double inner = 2.0 * dv + xc * (r * dv * dv + 6.0 * K_GT_C3_H * xc);
    double v = k_scale(((1.0 + c.ph) / (d * d)) * inner, c.kd, HI);
    if (HI) { /* inner cancels around the roots +-1.4185: double-doubles throughout */
        double x2h, x2l, q, qe, t3h, t3l, dvh, dvl, Rh, Rl, Vh, Vl, Ch, Cl, Ih, Il, oh, ol;
        double d2h, d2l, Sh, Sl, Yh, Yl;
        k_two_prod(xc, xc, &x2h, &x2l);
        k_mul_dd(K_GT_C3_H, K_GT_C3_L, x2h, x2l, &q, &qe);
        k_mul_dd(3.0, 0.0, q, qe, &t3h, &t3l);
        k_add_dd(K_GT_C1_H, K_GT_C1_L, t3h, t3l, &dvh, &dvl); /* v' = C1 + 3 C3 x^2 */
        k_quo_dd(vh > 0.0 ? mh : -mh, vh > 0.0 ? ml : -ml, c.dh, c.dl, &Rh, &Rl);
        k_mul_dd(dvh, dvl, dvh, dvl, &Vh, &Vl);
        k_mul_dd(Rh, Rl, Vh, Vl, &Vh, &Vl);
        k_mul_dd(K_GT_C3_H, K_GT_C3_L, xc, 0.0, &Ch, &Cl);
        k_mul_dd(6.0, 0.0, Ch, Cl, &Ch, &Cl); /* v'' = 6 C3 x */
        k_add_dd(Vh, Vl, Ch, Cl, &Ih, &Il);
        k_mul_dd(xc, 0.0, Ih, Il, &Ih, &Il);
        k_add_dd(Ih, Il, 2.0 * dvh, 2.0 * dvl, &Ih, &Il);
        k_one_p(&c, HI, &oh, &ol);
        k_mul_dd(c.dh, c.dl, c.dh, c.dl, &d2h, &d2l);
        k_quo_dd(oh, ol, d2h, d2l, &Sh, &Sl);
        k_mul_dd(Sh, Sl, Ih, Il, &Yh, &Yl);
        v = k_scale(Yh + Yl, c.kd, HI);
    }
    v = x > 40.0 ? 0.0 : v;
    return K_ROOT_AT(GELU_TANH_2, gelu_tanh_2, K_FABS(x), v); /* even: the roots +-1.4185 */
}

/* ----------------------------------------------------------------- elu / selu */
KINLINE ksig k_elu_ctx(double x, const int HI)
{
    double a = x > 0.0 ? 0.0 : x; /* NaN stays */
    return k_sig_ctx(a, 0.0, HI);
}

KINLINE double k_elu(double x, double alpha, const int HI)
{
    ksig c = k_elu_ctx(x, HI);
    double mh, ml, r;
    k_em1(&c, HI, &mh, &ml);
    if (HI) {
        double p, e;
        k_two_prod(alpha, mh, &p, &e);
        r = p + (e + alpha * ml);
    } else {
        r = alpha * mh;
    }
    return x > 0.0 ? x : r;
}

KINLINE double k_elu_exp(const ksig *c, double ah, double al, const int HI)
{
    /* (ah + al) * exp(x) for x <= 0 */
    double r = HI ? KFMA(ah, c->ph, KFMA(al, 1.0 + c->ph, ah * c->pl)) + ah : ah * (1.0 + c->ph);
    return k_scale(r, c->kd, HI);
}

KINLINE double k_elu_grad(double x, double alpha, const int HI)
{
    ksig c = k_elu_ctx(x, HI);
    double r = k_elu_exp(&c, alpha, 0.0, HI);
    return x > 0.0 ? 1.0 : r;
}

KINLINE double k_elu_grad2(double x, double alpha, const int HI)
{
    ksig c = k_elu_ctx(x, HI);
    double r = k_elu_exp(&c, alpha, 0.0, HI);
    return x > 0.0 ? 0.0 : r;
}

KINLINE double k_selu(double x, const int HI)
{
    ksig c = k_elu_ctx(x, HI);
    double mh, ml, r;
    k_em1(&c, HI, &mh, &ml);
    if (HI) {
        double p, e;
        k_two_prod(K_SELU_SA_H, mh, &p, &e);
        r = p + (e + (K_SELU_SA_H * ml + K_SELU_SA_L * mh));
    } else {
        r = K_SELU_SA_H * mh;
    }
    return x > 0.0 ? K_SELU_SCALE * x : r;
}

KINLINE double k_selu_grad(double x, const int HI)
{
    ksig c = k_elu_ctx(x, HI);
    double r = k_elu_exp(&c, K_SELU_SA_H, K_SELU_SA_L, HI);
    return x > 0.0 ? K_SELU_SCALE : r;
}

KINLINE double k_selu_grad2(double x, const int HI)
{
    ksig c = k_elu_ctx(x, HI);
    double r = k_elu_exp(&c, K_SELU_SA_H, K_SELU_SA_L, HI);
    return x > 0.0 ? 0.0 : r;
}

/* ----------------------------------------------------------------- piecewise linear */
#define K_NANPASS(x, v) (K_ISNAN(x) ? (x) : (v))

KINLINE double k_relu(double x, const int HI) { (void)HI; return x > 0.0 ? x : K_NANPASS(x, 0.0); }
KINLINE double k_relu_grad(double x, const int HI) { (void)HI; return x > 0.0 ? 1.0 : K_NANPASS(x, 0.0); }
KINLINE double k_zero_grad(double x) { return K_NANPASS(x, 0.0); }
KINLINE double k_relu_grad2(double x, const int HI) { (void)HI; return k_zero_grad(x); }

KINLINE double k_leaky_relu(double x, double a, const int HI)
{
    (void)HI;
    double n = a == 0.0 ? K_NANPASS(x, 0.0) : x * a;
    return x > 0.0 ? x : n;
}
KINLINE double k_leaky_relu_grad(double x, double a, const int HI)
{
    (void)HI;
    return x > 0.0 ? 1.0 : K_NANPASS(x, a);
}
KINLINE double k_leaky_relu_grad2(double x, double a, const int HI)
{
    (void)HI;
    (void)a;
    return k_zero_grad(x);
}

KINLINE double k_relu6(double x, const int HI)
{
    (void)HI;
    double t = x > 0.0 ? x : K_NANPASS(x, 0.0);
    return t > 6.0 ? 6.0 : t;
}
KINLINE double k_relu6_grad(double x, const int HI)
{
    (void)HI;
    return (x > 0.0 && x < 6.0) ? 1.0 : K_NANPASS(x, 0.0);
}
KINLINE double k_relu6_grad2(double x, const int HI) { (void)HI; return k_zero_grad(x); }

/* relu6(x + 3) / 6; with HI, x + 3 as a double-double divided by 6 once (the rounded x + 3
 * then a rounded division is 1.0 ULP near x = -0.87) */
KINLINE double k_hard_sigmoid(double x, const int HI)
{
    double t = k_relu6(x + 3.0, HI) / 6.0; /* NaN, the clamps and the float32 path */
    if (HI) {
        double sh, sl, corr, xc = k_clamp(x, -3.0, 3.0);
        k_two_sum(xc, 3.0, &sh, &sl);
        double mid = k_div_any(sh, sl, 6.0, HI, &corr) + corr;
        t = (x > -3.0 && x < 3.0) ? mid : t;
    }
    return t;
}
KINLINE double k_hard_sigmoid_grad(double x, const int HI)
{
    (void)HI;
    return (x > -3.0 && x < 3.0) ? 1.0 / 6.0 : K_NANPASS(x, 0.0);
}
KINLINE double k_hard_sigmoid_grad2(double x, const int HI) { (void)HI; return k_zero_grad(x); }

/* x (x + 3) / 6 and (2x + 3) / 6: with HI, x + 3 (or 2x + 3) as a double-double, the
 * product exact, and the division by 6 rounded once (k_div_any); three roundings in plain
 * double give 1.5 ULP, and x/3 + 1/2 cancels near x = -3/2 (40 ULP). */
KINLINE double k_hard_swish(double x, const int HI)
{
    double xc = k_clamp(x, -4.0, 4.0), mid;
    if (HI) {
        double sh, sl, ph, pl, corr;
        k_two_sum(xc, 3.0, &sh, &sl);
        k_mul_dd(xc, 0.0, sh, sl, &ph, &pl);
        mid = k_div_any(ph, pl, 6.0, HI, &corr);
        mid = xc == 0.0 ? xc : mid + corr; /* -0 stays -0 */
    } else {
        mid = xc * (xc + 3.0) / 6.0;
    }
    double r = x >= 3.0 ? x : mid;
    return x <= -3.0 ? 0.0 : r;
}
KINLINE double k_hard_swish_grad(double x, const int HI)
{
    double xc = k_clamp(x, -4.0, 4.0), mid;
    if (HI) {
        double sh, sl, corr;
        k_two_sum(2.0 * xc, 3.0, &sh, &sl);
        mid = k_div_any(sh, sl, 6.0, HI, &corr);
        mid += corr;
    } else {
        mid = (2.0 * xc + 3.0) / 6.0;
    }
    double r = x < 3.0 ? mid : K_NANPASS(x, 1.0);
    return x <= -3.0 ? 0.0 : r;
}
KINLINE double k_hard_swish_grad2(double x, const int HI)
{
    (void)HI;
    return (x > -3.0 && x < 3.0) ? 1.0 / 3.0 : K_NANPASS(x, 0.0);
}

KINLINE double k_step(double x, const int HI) { (void)HI; return x > 0.0 ? 1.0 : K_NANPASS(x, 0.0); }
KINLINE double k_step_grad(double x, const int HI) { (void)HI; return k_zero_grad(x); }
KINLINE double k_step_grad2(double x, const int HI) { (void)HI; return k_zero_grad(x); }

/* ----------------------------------------------------------------- logit */
/* log(p / (1 - p)) on [0, 1] (NaN outside; -inf at 0 and -0, inf at 1), always in
 * double-doubles (the float32 loops too: one path, and logit is not a hot kernel).
 * R = p / (1 - p) = 2^k m with m in [sqrt(1/2), sqrt 2) (frexp, then the exact scaling of
 * both parts), log R = k ln2 + log1p(m - 1), m - 1 exact; log1p of the double-double is
 * k_log1p01's (relative ~2^-67).  One rounding at the end: <= 0.5 + 2^-13 ULP.  (The
 * textbook log1p((2p - 1) / (1 - p)) rounds the quotient first: 2.8 ULP.) */
KINLINE double k_logit(double p, const int HI)
{
    (void)HI;
    double qh, ql, rc;
    k_two_sum(1.0, -p, &qh, &ql);
    double q1 = qh == 0.0 ? 1.0 : qh; /* p = 1: a finite divisor, the result is set below */
    double rh = k_div(p, 0.0, q1, ql, 1, &rc);
    int e;
    double mh = __builtin_frexp(rh, &e);
    int lo = mh < 0x1.6a09e667f3bcdp-1; /* below sqrt(1/2): m in [sqrt(1/2), 1) instead */
    mh = lo ? 2.0 * mh : mh;
    e = lo ? e - 1 : e;
    double ml = __builtin_ldexp(rc, -e);
    double Lh, Ll, Ah, Al, S, E;
    k_log1p01(mh - 1.0, ml, 1, &Lh, &Ll);
    double ed = (double)e;
    k_two_prod(ed, K_LN2_H, &Ah, &Al);
    Al = KFMA(ed, K_LN2_L, Al);
    k_two_sum(Ah, Lh, &S, &E);
    double r = S + ((E + Al) + Ll);
    r = (p >= 0.0 && p <= 1.0) ? r : __builtin_nan(""); /* outside [0, 1] (and NaN): NaN */
    r = p == 0.0 ? -K_INF : r;
    return p == 1.0 ? K_INF : r;
}

/* p (1 - p) as a double-double, for p in [0, 1] */
KINLINE void k_logit_q(double p, double *h, double *l)
{
    double qh, ql;
    k_two_sum(1.0, -p, &qh, &ql);
    k_mul_dd(p, 0.0, qh, ql, h, l);
}

/* 1 / (p (1 - p)): +inf at p = +-0 and 1, NaN outside [0, 1]; below 2^-900 the product is
 * p itself to far below a rounding and 1 / p is what is left (inf below 2^-1024). */
KINLINE double k_logit_grad(double p, const int HI)
{
    (void)HI;
    double Ph, Pl, corr;
    k_logit_q(p, &Ph, &Pl);
    Ph = K_FABS(Ph); /* -0 */
    int tiny = Ph < 0x1p-900;
    double y = k_div(1.0, 0.0, tiny ? 1.0 : Ph, tiny ? 0.0 : Pl, 1, &corr) + corr;
    y = tiny ? 1.0 / Ph : y;
    return (p >= 0.0 && p <= 1.0) ? y : __builtin_nan("");
}

/* (2p - 1) / (p (1 - p))^2 as two divisions by p (1 - p) (its square would leave the
 * normal range for p < 1e-154 while the result is still finite) */
KINLINE double k_logit_grad2(double p, const int HI)
{
    (void)HI;
    double Ph, Pl, nh, nl, c1, c2;
    k_logit_q(p, &Ph, &Pl);
    Ph = K_FABS(Ph);
    int tiny = Ph < 0x1p-900;
    k_two_sum(2.0 * p, -1.0, &nh, &nl);
    double dh = tiny ? 1.0 : Ph, dl = tiny ? 0.0 : Pl;
    double t = k_div(nh, nl, dh, dl, 1, &c1);
    double y = k_div(t, c1, dh, dl, 1, &c2) + c2;
    /* beyond 2^1020 (p < ~1e-154) the double-double correction overflows (inf - inf):
     * the two plain divisions there, -inf once the true value leaves the range */
    double plain = (nh / Ph) / Ph;
    y = (tiny || K_FABS(plain) > 0x1p1020) ? plain : y;
    y = p == 0.0 ? -K_INF : (p == 1.0 ? K_INF : y);
    return (p >= 0.0 && p <= 1.0) ? y : __builtin_nan("");
}

/* ----------------------------------------------------------------- fused */
/* sigma(x), sigma'(x) and sigma(-x) = 1 - sigma(x); for !HI from one exponential e =
 * exp(-|x|) and one reciprocal of 1 + e (each value within 2^-29 relative, as above). */
KINLINE void k_sig_vgc(double x, const int HI, double *y, double *g, double *yc)
{
    if (HI) {
        *y = k_sigmoid(x, HI);
        *g = k_sigmoid_grad(x, HI);
        *yc = k_sigmoid(-x, HI);
    } else {
        double e = k_exp0_lo(-K_FABS(x));
        double inv = 1.0 / (1.0 + e);
        double ei = e * inv;
        *y = x < 0.0 ? ei : inv;
        *yc = x < 0.0 ? inv : ei;
        *g = ei * inv;
    }
}

/* tanh(x) and tanh'(x); for !HI from one exponential: m = expm1(-2|x|) and e2 = 1 + m
 * both from k_exp_lo's s (1 + P) (e2 itself, not 1 + m, so tanh' keeps its relative
 * accuracy in the tails), tanh|x| = -m / (2 + m), tanh' = 4 e2 / (2 + m)^2. */
KINLINE void k_tanh_vg(double x, const int HI, double *y, double *g)
{
    if (HI) {
        *y = k_tanh(x, HI);
        *g = k_tanh_grad(x, HI);
    } else {
        double a = -2.0 * K_FABS(x), P;
        double s = k_exp_lo(a, &P);
        double e2 = a < -150.0 ? 0.0 : KFMA(s, P, s);
        double m = KFMA(s, P, s - 1.0);
        double inv = 1.0 / (2.0 + m);
        *y = __builtin_copysign(-m * inv, x);
        *g = 4.0 * e2 * inv * inv;
    }
}

KINLINE void k_sigmoid_value_and_grad(double x, const int HI, double *y, double *g)
{
    double yc;
    k_sig_vgc(x, HI, y, g, &yc);
}

/* loss = max(x,0) - x t + log1p(exp(-|x|)), grad = sigma(x) - t; exact limits at +-inf */
KINLINE void k_bce_with_logits(double x, double t, const int HI, double *loss, double *grad)
{
    ksig c = k_sig_ctx(-K_FABS(x), 0.0, HI);
    double Lh, Ll;
    k_log1p01(c.eh, c.el, HI, &Lh, &Ll);
    double onh, onl;
    k_one_p(&c, HI, &onh, &onl);
    double tl = k_scale(onh + onl, c.kd, HI); /* e itself: log1p(e) = e in the tail */
    int tail = c.kd < (HI ? -60.0 : -30.0);
    Lh = tail ? tl : Lh;
    Ll = tail ? 0.0 : Ll;
    double omt = 1.0 - t;
    double ap = omt == 0.0 ? 0.0 : x * omt;
    double an = t == 0.0 ? 0.0 : -x * t;
    double A = x > 0.0 ? ap : an;
    if (HI) {
        double S, E;
        k_two_sum(A, Lh, &S, &E);
        double lo = E + Ll;
        lo = (K_FABS(S) < K_INF) ? lo : 0.0;
        *loss = S + lo;
    } else {
        *loss = A + Lh;
    }
    /* sigma(-|x|) = e / (1 + e), scaled */
    double corr;
    double sm = k_div(onh, onl, c.dh, c.dl, HI, &corr);
    sm = k_scale(sm + corr, c.kd, HI);
    *grad = x > 0.0 ? omt - sm : sm - t;
}

/* ----------------------------------------------------------------- recurrent cells
 * One LSTM / GRU step per element, the gate non-linearities being the sigmoid / tanh
 * kernels above (k_sig_vgc, k_tanh_vg: float64 values and derivatives <= 1 ULP as the
 * ufuncs'; float32 ones within 2^-29 before rounding, i.e. equal to actlab.sigmoid /
 * actlab.tanh but for rare ties).  Arithmetic is in double; a state that the next step reads (c, or GRU pre-activations) is rounded to the
 * storage type first (K_STORE: float32 when !HI), so tanh is taken of the stored value.
 * The forward also returns the factors the backward multiplies by, so the backward step
 * is products only.  Names follow actlab/nn/recurrent.py. */
#define K_STORE(v, HI) ((HI) ? (v) : (double)(float)(v))

/* in: pre-activations zo, zi, zf, zg, previous cell cp.
 * out: h, c, po = tanh(c) o', oc = o tanh'(c), pi = g i', pf = cp f', pg = i g', f */
KINLINE void k_lstm_cell(double zo, double zi, double zf, double zg, double cp, const int HI,
                         double *r0, double *r1, double *r2, double *r3, double *r4, double *r5,
                         double *r6, double *r7)
{
    double o, so, i, si, f, sf, g, sg, tc, sc, u;
    k_sig_vgc(zo, HI, &o, &so, &u);
    k_sig_vgc(zi, HI, &i, &si, &u);
    k_sig_vgc(zf, HI, &f, &sf, &u);
    k_tanh_vg(zg, HI, &g, &sg);
    double c = K_STORE(f * cp + i * g, HI);
    k_tanh_vg(c, HI, &tc, &sc);
    *r0 = o * tc;
    *r1 = c;
    *r2 = tc * so;
    *r3 = o * sc;
    *r4 = g * si;
    *r5 = cp * sf;
    *r6 = i * sg;
    *r7 = f;
}

/* in: dh (from the step above), dout (of this step's output), dc, and the forward's factors.
 * out r: d zo, d zi, d zf, d zg, d c_prev */
KINLINE void k_lstm_cell_backward(double dh, double dout, double dc, double po, double oc,
                                  double pi, double pf, double pg, double f, double *r0,
                                  double *r1, double *r2, double *r3, double *r4)
{
    double dH = dh + dout;
    double dct = dc + dH * oc;
    *r0 = dH * po;
    *r1 = dct * pi;
    *r2 = dct * pf;
    *r3 = dct * pg;
    *r4 = dct * f;
}

/* in: input projections xr, xz, xn (with b_ih, and b_hr, b_hz), recurrent projections hr,
 * hz, hn (without bias), b_hn, previous state h.
 * out: h' = n + z (h - n) with r = sigma(xr + hr), z = sigma(xz + hz),
 *      n = tanh(xn + r (hn + b_hn)), and the factors z, (1 - z) tanh'(an) [1 - z as
 *      sigma(-az), exact near z = 1], r, (hn + b_hn) r', (h - n) z' */
KINLINE void k_gru_cell(double xr, double xz, double xn, double hr, double hz, double hn,
                        double bn, double h, const int HI, double *r0, double *r1, double *r2,
                        double *r3, double *r4, double *r5)
{
    double ar = K_STORE(xr + hr, HI), az = K_STORE(xz + hz, HI);
    double ghn = K_STORE(hn + bn, HI);
    double rg, sr, u, zg, sz, zc, n, sn;
    k_sig_vgc(ar, HI, &rg, &sr, &u);
    k_sig_vgc(az, HI, &zg, &sz, &zc);
    double an = K_STORE(xn + rg * ghn, HI);
    k_tanh_vg(an, HI, &n, &sn);
    double hmn = h - n;
    *r0 = n + zg * hmn;
    *r1 = zg;
    *r2 = zc * sn;
    *r3 = rg;
    *r4 = ghn * sr;
    *r5 = hmn * sz;
}

/* in: dh as two parts (the direct path and the matmul of the step above), dout, and the
 * forward's factors fz, fn, fr, frr, fzz.
 * out: d ar, d az, d an, d hn, dh through the direct path (dh z) */
KINLINE void k_gru_cell_backward(double dha, double dhb, double dout, double fz, double fn,
                                 double fr, double frr, double fzz, double *r0, double *r1,
                                 double *r2, double *r3, double *r4)
{
    double dH = dha + dhb + dout;
    double dn = dH * fn;
    *r0 = dn * frr;
    *r1 = dH * fzz;
    *r2 = dn;
    *r3 = dn * fr;
    *r4 = dH * fz;
}

#endif
