//===- bench/conv_kernels.cpp - Time Credo's convolution kernels -*- C++
//-*-===//
//
// Times the three passes of one convolution through the public kernels
// (credo/kernels.h) on one thread: forward with bias, input gradient, and
// weight gradient with bias gradient, all images channel-blocked. Prints
// one JSON line with the median milliseconds per call of each pass.
// run_conv_kernels.sh runs it with and without CREDO_WINOGRAD=0.
//
// Usage: conv_kernels LABEL [B C H W O K PAD] [CALLS]
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
  const char *label = argc > 1 ? argv[1] : "default";
  int64_t B = 64, C = 32, H = 14, W = 14, O = 64, K = 5, P = 2, calls = 20;
  if (argc >= 9) {
    B = atoll(argv[2]), C = atoll(argv[3]), H = atoll(argv[4]);
    W = atoll(argv[5]), O = atoll(argv[6]), K = atoll(argv[7]);
    P = atoll(argv[8]);
  }
  if (argc >= 10)
    calls = atoll(argv[9]);
  const int64_t OH = H + 2 * P - K + 1, OW = W + 2 * P - K + 1;
  std::mt19937 gen(1);
  std::normal_distribution<float> dist;
  std::vector<float> x(B * C * H * W), w(O * C * K * K), bias(O),
      dy(B * O * OH * OW), y(dy.size()), dx(x.size()), dw(w.size()), db(O);
  for (auto *v : {&x, &w, &bias, &dy})
    for (float &e : *v)
      e = dist(gen);
  credo_set_num_threads(1);
  std::vector<double> fwd, data, weights;
  for (int64_t i = 0; i <= calls; ++i) { // the first call builds and warms up
    double t0 = seconds();
    credo_rt_conv2d_bias_f32(x.data(), w.data(), bias.data(), y.data(), B, C, H,
                             W, O, K, K, 1, 1, P, P, OH, OW, CREDO_POST_RELU,
                             3);
    double t1 = seconds();
    credo_rt_conv2d_grad_input_f32(dy.data(), w.data(), dx.data(), B, C, H, W,
                                   O, K, K, 1, 1, P, P, OH, OW, 3);
    double t2 = seconds();
    credo_rt_conv2d_grad_weight_bias_f32(x.data(), dy.data(), dw.data(),
                                         db.data(), B, C, H, W, O, K, K, 1, 1,
                                         P, P, OH, OW, 3);
    double t3 = seconds();
    if (i == 0)
      continue;
    fwd.push_back(1e3 * (t1 - t0));
    data.push_back(1e3 * (t2 - t1));
    weights.push_back(1e3 * (t3 - t2));
  }
  if (credo_rt_take_status() != CREDO_OK) {
    std::fprintf(stderr, "conv_kernels: %s\n", credo_last_error());
    return 1;
  }
  std::printf("{\"label\": \"%s\", \"forward_ms\": %.3f, \"grad_input_ms\": "
              "%.3f, \"grad_weight_bias_ms\": %.3f}\n",
              label, median(fwd), median(data), median(weights));
  return 0;
}
