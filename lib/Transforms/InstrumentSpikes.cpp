//===- InstrumentSpikes.cpp - Spike counters per neuron ---------*- C++ -*-===//
//
// Implements credo-instrument-spikes: each forward time loop of @train_step
// also records the spikes of its LIF populations, and @train_step returns
// every population's per-neuron spike count over the batch and the steps.
// A loop nested in another records its populations' spikes too; the outer
// loop records their counts over each run of the inner loop.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "FuncResults.h"
#include "TimeLoops.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOINSTRUMENTSPIKES
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// A LIF population's spike counts per sample ([B, N]) over every step of
/// a loop (and of the loops it is nested in, once summed there).
struct Counted {
  LifOp lif;
  Value counts;
};

/// Makes `loop` (a forward loop) also record the spikes of its LIF
/// populations and the counts of the loops nested in it, in body order;
/// returns, after the new loop, each population's counts over its steps.
SmallVector<Counted> countSpikes(TimeLoopOp loop) {
  SmallVector<LifOp> lifs;
  SmallVector<Value> perStep;
  SmallVector<Operation *> body;
  for (Operation &op : loop.getBody().front())
    body.push_back(&op);
  for (Operation *op : body) {
    if (auto lif = dyn_cast<LifOp>(op)) {
      lifs.push_back(lif);
      perStep.push_back(lif.getSpikes());
    } else if (auto inner = dyn_cast<TimeLoopOp>(op);
               inner && !inner.getReverse()) {
      for (Counted c : countSpikes(inner)) {
        lifs.push_back(c.lif);
        perStep.push_back(c.counts);
      }
    }
  }
  if (lifs.empty())
    return {};
  unsigned first = loop->getNumResults();
  TimeLoopOp next = appendRecords(loop, perStep);
  OpBuilder builder(next->getContext());
  builder.setInsertionPointAfter(next);
  SmallVector<Counted> counted;
  for (auto [i, lif] : llvm::enumerate(lifs))
    counted.push_back(
        {lif, builder.create<SpikeCountOp>(
                  lif.getLoc(), ValueRange{next->getResult(first + i)},
                  ArrayRef<NamedAttribute>{})});
  return counted;
}

struct InstrumentSpikes
    : public mlir::credo::impl::CredoInstrumentSpikesBase<InstrumentSpikes> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto step = module.lookupSymbol<func::FuncOp>("train_step");
    if (!step || step.isExternal()) {
      module.emitError("credo-instrument-spikes: the module has no "
                       "@train_step (run credo-train-step first)");
      return signalPassFailure();
    }
    auto ret = cast<func::ReturnOp>(step.getBody().front().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    SmallVector<Attribute> names = resultAttrsOf(step);
    // The forward loops of the step itself, in order.
    SmallVector<TimeLoopOp> loops;
    for (Operation &op : step.getBody().front())
      if (auto loop = dyn_cast<TimeLoopOp>(op))
        if (!loop.getReverse())
          loops.push_back(loop);
    unsigned count = 0;
    for (TimeLoopOp loop : loops) {
      OpBuilder builder(ret);
      for (Counted c : countSpikes(loop)) {
        Location loc = c.lif.getLoc();
        Value perNeuron = builder.create<ReduceSumOp>(
            loc, ValueRange{c.counts},
            ArrayRef<NamedAttribute>{builder.getNamedAttr(
                "dims", builder.getDenseI64ArrayAttr({0}))});
        auto type = cast<RankedTensorType>(perNeuron.getType());
        if (type.getRank() != 1)
          perNeuron = builder.create<ReshapeOp>(
              loc, ValueRange{perNeuron},
              ArrayRef<NamedAttribute>{builder.getNamedAttr(
                  "shape",
                  builder.getDenseI64ArrayAttr({type.getNumElements()}))});
        results.push_back(perNeuron);
        std::string node = nodeOf(c.lif).str();
        if (node.empty())
          node = "lif" + std::to_string(count);
        ++count;
        names.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
            "credo.name", builder.getStringAttr("spikes." + node))));
      }
    }
    replaceResults(step, results, names);
  }
};

} // namespace
