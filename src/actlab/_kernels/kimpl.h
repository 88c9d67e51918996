/* Vector loops and the kernel table of one instruction-set variant.
 *
 * Included once per variant by kern_base.c / kern_avx2.c / kern_avx512.c with
 * KVARIANT set to the variant's name; the target pragma of the including file decides
 * the instruction set the loops are vectorised for.  Each loop is a plain counted loop
 * over contiguous data with `#pragma omp simd` (compiled with -fopenmp-simd): the element
 * functions are branch-free, so GCC turns the selects into blends.
 */
#include "klist.h"
#include "kfuncs.h"

#define K_CAT2(a, b) a##_##b
#define K_CAT(a, b) K_CAT2(a, b)
#define KV(name) K_CAT(name, KVARIANT)

#if defined(_OPENMP) || defined(__GNUC__)
#define KSIMD _Pragma("omp simd")
#define KSIMD_SUM_S _Pragma("omp simd reduction(+ : S)")
#else
#define KSIMD
#define KSIMD_SUM_S
#endif

/* ----------------------------------------------------------------- float32 in float
 * silu of float32 runs in float arithmetic (kmath.h kf_silu, 8 lanes per AVX2 vector)
 * where kmath.h defines K_F32_FAST (hardware FMA) and the variant has no kxv.h loops; it
 * is exact only for x >= -86 (normal results; below, the result would need a second
 * rounding into the subnormal range), so in a block with any x < -86 those elements take
 * the double path -- decided before anything is written, since y may alias x.  NaN
 * compares false and takes the float path (NaN out).  kf_sigmoid and kf_tanh are proven
 * as well (tools/check_f32_exhaustive.py: <= 0.519 and 0.554 ULP) but measured slower than
 * the float32-in-double loops on Zen 4 (whose 512-bit units are double-pumped, so 16 float
 * lanes only pay when the float-float steps cost less than half the double ones); silu
 * measured faster (docs/kernel-timings.md).
 * The AVX-512 and AVX2 variants replace both with the vector loops of kxv.h: one source in
 * the width-generic operations of kvec.h (table exp read by permutes, 2^k from integer bits),
 * compiled per instruction set. */
#if defined(K_X512) || defined(K_XAVX2)
/* sigmoid, silu, tanh, log_sigmoid and log_sigmoid' of both dtypes (softplus: KT_FAST
 * below) through kxv.h */
#include "kxv.h"
#define KF_FAST(NAME, x, y, n) KV(kxv_fast_f)(#NAME, x, y, n)
#elif defined(K_F32_FAST)
#define KF_BLK 1024
#define KF_TAIL_LOOP(FNAME, FF, LO)                                                          \
    static void KV(FNAME)(const float *x, float *y, ptrdiff_t n)                             \
    {                                                                                        \
        for (ptrdiff_t b = 0; b < n; b += KF_BLK) {                                          \
            const ptrdiff_t m = n - b < KF_BLK ? n - b : KF_BLK;                             \
            const float *xb = x + b;                                                         \
            float *yb = y + b;                                                               \
            int tail = 0;                                                                    \
            _Pragma("omp simd reduction(| : tail)") for (ptrdiff_t i = 0; i < m; i++)        \
                tail |= xb[i] < -86.0f;                                                      \
            if (tail) { /* element by element, so that no result depends on its block */   \
                KSIMD for (ptrdiff_t i = 0; i < m; i++)                                      \
                    yb[i] = xb[i] < -86.0f ? (float)LO((double)xb[i]) : FF(xb[i]);           \
            } else {                                                                         \
                KSIMD for (ptrdiff_t i = 0; i < m; i++) yb[i] = FF(xb[i]);                   \
            }                                                                                \
        }                                                                                    \
    }
KF_TAIL_LOOP(kf_loop_silu, kf_silu, k_silu_lo)
/* 1 when NAME has a float-arithmetic loop (the string compare folds at compile time) */
KINLINE int KV(kf_fast)(const char *name, const float *x, float *y, ptrdiff_t n)
{
    if (__builtin_strcmp(name, "silu") == 0) {
        KV(kf_loop_silu)(x, y, n);
        return 1;
    }
    return 0;
}
#define KF_FAST(NAME, x, y, n) KV(kf_fast)(#NAME, x, y, n)
#else
#define KF_FAST(NAME, x, y, n) 0
#endif

/* ----------------------------------------------------------------- float64 fast path
 * sigmoid and silu of float64 through kfuncs.h k_sigmoid_fast / k_silu_fast (table exp,
 * single scaling), valid for x >= -705; in a block with any x < -705 (decided before
 * anything is written: y may alias x) those elements take the general kernel. */
#if defined(K_X512) || defined(K_XAVX2)
#define kd_fast kxv_fast_d
#else
#define KD_BLK 1024
#define KD_TAIL_LOOP(FNAME, FF, GEN)                                                         \
    static void KV(FNAME)(const double *x, double *y, ptrdiff_t n)                           \
    {                                                                                        \
        for (ptrdiff_t b = 0; b < n; b += KD_BLK) {                                          \
            const ptrdiff_t m = n - b < KD_BLK ? n - b : KD_BLK;                             \
            const double *xb = x + b;                                                        \
            double *yb = y + b;                                                              \
            int tail = 0;                                                                    \
            _Pragma("omp simd reduction(| : tail)") for (ptrdiff_t i = 0; i < m; i++)        \
                tail |= xb[i] < -705.0;                                                      \
            if (tail) { /* element by element, so that no result depends on its block */   \
                KSIMD for (ptrdiff_t i = 0; i < m; i++)                                      \
                    yb[i] = xb[i] < -705.0 ? GEN(xb[i], 1) : FF(xb[i]);                      \
            } else {                                                                         \
                KSIMD for (ptrdiff_t i = 0; i < m; i++) yb[i] = FF(xb[i]);                   \
            }                                                                                \
        }                                                                                    \
    }
KD_TAIL_LOOP(kd_loop_sigmoid, k_sigmoid_fast, k_sigmoid)
KD_TAIL_LOOP(kd_loop_silu, k_silu_fast, k_silu)
/* 1 when NAME has a float64 fast loop (the string compares fold at compile time) */
KINLINE int KV(kd_fast)(const char *name, const double *x, double *y, ptrdiff_t n)
{
    if (__builtin_strcmp(name, "sigmoid") == 0) {
        KV(kd_loop_sigmoid)(x, y, n);
        return 1;
    }
    if (__builtin_strcmp(name, "silu") == 0) {
        KV(kd_loop_silu)(x, y, n);
        return 1;
    }
    return 0;
}
#endif
#define KD_FAST(NAME, x, y, n) KV(kd_fast)(#NAME, x, y, n)

/* ternary kernels with scalar parameters: softplus on AVX-512 and AVX2 (kxv.h) */
#if defined(K_X512) || defined(K_XAVX2)
#define KT_FAST(NAME, x, y, n, a, b)                                                         \
    (__builtin_strcmp(#NAME, "softplus") == 0 && KV(kxv_softplus_f)(x, y, n, a, b))
#define KT_FAST_D(NAME, x, y, n, a, b)                                                       \
    (__builtin_strcmp(#NAME, "softplus") == 0 && KV(kxv_softplus_d)(x, y, n, a, b))
#else
#define KT_FAST(NAME, x, y, n, a, b) 0
#define KT_FAST_D(NAME, x, y, n, a, b) 0
#endif

#define DEF_U(NAME)                                                                          \
    static void KV(NAME##_d)(const double *const *in, double *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        const double *x = in[0];                                                             \
        double *y = out[0];                                                                  \
        (void)ps;                                                                            \
        if (KD_FAST(NAME, x, y, n))                                                          \
            return;                                                                          \
        KSIMD for (ptrdiff_t i = 0; i < n; i++) y[i] = k_##NAME(x[i], 1);                    \
    }                                                                                        \
    static void KV(NAME##_f)(const float *const *in, float *const *out, int ps, ptrdiff_t n)  \
    {                                                                                        \
        const float *x = in[0];                                                              \
        float *y = out[0];                                                                   \
        (void)ps;                                                                            \
        if (KF_FAST(NAME, x, y, n))                                                          \
            return;                                                                          \
        KSIMD for (ptrdiff_t i = 0; i < n; i++) y[i] = (float)k_##NAME((double)x[i], 0);     \
    }

#define DEF_B(NAME)                                                                          \
    static void KV(NAME##_d)(const double *const *in, double *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        const double *x = in[0], *a = in[1];                                                 \
        double *y = out[0];                                                                  \
        if (ps) {                                                                            \
            const double av = a[0];                                                          \
            KSIMD for (ptrdiff_t i = 0; i < n; i++) y[i] = k_##NAME(x[i], av, 1);            \
        } else {                                                                             \
            KSIMD for (ptrdiff_t i = 0; i < n; i++) y[i] = k_##NAME(x[i], a[i], 1);          \
        }                                                                                    \
    }                                                                                        \
    static void KV(NAME##_f)(const float *const *in, float *const *out, int ps, ptrdiff_t n)  \
    {                                                                                        \
        const float *x = in[0], *a = in[1];                                                  \
        float *y = out[0];                                                                   \
        if (ps) {                                                                            \
            const double av = a[0];                                                          \
            KSIMD for (ptrdiff_t i = 0; i < n; i++) y[i] = (float)k_##NAME((double)x[i], av, 0); \
        } else {                                                                             \
            KSIMD for (ptrdiff_t i = 0; i < n; i++)                                          \
                y[i] = (float)k_##NAME((double)x[i], (double)a[i], 0);                       \
        }                                                                                    \
    }

#define DEF_T(NAME)                                                                          \
    static void KV(NAME##_d)(const double *const *in, double *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        const double *x = in[0], *a = in[1], *b = in[2];                                     \
        double *y = out[0];                                                                  \
        if (ps) {                                                                            \
            const double av = a[0], bv = b[0];                                               \
            if (KT_FAST_D(NAME, x, y, n, av, bv))                                            \
                return;                                                                      \
            KSIMD for (ptrdiff_t i = 0; i < n; i++) y[i] = k_##NAME(x[i], av, bv, 1);        \
        } else {                                                                             \
            KSIMD for (ptrdiff_t i = 0; i < n; i++) y[i] = k_##NAME(x[i], a[i], b[i], 1);    \
        }                                                                                    \
    }                                                                                        \
    static void KV(NAME##_f)(const float *const *in, float *const *out, int ps, ptrdiff_t n)  \
    {                                                                                        \
        const float *x = in[0], *a = in[1], *b = in[2];                                      \
        float *y = out[0];                                                                   \
        if (ps) {                                                                            \
            const double av = a[0], bv = b[0];                                               \
            if (KT_FAST(NAME, x, y, n, av, bv))                                              \
                return;                                                                      \
            KSIMD for (ptrdiff_t i = 0; i < n; i++)                                          \
                y[i] = (float)k_##NAME((double)x[i], av, bv, 0);                             \
        } else {                                                                             \
            KSIMD for (ptrdiff_t i = 0; i < n; i++)                                          \
                y[i] = (float)k_##NAME((double)x[i], (double)a[i], (double)b[i], 0);         \
        }                                                                                    \
    }

#define DEF_F12(NAME)                                                                        \
    static void KV(NAME##_d)(const double *const *in, double *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        const double *x = in[0];                                                             \
        double *y = out[0], *g = out[1];                                                     \
        (void)ps;                                                                            \
        KSIMD for (ptrdiff_t i = 0; i < n; i++)                                              \
        {                                                                                    \
            double a, b;                                                                     \
            k_##NAME(x[i], 1, &a, &b);                                                       \
            y[i] = a;                                                                        \
            g[i] = b;                                                                        \
        }                                                                                    \
    }                                                                                        \
    static void KV(NAME##_f)(const float *const *in, float *const *out, int ps, ptrdiff_t n)  \
    {                                                                                        \
        const float *x = in[0];                                                              \
        float *y = out[0], *g = out[1];                                                      \
        (void)ps;                                                                            \
        KSIMD for (ptrdiff_t i = 0; i < n; i++)                                              \
        {                                                                                    \
            double a, b;                                                                     \
            k_##NAME((double)x[i], 0, &a, &b);                                               \
            y[i] = (float)a;                                                                 \
            g[i] = (float)b;                                                                 \
        }                                                                                    \
    }

#define DEF_F22(NAME)                                                                        \
    static void KV(NAME##_d)(const double *const *in, double *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        const double *x = in[0], *t = in[1];                                                 \
        double *y = out[0], *g = out[1];                                                     \
        if (ps) {                                                                            \
            const double tv = t[0];                                                          \
            KSIMD for (ptrdiff_t i = 0; i < n; i++)                                          \
            {                                                                                \
                double a, b;                                                                 \
                k_##NAME(x[i], tv, 1, &a, &b);                                               \
                y[i] = a;                                                                    \
                g[i] = b;                                                                    \
            }                                                                                \
        } else {                                                                             \
            KSIMD for (ptrdiff_t i = 0; i < n; i++)                                          \
            {                                                                                \
                double a, b;                                                                 \
                k_##NAME(x[i], t[i], 1, &a, &b);                                             \
                y[i] = a;                                                                    \
                g[i] = b;                                                                    \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    static void KV(NAME##_f)(const float *const *in, float *const *out, int ps, ptrdiff_t n)  \
    {                                                                                        \
        const float *x = in[0], *t = in[1];                                                  \
        float *y = out[0], *g = out[1];                                                      \
        if (ps) {                                                                            \
            const double tv = t[0];                                                          \
            KSIMD for (ptrdiff_t i = 0; i < n; i++)                                          \
            {                                                                                \
                double a, b;                                                                 \
                k_##NAME((double)x[i], tv, 0, &a, &b);                                       \
                y[i] = (float)a;                                                             \
                g[i] = (float)b;                                                             \
            }                                                                                \
        } else {                                                                             \
            KSIMD for (ptrdiff_t i = 0; i < n; i++)                                          \
            {                                                                                \
                double a, b;                                                                 \
                k_##NAME((double)x[i], (double)t[i], 0, &a, &b);                             \
                y[i] = (float)a;                                                             \
                g[i] = (float)b;                                                             \
            }                                                                                \
        }                                                                                    \
    }

K_LIST(DEF_U, DEF_B, DEF_T, DEF_F12, DEF_F22)

/* ----------------------------------------------------------------- recurrent cells
 * Loops over kfuncs.h k_lstm_cell & co.: float32 computes in double with HI = 0, float64
 * with HI = 1; every output element depends on the same element of the inputs only. */
#define K_CELL_LOOPS(T_, SUF, HI)                                                            \
    static void KV(lstm_cell_##SUF)(const T_ *const *in, T_ *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        (void)ps;                                                                            \
        const T_ *a0 = in[0], *a1 = in[1], *a2 = in[2], *a3 = in[3], *a4 = in[4];            \
        T_ *o0 = out[0], *o1 = out[1], *o2 = out[2], *o3 = out[3], *o4 = out[4], *o5 = out[5], *o6 = out[6], *o7 = out[7]; \
        KSIMD for (ptrdiff_t k = 0; k < n; k++)                                              \
        {                                                                                    \
            double r0, r1, r2, r3, r4, r5, r6, r7;                                           \
            k_lstm_cell(a0[k], a1[k], a2[k], a3[k], a4[k], HI, &r0, &r1, &r2, &r3, &r4, &r5, &r6, &r7); \
            o0[k] = (T_)r0; o1[k] = (T_)r1; o2[k] = (T_)r2; o3[k] = (T_)r3; o4[k] = (T_)r4; o5[k] = (T_)r5; o6[k] = (T_)r6; o7[k] = (T_)r7; \
        }                                                                                    \
    }                                                                                        \
    static void KV(lstm_cell_backward_##SUF)(const T_ *const *in, T_ *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        (void)ps;                                                                            \
        const T_ *a0 = in[0], *a1 = in[1], *a2 = in[2], *a3 = in[3], *a4 = in[4], *a5 = in[5], *a6 = in[6], *a7 = in[7], *a8 = in[8]; \
        T_ *o0 = out[0], *o1 = out[1], *o2 = out[2], *o3 = out[3], *o4 = out[4];             \
        KSIMD for (ptrdiff_t k = 0; k < n; k++)                                              \
        {                                                                                    \
            double r0, r1, r2, r3, r4;                                                       \
            k_lstm_cell_backward(a0[k], a1[k], a2[k], a3[k], a4[k], a5[k], a6[k], a7[k], a8[k], &r0, &r1, &r2, &r3, &r4); \
            o0[k] = (T_)r0; o1[k] = (T_)r1; o2[k] = (T_)r2; o3[k] = (T_)r3; o4[k] = (T_)r4;  \
        }                                                                                    \
    }                                                                                        \
    static void KV(gru_cell_##SUF)(const T_ *const *in, T_ *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        (void)ps;                                                                            \
        const T_ *a0 = in[0], *a1 = in[1], *a2 = in[2], *a3 = in[3], *a4 = in[4], *a5 = in[5], *a6 = in[6], *a7 = in[7]; \
        T_ *o0 = out[0], *o1 = out[1], *o2 = out[2], *o3 = out[3], *o4 = out[4], *o5 = out[5]; \
        KSIMD for (ptrdiff_t k = 0; k < n; k++)                                              \
        {                                                                                    \
            double r0, r1, r2, r3, r4, r5;                                                   \
            k_gru_cell(a0[k], a1[k], a2[k], a3[k], a4[k], a5[k], a6[k], a7[k], HI, &r0, &r1, &r2, &r3, &r4, &r5); \
            o0[k] = (T_)r0; o1[k] = (T_)r1; o2[k] = (T_)r2; o3[k] = (T_)r3; o4[k] = (T_)r4; o5[k] = (T_)r5; \
        }                                                                                    \
    }                                                                                        \
    static void KV(gru_cell_backward_##SUF)(const T_ *const *in, T_ *const *out, int ps, ptrdiff_t n) \
    {                                                                                        \
        (void)ps;                                                                            \
        const T_ *a0 = in[0], *a1 = in[1], *a2 = in[2], *a3 = in[3], *a4 = in[4], *a5 = in[5], *a6 = in[6], *a7 = in[7]; \
        T_ *o0 = out[0], *o1 = out[1], *o2 = out[2], *o3 = out[3], *o4 = out[4];             \
        KSIMD for (ptrdiff_t k = 0; k < n; k++)                                              \
        {                                                                                    \
            double r0, r1, r2, r3, r4;                                                       \
            k_gru_cell_backward(a0[k], a1[k], a2[k], a3[k], a4[k], a5[k], a6[k], a7[k], &r0, &r1, &r2, &r3, &r4); \
            o0[k] = (T_)r0; o1[k] = (T_)r1; o2[k] = (T_)r2; o3[k] = (T_)r3; o4[k] = (T_)r4;  \
        }                                                                                    \
    }

K_CELL_LOOPS(double, d, 1)
K_CELL_LOOPS(float, fdbl, 0) /* float32 in double ("fdbl"); the table below wants NAME_f: */
#define lstm_cell_backward_f lstm_cell_backward_fdbl
#define gru_cell_f gru_cell_fdbl
#define gru_cell_backward_f gru_cell_backward_fdbl

/* float32 LSTM cell: in plain float arithmetic (kmath.h kf_sig_vg_plain, 16 lanes; faster
 * than the float-in-double loop, docs/kernel-timings.md) where hardware FMA exists and
 * every input of the block is within [-40, 40] (then |c| <= 41 and all exponentials stay
 * normal); otherwise the float-in-double loop above.  Errors: see kmath.h (plain-float gates). */
static void KV(lstm_cell_f)(const float *const *in, float *const *out, int ps, ptrdiff_t n)
{
#if defined(K_F32_FAST)
    const float *zo = in[0], *zi = in[1], *zf = in[2], *zg = in[3], *cp = in[4];
    float mx = 0.0f; /* a NaN may send its block either way: both give NaN where it belongs */
    _Pragma("omp simd reduction(max : mx)") for (ptrdiff_t k = 0; k < n; k++)
    {
        /* plain selects, not fmaxf: GCC vectorises these (fmaxf's NaN rules cost 2x the cell) */
        float a = __builtin_fabsf(zo[k]), b = __builtin_fabsf(zi[k]), c = __builtin_fabsf(zf[k]);
        float d = __builtin_fabsf(zg[k]), e = __builtin_fabsf(cp[k]);
        float m = a > b ? a : b;
        m = m > c ? m : c;
        m = m > d ? m : d;
        m = m > e ? m : e;
        mx = mx > m ? mx : m;
    }
    if (mx <= 40.0f) {
        float *h = out[0], *c = out[1], *po = out[2], *oc = out[3], *pi = out[4], *pf = out[5];
        float *pg = out[6], *fo = out[7];
        KSIMD for (ptrdiff_t k = 0; k < n; k++)
        {
            float o, so, i, si, f, sf, g, sg, tc, sc;
            kf_sig_vg_plain(zo[k], &o, &so);
            kf_sig_vg_plain(zi[k], &i, &si);
            kf_sig_vg_plain(zf[k], &f, &sf);
            kf_tanh_vg_plain(zg[k], &g, &sg);
            float cpk = cp[k];
            float ck = KFMAF(f, cpk, i * g);
            kf_tanh_vg_plain(ck, &tc, &sc);
            h[k] = o * tc;
            c[k] = ck;
            po[k] = tc * so;
            oc[k] = o * sc;
            pi[k] = g * si;
            pf[k] = cpk * sf;
            pg[k] = i * sg;
            fo[k] = f;
        }
        return;
    }
#endif
    KV(lstm_cell_fdbl)(in, out, ps, n);
}

/* ----------------------------------------------------------------- softmax rows */
/* shifted input s = x - max (as sh + *sl, exact) with the limits of actlab._axis: a +inf max
 * gives 0 at the +inf entries and -inf elsewhere; a -inf max (row of -inf) is not subtracted. */
KINLINE double k_shift(double x, double mf, int minf, double *sl)
{
    double s, e;
    k_two_sum(x, -mf, &s, &e);
    double si = x == K_INF ? 0.0 : -K_INF;
    *sl = (minf || !(K_FABS(s) < K_INF)) ? 0.0 : e;
    return minf ? si : s;
}

/* sum of exp(shifted) as 1 + T: the entries at the max contribute exactly 1 each, so
 * T = (their count - 1) + sum of the others, and log(S) = log1p(T) stays relatively accurate
 * when S is close to 1 (log_softmax of the max entry). */
#define K_ROW_BODY(T_, LOADX, HI)                                                            \
    double m = -K_INF;                                                                       \
    int nan = 0;                                                                             \
    for (ptrdiff_t i = 0; i < n; i++) {                                                      \
        double v = LOADX;                                                                    \
        m = v > m ? v : m;                                                                   \
        nan |= K_ISNAN(v);                                                                   \
    }                                                                                        \
    if (nan)                                                                                 \
        m = __builtin_nan("");                                                               \
    int minf = m == K_INF;                                                                   \
    double mf = (m == K_INF || m == -K_INF) ? 0.0 : m;                                       \
    double S = 0.0, C = 0.0;                                                                 \
    _Pragma("omp simd reduction(+ : S, C)") for (ptrdiff_t i = 0; i < n; i++)                \
    {                                                                                        \
        double v = LOADX, sl, sh = k_shift(v, mf, minf, &sl);                                \
        double e = k_exp_neg(sh, sl, HI);                                                    \
        S += sh == 0.0 ? 0.0 : e;                                                            \
        C += sh == 0.0 ? 1.0 : 0.0;                                                          \
    }                                                                                        \
    double Tm1 = S + (C - 1.0);                                                              \
    if (log) {                                                                               \
        double lS = __builtin_log1p(Tm1);                                                    \
        KSIMD for (ptrdiff_t i = 0; i < n; i++)                                              \
        {                                                                                    \
            double v = LOADX, sl, sh = k_shift(v, mf, minf, &sl);                            \
            y[i] = (T_)((sh - lS) + sl);                                                     \
        }                                                                                    \
    } else {                                                                                 \
        double Sall = 1.0 + Tm1;                                                             \
        KSIMD for (ptrdiff_t i = 0; i < n; i++)                                              \
        {                                                                                    \
            double v = LOADX, sl, sh = k_shift(v, mf, minf, &sl);                            \
            y[i] = (T_)(k_exp_neg(sh, sl, HI) / Sall);                                       \
        }                                                                                    \
    }

static void KV(row_d)(const double *x, double *y, ptrdiff_t n, int log) { K_ROW_BODY(double, x[i], 1) }

static void KV(row_f)(const float *x, float *y, ptrdiff_t n, int log) { K_ROW_BODY(float, (double)x[i], 0) }

#define ENT_U(NAME) {KV(NAME##_d), KV(NAME##_f)},
#define ENT_C(NAME, NIN, NOUT) {KV(NAME##_d), KV(NAME##_f)},
static const kpair KV(elems)[] = {K_LIST(ENT_U, ENT_U, ENT_U, ENT_U, ENT_U) K_CELLS(ENT_C)};

const kvariant KV(actlab_kvariant) = {K_STR(KVARIANT), KV(elems), KV(row_d), KV(row_f)};
