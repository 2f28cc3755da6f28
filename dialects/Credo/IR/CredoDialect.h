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

#endif // CREDO_IR_CREDODIALECT_H
