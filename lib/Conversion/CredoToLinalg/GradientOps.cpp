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

/// op(a) · op(b) as a linalg.generic over (i, j, k); with one product per
/// output (k of extent 1: an outer product, such as a weight gradient of a
/// batch of one) an elementwise generic over (i, j) yielding 0 + a·b (the
/// bits of the sum from zero), which fuses into its consumers.
struct MatmulLowering : OpRewritePattern<mlir::credo::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    MLIRContext *ctx = getContext();
    auto lhs = cast<RankedTensorType>(op.getLhs().getType());
    // One product per output: k is the constant 0, no reduction loop.
    bool outer = lhs.getDimSize(op.getTransposeLhs() ? 0 : 1) == 1;
    unsigned loops = outer ? 2 : 3;
    AffineExpr i = rewriter.getAffineDimExpr(0),
               j = rewriter.getAffineDimExpr(1),
               k = outer ? rewriter.getAffineConstantExpr(0)
                         : rewriter.getAffineDimExpr(2);
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0,
                       op.getTransposeLhs() ? ArrayRef<AffineExpr>{k, i}
                                            : ArrayRef<AffineExpr>{i, k},
                       ctx),
        AffineMap::get(loops, 0,
                       op.getTransposeRhs() ? ArrayRef<AffineExpr>{j, k}
                                            : ArrayRef<AffineExpr>{k, j},
                       ctx),
        AffineMap::get(loops, 0, {i, j}, ctx)};
    SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
    if (!outer)
      iters.push_back(utils::IteratorType::reduction);
    Value init =
        outer ? empty(rewriter, loc, type) : filled(rewriter, loc, type, 0.0);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, type, ValueRange{op.getLhs(), op.getRhs()}, ValueRange{init}, maps,
        iters, [&](OpBuilder &b, Location l, ValueRange a) {
          Value p = b.create<arith::MulFOp>(l, a[0], a[1]);
          Value sum =
              outer ? floatConst(b, l, type.getElementType(), 0.0) : a[2];
          b.create<linalg::YieldOp>(l, ValueRange{addFloats(b, l, sum, p)});
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
                                  op.getDims(), 0.0, addFloats));
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
    Value sums = reduce(rewriter, loc, prod, {axis}, 0.0, addFloats);
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

/// y[b, c] = on if c = t[b] else off, after the labels' range check.
struct OneHotLowering : OpRewritePattern<mlir::credo::OneHotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::OneHotOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elt = type.getElementType();
    checkLabels(rewriter, loc, op.getLabels(), type.getDimSize(1));
    AffineMap row =
        AffineMap::get(2, 0, {rewriter.getAffineDimExpr(0)}, getContext());
    double on = op.getOn().convertToDouble(),
           off = op.getOff().convertToDouble();
    rewriter.replaceOp(
        op,
        mapped(rewriter, loc, type, {op.getLabels()}, {row},
               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                 Value label =
                     b.create<arith::IndexCastOp>(l, b.getIndexType(), a[0]);
                 Value c = b.create<linalg::IndexOp>(l, 1);
                 Value hit = b.create<arith::CmpIOp>(
                     l, arith::CmpIPredicate::eq, label, c);
                 return b.create<arith::SelectOp>(l, hit,
                                                  floatConst(b, l, elt, on),
                                                  floatConst(b, l, elt, off));
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
    checkLabels(rewriter, loc, op.getLabels(), type.getDimSize(1));
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
    Value sums = reduce(rewriter, loc, exps, {1}, 0.0, addFloats);
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
  patterns
      .add<MatmulLowering, ReduceSumLowering, SoftmaxGradLowering,
           SoftmaxCrossEntropyGradLowering, MseGradLowering, OneHotLowering>(
          ctx);
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

namespace {
/// An elementwise generic over `type` with several outputs (one per value
/// `body` returns); rank-0 `scalars` are broadcast.
SmallVector<Value> elementwiseMulti(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange tensors,
    ValueRange scalars, unsigned outputs,
    const std::function<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        &body) {
  int64_t rank = type.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap scalar = AffineMap::get(rank, 0, {}, b.getContext());
  SmallVector<Value> ins(tensors);
  ins.append(scalars.begin(), scalars.end());
  SmallVector<AffineMap> maps(tensors.size(), id);
  maps.append(scalars.size(), scalar);
  maps.append(outputs, id);
  SmallVector<Value> outs, empties;
  for (unsigned i = 0; i < outputs; ++i)
    outs.push_back(empty(b, loc, type));
  SmallVector<Type> types(outputs, type);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, types, ins, outs, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        nb.create<linalg::YieldOp>(l, body(nb, l, a.take_front(ins.size())));
      });
  return SmallVector<Value>(generic.getResults());
}

/// v' = μ v + (g + λ w), w' = w − lr v'
struct SgdMomentumLowering
    : OpRewritePattern<mlir::credo::SgdMomentumUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SgdMomentumUpdateOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getParam().getType());
    Type elt = type.getElementType();
    double mu = op.getMomentum().convertToDouble();
    double wd = op.getWeightDecay().convertToDouble();
    SmallVector<Value> r = elementwiseMulti(
        rewriter, op.getLoc(), type,
        {op.getParam(), op.getGrad(), op.getVelocity()}, {op.getLr()}, 2,
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          auto c = [&](double v) { return floatConst(b, l, elt, v); };
          Value g = b.create<arith::AddFOp>(
              l, a[1], b.create<arith::MulFOp>(l, a[0], c(wd)));
          Value v = b.create<arith::AddFOp>(
              l, b.create<arith::MulFOp>(l, a[2], c(mu)), g);
          Value w = b.create<arith::SubFOp>(
              l, a[0], b.create<arith::MulFOp>(l, a[3], v));
          return {w, v};
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Adam with bias correction from the step count t.
struct AdamLowering : OpRewritePattern<mlir::credo::AdamUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::AdamUpdateOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getParam().getType());
    Type elt = type.getElementType();
    double b1 = op.getBeta1().convertToDouble();
    double b2 = op.getBeta2().convertToDouble();
    double eps = op.getEps().convertToDouble();
    double wd = op.getWeightDecay().convertToDouble();
    // Once per step: c1 = lr / (1 − β1ᵗ), c2 = 1 / sqrt(1 − β2ᵗ), in f64
    // and then rounded, as PyTorch computes them: β rounded to f32 would
    // put 1 − β2ᵗ off by up to 1.3·10⁻⁵ (β2 = 0.999), and every step with
    // it.
    auto scalarType = RankedTensorType::get({}, elt);
    Type f64 = rewriter.getF64Type();
    SmallVector<Value> coeffs = elementwiseMulti(
        rewriter, op.getLoc(), scalarType, {op.getLr(), op.getStep()}, {}, 2,
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          auto c = [&](double v) { return floatConst(b, l, f64, v); };
          auto wide = [&](Value v) -> Value {
            return elt == f64 ? v : b.create<arith::ExtFOp>(l, f64, v);
          };
          auto narrow = [&](Value v) -> Value {
            return elt == f64 ? v : b.create<arith::TruncFOp>(l, elt, v);
          };
          Value t = wide(a[1]);
          Value corr1 = b.create<arith::SubFOp>(
              l, c(1), b.create<math::PowFOp>(l, c(b1), t));
          Value corr2 = b.create<arith::SubFOp>(
              l, c(1), b.create<math::PowFOp>(l, c(b2), t));
          return {narrow(b.create<arith::DivFOp>(l, wide(a[0]), corr1)),
                  narrow(b.create<arith::DivFOp>(
                      l, c(1), b.create<math::SqrtOp>(l, corr2)))};
        });
    SmallVector<Value> r = elementwiseMulti(
        rewriter, op.getLoc(), type,
        {op.getParam(), op.getGrad(), op.getM(), op.getV()}, coeffs, 3,
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          auto c = [&](double v) { return floatConst(b, l, elt, v); };
          auto mul = [&](Value x, Value y) {
            return b.create<arith::MulFOp>(l, x, y).getResult();
          };
          auto add = [&](Value x, Value y) {
            return b.create<arith::AddFOp>(l, x, y).getResult();
          };
          Value g = add(a[1], mul(a[0], c(wd)));
          Value m = add(mul(a[2], c(b1)), mul(g, c(1 - b1)));
          Value v = add(mul(a[3], c(b2)), mul(mul(g, g), c(1 - b2)));
          // w' = w − c1 · m / (sqrt(v) · c2 + eps)
          Value denom = add(mul(b.create<math::SqrtOp>(l, v), a[5]), c(eps));
          Value w = b.create<arith::SubFOp>(
              l, a[0], mul(a[4], b.create<arith::DivFOp>(l, m, denom)));
          return {w, m, v};
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

void mlir::credo::populateStatefulOptimizerToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SgdMomentumLowering, AdamLowering>(patterns.getContext());
}
