//===- PoolConvGradOps.cpp - conv2d/pooling gradients → linalg, scf -*- C++
//-*-===//
//
// The reference lowering of the convolution and pooling gradients:
// conv2d_grad_weight is a linalg contraction over the zero-padded input;
// conv2d_grad_input gathers, for each padded input position, the output
// gradients whose windows cover it; the pooling gradients gather too: each
// input position sums the output gradients of the windows that cover it
// (max: where it is the window's first maximum; average: divided by the
// window's in-image size), one parallel linalg.generic each.
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
/// (p, q) that land on an output position (a contraction over the dilated,
/// zero-padded dy); then dx = the unpadded part.
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
    // A full correlation of the gradient, dilated by the strides and
    // zero-padded by the filter size less one, with the filters:
    // dx_pad[b, c, h, w] = sum_{o,p,q} z[b, o, h - p + KH - 1, w - q + KW - 1]
    //                                  * W[o, c, p, q]
    // with z[b, o, KH - 1 + s0 i, KW - 1 + s1 j] = dy[b, o, i, j], zero
    // elsewhere (z is nonzero where h - p = s0 i with 0 <= i < OH, the
    // output positions the input position h fed). A plain contraction: the
    // tiled kernels of the GPU target take it.
    auto wType = cast<RankedTensorType>(op.getWeight().getType());
    int64_t kh = wType.getDimSize(2), kw = wType.getDimSize(3);
    Value dy = op.getGrad();
    auto zType =
        RankedTensorType::get({dyType.getDimSize(0), dyType.getDimSize(1),
                               padded[2] + kh - 1, padded[3] + kw - 1},
                              type.getElementType());
    SmallVector<OpFoldResult> at = {
        rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
        rewriter.getIndexAttr(kh - 1), rewriter.getIndexAttr(kw - 1)};
    SmallVector<OpFoldResult> extent,
        step = {rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
                rewriter.getIndexAttr(s[0]), rewriter.getIndexAttr(s[1])};
    for (int64_t dim : dyType.getShape())
      extent.push_back(rewriter.getIndexAttr(dim));
    Value z = rewriter.create<tensor::InsertSliceOp>(
        loc, dy, filled(rewriter, loc, zType, 0.0), at, extent, step);
    // Iteration space (b, c, h, w, o, p, q).
    SmallVector<AffineMap> maps = {
        AffineMap::get(
            7, 0, {d(0), d(4), d(2) - d(5) + (kh - 1), d(3) - d(6) + (kw - 1)},
            ctx),
        AffineMap::get(7, 0, {d(4), d(1), d(5), d(6)}, ctx),
        AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.append(3, utils::IteratorType::reduction);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, paddedType, ValueRange{z, op.getWeight()},
        ValueRange{filled(rewriter, loc, paddedType, 0.0)}, maps, iters,
        [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = b.create<arith::MulFOp>(l, a[0], a[1]);
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::AddFOp>(l, a[2], prod)});
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

/// The pooling gradients as gathers: one linalg.generic over x's shape
/// (every element independent, so it parallelizes, on a GPU too) whose body
/// loops over the output positions (i, j) whose windows cover (h, w):
/// i from ⌈(h + p − k + 1) / s⌉ to ⌊(h + p) / s⌋, within [0, OH). `term`
/// gives one window's contribution to dx[b, c, h, w], added to the sum.
using TermFn = std::function<Value(OpBuilder &, Location, ValueRange bchw,
                                   ValueRange bcij, Value grad)>;
Value poolGather(OpBuilder &b, Location loc, Value dy, RankedTensorType xType,
                 ArrayRef<int64_t> k, ArrayRef<int64_t> s,
                 ArrayRef<int64_t> pad, const TermFn &term) {
  auto dyType = cast<RankedTensorType>(dy.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(4, ctx)};
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  Value init =
      b.create<tensor::EmptyOp>(loc, xType.getShape(), xType.getElementType());
  auto generic = b.create<linalg::GenericOp>(
      loc, xType, ValueRange{}, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> bchw;
        for (unsigned d = 0; d < 4; ++d)
          bchw.push_back(nb.create<linalg::IndexOp>(l, d));
        // The covering output range along one axis: [lo, hi).
        auto covering = [&](Value h, int64_t stride, int64_t p, int64_t size,
                            int64_t extent, Value &lo, Value &hi) {
          // max(0, ⌈n / s⌉) = max(0, n + s − 1) / s, and h + p ≥ 0: only
          // divisions of non-negative numbers.
          Value first = nb.create<arith::DivSIOp>(
              l,
              nb.create<arith::MaxSIOp>(
                  l,
                  nb.create<arith::AddIOp>(
                      l, h, idx(nb, l, p - size + 1 + stride - 1)),
                  idx(nb, l, 0)),
              idx(nb, l, stride));
          Value last = nb.create<arith::DivSIOp>(
              l, nb.create<arith::AddIOp>(l, h, idx(nb, l, p)),
              idx(nb, l, stride));
          lo = first;
          hi = nb.create<arith::MinSIOp>(
              l, nb.create<arith::AddIOp>(l, last, idx(nb, l, 1)),
              idx(nb, l, extent));
        };
        Value ilo, ihi, jlo, jhi;
        covering(bchw[2], s[0], pad[0], k[0], dyType.getDimSize(2), ilo, ihi);
        covering(bchw[3], s[1], pad[1], k[1], dyType.getDimSize(3), jlo, jhi);
        Value zero = floatConst(nb, l, xType.getElementType(), 0);
        scf::LoopNest nest = scf::buildLoopNest(
            nb, l, ValueRange{ilo, jlo}, ValueRange{ihi, jhi},
            ValueRange{idx(nb, l, 1), idx(nb, l, 1)}, ValueRange{zero},
            [&](OpBuilder &lb, Location ll, ValueRange ij,
                ValueRange args) -> scf::ValueVector {
              SmallVector<Value> bcij = {bchw[0], bchw[1], ij[0], ij[1]};
              Value g = lb.create<tensor::ExtractOp>(ll, dy, bcij);
              return {lb.create<arith::AddFOp>(ll, args[0],
                                               term(lb, ll, bchw, bcij, g))};
            });
        nb.create<linalg::YieldOp>(l, nest.results.front());
      });
  return generic.getResult(0);
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
    Value result = poolGather(
        rewriter, loc, op.getGrad(), xType, k, s, pad,
        [&](OpBuilder &b, Location l, ValueRange bchw, ValueRange bcij,
            Value g) -> Value {
          // The window's first maximum (strictly greater replaces) takes g.
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
          Value here = b.create<arith::AndIOp>(
              l,
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, best[1],
                                      bchw[2]),
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, best[2],
                                      bchw[3]));
          return b.create<arith::SelectOp>(l, here, g,
                                           floatConst(b, l, elt, 0));
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
    Value result = poolGather(
        rewriter, loc, op.getGrad(), xType, k, s, pad,
        [&](OpBuilder &b, Location l, ValueRange, ValueRange bcij,
            Value g) -> Value {
          // g is spread evenly over the window's in-image positions:
          // (min(H, i·s − p + k) − max(0, i·s − p)) · (the same along w).
          auto extent = [&](Value i, int64_t stride, int64_t p, int64_t size,
                            int64_t full) -> Value {
            Value start = b.create<arith::SubIOp>(
                l, b.create<arith::MulIOp>(l, i, idx(b, l, stride)),
                idx(b, l, p));
            Value end = b.create<arith::MinSIOp>(
                l, b.create<arith::AddIOp>(l, start, idx(b, l, size)),
                idx(b, l, full));
            return b.create<arith::SubIOp>(
                l, end, b.create<arith::MaxSIOp>(l, start, idx(b, l, 0)));
          };
          Value count =
              b.create<arith::MulIOp>(l, extent(bcij[2], s[0], pad[0], k[0], H),
                                      extent(bcij[3], s[1], pad[1], k[1], W));
          Value countF = b.create<arith::SIToFPOp>(
              l, elt, b.create<arith::IndexCastOp>(l, b.getI64Type(), count));
          return b.create<arith::DivFOp>(l, g, countF);
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
