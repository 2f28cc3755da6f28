//===- Patterns.h - credo → linalg pattern families -------------*- C++ -*-===//
//
// Each op family's patterns live in their own file; this header lets the
// pass collect them.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_CONVERSION_CREDOTOLINALG_PATTERNS_H
#define CREDO_LIB_CONVERSION_CREDOTOLINALG_PATTERNS_H

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

namespace mlir::credo {
void populateLayerToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateLossToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateGradientToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateOptimizerToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populatePoolConvGradToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateTimeToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateSpikingToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                     GeneratorLanes lanes);
void populateSparseToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                    GeneratorLanes lanes);
void populateStochasticToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                        GeneratorLanes lanes);
void populateStatefulOptimizerToLinalgPatterns(
    mlir::RewritePatternSet &patterns);
} // namespace mlir::credo

#endif // CREDO_LIB_CONVERSION_CREDOTOLINALG_PATTERNS_H
