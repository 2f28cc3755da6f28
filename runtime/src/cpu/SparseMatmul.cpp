//===- SparseMatmul.cpp - Products with a mostly-zero left operand -------===//
//
// First pass: a bit mask of op(a)'s non-zeros per row and block of 64
// columns (which also counts them). Second pass, per strip of up to 96
// output columns and block of 64 rows of b (packed, 24 KiB, kept in L1):
// every row of op(a) adds a · b[k, strip] for each set bit k of its mask
// into twelve vector accumulators, which start from the bias (first block)
// or the partial sums (later blocks). Rows of b that meet a zero are never
// read.
//
//===----------------------------------------------------------------------===//

#include "SparseMatmul.h"

#include "Simd.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace credo::rt {
namespace {

/// Most elements of the left operand that the sparse kernel takes.
constexpr int64_t kMaxSparseElements = int64_t(1) << 20;

using namespace simd;

constexpr int64_t kBlock = 64; ///< rows of b per block; bits per mask word

struct Args {
  const float *a, *b, *bias;
  float *y;
  int64_t m, k, n;
  bool transposeA, transposeB, relu;
  const uint64_t *masks; ///< [m][blocks]
  int64_t blocks;
  bool accumulate; ///< y += op(a) · op(b)
};

/// One strip of S vectors (8·S columns from n0) over all rows and blocks;
/// T: op(a) = aᵀ.
template <int S, bool T> CREDO_INLINE void strip(const Args &p, int64_t n0) {
  // The block of b, packed: rows of b are p.n floats apart, and a power of
  // two apart they would share a few cache sets.
  alignas(64) float packed[kBlock * 8 * S];
  for (int64_t kb = 0; kb < p.blocks; ++kb) {
    const bool first = kb == 0, last = kb + 1 == p.blocks;
    const int64_t k0 = kb * kBlock, rows = std::min(kBlock, p.k - k0);
    if (!p.transposeB) {
      for (int64_t r = 0; r < rows; ++r)
        std::memcpy(packed + r * 8 * S, p.b + (k0 + r) * p.n + n0,
                    sizeof(float) * 8 * S);
    } else { // b is [n][k]
      for (int64_t c = 0; c < 8 * S; ++c)
        for (int64_t r = 0; r < rows; ++r)
          packed[r * 8 * S + c] = p.b[(n0 + c) * p.k + k0 + r];
    }
    for (int64_t i = 0; i < p.m; ++i) {
      uint64_t bits = p.masks[i * p.blocks + kb];
      float *out = p.y + i * p.n + n0;
      const bool fresh = first && !p.accumulate; // y not yet written
      if (!fresh && !bits && !(last && p.relu))
        continue; // nothing to add
      Vec acc[S];
      CREDO_UNROLL
      for (int s = 0; s < S; ++s)
        acc[s] = fresh ? (p.bias ? load(p.bias + n0 + 8 * s) : Vec{})
                       : load(out + 8 * s);
      const float *column = T ? p.a + k0 * p.m + i : p.a + i * p.k + k0;
      const int64_t step = T ? p.m : 1;
      while (bits) {
        const int64_t j = __builtin_ctzll(bits);
        bits &= bits - 1;
        const float v = column[j * step];
        const float *row = packed + j * 8 * S;
        CREDO_UNROLL
        for (int s = 0; s < S; ++s)
          acc[s] += v * load(row + 8 * s);
      }
      CREDO_UNROLL
      for (int s = 0; s < S; ++s) {
        if (last && p.relu)
          acc[s] = acc[s] > 0 ? acc[s] : acc[s] * 0.0f; // NaN stays NaN
        store(out + 8 * s, acc[s]);
      }
    }
  }
}

/// Strips of up to kStrip vectors: twelve accumulators keep both FMA units
/// busy across their latency.
constexpr int kStrip = 12;

template <bool T, int S = kStrip>
CREDO_INLINE void stripOf(const Args &p, int64_t n0, int vectors) {
  if constexpr (S > 1)
    if (vectors < S)
      return stripOf<T, S - 1>(p, n0, vectors);
  strip<S, T>(p, n0);
}

CREDO_INLINE void multiply(const Args &p) {
  for (int64_t n0 = 0; n0 < p.n; n0 += 8 * kStrip) {
    const int vectors = int(std::min<int64_t>(p.n - n0, 8 * kStrip) / 8);
    if (p.transposeA)
      stripOf<true>(p, n0, vectors);
    else
      stripOf<false>(p, n0, vectors);
  }
}

void multiplyBaseline(const Args &p) { multiply(p); }
CREDO_TARGET_AVX2 void multiplyAvx2(const Args &p) { multiply(p); }

/// Bit j of the result: x[j] != 0 (NaN counts), for n <= 64 floats.
CREDO_INLINE uint64_t nonZeroBits(const float *x, int64_t n) {
  uint64_t bits = 0;
  for (int64_t j = 0; j < n; ++j)
    bits |= uint64_t(x[j] != 0.0f) << j;
  return bits;
}

/// nonZeroBits of 8 floats, as one vector comparison.
CREDO_INLINE uint64_t byteOf(const float *x) {
#if defined(__has_builtin)
#if __has_builtin(__builtin_reduce_or)
#define CREDO_HAS_REDUCE_OR 1
#endif
#endif
#if defined(CREDO_HAS_REDUCE_OR)
  typedef int32_t Lanes __attribute__((vector_size(32)));
  const Lanes weights = {1, 2, 4, 8, 16, 32, 64, 128};
  const Lanes nonZero = load(x) != Vec{}; // all ones where x != 0 or NaN
  return uint64_t(__builtin_reduce_or(nonZero & weights));
#else
  return nonZeroBits(x, 8);
#endif
}

/// Transposes an 8x8 bit matrix, row r in byte r (Hacker's Delight).
CREDO_INLINE uint64_t transpose8x8(uint64_t x) {
  uint64_t t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAull;
  x ^= t ^ (t << 7);
  t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCull;
  x ^= t ^ (t << 14);
  t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ull;
  return x ^ t ^ (t << 28);
}

/// Fills masks [m][blocks] with op(a)'s non-zeros; returns their count.
CREDO_INLINE int64_t findNonZeros(const float *a, bool transposeA, int64_t m,
                                  int64_t k, int64_t blocks, uint64_t *masks) {
  std::fill(masks, masks + m * blocks, uint64_t(0));
  if (!transposeA) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t kb = 0; kb < blocks; ++kb) {
        const float *x = a + i * k + kb * kBlock;
        const int64_t n = std::min(kBlock, k - kb * kBlock);
        uint64_t bits = 0;
        int64_t j = 0;
        for (; j + 8 <= n; j += 8)
          bits |= byteOf(x + j) << j;
        if (j < n) // a partial last word
          bits |= nonZeroBits(x + j, n - j) << j;
        masks[i * blocks + kb] = bits;
      }
  } else { // a is [k][m]: 8 x 8 tiles of it, transposed as bits
    const int64_t m8 = m - m % 8, k8 = k - k % 8;
    for (int64_t j0 = 0; j0 < k8; j0 += 8)
      for (int64_t i0 = 0; i0 < m8; i0 += 8) {
        uint64_t tile = 0;
        for (int64_t r = 0; r < 8; ++r)
          tile |= byteOf(a + (j0 + r) * m + i0) << (8 * r);
        tile = transpose8x8(tile); // byte l: column i0 + l over j0..j0+7
        for (int64_t l = 0; l < 8; ++l)
          masks[(i0 + l) * blocks + j0 / kBlock] |= ((tile >> (8 * l)) & 0xff)
                                                    << (j0 % kBlock);
      }
    for (int64_t j = 0; j < k; ++j) // the rest, one by one
      for (int64_t i = j < k8 ? m8 : 0; i < m; ++i)
        masks[i * blocks + j / kBlock] |= uint64_t(a[j * m + i] != 0.0f)
                                          << (j % kBlock);
  }
  int64_t count = 0;
  for (int64_t e = 0; e < m * blocks; ++e)
    count += __builtin_popcountll(masks[e]);
  return count;
}

int64_t findNonZerosBaseline(const float *a, bool t, int64_t m, int64_t k,
                             int64_t blocks, uint64_t *masks) {
  return findNonZeros(a, t, m, k, blocks, masks);
}
CREDO_TARGET_AVX2 int64_t findNonZerosAvx2(const float *a, bool t, int64_t m,
                                           int64_t k, int64_t blocks,
                                           uint64_t *masks) {
  return findNonZeros(a, t, m, k, blocks, masks);
}

} // namespace

bool sparseMatmul(const float *a, bool transposeA, const float *b,
                  bool transposeB, const float *bias, float *y, int64_t m,
                  int64_t k, int64_t n, bool relu, double maxDensity,
                  bool accumulate) {
  if (maxDensity <= 0 || n % 8 != 0 || m <= 0 || k <= 0 || n <= 0 ||
      (accumulate && (bias || relu)))
    return false;
  // A large left operand goes to oneDNN's blocked gemm: on the MLP's
  // 256-wide layers the sparse kernel keeps up with it up to 4096 rows
  // (4 MiB of A) but runs at 70 % of it at 10,000 rows
  // (bench/run_mlp_forward.sh, CREDO_SPARSE=0 against the default).
  if (m > kMaxSparseElements / k)
    return false;
  const int64_t blocks = (k + kBlock - 1) / kBlock;
  thread_local std::vector<uint64_t> masks;
  try {
    if (int64_t(masks.size()) < m * blocks)
      masks.resize(m * blocks);
  } catch (const std::exception &) {
    return false; // oneDNN's dense product instead
  }
  const bool avx2 = cpuHasAvx2Fma();
  const int64_t nonZeros =
      avx2 ? findNonZerosAvx2(a, transposeA, m, k, blocks, masks.data())
           : findNonZerosBaseline(a, transposeA, m, k, blocks, masks.data());
  if (double(nonZeros) > maxDensity * double(m) * double(k))
    return false;
  const Args p{
      a,          b,    bias,         y,      m,         k, n, transposeA,
      transposeB, relu, masks.data(), blocks, accumulate};
  if (avx2)
    multiplyAvx2(p);
  else
    multiplyBaseline(p);
  return true;
}

} // namespace credo::rt
