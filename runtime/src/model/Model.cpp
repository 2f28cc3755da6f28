//===- Model.cpp - Model instances and parameter initializers ---*- C++ -*-===//
//
// A model instance is built from the metadata text that the compiler embeds
// in every generated library: it owns one aligned buffer per parameter and
// knows the names, dtypes and shapes of the parameters, inputs and outputs.
// Initializers are deterministic (splitmix64 + Box-Muller, one stream per
// parameter seeded by its seed), so `credoc init` and a generated library's
// init produce the same values. Checkpoints are safetensors files carrying a
// CRC-32 of the parameter data and the other metadata, checked on load.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "credo/kernels.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <unordered_set>
#include <vector>
#include <zlib.h>

namespace credo::rt {
namespace {

struct Value {
  std::string name;
  credo_dtype dtype = CREDO_F32;
  std::vector<int64_t> shape;
  std::string init; ///< parameters only: the initializer text
  credo_tensor storage{};
  credo_tensor next{}; ///< parameters only: the training step's output
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  size_t nbytes() const {
    return static_cast<size_t>(numel()) * credo_dtype_size(dtype);
  }
};

bool parseDtype(const std::string &s, credo_dtype &out) {
  static const std::map<std::string, credo_dtype> names = {{"f32", CREDO_F32},
                                                           {"f64", CREDO_F64},
                                                           {"i32", CREDO_I32},
                                                           {"i64", CREDO_I64}};
  auto it = names.find(s);
  if (it == names.end())
    return false;
  out = it->second;
  return true;
}

/// Parses "784x256" (or "-" for a scalar); on failure, says why in `why`.
bool parseShape(const std::string &s, std::vector<int64_t> &out,
                std::string &why) {
  out.clear();
  if (s == "-")
    return true;
  std::stringstream ss(s);
  std::string part;
  int64_t count = 1;
  why = "shape '" + s + "' is not sizes joined by 'x' (or '-' for a scalar)";
  while (std::getline(ss, part, 'x')) {
    if (part.empty() ||
        part.find_first_not_of("0123456789") != std::string::npos)
      return false;
    int64_t d = part.size() > 12 ? 0 : std::stoll(part);
    if (d == 0) {
      why = "shape '" + s + "' has a size of " + part + "; sizes are 1 to 2^40";
      return false;
    }
    if (count > (int64_t(1) << 40) / d) {
      why = "shape '" + s + "' has more than 2^40 elements";
      return false;
    }
    count *= d;
    out.push_back(d);
  }
  if (out.size() > CREDO_MAX_RANK) {
    why = "shape '" + s + "' has " + std::to_string(out.size()) +
          " dimensions; at most " + std::to_string(CREDO_MAX_RANK);
    return false;
  }
  return !out.empty();
}

/// splitmix64: a small, well-mixed, portable generator.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

/// Fans of a parameter shape (see #credo.init in docs/dialect.md).
void fans(const std::vector<int64_t> &shape, double &fanIn, double &fanOut) {
  if (shape.empty()) {
    fanIn = fanOut = 1;
  } else if (shape.size() == 1) {
    fanIn = fanOut = static_cast<double>(shape[0]);
  } else if (shape.size() == 2) {
    fanIn = static_cast<double>(shape[0]);
    fanOut = static_cast<double>(shape[1]);
  } else {
    double receptive = 1;
    for (size_t i = 2; i < shape.size(); ++i)
      receptive *= static_cast<double>(shape[i]);
    fanIn = static_cast<double>(shape[1]) * receptive;
    fanOut = static_cast<double>(shape[0]) * receptive;
  }
}

/// zlib's CRC-32, for any size.
uint32_t crc32Of(uint32_t crc, const void *data, size_t size) {
  const auto *p = static_cast<const Bytef *>(data);
  while (size > 0) {
    uInt n = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = static_cast<uint32_t>(::crc32(crc, p, n));
    p += n;
    size -= n;
  }
  return crc;
}

} // namespace
} // namespace credo::rt

using namespace credo::rt;

struct credo_model {
  std::string name;
  std::vector<Value> values[3]; ///< indexed by credo_value_kind
  /// The parameters' buffers are the Vulkan executor's (credo_model_place
  /// "vulkan"): steps copy them on the device, and each host access first
  /// brings the host's view up to date.
  bool onDevice = false;
  /// The target the parameters were placed for (empty: none yet).
  std::string target;
  /// The parameters that are optimizer or rule state ("state NAME" lines),
  /// comma-separated: saved checkpoints list them, so that a model built
  /// for inference loads the weights and leaves them.
  std::string state;
  /// The held outputs of units with an execute schedule ("held NAME"
  /// lines), comma-separated: a file without them leaves them as they are.
  std::string held;
  /// An environment rule's NAME_act succeeded since its last successful
  /// NAME_train_step (credo_rt_set_acted / credo_rt_require_act).
  bool acted = false;
  /// The FNV-1a hash of the metadata the instance was made from: a
  /// generated library's entry points take only instances of their own
  /// model (credo_rt_check_instance compares it with the library's).
  uint64_t metadataHash = 0;
};

namespace {

/// Before the host reads (or writes) `bytes` at `data`, a buffer of a model
/// whose parameters live on the device: the latest contents fetched, and
/// after a write sent before the next kernel that reads them.
void hostAccess(const credo_model *model, const void *data, size_t bytes,
                bool write) {
  if (model->onDevice && data)
    credo_rt_vk_sync_range(int64_t(reinterpret_cast<uintptr_t>(data)),
                           int64_t(bytes), write ? 1 : 0);
}

void hostAccess(const credo_model *model, const Value &p, bool write) {
  hostAccess(model, p.storage.data, p.nbytes(), write);
}

/// Whether `name` is optimizer or rule state of the model ("state NAME").
bool isState(const credo_model *model, const std::string &name) {
  return ("," + model->state + ",").find("," + name + ",") != std::string::npos;
}

/// Whether `name` is a held output of the model ("held NAME").
bool isHeld(const credo_model *model, const std::string &name) {
  return ("," + model->held + ",").find("," + name + ",") != std::string::npos;
}

/// Frees a parameter buffer wherever it lives.
void freeBuffer(const credo_model *model, credo_tensor &t) {
  if (model->onDevice) {
    credo_rt_vk_free(t.data);
    t.data = nullptr;
  } else {
    credo_tensor_free(&t);
  }
}

/// random_pairs: shape[0] distinct pairs (i, j), i < rows, j < cols, drawn
/// uniformly without replacement and sorted. Selection sampling (Knuth's
/// Algorithm S) over the positions when there are at most 2^26 of them,
/// else Floyd's algorithm and a sort.
credo_status fillPairs(credo_dtype dtype, const std::vector<int64_t> &shape,
                       int64_t rows, int64_t cols, uint64_t seed, void *data) {
  if (dtype != CREDO_I64 || shape.size() != 2 || shape[1] != 2)
    return fail(CREDO_ERR_FORMAT, "a random_pairs parameter is i64 [nnz, 2]");
  const int64_t nnz = shape[0];
  if (rows < 1 || cols < 1 || rows > (int64_t(1) << 31) ||
      cols > (int64_t(1) << 31) || nnz > rows * cols)
    return fail(CREDO_ERR_FORMAT,
                "random_pairs: cannot draw " + std::to_string(nnz) +
                    " distinct pairs from " + std::to_string(rows) + " x " +
                    std::to_string(cols) + " positions");
  const uint64_t total = uint64_t(rows) * uint64_t(cols);
  SplitMix64 rng{seed};
  std::vector<uint64_t> picked;
  picked.reserve(size_t(nnz));
  if (total <= (uint64_t(1) << 26)) {
    uint64_t needed = uint64_t(nnz);
    for (uint64_t p = 0; p < total && needed > 0; ++p)
      if (rng.uniform() * double(total - p) < double(needed)) {
        picked.push_back(p);
        --needed;
      }
  } else {
    std::unordered_set<uint64_t> chosen;
    for (uint64_t j = total - uint64_t(nnz); j < total; ++j) {
      uint64_t t = uint64_t(rng.uniform() * double(j + 1));
      if (t > j)
        t = j;
      picked.push_back(chosen.insert(t).second ? t : j);
      if (picked.back() == j)
        chosen.insert(j);
    }
    std::sort(picked.begin(), picked.end());
  }
  auto *out = static_cast<int64_t *>(data);
  for (int64_t s = 0; s < nnz; ++s) {
    out[2 * s] = int64_t(picked[size_t(s)] / uint64_t(cols));
    out[2 * s + 1] = int64_t(picked[size_t(s)] % uint64_t(cols));
  }
  return CREDO_OK;
}

/// `v` in the fewest digits that read back as it.
std::string shortest(double v) {
  if (std::isnan(v))
    return "nan"; // whatever its sign bit
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, v);
    if (std::strtod(text, nullptr) == v)
      break;
  }
  return text;
}

/// Parses the initializer text and fills `count` elements (with `data`
/// null, only checks the text). Each kind takes its own keys (and `seed`),
/// each at most once: a misspelt key would otherwise leave its default in
/// place.
credo_status fillInit(const std::string &text, credo_dtype dtype,
                      const std::vector<int64_t> &shape, void *data) {
  std::stringstream ss(text);
  std::string kind;
  ss >> kind;
  static const std::map<std::string, std::vector<std::string>> kinds = {
      {"zeros", {}},
      {"ones", {}},
      {"constant", {"value"}},
      {"uniform", {"low", "high"}},
      {"normal", {"mean", "std"}},
      {"glorot_uniform", {}},
      {"glorot_normal", {}},
      {"he_uniform", {}},
      {"he_normal", {}},
      {"random_pairs", {"rows", "cols"}},
      {"generator", {}}};
  auto known = kinds.find(kind);
  if (known == kinds.end())
    return fail(CREDO_ERR_FORMAT, "unknown initializer '" + kind + "'");
  std::map<std::string, double> keys;
  uint64_t seed = 0;
  bool seeded = false;
  std::string token;
  while (ss >> token) {
    size_t eq = token.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail(CREDO_ERR_FORMAT, "bad initializer token '" + token + "'");
    std::string key = token.substr(0, eq), value = token.substr(eq + 1);
    if (key != "seed" && std::find(known->second.begin(), known->second.end(),
                                   key) == known->second.end()) {
      std::string takes;
      for (const std::string &k : known->second)
        takes += k + "=, ";
      return fail(CREDO_ERR_FORMAT, "initializer '" + kind +
                                        "' takes no key '" + key +
                                        "' (it takes " + takes + "seed=)");
    }
    if (keys.count(key) || (key == "seed" && seeded))
      return fail(CREDO_ERR_FORMAT,
                  "initializer key '" + key + "' is given twice");
    char *end = nullptr;
    errno = 0;
    if (key == "seed") {
      seeded = true;
      if (value.empty() || value[0] < '0' || value[0] > '9')
        return fail(CREDO_ERR_FORMAT, "initializer seed '" + value +
                                          "' is not a number in [0, 2^64)");
      seed = std::strtoull(value.c_str(), &end, 10);
    } else {
      keys[key] = std::strtod(value.c_str(), &end);
      if (!std::isfinite(keys[key]))
        return fail(CREDO_ERR_FORMAT,
                    "initializer value '" + token + "' is not finite");
    }
    if (!end || *end != '\0' || value.empty() || errno == ERANGE)
      return fail(CREDO_ERR_FORMAT, "bad initializer value '" + token + "'");
  }
  auto key = [&](const char *k, double def) {
    auto it = keys.find(k);
    return it == keys.end() ? def : it->second;
  };
  if (kind == "uniform" && key("low", 0) > key("high", 1))
    return fail(CREDO_ERR_FORMAT, "initializer 'uniform' has low " +
                                      std::to_string(key("low", 0)) +
                                      " above high " +
                                      std::to_string(key("high", 1)));
  if (kind == "normal" && key("std", 1) < 0)
    return fail(CREDO_ERR_FORMAT, "initializer 'normal' has a negative std " +
                                      std::to_string(key("std", 1)));
  // Without data: the text is checked, nothing drawn (credo_model_create).
  if (!data)
    return CREDO_OK;
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  double fanIn, fanOut;
  fans(shape, fanIn, fanOut);

  // Each kind is uniform(lo, hi) or normal(mean, std) or a constant.
  enum { Const, Uniform, Normal } dist;
  double a = 0, b = 0;
  if (kind == "zeros") {
    dist = Const, a = 0;
  } else if (kind == "ones") {
    dist = Const, a = 1;
  } else if (kind == "constant") {
    dist = Const, a = key("value", 0);
  } else if (kind == "uniform") {
    dist = Uniform, a = key("low", 0), b = key("high", 1);
  } else if (kind == "normal") {
    dist = Normal, a = key("mean", 0), b = key("std", 1);
  } else if (kind == "glorot_uniform") {
    b = std::sqrt(6.0 / (fanIn + fanOut));
    dist = Uniform, a = -b;
  } else if (kind == "glorot_normal") {
    dist = Normal, a = 0, b = std::sqrt(2.0 / (fanIn + fanOut));
  } else if (kind == "he_uniform") {
    b = std::sqrt(6.0 / fanIn);
    dist = Uniform, a = -b;
  } else if (kind == "he_normal") {
    dist = Normal, a = 0, b = std::sqrt(2.0 / fanIn);
  } else if (kind == "random_pairs") {
    return fillPairs(dtype, shape, int64_t(key("rows", 0)),
                     int64_t(key("cols", 0)), seed, data);
  } else { // "generator" (every kind is known by now)
    // A counter-based generator: [key, counter] = [seed, 0].
    if (dtype != CREDO_I64 || n != 2)
      return fail(CREDO_ERR_FORMAT, "a generator parameter is 2 i64 values");
    static_cast<int64_t *>(data)[0] = static_cast<int64_t>(seed);
    static_cast<int64_t *>(data)[1] = 0;
    return CREDO_OK;
  }

  // An integer parameter's constant is an integer; every value drawn must
  // be one the dtype holds (a cast would wrap it or make it the type's
  // minimum: 3e9 into i32 became -2147483648).
  auto holds = [&](double v) {
    switch (dtype) {
    case CREDO_F32:
      return std::fabs(v) <= double(std::numeric_limits<float>::max());
    case CREDO_F64:
      return std::isfinite(v);
    case CREDO_I32:
      return v > -2147483649.0 && v < 2147483648.0;
    case CREDO_I64:
      return v >= -0x1p63 && v < 0x1p63;
    case CREDO_U8:
      return v > -1.0 && v < 256.0;
    }
    return false;
  };
  bool integer = dtype == CREDO_I32 || dtype == CREDO_I64 || dtype == CREDO_U8;
  std::string dtypeName = credo_dtype_name(dtype);
  if (dist == Const && integer && a != std::trunc(a))
    return fail(CREDO_ERR_FORMAT, "initializer '" + text + "': " + shortest(a) +
                                      " is not an integer, so no " + dtypeName +
                                      " value");
  // A constant or a uniform range the dtype cannot hold fails before any
  // element is written (a uniform draw lies in [low, high)).
  if (dist == Const && !holds(a))
    return fail(CREDO_ERR_FORMAT, "initializer '" + text + "' gives " +
                                      shortest(a) + ", which " + dtypeName +
                                      " cannot hold");
  if (dist == Uniform && (!holds(a) || (b > a && !holds(std::nextafter(b, a)))))
    return fail(CREDO_ERR_FORMAT, "initializer '" + text + "' draws from [" +
                                      shortest(a) + ", " + shortest(b) +
                                      "), which " + dtypeName + " cannot hold");
  SplitMix64 rng{seed};
  auto store = [&](int64_t i, double v) {
    if (!holds(v))
      return fail(CREDO_ERR_FORMAT, "initializer '" + text + "' gives " +
                                        shortest(v) + ", which " + dtypeName +
                                        " cannot hold");
    switch (dtype) {
    case CREDO_F32:
      static_cast<float *>(data)[i] = static_cast<float>(v);
      break;
    case CREDO_F64:
      static_cast<double *>(data)[i] = v;
      break;
    case CREDO_I32:
      static_cast<int32_t *>(data)[i] = static_cast<int32_t>(v);
      break;
    case CREDO_I64:
      static_cast<int64_t *>(data)[i] = static_cast<int64_t>(v);
      break;
    case CREDO_U8:
      static_cast<uint8_t *>(data)[i] = static_cast<uint8_t>(v);
      break;
    }
    return CREDO_OK;
  };
  for (int64_t i = 0; i < n; ++i) {
    credo_status s = CREDO_OK;
    if (dist == Const) {
      s = store(i, a);
    } else if (dist == Uniform) {
      s = store(i, a + (b - a) * rng.uniform());
    } else {
      // Box-Muller: one pair of uniforms gives two normals.
      double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
      double r = std::sqrt(-2.0 * std::log(u1));
      s = store(i, a + b * r * std::cos(2 * M_PI * u2));
      if (s == CREDO_OK && ++i < n)
        s = store(i, a + b * r * std::sin(2 * M_PI * u2));
    }
    if (s != CREDO_OK)
      return s;
  }
  return CREDO_OK;
}

/// The checksum of a checkpoint: CRC-32 of the tensors' data in order, then
/// of each metadata entry but the checksums ("key\0value\0", by key).
constexpr const char *kChecksumKey = "credo.checksum";
/// Checkpoints written before the metadata was covered: data only.
constexpr const char *kDataChecksumKey = "credo.crc32";

uint32_t
checkpointChecksum(const std::vector<std::pair<const void *, size_t>> &data,
                   std::map<std::string, std::string> metadata) {
  uint32_t crc = 0;
  for (const auto &[p, n] : data)
    crc = crc32Of(crc, p, n);
  metadata.erase(kChecksumKey);
  metadata.erase(kDataChecksumKey);
  for (const auto &[key, value] : metadata) {
    crc = crc32Of(crc, key.c_str(), key.size() + 1);
    crc = crc32Of(crc, value.c_str(), value.size() + 1);
  }
  return crc;
}

constexpr const char *kStateKey = "credo.optimizer_state";

} // namespace

extern "C" {

credo_status credo_model_create(const char *metadata, credo_model **out) {
  if (!metadata || !out)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                std::string("credo_model_create: ") +
                    (!metadata ? "the metadata" : "the output") +
                    " is a null pointer");
  *out = nullptr;
  // On an error below, the parameters declared so far are freed with it.
  struct Destroy {
    void operator()(credo_model *m) const { credo_model_destroy(m); }
  };
  std::unique_ptr<credo_model, Destroy> model(new credo_model());
  model->metadataHash = credo_metadata_hash(metadata);
  std::stringstream text(metadata);
  std::string line;
  int lineNo = 0;
  bool header = false;
  while (std::getline(text, line)) {
    ++lineNo;
    if (line.empty())
      continue;
    std::stringstream ls(line);
    std::string tag;
    ls >> tag;
    auto bad = [&](const std::string &why) {
      return fail(CREDO_ERR_FORMAT,
                  "model metadata line " + std::to_string(lineNo) + ": " + why);
    };
    if (!header) {
      int version = 0;
      ls >> version;
      if (tag != "credo-model" || version != 1)
        return bad("expected 'credo-model 1'");
      header = true;
      continue;
    }
    if (tag == "name") {
      ls >> model->name;
      continue;
    }
    if (tag == "state" || tag == "held") {
      std::string name;
      ls >> name;
      bool known = false;
      for (const Value &p : model->values[CREDO_PARAM])
        known |= p.name == name;
      if (!known)
        return bad(tag + " '" + name + "' is not a parameter declared before");
      std::string &list = tag == "state" ? model->state : model->held;
      list += (list.empty() ? "" : ",") + name;
      continue;
    }
    credo_value_kind kind;
    if (tag == "param")
      kind = CREDO_PARAM;
    else if (tag == "input")
      kind = CREDO_INPUT;
    else if (tag == "output")
      kind = CREDO_OUTPUT;
    else
      return bad("unknown entry '" + tag + "'");
    Value v;
    std::string dtype, shape, why;
    ls >> v.name >> dtype >> shape;
    if (v.name.empty() || dtype.empty() || shape.empty())
      return bad("expected '" + tag + " NAME DTYPE SHAPE'");
    if (!parseDtype(dtype, v.dtype))
      return bad("unknown dtype '" + quoteForMessage(dtype) +
                 "' (f32, f64, i32 or i64)");
    if (!parseShape(shape, v.shape, why))
      return bad(why);
    for (const Value &other : model->values[kind])
      if (other.name == v.name)
        return bad(tag + " '" + quoteForMessage(v.name) +
                   "' is declared twice");
    if (kind == CREDO_PARAM) {
      std::getline(ls, v.init);
      size_t start = v.init.find_first_not_of(' ');
      v.init = start == std::string::npos ? "" : v.init.substr(start);
      if (v.init.empty())
        return bad("parameter '" + v.name + "' has no initializer");
      // A misspelt key or a bad value is refused here, not at the first
      // credo_model_init_params.
      if (fillInit(v.init, v.dtype, v.shape, nullptr) != CREDO_OK)
        return bad("parameter '" + v.name + "': " + credo_last_error());
      credo_status s = credo_tensor_alloc(&v.storage, v.dtype,
                                          static_cast<int32_t>(v.shape.size()),
                                          v.shape.data());
      if (s != CREDO_OK)
        return s;
    }
    model->values[kind].push_back(std::move(v));
  }
  if (!header)
    return fail(CREDO_ERR_FORMAT, "empty model metadata");
  *out = model.release();
  return CREDO_OK;
}

credo_status credo_model_create_init(const char *metadata, credo_model **out) {
  credo_status s = credo_model_create(metadata, out);
  if (s != CREDO_OK)
    return s;
  s = credo_model_init_params(*out);
  if (s != CREDO_OK) {
    credo_model_destroy(*out);
    *out = nullptr;
  }
  return s;
}

void credo_model_destroy(credo_model *model) {
  if (!model)
    return;
  for (Value &p : model->values[CREDO_PARAM]) {
    freeBuffer(model, p.storage);
    freeBuffer(model, p.next);
  }
  delete model;
}

const char *credo_model_name(const credo_model *model) {
  return model ? model->name.c_str() : "";
}

size_t credo_model_count(const credo_model *model, credo_value_kind kind) {
  if (!model || kind < CREDO_PARAM || kind > CREDO_OUTPUT)
    return 0;
  return model->values[kind].size();
}

credo_status credo_model_info(const credo_model *model, credo_value_kind kind,
                              size_t index, credo_value_info *info) {
  if (!model || !info)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                std::string("credo_model_info: ") +
                    (!model ? "the model" : "the info") + " is a null pointer");
  if (kind < CREDO_PARAM || kind > CREDO_OUTPUT)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_model_info: unknown value kind " +
                    std::to_string(static_cast<int>(kind)));
  if (index >= model->values[kind].size())
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_model_info: index " + std::to_string(index) +
                    " is out of range: model '" + model->name + "' has " +
                    std::to_string(model->values[kind].size()) + " " +
                    (kind == CREDO_PARAM   ? "parameters"
                     : kind == CREDO_INPUT ? "inputs"
                                           : "outputs"));
  const Value &v = model->values[kind][index];
  info->name = v.name.c_str();
  info->dtype = v.dtype;
  info->rank = static_cast<int32_t>(v.shape.size());
  info->shape = v.shape.data();
  return CREDO_OK;
}

credo_status credo_model_find(const credo_model *model, credo_value_kind kind,
                              const char *name, size_t *index) {
  if (!model)
    return fail(CREDO_ERR_INVALID_ARGUMENT, "the model is a null pointer");
  if (!name)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "model '" + model->name + "': the name is a null pointer");
  if (!index || kind < CREDO_PARAM || kind > CREDO_OUTPUT)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_model_find: a null index or a bad kind");
  const auto &list = model->values[kind];
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].name == name) {
      *index = i;
      return CREDO_OK;
    }
  static const char *kinds[] = {"parameter", "input", "output"};
  return fail(CREDO_ERR_NOT_FOUND, std::string("model '") + model->name +
                                       "' has no " + kinds[kind] + " '" + name +
                                       "'");
}

void *credo_model_param_data(credo_model *model, size_t index) {
  if (!model || index >= model->values[CREDO_PARAM].size()) {
    fail(CREDO_ERR_INVALID_ARGUMENT,
         !model ? std::string("credo_model_param_data: the model is a null "
                              "pointer")
                : "credo_model_param_data: index " + std::to_string(index) +
                      " is out of range: model '" + model->name + "' has " +
                      std::to_string(model->values[CREDO_PARAM].size()) +
                      " parameters");
    return nullptr;
  }
  Value &p = model->values[CREDO_PARAM][index];
  hostAccess(model, p, /*write=*/true);
  return p.storage.data;
}

void *credo_model_param_buffer(credo_model *model, size_t index) {
  if (!model || index >= model->values[CREDO_PARAM].size())
    return nullptr;
  return model->values[CREDO_PARAM][index].storage.data;
}

void *credo_model_next_param_data(credo_model *model, size_t index) {
  if (!model || index >= model->values[CREDO_PARAM].size())
    return nullptr;
  Value &p = model->values[CREDO_PARAM][index];
  if (p.next.data)
    return p.next.data;
  if (!model->onDevice) {
    if (credo_tensor_alloc(&p.next, p.dtype,
                           static_cast<int32_t>(p.shape.size()),
                           p.shape.data()) != CREDO_OK)
      return nullptr;
    return p.next.data;
  }
  void *buffer = vulkanAllocateHeld(p.nbytes());
  if (!buffer) {
    credo_status why = credo_rt_take_status();
    fail(why != CREDO_OK ? why : CREDO_ERR_OUT_OF_MEMORY, credo_last_error());
    return nullptr;
  }
  p.next = p.storage; // dtype and shape
  p.next.data = buffer;
  hostAccess(model, p.next.data, p.nbytes(), /*write=*/true);
  std::memset(p.next.data, 0, p.nbytes());
  return p.next.data;
}

credo_status credo_model_place(credo_model *model, const char *target) {
  if (!model || !target)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_model_place: a null pointer");
  std::string where = target;
  if (where != "cpu" && where != "vulkan")
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "model '" + model->name + "': unknown target '" +
                    quoteForMessage(target) + "' (cpu, vulkan)");
  if (model->target == where)
    return CREDO_OK;
  // Code for one target cannot use parameters placed for another (the
  // CPU's would read a Vulkan buffer's host copy without bringing it up to
  // date).
  if (!model->target.empty())
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "model '" + model->name + "' has its parameters placed for " +
                    "the " + model->target + " target; code for the " + where +
                    " target needs an instance of its own");
  if (where == "cpu") {
    model->target = where;
    return CREDO_OK;
  }
  // Every buffer first, so that a failure leaves the model as it was.
  std::vector<Value> &params = model->values[CREDO_PARAM];
  std::vector<void *> buffers;
  auto undo = [&](const std::string &name) {
    credo_status why = credo_rt_take_status();
    std::string reason = credo_last_error();
    for (void *b : buffers)
      credo_rt_vk_free(b);
    return fail(why != CREDO_OK ? why : CREDO_ERR_DEVICE,
                "model '" + model->name + "': cannot keep parameter '" + name +
                    "' on the Vulkan device: " + reason);
  };
  for (Value &p : params)
    for (credo_tensor *t : {&p.storage, &p.next})
      if (t->data) {
        void *b = vulkanAllocateHeld(p.nbytes());
        if (!b)
          return undo(p.name);
        buffers.push_back(b);
      }
  model->onDevice = true;
  model->target = where;
  size_t next = 0;
  for (Value &p : params)
    for (credo_tensor *t : {&p.storage, &p.next})
      if (t->data) {
        void *b = buffers[next++];
        hostAccess(model, b, p.nbytes(), /*write=*/true);
        std::memcpy(b, t->data, p.nbytes());
        credo_tensor kept = *t; // dtype and shape
        credo_tensor_free(t);
        *t = kept;
        t->data = b;
      }
  return CREDO_OK;
}

credo_status credo_model_reserve_next(credo_model *model) {
  if (!model)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_model_reserve_next: null model");
  for (size_t i = 0; i < model->values[CREDO_PARAM].size(); ++i)
    if (!credo_model_next_param_data(model, i))
      return fail(CREDO_ERR_OUT_OF_MEMORY,
                  "model '" + model->name +
                      "': cannot allocate the second "
                      "buffer of parameter '" +
                      model->values[CREDO_PARAM][i].name +
                      "': " + credo_last_error());
  return CREDO_OK;
}

void credo_model_swap_params(credo_model *model) {
  if (!model)
    return;
  for (Value &p : model->values[CREDO_PARAM])
    if (p.next.data)
      std::swap(p.storage.data, p.next.data);
}

uint64_t credo_metadata_hash(const char *metadata) {
  uint64_t h = 14695981039346656037ull; // FNV-1a, 64 bits
  for (const char *c = metadata; c && *c; ++c)
    h = (h ^ static_cast<unsigned char>(*c)) * 1099511628211ull;
  return h;
}

credo_status credo_rt_check_instance(const char *entry, const char *create,
                                     const credo_model *model,
                                     const char *metadata, uint64_t hash,
                                     const char *target) {
  // The common case first, without building any text: every call of every
  // entry point comes through here.
  bool sameModel = model && model->metadataHash == hash;
  bool sameTarget =
      model && (!target || model->target.empty() || model->target == target);
  if (sameModel && sameTarget)
    return CREDO_OK;
  std::string at = std::string(entry ? entry : "?") + ": ";
  if (!model)
    return fail(CREDO_ERR_INVALID_ARGUMENT, at + "the model is a null pointer");
  std::string make = std::string("; pass an instance that ") +
                     (create ? create : "NAME_create") + " made";
  if (!sameModel) {
    // The model's name in the library's metadata ("name NAME" line).
    std::string own;
    std::stringstream text(metadata ? metadata : "");
    for (std::string line; std::getline(text, line);)
      if (line.rfind("name ", 0) == 0) {
        own = line.substr(5);
        break;
      }
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                at + "the model is an instance of " +
                    (own == model->name
                         ? "another build of model '" + model->name +
                               "' (another batch size, rule "
                               "or option)"
                         : "model '" + model->name + "'") +
                    make);
  }
  return fail(CREDO_ERR_INVALID_ARGUMENT,
              at + "the model's parameters are placed for the " +
                  model->target + " target, and this library runs on the " +
                  target + make);
}

credo_status credo_rt_check_written(const char *entry, const char *what,
                                    const credo_model *model, const void *data,
                                    int64_t bytes) {
  if (!model || !data || bytes <= 0)
    return CREDO_OK;
  auto start = reinterpret_cast<uintptr_t>(data);
  auto end = start + static_cast<uintptr_t>(bytes);
  for (const Value &p : model->values[CREDO_PARAM]) {
    size_t size = p.nbytes();
    for (const credo_tensor *t : {&p.storage, &p.next}) {
      if (!t->data)
        continue;
      auto tStart = reinterpret_cast<uintptr_t>(t->data);
      auto tEnd = tStart + size;
      if (start < tEnd && tStart < end)
        return fail(CREDO_ERR_INVALID_ARGUMENT,
                    std::string(entry ? entry : "?") + ": " +
                        (what ? what : "an output") +
                        " overlaps the storage of parameter '" + p.name +
                        "'; the call reads the parameters while it writes "
                        "its outputs, so each output needs a buffer of its "
                        "own");
    }
  }
  return CREDO_OK;
}

credo_status credo_rt_nonfinite_step(const char *entry, const char *what,
                                     double value, const credo_model *model) {
  credo_status status = credo_rt_nonfinite_loss(entry, what, value);
  if (!model)
    return status;
  // Parameters the loss does not read (a rule's own weights, an
  // optimizer's moments) can turn non-finite in a step whose loss is
  // finite: then an earlier step diverged, and the parameters this one
  // keeps are not usable.
  for (const Value &p : model->values[CREDO_PARAM]) {
    if (p.dtype != CREDO_F32 && p.dtype != CREDO_F64)
      continue;
    hostAccess(model, p, /*write=*/false);
    for (int64_t i = 0; i < p.numel(); ++i) {
      double v = p.dtype == CREDO_F32
                     ? double(static_cast<const float *>(p.storage.data)[i])
                     : static_cast<const double *>(p.storage.data)[i];
      if (std::isfinite(v))
        continue;
      return fail(status,
                  std::string(entry ? entry : "?") + ": " +
                      (what ? what : "the loss") + " is " + shortest(value) +
                      ", not a finite number: parameter '" + p.name +
                      "' holds " + shortest(v) + " at element " +
                      std::to_string(i) +
                      " (set so, or left by an earlier step that diverged: "
                      "a learning rate too large?); the parameters are "
                      "unchanged, and not usable: load a saved checkpoint");
    }
  }
  return status;
}

credo_status credo_rt_name_failure(const char *entry, credo_status status) {
  if (status == CREDO_OK || !entry)
    return status;
  // "credo_model_load: WHY" becomes "ENTRY: WHY"; any other message gets
  // the entry in front.
  std::string message = credo_last_error();
  if (message.rfind("credo_model_", 0) == 0) {
    size_t colon = message.find(": ");
    if (colon != std::string::npos && message.find_first_of(" '", 0) > colon)
      message = message.substr(colon + 2);
  }
  return fail(status, std::string(entry) + ": " + message);
}

void credo_rt_set_acted(credo_model *model, int32_t acted) {
  if (model)
    model->acted = acted != 0;
}

credo_status credo_rt_require_act(const char *entry, const char *act,
                                  const credo_model *model) {
  if (!model)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                std::string(entry ? entry : "?") +
                    ": the model is a null pointer");
  if (model->acted)
    return CREDO_OK;
  return fail(CREDO_ERR_INVALID_ARGUMENT,
              std::string(entry ? entry : "?") + ": no call of " +
                  (act ? act : "act") +
                  " since the model was created or last trained; a "
                  "training step learns from the reward of the action that "
                  "act chose, so each one follows one act (the parameters "
                  "are unchanged)");
}

credo_status credo_model_init_params(credo_model *model) {
  if (!model)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_model_init_params: the model is a null pointer");
  for (Value &p : model->values[CREDO_PARAM]) {
    hostAccess(model, p, /*write=*/true);
    credo_status s = fillInit(p.init, p.dtype, p.shape, p.storage.data);
    if (s != CREDO_OK)
      return fail(s, "parameter '" + p.name + "': " + credo_last_error());
  }
  return CREDO_OK;
}

credo_status credo_init_fill(const char *initializer, credo_dtype dtype,
                             int32_t rank, const int64_t *shape, void *data) {
  if (!initializer || !data || rank < 0 || rank > CREDO_MAX_RANK ||
      (rank > 0 && !shape))
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                std::string("credo_init_fill: ") +
                    (!initializer ? "the initializer is a null pointer"
                     : !data      ? "the data is a null pointer"
                                  : "bad rank or a null shape"));
  // The shape a tensor could have (credo_tensor_alloc's limits), so that
  // the element count neither wraps nor goes negative.
  credo_tensor probe{};
  probe.dtype = dtype;
  probe.rank = rank;
  for (int32_t i = 0; i < rank; ++i)
    probe.shape[i] = shape[i];
  int64_t n = credo_tensor_numel(&probe);
  if (credo_dtype_size(dtype) == 0)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_init_fill: unknown dtype " +
                    std::to_string(static_cast<int>(dtype)));
  if (n < 0 || n > (int64_t(1) << 40))
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_init_fill: the shape has a negative dimension or more "
                "than 2^40 elements");
  return fillInit(initializer, dtype, std::vector<int64_t>(shape, shape + rank),
                  data);
}

credo_status credo_model_set_param(credo_model *model, const char *name,
                                   const void *data, size_t nbytes) {
  size_t index;
  credo_status s = credo_model_find(model, CREDO_PARAM, name, &index);
  if (s != CREDO_OK)
    return s;
  Value &p = model->values[CREDO_PARAM][index];
  if (!data)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_model_set_param: the data of parameter '" + p.name +
                    "' is a null pointer");
  if (nbytes != p.nbytes())
    return fail(CREDO_ERR_SHAPE,
                "model '" + model->name + "': parameter '" + p.name +
                    "' holds " + std::to_string(p.nbytes()) + " bytes, but " +
                    std::to_string(nbytes) + " were given");
  hostAccess(model, p, /*write=*/true);
  std::memcpy(p.storage.data, data, nbytes);
  return CREDO_OK;
}

credo_status credo_model_get_param(const credo_model *model, const char *name,
                                   void *data, size_t nbytes) {
  size_t index;
  credo_status s = credo_model_find(model, CREDO_PARAM, name, &index);
  if (s != CREDO_OK)
    return s;
  const Value &p = model->values[CREDO_PARAM][index];
  if (!data)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_model_get_param: the buffer for parameter '" + p.name +
                    "' is a null pointer");
  if (nbytes != p.nbytes())
    return fail(CREDO_ERR_SHAPE,
                "model '" + model->name + "': parameter '" + p.name +
                    "' holds " + std::to_string(p.nbytes()) +
                    " bytes, but the buffer has " + std::to_string(nbytes));
  hostAccess(model, p, /*write=*/false);
  std::memcpy(data, p.storage.data, nbytes);
  return CREDO_OK;
}

credo_status credo_model_save_with_metadata(const credo_model *model,
                                            const char *path,
                                            const char *const *extraKeys,
                                            const char *const *extraValues,
                                            size_t extraCount) {
  if (!model || !path || (extraCount && (!extraKeys || !extraValues)))
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                std::string("credo_model_save: ") +
                    (!model  ? "the model"
                     : !path ? "the path"
                             : "the metadata keys or values") +
                    " is a null pointer");
  std::vector<credo_named_tensor> tensors;
  std::vector<std::pair<const void *, size_t>> data;
  for (const Value &p : model->values[CREDO_PARAM]) {
    credo_named_tensor t;
    t.name = const_cast<char *>(p.name.c_str());
    t.tensor = p.storage;
    tensors.push_back(t);
    data.emplace_back(p.storage.data, p.nbytes());
  }
  if (model->onDevice) {
    std::vector<std::pair<const char *, size_t>> ranges;
    for (auto [p, n] : data)
      ranges.emplace_back(static_cast<const char *>(p), n);
    vulkanHostRead(ranges); // one fetch for all
  }
  std::map<std::string, std::string> metadata = {{"credo.model", model->name}};
  // The state the model declares (a loader skips those tensors when its
  // model lacks them, so a caller may not rewrite the list).
  if (!model->state.empty())
    metadata[kStateKey] = model->state;
  for (size_t i = 0; i < extraCount; ++i) {
    if (!extraKeys[i] || !extraValues[i])
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  "credo_model_save: metadata entry " + std::to_string(i) +
                      " is a null pointer");
    if (!metadata.emplace(extraKeys[i], extraValues[i]).second ||
        std::string(extraKeys[i]) == kChecksumKey ||
        std::string(extraKeys[i]) == kStateKey ||
        std::string(extraKeys[i]) == kDataChecksumKey)
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  "credo_model_save: metadata key '" +
                      quoteForMessage(extraKeys[i]) +
                      "' is given twice or reserved");
  }
  metadata[kChecksumKey] = std::to_string(checkpointChecksum(data, metadata));
  std::vector<const char *> keys, values;
  for (const auto &[k, v] : metadata) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  return credo_safetensors_write(path, tensors.data(), tensors.size(),
                                 keys.data(), values.data(), keys.size());
}

credo_status credo_model_save(const credo_model *model, const char *path) {
  return credo_model_save_with_metadata(model, path, nullptr, nullptr, 0);
}

credo_status credo_safetensors_verify(const credo_tensor_set *set,
                                      const char *path) {
  if (!set)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_safetensors_verify: the set is a null pointer");
  // The checksum covers all of the file's data and metadata (only the data,
  // in a file from before the metadata was covered).
  std::vector<std::pair<const void *, size_t>> data;
  for (size_t i = 0; i < set->count; ++i)
    data.emplace_back(set->items[i].tensor.data,
                      credo_tensor_nbytes(&set->items[i].tensor));
  std::map<std::string, std::string> metadata;
  for (size_t i = 0; i < set->metadata_count; ++i)
    metadata[set->metadata_keys[i]] = set->metadata_values[i];
  std::optional<std::string> expected; // an empty value is no checksum
  uint32_t actual = 0;
  if (auto it = metadata.find(kChecksumKey); it != metadata.end()) {
    expected = it->second;
    actual = checkpointChecksum(data, metadata);
  } else if (auto old = metadata.find(kDataChecksumKey);
             old != metadata.end()) {
    expected = old->second;
    actual = checkpointChecksum(data, {});
  }
  if (expected && *expected != std::to_string(actual))
    return fail(CREDO_ERR_CORRUPT, std::string(path ? path : "?") +
                                       ": checksum mismatch: the file is "
                                       "corrupt");
  return CREDO_OK;
}

credo_status credo_model_load(credo_model *model, const char *path) {
  if (!model || !path)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                std::string("credo_model_load: ") +
                    (!model ? "the model" : "the path") + " is a null pointer");
  credo_tensor_set set{};
  credo_status s = credo_safetensors_read(path, &set);
  if (s != CREDO_OK)
    return s;
  struct Cleanup {
    credo_tensor_set *set;
    ~Cleanup() { credo_tensor_set_free(set); }
  } cleanup{&set};

  std::string where = std::string(path) + ": ";
  // A training checkpoint lists its optimizer and rule state; a file
  // without the list (an inference build's) has none to give.
  bool fileHasState = false;
  for (size_t i = 0; i < set.metadata_count; ++i)
    fileHasState |= std::string(set.metadata_keys[i]) == kStateKey;
  std::vector<bool> used(set.count, false);
  std::vector<const credo_tensor *> sources;
  for (const Value &p : model->values[CREDO_PARAM]) {
    const credo_tensor *found = nullptr;
    for (size_t i = 0; i < set.count; ++i)
      if (p.name == set.items[i].name) {
        found = &set.items[i].tensor;
        used[i] = true;
      }
    if (!found && (p.init.rfind("generator", 0) == 0 || isHeld(model, p.name) ||
                   (!fileHasState && isState(model, p.name)))) {
      // A random generator the file lacks keeps its value (its initial key
      // and counter after credo_model_create_init): weights written
      // elsewhere need not carry the generator's state. So does a held
      // output (a model without the execute schedule has none). So does
      // optimizer or rule state missing from a file that has none: a training
      // build loads what an inference build of the model saved (but not a
      // training checkpoint of another optimizer).
      sources.push_back(nullptr);
      continue;
    }
    if (!found)
      return fail(CREDO_ERR_NOT_FOUND,
                  where + "missing parameter '" + p.name + "'");
    bool same = found->dtype == p.dtype &&
                found->rank == static_cast<int32_t>(p.shape.size());
    for (size_t d = 0; same && d < p.shape.size(); ++d)
      same = found->shape[d] == p.shape[d];
    if (!same) {
      auto describe = [](credo_dtype dt, int32_t rank, const int64_t *shape) {
        std::string s = std::string(credo_dtype_name(dt)) + "[";
        for (int32_t d = 0; d < rank; ++d)
          s += (d ? "," : "") + std::to_string(shape[d]);
        return s + "]";
      };
      return fail(CREDO_ERR_SHAPE,
                  where + "parameter '" + p.name + "' is " +
                      describe(found->dtype, found->rank, found->shape) +
                      " in the file, but the model expects " +
                      describe(p.dtype, static_cast<int32_t>(p.shape.size()),
                               p.shape.data()));
    }
    sources.push_back(found);
  }
  // Tensors the model lacks are an error, except optimizer state that a
  // training checkpoint lists in "credo.optimizer_state" (a model built
  // for inference loads the weights and leaves the state).
  std::string state;
  for (size_t i = 0; i < set.metadata_count; ++i)
    if (std::string(set.metadata_keys[i]) == kStateKey)
      state = "," + std::string(set.metadata_values[i]) + ",";
  for (size_t i = 0; i < set.count; ++i)
    if (!used[i] && state.find("," + std::string(set.items[i].name) + ",") ==
                        std::string::npos)
      return fail(CREDO_ERR_NOT_FOUND,
                  where + "unexpected tensor '" + set.items[i].name +
                      "' (not a parameter of model '" + model->name + "')");
  // Verify the checksum before touching the model.
  if (credo_status v = credo_safetensors_verify(&set, path); v != CREDO_OK)
    return v;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i])
      continue;
    Value &p = model->values[CREDO_PARAM][i];
    hostAccess(model, p, /*write=*/true);
    std::memcpy(p.storage.data, sources[i]->data, p.nbytes());
  }
  return CREDO_OK;
}

} // extern "C"
