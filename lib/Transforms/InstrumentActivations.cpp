//===- InstrumentActivations.cpp - Dying-ReLU counters ----------*- C++ -*-===//
//
// Implements credo-instrument-activations: @train_step also returns, for
// every ReLU, the per-unit count of positive outputs in the batch, computed
// in the compiled step ([y > 0] as relu_grad(1, y), summed over all but the
// unit dimension). A ReLU inside a time loop gets a warning instead.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "FuncResults.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOINSTRUMENTACTIVATIONS
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

struct InstrumentActivations
    : public mlir::credo::impl::CredoInstrumentActivationsBase<
          InstrumentActivations> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto step = module.lookupSymbol<func::FuncOp>("train_step");
    if (!step || step.isExternal()) {
      module.emitError("credo-instrument-activations: the module has no "
                       "@train_step (run credo-train-step first)");
      return signalPassFailure();
    }
    Block &body = step.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    // The ReLUs of the step's own block; one inside a time loop has a value
    // per step, which the step does not return: it is named, not counted.
    SmallVector<ReluOp> relus;
    for (auto op : body.getOps<ReluOp>())
      if (cast<RankedTensorType>(op.getType()).getRank() >= 2)
        relus.push_back(op);
    llvm::StringSet<> warned;
    step.walk([&](ReluOp op) {
      if (op->getBlock() == &body)
        return;
      std::string node = nodeOf(op).str();
      if (warned.insert(node).second)
        op.emitWarning() << "the activation report does not count this ReLU: "
                            "it is inside a time loop";
    });
    OpBuilder builder(ret);
    SmallVector<Value> results(ret.getOperands());
    SmallVector<Attribute> names = resultAttrsOf(step);
    for (auto [i, relu] : llvm::enumerate(relus)) {
      auto type = cast<RankedTensorType>(relu.getType());
      Location loc = relu.getLoc();
      Value one = builder.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(
                   type, builder.getFloatAttr(type.getElementType(), 1.0)));
      Value positive = builder.create<ReluGradOp>(
          loc, ValueRange{one, relu.getResult()}, ArrayRef<NamedAttribute>{});
      SmallVector<int64_t> dims;
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (d != 1)
          dims.push_back(d);
      results.push_back(builder.create<ReduceSumOp>(
          loc, ValueRange{positive},
          ArrayRef<NamedAttribute>{builder.getNamedAttr(
              "dims", builder.getDenseI64ArrayAttr(dims))}));
      std::string node = nodeOf(relu).str();
      if (node.empty())
        node = "relu" + std::to_string(i);
      names.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
          "credo.name", builder.getStringAttr("active." + node))));
    }
    replaceResults(step, results, names);
  }
};

} // namespace
