//===- MakeOp.h - Build a one-result credo op -------------------*- C++ -*-===//
//
// Passes that emit credo ops (gradient rules, learning rules, time-loop
// rewrites) build them from operands and attributes, their result type
// inferred.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_TRANSFORMS_MAKEOP_H
#define CREDO_LIB_TRANSFORMS_MAKEOP_H

#include "mlir/IR/Builders.h"

namespace mlir::credo {

/// Creates `Op` (one result, type inferred) and returns its result.
template <typename Op>
Value make(OpBuilder &b, Location loc, ValueRange operands,
           ArrayRef<NamedAttribute> attrs = {}) {
  return b.create<Op>(loc, operands, attrs).getResult();
}

} // namespace mlir::credo

#endif // CREDO_LIB_TRANSFORMS_MAKEOP_H
