//===- RuntimeSpikeMasksTest.cpp - Spikes as bit masks ----------*- C++ -*-===//
//
// credo_rt_spike_masks_f32 against the spikes entry by entry, and
// credo_rt_spike_masks_matmul[_acc]_f32 against loops that add or subtract
// the rows of d in order of b, and against the f32 product of the same
// spikes (credo_rt_matmul_acc_f32): the same bits.
//
//===----------------------------------------------------------------------===//

#include "ProductCheck.h"
#include "cpu/SparseMatmul.h"
#include "credo/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace {

/// Spikes in {−1, 0, +1}, `density` of them non-zero.
std::vector<float> randomSpikes(int64_t n, unsigned seed, double density) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> s(n);
  for (float &v : s)
    v = u(rng) < density ? (u(rng) < 0.5 ? -1.0f : 1.0f) : 0.0f;
  return s;
}

std::vector<float> randomValues(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = u(rng);
  return v;
}

int64_t wordsOf(int64_t k) { return (k + 63) / 64; }

TEST(RuntimeSpikeMasks, BitsOfEachEntry) {
  for (int64_t rows : {1, 3, 70})
    for (int64_t k : {1, 5, 63, 64, 65, 130, 784}) {
      SCOPED_TRACE("rows=" + std::to_string(rows) + " k=" + std::to_string(k));
      auto s = randomSpikes(rows * k, unsigned(rows * 1000 + k), 0.3);
      // Values other than ±1 are read by their sign; NaN is the pair
      // (0, 1); −0 is zero.
      s[0] = 0.5f;
      if (rows * k > 2) {
        s[1] = -std::numeric_limits<float>::quiet_NaN();
        s[2] = -0.0f;
      }
      const int64_t words = wordsOf(k);
      std::vector<int64_t> masks(2 * rows * words, -1);
      credo_rt_spike_masks_f32(s.data(), masks.data(), rows, k);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < words * 64; ++j) {
          const uint64_t nonZero = uint64_t(masks[i * words + j / 64]);
          const uint64_t negative =
              uint64_t(masks[(rows + i) * words + j / 64]);
          const bool nan = j < k && std::isnan(s[i * k + j]);
          const bool set = j < k && !nan && s[i * k + j] != 0.0f;
          const bool minus = nan || (set && std::signbit(s[i * k + j]));
          ASSERT_EQ((nonZero >> (j % 64)) & 1, uint64_t(set))
              << "row " << i << " entry " << j;
          ASSERT_EQ((negative >> (j % 64)) & 1, uint64_t(minus))
              << "row " << i << " entry " << j;
        }
    }
}

/// y = (y0 or 0) + sᵀ·d by adding or subtracting rows of d in order of b.
std::vector<float> loops(const std::vector<float> &s, const float *d,
                         const float *y0, int64_t b, int64_t k, int64_t n) {
  std::vector<float> y(k * n, 0.0f);
  if (y0)
    y.assign(y0, y0 + k * n);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t bb = 0; bb < b; ++bb) {
      const float v = s[bb * k + i];
      for (int64_t c = 0; c < n && v != 0.0f; ++c)
        y[i * n + c] =
            v > 0 ? y[i * n + c] + d[bb * n + c] : y[i * n + c] - d[bb * n + c];
    }
  return y;
}

TEST(RuntimeSpikeMasks, ProductMatchesLoops) {
  for (int64_t b : {1, 7, 64, 128, 130})
    for (int64_t k : {1, 63, 65, 200})
      for (int64_t n : {8, 10, 24, 256})
        for (double density : {0.05, 0.5})
          for (bool accumulate : {false, true}) {
            SCOPED_TRACE("b=" + std::to_string(b) + " k=" + std::to_string(k) +
                         " n=" + std::to_string(n) +
                         " density=" + std::to_string(density) +
                         " accumulate=" + std::to_string(accumulate));
            auto s = randomSpikes(b * k, unsigned(b * 7 + k * 3 + n), density);
            auto d = randomValues(b * n, 5), y0 = randomValues(k * n, 6);
            std::vector<int64_t> masks(2 * b * wordsOf(k));
            credo_rt_spike_masks_f32(s.data(), masks.data(), b, k);
            std::vector<float> y = y0;
            (accumulate ? credo_rt_spike_masks_matmul_acc_f32
                        : credo_rt_spike_masks_matmul_f32)(
                masks.data(), d.data(), y.data(), k, b, n);
            std::vector<float> want =
                loops(s, d.data(), accumulate ? y0.data() : nullptr, b, k, n);
            ASSERT_EQ(
                0, std::memcmp(y.data(), want.data(), sizeof(float) * k * n));
            // And within rounding of the sums in double.
            credo::test::expectTransposedProduct(
                y.data(), accumulate ? y0.data() : nullptr, s.data(), d.data(),
                k, b, n);
          }
}

TEST(RuntimeSpikeMasks, NaNSpikesAndEmptyBatches) {
  // A NaN spike makes every output of its column NaN, as its product with
  // any d would; the other outputs are the numbers' sums.
  for (int64_t n : {16, 10}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const int64_t b = 70, k = 130;
    auto s = randomSpikes(b * k, 51, 0.2);
    s[3 * k + 67] = std::numeric_limits<float>::quiet_NaN();
    auto d = randomValues(b * n, 52);
    std::vector<int64_t> masks(2 * b * wordsOf(k));
    credo_rt_spike_masks_f32(s.data(), masks.data(), b, k);
    std::vector<float> y(k * n);
    credo_rt_spike_masks_matmul_f32(masks.data(), d.data(), y.data(), k, b, n);
    s[3 * k + 67] = 0.0f;
    std::vector<float> want = loops(s, d.data(), nullptr, b, k, n);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t c = 0; c < n; ++c) {
        if (i == 67)
          ASSERT_TRUE(std::isnan(y[i * n + c])) << "at " << i << ", " << c;
        else
          ASSERT_EQ(y[i * n + c], want[i * n + c]) << "at " << i << ", " << c;
      }
  }
  // No rows: the sum is empty, zero (or y, accumulating).
  std::vector<float> y(5 * 8, 7.0f);
  credo_rt_spike_masks_matmul_f32(nullptr, nullptr, y.data(), 5, 0, 8);
  for (float v : y)
    ASSERT_EQ(v, 0.0f);
  y.assign(5 * 8, 7.0f);
  credo_rt_spike_masks_matmul_acc_f32(nullptr, nullptr, y.data(), 5, 0, 8);
  for (float v : y)
    ASSERT_EQ(v, 7.0f);
}

TEST(RuntimeSpikeMasks, SameBitsAsTheProductOfTheSpikes) {
  // The weight gradient of recorded spikes: from the masks, the same bits
  // as the zero-skipping kernel's from the f32 spikes (which
  // credo_rt_matmul_acc_f32 takes for them; both sum in order of b from y).
  const int64_t b = 128, k = 784, n = 256;
  auto s = randomSpikes(b * k, 41, 0.12);
  auto d = randomValues(b * n, 42), y0 = randomValues(k * n, 43);
  std::vector<int64_t> masks(2 * b * wordsOf(k));
  credo_rt_spike_masks_f32(s.data(), masks.data(), b, k);
  std::vector<float> fromMasks = y0, fromSpikes = y0;
  credo_rt_spike_masks_matmul_acc_f32(masks.data(), d.data(), fromMasks.data(),
                                      k, b, n);
  ASSERT_TRUE(credo::rt::sparseMatmul(s.data(), /*transposeA=*/true, d.data(),
                                      false, nullptr, fromSpikes.data(), k, b,
                                      n, false, 1.0, /*accumulate=*/true));
  for (int64_t i = 0; i < k * n; ++i)
    ASSERT_EQ(fromMasks[i], fromSpikes[i]) << "at " << i / n << ", " << i % n;
}

TEST(RuntimeSpikeMasks, DenseLayerFromMasks) {
  // y = s·w (+ bias) (+ c) from the masks: the bits of the zero-skipping
  // kernel on the f32 spikes where it takes the width (a multiple of 8;
  // any width with AVX-512), else the loops' sums in order of k; c apart
  // from y and c = y.
  struct Shape {
    int64_t b, k, n;
  };
  for (Shape sh : {Shape{128, 784, 256}, Shape{7, 65, 24}, Shape{70, 130, 10},
                   Shape{5, 1, 3}, Shape{64, 200, 17}, Shape{1, 64, 8}})
    for (double density : {0.05, 0.5})
      for (bool bias : {false, true})
        for (int add : {0, 1, 2}) { // none, c apart, c = y
          const int64_t b = sh.b, k = sh.k, n = sh.n;
          SCOPED_TRACE("b=" + std::to_string(b) + " k=" + std::to_string(k) +
                       " n=" + std::to_string(n) +
                       " density=" + std::to_string(density) + " bias=" +
                       std::to_string(bias) + " add=" + std::to_string(add));
          auto s = randomSpikes(b * k, unsigned(b + k + n), density);
          auto w = randomValues(k * n, 61), bv = randomValues(n, 62),
               c = randomValues(b * n, 63);
          std::vector<int64_t> masks(2 * b * wordsOf(k));
          credo_rt_spike_masks_f32(s.data(), masks.data(), b, k);
          std::vector<float> y = add == 2 ? c : std::vector<float>(b * n, 7.0f);
          const float *bp = bias ? bv.data() : nullptr;
          const float *cp = add == 0 ? nullptr : add == 1 ? c.data() : y.data();
          if (bp && cp)
            credo_rt_spike_masks_dense_bias_add_f32(masks.data(), w.data(), bp,
                                                    cp, y.data(), b, k, n);
          else if (bp)
            credo_rt_spike_masks_dense_bias_f32(masks.data(), w.data(), bp,
                                                y.data(), b, k, n);
          else if (cp)
            credo_rt_spike_masks_dense_add_f32(masks.data(), w.data(), cp,
                                               y.data(), b, k, n);
          else
            credo_rt_spike_masks_dense_f32(masks.data(), w.data(), y.data(), b,
                                           k, n);
          credo::test::expectSums(
              y.data(), b, n, k,
              [&](int64_t i, int64_t j) {
                return (bias ? double(bv[j]) : 0.0) +
                       (add ? double(c[i * n + j]) : 0.0);
              },
              [&](int64_t i, int64_t j, int64_t kk) {
                return double(s[i * k + kk]) * w[kk * n + j];
              });
          std::vector<float> f32(b * n);
          if (n % 8 == 0 &&
              credo::rt::sparseMatmul(s.data(), false, w.data(), false, bp,
                                      f32.data(), b, k, n, false, 1.0, false,
                                      add ? c.data() : nullptr))
            for (int64_t i = 0; i < b * n; ++i)
              ASSERT_EQ(y[i], f32[i]) << "at " << i / n << ", " << i % n;
        }
}

TEST(RuntimeSpikeMasks, DenseLayerNaNSpikes) {
  // A NaN spike makes its row of y NaN, as its products would; the other
  // rows are the numbers' sums.
  for (int64_t n : {16, 10}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const int64_t b = 9, k = 130;
    auto s = randomSpikes(b * k, 71, 0.2);
    s[4 * k + 100] = std::numeric_limits<float>::quiet_NaN();
    auto w = randomValues(k * n, 72);
    std::vector<int64_t> masks(2 * b * wordsOf(k));
    credo_rt_spike_masks_f32(s.data(), masks.data(), b, k);
    std::vector<float> y(b * n);
    credo_rt_spike_masks_dense_f32(masks.data(), w.data(), y.data(), b, k, n);
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double want = 0;
        for (int64_t kk = 0; kk < k; ++kk)
          want += double(s[i * k + kk]) * w[kk * n + j];
        if (i == 4)
          ASSERT_TRUE(std::isnan(y[i * n + j])) << "at " << i << ", " << j;
        else
          ASSERT_NEAR(y[i * n + j], want, 1e-5) << "at " << i << ", " << j;
      }
  }
}

} // namespace
