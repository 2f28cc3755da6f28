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
#include "credo/runtime.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

/// Runs buildVulkanPipeline on `module` in place: LLVM-dialect host code
/// whose buffers and kernels are the runtime's Vulkan executor's.
LogicalResult lowerForVulkan(ModuleOp module);

/// The SPIR-V kernels lowerForVulkan embedded in `module`: (name, words).
std::vector<std::pair<std::string, std::vector<uint32_t>>>
embeddedKernels(ModuleOp module);

/// The vector width in bits (256 or 512) that CREDO_VECTOR_WIDTH asks the
/// generated loops for; none when it is unset, an error for other values.
llvm::Expected<std::optional<unsigned>> vectorWidthFromEnvironment();

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
  /// Calls `function`, whose arguments are all bare pointers, with `args`,
  /// as a guarded call (credo_rt_invoke): an allocation or kernel failure
  /// is returned as a status with credo_last_error() naming the model and
  /// the function.
  credo_status call(llvm::StringRef function, llvm::ArrayRef<void *> args);
  /// Generates the machine code of `function` now (the JIT otherwise does
  /// on its first call), so that a timed loop does not include it.
  LogicalResult prepare(llvm::StringRef function);

private:
  using Packed = void (*)(void **);
  /// A function asked for: its entry (null if the module has none) and its
  /// context for errors ("model 'NAME': function").
  struct Function {
    Packed entry = nullptr;
    std::string context;
  };
  JitModule() = default;
  /// `function`, looked up in the engine until found; the last one found
  /// is found again without hashing (a training loop calls one function at
  /// every step).
  Function &find(llvm::StringRef function);
  std::unique_ptr<ExecutionEngine> engine;
  std::string model; ///< the module's name
  llvm::StringMap<Function> functions;
  llvm::StringMapEntry<Function> *lastFound = nullptr;
};

} // namespace mlir::credo

#endif // CREDO_TARGET_COMPILE_H
