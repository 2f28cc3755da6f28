//===- GraphMutator.h - Structure-aware mutations of JSON graphs -*- C++
//-*-===//
//
// libFuzzer's byte mutations rarely keep a graph valid enough to reach the
// compiler. This mutator edits the graph as JSON instead: it swaps a node's
// op, rewires an input, sets an attribute, resizes a dimension, changes a
// dtype or an initializer, duplicates or drops a node, or changes the
// outputs; in the training section it changes the learning rule, a rule's
// settings, or a written rule's update expressions and constants. Input
// that is not JSON gets libFuzzer's byte mutations.
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
  static const std::vector<const char *> ops = {"dense",
                                                "conv2d",
                                                "max_pool2d",
                                                "avg_pool2d",
                                                "flatten",
                                                "reshape",
                                                "add",
                                                "sub",
                                                "mul",
                                                "div",
                                                "relu",
                                                "sigmoid",
                                                "tanh",
                                                "softplus",
                                                "softmax",
                                                "softmax_cross_entropy",
                                                "mse",
                                                "transpose",
                                                "time_loop",
                                                "scale",
                                                "stop_gradient",
                                                "count_margin_loss",
                                                "lif",
                                                "poisson_encode",
                                                "spike_count",
                                                "bernoulli",
                                                "hold",
                                                "categorical",
                                                "s_psp",
                                                "einsum",
                                                "gather",
                                                "scatter_add",
                                                "sparse_contract",
                                                "sparse_hyper",
                                                "exp_filter"};
  return ops;
}

/// One of `choices`, uniformly.
template <typename T, size_t N>
const T &oneOf(const T (&choices)[N], std::mt19937 &rng) {
  return choices[rng() % N];
}

/// A small integer, now and then an extreme one.
inline json smallInt(std::mt19937 &rng) {
  static const int64_t extremes[] = {
      0, -1, 1LL << 31, (1LL << 31) - 1, 1LL << 40, -(1LL << 40)};
  if (rng() % 16 == 0)
    return oneOf(extremes, rng);
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

/// A number for a setting: usually an ordinary one, now and then 0, a
/// negative, a huge or a tiny one, or not a number at all.
inline json settingValue(std::mt19937 &rng) {
  static const double odd[] = {0.0, -1.0, 1e39, 1e-40, 1e6, 0.5};
  switch (rng() % 8) {
  case 0:
    return oneOf(odd, rng);
  case 1:
    return rng() % 2 ? json("x") : json::array();
  case 2:
    return smallInt(rng);
  default:
    return double(1 + rng() % 20) / 10.0;
  }
}

/// An update expression of the rule "local" (docs/rules.md): quantities,
/// names of the graph, numbers, operators and functions, nested up to
/// `depth`; now and then a malformed one.
inline std::string ruleExpression(const std::vector<std::string> &names,
                                  std::mt19937 &rng, int depth = 3) {
  static const char *atoms[] = {"pre", "post", "drive", "w", "error", "eta",
                                "tau", "2",    "0.5",   "0", "1e39",  "9"};
  if (depth == 0 || rng() % 3 == 0) {
    if (!names.empty() && rng() % 4 == 0)
      return names[rng() % names.size()];
    return oneOf(atoms, rng);
  }
  std::string a = ruleExpression(names, rng, depth - 1);
  static const char *unary[] = {"mean",    "sum",  "relu",
                                "sigmoid", "tanh", "softplus"};
  static const char *binary[] = {" + ", " - ", " * ", " / ", " ⊗ "};
  switch (rng() % 8) {
  case 0:
    return std::string(oneOf(unary, rng)) + "(" + a + ")";
  case 1:
    return "-" + a;
  case 2:
    return "(" + a + ")^" + std::to_string(rng() % 10);
  case 3:
    return "trace(" + a + ", " + (rng() % 2 ? "tau" : "3") + ")";
  case 4:
    return "outer(" + a + ", " + ruleExpression(names, rng, depth - 1) + ")";
  case 5: { // malformed: a token dropped or repeated
    static const char *junk[] = {"(", ")", ",", " * ", "^", "⊗", "mean("};
    return a + oneOf(junk, rng);
  }
  default:
    return "(" + a + oneOf(binary, rng) +
           ruleExpression(names, rng, depth - 1) + ")";
  }
}

/// Applies one mutation to the training section: the rule, the loss, the
/// settle phase, a rule's settings, a written update or constant.
inline bool mutateTraining(json &g, const std::vector<std::string> &names,
                           std::mt19937 &rng) {
  json &t = g["training"];
  if (!t.is_object())
    t = json::object();
  auto name = [&]() -> json {
    return names.empty() ? json("x") : json(names[rng() % names.size()]);
  };
  switch (rng() % 6) {
  case 0: {
    static const char *rules[] = {"backprop",  "fa",    "dfa",     "hm2bp",
                                  "dendritic", "local", "coagent", "hebb"};
    t["rule"] = oneOf(rules, rng);
    return true;
  }
  case 1:
    if (rng() % 2)
      t["loss"] = name();
    else
      t["settle_epochs"] = smallInt(rng);
    return true;
  case 2: { // a dendritic setting
    static const char *keys[] = {
        "g_lk",       "g_b",      "g_a",      "g_d",          "g_som",
        "iterations", "settling", "feedback", "target_high",  "target_low",
        "lr_pp",      "lr_ip",    "lr_pi",    "steady_state", "output",
        "target",     "duration", "dt",       "tau_0",        "tau_w"};
    std::string key = oneOf(keys, rng);
    json &slot = t["dendritic"][key];
    if (key == "settling")
      slot = rng() % 2 ? "sweep" : "iterate";
    else if (key == "feedback")
      slot = rng() % 2 ? "random" : "transpose";
    else if (key == "steady_state")
      slot = bool(rng() % 2);
    else if (key == "output" || key == "target")
      slot = name();
    else if (key == "iterations")
      slot = rng() % 4 ? json(int64_t(1 + rng() % 4)) : smallInt(rng);
    else if (key == "duration" || key == "dt")
      slot =
          rng() % 4 ? json(double(1 + rng() % 10) / 10.0) : settingValue(rng);
    else
      slot = settingValue(rng);
    return true;
  }
  case 3: { // a written update: a new expression, or one character changed
    json *p = nullptr;
    if (g.contains("parameters") && g["parameters"].is_array() &&
        !g["parameters"].empty())
      p = &g["parameters"][rng() % g["parameters"].size()];
    std::string param =
        p && p->is_object() && p->contains("name") && (*p)["name"].is_string()
            ? (*p)["name"].get<std::string>()
            : std::string("w");
    json &slot = t["updates"][param];
    std::string expr = slot.is_string() ? slot.get<std::string>() : "";
    if (expr.empty() || rng() % 2) {
      slot = ruleExpression(names, rng);
      return true;
    }
    // Replace one ASCII byte (a multi-byte character stays whole).
    size_t at = rng() % expr.size();
    if (static_cast<unsigned char>(expr[at]) < 0x80) {
      static const char bytes[] = "()*+-/^, .0123456789abcdeprstw_";
      expr[at] = bytes[rng() % (sizeof(bytes) - 1)];
    }
    slot = expr;
    return true;
  }
  case 4: { // a constant
    static const char *keys[] = {"eta", "tau", "pre", "a_plus", "1x"};
    t["constants"][oneOf(keys, rng)] = settingValue(rng);
    return true;
  }
  default: { // a coagent setting
    static const char *keys[] = {"signal", "critic", "critic_lr", "gamma"};
    std::string key = oneOf(keys, rng);
    json &slot = t["coagent"][key];
    if (key == "signal")
      slot = rng() % 2 ? "td" : "return";
    else if (key == "critic")
      slot = name();
    else
      slot = settingValue(rng);
    return true;
  }
  }
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
  if (rng() % 6 == 0)
    return mutateTraining(g, names, rng);
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
    static const char *attrs[] = {
        "kernel",     "strides",   "padding", "axis",         "shape",
        "beta",       "threshold", "slope",   "surrogate",    "reset",
        "t_ref",      "tau_m",     "tau_s",   "model",        "spec",
        "rate_scale", "factor",    "column",  "detach_reset", "period"};
    const char *a = oneOf(attrs, rng);
    json &slot = (*n)["attributes"][a];
    static const char *words[] = {"fast_sigmoid", "arctan",    "triangle",
                                  "zero",         "subtract",  "beta",
                                  "current",      "bi,bj->ij", "ij,jk->ik"};
    if (rng() % 4 == 0) {
      slot = rng() % 3 ? json(oneOf(words, rng)) : settingValue(rng);
    } else if (std::strcmp(a, "shape") == 0) {
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
    (*v)["dtype"] = oneOf(dtypes, rng);
    return true;
  }
  case 5: { // an initializer
    json *p = pick(g["parameters"]);
    if (!p || !p->is_object())
      return false;
    static const char *kinds[] = {"zeros",    "ones",   "constant",
                                  "uniform",  "normal", "glorot_uniform",
                                  "he_normal"};
    json init = {{"kind", oneOf(kinds, rng)}};
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
  std::string text = g.dump(1, ' ', false, json::error_handler_t::replace);
  if (text.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, text.data(), text.size());
  return text.size();
}

} // namespace credo::fuzz

#endif // CREDO_TEST_FUZZ_GRAPHMUTATOR_H
