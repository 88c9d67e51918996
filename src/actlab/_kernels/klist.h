/* The list of elementwise kernels (X-macro), shared by kimpl.h and ufuncs.c.
 *   U: unary f(x)          B: binary f(x, a)         T: ternary f(x, a, b)
 *   F12: one input, two outputs                      F22: two inputs, two outputs
 * The order is the index into every kernel table. */
#ifndef ACTLAB_KLIST_H
#define ACTLAB_KLIST_H
#include <stddef.h>

#define K_LIST(U, B, T, F12, F22)                                                             \
    U(sigmoid) U(sigmoid_grad) U(sigmoid_grad2)                                                \
    U(log_sigmoid) U(log_sigmoid_grad) U(log_sigmoid_grad2)                                    \
    U(tanh) U(tanh_grad) U(tanh_grad2)                                                         \
    U(silu) U(silu_grad) U(silu_grad2)                                                         \
    U(gelu) U(gelu_grad) U(gelu_grad2)                                                         \
    U(gelu_tanh) U(gelu_tanh_grad) U(gelu_tanh_grad2)                                          \
    U(selu) U(selu_grad) U(selu_grad2)                                                         \
    U(mish) U(mish_grad) U(mish_grad2)                                                         \
    U(hard_sigmoid) U(hard_sigmoid_grad) U(hard_sigmoid_grad2)                                 \
    U(hard_swish) U(hard_swish_grad) U(hard_swish_grad2)                                       \
    U(relu) U(relu_grad) U(relu_grad2)                                                         \
    U(relu6) U(relu6_grad) U(relu6_grad2)                                                      \
    U(step) U(step_grad) U(step_grad2)                                                         \
    U(logit) U(logit_grad) U(logit_grad2)                                                      \
    B(leaky_relu) B(leaky_relu_grad) B(leaky_relu_grad2)                                       \
    B(elu) B(elu_grad) B(elu_grad2)                                                            \
    T(softplus) T(softplus_grad) T(softplus_grad2)                                             \
    F12(sigmoid_value_and_grad)                                                                \
    F22(bce_with_logits)

/* Recurrent-cell kernels C(NAME, inputs, outputs): every argument an array (no scalar
 * parameters); their element formulas are in kfuncs.h (k_lstm_cell, ...), their NumPy
 * twins in actlab/nn/recurrent.py.  Indices continue after K_LIST. */
#define K_CELLS(C)                                                                            \
    C(lstm_cell, 5, 8) C(lstm_cell_backward, 9, 5) C(gru_cell, 8, 6) C(gru_cell_backward, 8, 5)
#define K_MAXARG 16 /* most arguments (inputs + outputs) of one kernel */

/* Calling convention of every kernel: contiguous x = in[0] and outputs out[k]; parameters
 * in[1], in[2] are contiguous arrays, or single values when pscalar is set. */
typedef void (*kfun_d)(const double *const *in, double *const *out, int pscalar, ptrdiff_t n);
typedef void (*kfun_f)(const float *const *in, float *const *out, int pscalar, ptrdiff_t n);
/* one softmax / log_softmax row, contiguous; y may be x */
typedef void (*krow_d)(const double *x, double *y, ptrdiff_t n, int log);
typedef void (*krow_f)(const float *x, float *y, ptrdiff_t n, int log);

typedef struct {
    kfun_d fd;
    kfun_f ff;
} kpair;

typedef struct {
    const char *name;
    const kpair *elem;
    krow_d row_d;
    krow_f row_f;
} kvariant;

extern const kvariant actlab_kvariant_base;
#if defined(__x86_64__) && defined(__GNUC__)
extern const kvariant actlab_kvariant_avx2;
extern const kvariant actlab_kvariant_avx512;
#endif

#endif
