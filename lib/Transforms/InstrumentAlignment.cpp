//===- InstrumentAlignment.cpp - A rule's update against backprop -*- C++ -*-=//
//
// Implements credo-instrument-alignment: @alignment(inputs…) runs the
// rule's @gradients and the exact @exact_gradients of the same loss on the
// same batch and returns, per parameter, the two directions, whose angle
// and norm ratio the driver reports (from their dot product and squared
// norms, summed in double: f32 sums read a 1° angle between two
// 200,000-element directions as 0.93°).
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "MakeOp.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOINSTRUMENTALIGNMENT
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// The results of `func`'s body cloned at `b`'s insertion point, by their
/// `credo.name`.
llvm::StringMap<Value> inlineBody(OpBuilder &b, func::FuncOp func,
                                  ValueRange args) {
  IRMapping map;
  map.map(func.getArguments(), args);
  llvm::StringMap<Value> results;
  for (Operation &op : func.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, v] : llvm::enumerate(ret.getOperands()))
        if (auto n = func.getResultAttrOfType<StringAttr>(i, "credo.name"))
          results[n.getValue()] = map.lookupOrDefault(v);
      break;
    }
    b.clone(op, map);
  }
  return results;
}

struct InstrumentAlignment
    : public mlir::credo::impl::CredoInstrumentAlignmentBase<
          InstrumentAlignment> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto rule = module.lookupSymbol<func::FuncOp>("gradients");
    auto exact = module.lookupSymbol<func::FuncOp>("exact_gradients");
    if (!rule) {
      module.emitError("credo-instrument-alignment: the module has no "
                       "@gradients (the learning rule publishes its update "
                       "direction there; this one does not)");
      return signalPassFailure();
    }
    if (!exact) {
      module.emitError("credo-instrument-alignment: the module has no "
                       "@exact_gradients (run credo-autodiff with "
                       "name=exact_gradients first)");
      return signalPassFailure();
    }
    if (rule.getFunctionType().getInputs() !=
        exact.getFunctionType().getInputs()) {
      module.emitError("credo-instrument-alignment: @gradients and "
                       "@exact_gradients take different arguments");
      return signalPassFailure();
    }
    if (module.lookupSymbol("alignment")) {
      module.emitError("credo-instrument-alignment: the module already has "
                       "@alignment");
      return signalPassFailure();
    }
    OpBuilder b(module.getContext());
    b.setInsertionPointAfter(exact);
    auto fn = b.create<func::FuncOp>(
        rule.getLoc(), "alignment",
        b.getFunctionType(rule.getFunctionType().getInputs(), {}));
    fn.setAllArgAttrs(rule.getAllArgAttrs());
    Block *body = fn.addEntryBlock();
    b.setInsertionPointToStart(body);
    llvm::StringMap<Value> ours = inlineBody(b, rule, body->getArguments());
    llvm::StringMap<Value> theirs = inlineBody(b, exact, body->getArguments());

    SmallVector<Value> results;
    SmallVector<Attribute> names;
    Location loc = rule.getLoc();
    // Per trained parameter: the rule's direction and the exact one.
    for (ParamOp param : module.getOps<ParamOp>()) {
      if (param.getFixed() ||
          !isa<FloatType>(param.getTensorType().getElementType()))
        continue;
      std::string key = "grad." + param.getSymName().str();
      Value r = ours.lookup(key), g = theirs.lookup(key);
      if (!r || !g)
        continue;
      for (auto [suffix, v] : {std::pair{"rule", r}, {"exact", g}}) {
        results.push_back(v);
        names.push_back(b.getDictionaryAttr(b.getNamedAttr(
            "credo.name", b.getStringAttr("align." + param.getSymName().str() +
                                          "." + suffix))));
      }
    }
    b.create<func::ReturnOp>(loc, results);
    fn.setFunctionType(b.getFunctionType(fn.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
    fn.setAllResultAttrs(names);
    exact.erase();
  }
};

} // namespace
