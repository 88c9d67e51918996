/* actlab._kernels._ufuncs: the activation kernels registered as numpy.ufunc objects.
 *
 * Each ufunc has a float32 and a float64 loop (float16 reaches the float32 loop through
 * NumPy's safe casting, integers the float64 one).  A loop call
 *   1. picks the kernel of the instruction set chosen at import (AVX-512, AVX2+FMA or
 *      the baseline build; ACTLAB_KERNEL_ISA or set_isa() override it),
 *   2. splits calls of >= K_PAR_MIN elements over a small persistent pthread pool (the
 *      calling thread takes the first slice; results do not depend on the thread count
 *      because every element is computed independently by the same code),
 *   3. runs contiguous data straight through the vector loop and copies strided data
 *      through small stack blocks,
 *   4. restores the floating-point exception flags it found: the branch-free loops
 *      evaluate both sides of every select (e.g. exp of a clamped argument in lanes that
 *      are then discarded), and those intermediate flags must not become NumPy warnings.
 * The GIL is released by NumPy around the loops (no object dtypes are involved).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define K_FP_SSE 1
#else
#include <fenv.h>
#endif

#include "klist.h"

#define K_PAR_MIN 65536 /* elements of one loop call before it is split across threads */
#define K_MAX_THREADS 64
#define K_BLK 256 /* strided data goes through stack blocks of this many elements */

/* ------------------------------------------------------------------ FP flags */
typedef struct {
#if defined(K_FP_SSE)
    unsigned int csr;
#else
    fexcept_t flags;
#endif
} kfpstate;

static inline void k_fp_save(kfpstate *s)
{
#if defined(K_FP_SSE)
    s->csr = _mm_getcsr();
#else
    fegetexceptflag(&s->flags, FE_ALL_EXCEPT);
#endif
}

static inline void k_fp_restore(const kfpstate *s)
{
#if defined(K_FP_SSE)
    _mm_setcsr(s->csr);
#else
    fesetexceptflag(&s->flags, FE_ALL_EXCEPT);
#endif
}

/* ------------------------------------------------------------------ ISA dispatch */
static const kvariant *g_var = &actlab_kvariant_base;

static const kvariant *k_best_variant(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2"))
        return &actlab_kvariant_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return &actlab_kvariant_avx2;
#endif
    return &actlab_kvariant_base;
}

static const kvariant *k_variant_by_name(const char *name)
{
    if (strcmp(name, "base") == 0)
        return &actlab_kvariant_base;
#if defined(__x86_64__) && defined(__GNUC__)
    const kvariant *best = k_best_variant();
    if (strcmp(name, "avx2") == 0 && best != &actlab_kvariant_base)
        return &actlab_kvariant_avx2;
    if (strcmp(name, "avx512") == 0 && best == &actlab_kvariant_avx512)
        return &actlab_kvariant_avx512;
#endif
    return NULL;
}

/* ------------------------------------------------------------------ thread pool */
typedef void (*k_range_fn)(void *arg, npy_intp start, npy_intp end);

static int g_nthreads = 1;
static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER; /* one parallel job at a time */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv_go = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_cv_done = PTHREAD_COND_INITIALIZER;
static int g_nworkers = 0;
static unsigned long g_gen = 0;
static unsigned long g_wstart[K_MAX_THREADS];
static int g_pending = 0;
static k_range_fn g_fn;
static void *g_arg;
static npy_intp g_n, g_grain;
static int g_parts;

static void k_chunk(npy_intp n, int parts, npy_intp grain, int i, npy_intp *s, npy_intp *e)
{
    npy_intp per = (n + parts - 1) / parts;
    per = (per + grain - 1) / grain * grain;
    npy_intp a = per * i, b = a + per;
    *s = a < n ? a : n;
    *e = b < n ? b : n;
}

static void *k_worker(void *argp)
{
    int id = (int)(intptr_t)argp;
    pthread_mutex_lock(&g_mu);
    unsigned long seen = g_wstart[id];
    for (;;) {
        while (g_gen == seen)
            pthread_cond_wait(&g_cv_go, &g_mu);
        seen = g_gen;
        k_range_fn fn = g_fn;
        void *arg = g_arg;
        npy_intp n = g_n, grain = g_grain;
        int parts = g_parts;
        pthread_mutex_unlock(&g_mu);
        if (id + 1 < parts) {
            npy_intp s, e;
            k_chunk(n, parts, grain, id + 1, &s, &e);
            if (s < e)
                fn(arg, s, e);
        }
        pthread_mutex_lock(&g_mu);
        if (--g_pending == 0)
            pthread_cond_signal(&g_cv_done);
    }
    return NULL;
}

/* make sure `want` workers exist (called with g_pool_mu held); returns how many do */
static int k_ensure_workers(int want)
{
    if (want > K_MAX_THREADS - 1)
        want = K_MAX_THREADS - 1;
    while (g_nworkers < want) {
        pthread_attr_t at;
        pthread_t th;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_mutex_lock(&g_mu);
        g_wstart[g_nworkers] = g_gen;
        pthread_mutex_unlock(&g_mu);
        int rc = pthread_create(&th, &at, k_worker, (void *)(intptr_t)g_nworkers);
        pthread_attr_destroy(&at);
        if (rc != 0)
            break;
        pthread_mutex_lock(&g_mu);
        g_nworkers++;
        pthread_mutex_unlock(&g_mu);
    }
    return g_nworkers;
}

/* fn(arg, 0, n) split over the pool in slices that are multiples of `grain` */
static void k_parallel(npy_intp n, npy_intp work, npy_intp grain, k_range_fn fn, void *arg)
{
    int nt = g_nthreads;
    if (nt <= 1 || work < K_PAR_MIN || n < 2 * grain || pthread_mutex_trylock(&g_pool_mu) != 0) {
        fn(arg, 0, n);
        return;
    }
    int parts = k_ensure_workers(nt - 1) + 1;
    if (parts > nt)
        parts = nt;
    if (parts <= 1) {
        pthread_mutex_unlock(&g_pool_mu);
        fn(arg, 0, n);
        return;
    }
    pthread_mutex_lock(&g_mu);
    g_fn = fn;
    g_arg = arg;
    g_n = n;
    g_grain = grain;
    g_parts = parts;
    g_pending = g_nworkers;
    g_gen++;
    pthread_cond_broadcast(&g_cv_go);
    pthread_mutex_unlock(&g_mu);
    npy_intp s, e;
    k_chunk(n, parts, grain, 0, &s, &e);
    if (s < e)
        fn(arg, s, e);
    pthread_mutex_lock(&g_mu);
    while (g_pending > 0)
        pthread_cond_wait(&g_cv_done, &g_mu);
    pthread_mutex_unlock(&g_pool_mu);
    pthread_mutex_unlock(&g_mu);
}

static void k_atfork_child(void)
{
    /* the workers do not exist in a forked child: start from an empty pool */
    pthread_mutex_init(&g_pool_mu, NULL);
    pthread_mutex_init(&g_mu, NULL);
    pthread_cond_init(&g_cv_go, NULL);
    pthread_cond_init(&g_cv_done, NULL);
    g_nworkers = 0;
    g_pending = 0;
}

static int k_default_threads(void)
{
    const char *env = getenv("ACTLAB_NUM_THREADS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1)
            return v > K_MAX_THREADS ? K_MAX_THREADS : (int)v;
    }
    long n = 1;
#if defined(__linux__)
    cpu_set_t cs;
    if (sched_getaffinity(0, sizeof(cs), &cs) == 0)
        n = CPU_COUNT(&cs);
    else
#endif
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > K_MAX_THREADS ? K_MAX_THREADS : (int)n;
}

/* ------------------------------------------------------------------ elementwise loops */
typedef struct {
    char **args;
    const npy_intp *steps;
    int nin, nout, idx, params; /* params: inputs 1.. may be single broadcast values */
} kjob;

#define K_DEFINE_RANGE(SUF, T, FN)                                                           \
    static void k_range_##SUF(void *jp, npy_intp start, npy_intp end)                        \
    {                                                                                        \
        const kjob *j = (const kjob *)jp;                                                    \
        const npy_intp *st = j->steps;                                                       \
        const int nin = j->nin, nout = j->nout, na = nin + nout;                             \
        const npy_intp sz = (npy_intp)sizeof(T);                                             \
        char *p[K_MAXARG];                                                                   \
        for (int k = 0; k < na; k++)                                                         \
            p[k] = j->args[k] + start * st[k];                                               \
        npy_intp n = end - start;                                                            \
        int pscal = j->params && nin > 1, cont = 1;                                          \
        for (int k = 1; k < nin; k++)                                                        \
            pscal &= st[k] == 0;                                                             \
        for (int k = 0; k < na; k++)                                                         \
            cont &= st[k] == sz || (pscal && k >= 1 && k < nin);                             \
        FN fn = g_var->elem[j->idx].SUF;                                                     \
        if (cont) {                                                                          \
            fn((const T *const *)p, (T *const *)(p + nin), pscal, n);                        \
            return;                                                                          \
        }                                                                                    \
        T buf[K_MAXARG][K_BLK];                                                              \
        for (npy_intp b = 0; b < n; b += K_BLK) {                                            \
            npy_intp c = n - b < K_BLK ? n - b : K_BLK;                                      \
            const T *ip[K_MAXARG];                                                           \
            T *op[K_MAXARG];                                                                 \
            for (int k = 0; k < nin; k++) {                                                  \
                char *q = p[k] + b * st[k];                                                  \
                if ((k > 0 && pscal) || st[k] == sz) {                                       \
                    ip[k] = (const T *)q;                                                    \
                } else {                                                                     \
                    for (npy_intp i = 0; i < c; i++)                                         \
                        buf[k][i] = *(const T *)(q + i * st[k]);                             \
                    ip[k] = buf[k];                                                          \
                }                                                                            \
            }                                                                                \
            for (int k = 0; k < nout; k++) {                                                 \
                char *q = p[nin + k] + b * st[nin + k];                                      \
                op[k] = st[nin + k] == sz ? (T *)q : buf[nin + k];                           \
            }                                                                                \
            fn(ip, op, pscal, c);                                                            \
            for (int k = 0; k < nout; k++) {                                                 \
                npy_intp s = st[nin + k];                                                    \
                if (s != sz) {                                                               \
                    char *q = p[nin + k] + b * s;                                            \
                    for (npy_intp i = 0; i < c; i++)                                         \
                        *(T *)(q + i * s) = op[k][i];                                        \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    static void k_loop_##SUF(char **args, npy_intp const *dims, npy_intp const *steps,       \
                             void *data)                                                     \
    {                                                                                        \
        npy_intp n = dims[0];                                                                \
        if (n <= 0)                                                                          \
            return;                                                                          \
        const int *meta = (const int *)data;                                                 \
        kjob j = {args, steps, meta[1], meta[2], meta[0], meta[3]};                          \
        kfpstate fs;                                                                         \
        k_fp_save(&fs);                                                                      \
        k_parallel(n, n, 64, k_range_##SUF, &j);                                             \
        k_fp_restore(&fs);                                                                   \
    }

K_DEFINE_RANGE(fd, double, kfun_d)
K_DEFINE_RANGE(ff, float, kfun_f)

/* ------------------------------------------------------------------ softmax gufunc loops */
typedef struct {
    char **args;
    const npy_intp *steps;
    npy_intp n;
    int log;
} krowjob;

#define K_DEFINE_ROWS(SUF, T, ROW)                                                           \
    static void k_rows_##SUF(void *jp, npy_intp start, npy_intp end)                         \
    {                                                                                        \
        const krowjob *j = (const krowjob *)jp;                                              \
        const npy_intp *st = j->steps, n = j->n, sz = (npy_intp)sizeof(T);                   \
        T *tmp = NULL;                                                                       \
        for (npy_intp r = start; r < end; r++) {                                             \
            char *x = j->args[0] + r * st[0], *y = j->args[1] + r * st[1];                   \
            if (st[2] == sz && st[3] == sz) {                                                \
                g_var->ROW((const T *)x, (T *)y, n, j->log);                                 \
                continue;                                                                    \
            }                                                                                \
            if (!tmp) {                                                                      \
                tmp = (T *)malloc((size_t)n * sizeof(T));                                    \
                if (!tmp) { /* out of memory: fall back to element-by-element copies */      \
                    return;                                                                  \
                }                                                                            \
            }                                                                                \
            for (npy_intp i = 0; i < n; i++)                                                 \
                tmp[i] = *(const T *)(x + i * st[2]);                                        \
            g_var->ROW(tmp, tmp, n, j->log);                                                 \
            for (npy_intp i = 0; i < n; i++)                                                 \
                *(T *)(y + i * st[3]) = tmp[i];                                              \
        }                                                                                    \
        free(tmp);                                                                           \
    }                                                                                        \
    static void k_rowloop_##SUF(char **args, npy_intp const *dims, npy_intp const *steps,    \
                                void *data)                                                  \
    {                                                                                        \
        npy_intp N = dims[0], n = dims[1];                                                   \
        if (N <= 0 || n <= 0)                                                                \
            return;                                                                          \
        krowjob j = {args, steps, n, *(const int *)data};                                    \
        kfpstate fs;                                                                         \
        k_fp_save(&fs);                                                                      \
        k_parallel(N, N * n, 1, k_rows_##SUF, &j);                                           \
        k_fp_restore(&fs);                                                                   \
    }

K_DEFINE_ROWS(fd, double, row_d)
K_DEFINE_ROWS(ff, float, row_f)

#include "krnn.h"

/* ------------------------------------------------------------------ registration */
/* {index, inputs, outputs, scalar parameters allowed} */
#define K_META_U(N) {0, 1, 1, 0},
#define K_META_B(N) {0, 2, 1, 1},
#define K_META_T(N) {0, 3, 1, 1},
#define K_META_F12(N) {0, 1, 2, 0},
#define K_META_F22(N) {0, 2, 2, 1},
#define K_META_C(N, NIN, NOUT) {0, NIN, NOUT, 0},
static int g_meta[][4] = {K_LIST(K_META_U, K_META_B, K_META_T, K_META_F12, K_META_F22)
                              K_CELLS(K_META_C)};

#define K_NAME(N) #N,
#define K_NAME_C(N, NIN, NOUT) #N,
static const char *g_names[] = {K_LIST(K_NAME, K_NAME, K_NAME, K_NAME, K_NAME) K_CELLS(K_NAME_C)};
#define K_NKERN ((int)(sizeof(g_names) / sizeof(g_names[0])))
#define K_ONE(N, NIN, NOUT) +1
#define K_NCELLS (0 K_CELLS(K_ONE))

static PyUFuncGenericFunction g_funcs[2] = {k_loop_ff, k_loop_fd};
static char g_types[K_NKERN][2 * K_MAXARG]; /* ntypes x (nin + nout), packed */
static void *g_data[K_NKERN][2];

static PyUFuncGenericFunction g_row_funcs[2] = {k_rowloop_ff, k_rowloop_fd};
static char g_row_types[4] = {NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE, NPY_DOUBLE};
static int g_row_log[2] = {0, 1};
static void *g_row_data[2][2];

static PyObject *k_set_num_threads(PyObject *self, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 1) {
        PyErr_Format(PyExc_ValueError, "set_num_threads: n must be >= 1, got %ld", n);
        return NULL;
    }
    pthread_mutex_lock(&g_pool_mu);
    g_nthreads = n > K_MAX_THREADS ? K_MAX_THREADS : (int)n;
    pthread_mutex_unlock(&g_pool_mu);
    Py_RETURN_NONE;
}

static PyObject *k_get_num_threads(PyObject *self, PyObject *noargs)
{
    return PyLong_FromLong(g_nthreads);
}

static PyObject *k_get_isa(PyObject *self, PyObject *noargs)
{
    return PyUnicode_FromString(g_var->name);
}

static PyObject *k_set_isa(PyObject *self, PyObject *arg)
{
    const char *name = PyUnicode_AsUTF8(arg);
    if (!name)
        return NULL;
    const kvariant *v = k_variant_by_name(name);
    if (!v) {
        PyErr_Format(PyExc_ValueError, "set_isa: %R is not available on this CPU/build", arg);
        return NULL;
    }
    pthread_mutex_lock(&g_pool_mu);
    g_var = v;
    pthread_mutex_unlock(&g_pool_mu);
    Py_RETURN_NONE;
}

static PyObject *k_available_isas(PyObject *self, PyObject *noargs)
{
    const char *all[] = {"base", "avx2", "avx512"};
    PyObject *l = PyList_New(0);
    if (!l)
        return NULL;
    for (int i = 0; i < 3; i++) {
        if (k_variant_by_name(all[i])) {
            PyObject *s = PyUnicode_FromString(all[i]);
            if (!s || PyList_Append(l, s) < 0) {
                Py_XDECREF(s);
                Py_DECREF(l);
                return NULL;
            }
            Py_DECREF(s);
        }
    }
    return l;
}

static PyMethodDef k_methods[] = {
    {"set_num_threads", k_set_num_threads, METH_O,
     "set_num_threads(n)\n\nUse up to n threads (>= 1) for loop calls of >= 65536 elements."},
    {"get_num_threads", k_get_num_threads, METH_NOARGS,
     "get_num_threads() -> int\n\nThe number of threads large loop calls are split across."},
    {"get_isa", k_get_isa, METH_NOARGS,
     "get_isa() -> str\n\nThe kernel variant in use: 'avx512', 'avx2' or 'base'."},
    {"set_isa", k_set_isa, METH_O,
     "set_isa(name)\n\nSelect a kernel variant ('base', 'avx2', 'avx512'); for tests."},
    {"available_isas", k_available_isas, METH_NOARGS,
     "available_isas() -> list\n\nKernel variants this CPU can run."},
    {"set_blas", k_set_blas, METH_VARARGS,
     "set_blas(sgemm, dgemm)\n\nThe gemm PyCapsules of scipy.linalg.cython_blas for the recurrent loops."},
    {"lstm_forward", k_lstm_forward, METH_VARARGS,
     "lstm_forward(U, W, cs, F)\n\nThe time loop of one LSTM layer (see actlab.nn.recurrent)."},
    {"lstm_backward", k_lstm_backward, METH_VARARGS,
     "lstm_backward(dh, dc, dout, F, w_hh, U, w_ih, dWU, dx)\n\nBPTT of one LSTM layer with its weight "
     "gradients [dW_hh, dW_ih, db] and dx (dout may be None)."},
    {"gru_forward", k_gru_forward, METH_VARARGS,
     "gru_forward(X, hs, whh_t, bn, F)\n\nThe time loop of one GRU layer (see actlab.nn.recurrent)."},
    {"gru_backward", k_gru_backward, METH_VARARGS,
     "gru_backward(dGh, dZn, dha, dhb, dout, F, w_hh)\n\nBPTT loop of one GRU layer (dout may be None)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef k_module = {PyModuleDef_HEAD_INIT, "_ufuncs",
                                      "Compiled activation kernels as NumPy ufuncs (see actlab._kernels).",
                                      -1, k_methods};

static int k_add(PyObject *m, const char *name, PyObject *uf)
{
    if (!uf)
        return -1;
    if (PyModule_AddObject(m, name, uf) < 0) {
        Py_DECREF(uf);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__ufuncs(void)
{
    import_array();
    import_umath();
    PyObject *m = PyModule_Create(&k_module);
    if (!m)
        return NULL;

    g_var = k_best_variant();
    const char *isa = getenv("ACTLAB_KERNEL_ISA");
    if (isa && *isa) {
        const kvariant *v = k_variant_by_name(isa);
        if (v)
            g_var = v;
    }
    g_nthreads = k_default_threads();
    pthread_atfork(NULL, NULL, k_atfork_child);

    static char docs[K_NKERN][200];
    for (int i = 0; i < K_NKERN; i++) {
        int nin = g_meta[i][1], nout = g_meta[i][2];
        g_meta[i][0] = i;
        for (int k = 0; k < nin + nout; k++) {
            g_types[i][k] = NPY_FLOAT;
            g_types[i][nin + nout + k] = NPY_DOUBLE;
        }
        g_data[i][0] = g_data[i][1] = g_meta[i];
        snprintf(docs[i], sizeof(docs[i]),
                 "%s: actlab %s kernel (%d input%s, %d output%s; float32/float64 loops).", g_names[i],
                 i < K_NKERN - K_NCELLS ? "activation" : "recurrent-cell (see actlab.nn.recurrent)", nin,
                 nin > 1 ? "s" : "", nout, nout > 1 ? "s" : "");
        PyObject *uf = PyUFunc_FromFuncAndData(g_funcs, g_data[i], (char *)g_types[i], 2, nin, nout,
                                               PyUFunc_None, g_names[i], docs[i], 0);
        if (k_add(m, g_names[i], uf) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    const char *rnames[2] = {"softmax", "log_softmax"};
    const char *rdocs[2] = {
        "softmax(x, /, axis=-1): row-wise softmax (gufunc (n)->(n)); max-shifted, two passes.",
        "log_softmax(x, /, axis=-1): row-wise log-softmax (gufunc (n)->(n)); shifted - log(sum exp)."};
    for (int r = 0; r < 2; r++) {
        g_row_data[r][0] = g_row_data[r][1] = &g_row_log[r];
        PyObject *uf = PyUFunc_FromFuncAndDataAndSignature(g_row_funcs, g_row_data[r], g_row_types, 2,
                                                           1, 1, PyUFunc_None, rnames[r], rdocs[r], 0,
                                                           "(n)->(n)");
        if (k_add(m, rnames[r], uf) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
