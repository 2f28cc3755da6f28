//===- SmallMatmul.cpp - Products too small for a library call -----------===//
//
// With b in rows (no transpose) and rows of at least 4 outputs (or at most
// two products per output) the loops run i, k, j: every a[i, k] scales a
// contiguous row of b into the output row, which the compiler vectorizes
// over j. Otherwise they run i, j, k:
// one dot product per output, summed in a register (narrow outputs would
// otherwise chain every addition through memory). Either way each output
// adds its products in order of k.
//
//===----------------------------------------------------------------------===//

#include "SmallMatmul.h"

#include "Simd.h"

// One vector per loop step, not four (rows here are short, and a wider
// step would leave most of them to the scalar remainder). Sanitizer
// instrumentation keeps these loops from vectorizing at all; there the
// hint would only warn.
#if defined(__has_feature) && (__has_feature(address_sanitizer) ||             \
                               __has_feature(undefined_behavior_sanitizer))
#define CREDO_ONE_VECTOR_PER_STEP
#else
#define CREDO_ONE_VECTOR_PER_STEP                                              \
  _Pragma("clang loop vectorize_width(8) interleave_count(1)")
#endif

namespace credo::rt {
namespace {

/// The loops for one pair of transposes (no run-time branch inside them).
/// The output is a buffer of its own (generated code never passes an
/// operand as the output), hence __restrict.
template <bool TA, bool TB>
[[gnu::always_inline]] inline void
multiply(const float *__restrict a, const float *__restrict b,
         const float *__restrict bias, float *__restrict y, int64_t m,
         int64_t k, int64_t n, bool relu) {
#pragma clang fp contract(off)
  auto at = [&](int64_t i, int64_t p) {
    return TA ? a[p * m + i] : a[i * k + p];
  };
  for (int64_t i = 0; i < m; ++i) {
    float *row = y + i * n;
    if (!TB && (n >= 4 || k <= 2)) {
      // Row updates: the first product initializes the row (no
      // write-then-read of a cleared row), the others add to it.
      const float s0 = at(i, 0);
      CREDO_ONE_VECTOR_PER_STEP
      for (int64_t j = 0; j < n; ++j)
        row[j] = (bias ? bias[j] : 0.0f) + s0 * b[j];
      for (int64_t p = 1; p < k; ++p) {
        const float s = at(i, p);
        const float *bp = b + p * n;
        CREDO_ONE_VECTOR_PER_STEP
        for (int64_t j = 0; j < n; ++j)
          row[j] += s * bp[j];
      }
    } else {
      // Dot products, b[p, j] at p * n + j, or at j * k + p when transposed.
      for (int64_t j = 0; j < n; ++j) {
        float acc = bias ? bias[j] : 0.0f;
        for (int64_t p = 0; p < k; ++p)
          acc += at(i, p) * (TB ? b[j * k + p] : b[p * n + j]);
        row[j] = acc;
      }
    }
    if (relu)
      for (int64_t j = 0; j < n; ++j)
        row[j] = row[j] < 0.0f ? 0.0f : row[j]; // NaN stays NaN
  }
}

template <bool TA, bool TB>
void multiplyBaseline(const float *a, const float *b, const float *bias,
                      float *y, int64_t m, int64_t k, int64_t n, bool relu) {
  multiply<TA, TB>(a, b, bias, y, m, k, n, relu);
}

/// The same loops compiled for AVX2 (8-wide; still no fused multiply-add).
template <bool TA, bool TB>
CREDO_TARGET_AVX2 void multiplyAvx2(const float *a, const float *b,
                                    const float *bias, float *y, int64_t m,
                                    int64_t k, int64_t n, bool relu) {
  multiply<TA, TB>(a, b, bias, y, m, k, n, relu);
}

} // namespace

bool smallMatmul(const float *a, bool transposeA, const float *b,
                 bool transposeB, const float *bias, float *y, int64_t m,
                 int64_t k, int64_t n, bool relu) {
  if (m <= 0 || k <= 0 || n <= 0 || m > kSmallProduct || k > kSmallProduct ||
      n > kSmallProduct || m * k * n > kSmallProduct)
    return false;
  using Fn = void (*)(const float *, const float *, const float *, float *,
                      int64_t, int64_t, int64_t, bool);
  static const bool avx2 = simd::cpuHasAvx2Fma();
  static const Fn table[2][4] = {
      {multiplyBaseline<false, false>, multiplyBaseline<false, true>,
       multiplyBaseline<true, false>, multiplyBaseline<true, true>},
      {multiplyAvx2<false, false>, multiplyAvx2<false, true>,
       multiplyAvx2<true, false>, multiplyAvx2<true, true>}};
  table[avx2][2 * transposeA + transposeB](a, b, bias, y, m, k, n, relu);
  return true;
}

} // namespace credo::rt
