//===- FuncResults.h - Replace what a function returns ----------*- C++ -*-===//
//
// Passes that add results to a function (the updated parameters, the
// activation statistics) replace its return, its type and its result names
// in one step.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_TRANSFORMS_FUNCRESULTS_H
#define CREDO_LIB_TRANSFORMS_FUNCRESULTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::credo {

/// Makes `func` return `results`, named by `resultAttrs` (one dictionary per
/// result), in place of its current return.
inline void replaceResults(func::FuncOp func, ValueRange results,
                           ArrayRef<Attribute> resultAttrs) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  OpBuilder builder(ret);
  builder.create<func::ReturnOp>(ret.getLoc(), results);
  ret.erase();
  func.setFunctionType(builder.getFunctionType(func.getArgumentTypes(),
                                               TypeRange(ValueRange(results))));
  func.setAllResultAttrs(resultAttrs);
}

/// The result attributes of `func`, one dictionary per result (empty ones
/// where it has none).
inline SmallVector<Attribute> resultAttrsOf(func::FuncOp func) {
  SmallVector<Attribute> attrs;
  for (unsigned i = 0; i < func.getNumResults(); ++i) {
    DictionaryAttr d = func.getResultAttrDict(i);
    attrs.push_back(d ? d : DictionaryAttr::get(func.getContext()));
  }
  return attrs;
}

} // namespace mlir::credo

#endif // CREDO_LIB_TRANSFORMS_FUNCRESULTS_H
