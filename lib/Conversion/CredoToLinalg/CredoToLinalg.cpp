//===- CredoToLinalg.cpp - The convert-credo-to-linalg pass -----*- C++ -*-===//
//
// Applies the reference lowering patterns of every op family as a partial
// conversion: any credo compute op left over is an error.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CONVERTCREDOTOLINALG
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

void mlir::credo::populateCredoToLinalgPatterns(RewritePatternSet &patterns,
                                                GeneratorLanes lanes) {
  populateLayerToLinalgPatterns(patterns);
  populateElementwiseToLinalgPatterns(patterns);
  populateLossToLinalgPatterns(patterns);
  populateGradientToLinalgPatterns(patterns);
  populateOptimizerToLinalgPatterns(patterns);
  populatePoolConvGradToLinalgPatterns(patterns);
  populateStatefulOptimizerToLinalgPatterns(patterns);
  populateTimeToLinalgPatterns(patterns);
  populateSpikingToLinalgPatterns(patterns, lanes);
  populateSparseToLinalgPatterns(patterns, lanes);
  populateStochasticToLinalgPatterns(patterns, lanes);
}

namespace {
struct ConvertCredoToLinalg
    : public mlir::credo::impl::ConvertCredoToLinalgBase<ConvertCredoToLinalg> {
  using ConvertCredoToLinalgBase::ConvertCredoToLinalgBase;
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           scf::SCFDialect>();
    target.addIllegalDialect<mlir::credo::CredoDialect>();
    // Left on purpose: parameters are handled by credo-params-to-args and
    // kernel calls by bufferization.
    target.addLegalOp<mlir::credo::ParamOp, mlir::credo::GetParamOp,
                      mlir::credo::CallKernelOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    mlir::credo::populateCredoToLinalgPatterns(
        patterns, wideGeneratorLanes ? mlir::credo::GeneratorLanes::Wide
                                     : mlir::credo::GeneratorLanes::Narrow);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
