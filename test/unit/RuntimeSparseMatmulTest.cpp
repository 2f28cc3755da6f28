//===- RuntimeSparseMatmulTest.cpp - Sparse-operand products ---*- C++ -*-===//
//
// The sparse-left-operand product compared with direct loops in double:
// plain and transposed operands, bias and ReLU, sizes that leave partial
// mask words (and, at 10 % non-zeros, blocks of two words with one left),
// column groups of 8 and 16 with remainders, column strips, rows without
// non-zeros, the same bits under both blockings, NaN propagation, the
// density at which it declines, and a dense layer plus a matrix.
//
//===----------------------------------------------------------------------===//

#include "ProductCheck.h"
#include "RandomData.h"
#include "cpu/SparseMatmul.h"
#include "credo/kernels.h"
#include "credo/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

using credo::test::randomVector;

struct Shape {
  int64_t m, k, n;
};

void checkProduct(const Shape &s, bool transposeA, bool transposeB, bool bias,
                  bool relu, double density) {
  SCOPED_TRACE("m=" + std::to_string(s.m) + " k=" + std::to_string(s.k) +
               " n=" + std::to_string(s.n) +
               " transposeA=" + std::to_string(transposeA) + " transposeB=" +
               std::to_string(transposeB) + " bias=" + std::to_string(bias) +
               " relu=" + std::to_string(relu));
  auto a = randomVector(s.m * s.k, 1, density);
  // Whole rows of op(a) without non-zeros.
  for (int64_t kk = 0; kk < s.k && s.m > 1; ++kk)
    a[transposeA ? kk * s.m + 1 : 1 * s.k + kk] = 0.0f;
  auto b = randomVector(s.k * s.n, 2), c = randomVector(s.n, 3);
  std::vector<float> y(s.m * s.n, 12345.0f);
  ASSERT_TRUE(credo::rt::sparseMatmul(a.data(), transposeA, b.data(),
                                      transposeB, bias ? c.data() : nullptr,
                                      y.data(), s.m, s.k, s.n, relu, 1.0));
  credo::test::expectSums(
      y.data(), s.m, s.n, s.k,
      [&](int64_t, int64_t j) { return bias ? double(c[j]) : 0.0; },
      [&](int64_t i, int64_t j, int64_t kk) {
        return double(transposeA ? a[kk * s.m + i] : a[i * s.k + kk]) *
               (transposeB ? b[j * s.k + kk] : b[kk * s.n + j]);
      },
      relu);
}

TEST(RuntimeSparseMatmul, MatchesLoops) {
  for (Shape s : {Shape{128, 784, 256}, Shape{13, 70, 8}, Shape{9, 64, 104},
                  Shape{16, 129, 200}, Shape{1, 5, 16}, Shape{37, 100, 24}})
    for (bool transposeA : {false, true})
      for (bool transposeB : {false, true})
        for (bool bias : {false, true})
          for (bool relu : {false, true})
            // 10 %: narrower strips over two mask words per block.
            for (double density : {0.1, 0.4})
              checkProduct(s, transposeA, transposeB, bias, relu, density);
}

TEST(RuntimeSparseMatmul, BlockingKeepsBits) {
  // The kernel blocks a very sparse operand (at most a fifth non-zeros)
  // differently, but every output sums its products in order of k either
  // way: rows 0..63 of op(a) (10 % non-zeros) give the same bits whether
  // rows 64..127 are empty (5 % in all) or full (55 %).
  const int64_t m = 128, k = 300, n = 104;
  for (bool transposeA : {false, true})
    for (bool bias : {false, true}) {
      SCOPED_TRACE("transposeA=" + std::to_string(transposeA) +
                   " bias=" + std::to_string(bias));
      auto probe = randomVector(64 * k, 31, 0.1),
           fill = randomVector(64 * k, 32);
      auto b = randomVector(k * n, 33), c = randomVector(n, 34);
      std::vector<float> outputs[2];
      for (int full = 0; full < 2; ++full) {
        std::vector<float> a(m * k, 0.0f);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t kk = 0; kk < k; ++kk) {
            float v = i < 64 ? probe[i * k + kk]
                             : (full ? fill[(i - 64) * k + kk] : 0.0f);
            a[transposeA ? kk * m + i : i * k + kk] = v;
          }
        outputs[full].assign(m * n, 0.0f);
        ASSERT_TRUE(credo::rt::sparseMatmul(
            a.data(), transposeA, b.data(), false, bias ? c.data() : nullptr,
            outputs[full].data(), m, k, n, false, 1.0));
      }
      for (int64_t i = 0; i < 64 * n; ++i)
        ASSERT_EQ(outputs[0][i], outputs[1][i])
            << "at " << i / n << ", " << i % n;
    }
}

TEST(RuntimeSparseMatmul, DenseAndEmptyOperands) {
  checkProduct({24, 100, 96}, false, false, true, true, 1.0);
  checkProduct({24, 100, 96}, true, true, false, false, 1.0);
  checkProduct({24, 100, 96}, true, false, true, false, 0.0);
}

TEST(RuntimeSparseMatmul, NaNPropagates) {
  const int64_t m = 3, k = 70, n = 8;
  std::vector<float> a(m * k, 0.0f), b(k * n, 1.0f), y(m * n);
  a[1 * k + 66] = std::nanf("");
  ASSERT_TRUE(credo::rt::sparseMatmul(a.data(), false, b.data(), false, nullptr,
                                      y.data(), m, k, n, false, 1.0));
  for (int64_t j = 0; j < n; ++j) {
    EXPECT_EQ(y[j], 0.0f);
    EXPECT_TRUE(std::isnan(y[n + j]));
  }
  // Transposed: the same entry of op(a) is a[66][1].
  std::vector<float> at(k * m, 0.0f);
  at[66 * m + 1] = std::nanf("");
  ASSERT_TRUE(credo::rt::sparseMatmul(at.data(), true, b.data(), false, nullptr,
                                      y.data(), m, k, n, false, 1.0));
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_TRUE(std::isnan(y[n]));
  // A zero of a skips b's row even where b is infinite.
  b[66 * n + 3] = INFINITY;
  a[1 * k + 66] = 0.0f;
  ASSERT_TRUE(credo::rt::sparseMatmul(a.data(), false, b.data(), false, nullptr,
                                      y.data(), m, k, n, false, 1.0));
  for (float v : y)
    EXPECT_EQ(v, 0.0f);
  // The fused ReLU keeps a NaN (as oneDNN's does).
  a[2 * k + 5] = std::nanf("");
  ASSERT_TRUE(credo::rt::sparseMatmul(a.data(), false, b.data(), false, nullptr,
                                      y.data(), m, k, n, true, 1.0));
  EXPECT_TRUE(std::isnan(y[2 * n]));
}

TEST(RuntimeSparseMatmul, DeclinesDenseOperandsAndOddWidths) {
  const int64_t m = 8, k = 64, n = 16;
  auto a = randomVector(m * k, 4, 0.9), b = randomVector(k * n, 5);
  std::vector<float> y(m * n, 7.0f);
  EXPECT_FALSE(credo::rt::sparseMatmul(a.data(), false, b.data(), false,
                                       nullptr, y.data(), m, k, n, false, 0.5));
  EXPECT_FALSE(credo::rt::sparseMatmul(a.data(), false, b.data(), false,
                                       nullptr, y.data(), m, k, 12, false,
                                       1.0));
  EXPECT_FALSE(credo::rt::sparseMatmul(a.data(), false, b.data(), false,
                                       nullptr, y.data(), m, k, n, false, 0.0));
  for (float v : y)
    EXPECT_EQ(v, 7.0f) << "a declined call writes nothing";
}

TEST(RuntimeSparseMatmul, PublicKernelsOnSparseData) {
  // One thread: the public dense kernel and the transposed matmul take the
  // sparse path for this input and still agree with the loops.
  const int64_t m = 32, k = 200, n = 64;
  auto x = randomVector(m * k, 6, 0.3), w = randomVector(k * n, 7),
       bias = randomVector(n, 8), dy = randomVector(m * n, 9);
  credo_set_num_threads(1);
  std::vector<float> y(m * n), dw(k * n);
  credo_rt_dense_bias_f32(x.data(), w.data(), bias.data(), y.data(), m, k, n,
                          CREDO_POST_RELU);
  credo_rt_matmul_f32(x.data(), dy.data(), dw.data(), k, m, n, 1, 0);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = bias[j];
      for (int64_t kk = 0; kk < k; ++kk)
        acc += double(x[i * k + kk]) * w[kk * n + j];
      ASSERT_NEAR(y[i * n + j], std::max(acc, 0.0), 1e-5);
    }
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t i = 0; i < m; ++i)
        acc += double(x[i * k + kk]) * dy[i * n + j];
      ASSERT_NEAR(dw[kk * n + j], acc, 1e-5);
    }
}

TEST(RuntimeSparseMatmul, AccumulatingProduct) {
  // y += xᵀ·dy: the sparse kernel for a sparse x (with rows and columns of
  // zeros), oneDNN's product and a sum for a dense one; both transposes.
  credo_set_num_threads(1);
  const int64_t m = 40, k = 130, n = 24;
  for (double density : {0.2, 1.0})
    for (bool tb : {false, true}) {
      SCOPED_TRACE("density " + std::to_string(density) +
                   " tb=" + std::to_string(tb));
      auto x = randomVector(k * m, 10, density), dy = randomVector(k * n, 11),
           y = randomVector(m * n, 12);
      for (int64_t kk = 0; kk < k; ++kk)
        x[kk * m + 3] = 0.0f; // op(x)'s row 3 is empty: y's row stays
      const std::vector<float> y0 = y;
      // tb: dy stored [n][k].
      std::vector<float> b(k * n);
      for (int64_t kk = 0; kk < k; ++kk)
        for (int64_t j = 0; j < n; ++j)
          b[tb ? j * k + kk : kk * n + j] = dy[kk * n + j];
      credo_rt_matmul_acc_f32(x.data(), b.data(), y.data(), m, k, n, 1, tb);
      ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
      credo::test::expectTransposedProduct(y.data(), y0.data(), x.data(),
                                           dy.data(), m, k, n);
      for (int64_t j = 0; j < n; ++j)
        ASSERT_EQ(y[3 * n + j], y0[3 * n + j]);
    }
}

TEST(RuntimeSparseMatmul, DenseAdd) {
  // y = (x·w (+ b)) + c: the sparse kernel (c added where it stores) for a
  // sparse x, oneDNN's product and a sum for a dense one; c apart from y
  // and c = y. Against the loops, and bit for bit against the layer's
  // kernel followed by the addition.
  credo_set_num_threads(1);
  const int64_t m = 37, k = 130, n = 24;
  for (double density : {0.15, 1.0})
    for (bool bias : {false, true})
      for (bool inPlace : {false, true}) {
        SCOPED_TRACE("density " + std::to_string(density) +
                     " bias=" + std::to_string(bias) +
                     " in place=" + std::to_string(inPlace));
        auto x = randomVector(m * k, 13, density), w = randomVector(k * n, 14),
             c = randomVector(m * n, 15), b = randomVector(n, 16);
        for (int64_t kk = 0; kk < k; ++kk)
          x[5 * k + kk] = 0.0f; // row 5 of the product is the bias
        std::vector<float> y = inPlace ? c : std::vector<float>(m * n, 7.0f);
        const float *addend = inPlace ? y.data() : c.data();
        if (bias)
          credo_rt_dense_bias_add_f32(x.data(), w.data(), b.data(), addend,
                                      y.data(), m, k, n);
        else
          credo_rt_dense_add_f32(x.data(), w.data(), addend, y.data(), m, k, n);
        std::vector<float> layer(m * n);
        if (bias)
          credo_rt_dense_bias_f32(x.data(), w.data(), b.data(), layer.data(), m,
                                  k, n, CREDO_POST_NONE);
        else
          credo_rt_dense_f32(x.data(), w.data(), layer.data(), m, k, n,
                             CREDO_POST_NONE);
        ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
        credo::test::expectSums(
            y.data(), m, n, k,
            [&](int64_t i, int64_t j) {
              return c[i * n + j] + (bias ? double(b[j]) : 0.0);
            },
            [&](int64_t i, int64_t j, int64_t kk) {
              return double(x[i * k + kk]) * w[kk * n + j];
            });
        for (int64_t i = 0; i < m * n; ++i)
          ASSERT_EQ(y[i], layer[i] + c[i]) << "at " << i / n << ", " << i % n;
      }
}

} // namespace
