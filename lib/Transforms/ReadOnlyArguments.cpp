//===- ReadOnlyArguments.cpp - Arguments are never written ---------------===//
//
// Implements credo-read-only-arguments: every tensor argument of a function
// gets `bufferization.writable = false`, so that one-shot bufferization
// never writes into the caller's buffers (a model's inputs and parameters).
// A value computed from an argument in place — a time loop's state that
// starts as a parameter or an input — is then computed in a copy.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOREADONLYARGUMENTS
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {
struct ReadOnlyArguments
    : public mlir::credo::impl::CredoReadOnlyArgumentsBase<ReadOnlyArguments> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    BoolAttr no = BoolAttr::get(&getContext(), false);
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      if (isa<TensorType>(func.getArgument(i).getType()))
        func.setArgAttr(
            i, bufferization::BufferizationDialect::kWritableAttrName, no);
  }
};
} // namespace
