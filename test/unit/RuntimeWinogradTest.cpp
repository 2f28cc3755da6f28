//===- RuntimeWinogradTest.cpp - Credo's convolution kernels ----*- C++ -*-===//
//
// The Winograd forward pass, input gradient and weight gradient (with the
// bias gradient) compared with direct loops in double precision, for both
// tile sizes, 3x3 and 5x5 kernels, partial tiles, several rounds of images,
// and every combination of plain and channel-blocked images; and the weight
// gradient of few-channel inputs likewise.
//
//===----------------------------------------------------------------------===//

#include "RandomData.h"
#include "cpu/SmallInputConv.h"
#include "cpu/Winograd.h"
#include "credo/kernels.h"
#include "credo/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {

using credo::rt::ConvShape;
using credo::test::randomVector;

/// Plain [B,C,H,W] to channel-blocked [B,C/8,H,W,8] (written out here, not
/// the runtime's reorder).
std::vector<float> toBlocked(const std::vector<float> &x, int64_t B, int64_t C,
                             int64_t H, int64_t W) {
  std::vector<float> y(x.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t e = 0; e < H * W; ++e)
        y[((b * (C / 8) + c / 8) * H * W + e) * 8 + c % 8] =
            x[(b * C + c) * H * W + e];
  return y;
}

std::vector<float> fromBlocked(const std::vector<float> &y, int64_t B,
                               int64_t C, int64_t H, int64_t W) {
  std::vector<float> x(y.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t e = 0; e < H * W; ++e)
        x[(b * C + c) * H * W + e] =
            y[((b * (C / 8) + c / 8) * H * W + e) * 8 + c % 8];
  return x;
}

/// |a - ref| within tol times the largest |ref|.
void expectNear(const std::vector<float> &a, const std::vector<double> &ref,
                double tol, const char *what) {
  ASSERT_EQ(a.size(), ref.size());
  double scale = 0;
  for (double v : ref)
    scale = std::max(scale, std::fabs(v));
  ASSERT_GT(scale, 0.0) << what;
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], ref[i], tol * scale) << what << " at " << i;
}

/// The three passes of one convolution, directly in double.
struct Reference {
  std::vector<double> y, dx, dw, db;
  Reference(const ConvShape &s, const std::vector<float> &x,
            const std::vector<float> &w, const std::vector<float> &bias,
            const std::vector<float> &dy)
      : y(s.B * s.O * s.OH * s.OW), dx(x.size()), dw(w.size()), db(s.O) {
    for (int64_t b = 0; b < s.B; ++b)
      for (int64_t o = 0; o < s.O; ++o)
        for (int64_t i = 0; i < s.OH; ++i)
          for (int64_t j = 0; j < s.OW; ++j) {
            const int64_t at = ((b * s.O + o) * s.OH + i) * s.OW + j;
            double acc = bias[o];
            db[o] += dy[at];
            for (int64_t c = 0; c < s.C; ++c)
              for (int64_t p = 0; p < s.KH; ++p)
                for (int64_t q = 0; q < s.KW; ++q) {
                  const int64_t r = i + p - s.PH, t = j + q - s.PW;
                  if (r < 0 || r >= s.H || t < 0 || t >= s.W)
                    continue;
                  const int64_t xi = ((b * s.C + c) * s.H + r) * s.W + t,
                                wi = ((o * s.C + c) * s.KH + p) * s.KW + q;
                  acc += double(x[xi]) * w[wi];
                  dx[xi] += double(dy[at]) * w[wi];
                  dw[wi] += double(dy[at]) * x[xi];
                }
            y[at] = acc;
          }
  }
};

struct Case {
  int64_t B, C, H, W, O, K, PH, PW;
};

void checkCase(const Case &k) {
  const int64_t OH = k.H + 2 * k.PH - k.K + 1, OW = k.W + 2 * k.PW - k.K + 1;
  const ConvShape s{k.B, k.C, k.H,  k.W,  k.O, k.K, k.K,
                    1,   1,   k.PH, k.PW, OH,  OW};
  ASSERT_TRUE(credo::rt::winogradTakes(s));
  auto x = randomVector(k.B * k.C * k.H * k.W, 1),
       w = randomVector(k.O * k.C * k.K * k.K, 2), bias = randomVector(k.O, 3),
       dy = randomVector(k.B * k.O * OH * OW, 4);
  const Reference ref(s, x, w, bias, dy);
  std::vector<double> relu = ref.y;
  for (double &v : relu)
    v = std::max(v, 0.0);
  const auto xb = toBlocked(x, k.B, k.C, k.H, k.W),
             dyb = toBlocked(dy, k.B, k.O, OH, OW);
  for (int layouts = 0; layouts < 4; ++layouts) {
    SCOPED_TRACE("B=" + std::to_string(k.B) + " C=" + std::to_string(k.C) +
                 " " + std::to_string(k.H) + "x" + std::to_string(k.W) +
                 " O=" + std::to_string(k.O) + " K=" + std::to_string(k.K) +
                 " P=" + std::to_string(k.PH) + "," + std::to_string(k.PW) +
                 " layouts=" + std::to_string(layouts));
    const bool inBlocked = layouts & 1, outBlocked = layouts & 2;
    // Forward: x (in) → y (out), with the bias, then also with the ReLU.
    for (bool withRelu : {false, true}) {
      std::vector<float> y(ref.y.size());
      credo::rt::winogradForward(inBlocked ? xb.data() : x.data(), w.data(),
                                 bias.data(), y.data(), s, withRelu, inBlocked,
                                 outBlocked);
      if (outBlocked)
        y = fromBlocked(y, k.B, k.O, OH, OW);
      expectNear(y, withRelu ? relu : ref.y, 3e-5, "y");
    }
    // Without a bias.
    std::vector<float> y(ref.y.size());
    credo::rt::winogradForward(inBlocked ? xb.data() : x.data(), w.data(),
                               nullptr, y.data(), s, false, inBlocked,
                               outBlocked);
    if (outBlocked)
      y = fromBlocked(y, k.B, k.O, OH, OW);
    std::vector<double> noBias = ref.y;
    for (size_t e = 0; e < noBias.size(); ++e)
      noBias[e] -= bias[(e / (OH * OW)) % k.O];
    expectNear(y, noBias, 3e-5, "y without bias");
    // Input gradient: dy (in) → dx (out).
    std::vector<float> dx(x.size());
    credo::rt::winogradGradInput(inBlocked ? dyb.data() : dy.data(), w.data(),
                                 dx.data(), s, inBlocked, outBlocked);
    if (outBlocked)
      dx = fromBlocked(dx, k.B, k.C, k.H, k.W);
    expectNear(dx, ref.dx, 3e-5, "dx");
    // Weight and bias gradients: x in one layout, dy in the other.
    std::vector<float> dw(w.size()), db(k.O);
    credo::rt::winogradGradWeight(
        inBlocked ? xb.data() : x.data(), outBlocked ? dyb.data() : dy.data(),
        dw.data(), db.data(), s, inBlocked, outBlocked);
    expectNear(dw, ref.dw, 3e-5, "dw");
    expectNear(db, ref.db, 1e-6, "db");
    std::fill(dw.begin(), dw.end(), 0.0f);
    credo::rt::winogradGradWeight(inBlocked ? xb.data() : x.data(),
                                  outBlocked ? dyb.data() : dy.data(),
                                  dw.data(), nullptr, s, inBlocked, outBlocked);
    expectNear(dw, ref.dw, 3e-5, "dw without db");
    ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  }
}

TEST(RuntimeWinograd, FiveByFiveLargeTilesSeveralRounds) {
  // 14x14 outputs: 4x4 tiles, 16 per image; 11 images take two rounds.
  checkCase({11, 16, 14, 14, 32, 5, 2, 2});
}

TEST(RuntimeWinograd, ThreeByThreePartialTiles) {
  checkCase({2, 8, 7, 5, 16, 3, 1, 1}); // 7x5 outputs in 4x4 tiles
  checkCase({3, 16, 4, 3, 8, 3, 0, 0}); // 2x1 outputs: one 2x2 tile
  checkCase({2, 8, 9, 11, 8, 3, 1, 0}); // padding differs per axis
}

TEST(RuntimeWinograd, SmallTilesAndUnevenPadding) {
  checkCase({2, 8, 6, 6, 8, 5, 0, 0});   // 2x2 outputs: 2x2 tiles
  checkCase({2, 8, 9, 9, 24, 5, 1, 1});  // 7x7 outputs, padding 1 of 2
  checkCase({130, 8, 6, 6, 8, 5, 0, 0}); // one tile per image, two rounds
}

TEST(RuntimeWinograd, ImagesOfMoreThanOneRound) {
  checkCase({2, 8, 48, 44, 8, 3, 1, 1}); // 132 tiles per image
}

TEST(RuntimeWinograd, RandomShapes) {
  // Seeded: sizes from 1 to 19, every padding up to r - 1, both kernels.
  std::mt19937 gen(2024);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(gen);
  };
  for (int trial = 0; trial < 40; ++trial) {
    Case k;
    k.K = pick(0, 1) ? 5 : 3;
    k.B = pick(1, 3);
    k.C = 8 * pick(1, 3);
    k.O = 8 * pick(1, 3);
    k.PH = pick(0, k.K - 1);
    k.PW = pick(0, k.K - 1);
    k.H = pick(std::max<int64_t>(1, k.K - 2 * k.PH), 19);
    k.W = pick(std::max<int64_t>(1, k.K - 2 * k.PW), 19);
    checkCase(k);
    if (HasFatalFailure())
      return;
  }
}

// Outputs whose receptive field holds only zeros (a black top of the image
// and the zero padding around it) are exactly the bias, as in the direct
// sum, though their tiles hold other outputs' large values: with a zero
// bias a ReLU after the convolution keeps them at 0 exactly, and so
// passes no gradient there (the rounding noise of the tile transforms
// would read as a sign half of the time).
TEST(RuntimeWinograd, ZeroReceptiveFieldsGiveTheBiasExactly) {
  for (int64_t K : {3, 5}) {
    const int64_t B = 2, C = 8, H = 10, W = 10, O = 8, P = K / 2;
    const ConvShape s{B, C, H, W, O, K, K, 1, 1, P, P, H, W};
    ASSERT_TRUE(credo::rt::winogradTakes(s));
    auto x = randomVector(B * C * H * W, 5), w = randomVector(O * C * K * K, 6);
    // Rows 0..5 black in every channel: the outputs whose K x K window
    // (rows i - P .. i - P + K - 1) stays above row 6 see only zeros.
    const int64_t black = 6;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t e = 0; e < black * W; ++e)
          x[(b * C + c) * H * W + e] = 0.0f;
    std::vector<float> zeroBias(O, 0.0f), bias = randomVector(O, 7);
    for (bool withRelu : {false, true})
      for (const std::vector<float> *b : {&zeroBias, &bias}) {
        std::vector<float> y(B * O * H * W);
        credo::rt::winogradForward(x.data(), w.data(), b->data(), y.data(), s,
                                   withRelu, false, false);
        int64_t checked = 0;
        for (int64_t n = 0; n < B; ++n)
          for (int64_t o = 0; o < O; ++o)
            for (int64_t i = 0; i + K - P <= black; ++i)
              for (int64_t j = 0; j < W; ++j, ++checked) {
                float want = (*b)[o];
                if (withRelu)
                  want = std::max(want, 0.0f);
                ASSERT_EQ(y[((n * O + o) * H + i) * W + j], want)
                    << "K=" << K << " relu=" << withRelu << " at image " << n
                    << ", channel " << o << ", row " << i << ", column " << j;
              }
        EXPECT_EQ(checked, B * O * (black - K + P + 1) * W);
      }
    // The other outputs are still the convolution's (checkCase covers the
    // numbers; here the first row whose window reaches the image's lit
    // part must not be the bias).
    std::vector<float> y(B * O * H * W);
    credo::rt::winogradForward(x.data(), w.data(), nullptr, y.data(), s, false,
                               false, false);
    const int64_t lit = black - K + P + 1;
    double sum = 0;
    for (int64_t j = 0; j < W; ++j)
      sum += std::fabs(y[lit * W + j]);
    EXPECT_GT(sum, 0.0);
  }
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
}

TEST(RuntimeWinograd, TakesOnlyWhatItHandles) {
  const ConvShape same{2, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 8, 8};
  EXPECT_TRUE(credo::rt::winogradTakes(same));
  ConvShape s = same;
  s.SH = s.SW = 2, s.OH = s.OW = 4;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "strided";
  s = same;
  s.KW = 5, s.OW = 6;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "not square";
  s = same;
  s.KH = s.KW = 7, s.OH = s.OW = 4;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "7x7";
  s = same;
  s.C = 12;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "channels not a multiple of 8";
  s = same;
  s.O = 6;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "outputs not a multiple of 8";
  s = same;
  s.C = s.O = 512, s.H = s.W = s.OH = s.OW = 224;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "over 64 MiB of tiles per image";
  s = same;
  s.C = s.O = 2048;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "over 64 MiB of kernels";
  s = same;
  s.B = 0;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "no images";
  s = same;
  s.C = 0;
  EXPECT_FALSE(credo::rt::winogradTakes(s)) << "no channels";
}

TEST(RuntimeWinograd, PublicConvolutionOnOneThread) {
  // The public kernel on one thread (where it takes the Winograd path)
  // agrees with the direct loops too.
  const Case k{4, 16, 10, 10, 16, 3, 1, 1};
  const ConvShape s{k.B, k.C, k.H, k.W, k.O, 3, 3, 1, 1, 1, 1, 10, 10};
  auto x = randomVector(k.B * k.C * k.H * k.W, 5),
       w = randomVector(k.O * k.C * 9, 6), bias = randomVector(k.O, 7),
       dy = randomVector(k.B * k.O * 100, 8);
  const Reference ref(s, x, w, bias, dy);
  credo_set_num_threads(1);
  std::vector<float> y(ref.y.size());
  credo_rt_conv2d_bias_f32(x.data(), w.data(), bias.data(), y.data(), k.B, k.C,
                           k.H, k.W, k.O, 3, 3, 1, 1, 1, 1, 10, 10,
                           CREDO_POST_NONE, 0);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  expectNear(y, ref.y, 3e-5, "y");
  // The gradients through the public kernels: dy blocked, dx plain (layouts
  // bit 0 is dy, bit 1 dx), then x plain and dy blocked (bit 1) for dw, db.
  std::vector<float> dyb(dy.size()), dx(x.size()), dw(w.size()), db(k.O);
  credo_rt_to_blocked_f32(dy.data(), dyb.data(), k.B, k.O, 10, 10);
  credo_rt_conv2d_grad_input_f32(dyb.data(), w.data(), dx.data(), k.B, k.C, k.H,
                                 k.W, k.O, 3, 3, 1, 1, 1, 1, 10, 10, 1);
  credo_rt_conv2d_grad_weight_bias_f32(x.data(), dyb.data(), dw.data(),
                                       db.data(), k.B, k.C, k.H, k.W, k.O, 3, 3,
                                       1, 1, 1, 1, 10, 10, 2);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  expectNear(dx, ref.dx, 3e-5, "dx");
  expectNear(dw, ref.dw, 3e-5, "dw");
  expectNear(db, ref.db, 1e-6, "db");
}

TEST(RuntimeSmallInputConv, WeightGradientMatchesLoops) {
  struct Small {
    int64_t B, C, H, W, O, KH, KW, PH, PW;
  };
  for (Small k :
       {Small{5, 1, 28, 28, 32, 5, 5, 2, 2}, Small{3, 3, 9, 11, 16, 3, 5, 1, 0},
        Small{2, 2, 7, 6, 8, 7, 7, 3, 3}, Small{4, 4, 5, 5, 8, 1, 1, 0, 0}}) {
    const int64_t OH = k.H + 2 * k.PH - k.KH + 1,
                  OW = k.W + 2 * k.PW - k.KW + 1;
    const ConvShape s{k.B, k.C, k.H,  k.W,  k.O, k.KH, k.KW,
                      1,   1,   k.PH, k.PW, OH,  OW};
    SCOPED_TRACE("C=" + std::to_string(k.C) + " K=" + std::to_string(k.KH) +
                 "x" + std::to_string(k.KW));
    ASSERT_TRUE(credo::rt::smallInputTakes(s));
    auto x = randomVector(k.B * k.C * k.H * k.W, 11),
         w = randomVector(k.O * k.C * k.KH * k.KW, 12),
         bias = randomVector(k.O, 13),
         dy = randomVector(k.B * k.O * OH * OW, 14);
    const Reference ref(s, x, w, bias, dy);
    const auto dyb = toBlocked(dy, k.B, k.O, OH, OW);
    std::vector<float> dw(w.size()), db(k.O);
    credo::rt::smallInputGradWeight(x.data(), dyb.data(), dw.data(), db.data(),
                                    s);
    ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
    expectNear(dw, ref.dw, 1e-5, "dw");
    expectNear(db, ref.db, 1e-6, "db");
    std::fill(dw.begin(), dw.end(), 0.0f);
    credo::rt::smallInputGradWeight(x.data(), dyb.data(), dw.data(), nullptr,
                                    s);
    expectNear(dw, ref.dw, 1e-5, "dw without db");
    // Through the public kernel on one thread: x plain, dy blocked.
    credo_set_num_threads(1);
    std::fill(dw.begin(), dw.end(), 0.0f);
    credo_rt_conv2d_grad_weight_bias_f32(
        x.data(), dyb.data(), dw.data(), db.data(), k.B, k.C, k.H, k.W, k.O,
        k.KH, k.KW, 1, 1, k.PH, k.PW, OH, OW, 2);
    ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
    expectNear(dw, ref.dw, 1e-5, "public dw");
    expectNear(db, ref.db, 1e-6, "public db");
  }
  ConvShape wide{1, 5, 8, 8, 8, 3, 3, 1, 1, 1, 1, 8, 8};
  EXPECT_FALSE(credo::rt::smallInputTakes(wide)) << "5 input channels";
  ConvShape strided{1, 1, 8, 8, 8, 3, 3, 2, 2, 1, 1, 4, 4};
  EXPECT_FALSE(credo::rt::smallInputTakes(strided)) << "stride 2";
}

} // namespace
