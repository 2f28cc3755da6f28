//===- CredoInterfaces.cpp - Credo op interfaces ----------------*- C++ -*-===//
//
// Instantiates the generated interface definitions.
//
//===----------------------------------------------------------------------===//

#include "Credo/IR/CredoInterfaces.h"

#include "Credo/IR/CredoInterfaces.cpp.inc"
