//===- Dendritic.cpp - Dendritic cortical microcircuits -----------*- C++
//-*-===//
//
// Implements credo-dendritic (rule "dendritic"): the microcircuits of
// Sacramento et al. (NeurIPS 2018) around a model's dense layers, in their
// steady state. Each layer's dense product is the basal prediction û of its
// pyramidal neurons' somatic potential; every hidden layer gets SST
// interneurons (W^IP), their apical feedback (W^PI) and top-down feedback B
// from the layer above. The somatic potentials settle (the output nudged
// towards the label's target potential) in a credo.time_loop of fixed-point
// iterations, or in one top-down pass from the feed-forward potentials
// (settling "sweep"); then every weight learns from quantities at its
// synapses:
//
//   ΔW^PP_k = r_{k−1} ⊗ (φ(u_k) − φ(û_k)),  ΔW^IP_k = r_k ⊗ (φ(u^I) − φ(v̂^I)),
//   ΔW^PI_k = r^I ⊗ (−v_A).
//
// @gradients returns −Δ (credo-train-step applies the optimizer);
// @settle_step is the unsupervised phase (no target; W^IP and W^PI only)
// that reaches the self-predicting state, returning the mean ‖v_A‖².
// docs/rules.md gives the equations.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"

#include "FuncResults.h"
#include "MakeOp.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/xxhash.h"

#include <cmath>
#include <cstdio>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDODENDRITIC
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// A layer of pyramidal neurons: û = dense(r_below, W, b), r = φ(u).
struct Layer {
  DenseOp dense;
  /// The activation φ: the op after the dense product, or (an output
  /// without one) the hidden layers' kind.
  StringRef phi;
  GetParamOp weight;
  Value bias;
};

/// The circuit's values at one evaluation of the steady-state equations.
struct State {
  SmallVector<Value> uhat, u, r;           // per layer
  SmallVector<Value> vI, uI, rI, vA, next; // per hidden layer
};

class Circuit {
public:
  Circuit(OpBuilder &b, Location loc,
          const TrainingContract::DendriticConfig &c, ArrayRef<Layer> layers)
      : b(b), loc(loc), c(c), layers(layers) {}

  /// Per-layer weights and biases, per hidden layer W^IP and W^PI.
  SmallVector<Value> w, bias, ip, pi;
  /// Per hidden layer B (W_{k+1}'s shape), or Bᵀ where `feedbackTransposed`
  /// (transposed once per step, for a settling that reads it many times).
  SmallVector<Value> feedback;
  bool feedbackTransposed = true;

  /// The equations once, from the hidden somatic potentials `uHidden`;
  /// `target` (null: no nudging) is the output's target potential. With
  /// `topDown`, the hidden layers go from the top down, each one's
  /// interneurons and apical feedback reading the layer above as this pass
  /// left it, and `u` holds the new hidden potentials (`r` stays φ of
  /// `uHidden`, the rates the layers above were driven by).
  State evaluate(ValueRange uHidden, Value x, Value uhat0, Value target,
                 bool topDown = false) {
    size_t n = layers.size(), hidden = n - 1;
    State s;
    s.uhat.resize(n);
    s.u.resize(n);
    s.r.resize(n);
    for (size_t k = 0; k < hidden; ++k) {
      s.u[k] = uHidden[k];
      s.r[k] = phi(k, s.u[k]);
    }
    s.uhat[0] = uhat0;
    for (size_t k = 1; k < n; ++k)
      s.uhat[k] = dense(s.r[k - 1], w[k], bias[k]);
    double gOut = c.gLk + c.gB + c.gSom;
    s.u[n - 1] = target ? lin((c.gLk + c.gB) / gOut, s.uhat[n - 1],
                              c.gSom / gOut, target)
                        : s.uhat[n - 1];
    s.r[n - 1] = phi(n - 1, s.u[n - 1]);
    // The potentials and rates of the layer above that each hidden layer's
    // interneurons and apical dendrites read.
    SmallVector<Value> uAbove(s.u), rAbove(s.r);
    s.vI.resize(hidden);
    s.uI.resize(hidden);
    s.rI.resize(hidden);
    s.vA.resize(hidden);
    s.next.resize(hidden);
    double gI = c.gLk + c.gD + c.gSom;
    for (size_t i = 0; i < hidden; ++i) {
      size_t k = topDown ? hidden - 1 - i : i;
      s.vI[k] = dense(s.r[k], ip[k], {});
      s.uI[k] = lin((c.gLk + c.gD) / gI, s.vI[k], c.gSom / gI, uAbove[k + 1]);
      // Interneurons imitate the layer above: its activation.
      s.rI[k] = phi(k + 1, s.uI[k]);
      // v_A = r_{k+1}·Bᵀ + r^I·W^PI.
      s.vA[k] = make<AddOp>(
          b, loc, {fromAbove(rAbove[k + 1], k), dense(s.rI[k], pi[k], {})});
      s.next[k] = lin(1.0, s.uhat[k], c.gA / (c.gLk + c.gB + c.gA), s.vA[k]);
      if (topDown && k > 0) {
        uAbove[k] = s.next[k];
        rAbove[k] = phi(k, s.next[k]);
      }
    }
    if (topDown)
      for (size_t k = 0; k < hidden; ++k)
        s.u[k] = s.next[k];
    return s;
  }

  /// The steady state from the feed-forward potentials: `iterations`
  /// fixed-point steps, then the equations once more; or (settling
  /// "sweep") the bottom-up pass that made them and one top-down pass.
  State settle(Value x, Value uhat0, ArrayRef<Value> feedForward,
               Value target) {
    if (c.settling == "sweep")
      return evaluate(feedForward, x, uhat0, target, /*topDown=*/true);
    OperationState state(loc, TimeLoopOp::getOperationName());
    state.addOperands(feedForward);
    state.addAttribute("steps", b.getI64IntegerAttr(c.iterations));
    for (Value v : feedForward)
      state.addTypes(v.getType());
    Region *region = state.addRegion();
    Block *block = new Block();
    region->push_back(block);
    block->addArgument(b.getIndexType(), loc);
    SmallVector<Value> carried;
    for (Value v : feedForward)
      carried.push_back(block->addArgument(v.getType(), loc));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(block);
      State s = evaluate(carried, x, uhat0, target);
      b.create<YieldOp>(loc, ValueRange(s.next), ValueRange{});
    }
    Operation *loop = b.create(state);
    return evaluate(loop->getResults(), x, uhat0, target);
  }

  Value phi(size_t k, Value u) {
    StringRef kind = layers[k].phi;
    if (kind == "sigmoid")
      return make<SigmoidOp>(b, loc, {u});
    if (kind == "tanh")
      return make<TanhOp>(b, loc, {u});
    if (kind == "softplus")
      return make<SoftplusOp>(b, loc, {u});
    return make<ReluOp>(b, loc, {u});
  }
  Value dense(Value x, Value weight, Value bias) {
    if (bias)
      return make<DenseOp>(b, loc, {x, weight, bias});
    return make<DenseOp>(b, loc, {x, weight});
  }
  /// The top-down feedback into hidden layer k from the rates `r` of the
  /// layer above: r·Bᵀ.
  Value fromAbove(Value r, size_t k) {
    if (feedbackTransposed)
      return dense(r, feedback[k], {});
    return make<MatmulOp>(
        b, loc, {r, feedback[k]},
        {b.getNamedAttr("transpose_rhs", b.getBoolAttr(true))});
  }
  Value scale(Value v, double f) {
    return make<ScaleOp>(b, loc, {v},
                         {b.getNamedAttr("factor", b.getF64FloatAttr(f))});
  }
  /// a·x + c·y.
  Value lin(double a, Value x, double cy, Value y) {
    Value l = a == 1.0 ? x : scale(x, a);
    return make<AddOp>(b, loc, {l, scale(y, cy)});
  }
  /// factor · mean over the batch of x ⊗ d: [in, out].
  Value outer(Value x, Value d, double factor) {
    int64_t batch = cast<RankedTensorType>(x.getType()).getDimSize(0);
    Value o = make<EinsumOp>(
        b, loc, {x, d}, {b.getNamedAttr("spec", b.getStringAttr("bi,bj->ij"))});
    return scale(o, factor / double(batch));
  }
  /// factor · mean over the batch of d: [out].
  Value mean(Value d, double factor) {
    int64_t batch = cast<RankedTensorType>(d.getType()).getDimSize(0);
    Value s = make<ReduceSumOp>(
        b, loc, {d}, {b.getNamedAttr("dims", b.getDenseI64ArrayAttr({0}))});
    return scale(s, factor / double(batch));
  }

  OpBuilder &b;
  Location loc;
  const TrainingContract::DendriticConfig &c;
  ArrayRef<Layer> layers;
};

struct Dendritic : public mlir::credo::impl::CredoDendriticBase<Dendritic> {
  using CredoDendriticBase::CredoDendriticBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || forward.isExternal()) {
      module.emitError("credo-dendritic: the module has no @forward");
      return signalPassFailure();
    }
    StringRef name = settle ? "settle_step" : "gradients";
    if (module.lookupSymbol(name)) {
      module.emitError() << "credo-dendritic: the module already has @" << name;
      return signalPassFailure();
    }
    FailureOr<std::optional<TrainingContract>> contract =
        TrainingContract::read(module);
    if (failed(contract))
      return signalPassFailure();
    if (!*contract) {
      module.emitError("credo-dendritic: the model has no training section");
      return signalPassFailure();
    }
    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(forward);
    auto fn = cast<func::FuncOp>(builder.clone(*forward));
    fn.setName(name);
    if (failed(build(module, fn, **contract, /*supervised=*/!settle))) {
      fn.erase();
      return signalPassFailure();
    }
  }

  /// The chain of layers from the loss back to the input, in order.
  FailureOr<SmallVector<Layer>> findLayers(Operation *lossOp, Value z) {
    SmallVector<Layer> layers;
    StringRef outPhi;
    auto activation = [](Operation *op) -> StringRef {
      if (isa_and_nonnull<SigmoidOp>(op))
        return "sigmoid";
      if (isa_and_nonnull<TanhOp>(op))
        return "tanh";
      if (isa_and_nonnull<SoftplusOp>(op))
        return "softplus";
      if (isa_and_nonnull<ReluOp>(op))
        return "relu";
      return "";
    };
    if (StringRef k = activation(z.getDefiningOp()); !k.empty()) {
      outPhi = k;
      z = z.getDefiningOp()->getOperand(0);
    }
    Value v = z;
    Value stop = z;                   // where the chain of layers ends
    SmallVector<StringRef> hiddenPhi; // φ of the layers below the output
    while (auto dense = v.getDefiningOp<DenseOp>()) {
      auto weight = dense.getWeight().getDefiningOp<GetParamOp>();
      if (!weight)
        return dense.emitError()
               << "dendritic needs the layer's weight to be a parameter";
      if (dense->getParentOfType<TimeLoopOp>())
        return dense.emitError()
               << "dendritic trains dense layers outside time loops (its "
                  "own loop settles the compartments)";
      layers.insert(layers.begin(), Layer{dense, "", weight, dense.getBias()});
      Operation *act = dense.getInput().getDefiningOp();
      StringRef k = activation(act);
      stop = dense.getInput();
      if (k.empty())
        break;
      // An activation of something else than a dense layer: the chain
      // stops at that something (a sparse layer, say), not at the
      // activation, which the rule accepts.
      if (!act->getOperand(0).getDefiningOp<DenseOp>()) {
        stop = act->getOperand(0);
        break;
      }
      hiddenPhi.insert(hiddenPhi.begin(), k);
      v = act->getOperand(0);
    }
    if (layers.size() < 2) {
      InFlightDiagnostic d =
          lossOp->emitError()
          << "dendritic needs at least two dense layers, each but the "
             "last followed by sigmoid, tanh, softplus or relu, feeding "
             "the loss";
      if (Operation *at = stop.getDefiningOp(); at && !nodeOf(at).empty())
        d << "; the chain from the loss stops at node '" << nodeOf(at) << "' ("
          << at->getName().stripDialect() << ")";
      else if (isa<BlockArgument>(stop))
        d << "; the chain from the loss reaches the input after "
          << layers.size() << " dense layer" << (layers.size() == 1 ? "" : "s");
      return d;
    }
    // Each layer learns its own weight and bias: a parameter of two layers
    // would get two updates, of which the step could keep only one.
    llvm::StringMap<std::pair<DenseOp, StringRef>> owner;
    for (Layer &layer : layers) {
      auto bias =
          layer.bias ? layer.bias.getDefiningOp<GetParamOp>() : GetParamOp();
      for (auto [param, role] : {std::pair(layer.weight, StringRef("weight")),
                                 std::pair(bias, StringRef("bias"))}) {
        if (!param)
          continue;
        StringRef name = param.getName();
        auto [it, fresh] = owner.try_emplace(name, layer.dense, role);
        if (fresh)
          continue;
        return layer.dense.emitError()
               << "dendritic learns each layer's own weight and bias, but "
                  "parameter '"
               << name << "' is the " << it->second.second << " of layer '"
               << nodeOf(it->second.first) << "' and the " << role
               << " of layer '" << nodeOf(layer.dense)
               << "'; give each layer its own parameter";
      }
    }
    for (size_t k = 0; k + 1 < layers.size(); ++k)
      layers[k].phi = hiddenPhi[k];
    layers.back().phi = outPhi.empty() ? hiddenPhi.back() : outPhi;
    return layers;
  }

  /// The full dynamics: `duration / dt` Euler steps of the compartments
  /// from their state at the end of the previous pattern (state parameters,
  /// zeros at first), with the input low-pass (τ_0) and each plastic
  /// weight's update low-pass (τ_w); Δ is the integral over the pattern of
  /// the filtered update rates. The next states go to `states`.
  LogicalResult dynamics(ModuleOp module, func::FuncOp fn, OpBuilder &b,
                         Circuit &circuit, MutableArrayRef<Layer> layers,
                         Value x, Value target,
                         const TrainingContract::DendriticConfig &c,
                         SmallVector<ParamUpdate> &updates,
                         SmallVector<std::pair<std::string, Value>> &states) {
    Location loc = fn.getLoc();
    size_t n = layers.size();
    double dt = c.dt;
    double stepCount = std::round(c.durationMs / dt);
    constexpr double kMaxSteps = double((int64_t(1) << 31) - 1);
    if (!(stepCount >= 1) || stepCount > kMaxSteps) {
      char text[160];
      std::snprintf(text, sizeof(text),
                    "%g ms in steps of %g ms, %g steps; a time loop takes "
                    "1 to %.0f",
                    c.durationMs, dt, stepCount, kMaxSteps);
      return emitError(loc) << "dendritic: the pattern lasts " << text;
    }
    int64_t steps = int64_t(stepCount);
    // What the driver reports as simulated time per wall-clock second.
    module->setAttr(CredoDialect::kSimulatedMsAttrName,
                    b.getF64FloatAttr(double(steps) * dt));
    auto zerosState = [&](std::string name,
                          RankedTensorType type) -> FailureOr<Value> {
      if (auto existing = module.lookupSymbol<ParamOp>(name)) {
        if (existing.getTensorType() != type ||
            existing.getInit().getKind() != InitKind::Zeros)
          return emitError(loc) << "dendritic: the state '" << name
                                << "' clashes with a name of the model";
        return readParam(b, fn, existing);
      }
      SmallVector<ParamOp> params(module.getOps<ParamOp>());
      OpBuilder declare = OpBuilder::atBlockEnd(module.getBody());
      declare.setInsertionPointAfter(params.back());
      auto init = InitAttr::get(module.getContext(), InitKind::Zeros,
                                APFloat(0.0), APFloat(0.0), APFloat(0.0),
                                APFloat(0.0), APFloat(0.0), 0, 0, 0);
      ParamOp p =
          declare.create<ParamOp>(loc, declare.getStringAttr(name),
                                  TypeAttr::get(type), init, UnitAttr());
      return readParam(b, fn, p);
    };
    auto typeOf = [](Value v) { return cast<RankedTensorType>(v.getType()); };
    // The carried values: the input filter, every layer's somata, every
    // hidden layer's interneurons, the update traces, then the integrals.
    SmallVector<std::string> names;
    SmallVector<Value> inits;
    auto state = [&](std::string name, RankedTensorType type) -> LogicalResult {
      FailureOr<Value> v = zerosState(name, type);
      if (failed(v))
        return failure();
      names.push_back(name);
      inits.push_back(*v);
      return success();
    };
    StringRef first = layers[0].weight.getName();
    if (failed(state((first + "_input").str(), typeOf(x))))
      return failure();
    for (size_t k = 0; k < n; ++k)
      if (failed(state((layers[k].weight.getName() + "_soma").str(),
                       typeOf(layers[k].dense.getResult()))))
        return failure();
    for (size_t k = 0; k + 1 < n; ++k)
      if (failed(state((layers[k].weight.getName() + "_interneurons").str(),
                       typeOf(layers[k + 1].dense.getResult()))))
        return failure();
    // The plastic tensors: per hidden layer W^IP, W^PI; per layer W, b.
    struct Plastic {
      GetParamOp read;
      double lr;
    };
    SmallVector<Plastic> plastic;
    for (size_t k = 0; k + 1 < n; ++k) {
      plastic.push_back({circuit.ip[k].getDefiningOp<GetParamOp>(), c.lrIP});
      plastic.push_back({circuit.pi[k].getDefiningOp<GetParamOp>(), c.lrPI});
    }
    for (size_t k = 0; k < n; ++k) {
      plastic.push_back({layers[k].weight, c.lrPP});
      if (layers[k].bias)
        plastic.push_back({layers[k].bias.getDefiningOp<GetParamOp>(), c.lrPP});
    }
    size_t firstTrace = inits.size();
    for (Plastic &p : plastic)
      if (failed(state((p.read.getName() + "_trace").str(),
                       typeOf(p.read.getResult()))))
        return failure();
    size_t numStates = inits.size();
    for (Plastic &p : plastic)
      inits.push_back(b.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(typeOf(p.read.getResult()),
                                      b.getF32FloatAttr(0.0f))));

    OperationState loopState(loc, TimeLoopOp::getOperationName());
    loopState.addOperands(inits);
    loopState.addAttribute("steps", b.getI64IntegerAttr(steps));
    for (Value v : inits)
      loopState.addTypes(v.getType());
    Region *region = loopState.addRegion();
    Block *block = new Block();
    region->push_back(block);
    block->addArgument(b.getIndexType(), loc);
    SmallVector<Value> carried;
    for (Value v : inits)
      carried.push_back(block->addArgument(v.getType(), loc));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(block);
      auto filter = [&](Value input, Value trace, double tau) {
        return make<ExpFilterOp>(
            b, loc, {input, trace},
            {b.getNamedAttr("tau", b.getF64FloatAttr(tau)),
             b.getNamedAttr("dt", b.getF64FloatAttr(dt)),
             b.getNamedAttr("lowpass", b.getBoolAttr(true))});
      };
      // (1 − dt·decay)·u + Σ dt·g_i·v_i
      auto euler = [&](Value u, double decay,
                       ArrayRef<std::pair<double, Value>> drives) {
        Value next = circuit.scale(u, 1.0 - dt * decay);
        for (auto [g, v] : drives)
          next = make<AddOp>(b, loc, {next, circuit.scale(v, dt * g)});
        return next;
      };
      Value input = filter(x, carried[0], c.tau0);
      SmallVector<Value> soma(carried.begin() + 1, carried.begin() + 1 + n);
      SmallVector<Value> inter(carried.begin() + 1 + n,
                               carried.begin() + 1 + n + (n - 1));
      SmallVector<Value> r, uhat;
      for (size_t k = 0; k < n; ++k)
        r.push_back(circuit.phi(k, soma[k]));
      for (size_t k = 0; k < n; ++k)
        uhat.push_back(circuit.dense(k == 0 ? input : r[k - 1], circuit.w[k],
                                     circuit.bias[k]));
      SmallVector<Value> next = {input}, rates;
      double gHidden = c.gLk + c.gB + c.gA, gOut = c.gLk + c.gB;
      SmallVector<Value> vIhat, rI, vA;
      for (size_t k = 0; k + 1 < n; ++k) {
        vIhat.push_back(circuit.dense(r[k], circuit.ip[k], {}));
        rI.push_back(circuit.phi(k + 1, inter[k]));
        vA.push_back(make<AddOp>(b, loc,
                                 {circuit.fromAbove(r[k + 1], k),
                                  circuit.dense(rI[k], circuit.pi[k], {})}));
      }
      for (size_t k = 0; k + 1 < n; ++k)
        next.push_back(
            euler(soma[k], gHidden, {{gHidden, uhat[k]}, {c.gA, vA[k]}}));
      next.push_back(euler(soma[n - 1], gOut + c.gSom,
                           {{gOut, uhat[n - 1]}, {c.gSom, target}}));
      double gInter = c.gLk + c.gD;
      for (size_t k = 0; k + 1 < n; ++k)
        next.push_back(euler(inter[k], gInter + c.gSom,
                             {{gInter, vIhat[k]}, {c.gSom, soma[k + 1]}}));
      // The update rates, low-pass filtered, integrated over the pattern.
      SmallVector<Value> rate;
      for (size_t k = 0; k + 1 < n; ++k) {
        Value dI = make<SubOp>(
            b, loc,
            {circuit.phi(k + 1, inter[k]), circuit.phi(k + 1, vIhat[k])});
        rate.push_back(circuit.outer(r[k], dI, 1.0));
        rate.push_back(circuit.outer(rI[k], vA[k], -1.0));
      }
      for (size_t k = 0; k < n; ++k) {
        Value d = make<SubOp>(b, loc, {r[k], circuit.phi(k, uhat[k])});
        rate.push_back(circuit.outer(k == 0 ? input : r[k - 1], d, 1.0));
        if (layers[k].bias)
          rate.push_back(circuit.mean(d, 1.0));
      }
      SmallVector<Value> integrals;
      for (size_t i = 0; i < plastic.size(); ++i) {
        Value trace = filter(rate[i], carried[firstTrace + i], c.tauW);
        next.push_back(trace);
        integrals.push_back(make<AddOp>(
            b, loc, {carried[numStates + i], circuit.scale(trace, dt)}));
      }
      next.append(integrals);
      b.create<YieldOp>(loc, ValueRange(next), ValueRange{});
    }
    Operation *loop = b.create(loopState);
    for (size_t i = 0; i < numStates; ++i)
      states.push_back({names[i], loop->getResult(i)});
    for (size_t i = 0; i < plastic.size(); ++i)
      updates.push_back(
          {plastic[i].read.getName(), plastic[i].read.getResult(),
           circuit.scale(loop->getResult(numStates + i), plastic[i].lr),
           typeOf(plastic[i].read.getResult())});
    return success();
  }

  ParamOp declare(ModuleOp module, StringRef name, RankedTensorType type,
                  InitKind kind, double low, double high, uint64_t seed,
                  bool fixed, Location loc) {
    if (auto existing = module.lookupSymbol<ParamOp>(name))
      return existing;
    SmallVector<ParamOp> params(module.getOps<ParamOp>());
    OpBuilder declare = OpBuilder::atBlockEnd(module.getBody());
    declare.setInsertionPointAfter(params.back());
    uint64_t s = (llvm::xxh3_64bits(name) ^ (seed * 0x9E3779B97F4A7C15ull)) &
                 0xffffffffull;
    auto init =
        InitAttr::get(module.getContext(), kind, APFloat(0.0), APFloat(low),
                      APFloat(high), APFloat(0.0), APFloat(0.0), s, 0, 0);
    return declare.create<ParamOp>(loc, declare.getStringAttr(name),
                                   TypeAttr::get(type), init,
                                   fixed ? declare.getUnitAttr() : UnitAttr());
  }

  LogicalResult build(ModuleOp module, func::FuncOp fn,
                      const TrainingContract &contract, bool supervised) {
    const TrainingContract::DendriticConfig &cfg = contract.dendritic;
    Block &body = fn.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Operation *lossOp = nullptr;
    for (Operation &op : body)
      if (!lossOp && op.getNumResults() == 1 && nodeOf(&op) == contract.loss)
        lossOp = &op;
    for (unsigned i = 0; !lossOp && i < fn.getNumResults(); ++i)
      if (auto n = fn.getResultAttrOfType<StringAttr>(i, "credo.name"))
        if (n.getValue() == contract.loss)
          lossOp = ret.getOperand(i).getDefiningOp();
    // A value of `fn` by name: a result, a node, or an input.
    auto named = [&](StringRef name) -> Value {
      for (unsigned i = 0; i < fn.getNumResults(); ++i)
        if (auto a = fn.getResultAttrOfType<StringAttr>(i, "credo.name"))
          if (a.getValue() == name)
            return ret.getOperand(i);
      Value v;
      for (Operation &op : body)
        if (!v && op.getNumResults() == 1 && nodeOf(&op) == name)
          v = op.getResult(0);
      for (unsigned i = 0; !v && i < fn.getNumArguments(); ++i)
        if (auto a = fn.getArgAttrOfType<StringAttr>(i, "credo.name"))
          if (a.getValue() == name)
            v = fn.getArgument(i);
      return v;
    };
    if (!lossOp)
      return module.emitError()
             << "dendritic: no loss node '" << contract.loss << "'";
    // The output layer: the "output" node, else what the loss reads.
    Value output;
    if (!cfg.output.empty()) {
      output = named(cfg.output);
      if (!output)
        return module.emitError() << "dendritic: no node named '" << cfg.output
                                  << "' (training.dendritic.output)";
    } else if (lossOp->getNumOperands() > 0) {
      output = lossOp->getOperand(0);
    }
    // The output's target potential: the "target" value, else the loss's
    // class labels through one_hot.
    Value target, labels;
    if (!cfg.target.empty()) {
      target = named(cfg.target);
      if (!target)
        return module.emitError() << "dendritic: no value named '" << cfg.target
                                  << "' (training.dendritic.target)";
    } else if (lossOp->getNumOperands() > 1) {
      labels = lossOp->getOperand(1);
    }
    auto labelType =
        labels ? dyn_cast<RankedTensorType>(labels.getType()) : nullptr;
    if (supervised && !target &&
        (!labelType || !labelType.getElementType().isInteger(32)))
      return lossOp->emitError()
             << "dendritic nudges the output towards the label's target "
                "potential, so the loss must read i32 class labels (or name "
                "the target potential in training.dendritic.target)";
    if (!output)
      return lossOp->emitError() << "dendritic: the loss reads no output";
    FailureOr<SmallVector<Layer>> found = findLayers(lossOp, output);
    if (failed(found))
      return failure();
    SmallVector<Layer> &layers = *found;
    size_t n = layers.size();
    // The circuit's interneurons, feedback and nudging target (one_hot) are
    // f32.
    for (Layer &layer : layers)
      if (!cast<RankedTensorType>(layer.dense.getType())
               .getElementType()
               .isF32())
        return layer.dense.emitError()
               << "dendritic: the rule's circuit is f32, but this layer's "
                  "potentials are "
               << layer.dense.getType()
               << "; train an f64 model with backprop, fa or dfa";

    OpBuilder b(ret);
    Location loc = lossOp->getLoc();
    Circuit circuit(b, loc, cfg, layers);
    uint64_t seed = contract.seed;
    for (size_t k = 0; k < n; ++k) {
      circuit.w.push_back(layers[k].weight.getResult());
      circuit.bias.push_back(layers[k].bias);
    }
    auto f32 = b.getF32Type();
    // B has the shape of W_{k+1}. A sweep reads it once: a product with the
    // transposed operand. Iterations and the dynamics read it at every step
    // of their loop: Bᵀ, transposed once outside it.
    circuit.feedbackTransposed =
        cfg.settling != "sweep" || (supervised && !cfg.steadyState);
    auto asRead = [&](Value m) {
      if (!circuit.feedbackTransposed)
        return m;
      return make<TransposeOp>(
          b, loc, {m},
          {b.getNamedAttr("perm", b.getDenseI64ArrayAttr({1, 0}))});
    };
    for (size_t k = 0; k + 1 < n; ++k) {
      StringRef name = layers[k].weight.getName();
      int64_t units =
          cast<RankedTensorType>(layers[k].dense.getType()).getDimSize(1);
      int64_t above =
          cast<RankedTensorType>(layers[k + 1].dense.getType()).getDimSize(1);
      Location at = layers[k].dense.getLoc();
      ParamOp ip = declare(module, (name + "_ip").str(),
                           RankedTensorType::get({units, above}, f32),
                           InitKind::Uniform, -0.1, 0.1, seed, false, at);
      ParamOp pi = declare(module, (name + "_pi").str(),
                           RankedTensorType::get({above, units}, f32),
                           InitKind::Uniform, -0.1, 0.1, seed, false, at);
      circuit.ip.push_back(readParam(b, fn, ip));
      circuit.pi.push_back(readParam(b, fn, pi));
      if (cfg.feedback == "transpose") {
        circuit.feedback.push_back(asRead(circuit.w[k + 1]));
      } else {
        // The matrix feedback alignment uses for W_{k+1}: one seed, one B.
        auto upper =
            module.lookupSymbol<ParamOp>(layers[k + 1].weight.getName());
        FailureOr<ParamOp> fb = declareFeedbackMatrix(
            module, upper, upper.getTensorType(), seed, at);
        if (failed(fb))
          return failure();
        circuit.feedback.push_back(asRead(readParam(b, fn, *fb)));
      }
    }
    // The steady state from the feed-forward potentials.
    Value x = layers[0].dense.getInput();
    Value uhat0 = layers[0].dense.getResult();
    SmallVector<Value> feedForward;
    for (size_t k = 0; k + 1 < n; ++k)
      feedForward.push_back(layers[k].dense.getResult());
    if (!supervised)
      target = Value();
    if (supervised && target) {
      if (target.getType() != layers.back().dense.getType())
        return emitError(loc)
               << "dendritic: the target '" << cfg.target << "' is "
               << target.getType() << ", but the output layer's potentials are "
               << layers.back().dense.getType();
    } else if (supervised) {
      int64_t classes =
          cast<RankedTensorType>(layers.back().dense.getType()).getDimSize(1);
      target = make<OneHotOp>(
          b, loc, {labels},
          {b.getNamedAttr("classes", b.getI64IntegerAttr(classes)),
           b.getNamedAttr("on", b.getF64FloatAttr(cfg.targetHigh)),
           b.getNamedAttr("off", b.getF64FloatAttr(cfg.targetLow))});
    }
    // The local updates Δ (as raw updates) of every plastic weight.
    SmallVector<ParamUpdate> updates;
    auto add = [&](GetParamOp read, Value delta) {
      updates.push_back({read.getName(), read.getResult(), delta,
                         cast<RankedTensorType>(read.getType())});
    };
    auto readOf = [&](Value v) { return v.getDefiningOp<GetParamOp>(); };
    for (size_t k = 0; k < n; ++k)
      if (layers[k].bias && !readOf(layers[k].bias))
        return layers[k].dense.emitError()
               << "dendritic needs the layer's bias to be a parameter";
    SmallVector<std::pair<std::string, Value>> states;
    if (supervised && !cfg.steadyState) {
      if (failed(dynamics(module, fn, b, circuit, layers, x, target, cfg,
                          updates, states)))
        return failure();
      return finishGradients(module, b, loc, circuit, lossOp, updates, states,
                             fn);
    }
    State s = circuit.settle(x, uhat0, feedForward, target);
    for (size_t k = 0; k + 1 < n; ++k) {
      Value dI = make<SubOp>(
          b, loc, {circuit.phi(k + 1, s.uI[k]), circuit.phi(k + 1, s.vI[k])});
      add(readOf(circuit.ip[k]), circuit.outer(s.r[k], dI, cfg.lrIP));
      add(readOf(circuit.pi[k]), circuit.outer(s.rI[k], s.vA[k], -cfg.lrPI));
    }
    if (supervised)
      for (size_t k = 0; k < n; ++k) {
        Value d = make<SubOp>(
            b, loc, {circuit.phi(k, s.u[k]), circuit.phi(k, s.uhat[k])});
        Value in = k == 0 ? x : s.r[k - 1];
        add(layers[k].weight, circuit.outer(in, d, cfg.lrPP));
        if (layers[k].bias)
          add(readOf(layers[k].bias), circuit.mean(d, cfg.lrPP));
      }

    if (supervised)
      return finishGradients(module, b, loc, circuit, lossOp, updates, states,
                             fn);
    // @settle_step(inputs…, lr): plain SGD steps of W^IP and W^PI; its
    // first result is the mean over the batch of Σ_k ‖v_A,k‖².
    return finishSettle(module, b, loc, circuit, s, updates, fn);
  }

  /// @gradients: the loss, then −Δ per parameter (zeros elsewhere), then
  /// state.NAME per state parameter.
  LogicalResult finishGradients(ModuleOp module, OpBuilder &b, Location loc,
                                Circuit &circuit, Operation *lossOp,
                                ArrayRef<ParamUpdate> updates,
                                ArrayRef<std::pair<std::string, Value>> states,
                                func::FuncOp fn) {
    llvm::StringMap<Value> directions;
    for (const ParamUpdate &u : updates)
      directions[u.name] = circuit.scale(u.direction, -1.0);
    publishGradients(b, module, fn, lossOp->getResult(0), directions, states);
    return success();
  }

  LogicalResult finishSettle(ModuleOp module, OpBuilder &b, Location loc,
                             Circuit &circuit, const State &s,
                             ArrayRef<ParamUpdate> updates, func::FuncOp fn) {
    Value mismatch;
    for (Value vA : s.vA) {
      int64_t batch = cast<RankedTensorType>(vA.getType()).getDimSize(0);
      Value sq = circuit.scale(
          make<EinsumOp>(b, loc, {vA, vA},
                         {b.getNamedAttr("spec", b.getStringAttr("bj,bj->"))}),
          1.0 / double(batch));
      mismatch = mismatch ? make<AddOp>(b, loc, {mismatch, sq}) : sq;
    }
    unsigned lrIndex = fn.getNumArguments();
    fn.insertArgument(lrIndex, mismatch.getType(),
                      b.getDictionaryAttr(
                          b.getNamedAttr("credo.name", b.getStringAttr("lr"))),
                      fn.getLoc());
    OptimizerConfig sgd;
    sgd.type = "sgd";
    FailureOr<SmallVector<Value>> next =
        applyOptimizer(b, module, fn, sgd, fn.getArgument(lrIndex), updates,
                       /*rawUpdates=*/true);
    if (failed(next))
      return failure();
    returnNextParams(b, module, fn, mismatch,
                     b.getDictionaryAttr(b.getNamedAttr(
                         "credo.name", b.getStringAttr("apical_mismatch"))),
                     *next);
    return success();
  }
};

} // namespace
