//===- Simd.h - Float vectors for Credo's CPU kernels -----------*- C++ -*-===//
//
// The vector types and helpers that Credo's hand-written kernels share: one
// 8-float vector (an AVX register, two SSE registers otherwise) and a
// 16-float one for the AVX-512 instances, unaligned loads and stores,
// forced inlining and unrolling, and the AVX2+FMA and AVX-512 targets that
// kernels are also compiled for and pick at run time. Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_RUNTIME_SRC_CPU_SIMD_H
#define CREDO_RUNTIME_SRC_CPU_SIMD_H

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace credo::rt::simd {

typedef float Vec __attribute__((vector_size(32)));
/// Only in functions compiled for CREDO_TARGET_AVX512 (one register there).
typedef float Vec16 __attribute__((vector_size(64)));
// Every function that takes or returns a vector is inlined: no vector
// crosses a call, so the ABI note about 32- and 64-byte vectors without AVX
// does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

#define CREDO_INLINE inline __attribute__((always_inline))
#define CREDO_NOINLINE __attribute__((noinline))
#if defined(__clang__)
#define CREDO_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define CREDO_UNROLL _Pragma("GCC unroll 16")
#else
#define CREDO_UNROLL
#endif

/// The floats of a V (Vec or Vec16) from p, unaligned.
template <typename V = Vec> CREDO_INLINE V load(const float *p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V> CREDO_INLINE void store(float *p, V v) {
  std::memcpy(p, &v, sizeof v);
}
/// The floats in a V.
template <typename V> constexpr int kLanes = int(sizeof(V) / sizeof(float));

/// sums[0..8) += the lane sums of `rows` rows of `length` 8-lane vectors
/// (contiguous): each row in f32, the rows' sums in f64.
CREDO_INLINE void addLaneSums(const float *rows, int64_t count, int64_t length,
                              double *sums) {
  for (int64_t r = 0; r < count; ++r) {
    Vec sum{};
    for (int64_t e = 0; e < length; ++e)
      sum += load(rows + (r * length + e) * 8);
    for (int l = 0; l < 8; ++l)
      sums[l] += sum[l];
  }
}

/// Whether this CPU runs the AVX2+FMA instances (CREDO_TARGET_AVX2).
/// CREDO_CPU_BASELINE=1 in the environment picks the baseline instances
/// (for testing them on any CPU).
inline bool cpuHasAvx2Fma() {
#if defined(__x86_64__)
  static const bool yes = [] {
    const char *baseline = std::getenv("CREDO_CPU_BASELINE");
    if (baseline && baseline[0] == '1')
      return false;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
#else
  return false;
#endif
}

/// Whether this CPU runs the AVX-512 instances (CREDO_TARGET_AVX512: F,
/// DQ, BW and VL, with AVX2 and FMA). CREDO_CPU_BASELINE=1 or
/// CREDO_CPU_AVX512=0 in the environment turns them off (the AVX2 ones
/// run, for testing them on any CPU that has AVX-512).
inline bool cpuHasAvx512() {
#if defined(__x86_64__)
  static const bool yes = [] {
    const char *off = std::getenv("CREDO_CPU_AVX512");
    if (!cpuHasAvx2Fma() || (off && off[0] == '0'))
      return false;
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
  }();
  return yes;
#else
  return false;
#endif
}

} // namespace credo::rt::simd

#if defined(__x86_64__)
#define CREDO_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define CREDO_TARGET_AVX512                                                    \
  __attribute__((target("avx2,fma,avx512f,avx512dq,avx512bw,avx512vl")))
#else
#define CREDO_TARGET_AVX2
#define CREDO_TARGET_AVX512
#endif

#endif // CREDO_RUNTIME_SRC_CPU_SIMD_H
