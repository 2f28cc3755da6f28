//===- StochasticOps.cpp - Sampling ops, execute flags, hold → linalg -----===//
//
// credo.bernoulli is one elementwise linalg.generic with three results (the
// sample, its log-probability and its score), drawing keyed Philox per
// element like credo.poisson_encode. credo.categorical is a generic over the
// rows (max, normaliser, one draw, the inverse-CDF scan as scf.for loops over
// the classes) and one over [B, K] for the score. credo.execute_flags and
// credo.hold are elementwise.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::linalg_builders;

namespace {

/// σ(l) = 1 / (1 + exp(−l)).
Value sigmoid(Scalar &s, Value l) {
  return s.div(s.c(1),
               s.add(s.c(1), s.b.create<math::ExpOp>(s.loc, s.sub(s.c(0), l))));
}

/// softplus(l) = max(l, 0) + log1p(exp(−|l|)), without overflow.
Value softplus(Scalar &s, Value l) {
  Value e = s.b.create<math::ExpOp>(s.loc, s.sub(s.c(0), s.abs(l)));
  return s.add(s.max(l, s.c(0)), s.b.create<math::Log1pOp>(s.loc, e));
}

/// ln π(U | l) = −softplus((1 − 2U)·l) (U·l − softplus(l) for U in {0, 1},
/// also 0 and −∞ where l is infinite) and the score U − σ(l).
std::pair<Value, Value> bernoulliTerms(Scalar &s, Value l, Value u) {
  Value sign = s.sub(s.c(1), s.mul(s.c(2), u));
  return {s.sub(s.c(0), softplus(s, s.mul(sign, l))), s.sub(u, sigmoid(s, l))};
}

/// True where x is NaN or infinite.
Value notFinite(Scalar &s, Value x) {
  Value big = s.c(INFINITY);
  return s.b.create<arith::CmpFOp>(s.loc, arith::CmpFPredicate::UGE, s.abs(x),
                                   big);
}

/// A categorical's logits must be finite: a NaN or infinite one has no
/// well-defined class (the draw would fall to the last class).
void checkLogits(OpBuilder &b, Location loc, Value logits) {
  checkValues(b, loc, logits, notFinite, "logit", "logits must be finite");
}

/// Inside a generic over the rows of `logits` ([B, K]): its row's max and
/// Σ exp(l − max), as scf.for loops over the classes.
std::pair<Value, Value> rowMaxAndSum(OpBuilder &b, Location l, Value logits,
                                     Value row, int64_t classes, Type ft) {
  Scalar s{b, l, ft};
  Value zero = b.create<arith::ConstantIndexOp>(l, 0);
  Value one = b.create<arith::ConstantIndexOp>(l, 1);
  Value k = b.create<arith::ConstantIndexOp>(l, classes);
  auto at = [&](OpBuilder &nb, Location nl, Value c) -> Value {
    return nb.create<tensor::ExtractOp>(nl, logits, ValueRange{row, c});
  };
  auto maxLoop = b.create<scf::ForOp>(
      l, zero, k, one, ValueRange{s.c(-INFINITY)},
      [&](OpBuilder &nb, Location nl, Value c, ValueRange acc) {
        Value v = nb.create<arith::MaximumFOp>(nl, acc[0], at(nb, nl, c));
        nb.create<scf::YieldOp>(nl, v);
      });
  Value m = maxLoop.getResult(0);
  auto sumLoop = b.create<scf::ForOp>(
      l, zero, k, one, ValueRange{s.c(0)},
      [&](OpBuilder &nb, Location nl, Value c, ValueRange acc) {
        Scalar ns{nb, nl, ft};
        Value e = nb.create<math::ExpOp>(nl, ns.sub(at(nb, nl, c), m));
        nb.create<scf::YieldOp>(nl, ns.add(acc[0], e));
      });
  return {m, sumLoop.getResult(0)};
}

/// score[b, k] = [k = a_b] − exp(l − max − lse) over [B, K].
Value categoricalScore(OpBuilder &rewriter, Location loc, Value logits,
                       Value sample, Value m, Value lse) {
  auto type = cast<RankedTensorType>(logits.getType());
  MLIRContext *ctx = rewriter.getContext();
  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap rowOf = AffineMap::get(2, 0, {rewriter.getAffineDimExpr(0)}, ctx);
  return mapped(
      rewriter, loc, type, {logits, sample, m, lse}, {id2, rowOf, rowOf, rowOf},
      [&](OpBuilder &b, Location l, ValueRange a) {
        Scalar s{b, l, type.getElementType()};
        Value k = b.create<arith::IndexCastOp>(l, b.getI64Type(),
                                               b.create<linalg::IndexOp>(l, 1));
        Value hit = s.step(
            b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, k, a[1]));
        Value p = b.create<math::ExpOp>(l, s.sub(s.sub(a[0], a[2]), a[3]));
        return s.sub(hit, p);
      });
}

struct BernoulliLowering : DrawPattern<BernoulliOp> {
  using DrawPattern::DrawPattern;
  LogicalResult matchAndRewrite(BernoulliOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getLogits().getType());
    KeyedDraws draws(rewriter, loc, op.getGenerator(), op.getStream(),
                     op.getStep(), lanes);
    ArrayRef<int64_t> shape = type.getShape();
    rewriter.replaceOp(
        op,
        elementwiseMulti(
            rewriter, loc, type, {op.getLogits()}, 3,
            [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
              Scalar s{b, l, type.getElementType()};
              Value u = draws.uniform(
                  b, l, KeyedDraws::linearIndex(b, l, shape), s.t);
              Value sample = s.step(b.create<arith::CmpFOp>(
                  l, arith::CmpFPredicate::OLT, u, sigmoid(s, a[0])));
              // A NaN logit gives a NaN sample (not 0), so that it reaches
              // the signal the rule learns from.
              Value nan = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO,
                                                  a[0], a[0]);
              sample = b.create<arith::SelectOp>(l, nan, a[0], sample);
              auto [logp, score] = bernoulliTerms(s, a[0], sample);
              return {sample, logp, score};
            }));
    return success();
  }
};

struct CategoricalLowering : DrawPattern<CategoricalOp> {
  using DrawPattern::DrawPattern;
  LogicalResult matchAndRewrite(CategoricalOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = op.getLogits();
    auto type = cast<RankedTensorType>(logits.getType());
    Type ft = type.getElementType(), i64 = rewriter.getI64Type();
    int64_t rows = type.getDimSize(0), classes = type.getDimSize(1);
    checkLogits(rewriter, loc, logits);
    KeyedDraws draws(rewriter, loc, op.getGenerator(), op.getStream(),
                     op.getStep(), lanes);
    auto rowF = RankedTensorType::get({rows}, ft);
    auto rowI = RankedTensorType::get({rows}, i64);
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id1 = AffineMap::getMultiDimIdentityMap(1, ctx);
    // Per row: the class, its log-probability, the max and ln Σ exp(l − max).
    auto perRow = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{rowI, rowF, rowF, rowF}, ValueRange{},
        ValueRange{rewriter.create<tensor::EmptyOp>(loc, rows, i64),
                   empty(rewriter, loc, rowF), empty(rewriter, loc, rowF),
                   empty(rewriter, loc, rowF)},
        ArrayRef<AffineMap>{id1, id1, id1, id1},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Scalar s{b, l, ft};
          Value row = b.create<linalg::IndexOp>(l, 0);
          Value zero = b.create<arith::ConstantIndexOp>(l, 0);
          Value one = b.create<arith::ConstantIndexOp>(l, 1);
          Value k = b.create<arith::ConstantIndexOp>(l, classes);
          auto at = [&](OpBuilder &nb, Location nl, Value c) -> Value {
            return nb.create<tensor::ExtractOp>(nl, logits, ValueRange{row, c});
          };
          auto [mRow, sumRow] = rowMaxAndSum(b, l, logits, row, classes, ft);
          Value m = mRow, sum = sumRow;
          Value u = draws.uniform(
              b, l, b.create<arith::IndexCastUIOp>(l, b.getI32Type(), row), ft);
          Value target = s.mul(u, sum);
          // The first class whose cumulative mass exceeds u·Σ (−1: none yet).
          Value none = b.create<arith::ConstantIntOp>(l, -1, 64);
          auto scan = b.create<scf::ForOp>(
              l, zero, k, one, ValueRange{s.c(0), none},
              [&](OpBuilder &nb, Location nl, Value c, ValueRange acc) {
                Scalar ns{nb, nl, ft};
                Value cum = ns.add(acc[0], nb.create<math::ExpOp>(
                                               nl, ns.sub(at(nb, nl, c), m)));
                Value open = nb.create<arith::CmpIOp>(
                    nl, arith::CmpIPredicate::eq, acc[1],
                    nb.create<arith::ConstantIntOp>(nl, -1, 64));
                Value hit = nb.create<arith::AndIOp>(
                    nl, open,
                    nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OGT, cum,
                                             target));
                Value idx = nb.create<arith::SelectOp>(
                    nl, hit, nb.create<arith::IndexCastOp>(nl, i64, c), acc[1]);
                nb.create<scf::YieldOp>(nl, ValueRange{cum, idx});
              });
          Value found = scan.getResult(1);
          Value last = b.create<arith::ConstantIntOp>(l, classes - 1, 64);
          Value a = b.create<arith::SelectOp>(
              l,
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, found,
                                      b.create<arith::ConstantIntOp>(l, 0, 64)),
              last, found);
          Value lse = b.create<math::LogOp>(l, sum);
          Value la = b.create<tensor::ExtractOp>(
              l, logits,
              ValueRange{row,
                         b.create<arith::IndexCastOp>(l, b.getIndexType(), a)});
          Value logp = s.sub(s.sub(la, m), lse);
          b.create<linalg::YieldOp>(l, ValueRange{a, logp, m, lse});
        });
    Value sample = perRow.getResult(0), logp = perRow.getResult(1);
    Value score = categoricalScore(rewriter, loc, logits, sample,
                                   perRow.getResult(2), perRow.getResult(3));
    rewriter.replaceOp(op, {sample, logp, score});
    return success();
  }
};

struct BernoulliLogProbLowering : OpRewritePattern<BernoulliLogProbOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BernoulliLogProbOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getLogits().getType());
    // A given sample is 0 or 1: another value has no probability.
    checkValues(
        rewriter, op.getLoc(), op.getSample(),
        [](Scalar &s, Value x) {
          Value zero = s.b.create<arith::CmpFOp>(
              s.loc, arith::CmpFPredicate::OEQ, x, s.c(0));
          Value one = s.b.create<arith::CmpFOp>(
              s.loc, arith::CmpFPredicate::OEQ, x, s.c(1));
          Value either = s.b.create<arith::OrIOp>(s.loc, zero, one);
          return s.b.create<arith::XOrIOp>(
              s.loc, either, s.b.create<arith::ConstantIntOp>(s.loc, 1, 1));
        },
        "given sample", "must be 0 or 1");
    rewriter.replaceOp(
        op,
        elementwiseMulti(
            rewriter, op.getLoc(), type, {op.getLogits(), op.getSample()}, 2,
            [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
              Scalar s{b, l, type.getElementType()};
              auto [logp, score] = bernoulliTerms(s, a[0], a[1]);
              return {logp, score};
            }));
    return success();
  }
};

struct CategoricalLogProbLowering : OpRewritePattern<CategoricalLogProbOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CategoricalLogProbOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = op.getLogits(), sample = op.getSample();
    auto type = cast<RankedTensorType>(logits.getType());
    Type ft = type.getElementType();
    int64_t rows = type.getDimSize(0), classes = type.getDimSize(1);
    // A class outside [0, K) is reported; the code reads it clamped.
    checkLabels(rewriter, loc, sample, classes, "given sample");
    checkLogits(rewriter, loc, logits);
    auto rowF = RankedTensorType::get({rows}, ft);
    AffineMap id1 = rewriter.getMultiDimIdentityMap(1);
    auto perRow = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{rowF, rowF, rowF}, ValueRange{sample},
        ValueRange{empty(rewriter, loc, rowF), empty(rewriter, loc, rowF),
                   empty(rewriter, loc, rowF)},
        ArrayRef<AffineMap>{id1, id1, id1, id1},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Scalar s{b, l, ft};
          Value row = b.create<linalg::IndexOp>(l, 0);
          auto [mRow, sumRow] = rowMaxAndSum(b, l, logits, row, classes, ft);
          Value m = mRow, sum = sumRow;
          Value lse = b.create<math::LogOp>(l, sum);
          Value a = b.create<arith::MinSIOp>(
              l,
              b.create<arith::MaxSIOp>(
                  l, args[0], b.create<arith::ConstantIntOp>(l, 0, 64)),
              b.create<arith::ConstantIntOp>(l, classes - 1, 64));
          Value la = b.create<tensor::ExtractOp>(
              l, logits,
              ValueRange{row,
                         b.create<arith::IndexCastOp>(l, b.getIndexType(), a)});
          b.create<linalg::YieldOp>(
              l, ValueRange{s.sub(s.sub(la, m), lse), m, lse});
        });
    Value score = categoricalScore(rewriter, loc, logits, sample,
                                   perRow.getResult(1), perRow.getResult(2));
    rewriter.replaceOp(op, {perRow.getResult(0), score});
    return success();
  }
};

struct ExecuteFlagsLowering : DrawPattern<ExecuteFlagsOp> {
  using DrawPattern::DrawPattern;
  LogicalResult matchAndRewrite(ExecuteFlagsOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    KeyedDraws draws(rewriter, loc, op.getGenerator(), op.getStream(),
                     op.getStep(), lanes);
    ArrayRef<int64_t> shape = type.getShape();
    double probability = op.getP().convertToDouble();
    int64_t period = op.getPeriod();
    Value count;
    if (period > 0)
      count = rewriter.create<tensor::ExtractOp>(
          loc, op.getGenerator(),
          ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, 1)});
    Value step = op.getStep();
    rewriter.replaceOp(
        op,
        mapped(rewriter, loc, type, {}, {},
               [&](OpBuilder &b, Location l, ValueRange) -> Value {
                 Scalar s{b, l, type.getElementType()};
                 if (period == 0) {
                   Value u = draws.uniform(
                       b, l, KeyedDraws::linearIndex(b, l, shape), s.t);
                   return s.step(b.create<arith::CmpFOp>(
                       l, arith::CmpFPredicate::OLT, u, s.c(probability)));
                 }
                 // (n + t + j) mod period = 0, j the last index (0 for a
                 // single unit).
                 Type i64 = b.getI64Type();
                 Value j =
                     type.getRank() == 0
                         ? b.create<arith::ConstantIntOp>(l, 0, 64).getResult()
                         : b.create<arith::IndexCastOp>(
                                l, i64,
                                b.create<linalg::IndexOp>(l,
                                                          type.getRank() - 1))
                               .getResult();
                 Value clock = b.create<arith::AddIOp>(l, count, j);
                 if (step)
                   clock = b.create<arith::AddIOp>(
                       l, clock, b.create<arith::IndexCastOp>(l, i64, step));
                 Value r = b.create<arith::RemUIOp>(
                     l, clock, b.create<arith::ConstantIntOp>(l, period, 64));
                 return s.step(b.create<arith::CmpIOp>(
                     l, arith::CmpIPredicate::eq, r,
                     b.create<arith::ConstantIntOp>(l, 0, 64)));
               }));
    return success();
  }
};

struct HoldLowering : OpRewritePattern<HoldOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HoldOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), type,
                        {op.getFlags(), op.getInput(), op.getPrevious()},
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          Scalar s{b, l, type.getElementType()};
                          // E·u + (1 − E)·prev
                          return s.add(s.mul(a[0], a[1]),
                                       s.mul(s.sub(s.c(1), a[0]), a[2]));
                        }));
    return success();
  }
};

} // namespace

void mlir::credo::populateStochasticToLinalgPatterns(
    RewritePatternSet &patterns, GeneratorLanes lanes) {
  patterns
      .add<BernoulliLogProbLowering, CategoricalLogProbLowering, HoldLowering>(
          patterns.getContext());
  patterns.add<BernoulliLowering, CategoricalLowering, ExecuteFlagsLowering>(
      patterns.getContext(), lanes);
}
