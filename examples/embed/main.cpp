//===- main.cpp - Run a Credo-generated model from C++ ----------*- C++ -*-===//
//
// Links libfashion_mnist_mlp (from `credoc build`), creates a model
// instance, optionally loads parameters, runs one batch and prints the
// predicted classes and the loss. It also recomputes the MLP with plain
// loops from the parameters it reads back, and reports the largest
// difference, so this example doubles as an end-to-end check of the
// generated library.
//
//===----------------------------------------------------------------------===//

#include "fashion_mnist_mlp.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace {

int fail(const char *what) {
  std::fprintf(stderr, "embed: %s: %s\n", what, credo_last_error());
  return 1;
}

std::vector<float> param(fashion_mnist_mlp_model *model, const char *name,
                         size_t count) {
  std::vector<float> v(count);
  if (fashion_mnist_mlp_get_param(model, name, v.data(),
                                  count * sizeof(float)) != CREDO_OK)
    v.clear();
  return v;
}

/// y = relu?(x · w + b) with plain loops, in double precision.
std::vector<double> dense(const std::vector<double> &x, int64_t rows,
                          int64_t in, const std::vector<float> &w,
                          const std::vector<float> &b, int64_t out, bool relu) {
  std::vector<double> y(rows * out);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double acc = b[o];
      for (int64_t i = 0; i < in; ++i)
        acc += x[r * in + i] * w[i * out + o];
      y[r * out + o] = relu ? std::max(acc, 0.0) : acc;
    }
  return y;
}

} // namespace

int main(int argc, char **argv) {
  fashion_mnist_mlp_model *model = nullptr;
  if (fashion_mnist_mlp_create(&model) != CREDO_OK)
    return fail("create");
  if (argc > 1 && fashion_mnist_mlp_load(model, argv[1]) != CREDO_OK)
    return fail("load");

  // Shapes come from the generated header.
  const int64_t batch = fashion_mnist_mlp_x_shape[0];
  const int64_t pixels = fashion_mnist_mlp_x_shape[1];
  const int64_t classes = fashion_mnist_mlp_logits_shape[1];
  std::vector<float> x(batch * pixels);
  std::vector<int32_t> labels(batch);
  for (int64_t i = 0; i < batch * pixels; ++i)
    x[i] = static_cast<float>((i * 7919 % 1000) / 1000.0);
  for (int64_t i = 0; i < batch; ++i)
    labels[i] = static_cast<int32_t>(i % classes);
  std::vector<float> logits(batch * classes);
  float loss = 0;
  if (fashion_mnist_mlp_forward(model, x.data(), labels.data(), logits.data(),
                                &loss) != CREDO_OK)
    return fail("forward");

  std::printf("embed: batch %lld, loss %.6f, first predictions:",
              static_cast<long long>(batch), loss);
  for (int64_t r = 0; r < std::min<int64_t>(batch, 8); ++r) {
    auto row = logits.begin() + r * classes;
    std::printf(" %d",
                static_cast<int>(std::max_element(row, row + classes) - row));
  }
  std::printf("\n");

  // The same network with plain loops.
  std::vector<double> h(x.begin(), x.end());
  h = dense(h, batch, pixels, param(model, "fc1_w", pixels * 256),
            param(model, "fc1_b", 256), 256, true);
  h = dense(h, batch, 256, param(model, "fc2_w", 256 * 256),
            param(model, "fc2_b", 256), 256, true);
  h = dense(h, batch, 256, param(model, "fc3_w", 256 * classes),
            param(model, "fc3_b", classes), classes, false);
  double maxError = 0, refLoss = 0;
  for (int64_t r = 0; r < batch; ++r) {
    double m = *std::max_element(h.begin() + r * classes,
                                 h.begin() + (r + 1) * classes);
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) {
      sum += std::exp(h[r * classes + c] - m);
      maxError = std::max(
          maxError, std::fabs(h[r * classes + c] - logits[r * classes + c]));
    }
    refLoss += std::log(sum) + m - h[r * classes + labels[r]];
  }
  refLoss /= static_cast<double>(batch);
  std::printf("embed: max |logit - loop reference| = %.3g, |loss - "
              "reference| = %.3g\n",
              maxError, std::fabs(refLoss - loss));
  fashion_mnist_mlp_destroy(model);
  bool ok = maxError < 1e-4 && std::fabs(refLoss - loss) < 1e-5;
  std::printf("embed: %s\n",
              ok ? "the library matches the loops" : "MISMATCH with the loops");
  return ok ? 0 : 2;
}
