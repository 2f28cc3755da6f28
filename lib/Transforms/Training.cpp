//===- Training.cpp - The training contract, rules, optimizers --*- C++ -*-===//
//
// Reads `credo.training`, keeps the registry of learning rules (backprop is
// built in), and builds optimizer steps for any rule.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Training.h"
#include "credo/Transforms/Passes.h"

#include "FuncResults.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/xxhash.h"

#include <map>
#include <mutex>

using namespace mlir;
using namespace mlir::credo;

//===----------------------------------------------------------------------===//
// TrainingContract
//===----------------------------------------------------------------------===//

FailureOr<std::optional<TrainingContract>>
TrainingContract::read(ModuleOp module) {
  Attribute t = module->getAttr("credo.training");
  if (!t)
    return std::optional<TrainingContract>();
  auto training = dyn_cast<TrainingAttr>(t);
  if (!training) {
    module.emitError() << "credo.training must be a #credo.training "
                          "attribute, but it is "
                       << t;
    return failure();
  }
  bool ok = true;
  auto bad = [&](StringRef key) {
    module.emitError() << "credo.training: '" << key
                       << "' has the wrong kind of value";
    ok = false;
  };
  TrainingContract c;
  auto str = [&](DictionaryAttr d, StringRef key, std::string &out) {
    if (Attribute a = d.get(key)) {
      if (auto s = dyn_cast<StringAttr>(a))
        out = s.str();
      else
        bad(key);
    }
  };
  auto num = [&](DictionaryAttr d, StringRef key, double &out) {
    if (Attribute a = d.get(key)) {
      if (auto f = dyn_cast<FloatAttr>(a))
        out = f.getValueAsDouble();
      else if (auto i = dyn_cast<IntegerAttr>(a))
        out = double(i.getInt());
      else
        bad(key);
    }
  };
  auto integer = [&](DictionaryAttr d, StringRef key, int64_t &out) {
    if (Attribute a = d.get(key)) {
      if (auto i = dyn_cast<IntegerAttr>(a))
        out = i.getInt();
      else
        bad(key);
    }
  };
  // The rule's own section.
  DictionaryAttr options = training.getOptions();
  auto sub = [&](StringRef key) -> DictionaryAttr {
    Attribute a = options ? options.get(key) : Attribute();
    if (a && !isa<DictionaryAttr>(a))
      bad(key);
    return dyn_cast_or_null<DictionaryAttr>(a);
  };
  c.rule = training.getRule().str();
  c.loss = training.getLoss().str();
  c.batchSize = training.getBatchSize();
  c.epochs = training.getEpochs();
  c.seed = training.getSeed();
  c.settleEpochs = training.getSettleEpochs();
  if (OptimizerAttr o = training.getOptimizer()) {
    c.optimizer.type = o.getKind().str();
    auto num = [](FloatAttr f, double &out) {
      if (f)
        out = f.getValueAsDouble();
    };
    num(o.getLr(), c.optimizer.lr);
    num(o.getMomentum(), c.optimizer.momentum);
    num(o.getWeightDecay(), c.optimizer.weightDecay);
    num(o.getBeta1(), c.optimizer.beta1);
    num(o.getBeta2(), c.optimizer.beta2);
    num(o.getEps(), c.optimizer.eps);
  }
  if (DictionaryAttr s = training.getSchedule()) {
    str(s, "type", c.schedule.type);
    integer(s, "step_epochs", c.schedule.stepEpochs);
    num(s, "gamma", c.schedule.gamma);
    num(s, "min_lr", c.schedule.minLr);
  }
  if (DictionaryAttr d = training.getDataset()) {
    c.datasetGiven = true;
    str(d, "name", c.dataset);
    str(d, "path", c.datasetPath);
    str(d, "train_x", c.trainX);
    str(d, "train_labels", c.trainLabels);
    str(d, "test_x", c.testX);
    str(d, "test_labels", c.testLabels);
    str(d, "file", c.dataFile);
    integer(d, "label_column", c.labelColumn);
    num(d, "scale", c.scale);
    num(d, "test_fraction", c.testFraction);
    int64_t splitSeed = 0;
    integer(d, "split_seed", splitSeed);
    c.splitSeed = uint64_t(splitSeed);
    integer(d, "train_samples", c.trainSamples);
    integer(d, "test_samples", c.testSamples);
    int64_t dataSeed = 0;
    integer(d, "seed", dataSeed);
    c.dataSeed = uint64_t(dataSeed);
    auto arrays = [&](StringRef key, auto &out) {
      if (Attribute a = d.get(key)) {
        auto map = dyn_cast<DictionaryAttr>(a);
        if (!map)
          return bad(key);
        for (NamedAttribute e : map) {
          auto file = dyn_cast<StringAttr>(e.getValue());
          if (!file)
            return bad(key);
          out.push_back({e.getName().str(), file.str()});
        }
      }
    };
    arrays("train", c.trainArrays);
    arrays("test", c.testArrays);
  }
  if (DictionaryAttr d = sub("dendritic")) {
    num(d, "g_lk", c.dendritic.gLk);
    num(d, "g_b", c.dendritic.gB);
    num(d, "g_a", c.dendritic.gA);
    num(d, "g_d", c.dendritic.gD);
    num(d, "g_som", c.dendritic.gSom);
    integer(d, "iterations", c.dendritic.iterations);
    str(d, "settling", c.dendritic.settling);
    str(d, "feedback", c.dendritic.feedback);
    num(d, "target_high", c.dendritic.targetHigh);
    num(d, "target_low", c.dendritic.targetLow);
    num(d, "lr_pp", c.dendritic.lrPP);
    num(d, "lr_ip", c.dendritic.lrIP);
    num(d, "lr_pi", c.dendritic.lrPI);
    str(d, "output", c.dendritic.output);
    num(d, "duration", c.dendritic.durationMs);
    num(d, "dt", c.dendritic.dt);
    num(d, "tau_0", c.dendritic.tau0);
    num(d, "tau_w", c.dendritic.tauW);
    if (Attribute s = d.get("steady_state")) {
      if (auto v = dyn_cast<BoolAttr>(s))
        c.dendritic.steadyState = v.getValue();
      else
        bad("steady_state");
    }
    str(d, "target", c.dendritic.target);
    // The importer checks these; a module written by hand is checked here.
    auto oneOf = [&](StringRef key, StringRef value, StringRef a, StringRef b) {
      if (value != a && value != b) {
        module.emitError() << "credo.training: dendritic " << key
                           << " must be \"" << a << "\" or \"" << b
                           << "\", but it is '" << value << "'";
        ok = false;
      }
    };
    oneOf("settling", c.dendritic.settling, "iterate", "sweep");
    oneOf("feedback", c.dendritic.feedback, "random", "transpose");
  }
  if (DictionaryAttr d = sub("coagent")) {
    str(d, "signal", c.coagent.signal);
    str(d, "critic", c.coagent.critic);
    num(d, "critic_lr", c.coagent.criticLr);
    num(d, "gamma", c.coagent.gamma);
  }
  if (DictionaryAttr d = training.getMetric()) {
    str(d, "kind", c.metric.kind);
    str(d, "output", c.metric.output);
    str(d, "target", c.metric.target);
    str(d, "labels", c.metric.labels);
  }
  if (DictionaryAttr d = training.getEnvironment()) {
    str(d, "name", c.environment.name);
    integer(d, "episodes", c.environment.episodes);
    integer(d, "max_steps", c.environment.maxSteps);
    integer(d, "report_last", c.environment.reportLast);
  }
  if (DictionaryAttr u = sub("updates"))
    for (NamedAttribute entry : u) {
      auto d = dyn_cast<DictionaryAttr>(entry.getValue());
      auto expr = d ? d.getAs<StringAttr>("expr") : StringAttr();
      if (!expr) {
        bad("updates");
        continue;
      }
      auto loc = d.getAs<LocationAttr>("loc");
      c.updates.push_back(
          {entry.getName().str(), expr.str(),
           loc ? loc : LocationAttr(UnknownLoc::get(module.getContext()))});
    }
  if (DictionaryAttr k = sub("constants"))
    for (NamedAttribute entry : k) {
      if (auto f = dyn_cast<FloatAttr>(entry.getValue()))
        c.constants.push_back({entry.getName().str(), f.getValueAsDouble()});
      else
        bad("constants");
    }
  if (!ok)
    return failure();
  return std::optional<TrainingContract>(c);
}

//===----------------------------------------------------------------------===//
// Rules
//===----------------------------------------------------------------------===//

namespace {

/// backprop: reverse-mode gradients of the loss, then the optimizer.
void addBackpropPasses(OpPassManager &pm, const TrainingRuleOptions &options) {
  if (options.spikeMajority)
    pm.addPass(createCredoSpikeMajority());
  pm.addPass(createCredoBatchOverTime());
  CredoAutodiffOptions autodiff;
  autodiff.timeMemory = options.timeMemory;
  pm.addPass(createCredoAutodiff(autodiff));
  if (options.spikeMajority && spikeMasksEnabled())
    pm.addPass(createCredoSpikeMasks());
  pm.addPass(createCredoTrainStep());
}

/// fa, dfa: backprop's sweep with fixed random feedback matrices.
void addFeedbackPasses(OpPassManager &pm, const TrainingRuleOptions &options,
                       StringRef mode) {
  if (options.spikeMajority)
    pm.addPass(createCredoSpikeMajority());
  pm.addPass(createCredoBatchOverTime());
  CredoAutodiffOptions autodiff;
  autodiff.timeMemory = options.timeMemory;
  autodiff.feedback = mode.str();
  pm.addPass(createCredoAutodiff(autodiff));
  if (options.spikeMajority && spikeMasksEnabled())
    pm.addPass(createCredoSpikeMasks());
  pm.addPass(createCredoTrainStep());
}
void addFaPasses(OpPassManager &pm, const TrainingRuleOptions &options) {
  addFeedbackPasses(pm, options, "fa");
}
void addDfaPasses(OpPassManager &pm, const TrainingRuleOptions &options) {
  addFeedbackPasses(pm, options, "dfa");
}

/// dendritic: the microcircuit's settled compartments and local updates.
void addDendriticPasses(OpPassManager &pm, const TrainingRuleOptions &) {
  pm.addPass(createCredoDendritic());
  pm.addPass(createCredoTrainStep());
  CredoDendriticOptions settle;
  settle.settle = true;
  pm.addPass(createCredoDendritic(settle));
}

/// local: the update expressions of the training section.
void addLocalPasses(OpPassManager &pm, const TrainingRuleOptions &) {
  pm.addPass(createCredoLocalRule());
  pm.addPass(createCredoTrainStep());
}

/// coagent: each stochastic unit's policy-gradient term times one global
/// signal; @act and @train_step for an environment loop.
void addCoagentPasses(OpPassManager &pm, const TrainingRuleOptions &) {
  pm.addPass(createCredoCoagent());
}

/// hm2bp: spike-train-level deltas of HM2-BP after the window.
void addHm2bpPasses(OpPassManager &pm, const TrainingRuleOptions &) {
  pm.addPass(createCredoHm2bp());
  pm.addPass(createCredoTrainStep());
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, TrainingRule> rules;
  Registry() {
    rules["backprop"] = {"backprop",
                         "reverse-mode gradients of the loss (through time "
                         "loops too), then the optimizer",
                         addBackpropPasses, /*settles=*/false,
                         /*throughTime=*/true};
    rules["hm2bp"] = {"hm2bp",
                      "HM2-BP for current-based spiking layers: S-PSP and "
                      "spike-count deltas after the window, then the "
                      "optimizer",
                      addHm2bpPasses};
    rules["fa"] = {"fa",
                   "feedback alignment: backprop with each layer's input "
                   "gradient through a fixed random matrix in place of the "
                   "transposed weight",
                   addFaPasses, /*settles=*/false, /*throughTime=*/true};
    rules["dendritic"] = {
        "dendritic",
        "dendritic cortical microcircuits (steady state): pyramidal "
        "neurons, interneurons and apical feedback settle, then every "
        "weight learns locally; @settle_step reaches the self-predicting "
        "state",
        addDendriticPasses, /*settles=*/true};
    rules["local"] = {"local",
                      "the update expressions of the training section's "
                      "\"updates\" (pre, post, drive, w, graph values), "
                      "then the optimizer",
                      addLocalPasses};
    rules["coagent"] = {
        "coagent",
        "coagent policy gradient: each Bernoulli or categorical unit "
        "learns from its own score term times one global signal (a "
        "critic's TD error or the return); @act and @train_step for an "
        "environment loop",
        addCoagentPasses};
    rules["dfa"] = {"dfa",
                    "direct feedback alignment: each layer's input gradient "
                    "is the output error through a fixed random matrix",
                    addDfaPasses, /*settles=*/false, /*throughTime=*/true};
  }
};

Registry &registry() {
  static Registry r;
  return r;
}

} // namespace

std::optional<TimeMemory> mlir::credo::parseTimeMemory(StringRef text) {
  TimeMemory mode;
  if (text == "store")
    return mode;
  if (text == "recompute") {
    mode.kind = TimeMemory::Recompute;
    return mode;
  }
  auto [head, every] = text.split(':');
  if (head != "checkpoint")
    return std::nullopt;
  mode.kind = TimeMemory::Checkpoint;
  if (text.contains(':') && (every.getAsInteger(10, mode.every) ||
                             mode.every < 1 || mode.every > (int64_t(1) << 40)))
    return std::nullopt;
  return mode;
}

void mlir::credo::registerTrainingRule(const TrainingRule &rule) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.rules[rule.name] = rule;
}

const TrainingRule *mlir::credo::lookupTrainingRule(StringRef name) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.rules.find(name.str());
  return it == r.rules.end() ? nullptr : &it->second;
}

std::vector<std::string> mlir::credo::trainingRuleNames() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (auto &[name, rule] : r.rules)
    names.push_back(name);
  return names;
}

//===----------------------------------------------------------------------===//
// Optimizer steps
//===----------------------------------------------------------------------===//

Value mlir::credo::readParam(OpBuilder &builder, func::FuncOp func,
                             ParamOp param) {
  Block &body = func.getBody().front();
  for (Operation &op : body)
    if (auto read = dyn_cast<GetParamOp>(op))
      if (read.getName() == param.getSymName())
        return read.getResult();
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(&body);
  return builder.create<GetParamOp>(
      param.getLoc(), param.getType(),
      FlatSymbolRefAttr::get(param.getSymNameAttr()));
}

void mlir::credo::publishGradients(
    OpBuilder &b, ModuleOp module, func::FuncOp fn, Value loss,
    const llvm::StringMap<Value> &directions,
    ArrayRef<std::pair<std::string, Value>> states) {
  auto name = [&](const std::string &n) {
    return b.getDictionaryAttr(
        b.getNamedAttr("credo.name", b.getStringAttr(n)));
  };
  SmallVector<Value> results = {loss};
  SmallVector<Attribute> names = {name("loss")};
  for (ParamOp param : module.getOps<ParamOp>()) {
    Value g = directions.lookup(param.getSymName());
    if (!g) {
      RankedTensorType t = param.getTensorType();
      Attribute zero = isa<FloatType>(t.getElementType())
                           ? Attribute(b.getFloatAttr(t.getElementType(), 0.0))
                           : Attribute(b.getIntegerAttr(t.getElementType(), 0));
      g = b.create<arith::ConstantOp>(param.getLoc(),
                                      DenseElementsAttr::get(t, zero));
    }
    results.push_back(g);
    names.push_back(name("grad." + param.getSymName().str()));
  }
  for (auto &[state, value] : states) {
    results.push_back(value);
    names.push_back(name("state." + state));
  }
  replaceResults(fn, results, names);
}

FailureOr<ParamOp> mlir::credo::declareFeedbackMatrix(ModuleOp module,
                                                      ParamOp weight,
                                                      RankedTensorType type,
                                                      uint64_t seed,
                                                      Location at) {
  std::string name = (weight.getSymName() + "_feedback").str();
  if (auto existing = module.lookupSymbol<ParamOp>(name)) {
    if (existing.getFixed() && existing.getTensorType() == type)
      return existing;
    if (existing.getFixed()) {
      emitError(at) << "the feedback matrix '" << name << "' is already "
                    << existing.getTensorType()
                    << ", made by the other rule of this build (credoc align "
                       "--against compares rules that share their feedback "
                       "matrices), but this rule needs "
                    << type;
      return failure();
    }
    emitError(at) << "the feedback matrix '" << name
                  << "' clashes with a name of the model";
    return failure();
  }
  if (module.lookupSymbol(name)) {
    emitError(at) << "the feedback matrix '" << name
                  << "' clashes with a name of the model";
    return failure();
  }
  InitAttr init = weight.getInit();
  InitKind kind = init.getKind();
  switch (kind) {
  case InitKind::Uniform:
  case InitKind::Normal:
  case InitKind::GlorotUniform:
  case InitKind::GlorotNormal:
  case InitKind::HeUniform:
  case InitKind::HeNormal:
    break;
  default:
    kind = InitKind::GlorotUniform;
    break;
  }
  uint64_t s = llvm::xxh3_64bits(name) ^ (seed * 0x9E3779B97F4A7C15ull);
  s &= 0xffffffffull; // a seed that reads well in the IR
  auto feedbackInit =
      InitAttr::get(module.getContext(), kind, init.getValue(), init.getLow(),
                    init.getHigh(), init.getMean(), init.getStd(), s, 0, 0);
  SmallVector<ParamOp> params(module.getOps<ParamOp>());
  OpBuilder declare = OpBuilder::atBlockEnd(module.getBody());
  declare.setInsertionPointAfter(params.back());
  return declare.create<ParamOp>(weight.getLoc(), declare.getStringAttr(name),
                                 TypeAttr::get(type), feedbackInit,
                                 declare.getUnitAttr());
}

FailureOr<SmallVector<Value>>
mlir::credo::applyOptimizer(OpBuilder &builder, ModuleOp module,
                            func::FuncOp func, const OptimizerConfig &opt,
                            Value lr, ArrayRef<ParamUpdate> updates,
                            bool rawUpdates) {
  bool adam = opt.type == "adam";
  if (!adam && opt.type != "sgd") {
    module.emitError() << "unknown optimizer '" << opt.type
                       << "' (supported: sgd, adam)";
    return failure();
  }
  SmallVector<ParamOp> params(module.getOps<ParamOp>());
  OpBuilder declare = OpBuilder::atBlockBegin(module.getBody());
  if (!params.empty())
    declare.setInsertionPointAfter(params.back());
  // Optimizer state lives in parameters of its own, initialized to zero
  // and saved in checkpoints with the weights.
  auto stateParam = [&](StringRef name, RankedTensorType t) -> ParamOp {
    if (module.lookupSymbol(name)) {
      module.emitError() << "the optimizer state '" << name
                         << "' clashes with a name of the model";
      return nullptr;
    }
    return declare.create<ParamOp>(
        module.getLoc(), declare.getStringAttr(name), TypeAttr::get(t),
        InitAttr::get(module.getContext(), InitKind::Zeros, APFloat(0.0),
                      APFloat(0.0), APFloat(0.0), APFloat(0.0), APFloat(0.0), 0,
                      0, 0),
        /*fixed=*/UnitAttr());
  };
  auto readParam = [&](ParamOp param) {
    return mlir::credo::readParam(builder, func, param);
  };
  llvm::StringMap<Value> updated;
  Value stepCount;
  if (adam) {
    ParamOp t = stateParam("adam_step", cast<RankedTensorType>(lr.getType()));
    if (!t)
      return failure();
    Value one = builder.create<arith::ConstantOp>(
        t.getLoc(),
        DenseElementsAttr::get(
            t.getTensorType(),
            builder.getFloatAttr(t.getTensorType().getElementType(), 1.0)));
    stepCount = builder.create<AddOp>(t.getLoc(), ValueRange{readParam(t), one},
                                      ArrayRef<NamedAttribute>{});
    updated["adam_step"] = stepCount;
  }
  NamedAttribute decay = builder.getNamedAttr(
      "weight_decay", builder.getF64FloatAttr(opt.weightDecay));
  for (const ParamUpdate &u : updates) {
    if (auto param = module.lookupSymbol<ParamOp>(u.name);
        param && param.getFixed()) {
      param.emitError() << "is fixed, so no optimizer may update it";
      return failure();
    }
    Location loc = u.value.getLoc();
    Value g = u.direction;
    if (rawUpdates) // θ + lr·Δ is the step along the gradient −Δ
      g = builder.create<SubOp>(
          loc,
          ValueRange{builder.create<arith::ConstantOp>(
                         loc, DenseElementsAttr::get(
                                  u.type, builder.getFloatAttr(
                                              u.type.getElementType(), 0.0))),
                     g},
          ArrayRef<NamedAttribute>{});
    if (adam) {
      ParamOp m = stateParam((u.name + "_adam_m").str(), u.type);
      ParamOp v = stateParam((u.name + "_adam_v").str(), u.type);
      if (!m || !v)
        return failure();
      auto op = builder.create<AdamUpdateOp>(
          loc,
          ValueRange{u.value, g, readParam(m), readParam(v), lr, stepCount},
          ArrayRef<NamedAttribute>{
              builder.getNamedAttr("beta1", builder.getF64FloatAttr(opt.beta1)),
              builder.getNamedAttr("beta2", builder.getF64FloatAttr(opt.beta2)),
              builder.getNamedAttr("eps", builder.getF64FloatAttr(opt.eps)),
              decay});
      updated[u.name] = op.getNewParam();
      updated[m.getSymName()] = op.getNewM();
      updated[v.getSymName()] = op.getNewV();
    } else if (opt.momentum != 0.0) {
      ParamOp v = stateParam((u.name + "_velocity").str(), u.type);
      if (!v)
        return failure();
      auto op = builder.create<SgdMomentumUpdateOp>(
          loc, ValueRange{u.value, g, readParam(v), lr},
          ArrayRef<NamedAttribute>{
              builder.getNamedAttr("momentum",
                                   builder.getF64FloatAttr(opt.momentum)),
              decay});
      updated[u.name] = op.getNewParam();
      updated[v.getSymName()] = op.getNewVelocity();
    } else {
      updated[u.name] = builder.create<SgdUpdateOp>(
          loc, ValueRange{u.value, g, lr}, ArrayRef<NamedAttribute>{decay});
    }
  }
  SmallVector<Value> next;
  for (ParamOp param : module.getOps<ParamOp>()) {
    Value v = updated.lookup(param.getSymName());
    if (!v && param.getInit().getKind() == InitKind::Generator)
      // Random ops draw new numbers at the next step.
      v = builder.create<GeneratorNextOp>(param.getLoc(), readParam(param));
    next.push_back(v ? v : readParam(param)); // a parameter no rule updates
  }
  return next;
}

void mlir::credo::returnNextParams(OpBuilder &b, ModuleOp module,
                                   func::FuncOp fn, ValueRange leading,
                                   ArrayRef<Attribute> leadingAttrs,
                                   ArrayRef<Value> next,
                                   const llvm::StringMap<Value> &overrides) {
  SmallVector<Value> results(leading.begin(), leading.end());
  SmallVector<Attribute> names(leadingAttrs.begin(), leadingAttrs.end());
  for (auto [param, value] : llvm::zip(module.getOps<ParamOp>(), next)) {
    Value override = overrides.lookup(param.getSymName());
    results.push_back(override ? override : value);
    names.push_back(b.getDictionaryAttr(b.getNamedAttr(
        "credo.name", b.getStringAttr("new." + param.getSymName().str()))));
  }
  replaceResults(fn, results, names);
}
