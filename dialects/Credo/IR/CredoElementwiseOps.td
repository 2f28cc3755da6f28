//===- CredoElementwiseOps.td - Elementwise and activation ops -*- tablegen -*-===//
//
// Elementwise arithmetic (add, sub, mul), the pointwise activations (relu,
// sigmoid, tanh, softplus) and softmax along one axis. Shapes are preserved.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_ELEMENTWISE_OPS_TD
#define CREDO_ELEMENTWISE_OPS_TD

include "Credo/IR/CredoLayerOps.td"

class Credo_BinaryOp<string mnemonic, string what, string equation>
    : Credo_InferredOp<mnemonic> {
  let summary = "elementwise " # what;
  let description = [{
    Computes `}] # equation # [{` for every element. Both operands and the
    result have the same type (no implicit broadcasting).

    ```mlir
    %z = credo.}] # mnemonic # [{ %x, %y : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$lhs, Credo_FloatTensor:$rhs);
  let results = (outs Credo_FloatTensor:$result);
  // One type when both operands agree (the valid case), else both.
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` custom<BinaryTypes>(type($lhs), type($rhs))
  }];
  // x + 0, 0 + x, x − 0, x · 1 and 1 · x fold to x (0 and 1: splat
  // constants).
  let hasFolder = 1;
}

def Credo_AddOp : Credo_BinaryOp<"add", "addition", "z = x + y">;
def Credo_SubOp : Credo_BinaryOp<"sub", "subtraction", "z = x − y">;
def Credo_MulOp : Credo_BinaryOp<"mul", "(Hadamard) product", "z = x · y">;

def Credo_DivOp : Credo_InferredOp<"div"> {
  let summary = "elementwise division";
  let description = [{
    Computes `z = x / y` for every element; with `safe`, `z = 0` where
    `y = 0` (rates per spike count of a silent neuron, ratios of counts).
    Both operands and the result have the same type.

    ```mlir
    %z = credo.div %x, %y {safe} : tensor<16x100xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$lhs, Credo_FloatTensor:$rhs,
                       UnitAttr:$safe);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` custom<BinaryTypes>(type($lhs), type($rhs))
  }];
}

class Credo_ActivationOp<string mnemonic, string what, string equation>
    : Credo_InferredOp<mnemonic> {
  let summary = what # " activation";
  let description = [{
    Applies `}] # equation # [{` to every element of `x`.

    ```mlir
    %y = credo.}] # mnemonic # [{ %x : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Credo_ReluOp : Credo_ActivationOp<"relu", "rectified linear",
    "y = max(x, 0)">;
def Credo_SigmoidOp : Credo_ActivationOp<"sigmoid", "logistic",
    "y = 1 / (1 + exp(−x))">;
def Credo_TanhOp : Credo_ActivationOp<"tanh", "hyperbolic tangent",
    "y = tanh(x)">;
def Credo_SoftplusOp : Credo_ActivationOp<"softplus", "softplus",
    "y = log(1 + exp(x))">;

def Credo_ScaleOp : Credo_InferredOp<"scale"> {
  let summary = "multiplication by a constant";
  let description = [{
    Multiplies every element by the constant `factor`: `y = factor · x`
    (time constants, learning-rate-like factors of local rules, the
    conductances of compartment models). An f32 tensor is scaled by the
    factor rounded to f32; a factor outside f32's normal range (1e39,
    1e-40) by its significand, then by powers of two, so that
    `1e-30 · 1e39` is 1e9, not inf.

    ```mlir
    %y = credo.scale %x {factor = 0.5 : f64} : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, F64Attr:$factor);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Credo_SoftmaxOp : Credo_InferredOp<"softmax"> {
  let summary = "normalized exponential along one axis";
  let description = [{
    Turns scores into probabilities along `axis` (default `-1`, the last;
    negative values count from the end):
    `y[…, i, …] = exp(x[…, i, …] − m) / Σ_j exp(x[…, j, …] − m)` with
    `m = max_j x[…, j, …]`.

    ```mlir
    %p = credo.softmax %logits {axis = 1 : i64} : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

#endif // CREDO_ELEMENTWISE_OPS_TD
