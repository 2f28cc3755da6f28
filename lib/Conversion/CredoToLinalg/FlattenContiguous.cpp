//===- FlattenContiguous.cpp - Elementwise ops as one loop ------*- C++ -*-===//
//
// Implements credo-flatten-contiguous: an all-parallel linalg.generic or
// linalg.copy with identity indexing maps on contiguous memrefs (and any
// number of scalars, such as an optimizer's learning rate) runs on
// one-dimensional views of its operands, so it lowers to a single loop.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOFLATTENCONTIGUOUS
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {

/// Whether `op` visits every element of every operand in memory order
/// (scalar operands aside).
bool isContiguousElementwise(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp, linalg::CopyOp>(op.getOperation()) ||
      !op.hasPureBufferSemantics() || op.getNumLoops() < 2 ||
      op.getNumParallelLoops() != op.getNumLoops())
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (type && type.getRank() == 0 && map.getNumResults() == 0 &&
        !op.isDpsInit(&operand))
      continue; // a scalar, the same at every element
    if (!type || !map.isIdentity() || !type.getLayout().isIdentity() ||
        type.getRank() != static_cast<int64_t>(op.getNumLoops()))
      return false;
  }
  bool readsIndex = false;
  op->walk([&](linalg::IndexOp) { readsIndex = true; });
  return !readsIndex;
}

struct FlattenContiguous
    : public mlir::credo::impl::CredoFlattenContiguousBase<FlattenContiguous> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Loops of one iteration (a batch of one, a reduction over one sample)
    // first: without them more ops are elementwise, and the rest index
    // their operands directly.
    SmallVector<linalg::GenericOp> withUnitLoops;
    // Only generics whose operands are indexed by loops alone: dropping a
    // unit loop from a sum such as 2·j + q (a strided convolution's
    // gradient) leaves q indexing an operand longer than q's range, which
    // linalg then rejects.
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureBufferSemantics() &&
          llvm::is_contained(op.getStaticLoopRanges(), 1) &&
          llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
            return map.isProjectedPermutation(/*allowZeroInResults=*/true);
          }))
        withUnitLoops.push_back(op);
    });
    linalg::ControlDropUnitDims control;
    for (linalg::GenericOp op : withUnitLoops) {
      rewriter.setInsertionPoint(op);
      (void)linalg::dropUnitDims(rewriter, op, control);
    }
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isContiguousElementwise(op))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp op : candidates) {
      ReassociationIndices all;
      for (unsigned i = 0, e = op.getNumLoops(); i < e; ++i)
        all.push_back(i);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::CollapseResult> collapsed =
          linalg::collapseOpIterationDims(op, {all}, rewriter);
      if (failed(collapsed))
        continue; // Left as it is: still correct, only nested.
      rewriter.replaceOp(op, collapsed->results);
    }
  }
};

} // namespace
