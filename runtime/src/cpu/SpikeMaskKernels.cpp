//===- SpikeMaskKernels.cpp - Spikes as bit masks ---------------*- C++ -*-===//
//
// The CPU kernels of credo.spike_masks and credo.spike_masks_matmul: a
// step's spikes (entries −1, 0, +1) as two bit masks, the weight gradient
// sᵀ·d read from them, and the dense layer s·w of spikes whose masks the
// step makes anyway. A time loop records the masks (1/16 of the f32
// spikes), and the products need neither a search for the non-zeros of the
// spikes nor their values (SparseMatmul.cpp does the products).
//
//===----------------------------------------------------------------------===//

#include "../Internal.h"
#include "SparseMatmul.h"

#include "credo/kernels.h"

#include <string>

using namespace credo::rt;

void credo_rt_spike_masks_f32(const float *s, int64_t *masks, int64_t rows,
                              int64_t k) {
  spikeMasks(s, rows, k, reinterpret_cast<uint64_t *>(masks));
}

namespace {
void spikeMasksMatmul(const int64_t *masks, const float *d, float *y, int64_t k,
                      int64_t b, int64_t n, bool accumulate) {
  if (!credo::rt::spikeMasksMatmul(reinterpret_cast<const uint64_t *>(masks), d,
                                   y, k, b, n, accumulate))
    failKernel("out of memory for the spike masks of a " + std::to_string(b) +
                   " x " + std::to_string(k) + " product",
               CREDO_ERR_OUT_OF_MEMORY);
}
} // namespace

void credo_rt_spike_masks_matmul_f32(const int64_t *masks, const float *d,
                                     float *y, int64_t k, int64_t b,
                                     int64_t n) {
  spikeMasksMatmul(masks, d, y, k, b, n, /*accumulate=*/false);
}

void credo_rt_spike_masks_matmul_acc_f32(const int64_t *masks, const float *d,
                                         float *y, int64_t k, int64_t b,
                                         int64_t n) {
  spikeMasksMatmul(masks, d, y, k, b, n, /*accumulate=*/true);
}

namespace {
void spikeMasksDense(const int64_t *masks, const float *w, const float *bias,
                     const float *c, float *y, int64_t b, int64_t k,
                     int64_t n) {
  if (!credo::rt::spikeMasksDense(reinterpret_cast<const uint64_t *>(masks), w,
                                  bias, c, y, b, k, n))
    failKernel("out of memory for a dense layer of " + std::to_string(b) +
                   " x " + std::to_string(n) + " spikes",
               CREDO_ERR_OUT_OF_MEMORY);
}
} // namespace

void credo_rt_spike_masks_dense_f32(const int64_t *masks, const float *w,
                                    float *y, int64_t b, int64_t k, int64_t n) {
  spikeMasksDense(masks, w, nullptr, nullptr, y, b, k, n);
}

void credo_rt_spike_masks_dense_bias_f32(const int64_t *masks, const float *w,
                                         const float *bias, float *y, int64_t b,
                                         int64_t k, int64_t n) {
  spikeMasksDense(masks, w, bias, nullptr, y, b, k, n);
}

void credo_rt_spike_masks_dense_add_f32(const int64_t *masks, const float *w,
                                        const float *c, float *y, int64_t b,
                                        int64_t k, int64_t n) {
  spikeMasksDense(masks, w, nullptr, c, y, b, k, n);
}

void credo_rt_spike_masks_dense_bias_add_f32(const int64_t *masks,
                                             const float *w, const float *bias,
                                             const float *c, float *y,
                                             int64_t b, int64_t k, int64_t n) {
  spikeMasksDense(masks, w, bias, c, y, b, k, n);
}
