//===- Autodiff.cpp - Reverse-mode differentiation of a model ---*- C++ -*-===//
//
// Implements credo-autodiff: @gradients = @forward up to the loss, then the
// reverse sweep over the ops that depend on a parameter (or a requested
// input), asking each op's DifferentiableOpInterface for operand gradients
// and summing the gradients of values used more than once.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "FuncResults.h"
#include "NodeName.h"

#include "Credo/IR/CredoInterfaces.h"
#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOAUTODIFF
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

struct Autodiff : public mlir::credo::impl::CredoAutodiffBase<Autodiff> {
  using CredoAutodiffBase::CredoAutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || forward.isExternal()) {
      module.emitError("credo-autodiff: the module has no @forward function");
      return signalPassFailure();
    }
    if (module.lookupSymbol("gradients")) {
      module.emitError("credo-autodiff: the module already has @gradients");
      return signalPassFailure();
    }
    std::string lossName = loss;
    if (lossName.empty())
      if (auto training =
              module->getAttrOfType<DictionaryAttr>("credo.training"))
        if (auto l = training.getAs<StringAttr>("loss"))
          lossName = l.str();
    if (lossName.empty()) {
      module.emitError("credo-autodiff: no loss given (the model has no "
                       "training section; pass loss=NODE)");
      return signalPassFailure();
    }

    // @gradients starts as a copy of @forward.
    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(forward);
    auto grads = cast<func::FuncOp>(builder.clone(*forward));
    grads.setName("gradients");
    Block &body = grads.getBody().front();
    // The loss: a result of @forward of that name, else the op whose
    // location names the node.
    Operation *lossOp = nullptr;
    Operation *ret = body.getTerminator();
    for (unsigned i = 0; i < grads.getNumResults(); ++i)
      if (auto n = grads.getResultAttrOfType<StringAttr>(i, "credo.name"))
        if (n.getValue() == lossName)
          lossOp = ret->getOperand(i).getDefiningOp();
    for (Operation &op : body)
      if (!lossOp && nodeName(op.getLoc()) == lossName &&
          op.getNumResults() == 1)
        lossOp = &op;
    if (!lossOp) {
      grads.erase();
      module.emitError() << "credo-autodiff: no node named '" << lossName
                         << "' in @forward";
      return signalPassFailure();
    }
    Value lossValue = lossOp->getResult(0);
    auto lossType = dyn_cast<RankedTensorType>(lossValue.getType());
    if (!lossType || lossType.getRank() != 0) {
      lossOp->emitError() << "is the loss, so it must be a scalar (rank 0), "
                             "but it is "
                          << lossValue.getType();
      grads.erase();
      return signalPassFailure();
    }

    // Which values depend on what we differentiate with respect to.
    llvm::DenseSet<Value> active;
    SmallVector<Value> wrtInputValues;
    for (const std::string &name : wrtInputs) {
      std::optional<unsigned> index;
      for (unsigned i = 0; i < grads.getNumArguments(); ++i)
        if (auto n = grads.getArgAttrOfType<StringAttr>(i, "credo.name"))
          if (n.getValue() == name)
            index = i;
      if (!index) {
        grads.erase();
        module.emitError() << "credo-autodiff: @forward has no input '" << name
                           << "'";
        return signalPassFailure();
      }
      wrtInputValues.push_back(grads.getArgument(*index));
      active.insert(grads.getArgument(*index));
    }
    for (Operation &op : body) {
      if (isa<GetParamOp>(op) || llvm::any_of(op.getOperands(), [&](Value v) {
            return active.contains(v);
          }))
        for (Value r : op.getResults())
          active.insert(r);
      if (&op == lossOp)
        break;
    }

    // The reverse sweep, inserted before the old return.
    builder.setInsertionPoint(body.getTerminator());
    llvm::DenseMap<Value, Value> gradOf;
    gradOf[lossValue] = builder.create<arith::ConstantOp>(
        lossOp->getLoc(),
        DenseElementsAttr::get(
            lossType, builder.getFloatAttr(lossType.getElementType(), 1.0)));
    auto accumulate = [&](Value v, Value g, Location loc) {
      auto [it, inserted] = gradOf.try_emplace(v, g);
      if (!inserted)
        it->second = builder.create<AddOp>(loc, ValueRange{it->second, g},
                                           ArrayRef<NamedAttribute>{});
    };
    SmallVector<Operation *> ops;
    for (Operation &op : body) {
      ops.push_back(&op);
      if (&op == lossOp)
        break;
    }
    for (Operation *op : llvm::reverse(ops)) {
      // One gradient per result; an op none reaches has nothing to pass on.
      SmallVector<Value> resultGrads;
      for (Value r : op->getResults())
        resultGrads.push_back(gradOf.lookup(r));
      if (llvm::all_of(resultGrads, [](Value g) { return !g; }))
        continue;
      SmallVector<bool> needed;
      for (Value v : op->getOperands())
        needed.push_back(active.contains(v));
      if (!llvm::is_contained(needed, true))
        continue;
      auto rule = dyn_cast<DifferentiableOpInterface>(op);
      if (!rule) {
        op->emitError() << "'" << op->getName()
                        << "' has no gradient rule, so credo-autodiff cannot "
                           "differentiate through it";
        grads.erase();
        return signalPassFailure();
      }
      SmallVector<Value> operandGrads;
      if (failed(rule.buildGradients(builder, resultGrads, needed,
                                     operandGrads))) {
        grads.erase();
        return signalPassFailure();
      }
      for (auto [operand, g] : llvm::zip(op->getOperands(), operandGrads))
        if (g)
          accumulate(operand, g, op->getLoc());
    }

    // Results: the loss, each parameter's gradient (summed over its reads;
    // zeros if unused), then the requested inputs' gradients.
    SmallVector<Value> results = {lossValue};
    SmallVector<Attribute> resultAttrs = {builder.getDictionaryAttr(
        builder.getNamedAttr("credo.name", builder.getStringAttr("loss")))};
    auto named = [&](StringRef name) {
      return builder.getDictionaryAttr(builder.getNamedAttr(
          "credo.name", builder.getStringAttr("grad." + name.str())));
    };
    auto zeros = [&](Type type) -> Value {
      auto t = cast<RankedTensorType>(type);
      return builder.create<arith::ConstantOp>(
          grads.getLoc(),
          DenseElementsAttr::get(
              t, builder.getFloatAttr(t.getElementType(), 0.0)));
    };
    for (ParamOp param : module.getOps<ParamOp>()) {
      Value total;
      for (Operation &op : body)
        if (auto read = dyn_cast<GetParamOp>(op))
          if (read.getName() == param.getSymName())
            if (Value g = gradOf.lookup(read.getResult()))
              total = total ? builder.create<AddOp>(read.getLoc(),
                                                    ValueRange{total, g},
                                                    ArrayRef<NamedAttribute>{})
                            : g;
      results.push_back(total ? total : zeros(param.getType()));
      resultAttrs.push_back(named(param.getSymName()));
    }
    for (auto [name, value] : llvm::zip(wrtInputs, wrtInputValues)) {
      Value g = gradOf.lookup(value);
      results.push_back(g ? g : zeros(value.getType()));
      resultAttrs.push_back(named(name));
    }
    replaceResults(grads, results, resultAttrs);
  }
};

} // namespace
