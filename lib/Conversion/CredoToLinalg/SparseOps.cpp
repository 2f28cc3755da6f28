//===- SparseOps.cpp - Index tuples and the sparse hyperlayer → linalg/scf
//-===//
//
// Gathers read through clamped indices inside a linalg.generic; scatter-adds
// and sparse contractions are scf.for nests over the tuples that update
// their result tensor in place (indirect writes are not a linalg shape).
// Every index that does not come from an op that proves its range (the
// sampler, the rounding) is checked at run time: the first index out of
// range goes to credo_rt_check_indices, and the loops read and write only
// clamped positions, so a bad index fails the call without a wild access.
// The hyperlayer ops are elementwise generics and small reductions; the
// sampler computes Philox per component from the component's position.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::linalg_builders;

namespace {

SmallVector<utils::IteratorType> parallel(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIntOp>(loc, v, 64);
}

/// clamp(v, 0, limit − 1) as an index.
Value clampedIndex(OpBuilder &b, Location loc, Value v, int64_t limit) {
  Value c = b.create<arith::MaxSIOp>(loc, v, i64Const(b, loc, 0));
  c = b.create<arith::MinSIOp>(loc, c, i64Const(b, loc, limit - 1));
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), c);
}

/// The extent s_d of component `d` (an index value), as i64, from `size`.
Value extentOf(OpBuilder &b, Location loc, ArrayRef<int64_t> size, Value d) {
  Value e = i64Const(b, loc, size.back());
  for (int64_t i = int64_t(size.size()) - 2; i >= 0; --i) {
    Value is =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, d,
                                b.create<arith::ConstantIndexOp>(loc, i));
    e = b.create<arith::SelectOp>(loc, is, i64Const(b, loc, size[i]), e);
  }
  return e;
}

/// Collapses all dimensions of `v` from `from` on into one; with none
/// there (rank `from`: a single tuple's values), adds one of size 1.
Value collapseFrom(OpBuilder &b, Location loc, Value v, unsigned from) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == int64_t(from) + 1)
    return v;
  if (type.getRank() == int64_t(from)) {
    SmallVector<int64_t> shape(type.getShape());
    shape.push_back(1);
    SmallVector<ReassociationIndices> groups;
    for (int64_t i = 0; i + 1 < type.getRank(); ++i)
      groups.push_back({i});
    if (type.getRank() > 0)
      groups.push_back({type.getRank() - 1, type.getRank()});
    return b.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get(shape, type.getElementType()), v, groups);
  }
  SmallVector<ReassociationIndices> groups;
  for (unsigned i = 0; i < from; ++i)
    groups.push_back({int64_t(i)});
  ReassociationIndices rest;
  for (int64_t i = from; i < type.getRank(); ++i)
    rest.push_back(i);
  groups.push_back(rest);
  return b.create<tensor::CollapseShapeOp>(loc, v, groups);
}

/// Collapses all dimensions of `v` but the last into one: [S, r] tuples
/// (a single tuple [r] is [1, r]).
Value collapseTuples(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 2)
    return v;
  if (type.getRank() == 1)
    return b.create<tensor::ExpandShapeOp>(
        loc,
        RankedTensorType::get({1, type.getDimSize(0)}, type.getElementType()),
        v, ArrayRef<ReassociationIndices>{{0, 1}});
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    lead.push_back(i);
  return b.create<tensor::CollapseShapeOp>(
      loc, v, ArrayRef<ReassociationIndices>{lead, {type.getRank() - 1}});
}

/// y[b, idx[s, c0]] += w[s] · x[b, idx[s, c1]] for every tuple s (w null:
/// 1), into zeros [B, size]; idx [S, r], x [B, N] (or [B, S] read at s when
/// `readAtTuple`). The loops over the tuples, then over the batch.
Value scatterLoops(OpBuilder &b, Location loc, Value idx, Value w, Value x,
                   int64_t c0, int64_t c1, bool readAtTuple, int64_t size,
                   RankedTensorType resultType) {
  auto idxType = cast<RankedTensorType>(idx.getType());
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t tuples = idxType.getDimSize(0), batch = resultType.getDimSize(0);
  int64_t inputs = xType.getDimSize(1);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value init = filled(b, loc, resultType, 0.0);
  auto outer = b.create<scf::ForOp>(
      loc, zero, b.create<arith::ConstantIndexOp>(loc, tuples), one,
      ValueRange{init},
      [&](OpBuilder &ob, Location l, Value s, ValueRange acc) {
        Value o = clampedIndex(
            ob, l,
            ob.create<tensor::ExtractOp>(
                l, idx,
                ValueRange{s, ob.create<arith::ConstantIndexOp>(l, c0)}),
            size);
        Value i =
            readAtTuple
                ? s
                : clampedIndex(
                      ob, l,
                      ob.create<tensor::ExtractOp>(
                          l, idx,
                          ValueRange{s,
                                     ob.create<arith::ConstantIndexOp>(l, c1)}),
                      inputs);
        Value ws =
            w ? ob.create<tensor::ExtractOp>(l, w, ValueRange{s}).getResult()
              : Value();
        auto inner = ob.create<scf::ForOp>(
            l, zero, ob.create<arith::ConstantIndexOp>(l, batch), one,
            ValueRange{acc[0]},
            [&](OpBuilder &ib, Location il, Value bi, ValueRange y) {
              Value xv = ib.create<tensor::ExtractOp>(il, x, ValueRange{bi, i});
              if (ws)
                xv = ib.create<arith::MulFOp>(il, ws, xv);
              Value old =
                  ib.create<tensor::ExtractOp>(il, y[0], ValueRange{bi, o});
              Value upd = ib.create<tensor::InsertOp>(
                  il, ib.create<arith::AddFOp>(il, old, xv), y[0],
                  ValueRange{bi, o});
              ib.create<scf::YieldOp>(il, ValueRange{upd});
            });
        ob.create<scf::YieldOp>(l, inner.getResults());
      });
  return outer.getResult(0);
}

/// y = sparse contraction (see credo.sparse_contract).
Value sparseContract(OpBuilder &b, Location loc, Value indices, Value weights,
                     Value x, int64_t size, int64_t outColumn, int64_t inColumn,
                     RankedTensorType resultType) {
  auto xType = cast<RankedTensorType>(x.getType());
  checkIndices(b, loc, indices, outColumn, size);
  checkIndices(b, loc, indices, inColumn, xType.getDimSize(1));
  return scatterLoops(b, loc, collapseTuples(b, loc, indices),
                      collapseFrom(b, loc, weights, 0), x, outColumn, inColumn,
                      /*readAtTuple=*/false, size, resultType);
}

struct GatherLowering : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value x = op.getInput();
    int64_t n = cast<RankedTensorType>(x.getType()).getDimSize(1);
    int64_t column = op.getColumn();
    checkIndices(rewriter, loc, op.getIndices(), column, n);
    MLIRContext *ctx = getContext();
    unsigned rank = type.getRank();
    SmallVector<AffineExpr> read;
    for (unsigned i = 1; i < rank; ++i)
      read.push_back(getAffineDimExpr(i, ctx));
    read.push_back(getAffineConstantExpr(column, ctx));
    rewriter.replaceOp(
        op, mapped(rewriter, loc, type, {op.getIndices()},
                   {AffineMap::get(rank, 0, read, ctx)},
                   [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                     Value i = clampedIndex(b, l, a[0], n);
                     return b.create<tensor::ExtractOp>(
                         l, x, ValueRange{b.create<linalg::IndexOp>(l, 0), i});
                   }));
    return success();
  }
};

struct ScatterAddLowering : OpRewritePattern<ScatterAddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScatterAddOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t size = op.getSize(), column = op.getColumn();
    checkIndices(rewriter, loc, op.getIndices(), column, size);
    rewriter.replaceOp(
        op, scatterLoops(rewriter, loc,
                         collapseTuples(rewriter, loc, op.getIndices()),
                         Value(), collapseFrom(rewriter, loc, op.getInput(), 1),
                         column, 0, /*readAtTuple=*/true, size,
                         cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct SparseContractLowering : OpRewritePattern<SparseContractOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SparseContractOp op,
                                PatternRewriter &rewriter) const override {
    ArrayRef<int64_t> columns = op.getColumns();
    rewriter.replaceOp(op,
                       sparseContract(rewriter, op.getLoc(), op.getIndices(),
                                      op.getWeights(), op.getInput(),
                                      op.getSize(), columns[0], columns[1],
                                      cast<RankedTensorType>(op.getType())));
    return success();
  }
};

/// sigmoid(x) = 1 / (1 + exp(−x)).
Value sigmoidOf(Scalar &s, Value x) {
  Value e = s.b.create<math::ExpOp>(s.loc, s.sub(s.c(0), x));
  return s.div(s.c(1), s.add(s.c(1), e));
}

/// softplus(x) = max(x, 0) + log1p(exp(−|x|)).
Value softplusOf(Scalar &s, Value x) {
  Value e = s.b.create<math::ExpOp>(s.loc, s.sub(s.c(0), s.abs(x)));
  return s.add(s.max(x, s.c(0)), s.b.create<math::Log1pOp>(s.loc, e));
}

/// s_d of the component of this element of a [K, r] generic, as a float.
Value floatExtent(Scalar &s, ArrayRef<int64_t> size) {
  Value d = s.b.create<linalg::IndexOp>(s.loc, 1);
  return s.b.create<arith::SIToFPOp>(s.loc, s.t, extentOf(s.b, s.loc, size, d));
}

struct HyperParamsLowering : OpRewritePattern<HyperParamsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HyperParamsOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getMu().getType());
    ArrayRef<int64_t> size = op.getSize();
    double scale = op.getSigmaScale().convertToDouble();
    double eps = op.getEps().convertToDouble();
    rewriter.replaceOp(
        op, elementwiseMulti(
                rewriter, op.getLoc(), type, {op.getMeans(), op.getSpreads()},
                2, [&](OpBuilder &b, Location l, ValueRange a) {
                  Scalar s{b, l, type.getElementType()};
                  Value ext = floatExtent(s, size);
                  Value mu = s.mul(sigmoidOf(s, a[0]), s.sub(ext, s.c(1)));
                  Value var =
                      s.mul(s.add(softplusOf(s, s.add(a[1], s.c(2))), s.c(eps)),
                            s.mul(ext, s.c(scale)));
                  return SmallVector<Value>{mu, var};
                }));
    return success();
  }
};

struct HyperParamsGradLowering : OpRewritePattern<HyperParamsGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HyperParamsGradOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getMeans().getType());
    ArrayRef<int64_t> size = op.getSize();
    double scale = op.getSigmaScale().convertToDouble();
    rewriter.replaceOp(
        op, elementwiseMulti(
                rewriter, op.getLoc(), type,
                {op.getGradMu(), op.getGradSigma2(), op.getMeans(),
                 op.getSpreads()},
                2, [&](OpBuilder &b, Location l, ValueRange a) {
                  Scalar s{b, l, type.getElementType()};
                  Value ext = floatExtent(s, size);
                  Value sig = sigmoidOf(s, a[2]);
                  Value dmu = s.mul(s.mul(a[0], s.mul(sig, s.sub(s.c(1), sig))),
                                    s.sub(ext, s.c(1)));
                  Value dsp =
                      s.mul(s.mul(a[1], sigmoidOf(s, s.add(a[3], s.c(2)))),
                            s.mul(ext, s.c(scale)));
                  return SmallVector<Value>{dmu, dsp};
                }));
    return success();
  }
};

struct HyperSampleLowering : DrawPattern<HyperSampleOp> {
  using DrawPattern::DrawPattern;
  LogicalResult matchAndRewrite(HyperSampleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t points = type.getDimSize(1), r = type.getDimSize(2);
    int64_t corners = int64_t(1) << r, global = op.getGlobal();
    int64_t half = op.getRegion() / 2;
    ArrayRef<int64_t> size = op.getSize();
    KeyedDraws draws(rewriter, loc, op.getGenerator(), op.getStream(), Value(),
                     lanes);
    MLIRContext *ctx = getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    Type i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type();
    rewriter.replaceOp(
        op,
        mapped(rewriter, loc, type, {op.getMeans()},
               {AffineMap::get(3, 0, {d(0), d(2)}, ctx)},
               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                 Value k = b.create<linalg::IndexOp>(l, 0);
                 Value p = b.create<linalg::IndexOp>(l, 1);
                 Value dd = b.create<linalg::IndexOp>(l, 2);
                 auto idx = [&](int64_t v) {
                   return b.create<arith::ConstantIndexOp>(l, v);
                 };
                 Value linear = b.create<arith::AddIOp>(
                     l,
                     b.create<arith::MulIOp>(
                         l,
                         b.create<arith::AddIOp>(
                             l, b.create<arith::MulIOp>(l, k, idx(points)), p),
                         idx(r)),
                     dd);
                 Value word = draws.word(
                     b, l, b.create<arith::IndexCastUIOp>(l, i32, linear));
                 Value u = b.create<arith::ExtUIOp>(l, i64, word);
                 Value ext = extentOf(b, l, size, dd);
                 // ⌊u · n / 2^32⌋, uniform in [0, n).
                 auto below = [&](Value n) -> Value {
                   return b.create<arith::ShRUIOp>(
                       l, b.create<arith::MulIOp>(l, u, n), i64Const(b, l, 32));
                 };
                 Value mu = a[0];
                 auto toInt = [&](Value f) -> Value {
                   return b.create<arith::FPToSIOp>(l, i64, f);
                 };
                 // Corner p: ceil where bit r−1−d of p is set.
                 Value p64 = b.create<arith::IndexCastOp>(l, i64, p);
                 Value shift = b.create<arith::SubIOp>(
                     l, i64Const(b, l, r - 1),
                     b.create<arith::IndexCastOp>(l, i64, dd));
                 Value bit = b.create<arith::AndIOp>(
                     l, b.create<arith::ShRUIOp>(l, p64, shift),
                     i64Const(b, l, 1));
                 Value up = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne,
                                                    bit, i64Const(b, l, 0));
                 Value corner = b.create<arith::SelectOp>(
                     l, up, toInt(b.create<math::CeilOp>(l, mu)),
                     toInt(b.create<math::FloorOp>(l, mu)));
                 Value uniform = below(ext);
                 Value local = b.create<arith::AddIOp>(
                     l,
                     b.create<arith::SubIOp>(
                         l, below(i64Const(b, l, 2 * half + 1)),
                         i64Const(b, l, half)),
                     toInt(b.create<math::RoundEvenOp>(l, mu)));
                 Value isCorner =
                     b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, p64,
                                             i64Const(b, l, corners));
                 Value isGlobal =
                     b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, p64,
                                             i64Const(b, l, corners + global));
                 Value v = b.create<arith::SelectOp>(
                     l, isCorner, corner,
                     b.create<arith::SelectOp>(l, isGlobal, uniform, local));
                 v = b.create<arith::MaxSIOp>(l, v, i64Const(b, l, 0));
                 return b.create<arith::MinSIOp>(
                     l, v, b.create<arith::SubIOp>(l, ext, i64Const(b, l, 1)));
               }));
    return success();
  }
};

struct IndexDedupLowering : OpRewritePattern<IndexDedupOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IndexDedupOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value idx = op.getIndices();
    int64_t r = cast<RankedTensorType>(idx.getType()).getDimSize(2);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{},
        ValueRange{empty(rewriter, loc, type)},
        ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(2)}, parallel(2),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value k = b.create<linalg::IndexOp>(l, 0);
          Value p = b.create<linalg::IndexOp>(l, 1);
          SmallVector<Value> mine;
          for (int64_t d = 0; d < r; ++d)
            mine.push_back(b.create<tensor::ExtractOp>(
                l, idx,
                ValueRange{k, p, b.create<arith::ConstantIndexOp>(l, d)}));
          Value no = b.create<arith::ConstantIntOp>(l, 0, 1);
          auto loop = b.create<scf::ForOp>(
              l, b.create<arith::ConstantIndexOp>(l, 0), p,
              b.create<arith::ConstantIndexOp>(l, 1), ValueRange{no},
              [&](OpBuilder &fb, Location fl, Value q, ValueRange dup) {
                Value same = fb.create<arith::ConstantIntOp>(fl, 1, 1);
                for (int64_t d = 0; d < r; ++d) {
                  Value other = fb.create<tensor::ExtractOp>(
                      fl, idx,
                      ValueRange{k, q,
                                 fb.create<arith::ConstantIndexOp>(fl, d)});
                  same = fb.create<arith::AndIOp>(
                      fl, same,
                      fb.create<arith::CmpIOp>(fl, arith::CmpIPredicate::eq,
                                               other, mine[d]));
                }
                fb.create<scf::YieldOp>(
                    fl, ValueRange{fb.create<arith::OrIOp>(fl, dup[0], same)});
              });
          Scalar s{b, l, type.getElementType()};
          b.create<linalg::YieldOp>(
              l, ValueRange{s.select(loop.getResult(0), s.c(0), s.c(1))});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// The densities ρ̄ [K, P] of credo.gaussian_density.
Value densities(OpBuilder &b, Location loc, Value idx, Value mu, Value s2,
                Value mask) {
  auto maskType = cast<RankedTensorType>(mask.getType());
  Type elt = maskType.getElementType();
  int64_t k = maskType.getDimSize(0);
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // a[k, p] = −½ Σ_d (idx − μ)² / σ².
  auto quad = b.create<linalg::GenericOp>(
      loc, TypeRange{maskType}, ValueRange{idx, mu, s2},
      ValueRange{filled(b, loc, maskType, 0.0)},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(3, ctx),
                          AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                          AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                          AffineMap::get(3, 0, {d(0), d(1)}, ctx)},
      SmallVector<utils::IteratorType>{utils::IteratorType::parallel,
                                       utils::IteratorType::parallel,
                                       utils::IteratorType::reduction},
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Scalar s{nb, l, elt};
        Value e = s.sub(nb.create<arith::SIToFPOp>(l, elt, a[0]), a[1]);
        nb.create<linalg::YieldOp>(
            l, ValueRange{
                   s.add(a[3], s.mul(s.c(-0.5), s.div(s.mul(e, e), a[2])))});
      });
  Value logits = quad.getResult(0);
  auto rowType = RankedTensorType::get({k}, elt);
  AffineMap kp = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap kOnly = AffineMap::get(2, 0, {d(0)}, ctx);
  SmallVector<utils::IteratorType> parRed = {utils::IteratorType::parallel,
                                             utils::IteratorType::reduction};
  // The largest kept a per chunk.
  auto max = b.create<linalg::GenericOp>(
      loc, TypeRange{rowType}, ValueRange{logits, mask},
      ValueRange{
          filled(b, loc, rowType, -std::numeric_limits<double>::infinity())},
      ArrayRef<AffineMap>{kp, kp, kOnly}, parRed,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Scalar s{nb, l, elt};
        nb.create<linalg::YieldOp>(
            l,
            ValueRange{s.select(s.gt(a[1], s.c(0)), s.max(a[2], a[0]), a[2])});
      });
  Value e = mapped(b, loc, maskType, {logits, mask, max.getResult(0)},
                   {kp, kp, kOnly},
                   [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                     Scalar s{nb, l, elt};
                     Value x = nb.create<math::ExpOp>(l, s.sub(a[0], a[2]));
                     return s.select(s.gt(a[1], s.c(0)), x, s.c(0));
                   });
  Value z = reduce(b, loc, e, {1}, 0.0, addFloats);
  // 0 per tuple, NaN where a mean is NaN: such a tuple has no points (the
  // sampler's are clamped into range, and may all be masked), and its
  // densities are NaN, so the outputs and the loss it reaches are too.
  auto muType = cast<RankedTensorType>(mu.getType());
  Value muNaN = mapped(b, loc, muType, {mu}, {b.getMultiDimIdentityMap(2)},
                       [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         return Scalar{nb, l, elt}.sub(a[0], a[0]);
                       });
  Value poison = reduce(b, loc, muNaN, {1}, 0.0, addFloats);
  return mapped(b, loc, maskType, {e, z, poison}, {kp, kOnly, kOnly},
                [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                  Scalar s{nb, l, elt};
                  // A NaN sum (a NaN spread) keeps its NaN: unordered or
                  // greater.
                  Value positive = nb.create<arith::CmpFOp>(
                      l, arith::CmpFPredicate::UGT, a[1], s.c(0));
                  return s.add(s.select(positive, s.div(a[0], a[1]), s.c(0)),
                               a[2]);
                });
}

struct GaussianDensityLowering : OpRewritePattern<GaussianDensityOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GaussianDensityOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, densities(rewriter, op.getLoc(), op.getIndices(),
                                     op.getMu(), op.getSigma2(), op.getMask()));
    return success();
  }
};

struct GaussianDensityGradLowering : OpRewritePattern<GaussianDensityGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GaussianDensityGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto gType = cast<RankedTensorType>(op.getGrad().getType());
    auto muType = cast<RankedTensorType>(op.getMu().getType());
    Type elt = gType.getElementType();
    MLIRContext *ctx = getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    Value rho = densities(rewriter, loc, op.getIndices(), op.getMu(),
                          op.getSigma2(), op.getMask());
    AffineMap kp = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap kOnly = AffineMap::get(2, 0, {d(0)}, ctx);
    // h = ρ̄ (g − Σ_q ρ̄ g).
    Value weighted = mapped(rewriter, loc, gType, {rho, op.getGrad()}, {kp, kp},
                            [&](OpBuilder &b, Location l, ValueRange a) {
                              return Scalar{b, l, elt}.mul(a[0], a[1]);
                            });
    Value mean = reduce(rewriter, loc, weighted, {1}, 0.0, addFloats);
    Value h =
        mapped(rewriter, loc, gType, {rho, op.getGrad(), mean}, {kp, kp, kOnly},
               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                 Scalar s{b, l, elt};
                 return s.mul(a[0], s.sub(a[1], a[2]));
               });
    // Over (k, d, p), p reduced.
    auto grads = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{muType, muType},
        ValueRange{h, op.getIndices(), op.getMu(), op.getSigma2()},
        ValueRange{filled(rewriter, loc, muType, 0.0),
                   filled(rewriter, loc, muType, 0.0)},
        ArrayRef<AffineMap>{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                            AffineMap::get(3, 0, {d(0), d(2), d(1)}, ctx),
                            AffineMap::get(3, 0, {d(0), d(1)}, ctx),
                            AffineMap::get(3, 0, {d(0), d(1)}, ctx),
                            AffineMap::get(3, 0, {d(0), d(1)}, ctx),
                            AffineMap::get(3, 0, {d(0), d(1)}, ctx)},
        SmallVector<utils::IteratorType>{utils::IteratorType::parallel,
                                         utils::IteratorType::parallel,
                                         utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Scalar s{b, l, elt};
          Value e = s.sub(b.create<arith::SIToFPOp>(l, elt, a[1]), a[2]);
          Value he = s.div(s.mul(a[0], e), a[3]);
          Value dmu = s.add(a[4], he);
          Value ds2 = s.add(a[5], s.mul(s.c(0.5), s.div(s.mul(he, e), a[3])));
          b.create<linalg::YieldOp>(l, ValueRange{dmu, ds2});
        });
    rewriter.replaceOp(op, grads.getResults());
    return success();
  }
};

/// idx[k, d] = clamp(round(f(μ[k, d])), 0, s_d − 1), f the identity or the
/// hyperlayer's sigmoid(μ̃)·(s_d − 1).
Value roundedIndices(OpBuilder &b, Location loc, Value means,
                     ArrayRef<int64_t> size, bool fromFree) {
  auto mType = cast<RankedTensorType>(means.getType());
  auto type = RankedTensorType::get(mType.getShape(), b.getI64Type());
  return mapped(
      b, loc, type, {means}, {b.getMultiDimIdentityMap(2)},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Scalar s{nb, l, mType.getElementType()};
        Value ext = extentOf(nb, l, size, nb.create<linalg::IndexOp>(l, 1));
        Value mu = a[0];
        if (fromFree)
          mu = s.mul(sigmoidOf(s, mu),
                     s.sub(nb.create<arith::SIToFPOp>(l, s.t, ext), s.c(1)));
        // Clamp as a float first, so huge or NaN means stay in range.
        Value hi = nb.create<arith::SIToFPOp>(
            l, s.t, nb.create<arith::SubIOp>(l, ext, i64Const(nb, l, 1)));
        Value r = nb.create<math::RoundEvenOp>(l, mu);
        r = nb.create<arith::MinimumFOp>(
            l, nb.create<arith::MaximumFOp>(l, r, s.c(0)), hi);
        Value isNan =
            nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, r, r);
        r = s.select(isNan, s.c(0), r);
        return nb.create<arith::FPToSIOp>(l, nb.getI64Type(), r);
      });
}

struct RoundIndicesLowering : OpRewritePattern<RoundIndicesOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RoundIndicesOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, roundedIndices(rewriter, op.getLoc(), op.getMeans(),
                                          op.getSize(), false));
    return success();
  }
};

/// The evaluation form: the rounded means carry the values.
struct SparseHyperLowering : OpRewritePattern<SparseHyperOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SparseHyperOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xType = cast<RankedTensorType>(op.getInput().getType());
    int64_t units = op.getUnits();
    Value idx = roundedIndices(rewriter, loc, op.getMeans(),
                               {units, xType.getDimSize(1)}, true);
    // A NaN mean has no position: its tuple's value becomes NaN, so the
    // outputs it reaches are NaN (the index is clamped to 0 only to stay
    // in range), as a NaN weight makes a dense layer's.
    auto vType = cast<RankedTensorType>(op.getValues().getType());
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr k = getAffineDimExpr(0, ctx);
    auto component = [&](int64_t d) {
      return AffineMap::get(1, 0, {k, getAffineConstantExpr(d, ctx)}, ctx);
    };
    Value values = mapped(
        rewriter, loc, vType, {op.getMeans(), op.getMeans(), op.getValues()},
        {component(0), component(1), rewriter.getMultiDimIdentityMap(1)},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Scalar s{b, l, vType.getElementType()};
          Value nan = b.create<arith::OrIOp>(
              l,
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, a[0], a[0]),
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, a[1],
                                      a[1]));
          return s.select(nan, s.c(std::numeric_limits<double>::quiet_NaN()),
                          a[2]);
        });
    rewriter.replaceOp(op, scatterLoops(rewriter, loc, idx, values,
                                        op.getInput(), 0, 1,
                                        /*readAtTuple=*/false, units,
                                        cast<RankedTensorType>(op.getType())));
    return success();
  }
};

} // namespace

namespace mlir::credo::linalg_builders {

/// True when the indices come from an op whose construction keeps component
/// `column` inside [0, limit): the sampler and the rounding clamp to their
/// `size`.
bool provenInRange(Value indices, int64_t column, int64_t limit) {
  ArrayRef<int64_t> size;
  if (auto s = indices.getDefiningOp<HyperSampleOp>())
    size = s.getSize();
  else if (auto r = indices.getDefiningOp<RoundIndicesOp>())
    size = r.getSize();
  else
    return false;
  return column < int64_t(size.size()) && size[column] <= limit;
}

/// The run-time range check of component `column` of the tuples `indices`
/// ([S…, r]) against [0, limit): the first tuple (row-major) whose
/// component is outside, and that component, go to credo_rt_check_indices.
void checkIndices(OpBuilder &b, Location loc, Value indices, int64_t column,
                  int64_t limit) {
  if (provenInRange(indices, column, limit))
    return;
  // Tuples a time loop reads step by step: the message names the step
  // (under --time-memory checkpoint, step j of segment s of k steps reads
  // a slice of the segment's slice: step s·k + j).
  Value step;
  if (auto slice = indices.getDefiningOp<TimeSliceOp>()) {
    step = slice.getStep();
    if (auto segment = slice.getInput().getDefiningOp<TimeSliceOp>()) {
      int64_t k = cast<RankedTensorType>(slice.getInput().getType())
                      .getDimSize(int64_t(slice.getAxis()));
      step = b.create<arith::AddIOp>(
          loc,
          b.create<arith::MulIOp>(loc, segment.getStep(),
                                  b.create<arith::ConstantIndexOp>(loc, k)),
          step);
    }
  }
  auto type = cast<RankedTensorType>(indices.getType());
  unsigned rank = type.getRank();
  int64_t count = type.getNumElements() / type.getShape().back();
  Type i64 = b.getI64Type();
  auto scalar = RankedTensorType::get({}, i64);
  MLIRContext *ctx = b.getContext();
  auto fill = [&](int64_t v) {
    return b
        .create<linalg::FillOp>(loc, ValueRange{i64Const(b, loc, v)},
                                ValueRange{empty(b, loc, scalar)})
        .getResult(0);
  };
  // Iterate over the tuples (all dimensions but the last) and read the
  // column through a constant map result.
  unsigned loops = rank - 1;
  SmallVector<AffineExpr> read;
  for (unsigned i = 0; i < loops; ++i)
    read.push_back(getAffineDimExpr(i, ctx));
  read.push_back(getAffineConstantExpr(column, ctx));
  auto first = b.create<linalg::GenericOp>(
      loc, TypeRange{scalar, scalar}, ValueRange{indices},
      ValueRange{fill(count), fill(0)},
      ArrayRef<AffineMap>{AffineMap::get(loops, 0, read, ctx),
                          AffineMap::get(loops, 0, {}, ctx),
                          AffineMap::get(loops, 0, {}, ctx)},
      SmallVector<utils::IteratorType>(loops, utils::IteratorType::reduction),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value v = a[0];
        Value bad = nb.create<arith::OrIOp>(
            l,
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, v,
                                     i64Const(nb, l, 0)),
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, v,
                                     i64Const(nb, l, limit)));
        // The row-major position of this tuple.
        Value pos = nb.create<arith::IndexCastOp>(
            l, i64, rowMajorPosition(nb, l, type.getShape().take_front(loops)));
        Value take = nb.create<arith::AndIOp>(
            l, bad,
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, pos, a[1]));
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::SelectOp>(l, take, pos, a[1]),
                          nb.create<arith::SelectOp>(l, take, v, a[2])});
      });
  Value firstBad = b.create<tensor::ExtractOp>(loc, first.getResult(0));
  Value value = b.create<tensor::ExtractOp>(loc, first.getResult(1));
  SmallVector<Value> args = {firstBad,
                             value,
                             i64Const(b, loc, count),
                             i64Const(b, loc, column),
                             i64Const(b, loc, limit),
                             siteText(b, loc, "index tuple")};
  if (step)
    args.push_back(b.create<arith::IndexCastOp>(loc, i64, step));
  callRuntime(b, loc,
              step ? "credo_rt_check_indices_at" : "credo_rt_check_indices",
              args);
}

} // namespace mlir::credo::linalg_builders

void mlir::credo::populateSparseToLinalgPatterns(RewritePatternSet &patterns,
                                                 GeneratorLanes lanes) {
  patterns.add<GatherLowering, ScatterAddLowering, SparseContractLowering,
               HyperParamsLowering, HyperParamsGradLowering, IndexDedupLowering,
               GaussianDensityLowering, GaussianDensityGradLowering,
               RoundIndicesLowering, SparseHyperLowering>(
      patterns.getContext());
  patterns.add<HyperSampleLowering>(patterns.getContext(), lanes);
}
