//===- LossOps.cpp - Losses → linalg ----------------------------*- C++ -*-===//
//
// softmax_cross_entropy: per row log Σ exp(z − m) + m − z[t], then the batch
// mean; a label outside [0, C) is a run-time error (checkLabels), and reads
// use clamped labels so that it cannot read out of bounds first. mse: the
// mean of squared differences.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::credo::linalg_builders;

namespace {

/// Divides the rank-0 tensor `sum` by `n`.
Value meanOf(OpBuilder &b, Location loc, Value sum, int64_t n) {
  auto type = cast<RankedTensorType>(sum.getType());
  Type elt = type.getElementType();
  return elementwise(b, loc, type, {sum},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return nb.create<arith::DivFOp>(
                           l, a[0], floatConst(nb, l, elt, double(n)));
                     });
}

struct SoftmaxCrossEntropyLowering
    : OpRewritePattern<mlir::credo::SoftmaxCrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SoftmaxCrossEntropyOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value z = op.getLogits();
    auto zType = cast<RankedTensorType>(z.getType());
    Type elt = zType.getElementType();
    int64_t batch = zType.getDimSize(0), classes = zType.getDimSize(1);
    double lowest = -std::numeric_limits<double>::infinity();
    checkLabels(rewriter, loc, op.getLabels(), classes);

    Value max = reduce(rewriter, loc, z, {1}, lowest,
                       [](OpBuilder &b, Location l, Value acc, Value x) {
                         return b.create<arith::MaximumFOp>(l, acc, x);
                       });
    AffineMap id2 = rewriter.getMultiDimIdentityMap(2);
    AffineMap row =
        AffineMap::get(2, 0, {rewriter.getAffineDimExpr(0)}, getContext());
    Value shifted = mapped(rewriter, loc, zType, {z, max}, {id2, row},
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return b.create<math::ExpOp>(
                                 l, b.create<arith::SubFOp>(l, a[0], a[1]));
                           });
    Value sums = reduce(rewriter, loc, shifted, {1}, 0.0, addFloats);
    auto rowType = RankedTensorType::get({batch}, elt);
    Value perRow = elementwise(
        rewriter, loc, rowType, {op.getLabels(), max, sums},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value label = b.create<arith::IndexCastOp>(l, b.getIndexType(), a[0]);
          Value lo = b.create<arith::ConstantIndexOp>(l, 0);
          Value hi = b.create<arith::ConstantIndexOp>(l, classes - 1);
          label = b.create<arith::MinSIOp>(
              l, b.create<arith::MaxSIOp>(l, label, lo), hi);
          Value r = b.create<linalg::IndexOp>(l, 0);
          Value picked =
              b.create<tensor::ExtractOp>(l, z, ValueRange{r, label});
          Value lse =
              b.create<arith::AddFOp>(l, b.create<math::LogOp>(l, a[2]), a[1]);
          return b.create<arith::SubFOp>(l, lse, picked);
        });
    Value total = reduce(rewriter, loc, perRow, {0}, 0.0, addFloats);
    rewriter.replaceOp(op, meanOf(rewriter, loc, total, batch));
    return success();
  }
};

struct MseLowering : OpRewritePattern<mlir::credo::MseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MseOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getPrediction().getType());
    Value sq =
        elementwise(rewriter, loc, type, {op.getPrediction(), op.getTarget()},
                    [](OpBuilder &b, Location l, ValueRange a) -> Value {
                      Value d = b.create<arith::SubFOp>(l, a[0], a[1]);
                      return b.create<arith::MulFOp>(l, d, d);
                    });
    SmallVector<int64_t> all;
    for (int64_t d = 0; d < type.getRank(); ++d)
      all.push_back(d);
    Value total = reduce(rewriter, loc, sq, all, 0.0, addFloats);
    rewriter.replaceOp(op, meanOf(rewriter, loc, total, type.getNumElements()));
    return success();
  }
};

} // namespace

void mlir::credo::populateLossToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxCrossEntropyLowering, MseLowering>(patterns.getContext());
}
