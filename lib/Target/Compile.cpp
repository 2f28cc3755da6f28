//===- Compile.cpp - From a credo module to native code ---------*- C++ -*-===//
//
// Lowering with the CPU pipeline, translation to LLVM IR with -O3, native
// code emission through the host TargetMachine, and JIT execution.
//
//===----------------------------------------------------------------------===//

#include "credo/Target/Compile.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

#include <cstdlib>
#include <optional>
#include <string>

using namespace mlir;
using namespace mlir::credo;

namespace {
/// Runs `build`'s pipeline on `module` (to the LLVM dialect).
LogicalResult runToLLVM(ModuleOp module,
                        llvm::function_ref<void(OpPassManager &)> build) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  build(pm);
  if (failed(pm.run(module)))
    return failure();
  // Argument names (credo.name, credo.param) have served their purpose; LLVM
  // translation would warn about them.
  module.walk([](LLVM::LLVMFuncOp f) {
    for (unsigned i = 0; i < f.getNumArguments(); ++i)
      if (DictionaryAttr attrs = f.getArgAttrDict(i))
        for (NamedAttribute a : attrs)
          if (a.getName().getValue().starts_with("credo."))
            f.removeArgAttr(i, a.getName());
  });
  return success();
}
} // namespace

LogicalResult
mlir::credo::lowerToLLVMDialect(ModuleOp module,
                                const CpuPipelineOptions &options) {
  return runToLLVM(module,
                   [&](OpPassManager &pm) { buildCpuPipeline(pm, options); });
}

LogicalResult mlir::credo::lowerForVulkan(ModuleOp module) {
  return runToLLVM(module, [](OpPassManager &pm) { buildVulkanPipeline(pm); });
}

llvm::Expected<std::optional<unsigned>>
mlir::credo::vectorWidthFromEnvironment() {
  const char *width = std::getenv("CREDO_VECTOR_WIDTH");
  if (!width)
    return std::nullopt;
  if (llvm::StringRef(width) == "256")
    return 256u;
  if (llvm::StringRef(width) == "512")
    return 512u;
  return llvm::createStringError(
      "CREDO_VECTOR_WIDTH is '%s': it takes 256 or 512 (the bits of the "
      "vectors that generated loops use)",
      width);
}

std::vector<std::pair<std::string, std::vector<uint32_t>>>
mlir::credo::embeddedKernels(ModuleOp module) {
  std::vector<std::pair<std::string, std::vector<uint32_t>>> kernels;
  module.walk([&](LLVM::GlobalOp g) {
    StringRef name = g.getSymName();
    if (!name.consume_front("__credo_spirv_") || name.ends_with("_entry"))
      return;
    auto words = dyn_cast_or_null<DenseIntElementsAttr>(g.getValueOrNull());
    if (!words)
      return;
    std::vector<uint32_t> list;
    for (const APInt &w : words.getValues<APInt>())
      list.push_back(uint32_t(w.getZExtValue()));
    kernels.emplace_back(name.str(), std::move(list));
  });
  return kernels;
}

namespace {
void initializeNativeTarget() {
  static bool done = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    return true;
  }();
  (void)done;
}

/// The vector width the generated loops are written for: 512 bits where the
/// CPU has AVX-512 (LLVM's tuning for Intel's server CPUs keeps them to 256
/// bits, for the clock speed that 512-bit arithmetic cost early AVX-512
/// CPUs; on an Intel Xeon with AVX-512 and AMX the generated code of the
/// digits' batch-1 training steps ran 13 % faster at 512 bits, the SNN's
/// step 2 %), else the target's own choice (none); CREDO_VECTOR_WIDTH
/// chooses (credoc rejects a bad value before it compiles anything). Each
/// element's arithmetic is the same at any width.
std::optional<unsigned> preferredVectorWidth(llvm::TargetMachine *machine) {
  llvm::Expected<std::optional<unsigned>> asked = vectorWidthFromEnvironment();
  if (!asked)
    llvm::consumeError(asked.takeError());
  else if (*asked)
    return **asked;
  if (!machine->getTargetTriple().isX86())
    return std::nullopt;
  llvm::SmallVector<llvm::StringRef> features;
  llvm::StringRef(machine->getTargetFeatureString()).split(features, ',');
  if (llvm::is_contained(features, "+avx512f"))
    return 512;
  return std::nullopt;
}

/// The -O3 pipeline of MLIR's makeOptimizingTransformer (loop unrolling,
/// interleaving and both vectorizers) for `machine`. In a sanitizer build,
/// every generated function is also instrumented with AddressSanitizer.
llvm::Error optimize(llvm::Module *module, llvm::TargetMachine *machine) {
  if (std::optional<unsigned> width = preferredVectorWidth(machine))
    for (llvm::Function &f : *module)
      if (!f.isDeclaration())
        f.addFnAttr("prefer-vector-width", std::to_string(*width));
  // A buffer from the runtime's allocator is fresh memory, as malloc's is:
  // no other pointer reaches it. Without saying so, every store into a
  // new buffer might change the operands read beside it, so a loop that
  // fills a buffer from them reloads them for every element and stays
  // scalar (a convolution's bias broadcast: 1,152 scalar stores, each after
  // a reload, that LLVM's instruction scheduler then took seconds over).
  // (The CPU pipeline calls the aligned entry point only; the plain one's
  // result would reach the code through pointer arithmetic anyway.)
  if (llvm::Function *alloc =
          module->getFunction("_mlir_memref_to_llvm_aligned_alloc"))
    alloc->addRetAttr(llvm::Attribute::NoAlias);
#if CREDO_ASAN_GENERATED_CODE
  for (llvm::Function &f : *module)
    if (!f.isDeclaration())
      f.addFnAttr(llvm::Attribute::SanitizeAddress);
#endif
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = true;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder pb(machine, tuning);
#if CREDO_ASAN_GENERATED_CODE
  pb.registerOptimizerLastEPCallback(
      [](llvm::ModulePassManager &mpm, llvm::OptimizationLevel) {
        // Globals registered through an array (no ELF section start/stop
        // symbols, which the JIT linker does not define).
        mpm.addPass(llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions{},
                                               /*UseGlobalGC=*/false,
                                               /*UseOdrIndicator=*/false));
      });
#endif
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(*module, mam);
  return llvm::Error::success();
}

/// A TargetMachine for the host CPU (with its features).
std::unique_ptr<llvm::TargetMachine> hostMachine(std::string &error) {
  initializeNativeTarget();
  std::string triple = llvm::sys::getProcessTriple();
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::SubtargetFeatures features;
  for (const auto &f : llvm::sys::getHostCPUFeatures())
    features.AddFeature(f.first(), f.second);
  llvm::TargetOptions options;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(), options,
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
}
} // namespace

std::unique_ptr<llvm::Module>
mlir::credo::translateToLLVMIR(ModuleOp module, llvm::LLVMContext &context) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    emitError(module.getLoc()) << "cannot translate the module to LLVM IR";
    return nullptr;
  }
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = hostMachine(error);
  if (!machine) {
    emitError(module.getLoc()) << "no native target: " << error;
    return nullptr;
  }
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple().getTriple());
  if (llvm::Error err = optimize(llvmModule.get(), machine.get())) {
    emitError(module.getLoc())
        << "LLVM optimization failed: " << llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

LogicalResult mlir::credo::emitNativeCode(llvm::Module &module, FileKind kind,
                                          llvm::raw_pwrite_stream &os,
                                          std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = hostMachine(error);
  if (!machine)
    return failure();
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, os, nullptr,
                                   kind == FileKind::Object
                                       ? llvm::CodeGenFileType::ObjectFile
                                       : llvm::CodeGenFileType::AssemblyFile)) {
    error = "the host target cannot emit this file type";
    return failure();
  }
  pm.run(module);
  return success();
}

JitModule::~JitModule() = default;

FailureOr<std::unique_ptr<JitModule>> JitModule::create(ModuleOp module) {
  initializeNativeTarget();
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  // Optimize for the host's TargetMachine, as the library path does: without
  // it the vectorizers see no vector registers.
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = hostMachine(error);
  if (!machine) {
    emitError(module.getLoc()) << "no target for the host: " << error;
    return failure();
  }
  ExecutionEngineOptions options;
  // options.transformer is a function_ref: the callable must outlive
  // ExecutionEngine::create, which runs it (a temporary here was a
  // stack-use-after-scope, found by the AddressSanitizer build).
  auto transformer = [&machine](llvm::Module *m) {
    return optimize(m, machine.get());
  };
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  // perf's listener writes a jitdump file of the compiled code for every
  // run (in ~/.debug/jit, never removed): only when asked, for profiling
  // the JIT's code with `perf record -k 1` and `perf inject --jit`.
  options.enablePerfNotificationListener =
      std::getenv("CREDO_PERF_JIT") != nullptr;
  auto engine = ExecutionEngine::create(module, options);
  if (!engine) {
    emitError(module.getLoc())
        << "JIT compilation failed: " << llvm::toString(engine.takeError());
    return failure();
  }
  std::unique_ptr<JitModule> jit(new JitModule());
  jit->engine = std::move(*engine);
  if (std::optional<StringRef> name = module.getSymName())
    jit->model = name->str();
  return jit;
}

JitModule::Function &JitModule::find(llvm::StringRef function) {
  if (lastFound && lastFound->getKey() == function)
    return lastFound->second;
  auto [it, inserted] = functions.try_emplace(function);
  Function &f = it->second;
  if (inserted)
    f.context = "model '" + model + "': " + function.str();
  if (!f.entry) {
    auto entry = engine->lookupPacked(function);
    if (!entry) {
      llvm::consumeError(entry.takeError());
      return f;
    }
    f.entry = *entry;
  }
  lastFound = &*it;
  return f;
}

LogicalResult JitModule::prepare(llvm::StringRef function) {
  return success(find(function).entry != nullptr);
}

credo_status JitModule::call(llvm::StringRef function,
                             llvm::ArrayRef<void *> args) {
  Function &f = find(function);
  if (!f.entry)
    return credo_rt_invoke(f.context.c_str(), nullptr, nullptr);
  // The packed interface takes one pointer per argument, pointing at it.
  SmallVector<void *, 64> storage(args.begin(), args.end());
  SmallVector<void *, 64> packed;
  for (void *&slot : storage)
    packed.push_back(&slot);
  return credo_rt_invoke(f.context.c_str(), f.entry, packed.data());
}
