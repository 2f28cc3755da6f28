//===- CopyAliasedResults.cpp - Every result gets its own buffer -*- C++
//-*-===//
//
// Implements credo-copy-aliased-results: a function result that is a block
// argument, or a value returned more than once, becomes a copy — before
// bufferization a bufferization.alloc_tensor, after it a memref.alloc and
// a linalg.copy — so that every result is a buffer the function owns
// (buffer-results-to-out-params relies on it).
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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
        auto tensor = dyn_cast<RankedTensorType>(v.getType());
        auto memref = dyn_cast<MemRefType>(v.getType());
        if (!tensor && !(memref && memref.hasStaticShape()))
          continue;
        bool first = seen.insert(v).second;
        if (first && !isa<BlockArgument>(v))
          continue;
        if (tensor) {
          operand.set(b.create<bufferization::AllocTensorOp>(
              ret.getLoc(), tensor, ValueRange{}, /*copy=*/v));
          continue;
        }
        // After bufferization a result can be an argument written in place
        // (a state the step updates); buffer-results-to-out-params of MLIR
        // 19 crashes on a returned block argument.
        Value copy = b.create<memref::AllocOp>(
            ret.getLoc(),
            MemRefType::get(memref.getShape(), memref.getElementType()));
        b.create<linalg::CopyOp>(ret.getLoc(), v, copy);
        operand.set(copy);
      }
    });
  }
};
} // namespace
