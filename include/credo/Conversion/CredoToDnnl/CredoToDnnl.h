//===- CredoToDnnl.h - credo → oneDNN kernel calls --------------*- C++ -*-===//
//
// The CPU fast path: patterns that turn credo ops into credo.call_kernel of
// the runtime's oneDNN kernels, and the bufferization of credo.call_kernel.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_CONVERSION_CREDOTODNNL_CREDOTODNNL_H
#define CREDO_CONVERSION_CREDOTODNNL_CREDOTODNNL_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
class RewritePatternSet;
namespace func {
class FuncDialect;
} // namespace func
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace memref {
class MemRefDialect;
} // namespace memref
namespace arith {
class ArithDialect;
} // namespace arith
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
} // namespace mlir

namespace mlir::credo {

#define GEN_PASS_DECL_CONVERTCREDOTODNNL
#include "credo/Conversion/CredoToDnnl/Passes.h.inc"

/// Adds the patterns that rewrite f32 credo ops with a oneDNN kernel into
/// credo.call_kernel. The kernels must be declared (see the pass).
void populateCredoToDnnlPatterns(mlir::RewritePatternSet &patterns);

/// Registers the BufferizableOpInterface of credo.call_kernel.
void registerCallKernelBufferization(mlir::DialectRegistry &registry);

#define GEN_PASS_REGISTRATION
#include "credo/Conversion/CredoToDnnl/Passes.h.inc"

} // namespace mlir::credo

#endif // CREDO_CONVERSION_CREDOTODNNL_CREDOTODNNL_H
