//===- ProductCheck.h - A kernel's product against loops ---------*- C++
//-*-===//
//
// The check the product kernels' tests share: every output against its sum
// in double, within a few ulps of the terms' total magnitude.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TEST_UNIT_PRODUCTCHECK_H
#define CREDO_TEST_UNIT_PRODUCTCHECK_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace credo::test {

/// y[i·n + j] = post(start(i, j) + Σ_kk term(i, j, kk)), the sum in double,
/// post = max(·, 0) with `relu`.
template <typename Start, typename Term>
void expectSums(const float *y, int64_t m, int64_t n, int64_t k, Start start,
                Term term, bool relu = false) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = start(i, j), magnitude = std::fabs(acc);
      for (int64_t kk = 0; kk < k; ++kk) {
        double t = term(i, j, kk);
        acc += t;
        magnitude += std::fabs(t);
      }
      if (relu)
        acc = std::max(acc, 0.0);
      // f32 rounding of the sum: a few ulps of the terms' total magnitude.
      ASSERT_NEAR(y[i * n + j], acc, 1e-6 * (1 + magnitude))
          << "at " << i << ", " << j;
    }
}

/// y = y0 + aᵀ·b (y0 may be absent), a stored [k][m] and b [k][n].
inline void expectTransposedProduct(const float *y, const float *y0,
                                    const float *a, const float *b, int64_t m,
                                    int64_t k, int64_t n) {
  expectSums(
      y, m, n, k,
      [&](int64_t i, int64_t j) { return y0 ? double(y0[i * n + j]) : 0.0; },
      [&](int64_t i, int64_t j, int64_t kk) {
        return double(a[kk * m + i]) * b[kk * n + j];
      });
}

} // namespace credo::test

#endif // CREDO_TEST_UNIT_PRODUCTCHECK_H
