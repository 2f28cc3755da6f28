//===- RuntimeNarrowProductTest.cpp - Narrow weight gradients ---*- C++ -*-===//
//
// y = aᵀ·b with few columns (an output layer's weight gradient), which the
// CPU kernels compute as the transpose of the wide product bᵀ·a: compared
// with direct loops in double, plain and accumulating, at the narrow
// path's edges and just outside them.
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

} // namespace
