//===- CredoInterfaces.td - Credo op interfaces ------------*- tablegen -*-===//
//
// Interfaces through which passes ask ops about themselves. Implementations
// of the gradient interface live with the autodiff pass (lib/Transforms) as
// external models, so the IR library stays free of backward-pass code.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_INTERFACES_TD
#define CREDO_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Credo_DifferentiableOpInterface
    : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::credo";
  let description = [{
    An op with a reverse-mode gradient rule: given one gradient per result
    (null for a result that no gradient reaches; at least one is set), it
    builds, at the builder's insertion point, the gradient of each operand
    for which `needed` is set (null elsewhere). An operand that cannot be
    differentiated (class labels) makes the rule fail with an error when
    its gradient is needed.
  }];
  let methods = [
    InterfaceMethod<
      "Builds operand gradients from the result gradients.",
      "::llvm::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::ArrayRef<bool>":$needed,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>
  ];
}

#endif // CREDO_INTERFACES_TD
