//===- Hm2bp.cpp - The HM2-BP learning rule ---------------------*- C++ -*-===//
//
// Implements credo-hm2bp (rule "hm2bp"): @train_step from @forward's spike
// trains after the window, with S-PSPs and spike counts in place of
// backpropagation through time. docs/rules.md and the pass description
// give the equations.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"

#include "FuncResults.h"
#include "MakeOp.h"
#include "TimeLoops.h"

#include "Credo/IR/CredoInterfaces.h"
#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <deque>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOHM2BP
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// One layer: the dense product feeding a LIF population.
struct Layer {
  DenseOp dense;
  LifOp lif;
  GetParamOp weight;
};

struct Hm2bp : public mlir::credo::impl::CredoHm2bpBase<Hm2bp> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || forward.isExternal()) {
      module.emitError("credo-hm2bp: the module has no @forward");
      return signalPassFailure();
    }
    if (module.lookupSymbol("gradients")) {
      module.emitError("credo-hm2bp: the module already has @gradients");
      return signalPassFailure();
    }
    FailureOr<std::optional<TrainingContract>> contract =
        TrainingContract::read(module);
    if (failed(contract))
      return signalPassFailure();
    if (!*contract) {
      module.emitError("credo-hm2bp: the model has no training section");
      return signalPassFailure();
    }
    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(forward);
    auto step = cast<func::FuncOp>(builder.clone(*forward));
    step.setName("gradients");
    expandTrainingForms(step);
    if (failed(build(module, step, **contract))) {
      step.erase();
      return signalPassFailure();
    }
  }

  LogicalResult build(ModuleOp module, func::FuncOp step,
                      const TrainingContract &contract) {
    Block &body = step.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    // The loss: the result of that name, else the node.
    Operation *lossOp = nullptr;
    for (unsigned i = 0; i < step.getNumResults(); ++i)
      if (auto n = step.getResultAttrOfType<StringAttr>(i, "credo.name"))
        if (n.getValue() == contract.loss)
          lossOp = ret.getOperand(i).getDefiningOp();
    for (Operation &op : body)
      if (!lossOp && nodeOf(&op) == contract.loss && op.getNumResults() == 1)
        lossOp = &op;
    if (!lossOp)
      return module.emitError()
             << "hm2bp: no node named '" << contract.loss << "' (the loss)";
    auto rule = dyn_cast<DifferentiableOpInterface>(lossOp);
    SpikeCountOp counts =
        lossOp->getNumOperands()
            ? lossOp->getOperand(0).getDefiningOp<SpikeCountOp>()
            : SpikeCountOp();
    auto loopResult =
        counts ? dyn_cast<OpResult>(counts.getInput()) : OpResult();
    auto loop =
        loopResult ? dyn_cast<TimeLoopOp>(loopResult.getOwner()) : TimeLoopOp();
    if (!rule || !loop || loopResult.getResultNumber() < loop.getInits().size())
      return lossOp->emitError()
             << "hm2bp needs a loss on the output layer's spike counts, "
                "loss(spike_count(LOOP.OUTPUT.all), labels)";
    Value outSpikes =
        loop.getYield().getRecorded()[loopResult.getResultNumber() -
                                      loop.getInits().size()];

    // The layers, output first: lif ← dense(spikes of the layer below, W).
    std::deque<Layer> layers;
    Value spikes = outSpikes;
    auto inLoop = [&](Value v) {
      return loop.getBody().isAncestor(v.getParentRegion());
    };
    while (true) {
      auto lif = spikes.getDefiningOp<LifOp>();
      if (!lif || spikes != lif.getSpikes() || !inLoop(spikes))
        break;
      auto dense = lif.getInput().getDefiningOp<DenseOp>();
      if (!dense)
        return lif.emitError() << "hm2bp trains LIF layers fed by a dense "
                                  "product of spikes, but this one's input "
                                  "is not a dense node";
      if (dense.getBias())
        return dense.emitError() << "hm2bp trains dense layers without bias";
      auto weight = dense.getWeight().getDefiningOp<GetParamOp>();
      if (!weight)
        return dense.emitError()
               << "hm2bp needs the layer's weight to be a parameter";
      if (lif.getModel() != LifModel::Current)
        return lif.emitError()
               << "hm2bp needs current-based neurons (\"model\": "
                  "\"current\"), whose post-synaptic potentials s_psp "
                  "computes";
      // s_psp restarts a neuron's potential at 0 after each of its spikes:
      // a reset to zero does, and so does a refractory period (which holds
      // the potential at 0); a subtracting reset without one keeps what is
      // above the threshold, which the update would not see.
      if (lif.getReset() == LifReset::Subtract && lif.getTRef() == 0)
        return lif.emitError()
               << "hm2bp's post-synaptic potentials (s_psp) restart the "
                  "membrane at 0 after each spike, but this layer resets by "
                  "subtracting the threshold (\"reset\": \"subtract\", "
                  "the default) without a refractory period; give \"reset\": "
                  "\"zero\" or \"t_ref\" of 1 or more (which holds the "
                  "potential at 0)";
      double tauM = lif.getTauM().convertToDouble(),
             tauS = lif.getTauS().convertToDouble();
      if (!SpikeTrainPspOp::timeConstantsApart(tauM, tauS))
        return lif.emitError()
               << "hm2bp needs tau_m and tau_s at least 1 % apart: the "
                  "spike-train kernel (e^(-t/tau_m) - e^(-t/tau_s)) / "
                  "(tau_m - tau_s) is undefined when they are equal and "
                  "lost to rounding when they are closer (tau_m = "
               << llvm::formatv("{0}", llvm::format("%g", tauM)).str()
               << ", tau_s = "
               << llvm::formatv("{0}", llvm::format("%g", tauS)).str() << ")";
      layers.push_front({dense, lif, weight});
      spikes = dense.getInput();
    }
    if (layers.empty())
      return lossOp->emitError()
             << "hm2bp: the loss's counts are not the spikes of a LIF layer";
    Value inputSpikes = spikes;
    if (!inLoop(inputSpikes))
      return layers.front().dense.emitError()
             << "hm2bp needs the first layer's input to be spikes made at "
                "each step inside the time loop";

    // Record every layer's spike trains (input first).
    SmallVector<Value> trainsInLoop = {inputSpikes};
    for (Layer &l : layers)
      trainsInLoop.push_back(l.lif.getSpikes());
    unsigned first = loop->getNumResults();
    TimeLoopOp recorded = appendRecords(loop, trainsInLoop);
    SmallVector<Value> trains;
    for (unsigned i = 0; i < trainsInLoop.size(); ++i)
      trains.push_back(recorded->getResult(first + i));

    OpBuilder b(ret);
    Location loc = lossOp->getLoc();
    auto named = [&](StringRef name, Attribute a) {
      return b.getNamedAttr(name, a);
    };
    auto scale = [&](Value v, double f) {
      return make<ScaleOp>(b, loc, {v},
                           {named("factor", b.getF64FloatAttr(f))});
    };
    auto einsum = [&](StringRef spec, ValueRange operands) {
      return make<EinsumOp>(b, loc, operands,
                            {named("spec", b.getStringAttr(spec))});
    };
    auto safeDiv = [&](Value x, Value y) {
      return make<DivOp>(b, loc, {x, y}, {named("safe", b.getUnitAttr())});
    };
    size_t L = layers.size();
    SmallVector<Value> countsOf(L + 1), psp(L + 1);
    for (size_t l = 1; l <= L; ++l) {
      LifOp lif = layers[l - 1].lif;
      countsOf[l] = make<SpikeCountOp>(b, loc, {trains[l]});
      psp[l] = make<SpikeTrainPspOp>(b, loc, {trains[l], trains[l - 1]},
                                     {named("tau_m", lif.getTauMAttr()),
                                      named("tau_s", lif.getTauSAttr()),
                                      named("t_ref", lif.getTRefAttr())});
    }
    // The macro error: the loss's gradient with respect to the counts.
    Value lossValue = lossOp->getResult(0);
    auto lossType = cast<RankedTensorType>(lossValue.getType());
    Value one = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(
                 lossType, b.getFloatAttr(lossType.getElementType(), 1.0)));
    SmallVector<bool> needed(lossOp->getNumOperands(), false);
    needed[0] = true;
    SmallVector<Value> lossGrads;
    if (failed(rule.buildGradients(b, {one}, needed, lossGrads)))
      return failure();
    auto threshold = [&](size_t l) {
      return layers[l - 1].lif.getThreshold().convertToDouble();
    };
    Value delta = scale(lossGrads[0], 1.0 / threshold(L));
    SmallVector<ParamUpdate> updates;
    for (size_t l = L; l >= 1; --l) {
      Value w = layers[l - 1].weight.getResult();
      auto countType = cast<RankedTensorType>(countsOf[l].getType());
      // s_l = Σ_j w[j, i] e[b, i, j] / (ν o), 0 for a silent neuron.
      Value drive = einsum("ji,bij->bi", {w, psp[l]});
      Value self = safeDiv(drive, scale(countsOf[l], threshold(l)));
      Value ones = b.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(
                   countType, b.getFloatAttr(countType.getElementType(), 1.0)));
      Value gain = make<AddOp>(b, loc, {ones, self});
      Value grad = einsum("bi,bij,bi->ji", {delta, psp[l], gain});
      updates.insert(updates.begin(), {layers[l - 1].weight.getName(), w, grad,
                                       cast<RankedTensorType>(w.getType())});
      if (l > 1) // the effect ratio: e / o of the layer below
        delta = scale(safeDiv(einsum("bi,ji,bij->bj", {delta, w, psp[l]}),
                              countsOf[l - 1]),
                      1.0 / threshold(l - 1));
    }

    // @gradients' results: the loss, then every parameter's direction
    // (zeros for those the rule does not train); credo-train-step applies
    // the optimizer.
    llvm::StringMap<Value> directions;
    for (const ParamUpdate &u : updates)
      directions[u.name] = u.direction;
    publishGradients(b, module, step, lossValue, directions);
    return success();
  }
};

} // namespace
