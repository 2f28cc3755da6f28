//===- GraphImporter.cpp - JSON graph → credo module ------------*- C++ -*-===//
//
// Reads Credo's JSON graph format (docs/graph-format.md) and builds a credo
// module: one credo.param per parameter and a func.func @forward whose
// arguments are the graph inputs and whose results are the graph outputs.
// Nodes may be listed in any order; they are emitted in topological order.
// Every op carries a location naming the node, its JSON pointer and its
// file:line:col, so later verifier errors point back at the user's node.
//
//===----------------------------------------------------------------------===//

#include "credo/Frontend/GraphImporter.h"
#include "credo/Support/Quote.h"
#include "credo/Transforms/Training.h"
#include "credo/runtime.h"

#include "JsonDocument.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/xxhash.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <set>

using json = nlohmann::json;
using namespace mlir;

namespace mlir::credo {
namespace {

/// "a" or "an" before an op's name ("an 'exp_filter' node").
std::string article(llvm::StringRef name) {
  return !name.empty() && llvm::StringRef("aeiou").contains(name.front()) ? "an"
                                                                          : "a";
}

/// Why `name` cannot name a node, input, parameter or model ("" if it can).
std::string nameProblem(llvm::StringRef name) {
  bool ok =
      !name.empty() && name.size() <= 128 &&
      (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (ok)
    return "";
  return "invalid name '" + quoteForMessage(name) +
         "': expected letters, digits and '_', not starting with a digit, at "
         "most 128 characters";
}

/// The hashes of ImportOptions::fingerprints, from the parsed file.
GraphFingerprints fingerprintGraph(json root) {
  std::function<void(json &)> dropDocs = [&](json &v) {
    if (v.is_object()) {
      v.erase("doc");
      for (auto &[key, member] : v.items())
        dropDocs(member);
    } else if (v.is_array()) {
      for (json &member : v)
        dropDocs(member);
    }
  };
  dropDocs(root);
  json training = root.contains("training") ? root["training"] : json();
  root.erase("training");
  if (training.is_object()) {
    training.erase("epochs");
    training.erase("batch_size");
  }
  // Objects keep their keys sorted, so dump() does not depend on the file's
  // order or spacing.
  auto hash = [](const json &v) {
    return llvm::utohexstr(llvm::xxh3_64bits(v.dump()));
  };
  return {hash(root), hash(training)};
}

/// Largest accepted dimension and element count of any tensor.
constexpr int64_t kMaxDim = (int64_t(1) << 31) - 1;
constexpr int64_t kMaxElements = int64_t(1) << 40;
/// A node read more than this many steps back is kept in a ring buffer
/// (one carried value, O(1) work a step) instead of a delay line of one
/// carried value per step (which a step shifts, and which is slow to
/// compile when long).
constexpr int64_t kRingDepth = 8;

/// The kinds of JSON attribute values that node attributes take.
enum class AttrKind {
  Int,     ///< an integer
  IntPair, ///< an integer k (meaning [k, k]) or an array of two integers
  Shape,   ///< an array of integers (-1 and "batch" allowed)
  Indices, ///< an array of non-negative integers (dimension indices)
  Float,   ///< a finite number
  Bool,    ///< true or false
  Flag,    ///< true (a unit attribute) or false (absent)
  String,  ///< a string
  Enum,    ///< one of the names in `choices` ("none" omits the attribute)
};

struct AttrSpec {
  const char *name;
  AttrKind kind;
  bool required;
  /// Enum: the accepted names, comma-separated, and the mnemonic of the
  /// credo enum attribute they become (`#credo.MNEMONIC<name>`).
  const char *choices = nullptr, *enumMnemonic = nullptr;
  /// The importer's own: it shapes what the node becomes and is not an
  /// attribute of the credo op (a bernoulli node's execute schedule).
  bool nodeOnly = false;
};

/// How the importer completes a node beyond its JSON inputs.
enum class NodeRole {
  Plain,      ///< operands are the JSON inputs
  Neuron,     ///< state operands carried by the enclosing time loop follow
  Random,     ///< the model's generator and the loop step follow
  Sampler,    ///< missing values (ones), then the model's generator follow
  Stochastic, ///< Random, and named results; bernoulli: an execute schedule
  Held,       ///< the previous output (a state parameter) follows
};

/// The inputs a JSON node takes: how many (max kVariadic: no limit) and
/// their names ("a, b[, c]").
constexpr unsigned kVariadic = ~0u;
struct JsonInputs {
  unsigned min, max;
  const char *names;
};
/// A node's inputs are its op's operands, as ODS defines them (the table
/// that utils/gen_op_operands.py writes from CredoOps.td at build time), so
/// an op's arity is written once. A node the importer completes (a role:
/// the generator, neuron state, a held value) names the inputs the user
/// writes instead.
constexpr JsonInputs kOdsOperands = {0, 0, nullptr};
const JsonInputs *odsOperands(llvm::StringRef op) {
  struct Row {
    const char *op;
    JsonInputs inputs;
  };
  static const Row rows[] = {
#define ROW(OP, MIN, MAX, NAMES) {OP, {MIN, MAX, NAMES}},
#include "CredoOpOperands.inc"
#undef ROW
  };
  for (const Row &r : rows)
    if (op == r.op)
      return &r.inputs;
  return nullptr;
}

/// One JSON op: its credo op, its inputs, and attributes.
struct OpSpec {
  const char *name;
  const char *credoOp;
  JsonInputs inputs;
  std::vector<AttrSpec> attrs;
  NodeRole role = NodeRole::Plain;
  /// Results after the first that other nodes read as NODE.NAME,
  /// comma-separated (the node itself is its first result).
  const char *resultNames = "";
};

const std::vector<OpSpec> &opTable() {
  static const std::vector<OpSpec> table = {
      {"dense", "credo.dense", kOdsOperands, {}},
      {"conv2d",
       "credo.conv2d",
       kOdsOperands,
       {{"strides", AttrKind::IntPair, false},
        {"padding", AttrKind::IntPair, false}}},
      {"max_pool2d",
       "credo.max_pool2d",
       kOdsOperands,
       {{"kernel", AttrKind::IntPair, true},
        {"strides", AttrKind::IntPair, false},
        {"padding", AttrKind::IntPair, false}}},
      {"avg_pool2d",
       "credo.avg_pool2d",
       kOdsOperands,
       {{"kernel", AttrKind::IntPair, true},
        {"strides", AttrKind::IntPair, false},
        {"padding", AttrKind::IntPair, false}}},
      {"flatten", "credo.flatten", kOdsOperands, {}},
      {"reshape",
       "credo.reshape",
       kOdsOperands,
       {{"shape", AttrKind::Shape, true}}},
      {"transpose",
       "credo.transpose",
       kOdsOperands,
       {{"perm", AttrKind::Indices, true}}},
      {"scale",
       "credo.scale",
       kOdsOperands,
       {{"factor", AttrKind::Float, true}}},
      {"add", "credo.add", kOdsOperands, {}},
      {"sub", "credo.sub", kOdsOperands, {}},
      {"mul", "credo.mul", kOdsOperands, {}},
      {"div", "credo.div", kOdsOperands, {{"safe", AttrKind::Flag, false}}},
      {"relu", "credo.relu", kOdsOperands, {}},
      {"sigmoid", "credo.sigmoid", kOdsOperands, {}},
      {"tanh", "credo.tanh", kOdsOperands, {}},
      {"softplus", "credo.softplus", kOdsOperands, {}},
      {"stop_gradient", "credo.stop_gradient", kOdsOperands, {}},
      {"softmax",
       "credo.softmax",
       kOdsOperands,
       {{"axis", AttrKind::Int, false}}},
      {"softmax_cross_entropy",
       "credo.softmax_cross_entropy",
       kOdsOperands,
       {}},
      {"mse", "credo.mse", kOdsOperands, {}},
      {"count_margin_loss",
       "credo.count_margin_loss",
       kOdsOperands,
       {{"high", AttrKind::Float, false},
        {"low", AttrKind::Float, false},
        {"margin", AttrKind::Float, false}}},
      {"lif",
       "credo.lif",
       JsonInputs{1, 1, "input current"},
       {{"model", AttrKind::Enum, false, "beta,current", "lif_model"},
        {"beta", AttrKind::Float, false},
        {"tau_m", AttrKind::Float, false},
        {"tau_s", AttrKind::Float, false},
        {"threshold", AttrKind::Float, false},
        {"reset", AttrKind::Enum, false, "subtract,zero", "lif_reset"},
        {"t_ref", AttrKind::Int, false},
        {"surrogate", AttrKind::Enum, false,
         "none,fast_sigmoid,arctan,triangle", "surrogate"},
        {"slope", AttrKind::Float, false},
        {"detach_reset", AttrKind::Bool, false}},
       NodeRole::Neuron},
      {"poisson_encode",
       "credo.poisson_encode",
       JsonInputs{1, 1, "intensities"},
       {{"rate_scale", AttrKind::Float, false}},
       NodeRole::Random},
      {"spike_count", "credo.spike_count", kOdsOperands, {}},
      {"bernoulli",
       "credo.bernoulli",
       JsonInputs{1, 2, "logits[, given sample]"},
       {{"execute", AttrKind::Float, false, nullptr, nullptr, true},
        {"period", AttrKind::Int, false, nullptr, nullptr, true}},
       NodeRole::Stochastic,
       "log_prob,score"},
      {"hold",
       "credo.hold",
       JsonInputs{2, 2, "execute flags, input"},
       {},
       NodeRole::Held},
      {"categorical",
       "credo.categorical",
       JsonInputs{1, 2, "logits[, given sample]"},
       {},
       NodeRole::Stochastic,
       "log_prob,score"},
      {"s_psp",
       "credo.s_psp",
       kOdsOperands,
       {{"tau_m", AttrKind::Float, false},
        {"tau_s", AttrKind::Float, false},
        {"t_ref", AttrKind::Int, false}}},
      {"einsum",
       "credo.einsum",
       JsonInputs{1, 8, "operands"},
       {{"spec", AttrKind::String, true}}},
      {"gather",
       "credo.gather",
       kOdsOperands,
       {{"column", AttrKind::Int, false}}},
      {"scatter_add",
       "credo.scatter_add",
       kOdsOperands,
       {{"column", AttrKind::Int, false}, {"size", AttrKind::Int, true}}},
      {"sparse_contract",
       "credo.sparse_contract",
       kOdsOperands,
       {{"size", AttrKind::Int, true}}},
      {"sparse_hyper",
       "credo.sparse_hyper",
       JsonInputs{3, 4, "input, means, spreads[, values]"},
       {{"units", AttrKind::Int, true},
        {"global", AttrKind::Int, false},
        {"local", AttrKind::Int, false},
        {"region", AttrKind::Int, false},
        {"sigma_scale", AttrKind::Float, false}},
       NodeRole::Sampler},
      {"exp_filter",
       "credo.exp_filter",
       JsonInputs{1, 1, "input"},
       {{"tau", AttrKind::Float, true},
        {"dt", AttrKind::Float, false},
        {"lowpass", AttrKind::Bool, false}},
       NodeRole::Neuron},
  };
  return table;
}

/// The parameter holding the generator of a graph with random nodes.
constexpr const char *kGeneratorName = "rng";

/// Thrown (inside this file only) after an error has been reported.
struct ImportFailure {};

/// A named value of the graph: an input, a parameter or a node.
struct Entity {
  enum Kind { Input, Param, Node } kind;
  size_t index;        ///< position in its JSON array
  std::string pointer; ///< JSON pointer of its object
};

class Importer {
public:
  Importer(MLIRContext &ctx, StringRef filename, const ImportOptions &options)
      : ctx(ctx), builder(&ctx), filename(filename.str()), options(options) {}

  OwningOpRef<ModuleOp> run(StringRef buffer);

private:
  //===--- Locations and errors -------------------------------------------===//
  Location locAt(const std::string &pointer) {
    auto [line, col] = doc.lineCol(doc.offsetOf(pointer));
    return FileLineColLoc::get(&ctx, filename, line, col);
  }
  /// file:line:col of `pointer`, carrying the pointer (diagnostics and
  /// profile labels read it).
  Location pointerLoc(const std::string &pointer) {
    return FusedLoc::get(&ctx, {locAt(pointer)},
                         StringAttr::get(&ctx, pointer));
  }
  /// The location of a node's ops: its name, its pointer, and file:line:col.
  Location nodeLoc(StringRef name, const std::string &pointer) {
    return NameLoc::get(StringAttr::get(&ctx, name), pointerLoc(pointer));
  }
  /// Reports `message` at `pointer`, naming `node` when given, and aborts.
  [[noreturn]] void fail(const std::string &pointer, const Twine &message,
                         StringRef node = {}) {
    InFlightDiagnostic diag = emitError(locAt(pointer));
    if (!node.empty())
      diag << "node '" << node << "' ";
    diag << "at " << (pointer.empty() ? "/" : quoteForMessage(pointer, 160))
         << ": " << message;
    throw ImportFailure{};
  }

  //===--- Typed access to JSON values ------------------------------------===//
  static std::string formatNumber(double d) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", d);
    return buf;
  }
  static const char *typeName(const json &v) {
    switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a binary value";
    }
  }
  void expect(const json &v, bool ok, const std::string &pointer,
              const char *what, StringRef node = {}) {
    if (!ok)
      fail(pointer, Twine("expected ") + what + ", but got " + typeName(v),
           node);
  }
  /// Checks that `obj` has only `allowed` keys.
  void checkKeys(const json &obj, const std::string &pointer,
                 ArrayRef<const char *> allowed, StringRef node = {}) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (llvm::is_contained(allowed, StringRef(it.key())))
        continue;
      std::string list;
      for (const char *a : allowed)
        list += (list.empty() ? "" : ", ") + std::string(a);
      fail(JsonDocument::child(pointer, it.key()),
           "unknown key '" + quoteForMessage(it.key()) +
               "' (expected one of: " + list + ")",
           node);
    }
  }
  const json &member(const json &obj, const std::string &pointer,
                     const char *key, StringRef node = {}) {
    auto it = obj.find(key);
    if (it == obj.end())
      fail(pointer, Twine("missing required key '") + key + "'", node);
    return *it;
  }
  std::string getString(const json &v, const std::string &pointer,
                        StringRef node = {}) {
    expect(v, v.is_string(), pointer, "a string", node);
    return v.get<std::string>();
  }
  int64_t getInt(const json &v, const std::string &pointer,
                 StringRef node = {}) {
    if (v.is_number_unsigned()) {
      if (v.get<uint64_t>() > uint64_t(INT64_MAX))
        fail(pointer,
             "integer " + std::to_string(v.get<uint64_t>()) +
                 " is out of range (integers are 64-bit, at most "
                 "9223372036854775807 in magnitude)",
             node);
      return static_cast<int64_t>(v.get<uint64_t>());
    }
    if (v.is_number_float() && std::isfinite(v.get<double>()) &&
        std::floor(v.get<double>()) == v.get<double>()) {
      double d = v.get<double>();
      if (std::fabs(d) < 9.2e18)
        fail(pointer,
             "expected an integer written without a fraction or exponent, "
             "but got " +
                 formatNumber(d),
             node);
      fail(pointer,
           "integer " + formatNumber(d) +
               " is out of range (integers are 64-bit, at most "
               "9223372036854775807 in magnitude)",
           node);
    }
    expect(v, v.is_number_integer(), pointer, "an integer", node);
    return v.get<int64_t>();
  }
  double getNumber(const json &v, const std::string &pointer,
                   StringRef node = {}) {
    expect(v, v.is_number(), pointer, "a number", node);
    return v.get<double>();
  }
  /// A name usable as an MLIR symbol and a C identifier.
  std::string getName(const json &v, const std::string &pointer) {
    std::string name = getString(v, pointer);
    if (std::string why = nameProblem(name); !why.empty())
      fail(pointer, why);
    return name;
  }

  //===--- Graph sections -------------------------------------------------===//
  struct Ref;
  int64_t resolveBatch(const json &root);
  RankedTensorType parseTensorType(const json &obj, const std::string &pointer,
                                   bool allowBatch, bool allowInt);
  Attribute parseInit(const json &v, const std::string &pointer);
  void declareName(const std::string &name, Entity entity,
                   const std::string &namePointer);
  void importInputs(const json &root);
  void importParams(const json &root);
  void collectNodes(const json &list, const std::string &pointer, int parent);
  Ref parseRef(const json &v, const std::string &pointer, StringRef node);
  void resolveRef(Ref &r, int scope, StringRef node);
  /// Resolves a reference to node `index` (or one of its named results).
  void resolveNode(Ref &r, size_t index, int scope, StringRef node);
  /// Checks that node `index` has a result named `result` (v, c, r of lif).
  void checkResultName(size_t index, StringRef result, const Ref &r,
                       StringRef reader);
  void resolveAll(const json &root);
  bool encloses(int outer, int inner) const;
  std::vector<size_t> topologicalOrder(const std::vector<size_t> &scope);
  Value valueOf(const std::string &name);
  Value refValue(const Ref &r);
  void emitScope(const std::vector<size_t> &scope);
  void emitNode(size_t index);
  /// Rejects decay constants of the other neuron model (beta on current
  /// neurons, tau_m or tau_s on beta neurons), which would be ignored.
  void checkLifModel(const json &node, const std::string &attrPtr,
                     StringRef name);
  void emitLoop(size_t index);
  std::vector<BlockArgument> addNeuronState(size_t index,
                                            OperationState &state);
  void addRandomOperands(size_t index, OperationState &state);
  void addSamplerOperands(size_t index, OperationState &state);
  /// Names a stochastic node's results (NODE.log_prob, NODE.score) and
  /// applies its execute schedule, if any: the node becomes the held output.
  void nameResults(size_t index, Operation *op, const NamedAttrList &nodeOnly);
  /// The state parameter NODE_held of `type` (zeros) that keeps a held
  /// output from call to call, read at the builder's insertion point.
  Value heldState(size_t index, RankedTensorType type, Location loc);
  /// Whether a node's JSON gives it an execute schedule.
  bool hasExecuteSchedule(size_t index) const;
  /// The model's random-number generator (declared on first use).
  Value generator();
  NamedAttribute nodeAttribute(const AttrSpec &spec, const json &v,
                               const std::string &pointer, StringRef node);
  void importOutputs(const json &root);
  /// What ImportOptions::spikeTrains and potentials add, in the graph's
  /// order: LOOP.NODE.all of every lif and poisson_encode node directly
  /// inside a top-level time loop, LOOP.NODE.v.all of every such lif node.
  std::vector<std::string> drawnSeries() const;
  void importTraining(const json &root);
  std::string parseTrainingRule(const json &t, const std::string &ptr);
  void parseLocalRule(const json &t, const std::string &ptr,
                      const std::string &rule,
                      SmallVectorImpl<NamedAttribute> &attrs);
  void parseDendritic(const json &t, const std::string &ptr,
                      const std::string &rule,
                      SmallVectorImpl<NamedAttribute> &attrs);
  void parseCoagent(const json &t, const std::string &ptr,
                    const std::string &rule,
                    SmallVectorImpl<NamedAttribute> &attrs);
  std::string parseTrainingLoss(const json &t, const std::string &ptr);
  DictionaryAttr parseMetric(const json &m, const std::string &ptr);
  /// The typed contract (#credo.training) from the training section's
  /// values, parsed and checked.
  TrainingAttr trainingAttr(ArrayRef<NamedAttribute> attrs);
  OptimizerAttr parseOptimizer(const json &opt, const std::string &ptr);
  /// `lr`: the optimizer's, which a schedule's rates may not exceed.
  DictionaryAttr parseSchedule(const json &s, const std::string &ptr,
                               double lr);
  DictionaryAttr parseDataset(const json &d, const std::string &ptr);

  MLIRContext &ctx;
  OpBuilder builder;
  std::string filename;
  ImportOptions options;
  /// Whether a declared shape has the "batch" dimension.
  bool usesBatch = false;
  JsonDocument doc;

  int64_t batch = 1;
  int64_t formatVersion = 1;
  uint64_t seed = 0; ///< the graph's "seed": its generator's key
  ModuleOp module;
  func::FuncOp forward;
  llvm::StringMap<Entity> names;
  llvm::StringMap<std::string> namePointers;
  /// Node bookkeeping, by node index.
  /// One input of a node as written: a name, `LOOP.NAME` (a time loop's
  /// last value of NAME), `LOOP.NAME.all` (its recorded steps), or an object
  /// `{"node": NAME, "delay": k}` / `{"node": NAME, "time_axis": a}`.
  struct Ref {
    std::string name, pointer;
    int64_t delay = 0;     ///< steps back (delayed read), 0 for now
    int64_t timeAxis = -1; ///< the sequence axis of a step read, else -1
    /// Resolved: what the name denotes.
    enum Kind { Input, Param, Node, LoopFinal, LoopRecord } kind = Input;
    size_t node = 0;              ///< Node: the node; Loop*: the loop
    std::string member;           ///< Loop*: the body node read
    int scope = -1;               ///< the time loop the reading node is in
    std::string reader;           ///< the reading node
    const json *object = nullptr; ///< the input object, if one
  };
  struct NodeInfo {
    std::string name, pointer;
    const json *object;
    const OpSpec *spec; ///< null for a time loop
    std::vector<Ref> inputs;
    int parent = -1;          ///< the enclosing time loop, or -1
    int64_t steps = 0;        ///< a time loop's steps
    std::vector<size_t> body; ///< a time loop's nodes
  };
  /// Index tuples of a parameter whose values are known when the model is
  /// built (random_pairs, a constant) must fit the units they index: a
  /// sparse_contract's size and input, a gather's input, a scatter_add's
  /// size.
  void checkPairsFit(Operation *op, const NodeInfo &n);

  /// A time loop's carried values and results, gathered from every read.
  struct LoopPlan {
    /// Delayed reads: body node → deepest delay and its starting value
    /// (an outer value's name, or a declared type for zeros).
    struct Delayed {
      int64_t depth = 0;
      std::string initial, pointer;
      std::string reader; ///< the node whose read decides how it starts
      RankedTensorType type;
    };
    std::map<std::string, Delayed> delayed;
    /// Delayed nodes kept in a ring buffer (read more than kRingDepth
    /// steps back): node → the ring, carried.
    std::map<std::string, Value> rings;
    std::set<std::string> finals, records;
    /// Emission state: carried slot per (node, k), step slices.
    std::map<std::pair<std::string, int64_t>, Value> slots;
    std::map<std::pair<std::string, int64_t>, Value> slices;
    Value step;
    /// Neuron state: a carried value (zeros first) and its next value.
    struct State {
      BlockArgument arg;
      Value next;
    };
    std::vector<State> states;
  };
  std::map<size_t, LoopPlan> loops;
  std::vector<size_t> topNodes;
  llvm::StringMap<Value> loopResults;
  std::vector<NodeInfo> nodes;
  llvm::StringMap<Value> values;
  /// The last credo.get_param made, so parameter reads stay in first-use
  /// order at the top of @forward.
  Operation *lastParamRead = nullptr;
  std::vector<std::string> inputNames, inputPointers;
  std::vector<Type> inputTypes;
};

int64_t Importer::resolveBatch(const json &root) {
  if (options.batchSize)
    return *options.batchSize;
  auto training = root.find("training");
  if (training != root.end() && training->is_object()) {
    auto bs = training->find("batch_size");
    if (bs != training->end()) {
      int64_t b = getInt(*bs, "/training/batch_size");
      if (b <= 0 || b > kMaxDim)
        fail("/training/batch_size", "batch_size must be in [1, " +
                                         std::to_string(kMaxDim) +
                                         "], but got " + std::to_string(b));
      return b;
    }
  }
  return 1;
}

RankedTensorType Importer::parseTensorType(const json &obj,
                                           const std::string &pointer,
                                           bool allowBatch, bool allowInt) {
  std::string shapePtr = JsonDocument::child(pointer, "shape");
  const json &shape = member(obj, pointer, "shape");
  expect(shape, shape.is_array(), shapePtr, "an array of dimensions");
  SmallVector<int64_t> dims;
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    std::string dimPtr = JsonDocument::child(shapePtr, i);
    int64_t d;
    if (shape[i].is_string()) {
      std::string sym = shape[i].get<std::string>();
      if (sym != "batch")
        fail(dimPtr, "unknown symbolic dimension \"" + quoteForMessage(sym) +
                         "\" (the only one is \"batch\")");
      if (!allowBatch)
        fail(dimPtr, "parameters have no \"batch\" dimension");
      if (i != 0)
        fail(dimPtr, "only the first dimension may be \"batch\"");
      d = batch;
      usesBatch = true;
    } else {
      d = getInt(shape[i], dimPtr);
      if (d <= 0 || d > kMaxDim)
        fail(dimPtr, "dimension must be in [1, " + std::to_string(kMaxDim) +
                         "], but got " + std::to_string(d));
    }
    if (llvm::MulOverflow(count, d, count) || count > kMaxElements)
      fail(shapePtr, "tensor has more than 2^40 elements");
    dims.push_back(d);
  }
  std::string dtype = "f32";
  if (auto it = obj.find("dtype"); it != obj.end())
    dtype = getString(*it, JsonDocument::child(pointer, "dtype"));
  Type elt;
  if (dtype == "f32")
    elt = builder.getF32Type();
  else if (dtype == "f64")
    elt = builder.getF64Type();
  else if (allowInt && dtype == "i32")
    elt = builder.getI32Type();
  else if (allowInt && dtype == "i64")
    elt = builder.getI64Type();
  else
    fail(JsonDocument::child(pointer, "dtype"),
         "unsupported dtype '" + quoteForMessage(dtype) + "' (expected " +
             (allowInt ? "f32, f64, i32 or i64" : "f32 or f64") + ")");
  return RankedTensorType::get(dims, elt);
}

Attribute Importer::parseInit(const json &v, const std::string &pointer) {
  expect(v, v.is_object() || v.is_string(), pointer,
         "an initializer object or name");
  json object = v.is_string() ? json{{"kind", v}} : v;
  std::string kindPtr =
      v.is_string() ? pointer : JsonDocument::child(pointer, "kind");
  std::string kindName = getString(member(object, pointer, "kind"), kindPtr);
  std::optional<mlir::credo::InitKind> kind =
      mlir::credo::symbolizeInitKind(kindName);
  if (!kind)
    fail(kindPtr, "unknown initializer '" + quoteForMessage(kindName) +
                      "' (expected zeros, ones, constant, uniform, normal, "
                      "glorot_uniform, glorot_normal, he_uniform, he_normal, "
                      "generator or random_pairs)");
  static const char *keys[] = {"value", "low", "high", "mean", "std"};
  double values[5] = {0, 0, 0, 0, 0};
  uint64_t seed = 0;
  int64_t extents[2] = {0, 0};
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::string keyPtr = JsonDocument::child(pointer, it.key());
    if (it.key() == "kind")
      continue;
    if (!mlir::credo::InitAttr::kindUsesKey(*kind, it.key()))
      fail(keyPtr, "initializer '" + kindName + "' takes no key '" +
                       quoteForMessage(it.key()) + "'");
    if (it.key() == "seed") {
      int64_t s = getInt(*it, keyPtr);
      if (s < 0)
        fail(keyPtr, "seed must be non-negative");
      seed = static_cast<uint64_t>(s);
      continue;
    }
    if (it.key() == "rows" || it.key() == "cols") {
      extents[it.key() == "cols"] = getInt(*it, keyPtr);
      continue;
    }
    unsigned idx = std::find(std::begin(keys), std::end(keys), it.key()) -
                   std::begin(keys);
    values[idx] = getNumber(*it, keyPtr);
  }
  auto has = [&](const char *k) { return object.contains(k); };
  if ((*kind == mlir::credo::InitKind::Constant && !has("value")) ||
      (*kind == mlir::credo::InitKind::Uniform &&
       (!has("low") || !has("high"))) ||
      (*kind == mlir::credo::InitKind::Normal && !has("std")) ||
      (*kind == mlir::credo::InitKind::RandomPairs &&
       (!has("rows") || !has("cols"))))
    fail(pointer,
         "initializer '" + kindName + "' requires " +
             (*kind == mlir::credo::InitKind::Constant  ? "'value'"
              : *kind == mlir::credo::InitKind::Uniform ? "'low' and 'high'"
              : *kind == mlir::credo::InitKind::RandomPairs
                  ? "'rows' and 'cols'"
                  : "'std'"));
  // Range checks (low < high, std > 0) come from the attribute's verifier.
  std::string error;
  auto emit = [&]() {
    return emitError(locAt(pointer)) << "at " << pointer << ": ";
  };
  auto f = [](double d) { return llvm::APFloat(d); };
  Attribute attr = mlir::credo::InitAttr::getChecked(
      emit, &ctx, *kind, f(values[0]), f(values[1]), f(values[2]), f(values[3]),
      f(values[4]), seed, extents[0], extents[1]);
  if (!attr)
    throw ImportFailure{};
  return attr;
}

/// Names of the functions Credo generates; no graph value may take them.
static bool isReservedName(StringRef name) {
  return name == "forward" || name == "train_step" || name == "eval_step" ||
         name == "init";
}

void Importer::declareName(const std::string &name, Entity entity,
                           const std::string &namePointer) {
  if (isReservedName(name))
    fail(namePointer, "the name '" + name +
                          "' is reserved for a generated function; choose "
                          "another");
  auto [it, inserted] = names.try_emplace(name, entity);
  if (inserted) {
    namePointers[name] = namePointer;
    return;
  }
  InFlightDiagnostic diag = emitError(locAt(namePointer))
                            << "at " << namePointer << ": duplicate name '"
                            << name << "'";
  diag.attachNote(locAt(namePointers[name])) << "first defined here";
  throw ImportFailure{};
}

void Importer::importInputs(const json &root) {
  const json &inputs = member(root, "", "inputs");
  expect(inputs, inputs.is_array(), "/inputs", "an array of inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string ptr = JsonDocument::child("/inputs", i);
    const json &in = inputs[i];
    expect(in, in.is_object(), ptr, "an input object");
    checkKeys(in, ptr, {"name", "shape", "dtype", "doc"});
    std::string namePtr = JsonDocument::child(ptr, "name");
    std::string name = getName(member(in, ptr, "name"), namePtr);
    declareName(name, Entity{Entity::Input, i, ptr}, namePtr);
    inputNames.push_back(name);
    inputPointers.push_back(ptr);
    inputTypes.push_back(parseTensorType(in, ptr, /*allowBatch=*/true,
                                         /*allowInt=*/true));
  }
}

void Importer::importParams(const json &root) {
  auto it = root.find("parameters");
  if (it == root.end())
    return;
  const json &params = *it;
  expect(params, params.is_array(), "/parameters", "an array of parameters");
  builder.setInsertionPointToEnd(module.getBody());
  for (size_t i = 0; i < params.size(); ++i) {
    std::string ptr = JsonDocument::child("/parameters", i);
    const json &p = params[i];
    expect(p, p.is_object(), ptr, "a parameter object");
    checkKeys(p, ptr, {"name", "shape", "dtype", "init", "doc"});
    std::string namePtr = JsonDocument::child(ptr, "name");
    std::string name = getName(member(p, ptr, "name"), namePtr);
    declareName(name, Entity{Entity::Param, i, ptr}, namePtr);
    RankedTensorType type =
        parseTensorType(p, ptr, /*allowBatch=*/false, /*allowInt=*/true);
    std::string initPtr = JsonDocument::child(ptr, "init");
    Attribute init = parseInit(member(p, ptr, "init"), initPtr);
    // Initializer values are kept as f64: an integer beyond 2^53 that f64
    // does not hold would silently become its neighbour.
    if (const json &in = p["init"]; in.is_object() && in.contains("value") &&
                                    in["value"].is_number_integer()) {
      const json &v = in["value"];
      double d = v.get<double>();
      bool exact =
          v.is_number_unsigned()
              ? d < 18446744073709551616.0 && uint64_t(d) == v.get<uint64_t>()
              : d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
                    int64_t(d) == v.get<int64_t>();
      if (!exact) {
        emitError(nodeLoc(name, JsonDocument::child(initPtr, "value")))
            << "constant " << v.dump()
            << " is not exact as an initializer value (they are kept as "
               "f64, exact for integers up to 2^53 = 9007199254740992)";
        throw ImportFailure{};
      }
    }
    if (failed(cast<mlir::credo::InitAttr>(init).verifyFits(
            [&] { return emitError(nodeLoc(name, initPtr)); },
            type.getElementType())))
      throw ImportFailure{};
    builder.create<mlir::credo::ParamOp>(
        nodeLoc(name, ptr), builder.getStringAttr(name), TypeAttr::get(type),
        cast<mlir::credo::InitAttr>(init), /*fixed=*/UnitAttr());
  }
}

void Importer::collectNodes(const json &list, const std::string &listPtr,
                            int parent) {
  expect(list, list.is_array(), listPtr, "an array of nodes");
  for (size_t i = 0; i < list.size(); ++i) {
    std::string ptr = JsonDocument::child(listPtr, i);
    const json &n = list[i];
    expect(n, n.is_object(), ptr, "a node object");
    std::string namePtr = JsonDocument::child(ptr, "name");
    std::string name = getName(member(n, ptr, "name"), namePtr);
    size_t index = nodes.size();
    declareName(name, Entity{Entity::Node, index, ptr}, namePtr);
    (parent < 0 ? topNodes : nodes[parent].body).push_back(index);

    std::string opPtr = JsonDocument::child(ptr, "op");
    std::string opName = getString(member(n, ptr, "op", name), opPtr, name);
    if (opName == "time_loop") {
      if (formatVersion < 2)
        fail(opPtr,
             "time loops need \"format_version\": 2 (this file declares " +
                 std::to_string(formatVersion) + ")",
             name);
      checkKeys(n, ptr, {"name", "op", "attributes", "nodes", "doc"}, name);
      std::string attrPtr = JsonDocument::child(ptr, "attributes");
      const json &attrs = member(n, ptr, "attributes", name);
      expect(attrs, attrs.is_object(), attrPtr, "an object of attributes",
             name);
      checkKeys(attrs, attrPtr, {"steps"}, name);
      std::string stepsPtr = JsonDocument::child(attrPtr, "steps");
      int64_t steps =
          getInt(member(attrs, attrPtr, "steps", name), stepsPtr, name);
      if (steps < 1 || steps > kMaxDim)
        fail(stepsPtr,
             "steps must be in [1, " + std::to_string(kMaxDim) + "], but got " +
                 std::to_string(steps),
             name);
      nodes.push_back(NodeInfo{name, ptr, &n, nullptr, {}, parent, steps, {}});
      loops[index];
      collectNodes(member(n, ptr, "nodes", name),
                   JsonDocument::child(ptr, "nodes"), int(index));
      if (nodes[index].body.empty())
        fail(JsonDocument::child(ptr, "nodes"), "a time loop needs nodes",
             name);
      continue;
    }
    checkKeys(n, ptr, {"name", "op", "inputs", "attributes", "doc"}, name);
    const OpSpec *spec = nullptr;
    for (const OpSpec &s : opTable())
      if (opName == s.name)
        spec = &s;
    if (!spec) {
      std::string best;
      unsigned bestDist = 3;
      std::vector<const char *> known;
      for (const OpSpec &s : opTable())
        known.push_back(s.name);
      known.push_back("time_loop");
      for (const char *k : known) {
        unsigned d = StringRef(k).edit_distance(opName);
        if (d < bestDist)
          bestDist = d, best = k;
      }
      fail(opPtr,
           "unknown op '" + quoteForMessage(opName) + "'" +
               (best.empty() ? std::string(" (see docs/graph-format.md)")
                             : "; did you mean '" + best + "'?"),
           name);
    }

    std::string inPtr = JsonDocument::child(ptr, "inputs");
    const json &ins = member(n, ptr, "inputs", name);
    expect(ins, ins.is_array(), inPtr, "an array of input names", name);
    const JsonInputs *fromOds =
        spec->inputs.names ? &spec->inputs : odsOperands(spec->credoOp);
    if (!fromOds)
      fail(ptr,
           std::string("internal error: no ODS operands for ") + spec->credoOp);
    const JsonInputs &takes = *fromOds;
    if (ins.size() < takes.min || ins.size() > takes.max)
      fail(inPtr,
           "op '" + opName + "' takes " + std::to_string(takes.min) +
               (takes.max == takes.min   ? ""
                : takes.max == kVariadic ? " or more"
                : takes.max == takes.min + 1
                    ? " or " + std::to_string(takes.max)
                    : " to " + std::to_string(takes.max)) +
               " inputs (" + takes.names + "), but got " +
               std::to_string(ins.size()),
           name);
    NodeInfo info{name, ptr, &n, spec, {}, parent, 0, {}};
    for (size_t k = 0; k < ins.size(); ++k)
      info.inputs.push_back(
          parseRef(ins[k], JsonDocument::child(inPtr, k), name));
    nodes.push_back(std::move(info));
  }
}

Importer::Ref Importer::parseRef(const json &v, const std::string &pointer,
                                 StringRef node) {
  Ref r;
  r.pointer = pointer;
  r.object = &v;
  if (!v.is_object()) {
    r.name = getString(v, pointer, node);
    return r;
  }
  checkKeys(v, pointer,
            {"node", "delay", "time_axis", "initial", "shape", "dtype"}, node);
  r.name = getString(member(v, pointer, "node", node),
                     JsonDocument::child(pointer, "node"), node);
  if (v.contains("delay") == v.contains("time_axis"))
    fail(pointer,
         "an input object reads a node either with \"delay\" (an earlier "
         "step) or with \"time_axis\" (one step of a sequence)",
         node);
  if (v.contains("delay")) {
    std::string p = JsonDocument::child(pointer, "delay");
    r.delay = getInt(v["delay"], p, node);
    if (r.delay < 1 || r.delay > 1024)
      fail(p, "delay must be in [1, 1024], but got " + std::to_string(r.delay),
           node);
  } else {
    std::string p = JsonDocument::child(pointer, "time_axis");
    r.timeAxis = getInt(v["time_axis"], p, node);
    if (r.timeAxis < 0 || r.timeAxis > 16)
      fail(p,
           "time_axis must be a dimension index, but got " +
               std::to_string(r.timeAxis),
           node);
    for (const char *k : {"initial", "shape", "dtype"})
      if (v.contains(k))
        fail(JsonDocument::child(pointer, k),
             std::string("'") + k + "' belongs to delayed reads", node);
  }
  return r;
}

bool Importer::encloses(int outer, int inner) const {
  for (int s = inner; s >= 0; s = nodes[s].parent)
    if (s == outer)
      return true;
  return outer < 0;
}

void Importer::resolveRef(Ref &r, int scope, StringRef node) {
  auto unknown = [&]() {
    fail(r.pointer,
         "unknown input '" + quoteForMessage(r.name) +
             "' (not a graph input, parameter or node)",
         node);
  };
  StringRef full(r.name);
  if (full.contains('.')) {
    // NODE.RESULT, LOOP.NODE[.RESULT] or LOOP.NODE[.RESULT].all
    auto [loopName, rest] = full.split('.');
    auto it = names.find(loopName);
    if (it != names.end() && it->second.kind == Entity::Node &&
        !loops.count(it->second.index)) {
      // One named result of a node with several (a lif's state).
      checkResultName(it->second.index, rest, r, node);
      r.name = full.str();
      return resolveNode(r, it->second.index, scope, node);
    }
    SmallVector<StringRef> parts;
    rest.split(parts, '.');
    StringRef member = parts[0];
    bool all = parts.back() == "all" && parts.size() > 1;
    StringRef result = parts.size() > (all ? 2u : 1u) ? parts[1] : StringRef();
    if (it == names.end() || it->second.kind != Entity::Node)
      fail(r.pointer,
           "'" + quoteForMessage(r.name) +
               "' reads a result of a time loop or a node, but '" +
               quoteForMessage(loopName) + "' is neither",
           node);
    size_t loop = it->second.index;
    if (parts.size() > (all ? 3u : 2u))
      fail(r.pointer,
           "'" + quoteForMessage(r.name) +
               "': a time loop's results are LOOP.NODE (the last step) and "
               "LOOP.NODE.all (every step), or LOOP.NODE.RESULT[.all] for a "
               "node's named result",
           node);
    auto m = names.find(member);
    if (m == names.end() || m->second.kind != Entity::Node ||
        nodes[m->second.index].parent != int(loop))
      fail(r.pointer,
           "time loop '" + nodes[loop].name + "' has no node '" +
               quoteForMessage(member) + "'",
           node);
    const NodeInfo &memberNode = nodes[m->second.index];
    if (loops.count(m->second.index))
      fail(r.pointer,
           "'" + quoteForMessage(r.name) + "': '" + quoteForMessage(member) +
               "' is a time loop inside '" + nodes[loop].name +
               "', not a value; give '" + nodes[loop].name +
               "' a node that reads '" + quoteForMessage(member) +
               ".NODE', and read that node after the loop",
           node);
    if (!result.empty() &&
        !(memberNode.spec && StringRef(memberNode.spec->name) == "lif"))
      fail(r.pointer,
           "'" + quoteForMessage(r.name) +
               "': a time loop's results are LOOP.NODE (the last step) and "
               "LOOP.NODE.all (every step); LOOP.NODE.RESULT[.all] reads a "
               "lif node's state (v, c, r)",
           node);
    if (!result.empty())
      checkResultName(m->second.index, result, r, node);
    std::string memberName =
        result.empty() ? member.str() : (member + "." + result).str();
    StringRef suffix = all ? "all" : "";
    if (!encloses(nodes[loop].parent, scope) || encloses(int(loop), scope))
      fail(r.pointer,
           "'" + quoteForMessage(r.name) +
               "' is only readable after the loop, outside it",
           node);
    if (r.delay)
      fail(r.pointer,
           "'" + quoteForMessage(r.name) +
               "' is a result of a finished loop; a delayed read needs a "
               "node of the same time loop",
           node);
    if (r.timeAxis >= 0 && scope < 0)
      fail(r.pointer, "'time_axis' reads belong inside a time loop", node);
    r.kind = suffix.empty() ? Ref::LoopFinal : Ref::LoopRecord;
    r.node = loop;
    r.member = memberName;
    (suffix.empty() ? loops[loop].finals : loops[loop].records)
        .insert(r.member);
    return;
  }
  auto it = names.find(r.name);
  if (it == names.end())
    unknown();
  if (it->second.kind == Entity::Node && loops.count(it->second.index))
    fail(r.pointer,
         "'" + quoteForMessage(r.name) +
             "' is a time loop, not a value; after the loop, read one of its "
             "nodes: '" +
             quoteForMessage(r.name) + ".NODE' (the last step) or '" +
             quoteForMessage(r.name) + ".NODE.all' (every step)",
         node);
  if (it->second.kind == Entity::Node)
    return resolveNode(r, it->second.index, scope, node);
  {
    r.kind = it->second.kind == Entity::Input ? Ref::Input : Ref::Param;
    if (r.delay && scope < 0)
      fail(r.pointer,
           "delayed reads belong inside a time loop (an earlier step of one "
           "of its nodes)",
           node);
    if (r.delay)
      fail(r.pointer,
           "'" + r.name +
               "' is the same at every step; a delayed read needs a node of "
               "the time loop",
           node);
    if (r.timeAxis >= 0 && scope < 0)
      fail(r.pointer, "'time_axis' reads belong inside a time loop", node);
    return;
  }
}

void Importer::checkResultName(size_t index, StringRef result, const Ref &r,
                               StringRef reader) {
  const NodeInfo &n = nodes[index];
  bool lif = n.spec && StringRef(n.spec->name) == "lif";
  // A lif node's state, by its attributes: v; c for the current model; r
  // for the current model or a refractory period.
  std::vector<std::string> known;
  if (n.spec) {
    SmallVector<StringRef> names;
    StringRef(n.spec->resultNames).split(names, ',', -1, false);
    for (StringRef name : names)
      known.push_back(name.str());
    if (hasExecuteSchedule(index)) {
      known.push_back("sample");
      known.push_back("execute");
    }
  }
  if (lif) {
    const json *attrs = nullptr;
    if (auto a = n.object->find("attributes");
        a != n.object->end() && a->is_object())
      attrs = &*a;
    bool current = attrs && attrs->contains("model") &&
                   (*attrs)["model"].is_string() &&
                   (*attrs)["model"].get<std::string>() == "current";
    bool refractory = attrs && attrs->contains("t_ref") &&
                      (*attrs)["t_ref"].is_number_integer() &&
                      (*attrs)["t_ref"].get<int64_t>() > 0;
    known.push_back("v");
    if (current)
      known.push_back("c");
    if (current || refractory)
      known.push_back("r");
  }
  if (llvm::is_contained(known, result.str()))
    return;
  if (known.empty())
    fail(r.pointer,
         "'" + quoteForMessage(r.name) +
             "' reads a time loop's result (LOOP.NODE) or a named result of "
             "a node (a lif node's NODE.v, a sampler's NODE.log_prob), but '" +
             n.name + "' is " + article(n.spec->name) + " '" + n.spec->name +
             "' node, which has one result",
         reader);
  fail(r.pointer,
       "'" + quoteForMessage(r.name) + "': node '" + n.name +
           "' has no result '" + quoteForMessage(result) + "'" +
           " (its results: " + llvm::join(known, ", ") +
           "; the node itself is " + (lif ? "its spikes" : "its output") + ")",
       reader);
}

void Importer::resolveNode(Ref &r, size_t index, int scope, StringRef node) {
  r.kind = Ref::Node;
  r.node = index;
  int owner = nodes[r.node].parent;
  if (r.delay) {
    if (scope < 0 || owner != scope)
      fail(r.pointer,
           "a delayed read needs a node of the same time loop, but '" + r.name +
               "' is " +
               (owner < 0 ? std::string("outside every time loop")
                          : "in time loop '" + nodes[owner].name + "'"),
           node);
    int64_t steps = nodes[size_t(scope)].steps;
    if (r.delay >= steps)
      fail(JsonDocument::child(r.pointer, "delay"),
           "a read " + std::to_string(r.delay) + " steps back in time loop '" +
               nodes[size_t(scope)].name + "' of " + std::to_string(steps) +
               " steps would only ever see its starting value; the delay "
               "must be less than the loop's steps",
           node);
    LoopPlan::Delayed &d = loops[size_t(scope)].delayed[r.name];
    d.depth = std::max(d.depth, r.delay);
    const json &o = *r.object;
    if (o.contains("initial") && (o.contains("shape") || o.contains("dtype")))
      fail(r.pointer,
           "a delayed read starts from \"initial\" or from zeros of "
           "\"shape\" (and \"dtype\"), not both",
           node);
    if (o.contains("initial") && nodes[r.node].spec &&
        nodes[r.node].spec->role == NodeRole::Neuron &&
        r.name != nodes[r.node].name)
      fail(JsonDocument::child(r.pointer, "initial"),
           "'" + r.name + "' is the state of " + nodes[r.node].spec->name +
               " node '" + nodes[r.node].name +
               "', which starts at zero: \"initial\" would give this read "
               "another value before the first step than the neuron had; "
               "read it from zeros (\"shape\")",
           node);
    if (o.contains("initial")) {
      Ref init;
      init.pointer = JsonDocument::child(r.pointer, "initial");
      init.name = getString(o["initial"], init.pointer, node);
      init.object = &o["initial"];
      int outer = nodes[size_t(scope)].parent;
      resolveRef(init, outer, node);
      if ((init.kind == Ref::LoopFinal || init.kind == Ref::LoopRecord) &&
          init.node == size_t(scope))
        fail(init.pointer,
             "'" + quoteForMessage(init.name) + "' is a result of time loop '" +
                 nodes[size_t(scope)].name +
                 "' itself; a delayed read starts from a value the graph has "
                 "before the loop",
             node);
      if (!d.initial.empty() && d.initial != init.name)
        fail(init.pointer,
             "'" + r.name + "' already starts from '" + d.initial + "' at " +
                 d.pointer,
             node);
      // The first read that says so decides; a later one may not disagree.
      if (d.type)
        fail(init.pointer,
             "'" + r.name + "' already starts from zeros (\"shape\") at " +
                 d.pointer + "; every delayed read of it starts the same way",
             node);
      if (d.initial.empty()) {
        d.initial = init.name;
        d.pointer = init.pointer;
        d.reader = node.str();
        // The loop reads the initial value: it comes first.
        nodes[size_t(scope)].inputs.push_back(init);
      }
    } else if (o.contains("shape")) {
      if (!d.initial.empty())
        fail(JsonDocument::child(r.pointer, "shape"),
             "'" + r.name + "' already starts from '" + d.initial + "' at " +
                 d.pointer + "; every delayed read of it starts the same way",
             node);
      RankedTensorType type = parseTensorType(o, r.pointer, true, true);
      if (d.type && d.type != type)
        fail(r.pointer,
             "'" + r.name + "' is read earlier with another shape or dtype",
             node);
      d.type = type;
      d.pointer = r.pointer;
      d.reader = node.str();
    }
    return;
  }
  if (!encloses(owner, scope))
    fail(r.pointer,
         "'" + r.name + "' is a node of time loop '" + nodes[owner].name +
             "'; read its last step as '" + nodes[owner].name + "." + r.name +
             "' or every step as '" + nodes[owner].name + "." + r.name +
             ".all'",
         node);
  if (r.timeAxis >= 0 && (scope < 0 || owner == scope))
    fail(r.pointer,
         "a 'time_axis' read takes one step of a sequence from outside the "
         "time loop, but '" +
             r.name + "' is " +
             (scope < 0 ? std::string("read outside every time loop")
                        : "a node of this loop"),
         node);
}

std::vector<size_t>
Importer::topologicalOrder(const std::vector<size_t> &scope) {
  // Each node depends on the nodes of its scope that it (or, for a time
  // loop, a node inside it) reads at the current step.
  std::map<size_t, size_t> position;
  for (size_t k = 0; k < scope.size(); ++k)
    position[scope[k]] = k;
  int level = nodes[scope.front()].parent;
  // The node of this scope that contains node `i` (or i itself).
  auto lift = [&](size_t i) -> std::optional<size_t> {
    for (int s = int(i); s >= 0; s = nodes[s].parent)
      if (nodes[s].parent == level)
        return size_t(s);
    return std::nullopt;
  };
  std::vector<std::vector<size_t>> deps(scope.size()), users(scope.size());
  std::vector<size_t> pending(scope.size(), 0);
  std::function<void(size_t, size_t)> collect = [&](size_t user, size_t i) {
    for (const Ref &r : nodes[i].inputs) {
      if ((r.kind != Ref::Node && r.kind != Ref::LoopFinal &&
           r.kind != Ref::LoopRecord) ||
          r.delay)
        continue;
      std::optional<size_t> producer = lift(r.node);
      if (!producer || !position.count(*producer))
        continue; // outside this scope: emitted before it
      if (*producer == scope[user]) {
        // A read of the node itself, or one inside the same time loop.
        if (r.kind == Ref::Node && r.node == i)
          fail(r.pointer,
               "node uses its own output as an input" +
                   std::string(nodes[i].parent >= 0
                                   ? "; read its previous step with "
                                     "{\"node\": \"" +
                                         nodes[i].name + "\", \"delay\": 1}"
                                   : ""),
               nodes[i].name);
        continue;
      }
      size_t k = position[*producer];
      deps[user].push_back(k);
      users[k].push_back(user);
      ++pending[user];
    }
    for (size_t b : nodes[i].body)
      collect(user, b);
  };
  for (size_t k = 0; k < scope.size(); ++k)
    collect(k, scope[k]);
  // Kahn's algorithm, stable in the JSON order.
  std::vector<size_t> order;
  std::deque<size_t> ready;
  std::vector<size_t> left = pending;
  for (size_t k = 0; k < scope.size(); ++k)
    if (left[k] == 0)
      ready.push_back(k);
  while (!ready.empty()) {
    size_t n = ready.front();
    ready.pop_front();
    order.push_back(scope[n]);
    for (size_t u : users[n])
      if (--left[u] == 0)
        ready.push_back(u);
  }
  if (order.size() == scope.size())
    return order;
  // Find a cycle: walk backwards through unfinished producers.
  size_t start = 0;
  while (left[start] == 0)
    ++start;
  std::vector<size_t> path;
  std::vector<int> seenAt(scope.size(), -1);
  size_t cur = start;
  while (seenAt[cur] < 0) {
    seenAt[cur] = static_cast<int>(path.size());
    path.push_back(cur);
    for (size_t d : deps[cur])
      if (left[d] > 0) {
        cur = d;
        break;
      }
  }
  // path[seenAt[cur]..] lists the cycle consumer-first; print it in
  // data-flow order, producer first, closing on the first node.
  std::string cycle = nodes[scope[cur]].name;
  for (size_t k = path.size(); k-- > static_cast<size_t>(seenAt[cur]);)
    cycle += " -> " + nodes[scope[path[k]]].name;
  fail(nodes[scope[cur]].pointer,
       "the graph has a cycle: " + cycle +
           (level < 0 ? ""
                      : " (inside a time loop, read an earlier step with "
                        "{\"node\": NAME, \"delay\": 1})"),
       nodes[scope[cur]].name);
}

void Importer::resolveAll(const json &root) {
  for (size_t i = 0; i < nodes.size(); ++i)
    for (size_t k = 0, e = nodes[i].inputs.size(); k < e; ++k) {
      nodes[i].inputs[k].scope = nodes[i].parent;
      nodes[i].inputs[k].reader = nodes[i].name;
      resolveRef(nodes[i].inputs[k], nodes[i].parent, nodes[i].name);
    }
  // Loop results named by the outputs are computed by their loops.
  if (auto outs = root.find("outputs"); outs != root.end() && outs->is_array())
    for (size_t i = 0; i < outs->size(); ++i)
      if ((*outs)[i].is_string() &&
          StringRef((*outs)[i].get<std::string>()).contains('.')) {
        Ref r;
        r.name = (*outs)[i].get<std::string>();
        r.pointer = JsonDocument::child("/outputs", i);
        resolveRef(r, -1, {});
      }
  if (options.spikeTrains || options.potentials)
    for (const std::string &name : drawnSeries()) {
      Ref r;
      r.name = name;
      r.pointer = "/outputs";
      resolveRef(r, -1, {});
    }
  for (auto &[loop, plan] : loops)
    for (auto &[name, d] : plan.delayed)
      if (d.initial.empty() && !d.type) {
        // NAME, or NODE.RESULT of a node's named result.
        const NodeInfo &n =
            nodes[names.find(StringRef(name).split('.').first)->second.index];
        fail(n.pointer,
             "'" + name +
                 "' is read one or more steps back, so it needs a value "
                 "before the first step: give its delayed read \"initial\" "
                 "(a value's name) or \"shape\" (zeros)",
             name);
      }
}

Value Importer::refValue(const Ref &r) {
  if (r.delay) {
    LoopPlan &plan = loops[size_t(r.scope)];
    auto ring = plan.rings.find(r.name);
    if (ring == plan.rings.end())
      return plan.slots.at({r.name, r.delay});
    // A read of a ring: made at its first use, shared by later ones.
    Value &read = plan.slots[{r.name, r.delay}];
    if (!read) {
      int64_t depth = plan.delayed.at(r.name).depth;
      read = builder.create<mlir::credo::RingReadOp>(
          ring->second.getLoc(), ring->second, plan.step,
          builder.getI64IntegerAttr(r.delay % depth));
    }
    return read;
  }
  Value v = r.kind == Ref::LoopFinal || r.kind == Ref::LoopRecord
                ? loopResults.lookup(r.name)
                : valueOf(r.name);
  if (r.timeAxis < 0)
    return v;
  const NodeInfo &loop = nodes[size_t(r.scope)];
  LoopPlan &plan = loops[size_t(r.scope)];
  auto key = std::make_pair(r.name, r.timeAxis);
  if (Value slice = plan.slices[key])
    return slice;
  auto type = cast<RankedTensorType>(v.getType());
  std::string ptr = JsonDocument::child(r.pointer, "time_axis");
  if (r.timeAxis >= type.getRank())
    fail(ptr,
         "'" + r.name + "' has rank " + std::to_string(type.getRank()) +
             ", so it has no axis " + std::to_string(r.timeAxis),
         r.reader);
  if (type.getDimSize(r.timeAxis) != loop.steps)
    fail(ptr,
         "'" + r.name + "' has " + std::to_string(type.getDimSize(r.timeAxis)) +
             " entries along " + "axis " + std::to_string(r.timeAxis) +
             ", but time loop '" + loop.name + "' has " +
             std::to_string(loop.steps) + " steps",
         r.reader);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + r.timeAxis);
  OperationState state(nodeLoc(r.name, r.pointer),
                       mlir::credo::TimeSliceOp::getOperationName());
  state.addOperands({v, plan.step});
  state.addAttribute("axis", builder.getI64IntegerAttr(r.timeAxis));
  state.addTypes(RankedTensorType::get(shape, type.getElementType()));
  Value slice = builder.create(state)->getResult(0);
  plan.slices[key] = slice;
  return slice;
}

void Importer::emitScope(const std::vector<size_t> &scope) {
  if (scope.empty())
    return;
  for (size_t index : topologicalOrder(scope)) {
    if (loops.count(index))
      emitLoop(index);
    else
      emitNode(index);
  }
}

void Importer::emitLoop(size_t index) {
  const NodeInfo &n = nodes[index];
  LoopPlan &plan = loops[index];
  Location loc = nodeLoc(n.name, n.pointer);
  Block *outerBlock = builder.getInsertionBlock();
  Block::iterator outerPoint = builder.getInsertionPoint();

  // Carried slots: (node, k) for each delayed read k steps back (a delay
  // line), or (node, 0) for a ring of a node read more than kRingDepth
  // steps back, then the last value of each node read after the loop.
  struct Slot {
    std::string node;
    int64_t k;
    Type type;
    Value init;
    Value next = nullptr; ///< neuron state: its next value
  };
  std::vector<Slot> slots;
  auto *body = new Block();
  plan.step = body->addArgument(builder.getIndexType(), loc);
  std::map<std::string, Type> declared; // each delayed node's type
  for (auto &[name, d] : plan.delayed) {
    Value init = d.initial.empty() ? Value() : valueOf(d.initial);
    Type type = init ? init.getType() : Type(d.type);
    declared[name] = type;
    auto t = cast<RankedTensorType>(type);
    // A ring starts from zeros, or from copies of a float initial value.
    if (d.depth > kRingDepth && (!init || isa<FloatType>(t.getElementType()))) {
      SmallVector<int64_t> shape = {d.depth};
      llvm::append_range(shape, t.getShape());
      auto ringType = RankedTensorType::get(shape, t.getElementType());
      slots.push_back({name, 0, ringType, init});
      plan.rings[name] = body->addArgument(ringType, loc);
      continue;
    }
    for (int64_t k = 1; k <= d.depth; ++k) {
      slots.push_back({name, k, type, init});
      plan.slots[{name, k}] = body->addArgument(type, loc);
    }
  }
  builder.setInsertionPointToStart(body);
  try {
    emitScope(n.body);
  } catch (...) {
    delete body;
    throw;
  }
  // Neuron state, added to the body while its nodes were emitted.
  for (const LoopPlan::State &st : plan.states)
    slots.push_back({"", 0, st.arg.getType(), Value(), st.next});
  // (A ring holds no slot with the last value: the final gets its own.)
  for (const std::string &f : plan.finals)
    if (!plan.delayed.count(f) || plan.rings.count(f)) {
      Type type = values[f].getType();
      slots.push_back({f, 1, type, Value()});
      BlockArgument last = body->addArgument(type, loc);
      if (!plan.rings.count(f))
        plan.slots[{f, 1}] = last;
    }
  for (auto &[name, d] : plan.delayed) {
    Type actual = values[name].getType();
    if (actual != declared[name]) {
      delete body;
      std::string s;
      llvm::raw_string_ostream os(s);
      os << "'" << name << "' is " << actual << ", but its delayed read "
         << (d.initial.empty() ? "declares "
                               : "starts from '" + d.initial + "', which is ")
         << declared[name];
      fail(d.pointer, os.str(), d.reader.empty() ? n.name : d.reader);
    }
  }
  SmallVector<Value> next, recorded;
  for (const Slot &s : slots)
    next.push_back(s.next ? s.next
                   : s.k == 0
                       ? builder.create<mlir::credo::RingWriteOp>(
                             loc, plan.rings[s.node], values[s.node], plan.step,
                             builder.getI64IntegerAttr(0), UnitAttr())
                   : s.k == 1 ? values[s.node]
                              : plan.slots[{s.node, s.k - 1}]);
  for (const std::string &r : plan.records)
    recorded.push_back(values[r]);
  builder.create<mlir::credo::YieldOp>(loc, next, recorded);

  // The loop itself, where it belongs in the enclosing block.
  builder.setInsertionPoint(outerBlock, outerPoint);
  SmallVector<Value> inits;
  SmallVector<Type> resultTypes;
  for (Slot &s : slots) {
    auto t = cast<RankedTensorType>(s.type);
    if (!s.init) {
      Attribute zero =
          isa<FloatType>(t.getElementType())
              ? Attribute(builder.getFloatAttr(t.getElementType(), 0.0))
              : Attribute(builder.getIntegerAttr(t.getElementType(), 0));
      s.init = builder.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(t, zero));
    } else if (s.k == 0) {
      // A ring of copies of the initial value: ones[k] ⊗ initial.
      auto ones = RankedTensorType::get({t.getDimSize(0)}, t.getElementType());
      std::string letters;
      for (int64_t d = 1; d < t.getRank(); ++d)
        letters += char('b' + d - 1);
      s.init = builder.create<mlir::credo::EinsumOp>(
          loc, t,
          ValueRange{builder.create<arith::ConstantOp>(
                         loc, DenseElementsAttr::get(
                                  ones, builder.getFloatAttr(t.getElementType(),
                                                             1.0))),
                     s.init},
          builder.getStringAttr("a," + letters + "->a" + letters));
    }
    inits.push_back(s.init);
    resultTypes.push_back(s.type);
  }
  for (Value r : recorded) {
    auto t = cast<RankedTensorType>(r.getType());
    SmallVector<int64_t> shape = {n.steps};
    llvm::append_range(shape, t.getShape());
    resultTypes.push_back(RankedTensorType::get(shape, t.getElementType()));
  }
  OperationState state(loc, mlir::credo::TimeLoopOp::getOperationName());
  state.addOperands(inits);
  state.addAttribute("steps", builder.getI64IntegerAttr(n.steps));
  state.addTypes(resultTypes);
  state.addRegion()->push_back(body);
  Operation *op = builder.create(state);
  // A record holds every step: at most as many elements as a node's result
  // (checked once the loop owns its body).
  for (auto [r, name] : llvm::zip(recorded, plan.records)) {
    int64_t perStep = cast<RankedTensorType>(r.getType()).getNumElements(),
            count;
    if (llvm::MulOverflow(n.steps, perStep, count) || count > kMaxElements)
      fail(n.pointer,
           "'" + n.name + "." + name + ".all' records " +
               std::to_string(n.steps) + " steps of " +
               std::to_string(perStep) + " elements: more than 2^40 elements",
           n.name);
  }
  for (auto [i, s] : llvm::enumerate(slots))
    if (s.k == 1 && plan.finals.count(s.node))
      loopResults[n.name + "." + s.node] = op->getResult(i);
  for (auto [j, r] : llvm::enumerate(plan.records))
    loopResults[n.name + "." + r + ".all"] = op->getResult(slots.size() + j);
}

Value Importer::valueOf(const std::string &name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  // A finished loop's result (LOOP.NODE, LOOP.NODE.all), such as the
  // "initial" of a later loop's delayed read.
  if (Value result = loopResults.lookup(name))
    return result;
  // Only parameters are materialized lazily, at the top of @forward.
  const Entity &e = names.find(name)->second;
  auto param = cast<mlir::credo::ParamOp>(
      module.lookupSymbol(builder.getStringAttr(name)));
  OpBuilder::InsertionGuard guard(builder);
  if (lastParamRead)
    builder.setInsertionPointAfter(lastParamRead);
  else
    builder.setInsertionPointToStart(&forward.getBody().front());
  auto read = builder.create<mlir::credo::GetParamOp>(
      nodeLoc(name, e.pointer), param.getType(),
      FlatSymbolRefAttr::get(&ctx, name));
  lastParamRead = read;
  Value v = read.getResult();
  values[name] = v;
  return v;
}

NamedAttribute Importer::nodeAttribute(const AttrSpec &spec, const json &v,
                                       const std::string &pointer,
                                       StringRef node) {
  switch (spec.kind) {
  case AttrKind::Int:
    return builder.getNamedAttr(
        spec.name, builder.getI64IntegerAttr(getInt(v, pointer, node)));
  case AttrKind::IntPair: {
    SmallVector<int64_t, 2> pair;
    if (v.is_array()) {
      if (v.size() != 2)
        fail(pointer,
             "expected an integer or an array of 2 integers, but got " +
                 std::to_string(v.size()) + " entries",
             node);
      for (size_t i = 0; i < 2; ++i)
        pair.push_back(getInt(v[i], JsonDocument::child(pointer, i), node));
    } else {
      int64_t k = getInt(v, pointer, node);
      pair = {k, k};
    }
    for (int64_t k : pair)
      if (k < 0 || k > kMaxDim)
        fail(pointer, "value out of range: " + std::to_string(k), node);
    return builder.getNamedAttr(spec.name, builder.getDenseI64ArrayAttr(pair));
  }
  case AttrKind::Float: {
    double d = getNumber(v, pointer, node);
    if (!std::isfinite(d))
      fail(pointer, "expected a finite number", node);
    return builder.getNamedAttr(spec.name, builder.getF64FloatAttr(d));
  }
  case AttrKind::String:
    return builder.getNamedAttr(
        spec.name, builder.getStringAttr(getString(v, pointer, node)));
  case AttrKind::Flag:
    expect(v, v.is_boolean(), pointer, "true or false", node);
    return builder.getNamedAttr(spec.name, builder.getUnitAttr());
  case AttrKind::Bool:
    expect(v, v.is_boolean(), pointer, "true or false", node);
    return builder.getNamedAttr(spec.name, builder.getBoolAttr(v.get<bool>()));
  case AttrKind::Enum: {
    std::string name = getString(v, pointer, node);
    SmallVector<StringRef> choices;
    StringRef(spec.choices).split(choices, ',');
    if (!llvm::is_contained(choices, name))
      fail(pointer,
           "'" + quoteForMessage(name) + "' is not one of " +
               llvm::join(choices, ", "),
           node);
    Attribute attr = parseAttribute(
        ("#credo." + Twine(spec.enumMnemonic) + "<" + name + ">").str(), &ctx);
    return builder.getNamedAttr(spec.name, attr);
  }
  case AttrKind::Indices: {
    expect(v, v.is_array(), pointer, "an array of dimension indices", node);
    SmallVector<int64_t> indices;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string p = JsonDocument::child(pointer, i);
      int64_t d = getInt(v[i], p, node);
      if (d < 0 || d > 64)
        fail(p,
             "a dimension index must be in [0, 64], but got " +
                 std::to_string(d),
             node);
      indices.push_back(d);
    }
    return builder.getNamedAttr(spec.name,
                                builder.getDenseI64ArrayAttr(indices));
  }
  case AttrKind::Shape: {
    expect(v, v.is_array(), pointer, "an array of dimensions", node);
    SmallVector<int64_t> dims;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string p = JsonDocument::child(pointer, i);
      if (v[i].is_string() && v[i].get<std::string>() == "batch") {
        dims.push_back(batch);
        continue;
      }
      int64_t d = getInt(v[i], p, node);
      if (d != -1 && (d <= 0 || d > kMaxDim))
        fail(p,
             "dimension must be -1 or in [1, " + std::to_string(kMaxDim) +
                 "], but got " + std::to_string(d),
             node);
      dims.push_back(d);
    }
    return builder.getNamedAttr(spec.name, builder.getDenseI64ArrayAttr(dims));
  }
  }
  llvm_unreachable("unknown attribute kind");
}

void Importer::emitNode(size_t index) {
  const NodeInfo &n = nodes[index];
  Location loc = nodeLoc(n.name, n.pointer);
  // A sampler given its sample computes that sample's log-probability.
  bool givenSample =
      n.spec->role == NodeRole::Stochastic && n.inputs.size() == 2;
  OperationState state(loc, std::string(n.spec->credoOp) +
                                (givenSample ? "_log_prob" : ""));
  for (const Ref &in : n.inputs)
    state.addOperands(refValue(in));

  const json &object = *n.object;
  std::string attrPtr = JsonDocument::child(n.pointer, "attributes");
  llvm::StringSet<> given;
  NamedAttrList nodeOnly; // attributes that shape the node, not the op
  if (auto it = object.find("attributes"); it != object.end()) {
    expect(*it, it->is_object(), attrPtr, "an object of attributes", n.name);
    std::vector<const char *> allowed;
    for (const AttrSpec &s : n.spec->attrs)
      allowed.push_back(s.name);
    if (allowed.empty() && !it->empty())
      fail(JsonDocument::child(attrPtr, it->begin().key()),
           "op '" + std::string(n.spec->name) + "' takes no attributes",
           n.name);
    checkKeys(*it, attrPtr, allowed, n.name);
    for (const AttrSpec &s : n.spec->attrs) {
      auto a = it->find(s.name);
      if (a == it->end())
        continue;
      given.insert(s.name);
      // "none", where the attribute lists it, is the attribute's absence.
      if (s.kind == AttrKind::Enum && a->is_string() &&
          a->get<std::string>() == "none" &&
          llvm::is_contained(llvm::split(s.choices, ','), "none"))
        continue;
      if (s.kind == AttrKind::Flag && a->is_boolean() && !a->get<bool>())
        continue; // false is the flag's absence
      NamedAttribute attr =
          nodeAttribute(s, *a, JsonDocument::child(attrPtr, s.name), n.name);
      (s.nodeOnly ? nodeOnly : state.attributes).push_back(attr);
    }
  }
  for (const AttrSpec &s : n.spec->attrs)
    if (s.required && !given.contains(s.name))
      fail(n.pointer,
           "op '" + std::string(n.spec->name) + "' requires the attribute '" +
               s.name + "'",
           n.name);
  if (StringRef(n.spec->name) == "lif")
    checkLifModel(object, attrPtr, n.name);

  // Infer (and so check) the result type; errors land on the node.
  std::optional<RegisteredOperationName> info =
      RegisteredOperationName::lookup(state.name.getStringRef(), &ctx);
  info->populateDefaultAttrs(state.attributes);
  std::vector<BlockArgument> carried;
  if (n.spec->role == NodeRole::Neuron)
    carried = addNeuronState(index, state);
  else if (n.spec->role == NodeRole::Random ||
           (n.spec->role == NodeRole::Stochastic && !givenSample))
    addRandomOperands(index, state);
  else if (n.spec->role == NodeRole::Held && !state.operands.empty()) {
    if (auto type = dyn_cast<RankedTensorType>(state.operands.back().getType()))
      state.addOperands(heldState(index, type, loc));
  } else if (n.spec->role == NodeRole::Sampler)
    addSamplerOperands(index, state);
  auto *infer = info->getInterface<InferTypeOpInterface>();
  SmallVector<Type> results;
  if (failed(infer->inferReturnTypes(
          &ctx, loc, state.operands, state.attributes.getDictionary(&ctx),
          state.getRawProperties(), state.regions, results)))
    throw ImportFailure{};
  // Inferred results obey the limits of declared shapes.
  for (Type t : results) {
    auto type = dyn_cast<RankedTensorType>(t);
    if (!type)
      continue;
    int64_t count = 1;
    std::string shape;
    for (int64_t d : type.getShape())
      shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    for (auto [i, d] : llvm::enumerate(type.getShape())) {
      if (d > kMaxDim)
        fail(n.pointer,
             "the result [" + shape + "] has dimension " + std::to_string(i) +
                 " = " + std::to_string(d) + ", more than the limit " +
                 std::to_string(kMaxDim),
             n.name);
      if (llvm::MulOverflow(count, d, count) || count > kMaxElements)
        fail(n.pointer,
             "the result [" + shape + "] has more than 2^40 elements", n.name);
    }
  }
  state.addTypes(results);
  Operation *op = builder.create(state);
  checkPairsFit(op, n);
  values[n.name] = op->getResult(0);
  if (n.spec->role == NodeRole::Stochastic)
    nameResults(index, op, nodeOnly);
  if (n.spec->role == NodeRole::Neuron) {
    // The node's value is its last result (a lif's spikes, a filter's
    // trace); its new state is carried.
    values[n.name] = op->getResults().back();
    if (auto lif = dyn_cast<mlir::credo::LifOp>(op)) {
      // Its state by name: v, then c (current model), then r.
      values[n.name + ".v"] = lif.getResult(0);
      unsigned next = 1;
      if (lif.getModel() == mlir::credo::LifModel::Current)
        values[n.name + ".c"] = lif.getResult(next++);
      if (next + 1 < lif->getNumResults())
        values[n.name + ".r"] = lif.getResult(next);
    }
    LoopPlan &plan = loops[size_t(n.parent)];
    for (auto [arg, next] : llvm::zip(carried, op->getResults()))
      plan.states.push_back({arg, next});
  }
}

void Importer::checkPairsFit(Operation *op, const NodeInfo &n) {
  // Which component of each tuple indexes what, and how many there are:
  // (component, units, what they are).
  SmallVector<std::tuple<int64_t, int64_t, const char *>> indexed;
  Value indices;
  auto lastDim = [](Value v) -> int64_t {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    return t && t.getRank() > 0 ? t.getShape().back() : ShapedType::kDynamic;
  };
  if (auto contract = dyn_cast<mlir::credo::SparseContractOp>(op)) {
    ArrayRef<int64_t> columns = contract.getColumns();
    if (columns.size() != 2)
      return; // the op's verifier says what is wrong
    indices = contract.getIndices();
    indexed = {
        {columns[0], int64_t(contract.getSize()), "output units (its size)"},
        {columns[1], lastDim(contract.getInput()), "input units"}};
  } else if (auto gather = dyn_cast<mlir::credo::GatherOp>(op)) {
    indices = gather.getIndices();
    indexed = {{int64_t(gather.getColumn()), lastDim(gather.getInput()),
                "input units"}};
  } else if (auto scatter = dyn_cast<mlir::credo::ScatterAddOp>(op)) {
    indices = scatter.getIndices();
    indexed = {{int64_t(scatter.getColumn()), int64_t(scatter.getSize()),
                "output units (its size)"}};
  } else {
    return;
  }
  auto read = indices.getDefiningOp<mlir::credo::GetParamOp>();
  if (!read)
    return;
  auto param = module.lookupSymbol<mlir::credo::ParamOp>(read.getName());
  auto init = param ? dyn_cast_or_null<mlir::credo::InitAttr>(param.getInit())
                    : mlir::credo::InitAttr();
  if (!init)
    return;
  std::string pairs = read.getName().str();
  for (auto [c, limit, what] : indexed) {
    if (ShapedType::isDynamic(limit) || c < 0)
      continue;
    if (init.getKind() == mlir::credo::InitKind::RandomPairs) {
      // random_pairs draws component 0 below rows and 1 below cols.
      if (c > 1)
        continue;
      int64_t bound = c == 0 ? init.getRows() : init.getCols();
      const char *key = c == 0 ? "rows" : "cols";
      if (bound > limit)
        fail(n.pointer,
             "the index pairs '" + pairs + "' are drawn with " + key + " " +
                 std::to_string(bound) + ", but component " +
                 std::to_string(c) + " of each pair indexes the node's " +
                 std::to_string(limit) + " " + what + "; give random_pairs " +
                 key + " of at most " + std::to_string(limit),
             n.name);
    } else if (init.getKind() == mlir::credo::InitKind::Constant) {
      // Every component is the constant: known when the model is built.
      double v = init.getValue().convertToDouble();
      if (v < 0 || v >= double(limit))
        fail(n.pointer,
             "the index tuples '" + pairs + "' are the constant " +
                 std::to_string(int64_t(v)) + ", but component " +
                 std::to_string(c) + " of each tuple indexes the node's " +
                 std::to_string(limit) + " " + what + " (0 to " +
                 std::to_string(limit - 1) + ")",
             n.name);
    }
  }
}

void Importer::checkLifModel(const json &node, const std::string &attrPtr,
                             StringRef name) {
  auto attrs = node.find("attributes");
  if (attrs == node.end())
    return;
  auto model = attrs->find("model");
  bool current = model != attrs->end() && *model == "current";
  for (const char *key : {"beta", "tau_m", "tau_s"}) {
    bool ofCurrent = StringRef(key) != "beta";
    if (!attrs->contains(key) || ofCurrent == current)
      continue;
    std::string message =
        current ? "'beta' is the decay of \"model\": \"beta\" neurons; "
                  "current-based neurons decay by 'tau_m' and 'tau_s'"
                : "'" + std::string(key) +
                      "' is a time constant of current-based neurons "
                      "(\"model\": \"current\"); these are \"beta\" "
                      "neurons (the default), which decay by 'beta'";
    fail(JsonDocument::child(attrPtr, key), message, name);
  }
}

std::vector<BlockArgument> Importer::addNeuronState(size_t index,
                                                    OperationState &state) {
  const NodeInfo &n = nodes[index];
  if (n.parent < 0)
    fail(n.pointer,
         article(n.spec->name) + " '" + n.spec->name +
             "' node keeps state from step to step, so it belongs inside a "
             "time_loop",
         n.name);
  auto type = dyn_cast<RankedTensorType>(state.operands[0].getType());
  if (!type)
    return {};
  DictionaryAttr attrs = state.attributes.getDictionary(&ctx);
  unsigned count = 1; // exp_filter: its trace
  if (state.name.getStringRef() == mlir::credo::LifOp::getOperationName()) {
    auto model = attrs.getAs<mlir::credo::LifModelAttr>("model");
    auto tRef = attrs.getAs<IntegerAttr>("t_ref");
    count = mlir::credo::LifOp::stateCount(model ? model.getValue()
                                                 : mlir::credo::LifModel::Beta,
                                           tRef ? tRef.getInt() : 0);
  }
  // Each state tensor starts at zero and is carried by the loop.
  Block *body = builder.getInsertionBlock();
  std::vector<BlockArgument> args;
  for (unsigned i = 0; i < count; ++i) {
    args.push_back(body->addArgument(type, state.location));
    state.addOperands(args.back());
  }
  return args;
}

void Importer::addRandomOperands(size_t index, OperationState &state) {
  const NodeInfo &n = nodes[index];
  state.addOperands(generator());
  if (n.parent >= 0) {
    // In nested loops the step counts over every loop around the node
    // (outer step · inner steps + inner step), so that each step of each
    // loop draws anew; the generator's counter holds 2³² steps.
    int64_t total = 1;
    for (int loop = n.parent; loop >= 0; loop = nodes[size_t(loop)].parent)
      total = std::min<int64_t>(total * nodes[size_t(loop)].steps, int64_t(1)
                                                                       << 40);
    if (total > (int64_t(1) << 32))
      fail(n.pointer,
           "a random op draws at every step of its loops, " +
               std::to_string(total) +
               " steps in all here (the loops' steps multiplied), but the "
               "generator counts at most 2^32 steps",
           n.name);
    Value step = loops[size_t(n.parent)].step;
    Location loc = state.location;
    for (int loop = n.parent; nodes[size_t(loop)].parent >= 0;
         loop = nodes[size_t(loop)].parent) {
      // step += (enclosing loop's step) · (steps of the loops inside it)
      int64_t inner = 1;
      for (int l = n.parent; l != nodes[size_t(loop)].parent;
           l = nodes[size_t(l)].parent)
        inner *= nodes[size_t(l)].steps;
      Value outer = loops[size_t(nodes[size_t(loop)].parent)].step;
      Value scale = builder.create<arith::ConstantIndexOp>(loc, inner);
      step = builder.create<arith::AddIOp>(
          loc, step, builder.create<arith::MulIOp>(loc, outer, scale));
    }
    state.addOperands(step);
  }
  // The node's own stream of random numbers: its position in the file.
  state.attributes.set("stream", builder.getI64IntegerAttr(int64_t(index) + 1));
}

void Importer::addSamplerOperands(size_t index, OperationState &state) {
  // Without values, every tuple has the value 1 (a constant, not trained).
  if (state.operands.size() == 3) {
    auto means = dyn_cast<RankedTensorType>(state.operands[1].getType());
    auto input = dyn_cast<RankedTensorType>(state.operands[0].getType());
    if (means && input && means.getRank() >= 1 &&
        isa<FloatType>(input.getElementType())) {
      auto type =
          RankedTensorType::get({means.getDimSize(0)}, input.getElementType());
      state.addOperands(
          builder
              .create<arith::ConstantOp>(
                  state.location,
                  DenseElementsAttr::get(
                      type, builder.getFloatAttr(type.getElementType(), 1.0)))
              .getResult());
    } else {
      state.addOperands(state.operands[1]); // inference reports the types
    }
  }
  state.addOperands(generator());
  state.attributes.set("stream", builder.getI64IntegerAttr(int64_t(index) + 1));
}

Value Importer::heldState(size_t index, RankedTensorType type, Location loc) {
  const NodeInfo &n = nodes[index];
  if (n.parent >= 0)
    fail(n.pointer,
         "a held output persists from one call to the next; inside a "
         "time_loop it is not supported",
         n.name);
  std::string held = n.name + "_held";
  if (names.count(held))
    fail(namePointers[held], "the name '" + held +
                                 "' is taken by the held output of node '" +
                                 n.name + "'; choose another");
  {
    OpBuilder::InsertionGuard guard(builder);
    SmallVector<mlir::credo::ParamOp> params(
        module.getOps<mlir::credo::ParamOp>());
    if (params.empty())
      builder.setInsertionPoint(forward);
    else
      builder.setInsertionPointAfter(params.back());
    auto init = mlir::credo::InitAttr::get(
        &ctx, mlir::credo::InitKind::Zeros, APFloat(0.0), APFloat(0.0),
        APFloat(0.0), APFloat(0.0), APFloat(0.0), 0, 0, 0);
    auto param = builder.create<mlir::credo::ParamOp>(
        loc, builder.getStringAttr(held), TypeAttr::get(type), init,
        /*fixed=*/UnitAttr());
    param->setAttr(mlir::credo::CredoDialect::kHeldAttrName,
                   builder.getUnitAttr());
  }
  return builder.create<mlir::credo::GetParamOp>(
      loc, type, FlatSymbolRefAttr::get(&ctx, held));
}

bool Importer::hasExecuteSchedule(size_t index) const {
  const NodeInfo &n = nodes[index];
  auto a = n.object->find("attributes");
  return a != n.object->end() && a->is_object() &&
         (a->contains("execute") || a->contains("period"));
}

void Importer::nameResults(size_t index, Operation *op,
                           const NamedAttrList &nodeOnly) {
  const NodeInfo &n = nodes[index];
  SmallVector<StringRef> results;
  StringRef(n.spec->resultNames).split(results, ',', -1, false);
  // Drawn: (sample, log_prob, score); given: (log_prob, score).
  bool given = op->getNumResults() == results.size();
  Value sample = given ? op->getOperand(1) : op->getResult(0);
  values[n.name] = sample;
  for (auto [i, name] : llvm::enumerate(results))
    values[n.name + "." + name.str()] = op->getResult(i + (given ? 0 : 1));
  auto execute = nodeOnly.get("execute"), period = nodeOnly.get("period");
  if (!execute && !period)
    return;
  std::string attrPtr = JsonDocument::child(n.pointer, "attributes");
  if (n.parent >= 0)
    fail(attrPtr,
         "an execute schedule ('execute', 'period') holds a unit's output "
         "from one call to the next; inside a time_loop it is not supported",
         n.name);
  if (execute && period)
    fail(attrPtr,
         "give either 'execute' (a probability) or 'period' (steps), not "
         "both",
         n.name);
  double p = execute ? cast<FloatAttr>(execute).getValueAsDouble() : 1.0;
  int64_t k = period ? cast<IntegerAttr>(period).getInt() : 0;
  if (execute && !(p > 0 && p <= 1))
    fail(JsonDocument::child(attrPtr, "execute"),
         "the execute probability must be in (0, 1], but got " +
             formatNumber(p),
         n.name);
  if (period && k < 1)
    fail(JsonDocument::child(attrPtr, "period"),
         "the period must be at least 1 step, but got " + std::to_string(k),
         n.name);
  Location loc = op->getLoc();
  auto type = cast<RankedTensorType>(sample.getType());
  // The flags draw from their own stream, above the nodes' streams.
  OperationState flagsState(loc, "credo.execute_flags");
  flagsState.addOperands(generator());
  flagsState.addAttribute("p", builder.getF64FloatAttr(p));
  flagsState.addAttribute("period", builder.getI64IntegerAttr(k));
  flagsState.addAttribute(
      "stream",
      builder.getI64IntegerAttr((int64_t(1) << 31) + int64_t(index) + 1));
  flagsState.addTypes(type);
  Value flags = builder.create(flagsState)->getResult(0);
  Value previous = heldState(index, type, loc);
  previous.getDefiningOp()->moveBefore(flags.getDefiningOp());
  Value out = builder.create<mlir::credo::HoldOp>(loc, flags, sample, previous);
  values[n.name] = out;
  values[n.name + ".sample"] = sample;
  values[n.name + ".execute"] = flags;
}

Value Importer::generator() {
  if (Value g = values.lookup(kGeneratorName))
    return g;
  if (names.count(kGeneratorName))
    fail(namePointers[kGeneratorName],
         "the name '" + std::string(kGeneratorName) +
             "' is taken by the model's random-number generator, which this "
             "graph's random nodes need; choose another");
  OpBuilder::InsertionGuard guard(builder);
  SmallVector<mlir::credo::ParamOp> params(
      module.getOps<mlir::credo::ParamOp>());
  if (params.empty())
    builder.setInsertionPoint(forward);
  else
    builder.setInsertionPointAfter(params.back());
  auto type = RankedTensorType::get({2}, builder.getI64Type());
  auto init = mlir::credo::InitAttr::get(
      &ctx, mlir::credo::InitKind::Generator, APFloat(0.0), APFloat(0.0),
      APFloat(0.0), APFloat(0.0), APFloat(0.0), seed, 0, 0);
  // Its ops (the draw count's advance) are "/seed" in profiles.
  Location loc = pointerLoc("/seed");
  builder.create<mlir::credo::ParamOp>(
      loc, builder.getStringAttr(kGeneratorName), TypeAttr::get(type), init,
      /*fixed=*/UnitAttr());
  if (lastParamRead)
    builder.setInsertionPointAfter(lastParamRead);
  else
    builder.setInsertionPointToStart(&forward.getBody().front());
  auto read = builder.create<mlir::credo::GetParamOp>(
      loc, type, FlatSymbolRefAttr::get(&ctx, kGeneratorName));
  lastParamRead = read;
  values[kGeneratorName] = read.getResult();
  return read.getResult();
}

std::vector<std::string> Importer::drawnSeries() const {
  std::vector<std::string> out;
  for (const NodeInfo &n : nodes) {
    if (n.parent < 0 || nodes[n.parent].parent >= 0 || !n.spec)
      continue;
    std::string at = nodes[n.parent].name + "." + n.name;
    bool lif = StringRef(n.spec->name) == "lif";
    if (options.spikeTrains &&
        (lif || StringRef(n.spec->name) == "poisson_encode"))
      out.push_back(at + ".all");
    if (options.potentials && lif)
      out.push_back(at + ".v.all");
  }
  return out;
}

void Importer::importOutputs(const json &root) {
  const json &outs = member(root, "", "outputs");
  expect(outs, outs.is_array(), "/outputs", "an array of output names");
  if (outs.empty())
    fail("/outputs", "a model needs at least one output");
  SmallVector<Value> results;
  SmallVector<Attribute> resultAttrs;
  llvm::StringSet<> seen;
  for (size_t i = 0; i < outs.size(); ++i) {
    std::string ptr = JsonDocument::child("/outputs", i);
    std::string name = getString(outs[i], ptr);
    if (!StringRef(name).contains('.') && !names.count(name))
      fail(ptr, "unknown output '" + quoteForMessage(name) +
                    "' (not a graph input, parameter or node)");
    Ref ref;
    ref.name = name;
    ref.pointer = ptr;
    resolveRef(ref, -1, {});
    if (!seen.insert(name).second)
      fail(ptr, "output '" + quoteForMessage(name) + "' is listed twice");
    results.push_back(refValue(ref));
    resultAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr("credo.name", builder.getStringAttr(name))));
  }
  // Spike trains and potentials: those listed are marked, the others added
  // after them.
  std::vector<std::string> series = drawnSeries();
  // A series is [steps, ...]; its second dimension is the batch's when the
  // model has a batch and the dimension has the batch's size.
  auto seriesAttrs = [&](const std::string &name, Value v, bool drawnOnly) {
    auto type = cast<RankedTensorType>(v.getType());
    bool batched =
        usesBatch && type.getRank() >= 2 && type.getDimSize(1) == batch;
    StringRef node = StringRef(name).split('.').second.split('.').first;
    bool potential = StringRef(name).ends_with(".v.all");
    // Pictures draw the populations in the graph's order, whatever order
    // the outputs list them in.
    int64_t order = llvm::find(series, name) - series.begin();
    SmallVector<NamedAttribute> attrs = {
        builder.getNamedAttr("credo.name", builder.getStringAttr(name)),
        builder.getNamedAttr(potential ? "credo.potential"
                                       : "credo.spike_train",
                             builder.getBoolAttr(batched)),
        builder.getNamedAttr("credo.drawn_order",
                             builder.getI64IntegerAttr(order))};
    if (potential)
      forward.walk([&](mlir::credo::LifOp lif) {
        if (mlir::credo::nodeOf(lif) != node)
          return WalkResult::advance();
        attrs.push_back(builder.getNamedAttr(
            "credo.threshold",
            builder.getF64FloatAttr(lif.getThreshold().convertToDouble())));
        return WalkResult::interrupt();
      });
    if (drawnOnly)
      attrs.push_back(
          builder.getNamedAttr("credo.drawn_only", builder.getUnitAttr()));
    return builder.getDictionaryAttr(attrs);
  };
  for (size_t i = 0; i < outs.size(); ++i) {
    std::string name = outs[i].get<std::string>();
    if (llvm::is_contained(series, name))
      resultAttrs[i] = seriesAttrs(name, results[i], false);
  }
  for (const std::string &name : series) {
    if (!seen.insert(name).second)
      continue;
    Ref ref;
    ref.name = name;
    ref.pointer = "/outputs";
    resolveRef(ref, -1, {});
    results.push_back(refValue(ref));
    resultAttrs.push_back(seriesAttrs(name, results.back(), true));
  }
  builder.setInsertionPointToEnd(&forward.getBody().front());
  // The results' copies are "/outputs" in profiles.
  builder.create<func::ReturnOp>(pointerLoc("/outputs"), results);
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  forward.setFunctionType(builder.getFunctionType(inputTypes, resultTypes));
  forward.setAllResultAttrs(resultAttrs);
}

void Importer::importTraining(const json &root) {
  auto it = root.find("training");
  if (it == root.end())
    return;
  const json &t = *it;
  const std::string ptr = "/training";
  expect(t, t.is_object(), ptr, "a training object");
  checkKeys(t, ptr,
            {"rule", "loss", "optimizer", "schedule", "batch_size", "epochs",
             "dataset", "seed", "doc", "updates", "constants", "dendritic",
             "settle_epochs", "coagent", "environment", "metric"});
  auto child = [&](const char *k) { return JsonDocument::child(ptr, k); };
  SmallVector<NamedAttribute> attrs;
  std::string rule = parseTrainingRule(t, ptr);
  attrs.push_back(builder.getNamedAttr("rule", builder.getStringAttr(rule)));
  parseLocalRule(t, ptr, rule, attrs);
  parseDendritic(t, ptr, rule, attrs);
  parseCoagent(t, ptr, rule, attrs);
  if (t.contains("settle_epochs")) {
    int64_t n = getInt(t["settle_epochs"], child("settle_epochs"));
    if (n < 0)
      fail(child("settle_epochs"), "settle_epochs must be 0 or more");
    if (n > 0 && !lookupTrainingRule(rule)->settles) {
      std::string settling;
      for (const std::string &r : trainingRuleNames())
        if (lookupTrainingRule(r)->settles)
          settling += (settling.empty() ? "'" : ", '") + r + "'";
      fail(child("settle_epochs"),
           "settle_epochs is " + std::to_string(n) + ", but the rule '" +
               quoteForMessage(rule) +
               "' has no unsupervised phase to settle with (rules with one: " +
               settling + "); leave settle_epochs out");
    }
    attrs.push_back(
        builder.getNamedAttr("settle_epochs", builder.getI64IntegerAttr(n)));
  }
  // A coagent network learns from rewards, not from a loss node.
  if (rule != "coagent" || t.contains("loss"))
    attrs.push_back(builder.getNamedAttr(
        "loss", builder.getStringAttr(parseTrainingLoss(t, ptr))));
  auto positiveInt = [&](const char *key, int64_t def) {
    int64_t v = def;
    if (t.contains(key)) {
      v = getInt(t[key], child(key));
      if (v <= 0)
        fail(child(key), std::string(key) + " must be positive, but got " +
                             std::to_string(v));
    }
    attrs.push_back(builder.getNamedAttr(key, builder.getI64IntegerAttr(v)));
  };
  positiveInt("batch_size", batch);
  positiveInt("epochs", 1);
  if (t.contains("seed")) {
    int64_t s = getInt(t["seed"], child("seed"));
    if (s < 0)
      fail(child("seed"), "seed must be non-negative");
    attrs.push_back(builder.getNamedAttr("seed", builder.getI64IntegerAttr(s)));
  }

  OptimizerAttr optimizer =
      parseOptimizer(member(t, ptr, "optimizer"), child("optimizer"));
  attrs.push_back(builder.getNamedAttr("optimizer", optimizer));
  if (t.contains("schedule"))
    attrs.push_back(builder.getNamedAttr(
        "schedule", parseSchedule(t["schedule"], child("schedule"),
                                  optimizer.getLr().getValueAsDouble())));
  if (t.contains("dataset") && t.contains("environment"))
    fail(child("dataset"), "a model that learns in an environment takes no "
                           "dataset (give either \"environment\" or "
                           "\"dataset\")");
  // A run in an environment counts episodes of one step at a time: the
  // data set's epochs and batches would be silently unused.
  for (const char *key : {"epochs", "batch_size"})
    if (t.contains(key) && t.contains("environment"))
      fail(child(key), std::string(key) +
                           " belongs to training on a data set; a model that "
                           "learns in an environment takes \"episodes\" in "
                           "its \"environment\"");
  // Nor does a run in an environment have epochs to schedule or a test
  // split to score.
  if (t.contains("environment") && t.contains("schedule"))
    fail(child("schedule"),
         "a schedule changes the learning rate from epoch to epoch, but a "
         "model that learns in an environment has episodes, not epochs; give "
         "the rate in \"optimizer\" and leave \"schedule\" out");
  if (t.contains("environment") && t.contains("metric"))
    fail(child("metric"),
         "a metric scores a data set's test split, but a model that learns "
         "in an environment is scored by its returns; leave \"metric\" out");
  if (t.contains("dataset"))
    attrs.push_back(builder.getNamedAttr(
        "dataset", parseDataset(t["dataset"], child("dataset"))));
  if (t.contains("metric"))
    attrs.push_back(builder.getNamedAttr(
        "metric", parseMetric(t["metric"], child("metric"))));
  module->setAttr("credo.training", trainingAttr(attrs));
}

TrainingAttr Importer::trainingAttr(ArrayRef<NamedAttribute> attrs) {
  StringRef rule = "backprop", loss;
  OptimizerAttr optimizer;
  int64_t batchSize = 0, epochs = 1, settleEpochs = 0;
  uint64_t seed = 0;
  DictionaryAttr schedule, dataset, environment, metric;
  SmallVector<NamedAttribute> options; // the rule's own section
  for (NamedAttribute a : attrs) {
    StringRef key = a.getName().getValue();
    Attribute v = a.getValue();
    auto integer = [&] { return cast<IntegerAttr>(v).getInt(); };
    if (key == "rule")
      rule = cast<StringAttr>(v).getValue();
    else if (key == "loss")
      loss = cast<StringAttr>(v).getValue();
    else if (key == "optimizer")
      optimizer = cast<OptimizerAttr>(v);
    else if (key == "batch_size")
      batchSize = integer();
    else if (key == "epochs")
      epochs = integer();
    else if (key == "seed")
      seed = uint64_t(integer());
    else if (key == "settle_epochs")
      settleEpochs = integer();
    else if (key == "schedule")
      schedule = cast<DictionaryAttr>(v);
    else if (key == "dataset")
      dataset = cast<DictionaryAttr>(v);
    else if (key == "environment")
      environment = cast<DictionaryAttr>(v);
    else if (key == "metric")
      metric = cast<DictionaryAttr>(v);
    else
      options.push_back(a);
  }
  return TrainingAttr::get(
      builder.getContext(), rule, loss, optimizer, batchSize, epochs, seed,
      settleEpochs, schedule, dataset, environment, metric,
      options.empty() ? DictionaryAttr() : builder.getDictionaryAttr(options));
}

void Importer::parseLocalRule(const json &t, const std::string &ptr,
                              const std::string &rule,
                              SmallVectorImpl<NamedAttribute> &attrs) {
  auto child = [&](const char *k) { return JsonDocument::child(ptr, k); };
  if (rule != "local") {
    for (const char *key : {"updates", "constants"})
      if (t.contains(key))
        fail(child(key), std::string("'") + key +
                             "' belongs to the rule 'local' (written "
                             "updates), but the rule is '" +
                             quoteForMessage(rule) + "'");
    return;
  }
  if (!t.contains("updates"))
    fail(ptr, "the rule 'local' needs \"updates\": an object mapping each "
              "trained parameter to its update expression");
  const std::string updatesPtr = child("updates");
  const json &updates = t["updates"];
  expect(updates, updates.is_object(), updatesPtr,
         "an object mapping parameters to update expressions");
  if (updates.empty())
    fail(updatesPtr, "\"updates\" is empty: give at least one parameter and "
                     "its update expression");
  SmallVector<NamedAttribute> entries;
  for (auto &[name, expr] : updates.items()) {
    std::string p = JsonDocument::child(updatesPtr, name);
    auto it = names.find(name);
    if (it == names.end() || it->second.kind != Entity::Param)
      fail(p, "no parameter named '" + quoteForMessage(name) +
                  "' (the keys of \"updates\" are the parameters the rule "
                  "trains)");
    std::string text = getString(expr, p);
    // The rule's errors point at the file column of their character; with
    // escapes the string's bytes are not the file's, so they point at the
    // string (and name the column within the expression).
    Location where = doc.hasEscapes(p) ? pointerLoc(p) : locAt(p);
    entries.push_back(builder.getNamedAttr(
        name, builder.getDictionaryAttr(
                  {builder.getNamedAttr("expr", builder.getStringAttr(text)),
                   builder.getNamedAttr("loc", LocationAttr(where))})));
  }
  attrs.push_back(
      builder.getNamedAttr("updates", builder.getDictionaryAttr(entries)));
  if (!t.contains("constants"))
    return;
  const std::string constantsPtr = child("constants");
  const json &constants = t["constants"];
  expect(constants, constants.is_object(), constantsPtr,
         "an object of named numbers");
  SmallVector<NamedAttribute> values;
  for (auto &[name, value] : constants.items()) {
    std::string p = JsonDocument::child(constantsPtr, name);
    bool identifier = !name.empty() && !std::isdigit(name[0]);
    for (char c : name)
      identifier &= std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    if (!identifier)
      fail(p, "a constant's name must be an identifier (letters, digits, "
              "'_'), but got '" +
                  quoteForMessage(name) + "'");
    if (names.count(name))
      fail(p, "the constant '" + name +
                  "' has the name of a value of the "
                  "graph");
    for (const char *builtin : {"pre", "post", "drive", "w", "error"})
      if (name == builtin)
        fail(p, "the constant '" + name +
                    "' has the name of a quantity the rules define (pre, "
                    "post, drive, w, error)");
    values.push_back(builder.getNamedAttr(
        name, builder.getF64FloatAttr(getNumber(value, p))));
  }
  attrs.push_back(
      builder.getNamedAttr("constants", builder.getDictionaryAttr(values)));
}

void Importer::parseDendritic(const json &t, const std::string &ptr,
                              const std::string &rule,
                              SmallVectorImpl<NamedAttribute> &attrs) {
  if (!t.contains("dendritic"))
    return;
  const std::string p = JsonDocument::child(ptr, "dendritic");
  if (rule != "dendritic")
    fail(p, "'dendritic' belongs to the rule 'dendritic', but the rule is '" +
                quoteForMessage(rule) + "'");
  const json &d = t["dendritic"];
  expect(d, d.is_object(), p, "an object of dendritic settings");
  checkKeys(d, p,
            {"g_lk",       "g_b",      "g_a",      "g_d",          "g_som",
             "iterations", "settling", "feedback", "target_high",  "target_low",
             "lr_pp",      "lr_ip",    "lr_pi",    "steady_state", "output",
             "target",     "duration", "dt",       "tau_0",        "tau_w"});
  for (const char *key : {"output", "target"})
    if (d.contains(key)) {
      std::string name = getString(d[key], JsonDocument::child(p, key));
      auto it = names.find(name);
      if (it == names.end())
        fail(JsonDocument::child(p, key),
             "no value named '" + quoteForMessage(name) + "'");
      // The output is a layer's value; the target may also be an input.
      if (it->second.kind == Entity::Param ||
          (StringRef(key) == "output" && it->second.kind != Entity::Node))
        fail(JsonDocument::child(p, key),
             "'" + quoteForMessage(name) + "' is " +
                 (it->second.kind == Entity::Param ? "a parameter"
                                                   : "an input") +
                 "; the " + key +
                 (StringRef(key) == "output"
                      ? " is the node of the output layer's potentials"
                      : " is the output's target potentials (a node or an "
                        "input)"));
    }
  SmallVector<NamedAttribute> values;
  for (const char *key : {"duration", "dt", "tau_0", "tau_w"})
    if (d.contains(key)) {
      double v = getNumber(d[key], JsonDocument::child(p, key));
      if (!(v > 0) || v > 1e6)
        fail(JsonDocument::child(p, key),
             std::string(key) + " must be a positive time of at most 1e6 ms (" +
                 "1,000 s), but got " + formatNumber(v));
      values.push_back(builder.getNamedAttr(key, builder.getF64FloatAttr(v)));
    }
  if (d.contains("dt") || d.contains("duration")) {
    double dt = d.contains("dt") ? d["dt"].get<double>() : 0.1;
    double duration =
        d.contains("duration") ? d["duration"].get<double>() : 100;
    if (dt > duration)
      fail(JsonDocument::child(p, d.contains("dt") ? "dt" : "duration"),
           "a pattern of " + formatNumber(duration) +
               " ms is shorter than one Euler step of " + formatNumber(dt) +
               " ms (dt must not exceed duration)");
    // The pattern is a time loop of duration / dt steps.
    if (duration / dt > double(kMaxDim))
      fail(JsonDocument::child(p, d.contains("dt") ? "dt" : "duration"),
           "a pattern of " + formatNumber(duration) + " ms in Euler steps of " +
               formatNumber(dt) + " ms would be " +
               formatNumber(std::round(duration / dt)) +
               " steps; a time loop has at most " + std::to_string(kMaxDim) +
               " (give a larger dt or a shorter duration)");
  }
  for (const char *key :
       {"g_lk", "g_b", "g_a", "g_d", "g_som", "lr_pp", "lr_ip", "lr_pi"})
    if (d.contains(key)) {
      double v = getNumber(d[key], JsonDocument::child(p, key));
      if (!(v >= 0))
        fail(JsonDocument::child(p, key),
             std::string(key) + " must be 0 or more");
      if (v == 0 && StringRef(key) == "g_som")
        fail(JsonDocument::child(p, key),
             "g_som is 0: the somata would never be nudged (the output "
             "towards its target, the interneurons towards the output), so "
             "no weight could learn from the labels");
      values.push_back(builder.getNamedAttr(key, builder.getF64FloatAttr(v)));
    }
  {
    // Each soma's potential is a conductance-weighted mean: the sums it
    // divides by must not be 0.
    const TrainingContract::DendriticConfig defaults;
    auto g = [&](const char *key, double fallback) {
      return d.contains(key) ? d[key].get<double>() : fallback;
    };
    double lk = g("g_lk", defaults.gLk), b = g("g_b", defaults.gB),
           dd = g("g_d", defaults.gD);
    for (auto [sum, what] :
         {std::pair(lk + b, "g_lk + g_b (a pyramidal soma's leak and basal "
                            "conductances)"),
          std::pair(lk + dd, "g_lk + g_d (an interneuron soma's leak and "
                             "dendritic conductances)")})
      if (!(sum > 0))
        fail(p, std::string(what) +
                    " is 0: a soma's potential is a mean weighted by its "
                    "conductances, so one of the two must be positive");
  }
  for (const char *key : {"target_high", "target_low"})
    if (d.contains(key))
      values.push_back(
          builder.getNamedAttr(key, builder.getF64FloatAttr(getNumber(
                                        d[key], JsonDocument::child(p, key)))));
  {
    // The label's potential above the others': inverted, the output would
    // be nudged away from the label.
    const TrainingContract::DendriticConfig defaults;
    double high = d.contains("target_high") ? d["target_high"].get<double>()
                                            : defaults.targetHigh;
    double low = d.contains("target_low") ? d["target_low"].get<double>()
                                          : defaults.targetLow;
    if (!(high > low))
      fail(JsonDocument::child(p, d.contains("target_high") ? "target_high"
                                                            : "target_low"),
           "target_high (" + formatNumber(high) +
               ", the label's target potential) must be above target_low (" +
               formatNumber(low) + ", the other outputs')");
  }
  if (d.contains("iterations")) {
    int64_t n = getInt(d["iterations"], JsonDocument::child(p, "iterations"));
    if (n < 1 || n > 100000)
      fail(JsonDocument::child(p, "iterations"),
           "iterations must be in [1, 100000]");
    values.push_back(
        builder.getNamedAttr("iterations", builder.getI64IntegerAttr(n)));
  }
  if (d.contains("settling")) {
    std::string how =
        getString(d["settling"], JsonDocument::child(p, "settling"));
    if (how != "iterate" && how != "sweep")
      fail(JsonDocument::child(p, "settling"),
           "settling must be \"iterate\" (fixed-point iterations) or "
           "\"sweep\" (one top-down pass from the feed-forward potentials), "
           "but got '" +
               quoteForMessage(how) + "'");
    if (how == "sweep" && d.contains("iterations"))
      fail(JsonDocument::child(p, "iterations"),
           "iterations counts the fixed-point steps of settling \"iterate\"; "
           "settling \"sweep\" takes none");
    values.push_back(
        builder.getNamedAttr("settling", builder.getStringAttr(how)));
  }
  for (const char *key : {"output", "target"})
    if (d.contains(key))
      values.push_back(builder.getNamedAttr(
          key, builder.getStringAttr(d[key].get<std::string>())));
  if (d.contains("feedback")) {
    std::string f =
        getString(d["feedback"], JsonDocument::child(p, "feedback"));
    if (f != "random" && f != "transpose")
      fail(JsonDocument::child(p, "feedback"),
           "feedback must be \"random\" (fixed random B) or \"transpose\" "
           "(B = the next layer's weight, transposed), but got '" +
               quoteForMessage(f) + "'");
    values.push_back(
        builder.getNamedAttr("feedback", builder.getStringAttr(f)));
  }
  if (d.contains("steady_state")) {
    const json &s = d["steady_state"];
    expect(s, s.is_boolean(), JsonDocument::child(p, "steady_state"),
           "true or false");
    values.push_back(builder.getNamedAttr("steady_state",
                                          builder.getBoolAttr(s.get<bool>())));
  }
  // The times of the Euler steps and filters: the steady state has none.
  if (!d.contains("steady_state") || d["steady_state"].get<bool>())
    for (const char *key : {"duration", "dt", "tau_0", "tau_w"})
      if (d.contains(key))
        fail(JsonDocument::child(p, key),
             std::string(key) +
                 " is a time of the full dynamics (\"steady_state\": false); "
                 "the steady state (the default) takes none");
  attrs.push_back(
      builder.getNamedAttr("dendritic", builder.getDictionaryAttr(values)));
}

void Importer::parseCoagent(const json &t, const std::string &ptr,
                            const std::string &rule,
                            SmallVectorImpl<NamedAttribute> &attrs) {
  auto child = [&](const char *k) { return JsonDocument::child(ptr, k); };
  if (rule == "coagent" && !t.contains("coagent"))
    fail(ptr, "the rule 'coagent' needs \"coagent\": {\"critic\": NODE} "
              "(the TD error of a critic) or {\"signal\": \"return\"} "
              "(REINFORCE)");
  if (t.contains("coagent")) {
    const std::string p = child("coagent");
    if (rule != "coagent")
      fail(p, "'coagent' belongs to the rule 'coagent', but the rule is '" +
                  quoteForMessage(rule) + "'");
    const json &d = t["coagent"];
    expect(d, d.is_object(), p, "an object of coagent settings");
    checkKeys(d, p, {"signal", "critic", "critic_lr", "gamma"});
    SmallVector<NamedAttribute> values;
    if (d.contains("signal")) {
      std::string s = getString(d["signal"], JsonDocument::child(p, "signal"));
      if (s != "td" && s != "return")
        fail(JsonDocument::child(p, "signal"),
             "signal must be \"td\" (the critic's TD error) or \"return\" "
             "(REINFORCE), but got '" +
                 quoteForMessage(s) + "'");
      values.push_back(
          builder.getNamedAttr("signal", builder.getStringAttr(s)));
    }
    if (d.contains("critic")) {
      std::string c = getString(d["critic"], JsonDocument::child(p, "critic"));
      auto it = names.find(c);
      if (it == names.end() || it->second.kind != Entity::Node)
        fail(JsonDocument::child(p, "critic"),
             "the critic '" + quoteForMessage(c) + "' is not a node");
      const NodeInfo &critic = nodes[it->second.index];
      if (!critic.spec || StringRef(critic.spec->name) != "dense")
        fail(JsonDocument::child(p, "critic"),
             "the critic '" + c + "' is a '" +
                 (critic.spec ? critic.spec->name : "time_loop") +
                 "' node; it must be a dense node with one output (linear, "
                 "or tabular on one-hot states)");
      values.push_back(
          builder.getNamedAttr("critic", builder.getStringAttr(c)));
    }
    for (const char *key : {"critic_lr", "gamma"})
      if (d.contains(key)) {
        double v = getNumber(d[key], JsonDocument::child(p, key));
        if (!(v >= 0) || (std::string(key) == "gamma" && v > 1))
          fail(JsonDocument::child(p, key),
               std::string(key) + (std::string(key) == "gamma"
                                       ? " must be in [0, 1]"
                                       : " must be 0 or more"));
        values.push_back(builder.getNamedAttr(key, builder.getF64FloatAttr(v)));
      }
    bool td = !d.contains("signal") || d["signal"].get<std::string>() == "td";
    // REINFORCE learns from the return alone: a critic would be silently
    // unused (never read, never trained).
    for (const char *key : {"critic", "critic_lr"})
      if (!td && d.contains(key))
        fail(JsonDocument::child(p, key),
             std::string(key) +
                 " belongs to the signal \"td\" (a critic's TD error); the "
                 "signal \"return\" (REINFORCE) uses no critic: leave \"" +
                 key + "\" out");
    if (td && !d.contains("critic"))
      fail(p, "the signal \"td\" (the default) needs a critic: \"critic\" "
              "names a dense node with one output; or use \"signal\": "
              "\"return\"");
    attrs.push_back(
        builder.getNamedAttr("coagent", builder.getDictionaryAttr(values)));
  }
  if (t.contains("environment")) {
    const std::string p = child("environment");
    const json &d = t["environment"];
    expect(d, d.is_object(), p, "an object naming an environment");
    checkKeys(d, p, {"name", "episodes", "max_steps", "report_last"});
    SmallVector<NamedAttribute> values;
    const std::string namePtr = JsonDocument::child(p, "name");
    const std::string name = getString(member(d, p, "name"), namePtr);
    SmallVector<StringRef> known;
    StringRef(CREDO_ENV_NAMES).split(known, ", ");
    if (!llvm::is_contained(known, name))
      fail(namePtr, "unknown environment '" + quoteForMessage(name) +
                        "' (built in: " CREDO_ENV_NAMES ")");
    values.push_back(builder.getNamedAttr("name", builder.getStringAttr(name)));
    for (const char *key : {"episodes", "max_steps", "report_last"})
      if (d.contains(key)) {
        int64_t v = getInt(d[key], JsonDocument::child(p, key));
        if (v < (std::string(key) == "max_steps" ? 0 : 1))
          fail(JsonDocument::child(p, key),
               std::string(key) + " must be " +
                   (std::string(key) == "max_steps" ? "0 (the environment's "
                                                      "own cap) or more"
                                                    : "positive"));
        values.push_back(
            builder.getNamedAttr(key, builder.getI64IntegerAttr(v)));
      }
    attrs.push_back(
        builder.getNamedAttr("environment", builder.getDictionaryAttr(values)));
  }
}

std::string Importer::parseTrainingRule(const json &t, const std::string &ptr) {
  auto child = [&](const char *k) { return JsonDocument::child(ptr, k); };
  std::string rule = "backprop";
  if (t.contains("rule"))
    rule = getString(t["rule"], child("rule"));
  if (!lookupTrainingRule(rule)) {
    std::string known;
    for (const std::string &r : trainingRuleNames())
      known += (known.empty() ? "" : ", ") + r;
    fail(child("rule"), "unknown training rule '" + quoteForMessage(rule) +
                            "' (known rules: " + known + ")");
  }

  return rule;
}

std::string Importer::parseTrainingLoss(const json &t, const std::string &ptr) {
  auto child = [&](const char *k) { return JsonDocument::child(ptr, k); };
  std::string loss = getString(member(t, ptr, "loss"), child("loss"));
  auto lossIt = values.find(loss);
  // A node, or one of its named results (NODE.v).
  auto nameIt = names.find(StringRef(loss).split('.').first);
  // LOOP.NODE (a loop's last step) is a value after the loop, but not a
  // node the training passes can find.
  if (nameIt != names.end() && nameIt->second.kind == Entity::Node &&
      !nodes[nameIt->second.index].spec && StringRef(loss).contains('.'))
    fail(child("loss"),
         "loss '" + quoteForMessage(loss) + "' is a result of time loop '" +
             nameIt->first().str() +
             "'; the loss is a scalar node outside time loops: read it in a "
             "node after the loop (for example {\"name\": \"loss\", \"op\": "
             "\"scale\", \"inputs\": [\"" +
             quoteForMessage(loss) +
             "\"], \"attributes\": {\"factor\": 1}}) and name that node");
  if (lossIt == values.end() || nameIt == names.end() ||
      nameIt->second.kind != Entity::Node)
    fail(child("loss"),
         "loss '" + quoteForMessage(loss) + "' is not a node of the graph");
  if (int loop = nodes[nameIt->second.index].parent; loop >= 0)
    fail(child("loss"), "loss '" + loss + "' is a node inside time loop '" +
                            nodes[loop].name +
                            "'; the loss is a scalar node outside time loops");
  // The training passes find the loss by its node: a named result other
  // than the node's own value is read in a node of its own.
  if (auto result = dyn_cast<OpResult>(lossIt->second);
      result && result.getResultNumber() > 0)
    fail(child("loss"),
         "loss '" + quoteForMessage(loss) + "' is a named result of node '" +
             nameIt->first().str() +
             "'; the loss is a node's own value: read it in a node (for "
             "example {\"name\": \"loss\", \"op\": \"scale\", \"inputs\": "
             "[\"" +
             loss +
             "\"], \"attributes\": {\"factor\": 1}}) and name that node");
  auto lossType = cast<RankedTensorType>(lossIt->second.getType());
  if (lossType.getRank() != 0)
    fail(child("loss"), "loss '" + quoteForMessage(loss) +
                            "' must be a scalar (rank 0), e.g. the result of "
                            "softmax_cross_entropy or mse");

  return loss;
}

/// metric: "accuracy" | "loss" | {"kind": "accuracy"|"loss"|"mse"|"mean",
/// "output": OUTPUT, "target": INPUT, "labels": INPUT}
DictionaryAttr Importer::parseMetric(const json &m, const std::string &mPtr) {
  auto child = [&](const char *k) { return JsonDocument::child(mPtr, k); };
  std::string kind;
  if (m.is_string()) {
    kind = getString(m, mPtr);
  } else {
    expect(m, m.is_object(), mPtr, "a metric name or object");
    kind = getString(member(m, mPtr, "kind"), child("kind"));
  }
  const char *kinds = "accuracy, loss, mse or mean";
  if (kind != "accuracy" && kind != "loss" && kind != "mse" && kind != "mean")
    fail(m.is_string() ? mPtr : child("kind"),
         "unknown metric '" + quoteForMessage(kind) + "' (expected " + kinds +
             ")");
  SmallVector<NamedAttribute> attrs;
  attrs.push_back(builder.getNamedAttr("kind", builder.getStringAttr(kind)));
  if (m.is_string()) {
    if (kind == "mse" || kind == "mean")
      fail(mPtr,
           "metric '" + kind + "' needs an object naming its " +
               (kind == "mse" ? "\"output\" and \"target\"" : "\"output\"") +
               ", e.g. {\"kind\": \"" + kind + "\", \"output\": ...}");
    return builder.getDictionaryAttr(attrs);
  }
  std::vector<const char *> allowed = {"kind"};
  if (kind == "accuracy")
    allowed = {"kind", "output", "labels"};
  else if (kind == "mse")
    allowed = {"kind", "output", "target"};
  else if (kind == "mean")
    allowed = {"kind", "output"};
  checkKeys(m, mPtr, allowed);
  // The named output of the model and its type.
  auto output = [&](bool required) -> RankedTensorType {
    if (!m.contains("output") && !required)
      return {};
    std::string name = getString(member(m, mPtr, "output"), child("output"));
    for (unsigned i = 0; i < forward.getNumResults(); ++i)
      if (auto n = forward.getResultAttrOfType<StringAttr>(i, "credo.name");
          n && n.getValue() == name) {
        attrs.push_back(
            builder.getNamedAttr("output", builder.getStringAttr(name)));
        return cast<RankedTensorType>(forward.getResultTypes()[i]);
      }
    fail(child("output"), "'" + quoteForMessage(name) +
                              "' is not an output of the model (list it in "
                              "\"outputs\")");
  };
  auto input = [&](const char *key, bool required) -> RankedTensorType {
    if (!m.contains(key) && !required)
      return {};
    std::string name = getString(member(m, mPtr, key), child(key));
    auto at = llvm::find(inputNames, name);
    if (at == inputNames.end())
      fail(child(key), "'" + quoteForMessage(name) +
                           "' is not an input of the model (its inputs: " +
                           llvm::join(inputNames, ", ") + ")");
    attrs.push_back(builder.getNamedAttr(key, builder.getStringAttr(name)));
    return cast<RankedTensorType>(inputTypes[at - inputNames.begin()]);
  };
  auto text = [](Type t) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << t;
    return s;
  };
  if (kind == "accuracy") {
    RankedTensorType logits = output(false);
    RankedTensorType labels = input("labels", false);
    if (logits && logits.getRank() != 2)
      fail(child("output"), "accuracy compares the argmax of a [batch, "
                            "classes] output with the labels, but '" +
                                m["output"].get<std::string>() + "' is " +
                                text(logits));
    if (labels &&
        (labels.getRank() != 1 || !labels.getElementType().isInteger(32)))
      fail(child("labels"), "accuracy needs labels i32 [batch], but '" +
                                m["labels"].get<std::string>() + "' is " +
                                text(labels));
  } else if (kind == "mse") {
    RankedTensorType out = output(true), target = input("target", true);
    if (out.getShape() != target.getShape() ||
        !isa<FloatType>(out.getElementType()) ||
        out.getElementType() != target.getElementType())
      fail(mPtr, "mse compares output '" + m["output"].get<std::string>() +
                     "' (" + text(out) + ") with input '" +
                     m["target"].get<std::string>() + "' (" + text(target) +
                     "): they need the same float type and shape");
  } else if (kind == "mean") {
    RankedTensorType out = output(true);
    if (out.getRank() != 0 || !isa<FloatType>(out.getElementType()))
      fail(child("output"), "metric 'mean' averages a scalar output over the "
                            "test set, but '" +
                                m["output"].get<std::string>() + "' is " +
                                text(out));
  }
  return builder.getDictionaryAttr(attrs);
}

/// optimizer: {"type": "sgd"|"adam", hyper-parameters...}
OptimizerAttr Importer::parseOptimizer(const json &opt,
                                       const std::string &optPtr) {
  expect(opt, opt.is_object(), optPtr, "an optimizer object");
  std::string type = getString(member(opt, optPtr, "type"),
                               JsonDocument::child(optPtr, "type"));
  SmallVector<NamedAttribute> optAttrs;
  optAttrs.push_back(builder.getNamedAttr("type", builder.getStringAttr(type)));
  /// A hyper-parameter with its default and its range (min, max) where
  /// the lower end is open when `minOpen` and the upper end is open.
  struct Hyper {
    const char *key;
    double def, min, max;
    bool minOpen;
  };
  constexpr double kNoMax = 1e6;
  std::vector<Hyper> hypers;
  if (type == "sgd")
    hypers = {{"lr", 0.01, 0, kNoMax, true},
              {"momentum", 0, 0, 1, false},
              {"weight_decay", 0, 0, kNoMax, false}};
  else if (type == "adam")
    hypers = {{"lr", 0.001, 0, kNoMax, true},
              {"beta1", 0.9, 0, 1, false},
              {"beta2", 0.999, 0, 1, false},
              {"eps", 1e-8, 0, 1, true},
              {"weight_decay", 0, 0, kNoMax, false}};
  else
    fail(JsonDocument::child(optPtr, "type"), "unknown optimizer '" +
                                                  quoteForMessage(type) +
                                                  "' (expected sgd or adam)");
  std::vector<const char *> allowed = {"type"};
  for (const Hyper &h : hypers)
    allowed.push_back(h.key);
  checkKeys(opt, optPtr, allowed);
  for (const Hyper &h : hypers) {
    double v = h.def;
    std::string p = JsonDocument::child(optPtr, h.key);
    if (opt.contains(h.key))
      v = getNumber(opt[h.key], p);
    if (!((h.minOpen ? v > h.min : v >= h.min) && v < h.max))
      fail(p, std::string(h.key) + " must be in " + (h.minOpen ? "(" : "[") +
                  formatNumber(h.min) + ", " + formatNumber(h.max) +
                  "), but got " + formatNumber(v));
    if (StringRef(h.key) == "lr" && v < 1.1754943508222875e-38)
      fail(p, "lr " + formatNumber(v) +
                  " is below the smallest normal f32 (1.17549e-38), and "
                  "generated code flushes subnormals to zero: training "
                  "would not move");
    optAttrs.push_back(builder.getNamedAttr(h.key, builder.getF64FloatAttr(v)));
  }
  DictionaryAttr values = builder.getDictionaryAttr(optAttrs);
  auto value = [&](StringRef key) { return values.getAs<FloatAttr>(key); };
  return OptimizerAttr::get(builder.getContext(), type, value("lr"),
                            value("momentum"), value("weight_decay"),
                            value("beta1"), value("beta2"), value("eps"));
}

/// schedule: {"type": "constant"|"step"|"cosine", ...}
DictionaryAttr Importer::parseSchedule(const json &s, const std::string &sPtr,
                                       double lr) {
  expect(s, s.is_object(), sPtr, "a schedule object");
  std::string st =
      getString(member(s, sPtr, "type"), JsonDocument::child(sPtr, "type"));
  SmallVector<NamedAttribute> sAttrs;
  sAttrs.push_back(builder.getNamedAttr("type", builder.getStringAttr(st)));
  if (st == "constant") {
    checkKeys(s, sPtr, {"type"});
  } else if (st == "step") {
    checkKeys(s, sPtr, {"type", "step_epochs", "gamma"});
    int64_t step = getInt(member(s, sPtr, "step_epochs"),
                          JsonDocument::child(sPtr, "step_epochs"));
    if (step <= 0)
      fail(JsonDocument::child(sPtr, "step_epochs"),
           "step_epochs must be positive");
    double gamma =
        getNumber(member(s, sPtr, "gamma"), JsonDocument::child(sPtr, "gamma"));
    if (!(gamma > 0 && gamma <= 1))
      fail(JsonDocument::child(sPtr, "gamma"), "gamma must be in (0, 1]");
    sAttrs.push_back(
        builder.getNamedAttr("step_epochs", builder.getI64IntegerAttr(step)));
    sAttrs.push_back(
        builder.getNamedAttr("gamma", builder.getF64FloatAttr(gamma)));
  } else if (st == "cosine") {
    checkKeys(s, sPtr, {"type", "min_lr"});
    double minLr = 0;
    if (s.contains("min_lr"))
      minLr = getNumber(s["min_lr"], JsonDocument::child(sPtr, "min_lr"));
    if (!(minLr >= 0 && minLr <= lr))
      fail(JsonDocument::child(sPtr, "min_lr"),
           "min_lr must be in [0, lr] (the optimizer's lr is " +
               formatNumber(lr) + "), but got " + formatNumber(minLr));
    sAttrs.push_back(
        builder.getNamedAttr("min_lr", builder.getF64FloatAttr(minLr)));
  } else {
    fail(JsonDocument::child(sPtr, "type"),
         "unknown schedule '" + quoteForMessage(st) +
             "' (expected constant, step or cosine)");
  }
  return builder.getDictionaryAttr(sAttrs);
}

/// dataset: {"name": "fashion-mnist", "path": optional directory}
DictionaryAttr Importer::parseDataset(const json &d, const std::string &dPtr) {
  expect(d, d.is_object(), dPtr, "a dataset object");
  std::string dn =
      getString(member(d, dPtr, "name"), JsonDocument::child(dPtr, "name"));
  static const char *kArrays[] = {"train_x", "train_labels", "test_x",
                                  "test_labels"};
  if (dn == "npy")
    checkKeys(d, dPtr,
              {"name", "path", kArrays[0], kArrays[1], kArrays[2], kArrays[3],
               "train", "test"});
  else if (dn == "npz")
    checkKeys(d, dPtr,
              {"name", "path", "file", kArrays[0], kArrays[1], kArrays[2],
               kArrays[3], "train", "test"});
  else if (dn == "csv")
    checkKeys(d, dPtr,
              {"name", "path", "file", "label_column", "scale", "test_fraction",
               "split_seed"});
  else if (dn == "gaussian")
    checkKeys(d, dPtr, {"name", "train_samples", "test_samples", "seed"});
  else
    checkKeys(d, dPtr, {"name", "path"});
  if (dn != "fashion-mnist" && dn != "mnist" && dn != "npy" && dn != "npz" &&
      dn != "csv" && dn != "gaussian")
    fail(JsonDocument::child(dPtr, "name"),
         "unknown dataset '" + quoteForMessage(dn) +
             "' (expected fashion-mnist, mnist, npy, npz, csv or gaussian)");
  SmallVector<NamedAttribute> dAttrs;
  dAttrs.push_back(builder.getNamedAttr("name", builder.getStringAttr(dn)));
  const bool mapped = (dn == "npy" || dn == "npz") &&
                      (d.contains("train") || d.contains("test"));
  if (mapped) {
    // One array per model input, for each split.
    for (const char *key : kArrays)
      if (d.contains(key))
        fail(JsonDocument::child(dPtr, key),
             std::string("'") + key +
                 "' and the \"train\"/\"test\" maps exclude each other "
                 "(map every input in \"train\" and \"test\")");
    for (const char *split : {"train", "test"}) {
      std::string sPtr = JsonDocument::child(dPtr, split);
      const json &m = member(d, dPtr, split);
      expect(m, m.is_object(), sPtr,
             "an object mapping each input of the model to an array");
      SmallVector<NamedAttribute> arrays;
      for (auto it = m.begin(); it != m.end(); ++it) {
        std::string kPtr = JsonDocument::child(sPtr, it.key());
        if (!llvm::is_contained(inputNames, it.key()))
          fail(kPtr, "'" + quoteForMessage(it.key()) +
                         "' is not an input of the model (its inputs: " +
                         llvm::join(inputNames, ", ") + ")");
        arrays.push_back(builder.getNamedAttr(
            it.key(), builder.getStringAttr(getString(*it, kPtr))));
      }
      for (const std::string &input : inputNames)
        if (!m.contains(input))
          fail(sPtr, std::string("\"") + split + "\" maps no array to input '" +
                         input + "'; every input of the model needs one");
      dAttrs.push_back(
          builder.getNamedAttr(split, builder.getDictionaryAttr(arrays)));
    }
  }
  if ((dn == "npy" || dn == "npz") && !mapped) {
    // Samples are required; labels come both or neither (a model without
    // a label input trains on samples alone).
    if (d.contains(kArrays[1]) != d.contains(kArrays[3]))
      fail(dPtr, std::string("give both '") + kArrays[1] + "' and '" +
                     kArrays[3] + "', or neither (for a model without labels)");
    for (const char *key : kArrays)
      if (key == kArrays[0] || key == kArrays[2] || d.contains(key))
        dAttrs.push_back(builder.getNamedAttr(
            key, builder.getStringAttr(getString(
                     member(d, dPtr, key), JsonDocument::child(dPtr, key)))));
  }
  if (dn == "gaussian")
    for (const char *key : {"train_samples", "test_samples", "seed"}) {
      if (!d.contains(key) && std::string(key) == "seed")
        continue;
      std::string p = JsonDocument::child(dPtr, key);
      int64_t v = getInt(member(d, dPtr, key), p);
      if (v < (std::string(key) == "seed" ? 0 : 1) || v > kMaxElements)
        fail(p, std::string(key) + " must be " +
                    (std::string(key) == "seed" ? "non-negative"
                                                : "a positive count"));
      dAttrs.push_back(builder.getNamedAttr(key, builder.getI64IntegerAttr(v)));
    }
  if (dn == "csv" || dn == "npz") {
    dAttrs.push_back(builder.getNamedAttr(
        "file",
        builder.getStringAttr(getString(member(d, dPtr, "file"),
                                        JsonDocument::child(dPtr, "file")))));
    if (d.contains("label_column")) {
      std::string p = JsonDocument::child(dPtr, "label_column");
      int64_t c = getInt(d["label_column"], p);
      if (c < -1 || c > kMaxDim)
        fail(p, "label_column must be a column index or -1 (the last), but "
                "got " +
                    std::to_string(c));
      dAttrs.push_back(
          builder.getNamedAttr("label_column", builder.getI64IntegerAttr(c)));
    }
    if (d.contains("scale")) {
      std::string p = JsonDocument::child(dPtr, "scale");
      double s = getNumber(d["scale"], p);
      if (!std::isfinite(s) || s == 0)
        fail(p, "scale must be a finite non-zero number");
      dAttrs.push_back(
          builder.getNamedAttr("scale", builder.getF64FloatAttr(s)));
    }
    if (d.contains("test_fraction")) {
      std::string p = JsonDocument::child(dPtr, "test_fraction");
      double f = getNumber(d["test_fraction"], p);
      if (!(f > 0 && f < 1))
        fail(p, "test_fraction must be in (0, 1), but got " + formatNumber(f));
      dAttrs.push_back(
          builder.getNamedAttr("test_fraction", builder.getF64FloatAttr(f)));
    }
    if (d.contains("split_seed")) {
      std::string p = JsonDocument::child(dPtr, "split_seed");
      int64_t s = getInt(d["split_seed"], p);
      if (s < 0)
        fail(p, "split_seed must be non-negative");
      dAttrs.push_back(
          builder.getNamedAttr("split_seed", builder.getI64IntegerAttr(s)));
    }
  }
  if (d.contains("path"))
    dAttrs.push_back(builder.getNamedAttr(
        "path", builder.getStringAttr(
                    getString(d["path"], JsonDocument::child(dPtr, "path")))));
  return builder.getDictionaryAttr(dAttrs);
}

OwningOpRef<ModuleOp> Importer::run(StringRef buffer) {
  std::string text = buffer.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    emitError(FileLineColLoc::get(&ctx, filename, 1, 1))
        << "empty file: expected a JSON model object";
    return nullptr;
  }
  std::string message;
  size_t offset = 0;
  if (!doc.parse(text, message, offset)) {
    auto [line, col] = doc.lineCol(offset);
    emitError(FileLineColLoc::get(&ctx, filename, line, col)) << message;
    return nullptr;
  }
  const json &root = doc.root();
  OwningOpRef<ModuleOp> owned;
  try {
    expect(root, root.is_object(), "", "a JSON object describing a model");
    checkKeys(root, "",
              {"format_version", "name", "doc", "inputs", "parameters", "nodes",
               "outputs", "training", "seed"});
    int64_t version =
        getInt(member(root, "", "format_version"), "/format_version");
    if (version > kGraphFormatVersion)
      fail("/format_version", "format version " + std::to_string(version) +
                                  " is newer than this Credo supports (" +
                                  std::to_string(kGraphFormatVersion) +
                                  "); upgrade Credo");
    if (version < 1)
      fail("/format_version",
           "format version must be >= 1, but got " + std::to_string(version));
    formatVersion = version;
    std::string name = getString(member(root, "", "name"), "/name");
    if (std::string why = modelNameProblem(name); !why.empty())
      fail("/name", why);
    batch = resolveBatch(root);
    if (auto it = root.find("seed"); it != root.end()) {
      int64_t s = getInt(*it, "/seed");
      if (s < 0)
        fail("/seed",
             "seed must be non-negative, but got " + std::to_string(s));
      seed = uint64_t(s);
    }

    owned = ModuleOp::create(locAt(""), StringRef(name));
    module = *owned;
    module->setAttr("credo.format_version",
                    builder.getI64IntegerAttr(kGraphFormatVersion));
    importInputs(root);
    importParams(root);
    collectNodes(member(root, "", "nodes"), "/nodes", -1);
    resolveAll(root);

    builder.setInsertionPointToEnd(module.getBody());
    forward = builder.create<func::FuncOp>(
        locAt("/nodes"), "forward", builder.getFunctionType(inputTypes, {}));
    Block *entry = forward.addEntryBlock();
    for (size_t i = 0; i < inputNames.size(); ++i) {
      values[inputNames[i]] = entry->getArgument(i);
      entry->getArgument(i).setLoc(nodeLoc(inputNames[i], inputPointers[i]));
      forward.setArgAttr(i, "credo.name", builder.getStringAttr(inputNames[i]));
    }
    builder.setInsertionPointToEnd(entry);
    emitScope(topNodes);
    // Node identity: every credo op a node became carries the node's name
    // (not the constants made for it, such as a delayed read's zeros).
    forward.walk([&](Operation *op) {
      auto loc = dyn_cast<NameLoc>(op->getLoc());
      if (!loc || !isa<CredoDialect>(op->getDialect()))
        return;
      auto it = names.find(loc.getName().getValue());
      if (it != names.end() && it->second.kind == Entity::Node)
        op->setAttr(CredoDialect::kNodeAttrName, loc.getName());
    });
    importOutputs(root);
    importTraining(root);
  } catch (const ImportFailure &) {
    return nullptr;
  } catch (const std::exception &e) {
    emitError(locAt("")) << "internal error while importing: " << e.what();
    return nullptr;
  }
  if (failed(mlir::verify(*owned)))
    return nullptr;
  if (options.fingerprints)
    *options.fingerprints = fingerprintGraph(root);
  return owned;
}

} // namespace

std::string modelNameProblem(StringRef name) {
  if (std::string why = nameProblem(name); !why.empty())
    return why;
  // A library's functions are NAME_create, NAME_forward, …: under the
  // runtime's prefix they could be its own (credo_model_load).
  if (name == "credo" || name.starts_with("credo_"))
    return "the model name '" + name.str() +
           "' is reserved: the runtime's C functions are named credo_*; "
           "choose another";
  return "";
}

OwningOpRef<ModuleOp> importGraph(StringRef buffer, StringRef filename,
                                  MLIRContext &context,
                                  const ImportOptions &options) {
  context.loadDialect<mlir::credo::CredoDialect, func::FuncDialect,
                      arith::ArithDialect>();
  Importer importer(context, filename, options);
  return importer.run(buffer);
}

} // namespace mlir::credo
