//===- Passes.td - credo → linalg (portable reference) -----*- tablegen -*-===//
//
// The portable lowering of every credo compute op to linalg, tensor, arith
// and math on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_CONVERSION_CREDOTOLINALG_PASSES_TD
#define CREDO_CONVERSION_CREDOTOLINALG_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertCredoToLinalg : Pass<"convert-credo-to-linalg", "::mlir::ModuleOp"> {
  let summary = "lower credo compute ops to linalg on tensors";
  let description = [{
    The reference path: every credo compute op becomes linalg named or
    generic ops (with tensor, arith and math) on tensors, ready for one-shot
    bufferization. `credo.param`, `credo.get_param` and `credo.call_kernel`
    are left alone (legal on purpose: parameters are handled by
    `credo-params-to-args`, kernel calls by bufferization).

    Before:
    ```mlir
    %y = credo.relu %x : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %e = tensor.empty() : tensor<4x8xf32>
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
           ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.maximumf %in, %cst : f32
      linalg.yield %0 : f32
    } -> tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::func::FuncDialect"];
}

#endif // CREDO_CONVERSION_CREDOTOLINALG_PASSES_TD
