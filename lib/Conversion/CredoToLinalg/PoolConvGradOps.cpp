//===- PoolConvGradOps.cpp - conv2d/pooling gradients → linalg, scf -*- C++
//-*-===//
//
// The reference lowering of the convolution and pooling gradients:
// conv2d_grad_weight is a linalg contraction over the zero-padded input;
// conv2d_grad_input gathers, for each padded input position, the output
// gradients whose windows cover it; the pooling gradients scatter each
// output gradient into its window with scf loops over tensors (max: to the
// first maximum; average: evenly over the in-image positions).
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::credo::linalg_builders;

namespace {

Value idx(OpBuilder &b, Location l, int64_t v) {
  return b.create<arith::ConstantIndexOp>(l, v);
}

/// dW[o,c,p,q] = Σ_{b,i,j} dy[b,o,i,j] · x̃[b,c,i·sh+p,j·sw+q]
struct Conv2DGradWeightLowering
    : OpRewritePattern<mlir::credo::Conv2DGradWeightOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::Conv2DGradWeightOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> s = op.getStrides();
    Value x = padSpatial(rewriter, loc, op.getInput(), op.getPadding(), 0);
    MLIRContext *ctx = getContext();
    // Iteration space (o, c, p, q, b, i, j).
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineMap> maps = {
        AffineMap::get(
            7, 0, {d(4), d(1), d(5) * s[0] + d(2), d(6) * s[1] + d(3)}, ctx),
        AffineMap::get(7, 0, {d(4), d(0), d(5), d(6)}, ctx),
        AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.append(3, utils::IteratorType::reduction);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, type, ValueRange{x, op.getGrad()},
        ValueRange{filled(rewriter, loc, type, 0.0)}, maps, iters,
        [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = b.create<arith::MulFOp>(l, a[0], a[1]);
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::AddFOp>(l, a[2], prod)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// dx̃[b,c,h,w] = Σ_{o,p,q} dy[b,o,(h−p)/sh,(w−q)/sw] · W[o,c,p,q] over the
/// (p, q) that land on an output position; then dx = the unpadded part.
struct Conv2DGradInputLowering
    : OpRewritePattern<mlir::credo::Conv2DGradInputOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::Conv2DGradInputOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto dyType = cast<RankedTensorType>(op.getGrad().getType());
    ArrayRef<int64_t> s = op.getStrides(), pad = op.getPadding();
    SmallVector<int64_t> padded(type.getShape());
    padded[2] += 2 * pad[0];
    padded[3] += 2 * pad[1];
    auto paddedType = RankedTensorType::get(padded, type.getElementType());
    MLIRContext *ctx = getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    // Iteration space (b, c, h, w, o, p, q); dy is read in the body.
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0, {d(4), d(1), d(5), d(6)}, ctx),
        AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.append(3, utils::IteratorType::reduction);
    Value dy = op.getGrad();
    int64_t oh = dyType.getDimSize(2), ow = dyType.getDimSize(3);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, paddedType, ValueRange{op.getWeight()},
        ValueRange{filled(rewriter, loc, paddedType, 0.0)}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          // Output position of (h, p) along one axis, and whether it exists.
          auto source = [&](unsigned hDim, unsigned pDim, int64_t stride,
                            int64_t extent, Value &pos) -> Value {
            Value h = b.create<linalg::IndexOp>(l, hDim);
            Value p = b.create<linalg::IndexOp>(l, pDim);
            Value rel = b.create<arith::SubIOp>(l, h, p);
            Value st = idx(b, l, stride);
            Value q = b.create<arith::DivSIOp>(l, rel, st);
            Value exact =
                b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq,
                                        b.create<arith::MulIOp>(l, q, st), rel);
            Value inside = b.create<arith::AndIOp>(
                l,
                b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, rel,
                                        idx(b, l, 0)),
                b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, q,
                                        idx(b, l, extent)));
            // Clamp so the (discarded) read stays in bounds.
            pos = b.create<arith::MinSIOp>(
                l, b.create<arith::MaxSIOp>(l, q, idx(b, l, 0)),
                idx(b, l, extent - 1));
            return b.create<arith::AndIOp>(l, exact, inside);
          };
          Value i, j;
          Value ok = b.create<arith::AndIOp>(l, source(2, 5, s[0], oh, i),
                                             source(3, 6, s[1], ow, j));
          Value bi = b.create<linalg::IndexOp>(l, 0);
          Value oi = b.create<linalg::IndexOp>(l, 4);
          Value g =
              b.create<tensor::ExtractOp>(l, dy, ValueRange{bi, oi, i, j});
          Value prod = b.create<arith::MulFOp>(l, g, a[0]);
          Value zero = floatConst(b, l, type.getElementType(), 0);
          Value term = b.create<arith::SelectOp>(l, ok, prod, zero);
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::AddFOp>(l, a[1], term)});
        });
    Value result = generic.getResult(0);
    if (pad[0] || pad[1]) {
      SmallVector<OpFoldResult> offsets = {
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
          rewriter.getIndexAttr(pad[0]), rewriter.getIndexAttr(pad[1])};
      SmallVector<OpFoldResult> sizes, strides(4, rewriter.getIndexAttr(1));
      for (int64_t dim : type.getShape())
        sizes.push_back(rewriter.getIndexAttr(dim));
      result = rewriter.create<tensor::ExtractSliceOp>(loc, type, result,
                                                       offsets, sizes, strides);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Scatters each output gradient of a pooling op into `x`'s shape: loops over
/// (b, c, i, j) carrying the result tensor; `scatterWindow` updates it for
/// one window.
using WindowFn = std::function<Value(OpBuilder &, Location, Value acc,
                                     ValueRange bcij, Value grad)>;
Value poolScatter(OpBuilder &b, Location loc, Value dy, RankedTensorType xType,
                  const WindowFn &scatterWindow) {
  auto dyType = cast<RankedTensorType>(dy.getType());
  Value init = filled(b, loc, xType, 0.0);
  SmallVector<Value> lbs(4, idx(b, loc, 0)), steps(4, idx(b, loc, 1)), ubs;
  for (int64_t d : dyType.getShape())
    ubs.push_back(idx(b, loc, d));
  scf::LoopNest nest =
      scf::buildLoopNest(b, loc, lbs, ubs, steps, ValueRange{init},
                         [&](OpBuilder &nb, Location l, ValueRange ivs,
                             ValueRange args) -> scf::ValueVector {
                           Value g = nb.create<tensor::ExtractOp>(l, dy, ivs);
                           return {scatterWindow(nb, l, args[0], ivs, g)};
                         });
  return nest.results.front();
}

/// Loops over the window positions (p, q) of output (i, j) that fall inside
/// the image, with `body(h, w, acc...)` carrying `iterArgs`.
SmallVector<Value>
forWindow(OpBuilder &b, Location l, ValueRange bcij, ArrayRef<int64_t> k,
          ArrayRef<int64_t> s, ArrayRef<int64_t> pad, int64_t H, int64_t W,
          ValueRange iterArgs,
          const std::function<SmallVector<Value>(OpBuilder &, Location, Value,
                                                 Value, ValueRange)> &body) {
  // Window start, and the in-image range of (p, q).
  auto range = [&](Value i, int64_t stride, int64_t p0, int64_t size,
                   int64_t extent, Value &start, Value &lo, Value &hi) {
    start = b.create<arith::SubIOp>(
        l, b.create<arith::MulIOp>(l, i, idx(b, l, stride)), idx(b, l, p0));
    lo = b.create<arith::MaxSIOp>(
        l, idx(b, l, 0), b.create<arith::SubIOp>(l, idx(b, l, 0), start));
    hi = b.create<arith::MinSIOp>(
        l, idx(b, l, size),
        b.create<arith::SubIOp>(l, idx(b, l, extent), start));
  };
  Value h0, plo, phi, w0, qlo, qhi;
  range(bcij[2], s[0], pad[0], k[0], H, h0, plo, phi);
  range(bcij[3], s[1], pad[1], k[1], W, w0, qlo, qhi);
  scf::LoopNest nest =
      scf::buildLoopNest(b, l, ValueRange{plo, qlo}, ValueRange{phi, qhi},
                         ValueRange{idx(b, l, 1), idx(b, l, 1)}, iterArgs,
                         [&](OpBuilder &nb, Location nl, ValueRange pq,
                             ValueRange args) -> scf::ValueVector {
                           Value h = nb.create<arith::AddIOp>(nl, h0, pq[0]);
                           Value w = nb.create<arith::AddIOp>(nl, w0, pq[1]);
                           return body(nb, nl, h, w, args);
                         });
  return SmallVector<Value>(nest.results);
}

struct MaxPool2DGradLowering : OpRewritePattern<mlir::credo::MaxPool2DGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MaxPool2DGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xType = cast<RankedTensorType>(op.getInput().getType());
    ArrayRef<int64_t> k = op.getKernel(), pad = op.getPadding();
    auto s = mlir::credo::MaxPool2DOp::effectiveStrides(k, op.getStrides());
    int64_t H = xType.getDimSize(2), W = xType.getDimSize(3);
    Value x = op.getInput();
    Type elt = xType.getElementType();
    Value result = poolScatter(
        rewriter, loc, op.getGrad(), xType,
        [&](OpBuilder &b, Location l, Value acc, ValueRange bcij,
            Value g) -> Value {
          // The first maximum of the window (strictly greater replaces).
          Value lowest =
              floatConst(b, l, elt, -std::numeric_limits<double>::infinity());
          SmallVector<Value> best = forWindow(
              b, l, bcij, k, s, pad, H, W,
              ValueRange{lowest, idx(b, l, -1), idx(b, l, -1)},
              [&](OpBuilder &nb, Location nl, Value h, Value w,
                  ValueRange args) -> SmallVector<Value> {
                Value v = nb.create<tensor::ExtractOp>(
                    nl, x, ValueRange{bcij[0], bcij[1], h, w});
                Value better = nb.create<arith::OrIOp>(
                    nl,
                    nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OGT, v,
                                             args[0]),
                    nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::slt,
                                             args[1], idx(nb, nl, 0)));
                return {nb.create<arith::SelectOp>(nl, better, v, args[0]),
                        nb.create<arith::SelectOp>(nl, better, h, args[1]),
                        nb.create<arith::SelectOp>(nl, better, w, args[2])};
              });
          SmallVector<Value> at = {bcij[0], bcij[1], best[1], best[2]};
          Value old = b.create<tensor::ExtractOp>(l, acc, at);
          Value sum = b.create<arith::AddFOp>(l, old, g);
          return b.create<tensor::InsertOp>(l, sum, acc, at);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AvgPool2DGradLowering : OpRewritePattern<mlir::credo::AvgPool2DGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::AvgPool2DGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> k = op.getKernel(), pad = op.getPadding();
    auto s = mlir::credo::AvgPool2DOp::effectiveStrides(k, op.getStrides());
    int64_t H = xType.getDimSize(2), W = xType.getDimSize(3);
    Type elt = xType.getElementType();
    Value result = poolScatter(
        rewriter, loc, op.getGrad(), xType,
        [&](OpBuilder &b, Location l, Value acc, ValueRange bcij,
            Value g) -> Value {
          // First count the in-image positions, then spread g over them.
          Value zero = floatConst(b, l, elt, 0), one = floatConst(b, l, elt, 1);
          Value count =
              forWindow(b, l, bcij, k, s, pad, H, W, ValueRange{zero},
                        [&](OpBuilder &nb, Location nl, Value, Value,
                            ValueRange args) -> SmallVector<Value> {
                          return {nb.create<arith::AddFOp>(nl, args[0], one)};
                        })
                  .front();
          Value share = b.create<arith::DivFOp>(l, g, count);
          return forWindow(b, l, bcij, k, s, pad, H, W, ValueRange{acc},
                           [&](OpBuilder &nb, Location nl, Value h, Value w,
                               ValueRange args) -> SmallVector<Value> {
                             SmallVector<Value> at = {bcij[0], bcij[1], h, w};
                             Value old =
                                 nb.create<tensor::ExtractOp>(nl, args[0], at);
                             Value sum =
                                 nb.create<arith::AddFOp>(nl, old, share);
                             return {nb.create<tensor::InsertOp>(nl, sum,
                                                                 args[0], at)};
                           })
              .front();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::credo::populatePoolConvGradToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<Conv2DGradWeightLowering, Conv2DGradInputLowering,
               MaxPool2DGradLowering, AvgPool2DGradLowering>(
      patterns.getContext());
}
