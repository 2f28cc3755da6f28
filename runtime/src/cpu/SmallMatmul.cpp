//===- SmallMatmul.cpp - Products too small for a library call -----------===//
//
// With b in rows (no transpose) and rows of at least 16 outputs (or at most
// two products per output) the loops run i, k, j: every a[i, k] scales a
// contiguous row of b into the output row, which the compiler vectorizes
// over j. Otherwise they run i, j, k:
// one dot product per output, summed in a register (narrow outputs would
// otherwise chain every addition through memory). Either way each output
// adds its products in order of k.
//
//===----------------------------------------------------------------------===//

#include "SmallMatmul.h"

namespace credo::rt {
namespace {

/// The loops for one pair of transposes (no run-time branch inside them).
template <bool TA, bool TB>
void multiply(const float *__restrict a, const float *__restrict b,
              const float *__restrict bias, float *__restrict y, int64_t m,
              int64_t k, int64_t n, bool relu) {
#pragma clang fp contract(off)
  auto at = [&](int64_t i, int64_t p) {
    return TA ? a[p * m + i] : a[i * k + p];
  };
  for (int64_t i = 0; i < m; ++i) {
    float *row = y + i * n;
    if (!TB && (n >= 16 || k <= 2)) {
      // Row updates: the first product initializes the row (no
      // write-then-read of a cleared row), the others add to it.
      const float s0 = at(i, 0);
      for (int64_t j = 0; j < n; ++j)
        row[j] = (bias ? bias[j] : 0.0f) + s0 * b[j];
      for (int64_t p = 1; p < k; ++p) {
        const float s = at(i, p);
        const float *bp = b + p * n;
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

} // namespace

// The output is a buffer of its own (generated code never passes an
// operand as the output), hence __restrict.
bool smallMatmul(const float *a, bool transposeA, const float *b,
                 bool transposeB, const float *bias, float *y, int64_t m,
                 int64_t k, int64_t n, bool relu) {
  if (m <= 0 || k <= 0 || n <= 0 || m > kSmallProduct || k > kSmallProduct ||
      n > kSmallProduct || m * k * n > kSmallProduct)
    return false;
  if (transposeA)
    (transposeB ? multiply<true, true> : multiply<true, false>)(a, b, bias, y,
                                                                m, k, n, relu);
  else
    (transposeB ? multiply<false, true>
                : multiply<false, false>)(a, b, bias, y, m, k, n, relu);
  return true;
}

} // namespace credo::rt
