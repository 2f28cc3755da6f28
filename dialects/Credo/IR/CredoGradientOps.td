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

def Credo_CountMarginLossGradOp : Credo_InferredOp<"count_margin_loss_grad"> {
  let summary = "gradient of credo.count_margin_loss with respect to the counts";
  let description = [{
    `∂L/∂o[b, c] = g · [|d| > margin] · d / B`, with `d` and the targets of
    `credo.count_margin_loss` (same attributes) and `g` the loss's
    gradient.

    ```mlir
    %go = credo.count_margin_loss_grad %o, %t, %g {high = 9.0 : f64, low = 2.0 : f64, margin = 1.0 : f64} : tensor<16x10xf32>, tensor<16xi32>, tensor<f32> -> tensor<16x10xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$counts, Credo_LabelTensor:$labels,
      Credo_ScalarTensor:$grad,
      DefaultValuedAttr<F64Attr, "1.0">:$high,
      DefaultValuedAttr<F64Attr, "0.0">:$low,
      DefaultValuedAttr<F64Attr, "0.0">:$margin);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $counts `,` $labels `,` $grad attr-dict `:` type($counts) `,` type($labels) `,` type($grad) `->` type($result)
  }];
}

def Credo_EinsumOp : Credo_InferredOp<"einsum"> {
  let summary = "a sum of products named by index letters";
  let description = [{
    `spec` names each operand's dimensions by lowercase letters and the
    result's after `->`: every result element is the product of the operand
    elements its letters select, summed over the letters the result does not
    have. With `spec = "bi,bij->ji"`: `y[j, i] = Σ_b x[b, i] · e[b, i, j]`.
    A letter names dimensions of one size wherever it appears; a letter
    appears at most once per operand and in the result; every result letter
    appears in an operand. Local learning rules use it for outer products
    and per-synapse contractions.

    ```mlir
    %g = credo.einsum %d, %e {spec = "bi,bij->ji"} : tensor<16x10xf32>, tensor<16x10x100xf32> -> tensor<100x10xf32>
    ```
  }];
  let arguments = (ins Variadic<Credo_FloatTensor>:$inputs, StrAttr:$spec);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` type($inputs) `->` type($result)
  }];
  let extraClassDeclaration = [{
    /// The letters of each operand, then of the result; failure if `spec`
    /// is malformed for `ranks`.
    static ::mlir::FailureOr<::llvm::SmallVector<std::string>>
    parseSpec(::llvm::StringRef spec);
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
    "input `x` or output `y` (both have the same sign)", "dx = dy · [v > 0]">;
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

def Credo_Conv2DGradInputOp : Credo_InferredOp<"conv2d_grad_input"> {
  let summary = "gradient of conv2d with respect to its input";
  let description = [{
    For `y = conv2d(x, W)` with `strides` and `padding`, the gradient of its
    input `x : input_shape` from the output gradient `dy`:
    `dx[b, c, h, w] = Σ_{o, p, q} dy[b, o, i, j] · W[o, c, p, q]` over the
    `(i, j)` with `h = i·sh + p − ph` and `w = j·sw + q − pw`.

    ```mlir
    %dx = credo.conv2d_grad_input %dy, %w {input_shape = array<i64: 64, 1, 28, 28>, padding = array<i64: 2, 2>} : tensor<64x32x28x28xf32>, tensor<32x1x5x5xf32> -> tensor<64x1x28x28xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$grad, Credo_FloatTensor:$weight,
                       DenseI64ArrayAttr:$input_shape,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $weight attr-dict `:` type($grad) `,` type($weight) `->` type($result)
  }];
}

def Credo_Conv2DGradWeightOp : Credo_InferredOp<"conv2d_grad_weight"> {
  let summary = "gradient of conv2d with respect to its filters";
  let description = [{
    For `y = conv2d(x, W)` with `strides` and `padding` and filters of size
    `kernel = [kh, kw]`, the gradient of `W` from the input `x` and the
    output gradient `dy`:
    `dW[o, c, p, q] = Σ_{b, i, j} dy[b, o, i, j] · x̃[b, c, i·sh + p, j·sw + q]`
    with `x̃` the zero-padded input.

    ```mlir
    %dw = credo.conv2d_grad_weight %x, %dy {kernel = array<i64: 5, 5>, padding = array<i64: 2, 2>} : tensor<64x1x28x28xf32>, tensor<64x32x28x28xf32> -> tensor<32x1x5x5xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, Credo_FloatTensor:$grad,
                       DenseI64ArrayAttr:$kernel,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad attr-dict `:` type($input) `,` type($grad) `->` type($result)
  }];
}

def Credo_MaxPool2DGradOp : Credo_InferredOp<"max_pool2d_grad"> {
  let summary = "gradient of max pooling";
  let description = [{
    Routes each output gradient `dy[b, c, i, j]` to the position of its
    window's maximum in `x` (the first one in row-major order when several
    are equal), summing where windows overlap. Attributes as for
    `credo.max_pool2d`; the result has the type of `x`.

    ```mlir
    %dx = credo.max_pool2d_grad %dy, %x {kernel = array<i64: 2, 2>} : tensor<64x32x14x14xf32>, tensor<64x32x28x28xf32> -> tensor<64x32x28x28xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$grad, Credo_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $input attr-dict `:` type($grad) `,` type($input) `->` type($result)
  }];
}

def Credo_AvgPool2DGradOp : Credo_InferredOp<"avg_pool2d_grad"> {
  let summary = "gradient of average pooling";
  let description = [{
    Spreads each output gradient evenly over its window's in-image
    positions: `dx[b, c, h, w] = Σ dy[b, c, i, j] / count(i, j)` over the
    windows `(i, j)` that contain `(h, w)`, where `count` is the number of
    in-image positions of the window (padding is not counted). The result
    has the shape `input_shape`.

    ```mlir
    %dx = credo.avg_pool2d_grad %dy {kernel = array<i64: 2, 2>, input_shape = array<i64: 64, 32, 28, 28>} : tensor<64x32x14x14xf32> -> tensor<64x32x28x28xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$grad, DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding,
                       DenseI64ArrayAttr:$input_shape);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$grad attr-dict `:` type($grad) `->` type($result)";
}

#endif // CREDO_GRADIENT_OPS_TD
