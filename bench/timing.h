//===- bench/timing.h - Clock and median of Credo's kernel benchmarks -*- C++
//-*-===//
//
// The two helpers the kernel benchmarks (conv_kernels.cpp,
// sparse_layer.cpp) time their calls with.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_BENCH_TIMING_H
#define CREDO_BENCH_TIMING_H

#include <algorithm>
#include <chrono>
#include <vector>

namespace credo::bench {

/// Seconds on the monotonic clock.
inline double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The median of `v` (the upper one of an even count).
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace credo::bench

#endif // CREDO_BENCH_TIMING_H
