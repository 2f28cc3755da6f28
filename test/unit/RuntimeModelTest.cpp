//===- RuntimeModelTest.cpp - Model instances and CPU kernels ---*- C++ -*-===//
//
// Model metadata, deterministic initializers (checked against the documented
// distributions), checkpoint save/load with checksum verification, and the
// oneDNN kernels compared with straightforward loops written here.
//
//===----------------------------------------------------------------------===//

#include "RandomData.h"
#include "credo/kernels.h"
#include "credo/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern "C" int omp_get_max_threads(void);
extern "C" int omp_get_num_procs(void);
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace {

using credo::test::randomVector;

const char *kMeta = "credo-model 1\n"
                    "name tiny\n"
                    "param w f32 40x30 glorot_uniform seed=7\n"
                    "param b f32 30 zeros\n"
                    "param n f64 100x100 normal mean=2 std=0.5 seed=3\n"
                    "param u f32 1000 uniform low=-3 high=-1 seed=1\n"
                    "input x f32 8x40\n"
                    "output y f32 8x30\n";

struct ModelPtr {
  credo_model *m = nullptr;
  ~ModelPtr() { credo_model_destroy(m); }
};

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "/credo_model_" + name;
}

TEST(RuntimeModel, DescribesParamsInputsOutputs) {
  ModelPtr p;
  ASSERT_EQ(credo_model_create(kMeta, &p.m), CREDO_OK) << credo_last_error();
  EXPECT_STREQ(credo_model_name(p.m), "tiny");
  EXPECT_EQ(credo_model_count(p.m, CREDO_PARAM), 4u);
  EXPECT_EQ(credo_model_count(p.m, CREDO_INPUT), 1u);
  EXPECT_EQ(credo_model_count(p.m, CREDO_OUTPUT), 1u);
  credo_value_info info;
  ASSERT_EQ(credo_model_info(p.m, CREDO_PARAM, 2, &info), CREDO_OK);
  EXPECT_STREQ(info.name, "n");
  EXPECT_EQ(info.dtype, CREDO_F64);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.shape[1], 100);
  size_t index = 99;
  EXPECT_EQ(credo_model_find(p.m, CREDO_OUTPUT, "y", &index), CREDO_OK);
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(credo_model_find(p.m, CREDO_PARAM, "nope", &index),
            CREDO_ERR_NOT_FOUND);
  EXPECT_NE(std::string(credo_last_error()).find("no parameter 'nope'"),
            std::string::npos);
  // Out of range: a message that says which index of how many.
  EXPECT_EQ(credo_model_info(p.m, CREDO_PARAM, 4, &info),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(credo_last_error())
                .find("index 4 is out of range: model 'tiny' has 4 parameters"),
            std::string::npos);
  EXPECT_EQ(credo_model_info(nullptr, CREDO_PARAM, 0, &info),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(credo_last_error()).find("the model is a null pointer"),
            std::string::npos);
  credo_clear_error();
  EXPECT_EQ(credo_model_param_data(p.m, 9), nullptr);
  EXPECT_NE(std::string(credo_last_error()).find("index 9 is out of range"),
            std::string::npos);
}

TEST(RuntimeModel, RejectsBadMetadata) {
  credo_model *m = nullptr;
  EXPECT_EQ(credo_model_create("", &m), CREDO_ERR_FORMAT);
  EXPECT_EQ(credo_model_create("credo-model 2\n", &m), CREDO_ERR_FORMAT);
  EXPECT_EQ(credo_model_create("credo-model 1\nparam w f16 3 zeros\n", &m),
            CREDO_ERR_FORMAT);
  EXPECT_EQ(credo_model_create("credo-model 1\nparam w f32 3x0 zeros\n", &m),
            CREDO_ERR_FORMAT);
  EXPECT_EQ(credo_model_create("credo-model 1\nparam w f32 3\n", &m),
            CREDO_ERR_FORMAT);
  // State names a parameter declared before it.
  EXPECT_EQ(
      credo_model_create("credo-model 1\nstate w\nparam w f32 3 zeros\n", &m),
      CREDO_ERR_FORMAT);
  EXPECT_NE(
      std::string(credo_last_error()).find("state 'w' is not a parameter"),
      std::string::npos);
  // A name declared twice could never be reached or saved.
  EXPECT_EQ(credo_model_create(
                "credo-model 1\nparam w f32 3 zeros\nparam w f32 3 ones\n", &m),
            CREDO_ERR_FORMAT);
  EXPECT_NE(std::string(credo_last_error()).find("param 'w' is declared twice"),
            std::string::npos);
  EXPECT_EQ(m, nullptr);
}

TEST(RuntimeModel, TensorSizesOfInvalidTensors) {
  EXPECT_EQ(credo_tensor_numel(nullptr), -1);
  EXPECT_EQ(credo_tensor_nbytes(nullptr), 0u);
  credo_tensor t{};
  t.dtype = CREDO_F32;
  t.rank = 2;
  t.shape[0] = -2, t.shape[1] = 3;
  EXPECT_EQ(credo_tensor_numel(&t), -1);
  EXPECT_EQ(credo_tensor_nbytes(&t), 0u);
  t.shape[0] = int64_t(1) << 40, t.shape[1] = int64_t(1) << 40; // wraps
  EXPECT_EQ(credo_tensor_numel(&t), -1);
  t.rank = 1000000; // past shape[CREDO_MAX_RANK]: not read
  EXPECT_EQ(credo_tensor_numel(&t), -1);
  t.rank = 2, t.shape[0] = 4, t.shape[1] = 5;
  EXPECT_EQ(credo_tensor_numel(&t), 20);
  EXPECT_EQ(credo_tensor_nbytes(&t), 80u);
  int64_t four[1] = {4};
  ASSERT_EQ(credo_tensor_alloc(&t, CREDO_F32, 1, four), CREDO_OK);
  EXPECT_EQ(credo_tensor_nbytes(&t), 16u);
  credo_tensor_free(&t);
  int64_t negative[2] = {-4, 4};
  EXPECT_EQ(credo_tensor_alloc(&t, CREDO_F32, 2, negative),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(credo_last_error()).find("dimension 0 is -4"),
            std::string::npos);
  EXPECT_EQ(credo_tensor_alloc(nullptr, CREDO_F32, 0, nullptr),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(credo_last_error()).find("credo_tensor_alloc"),
            std::string::npos);
  // An initializer into a shape no tensor can have writes nothing.
  float buffer[16] = {};
  int64_t huge[2] = {(int64_t(1) << 32) + 1, int64_t(1) << 32};
  EXPECT_EQ(credo_init_fill("ones", CREDO_F32, 2, huge, buffer),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(credo_init_fill("ones", CREDO_F32, 2, negative, buffer),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(buffer[0], 0.0f);
}

TEST(RuntimeModel, InitializersRefuseWhatTheyWouldIgnore) {
  float buffer[4] = {};
  int64_t shape[1] = {4};
  auto refused = [&](const char *init, const char *why) {
    EXPECT_EQ(credo_init_fill(init, CREDO_F32, 1, shape, buffer),
              CREDO_ERR_FORMAT)
        << init;
    EXPECT_NE(std::string(credo_last_error()).find(why), std::string::npos)
        << init << ": " << credo_last_error();
  };
  // A misspelt key left std at 1 and the seed at 0.
  refused("normal mean=0 sdt=0.01 seed=1",
          "initializer 'normal' takes no key 'sdt' (it takes mean=, std=, "
          "seed=)");
  refused("glorot_uniform sead=5", "takes no key 'sead'");
  refused("uniform low=0 low=1", "initializer key 'low' is given twice");
  refused("ones seed=1 seed=2", "initializer key 'seed' is given twice");
  refused("ones seed=-1", "initializer seed '-1' is not a number");
  refused("ones seed=99999999999999999999999", "bad initializer value");
  refused("uniform low=1 high=0", "has low 1.000000 above high 0.000000");
  refused("normal std=-1", "has a negative std");
  refused("constant value=inf", "is not finite");
  refused("gaussian std=1", "unknown initializer 'gaussian'");
  EXPECT_EQ(buffer[0], 0.0f);
  EXPECT_EQ(credo_init_fill("uniform low=2 high=2 seed=18446744073709551615",
                            CREDO_F32, 1, shape, buffer),
            CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(buffer[3], 2.0f);
  // The metadata a model is created from is checked when it is created,
  // not at the first credo_model_init_params.
  ModelPtr misspelt;
  EXPECT_EQ(credo_model_create("credo-model 1\nname m\n"
                               "param w f32 3 normal sdt=0.01\n",
                               &misspelt.m),
            CREDO_ERR_FORMAT);
  EXPECT_NE(std::string(credo_last_error())
                .find("parameter 'w': initializer 'normal' takes no key 'sdt'"),
            std::string::npos)
      << credo_last_error();
  EXPECT_EQ(misspelt.m, nullptr);
}

TEST(RuntimeModel, InitializersRefuseValuesTheDtypeCannotHold) {
  int64_t shape[1] = {4};
  int32_t i32[4] = {7, 7, 7, 7};
  int64_t i64[4] = {7, 7, 7, 7};
  float f32[4] = {7, 7, 7, 7};
  auto refused = [&](const char *init, credo_dtype dtype, void *data,
                     const char *why) {
    EXPECT_EQ(credo_init_fill(init, dtype, 1, shape, data), CREDO_ERR_FORMAT)
        << init;
    EXPECT_NE(std::string(credo_last_error()).find(why), std::string::npos)
        << init << ": " << credo_last_error();
  };
  // A cast made these the type's minimum, or wrapped them.
  refused("constant value=3e9", CREDO_I32, i32,
          "initializer 'constant value=3e9' gives 3e+09, which i32 cannot "
          "hold");
  refused("constant value=1e20", CREDO_I64, i64, "which i64 cannot hold");
  refused("uniform low=0 high=1e10 seed=1", CREDO_I32, i32,
          "which i32 cannot hold");
  refused("constant value=2.5", CREDO_I32, i32,
          "initializer 'constant value=2.5': 2.5 is not an integer, so no "
          "i32 value");
  refused("normal std=1e200 seed=1", CREDO_F32, f32, "which f32 cannot hold");
  // A constant or a uniform range is refused before any element is written.
  EXPECT_EQ(i32[0], 7);
  EXPECT_EQ(i32[3], 7);
  // Within range: the extremes themselves.
  EXPECT_EQ(
      credo_init_fill("constant value=-2147483648", CREDO_I32, 1, shape, i32),
      CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(i32[3], INT32_MIN);
  EXPECT_EQ(
      credo_init_fill("constant value=2147483647", CREDO_I32, 1, shape, i32),
      CREDO_OK);
  EXPECT_EQ(i32[0], INT32_MAX);
  // A model whose metadata asks for one is refused.
  credo_model *m = nullptr;
  EXPECT_EQ(credo_model_create_init("credo-model 1\nname o\nparam w i32 3 "
                                    "constant value=1e20\n",
                                    &m),
            CREDO_ERR_FORMAT);
  EXPECT_EQ(m, nullptr);
}

TEST(RuntimeModel, MetadataErrorsSayWhatIsWrong) {
  credo_model *m = nullptr;
  auto refused = [&](const char *param, const char *why) {
    std::string meta = std::string("credo-model 1\nname o\n") + param + "\n";
    EXPECT_EQ(credo_model_create(meta.c_str(), &m), CREDO_ERR_FORMAT) << param;
    EXPECT_NE(std::string(credo_last_error()).find(why), std::string::npos)
        << param << ": " << credo_last_error();
  };
  refused("param w q32 3 zeros", "line 3: unknown dtype 'q32'");
  refused("param w f32 -3x2 zeros", "shape '-3x2' is not sizes joined by 'x'");
  refused("param w f32 0x2 zeros", "shape '0x2' has a size of 0");
  refused("param w f32 100000000000x100000000000 zeros",
          "has more than 2^40 elements");
  refused("param w f32 1x1x1x1x1x1x1x1x1 zeros", "has 9 dimensions; at most 8");
  refused("param w", "expected 'param NAME DTYPE SHAPE'");
}

TEST(RuntimeModel, ChecksumAndStateKeysCannotBeForged) {
  ModelPtr p;
  ASSERT_EQ(credo_model_create(kMeta, &p.m), CREDO_OK);
  ASSERT_EQ(credo_model_init_params(p.m), CREDO_OK);
  std::string path = tempPath("forged.safetensors");
  // The list of state tensors a loader may skip is the runtime's own.
  const char *key[] = {"credo.optimizer_state"}, *value[] = {"w"};
  EXPECT_EQ(credo_model_save_with_metadata(p.m, path.c_str(), key, value, 1),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(credo_last_error()).find("reserved"),
            std::string::npos);
  // A checksum entry that is present but empty is a mismatch, not "none".
  ASSERT_EQ(credo_model_save(p.m, path.c_str()), CREDO_OK);
  credo_tensor_set set{};
  ASSERT_EQ(credo_safetensors_read(path.c_str(), &set), CREDO_OK);
  std::vector<const char *> keys, values;
  for (size_t i = 0; i < set.metadata_count; ++i) {
    keys.push_back(set.metadata_keys[i]);
    bool checksum = std::string(set.metadata_keys[i]) == "credo.checksum";
    values.push_back(checksum ? "" : set.metadata_values[i]);
  }
  std::string forged = tempPath("forged2.safetensors");
  ASSERT_EQ(credo_safetensors_write(forged.c_str(), set.items, set.count,
                                    keys.data(), values.data(), keys.size()),
            CREDO_OK);
  credo_tensor_set_free(&set);
  ModelPtr q;
  ASSERT_EQ(credo_model_create(kMeta, &q.m), CREDO_OK);
  EXPECT_EQ(credo_model_load(q.m, forged.c_str()), CREDO_ERR_CORRUPT);
  EXPECT_NE(std::string(credo_last_error()).find("checksum mismatch"),
            std::string::npos);
}

TEST(RuntimeModel, InitializersFollowTheirDistributions) {
  ModelPtr p;
  ASSERT_EQ(credo_model_create(kMeta, &p.m), CREDO_OK);
  ASSERT_EQ(credo_model_init_params(p.m), CREDO_OK) << credo_last_error();
  // glorot_uniform on [40, 30]: U(-a, a), a = sqrt(6 / 70).
  const float *w = static_cast<float *>(credo_model_param_data(p.m, 0));
  double a = std::sqrt(6.0 / 70.0), maxAbs = 0;
  for (int i = 0; i < 1200; ++i)
    maxAbs = std::max(maxAbs, std::fabs(double(w[i])));
  EXPECT_LE(maxAbs, a);
  EXPECT_GT(maxAbs, 0.95 * a);
  // zeros.
  const float *b = static_cast<float *>(credo_model_param_data(p.m, 1));
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(b[i], 0.0f);
  // normal(2, 0.5) over 10^4 samples: mean and std within 4 standard errors.
  const double *n = static_cast<double *>(credo_model_param_data(p.m, 2));
  double sum = 0, sq = 0;
  for (int i = 0; i < 10000; ++i)
    sum += n[i], sq += n[i] * n[i];
  double mean = sum / 1e4, sd = std::sqrt(sq / 1e4 - mean * mean);
  EXPECT_NEAR(mean, 2.0, 4 * 0.5 / 100);
  EXPECT_NEAR(sd, 0.5, 4 * 0.5 / std::sqrt(2e4));
  // uniform(-3, -1).
  const float *u = static_cast<float *>(credo_model_param_data(p.m, 3));
  double usum = 0;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_GE(u[i], -3.0f);
    EXPECT_LT(u[i], -1.0f);
    usum += u[i];
  }
  EXPECT_NEAR(usum / 1000, -2.0, 4 * (2 / std::sqrt(12.0)) / std::sqrt(1e3));
}

TEST(RuntimeModel, InitIsDeterministicPerSeed) {
  ModelPtr p1, p2;
  ASSERT_EQ(credo_model_create(kMeta, &p1.m), CREDO_OK);
  ASSERT_EQ(credo_model_create(kMeta, &p2.m), CREDO_OK);
  ASSERT_EQ(credo_model_init_params(p1.m), CREDO_OK);
  ASSERT_EQ(credo_model_init_params(p2.m), CREDO_OK);
  EXPECT_EQ(0, std::memcmp(credo_model_param_data(p1.m, 0),
                           credo_model_param_data(p2.m, 0), 1200 * 4));
  std::vector<float> other(1200);
  int64_t shape[2] = {40, 30};
  ASSERT_EQ(credo_init_fill("glorot_uniform seed=8", CREDO_F32, 2, shape,
                            other.data()),
            CREDO_OK);
  EXPECT_NE(
      0, std::memcmp(credo_model_param_data(p1.m, 0), other.data(), 1200 * 4));
}

TEST(RuntimeModel, SaveLoadRoundTripAndChecksum) {
  ModelPtr p, q;
  ASSERT_EQ(credo_model_create(kMeta, &p.m), CREDO_OK);
  ASSERT_EQ(credo_model_init_params(p.m), CREDO_OK);
  std::string path = tempPath("ckpt.safetensors");
  ASSERT_EQ(credo_model_save(p.m, path.c_str()), CREDO_OK)
      << credo_last_error();
  ASSERT_EQ(credo_model_create(kMeta, &q.m), CREDO_OK);
  ASSERT_EQ(credo_model_load(q.m, path.c_str()), CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(0, std::memcmp(credo_model_param_data(p.m, 2),
                           credo_model_param_data(q.m, 2), 10000 * 8));

  // Flip one byte of the last tensor's data: the checksum catches it and the
  // model keeps its previous values.
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-5, std::ios::end);
  char c;
  f.read(&c, 1);
  f.seekp(-5, std::ios::end);
  c ^= 0x40;
  f.write(&c, 1);
  f.close();
  ModelPtr r;
  ASSERT_EQ(credo_model_create(kMeta, &r.m), CREDO_OK);
  EXPECT_EQ(credo_model_load(r.m, path.c_str()), CREDO_ERR_CORRUPT);
  EXPECT_NE(std::string(credo_last_error()).find("checksum mismatch"),
            std::string::npos);
  const float *b = static_cast<float *>(credo_model_param_data(r.m, 1));
  EXPECT_EQ(b[0], 0.0f);
}

TEST(RuntimeModel, LoadKeepsAGeneratorTheFileLacks) {
  ModelPtr weights;
  ASSERT_EQ(credo_model_create("credo-model 1\nname o\n"
                               "param w f32 3 ones\n",
                               &weights.m),
            CREDO_OK);
  ASSERT_EQ(credo_model_init_params(weights.m), CREDO_OK);
  std::string path = tempPath("weights.safetensors");
  ASSERT_EQ(credo_model_save(weights.m, path.c_str()), CREDO_OK);
  ModelPtr drawn;
  ASSERT_EQ(credo_model_create("credo-model 1\nname o\n"
                               "param w f32 3 zeros\n"
                               "param rng i64 2 generator seed=9\n",
                               &drawn.m),
            CREDO_OK);
  ASSERT_EQ(credo_model_init_params(drawn.m), CREDO_OK);
  auto *rng = static_cast<int64_t *>(credo_model_param_data(drawn.m, 1));
  rng[1] = 5; // a stream under way
  ASSERT_EQ(credo_model_load(drawn.m, path.c_str()), CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(static_cast<float *>(credo_model_param_data(drawn.m, 0))[2], 1.0f);
  EXPECT_EQ(rng[0], 9);
  EXPECT_EQ(rng[1], 5);
}

TEST(RuntimeModel, LoadKeepsStateTheFileLacks) {
  // An inference build's checkpoint has the weights only; a training build
  // of the model keeps its optimizer state, and still refuses a file
  // without one of its weights.
  ModelPtr inference;
  ASSERT_EQ(credo_model_create("credo-model 1\nname o\n"
                               "param w f32 3 ones\n",
                               &inference.m),
            CREDO_OK);
  ASSERT_EQ(credo_model_init_params(inference.m), CREDO_OK);
  std::string path = tempPath("inference.safetensors");
  ASSERT_EQ(credo_model_save(inference.m, path.c_str()), CREDO_OK);
  const char *training = "credo-model 1\nname o\n"
                         "param w f32 3 zeros\n"
                         "param w_m f32 3 zeros\n"
                         "param b f32 3 zeros\n"
                         "state w_m\n";
  ModelPtr train;
  ASSERT_EQ(credo_model_create(training, &train.m), CREDO_OK);
  ASSERT_EQ(credo_model_init_params(train.m), CREDO_OK);
  EXPECT_EQ(credo_model_load(train.m, path.c_str()), CREDO_ERR_NOT_FOUND);
  EXPECT_NE(std::string(credo_last_error()).find("missing parameter 'b'"),
            std::string::npos)
      << credo_last_error();
  EXPECT_EQ(static_cast<float *>(credo_model_param_data(train.m, 0))[0], 0.0f);
  ModelPtr bias;
  ASSERT_EQ(credo_model_create("credo-model 1\nname o\n"
                               "param w f32 3 ones\n"
                               "param b f32 3 ones\n",
                               &bias.m),
            CREDO_OK);
  ASSERT_EQ(credo_model_init_params(bias.m), CREDO_OK);
  ASSERT_EQ(credo_model_save(bias.m, path.c_str()), CREDO_OK);
  static_cast<float *>(credo_model_param_data(train.m, 1))[1] = 0.5f;
  ASSERT_EQ(credo_model_load(train.m, path.c_str()), CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(static_cast<float *>(credo_model_param_data(train.m, 0))[2], 1.0f);
  EXPECT_EQ(static_cast<float *>(credo_model_param_data(train.m, 1))[1], 0.5f);
}

// A held output ("held NAME": a unit with an execute schedule keeps its
// last output there) that a file lacks keeps its value, as a generator's
// does: the same model without the schedule saved no such state. A file
// that lacks a weight is still refused.
TEST(RuntimeModel, LoadKeepsHeldOutputsAFileLacks) {
  ModelPtr plain;
  ASSERT_EQ(credo_model_create("credo-model 1\nname h\n"
                               "param w f32 3 ones\n",
                               &plain.m),
            CREDO_OK);
  ASSERT_EQ(credo_model_init_params(plain.m), CREDO_OK);
  std::string path = tempPath("without_held.safetensors");
  ASSERT_EQ(credo_model_save(plain.m, path.c_str()), CREDO_OK);
  ModelPtr held;
  ASSERT_EQ(credo_model_create("credo-model 1\nname h\n"
                               "param w f32 3 zeros\n"
                               "param u_held f32 2 zeros\n"
                               "held u_held\n",
                               &held.m),
            CREDO_OK);
  ASSERT_EQ(credo_model_init_params(held.m), CREDO_OK);
  static_cast<float *>(credo_model_param_data(held.m, 1))[1] = 0.25f;
  ASSERT_EQ(credo_model_load(held.m, path.c_str()), CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(static_cast<float *>(credo_model_param_data(held.m, 0))[2], 1.0f);
  EXPECT_EQ(static_cast<float *>(credo_model_param_data(held.m, 1))[1], 0.25f);
  ModelPtr unknown;
  EXPECT_EQ(
      credo_model_create("credo-model 1\nname h\nheld u_held\n", &unknown.m),
      CREDO_ERR_FORMAT);
  EXPECT_NE(std::string(credo_last_error())
                .find("held 'u_held' is not a "
                      "parameter declared before"),
            std::string::npos)
      << credo_last_error();
}

TEST(RuntimeModel, LoadRejectsMismatches) {
  ModelPtr p;
  ASSERT_EQ(credo_model_create(kMeta, &p.m), CREDO_OK);
  std::string path = tempPath("other.safetensors");
  ModelPtr other;
  ASSERT_EQ(credo_model_create("credo-model 1\nname o\n"
                               "param w f32 30x40 zeros\n",
                               &other.m),
            CREDO_OK);
  ASSERT_EQ(credo_model_save(other.m, path.c_str()), CREDO_OK);
  // Same name, other shape.
  EXPECT_EQ(credo_model_load(p.m, path.c_str()), CREDO_ERR_SHAPE);
  // A parameter the file lacks.
  ModelPtr bigger;
  ASSERT_EQ(credo_model_create("credo-model 1\nname o\n"
                               "param w f32 30x40 zeros\n"
                               "param v f32 2 zeros\n",
                               &bigger.m),
            CREDO_OK);
  EXPECT_EQ(credo_model_load(bigger.m, path.c_str()), CREDO_ERR_NOT_FOUND);
  EXPECT_NE(std::string(credo_last_error()).find("missing parameter 'v'"),
            std::string::npos);
  // A tensor the model lacks.
  ModelPtr smaller;
  ASSERT_EQ(credo_model_create("credo-model 1\nname o\n", &smaller.m),
            CREDO_OK);
  EXPECT_EQ(credo_model_load(smaller.m, path.c_str()), CREDO_ERR_NOT_FOUND);
  EXPECT_NE(std::string(credo_last_error()).find("unexpected tensor 'w'"),
            std::string::npos);
  ModelPtr single;
  ASSERT_EQ(credo_model_create("credo-model 1\nname o\n"
                               "param w f32 40x30 zeros\n",
                               &single.m),
            CREDO_OK);
  EXPECT_EQ(credo_model_load(single.m, path.c_str()), CREDO_ERR_SHAPE);
  EXPECT_NE(std::string(credo_last_error())
                .find("is f32[30,40] in the file, but the model expects "
                      "f32[40,30]"),
            std::string::npos)
      << credo_last_error();
  float buf[3];
  EXPECT_EQ(credo_model_set_param(single.m, "w", buf, sizeof(buf)),
            CREDO_ERR_SHAPE);
}

//===--- Kernels against plain loops
//----------------------------------------===//

void expectClose(const std::vector<float> &a, const std::vector<float> &b,
                 double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], tol) << "at " << i;
}

TEST(RuntimeKernels, DenseMatchesLoops) {
  const int M = 5, K = 7, N = 3;
  auto x = randomVector(M * K, 1), w = randomVector(K * N, 2),
       b = randomVector(N, 3);
  std::vector<float> y(M * N), ref(M * N);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double acc = b[n];
      for (int k = 0; k < K; ++k)
        acc += double(x[m * K + k]) * w[k * N + n];
      ref[m * N + n] = float(acc);
    }
  credo_rt_dense_bias_f32(x.data(), w.data(), b.data(), y.data(), M, K, N,
                          CREDO_POST_NONE);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  expectClose(y, ref, 1e-5);
  // With the fused ReLU.
  std::vector<float> relu(ref.size());
  for (size_t i = 0; i < ref.size(); ++i)
    relu[i] = std::max(ref[i], 0.0f);
  credo_rt_dense_bias_f32(x.data(), w.data(), b.data(), y.data(), M, K, N,
                          CREDO_POST_RELU);
  expectClose(y, relu, 1e-5);
  // Second call reuses the cached primitive with new data.
  x[0] += 1;
  for (int n = 0; n < N; ++n)
    ref[n] += w[n];
  credo_rt_dense_bias_f32(x.data(), w.data(), b.data(), y.data(), M, K, N,
                          CREDO_POST_NONE);
  expectClose(y, ref, 1e-5);
}

TEST(RuntimeKernels, ConvAndPoolingMatchLoops) {
  const int B = 2, C = 3, H = 6, W = 5, O = 4, KH = 3, KW = 2, SH = 2, SW = 1,
            PH = 1, PW = 1;
  const int OH = (H + 2 * PH - KH) / SH + 1, OW = (W + 2 * PW - KW) / SW + 1;
  auto x = randomVector(B * C * H * W, 4), w = randomVector(O * C * KH * KW, 5),
       bias = randomVector(O, 6);
  std::vector<float> y(B * O * OH * OW), ref(y.size());
  for (int b = 0; b < B; ++b)
    for (int o = 0; o < O; ++o)
      for (int i = 0; i < OH; ++i)
        for (int j = 0; j < OW; ++j) {
          double acc = bias[o];
          for (int c = 0; c < C; ++c)
            for (int p = 0; p < KH; ++p)
              for (int q = 0; q < KW; ++q) {
                int r = i * SH + p - PH, s = j * SW + q - PW;
                if (r >= 0 && r < H && s >= 0 && s < W)
                  acc += double(x[((b * C + c) * H + r) * W + s]) *
                         w[((o * C + c) * KH + p) * KW + q];
              }
          ref[((b * O + o) * OH + i) * OW + j] = float(acc);
        }
  credo_rt_conv2d_bias_f32(x.data(), w.data(), bias.data(), y.data(), B, C, H,
                           W, O, KH, KW, SH, SW, PH, PW, OH, OW,
                           CREDO_POST_NONE, /*layouts=*/0);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  expectClose(y, ref, 1e-5);
  credo_rt_conv2d_bias_f32(x.data(), w.data(), bias.data(), y.data(), B, C, H,
                           W, O, KH, KW, SH, SW, PH, PW, OH, OW,
                           CREDO_POST_RELU, /*layouts=*/0);
  for (float &v : ref)
    v = std::max(v, 0.0f);
  expectClose(y, ref, 1e-5);

  // 3x3 pooling, stride 2, padding 1: max ignores padding, average excludes it.
  const int PK = 3, PS = 2, PP = 1;
  const int PO = (H + 2 * PP - PK) / PS + 1, PQ = (W + 2 * PP - PK) / PS + 1;
  std::vector<float> mx(B * C * PO * PQ), av(mx.size()), refMax(mx.size()),
      refAvg(mx.size());
  for (int bc = 0; bc < B * C; ++bc)
    for (int i = 0; i < PO; ++i)
      for (int j = 0; j < PQ; ++j) {
        double best = -1e30, sum = 0;
        int count = 0;
        for (int p = 0; p < PK; ++p)
          for (int q = 0; q < PK; ++q) {
            int r = i * PS + p - PP, s = j * PS + q - PP;
            if (r < 0 || r >= H || s < 0 || s >= W)
              continue;
            double v = x[(bc * H + r) * W + s];
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        refMax[(bc * PO + i) * PQ + j] = float(best);
        refAvg[(bc * PO + i) * PQ + j] = float(sum / count);
      }
  credo_rt_max_pool2d_f32(x.data(), mx.data(), B, C, H, W, PK, PK, PS, PS, PP,
                          PP, PO, PQ, 0);
  credo_rt_avg_pool2d_f32(x.data(), av.data(), B, C, H, W, PK, PK, PS, PS, PP,
                          PP, PO, PQ, 0);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  expectClose(mx, refMax, 1e-6);
  expectClose(av, refAvg, 1e-6);
}

TEST(RuntimeKernels, SoftmaxAndActivationsMatchFormulas) {
  const int outer = 3, axis = 4, inner = 2, n = outer * axis * inner;
  auto x = randomVector(n, 7);
  for (float &v : x)
    v *= 5;
  std::vector<float> y(n), ref(n);
  for (int o = 0; o < outer; ++o)
    for (int i = 0; i < inner; ++i) {
      double sum = 0;
      for (int a = 0; a < axis; ++a)
        sum += std::exp(double(x[(o * axis + a) * inner + i]));
      for (int a = 0; a < axis; ++a)
        ref[(o * axis + a) * inner + i] =
            float(std::exp(double(x[(o * axis + a) * inner + i])) / sum);
    }
  credo_rt_softmax_f32(x.data(), y.data(), outer, axis, inner);
  expectClose(y, ref, 1e-6);

  credo_rt_relu_f32(x.data(), y.data(), n);
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(y[i], x[i] > 0 ? x[i] : 0.0f);
  credo_rt_sigmoid_f32(x.data(), y.data(), n);
  for (int i = 0; i < n; ++i)
    EXPECT_NEAR(y[i], 1 / (1 + std::exp(-double(x[i]))), 1e-6);
  credo_rt_tanh_f32(x.data(), y.data(), n);
  for (int i = 0; i < n; ++i)
    EXPECT_NEAR(y[i], std::tanh(double(x[i])), 1e-6);
  credo_rt_softplus_f32(x.data(), y.data(), n);
  for (int i = 0; i < n; ++i)
    EXPECT_NEAR(y[i], std::log1p(std::exp(double(x[i]))), 1e-5);
  EXPECT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
}

} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(size_t size);
extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment,
                                                    size_t size);
extern "C" void _mlir_memref_to_llvm_free(void *ptr);

namespace {

using credo::test::randomVector;
TEST(RuntimeMemory, ReusesFreedBlocksOfTheSameSize) {
  void *a = _mlir_memref_to_llvm_alloc(1000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 1, 1000);
  _mlir_memref_to_llvm_free(a);
  void *b = _mlir_memref_to_llvm_alloc(1000);
#ifdef CREDO_SANITIZER_BUILD
  // A sanitizer build caches nothing: a freed buffer goes back to
  // AddressSanitizer, which quarantines it so that a use after free is caught.
  EXPECT_NE(a, b);
#else
  EXPECT_EQ(a, b);
#endif
  void *c = _mlir_memref_to_llvm_alloc(5000);
  EXPECT_NE(c, b);
  _mlir_memref_to_llvm_free(b);
  _mlir_memref_to_llvm_free(c);
  _mlir_memref_to_llvm_free(nullptr);
}

TEST(RuntimeMemory, AlignedBuffersAreCacheLineAligned) {
  // The CPU pipeline's generated code uses the aligned entry point's result
  // as it is, for bufferization's 64-byte alignment: every size, fresh or
  // from the cache, in a block that is also the plain entry point's.
  std::vector<void *> blocks;
  for (size_t size : {1, 3, 64, 100, 1000, 4096, 5000, 1 << 20})
    for (size_t alignment : {4, 16, 64}) {
      void *p = _mlir_memref_to_llvm_aligned_alloc(alignment, size);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << size;
      std::memset(p, 7, size);
      blocks.push_back(p);
    }
  for (void *p : blocks)
    _mlir_memref_to_llvm_free(p);
  void *again = _mlir_memref_to_llvm_aligned_alloc(64, 100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(again) % 64, 0u);
  _mlir_memref_to_llvm_free(again);
  // Beyond the allocator's alignment: no buffer (outside a guarded call,
  // which would end with an out-of-memory error instead).
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(128, 100), nullptr);
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(48, 100), nullptr);
}
} // namespace

namespace {

using credo::test::randomVector;
TEST(RuntimeKernels, BlockedPoolingMatchesLoops) {
  // 16 channels: the pooling runs on a channel-blocked layout with staged
  // reorders, which must be invisible to the caller.
  const int B = 2, C = 16, H = 7, W = 6, K = 2, S = 2;
  const int OH = (H - K) / S + 1, OW = (W - K) / S + 1;
  auto x = randomVector(B * C * H * W, 9);
  std::vector<float> y(B * C * OH * OW), ref(y.size()), avg(y.size()),
      refAvg(y.size());
  for (int bc = 0; bc < B * C; ++bc)
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        float best = -1e30f;
        double sum = 0;
        for (int p = 0; p < K; ++p)
          for (int q = 0; q < K; ++q) {
            float v = x[(bc * H + i * S + p) * W + j * S + q];
            best = std::max(best, v);
            sum += v;
          }
        ref[(bc * OH + i) * OW + j] = best;
        refAvg[(bc * OH + i) * OW + j] = float(sum / (K * K));
      }
  credo_rt_max_pool2d_f32(x.data(), y.data(), B, C, H, W, K, K, S, S, 0, 0, OH,
                          OW, 0);
  credo_rt_avg_pool2d_f32(x.data(), avg.data(), B, C, H, W, K, K, S, S, 0, 0,
                          OH, OW, 0);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  expectClose(y, ref, 0);
  expectClose(avg, refAvg, 1e-6);
}

// Max pooling in the four layout combinations (16 channels), with padded
// overlapping windows and a NaN: against loops whose maximum propagates NaN,
// as the portable lowering's arith.maximumf does. ReLU (alone and fused)
// keeps NaN too.
TEST(RuntimeKernels, MaxPoolAndReluKeepNaNInEveryLayout) {
  const int B = 2, C = 16, H = 7, W = 6, K = 3, S = 2, P = 1;
  const int OH = (H + 2 * P - K) / S + 1, OW = (W + 2 * P - K) / S + 1;
  auto x = randomVector(B * C * H * W, 21);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  x[((1 * C + 9) * H + 3) * W + 2] = nan;
  std::vector<float> ref(B * C * OH * OW);
  for (int bc = 0; bc < B * C; ++bc)
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        float best = -std::numeric_limits<float>::infinity();
        for (int p = 0; p < K; ++p)
          for (int q = 0; q < K; ++q) {
            int r = i * S + p - P, c = j * S + q - P;
            if (r < 0 || r >= H || c < 0 || c >= W)
              continue;
            float v = x[(bc * H + r) * W + c];
            best = std::isnan(v) || std::isnan(best) ? nan : std::max(best, v);
          }
        ref[(bc * OH + i) * OW + j] = best;
      }
  std::vector<float> xb(x.size()), y(ref.size()), plain(ref.size());
  credo_rt_to_blocked_f32(x.data(), xb.data(), B, C, H, W);
  int nans = 0;
  for (int layouts = 0; layouts < 4; ++layouts) {
    credo_rt_max_pool2d_f32(layouts & 1 ? xb.data() : x.data(), y.data(), B, C,
                            H, W, K, K, S, S, P, P, OH, OW, layouts);
    if (layouts & 2)
      credo_rt_from_blocked_f32(y.data(), plain.data(), B, C, OH, OW);
    else
      plain = y;
    nans = 0;
    for (size_t e = 0; e < ref.size(); ++e) {
      nans += std::isnan(ref[e]);
      if (std::isnan(ref[e]))
        EXPECT_TRUE(std::isnan(plain[e])) << "layouts " << layouts << " @" << e;
      else
        EXPECT_EQ(plain[e], ref[e]) << "layouts " << layouts << " @" << e;
    }
  }
  EXPECT_EQ(nans, 2); // the NaN lies in two overlapping windows
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();

  std::vector<float> r(4), in = {nan, -1.0f, -0.0f, 2.0f};
  credo_rt_relu_f32(in.data(), r.data(), 4);
  EXPECT_TRUE(std::isnan(r[0]));
  EXPECT_EQ(r[1], 0.0f);
  EXPECT_FALSE(std::signbit(r[2]));
  EXPECT_EQ(r[3], 2.0f);
  // A dense layer with a fused ReLU whose input holds a NaN (8 columns,
  // dense enough for oneDNN rather than the sparse kernel).
  std::vector<float> dx(2 * 8, 1.0f), dw(8 * 3, 0.5f), dy(2 * 3);
  dx[3] = nan;
  credo_rt_dense_f32(dx.data(), dw.data(), dy.data(), 2, 8, 3, CREDO_POST_RELU);
  for (int j = 0; j < 3; ++j) {
    EXPECT_TRUE(std::isnan(dy[j]));
    EXPECT_EQ(dy[3 + j], 4.0f);
  }
}

// The channel-blocked layout is [B, C/8, H, W, 8]; conversions round-trip.
TEST(RuntimeKernels, BlockedLayoutConversions) {
  const int B = 2, C = 16, H = 3, W = 5;
  auto x = randomVector(B * C * H * W, 11);
  std::vector<float> blocked(x.size()), back(x.size());
  credo_rt_to_blocked_f32(x.data(), blocked.data(), B, C, H, W);
  credo_rt_from_blocked_f32(blocked.data(), back.data(), B, C, H, W);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  for (int b = 0; b < B; ++b)
    for (int c = 0; c < C; ++c)
      for (int h = 0; h < H; ++h)
        for (int w = 0; w < W; ++w)
          ASSERT_EQ(
              blocked[(((b * (C / 8) + c / 8) * H + h) * W + w) * 8 + c % 8],
              x[((b * C + c) * H + h) * W + w]);
  expectClose(back, x, 0);
}

// max_pool2d_grad against direct loops (first maximum of each window, sums
// where windows overlap, optional ReLU mask), in both layouts, for tiling
// and for overlapping padded windows.
TEST(RuntimeKernels, MaxPoolGradBothLayouts) {
  struct Case {
    int K, S, P;
  } cases[] = {{2, 2, 0}, {3, 1, 1}, {3, 2, 1}};
  const int B = 2, C = 8, H = 6, W = 6;
  auto x = randomVector(B * C * H * W, 12);
  x[5] = x[4]; // a tie: the first maximum takes the gradient
  for (const Case &k : cases) {
    const int OH = (H + 2 * k.P - k.K) / k.S + 1,
              OW = (W + 2 * k.P - k.K) / k.S + 1;
    auto dy = randomVector(B * C * OH * OW, 13);
    for (int relu = 0; relu < 2; ++relu) {
      std::vector<float> ref(x.size(), 0.0f);
      for (int bc = 0; bc < B * C; ++bc)
        for (int i = 0; i < OH; ++i)
          for (int j = 0; j < OW; ++j) {
            int best = -1;
            for (int p = 0; p < k.K; ++p)
              for (int q = 0; q < k.K; ++q) {
                int h = i * k.S - k.P + p, w = j * k.S - k.P + q;
                if (h < 0 || h >= H || w < 0 || w >= W)
                  continue;
                int at = (bc * H + h) * W + w;
                if (best < 0 || x[at] > x[best])
                  best = at;
              }
            ref[best] += dy[(bc * OH + i) * OW + j];
          }
      if (relu)
        for (size_t e = 0; e < x.size(); ++e)
          ref[e] = x[e] > 0 ? ref[e] : 0.0f;
      std::vector<float> plain(x.size());
      credo_rt_max_pool2d_grad_f32(dy.data(), x.data(), plain.data(), B, C, H,
                                   W, k.K, k.K, k.S, k.S, k.P, k.P, OH, OW, 0,
                                   relu);
      expectClose(plain, ref, 1e-6);
      std::vector<float> xb(x.size()), dyb(dy.size()), dxb(x.size()),
          dx(x.size());
      credo_rt_to_blocked_f32(x.data(), xb.data(), B, C, H, W);
      credo_rt_to_blocked_f32(dy.data(), dyb.data(), B, C, OH, OW);
      credo_rt_max_pool2d_grad_f32(dyb.data(), xb.data(), dxb.data(), B, C, H,
                                   W, k.K, k.K, k.S, k.S, k.P, k.P, OH, OW, 7,
                                   relu);
      credo_rt_from_blocked_f32(dxb.data(), dx.data(), B, C, H, W);
      ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
      expectClose(dx, ref, 1e-6);
    }
  }
}

// The fused bias gradient is the sum of dy over batch and space, and the
// weight gradient is the same with and without it, blocked or not.
TEST(RuntimeKernels, ConvWeightGradWithBias) {
  const int B = 2, C = 8, H = 5, W = 4, O = 16, K = 3, P = 1;
  auto x = randomVector(B * C * H * W, 14),
       dy = randomVector(B * O * H * W, 15);
  std::vector<float> dw(O * C * K * K), dwb(dw.size()), db(O), ref(O, 0.0f);
  for (int b = 0; b < B; ++b)
    for (int o = 0; o < O; ++o)
      for (int e = 0; e < H * W; ++e)
        ref[o] += dy[(b * O + o) * H * W + e];
  credo_rt_conv2d_grad_weight_f32(x.data(), dy.data(), dw.data(), B, C, H, W, O,
                                  K, K, 1, 1, P, P, H, W, 0);
  std::vector<float> xb(x.size()), dyb(dy.size());
  credo_rt_to_blocked_f32(x.data(), xb.data(), B, C, H, W);
  credo_rt_to_blocked_f32(dy.data(), dyb.data(), B, O, H, W);
  credo_rt_conv2d_grad_weight_bias_f32(xb.data(), dyb.data(), dwb.data(),
                                       db.data(), B, C, H, W, O, K, K, 1, 1, P,
                                       P, H, W, 3);
  ASSERT_EQ(credo_rt_take_status(), CREDO_OK) << credo_last_error();
  expectClose(dwb, dw, 1e-5);
  expectClose(db, ref, 1e-5);
}

#if defined(__x86_64__)
/// Generated code's view: args[0] points at two floats, a normal value and
/// a factor; the product (a subnormal, exactly) goes to args[1], and the
/// subnormal args[2] plus 0 to args[3].
void subnormalProduct(void **args) {
  const auto *in = static_cast<const volatile float *>(args[0]);
  *static_cast<volatile float *>(args[1]) = in[0] * in[1];
  *static_cast<volatile float *>(args[3]) =
      *static_cast<const volatile float *>(args[2]) + 0.0f;
}

// Inside a call of generated code, subnormals are zero, read or written (as
// on GPUs; decaying states otherwise run in microcode); the caller's mode
// is back afterwards.
TEST(RuntimeInvoke, FlushesSubnormalsDuringTheCallOnly) {
  const float in[2] = {1e-30f, 1e-10f}; // 1e-40: subnormal in f32
  const float subnormal = std::numeric_limits<float>::denorm_min() * 1000;
  float product = -1, sum = -1;
  void *args[4] = {const_cast<float *>(in), &product,
                   const_cast<float *>(&subnormal), &sum};
  const unsigned before = _mm_getcsr();
  ASSERT_EQ(credo_rt_invoke("test", subnormalProduct, args), CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(product, 0.0f);
  EXPECT_EQ(sum, 0.0f);
  EXPECT_EQ(_mm_getcsr(), before);
  // The same arithmetic outside a call keeps subnormals.
  subnormalProduct(args);
  EXPECT_GT(product, 0.0f);
  EXPECT_EQ(sum, subnormal);
}
#endif

/// Generated code's view: writes OpenMP's thread count for this thread
/// (oneDNN's parallel regions take it) to args[0].
void recordOmpThreads(void **args) {
  *static_cast<int *>(args[0]) = omp_get_max_threads();
}

// The thread count is the process's (credo_set_num_threads, 1 by default)
// in every thread that calls generated code; OpenMP keeps a count per
// thread, so a new thread ran oneDNN on every core and computed other bits.
TEST(RuntimeInvoke, EveryThreadUsesTheProcessThreadCount) {
  const int before = credo_get_num_threads();
  // A count no thread has by default (OpenMP's default is the cores').
  const int count = omp_get_num_procs() + 1;
  credo_set_num_threads(count);
  int inThread = -1;
  std::thread worker([&] {
    void *args[1] = {&inThread};
    EXPECT_EQ(credo_rt_invoke("test", recordOmpThreads, args), CREDO_OK)
        << credo_last_error();
  });
  worker.join();
  EXPECT_EQ(inThread, count);
  credo_set_num_threads(before);
  int here = -1;
  void *args[1] = {&here};
  ASSERT_EQ(credo_rt_invoke("test", recordOmpThreads, args), CREDO_OK);
  EXPECT_EQ(here, before);
}
} // namespace
