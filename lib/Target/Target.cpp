//===- Target.cpp - Code-generation targets ---------------------*- C++ -*-===//
//
// The target registry, with the CPU target built in: the CPU pipeline
// (oneDNN calls or portable loops) down to the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#include "credo/Target/Target.h"
#include "credo/Target/Compile.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <mutex>

using namespace mlir;
using namespace mlir::credo;

Target::~Target() = default;

namespace {

class CpuTarget final : public Target {
public:
  llvm::StringRef name() const override { return "cpu"; }
  llvm::StringRef description() const override {
    return "native code for this machine; heavy ops call oneDNN "
           "(--cpu-kernels dnnl) or run as portable loops (reference)";
  }
  LogicalResult lower(ModuleOp module,
                      const TargetOptions &options) const override {
    CpuPipelineOptions pipeline;
    pipeline.kernels = options.kernels;
    return lowerToLLVMDialect(module, pipeline);
  }
  bool producesHostCode() const override { return true; }
};

class VulkanTarget final : public Target {
public:
  llvm::StringRef name() const override { return "vulkan"; }
  llvm::StringRef description() const override {
    return "SPIR-V kernels on a Vulkan device (credoc devices lists them; "
           "--device N or CREDO_VULKAN_DEVICE picks one), driven by host code";
  }
  LogicalResult lower(ModuleOp module,
                      const TargetOptions &options) const override {
    return lowerForVulkan(module);
  }
  bool producesHostCode() const override { return true; }
};

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Target>> targets;
  Registry() {
    targets["cpu"] = std::make_unique<CpuTarget>();
    targets["vulkan"] = std::make_unique<VulkanTarget>();
  }
};

Registry &registry() {
  static Registry r;
  return r;
}

} // namespace

void mlir::credo::registerTarget(std::unique_ptr<Target> target) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::string name = target->name().str();
  r.targets[name] = std::move(target);
}

const Target *mlir::credo::lookupTarget(llvm::StringRef name) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.targets.find(name.str());
  return it == r.targets.end() ? nullptr : it->second.get();
}

std::vector<std::string> mlir::credo::targetNames() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (auto &[name, target] : r.targets)
    names.push_back(name);
  return names;
}
