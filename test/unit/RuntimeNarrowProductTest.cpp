//===- RuntimeNarrowProductTest.cpp - Narrow weight gradients ---*- C++ -*-===//
//
// y = aᵀ·b with few columns (an output layer's weight gradient), which the
// CPU kernels compute as the transpose of the wide product bᵀ·a: compared
// with direct loops in double, plain and accumulating, at the narrow
// path's edges and just outside them. And y += op(a)·op(b) for products
// too large for the small-product loops, which oneDNN adds into y.
//
//===----------------------------------------------------------------------===//

#include "ProductCheck.h"
#include "RandomData.h"
#include "credo/kernels.h"
#include "credo/runtime.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using credo::test::randomVector;

TEST(RuntimeNarrowProduct, TransposedLeftOperandFewColumns) {
  credo_set_num_threads(1);
  const int64_t k = 130;
  // (m, n): narrow (n < 16, m >= 64), and the shapes just outside.
  for (auto [m, n] : {std::pair<int64_t, int64_t>{64, 1},
                      {256, 10},
                      {300, 15},
                      {256, 16},
                      {63, 10}})
    for (bool accumulate : {false, true}) {
      SCOPED_TRACE("m=" + std::to_string(m) + " n=" + std::to_string(n) +
                   " accumulate=" + std::to_string(accumulate));
      // Dense operands: the sparse kernel declines them.
      auto a = randomVector(k * m, 21), b = randomVector(k * n, 22),
           y = randomVector(m * n, 23);
      const std::vector<float> y0 = y;
      if (accumulate)
        credo_rt_matmul_acc_f32(a.data(), b.data(), y.data(), m, k, n, 1, 0);
      else
        credo_rt_matmul_f32(a.data(), b.data(), y.data(), m, k, n, 1, 0);
      ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
      credo::test::expectTransposedProduct(y.data(),
                                           accumulate ? y0.data() : nullptr,
                                           a.data(), b.data(), m, k, n);
    }
}

TEST(RuntimeNarrowProduct, LargeAccumulatedProductsEveryTranspose) {
  // Dense operands above the small-product limit (the sparse kernel and
  // the small loops decline them): oneDNN's product with a sum post-op,
  // or, for a narrow transposed left operand, the product aside and then
  // the addition. (The dendritic rule's apical sum at batch 128 is the
  // first shape.)
  credo_set_num_threads(1);
  credo::test::forEachTransposedShape(
      {{128, 10, 256}, {40, 70, 33}, {96, 130, 12}},
      [](int64_t m, int64_t k, int64_t n, bool ta, bool tb) {
        auto a = randomVector(m * k, 31), b = randomVector(k * n, 32),
             y = randomVector(m * n, 33);
        const std::vector<float> y0 = y;
        credo_rt_matmul_acc_f32(a.data(), b.data(), y.data(), m, k, n, ta, tb);
        ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
        credo::test::expectSums(
            y.data(), m, n, k,
            [&](int64_t i, int64_t j) { return double(y0[i * n + j]); },
            [&](int64_t i, int64_t j, int64_t kk) {
              return double(ta ? a[kk * m + i] : a[i * k + kk]) *
                     (tb ? b[j * k + kk] : b[kk * n + j]);
            });
      });
}

} // namespace
