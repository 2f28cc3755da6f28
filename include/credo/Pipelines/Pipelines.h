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

/// Registers `credo-cpu-pipeline` (option `kernels=dnnl|reference`).
void registerCredoPipelines();

} // namespace mlir::credo

#endif // CREDO_PIPELINES_PIPELINES_H
