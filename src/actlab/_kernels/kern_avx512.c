/* x86-64-v4 kernels (AVX-512 F/DQ/VL/BW + FMA), selected at import time when available. */
#if defined(__x86_64__) && defined(__GNUC__)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,bmi,bmi2"))), apply_to = function)
#else
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,bmi,bmi2,prefer-vector-width=512")
#endif
#define K_STR2(x) #x
#define K_STR(x) K_STR2(x)
#define KVARIANT avx512
#define K_X512 1 /* kimpl.h: the vector loops of kxv.h, 16 / 8 lanes */
#include "kimpl.h"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
typedef int actlab_kern_avx512_empty;
#endif
