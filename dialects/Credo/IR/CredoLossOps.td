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

def Credo_CountMarginLossOp : Credo_InferredOp<"count_margin_loss"> {
  let summary = "squared error of spike counts against class targets, with a margin";
  let description = [{
    The macro-level loss of HM2-BP: each output neuron's spike count `o`
    is compared with a target count, `high` for the labelled class and `low`
    for the others, and errors within `margin` are ignored:

    `L = (1/B) Σ_b Σ_c ½ · [|d| > margin] · d²`, `d = o[b, c] − y[b, c]`,
    `y[b, c] = high if c = t[b] else low`.

    Shapes: `o : [B, C]`, labels `t : [B]` (i32 or i64, in [0, C)), `L`
    rank 0.

    ```mlir
    %l = credo.count_margin_loss %o, %t {high = 9.0 : f64, low = 2.0 : f64, margin = 1.0 : f64} : tensor<16x10xf32>, tensor<16xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$counts, Credo_LabelTensor:$labels,
      DefaultValuedAttr<F64Attr, "1.0">:$high,
      DefaultValuedAttr<F64Attr, "0.0">:$low,
      DefaultValuedAttr<F64Attr, "0.0">:$margin);
  let results = (outs Credo_ScalarTensor:$result);
  let assemblyFormat = [{
    $counts `,` $labels attr-dict `:` type($counts) `,` type($labels) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // CREDO_LOSS_OPS_TD
