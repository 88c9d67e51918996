/* Baseline kernels: the compiler's default instruction set (SSE2 on x86-64, NEON on aarch64). */
#define K_STR2(x) #x
#define K_STR(x) K_STR2(x)
#define KVARIANT base
#include "kimpl.h"
