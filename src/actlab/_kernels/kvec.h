/* Width-generic vector operations: the one vocabulary the vector kernels (kxv.h) are written
 * in, mapped to each instruction set's intrinsics.  VF / VD hold KV_WF floats / KV_WD doubles,
 * VFI / VDI the same bits as integers, MF / MD lane masks (a bit mask on AVX-512, a vector of
 * all-ones lanes on AVX2), TF / TD the valid lanes of a tail.  Selected by the including
 * variant: K_X512 (AVX-512 F/DQ/VL/BW, 16 / 8 lanes) or K_XAVX2 (AVX2 + FMA, 8 / 4 lanes).
 *
 * vf_tab16 / vf_tab32 / vd_tab16 read a 16- or 32-entry table at the low index bits of the
 * integer lanes: AVX-512 one in-register permute (two-source for 32 floats / 16 doubles);
 * AVX2 float 8-entry permutes blended on index bit 3 (and 4); AVX2 double four permutes of
 * the table's quarters blended on index bits 2 and 3.  fmadd(a, b, c) = a b + c, fnmadd = c - a b, fmsub = a b - c,
 * each with one rounding (the double-double steps rely on it; -ffp-contract=off keeps the
 * plain operations separate). */
#ifndef ACTLAB_KVEC_H
#define ACTLAB_KVEC_H
#include <immintrin.h>

#if defined(K_X512)
#define KV_WF 16
#define KV_WD 8
typedef __m512 VF;
typedef __m512d VD;
typedef __m512i VFI;
typedef __m512i VDI;
typedef __mmask16 MF;
typedef __mmask8 MD;
typedef __mmask16 TF;
typedef __mmask8 TD;
#define KV_OPS(T, P, S, M, I)                                                                \
    KINLINE T P##_set1(S v) { return _mm512_set1_##I(v); }                                   \
    KINLINE T P##_zero(void) { return _mm512_setzero_##I(); }                                \
    KINLINE T P##_load(const S *p) { return _mm512_loadu_##I(p); }                           \
    KINLINE void P##_store(S *p, T v) { _mm512_storeu_##I(p, v); }                           \
    KINLINE void P##_stream(S *p, T v) { _mm512_stream_##I(p, v); }                          \
    KINLINE T P##_add(T a, T b) { return _mm512_add_##I(a, b); }                             \
    KINLINE T P##_sub(T a, T b) { return _mm512_sub_##I(a, b); }                             \
    KINLINE T P##_mul(T a, T b) { return _mm512_mul_##I(a, b); }                             \
    KINLINE T P##_div(T a, T b) { return _mm512_div_##I(a, b); }                             \
    KINLINE T P##_fmadd(T a, T b, T c) { return _mm512_fmadd_##I(a, b, c); }                 \
    KINLINE T P##_fnmadd(T a, T b, T c) { return _mm512_fnmadd_##I(a, b, c); }               \
    KINLINE T P##_fmsub(T a, T b, T c) { return _mm512_fmsub_##I(a, b, c); }                 \
    KINLINE T P##_max(T a, T b) { return _mm512_max_##I(a, b); }                             \
    KINLINE T P##_min(T a, T b) { return _mm512_min_##I(a, b); }                             \
    KINLINE T P##_or(T a, T b) { return _mm512_or_##I(a, b); }                               \
    KINLINE T P##_and(T a, T b) { return _mm512_and_##I(a, b); }                             \
    KINLINE T P##_xor(T a, T b) { return _mm512_xor_##I(a, b); }                             \
    KINLINE T P##_andnot(T a, T b) { return _mm512_andnot_##I(a, b); }                       \
    KINLINE T P##_blend(M m, T a, T b) { return _mm512_mask_blend_##I(m, a, b); }            \
    KINLINE T P##_maskz(M m, T a) { return _mm512_maskz_mov_##I(m, a); }                     \
    KINLINE T P##_loadt(M t, const S *p) { return _mm512_maskz_loadu_##I(t, p); }            \
    KINLINE void P##_storet(S *p, M t, T v) { _mm512_mask_storeu_##I(p, t, v); }
KV_OPS(VF, vf, float, MF, ps)
KV_OPS(VD, vd, double, MD, pd)
#define vf_cmp(a, b, P) _mm512_cmp_ps_mask(a, b, P)
#define vd_cmp(a, b, P) _mm512_cmp_pd_mask(a, b, P)
KINLINE int mf_any(MF m) { return m != 0; }
KINLINE int md_any(MD m) { return m != 0; }
KINLINE unsigned mf_bits(MF m) { return m; }
KINLINE unsigned md_bits(MD m) { return m; }
KINLINE MF mf_and(MF a, MF b) { return a & b; }
KINLINE MD md_and(MD a, MD b) { return a & b; }
KINLINE MF mf_or(MF a, MF b) { return a | b; }
KINLINE MD md_or(MD a, MD b) { return a | b; }
KINLINE TF tf_first(ptrdiff_t m) { return (TF)(m >= 16 ? 0xffffu : (1u << m) - 1u); }
KINLINE TD td_first(ptrdiff_t m) { return (TD)(m >= 8 ? 0xffu : (1u << m) - 1u); }
KINLINE MF mf_of_tail(TF t) { return t; }
KINLINE MD md_of_tail(TD t) { return t; }
KINLINE VFI vf_asint(VF a) { return _mm512_castps_si512(a); }
KINLINE VF vfi_asf(VFI a) { return _mm512_castsi512_ps(a); }
KINLINE VDI vd_asint(VD a) { return _mm512_castpd_si512(a); }
KINLINE VD vdi_asd(VDI a) { return _mm512_castsi512_pd(a); }
KINLINE VFI vfi_set1(int v) { return _mm512_set1_epi32(v); }
KINLINE VDI vdi_set1(long long v) { return _mm512_set1_epi64(v); }
KINLINE VFI vfi_add(VFI a, VFI b) { return _mm512_add_epi32(a, b); }
KINLINE VDI vdi_add(VDI a, VDI b) { return _mm512_add_epi64(a, b); }
#define vfi_srli(a, n) _mm512_srli_epi32(a, n)
#define vfi_slli(a, n) _mm512_slli_epi32(a, n)
#define vdi_srli(a, n) _mm512_srli_epi64(a, n)
#define vdi_slli(a, n) _mm512_slli_epi64(a, n)
KINLINE VF vf_tab16(const float *t, VFI ix) { return _mm512_permutexvar_ps(ix, _mm512_loadu_ps(t)); }
KINLINE VF vf_tab32(const float *t, VFI ix)
{
    return _mm512_permutex2var_ps(_mm512_loadu_ps(t), ix, _mm512_loadu_ps(t + 16));
}
KINLINE VD vd_tab16(const double *t, VDI ix)
{
    return _mm512_permutex2var_pd(_mm512_loadu_pd(t), ix, _mm512_loadu_pd(t + 8));
}

#elif defined(K_XAVX2)
#define KV_WF 8
#define KV_WD 4
typedef __m256 VF;
typedef __m256d VD;
typedef __m256i VFI;
typedef __m256i VDI;
typedef __m256 MF;
typedef __m256d MD;
typedef __m256i TF;
typedef __m256i TD;
#define KV_OPS(T, P, S, M, I, TT, CI)                                                        \
    KINLINE T P##_set1(S v) { return _mm256_set1_##I(v); }                                   \
    KINLINE T P##_zero(void) { return _mm256_setzero_##I(); }                                \
    KINLINE T P##_load(const S *p) { return _mm256_loadu_##I(p); }                           \
    KINLINE void P##_store(S *p, T v) { _mm256_storeu_##I(p, v); }                           \
    KINLINE void P##_stream(S *p, T v) { _mm256_stream_##I(p, v); }                          \
    KINLINE T P##_add(T a, T b) { return _mm256_add_##I(a, b); }                             \
    KINLINE T P##_sub(T a, T b) { return _mm256_sub_##I(a, b); }                             \
    KINLINE T P##_mul(T a, T b) { return _mm256_mul_##I(a, b); }                             \
    KINLINE T P##_div(T a, T b) { return _mm256_div_##I(a, b); }                             \
    KINLINE T P##_fmadd(T a, T b, T c) { return _mm256_fmadd_##I(a, b, c); }                 \
    KINLINE T P##_fnmadd(T a, T b, T c) { return _mm256_fnmadd_##I(a, b, c); }               \
    KINLINE T P##_fmsub(T a, T b, T c) { return _mm256_fmsub_##I(a, b, c); }                 \
    KINLINE T P##_max(T a, T b) { return _mm256_max_##I(a, b); }                             \
    KINLINE T P##_min(T a, T b) { return _mm256_min_##I(a, b); }                             \
    KINLINE T P##_or(T a, T b) { return _mm256_or_##I(a, b); }                               \
    KINLINE T P##_and(T a, T b) { return _mm256_and_##I(a, b); }                             \
    KINLINE T P##_xor(T a, T b) { return _mm256_xor_##I(a, b); }                             \
    KINLINE T P##_andnot(T a, T b) { return _mm256_andnot_##I(a, b); }                       \
    KINLINE T P##_blend(M m, T a, T b) { return _mm256_blendv_##I(a, b, m); }                \
    KINLINE T P##_maskz(M m, T a) { return _mm256_and_##I(m, a); }                           \
    KINLINE T P##_loadt(TT t, const S *p) { return _mm256_maskload_##I(p, t); }              \
    KINLINE void P##_storet(S *p, TT t, T v) { _mm256_maskstore_##I(p, t, v); }
KV_OPS(VF, vf, float, MF, ps, TF, ps)
KV_OPS(VD, vd, double, MD, pd, TD, pd)
#define vf_cmp(a, b, P) _mm256_cmp_ps(a, b, P)
#define vd_cmp(a, b, P) _mm256_cmp_pd(a, b, P)
KINLINE int mf_any(MF m) { return !_mm256_testz_ps(m, m); }
KINLINE int md_any(MD m) { return !_mm256_testz_pd(m, m); }
KINLINE unsigned mf_bits(MF m) { return (unsigned)_mm256_movemask_ps(m); }
KINLINE unsigned md_bits(MD m) { return (unsigned)_mm256_movemask_pd(m); }
KINLINE MF mf_and(MF a, MF b) { return _mm256_and_ps(a, b); }
KINLINE MD md_and(MD a, MD b) { return _mm256_and_pd(a, b); }
KINLINE MF mf_or(MF a, MF b) { return _mm256_or_ps(a, b); }
KINLINE MD md_or(MD a, MD b) { return _mm256_or_pd(a, b); }
KINLINE TF tf_first(ptrdiff_t m)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(m > 8 ? 8 : m)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
KINLINE TD td_first(ptrdiff_t m)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(m > 4 ? 4 : m), _mm256_setr_epi64x(0, 1, 2, 3));
}
KINLINE MF mf_of_tail(TF t) { return _mm256_castsi256_ps(t); }
KINLINE MD md_of_tail(TD t) { return _mm256_castsi256_pd(t); }
KINLINE VFI vf_asint(VF a) { return _mm256_castps_si256(a); }
KINLINE VF vfi_asf(VFI a) { return _mm256_castsi256_ps(a); }
KINLINE VDI vd_asint(VD a) { return _mm256_castpd_si256(a); }
KINLINE VD vdi_asd(VDI a) { return _mm256_castsi256_pd(a); }
KINLINE VFI vfi_set1(int v) { return _mm256_set1_epi32(v); }
KINLINE VDI vdi_set1(long long v) { return _mm256_set1_epi64x(v); }
KINLINE VFI vfi_add(VFI a, VFI b) { return _mm256_add_epi32(a, b); }
KINLINE VDI vdi_add(VDI a, VDI b) { return _mm256_add_epi64(a, b); }
#define vfi_srli(a, n) _mm256_srli_epi32(a, n)
#define vfi_slli(a, n) _mm256_slli_epi32(a, n)
#define vdi_srli(a, n) _mm256_srli_epi64(a, n)
#define vdi_slli(a, n) _mm256_slli_epi64(a, n)
KINLINE VF vf_tab16(const float *t, VFI ix)
{
    VF a = _mm256_permutevar8x32_ps(_mm256_loadu_ps(t), ix);
    VF b = _mm256_permutevar8x32_ps(_mm256_loadu_ps(t + 8), ix);
    return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(ix, 28))); /* bit 3 */
}
KINLINE VF vf_tab32(const float *t, VFI ix)
{
    return _mm256_blendv_ps(vf_tab16(t, ix), vf_tab16(t + 16, ix),
                            _mm256_castsi256_ps(_mm256_slli_epi32(ix, 27))); /* bit 4 */
}
KINLINE VD vd_tab16(const double *t, VDI ix)
{
    /* double j & 3 of each 4-double quarter by a float permute of its two halves, then the
     * quarters blended on index bits 2 and 3 (faster than a gather: docs/kernel-timings.md) */
    __m256i j2 = _mm256_slli_epi64(_mm256_and_si256(ix, _mm256_set1_epi64x(3)), 1);
    __m256i p = _mm256_or_si256(j2, _mm256_slli_epi64(_mm256_add_epi64(j2, _mm256_set1_epi64x(1)), 32));
#define KV_Q(k) _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_loadu_ps((const float *)(t + 4 * (k))), p))
    __m256d b2 = _mm256_castsi256_pd(_mm256_slli_epi64(ix, 61)), b3 = _mm256_castsi256_pd(_mm256_slli_epi64(ix, 60));
    __m256d lo = _mm256_blendv_pd(KV_Q(0), KV_Q(1), b2), hi = _mm256_blendv_pd(KV_Q(2), KV_Q(3), b2);
#undef KV_Q
    return _mm256_blendv_pd(lo, hi, b3);
}
#else
#error "kvec.h: define K_X512 or K_XAVX2"
#endif

#endif
