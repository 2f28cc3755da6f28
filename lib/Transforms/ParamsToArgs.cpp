//===- ParamsToArgs.cpp - Parameters become function arguments --*- C++ -*-===//
//
// Implements credo-params-to-args: every function that reads a parameter,
// and every public entry point of a model with parameters (which a model
// instance calls with its buffers first, whether or not it reads them),
// takes all parameters as leading arguments; credo.get_param becomes a use
// of the argument, and the credo.param declarations are erased.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOPARAMSTOARGS
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {
struct ParamsToArgs
    : public mlir::credo::impl::CredoParamsToArgsBase<ParamsToArgs> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<mlir::credo::ParamOp> params(
        module.getOps<mlir::credo::ParamOp>());
    llvm::StringMap<unsigned> index;
    for (auto [i, p] : llvm::enumerate(params))
      index[p.getSymName()] = i;

    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      SmallVector<mlir::credo::GetParamOp> reads;
      func.walk([&](mlir::credo::GetParamOp op) { reads.push_back(op); });
      bool called = !SymbolTable::symbolKnownUseEmpty(func, module);
      // A helper (private or called) without reads keeps its signature; an
      // entry point gets the parameters even when it reads none (a model
      // whose outputs do not depend on a declared parameter).
      if (reads.empty() && (params.empty() || func.isPrivate() || called))
        continue;
      if (called) {
        func.emitError() << "credo-params-to-args: @" << func.getSymName()
                         << " is called; functions with parameters must be "
                            "entry points";
        return signalPassFailure();
      }
      OpBuilder builder(func);
      for (auto [i, p] : llvm::enumerate(params)) {
        auto attrs = builder.getDictionaryAttr(builder.getNamedAttr(
            "credo.param", builder.getStringAttr(p.getSymName())));
        func.insertArgument(i, p.getType(), attrs, p.getLoc());
      }
      for (mlir::credo::GetParamOp read : reads) {
        read.replaceAllUsesWith(func.getArgument(index[read.getName()]));
        read.erase();
      }
    }
    for (mlir::credo::ParamOp p : params)
      p.erase();
  }
};
} // namespace
