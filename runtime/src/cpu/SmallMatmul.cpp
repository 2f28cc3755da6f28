//===- SmallMatmul.cpp - Products too small for a library call -----------===//
//
// One product per output (k = 1) and rows of at least 8 outputs: each row
// is a scaled copy of b, stored whole vectors at a time. Otherwise, with
// rows of at least 4 outputs (b transposed first into a buffer, 8 × 8
// blocks at a time, when it is stored transposed; for one row of at least
// 8 outputs, k >= 8, in registers only) the loops
// run chunks of up to 64 columns (32 without AVX2), i, k:
// every a[i, k] scales a contiguous piece of a row of b into the chunk of
// the output row, which stays in vector registers over all of k (a row
// updated in memory would chain every step through a store and a load).
// Otherwise they run i, j, k:
// one dot product per output, summed in a register (narrow outputs would
// otherwise chain every addition through memory). Either way each output
// adds its products in order of k.
//
//===----------------------------------------------------------------------===//

#include "SmallMatmul.h"

#include "Simd.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace credo::rt {
namespace {

using simd::Vec;

/// Columns [j0, j0 + width) of every output row (V vectors, width >
/// 8·(V − 1), n >= 4) summed in registers: (bias +) a[i, 0]·b[0, ·], then
/// + a[i, p]·b[p, ·] for p = 1 .. k − 1 in order, each a product then a
/// sum (no fused multiply-add: the same bits as one element at a time).
/// Vectors that run past a row of b read the next row (lanes never
/// stored; with n >= 4 only the last row can run past the end of b); the
/// last row of b and the bias are read through zero-padded copies where
/// they would run past their end.
template <int V, bool TA>
[[gnu::always_inline]] inline void
rowChunk(const float *__restrict a, const float *__restrict b,
         const float *__restrict bias, float *__restrict y, int64_t m,
         int64_t k, int64_t n, int64_t j0, int64_t width) {
#pragma clang fp contract(off)
  alignas(32) float lastRow[8 * V] = {}, biasPiece[8 * V] = {};
  const float *last = b + (k - 1) * n + j0;
  const float *biasAt = bias ? bias + j0 : nullptr;
  if (width < 8 * V) {
    std::memcpy(lastRow, last, sizeof(float) * size_t(width));
    last = lastRow;
    if (bias) {
      std::memcpy(biasPiece, biasAt, sizeof(float) * size_t(width));
      biasAt = biasPiece;
    }
  }
  for (int64_t i = 0; i < m; ++i) {
    auto at = [&](int64_t p) { return TA ? a[p * m + i] : a[i * k + p]; };
    Vec acc[V];
    const float s0 = at(0);
    const float *r0 = k > 1 ? b + j0 : last;
    CREDO_UNROLL
    for (int v = 0; v < V; ++v)
      acc[v] = (biasAt ? simd::load(biasAt + 8 * v) : Vec{}) +
               s0 * simd::load(r0 + 8 * v);
    // The rows before the last in a loop of their own (a choice of row in
    // every iteration would cost an instruction per vector).
    for (int64_t p = 1; p + 1 < k; ++p) {
      const float s = at(p);
      const float *r = b + p * n + j0;
      CREDO_UNROLL
      for (int v = 0; v < V; ++v)
        acc[v] += s * simd::load(r + 8 * v);
    }
    if (k > 1) {
      const float s = at(k - 1);
      CREDO_UNROLL
      for (int v = 0; v < V; ++v)
        acc[v] += s * simd::load(last + 8 * v);
    }
    float *row = y + i * n + j0;
    CREDO_UNROLL
    for (int v = 0; v + 1 < V; ++v)
      simd::store(row + 8 * v, acc[v]);
    if (width == 8 * V) {
      simd::store(row + 8 * (V - 1), acc[V - 1]);
    } else {
      for (int64_t j = 8 * (V - 1); j < width; ++j)
        row[j] = acc[V - 1][j - 8 * (V - 1)];
    }
  }
}

/// f(std::integral_constant<int, V>) for V = min(vectors, MaxV), vectors
/// >= 1, MaxV 4 or 8: a loop body instantiated for 1 to MaxV vectors held
/// in registers.
template <int MaxV, typename F>
[[gnu::always_inline]] inline void withVectors(int64_t vectors, F &&f) {
  static_assert(MaxV == 4 || MaxV == 8, "chunks of 4 or 8 vectors");
  switch (std::min<int64_t>(vectors, MaxV)) {
  case 1:
    return f(std::integral_constant<int, 1>());
  case 2:
    return f(std::integral_constant<int, 2>());
  case 3:
    return f(std::integral_constant<int, 3>());
  case 4:
    return f(std::integral_constant<int, 4>());
  }
  if constexpr (MaxV == 8) {
    switch (std::min<int64_t>(vectors, MaxV)) {
    case 5:
      return f(std::integral_constant<int, 5>());
    case 6:
      return f(std::integral_constant<int, 6>());
    case 7:
      return f(std::integral_constant<int, 7>());
    default:
      return f(std::integral_constant<int, 8>());
    }
  }
}

/// k = 1, n >= 8 (an outer product, such as a weight gradient over a
/// batch of one): y[i, j] = (bias[j] or 0) + a[i]·b[j], in chunks of up
/// to four vectors of b (and the bias) held in registers over the rows.
/// The vectors sit at columns 0, 8, … and, when 8 does not divide n, at
/// n − 8, overlapping the one before: every store is a whole vector inside
/// the row, none runs past it (a narrow row would otherwise end in one
/// store per column).
template <int C>
[[gnu::always_inline]] inline void
outerChunk(const float *__restrict a, const float *__restrict b,
           const float *__restrict bias, float *__restrict y, int64_t m,
           int64_t n, int64_t v0, bool relu) {
#pragma clang fp contract(off)
  int64_t at[C];
  Vec bv[C], base[C];
  CREDO_UNROLL
  for (int v = 0; v < C; ++v) {
    at[v] = std::min((v0 + v) * 8, n - 8);
    bv[v] = simd::load(b + at[v]);
    base[v] = bias ? simd::load(bias + at[v]) : Vec{};
  }
  for (int64_t i = 0; i < m; ++i) {
    const float s = a[i];
    float *row = y + i * n;
    CREDO_UNROLL
    for (int v = 0; v < C; ++v) {
      Vec out = base[v] + s * bv[v];
      if (relu)
        out = out < Vec{} ? Vec{} : out; // NaN stays NaN
      simd::store(row + at[v], out);
    }
  }
}

[[gnu::always_inline]] inline void outerRows(const float *__restrict a,
                                             const float *__restrict b,
                                             const float *__restrict bias,
                                             float *__restrict y, int64_t m,
                                             int64_t n, bool relu) {
  const int64_t vectors = (n + 7) / 8;
  for (int64_t v0 = 0; v0 < vectors; v0 += 4)
    withVectors<4>(
        vectors - v0, [&](auto c) __attribute__((always_inline)) {
          outerChunk<decltype(c)::value>(a, b, bias, y, m, n, v0, relu);
        });
}

/// Transposes the 8 × 8 block in r (row i: r[i]) in place.
[[gnu::always_inline]] inline void transpose8(Vec *r) {
  Vec t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] =
        __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4)
    for (int h = 0; h < 2; ++h) {
      u[i + 2 * h] = __builtin_shufflevector(t[i + h], t[i + h + 2], 0, 1, 8, 9,
                                             4, 5, 12, 13);
      u[i + 2 * h + 1] = __builtin_shufflevector(t[i + h], t[i + h + 2], 2, 3,
                                                 10, 11, 6, 7, 14, 15);
    }
  for (int i = 0; i < 4; ++i) {
    r[i] = __builtin_shufflevector(u[i], u[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    r[i + 4] =
        __builtin_shufflevector(u[i], u[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

/// r[q] = b[j0 .. j0 + 8, p0 + q] for b stored [n][k]: the 8 × 8 block at
/// (j0, p0), transposed in registers.
[[gnu::always_inline]] inline void loadTransposed8(const float *__restrict b,
                                                   int64_t k, int64_t j0,
                                                   int64_t p0, Vec *r) {
  CREDO_UNROLL
  for (int i = 0; i < 8; ++i)
    r[i] = simd::load(b + (j0 + i) * k + p0);
  transpose8(r);
}

/// bt[p, j] = b[j, p] for b stored [n][k]: blocks of 8 × 8 transposed in
/// registers, the edges one element at a time.
[[gnu::always_inline]] inline void transposeInto(const float *__restrict b,
                                                 float *__restrict bt,
                                                 int64_t n, int64_t k) {
  int64_t j0 = 0;
  for (; j0 + 8 <= n; j0 += 8) {
    int64_t p0 = 0;
    for (; p0 + 8 <= k; p0 += 8) {
      Vec r[8];
      loadTransposed8(b, k, j0, p0, r);
      CREDO_UNROLL
      for (int i = 0; i < 8; ++i)
        simd::store(bt + (p0 + i) * n + j0, r[i]);
    }
    for (; p0 < k; ++p0)
      for (int i = 0; i < 8; ++i)
        bt[p0 * n + j0 + i] = b[(j0 + i) * k + p0];
  }
  for (; j0 < n; ++j0)
    for (int64_t p = 0; p < k; ++p)
      bt[p * n + j0] = b[j0 * k + p];
}

/// One output row (m = 1) from b stored transposed ([n][k]), n and k at
/// least 8: eight outputs at a time, each from 8 × 8 blocks of b
/// transposed in registers, (bias[j] or 0) + a[0]·b[j, 0], then
/// + a[p]·b[j, p] in order of p (the sums of rowChunk). Where 8 does not
/// divide k, the last block starts at k − 8 and adds only its new columns;
/// where 8 does not divide n, the last eight outputs start at n − 8 and
/// store the outputs before them again, the same sums. No buffer: a row of
/// a transposed b written and read back at once waits on its stores.
[[gnu::always_inline]] inline void rowOfTransposed(const float *__restrict a,
                                                   const float *__restrict b,
                                                   const float *__restrict bias,
                                                   float *__restrict y,
                                                   int64_t k, int64_t n) {
#pragma clang fp contract(off)
  for (int64_t jb = 0; jb < n; jb += 8) {
    const int64_t j0 = std::min(jb, n - 8);
    Vec acc = bias ? simd::load(bias + j0) : Vec{};
    for (int64_t pb = 0; pb < k; pb += 8) {
      const int64_t p0 = std::min(pb, k - 8), first = pb - p0;
      Vec r[8];
      loadTransposed8(b, k, j0, p0, r);
      CREDO_UNROLL
      for (int q = 0; q < 8; ++q)
        if (q >= first)
          acc += a[p0 + q] * r[q];
    }
    simd::store(y + j0, acc);
  }
}

/// Every row of y from b in rows (no transpose), n >= 4: chunks of up to
/// MaxV vectors (32 or 64 columns). Each chunk's sums over k are one chain
/// of additions per vector, so the wider the chunk, the more chains run
/// side by side (a batch-1 layer of 50 outputs: one pass of seven chains
/// instead of two passes of four and three).
template <bool TA, int MaxV>
[[gnu::always_inline]] inline void
rowChunks(const float *__restrict a, const float *__restrict b,
          const float *__restrict bias, float *__restrict y, int64_t m,
          int64_t k, int64_t n) {
  for (int64_t j0 = 0; j0 < n; j0 += 8 * MaxV) {
    const int64_t width = std::min<int64_t>(n - j0, 8 * MaxV);
    withVectors<MaxV>(
        (width + 7) / 8, [&](auto v) __attribute__((always_inline)) {
          rowChunk<decltype(v)::value, TA>(a, b, bias, y, m, k, n, j0, width);
        });
  }
}

/// The loops for one pair of transposes (no run-time branch inside them).
/// The output is a buffer of its own (generated code never passes an
/// operand as the output), hence __restrict.
template <bool TA, bool TB, int MaxV>
[[gnu::always_inline]] inline void
multiply(const float *__restrict a, const float *__restrict b,
         const float *__restrict bias, float *__restrict y, int64_t m,
         int64_t k, int64_t n, bool relu) {
#pragma clang fp contract(off)
  auto at = [&](int64_t i, int64_t p) {
    return TA ? a[p * m + i] : a[i * k + p];
  };
  if (k == 1 && n >= 8) {
    // a and b are vectors whatever their transposes.
    outerRows(a, b, bias, y, m, n, relu);
    return;
  }
  if (n >= 4) {
    if (TB && m == 1 && n >= 8 && k >= 8) {
      rowOfTransposed(a, b, bias, y, k, n);
    } else if (TB) {
      // b in rows first (k·n <= kSmallProduct): a dot product per output
      // would chain its additions, one product at a time.
      alignas(32) float bt[kSmallProduct];
      transposeInto(b, bt, n, k);
      rowChunks<TA, MaxV>(a, bt, bias, y, m, k, n);
    } else {
      rowChunks<TA, MaxV>(a, b, bias, y, m, k, n);
    }
  }
  for (int64_t i = 0; i < m; ++i) {
    float *row = y + i * n;
    if (n < 4) {
      // Dot products, b[p, j] at p * n + j, or at j * k + p when transposed.
      for (int64_t j = 0; j < n; ++j) {
        float acc = bias ? bias[j] : 0.0f;
        for (int64_t p = 0; p < k; ++p)
          acc += at(i, p) * (TB ? b[j * k + p] : b[p * n + j]);
        row[j] = acc;
      }
    }
    if (relu)
      for (int64_t j = 0; j < n; ++j)
        row[j] = row[j] < 0.0f ? 0.0f : row[j]; // NaN stays NaN
  }
}

template <bool TA, bool TB>
void multiplyBaseline(const float *a, const float *b, const float *bias,
                      float *y, int64_t m, int64_t k, int64_t n, bool relu) {
  // Four vectors of eight: SSE's 16 registers hold eight of them.
  multiply<TA, TB, 4>(a, b, bias, y, m, k, n, relu);
}

/// The same loops compiled for AVX2 (8-wide; still no fused multiply-add),
/// with chunks of up to eight accumulators among the 16 vector registers.
template <bool TA, bool TB>
CREDO_TARGET_AVX2 void multiplyAvx2(const float *a, const float *b,
                                    const float *bias, float *y, int64_t m,
                                    int64_t k, int64_t n, bool relu) {
  multiply<TA, TB, 8>(a, b, bias, y, m, k, n, relu);
}

} // namespace

bool smallMatmul(const float *a, bool transposeA, const float *b,
                 bool transposeB, const float *bias, float *y, int64_t m,
                 int64_t k, int64_t n, bool relu) {
  if (m <= 0 || k <= 0 || n <= 0 || m > kSmallProduct || k > kSmallProduct ||
      n > kSmallProduct || m * k * n > kSmallProduct)
    return false;
  using Fn = void (*)(const float *, const float *, const float *, float *,
                      int64_t, int64_t, int64_t, bool);
  static const bool avx2 = simd::cpuHasAvx2Fma();
  static const Fn table[2][4] = {
      {multiplyBaseline<false, false>, multiplyBaseline<false, true>,
       multiplyBaseline<true, false>, multiplyBaseline<true, true>},
      {multiplyAvx2<false, false>, multiplyAvx2<false, true>,
       multiplyAvx2<true, false>, multiplyAvx2<true, true>}};
  table[avx2][2 * transposeA + transposeB](a, b, bias, y, m, k, n, relu);
  return true;
}

} // namespace credo::rt
