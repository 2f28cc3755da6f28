//===- Feedback.h - Fixed random feedback in the reverse sweep --*- C++ -*-===//
//
// Feedback alignment (Lillicrap et al. 2016) and direct feedback alignment
// (Nøkland 2016) as variants of credo-autodiff's reverse sweep: a layer's
// weight and bias get their usual gradient from the gradient of its result,
// but the gradient it passes to its input goes through a fixed random
// matrix B instead of the transposed weight (FA: B has the weight's shape),
// or comes straight from the output layer's error e (DFA: dx = e·B, B of
// shape [outputs, inputs of the layer]). The matrices are compiler-made
// parameters `WEIGHT_feedback`, marked `fixed` so no optimizer moves them,
// drawn from the weight's initializer with a seed of their own.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_TRANSFORMS_FEEDBACK_H
#define CREDO_LIB_TRANSFORMS_FEEDBACK_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::credo {

enum class FeedbackMode { Exact, Alignment, Direct };

/// Parses "exact", "fa" or "dfa".
std::optional<FeedbackMode> parseFeedbackMode(StringRef name);

class Feedback {
public:
  Feedback(FeedbackMode mode, ModuleOp module, func::FuncOp func, uint64_t seed)
      : mode(mode), module(module), func(func), seed(seed) {}

  FeedbackMode getMode() const { return mode; }

  /// Whether `op` is a layer whose input gradient the mode replaces
  /// (credo.dense, credo.conv2d) — always false for the exact mode.
  bool replaces(Operation *op) const;

  /// The gradient of `op`'s input (operand 0) from the gradient `g` of its
  /// result, under the mode. Fails with an error at `op` when the mode
  /// cannot handle it (a weight that is not a parameter; for DFA, a layer
  /// inside a time loop or an output layer that is not dense).
  FailureOr<Value> inputGradient(OpBuilder &b, Operation *op, Value g);

  /// How many time loops the reverse sweep is inside (their bodies are
  /// swept before they are attached to a loop op).
  int loopDepth = 0;

private:
  /// The fixed matrix `WEIGHT_feedback` of `type`, declared on first use
  /// and read in `func`.
  FailureOr<Value> matrix(OpBuilder &b, Operation *op, RankedTensorType type);

  FeedbackMode mode;
  ModuleOp module;
  func::FuncOp func;
  uint64_t seed;
  llvm::StringMap<Value> matrices;
  /// DFA: the output layer's error, the gradient of the first layer the
  /// reverse sweep reaches.
  Value error;
};

} // namespace mlir::credo

#endif // CREDO_LIB_TRANSFORMS_FEEDBACK_H
