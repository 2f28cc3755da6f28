//===- Target.h - Code-generation targets -----------------------*- C++ -*-===//
//
// A target turns a credo module (after the training passes) into code for
// one kind of device. Drivers pick one by name (`credoc --target`) and never
// name a backend's pipeline or kernels themselves; the Vulkan backend
// registers the next one. docs/design.md §5.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TARGET_TARGET_H
#define CREDO_TARGET_TARGET_H

#include "credo/Pipelines/Pipelines.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace mlir::credo {

/// What a driver may ask of any target.
struct TargetOptions {
  /// CPU: oneDNN kernel calls or portable loops for the heavy ops.
  CpuKernels kernels = CpuKernels::Dnnl;
};

/// A code-generation target.
class Target {
public:
  virtual ~Target();
  /// The name `--target` takes.
  virtual llvm::StringRef name() const = 0;
  /// One line for help texts and error messages.
  virtual llvm::StringRef description() const = 0;
  /// Lowers `module` in place to what the target's code generator takes
  /// (for the CPU: the LLVM dialect, entry points as C functions of bare
  /// pointers). Errors are reported at the module's ops.
  virtual LogicalResult lower(ModuleOp module,
                              const TargetOptions &options) const = 0;
  /// Whether the lowered module runs on the host through Credo's JIT and
  /// libraries (the CPU target; a GPU target instead produces kernels for
  /// its runtime executor).
  virtual bool producesHostCode() const = 0;
};

/// Registers a target (replacing one of the same name).
void registerTarget(std::unique_ptr<Target> target);
/// The target named `name`, or null.
const Target *lookupTarget(llvm::StringRef name);
/// The names of the registered targets, sorted.
std::vector<std::string> targetNames();

} // namespace mlir::credo

#endif // CREDO_TARGET_TARGET_H
