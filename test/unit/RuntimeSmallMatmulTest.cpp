//===- RuntimeSmallMatmulTest.cpp - Products below a library call -*- C++
//-*-===//
//
// The small-product kernel against loops in float that add each output's
// products in order of k without fused multiply-adds (the sum the portable
// path computes): equal bit for bit, for every pair of transposes, with and
// without bias and ReLU, narrow and wide outputs, one and many products per
// output; NaN survives ReLU; products above kSmallProduct are declined.
//
//===----------------------------------------------------------------------===//

#include "ProductCheck.h"
#include "RandomData.h"
#include "cpu/SmallMatmul.h"
#include "credo/kernels.h"
#include "credo/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using credo::test::randomVector;

#pragma clang fp contract(off)
std::vector<float> reference(const std::vector<float> &a, bool ta,
                             const std::vector<float> &b, bool tb,
                             const float *bias, int64_t m, int64_t k, int64_t n,
                             bool relu) {
  std::vector<float> y(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = bias ? bias[j] : 0.0f;
      for (int64_t p = 0; p < k; ++p) {
        float x = ta ? a[p * m + i] : a[i * k + p];
        float w = tb ? b[j * k + p] : b[p * n + j];
        float product = x * w;
        acc = acc + product;
      }
      y[i * n + j] = relu && acc < 0.0f ? 0.0f : acc;
    }
  return y;
}

TEST(RuntimeSmallMatmul, EqualsOrderedLoopsBitForBit) {
  // Row updates keep chunks of up to 64 columns in registers (32 without
  // AVX2); the shapes below end chunks at every lane count (n = 10, 50,
  // 33, 40, 5, 7, 17, 57, 65, 100, 129) and read the last row of b and the
  // bias where a vector would run past their end (exact-size buffers: the
  // sanitizer build sees any overrun), with one, two and many rows of b.
  // Outer products (k = 1) store overlapping vectors in rows of 9 to 50;
  // a transposed b is transposed in blocks of 8 x 8 with every edge (for
  // one output row with n and k of at least 8, in registers, the last
  // blocks overlapping).
  const int64_t shapes[][3] = {
      {1, 25, 32}, {1, 25, 1},  {1, 32, 4},  {25, 1, 32}, {32, 1, 4},
      {25, 1, 1},  {3, 7, 17},  {4, 2, 9},   {8, 16, 16}, {1, 50, 10},
      {2, 10, 50}, {3, 9, 33},  {2, 5, 40},  {5, 3, 5},   {4, 6, 7},
      {64, 1, 50}, {3, 2, 2},   {2, 2, 3},   {50, 1, 10}, {7, 1, 8},
      {3, 1, 9},   {6, 1, 13},  {2, 1, 40},  {4, 1, 33},  {5, 1, 7},
      {1, 10, 50}, {2, 16, 24}, {1, 8, 8},   {3, 17, 4},  {1, 9, 8},
      {2, 8, 9},   {1, 15, 23}, {3, 12, 12}, {1, 64, 50}, {1, 20, 57},
      {2, 8, 64},  {1, 12, 65}, {3, 4, 100}, {1, 5, 129}, {2, 2, 60},
      {3, 1, 6},   {1, 2, 72},  {4, 3, 49}};
  for (const auto &s : shapes)
    for (int t = 0; t < 4; ++t)
      for (int options = 0; options < 4; ++options) {
        const int64_t m = s[0], k = s[1], n = s[2];
        const bool ta = t & 1, tb = t & 2, withBias = options & 1,
                   relu = options & 2;
        SCOPED_TRACE(::testing::Message()
                     << "m=" << m << " k=" << k << " n=" << n << " ta=" << ta
                     << " tb=" << tb << " bias=" << withBias
                     << " relu=" << relu);
        auto a = randomVector(m * k, 1), b = randomVector(k * n, 2),
             c = randomVector(n, 3);
        std::vector<float> y(m * n, -7.0f);
        ASSERT_TRUE(credo::rt::smallMatmul(a.data(), ta, b.data(), tb,
                                           withBias ? c.data() : nullptr,
                                           y.data(), m, k, n, relu));
        auto want = reference(a, ta, b, tb, withBias ? c.data() : nullptr, m, k,
                              n, relu);
        for (int64_t i = 0; i < m * n; ++i)
          ASSERT_EQ(y[i], want[i]) << "at " << i;
      }
}

TEST(RuntimeSmallMatmul, AccumulatedProductIsAddedAfterItsSum) {
  // credo_rt_matmul_acc_f32 on a small product: y + (the ordered sum), the
  // product summed first (on the stack), as the plain product then an
  // addition. Dense operands (the sparse kernel declines them); widths on
  // and off multiples of 8, every pair of transposes.
  credo_set_num_threads(1);
  credo::test::forEachTransposedShape(
      {{1, 10, 50}, {1, 50, 10}, {2, 9, 33}, {1, 16, 64}, {3, 1, 9}, {4, 5, 2}},
      [](int64_t m, int64_t k, int64_t n, bool ta, bool tb) {
        auto a = randomVector(m * k, 4), b = randomVector(k * n, 5),
             y = randomVector(m * n, 6);
        auto want = reference(a, ta, b, tb, nullptr, m, k, n, false);
        for (int64_t i = 0; i < m * n; ++i)
          want[i] = y[i] + want[i];
        credo_rt_matmul_acc_f32(a.data(), b.data(), y.data(), m, k, n, ta, tb);
        ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
        for (int64_t i = 0; i < m * n; ++i)
          ASSERT_EQ(y[i], want[i]) << "at " << i;
      });
}

TEST(RuntimeSmallMatmul, ReluKeepsNaNAndDeclinesLargeProducts) {
  std::vector<float> a = {std::numeric_limits<float>::quiet_NaN(), 1.0f},
                     b = {1.0f, 2.0f, 3.0f, 4.0f}, y(2);
  // [1, 2] x [2, 2] with a NaN in a: both outputs NaN, ReLU or not.
  ASSERT_TRUE(credo::rt::smallMatmul(a.data(), false, b.data(), false, nullptr,
                                     y.data(), 1, 2, 2, true));
  EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
  // 32 x 16 x 17 = 8,704 multiply-adds: above the limit, left untouched.
  std::vector<float> big(32 * 16, 1.0f), w(16 * 17, 1.0f), out(32 * 17, 5.0f);
  EXPECT_FALSE(credo::rt::smallMatmul(big.data(), false, w.data(), false,
                                      nullptr, out.data(), 32, 16, 17, false));
  EXPECT_EQ(out[0], 5.0f);
  EXPECT_FALSE(credo::rt::smallMatmul(big.data(), false, w.data(), false,
                                      nullptr, out.data(), 0, 16, 17, false));
}

} // namespace
