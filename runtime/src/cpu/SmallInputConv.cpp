//===- SmallInputConv.cpp - Weight gradients of few-channel inputs -------===//
//
// dw[o, c, p, q] = Σ_b Σ_{i,j} xpad[b, c, i + p, j + q] · dy[b, o, i, j]
//
// Eight output channels (one vector of blocked dy) at a time: for each input
// channel c and kernel row p, KW accumulators take dy[b, ob, i, j] times the
// broadcast xpad[b, c, i + p, j + q] for q < KW over all (b, i, j). Images
// are staged into a zero-padded plain buffer per (b, c). Sums are kept in
// f32 per image and added in f64 across images.
//
//===----------------------------------------------------------------------===//

#include "SmallInputConv.h"

#include "Internal.h"
#include "Simd.h"

#include <algorithm>
#include <string>
#include <vector>

namespace credo::rt {
namespace {

using namespace simd;

constexpr int64_t L = 8;
constexpr int64_t kMaxKW = 7;

template <int KW>
CREDO_INLINE void accumulate(const float *xpad, int64_t wp, const float *dyb,
                             int64_t OH, int64_t OW, int64_t p,
                             Vec (&acc)[KW]) {
  for (int64_t i = 0; i < OH; ++i) {
    const float *xr = xpad + (i + p) * wp;
    const float *dr = dyb + i * OW * L;
    for (int64_t j = 0; j < OW; ++j) {
      const Vec d = load(dr + j * L);
      CREDO_UNROLL
      for (int q = 0; q < KW; ++q)
        acc[q] += xr[j + q] * d;
    }
  }
}

template <int KW>
CREDO_INLINE void gradWeight(const float *x, const float *dy, float *dw,
                             float *db, const ConvShape &s) {
  const int64_t hp = s.H + 2 * s.PH, wp = s.W + 2 * s.PW, OB = s.O / L;
  thread_local std::vector<float> padded;
  padded.assign(hp * wp, 0.0f);
  std::vector<double> sums(s.O * s.C * s.KH * KW, 0.0), biasSums(s.O, 0.0);
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t c = 0; c < s.C; ++c) {
      for (int64_t h = 0; h < s.H; ++h)
        std::copy(x + ((b * s.C + c) * s.H + h) * s.W,
                  x + ((b * s.C + c) * s.H + h + 1) * s.W,
                  padded.begin() + (h + s.PH) * wp + s.PW);
      for (int64_t ob = 0; ob < OB; ++ob) {
        const float *dyb = dy + (b * OB + ob) * s.OH * s.OW * L;
        for (int64_t p = 0; p < s.KH; ++p) {
          Vec acc[KW] = {};
          accumulate<KW>(padded.data(), wp, dyb, s.OH, s.OW, p, acc);
          for (int q = 0; q < KW; ++q)
            for (int64_t l = 0; l < L; ++l)
              sums[(((ob * L + l) * s.C + c) * s.KH + p) * KW + q] += acc[q][l];
        }
        if (db && c == 0)
          addLaneSums(dyb, s.OH, s.OW, biasSums.data() + ob * L);
      }
    }
  for (size_t e = 0; e < sums.size(); ++e)
    dw[e] = float(sums[e]);
  for (int64_t o = 0; db && o < s.O; ++o)
    db[o] = float(biasSums[o]);
}

template <int KW>
void runBaseline(const float *x, const float *dy, float *dw, float *db,
                 const ConvShape &s) {
  gradWeight<KW>(x, dy, dw, db, s);
}
template <int KW>
CREDO_TARGET_AVX2 void runAvx2(const float *x, const float *dy, float *dw,
                               float *db, const ConvShape &s) {
  gradWeight<KW>(x, dy, dw, db, s);
}

template <int KW = kMaxKW>
void dispatch(const float *x, const float *dy, float *dw, float *db,
              const ConvShape &s) {
  if constexpr (KW > 1)
    if (s.KW < KW)
      return dispatch<KW - 1>(x, dy, dw, db, s);
  if (cpuHasAvx2Fma())
    return runAvx2<KW>(x, dy, dw, db, s);
  runBaseline<KW>(x, dy, dw, db, s);
}

} // namespace

bool smallInputTakes(const ConvShape &s) {
  return s.SH == 1 && s.SW == 1 && s.B >= 1 && s.C >= 1 && s.C <= 4 &&
         s.O >= L && s.O % L == 0 && s.KH >= 1 && s.KW >= 1 && s.KW <= kMaxKW &&
         s.PH >= 0 && s.PW >= 0 && s.OH >= 1 && s.OW >= 1 &&
         s.OH == s.H + 2 * s.PH - s.KH + 1 && s.OW == s.W + 2 * s.PW - s.KW + 1;
}

void smallInputGradWeight(const float *x, const float *dy, float *dw, float *db,
                          const ConvShape &s) {
  try {
    dispatch(x, dy, dw, db, s);
  } catch (const std::exception &e) {
    failKernel(std::string("conv2d_grad_weight (small input): ") + e.what());
  }
}

} // namespace credo::rt
