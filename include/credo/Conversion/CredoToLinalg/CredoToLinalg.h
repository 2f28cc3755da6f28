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
#define GEN_PASS_DECL_CREDOFLATTENCONTIGUOUS
#define GEN_PASS_DECL_CREDOFUSEELEMENTWISE
#define GEN_PASS_DECL_CREDORECORDINPLACE
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"

/// Adds the patterns lowering every credo compute op to linalg/tensor/
/// arith/math on tensors.
void populateCredoToLinalgPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"

} // namespace mlir::credo

#endif // CREDO_CONVERSION_CREDOTOLINALG_CREDOTOLINALG_H
