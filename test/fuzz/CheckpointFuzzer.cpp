//===- CheckpointFuzzer.cpp - Fuzz loading checkpoints ----------*- C++ -*-===//
//
// credo_model_load on any bytes either succeeds or fails with a message and
// leaves the model's parameters exactly as they were.
//
//===----------------------------------------------------------------------===//

#include "FuzzFile.h"

#include "credo/runtime.h"

#include <cstdlib>
#include <cstring>
#include <vector>

using credo::fuzz::fail;
using credo::fuzz::MemoryFile;
using credo::fuzz::TempFile;

namespace {
// A small classifier with optimizer state, as credoc train saves it.
const char *kMetadata = "credo-model 1\n"
                        "name tiny\n"
                        "param w f32 4x3 glorot_uniform seed=1\n"
                        "param b f32 3 zeros\n"
                        "param w_velocity f32 4x3 zeros\n"
                        "input x f32 2x4\n"
                        "output y f32 2x3\n";

std::vector<std::vector<char>> snapshot(credo_model *m) {
  std::vector<std::vector<char>> out;
  for (size_t i = 0; i < credo_model_count(m, CREDO_PARAM); ++i) {
    credo_value_info info;
    credo_model_info(m, CREDO_PARAM, i, &info);
    size_t n = credo_dtype_size(info.dtype);
    for (int32_t d = 0; d < info.rank; ++d)
      n *= size_t(info.shape[d]);
    auto *p = static_cast<char *>(credo_model_param_data(m, i));
    out.emplace_back(p, p + n);
  }
  return out;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MemoryFile in("ckpt");
  static credo_model *model = [] {
    credo_model *m = nullptr;
    if (credo_model_create_init(kMetadata, &m) != CREDO_OK)
      fail("cannot create the model:", credo_last_error());
    return m;
  }();
  std::vector<std::vector<char>> before = snapshot(model);
  if (credo_model_load(model, in.write(data, size)) != CREDO_OK) {
    if (!*credo_last_error())
      fail("a failed load gave no message");
    if (snapshot(model) != before)
      fail("a failed load changed the parameters:", credo_last_error());
    return 0;
  }
  // A loaded checkpoint saves and loads back to the same parameters.
  static TempFile out("out.safetensors");
  std::vector<std::vector<char>> loaded = snapshot(model);
  if (credo_model_save(model, out.name()) != CREDO_OK)
    fail("cannot save what was loaded:", credo_last_error());
  if (credo_model_load(model, out.name()) != CREDO_OK)
    fail("cannot load back what was saved:", credo_last_error());
  if (snapshot(model) != loaded)
    fail("the parameters loaded back differ");
  return 0;
}
