//===- bench/sparse_layer.cpp - Fixed-sparse vs dense layer kernels -*- C++
//-*-===//
//
// One training pass of y = x·W, x [128, 1024], W [1024, 1024], through the
// kernels that Credo's generated code calls (credo/kernels.h), one thread:
// sparse W as index pairs at densities 1-50 % (credo_rt_sparse_contract_f32
// forward and for the input gradient, credo_rt_sparse_pair_dot_f32 for the
// values' gradient) against the dense oneDNN product (credo_rt_matmul_f32:
// forward, dx = dy·Wᵀ, dW = xᵀ·dy). The same work as ../shared/bench-ref/
// sparse.py's fixed part (forward, gradients of x and of the non-zeros).
// Prints one JSON line per density with the median passes per second.
//
// Usage: sparse_layer [REPS]
//
//===----------------------------------------------------------------------===//

#include "credo/kernels.h"
#include "credo/runtime.h"

#include "timing.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using credo::bench::median;
using credo::bench::seconds;

int main(int argc, char **argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  const int64_t n = 1024, bs = 128;
  credo_set_num_threads(1);
  std::mt19937_64 rng(0);
  std::normal_distribution<float> normal;
  std::vector<float> x(bs * n), dy(bs * n), y(bs * n), dx(bs * n);
  for (float &v : x)
    v = normal(rng);
  for (float &v : dy)
    v = normal(rng);
  // Dense: the oneDNN products of forward and backward.
  std::vector<float> w(n * n), dw(n * n);
  for (float &v : w)
    v = normal(rng);
  auto densePass = [&] {
    credo_rt_matmul_f32(x.data(), w.data(), y.data(), bs, n, n, 0, 0);
    credo_rt_matmul_f32(dy.data(), w.data(), dx.data(), bs, n, n, 0, 1);
    credo_rt_matmul_f32(x.data(), dy.data(), dw.data(), n, bs, n, 1, 0);
  };
  auto time = [&](auto pass) {
    std::vector<double> t;
    for (int r = 0; r < reps + 2; ++r) {
      double t0 = seconds();
      pass();
      if (r >= 2)
        t.push_back(seconds() - t0);
    }
    return 1.0 / median(t);
  };
  const double dense = time(densePass);
  std::uniform_real_distribution<double> u(0, 1);
  for (double density : {0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5}) {
    // Pairs (input row i, output column o) of a random mask, row-major:
    // W[i, o] is pair (o, i) of credo.sparse_contract.
    std::vector<int64_t> pairs;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t o = 0; o < n; ++o)
        if (u(rng) < density) {
          pairs.push_back(o);
          pairs.push_back(i);
        }
    const int64_t nnz = int64_t(pairs.size() / 2);
    std::vector<float> vals(nnz), dvals(nnz);
    for (float &v : vals)
      v = normal(rng);
    auto sparsePass = [&] {
      credo_rt_sparse_contract_f32(pairs.data(), vals.data(), x.data(),
                                   y.data(), nnz, bs, n, n, 0, 1);
      credo_rt_sparse_contract_f32(pairs.data(), vals.data(), dy.data(),
                                   dx.data(), nnz, bs, n, n, 1, 0);
      credo_rt_sparse_pair_dot_f32(pairs.data(), dy.data(), x.data(),
                                   dvals.data(), nnz, bs, n, n, 0, 1);
    };
    const double sparse = time(sparsePass);
    if (credo_rt_take_status() != CREDO_OK) {
      std::fprintf(stderr, "kernel failure: %s\n", credo_last_error());
      return 1;
    }
    std::printf("{\"density\": %.2f, \"nnz\": %lld, \"sparse_steps_per_s\": "
                "%.1f, \"dense_steps_per_s\": %.1f}\n",
                density, (long long)nnz, sparse, dense);
  }
  return 0;
}
