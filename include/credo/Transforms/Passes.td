//===- Passes.td - Credo → Credo transformations -----------*- tablegen -*-===//
//
// Backend-agnostic passes on the credo dialect.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TRANSFORMS_PASSES_TD
#define CREDO_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CredoParamsToArgs : Pass<"credo-params-to-args", "::mlir::ModuleOp"> {
  let summary = "turn parameters into leading function arguments";
  let description = [{
    Prepares a model for code generation, where a model instance owns the
    parameter buffers: every function that reads a parameter gets all
    parameters of the module as leading arguments, in declaration order, each
    marked `{credo.param = "NAME"}`; `credo.get_param` ops become uses of
    those arguments and the `credo.param` declarations are erased.

    Before:
    ```mlir
    credo.param @w : tensor<4x3xf32> init #credo.init<zeros>
    func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
      %w = credo.get_param @w : tensor<4x3xf32>
      %y = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
      return %y : tensor<2x3xf32>
    }
    ```
    After:
    ```mlir
    func.func @forward(%w: tensor<4x3xf32> {credo.param = "w"}, %x: tensor<2x4xf32>) -> tensor<2x3xf32> {
      %y = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
      return %y : tensor<2x3xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // CREDO_TRANSFORMS_PASSES_TD
