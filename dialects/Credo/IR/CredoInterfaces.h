//===- CredoInterfaces.h - Credo op interfaces ------------------*- C++ -*-===//
//
// Declares the credo op interfaces (generated from CredoInterfaces.td).
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_IR_CREDOINTERFACES_H
#define CREDO_IR_CREDOINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include "Credo/IR/CredoInterfaces.h.inc"

#endif // CREDO_IR_CREDOINTERFACES_H
