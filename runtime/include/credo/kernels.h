/*===- credo/kernels.h - CPU kernels called by generated code ----*- C -*-===*\
|*                                                                          *|
|* The oneDNN-backed kernels that Credo's CPU code generator calls. Buffers *|
|* are contiguous (bare pointers); shapes are passed as 64-bit integers.    *|
|* Kernels cache one oneDNN primitive per shape (per thread) and record     *|
|* failures for credo_rt_take_status().                                     *|
|*                                                                          *|
|* Image tensors [B,C,H,W] are either plain (row-major NCHW) or channel-    *|
|* blocked (oneDNN's nChw8c: row-major [B, C/8, H, W, 8], C a multiple of   *|
|* 8). The `layouts` argument of an image kernel says which: bit i set      *|
|* means its i-th image argument, counted in parameter order, is blocked.   *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#ifndef CREDO_KERNELS_H
#define CREDO_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The C API is what libcredo_runtime exports (built with hidden
 * visibility otherwise). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* Activation fused into a dense or conv2d kernel (a oneDNN post-op). */
enum credo_rt_post_op { CREDO_POST_NONE = 0, CREDO_POST_RELU = 1 };

/* y[M,N] = post(x[M,K] · w[K,N] (+ b[N])) */
void credo_rt_dense_f32(const float *x, const float *w, float *y, int64_t m,
                        int64_t k, int64_t n, int64_t post);
void credo_rt_dense_bias_f32(const float *x, const float *w, const float *b,
                             float *y, int64_t m, int64_t k, int64_t n,
                             int64_t post);

/* y[M,N] = op(a) · op(b), op(a) = a[M,K], or aᵀ of a stored [K,M] when
 * transpose_a (likewise b: [K,N], or stored [N,K] when transpose_b). */
void credo_rt_matmul_f32(const float *a, const float *b, float *y, int64_t m,
                         int64_t k, int64_t n, int64_t transpose_a,
                         int64_t transpose_b);
/* y[M,N] += op(a) · op(b), as credo_rt_matmul_f32 (a gradient summed over
 * time steps, added where it is computed). */
void credo_rt_matmul_acc_f32(const float *a, const float *b, float *y,
                             int64_t m, int64_t k, int64_t n,
                             int64_t transpose_a, int64_t transpose_b);
/* y[M,N] = (x[M,K] · w[K,N] (+ b[N])) + c[M,N]: a dense layer and what it
 * is added to, in one pass over y, the same sums as the layer and then the
 * addition (c may be y, or not overlap it). */
void credo_rt_dense_add_f32(const float *x, const float *w, const float *c,
                            float *y, int64_t m, int64_t k, int64_t n);
void credo_rt_dense_bias_add_f32(const float *x, const float *w, const float *b,
                                 const float *c, float *y, int64_t m, int64_t k,
                                 int64_t n);

/* Channel block of the blocked image layout. */
#define CREDO_CHANNEL_BLOCK 8

/* Image layout conversion: plain x[B,C,H,W] to blocked y, and back. */
void credo_rt_to_blocked_f32(const float *x, float *y, int64_t b, int64_t c,
                             int64_t h, int64_t w);
void credo_rt_from_blocked_f32(const float *x, float *y, int64_t b, int64_t c,
                               int64_t h, int64_t w);

/* y[B,O,OH,OW] = post(conv(x[B,C,H,W], w[O,C,KH,KW]) (+ b[O])) with
 * strides (sh, sw) and symmetric zero padding (ph, pw); images x, y. */
#define CREDO_CONV2D_SHAPE_ARGS                                                \
  int64_t b, int64_t c, int64_t h, int64_t w_, int64_t o, int64_t kh,          \
      int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh,  \
      int64_t ow, int64_t post, int64_t layouts
void credo_rt_conv2d_f32(const float *x, const float *w, float *y,
                         CREDO_CONV2D_SHAPE_ARGS);
void credo_rt_conv2d_bias_f32(const float *x, const float *w, const float *bias,
                              float *y, CREDO_CONV2D_SHAPE_ARGS);

/* Gradients of conv2d (no post-op): dx from dy and w (images dy, dx), dw
 * from x and dy (images x, dy), and with it db[O] = sum of dy over b, h, w;
 * the sizes are those of the forward convolution. */
#define CREDO_CONV2D_GRAD_SHAPE_ARGS                                           \
  int64_t b, int64_t c, int64_t h, int64_t w_, int64_t o, int64_t kh,          \
      int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh,  \
      int64_t ow, int64_t layouts
void credo_rt_conv2d_grad_input_f32(const float *dy, const float *w, float *dx,
                                    CREDO_CONV2D_GRAD_SHAPE_ARGS);
void credo_rt_conv2d_grad_weight_f32(const float *x, const float *dy, float *dw,
                                     CREDO_CONV2D_GRAD_SHAPE_ARGS);
void credo_rt_conv2d_grad_weight_bias_f32(const float *x, const float *dy,
                                          float *dw, float *db,
                                          CREDO_CONV2D_GRAD_SHAPE_ARGS);

/* Pooling of x[B,C,H,W] into y[B,C,OH,OW] with a (kh, kw) window, strides
 * (sh, sw) and padding (ph, pw); images x, y. Average pooling excludes
 * padding. */
#define CREDO_POOL2D_SHAPE_ARGS                                                \
  int64_t b, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw,          \
      int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh, int64_t ow,  \
      int64_t layouts
void credo_rt_max_pool2d_f32(const float *x, float *y, CREDO_POOL2D_SHAPE_ARGS);
void credo_rt_avg_pool2d_f32(const float *x, float *y, CREDO_POOL2D_SHAPE_ARGS);

/* Gradient of max pooling (images dy, x, dx): each dy[b,c,i,j] is added to
 * dx at the first maximum of its window in x (row-major order); with
 * relu_mask, dx is then multiplied by [x > 0] (relu_grad fused). */
void credo_rt_max_pool2d_grad_f32(const float *dy, const float *x, float *dx,
                                  CREDO_POOL2D_SHAPE_ARGS, int64_t relu_mask);

/* Softmax of x viewed as [outer, axis, inner] along the middle dimension. */
void credo_rt_softmax_f32(const float *x, float *y, int64_t outer, int64_t axis,
                          int64_t inner);

/* Elementwise activations over n elements. */
void credo_rt_relu_f32(const float *x, float *y, int64_t n);
void credo_rt_sigmoid_f32(const float *x, float *y, int64_t n);
void credo_rt_tanh_f32(const float *x, float *y, int64_t n);
void credo_rt_softplus_f32(const float *x, float *y, int64_t n);

/* The class labels of a loss (or a sampler's given classes): `first_bad`
 * is the first position in [0, count) whose label `value` lies outside
 * [0, classes), or `count` if every label is a class. Records the failure
 * (CREDO_ERR_INVALID_ARGUMENT) that the entry point returns; `site` names
 * the node and the values ("node 'loss': label"). */
void credo_rt_check_labels(int64_t first_bad, int64_t value, int64_t count,
                           int64_t classes, const char *site);

/* The sparse contraction through index pairs idx[S, 2] (credo.sparse_contract):
 * y[b, idx[s, out_column]] += w[s] · x[b, idx[s, in_column]] for x[B, N]
 * and y[B, size] (set, not accumulated into). A pair outside the ranges is
 * skipped and fails the call. */
void credo_rt_sparse_contract_f32(const int64_t *indices, const float *weights,
                                  const float *x, float *y, int64_t tuples,
                                  int64_t batch, int64_t inputs, int64_t size,
                                  int64_t out_column, int64_t in_column);
/* Its weight gradient: dw[s] = Σ_b grad[b, idx[s, out_column]] ·
 * x[b, idx[s, in_column]] for grad[B, outputs] and x[B, inputs]. */
void credo_rt_sparse_pair_dot_f32(const int64_t *indices, const float *grad,
                                  const float *x, float *dw, int64_t tuples,
                                  int64_t batch, int64_t outputs,
                                  int64_t inputs, int64_t out_column,
                                  int64_t in_column);

/* The masks of spikes s[rows][k] (entries −1, 0, +1): planes
 * masks[2][rows][ceil(k / 64)], bit j of word w of a row for entry 64w + j:
 * a non-zero number, then a negative number or NaN (NaN: the pair (0, 1)). */
void credo_rt_spike_masks_f32(const float *s, int64_t *masks, int64_t rows,
                              int64_t k);
/* y[K,N] = sᵀ · d[B,N] (_acc: y +=) for the spikes s[B,K] given by such
 * masks: ±1 where set (−1 where also negative), each output summed in
 * order of b from zero (or from y); NaN where a NaN spike reaches. */
void credo_rt_spike_masks_matmul_f32(const int64_t *masks, const float *d,
                                     float *y, int64_t k, int64_t b, int64_t n);
void credo_rt_spike_masks_matmul_acc_f32(const int64_t *masks, const float *d,
                                         float *y, int64_t k, int64_t b,
                                         int64_t n);
/* y[B,N] = s · w[K,N] (+ bias[N]) (+ c[B,N]) for the spikes s[B,K] given
 * by such masks: a dense layer of spikes whose masks a step makes anyway
 * (for its record). Each output is summed in order of k from the bias (or
 * zero), then c is added (c may be y): the sums of credo_rt_dense_*_f32 on
 * the f32 spikes where those take the zero-skipping kernel. A NaN spike
 * makes its row of y NaN. */
void credo_rt_spike_masks_dense_f32(const int64_t *masks, const float *w,
                                    float *y, int64_t b, int64_t k, int64_t n);
void credo_rt_spike_masks_dense_bias_f32(const int64_t *masks, const float *w,
                                         const float *bias, float *y, int64_t b,
                                         int64_t k, int64_t n);
void credo_rt_spike_masks_dense_add_f32(const int64_t *masks, const float *w,
                                        const float *c, float *y, int64_t b,
                                        int64_t k, int64_t n);
void credo_rt_spike_masks_dense_bias_add_f32(const int64_t *masks,
                                             const float *w, const float *bias,
                                             const float *c, float *y,
                                             int64_t b, int64_t k, int64_t n);

/* The index tuples of a gather, scatter-add or sparse contraction:
 * `first_bad` is the first of `count` tuples (row-major) whose component
 * `column` is `value`, outside [0, limit), or `count` if all are inside.
 * Records the failure (CREDO_ERR_INVALID_ARGUMENT) that the entry point
 * returns; generated code reads and writes only clamped positions. */
void credo_rt_check_indices(int64_t first_bad, int64_t value, int64_t count,
                            int64_t column, int64_t limit, const char *site);
/* The same for the tuples a time loop's step `step` reads (a sequence of
 * index tuples sliced step by step): the message names the step. */
void credo_rt_check_indices_at(int64_t first_bad, int64_t value, int64_t count,
                               int64_t column, int64_t limit, const char *site,
                               int64_t step);

/* Float values with a requirement (a sampler's logits finite, a given
 * Bernoulli sample 0 or 1): `first_bad` is the first of `count` elements
 * (row-major) that breaks it, with its `value`, or `count` if none. Records
 * "SITE FIRST of COUNT is VALUE, but REQUIREMENT" as the failure
 * (CREDO_ERR_INVALID_ARGUMENT) that the entry point returns. */
void credo_rt_check_values(int64_t first_bad, double value, int64_t count,
                           const char *site, const char *requirement);

/*===--- Vulkan executor (credoc --target vulkan) ---------------------===*/

/* Kinds of a kernel argument in credo_rt_vk_dispatch's table. */
enum {
  CREDO_VK_ARG_BUFFER = 0,   /* value: a buffer's address; bytes: its span */
  CREDO_VK_ARG_SCALAR32 = 1, /* value: 32 bits (an index, i32 or f32) */
  CREDO_VK_ARG_SCALAR64 = 2, /* value: 64 bits (i64 or f64) */
  CREDO_VK_ARG_WRITTEN = 16, /* or-ed into BUFFER: the kernel writes it */
  CREDO_VK_ARG_PUSH = 32     /* or-ed into SCALAR*: a push constant, at the
                                next offset aligned to its size, in argument
                                order (else a storage buffer of its own) */
};

/* A buffer of `bytes` in device memory that the host may map (256-byte
 * aligned), from the executor's blocks; ends the guarded call with a
 * message when the device has none or the size exceeds its largest storage
 * buffer. */
void *credo_rt_vk_alloc(size_t bytes);
/* The same for generated code that asks for an alignment (at most 256, the
 * buffers' own): `bytes` is what it needs, so a buffer of the device's
 * largest size fits. */
void *credo_rt_vk_aligned_alloc(size_t alignment, size_t bytes);
/* Returns a buffer (after the dispatches that may use it have run). */
void credo_rt_vk_free(void *ptr);
/* Submits the recorded dispatches and waits for them (nothing if none). */
void credo_rt_vk_sync(void);
/* credo_rt_vk_sync if a recorded dispatch writes a byte of
 * [address, address + bytes), or reads one and `write` is nonzero: the
 * host is about to read (write) that memory. */
void credo_rt_vk_sync_range(int64_t address, int64_t bytes, int64_t write);
/* 1 if kernels may use subgroup sums on the device (subgroup arithmetic in
 * compute kernels, Vulkan 1.1; CREDO_VULKAN_SUBGROUPS=0 turns them off),
 * else 0: the generated code picks each sum's kernel by it. */
int32_t credo_rt_vk_subgroup_reduce(void);
/* An entry point's results: `count` triples (to, from, bytes) at address
 * `table`, the caller's buffer and the device buffer holding the result.
 * Where the caller's buffer is a device buffer too (a model's parameters
 * kept there), the copy is recorded on the device; the others are fetched
 * together and copied on the host. */
void credo_rt_vk_results(int64_t count, int64_t table);
/* Copies `bytes` from address `from` to `to`: on the device when both are
 * device buffers (recorded with the kernels), else on the host after the
 * recorded work that writes what it reads, or touches what it writes. */
void credo_rt_vk_copy(int64_t to, int64_t from, int64_t bytes);
/* Records a dispatch of the kernel whose SPIR-V is the `count` words at
 * address `words` (entry point: the C string at `entry`; `label`: the
 * kernel's name in profiles, "FUNCTION NODE #K") over
 * gx × gy × gz workgroups; `table` holds `n` triples (kind, value, bytes),
 * one per binding (set 0, binding = argument index). Pipelines are created
 * once per kernel. Failures are recorded for the guarded call. */
void credo_rt_vk_dispatch(int64_t words, int64_t count, int64_t entry,
                          int64_t label, int64_t gx, int64_t gy, int64_t gz,
                          int64_t n, int64_t table);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CREDO_KERNELS_H */
