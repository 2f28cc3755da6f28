//===- SparseContract.cpp - Products through index pairs --------*- C++ -*-===//
//
// The CPU kernels of credo.sparse_contract (y[b, o_s] += w_s · x[b, i_s])
// and of its weight gradient (dw_s = Σ_b g[b, o_s] · x[b, i_s]). Both work
// on the batch-transposed operands, so that every index pair is one
// contiguous axpy or dot product over the batch (8 lanes at a time) instead
// of B scattered scalar updates; the transposes cost O(B·N), the pairs
// O(B·nnz). Every pair is checked: one outside its range is skipped and
// fails the call (credo_rt_take_status), never read or written.
//
//===----------------------------------------------------------------------===//

#include "../Internal.h"
#include "Simd.h"

#include "credo/kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <string>
#include <vector>

using namespace credo::rt;
using namespace credo::rt::simd;

namespace {

/// Scratch buffers per thread, grown as needed.
float *scratch(int slot, size_t floats) {
  thread_local std::vector<float> buffers[3];
  std::vector<float> &b = buffers[slot];
  if (b.size() < floats)
    b.resize(floats);
  return b.data();
}

/// to[c, r] = from[r, c] for r in [r0, r1), c in [c0, c1).
void transposeScalar(const float *from, float *to, int64_t rows, int64_t cols,
                     int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  constexpr int64_t kTile = 32;
  for (int64_t rb = r0; rb < r1; rb += kTile)
    for (int64_t cb = c0; cb < c1; cb += kTile)
      for (int64_t r = rb; r < std::min(r1, rb + kTile); ++r)
        for (int64_t c = cb; c < std::min(c1, cb + kTile); ++c)
          to[c * rows + r] = from[r * cols + c];
}

#if defined(__x86_64__)
/// The 8×8 blocks with AVX shuffles, the edges scalar.
CREDO_TARGET_AVX2 void transposeAvx2(const float *from, float *to, int64_t rows,
                                     int64_t cols) {
  const int64_t r8 = rows / 8 * 8, c8 = cols / 8 * 8;
  for (int64_t r0 = 0; r0 < r8; r0 += 8)
    for (int64_t c0 = 0; c0 < c8; c0 += 8) {
      __m256 v[8], t[8], s[8];
      for (int i = 0; i < 8; ++i)
        v[i] = _mm256_loadu_ps(from + (r0 + i) * cols + c0);
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
      }
      for (int i = 0; i < 8; i += 4) {
        s[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        s[i + 2] =
            _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[i + 3] =
            _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int j = 0; j < 4; ++j) {
        _mm256_storeu_ps(to + (c0 + j) * rows + r0,
                         _mm256_permute2f128_ps(s[j], s[j + 4], 0x20));
        _mm256_storeu_ps(to + (c0 + j + 4) * rows + r0,
                         _mm256_permute2f128_ps(s[j], s[j + 4], 0x31));
      }
    }
  transposeScalar(from, to, rows, cols, r8, rows, 0, cols);
  transposeScalar(from, to, rows, cols, 0, r8, c8, cols);
}
#endif

/// to[c, r] = from[r, c] for from [rows, cols].
void transpose(const float *from, float *to, int64_t rows, int64_t cols) {
#if defined(__x86_64__)
  if (cpuHasAvx2Fma())
    return transposeAvx2(from, to, rows, cols);
#endif
  transposeScalar(from, to, rows, cols, 0, rows, 0, cols);
}

/// Fails the call for pair `s` (its component `column` is `value`).
void badPair(int64_t s, int64_t tuples, int64_t column, int64_t value,
             int64_t limit) {
  failKernel("index tuple " + std::to_string(s) + " of " +
                 std::to_string(tuples) + " has component " +
                 std::to_string(column) + " = " + std::to_string(value) +
                 ", outside [0, " + std::to_string(limit) + ")",
             CREDO_ERR_INVALID_ARGUMENT);
}

struct Pairs {
  const int64_t *idx;
  int64_t tuples, c0, c1, limit0, limit1;
  /// The pair s as (output, input), or false (and the call failed) when it
  /// is outside the ranges.
  bool at(int64_t s, int64_t &o, int64_t &i) const {
    o = idx[2 * s + c0];
    i = idx[2 * s + c1];
    if (o < 0 || o >= limit0) {
      badPair(s, tuples, c0, o, limit0);
      return false;
    }
    if (i < 0 || i >= limit1) {
      badPair(s, tuples, c1, i, limit1);
      return false;
    }
    return true;
  }
};

/// yt[o, :] += w · xt[i, :] over every pair; rows of length `batch`.
CREDO_INLINE void accumulate(const Pairs &p, const float *w, const float *xt,
                             float *yt, int64_t batch) {
  const int64_t vecEnd = batch / 8 * 8;
  for (int64_t s = 0; s < p.tuples; ++s) {
    int64_t o, i;
    if (!p.at(s, o, i))
      continue;
    const float ws = w[s];
    const float *src = xt + i * batch;
    float *dst = yt + o * batch;
    Vec wv = Vec{} + ws;
    int64_t b = 0;
    for (; b < vecEnd; b += 8)
      store(dst + b, load(dst + b) + wv * load(src + b));
    for (; b < batch; ++b)
      dst[b] += ws * src[b];
  }
}

/// dw[s] = gt[o, :] · xt[i, :] over every pair.
CREDO_INLINE void dots(const Pairs &p, const float *gt, const float *xt,
                       float *dw, int64_t batch) {
  const int64_t vecEnd = batch / 8 * 8;
  for (int64_t s = 0; s < p.tuples; ++s) {
    int64_t o, i;
    if (!p.at(s, o, i)) {
      dw[s] = 0;
      continue;
    }
    const float *a = gt + o * batch, *x = xt + i * batch;
    Vec sum{};
    int64_t b = 0;
    for (; b < vecEnd; b += 8)
      sum += load(a + b) * load(x + b);
    float total = 0;
    for (int l = 0; l < 8; ++l)
      total += sum[l];
    for (; b < batch; ++b)
      total += a[b] * x[b];
    dw[s] = total;
  }
}

void accumulateBaseline(const Pairs &p, const float *w, const float *xt,
                        float *yt, int64_t batch) {
  accumulate(p, w, xt, yt, batch);
}
CREDO_TARGET_AVX2 void accumulateAvx2(const Pairs &p, const float *w,
                                      const float *xt, float *yt,
                                      int64_t batch) {
  accumulate(p, w, xt, yt, batch);
}
void dotsBaseline(const Pairs &p, const float *gt, const float *xt, float *dw,
                  int64_t batch) {
  dots(p, gt, xt, dw, batch);
}
CREDO_TARGET_AVX2 void dotsAvx2(const Pairs &p, const float *gt,
                                const float *xt, float *dw, int64_t batch) {
  dots(p, gt, xt, dw, batch);
}

} // namespace

extern "C" {

void credo_rt_sparse_contract_f32(const int64_t *indices, const float *weights,
                                  const float *x, float *y, int64_t tuples,
                                  int64_t batch, int64_t inputs, int64_t size,
                                  int64_t outColumn, int64_t inColumn) {
  Pairs p{indices, tuples, outColumn, inColumn, size, inputs};
  float *xt = scratch(0, size_t(batch * inputs));
  float *yt = scratch(1, size_t(batch * size));
  transpose(x, xt, batch, inputs);
  std::fill(yt, yt + batch * size, 0.0f);
  if (cpuHasAvx2Fma())
    accumulateAvx2(p, weights, xt, yt, batch);
  else
    accumulateBaseline(p, weights, xt, yt, batch);
  transpose(yt, y, size, batch);
}

void credo_rt_sparse_pair_dot_f32(const int64_t *indices, const float *grad,
                                  const float *x, float *dw, int64_t tuples,
                                  int64_t batch, int64_t outputs,
                                  int64_t inputs, int64_t outColumn,
                                  int64_t inColumn) {
  Pairs p{indices, tuples, outColumn, inColumn, outputs, inputs};
  float *gt = scratch(0, size_t(batch * outputs));
  float *xt = scratch(1, size_t(batch * inputs));
  transpose(grad, gt, batch, outputs);
  transpose(x, xt, batch, inputs);
  if (cpuHasAvx2Fma())
    dotsAvx2(p, gt, xt, dw, batch);
  else
    dotsBaseline(p, gt, xt, dw, batch);
}

} // extern "C"
