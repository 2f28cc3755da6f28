//===- CredoDialect.h - Credo dialect and attributes ------------*- C++ -*-===//
//
// Declares the credo dialect class, its enums and its attributes. Include
// CredoOps.h for the ops.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_IR_CREDODIALECT_H
#define CREDO_IR_CREDODIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "Credo/IR/CredoDialect.h.inc"
#include "Credo/IR/CredoEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "Credo/IR/CredoAttrs.h.inc"

namespace mlir::credo {
/// The graph node `op` implements (its `credo.node`), or "" for an op that
/// no node became (one a pass added).
inline StringRef nodeOf(Operation *op) {
  if (auto name = op->getAttrOfType<StringAttr>(CredoDialect::kNodeAttrName))
    return name.getValue();
  return "";
}
} // namespace mlir::credo

#endif // CREDO_IR_CREDODIALECT_H
