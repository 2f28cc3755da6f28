//===- CompileRunFuzzer.cpp - Fuzz compiling and running graphs -*- C++ -*-===//
//
// Small graphs (mutated by GraphMutator.h from the examples) go through
// everything after import: a graph the importer accepts is compiled for
// Vulkan (one input in three: the GPU lowering down to serialized SPIR-V,
// not run) and for the CPU (either kernel path), JIT-compiled and run on
// seeded inputs
// whose labels may lie outside the classes; with a training section, the
// graph's own learning rule builds the training step (and a rule's settle
// step), now and then with the spike, activation and alignment reports,
// and they run too. Every stage either succeeds or reports an error: no
// crash, no assertion, no sanitizer finding, and a status with a message
// from the run.
//
//===----------------------------------------------------------------------===//

#include "GraphMutator.h"

#include "Credo/IR/CredoOps.h"

#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"
#include "credo/Target/Compile.h"
#include "credo/Target/ModelInfo.h"
#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"
#include "credo/runtime.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <cstdlib>
#include <random>
#include <vector>

using namespace mlir;
namespace mc = mlir::credo;

namespace {

/// Elements of every value the module computes: inputs beyond this are
/// skipped, so that one input cannot take minutes or gigabytes.
constexpr int64_t kMaxElements = int64_t(1) << 20;
/// Steps of a time loop: a loop of 2^31 − 1 steps is a valid model that
/// runs for hours, not a hang.
constexpr int64_t kMaxSteps = 4096;

bool smallEnough(ModuleOp module) {
  int64_t total = 0;
  bool ok = true;
  module.walk([&](mlir::credo::TimeLoopOp loop) {
    ok = ok && int64_t(loop.getSteps()) <= kMaxSteps;
  });
  module.walk([&](Operation *op) {
    for (Value v : op->getResults())
      if (auto t = dyn_cast<RankedTensorType>(v.getType()))
        if (t.hasStaticShape()) {
          total += t.getNumElements();
          ok = ok && t.getNumElements() <= kMaxElements &&
               total <= 8 * kMaxElements;
        }
  });
  return ok;
}

/// Runs `function` of the JIT-compiled module on seeded inputs and fresh
/// outputs; parameters from their initializers.
void run(mc::JitModule &jit, const mc::ModelInfo &info,
         llvm::StringRef function, const mc::ModelInfo &signature,
         std::mt19937 &rng) {
  credo_model *model = nullptr;
  if (credo_model_create_init(info.metadata().c_str(), &model) != CREDO_OK) {
    if (!*credo_last_error())
      std::abort();
    return;
  }
  std::vector<credo_tensor> buffers;
  auto alloc = [&](const mc::TensorInfo &t) {
    credo_dtype dtype = t.dtype == "f64"   ? CREDO_F64
                        : t.dtype == "i32" ? CREDO_I32
                        : t.dtype == "i64" ? CREDO_I64
                                           : CREDO_F32;
    credo_tensor tensor{};
    if (credo_tensor_alloc(&tensor, dtype, int32_t(t.shape.size()),
                           t.shape.data()) != CREDO_OK)
      std::abort();
    buffers.push_back(tensor);
    return tensor;
  };
  std::vector<void *> args;
  for (size_t i = 0; i < info.params.size(); ++i)
    args.push_back(credo_model_param_data(model, i));
  for (const mc::TensorInfo &t : signature.inputs) {
    credo_tensor tensor = alloc(t);
    int64_t n = credo_tensor_numel(&tensor);
    std::normal_distribution<double> normal;
    for (int64_t i = 0; i < n; ++i) {
      switch (tensor.dtype) {
      case CREDO_F32:
        static_cast<float *>(tensor.data)[i] = float(normal(rng));
        break;
      case CREDO_F64:
        static_cast<double *>(tensor.data)[i] = normal(rng);
        break;
      case CREDO_I32: // classes, now and then outside them
        static_cast<int32_t *>(tensor.data)[i] = int32_t(rng() % 12) - 1;
        break;
      case CREDO_I64:
        static_cast<int64_t *>(tensor.data)[i] = int64_t(rng() % 12) - 1;
        break;
      default:
        break;
      }
    }
    args.push_back(tensor.data);
  }
  // Outputs (for a training step: the loss, the next parameters and any
  // counters) into fresh buffers.
  for (const mc::TensorInfo &t : signature.outputs)
    args.push_back(alloc(t).data);
  if (jit.call(function, args) != CREDO_OK && !*credo_last_error())
    std::abort(); // a failed run says why
  for (credo_tensor &t : buffers)
    credo_tensor_free(&t);
  credo_model_destroy(model);
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  return ::credo::fuzz::mutateGraphBytes(data, size, maxSize, seed);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    mc::registerAllDialects(*r);
    return r;
  }();
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  unsigned errors = 0;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    errors += d.getSeverity() == DiagnosticSeverity::Error;
    return success();
  });
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = mc::importGraph(text, "fuzz.json", context);
  if (!module || !smallEnough(*module) || size == 0)
    return 0;
  std::mt19937 rng(static_cast<unsigned>(size));
  bool train = (*module)->hasAttr("credo.training") && size % 2;
  // Functions beside @forward that the rule and the reports build, run
  // after it.
  std::vector<const char *> built;
  if (train) {
    errors = 0;
    FailureOr<std::optional<mc::TrainingContract>> contract =
        mc::TrainingContract::read(*module);
    if (failed(contract)) {
      if (errors == 0)
        std::abort(); // an unreadable training section says why
      return 0;
    }
    // The importer accepts only registered rules.
    const mc::TrainingRule *rule = mc::lookupTrainingRule((**contract).rule);
    if (!rule)
      std::abort();
    uint8_t choice = data[size / 5];
    mc::TrainingRuleOptions options;
    static const char *memory[] = {"store", "recompute", "checkpoint"};
    options.timeMemory = memory[choice % 3];
    options.spikeMajority = choice & 4;
    PassManager pm(&context, ModuleOp::getOperationName());
    rule->addPasses(pm, options);
    if (choice & 8)
      pm.addPass(mc::createCredoInstrumentSpikes());
    if (choice & 16)
      pm.addPass(mc::createCredoInstrumentActivations());
    if (failed(pm.run(*module))) {
      if (errors == 0)
        std::abort(); // a failing pass reports why
      return 0;
    }
    built = {"train_step", "settle_step"};
    // The alignment report: the backprop gradient beside the rule's update
    // (a rule without a differentiable loss reports an error).
    if (choice & 32) {
      PassManager report(&context, ModuleOp::getOperationName());
      mc::CredoAutodiffOptions exact;
      exact.funcName = "exact_gradients";
      report.addPass(mc::createCredoAutodiff(exact));
      report.addPass(mc::createCredoInstrumentAlignment());
      errors = 0;
      if (failed(report.run(*module))) {
        if (errors == 0)
          std::abort();
        return 0;
      }
      built.push_back("alignment");
    }
  }
  FailureOr<mc::ModelInfo> info = mc::getModelInfo(*module, "forward");
  if (failed(info))
    return 0;
  // The signature of each built function the module has.
  std::vector<std::pair<const char *, mc::ModelInfo>> steps;
  for (const char *name : built) {
    if (!module->lookupSymbol(name))
      continue;
    FailureOr<mc::ModelInfo> step = mc::getModelInfo(*module, name);
    if (failed(step))
      return 0;
    steps.emplace_back(name, *step);
  }
  if (data[size / 3] % 3 == 0) {
    OwningOpRef<ModuleOp> copy = module->clone();
    errors = 0;
    if (failed(mc::lowerForVulkan(*copy)) && errors == 0)
      std::abort(); // a failing lowering reports why
  }
  mc::CpuPipelineOptions pipeline;
  pipeline.kernels =
      data[size / 2] % 2 ? mc::CpuKernels::Reference : mc::CpuKernels::Dnnl;
  errors = 0;
  if (failed(mc::lowerToLLVMDialect(*module, pipeline))) {
    if (errors == 0)
      std::abort();
    return 0;
  }
  FailureOr<std::unique_ptr<mc::JitModule>> jit =
      mc::JitModule::create(*module);
  if (failed(jit))
    return 0;
  run(**jit, *info, "forward", *info, rng);
  for (const auto &[name, signature] : steps)
    run(**jit, *info, name, signature, rng);
  return 0;
}
