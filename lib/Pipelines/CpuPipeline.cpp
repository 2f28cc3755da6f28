//===- CpuPipeline.cpp - credo → LLVM for the CPU ---------------*- C++ -*-===//
//
// The CPU pipeline: parameters become arguments; heavy f32 ops become oneDNN
// kernel calls (unless the reference kernels are asked for) and everything
// else linalg; one-shot bufferization with identity layouts; results become
// out-parameters; buffers are freed; loops are lowered to LLVM with the
// bare-pointer calling convention, so an entry point is a plain C function of
// pointers.
//
//===----------------------------------------------------------------------===//

#include "credo/Pipelines/Pipelines.h"

#include "credo/Conversion/CredoToDnnl/CredoToDnnl.h"
#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"
#include "credo/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

void mlir::credo::addCredoToBuffers(OpPassManager &pm, CpuKernels kernels,
                                    TemporaryBuffers temporaries,
                                    GeneratorLanes lanes) {
  // Event-driven products (the oneDNN path's sparse kernels) gain from
  // spikes split into majority and residual; the portable loops do not.
  if ((kernels == CpuKernels::Dnnl || spikeMajorityEverywhere()) &&
      spikeMajorityEnabled())
    pm.addPass(createCredoSpikeMajority());
  pm.addPass(createCredoBatchOverTime());
  pm.addPass(createCredoParamsToArgs());
  if (kernels == CpuKernels::Dnnl)
    pm.addPass(createConvertCredoToDnnl());
  ConvertCredoToLinalgOptions lowering;
  lowering.wideGeneratorLanes = lanes == GeneratorLanes::Wide;
  pm.addPass(createConvertCredoToLinalg(lowering));
  pm.addNestedPass<func::FuncOp>(createCredoFuseElementwise());
  // (Kernels on a GPU need not have f64, and sum in workgroups anyway.)
  if (temporaries == TemporaryBuffers::Stack)
    pm.addNestedPass<func::FuncOp>(createCredoLongSumsInF64());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // After CSE, which can make two results one value.
  pm.addPass(createCredoCopyAliasedResults());
  // After CSE, which merges equal tensor.empty destinations.
  pm.addNestedPass<func::FuncOp>(createCredoRecordInPlace());
  addBufferization(pm, temporaries);
}

/// Bytes of a statically shaped memref of integers or floats.
static int64_t staticBytes(MemRefType type) {
  return (type.getNumElements() * type.getElementTypeBitWidth() + 7) / 8;
}

/// Whether a temporary lives on the stack: statically shaped, at most
/// kStackBufferBytes, allocated in a function's body (not in a loop or any
/// other region, where each iteration would take new stack), and within
/// kStackFunctionBytes together with the stack slots the function's body
/// already has (promote-buffers-to-stack replaces each accepted allocation
/// before it asks about the next; the rest stays on the heap, so a large
/// step cannot exhaust a small thread stack).
static bool fitsOnStack(Value alloc) {
  auto type = dyn_cast<MemRefType>(alloc.getType());
  Operation *op = alloc.getDefiningOp();
  if (!type || !op || !type.hasStaticShape() ||
      !type.getElementType().isIntOrFloat())
    return false;
  auto function = dyn_cast_or_null<func::FuncOp>(op->getParentOp());
  int64_t bytes = staticBytes(type);
  if (!function || bytes > credo::kStackBufferBytes)
    return false;
  int64_t used = 0;
  for (auto slot : function.getBody().front().getOps<memref::AllocaOp>())
    if (slot.getType().hasStaticShape() &&
        slot.getType().getElementType().isIntOrFloat())
      used += staticBytes(slot.getType());
  return used + bytes <= credo::kStackFunctionBytes;
}

void mlir::credo::addBufferization(OpPassManager &pm,
                                   TemporaryBuffers temporaries) {
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  bufferization.unknownTypeConverterFn =
      [](Value value, Attribute memorySpace,
         const bufferization::BufferizationOptions &) {
        return bufferization::getMemRefTypeWithStaticIdentityLayout(
            cast<TensorType>(value.getType()), memorySpace);
      };
  // Copies become linalg.copy, lowered to loops like every other linalg op
  // (memref.copy of a strided view would need a C runtime helper).
  auto copyAsLinalg = [](OpBuilder &b, Location loc, Value from,
                         Value to) -> LogicalResult {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  bufferization.memCpyFn = copyAsLinalg;
  // Inputs and parameters are the caller's buffers.
  pm.addNestedPass<func::FuncOp>(createCredoReadOnlyArguments());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  // A state updated in place can come back as an argument.
  pm.addPass(createCredoCopyAliasedResults());
  bufferization::BufferResultsToOutParamsOpts outParams;
  outParams.hoistStaticAllocs = true;
  outParams.memCpyFn = copyAsLinalg;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  if (temporaries == TemporaryBuffers::Stack)
    pm.addNestedPass<func::FuncOp>(
        bufferization::createPromoteBuffersToStackPass(fitsOnStack));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createCanonicalizerPass());
}

/// Whether libm's expf here is glibc's x86-64 build with fused
/// multiply-adds (picked on CPUs with FMA and AVX2), whose operations
/// credo-expand-exp writes out. Elsewhere the exponential stays a call, so
/// that results stay libm's. Asked once per process.
static bool libmExpIsGlibcFma() {
#if defined(__x86_64__) && defined(__GLIBC__)
  static const bool fma = [] {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    return features.lookup("fma") && features.lookup("avx2");
  }();
  return fma;
#else
  return false;
#endif
}

void mlir::credo::addHostToLLVM(OpPassManager &pm, HeapBuffers heapBuffers) {
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (libmExpIsGlibcFma())
    pm.addPass(createCredoExpandExp());
  pm.addPass(createCredoExpandLog1p());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Buffers come from the runtime's caching allocator
  // (_mlir_memref_to_llvm_aligned_alloc or _alloc, and _free, in
  // libcredo_runtime).
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  memrefToLLVM.useAlignedAlloc = heapBuffers == HeapBuffers::Aligned;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertIndexToLLVMPass());
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::credo::buildCpuPipeline(OpPassManager &pm,
                                   const CpuPipelineOptions &options) {
  addCredoToBuffers(pm, options.kernels, TemporaryBuffers::Stack,
                    GeneratorLanes::Wide);
  pm.addNestedPass<func::FuncOp>(createCredoFlattenContiguous());
  addHostToLLVM(pm, HeapBuffers::Aligned);
}

namespace {
struct CpuPipelineCliOptions
    : public PassPipelineOptions<CpuPipelineCliOptions> {
  Option<std::string> kernels{*this, "kernels",
                              llvm::cl::desc("dnnl (default) or reference"),
                              llvm::cl::init("dnnl")};
};
} // namespace

void mlir::credo::registerCredoPipelines() {
  PassPipelineRegistration<CpuPipelineCliOptions>(
      "credo-cpu-pipeline",
      "Lower a credo module to the LLVM dialect for the CPU (what credoc "
      "build and credoc run compile)",
      [](OpPassManager &pm, const CpuPipelineCliOptions &cli) {
        CpuPipelineOptions options;
        options.kernels = cli.kernels == "reference" ? CpuKernels::Reference
                                                     : CpuKernels::Dnnl;
        buildCpuPipeline(pm, options);
      });
  PassPipelineRegistration<>(
      "credo-vulkan-pipeline",
      "Lower a credo module to LLVM-dialect host code that runs SPIR-V "
      "kernels on the runtime's Vulkan executor (credoc --target vulkan)",
      [](OpPassManager &pm) { buildVulkanPipeline(pm); });
}
