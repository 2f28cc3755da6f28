//===- ProductCheck.h - A kernel's product against loops ---------*- C++
//-*-===//
//
// The check the product kernels' tests share: y = y0 + aᵀ·b (y0 may be
// absent), a stored [k][m] and b [k][n], summed in double, within a few
// ulps of the terms' total magnitude.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TEST_UNIT_PRODUCTCHECK_H
#define CREDO_TEST_UNIT_PRODUCTCHECK_H

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace credo::test {

inline void expectTransposedProduct(const float *y, const float *y0,
                                    const float *a, const float *b, int64_t m,
                                    int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = y0 ? y0[i * n + j] : 0.0, magnitude = std::fabs(acc);
      for (int64_t kk = 0; kk < k; ++kk) {
        double term = double(a[kk * m + i]) * b[kk * n + j];
        acc += term;
        magnitude += std::fabs(term);
      }
      // f32 rounding of the sum: a few ulps of the terms' total magnitude.
      ASSERT_NEAR(y[i * n + j], acc, 1e-6 * (1 + magnitude))
          << "at " << i << ", " << j;
    }
}

} // namespace credo::test

#endif // CREDO_TEST_UNIT_PRODUCTCHECK_H
