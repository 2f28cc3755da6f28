//===- CopyAliasedResults.cpp - Every result gets its own buffer -*- C++
//-*-===//
//
// Implements credo-copy-aliased-results: before bufferization, a function
// result that is a block argument, or a value returned more than once,
// becomes a bufferization.alloc_tensor copy, so that every result is a
// buffer the function owns (buffer-results-to-out-params relies on it).
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOCOPYALIASEDRESULTS
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {
struct CopyAliasedResults
    : public mlir::credo::impl::CredoCopyAliasedResultsBase<
          CopyAliasedResults> {
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      llvm::DenseSet<Value> seen;
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type)
          continue;
        bool first = seen.insert(v).second;
        if (first && !isa<BlockArgument>(v))
          continue;
        operand.set(b.create<bufferization::AllocTensorOp>(
            ret.getLoc(), type, ValueRange{}, /*copy=*/v));
      }
    });
  }
};
} // namespace
