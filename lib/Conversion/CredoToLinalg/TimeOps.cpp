//===- TimeOps.cpp - Time loops and step slices → scf and tensor -*- C++
//-*-===//
//
// credo.time_loop becomes one scf.for over the steps whose iteration
// arguments are the carried values and one [steps, …] tensor per recorded
// value (each step inserts its slice); the body moves into the loop
// unchanged, so its credo ops lower like any other. The next carried values
// are copied into the carried buffers (linalg.copy), so bufferization
// updates the state in place and no allocation escapes a step. credo.time_slice
// is a rank-reducing tensor.extract_slice; credo.stop_gradient is its operand.
// A ring buffer's read is an extract_slice at the slot (t − back) mod k
// copied into a tensor of its own (the step writes the ring in place later:
// a view would make that write a copy of the whole ring); its write is a
// tensor.insert_slice into the ring (after an add with `add`).
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {

/// Offsets, sizes and strides of step `t` along `axis` of `type`.
void stepSlice(OpBuilder &b, RankedTensorType type, int64_t axis, Value t,
               SmallVectorImpl<OpFoldResult> &offsets,
               SmallVectorImpl<OpFoldResult> &sizes,
               SmallVectorImpl<OpFoldResult> &strides) {
  for (int64_t d = 0; d < type.getRank(); ++d) {
    offsets.push_back(d == axis ? OpFoldResult(t) : b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(d == axis ? 1 : type.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
}

struct TimeLoopLowering : OpRewritePattern<mlir::credo::TimeLoopOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::TimeLoopOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t steps = int64_t(op.getSteps());
    size_t numCarried = op.getInits().size();
    SmallVector<Value> iterArgs(op.getInits());
    for (Value record : op.getRecords()) {
      auto type = cast<RankedTensorType>(record.getType());
      iterArgs.push_back(rewriter.create<tensor::EmptyOp>(
          loc, type.getShape(), type.getElementType()));
    }
    Value lb = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value ub = rewriter.create<arith::ConstantIndexOp>(loc, steps);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    auto loop = rewriter.create<scf::ForOp>(loc, lb, ub, one, iterArgs);
    Block *body = loop.getBody();
    // Without iteration values the loop comes with its scf.yield; the one
    // the step's yield becomes replaces it.
    if (iterArgs.empty())
      rewriter.eraseOp(body->getTerminator());
    rewriter.setInsertionPointToStart(body);
    Value t = loop.getInductionVar();
    if (op.getReverse()) // t = steps − 1 − i
      t = rewriter.create<arith::SubIOp>(
          loc, rewriter.create<arith::ConstantIndexOp>(loc, steps - 1), t);
    SmallVector<Value> blockArgs = {t};
    for (size_t i = 0; i < numCarried; ++i)
      blockArgs.push_back(loop.getRegionIterArg(i));
    mlir::credo::YieldOp yield = op.getYield();
    // Which carried value (state entering the step) a value is, or -1;
    // found before the body moves: the rewriter may replace the block's
    // arguments only later.
    auto carriedIndex = [&](Value v) -> int64_t {
      auto arg = dyn_cast<BlockArgument>(v);
      return arg && arg.getOwner() == &op.getBody().front() &&
                     arg.getArgNumber() > 0
                 ? int64_t(arg.getArgNumber()) - 1
                 : -1;
    };
    // Which carried value each next carried value is (a delay line shifts
    // one into the next), and which recorded values are a state.
    SmallVector<int64_t> source;
    for (Value v : yield.getCarried())
      source.push_back(carriedIndex(v));
    SmallVector<bool> recordsState;
    for (Value v : yield.getRecorded())
      recordsState.push_back(carriedIndex(v) >= 0);
    rewriter.inlineBlockBefore(&op.getBody().front(), body, body->end(),
                               blockArgs);

    // The yield becomes: insert each recorded value at step t, then update
    // the state. A state entering the step is recorded first thing in the
    // step, before anything can update its buffer in place.
    SmallVector<Value> records;
    for (auto [i, value] : llvm::enumerate(yield.getRecorded())) {
      Value buffer = loop.getRegionIterArg(numCarried + i);
      auto type = cast<RankedTensorType>(buffer.getType());
      if (recordsState[i])
        rewriter.setInsertionPointAfterValue(t);
      else
        rewriter.setInsertionPoint(yield);
      SmallVector<OpFoldResult> offsets, sizes, strides;
      stepSlice(rewriter, type, 0, t, offsets, sizes, strides);
      records.push_back(rewriter.create<tensor::InsertSliceOp>(
          yield.getLoc(), value, buffer, offsets, sizes, strides));
    }
    rewriter.setInsertionPoint(yield);
    // Each next carried value is copied into the step's own carried buffer,
    // so that the loop updates its state in place (no buffer escapes a
    // step). A buffer is overwritten only after every copy that reads it:
    // a delay line shifts before its head is overwritten, forward (slot i
    // reads slot i − 1) and in the reverse loops of gradients (slot i reads
    // slot i + 1). A cycle of reads (a swap) first copies one of its values
    // aside.
    SmallVector<Value> next(yield.getCarried());
    SmallVector<bool> done(numCarried, false);
    for (size_t i = 0; i < numCarried; ++i)
      if (source[i] == int64_t(i)) // the state as it was: nothing to copy
        done[i] = true;
    auto readLater = [&](size_t i) {
      for (size_t j = 0; j < numCarried; ++j)
        if (!done[j] && j != i && source[j] == int64_t(i))
          return true;
      return false;
    };
    for (size_t left = llvm::count(done, false); left > 0;) {
      bool progress = false;
      for (size_t i = numCarried; i-- > 0;) {
        if (done[i] || readLater(i))
          continue;
        next[i] = rewriter
                      .create<linalg::CopyOp>(yield.getLoc(), next[i],
                                              loop.getRegionIterArg(i))
                      .getResult(0);
        done[i] = true;
        --left;
        progress = true;
      }
      if (progress)
        continue;
      for (size_t i = 0; i < numCarried; ++i)
        if (!done[i] && source[i] >= 0) {
          auto type = cast<RankedTensorType>(next[i].getType());
          Value aside = rewriter.create<tensor::EmptyOp>(
              yield.getLoc(), type.getShape(), type.getElementType());
          next[i] =
              rewriter.create<linalg::CopyOp>(yield.getLoc(), next[i], aside)
                  .getResult(0);
          source[i] = -1;
          break;
        }
    }
    llvm::append_range(next, records);
    rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, next);
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

struct TimeSliceLowering : OpRewritePattern<mlir::credo::TimeSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::TimeSliceOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    stepSlice(rewriter, type, int64_t(op.getAxis()), op.getStep(), offsets,
              sizes, strides);
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, cast<RankedTensorType>(op.getType()), op.getInput(), offsets, sizes,
        strides);
    return success();
  }
};

/// Offsets, sizes and strides of the slot (t − back) mod k of `ring` (k
/// slots), the slot as (t + k − back) mod k (t >= 0, 0 <= back < k).
void ringSlice(OpBuilder &b, Location loc, Value ring, Value t, int64_t back,
               SmallVectorImpl<OpFoldResult> &offsets,
               SmallVectorImpl<OpFoldResult> &sizes,
               SmallVectorImpl<OpFoldResult> &strides) {
  auto type = cast<RankedTensorType>(ring.getType());
  int64_t k = type.getDimSize(0);
  Value shifted =
      back == 0 ? t
                : b.create<arith::AddIOp>(
                      loc, t, b.create<arith::ConstantIndexOp>(loc, k - back));
  Value slot = b.create<arith::RemUIOp>(
      loc, shifted, b.create<arith::ConstantIndexOp>(loc, k));
  stepSlice(b, type, 0, slot, offsets, sizes, strides);
}

struct RingReadLowering : OpRewritePattern<mlir::credo::RingReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::RingReadOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    ringSlice(rewriter, loc, op.getRing(), op.getStep(), int64_t(op.getBack()),
              offsets, sizes, strides);
    Value view = rewriter.create<tensor::ExtractSliceOp>(
        loc, type, op.getRing(), offsets, sizes, strides);
    Value own = rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                 type.getElementType());
    rewriter.replaceOp(
        op, rewriter.create<linalg::CopyOp>(loc, view, own).getResult(0));
    return success();
  }
};

struct RingWriteLowering : OpRewritePattern<mlir::credo::RingWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::RingWriteOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getValue().getType());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    ringSlice(rewriter, loc, op.getRing(), op.getStep(), int64_t(op.getBack()),
              offsets, sizes, strides);
    Value value = op.getValue();
    if (op.getAdd()) {
      Value old = rewriter.create<tensor::ExtractSliceOp>(
          loc, type, op.getRing(), offsets, sizes, strides);
      Value sum = rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                   type.getElementType());
      value = rewriter
                  .create<linalg::AddOp>(loc, ValueRange{old, value},
                                         ValueRange{sum})
                  .getResult(0);
    }
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(op, value, op.getRing(),
                                                       offsets, sizes, strides);
    return success();
  }
};

struct StopGradientLowering : OpRewritePattern<mlir::credo::StopGradientOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::StopGradientOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

} // namespace

void mlir::credo::populateTimeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<TimeLoopLowering, TimeSliceLowering, RingReadLowering,
               RingWriteLowering, StopGradientLowering>(patterns.getContext());
}
