//===- Passes.h - Credo → Credo transformations -----------------*- C++ -*-===//
//
// Declarations and registration of the backend-agnostic credo passes.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TRANSFORMS_PASSES_H
#define CREDO_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
class ModuleOp;
namespace arith {
class ArithDialect;
} // namespace arith
namespace bufferization {
class BufferizationDialect;
} // namespace bufferization
namespace func {
class FuncDialect;
} // namespace func
} // namespace mlir

namespace mlir::credo {

#define GEN_PASS_DECL
#include "credo/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "credo/Transforms/Passes.h.inc"

/// Attaches the gradient rules (DifferentiableOpInterface) to credo ops.
void registerGradientRules(DialectRegistry &registry);

/// Whether pipelines whose products skip zeros run credo-spike-majority:
/// yes unless CREDO_SPIKE_MAJORITY=0 (to measure what it gains).
bool spikeMajorityEnabled();

/// Whether every pipeline runs it (and credo-spike-masks), the portable
/// loops and Vulkan too: CREDO_SPIKE_MAJORITY=all (to check their
/// lowerings of the ops it makes).
bool spikeMajorityEverywhere();

/// Whether the pipelines that run credo-spike-majority run credo-spike-masks
/// after autodiff: yes unless CREDO_SPIKE_MASKS=0 (to measure what it
/// gains).
bool spikeMasksEnabled();

} // namespace mlir::credo

#endif // CREDO_TRANSFORMS_PASSES_H
