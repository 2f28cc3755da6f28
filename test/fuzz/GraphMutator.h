//===- GraphMutator.h - Structure-aware mutations of JSON graphs -*- C++
//-*-===//
//
// libFuzzer's byte mutations rarely keep a graph valid enough to reach the
// compiler. This mutator edits the graph as JSON instead: it swaps a node's
// op, rewires an input, sets an attribute, resizes a dimension, changes a
// dtype or an initializer, duplicates or drops a node, or changes the
// outputs; input that is not JSON gets libFuzzer's byte mutations.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TEST_FUZZ_GRAPHMUTATOR_H
#define CREDO_TEST_FUZZ_GRAPHMUTATOR_H

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace credo::fuzz {

using json = nlohmann::json;

inline const std::vector<const char *> &opNames() {
  static const std::vector<const char *> ops = {
      "dense",      "conv2d",    "max_pool2d",
      "avg_pool2d", "flatten",   "reshape",
      "add",        "sub",       "mul",
      "relu",       "sigmoid",   "tanh",
      "softplus",   "softmax",   "softmax_cross_entropy",
      "mse",        "transpose", "time_loop",
      "scale"};
  return ops;
}

/// A small integer, now and then an extreme one.
inline json smallInt(std::mt19937 &rng) {
  static const int64_t extremes[] = {
      0, -1, 1LL << 31, (1LL << 31) - 1, 1LL << 40, -(1LL << 40)};
  if (rng() % 16 == 0)
    return extremes[rng() % 6];
  return int64_t(rng() % 6);
}

/// The names a node input may take: inputs, parameters and nodes.
inline std::vector<std::string> valueNames(const json &g) {
  std::vector<std::string> names;
  for (const char *section : {"inputs", "parameters", "nodes"})
    if (g.contains(section) && g[section].is_array())
      for (const json &v : g[section])
        if (v.is_object() && v.contains("name") && v["name"].is_string())
          names.push_back(v["name"]);
  return names;
}

/// Applies one structure-aware mutation to `g`; false if none applied.
inline bool mutateGraph(json &g, std::mt19937 &rng) {
  if (!g.is_object())
    return false;
  std::vector<std::string> names = valueNames(g);
  auto pick = [&](json &array) -> json * {
    if (!array.is_array() || array.empty())
      return nullptr;
    return &array[rng() % array.size()];
  };
  // Half the time, mutate inside a time loop's body (if there is one).
  json *scope = &g["nodes"];
  if (rng() % 2)
    if (json *loop = pick(*scope); loop && loop->is_object() &&
                                   loop->contains("nodes") &&
                                   (*loop)["nodes"].is_array())
      scope = &(*loop)["nodes"];
  json &nodes = *scope;
  // Inside a loop, reads of earlier steps and steps of sequences.
  auto timeRead = [&]() -> json {
    if (names.empty())
      return json("x");
    json r = {{"node", names[rng() % names.size()]}};
    if (rng() % 2)
      r["delay"] =
          rng() % 8 == 0 ? smallInt(rng) : json(int64_t(1 + rng() % 3));
    else
      r["time_axis"] =
          rng() % 8 == 0 ? smallInt(rng) : json(int64_t(rng() % 3));
    if (rng() % 2) {
      r["shape"] = json::array();
      for (int i = 0, n = 1 + rng() % 3; i < n; ++i)
        r["shape"].push_back(rng() % 4 == 0 ? json("batch") : smallInt(rng));
    }
    return r;
  };
  switch (rng() % 11) {
  case 0: // another op
    if (json *n = pick(nodes); n && n->is_object()) {
      (*n)["op"] = opNames()[rng() % opNames().size()];
      return true;
    }
    return false;
  case 1: // rewire an input
    if (json *n = pick(nodes); n && n->is_object() && !names.empty())
      if (json *in = pick((*n)["inputs"])) {
        *in = names[rng() % names.size()];
        return true;
      }
    return false;
  case 2: { // an attribute
    json *n = pick(nodes);
    if (!n || !n->is_object())
      return false;
    static const char *attrs[] = {"kernel", "strides", "padding", "axis",
                                  "shape"};
    const char *a = attrs[rng() % 5];
    json &slot = (*n)["attributes"][a];
    if (std::strcmp(a, "shape") == 0) {
      slot = json::array();
      for (int i = 0, r = 1 + rng() % 4; i < r; ++i)
        slot.push_back(rng() % 5 == 0 ? json("batch") : smallInt(rng));
    } else if (rng() % 2) {
      slot = smallInt(rng);
    } else {
      slot = json::array({smallInt(rng), smallInt(rng)});
    }
    return true;
  }
  case 3: { // a dimension of an input or a parameter
    json *v = pick(rng() % 2 ? g["inputs"] : g["parameters"]);
    if (!v || !v->is_object())
      return false;
    if (json *d = pick((*v)["shape"])) {
      *d = rng() % 8 == 0 ? smallInt(rng) : json(int64_t(1 + rng() % 8));
      return true;
    }
    return false;
  }
  case 4: { // a dtype
    json *v = pick(rng() % 2 ? g["inputs"] : g["parameters"]);
    if (!v || !v->is_object())
      return false;
    static const char *dtypes[] = {"f32", "f64", "i32", "i64"};
    (*v)["dtype"] = dtypes[rng() % 4];
    return true;
  }
  case 5: { // an initializer
    json *p = pick(g["parameters"]);
    if (!p || !p->is_object())
      return false;
    static const char *kinds[] = {"zeros",    "ones",   "constant",
                                  "uniform",  "normal", "glorot_uniform",
                                  "he_normal"};
    json init = {{"kind", kinds[rng() % 7]}};
    std::string k = init["kind"];
    double big = rng() % 8 == 0 ? 1e39 : 1.0;
    if (k == "constant")
      init["value"] = big * double(rng() % 5);
    else if (k == "uniform")
      init["low"] = -big, init["high"] = big * double(rng() % 3);
    else if (k == "normal")
      init["std"] = big * double(rng() % 3);
    (*p)["init"] = init;
    return true;
  }
  case 9: // a read of an earlier step or of one step of a sequence
    if (json *n = pick(nodes); n && n->is_object())
      if (json *in = pick((*n)["inputs"])) {
        *in = timeRead();
        return true;
      }
    return false;
  case 10: // a loop's steps, or reading a loop's result
    if (json *n = pick(g["nodes"]); n && n->is_object()) {
      if (n->contains("nodes"))
        (*n)["attributes"]["steps"] = smallInt(rng);
      else if (json *in = pick((*n)["inputs"]); in && !names.empty())
        *in = names[rng() % names.size()] + (rng() % 2 ? ".all" : "");
      return true;
    }
    return false;
  case 6: // duplicate a node under a new name, and return it
    if (json *n = pick(nodes); n && n->is_object()) {
      json copy = *n;
      std::string name = "n" + std::to_string(rng() % 1000);
      copy["name"] = name;
      nodes.push_back(copy);
      g["outputs"].push_back(name);
      return true;
    }
    return false;
  case 7: // drop a node
    if (nodes.is_array() && !nodes.empty()) {
      nodes.erase(nodes.begin() + long(rng() % nodes.size()));
      return true;
    }
    return false;
  default: // return something else (an input, a parameter, a node)
    if (!names.empty() && g["outputs"].is_array()) {
      g["outputs"].push_back(names[rng() % names.size()]);
      return true;
    }
    return false;
  }
}

/// The custom mutator of a graph-shaped corpus.
inline size_t mutateGraphBytes(uint8_t *data, size_t size, size_t maxSize,
                               unsigned seed) {
  std::mt19937 rng(seed);
  json g = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (g.is_discarded() || rng() % 8 == 0)
    return LLVMFuzzerMutate(data, size, maxSize);
  try {
    for (int i = 0, n = 1 + rng() % 3; i < n; ++i)
      mutateGraph(g, rng);
  } catch (const json::exception &) { // a section of an unexpected kind
    return LLVMFuzzerMutate(data, size, maxSize);
  }
  std::string text = g.dump(1);
  if (text.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, text.data(), text.size());
  return text.size();
}

} // namespace credo::fuzz

#endif // CREDO_TEST_FUZZ_GRAPHMUTATOR_H
