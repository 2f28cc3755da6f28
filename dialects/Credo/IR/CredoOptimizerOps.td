//===- CredoOptimizerOps.td - Parameter update rules --------*- tablegen -*-===//
//
// Optimizer steps as ops, so that a compiled training step computes the
// loss, the gradients and the new parameters in one function.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_OPTIMIZER_OPS_TD
#define CREDO_OPTIMIZER_OPS_TD

include "Credo/IR/CredoLayerOps.td"

def Credo_SgdUpdateOp : Credo_InferredOp<"sgd_update"> {
  let summary = "one step of stochastic gradient descent";
  let description = [{
    Returns the updated parameter
    `w' = w − lr · (g + weight_decay · w)`
    for a parameter `w`, its gradient `g` (same type) and the learning rate
    `lr` (a rank-0 tensor of the same element type, so that a schedule can
    change it from step to step).

    ```mlir
    %w1 = credo.sgd_update %w, %g, %lr {weight_decay = 1.0e-4 : f64} : tensor<784x256xf32>, tensor<784x256xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$param, Credo_FloatTensor:$grad,
                       Credo_ScalarTensor:$lr,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $param `,` $grad `,` $lr attr-dict `:` type($param) `,` type($grad) `,`
    type($lr)
  }];
}

#endif // CREDO_OPTIMIZER_OPS_TD
