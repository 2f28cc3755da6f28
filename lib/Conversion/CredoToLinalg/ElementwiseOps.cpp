//===- ElementwiseOps.cpp - Elementwise ops and softmax → linalg -*- C++
//-*-===//
//
// add/sub/mul and the activations become one elementwise linalg.generic each
// (softplus in its overflow-free form max(x, 0) + log1p(exp(−|x|)));
// softmax is max-reduce, exp, sum-reduce, divide along its axis.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::credo::linalg_builders;

namespace {

/// An op whose every result element is `compute(operand elements)`.
template <typename Op> struct ElementwiseLowering : OpRewritePattern<Op> {
  using Compute = Value (*)(OpBuilder &, Location, ValueRange);
  ElementwiseLowering(MLIRContext *ctx, Compute compute)
      : OpRewritePattern<Op>(ctx), compute(compute) {}
  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), type,
                                       op->getOperands(), compute));
    return success();
  }
  Compute compute;
};

Value addF(OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::AddFOp>(l, a[0], a[1]);
}
Value subF(OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::SubFOp>(l, a[0], a[1]);
}
Value mulF(OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::MulFOp>(l, a[0], a[1]);
}
Value divF(OpBuilder &b, Location l, ValueRange a) {
  return b.create<arith::DivFOp>(l, a[0], a[1]);
}
/// x / y, or 0 where y = 0.
Value safeDivF(OpBuilder &b, Location l, ValueRange a) {
  Value zero = floatConst(b, l, a[0].getType(), 0);
  Value isZero =
      b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, a[1], zero);
  return b.create<arith::SelectOp>(l, isZero, zero,
                                   b.create<arith::DivFOp>(l, a[0], a[1]));
}

/// div, or its safe form.
struct DivLowering : OpRewritePattern<mlir::credo::DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::DivOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), type,
                                       op->getOperands(),
                                       op.getSafe() ? safeDivF : divF));
    return success();
  }
};

Value relu(OpBuilder &b, Location l, ValueRange a) {
  Value zero = floatConst(b, l, a[0].getType(), 0);
  return b.create<arith::MaximumFOp>(l, a[0], zero);
}
Value sigmoid(OpBuilder &b, Location l, ValueRange a) {
  Value one = floatConst(b, l, a[0].getType(), 1);
  Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, a[0]));
  return b.create<arith::DivFOp>(l, one, b.create<arith::AddFOp>(l, one, e));
}
Value tanhF(OpBuilder &b, Location l, ValueRange a) {
  return b.create<math::TanhOp>(l, a[0]);
}
Value softplus(OpBuilder &b, Location l, ValueRange a) {
  Value zero = floatConst(b, l, a[0].getType(), 0);
  Value pos = b.create<arith::MaximumFOp>(l, a[0], zero);
  Value negAbs = b.create<arith::NegFOp>(l, b.create<math::AbsFOp>(l, a[0]));
  Value tail = b.create<math::Log1pOp>(l, b.create<math::ExpOp>(l, negAbs));
  return b.create<arith::AddFOp>(l, pos, tail);
}

/// scale: y = factor · x.
struct ScaleLowering : OpRewritePattern<mlir::credo::ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::ScaleOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    double factor = op.getFactor().convertToDouble();
    // A factor outside f32's normal range (1e39, 1e-40) would round to inf
    // or to (almost) zero: an f32 tensor is scaled by its significand, then
    // by powers of two that f32 holds, each exact while the product is.
    SmallVector<double> factors = {factor};
    if (type.getElementType().isF32() && factor != 0 &&
        (std::abs(factor) > std::numeric_limits<float>::max() ||
         std::abs(factor) < std::numeric_limits<float>::min())) {
      int k = std::ilogb(factor);
      factors = {std::ldexp(factor, -k)};
      while (k != 0) {
        int step = std::clamp(k, -126, 127);
        factors.push_back(std::ldexp(1.0, step));
        k -= step;
      }
    }
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), type, op->getOperands(),
                        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                          Value y = a[0];
                          for (double f : factors)
                            y = b.create<arith::MulFOp>(
                                l, y, floatConst(b, l, a[0].getType(), f));
                          return y;
                        }));
    return success();
  }
};

/// softmax along `axis`: e = exp(x − max), y = e / Σ e.
struct SoftmaxLowering : OpRewritePattern<mlir::credo::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = op.getAxisAttr().getInt();
    if (axis < 0)
      axis += rank;
    // Maps from the full iteration space to the reduced (axis-less) tensor.
    SmallVector<AffineExpr> kept;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        kept.push_back(rewriter.getAffineDimExpr(d));
    AffineMap dropAxis = AffineMap::get(rank, 0, kept, getContext());
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);

    double lowest = -std::numeric_limits<double>::infinity();
    Value max = reduce(rewriter, loc, op.getInput(), {axis}, lowest,
                       [](OpBuilder &b, Location l, Value acc, Value x) {
                         return b.create<arith::MaximumFOp>(l, acc, x);
                       });
    Value exps =
        mapped(rewriter, loc, type, {op.getInput(), max}, {id, dropAxis},
               [](OpBuilder &b, Location l, ValueRange a) -> Value {
                 return b.create<math::ExpOp>(
                     l, b.create<arith::SubFOp>(l, a[0], a[1]));
               });
    Value sums = reduce(rewriter, loc, exps, {axis}, 0.0,
                        [](OpBuilder &b, Location l, Value acc, Value x) {
                          return b.create<arith::AddFOp>(l, acc, x);
                        });
    rewriter.replaceOp(
        op, mapped(rewriter, loc, type, {exps, sums}, {id, dropAxis},
                   [](OpBuilder &b, Location l, ValueRange a) -> Value {
                     return b.create<arith::DivFOp>(l, a[0], a[1]);
                   }));
    return success();
  }
};

} // namespace

void mlir::credo::populateElementwiseToLinalgPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseLowering<mlir::credo::AddOp>>(ctx, addF);
  patterns.add<ElementwiseLowering<mlir::credo::SubOp>>(ctx, subF);
  patterns.add<ElementwiseLowering<mlir::credo::MulOp>>(ctx, mulF);
  patterns.add<ElementwiseLowering<mlir::credo::ReluOp>>(ctx, relu);
  patterns.add<ElementwiseLowering<mlir::credo::SigmoidOp>>(ctx, sigmoid);
  patterns.add<ElementwiseLowering<mlir::credo::TanhOp>>(ctx, tanhF);
  patterns.add<ElementwiseLowering<mlir::credo::SoftplusOp>>(ctx, softplus);
  patterns.add<ScaleLowering>(ctx);
  patterns.add<DivLowering>(ctx);
  patterns.add<SoftmaxLowering>(ctx);
}
