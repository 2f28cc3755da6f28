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

def Credo_SgdMomentumUpdateOp : Credo_InferredOp<"sgd_momentum_update"> {
  let summary = "one step of stochastic gradient descent with momentum";
  let description = [{
    With the velocity `v` kept between steps (PyTorch's formulation):
    `v' = momentum · v + (g + weight_decay · w)`, `w' = w − lr · v'`.
    Returns `(w', v')`; `w`, `g` and `v` share one type, `lr` is rank 0.

    ```mlir
    %w1, %v1 = credo.sgd_momentum_update %w, %g, %v, %lr {momentum = 0.9 : f64} : tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$param, Credo_FloatTensor:$grad,
                       Credo_FloatTensor:$velocity, Credo_ScalarTensor:$lr,
                       F64Attr:$momentum,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay);
  let results = (outs Credo_FloatTensor:$new_param,
                      Credo_FloatTensor:$new_velocity);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `,` $lr attr-dict `:` type($param) `,`
    type($grad) `,` type($velocity) `,` type($lr)
  }];
}

def Credo_AdamUpdateOp : Credo_InferredOp<"adam_update"> {
  let summary = "one step of Adam";
  let description = [{
    With the moment estimates `m`, `v` and the step count `t` (rank 0,
    counting this step, from 1): with `ĝ = g + weight_decay · w`,
    `m' = β1 m + (1 − β1) ĝ`, `v' = β2 v + (1 − β2) ĝ²`,
    `w' = w − lr · (m' / (1 − β1ᵗ)) / (sqrt(v' / (1 − β2ᵗ)) + eps)`.
    Returns `(w', m', v')`. The bias corrections `lr / (1 − β1ᵗ)` and
    `1 / sqrt(1 − β2ᵗ)` are computed in f64 and then rounded to the
    element type, as PyTorch computes them.

    ```mlir
    %w1, %m1, %v1 = credo.adam_update %w, %g, %m, %v, %lr, %t {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64} : tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<f32>, tensor<f32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$param, Credo_FloatTensor:$grad,
                       Credo_FloatTensor:$m, Credo_FloatTensor:$v,
                       Credo_ScalarTensor:$lr, Credo_ScalarTensor:$step,
                       F64Attr:$beta1, F64Attr:$beta2, F64Attr:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay);
  let results = (outs Credo_FloatTensor:$new_param, Credo_FloatTensor:$new_m,
                      Credo_FloatTensor:$new_v);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $lr `,` $step attr-dict `:`
    type($param) `,` type($grad) `,` type($m) `,` type($v) `,` type($lr)
    `,` type($step)
  }];
}

#endif // CREDO_OPTIMIZER_OPS_TD
