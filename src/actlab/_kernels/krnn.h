/* Recurrent loops of actlab.nn.recurrent in C: the whole time loop of one LSTM / GRU layer
 * (forward or backward) runs with the GIL released, each step one BLAS gemm (the Fortran
 * sgemm/dgemm handed over once by set_blas: NumPy's OpenBLAS found through ctypes, or the
 * PyCapsules of scipy.linalg.cython_blas)
 * and one call of the cell kernel per batch row (the same kernels as the ufuncs
 * lstm_cell & co.).  The Python loops in recurrent.py compute the same steps with NumPy
 * and stay the path without the extension; the tests compare the two.
 *
 * Included by ufuncs.c after the elementwise loops (uses g_var, k_fp_save/k_fp_restore).
 * Every array argument must be C-contiguous, aligned, of the same float dtype, with the
 * shapes documented at each function; anything else raises ValueError / TypeError. */

/* Fortran gemm with 32-bit (LP64) or 64-bit (ILP64) integers */
typedef void (*k_sgemm_t)(char *, char *, int *, int *, int *, float *, float *, int *, float *,
                          int *, float *, float *, int *);
typedef void (*k_dgemm_t)(char *, char *, int *, int *, int *, double *, double *, int *,
                          double *, int *, double *, double *, int *);
typedef void (*k_sgemm64_t)(char *, char *, int64_t *, int64_t *, int64_t *, float *, float *,
                            int64_t *, float *, int64_t *, float *, float *, int64_t *);
typedef void (*k_dgemm64_t)(char *, char *, int64_t *, int64_t *, int64_t *, double *, double *,
                            int64_t *, double *, int64_t *, double *, double *, int64_t *);
static void *g_sgemm = NULL, *g_dgemm = NULL;
static int g_ilp64 = 0;

#define K_ENUM(N) KI_##N,
#define K_ENUM_C(N, NIN, NOUT) KI_##N,
enum { K_LIST(K_ENUM, K_ENUM, K_ENUM, K_ENUM, K_ENUM) K_CELLS(K_ENUM_C) KI_COUNT };

/* a function address from a PyCapsule (scipy.linalg.cython_blas) or an int (ctypes) */
static void *k_fn_address(PyObject *o)
{
    if (PyCapsule_CheckExact(o))
        return PyCapsule_GetPointer(o, PyCapsule_GetName(o));
    if (PyLong_Check(o)) {
        void *p = PyLong_AsVoidPtr(o);
        if (!p && !PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "set_blas: null function address");
        return p;
    }
    PyErr_SetString(PyExc_TypeError, "set_blas: sgemm/dgemm must be PyCapsules or addresses");
    return NULL;
}

static PyObject *k_set_blas(PyObject *self, PyObject *args)
{
    PyObject *s, *d;
    int ilp64 = 0;
    if (!PyArg_ParseTuple(args, "OO|p:set_blas", &s, &d, &ilp64))
        return NULL;
    void *ps = k_fn_address(s);
    if (!ps)
        return NULL;
    void *pd = k_fn_address(d);
    if (!pd)
        return NULL;
    g_sgemm = ps;
    g_dgemm = pd;
    g_ilp64 = ilp64;
    Py_RETURN_NONE;
}

/* row-major C (M x N) = A (M x K, row stride lda) B (K x N, row stride ldb): the column-major
 * gemm of the transposes, C^T = B^T A^T */
#define K_DEFINE_GEMM(SUF, T_, FT, FT64)                                                     \
    static void k_gemm_##SUF(int M, int N, int K, const T_ *A, int lda, const T_ *B, int ldb, \
                             T_ *C, int ldc)                                                 \
    {                                                                                        \
        char n = 'N';                                                                        \
        T_ one = 1, zero = 0;                                                                \
        if (g_ilp64) {                                                                       \
            int64_t m = M, nn = N, k = K, la = lda, lb = ldb, lc = ldc;                      \
            ((FT64)g_##SUF##gemm)(&n, &n, &nn, &m, &k, &one, (T_ *)B, &lb, (T_ *)A, &la, &zero, C, &lc); \
        } else {                                                                             \
            ((FT)g_##SUF##gemm)(&n, &n, &N, &M, &K, &one, (T_ *)B, &ldb, (T_ *)A, &lda, &zero, C, &ldc); \
        }                                                                                    \
    }
#define g_ffgemm g_sgemm
#define g_fdgemm g_dgemm
K_DEFINE_GEMM(ff, float, k_sgemm_t, k_sgemm64_t)
K_DEFINE_GEMM(fd, double, k_dgemm_t, k_dgemm64_t)

/* ------------------------------------------------------------------ loops, per dtype
 * LSTM forward  U (T+1, B, K) = [h_{t-1}, x_t, 1] rows, W (K, 4H), cs (T+1, B, H),
 *               F (6, T, B, H).  Writes h_t into U[t+1, :, :H], c_t into cs[t+1], factors.
 * LSTM backward dZ (T, B, 4H) out, dh, dc (B, H) in/out, dout (T, B, H) or NULL,
 *               F (6, T, B, H), w_hh (4H, H).
 * GRU forward   X (T, B, 3H), hs (T+1, B, H), whh_t (H, 3H), bn (H), F (5, T, B, H).
 * GRU backward  dGh (T, B, 3H) out, dZn (T, B, H) out, dha, dhb (B, H) in/out,
 *               dout (T, B, H) or NULL, F (5, T, B, H), w_hh (3H, H). */
#define K_DEFINE_RNN(SUF, T_)                                                                \
    static int k_lstm_fwd_##SUF(npy_intp T, npy_intp B, npy_intp K, npy_intp H, T_ *U,          \
                                const T_ *W, T_ *cs, T_ *F)                                  \
    {                                                                                        \
        const npy_intp G = 4 * H;                                                            \
        T_ *R = (T_ *)malloc((size_t)(B * G) * sizeof(T_));                                  \
        if (!R)                                                                              \
            return -1;                                                                       \
        kfun_##SUF fn = g_var->elem[KI_lstm_cell].SUF;                                       \
        for (npy_intp t = 0; t < T; t++) {                                                   \
            k_gemm_##SUF((int)B, (int)G, (int)K, U + t * B * K, (int)K, W, (int)G, R, (int)G); \
            for (npy_intp b = 0; b < B; b++) {                                               \
                const T_ *r = R + b * G, *in[5] = {r + 3 * H, r, r + H, r + 2 * H,           \
                                                   cs + (t * B + b) * H};                    \
                T_ *out[8] = {U + ((t + 1) * B + b) * K, cs + ((t + 1) * B + b) * H};        \
                for (int k = 0; k < 6; k++)                                                  \
                    out[2 + k] = F + ((k * T + t) * B + b) * H;                              \
                fn(in, out, 0, H);                                                           \
            }                                                                                \
        }                                                                                    \
        free(R);                                                                             \
        return 0;                                                                            \
    }                                                                                        \
    static int k_lstm_bwd_##SUF(npy_intp T, npy_intp B, npy_intp H, T_ *dZ, T_ *dh, T_ *dc,  \
                                const T_ *dout, const T_ *F, const T_ *whh)                  \
    {                                                                                        \
        const npy_intp G = 4 * H;                                                            \
        T_ *zero = (T_ *)calloc((size_t)H, sizeof(T_));                                      \
        if (!zero)                                                                           \
            return -1;                                                                       \
        kfun_##SUF fn = g_var->elem[KI_lstm_cell_backward].SUF;                              \
        for (npy_intp t = T - 1; t >= 0; t--) {                                              \
            for (npy_intp b = 0; b < B; b++) {                                               \
                const T_ *in[9] = {dh + b * H, dout ? dout + (t * B + b) * H : zero,         \
                                   dc + b * H};                                              \
                for (int k = 0; k < 6; k++)                                                  \
                    in[3 + k] = F + ((k * T + t) * B + b) * H;                               \
                T_ *d = dZ + (t * B + b) * G;                                                \
                T_ *out[5] = {d + 3 * H, d, d + H, d + 2 * H, dc + b * H};                   \
                fn(in, out, 0, H);                                                           \
            }                                                                                \
            k_gemm_##SUF((int)B, (int)H, (int)G, dZ + t * B * G, (int)G, whh, (int)H, dh, (int)H); \
        }                                                                                    \
        free(zero);                                                                          \
        return 0;                                                                            \
    }                                                                                        \
    static int k_gru_fwd_##SUF(npy_intp T, npy_intp B, npy_intp H, const T_ *X, T_ *hs,        \
                               const T_ *whht, const T_ *bn, T_ *F)                          \
    {                                                                                        \
        const npy_intp G = 3 * H;                                                            \
        T_ *R = (T_ *)malloc((size_t)(B * G) * sizeof(T_));                                  \
        if (!R)                                                                              \
            return -1;                                                                       \
        kfun_##SUF fn = g_var->elem[KI_gru_cell].SUF;                                        \
        for (npy_intp t = 0; t < T; t++) {                                                   \
            k_gemm_##SUF((int)B, (int)G, (int)H, hs + t * B * H, (int)H, whht, (int)G, R, (int)G); \
            for (npy_intp b = 0; b < B; b++) {                                               \
                const T_ *x = X + (t * B + b) * G, *r = R + b * G;                           \
                const T_ *in[8] = {x, x + H, x + 2 * H, r, r + H, r + 2 * H, bn,             \
                                   hs + (t * B + b) * H};                                    \
                T_ *out[6] = {hs + ((t + 1) * B + b) * H};                                   \
                for (int k = 0; k < 5; k++)                                                  \
                    out[1 + k] = F + ((k * T + t) * B + b) * H;                              \
                fn(in, out, 0, H);                                                           \
            }                                                                                \
        }                                                                                    \
        free(R);                                                                             \
        return 0;                                                                            \
    }                                                                                        \
    static int k_gru_bwd_##SUF(npy_intp T, npy_intp B, npy_intp H, T_ *dGh, T_ *dZn, T_ *dha, \
                               T_ *dhb, const T_ *dout, const T_ *F, const T_ *whh)          \
    {                                                                                        \
        const npy_intp G = 3 * H;                                                            \
        T_ *zero = (T_ *)calloc((size_t)H, sizeof(T_));                                      \
        if (!zero)                                                                           \
            return -1;                                                                       \
        kfun_##SUF fn = g_var->elem[KI_gru_cell_backward].SUF;                               \
        for (npy_intp t = T - 1; t >= 0; t--) {                                              \
            for (npy_intp b = 0; b < B; b++) {                                               \
                const T_ *in[8] = {dha + b * H, dhb + b * H,                                 \
                                   dout ? dout + (t * B + b) * H : zero};                    \
                for (int k = 0; k < 5; k++)                                                  \
                    in[3 + k] = F + ((k * T + t) * B + b) * H;                               \
                T_ *g = dGh + (t * B + b) * G;                                               \
                T_ *out[5] = {g, g + H, dZn + (t * B + b) * H, g + 2 * H, dha + b * H};      \
                fn(in, out, 0, H);                                                           \
            }                                                                                \
            k_gemm_##SUF((int)B, (int)H, (int)G, dGh + t * B * G, (int)G, whh, (int)H, dhb, (int)H); \
        }                                                                                    \
        free(zero);                                                                          \
        return 0;                                                                            \
    }

typedef kfun_d kfun_fd;
typedef kfun_f kfun_ff;
K_DEFINE_RNN(fd, double)
K_DEFINE_RNN(ff, float)

/* ------------------------------------------------------------------ argument checks */
/* o as a C-contiguous aligned array of ndim dims and the given type; shape entries < 0 are
 * free.  Returns the data pointer or NULL with an exception set. */
static void *k_arr(PyObject *o, const char *fn, const char *name, int ndim, int typenum,
                   const npy_intp *shape, int writable)
{
    if (!PyArray_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s: %s must be a numpy array, got %.100s", fn, name,
                     Py_TYPE(o)->tp_name);
        return NULL;
    }
    PyArrayObject *a = (PyArrayObject *)o;
    if (PyArray_NDIM(a) != ndim || PyArray_TYPE(a) != typenum) {
        PyErr_Format(PyExc_ValueError, "%s: %s must be %d-D of the same float dtype as the others", fn,
                     name, ndim);
        return NULL;
    }
    if (!PyArray_ISCARRAY_RO(a) || (writable && !PyArray_ISWRITEABLE(a))) {
        PyErr_Format(PyExc_ValueError, "%s: %s must be C-contiguous, aligned%s", fn, name,
                     writable ? " and writeable" : "");
        return NULL;
    }
    for (int k = 0; k < ndim; k++) {
        npy_intp d = PyArray_DIM(a, k);
        if ((shape[k] >= 0 && d != shape[k]) || d > 0x3fffffff) {
            PyErr_Format(PyExc_ValueError, "%s: %s has dimension %d = %zd, expected %zd", fn, name, k,
                         (Py_ssize_t)d, (Py_ssize_t)shape[k]);
            return NULL;
        }
    }
    return PyArray_DATA(a);
}

static int k_rnn_type(PyObject *o, const char *fn)
{
    if (!g_sgemm || !g_dgemm) {
        PyErr_Format(PyExc_RuntimeError, "%s: call set_blas() first", fn);
        return -1;
    }
    if (PyArray_Check(o)) {
        int t = PyArray_TYPE((PyArrayObject *)o);
        if (t == NPY_FLOAT || t == NPY_DOUBLE)
            return t;
    }
    PyErr_Format(PyExc_TypeError, "%s: arrays must be float32 or float64 numpy arrays", fn);
    return -1;
}

#define K_RUN_RNN(TYPENUM, CALL_F, CALL_D)                                                   \
    do {                                                                                     \
        int rc_;                                                                             \
        kfpstate fs_;                                                                        \
        Py_BEGIN_ALLOW_THREADS k_fp_save(&fs_);                                              \
        rc_ = (TYPENUM) == NPY_FLOAT ? (CALL_F) : (CALL_D);                                  \
        k_fp_restore(&fs_);                                                                  \
        Py_END_ALLOW_THREADS if (rc_ < 0) return PyErr_NoMemory();                           \
        Py_RETURN_NONE;                                                                      \
    } while (0)

static PyObject *k_lstm_forward(PyObject *self, PyObject *args)
{
    const char *fn = "lstm_forward";
    PyObject *oU, *oW, *oc, *oF;
    if (!PyArg_ParseTuple(args, "OOOO:lstm_forward", &oU, &oW, &oc, &oF))
        return NULL;
    int ty = k_rnn_type(oU, fn);
    if (ty < 0)
        return NULL;
    npy_intp any3[3] = {-1, -1, -1}, any2[2] = {-1, -1};
    void *U = k_arr(oU, fn, "U", 3, ty, any3, 1);
    void *W = U ? k_arr(oW, fn, "W", 2, ty, any2, 0) : NULL;
    if (!W)
        return NULL;
    PyArrayObject *aU = (PyArrayObject *)oU, *aW = (PyArrayObject *)oW;
    npy_intp T = PyArray_DIM(aU, 0) - 1, B = PyArray_DIM(aU, 1), K = PyArray_DIM(aU, 2);
    npy_intp G = PyArray_DIM(aW, 1), H = G / 4;
    if (T < 0 || PyArray_DIM(aW, 0) != K || G % 4 != 0 || K <= H) {
        PyErr_Format(PyExc_ValueError, "%s: U (T+1, B, K) and W (K, 4H) with K > H do not fit", fn);
        return NULL;
    }
    npy_intp sc[3] = {T + 1, B, H}, sF[4] = {6, T, B, H};
    void *c = k_arr(oc, fn, "cs", 3, ty, sc, 1);
    void *F = c ? k_arr(oF, fn, "F", 4, ty, sF, 1) : NULL;
    if (!F)
        return NULL;
    K_RUN_RNN(ty, k_lstm_fwd_ff(T, B, K, H, U, W, c, F), k_lstm_fwd_fd(T, B, K, H, U, W, c, F));
}

/* the leading (T, B, gates * H) array of a call; sets T, B, H */
static void *k_lead(PyObject *o, const char *fn, const char *name, int ty, int gates, int writable,
                    npy_intp *T, npy_intp *B, npy_intp *H)
{
    npy_intp any3[3] = {-1, -1, -1};
    void *p = k_arr(o, fn, name, 3, ty, any3, writable);
    if (!p)
        return NULL;
    PyArrayObject *a = (PyArrayObject *)o;
    *T = PyArray_DIM(a, 0);
    *B = PyArray_DIM(a, 1);
    *H = PyArray_DIM(a, 2) / gates;
    if (PyArray_DIM(a, 2) % gates != 0) {
        PyErr_Format(PyExc_ValueError, "%s: %s must be (T, B, %dH)", fn, name, gates);
        return NULL;
    }
    return p;
}

/* the arguments every backward ends with: dout (T, B, H) or None, F (nf, T, B, H),
 * w_hh (gates H, H) */
static int k_bwd_tail(const char *fn, int ty, PyObject *odout, PyObject *oF, PyObject *ow, int nf,
                      int gates, npy_intp T, npy_intp B, npy_intp H, void **dout, void **F, void **w)
{
    npy_intp s3[3] = {T, B, H}, sF[4] = {nf, T, B, H}, sw[2] = {gates * H, H};
    *dout = NULL;
    if (odout != Py_None && !(*dout = k_arr(odout, fn, "dout", 3, ty, s3, 0)))
        return -1;
    *F = k_arr(oF, fn, "F", 4, ty, sF, 0);
    *w = *F ? k_arr(ow, fn, "w_hh", 2, ty, sw, 0) : NULL;
    return *w ? 0 : -1;
}

static PyObject *k_lstm_backward(PyObject *self, PyObject *args)
{
    const char *fn = "lstm_backward";
    PyObject *odZ, *odh, *odc, *odout, *oF, *ow;
    if (!PyArg_ParseTuple(args, "OOOOOO:lstm_backward", &odZ, &odh, &odc, &odout, &oF, &ow))
        return NULL;
    int ty = k_rnn_type(odZ, fn);
    npy_intp T, B, H;
    void *dZ = ty < 0 ? NULL : k_lead(odZ, fn, "dZ", ty, 4, 1, &T, &B, &H);
    if (!dZ)
        return NULL;
    npy_intp s2[2] = {B, H};
    void *dh = k_arr(odh, fn, "dh", 2, ty, s2, 1);
    void *dc = dh ? k_arr(odc, fn, "dc", 2, ty, s2, 1) : NULL;
    void *dout, *F, *w;
    if (!dc || k_bwd_tail(fn, ty, odout, oF, ow, 6, 4, T, B, H, &dout, &F, &w) < 0)
        return NULL;
    K_RUN_RNN(ty, k_lstm_bwd_ff(T, B, H, dZ, dh, dc, dout, F, w),
              k_lstm_bwd_fd(T, B, H, dZ, dh, dc, dout, F, w));
}

static PyObject *k_gru_forward(PyObject *self, PyObject *args)
{
    const char *fn = "gru_forward";
    PyObject *oX, *ohs, *ow, *obn, *oF;
    if (!PyArg_ParseTuple(args, "OOOOO:gru_forward", &oX, &ohs, &ow, &obn, &oF))
        return NULL;
    int ty = k_rnn_type(oX, fn);
    npy_intp T, B, H;
    void *X = ty < 0 ? NULL : k_lead(oX, fn, "X", ty, 3, 0, &T, &B, &H);
    if (!X)
        return NULL;
    npy_intp sh[3] = {T + 1, B, H}, sw[2] = {H, 3 * H}, sb[1] = {H}, sF[4] = {5, T, B, H};
    void *hs = k_arr(ohs, fn, "hs", 3, ty, sh, 1);
    void *w = hs ? k_arr(ow, fn, "whh_t", 2, ty, sw, 0) : NULL;
    void *bn = w ? k_arr(obn, fn, "bn", 1, ty, sb, 0) : NULL;
    void *F = bn ? k_arr(oF, fn, "F", 4, ty, sF, 1) : NULL;
    if (!F)
        return NULL;
    K_RUN_RNN(ty, k_gru_fwd_ff(T, B, H, X, hs, w, bn, F), k_gru_fwd_fd(T, B, H, X, hs, w, bn, F));
}

static PyObject *k_gru_backward(PyObject *self, PyObject *args)
{
    const char *fn = "gru_backward";
    PyObject *odG, *odZn, *oda, *odb, *odout, *oF, *ow;
    if (!PyArg_ParseTuple(args, "OOOOOOO:gru_backward", &odG, &odZn, &oda, &odb, &odout, &oF, &ow))
        return NULL;
    int ty = k_rnn_type(odG, fn);
    npy_intp T, B, H;
    void *dG = ty < 0 ? NULL : k_lead(odG, fn, "dGh", ty, 3, 1, &T, &B, &H);
    if (!dG)
        return NULL;
    npy_intp s2[2] = {B, H}, s3[3] = {T, B, H};
    void *dZn = k_arr(odZn, fn, "dZn", 3, ty, s3, 1);
    void *da = dZn ? k_arr(oda, fn, "dha", 2, ty, s2, 1) : NULL;
    void *db = da ? k_arr(odb, fn, "dhb", 2, ty, s2, 1) : NULL;
    void *dout, *F, *w;
    if (!db || k_bwd_tail(fn, ty, odout, oF, ow, 5, 3, T, B, H, &dout, &F, &w) < 0)
        return NULL;
    K_RUN_RNN(ty, k_gru_bwd_ff(T, B, H, dG, dZn, da, db, dout, F, w),
              k_gru_bwd_fd(T, B, H, dG, dZn, da, db, dout, F, w));
}
