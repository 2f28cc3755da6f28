//===- CredoOps.h - Credo ops ------------------------------------*- C++
//-*-===//
//
// Declares every op of the credo dialect (generated from CredoOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_IR_CREDOOPS_H
#define CREDO_IR_CREDOOPS_H

#include "Credo/IR/CredoDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>
#include <optional>

namespace mlir::credo {
/// A kernel of the runtime that credo.call_kernel may call, from the one
/// table of the kernel ABI (runtime/include/credo/kernels.def): `buffers`
/// pointers (inputs, then the output), then `scalars` int64 values.
struct KernelSignature {
  StringRef name;
  unsigned buffers, scalars;
};
/// The table's entry for `name`, or nullopt when it is not a kernel.
std::optional<KernelSignature> lookupKernel(StringRef name);
} // namespace mlir::credo

#define GET_OP_CLASSES
#include "Credo/IR/CredoOps.h.inc"

#endif // CREDO_IR_CREDOOPS_H
