//===- mlp_forward.cpp - Forward throughput of a generated MLP --*- C++ -*-===//
//
// Times `mlp_inference_forward` from libraries that `credoc build` compiled
// for several batch sizes (loaded with dlopen, since they share symbol
// names), and a bare oneDNN matmul chain of the same shapes (the three
// dense layers with bias, no activation) as the ceiling for the heavy part.
// Single thread. Prints one JSON object per measurement on stdout.
//
// usage: mlp_forward LIBDIR BATCH...   (LIBDIR/bBATCH/libmlp_inference.so)
//
//===----------------------------------------------------------------------===//

#include "credo/runtime.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Samples per second of `step` over `samples` samples, `reps` repetitions
/// after one warm-up; returns the median.
template <typename Step>
double throughput(int64_t samples, int64_t batch, int reps, Step step) {
  std::vector<double> rates;
  for (int r = 0; r <= reps; ++r) {
    auto t0 = Clock::now();
    for (int64_t s = 0; s + batch <= samples; s += batch)
      step(s);
    double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (r > 0)
      rates.push_back(static_cast<double>(samples / batch * batch) / dt);
  }
  return median(rates);
}

using Create = credo_status (*)(credo_model **);
using Forward = credo_status (*)(credo_model *, const float *, float *);

} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mlp_forward LIBDIR BATCH...\n");
    return 1;
  }
  credo_set_num_threads(1);
  const int64_t testSamples = 10000;
  std::vector<float> data(testSamples * 784);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<float>((i * 2654435761u) % 256) / 255.0f;

  for (int a = 2; a < argc; ++a) {
    int64_t batch = std::atoll(argv[a]);
    int64_t samples = batch == 1 ? 1000 : testSamples;
    std::string lib =
        std::string(argv[1]) + "/b" + argv[a] + "/libmlp_inference.so";
    void *handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      std::fprintf(stderr, "mlp_forward: %s\n", dlerror());
      return 1;
    }
    auto create =
        reinterpret_cast<Create>(dlsym(handle, "mlp_inference_create"));
    auto forward =
        reinterpret_cast<Forward>(dlsym(handle, "mlp_inference_forward"));
    credo_model *model = nullptr;
    if (!create || !forward || create(&model) != CREDO_OK) {
      std::fprintf(stderr, "mlp_forward: cannot create the model\n");
      return 1;
    }
    std::vector<float> logits(batch * 10);
    double credo = throughput(samples, batch, 5, [&](int64_t s) {
      if (forward(model, data.data() + s * 784, logits.data()) != CREDO_OK)
        std::abort();
    });
    std::printf("{\"what\": \"credo_forward\", \"batch\": %lld, "
                "\"samples_per_s\": %.1f}\n",
                static_cast<long long>(batch), credo);

    // Bare oneDNN: the three matmuls with bias, primitives made once.
    using namespace dnnl;
    engine eng(engine::kind::cpu, 0);
    stream strm(eng);
    const int64_t dims[4] = {784, 256, 256, 10};
    std::vector<matmul> prims;
    std::vector<std::vector<float>> weights, biases, acts(4);
    std::vector<memory> src, wei, bia, dst;
    acts[0].assign(data.begin(), data.begin() + batch * 784);
    for (int l = 0; l < 3; ++l) {
      int64_t k = dims[l], n = dims[l + 1];
      weights.emplace_back(k * n, 0.01f);
      biases.emplace_back(n, 0.0f);
      acts[l + 1].resize(batch * n);
      memory::desc s({batch, k}, memory::data_type::f32,
                     memory::format_tag::ab);
      memory::desc w({k, n}, memory::data_type::f32, memory::format_tag::ab);
      memory::desc b({1, n}, memory::data_type::f32, memory::format_tag::ab);
      memory::desc d({batch, n}, memory::data_type::f32,
                     memory::format_tag::ab);
      prims.emplace_back(matmul::primitive_desc(matmul::desc(s, w, b, d), eng));
      src.emplace_back(s, eng, acts[l].data());
      wei.emplace_back(w, eng, weights[l].data());
      bia.emplace_back(b, eng, biases[l].data());
      dst.emplace_back(d, eng, acts[l + 1].data());
    }
    double bare = throughput(samples, batch, 5, [&](int64_t s) {
      src[0].set_data_handle(data.data() + s * 784);
      for (int l = 0; l < 3; ++l)
        prims[l].execute(strm, {{DNNL_ARG_SRC, src[l]},
                                {DNNL_ARG_WEIGHTS, wei[l]},
                                {DNNL_ARG_BIAS, bia[l]},
                                {DNNL_ARG_DST, dst[l]}});
      strm.wait();
    });
    std::printf("{\"what\": \"bare_onednn_matmuls\", \"batch\": %lld, "
                "\"samples_per_s\": %.1f}\n",
                static_cast<long long>(batch), bare);
    std::fflush(stdout);
  }
  return 0;
}
