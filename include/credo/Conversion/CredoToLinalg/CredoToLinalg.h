//===- CredoToLinalg.h - credo → linalg on tensors --------------*- C++ -*-===//
//
// The portable reference lowering of every credo compute op.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_CONVERSION_CREDOTOLINALG_CREDOTOLINALG_H
#define CREDO_CONVERSION_CREDOTOLINALG_CREDOTOLINALG_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace arith {
class ArithDialect;
} // namespace arith
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace memref {
class MemRefDialect;
} // namespace memref
namespace math {
class MathDialect;
} // namespace math
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace scf {
class SCFDialect;
} // namespace scf
} // namespace mlir

namespace mlir::credo {

#define GEN_PASS_DECL_CONVERTCREDOTOLINALG
#define GEN_PASS_DECL_CREDOEXPANDEXP
#define GEN_PASS_DECL_CREDOEXPANDLOG1P
#define GEN_PASS_DECL_CREDOFLATTENCONTIGUOUS
#define GEN_PASS_DECL_CREDOFUSEELEMENTWISE
#define GEN_PASS_DECL_CREDOLONGSUMSINF64
#define GEN_PASS_DECL_CREDORECORDINPLACE
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"

/// How the random generator's 32-bit words are computed (design.md §4.3):
/// in 32-bit lanes, each 32 × 32 → 64-bit product as a multiply-high and a
/// multiply-low (SPIR-V's OpUMulExtended on a GPU), or in 64-bit lanes
/// whose one product gives both halves (a CPU's vector multiply of 32-bit
/// halves into 64 bits). Both give the same numbers.
enum class GeneratorLanes { Narrow, Wide };

/// Adds the patterns lowering every credo compute op to linalg/tensor/
/// arith/math on tensors.
void populateCredoToLinalgPatterns(
    mlir::RewritePatternSet &patterns,
    GeneratorLanes lanes = GeneratorLanes::Narrow);

/// Replaces `op` (of floats or vectors of floats) by log1p without the
/// cancellation of log(1 + x) (credo-expand-log1p); the Vulkan kernels'
/// f32 log1p too.
void expandLog1p(mlir::Operation *op);

#define GEN_PASS_REGISTRATION
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"

} // namespace mlir::credo

#endif // CREDO_CONVERSION_CREDOTOLINALG_CREDOTOLINALG_H
