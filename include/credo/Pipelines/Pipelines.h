//===- Pipelines.h - Credo's compilation pipelines --------------*- C++ -*-===//
//
// The pass pipelines credoc runs, as functions, and their registration with
// credo-opt (`credo-opt --credo-cpu-pipeline` reproduces what credoc runs).
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_PIPELINES_PIPELINES_H
#define CREDO_PIPELINES_PIPELINES_H

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::credo {

enum class GeneratorLanes; // credo/Conversion/CredoToLinalg/CredoToLinalg.h

/// Which implementation the CPU pipeline uses for the heavy ops.
enum class CpuKernels {
  Dnnl,      ///< oneDNN kernel calls where available (the default)
  Reference, ///< portable linalg for every op
};

struct CpuPipelineOptions {
  CpuKernels kernels = CpuKernels::Dnnl;
};

/// credo (tensors, parameters) → LLVM dialect. Entry functions take their
/// parameters, inputs and outputs (in that order) as bare pointers.
void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

/// credo (tensors, parameters) → LLVM dialect host code whose compute runs
/// as SPIR-V kernels on the runtime's Vulkan executor. Entry points are the
/// CPU pipeline's (bare pointers to host memory); the kernels' SPIR-V is
/// embedded in the module. docs/design.md §5.
void buildVulkanPipeline(OpPassManager &pm);

/// Where temporary buffers may live: `Heap` only (the Vulkan target, whose
/// buffers become device memory), or `Stack` for small ones (the CPU: a
/// statically shaped temporary of at most kStackBufferBytes that is not
/// allocated inside a loop becomes a stack allocation, up to
/// kStackFunctionBytes per function).
enum class TemporaryBuffers { Heap, Stack };
constexpr int64_t kStackBufferBytes = 4096;
constexpr int64_t kStackFunctionBytes = 64 * 1024;

/// The passes both pipelines share from credo to buffers: parameters as
/// arguments, batching over time, (oneDNN calls,) the linalg lowering (the
/// random generator in `lanes`: Wide on the CPU, Narrow for SPIR-V),
/// elementwise fusion, (with Stack temporaries, the CPU's: long f32 sums in
/// f64,) then addBufferization.
void addCredoToBuffers(OpPassManager &pm, CpuKernels kernels,
                       TemporaryBuffers temporaries, GeneratorLanes lanes);
/// One-shot bufferization with identity layouts, results as out-parameters,
/// small temporaries on the stack (TemporaryBuffers::Stack), buffer
/// deallocation.
void addBufferization(OpPassManager &pm, TemporaryBuffers temporaries);
/// How generated code gets a heap buffer that bufferization wants aligned
/// (64 bytes): Aligned, from the allocator's aligned entry point, whose
/// result it uses as it is (so LLVM knows the buffer for fresh memory, see
/// lib/Target/Compile.cpp); Unaligned, a larger block from the plain entry
/// point, which it aligns by integer arithmetic on the pointer (LLVM then
/// loses track of where the buffer came from).
enum class HeapBuffers { Aligned, Unaligned };
/// The passes both pipelines share from loops on memrefs to the LLVM
/// dialect (generic allocation functions, bare-pointer calls).
void addHostToLLVM(OpPassManager &pm, HeapBuffers heapBuffers);

/// Registers `credo-cpu-pipeline` (option `kernels=dnnl|reference`).
void registerCredoPipelines();

} // namespace mlir::credo

#endif // CREDO_PIPELINES_PIPELINES_H
