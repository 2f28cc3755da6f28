//===- SparseMatmul.h - Products with a mostly-zero operand ----*- C++ -*-===//
//
// y[M,N] = op(a) · b for a left operand with many exact zeros: the pixels of
// image data, ReLU outputs and the gradients masked by ReLU. The kernel
// finds the non-zeros of op(a) (a bit mask per row and block of 64 columns)
// and adds only their rows of b, so its cost follows the non-zeros, not
// M·K. DnnlKernels.cpp calls it first and falls back to oneDNN when it
// declines. Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_RUNTIME_SRC_CPU_SPARSEMATMUL_H
#define CREDO_RUNTIME_SRC_CPU_SPARSEMATMUL_H

#include <cstdint>

namespace credo::rt {

/// y = post(op(a) · op(b) (+ bias[N])), op(a) = a[M,K], or aᵀ of a stored
/// [K,M] when transposeA (likewise op(b) = b[K,N], or bᵀ of b stored [N,K]);
/// relu applies max(·, 0). Returns false, leaving y untouched, unless N is a
/// multiple of 8 and at most maxDensity of op(a)'s entries are non-zero.
/// A zero of op(a) contributes nothing, even against an infinite or NaN
/// entry of op(b) (a dense product would give NaN there). With
/// `accumulate`, y's values are added to instead (no bias, no ReLU); an
/// `addend` [M,N] (not y) is added to the product and bias at the end, the
/// same sum as adding it afterwards (no ReLU).
bool sparseMatmul(const float *a, bool transposeA, const float *b,
                  bool transposeB, const float *bias, float *y, int64_t m,
                  int64_t k, int64_t n, bool relu, double maxDensity,
                  bool accumulate = false, const float *addend = nullptr);

/// The masks of spikes s[rows][k] (credo_rt_spike_masks_f32): planes
/// [2][rows][ceil(k / 64)] of words, bit j of word w of a row for entry
/// 64w + j: a non-zero number, then a negative number or NaN (a NaN is the
/// pair (0, 1)).
void spikeMasks(const float *s, int64_t rows, int64_t k, uint64_t *masks);

/// y[K,N] (+)= sᵀ · d[B,N] for the spikes s[B,K] of `masks` (spikeMasks's
/// planes): ±1 where set, the sum of each output in order of b from y
/// (accumulate) or zero; NaN in the rows of y that a NaN spike reaches.
/// False when out of memory.
bool spikeMasksMatmul(const uint64_t *masks, const float *d, float *y,
                      int64_t k, int64_t b, int64_t n, bool accumulate);

/// y[B,N] = s · w[K,N] (+ bias[N]) (+ addend[B,N]) for the spikes s[B,K]
/// of `masks` (spikeMasks's planes): the sums of sparseMatmul on the f32
/// spikes, in order of k from the bias (or zero), then the addend (which
/// may be y); NaN in the rows of y that a NaN spike reaches. False when
/// out of memory.
bool spikeMasksDense(const uint64_t *masks, const float *w, const float *bias,
                     const float *addend, float *y, int64_t b, int64_t k,
                     int64_t n);

} // namespace credo::rt

#endif // CREDO_RUNTIME_SRC_CPU_SPARSEMATMUL_H
