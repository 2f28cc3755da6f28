//===- SparseMatmul.cpp - Products with a mostly-zero left operand -------===//
//
// First pass: a bit mask of op(a)'s non-zeros per row and block of 64
// columns (which also counts them). Second pass, per strip of up to 96
// output columns and block of 64 rows of b (packed, 24 KiB, kept in L1) —
// at most a fifth non-zeros: 64 columns and 128 rows; with AVX-512, 128
// columns and 64 or 128 rows —: every row of op(a)
// adds a · b[k, strip] for each set bit k of its masks into the strip's
// vector accumulators, which start from the bias (first block) or the
// partial sums (later blocks). Rows of b that meet a zero are never read.
//
//===----------------------------------------------------------------------===//

#include "SparseMatmul.h"

#include "Simd.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace credo::rt {
namespace {

/// Most elements of the left operand that the sparse kernel takes.
constexpr int64_t kMaxSparseElements = int64_t(1) << 20;

using namespace simd;

constexpr int64_t kBlock = 64; ///< rows of b per mask word

/// The share of non-zeros up to which the strips are narrower and the
/// blocks taller (see multiply).
constexpr double kVerySparse = 0.2;

struct Args {
  const float *a, *b, *bias;
  float *y;
  int64_t m, k, n;
  bool transposeA, transposeB, relu;
  const uint64_t *masks; ///< [m][blocks]
  int64_t blocks;
  bool accumulate;     ///< y += op(a) · op(b)
  const float *addend; ///< [m][n] added at the end (after the bias), or null
  /// With Signs: op(a)'s entries are ±1 where `masks` is set, −1 where this
  /// ([m][blocks]) is set too, and `a` is not read.
  const uint64_t *negative = nullptr;
};

/// The values of spikes given by their sign bits.
constexpr float kSigns[2] = {1.0f, -1.0f};

/// Moves of a partial strip's vector: the first `count` (1..16) floats at
/// p into v, the other lanes zero; v's first `count` lanes to p.
using LoadFirst = void (*)(const float *p, int count, Vec16 &v);
using StoreFirst = void (*)(float *p, int count, const Vec16 &v);

/// One strip of S vectors V (kLanes<V> · S columns from n0) over all rows
/// and blocks of W mask words (64·W rows of b); T: op(a) = aᵀ; Signs:
/// op(a)'s values from p.negative. With Get and Put, a partial strip: one
/// Vec16 of which the first `width` lanes are columns (b's block packed
/// with zeros after them, y read and written with Get and Put; template
/// arguments, so that a target's intrinsics inline).
template <typename V, int S, bool T, int W, bool Signs, LoadFirst Get = nullptr,
          StoreFirst Put = nullptr>
CREDO_INLINE void strip(const Args &p, int64_t n0, int width = kLanes<V> * S) {
  constexpr bool kPartial = Get != nullptr;
  static_assert(!kPartial || (S == 1 && kLanes<V> == 16 && Put != nullptr));
  constexpr int64_t kRows = kBlock * W, kWidth = kLanes<V> * S;
  // The block of b, packed: rows of b are p.n floats apart, and a power of
  // two apart they would share a few cache sets.
  alignas(64) float packed[kRows * kWidth];
  if (kPartial)
    std::fill(packed, packed + kRows * kWidth, 0.0f);
  const int64_t blocks = (p.blocks + W - 1) / W;
  for (int64_t kb = 0; kb < blocks; ++kb) {
    const bool first = kb == 0, last = kb + 1 == blocks;
    const int64_t k0 = kb * kRows, rows = std::min(kRows, p.k - k0);
    const int64_t words = std::min<int64_t>(W, p.blocks - kb * W);
    if (!p.transposeB) {
      for (int64_t r = 0; r < rows; ++r)
        std::memcpy(packed + r * kWidth, p.b + (k0 + r) * p.n + n0,
                    sizeof(float) * width);
    } else { // b is [n][k]
      for (int64_t c = 0; c < width; ++c)
        for (int64_t r = 0; r < rows; ++r)
          packed[r * kWidth + c] = p.b[(n0 + c) * p.k + k0 + r];
    }
    for (int64_t i = 0; i < p.m; ++i) {
      const uint64_t *mask = p.masks + i * p.blocks + kb * W;
      uint64_t any = mask[0];
      for (int64_t w = 1; w < words; ++w)
        any |= mask[w];
      float *out = p.y + i * p.n + n0;
      const bool fresh = first && !p.accumulate; // y not yet written
      if (!fresh && !any && !(last && (p.relu || p.addend)))
        continue; // nothing to add
      V acc[S];
      CREDO_UNROLL
      for (int s = 0; s < S; ++s) {
        const float *from = fresh ? p.bias ? p.bias + n0 : nullptr : out;
        if (!from)
          acc[s] = V{};
        else if constexpr (kPartial)
          Get(from, width, acc[s]);
        else
          acc[s] = load<V>(from + kLanes<V> * s);
      }
      const int64_t step = T ? p.m : 1;
      for (int64_t w = 0; w < words; ++w) {
        uint64_t bits = mask[w];
        const int64_t kw = k0 + w * kBlock;
        const float *column = Signs ? nullptr
                              : T   ? p.a + kw * p.m + i
                                    : p.a + i * p.k + kw;
        const uint64_t signs =
            Signs ? p.negative[i * p.blocks + kb * W + w] : 0;
        const float *block = packed + w * kBlock * kWidth;
        while (bits) {
          const int64_t j = __builtin_ctzll(bits);
          bits &= bits - 1;
          const float v = Signs ? kSigns[(signs >> j) & 1] : column[j * step];
          const float *row = block + j * kWidth;
          CREDO_UNROLL
          for (int s = 0; s < S; ++s)
            acc[s] += v * load<V>(row + kLanes<V> * s);
        }
      }
      CREDO_UNROLL
      for (int s = 0; s < S; ++s) {
        if (last && p.addend) { // the product's sum, then + addend
          V addend;
          if constexpr (kPartial)
            Get(p.addend + i * p.n + n0, width, addend);
          else
            addend = load<V>(p.addend + i * p.n + n0 + kLanes<V> * s);
          acc[s] += addend;
        }
        if (last && p.relu)
          acc[s] = acc[s] > 0 ? acc[s] : acc[s] * 0.0f; // NaN stays NaN
        if constexpr (kPartial)
          Put(out, width, acc[s]);
        else
          store(out + kLanes<V> * s, acc[s]);
      }
    }
  }
}

/// The instruction sets of multiply's instances.
enum class Isa { Baseline, Avx2, Avx512 };

/// strip as a function of its own, compiled for instruction set I: each
/// variant is a small function (inlined into one function per instance,
/// the sanitizer build spent minutes in passes that grow faster than the
/// function), called once per strip.
template <typename V, int S, bool T, int W, bool Signs, LoadFirst Get,
          StoreFirst Put>
CREDO_NOINLINE void stripBaseline(const Args &p, int64_t n0, int width) {
  strip<V, S, T, W, Signs, Get, Put>(p, n0, width);
}
template <typename V, int S, bool T, int W, bool Signs, LoadFirst Get,
          StoreFirst Put>
CREDO_TARGET_AVX2 CREDO_NOINLINE void stripAvx2(const Args &p, int64_t n0,
                                                int width) {
  strip<V, S, T, W, Signs, Get, Put>(p, n0, width);
}
template <typename V, int S, bool T, int W, bool Signs, LoadFirst Get,
          StoreFirst Put>
CREDO_TARGET_AVX512 CREDO_NOINLINE void stripAvx512(const Args &p, int64_t n0,
                                                    int width) {
  strip<V, S, T, W, Signs, Get, Put>(p, n0, width);
}
template <Isa I, typename V, int S, bool T, int W, bool Signs,
          LoadFirst Get = nullptr, StoreFirst Put = nullptr>
CREDO_INLINE void stripFor(const Args &p, int64_t n0,
                           int width = kLanes<V> * S) {
  if constexpr (I == Isa::Avx512)
    stripAvx512<V, S, T, W, Signs, Get, Put>(p, n0, width);
  else if constexpr (I == Isa::Avx2)
    stripAvx2<V, S, T, W, Signs, Get, Put>(p, n0, width);
  else
    stripBaseline<V, S, T, W, Signs, Get, Put>(p, n0, width);
}

/// Strips of up to S vectors V over blocks of W mask words.
template <Isa I, typename V, bool T, int W, bool Signs, int S>
CREDO_INLINE void stripOf(const Args &p, int64_t n0, int vectors) {
  if constexpr (S > 1)
    if (vectors < S)
      return stripOf<I, V, T, W, Signs, S - 1>(p, n0, vectors);
  stripFor<I, V, S, T, W, Signs>(p, n0);
}

/// One strip of up to S vectors V from n0 (`vectors` of them).
template <Isa I, typename V, int S, int W>
CREDO_INLINE void stripAt(const Args &p, int64_t n0, int vectors) {
  if (p.negative)
    stripOf<I, V, false, W, true, S>(p, n0, vectors);
  else if (p.transposeA)
    stripOf<I, V, true, W, false, S>(p, n0, vectors);
  else
    stripOf<I, V, false, W, false, S>(p, n0, vectors);
}

/// The partial strip of the last `width` (< 16) columns from n0, moved
/// with Get and Put.
template <Isa I, int W, LoadFirst Get, StoreFirst Put>
CREDO_INLINE void partialStrip(const Args &p, int64_t n0, int width) {
  if (p.negative)
    stripFor<I, Vec16, 1, false, W, true, Get, Put>(p, n0, width);
  else if (p.transposeA)
    stripFor<I, Vec16, 1, true, W, false, Get, Put>(p, n0, width);
  else
    stripFor<I, Vec16, 1, false, W, false, Get, Put>(p, n0, width);
}

/// The strips, each over all rows and blocks; with Get and Put (16-float
/// vectors), the last columns that do not fill a vector are a partial
/// strip (any width: only the AVX-512 instance takes widths that are not a
/// multiple of 8). Every output adds its products in order of k whatever
/// the strips, blocks and vectors, so all shapes give the same bits.
template <Isa I, typename V, int S, int W, LoadFirst Get = nullptr,
          StoreFirst Put = nullptr>
CREDO_INLINE void strips(const Args &p) {
  for (int64_t n0 = 0; n0 < p.n;) {
    const int vectors =
        int(std::min<int64_t>(p.n - n0, kLanes<V> * S) / kLanes<V>);
    if (vectors == 0) {
      if constexpr (Get != nullptr)
        partialStrip<I, W, Get, Put>(p, n0, int(p.n - n0));
      return;
    }
    stripAt<I, V, S, W>(p, n0, vectors);
    n0 += kLanes<V> * vectors;
  }
}

/// Twelve accumulators (96 columns) keep both FMA units busy across their
/// latency over blocks of 64 rows of b (24 KiB packed). When at most a
/// fifth of op(a) is non-zero, a row meets only a few rows of b per block,
/// so storing and reloading its accumulators between blocks costs as much
/// as the products: strips of 8 vectors over blocks of 128 rows (32 KiB)
/// do it half as often: 5–10 % faster on the SNN's recorded spikes and on
/// random operands with 6–12 % non-zeros, the same at 25 % (but 12 %
/// slower at 50 %, hence the threshold).
template <Isa I> CREDO_INLINE void multiply(const Args &p, bool sparse) {
  if (sparse)
    strips<I, Vec, 8, 2>(p);
  else
    strips<I, Vec, 12, 1>(p);
}

void multiplyBaseline(const Args &p, bool sparse) {
  multiply<Isa::Baseline>(p, sparse);
}
CREDO_TARGET_AVX2 void multiplyAvx2(const Args &p, bool sparse) {
  multiply<Isa::Avx2>(p, sparse);
}

#if defined(__x86_64__)
/// LoadFirst and StoreFirst: AVX-512 masked moves.
CREDO_TARGET_AVX512 CREDO_INLINE void loadFirstAvx512(const float *p, int count,
                                                      Vec16 &v) {
  v = _mm512_maskz_loadu_ps(__mmask16((1u << count) - 1), p);
}
CREDO_TARGET_AVX512 CREDO_INLINE void storeFirstAvx512(float *p, int count,
                                                       const Vec16 &v) {
  _mm512_mask_storeu_ps(p, __mmask16((1u << count) - 1), v);
}
#else
CREDO_INLINE void loadFirstAvx512(const float *p, int count, Vec16 &v) {
  v = Vec16{};
  std::memcpy(&v, p, sizeof(float) * count);
}
CREDO_INLINE void storeFirstAvx512(float *p, int count, const Vec16 &v) {
  std::memcpy(p, &v, sizeof(float) * count);
}
#endif

/// The AVX-512 instance: strips of eight 16-float vectors (128 columns)
/// over blocks of 128 rows (sparse) or 64 (denser): per non-zero, half the
/// loop trips of the AVX2 instance's 64-column strips, two thirds of its
/// 96-column ones. On an Intel Xeon with AVX-512 and AMX, random ±1 spikes
/// [128, 784] times [784, 256]: 15 % faster at 10 % non-zeros, 25–30 % at
/// 30–50 %, and 25–30 % on the spikes' weight gradient; the SNN's epoch
/// (bench/run_snn_train.sh) 18 % faster. 128-row blocks for the denser
/// operands, and 64- or 256-column strips, were slower.
CREDO_TARGET_AVX512 void multiplyAvx512(const Args &p, bool sparse) {
  if (sparse)
    strips<Isa::Avx512, Vec16, 8, 2, loadFirstAvx512, storeFirstAvx512>(p);
  else
    strips<Isa::Avx512, Vec16, 8, 1, loadFirstAvx512, storeFirstAvx512>(p);
}

/// Whether multiplyBest takes products n columns wide: multiples of 8, any
/// width with AVX-512 (a partial last strip).
bool takesWidth(int64_t n) { return n % 8 == 0 || cpuHasAvx512(); }

/// The widest instance of multiply this CPU runs (p.n: see takesWidth).
void multiplyBest(const Args &p, bool sparse) {
  if (cpuHasAvx512())
    multiplyAvx512(p, sparse);
  else if (cpuHasAvx2Fma())
    multiplyAvx2(p, sparse);
  else
    multiplyBaseline(p, sparse);
}

/// Bit j of the result: x[j] != 0 (NaN counts), for n <= 64 floats.
CREDO_INLINE uint64_t nonZeroBits(const float *x, int64_t n) {
  uint64_t bits = 0;
  for (int64_t j = 0; j < n; ++j)
    bits |= uint64_t(x[j] != 0.0f) << j;
  return bits;
}

#if defined(__x86_64__)
/// nonZeroBits with 8-float comparisons and their sign masks.
CREDO_TARGET_AVX2 CREDO_INLINE uint64_t nonZeroBitsAvx2(const float *x,
                                                        int64_t n) {
  const __m256 zero = _mm256_setzero_ps();
  uint64_t bits = 0;
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) // unordered or not equal: NaN counts
    bits |= uint64_t(unsigned(_mm256_movemask_ps(
                _mm256_cmp_ps(_mm256_loadu_ps(x + j), zero, _CMP_NEQ_UQ))))
            << j;
  return j < n ? bits | nonZeroBits(x + j, n - j) << j : bits;
}

/// nonZeroBits with 16-float comparisons into mask registers (the last
/// one masked).
CREDO_TARGET_AVX512 CREDO_INLINE uint64_t nonZeroBitsAvx512(const float *x,
                                                            int64_t n) {
  const __m512 zero = _mm512_setzero_ps();
  if (n == 64) { // a whole word: four unmasked comparisons
    const __mmask16 q0 =
        _mm512_cmp_ps_mask(_mm512_loadu_ps(x), zero, _CMP_NEQ_UQ);
    const __mmask16 q1 =
        _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 16), zero, _CMP_NEQ_UQ);
    const __mmask16 q2 =
        _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 32), zero, _CMP_NEQ_UQ);
    const __mmask16 q3 =
        _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 48), zero, _CMP_NEQ_UQ);
    return uint64_t(q0) | uint64_t(q1) << 16 | uint64_t(q2) << 32 |
           uint64_t(q3) << 48;
  }
  uint64_t bits = 0;
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 lanes =
        n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
    bits |= uint64_t(_mm512_mask_cmp_ps_mask(
                lanes, _mm512_maskz_loadu_ps(lanes, x + j), zero, _CMP_NEQ_UQ))
            << j;
  }
  return bits;
}
#endif

/// One stage of transposeBits: rows r and r + J (bit J of r clear) swap
/// the bits of r at positions with bit J set for the bits of r + J at
/// positions with bit J clear (`low`).
template <int J> CREDO_INLINE void swapBlocks(uint64_t *rows, uint64_t low) {
  for (int base = 0; base < 64; base += 2 * J)
    for (int r = base; r < base + J; ++r) {
      const uint64_t t = ((rows[r] >> J) ^ rows[r + J]) & low;
      rows[r + J] ^= t;
      rows[r] ^= t << J;
    }
}

/// Transposes the 64 x 64 bit matrix rows[r] bit c -> rows[c] bit r, by
/// swapping off-diagonal blocks of 32, 16, ..., 1 bits.
CREDO_INLINE void transposeBits(uint64_t *rows) {
  swapBlocks<32>(rows, 0x00000000FFFFFFFFull);
  swapBlocks<16>(rows, 0x0000FFFF0000FFFFull);
  swapBlocks<8>(rows, 0x00FF00FF00FF00FFull);
  swapBlocks<4>(rows, 0x0F0F0F0F0F0F0F0Full);
  swapBlocks<2>(rows, 0x3333333333333333ull);
  swapBlocks<1>(rows, 0x5555555555555555ull);
}

#if defined(__x86_64__)
/// One stage of transposeBitsAvx512 between two vectors of rows.
CREDO_TARGET_AVX512 CREDO_INLINE void swapVectors(__m512i &a, __m512i &b, int j,
                                                  uint64_t low) {
  const __m512i t = _mm512_and_si512(
      _mm512_xor_si512(_mm512_srli_epi64(a, j), b), _mm512_set1_epi64(low));
  b = _mm512_xor_si512(b, t);
  a = _mm512_xor_si512(a, _mm512_slli_epi64(t, j));
}

/// One stage of transposeBitsAvx512 within a vector: `y` is `x` with each
/// lane's partner in its place, `upper` the lanes that take the partner's
/// low bits.
CREDO_TARGET_AVX512 CREDO_INLINE __m512i swapLanes(__m512i x, __m512i y, int j,
                                                   uint64_t low,
                                                   __mmask8 upper) {
  const __m512i m = _mm512_set1_epi64(low);
  const __m512i ta =
      _mm512_and_si512(_mm512_xor_si512(_mm512_srli_epi64(x, j), y), m);
  const __m512i tb =
      _mm512_and_si512(_mm512_xor_si512(_mm512_srli_epi64(y, j), x), m);
  return _mm512_mask_blend_epi64(upper,
                                 _mm512_xor_si512(x, _mm512_slli_epi64(ta, j)),
                                 _mm512_xor_si512(x, tb));
}

/// transposeBits in eight vectors of eight rows: the stages of 32, 16 and
/// 8 rows pair whole vectors, those of 4, 2 and 1 the lanes of one vector.
CREDO_TARGET_AVX512 CREDO_INLINE void transposeBitsAvx512(uint64_t *rows) {
  __m512i v[8];
  for (int i = 0; i < 8; ++i)
    v[i] = _mm512_loadu_si512(rows + 8 * i);
  for (int i = 0; i < 4; ++i)
    swapVectors(v[i], v[i + 4], 32, 0x00000000FFFFFFFFull);
  for (int i : {0, 1, 4, 5})
    swapVectors(v[i], v[i + 2], 16, 0x0000FFFF0000FFFFull);
  for (int i : {0, 2, 4, 6})
    swapVectors(v[i], v[i + 1], 8, 0x00FF00FF00FF00FFull);
  for (int i = 0; i < 8; ++i)
    v[i] = swapLanes(v[i], _mm512_shuffle_i64x2(v[i], v[i], 0x4E), 4,
                     0x0F0F0F0F0F0F0F0Full, 0xF0);
  for (int i = 0; i < 8; ++i)
    v[i] = swapLanes(v[i], _mm512_permutex_epi64(v[i], 0x4E), 2,
                     0x3333333333333333ull, 0xCC);
  for (int i = 0; i < 8; ++i)
    v[i] = swapLanes(v[i], _mm512_permutex_epi64(v[i], 0xB1), 1,
                     0x5555555555555555ull, 0xAA);
  for (int i = 0; i < 8; ++i)
    _mm512_storeu_si512(rows + 8 * i, v[i]);
}
#endif

/// Transposes the tiles of `scratch` ([ceil(m / 64)][64] words: bit c of
/// word r of tile w is entry (r, 64w + c) of a block of 64 rows) into
/// column kb of masks [m][blocks].
template <void (*transpose)(uint64_t *)>
CREDO_INLINE void transposeTiles(uint64_t *scratch, int64_t m, int64_t blocks,
                                 int64_t kb, uint64_t *masks) {
  const int64_t tiles = (m + kBlock - 1) / kBlock;
  for (int64_t w = 0; w < tiles; ++w) {
    uint64_t *tile = scratch + w * kBlock;
    transpose(tile);
    const int64_t columns = std::min(kBlock, m - w * kBlock);
    for (int64_t c = 0; c < columns; ++c)
      masks[(w * kBlock + c) * blocks + kb] = tile[c];
  }
}

/// Fills masks [m][blocks] for a transposed a [k][m], with room for
/// 64 * ceil(m / 64) more words after them: each block of 64 rows of a is
/// searched row by row like a plain operand, in memory order (the weight
/// gradient's operand usually comes back from memory, a time loop's
/// record, and whole rows stream at the memory's rate), and its 64 x 64 bit
/// tiles are transposed into the columns' masks. On the SNN's recorded
/// spikes, warm in cache, 6.2 µs where ORing each row's bits into its
/// columns' masks took 9.2.
template <uint64_t (*bits)(const float *, int64_t),
          void (*transpose)(uint64_t *)>
CREDO_INLINE void columnMasks(const float *a, int64_t m, int64_t k,
                              int64_t blocks, uint64_t *masks) {
  const int64_t tiles = (m + kBlock - 1) / kBlock;
  uint64_t *scratch = masks + m * blocks; // [tiles][64]
  for (int64_t kb = 0; kb < blocks; ++kb) {
    const int64_t rows = std::min(kBlock, k - kb * kBlock);
    for (int64_t r = 0; r < kBlock; ++r)
      for (int64_t w = 0; w < tiles; ++w)
        scratch[w * kBlock + r] =
            r < rows ? bits(a + (kb * kBlock + r) * m + w * kBlock,
                            std::min(kBlock, m - w * kBlock))
                     : 0;
    transposeTiles<transpose>(scratch, m, blocks, kb, masks);
  }
}

/// Fills masks [m][blocks] with the transpose of the bit matrix `rows`
/// ([k][ceil(m / 64)] words: bit c of word w of row r is entry (r, 64w + c)),
/// using `scratch` (64 * ceil(m / 64) words).
template <void (*transpose)(uint64_t *)>
CREDO_INLINE void transposeMasks(const uint64_t *rows, int64_t m, int64_t k,
                                 int64_t blocks, uint64_t *masks,
                                 uint64_t *scratch) {
  const int64_t tiles = (m + kBlock - 1) / kBlock;
  for (int64_t kb = 0; kb < blocks; ++kb) {
    const int64_t count = std::min(kBlock, k - kb * kBlock);
    for (int64_t r = 0; r < kBlock; ++r)
      for (int64_t w = 0; w < tiles; ++w)
        scratch[w * kBlock + r] =
            r < count ? rows[(kb * kBlock + r) * tiles + w] : 0;
    transposeTiles<transpose>(scratch, m, blocks, kb, masks);
  }
}

/// The number of set bits of masks[0..n).
CREDO_INLINE int64_t countBits(const uint64_t *masks, int64_t n) {
  int64_t count = 0;
  for (int64_t e = 0; e < n; ++e)
    count += __builtin_popcountll(masks[e]);
  return count;
}

// findNonZeros*: fill masks [m][blocks] with op(a)'s non-zeros and return
// their count (a transposed a needs m more words of room after the masks);
// a row of a [m][k] is compared in the instance's widest vectors. Each instance
// spells its loops out: a function with a target's intrinsics inlines only into
// a function compiled for that target.
int64_t findNonZerosBaseline(const float *a, bool transposeA, int64_t m,
                             int64_t k, int64_t blocks, uint64_t *masks) {
  if (transposeA)
    columnMasks<nonZeroBits, transposeBits>(a, m, k, blocks, masks);
  else
    for (int64_t i = 0; i < m; ++i)
      for (int64_t kb = 0; kb < blocks; ++kb)
        masks[i * blocks + kb] = nonZeroBits(a + i * k + kb * kBlock,
                                             std::min(kBlock, k - kb * kBlock));
  return countBits(masks, m * blocks);
}

#if defined(__x86_64__)
CREDO_TARGET_AVX2 int64_t findNonZerosAvx2(const float *a, bool transposeA,
                                           int64_t m, int64_t k, int64_t blocks,
                                           uint64_t *masks) {
  if (transposeA)
    columnMasks<nonZeroBitsAvx2, transposeBits>(a, m, k, blocks, masks);
  else
    for (int64_t i = 0; i < m; ++i)
      for (int64_t kb = 0; kb < blocks; ++kb)
        masks[i * blocks + kb] = nonZeroBitsAvx2(
            a + i * k + kb * kBlock, std::min(kBlock, k - kb * kBlock));
  return countBits(masks, m * blocks);
}

CREDO_TARGET_AVX512 int64_t findNonZerosAvx512(const float *a, bool transposeA,
                                               int64_t m, int64_t k,
                                               int64_t blocks,
                                               uint64_t *masks) {
  if (transposeA)
    columnMasks<nonZeroBitsAvx512, transposeBitsAvx512>(a, m, k, blocks, masks);
  else
    for (int64_t i = 0; i < m; ++i)
      for (int64_t kb = 0; kb < blocks; ++kb)
        masks[i * blocks + kb] = nonZeroBitsAvx512(
            a + i * k + kb * kBlock, std::min(kBlock, k - kb * kBlock));
  return countBits(masks, m * blocks);
}
#else
int64_t findNonZerosAvx2(const float *a, bool t, int64_t m, int64_t k,
                         int64_t blocks, uint64_t *masks) {
  return findNonZerosBaseline(a, t, m, k, blocks, masks);
}
int64_t findNonZerosAvx512(const float *a, bool t, int64_t m, int64_t k,
                           int64_t blocks, uint64_t *masks) {
  return findNonZerosBaseline(a, t, m, k, blocks, masks);
}
#endif

// transposeMasks*: transposeMasks in the instance's widest vectors.
void transposeMasksBaseline(const uint64_t *rows, int64_t m, int64_t k,
                            int64_t blocks, uint64_t *masks,
                            uint64_t *scratch) {
  transposeMasks<transposeBits>(rows, m, k, blocks, masks, scratch);
}
#if defined(__x86_64__)
CREDO_TARGET_AVX512 void transposeMasksAvx512(const uint64_t *rows, int64_t m,
                                              int64_t k, int64_t blocks,
                                              uint64_t *masks,
                                              uint64_t *scratch) {
  transposeMasks<transposeBitsAvx512>(rows, m, k, blocks, masks, scratch);
}
#else
void transposeMasksAvx512(const uint64_t *rows, int64_t m, int64_t k,
                          int64_t blocks, uint64_t *masks, uint64_t *scratch) {
  transposeMasksBaseline(rows, m, k, blocks, masks, scratch);
}
#endif

/// The two words of the masks of x[0..n), n <= 64: bit j of `nonZero` where
/// x[j] is a non-zero number, of `negative` where it is a negative one or
/// NaN (a NaN spike is the pair (0, 1), which no number gives).
CREDO_INLINE void spikeBits(const float *x, int64_t n, uint64_t &nonZero,
                            uint64_t &negative) {
  nonZero = negative = 0;
  for (int64_t j = 0; j < n; ++j) {
    const bool nan = std::isnan(x[j]), set = !nan && x[j] != 0.0f;
    nonZero |= uint64_t(set) << j;
    negative |= uint64_t(nan || (set && std::signbit(x[j]))) << j;
  }
}

// spikeMasks*: the masks of credo_rt_spike_masks_f32, [2][rows][words].
void spikeMasksBaseline(const float *s, int64_t rows, int64_t k,
                        uint64_t *masks) {
  const int64_t words = (k + kBlock - 1) / kBlock;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t w = 0; w < words; ++w)
      spikeBits(s + i * k + w * kBlock, std::min(kBlock, k - w * kBlock),
                masks[i * words + w], masks[(rows + i) * words + w]);
}
#if defined(__x86_64__)
/// spikeBits of the 16 floats at x (the lanes of `lanes`), added at bit j
/// of the words.
CREDO_TARGET_AVX512 CREDO_INLINE void spikeBitsAvx512(const float *x,
                                                      __mmask16 lanes, int j,
                                                      uint64_t &nonZero,
                                                      uint64_t &negative) {
  const __m512 v = _mm512_maskz_loadu_ps(lanes, x);
  const __mmask16 set =
      _mm512_mask_cmp_ps_mask(lanes, v, _mm512_setzero_ps(), _CMP_NEQ_OQ);
  const __mmask16 nan = _mm512_mask_cmp_ps_mask(lanes, v, v, _CMP_UNORD_Q);
  const __mmask16 sign = _mm512_movepi32_mask(_mm512_castps_si512(v));
  nonZero |= uint64_t(set) << j;
  negative |= uint64_t((set & sign) | nan) << j;
}

CREDO_TARGET_AVX512 void spikeMasksAvx512(const float *s, int64_t rows,
                                          int64_t k, uint64_t *masks) {
  const int64_t words = (k + kBlock - 1) / kBlock;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t w = 0; w < words; ++w) {
      const float *x = s + i * k + w * kBlock;
      const int64_t n = std::min(kBlock, k - w * kBlock);
      uint64_t nonZero = 0, negative = 0;
      for (int j = 0; j < n; j += 16)
        spikeBitsAvx512(x + j,
                        n - j >= 16 ? __mmask16(0xFFFF)
                                    : __mmask16((1u << (n - j)) - 1),
                        j, nonZero, negative);
      masks[i * words + w] = nonZero;
      masks[(rows + i) * words + w] = negative;
    }
}
#else
void spikeMasksAvx512(const float *s, int64_t rows, int64_t k,
                      uint64_t *masks) {
  spikeMasksBaseline(s, rows, k, masks);
}
#endif

} // namespace

bool sparseMatmul(const float *a, bool transposeA, const float *b,
                  bool transposeB, const float *bias, float *y, int64_t m,
                  int64_t k, int64_t n, bool relu, double maxDensity,
                  bool accumulate, const float *addend) {
  if (maxDensity <= 0 || n % 8 != 0 || m <= 0 || k <= 0 || n <= 0 ||
      (accumulate && (bias || relu || addend)) || (addend && relu) ||
      (addend && addend == y))
    return false;
  // A large left operand goes to oneDNN's blocked gemm: on the MLP's
  // 256-wide layers the sparse kernel keeps up with it up to 4096 rows
  // (4 MiB of A) but runs at 70 % of it at 10,000 rows
  // (bench/run_mlp_forward.sh, CREDO_SPARSE=0 against the default).
  if (m > kMaxSparseElements / k)
    return false;
  const int64_t blocks = (k + kBlock - 1) / kBlock;
  // The masks, and for a transposed operand one block's row masks in tiles
  // of 64 columns.
  const int64_t words =
      m * blocks + (transposeA ? (m + kBlock - 1) / kBlock * kBlock : 0);
  thread_local std::vector<uint64_t> masks;
  try {
    if (int64_t(masks.size()) < words)
      masks.resize(words);
  } catch (const std::exception &) {
    return false; // oneDNN's dense product instead
  }
  const bool avx2 = cpuHasAvx2Fma();
  const int64_t nonZeros =
      cpuHasAvx512()
          ? findNonZerosAvx512(a, transposeA, m, k, blocks, masks.data())
      : avx2 ? findNonZerosAvx2(a, transposeA, m, k, blocks, masks.data())
             : findNonZerosBaseline(a, transposeA, m, k, blocks, masks.data());
  if (double(nonZeros) > maxDensity * double(m) * double(k))
    return false;
  const Args p{
      a,          b,    bias,         y,      m,          k,     n, transposeA,
      transposeB, relu, masks.data(), blocks, accumulate, addend};
  multiplyBest(p, double(nonZeros) <= kVerySparse * double(m) * double(k));
  return true;
}

void spikeMasks(const float *s, int64_t rows, int64_t k, uint64_t *masks) {
  if (cpuHasAvx512())
    spikeMasksAvx512(s, rows, k, masks);
  else
    spikeMasksBaseline(s, rows, k, masks);
}

namespace {
/// Row i of y[rows][n] (any width n) from the masks of row i: from y's
/// values (accumulate), the bias or zero, adds or subtracts the rows of d
/// that its set bits name, in order, then the addend's row (if any): sᵀ·d
/// from the transposed masks, or a dense layer s·d from the masks.
void spikeRows(const uint64_t *nonZero, const uint64_t *negative,
               const float *d, float *y, int64_t rows, int64_t blocks,
               int64_t n, bool accumulate, const float *bias = nullptr,
               const float *addend = nullptr) {
  for (int64_t i = 0; i < rows; ++i) {
    float *out = y + i * n;
    if (!accumulate)
      for (int64_t c = 0; c < n; ++c)
        out[c] = bias ? bias[c] : 0.0f;
    for (int64_t kb = 0; kb < blocks; ++kb) {
      uint64_t bits = nonZero[i * blocks + kb];
      const uint64_t signs = negative[i * blocks + kb];
      while (bits) {
        const int64_t j = __builtin_ctzll(bits);
        bits &= bits - 1;
        const float v = kSigns[(signs >> j) & 1];
        const float *row = d + (kb * kBlock + j) * n;
        for (int64_t c = 0; c < n; ++c)
          out[c] = std::fma(v, row[c], out[c]);
      }
    }
    if (addend)
      for (int64_t c = 0; c < n; ++c)
        out[c] += addend[i * n + c];
  }
}

/// The outputs of the spike masks' product that a NaN spike (the pair
/// (0, 1)) reaches, NaN: its product with any d[b, c] is NaN, and so is
/// the sum it joins (the products of the numbers skip it).
void propagateNaN(const uint64_t *masks, float *y, int64_t k, int64_t b,
                  int64_t n) {
  const int64_t words = (k + kBlock - 1) / kBlock;
  for (int64_t i = 0; i < b; ++i)
    for (int64_t w = 0; w < words; ++w) {
      uint64_t nan = masks[(b + i) * words + w] & ~masks[i * words + w];
      while (nan) {
        const int64_t j = __builtin_ctzll(nan);
        nan &= nan - 1;
        std::fill(y + (w * kBlock + j) * n, y + (w * kBlock + j + 1) * n,
                  std::numeric_limits<float>::quiet_NaN());
      }
    }
}
} // namespace

bool spikeMasksMatmul(const uint64_t *masks, const float *d, float *y,
                      int64_t k, int64_t b, int64_t n, bool accumulate) {
  const int64_t words = (k + kBlock - 1) / kBlock;
  const int64_t blocks = (b + kBlock - 1) / kBlock;
  // The transposed non-zero and negative masks [k][blocks] each, and one
  // block's tiles.
  thread_local std::vector<uint64_t> columns;
  try {
    if (int64_t(columns.size()) < 2 * k * blocks + words * kBlock)
      columns.resize(2 * k * blocks + words * kBlock);
  } catch (const std::exception &) {
    return false;
  }
  uint64_t *nonZero = columns.data(), *negative = nonZero + k * blocks;
  uint64_t *scratch = negative + k * blocks;
  auto transpose =
      cpuHasAvx512() ? transposeMasksAvx512 : transposeMasksBaseline;
  transpose(masks, k, b, blocks, nonZero, scratch);
  transpose(masks + b * words, k, b, blocks, negative, scratch);
  if (takesWidth(n) && b > 0) {
    const Args p{nullptr, d,      nullptr,    y,       k,
                 b,       n,      false,      false,   false,
                 nonZero, blocks, accumulate, nullptr, negative};
    multiplyBest(p, double(countBits(nonZero, k * blocks)) <=
                        kVerySparse * double(k) * double(b));
  } else {
    // Rows of any width (and an empty batch, whose sums are zero): the same
    // sums, in order of b from y (or zero).
    spikeRows(nonZero, negative, d, y, k, blocks, n, accumulate);
  }
  propagateNaN(masks, y, k, b, n);
  return true;
}

bool spikeMasksDense(const uint64_t *masks, const float *w, const float *bias,
                     const float *addend, float *y, int64_t b, int64_t k,
                     int64_t n) {
  if (b <= 0 || n <= 0)
    return true;
  const int64_t words = (k + kBlock - 1) / kBlock;
  const uint64_t *nonZero = masks, *negative = masks + b * words;
  if (addend == y) { // the strips write y before they add the addend
    thread_local std::vector<float> aside;
    try {
      aside.assign(addend, addend + b * n);
    } catch (const std::exception &) {
      return false;
    }
    addend = aside.data();
  }
  if (takesWidth(n) && k > 0) {
    const Args p{nullptr, w,     bias,    y,     b,     k,      n,       false,
                 false,   false, nonZero, words, false, addend, negative};
    multiplyBest(p, double(countBits(nonZero, b * words)) <=
                        kVerySparse * double(b) * double(k));
  } else {
    // Rows of any width: the same sums, in order of k from the bias.
    spikeRows(nonZero, negative, w, y, b, words, n, /*accumulate=*/false, bias,
              addend);
  }
  // A NaN spike (the pair (0, 1)): its row of y is NaN, as its products
  // would make it.
  for (int64_t i = 0; i < b; ++i)
    for (int64_t wd = 0; wd < words; ++wd)
      if (negative[i * words + wd] & ~nonZero[i * words + wd]) {
        std::fill(y + i * n, y + (i + 1) * n,
                  std::numeric_limits<float>::quiet_NaN());
        break;
      }
  return true;
}

} // namespace credo::rt
