//===- LayerOps.cpp - Dense, conv, pooling and shape ops → linalg -*- C++
//-*-===//
//
// dense → broadcast bias (or zeros) + linalg.matmul; conv2d → pad +
// linalg.conv_2d_nchw_fchw; max/avg pooling → pad + linalg pooling (average
// divides by the in-image window size); flatten/reshape → collapse/expand.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::credo::linalg_builders;

namespace {

/// The initial accumulator of a layer: its bias broadcast along `dim`, or 0.
Value biasOrZero(OpBuilder &b, Location loc, Value bias, RankedTensorType type,
                 int64_t dim) {
  if (!bias)
    return filled(b, loc, type, 0.0);
  return broadcast(b, loc, bias, type, {dim});
}

/// y = x·W + b: linalg.matmul accumulating into the broadcast bias.
struct DenseLowering : OpRewritePattern<mlir::credo::DenseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::DenseOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value init = biasOrZero(rewriter, loc, op.getBias(), type, 1);
    rewriter.replaceOpWithNewOp<linalg::MatmulOp>(
        op, TypeRange{type}, ValueRange{op.getInput(), op.getWeight()},
        ValueRange{init});
    return success();
  }
};

/// conv2d: zero padding, then linalg.conv_2d_nchw_fchw onto the bias.
struct Conv2DLowering : OpRewritePattern<mlir::credo::Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::Conv2DOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value input = padSpatial(rewriter, loc, op.getInput(), op.getPadding(), 0);
    Value init = biasOrZero(rewriter, loc, op.getBias(), type, 1);
    rewriter.replaceOpWithNewOp<linalg::Conv2DNchwFchwOp>(
        op, TypeRange{type}, ValueRange{input, op.getWeight()},
        ValueRange{init}, rewriter.getI64TensorAttr(op.getStrides()),
        rewriter.getI64TensorAttr({1, 1}));
    return success();
  }
};

/// max_pool2d: −∞ padding, linalg.pooling_nchw_max from −∞.
struct MaxPoolLowering : OpRewritePattern<mlir::credo::MaxPool2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MaxPool2DOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    double lowest = -std::numeric_limits<double>::infinity();
    Value input =
        padSpatial(rewriter, loc, op.getInput(), op.getPadding(), lowest);
    ArrayRef<int64_t> k = op.getKernel();
    Value window =
        rewriter.create<tensor::EmptyOp>(loc, k, type.getElementType());
    auto strides =
        mlir::credo::MaxPool2DOp::effectiveStrides(k, op.getStrides());
    rewriter.replaceOpWithNewOp<linalg::PoolingNchwMaxOp>(
        op, TypeRange{type}, ValueRange{input, window},
        ValueRange{filled(rewriter, loc, type, lowest)},
        rewriter.getI64TensorAttr(strides), rewriter.getI64TensorAttr({1, 1}));
    return success();
  }
};

/// avg_pool2d: sum pooling over zero padding, divided by the number of
/// window positions inside the image (padding is not counted).
struct AvgPoolLowering : OpRewritePattern<mlir::credo::AvgPool2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::AvgPool2DOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    ArrayRef<int64_t> k = op.getKernel(), p = op.getPadding();
    auto s = mlir::credo::AvgPool2DOp::effectiveStrides(k, op.getStrides());
    Value input = padSpatial(rewriter, loc, op.getInput(), p, 0);
    Value window =
        rewriter.create<tensor::EmptyOp>(loc, k, type.getElementType());
    Value sums =
        rewriter
            .create<linalg::PoolingNchwSumOp>(
                loc, TypeRange{type}, ValueRange{input, window},
                ValueRange{filled(rewriter, loc, type, 0)},
                rewriter.getI64TensorAttr(s), rewriter.getI64TensorAttr({1, 1}))
            .getResult(0);
    int64_t size[2] = {inType.getDimSize(2), inType.getDimSize(3)};
    Value avg = elementwise(
        rewriter, loc, type, {sums},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          // Count of in-image positions along one spatial dimension d.
          auto extent = [&](int d) -> Value {
            Value i = b.create<linalg::IndexOp>(l, 2 + d);
            auto c = [&](int64_t v) {
              return b.create<arith::ConstantIndexOp>(l, v);
            };
            Value start = b.create<arith::SubIOp>(
                l, b.create<arith::MulIOp>(l, i, c(s[d])), c(p[d]));
            Value end = b.create<arith::MinSIOp>(
                l, b.create<arith::AddIOp>(l, start, c(k[d])), c(size[d]));
            Value begin = b.create<arith::MaxSIOp>(l, start, c(0));
            return b.create<arith::SubIOp>(l, end, begin);
          };
          Value count = b.create<arith::MulIOp>(l, extent(0), extent(1));
          Value asInt = b.create<arith::IndexCastOp>(l, b.getI64Type(), count);
          Value asFloat =
              b.create<arith::SIToFPOp>(l, type.getElementType(), asInt);
          return b.create<arith::DivFOp>(l, args[0], asFloat);
        });
    rewriter.replaceOp(op, avg);
    return success();
  }
};

/// flatten: collapse all but the batch dimension.
struct FlattenLowering : OpRewritePattern<mlir::credo::FlattenOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::FlattenOp op,
                                PatternRewriter &rewriter) const override {
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    ReassociationIndices rest;
    for (int64_t i = 1; i < inType.getRank(); ++i)
      rest.push_back(i);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, op.getType(), op.getInput(),
        SmallVector<ReassociationIndices>{{0}, rest});
    return success();
  }
};

/// reshape: collapse to 1-D, expand to the target.
struct ReshapeLowering : OpRewritePattern<mlir::credo::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeVia1D(rewriter, op.getLoc(), op.getInput(),
                                        cast<RankedTensorType>(op.getType())));
    return success();
  }
};

/// transpose: linalg.transpose into a fresh tensor.
struct TransposeLowering : OpRewritePattern<mlir::credo::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value init = rewriter.create<tensor::EmptyOp>(op.getLoc(), type.getShape(),
                                                  type.getElementType());
    rewriter.replaceOp(op, rewriter
                               .create<linalg::TransposeOp>(op.getLoc(),
                                                            op.getInput(), init,
                                                            op.getPerm())
                               ->getResult(0));
    return success();
  }
};

} // namespace

void mlir::credo::populateLayerToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<DenseLowering, Conv2DLowering, MaxPoolLowering, AvgPoolLowering,
               FlattenLowering, ReshapeLowering, TransposeLowering>(
      patterns.getContext());
}
