//===- VulkanPipeline.cpp - credo → host code + SPIR-V kernels --*- C++ -*-===//
//
// The Vulkan pipeline: the CPU pipeline's portable lowering and
// bufferization; every outermost parallel loop becomes a GPU kernel,
// converted to SPIR-V and embedded in the host module; the host code calls
// the runtime's Vulkan executor and is lowered to LLVM like the CPU's.
//
//===----------------------------------------------------------------------===//

#include "credo/Pipelines/Pipelines.h"

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"
#include "credo/Conversion/CredoToVulkan/CredoToVulkan.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRVPass.h"
#include "mlir/Conversion/MathToSPIRV/MathToSPIRVPass.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::credo::buildVulkanPipeline(OpPassManager &pm) {
  pm.addPass(createCredoMarkVulkanResults());
  addCredoToBuffers(pm, CpuKernels::Reference, TemporaryBuffers::Heap,
                    GeneratorLanes::Narrow);

  pm.addNestedPass<func::FuncOp>(createCredoGpuContract());
  pm.addNestedPass<func::FuncOp>(createCredoGpuMatmul());
  pm.addNestedPass<func::FuncOp>(createCredoParallelDimsFirst());
  pm.addPass(createCredoGpuReduce());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createLowerAffinePass());
  pm.addNestedPass<func::FuncOp>(createCredoParallelToGpu());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createCredoAttachSpirvAbi());
  pm.addNestedPass<gpu::GPUModuleOp>(createCredoExpandF64Math());
  pm.addNestedPass<gpu::GPUModuleOp>(createCredoKernelArith());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertMathToSPIRVPass());
  pm.addPass(createConvertGPUToSPIRVPass());
  OpPassManager &spirvModule = pm.nest<spirv::ModuleOp>();
  spirvModule.addPass(spirv::createSPIRVLowerABIAttributesPass());
  spirvModule.addPass(createCredoScalarsToPushConstants());
  spirvModule.addPass(createCredoPreserveInfNan());
  spirvModule.addPass(spirv::createSPIRVUpdateVCEPass());
  pm.addPass(createCredoGpuToVulkanCalls());
  pm.addPass(createCanonicalizerPass());
  // The executor's allocator (credo-vulkan-allocator) takes the aligned
  // entry point: the plain one asks for the size plus the alignment, and a
  // buffer of exactly the device's largest size was refused.
  addHostToLLVM(pm, HeapBuffers::Aligned);
  pm.addPass(createCredoVulkanAllocator());
}
