//===- GradientOps.cpp - Gradient ops → linalg ------------------*- C++ -*-===//
//
// The ops that backward passes emit: matmul with transposes (a generic
// contraction), reduce_sum, the activation derivatives, and the gradients of
// softmax, softmax cross-entropy and mean squared error.
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

Value addF(OpBuilder &b, Location l, Value acc, Value x) {
  return b.create<arith::AddFOp>(l, acc, x);
}

/// op(a) · op(b) as a linalg.generic over (i, j, k).
struct MatmulLowering : OpRewritePattern<mlir::credo::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    AffineExpr i = rewriter.getAffineDimExpr(0),
               j = rewriter.getAffineDimExpr(1),
               k = rewriter.getAffineDimExpr(2);
    MLIRContext *ctx = getContext();
    SmallVector<AffineMap> maps = {
        AffineMap::get(3, 0,
                       op.getTransposeLhs() ? ArrayRef<AffineExpr>{k, i}
                                            : ArrayRef<AffineExpr>{i, k},
                       ctx),
        AffineMap::get(3, 0,
                       op.getTransposeRhs() ? ArrayRef<AffineExpr>{j, k}
                                            : ArrayRef<AffineExpr>{k, j},
                       ctx),
        AffineMap::get(3, 0, {i, j}, ctx)};
    SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::reduction};
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, type, ValueRange{op.getLhs(), op.getRhs()},
        ValueRange{filled(rewriter, loc, type, 0.0)}, maps, iters,
        [](OpBuilder &b, Location l, ValueRange a) {
          Value p = b.create<arith::MulFOp>(l, a[0], a[1]);
          b.create<linalg::YieldOp>(l, ValueRange{addF(b, l, a[2], p)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ReduceSumLowering : OpRewritePattern<mlir::credo::ReduceSumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::ReduceSumOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reduce(rewriter, op.getLoc(), op.getInput(),
                                  op.getDims(), 0.0, addF));
    return success();
  }
};

/// Activation derivatives: one elementwise generic each.
template <typename Op> struct ActivationGradLowering : OpRewritePattern<Op> {
  using Compute = Value (*)(OpBuilder &, Location, ValueRange);
  ActivationGradLowering(MLIRContext *ctx, Compute compute)
      : OpRewritePattern<Op>(ctx), compute(compute) {}
  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), type,
                                       {op.getGrad(), op.getValue()}, compute));
    return success();
  }
  Compute compute;
};

/// dy · [x > 0]
Value reluGrad(OpBuilder &b, Location l, ValueRange a) {
  Value zero = floatConst(b, l, a[0].getType(), 0);
  Value positive =
      b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, a[1], zero);
  return b.create<arith::SelectOp>(l, positive, a[0], zero);
}
/// dy · y · (1 − y)
Value sigmoidGrad(OpBuilder &b, Location l, ValueRange a) {
  Value one = floatConst(b, l, a[0].getType(), 1);
  Value d =
      b.create<arith::MulFOp>(l, a[1], b.create<arith::SubFOp>(l, one, a[1]));
  return b.create<arith::MulFOp>(l, a[0], d);
}
/// dy · (1 − y²)
Value tanhGrad(OpBuilder &b, Location l, ValueRange a) {
  Value one = floatConst(b, l, a[0].getType(), 1);
  Value d =
      b.create<arith::SubFOp>(l, one, b.create<arith::MulFOp>(l, a[1], a[1]));
  return b.create<arith::MulFOp>(l, a[0], d);
}
/// dy · σ(x)
Value softplusGrad(OpBuilder &b, Location l, ValueRange a) {
  Value one = floatConst(b, l, a[0].getType(), 1);
  Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, a[1]));
  Value s = b.create<arith::DivFOp>(l, one, b.create<arith::AddFOp>(l, one, e));
  return b.create<arith::MulFOp>(l, a[0], s);
}

/// A map from the full iteration space of `rank` dimensions dropping `axis`.
AffineMap dropDim(MLIRContext *ctx, int64_t rank, int64_t axis) {
  SmallVector<AffineExpr> kept;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      kept.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, kept, ctx);
}

/// dx = y ⊙ (dy − Σ_axis dy ⊙ y)
struct SoftmaxGradLowering : OpRewritePattern<mlir::credo::SoftmaxGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SoftmaxGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = op.getAxisAttr().getInt();
    if (axis < 0)
      axis += rank;
    Value prod =
        elementwise(rewriter, loc, type, {op.getGrad(), op.getOutput()},
                    [](OpBuilder &b, Location l, ValueRange a) -> Value {
                      return b.create<arith::MulFOp>(l, a[0], a[1]);
                    });
    Value sums = reduce(rewriter, loc, prod, {axis}, 0.0, addF);
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    rewriter.replaceOp(
        op, mapped(rewriter, loc, type, {op.getGrad(), op.getOutput(), sums},
                   {id, id, dropDim(getContext(), rank, axis)},
                   [](OpBuilder &b, Location l, ValueRange a) -> Value {
                     Value d = b.create<arith::SubFOp>(l, a[0], a[2]);
                     return b.create<arith::MulFOp>(l, a[1], d);
                   }));
    return success();
  }
};

/// dz = (softmax(z) − onehot(t)) · dL / B
struct SoftmaxCrossEntropyGradLowering
    : OpRewritePattern<mlir::credo::SoftmaxCrossEntropyGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SoftmaxCrossEntropyGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elt = type.getElementType();
    int64_t batch = type.getDimSize(0);
    double lowest = -std::numeric_limits<double>::infinity();
    Value z = op.getLogits();
    Value max = reduce(rewriter, loc, z, {1}, lowest,
                       [](OpBuilder &b, Location l, Value acc, Value x) {
                         return b.create<arith::MaximumFOp>(l, acc, x);
                       });
    MLIRContext *ctx = getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(2);
    AffineMap row = AffineMap::get(2, 0, {rewriter.getAffineDimExpr(0)}, ctx);
    AffineMap scalar = AffineMap::get(2, 0, {}, ctx);
    Value exps = mapped(rewriter, loc, type, {z, max}, {id, row},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return b.create<math::ExpOp>(
                              l, b.create<arith::SubFOp>(l, a[0], a[1]));
                        });
    Value sums = reduce(rewriter, loc, exps, {1}, 0.0, addF);
    rewriter.replaceOp(
        op,
        mapped(rewriter, loc, type,
               {exps, sums, op.getLabels(), op.getLossGrad()},
               {id, row, row, scalar},
               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                 Value p = b.create<arith::DivFOp>(l, a[0], a[1]);
                 Value label =
                     b.create<arith::IndexCastOp>(l, b.getIndexType(), a[2]);
                 Value c = b.create<linalg::IndexOp>(l, 1);
                 Value hit = b.create<arith::CmpIOp>(
                     l, arith::CmpIPredicate::eq, label, c);
                 Value one = floatConst(b, l, elt, 1);
                 Value zero = floatConst(b, l, elt, 0);
                 Value onehot = b.create<arith::SelectOp>(l, hit, one, zero);
                 Value d = b.create<arith::SubFOp>(l, p, onehot);
                 Value scale = b.create<arith::DivFOp>(
                     l, a[3], floatConst(b, l, elt, double(batch)));
                 return b.create<arith::MulFOp>(l, d, scale);
               }));
    return success();
  }
};

/// dp = 2 (p − t) · dL / n
struct MseGradLowering : OpRewritePattern<mlir::credo::MseGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MseGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    double factor = 2.0 / double(type.getNumElements());
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap scalar = AffineMap::get(rank, 0, {}, getContext());
    rewriter.replaceOp(
        op, mapped(rewriter, loc, type,
                   {op.getPrediction(), op.getTarget(), op.getLossGrad()},
                   {id, id, scalar},
                   [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                     Value d = b.create<arith::SubFOp>(l, a[0], a[1]);
                     Value s = b.create<arith::MulFOp>(
                         l, a[2],
                         floatConst(b, l, type.getElementType(), factor));
                     return b.create<arith::MulFOp>(l, d, s);
                   }));
    return success();
  }
};

} // namespace

void mlir::credo::populateGradientToLinalgPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<MatmulLowering, ReduceSumLowering, SoftmaxGradLowering,
               SoftmaxCrossEntropyGradLowering, MseGradLowering>(ctx);
  patterns.add<ActivationGradLowering<mlir::credo::ReluGradOp>>(ctx, reluGrad);
  patterns.add<ActivationGradLowering<mlir::credo::SigmoidGradOp>>(ctx,
                                                                   sigmoidGrad);
  patterns.add<ActivationGradLowering<mlir::credo::TanhGradOp>>(ctx, tanhGrad);
  patterns.add<ActivationGradLowering<mlir::credo::SoftplusGradOp>>(
      ctx, softplusGrad);
}

namespace {
/// w' = w − lr · (g + weight_decay · w)
struct SgdUpdateLowering : OpRewritePattern<mlir::credo::SgdUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SgdUpdateOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    double decay = op.getWeightDecay().convertToDouble();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap scalar = AffineMap::get(rank, 0, {}, getContext());
    rewriter.replaceOp(
        op, mapped(rewriter, op.getLoc(), type,
                   {op.getParam(), op.getGrad(), op.getLr()}, {id, id, scalar},
                   [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                     Value g = a[1];
                     if (decay != 0.0)
                       g = b.create<arith::AddFOp>(
                           l, g,
                           b.create<arith::MulFOp>(
                               l, a[0],
                               floatConst(b, l, type.getElementType(), decay)));
                     Value step = b.create<arith::MulFOp>(l, a[2], g);
                     return b.create<arith::SubFOp>(l, a[0], step);
                   }));
    return success();
  }
};
} // namespace

void mlir::credo::populateOptimizerToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SgdUpdateLowering>(patterns.getContext());
}
