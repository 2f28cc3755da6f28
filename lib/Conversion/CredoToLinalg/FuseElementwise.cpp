//===- FuseElementwise.cpp - Elementwise fusion without costly recompute --===//
//
// Implements credo-fuse-elementwise: MLIR's elementwise fusion patterns
// with a control that keeps a costly producer (a math op or a division in
// its body) out of a consumer that reads it broadcast, or that sums along
// its innermost loop.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOFUSEELEMENTWISE
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {

/// Whether computing `producer` once per element costs more than a load: a
/// transcendental or a division in its body.
bool costly(Operation *producer) {
  bool found = false;
  producer->walk([&](Operation *op) {
    if (isa<math::MathDialect>(op->getDialect()) ||
        isa<arith::DivFOp, arith::RemFOp>(op))
      found = true;
  });
  return found;
}

/// Most operations in the body of a fused op: each fusion copies both
/// bodies, so without a bound a chain of n elementwise nodes fused into
/// one loop took time growing as n² (an update expression of 16,000 terms
/// did not compile in 200 s; 5 s with the bound).
/// The largest fusion of the examples (a coagent step) has 292; a longer
/// chain becomes a few loops.
constexpr size_t kMaxFusedBody = 512;

size_t bodySize(Operation *op) {
  if (auto linalg = dyn_cast<linalg::LinalgOp>(op))
    return linalg.getBlock()->getOperations().size();
  return 0;
}

bool shouldFuse(OpOperand *fused) {
  Operation *producer = fused->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  if (bodySize(producer) + bodySize(fused->getOwner()) > kMaxFusedBody)
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  if (!consumer || !costly(producer))
    return true;
  if (!consumer.getMatchingIndexingMap(fused).isPermutation())
    return false;
  // Nor into a sum along its innermost loop (the exponentials of a softmax
  // into their row sums): that loop adds in order, one element at a time,
  // and would take the producer's arithmetic with it; on its own the
  // producer's loop is vectorized.
  SmallVector<utils::IteratorType> iterators = consumer.getIteratorTypesArray();
  return iterators.empty() ||
         iterators.back() != utils::IteratorType::reduction;
}

struct FuseElementwise
    : public mlir::credo::impl::CredoFuseElementwiseBase<FuseElementwise> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::ControlFusionFn control = shouldFuse;
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, control);
    GreedyRewriteConfig config;
    config.useTopDownTraversal = true;
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns),
                                            config)))
      return signalPassFailure();
  }
};

} // namespace
