/* Runs every kernel of one variant on a fixed set of inputs and writes the raw outputs to a
 * file -- the harness of tools/check_aarch64.py, which builds it natively and for aarch64
 * (with kern_*.c, no Python) and compares the two files.
 *
 *   kdriver OUT.bin VARIANT      (VARIANT: base, avx2 or avx512 where built)
 *
 * Record format (little-endian): name (32 bytes, NUL-padded), dtype size (4 or 8, int32),
 * number of outputs and of elements (int32 each), then the outputs one after the other. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klist.h"

#define N 6000
#define NSPEC 24

/* the elementwise kernels' arities, in K_LIST / K_CELLS order */
typedef struct {
    const char *name;
    int nin, nout, nparam; /* nparam: trailing inputs that are scalars (pscalar = 1) */
} kdesc;
#define D_U(NAME) {#NAME, 1, 1, 0},
#define D_B(NAME) {#NAME, 2, 1, 1},
#define D_T(NAME) {#NAME, 3, 1, 2},
#define D_F12(NAME) {#NAME, 1, 2, 0},
#define D_F22(NAME) {#NAME, 2, 2, 0},
#define D_C(NAME, NIN, NOUT) {#NAME, NIN, NOUT, 0},
static const kdesc g_desc[] = {K_LIST(D_U, D_B, D_T, D_F12, D_F22) K_CELLS(D_C)};
#define NDESC ((int)(sizeof g_desc / sizeof g_desc[0]))

static uint64_t g_rng = 0x9E3779B97F4A7C15u;
static double uniform01(void)
{
    g_rng = g_rng * 6364136223846793005u + 1442695040888963407u;
    return (double)(g_rng >> 11) * 0x1p-53;
}

/* specials, then values of every magnitude (2^-40 .. 2^10, both signs), then N(0, 8)-ish */
static void fill(double *x, int k)
{
    static const double spec[NSPEC] = {0.0, -0.0, 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 1e-310,
                                       -1e-310, 1e-300, 1000.0, -1000.0, 40.0, -40.0, 20.0,
                                       -20.0, 80.0, -80.0, 88.0, -88.0, 705.0, -705.0, 710.0,
                                       -745.5, 3.0, -3.0};
    for (int i = 0; i < N; i++) {
        double u = uniform01(), v = uniform01();
        double s = v < 0.5 ? -1.0 : 1.0;
        if (i < NSPEC && k == 0)
            x[i] = spec[i];
        else if (i % 3 == 0) { /* s (1 + v) 2^E, E in [-40, 10], without libm */
            uint64_t e = (uint64_t)(1023 - 40 + (int)(51.0 * u)) << 52;
            double p2;
            memcpy(&p2, &e, sizeof p2);
            x[i] = s * (1.0 + v) * p2;
        }
        else
            x[i] = (u - 0.5) * (k == 0 ? 24.0 : 6.0) + (v - 0.5) * 8.0;
    }
}

static void put(FILE *f, const char *name, int size, int nout, int n, void *const *outs)
{
    char nm[32] = {0};
    strncpy(nm, name, sizeof nm - 1);
    int32_t hdr[3] = {size, nout, n};
    fwrite(nm, 1, sizeof nm, f);
    fwrite(hdr, sizeof hdr[0], 3, f);
    for (int k = 0; k < nout; k++)
        fwrite(outs[k], (size_t)size, (size_t)n, f);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s OUT.bin VARIANT\n", argv[0]);
        return 2;
    }
    const kvariant *v = &actlab_kvariant_base;
#if defined(__x86_64__) && defined(__GNUC__)
    if (strcmp(argv[2], "avx2") == 0)
        v = &actlab_kvariant_avx2;
    if (strcmp(argv[2], "avx512") == 0)
        v = &actlab_kvariant_avx512;
#endif
    if (strcmp(v->name, argv[2]) != 0) {
        fprintf(stderr, "variant %s is not built here\n", argv[2]);
        return 2;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f)
        return 2;
    static double xd[K_MAXARG][N], yd[K_MAXARG][N];
    static float xf[K_MAXARG][N], yf[K_MAXARG][N];
    for (int k = 0; k < K_MAXARG; k++) {
        fill(xd[k], k);
        for (int i = 0; i < N; i++)
            xf[k][i] = (float)xd[k][i];
    }
    /* bce_with_logits: targets in [0, 1] */
    for (int i = 0; i < N; i++) {
        xd[1][i] = i % 4 == 0 ? uniform01() : (double)(i % 2);
        xf[1][i] = (float)xd[1][i];
    }
    for (int k = 0; k < 4; k++) { /* the inputs, for the report */
        char name[40];
        snprintf(name, sizeof name, "input/%d", k);
        double *od[1] = {xd[k]};
        float *of[1] = {xf[k]};
        put(f, name, 8, 1, N, (void *const *)od);
        put(f, name, 4, 1, N, (void *const *)of);
    }
    static const double params[3][2] = {{0.01, 1.0}, {0.3, 20.0}, {2.5, 5.0}};
    for (int d = 0; d < NDESC; d++) {
        const kdesc *k = &g_desc[d];
        for (int p = 0; p < (k->nparam ? 3 : 1); p++) {
            const double *ind[K_MAXARG];
            const float *inf_[K_MAXARG];
            double *outd[K_MAXARG];
            float *outf[K_MAXARG];
            double pd[2] = {params[p][0], params[p][1]};
            float pf[2] = {(float)pd[0], (float)pd[1]};
            if (k->nparam == 2) { /* softplus: beta, threshold */
                pd[0] = p == 0 ? 1.0 : params[p][1] / 10.0;
                pd[1] = params[p][1];
                pf[0] = (float)pd[0];
                pf[1] = (float)pd[1];
            }
            for (int j = 0; j < k->nin; j++) {
                int param = j >= k->nin - k->nparam;
                ind[j] = param ? &pd[j - (k->nin - k->nparam)] : xd[j];
                inf_[j] = param ? &pf[j - (k->nin - k->nparam)] : xf[j];
            }
            for (int j = 0; j < k->nout; j++) {
                outd[j] = yd[j];
                outf[j] = yf[j];
            }
            char name[40];
            snprintf(name, sizeof name, "%s/%d", k->name, p);
            v->elem[d].fd(ind, outd, k->nparam > 0, N);
            put(f, name, 8, k->nout, N, (void *const *)outd);
            v->elem[d].ff(inf_, outf, k->nparam > 0, N);
            put(f, name, 4, k->nout, N, (void *const *)outf);
        }
    }
    /* softmax / log_softmax rows of several lengths */
    static const int lens[4] = {1, 7, 64, 1000};
    for (int lg = 0; lg < 2; lg++)
        for (int r = 0; r < 4; r++) {
            char name[40];
            snprintf(name, sizeof name, "%s/%d", lg ? "log_softmax" : "softmax", lens[r]);
            double *od[1] = {yd[0]};
            float *of[1] = {yf[0]};
            v->row_d(xd[2], yd[0], lens[r], lg);
            put(f, name, 8, 1, lens[r], (void *const *)od);
            v->row_f(xf[2], yf[0], lens[r], lg);
            put(f, name, 4, 1, lens[r], (void *const *)of);
        }
    fclose(f);
    return 0;
}
