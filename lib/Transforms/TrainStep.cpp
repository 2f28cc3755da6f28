//===- TrainStep.cpp - Gradients + optimizer in one function ----*- C++ -*-===//
//
// Implements credo-train-step: @train_step is @gradients with the learning
// rate as an extra argument, returning the loss and every parameter after
// one optimizer step.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"

#include "FuncResults.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOTRAINSTEP
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {
struct TrainStep : public mlir::credo::impl::CredoTrainStepBase<TrainStep> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto gradients = module.lookupSymbol<func::FuncOp>("gradients");
    if (!gradients) {
      module.emitError("credo-train-step: the module has no @gradients "
                       "(run credo-autodiff first)");
      return signalPassFailure();
    }
    if (module.lookupSymbol("train_step")) {
      module.emitError("credo-train-step: the module already has @train_step");
      return signalPassFailure();
    }
    FailureOr<std::optional<TrainingContract>> contract =
        TrainingContract::read(module);
    if (failed(contract))
      return signalPassFailure();
    if (!*contract) {
      module.emitError("credo-train-step: the model has no training "
                       "section");
      return signalPassFailure();
    }
    // @gradients returns the loss, then grad.NAME per parameter of the
    // module in declaration order (credo-autodiff's contract).
    {
      unsigned r = 1;
      for (ParamOp param : module.getOps<ParamOp>()) {
        auto name =
            r < gradients.getNumResults()
                ? gradients.getResultAttrOfType<StringAttr>(r, "credo.name")
                : StringAttr();
        if (!name || name.getValue() != "grad." + param.getSymName().str()) {
          gradients.emitError()
              << "credo-train-step: @gradients should return grad."
              << param.getSymName() << " as result " << r
              << " (the loss, then each parameter's gradient in declaration "
                 "order, as credo-autodiff builds it)";
          return signalPassFailure();
        }
        ++r;
      }
      if (gradients.getNumResults() == 0 ||
          (r == 1 && llvm::any_of(llvm::seq(gradients.getNumArguments()),
                                  [&](unsigned i) {
                                    return gradients.getArgAttr(i,
                                                                "credo.param");
                                  }))) {
        gradients.emitError("credo-train-step: the module declares no "
                            "parameters to update (credo-params-to-args "
                            "runs after credo-train-step)");
        return signalPassFailure();
      }
    }
    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(gradients);
    auto step = cast<func::FuncOp>(builder.clone(*gradients));
    step.setName("train_step");
    Block &body = step.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Type lossType = ret.getOperand(0).getType();
    unsigned lrIndex = step.getNumArguments();
    step.insertArgument(lrIndex, lossType,
                        builder.getDictionaryAttr(builder.getNamedAttr(
                            "credo.name", builder.getStringAttr("lr"))),
                        step.getLoc());
    Value lr = step.getArgument(lrIndex);

    // @gradients returns the loss, then grad.NAME per parameter in
    // declaration order.
    builder.setInsertionPoint(ret);
    SmallVector<ParamUpdate> updates;
    unsigned i = 1;
    for (ParamOp param : module.getOps<ParamOp>()) {
      Value w = readParam(builder, step, param);
      Value g = ret.getOperand(i++);
      // Integer parameters (state), fixed ones and those whose direction
      // is a constant zero (a rule that does not train them) stay as they
      // are.
      if (!isa<FloatType>(param.getTensorType().getElementType()) ||
          param.getFixed())
        continue;
      DenseElementsAttr constant;
      if (matchPattern(g, m_Constant(&constant)) && constant.isSplat() &&
          constant.getSplatValue<APFloat>().isZero())
        continue;
      updates.push_back({param.getSymName(), w, g, param.getTensorType()});
    }
    FailureOr<SmallVector<Value>> next = applyOptimizer(
        builder, module, step, (*contract)->optimizer, lr, updates);
    if (failed(next)) {
      step.erase();
      return signalPassFailure();
    }
    // A rule's state parameters: @gradients returns their next values as
    // results named state.NAME; they pass through unchanged.
    llvm::StringMap<Value> stateNext;
    for (unsigned r = 0; r < step.getNumResults(); ++r)
      if (auto n = step.getResultAttrOfType<StringAttr>(r, "credo.name"))
        if (n.getValue().starts_with("state."))
          stateNext[n.getValue().drop_front(6)] = ret.getOperand(r);
    // Results: the loss, then every parameter (state included) in
    // declaration order.
    returnNextParams(builder, module, step, ret.getOperand(0),
                     builder.getDictionaryAttr(builder.getNamedAttr(
                         "credo.name", builder.getStringAttr("loss"))),
                     *next, stateNext);
  }
};
} // namespace
