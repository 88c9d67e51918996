/* x86-64-v3 kernels (AVX2 + FMA), selected at import time when the CPU has them. */
#if defined(__x86_64__) && defined(__GNUC__)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,bmi,bmi2"))), apply_to = function)
#else
#pragma GCC target("avx2,fma,bmi,bmi2")
#endif
#define K_STR2(x) #x
#define K_STR(x) K_STR2(x)
#define KVARIANT avx2
#define K_XAVX2 1 /* kimpl.h: the width-generic vector loops of kxv.h */
#include "kimpl.h"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
typedef int actlab_kern_avx2_empty;
#endif
