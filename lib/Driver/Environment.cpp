//===- Environment.cpp - credoc train in an environment ---------*- C++ -*-===//
//
// Trains a model whose rule builds @act and @train_step (the coagent rule)
// in a runtime environment (credo_env_*): per step, @act maps the
// observation to an action and records what the rule needs; the
// environment answers with a reward; @train_step(reward, done, last,
// [next observation,] lr) learns. The host only moves buffers: every
// sample, trace and update is generated code. Episode returns go to the
// progress output and --metrics (one JSON line per episode, or CSV).
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Plot.h"

#include "credo/Target/ModelInfo.h"
#include "credo/Transforms/Training.h"
#include "credo/runtime.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <deque>
#include <numeric>

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::driver;

namespace {

struct EnvHandle {
  credo_env *env = nullptr;
  ~EnvHandle() { credo_env_destroy(env); }
};

std::string commas(double v) {
  std::string s = std::to_string(static_cast<long long>(std::llround(v)));
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<size_t>(i), ",");
  return s;
}

class EnvTrainer {
public:
  /// `signals`: the handler of the command, switched to recording a stop
  /// once the episodes start (and kept so until the command returns, also
  /// while the compiled step is torn down).
  EnvTrainer(const DriverOptions &opts, StopSignals &signals)
      : opts(opts), signals(signals) {}
  int run();

private:
  int setUp();
  int compile();
  int createInstance();
  std::vector<void *> args(ArrayRef<void *> middle);

  const DriverOptions &opts;
  StopSignals &signals;
  Session session;
  OwningOpRef<ModuleOp> module;
  TrainingContract config;
  std::string envName;
  int64_t episodes = 0, cap = 0, reportLast = 100;
  std::optional<ModelInfo> info, actInfo, stepInfo;
  bool nextObservation = false; ///< @train_step reads the next observation
  /// The note naming the model's parameters the rule does not learn (or "").
  std::string unlearned;
  std::unique_ptr<JitModule> jit;
  ModelHandle m;
  EnvHandle env;
};

int EnvTrainer::setUp() {
  // What only a data set has.
  struct DataSetOption {
    bool given;
    const char *name, *instead;
  };
  for (const DataSetOption &o : std::initializer_list<DataSetOption>{
           {!opts.resume.empty(), "--resume",
            "; a run in an environment starts from the initializers or "
            "--params and saves with --checkpoint"},
           {opts.stopAfter.has_value(), "--stop-after",
            "; --episodes sets the length of a run"},
           {opts.settle.has_value(), "--settle", ""},
           {opts.epochs.has_value(), "--epochs", "; use --episodes"},
           {opts.batch.has_value(), "--batch",
            "; an environment gives one observation at a time"},
           {!opts.data.empty(), "--data", ""},
           {opts.reportActivations, "--report-activations", ""},
           {opts.reportSpikes, "--report-spikes", ""},
           {opts.reportAlignment, "--report-alignment", ""}})
    if (o.given)
      return error(std::string(o.name) +
                   " is for training on a data set, not in an environment" +
                   o.instead);
  if (int status = checkRunOutputs(opts))
    return status;
  if (int status = checkOutputsSpareInputs(opts, {}))
    return status;
  if (int status = loadTrainingModel(opts, session.context, module, config))
    return status;
  // A model whose section trains on a data set, run in one with --env.
  if (config.schedule.type != "constant")
    return error("the training section's schedule changes the learning rate "
                 "from epoch to epoch, but a run in an environment has "
                 "episodes, not epochs; leave \"schedule\" out");
  envName = opts.env.empty() ? config.environment.name : opts.env;
  episodes = opts.episodes ? *opts.episodes : config.environment.episodes;
  reportLast = std::min(config.environment.reportLast, episodes);
  if (credo_env_create(envName.c_str(), config.seed, &env.env) != CREDO_OK)
    return runtimeError("cannot create the environment");
  cap = config.environment.maxSteps ? config.environment.maxSteps
                                    : credo_env_max_steps(env.env);
  return kOk;
}

int EnvTrainer::compile() {
  FailureOr<ModelInfo> model = getModelInfo(*module, "forward");
  if (failed(model))
    return kUserError;
  PassManager pm(&session.context, ModuleOp::getOperationName());
  if (int status = addTrainingPasses(pm, *module, opts))
    return status;
  std::vector<std::string> own = floatParameters(*module);
  if (failed(pm.run(*module)))
    return error("cannot build the training step");
  unlearned = unlearnedNote(opts.rule.empty() ? config.rule : opts.rule,
                            unlearnedParameters(*module, own));
  std::string rule = opts.rule.empty() ? config.rule : opts.rule;
  if (!module->lookupSymbol<func::FuncOp>("act"))
    return error("the rule '" + rule +
                 "' builds no @act, so it cannot learn in an environment "
                 "(the coagent rule can); train it on a data set instead");
  FailureOr<ModelInfo> forward = getModelInfo(*module, "forward");
  FailureOr<ModelInfo> act = getModelInfo(*module, "act");
  FailureOr<ModelInfo> step = getModelInfo(*module, "train_step");
  if (failed(forward) || failed(act) || failed(step))
    return kUserError;
  // The rule's state (eligibility traces), which checkpoints list.
  markRuleState(*model, *forward);
  info = *forward;
  actInfo = *act;
  stepInfo = *step;
  // One observation in, an action first out.
  int64_t obs = credo_env_observation_size(env.env);
  if (actInfo->inputs.size() != 1 || actInfo->inputs[0].dtype != "f32" ||
      actInfo->inputs[0].numElements() != obs)
    return error("environment '" + envName + "' observes " +
                 std::to_string(obs) +
                 " numbers per step, so the model needs one f32 input of " +
                 std::to_string(obs) + " elements ([1, " + std::to_string(obs) +
                 "]), but it has " + std::to_string(actInfo->inputs.size()) +
                 " input(s)" +
                 (actInfo->inputs.empty()
                      ? std::string()
                      : ", the first " + actInfo->inputs[0].dtype + "[" +
                            actInfo->inputs[0].shapeText() + "]"));
  const TensorInfo &action = actInfo->outputs.front();
  if (action.dtype != "i64" || action.numElements() != 1)
    return error("the model's first output '" + action.name +
                 "' is the action, so it must be one i64 (a categorical "
                 "node), but it is " +
                 action.dtype + "[" + action.shapeText() + "]");
  // A categorical action node has one logit per action.
  auto fwd = module->lookupSymbol<func::FuncOp>("forward");
  Value chosen = fwd.getBody().front().getTerminator()->getOperand(0);
  if (auto sampler = chosen.getDefiningOp<CategoricalOp>()) {
    int64_t classes =
        cast<RankedTensorType>(sampler.getLogits().getType()).getDimSize(1);
    if (classes != credo_env_action_count(env.env))
      return error("the action node '" + action.name + "' chooses among " +
                   std::to_string(classes) + " classes, but '" + envName +
                   "' has " + std::to_string(credo_env_action_count(env.env)) +
                   " actions; give it one logit per action");
  }
  nextObservation = stepInfo->inputs.size() > 4;
  jit = compileForJit(*module, opts);
  if (!jit)
    return kUserError;
  if (failed(jit->prepare("act")) || failed(jit->prepare("train_step")))
    return error("cannot generate code for the environment step");
  return kOk;
}

int EnvTrainer::createInstance() {
  if (credo_model_create(info->metadata().c_str(), &m.model) != CREDO_OK)
    return runtimeError("cannot create the model");
  if (credo_model_place(m.model, opts.target.c_str()) != CREDO_OK)
    return runtimeError("cannot place the parameters");
  if (int status = initAndOverlayParams(m.model, *info, opts.params))
    return status;
  // The training seed decides the key of the model's generators, also of
  // those that --params gives: the initializer's key ^ seed·φ (seed 0: the
  // initializer's key), so seeds give independent runs, and a run
  // continued from its own checkpoint with its seed goes on with its
  // stream (from the counter the file holds). The file's key is not
  // re-keyed by the seed again: that cancelled a continued run's key.
  for (size_t i = 0; i < info->params.size(); ++i)
    if (StringRef(info->params[i].init).starts_with("generator")) {
      uint64_t initial[2];
      int64_t shape[1] = {2};
      if (credo_init_fill(info->params[i].init.c_str(), CREDO_I64, 1, shape,
                          initial) != CREDO_OK)
        return runtimeError("cannot key the generator '" +
                            info->params[i].name + "'");
      auto *g = static_cast<uint64_t *>(credo_model_param_data(m.model, i));
      g[0] = initial[0] ^ config.seed * 0x9E3779B97F4A7C15ull;
    }
  if (credo_model_reserve_next(m.model) != CREDO_OK)
    return runtimeError("cannot allocate the parameters' next buffers");
  return kOk;
}

/// The current parameters, `middle`, then the next parameters' buffers.
std::vector<void *> EnvTrainer::args(ArrayRef<void *> middle) {
  std::vector<void *> a;
  for (size_t i = 0; i < info->params.size(); ++i)
    a.push_back(credo_model_param_buffer(m.model, i));
  a.insert(a.end(), middle.begin(), middle.end());
  for (size_t i = 0; i < info->params.size(); ++i)
    a.push_back(credo_model_next_param_data(m.model, i));
  return a;
}

int EnvTrainer::run() {
  for (int (EnvTrainer::*phase)() :
       {&EnvTrainer::setUp, &EnvTrainer::compile, &EnvTrainer::createInstance})
    if (int status = (this->*phase)(); status != kOk)
      return status;
  std::unique_ptr<llvm::raw_fd_ostream> metrics;
  bool csv = false;
  if (!opts.metrics.empty())
    if (int status = openMetrics(opts.metrics,
                                 "episode,return,steps,mean_" +
                                     stepInfo->outputs[0].name,
                                 metrics, csv))
      return status;
  int64_t obsSize = credo_env_observation_size(env.env);
  int64_t actions = credo_env_action_count(env.env);
  std::vector<float> obs(obsSize), next(obsSize);
  int64_t action = 0;
  float reward = 0, done = 0, last = 0;
  // The step's learning rate and signal (f64 in a model in double
  // precision), in storage that holds either.
  const credo_dtype scalar =
      stepInfo->stepScalar == "f64" ? CREDO_F64 : CREDO_F32;
  double lrStorage = 0, signalStorage = 0;
  const StepScalar lr{scalar, &lrStorage}, signal{scalar, &signalStorage};
  lr.set(config.optimizer.lr);
  llvm::outs() << "credoc: training '" << info->name << "' by rule '"
               << (opts.rule.empty() ? config.rule : opts.rule) << "' in '"
               << envName << "' (" << obsSize << " observations, " << actions
               << " actions), " << episodes << " episodes of at most " << cap
               << " steps\n";
  llvm::outs() << unlearned;
  llvm::outs().flush();
  std::deque<double> recent;
  std::vector<double> returns;
  int64_t totalSteps = 0;
  int64_t every = std::max<int64_t>(1, episodes / 20);
  // Ctrl-C or SIGTERM ends the run after the step under way: the parameters are
  // saved (to --checkpoint, else NAME-interrupted.safetensors) and the metrics
  // file ends with a whole line.
  stopSignal = 0;
  signals.handle(nullptr);
  // The picture of the returns so far (at the end, or when interrupted).
  auto drawReturns = [&] {
    if (opts.plot.empty() || returns.empty())
      return;
    std::string svg =
        renderReturns(info->name + " in " + envName, returns,
                      std::min<int64_t>(reportLast, int64_t(returns.size())));
    writePlot(opts.plot, svg);
  };
  // @act's outputs after the action (the graph's other outputs, before the
  // new parameters, "new.NAME"): written at every step, read by nothing
  // here.
  std::vector<std::vector<uint64_t>> otherOutputs;
  for (const TensorInfo &o : llvm::drop_begin(actInfo->outputs))
    if (!llvm::StringRef(o.name).starts_with("new."))
      otherOutputs.emplace_back(
          (o.numElements() * o.elementSize() + sizeof(uint64_t) - 1) /
              sizeof(uint64_t) +
          1);
  // A stop saves the parameters as the last step left them; `when` says
  // where the run stopped.
  auto stopRun = [&](const std::string &when) {
    drawReturns();
    if (metrics)
      flushMetrics(metrics, opts.metrics);
    // (A run in an environment is not resumed.)
    std::string path = opts.checkpoint.empty()
                           ? interruptedCheckpointPath(info->name, "")
                           : opts.checkpoint;
    if (credo_model_save(m.model, path.c_str()) != CREDO_OK)
      return runtimeError("cannot save the parameters");
    llvm::outs() << "credoc: " << stopWord() << " " << when
                 << "; saved the parameters to " << path << "\n";
    llvm::outs().flush();
    return stopStatus();
  };
  auto begin = std::chrono::steady_clock::now();
  for (int64_t episode = 0; episode < episodes; ++episode) {
    if (stopSignal)
      return stopRun("after episode " + std::to_string(episode) + " of " +
                     std::to_string(episodes));
    if (credo_env_reset(env.env, obs.data()) != CREDO_OK)
      return runtimeError("cannot reset the environment");
    double ret = 0, signalSum = 0;
    int64_t t = 0;
    for (bool over = false; !over; ++t) {
      // An episode may run for millions of steps: a stop ends it at a step
      // (its return is not recorded).
      if (stopSignal)
        return stopRun("after step " + std::to_string(t) + " of episode " +
                       std::to_string(episode + 1) + " of " +
                       std::to_string(episodes) +
                       " (an unfinished episode, not recorded)");
      std::vector<void *> actMiddle = {obs.data(), &action};
      for (std::vector<uint64_t> &o : otherOutputs)
        actMiddle.push_back(o.data());
      std::vector<void *> actArgs = args(actMiddle);
      // The outputs, the action first, come before the next parameters.
      if (jit->call("act", actArgs) != CREDO_OK)
        return error("episode " + std::to_string(episode + 1) + ", step " +
                     std::to_string(t + 1) + ": " + credo_last_error());
      credo_model_swap_params(m.model);
      if (action < 0 || action >= actions)
        return error("the model chose action " + std::to_string(action) +
                     ", but '" + envName + "' has actions 0 to " +
                     std::to_string(actions - 1) +
                     "; give the categorical node one logit per action");
      int32_t terminal = 0;
      if (credo_env_step(env.env, action, next.data(), &reward, &terminal) !=
          CREDO_OK)
        return runtimeError("the environment failed");
      done = terminal ? 1.0f : 0.0f;
      over = terminal || t + 1 >= cap;
      last = over ? 1.0f : 0.0f;
      std::vector<void *> middle = {&reward, &done, &last};
      if (nextObservation)
        middle.push_back(next.data());
      middle.push_back(lr.data);
      middle.push_back(signal.data);
      if (jit->call("train_step", args(middle)) != CREDO_OK)
        return error("episode " + std::to_string(episode + 1) + ", step " +
                     std::to_string(t + 1) + ": " + credo_last_error());
      if (!std::isfinite(signal.get()))
        return error("the learning signal diverged (" +
                     std::to_string(signal.get()) + ") in episode " +
                     std::to_string(episode + 1) +
                     "; lower the learning rates");
      credo_model_swap_params(m.model);
      ret += reward;
      signalSum += signal.get();
      obs.swap(next);
    }
    totalSteps += t;
    returns.push_back(ret);
    recent.push_back(ret);
    if (int64_t(recent.size()) > reportLast)
      recent.pop_front();
    double mean = std::accumulate(recent.begin(), recent.end(), 0.0) /
                  double(recent.size());
    if (metrics) {
      if (csv)
        *metrics << episode + 1 << "," << llvm::format("%.8g", ret) << "," << t
                 << "," << llvm::format("%.8g", signalSum / double(t)) << "\n";
      else
        *metrics << "{\"episode\": " << episode + 1
                 << ", \"return\": " << llvm::format("%.8g", ret)
                 << ", \"steps\": " << t << ", \"mean_"
                 << stepInfo->outputs[0].name
                 << "\": " << llvm::format("%.8g", signalSum / double(t))
                 << "}\n";
    }
    if ((episode + 1) % every == 0 || episode + 1 == episodes) {
      double s = std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - begin)
                     .count();
      llvm::outs() << "episode " << episode + 1 << "/" << episodes
                   << ": return " << llvm::format("%.8g", ret)
                   << ", mean of the last " << recent.size() << " "
                   << llvm::format("%.2f", mean) << "  "
                   << commas(double(totalSteps) / std::max(s, 1e-9))
                   << " steps/s\n";
      llvm::outs().flush();
      flushMetrics(metrics, opts.metrics);
    }
  }
  flushMetrics(metrics, opts.metrics);
  // A stop during the last step: the run is whole, but stopped runs save
  // (to NAME-interrupted without --checkpoint) and say so.
  if (stopSignal)
    return stopRun("after episode " + std::to_string(episodes) + " of " +
                   std::to_string(episodes));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  double mean =
      std::accumulate(returns.end() - reportLast, returns.end(), 0.0) /
      double(reportLast);
  llvm::outs() << "credoc: mean return over the last " << reportLast << " of "
               << episodes << " episodes: " << llvm::format("%.3f", mean)
               << " (" << commas(double(totalSteps)) << " steps in "
               << llvm::format("%.2f", seconds) << " s, "
               << commas(double(totalSteps) / std::max(seconds, 1e-9))
               << " steps/s)\n";
  drawReturns();
  if (!opts.checkpoint.empty()) {
    if (credo_model_save(m.model, opts.checkpoint.c_str()) != CREDO_OK)
      return runtimeError("cannot save the parameters");
    llvm::outs() << "credoc: saved the trained parameters to "
                 << opts.checkpoint << "\n";
  }
  // What the run printed is out before its handlers go (a signal then
  // ends the process as it would any other).
  llvm::outs().flush();
  return kOk;
}

} // namespace

int mlir::credo::envTrainCommand(const DriverOptions &opts) {
  // Ctrl-C while the step compiles stops at once, with a message; the run
  // installs its own handler for the episodes.
  StopSignals signals(interruptBeforeTraining(
      "compiling the model and making the environment"));
  return EnvTrainer(opts, signals).run();
}
