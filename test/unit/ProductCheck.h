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
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>

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

/// Runs `body(m, k, n, ta, tb)` for each shape {m, k, n} with each of the
/// four pairs of transposes, under a trace that names them.
template <typename Body>
void forEachTransposedShape(
    std::initializer_list<std::array<int64_t, 3>> shapes, Body body) {
  for (const auto &s : shapes)
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      SCOPED_TRACE(::testing::Message()
                   << "m=" << s[0] << " k=" << s[1] << " n=" << s[2]
                   << " ta=" << ta << " tb=" << tb);
      body(s[0], s[1], s[2], ta, tb);
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
