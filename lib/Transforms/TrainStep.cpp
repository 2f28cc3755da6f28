//===- TrainStep.cpp - Gradients + optimizer in one function ----*- C++ -*-===//
//
// Implements credo-train-step: @train_step is @gradients with the learning
// rate as an extra argument, returning the loss and every parameter after
// one optimizer step.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "FuncResults.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
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
    auto training = module->getAttrOfType<DictionaryAttr>("credo.training");
    auto optimizer =
        training ? training.getAs<DictionaryAttr>("optimizer") : nullptr;
    if (!optimizer) {
      module.emitError("credo-train-step: the model has no training "
                       "optimizer");
      return signalPassFailure();
    }
    auto type = optimizer.getAs<StringAttr>("type");
    auto number = [&](StringRef key, double def) {
      auto a = optimizer.getAs<FloatAttr>(key);
      return a ? a.getValueAsDouble() : def;
    };
    double momentum = number("momentum", 0.0);
    double weightDecay = number("weight_decay", 0.0);
    bool adam = type && type.getValue() == "adam";
    if (!type || (!adam && type.getValue() != "sgd")) {
      module.emitError() << "credo-train-step: unknown optimizer '"
                         << (type ? type.getValue() : "?")
                         << "' (supported: sgd, adam)";
      return signalPassFailure();
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

    // Optimizer state lives in parameters of its own, initialized to zero
    // and saved in checkpoints with the weights.
    SmallVector<ParamOp> params(module.getOps<ParamOp>());
    OpBuilder declare = OpBuilder::atBlockEnd(module.getBody());
    declare.setInsertionPointAfter(params.empty() ? nullptr : params.back());
    auto stateParam = [&](StringRef name, RankedTensorType t) -> ParamOp {
      if (module.lookupSymbol(name)) {
        module.emitError() << "credo-train-step: the optimizer state '" << name
                           << "' clashes with a name of the model";
        return nullptr;
      }
      return declare.create<ParamOp>(
          module.getLoc(), declare.getStringAttr(name), TypeAttr::get(t),
          InitAttr::get(module.getContext(), InitKind::Zeros, APFloat(0.0),
                        APFloat(0.0), APFloat(0.0), APFloat(0.0), APFloat(0.0),
                        0));
    };
    auto readParam = [&](ParamOp param) -> Value {
      for (Operation &op : body)
        if (auto read = dyn_cast<GetParamOp>(op))
          if (read.getName() == param.getSymName())
            return read.getResult();
      OpBuilder::InsertionGuard guard(builder);
      builder.setInsertionPointToStart(&body);
      return builder.create<GetParamOp>(
          param.getLoc(), param.getType(),
          FlatSymbolRefAttr::get(param.getSymNameAttr()));
    };

    builder.setInsertionPoint(ret);
    llvm::StringMap<Value> updated;
    Value stepCount;
    if (adam) {
      ParamOp t = stateParam("adam_step", cast<RankedTensorType>(lossType));
      if (!t)
        return signalPassFailure();
      Value one = builder.create<arith::ConstantOp>(
          t.getLoc(),
          DenseElementsAttr::get(
              t.getTensorType(),
              builder.getFloatAttr(t.getTensorType().getElementType(), 1.0)));
      stepCount =
          builder.create<AddOp>(t.getLoc(), ValueRange{readParam(t), one},
                                ArrayRef<NamedAttribute>{});
      updated["adam_step"] = stepCount;
    }
    unsigned i = 1;
    for (ParamOp param : params) {
      Value w = readParam(param), g = ret.getOperand(i++);
      NamedAttribute decay = builder.getNamedAttr(
          "weight_decay", builder.getF64FloatAttr(weightDecay));
      if (adam) {
        ParamOp m = stateParam((param.getSymName() + "_adam_m").str(),
                               param.getTensorType());
        ParamOp v = stateParam((param.getSymName() + "_adam_v").str(),
                               param.getTensorType());
        if (!m || !v)
          return signalPassFailure();
        auto op = builder.create<AdamUpdateOp>(
            param.getLoc(),
            ValueRange{w, g, readParam(m), readParam(v), lr, stepCount},
            ArrayRef<NamedAttribute>{
                builder.getNamedAttr(
                    "beta1", builder.getF64FloatAttr(number("beta1", 0.9))),
                builder.getNamedAttr(
                    "beta2", builder.getF64FloatAttr(number("beta2", 0.999))),
                builder.getNamedAttr(
                    "eps", builder.getF64FloatAttr(number("eps", 1e-8))),
                decay});
        updated[param.getSymName()] = op.getNewParam();
        updated[m.getSymName()] = op.getNewM();
        updated[v.getSymName()] = op.getNewV();
      } else if (momentum != 0.0) {
        ParamOp v = stateParam((param.getSymName() + "_velocity").str(),
                               param.getTensorType());
        if (!v)
          return signalPassFailure();
        auto op = builder.create<SgdMomentumUpdateOp>(
            param.getLoc(), ValueRange{w, g, readParam(v), lr},
            ArrayRef<NamedAttribute>{
                builder.getNamedAttr("momentum",
                                     builder.getF64FloatAttr(momentum)),
                decay});
        updated[param.getSymName()] = op.getNewParam();
        updated[v.getSymName()] = op.getNewVelocity();
      } else {
        updated[param.getSymName()] =
            builder.create<SgdUpdateOp>(param.getLoc(), ValueRange{w, g, lr},
                                        ArrayRef<NamedAttribute>{decay});
      }
    }
    // Results: the loss, then every parameter (state included) in
    // declaration order.
    SmallVector<Value> results = {ret.getOperand(0)};
    SmallVector<Attribute> names = {builder.getDictionaryAttr(
        builder.getNamedAttr("credo.name", builder.getStringAttr("loss")))};
    for (ParamOp param : module.getOps<ParamOp>()) {
      results.push_back(updated.lookup(param.getSymName()));
      names.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
          "credo.name",
          builder.getStringAttr("new." + param.getSymName().str()))));
    }
    replaceResults(step, results, names);
  }
};
} // namespace
