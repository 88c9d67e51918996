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

/* row-major C (M x N) = op(A) op(B) + beta C, op(X) = X ('N') or X^T ('T'), A's and B's row
 * strides lda, ldb: the column-major gemm of the transposes, C^T = op(B)^T op(A)^T (a
 * row-major matrix is its transpose in column-major order, so the flags carry over). */
#define K_DEFINE_GEMM(SUF, T_, FT, FT64)                                                     \
    static void k_gemm_##SUF(char ta, char tb, int M, int N, int K, const T_ *A, int lda,      \
                             const T_ *B, int ldb, T_ beta, T_ *C, int ldc)                  \
    {                                                                                        \
        T_ one = 1;                                                                          \
        if (g_ilp64) {                                                                       \
            int64_t m = M, nn = N, k = K, la = lda, lb = ldb, lc = ldc;                      \
            ((FT64)g_##SUF##gemm)(&tb, &ta, &nn, &m, &k, &one, (T_ *)B, &lb, (T_ *)A, &la, &beta, C, &lc); \
        } else {                                                                             \
            ((FT)g_##SUF##gemm)(&tb, &ta, &N, &M, &K, &one, (T_ *)B, &ldb, (T_ *)A, &lda, &beta, C, &ldc); \
        }                                                                                    \
    }
#define g_ffgemm g_sgemm
#define g_fdgemm g_dgemm
K_DEFINE_GEMM(ff, float, k_sgemm_t, k_sgemm64_t)
K_DEFINE_GEMM(fd, double, k_dgemm_t, k_dgemm64_t)

/* ------------------------------------------------------------------ loops, per dtype
 * LSTM forward  U (T+1, B, K) = [h_{t-1}, x_t, 1] rows, W (K, 4H), cs (T+1, B, H),
 *               F (6, T, B, H).  Writes h_t into U[t+1, :, :H], c_t into cs[t+1], factors.
 * LSTM backward dh, dc (B, H) in/out, dout (T, B, H) or NULL, F (6, T, B, H), w_hh (4H, H),
 *               U and w_ih (4H, I) in; dWU (4H, K) = [dW_hh, dW_ih, db] and dx (T, B, I) out,
 *               computed chunk by chunk of ~256 rows while the chunk's dZ is in cache.
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
            k_gemm_##SUF('N', 'N', (int)B, (int)G, (int)K, U + t * B * K, (int)K, W, (int)G, 0, R, (int)G); \
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
    static int k_lstm_bwd_##SUF(npy_intp T, npy_intp B, npy_intp K, npy_intp H, npy_intp In,     \
                                T_ *dh, T_ *dc, const T_ *dout, const T_ *F, const T_ *whh,  \
                                const T_ *U, const T_ *wih, T_ *dWU, T_ *dx)                 \
    {                                                                                        \
        const npy_intp G = 4 * H;                                                            \
        npy_intp C = 256 / B; /* steps per chunk: ~256 rows, dZ of a chunk stays in cache */ \
        C = C < 1 ? 1 : (C > T ? T : C);                                                     \
        T_ *buf = (T_ *)malloc((size_t)(C * B * G) * sizeof(T_));                            \
        T_ *zero = (T_ *)calloc((size_t)H, sizeof(T_));                                      \
        if (!buf || !zero) {                                                                 \
            free(buf);                                                                       \
            free(zero);                                                                      \
            return -1;                                                                       \
        }                                                                                    \
        kfun_##SUF fn = g_var->elem[KI_lstm_cell_backward].SUF;                              \
        for (npy_intp t1 = T; t1 > 0;) {                                                     \
            npy_intp t0 = t1 - C < 0 ? 0 : t1 - C;                                           \
            for (npy_intp t = t1 - 1; t >= t0; t--) {                                        \
                T_ *dz = buf + (t - t0) * B * G;                                             \
                for (npy_intp b = 0; b < B; b++) {                                           \
                    const T_ *in[9] = {dh + b * H, dout ? dout + (t * B + b) * H : zero,     \
                                       dc + b * H};                                          \
                    for (int k = 0; k < 6; k++)                                              \
                        in[3 + k] = F + ((k * T + t) * B + b) * H;                           \
                    T_ *d = dz + b * G;                                                      \
                    T_ *out[5] = {d + 3 * H, d, d + H, d + 2 * H, dc + b * H};               \
                    fn(in, out, 0, H);                                                       \
                }                                                                            \
                k_gemm_##SUF('N', 'N', (int)B, (int)H, (int)G, dz, (int)G, whh, (int)H, 0, dh, (int)H); \
            }                                                                                \
            /* the chunk's rows: [dW_hh, dW_ih, db] += dZ^T U[t0:t1], dx[t0:t1] = dZ W_ih */ \
            int rows = (int)((t1 - t0) * B);                                                 \
            k_gemm_##SUF('T', 'N', (int)G, (int)K, rows, buf, (int)G, U + t0 * B * K, (int)K,  \
                         t1 == T ? 0 : 1, dWU, (int)K);                                      \
            k_gemm_##SUF('N', 'N', rows, (int)In, (int)G, buf, (int)G, wih, (int)In, 0,        \
                         dx + t0 * B * In, (int)In);                                         \
            t1 = t0;                                                                         \
        }                                                                                    \
        free(buf);                                                                           \
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
            k_gemm_##SUF('N', 'N', (int)B, (int)G, (int)H, hs + t * B * H, (int)H, whht, (int)G, 0, R, (int)G); \
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
            k_gemm_##SUF('N', 'N', (int)B, (int)H, (int)G, dGh + t * B * G, (int)G, whh, (int)H, 0, dhb, (int)H); \
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
    PyObject *odh, *odc, *odout, *oF, *ow, *oU, *owi, *odW, *odx;
    if (!PyArg_ParseTuple(args, "OOOOOOOOO:lstm_backward", &odh, &odc, &odout, &oF, &ow, &oU, &owi,
                          &odW, &odx))
        return NULL;
    int ty = k_rnn_type(oU, fn);
    npy_intp T, B, K, any3[3] = {-1, -1, -1};
    void *U = ty < 0 ? NULL : k_arr(oU, fn, "U", 3, ty, any3, 0);
    if (!U)
        return NULL;
    PyArrayObject *aU = (PyArrayObject *)oU;
    T = PyArray_DIM(aU, 0) - 1;
    B = PyArray_DIM(aU, 1);
    K = PyArray_DIM(aU, 2);
    if (T < 1 || !PyArray_Check(odW) || PyArray_NDIM((PyArrayObject *)odW) != 2 ||
        PyArray_DIM((PyArrayObject *)odW, 0) % 4 != 0) {
        PyErr_Format(PyExc_ValueError, "%s: U must be (T+1, B, K) with T >= 1, dWU (4H, K)", fn);
        return NULL;
    }
    npy_intp H = PyArray_DIM((PyArrayObject *)odW, 0) / 4, In = K - H - 1;
    if (In < 0) {
        PyErr_Format(PyExc_ValueError, "%s: U's K = %zd is less than H + 1 = %zd", fn, (Py_ssize_t)K,
                     (Py_ssize_t)(H + 1));
        return NULL;
    }
    npy_intp s2[2] = {B, H}, sW[2] = {4 * H, K}, sI[2] = {4 * H, In}, sx[3] = {T, B, In};
    void *dh = k_arr(odh, fn, "dh", 2, ty, s2, 1);
    void *dc = dh ? k_arr(odc, fn, "dc", 2, ty, s2, 1) : NULL;
    void *dW = dc ? k_arr(odW, fn, "dWU", 2, ty, sW, 1) : NULL;
    void *wi = dW ? k_arr(owi, fn, "w_ih", 2, ty, sI, 0) : NULL;
    void *dx = wi ? k_arr(odx, fn, "dx", 3, ty, sx, 1) : NULL;
    void *dout, *F, *w;
    if (!dx || k_bwd_tail(fn, ty, odout, oF, ow, 6, 4, T, B, H, &dout, &F, &w) < 0)
        return NULL;
    K_RUN_RNN(ty, k_lstm_bwd_ff(T, B, K, H, In, dh, dc, dout, F, w, U, wi, dW, dx),
              k_lstm_bwd_fd(T, B, K, H, In, dh, dc, dout, F, w, U, wi, dW, dx));
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
