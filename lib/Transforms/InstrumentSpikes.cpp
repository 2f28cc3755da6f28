//===- InstrumentSpikes.cpp - Spike counters per neuron ---------*- C++ -*-===//
//
// Implements credo-instrument-spikes: each forward time loop of @train_step
// also records the spikes of its LIF populations, and @train_step returns
// every population's per-neuron spike count over the batch and the steps.
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

struct InstrumentSpikes
    : public mlir::credo::impl::CredoInstrumentSpikesBase<InstrumentSpikes> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto step = module.lookupSymbol<func::FuncOp>("train_step");
    if (!step) {
      module.emitError("credo-instrument-spikes: the module has no "
                       "@train_step (run credo-train-step first)");
      return signalPassFailure();
    }
    auto ret = cast<func::ReturnOp>(step.getBody().front().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    SmallVector<Attribute> names(step.getAllResultAttrs().getValue());
    // The forward loops of the step itself, in order.
    SmallVector<TimeLoopOp> loops;
    for (Operation &op : step.getBody().front())
      if (auto loop = dyn_cast<TimeLoopOp>(op))
        if (!loop.getReverse())
          loops.push_back(loop);
    unsigned count = 0;
    for (TimeLoopOp loop : loops) {
      SmallVector<LifOp> lifs;
      for (Operation &op : loop.getBody().front())
        if (auto lif = dyn_cast<LifOp>(op))
          lifs.push_back(lif);
      if (lifs.empty())
        continue;
      SmallVector<Value> spikes;
      for (LifOp lif : lifs)
        spikes.push_back(lif.getSpikes());
      unsigned first = loop->getNumResults();
      TimeLoopOp next = appendRecords(loop, spikes);
      OpBuilder builder(ret);
      for (auto [i, lif] : llvm::enumerate(lifs)) {
        Location loc = lif.getLoc();
        Value all = next->getResult(first + i);
        Value perSample = builder.create<SpikeCountOp>(
            loc, ValueRange{all}, ArrayRef<NamedAttribute>{});
        Value perNeuron = builder.create<ReduceSumOp>(
            loc, ValueRange{perSample},
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
        std::string node = nodeOf(lif).str();
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
