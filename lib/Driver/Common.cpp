//===- Common.cpp - What credoc's commands share ----------------*- C++ -*-===//
//
// Error reporting, the session context and the model loader.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"
#include "credo/Support/Diagnostics.h"

#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace mlir::credo::driver {

namespace {
constexpr uint64_t kMaxModelBytes = 256u << 20;

DialectRegistry makeRegistry() {
  DialectRegistry registry;
  registerAllDialects(registry);
  return registry;
}
} // namespace

int error(const llvm::Twine &message) {
  llvm::errs() << "credoc: error: " << message << "\n";
  return kUserError;
}

int runtimeError(const llvm::Twine &context) {
  return error(context + ": " + credo_last_error());
}

Session::Session() : context(makeRegistry()) {
  // Errors point at the JSON graph; the IR of the op would only be noise.
  context.printOpOnDiagnostic(false);
  printer = installDiagnosticPrinter(context, llvm::errs());
}

OwningOpRef<ModuleOp> loadModel(const DriverOptions &opts,
                                MLIRContext &context) {
  if (opts.model.empty()) {
    error("no model file given");
    return nullptr;
  }
  if (llvm::sys::fs::is_directory(opts.model)) {
    error("'" + opts.model + "' is a directory, not a model file");
    return nullptr;
  }
  uint64_t size = 0;
  if (!llvm::sys::fs::file_size(opts.model, size) && size > kMaxModelBytes) {
    error("'" + opts.model + "' is larger than 256 MiB; not a model file");
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(opts.model, true);
  if (std::error_code ec = buffer.getError()) {
    error("cannot read '" + opts.model + "': " + ec.message());
    return nullptr;
  }
  ImportOptions importOptions;
  importOptions.batchSize = opts.batch;
  return importGraph((*buffer)->getBuffer(),
                     opts.model == "-" ? "<stdin>" : opts.model, context,
                     importOptions);
}

const Target *selectTarget(const DriverOptions &opts) {
  if (const Target *target = lookupTarget(opts.target))
    return target;
  std::string known;
  for (const std::string &name : targetNames())
    known += (known.empty() ? "" : ", ") + name;
  error("unknown target '" + opts.target + "' (known targets: " + known + ")");
  return nullptr;
}

std::unique_ptr<JitModule> compileForJit(ModuleOp module,
                                         const DriverOptions &opts) {
  const Target *target = selectTarget(opts);
  if (!target)
    return nullptr;
  if (!target->producesHostCode()) {
    error("target '" + opts.target +
          "' does not run through the host JIT; build it instead");
    return nullptr;
  }
  if (opts.device >= 0) {
    if (opts.target != "vulkan") {
      error("--device chooses a Vulkan device; it needs --target vulkan");
      return nullptr;
    }
    credo_vulkan_use_device(opts.device);
  }
  TargetOptions options;
  options.kernels = opts.kernels;
  if (failed(target->lower(module, options))) {
    error("compilation failed");
    return nullptr;
  }
  FailureOr<std::unique_ptr<JitModule>> jit = JitModule::create(module);
  return succeeded(jit) ? std::move(*jit) : nullptr;
}

} // namespace mlir::credo::driver

int mlir::credo::driver::loadTrainingModel(const DriverOptions &opts,
                                           MLIRContext &context,
                                           OwningOpRef<ModuleOp> &module,
                                           TrainingContract &config) {
  module = loadModel(opts, context);
  if (!module)
    return kUserError;
  FailureOr<std::optional<TrainingContract>> contract =
      TrainingContract::read(*module);
  if (failed(contract))
    return kUserError;
  if (!*contract)
    return error("'" + opts.model + "' has no training section");
  config = **contract;
  if (opts.trainSeed)
    config.seed = *opts.trainSeed;
  return kOk;
}
