//===- SpikeMasks.cpp - Weight gradients read from spike masks -*- C++ -*-===//
//
// Implements credo-spike-masks: after autodiff, the weight gradient of a
// dense layer of spikes (Poisson spikes, or a LIF population's),
// sᵀ·δ, reads the spikes back from the forward loop's record, and the
// zero-skipping product searches them for their non-zeros and reads each
// one's value. The spikes are −1, 0 or +1, so two bit masks hold them: the
// forward loop records
// credo.spike_masks of the spikes (1/16 of the f32 spikes) instead of the
// spikes, and the product becomes credo.spike_masks_matmul, which needs
// neither the search nor the values and sums in the same order.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "MakeOp.h"
#include "TimeLoops.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/IR/Builders.h"

#include <cstdlib>
#include <string>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOSPIKEMASKS
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// Whether `v` holds spikes (−1, 0, +1, or NaN) of f32 in rows: Poisson
/// spikes (any part), or the spikes of a LIF step (0, 1).
bool spikeValues(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.getElementType().isF32() || type.getRank() != 2)
    return false;
  if (v.getDefiningOp<PoissonEncodeOp>())
    return true;
  auto lif = v.getDefiningOp<LifOp>();
  return lif && lif.getSpikes() == v;
}

/// Whether `op` is a weight gradient sᵀ·δ that the masks can compute.
bool weightGradient(Operation *op, Value spikes) {
  auto product = dyn_cast<MatmulOp>(op);
  return product && product.getLhs() == spikes && product.getRhs() != spikes &&
         product.getTransposeLhs() && !product.getTransposeRhs();
}

/// Replaces the weight gradient `product` by the product of `masks`.
void useMasks(MatmulOp product, Value masks) {
  OpBuilder b(product);
  auto spikes = cast<RankedTensorType>(product.getLhs().getType());
  Value y = make<SpikeMasksMatmulOp>(
      b, product.getLoc(), {masks, product.getRhs()},
      {b.getNamedAttr("width", b.getI64IntegerAttr(spikes.getDimSize(1)))});
  product.replaceAllUsesWith(y);
  product.erase();
}

/// The masks of `spikes`, made right after them.
Value masksOf(Value spikes) {
  OpBuilder b(spikes.getContext());
  b.setInsertionPointAfterValue(spikes);
  return make<SpikeMasksOp>(b, spikes.getLoc(), {spikes});
}

/// Replaces `loop` by one without its result `index`, a record with no
/// uses.
void dropRecord(TimeLoopOp loop, unsigned index) {
  unsigned recorded = index - loop.getInits().size();
  loop.getYield().getRecordedMutable().erase(recorded);
  SmallVector<Type> types(loop->getResultTypes());
  types.erase(types.begin() + index);
  TimeLoopOp next = withResults(loop, types);
  for (unsigned i = 0, j = 0; i < loop->getNumResults(); ++i)
    if (i != index)
      loop->getResult(i).replaceAllUsesWith(next->getResult(j++));
  loop.erase();
}

/// A forward loop's record of spikes that is read only by time
/// slices along its steps, each read only by weight gradients: records
/// the spikes' masks instead, and the gradients read those.
bool recordMasks(TimeLoopOp loop, unsigned index) {
  Value record = loop->getResult(index);
  Value spikes = loop.getYield().getRecorded()[index - loop.getInits().size()];
  if (record.use_empty() || !spikeValues(spikes) ||
      spikes.getParentRegion() != &loop.getBody())
    return false;
  for (Operation *user : record.getUsers()) {
    auto slice = dyn_cast<TimeSliceOp>(user);
    if (!slice || slice.getAxis() != 0 || slice.getInput() != record)
      return false;
    for (Operation *reader : slice->getUsers())
      if (!weightGradient(reader, slice.getResult()))
        return false;
  }
  Value masks = masksOf(spikes);
  TimeLoopOp next = appendRecords(loop, {masks});
  Value masksRecord = next->getResults().back();
  record = next->getResult(index);
  for (Operation *user : llvm::make_early_inc_range(record.getUsers())) {
    auto slice = cast<TimeSliceOp>(user);
    OpBuilder b(slice);
    Value step =
        make<TimeSliceOp>(b, slice.getLoc(), {masksRecord, slice.getStep()});
    for (Operation *reader : llvm::make_early_inc_range(slice->getUsers()))
      useMasks(cast<MatmulOp>(reader), step);
    slice.erase();
  }
  dropRecord(next, index);
  return true;
}

struct SpikeMasks : public mlir::credo::impl::CredoSpikeMasksBase<SpikeMasks> {
  void runOnOperation() override {
    // Records first: a loop is replaced as its records change.
    bool changed = true;
    while (changed) {
      changed = false;
      getOperation().walk([&](TimeLoopOp loop) {
        if (loop.getReverse())
          return WalkResult::advance();
        for (unsigned i = loop.getInits().size(); i < loop->getNumResults();
             ++i)
          if (recordMasks(loop, i)) {
            changed = true;
            return WalkResult::interrupt();
          }
        return WalkResult::advance();
      });
    }
    // Spikes a step computes again (recomputation in the backward loop):
    // their masks where they are made.
    SmallVector<Value> recomputed;
    getOperation().walk([&](Operation *op) {
      for (Value spikes : op->getResults())
        if (spikeValues(spikes) &&
            llvm::any_of(spikes.getUsers(), [&](Operation *user) {
              return weightGradient(user, spikes);
            }))
          recomputed.push_back(spikes);
    });
    for (Value spikes : recomputed) {
      Value masks = masksOf(spikes);
      for (Operation *user : llvm::make_early_inc_range(spikes.getUsers()))
        if (weightGradient(user, spikes))
          useMasks(cast<MatmulOp>(user), masks);
    }
  }
};

} // namespace

bool mlir::credo::spikeMasksEnabled() {
  const char *off = std::getenv("CREDO_SPIKE_MASKS");
  return !(off && std::string(off) == "0");
}
