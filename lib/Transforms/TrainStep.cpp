//===- TrainStep.cpp - Gradients + optimizer in one function ----*- C++ -*-===//
//
// Implements credo-train-step: @train_step is @gradients with the learning
// rate as an extra argument, returning the loss and every parameter after
// one optimizer step.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

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
    auto training = module->getAttrOfType<DictionaryAttr>("credo.training");
    auto optimizer =
        training ? training.getAs<DictionaryAttr>("optimizer") : nullptr;
    if (!optimizer) {
      module.emitError("credo-train-step: the model has no training "
                       "optimizer");
      return signalPassFailure();
    }
    auto type = optimizer.getAs<StringAttr>("type");
    auto momentum = optimizer.getAs<FloatAttr>("momentum");
    if (!type || type.getValue() != "sgd" ||
        (momentum && momentum.getValueAsDouble() != 0.0)) {
      module.emitError() << "credo-train-step: optimizer '"
                         << (type ? type.getValue() : "?")
                         << (momentum && momentum.getValueAsDouble() != 0.0
                                 ? "' with momentum"
                                 : "'")
                         << " is not supported yet (supported: sgd without "
                            "momentum)";
      return signalPassFailure();
    }
    double weightDecay = 0;
    if (auto wd = optimizer.getAs<FloatAttr>("weight_decay"))
      weightDecay = wd.getValueAsDouble();

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

    builder.setInsertionPoint(ret);
    SmallVector<Value> results = {ret.getOperand(0)};
    SmallVector<Attribute> names = {builder.getDictionaryAttr(
        builder.getNamedAttr("credo.name", builder.getStringAttr("loss")))};
    unsigned i = 1;
    for (ParamOp param : module.getOps<ParamOp>()) {
      // The parameter's current value: its read in the body, or a new one.
      Value current;
      for (Operation &op : body)
        if (auto read = dyn_cast<GetParamOp>(op))
          if (read.getName() == param.getSymName())
            current = read.getResult();
      if (!current) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToStart(&body);
        current = builder.create<GetParamOp>(
            param.getLoc(), param.getType(),
            FlatSymbolRefAttr::get(param.getSymNameAttr()));
      }
      NamedAttribute decay = builder.getNamedAttr(
          "weight_decay", builder.getF64FloatAttr(weightDecay));
      results.push_back(builder.create<SgdUpdateOp>(
          param.getLoc(), ValueRange{current, ret.getOperand(i++), lr},
          ArrayRef<NamedAttribute>{decay}));
      names.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
          "credo.name",
          builder.getStringAttr("new." + param.getSymName().str()))));
    }
    builder.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> types;
    for (Value v : results)
      types.push_back(v.getType());
    step.setFunctionType(
        builder.getFunctionType(step.getArgumentTypes(), types));
    step.setAllResultAttrs(names);
  }
};
} // namespace
