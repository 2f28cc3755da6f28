//===- CredoToDnnl.cpp - credo → oneDNN kernel calls ------------*- C++ -*-===//
//
// Implements convert-credo-to-dnnl: f32 ops that the runtime implements with
// oneDNN become credo.call_kernel into a fresh tensor.empty, with the shapes
// the kernel needs as i64 scalars; the pass then declares each kernel used.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToDnnl/CredoToDnnl.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CONVERTCREDOTODNNL
#include "credo/Conversion/CredoToDnnl/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using mlir::credo::CallKernelOp;

namespace {

bool isF32(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType().isF32();
}

/// Replaces `op` by a call of `kernel` writing a fresh tensor of the result
/// type.
void replaceWithKernel(PatternRewriter &rewriter, Operation *op,
                       StringRef kernel, ValueRange ins,
                       ArrayRef<int64_t> scalars) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  Value init = rewriter.create<tensor::EmptyOp>(op->getLoc(), type.getShape(),
                                                type.getElementType());
  rewriter.replaceOpWithNewOp<CallKernelOp>(
      op, TypeRange{type}, FlatSymbolRefAttr::get(op->getContext(), kernel),
      ins, ValueRange{init}, rewriter.getDenseI64ArrayAttr(scalars));
}

/// Activation fused into a dense or conv2d kernel (credo/kernels.h).
enum PostOp : int64_t { kPostNone = 0, kPostRelu = 1 };

/// credo.dense → credo_rt_dense[_bias]_f32(x, w, [b,] y, M, K, N, post),
/// replacing `root` (the dense op, or the relu consuming it when fusing).
void rewriteDense(PatternRewriter &rewriter, mlir::credo::DenseOp op,
                  Operation *root, PostOp post) {
  auto x = cast<RankedTensorType>(op.getInput().getType());
  auto w = cast<RankedTensorType>(op.getWeight().getType());
  SmallVector<Value> ins = {op.getInput(), op.getWeight()};
  if (op.getBias())
    ins.push_back(op.getBias());
  replaceWithKernel(
      rewriter, root,
      op.getBias() ? "credo_rt_dense_bias_f32" : "credo_rt_dense_f32", ins,
      {x.getDimSize(0), x.getDimSize(1), w.getDimSize(1), post});
}

/// credo.conv2d → credo_rt_conv2d[_bias]_f32(x, w, [b,] y, 13 sizes, post)
void rewriteConv2D(PatternRewriter &rewriter, mlir::credo::Conv2DOp op,
                   Operation *root, PostOp post) {
  auto x = cast<RankedTensorType>(op.getInput().getType()).getShape();
  auto w = cast<RankedTensorType>(op.getWeight().getType()).getShape();
  auto y = cast<RankedTensorType>(op.getType()).getShape();
  ArrayRef<int64_t> s = op.getStrides(), p = op.getPadding();
  SmallVector<Value> ins = {op.getInput(), op.getWeight()};
  if (op.getBias())
    ins.push_back(op.getBias());
  replaceWithKernel(
      rewriter, root,
      op.getBias() ? "credo_rt_conv2d_bias_f32" : "credo_rt_conv2d_f32", ins,
      {x[0], x[1], x[2], x[3], w[0], w[2], w[3], s[0], s[1], p[0], p[1], y[2],
       y[3], post});
}

/// relu(dense) or relu(conv2d) whose layer has no other use → one kernel
/// call with a fused ReLU post-op.
struct FuseReluIntoLayer : OpRewritePattern<mlir::credo::ReluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::ReluOp op,
                                PatternRewriter &rewriter) const override {
    Operation *layer = op.getInput().getDefiningOp();
    if (!layer || !layer->hasOneUse() || !isF32(op.getInput()))
      return failure();
    if (auto dense = dyn_cast<mlir::credo::DenseOp>(layer))
      rewriteDense(rewriter, dense, op, kPostRelu);
    else if (auto conv = dyn_cast<mlir::credo::Conv2DOp>(layer))
      rewriteConv2D(rewriter, conv, op, kPostRelu);
    else
      return failure();
    rewriter.eraseOp(layer);
    return success();
  }
};

/// credo.matmul → credo_rt_matmul_f32(a, b, y, M, K, N, ta, tb)
struct MatmulToKernel : OpRewritePattern<mlir::credo::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getLhs()))
      return failure();
    auto y = cast<RankedTensorType>(op.getType());
    auto a = cast<RankedTensorType>(op.getLhs().getType());
    bool ta = op.getTransposeLhs(), tb = op.getTransposeRhs();
    int64_t k = a.getDimSize(ta ? 0 : 1);
    replaceWithKernel(rewriter, op, "credo_rt_matmul_f32",
                      {op.getLhs(), op.getRhs()},
                      {y.getDimSize(0), k, y.getDimSize(1), ta, tb});
    return success();
  }
};

/// conv2d_grad_input / conv2d_grad_weight → the oneDNN backward kernels,
/// with the 13 sizes of the forward convolution.
template <typename GradOp>
struct Conv2DGradToKernel : OpRewritePattern<GradOp> {
  Conv2DGradToKernel(MLIRContext *ctx, StringRef kernel, bool weights)
      : OpRewritePattern<GradOp>(ctx), kernel(kernel), weights(weights) {}
  LogicalResult matchAndRewrite(GradOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op->getOperand(0)))
      return failure();
    // x and W shapes: from the op's operands or result, per direction.
    auto dy = cast<RankedTensorType>(
                  (weights ? op->getOperand(1) : op->getOperand(0)).getType())
                  .getShape();
    auto x = cast<RankedTensorType>(
                 (weights ? op->getOperand(0) : op->getResult(0)).getType())
                 .getShape();
    auto w = cast<RankedTensorType>(
                 (weights ? op->getResult(0) : op->getOperand(1)).getType())
                 .getShape();
    auto s = op.getStrides(), p = op.getPadding();
    replaceWithKernel(rewriter, op, kernel, op->getOperands(),
                      {x[0], x[1], x[2], x[3], w[0], w[2], w[3], s[0], s[1],
                       p[0], p[1], dy[2], dy[3]});
    return success();
  }
  std::string kernel;
  bool weights;
};

/// credo.dense → its kernel, no activation.
struct DenseToKernel : OpRewritePattern<mlir::credo::DenseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::DenseOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    rewriteDense(rewriter, op, op, kPostNone);
    return success();
  }
};

/// credo.conv2d → its kernel, no activation.
struct Conv2DToKernel : OpRewritePattern<mlir::credo::Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::Conv2DOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    rewriteConv2D(rewriter, op, op, kPostNone);
    return success();
  }
};

/// credo.max_pool2d / avg_pool2d → credo_rt_{max,avg}_pool2d_f32(x, y, 12
/// sizes)
template <typename PoolOp> struct Pool2DToKernel : OpRewritePattern<PoolOp> {
  Pool2DToKernel(MLIRContext *ctx, StringRef kernel)
      : OpRewritePattern<PoolOp>(ctx), kernel(kernel) {}
  LogicalResult matchAndRewrite(PoolOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    auto x = cast<RankedTensorType>(op.getInput().getType()).getShape();
    auto y = cast<RankedTensorType>(op.getType()).getShape();
    ArrayRef<int64_t> k = op.getKernel(), p = op.getPadding();
    SmallVector<int64_t, 2> s = PoolOp::effectiveStrides(k, op.getStrides());
    replaceWithKernel(rewriter, op, kernel, {op.getInput()},
                      {x[0], x[1], x[2], x[3], k[0], k[1], s[0], s[1], p[0],
                       p[1], y[2], y[3]});
    return success();
  }
  std::string kernel;
};

/// credo.softmax → credo_rt_softmax_f32(x, y, outer, axis, inner)
struct SoftmaxToKernel : OpRewritePattern<mlir::credo::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    ArrayRef<int64_t> shape =
        cast<RankedTensorType>(op.getInput().getType()).getShape();
    int64_t axis = op.getAxisAttr().getInt();
    if (axis < 0)
      axis += static_cast<int64_t>(shape.size());
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= shape[i];
    for (size_t i = axis + 1; i < shape.size(); ++i)
      inner *= shape[i];
    replaceWithKernel(rewriter, op, "credo_rt_softmax_f32", {op.getInput()},
                      {outer, shape[axis], inner});
    return success();
  }
};

/// Pointwise activations → credo_rt_<name>_f32(x, y, n)
template <typename ActOp> struct ActivationToKernel : OpRewritePattern<ActOp> {
  ActivationToKernel(MLIRContext *ctx, StringRef kernel)
      : OpRewritePattern<ActOp>(ctx), kernel(kernel) {}
  LogicalResult matchAndRewrite(ActOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    auto type = cast<RankedTensorType>(op.getInput().getType());
    replaceWithKernel(rewriter, op, kernel, {op.getInput()},
                      {type.getNumElements()});
    return success();
  }
  std::string kernel;
};

struct ConvertCredoToDnnl
    : public mlir::credo::impl::ConvertCredoToDnnlBase<ConvertCredoToDnnl> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Fusion first, so that no layer is rewritten before its ReLU is seen.
    RewritePatternSet fusion(&getContext());
    fusion.add<FuseReluIntoLayer>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(module, std::move(fusion))))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    mlir::credo::populateCredoToDnnlPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(module, std::move(patterns))))
      return signalPassFailure();

    // Declare every kernel called: buffer addresses, then i64 scalars.
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    llvm::StringSet<> declared;
    module.walk([&](CallKernelOp call) {
      StringRef name = call.getKernel();
      if (!declared.insert(name).second || module.lookupSymbol(name))
        return;
      SmallVector<Type> args(call.getNumOperands(),
                             LLVM::LLVMPointerType::get(&getContext()));
      args.append(call.getScalars().size(), builder.getI64Type());
      auto decl = builder.create<func::FuncOp>(
          module.getLoc(), name, builder.getFunctionType(args, {}));
      decl.setPrivate();
    });
  }
};

} // namespace

void mlir::credo::populateCredoToDnnlPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<DenseToKernel, Conv2DToKernel, MatmulToKernel, SoftmaxToKernel>(
      ctx);
  patterns.add<Conv2DGradToKernel<mlir::credo::Conv2DGradInputOp>>(
      ctx, "credo_rt_conv2d_grad_input_f32", false);
  patterns.add<Conv2DGradToKernel<mlir::credo::Conv2DGradWeightOp>>(
      ctx, "credo_rt_conv2d_grad_weight_f32", true);
  patterns.add<Pool2DToKernel<mlir::credo::MaxPool2DOp>>(
      ctx, "credo_rt_max_pool2d_f32");
  patterns.add<Pool2DToKernel<mlir::credo::AvgPool2DOp>>(
      ctx, "credo_rt_avg_pool2d_f32");
  patterns.add<ActivationToKernel<mlir::credo::ReluOp>>(ctx,
                                                        "credo_rt_relu_f32");
  patterns.add<ActivationToKernel<mlir::credo::SigmoidOp>>(
      ctx, "credo_rt_sigmoid_f32");
  patterns.add<ActivationToKernel<mlir::credo::TanhOp>>(ctx,
                                                        "credo_rt_tanh_f32");
  patterns.add<ActivationToKernel<mlir::credo::SoftplusOp>>(
      ctx, "credo_rt_softplus_f32");
}
