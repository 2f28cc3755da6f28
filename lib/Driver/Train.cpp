//===- Train.cpp - credoc train: compiled training on data -----*- C++ -*-===//
//
// Compiles @train_step (the rule's passes + the target's pipeline) and
// @forward, then trains on the training section's data (IDX, .npy/.npz with
// an array per input, CSV, Gaussian samples): seeded shuffling, full
// batches, a learning-rate schedule, the metric (accuracy, loss, mse, a mean
// output) after every epoch, a progress bar on a terminal (plain lines
// otherwise), metrics as JSON lines or CSV, and checkpoints that record
// where training stands (epoch and step, the data order's seed), so that
// --resume continues exactly, after an epoch, a Ctrl-C or --stop-after.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Plot.h"

#include "credo/Support/Quote.h"
#include "credo/Target/Compile.h"
#include "credo/Target/ModelInfo.h"
#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"
#include "credo/runtime.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <tuple>
#include <unistd.h>

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::driver;

namespace {

/// The learning rate at `step` (0-based) of `totalSteps`, in `epoch`.
double learningRate(const TrainingContract &c, int64_t epoch, int64_t step,
                    int64_t totalSteps) {
  const double lr = c.optimizer.lr;
  const ScheduleConfig &s = c.schedule;
  if (s.type == "step")
    return lr * std::pow(s.gamma, double(epoch / s.stepEpochs));
  if (s.type == "cosine")
    return s.minLr + (lr - s.minLr) *
                         (1 + std::cos(M_PI * double(step) / totalSteps)) / 2;
  return lr;
}

std::string formatCount(double v) {
  std::string s = std::to_string(static_cast<long long>(std::llround(v)));
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string formatDuration(double seconds) {
  long long s = std::llround(std::max(seconds, 0.0));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld:%02lld", s / 60, s % 60);
  return buf;
}

//===----------------------------------------------------------------------===//
// Where training stands, as a checkpoint records it
//===----------------------------------------------------------------------===//

/// `epoch` epochs are complete and `step` steps of the next one are done;
/// the data order of an epoch follows from `seed` and the epoch alone.
struct Position {
  int64_t epoch = 0, step = 0;
  uint64_t seed = 0;
  int64_t stepsPerEpoch = 0;
  double lossSum = 0; ///< the losses of the epoch's steps so far
};

constexpr const char *kEpochKey = "credo.epoch", *kStepKey = "credo.step",
                     *kSeedKey = "credo.seed",
                     *kStepsKey = "credo.steps_per_epoch",
                     *kLossSumKey = "credo.loss_sum",
                     *kRuleKey = kRuleMetadataKey;
/// What else a resumed run should share with the saved one: the batch, the
/// run's epochs (a cosine schedule spans them), where it computed, and the
/// hashes of the graph and the training section (ImportOptions::fingerprints).
constexpr const char *kBatchKey = "credo.batch", *kEpochsKey = "credo.epochs",
                     *kComputeKey = "credo.compute",
                     *kGraphKey = "credo.graph_hash",
                     *kTrainingKey = "credo.training_hash";

/// The metadata of a checkpoint at `at`.
std::map<std::string, std::string> positionMetadata(const Position &at) {
  char loss[64];
  std::snprintf(loss, sizeof(loss), "%a", at.lossSum); // exact
  return {{kEpochKey, std::to_string(at.epoch)},
          {kStepKey, std::to_string(at.step)},
          {kSeedKey, std::to_string(at.seed)},
          {kStepsKey, std::to_string(at.stepsPerEpoch)},
          {kLossSumKey, loss}};
}

/// Reads the position from a checkpoint's metadata. A checkpoint from
/// before steps were recorded has only the epoch. One that names another
/// model (credo.model) is refused.
FailureOr<Position> readPosition(const std::string &path,
                                 const std::string &model,
                                 const std::string &rule,
                                 std::map<std::string, std::string> &meta) {
  credo_tensor_set set{};
  if (credo_safetensors_read(path.c_str(), &set) != CREDO_OK) {
    runtimeError("cannot resume");
    return failure();
  }
  meta.clear();
  for (size_t i = 0; i < set.metadata_count; ++i)
    meta[set.metadata_keys[i]] = set.metadata_values[i];
  credo_tensor_set_free(&set);
  if (auto it = meta.find("credo.model");
      it != meta.end() && it->second != model) {
    error(path + ": a checkpoint of model '" + quoteForMessage(it->second) +
          "', not of '" + model + "'; resume a run of the same model");
    return failure();
  }
  // Another rule's state can have the same shapes (dfa's feedback matrices
  // for fa's on square layers), so the rule is named, not guessed from
  // them. Checkpoints from before the rule was recorded have none.
  if (auto it = meta.find(kRuleKey); it != meta.end() && it->second != rule) {
    error(path + ": a checkpoint of a run with the rule '" +
          quoteForMessage(it->second) + "', but this run's rule is '" + rule +
          "'; resume with --rule " + quoteForMessage(it->second) +
          ", or start a new run from its parameters with --params");
    return failure();
  }

  Position at;
  bool ok = true;
  auto count = [&](const char *key, int64_t most, int64_t &out) {
    auto it = meta.find(key);
    if (it == meta.end())
      return false;
    long long v;
    if (llvm::StringRef(it->second).getAsInteger(10, v) || v < 0 || v > most) {
      error(path + ": checkpoint metadata " + key + " = '" +
            quoteForMessage(it->second) + "' is not a count in [0, " +
            std::to_string(most) + "]");
      ok = false;
      return false;
    }
    out = v;
    return true;
  };
  if (!count(kEpochKey, int64_t(1) << 40, at.epoch)) {
    if (ok)
      error(path + ": not a training checkpoint (no " + std::string(kEpochKey) +
            " in its metadata)");
    return failure();
  }
  // The seed is any 64-bit number (--seed takes [0, 2^64)).
  auto seed = [&]() {
    auto it = meta.find(kSeedKey);
    if (it == meta.end())
      return false;
    if (llvm::StringRef(it->second).getAsInteger(10, at.seed)) {
      error(path + ": checkpoint metadata " + kSeedKey + " = '" +
            quoteForMessage(it->second) + "' is not a seed in [0, 2^64)");
      ok = false;
      return false;
    }
    return true;
  };
  if (count(kStepKey, int64_t(1) << 40, at.step) &&
      count(kStepsKey, int64_t(1) << 40, at.stepsPerEpoch) && seed()) {
    auto loss = meta.find(kLossSumKey);
    char *end = nullptr;
    if (loss != meta.end())
      at.lossSum = std::strtod(loss->second.c_str(), &end);
    if (loss == meta.end() || end == loss->second.c_str() || *end) {
      error(path + ": checkpoint metadata " + kLossSumKey +
            " is missing or "
            "not a number");
      return failure();
    }
  } else {
    at.step = 0;
  }
  if (!ok)
    return failure();
  if (at.step > 0 && at.step >= at.stepsPerEpoch) {
    error(path + ": checkpoint metadata " + kStepKey + " = " +
          std::to_string(at.step) + " is not below " + kStepsKey + " = " +
          std::to_string(at.stepsPerEpoch));
    return failure();
  }
  return at;
}

//===----------------------------------------------------------------------===//
// The trainer
//===----------------------------------------------------------------------===//

/// A ReLU or spike counter: one buffer for a step, sums over the epoch.
struct Counter {
  std::string layer;
  credo_tensor step{};
  std::vector<double> total;
  int64_t perUnit = 0;             ///< ReLU: outputs per unit in a batch
  bool spikes = false;             ///< a LIF population's spike counts
  int64_t timeSteps = 0, tRef = 0; ///< spikes: its loop's steps, t_ref
  Counter() = default;
  Counter(Counter &&o) noexcept
      : layer(std::move(o.layer)), step(o.step), total(std::move(o.total)),
        perUnit(o.perUnit), spikes(o.spikes), timeSteps(o.timeSteps),
        tRef(o.tRef) {
    o.step.data = nullptr;
  }
  ~Counter() { credo_tensor_free(&step); }
};

class Trainer {
public:
  /// The command that runs: its name starts errors about the model.
  std::string command() const { return alignOnly ? "align" : "train"; }
  Trainer(const DriverOptions &opts, bool alignOnly = false)
      : opts(opts), alignOnly(alignOnly) {}
  int run();
  /// credoc align: the alignment report over the training set, once.
  int align();

private:
  /// Every phase before the first step: set-up, data, compilation, the
  /// model instance and the buffers.
  int prepare();
  int setUp();
  int loadData();
  int compile();
  int createInstance();
  int allocateBuffers();
  int trainEpoch(int64_t epoch, int64_t firstStep, double lossSum);
  /// The rule's unsupervised phase (@settle_step), before the first epoch.
  int settle();
  int finishEpoch(int64_t epoch, double lossSum, double seconds, double lr);
  /// The metric's name in the progress line.
  std::string metricShown() const;
  /// The header row of a CSV metrics file.
  std::string csvColumns() const;
  int saveCheckpoint(const std::string &path, const Position &at);
  /// Where this run computes (target, kernels, threads), as a checkpoint
  /// records it.
  std::string computeDescription() const;
  /// Compares what a checkpoint recorded of the run that saved it with this
  /// run: a batch of another size inside an epoch is an error; other
  /// kernels or threads, a changed graph or training section and a cosine
  /// schedule over other epochs are warnings.
  int compareRuns(const std::map<std::string, std::string> &meta,
                  const Position &at);
  int stopAndSave(const Position &at, const char *why);
  /// Rows order[start…] (or start… without an order) of `split` (0: train,
  /// 1: test) into the input buffers; rows past `count` are zeros.
  void gather(const std::vector<int64_t> &order, int64_t start, int split,
              int64_t count);
  /// The metric (accuracy in %, or the loss, mse or mean output) and the
  /// mean loss (cross-entropy for accuracy, else the metric) of the test
  /// set (or, with `train`, of the training set) under the current
  /// parameters.
  std::optional<std::pair<double, double>> evaluate(bool train = false);
  std::vector<EpochPoint> history;
  /// The arguments of a call on the batch in io: the parameters, the
  /// samples and (with labels) the labels; for a step (`step`) also the
  /// learning rate, the loss and the next parameters' buffers. They are
  /// `callArgs`, refilled: a loop reuses one vector's memory.
  std::vector<void *> &batchArgs(bool step);
  std::vector<void *> callArgs;
  /// --report-alignment: the rule's direction against the gradient on the
  /// batch in io, with the current parameters, added to `alignment`.
  int measureAlignment();
  void showProgress(int64_t epoch, int64_t step, int64_t firstStep,
                    double lossSum, double elapsed);

  const DriverOptions &opts;
  /// credoc align: no training; the report of --params on the training set.
  bool alignOnly = false;
  /// The note naming the model's parameters the rule does not learn (or "").
  std::string unlearned;
  /// Fills the parameters from their initializers, then from --params.
  int loadParams();
  bool saved = false; ///< a checkpoint was written in this run
  /// What to try when the parameters or the loss stop being finite.
  std::string divergenceAdvice() const {
    std::string rule = opts.rule.empty() ? config.rule : opts.rule;
    if (rule == "local")
      return "lower the learning rate, or look at the rule's update "
             "expressions (what they add to a parameter at every step)";
    if (rule == "dendritic")
      return "lower the learning rate or the rule's rates (lr_pp, lr_ip, "
             "lr_pi)";
    return "lower the learning rate";
  }
  /// What the user has after a failure: where the last saved parameters
  /// are, or that none were saved (", …" or empty).
  std::string savedNote() const {
    if (opts.checkpoint.empty())
      return "";
    if (saved)
      return " ('" + opts.checkpoint +
             "' has the parameters of the last completed epoch)";
    return " (" + notWritten() + ")";
  }
  /// Why the checkpoint holds nothing of this run.
  std::string notWritten() const {
    return "no epoch was completed in this run, so '" + opts.checkpoint +
           "' was not written";
  }
  /// Where the last finite parameters are after parameters stopped being
  /// finite: the checkpoint, when this run wrote one, else why none has
  /// them. `what` names them ("parameters", "ones").
  std::string finiteKept(const char *what) const {
    if (opts.checkpoint.empty())
      return "nothing was saved";
    if (saved)
      return "'" + opts.checkpoint + "' keeps the last finite " + what;
    return notWritten();
  }
  std::string dataDir() const;
  /// The folder of an IDX data set (the MNIST family): dataDir(), or the
  /// system's copy when neither --data nor the section's path names one.
  std::string idxDir() const;
  /// The files of the data set the run may read (those that exist).
  std::vector<std::string> dataFiles() const;
  Session session;
  OwningOpRef<ModuleOp> module;
  GraphFingerprints source; ///< of the model file, for checkpoints
  TrainingContract config;  ///< the training section, with overrides
  std::optional<ModelInfo> info, stepInfo;
  int imageInput = -1, labelInput = -1, logitsOutput = -1;
  /// How the test set is measured (TrainingContract::MetricConfig): with
  /// accuracy (`labelled`) every sample counts; the loss (`lossOutput`) and
  /// a mean output (`metricOutput`) are averaged over full batches; mse
  /// compares `metricOutput` with the input `targetInput` row by row.
  std::string metricKind;
  bool labelled = true;
  int lossOutput = -1, metricOutput = -1, targetInput = -1;
  int64_t batch = 0, pixels = 0, classes = 0;
  /// The samples are f32 arrays (dataset "npy"), not bytes of an image.
  bool floatSamples = false;
  /// One model input fed from the data set: its arrays in data.list for
  /// the train and test splits and the size of a row.
  struct Feed {
    int input, train, test;
    int64_t rowElems;
    size_t elemBytes;
    bool pixels; ///< u8 image bytes, fed as v / 255 in f32
  };
  std::vector<Feed> feeds;
  /// The feed of the labels input (accuracy); null without one.
  const Feed *labelFeed = nullptr;
  /// Datasets "npy"/"npz" with "train"/"test" maps: one array per input.
  bool mapped = false;
  int loadIdxData();
  int loadNpyData();
  int loadMappedData();
  /// Resolves the metric's output and inputs; after the inputs are known.
  int resolveMetric();
  int loadCsvData();
  int loadGaussianData();
  /// Checks the labels of `split` (1: train, 3: test) against the classes.
  int checkLabels(int split, const std::string &file);
  /// Refuses float samples with NaN or an infinity, naming the sample.
  int checkFiniteSamples(const credo_tensor &t, const std::string &file);
  Tensors data; ///< train images, train labels, test images, test labels
  int64_t trainN = 0, testN = 0, steps = 0;
  std::vector<int64_t> positionsPerUnit;
  /// The steps of this epoch whose counts the diagnostics (spikes,
  /// activations, alignment) hold: all of them, or after a resume inside
  /// the epoch the rest (the counts are not in the checkpoint).
  int64_t countedSteps = 0;
  /// Milliseconds of model time a training step simulates (the module's
  /// credo.simulated_ms, set by a rule with continuous-time dynamics), or 0.
  double simulatedMs = 0;
  /// Per instrumented LIF population (in the pass's order): its loop's
  /// steps and refractory period.
  std::vector<std::pair<int64_t, int64_t>> populations;
  std::unique_ptr<JitModule> jit;
  ModelHandle m;
  Position start;
  Tensors io, forwardOutputs;
  std::vector<Counter> counters;
  /// --report-alignment: per trained parameter, the sums of the angle (in
  /// degrees) and norm ratio over the steps where both are defined.
  struct Alignment {
    std::string name;
    /// Its pair (the rule's direction, the reference's) among @alignment's
    /// outputs.
    size_t output = 0;
    double angles = 0, ratios = 0;
    int64_t steps = 0, count = 0, noUpdate = 0, noGradient = 0;
    /// Why there is no angle at some steps (every step when count is 0);
    /// `other` names what the update is compared with ("gradient").
    std::string whyNoAngle(const std::string &other) const {
      auto times = [&](int64_t n) {
        return n == steps ? std::string()
                          : " at " + std::to_string(n) + " of " +
                                std::to_string(steps) + " steps";
      };
      std::string update = "the rule does not update it" + times(noUpdate);
      std::string reference = "its " + other + " is zero" + times(noGradient);
      if (noUpdate && noGradient)
        return update + ", and " + reference;
      return noUpdate ? update : reference;
    }
  };
  /// What the alignment report compares the rule's update with.
  std::string alignmentReference() const {
    return opts.against.empty() || opts.against == "backprop"
               ? "gradient"
               : opts.against + " update";
  }
  std::vector<Alignment> alignment;
  /// --report-alignment with --plot: each parameter's angle and ratio per
  /// epoch of this run.
  std::vector<AlignmentCurve> alignmentCurves;
  /// The first result of @settle_step; empty when the rule has none.
  std::string settleMetric;
  /// The buffers of @alignment's outputs: each parameter's pair of
  /// directions, reported or not.
  Tensors alignmentOut;
  std::vector<TensorInfo> alignmentOutputs; ///< @alignment's, in pairs
  std::unique_ptr<llvm::raw_fd_ostream> metrics;
  bool csv = false, tty = false;
  double lastShown = -1;
  int64_t stepsThisRun = 0;
  bool stopped = false; ///< stopAndSave has run
};

int Trainer::setUp() {
  if (opts.episodes)
    return error("--episodes is for learning in an environment; this model "
                 "trains on a data set (use --epochs), or give --env NAME");
  if (!opts.params.empty() && !opts.resume.empty())
    return error("--params and --resume both give the starting parameters; "
                 "use one (--resume also continues the optimizer, the epoch "
                 "and the data order)");
  if (int status = checkRunOutputs(opts))
    return status;
  if (int status =
          loadTrainingModel(opts, session.context, module, config, &source))
    return status;
  if (int status = checkOutputsSpareInputs(opts, dataFiles()))
    return status;
  if (opts.epochs)
    config.epochs = *opts.epochs;

  FailureOr<ModelInfo> forward = getModelInfo(*module, "forward");
  if (failed(forward))
    return kUserError;
  info = *forward;
  // Without --checkpoint a stopped run saves in the working directory:
  // --stop-after always stops, so it is an error there that it could not
  // (the run trained, then lost its work); Ctrl-C might, a warning.
  if (opts.checkpoint.empty()) {
    std::string stopped = interruptedCheckpointPath(info->name, opts.resume);
    if (opts.stopAfter) {
      if (int status = checkWritable(stopped, "--stop-after without "
                                              "--checkpoint"))
        return status;
    } else if (std::optional<std::string> why = whyNotWritable(stopped)) {
      llvm::errs() << "credoc: warning: a run stopped by Ctrl-C could not "
                      "save its parameters to '"
                   << stopped << "' (" << *why << "); give --checkpoint FILE\n";
    }
  }
  mapped = !config.trainArrays.empty();
  if (mapped) {
    // Every input from its own array: all share the batch dimension.
    for (size_t i = 0; i < info->inputs.size(); ++i) {
      const TensorInfo &t = info->inputs[i];
      if (t.shape.empty() || t.shape[0] != info->inputs[0].shape[0])
        return error(command() +
                     " feeds every input from the data set, one row per "
                     "sample, so each needs the batch as its first dimension; "
                     "input '" +
                     t.name + "' is [" + t.shapeText() + "]");
      if (t.dtype == "i32" && t.shape.size() == 1 && labelInput < 0)
        labelInput = static_cast<int>(i);
    }
    batch = info->inputs.empty() ? 0 : info->inputs[0].shape[0];
    return resolveMetric();
  }
  // One sample input [batch, …] (f32) and, for classification, one label
  // input [batch].
  bool other = false;
  for (size_t i = 0; i < info->inputs.size(); ++i) {
    const TensorInfo &t = info->inputs[i];
    if (t.dtype == "f32" && t.shape.size() >= 2 && imageInput < 0)
      imageInput = static_cast<int>(i);
    else if ((t.dtype == "i32") && t.shape.size() == 1 && labelInput < 0)
      labelInput = static_cast<int>(i);
    else
      other = true;
  }
  if (other || imageInput < 0)
    return error(command() +
                 " needs a model whose inputs are samples f32 [batch, "
                 "…] (images, sequences) and, for classification, labels "
                 "i32 [batch], or a dataset that maps an array to each input "
                 "(\"train\" and \"test\" of an npy or npz dataset)");
  batch = info->inputs[imageInput].shape[0];
  pixels = 1;
  for (size_t d = 1; d < info->inputs[imageInput].shape.size(); ++d)
    pixels *= info->inputs[imageInput].shape[d];
  return resolveMetric();
}

int Trainer::resolveMetric() {
  const TrainingContract::MetricConfig &mc = config.metric;
  auto named = [](const std::vector<TensorInfo> &list,
                  const std::string &name) {
    for (size_t i = 0; i < list.size(); ++i)
      if (list[i].name == name)
        return static_cast<int>(i);
    return -1;
  };
  metricKind = !mc.kind.empty()  ? mc.kind
               : labelInput >= 0 ? "accuracy"
                                 : "loss";
  labelled = metricKind == "accuracy";
  if (labelled) {
    if (!mc.labels.empty())
      labelInput = named(info->inputs, mc.labels);
    if (labelInput < 0)
      return error("metric 'accuracy' needs a labels input, i32 [batch]");
    if (!mc.output.empty())
      logitsOutput = named(info->outputs, mc.output);
    for (size_t i = 0; i < info->outputs.size() && logitsOutput < 0; ++i)
      if (info->outputs[i].shape.size() == 2)
        logitsOutput = static_cast<int>(i);
    if (logitsOutput < 0)
      return error(command() +
                   " needs an output of shape [batch, classes] (the "
                   "logits) to measure accuracy");
    classes = info->outputs[logitsOutput].shape[1];
    return kOk;
  }
  if (config.loss.empty() && alignOnly)
    return error("the training section names no loss: its rule '" +
                 (opts.rule.empty() ? config.rule : opts.rule) +
                 "' learns in an environment, and credoc align compares "
                 "a rule's update with the gradient of a loss on a data set");
  if (config.loss.empty())
    return error("the training section names no loss: its rule '" +
                 (opts.rule.empty() ? config.rule : opts.rule) +
                 "' learns in an environment; give the section an "
                 "\"environment\" or pass --env NAME (chain, gridworld or "
                 "cartpole)");
  if (metricKind == "loss") {
    for (size_t i = 0; i < info->outputs.size(); ++i)
      if (info->outputs[i].name == config.loss &&
          info->outputs[i].shape.empty())
        lossOutput = static_cast<int>(i);
    if (lossOutput < 0)
      return error(
          "the model is measured by its loss on the test set (" +
          std::string(labelInput < 0 ? "it has no labels" : "metric 'loss'") +
          "): list the loss node '" + config.loss + "' among the outputs");
    return kOk;
  }
  // mse, mean: names the importer checked.
  metricOutput = named(info->outputs, mc.output);
  if (metricKind == "mse")
    targetInput = named(info->inputs, mc.target);
  if (metricOutput < 0 || (metricKind == "mse" && targetInput < 0))
    return error("metric '" + metricKind +
                 "' names an output or input the "
                 "model does not have");
  return kOk;
}

/// Loads the four arrays of the data set (train and test samples and
/// labels), then the sizes every format shares.
int Trainer::loadData() {
  int status = mapped ? loadMappedData()
               : config.dataset == "npy" || config.dataset == "npz"
                   ? loadNpyData()
               : config.dataset == "csv"      ? loadCsvData()
               : config.dataset == "gaussian" ? loadGaussianData()
                                              : loadIdxData();
  if (status)
    return status;
  if (!mapped) {
    // The samples, and the labels when the model reads them.
    feeds.push_back({imageInput, 0, 2, pixels, sizeof(float), !floatSamples});
    if (labelInput >= 0)
      feeds.push_back({labelInput, 1, 3, 1, sizeof(int32_t), false});
  }
  for (const Feed &f : feeds)
    if (f.input == labelInput)
      labelFeed = &f;
  trainN = data.list[feeds[0].train].shape[0];
  testN = data.list[feeds[0].test].shape[0];
  if (trainN < batch)
    return error("the batch size (" + std::to_string(batch) +
                 ") exceeds the training set (" + std::to_string(trainN) +
                 " samples); give a smaller --batch");
  if (testN == 0)
    return error("the test set is empty (0 samples)");
  if ((metricKind == "loss" || metricKind == "mean") && testN < batch)
    return error("the test set has fewer samples than a batch (" +
                 std::to_string(testN) + " < " + std::to_string(batch) +
                 "); metric '" + metricKind + "' is measured on full batches");
  steps = trainN / batch;
  return kOk;
}

/// "f32 [200, 3]": an array's dtype and shape, for messages.
std::string arrayText(const credo_tensor &t) {
  std::string s = std::string(credo_dtype_name(t.dtype)) + " [";
  for (int32_t d = 0; d < t.rank; ++d)
    s += (d ? ", " : "") + std::to_string(t.shape[d]);
  return s + "]";
}

/// Where a data set's relative files are: --data, else the dataset's
/// "path", which is itself relative to the model file.
std::string Trainer::dataDir() const {
  if (!opts.data.empty())
    return opts.data;
  if (llvm::sys::path::is_absolute(config.datasetPath))
    return config.datasetPath;
  llvm::SmallString<256> dir = llvm::sys::path::parent_path(opts.model);
  llvm::sys::path::append(dir, config.datasetPath);
  return std::string(dir);
}

/// The MNIST family's four files.
constexpr const char *kIdxFiles[4] = {
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

std::vector<std::string> Trainer::dataFiles() const {
  std::vector<std::string> names = {config.trainX, config.trainLabels,
                                    config.testX, config.testLabels,
                                    config.dataFile};
  for (const auto *arrays : {&config.trainArrays, &config.testArrays})
    for (const auto &a : *arrays)
      names.push_back(a.second);
  std::vector<std::string> files;
  auto add = [&](const std::string &dir, const std::string &name) {
    if (name.empty())
      return;
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    if (llvm::sys::fs::exists(path))
      files.push_back(std::string(path));
  };
  for (const std::string &name : names)
    add(dataDir(), name);
  // Gzipped or plain (the reader takes either).
  for (const char *name : kIdxFiles) {
    add(idxDir(), name);
    add(idxDir(), llvm::StringRef(name).drop_back(3).str());
  }
  return files;
}

/// Datasets "npy"/"npz" with "train"/"test" maps: each input's array, of
/// the input's element type (i64 labels narrowed to an i32 input) and
/// per-sample shape, the same number of rows for every input of a split.
int Trainer::loadMappedData() {
  std::string dir = dataDir();
  const bool npz = config.dataset == "npz";
  std::map<int, std::string> fileOf; // the file of each of data.list
  for (size_t i = 0; i < info->inputs.size(); ++i) {
    const TensorInfo &in = info->inputs[i];
    Feed f{int(i), 0, 0, 1, in.elementSize(), false};
    for (size_t d = 1; d < in.shape.size(); ++d)
      f.rowElems *= in.shape[d];
    for (int split = 0; split < 2; ++split) {
      const auto &arrays = split ? config.testArrays : config.trainArrays;
      auto at = llvm::find_if(
          arrays, [&](const auto &a) { return a.first == in.name; });
      if (at == arrays.end())
        return error(std::string("the dataset's \"") +
                     (split ? "test" : "train") +
                     "\" maps no array to input '" + in.name + "'");
      llvm::SmallString<256> path(dir);
      llvm::sys::path::append(path, npz ? config.dataFile : at->second);
      std::string file(path);
      credo_tensor t{};
      if ((npz ? credo_npz_read(file.c_str(), at->second.c_str(), &t)
               : credo_npy_read(file.c_str(), &t)) != CREDO_OK)
        return runtimeError("cannot read the data set");
      if (npz)
        file += ":" + at->second;
      data.list.push_back(t);
      fileOf[data.list.size() - 1] = file;
      if (int status = checkFiniteSamples(t, file))
        return status;
      (split ? f.test : f.train) = int(data.list.size() - 1);
      credo_dtype want = in.dtype == "f64"   ? CREDO_F64
                         : in.dtype == "i32" ? CREDO_I32
                         : in.dtype == "i64" ? CREDO_I64
                                             : CREDO_F32;
      if (want == CREDO_I32 && t.dtype == CREDO_I64 && t.rank >= 1) {
        credo_tensor narrow{};
        if (credo_tensor_alloc(&narrow, CREDO_I32, t.rank, t.shape) != CREDO_OK)
          return runtimeError("cannot allocate the data set");
        const auto *from = static_cast<const int64_t *>(t.data);
        auto *to = static_cast<int32_t *>(narrow.data);
        for (int64_t j = 0; j < credo_tensor_numel(&t); ++j) {
          if (from[j] < INT32_MIN || from[j] > INT32_MAX) {
            credo_tensor_free(&narrow);
            return error(file + ": value " + std::to_string(j) + " is " +
                         std::to_string(from[j]) + ", outside i32 (input '" +
                         in.name + "' is i32)");
          }
          to[j] = int32_t(from[j]);
        }
        credo_tensor_free(&data.list.back());
        data.list.back() = narrow;
      }
      const credo_tensor &got = data.list.back();
      bool same = got.dtype == want && got.rank == int32_t(in.shape.size());
      for (int32_t d = 1; same && d < got.rank; ++d)
        same = got.shape[d] == in.shape[d];
      if (!same) {
        std::string shape = "N";
        for (size_t d = 1; d < in.shape.size(); ++d)
          shape += ", " + std::to_string(in.shape[d]);
        std::string held = credo_dtype_name(got.dtype) + std::string(" [");
        for (int32_t d = 0; d < got.rank; ++d)
          held += (d ? ", " : "") + std::to_string(got.shape[d]);
        return error(file + ": expected " + in.dtype + " [" + shape +
                     "] for input '" + in.name + "', but it holds " + held +
                     "]");
      }
      int64_t rows = data.list[split ? feeds.empty() ? f.test : feeds[0].test
                               : feeds.empty() ? f.train
                                               : feeds[0].train]
                         .shape[0];
      if (got.shape[0] != rows)
        return error(file + ": " + std::to_string(got.shape[0]) +
                     " rows, but the first input's array has " +
                     std::to_string(rows));
    }
    feeds.push_back(f);
  }
  if (labelled)
    for (const Feed &f : feeds)
      if (f.input == labelInput)
        for (int split : {f.train, f.test})
          if (int status =
                  checkLabels(split, fileOf[split] + " (the labels of input '" +
                                         info->inputs[f.input].name + "')"))
            return status;
  return kOk;
}

/// The MNIST family's IDX files.
std::string Trainer::idxDir() const {
  return !opts.data.empty() || !config.datasetPath.empty()
             ? dataDir()
             : "/usr/share/datasets/" + config.dataset;
}

int Trainer::loadIdxData() {
  std::string dir = idxDir();
  // NAME.gz, or NAME uncompressed when only that is there.
  auto file = [&](const char *name) {
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, name);
    llvm::StringRef plain = llvm::StringRef(p).drop_back(3);
    if (!llvm::sys::fs::exists(p) && llvm::sys::fs::exists(plain))
      return plain.str();
    return std::string(p);
  };
  std::string files[4] = {file(kIdxFiles[0]), file(kIdxFiles[1]),
                          file(kIdxFiles[2]), file(kIdxFiles[3])};
  for (const std::string &f : files)
    if (!llvm::sys::fs::exists(f))
      return error("the " + config.dataset + " data set is not in '" + dir +
                   "' (missing " + llvm::sys::path::filename(f).str() + ")" +
                   (config.dataset == "fashion-mnist"
                        ? "; install it with `apt-get install "
                          "dataset-fashion-mnist` or pass --data DIR"
                        : "; pass --data DIR"));
  data.list.resize(4);
  for (int i = 0; i < 4; ++i)
    if (credo_idx_read_u8(files[i].c_str(), &data.list[i]) != CREDO_OK)
      return runtimeError("cannot read the data set");
  const credo_tensor &trainX = data.list[0], &trainY = data.list[1],
                     &testX = data.list[2], &testY = data.list[3];
  // The files hold what their names say: images (rank 3 in the file) or
  // labels (rank 1), whatever order they were copied in.
  for (int i = 0; i < 4; ++i) {
    bool labels = i % 2, isLabels = data.list[i].rank == 1;
    if (labels != isLabels)
      return error(
          files[i] + ": expected " +
          (labels ? "labels (an IDX file of rank 1)"
                  : "images (an IDX file of rank 3)") +
          ", but it holds " +
          (isLabels ? std::to_string(data.list[i].shape[0]) + " labels"
                    : std::to_string(data.list[i].shape[0]) + " images of " +
                          std::to_string(data.list[i].shape[1]) + " pixels"));
  }
  if (trainX.shape[1] != pixels || testX.shape[1] != pixels)
    return error("input '" + info->inputs[imageInput].name + "' takes " +
                 std::to_string(pixels) + " pixels per image, but the " +
                 config.dataset + " images in '" + dir + "' have " +
                 (trainX.shape[1] != pixels
                      ? std::to_string(trainX.shape[1])
                      : std::to_string(testX.shape[1]) + " (in " +
                            llvm::sys::path::filename(files[2]).str() + ")") +
                 (config.datasetGiven
                      ? std::string()
                      : " (the training section names no \"dataset\", so "
                        "it is fashion-mnist; docs/graph-format.md#dataset "
                        "lists the others)"));
  // An input of images ([batch, 1, rows, cols], as convolutions take them)
  // takes the files' geometry, not just their pixel count: 2 × 8 images
  // would otherwise be read as 4 × 4. (A rank-3 input may be a sequence of
  // pixels, [batch, 784, 1].)
  const std::vector<int64_t> &imageShape = info->inputs[imageInput].shape;
  if (imageShape.size() == 4 && imageShape[1] == 1)
    for (int i : {0, 2}) {
      int64_t rows = 0, cols = 0;
      if (credo_idx_image_shape(files[i].c_str(), &rows, &cols) != CREDO_OK)
        return runtimeError("cannot read the data set");
      int64_t h = imageShape[imageShape.size() - 2], w = imageShape.back();
      if (rows != h || cols != w)
        return error("input '" + info->inputs[imageInput].name +
                     "' takes images of " + std::to_string(h) + " x " +
                     std::to_string(w) + " pixels, but " + files[i] +
                     " holds images of " + std::to_string(rows) + " x " +
                     std::to_string(cols));
    }
  for (auto [x, y, split] : {std::tuple(&trainX, &trainY, "train"),
                             std::tuple(&testX, &testY, "t10k")})
    if (y->shape[0] != x->shape[0])
      return error("the data set in '" + dir + "' has " +
                   std::to_string(x->shape[0]) + " images (" + split +
                   "-images-idx3-ubyte.gz) but " + std::to_string(y->shape[0]) +
                   " labels (" + split + "-labels-idx1-ubyte.gz)");
  // Labels index the logits: one outside [0, classes) is an error here,
  // before any step.
  for (int split : {1, 3})
    if (int status = checkLabels(split, files[split]))
      return status;
  return kOk;
}

int Trainer::checkFiniteSamples(const credo_tensor &t,
                                const std::string &file) {
  std::optional<NonFinite> bad = firstNonFinite(t);
  if (!bad)
    return kOk;
  int64_t n = credo_tensor_numel(&t),
          row = t.rank ? n / std::max<int64_t>(t.shape[0], 1) : 1;
  // The element within its sample, and in the whole array.
  return error(file + ": sample " + std::to_string(row ? bad->at / row : 0) +
               " holds " + bad->what() + " at its element " +
               std::to_string(row ? bad->at % row : bad->at) + " (element " +
               std::to_string(bad->at) +
               " of the array); the data must be finite");
}

int Trainer::checkLabels(int split, const std::string &file) {
  if (!labelled)
    return kOk; // not measured by accuracy: no class count to check
  const credo_tensor &labels = data.list[split];
  const auto *y = static_cast<const int32_t *>(labels.data);
  for (int64_t i = 0; i < labels.shape[0]; ++i)
    if (y[i] < 0 || y[i] >= classes)
      return error(file + ": the label of sample " + std::to_string(i) +
                   " is " + std::to_string(y[i]) + ", outside [0, " +
                   std::to_string(classes) + ") (the model has " +
                   std::to_string(classes) + " classes)");
  return kOk;
}

/// dataset "csv": one table of numbers; the label column holds class
/// indices, the other columns (times `scale`) are a sample of the input's
/// shape. A seeded Fisher–Yates shuffle of the rows puts the last
/// round(N·test_fraction) of them in the test set. A relative file is
/// found under --data, else under the dataset's "path", which is itself
/// relative to the model file.
int Trainer::loadCsvData() {
  llvm::SmallString<256> path(dataDir());
  llvm::sys::path::append(path, config.dataFile);
  if (llvm::sys::path::is_absolute(config.dataFile))
    path = config.dataFile;
  std::string file(path);
  credo_tensor table{};
  // f64, so that a label f32 would round (2.0000001) is seen.
  if (credo_csv_read_f64(file.c_str(), &table) != CREDO_OK)
    return runtimeError("cannot read the data set");
  std::unique_ptr<credo_tensor, void (*)(credo_tensor *)> owner(
      &table, credo_tensor_free);
  const int64_t rows = table.shape[0], cols = table.shape[1];
  if (labelInput < 0)
    return error(file +
                 ": a csv data set holds class labels (its "
                 "label_column), but model '" +
                 info->name +
                 "' reads no labels (an i32 [batch] input); give its "
                 "samples as an npy or npz data set");
  if (rows < 2)
    return error(file + ": " + std::to_string(rows) +
                 " row of numbers, but a training and a test set need at "
                 "least 2");
  const int64_t label = config.labelColumn < 0 ? cols - 1 : config.labelColumn;
  if (label >= cols)
    return error(file + ": label_column " + std::to_string(label) +
                 " is not one of its " + std::to_string(cols) + " columns");
  const TensorInfo &input = info->inputs[imageInput];
  if (cols - 1 != pixels)
    return error(file + ": " + std::to_string(cols - 1) +
                 " feature columns, but the model's input '" + input.name +
                 "' takes " + std::to_string(pixels) + " values per sample");
  const int64_t testRows = std::clamp<int64_t>(
      std::llround(double(rows) * config.testFraction), 1, rows - 1);
  std::vector<int64_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(config.splitSeed);
  for (int64_t i = rows - 1; i > 0; --i)
    std::swap(order[i], order[rng() % uint64_t(i + 1)]);
  const auto *cells = static_cast<const double *>(table.data);
  data.list.resize(4);
  for (int split = 0; split < 2; ++split) {
    const int64_t first = split == 0 ? 0 : rows - testRows;
    const int64_t n = split == 0 ? rows - testRows : testRows;
    std::vector<int64_t> shape(input.shape);
    shape[0] = n;
    int64_t labelShape[1] = {n};
    credo_tensor &x = data.list[2 * split], &y = data.list[2 * split + 1];
    if (credo_tensor_alloc(&x, CREDO_F32, int32_t(shape.size()),
                           shape.data()) != CREDO_OK ||
        credo_tensor_alloc(&y, CREDO_I32, 1, labelShape) != CREDO_OK)
      return runtimeError("cannot allocate the data set");
    auto *xs = static_cast<float *>(x.data);
    auto *ys = static_cast<int32_t *>(y.data);
    for (int64_t r = 0; r < n; ++r) {
      const int64_t row = order[first + r];
      const double *cell = cells + row * cols;
      double v = cell[label];
      // (Rows of numbers counted from 1, without a header or blank lines;
      // the split shuffles them, so the range is checked here, where the
      // row is known.)
      if (v != std::floor(v) || v < 0 || v > double(INT32_MAX))
        return error(file + ": row " + std::to_string(row + 1) +
                     " of numbers has label " + formatNumber(v, "%.9g") +
                     ", not a class index");
      if (labelled && v >= double(classes))
        return error(file + ": row " + std::to_string(row + 1) +
                     " of numbers has label " + std::to_string(int64_t(v)) +
                     ", outside [0, " + std::to_string(classes) +
                     ") (the model has " + std::to_string(classes) +
                     " classes)");
      ys[r] = int32_t(v);
      for (int64_t c = 0, k = 0; c < cols; ++c) {
        if (c == label)
          continue;
        double scaled = cell[c] * config.scale;
        if (!(std::fabs(scaled) <= double(FLT_MAX)))
          return error(file + ": row " + std::to_string(row + 1) +
                       " of numbers, column " + std::to_string(c + 1) + " (" +
                       formatNumber(cell[c], "%g") +
                       ") times the dataset's "
                       "scale (" +
                       formatNumber(config.scale, "%g") +
                       ") is beyond the range of f32");
        xs[r * pixels + k++] = float(scaled);
      }
    }
    if (int status = checkLabels(2 * split + 1, file))
      return status;
  }
  floatSamples = true;
  return kOk;
}

/// dataset "npy": samples f32 [N, …] whose per-sample shape is the
/// input's, labels i32 or i64 [N] (converted to i32).
/// dataset "gaussian": samples of the input's shape from N(0, 1), drawn by
/// a generator seeded with the dataset's seed (train set first), no labels.
int Trainer::loadGaussianData() {
  if (labelInput >= 0)
    return error("dataset 'gaussian' has no labels, but the model has a "
                 "label input");
  if (config.trainSamples < 1 || config.testSamples < 1)
    return error("dataset 'gaussian' needs train_samples and test_samples");
  data.list.resize(4);
  const TensorInfo &input = info->inputs[imageInput];
  std::mt19937_64 rng(config.dataSeed);
  std::normal_distribution<float> normal;
  for (int i : {0, 2}) {
    std::vector<int64_t> shape = input.shape;
    shape[0] = i == 0 ? config.trainSamples : config.testSamples;
    credo_tensor t{};
    if (credo_tensor_alloc(&t, CREDO_F32, int32_t(shape.size()),
                           shape.data()) != CREDO_OK)
      return runtimeError("cannot allocate the data set");
    data.list[i] = t;
    auto *x = static_cast<float *>(t.data);
    for (int64_t j = 0; j < credo_tensor_numel(&t); ++j)
      x[j] = normal(rng);
  }
  floatSamples = true;
  return kOk;
}

int Trainer::loadNpyData() {
  std::string dir = dataDir();
  data.list.resize(4);
  const TensorInfo &input = info->inputs[imageInput];
  const std::string *arrays[] = {&config.trainX, &config.trainLabels,
                                 &config.testX, &config.testLabels};
  const bool npz = config.dataset == "npz";
  if (labelInput >= 0 && config.trainLabels.empty())
    return error("the model has a label input, but the dataset names no "
                 "labels (\"train_labels\", \"test_labels\")");
  for (int i = 0; i < 4; ++i) {
    if (i % 2 == 1 && config.trainLabels.empty())
      continue; // samples only, for a model without labels
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, npz ? config.dataFile : *arrays[i]);
    std::string file(path);
    credo_tensor t{};
    if ((npz ? credo_npz_read(file.c_str(), arrays[i]->c_str(), &t)
             : credo_npy_read(file.c_str(), &t)) != CREDO_OK)
      return runtimeError("cannot read the data set");
    if (npz)
      file += ":" + *arrays[i];
    data.list[i] = t;
    if (i % 2 == 0) {
      bool same = t.dtype == CREDO_F32 && t.rank == int32_t(input.shape.size());
      for (int32_t d = 1; same && d < t.rank; ++d)
        same = t.shape[d] == input.shape[d];
      if (!same)
        return error(file + ": expected f32 samples of the input's shape " +
                     "[N" +
                     [&] {
                       std::string s;
                       for (size_t d = 1; d < input.shape.size(); ++d)
                         s += ", " + std::to_string(input.shape[d]);
                       return s;
                     }() +
                     "], but it holds " + arrayText(t));
      if (int status = checkFiniteSamples(t, file))
        return status;
      continue;
    }
    if (t.rank != 1 || (t.dtype != CREDO_I32 && t.dtype != CREDO_I64))
      return error(file + ": expected labels, i32 or i64 [N], but it holds " +
                   arrayText(t));
    if (t.shape[0] != data.list[i - 1].shape[0])
      return error(file + ": " + std::to_string(t.shape[0]) + " labels for " +
                   std::to_string(data.list[i - 1].shape[0]) + " samples");
    if (t.dtype == CREDO_I64) { // to i32, range-checked by checkLabels
      credo_tensor narrow{};
      if (credo_tensor_alloc(&narrow, CREDO_I32, 1, t.shape) != CREDO_OK)
        return runtimeError("cannot allocate labels");
      const auto *from = static_cast<const int64_t *>(t.data);
      auto *to = static_cast<int32_t *>(narrow.data);
      for (int64_t j = 0; j < t.shape[0]; ++j) {
        // Beyond i32 it cannot be a class: report the value as stored.
        if (from[j] < 0 || from[j] > INT32_MAX) {
          credo_tensor_free(&narrow);
          return error(file + ": the label of sample " + std::to_string(j) +
                       " is " + std::to_string(from[j]) +
                       (labelled
                            ? ", outside [0, " + std::to_string(classes) + ")"
                            : std::string(", outside i32")));
        }
        to[j] = int32_t(from[j]);
      }
      credo_tensor_free(&data.list[i]);
      data.list[i] = narrow;
    }
    if (int status = checkLabels(i, file))
      return status;
  }
  floatSamples = true;
  return kOk;
}

int Trainer::compile() {
  PassManager pm(&session.context, ModuleOp::getOperationName());
  if (int status = addTrainingPasses(pm, *module, opts))
    return status;
  if (opts.reportActivations)
    pm.addPass(createCredoInstrumentActivations());
  if (opts.reportSpikes)
    pm.addPass(createCredoInstrumentSpikes());
  std::vector<std::string> own = floatParameters(*module);
  if (failed(pm.run(*module)))
    return error("cannot build the training step");
  unlearned = unlearnedNote(opts.rule.empty() ? config.rule : opts.rule,
                            unlearnedParameters(*module, own));
  if (opts.reportAlignment || alignOnly) {
    // The reference the report compares with, built after the step: a
    // failure here is the report's, not the rule's.
    PassManager report(&session.context, ModuleOp::getOperationName());
    CredoAutodiffOptions exact;
    exact.funcName = "exact_gradients";
    exact.timeMemory = opts.timeMemory;
    // fa's matrices stand for Wᵀ between adjacent layers, dfa's run from
    // the output to each layer: they coincide only in shape, when a layer
    // happens to be square, and then dfa would read fa's matrix transposed.
    // The dendritic rule's B stands for the next layer's Wᵀ, as fa's do.
    std::string rule = opts.rule.empty() ? config.rule : opts.rule;
    if (rule == "dendritic" && opts.against == "dfa")
      return error("--against dfa with the rule 'dendritic': they do not "
                   "share feedback matrices (the circuit's B stands for the "
                   "next layer's Wᵀ, dfa's run from the output to every "
                   "layer); compare it with fa or backprop (the default)");
    if ((rule == "fa" && opts.against == "dfa") ||
        (rule == "dfa" && opts.against == "fa"))
      return error("--against " + opts.against + " with the rule '" + rule +
                   "': fa and dfa do not share feedback matrices (fa's "
                   "replace each Wᵀ, dfa's run from the output to every "
                   "layer); compare each with backprop (the default)");
    // --against fa|dfa: the reference is that rule's update (with the same
    // fixed feedback matrices), not the gradient.
    if (opts.against == "fa" || opts.against == "dfa")
      exact.feedback = opts.against;
    else if (!opts.against.empty() && opts.against != "backprop")
      return error("--against must be backprop, fa or dfa, but got '" +
                   opts.against + "'");
    report.addPass(createCredoAutodiff(exact));
    report.addPass(createCredoInstrumentAlignment());
    if (failed(report.run(*module)))
      return error(std::string("the rule's training step builds, but the "
                               "alignment report cannot: it needs the ") +
                   alignmentReference() + " of the loss");
  }
  if (opts.reportAlignment || alignOnly) {
    FailureOr<ModelInfo> align = getModelInfo(*module, "alignment");
    if (failed(align))
      return kUserError;
    alignmentOutputs = align->outputs;
    for (size_t i = 0; i + 1 < align->outputs.size(); i += 2) {
      StringRef name = align->outputs[i].name; // align.P.rule
      std::string param = name.drop_front(6).drop_back(5).str();
      // The rule's own state (a dendritic rule's somata and traces) is not
      // a parameter of the model: no report.
      if (llvm::none_of(info->params,
                        [&](const TensorInfo &t) { return t.name == param; }))
        continue;
      alignment.push_back({param, i / 2});
      alignmentCurves.push_back({alignment.back().name, {}, {}});
    }
    if (alignment.empty())
      return error("--report-alignment: the rule trains no parameter that "
                   "the loss has a gradient for");
  }
  if (auto ms = (*module)->getAttrOfType<FloatAttr>(
          CredoDialect::kSimulatedMsAttrName))
    simulatedMs = ms.getValueAsDouble();
  // The rule's unsupervised phase, if it has one: its first result.
  if (module->lookupSymbol<func::FuncOp>("settle_step")) {
    FailureOr<ModelInfo> fn = getModelInfo(*module, "settle_step");
    if (failed(fn))
      return kUserError;
    settleMetric = fn->outputs.empty() ? "metric" : fn->outputs[0].name;
  }
  // Extra results of @train_step: the ReLU counters, if instrumented.
  FailureOr<ModelInfo> step = getModelInfo(*module, "train_step");
  if (failed(step))
    return kUserError;
  stepInfo = *step;
  // Per instrumented ReLU (in the pass's order): outputs per unit and
  // sample, i.e. the spatial positions of a convolution's channel.
  // Those of the step's own block, as the pass counts (not a time loop's).
  if (opts.reportActivations)
    for (ReluOp relu : module->lookupSymbol<func::FuncOp>("train_step")
                           .getBody()
                           .front()
                           .getOps<ReluOp>()) {
      auto type = cast<RankedTensorType>(relu.getType());
      if (type.getRank() < 2)
        continue;
      int64_t n = 1;
      for (int64_t d = 2; d < type.getRank(); ++d)
        n *= type.getDimSize(d);
      positionsPerUnit.push_back(n);
    }
  // Per instrumented LIF population, in credo-instrument-spikes's order
  // (body order; a nested loop's populations where the loop is): its steps
  // (the product of its enclosing forward loops' steps) and refractory
  // period.
  std::function<void(TimeLoopOp, int64_t)> visitLoop = [&](TimeLoopOp loop,
                                                           int64_t outer) {
    const int64_t steps = outer * int64_t(loop.getSteps());
    for (Operation &op : loop.getBody().front()) {
      if (auto lif = dyn_cast<LifOp>(op))
        populations.push_back({steps, int64_t(lif.getTRef())});
      else if (auto inner = dyn_cast<TimeLoopOp>(op);
               inner && !inner.getReverse())
        visitLoop(inner, steps);
    }
  };
  if (opts.reportSpikes)
    for (Operation &op :
         module->lookupSymbol<func::FuncOp>("train_step").getBody().front())
      if (auto loop = dyn_cast<TimeLoopOp>(op); loop && !loop.getReverse())
        visitLoop(loop, 1);
  if (opts.reportSpikes && populations.empty())
    return error("--report-spikes: model '" + info->name +
                 "' has no LIF neurons in a time loop to report on");
  if (opts.reportActivations && positionsPerUnit.empty())
    return error("--report-activations: model '" + info->name +
                 "' has no ReLU in its training step to report on (one "
                 "inside a time loop is not counted)");
  // The optimizer may have added state parameters (velocities, moments).
  FailureOr<ModelInfo> forward = getModelInfo(*module, "forward");
  if (failed(forward))
    return kUserError;
  markRuleState(*info, *forward);
  info = *forward;
  jit = compileForJit(*module, opts);
  if (!jit)
    return kUserError;
  // Machine code now, so that the first epoch's time does not include it.
  if (failed(jit->prepare("train_step")) || failed(jit->prepare("forward")) ||
      (!alignment.empty() && failed(jit->prepare("alignment"))))
    return error("cannot generate code for the training step");
  return kOk;
}

int Trainer::createInstance() {
  if (credo_model_create(info->metadata().c_str(), &m.model) != CREDO_OK)
    return runtimeError("cannot create the model");
  if (credo_model_place(m.model, opts.target.c_str()) != CREDO_OK)
    return runtimeError("cannot place the parameters");
  start.seed = config.seed;
  start.stepsPerEpoch = steps;
  if (alignOnly) {
    if (int status = loadParams())
      return status;
  } else if (opts.resume.empty()) {
    if (int status = loadParams())
      return status;
  } else {
    std::map<std::string, std::string> meta;
    FailureOr<Position> at =
        readPosition(opts.resume, info->name,
                     opts.rule.empty() ? config.rule : opts.rule, meta);
    if (failed(at))
      return kUserError;
    if (int status = compareRuns(meta, *at))
      return status;
    if (at->step > 0) {
      // Mid-epoch: the rest of that epoch needs the same data order.
      if (opts.trainSeed && *opts.trainSeed != at->seed)
        return error("'" + opts.resume + "' stopped inside epoch " +
                     std::to_string(at->epoch + 1) + ", whose data order " +
                     "comes from seed " + std::to_string(at->seed) +
                     ", but --seed is " + std::to_string(*opts.trainSeed));
      if (at->stepsPerEpoch != steps)
        return error("'" + opts.resume + "' stopped inside an epoch of " +
                     std::to_string(at->stepsPerEpoch) + " steps, but this " +
                     "run has " + std::to_string(steps) + " steps per epoch " +
                     "(another batch size or data set)");
      config.seed = at->seed;
      start = *at;
    } else {
      // At an epoch's end: the next epochs' data orders come from the
      // checkpoint's seed too (it was the training section's), unless
      // --seed asks for another.
      if (!opts.trainSeed)
        config.seed = at->seed;
      start.epoch = at->epoch;
      start.seed = config.seed;
    }
    // Resuming continues the same training: a tensor this step does not
    // have (another optimizer's or rule's state) would be dropped.
    {
      credo_tensor_set set{};
      if (credo_safetensors_read(opts.resume.c_str(), &set) != CREDO_OK)
        return error(credo_last_error());
      std::string extra;
      for (size_t i = 0; i < set.count && extra.empty(); ++i)
        if (llvm::none_of(info->params, [&](const TensorInfo &p) {
              return p.name == set.items[i].name;
            }))
          extra = set.items[i].name;
      credo_tensor_set_free(&set);
      if (!extra.empty())
        return error("'" + opts.resume + "' holds '" + extra +
                     "', which this training step does not have (another "
                     "optimizer or rule saved it); --resume continues the "
                     "same training, --params starts a new one from the "
                     "file's parameters");
    }
    if (int status =
            loadFiniteParams(m.model, *info, opts.resume, "cannot resume"))
      return status;
    llvm::outs() << "credoc: resuming from " << opts.resume;
    if (start.step == 0)
      llvm::outs() << " after epoch " << start.epoch << "\n";
    else
      llvm::outs() << " in epoch " << start.epoch + 1 << ", after step "
                   << start.step << " of " << steps << "\n";
  }
  if (credo_model_reserve_next(m.model) != CREDO_OK)
    return runtimeError("cannot allocate the parameters");
  credo_set_num_threads(opts.threads);
  return kOk;
}

int Trainer::allocateBuffers() {
  // One buffer per input, then the learning rate and the loss.
  const size_t inputs = info->inputs.size();
  io.list.resize(inputs + 2);
  for (size_t i = 0; i < inputs; ++i) {
    const TensorInfo &in = info->inputs[i];
    credo_dtype dtype = in.dtype == "f64"   ? CREDO_F64
                        : in.dtype == "i32" ? CREDO_I32
                        : in.dtype == "i64" ? CREDO_I64
                                            : CREDO_F32;
    if (credo_tensor_alloc(&io.list[i], dtype, int32_t(in.shape.size()),
                           in.shape.data()) != CREDO_OK)
      return runtimeError("cannot allocate batches");
  }
  // The step's scalars are f64 in a model in double precision.
  const credo_dtype scalar = info->stepScalar == "f64" ? CREDO_F64 : CREDO_F32;
  if (credo_tensor_alloc(&io.list[inputs], scalar, 0, nullptr) != CREDO_OK ||
      credo_tensor_alloc(&io.list[inputs + 1], scalar, 0, nullptr) != CREDO_OK)
    return runtimeError("cannot allocate batches");
  for (const TensorInfo &o : info->outputs) {
    credo_tensor t{};
    if (credo_tensor_alloc(&t, o.dtype == "f64" ? CREDO_F64 : CREDO_F32,
                           static_cast<int32_t>(o.shape.size()),
                           o.shape.data()) != CREDO_OK)
      return runtimeError("cannot allocate outputs");
    forwardOutputs.list.push_back(t);
  }
  size_t population = 0;
  for (const TensorInfo &o : stepInfo->outputs) {
    bool spikes = o.name.rfind("spikes.", 0) == 0;
    if (o.name.rfind("active.", 0) != 0 && !spikes)
      continue;
    Counter c;
    c.layer = o.name.substr(7);
    c.spikes = spikes;
    if (spikes && population < populations.size()) {
      c.timeSteps = populations[population].first;
      c.tRef = populations[population++].second;
    }
    if (credo_tensor_alloc(&c.step, CREDO_F32, 1, o.shape.data()) != CREDO_OK)
      return runtimeError("cannot allocate counters");
    c.total.assign(o.shape[0], 0.0);
    c.perUnit = !spikes && counters.size() < positionsPerUnit.size()
                    ? positionsPerUnit[counters.size()]
                    : 1;
    counters.push_back(std::move(c));
  }
  for (const TensorInfo &o : alignmentOutputs) {
    credo_tensor t{};
    if (credo_tensor_alloc(&t, o.dtype == "f64" ? CREDO_F64 : CREDO_F32,
                           int32_t(o.shape.size()), o.shape.data()) != CREDO_OK)
      return runtimeError("cannot allocate the alignment report");
    alignmentOut.list.push_back(t);
  }
  if (!opts.metrics.empty())
    if (int status = openMetrics(opts.metrics, csvColumns(), metrics, csv))
      return status;
  return kOk;
}

std::vector<void *> &Trainer::batchArgs(bool step) {
  std::vector<void *> &args = callArgs;
  args.clear();
  for (size_t i = 0; i < info->params.size(); ++i)
    args.push_back(credo_model_param_buffer(m.model, i));
  const size_t inputs = info->inputs.size();
  for (size_t i = 0; i < inputs + (step ? 2 : 0); ++i)
    args.push_back(io.list[i].data);
  if (step)
    for (size_t i = 0; i < info->params.size(); ++i)
      args.push_back(credo_model_next_param_data(m.model, i));
  return args;
}

// Image bytes stay bytes in the data set (a quarter of the memory); the
// batch gets each pixel as credo_idx_read scales it, v / 255 in f32 (a
// division the compiler vectorizes, correctly rounded like the reader's).
void Trainer::gather(const std::vector<int64_t> &order, int64_t first,
                     int split, int64_t count) {
  for (const Feed &f : feeds) {
    const credo_tensor &from = data.list[split ? f.test : f.train];
    auto *to = static_cast<char *>(io.list[f.input].data);
    const size_t row = size_t(f.rowElems) * f.elemBytes;
    for (int64_t r = 0; r < batch; ++r) {
      if (r >= count) { // padding rows of a last, partial evaluation batch
        std::memset(to + r * row, 0, row);
        continue;
      }
      int64_t s = order.empty() ? first + r : order[first + r];
      if (!f.pixels) {
        std::memcpy(to + r * row,
                    static_cast<const char *>(from.data) + s * row, row);
        continue;
      }
      const auto *x = static_cast<const uint8_t *>(from.data);
      if (r + 1 < count) { // the next sample's bytes, while this one converts
        const uint8_t *next =
            x + (order.empty() ? s + 1 : order[first + r + 1]) * f.rowElems;
        for (int64_t at = 0; at < f.rowElems; at += 64)
          __builtin_prefetch(next + at);
      }
      const uint8_t *bytes = x + s * f.rowElems;
      auto *pixel = reinterpret_cast<float *>(to + r * row);
      for (int64_t i = 0; i < f.rowElems; ++i)
        pixel[i] = float(bytes[i]) / 255.0f;
    }
  }
}

/// A scalar output's value.
static double scalarOf(const credo_tensor &t) {
  return t.dtype == CREDO_F64 ? *static_cast<const double *>(t.data)
                              : double(*static_cast<const float *>(t.data));
}

/// Element i of a float output.
static double elementOf(const credo_tensor &t, int64_t i) {
  return t.dtype == CREDO_F64 ? static_cast<const double *>(t.data)[i]
                              : double(static_cast<const float *>(t.data)[i]);
}

std::optional<std::pair<double, double>> Trainer::evaluate(bool train) {
  const int split = train ? 0 : 1;
  const int64_t total = train ? trainN : testN;
  int64_t correct = 0;
  double lossSum = 0;
  // A scalar output (the loss, a mean output) is the mean over its batch,
  // so only full batches are measured.
  const bool fullBatches = metricKind == "loss" || metricKind == "mean";
  const int64_t evaluated = fullBatches ? total / batch * batch : total;
  int64_t perRow = 1; // mse: elements per sample
  if (metricKind == "mse")
    for (size_t d = 1; d < info->outputs[metricOutput].shape.size(); ++d)
      perRow *= info->outputs[metricOutput].shape[d];
  for (int64_t s = 0; s < evaluated; s += batch) {
    int64_t count = std::min(batch, total - s);
    gather({}, s, split, count);
    std::vector<void *> &args = batchArgs(false);
    for (credo_tensor &t : forwardOutputs.list)
      args.push_back(t.data);
    if (jit->call("forward", args) != CREDO_OK)
      return std::nullopt;
    if (fullBatches) {
      lossSum +=
          double(count) *
          scalarOf(forwardOutputs
                       .list[metricKind == "loss" ? lossOutput : metricOutput]);
      continue;
    }
    if (metricKind == "mse") {
      // The target rows are the batch's input buffer.
      const credo_tensor &out = forwardOutputs.list[metricOutput];
      const credo_tensor &target = io.list[targetInput];
      for (int64_t i = 0; i < count * perRow; ++i) {
        double d = elementOf(out, i) - elementOf(target, i);
        lossSum += d * d / double(perRow);
      }
      continue;
    }
    const credo_tensor &logits = forwardOutputs.list[logitsOutput];
    const auto *labels = static_cast<const int32_t *>(
        data.list[split ? labelFeed->test : labelFeed->train].data);
    for (int64_t r = 0; r < count; ++r) {
      int64_t best = 0;
      for (int64_t c = 1; c < classes; ++c)
        if (elementOf(logits, r * classes + c) >
            elementOf(logits, r * classes + best))
          best = c;
      if (best == labels[s + r])
        ++correct;
      // −log softmax(row)[label], computed stably in double.
      double top = elementOf(logits, r * classes + best), sum = 0;
      for (int64_t c = 0; c < classes; ++c)
        sum += std::exp(elementOf(logits, r * classes + c) - top);
      lossSum +=
          std::log(sum) + top - elementOf(logits, r * classes + labels[s + r]);
    }
  }
  if (!labelled) {
    double value = lossSum / double(evaluated);
    return std::make_pair(value, value);
  }
  return std::make_pair(100.0 * double(correct) / double(total),
                        lossSum / double(total));
}

std::string Trainer::computeDescription() const {
  if (opts.target != "cpu")
    return opts.target;
  return std::string("cpu, ") +
         (opts.kernels == CpuKernels::Reference ? "reference" : "dnnl") +
         " kernels, " + std::to_string(opts.threads) +
         (opts.threads == 1 ? " thread" : " threads");
}

int Trainer::compareRuns(const std::map<std::string, std::string> &meta,
                         const Position &at) {
  auto recorded = [&](const char *key) -> std::optional<std::string> {
    auto it = meta.find(key);
    if (it == meta.end())
      return std::nullopt;
    return it->second;
  };
  const std::string &file = opts.resume;
  // Inside an epoch the rest of its data order is cut into batches of the
  // saved run's size (another size with the same steps per epoch would
  // skip samples and see others twice).
  if (auto b = recorded(kBatchKey); b && *b != std::to_string(batch)) {
    if (at.step > 0)
      return error("'" + file + "' stopped inside epoch " +
                   std::to_string(at.epoch + 1) + " of a run with batch " +
                   quoteForMessage(*b) + ", but this run's batch is " +
                   std::to_string(batch) +
                   "; resume with the same batch (--batch " +
                   quoteForMessage(*b) +
                   "), or from a checkpoint saved "
                   "at the end of an epoch");
    llvm::errs() << "credoc: note: '" << file
                 << "' was saved by a run with batch " << quoteForMessage(*b)
                 << "; this run's batch is " << batch << "\n";
  }
  auto warn = [&](const std::string &what) {
    llvm::errs() << "credoc: warning: " << what << "\n";
  };
  const std::string differ =
      "; the result will not equal an uninterrupted run's";
  if (auto c = recorded(kComputeKey); c && *c != computeDescription())
    warn("'" + file + "' was trained on " + quoteForMessage(*c) +
         ", this run computes on " + computeDescription() +
         ": sums round differently from here on" + differ);
  // An edited model file: its graph or its training section.
  for (auto [key, now, what, parts] :
       {std::tuple(kGraphKey, &source.graph, "the graph",
                   "its nodes, inputs, parameters or initializers"),
        std::tuple(kTrainingKey, &source.training, "the training section",
                   "its optimizer, schedule, rule settings, loss or data "
                   "set")})
    if (auto saved = recorded(key); saved && !now->empty() && *saved != *now)
      warn(std::string(what) + " of '" + opts.model + "' changed since '" +
           file + "' was saved (" + parts +
           "): the run goes on with it as it is now" + differ);
  if (auto e = recorded(kEpochsKey); e && config.schedule.type == "cosine" &&
                                     *e != std::to_string(config.epochs))
    warn("the cosine schedule spans a run's epochs: '" + file +
         "' was saved by a run of " + quoteForMessage(*e) +
         " epochs, this one has " + std::to_string(config.epochs) +
         ", so the learning rate from here on follows neither run's "
         "schedule");
  return kOk;
}

int Trainer::saveCheckpoint(const std::string &path, const Position &at) {
  std::map<std::string, std::string> meta = positionMetadata(at);
  meta[kRuleKey] = opts.rule.empty() ? config.rule : opts.rule;
  meta[kBatchKey] = std::to_string(batch);
  meta[kEpochsKey] = std::to_string(config.epochs);
  meta[kComputeKey] = computeDescription();
  if (!source.graph.empty()) {
    meta[kGraphKey] = source.graph;
    meta[kTrainingKey] = source.training;
  }
  std::vector<const char *> keys, values;
  for (const auto &[k, v] : meta) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  if (credo_model_save_with_metadata(m.model, path.c_str(), keys.data(),
                                     values.data(), keys.size()) != CREDO_OK)
    return runtimeError("cannot save the checkpoint");
  saved = true;
  return kOk;
}

/// Ctrl-C, SIGTERM or --stop-after: saves where training stands and says
/// how to go on. A signal exits with 128 + its number (130 for Ctrl-C, 143
/// for SIGTERM), a planned stop with 0.
int Trainer::stopAndSave(const Position &at, const char *why) {
  std::string path = opts.checkpoint.empty()
                         ? interruptedCheckpointPath(info->name, opts.resume)
                         : opts.checkpoint;
  if (saveCheckpoint(path, at) != kOk)
    return error(std::string(why) +
                 (at.step == 0 ? " after epoch " + std::to_string(at.epoch)
                               : " in epoch " + std::to_string(at.epoch + 1)) +
                 ", but the parameters could not be saved (above); what was "
                 "trained since the last checkpoint is lost");
  stopped = true;
  llvm::outs() << "credoc: " << why;
  if (at.step == 0)
    llvm::outs() << " after epoch " << at.epoch;
  else
    llvm::outs() << " in epoch " << at.epoch + 1 << " after step " << at.step
                 << " of " << steps;
  llvm::outs() << "; saved the parameters to " << path
               << " (resume with --resume " << path << ")\n";
  // The picture and the metrics are written after each epoch.
  if (at.epoch == start.epoch && (!opts.plot.empty() || !opts.metrics.empty()))
    llvm::outs() << "credoc: note: no epoch of this run ended, so "
                 << (opts.plot.empty()      ? "--metrics has"
                     : opts.metrics.empty() ? "--plot has"
                                            : "--plot and --metrics have")
                 << " nothing of it (they are written after each epoch)\n";
  llvm::outs().flush();
  return stopSignal ? stopStatus() : kOk;
}

void Trainer::showProgress(int64_t epoch, int64_t step, int64_t firstStep,
                           double lossSum, double elapsed) {
  double done = double(step + 1) / double(steps);
  bool show = tty ? elapsed - lastShown >= 0.2 || step + 1 == steps
                  : std::floor(done * 4) > std::floor((done - 1.0 / steps) * 4);
  if (!show || (!tty && step + 1 == steps))
    return;
  lastShown = elapsed;
  double rate =
      double((step + 1 - firstStep) * batch) / std::max(elapsed, 1e-9);
  double eta = double(steps - step - 1) * batch / std::max(rate, 1e-9);
  int filled = static_cast<int>(done * 24);
  std::string bar = std::string(filled, '=') + (filled < 24 ? ">" : "") +
                    std::string(std::max(0, 23 - filled), ' ');
  llvm::outs() << (tty ? "\r" : "") << "epoch " << epoch + 1 << "/"
               << config.epochs << " [" << bar << "] "
               << llvm::format("%3d%%", int(done * 100)) << " loss "
               << formatNumber(lossSum / double(step + 1), "%.4f") << "  "
               << formatCount(rate) << " samples/s  ETA " << formatDuration(eta)
               << (tty ? "" : "\n");
  llvm::outs().flush();
}

/// Steps `firstStep`.. of `epoch`, then its report and checkpoint.
int Trainer::trainEpoch(int64_t epoch, int64_t firstStep, double lossSum) {
  std::vector<int64_t> order(trainN);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(config.seed * 1000003u + uint64_t(epoch));
  std::shuffle(order.begin(), order.end(), rng);
  auto begin = std::chrono::steady_clock::now();
  lastShown = -1;
  const credo_tensor &lrArg = io.list[info->inputs.size()],
                     &lossArg = io.list[info->inputs.size() + 1];
  const StepScalar lrBuf{lrArg.dtype, lrArg.data},
      lossBuf{lossArg.dtype, lossArg.data};
  for (int64_t step = firstStep; step < steps; ++step) {
    Position here{epoch, step, config.seed, steps, lossSum};
    if (stopSignal)
      return stopAndSave(here, stopWord());
    if (opts.stopAfter && stepsThisRun == *opts.stopAfter)
      return stopAndSave(here, "stopped (--stop-after)");
    gather(order, step * batch, 0, batch);
    lrBuf.set(learningRate(config, epoch, epoch * steps + step,
                           steps * config.epochs));
    if (!alignment.empty())
      if (int status = measureAlignment())
        return status;
    std::vector<void *> &args = batchArgs(true);
    for (Counter &c : counters)
      args.push_back(c.step.data);
    if (jit->call("train_step", args) != CREDO_OK)
      return error("epoch " + std::to_string(epoch + 1) + ", step " +
                   std::to_string(step + 1) + ": " + credo_last_error());
    if (!std::isfinite(lossBuf.get()))
      return error("the loss diverged (" + std::to_string(lossBuf.get()) +
                   ") at epoch " + std::to_string(epoch + 1) + ", step " +
                   std::to_string(step + 1) + "; " + divergenceAdvice() +
                   savedNote());
    credo_model_swap_params(m.model);
    ++stepsThisRun;
    ++countedSteps;
    lossSum += lossBuf.get();
    for (Counter &c : counters) {
      const auto *counts = static_cast<const float *>(c.step.data);
      for (size_t u = 0; u < c.total.size(); ++u)
        c.total[u] += counts[u];
    }
    showProgress(
        epoch, step, firstStep, lossSum,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
            .count());
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  if (tty)
    llvm::outs() << "\n";
  // The metrics' rate is the epoch's first step's (a cosine schedule
  // lowers it at every step).
  return finishEpoch(
      epoch, lossSum, seconds * double(steps) / double(steps - firstStep),
      learningRate(config, epoch, epoch * steps, steps * config.epochs));
}

/// A norm ratio: four decimals, or four significant digits below 0.001
/// (an update 1e-5 times the gradient's length is not 0.0000).
static std::string formatRatio(double ratio) {
  return formatNumber(ratio,
                      ratio != 0 && std::fabs(ratio) < 1e-3 ? "%.4g" : "%.4f");
}

int Trainer::measureAlignment() {
  std::vector<void *> &args = batchArgs(false);
  for (credo_tensor &t : alignmentOut.list)
    args.push_back(t.data);
  if (jit->call("alignment", args) != CREDO_OK)
    return error(std::string("the alignment report: ") + credo_last_error());
  for (Alignment &a : alignment) {
    // The dot product and the squared norms, summed in double.
    const credo_tensor &r = alignmentOut.list[2 * a.output],
                       &g = alignmentOut.list[2 * a.output + 1];
    auto at = [](const credo_tensor &t, int64_t i) {
      return t.dtype == CREDO_F64
                 ? static_cast<const double *>(t.data)[i]
                 : double(static_cast<const float *>(t.data)[i]);
    };
    double dot = 0, rule = 0, exact = 0;
    for (int64_t i = 0, n = credo_tensor_numel(&r); i < n; ++i) {
      double x = at(r, i), y = at(g, i);
      dot += x * y;
      rule += x * x;
      exact += y * y;
    }
    ++a.steps;
    // A zero direction has no angle.
    if (!(rule > 0) || !(exact > 0) || !std::isfinite(dot)) {
      a.noUpdate += !(rule > 0);
      a.noGradient += !(exact > 0);
      continue;
    }
    double cosine = std::clamp(dot / std::sqrt(rule * exact), -1.0, 1.0);
    a.angles += std::acos(cosine) * 180.0 / M_PI;
    a.ratios += std::sqrt(rule / exact);
    ++a.count;
  }
  return kOk;
}

std::string Trainer::metricShown() const {
  return metricKind == "mean" ? info->outputs[metricOutput].name : metricKind;
}

std::string Trainer::csvColumns() const {
  std::string columns =
      "epoch,train_loss,test_" + metricShown() + ",lr,samples_per_s,seconds";
  if (simulatedMs > 0)
    columns += ",simulated_ms_per_s";
  for (const Counter &c : counters)
    columns += c.spikes ? "," + c.layer + "_rate," + c.layer + "_silent," +
                              c.layer + "_saturated"
                        : "," + c.layer + "_p_active," + c.layer + "_dead";
  for (const Alignment &a : alignment)
    columns += "," + a.name + "_angle," + a.name + "_ratio";
  // The steps the diagnostics cover (fewer than the epoch's after a resume
  // inside it).
  if (!counters.empty() || !alignment.empty())
    columns += ",diagnostics_steps";
  // A rule with an unsupervised phase: its rows (before the first epoch)
  // fill these two columns only, the epochs' rows every other one.
  if (!settleMetric.empty())
    columns += ",settle_epoch," + settleMetric;
  return columns;
}

/// The end of an epoch: the dying-ReLU report, the test accuracy, metrics
/// and the checkpoint.
int Trainer::finishEpoch(int64_t epoch, double lossSum, double seconds,
                         double lr) {
  std::string activationsJson, activationsCsv;
  std::string spikesJson;
  std::vector<RateHistogram> rateHistograms;
  // The samples the counts cover: the epoch's, or the part of it this run
  // took after resuming inside it.
  const int64_t counted = std::max<int64_t>(countedSteps, 1);
  countedSteps = 0;
  if (counted < steps && (!counters.empty() || !alignment.empty()))
    llvm::outs() << "  (the diagnostics below cover steps "
                 << steps - counted + 1 << " to " << steps
                 << " of the epoch: this run resumed inside it)\n";
  for (Counter &c : counters) {
    if (c.spikes) {
      // Rates per neuron and step; a neuron is saturated when it fired at
      // every step its refractory period allowed, for every sample.
      double samples = double(counted * batch), total = 0;
      double most = samples * double((c.timeSteps + c.tRef) / (c.tRef + 1));
      int64_t silent = 0, saturated = 0;
      for (double t : c.total) {
        total += t;
        silent += t == 0;
        saturated += most > 0 && t >= most;
      }
      size_t n = c.total.size();
      double rate = total / (samples * double(c.timeSteps) * double(n));
      if (!opts.plot.empty()) {
        RateHistogram h{c.layer, epoch + 1, {}, 1};
        double perNeuron = samples * double(c.timeSteps);
        for (double t : c.total)
          h.rates.push_back(t / perNeuron);
        h.saturatedRate = most / perNeuron;
        rateHistograms.push_back(std::move(h));
      }
      llvm::outs() << "  lif " << c.layer << ": rate "
                   << llvm::format("%.4f", rate) << " spikes/step, silent "
                   << silent << "/" << n << ", saturated " << saturated << "/"
                   << n << "\n";
      spikesJson += std::string(spikesJson.empty() ? "" : ", ") + "\"" +
                    c.layer + "\": {\"rate\": " + std::to_string(rate) +
                    ", \"silent\": " + std::to_string(silent) +
                    ", \"saturated\": " + std::to_string(saturated) +
                    ", \"neurons\": " + std::to_string(n) + "}";
      activationsCsv += "," + std::to_string(rate) + "," +
                        std::to_string(silent) + "," +
                        std::to_string(saturated);
      std::fill(c.total.begin(), c.total.end(), 0.0);
      continue;
    }
    double positives = 0;
    int64_t dead = 0;
    for (double t : c.total) {
      positives += t;
      dead += t == 0;
    }
    // Each unit sees steps·batch samples times its spatial positions.
    double p = positives / (double(counted * batch) * double(c.perUnit) *
                            double(c.total.size()));
    llvm::outs() << "  relu " << c.layer << ": Pr[y>0] "
                 << llvm::format("%.4f", p) << ", dead units " << dead << "/"
                 << c.total.size() << "\n";
    activationsJson += std::string(activationsJson.empty() ? "" : ", ") + "\"" +
                       c.layer + "\": {\"p_active\": " + std::to_string(p) +
                       ", \"dead\": " + std::to_string(dead) +
                       ", \"units\": " + std::to_string(c.total.size()) + "}";
    activationsCsv += "," + std::to_string(p) + "," + std::to_string(dead);
    std::fill(c.total.begin(), c.total.end(), 0.0);
  }
  std::string alignmentJson;
  for (auto [a, curve] : llvm::zip_equal(alignment, alignmentCurves)) {
    llvm::outs() << "  align " << a.name << ": ";
    std::string angle = "null", ratio = "null";
    double meanAngle = a.count ? a.angles / double(a.count) : NAN;
    double meanRatio = a.count ? a.ratios / double(a.count) : NAN;
    curve.angles.push_back(meanAngle);
    curve.ratios.push_back(meanRatio);
    if (a.count) {
      angle = llvm::formatv("{0:f2}", meanAngle).str();
      ratio = formatRatio(meanRatio);
      llvm::outs() << angle << "° to the " << alignmentReference()
                   << ", norm ratio " << ratio;
    } else {
      llvm::outs() << "no angle (" << a.whyNoAngle(alignmentReference()) << ")";
    }
    if (a.count && (a.noUpdate || a.noGradient))
      llvm::outs() << " (no angle where " << a.whyNoAngle(alignmentReference())
                   << ")";
    llvm::outs() << "\n";
    alignmentJson += std::string(alignmentJson.empty() ? "" : ", ") + "\"" +
                     a.name + "\": {\"angle\": " + angle +
                     ", \"ratio\": " + ratio + "}";
    activationsCsv += "," + (a.count ? angle : std::string()) + "," +
                      (a.count ? ratio : std::string());
    a = Alignment{a.name, a.output};
  }
  std::optional<std::pair<double, double>> test = evaluate();
  if (!test)
    return runtimeError("evaluation failed");
  // A parameter that is not finite but does not reach the loss (a local
  // rule's update of a weight off the loss's path) would be saved as
  // trained: name it.
  if (auto bad = firstNonFiniteParam(m.model, *info))
    return error("parameter '" + bad->first + "' holds " + bad->second.what() +
                 " at element " + std::to_string(bad->second.at) +
                 " after epoch " + std::to_string(epoch + 1) + "; " +
                 finiteKept("parameters") + "; " + divergenceAdvice());
  // Every parameter is finite, but the test set's measure is not: the
  // model overflows on some test sample (parameters grown large, or
  // samples of huge values).
  if (!std::isfinite(test->second))
    return error("the test " + (labelled ? std::string("loss") : metricKind) +
                 " is " + std::to_string(test->second) + " after epoch " +
                 std::to_string(epoch + 1) +
                 ", though every parameter is finite: the model overflows on "
                 "a test sample (parameters grown large, or samples of huge "
                 "values); " +
                 finiteKept("parameters") + "; " + divergenceAdvice() +
                 ", or look at the test samples");

  double trainLoss = lossSum / double(steps);
  double rate = double(steps * batch) / seconds;
  // Each step simulates its batch side by side for simulatedMs.
  double simulatedRate = double(steps) * simulatedMs / seconds;
  std::string shown = metricShown();
  std::string key = "test_" + shown;
  char value[64];
  std::snprintf(value, sizeof(value), labelled ? "%.4f" : "%.8g", test->first);
  llvm::outs() << "epoch " << epoch + 1 << "/" << config.epochs
               << ": train loss " << formatNumber(trainLoss, "%.4f");
  if (labelled)
    llvm::outs() << ", test accuracy " << llvm::format("%.2f", test->first)
                 << " %";
  else
    llvm::outs() << ", test " << shown << " "
                 << formatNumber(test->first, "%.6g");
  llvm::outs() << ", " << formatCount(rate) << " samples/s ("
               << llvm::format("%.1f", seconds) << " s";
  if (simulatedMs > 0)
    llvm::outs() << ", " << formatCount(simulatedRate)
                 << " simulated ms per wall-clock second";
  llvm::outs() << ")\n";
  llvm::outs().flush();
  if (metrics && csv) {
    *metrics << epoch + 1 << "," << llvm::format("%.6f", trainLoss) << ","
             << value << "," << llvm::format("%.6g", lr) << ","
             << llvm::format("%.1f", rate) << ","
             << llvm::format("%.3f", seconds);
    if (simulatedMs > 0)
      *metrics << "," << llvm::format("%.1f", simulatedRate);
    if (!counters.empty() || !alignment.empty())
      *metrics << activationsCsv << "," << counted;
    *metrics << (settleMetric.empty() ? "" : ",,") << "\n";
    flushMetrics(metrics, opts.metrics);
  } else if (metrics) {
    *metrics << "{\"epoch\": " << epoch + 1
             << ", \"train_loss\": " << llvm::format("%.6f", trainLoss)
             << ", \"" << key << "\": " << value
             << ", \"lr\": " << llvm::format("%.6g", lr)
             << ", \"samples_per_s\": " << llvm::format("%.1f", rate)
             << ", \"seconds\": " << llvm::format("%.3f", seconds);
    if (simulatedMs > 0)
      *metrics << ", \"simulated_ms_per_s\": "
               << llvm::format("%.1f", simulatedRate);
    if (!activationsJson.empty())
      *metrics << ", \"activations\": {" << activationsJson << "}";
    if (!spikesJson.empty())
      *metrics << ", \"spikes\": {" << spikesJson << "}";
    if (!alignmentJson.empty())
      *metrics << ", \"alignment\": {" << alignmentJson << "}";
    if (counted < steps && (!counters.empty() || !alignment.empty()))
      *metrics << ", \"diagnostics_steps\": " << counted;
    *metrics << "}\n";
    flushMetrics(metrics, opts.metrics);
  }
  // The picture also shows the metric on the training set after the epoch
  // (accuracy, mse or a mean output): one more forward pass over it, only
  // when a plot is asked for.
  double trainMetric = NAN;
  if (!opts.plot.empty() && metricKind != "loss") {
    std::optional<std::pair<double, double>> onTrain = evaluate(true);
    if (!onTrain)
      return runtimeError("evaluation failed");
    trainMetric = onTrain->first;
  }
  // Test loss: the cross-entropy beside accuracy, the loss metric itself;
  // mse and mean outputs have none.
  double testLoss = labelled || metricKind == "loss" ? test->second : NAN;
  double testMetric = metricKind == "loss" ? NAN : test->first;
  history.push_back({epoch + 1, trainLoss, testLoss, testMetric, trainMetric});
  if (!opts.plot.empty()) {
    std::string svg = renderCurves(
        info->name, history, labelled ? std::string("accuracy (%)") : shown,
        rateHistograms, alignmentCurves);
    writePlot(opts.plot, svg);
  }
  if (!opts.checkpoint.empty())
    return saveCheckpoint(opts.checkpoint,
                          Position{epoch + 1, 0, config.seed, steps, 0});
  return kOk;
}

int Trainer::loadParams() {
  return initAndOverlayParams(m.model, *info, opts.params,
                              opts.rule.empty() ? config.rule : opts.rule);
}

int Trainer::prepare() {
  for (int (Trainer::*phase)() :
       {&Trainer::setUp, &Trainer::loadData, &Trainer::compile,
        &Trainer::createInstance, &Trainer::allocateBuffers})
    if (int status = (this->*phase)(); status != kOk)
      return status;
  return kOk;
}

int Trainer::align() {
  if (int status = prepare())
    return status;
  std::vector<int64_t> order(trainN);
  std::iota(order.begin(), order.end(), 0);
  const int64_t batches = opts.batches ? std::min(*opts.batches, steps) : steps;
  tty = ::isatty(STDOUT_FILENO);
  auto begin = std::chrono::steady_clock::now();
  double lastLine = -1;
  for (int64_t step = 0; step < batches; ++step) {
    gather(order, step * batch, 0, batch);
    if (int status = measureAlignment())
      return status;
    // Progress, as training shows it: on a terminal every 0.2 s, else at
    // each quarter.
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
            .count();
    double done = double(step + 1) / double(batches);
    bool show = step + 1 < batches &&
                (tty ? elapsed - lastLine >= 0.2
                     : std::floor(done * 4) >
                           std::floor((done - 1.0 / double(batches)) * 4));
    if (!show)
      continue;
    lastLine = elapsed;
    double rate = double((step + 1) * batch) / std::max(elapsed, 1e-9);
    llvm::outs() << (tty ? "\r" : "") << "align " << step + 1 << "/" << batches
                 << " batches, " << formatCount(rate) << " samples/s  ETA "
                 << formatDuration(double((batches - step - 1) * batch) /
                                   std::max(rate, 1e-9))
                 << (tty ? "" : "\n");
    llvm::outs().flush();
  }
  if (tty && lastLine >= 0)
    llvm::outs() << "\n";
  llvm::outs() << "credoc: the update of rule '"
               << (opts.rule.empty() ? config.rule : opts.rule)
               << "' against the " << alignmentReference() << " of '"
               << config.loss << "', mean over " << batches << " batches of "
               << batch << " training samples:\n";
  for (Alignment &a : alignment) {
    llvm::outs() << "  " << llvm::left_justify(a.name, 12) << " ";
    if (a.count)
      llvm::outs() << llvm::format("%7.2f", a.angles / double(a.count))
                   << "°  norm ratio "
                   << formatRatio(a.ratios / double(a.count)) << "\n";
    else
      llvm::outs() << "no angle (" << a.whyNoAngle(alignmentReference())
                   << ")\n";
  }
  return kOk;
}

int Trainer::settle() {
  int64_t epochs = opts.settle ? *opts.settle : config.settleEpochs;
  // A resumed run settled before its checkpoint.
  if (!opts.resume.empty() && opts.settle && *opts.settle > 0)
    llvm::errs() << "credoc: warning: --settle has no effect with --resume: "
                    "the run settled before its checkpoint\n";
  if (epochs == 0 || !opts.resume.empty())
    return kOk;
  std::string rule = opts.rule.empty() ? config.rule : opts.rule;
  if (settleMetric.empty())
    return error("the rule '" + rule +
                 "' has no unsupervised phase (@settle_step), so it cannot "
                 "settle (--settle, settle_epochs); give --settle 0 to train "
                 "without it");
  if (failed(jit->prepare("settle_step")))
    return error("cannot generate code for the unsupervised phase");
  const std::string &metric = settleMetric;
  const credo_tensor &lrArg = io.list[info->inputs.size()],
                     &metricArg = io.list[info->inputs.size() + 1];
  const StepScalar lrBuf{lrArg.dtype, lrArg.data},
      metricBuf{metricArg.dtype, metricArg.data};
  lrBuf.set(config.optimizer.lr);
  std::vector<int64_t> order(trainN);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    std::mt19937_64 rng(config.seed * 1000003u + 7919u * uint64_t(epoch + 1));
    std::shuffle(order.begin(), order.end(), rng);
    auto begin = std::chrono::steady_clock::now();
    double sum = 0;
    for (int64_t step = 0; step < steps; ++step) {
      if (stopSignal) {
        // A checkpoint resumes training after the phase, so none is
        // written from inside it.
        error(
            std::string(stopWord()) +
            " in the unsupervised phase (settle epoch " +
            std::to_string(epoch + 1) + ", step " + std::to_string(step + 1) +
            "); nothing saved: a checkpoint resumes the training that follows "
            "the phase");
        return stopStatus();
      }
      gather(order, step * batch, 0, batch);
      std::vector<void *> &args = batchArgs(true);
      if (jit->call("settle_step", args) != CREDO_OK)
        return error("settling, epoch " + std::to_string(epoch + 1) +
                     ", step " + std::to_string(step + 1) + ": " +
                     credo_last_error());
      if (!std::isfinite(metricBuf.get()))
        return error("the unsupervised phase diverged (" + metric + " " +
                     std::to_string(metricBuf.get()) + ") at epoch " +
                     std::to_string(epoch + 1) + ", step " +
                     std::to_string(step + 1) +
                     "; lower the learning rate or the rule's rates");
      credo_model_swap_params(m.model);
      sum += metricBuf.get();
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
            .count();
    llvm::outs() << "settle " << epoch + 1 << "/" << epochs << ": " << metric
                 << " " << llvm::format("%.6g", sum / double(steps)) << " ("
                 << llvm::format("%.1f", seconds) << " s)\n";
    llvm::outs().flush();
    if (metrics && csv) {
      std::string columns = csvColumns();
      *metrics << std::string(llvm::count(columns, ',') - 1, ',') << epoch + 1
               << "," << llvm::format("%.8g", sum / double(steps)) << "\n";
      flushMetrics(metrics, opts.metrics);
    } else if (metrics) {
      *metrics << "{\"settle_epoch\": " << epoch + 1 << ", \"" << metric
               << "\": " << llvm::format("%.8g", sum / double(steps)) << "}\n";
      flushMetrics(metrics, opts.metrics);
    }
  }
  return kOk;
}

int Trainer::run() {
  // Ctrl-C (or SIGTERM) while the data load and the step compiles stops at
  // once, with a message (nothing is trained yet); afterwards it stops at a
  // step.
  StopSignals signals(interruptBeforeTraining(
      "loading the data and compiling the training step"));
  if (int status = prepare())
    return status;
  stopSignal = 0;
  signals.handle(nullptr);

  tty = ::isatty(STDOUT_FILENO);
  llvm::outs() << "credoc: training '" << info->name << "' on "
               << config.dataset << " (" << trainN << " train, " << testN
               << " test samples), batch " << batch << ", " << config.epochs
               << " epochs, " << steps << " steps per epoch\n";
  llvm::outs() << unlearned;
  llvm::outs().flush();

  if (int status = settle())
    return status;
  if (start.epoch >= config.epochs) {
    llvm::outs() << "credoc: '" << opts.resume << "' is already after epoch "
                 << start.epoch << ", and the run has " << config.epochs
                 << "; nothing to train (give --epochs N with N > "
                 << start.epoch << ")\n";
    return kOk;
  }
  for (int64_t epoch = start.epoch; epoch < config.epochs; ++epoch) {
    bool resumed = epoch == start.epoch;
    int status = trainEpoch(epoch, resumed ? start.step : 0,
                            resumed ? start.lossSum : 0);
    if (status != kOk || stopped)
      return status;
    // An interrupt or the planned stop that fell on the end of an epoch.
    bool planned = opts.stopAfter && stepsThisRun == *opts.stopAfter;
    if ((stopSignal || planned) && epoch + 1 < config.epochs)
      return stopAndSave(Position{epoch + 1, 0, config.seed, steps, 0},
                         stopSignal ? stopWord() : "stopped (--stop-after)");
  }
  if (!opts.checkpoint.empty())
    llvm::outs() << "credoc: saved the trained parameters to "
                 << opts.checkpoint << "\n";
  else if (opts.stopAfter || stopSignal) {
    // The run ended within --stop-after (or an interrupt came during its
    // last evaluation): the parameters are saved where a stop saves them.
    std::string path = interruptedCheckpointPath(info->name, opts.resume);
    if (int status = saveCheckpoint(
            path, Position{config.epochs, 0, config.seed, steps, 0}))
      return status;
    llvm::outs() << "credoc: the run ended "
                 << (stopSignal
                         ? std::string("as it was interrupted")
                         : "within --stop-after " +
                               std::to_string(*opts.stopAfter) + " steps")
                 << "; saved the trained parameters to " << path << "\n";
    if (stopSignal)
      return stopStatus();
  } else if (!opts.resume.empty())
    llvm::outs() << "credoc: the trained parameters were not saved ('"
                 << opts.resume
                 << "' is read, not written); give --checkpoint FILE to keep "
                    "them\n";
  return kOk;
}

} // namespace

int mlir::credo::trainCommand(const DriverOptions &opts) {
  if (!opts.env.empty())
    return envTrainCommand(opts);
  // A training section that names an environment learns in it (a model
  // read from stdin can be read once: it needs --env for that).
  if (opts.model != "-") {
    Session session;
    OwningOpRef<ModuleOp> module;
    TrainingContract config;
    if (int status = loadTrainingModel(opts, session.context, module, config))
      return status;
    if (!config.environment.name.empty())
      return envTrainCommand(opts);
  }
  return Trainer(opts).run();
}

int mlir::credo::alignCommand(const DriverOptions &opts) {
  return Trainer(opts, /*alignOnly=*/true).align();
}
