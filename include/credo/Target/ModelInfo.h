//===- ModelInfo.h - What a compiled model exposes --------------*- C++ -*-===//
//
// The names, dtypes and shapes of a model's parameters (with initializers),
// inputs and outputs, read from a credo module before lowering. It is the
// source of the runtime metadata embedded in generated libraries, of the
// generated C header, and of credoc's argument checking.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TARGET_MODELINFO_H
#define CREDO_TARGET_MODELINFO_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace mlir::credo {

struct TensorInfo {
  std::string name;
  std::string dtype; ///< f32, f64, i32 or i64
  std::vector<int64_t> shape;
  std::string init; ///< parameters: the initializer in runtime syntax

  int64_t numElements() const;
  size_t elementSize() const;
  /// "784x256", or "-" for a scalar (runtime metadata syntax).
  std::string shapeText() const;
};

struct ModelInfo {
  std::string name;
  std::vector<TensorInfo> params, inputs, outputs;
  /// Whether the module has a @train_step (credoc build --train).
  bool trainStep = false;
  /// @train_step's inputs before the learning rate: the forward inputs
  /// (and labels), or a rule's own signals (the coagent rule's reward,
  /// done, last and next observation).
  std::vector<TensorInfo> stepInputs;
  /// The element type of @train_step's learning rate and loss (f32, or
  /// f64 for a model in double precision).
  std::string stepScalar = "f32";
  /// Whether the module has an @act (a rule that steps in an environment:
  /// the forward inputs in, the forward outputs out, the rule's state
  /// updated), and its outputs.
  bool act = false;
  /// The name of @settle_step's first result (the metric of a rule's
  /// unsupervised phase, such as the dendritic rule's apical mismatch),
  /// empty when the module has no @settle_step. It takes @train_step's
  /// arguments.
  std::string settleMetric;
  /// The parameters a training rule added (optimizer or rule state), which
  /// saved checkpoints list so that a model built for inference skips them.
  std::vector<std::string> state;
  /// The held outputs of units with an execute schedule (NODE_held, zeros
  /// first): state a checkpoint keeps but need not have.
  std::vector<std::string> held;

  /// The text credo_model_create reads (see docs/runtime.md).
  std::string metadata() const;
};

/// Reads the model's parameters and the signature of `function` (its inputs
/// and outputs). Reports an error at the offending op and fails if the
/// module is not a credo model.
FailureOr<ModelInfo> getModelInfo(ModuleOp module,
                                  llvm::StringRef function = "forward");

} // namespace mlir::credo

#endif // CREDO_TARGET_MODELINFO_H
