//===- LossOps.cpp - Losses → linalg ----------------------------*- C++ -*-===//
//
// softmax_cross_entropy: per row log Σ exp(z − m) + (m − z[t]), then the
// batch mean; a label outside [0, C) is a run-time error (checkLabels), and
// reads use clamped labels so that it cannot read out of bounds first. mse: the
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
          // log Σ + (m − z[t]): m − z[t] is exact where the logits are
          // close, so huge logits keep the loss's small value (with
          // (log Σ + m) − z[t], m absorbs log Σ at 1e8).
          return b.create<arith::AddFOp>(
              l, b.create<math::LogOp>(l, a[2]),
              b.create<arith::SubFOp>(l, a[1], picked));
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

/// The margin term of count_margin_loss at every [b, c]: d masked to 0
/// within the margin, d = o − (high if c is b's label else low). `finish`
/// turns the masked d into the element's value.
template <typename Op>
Value marginTerms(
    OpBuilder &b, Location loc, Op op,
    const std::function<Value(OpBuilder &, Location, Value)> &finish) {
  auto type = cast<RankedTensorType>(op.getCounts().getType());
  Type elt = type.getElementType();
  int64_t classes = type.getDimSize(1);
  double high = op.getHigh().convertToDouble(),
         low = op.getLow().convertToDouble(),
         margin = op.getMargin().convertToDouble();
  AffineMap id2 = b.getMultiDimIdentityMap(2);
  AffineMap row = AffineMap::get(2, 0, {b.getAffineDimExpr(0)}, b.getContext());
  return mapped(
      b, loc, type, {op.getCounts(), op.getLabels()}, {id2, row},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value label = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), a[1]);
        label = nb.create<arith::MinSIOp>(
            l,
            nb.create<arith::MaxSIOp>(l, label,
                                      nb.create<arith::ConstantIndexOp>(l, 0)),
            nb.create<arith::ConstantIndexOp>(l, classes - 1));
        Value mine =
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq,
                                     nb.create<linalg::IndexOp>(l, 1), label);
        Value target = nb.create<arith::SelectOp>(
            l, mine, floatConst(nb, l, elt, high), floatConst(nb, l, elt, low));
        Value d = nb.create<arith::SubFOp>(l, a[0], target);
        // Unordered: a NaN count stays NaN and reaches the loss (an
        // ordered comparison masked it to 0, and the step went on).
        Value outside = nb.create<arith::CmpFOp>(
            l, arith::CmpFPredicate::UGT, nb.create<math::AbsFOp>(l, d),
            floatConst(nb, l, elt, margin));
        d = nb.create<arith::SelectOp>(l, outside, d,
                                       floatConst(nb, l, elt, 0.0));
        return finish(nb, l, d);
      });
}

struct CountMarginLossLowering
    : OpRewritePattern<mlir::credo::CountMarginLossOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::CountMarginLossOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getCounts().getType());
    checkLabels(rewriter, loc, op.getLabels(), type.getDimSize(1));
    Value terms = marginTerms(rewriter, loc, op,
                              [&](OpBuilder &b, Location l, Value d) -> Value {
                                Value half = floatConst(b, l, d.getType(), 0.5);
                                return b.create<arith::MulFOp>(
                                    l, half, b.create<arith::MulFOp>(l, d, d));
                              });
    Value total = reduce(rewriter, loc, terms, {0, 1}, 0.0, addFloats);
    rewriter.replaceOp(op, meanOf(rewriter, loc, total, type.getDimSize(0)));
    return success();
  }
};

struct CountMarginLossGradLowering
    : OpRewritePattern<mlir::credo::CountMarginLossGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::CountMarginLossGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getCounts().getType());
    Value g =
        rewriter.create<tensor::ExtractOp>(loc, op.getGrad(), ValueRange{});
    Value perSample = rewriter.create<arith::DivFOp>(
        loc, g,
        floatConst(rewriter, loc, type.getElementType(),
                   double(type.getDimSize(0))));
    rewriter.replaceOp(
        op, marginTerms(rewriter, loc, op,
                        [&](OpBuilder &b, Location l, Value d) -> Value {
                          return b.create<arith::MulFOp>(l, d, perSample);
                        }));
    return success();
  }
};

} // namespace

void mlir::credo::populateLossToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxCrossEntropyLowering, MseLowering,
               CountMarginLossLowering, CountMarginLossGradLowering>(
      patterns.getContext());
}
