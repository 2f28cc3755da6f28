//===- BatchOverTime.cpp - Batch step-independent work over time -*- C++
//-*-===//
//
// Implements credo-batch-over-time: a dense layer inside a time loop whose
// input is one step of an outer sequence and whose weights come from outside
// the loop does not depend on the carried state. It moves before the loop
// as one product over all steps, [T·B, K] × [K, N], and the body reads its
// step of the result. Autodiff then differentiates that one product too
// (one [K, T·B] × [T·B, N] weight gradient instead of T small ones).
// Reverse loops are left alone (see below).
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "MakeOp.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOBATCHOVERTIME
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// Moves `dense` (reading `slice` of an outer sequence) before `loop` as one
/// product over all steps; the body reads its step of the result.
void batchOverTime(TimeLoopOp loop, DenseOp dense, TimeSliceOp slice) {
  OpBuilder b(loop);
  Location loc = dense.getLoc();
  Value seq = slice.getInput();
  auto type = cast<RankedTensorType>(seq.getType());
  int64_t axis = int64_t(slice.getAxis());
  int64_t steps = type.getDimSize(axis);
  // [.., T, ..] → [T, B, K]
  if (axis != 0) {
    SmallVector<int64_t> perm = {axis};
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (i != axis)
        perm.push_back(i);
    seq = make<TransposeOp>(
        b, loc, {seq}, {b.getNamedAttr("perm", b.getDenseI64ArrayAttr(perm))});
  }
  auto stepType = cast<RankedTensorType>(slice.getType());
  int64_t rows = stepType.getDimSize(0), cols = stepType.getDimSize(1);
  auto shape = [&](ArrayRef<int64_t> dims) {
    return b.getNamedAttr("shape", b.getDenseI64ArrayAttr(dims));
  };
  Value flat = make<ReshapeOp>(b, loc, {seq}, {shape({steps * rows, cols})});
  SmallVector<Value> operands = {flat, dense.getWeight()};
  if (dense.getBias())
    operands.push_back(dense.getBias());
  Value all = make<DenseOp>(b, loc, operands);
  int64_t out = cast<RankedTensorType>(dense.getType()).getDimSize(1);
  Value stacked = make<ReshapeOp>(b, loc, {all}, {shape({steps, rows, out})});
  b.setInsertionPoint(dense);
  Value step = b.create<TimeSliceOp>(loc, dense.getType(), stacked,
                                     slice.getStep(), b.getI64IntegerAttr(0));
  dense.replaceAllUsesWith(step);
  dense.erase();
  if (slice->use_empty())
    slice.erase();
}

struct BatchOverTime
    : public mlir::credo::impl::CredoBatchOverTimeBase<BatchOverTime> {
  void runOnOperation() override {
    // Inner loops first, so that their hoisted products can move further.
    getOperation().walk([](TimeLoopOp loop) {
      // A reverse loop made by credo-autodiff recomputes steps from their
      // recorded states only when time-memory=recompute chose to save the
      // memory that batching them would take again.
      if (loop.getReverse())
        return;
      auto outside = [&](Value v) {
        return !v || !loop.getBody().isAncestor(v.getParentRegion());
      };
      SmallVector<std::pair<DenseOp, TimeSliceOp>> work;
      for (Operation &op : loop.getBody().front())
        if (auto dense = dyn_cast<DenseOp>(op))
          if (auto slice = dense.getInput().getDefiningOp<TimeSliceOp>())
            if (slice.getStep() == loop.getStep() &&
                outside(slice.getInput()) && outside(dense.getWeight()) &&
                outside(dense.getBias()))
              work.push_back({dense, slice});
      for (auto [dense, slice] : work)
        batchOverTime(loop, dense, slice);
    });
  }
};

} // namespace
