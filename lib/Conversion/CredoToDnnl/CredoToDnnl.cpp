//===- CredoToDnnl.cpp - credo → oneDNN kernel calls ------------*- C++ -*-===//
//
// Implements convert-credo-to-dnnl: f32 ops that the runtime implements with
// oneDNN become credo.call_kernel into a fresh tensor.empty, with the shapes
// the kernel needs as i64 scalars; the pass then declares each kernel used.
//
// Image kernels (convolutions, pooling and their gradients) take images
// whose channel count is a multiple of 8 in oneDNN's channel-blocked layout
// nChw8c, a tensor<B x C/8 x H x W x 8> made by tensor.pack. Every kernel
// packs its inputs and unpacks its outputs; pack(unpack(x)) then folds to x
// and elementwise ops move behind the unpacks of their operands, so a chain
// of layers stays blocked. The packs and unpacks that remain become layout
// conversion kernels.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToDnnl/CredoToDnnl.h"

#include "../CredoToLinalg/Builders.h"
#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

#include <optional>

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

/// Channels per block of the blocked image layout (CREDO_CHANNEL_BLOCK).
constexpr int64_t kBlock = 8;

/// Whether `t` is an f32 image [B,C,H,W] that kernels take blocked.
bool isBlockable(Type t) {
  auto r = cast<RankedTensorType>(t);
  return r.getRank() == 4 && r.getElementType().isF32() &&
         r.getDimSize(1) % kBlock == 0;
}

/// tensor.pack of an image into [B, C/8, H, W, 8].
Value toBlocked(OpBuilder &b, Location loc, Value image) {
  auto type = cast<RankedTensorType>(image.getType());
  ArrayRef<int64_t> s = type.getShape();
  Value dest = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{s[0], s[1] / kBlock, s[2], s[3], kBlock},
      type.getElementType());
  return b.create<tensor::PackOp>(
      loc, image, dest, ArrayRef<int64_t>{1},
      ArrayRef<OpFoldResult>{b.getIndexAttr(kBlock)});
}

/// tensor.unpack of a blocked image back to `type`.
Value fromBlocked(OpBuilder &b, Location loc, Value blocked,
                  RankedTensorType type) {
  Value dest =
      b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
  return b.create<tensor::UnPackOp>(
      loc, blocked, dest, ArrayRef<int64_t>{1},
      ArrayRef<OpFoldResult>{b.getIndexAttr(kBlock)});
}

/// An operand of a kernel call, and whether it is an image.
struct KernelArg {
  Value value;
  bool image;
};

/// Calls `kernel` on `ins` writing fresh tensors of `outTypes`; image
/// operands and results (per the flags) that can be blocked are passed
/// blocked, packed before and unpacked after, and scalars[layoutsSlot] is
/// set to the `layouts` mask of credo/kernels.h (bit i: the i-th image
/// argument, in parameter order, is blocked). Returns the plain results.
SmallVector<Value> callImageKernel(PatternRewriter &rewriter, Location loc,
                                   StringRef kernel, ArrayRef<KernelArg> ins,
                                   ArrayRef<RankedTensorType> outTypes,
                                   ArrayRef<bool> outImages,
                                   SmallVector<int64_t> scalars,
                                   size_t layoutsSlot) {
  SmallVector<Value> operands, inits;
  int64_t mask = 0, bit = 1;
  auto blockIf = [&](bool image, Type type) {
    bool blocked = image && isBlockable(type);
    mask |= blocked ? bit : 0;
    bit <<= image ? 1 : 0;
    return blocked;
  };
  for (const KernelArg &a : ins)
    operands.push_back(blockIf(a.image, a.value.getType())
                           ? toBlocked(rewriter, loc, a.value)
                           : a.value);
  SmallVector<Type> types;
  for (auto [type, image] : llvm::zip(outTypes, outImages)) {
    RankedTensorType t = type;
    if (blockIf(image, type)) {
      ArrayRef<int64_t> s = type.getShape();
      t = RankedTensorType::get({s[0], s[1] / kBlock, s[2], s[3], kBlock},
                                type.getElementType());
    }
    types.push_back(t);
    inits.push_back(rewriter.create<tensor::EmptyOp>(loc, t.getShape(),
                                                     t.getElementType()));
  }
  scalars[layoutsSlot] = mask;
  auto call = rewriter.create<CallKernelOp>(
      loc, types, FlatSymbolRefAttr::get(rewriter.getContext(), kernel),
      operands, inits, rewriter.getDenseI64ArrayAttr(scalars));
  SmallVector<Value> results;
  for (auto [result, type] : llvm::zip(call.getResults(), outTypes))
    results.push_back(result.getType() == type
                          ? result
                          : fromBlocked(rewriter, loc, result, type));
  return results;
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

/// The credo.spike_masks of `x` made before `user` in its block (the masks
/// a step makes of its spikes for its record, credo-spike-masks), or its
/// kernel call where that pattern ran first; null if none.
Value masksBefore(Value x, Operation *user) {
  for (Operation *op : x.getUsers()) {
    if (op->getBlock() != user->getBlock() || !op->isBeforeInBlock(user))
      continue;
    if (auto masks = dyn_cast<mlir::credo::SpikeMasksOp>(op))
      return masks.getResult();
    if (auto call = dyn_cast<CallKernelOp>(op))
      if (call.getKernel() == "credo_rt_spike_masks_f32" &&
          call.getIns().size() == 1 && call.getIns()[0] == x)
        return call.getResult(0);
  }
  return {};
}

/// credo.dense → credo_rt_dense[_bias]_f32(x, w, [b,] y, M, K, N, post),
/// replacing `root` (the dense op, or the relu consuming it when fusing);
/// of spikes whose masks are made before it, and without a post-op,
/// credo_rt_spike_masks_dense[_bias]_f32(masks, w, [b,] y, M, K, N): the
/// same sums from the masks, without searching the spikes again.
void rewriteDense(PatternRewriter &rewriter, mlir::credo::DenseOp op,
                  Operation *root, PostOp post) {
  auto x = cast<RankedTensorType>(op.getInput().getType());
  auto w = cast<RankedTensorType>(op.getWeight().getType());
  Value masks = post == kPostNone ? masksBefore(op.getInput(), op) : Value();
  SmallVector<Value> ins = {masks ? masks : op.getInput(), op.getWeight()};
  if (op.getBias())
    ins.push_back(op.getBias());
  SmallVector<int64_t> scalars = {x.getDimSize(0), x.getDimSize(1),
                                  w.getDimSize(1)};
  if (masks) {
    replaceWithKernel(rewriter, root,
                      op.getBias() ? "credo_rt_spike_masks_dense_bias_f32"
                                   : "credo_rt_spike_masks_dense_f32",
                      ins, scalars);
    return;
  }
  scalars.push_back(post);
  replaceWithKernel(rewriter, root,
                    op.getBias() ? "credo_rt_dense_bias_f32"
                                 : "credo_rt_dense_f32",
                    ins, scalars);
}

/// credo.conv2d → credo_rt_conv2d[_bias]_f32(x, w, [b,] y, 13 sizes, post,
/// layouts)
void rewriteConv2D(PatternRewriter &rewriter, mlir::credo::Conv2DOp op,
                   Operation *root, PostOp post) {
  auto xType = cast<RankedTensorType>(op.getInput().getType());
  auto yType = cast<RankedTensorType>(op.getType());
  auto x = xType.getShape(), y = yType.getShape();
  auto w = cast<RankedTensorType>(op.getWeight().getType()).getShape();
  ArrayRef<int64_t> s = op.getStrides(), p = op.getPadding();
  SmallVector<KernelArg> ins = {{op.getInput(), true}, {op.getWeight(), false}};
  if (op.getBias())
    ins.push_back({op.getBias(), false});
  rewriter.setInsertionPoint(root);
  Value result = callImageKernel(
      rewriter, op.getLoc(),
      op.getBias() ? "credo_rt_conv2d_bias_f32" : "credo_rt_conv2d_f32", ins,
      {yType}, {true},
      {x[0], x[1], x[2], x[3], w[0], w[2], w[3], s[0], s[1], p[0], p[1], y[2],
       y[3], post, /*layouts=*/0},
      14)[0];
  rewriter.replaceOp(root, result);
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

/// Outer products (one product per output) with rows at least this wide
/// are left to CredoToLinalg, whose elementwise generic fuses into the
/// consumers (an optimizer update reads a, b and the parameter in one
/// loop). Narrower rows stay a kernel call: LLVM would unroll such a row
/// and vectorize across rows with gathers and scatters.
constexpr int64_t kMinFusedOuterColumns = 16;

/// Whether a product with `k` products per output into `y` is such an
/// outer product.
bool leftToLinalg(int64_t k, RankedTensorType y) {
  return k == 1 && y.getDimSize(1) >= kMinFusedOuterColumns;
}

/// The scalars of credo_rt_matmul[_acc]_f32 for `op`, [M, K, N, ta, tb];
/// none when the product is not f32 or is an outer product left to
/// CredoToLinalg (elementwise, fused into its users).
std::optional<SmallVector<int64_t, 5>> matmulScalars(mlir::credo::MatmulOp op) {
  if (!isF32(op.getLhs()))
    return std::nullopt;
  auto y = cast<RankedTensorType>(op.getType());
  auto a = cast<RankedTensorType>(op.getLhs().getType());
  bool ta = op.getTransposeLhs(), tb = op.getTransposeRhs();
  int64_t k = a.getDimSize(ta ? 0 : 1);
  if (leftToLinalg(k, y))
    return std::nullopt;
  return SmallVector<int64_t, 5>{y.getDimSize(0), k, y.getDimSize(1), ta, tb};
}

/// credo.matmul → credo_rt_matmul_f32(a, b, y, M, K, N, ta, tb)
struct MatmulToKernel : OpRewritePattern<mlir::credo::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t, 5>> scalars = matmulScalars(op);
    if (!scalars)
      return failure();
    replaceWithKernel(rewriter, op, "credo_rt_matmul_f32",
                      {op.getLhs(), op.getRhs()}, *scalars);
    return success();
  }
};

/// Tries `rewrite(term, other)` for each way `sum` is `term + other` with
/// `term` computed by an Op used only by the sum and both operands of the
/// sum's type; succeeds with the first that does.
template <typename Op>
LogicalResult rewriteTerm(mlir::credo::AddOp sum,
                          function_ref<LogicalResult(Op, Value)> rewrite) {
  for (int i : {0, 1}) {
    Value term = sum->getOperand(i), other = sum->getOperand(1 - i);
    auto op = term.getDefiningOp<Op>();
    if (op && op->hasOneUse() && term.getType() == sum.getType() &&
        other.getType() == sum.getType() && succeeded(rewrite(op, other)))
      return success();
  }
  return failure();
}

/// Replaces `sum` = acc + `product` by a call of `kernel` on `ins` that
/// adds the product into acc's buffer, and erases the product.
void addInto(PatternRewriter &rewriter, mlir::credo::AddOp sum,
             Operation *product, StringRef kernel, ValueRange ins, Value acc,
             ArrayRef<int64_t> scalars) {
  rewriter.replaceOpWithNewOp<CallKernelOp>(
      sum, TypeRange{sum.getType()},
      FlatSymbolRefAttr::get(sum->getContext(), kernel), ins, ValueRange{acc},
      rewriter.getDenseI64ArrayAttr(scalars));
  rewriter.eraseOp(product);
}

/// acc + matmul(a, b), the product used only there → one call that adds
/// the product into acc's buffer (credo_rt_matmul_acc_f32): a weight
/// gradient summed over time steps is added where it is computed, with no
/// product buffer to write and read back.
struct AccumulateMatmul : OpRewritePattern<mlir::credo::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::AddOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteTerm<mlir::credo::MatmulOp>(
        op, [&](mlir::credo::MatmulOp mm, Value acc) -> LogicalResult {
          std::optional<SmallVector<int64_t, 5>> scalars = matmulScalars(mm);
          if (!scalars)
            return failure();
          addInto(rewriter, op, mm, "credo_rt_matmul_acc_f32",
                  {mm.getLhs(), mm.getRhs()}, acc, *scalars);
          return success();
        });
  }
};

/// credo.spike_masks → credo_rt_spike_masks_f32(s, masks, B, K)
struct SpikeMasksToKernel : OpRewritePattern<mlir::credo::SpikeMasksOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SpikeMasksOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    auto s = cast<RankedTensorType>(op.getInput().getType());
    replaceWithKernel(rewriter, op, "credo_rt_spike_masks_f32", {op.getInput()},
                      {s.getDimSize(0), s.getDimSize(1)});
    return success();
  }
};

/// The scalars of credo_rt_spike_masks_matmul[_acc]_f32, [K, B, N]; none
/// when the product is not f32.
std::optional<SmallVector<int64_t, 3>>
spikeMasksMatmulScalars(mlir::credo::SpikeMasksMatmulOp op) {
  if (!isF32(op.getRhs()))
    return std::nullopt;
  auto d = cast<RankedTensorType>(op.getRhs().getType());
  return SmallVector<int64_t, 3>{int64_t(op.getWidth()), d.getDimSize(0),
                                 d.getDimSize(1)};
}

/// credo.spike_masks_matmul → credo_rt_spike_masks_matmul_f32(masks, d, y,
/// K, B, N)
struct SpikeMasksMatmulToKernel
    : OpRewritePattern<mlir::credo::SpikeMasksMatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SpikeMasksMatmulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t, 3>> scalars =
        spikeMasksMatmulScalars(op);
    if (!scalars)
      return failure();
    replaceWithKernel(rewriter, op, "credo_rt_spike_masks_matmul_f32",
                      {op.getMasks(), op.getRhs()}, *scalars);
    return success();
  }
};

/// acc + spike_masks_matmul(masks, d), the product used only there → one
/// call that adds it into acc's buffer, as AccumulateMatmul does.
struct AccumulateSpikeMasksMatmul : OpRewritePattern<mlir::credo::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::AddOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteTerm<mlir::credo::SpikeMasksMatmulOp>(
        op,
        [&](mlir::credo::SpikeMasksMatmulOp mm, Value acc) -> LogicalResult {
          std::optional<SmallVector<int64_t, 3>> scalars =
              spikeMasksMatmulScalars(mm);
          if (!scalars)
            return failure();
          addInto(rewriter, op, mm, "credo_rt_spike_masks_matmul_acc_f32",
                  {mm.getMasks(), mm.getRhs()}, acc, *scalars);
          return success();
        });
  }
};

/// dense(x, w[, b]) + c, the layer used only there, c of the sum's type →
/// one call (credo_rt_dense[_bias]_add_f32) that adds c where it stores
/// the layer's sums (the same sums): the input currents of a spiking layer
/// split into majority and residual spikes (the fixed part c = m·W computed
/// before the loop) are written once, with no product buffer to write and
/// read back. Of spikes whose masks are made before it,
/// credo_rt_spike_masks_dense[_bias]_add_f32 from the masks.
struct DenseAdd : OpRewritePattern<mlir::credo::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::AddOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteTerm<mlir::credo::DenseOp>(
        op, [&](mlir::credo::DenseOp dense, Value c) -> LogicalResult {
          if (!isF32(dense.getInput()))
            return failure();
          auto x = cast<RankedTensorType>(dense.getInput().getType());
          auto w = cast<RankedTensorType>(dense.getWeight().getType());
          Value masks = masksBefore(dense.getInput(), dense);
          SmallVector<Value> ins = {masks ? masks : dense.getInput(),
                                    dense.getWeight()};
          if (dense.getBias())
            ins.push_back(dense.getBias());
          ins.push_back(c);
          StringRef kernel =
              masks
                  ? (dense.getBias() ? "credo_rt_spike_masks_dense_bias_add_f32"
                                     : "credo_rt_spike_masks_dense_add_f32")
                  : (dense.getBias() ? "credo_rt_dense_bias_add_f32"
                                     : "credo_rt_dense_add_f32");
          replaceWithKernel(
              rewriter, op, kernel, ins,
              {x.getDimSize(0), x.getDimSize(1), w.getDimSize(1)});
          rewriter.eraseOp(dense);
          return success();
        });
  }
};

/// A two-operand credo.einsum that is a matrix product — operands and
/// result of rank 2, one letter shared by the operands and summed, the
/// others forming the result ("bi,bj->ij", "ij,jk->ik", "ij,kj->ki", …) →
/// credo_rt_matmul_f32 with the transposes the letters say (operands
/// swapped when the result lists the second operand's letter first). The
/// outer products and weight gradients that local and coagent rules write
/// as einsums then run as products, not loop nests.
struct MatrixEinsumToKernel : OpRewritePattern<mlir::credo::EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::EinsumOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getInputs().size() != 2 || !isF32(op.getResult()))
      return failure();
    FailureOr<SmallVector<std::string>> parts =
        mlir::credo::EinsumOp::parseSpec(op.getSpec());
    if (failed(parts))
      return failure();
    std::string l = (*parts)[0], r = (*parts)[1], o = (*parts)[2];
    if (l.size() != 2 || r.size() != 2 || o.size() != 2 || l[0] == l[1] ||
        r[0] == r[1] || o[0] == o[1])
      return failure();
    // The summed letter: in both operands, not in the result.
    auto summed = [&](char c) {
      return r.find(c) != std::string::npos && o.find(c) == std::string::npos;
    };
    char c = summed(l[0]) ? l[0] : summed(l[1]) ? l[1] : 0;
    if (!c)
      return failure();
    char li = l[0] == c ? l[1] : l[0], ri = r[0] == c ? r[1] : r[0];
    Value a = op.getInputs()[0], b = op.getInputs()[1];
    if (o == std::string{ri, li}) {
      std::swap(a, b);
      std::swap(l, r);
    } else if (o != std::string{li, ri}) {
      return failure();
    }
    bool ta = l[0] == c, tb = r[1] == c;
    auto y = cast<RankedTensorType>(op.getType());
    int64_t k = cast<RankedTensorType>(a.getType()).getDimSize(ta ? 0 : 1);
    if (leftToLinalg(k, y))
      return failure(); // an outer product: elementwise, fused into its users
    replaceWithKernel(rewriter, op, "credo_rt_matmul_f32", {a, b},
                      {y.getDimSize(0), k, y.getDimSize(1), ta, tb});
    return success();
  }
};

/// credo.sparse_contract → credo_rt_sparse_contract_f32(idx, w, x, y,
/// tuples, B, N, size, out column, in column); the kernel checks the pairs.
struct SparseContractToKernel
    : OpRewritePattern<mlir::credo::SparseContractOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::SparseContractOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    auto x = cast<RankedTensorType>(op.getInput().getType());
    auto w = cast<RankedTensorType>(op.getWeights().getType());
    ArrayRef<int64_t> columns = op.getColumns();
    // The generated check names the node; the kernel's own (which skips a
    // bad pair) then finds the call already failed.
    mlir::credo::linalg_builders::checkIndices(rewriter, op.getLoc(),
                                               op.getIndices(), columns[0],
                                               int64_t(op.getSize()));
    mlir::credo::linalg_builders::checkIndices(
        rewriter, op.getLoc(), op.getIndices(), columns[1], x.getDimSize(1));
    replaceWithKernel(rewriter, op, "credo_rt_sparse_contract_f32",
                      {op.getIndices(), op.getWeights(), op.getInput()},
                      {w.getNumElements(), x.getDimSize(0), x.getDimSize(1),
                       int64_t(op.getSize()), columns[0], columns[1]});
    return success();
  }
};

/// The weight gradient of a sparse contraction as its rule builds it,
/// einsum("bS,bS->S", gather(g, idx, c0), gather(x, idx, c1)) →
/// credo_rt_sparse_pair_dot_f32(idx, g, x, dw, tuples, B, outputs, inputs,
/// c0, c1): one dot product per pair, without the two [B, S] gathers.
struct PairDotToKernel : OpRewritePattern<mlir::credo::EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::EinsumOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getInputs().size() != 2 || !isF32(op.getResult()))
      return failure();
    auto a = op.getInputs()[0].getDefiningOp<mlir::credo::GatherOp>();
    auto b = op.getInputs()[1].getDefiningOp<mlir::credo::GatherOp>();
    if (!a || !b || a.getIndices() != b.getIndices())
      return failure();
    auto idx = cast<RankedTensorType>(a.getIndices().getType());
    if (idx.getShape().back() != 2)
      return failure();
    // "b<T>,b<T>-><T>" with T the tuple letters.
    FailureOr<SmallVector<std::string>> parts =
        mlir::credo::EinsumOp::parseSpec(op.getSpec());
    if (failed(parts) || (*parts)[0] != (*parts)[1] ||
        (*parts)[0].size() != (*parts)[2].size() + 1 ||
        (*parts)[0].substr(1) != (*parts)[2] ||
        (*parts)[2].find((*parts)[0][0]) != std::string::npos)
      return failure();
    auto g = cast<RankedTensorType>(a.getInput().getType());
    auto x = cast<RankedTensorType>(b.getInput().getType());
    replaceWithKernel(rewriter, op, "credo_rt_sparse_pair_dot_f32",
                      {a.getIndices(), a.getInput(), b.getInput()},
                      {idx.getNumElements() / 2, g.getDimSize(0),
                       g.getDimSize(1), x.getDimSize(1), int64_t(a.getColumn()),
                       int64_t(b.getColumn())});
    return success();
  }
};

/// The 13 sizes of a convolution's kernels: x [B,C,H,W], w [O,C,KH,KW],
/// strides, padding, and the output's [OH, OW].
SmallVector<int64_t> convSizes(ArrayRef<int64_t> x, ArrayRef<int64_t> w,
                               ArrayRef<int64_t> s, ArrayRef<int64_t> p,
                               ArrayRef<int64_t> y) {
  return {x[0], x[1], x[2], x[3], w[0], w[2], w[3],
          s[0], s[1], p[0], p[1], y[2], y[3]};
}

/// conv2d_grad_input → credo_rt_conv2d_grad_input_f32(dy, w, dx, 13 sizes,
/// layouts).
struct Conv2DGradInputToKernel
    : OpRewritePattern<mlir::credo::Conv2DGradInputOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::Conv2DGradInputOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getGrad()))
      return failure();
    auto dy = cast<RankedTensorType>(op.getGrad().getType());
    auto dx = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> scalars =
        convSizes(dx.getShape(),
                  cast<RankedTensorType>(op.getWeight().getType()).getShape(),
                  op.getStrides(), op.getPadding(), dy.getShape());
    scalars.push_back(/*layouts=*/0);
    rewriter.replaceOp(
        op,
        callImageKernel(rewriter, op.getLoc(), "credo_rt_conv2d_grad_input_f32",
                        {{op.getGrad(), true}, {op.getWeight(), false}}, {dx},
                        {true}, scalars, 13));
    return success();
  }
};

/// A reduce_sum of `dy` over batch and space (dims 0, 2, 3), the bias
/// gradient of the convolution whose output gradient `dy` is, if the same
/// block holds one that `before` may be moved to.
mlir::credo::ReduceSumOp findBiasGrad(Value dy, Operation *before) {
  for (Operation *user : dy.getUsers()) {
    auto sum = dyn_cast<mlir::credo::ReduceSumOp>(user);
    if (sum && sum.getDims() == ArrayRef<int64_t>{0, 2, 3} &&
        sum->getBlock() == before->getBlock() && before->isBeforeInBlock(sum))
      return sum;
  }
  return {};
}

/// conv2d_grad_weight → credo_rt_conv2d_grad_weight_f32(x, dy, dw, 13 sizes,
/// layouts); with a bias gradient reduce_sum of the same dy after it, both
/// come from credo_rt_conv2d_grad_weight_bias_f32(x, dy, dw, db, …).
struct Conv2DGradWeightToKernel
    : OpRewritePattern<mlir::credo::Conv2DGradWeightOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::Conv2DGradWeightOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    auto x = cast<RankedTensorType>(op.getInput().getType());
    auto dy = cast<RankedTensorType>(op.getGrad().getType());
    auto dw = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> scalars =
        convSizes(x.getShape(), dw.getShape(), op.getStrides(), op.getPadding(),
                  dy.getShape());
    scalars.push_back(/*layouts=*/0);
    SmallVector<KernelArg> ins = {{op.getInput(), true}, {op.getGrad(), true}};
    mlir::credo::ReduceSumOp bias = findBiasGrad(op.getGrad(), op);
    if (!bias) {
      rewriter.replaceOp(op, callImageKernel(rewriter, op.getLoc(),
                                             "credo_rt_conv2d_grad_weight_f32",
                                             ins, {dw}, {false}, scalars, 13));
      return success();
    }
    auto db = cast<RankedTensorType>(bias.getType());
    SmallVector<Value> results = callImageKernel(
        rewriter, op.getLoc(), "credo_rt_conv2d_grad_weight_bias_f32", ins,
        {dw, db}, {false, false}, scalars, 13);
    rewriter.replaceOp(op, results[0]);
    rewriter.replaceOp(bias, results[1]);
    return success();
  }
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

/// The 12 sizes of a pooling kernel: x [B,C,H,W], window, strides, padding
/// and the output's [OH, OW].
template <typename Op>
SmallVector<int64_t> poolSizes(Op op, ArrayRef<int64_t> x,
                               ArrayRef<int64_t> y) {
  ArrayRef<int64_t> k = op.getKernel(), p = op.getPadding();
  SmallVector<int64_t, 2> s =
      mlir::credo::MaxPool2DOp::effectiveStrides(k, op.getStrides());
  return {x[0], x[1], x[2], x[3], k[0], k[1],
          s[0], s[1], p[0], p[1], y[2], y[3]};
}

/// credo.max_pool2d / avg_pool2d → credo_rt_{max,avg}_pool2d_f32(x, y, 12
/// sizes, layouts)
template <typename PoolOp> struct Pool2DToKernel : OpRewritePattern<PoolOp> {
  Pool2DToKernel(MLIRContext *ctx, StringRef kernel)
      : OpRewritePattern<PoolOp>(ctx), kernel(kernel) {}
  LogicalResult matchAndRewrite(PoolOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    auto x = cast<RankedTensorType>(op.getInput().getType());
    auto y = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> scalars = poolSizes(op, x.getShape(), y.getShape());
    scalars.push_back(/*layouts=*/0);
    rewriter.replaceOp(op, callImageKernel(rewriter, op.getLoc(), kernel,
                                           {{op.getInput(), true}}, {y}, {true},
                                           scalars, 12));
    return success();
  }
  std::string kernel;
};

/// credo.max_pool2d_grad (and a relu_grad of its result by the same x) →
/// credo_rt_max_pool2d_grad_f32(dy, x, dx, 12 sizes, layouts, relu_mask),
/// for images whose channels block (the others keep the portable loops).
void rewriteMaxPoolGrad(PatternRewriter &rewriter,
                        mlir::credo::MaxPool2DGradOp op, Operation *root,
                        bool reluMask) {
  auto x = cast<RankedTensorType>(op.getInput().getType());
  auto dy = cast<RankedTensorType>(op.getGrad().getType());
  SmallVector<int64_t> scalars = poolSizes(op, x.getShape(), dy.getShape());
  scalars.push_back(/*layouts=*/0);
  scalars.push_back(reluMask);
  rewriter.setInsertionPoint(root);
  rewriter.replaceOp(
      root,
      callImageKernel(rewriter, op.getLoc(), "credo_rt_max_pool2d_grad_f32",
                      {{op.getGrad(), true}, {op.getInput(), true}}, {x},
                      {true}, scalars, 12));
}

struct MaxPool2DGradToKernel : OpRewritePattern<mlir::credo::MaxPool2DGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::MaxPool2DGradOp op,
                                PatternRewriter &rewriter) const override {
    if (!isBlockable(op.getInput().getType()))
      return failure();
    rewriteMaxPoolGrad(rewriter, op, op, false);
    return success();
  }
};

/// relu_grad(max_pool2d_grad(dy, x), x), the pooling gradient used only
/// there → one kernel call that masks with [x > 0].
struct FuseReluGradIntoMaxPoolGrad : OpRewritePattern<mlir::credo::ReluGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mlir::credo::ReluGradOp op,
                                PatternRewriter &rewriter) const override {
    auto pool = op.getGrad().getDefiningOp<mlir::credo::MaxPool2DGradOp>();
    if (!pool || !pool->hasOneUse() || pool.getInput() != op.getValue() ||
        !isBlockable(pool.getInput().getType()))
      return failure();
    rewriteMaxPoolGrad(rewriter, pool, op, true);
    rewriter.eraseOp(pool);
    return success();
  }
};

/// An elementwise op whose operands are all unpacked blocked images runs on
/// the blocked images; its result is unpacked instead, so that the next
/// kernel's pack folds away.
struct ElementwiseOnBlocked : RewritePattern {
  ElementwiseOnBlocked(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<mlir::credo::AddOp, mlir::credo::SubOp, mlir::credo::MulOp,
             mlir::credo::ReluGradOp, mlir::credo::SigmoidGradOp,
             mlir::credo::TanhGradOp, mlir::credo::SoftplusGradOp>(op))
      return failure();
    SmallVector<Value> blocked;
    for (Value v : op->getOperands()) {
      auto unpack = v.getDefiningOp<tensor::UnPackOp>();
      if (!unpack || (!blocked.empty() &&
                      unpack.getSourceType() != blocked.front().getType()))
        return failure();
      blocked.push_back(unpack.getSource());
    }
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    OperationState state(op->getLoc(), op->getName(), blocked,
                         {blocked.front().getType()}, op->getAttrs());
    Operation *onBlocked = rewriter.create(state);
    rewriter.replaceOp(
        op, fromBlocked(rewriter, op->getLoc(), onBlocked->getResult(0), type));
    return success();
  }
};

/// The packs and unpacks left → credo_rt_{to,from}_blocked_f32(x, y, B, C,
/// H, W), sized by the plain image.
template <typename Op> struct LayoutToKernel : OpRewritePattern<Op> {
  LayoutToKernel(MLIRContext *ctx, StringRef kernel)
      : OpRewritePattern<Op>(ctx), kernel(kernel) {}
  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    constexpr bool pack = std::is_same_v<Op, tensor::PackOp>;
    auto image = cast<RankedTensorType>(pack ? op.getSource().getType()
                                             : op.getResult().getType());
    ArrayRef<int64_t> s = image.getShape();
    replaceWithKernel(rewriter, op, kernel, {op.getSource()}, s);
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

/// Activations of fewer elements stay credo ops for the portable lowering:
/// generated loops, fused with their elementwise neighbours, cost less than
/// a kernel call (oneDNN's eltwise dispatch is about 0.3 us).
constexpr int64_t kMinActivationKernelElements = 4096;

/// Pointwise activations of at least kMinActivationKernelElements →
/// credo_rt_<name>_f32(x, y, n)
template <typename ActOp> struct ActivationToKernel : OpRewritePattern<ActOp> {
  ActivationToKernel(MLIRContext *ctx, StringRef kernel)
      : OpRewritePattern<ActOp>(ctx), kernel(kernel) {}
  LogicalResult matchAndRewrite(ActOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return failure();
    auto type = cast<RankedTensorType>(op.getInput().getType());
    if (type.getNumElements() < kMinActivationKernelElements)
      return failure();
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
    fusion.add<FuseReluIntoLayer, FuseReluGradIntoMaxPoolGrad, AccumulateMatmul,
               AccumulateSpikeMasksMatmul, DenseAdd>(&getContext());
    // Upstream's canonicalization folds pack(unpack(x)) to x.
    tensor::PackOp::getCanonicalizationPatterns(fusion, &getContext());
    tensor::UnPackOp::getCanonicalizationPatterns(fusion, &getContext());
    if (failed(applyPatternsAndFoldGreedily(module, std::move(fusion))))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    mlir::credo::populateCredoToDnnlPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(module, std::move(patterns))))
      return signalPassFailure();
    // One conversion per image: CSE merges the packs of one image (and
    // their empty destinations) where one dominates the other.
    IRRewriter rewriter(&getContext());
    DominanceInfo dominance(module);
    eliminateCommonSubExpressions(rewriter, dominance, module);
    RewritePatternSet layouts(&getContext());
    layouts.add<LayoutToKernel<tensor::PackOp>>(&getContext(),
                                                "credo_rt_to_blocked_f32");
    layouts.add<LayoutToKernel<tensor::UnPackOp>>(&getContext(),
                                                  "credo_rt_from_blocked_f32");
    if (failed(applyPatternsAndFoldGreedily(module, std::move(layouts))))
      return signalPassFailure();

    // Declare every kernel called, as the kernel table gives it (the
    // verifier checked each call against it): buffer addresses, then i64
    // scalars.
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    llvm::StringSet<> declared;
    module.walk([&](CallKernelOp call) {
      StringRef name = call.getKernel();
      if (!declared.insert(name).second || module.lookupSymbol(name))
        return;
      std::optional<mlir::credo::KernelSignature> abi =
          mlir::credo::lookupKernel(name);
      SmallVector<Type> args(abi->buffers,
                             LLVM::LLVMPointerType::get(&getContext()));
      args.append(abi->scalars, builder.getI64Type());
      auto decl = builder.create<func::FuncOp>(
          module.getLoc(), name, builder.getFunctionType(args, {}));
      decl.setPrivate();
    });
  }
};

} // namespace

void mlir::credo::populateCredoToDnnlPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns
      .add<DenseToKernel, Conv2DToKernel, MatmulToKernel, MatrixEinsumToKernel,
           SoftmaxToKernel, Conv2DGradInputToKernel, Conv2DGradWeightToKernel,
           MaxPool2DGradToKernel, ElementwiseOnBlocked, SparseContractToKernel,
           PairDotToKernel, SpikeMasksToKernel, SpikeMasksMatmulToKernel>(ctx);
  tensor::PackOp::getCanonicalizationPatterns(patterns, ctx);
  tensor::UnPackOp::getCanonicalizationPatterns(patterns, ctx);
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
