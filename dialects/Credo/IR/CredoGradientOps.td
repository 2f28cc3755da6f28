//===- CredoGradientOps.td - Ops that backward passes use ---*- tablegen -*-===//
//
// The ops that reverse-mode differentiation (credo-autodiff) emits: matrix
// products with transposes, sums over dimensions, and the derivative of
// each activation and loss. They are ordinary credo ops: every backend
// lowers them like the forward ops.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_GRADIENT_OPS_TD
#define CREDO_GRADIENT_OPS_TD

include "Credo/IR/CredoLayerOps.td"

def Credo_MatmulOp : Credo_InferredOp<"matmul"> {
  let summary = "matrix product with optional transposes";
  let description = [{
    `y = op(a) · op(b)` where `op(a) = aᵀ` when `transpose_lhs` is set (and
    likewise for `b`), so `y[i, j] = Σ_k op(a)[i, k] · op(b)[k, j]`. Both
    operands are rank 2 with one element type. Backward passes use it for
    `∂x = ∂y · Wᵀ` and `∂W = xᵀ · ∂y`.

    ```mlir
    %dw = credo.matmul %x, %dy {transpose_lhs = true} : tensor<128x784xf32>, tensor<128x256xf32> -> tensor<784x256xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$lhs, Credo_FloatTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def Credo_ReduceSumOp : Credo_InferredOp<"reduce_sum"> {
  let summary = "sum over dimensions";
  let description = [{
    Sums `x` over the dimensions in `dims` (sorted, distinct, in range),
    which disappear from the result: for `dims = [0]` and `x : [B, N]`,
    `y[n] = Σ_b x[b, n]`. Summing every dimension gives a rank-0 tensor.

    ```mlir
    %db = credo.reduce_sum %dy {dims = array<i64: 0>} : tensor<128x256xf32> -> tensor<256xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

/// d/dx of a pointwise activation, from the output gradient and either the
/// activation's input (`x`) or its output (`y`).
class Credo_ActivationGradOp<string mnemonic, string of, string what,
                             string equation>
    : Credo_InferredOp<mnemonic> {
  let summary = "gradient of the " # of # " activation";
  let description = [{
    Given the gradient `dy` of the activation's output and its }] # what # [{,
    computes `}] # equation # [{` elementwise. Both operands and the result
    share one type.

    ```mlir
    %dx = credo.}] # mnemonic # [{ %dy, %v : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$grad, Credo_FloatTensor:$value);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $value attr-dict `:` custom<BinaryTypes>(type($grad), type($value))
  }];
}

def Credo_ReluGradOp : Credo_ActivationGradOp<"relu_grad", "relu",
    "input `x`", "dx = dy · [x > 0]">;
def Credo_SigmoidGradOp : Credo_ActivationGradOp<"sigmoid_grad", "sigmoid",
    "output `y`", "dx = dy · y · (1 − y)">;
def Credo_TanhGradOp : Credo_ActivationGradOp<"tanh_grad", "tanh",
    "output `y`", "dx = dy · (1 − y²)">;
def Credo_SoftplusGradOp : Credo_ActivationGradOp<"softplus_grad", "softplus",
    "input `x`", "dx = dy · σ(x)">;

def Credo_SoftmaxGradOp : Credo_InferredOp<"softmax_grad"> {
  let summary = "gradient of softmax";
  let description = [{
    From the gradient `dy` of softmax's output `y` along `axis`:
    `dx = y ⊙ (dy − Σ_axis (dy ⊙ y))`.

    ```mlir
    %dx = credo.softmax_grad %dy, %y {axis = 1 : i64} : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$grad, Credo_FloatTensor:$output,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $output attr-dict `:` custom<BinaryTypes>(type($grad), type($output))
  }];
}

def Credo_SoftmaxCrossEntropyGradOp
    : Credo_InferredOp<"softmax_cross_entropy_grad"> {
  let summary = "gradient of the mean softmax cross-entropy";
  let description = [{
    The gradient with respect to the logits `z : [B, C]` of
    `L = (1/B) Σ_b (log Σ_c exp(z[b, c]) − z[b, t[b]])`, scaled by the
    incoming loss gradient `dL` (rank 0):
    `dz[b, c] = (softmax(z)[b, c] − [c = t[b]]) · dL / B`.

    ```mlir
    %dz = credo.softmax_cross_entropy_grad %z, %t, %dl : tensor<128x10xf32>, tensor<128xi32>, tensor<f32> -> tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$logits, Credo_LabelTensor:$labels,
                       Credo_ScalarTensor:$loss_grad);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $loss_grad attr-dict `:` type($logits) `,`
    type($labels) `,` type($loss_grad) `->` type($result)
  }];
}

def Credo_MseGradOp : Credo_InferredOp<"mse_grad"> {
  let summary = "gradient of the mean squared error";
  let description = [{
    The gradient with respect to the prediction `p` of
    `L = (1/n) Σ_i (p_i − t_i)²`, scaled by the incoming loss gradient `dL`
    (rank 0): `dp = 2 (p − t) · dL / n`.

    ```mlir
    %dp = credo.mse_grad %p, %t, %dl : tensor<64x10xf32>, tensor<64x10xf32>, tensor<f32> -> tensor<64x10xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$prediction, Credo_FloatTensor:$target,
                       Credo_ScalarTensor:$loss_grad);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $prediction `,` $target `,` $loss_grad attr-dict `:` type($prediction) `,`
    type($target) `,` type($loss_grad) `->` type($result)
  }];
}

#endif // CREDO_GRADIENT_OPS_TD
