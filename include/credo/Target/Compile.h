//===- Compile.h - From a credo module to native code -----------*- C++ -*-===//
//
// Runs the CPU pipeline, translates to LLVM IR, optimizes, and either JITs
// the result (credoc run) or writes LLVM IR, assembly or an object file
// (credoc build, --emit).
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TARGET_COMPILE_H
#define CREDO_TARGET_COMPILE_H

#include "credo/Pipelines/Pipelines.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <memory>

namespace llvm {
class LLVMContext;
class Module;
class raw_pwrite_stream;
} // namespace llvm

namespace mlir {
class ExecutionEngine;
class ModuleOp;
} // namespace mlir

namespace mlir::credo {

/// Runs buildCpuPipeline on `module` in place (credo → LLVM dialect).
LogicalResult lowerToLLVMDialect(ModuleOp module,
                                 const CpuPipelineOptions &options);

/// Translates an LLVM-dialect module to LLVM IR for the host and optimizes
/// it at -O3 (vectorizing loops). Null after reporting an error.
std::unique_ptr<llvm::Module> translateToLLVMIR(ModuleOp module,
                                                llvm::LLVMContext &context);

enum class FileKind { Assembly, Object };

/// Writes host assembly or an object file for `module` to `os`.
LogicalResult emitNativeCode(llvm::Module &module, FileKind kind,
                             llvm::raw_pwrite_stream &os, std::string &error);

/// A JIT-compiled LLVM-dialect module.
class JitModule {
public:
  ~JitModule();
  /// JIT-compiles `module` (LLVM dialect) at -O3.
  static FailureOr<std::unique_ptr<JitModule>> create(ModuleOp module);
  /// Calls `function`, whose arguments are all bare pointers, with `args`.
  LogicalResult call(llvm::StringRef function, llvm::ArrayRef<void *> args);

private:
  JitModule() = default;
  std::unique_ptr<ExecutionEngine> engine;
};

} // namespace mlir::credo

#endif // CREDO_TARGET_COMPILE_H
