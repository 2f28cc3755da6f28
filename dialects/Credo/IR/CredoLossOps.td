//===- CredoLossOps.td - Loss ops --------------------------*- tablegen -*-===//
//
// Scalar training objectives: softmax cross-entropy on integer class labels
// and mean squared error. Each returns a rank-0 tensor, the batch mean.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LOSS_OPS_TD
#define CREDO_LOSS_OPS_TD

include "Credo/IR/CredoLayerOps.td"

def Credo_SoftmaxCrossEntropyOp : Credo_InferredOp<"softmax_cross_entropy"> {
  let summary = "mean softmax cross-entropy against integer class labels";
  let description = [{
    For logits `z : [B, C]` and labels `t : [B]` with values in `[0, C)`:
    `L = (1/B) Σ_b (log Σ_c exp(z[b, c]) − z[b, t[b]])`.
    The result is a rank-0 tensor of the logits' element type.

    ```mlir
    %loss = credo.softmax_cross_entropy %logits, %labels : tensor<128x10xf32>, tensor<128xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$logits, Credo_LabelTensor:$labels);
  let results = (outs Credo_ScalarTensor:$loss);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type($loss)
  }];
}

def Credo_MseOp : Credo_InferredOp<"mse"> {
  let summary = "mean squared error";
  let description = [{
    For a prediction `p` and a target `t` of the same shape with `n` elements:
    `L = (1/n) Σ_i (p_i − t_i)²`. The result is a rank-0 tensor.

    ```mlir
    %loss = credo.mse %p, %t : tensor<64x10xf32>, tensor<64x10xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$prediction, Credo_FloatTensor:$target);
  let results = (outs Credo_ScalarTensor:$loss);
  let assemblyFormat = [{
    $prediction `,` $target attr-dict `:` type($prediction) `,` type($target) `->` type($loss)
  }];
}

#endif // CREDO_LOSS_OPS_TD
