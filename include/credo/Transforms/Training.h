//===- Training.h - The training contract and learning rules ----*- C++ -*-===//
//
// The module attribute `credo.training` read in one place (TrainingContract),
// the registry of learning rules (each adds the passes that build
// @train_step), and the optimizer step that any rule can apply to the
// gradients or raw updates it computes. docs/rules.md explains how to add a
// rule.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TRANSFORMS_TRAINING_H
#define CREDO_TRANSFORMS_TRAINING_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

#include <string>
#include <vector>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::credo {

class ParamOp;

/// `credo.training.optimizer`.
struct OptimizerConfig {
  std::string type = "sgd"; ///< sgd | adam
  double lr = 0.01, momentum = 0, weightDecay = 0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

/// `credo.training.schedule`.
struct ScheduleConfig {
  std::string type = "constant"; ///< constant | step | cosine
  int64_t stepEpochs = 1;
  double gamma = 1, minLr = 0;
};

/// The training set-up of a model: the typed view of the module attribute
/// `credo.training` that the importer writes. Every pass and driver reads it
/// through `read`, so its keys and defaults live here once.
struct TrainingContract {
  std::string rule = "backprop"; ///< a registered TrainingRule
  std::string loss;              ///< the loss node
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  int64_t batchSize = 0; ///< 0: not given
  int64_t epochs = 1;
  uint64_t seed = 0;
  std::string dataset = "fashion-mnist", datasetPath;
  bool datasetGiven = false; ///< the section names a dataset
  /// dataset "npy": the four arrays (samples × the input's shape, f32;
  /// labels i32 or i64), relative to datasetPath when given.
  std::string trainX, trainLabels, testX, testLabels;
  /// dataset "npy"/"npz" with "train"/"test" maps: (model input, array)
  /// for every input of the model, in the model's input order.
  std::vector<std::pair<std::string, std::string>> trainArrays, testArrays;
  /// How the driver measures the model on the test set after each epoch:
  /// "accuracy" (argmax of `output` [batch, classes] against the labels
  /// input `labels`), "loss" (the mean of the scalar loss output), "mse"
  /// (the mean squared difference of `output` and the input `target`), or
  /// "mean" (the mean of the scalar output `output`). Empty kind: accuracy
  /// for a model with a label input, else loss.
  struct MetricConfig {
    std::string kind, output, target, labels;
  } metric;
  /// dataset "npz": the archive holding the four arrays (named by trainX…).
  /// dataset "csv": one table (relative to datasetPath when given) whose
  /// column labelColumn (-1: the last) holds class indices and whose other
  /// columns, times scale, are the samples; a seeded shuffle (splitSeed)
  /// puts testFraction of the rows in the test set.
  std::string dataFile;
  int64_t labelColumn = -1;
  double scale = 1.0, testFraction = 0.2;
  uint64_t splitSeed = 0;
  /// dataset "gaussian": samples of the input's shape drawn from N(0, 1)
  /// with a generator seeded by dataSeed (no labels).
  int64_t trainSamples = 0, testSamples = 0;
  uint64_t dataSeed = 0;
  /// rule "local": each trained parameter's update expression, where the
  /// graph file wrote it, and the named constants the expressions use.
  struct WrittenUpdate {
    std::string param, expr;
    LocationAttr loc;
  };
  std::vector<WrittenUpdate> updates;
  std::vector<std::pair<std::string, double>> constants;
  /// rule "dendritic" (docs/rules.md#dendritic): conductances, how the
  /// steady state settles, the top-down feedback,
  /// the output's target potentials and per-weight learning-rate factors.
  struct DendriticConfig {
    double gLk = 0.1, gB = 1.0, gA = 0.8, gD = 1.0, gSom = 0.8;
    int64_t iterations = 20;
    /// How the steady state is found: "iterate" (`iterations` fixed-point
    /// steps) or "sweep" (one bottom-up and one top-down pass).
    std::string settling = "iterate";
    std::string feedback = "random"; ///< random | transpose
    double targetHigh = 2.2, targetLow = -2.2;
    double lrPP = 1, lrIP = 1, lrPI = 1;
    /// The output layer (a node; default: what the loss reads) and the
    /// value holding its target potentials (default: one_hot of the
    /// loss's labels).
    std::string output, target;
    /// false: the full dynamics, `durationMs / dt` Euler steps per pattern
    /// with the input (tau0) and weight-update (tauW) low-pass filters, in
    /// ms.
    bool steadyState = true;
    double durationMs = 100, dt = 0.1, tau0 = 3, tauW = 30;
  } dendritic;
  /// rule "coagent" (docs/rules.md#coagent): the global signal, the
  /// critic node (signal "td"), its step size and the discount.
  struct CoagentConfig {
    std::string signal = "td"; ///< td | return
    std::string critic;
    double criticLr = 0.1, gamma = 1.0;
  } coagent;
  /// An environment to learn in instead of a data set (credoc train --env):
  /// a runtime environment's name, the episodes, the step cap (0: the
  /// environment's own) and the episodes the final mean return covers.
  struct EnvironmentConfig {
    std::string name;
    int64_t episodes = 1000, maxSteps = 0, reportLast = 100;
  } environment;
  /// Epochs of the rule's unsupervised phase (@settle_step) before
  /// training; --settle overrides.
  int64_t settleEpochs = 0;

  /// Reads `module`'s `credo.training`; nullopt if it has none. A value of
  /// the wrong kind is an error at the module.
  static FailureOr<std::optional<TrainingContract>> read(ModuleOp module);
};

/// What backpropagation through time keeps for the reverse sweep:
/// "store" (every step value it reads), "recompute" (the state entering
/// each step) or "checkpoint[:K]" (the state every K steps; K = the
/// divisor of the loop's steps nearest its square root when omitted).
struct TimeMemory {
  enum Kind { Store, Recompute, Checkpoint } kind = Store;
  /// Steps per segment for Checkpoint; 0 = chosen per loop.
  int64_t every = 0;
};
/// Parses a time-memory mode; nullopt if `text` is not one.
std::optional<TimeMemory> parseTimeMemory(StringRef text);
/// What every parser of a time-memory mode says it accepts.
inline constexpr const char *kTimeMemoryModes =
    "store, recompute or checkpoint[:K]";

/// What the driver passes on to a rule.
struct TrainingRuleOptions {
  /// Backpropagation through time (credo-autodiff's time-memory).
  std::string timeMemory = "store";
  /// Split Poisson spikes into majority and residual before autodiff
  /// (credo-spike-majority): for targets whose products skip zeros.
  bool spikeMajority = false;
};

/// A learning rule: a name (the graph format's `training.rule`) and the
/// passes that build `@train_step(inputs…, lr) -> (loss, new.NAME…)` for a
/// module that declares it. Drivers, checkpoints, libraries and backends
/// only ever see @train_step.
struct TrainingRule {
  std::string name;
  std::string summary;
  void (*addPasses)(OpPassManager &pm, const TrainingRuleOptions &options);
  /// Whether the passes also build `@settle_step`, an unsupervised phase
  /// run before training (the training section's settle_epochs).
  bool settles = false;
  /// Whether the rule backpropagates through time loops, the only use of
  /// TrainingRuleOptions::timeMemory (credoc's --time-memory).
  bool throughTime = false;
};

/// Registers a rule (a later registration of the same name replaces it).
void registerTrainingRule(const TrainingRule &rule);
/// The rule named `name`, or null.
const TrainingRule *lookupTrainingRule(StringRef name);
/// The names of the registered rules, sorted.
std::vector<std::string> trainingRuleNames();

/// The value of `param` in `func`: its first credo.get_param there, else a
/// new one at the top of the function.
Value readParam(OpBuilder &builder, func::FuncOp func, ParamOp param);

/// Rewrites the ops of `func` whose training form differs from their
/// evaluation form (credo.sparse_hyper) into their training form. Every
/// rule calls it on its copy of @forward before differentiating or building
/// @train_step; @forward keeps the evaluation form.
void expandTrainingForms(func::FuncOp func);

/// The fixed random feedback matrix `WEIGHT_feedback` of `type` for the
/// parameter `weight`, declared after the module's parameters on first use:
/// the weight's own random initializer (glorot_uniform if it has none),
/// seeded by `seed` and the matrix's name, so every rule that asks for it
/// (fa, dfa, dendritic) draws the same matrix. Fails with an error at `at`
/// when a parameter of that name exists and is not such a matrix of `type`.
FailureOr<ParamOp> declareFeedbackMatrix(ModuleOp module, ParamOp weight,
                                         RankedTensorType type, uint64_t seed,
                                         Location at);

/// Makes `fn` (a rule's @gradients, built at `b`'s insertion point) return
/// the contract every rule publishes: `loss`, then per parameter of the
/// module in declaration order its direction `grad.NAME` (gradient
/// convention: the optimizer steps against it; zeros where `directions`
/// has none, which credo-train-step leaves alone), then `state.NAME` for
/// each state parameter's next value in `states`.
void publishGradients(OpBuilder &b, ModuleOp module, func::FuncOp fn,
                      Value loss, const llvm::StringMap<Value> &directions,
                      ArrayRef<std::pair<std::string, Value>> states = {});

/// Makes `fn` return the step contract: `leading` (with their result
/// attribute dictionaries `leadingAttrs`), then per parameter of the module
/// in declaration order its next value, named `new.NAME`: `overrides[NAME]`
/// where given, else `next[i]`.
void returnNextParams(OpBuilder &b, ModuleOp module, func::FuncOp fn,
                      ValueRange leading, ArrayRef<Attribute> leadingAttrs,
                      ArrayRef<Value> next,
                      const llvm::StringMap<Value> &overrides = {});

/// One parameter's part in an optimizer step.
struct ParamUpdate {
  StringRef name;  ///< the parameter
  Value value;     ///< its current value
  Value direction; ///< its gradient, or the raw update
  RankedTensorType type;
};

/// Applies `optimizer` at the builder's insertion point in `func`: for each
/// parameter, its next value from its gradient (θ − lr·g for sgd) or, with
/// `rawUpdates`, from an update the rule computed itself (θ + lr·Δ, any
/// momentum or Adam state applied to −Δ). Declares the optimizer state the
/// optimizer needs as compiler-made parameters after the model's (zeros;
/// `NAME_velocity`, `NAME_adam_m`/`_adam_v`, `adam_step`) and reads them in
/// `func`. Returns the next value of every parameter of the module, state
/// included, in declaration order: generators (`#credo.init<generator>`)
/// advance by one draw (credo.generator_next), parameters nobody updates
/// keep their value. Fails with an error at the module.
FailureOr<SmallVector<Value>>
applyOptimizer(OpBuilder &builder, ModuleOp module, func::FuncOp func,
               const OptimizerConfig &optimizer, Value lr,
               ArrayRef<ParamUpdate> updates, bool rawUpdates = false);

} // namespace mlir::credo

#endif // CREDO_TRANSFORMS_TRAINING_H
